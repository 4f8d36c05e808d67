/*
 * team add|set|list|show|remove: the organisation's teams.  Admins add and
 * remove teams; a team's manager may change it; members see the teams they
 * belong to, manage or serve.  No SQL and no sockets: people.c does the
 * work and acl.c answers the scope questions.  A team is removed only when
 * nothing refers to it, so no member's history is lost.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "daemon.h"
#include "people.h"
#include "store.h"

static int	 cmd_team_add_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_team_set_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_team_list_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_team_show_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_team_remove_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static struct store *cmd_team_store(struct err *);
static int	 cmd_team_apply(struct team *, struct cmd_args *,
		    struct err *);
static json_t	*cmd_team_json(const struct team *);

#define TEAM_KEYS	"name", "kind", "manager", "psychologist"

const struct cmd_entry cmd_team_add_entry = {
	.name = "team add",
	.usage = "SLUG name= kind= [manager=] [psychologist=]",
	.args = { 1, 1 },
	.keys = (const char *[]){ TEAM_KEYS, NULL },
	.required = (const char *[]){ "name", "kind", NULL },
	.acl = ACL_ADMIN,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_team_add_exec,
};

const struct cmd_entry cmd_team_set_entry = {
	.name = "team set",
	.usage = "SLUG [name=] [kind=] [manager=] [psychologist=]",
	.args = { 1, 1 },
	.keys = (const char *[]){ TEAM_KEYS, NULL },
	.required = NULL,
	.acl = ACL_MANAGER,
	.scope = SCOPE_TEAM,
	.access = ACL_MANAGE,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_team_set_exec,
};

const struct cmd_entry cmd_team_list_entry = {
	.name = "team list",
	.usage = "",
	.args = { 0, 0 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.flags = 0,
	.exec = cmd_team_list_exec,
};

const struct cmd_entry cmd_team_show_entry = {
	.name = "team show",
	.usage = "SLUG",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_TEAM,
	.access = ACL_SEE,
	.flags = 0,
	.exec = cmd_team_show_exec,
};

const struct cmd_entry cmd_team_remove_entry = {
	.name = "team remove",
	.usage = "SLUG",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_team_remove_exec,
};

static struct store *
cmd_team_store(struct err *err)
{
	if (daemon_g == NULL || daemon_g->store == NULL) {
		err_set(err, ERR_INTERNAL, "no store");
		return (NULL);
	}
	return (daemon_g->store);
}

static int
cmd_team_apply(struct team *t, struct cmd_args *args, struct err *err)
{
	size_t	i;

	for (i = 0; i < args->nkeys; i++) {
		if (people_team_set(t, args->keys[i], args->values[i],
		    err) == -1)
			return (-1);
	}
	return (0);
}

static json_t *
cmd_team_json(const struct team *t)
{
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "slug", json_string(t->slug));
	json_object_set_new(o, "name", cmd_json_string(t->name));
	json_object_set_new(o, "kind", json_string(team_kind_name(t->kind)));
	json_object_set_new(o, "manager", t->manager[0] != '\0' ?
	    json_string(t->manager) : json_null());
	json_object_set_new(o, "psychologist", t->psychologist[0] != '\0' ?
	    json_string(t->psychologist) : json_null());
	return (o);
}

static int
cmd_team_add_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct team	 t;

	if ((store = cmd_team_store(err)) == NULL)
		return (-1);
	memset(&t, 0, sizeof(t));
	if (!people_valid_slug(args->argv[0]))
		return (err_set(err, ERR_INVALID, "slug: not a valid slug "
		    "([a-z0-9][a-z0-9-]{0,31}): %.64s", args->argv[0]));
	strcpy(t.slug, args->argv[0]);
	if (cmd_team_apply(&t, args, err) == -1 ||
	    people_team_add(store, &t, err) == -1)
		return (-1);
	planner_scope_team(cmd_replan_scope(ctx), t.slug);
	*result = cmd_team_json(&t);
	return (0);
}

static int
cmd_team_set_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct team	 t;

	if ((store = cmd_team_store(err)) == NULL)
		return (-1);
	if (args->nkeys == 0)
		return (err_set(err, ERR_USAGE, "usage: team set SLUG "
		    "[name=] [kind=] [manager=] [psychologist=]"));
	if (people_team_get(store, args->argv[0], &t, err) == -1)
		return (-1);
	if (cmd_team_apply(&t, args, err) == -1 ||
	    people_team_update(store, &t, err) == -1)
		return (-1);
	planner_scope_team(cmd_replan_scope(ctx), t.slug);
	*result = cmd_team_json(&t);
	return (0);
}

static int
cmd_team_list_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct team	*teams = NULL;
	size_t		 n = 0, i;
	json_t		*arr;

	if ((store = cmd_team_store(err)) == NULL)
		return (-1);
	if (people_team_list(store, &teams, &n, err) == -1)
		return (-1);
	arr = json_array();
	for (i = 0; i < n; i++) {
		if (acl_may(ctx->peer, store, SCOPE_TEAM, teams[i].slug,
		    ACL_SEE))
			json_array_append_new(arr, cmd_team_json(&teams[i]));
	}
	free(teams);
	*result = json_pack("{s:o}", "teams", arr);
	return (0);
}

static int
cmd_team_show_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct team	 t;

	if ((store = cmd_team_store(err)) == NULL)
		return (-1);
	(void)ctx;
	if (people_team_get(store, args->argv[0], &t, err) == -1)
		return (-1);
	*result = cmd_team_json(&t);
	return (0);
}

static int
cmd_team_remove_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;

	if ((store = cmd_team_store(err)) == NULL)
		return (-1);
	if (people_team_remove(store, args->argv[0], err) == -1)
		return (-1);
	planner_scope_team(cmd_replan_scope(ctx), args->argv[0]);
	*result = json_pack("{s:s}", "removed", args->argv[0]);
	return (0);
}
