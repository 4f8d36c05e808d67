/*
 * Unit tests for CSV imports: a real SQLite store in a fresh temporary
 * directory per test, the real people and cases modules behind the
 * importer, a fake clock.  Each import runs in a transaction as the
 * command layer runs it: committed on success, rolled back on -1.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <jansson.h>

#include "acl.h"
#include "cases.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "csvimport.h"
#include "daemon.h"
#include "domain.h"
#include "err.h"
#include "people.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define CANARY	"Canary Childname"

static char		 test_dir[64];
static struct event_base *test_base;
static struct daemon	 test_daemon;
static struct store	*st;
static struct config	*conf;

static void	 setup(void);
static void	 teardown(void);
static void	 add_team(const char *);
static int	 import(int, int, int, const char *, json_t **, struct err *);
static void	 import_ok(int, const char *, int, int, int, int);
static json_t	*import_bad(int, const char *, size_t);
static int	 error_line(json_t *, size_t);
static const char *error_msg(json_t *, size_t);
static int	 member_count(void);
static int	 open_cases(void);
static void	 load_people(void);
static char	*read_all(const char *, size_t *);
static int	 file_has(const char *, const char *);
static Suite	*csvimport_suite(void);

static const char members_csv[] =
    "slug,name,email,role,team,fte,days\n"
    "amy,Amy Lead,amy@example.org,manager,north,,\n"
    "ben,Ben Social,ben@example.org,social_worker,north,0.6,\"MO,TU,WE\"\n"
    "cat,Cat Senior,cat@example.org,senior_practitioner,north,1,\n"
    "dan,Dan Youth,dan@example.org,youth_worker,north,,\n";

static void
setup(void)
{
	struct err	err;
	char		tmpl[] = "/tmp/check_csvimport.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(test_dir, sizeof(test_dir), "%s", tmpl);
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
	test_base = event_base_new();
	ck_assert_ptr_nonnull(test_base);
	ck_assert_int_eq(clock_init(test_base, "2026-01-05T09:00:00Z", &err),
	    0);
	conf = config_defaults();
	ck_assert_ptr_nonnull(conf);
	st = store_open(test_dir, &err);
	ck_assert_msg(st != NULL, "store_open: %s", err.msg);
	memset(&test_daemon, 0, sizeof(test_daemon));
	test_daemon.base = test_base;
	test_daemon.conf = conf;
	test_daemon.store = st;
	test_daemon.started = clock_now();
	daemon_g = &test_daemon;
}

static void
teardown(void)
{
	char	cmd[PATH_MAX + 16];

	store_close(st);
	config_free(conf);
	clock_free();
	event_base_free(test_base);
	daemon_g = NULL;
	if (strncmp(test_dir, "/tmp/check_csvimport.", 21) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", test_dir);
	}
}

static void
add_team(const char *slug)
{
	struct team	t;
	struct err	err;

	memset(&t, 0, sizeof(t));
	snprintf(t.slug, sizeof(t.slug), "%s", slug);
	snprintf(t.name, sizeof(t.name), "Team %s", slug);
	t.kind = TEAM_MAST;
	ck_assert_int_eq(store_begin(st, &err), 0);
	ck_assert_msg(people_team_add(st, &t, &err) == 0, "team add: %s",
	    err.msg);
	ck_assert_int_eq(store_commit(st, &err), 0);
}

/* One import in its own transaction, as cmd.c runs it. */
static int
import(int kind, int snapshot, int dry_run, const char *body,
    json_t **result, struct err *err)
{
	struct csvimport_opts	opts;
	int			rc;

	memset(&opts, 0, sizeof(opts));
	opts.kind = kind;
	opts.snapshot = snapshot;
	opts.dry_run = dry_run;
	err_clear(err);
	ck_assert_int_eq(store_begin(st, err), 0);
	rc = csvimport_run(st, conf, &opts, body, strlen(body), result, err);
	if (rc == 0)
		ck_assert_int_eq(store_commit(st, err), 0);
	else
		store_rollback(st);
	return (rc);
}

static void
import_ok(int kind, const char *body, int ins, int upd, int unch, int closed)
{
	struct err	 err;
	json_t		*r = NULL;

	ck_assert_msg(import(kind, 0, 0, body, &r, &err) == 0, "import: %s",
	    err.msg);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "inserted")),
	    ins);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "updated")),
	    upd);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "unchanged")),
	    unch);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "closed")),
	    closed);
	ck_assert_int_eq(json_array_size(json_object_get(r, "errors")), 0);
	json_decref(r);
}

/* An import that must be refused with nerrors listed; the result. */
static json_t *
import_bad(int kind, const char *body, size_t nerrors)
{
	struct err	 err;
	json_t		*r = NULL;

	ck_assert_int_eq(import(kind, 0, 0, body, &r, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "nothing imported"));
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(json_array_size(json_object_get(r, "errors")) ==
	    nerrors, "want %zu errors, got %zu (first: %s)", nerrors,
	    json_array_size(json_object_get(r, "errors")), err.msg);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "inserted")),
	    0);
	return (r);
}

static int
error_line(json_t *r, size_t i)
{
	return ((int)json_integer_value(json_object_get(json_array_get(
	    json_object_get(r, "errors"), i), "line")));
}

static const char *
error_msg(json_t *r, size_t i)
{
	return (json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "errors"), i), "message")));
}

static int
member_count(void)
{
	struct member	*m = NULL;
	struct err	 err;
	size_t		 n = 0;

	ck_assert_int_eq(people_member_list(st, NULL, &m, &n, &err), 0);
	free(m);
	return ((int)n);
}

static int
open_cases(void)
{
	struct err	err;
	int		n = -1;

	ck_assert_int_eq(cases_open_count(st, &n, &err), 0);
	return (n);
}

static void
load_people(void)
{
	add_team("north");
	import_ok(CSVIMPORT_MEMBERS, members_csv, 4, 0, 0, 0);
}

static char *
read_all(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0, n;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	for (;;) {
		if (cap - *len < 65536) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		if ((n = fread(buf + *len, 1, cap - *len, f)) == 0)
			break;
		*len += n;
	}
	fclose(f);
	return (buf);
}

/* Does the file (if it exists) contain needle anywhere? */
static int
file_has(const char *name, const char *needle)
{
	char	 path[PATH_MAX + 64];
	char	*buf;
	size_t	 len, i, nl = strlen(needle);
	int	 found = 0;

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	if ((buf = read_all(path, &len)) == NULL)
		return (0);
	for (i = 0; !found && i + nl <= len; i++)
		found = memcmp(buf + i, needle, nl) == 0;
	free(buf);
	return (found);
}

START_TEST(test_members_quoting_crlf_bom)
{
	struct member	m;
	struct err	err;
	char		days[32];

	add_team("north");
	import_ok(CSVIMPORT_MEMBERS,
	    "\xef\xbb\xbf" "Slug , NAME,Email,role,team,days,notes\r\n"
	    "eve,\"Okafor, Eve \"\"Evie\"\"\",eve@example.org,social_worker,"
	    "north,\"MO,WE\",\"two\r\nlines\"\r\n"
	    "\r\n"
	    "fay,Fay Brown,fay@example.org,asye,north,,\r\n", 2, 0, 0, 0);
	ck_assert_int_eq(people_member_get(st, "eve", &m, &err), 0);
	ck_assert_str_eq(m.name, "Okafor, Eve \"Evie\"");
	ck_assert_str_eq(m.email, "eve@example.org");
	ck_assert_int_eq(m.role, ROLE_SOCIAL_WORKER);
	ck_assert_str_eq(people_days_format(m.days, days, sizeof(days)),
	    "MO,WE");
	ck_assert_int_eq(people_member_get(st, "fay", &m, &err), 0);
	ck_assert_int_eq(m.role, ROLE_ASYE);
	ck_assert_int_eq(m.days, DAYS_WEEKDAYS);
	ck_assert(m.fte == 1.0);
}
END_TEST

START_TEST(test_reimport_unchanged)
{
	load_people();
	import_ok(CSVIMPORT_MEMBERS, members_csv, 0, 0, 4, 0);
	import_ok(CSVIMPORT_MEMBERS,
	    "slug,name,email,role,team,fte\n"
	    "ben,Ben Social,ben@example.org,social_worker,north,0.8\n"
	    "gus,Gus New,gus@example.org,social_worker,north,\n", 1, 1, 0, 0);
	import_ok(CSVIMPORT_CASES,
	    "ref,kind,lead,coworker,opened\n"
	    "MN/2026/0001,cp,ben,,2025-11-01\n"
	    "MN/2026/0002,cin,cat,ben,2025-12-01\n", 2, 0, 0, 0);
	import_ok(CSVIMPORT_CASES,
	    "ref,kind,lead,coworker,opened\n"
	    "MN/2026/0001,cp,ben,,2025-11-01\n"
	    "MN/2026/0002,cin,cat,ben,2025-12-01\n", 0, 0, 2, 0);
	import_ok(CSVIMPORT_CASES,
	    "ref,kind,lead,coworker,opened\n"
	    "MN/2026/0001,cp,ben,,2025-11-01\n"
	    "MN/2026/0002,cin,cat,,2025-12-01\n", 0, 1, 1, 0);
	import_ok(CSVIMPORT_ABSENCES,
	    "member,from,to,reason\n"
	    "ben,2026-02-02,2026-02-06,leave\n"
	    "cat,2026-03-02,2026-03-02,training\n", 2, 0, 0, 0);
	import_ok(CSVIMPORT_ABSENCES,
	    "member,from,to,reason\n"
	    "ben,2026-02-02,2026-02-06,leave\n"
	    "cat,2026-03-02,2026-03-02,training\n"
	    "cat,2026-03-09,2026-03-10,\n", 1, 0, 2, 0);
}
END_TEST

START_TEST(test_every_bad_row_with_its_line)
{
	json_t	*r;

	add_team("north");
	/* Line 3's notes span lines 3-5, so the bad row below is line 6. */
	r = import_bad(CSVIMPORT_MEMBERS,
	    "slug,name,email,role,team,notes\n"
	    "amy,Amy Lead,amy@example.org,manager,north,\n"
	    "ben,Ben Social,ben@example.org,social_worker,north,\"a\n"
	    "b\n"
	    "c\"\n"
	    "cat,Cat Senior,not-an-address,social_worker,north,\n"
	    "Bad Slug,Dan,dan@example.org,wizard,north,\n"
	    "eve,\"Eve\nTwo\",eve@example.org,asye,north,\n"
	    "fay,Fay,fay@example.org,asye,north\n"
	    "amy,Amy Again,amy2@example.org,manager,north,\n", 6);
	ck_assert_int_eq(error_line(r, 0), 6);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 0), "email"));
	ck_assert_int_eq(error_line(r, 1), 7);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 1), "slug"));
	ck_assert_int_eq(error_line(r, 2), 7);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 2), "role"));
	/* A line break inside a known field: the record's first line. */
	ck_assert_int_eq(error_line(r, 3), 8);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 3), "name"));
	ck_assert_int_eq(error_line(r, 4), 10);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 4), "fields"));
	ck_assert_int_eq(error_line(r, 5), 11);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 5), "line 2"));
	json_decref(r);
	/* The good rows (amy, ben) were not applied either. */
	ck_assert_int_eq(member_count(), 0);
}
END_TEST

START_TEST(test_reference_error_applies_nothing)
{
	json_t	*r;

	load_people();
	r = import_bad(CSVIMPORT_CASES,
	    "ref,kind,lead,coworker\n"
	    "MN/1,cp,ben,\n"
	    "MN/2,cin,nobody,\n"
	    "MN/3,lac,cat,ben\n", 1);
	ck_assert_int_eq(error_line(r, 0), 3);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 0), "lead"));
	json_decref(r);
	ck_assert_int_eq(open_cases(), 0);

	/* A manager holds no cases. */
	r = import_bad(CSVIMPORT_CASES,
	    "ref,kind,lead\n"
	    "MN/1,cp,ben\n"
	    "MN/2,cin,amy\n", 1);
	ck_assert_int_eq(error_line(r, 0), 3);
	json_decref(r);
	ck_assert_int_eq(open_cases(), 0);

	r = import_bad(CSVIMPORT_ABSENCES,
	    "member,from,to\n"
	    "ben,2026-02-02,2026-02-06\n"
	    "zed,2026-02-02,2026-02-06\n"
	    "cat,2026-02-09,2026-02-02\n", 2);
	ck_assert_int_eq(error_line(r, 0), 3);
	ck_assert_int_eq(error_line(r, 1), 4);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 1), "to"));
	json_decref(r);
}
END_TEST

START_TEST(test_header_problems)
{
	json_t	*r;

	add_team("north");
	r = import_bad(CSVIMPORT_MEMBERS,
	    "slug,name,role,team\n"
	    "amy,Amy,manager,north\n", 1);
	ck_assert_int_eq(error_line(r, 0), 1);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 0), "email"));
	json_decref(r);
	r = import_bad(CSVIMPORT_CASES, "", 1);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 0), "header"));
	json_decref(r);
	r = import_bad(CSVIMPORT_CASES,
	    "ref,kind,lead,ref\nA1,cp,ben,A1\n", 1);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 0), "twice"));
	json_decref(r);
	/* Broken quoting stops the parse and names the line. */
	r = import_bad(CSVIMPORT_MEMBERS,
	    "slug,name,email,role,team\n"
	    "amy,Amy,amy@example.org,manager,north\n"
	    "ben,Be\"n,ben@example.org,social_worker,north\n", 1);
	ck_assert_int_eq(error_line(r, 0), 3);
	json_decref(r);
	r = import_bad(CSVIMPORT_MEMBERS,
	    "slug,name,email,role,team\n"
	    "amy,\"Amy,amy@example.org,manager,north\n", 1);
	ck_assert_int_eq(error_line(r, 0), 2);
	ck_assert_ptr_nonnull(strstr(error_msg(r, 0), "not closed"));
	json_decref(r);
	ck_assert_int_eq(member_count(), 0);
}
END_TEST

START_TEST(test_unknown_column_never_stored)
{
	struct err	 err;
	json_t		*r;
	char		*s;

	add_team("north");
	import_ok(CSVIMPORT_MEMBERS,
	    "slug,name,email,role,team\n"
	    "ben,Ben Social,ben@example.org,social_worker,north\n", 1, 0, 0,
	    0);
	import_ok(CSVIMPORT_CASES,
	    "ref,child_name,kind,lead\n"
	    "MN/2026/0412,\"" CANARY "\",cp,ben\n"
	    "MN/2026/0413," CANARY " Two,cin,ben\n", 2, 0, 0, 0);
	/* In a refused file, errors must not echo it either. */
	r = NULL;
	ck_assert_int_eq(import(CSVIMPORT_CASES, 0, 0,
	    "ref,kind,lead,family\n"
	    "MN/2026/0414,cp,ben,\"" CANARY "\"\n"
	    "MN/2026/0415,cp,ben,\"" CANARY "\",extra\n"
	    "MN/2026/0416,cp,ben\n", &r, &err), -1);
	ck_assert_ptr_null(strstr(err.msg, "Canary"));
	s = json_dumps(r, JSON_COMPACT);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(strstr(s, "Canary"));
	ck_assert_ptr_nonnull(strstr(s, "\"line\":3"));
	ck_assert_ptr_nonnull(strstr(s, "\"line\":4"));
	free(s);
	json_decref(r);

	ck_assert_int_eq(open_cases(), 2);
	ck_assert(!file_has("reflectd.db", "Canary"));
	ck_assert(!file_has("reflectd.db-wal", "Canary"));
	/* And after a checkpoint into the main file. */
	store_close(st);
	st = store_open(test_dir, &err);
	ck_assert_ptr_nonnull(st);
	test_daemon.store = st;
	ck_assert(!file_has("reflectd.db", "Canary"));
	ck_assert(!file_has("reflectd.db-wal", "Canary"));
}
END_TEST

/* Dropped columns are named by header; near misses are warned about. */
START_TEST(test_ignored_columns_and_near_misses)
{
	struct err	 err;
	json_t		*r = NULL, *ign, *w;
	char		*s;

	add_team("north");
	ck_assert_int_eq(import(CSVIMPORT_MEMBERS, 0, 0,
	    "slug,name,email,role,team,Working Days,notes\n"
	    "ben,Ben Social,ben@example.org,social_worker,north,MO,\""
	    CANARY "\"\n", &r, &err), 0);
	ign = json_object_get(r, "ignored_columns");
	ck_assert_int_eq(json_array_size(ign), 2);
	ck_assert_str_eq(json_string_value(json_array_get(ign, 0)),
	    "Working Days");
	ck_assert_str_eq(json_string_value(json_array_get(ign, 1)), "notes");
	w = json_object_get(r, "warnings");
	ck_assert_int_eq(json_array_size(w), 1);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(w, 0)),
	    "name it days"));
	s = json_dumps(r, JSON_COMPACT);
	ck_assert_ptr_null(strstr(s, "Canary"));
	free(s);
	json_decref(r);

	r = NULL;
	ck_assert_int_eq(import(CSVIMPORT_CASES, 0, 0,
	    "ref,kind,lead,Co-Worker\n"
	    "MN/2026/0412,cp,ben,\n", &r, &err), 0);
	w = json_object_get(r, "warnings");
	ck_assert_int_eq(json_array_size(w), 1);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(w, 0)),
	    "name it coworker"));
	json_decref(r);
}
END_TEST

/* History before reflectd: one row per member and date, past dates. */
START_TEST(test_attendance_history)
{
	struct err	 err;
	json_t		*r = NULL;

	add_team("north");
	import_ok(CSVIMPORT_MEMBERS,
	    "slug,name,email,role,team\n"
	    "ben,Ben Social,ben@example.org,social_worker,north\n", 1, 0, 0,
	    0);
	import_ok(CSVIMPORT_ATTENDANCE,
	    "member,date,status\n"
	    "ben,2025-01-07,attended\n"
	    "ben,2025-01-21,\n", 2, 0, 0, 0);
	import_ok(CSVIMPORT_ATTENDANCE,
	    "member,date,status\n"
	    "ben,2025-01-07,attended\n"
	    "ben,2025-01-21,apologies\n", 0, 1, 1, 0);
	ck_assert_int_eq(import(CSVIMPORT_ATTENDANCE, 0, 0,
	    "member,date,status\n"
	    "nobody,2025-01-07,attended\n"
	    "ben,2025-01-07,sleeping\n"
	    "ben,2999-01-01,attended\n"
	    "ben,2025-02-04,attended\n"
	    "ben,2025-02-04,absent\n", &r, &err), -1);
	ck_assert_int_eq(json_integer_value(json_object_get(r,
	    "error_count")), 4);
	json_decref(r);
}
END_TEST

START_TEST(test_snapshot_closes_missing)
{
	struct casefile	 c;
	struct err	 err;
	json_t		*r = NULL;

	load_people();
	import_ok(CSVIMPORT_CASES,
	    "ref,kind,lead\n"
	    "A1,cp,ben\n"
	    "A2,cin,cat\n"
	    "A3,lac,dan\n", 3, 0, 0, 0);
	ck_assert_int_eq(import(CSVIMPORT_CASES, 1, 0,
	    "ref,kind,lead\n"
	    "A1,cp,ben\n"
	    "A3,lac,dan\n"
	    "A4,cin,dan\n", &r, &err), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "closed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "inserted")),
	    1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "unchanged")),
	    2);
	json_decref(r);
	ck_assert_int_eq(cases_get(st, "A2", &c, &err), 0);
	ck_assert_str_eq(c.closed, "2026-01-05");
	ck_assert_int_eq(cases_get(st, "A1", &c, &err), 0);
	ck_assert_str_eq(c.closed, "");
	ck_assert_int_eq(open_cases(), 3);

	/* Snapshots are for cases only. */
	r = NULL;
	ck_assert_int_eq(import(CSVIMPORT_MEMBERS, 1, 0, members_csv, &r,
	    &err), -1);
	ck_assert_int_eq(err.code, ERR_USAGE);
	json_decref(r);

	/* A refused snapshot closes nothing. */
	r = import_bad(CSVIMPORT_CASES, "ref,kind,lead\nA1,cp,nobody\n", 1);
	json_decref(r);
	ck_assert_int_eq(open_cases(), 3);
}
END_TEST

START_TEST(test_dry_run_changes_nothing)
{
	struct member	 m;
	struct err	 err;
	json_t		*r = NULL;

	load_people();
	ck_assert_int_eq(import(CSVIMPORT_MEMBERS, 0, 1,
	    "slug,name,email,role,team\n"
	    "ben,Ben Renamed,ben@example.org,social_worker,north\n"
	    "hal,Hal New,hal@example.org,social_worker,north\n", &r, &err), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "inserted")),
	    1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "updated")),
	    1);
	ck_assert(json_is_true(json_object_get(r, "dry_run")));
	json_decref(r);
	ck_assert_int_eq(member_count(), 4);
	ck_assert_int_eq(people_member_get(st, "ben", &m, &err), 0);
	ck_assert_str_eq(m.name, "Ben Social");

	import_ok(CSVIMPORT_CASES, "ref,kind,lead\nA1,cp,ben\nA2,cp,cat\n",
	    2, 0, 0, 0);
	r = NULL;
	ck_assert_int_eq(import(CSVIMPORT_CASES, 1, 1,
	    "ref,kind,lead\nA3,cp,ben\n", &r, &err), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "closed")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "inserted")),
	    1);
	json_decref(r);
	ck_assert_int_eq(open_cases(), 2);
}
END_TEST

/* Through the command table: a refusal still carries the error list. */
START_TEST(test_command_reply_carries_errors)
{
	struct acl_peer	 admin;
	const char	*body = "slug,name,email,role,team\n"
			    "amy,Amy,bad,manager,north\n";
	char		 w0[] = "import", w1[] = "members", w1b[] = "teams";
	char		 w2[32], *argv[4];
	json_t		*reply, *res;

	snprintf(w2, sizeof(w2), "bytes=%zu", strlen(body));
	argv[0] = w0;
	argv[1] = w1;
	argv[2] = w2;
	argv[3] = NULL;
	add_team("north");
	memset(&admin, 0, sizeof(admin));
	snprintf(admin.user, sizeof(admin.user), "tester");
	admin.level = ACL_ADMIN;
	reply = cmd_execute(&admin, 3, argv, body, strlen(body));
	ck_assert(json_is_false(json_object_get(reply, "ok")));
	ck_assert_str_eq(json_string_value(json_object_get(reply, "error")),
	    "invalid");
	res = json_object_get(reply, "result");
	ck_assert_ptr_nonnull(res);
	ck_assert_int_eq(error_line(res, 0), 2);
	ck_assert_ptr_nonnull(strstr(error_msg(res, 0), "email"));
	json_decref(reply);

	argv[1] = w1b;
	reply = cmd_execute(&admin, 3, argv, body, strlen(body));
	ck_assert_str_eq(json_string_value(json_object_get(reply, "error")),
	    "usage");
	json_decref(reply);
	ck_assert_int_eq(member_count(), 0);
}
END_TEST

static Suite *
csvimport_suite(void)
{
	Suite	*s = suite_create("csvimport");
	TCase	*tc = tcase_create("import");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_members_quoting_crlf_bom);
	tcase_add_test(tc, test_reimport_unchanged);
	tcase_add_test(tc, test_every_bad_row_with_its_line);
	tcase_add_test(tc, test_reference_error_applies_nothing);
	tcase_add_test(tc, test_header_problems);
	tcase_add_test(tc, test_unknown_column_never_stored);
	tcase_add_test(tc, test_ignored_columns_and_near_misses);
	tcase_add_test(tc, test_attendance_history);
	tcase_add_test(tc, test_snapshot_closes_missing);
	tcase_add_test(tc, test_dry_run_changes_nothing);
	tcase_add_test(tc, test_command_reply_carries_errors);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(csvimport_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
