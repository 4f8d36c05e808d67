/*
 * series add|set|list|show|remove: the recurring meetings.  Who may change
 * or read a series is the command table's (acl.c: the managers of any of
 * its teams change it; its psychologists and teams read it).  Removing a series cancels its future
 * planned sessions and keeps the held ones.  No SQL and no sockets:
 * series.c validates and stores, the planner cancels, acl.c answers the
 * scope questions, and CMD_REPLAN replans after every change.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "planner.h"
#include "series.h"
#include "util.h"
#include "warnings.h"

static void	 cmd_series_warn(const struct series *, json_t *);
static int	 cmd_series_add_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_series_set_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_series_list_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_series_show_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_series_remove_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_series_apply(struct series *, struct cmd_args *,
		    struct err *);
static json_t	*cmd_series_json(const struct series *);
static json_t	*cmd_series_opt(const char *);

#define SERIES_KEYS	"kind", "team", "teams", "rrule", "start", "duration", \
	"slots", "location", "psychologist", "cofacilitator"

const struct cmd_entry cmd_series_add_entry = {
	.name = "series add",
	.usage = "SLUG kind= team=|teams=a,b rrule= start= duration= [slots=] "
	    "[location=] [psychologist=] [cofacilitator=]",
	.args = { 1, 1 },
	.keys = (const char *[]){ SERIES_KEYS, NULL },
	.required = (const char *[]){ "kind", "rrule", "start", "duration",
	    NULL },
	.acl = ACL_MANAGER,
	.scope = SCOPE_TEAM,
	.target = "team",
	.access = ACL_MANAGE,
	.refs = (const struct cmd_ref[]){ { SCOPE_TEAM, "teams", ACL_MANAGE },
	    { 0, NULL, 0 } },
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_series_add_exec,
};

const struct cmd_entry cmd_series_set_entry = {
	.name = "series set",
	.usage = "SLUG [kind=] [team=|teams=] [rrule=] [start=] [duration=] "
	    "[slots=] [location=] [psychologist=] [cofacilitator=]",
	.args = { 1, 1 },
	.keys = (const char *[]){ SERIES_KEYS, NULL },
	.required = NULL,
	.acl = ACL_MANAGER,
	.scope = SCOPE_SERIES,
	.access = ACL_MANAGE,
	.refs = (const struct cmd_ref[]){ { SCOPE_TEAM, "team", ACL_MANAGE },
	    { SCOPE_TEAM, "teams", ACL_MANAGE }, { 0, NULL, 0 } },
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_series_set_exec,
};

const struct cmd_entry cmd_series_list_entry = {
	.name = "series list",
	.usage = "[team=]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "team", NULL },
	.required = NULL,
	.acl = ACL_PSYCHOLOGIST,
	.flags = 0,
	.exec = cmd_series_list_exec,
};

const struct cmd_entry cmd_series_show_entry = {
	.name = "series show",
	.usage = "SLUG",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_PSYCHOLOGIST,
	.scope = SCOPE_SERIES,
	.access = ACL_SEE,
	.flags = 0,
	.exec = cmd_series_show_exec,
};

const struct cmd_entry cmd_series_remove_entry = {
	.name = "series remove",
	.usage = "SLUG",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MANAGER,
	.scope = SCOPE_SERIES,
	.access = ACL_MANAGE,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_series_remove_exec,
};

/* Every key but kind (already applied), in the order given. */
static int
cmd_series_apply(struct series *r, struct cmd_args *args, struct err *err)
{
	size_t	i;

	if (cmd_args_get(args, "team") != NULL &&
	    cmd_args_get(args, "teams") != NULL)
		return (err_set(err, ERR_USAGE, "give team= or teams=, not "
		    "both"));
	for (i = 0; i < args->nkeys; i++) {
		if (strcmp(args->keys[i], "kind") == 0)
			continue;
		if (series_set_field(r, args->keys[i], args->values[i],
		    err) == -1)
			return (-1);
	}
	return (0);
}

static json_t *
cmd_series_opt(const char *s)
{
	return (s[0] == '\0' ? json_null() : cmd_json_string(s));
}

static json_t *
cmd_series_json(const struct series *r)
{
	json_t	*j, *teams;
	size_t	 i;

	teams = json_array();
	for (i = 0; i < r->nteams; i++)
		json_array_append_new(teams, json_string(r->teams[i]));
	j = json_pack("{s:s, s:s, s:o, s:o, s:s, s:i, s:i, s:o, s:o, s:o}",
	    "slug", r->slug, "kind", series_kind_name(r->kind),
	    "teams", teams, "rrule", cmd_json_string(r->rrule),
	    "start", r->start, "duration", r->duration, "slots", r->slots,
	    "location", cmd_series_opt(r->location),
	    "psychologist", cmd_series_opt(r->psychologist),
	    "cofacilitator", cmd_series_opt(r->cofacilitator));
	return (j);
}

/* A psychologist who does not work on the series' weekday. */
static void
cmd_series_warn(const struct series *r, json_t *o)
{
	struct member	 ps;
	struct team	 t;
	struct err	 e;
	const char	*slug = r->psychologist;
	json_t		*w;

	err_clear(&e);
	if (slug[0] == '\0' && r->nteams > 0 &&
	    people_team_get(daemon_g->store, r->teams[0], &t, &e) == 0)
		slug = t.psychologist;
	if (slug[0] == '\0' ||
	    people_member_get(daemon_g->store, slug, &ps, &e) == -1)
		return;
	w = json_array();
	warnings_series_day(&ps, r->rrule, r->start, w);
	warnings_attach(o, w);
}

static int
cmd_series_add_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct series	r;
	int		kind;

	if ((kind = series_kind_parse(cmd_args_get(args, "kind"))) == -1)
		return (err_set(err, ERR_INVALID, "kind: must be "
		    "group_supervision or reflective_practice"));
	series_init(&r, kind);
	if (!people_valid_slug(args->argv[0]))
		return (err_set(err, ERR_INVALID, "slug: want "
		    "[a-z0-9][a-z0-9-]{0,31}, got %s", args->argv[0]));
	memcpy(r.slug, args->argv[0], strlen(args->argv[0]) + 1);
	if (cmd_args_get(args, "team") == NULL &&
	    cmd_args_get(args, "teams") == NULL)
		return (err_set(err, ERR_USAGE, "missing key: %s",
		    kind == SERIES_GROUP_SUPERVISION ? "team=" : "teams="));
	if (cmd_series_apply(&r, args, err) == -1)
		return (-1);
	if (series_add(daemon_g->store, daemon_g->conf, &r, clock_now(),
	    err) == -1 || planner_scope_series(cmd_replan_scope(ctx),
	    daemon_g->store, r.slug, err) == -1)
		return (-1);
	*result = cmd_series_json(&r);
	cmd_series_warn(&r, *result);
	return (0);
}

static int
cmd_series_set_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct series	 r;
	const char	*v;

	/* Its teams before the change and after it. */
	if (series_get(daemon_g->store, args->argv[0], &r, err) == -1 ||
	    planner_scope_series(cmd_replan_scope(ctx), daemon_g->store,
	    r.slug, err) == -1)
		return (-1);
	if ((v = cmd_args_get(args, "kind")) != NULL &&
	    series_set_field(&r, "kind", v, err) == -1)
		return (-1);
	if (cmd_series_apply(&r, args, err) == -1)
		return (-1);
	if (series_update(daemon_g->store, daemon_g->conf, &r, err) == -1 ||
	    planner_scope_series(cmd_replan_scope(ctx), daemon_g->store,
	    r.slug, err) == -1)
		return (-1);
	*result = cmd_series_json(&r);
	cmd_series_warn(&r, *result);
	return (0);
}

static int
cmd_series_list_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct series	*v = NULL;
	size_t		 n = 0, i;
	json_t		*arr;

	if (series_list(daemon_g->store, cmd_args_get(args, "team"), &v, &n,
	    err) == -1)
		return (-1);
	arr = json_array();
	for (i = 0; i < n; i++) {
		if (acl_may(ctx->peer, daemon_g->store, SCOPE_SERIES,
		    v[i].slug, ACL_SEE))
			json_array_append_new(arr, cmd_series_json(&v[i]));
	}
	free(v);
	*result = json_pack("{s:o}", "series", arr);
	return (0);
}

static int
cmd_series_show_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct series	r;

	if (series_get(daemon_g->store, args->argv[0], &r, err) == -1)
		return (-1);
	(void)ctx;
	*result = cmd_series_json(&r);
	return (0);
}

static int
cmd_series_remove_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct series	r;
	int		n = 0;

	if (series_get(daemon_g->store, args->argv[0], &r, err) == -1 ||
	    planner_scope_series(cmd_replan_scope(ctx), daemon_g->store,
	    r.slug, err) == -1)
		return (-1);
	if (planner_series_cancel(daemon_g->store, r.slug, clock_now(),
	    cmd_replan_scope(ctx), &n, err) == -1 ||
	    series_remove(daemon_g->store, r.slug, err) == -1)
		return (-1);
	*result = json_pack("{s:s, s:i}", "series", r.slug, "cancelled", n);
	return (0);
}
