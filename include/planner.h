/*
 * planner: the one writer of planned sessions.  planner_run materialises
 * every series' occurrences from now to the horizon, fills attendees and
 * the psychologist (with cover), and diffs against what is stored: it
 * creates, updates and cancels only what changed, never touches cancelled,
 * moved or held sessions, and queues its mail in the caller's transaction.
 * It owns the daemon's planning timers (daily replan, next session end)
 * through clock.c and the loaded holiday files.  It never opens a
 * transaction of its own except from its timers.
 */
#ifndef REFLECTD_PLANNER_H
#define REFLECTD_PLANNER_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "schedule.h"

struct store;
struct config;

struct planner_counts {
	int	created;
	int	updated;
	int	cancelled;
	int	messages_queued;
	int	held;		/* sessions that ended and became held */
};

/*
 * What a change touches (SPEC 11: a change replans only that): the teams
 * whose sessions, attendees and presenters it may change, and the times
 * where it changed a psychologist's availability or a booking by hand
 * (a session moved or cancelled, a psychologist away), around which the
 * other teams' cover is checked again.  all: every team (a reload, an
 * import, the daily replan).  The planner widens a scope by itself when
 * the change moves cover across teams, so a scope too narrow is never
 * wrong, only slower; the helpers (plan-scope.c) read the store to name
 * a member's, a session's, a series' or a case's teams.
 */
struct planner_dirty {
	time_t	start;
	time_t	end;
	char	psychologist[SLUG_MAX + 1];	/* "" any */
};

struct planner_scope {
	int			 all;
	char			**teams;
	size_t			 nteams;
	struct planner_dirty	*dirty;
	size_t			 ndirty;
};

void	planner_scope_init(struct planner_scope *);
void	planner_scope_free(struct planner_scope *);
void	planner_scope_all(struct planner_scope *);
void	planner_scope_team(struct planner_scope *, const char *team);
/* A psychologist's booking or availability changed in [start, end). */
void	planner_scope_dirty(struct planner_scope *, time_t start, time_t end,
	    const char *psychologist);
/*
 * The member's teams (home, served, managed, series facilitated).  For a
 * psychologist's absence (from..to) also those days, around which every
 * team's cover is checked; any other change of a psychologist (days,
 * capacity, dates, name) replans every team.
 */
int	planner_scope_member(struct planner_scope *, struct store *,
	    const char *member, const char *from, const char *to,
	    struct err *);
/*
 * The session's teams; with booking also its time, for a change by hand
 * of its psychologist's booking (a move names it before and after).
 */
int	planner_scope_session(struct planner_scope *, struct store *,
	    const char *id, int booking, struct err *);
int	planner_scope_series(struct planner_scope *, struct store *,
	    const char *series, struct err *);
/* The teams of the case's lead and co-worker (presenter choice). */
int	planner_scope_case(struct planner_scope *, struct store *,
	    const char *ref, struct err *);

/*
 * Plan from now to now + horizon_days inside the caller's transaction,
 * for scope (NULL: every team).  hol may be NULL (no holidays).  The
 * answer is the same as a run for every team.  Idempotent: with nothing
 * changed it writes no row and all counts stay zero.  On failure some
 * of its writes may be made: the caller rolls its transaction back.
 */
int	planner_run(struct store *, const struct config *,
	    const struct sched_holidays *, time_t now,
	    const struct planner_scope *, struct planner_counts *,
	    struct err *);
/*
 * Sessions that have ended by now become held, with attendance rows for
 * their attendees per assume_attended; inside the caller's transaction.
 */
int	planner_hold(struct store *, const struct config *, time_t now,
	    int *held, struct err *);

/*
 * Manager overrides, inside the caller's transaction.  reason (may be
 * NULL) and by (the caller's member slug or unix user, may be NULL) are
 * kept for the mail that tells the attendees.  SEQUENCE is left to the
 * invites module, which raises it when what was sent changes.
 */
int	planner_session_cancel(struct store *, const char *id,
	    const char *reason, const char *by, struct err *);
/*
 * Move a planned session and decide its psychologist (with cover) and
 * attendees for the new date; it stays manual.  out may be NULL.
 */
int	planner_session_move(struct store *, const struct config *,
	    const char *id, time_t start, const char *location,
	    const char *reason, const char *by, struct planner_counts *,
	    struct err *);
int	planner_session_attend(struct store *, const char *id,
	    const char *member, int status, struct err *);
/*
 * Cancel the future planned sessions of a series (series remove); their
 * bookings go into scope's times (scope may be NULL).
 */
int	planner_series_cancel(struct store *, const char *series, time_t now,
	    struct planner_scope *, int *n, struct err *);

/*
 * The daemon's side.  init loads the holiday files (a broken one is an
 * error naming the file), plans once in its own transaction and arms the
 * timers.  reload loads the new configuration's holidays into a new set
 * and swaps only when all load.  replan runs planner_run inside the
 * caller's transaction with the daemon's configuration and holidays, then
 * re-arms the session-end timer.
 */
int	planner_init(struct store *, const struct config *, struct err *);
int	planner_reload(const struct config *, struct err *);
int	planner_replan(const struct planner_scope *, struct planner_counts *,
	    struct err *);
/*
 * The daily replan, the one after a reload and a manager's plan on a
 * large organisation, team by team in short transactions, yielding to the
 * event loop between slices (plan-sweep.c).  Starting one while one runs
 * starts it again; -1 (logged) if the teams cannot be read.  A waiter's
 * done(arg, counts, failed) is called once at the sweep's end with the
 * changes made since the first waiter came and how many teams failed
 * (-1: the daemon is stopping, or the sweep could not start again).
 */
typedef void (*planner_sweep_done_fn)(void *, const struct planner_counts *,
	    int);
int	planner_sweep_start(struct store *, const char *why);
void	planner_sweep_wait(planner_sweep_done_fn, void *);
size_t	planner_sweep_pending(void);	/* teams still to plan */
void	planner_sweep_free(void);
/*
 * How long the last run for every team took (ms; 0 none yet): a plan that
 * would hold the loop longer than PLANNER_HOLD_MS goes team by team.
 */
#define PLANNER_HOLD_MS	50
double	planner_full_ms(void);
/* After a commit: re-arm the timers for what is now stored. */
void	planner_rearm(void);
int	planner_count_planned(struct store *, int *, struct err *);
void	planner_free(void);

#endif
