/*
 * schedule: the pure rules of planning.  Holidays turn a series' expanded
 * starts into occurrences, the team lists and absences give each session
 * its attendees, and a book of the sessions psychologists already hold
 * decides who facilitates or covers.  Everything here is a function of its
 * arguments: no I/O, no SQL, no libical, no clock.  The only outside state
 * is the process time zone (TZ), used by localtime_r and mktime so that a
 * moved session keeps its local time of day across daylight saving.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "domain.h"
#include "schedule.h"
#include "util.h"
#include "xmalloc.h"

struct book_iv {
	time_t	start;
	time_t	end;
	char	id[SCHED_ID_MAX + 1];
};

struct book_week {
	int	week;
	int	count;
};

struct book_psych {
	char			 slug[SLUG_MAX + 1];
	struct book_iv		*iv;		/* sorted by start */
	size_t			 niv;
	size_t			 ivcap;
	struct book_week	*wk;		/* sorted by week */
	size_t			 nwk;
	size_t			 wkcap;
	time_t			 maxdur;	/* longest interval booked */
};

struct sched_book {
	struct book_psych	*p;		/* sorted by slug */
	size_t			 n;
	size_t			 cap;
};

static long	days_from_civil(int, int, int);
static int	isoweek_of_days(long);
static void	civil_from_days(long, int *, int *, int *);
static int	cmp_date(const void *, const void *);
static int	cmp_occ(const void *, const void *);
static int	cmp_absence(const void *, const void *);
static int	cmp_attendee(const void *, const void *);
static int	move_start(time_t, long, time_t *);
static struct book_psych *book_find(const struct sched_book *, const char *);
static struct book_psych *book_get(struct sched_book *, const char *);
static struct book_week *book_week(const struct book_psych *, int);
static size_t	 book_at(const struct book_psych *, time_t);
static int	book_week_count(const struct sched_book *, const char *, int);
static void	book_week_add(struct book_psych *, int, int);
static const struct member *psych_find(const struct sched_assign *,
		    const char *);
static int	psych_why_not(const struct sched_assign *,
		    const struct member *, const char *, int, int, char *,
		    size_t);
static const char *display(const struct member *);
static void	say(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static const char *weekday_plural[] = {
	"Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays",
	"Saturdays", "Sundays"
};

/* ---- dates ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long
days_from_civil(int y, int m, int d)
{
	long	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
sched_date_parse(const char *s, long *days)
{
	static const int	 mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
				    30, 31, 30, 31 };
	int			 i, y, m, d, leap;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return (-1);
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return (-1);
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap))
		return (-1);
	*days = days_from_civil(y, m, d);
	return (0);
}

void
sched_date_format(long days, char buf[DATE_LEN])
{
	int	y, m, d;

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, DATE_LEN, "%04d-%02d-%02d", y, m, d);
}

int
sched_date_weekday(const char *date)
{
	long	days;

	if (sched_date_parse(date, &days) == -1)
		return (-1);
	/* 1970-01-01 was a Thursday (3 with Monday 0). */
	return ((int)(((days + 3) % 7 + 7) % 7));
}

int
sched_date_isoweek(const char *date)
{
	long	days;

	if (sched_date_parse(date, &days) == -1)
		return (-1);
	return (isoweek_of_days(days));
}

/* The ISO week (year * 100 + week) of a day counted from 1970-01-01. */
static int
isoweek_of_days(long days)
{
	long	thu;
	int	wd, y, m, d;

	wd = (int)(((days + 3) % 7 + 7) % 7);
	/* The ISO year is the year of the week's Thursday. */
	thu = days - wd + 3;
	civil_from_days(thu, &y, &m, &d);
	return (y * 100 + (int)((thu - days_from_civil(y, 1, 1)) / 7) + 1);
}

void
sched_local_date(time_t t, char buf[DATE_LEN])
{
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, DATE_LEN, "%Y-%m-%d", &tm) != 10)
		buf[0] = '\0';
}

/*
 * Bookings come by the thousand in time order, and glibc's localtime_r
 * takes a lock and looks at TZ each time: the last day looked up is kept.
 * Two hours are left out at each end of it, so that the clocks changing
 * that day cannot put a time kept into the day before or after.
 */
#define SCHED_DAY_MARGIN	(2 * 3600)

int
sched_isoweek(time_t t)
{
	static time_t		lo = 1, hi = 0;	/* nothing kept */
	static int		week;
	static unsigned int	gen;
	struct tm		tm;
	time_t			midnight;

	if (t >= lo && t < hi && gen == util_timezone_generation())
		return (week);
	/* From the local date's fields: no text in between. */
	if (localtime_r(&t, &tm) == NULL)
		return (-1);
	week = isoweek_of_days(days_from_civil(tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday));
	midnight = t - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
	lo = midnight + SCHED_DAY_MARGIN;
	hi = midnight + 86400 - SCHED_DAY_MARGIN;
	gen = util_timezone_generation();
	return (week);
}

/* ---- holidays --------------------------------------------------------- */

static int
cmp_date(const void *a, const void *b)
{
	return (strcmp(a, b));
}

void
sched_holidays_init(struct sched_holidays *h)
{
	memset(h, 0, sizeof(*h));
	h->sorted = 1;
}

void
sched_holidays_free(struct sched_holidays *h)
{
	if (h == NULL)
		return;
	free(h->dates);
	sched_holidays_init(h);
}

void
sched_holidays_add(struct sched_holidays *h, const char *date)
{
	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 32 : h->cap * 2;
		h->dates = xreallocarray(h->dates, h->cap, sizeof(*h->dates));
	}
	util_strlcpy(h->dates[h->n], date, DATE_LEN);
	if (h->n > 0 && strcmp(h->dates[h->n - 1], h->dates[h->n]) >= 0)
		h->sorted = 0;
	h->n++;
}

void
sched_holidays_finish(struct sched_holidays *h)
{
	size_t	i, j;

	if (h->n == 0)
		return;
	qsort(h->dates, h->n, sizeof(*h->dates), cmp_date);
	for (i = 1, j = 1; i < h->n; i++) {
		if (strcmp(h->dates[i], h->dates[j - 1]) != 0)
			memcpy(h->dates[j++], h->dates[i], DATE_LEN);
	}
	h->n = j;
	h->sorted = 1;
}

int
sched_holidays_contains(const struct sched_holidays *h, const char *date)
{
	size_t	i;

	if (h == NULL || h->n == 0)
		return (0);
	if (h->sorted)
		return (bsearch(date, h->dates, h->n, sizeof(*h->dates),
		    cmp_date) != NULL);
	for (i = 0; i < h->n; i++)
		if (strcmp(h->dates[i], date) == 0)
			return (1);
	return (0);
}

int
sched_working_day(const struct sched_holidays *h, const char *date)
{
	int	wd;

	if ((wd = sched_date_weekday(date)) == -1 || wd > 4)
		return (0);
	return (!sched_holidays_contains(h, date));
}

/* ---- occurrences ------------------------------------------------------ */

static int
cmp_occ(const void *a, const void *b)
{
	const struct sched_occurrence	*x = a, *y = b;

	if (x->start != y->start)
		return (x->start < y->start ? -1 : 1);
	/* Same start: the one that was not moved first, so it is kept. */
	if (x->moved != y->moved)
		return (x->moved - y->moved);
	return (strcmp(x->date, y->date));
}

/* The same local time of day as t, k days later (mktime for DST). */
static int
move_start(time_t t, long k, time_t *out)
{
	struct tm	tm;
	time_t		r;

	if (localtime_r(&t, &tm) == NULL)
		return (-1);
	tm.tm_mday += (int)k;
	tm.tm_isdst = -1;
	if ((r = mktime(&tm)) == (time_t)-1)
		return (-1);
	*out = r;
	return (0);
}

size_t
sched_occurrences(const time_t *starts, size_t n, int duration_min,
    const struct sched_holidays *hol, int on_holiday,
    struct sched_occurrence **out)
{
	struct sched_occurrence	*v;
	char			 date[DATE_LEN], to[DATE_LEN], prev[DATE_LEN];
	size_t			 i, m = 0, j;
	long			 days, k;
	time_t			 t;

	*out = NULL;
	if (n == 0)
		return (0);
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		sched_local_date(starts[i], date);
		if (sched_date_parse(date, &days) == -1)
			continue;
		t = starts[i];
		if (sched_holidays_contains(hol, date)) {
			if (on_holiday != ON_HOLIDAY_NEXT_WORKING_DAY)
				continue;
			for (k = 1; k <= SCHED_MOVE_MAX_DAYS; k++) {
				sched_date_format(days + k, to);
				if (sched_working_day(hol, to))
					break;
			}
			if (k > SCHED_MOVE_MAX_DAYS ||
			    move_start(starts[i], k, &t) == -1)
				continue;
			v[m].moved = 1;
		}
		memcpy(v[m].date, date, DATE_LEN);
		v[m].start = t;
		v[m].end = t + (time_t)duration_min * 60;
		m++;
	}
	qsort(v, m, sizeof(*v), cmp_occ);
	/* One session a day: a move onto a day already met is dropped. */
	prev[0] = '\0';
	for (i = 0, j = 0; i < m; i++) {
		sched_local_date(v[i].start, date);
		if (j > 0 && strcmp(date, prev) == 0) {
			if (v[j - 1].moved && !v[i].moved)
				v[j - 1] = v[i];
			continue;
		}
		memcpy(prev, date, DATE_LEN);
		v[j++] = v[i];
	}
	if (j == 0) {
		free(v);
		return (0);
	}
	*out = v;
	return (j);
}

char *
sched_session_id(const char *series, const char *date,
    char buf[SCHED_ID_MAX + 1])
{
	if (strlen(date) == 10)
		snprintf(buf, SCHED_ID_MAX + 1, "%s-%.4s%.2s%.2s", series,
		    date, date + 5, date + 8);
	else
		snprintf(buf, SCHED_ID_MAX + 1, "%s-", series);
	return (buf);
}

/* ---- absences and members --------------------------------------------- */

static int
cmp_absence(const void *a, const void *b)
{
	const struct absence	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->member, y->member)) != 0)
		return (c);
	return (strcmp(x->from, y->from));
}

void
sched_absences_init(struct sched_absences *ix, const struct absence *a,
    size_t n)
{
	ix->v = NULL;
	ix->n = 0;
	if (n == 0)
		return;
	ix->v = xcalloc(n, sizeof(*ix->v));
	memcpy(ix->v, a, n * sizeof(*a));
	ix->n = n;
	qsort(ix->v, n, sizeof(*ix->v), cmp_absence);
}

void
sched_absences_free(struct sched_absences *ix)
{
	if (ix == NULL)
		return;
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

int
sched_absent(const struct sched_absences *ix, const char *member,
    const char *date)
{
	size_t	lo = 0, hi, mid;

	if (ix == NULL || ix->n == 0 || member == NULL)
		return (0);
	hi = ix->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid].member, member) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n && strcmp(ix->v[lo].member, member) == 0; lo++) {
		if (strcmp(ix->v[lo].from, date) > 0)
			break;		/* sorted by from: none later applies */
		if (strcmp(ix->v[lo].to, date) >= 0)
			return (1);
	}
	return (0);
}

int
sched_member_active(const struct member *m, const char *date)
{
	if (m->start[0] != '\0' && strcmp(m->start, date) > 0)
		return (0);
	if (m->end[0] != '\0' && strcmp(m->end, date) < 0)
		return (0);
	return (1);
}

int
sched_member_available(const struct member *m,
    const struct sched_absences *ix, const char *date)
{
	int	wd;

	if (!sched_member_active(m, date))
		return (0);
	if ((wd = sched_date_weekday(date)) == -1 || (m->days & (1 << wd)) == 0)
		return (0);
	return (!sched_absent(ix, m->slug, date));
}

/* ---- attendees -------------------------------------------------------- */

static int
cmp_attendee(const void *a, const void *b)
{
	const struct sched_attendee	*x = a, *y = b;

	if (x->role != y->role)
		return (x->role - y->role);
	return (strcmp(x->member, y->member));
}

size_t
sched_attendees(const struct member *members, size_t n,
    const struct sched_absences *ix, const char *date,
    const char *psychologist, const struct member *cofac,
    struct sched_attendee **out)
{
	struct sched_attendee	*v;
	size_t			 i, m = 0, j;
	const char		*ps, *co = NULL;

	ps = psychologist != NULL ? psychologist : "";
	v = xcalloc(n + 2, sizeof(*v));
	if (*ps != '\0') {
		util_strlcpy(v[m].member, ps, sizeof(v[m].member));
		v[m++].role = SCHED_PSYCHOLOGIST;
	}
	if (cofac != NULL && strcmp(cofac->slug, ps) != 0 &&
	    sched_member_available(cofac, ix, date)) {
		co = cofac->slug;
		util_strlcpy(v[m].member, co, sizeof(v[m].member));
		v[m++].role = SCHED_COFACILITATOR;
	}
	for (i = 0; i < n; i++) {
		if (members[i].role == ROLE_PSYCHOLOGIST ||
		    strcmp(members[i].slug, ps) == 0 ||
		    (co != NULL && strcmp(members[i].slug, co) == 0))
			continue;
		if (!sched_member_available(&members[i], ix, date))
			continue;
		util_strlcpy(v[m].member, members[i].slug, sizeof(v[m].member));
		v[m++].role = SCHED_ATTENDEE;
	}
	qsort(v, m, sizeof(*v), cmp_attendee);
	/* The same member listed by two teams attends once. */
	for (i = 1, j = m > 0 ? 1 : 0; i < m; i++) {
		if (v[i].role == v[j - 1].role &&
		    strcmp(v[i].member, v[j - 1].member) == 0)
			continue;
		v[j++] = v[i];
	}
	if (j == 0) {
		free(v);
		*out = NULL;
		return (0);
	}
	*out = v;
	return (j);
}

const char *
sched_attendee_role_name(int role)
{
	switch (role) {
	case SCHED_PSYCHOLOGIST:
		return ("psychologist");
	case SCHED_COFACILITATOR:
		return ("cofacilitator");
	default:
		return ("attendee");
	}
}

/* ---- the book of psychologists' sessions ------------------------------ */

struct sched_book *
sched_book_new(void)
{
	return (xcalloc(1, sizeof(struct sched_book)));
}

void
sched_book_free(struct sched_book *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->p[i].iv);
		free(b->p[i].wk);
	}
	free(b->p);
	free(b);
}

static struct book_psych *
book_find(const struct sched_book *b, const char *slug)
{
	size_t	lo = 0, hi = b->n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(b->p[mid].slug, slug)) == 0)
			return (&b->p[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

static struct book_psych *
book_get(struct sched_book *b, const char *slug)
{
	struct book_psych	*p;
	size_t			 i;

	if ((p = book_find(b, slug)) != NULL)
		return (p);
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 16 : b->cap * 2;
		b->p = xreallocarray(b->p, b->cap, sizeof(*b->p));
	}
	for (i = b->n; i > 0 && strcmp(b->p[i - 1].slug, slug) > 0; i--)
		;
	memmove(&b->p[i + 1], &b->p[i], (b->n - i) * sizeof(*b->p));
	memset(&b->p[i], 0, sizeof(b->p[i]));
	util_strlcpy(b->p[i].slug, slug, sizeof(b->p[i].slug));
	b->n++;
	return (&b->p[i]);
}

/* The first interval of p starting at or after start. */
static size_t
book_at(const struct book_psych *p, time_t start)
{
	size_t	lo = 0, hi = p->niv, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->iv[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

static struct book_week *
book_week(const struct book_psych *p, int week)
{
	size_t	lo = 0, hi = p->nwk, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->wk[mid].week == week)
			return (&p->wk[mid]);
		if (p->wk[mid].week < week)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

static void
book_week_add(struct book_psych *p, int week, int delta)
{
	struct book_week	*w;
	size_t			 i;

	if ((w = book_week(p, week)) != NULL) {
		w->count += delta;
		return;
	}
	if (delta <= 0)
		return;
	if (p->nwk == p->wkcap) {
		p->wkcap = p->wkcap == 0 ? 64 : p->wkcap * 2;
		p->wk = xreallocarray(p->wk, p->wkcap, sizeof(*p->wk));
	}
	for (i = p->nwk; i > 0 && p->wk[i - 1].week > week; i--)
		;
	memmove(&p->wk[i + 1], &p->wk[i], (p->nwk - i) * sizeof(*p->wk));
	p->wk[i].week = week;
	p->wk[i].count = delta;
	p->nwk++;
}

void
sched_book_add(struct sched_book *b, const char *psych, const char *id,
    time_t start, time_t end)
{
	struct book_psych	*p;
	size_t			 i, n;

	if (psych == NULL || *psych == '\0')
		return;
	p = book_get(b, psych);
	/* Read again (a replay meets a row twice): replace it, in place. */
	for (i = book_at(p, start); i < p->niv && p->iv[i].start == start;
	    i++) {
		if (strcmp(p->iv[i].id, id) == 0) {
			p->iv[i].end = end > start ? end : start;
			if (p->iv[i].end - start > p->maxdur)
				p->maxdur = p->iv[i].end - start;
			return;
		}
	}
	if (p->niv == p->ivcap) {
		p->ivcap = p->ivcap == 0 ? 64 : p->ivcap * 2;
		p->iv = xreallocarray(p->iv, p->ivcap, sizeof(*p->iv));
	}
	/* Sessions mostly arrive in order: search from the end. */
	for (i = p->niv; i > 0 && p->iv[i - 1].start > start; i--)
		;
	memmove(&p->iv[i + 1], &p->iv[i], (p->niv - i) * sizeof(*p->iv));
	p->iv[i].start = start;
	p->iv[i].end = end > start ? end : start;
	/* Not snprintf: a region's cover reads this a thousand times a week. */
	n = strnlen(id, sizeof(p->iv[i].id) - 1);
	memcpy(p->iv[i].id, id, n);
	p->iv[i].id[n] = '\0';
	p->niv++;
	if (p->iv[i].end - start > p->maxdur)
		p->maxdur = p->iv[i].end - start;
	book_week_add(p, sched_isoweek(start), 1);
}

int
sched_book_remove(struct sched_book *b, const char *psych, const char *id)
{
	struct book_psych	*p;
	size_t			 i;

	if (psych == NULL || (p = book_find(b, psych)) == NULL)
		return (0);
	for (i = 0; i < p->niv; i++) {
		if (strcmp(p->iv[i].id, id) != 0)
			continue;
		book_week_add(p, sched_isoweek(p->iv[i].start), -1);
		memmove(&p->iv[i], &p->iv[i + 1],
		    (p->niv - i - 1) * sizeof(*p->iv));
		p->niv--;
		return (1);
	}
	return (0);
}

int
sched_book_week_count(const struct sched_book *b, const char *psych,
    time_t t)
{
	return (book_week_count(b, psych, sched_isoweek(t)));
}

/* The same for an ISO week already worked out (sched_isoweek). */
static int
book_week_count(const struct sched_book *b, const char *psych, int week)
{
	struct book_psych	*p;
	struct book_week	*w;

	if (psych == NULL || (p = book_find(b, psych)) == NULL)
		return (0);
	if ((w = book_week(p, week)) == NULL)
		return (0);
	return (w->count);
}

const char *
sched_book_conflict(const struct sched_book *b, const char *psych,
    time_t start, time_t end, int buffer_min)
{
	struct book_psych	*p;
	time_t			 buf, lo_start;
	size_t			 lo, hi, mid;

	if (psych == NULL || (p = book_find(b, psych)) == NULL)
		return (NULL);
	buf = (time_t)(buffer_min > 0 ? buffer_min : 0) * 60;
	/* Anything that can reach start began no earlier than this. */
	lo_start = start - buf - p->maxdur;
	lo = 0;
	hi = p->niv;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->iv[mid].start < lo_start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->niv && p->iv[lo].start < end + buf; lo++)
		if (p->iv[lo].end + buf > start)
			return (p->iv[lo].id);
	return (NULL);
}

/* ---- psychologist assignment ------------------------------------------ */

/* snprintf for reasons, which may be cut short at SCHED_REASON_MAX. */
static void
say(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (buf == NULL)
		return;		/* a candidate's why is not wanted */
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char *
display(const struct member *m)
{
	return (m->name[0] != '\0' ? m->name : m->slug);
}

static const struct member *
psych_find(const struct sched_assign *a, const char *slug)
{
	size_t	i;

	if (slug == NULL || *slug == '\0')
		return (NULL);
	for (i = 0; i < a->npsychs; i++)
		if (strcmp(a->psychs[i].slug, slug) == 0)
			return (&a->psychs[i]);
	return (NULL);
}

/*
 * 0 free; -1 not, with why in words ("is absent on 2026-03-10") unless
 * why is NULL.  wd and week are date's weekday and a->start's ISO week,
 * worked out once by the caller for every psychologist it weighs.
 */
static int
psych_why_not(const struct sched_assign *a, const struct member *m,
    const char *date, int wd, int week, char *why, size_t len)
{
	const char	*id;
	int		 count;

	if (m->start[0] != '\0' && strcmp(m->start, date) > 0) {
		say(why, len, "does not start until %s", m->start);
		return (-1);
	}
	if (m->end[0] != '\0' && strcmp(m->end, date) < 0) {
		say(why, len, "left on %s", m->end);
		return (-1);
	}
	if (wd != -1 && (m->days & (1 << wd)) == 0) {
		say(why, len, "does not work on %s", weekday_plural[wd]);
		return (-1);
	}
	if (sched_absent(a->absences, m->slug, date)) {
		say(why, len, "is absent on %s", date);
		return (-1);
	}
	if (a->book != NULL && (id = sched_book_conflict(a->book, m->slug,
	    a->start, a->end, a->buffer_minutes)) != NULL) {
		say(why, len, "has another session (%s) within %d "
		    "minutes", id, a->buffer_minutes);
		return (-1);
	}
	count = a->book != NULL ? book_week_count(a->book, m->slug, week) : 0;
	if (count >= m->capacity) {
		say(why, len, "is at capacity (%d session%s) in the "
		    "week of %s", m->capacity, m->capacity == 1 ? "" : "s",
		    date);
		return (-1);
	}
	return (0);
}

int
sched_assign_psychologist(const struct sched_assign *a,
    struct sched_choice *c)
{
	const struct member	*want, *best = NULL, *m;
	char			 date[DATE_LEN], why[SCHED_REASON_MAX];
	char			 first[SCHED_REASON_MAX];
	size_t			 i;
	int			 count, bestcount = 0, wd, week;

	memset(c, 0, sizeof(*c));
	sched_local_date(a->start, date);
	wd = sched_date_weekday(date);
	week = sched_date_isoweek(date);
	want = psych_find(a, a->wanted);
	if (want != NULL) {
		if (psych_why_not(a, want, date, wd, week, why,
		    sizeof(why)) == 0) {
			util_strlcpy(c->psychologist, want->slug,
			    sizeof(c->psychologist));
			say(c->reason, sizeof(c->reason),
			    "%s facilitates as planned", display(want));
			return (0);
		}
		say(first, sizeof(first), "%s %s", display(want), why);
	} else if (a->wanted != NULL && *a->wanted != '\0')
		say(first, sizeof(first), "%s is not a psychologist",
		    a->wanted);
	else
		say(first, sizeof(first), "the series has no "
		    "psychologist");

	for (i = 0; i < a->npsychs; i++) {
		m = &a->psychs[i];
		if (m == want || m->role != ROLE_PSYCHOLOGIST ||
		    psych_why_not(a, m, date, wd, week, NULL, 0) == -1)
			continue;
		count = a->book != NULL ?
		    book_week_count(a->book, m->slug, week) : 0;
		if (best == NULL || count < bestcount ||
		    (count == bestcount && strcmp(m->slug, best->slug) < 0)) {
			best = m;
			bestcount = count;
		}
	}
	if (best == NULL) {
		say(c->reason, sizeof(c->reason), "%s; no other "
		    "psychologist is free, so the session is uncovered", first);
		return (-1);
	}
	/* A cover already chosen stays while free: no reshuffling. */
	if ((m = psych_find(a, a->keep)) != NULL && m != want && m != best &&
	    m->role == ROLE_PSYCHOLOGIST &&
	    psych_why_not(a, m, date, wd, week, NULL, 0) == 0) {
		util_strlcpy(c->psychologist, m->slug, sizeof(c->psychologist));
		c->cover = 1;
		say(c->reason, sizeof(c->reason), "%s; covered by %s (free, "
		    "and covering it already)", first, display(m));
		return (0);
	}
	util_strlcpy(c->psychologist, best->slug, sizeof(c->psychologist));
	c->cover = 1;
	/*
	 * No count in the reason: it would change with every booking that
	 * week, rewriting sessions whose cover did not change (and widening
	 * a scoped replan to their teams for a word).
	 */
	say(c->reason, sizeof(c->reason), "%s; covered by %s (free, with the "
	    "fewest sessions that week)", first, display(best));
	return (0);
}

/* ---- supervision gap -------------------------------------------------- */

void
sched_gap(const char *last, const char *since, const char *today,
    int max_gap_days, struct sched_gap *g)
{
	long	t, l;

	g->days_since = -1;
	g->overdue = 0;
	if (sched_date_parse(today, &t) == -1)
		return;
	if (last != NULL && sched_date_parse(last, &l) == 0) {
		g->days_since = t - l;
		g->overdue = g->days_since > max_gap_days;
		return;
	}
	if (since != NULL && sched_date_parse(since, &l) == 0)
		g->overdue = t - l > max_gap_days;
}
