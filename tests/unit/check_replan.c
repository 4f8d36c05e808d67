/*
 * The equivalence property of planning (SPEC §5 and §11, issue 14): a
 * random sequence of changes (absences, moves, cancels, leavers, joiners,
 * new and removed series, case closures, pins, requests, apologies, a
 * series' cofacilitator, place, length or time of day) applied to a small
 * organisation
 * through the module functions the commands use, each replanned the way
 * the daemon does: planner_replan inside the change's transaction, for
 * the scope the change names (planner_scope_*, as its command names it).
 *
 * Loose organisation (two teams): the result is the same stored sessions,
 * attendees, psychologists, presenters and mail state as the same state
 * built from scratch in a fresh database and planned once.  A manual
 * override (move, cancel, pin, apologies) needs its session to exist, and
 * a series removed cancels the sessions it had, so the cold build plans
 * just before replaying one.  The "mail state" is what each
 * attendee was last sent and still expects (invitations not withdrawn):
 * the queued messages themselves differ by construction, an incremental
 * history having updates and cancellations a cold plan never sends.
 * freeze_days is 0: presenters frozen near a session are kept by design
 * (5.6), which a cold plan cannot know.
 *
 * Tight organisation (three teams whose psychologists cover each other at
 * capacity and clash): a change to one team moves other teams' cover, so
 * the scoped run must widen itself.  A cover once chosen stays while free
 * (5.3), which a cold plan cannot know either, so here the comparison is
 * with the same changes each followed by a replan of every team.
 *
 * Seeded (1 unless REPLAN_SEED says otherwise; REPLAN_SEQS sets the
 * number of sequences per organisation, 1,500 by default): a failure
 * prints the seed, the sequence of changes and the first line that
 * differs, and leaves both dumps in /tmp/check_replan.incremental and
 * /tmp/check_replan.cold.  CK_RUN_CASE=equivalence, scoped or memo runs
 * one.
 *
 * Memo (plan-memo.c): the same loose organisation, with days frozen before
 * a session, while the time moves on by seconds, hours, days and to the
 * very second a comparison with the time could turn (a session's start or
 * end a whole number of days away, and the second after), with random
 * changes in between.  Each step sweeps the teams as the daemon does, or
 * now and then plans every team at once, as at start, which notes them
 * all; a team the memo would pass by is planned all the same in a
 * savepoint, which must write nothing (MEMO_SEQS sequences, REPLAN_SEQS /
 * 5).
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <malloc.h>

#include "testutil.h"
#include <event2/event.h>

#include "cases.h"
#include "clock.h"
#include "config.h"
#include "domain.h"
#include "err.h"
#include "ical.h"
#include "invites.h"
#include "log.h"
#include "people.h"
#include "planner.h"
#include "planner-int.h"
#include "presenters.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Half a minute past: the fake clock runs on in real time, so a change's
 * runs see a later now than the full run's fixed one, and a session on
 * the horizon's edge (a Monday's 09:00, 42 days on) would fall inside one
 * and outside the other.
 */
#define NOW		"2026-03-02T08:00:30Z"
#define DAY		86400
#define NTEAMS		3
#define NWORKERS	3
#define NCASES		2	/* per worker */
#define MAXOPS		12
#define DUMP_MAX	(1024 * 1024)
#if defined(__SANITIZE_ADDRESS__)
#define REPLAN_SEQS	150	/* ASan runs each several times slower */
#else
#define REPLAN_SEQS	1500
#endif

enum op_type {
	OP_ABSENCE = 0,
	OP_MOVE,
	OP_CANCEL,
	OP_LEAVER,
	OP_SERIES,
	OP_CLOSE,
	OP_PIN,
	OP_REQUEST,
	OP_COFAC,
	OP_SET,
	OP_HOURS,
	OP_BACK,
	OP_TEAMPSY,
	OP_APOLOGY,
	OP_SREMOVE,
	OP_JOIN,
	OP_COUNT
};

static const char *op_names[OP_COUNT] = {
	"absence", "move", "cancel", "leaver", "series", "close", "pin",
	"request", "cofacilitator", "set", "hours", "back",
	"team-set", "apologies", "series-remove", "join"
};

struct op {
	int	type;
	char	a[64];		/* member, session, case or series */
	char	b[64];		/* date, member, team */
	char	c[64];		/* date, rule */
	time_t	t;
};

static const char	*teams[NTEAMS] = { "north", "south", "west" };
static struct config	*conf;
static struct event_base *base;
static time_t		 now;
static char		*dump_a, *dump_b;
static char		 tmpl[64];	/* the organisation, built once */
static char		 dira[64], dirb[64];
static struct store	*sa, *sb;	/* incremental, cold */
/*
 * The organisation is tight (psychologists at capacity, sessions that
 * clash under cover): a change to one team moves other teams' cover.
 * There a cover once chosen stays (5.3), so the history matters and the
 * comparison is with replanning every team after each change; loose, it
 * is with a cold plan.
 */
static int		 tight;

/*
 * Loose has two teams: with one other psychologist to cover there is no
 * tie for a kept cover's reason to remember.  Tight has three.
 */
static int
nteams(void)
{
	return (tight ? NTEAMS : 2);
}

static void	 setup(void);
static void	 teardown(void);
static struct store *open_fresh(char *);
static struct store *open_org(char *);
static void	 close_rm(struct store *, const char *);
static void	 org(struct store *);
static int	 apply(struct store *, const struct op *,
		    struct planner_scope *, struct err *);
static int	 gen(struct store *, uint64_t *, int, struct op *);
static void	 dump(struct store *, char *, size_t);
static void	 date_of(time_t, char *);
static uint64_t	 rnd(uint64_t *);
static void	 run_seq(uint64_t);
static void	 run_all(void);
static void	 setup_tight(void);
static void	 setup_memo(void);
static void	 memo_seq(uint64_t);
static int	 memo_run(const char *, time_t, struct planner_counts *);
static time_t	 memo_step(uint64_t *, time_t);
static Suite	*replan_suite(void);

static uint64_t
rnd(uint64_t *s)
{
	/* splitmix64 */
	uint64_t	z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
date_of(time_t t, char *buf)
{
	sched_local_date(t, buf);
}

static void
setup(void)
{
	struct store	*tmpl_s;
	struct err	err;

	log_setlevel(LOG_LVL_WARNING);
	/* Every week kept, however small, so the kept rows are compared. */
	store_scope_keep_min(0);
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	err_clear(&err);
	ck_assert_int_eq(clock_init(base, NOW, &err), 0);
	now = clock_now();
	conf = config_defaults();
	conf->horizon_days = 42;
	conf->freeze_days = 0;
	/* Building a message is most of a run's cost: invite a week ahead. */
	conf->invite_days = 7;
	/* No holiday file: free the default path's list rather than leak it. */
	util_free_list(conf->holidays, conf->nholidays);
	conf->holidays = NULL;
	conf->nholidays = 0;
	dump_a = xmalloc(DUMP_MAX);
	dump_b = xmalloc(DUMP_MAX);
	tmpl_s = open_fresh(tmpl);
	ck_assert_int_eq(store_begin(tmpl_s, &err), 0);
	org(tmpl_s);
	ck_assert_int_eq(store_commit(tmpl_s, &err), 0);
	store_close(tmpl_s);
	/*
	 * Each sequence runs in one outer transaction rolled back at its
	 * end, so both stores are back to the organisation for the next:
	 * the incremental one as the daemon left it at start (planned once),
	 * the cold one never planned.
	 */
	sa = open_org(dira);
	sb = open_org(dirb);
	ck_assert_msg(planner_init(sa, conf, &err) == 0, "planner_init: %s",
	    err.msg);
	if (tight) {
		/* Both start as the daemon left them at start: planned once. */
		struct planner_counts	c;

		ck_assert_int_eq(store_begin(sb, &err), 0);
		ck_assert_msg(planner_run(sb, conf, NULL, now, NULL, &c,
		    &err) == 0, "plan: %s", err.msg);
		ck_assert_int_eq(store_commit(sb, &err), 0);
	}
	/* The daemon maps big blocks to return them; here that is only slow. */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

static void
teardown(void)
{
	/* Also called before a failure is reported: runs once. */
	if (sa == NULL)
		return;
	planner_free();
	close_rm(sa, dira);
	close_rm(sb, dirb);
	sa = sb = NULL;
	free(dump_a);
	free(dump_b);
	testutil_rm_rf(tmpl);
	config_free(conf);
	clock_free();
	event_base_free(base);
	ical_shutdown();
}

static struct store *
open_fresh(char *dir)
{
	struct store	*s;
	struct err	 err;

	snprintf(dir, 64, "%s/check_replan.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	err_clear(&err);
	s = store_open(dir, &err);
	ck_assert_msg(s != NULL, "store_open: %s", err.msg);
	return (s);
}

/* A fresh store holding the organisation: a copy of the template's file. */
static struct store *
open_org(char *dir)
{
	struct store	*s;
	struct err	 err;
	char		 from[128], to[128], buf[65536];
	FILE		*in, *out;
	size_t		 n;

	snprintf(dir, 64, "%s/check_replan.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(from, sizeof(from), "%s/reflectd.db", tmpl);
	snprintf(to, sizeof(to), "%s/reflectd.db", dir);
	ck_assert_ptr_nonnull(in = fopen(from, "rb"));
	ck_assert_ptr_nonnull(out = fopen(to, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
	err_clear(&err);
	s = store_open(dir, &err);
	ck_assert_msg(s != NULL, "store_open: %s", err.msg);
	return (s);
}

static void
close_rm(struct store *s, const char *dir)
{
	if (store_in_transaction(s))
		store_rollback(s);
	store_close(s);
	testutil_rm_rf(dir);
}

/* Two teams: a manager, a psychologist, three workers with two cases each. */
static void
org(struct store *s)
{
	struct team	t;
	struct member	m;
	struct casefile	c;
	struct series	r;
	struct err	err;
	/*
	 * Tight: Tuesdays close together and psychologists who take two
	 * sessions a week, so cover for one team's absent psychologist takes
	 * another's capacity or clashes.
	 */
	const char	*rules[NTEAMS] = {
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
		"FREQ=WEEKLY;BYDAY=TU",
		"FREQ=WEEKLY;BYDAY=TU,TH"
	};
	const char	*starts[2][NTEAMS] = {
		{ "2026-03-03T10:00", "2026-03-03T13:00", "2026-03-03T11:30" },
		{ "2026-03-03T10:00", "2026-03-03T10:30", "2026-03-03T13:00" }
	};
	int		i, j, k;

	err_clear(&err);
	for (i = 0; i < nteams(); i++) {
		memset(&t, 0, sizeof(t));
		snprintf(t.slug, sizeof(t.slug), "%s", teams[i]);
		strcpy(t.name, "Team");
		t.kind = TEAM_MAST;
		ck_assert_msg(people_team_add(s, &t, &err) == 0, "%s", err.msg);
		for (j = 0; j < NWORKERS + 2; j++) {
			people_member_init(&m);
			if (j == 0) {
				snprintf(m.slug, sizeof(m.slug), "mgr-%s",
				    teams[i]);
				m.role = ROLE_MANAGER;
			} else if (j == 1) {
				snprintf(m.slug, sizeof(m.slug), "psy-%s",
				    teams[i]);
				m.role = ROLE_PSYCHOLOGIST;
				if (tight)
					m.capacity = 2;
			} else {
				snprintf(m.slug, sizeof(m.slug), "sw%d-%s",
				    j - 2, teams[i]);
				m.role = ROLE_SOCIAL_WORKER;
				m.fte = j == 2 ? 0.5 : 1.0;
			}
			snprintf(m.name, sizeof(m.name), "Name of %s", m.slug);
			snprintf(m.email, sizeof(m.email), "%s@example.org",
			    m.slug);
			strcpy(m.start, "2020-01-01");
			snprintf(m.team, sizeof(m.team), "%s", teams[i]);
			ck_assert_msg(people_member_add(s, &m, &err) == 0,
			    "member %s: %s", m.slug, err.msg);
		}
		ck_assert_int_eq(people_team_get(s, teams[i], &t, &err), 0);
		snprintf(t.manager, sizeof(t.manager), "mgr-%s", teams[i]);
		snprintf(t.psychologist, sizeof(t.psychologist), "psy-%s",
		    teams[i]);
		ck_assert_msg(people_team_update(s, &t, &err) == 0, "%s",
		    err.msg);
		for (j = 0; j < NWORKERS; j++) {
			for (k = 0; k < NCASES; k++) {
				memset(&c, 0, sizeof(c));
				snprintf(c.ref, sizeof(c.ref), "C-%s-%d-%d",
				    teams[i], j, k);
				c.kind = k == 0 ? KIND_CP : KIND_LAC;
				snprintf(c.opened, sizeof(c.opened),
				    "2025-%02d-%02d", 1 + j * 3 + k, 10 + k);
				snprintf(c.lead, sizeof(c.lead), "sw%d-%s", j,
				    teams[i]);
				if (k == 1)
					snprintf(c.coworker,
					    sizeof(c.coworker), "sw%d-%s",
					    (j + 1) % NWORKERS, teams[i]);
				ck_assert_msg(cases_add(s, conf, &c, &err) == 0,
				    "case %s: %s", c.ref, err.msg);
			}
		}
		series_init(&r, SERIES_GROUP_SUPERVISION);
		snprintf(r.slug, sizeof(r.slug), "gs-%s", teams[i]);
		ck_assert_int_eq(series_set_field(&r, "team", teams[i], &err),
		    0);
		ck_assert_int_eq(series_set_field(&r, "rrule", rules[i], &err),
		    0);
		ck_assert_int_eq(series_set_field(&r, "start",
		    starts[tight][i], &err), 0);
		ck_assert_int_eq(series_set_field(&r, "slots", "2", &err), 0);
		ck_assert_int_eq(series_set_field(&r, "location", "Room 1",
		    &err), 0);
		ck_assert_msg(series_add(s, conf, &r, now, &err) == 0,
		    "series: %s", err.msg);
	}
}

/*
 * Apply one change as its command does, without replanning; sc, if not
 * NULL, is told what the change itself marks (a removed series' bookings).
 */
static int
apply(struct store *s, const struct op *o, struct planner_scope *sc,
    struct err *err)
{
	struct absence	a;
	struct member	m;
	struct series	r;
	struct team	t;
	char		today[DATE_LEN];
	char		v[64];
	int64_t		id;
	int		n;

	date_of(now, today);
	switch (o->type) {
	case OP_ABSENCE:
		memset(&a, 0, sizeof(a));
		snprintf(a.member, sizeof(a.member), "%.*s",
		    (int)sizeof(a.member) - 1, o->a);
		snprintf(a.from, sizeof(a.from), "%.10s", o->b);
		snprintf(a.to, sizeof(a.to), "%.10s", o->c);
		return (people_absence_add(s, &a, err));
	case OP_MOVE:
		return (planner_session_move(s, conf, o->a, o->t, NULL,
		    "moved", "test", NULL, err));
	case OP_CANCEL:
		return (planner_session_cancel(s, o->a, "off", "test", err));
	case OP_LEAVER:
		if (people_member_get(s, o->a, &m, err) == -1)
			return (-1);
		snprintf(m.end, sizeof(m.end), "%.10s", o->b);
		return (people_member_update(s, &m, err));
	case OP_SERIES:
		series_init(&r, SERIES_GROUP_SUPERVISION);
		snprintf(r.slug, sizeof(r.slug), "%.*s",
		    (int)sizeof(r.slug) - 1, o->a);
		if (series_set_field(&r, "team", o->b, err) == -1 ||
		    series_set_field(&r, "rrule", o->c, err) == -1 ||
		    series_set_field(&r, "start", "2026-03-02T15:00",
		    err) == -1 ||
		    series_set_field(&r, "location", "Room 2", err) == -1)
			return (-1);
		return (series_add(s, conf, &r, now, err));
	case OP_CLOSE:
		return (cases_close(s, conf, o->a, NULL, err));
	case OP_PIN:
		return (presenters_pin(s, o->a, 1, o->b, o->c, err));
	case OP_REQUEST:
		return (presenters_request(s, o->a, NULL, NULL, today, &id,
		    err));
	case OP_COFAC:
		if (series_get(s, o->a, &r, err) == -1 ||
		    series_set_field(&r, "cofacilitator", o->b, err) == -1)
			return (-1);
		return (series_update(s, conf, &r, err));
	case OP_SET:
		if (series_get(s, o->a, &r, err) == -1)
			return (-1);
		/* start: the same first date at another time of day. */
		if (strcmp(o->b, "start") == 0)
			snprintf(v, sizeof(v), "%.11s%.5s", r.start, o->c);
		else
			snprintf(v, sizeof(v), "%s", o->c);
		if (series_set_field(&r, o->b, v, err) == -1)
			return (-1);
		return (series_update(s, conf, &r, err));
	case OP_HOURS:
		if (people_member_get(s, o->a, &m, err) == -1 ||
		    people_member_set(&m, o->b, o->c, err) == -1)
			return (-1);
		return (people_member_update(s, &m, err));
	case OP_BACK:
		return (people_absence_remove(s, (int64_t)o->t, err));
	case OP_TEAMPSY:
		if (people_team_get(s, o->a, &t, err) == -1 ||
		    people_team_set(&t, o->c, o->b, err) == -1)
			return (-1);
		return (people_team_update(s, &t, err));
	case OP_APOLOGY:
		/* A worker's apologies, or taken back before the session. */
		return (planner_session_attend(s, o->a, o->b, o->t ?
		    ATTEND_APOLOGIES : ATTEND_NONE, err));
	case OP_SREMOVE:
		if (planner_series_cancel(s, o->a, now, sc, &n, err) == -1)
			return (-1);
		return (series_remove(s, o->a, err));
	case OP_JOIN:
		people_member_init(&m);
		snprintf(m.slug, sizeof(m.slug), "%.*s",
		    (int)sizeof(m.slug) - 1, o->a);
		m.role = ROLE_SOCIAL_WORKER;
		snprintf(m.name, sizeof(m.name), "Name of %s", m.slug);
		snprintf(m.email, sizeof(m.email), "%s@example.org", m.slug);
		snprintf(m.team, sizeof(m.team), "%.*s",
		    (int)sizeof(m.team) - 1, o->b);
		snprintf(m.start, sizeof(m.start), "%.10s", o->c);
		return (people_member_add(s, &m, err));
	}
	return (err_set(err, ERR_INTERNAL, "unknown op"));
}

/*
 * What the change touches, as its command names it (planner_scope_*):
 * called before the change and after it, as a command that moves a
 * session names both its old and its new time.
 */
static int
op_scope(struct store *s, const struct op *o, struct planner_scope *sc,
    struct err *err)
{
	switch (o->type) {
	case OP_ABSENCE:
		return (planner_scope_member(sc, s, o->a, o->b, o->c, err));
	case OP_LEAVER:
	case OP_REQUEST:
	case OP_HOURS:
	case OP_JOIN:
		return (planner_scope_member(sc, s, o->a, NULL, NULL, err));
	case OP_BACK:
		return (planner_scope_member(sc, s, o->a, o->b, o->c, err));
	case OP_TEAMPSY:
		planner_scope_team(sc, o->a);
		return (0);

	case OP_MOVE:
	case OP_CANCEL:
		return (planner_scope_session(sc, s, o->a, 1, err));
	case OP_PIN:
	case OP_APOLOGY:
		return (planner_scope_session(sc, s, o->a, 0, err));
	case OP_SERIES:
	case OP_COFAC:
	case OP_SET:
	case OP_SREMOVE:
		return (planner_scope_series(sc, s, o->a, err));
	case OP_CLOSE:
		return (planner_scope_case(sc, s, o->a, err));
	}
	return (err_set(err, ERR_INTERNAL, "unknown op"));
}

/* A random change against the state of s; 0 if none fits. */
static int
gen(struct store *s, uint64_t *seed, int nseries, struct op *o)
{
	struct session	*v = NULL;
	struct absence	*ab = NULL;
	struct err	 err;
	const char	*tm;
	size_t		 n = 0, i, k = 0;
	int		 team = (int)(rnd(seed) % (uint64_t)nteams()), w, ok = 1;
	static const char *days[] = { "MO", "TU", "WE", "TH", "FR" };
	static const char *times[] = { "09:00", "10:30", "13:00", "15:00" };
	static const char *ftes[] = { "0.5", "0.8", "1" };
	static const char *wdays[] = { "mo,tu,we,th,fr", "mo,tu,we", "tu,th" };

	memset(o, 0, sizeof(*o));
	o->type = (int)(rnd(seed) % OP_COUNT);
	w = (int)(rnd(seed) % (NWORKERS + 1));
	switch (o->type) {
	case OP_ABSENCE:
		if (w == NWORKERS)
			snprintf(o->a, sizeof(o->a), "psy-%s", teams[team]);
		else
			snprintf(o->a, sizeof(o->a), "sw%d-%s", w,
			    teams[team]);
		o->t = now + (time_t)(rnd(seed) % 40) * DAY;
		date_of(o->t, o->b);
		date_of(o->t + (time_t)(rnd(seed) % 15) * DAY, o->c);
		break;
	case OP_LEAVER:
		snprintf(o->a, sizeof(o->a), "sw%d-%s", w % NWORKERS,
		    teams[team]);
		date_of(now + (time_t)(1 + rnd(seed) % 40) * DAY, o->b);
		break;
	case OP_SERIES:
		snprintf(o->a, sizeof(o->a), "gs-x%d", nseries);
		snprintf(o->b, sizeof(o->b), "%s", teams[team]);
		snprintf(o->c, sizeof(o->c), "FREQ=WEEKLY;INTERVAL=%d;BYDAY=%s",
		    1 + (int)(rnd(seed) % 2), days[rnd(seed) % 5]);
		break;
	case OP_CLOSE:
		snprintf(o->a, sizeof(o->a), "C-%s-%d-%d", teams[team],
		    w % NWORKERS, (int)(rnd(seed) % NCASES));
		break;
	case OP_REQUEST:
		snprintf(o->a, sizeof(o->a), "sw%d-%s", w % NWORKERS,
		    teams[team]);
		break;
	case OP_BACK:
		/* An absence taken back: the member is there after all. */
		err_clear(&err);
		ck_assert_int_eq(people_absence_list(s, NULL, NULL, &ab, &n,
		    &err), 0);
		if (n == 0) {
			free(ab);
			return (0);
		}
		i = (size_t)(rnd(seed) % n);
		snprintf(o->a, sizeof(o->a), "%s", ab[i].member);
		snprintf(o->b, sizeof(o->b), "%s", ab[i].from);
		snprintf(o->c, sizeof(o->c), "%s", ab[i].to);
		o->t = (time_t)ab[i].id;
		free(ab);
		break;
	case OP_TEAMPSY:
		/*
		 * Another team's psychologist or manager, or the team's own
		 * back.
		 */
		snprintf(o->a, sizeof(o->a), "%s", teams[team]);
		snprintf(o->c, sizeof(o->c), "%s", rnd(seed) % 3 == 0 ?
		    "manager" : "psychologist");
		snprintf(o->b, sizeof(o->b), "%s-%s",
		    o->c[0] == 'm' ? "mgr" : "psy",
		    teams[rnd(seed) % (uint64_t)nteams()]);
		break;
	case OP_HOURS:
		/* A worker's hours or days, or a psychologist's capacity. */
		if (w == NWORKERS) {
			snprintf(o->a, sizeof(o->a), "psy-%s", teams[team]);
			snprintf(o->b, sizeof(o->b), "capacity");
			snprintf(o->c, sizeof(o->c), "%d",
			    1 + (int)(rnd(seed) % 4));
		} else if (rnd(seed) % 4 == 0) {
			/* A move to another team, or back. */
			snprintf(o->a, sizeof(o->a), "sw%d-%s", w,
			    teams[team]);
			snprintf(o->b, sizeof(o->b), "team");
			snprintf(o->c, sizeof(o->c), "%s",
			    teams[rnd(seed) % (uint64_t)nteams()]);
		} else if (rnd(seed) % 2 == 0) {
			snprintf(o->a, sizeof(o->a), "sw%d-%s", w,
			    teams[team]);
			snprintf(o->b, sizeof(o->b), "fte");
			snprintf(o->c, sizeof(o->c), "%s",
			    ftes[rnd(seed) % 3]);
		} else {
			snprintf(o->a, sizeof(o->a), "sw%d-%s", w,
			    teams[team]);
			snprintf(o->b, sizeof(o->b), "days");
			snprintf(o->c, sizeof(o->c), "%s",
			    wdays[rnd(seed) % 3]);
		}
		break;
	case OP_SET:
		/*
		 * Where, how long, at what time of day, on which days, with
		 * how many presenters, for which team, or with whom.
		 */
		snprintf(o->a, sizeof(o->a), "gs-%s", teams[team]);
		switch (rnd(seed) % 7) {
		case 3:
			snprintf(o->b, sizeof(o->b), "rrule");
			snprintf(o->c, sizeof(o->c),
			    "FREQ=WEEKLY;INTERVAL=%d;BYDAY=%s",
			    1 + (int)(rnd(seed) % 2), days[rnd(seed) % 5]);
			break;
		case 4:
			snprintf(o->b, sizeof(o->b), "slots");
			snprintf(o->c, sizeof(o->c), "%d",
			    1 + (int)(rnd(seed) % 3));
			break;
		case 5:
			/* Another team's (group supervision has one), or back. */
			snprintf(o->b, sizeof(o->b), "team");
			snprintf(o->c, sizeof(o->c), "%s",
			    teams[rnd(seed) % (uint64_t)nteams()]);
			break;
		case 6:
			/* A psychologist of its own, another team's. */
			snprintf(o->b, sizeof(o->b), "psychologist");
			snprintf(o->c, sizeof(o->c), "psy-%s",
			    teams[rnd(seed) % (uint64_t)nteams()]);
			break;
		case 0:
			snprintf(o->b, sizeof(o->b), "location");
			snprintf(o->c, sizeof(o->c), "Room %d",
			    (int)(rnd(seed) % 3));
			break;
		case 1:
			snprintf(o->b, sizeof(o->b), "duration");
			snprintf(o->c, sizeof(o->c), "%d",
			    30 * (1 + (int)(rnd(seed) % 4)));
			break;
		default:
			snprintf(o->b, sizeof(o->b), "start");
			snprintf(o->c, sizeof(o->c), "%s",
			    times[rnd(seed) % 4]);
			break;
		}
		break;
	case OP_SREMOVE:
		/* A team's own series, or one added since. */
		if (nseries > 0 && rnd(seed) % 2 == 0)
			snprintf(o->a, sizeof(o->a), "gs-x%d",
			    (int)(rnd(seed) % (uint64_t)nseries));
		else
			snprintf(o->a, sizeof(o->a), "gs-%s", teams[team]);
		break;
	case OP_JOIN:
		/* A new worker from today, or from a day in the horizon. */
		snprintf(o->a, sizeof(o->a), "nw%d-%s",
		    (int)(rnd(seed) % 100), teams[team]);
		snprintf(o->b, sizeof(o->b), "%s", teams[team]);
		date_of(now + (rnd(seed) % 2 == 0 ? 0 :
		    (time_t)(rnd(seed) % 40) * DAY), o->c);
		break;
	case OP_COFAC:
		/* A worker of the team: an attendee's role changes, or back. */
		snprintf(o->a, sizeof(o->a), "gs-%s", teams[team]);
		if (w < NWORKERS)
			snprintf(o->b, sizeof(o->b), "sw%d-%s", w,
			    teams[team]);
		break;
	default:
		/* A session of the horizon still planned. */
		err_clear(&err);
		ck_assert_int_eq(series_sessions(s, now,
		    now + conf->horizon_days * DAY, NULL, NULL, NULL, &v, &n,
		    &err), 0);
		for (i = 0; i < n; i++)
			k += v[i].state == SESSION_PLANNED;
		if (k == 0) {
			free(v);
			ok = 0;
			break;
		}
		k = rnd(seed) % k;
		for (i = 0; i < n; i++) {
			if (v[i].state == SESSION_PLANNED && k-- == 0)
				break;
		}
		snprintf(o->a, sizeof(o->a), "%s", v[i].id);
		if (o->type == OP_MOVE)
			o->t = v[i].start + (time_t)(1 + rnd(seed) % 3) * DAY;
		tm = strchr(v[i].teams, ',') == NULL ? v[i].teams :
		    teams[team];
		if (o->type == OP_APOLOGY) {
			snprintf(o->b, sizeof(o->b), "sw%d-%.32s",
			    w % NWORKERS, tm);
			o->t = rnd(seed) % 3 != 0;
		}
		if (o->type == OP_PIN) {
			snprintf(o->b, sizeof(o->b), "sw%d-%.32s",
			    w % NWORKERS, tm);
			snprintf(o->c, sizeof(o->c), "C-%.32s-%d-%d", tm,
			    w % NWORKERS, (int)(rnd(seed) % NCASES));
		}
		free(v);
		break;
	}
	return (ok);
}

#define DUMPF(...) do {							\
	if (off < size)							\
		off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__); \
} while (0)

/* Everything the planner decides, one line a fact, in a fixed order. */
static void
dump(struct store *s, char *buf, size_t size)
{
	struct session		*v = NULL;
	struct session_attendee	*att;
	struct presentation	*pres;
	struct invitation	*inv = NULL;
	struct err		 err;
	size_t			 n = 0, i, j, na, np, ni = 0, off = 0;

	err_clear(&err);
	buf[0] = '\0';
	ck_assert_int_eq(series_sessions(s, now - DAY,
	    now + 400 * DAY, NULL, NULL, NULL, &v, &n, &err), 0);
	for (i = 0; i < n; i++) {
		DUMPF("session %s %s %s %lld-%lld %s psych=%s (%s) manual=%d "
		    "teams=%s alerted=%d\n", v[i].id, v[i].series,
		    session_state_name(v[i].state), (long long)v[i].start,
		    (long long)v[i].end, v[i].location, v[i].psychologist,
		    v[i].cover_reason, v[i].manual, v[i].teams,
		    v[i].uncovered_alerted);
		att = NULL;
		na = 0;
		ck_assert_int_eq(series_session_attendees(s, v[i].id, &att,
		    &na, &err), 0);
		for (j = 0; j < na; j++)
			DUMPF("  attendee %s %d\n", att[j].member, att[j].role);
		free(att);
		pres = NULL;
		np = 0;
		ck_assert_int_eq(presenters_get(s, v[i].id, &pres, &np, &err),
		    0);
		for (j = 0; j < np; j++)
			DUMPF("  presenter %d %s %s how=%d\n", pres[j].slot,
			    pres[j].member, pres[j].case_ref, pres[j].how);
		presenters_free(pres, np);
	}
	free(v);
	ck_assert_int_eq(store_invitations_list(s, 0, &inv, &ni, &err), 0);
	for (i = 0; i < ni; i++) {
		if (inv[i].state != INVITATION_SENT)
			continue;
		DUMPF("invited %s %s %lld-%lld %s psych=%s pres=%s case=%s\n",
		    inv[i].session, inv[i].member,
		    (long long)inv[i].sent_start, (long long)inv[i].sent_end,
		    inv[i].sent_location, inv[i].sent_psych,
		    inv[i].sent_presenters, inv[i].sent_case);
	}
	free(inv);
	ck_assert_msg(off < size, "dump truncated");
}

static void
run_seq(uint64_t seed)
{
	struct op	 ops[MAXOPS];
	struct planner_scope sc;
	struct planner_counts c;
	struct err	 err;
	char		 la[256], lb[256];
	const char	*p, *q;
	FILE		*fp;
	uint64_t	 st = seed;
	size_t		 i, nops = 0, want, k, l;
	int		 nseries = 0;

	/* Incremental: the daemon's way, a replan after each change. */
	err_clear(&err);
	ck_assert_int_eq(store_begin(sa, &err), 0);
	want = 1 + rnd(&st) % MAXOPS;
	for (k = 0; k < want * 2 && nops < want; k++) {
		if (!gen(sa, &st, nseries, &ops[nops]))
			continue;
		/* A savepoint stands for the command's own transaction. */
		ck_assert_int_eq(store_savepoint(sa, "op", &err), 0);
		planner_scope_init(&sc);
		ck_assert_int_eq(op_scope(sa, &ops[nops], &sc, &err), 0);
		if (apply(sa, &ops[nops], &sc, &err) == -1) {
			/* Refused, as the command would be: nothing changed. */
			planner_scope_free(&sc);
			ck_assert_int_eq(store_rollback_to(sa, "op", &err), 0);
			ck_assert_int_eq(store_release(sa, "op", &err), 0);
			continue;
		}
		/* Replanned for what the change touches, as the daemon does. */
		ck_assert_int_eq(op_scope(sa, &ops[nops], &sc, &err), 0);
		ck_assert_msg(planner_replan(&sc, &c, &err) == 0,
		    "seed %llu: replan: %s", (unsigned long long)seed, err.msg);
		planner_scope_free(&sc);
		ck_assert_int_eq(store_release(sa, "op", &err), 0);
		if (ops[nops].type == OP_SERIES)
			nseries++;
		nops++;
	}
	dump(sa, dump_a, DUMP_MAX);
	store_rollback(sa);

	if (tight) {
		/* Every team replanned after each change, as before scopes. */
		ck_assert_int_eq(store_begin(sb, &err), 0);
		for (i = 0; i < nops; i++) {
			ck_assert_msg(apply(sb, &ops[i], NULL, &err) == 0,
			    "seed %llu: full %s %s: %s",
			    (unsigned long long)seed, op_names[ops[i].type],
			    ops[i].a, err.msg);
			ck_assert_msg(planner_run(sb, conf, NULL, now, NULL, &c,
			    &err) == 0, "seed %llu: full plan: %s",
			    (unsigned long long)seed, err.msg);
		}
		dump(sb, dump_b, DUMP_MAX);
		store_rollback(sb);
		goto compare;
	}

	/* Cold: the same state from scratch, planned once. */
	ck_assert_int_eq(store_begin(sb, &err), 0);
	for (i = 0; i < nops; i++) {
		/*
		 * What the change finds planned matters: a moved, cancelled
		 * or pinned session, or one a new rule leaves out (cancelled).
		 */
		if ((ops[i].type == OP_MOVE || ops[i].type == OP_CANCEL ||
		    ops[i].type == OP_PIN || ops[i].type == OP_APOLOGY ||
		    ops[i].type == OP_SREMOVE || (ops[i].type == OP_SET &&
		    strcmp(ops[i].b, "rrule") == 0)) && planner_run(sb, conf,
		    NULL, now, NULL, &c, &err) == -1)
			ck_abort_msg("seed %llu: plan: %s",
			    (unsigned long long)seed, err.msg);
		ck_assert_msg(apply(sb, &ops[i], NULL, &err) == 0,
		    "seed %llu: cold %s %s: %s", (unsigned long long)seed,
		    op_names[ops[i].type], ops[i].a, err.msg);
	}
	ck_assert_msg(planner_run(sb, conf, NULL, now, NULL, &c, &err) == 0,
	    "seed %llu: cold plan: %s", (unsigned long long)seed, err.msg);
	dump(sb, dump_b, DUMP_MAX);
	store_rollback(sb);

compare:
	if (strcmp(dump_a, dump_b) == 0)
		return;
	if ((fp = fopen("/tmp/check_replan.incremental", "w")) != NULL) {
		fputs(dump_a, fp);
		fclose(fp);
	}
	if ((fp = fopen("/tmp/check_replan.cold", "w")) != NULL) {
		fputs(dump_b, fp);
		fclose(fp);
	}
	for (i = 0; i < nops; i++)
		fprintf(stderr, "seed %llu op %zu: %s %s %s %s %lld\n",
		    (unsigned long long)seed, i, op_names[ops[i].type],
		    ops[i].a, ops[i].b, ops[i].c, (long long)ops[i].t);
	for (p = dump_a, q = dump_b; *p != '\0' && *q != '\0';) {
		l = strcspn(p, "\n");
		k = strcspn(q, "\n");
		if (l != k || strncmp(p, q, l) != 0)
			break;
		p += l + 1;
		q += k + 1;
	}
	snprintf(la, sizeof(la), "%.*s", (int)strcspn(p, "\n"), p);
	snprintf(lb, sizeof(lb), "%.*s", (int)strcspn(q, "\n"), q);
	/* A failed check skips the teardown: leave no stores behind. */
	teardown();
	ck_abort_msg("seed %llu: incremental and %s plans differ:\n"
	    "  incremental: %s\n  other:       %s", (unsigned long long)seed,
	    tight ? "full" : "cold", la, lb);
}

/* One team's run at t, as the daemon's sweep makes it; 0 or -1. */
static int
memo_run(const char *team, time_t t, struct planner_counts *c)
{
	struct planner_scope	sc;
	struct err		err;
	int			held = 0, rc;

	planner_scope_init(&sc);
	planner_scope_team(&sc, team);
	rc = planner_hold(sa, conf, t, &held, &err) == -1 ||
	    planner_run(sa, conf, NULL, t, &sc, c, &err) == -1 ? -1 : 0;
	ck_assert_msg(rc == 0, "memo run of %s: %s", team, err.msg);
	c->held = held;
	planner_scope_free(&sc);
	return (rc);
}

/*
 * The next time: a few seconds or hours on, a day or two, or the second
 * (or the one after) at which a stored session's start or end is a whole
 * number of days away.
 */
static time_t
memo_step(uint64_t *st, time_t t)
{
	struct session	*v = NULL;
	struct err	 err;
	size_t		 n = 0;
	time_t		 x, to = t + 1;

	switch (rnd(st) % 4) {
	case 0:
		return (t + 1 + (time_t)(rnd(st) % 600));
	case 1:
		return (t + 1 + (time_t)(rnd(st) % (2 * DAY)));
	default:
		err_clear(&err);
		ck_assert_int_eq(series_sessions(sa, t - 60 * DAY,
		    t + 60 * DAY, NULL, NULL, NULL, &v, &n, &err), 0);
		if (n > 0) {
			x = rnd(st) % 2 ? v[rnd(st) % n].start :
			    v[rnd(st) % n].end;
			x -= (time_t)(rnd(st) % 50) * DAY;
			x += (time_t)(rnd(st) % 3) - 1;
			if (x > t && x < t + 3 * DAY)
				to = x;
		}
		free(v);
		return (to);
	}
}

static size_t	memo_passed, memo_turned;

static void
memo_seq(uint64_t seed)
{
	struct plan_memo_mark	m;
	struct planner_counts	c;
	struct planner_scope	sc;
	struct op		o;
	struct err		err;
	uint64_t		st = seed;
	int64_t			before;
	time_t			t = now;
	int			step, i, nseries = 0, changed = 0;

	err_clear(&err);
	plan_memo_forget();
	ck_assert_int_eq(store_begin(sa, &err), 0);
	for (step = 0; step < 24; step++) {
		if (rnd(&st) % 4 == 0 && gen(sa, &st, nseries, &o)) {
			/* Moved to another time of day too. */
			if (o.type == OP_MOVE)
				o.t += (time_t)(rnd(&st) % 96) * 900;
			ck_assert_int_eq(store_savepoint(sa, "op", &err), 0);
			planner_scope_init(&sc);
			ck_assert_int_eq(op_scope(sa, &o, &sc, &err), 0);
			if (apply(sa, &o, &sc, &err) == 0) {
				ck_assert_int_eq(op_scope(sa, &o, &sc, &err),
				    0);
				ck_assert_int_eq(planner_hold(sa, conf, t, &i,
				    &err), 0);
				ck_assert_msg(planner_run(sa, conf, NULL, t,
				    &sc, &c, &err) == 0, "seed %llu: %s",
				    (unsigned long long)seed, err.msg);
				nseries += o.type == OP_SERIES;
			} else
				ck_assert_int_eq(store_rollback_to(sa, "op",
				    &err), 0);
			planner_scope_free(&sc);
			ck_assert_int_eq(store_release(sa, "op", &err), 0);
		} else
			t = memo_step(&st, t);
		/* Sometimes every team at once, as at start, which notes all. */
		if (rnd(&st) % 5 == 0) {
			ck_assert_int_eq(planner_hold(sa, conf, t, &i, &err),
			    0);
			ck_assert_msg(planner_run(sa, conf, NULL, t, NULL, &c,
			    &err) == 0, "seed %llu: %s",
			    (unsigned long long)seed, err.msg);
			plan_memo_note_all(sa, t);
			changed = 1;
			continue;
		}
		/* The sweep: every team, passed by where the memo says. */
		for (i = 0; i < nteams(); i++) {
			if (plan_memo_fresh(sa, teams[i], t)) {
				memo_passed++;
				ck_assert_int_eq(store_savepoint(sa, "memo",
				    &err), 0);
				before = store_plan_changes(sa);
				memo_run(teams[i], t, &c);
				ck_assert_msg(store_plan_changes(sa) == before &&
				    c.created + c.updated + c.cancelled +
				    c.messages_queued + c.held == 0,
				    "seed %llu step %d: team %s passed by at "
				    "%lld, but its run wrote %lld row(s) "
				    "(%d created, %d updated, %d cancelled, "
				    "%d messages, %d held)",
				    (unsigned long long)seed, step, teams[i],
				    (long long)t, (long long)(store_plan_changes(
				    sa) - before), c.created, c.updated,
				    c.cancelled, c.messages_queued, c.held);
				ck_assert_int_eq(store_rollback_to(sa, "memo",
				    &err), 0);
				ck_assert_int_eq(store_release(sa, "memo",
				    &err), 0);
				continue;
			}
			ck_assert_int_eq(plan_memo_mark(sa, t, &m), 0);
			memo_run(teams[i], t, &c);
			/* Time alone turned something: what the memo is for. */
			if (store_plan_changes(sa) != m.changes && changed)
				memo_turned++;
			plan_memo_note(sa, teams[i], &m);
		}
		changed = 1;
	}
	store_rollback(sa);
	plan_memo_forget();
}

static void
run_all(void)
{
	const char	*e;
	uint64_t	 seed = 1, i, nseq = REPLAN_SEQS;

	if ((e = getenv("REPLAN_SEED")) != NULL)
		seed = strtoull(e, NULL, 10);
	if ((e = getenv("REPLAN_SEQS")) != NULL)
		nseq = strtoull(e, NULL, 10);
	fprintf(stderr, "check_replan: seed %llu, %llu sequences\n",
	    (unsigned long long)seed, (unsigned long long)nseq);
	for (i = 0; i < nseq; i++)
		run_seq(seed + i);
}

/*
 * The memo's sweeps pass teams by, which each must leave as it is; and
 * the time alone must have changed some plans, or nothing was shown.
 */
START_TEST(test_memo_passes_only_unchanged)
{
	const char	*e;
	uint64_t	 seed = 1, i, n = REPLAN_SEQS / 5;

	if ((e = getenv("REPLAN_SEED")) != NULL)
		seed = strtoull(e, NULL, 10);
	if ((e = getenv("MEMO_SEQS")) != NULL)
		n = strtoull(e, NULL, 10);
	memo_passed = memo_turned = 0;
	for (i = 0; i < n; i++)
		memo_seq(seed + i);
	fprintf(stderr, "check_replan: memo: %llu sequences, %zu teams "
	    "passed by, %zu runs changed by the time alone\n",
	    (unsigned long long)n, memo_passed, memo_turned);
	ck_assert_uint_gt(memo_passed, n);
	ck_assert_uint_gt(memo_turned, n / 10);
}
END_TEST

/* Loose: scoped replans after each change end where a cold plan does. */
START_TEST(test_incremental_equals_cold)
{
	run_all();
}
END_TEST

/* Tight: scoped replans end where replanning every team each time does. */
START_TEST(test_scoped_equals_full)
{
	run_all();
}
END_TEST

static void
setup_tight(void)
{
	tight = 1;
	setup();
}

static void
setup_memo(void)
{
	tight = 0;
	setup();
	/* Frozen days and reminders: more comparisons with the time. */
	conf->freeze_days = 2;
	conf->presenter_reminder_days = 3;
}

static Suite *
replan_suite(void)
{
	Suite	*s = suite_create("replan");
	TCase	*tc = tcase_create("equivalence");
	TCase	*tm = tcase_create("memo");

	TCase	*tt = tcase_create("scoped");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_incremental_equals_cold);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tt, setup_tight, teardown);
	tcase_set_timeout(tt, 600);
	tcase_add_test(tt, test_scoped_equals_full);
	suite_add_tcase(s, tt);
	tcase_add_checked_fixture(tm, setup_memo, teardown);
	tcase_set_timeout(tm, 600);
	tcase_add_test(tm, test_memo_passes_only_unchanged);
	suite_add_tcase(s, tm);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(replan_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
