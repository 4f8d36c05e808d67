/*
 * The one source of "now" and of domain timers.  With --fake-now the clock
 * starts at the given time, runs in real time from there, and jumps forward
 * on clock_advance(), which fires every timer that falls due, in due order,
 * exactly as if that time had passed.  Nothing else reads the time or creates
 * domain timers.
 */
#ifndef REFLECTD_CLOCK_H
#define REFLECTD_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "err.h"

/* The event base's queues; the clock's slices run in the last one. */
#define CLOCK_PRIORITIES	3

struct event_base;
struct clock_timer;

typedef void (*clock_cb)(void *);

/* fake_now: NULL for the real clock, or an RFC 3339 time (util_parse_time). */
int		 clock_init(struct event_base *, const char *fake_now, struct err *);
void		 clock_free(void);

time_t		 clock_now(void);
int		 clock_is_fake(void);
/* Fake clock only: jump forward and fire due timers in order. */
int		 clock_advance(int64_t seconds, struct err *);

/* name is for debug logs only. */
struct clock_timer *clock_timer_new(const char *name, clock_cb, void *arg);
/* (Re)arm to fire once at the given clock time; a past time fires soon. */
void		 clock_timer_at(struct clock_timer *, time_t when);
/*
 * Fire on a later turn of the event loop, after waiting clients, never
 * from clock_advance: how a long job yields between its slices.
 */
void		 clock_timer_yield(struct clock_timer *);
void		 clock_timer_cancel(struct clock_timer *);
int		 clock_timer_pending(const struct clock_timer *, time_t *when);
void		 clock_timer_free(struct clock_timer *);

#endif
