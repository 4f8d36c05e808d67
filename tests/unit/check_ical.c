/*
 * Unit tests for the calendars ical.c builds: the VTIMEZONE is checked
 * against the system's zoneinfo, read through the C library (TZ, tzset,
 * localtime_r) and not through libical, for every year from 2026 to 2045
 * in zones north and south of the equator, with and without daylight
 * saving, with changes on the last, the nth and the "first on or after
 * the 2nd" Sunday; every DTSTART must be a real date, in the text as
 * well as parsed; events in years whose rules differ get libical's full
 * copy of the zone; every VEVENT says X-MICROSOFT-DISALLOW-COUNTER.
 * RRULEs: a rule that yields nothing is refused at once, however long
 * libical would search for it (BYSETPOS beyond any month, a day no month
 * has), and the rules that do yield, sparse ones too, keep their first
 * occurrences; the libical readings that the bound's look-ahead mirrors
 * are pinned here, so a libical that reads them otherwise fails a test.
 * Pure: no database, clock or network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <libical/ical.h>

#include "err.h"
#include "ical.h"
#include "xmalloc.h"

#define FIRST_YEAR	2026
#define LAST_YEAR	2045
#define MAX_CHANGES	8

struct change {
	time_t	at;
	int	from;
	int	to;
};

static const char *zones[] = {
	"Europe/London",	/* last Sunday, 01:00 UTC */
	"Europe/Dublin",	/* the same, with a negative DST in tzdata */
	"Europe/Paris",
	"America/New_York",	/* second Sunday of March, first of November */
	"America/Santiago",	/* Sunday on or after the 2nd, at 24:00 */
	"Australia/Sydney",	/* south: daylight over the new year */
	"Pacific/Auckland",	/* last Sunday of September, first of April */
	"Asia/Kolkata",		/* no daylight saving, +05:30 */
	"America/Nuuk",		/* changes at -1:00 and 0:00 local */
	"Australia/Lord_Howe",	/* a half-hour daylight saving */
	"Pacific/Chatham",	/* +12:45 / +13:45 */
	"Africa/Casablanca",	/* Ramadan: four changes, the full copy */
	"UTC"
};

static time_t	year_start(int);
static int	sys_offset(time_t);
static size_t	sys_changes(const char *, int, struct change *);
static char	*build(const char *, const time_t *, size_t);
static time_t	midyear(int);
static int	real_date(const char *);
static size_t	raw_dates(const char *);
static size_t	count(const char *, const char *);
static void	check_year(const char *, const char *, int);
static Suite	*ical_suite(void);
static time_t	rr_start(void);
static void	rr_date(time_t, char[11]);
static double	rr_secs(void);

/* Rules that yield nothing, some of which libical searched for seconds. */
static const char *const rr_never[] = {
	"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=-366",
	"FREQ=MONTHLY;BYMONTHDAY=1;BYSETPOS=6",
	"FREQ=MONTHLY;BYMONTHDAY=1;BYSETPOS=-366",
	"FREQ=MONTHLY;BYSETPOS=6",
	"FREQ=MONTHLY;BYDAY=TU,MO,WE;BYSETPOS=-20",
	"FREQ=MONTHLY;BYMONTHDAY=31;BYSETPOS=2",
	"FREQ=MONTHLY;BYMONTH=3;BYSETPOS=40",
	"FREQ=MONTHLY;BYMONTHDAY=31,15;BYDAY=SU,TH,FR;BYSETPOS=3",
	"FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-30",
	"FREQ=YEARLY;BYMONTH=1;BYDAY=6MO",
	"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-30",
	"FREQ=YEARLY;BYDAY=-1FR;BYMONTHDAY=-3,-2,-1",
	"FREQ=YEARLY;BYMONTHDAY=1;BYSETPOS=2",
	"FREQ=DAILY;BYMONTHDAY=-30;BYMONTH=2",
	"FREQ=DAILY;BYMONTHDAY=-29",
	"FREQ=DAILY;INTERVAL=7;BYDAY=TU",
	"FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31;BYMONTH=2,4",
	"FREQ=MONTHLY;BYSETPOS=-366;UNTIL=20260301T000000Z",
};

/* Rules that yield, with their first date from 2026-01-05 10:00. */
static const struct {
	const char	*rule;
	const char	*first;
} rr_yields[] = {
	{ "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "2026-01-06" },
	{ "FREQ=MONTHLY;BYDAY=1TU", "2026-01-06" },
	{ "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1", "2026-01-27" },
	{ "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-01-30" },
	{ "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=6", "2026-01-06" },
	{ "FREQ=MONTHLY;BYMONTHDAY=-1", "2026-01-31" },
	{ "FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR", "2026-02-13" },
	{ "FREQ=MONTHLY", "2026-01-05" },
	{ "FREQ=YEARLY;BYDAY=53MO", "2029-12-31" },
	{ "FREQ=YEARLY;BYYEARDAY=-1;BYDAY=SU", "2028-12-31" },
	{ "FREQ=YEARLY;BYYEARDAY=100", "2026-04-10" },
	{ "FREQ=YEARLY;BYWEEKNO=3;BYDAY=TU", "2026-01-13" },
	{ "FREQ=YEARLY;BYMONTH=3;BYDAY=2MO", "2026-03-09" },
	{ "FREQ=DAILY;BYDAY=MO;BYMONTHDAY=13;BYMONTH=2", "2034-02-13" },
	{ "FREQ=DAILY;INTERVAL=3;BYDAY=FR", "2026-01-23" },
};

static time_t
year_start(int year)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 1;
	return (timegm(&tm));
}

static time_t
midyear(int year)
{
	return (year_start(year) + 165 * 86400 + 12 * 3600);
}

static int
sys_offset(time_t t)
{
	struct tm	tm;

	ck_assert_ptr_nonnull(localtime_r(&t, &tm));
	return ((int)tm.tm_gmtoff);
}

/*
 * The offset changes of zone in the UTC year, as the C library has them:
 * day by day, then bisected to the second.  TZ is restored afterwards.
 */
static size_t
sys_changes(const char *zone, int year, struct change *c)
{
	char	*saved = NULL;
	time_t	 from, until, d, lo, hi, mid;
	size_t	 n = 0;
	int	 off, next;

	if (getenv("TZ") != NULL)
		saved = xstrdup(getenv("TZ"));
	ck_assert_int_eq(setenv("TZ", zone, 1), 0);
	tzset();
	from = year_start(year);
	until = year_start(year + 1);
	off = sys_offset(from);
	for (d = from; d < until; d += 86400) {
		if ((next = sys_offset(d + 86400)) == off)
			continue;
		lo = d;
		hi = d + 86400;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (sys_offset(mid) == off)
				lo = mid;
			else
				hi = mid;
		}
		ck_assert_uint_lt(n, MAX_CHANGES);
		c[n].at = hi;
		c[n].from = off;
		c[n].to = next;
		n++;
		off = next;
	}
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	return (n);
}

/* A REQUEST with an hour-long event at each of starts (malloc'd). */
static char *
build(const char *tz, const time_t *starts, size_t n)
{
	struct ical_event	 ev[4];
	struct err		 err;
	char			*cal, uid[32];
	size_t			 i, len;

	ck_assert_uint_le(n, 4);
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < n; i++) {
		snprintf(uid, sizeof(uid), "e%zu@example.org", i);
		ev[i].uid = xstrdup(uid);
		ev[i].dtstamp = starts[i];
		ev[i].start = starts[i];
		ev[i].end = starts[i] + 3600;
		ev[i].summary = "Group supervision";
	}
	err_clear(&err);
	cal = ical_calendar_build(ICAL_MSG_REQUEST, tz, ev, n, &len, &err);
	ck_assert_msg(cal != NULL, "%s: %s", tz, err.msg);
	ck_assert_uint_eq(strlen(cal), len);
	for (i = 0; i < n; i++)
		free((char *)ev[i].uid);
	return (cal);
}

/* "YYYYMMDDTHHMMSS" (then "Z", ",", CR or the end) naming a real time. */
static int
real_date(const char *s)
{
	static const int	mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			i, y, mo, d, h, mi, se, dim;

	for (i = 0; i < 15; i++)
		if (i == 8 ? s[i] != 'T' : s[i] < '0' || s[i] > '9')
			return (0);
	if (sscanf(s, "%4d%2d%2dT%2d%2d%2d", &y, &mo, &d, &h, &mi, &se) != 6)
		return (0);
	if (mo < 1 || mo > 12)
		return (0);
	dim = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0));
	return (d >= 1 && d <= dim && h < 24 && mi < 60 && se < 60);
}

/*
 * Every DTSTART and RDATE in the text's VTIMEZONE, as written (a parser
 * might mend "19701032"): each must be a real date.  Returns how many.
 */
static size_t
raw_dates(const char *cal)
{
	const char	*p, *end, *v;
	size_t		 n = 0;

	p = strstr(cal, "BEGIN:VTIMEZONE\r\n");
	ck_assert_ptr_nonnull(p);
	end = strstr(p, "END:VTIMEZONE\r\n");
	ck_assert_ptr_nonnull(end);
	for (; p != NULL && p < end; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncmp(p, "DTSTART:", 8) == 0)
			v = p + 8;
		else if (strncmp(p, "RDATE:", 6) == 0)
			v = p + 6;
		else
			continue;
		for (;;) {
			ck_assert_msg(real_date(v), "not a real date: %.*s",
			    (int)strcspn(p, "\r"), p);
			n++;
			if (v[15] != ',')
				break;
			v += 16;
		}
	}
	return (n);
}

static size_t
count(const char *s, const char *what)
{
	size_t	n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s++;
	}
	return (n);
}

/*
 * The calendar's VTIMEZONE describes exactly the changes that the system's
 * zoneinfo has in year: every occurrence of every observance (DTSTART,
 * RRULE from DTSTART, RDATE) whose instant (local time minus TZOFFSETFROM)
 * falls in the year is one of them, with the same offsets, and none is
 * missing.  The event's DTSTART, read back through this VTIMEZONE, is the
 * instant it was built from when midyear(year) is one of the events.
 */
static void
check_year(const char *cal, const char *tz, int year)
{
	struct change		 sys[MAX_CHANGES];
	int			 seen[MAX_CHANGES];
	icalcomponent		*ic, *vtz, *obs, *ev;
	icalproperty		*p;
	icalrecur_iterator	*it;
	icaltimezone		*z;
	struct icaltimetype	 start, o;
	struct icalrecurrencetype r;
	struct tm		 tm;
	time_t			 from, until, at, want = midyear(year);
	size_t			 nsys, i, found = 0, steps;
	int			 off_from, off_to, k, matched;

	nsys = sys_changes(tz, year, sys);
	memset(seen, 0, sizeof(seen));
	from = year_start(year);
	until = year_start(year + 1);
	ic = icalparser_parse_string(cal);
	ck_assert_ptr_nonnull(ic);
	vtz = icalcomponent_get_first_component(ic, ICAL_VTIMEZONE_COMPONENT);
	ck_assert_ptr_nonnull(vtz);
	p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(icalproperty_get_tzid(p), tz);
	for (obs = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    obs != NULL;
	    obs = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		ck_assert(icalcomponent_isa(obs) == ICAL_XSTANDARD_COMPONENT ||
		    icalcomponent_isa(obs) == ICAL_XDAYLIGHT_COMPONENT);
		p = icalcomponent_get_first_property(obs,
		    ICAL_DTSTART_PROPERTY);
		ck_assert_ptr_nonnull(p);
		start = icalproperty_get_dtstart(p);
		ck_assert(start.month >= 1 && start.month <= 12);
		ck_assert(start.day >= 1 &&
		    start.day <= icaltime_days_in_month(start.month,
		    start.year));
		p = icalcomponent_get_first_property(obs,
		    ICAL_TZOFFSETFROM_PROPERTY);
		ck_assert_ptr_nonnull(p);
		off_from = icalproperty_get_tzoffsetfrom(p);
		p = icalcomponent_get_first_property(obs,
		    ICAL_TZOFFSETTO_PROPERTY);
		ck_assert_ptr_nonnull(p);
		off_to = icalproperty_get_tzoffsetto(p);

		/* The instants of the observance: 1 + RRULE's + RDATEs. */
		it = NULL;
		if ((p = icalcomponent_get_first_property(obs,
		    ICAL_RRULE_PROPERTY)) != NULL) {
			r = icalproperty_get_rrule(p);
			it = icalrecur_iterator_new(r, start);
			ck_assert_ptr_nonnull(it);
		}
		p = icalcomponent_get_first_property(obs, ICAL_RDATE_PROPERTY);
		for (steps = 0, o = start; steps < 10000; steps++) {
			if (steps > 0 && it != NULL)
				o = icalrecur_iterator_next(it);
			else if (steps > 0 && p != NULL) {
				o = icalproperty_get_rdate(p).time;
				p = icalcomponent_get_next_property(obs,
				    ICAL_RDATE_PROPERTY);
			} else if (steps > 0)
				break;
			if (icaltime_is_null_time(o)) {
				/* The RRULE is done; the RDATEs follow. */
				icalrecur_iterator_free(it);
				it = NULL;
				continue;
			}
			if (it != NULL && o.year > year + 1) {
				icalrecur_iterator_free(it);
				it = NULL;
				continue;
			}
			memset(&tm, 0, sizeof(tm));
			tm.tm_year = o.year - 1900;
			tm.tm_mon = o.month - 1;
			tm.tm_mday = o.day;
			tm.tm_hour = o.hour;
			tm.tm_min = o.minute;
			tm.tm_sec = o.second;
			at = timegm(&tm) - off_from;
			if (at < from || at >= until)
				continue;
			matched = 0;
			for (i = 0; i < nsys; i++) {
				if (sys[i].at != at)
					continue;
				ck_assert_msg(sys[i].from == off_from &&
				    sys[i].to == off_to, "%s %d: change at "
				    "%lld is %d -> %d, VTIMEZONE says %d -> %d",
				    tz, year, (long long)at, sys[i].from,
				    sys[i].to, off_from, off_to);
				if (!seen[i])
					found++;
				seen[i] = matched = 1;
			}
			ck_assert_msg(matched, "%s %d: the VTIMEZONE changes "
			    "at %04d-%02d-%02dT%02d:%02d:%02d (%+d s), the "
			    "system does not", tz, year, o.year, o.month,
			    o.day, o.hour, o.minute, o.second, off_from);
		}
		if (it != NULL)
			icalrecur_iterator_free(it);
	}
	for (k = 0; k < (int)nsys; k++)
		ck_assert_msg(seen[k], "%s %d: the system changes at %lld "
		    "(%d -> %d), the VTIMEZONE does not", tz, year,
		    (long long)sys[k].at, sys[k].from, sys[k].to);
	ck_assert_uint_eq(found, nsys);

	/* The event at midyear(year), read back through the VTIMEZONE. */
	z = icalcomponent_get_timezone(ic, tz);
	ck_assert_ptr_nonnull(z);
	for (ev = icalcomponent_get_first_component(ic, ICAL_VEVENT_COMPONENT);
	    ev != NULL;
	    ev = icalcomponent_get_next_component(ic, ICAL_VEVENT_COMPONENT)) {
		p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
		ck_assert_ptr_nonnull(p);
		o = icalproperty_get_dtstart(p);
		if (o.year != year)
			continue;
		ck_assert_int_eq((long long)icaltime_as_timet_with_zone(o, z),
		    (long long)want);
	}
	icalcomponent_free(ic);
}

/* Every year, one event: the VTIMEZONE is right for that year. */
START_TEST(test_vtimezone_years)
{
	const char	*tz = zones[_i];
	char		*cal;
	time_t		 t;
	int		 year;

	for (year = FIRST_YEAR; year <= LAST_YEAR; year++) {
		t = midyear(year);
		cal = build(tz, &t, 1);
		ck_assert_uint_gt(raw_dates(cal), 0);
		check_year(cal, tz, year);
		ck_assert_uint_eq(count(cal,
		    "\r\nX-MICROSOFT-DISALLOW-COUNTER:TRUE\r\n"), 1);
		if (strcmp(tz, "Africa/Casablanca") != 0) {
			/* Compact: one STANDARD, at most one DAYLIGHT. */
			ck_assert_uint_eq(count(cal, "BEGIN:STANDARD"), 1);
			ck_assert_uint_le(count(cal, "BEGIN:DAYLIGHT"), 1);
			ck_assert_uint_eq(2 * count(cal, "BEGIN:DAYLIGHT"),
			    count(cal, "RRULE:"));
		}
		free(cal);
	}
}
END_TEST

/* The years whose last Sunday of October is the 29th to the 31st. */
START_TEST(test_vtimezone_late_october)
{
	static const int	years[] = { 2027, 2028, 2032, 2033, 2038 };
	char			*cal;
	time_t			 t;
	size_t			 i;

	for (i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
		t = midyear(years[i]);
		cal = build("Europe/London", &t, 1);
		ck_assert_ptr_nonnull(strstr(cal, "BEGIN:STANDARD\r\n"
		    "DTSTART:19701025T020000\r\nTZOFFSETFROM:+0100\r\n"
		    "TZOFFSETTO:+0000\r\n"));
		ck_assert_ptr_nonnull(strstr(cal, "BEGIN:DAYLIGHT\r\n"
		    "DTSTART:19700329T010000\r\nTZOFFSETFROM:+0000\r\n"
		    "TZOFFSETTO:+0100\r\n"));
		ck_assert_ptr_nonnull(strstr(cal,
		    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"));
		ck_assert_ptr_nonnull(strstr(cal,
		    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"));
		free(cal);
	}
}
END_TEST

/* A feed over several years with the same rules: still compact. */
START_TEST(test_vtimezone_years_same_rules)
{
	static const char	*tzs[] = { "Europe/London", "America/New_York",
				    "Pacific/Auckland", "Asia/Kolkata" };
	time_t			 t[3];
	char			*cal;
	size_t			 i;

	t[0] = midyear(2032);
	t[1] = midyear(2026);
	t[2] = midyear(2027);
	for (i = 0; i < sizeof(tzs) / sizeof(tzs[0]); i++) {
		cal = build(tzs[i], t, 3);
		ck_assert_uint_eq(count(cal, "BEGIN:VTIMEZONE"), 1);
		ck_assert_uint_eq(count(cal, "BEGIN:STANDARD"), 1);
		ck_assert_uint_le(count(cal, "BEGIN:DAYLIGHT"), 1);
		raw_dates(cal);
		check_year(cal, tzs[i], 2026);
		check_year(cal, tzs[i], 2027);
		check_year(cal, tzs[i], 2032);
		ck_assert_uint_eq(count(cal,
		    "\r\nX-MICROSOFT-DISALLOW-COUNTER:TRUE\r\n"), 3);
		free(cal);
	}
}
END_TEST

/*
 * Santiago changes on the first Sunday on or after the 2nd: the first
 * Sunday of April 2028, the second of April 2029 (the 1st is a Sunday).
 * Each year alone is compact; both together get libical's full copy,
 * under the bare TZID, with real dates, right for both years.
 */
START_TEST(test_vtimezone_years_differ)
{
	time_t	 t[2];
	char	*cal;

	t[0] = midyear(2028);
	cal = build("America/Santiago", t, 1);
	ck_assert_ptr_nonnull(strstr(cal, "BYDAY=1SU;BYMONTH=4\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "DTSTART:19700405T000000\r\n"));
	free(cal);
	t[1] = midyear(2029);
	cal = build("America/Santiago", &t[1], 1);
	ck_assert_ptr_nonnull(strstr(cal, "BYDAY=2SU;BYMONTH=4\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "DTSTART:19700412T000000\r\n"));
	free(cal);

	cal = build("America/Santiago", t, 2);
	ck_assert_uint_eq(count(cal, "BEGIN:VTIMEZONE"), 1);
	ck_assert_ptr_nonnull(strstr(cal, "BEGIN:VTIMEZONE\r\n"
	    "TZID:America/Santiago\r\n"));
	ck_assert_ptr_null(strstr(cal, "freeassociation"));
	ck_assert_uint_gt(count(cal, "BEGIN:STANDARD"), 1);
	ck_assert_uint_gt(raw_dates(cal), 10);
	check_year(cal, "America/Santiago", 2028);
	check_year(cal, "America/Santiago", 2029);
	free(cal);

	/* Events more than TZ_MAX_YEARS apart: the full copy too. */
	t[0] = midyear(2026);
	t[1] = midyear(2100);
	cal = build("Europe/London", t, 2);
	ck_assert_uint_gt(count(cal, "BEGIN:STANDARD"), 1);
	ck_assert_uint_gt(raw_dates(cal), 10);
	check_year(cal, "Europe/London", 2026);
	free(cal);
}
END_TEST

static time_t
rr_start(void)
{
	struct err	err;
	time_t		t;

	ck_assert_int_eq(ical_local_time("Europe/London", "2026-01-05T10:00",
	    &t, &err), 0);
	return (t);
}

static void
rr_date(time_t t, char buf[11])
{
	struct tm	tm;

	setenv("TZ", "Europe/London", 1);
	tzset();
	ck_assert_ptr_nonnull(localtime_r(&t, &tm));
	ck_assert_uint_eq(strftime(buf, 11, "%Y-%m-%d", &tm), 10);
}

static double
rr_secs(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Refused as invalid at once, by check and by expansion alike. */
START_TEST(test_rrule_never)
{
	const char	*rule = rr_never[_i];
	struct err	 err;
	time_t		 t0 = rr_start(), *v = NULL;
	size_t		 n = 0;
	double		 t;

	t = rr_secs();
	err_clear(&err);
	ck_assert_int_eq(ical_rrule_check(rule, "Europe/London", t0, 84,
	    &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "RRULE") != NULL, "%s: %s", rule,
	    err.msg);
	err_clear(&err);
	ck_assert_int_eq(ical_rrule_expand(rule, "Europe/London", t0, t0,
	    t0 + 365 * 86400, &v, &n, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_ptr_null(v);
	/* libical alone took 0.1 to 3 seconds over most of these. */
	t = rr_secs() - t;
	ck_assert_msg(t < 0.05, "%s took %.3f s to refuse", rule, t);
}
END_TEST

START_TEST(test_rrule_yields)
{
	struct err	 err;
	time_t		 t0 = rr_start(), *v = NULL;
	size_t		 n = 0;
	char		 day[11];

	err_clear(&err);
	ck_assert_msg(ical_rrule_expand(rr_yields[_i].rule, "Europe/London",
	    t0, t0, t0 + (time_t)10 * 365 * 86400, &v, &n, &err) == 0,
	    "%s: %s", rr_yields[_i].rule, err.msg);
	ck_assert_uint_gt(n, 0);
	rr_date(v[0], day);
	ck_assert_msg(strcmp(day, rr_yields[_i].first) == 0,
	    "%s: first %s, want %s", rr_yields[_i].rule, day,
	    rr_yields[_i].first);
	free(v);
}
END_TEST

/*
 * The libical readings the look-ahead mirrors: a YEARLY rule's month days
 * without BYMONTH are in the start's month only, and a DAILY rule cannot
 * count month days from the end (refused, saying so).
 */
START_TEST(test_rrule_libical_readings)
{
	struct err	 err;
	time_t		 t0 = rr_start(), *v = NULL;
	size_t		 n = 0, i;
	char		 day[11];

	err_clear(&err);
	ck_assert_int_eq(ical_rrule_expand("FREQ=YEARLY;BYMONTHDAY=15",
	    "Europe/London", t0, t0, t0 + 3 * 366 * 86400, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		rr_date(v[i], day);
		ck_assert_msg(strncmp(day + 4, "-01-15", 6) == 0, "%s", day);
	}
	free(v);

	err_clear(&err);
	ck_assert_int_eq(ical_rrule_check("FREQ=DAILY;BYMONTHDAY=-1",
	    "Europe/London", t0, 84, &err), -1);
	ck_assert_msg(strstr(err.msg, "BYMONTHDAY=-1") != NULL &&
	    strstr(err.msg, "MONTHLY") != NULL, "%s", err.msg);
}
END_TEST

/* One invitation's calendar, with the attendee's role and description. */
static char *
kept_one(int role, const char *desc, const char *who)
{
	struct ical_attendee	 a[2];
	struct ical_event	 ev;
	struct err		 err;
	char			*cal;
	size_t			 len;

	memset(a, 0, sizeof(a));
	a[0].name = "Dr Ana Okoro";
	a[0].email = "ana@example.org";
	a[0].role = ICAL_ATT_CHAIR;
	a[1].name = who;
	a[1].email = "sam@example.org";
	a[1].role = role;
	memset(&ev, 0, sizeof(ev));
	ev.uid = "gs-north-20260105@example.org";
	ev.dtstamp = 1767600000;
	ev.start = 1767607200;
	ev.end = ev.start + 5400;
	ev.summary = "Group supervision";
	ev.description = desc;
	ev.attendees = a;
	ev.nattendees = 2;
	err_clear(&err);
	cal = ical_calendar_build(ICAL_MSG_REQUEST, "Europe/London", &ev, 1,
	    &len, &err);
	ck_assert_msg(cal != NULL, "%s", err.msg);
	ck_assert_uint_eq(strlen(cal), len);
	return (cal);
}

/* A calendar built again from the same inputs is kept; any change shows. */
START_TEST(test_calendar_kept)
{
	char	*first, *role, *desc, *name, *again;

	first = kept_one(ICAL_ATT_REQ, "Presenting: nobody", "Sam Reid");
	role = kept_one(ICAL_ATT_OPT, "Presenting: nobody", "Sam Reid");
	desc = kept_one(ICAL_ATT_REQ, "Presenting: you (C-104)", "Sam Reid");
	name = kept_one(ICAL_ATT_REQ, "Presenting: nobody", "Sam Reed");
	again = kept_one(ICAL_ATT_REQ, "Presenting: nobody", "Sam Reid");
	ck_assert(strstr(first, "REQ-PARTICIPANT") != NULL);
	ck_assert(strstr(role, "OPT-PARTICIPANT") != NULL);
	ck_assert(strstr(desc, "C-104") != NULL);
	ck_assert(strstr(first, "C-104") == NULL);
	ck_assert(strstr(name, "Sam Reed") != NULL);
	ck_assert_str_eq(first, again);
	ck_assert(first != again);
	free(first);
	free(role);
	free(desc);
	free(name);
	free(again);
}
END_TEST

/*
 * A presenter's copy is the last calendar's text with its own DESCRIPTION
 * written in: byte for byte what building it whole gives, whatever the
 * two descriptions' lengths, folds, escapes and multi-byte characters.
 */
static const char *spliced_desc[] = {
	"Psychologist: Dr Ana Okoro\nPresenting: Sam Reid and Jo Marsh",
	"Psychologist: Dr Ana Okoro\nPresenting: Sam Reid and Jo Marsh\n"
	    "You are presenting case C-104.",
	"x",
	"Commas, semicolons; back\\slashes and \"quotes\" escape; the "
	    "line runs on long enough to fold more than twice over the "
	    "seventy-five octets a line may hold, and then some more",
	/* "Zoe Okoro -- unicode" with diaereses, a macron and dashes. */
	"Zo\xc3\xab \xc5\x8c" "koro \xe2\x80\x94 \xc3\xbc" "n\xc3\xaf" "c"
	    "\xc3\xb6" "de \xc3\xa0 la fois\xe2\x80\xa6 \xe2\x80\x94 \xe2\x80"
	    "\x94 \xe2\x80\x94 \xe2\x80\x94 \xe2\x80\x94 \xe2\x80\x94 "
	    "\xe2\x80\x94 folds between characters, never inside one",
};

START_TEST(test_calendar_desc_spliced)
{
	const size_t	 n = sizeof(spliced_desc) / sizeof(spliced_desc[0]);
	size_t		 i, j, built0, spliced0, built, spliced;
	char		*base, *spliced_cal, *whole;

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			if (i == j)
				continue;
			ical_shutdown();
			ical_build_counts(&built0, &spliced0);
			base = kept_one(ICAL_ATT_REQ, spliced_desc[i],
			    "Sam Reid");
			spliced_cal = kept_one(ICAL_ATT_REQ, spliced_desc[j],
			    "Sam Reid");
			ical_build_counts(&built, &spliced);
			ck_assert_uint_eq(built - built0, 1);
			ck_assert_uint_eq(spliced - spliced0, 1);
			ical_shutdown();
			whole = kept_one(ICAL_ATT_REQ, spliced_desc[j],
			    "Sam Reid");
			ck_assert_str_eq(spliced_cal, whole);
			ck_assert_str_ne(spliced_cal, base);
			free(base);
			free(spliced_cal);
			free(whole);
		}
	}
	/* Anything else that differs is built whole. */
	ical_shutdown();
	ical_build_counts(&built0, &spliced0);
	base = kept_one(ICAL_ATT_REQ, spliced_desc[0], "Sam Reid");
	whole = kept_one(ICAL_ATT_OPT, spliced_desc[1], "Sam Reid");
	ical_build_counts(&built, &spliced);
	ck_assert_uint_eq(built - built0, 2);
	ck_assert_uint_eq(spliced - spliced0, 0);
	ck_assert(strstr(whole, "OPT-PARTICIPANT") != NULL);
	free(base);
	free(whole);
}
END_TEST

static Suite *
ical_suite(void)
{
	Suite	*s = suite_create("ical");
	TCase	*tc = tcase_create("vtimezone");
	TCase	*rr = tcase_create("rrule");

	tcase_set_timeout(rr, 60);
	tcase_add_loop_test(rr, test_rrule_never, 0,
	    (int)(sizeof(rr_never) / sizeof(rr_never[0])));
	tcase_add_loop_test(rr, test_rrule_yields, 0,
	    (int)(sizeof(rr_yields) / sizeof(rr_yields[0])));
	tcase_add_test(rr, test_rrule_libical_readings);
	suite_add_tcase(s, rr);

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_vtimezone_years, 0,
	    (int)(sizeof(zones) / sizeof(zones[0])));
	tcase_add_test(tc, test_vtimezone_late_october);
	tcase_add_test(tc, test_vtimezone_years_same_rules);
	tcase_add_test(tc, test_vtimezone_years_differ);
	tcase_add_test(tc, test_calendar_kept);
	tcase_add_test(tc, test_calendar_desc_spliced);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(ical_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	ical_shutdown();
	return (failed == 0 ? 0 : 1);
}
