/*
 * ical: the only libical user.  RRULEs are checked and expanded here in the
 * configured time zone (libical's copy of it, from the system's tzdata), so
 * a series keeps its local time of day across daylight-saving changes; and
 * holiday files are parsed here into sets of dates for schedule.c.  It
 * must not touch the database, the clock or the network, and no RRULE or
 * ICS text may crash it or make it loop without bound: expansions are
 * capped by the window and by ICAL_MAX_OCCURRENCES, files by ICAL_MAX_FILE,
 * and a rule must yield within RRULE_SEARCH_YEARS of its start, which is
 * looked for here in a bounded number of days, before libical (which
 * would search up to the year 20000) is asked for it.
 * It also builds the VCALENDARs of invitations and feeds, with a compact
 * VTIMEZONE of its own; it formats them and never sends them.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <libical/ical.h>

#include "autoconf.h"
#include "ical.h"
#include "schedule.h"
#include "tzfile.h"
#include "util.h"
#include "xmalloc.h"

struct tz_change {
	time_t	at;		/* the instant of the change (UTC) */
	int	from;		/* UTC offsets in seconds */
	int	to;
};

#define TZ_MAX_CHANGES	4
#define TZ_MAX_YEARS	64		/* compact VTIMEZONE: years of events */

/* Offsets come from the TZif file when it can be read, else libical. */
struct zone {
	icaltimezone	*z;
	struct tzfile	*f;
};

/*
 * A yearly change as a VTIMEZONE states it: the ord'th (or -1, the last)
 * wday of mon, at secs local time before the change.  All ints, so that
 * two years' rules compare with memcmp.
 */
struct tz_yearly {
	int	mon;		/* 1-12 */
	int	ord;
	int	wday;		/* 0 Sunday */
	int	secs;
	int	from, to;
};

/* One year of a zone: no change (n 0, base) or into daylight and back. */
struct tz_rules {
	int			n;
	int			base;
	struct tz_yearly	r[2];	/* [0] into daylight, [1] back */
};

struct vevent_lines {
	size_t	*line;		/* line of each BEGIN:VEVENT, in order */
	size_t	 n;
};

/* How far ahead of its start a rule must yield (rrule_bounded). */
#define RRULE_SEARCH_YEARS	10

struct rrule_probe;

static icaltimezone *zone_get(const char *, struct err *);
static struct icaltimetype to_zone(time_t, icaltimezone *);
static int	rrule_parse(const char *, struct icalrecurrencetype *,
		    struct err *);
static int	rrule_run(const char *, const char *, time_t, time_t, time_t,
		    time_t **, size_t *, struct err *);
static void	scan_vevents(const char *, struct vevent_lines *);
static int	event_dates(const char *, icalcomponent *,
		    struct sched_holidays *, struct err *);
static int	calendar_dates(const char *, icalcomponent *,
		    const struct vevent_lines *, size_t *,
		    struct sched_holidays *, struct err *);
static void	date_text(struct icaltimetype, char[DATE_LEN]);
static int	rrule_sane(const struct icalrecurrencetype *, struct err *);
static long	rrule_days(int, int, int);
static int	rrule_leap(int);
static int	rrule_mdays(int, int);
static void	rrule_probe_init(struct rrule_probe *,
		    const struct icalrecurrencetype *, struct icaltimetype);
static int	rrule_probe_day(const struct rrule_probe *, int, int, int);
static long	rrule_probe_total(const struct rrule_probe *, int, int, int,
		    size_t);
static int	rrule_probe_period(const struct rrule_probe *, const long *,
		    size_t, long, long, long);
static int	rrule_bounded(const struct icalrecurrencetype *,
		    struct icaltimetype, const char *, struct err *);
static int	local_shape(const char *);
static int	zone_offset(const struct zone *, time_t);
static size_t	zone_changes(const struct zone *, int, struct tz_change *,
		    int *);
static int	zone_rules(const struct zone *, int, struct tz_rules *);
static const char *zone_tzname(icaltimezone *, int);
static icalcomponent *zone_observance(icaltimezone *,
		    const struct tz_yearly *, int);
static icalcomponent *zone_component(const struct zone *, const char *,
		    const struct ical_event *, size_t);
static char	*ical_clean(const char *, int, int);
static icalproperty *ical_local_prop(icalproperty *, time_t, icaltimezone *,
		    const char *);
static icalproperty *ical_person(icalproperty *, const char *, const char *);
static icalcomponent *ical_vevent(const struct ical_event *, icaltimezone *,
		    const char *);
static char	*ical_fold(const char *, size_t *);
static void	feed_props(icalcomponent *, const char *,
		    const struct ical_feed_info *);
static char	*calendar_build(enum ical_method, const char *,
		    const struct ical_feed_info *, const struct ical_event *,
		    size_t, size_t *, struct err *);

static const char *rrule_parts[] = {
	"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE",
	"BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH",
	"BYSETPOS", "WKST", NULL
};

void
ical_init(void)
{
	static int	done;

	if (done)
		return;
	done = 1;
	/* Bad input must come back as an error, never abort the daemon. */
	icalerror_set_errors_are_fatal(0);
}

void
ical_shutdown(void)
{
	icaltimezone_free_builtin_timezones();
	icalmemory_free_ring();
}

static icaltimezone *
zone_get(const char *tz, struct err *err)
{
	icaltimezone	*z;

	ical_init();
	if (tz == NULL || *tz == '\0')
		tz = "UTC";
	if (strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0)
		return (icaltimezone_get_utc_timezone());
	if ((z = icaltimezone_get_builtin_timezone(tz)) == NULL)
		err_set(err, ERR_INVALID, "unknown time zone: %s", tz);
	return (z);
}

int
ical_timezone_exists(const char *tz)
{
	return (zone_get(tz, NULL) != NULL);
}

/* The wall time of t in z (libical 3.0's from_timet_with_zone stays UTC). */
static struct icaltimetype
to_zone(time_t t, icaltimezone *z)
{
	icaltimezone		*utc = icaltimezone_get_utc_timezone();
	struct icaltimetype	 tt;

	tt = icaltime_from_timet_with_zone(t, 0, utc);
	tt.zone = utc;
	icaltimezone_convert_time(&tt, utc, z);
	tt.zone = z;
	tt.is_date = 0;
	return (tt);
}

/* "DDDD-DD-DDTDD:DD" with digits where D stands. */
static int
local_shape(const char *s)
{
	static const char	*shape = "DDDD-DD-DDTDD:DD";
	size_t			 i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'D' ? !isdigit((unsigned char)s[i]) :
		    s[i] != shape[i])
			return (0);
	}
	return (1);
}

int
ical_local_time(const char *tz, const char *text, time_t *out,
    struct err *err)
{
	icaltimezone		*z;
	struct icaltimetype	 tt, back;
	int			 y, mo, d, h, mi, s = 0;
	time_t			 t;

	if ((z = zone_get(tz, err)) == NULL)
		return (-1);
	if (text == NULL)
		return (err_set(err, ERR_INVALID, "no time given"));
	if (!local_shape(text) || (text[16] != '\0' && (text[16] != ':' ||
	    !isdigit((unsigned char)text[17]) ||
	    !isdigit((unsigned char)text[18]) || text[19] != '\0'))) {
		/* An instant with Z or an offset, or nothing we know. */
		if (util_parse_time(text, &t) == 0 && strlen(text) > 16) {
			*out = t;
			return (0);
		}
		return (err_set(err, ERR_INVALID, "bad time '%.40s' (want "
		    "YYYY-MM-DDTHH:MM local)", text));
	}
	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5)
		return (err_set(err, ERR_INVALID, "bad time '%.40s'", text));
	if (text[16] == ':')
		s = (text[17] - '0') * 10 + (text[18] - '0');
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    d > icaltime_days_in_month(mo, y) || h > 23 || mi > 59 || s > 59 ||
	    h < 0 || mi < 0 || s < 0)
		return (err_set(err, ERR_INVALID, "bad time '%.40s'", text));
	tt = icaltime_null_time();
	tt.year = y;
	tt.month = mo;
	tt.day = d;
	tt.hour = h;
	tt.minute = mi;
	tt.second = s;
	tt.zone = z;
	t = icaltime_as_timet_with_zone(tt, z);
	back = to_zone(t, z);
	if (back.year != y || back.month != mo || back.day != d ||
	    back.hour != h || back.minute != mi)
		return (err_set(err, ERR_INVALID, "%s does not exist in %s: "
		    "the clocks go forward then", text, tz));
	*out = t;
	return (0);
}

/* Parse with a message that names the part libical did not accept. */
static int
rrule_parse(const char *text, struct icalrecurrencetype *r, struct err *err)
{
	char		*copy, *part, *save = NULL, *eq, *freq = NULL;
	char		 probe[256];
	const char	*p;
	int		 i, count = 0, until = 0, rc = -1;

	ical_init();
	if (text == NULL)
		return (err_set(err, ERR_INVALID, "no RRULE given"));
	p = text;
	if (strncasecmp(p, "RRULE:", 6) == 0)
		p += 6;
	if (*p == '\0')
		return (err_set(err, ERR_INVALID, "RRULE is empty"));
	if (strlen(p) > 1000)
		return (err_set(err, ERR_INVALID, "RRULE is too long"));
	copy = xstrdup(p);
	for (part = strtok_r(copy, ";", &save); part != NULL;
	    part = strtok_r(NULL, ";", &save)) {
		if ((eq = strchr(part, '=')) == NULL || eq == part ||
		    eq[1] == '\0') {
			err_set(err, ERR_INVALID, "bad RRULE part '%.60s' "
			    "(want NAME=VALUE)", part);
			goto out;
		}
		*eq = '\0';
		for (i = 0; rrule_parts[i] != NULL; i++)
			if (strcasecmp(part, rrule_parts[i]) == 0)
				break;
		if (rrule_parts[i] == NULL) {
			err_set(err, ERR_INVALID, "unknown RRULE part '%.40s'",
			    part);
			goto out;
		}
		if (strcasecmp(part, "FREQ") == 0)
			freq = eq + 1;
		count += strcasecmp(part, "COUNT") == 0;
		until += strcasecmp(part, "UNTIL") == 0;
		*eq = '=';
	}
	if (freq == NULL) {
		err_set(err, ERR_INVALID, "RRULE has no FREQ");
		goto out;
	}
	if (strcasecmp(freq, "SECONDLY") == 0 ||
	    strcasecmp(freq, "MINUTELY") == 0 ||
	    strcasecmp(freq, "HOURLY") == 0) {
		err_set(err, ERR_INVALID, "RRULE runs more often than daily "
		    "(FREQ=%s); sessions are at most daily", freq);
		goto out;
	}
	if (strcasecmp(freq, "DAILY") != 0 && strcasecmp(freq, "WEEKLY") != 0 &&
	    strcasecmp(freq, "MONTHLY") != 0 &&
	    strcasecmp(freq, "YEARLY") != 0) {
		err_set(err, ERR_INVALID, "unknown RRULE FREQ '%.20s' (DAILY, "
		    "WEEKLY, MONTHLY or YEARLY)", freq);
		goto out;
	}
	if (count > 0 && until > 0) {
		err_set(err, ERR_INVALID, "RRULE has both COUNT and UNTIL");
		goto out;
	}
	icalerror_clear_errno();
	*r = icalrecurrencetype_from_string(p);
	if (r->freq != ICAL_NO_RECURRENCE && icalerrno == ICAL_NO_ERROR) {
		rc = rrule_sane(r, err);
		goto out;
	}
	/* Find the part that fails on its own beside the FREQ. */
	free(copy);
	copy = xstrdup(p);
	save = NULL;
	for (part = strtok_r(copy, ";", &save); part != NULL;
	    part = strtok_r(NULL, ";", &save)) {
		snprintf(probe, sizeof(probe), "FREQ=YEARLY;%s", part);
		if (strncasecmp(part, "FREQ=", 5) == 0)
			continue;
		icalerror_clear_errno();
		if (icalrecurrencetype_from_string(probe).freq ==
		    ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
			err_set(err, ERR_INVALID, "cannot parse RRULE part "
			    "'%.60s'", part);
			goto out;
		}
	}
	err_set(err, ERR_INVALID, "cannot parse RRULE '%.100s'", p);
out:
	icalerror_clear_errno();
	free(copy);
	return (rc);
}

/*
 * Refuse rules libical would search for a long time before finding
 * nothing: BYDAY ordinals a month cannot have, ordinals in a daily or
 * weekly rule, month or year days counted from the end in a daily or
 * weekly rule, month days that no month of BYMONTH has.
 */
static int
rrule_sane(const struct icalrecurrencetype *r, struct err *err)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };
	int			i, j, pos, d, m, any;

	for (i = 0; i < ICAL_BY_DAY_SIZE &&
	    r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		pos = icalrecurrencetype_day_position(r->by_day[i]);
		if (pos == 0)
			continue;
		if (r->freq != ICAL_MONTHLY_RECURRENCE &&
		    r->freq != ICAL_YEARLY_RECURRENCE)
			return (err_set(err, ERR_INVALID, "RRULE BYDAY with a "
			    "number (such as 1TH) needs FREQ=MONTHLY or "
			    "FREQ=YEARLY"));
		if (r->freq == ICAL_MONTHLY_RECURRENCE && (pos > 5 || pos < -5))
			return (err_set(err, ERR_INVALID, "RRULE BYDAY ordinal %d: "
			    "a month has at most 5 of each weekday", pos));
	}
	/*
	 * libical filters a daily rule's days by comparing the day with the
	 * number as written: -1 never matches, and it looks until 2582.
	 */
	if (r->freq == ICAL_DAILY_RECURRENCE ||
	    r->freq == ICAL_WEEKLY_RECURRENCE) {
		for (i = 0; i < ICAL_BY_MONTHDAY_SIZE &&
		    r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
			if (r->by_month_day[i] < 0)
				return (err_set(err, ERR_INVALID, "RRULE "
				    "BYMONTHDAY=%d (counted from the month's "
				    "end) needs FREQ=MONTHLY or FREQ=YEARLY",
				    r->by_month_day[i]));
		for (i = 0; i < ICAL_BY_YEARDAY_SIZE &&
		    r->by_year_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
			if (r->by_year_day[i] < 0)
				return (err_set(err, ERR_INVALID, "RRULE "
				    "BYYEARDAY=%d (counted from the year's end) "
				    "needs FREQ=YEARLY", r->by_year_day[i]));
	}
	if (r->by_month_day[0] == ICAL_RECURRENCE_ARRAY_MAX ||
	    r->by_month[0] == ICAL_RECURRENCE_ARRAY_MAX)
		return (0);
	any = 0;
	for (i = 0; i < ICAL_BY_MONTH_SIZE &&
	    r->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		m = r->by_month[i];
		for (j = 0; j < ICAL_BY_MONTHDAY_SIZE &&
		    r->by_month_day[j] != ICAL_RECURRENCE_ARRAY_MAX; j++) {
			d = r->by_month_day[j];
			if (m < 1 || m > 12 || d < 0 || d <= mdays[m - 1])
				any = 1;
		}
	}
	if (!any)
		return (err_set(err, ERR_INVALID, "RRULE yields no occurrence: "
		    "no month in BYMONTH has that BYMONTHDAY"));
	return (0);
}

/*
 * The days a rule may yield, as libical reads it, for rrule_bounded: the
 * BY* parts normalised, with libical's defaults from the start (a MONTHLY
 * rule without BYDAY or BYMONTHDAY is on the start's day of the month,
 * and so on).  Where libical's reading is unclear (BYWEEKNO, the
 * INTERVAL of a weekly rule) it takes every day the rest allows: a
 * superset, so that a rule it finds empty is empty for libical too.
 */
struct rrule_probe {
	int		freq;
	int		interval;
	int		has_month;		/* BYMONTH given */
	int		has_weekno;		/* BYWEEKNO given (ignored) */
	char		month[13];		/* month[m]: allowed */
	short		mday[ICAL_BY_MONTHDAY_SIZE];
	size_t		nmday;
	short		yday[ICAL_BY_YEARDAY_SIZE];
	size_t		nyday;
	struct {
		int	wd;			/* 0 Sunday */
		int	pos;			/* 0: every one */
	}		day[ICAL_BY_DAY_SIZE];
	size_t		nday;
	short		setpos[ICAL_BY_SETPOS_SIZE];
	size_t		nsetpos;
	long		until;			/* last day, or LONG_MAX */
};

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long
rrule_days(int y, int m, int d)
{
	long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static int
rrule_leap(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

static int
rrule_mdays(int y, int m)
{
	static const int	mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	return (m == 2 && rrule_leap(y) ? 29 : mdays[m - 1]);
}

static void
rrule_probe_init(struct rrule_probe *p, const struct icalrecurrencetype *r,
    struct icaltimetype dt)
{
	size_t	i;
	int	m, has_md, has_yd, has_wk;

	memset(p, 0, sizeof(*p));
	p->freq = r->freq;
	p->interval = r->interval > 0 ? r->interval : 1;
	for (i = 0; i < ICAL_BY_MONTH_SIZE &&
	    r->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		m = icalrecurrencetype_month_month(r->by_month[i]);
		if (m >= 1 && m <= 12)
			p->month[m] = 1;
		p->has_month = 1;
	}
	if (!p->has_month)
		memset(p->month + 1, 1, 12);
	for (i = 0; i < ICAL_BY_MONTHDAY_SIZE &&
	    r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
		p->mday[p->nmday++] = r->by_month_day[i];
	for (i = 0; i < ICAL_BY_YEARDAY_SIZE &&
	    r->by_year_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
		p->yday[p->nyday++] = r->by_year_day[i];
	for (i = 0; i < ICAL_BY_DAY_SIZE &&
	    r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
		p->day[p->nday].wd =
		    (int)icalrecurrencetype_day_day_of_week(r->by_day[i]) - 1;
		p->day[p->nday].pos =
		    icalrecurrencetype_day_position(r->by_day[i]);
		p->nday++;
	}
	/* libical ignores BYSETPOS below MONTHLY. */
	if (p->freq == ICAL_MONTHLY_RECURRENCE ||
	    p->freq == ICAL_YEARLY_RECURRENCE)
		for (i = 0; i < ICAL_BY_SETPOS_SIZE &&
		    r->by_set_pos[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
			p->setpos[p->nsetpos++] = r->by_set_pos[i];
	has_md = p->nmday > 0;
	has_yd = p->nyday > 0;
	has_wk = p->has_weekno = r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX;
	switch (p->freq) {
	case ICAL_WEEKLY_RECURRENCE:
		if (p->nday == 0) {
			p->day[0].wd = icaltime_day_of_week(dt) - 1;
			p->nday = 1;
		}
		break;
	case ICAL_MONTHLY_RECURRENCE:
		if (p->nday == 0 && !has_md && !has_yd)
			p->mday[p->nmday++] = (short)dt.day;
		break;
	case ICAL_YEARLY_RECURRENCE:
		if (has_yd || has_wk)
			break;
		/* Month days without BYMONTH: libical 3 takes the start's. */
		if ((has_md || p->nday == 0) && !p->has_month) {
			memset(p->month, 0, sizeof(p->month));
			p->month[dt.month] = 1;
		}
		if (p->nday == 0 && !has_md)
			p->mday[p->nmday++] = (short)dt.day;
		break;
	}
	p->until = LONG_MAX;
	if (!icaltime_is_null_time(r->until))
		p->until = rrule_days(r->until.year, r->until.month,
		    r->until.day) + 1;	/* a UTC UNTIL may be a local day on */
}

/* Whether the rule's BY* parts (all but BYSETPOS) allow the day. */
static int
rrule_probe_day(const struct rrule_probe *p, int y, int m, int d)
{
	size_t	i;
	int	dim, diy, yd, wd, nth, last, in_month, ok;
	long	n;

	if (!p->month[m])
		return (0);
	dim = rrule_mdays(y, m);
	for (i = 0, ok = p->nmday == 0; i < p->nmday && !ok; i++)
		ok = p->mday[i] > 0 ? p->mday[i] == d :
		    dim + 1 + p->mday[i] == d;
	if (!ok)
		return (0);
	diy = rrule_leap(y) ? 366 : 365;
	n = rrule_days(y, m, d);
	yd = (int)(n - rrule_days(y, 1, 1)) + 1;
	for (i = 0, ok = p->nyday == 0; i < p->nyday && !ok; i++)
		ok = p->yday[i] > 0 ? p->yday[i] == yd :
		    diy + 1 + p->yday[i] == yd;
	if (!ok)
		return (0);
	wd = (int)(((n % 7) + 7 + 4) % 7);	/* 1970-01-01 was a Thursday */
	in_month = p->freq == ICAL_MONTHLY_RECURRENCE ||
	    (p->freq == ICAL_YEARLY_RECURRENCE && p->has_month);
	nth = in_month ? (d - 1) / 7 + 1 : (yd - 1) / 7 + 1;
	last = in_month ? (dim - d) / 7 + 1 : (diy - yd) / 7 + 1;
	for (i = 0, ok = p->nday == 0; i < p->nday && !ok; i++)
		ok = p->day[i].wd == wd && (p->day[i].pos == 0 ||
		    p->day[i].pos == nth || p->day[i].pos == -last);
	return (ok);
}

/*
 * How many positions libical's BYSETPOS counts in a period: the days of
 * the period after BYDAY, or else one per BYMONTHDAY or BYYEARDAY that
 * the month or year has, twice for a day named twice (BYMONTHDAY=30,-2
 * in July); -1 when it cannot say (BYWEEKNO).
 */
static long
rrule_probe_total(const struct rrule_probe *p, int y, int mfirst, int mlast,
    size_t n)
{
	size_t	i;
	long	total = 0;
	int	m, dim, diy;

	if (p->nday > 0)
		return ((long)n);
	if (p->nyday > 0) {
		diy = rrule_leap(y) ? 366 : 365;
		for (i = 0; i < p->nyday; i++)
			total += p->yday[i] != 0 && abs(p->yday[i]) <= diy;
		return (total);
	}
	if (p->has_weekno)
		return (-1);
	for (m = mfirst; m <= mlast; m++) {
		if (!p->month[m])
			continue;
		dim = rrule_mdays(y, m);
		for (i = 0; i < p->nmday; i++)
			total += p->mday[i] != 0 && abs(p->mday[i]) <= dim;
	}
	return (total);
}

/*
 * Whether a period (a month, or a year) whose allowed days are the n
 * ascending days v yields one in [from, to] once BYSETPOS has chosen as
 * libical chooses: the pos-th day, or the day whose index is total + pos
 * (total from rrule_probe_total; -1: any day may be chosen).
 */
static int
rrule_probe_period(const struct rrule_probe *p, const long *v, size_t n,
    long total, long from, long to)
{
	size_t	i;
	long	k;

	if (p->nsetpos == 0 || total == -1) {
		for (i = 0; i < n; i++)
			if (v[i] >= from && v[i] <= to)
				return (1);
		return (0);
	}
	for (i = 0; i < p->nsetpos; i++) {
		k = p->setpos[i] > 0 ? p->setpos[i] - 1 : total + p->setpos[i];
		if (k >= 0 && k < (long)n && v[k] >= from && v[k] <= to)
			return (1);
	}
	return (0);
}

/*
 * libical looks for a rule's first occurrence period by period up to the
 * year 20000, or day by day to 2582, before it gives up: seconds for a
 * rule that yields nothing (FREQ=MONTHLY;BYSETPOS=-366), holding the
 * event loop.  Look first, here, within RRULE_SEARCH_YEARS of the start
 * (a bounded number of days, a few thousand at most) and refuse a rule
 * that yields nothing there.
 */
static int
rrule_bounded(const struct icalrecurrencetype *r, struct icaltimetype dt,
    const char *text, struct err *err)
{
	struct rrule_probe	 p;
	long			 start, end, day, v[366];
	size_t			 n;
	int			 y, m, d, k;

	rrule_probe_init(&p, r, dt);
	start = rrule_days(dt.year, dt.month, dt.day);
	end = start + (long)RRULE_SEARCH_YEARS * 366;
	if (p.until < end)
		end = p.until;
	switch (p.freq) {
	case ICAL_DAILY_RECURRENCE:
	case ICAL_WEEKLY_RECURRENCE:
		/* A weekly rule's INTERVAL: every week, a superset. */
		k = p.freq == ICAL_DAILY_RECURRENCE ? p.interval : 1;
		y = dt.year;
		m = dt.month;
		d = dt.day;
		for (day = start; day <= end; day += k) {
			if (rrule_probe_day(&p, y, m, d))
				return (0);
			/* Step the calendar date k days on. */
			d += k;
			while (d > rrule_mdays(y, m)) {
				d -= rrule_mdays(y, m);
				if (++m > 12) {
					m = 1;
					y++;
				}
			}
		}
		break;
	case ICAL_MONTHLY_RECURRENCE:
		k = p.interval;
		y = dt.year;
		m = dt.month;
		while (rrule_days(y, m, 1) <= end) {
			n = 0;
			for (d = 1; d <= rrule_mdays(y, m); d++)
				if (rrule_probe_day(&p, y, m, d))
					v[n++] = rrule_days(y, m, d);
			if (rrule_probe_period(&p, v, n, rrule_probe_total(&p,
			    y, m, m, n), start, end))
				return (0);
			m += k;
			y += (m - 1) / 12;
			m = (m - 1) % 12 + 1;
		}
		break;
	case ICAL_YEARLY_RECURRENCE:
		for (y = dt.year; rrule_days(y, 1, 1) <= end; y += p.interval) {
			n = 0;
			for (m = 1; m <= 12; m++)
				for (d = 1; d <= rrule_mdays(y, m); d++)
					if (rrule_probe_day(&p, y, m, d))
						v[n++] = rrule_days(y, m, d);
			if (rrule_probe_period(&p, v, n, rrule_probe_total(&p,
			    y, 1, 12, n), start, end))
				return (0);
		}
		break;
	default:
		return (0);
	}
	return (err_set(err, ERR_INVALID, "RRULE %.100s yields no occurrence "
	    "within %d years of its start", text, RRULE_SEARCH_YEARS));
}

/*
 * Expand into [from, until).
 */
static int
rrule_run(const char *rrule, const char *tz, time_t dtstart, time_t from,
    time_t until, time_t **starts, size_t *n, struct err *err)
{
	struct icalrecurrencetype	 r;
	icaltimezone			*z;
	icalrecur_iterator		*it;
	struct icaltimetype		 dt, o, prev;
	time_t				*v = NULL, t;
	size_t				 nv = 0, cap = 0, skipped = 0;
	char				 day[DATE_LEN];

	*starts = NULL;
	*n = 0;
	if (rrule_parse(rrule, &r, err) == -1)
		return (-1);
	if ((z = zone_get(tz, err)) == NULL)
		return (-1);
	dt = to_zone(dtstart, z);
	if (icaltime_as_timet_with_zone(dt, z) != dtstart)
		return (err_set(err, ERR_INVALID, "the start falls in the hour "
		    "the clocks skip or repeat; choose another time"));
	if (rrule_bounded(&r, dt, rrule, err) == -1)
		return (-1);
	if ((it = icalrecur_iterator_new(r, dt)) == NULL) {
		icalerror_clear_errno();
		return (err_set(err, ERR_INVALID, "RRULE %.100s yields no "
		    "occurrence", rrule));
	}
	prev = icaltime_null_time();
	for (;;) {
		o = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(o))
			break;
		if (!icaltime_is_null_time(prev) && o.year == prev.year &&
		    o.month == prev.month && o.day == prev.day) {
			date_text(o, day);
			err_set(err, ERR_INVALID, "RRULE yields two occurrences "
			    "on %s; sessions are at most daily", day);
			goto fail;
		}
		prev = o;
		o.zone = z;
		t = icaltime_as_timet_with_zone(o, z);
		if (t >= until)
			break;
		if (t < from) {
			if (++skipped > ICAL_MAX_SKIP) {
				err_set(err, ERR_INVALID, "RRULE yields more "
				    "than %d occurrences before the planning "
				    "window; move the start forward",
				    ICAL_MAX_SKIP);
				goto fail;
			}
			continue;
		}
		if (nv == ICAL_MAX_OCCURRENCES) {
			err_set(err, ERR_INVALID, "RRULE yields more than %d "
			    "occurrences in the planning window",
			    ICAL_MAX_OCCURRENCES);
			goto fail;
		}
		if (nv == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[nv++] = t;
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
	*starts = v;
	*n = nv;
	return (0);
fail:
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
	free(v);
	return (-1);
}

int
ical_rrule_check(const char *rrule, const char *tz, time_t dtstart,
    int horizon_days, struct err *err)
{
	time_t	*v;
	size_t	 n;

	if (horizon_days < 1)
		horizon_days = 1;
	if (rrule_run(rrule, tz, dtstart, dtstart,
	    dtstart + (time_t)horizon_days * 86400, &v, &n, err) == -1)
		return (-1);
	free(v);
	if (n == 0)
		return (err_set(err, ERR_INVALID, "RRULE %.100s yields no "
		    "occurrence in the %d days from the start", rrule,
		    horizon_days));
	return (0);
}

int
ical_rrule_expand(const char *rrule, const char *tz, time_t dtstart,
    time_t from, time_t until, time_t **starts, size_t *n, struct err *err)
{
	return (rrule_run(rrule, tz, dtstart, from, until, starts, n, err));
}

/* ---- holiday files ---------------------------------------------------- */

static void
date_text(struct icaltimetype t, char buf[DATE_LEN])
{
	if (t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 ||
	    t.day < 1 || t.day > 31) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, DATE_LEN, "%04d-%02d-%02d", t.year, t.month, t.day);
}

/* Where each VEVENT begins, so errors can name a line. */
static void
scan_vevents(const char *buf, struct vevent_lines *vl)
{
	const char	*p = buf, *e;
	size_t		 line = 1, cap = 0;

	vl->line = NULL;
	vl->n = 0;
	while (*p != '\0') {
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		if (strncasecmp(p, "BEGIN:VEVENT", 12) == 0 &&
		    (p + 12 == e || p[12] == '\r' || p[12] == ' ' ||
		    p[12] == '\t')) {
			if (vl->n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				vl->line = xreallocarray(vl->line, cap,
				    sizeof(*vl->line));
			}
			vl->line[vl->n++] = line;
		}
		if (*e == '\0')
			break;
		p = e + 1;
		line++;
	}
}

static int
event_dates(const char *where, icalcomponent *ev, struct sched_holidays *h,
    struct err *err)
{
	icalproperty		*p, *xe;
	struct icaltimetype	 s, e;
	struct icaldurationtype	 dur;
	const char		*sum;
	char			 date[DATE_LEN];
	long			 d0, d1, d;

	sum = icalcomponent_get_summary(ev);
	if (sum == NULL)
		sum = "";
	if ((p = icalcomponent_get_first_property(ev,
	    ICAL_DTSTART_PROPERTY)) == NULL) {
		xe = icalcomponent_get_first_property(ev,
		    ICAL_XLICERROR_PROPERTY);
		if (xe != NULL && icalproperty_get_xlicerror(xe) != NULL)
			return (err_set(err, ERR_INVALID, "%s: event has no "
			    "readable DTSTART (%.120s)", where,
			    icalproperty_get_xlicerror(xe)));
		return (err_set(err, ERR_INVALID, "%s: event has no DTSTART",
		    where));
	}
	s = icalproperty_get_dtstart(p);
	if (icaltime_is_null_time(s) || !s.is_date)
		return (err_set(err, ERR_INVALID, "%s: event '%.60s' starts "
		    "at a time, not on a date: holidays are all-day events "
		    "(DTSTART;VALUE=DATE:YYYYMMDD)", where, sum));
	date_text(s, date);
	if (sched_date_parse(date, &d0) == -1)
		return (err_set(err, ERR_INVALID, "%s: event '%.60s' has a "
		    "DTSTART that is not a real date", where, sum));
	d1 = d0 + 1;
	if ((p = icalcomponent_get_first_property(ev,
	    ICAL_DTEND_PROPERTY)) != NULL) {
		e = icalproperty_get_dtend(p);
		date_text(e, date);
		if (icaltime_is_null_time(e) || !e.is_date ||
		    sched_date_parse(date, &d1) == -1)
			return (err_set(err, ERR_INVALID, "%s: event '%.60s' "
			    "has a DTEND that is not a date", where, sum));
	} else if ((p = icalcomponent_get_first_property(ev,
	    ICAL_DURATION_PROPERTY)) != NULL) {
		dur = icalproperty_get_duration(p);
		if (dur.is_neg || dur.hours != 0 || dur.minutes != 0 ||
		    dur.seconds != 0 || dur.days > ICAL_MAX_EVENT_DAYS ||
		    dur.weeks > ICAL_MAX_EVENT_DAYS / 7 + 1)
			return (err_set(err, ERR_INVALID, "%s: event '%.60s' "
			    "has a DURATION that is not whole days", where,
			    sum));
		d1 = d0 + (long)dur.days + 7L * (long)dur.weeks;
	}
	if (d1 <= d0)
		return (err_set(err, ERR_INVALID, "%s: event '%.60s' ends "
		    "before it starts", where, sum));
	if (d1 - d0 > ICAL_MAX_EVENT_DAYS)
		return (err_set(err, ERR_INVALID, "%s: event '%.60s' lasts "
		    "more than %d days", where, sum, ICAL_MAX_EVENT_DAYS));
	for (d = d0; d < d1; d++) {
		sched_date_format(d, date);
		if (date[0] != '\0')
			sched_holidays_add(h, date);
	}
	return (0);
}

static int
calendar_dates(const char *name, icalcomponent *cal,
    const struct vevent_lines *vl, size_t *k, struct sched_holidays *h,
    struct err *err)
{
	icalcomponent	*ev;
	char		 where[1200];

	for (ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal,
	    ICAL_VEVENT_COMPONENT)) {
		if (*k < vl->n)
			snprintf(where, sizeof(where), "%s:%zu", name,
			    vl->line[*k]);
		else
			snprintf(where, sizeof(where), "%s", name);
		if (event_dates(where, ev, h, err) == -1)
			return (-1);
		(*k)++;
	}
	return (0);
}

int
ical_holidays_parse(const char *name, const char *buf, size_t len,
    struct sched_holidays *out, struct err *err)
{
	struct sched_holidays	 h;
	struct vevent_lines	 vl = { NULL, 0 };
	icalcomponent		*root = NULL, *c;
	char			*text = NULL;
	size_t			 k = 0, i, ncal = 0;
	int			 rc = -1;

	ical_init();
	sched_holidays_init(&h);
	if (name == NULL)
		name = "holidays";
	if (len > ICAL_MAX_FILE)
		return (err_set(err, ERR_INVALID, "%s: larger than %d bytes",
		    name, ICAL_MAX_FILE));
	if (len > 0 && memchr(buf, '\0', len) != NULL)
		return (err_set(err, ERR_INVALID, "%s: not a text file (it "
		    "holds a NUL byte)", name));
	text = xmalloc(len + 1);
	if (len > 0)
		memcpy(text, buf, len);
	text[len] = '\0';
	scan_vevents(text, &vl);
	icalerror_clear_errno();
	if ((root = icalparser_parse_string(text)) == NULL) {
		err_set(err, ERR_INVALID, "%s: not an iCalendar file (want "
		    "BEGIN:VCALENDAR ... END:VCALENDAR)", name);
		goto out;
	}
	if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) {
		ncal = 1;
		if (calendar_dates(name, root, &vl, &k, &h, err) == -1)
			goto out;
	} else if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT) {
		for (c = icalcomponent_get_first_component(root,
		    ICAL_VCALENDAR_COMPONENT); c != NULL;
		    c = icalcomponent_get_next_component(root,
		    ICAL_VCALENDAR_COMPONENT)) {
			ncal++;
			if (calendar_dates(name, c, &vl, &k, &h, err) == -1)
				goto out;
		}
	}
	if (ncal == 0) {
		err_set(err, ERR_INVALID, "%s: not a VCALENDAR", name);
		goto out;
	}
	if (k == 0) {
		err_set(err, ERR_INVALID, "%s: no events (holidays are "
		    "all-day VEVENTs)", name);
		goto out;
	}
	for (i = 0; i < h.n; i++)
		sched_holidays_add(out, h.dates[i]);
	rc = 0;
out:
	if (root != NULL)
		icalcomponent_free(root);
	icalerror_clear_errno();
	icalmemory_free_ring();
	sched_holidays_free(&h);
	free(vl.line);
	free(text);
	return (rc);
}

int
ical_holidays_load(const char *path, struct sched_holidays *out,
    struct err *err)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (err_set(err, ERR_INVALID, "%s: cannot open: %s", path,
		    strerror(errno)));
	if (fstat(fd, &st) == -1) {
		err_set(err, ERR_INVALID, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, ERR_INVALID, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > ICAL_MAX_FILE) {
		err_set(err, ERR_INVALID, "%s: larger than %d bytes", path,
		    ICAL_MAX_FILE);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	/* Read to EOF, never past the cap, even if the file grows. */
	for (;;) {
		r = read(fd, buf + len, (size_t)st.st_size + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_set(err, ERR_INVALID, "%s: cannot read: %s", path,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > (size_t)st.st_size) {
			err_set(err, ERR_INVALID, "%s: changed while being "
			    "read", path);
			goto out;
		}
	}
	rc = ical_holidays_parse(path, buf, len, out, err);
out:
	free(buf);
	close(fd);
	return (rc);
}

int
ical_holidays_load_all(char *const *paths, size_t n,
    struct sched_holidays *out, struct err *err)
{
	struct sched_holidays	h;
	size_t			i;

	sched_holidays_init(&h);
	for (i = 0; i < n; i++) {
		if (ical_holidays_load(paths[i], &h, err) == -1) {
			sched_holidays_free(&h);
			return (-1);
		}
	}
	sched_holidays_finish(&h);
	sched_holidays_free(out);
	*out = h;
	return (0);
}

/*
 * Building calendars.  libical assembles the components and escapes the
 * TEXT values; the VTIMEZONE is made here from the zone's offsets in the
 * events' years rather than copied from libical, whose copy carries the
 * zone's whole history and a TZID that some clients do not recognise.
 * The offsets are read from the system's zoneinfo by tzfile.c: libical
 * 3.0.16 takes the 32-bit end of a TZif file (2038-01-19 03:14:07 UTC) for
 * a change, so from 2038 it moves some zones' changes to 03:14:07 UTC
 * (America/Santiago's September one, for instance).
 */

static int
zone_offset(const struct zone *zn, time_t t)
{
	struct icaltimetype	tt;
	int			dst = 0;

	if (zn->f != NULL)
		return (tzfile_offset(zn->f, t));
	tt = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	tt.zone = icaltimezone_get_utc_timezone();
	return (icaltimezone_get_utc_offset_of_utc_time(zn->z, &tt, &dst));
}

/* The zone's offset changes in a UTC year, at most TZ_MAX_CHANGES. */
static size_t
zone_changes(const struct zone *zn, int year, struct tz_change *c,
    int *base)
{
	struct tm	tm;
	time_t		from, until, d, lo, hi, mid;
	int		off, next;
	size_t		n = 0;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 1;
	from = timegm(&tm);
	tm.tm_year++;
	until = timegm(&tm);
	off = *base = zone_offset(zn, from);
	for (d = from; d < until && n <= TZ_MAX_CHANGES; d += 86400) {
		if ((next = zone_offset(zn, d + 86400)) == off)
			continue;
		lo = d;
		hi = d + 86400;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (zone_offset(zn, mid) == off)
				lo = mid;
			else
				hi = mid;
		}
		if (n < TZ_MAX_CHANGES) {
			c[n].at = hi;
			c[n].from = off;
			c[n].to = next;
		}
		n++;
		off = next;
	}
	return (n);
}

/*
 * The year's changes as yearly rules, if they are none or one change into
 * daylight saving and one back; else -1.  A change on one of the last
 * seven days of its month is "the last" wday (-1SU), the rule of the zones
 * that use "last Sunday", so that it states the same rule every year;
 * others are the nth wday, which is right for this year, though not for
 * every year of a rule such as Chile's "first Sunday on or after the 2nd".
 */
static int
zone_rules(const struct zone *zn, int year, struct tz_rules *rs)
{
	struct tz_change	 c[TZ_MAX_CHANGES];
	const struct tz_change	*ch;
	struct tz_yearly	*y;
	struct tm		 tm;
	time_t			 local;
	size_t			 n;
	int			 i, d;

	memset(rs, 0, sizeof(*rs));
	n = zone_changes(zn, year, c, &rs->base);
	if (n == 0)
		return (0);
	if (n != 2 || c[0].from != c[1].to || c[0].to != c[1].from)
		return (-1);
	d = c[0].to > c[0].from ? 0 : 1;	/* into daylight */
	rs->n = 2;
	for (i = 0; i < 2; i++) {
		y = &rs->r[i];
		ch = &c[i == 0 ? d : 1 - d];
		/* DTSTART and RRULE are local time before the change. */
		local = ch->at + ch->from;
		if (gmtime_r(&local, &tm) == NULL)
			return (-1);
		y->mon = tm.tm_mon + 1;
		y->wday = tm.tm_wday;
		y->ord = tm.tm_mday == tzfile_mday(tm.tm_year + 1900,
		    tm.tm_mon, -1, tm.tm_wday) ? -1 : (tm.tm_mday - 1) / 7 + 1;
		y->secs = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
		y->from = ch->from;
		y->to = ch->to;
	}
	return (0);
}

/* The latest TZNAME libical's copy of the zone gives to offset. */
static const char *
zone_tzname(icaltimezone *z, int offset)
{
	icalcomponent	*vtz, *c;
	icalproperty	*p;
	const char	*name = NULL;

	if ((vtz = icaltimezone_get_component(z)) == NULL)
		return (NULL);
	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL;
	    c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		p = icalcomponent_get_first_property(c,
		    ICAL_TZOFFSETTO_PROPERTY);
		if (p == NULL || icalproperty_get_tzoffsetto(p) != offset)
			continue;
		p = icalcomponent_get_first_property(c, ICAL_TZNAME_PROPERTY);
		if (p != NULL && icalproperty_get_tzname(p) != NULL)
			name = icalproperty_get_tzname(p);
	}
	return (name);
}

/*
 * One observance of yearly rule y.  DTSTART is the rule's occurrence in
 * 1970, worked out from the rule itself: the same day of the month as in
 * the events' year would be 32 October 1970 when that year's last Sunday
 * of October is the 29th, and strict clients refuse the whole calendar.
 */
static icalcomponent *
zone_observance(icaltimezone *z, const struct tz_yearly *y, int dst)
{
	static const char	*wd[] = { "SU", "MO", "TU", "WE", "TH", "FR",
				    "SA" };
	icalcomponent		*obs;
	struct icaltimetype	 start;
	const char		*name;
	char			*text;

	start = icaltime_null_time();
	start.year = 1970;
	start.month = y->mon;
	start.day = tzfile_mday(1970, y->mon - 1, y->ord, y->wday);
	start.hour = y->secs / 3600;
	start.minute = y->secs / 60 % 60;
	start.second = y->secs % 60;
	obs = icalcomponent_new(dst ? ICAL_XDAYLIGHT_COMPONENT :
	    ICAL_XSTANDARD_COMPONENT);
	icalcomponent_add_property(obs, icalproperty_new_dtstart(start));
	icalcomponent_add_property(obs, icalproperty_new_tzoffsetfrom(y->from));
	icalcomponent_add_property(obs, icalproperty_new_tzoffsetto(y->to));
	if ((name = zone_tzname(z, y->to)) != NULL)
		icalcomponent_add_property(obs, icalproperty_new_tzname(name));
	xasprintf(&text, "RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", y->mon,
	    y->ord, wd[y->wday]);
	icalcomponent_add_property(obs, icalproperty_new_from_string(text));
	free(text);
	return (obs);
}

/*
 * The VTIMEZONE for the events, under the bare name tz: compact when every
 * year that has an event gives the same rules (nearly always: a zone's
 * rules seldom change), else libical's full copy of the zone, renamed,
 * which covers every year (as libical reads the zone) but is long.
 */
static icalcomponent *
zone_component(const struct zone *zn, const char *tz,
    const struct ical_event *events, size_t n)
{
	icalcomponent		*vtz, *obs, *full;
	icalproperty		*p;
	struct tz_rules		 first, rs;
	struct icaltimetype	 start;
	struct tm		 tm;
	const char		*name;
	uint64_t		 years = 0;
	size_t			 i;
	int			 lo = 0, hi = 0, y, compact = 1;

	/*
	 * The UTC years of the events, as bits of a window of TZ_MAX_YEARS
	 * (y mod TZ_MAX_YEARS is one bit per year within it); a wider span
	 * gets the full copy.
	 */
	memset(&first, 0, sizeof(first));
	for (i = 0; i < n && compact; i++) {
		if (gmtime_r(&events[i].start, &tm) == NULL) {
			compact = 0;
			break;
		}
		y = tm.tm_year + 1900;
		if (i == 0)
			lo = hi = y;
		lo = y < lo ? y : lo;
		hi = y > hi ? y : hi;
		if (hi - lo >= TZ_MAX_YEARS)
			compact = 0;
		else
			years |= (uint64_t)1 << ((y % TZ_MAX_YEARS +
			    TZ_MAX_YEARS) % TZ_MAX_YEARS);
	}
	for (y = lo; y <= hi && compact; y++) {
		if ((years & (uint64_t)1 << ((y % TZ_MAX_YEARS +
		    TZ_MAX_YEARS) % TZ_MAX_YEARS)) == 0)
			continue;
		if (zone_rules(zn, y, &rs) == -1 ||
		    (y != lo && memcmp(&rs, &first, sizeof(rs)) != 0))
			compact = 0;
		if (y == lo)
			first = rs;
	}
	if (compact && first.n == 2) {
		vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
		icalcomponent_add_component(vtz,
		    zone_observance(zn->z, &first.r[1], 0));
		icalcomponent_add_component(vtz,
		    zone_observance(zn->z, &first.r[0], 1));
		return (vtz);
	}
	if (compact) {
		vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
		obs = icalcomponent_new(ICAL_XSTANDARD_COMPONENT);
		start = icaltime_null_time();
		start.year = 1970;
		start.month = 1;
		start.day = 1;
		icalcomponent_add_property(obs,
		    icalproperty_new_dtstart(start));
		icalcomponent_add_property(obs,
		    icalproperty_new_tzoffsetfrom(first.base));
		icalcomponent_add_property(obs,
		    icalproperty_new_tzoffsetto(first.base));
		if ((name = zone_tzname(zn->z, first.base)) != NULL)
			icalcomponent_add_property(obs,
			    icalproperty_new_tzname(name));
		icalcomponent_add_component(vtz, obs);
		return (vtz);
	}
	/*
	 * The rules change within or between the years: libical's copy,
	 * TZID first and bare instead of "/freeassociation.../Europe/London".
	 */
	if ((full = icaltimezone_get_component(zn->z)) == NULL)
		return (NULL);
	vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
	for (p = icalcomponent_get_first_property(full, ICAL_ANY_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(full, ICAL_ANY_PROPERTY))
		if (icalproperty_isa(p) != ICAL_TZID_PROPERTY)
			icalcomponent_add_property(vtz,
			    icalproperty_new_clone(p));
	for (obs = icalcomponent_get_first_component(full, ICAL_ANY_COMPONENT);
	    obs != NULL;
	    obs = icalcomponent_get_next_component(full, ICAL_ANY_COMPONENT))
		icalcomponent_add_component(vtz, icalcomponent_new_clone(obs));
	return (vtz);
}

/* A copy without control characters (kept: '\n' when lines is set). */
static char *
ical_clean(const char *s, int lines, int param)
{
	char	*c, *p;

	c = xstrdup(s != NULL ? s : "");
	for (p = c; *p != '\0'; p++) {
		if (*p == '\n' && lines)
			continue;
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
		else if (param && *p == '"')
			*p = '\'';
	}
	return (c);
}

static icalproperty *
ical_local_prop(icalproperty *p, time_t t, icaltimezone *z, const char *tz)
{
	struct icaltimetype	tt;

	tt = to_zone(t, z);
	tt.zone = NULL;
	if (icalproperty_isa(p) == ICAL_DTSTART_PROPERTY)
		icalproperty_set_dtstart(p, tt);
	else
		icalproperty_set_dtend(p, tt);
	icalproperty_add_parameter(p, icalparameter_new_tzid(tz));
	return (p);
}

static icalproperty *
ical_person(icalproperty *p, const char *name, const char *addr)
{
	char	*cn, *v;

	xasprintf(&v, "mailto:%s", addr);
	cn = ical_clean(v, 0, 0);
	if (icalproperty_isa(p) == ICAL_ORGANIZER_PROPERTY)
		icalproperty_set_organizer(p, cn);
	else
		icalproperty_set_attendee(p, cn);
	free(cn);
	free(v);
	if (name != NULL && name[0] != '\0') {
		cn = ical_clean(name, 0, 1);
		icalproperty_add_parameter(p, icalparameter_new_cn(cn));
		free(cn);
	}
	return (p);
}

static icalcomponent *
ical_vevent(const struct ical_event *e, icaltimezone *z, const char *tz)
{
	icalcomponent		*ev;
	icalproperty		*p;
	struct icaltimetype	 stamp;
	icaltimezone		*utc = icaltimezone_get_utc_timezone();
	char			*s;
	size_t			 i;
	int			 role;

	ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	s = ical_clean(e->uid, 0, 0);
	icalcomponent_add_property(ev, icalproperty_new_uid(s));
	free(s);
	icalcomponent_add_property(ev, icalproperty_new_sequence(
	    e->sequence < 0 ? 0 : e->sequence));
	stamp = icaltime_from_timet_with_zone(e->dtstamp, 0, utc);
	stamp.zone = utc;
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(stamp));
	icalcomponent_add_property(ev, ical_local_prop(
	    icalproperty_new(ICAL_DTSTART_PROPERTY), e->start, z, tz));
	icalcomponent_add_property(ev, ical_local_prop(
	    icalproperty_new(ICAL_DTEND_PROPERTY), e->end, z, tz));
	s = ical_clean(e->summary, 0, 0);
	icalcomponent_add_property(ev, icalproperty_new_summary(s));
	free(s);
	if (e->location != NULL && e->location[0] != '\0') {
		s = ical_clean(e->location, 0, 0);
		icalcomponent_add_property(ev, icalproperty_new_location(s));
		free(s);
	}
	if (e->description != NULL && e->description[0] != '\0') {
		s = ical_clean(e->description, 1, 0);
		icalcomponent_add_property(ev,
		    icalproperty_new_description(s));
		free(s);
	}
	icalcomponent_add_property(ev, icalproperty_new_status(e->cancelled ?
	    ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(ev, icalproperty_new_transp(
	    ICAL_TRANSP_OPAQUE));
	/* Outlook: no "propose new time" (SPEC 6); moves go through us. */
	p = icalproperty_new_x("TRUE");
	icalproperty_set_x_name(p, "X-MICROSOFT-DISALLOW-COUNTER");
	icalcomponent_add_property(ev, p);
	if (e->organizer_addr != NULL && e->organizer_addr[0] != '\0')
		icalcomponent_add_property(ev, ical_person(
		    icalproperty_new(ICAL_ORGANIZER_PROPERTY),
		    e->organizer_name, e->organizer_addr));
	for (i = 0; i < e->nattendees; i++) {
		p = ical_person(icalproperty_new(ICAL_ATTENDEE_PROPERTY),
		    e->attendees[i].name, e->attendees[i].email);
		switch (e->attendees[i].role) {
		case ICAL_ATT_CHAIR:
			role = ICAL_ROLE_CHAIR;
			break;
		case ICAL_ATT_OPT:
			role = ICAL_ROLE_OPTPARTICIPANT;
			break;
		default:
			role = ICAL_ROLE_REQPARTICIPANT;
			break;
		}
		icalproperty_add_parameter(p,
		    icalparameter_new_role((icalparameter_role)role));
		icalproperty_add_parameter(p, icalparameter_new_partstat(
		    ICAL_PARTSTAT_NEEDSACTION));
		icalproperty_add_parameter(p,
		    icalparameter_new_rsvp(ICAL_RSVP_TRUE));
		icalcomponent_add_property(ev, p);
	}
	return (ev);
}

/*
 * Undo libical's folding and fold again at 75 octets, never inside a UTF-8
 * sequence (RFC 5545 3.1): libical 3.0 counts characters in some places.
 */
static char *
ical_fold(const char *in, size_t *len)
{
	const char	*p, *eol;
	char		*flat, *q, *out;
	size_t		 n, col, cut, linelen, olen, ocap;

	n = strlen(in);
	flat = xmalloc(n + 1);
	for (p = in, q = flat; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n' &&
		    (p[2] == ' ' || p[2] == '\t')) {
			p += 2;
			continue;
		}
		if (p[0] == '\n' && (p[1] == ' ' || p[1] == '\t')) {
			p += 1;
			continue;
		}
		*q++ = *p;
	}
	*q = '\0';
	ocap = n + n / 32 + 16;
	out = xmalloc(ocap);
	olen = 0;
	for (p = flat; *p != '\0'; p = eol) {
		eol = strchr(p, '\n');
		linelen = eol != NULL ? (size_t)(eol - p) : strlen(p);
		if (linelen > 0 && p[linelen - 1] == '\r')
			linelen--;
		col = 0;
		while (linelen > 0) {
			/* 75 octets, of which the first is the fold's blank. */
			cut = col == 0 ? 75 : 74;
			if (cut > linelen)
				cut = linelen;
			else {
				while (cut > 0 && ((unsigned char)p[cut] &
				    0xc0) == 0x80)
					cut--;
				if (cut == 0)
					cut = linelen < 4 ? linelen : 1;
			}
			if (olen + cut + 4 > ocap) {
				ocap = 2 * ocap + cut + 4;
				out = xreallocarray(out, ocap, 1);
			}
			if (col > 0)
				out[olen++] = ' ';
			memcpy(out + olen, p, cut);
			olen += cut;
			out[olen++] = '\r';
			out[olen++] = '\n';
			p += cut;
			linelen -= cut;
			col = 1;
		}
		if (eol == NULL)
			break;
		eol++;
	}
	out[olen] = '\0';
	free(flat);
	*len = olen;
	return (out);
}

static char *
calendar_build(enum ical_method method, const char *tz,
    const struct ical_feed_info *info, const struct ical_event *events,
    size_t n, size_t *len, struct err *err)
{
	icalcomponent	*cal = NULL, *vtz;
	struct zone	 zn;
	icaltimezone	*z;
	const char	*text;
	char		*out = NULL;
	size_t		 i, k;

	ical_init();
	if ((z = zone_get(tz, err)) == NULL)
		return (NULL);
	if (tz == NULL || *tz == '\0')
		tz = "UTC";
	for (i = 0; i < n; i++) {
		if (events[i].uid == NULL || events[i].uid[0] == '\0') {
			err_set(err, ERR_INVALID, "event %zu has no UID", i);
			return (NULL);
		}
		for (k = 0; k < events[i].nattendees; k++) {
			if (events[i].attendees[k].email == NULL ||
			    events[i].attendees[k].email[0] == '\0') {
				err_set(err, ERR_INVALID, "event %s: attendee "
				    "%zu has no e-mail address",
				    events[i].uid, k);
				return (NULL);
			}
		}
		if (events[i].end < events[i].start) {
			err_set(err, ERR_INVALID, "event %s ends before it "
			    "starts", events[i].uid);
			return (NULL);
		}
	}
	cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid(
	    "-//reflectd//reflectd " PACKAGE_VERSION "//EN"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(
	    method == ICAL_MSG_CANCEL ? ICAL_METHOD_CANCEL :
	    method == ICAL_MSG_PUBLISH ? ICAL_METHOD_PUBLISH :
	    ICAL_METHOD_REQUEST));
	if (info != NULL)
		feed_props(cal, tz, info);
	if (n > 0) {
		zn.z = z;
		zn.f = tzfile_load(tz);
		vtz = zone_component(&zn, tz, events, n);
		tzfile_free(zn.f);
		if (vtz == NULL) {
			err_set(err, ERR_INTERNAL, "cannot describe time zone "
			    "%s", tz);
			goto out;
		}
		icalcomponent_add_component(cal, vtz);
	}
	for (i = 0; i < n; i++)
		icalcomponent_add_component(cal, ical_vevent(&events[i], z,
		    tz));
	if ((text = icalcomponent_as_ical_string(cal)) == NULL) {
		err_set(err, ERR_INTERNAL, "libical cannot write the calendar");
		goto out;
	}
	out = ical_fold(text, len);
out:
	icalcomponent_free(cal);
	icalerror_clear_errno();
	icalmemory_free_ring();
	return (out);
}

char *
ical_calendar_build(enum ical_method method, const char *tz,
    const struct ical_event *events, size_t n, size_t *len, struct err *err)
{
	return (calendar_build(method, tz, NULL, events, n, len, err));
}

/*
 * A subscribed calendar's own properties, after METHOD: its name and zone
 * as Apple, Google and Outlook read them, and the refresh interval both
 * as RFC 7986 has it and as Outlook reads it.
 */
static void
feed_props(icalcomponent *cal, const char *tz,
    const struct ical_feed_info *info)
{
	struct icaldurationtype	 d;
	icalproperty		*p;
	char			*s;

	s = ical_clean(info->name != NULL ? info->name : "", 0, 0);
	p = icalproperty_new_x(s);
	icalproperty_set_x_name(p, "X-WR-CALNAME");
	icalcomponent_add_property(cal, p);
	free(s);
	p = icalproperty_new_x(tz);
	icalproperty_set_x_name(p, "X-WR-TIMEZONE");
	icalcomponent_add_property(cal, p);
	d = icaldurationtype_from_int(info->refresh < 60 ? 60 :
	    info->refresh > INT_MAX ? INT_MAX : (int)info->refresh);
	p = icalproperty_new_refreshinterval(d);
	icalproperty_add_parameter(p, icalparameter_new_value(
	    ICAL_VALUE_DURATION));
	icalcomponent_add_property(cal, p);
	p = icalproperty_new_x(icaldurationtype_as_ical_string(d));
	icalproperty_set_x_name(p, "X-PUBLISHED-TTL");
	icalcomponent_add_property(cal, p);
}

char *
ical_feed_build(const char *tz, const struct ical_feed_info *info,
    const struct ical_event *events, size_t n, size_t *len, struct err *err)
{
	return (calendar_build(ICAL_MSG_PUBLISH, tz, info, events, n, len,
	    err));
}
