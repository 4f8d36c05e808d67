/*
 * status: the daemon's version, clock and uptime for anyone; for admins
 * also the organisation's counts, the outbox and mail refusals.  No SQL and
 * no sockets: it asks the store's and outbox's interfaces.  It must not
 * show anyone but an admin more than version, now and uptime.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acl.h"
#include "caseload.h"
#include "cases.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "outbox.h"
#include "people.h"
#include "planner.h"
#include "store.h"
#include "util.h"
#include "warnings.h"

static int	cmd_status_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);
static int	cmd_status_read_begin(struct store *);
static int	cmd_status_counts(json_t *, json_t *, struct err *);
static int	cmd_status_mail(json_t *, json_t *, struct err *);
static int	cmd_status_org(json_t *, struct err *);
static int	cmd_status_fix(json_t *, struct err *);
static int	cmd_status_marked(void *, const struct member *);
static void	cmd_status_keep(json_t *, const struct store_version *);
static void	cmd_status_now(json_t *);

static struct {
	json_t			*figures;	/* NULL: nothing kept */
	struct store_version	 v;
	unsigned int		 reloads;
	/*
	 * The organisation's figures alone (teams, members, open and
	 * orphaned cases, refused addresses), kept while no row of teams,
	 * members or cases is written: a replan, which writes every few
	 * milliseconds, leaves them be, and reading them is most of the
	 * cost of a status at a region's scale (45 ms).  The pager's data
	 * version is not asked: it moves with this connection's own commits
	 * too.  So a row another process writes into the daemon's database
	 * (nothing should) shows here after the daemon's next change to the
	 * organisation, or a reload.
	 */
	json_t			*org;
	struct store_version	 orgv;
	unsigned int		 orgreloads;
	char			 orgday[DATE_LEN];	/* who has left */
} status_cache;

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "",
	.args = { 0, 0 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_ANYONE,
	.flags = 0,
	.exec = cmd_status_exec,
};

static int
cmd_status_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	struct store		*store;
	char			 buf[UTIL_TIMEBUF];
	time_t			 now = clock_now(), started;
	json_t			*r, *org;
	struct store_version	 v;
	char			 today[DATE_LEN];
	int			 own, rc, known;

	started = daemon_g != NULL ? daemon_g->started : now;
	r = json_object();
	json_object_set_new(r, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(r, "now", json_string(util_format_time(now, buf)));
	json_object_set_new(r, "uptime_s",
	    json_integer(now > started ? (json_int_t)(now - started) : 0));
	*result = r;
	if (ctx->peer->level < ACL_ADMIN)
		return (0);

	json_object_set_new(r, "fake_clock", json_boolean(clock_is_fake()));
	if (daemon_g == NULL || (store = daemon_g->store) == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	/*
	 * Nothing written since the figures were kept: no query and no lock
	 * (a monitor polling status costs next to nothing).  Inside another's
	 * transaction, read as it is and keep nothing: it may be rolled back.
	 */
	known = !store_in_transaction(store) && store_version(store, &v) == 0;
	if (known && status_cache.figures != NULL &&
	    status_cache.v.serial == v.serial &&
	    status_cache.v.changes == v.changes &&
	    status_cache.v.data_version == v.data_version &&
	    status_cache.reloads == daemon_g->reloads) {
		json_object_update(r, status_cache.figures);
		cmd_status_now(r);
		return (0);
	}
	org = NULL;
	people_today(today);
	if (known && status_cache.org != NULL &&
	    strcmp(status_cache.orgday, today) == 0 &&
	    status_cache.orgv.serial == v.serial &&
	    status_cache.orgv.people == v.people &&
	    status_cache.orgreloads == daemon_g->reloads)
		org = json_incref(status_cache.org);
	own = cmd_status_read_begin(store);
	rc = 0;
	if (org == NULL) {
		org = json_object();
		if (cmd_status_org(org, err) == -1)
			rc = -1;
		else if (own && store_version(store, &v) == 0) {
			json_decref(status_cache.org);
			status_cache.org = json_incref(org);
			status_cache.orgv = v;
			status_cache.orgreloads = daemon_g->reloads;
			memcpy(status_cache.orgday, today, DATE_LEN);
		}
	}
	if (rc == 0 && (cmd_status_counts(r, org, err) == -1 ||
	    cmd_status_mail(r, org, err) == -1))
		rc = -1;
	if (rc == 0) {
		json_object_set(r, "orphaned_cases",
		    json_object_get(org, "orphaned_cases"));
		json_object_set(r, "orphaned_by_lead",
		    json_object_get(org, "orphaned_by_lead"));
		if (own && store_version(store, &v) == 0)
			cmd_status_keep(r, &v);	/* the version the reads saw */
	}
	json_decref(org);
	if (own)
		store_rollback(store);
	if (rc == 0)
		cmd_status_now(r);
	return (rc);
}

/*
 * The store's figures as they were read, for the next status while nothing
 * is written: a monitor polling status then costs no query (at a region's
 * scale the counts are some 15 ms).  The parts that move without a write
 * (the sweep's teams left, the refusals counted in memory) are set afresh
 * by cmd_status_now.
 */
static void
cmd_status_keep(json_t *r, const struct store_version *v)
{
	static const char	*own[] = { "version", "now", "uptime_s",
				    "fake_clock" };
	size_t			 i;

	json_decref(status_cache.figures);
	status_cache.figures = json_deep_copy(r);
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		json_object_del(status_cache.figures, own[i]);
	status_cache.v = *v;
	status_cache.reloads = daemon_g->reloads;
}

static void
cmd_status_now(json_t *r)
{
	json_t	*mail;

	json_object_set_new(r, "replan", json_pack("{s:I}", "teams_left",
	    (json_int_t)planner_sweep_pending()));
	/* A copy of its own: the kept one may be shared with r. */
	if ((mail = json_copy(json_object_get(r, "mail"))) == NULL)
		return;
	json_object_set_new(mail, "refused",
	    json_integer((json_int_t)outbox_refused_count()));
	json_object_set_new(r, "mail", mail);
}

void
cmd_status_forget(void)
{
	json_decref(status_cache.figures);
	json_decref(status_cache.org);
	memset(&status_cache, 0, sizeof(status_cache));
}

/*
 * The admin's figures are read in one transaction rather than one per
 * statement: outside a transaction each statement takes and drops SQLite's
 * file locks, some thirty system calls a status in all, which cost more
 * than the queries themselves.  One snapshot also makes the counts agree.
 * A transaction already open (the planner's) is read in as it is; one that
 * cannot be begun leaves the reads as they were.  Nothing is written: ours
 * is rolled back.  Returns 1 if it began one.
 */
static int
cmd_status_read_begin(struct store *store)
{
	struct err	err;

	if (store_in_transaction(store))
		return (0);
	err_clear(&err);
	return (store_begin(store, &err) == 0);
}

/*
 * The organisation's counts: teams, members who have not left, open cases.
 * Sessions planned count those not yet held or cancelled.
 */
static int
cmd_status_counts(json_t *r, json_t *org, struct err *err)
{
	struct store	*store;
	int		 planned = 0;

	if (daemon_g == NULL || (store = daemon_g->store) == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	if (planner_count_planned(store, &planned, err) == -1)
		return (-1);
	json_object_set(r, "teams", json_object_get(org, "teams"));
	json_object_set(r, "members", json_object_get(org, "members"));
	json_object_set(r, "open_cases", json_object_get(org, "open_cases"));
	json_object_set_new(r, "sessions_planned", json_integer(planned));
	/* The daily replan going team by team: cmd_status_now says. */
	json_object_set_new(r, "replan", json_object());
	return (0);
}

static int
cmd_status_mail(json_t *r, json_t *org, struct err *err)
{
	struct store		*store;
	struct outbox_row	*rows = NULL;
	size_t			 n = 0;
	int			 counts[4];
	json_t			*mail;

	if (daemon_g == NULL || (store = daemon_g->store) == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	memset(counts, 0, sizeof(counts));
	if (store_outbox_counts(store, counts, err) == -1)
		return (-1);
	json_object_set_new(r, "outbox", json_pack("{s:i, s:i, s:i}",
	    "queued", counts[OUTBOX_QUEUED] + counts[OUTBOX_SENDING],
	    "sent", counts[OUTBOX_SENT],
	    "failed", counts[OUTBOX_FAILED]));

	/*
	 * The newest failure's cause, when there is one: the list costs a
	 * pass over the outbox (some milliseconds once it has held a few
	 * thousand messages), which no status should pay for nothing.
	 */
	if (counts[OUTBOX_FAILED] > 0 &&
	    store_outbox_list(store, OUTBOX_FAILED, 1, &rows, &n, err) == -1)
		return (-1);
	mail = json_object();
	json_object_set_new(mail, "refused", json_integer(0));	/* _now */
	if (n > 0 && rows[0].last_error != NULL)
		json_object_set_new(mail, "last_failure",
		    cmd_json_string(rows[0].last_error));
	else
		json_object_set_new(mail, "last_failure", json_null());
	store_outbox_free(rows, n);
	json_object_set(mail, "refused_members",
	    json_object_get(org, "refused_members"));
	json_object_set_new(r, "mail", mail);
	return (0);
}

/* The organisation's figures into o (status_cache.org). */
static int
cmd_status_org(json_t *o, struct err *err)
{
	struct store	*store;
	int		 teams = 0, members = 0, cases = 0;

	if (daemon_g == NULL || (store = daemon_g->store) == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	if (people_counts(store, &teams, &members, err) == -1 ||
	    cases_open_count(store, &cases, err) == -1)
		return (-1);
	json_object_set_new(o, "teams", json_integer(teams));
	json_object_set_new(o, "members", json_integer(members));
	json_object_set_new(o, "open_cases", json_integer(cases));
	return (cmd_status_fix(o, err));
}

/* A member status names: orphaning cases, or a refused address. */
static int
cmd_status_marked(void *arg, const struct member *m)
{
	(void)arg;
	return (warnings_orphaning(m) ||
	    warnings_mail_refused(daemon_g->conf, m));
}

/*
 * What a person must fix: open cases whose lead has left or no longer
 * holds cases (counted per lead, no references), and members whose mail
 * [mail] allowed_domains refuses, both judged by warnings.c on one list of
 * the members.  Only the orphaning members' open cases are looked up, each
 * member's through the store's index on the lead: listing every open case,
 * as warnings_orphaned_cases does, costs a status some 15 ms in a borough
 * of 6,000 cases and the better part of a second in a region.
 */
static int
cmd_status_fix(json_t *r, struct err *err)
{
	struct store		*store = daemon_g->store;
	struct member		*m = NULL;
	struct caseload_item	*items;
	size_t			 nm = 0, ni, i, k;
	json_int_t		 led, nc = 0;
	json_t			*refused, *leads;

	/* A region's 12,000 members, read whole, were 15 ms of a status. */
	if (store_member_marks(store, cmd_status_marked, NULL, &m, &nm,
	    err) == -1)
		return (-1);
	leads = json_object();
	for (i = 0; i < nm; i++) {
		if (!warnings_orphaning(&m[i]))
			continue;
		if (store_case_items(store, m[i].slug, &items, &ni,
		    err) == -1) {
			json_decref(leads);
			free(m);
			return (-1);
		}
		for (k = 0, led = 0; k < ni; k++) {
			if (!items[k].coworker)
				led++;
		}
		free(items);
		if (led > 0)
			json_object_set_new(leads, m[i].slug,
			    json_integer(led));
		nc += led;
	}
	json_object_set_new(r, "orphaned_cases", json_integer(nc));
	json_object_set_new(r, "orphaned_by_lead", leads);
	refused = json_array();
	for (i = 0; i < nm; i++) {
		if (!warnings_mail_refused(daemon_g->conf, &m[i]))
			continue;
		json_array_append_new(refused, json_pack("{s:s, s:o, s:s}",
		    "member", m[i].slug, "name", cmd_json_string(m[i].name),
		    "team", m[i].team));
	}
	free(m);
	json_object_set_new(r, "refused_members", refused);
	return (0);
}
