/*
 * Unit tests for util: the parsers behind every duration, date, time,
 * number and list a user types into the config or a command.  Table
 * driven; times are checked under TZ=Europe/London, whose daylight-saving
 * changes are the ones our users live with.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "util.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define BAD		(-1)

struct str_i64 {
	const char	*in;
	int		 rc;
	int64_t		 out;
};

struct str_time {
	const char	*in;
	int		 rc;
	time_t		 out;
};

static void	london(void);
static Suite	*util_suite(void);

static void
london(void)
{
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
}

/* ---- durations ------------------------------------------------------ */

static const struct str_i64 durations[] = {
	{ "90", 0, 90 },
	{ "90s", 0, 90 },
	{ "0", 0, 0 },
	{ "15m", 0, 900 },
	{ "6h", 0, 21600 },
	{ "3d", 0, 259200 },
	{ "2w", 0, 1209600 },
	{ "7d", 0, 604800 },
	{ "", BAD, 0 },
	{ "m", BAD, 0 },
	{ "-5m", BAD, 0 },
	{ "+5m", BAD, 0 },
	{ " 5m", BAD, 0 },
	{ "5 m", BAD, 0 },
	{ "5x", BAD, 0 },
	{ "5M", BAD, 0 },
	{ "5mm", BAD, 0 },
	{ "5ms", BAD, 0 },
	{ "1.5h", BAD, 0 },
	{ "1h30m", BAD, 0 },
	{ "99999999999999999999", BAD, 0 },
	{ "9223372036854775807w", BAD, 0 },
};

/* util_strlcpy: what snprintf(dst, size, "%s", src) would leave. */
START_TEST(test_strlcpy)
{
	char	buf[6], ref[6];
	const char *srcs[] = { "", "abc", "abcde", "abcdef", "abcdefghij" };
	size_t	i, sizes[] = { 1, 2, 5, 6 }, k;

	for (i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			memset(buf, 'x', sizeof(buf));
			memset(ref, 'x', sizeof(ref));
			ck_assert_uint_eq(util_strlcpy(buf, srcs[i], sizes[k]),
			    strlen(srcs[i]));
			snprintf(ref, sizes[k], "%s", srcs[i]);
			ck_assert_mem_eq(buf, ref, sizeof(buf));
		}
	}
	memset(buf, 'x', sizeof(buf));
	ck_assert_uint_eq(util_strlcpy(buf, NULL, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_parse_duration)
{
	const struct str_i64	*c = &durations[_i];
	int64_t			 out = -42;

	ck_assert_msg(util_parse_duration(c->in, &out) == c->rc,
	    "duration \"%s\": expected %s", c->in, c->rc == 0 ? "ok" : "refusal");
	if (c->rc == 0)
		ck_assert_int_eq(out, c->out);
	else
		ck_assert_int_eq(out, -42);	/* untouched on error */
}
END_TEST

START_TEST(test_parse_duration_null)
{
	int64_t	out;

	ck_assert_int_eq(util_parse_duration(NULL, &out), -1);
}
END_TEST

/* ---- dates ---------------------------------------------------------- */

static const struct str_time dates[] = {
	{ "2024-02-29", 0, 1709164800 },	/* leap year */
	{ "2000-02-29", 0, 951782400 },		/* divisible by 400 */
	{ "2026-07-01", 0, 1782860400 },	/* midnight BST = 23:00Z */
	{ "2023-02-29", BAD, 0 },
	{ "2100-02-29", BAD, 0 },		/* divisible by 100 only */
	{ "2026-04-31", BAD, 0 },
	{ "2026-13-01", BAD, 0 },
	{ "2026-00-10", BAD, 0 },
	{ "2026-01-00", BAD, 0 },
	{ "2026-01-32", BAD, 0 },
	{ "2026-4-1", BAD, 0 },
	{ "26-04-01", BAD, 0 },
	{ "2026/04/01", BAD, 0 },
	{ "2026-04-01x", BAD, 0 },
	{ "2026-04-01T10:00", BAD, 0 },
	{ " 2026-04-01", BAD, 0 },
	{ "", BAD, 0 },
	{ "tomorrow", BAD, 0 },
};

START_TEST(test_parse_date)
{
	const struct str_time	*c = &dates[_i];
	time_t			 out = 0;

	london();
	ck_assert_msg(util_parse_date(c->in, &out) == c->rc,
	    "date \"%s\": expected %s", c->in, c->rc == 0 ? "ok" : "refusal");
	if (c->rc == 0)
		ck_assert_int_eq(out, c->out);
}
END_TEST

/* ---- times ---------------------------------------------------------- */

static const struct str_time times[] = {
	/* Local: GMT in winter, BST (+01:00) in summer. */
	{ "2026-01-15T10:00", 0, 1768471200 },
	{ "2026-07-15T10:00", 0, 1784106000 },
	{ "2026-07-15T10:00:30", 0, 1784106030 },
	{ "2026-07-15t10:00", 0, 1784106000 },
	{ "2026-07-15 10:00", 0, 1784106000 },
	{ "2026-07-01", 0, 1782860400 },	/* bare date: local midnight */
	/* RFC 3339 with a zone. */
	{ "2026-07-15T09:00:00Z", 0, 1784106000 },
	{ "2026-07-15T10:00:00Z", 0, 1784109600 },
	{ "2026-07-15T10:00:00z", 0, 1784109600 },
	{ "2026-07-15T10:00:00+02:00", 0, 1784102400 },
	{ "2026-07-15T10:00:00+01:00", 0, 1784106000 },
	{ "2026-01-15T10:00:00-05:00", 0, 1768489200 },
	{ "2026-07-15T10:00:00.250Z", 0, 1784109600 },
	{ "2026-07-15T10:00Z", 0, 1784109600 },
	/* Around the spring change on 29 March 2026 (01:00 -> 02:00). */
	{ "2026-03-29T00:59", 0, 1774745940 },
	{ "2026-03-29T01:00", BAD, 0 },
	{ "2026-03-29T01:30", BAD, 0 },
	{ "2026-03-29T02:00", 0, 1774746000 },
	{ "2026-03-29T01:30:00Z", 0, 1774747800 },	/* fine in UTC */
	/* Bad forms. */
	{ "2026-07-15T24:00", BAD, 0 },
	{ "2026-07-15T10:60", BAD, 0 },
	{ "2026-07-15T10", BAD, 0 },
	{ "2026-07-15T1000", BAD, 0 },
	{ "2026-07-15T10:00+0200", BAD, 0 },
	{ "2026-07-15T10:00:00+02", BAD, 0 },
	{ "2026-07-15T10:00:00+24:00", BAD, 0 },
	{ "2026-07-15T10:00:00Zjunk", BAD, 0 },
	{ "2026-07-15T10:00:00.Z", BAD, 0 },
	{ "2026-07-15X10:00", BAD, 0 },
	{ "2026-02-30T10:00", BAD, 0 },
	{ "1784106000", BAD, 0 },
	{ "", BAD, 0 },
};

START_TEST(test_parse_time)
{
	const struct str_time	*c = &times[_i];
	time_t			 out = 0;

	london();
	ck_assert_msg(util_parse_time(c->in, &out) == c->rc,
	    "time \"%s\": expected %s", c->in, c->rc == 0 ? "ok" : "refusal");
	if (c->rc == 0)
		ck_assert_msg(out == c->out, "time \"%s\": got %lld, want %lld",
		    c->in, (long long)out, (long long)c->out);
}
END_TEST

struct fmt_case {
	const char	*zone;
	time_t		 t;
	const char	*time;
	const char	*date;
};

static const struct fmt_case formats[] = {
	{ "Europe/London", 1784106000, "2026-07-15T10:00:00+01:00",
	    "2026-07-15" },
	{ "Europe/London", 1768471200, "2026-01-15T10:00:00+00:00",
	    "2026-01-15" },
	/* 23:30Z on 30 June is already 1 July in London. */
	{ "Europe/London", 1782862200, "2026-07-01T00:30:00+01:00",
	    "2026-07-01" },
	{ "America/New_York", 1768489200, "2026-01-15T10:00:00-05:00",
	    "2026-01-15" },
	{ "Asia/Kolkata", 1784106000, "2026-07-15T14:30:00+05:30",
	    "2026-07-15" },
	{ "UTC", 0, "1970-01-01T00:00:00+00:00", "1970-01-01" },
};

START_TEST(test_format_time)
{
	const struct fmt_case	*c = &formats[_i];
	char			 buf[UTIL_TIMEBUF];
	time_t			 back;

	ck_assert_int_eq(util_set_timezone(c->zone), 0);
	ck_assert_str_eq(util_format_time(c->t, buf), c->time);
	/* What we print, we read back as the same instant. */
	ck_assert_int_eq(util_parse_time(buf, &back), 0);
	ck_assert_int_eq(back, c->t);
	ck_assert_str_eq(util_format_date(c->t, buf), c->date);
}
END_TEST

START_TEST(test_format_round_trip_local)
{
	static const char	*in[] = {
		"2026-01-15T10:00", "2026-07-15T10:00", "2026-10-24T23:59",
		"2026-03-29T02:00", "2024-02-29T12:00",
	};
	static const char	*want[] = {
		"2026-01-15T10:00:00+00:00", "2026-07-15T10:00:00+01:00",
		"2026-10-24T23:59:00+01:00", "2026-03-29T02:00:00+01:00",
		"2024-02-29T12:00:00+00:00",
	};
	char			 buf[UTIL_TIMEBUF];
	time_t			 t;
	size_t			 i;

	london();
	for (i = 0; i < NELEM(in); i++) {
		ck_assert_int_eq(util_parse_time(in[i], &t), 0);
		ck_assert_str_eq(util_format_time(t, buf), want[i]);
	}
}
END_TEST

/* ---- time zones ----------------------------------------------------- */

static const struct {
	const char	*zone;
	int		 known;
} zones[] = {
	{ "Europe/London", 1 },
	{ "UTC", 1 },
	{ "America/New_York", 1 },
	{ "Mars/Olympus_Mons", 0 },
	{ "europe/london", 0 },
	{ "Europe", 0 },		/* a directory, not a zone */
	{ "zone.tab", 0 },		/* a table, not a zone */
	{ "../../../etc/passwd", 0 },
	{ "/etc/localtime", 0 },
	{ "", 0 },
};

START_TEST(test_timezone_exists)
{
	ck_assert_msg(util_timezone_exists(zones[_i].zone) == zones[_i].known,
	    "zone \"%s\": expected %s", zones[_i].zone,
	    zones[_i].known ? "known" : "unknown");
}
END_TEST

START_TEST(test_set_timezone_refuses_unknown)
{
	char	buf[UTIL_TIMEBUF];

	london();
	ck_assert_int_eq(util_set_timezone("Mars/Olympus_Mons"), -1);
	ck_assert_int_eq(util_set_timezone("Europe"), -1);
	/* The previous zone stays in force. */
	ck_assert_str_eq(util_format_time(1784106000, buf),
	    "2026-07-15T10:00:00+01:00");
}
END_TEST

/* ---- HH:MM ---------------------------------------------------------- */

static const struct {
	const char	*in;
	int		 rc;
	int		 out;
} hhmms[] = {
	{ "00:00", 0, 0 },
	{ "00:10", 0, 10 },
	{ "07:30", 0, 450 },
	{ "23:59", 0, 1439 },
	{ "24:00", BAD, 0 },
	{ "07:60", BAD, 0 },
	{ "7:30", BAD, 0 },
	{ "07:3", BAD, 0 },
	{ "0730", BAD, 0 },
	{ "07:30:00", BAD, 0 },
	{ "07.30", BAD, 0 },
	{ " 07:30", BAD, 0 },
	{ "", BAD, 0 },
};

START_TEST(test_parse_hhmm)
{
	int	out = -1;

	ck_assert_msg(util_parse_hhmm(hhmms[_i].in, &out) == hhmms[_i].rc,
	    "hh:mm \"%s\"", hhmms[_i].in);
	if (hhmms[_i].rc == 0)
		ck_assert_int_eq(out, hhmms[_i].out);
}
END_TEST

/* ---- numbers -------------------------------------------------------- */

static const struct {
	const char	*in;
	long long	 min, max;
	int		 rc;
	long long	 out;
} ints[] = {
	{ "15", 0, 100, 0, 15 },
	{ "0", 0, 100, 0, 0 },
	{ "100", 0, 100, 0, 100 },
	{ "-3", -5, 5, 0, -3 },
	{ "101", 0, 100, BAD, 0 },
	{ "-1", 0, 100, BAD, 0 },
	{ "9223372036854775807", LLONG_MIN, LLONG_MAX, 0, LLONG_MAX },
	{ "9223372036854775808", LLONG_MIN, LLONG_MAX, BAD, 0 },
	{ "", 0, 100, BAD, 0 },
	{ " 5", 0, 100, BAD, 0 },
	{ "5 ", 0, 100, BAD, 0 },
	{ "5x", 0, 100, BAD, 0 },
	{ "0x10", 0, 100, BAD, 0 },
	{ "1.0", 0, 100, BAD, 0 },
	{ "1e2", 0, 1000, BAD, 0 },
};

START_TEST(test_parse_int)
{
	long long	out = -42;

	ck_assert_msg(util_parse_int(ints[_i].in, ints[_i].min, ints[_i].max,
	    &out) == ints[_i].rc, "int \"%s\" in [%lld,%lld]", ints[_i].in,
	    ints[_i].min, ints[_i].max);
	if (ints[_i].rc == 0)
		ck_assert_int_eq(out, ints[_i].out);
}
END_TEST

static const struct {
	const char	*in;
	double		 min, max;
	int		 rc;
	double		 out;
} doubles[] = {
	{ "0.9", 0, 1, 0, 0.9 },
	{ "1", 0, 1, 0, 1.0 },
	{ "0.1", 0.1, 1, 0, 0.1 },
	{ "1.25", 0, 10, 0, 1.25 },
	{ "15", 0, 1000, 0, 15.0 },
	{ "1.5", 0, 1, BAD, 0 },
	{ "0.05", 0.1, 1, BAD, 0 },
	{ "-0.5", 0, 1, BAD, 0 },
	{ "nan", -1e9, 1e9, BAD, 0 },
	{ "inf", -1e308, 1e308, BAD, 0 },
	{ "1e500", 0, 1e308, BAD, 0 },
	{ "0.5x", 0, 1, BAD, 0 },
	{ "0,5", 0, 1, BAD, 0 },
	{ " 0.5", 0, 1, BAD, 0 },
	{ "", 0, 1, BAD, 0 },
};

START_TEST(test_parse_double)
{
	double	out = -42;

	ck_assert_msg(util_parse_double(doubles[_i].in, doubles[_i].min,
	    doubles[_i].max, &out) == doubles[_i].rc, "double \"%s\"",
	    doubles[_i].in);
	if (doubles[_i].rc == 0)
		ck_assert_double_eq_tol(out, doubles[_i].out, 1e-12);
}
END_TEST

static const struct {
	const char	*in;
	int		 want;
} bools[] = {
	{ "yes", 1 }, { "YES", 1 }, { "true", 1 }, { "On", 1 }, { "1", 1 },
	{ "no", 0 }, { "False", 0 }, { "off", 0 }, { "0", 0 },
	{ "y", -1 }, { "n", -1 }, { "2", -1 }, { "", -1 }, { "yes ", -1 },
	{ "enabled", -1 },
};

START_TEST(test_parse_bool)
{
	ck_assert_msg(util_parse_bool(bools[_i].in) == bools[_i].want,
	    "bool \"%s\"", bools[_i].in);
}
END_TEST

START_TEST(test_parse_null)
{
	time_t		t;
	int		m;
	long long	ll;
	double		d;

	ck_assert_int_eq(util_parse_bool(NULL), -1);
	ck_assert_int_eq(util_parse_date(NULL, &t), -1);
	ck_assert_int_eq(util_parse_time(NULL, &t), -1);
	ck_assert_int_eq(util_parse_hhmm(NULL, &m), -1);
	ck_assert_int_eq(util_parse_int(NULL, 0, 1, &ll), -1);
	ck_assert_int_eq(util_parse_double(NULL, 0, 1, &d), -1);
}
END_TEST

/* ---- lists ---------------------------------------------------------- */

static const struct {
	const char	*in;
	size_t		 n;
	const char	*items[4];
} lists[] = {
	{ "a, b,c", 3, { "a", "b", "c" } },
	{ "ealing.gov.uk, nhs.net", 2, { "ealing.gov.uk", "nhs.net" } },
	{ " a ,, b ,  ", 2, { "a", "b" } },
	{ "\tMO,\tTU ", 2, { "MO", "TU" } },
	{ "Group Supervision, x", 2, { "Group Supervision", "x" } },
	{ "one", 1, { "one" } },
	{ "", 0, { NULL } },
	{ " , ,, ", 0, { NULL } },
};

START_TEST(test_split_list)
{
	char	**list;
	size_t	  n = 99, i;

	list = util_split_list(lists[_i].in, &n);
	ck_assert_msg(n == lists[_i].n, "list \"%s\": %zu items, want %zu",
	    lists[_i].in, n, lists[_i].n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(list[i], lists[_i].items[i]);
	util_free_list(list, n);
}
END_TEST

START_TEST(test_split_list_null)
{
	char	**list;
	size_t	  n = 99;

	list = util_split_list(NULL, &n);
	ck_assert_uint_eq(n, 0);
	util_free_list(list, n);
	util_free_list(NULL, 0);
}
END_TEST

/* The run of rows with one session id in rows sorted by it. */
START_TEST(test_equal_range)
{
	struct row {
		int	x;
		char	id[16];
	} v[] = {
		{ 1, "a-20260101" }, { 2, "b-20260101" }, { 3, "b-20260101" },
		{ 4, "b-20260101" }, { 5, "c-20260101" },
	};
	size_t	at = 99;

	ck_assert_uint_eq(util_equal_range(v, 5, sizeof(*v),
	    offsetof(struct row, id), "b-20260101", &at), 3);
	ck_assert_uint_eq(at, 1);
	ck_assert_uint_eq(util_equal_range(v, 5, sizeof(*v),
	    offsetof(struct row, id), "a-20260101", &at), 1);
	ck_assert_uint_eq(at, 0);
	ck_assert_uint_eq(util_equal_range(v, 5, sizeof(*v),
	    offsetof(struct row, id), "c-20260101", &at), 1);
	ck_assert_int_eq(v[at].x, 5);
	ck_assert_uint_eq(util_equal_range(v, 5, sizeof(*v),
	    offsetof(struct row, id), "bb", &at), 0);
	ck_assert_uint_eq(util_equal_range(v, 0, sizeof(*v),
	    offsetof(struct row, id), "a-20260101", &at), 0);
}
END_TEST

START_TEST(test_trim)
{
	char	a[] = "  padded \t\n";
	char	b[] = "   ";
	char	c[] = "inner  space";
	char	*d;

	ck_assert_str_eq(util_trim(a), "padded");
	ck_assert_str_eq(util_trim(b), "");
	ck_assert_str_eq(util_trim(c), "inner  space");
	/* The result is the string itself, so a malloc'd one can be freed. */
	d = strdup("   lead");
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_eq(util_trim(d), d);
	ck_assert_str_eq(d, "lead");
	free(d);
}
END_TEST

#define LOOP(tc, fn, table) \
	tcase_add_loop_test((tc), (fn), 0, (int)NELEM(table))

static Suite *
util_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("util");

	tc = tcase_create("durations");
	LOOP(tc, test_parse_duration, durations);
	tcase_add_test(tc, test_strlcpy);
	tcase_add_test(tc, test_parse_duration_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("dates and times");
	LOOP(tc, test_parse_date, dates);
	LOOP(tc, test_parse_time, times);
	LOOP(tc, test_format_time, formats);
	tcase_add_test(tc, test_format_round_trip_local);
	LOOP(tc, test_timezone_exists, zones);
	tcase_add_test(tc, test_set_timezone_refuses_unknown);
	LOOP(tc, test_parse_hhmm, hhmms);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	LOOP(tc, test_parse_int, ints);
	LOOP(tc, test_parse_double, doubles);
	LOOP(tc, test_parse_bool, bools);
	tcase_add_test(tc, test_parse_null);
	LOOP(tc, test_split_list, lists);
	tcase_add_test(tc, test_split_list_null);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_equal_range);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(util_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
