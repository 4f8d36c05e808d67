/*
 * The daily replan (and the one after a reload) team by team: each team
 * is planned in a short transaction of its own (planner_replan for its
 * scope, which widens itself when cover moves across teams), and after
 * SWEEP_SLICE_MS of them the sweep yields to the event loop
 * (clock_timer_yield), so a client waits a slice or two (a new
 * connection takes two or three turns of the loop) and a change that
 * arrives meanwhile is planned in its turn.  The last teams see what the
 * first ones decided, so the sweep ends where one run for every team
 * would.  No threads.  A manager's plan, when a run for every team at
 * once would hold the loop too long, is such a sweep too: the request
 * waits for its end (planner_sweep_wait) while the loop serves others.
 * A team whose last run wrote nothing, with nothing written since and no
 * comparison with the time turned, is passed by (plan-memo.c): its run
 * would write nothing again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "people.h"
#include "planner.h"
#include "planner-int.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/*
 * A slice ends after the team that takes it past this: one team or two.
 * A new client needs two or three turns of the loop, each of which may
 * come after a slice, so short slices keep its wait to a few teams' runs.
 */
#define SWEEP_SLICE_MS	5

/* Someone waiting for the sweep's end (a manager's plan). */
struct sweep_waiter {
	planner_sweep_done_fn	 done;
	void			*arg;
};

static struct {
	struct store		*store;
	struct clock_timer	*timer;
	char			**teams;
	size_t			 n;
	size_t			 at;
	size_t			 passed;	/* by plan-memo.c */
	int			 failed;
	double			 busy_ms;	/* planning, not waiting */
	double			 longest_ms;	/* one slice */
	char			 why[32];
	struct planner_counts	 counts;	/* since the waiters came */
	struct sweep_waiter	*w;
	size_t			 nw;
} sweep_g;

static void	sweep_cb(void *);
static void	sweep_clear(void);
static void	sweep_notify(int);

static void
sweep_clear(void)
{
	size_t	i;

	for (i = 0; i < sweep_g.n; i++)
		free(sweep_g.teams[i]);
	free(sweep_g.teams);
	sweep_g.teams = NULL;
	sweep_g.n = sweep_g.at = sweep_g.passed = 0;
}

int
planner_sweep_start(struct store *s, const char *why)
{
	struct team	*t = NULL;
	struct err	 err;
	size_t		 n = 0, i;

	if (sweep_g.timer == NULL)
		sweep_g.timer = clock_timer_new("planner sweep", sweep_cb,
		    NULL);
	if (sweep_g.n > 0)
		log_info("planner: %s replan starts again (%zu of %zu teams "
		    "were left)", why, sweep_g.n - sweep_g.at, sweep_g.n);
	sweep_clear();
	sweep_g.store = s;
	if (people_team_list(s, &t, &n, &err) == -1) {
		log_warnx("planner: %s replan: %s", why, err.msg);
		/* Those waiting would wait for ever: told now. */
		sweep_notify(1);
		return (-1);
	}
	sweep_g.teams = xcalloc(n + 1, sizeof(*sweep_g.teams));
	for (i = 0; i < n; i++)
		sweep_g.teams[i] = xstrdup(t[i].slug);
	free(t);
	sweep_g.n = n;
	/* A sweep started again counts on for those already waiting. */
	if (sweep_g.nw == 0) {
		sweep_g.failed = 0;
		memset(&sweep_g.counts, 0, sizeof(sweep_g.counts));
	}
	sweep_g.busy_ms = sweep_g.longest_ms = 0;
	snprintf(sweep_g.why, sizeof(sweep_g.why), "%s", why);
	clock_timer_yield(sweep_g.timer);
	return (0);
}

void
planner_sweep_wait(planner_sweep_done_fn done, void *arg)
{
	sweep_g.w = xreallocarray(sweep_g.w, sweep_g.nw + 1,
	    sizeof(*sweep_g.w));
	sweep_g.w[sweep_g.nw].done = done;
	sweep_g.w[sweep_g.nw].arg = arg;
	sweep_g.nw++;
}

/* The sweep's end (or failure) to those waiting, once each. */
static void
sweep_notify(int failed)
{
	struct sweep_waiter	*w = sweep_g.w;
	struct planner_counts	 c = sweep_g.counts;
	size_t			 nw = sweep_g.nw, i;

	sweep_g.w = NULL;
	sweep_g.nw = 0;
	memset(&sweep_g.counts, 0, sizeof(sweep_g.counts));
	for (i = 0; i < nw; i++)
		w[i].done(w[i].arg, &c, failed);
	free(w);
}

size_t
planner_sweep_pending(void)
{
	return (sweep_g.n - sweep_g.at);
}

static void
sweep_cb(void *arg)
{
	struct planner_scope	sc;
	struct planner_counts	c;
	struct plan_memo_mark	m;
	struct err		err;
	const char		*team;
	double			t0 = util_ms(), t;
	int			marked;

	(void)arg;
	while (sweep_g.at < sweep_g.n) {
		team = sweep_g.teams[sweep_g.at++];
		if (plan_memo_fresh(sweep_g.store, team, clock_now())) {
			sweep_g.passed++;
			continue;
		}
		marked = plan_memo_mark(sweep_g.store, clock_now(), &m) == 0;
		planner_scope_init(&sc);
		planner_scope_team(&sc, team);
		if (planner_replan(&sc, &c, &err) == -1) {
			log_warnx("planner: %s replan of team %s: %s",
			    sweep_g.why, sc.teams[0], err.msg);
			sweep_g.failed++;
		} else {
			sweep_g.counts.created += c.created;
			sweep_g.counts.updated += c.updated;
			sweep_g.counts.cancelled += c.cancelled;
			sweep_g.counts.messages_queued += c.messages_queued;
			sweep_g.counts.held += c.held;
			if (marked)
				plan_memo_note(sweep_g.store, team, &m);
		}
		planner_scope_free(&sc);
		if (util_ms() - t0 >= SWEEP_SLICE_MS)
			break;
	}
	t = util_ms() - t0;
	sweep_g.busy_ms += t;
	if (t > sweep_g.longest_ms)
		sweep_g.longest_ms = t;
	if (sweep_g.at < sweep_g.n) {
		/* The loop serves waiting clients before the next slice. */
		clock_timer_yield(sweep_g.timer);
		return;
	}
	log_info("planner: %s replan done: %zu team(s) in %.0f ms of "
	    "planning, longest slice %.0f ms; %zu passed by, as nothing they "
	    "read has changed%s", sweep_g.why, sweep_g.n, sweep_g.busy_ms,
	    sweep_g.longest_ms, sweep_g.passed, sweep_g.failed > 0 ?
	    " (some teams failed; see above)" : "");
	sweep_clear();
	sweep_notify(sweep_g.failed);
}

void
planner_sweep_free(void)
{
	sweep_notify(-1);
	sweep_clear();
	clock_timer_free(sweep_g.timer);
	memset(&sweep_g, 0, sizeof(sweep_g));
}
