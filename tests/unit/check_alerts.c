/*
 * Unit tests for the manager alerts with a real SQLite store in a fresh
 * temporary directory and a fake clock: a caseload alert goes to the
 * worker's team manager with the figures and a fresh Message-ID per
 * crossing; a team without a manager is logged, not an error; an
 * uncovered alert goes once to each manager however often listed; a
 * manager outside allowed_domains is refused without failing the
 * change that caused the alert.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "testutil.h"
#include <event2/event.h>

#include "alerts.h"
#include "caseload.h"
#include "clock.h"
#include "config.h"
#include "domain.h"
#include "err.h"
#include "ical.h"
#include "outbox.h"
#include "people.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define NOW	"2026-03-02T09:00:00Z"

static char			 tmpdir[] = "/tmp/check_alerts.XXXXXX";
static struct store		*store;
static struct config		*conf;
static struct event_base	*base;
static time_t			 now;

static void	setup(void);
static void	teardown(void);
static void	add_team(const char *);
static void	set_manager(const char *, const char *);
static void	add_member(const char *, int, const char *, const char *,
		    struct member *);
static size_t	queued(const char *, struct outbox_row **);
static Suite	*alerts_suite(void);

static void
setup(void)
{
	struct err	err;

	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	err_clear(&err);
	ck_assert_int_eq(clock_init(base, NOW, &err), 0);
	now = clock_now();
	strcpy(tmpdir, "/tmp/check_alerts.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	store = store_open(tmpdir, &err);
	ck_assert_msg(store != NULL, "store_open: %s", err.msg);
	conf = config_defaults();
	ck_assert_int_eq(store_begin(store, &err), 0);
}

static void
teardown(void)
{
	outbox_free();
	if (store_in_transaction(store))
		store_rollback(store);
	store_close(store);
	store = NULL;
	config_free(conf);
	clock_free();
	event_base_free(base);
	testutil_rm_rf(tmpdir);
	ical_shutdown();
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
	err_clear(&err);
	ck_assert_msg(people_team_add(store, &t, &err) == 0, "team add %s: %s",
	    slug, err.msg);
}

static void
set_manager(const char *team, const char *manager)
{
	struct team	t;
	struct err	err;

	err_clear(&err);
	ck_assert_int_eq(people_team_get(store, team, &t, &err), 0);
	snprintf(t.manager, sizeof(t.manager), "%s", manager);
	ck_assert_msg(people_team_update(store, &t, &err) == 0,
	    "team %s manager=%s: %s", team, manager, err.msg);
}

static void
add_member(const char *slug, int role, const char *team, const char *email,
    struct member *out)
{
	struct member	m;
	struct err	err;

	people_member_init(&m);
	snprintf(m.slug, sizeof(m.slug), "%s", slug);
	snprintf(m.name, sizeof(m.name), "Name of %s", slug);
	snprintf(m.email, sizeof(m.email), "%s", email);
	m.role = role;
	snprintf(m.team, sizeof(m.team), "%s", team);
	err_clear(&err);
	ck_assert_msg(people_member_add(store, &m, &err) == 0,
	    "member add %s: %s", slug, err.msg);
	if (out != NULL)
		*out = m;
}

/* The queued rows of one kind, oldest first, with their bytes. */
static size_t
queued(const char *kind, struct outbox_row **out)
{
	struct outbox_row	*v = NULL, *w;
	struct err		 err;
	size_t			 n = 0, i, k = 0;

	err_clear(&err);
	ck_assert_int_eq(store_outbox_list(store, -1, 1000, &v, &n, &err), 0);
	w = xcalloc(n + 1, sizeof(*w));
	for (i = n; i > 0; i--) {
		if (strcmp(v[i - 1].kind, kind) != 0)
			continue;
		ck_assert_int_eq(store_outbox_get(store, v[i - 1].id, 1,
		    &w[k], &err), 0);
		k++;
	}
	store_outbox_free(v, n);
	*out = w;
	return (k);
}

START_TEST(test_caseload_alert)
{
	struct outbox_row	*v;
	struct member		 sw;
	struct caseload		 cl = { 11, 16.5, 15, CASELOAD_OVER };
	struct err		 err;
	size_t			 n;

	add_team("north");
	add_member("mgr", ROLE_MANAGER, "north", "mgr@example.org", NULL);
	add_member("sw", ROLE_SOCIAL_WORKER, "north", "sw@example.org", &sw);
	err_clear(&err);
	/* No manager yet: logged, nothing queued, not an error. */
	ck_assert_int_eq(alerts_caseload(store, conf, now, &sw, &cl, &err), 0);
	n = queued("caseload_alert", &v);
	ck_assert_uint_eq(n, 0);
	store_outbox_free(v, n);

	set_manager("north", "mgr");
	ck_assert_int_eq(alerts_caseload(store, conf, now, &sw, &cl, &err), 0);
	ck_assert_int_eq(alerts_caseload(store, conf, now, &sw, &cl, &err), 0);
	n = queued("caseload_alert", &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].rcpt, "mgr@example.org");
	ck_assert_str_eq(v[0].subject, "Caseload over limit: Name of sw");
	ck_assert_ptr_nonnull(strstr(v[0].data, "Weighted caseload:  16.5"));
	ck_assert_ptr_nonnull(strstr(v[0].data, "Limit:              15\r"));
	ck_assert_ptr_nonnull(strstr(v[0].data, "Status:             over"));
	ck_assert_ptr_nonnull(strstr(v[0].data, "Message-ID: <"));
	/* Every crossing is a message of its own. */
	ck_assert_str_ne(v[0].msgid, v[1].msgid);
	store_outbox_free(v, n);
}
END_TEST

START_TEST(test_uncovered_alert)
{
	struct outbox_row	*v;
	struct member		 a, b;
	const struct member	*mgrs[4];
	struct session		 x;
	struct err		 err;
	size_t			 n;
	int			 q = -1;

	add_team("north");
	add_member("mgr-a", ROLE_MANAGER, "north", "a@example.org", &a);
	add_member("mgr-b", ROLE_MANAGER, "north", "b@example.org", &b);
	memset(&x, 0, sizeof(x));
	snprintf(x.id, sizeof(x.id), "gs-20260310");
	x.start = now + 8 * 86400;
	x.end = x.start + 5400;
	snprintf(x.location, sizeof(x.location), "Room 1");
	/* A manager of two of its teams is listed twice: one alert. */
	mgrs[0] = &a;
	mgrs[1] = NULL;
	mgrs[2] = &b;
	mgrs[3] = &a;
	err_clear(&err);
	ck_assert_int_eq(alerts_uncovered(store, conf, now, &x, "gs",
	    "north,south", "everyone is away", mgrs, 4, &q, &err), 0);
	ck_assert_int_eq(q, 2);
	n = queued("uncovered_alert", &v);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].rcpt, "a@example.org");
	ck_assert_str_eq(v[1].rcpt, "b@example.org");
	ck_assert_str_eq(v[0].subject, "Uncovered session: gs-20260310");
	ck_assert_ptr_nonnull(strstr(v[0].data, "Teams:     north,south"));
	ck_assert_ptr_nonnull(strstr(v[0].data, "Why:       everyone is away"));
	store_outbox_free(v, n);

	/* Nobody to tell: logged, not an error. */
	ck_assert_int_eq(alerts_uncovered(store, conf, now, &x, "gs", "north",
	    "", NULL, 0, &q, &err), 0);
	ck_assert_int_eq(q, 0);
}
END_TEST

START_TEST(test_refused_domain)
{
	struct outbox_row	*v;
	struct member		 in, out;
	const struct member	*mgrs[2];
	struct session		 x;
	struct err		 err;
	size_t			 n;
	int			 q = -1;

	free(conf->maildir);
	xasprintf(&conf->maildir, "%s/mail", tmpdir);
	free(conf->state_dir);
	conf->state_dir = xstrdup(tmpdir);
	conf->transport = TRANSPORT_MAILDIR;
	conf->allowed_domains = xcalloc(1, sizeof(char *));
	conf->allowed_domains[0] = xstrdup("example.org");
	conf->nallowed_domains = 1;
	err_clear(&err);
	/* The outbox starts outside a transaction, as in the daemon. */
	store_rollback(store);
	ck_assert_msg(outbox_init(base, store, conf, &err) == 0,
	    "outbox_init: %s", err.msg);
	ck_assert_int_eq(store_begin(store, &err), 0);
	add_team("north");
	add_member("mgr-in", ROLE_MANAGER, "north", "in@example.org", &in);
	add_member("mgr-out", ROLE_MANAGER, "north", "out@elsewhere.test",
	    &out);
	memset(&x, 0, sizeof(x));
	snprintf(x.id, sizeof(x.id), "gs-20260310");
	x.start = now + 8 * 86400;
	mgrs[0] = &out;
	mgrs[1] = &in;
	ck_assert_int_eq(alerts_uncovered(store, conf, now, &x, "gs", "north",
	    "nobody free", mgrs, 2, &q, &err), 0);
	ck_assert_int_eq(q, 1);
	n = queued("uncovered_alert", &v);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].rcpt, "in@example.org");
	store_outbox_free(v, n);
	ck_assert(store_in_transaction(store));
}
END_TEST

static Suite *
alerts_suite(void)
{
	Suite	*s = suite_create("alerts");
	TCase	*tc = tcase_create("alerts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_caseload_alert);
	tcase_add_test(tc, test_uncovered_alert);
	tcase_add_test(tc, test_refused_domain);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(alerts_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
