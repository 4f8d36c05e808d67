/*
 * Unit tests for the planner with a real SQLite store in a fresh temporary
 * directory and a fake clock: teams, members and series are made through
 * their modules, then planner_run materialises sessions.  Counts of a
 * fortnightly series, 10:00 local on both sides of the March change, a
 * holiday skipped, idempotence down to SQLite's change counter, cover for
 * an absent psychologist touching nothing else, manual cancellations
 * and moves left alone by replans, a move deciding cover and attendees
 * for its new date, an uncovered alert to every team's manager, and the
 * team link of held and cancelled sessions after their series is gone.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"
#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "domain.h"
#include "err.h"
#include "ical.h"
#include "people.h"
#include "planner.h"
#include "planner-int.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define NOW	"2026-03-01T09:00:00Z"
#define RULE	"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"

static char			 tmpdir[] = "/tmp/check_planner.XXXXXX";
static struct store		*store;
static struct config		*conf;
static struct event_base	*base;
static time_t			 now;

static void	setup(void);
static void	teardown(void);
static void	add_team(const char *);
static void	add_member(const char *, int, const char *);
static void	add_series(const char *, const char *, const char *);
static void	add_series_rule(const char *, const char *, const char *,
		    const char *);
static void	add_absence(const char *, const char *, const char *);
static int	attends(const char *, const char *, int *);
static size_t	alerts_to(char [][64], size_t);
static int	outbox_count(const char *);
static void	org(void);
static void	plan(const struct sched_holidays *, struct planner_counts *);
static size_t	sessions(const char *, struct session **);
static int	local_hour(time_t);
static Suite	*planner_suite(void);

static void
setup(void)
{
	struct err	err;

	/* Every week kept, however small (store-scope.c). */
	store_scope_keep_min(0);
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	err_clear(&err);
	ck_assert_int_eq(clock_init(base, NOW, &err), 0);
	now = clock_now();
	strcpy(tmpdir, "/tmp/check_planner.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	store = store_open(tmpdir, &err);
	ck_assert_msg(store != NULL, "store_open: %s", err.msg);
	conf = config_defaults();
	conf->horizon_days = 84;
	ck_assert_int_eq(store_begin(store, &err), 0);
}

static void
teardown(void)
{
	if (store_in_transaction(store))
		store_rollback(store);
	store_close(store);
	store = NULL;
	config_free(conf);
	clock_free();
	event_base_free(base);
	testutil_rm_rf(tmpdir);
	ical_shutdown();
}

static void
add_team(const char *slug)
{
	struct team	t;
	struct err	err;

	memset(&t, 0, sizeof(t));
	strcpy(t.slug, slug);
	strcpy(t.name, "Team");
	t.kind = TEAM_MAST;
	err_clear(&err);
	ck_assert_msg(people_team_add(store, &t, &err) == 0, "team add %s: %s",
	    slug, err.msg);
}

static void
add_member(const char *slug, int role, const char *team)
{
	struct member	m;
	struct err	err;

	people_member_init(&m);
	strcpy(m.slug, slug);
	snprintf(m.name, sizeof(m.name), "Name of %s", slug);
	snprintf(m.email, sizeof(m.email), "%s@example.org", slug);
	m.role = role;
	strcpy(m.team, team);
	err_clear(&err);
	ck_assert_msg(people_member_add(store, &m, &err) == 0,
	    "member add %s: %s", slug, err.msg);
}

static void
add_series(const char *slug, const char *team, const char *start)
{
	add_series_rule(slug, team, start, RULE);
}

static void
add_series_rule(const char *slug, const char *team, const char *start,
    const char *rule)
{
	struct series	r;
	struct err	err;

	err_clear(&err);
	series_init(&r, SERIES_GROUP_SUPERVISION);
	strcpy(r.slug, slug);
	ck_assert_int_eq(series_set_field(&r, "team", team, &err), 0);
	ck_assert_int_eq(series_set_field(&r, "rrule", rule, &err), 0);
	ck_assert_int_eq(series_set_field(&r, "start", start, &err), 0);
	ck_assert_int_eq(series_set_field(&r, "location", "Room 1", &err), 0);
	ck_assert_msg(series_add(store, conf, &r, now, &err) == 0,
	    "series add %s: %s", slug, err.msg);
}

static void
add_absence(const char *member, const char *from, const char *to)
{
	struct absence	a;
	struct err	err;

	memset(&a, 0, sizeof(a));
	snprintf(a.member, sizeof(a.member), "%s", member);
	snprintf(a.from, sizeof(a.from), "%s", from);
	snprintf(a.to, sizeof(a.to), "%s", to);
	err_clear(&err);
	ck_assert_msg(people_absence_add(store, &a, &err) == 0,
	    "absence %s: %s", member, err.msg);
}

/* 1 if member attends session id, with its role in *role. */
static int
attends(const char *id, const char *member, int *role)
{
	struct session_attendee	*att = NULL;
	struct err		 err;
	size_t			 n = 0, i;
	int			 found = 0;

	err_clear(&err);
	ck_assert_int_eq(series_session_attendees(store, id, &att, &n, &err),
	    0);
	for (i = 0; i < n; i++) {
		if (strcmp(att[i].member, member) == 0) {
			found = 1;
			if (role != NULL)
				*role = att[i].role;
		}
	}
	free(att);
	return (found);
}

/* Recipients of the queued uncovered alerts, sorted. */
static size_t
alerts_to(char to[][64], size_t max)
{
	struct outbox_row	*v = NULL;
	struct err		 err;
	char			 tmp[64];
	size_t			 n = 0, i, j, k = 0;

	err_clear(&err);
	ck_assert_int_eq(store_outbox_list(store, -1, 1000, &v, &n, &err), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].kind, "uncovered_alert") == 0 && k < max)
			snprintf(to[k++], 64, "%s", v[i].rcpt);
	}
	store_outbox_free(v, n);
	for (i = 0; i < k; i++) {
		for (j = i + 1; j < k; j++) {
			if (strcmp(to[j], to[i]) < 0) {
				memcpy(tmp, to[i], sizeof(tmp));
				memcpy(to[i], to[j], sizeof(tmp));
				memcpy(to[j], tmp, sizeof(tmp));
			}
		}
	}
	return (k);
}

/* Queued messages of one kind. */
static int
outbox_count(const char *kind)
{
	struct outbox_row	*v = NULL;
	struct err		 err;
	size_t			 n = 0, i;
	int			 k = 0;

	err_clear(&err);
	ck_assert_int_eq(store_outbox_list(store, -1, 1000, &v, &n, &err), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].kind, kind) == 0)
			k++;
	}
	store_outbox_free(v, n);
	return (k);
}

/* Two teams, each with a manager, a psychologist and three workers. */
static void
org(void)
{
	struct team	t;
	struct err	err;
	const char	*teams[] = { "north", "south" };
	char		 slug[SLUG_MAX + 1];
	int		 i, j;

	err_clear(&err);
	for (i = 0; i < 2; i++) {
		add_team(teams[i]);
		snprintf(slug, sizeof(slug), "mgr-%s", teams[i]);
		add_member(slug, ROLE_MANAGER, teams[i]);
		snprintf(slug, sizeof(slug), "psy-%s", teams[i]);
		add_member(slug, ROLE_PSYCHOLOGIST, teams[i]);
		for (j = 0; j < 3; j++) {
			snprintf(slug, sizeof(slug), "sw%d-%s", j, teams[i]);
			add_member(slug, ROLE_SOCIAL_WORKER, teams[i]);
		}
		ck_assert_int_eq(people_team_get(store, teams[i], &t, &err), 0);
		snprintf(t.manager, sizeof(t.manager), "mgr-%s", teams[i]);
		snprintf(t.psychologist, sizeof(t.psychologist), "psy-%s",
		    teams[i]);
		ck_assert_msg(people_team_update(store, &t, &err) == 0,
		    "team set: %s", err.msg);
	}
}

static void
plan(const struct sched_holidays *hol, struct planner_counts *c)
{
	struct err	err;

	err_clear(&err);
	ck_assert_msg(planner_run(store, conf, hol, now, NULL, c, &err) == 0,
	    "planner_run: %s", err.msg);
}

static size_t
sessions(const char *team, struct session **v)
{
	struct err	err;
	size_t		n = 0;

	err_clear(&err);
	ck_assert_int_eq(series_sessions(store, now, now + 400 * 86400, team,
	    NULL, NULL, v, &n, &err), 0);
	return (n);
}

static int
local_hour(time_t t)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	return (tm.tm_hour * 100 + tm.tm_min);
}

/*
 * Every series' wanted psychologist is kept between runs (store-scope.c)
 * and read again for a series written, or all for a team's psychologist:
 * it must always be what the database says, a rollback included.
 */
static void
wanted_cb(void *arg, const char *slug, const char *psych)
{
	char	*buf = arg;
	size_t	 len = strlen(buf);

	snprintf(buf + len, 512 - len, "%s%s=%s", len > 0 ? " " : "", slug,
	    psych);
}

static const char *
wanted(char *buf)
{
	struct err	err;

	buf[0] = '\0';
	err_clear(&err);
	ck_assert_msg(store_series_wanted(store, wanted_cb, buf, &err) == 0,
	    "%s", err.msg);
	return (buf);
}

START_TEST(test_series_wanted_kept)
{
	struct series	r;
	struct team	t;
	struct err	err;
	char		buf[512];

	err_clear(&err);
	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	add_series("gs-south", "south", "2026-03-03T13:00");
	ck_assert_str_eq(wanted(buf), "gs-north=psy-north gs-south=psy-south");
	/* A series' own psychologist, then its team. */
	ck_assert_int_eq(series_get(store, "gs-north", &r, &err), 0);
	ck_assert_int_eq(series_set_field(&r, "psychologist", "psy-south",
	    &err), 0);
	ck_assert_int_eq(series_update(store, conf, &r, &err), 0);
	ck_assert_str_eq(wanted(buf), "gs-north=psy-south gs-south=psy-south");
	ck_assert_int_eq(series_get(store, "gs-south", &r, &err), 0);
	ck_assert_int_eq(series_set_field(&r, "team", "north", &err), 0);
	ck_assert_msg(series_update(store, conf, &r, &err) == 0, "%s",
	    err.msg);
	ck_assert_str_eq(wanted(buf), "gs-north=psy-south gs-south=psy-north");
	/* A new series, one removed. */
	add_series("gs-a", "south", "2026-03-04T10:00");
	ck_assert_str_eq(wanted(buf),
	    "gs-a=psy-south gs-north=psy-south gs-south=psy-north");
	ck_assert_int_eq(series_remove(store, "gs-north", &err), 0);
	ck_assert_str_eq(wanted(buf), "gs-a=psy-south gs-south=psy-north");
	/* A team's psychologist: every series of its. */
	ck_assert_int_eq(people_team_get(store, "south", &t, &err), 0);
	snprintf(t.psychologist, sizeof(t.psychologist), "psy-north");
	ck_assert_int_eq(people_team_update(store, &t, &err), 0);
	ck_assert_str_eq(wanted(buf), "gs-a=psy-north gs-south=psy-north");
	/* Rolled back, to a savepoint and whole: as it was. */
	ck_assert_int_eq(store_savepoint(store, "op", &err), 0);
	add_series("gs-b", "north", "2026-03-05T10:00");
	ck_assert_str_eq(wanted(buf),
	    "gs-a=psy-north gs-b=psy-north gs-south=psy-north");
	ck_assert_int_eq(store_rollback_to(store, "op", &err), 0);
	ck_assert_int_eq(store_release(store, "op", &err), 0);
	ck_assert_str_eq(wanted(buf), "gs-a=psy-north gs-south=psy-north");
	add_series("gs-c", "north", "2026-03-05T10:00");
	ck_assert_str_eq(wanted(buf),
	    "gs-a=psy-north gs-c=psy-north gs-south=psy-north");
	store_rollback(store);
	ck_assert_int_eq(store_begin(store, &err), 0);
	ck_assert_str_eq(wanted(buf), "");
}
END_TEST

START_TEST(test_fortnightly_dst)
{
	struct planner_counts	 c;
	struct session		*v = NULL;
	size_t			 n, i;
	int			 before = 0, after = 0;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	plan(NULL, &c);
	/* 3, 17, 31 March, 14, 28 April, 12 May: 84 days from 1 March. */
	ck_assert_int_eq(c.created, 6);
	ck_assert_int_eq(c.updated + c.cancelled, 0);
	/* The messages counted are the invitations to the first sessions. */
	ck_assert_int_gt(c.messages_queued, 0);
	ck_assert_int_eq(c.messages_queued, outbox_count("invitation"));
	n = sessions("north", &v);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(v[0].id, "gs-north-20260303");
	ck_assert_str_eq(v[2].id, "gs-north-20260331");
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(local_hour(v[i].start), 1000);
		ck_assert_int_eq(v[i].end - v[i].start, 90 * 60);
		ck_assert_str_eq(v[i].psychologist, "psy-north");
		ck_assert_int_eq(v[i].state, SESSION_PLANNED);
		if (v[i].start < 1774746000)	/* 2026-03-29T01:00:00Z */
			before++;
		else
			after++;
	}
	ck_assert_int_eq(before, 2);
	ck_assert_int_eq(after, 4);
	/* GMT then BST: 10:00Z, then 09:00Z. */
	ck_assert_int_eq(v[1].start % 86400, 10 * 3600);
	ck_assert_int_eq(v[2].start % 86400, 9 * 3600);
	free(v);
}
END_TEST

START_TEST(test_holiday_skipped)
{
	struct sched_holidays	 hol;
	struct planner_counts	 c;
	struct session		*v = NULL;
	size_t			 n, i;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	sched_holidays_init(&hol);
	sched_holidays_add(&hol, "2026-04-14");
	sched_holidays_finish(&hol);
	plan(&hol, &c);
	ck_assert_int_eq(c.created, 5);
	n = sessions("north", &v);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++)
		ck_assert_str_ne(v[i].id, "gs-north-20260414");
	free(v);
	sched_holidays_free(&hol);
}
END_TEST

START_TEST(test_idempotent)
{
	struct planner_counts	c;
	int64_t			before;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	add_series("gs-south", "south", "2026-03-03T10:00");
	plan(NULL, &c);
	ck_assert_int_eq(c.created, 12);
	before = store_total_changes(store);
	plan(NULL, &c);
	ck_assert_int_eq(c.created, 0);
	ck_assert_int_eq(c.updated, 0);
	ck_assert_int_eq(c.cancelled, 0);
	ck_assert_int_eq(c.messages_queued, 0);
	ck_assert_int_eq(store_total_changes(store), before);
}
END_TEST

START_TEST(test_cover)
{
	struct planner_counts	 c;
	struct absence		 a;
	struct session		*v = NULL, *w = NULL;
	struct session_attendee	*att = NULL;
	struct err		 err;
	size_t			 n, m, i, na, j;
	int			 psy = 0;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	add_series_rule("gs-south", "south", "2026-03-05T10:00",
	    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH");
	plan(NULL, &c);
	n = sessions(NULL, &v);
	memset(&a, 0, sizeof(a));
	strcpy(a.member, "psy-north");
	strcpy(a.from, "2026-03-16");
	strcpy(a.to, "2026-03-18");
	err_clear(&err);
	ck_assert_int_eq(people_absence_add(store, &a, &err), 0);
	plan(NULL, &c);
	ck_assert_int_eq(c.created, 0);
	ck_assert_int_eq(c.updated, 1);
	ck_assert_int_eq(c.cancelled, 0);
	m = sessions(NULL, &w);
	ck_assert_uint_eq(n, m);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(v[i].id, w[i].id);
		ck_assert_int_eq(v[i].start, w[i].start);
		if (strcmp(w[i].id, "gs-north-20260317") == 0) {
			ck_assert_str_eq(w[i].psychologist, "psy-south");
			ck_assert_ptr_nonnull(strstr(w[i].cover_reason,
			    "covered by"));
		} else {
			ck_assert_str_eq(w[i].psychologist,
			    v[i].psychologist);
			ck_assert_str_eq(w[i].cover_reason,
			    v[i].cover_reason);
		}
	}
	ck_assert_int_eq(series_session_attendees(store, "gs-north-20260317",
	    &att, &na, &err), 0);
	for (j = 0; j < na; j++) {
		if (att[j].role == SCHED_PSYCHOLOGIST) {
			ck_assert_str_eq(att[j].member, "psy-south");
			psy++;
		}
		ck_assert_str_ne(att[j].member, "psy-north");
	}
	ck_assert_int_eq(psy, 1);
	free(att);
	/* And nothing more on a second run. */
	plan(NULL, &c);
	ck_assert_int_eq(c.created + c.updated + c.cancelled, 0);
	free(v);
	free(w);
}
END_TEST

START_TEST(test_manual_untouched)
{
	struct planner_counts	c;
	struct series		r;
	struct session		x;
	struct err		err;
	time_t			moved;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	plan(NULL, &c);
	err_clear(&err);
	ck_assert_int_eq(planner_session_cancel(store, "gs-north-20260317",
	    "training day", "root", &err), 0);
	ck_assert_int_eq(ical_local_time("Europe/London", "2026-04-01T14:00",
	    &moved, &err), 0);
	ck_assert_int_eq(planner_session_move(store, conf, "gs-north-20260331",
	    moved, "Room 9", NULL, NULL, NULL, &err), 0);
	plan(NULL, &c);
	ck_assert_int_eq(c.created + c.updated + c.cancelled, 0);

	/* A new location and time for the series moves only the others. */
	ck_assert_int_eq(series_get(store, "gs-north", &r, &err), 0);
	ck_assert_int_eq(series_set_field(&r, "location", "Room 2", &err), 0);
	ck_assert_int_eq(series_set_field(&r, "start", "2026-03-03T11:00",
	    &err), 0);
	ck_assert_int_eq(series_update(store, conf, &r, &err), 0);
	plan(NULL, &c);
	ck_assert_int_eq(c.updated, 4);
	ck_assert_int_eq(c.cancelled, 0);
	ck_assert_int_eq(series_session_get(store, "gs-north-20260317", &x,
	    &err), 0);
	ck_assert_int_eq(x.state, SESSION_CANCELLED);
	ck_assert_str_eq(x.location, "Room 1");
	ck_assert_int_eq(series_session_get(store, "gs-north-20260331", &x,
	    &err), 0);
	ck_assert_int_eq(x.state, SESSION_PLANNED);
	ck_assert_int_eq(x.start, moved);
	ck_assert_str_eq(x.location, "Room 9");
	ck_assert_int_eq(series_session_get(store, "gs-north-20260414", &x,
	    &err), 0);
	ck_assert_str_eq(x.location, "Room 2");
	ck_assert_int_eq(local_hour(x.start), 1100);

	/* Removing the series cancels the rest, still not the manual ones. */
	ck_assert_int_eq(series_remove(store, "gs-north", &err), 0);
	plan(NULL, &c);
	ck_assert_int_eq(c.cancelled, 4);
	ck_assert_int_eq(series_session_get(store, "gs-north-20260331", &x,
	    &err), 0);
	ck_assert_int_eq(x.state, SESSION_PLANNED);
}
END_TEST

START_TEST(test_held_attendance)
{
	struct planner_counts	 c;
	struct session_last	*last = NULL;
	struct session		 x;
	struct err		 err;
	size_t			 n = 0;
	int			 held;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	plan(NULL, &c);
	err_clear(&err);
	ck_assert_int_eq(planner_session_attend(store, "gs-north-20260303",
	    "sw1-north", ATTEND_APOLOGIES, &err), 0);
	ck_assert_int_eq(planner_hold(store, conf, now + 14 * 86400, &held,
	    &err), 0);
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(series_session_get(store, "gs-north-20260303", &x,
	    &err), 0);
	ck_assert_int_eq(x.state, SESSION_HELD);
	ck_assert_int_eq(series_last_attended(store, &last, &n, &err), 0);
	/* Three workers and the manager less the one with apologies. */
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(last[0].member, "mgr-north");
	ck_assert_str_eq(last[0].date, "2026-03-03");
	ck_assert_str_eq(last[1].member, "sw0-north");
	ck_assert_str_eq(last[2].member, "sw2-north");
	free(last);
	/* A held session is left alone by the planner. */
	ck_assert_int_eq(planner_session_cancel(store, "gs-north-20260303",
	    NULL, NULL, &err), -1);
	ck_assert_int_eq(err.code, ERR_CONFLICT);
}
END_TEST


START_TEST(test_move_redecides)
{
	struct planner_counts	c;
	struct session		x;
	struct err		err;
	time_t			moved;
	int			role = -1;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	add_series_rule("gs-south", "south", "2026-04-01T10:00",
	    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE");
	plan(NULL, &c);
	/* On the new date psy-north is away and sw1-north is on leave. */
	add_absence("psy-north", "2026-04-01", "2026-04-01");
	add_absence("sw1-north", "2026-04-01", "2026-04-02");
	plan(NULL, &c);
	ck_assert_int_eq(c.created + c.updated + c.cancelled, 0);
	ck_assert(attends("gs-north-20260331", "sw1-north", NULL));
	err_clear(&err);
	/* psy-south holds gs-south 10:00-11:30 there: 14:00 is free. */
	ck_assert_int_eq(ical_local_time("Europe/London", "2026-04-01T14:00",
	    &moved, &err), 0);
	ck_assert_int_eq(planner_session_move(store, conf, "gs-north-20260331",
	    moved, NULL, "room booked", "root", &c, &err), 0);
	ck_assert_int_eq(series_session_get(store, "gs-north-20260331", &x,
	    &err), 0);
	ck_assert_int_eq(x.start, moved);
	ck_assert_int_eq(x.manual, 1);
	ck_assert_str_eq(x.psychologist, "psy-south");
	ck_assert_ptr_nonnull(strstr(x.cover_reason, "covered by"));
	ck_assert(attends("gs-north-20260331", "psy-south", &role));
	ck_assert_int_eq(role, SCHED_PSYCHOLOGIST);
	ck_assert(!attends("gs-north-20260331", "psy-north", NULL));
	ck_assert(!attends("gs-north-20260331", "sw1-north", NULL));
	ck_assert(attends("gs-north-20260331", "sw0-north", NULL));
	/* Replans leave it as it is. */
	plan(NULL, &c);
	ck_assert_int_eq(c.created + c.updated + c.cancelled, 0);
	ck_assert_int_eq(series_session_get(store, "gs-north-20260331", &x,
	    &err), 0);
	ck_assert_str_eq(x.psychologist, "psy-south");

	/* Onto psy-south's own session, nobody is free: uncovered, alerted. */
	ck_assert_int_eq(ical_local_time("Europe/London", "2026-04-01T10:30",
	    &moved, &err), 0);
	ck_assert_int_eq(planner_session_move(store, conf, "gs-north-20260331",
	    moved, NULL, "room booked", "root", &c, &err), 0);
	ck_assert_int_eq(c.messages_queued, 1);
	ck_assert_int_eq(series_session_get(store, "gs-north-20260331", &x,
	    &err), 0);
	ck_assert_str_eq(x.psychologist, "");
	ck_assert_int_eq(x.uncovered_alerted, 1);
	ck_assert(!attends("gs-north-20260331", "psy-south", NULL));
	ck_assert_int_eq(series_session_get(store, "gs-south-20260401", &x,
	    &err), 0);
	ck_assert_str_eq(x.psychologist, "psy-south");
}
END_TEST

START_TEST(test_alert_every_manager)
{
	struct planner_counts	c;
	struct series		r;
	struct err		err;
	char			to[8][64];

	org();
	err_clear(&err);
	series_init(&r, SERIES_REFLECTIVE_PRACTICE);
	strcpy(r.slug, "rp");
	ck_assert_int_eq(series_set_field(&r, "teams", "north,south", &err), 0);
	ck_assert_int_eq(series_set_field(&r, "rrule",
	    "FREQ=MONTHLY;BYDAY=1WE", &err), 0);
	ck_assert_int_eq(series_set_field(&r, "start", "2026-03-04T14:00",
	    &err), 0);
	ck_assert_msg(series_add(store, conf, &r, now, &err) == 0,
	    "series add: %s", err.msg);
	plan(NULL, &c);
	ck_assert_uint_eq(alerts_to(to, 8), 0);
	add_absence("psy-north", "2026-04-01", "2026-04-01");
	add_absence("psy-south", "2026-04-01", "2026-04-01");
	plan(NULL, &c);
	ck_assert_int_eq(c.updated, 1);
	ck_assert_int_eq(c.messages_queued, 2);
	ck_assert_uint_eq(alerts_to(to, 8), 2);
	ck_assert_str_eq(to[0], "mgr-north@example.org");
	ck_assert_str_eq(to[1], "mgr-south@example.org");
	/* Once per session. */
	plan(NULL, &c);
	ck_assert_int_eq(c.messages_queued + c.updated, 0);
	ck_assert_uint_eq(alerts_to(to, 8), 2);
}
END_TEST

START_TEST(test_removed_series_history)
{
	struct planner_counts	 c;
	struct session		*v = NULL;
	struct err		 err;
	size_t			 n, i;
	int			 held, cancelled = 0, nheld = 0, nc;

	org();
	add_series("gs-north", "north", "2026-03-03T10:00");
	plan(NULL, &c);
	err_clear(&err);
	ck_assert_int_eq(planner_hold(store, conf, now + 3 * 86400, &held,
	    &err), 0);
	ck_assert_int_eq(held, 1);
	ck_assert_int_eq(planner_session_cancel(store, "gs-north-20260317",
	    "training", NULL, &err), 0);
	ck_assert_int_eq(planner_series_cancel(store, "gs-north",
	    now + 3 * 86400, NULL, &nc, &err), 0);
	ck_assert_int_eq(series_remove(store, "gs-north", &err), 0);
	plan(NULL, &c);
	n = sessions("north", &v);
	ck_assert_uint_eq(n, 6);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(v[i].teams, "north");
		nheld += v[i].state == SESSION_HELD;
		cancelled += v[i].state == SESSION_CANCELLED;
	}
	ck_assert_int_eq(nheld, 1);
	ck_assert_int_eq(cancelled, 5);
	free(v);
	ck_assert_uint_eq(sessions("south", &v), 0);
	free(v);
}
END_TEST

/* Kept starts answer as a fresh expansion would, whatever the window. */
static void
expand_same(const char *rrule, time_t dtstart, time_t from, time_t until)
{
	struct err	 e1, e2;
	time_t		*a = NULL, *b = NULL;
	size_t		 na = 0, nb = 0, i;
	int		 ra, rb;

	err_clear(&e1);
	err_clear(&e2);
	ra = ical_rrule_expand(rrule, "Europe/London", dtstart, from, until,
	    &a, &na, &e1);
	rb = plan_expand_starts(rrule, "Europe/London", dtstart, from, until,
	    &b, &nb, &e2);
	ck_assert_int_eq(ra, rb);
	ck_assert_str_eq(e1.msg, e2.msg);
	ck_assert_uint_eq(na, nb);
	for (i = 0; i < na; i++)
		ck_assert_int_eq((long long)a[i], (long long)b[i]);
	free(a);
	free(b);
}

START_TEST(test_expand_kept)
{
	time_t	t0 = 1767607200;	/* Monday 2026-01-05 10:00 GMT */
	time_t	day = 86400;

	/* Kept, then asked again inside, later and far later. */
	expand_same("FREQ=WEEKLY;BYDAY=MO", t0, t0, t0 + 365 * day);
	expand_same("FREQ=WEEKLY;BYDAY=MO", t0, t0 + 3600, t0 + 366 * day);
	expand_same("FREQ=WEEKLY;BYDAY=MO", t0, t0 + 20 * day,
	    t0 + 385 * day);
	expand_same("FREQ=WEEKLY;BYDAY=MO", t0, t0 + 200 * day,
	    t0 + 600 * day);
	/* An earlier window than the one kept. */
	expand_same("FREQ=WEEKLY;BYDAY=MO", t0, t0, t0 + 30 * day);
	/* Another rule for the same series start is another key. */
	expand_same("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", t0, t0,
	    t0 + 365 * day);
	/* Within the cap, though the wider window kept would pass it. */
	expand_same("FREQ=DAILY", t0, t0, t0 + 4990 * day);
	expand_same("FREQ=DAILY", t0, t0, t0 + 5001 * day);
	/* Errors read the same. */
	expand_same("FREQ=WEEKLY;BYDAY=XX", t0, t0, t0 + 365 * day);
	plan_expand_forget();
}
END_TEST

static Suite *
planner_suite(void)
{
	Suite	*s = suite_create("planner");
	TCase	*tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fortnightly_dst);
	tcase_add_test(tc, test_series_wanted_kept);
	tcase_add_test(tc, test_holiday_skipped);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_cover);
	tcase_add_test(tc, test_manual_untouched);
	tcase_add_test(tc, test_held_attendance);
	tcase_add_test(tc, test_move_redecides);
	tcase_add_test(tc, test_alert_every_manager);
	tcase_add_test(tc, test_removed_series_history);
	tcase_add_test(tc, test_expand_kept);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(planner_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
