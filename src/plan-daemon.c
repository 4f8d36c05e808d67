/*
 * The planner's daemon side: the holidays, the timers (the daily replan
 * at replan_at, the next session's end, which holds it) and the runs in a
 * transaction of its own (at start, from the timers, and planner_replan
 * outside a command).  planner.c decides and writes; this file says when.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "domain.h"
#include "ical.h"
#include "log.h"
#include "outbox.h"
#include "planner.h"
#include "planner-int.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

#define PLANNER_MMAP_THRESHOLD	(64 * 1024)

static struct {
	struct store		*store;
	const struct config	*conf;
	struct sched_holidays	 hol;
	int			 have_hol;
	struct clock_timer	*daily;
	struct clock_timer	*end;
} planner_g;

static time_t	 planner_next_daily(time_t, int);
static void	 planner_daily_cb(void *);
static void	 planner_end_cb(void *);
static int	 planner_own_run(const char *, int,
		    const struct planner_scope *, struct planner_counts *,
		    struct err *);

/* The next replan_at (minutes after local midnight) after now. */
static time_t
planner_next_daily(time_t now, int at)
{
	struct tm	tm;
	time_t		t;
	int		i;

	for (i = 0; i < 3; i++) {
		localtime_r(&now, &tm);
		tm.tm_mday += i;
		tm.tm_hour = at / 60;
		tm.tm_min = at % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) != (time_t)-1 && t > now)
			return (t);
	}
	return (now + PLANNER_DAY);
}

/*
 * Hold what ended and (plan) replan, in a transaction of our own; what it
 * changed into out (NULL: not wanted) once committed.
 */
static int
planner_own_run(const char *why, int plan, const struct planner_scope *scope,
    struct planner_counts *out, struct err *err)
{
	struct planner_counts	c;
	double			t0;
	time_t			now;
	int			held = 0, miss, write, spill;

	memset(&c, 0, sizeof(c));

	if (planner_g.store == NULL)
		return (0);
	if (store_in_transaction(planner_g.store))
		return (err_set(err, ERR_INTERNAL, "planner: a transaction is "
		    "open"));
	if (store_begin(planner_g.store, err) == -1)
		return (-1);
	store_cache_counts(planner_g.store, &miss, &write, &spill);
	now = clock_now();
	if (planner_hold(planner_g.store, planner_g.conf, now, &held,
	    err) == -1)
		goto fail;
	if (plan && planner_run(planner_g.store, planner_g.conf,
	    planner_g.have_hol ? &planner_g.hol : NULL, now, scope, &c,
	    err) == -1)
		goto fail;
	t0 = util_ms();
	if (store_commit(planner_g.store, err) == -1)
		return (-1);
	if (plan && (scope == NULL || scope->all))
		plan_memo_note_all(planner_g.store, now);
	store_cache_counts(planner_g.store, &miss, &write, &spill);
	log_debug("planner: %s committed in %.1f ms (pages: %d read, "
	    "%d written, %d spilled)", why, util_ms() - t0, miss, write,
	    spill);
	c.held = held;
	if (out != NULL)
		*out = c;
	if (held > 0)
		log_info("planner: %d session(s) held (%s)", held, why);
	outbox_kick();
	planner_rearm();
	return (0);
fail:
	store_rollback(planner_g.store);
	return (-1);
}

static void
planner_daily_cb(void *arg)
{
	struct err	err;

	/* What ended is held now; the teams are planned one by one. */
	if (planner_own_run("daily replan", 0, NULL, NULL, &err) == -1)
		log_warnx("planner: daily replan failed: %s", err.msg);
	planner_sweep_start(planner_g.store, "daily");
	if (planner_g.daily != NULL && planner_g.conf != NULL)
		clock_timer_at(planner_g.daily, planner_next_daily(clock_now(),
		    planner_g.conf->replan_at));
}

static void
planner_end_cb(void *arg)
{
	struct err	err;

	if (planner_own_run("session end", 0, NULL, NULL, &err) == -1) {
		log_warnx("planner: cannot mark ended sessions held: %s",
		    err.msg);
		/* Try again later rather than spin on a failing store. */
		clock_timer_at(planner_g.end, clock_now() + 300);
	}
}

void
planner_rearm(void)
{
	struct err	err;
	time_t		when;
	int		rc;

	if (planner_g.store == NULL || planner_g.end == NULL)
		return;
	rc = store_session_next_end(planner_g.store, &when, &err);
	if (rc == 0)
		clock_timer_at(planner_g.end, when);
	else if (rc == 1)
		clock_timer_cancel(planner_g.end);
	else
		log_warnx("planner: %s", err.msg);
}

int
planner_init(struct store *s, const struct config *conf, struct err *err)
{
	char *const	*hfiles;
	size_t		 nh;
	int		 rc;

	/*
	 * A run's arrays of a year of sessions and attendees are hundreds of
	 * KiB.  glibc raises its mmap threshold to the size of each such
	 * block freed, after which they come from the heap and fragment it:
	 * a borough's daemon grew by megabytes it never gave back.  A fixed
	 * threshold keeps them mapped and returned whole when freed.
	 */
	mallopt(M_MMAP_THRESHOLD, PLANNER_MMAP_THRESHOLD);
	sched_holidays_init(&planner_g.hol);
	nh = config_holiday_files(conf, &hfiles);
	if (nh == 0 && conf->nholidays > 0)
		log_warnx("no holiday file at %s: bank holidays are not skipped",
		    conf->holidays[0]);
	if (ical_holidays_load_all(hfiles, nh, &planner_g.hol, err) == -1)
		return (-1);
	planner_g.have_hol = 1;
	planner_g.store = s;
	planner_g.conf = conf;
	planner_g.daily = clock_timer_new("planner daily", planner_daily_cb,
	    NULL);
	planner_g.end = clock_timer_new("session end", planner_end_cb, NULL);
	/*
	 * The start's plan is committed without waiting for the disk: no one
	 * has been told of it, and a start after a power cut that undid it
	 * plans the same again (the same sessions, the same Message-IDs).
	 * The WAL is synced by the next commit or checkpoint (a big plan asks
	 * for one, made beside the loop): a region's first year
	 * is 280 MB, most of a second to sync here.
	 */
	store_synchronous(s, 0);
	rc = planner_own_run("start", 1, NULL, NULL, err);
	if (store_synchronous(s, 1) != 2) {
		/* A change must never be acknowledged before its sync. */
		return (err_set(err, ERR_INTERNAL, "sqlite: cannot set "
		    "synchronous=FULL again"));
	}
	if (rc == -1)
		return (-1);
	clock_timer_at(planner_g.daily, planner_next_daily(clock_now(),
	    conf->replan_at));
	return (0);
}

int
planner_reload(const struct config *conf, struct err *err)
{
	struct sched_holidays	hol;
	char *const		*hfiles;
	size_t			 nh;

	sched_holidays_init(&hol);
	nh = config_holiday_files(conf, &hfiles);
	if (ical_holidays_load_all(hfiles, nh, &hol, err) == -1) {
		sched_holidays_free(&hol);
		return (-1);
	}
	sched_holidays_free(&planner_g.hol);
	planner_g.hol = hol;
	/* The configuration and holidays every note was made under. */
	plan_memo_forget();
	planner_g.have_hol = 1;
	planner_g.conf = conf;
	if (planner_g.daily != NULL)
		clock_timer_at(planner_g.daily, planner_next_daily(clock_now(),
		    conf->replan_at));
	return (0);
}

int
planner_replan(const struct planner_scope *scope, struct planner_counts *c,
    struct err *err)
{
	struct planner_counts	dummy;
	int			held;

	if (c == NULL)
		c = &dummy;
	memset(c, 0, sizeof(*c));
	if (planner_g.store == NULL)
		return (0);
	if (!store_in_transaction(planner_g.store))
		return (planner_own_run("replan", 1, scope, c, err));
	if (planner_hold(planner_g.store, planner_g.conf, clock_now(), &held,
	    err) == -1)
		return (-1);
	if (planner_run(planner_g.store, planner_g.conf,
	    planner_g.have_hol ? &planner_g.hol : NULL, clock_now(), scope, c,
	    err) == -1)
		return (-1);
	c->held = held;
	return (0);
}

void
planner_free(void)
{
	planner_sweep_free();
	plan_expand_forget();
	plan_memo_forget();
	clock_timer_free(planner_g.daily);
	clock_timer_free(planner_g.end);
	if (planner_g.have_hol)
		sched_holidays_free(&planner_g.hol);
	memset(&planner_g, 0, sizeof(planner_g));
}
