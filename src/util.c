/*
 * Parsing and formatting of the small value types every module shares:
 * durations, dates, local times, numbers, booleans and comma lists.  Pure
 * apart from the process time zone, which util_set_timezone() sets.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"
#include "xmalloc.h"

static int	parse_digits(const char **, int, int *);
static int	days_in_month(int, int);

int
util_parse_duration(const char *s, int64_t *out)
{
	char		*end;
	long long	 n;
	int64_t		 mult;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || n < 0)
		return (-1);
	switch (*end) {
	case '\0':
	case 's':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	case 'w':
		mult = 7 * 86400;
		break;
	default:
		return (-1);
	}
	if (*end != '\0' && end[1] != '\0')
		return (-1);
	if (n > INT64_MAX / mult / 2)
		return (-1);
	*out = (int64_t)n * mult;
	return (0);
}

static int
parse_digits(const char **sp, int n, int *out)
{
	int	v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**sp))
			return (-1);
		v = v * 10 + (**sp - '0');
		(*sp)++;
	}
	*out = v;
	return (0);
}

static int
days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return (29);
	return (mdays[m - 1]);
}

/* Local time for a broken-down date and time; -1 if it does not exist. */
static int
make_local(int y, int mo, int d, int h, int mi, int s, time_t *out)
{
	struct tm	tm;
	time_t		t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return (-1);
	/* A time in a daylight-saving gap comes back moved: refuse it. */
	if (tm.tm_hour != h || tm.tm_min != mi || tm.tm_mday != d)
		return (-1);
	*out = t;
	return (0);
}

static int
parse_ymd(const char **p, int *y, int *mo, int *d)
{
	if (parse_digits(p, 4, y) == -1 || **p != '-')
		return (-1);
	(*p)++;
	if (parse_digits(p, 2, mo) == -1 || **p != '-')
		return (-1);
	(*p)++;
	if (parse_digits(p, 2, d) == -1)
		return (-1);
	if (*y < 1970 || *y > 9999 || *mo < 1 || *mo > 12 || *d < 1 ||
	    *d > days_in_month(*y, *mo))
		return (-1);
	return (0);
}

int
util_parse_date(const char *s, time_t *out)
{
	const char	*p = s;
	int		 y, mo, d;

	if (s == NULL || parse_ymd(&p, &y, &mo, &d) == -1 || *p != '\0')
		return (-1);
	return (make_local(y, mo, d, 0, 0, 0, out));
}

int
util_parse_time(const char *s, time_t *out)
{
	const char	*p = s;
	int		 y, mo, d, h, mi, sec = 0, oh, om, sign;
	struct tm	 tm;
	time_t		 t;

	if (s == NULL || parse_ymd(&p, &y, &mo, &d) == -1)
		return (-1);
	if (*p == '\0')
		return (make_local(y, mo, d, 0, 0, 0, out));
	if (*p != 'T' && *p != 't' && *p != ' ')
		return (-1);
	p++;
	if (parse_digits(&p, 2, &h) == -1 || *p++ != ':' ||
	    parse_digits(&p, 2, &mi) == -1)
		return (-1);
	if (*p == ':') {
		p++;
		if (parse_digits(&p, 2, &sec) == -1)
			return (-1);
		if (*p == '.') {	/* fractional seconds: ignored */
			p++;
			if (!isdigit((unsigned char)*p))
				return (-1);
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (h > 23 || mi > 59 || sec > 60)
		return (-1);
	if (*p == '\0')
		return (make_local(y, mo, d, h, mi, sec, out));
	if (*p == 'Z' || *p == 'z') {
		oh = om = 0;
		sign = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (parse_digits(&p, 2, &oh) == -1 || *p++ != ':' ||
		    parse_digits(&p, 2, &om) == -1 || oh > 23 || om > 59)
			return (-1);
	} else
		return (-1);
	if (*p != '\0')
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return (-1);
	*out = t - sign * (oh * 3600 + om * 60);
	return (0);
}

int
util_parse_hhmm(const char *s, int *out)
{
	const char	*p = s;
	int		 h, m;

	if (s == NULL || parse_digits(&p, 2, &h) == -1 || *p++ != ':' ||
	    parse_digits(&p, 2, &m) == -1 || *p != '\0' || h > 23 || m > 59)
		return (-1);
	*out = h * 60 + m;
	return (0);
}

int
util_parse_int(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

int
util_parse_double(const char *s, double min, double max, double *out)
{
	char	*end;
	double	 v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

int
util_parse_bool(const char *s)
{
	if (s == NULL)
		return (-1);
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0)
		return (1);
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "off") == 0 || strcmp(s, "0") == 0)
		return (0);
	return (-1);
}

char *
util_format_time(time_t t, char buf[UTIL_TIMEBUF])
{
	struct tm	tm;
	int		off;

	localtime_r(&t, &tm);
	off = (int)(tm.tm_gmtoff % 86400);
	snprintf(buf, UTIL_TIMEBUF, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
	    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100,
	    off < 0 ? '-' : '+', abs(off) / 3600 % 100, (abs(off) % 3600) / 60);
	return (buf);
}

char *
util_format_date(time_t t, char buf[UTIL_TIMEBUF])
{
	struct tm	tm;

	localtime_r(&t, &tm);
	snprintf(buf, UTIL_TIMEBUF, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
	return (buf);
}

int
util_timezone_exists(const char *tz)
{
	char	path[512], magic[4];
	FILE	*f;
	int	 ok;

	if (tz == NULL || *tz == '\0' || strstr(tz, "..") != NULL ||
	    tz[0] == '/' || strlen(tz) > 200)
		return (0);
	if (strcmp(tz, "UTC") == 0)
		return (1);
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	/*
	 * Only a compiled zone will do: "Europe" (a directory) or "zone.tab"
	 * open fine, but glibc would silently run them as UTC.
	 */
	ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	    memcmp(magic, "TZif", sizeof(magic)) == 0;
	fclose(f);
	return (ok);
}

/* Counts util_set_timezone's changes, for what keeps local times. */
static unsigned int	util_tz_gen;

int
util_set_timezone(const char *tz)
{
	if (!util_timezone_exists(tz))
		return (-1);
	if (setenv("TZ", tz, 1) == -1)
		return (-1);
	tzset();
	util_tz_gen++;
	return (0);
}

unsigned int
util_timezone_generation(void)
{
	return (util_tz_gen);
}

size_t
util_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	len, n;

	if (src == NULL)
		src = "";
	len = strlen(src);
	n = len < size ? len : size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return (len);
}

char *
util_trim(char *s)
{
	char	*b = s, *e;

	while (isspace((unsigned char)*b))
		b++;
	e = b + strlen(b);
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	/* Move the text to the front, so s stays the pointer to free. */
	memmove(s, b, (size_t)(e - b));
	s[e - b] = '\0';
	return (s);
}

char **
util_split_list(const char *s, size_t *n)
{
	char	**list = NULL, *copy, *tok, *save = NULL, *item;
	size_t	  count = 0;

	copy = xstrdup(s != NULL ? s : "");
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		item = util_trim(tok);
		if (*item == '\0')
			continue;
		list = xreallocarray(list, count + 1, sizeof(*list));
		list[count++] = xstrdup(item);
	}
	free(copy);
	*n = count;
	return (list);
}

void
util_free_list(char **list, size_t n)
{
	size_t	i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

size_t
util_equal_range(const void *base, size_t n, size_t size, size_t off,
    const char *key, size_t *at)
{
	const char	*b = base;
	size_t		 lo = 0, hi = n, mid, len = 0;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(b + mid * size + off, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + len < n && strcmp(b + (lo + len) * size + off, key) == 0)
		len++;
	*at = lo;
	return (len);
}

double
util_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}
