/*
 * Unit tests for tzfile, the zoneinfo reader behind ical.c's VTIMEZONEs:
 * offsets either side of each change in zones north and south of the
 * equator, before and after 2038 (where libical 3.0 goes wrong), and on
 * the rules of the footer; names that are missing or leave the zoneinfo
 * directory give NULL; a truncated or damaged file under a TZDIR of the
 * test's own is refused, never half read.  No database, clock or network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "testutil.h"
#include "tzfile.h"
#include "xmalloc.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define ZONEINFO	"/usr/share/zoneinfo"

/* The offset before and from a change at a UTC time. */
struct change_case {
	const char	*zone;
	int		 y, mo, d, h, mi;
	int		 from, to;
};

static const struct change_case changes[] = {
	/* Last Sunday of March and of October, 01:00 UTC. */
	{ "Europe/London", 2027, 3, 28, 1, 0, 0, 3600 },
	{ "Europe/London", 2027, 10, 31, 1, 0, 3600, 0 },
	{ "Europe/London", 2040, 3, 25, 1, 0, 0, 3600 },
	{ "Europe/London", 2040, 10, 28, 1, 0, 3600, 0 },
	/* South: out of daylight saving in April, into it in October. */
	{ "Australia/Sydney", 2027, 4, 3, 16, 0, 39600, 36000 },
	{ "Australia/Sydney", 2027, 10, 2, 16, 0, 36000, 39600 },
	/* "M9.1.6/24": the September change libical 3.0 puts at 03:14:07. */
	{ "America/Santiago", 2040, 4, 8, 3, 0, -10800, -14400 },
	{ "America/Santiago", 2040, 9, 2, 4, 0, -14400, -10800 },
};

/* A zone's offset all year. */
struct fixed_case {
	const char	*zone;
	int		 offset;
};

static const struct fixed_case fixed[] = {
	{ "UTC", 0 },
	{ "Asia/Kolkata", 19800 },
};

static time_t	utc(int, int, int, int, int);
static unsigned char *slurp(const char *, size_t *);
static void	put(const char *, const char *, const void *, size_t);
static char	*zonedir(void);
static Suite	*tzfile_suite(void);

static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (timegm(&tm));
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char	*buf;
	FILE		*fp;
	size_t		 cap = 64 * 1024;

	ck_assert_ptr_nonnull(fp = fopen(path, "rb"));
	buf = xmalloc(cap);
	*len = fread(buf, 1, cap, fp);
	ck_assert_int_eq(ferror(fp), 0);
	ck_assert_uint_lt(*len, cap);
	fclose(fp);
	return (buf);
}

static void
put(const char *dir, const char *name, const void *buf, size_t len)
{
	char	*path;
	FILE	*fp;

	xasprintf(&path, "%s/%s", dir, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	free(path);
}

/* A fresh TZDIR of the test's own. */
static char *
zonedir(void)
{
	char	*dir;

	dir = xstrdup("/tmp/check_tzfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);
	return (dir);
}

START_TEST(test_changes)
{
	const struct change_case	*c = &changes[_i];
	struct tzfile			*f;
	time_t				 at;

	ck_assert_ptr_nonnull(f = tzfile_load(c->zone));
	at = utc(c->y, c->mo, c->d, c->h, c->mi);
	ck_assert_int_eq(tzfile_offset(f, at - 86400), c->from);
	ck_assert_int_eq(tzfile_offset(f, at - 1), c->from);
	ck_assert_int_eq(tzfile_offset(f, at), c->to);
	ck_assert_int_eq(tzfile_offset(f, at + 86400), c->to);
	tzfile_free(f);
}
END_TEST

START_TEST(test_fixed)
{
	const struct fixed_case	*c = &fixed[_i];
	struct tzfile		*f;
	int			 y;

	ck_assert_ptr_nonnull(f = tzfile_load(c->zone));
	for (y = 2026; y <= 2045; y++) {
		ck_assert_int_eq(tzfile_offset(f, utc(y, 1, 15, 12, 0)),
		    c->offset);
		ck_assert_int_eq(tzfile_offset(f, utc(y, 7, 15, 12, 0)),
		    c->offset);
	}
	tzfile_free(f);
}
END_TEST

START_TEST(test_missing)
{
	ck_assert_ptr_null(tzfile_load("Nowhere/Atlantis"));
	ck_assert_ptr_null(tzfile_load(""));
	ck_assert_ptr_null(tzfile_load("Europe"));	/* a directory */
	/* Only names under the zoneinfo directory. */
	ck_assert_ptr_null(tzfile_load(ZONEINFO "/Europe/London"));
	ck_assert_ptr_null(tzfile_load("../zoneinfo/Europe/London"));
	ck_assert_ptr_null(tzfile_load("Europe/../Europe/London"));
	tzfile_free(NULL);
}
END_TEST

/* Every cut of a good file is refused; the whole of it is read. */
START_TEST(test_truncated)
{
	struct tzfile	*f;
	unsigned char	*buf;
	char		*dir;
	size_t		 len, cut;

	buf = slurp(ZONEINFO "/Europe/London", &len);
	dir = zonedir();
	put(dir, "London", buf, len);
	ck_assert_ptr_nonnull(f = tzfile_load("London"));
	ck_assert_int_eq(tzfile_offset(f, utc(2027, 7, 1, 12, 0)), 3600);
	tzfile_free(f);
	for (cut = 0; cut < len; cut++) {
		put(dir, "London", buf, cut);
		ck_assert_msg(tzfile_load("London") == NULL,
		    "the first %zu of %zu bytes were accepted", cut, len);
	}
	testutil_rm_rf(dir);
	free(dir);
	free(buf);
}
END_TEST

START_TEST(test_damaged)
{
	static const char	 text[] = "Europe/London\n";
	static const char	 norules[] = "\nGMT0BST\n";
	unsigned char		*buf, *bad;
	char			*dir;
	size_t			 len, foot;

	buf = slurp(ZONEINFO "/Europe/London", &len);
	dir = zonedir();
	put(dir, "Text", text, sizeof(text) - 1);
	ck_assert_ptr_null(tzfile_load("Text"));

	/* Not "TZif". */
	bad = xmalloc(len);
	memcpy(bad, buf, len);
	bad[0] = 'X';
	put(dir, "Magic", bad, len);
	ck_assert_ptr_null(tzfile_load("Magic"));

	/* A daylight name without the rules for it. */
	ck_assert_uint_gt(len, 2);
	for (foot = len - 2; foot > 0 && buf[foot] != '\n'; foot--)
		;
	ck_assert_uint_gt(foot, 0);
	bad = xreallocarray(bad, foot + sizeof(norules), 1);
	memcpy(bad, buf, foot);
	memcpy(bad + foot, norules, sizeof(norules) - 1);
	put(dir, "NoRules", bad, foot + sizeof(norules) - 1);
	ck_assert_ptr_null(tzfile_load("NoRules"));

	testutil_rm_rf(dir);
	free(dir);
	free(bad);
	free(buf);
}
END_TEST

START_TEST(test_mday)
{
	/* Last Sunday of March 2027, second of March, first of November. */
	ck_assert_int_eq(tzfile_mday(2027, 2, -1, 0), 28);
	ck_assert_int_eq(tzfile_mday(2027, 2, 2, 0), 14);
	ck_assert_int_eq(tzfile_mday(2027, 10, 1, 0), 7);
	/* A fifth that the month lacks is the last. */
	ck_assert_int_eq(tzfile_mday(2027, 1, 5, 0), 28);
	/* 29 February in a leap year, not in 2100. */
	ck_assert_int_eq(tzfile_mday(2028, 1, -1, 2), 29);
	ck_assert_int_eq(tzfile_mday(2100, 1, -1, 1), 22);
}
END_TEST

static Suite *
tzfile_suite(void)
{
	Suite	*s = suite_create("tzfile");
	TCase	*tc = tcase_create("tzfile");

	tcase_add_loop_test(tc, test_changes, 0, (int)NELEM(changes));
	tcase_add_loop_test(tc, test_fixed, 0, (int)NELEM(fixed));
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_mday);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(tzfile_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
