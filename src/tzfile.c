/*
 * tzfile: a zone's UTC offsets read from the system's zoneinfo (RFC 8536
 * TZif files), the transitions and then the POSIX TZ rule of the footer
 * for all the years after them.  ical.c builds its VTIMEZONEs from these
 * rather than from libical: libical 3.0.16 takes the 32-bit end of a TZif
 * file (2038-01-19 03:14:07 UTC) for a change, so from 2038 it moves some
 * zones' changes to 03:14:07 UTC (America/Santiago's September one, for
 * instance).  It must not include libical or touch the database, the
 * clock or the network; no file may crash it or make it loop: files are
 * capped at TZFILE_MAX_SIZE and every count is checked against the data.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tzfile.h"
#include "xmalloc.h"

#define TZFILE_MAX_SIZE	(256 * 1024)	/* the largest TZif files are 4 KB */

/* One date rule of a POSIX TZ string: "Mm.w.d", "Jn" or "n", "/time". */
struct tz_posix {
	int	kind;		/* 'M'; 'J' 1-365 without 29 Feb; 'D' 0-365 */
	int	mon, week, wday, day;
	int	secs;		/* local time of day; may be < 0 or > 24 h */
};

struct tzfile {
	time_t		*at;		/* transitions, ascending */
	unsigned char	*type;		/* the local time type from each */
	int		*utoff;		/* UTC offset of each type */
	size_t		 nat, ntypes;
	int		 footer;	/* the rule below is set */
	int		 dst;		/* it has daylight saving */
	int		 stdoff, dstoff;
	struct tz_posix	 start, end;	/* into daylight, back */
};

static int	tzp_num(const char **, int, int *);
static int	tzp_secs(const char **, int *);
static int	tzp_name(const char **);
static int	tzp_rule(const char **, struct tz_posix *);
static int	tzp_parse(const char *, struct tzfile *);
static time_t	tzp_when(const struct tz_posix *, int, int);
static int	tzp_offset(const struct tzfile *, time_t);
static uint32_t be32(const unsigned char *);
static struct tzfile *tzif_parse(const unsigned char *, size_t);
static int	days_in_month(int, int);

/* A decimal number no greater than max. */
static int
tzp_num(const char **sp, int max, int *out)
{
	const char	*s = *sp;
	int		 n = 0;

	if (!isdigit((unsigned char)*s))
		return (-1);
	while (isdigit((unsigned char)*s)) {
		n = n * 10 + (*s++ - '0');
		if (n > max)
			return (-1);
	}
	*sp = s;
	*out = n;
	return (0);
}

/* [+-]h[h][:mm[:ss]] in seconds, hours to 167 (RFC 8536 3.3.1). */
static int
tzp_secs(const char **sp, int *out)
{
	const char	*s = *sp;
	int		 sign = 1, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (tzp_num(&s, 167, &h) == -1)
		return (-1);
	if (*s == ':') {
		s++;
		if (tzp_num(&s, 59, &m) == -1)
			return (-1);
		if (*s == ':') {
			s++;
			if (tzp_num(&s, 59, &sec) == -1)
				return (-1);
		}
	}
	*sp = s;
	*out = sign * (h * 3600 + m * 60 + sec);
	return (0);
}

/* A zone abbreviation: three letters or more, or "<...>" ("<-04>"). */
static int
tzp_name(const char **sp)
{
	const char	*s = *sp, *e;

	if (*s == '<') {
		if ((e = strchr(s, '>')) == NULL || e - s < 4)
			return (-1);
		*sp = e + 1;
		return (0);
	}
	for (e = s; isalpha((unsigned char)*e); e++)
		;
	if (e - s < 3)
		return (-1);
	*sp = e;
	return (0);
}

/* "Mm.w.d", "Jn" or "n", then "/time" (02:00 when not given). */
static int
tzp_rule(const char **sp, struct tz_posix *r)
{
	const char	*s = *sp;

	memset(r, 0, sizeof(*r));
	r->secs = 2 * 3600;
	if (*s == 'M') {
		r->kind = 'M';
		s++;
		if (tzp_num(&s, 12, &r->mon) == -1 || r->mon < 1 ||
		    *s++ != '.' || tzp_num(&s, 5, &r->week) == -1 ||
		    r->week < 1 || *s++ != '.' ||
		    tzp_num(&s, 6, &r->wday) == -1)
			return (-1);
	} else if (*s == 'J') {
		r->kind = 'J';
		s++;
		if (tzp_num(&s, 365, &r->day) == -1 || r->day < 1)
			return (-1);
	} else {
		r->kind = 'D';
		if (tzp_num(&s, 365, &r->day) == -1)
			return (-1);
	}
	if (*s == '/') {
		s++;
		if (tzp_secs(&s, &r->secs) == -1)
			return (-1);
	}
	*sp = s;
	return (0);
}

/*
 * The footer of a TZif file: "GMT0BST,M3.5.0/1,M10.5.0", "<-04>4<-03>,
 * M9.1.6/24,M4.1.6/24", or empty.  POSIX offsets count west, so they are
 * negated.  A daylight name without rules is refused (POSIX leaves them to
 * the system; zic always writes them).
 */
static int
tzp_parse(const char *s, struct tzfile *f)
{
	int	off;

	if (*s == '\0')
		return (0);
	if (tzp_name(&s) == -1 || tzp_secs(&s, &off) == -1)
		return (-1);
	f->stdoff = -off;
	if (*s == '\0') {
		f->footer = 1;
		return (0);
	}
	if (tzp_name(&s) == -1)
		return (-1);
	f->dstoff = f->stdoff + 3600;
	if (*s != ',') {
		if (tzp_secs(&s, &off) == -1)
			return (-1);
		f->dstoff = -off;
	}
	if (*s++ != ',' || tzp_rule(&s, &f->start) == -1 || *s++ != ',' ||
	    tzp_rule(&s, &f->end) == -1 || *s != '\0')
		return (-1);
	f->footer = f->dst = 1;
	return (0);
}

/* The instant of rule r in year, its time of day being local at off. */
static time_t
tzp_when(const struct tz_posix *r, int year, int off)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	switch (r->kind) {
	case 'J':
		/* J60 is 1 March, leap year or not. */
		tm.tm_mday = r->day + (r->day >= 60 &&
		    days_in_month(year, 1) == 29);
		break;
	case 'D':
		tm.tm_mday = r->day + 1;
		break;
	default:
		tm.tm_mon = r->mon - 1;
		tm.tm_mday = tzfile_mday(year, r->mon - 1,
		    r->week == 5 ? -1 : r->week, r->wday);
		break;
	}
	return (timegm(&tm) + r->secs - off);
}

static int
tzp_offset(const struct tzfile *f, time_t t)
{
	struct tm	tm;
	time_t		local = t + f->stdoff, s, e;
	int		year;

	if (!f->dst || gmtime_r(&local, &tm) == NULL)
		return (f->stdoff);
	year = tm.tm_year + 1900;
	s = tzp_when(&f->start, year, f->stdoff);
	e = tzp_when(&f->end, year, f->dstoff);
	if (s <= e)
		return (t >= s && t < e ? f->dstoff : f->stdoff);
	/* South of the equator: daylight saving spans the new year. */
	return (t >= e && t < s ? f->stdoff : f->dstoff);
}

static uint32_t
be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/*
 * RFC 8536: a header and a block of 32-bit times; from version 2 a second
 * header and block with 64-bit times, then "\nTZ string\n".
 */
static struct tzfile *
tzif_parse(const unsigned char *buf, size_t len)
{
	struct tzfile	*f;
	const unsigned char *p = buf, *end = buf + len, *nl;
	size_t		 cnt[6], tsize = 4, size, i;
	char		*footer;
	int		 pass, version;

	if (len < 44 || memcmp(buf, "TZif", 4) != 0)
		return (NULL);
	version = buf[4];
	for (pass = 0; pass < 2; pass++) {
		if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
			return (NULL);
		/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
		for (i = 0; i < 6; i++)
			if ((cnt[i] = be32(p + 20 + 4 * i)) > len)
				return (NULL);
		p += 44;
		size = cnt[3] * (tsize + 1) + cnt[4] * 6 + cnt[5] +
		    cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
		if (size > (size_t)(end - p) || cnt[4] == 0 || cnt[4] > 256)
			return (NULL);
		if (pass == 1 || version < '2')
			break;
		p += size;
		tsize = 8;
	}
	f = xcalloc(1, sizeof(*f));
	f->nat = cnt[3];
	f->ntypes = cnt[4];
	f->at = xreallocarray(NULL, f->nat + 1, sizeof(*f->at));
	f->type = xmalloc(f->nat + 1);
	f->utoff = xreallocarray(NULL, f->ntypes, sizeof(*f->utoff));
	for (i = 0; i < f->nat; i++) {
		if (tsize == 8)
			f->at[i] = (time_t)(int64_t)((uint64_t)be32(p +
			    8 * i) << 32 | be32(p + 8 * i + 4));
		else
			f->at[i] = (int32_t)be32(p + 4 * i);
		f->type[i] = p[f->nat * tsize + i];
		if (f->type[i] >= f->ntypes ||
		    (i > 0 && f->at[i] <= f->at[i - 1]))
			goto bad;
	}
	p += f->nat * (tsize + 1);
	for (i = 0; i < f->ntypes; i++)
		f->utoff[i] = (int32_t)be32(p + 6 * i);
	p += size - f->nat * (tsize + 1);
	if (version >= '2') {
		if (p >= end || *p != '\n' ||
		    (nl = memchr(p + 1, '\n', (size_t)(end - p - 1))) == NULL)
			goto bad;
		footer = xstrndup((const char *)p + 1, (size_t)(nl - p - 1));
		if (tzp_parse(footer, f) == -1) {
			free(footer);
			goto bad;
		}
		free(footer);
	}
	return (f);
bad:
	tzfile_free(f);
	return (NULL);
}

/* The zone's TZif file under TZDIR (as the C library), or NULL. */
struct tzfile *
tzfile_load(const char *zone)
{
	struct tzfile	*f = NULL;
	const char	*dir;
	unsigned char	*buf;
	char		*path;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd;

	if (zone[0] == '/' || strstr(zone, "..") != NULL)
		return (NULL);
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	xasprintf(&path, "%s/%s", dir, zone);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (NULL);
	buf = xmalloc(TZFILE_MAX_SIZE);
	while (len < TZFILE_MAX_SIZE) {
		r = read(fd, buf + len, TZFILE_MAX_SIZE - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (len < TZFILE_MAX_SIZE)
		f = tzif_parse(buf, len);
	free(buf);
	close(fd);
	return (f);
}

void
tzfile_free(struct tzfile *f)
{
	if (f == NULL)
		return;
	free(f->at);
	free(f->type);
	free(f->utoff);
	free(f);
}

int
tzfile_offset(const struct tzfile *f, time_t t)
{
	size_t	lo, hi, mid;

	/* The footer's rule governs from the last transition on. */
	if (f->footer && (f->nat == 0 || t >= f->at[f->nat - 1]))
		return (tzp_offset(f, t));
	if (f->nat == 0 || t < f->at[0])
		return (f->utoff[0]);
	lo = 0;
	hi = f->nat;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (f->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return (f->utoff[f->type[lo]]);
}

/* mon counts from 0. */
static int
days_in_month(int year, int mon)
{
	static const int	days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (mon == 1 && ((year % 4 == 0 && year % 100 != 0) ||
	    year % 400 == 0))
		return (29);
	return (days[mon]);
}

/* The day of the month of the ord'th (-1: last) wday of mon (from 0). */
int
tzfile_mday(int year, int mon, int ord, int wday)
{
	struct tm	tm;
	time_t		t;
	int		mday, dim = days_in_month(year, mon);

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = 1;
	t = timegm(&tm);
	if (gmtime_r(&t, &tm) == NULL)
		return (1);
	mday = 1 + (wday - tm.tm_wday + 7) % 7;
	if (ord > 0)
		mday += (ord - 1) * 7;
	else
		while (mday + 7 <= dim)
			mday += 7;
	while (mday > dim)
		mday -= 7;
	return (mday);
}
