/*
 * The command table and its checks, run against a real store in a temp
 * directory: every command is documented, bad requests get the error a user
 * would see before any handler runs, writes leave exactly one audit row,
 * and the control socket answers, limits lines and refuses a second daemon.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"
#include <event2/event.h>
#include <jansson.h>

#include "acl.h"
#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "message.h"
#include "outbox.h"
#include "planner.h"
#include "store.h"
#include "util.h"
#include "words.h"
#include "xmalloc.h"

static struct daemon	 test_daemon;
static struct event_base *test_base;
static char		 test_dir[PATH_MAX];
static struct acl_peer	 admin_peer;
static struct acl_peer	 anyone_peer;

static void	 fixture_up(const char *);
static void	 setup_real(void);
static void	 setup_fake(void);
static void	 teardown(void);
static json_t	*run(const struct acl_peer *, const char *);
static void	 assert_error(json_t *, const char *, const char *);
static json_t	*assert_ok(json_t *);
static int64_t	 enqueue_one(const char *);
static size_t	 audit_count(void);
static char	*man_names(void);
static int	 sock_connect(const char *);
static json_t	*sock_roundtrip(int, const char *, size_t);
static struct words *split(const char *);
static const char *find_name(const char *, int *);
static int	 body_size(const char *, size_t *, struct err *);
static int	 body_check(const struct acl_peer *, const char *, size_t *,
		    struct err *);
static int	 sock_closed(int);

static void
fixture_up(const char *fake)
{
	struct err	err;
	char		tmpl[] = "/tmp/check_cmd.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(test_dir, sizeof(test_dir), "%s", tmpl);
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
	test_base = event_base_new();
	ck_assert_ptr_nonnull(test_base);
	ck_assert_int_eq(clock_init(test_base, fake, &err), 0);

	memset(&test_daemon, 0, sizeof(test_daemon));
	test_daemon.base = test_base;
	test_daemon.conf = config_defaults();
	ck_assert_ptr_nonnull(test_daemon.conf);
	test_daemon.store = store_open(test_dir, &err);
	ck_assert_msg(test_daemon.store != NULL, "store_open: %s", err.msg);
	test_daemon.started = clock_now();
	daemon_g = &test_daemon;

	memset(&admin_peer, 0, sizeof(admin_peer));
	admin_peer.uid = geteuid();
	snprintf(admin_peer.user, sizeof(admin_peer.user), "tester");
	admin_peer.level = ACL_ADMIN;
	memset(&anyone_peer, 0, sizeof(anyone_peer));
	anyone_peer.uid = 54321;
	snprintf(anyone_peer.user, sizeof(anyone_peer.user), "uid:54321");
	anyone_peer.level = ACL_ANYONE;
}

static void
setup_real(void)
{
	fixture_up(NULL);
}

static void
setup_fake(void)
{
	fixture_up("2026-01-05T09:00:00Z");
}

static void
teardown(void)
{
	control_free();
	store_close(test_daemon.store);
	config_free(test_daemon.conf);
	clock_free();
	event_base_free(test_base);
	daemon_g = NULL;
	testutil_rm_rf(test_dir);
}

static json_t *
run(const struct acl_peer *peer, const char *line)
{
	struct words	*w;
	struct err	 err;
	json_t		*reply;

	w = words_split(line, strlen(line), &err);
	ck_assert_msg(w != NULL, "words_split(%s): %s", line, err.msg);
	reply = cmd_execute(peer, w->argc, w->argv, NULL, 0);
	words_free(w);
	ck_assert_ptr_nonnull(reply);
	return (reply);
}

/* Checks the reply is the error code whose message contains text; frees it. */
static void
assert_error(json_t *reply, const char *code, const char *text)
{
	const char	*msg;
	char		*s = json_dumps(reply, 0);

	ck_assert_msg(json_is_false(json_object_get(reply, "ok")),
	    "expected an error: %s", s);
	ck_assert_str_eq(json_string_value(json_object_get(reply, "error")),
	    code);
	msg = json_string_value(json_object_get(reply, "message"));
	ck_assert_ptr_nonnull(msg);
	if (text != NULL)
		ck_assert_msg(strstr(msg, text) != NULL,
		    "message \"%s\" lacks \"%s\"", msg, text);
	free(s);
	json_decref(reply);
}

/* Checks the reply is ok and returns a new reference to its result. */
static json_t *
assert_ok(json_t *reply)
{
	json_t	*result;
	char	*s = json_dumps(reply, 0);

	ck_assert_msg(json_is_true(json_object_get(reply, "ok")),
	    "expected ok: %s", s);
	free(s);
	result = json_object_get(reply, "result");
	ck_assert_ptr_nonnull(result);
	json_incref(result);
	json_decref(reply);
	return (result);
}

static int64_t
enqueue_one(const char *rcpt)
{
	struct err	 err;
	char		*msgid, *data;
	size_t		 len;
	int64_t		 id = 0;

	msgid = message_id(test_daemon.conf, "test", "check-cmd", rcpt);
	data = message_plain(test_daemon.conf, "", rcpt, "hello", "body\n",
	    msgid, clock_now(), &len);
	ck_assert_int_eq(store_begin(test_daemon.store, &err), 0);
	ck_assert_msg(outbox_enqueue(test_daemon.store, "test", rcpt, "hello",
	    data, len, msgid, &id, &err) == 0, "enqueue: %s", err.msg);
	ck_assert_int_eq(store_commit(test_daemon.store, &err), 0);
	free(msgid);
	free(data);
	return (id);
}

static size_t
audit_count(void)
{
	struct err	 err;
	json_t		*a;
	size_t		 n;

	a = audit_list(test_daemon.store, 0, &err);
	ck_assert_msg(a != NULL, "audit_list: %s", err.msg);
	n = json_array_size(a);
	json_decref(a);
	return (n);
}

/* ---- the table and the man page ---- */

/* "\nname\nname\n" for every ".It Cm" entry of reflectctl(1). */
static char *
man_names(void)
{
	const char	*top = getenv("TOP_SRCDIR");
	char		 path[PATH_MAX], line[1024], *out, *w, *save, *p;
	size_t		 cap = 1, n;
	FILE		*f;
	int		 first;

	snprintf(path, sizeof(path), "%s/man/reflectctl.1",
	    top != NULL ? top : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (TOP_SRCDIR)", path);
	out = xstrdup("\n");
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".It Cm ", 7) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		first = 1;
		for (w = strtok_r(line + 7, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save)) {
			if (strlen(w) == 2 && w[0] >= 'A' && w[0] <= 'Z' &&
			    w[1] >= 'a' && w[1] <= 'z')
				break;
			n = strlen(out);
			cap = n + strlen(w) + 3;
			out = xreallocarray(out, cap, 1);
			p = out + n;
			if (!first)
				p[-1] = ' ';
			snprintf(p, cap - n, "%s\n", w);
			first = 0;
		}
	}
	fclose(f);
	return (out);
}

START_TEST(test_table_documented)
{
	const struct cmd_entry	*ce;
	struct words		*split;
	struct err		 err;
	char			*names, *want, **words, extra[] = "x";
	int			 i, n;

	names = man_names();
	for (i = 0; (ce = cmd_table[i]) != NULL; i++) {
		ck_assert_msg(ce->name != NULL && ce->name[0] != '\0',
		    "entry %d has no name", i);
		ck_assert_msg(ce->usage != NULL, "%s: no usage", ce->name);
		ck_assert_msg(ce->exec != NULL, "%s: no exec", ce->name);
		ck_assert_msg(ce->acl >= ACL_ANYONE && ce->acl <= ACL_ADMIN,
		    "%s: bad acl %d", ce->name, ce->acl);
		ck_assert_msg(ce->args.upper == -1 ||
		    ce->args.upper >= ce->args.lower, "%s: bad args", ce->name);
		/* Its own name, followed by an argument, finds it again. */
		split = words_split(ce->name, strlen(ce->name), &err);
		ck_assert_ptr_nonnull(split);
		words = xcalloc((size_t)split->argc + 2, sizeof(*words));
		memcpy(words, split->argv, (size_t)split->argc * sizeof(*words));
		words[split->argc] = extra;
		ck_assert_ptr_eq(cmd_find(split->argc + 1, words, &n), ce);
		ck_assert_int_eq(n, split->argc);
		free(words);
		words_free(split);
		xasprintf(&want, "\n%s\n", ce->name);
		ck_assert_msg(strstr(names, want) != NULL,
		    "%s is not documented as .It Cm in reflectctl.1", ce->name);
		free(want);
	}
	ck_assert_int_ge(i, 7);
	free(names);
}
END_TEST

/* The request's words, as the socket would hand them over. */
static struct words *
split(const char *line)
{
	struct words	*w;
	struct err	 err;

	w = words_split(line, strlen(line), &err);
	ck_assert_msg(w != NULL, "words_split(%s): %s", line, err.msg);
	return (w);
}

static const char *
find_name(const char *line, int *n)
{
	const struct cmd_entry	*ce;
	struct words		*w = split(line);

	ce = cmd_find(w->argc, w->argv, n);
	words_free(w);
	return (ce != NULL ? ce->name : NULL);
}

static int
body_size(const char *line, size_t *n, struct err *err)
{
	struct words	*w = split(line);
	int		 rc;

	rc = cmd_body_size(w->argc, w->argv, n, err);
	words_free(w);
	return (rc);
}

static int
body_check(const struct acl_peer *peer, const char *line, size_t *n,
    struct err *err)
{
	struct words	*w = split(line);
	int		 rc;

	err_clear(err);
	rc = cmd_body_check(peer, w->argc, w->argv, n, err);
	words_free(w);
	return (rc);
}

START_TEST(test_find_longest)
{
	int	n;

	ck_assert_str_eq(find_name("outbox retry 5", &n), "outbox retry");
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(find_name("outbox state=failed", &n), "outbox");
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(find_name("outbox retryx", &n), "outbox");
	ck_assert_ptr_null(find_name("debug", &n));
	ck_assert_ptr_null(find_name("statusx", &n));
}
END_TEST

START_TEST(test_body_size)
{
	struct err	 err;
	size_t		 n = 0;

	ck_assert_int_eq(body_size("import cases bytes=10", &n, &err), 1);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(body_size("import bytes=1x", &n, &err), -1);
	ck_assert_int_eq(err.code, ERR_USAGE);
	ck_assert_int_eq(body_size("import bytes=99999999999", &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "too large"));
	ck_assert_int_eq(body_size("status", &n, &err), 0);
}
END_TEST

/* ---- argument checks ---- */

START_TEST(test_usage_errors)
{
	char	*argv[] = { NULL };

	assert_error(cmd_execute(&admin_peer, 0, argv, NULL, 0), "usage",
	    "empty");
	assert_error(run(&admin_peer, "frobnicate now"), "usage",
	    "unknown command: frobnicate");
	assert_error(run(&admin_peer, "status extra"), "usage",
	    "usage: status");
	assert_error(run(&admin_peer, "outbox stat=x"), "usage",
	    "unknown key: stat");
	assert_error(run(&admin_peer, "outbox state=sent state=failed"),
	    "usage", "duplicate key: state");
	assert_error(run(&admin_peer, "debug mail"), "usage",
	    "missing key: to");
	assert_error(run(&admin_peer, "outbox retry"), "usage",
	    "usage: outbox retry ID");
	assert_error(run(&admin_peer, "status bytes=3"), "usage", "no body");
	/* None of these changed anything. */
	ck_assert_uint_eq(audit_count(), 0);
}
END_TEST

/*
 * A body is judged on its request line, before a byte of it is read: only
 * a command that takes one, from a caller allowed to run it, with the
 * right words.
 */
START_TEST(test_body_check)
{
	struct err	 err;
	size_t		 n = 0;

	ck_assert_int_eq(body_check(&anyone_peer, "status", &n, &err), 0);
	ck_assert_int_eq(body_check(&anyone_peer, "status extra", &n, &err),
	    0);
	ck_assert_int_eq(body_check(&anyone_peer, "status bytes=67108864", &n,
	    &err), -1);
	ck_assert_int_eq(err.code, ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "takes no body"));
	ck_assert_int_eq(body_check(&admin_peer, "status bytes=0", &n, &err),
	    -1);
	ck_assert_int_eq(err.code, ERR_USAGE);
	ck_assert_int_eq(body_check(&anyone_peer,
	    "import members bytes=67108864", &n, &err), -1);
	ck_assert_int_eq(err.code, ERR_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(err.msg, "import is for admins"));
	ck_assert_int_eq(body_check(&admin_peer, "import members bytes=10",
	    &n, &err), 1);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(body_check(&admin_peer,
	    "import members mode=snapshot dry_run=yes bytes=67108864", &n,
	    &err), 1);
	ck_assert_uint_eq(n, CMD_BODY_MAX);
	ck_assert_int_eq(body_check(&admin_peer,
	    "import members bytes=67108865", &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "too large"));
	ck_assert_int_eq(body_check(&admin_peer, "import members frob=1 "
	    "bytes=10", &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown key: frob"));
	ck_assert_int_eq(body_check(&admin_peer, "import bytes=10", &n, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "usage: import"));
	ck_assert_int_eq(body_check(&admin_peer, "bytes=10", &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty request"));
	ck_assert_int_eq(body_check(&admin_peer, "frob bytes=10", &n, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown command: frob"));
	ck_assert_int_eq(body_check(&admin_peer, "import members bytes=1x",
	    &n, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "bad bytes"));
	ck_assert_uint_eq(audit_count(), 0);
}
END_TEST

START_TEST(test_forbidden)
{
	assert_error(run(&anyone_peer, "reload"), "forbidden",
	    "reload is for admins");
	assert_error(run(&anyone_peer, "reload"), "forbidden", "login=");
	assert_error(run(&anyone_peer, "outbox"), "forbidden", NULL);
	assert_error(run(&anyone_peer, "audit"), "forbidden", NULL);
	assert_error(run(&anyone_peer, "outbox retry 1"), "forbidden", NULL);
	ck_assert_uint_eq(audit_count(), 0);
}
END_TEST

/*
 * The ACL over the whole table: every command x {admin, manager of the
 * team, manager of another team, psychologist, member, unmapped}.  Each
 * row's line names north's objects; A is allowed (ok, or any error but
 * forbidden: a bad value after the checks tries a write without making
 * it), F forbidden, ? not asserted.  Every entry must have a row, and a
 * row must agree with the entry's level.
 */
static const struct {
	const char	*name;
	const char	*line;
	const char	*want;		/* admin mgr other psy member unmapped */
} acl_rows[] = {
	{ "status", "status", "AAAAAA" },
	{ "help", "help", "AAAAAA" },
	{ "reload", "reload", "AFFFFF" },
	{ "audit", "audit since=bogus", "AFFFFF" },
	{ "outbox", "outbox state=bogus", "AFFFFF" },
	{ "inbox", "inbox state=bogus", "AAAFFF" },
	{ "outbox retry", "outbox retry 999999", "AFFFFF" },
	{ "digest send", "digest send kind=bogus", "AAAFFF" },
	{ "debug advance", "debug advance bogus", "AFFFFF" },
	{ "debug mail", "debug mail to=bogus count=bogus", "AFFFFF" },
	{ "case add", "case add CR-X kind=bogus lead=sw-n", "AAFFFF" },
	{ "case set", "case set CR-N kind=bogus", "AAFFFF" },
	{ "case close", "case close CR-N date=bogus", "AAFFFF" },
	{ "case flag", "case flag CR-N reason=concerns", "AAFFAF" },
	{ "case unflag", "case unflag CR-N", "AAFFAF" },
	{ "case list", "case list member=sw-n", "AAFFAF" },
	{ "case show", "case show CR-N", "AAFFAF" },
	{ "caseload", "caseload member=sw-n", "AAFFAF" },
	{ "team add", "team add zz name=Z kind=bogus", "AFFFFF" },
	{ "team set", "team set north kind=bogus", "AAFFFF" },
	{ "team list", "team list", "AAAAAF" },
	{ "team show", "team show north", "AAFAAF" },
	{ "team remove", "team remove zz-none", "AFFFFF" },
	{ "member add", "member add zz name=Z email=z@example.org "
	    "role=social_worker team=north fte=bogus", "AAFFFF" },
	{ "member set", "member set sw-n fte=bogus", "AAFFFF" },
	{ "member list", "member list team=north", "AAFFFF" },
	{ "member show", "member show sw-n", "AAFFAF" },
	{ "member leave", "member leave sw-n end=bogus", "AAFFFF" },
	{ "absence add", "absence add sw-n from=bogus to=bogus", "AAFFAF" },
	{ "absence list", "absence list member=sw-n", "AAFFAF" },
	{ "absence remove", "absence remove 999999", "A????F" },
	{ "import", NULL, "AFFFFF" },
	{ "series add", "series add zz kind=bogus team=north "
	    "rrule=FREQ=WEEKLY start=2026-01-06T10:00 duration=60", "AAFFFF" },
	{ "series set", "series set gs-north slots=bogus", "AAFFFF" },
	{ "series list", "series list", "AAAAFF" },
	{ "series show", "series show gs-north", "AAFAFF" },
	{ "session show", "session show SID", "AAFAAF" },
	{ "session move", "session move SID start=bogus", "AAFFFF" },
	{ "session attend", "session attend SID member=sw-n status=bogus",
	    "AAF?AF" },
	{ "schedule", "schedule team=north", "AAFAAF" },
	{ "gaps", "gaps team=north", "AAFFFF" },
	{ "plan", "plan", "AFFFFF" },
	{ "rotation", "rotation team=north", "AAFFFF" },
	{ "rotation explain", "rotation explain SID", "AAFAAF" },
	{ "present", "present SID slot=bogus member=sw-n", "AAFFFF" },
	{ "request", "request sw-n case=bad\\ ref", "AAFFAF" },
	{ "feed token", "feed token sw-n", "AAFFAF" },
	{ "feed revoke", "feed revoke sw-n", "AAFFAF" },
	{ "request list", "request list team=north", "AAAAAF" },
	{ "request withdraw", "request withdraw 999999", "AAAAAF" },
	/* Last: it cancels the session the rows above name. */
	{ "session cancel", "session cancel SID reason=", "AAFFFF" },
	{ "series remove", "series remove gs-north", "AAFFFF" },
};

static void
acl_peer_as(struct acl_peer *p, const char *user, uid_t uid)
{
	memset(p, 0, sizeof(*p));
	p->uid = uid;
	snprintf(p->user, sizeof(p->user), "%s", user);
	p->level = ACL_ANYONE;
}

START_TEST(test_acl_matrix)
{
	static const char *setup[] = {
		"team add north name=North kind=mast",
		"team add south name=South kind=mast",
		"member add mgr-n name=M email=mgr-n@example.org role=manager "
		    "team=north login=u-mgr-n start=2026-01-01",
		"member add mgr-s name=M email=mgr-s@example.org role=manager "
		    "team=south login=u-mgr-s start=2026-01-01",
		"member add psy-n name=P email=psy-n@example.org "
		    "role=psychologist team=north login=u-psy start=2026-01-01",
		"member add sw-n name=W email=sw-n@example.org "
		    "role=social_worker team=north login=u-sw start=2026-01-01",
		"member add sw-s name=W email=sw-s@example.org "
		    "role=social_worker team=south start=2026-01-01",
		"team set north manager=mgr-n psychologist=psy-n",
		"team set south manager=mgr-s",
		"case add CR-N kind=cin lead=sw-n",
		"case add CR-S kind=cin lead=sw-s",
		"series add gs-north kind=group_supervision team=north "
		    "rrule=FREQ=WEEKLY;BYDAY=TU start=2026-01-06T10:00 "
		    "duration=90 slots=2",
		"series add gs-south kind=group_supervision team=south "
		    "rrule=FREQ=WEEKLY;BYDAY=TU start=2026-01-06T14:00 "
		    "duration=90 slots=2",
		"plan",
	};
	struct acl_peer		 peers[6];
	const struct cmd_entry	*ce;
	json_t			*res, *reply, *ss;
	const char		*sid, *code, *msg, *p;
	char			 line[512], got;
	size_t			 i, r, k;
	int			 role;
	struct err		 err;

	/* The planner, as the daemon starts it, so plan makes sessions. */
	ck_assert_msg(planner_init(test_daemon.store, test_daemon.conf,
	    &err) == 0, "planner_init: %s", err.msg);
	/* The start's plan alone skips the sync: changes wait for theirs. */
	ck_assert_int_eq(store_synchronous(test_daemon.store, -1), 2);
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		json_decref(assert_ok(run(&admin_peer, setup[i])));
	res = assert_ok(run(&admin_peer, "schedule team=north"));
	ss = json_object_get(res, "sessions");
	ck_assert_int_gt(json_array_size(ss), 0);
	sid = json_string_value(json_object_get(json_array_get(ss, 0), "id"));
	ck_assert_ptr_nonnull(sid);

	peers[0] = admin_peer;
	acl_peer_as(&peers[1], "u-mgr-n", 60001);
	acl_peer_as(&peers[2], "u-mgr-s", 60002);
	acl_peer_as(&peers[3], "u-psy", 60003);
	acl_peer_as(&peers[4], "u-sw", 60004);
	acl_peer_as(&peers[5], "u-stranger", 60005);

	/* Every entry has a row. */
	for (i = 0; (ce = cmd_table[i]) != NULL; i++) {
		for (r = 0; r < sizeof(acl_rows) / sizeof(acl_rows[0]); r++)
			if (strcmp(acl_rows[r].name, ce->name) == 0)
				break;
		ck_assert_msg(r < sizeof(acl_rows) / sizeof(acl_rows[0]),
		    "%s has no row in the ACL matrix", ce->name);
		/* Below the entry's level is always forbidden. */
		for (role = 0; role < 6; role++) {
			static const int lv[] = { ACL_ADMIN, ACL_MANAGER,
			    ACL_MANAGER, ACL_PSYCHOLOGIST, ACL_MEMBER,
			    ACL_ANYONE };
			if (lv[role] < ce->acl)
				ck_assert_msg(acl_rows[r].want[role] == 'F',
				    "%s: role %d is below %s but its row says "
				    "%c", ce->name, role,
				    acl_level_name(ce->acl),
				    acl_rows[r].want[role]);
		}
	}

	for (r = 0; r < sizeof(acl_rows) / sizeof(acl_rows[0]); r++) {
		if (acl_rows[r].line == NULL)
			continue;
		/* SID stands for a north session. */
		k = 0;
		for (p = acl_rows[r].line; *p != '\0' && k + 40 < sizeof(line);
		    p++) {
			if (strncmp(p, "SID", 3) == 0) {
				k += (size_t)snprintf(line + k,
				    sizeof(line) - k, "%s", sid);
				p += 2;
			} else
				line[k++] = *p;
		}
		line[k] = '\0';
		/* The admin last: an allowed write may change the object. */
		for (role = 5; role >= 0; role--) {
			if (acl_rows[r].want[role] == '?')
				continue;
			reply = run(&peers[role], line);
			code = json_string_value(json_object_get(reply,
			    "error"));
			msg = json_string_value(json_object_get(reply,
			    "message"));
			got = code != NULL && strcmp(code, "forbidden") == 0 ?
			    'F' : 'A';
			ck_assert_msg(got == acl_rows[r].want[role],
			    "\"%s\" as role %d: want %c, got %s: %s", line,
			    role, acl_rows[r].want[role],
			    code != NULL ? code : "ok", msg != NULL ? msg : "");
			if (got == 'F') {
				ck_assert_msg(strncmp(msg, "forbidden: ", 11) ==
				    0 && strstr(msg + 11, "forbidden") == NULL,
				    "\"%s\": forbidden once: %s", line, msg);
				if (role == 5)
					ck_assert_msg(strstr(msg, "login=") !=
					    NULL, "\"%s\": unmapped hears of "
					    "login=: %s", line, msg);
			}
			json_decref(reply);
		}
	}
	json_decref(res);
	planner_free();
}
END_TEST

START_TEST(test_help_and_unknown)
{
	json_t		*res, *cmds;
	size_t		 i;
	int		 has_reload = 0;

	res = assert_ok(run(&admin_peer, "help"));
	cmds = json_object_get(res, "commands");
	for (i = 0; i < json_array_size(cmds); i++)
		has_reload |= strcmp(json_string_value(json_object_get(
		    json_array_get(cmds, i), "name")), "reload") == 0;
	ck_assert(has_reload);
	json_decref(res);
	res = assert_ok(run(&anyone_peer, "help"));
	cmds = json_object_get(res, "commands");
	ck_assert_uint_eq(json_array_size(cmds), 2);
	json_decref(res);
	assert_error(run(&admin_peer, "team frobnicate"), "usage",
	    "unknown command: team frobnicate (team has: add, set, list, "
	    "show, remove)");
	assert_error(run(&admin_peer, "frobnicate"), "usage", "help");
}
END_TEST

START_TEST(test_debug_needs_fake_clock)
{
	assert_error(run(&admin_peer, "debug advance 1h"), "invalid",
	    "--fake-now");
	assert_error(run(&admin_peer, "debug mail to=a@example.org"),
	    "invalid", "--fake-now");
	ck_assert_uint_eq(audit_count(), 0);
}
END_TEST

START_TEST(test_acl_identify)
{
	struct acl_peer	 p;
	struct passwd	*pw;
	char		 a0[] = "somebody-else", a1[] = "nobody";
	char		*admins[] = { a0, a1, NULL };
	char		**old;
	size_t		 oldn;

	memset(&p, 0, sizeof(p));
	p.uid = geteuid();
	acl_identify(&p, test_daemon.conf);
	ck_assert_int_eq(p.level, ACL_ADMIN);
	if ((pw = getpwuid(geteuid())) != NULL)
		ck_assert_str_eq(p.user, pw->pw_name);

	/* A uid without a passwd entry: named by number, status only. */
	memset(&p, 0, sizeof(p));
	p.uid = 54321;
	if (getpwuid(p.uid) == NULL) {
		acl_identify(&p, test_daemon.conf);
		ck_assert_str_eq(p.user, "uid:54321");
		ck_assert_int_eq(p.level, ACL_ANYONE);
	}

	/* Another user is an admin only when listed in admins. */
	if ((pw = getpwnam("nobody")) != NULL && pw->pw_uid != geteuid()) {
		memset(&p, 0, sizeof(p));
		p.uid = pw->pw_uid;
		acl_identify(&p, test_daemon.conf);
		ck_assert_str_eq(p.user, "nobody");
		ck_assert_int_eq(p.level, ACL_ANYONE);

		old = test_daemon.conf->admins;
		oldn = test_daemon.conf->nadmins;
		test_daemon.conf->admins = admins;
		test_daemon.conf->nadmins = 2;
		acl_identify(&p, test_daemon.conf);
		test_daemon.conf->admins = old;
		test_daemon.conf->nadmins = oldn;
		ck_assert_int_eq(p.level, ACL_ADMIN);
	}
	ck_assert_str_eq(acl_level_name(ACL_ADMIN), "ADMIN");
}
END_TEST

/* ---- commands ---- */

START_TEST(test_reload_refused)
{
	struct config	*before = test_daemon.conf;
	char		 path[PATH_MAX + 64];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/bad.conf", test_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[daemon]\nbogus = 1\n", f);
	fclose(f);
	test_daemon.conf_path = path;

	/* The loader's FILE:LINE reaches the caller; the old config stays. */
	assert_error(run(&admin_peer, "reload"), "invalid", "bad.conf:2");
	ck_assert_ptr_eq(test_daemon.conf, before);
	ck_assert_uint_eq(audit_count(), 0);
	test_daemon.conf_path = NULL;
}
END_TEST

START_TEST(test_status)
{
	json_t	*r, *ob;

	enqueue_one("a@example.org");
	r = assert_ok(run(&admin_peer, "status"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "version")),
	    PACKAGE_VERSION);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r, "now")));
	ck_assert(json_is_integer(json_object_get(r, "uptime_s")));
	ck_assert(json_is_integer(json_object_get(r, "teams")));
	ck_assert(json_is_false(json_object_get(r, "fake_clock")));
	ob = json_object_get(r, "outbox");
	ck_assert_ptr_nonnull(ob);
	ck_assert_int_eq(json_integer_value(json_object_get(ob, "queued")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(ob, "sent")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(ob, "failed")), 0);
	ck_assert(json_is_null(json_object_get(json_object_get(r, "mail"),
	    "last_failure")));
	json_decref(r);

	/* Anyone else learns nothing about the organisation or its mail. */
	r = assert_ok(run(&anyone_peer, "status"));
	ck_assert_ptr_nonnull(json_object_get(r, "version"));
	ck_assert_ptr_nonnull(json_object_get(r, "now"));
	ck_assert_ptr_nonnull(json_object_get(r, "uptime_s"));
	ck_assert_ptr_null(json_object_get(r, "outbox"));
	ck_assert_ptr_null(json_object_get(r, "mail"));
	ck_assert_ptr_null(json_object_get(r, "teams"));
	json_decref(r);
}
END_TEST

START_TEST(test_outbox_list_and_retry)
{
	json_t		*r, *msgs, *m, *a, *e;
	int64_t		 id1, id2;
	char		 line[64];

	id1 = enqueue_one("a@example.org");
	id2 = enqueue_one("b@example.org");
	r = assert_ok(run(&admin_peer, "outbox"));
	msgs = json_object_get(r, "messages");
	ck_assert_uint_eq(json_array_size(msgs), 2);
	m = json_array_get(msgs, 0);		/* newest first */
	ck_assert_int_eq(json_integer_value(json_object_get(m, "id")), id2);
	ck_assert_str_eq(json_string_value(json_object_get(m, "to")),
	    "b@example.org");
	ck_assert_str_eq(json_string_value(json_object_get(m, "state")),
	    "queued");
	ck_assert_str_eq(json_string_value(json_object_get(m, "kind")), "test");
	ck_assert(json_is_string(json_object_get(m, "next_attempt")));
	ck_assert(json_is_null(json_object_get(m, "last_error")));
	json_decref(r);

	r = assert_ok(run(&admin_peer, "outbox state=sent"));
	ck_assert_uint_eq(json_array_size(json_object_get(r, "messages")), 0);
	json_decref(r);
	assert_error(run(&admin_peer, "outbox state=lost"), "invalid", "state");

	/* Failed writes leave no trace in the audit log. */
	assert_error(run(&admin_peer, "outbox retry 999"), "not_found", NULL);
	assert_error(run(&admin_peer, "outbox retry abc"), "invalid", NULL);
	ck_assert_uint_eq(audit_count(), 0);

	snprintf(line, sizeof(line), "outbox retry %lld", (long long)id1);
	r = assert_ok(run(&admin_peer, line));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), id1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "state")),
	    "queued");
	json_decref(r);

	r = assert_ok(run(&admin_peer, "audit"));
	a = json_object_get(r, "entries");
	ck_assert_uint_eq(json_array_size(a), 1);
	e = json_array_get(a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "user")),
	    "tester");
	ck_assert_str_eq(json_string_value(json_object_get(e, "command")),
	    line);
	json_decref(r);

	assert_error(run(&admin_peer, "audit since=yesterday"), "invalid",
	    "since");
	r = assert_ok(run(&admin_peer, "audit since=2100-01-01"));
	ck_assert_uint_eq(json_array_size(json_object_get(r, "entries")), 0);
	json_decref(r);
}
END_TEST

START_TEST(test_debug_fake)
{
	json_t		*r, *ids, *a, *e;
	struct err	 err;
	struct outbox_row *rows = NULL;
	size_t		 n = 0;

	r = assert_ok(run(&admin_peer, "debug advance 1h"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "now")),
	    "2026-01-05T10:00:00+00:00");
	json_decref(r);
	assert_error(run(&admin_peer, "debug advance 0"), "invalid", NULL);
	assert_error(run(&admin_peer, "debug advance soon"), "invalid", NULL);
	assert_error(run(&admin_peer, "debug mail to=x@example.org count=0"),
	    "invalid", "count");
	assert_error(run(&admin_peer, "debug mail to=nobody"), "invalid", "to");
	ck_assert_uint_eq(audit_count(), 0);

	r = assert_ok(run(&admin_peer,
	    "debug mail to=\"x@example.org\" count=3"));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "queued")), 3);
	ids = json_object_get(r, "ids");
	ck_assert_uint_eq(json_array_size(ids), 3);
	json_decref(r);

	ck_assert_int_eq(store_outbox_list(test_daemon.store, OUTBOX_QUEUED,
	    100, &rows, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(rows[0].rcpt, "x@example.org");
	ck_assert_ptr_nonnull(strstr(rows[0].subject, "reflectd test message"));
	ck_assert_str_ne(rows[0].msgid, rows[1].msgid);
	store_outbox_free(rows, n);

	/* Audited once, with the request re-quoted and who asked. */
	r = assert_ok(run(&admin_peer, "audit"));
	a = json_object_get(r, "entries");
	ck_assert_uint_eq(json_array_size(a), 1);
	e = json_array_get(a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "user")),
	    "tester");
	ck_assert_str_eq(json_string_value(json_object_get(e, "command")),
	    "debug mail to=x@example.org count=3");
	json_decref(r);

	r = assert_ok(run(&admin_peer, "status"));
	ck_assert(json_is_true(json_object_get(r, "fake_clock")));
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(r, "outbox"), "queued")), 3);
	json_decref(r);
}
END_TEST

/* ---- the socket ---- */

static int
sock_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return (fd);
}

/*
 * Send len bytes of req, run the loop until a whole reply line (or EOF)
 * comes back, and return it parsed (NULL on EOF without a reply).  Bytes
 * after the line stay in sock_buf for the next call on the same fd.
 */
static char	sock_buf[8192];
static size_t	sock_got;

static json_t *
sock_roundtrip(int fd, const char *req, size_t len)
{
	size_t		 off = 0, linelen;
	ssize_t		 r;
	char		*nl;
	int		 i;
	json_t		*j;
	json_error_t	 jerr;

	for (i = 0; i < 5000; i++) {
		if (memchr(sock_buf, '\n', sock_got) != NULL)
			break;
		while (off < len) {
			r = write(fd, req + off, len - off);
			if (r <= 0)
				break;
			off += (size_t)r;
		}
		event_base_loop(test_base, EVLOOP_NONBLOCK);
		r = read(fd, sock_buf + sock_got, sizeof(sock_buf) - sock_got);
		if (r > 0)
			sock_got += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			break;		/* closed by the daemon */
		else
			usleep(1000);
	}
	if ((nl = memchr(sock_buf, '\n', sock_got)) == NULL)
		return (NULL);
	linelen = (size_t)(nl - sock_buf) + 1;
	j = json_loadb(sock_buf, linelen, JSON_DISABLE_EOF_CHECK, &jerr);
	ck_assert_msg(j != NULL, "bad reply: %.*s", (int)linelen, sock_buf);
	memmove(sock_buf, sock_buf + linelen, sock_got - linelen);
	sock_got -= linelen;
	return (j);
}

START_TEST(test_socket)
{
	struct err	 err;
	struct stat	 st;
	char		 path[PATH_MAX + 64], *big;
	json_t		*r;
	int		 fd, fd2, i;

	snprintf(path, sizeof(path), "%s/run/sub/reflectd.sock", test_dir);
	free(test_daemon.conf->socket);
	test_daemon.conf->socket = xstrdup(path);
	free(test_daemon.conf->socket_group);
	test_daemon.conf->socket_group = xstrdup("");
	ck_assert_msg(control_init(test_base, test_daemon.conf, &err) == 0,
	    "control_init: %s", err.msg);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0660);

	/* A second daemon on the same socket is refused. */
	ck_assert_int_eq(control_init(test_base, test_daemon.conf, &err), -1);

	fd = sock_connect(path);
	sock_got = 0;
	r = sock_roundtrip(fd, "status\nstatus extra\n", 20);
	ck_assert_ptr_nonnull(r);
	r = assert_ok(r);
	ck_assert_ptr_nonnull(json_object_get(r, "outbox"));	/* our uid */
	json_decref(r);
	r = sock_roundtrip(fd, "", 0);		/* the pipelined second one */
	ck_assert_ptr_nonnull(r);
	assert_error(r, "usage", "usage: status");
	ck_assert_int_eq(control_clients(), 1);

	/* A bad quote is a usage error; the connection stays open. */
	r = sock_roundtrip(fd, "status \"open\n", 13);
	ck_assert_ptr_nonnull(r);
	assert_error(r, "usage", NULL);
	r = sock_roundtrip(fd, "status\n", 7);
	ck_assert_ptr_nonnull(r);
	json_decref(assert_ok(r));

	/* A body is read whole, even in pieces, before the answer. */
	ck_assert_int_eq(write(fd, "import absences bytes=22\nmember,", 32),
	    32);
	for (i = 0; i < 20; i++)
		event_base_loop(test_base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(read(fd, sock_buf, sizeof(sock_buf)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	r = sock_roundtrip(fd, "from,to,reason\nstatus\n", 22);
	ck_assert_ptr_nonnull(r);
	r = assert_ok(r);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "inserted")),
	    0);
	json_decref(r);
	r = sock_roundtrip(fd, "", 0);		/* the line after it */
	ck_assert_ptr_nonnull(r);
	json_decref(assert_ok(r));

	/*
	 * A body the command does not take is refused on its request line
	 * and never read: the connection closes, whatever follows.
	 */
	for (i = 0; i < 3; i++) {
		static const char *bad[] = {
			"status bytes=6\nstatus",
			"status bytes=0\nstatus\n",
			"status bytes=x\nstatus\n",
		};
		static const char *why[] = {
			"takes no body", "takes no body", "bad bytes"
		};

		fd2 = sock_connect(path);
		sock_got = 0;
		r = sock_roundtrip(fd2, bad[i], strlen(bad[i]));
		ck_assert_ptr_nonnull(r);
		assert_error(r, "usage", why[i]);
		ck_assert_msg(sock_closed(fd2), "%s: not closed", bad[i]);
		close(fd2);
	}
	for (i = 0; i < 200 && control_clients() > 1; i++) {
		event_base_loop(test_base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_eq(control_clients(), 1);
	sock_got = 0;
	r = sock_roundtrip(fd, "status\n", 7);
	ck_assert_ptr_nonnull(r);
	json_decref(assert_ok(r));

	/* Over 64 KiB without a newline: an error, then the close. */
	fd2 = sock_connect(path);
	sock_got = 0;
	big = xmalloc(WORDS_MAX_LINE + 2);
	memset(big, 'a', WORDS_MAX_LINE + 1);
	r = sock_roundtrip(fd2, big, WORDS_MAX_LINE + 1);
	ck_assert_ptr_nonnull(r);
	assert_error(r, "usage", "longer than 65536");
	free(big);
	for (i = 0; i < 200 && control_clients() > 1; i++) {
		event_base_loop(test_base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_eq(control_clients(), 1);
	close(fd2);

	/* A client that vanishes is forgotten. */
	close(fd);
	for (i = 0; i < 200 && control_clients() > 0; i++) {
		event_base_loop(test_base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_eq(control_clients(), 0);

	control_free();
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

/*
 * 1 if the daemon closes fd (after whatever it had to say, left in
 * sock_buf) within about two seconds.
 */
static int
sock_closed(int fd)
{
	ssize_t	r;
	int	i;

	for (i = 0; i < 2000; i++) {
		event_base_loop(test_base, EVLOOP_NONBLOCK);
		r = read(fd, sock_buf + sock_got, sizeof(sock_buf) - sock_got);
		if (r == 0 || (r == -1 && errno == ECONNRESET))
			return (1);
		if (r > 0)
			return (0);
		usleep(1000);
	}
	return (0);
}

/* At most CONTROL_BODIES_MAX of bodies held at once, whoever sends them. */
START_TEST(test_socket_bodies)
{
	struct err	 err;
	char		 path[PATH_MAX + 64], line[64];
	json_t		*r;
	int		 big[2], fd, i, j;

	ck_assert_int_eq(CONTROL_BODIES_MAX, 2 * CMD_BODY_MAX);
	snprintf(path, sizeof(path), "%s/bodies.sock", test_dir);
	free(test_daemon.conf->socket);
	test_daemon.conf->socket = xstrdup(path);
	ck_assert_msg(control_init(test_base, test_daemon.conf, &err) == 0,
	    "control_init: %s", err.msg);

	/* Two whole bodies announced (and not sent) fill the room. */
	snprintf(line, sizeof(line), "import members bytes=%d\n",
	    CMD_BODY_MAX);
	for (i = 0; i < 2; i++) {
		big[i] = sock_connect(path);
		ck_assert_int_eq(write(big[i], line, strlen(line)),
		    (ssize_t)strlen(line));
		for (j = 0; j < 100; j++)
			event_base_loop(test_base, EVLOOP_NONBLOCK);
		ck_assert_int_eq(read(big[i], sock_buf, sizeof(sock_buf)), -1);
		ck_assert_int_eq(errno, EAGAIN);
	}
	ck_assert_int_eq(control_clients(), 2);

	/* A third, however small, is refused before it is read. */
	fd = sock_connect(path);
	sock_got = 0;
	r = sock_roundtrip(fd, "import absences bytes=22\nmember,from,to,"
	    "reason\n", 47);
	ck_assert_ptr_nonnull(r);
	assert_error(r, "conflict", "held at once");
	ck_assert(sock_closed(fd));
	close(fd);

	/* Once one goes, its room is free again. */
	close(big[0]);
	for (i = 0; i < 200 && control_clients() > 1; i++) {
		event_base_loop(test_base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_eq(control_clients(), 1);
	fd = sock_connect(path);
	sock_got = 0;
	r = sock_roundtrip(fd, "import absences bytes=22\nmember,from,to,"
	    "reason\n", 47);
	ck_assert_ptr_nonnull(r);
	json_decref(assert_ok(r));
	close(fd);
	close(big[1]);
	control_free();
}
END_TEST

START_TEST(test_socket_cap)
{
	struct err	 err;
	char		 path[PATH_MAX + 64];
	int		 fds[CONTROL_MAX_PER_UID + 1], fd, i, j;
	json_t		*r;

	snprintf(path, sizeof(path), "%s/cap.sock", test_dir);
	free(test_daemon.conf->socket);
	test_daemon.conf->socket = xstrdup(path);
	ck_assert_msg(control_init(test_base, test_daemon.conf, &err) == 0,
	    "control_init: %s", err.msg);
	for (i = 0; i < CONTROL_MAX_PER_UID; i++) {
		fds[i] = sock_connect(path);
		for (j = 0; j < 100 && control_clients() <= i; j++)
			event_base_loop(test_base, EVLOOP_NONBLOCK);
	}
	ck_assert_int_eq(control_clients(), CONTROL_MAX_PER_UID);

	/* One more from the same uid is told why and closed. */
	fd = sock_connect(path);
	sock_got = 0;
	r = sock_roundtrip(fd, "status\n", 7);
	ck_assert_ptr_nonnull(r);
	assert_error(r, "forbidden", "too many connections");
	ck_assert(sock_closed(fd));
	close(fd);
	ck_assert_int_eq(control_clients(), CONTROL_MAX_PER_UID);

	/* The others still work. */
	sock_got = 0;
	r = sock_roundtrip(fds[0], "status\n", 7);
	ck_assert_ptr_nonnull(r);
	json_decref(assert_ok(r));
	for (i = 0; i < CONTROL_MAX_PER_UID; i++)
		close(fds[i]);
	control_free();
}
END_TEST

START_TEST(test_socket_stale)
{
	struct sockaddr_un	 sun;
	struct err		 err;
	char			 path[PATH_MAX + 64];
	int			 fd;

	/* A socket file nobody listens on is replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", test_dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);

	free(test_daemon.conf->socket);
	test_daemon.conf->socket = xstrdup(path);
	free(test_daemon.conf->socket_group);
	test_daemon.conf->socket_group = xstrdup("no-such-group-here");
	ck_assert_msg(control_init(test_base, test_daemon.conf, &err) == 0,
	    "control_init: %s", err.msg);
	fd = sock_connect(path);
	close(fd);
	control_free();
}
END_TEST

static Suite *
cmd_suite(void)
{
	Suite	*s = suite_create("cmd");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_table_documented);
	tcase_add_test(tc, test_find_longest);
	tcase_add_test(tc, test_body_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("real-clock");
	tcase_add_checked_fixture(tc, setup_real, teardown);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_body_check);
	tcase_add_test(tc, test_forbidden);
	tcase_add_test(tc, test_debug_needs_fake_clock);
	tcase_add_test(tc, test_acl_identify);
	tcase_add_test(tc, test_reload_refused);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_outbox_list_and_retry);
	tcase_add_test(tc, test_socket);
	tcase_add_test(tc, test_socket_bodies);
	tcase_add_test(tc, test_socket_cap);
	tcase_add_test(tc, test_socket_stale);
	suite_add_tcase(s, tc);

	tc = tcase_create("fake-clock");
	tcase_add_checked_fixture(tc, setup_fake, teardown);
	tcase_add_test(tc, test_debug_fake);
	tcase_add_test(tc, test_acl_matrix);
	tcase_add_test(tc, test_help_and_unknown);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(cmd_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
