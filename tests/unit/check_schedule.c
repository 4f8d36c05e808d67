/*
 * Unit tests for the scheduling core: RRULE expansion and refusals in
 * Europe/London (ical.c), holiday files, and the pure rules of
 * schedule.c: occurrences after holidays, attendees, psychologist cover
 * and the supervision gap.  Table driven; no database, no daemon.  The
 * process time zone is Europe/London, as the daemon would set it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "domain.h"
#include "err.h"
#include "ical.h"
#include "people.h"
#include "schedule.h"
#include "util.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define TZ		"Europe/London"

static void	setup(void);
static void	teardown(void);
static time_t	T(const char *);
static void	local(time_t, char *, size_t, long *);
static void	mk_member(struct member *, const char *, int, const char *,
		    const char *);
static Suite	*schedule_suite(void);

static void
setup(void)
{
	ck_assert_int_eq(util_set_timezone(TZ), 0);
	ical_init();
}

static void
teardown(void)
{
	ical_shutdown();
}

/* Local or RFC 3339 text to time_t, failing the test if it is bad. */
static time_t
T(const char *s)
{
	time_t	t;

	ck_assert_msg(util_parse_time(s, &t) == 0, "bad time %s", s);
	return (t);
}

/* "YYYY-MM-DDTHH:MM" local and the UTC offset in seconds. */
static void
local(time_t t, char *buf, size_t len, long *gmtoff)
{
	struct tm	tm;

	ck_assert_ptr_nonnull(localtime_r(&t, &tm));
	strftime(buf, len, "%Y-%m-%dT%H:%M", &tm);
	*gmtoff = tm.tm_gmtoff;
}

static void
mk_member(struct member *m, const char *slug, int role, const char *start,
    const char *end)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->slug, sizeof(m->slug), "%s", slug);
	snprintf(m->name, sizeof(m->name), "Name %s", slug);
	m->role = role;
	m->fte = 1.0;
	m->days = DAYS_WEEKDAYS;
	m->capacity = 6;
	snprintf(m->start, sizeof(m->start), "%s", start);
	snprintf(m->end, sizeof(m->end), "%s", end);
}

/* ---- RRULE expansion -------------------------------------------------- */

START_TEST(test_fortnightly_dst)
{
	static const struct {
		const char	*local;
		long		 off;
	} want[] = {
		{ "2026-03-03T10:00", 0 },
		{ "2026-03-17T10:00", 0 },
		{ "2026-03-31T10:00", 3600 },	/* after 29 March */
		{ "2026-04-14T10:00", 3600 },
	}, autumn[] = {
		{ "2026-10-13T10:00", 3600 },
		{ "2026-10-27T10:00", 0 },	/* after 25 October */
	};
	struct err	 err;
	time_t		*v;
	size_t		 n, i, j;
	char		 buf[32];
	long		 off;
	int		 seen = 0;

	ck_assert_int_eq(ical_rrule_check("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
	    TZ, T("2026-03-03T10:00"), 84, &err), 0);
	ck_assert_int_eq(ical_rrule_expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
	    TZ, T("2026-03-03T10:00"), T("2026-03-01"), T("2026-12-01"), &v,
	    &n, &err), 0);
	ck_assert_uint_eq(n, 20);
	for (i = 0; i < n; i++) {
		local(v[i], buf, sizeof(buf), &off);
		ck_assert_str_eq(buf + 10, "T10:00");
		if (i > 0)
			ck_assert(v[i] > v[i - 1]);
	}
	for (i = 0; i < NELEM(want); i++) {
		local(v[i], buf, sizeof(buf), &off);
		ck_assert_str_eq(buf, want[i].local);
		ck_assert_int_eq(off, want[i].off);
	}
	/* The instants really differ by the offset: 10:00Z then 09:00Z. */
	ck_assert_int_eq(v[1], T("2026-03-17T10:00:00Z"));
	ck_assert_int_eq(v[2], T("2026-03-31T09:00:00Z"));
	for (i = 0; i < n; i++) {
		local(v[i], buf, sizeof(buf), &off);
		for (j = 0; j < NELEM(autumn); j++) {
			if (strcmp(buf, autumn[j].local) != 0)
				continue;
			ck_assert_int_eq(off, autumn[j].off);
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	free(v);

	/* The window cuts: only starts in [from, until). */
	ck_assert_int_eq(ical_rrule_expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
	    TZ, T("2026-03-03T10:00"), T("2026-03-17T10:00"),
	    T("2026-03-31T10:00"), &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0], T("2026-03-17T10:00"));
	free(v);
}
END_TEST

START_TEST(test_monthly_byday)
{
	static const char	*want[] = {
		"2026-01-01T14:00", "2026-02-05T14:00", "2026-03-05T14:00",
		"2026-04-02T14:00", "2026-05-07T14:00", "2026-06-04T14:00",
	};
	struct err	 err;
	time_t		*v;
	size_t		 n, i;
	char		 buf[32];
	long		 off;

	ck_assert_int_eq(ical_rrule_expand("FREQ=MONTHLY;BYDAY=1TH", TZ,
	    T("2026-01-01T14:00"), T("2026-01-01"), T("2026-06-30"), &v, &n,
	    &err), 0);
	ck_assert_uint_eq(n, NELEM(want));
	for (i = 0; i < n; i++) {
		local(v[i], buf, sizeof(buf), &off);
		ck_assert_str_eq(buf, want[i]);
	}
	free(v);
	/* "RRULE:" as pasted from a calendar is accepted. */
	ck_assert_int_eq(ical_rrule_check("RRULE:FREQ=MONTHLY;BYDAY=1TH", TZ,
	    T("2026-01-01T14:00"), 84, &err), 0);
}
END_TEST

static const struct {
	const char	*rrule;
	const char	*start;
	const char	*want;		/* in the message */
} bad_rrules[] = {
	{ "", "2026-03-03T10:00", "empty" },
	{ "garbage", "2026-03-03T10:00", "'garbage' (want NAME=VALUE)" },
	{ "BYDAY=MO", "2026-03-03T10:00", "no FREQ" },
	{ "FREQ=WEEKLY;FOO=1", "2026-03-03T10:00", "unknown RRULE part 'FOO'" },
	{ "FREQ=FORTNIGHTLY", "2026-03-03T10:00", "unknown RRULE FREQ" },
	{ "FREQ=WEEKLY;BYDAY=XX", "2026-03-03T10:00",
	    "cannot parse RRULE part 'BYDAY=XX'" },
	{ "FREQ=WEEKLY;COUNT=abc", "2026-03-03T10:00",
	    "cannot parse RRULE part 'COUNT=abc'" },
	{ "FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000Z", "2026-03-03T10:00",
	    "both COUNT and UNTIL" },
	{ "FREQ=HOURLY", "2026-03-03T10:00", "more often than daily" },
	{ "FREQ=MINUTELY;INTERVAL=30", "2026-03-03T10:00",
	    "more often than daily (FREQ=MINUTELY)" },
	{ "FREQ=DAILY;BYHOUR=10,14", "2026-03-03T10:00",
	    "two occurrences on 2026-03-03" },
	{ "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-03-03T10:00",
	    "no occurrence" },
	{ "FREQ=WEEKLY;UNTIL=20200101T000000Z", "2026-03-03T10:00",
	    "no occurrence" },
	{ "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25", "2026-03-03T10:00",
	    "no occurrence in the 84 days" },
	{ "FREQ=MONTHLY;BYDAY=9TH", "2026-03-03T10:00",
	    "at most 5 of each weekday" },
	{ "FREQ=WEEKLY;BYDAY=2TU", "2026-03-03T10:00",
	    "needs FREQ=MONTHLY or FREQ=YEARLY" },
	{ "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30,31", "2026-03-03T10:00",
	    "no month in BYMONTH has that BYMONTHDAY" },
	{ "FREQ=DAILY;INTERVAL=0", "2026-03-03T10:00", "INTERVAL=0" },
};

START_TEST(test_rrule_refused)
{
	struct err	err;

	err_clear(&err);
	ck_assert_int_eq(ical_rrule_check(bad_rrules[_i].rrule, TZ,
	    T(bad_rrules[_i].start), 84, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_msg(strstr(err.msg, bad_rrules[_i].want) != NULL,
	    "%s: got \"%s\", want \"%s\"", bad_rrules[_i].rrule, err.msg,
	    bad_rrules[_i].want);
}
END_TEST

START_TEST(test_local_time)
{
	struct err	err;
	time_t		t;

	/* 01:30 on 29 March 2026 does not exist in London. */
	err_clear(&err);
	ck_assert_int_eq(ical_local_time(TZ, "2026-03-29T01:30", &t, &err),
	    -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));
	ck_assert_int_eq(util_parse_time("2026-03-29T01:30", &t), -1);
	/* Either side of the gap, and the repeated autumn hour, exist. */
	ck_assert_int_eq(ical_local_time(TZ, "2026-03-29T00:30", &t, &err), 0);
	ck_assert_int_eq(t, T("2026-03-29T00:30:00Z"));
	ck_assert_int_eq(ical_local_time(TZ, "2026-03-29T02:30", &t, &err), 0);
	ck_assert_int_eq(t, T("2026-03-29T01:30:00Z"));
	ck_assert_int_eq(ical_local_time(TZ, "2026-10-25T01:30", &t, &err), 0);
	ck_assert_int_eq(ical_local_time(TZ, "2026-07-01T10:00:30", &t, &err),
	    0);
	ck_assert_int_eq(t, T("2026-07-01T09:00:30Z"));
	ck_assert_int_eq(ical_local_time(TZ, "2026-07-01T10:00+01:00", &t,
	    &err), 0);
	ck_assert_int_eq(t, T("2026-07-01T09:00:00Z"));
	ck_assert_int_eq(ical_local_time(TZ, "2026-02-30T10:00", &t, &err),
	    -1);
	ck_assert_int_eq(ical_local_time(TZ, "tomorrow", &t, &err), -1);
	ck_assert_int_eq(ical_local_time("Mars/Olympus", "2026-07-01T10:00",
	    &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown time zone"));
	ck_assert_int_eq(ical_timezone_exists(TZ), 1);
}
END_TEST

/* ---- holidays and occurrences ----------------------------------------- */

static const struct {
	const char	*what;
	int		 on_holiday;
	const char	*starts[4];
	const char	*holidays[4];
	size_t		 n;
	struct {
		const char	*date;
		const char	*start;		/* local */
		int		 moved;
	} want[4];
} occ_cases[] = {
	{ "no holiday", ON_HOLIDAY_SKIP,
	    { "2026-03-03T10:00", "2026-03-17T10:00" }, { NULL }, 2,
	    { { "2026-03-03", "2026-03-03T10:00", 0 },
	      { "2026-03-17", "2026-03-17T10:00", 0 } } },
	{ "skip", ON_HOLIDAY_SKIP,
	    { "2026-12-25T10:00", "2027-01-08T10:00" },
	    { "2026-12-25", "2026-12-28" }, 1,
	    { { "2027-01-08", "2027-01-08T10:00", 0 } } },
	{ "move over a weekend and a substitute Monday",
	    ON_HOLIDAY_NEXT_WORKING_DAY, { "2026-12-25T10:00" },
	    { "2026-12-25", "2026-12-28" }, 1,
	    { { "2026-12-25", "2026-12-29T10:00", 1 } } },
	{ "move over Christmas and Boxing Day", ON_HOLIDAY_NEXT_WORKING_DAY,
	    { "2025-12-25T14:30", "2026-01-08T14:30" },
	    { "2025-12-25", "2025-12-26" }, 2,
	    { { "2025-12-25", "2025-12-29T14:30", 1 },
	      { "2026-01-08", "2026-01-08T14:30", 0 } } },
	{ "move across the March clock change", ON_HOLIDAY_NEXT_WORKING_DAY,
	    { "2026-03-27T10:00" }, { "2026-03-27" }, 1,
	    { { "2026-03-27", "2026-03-30T10:00", 1 } } },
	{ "a move onto a day the series meets is dropped",
	    ON_HOLIDAY_NEXT_WORKING_DAY,
	    { "2025-12-25T10:00", "2025-12-26T10:00", "2025-12-29T10:00" },
	    { "2025-12-25", "2025-12-26" }, 1,
	    { { "2025-12-29", "2025-12-29T10:00", 0 } } },
};

START_TEST(test_occurrences)
{
	struct sched_holidays	 h;
	struct sched_occurrence	*o;
	time_t			 starts[4];
	size_t			 n = 0, i, got;
	char			 buf[32], id[SCHED_ID_MAX + 1];
	long			 off;

	sched_holidays_init(&h);
	for (i = 0; i < NELEM(occ_cases[_i].holidays) &&
	    occ_cases[_i].holidays[i] != NULL; i++)
		sched_holidays_add(&h, occ_cases[_i].holidays[i]);
	sched_holidays_finish(&h);
	while (n < NELEM(occ_cases[_i].starts) &&
	    occ_cases[_i].starts[n] != NULL) {
		starts[n] = T(occ_cases[_i].starts[n]);
		n++;
	}
	got = sched_occurrences(starts, n, 90, &h,
	    occ_cases[_i].on_holiday, &o);
	ck_assert_msg(got == occ_cases[_i].n, "%s: %zu occurrences",
	    occ_cases[_i].what, got);
	for (i = 0; i < got; i++) {
		ck_assert_str_eq(o[i].date, occ_cases[_i].want[i].date);
		local(o[i].start, buf, sizeof(buf), &off);
		ck_assert_str_eq(buf, occ_cases[_i].want[i].start);
		ck_assert_int_eq(o[i].moved, occ_cases[_i].want[i].moved);
		ck_assert_int_eq(o[i].end - o[i].start, 90 * 60);
	}
	if (got > 0) {
		sched_session_id("mast-north", o[0].date, id);
		ck_assert_int_eq(strncmp(id, "mast-north-", 11), 0);
		ck_assert_uint_eq(strlen(id), 19);
	}
	free(o);
	sched_holidays_free(&h);
}
END_TEST

/* The ISO week of t's local date, worked out afresh each time. */
static int
isoweek_fresh(time_t t)
{
	struct tm	tm;
	char		buf[DATE_LEN];

	ck_assert_ptr_nonnull(localtime_r(&t, &tm));
	ck_assert_uint_eq(strftime(buf, sizeof(buf), "%Y-%m-%d", &tm), 10);
	return (sched_date_isoweek(buf));
}

/*
 * sched_isoweek keeps the last day it looked up: across the clocks
 * changing, a Sunday night into Monday, times in and out of order, and a
 * zone set anew, it must say what localtime_r says.
 */
START_TEST(test_isoweek_kept)
{
	static const char	*zones[] = { TZ, "Pacific/Auckland",
				    "America/New_York", "Australia/Lord_Howe" };
	time_t			 from, t;
	size_t			 z, i;
	uint64_t		 seed = 7;

	from = T("2026-01-01T00:00Z");
	for (z = 0; z < NELEM(zones); z++) {
		ck_assert_int_eq(util_set_timezone(zones[z]), 0);
		/* A year by half hours: every change of the clocks. */
		for (t = from; t < from + 366 * 86400; t += 1800)
			ck_assert_msg(sched_isoweek(t) == isoweek_fresh(t),
			    "%s: %lld", zones[z], (long long)t);
		/* Then in no order. */
		for (i = 0; i < 20000; i++) {
			seed = seed * 6364136223846793005ULL +
			    1442695040888963407ULL;
			t = from + (time_t)((seed >> 33) % (366 * 86400));
			ck_assert_msg(sched_isoweek(t) == isoweek_fresh(t),
			    "%s: %lld", zones[z], (long long)t);
		}
	}
	ck_assert_int_eq(util_set_timezone(TZ), 0);
}
END_TEST

START_TEST(test_dates)
{
	char	id[SCHED_ID_MAX + 1], buf[DATE_LEN];
	long	d;

	ck_assert_int_eq(sched_date_weekday("2026-03-02"), 0);	/* Monday */
	ck_assert_int_eq(sched_date_weekday("2026-03-08"), 6);
	ck_assert_int_eq(sched_date_weekday("1969-12-31"), 2);
	ck_assert_int_eq(sched_date_isoweek("2026-12-31"), 202653);
	ck_assert_int_eq(sched_date_isoweek("2027-01-03"), 202653);
	ck_assert_int_eq(sched_date_isoweek("2027-01-04"), 202701);
	ck_assert_int_eq(sched_date_isoweek("2024-12-30"), 202501);
	ck_assert_int_eq(sched_date_isoweek("2026-02-30"), -1);
	ck_assert_int_eq(sched_date_parse("2028-02-29", &d), 0);
	sched_date_format(d + 1, buf);
	ck_assert_str_eq(buf, "2028-03-01");
	ck_assert_int_eq(sched_date_parse("2027-02-29", &d), -1);
	ck_assert_int_eq(sched_date_parse("2027-1-01", &d), -1);
	ck_assert_str_eq(sched_session_id("rp-all", "2026-03-05", id),
	    "rp-all-20260305");
	ck_assert_int_eq(sched_working_day(NULL, "2026-03-06"), 1);
	ck_assert_int_eq(sched_working_day(NULL, "2026-03-07"), 0);
}
END_TEST

START_TEST(test_holidays_shipped)
{
	static const char	*in[] = {
		"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05",
		"2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
		"2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
		"2026-08-31", "2026-12-25", "2026-12-28", "2027-03-26",
		"2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
		"2027-12-27", "2027-12-28", "2028-01-03", "2028-04-14",
		"2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28",
		"2028-12-25", "2028-12-26",
	}, *out[] = {
		"2026-12-26", "2027-12-25", "2028-01-01", "2026-03-10",
	};
	struct sched_holidays	 h;
	struct err		 err;
	const char		*top;
	char			 path[4096];
	size_t			 i;

	if ((top = getenv("TOP_SRCDIR")) == NULL)
		top = ".";
	snprintf(path, sizeof(path), "%s/etc/holidays/england-and-wales.ics",
	    top);
	sched_holidays_init(&h);
	ck_assert_msg(ical_holidays_load_all((char *const[]){ path }, 1, &h,
	    &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(h.n, 32);	/* eight a year, 2025-2028 */
	for (i = 0; i < NELEM(in); i++)
		ck_assert_msg(sched_holidays_contains(&h, in[i]), "%s", in[i]);
	for (i = 0; i < NELEM(out); i++)
		ck_assert_msg(!sched_holidays_contains(&h, out[i]), "%s",
		    out[i]);
	for (i = 0; i < h.n; i++)
		ck_assert_int_eq(sched_working_day(NULL, h.dates[i]), 1);
	sched_holidays_free(&h);
}
END_TEST

#define CAL(body)	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" \
			body "END:VCALENDAR\r\n"

static const struct {
	const char	*text;
	const char	*want;		/* NULL: accepted */
	size_t		 n;		/* dates when accepted */
} ics_cases[] = {
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261225\r\n"
	    "END:VEVENT\r\n"), NULL, 1 },
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261224\r\n"
	    "DTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\n"), NULL, 3 },
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261224\r\n"
	    "DURATION:P2D\r\nEND:VEVENT\r\n"), NULL, 2 },
	{ "hello world\n", "x.ics: not an iCalendar file", 0 },
	{ "", "x.ics: not an iCalendar file", 0 },
	{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:garbage\n",
	    "x.ics: not an iCalendar file", 0 },
	{ CAL(""), "x.ics: no events", 0 },
	{ "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VEVENT\r\n",
	    "x.ics: not a VCALENDAR", 0 },
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:X\r\nDTSTART:garbage\r\n"
	    "END:VEVENT\r\n"), "x.ics:4: event has no readable DTSTART", 0 },
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261225\r\n"
	    "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Bad\r\n"
	    "END:VEVENT\r\n"), "x.ics:8: event has no DTSTART", 0 },
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Party\r\n"
	    "DTSTART:20261225T100000\r\nEND:VEVENT\r\n"),
	    "x.ics:4: event 'Party' starts at a time", 0 },
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261225\r\n"
	    "DTEND;VALUE=DATE:20261224\r\nEND:VEVENT\r\n"),
	    "ends before it starts", 0 },
	{ CAL("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20260101\r\n"
	    "DTEND;VALUE=DATE:20300101\r\nEND:VEVENT\r\n"),
	    "lasts more than 366 days", 0 },
};

START_TEST(test_holidays_parse)
{
	struct sched_holidays	h;
	struct err		err;
	int			rc;

	sched_holidays_init(&h);
	sched_holidays_add(&h, "2000-01-01");
	err_clear(&err);
	rc = ical_holidays_parse("x.ics", ics_cases[_i].text,
	    strlen(ics_cases[_i].text), &h, &err);
	if (ics_cases[_i].want == NULL) {
		ck_assert_msg(rc == 0, "%s", err.msg);
		ck_assert_uint_eq(h.n, 1 + ics_cases[_i].n);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(err.code, ERR_INVALID);
		ck_assert_msg(strstr(err.msg, ics_cases[_i].want) != NULL,
		    "got \"%s\", want \"%s\"", err.msg, ics_cases[_i].want);
		ck_assert_uint_eq(h.n, 1);	/* left as it was */
	}
	sched_holidays_free(&h);
}
END_TEST

START_TEST(test_holidays_files)
{
	struct sched_holidays	 h;
	struct err		 err;
	char			 dir[] = "/tmp/check_schedule.XXXXXX";
	char			 good[4096], bad[4096], *paths[2];
	char			 missing[] = "/nonexistent/holidays.ics";
	FILE			*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(good, sizeof(good), "%s/good.ics", dir);
	snprintf(bad, sizeof(bad), "%s/bad.ics", dir);
	ck_assert_ptr_nonnull(f = fopen(good, "w"));
	fputs(CAL("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261225\r\n"
	    "END:VEVENT\r\n"), f);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(bad, "w"));
	fputs("BEGIN:VCALENDAR\r\nthis is not\r\n", f);
	fputc('\0', f);
	fclose(f);

	sched_holidays_init(&h);
	paths[0] = good;
	ck_assert_int_eq(ical_holidays_load_all(paths, 1, &h, &err), 0);
	ck_assert_uint_eq(h.n, 1);
	/* A broken second file refuses the lot and keeps the old set. */
	paths[1] = bad;
	ck_assert_int_eq(ical_holidays_load_all(paths, 2, &h, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "bad.ics: not a text file"));
	ck_assert_uint_eq(h.n, 1);
	ck_assert(sched_holidays_contains(&h, "2026-12-25"));
	paths[1] = dir;
	ck_assert_int_eq(ical_holidays_load_all(paths, 2, &h, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
	paths[1] = missing;
	ck_assert_int_eq(ical_holidays_load_all(paths, 2, &h, &err), -1);
	ck_assert_str_eq(err.msg, "/nonexistent/holidays.ics: cannot open: "
	    "No such file or directory");
	sched_holidays_free(&h);
	unlink(good);
	unlink(bad);
	rmdir(dir);
}
END_TEST

/* ---- attendees -------------------------------------------------------- */

START_TEST(test_attendees)
{
	struct member		 m[10], cof;
	struct absence		 a[2];
	struct sched_absences	 ix;
	struct sched_attendee	*v;
	size_t			 n, i;
	static const struct {
		const char	*member;
		int		 role;
	} want[] = {
		{ "psy2", SCHED_PSYCHOLOGIST },
		{ "cof", SCHED_COFACILITATOR },
		{ "amy", SCHED_ATTENDEE },
		{ "fay", SCHED_ATTENDEE },
		{ "gil", SCHED_ATTENDEE },
		{ "mgr", SCHED_ATTENDEE },
	};
	const char	*date = "2026-03-13";	/* a Friday */

	mk_member(&m[0], "amy", ROLE_SOCIAL_WORKER, "", "");
	mk_member(&m[1], "bob", ROLE_SOCIAL_WORKER, "", "");	/* absent */
	mk_member(&m[2], "cal", ROLE_ASYE, "", "");
	m[2].days = 0x0f;				/* MO-TH */
	mk_member(&m[3], "dee", ROLE_SOCIAL_WORKER, "2026-03-16", "");
	mk_member(&m[4], "eve", ROLE_SOCIAL_WORKER, "2025-01-01",
	    "2026-03-12");				/* left */
	mk_member(&m[5], "fay", ROLE_SOCIAL_WORKER, "", "2026-03-13");
	mk_member(&m[6], "gil", ROLE_SOCIAL_WORKER, "2026-03-13", "");
	mk_member(&m[7], "psy1", ROLE_PSYCHOLOGIST, "", "");
	mk_member(&m[8], "mgr", ROLE_MANAGER, "", "");
	mk_member(&m[9], "amy", ROLE_SOCIAL_WORKER, "", "");	/* 2 teams */
	mk_member(&cof, "cof", ROLE_SOCIAL_WORKER, "", "");

	memset(a, 0, sizeof(a));
	snprintf(a[0].member, sizeof(a[0].member), "bob");
	snprintf(a[0].from, sizeof(a[0].from), "2026-03-09");
	snprintf(a[0].to, sizeof(a[0].to), "2026-03-13");
	snprintf(a[1].member, sizeof(a[1].member), "amy");
	snprintf(a[1].from, sizeof(a[1].from), "2026-03-14");
	snprintf(a[1].to, sizeof(a[1].to), "2026-03-20");
	sched_absences_init(&ix, a, NELEM(a));
	ck_assert_int_eq(sched_absent(&ix, "bob", "2026-03-09"), 1);
	ck_assert_int_eq(sched_absent(&ix, "bob", "2026-03-14"), 0);
	ck_assert_int_eq(sched_absent(&ix, "amy", "2026-03-13"), 0);
	ck_assert_int_eq(sched_absent(&ix, "zed", "2026-03-13"), 0);

	n = sched_attendees(m, NELEM(m), &ix, date, "psy2", &cof, &v);
	ck_assert_uint_eq(n, NELEM(want));
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(v[i].member, want[i].member);
		ck_assert_int_eq(v[i].role, want[i].role);
	}
	ck_assert_str_eq(sched_attendee_role_name(v[1].role),
	    "cofacilitator");
	free(v);

	/* Uncovered, and the co-facilitator absent: team members only. */
	snprintf(a[1].member, sizeof(a[1].member), "cof");
	snprintf(a[1].from, sizeof(a[1].from), "2026-03-13");
	sched_absences_free(&ix);
	sched_absences_init(&ix, a, NELEM(a));
	n = sched_attendees(m, NELEM(m), &ix, date, NULL, &cof, &v);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(v[0].member, "amy");
	ck_assert_int_eq(v[0].role, SCHED_ATTENDEE);
	free(v);
	/*
	 * On the Thursday cal works, eve has her last day, the starter gil
	 * has not begun and bob is still away.
	 */
	n = sched_attendees(m, NELEM(m), &ix, "2026-03-12", "psy1", NULL, &v);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(v[0].member, "psy1");
	ck_assert_str_eq(v[1].member, "amy");
	ck_assert_str_eq(v[2].member, "cal");
	ck_assert_str_eq(v[3].member, "eve");	/* her last day */
	ck_assert_str_eq(v[4].member, "fay");
	ck_assert_str_eq(v[5].member, "mgr");
	free(v);
	sched_absences_free(&ix);
}
END_TEST

/* ---- psychologist assignment ------------------------------------------ */

struct booking {
	const char	*psych;
	const char	*start;
	const char	*end;
};

static const struct {
	const char	*what;
	const char	*wanted;
	const char	*absent;	/* absent on 2026-03-10 */
	int		 ana_capacity;
	struct booking	 book[6];
	const char	*want;		/* "" uncovered */
	int		 cover;
	const char	*reason;	/* in the reason */
} assign_cases[] = {
	{ "free", "ana", NULL, 6, { { NULL, NULL, NULL } },
	    "ana", 0, "Dr Ana facilitates as planned" },
	{ "absent: the one with fewest that week covers", "ana", "ana", 6,
	    { { "ben", "2026-03-11T10:00", "2026-03-11T11:30" } },
	    "cat", 1, "Dr Ana is absent on 2026-03-10; covered by Dr Cat "
	    "(free, with the fewest sessions that week)" },
	{ "overlap within the buffer", "ana", NULL, 6,
	    { { "ana", "2026-03-10T11:45", "2026-03-10T13:00" } },
	    "ben", 1, "has another session (b0) within 30 minutes" },
	{ "overlapping outright", "ana", NULL, 6,
	    { { "ana", "2026-03-10T09:00", "2026-03-10T12:00" } },
	    "ben", 1, "has another session (b0)" },
	{ "exactly the buffer apart is fine", "ana", NULL, 6,
	    { { "ana", "2026-03-10T12:00", "2026-03-10T13:00" },
	      { "ana", "2026-03-10T08:00", "2026-03-10T09:30" } },
	    "ana", 0, "as planned" },
	{ "capacity reached that ISO week", "ana", NULL, 2,
	    { { "ana", "2026-03-09T10:00", "2026-03-09T11:00" },
	      { "ana", "2026-03-15T10:00", "2026-03-15T11:00" },
	      { "ben", "2026-03-12T10:00", "2026-03-12T11:00" } },
	    "cat", 1, "is at capacity (2 sessions) in the week of 2026-03-10" },
	{ "last week's sessions do not count", "ana", NULL, 2,
	    { { "ana", "2026-03-08T10:00", "2026-03-08T11:00" },
	      { "ana", "2026-03-07T10:00", "2026-03-07T11:00" } },
	    "ana", 0, "as planned" },
	{ "a tie goes by slug", "ana", "ana", 6, { { NULL, NULL, NULL } },
	    "ben", 1, "covered by Dr Ben (free, with the fewest" },
	{ "cover skips the busy and the absent", "ana", "ana", 6,
	    { { "ben", "2026-03-10T10:30", "2026-03-10T11:00" } },
	    "cat", 1, "covered by Dr Cat" },
	{ "nobody free", "ana", "all", 6, { { NULL, NULL, NULL } },
	    "", 0, "Dr Ana is absent on 2026-03-10; no other psychologist is "
	    "free, so the session is uncovered" },
	{ "no psychologist named", "", NULL, 6, { { NULL, NULL, NULL } },
	    "ana", 1, "the series has no psychologist; covered by Dr Ana" },
	{ "a leaver is not covering", "dan", "ana", 6,
	    { { "ben", "2026-03-10T10:30", "2026-03-10T11:00" },
	      { "cat", "2026-03-10T10:30", "2026-03-10T11:00" } },
	    "", 0, "Dr Dan left on 2026-03-01" },
};

START_TEST(test_assign)
{
	struct member		 p[4];
	struct absence		 a[4];
	struct sched_absences	 ix;
	struct sched_book	*b;
	struct sched_assign	 in;
	struct sched_choice	 c;
	char			 id[16];
	size_t			 i, na = 0;
	int			 rc;
	static const char	*names[] = { "ana", "ben", "cat", "dan" };

	for (i = 0; i < NELEM(p); i++) {
		mk_member(&p[i], names[i], ROLE_PSYCHOLOGIST, "", "");
		snprintf(p[i].name, sizeof(p[i].name), "Dr %c%s",
		    names[i][0] - 'a' + 'A', names[i] + 1);
	}
	snprintf(p[3].end, sizeof(p[3].end), "2026-03-01");
	p[0].capacity = assign_cases[_i].ana_capacity;
	memset(a, 0, sizeof(a));
	for (i = 0; i < 3 && assign_cases[_i].absent != NULL; i++) {
		if (strcmp(assign_cases[_i].absent, "all") != 0 &&
		    strcmp(assign_cases[_i].absent, names[i]) != 0)
			continue;
		snprintf(a[na].member, sizeof(a[na].member), "%s", names[i]);
		snprintf(a[na].from, sizeof(a[na].from), "2026-03-09");
		snprintf(a[na].to, sizeof(a[na].to), "2026-03-10");
		na++;
	}
	sched_absences_init(&ix, a, na);
	b = sched_book_new();
	for (i = 0; assign_cases[_i].book[i].psych != NULL; i++) {
		snprintf(id, sizeof(id), "b%zu", i);
		sched_book_add(b, assign_cases[_i].book[i].psych, id,
		    T(assign_cases[_i].book[i].start),
		    T(assign_cases[_i].book[i].end));
	}
	memset(&in, 0, sizeof(in));
	in.wanted = assign_cases[_i].wanted;
	in.psychs = p;
	in.npsychs = NELEM(p);
	in.absences = &ix;
	in.book = b;
	in.start = T("2026-03-10T10:00");
	in.end = T("2026-03-10T11:30");
	in.buffer_minutes = 30;
	rc = sched_assign_psychologist(&in, &c);
	ck_assert_int_eq(rc, assign_cases[_i].want[0] == '\0' ? -1 : 0);
	ck_assert_str_eq(c.psychologist, assign_cases[_i].want);
	ck_assert_int_eq(c.cover, assign_cases[_i].cover);
	ck_assert_msg(strstr(c.reason, assign_cases[_i].reason) != NULL,
	    "%s: got \"%s\", want \"%s\"", assign_cases[_i].what, c.reason,
	    assign_cases[_i].reason);
	sched_book_free(b);
	sched_absences_free(&ix);
}
END_TEST

START_TEST(test_book)
{
	struct sched_book	*b;
	char			 id[16];
	int			 i;

	b = sched_book_new();
	/* A year of fortnightly sessions, added out of order. */
	for (i = 25; i >= 0; i--) {
		snprintf(id, sizeof(id), "s-%d", i);
		sched_book_add(b, "ana", id, T("2026-01-06T10:00") +
		    (time_t)i * 14 * 86400, T("2026-01-06T11:30") +
		    (time_t)i * 14 * 86400);
	}
	ck_assert_int_eq(sched_book_week_count(b, "ana",
	    T("2026-01-08T10:00")), 1);
	ck_assert_int_eq(sched_book_week_count(b, "ana",
	    T("2026-01-13T10:00")), 0);
	ck_assert_int_eq(sched_book_week_count(b, "ben",
	    T("2026-01-08T10:00")), 0);
	ck_assert_str_eq(sched_book_conflict(b, "ana", T("2026-01-20T11:45"),
	    T("2026-01-20T12:45"), 30), "s-1");
	ck_assert_ptr_null(sched_book_conflict(b, "ana",
	    T("2026-01-20T12:00"), T("2026-01-20T12:45"), 30));
	ck_assert_ptr_null(sched_book_conflict(b, "ana",
	    T("2026-01-20T09:00"), T("2026-01-20T10:00"), 0));
	ck_assert_str_eq(sched_book_conflict(b, "ana", T("2026-01-20T09:00"),
	    T("2026-01-20T10:01"), 0), "s-1");
	/* The same session at the same start again: once, longer now. */
	sched_book_add(b, "ana", "s-1", T("2026-01-20T10:00"),
	    T("2026-01-20T12:00"));
	ck_assert_int_eq(sched_book_week_count(b, "ana",
	    T("2026-01-20T10:00")), 1);
	ck_assert_str_eq(sched_book_conflict(b, "ana", T("2026-01-20T12:15"),
	    T("2026-01-20T13:00"), 30), "s-1");
	/* A move is a removal and a booking; removing frees. */
	ck_assert_int_eq(sched_book_remove(b, "ana", "s-1"), 1);
	sched_book_add(b, "ana", "s-1", T("2026-01-21T10:00"),
	    T("2026-01-21T11:30"));
	ck_assert_ptr_null(sched_book_conflict(b, "ana",
	    T("2026-01-20T10:00"), T("2026-01-20T11:00"), 30));
	ck_assert_int_eq(sched_book_week_count(b, "ana",
	    T("2026-01-20T10:00")), 1);
	ck_assert_int_eq(sched_book_remove(b, "ana", "s-1"), 1);
	ck_assert_int_eq(sched_book_remove(b, "ana", "s-1"), 0);
	ck_assert_int_eq(sched_book_week_count(b, "ana",
	    T("2026-01-20T10:00")), 0);
	sched_book_free(b);
	sched_book_free(NULL);
}
END_TEST

/* ---- supervision gap -------------------------------------------------- */

static const struct {
	const char	*last;
	const char	*since;
	const char	*today;
	int		 max;
	long		 days;
	int		 overdue;
} gap_cases[] = {
	{ "2026-03-01", "", "2026-03-29", 28, 28, 0 },
	{ "2026-03-01", "", "2026-03-30", 28, 29, 1 },
	{ "2026-02-20", "", "2026-03-10", 14, 18, 1 },
	{ "2025-12-31", "", "2026-01-01", 28, 1, 0 },
	{ "", "2026-01-01", "2026-03-01", 28, -1, 1 },
	{ "", "2026-02-20", "2026-03-01", 28, -1, 0 },
	{ "", "", "2026-03-01", 28, -1, 0 },
};

START_TEST(test_gap)
{
	struct sched_gap	g;

	sched_gap(gap_cases[_i].last, gap_cases[_i].since,
	    gap_cases[_i].today, gap_cases[_i].max, &g);
	ck_assert_int_eq(g.days_since, gap_cases[_i].days);
	ck_assert_int_eq(g.overdue, gap_cases[_i].overdue);
}
END_TEST

static Suite *
schedule_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("schedule");
	tc = tcase_create("ical");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fortnightly_dst);
	tcase_add_test(tc, test_monthly_byday);
	tcase_add_loop_test(tc, test_rrule_refused, 0, NELEM(bad_rrules));
	tcase_add_test(tc, test_local_time);
	tcase_add_test(tc, test_holidays_shipped);
	tcase_add_loop_test(tc, test_holidays_parse, 0, NELEM(ics_cases));
	tcase_add_test(tc, test_holidays_files);
	suite_add_tcase(s, tc);

	tc = tcase_create("schedule");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_isoweek_kept);
	tcase_add_loop_test(tc, test_occurrences, 0, NELEM(occ_cases));
	tcase_add_test(tc, test_attendees);
	tcase_add_loop_test(tc, test_assign, 0, NELEM(assign_cases));
	tcase_add_test(tc, test_book);
	tcase_add_loop_test(tc, test_gap, 0, NELEM(gap_cases));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(schedule_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
