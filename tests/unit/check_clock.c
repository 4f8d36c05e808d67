/*
 * Unit tests for the clock: the fake clock starts where it is told, moves
 * on clock_advance(), and timers fire in due order as if the time had
 * passed; the real clock fires timers from the event loop.  Uses a real
 * libevent base; no mocks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <event2/event.h>

#include "clock.h"
#include "err.h"
#include "util.h"

#define START		"2026-03-02T09:00:00Z"
#define START_T		((time_t)1772442000)	/* START as a time_t */
#define HOUR		3600
#define MAXREC		16
/* A writable label for a callback argument, alive for the enclosing block. */
#define TAG(s)		((char []){ s })

struct rec {
	const char	*name;
	time_t		 at;
};

static struct event_base	*base;
static struct rec		 recs[MAXREC];
static int			 nrecs;

static struct clock_timer	*chain_b;	/* armed by chain_a_cb */
static struct clock_timer	*chain_c;
static struct clock_timer	*self_timer;
static long			 self_count;

static void	setup(void);
static void	teardown(void);
static void	fake_setup(void);
static void	record_cb(void *);
static void	chain_a_cb(void *);
static void	self_free_cb(void *);
static void	self_past_cb(void *);
static void	loop_break_cb(void *);
static Suite	*clock_suite(void);

static void
setup(void)
{
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	memset(recs, 0, sizeof(recs));
	nrecs = 0;
}

static void
fake_setup(void)
{
	struct err	err;

	ck_assert_int_eq(clock_init(base, START, &err), 0);
}

static void
teardown(void)
{
	clock_free();
	event_base_free(base);
	base = NULL;
}

static void
record_cb(void *arg)
{
	ck_assert_int_lt(nrecs, MAXREC);
	recs[nrecs].name = arg;
	recs[nrecs].at = clock_now();
	nrecs++;
}

static void
chain_a_cb(void *arg)
{
	record_cb(arg);
	/* One later inside the advanced span, one already in the past. */
	clock_timer_at(chain_b, clock_now() + HOUR);
	clock_timer_at(chain_c, clock_now() - 60);
}

static void
self_free_cb(void *arg)
{
	static char	label[] = "self";

	record_cb(label);
	clock_timer_free(self_timer);
	self_timer = NULL;
}

static void
self_past_cb(void *arg)
{
	self_count++;
	clock_timer_at(self_timer, clock_now() - 1);
}

static void
loop_break_cb(void *arg)
{
	record_cb(arg);
	event_base_loopbreak(base);
}

START_TEST(test_now_without_init)
{
	time_t	before, now, after;

	before = time(NULL);
	now = clock_now();
	after = time(NULL);
	ck_assert(now >= before && now <= after);
	ck_assert_int_eq(clock_is_fake(), 0);
}
END_TEST

START_TEST(test_fake_starts_at_given_time)
{
	struct err	err;
	time_t		now;

	ck_assert_int_eq(clock_init(base, START, &err), 0);
	ck_assert_int_eq(clock_is_fake(), 1);
	now = clock_now();
	ck_assert(now >= START_T && now <= START_T + 1);
}
END_TEST

START_TEST(test_fake_local_time)
{
	struct err	err;
	time_t		now;

	/* Local London time in summer is UTC+1. */
	ck_assert_int_eq(clock_init(base, "2026-07-01T10:00", &err), 0);
	now = clock_now();
	ck_assert(now >= 1782896400 && now <= 1782896400 + 1);
}
END_TEST

START_TEST(test_advance_moves_now)
{
	struct err	err;
	time_t		now;

	ck_assert_int_eq(clock_advance(7 * 86400, &err), 0);
	now = clock_now();
	ck_assert(now >= START_T + 7 * 86400 && now <= START_T + 7 * 86400 + 1);
	ck_assert_int_eq(clock_advance(90, &err), 0);
	now = clock_now();
	ck_assert(now >= START_T + 7 * 86400 + 90 &&
	    now <= START_T + 7 * 86400 + 91);
}
END_TEST

START_TEST(test_advance_refuses_nonpositive)
{
	struct err	err;

	ck_assert_int_eq(clock_advance(0, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_int_eq(clock_advance(-60, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert(clock_now() <= START_T + 1);
}
END_TEST

START_TEST(test_timers_fire_in_due_order)
{
	struct clock_timer	*t[4];
	struct err		 err;
	int			 i;

	/* Armed out of order; two share a due time and keep arming order. */
	t[0] = clock_timer_new("three", record_cb, TAG("three"));
	t[1] = clock_timer_new("one", record_cb, TAG("one"));
	t[2] = clock_timer_new("two-a", record_cb, TAG("two-a"));
	t[3] = clock_timer_new("two-b", record_cb, TAG("two-b"));
	clock_timer_at(t[0], START_T + 3 * HOUR);
	clock_timer_at(t[1], START_T + 1 * HOUR);
	clock_timer_at(t[2], START_T + 2 * HOUR);
	clock_timer_at(t[3], START_T + 2 * HOUR);

	/* Not yet due: nothing fires. */
	ck_assert_int_eq(clock_advance(30 * 60, &err), 0);
	ck_assert_int_eq(nrecs, 0);

	ck_assert_int_eq(clock_advance(86400, &err), 0);
	ck_assert_int_eq(nrecs, 4);
	ck_assert_str_eq(recs[0].name, "one");
	ck_assert_str_eq(recs[1].name, "two-a");
	ck_assert_str_eq(recs[2].name, "two-b");
	ck_assert_str_eq(recs[3].name, "three");
	/* Each callback saw its own due time, not the end of the advance. */
	ck_assert(recs[0].at >= START_T + 1 * HOUR &&
	    recs[0].at < START_T + 2 * HOUR);
	ck_assert(recs[1].at >= START_T + 2 * HOUR &&
	    recs[1].at < START_T + 3 * HOUR);
	ck_assert(recs[2].at >= START_T + 2 * HOUR &&
	    recs[2].at < START_T + 3 * HOUR);
	ck_assert(recs[3].at >= START_T + 3 * HOUR &&
	    recs[3].at < START_T + 4 * HOUR);
	/* And the advance still ends where it was asked to. */
	ck_assert(clock_now() >= START_T + 30 * 60 + 86400);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(clock_timer_pending(t[i], NULL), 0);
		clock_timer_free(t[i]);
	}
}
END_TEST

START_TEST(test_timer_armed_by_callback_fires_in_same_advance)
{
	struct clock_timer	*a;
	struct err		 err;

	a = clock_timer_new("a", chain_a_cb, TAG("a"));
	chain_b = clock_timer_new("b", record_cb, TAG("b"));
	chain_c = clock_timer_new("c", record_cb, TAG("c"));
	clock_timer_at(a, START_T + HOUR);

	ck_assert_int_eq(clock_advance(3 * HOUR, &err), 0);
	ck_assert_int_eq(nrecs, 3);
	ck_assert_str_eq(recs[0].name, "a");
	/* c was armed in the past: it fires at once, before b. */
	ck_assert_str_eq(recs[1].name, "c");
	ck_assert_str_eq(recs[2].name, "b");
	ck_assert(recs[2].at >= START_T + 2 * HOUR &&
	    recs[2].at < START_T + 3 * HOUR);
	clock_timer_free(a);
	clock_timer_free(chain_b);
	clock_timer_free(chain_c);
}
END_TEST

START_TEST(test_cancel_and_free)
{
	struct clock_timer	*x, *y, *z;
	struct err		 err;
	time_t			 when;

	x = clock_timer_new("x", record_cb, TAG("x"));
	y = clock_timer_new("y", record_cb, TAG("y"));
	z = clock_timer_new("z", record_cb, TAG("z"));
	clock_timer_at(x, START_T + HOUR);
	clock_timer_at(y, START_T + HOUR);
	clock_timer_at(z, START_T + 2 * HOUR);
	ck_assert_int_eq(clock_timer_pending(x, &when), 1);
	ck_assert_int_eq(when, START_T + HOUR);

	clock_timer_cancel(x);
	ck_assert_int_eq(clock_timer_pending(x, NULL), 0);
	clock_timer_free(y);
	clock_timer_cancel(x);		/* twice is harmless */

	ck_assert_int_eq(clock_advance(3 * HOUR, &err), 0);
	ck_assert_int_eq(nrecs, 1);
	ck_assert_str_eq(recs[0].name, "z");
	clock_timer_free(x);
	clock_timer_free(z);
	clock_timer_free(NULL);
}
END_TEST

START_TEST(test_rearm_moves_timer)
{
	struct clock_timer	*t;
	struct err		 err;
	time_t			 when;

	t = clock_timer_new("t", record_cb, TAG("t"));
	clock_timer_at(t, START_T + HOUR);
	clock_timer_at(t, START_T + 5 * HOUR);
	ck_assert_int_eq(clock_advance(2 * HOUR, &err), 0);
	ck_assert_int_eq(nrecs, 0);
	ck_assert_int_eq(clock_timer_pending(t, &when), 1);
	ck_assert_int_eq(when, START_T + 5 * HOUR);

	ck_assert_int_eq(clock_advance(4 * HOUR, &err), 0);
	ck_assert_int_eq(nrecs, 1);
	ck_assert(recs[0].at >= START_T + 5 * HOUR);
	/* Once fired it is no longer pending and fires only once. */
	ck_assert_int_eq(clock_timer_pending(t, NULL), 0);
	ck_assert_int_eq(clock_advance(86400, &err), 0);
	ck_assert_int_eq(nrecs, 1);
	clock_timer_free(t);
}
END_TEST

START_TEST(test_free_inside_own_callback)
{
	struct clock_timer	*other;
	struct err		 err;

	self_timer = clock_timer_new("self", self_free_cb, NULL);
	other = clock_timer_new("other", record_cb, TAG("other"));
	clock_timer_at(self_timer, START_T + HOUR);
	clock_timer_at(other, START_T + 2 * HOUR);
	ck_assert_int_eq(clock_advance(3 * HOUR, &err), 0);
	ck_assert_int_eq(nrecs, 2);
	ck_assert_str_eq(recs[0].name, "self");
	ck_assert_str_eq(recs[1].name, "other");
	ck_assert_ptr_null(self_timer);
	clock_timer_free(other);
}
END_TEST

START_TEST(test_runaway_timer_does_not_hang)
{
	struct err	err;

	/* A timer that keeps re-arming itself in the past must not hang. */
	self_timer = clock_timer_new("runaway", self_past_cb, NULL);
	clock_timer_at(self_timer, START_T + HOUR);
	ck_assert_int_eq(clock_advance(2 * HOUR, &err), 0);
	ck_assert(self_count > 0 && self_count <= 100001);
	ck_assert(clock_now() >= START_T + 2 * HOUR);
	clock_timer_free(self_timer);
	self_timer = NULL;
}
END_TEST

START_TEST(test_clock_free_forgets_timers)
{
	struct clock_timer	*t;

	t = clock_timer_new("t", record_cb, TAG("t"));
	clock_timer_at(t, START_T + HOUR);
	clock_free();
	ck_assert_int_eq(clock_timer_pending(t, NULL), 0);
	ck_assert_int_eq(clock_is_fake(), 0);
	clock_timer_free(t);
}
END_TEST

START_TEST(test_advance_refused_on_real_clock)
{
	struct err	err;

	ck_assert_int_eq(clock_init(base, NULL, &err), 0);
	ck_assert_int_eq(clock_is_fake(), 0);
	ck_assert_int_eq(clock_advance(60, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "not fake"));
}
END_TEST

START_TEST(test_real_past_timer_fires_from_loop)
{
	struct clock_timer	*t;
	struct err		 err;
	struct timeval		 limit = { 5, 0 };

	ck_assert_int_eq(clock_init(base, NULL, &err), 0);
	t = clock_timer_new("past", loop_break_cb, TAG("past"));
	clock_timer_at(t, time(NULL) - 600);
	ck_assert_int_eq(nrecs, 0);	/* not before the loop runs */
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	ck_assert_int_eq(nrecs, 1);
	ck_assert_int_eq(clock_timer_pending(t, NULL), 0);
	clock_timer_free(t);
}
END_TEST

START_TEST(test_fake_clock_runs_in_real_time)
{
	struct clock_timer	*t;
	struct timeval		 limit = { 5, 0 };

	/* Due one second after the fake start: the loop fires it. */
	t = clock_timer_new("soon", loop_break_cb, TAG("soon"));
	clock_timer_at(t, START_T + 1);
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	ck_assert_int_eq(nrecs, 1);
	ck_assert(recs[0].at >= START_T + 1 && recs[0].at <= START_T + 3);
	clock_timer_free(t);
}
END_TEST

static const char *bad_fake_now[] = {
	"",
	"yesterday",
	"2026-02-30T10:00:00Z",
	"2026-03-02T25:00",
	"2026-03-02T10:00:00+0100",
	"2026-03-02 T10:00",
	"2026-03-29T01:30",		/* skipped by the spring change */
	"1772442000",
};

START_TEST(test_bad_fake_now_refused)
{
	struct err	err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(clock_init(base, bad_fake_now[_i], &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_msg(strncmp(err.msg, "--fake-now", 10) == 0,
	    "message \"%s\" does not name the option", err.msg);
	ck_assert_int_eq(clock_is_fake(), 0);
}
END_TEST

static Suite *
clock_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("clock");

	tc = tcase_create("real");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_now_without_init);
	tcase_add_test(tc, test_fake_starts_at_given_time);
	tcase_add_test(tc, test_fake_local_time);
	tcase_add_test(tc, test_advance_refused_on_real_clock);
	tcase_add_test(tc, test_real_past_timer_fires_from_loop);
	tcase_add_loop_test(tc, test_bad_fake_now_refused, 0,
	    (int)(sizeof(bad_fake_now) / sizeof(bad_fake_now[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("fake");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, fake_setup, NULL);
	tcase_add_test(tc, test_advance_moves_now);
	tcase_add_test(tc, test_advance_refuses_nonpositive);
	tcase_add_test(tc, test_timers_fire_in_due_order);
	tcase_add_test(tc, test_timer_armed_by_callback_fires_in_same_advance);
	tcase_add_test(tc, test_cancel_and_free);
	tcase_add_test(tc, test_rearm_moves_timer);
	tcase_add_test(tc, test_free_inside_own_callback);
	tcase_add_test(tc, test_runaway_timer_does_not_hang);
	tcase_add_test(tc, test_clock_free_forgets_timers);
	tcase_add_test(tc, test_fake_clock_runs_in_real_time);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(clock_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
