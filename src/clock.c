/*
 * The clock: the one source of "now" and of domain timers, in the manner of
 * chrony's scheduling module.  Timers wait in one queue ordered by due time
 * (ties in arming order) behind a single libevent timer that is always set
 * for the earliest of them.  With --fake-now the clock starts at the given
 * time, runs in real time from there, and clock_advance() steps it forward
 * timer by timer, so everything that falls due fires in order exactly as if
 * the time had passed.  This module must not know what the timers are for,
 * and nothing else may read the wall clock or build domain timers.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* A pass fires at most this many timers before yielding to the loop. */
#define CLOCK_MAX_FIRINGS	100000
/*
 * The libevent timer runs on the monotonic clock; waking at least this
 * often (seconds) notices a wall clock that was stepped or a suspend.
 */
#define CLOCK_MAX_SLEEP		60
/* Refuse advances beyond a century: nothing useful, and time_t overflow. */
#define CLOCK_MAX_ADVANCE	((int64_t)100 * 366 * 86400)

struct clock_timer {
	TAILQ_ENTRY(clock_timer) entry;
	char		*name;
	clock_cb	 cb;
	void		*arg;
	time_t		 due;
	int		 pending;
	int		 yielding;	/* on clock_yq, not clock_q */
};
TAILQ_HEAD(clock_queue, clock_timer);

static struct clock_queue	 clock_q = TAILQ_HEAD_INITIALIZER(clock_q);
static struct clock_queue	 clock_yq = TAILQ_HEAD_INITIALIZER(clock_yq);
static struct event		*clock_yield_ev;
static struct event_base	*clock_base;
static struct event		*clock_ev;
static int			 clock_fake;
static time_t			 clock_start;
static struct timespec		 clock_mono0;
static int64_t			 clock_advanced;
static int			 clock_busy;

static void	clock_exact(struct timespec *);
static void	clock_schedule(void);
static void	clock_fire(struct clock_timer *);
static void	clock_run_due(void);
static void	clock_event_cb(evutil_socket_t, short, void *);
static void	clock_yield_cb(evutil_socket_t, short, void *);
static void	clock_drain_yields(void);

int
clock_init(struct event_base *base, const char *fake_now, struct err *err)
{
	time_t	start;

	if (fake_now != NULL) {
		if (util_parse_time(fake_now, &start) == -1)
			return (err_set(err, ERR_INVALID, "--fake-now: \"%s\" "
			    "is not a time (use YYYY-MM-DDTHH:MM[:SS], local "
			    "or with Z or +HH:MM)", fake_now));
	}
	if (clock_ev != NULL) {
		event_free(clock_ev);
		clock_ev = NULL;
	}
	if (clock_yield_ev != NULL) {
		event_free(clock_yield_ev);
		clock_yield_ev = NULL;
	}
	if (base != NULL &&
	    ((clock_ev = evtimer_new(base, clock_event_cb, NULL)) == NULL ||
	    (clock_yield_ev = evtimer_new(base, clock_yield_cb,
	    NULL)) == NULL))
		return (err_set(err, ERR_INTERNAL, "cannot create the clock "
		    "timer event"));
	/* Clients first: a slice waits until none is ready (reflectd.c). */
	if (clock_yield_ev != NULL && event_base_get_npriorities(base) > 1)
		event_priority_set(clock_yield_ev,
		    event_base_get_npriorities(base) - 1);
	clock_base = base;
	clock_advanced = 0;
	clock_busy = 0;
	if (fake_now != NULL) {
		clock_fake = 1;
		clock_start = start;
		clock_gettime(CLOCK_MONOTONIC, &clock_mono0);
	} else
		clock_fake = 0;
	clock_schedule();
	return (0);
}

void
clock_free(void)
{
	struct clock_timer	*t;

	while ((t = TAILQ_FIRST(&clock_q)) != NULL) {
		TAILQ_REMOVE(&clock_q, t, entry);
		t->pending = 0;
	}
	while ((t = TAILQ_FIRST(&clock_yq)) != NULL) {
		TAILQ_REMOVE(&clock_yq, t, entry);
		t->yielding = 0;
	}
	if (clock_ev != NULL)
		event_free(clock_ev);
	clock_ev = NULL;
	if (clock_yield_ev != NULL)
		event_free(clock_yield_ev);
	clock_yield_ev = NULL;
	clock_base = NULL;
	clock_fake = 0;
	clock_advanced = 0;
	clock_busy = 0;
}

/* The current clock time with its fraction of a second. */
static void
clock_exact(struct timespec *ts)
{
	struct timespec	mono;

	if (!clock_fake) {
		clock_gettime(CLOCK_REALTIME, ts);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	ts->tv_sec = mono.tv_sec - clock_mono0.tv_sec;
	ts->tv_nsec = mono.tv_nsec - clock_mono0.tv_nsec;
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += 1000000000L;
	}
	ts->tv_sec += clock_start + clock_advanced;
}

time_t
clock_now(void)
{
	struct timespec	ts;

	if (!clock_fake)
		return (time(NULL));
	clock_exact(&ts);
	return (ts.tv_sec);
}

int
clock_is_fake(void)
{
	return (clock_fake);
}

int
clock_advance(int64_t seconds, struct err *err)
{
	struct clock_timer	*t;
	time_t			 target, now;
	long			 n = 0;

	if (!clock_fake)
		return (err_set(err, ERR_INVALID, "the clock is not fake "
		    "(start reflectd with --fake-now)"));
	if (seconds <= 0 || seconds > CLOCK_MAX_ADVANCE)
		return (err_set(err, ERR_INVALID, "advance by 1 second to 100 "
		    "years, not %lld seconds", (long long)seconds));
	if (clock_busy)
		return (err_set(err, ERR_CONFLICT, "the clock cannot be "
		    "advanced from inside a timer"));

	clock_busy = 1;
	target = clock_now() + (time_t)seconds;
	/* Work sliced for the loop ends at the time it began, as it would. */
	clock_drain_yields();
	while ((t = TAILQ_FIRST(&clock_q)) != NULL && t->due <= target) {
		if (n++ >= CLOCK_MAX_FIRINGS) {
			log_warnx("clock: more than %d timers fell due in one "
			    "advance; the rest fire from the loop",
			    CLOCK_MAX_FIRINGS);
			break;
		}
		now = clock_now();
		if (t->due > now)
			clock_advanced += t->due - now;
		clock_fire(t);
		clock_drain_yields();
	}
	now = clock_now();
	if (now < target)
		clock_advanced += target - now;
	clock_busy = 0;
	clock_schedule();
	return (0);
}

struct clock_timer *
clock_timer_new(const char *name, clock_cb cb, void *arg)
{
	struct clock_timer	*t;

	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name != NULL ? name : "timer");
	t->cb = cb;
	t->arg = arg;
	return (t);
}

void
clock_timer_at(struct clock_timer *t, time_t when)
{
	struct clock_timer	*after;

	if (t->pending)
		TAILQ_REMOVE(&clock_q, t, entry);
	t->due = when;
	t->pending = 1;
	/* New timers are usually the latest: search from the end. */
	TAILQ_FOREACH_REVERSE(after, &clock_q, clock_queue, entry) {
		if (after->due <= when)
			break;
	}
	if (after != NULL)
		TAILQ_INSERT_AFTER(&clock_q, after, t, entry);
	else
		TAILQ_INSERT_HEAD(&clock_q, t, entry);
	if (!clock_busy)
		clock_schedule();
}

/*
 * A long job's continuation: fire on a later turn of the event loop,
 * after the clients it has waiting, and never from clock_advance (the
 * job is not something time makes due).
 */
void
clock_timer_yield(struct clock_timer *t)
{
	static const struct timeval	now = { 0, 0 };

	clock_timer_cancel(t);
	if (t->yielding)
		return;
	t->yielding = 1;
	TAILQ_INSERT_TAIL(&clock_yq, t, entry);
	if (clock_yield_ev != NULL)
		evtimer_add(clock_yield_ev, &now);
}

/*
 * An advance runs the sliced work a timer started (the daily replan, team
 * by team) to its end before the clock moves on, slice after slice as the
 * loop would: a jump of a week is a week of days, each replanned in full.
 */
static void
clock_drain_yields(void)
{
	struct clock_timer	*t;

	while ((t = TAILQ_FIRST(&clock_yq)) != NULL) {
		TAILQ_REMOVE(&clock_yq, t, entry);
		t->yielding = 0;
		if (t->cb != NULL)
			t->cb(t->arg);
	}
}

static void
clock_yield_cb(evutil_socket_t fd, short what, void *arg)
{
	struct clock_queue	 q = TAILQ_HEAD_INITIALIZER(q);
	struct clock_timer	*t;

	/* Those yielding again from their callback wait for the next turn. */
	TAILQ_CONCAT(&q, &clock_yq, entry);
	while ((t = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, t, entry);
		t->yielding = 0;
		if (t->cb != NULL)
			t->cb(t->arg);
	}
}

void
clock_timer_cancel(struct clock_timer *t)
{
	if (t != NULL && t->yielding) {
		TAILQ_REMOVE(&clock_yq, t, entry);
		t->yielding = 0;
	}
	if (t == NULL || !t->pending)
		return;
	TAILQ_REMOVE(&clock_q, t, entry);
	t->pending = 0;
	if (!clock_busy)
		clock_schedule();
}

int
clock_timer_pending(const struct clock_timer *t, time_t *when)
{
	if (t == NULL || !t->pending)
		return (0);
	if (when != NULL)
		*when = t->due;
	return (1);
}

void
clock_timer_free(struct clock_timer *t)
{
	if (t == NULL)
		return;
	clock_timer_cancel(t);
	free(t->name);
	free(t);
}

/* Set the one libevent timer for the earliest due timer, or clear it. */
static void
clock_schedule(void)
{
	struct clock_timer	*t;
	struct timespec		 now;
	struct timeval		 tv;
	long			 usec;

	if (clock_ev == NULL)
		return;
	if ((t = TAILQ_FIRST(&clock_q)) == NULL) {
		evtimer_del(clock_ev);
		return;
	}
	clock_exact(&now);
	if (t->due <= now.tv_sec) {
		tv.tv_sec = 0;
		tv.tv_usec = 0;
	} else if (t->due - now.tv_sec > CLOCK_MAX_SLEEP) {
		tv.tv_sec = CLOCK_MAX_SLEEP;
		tv.tv_usec = 0;
	} else {
		/* Wake on the second it falls due, not a second late. */
		usec = 1000000L - now.tv_nsec / 1000;
		tv.tv_sec = (time_t)(t->due - now.tv_sec - 1);
		tv.tv_usec = usec;
		if (tv.tv_usec >= 1000000L) {
			tv.tv_sec++;
			tv.tv_usec -= 1000000L;
		}
	}
	evtimer_add(clock_ev, &tv);
}

static void
clock_fire(struct clock_timer *t)
{
	char	buf[UTIL_TIMEBUF];

	TAILQ_REMOVE(&clock_q, t, entry);
	t->pending = 0;
	if (log_getlevel() >= LOG_LVL_DEBUG)
		log_debug("clock: timer %s fires (due %s)", t->name,
		    util_format_time(t->due, buf));
	/* The callback may free t: do not touch it afterwards. */
	if (t->cb != NULL)
		t->cb(t->arg);
}

static void
clock_run_due(void)
{
	struct clock_timer	*t;
	long			 n = 0;

	clock_busy = 1;
	while ((t = TAILQ_FIRST(&clock_q)) != NULL && t->due <= clock_now()) {
		if (n++ >= CLOCK_MAX_FIRINGS) {
			log_warnx("clock: more than %d timers fell due at once; "
			    "continuing on the next loop pass",
			    CLOCK_MAX_FIRINGS);
			break;
		}
		clock_fire(t);
	}
	clock_busy = 0;
	clock_schedule();
}

static void
clock_event_cb(evutil_socket_t fd, short what, void *arg)
{
	clock_run_due();
}
