/*
 * Unit tests for the store, the audit log and the outbox: a real SQLite
 * database and a real Maildir in a fresh temporary directory per test, a
 * real event loop and the real mailer thread for delivery.  No mocks.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <sqlite3.h>

#include "testutil.h"
#include <event2/event.h>
#include <jansson.h>

#include "audit.h"
#include "clock.h"
#include "config.h"
#include "err.h"
#include "maildir.h"
#include "mailer.h"
#include "message.h"
#include "outbox.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define E2E_COUNT	50

static char		 tmpdir[] = "/tmp/check_outbox.XXXXXX";
static char		*statedir;
static char		*spooldir;
static struct config	*conf;
static struct event_base *base;

static void	setup(void);
static void	teardown(void);
static struct config *test_config(void);
static void	config_release(struct config *);
static void	set_domains(const char *, const char *);
static size_t	count_dir(const char *, const char *);
static char	*read_file(const char *, size_t *);
static char	*header_value(const char *, const char *);
static char	*qp_decode(const char *);
static void	set_user_version(const char *, uint32_t);
static int	queue_one(struct store *, const char *, const char *,
		    int64_t *, struct err *);
static void	run_until(struct store *, int, int);
static off_t	file_size(const char *);
static void	write_text(const char *, const char *);
static Suite	*outbox_suite(void);

static struct config *
test_config(void)
{
	struct config	*c = xcalloc(1, sizeof(*c));

	c->transport = TRANSPORT_MAILDIR;
	c->maildir = xstrdup(spooldir);
	c->state_dir = xstrdup(statedir);
	c->smtp_host = xstrdup("localhost");
	c->smtp_port = 25;
	c->smtp_user = xstrdup("");
	c->smtp_password_file = xstrdup("");
	c->from = xstrdup("Reflect Planner <reflect@example.org>");
	c->from_name = xstrdup("Reflect Planner");
	c->from_addr = xstrdup("reflect@example.org");
	c->max_attempts = 12;
	c->retry_max_age = 3 * 86400;
	return (c);
}

static void
config_release(struct config *c)
{
	size_t	i;

	if (c == NULL)
		return;
	free(c->maildir);
	free(c->state_dir);
	free(c->smtp_host);
	free(c->smtp_user);
	free(c->smtp_password_file);
	free(c->from);
	free(c->from_name);
	free(c->from_addr);
	for (i = 0; i < c->nallowed_domains; i++)
		free(c->allowed_domains[i]);
	free(c->allowed_domains);
	free(c);
}

static void
set_domains(const char *a, const char *b)
{
	conf->allowed_domains = xcalloc(2, sizeof(char *));
	conf->allowed_domains[0] = xstrdup(a);
	conf->allowed_domains[1] = xstrdup(b);
	conf->nallowed_domains = 2;
}

static void
setup(void)
{
	struct err	err;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	xasprintf(&statedir, "%s/state", tmpdir);
	xasprintf(&spooldir, "%s/spool", tmpdir);
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(clock_init(base, NULL, &err), 0);
	conf = test_config();
}

static void
teardown(void)
{
	outbox_free();
	clock_free();
	event_base_free(base);
	config_release(conf);
	testutil_rm_rf(tmpdir);
	free(statedir);
	free(spooldir);
	strcpy(tmpdir, "/tmp/check_outbox.XXXXXX");
}

static size_t
count_dir(const char *dir, const char *sub)
{
	char		*path;
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	xasprintf(&path, "%s/%s", dir, sub);
	d = opendir(path);
	ck_assert_msg(d != NULL, "opendir %s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	free(path);
	return (n);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return (buf);
}

/* The unfolded value of a header in the header block, or NULL. */
static char *
header_value(const char *msg, const char *name)
{
	const char	*p = msg, *eol;
	size_t		 nl = strlen(name);
	char		*v = NULL, *t;

	while (*p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		eol = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(eol);
		if (v != NULL && (*p == ' ' || *p == '\t')) {
			xasprintf(&t, "%s%.*s", v, (int)(eol - p), p);
			free(v);
			v = t;
		} else if (v != NULL)
			return (v);
		else if (strncasecmp(p, name, nl) == 0 && p[nl] == ':')
			v = xstrndup(p + nl + 2, (size_t)(eol - p - nl - 2));
		p = eol + 2;
	}
	return (v);
}

static char *
qp_decode(const char *s)
{
	char		*out = xmalloc(strlen(s) + 1), *o = out;
	unsigned int	 c;

	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n')
			s += 3;
		else if (s[0] == '=') {
			ck_assert_int_eq(sscanf(s + 1, "%2X", &c), 1);
			*o++ = (char)c;
			s += 3;
		} else if (s[0] == '\r' && s[1] == '\n') {
			*o++ = '\n';
			s += 2;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return (out);
}

/* Set the SQLite header's user_version (big-endian at offset 60). */
static void
set_user_version(const char *path, uint32_t v)
{
	unsigned char	b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff,
			    v & 0xff };
	int		fd;

	fd = open(path, O_WRONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pwrite(fd, b, 4, 60), 4);
	close(fd);
}

static int
queue_one(struct store *s, const char *rcpt, const char *key, int64_t *id,
    struct err *err)
{
	char	*msgid, *data;
	size_t	 len;
	int	 rc;

	msgid = message_id(conf, "test", key, rcpt);
	data = message_plain(conf, "", rcpt, "Test", "Hello.\n", msgid,
	    clock_now(), &len);
	rc = outbox_enqueue(s, "test", rcpt, "Test", data, len, msgid, id,
	    err);
	free(msgid);
	free(data);
	return (rc);
}

/* Run the loop until counts[state] reaches want (or give up after 20s). */
static void
run_until(struct store *s, int state, int want)
{
	struct err	err;
	int		counts[4];
	time_t		end = time(NULL) + 20;

	for (;;) {
		ck_assert_int_eq(store_outbox_counts(s, counts, &err), 0);
		if (counts[state] >= want)
			break;
		ck_assert_msg(time(NULL) < end, "only %d of %d messages in "
		    "state %d", counts[state], want, state);
		event_base_loop(base, EVLOOP_ONCE);
	}
}

START_TEST(test_store_reopen)
{
	struct store	*s;
	struct err	 err;
	json_t		*a;
	int		 v;

	s = store_open(statedir, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	v = store_schema_version(s);
	ck_assert_int_ge(v, 1);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(audit_add(s, "alice", "team add x", &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	store_close(s);

	s = store_open(statedir, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_schema_version(s), v);
	a = audit_list(s, 0, &err);
	ck_assert_int_eq(json_array_size(a), 1);
	json_decref(a);
	store_close(s);
}
END_TEST

/* A long WAL is copied back by the checkpointer, not inside the commit. */
START_TEST(test_store_checkpoint_background)
{
	struct store	*s;
	struct err	 err;
	json_t		*a;
	unsigned long	 pages;
	char		 cmd[3001];
	int		 i;

	s = store_open(statedir, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_checkpoint_background(s), 0);
	ck_assert_uint_eq(store_checkpoints(s, &pages), 0);
	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	ck_assert_int_eq(store_begin(s, &err), 0);
	/* Some 1,500 pages: past the mark of 1,000 in one commit. */
	for (i = 0; i < 2000; i++)
		ck_assert_int_eq(audit_add(s, "alice", cmd, &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	for (i = 0; i < 500 && store_checkpoints(s, &pages) == 0; i++)
		usleep(10000);
	ck_assert_uint_ge(store_checkpoints(s, &pages), 1);
	/* Copied indeed: the 2,000 rows' pages went into the database. */
	ck_assert_uint_ge(pages, 1000);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(audit_add(s, "alice", "team add y", &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	/* Closing stops the thread; the rows are all there. */
	store_close(s);
	s = store_open(statedir, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	a = audit_list(s, 0, &err);
	ck_assert_uint_eq(json_array_size(a), 2001);
	json_decref(a);
	store_close(s);
}
END_TEST

START_TEST(test_store_newer_refused)
{
	struct store	*s;
	struct err	 err;
	char		*db;

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	store_close(s);
	xasprintf(&db, "%s/reflectd.db", statedir);
	set_user_version(db, 999);
	free(db);
	s = store_open(statedir, &err);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.code, ERR_INTERNAL);
	ck_assert_msg(strstr(err.msg, "newer") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "999") != NULL, "%s", err.msg);
}
END_TEST

/* The page size in a database file's header (bytes 16-17; 1 is 65536). */
static unsigned
page_size_of(const char *path)
{
	unsigned char	b[2];
	int		fd;

	fd = open(path, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pread(fd, b, 2, 16), 2);
	close(fd);
	return (b[0] == 0 && b[1] == 1 ? 65536 : (unsigned)b[0] << 8 | b[1]);
}

/* A new database gets 8 KiB pages; one made with 4 KiB keeps them. */
START_TEST(test_store_page_size)
{
	struct store	*s;
	struct err	 err;
	sqlite3		*db;
	char		*path;

	xasprintf(&path, "%s/reflectd.db", statedir);
	s = store_open(statedir, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	store_close(s);
	ck_assert_uint_eq(page_size_of(path), 8192);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA page_size=4096; "
	    "CREATE TABLE before_us (a);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_uint_eq(page_size_of(path), 4096);
	s = store_open(statedir, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(audit_add(s, "alice", "team add x", &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	store_close(s);
	ck_assert_uint_eq(page_size_of(path), 4096);
	free(path);
}
END_TEST

/*
 * SQLite keeps no memory statistics for the daemon (store_open): had it
 * been set up before, every allocation would take a global mutex.
 */
START_TEST(test_store_no_memstatus)
{
	struct store	*s;
	struct err	 err;

	s = store_open(statedir, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(audit_add(s, "alice", "team add x", &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_int_eq(sqlite3_memory_used(), 0);
	store_close(s);
}
END_TEST

START_TEST(test_store_nested_tx)
{
	struct store	*s;
	struct err	 err;

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(store_begin(s, &err), -1);
	ck_assert_int_eq(err.code, ERR_INTERNAL);
	ck_assert_int_eq(store_in_transaction(s), 1);
	store_rollback(s);
	ck_assert_int_eq(store_in_transaction(s), 0);
	store_close(s);
}
END_TEST

/*
 * The weeks a scoped run reads whole are kept between runs (store-scope.c):
 * what it is handed must always be what the database holds, after a
 * write, a move to another week, a cancellation, a rolled-back
 * transaction or savepoint, a refused insert and another connection's
 * commit; the scope's teams are left out.
 */
static void
week_session(struct session *x, const char *id, const char *team,
    time_t start, const char *psych)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->id, sizeof(x->id), "%s", id);
	snprintf(x->series, sizeof(x->series), "gs-%s", team);
	x->kind = SERIES_GROUP_SUPERVISION;
	x->start = start;
	x->end = start + 5400;
	snprintf(x->psychologist, sizeof(x->psychologist), "%s", psych);
	x->state = SESSION_PLANNED;
	snprintf(x->uid, sizeof(x->uid), "%s@test", id);
	snprintf(x->teams, sizeof(x->teams), "%s", team);
}

/* The week's rows as "id:psychologist:team" joined by spaces. */
static const char *
week_rows(struct store *s, time_t from, char *buf, size_t size)
{
	const struct session_booking	*v;
	struct err			 err;
	size_t				 i, n, len = 0;

	err_clear(&err);
	ck_assert_msg(store_week_bookings(s, from, from + 7 * 86400, &v, &n,
	    &err) == 0, "%s", err.msg);
	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s:%s:%s",
		    i > 0 ? " " : "", v[i].id, v[i].psychologist, v[i].team);
	return (buf);
}

START_TEST(test_week_bookings_kept)
{
	struct store	*s, *s2;
	struct session	 a, b, c, d;
	struct err	 err;
	char		 buf[512];
	/* Mondays 2027-03-01 and 2027-03-08, 00:00 UTC. */
	time_t		 w1 = 1803859200, w2 = w1 + 7 * 86400;

	store_scope_keep_min(0);	/* these weeks are small */
	err_clear(&err);
	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	week_session(&a, "gs-north-a", "north", w1 + 86400 + 36000, "psy-1");
	week_session(&b, "gs-south-b", "south", w1 + 2 * 86400 + 36000,
	    "psy-2");
	week_session(&c, "gs-north-c", "north", w2 + 36000, "psy-1");
	ck_assert_int_eq(store_session_insert(s, &a, &err), 0);
	ck_assert_int_eq(store_session_insert(s, &b, &err), 0);
	ck_assert_int_eq(store_session_insert(s, &c, &err), 0);

	/* The scope's teams are left out, kept or not. */
	ck_assert_int_eq(store_scope_clear(s, &err), 0);
	ck_assert_int_eq(store_scope_add(s, "north", &err), 0);
	ck_assert_int_eq(store_scope_close(s, &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)),
	    "gs-south-b:psy-2:south");
	ck_assert_int_eq(store_scope_clear(s, &err), 0);
	ck_assert_int_eq(store_scope_add(s, "west", &err), 0);
	ck_assert_int_eq(store_scope_close(s, &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)),
	    "gs-north-a:psy-1:north gs-south-b:psy-2:south");
	ck_assert_str_eq(week_rows(s, w2, buf, sizeof(buf)),
	    "gs-north-c:psy-1:north");

	/* A write, a move to the other week, a cancellation. */
	snprintf(a.psychologist, sizeof(a.psychologist), "psy-3");
	ck_assert_int_eq(store_session_update(s, &a, &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)),
	    "gs-north-a:psy-3:north gs-south-b:psy-2:south");
	a.start = w2 + 86400;
	a.end = a.start + 5400;
	ck_assert_int_eq(store_session_update(s, &a, &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)),
	    "gs-south-b:psy-2:south");
	ck_assert_str_eq(week_rows(s, w2, buf, sizeof(buf)),
	    "gs-north-c:psy-1:north gs-north-a:psy-3:north");
	b.state = SESSION_CANCELLED;
	ck_assert_int_eq(store_session_update(s, &b, &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)), "");

	/* A transaction rolled back: the kept week is as committed. */
	ck_assert_int_eq(store_begin(s, &err), 0);
	snprintf(c.psychologist, sizeof(c.psychologist), "psy-9");
	ck_assert_int_eq(store_session_update(s, &c, &err), 0);
	ck_assert_str_eq(week_rows(s, w2, buf, sizeof(buf)),
	    "gs-north-c:psy-9:north gs-north-a:psy-3:north");
	store_rollback(s);
	ck_assert_str_eq(week_rows(s, w2, buf, sizeof(buf)),
	    "gs-north-c:psy-1:north gs-north-a:psy-3:north");

	/* A savepoint rolled back, and an insert refused. */
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(store_savepoint(s, "op", &err), 0);
	week_session(&d, "gs-west-d", "west", w1 + 3 * 86400, "psy-4");
	ck_assert_int_eq(store_session_insert(s, &d, &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)), "");
	ck_assert_int_eq(store_scope_clear(s, &err), 0);
	ck_assert_int_eq(store_scope_close(s, &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)),
	    "gs-west-d:psy-4:west");
	ck_assert_int_eq(store_rollback_to(s, "op", &err), 0);
	ck_assert_int_eq(store_release(s, "op", &err), 0);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)), "");
	ck_assert_int_eq(store_session_insert(s, &c, &err), -1);
	ck_assert_int_eq(err.code, ERR_CONFLICT);
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_str_eq(week_rows(s, w2, buf, sizeof(buf)),
	    "gs-north-c:psy-1:north gs-north-a:psy-3:north");

	/* Another connection's commit. */
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)), "");
	s2 = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s2);
	b.state = SESSION_PLANNED;
	ck_assert_int_eq(store_session_update(s2, &b, &err), 0);
	store_close(s2);
	ck_assert_str_eq(week_rows(s, w1, buf, sizeof(buf)),
	    "gs-south-b:psy-2:south");
	store_close(s);
}
END_TEST

START_TEST(test_audit)
{
	struct store	*s;
	struct err	 err;
	json_t		*a, *e;
	time_t		 t;

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(audit_add(s, "alice", "team add north", &err), 0);
	ck_assert_int_eq(audit_add(s, "bob", "member add \"x y\"", &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	/* A rolled back change leaves no audit row. */
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(audit_add(s, "eve", "team delete north", &err), 0);
	store_rollback(s);

	a = audit_list(s, 0, &err);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(json_array_size(a), 2);
	e = json_array_get(a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "user")),
	    "alice");
	ck_assert_str_eq(json_string_value(json_object_get(e, "command")),
	    "team add north");
	ck_assert_int_eq(util_parse_time(json_string_value(json_object_get(e,
	    "at")), &t), 0);
	ck_assert(labs((long)(t - time(NULL))) < 60);
	e = json_array_get(a, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "user")), "bob");
	ck_assert_int_gt(json_integer_value(json_object_get(e, "id")),
	    json_integer_value(json_object_get(json_array_get(a, 0), "id")));
	json_decref(a);

	a = audit_list(s, time(NULL) + 3600, &err);
	ck_assert_int_eq(json_array_size(a), 0);
	json_decref(a);
	store_close(s);
}
END_TEST

/*
 * What moves store_plan_changes, by which a sweep knows nothing a plan
 * reads was written (plan-memo.c): a queued message does (an alert looks
 * for its Message-ID), the audit, a delivery's progress and the scope
 * table do not.
 */
START_TEST(test_plan_changes)
{
	struct store		*s;
	struct err		 err;
	struct outbox_row	*rows;
	size_t			 n;
	int64_t			 id, c0;
	time_t			 now = time(NULL);

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	c0 = store_plan_changes(s);
	ck_assert_int_eq(audit_add(s, "alice", "plan", &err), 0);
	ck_assert_int_eq(store_plan_changes(s), c0);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(store_outbox_add(s, "m1@example.org", "test",
	    "a@example.org", "Hello", "DATA", 4, now, &id, &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_int_eq(store_plan_changes(s), c0 + 1);
	ck_assert_int_eq(store_outbox_due(s, now, 10, 0, &rows, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_begin(s, &err), 0);
	rows[0].state = OUTBOX_SENT;
	ck_assert_int_eq(store_outbox_update(s, &rows[0], &err), 0);
	ck_assert_int_eq(store_scope_clear(s, &err), 0);
	ck_assert_int_eq(store_scope_add(s, "north", &err), 0);
	ck_assert_int_eq(store_scope_add(s, "south", &err), 0);
	ck_assert_int_eq(store_scope_close(s, &err), 0);
	ck_assert_int_eq(store_scope_clear(s, &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	store_outbox_free(rows, n);
	ck_assert_int_eq(store_plan_changes(s), c0 + 1);
	store_close(s);
}
END_TEST

START_TEST(test_outbox_states)
{
	struct store		*s;
	struct err		 err;
	struct outbox_row	*rows, r;
	size_t			 n;
	int64_t			 id, id2;
	int			 counts[4], rec;
	time_t			 when, now = time(NULL);

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_outbox_next_due(s, &when, &err), 1);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(store_outbox_add(s, "m1@example.org", "test",
	    "a@example.org", "Hello", "DATA", 4, now, &id, &err), 0);
	/* The same message again is the same row, not a second one. */
	ck_assert_int_eq(store_outbox_add(s, "m1@example.org", "test",
	    "a@example.org", "Hello", "DATA", 4, now, &id2, &err), 0);
	ck_assert_int_eq(id, id2);
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_int_eq(store_outbox_counts(s, counts, &err), 0);
	ck_assert_int_eq(counts[OUTBOX_QUEUED], 1);

	ck_assert_int_eq(store_outbox_due(s, now - 1, 10, 0, &rows, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	store_outbox_free(rows, n);
	ck_assert_int_eq(store_outbox_next_due(s, &when, &err), 0);
	ck_assert_int_eq(when, now);
	ck_assert_int_eq(store_outbox_due(s, now, 10, 0, &rows, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].id, id);
	ck_assert_int_eq(rows[0].len, 4);
	ck_assert_str_eq(rows[0].data, "DATA");
	ck_assert_str_eq(rows[0].rcpt, "a@example.org");

	ck_assert_int_eq(store_begin(s, &err), 0);
	rows[0].state = OUTBOX_SENDING;
	ck_assert_int_eq(store_outbox_update(s, &rows[0], &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	store_outbox_free(rows, n);
	ck_assert_int_eq(store_outbox_due(s, now, 10, 0, &rows, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	store_outbox_free(rows, n);
	ck_assert_int_eq(store_outbox_counts(s, counts, &err), 0);
	ck_assert_int_eq(counts[OUTBOX_SENDING], 1);

	/* A crash mid-send: the row is queued again at the next start. */
	store_close(s);
	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(store_outbox_recover(s, &rec, &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_int_eq(rec, 1);
	ck_assert_int_eq(store_outbox_get(s, id, 0, &r, &err), 0);
	ck_assert_int_eq(r.state, OUTBOX_QUEUED);
	ck_assert_ptr_null(r.data);
	store_outbox_row_clear(&r);
	ck_assert_int_eq(store_outbox_due(s, now, 10, 0, &rows, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	store_outbox_free(rows, n);
	ck_assert_int_eq(store_outbox_get(s, id + 100, 0, &r, &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	store_close(s);
}
END_TEST

/*
 * The outbox reads at most OUTBOX_INFLIGHT_BYTES of message text at a
 * time: the due rows stop once their data reaches the cap, oldest first,
 * and a single message longer than the cap is still taken on its own.
 */
START_TEST(test_outbox_due_bytes)
{
	struct store		*s;
	struct err		 err;
	struct outbox_row	*rows;
	char			 id[64], big[3000];
	size_t			 n, i;
	int64_t			 rid;
	time_t			 now = time(NULL);

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(store_begin(s, &err), 0);
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "b%zu@example.org", i);
		ck_assert_int_eq(store_outbox_add(s, id, "test",
		    "a@example.org", "Hello", big, 1000, now, &rid, &err), 0);
	}
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_int_eq(store_outbox_due(s, now, 10, 0, &rows, &n, &err), 0);
	ck_assert_int_eq(n, 10);
	store_outbox_free(rows, n);
	/* 2,500 bytes: the third row reaches it, and the reading stops. */
	ck_assert_int_eq(store_outbox_due(s, now, 10, 2500, &rows, &n, &err),
	    0);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(rows[0].msgid, "b0@example.org");
	ck_assert_str_eq(rows[2].msgid, "b2@example.org");
	store_outbox_free(rows, n);
	/* A cap below one message still gives that message. */
	ck_assert_int_eq(store_outbox_due(s, now, 10, 10, &rows, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].len, 1000);
	store_outbox_free(rows, n);
	/* The row limit still applies under the cap. */
	ck_assert_int_eq(store_outbox_due(s, now, 2, 1000000, &rows, &n,
	    &err), 0);
	ck_assert_int_eq(n, 2);
	store_outbox_free(rows, n);
	store_close(s);
}
END_TEST

START_TEST(test_backoff)
{
	time_t	c = 1000000, next, prev = 0, d;
	int	a;

	/* Without jitter: 60, 120, 240, ... doubling, capped at an hour. */
	for (a = 1; a <= 10; a++) {
		ck_assert_int_eq(outbox_backoff(a, c, c, 12, 86400, 0.0,
		    &next), 1);
		d = next - c;
		if (a == 1)
			ck_assert_int_eq(d, 60);
		else if (prev < 3600)
			ck_assert_int_eq(d, prev * 2 > 3600 ? 3600 : prev * 2);
		else
			ck_assert_int_eq(d, 3600);
		prev = d;
	}
	ck_assert_int_eq(prev, 3600);
	/* Jitter adds at most 20%. */
	ck_assert_int_eq(outbox_backoff(1, c, c, 12, 86400, 0.999, &next), 1);
	ck_assert_int_ge(next - c, 60);
	ck_assert_int_le(next - c, 72);
	ck_assert_int_gt(next - c, 60);
	ck_assert_int_eq(outbox_backoff(9, c, c, 12, 86400, 0.5, &next), 1);
	ck_assert_int_eq(next - c, 3960);
	/*
	 * Failed only with both max_attempts made and max_age reached (as
	 * Postfix's queue lifetime); until then an hour apart at most.
	 */
	ck_assert_int_eq(outbox_backoff(11, c, c, 12, 86400, 0.0, &next), 1);
	ck_assert_int_eq(outbox_backoff(12, c, c, 12, 86400, 0.0, &next), 1);
	ck_assert_int_eq(next - c, 3600);
	ck_assert_int_eq(outbox_backoff(50, c, c + 86399, 12, 86400, 0.0,
	    &next), 1);
	ck_assert_int_eq(next - (c + 86399), 3600);
	ck_assert_int_eq(outbox_backoff(2, c, c + 86400, 12, 86400, 0.0,
	    &next), 1);
	ck_assert_int_eq(outbox_backoff(11, c, c + 90000, 12, 86400, 0.0,
	    &next), 1);
	ck_assert_int_eq(outbox_backoff(12, c, c + 86400, 12, 86400, 0.0,
	    &next), 0);
	ck_assert_int_eq(outbox_backoff(30, c, c + 90000, 12, 86400, 0.999,
	    &next), 0);
	ck_assert_int_eq(outbox_backoff(1, c, c + 86400, 1, 86400, 0.0,
	    &next), 0);
}
END_TEST

/*
 * The default policy through a relay outage, at the longest jitter: every
 * attempt for three days is retried (well past max_attempts), the first
 * one after that fails it.
 */
START_TEST(test_backoff_outage)
{
	time_t	c = 1000000, t = c, next;
	int	a = 0;

	while (t - c < 3 * 86400) {
		a++;
		ck_assert_msg(outbox_backoff(a, c, t, 12, 3 * 86400, 0.999,
		    &next) == 1, "attempt %d at +%lds failed", a,
		    (long)(t - c));
		ck_assert_int_le(next - t, 4320);
		t = next;
	}
	ck_assert_int_gt(a, 60);
	ck_assert_int_eq(outbox_backoff(a + 1, c, t, 12, 3 * 86400, 0.999,
	    &next), 0);
}
END_TEST

START_TEST(test_allowed_domains)
{
	struct store	*s;
	struct err	 err;
	unsigned long	 before;
	int64_t		 id;
	int		 counts[4];

	set_domains("example.org", "NHS.net");
	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(outbox_init(base, s, conf, &err), 0);
	before = outbox_refused_count();

	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(queue_one(s, "a@Example.ORG", "1", &id, &err), 0);
	ck_assert_int_eq(queue_one(s, "b@nhs.net", "2", &id, &err), 0);
	ck_assert_int_eq(queue_one(s, "c@evil.example", "3", &id, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_str_eq(err.msg, "recipient domain not allowed: evil.example");
	/* Exact domains only: a subdomain is another organisation. */
	ck_assert_int_eq(queue_one(s, "d@mail.example.org", "4", &id, &err),
	    -1);
	ck_assert_int_eq(outbox_refused_count(), before + 2);
	ck_assert_int_eq(queue_one(s, "no-at-sign", "5", &id, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_int_eq(store_outbox_counts(s, counts, &err), 0);
	ck_assert_int_eq(counts[OUTBOX_QUEUED] + counts[OUTBOX_SENDING] +
	    counts[OUTBOX_SENT], 2);

	ck_assert_int_eq(outbox_domain_allowed(NULL, 0, "x@anywhere.test"), 1);
	ck_assert_int_eq(outbox_domain_allowed(NULL, 0, "x@"), 0);
	outbox_free();
	store_close(s);
}
END_TEST

START_TEST(test_message_id)
{
	char	*a, *b, *c, *d;

	a = message_id(conf, "invitation", "s42", "x@example.org");
	b = message_id(conf, "invitation", "s42", "x@example.org");
	c = message_id(conf, "invitation", "s42", "y@example.org");
	d = message_id(conf, "invitation", "s4", "2x@example.org");
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_int_eq(strlen(a), 32 + strlen("@example.org"));
	ck_assert_str_eq(a + 32, "@example.org");
	ck_assert_int_eq(strspn(a, "0123456789abcdef"), 32);
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

START_TEST(test_message_plain)
{
	const char	*body = "Dear Ana,\n\nYour session is on Monday "
	    "at 10:00 = soon.  This line is deliberately long so that "
	    "quoted-printable has to break it with a soft line break. "
	    "Café.\nTrailing blank \n";
	char		*msg, *v, *p, *dec, *line;
	size_t		 len;

	msg = message_plain(conf, "Ana Öz", "ana@example.org",
	    "Séance de supervision — lundi 10:00, salle 2, équipe nord", body,
	    "abc@example.org", 1772442000, &len);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(strlen(msg), len);

	/* Every line ends in CRLF and has at most 76 octets. */
	for (p = msg; *p != '\0'; p = line + 2) {
		line = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(line);
		ck_assert_msg(line - p <= 76, "line too long: %.*s",
		    (int)(line - p), p);
		ck_assert_ptr_null(memchr(p, '\n', (size_t)(line - p)));
	}

	v = header_value(msg, "Message-ID");
	ck_assert_str_eq(v, "<abc@example.org>");
	free(v);
	v = header_value(msg, "Date");
	ck_assert_str_eq(v, "Mon, 02 Mar 2026 09:00:00 +0000");
	free(v);
	v = header_value(msg, "From");
	ck_assert_str_eq(v, "Reflect Planner <reflect@example.org>");
	free(v);
	v = header_value(msg, "To");
	ck_assert_msg(strncmp(v, "=?UTF-8?B?", 10) == 0, "%s", v);
	ck_assert_msg(strstr(v, "<ana@example.org>") != NULL, "%s", v);
	free(v);
	v = header_value(msg, "Subject");
	ck_assert_msg(strncmp(v, "=?UTF-8?B?", 10) == 0, "%s", v);
	free(v);
	v = header_value(msg, "Content-Type");
	ck_assert_str_eq(v, "text/plain; charset=UTF-8");
	free(v);
	v = header_value(msg, "Content-Transfer-Encoding");
	ck_assert_str_eq(v, "quoted-printable");
	free(v);

	p = strstr(msg, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	dec = qp_decode(p + 4);
	ck_assert_str_eq(dec, body);
	free(dec);
	free(msg);

	/* A CR or LF in a subject cannot add a header. */
	msg = message_plain(conf, "", "ana@example.org",
	    "Hi\r\nBcc: evil@example.net", "x", "id@example.org", 0, &len);
	ck_assert_ptr_null(strstr(msg, "\r\nBcc:"));
	v = header_value(msg, "To");
	ck_assert_str_eq(v, "ana@example.org");
	free(v);
	free(msg);
}
END_TEST

START_TEST(test_maildir_twice)
{
	char	 errbuf[256], *path, *data;

	ck_assert_int_eq(maildir_prepare(spooldir, errbuf, sizeof(errbuf)), 0);
	ck_assert_int_eq(maildir_deliver(spooldir, "m1@example.org", "first",
	    5, errbuf, sizeof(errbuf)), 0);
	ck_assert_int_eq(maildir_deliver(spooldir, "m1@example.org",
	    "second", 6, errbuf, sizeof(errbuf)), 0);
	ck_assert_int_eq(count_dir(spooldir, "new"), 1);
	ck_assert_int_eq(count_dir(spooldir, "tmp"), 0);
	ck_assert_int_eq(count_dir(spooldir, "cur"), 0);
	ck_assert_int_eq(maildir_deliver(spooldir, "m2/../x@example.org",
	    "third", 5, errbuf, sizeof(errbuf)), 0);
	ck_assert_int_eq(count_dir(spooldir, "new"), 2);

	/* A Maildir that is not there is an error naming the cause. */
	xasprintf(&path, "%s/nonexistent", tmpdir);
	ck_assert_int_eq(maildir_deliver(path, "m1@example.org", "x", 1,
	    errbuf, sizeof(errbuf)), -1);
	ck_assert_msg(strstr(errbuf, "No such file") != NULL, "%s", errbuf);
	free(path);
	/* The surviving copy of m1 is the later delivery. */
	{
		DIR		*d;
		struct dirent	*de;
		char		*dir;

		xasprintf(&dir, "%s/new", spooldir);
		d = opendir(dir);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			xasprintf(&path, "%s/%s", dir, de->d_name);
			data = read_file(path, NULL);
			ck_assert(strcmp(data, "second") == 0 ||
			    strcmp(data, "third") == 0);
			free(data);
			free(path);
		}
		closedir(d);
		free(dir);
	}
}
END_TEST

START_TEST(test_end_to_end)
{
	struct store	*s;
	struct err	 err;
	char		*ids[E2E_COUNT], rcpt[64], key[16], *dir, *path, *msg;
	char		*v;
	int64_t		 id;
	int		 i, counts[4], found;
	DIR		*d;
	struct dirent	*de;

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(outbox_init(base, s, conf, &err), 0);
	ck_assert_int_eq(store_begin(s, &err), 0);
	for (i = 0; i < E2E_COUNT; i++) {
		snprintf(rcpt, sizeof(rcpt), "user%d@example.org", i);
		snprintf(key, sizeof(key), "k%d", i);
		ids[i] = message_id(conf, "test", key, rcpt);
		ck_assert_int_eq(queue_one(s, rcpt, key, &id, &err), 0);
	}
	ck_assert_int_eq(store_commit(s, &err), 0);
	outbox_kick();
	run_until(s, OUTBOX_SENT, E2E_COUNT);
	ck_assert_int_eq(store_outbox_counts(s, counts, &err), 0);
	ck_assert_int_eq(counts[OUTBOX_SENT], E2E_COUNT);
	ck_assert_int_eq(counts[OUTBOX_QUEUED] + counts[OUTBOX_SENDING] +
	    counts[OUTBOX_FAILED], 0);

	ck_assert_int_eq(count_dir(spooldir, "new"), E2E_COUNT);
	ck_assert_int_eq(count_dir(spooldir, "tmp"), 0);
	xasprintf(&dir, "%s/new", spooldir);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	found = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		msg = read_file(path, NULL);
		v = header_value(msg, "Message-ID");
		ck_assert_ptr_nonnull(v);
		for (i = 0; i < E2E_COUNT; i++) {
			if (ids[i] != NULL && strlen(v) == strlen(ids[i]) + 2 &&
			    strncmp(v + 1, ids[i], strlen(ids[i])) == 0) {
				free(ids[i]);
				ids[i] = NULL;
				found++;
				break;
			}
		}
		free(v);
		free(msg);
		free(path);
	}
	closedir(d);
	free(dir);
	ck_assert_int_eq(found, E2E_COUNT);
	outbox_free();
	/* Every accepted message committed: the journal is left empty. */
	xasprintf(&path, "%s/%s", statedir, MAILER_JOURNAL);
	ck_assert_int_eq(file_size(path), 0);
	free(path);
	store_close(s);
}
END_TEST

/* A loopback port nobody listens on: bound, then closed again. */
static int
closed_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

START_TEST(test_tempfail_and_retry)
{
	struct store		*s;
	struct err		 err;
	struct outbox_row	 r;
	int64_t			 id;
	time_t			 now;

	/* An SMTP relay that refuses connections: every attempt is deferred. */
	conf->transport = TRANSPORT_SMTP;
	free(conf->smtp_host);
	conf->smtp_host = xstrdup("127.0.0.1");
	conf->smtp_port = closed_port();
	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(outbox_init(base, s, conf, &err), 0);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(queue_one(s, "a@example.org", "1", &id, &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	now = clock_now();
	outbox_kick();
	for (;;) {
		ck_assert_int_eq(store_outbox_get(s, id, 0, &r, &err), 0);
		if (r.attempts > 0)
			break;
		store_outbox_row_clear(&r);
		event_base_loop(base, EVLOOP_ONCE);
	}
	ck_assert_int_eq(r.state, OUTBOX_QUEUED);
	ck_assert_int_eq(r.attempts, 1);
	ck_assert_int_ge(r.next_attempt, now + 60);
	ck_assert_int_le(r.next_attempt, now + 73);
	ck_assert_ptr_nonnull(r.last_error);
	ck_assert_msg(strstr(r.last_error, "127.0.0.1") != NULL,
	    "last_error names the relay: %s", r.last_error);
	store_outbox_row_clear(&r);

	/* retry: due now with a fresh count; unknown ids are not found. */
	ck_assert_int_eq(outbox_retry(s, id, &err), -1);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(outbox_retry(s, id, &err), 0);
	ck_assert_int_eq(outbox_retry(s, id + 1, &err), -1);
	ck_assert_int_eq(err.code, ERR_NOT_FOUND);
	ck_assert_int_eq(store_commit(s, &err), 0);
	ck_assert_int_eq(store_outbox_get(s, id, 0, &r, &err), 0);
	ck_assert_int_eq(r.attempts, 0);
	ck_assert_int_le(r.next_attempt, clock_now());
	store_outbox_row_clear(&r);
	outbox_free();

	/* Delivered by maildir, a sent message cannot be retried. */
	conf->transport = TRANSPORT_MAILDIR;
	ck_assert_int_eq(outbox_init(base, s, conf, &err), 0);
	run_until(s, OUTBOX_SENT, 1);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(outbox_retry(s, id, &err), -1);
	ck_assert_int_eq(err.code, ERR_CONFLICT);
	store_rollback(s);
	ck_assert_int_eq(store_outbox_get(s, id, 0, &r, &err), 0);
	ck_assert_ptr_null(r.last_error);
	ck_assert_int_eq(r.attempts, 1);
	store_outbox_row_clear(&r);
	outbox_free();
	store_close(s);
}
END_TEST

/*
 * A transport that fails as a whole, then works: once a message gets
 * through, the ones waiting in backoff go at once, not a minute later.
 */
START_TEST(test_release_after_outage)
{
	struct store		*s;
	struct err		 err;
	struct outbox_row	 r;
	int64_t			 id1, id2, id3;
	int			 counts[4];

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(outbox_init(base, s, conf, &err), 0);
	/* The Maildir becomes a plain file: no delivery is possible. */
	testutil_rm_rf(spooldir);
	write_text(spooldir, "not a maildir\n");
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(queue_one(s, "a@example.org", "1", &id1, &err), 0);
	ck_assert_int_eq(queue_one(s, "b@example.org", "2", &id2, &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	outbox_kick();
	for (;;) {
		ck_assert_int_eq(store_outbox_get(s, id2, 0, &r, &err), 0);
		if (r.attempts > 0 && r.state == OUTBOX_QUEUED)
			break;
		store_outbox_row_clear(&r);
		event_base_loop(base, EVLOOP_ONCE);
	}
	ck_assert_int_ge(r.next_attempt, clock_now() + 50);
	store_outbox_row_clear(&r);
	ck_assert_int_eq(store_outbox_get(s, id1, 0, &r, &err), 0);
	ck_assert_int_eq(r.state, OUTBOX_QUEUED);
	ck_assert_int_ge(r.next_attempt, clock_now() + 50);
	store_outbox_row_clear(&r);

	/* It works again: a new message goes, and takes the others along. */
	ck_assert_int_eq(unlink(spooldir), 0);
	ck_assert_int_eq(store_begin(s, &err), 0);
	ck_assert_int_eq(queue_one(s, "c@example.org", "3", &id3, &err), 0);
	ck_assert_int_eq(store_commit(s, &err), 0);
	outbox_kick();
	run_until(s, OUTBOX_SENT, 3);
	ck_assert_int_eq(store_outbox_counts(s, counts, &err), 0);
	ck_assert_int_eq(counts[OUTBOX_QUEUED], 0);
	ck_assert_int_eq(counts[OUTBOX_FAILED], 0);
	ck_assert_uint_eq(count_dir(spooldir, "new"), 3);
	ck_assert_int_eq(store_outbox_get(s, id1, 0, &r, &err), 0);
	ck_assert_int_eq(r.attempts, 2);
	store_outbox_row_clear(&r);
	outbox_free();
	store_close(s);
}
END_TEST

static off_t
file_size(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (st.st_size);
}

static void
write_text(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* Journal bytes to ids: whole decimal lines only, anything else skipped. */
START_TEST(test_journal_parse)
{
	static const struct {
		const char	*in;
		size_t		 n;
		int64_t		 ids[4];
	} t[] = {
		{ "", 0, { 0 } },
		{ "1\n2\n", 2, { 1, 2 } },
		{ "17", 0, { 0 } },			/* torn, no newline */
		{ "3\n4", 1, { 3 } },			/* torn last line */
		{ "5\nabc\n7\n", 2, { 5, 7 } },
		{ "0\n-3\n+4\n 6\n6 \n", 0, { 0 } },
		{ "12\r\n13\n", 1, { 13 } },
		{ "\n\n9\n", 1, { 9 } },
		{ "123456789012345678\n", 1, { 123456789012345678LL } },
		{ "1234567890123456789\n8\n", 1, { 8 } }, /* too long */
		{ "99999999999999999999999\n", 0, { 0 } },
		{ "2\n2\n", 2, { 2, 2 } },
	};
	int64_t	*ids;
	size_t	 i, j, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = mailer_journal_parse(t[i].in, strlen(t[i].in), &ids);
		ck_assert_msg(n == t[i].n, "case %zu: %zu ids, want %zu", i, n,
		    t[i].n);
		for (j = 0; j < n; j++)
			ck_assert_msg(ids[j] == t[i].ids[j], "case %zu id %zu: "
			    "%lld", i, j, (long long)ids[j]);
		if (n == 0)
			ck_assert_ptr_null(ids);
		free(ids);
	}
	/* A NUL in the middle is garbage, not the end of the journal. */
	n = mailer_journal_parse("4\n5\0\n6\n", 7, &ids);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(ids[0], 4);
	ck_assert_int_eq(ids[1], 6);
	free(ids);
}
END_TEST

/* Appends survive until every line is committed, then the file empties. */
START_TEST(test_journal_truncate)
{
	struct mailer_journal	*j;
	struct err		 err;
	char			*path;
	int64_t			*ids;
	size_t			 n;

	ck_assert_int_eq(mkdir(statedir, 0700), 0);
	xasprintf(&path, "%s/%s", statedir, MAILER_JOURNAL);
	ck_assert_int_eq(mailer_journal_read(path, &ids, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(ids);

	j = mailer_journal_open(path, &err);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(file_size(path), 0);
	ck_assert_int_eq(mailer_journal_append(j, 1), 0);
	ck_assert_int_eq(mailer_journal_append(j, 22), 0);
	ck_assert_int_eq(mailer_journal_append(j, 333), 0);
	ck_assert_int_eq(mailer_journal_append(j, 0), -1);
	ck_assert_int_eq(mailer_journal_append(j, -5), -1);
	ck_assert_int_eq(mailer_journal_read(path, &ids, &n, &err), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(ids[0], 1);
	ck_assert_int_eq(ids[1], 22);
	ck_assert_int_eq(ids[2], 333);
	free(ids);

	/* Two of three committed: the third still needs its line. */
	mailer_journal_committed(j, 2);
	ck_assert_int_eq(file_size(path), 9);
	mailer_journal_committed(j, 0);
	ck_assert_int_eq(file_size(path), 9);
	mailer_journal_committed(j, 1);
	ck_assert_int_eq(file_size(path), 0);

	/* Appending after emptying starts the file afresh. */
	ck_assert_int_eq(mailer_journal_append(j, 4), 0);
	ck_assert_int_eq(mailer_journal_read(path, &ids, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ids[0], 4);
	free(ids);
	ck_assert_int_eq(mailer_journal_truncate(j, &err), 0);
	ck_assert_int_eq(file_size(path), 0);
	mailer_journal_close(j);

	/* Lines left by a crash are kept by reopening, appended after. */
	write_text(path, "7\n8");
	j = mailer_journal_open(path, &err);
	ck_assert_ptr_nonnull(j);
	mailer_journal_close(j);
	ck_assert_int_eq(file_size(path), 3);
	mailer_journal_close(NULL);
	free(path);
}
END_TEST

/*
 * A crash after the relay accepted messages but before their rows were
 * committed: at start the journal's SENDING rows become SENT, the other
 * SENDING rows are queued again, and the journal is emptied.
 */
START_TEST(test_journal_recovery)
{
	struct store		*s;
	struct err		 err;
	struct outbox_row	 r;
	char			*path, text[128], key[8];
	int64_t			 id[4];
	int			 i;

	s = store_open(statedir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_begin(s, &err), 0);
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "r%d", i);
		ck_assert_int_eq(queue_one(s, "a@example.org", key, &id[i],
		    &err), 0);
	}
	/* 0, 1 and 2 in flight; 3 already sent. */
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(store_outbox_get(s, id[i], 0, &r, &err), 0);
		r.state = i < 3 ? OUTBOX_SENDING : OUTBOX_SENT;
		r.attempts = i < 3 ? 0 : 1;
		ck_assert_int_eq(store_outbox_update(s, &r, &err), 0);
		store_outbox_row_clear(&r);
	}
	ck_assert_int_eq(store_commit(s, &err), 0);

	/* 0 and 1 accepted, 3 accepted and committed; then a torn line. */
	xasprintf(&path, "%s/%s", statedir, MAILER_JOURNAL);
	snprintf(text, sizeof(text), "%lld\n%lld\n%lld\n999\n%lld",
	    (long long)id[0], (long long)id[1], (long long)id[3],
	    (long long)id[2]);
	write_text(path, text);

	/* No loop pass runs, so nothing is delivered during the checks. */
	ck_assert_int_eq(outbox_init(base, s, conf, &err), 0);
	ck_assert_int_eq(file_size(path), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(store_outbox_get(s, id[i], 0, &r, &err), 0);
		ck_assert_msg(r.state == (i == 2 ? OUTBOX_QUEUED : OUTBOX_SENT),
		    "row %d in state %d", i, r.state);
		ck_assert_int_eq(r.attempts, i == 2 ? 0 : 1);
		if (i < 2)
			ck_assert_int_ne(r.done_at, 0);
		store_outbox_row_clear(&r);
	}
	outbox_free();

	/* The one left over goes out, and a clean stop leaves it empty. */
	ck_assert_int_eq(outbox_init(base, s, conf, &err), 0);
	run_until(s, OUTBOX_SENT, 4);
	outbox_free();
	ck_assert_int_eq(count_dir(spooldir, "new"), 1);
	ck_assert_int_eq(file_size(path), 0);

	/* A journal that cannot be read stops the start, changing nothing. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(outbox_init(base, s, conf, &err), -1);
	ck_assert_msg(strstr(err.msg, MAILER_JOURNAL) != NULL,
	    "error names the journal: %s", err.msg);
	ck_assert_int_eq(rmdir(path), 0);
	free(path);
	store_close(s);
}
END_TEST

static Suite *
outbox_suite(void)
{
	Suite	*s = suite_create("outbox");
	TCase	*tc;

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_reopen);
	tcase_add_test(tc, test_plan_changes);
	tcase_add_test(tc, test_store_checkpoint_background);
	tcase_add_test(tc, test_outbox_due_bytes);
	tcase_add_test(tc, test_store_newer_refused);
	tcase_add_test(tc, test_store_page_size);
	tcase_add_test(tc, test_store_no_memstatus);
	tcase_add_test(tc, test_store_nested_tx);
	tcase_add_test(tc, test_week_bookings_kept);
	tcase_add_test(tc, test_audit);
	tcase_add_test(tc, test_outbox_states);
	suite_add_tcase(s, tc);

	tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_backoff_outage);
	tcase_add_test(tc, test_allowed_domains);
	tcase_add_test(tc, test_journal_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_journal_truncate);
	tcase_add_test(tc, test_journal_recovery);
	suite_add_tcase(s, tc);

	tc = tcase_create("message");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_message_id);
	tcase_add_test(tc, test_message_plain);
	tcase_add_test(tc, test_maildir_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("delivery");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_end_to_end);
	tcase_add_test(tc, test_tempfail_and_retry);
	tcase_add_test(tc, test_release_after_outage);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(outbox_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? 1 : 0);
}
