/*
 * request list and request withdraw: the requests to present that the
 * planner has not yet honoured at a held session, oldest first, and taking
 * one back.  A member sees and withdraws their own, a manager those of
 * their team's members, an admin all.  No SQL and no sockets: the store's
 * request reads and presenters.c's planner do the work; withdrawing
 * replans (CMD_REPLAN), so a slot the request had won is refilled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "people.h"
#include "presenters.h"
#include "util.h"

static int	 cmd_request_list_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_request_withdraw_exec(struct cmd_ctx *,
		    struct cmd_args *, json_t **, struct err *);
static json_t	*cmd_request_json(const struct present_request *);

const struct cmd_entry cmd_request_list_entry = {
	.name = "request list",
	.usage = "[team=]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "team", NULL },
	.required = NULL,
	.acl = ACL_MEMBER,
	.flags = 0,
	.exec = cmd_request_list_exec,
};

const struct cmd_entry cmd_request_withdraw_entry = {
	.name = "request withdraw",
	.usage = "ID",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_request_withdraw_exec,
};

static json_t *
cmd_request_json(const struct present_request *r)
{
	return (json_pack("{s:I, s:s, s:o, s:o, s:s, s:o}",
	    "id", (json_int_t)r->id, "member", r->member,
	    "case", r->case_ref[0] != '\0' ? json_string(r->case_ref) :
	    json_null(),
	    "before", r->before[0] != '\0' ? json_string(r->before) :
	    json_null(),
	    "created", r->asked_on,
	    "session", r->used_session[0] != '\0' ?
	    json_string(r->used_session) : json_null()));
}

static int
cmd_request_list_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct present_request	*v = NULL;
	struct member		*m = NULL;
	const char		*team = cmd_args_get(args, "team");
	size_t			 n = 0, nm = 0, i;
	json_t			*arr;

	if (team != NULL && people_member_list(daemon_g->store, team, &m, &nm,
	    err) == -1)
		return (-1);
	if (store_requests_open(daemon_g->store, clock_now(), &v, &n,
	    err) == -1) {
		free(m);
		return (-1);
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		if (team != NULL && people_member_find(m, nm,
		    v[i].member) == NULL)
			continue;
		/* Per-object scope (for the command table to take over). */
		if (!acl_member_allowed(ctx->peer, daemon_g->store,
		    v[i].member, 0))
			continue;
		json_array_append_new(arr, cmd_request_json(&v[i]));
	}
	free(v);
	free(m);
	*result = json_pack("{s:o}", "requests", arr);
	return (0);
}

static int
cmd_request_withdraw_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct present_request	*v = NULL, *r = NULL;
	long long		 id;
	size_t			 n = 0, i;
	int			 rc = -1;

	if (util_parse_int(args->argv[0], 1, INT64_MAX, &id) == -1)
		return (err_set(err, ERR_INVALID, "ID: a request number, as "
		    "request list shows it"));
	if (store_requests_open(daemon_g->store, clock_now(), &v, &n,
	    err) == -1)
		return (-1);
	for (i = 0; i < n && r == NULL; i++)
		if (v[i].id == (int64_t)id)
			r = &v[i];
	if (r == NULL) {
		err_set(err, ERR_NOT_FOUND, "no open request %lld (request "
		    "list shows them; one honoured at a held session is "
		    "history)", id);
		goto out;
	}
	/* Per-object scope (for the command table to take over). */
	if (!acl_member_allowed(ctx->peer, daemon_g->store, r->member, 1)) {
		err_set(err, ERR_FORBIDDEN, "forbidden: only %s, their "
		    "manager or an admin may withdraw their request",
		    r->member);
		goto out;
	}
	if (store_request_delete(daemon_g->store, r->id, err) == -1 ||
	    planner_scope_member(cmd_replan_scope(ctx), daemon_g->store,
	    r->member, NULL, NULL, err) == -1)
		goto out;
	*result = cmd_request_json(r);
	json_object_set_new(*result, "withdrawn", json_true());
	rc = 0;
out:
	free(v);
	return (rc);
}
