/*
 * member add|set|list|show|leave: the people of the teams.  Admins and the
 * manager of a member's team change members (both teams when one moves);
 * everyone else sees only themselves, and an email address is shown only
 * to those who may change or be the member.  A leaver is never deleted:
 * member leave sets their end date and their history stays.  No SQL and
 * no sockets: people.c does the work and acl.c answers the scope questions.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "daemon.h"
#include "domain.h"
#include "people.h"
#include "store.h"
#include "warnings.h"

static int	 cmd_member_add_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_member_set_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_member_list_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_member_show_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_member_leave_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static struct store *cmd_member_store(struct err *);
static int	 cmd_member_apply(struct member *, struct cmd_args *,
		    struct err *);
static json_t	*cmd_member_json(const struct acl_peer *, struct store *,
		    const struct member *);
static int	 cmd_member_reply(const struct acl_peer *, struct store *,
		    const struct member *, json_t **, struct err *);
static void	 cmd_member_append(const struct acl_peer *, struct store *,
		    json_t *, const struct member *, size_t);

#define MEMBER_KEYS \
	"name", "email", "role", "team", "fte", "days", "start", "end", \
	"limit", "login", "capacity"
#define MEMBER_USAGE_FIELDS \
	"[fte=] [days=] [start=] [end=] [limit=] [login=] [capacity=]"

const struct cmd_entry cmd_member_add_entry = {
	.name = "member add",
	.usage = "SLUG name= email= role= team= " MEMBER_USAGE_FIELDS,
	.args = { 1, 1 },
	.keys = (const char *[]){ MEMBER_KEYS, NULL },
	.required = (const char *[]){ "name", "email", "role", "team", NULL },
	.acl = ACL_MANAGER,
	.scope = SCOPE_TEAM,
	.target = "team",
	.access = ACL_MANAGE,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_member_add_exec,
};

const struct cmd_entry cmd_member_set_entry = {
	.name = "member set",
	.usage = "SLUG [name=] [email=] [role=] [team=] " MEMBER_USAGE_FIELDS,
	.args = { 1, 1 },
	.keys = (const char *[]){ MEMBER_KEYS, NULL },
	.required = NULL,
	.acl = ACL_MANAGER,
	.scope = SCOPE_MEMBER,
	.access = ACL_MANAGE,
	.refs = (const struct cmd_ref[]){ { SCOPE_TEAM, "team", ACL_MANAGE },
	    { 0, NULL, 0 } },
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_member_set_exec,
};

const struct cmd_entry cmd_member_list_entry = {
	.name = "member list",
	.usage = "[team=]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "team", NULL },
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_TEAM,
	.target = "team",
	.access = ACL_MANAGE,
	.flags = 0,
	.exec = cmd_member_list_exec,
};

const struct cmd_entry cmd_member_show_entry = {
	.name = "member show",
	.usage = "SLUG|me",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_MEMBER,
	.access = ACL_SEE,
	.flags = 0,
	.exec = cmd_member_show_exec,
};

const struct cmd_entry cmd_member_leave_entry = {
	.name = "member leave",
	.usage = "SLUG end=DATE",
	.args = { 1, 1 },
	.keys = (const char *[]){ "end", NULL },
	.required = (const char *[]){ "end", NULL },
	.acl = ACL_MANAGER,
	.scope = SCOPE_MEMBER,
	.access = ACL_MANAGE,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_member_leave_exec,
};

static struct store *
cmd_member_store(struct err *err)
{
	if (daemon_g == NULL || daemon_g->store == NULL) {
		err_set(err, ERR_INTERNAL, "no store");
		return (NULL);
	}
	return (daemon_g->store);
}

static int
cmd_member_apply(struct member *m, struct cmd_args *args, struct err *err)
{
	size_t	i;

	for (i = 0; i < args->nkeys; i++) {
		if (people_member_set(m, args->keys[i], args->values[i],
		    err) == -1)
			return (-1);
	}
	return (0);
}

static json_t *
cmd_member_json(const struct acl_peer *peer, struct store *store,
    const struct member *m)
{
	char	 days[32], today[DATE_LEN];
	json_t	*o;

	people_today(today);
	o = json_object();
	json_object_set_new(o, "slug", json_string(m->slug));
	json_object_set_new(o, "name", cmd_json_string(m->name));
	if (acl_member_allowed(peer, store, m->slug, 0))
		json_object_set_new(o, "email", cmd_json_string(m->email));
	json_object_set_new(o, "role", json_string(role_name(m->role)));
	json_object_set_new(o, "team", json_string(m->team));
	json_object_set_new(o, "fte", json_real(m->fte));
	json_object_set_new(o, "days", json_string(people_days_format(m->days,
	    days, sizeof(days))));
	json_object_set_new(o, "start", m->start[0] != '\0' ?
	    json_string(m->start) : json_null());
	json_object_set_new(o, "end", m->end[0] != '\0' ?
	    json_string(m->end) : json_null());
	json_object_set_new(o, "limit", m->limit > 0 ? json_real(m->limit) :
	    json_null());
	json_object_set_new(o, "login", m->login[0] != '\0' ?
	    json_string(m->login) : json_null());
	json_object_set_new(o, "capacity", json_integer(m->capacity));
	json_object_set_new(o, "active",
	    json_boolean(people_member_active(m, today)));
	return (o);
}

/* The member as changed, with what the change leaves to fix. */
static int
cmd_member_reply(const struct acl_peer *peer, struct store *store,
    const struct member *m, json_t **result, struct err *err)
{
	json_t	*w;

	w = json_array();
	if (warnings_member(store, daemon_g->conf, m, w, err) == -1) {
		json_decref(w);
		return (-1);
	}
	*result = cmd_member_json(peer, store, m);
	warnings_attach(*result, w);
	return (0);
}

static void
cmd_member_append(const struct acl_peer *peer, struct store *store,
    json_t *arr, const struct member *m, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, cmd_member_json(peer, store, &m[i]));
}

static int
cmd_member_add_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct member	 m;

	if ((store = cmd_member_store(err)) == NULL)
		return (-1);
	if (!people_valid_slug(args->argv[0]))
		return (err_set(err, ERR_INVALID, "slug: not a valid slug "
		    "([a-z0-9][a-z0-9-]{0,31}): %.64s", args->argv[0]));
	people_member_init(&m);
	strcpy(m.slug, args->argv[0]);
	if (cmd_member_apply(&m, args, err) == -1 ||
	    people_member_add(store, &m, err) == -1 ||
	    planner_scope_member(cmd_replan_scope(ctx), store, m.slug, NULL,
	    NULL, err) == -1)
		return (-1);
	return (cmd_member_reply(ctx->peer, store, &m, result, err));
}

static int
cmd_member_set_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct member	 m;

	if ((store = cmd_member_store(err)) == NULL)
		return (-1);
	if (args->nkeys == 0)
		return (err_set(err, ERR_USAGE, "usage: member set SLUG "
		    "k=v...: nothing to set"));
	/* Their teams before the change (a move) and after it. */
	if (people_member_get(store, args->argv[0], &m, err) == -1 ||
	    planner_scope_member(cmd_replan_scope(ctx), store, m.slug, NULL,
	    NULL, err) == -1)
		return (-1);
	if (cmd_member_apply(&m, args, err) == -1 ||
	    people_member_update(store, &m, err) == -1 ||
	    planner_scope_member(cmd_replan_scope(ctx), store, m.slug, NULL,
	    NULL, err) == -1)
		return (-1);
	return (cmd_member_reply(ctx->peer, store, &m, result, err));
}

/*
 * Admins see every member (or a team's); a manager those of the teams
 * they manage; anyone else only themselves.
 */
static int
cmd_member_list_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	const struct acl_peer	*peer = ctx->peer;
	struct store		*store;
	struct member		*m = NULL, me;
	struct team		*teams = NULL;
	const char		*team = cmd_args_get(args, "team");
	size_t			 n = 0, nteams = 0, i;
	json_t			*arr;
	int			 rc = -1, mine = 0;

	if ((store = cmd_member_store(err)) == NULL)
		return (-1);
	arr = json_array();
	if (team != NULL || peer->level == ACL_ADMIN) {
		if (people_member_list(store, team, &m, &n, err) == -1)
			goto out;
		cmd_member_append(peer, store, arr, m, n);
		rc = 0;
		goto out;
	}
	if (people_teams_managed(store, peer->member, &teams, &nteams,
	    err) == -1)
		goto out;
	for (i = 0; i < nteams; i++) {
		free(m);
		m = NULL;
		if (people_member_list(store, teams[i].slug, &m, &n,
		    err) == -1)
			goto out;
		cmd_member_append(peer, store, arr, m, n);
		while (n > 0)
			mine |= strcmp(m[--n].slug, peer->member) == 0;
	}
	if (!mine) {
		if (people_member_get(store, peer->member, &me, err) == -1)
			goto out;
		json_array_append_new(arr, cmd_member_json(peer, store, &me));
	}
	rc = 0;
out:
	free(m);
	free(teams);
	if (rc == -1) {
		json_decref(arr);
		return (-1);
	}
	*result = json_pack("{s:o}", "members", arr);
	return (0);
}

static int
cmd_member_show_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct member	 m;
	const char	*slug;

	if ((store = cmd_member_store(err)) == NULL)
		return (-1);
	if ((slug = acl_resolve_me(ctx->peer, args->argv[0])) == NULL)
		return (err_set(err, ERR_NOT_FOUND, "me: no member has the "
		    "login %s; a member's login= maps a unix user to them "
		    "(member set SLUG login=%s)", ctx->peer->user,
		    ctx->peer->user));
	if (people_member_get(store, slug, &m, err) == -1)
		return (-1);
	*result = cmd_member_json(ctx->peer, store, &m);
	return (0);
}

static int
cmd_member_leave_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct member	 m;
	const char	*end = cmd_args_get(args, "end");

	if ((store = cmd_member_store(err)) == NULL)
		return (-1);
	if (*end == '\0')
		return (err_set(err, ERR_INVALID, "end: a leaving date "
		    "(YYYY-MM-DD) is needed"));
	if (people_member_get(store, args->argv[0], &m, err) == -1 ||
	    people_member_set(&m, "end", end, err) == -1 ||
	    people_member_update(store, &m, err) == -1 ||
	    planner_scope_member(cmd_replan_scope(ctx), store, m.slug, NULL,
	    NULL, err) == -1)
		return (-1);
	return (cmd_member_reply(ctx->peer, store, &m, result, err));
}
