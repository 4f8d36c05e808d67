/*
 * ical: with ical-build.c, the only libical user.  RRULEs are checked and expanded here in the
 * configured time zone (libical's copy of it, from the system's tzdata), so
 * a series keeps its local time of day across daylight-saving changes; and
 * holiday files are parsed here into sets of dates for schedule.c.  It
 * must not touch the database, the clock or the network, and no RRULE or
 * ICS text may crash it or make it loop without bound: expansions are
 * capped by the window and by ICAL_MAX_OCCURRENCES, files by ICAL_MAX_FILE,
 * and a rule must yield within RRULE_SEARCH_YEARS of its start, which is
 * looked for here in a bounded number of days, before libical (which
 * would search up to the year 20000) is asked for it.
 * The VCALENDARs of invitations and feeds are built in ical-build.c.
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
#include "ical-int.h"
#include "schedule.h"
#include "util.h"
#include "xmalloc.h"

struct vevent_lines {
	size_t	*line;		/* line of each BEGIN:VEVENT, in order */
	size_t	 n;
};

/* How far ahead of its start a rule must yield (rrule_bounded). */
#define RRULE_SEARCH_YEARS	10

struct rrule_probe;

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
	ical_build_shutdown();
	icaltimezone_free_builtin_timezones();
	icalmemory_free_ring();
}

icaltimezone *
ical_zone_get(const char *tz, struct err *err)
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
	return (ical_zone_get(tz, NULL) != NULL);
}

/* The wall time of t in z (libical 3.0's from_timet_with_zone stays UTC). */
struct icaltimetype
ical_to_zone(time_t t, icaltimezone *z)
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

	if ((z = ical_zone_get(tz, err)) == NULL)
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
	back = ical_to_zone(t, z);
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
	if ((z = ical_zone_get(tz, err)) == NULL)
		return (-1);
	dt = ical_to_zone(dtstart, z);
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

