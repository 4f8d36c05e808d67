/*
 * Unit tests for teams, members, absences and the member-level ACL: a real
 * SQLite database in a fresh temporary directory per test, no daemon.
 * Every refusal is checked for its wire code and for the field it names.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#include "acl.h"
#include "domain.h"
#include "err.h"
#include "people.h"
#include "store.h"
#include "xmalloc.h"

static char		 tmpdir[] = "/tmp/check_people.XXXXXX";
static struct store	*store;

static void	setup(void);
static void	teardown(void);
static void	add_team(const char *, const char *, const char *);
static void	add_member(const char *, int, const char *, const char *);
static void	set_team(const char *, const char *, const char *);
static void	assert_err(const struct err *, enum err_code, const char *);
static struct acl_peer peer_for(const char *, int);
static Suite	*people_suite(void);

static void
setup(void)
{
	struct err	err;

	strcpy(tmpdir, "/tmp/check_people.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	err_clear(&err);
	store = store_open(tmpdir, &err);
	ck_assert_msg(store != NULL, "store_open: %s", err.msg);
}

static void
teardown(void)
{
	store_close(store);
	store = NULL;
	testutil_rm_rf(tmpdir);
}

/* err carries code and a message that starts with "field:". */
static void
assert_err(const struct err *err, enum err_code code, const char *field)
{
	ck_assert_msg(err->code == code, "want %s, got %s: %s",
	    err_code_name(code), err_code_name(err->code), err->msg);
	if (field != NULL)
		ck_assert_msg(strncmp(err->msg, field, strlen(field)) == 0 &&
		    err->msg[strlen(field)] == ':', "message does not name %s: "
		    "%s", field, err->msg);
}

static void
add_team(const char *slug, const char *manager, const char *psych)
{
	struct team	t;
	struct err	err;

	memset(&t, 0, sizeof(t));
	strcpy(t.slug, slug);
	strcpy(t.name, "Team");
	t.kind = TEAM_MAST;
	strcpy(t.manager, manager != NULL ? manager : "");
	strcpy(t.psychologist, psych != NULL ? psych : "");
	err_clear(&err);
	ck_assert_msg(people_team_add(store, &t, &err) == 0, "team add %s: %s",
	    slug, err.msg);
}

static void
set_team(const char *slug, const char *manager, const char *psych)
{
	struct team	t;
	struct err	err;

	err_clear(&err);
	ck_assert_int_eq(people_team_get(store, slug, &t, &err), 0);
	strcpy(t.manager, manager);
	strcpy(t.psychologist, psych);
	ck_assert_msg(people_team_update(store, &t, &err) == 0, "team set %s: "
	    "%s", slug, err.msg);
}

static void
add_member(const char *slug, int role, const char *team, const char *login)
{
	struct member	m;
	struct err	err;

	people_member_init(&m);
	strcpy(m.slug, slug);
	snprintf(m.name, sizeof(m.name), "Name of %s", slug);
	snprintf(m.email, sizeof(m.email), "%s@example.org", slug);
	m.role = role;
	strcpy(m.team, team);
	if (login != NULL)
		strcpy(m.login, login);
	err_clear(&err);
	ck_assert_msg(people_member_add(store, &m, &err) == 0,
	    "member add %s: %s", slug, err.msg);
}

static struct acl_peer
peer_for(const char *user, int admin)
{
	struct acl_peer	p;

	memset(&p, 0, sizeof(p));
	p.uid = 12345;
	snprintf(p.user, sizeof(p.user), "%s", user);
	p.level = admin ? ACL_ADMIN : ACL_ANYONE;
	p.role = -1;
	acl_refresh(&p, store);
	return (p);
}

/* Every field's bad value: the code and the field the message names. */
START_TEST(test_field_syntax)
{
	static const struct {
		const char	*key, *value, *field;
		enum err_code	 code;
	} cases[] = {
		{ "name", "", "name", ERR_INVALID },
		{ "name", "a\nb", "name", ERR_INVALID },
		{ "email", "nobody", "email", ERR_INVALID },
		{ "email", "a@b", "email", ERR_INVALID },
		{ "email", "a b@example.org", "email", ERR_INVALID },
		{ "email", "a@example.org>", "email", ERR_INVALID },
		{ "role", "boss", "role", ERR_INVALID },
		{ "team", "Team A", "team", ERR_INVALID },
		{ "team", "", "team", ERR_INVALID },
		{ "fte", "0", "fte", ERR_INVALID },
		{ "fte", "0.05", "fte", ERR_INVALID },
		{ "fte", "1.1", "fte", ERR_INVALID },
		{ "fte", "half", "fte", ERR_INVALID },
		{ "days", "", "days", ERR_INVALID },
		{ "days", "MO,XX", "days", ERR_INVALID },
		{ "days", "MO,,TU", "days", ERR_INVALID },
		{ "start", "2026-02-30", "start", ERR_INVALID },
		{ "start", "26-01-01", "start", ERR_INVALID },
		{ "end", "2026-13-01", "end", ERR_INVALID },
		{ "limit", "0.5", "limit", ERR_INVALID },
		{ "limit", "101", "limit", ERR_INVALID },
		{ "limit", "-1", "limit", ERR_INVALID },
		{ "login", "Root", "login", ERR_INVALID },
		{ "login", "9lives", "login", ERR_INVALID },
		{ "login", "a23456789012345678901234567890123", "login",
		    ERR_INVALID },
		{ "capacity", "51", "capacity", ERR_INVALID },
		{ "capacity", "2.5", "capacity", ERR_INVALID },
		{ "colour", "red", NULL, ERR_USAGE },
	};
	struct member	m;
	struct team	t;
	struct err	err;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		people_member_init(&m);
		err_clear(&err);
		ck_assert_msg(people_member_set(&m, cases[i].key,
		    cases[i].value, &err) == -1, "%s=%s accepted", cases[i].key,
		    cases[i].value);
		assert_err(&err, cases[i].code, cases[i].field);
	}

	/* The good values land in the struct. */
	people_member_init(&m);
	err_clear(&err);
	ck_assert_int_eq(people_member_set(&m, "fte", "0.6", &err), 0);
	ck_assert(m.fte > 0.59 && m.fte < 0.61);
	ck_assert_int_eq(people_member_set(&m, "days", "mo,WE,fr", &err), 0);
	ck_assert_int_eq(m.days, 0x15);
	ck_assert_int_eq(people_member_set(&m, "limit", "12", &err), 0);
	ck_assert(m.limit == 12);
	ck_assert_int_eq(people_member_set(&m, "limit", "", &err), 0);
	ck_assert(m.limit == 0);
	ck_assert_int_eq(people_member_set(&m, "login", "j.smith-2", &err), 0);
	ck_assert_int_eq(people_member_set(&m, "capacity", "0", &err), 0);
	ck_assert_int_eq(m.capacity, 0);

	memset(&t, 0, sizeof(t));
	err_clear(&err);
	ck_assert_int_eq(people_team_set(&t, "kind", "squad", &err), -1);
	assert_err(&err, ERR_INVALID, "kind");
	ck_assert_int_eq(people_team_set(&t, "manager", "Bob", &err), -1);
	assert_err(&err, ERR_INVALID, "manager");
	ck_assert_int_eq(people_team_set(&t, "kind", "leaving_care", &err), 0);
	ck_assert_int_eq(t.kind, TEAM_LEAVING_CARE);
}
END_TEST

/* Whole records as imports pass them: ranges checked again, field named. */
START_TEST(test_record_validation)
{
	struct member	good, m;
	struct err	err;

	add_team("north", NULL, NULL);
	people_member_init(&good);
	strcpy(good.slug, "ann");
	strcpy(good.name, "Ann");
	strcpy(good.email, "ann@example.org");
	good.role = ROLE_SOCIAL_WORKER;
	strcpy(good.team, "north");

	m = good; strcpy(m.slug, "Ann");
	err_clear(&err);
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_INVALID, "slug");
	m = good; m.fte = 0.0;
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_INVALID, "fte");
	ck_assert_str_eq(err.msg, "fte: must be between 0.1 and 1.0");
	m = good; m.days = 0;
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_INVALID, "days");
	m = good; strcpy(m.start, "2026-03-01"); strcpy(m.end, "2026-02-01");
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_INVALID, "end");
	m = good; m.limit = 150;
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_INVALID, "limit");
	m = good; m.capacity = -1;
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_INVALID, "capacity");
	m = good; m.role = ROLE_COUNT;
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_INVALID, "role");

	/* Nothing refused was stored; the good one is, with its defaults. */
	m = good;
	ck_assert_int_eq(people_member_add(store, &m, &err), 0);
	ck_assert_int_eq(people_member_get(store, "ann", &m, &err), 0);
	ck_assert_int_eq(m.days, DAYS_WEEKDAYS);
	ck_assert_int_eq(m.capacity, 6);
	ck_assert(m.fte == 1.0 && m.limit == 0);
	ck_assert_str_eq(m.end, "");
}
END_TEST

START_TEST(test_references)
{
	struct team	t;
	struct member	m;
	struct err	err;

	add_team("north", NULL, NULL);
	add_member("mia", ROLE_MANAGER, "north", "mia");
	add_member("pat", ROLE_PSYCHOLOGIST, "north", NULL);
	add_member("sam", ROLE_SOCIAL_WORKER, "north", NULL);

	memset(&t, 0, sizeof(t));
	strcpy(t.slug, "south");
	strcpy(t.name, "South");
	strcpy(t.manager, "nobody");
	err_clear(&err);
	ck_assert_int_eq(people_team_add(store, &t, &err), -1);
	assert_err(&err, ERR_NOT_FOUND, "manager");
	strcpy(t.manager, "sam");
	ck_assert_int_eq(people_team_add(store, &t, &err), -1);
	assert_err(&err, ERR_INVALID, "manager");
	strcpy(t.manager, "mia");
	strcpy(t.psychologist, "mia");
	ck_assert_int_eq(people_team_add(store, &t, &err), -1);
	assert_err(&err, ERR_INVALID, "psychologist");
	ck_assert_int_eq(people_team_get(store, "south", &t, &err), -1);
	assert_err(&err, ERR_NOT_FOUND, NULL);
	add_team("south", "mia", "pat");
	add_team("empty", NULL, NULL);

	/* The same team twice, a member's missing team, a taken login. */
	memset(&t, 0, sizeof(t));
	strcpy(t.slug, "north");
	strcpy(t.name, "Again");
	ck_assert_int_eq(people_team_add(store, &t, &err), -1);
	assert_err(&err, ERR_CONFLICT, "slug");
	ck_assert_int_eq(people_member_get(store, "sam", &m, &err), 0);
	strcpy(m.slug, "sam2");
	strcpy(m.team, "west");
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_NOT_FOUND, "team");
	strcpy(m.team, "north");
	strcpy(m.login, "mia");
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_CONFLICT, "login");
	strcpy(m.slug, "sam");
	strcpy(m.login, "");
	ck_assert_int_eq(people_member_add(store, &m, &err), -1);
	assert_err(&err, ERR_CONFLICT, "slug");

	/* A team's manager keeps the role while named. */
	ck_assert_int_eq(people_member_get(store, "mia", &m, &err), 0);
	m.role = ROLE_SOCIAL_WORKER;
	ck_assert_int_eq(people_member_update(store, &m, &err), -1);
	assert_err(&err, ERR_CONFLICT, "role");

	/* A team with members (or referred to) stays; an empty one goes. */
	ck_assert_int_eq(people_team_remove(store, "north", &err), -1);
	assert_err(&err, ERR_CONFLICT, "team");
	ck_assert_int_eq(people_team_get(store, "north", &t, &err), 0);
	ck_assert_int_eq(people_team_remove(store, "empty", &err), 0);
	ck_assert_int_eq(people_team_remove(store, "empty", &err), -1);
	assert_err(&err, ERR_NOT_FOUND, NULL);
	ck_assert_int_eq(people_team_remove(store, "south", &err), 0);

	/* Updating something that is not there. */
	ck_assert_int_eq(people_member_get(store, "sam", &m, &err), 0);
	strcpy(m.slug, "ghost");
	ck_assert_int_eq(people_member_update(store, &m, &err), -1);
	assert_err(&err, ERR_NOT_FOUND, NULL);
}
END_TEST

START_TEST(test_leaver_keeps_history)
{
	struct member	 m, *list = NULL;
	struct absence	 a, *alist = NULL;
	struct err	 err;
	size_t		 n = 0;
	int		 teams, members;

	add_team("north", NULL, NULL);
	add_member("sam", ROLE_SOCIAL_WORKER, "north", "sam");
	add_member("tia", ROLE_ASYE, "north", NULL);
	memset(&a, 0, sizeof(a));
	strcpy(a.member, "sam");
	strcpy(a.from, "2020-05-01");
	strcpy(a.to, "2020-05-02");
	err_clear(&err);
	ck_assert_int_eq(people_absence_add(store, &a, &err), 0);
	ck_assert_int_eq(people_counts(store, &teams, &members, &err), 0);
	ck_assert_int_eq(teams, 1);
	ck_assert_int_eq(members, 2);

	ck_assert_int_eq(people_member_get(store, "sam", &m, &err), 0);
	ck_assert_int_eq(people_member_set(&m, "end", "2021-01-31", &err), 0);
	ck_assert_int_eq(people_member_update(store, &m, &err), 0);

	ck_assert_int_eq(people_member_get(store, "sam", &m, &err), 0);
	ck_assert_str_eq(m.end, "2021-01-31");
	ck_assert_str_eq(m.email, "sam@example.org");
	ck_assert(people_member_active(&m, "2021-01-31"));
	ck_assert(!people_member_active(&m, "2021-02-01"));
	ck_assert_int_eq(people_member_list(store, "north", &list, &n, &err),
	    0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].slug, "sam");
	free(list);
	ck_assert_int_eq(people_absence_list(store, "sam", NULL, &alist, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 1);
	free(alist);
	ck_assert_int_eq(people_counts(store, &teams, &members, &err), 0);
	ck_assert_int_eq(members, 1);
	/* Their home team cannot be removed from under their record. */
	ck_assert_int_eq(people_team_remove(store, "north", &err), -1);
	assert_err(&err, ERR_CONFLICT, "team");
}
END_TEST

START_TEST(test_upsert)
{
	struct member	m, got;
	struct err	err;
	int		changed = -1;

	add_team("north", NULL, NULL);
	add_team("south", NULL, NULL);
	people_member_init(&m);
	strcpy(m.slug, "ann");
	strcpy(m.name, "Ann");
	strcpy(m.email, "ann@example.org");
	m.role = ROLE_SOCIAL_WORKER;
	strcpy(m.team, "north");
	err_clear(&err);
	ck_assert_int_eq(people_member_upsert(store, &m, &changed, &err), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(people_member_upsert(store, &m, &changed, &err), 0);
	ck_assert_int_eq(changed, 0);
	m.fte = 0.5;
	strcpy(m.team, "south");
	ck_assert_int_eq(people_member_upsert(store, &m, &changed, &err), 0);
	ck_assert_int_eq(changed, 2);
	ck_assert_int_eq(people_member_get(store, "ann", &got, &err), 0);
	ck_assert_str_eq(got.team, "south");
	ck_assert(got.fte == 0.5);
	strcpy(m.team, "west");
	ck_assert_int_eq(people_member_upsert(store, &m, &changed, &err), -1);
	assert_err(&err, ERR_NOT_FOUND, "team");
	ck_assert_int_eq(changed, 0);
}
END_TEST

START_TEST(test_absences)
{
	struct absence	 a, *list = NULL;
	struct err	 err;
	size_t		 n = 0;
	int64_t		 ids[3];
	static const char *from[3] = { "2026-03-10", "2026-01-05", "2026-02-01" };
	int		 i;

	add_team("north", NULL, NULL);
	add_team("south", NULL, NULL);
	add_member("sam", ROLE_SOCIAL_WORKER, "north", NULL);
	add_member("zed", ROLE_SOCIAL_WORKER, "south", NULL);
	err_clear(&err);
	for (i = 0; i < 3; i++) {
		memset(&a, 0, sizeof(a));
		strcpy(a.member, i == 2 ? "zed" : "sam");
		strcpy(a.from, from[i]);
		strcpy(a.to, from[i]);
		strcpy(a.reason, "leave");
		ck_assert_int_eq(people_absence_add(store, &a, &err), 0);
		ck_assert(a.id > 0);
		ids[i] = a.id;
	}
	ck_assert_int_eq(people_absence_list(store, NULL, NULL, &list, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].from, "2026-01-05");
	ck_assert_str_eq(list[1].from, "2026-02-01");
	ck_assert_str_eq(list[2].from, "2026-03-10");
	free(list);
	ck_assert_int_eq(people_absence_list(store, NULL, "south", &list, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].member, "zed");
	free(list);

	memset(&a, 0, sizeof(a));
	strcpy(a.member, "sam");
	strcpy(a.from, "2026-04-02");
	strcpy(a.to, "2026-04-01");
	ck_assert_int_eq(people_absence_add(store, &a, &err), -1);
	assert_err(&err, ERR_INVALID, "to");
	strcpy(a.to, "2026-04-31");
	ck_assert_int_eq(people_absence_add(store, &a, &err), -1);
	assert_err(&err, ERR_INVALID, "to");
	strcpy(a.to, "2026-04-03");
	strcpy(a.member, "ghost");
	ck_assert_int_eq(people_absence_add(store, &a, &err), -1);
	assert_err(&err, ERR_NOT_FOUND, "member");

	ck_assert_int_eq(people_absence_get(store, ids[0], &a, &err), 0);
	ck_assert_str_eq(a.from, "2026-03-10");
	ck_assert_int_eq(people_absence_remove(store, ids[0], &err), 0);
	ck_assert_int_eq(people_absence_remove(store, ids[0], &err), -1);
	assert_err(&err, ERR_NOT_FOUND, NULL);
	ck_assert_int_eq(people_absence_list(store, "sam", NULL, &list, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].from, "2026-01-05");
	free(list);
}
END_TEST

START_TEST(test_days_and_syntax)
{
	char	buf[32];

	ck_assert_int_eq(people_days_parse("MO,TU,WE,TH,FR"), DAYS_WEEKDAYS);
	ck_assert_int_eq(people_days_parse("SU"), 0x40);
	ck_assert_int_eq(people_days_parse("SA,SU"), 0x60);
	ck_assert_int_eq(people_days_parse(""), -1);
	ck_assert_int_eq(people_days_parse("MO,"), -1);
	ck_assert_int_eq(people_days_parse("MON"), -1);
	ck_assert_int_eq(people_days_parse("MO TU"), -1);
	ck_assert_str_eq(people_days_format(0x7f, buf, sizeof(buf)),
	    "MO,TU,WE,TH,FR,SA,SU");
	ck_assert_str_eq(people_days_format(0x15, buf, sizeof(buf)),
	    "MO,WE,FR");
	ck_assert_str_eq(people_days_format(people_days_parse("fr,mo"), buf,
	    sizeof(buf)), "MO,FR");

	ck_assert(people_valid_slug("mast-north-2"));
	ck_assert(!people_valid_slug("-north"));
	ck_assert(!people_valid_slug("North"));
	ck_assert(!people_valid_slug("a234567890123456789012345678901234"));
	ck_assert(people_valid_slug("a2345678901234567890123456789012"));
	ck_assert(people_valid_ref("CP/2026_01-9"));
	ck_assert(!people_valid_ref("/x"));
	ck_assert(!people_valid_ref("Jane Doe"));
	ck_assert(people_valid_date("2024-02-29"));
	ck_assert(!people_valid_date("2026-02-29"));
	ck_assert(!people_valid_date("2026-1-01"));
	ck_assert(people_valid_email("a.b+c@mail.example.org"));
	ck_assert(!people_valid_email("a@b@example.org"));
	ck_assert(!people_valid_email("a@example.org\r\nBcc: x@evil.test"));
	ck_assert_int_eq(team_kind_parse("connect"), TEAM_CONNECT);
	ck_assert_int_eq(team_kind_parse("Connect"), -1);
	ck_assert_str_eq(team_kind_name(TEAM_FOSTERING), "fostering");
}
END_TEST

START_TEST(test_acl_scope)
{
	struct acl_peer	 admin, ma, mb, ps, wa, leaver, stranger;
	struct member	 m;
	struct err	 err;

	add_team("a", NULL, NULL);
	add_team("b", NULL, NULL);
	add_member("ma", ROLE_MANAGER, "a", "ma_login");
	add_member("mb", ROLE_MANAGER, "b", "mb_login");
	add_member("ps", ROLE_PSYCHOLOGIST, "a", "ps_login");
	add_member("wa", ROLE_SOCIAL_WORKER, "a", "wa_login");
	add_member("wb", ROLE_SOCIAL_WORKER, "b", NULL);
	add_member("old", ROLE_SOCIAL_WORKER, "a", "old_login");
	set_team("a", "ma", "ps");
	set_team("b", "mb", "ps");
	err_clear(&err);
	ck_assert_int_eq(people_member_get(store, "old", &m, &err), 0);
	strcpy(m.end, "2020-01-01");
	ck_assert_int_eq(people_member_update(store, &m, &err), 0);

	admin = peer_for("root", 1);
	ma = peer_for("ma_login", 0);
	mb = peer_for("mb_login", 0);
	ps = peer_for("ps_login", 0);
	wa = peer_for("wa_login", 0);
	leaver = peer_for("old_login", 0);
	stranger = peer_for("stranger", 0);

	ck_assert_int_eq(admin.level, ACL_ADMIN);
	ck_assert_int_eq(ma.level, ACL_MANAGER);
	ck_assert_str_eq(ma.member, "ma");
	ck_assert_int_eq(ps.level, ACL_PSYCHOLOGIST);
	ck_assert_int_eq(wa.level, ACL_MEMBER);
	ck_assert_int_eq(leaver.level, ACL_ANYONE);
	ck_assert_int_eq(stranger.level, ACL_ANYONE);
	ck_assert_str_eq(stranger.member, "");

	/* Teams: admins and the team's own manager, nobody else. */
	ck_assert(acl_team_allowed(&admin, store, "b", 1));
	ck_assert(acl_team_allowed(&ma, store, "a", 1));
	ck_assert(!acl_team_allowed(&ma, store, "b", 1));
	ck_assert(!acl_team_allowed(&ma, store, "b", 0));
	ck_assert(acl_team_allowed(&mb, store, "b", 0));
	ck_assert(!acl_team_allowed(&ps, store, "a", 0));
	ck_assert(!acl_team_allowed(&wa, store, "a", 0));
	ck_assert(!acl_team_allowed(&stranger, store, "a", 0));
	ck_assert(!acl_team_allowed(&ma, store, "nowhere", 0));

	/* Members: admins, their team's manager, themselves. */
	ck_assert(acl_member_allowed(&admin, store, "wb", 1));
	ck_assert(acl_member_allowed(&ma, store, "wa", 1));
	ck_assert(!acl_member_allowed(&ma, store, "wb", 1));
	ck_assert(acl_member_allowed(&mb, store, "wb", 0));
	ck_assert(acl_member_allowed(&wa, store, "wa", 1));
	ck_assert(!acl_member_allowed(&wa, store, "ma", 0));
	ck_assert(acl_member_allowed(&ps, store, "ps", 1));
	ck_assert(!acl_member_allowed(&ps, store, "wa", 0));
	ck_assert(!acl_member_allowed(&stranger, store, "wa", 0));
	ck_assert(!acl_member_allowed(&leaver, store, "old", 0));

	/* "me" is the caller's own slug, or nothing. */
	ck_assert_str_eq(acl_resolve_me(&wa, "me"), "wa");
	ck_assert_str_eq(acl_resolve_me(&wa, "wb"), "wb");
	ck_assert_ptr_null(acl_resolve_me(&stranger, "me"));
	ck_assert_ptr_null(acl_resolve_me(&admin, "me"));

	/* Levels follow the record: a changed role counts at once. */
	ck_assert_int_eq(people_member_get(store, "wa", &m, &err), 0);
	strcpy(m.login, "");
	ck_assert_int_eq(people_member_update(store, &m, &err), 0);
	wa = peer_for("wa_login", 0);
	ck_assert_int_eq(wa.level, ACL_ANYONE);
}
END_TEST

static Suite *
people_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("people");
	tc = tcase_create("validation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_field_syntax);
	tcase_add_test(tc, test_record_validation);
	tcase_add_test(tc, test_days_and_syntax);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_references);
	tcase_add_test(tc, test_leaver_keeps_history);
	tcase_add_test(tc, test_upsert);
	tcase_add_test(tc, test_absences);
	suite_add_tcase(s, tc);

	tc = tcase_create("acl");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_acl_scope);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(people_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? 1 : 0);
}
