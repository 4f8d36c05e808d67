/*
 * Small pure helpers shared by the config loader, the clock and the
 * commands: parsing and formatting of durations, dates and times.  Local
 * times are in the process time zone, which daemon.c sets from
 * [daemon] timezone (TZ) before anything formats or parses a time.
 */
#ifndef REFLECTD_UTIL_H
#define REFLECTD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "90", "90s", "15m", "6h", "3d", "2w" -> seconds.  0 ok, -1 bad. */
int	util_parse_duration(const char *, int64_t *);
/* "YYYY-MM-DD" (a real calendar date) -> local midnight.  0 ok, -1 bad. */
int	util_parse_date(const char *, time_t *);
/*
 * "YYYY-MM-DDTHH:MM[:SS]" local, or full RFC 3339 with "Z" or "+HH:MM".
 * A bare date is accepted as local midnight.  0 ok, -1 bad.
 */
int	util_parse_time(const char *, time_t *);
/* "HH:MM" -> minutes after midnight.  0 ok, -1 bad. */
int	util_parse_hhmm(const char *, int *);
/* Parse a whole decimal integer / double within [min,max].  0 ok, -1 bad. */
int	util_parse_int(const char *, long long min, long long max, long long *);
int	util_parse_double(const char *, double min, double max, double *);
/* "yes|no|true|false|on|off|1|0" -> 1/0; -1 bad. */
int	util_parse_bool(const char *);

#define UTIL_TIMEBUF	40
/* RFC 3339 in local time with its offset, e.g. 2026-11-23T10:00:00+00:00. */
char	*util_format_time(time_t, char buf[UTIL_TIMEBUF]);
/* YYYY-MM-DD in local time. */
char	*util_format_date(time_t, char buf[UTIL_TIMEBUF]);
/* 1 if the zone name is known to the system (tzdata), else 0. */
int	util_timezone_exists(const char *);
/* Set TZ and tzset(); -1 if the zone is not known to the system. */
int	util_set_timezone(const char *);
/* Moves on each time util_set_timezone sets TZ. */
unsigned int util_timezone_generation(void);

/*
 * In an array of n elements of size bytes, sorted by a string key held in
 * each element at offset off (a char array), the run of elements whose key
 * equals key: returns its length and sets *at to its first index.
 */
size_t	util_equal_range(const void *base, size_t n, size_t size, size_t off,
	    const char *key, size_t *at);

/* Split "a, b,c" on commas, trimming blanks; empty items dropped. */
char	**util_split_list(const char *, size_t *n);
void	 util_free_list(char **, size_t n);
/*
 * Copy src into dst of size bytes (size > 0), cut short if it must and
 * always terminated, as snprintf(dst, size, "%s", src) would, without
 * going through printf; a NULL src copies as "".  Returns strlen(src).
 */
size_t	util_strlcpy(char *dst, const char *src, size_t size);
/* Trim leading and trailing blanks in place; returns s itself (free-able). */
char	*util_trim(char *s);

/* The monotonic clock in milliseconds, for timing work in the log. */
double	 util_ms(void);

#endif
