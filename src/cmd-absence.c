/*
 * absence add|list|remove: leave, sickness and training, by member and
 * inclusive dates.  Admins, the manager of the member's team and the
 * member themself (psychologists and workers keep their own) may add,
 * see and remove a member's absences; "me" names the caller.  No SQL and
 * no sockets: people.c does the work and acl.c answers the scope questions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "daemon.h"
#include "people.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static int	 cmd_absence_add_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_absence_list_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_absence_remove_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static struct store *cmd_absence_store(struct err *);
static const char *cmd_absence_member(const struct acl_peer *,
		    struct store *, const char *, struct err *);
static int	 cmd_absence_mine(const struct acl_peer *, struct store *,
		    struct absence **, size_t *, struct err *);
static int	 cmd_absence_cmp(const void *, const void *);
static int	 cmd_absence_listed(const struct absence *, size_t, int64_t);
static json_t	*cmd_absence_json(const struct absence *);
static int	 cmd_absence_copy(char *, size_t, const char *, const char *,
		    struct err *);

const struct cmd_entry cmd_absence_add_entry = {
	.name = "absence add",
	.usage = "MEMBER|me from=DATE to=DATE [reason=]",
	.args = { 1, 1 },
	.keys = (const char *[]){ "from", "to", "reason", NULL },
	.required = (const char *[]){ "from", "to", NULL },
	.acl = ACL_MEMBER,
	.scope = SCOPE_MEMBER,
	.access = ACL_OWN,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_absence_add_exec,
};

const struct cmd_entry cmd_absence_list_entry = {
	.name = "absence list",
	.usage = "[member=] [team=]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "member", "team", NULL },
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_MEMBER,
	.target = "member",
	.access = ACL_OWN,
	.refs = (const struct cmd_ref[]){ { SCOPE_TEAM, "team", ACL_MANAGE },
	    { 0, NULL, 0 } },
	.flags = 0,
	.exec = cmd_absence_list_exec,
};

const struct cmd_entry cmd_absence_remove_entry = {
	.name = "absence remove",
	.usage = "ID",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_absence_remove_exec,
};

static struct store *
cmd_absence_store(struct err *err)
{
	if (daemon_g == NULL || daemon_g->store == NULL) {
		err_set(err, ERR_INTERNAL, "no store");
		return (NULL);
	}
	return (daemon_g->store);
}

/* The member a request names ("me" resolved), if the caller may touch it. */
static const char *
cmd_absence_member(const struct acl_peer *peer, struct store *store,
    const char *slug, struct err *err)
{
	const char	*m;

	if ((m = acl_resolve_me(peer, slug)) == NULL) {
		err_set(err, ERR_NOT_FOUND, "member: no member has the login "
		    "%s", peer->user);
		return (NULL);
	}
	/* absence remove names an absence: its member's, asked here. */
	if (acl_check(peer, store, SCOPE_MEMBER, m, ACL_OWN, err) == -1)
		return (NULL);
	return (m);
}

static int
cmd_absence_copy(char *dst, size_t size, const char *field, const char *v,
    struct err *err)
{
	if (strlen(v) >= size)
		return (err_set(err, ERR_INVALID, "%s: too long", field));
	memcpy(dst, v, strlen(v) + 1);
	return (0);
}

static json_t *
cmd_absence_json(const struct absence *a)
{
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "id", json_integer((json_int_t)a->id));
	json_object_set_new(o, "member", json_string(a->member));
	json_object_set_new(o, "from", json_string(a->from));
	json_object_set_new(o, "to", json_string(a->to));
	json_object_set_new(o, "reason", a->reason[0] != '\0' ?
	    cmd_json_string(a->reason) : json_null());
	return (o);
}

static int
cmd_absence_add_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct absence	 a;
	const char	*member, *reason;

	if ((store = cmd_absence_store(err)) == NULL)
		return (-1);
	if ((member = cmd_absence_member(ctx->peer, store, args->argv[0],
	    err)) == NULL)
		return (-1);
	memset(&a, 0, sizeof(a));
	reason = cmd_args_get(args, "reason");
	if (cmd_absence_copy(a.member, sizeof(a.member), "member", member,
	    err) == -1 ||
	    cmd_absence_copy(a.from, sizeof(a.from), "from",
	    cmd_args_get(args, "from"), err) == -1 ||
	    cmd_absence_copy(a.to, sizeof(a.to), "to",
	    cmd_args_get(args, "to"), err) == -1 ||
	    cmd_absence_copy(a.reason, sizeof(a.reason), "reason",
	    reason != NULL ? reason : "", err) == -1)
		return (-1);
	if (people_absence_add(store, &a, err) == -1 ||
	    planner_scope_member(cmd_replan_scope(ctx), store, a.member,
	    a.from, a.to, err) == -1)
		return (-1);
	*result = cmd_absence_json(&a);
	return (0);
}

static int
cmd_absence_cmp(const void *pa, const void *pb)
{
	const struct absence	*a = pa, *b = pb;
	int			 c;

	if ((c = strcmp(a->from, b->from)) != 0)
		return (c);
	return (a->id < b->id ? -1 : a->id > b->id);
}

static int
cmd_absence_listed(const struct absence *a, size_t n, int64_t id)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (a[i].id == id)
			return (1);
	}
	return (0);
}

/* A non-admin's own absences and those of every team they manage. */
static int
cmd_absence_mine(const struct acl_peer *peer, struct store *store,
    struct absence **ap, size_t *np, struct err *err)
{
	struct team	*teams = NULL;
	struct absence	*all = NULL, *some = NULL;
	size_t		 nteams = 0, n = 0, k = 0, i, j;
	int		 rc = -1;

	if (people_teams_managed(store, peer->member, &teams, &nteams,
	    err) == -1)
		return (-1);
	for (i = 0; i <= nteams; i++) {
		if (people_absence_list(store, i < nteams ? NULL :
		    peer->member, i < nteams ? teams[i].slug : NULL, &some,
		    &k, err) == -1)
			goto out;
		all = xreallocarray(all, n + k + 1, sizeof(*all));
		for (j = 0; j < k; j++) {
			/* A manager's own absences are in their team's too. */
			if (i == nteams && nteams > 0 &&
			    cmd_absence_listed(all, n, some[j].id))
				continue;
			all[n++] = some[j];
		}
		free(some);
		some = NULL;
	}
	qsort(all, n, sizeof(*all), cmd_absence_cmp);
	*ap = all;
	*np = n;
	all = NULL;
	rc = 0;
out:
	free(some);
	free(all);
	free(teams);
	return (rc);
}

/*
 * member= and team= narrow the list and must be the caller's to see;
 * without them an admin sees every absence and anyone else their own and
 * those of the teams they manage.
 */
static int
cmd_absence_list_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	const struct acl_peer	*peer = ctx->peer;
	struct store		*store;
	struct absence		*a = NULL;
	const char		*member = cmd_args_get(args, "member");
	const char		*team = cmd_args_get(args, "team");
	size_t			 n = 0, i;
	json_t			*arr;

	if ((store = cmd_absence_store(err)) == NULL)
		return (-1);
	if (member != NULL && (member = cmd_absence_member(peer, store,
	    member, err)) == NULL)
		return (-1);
	if (member != NULL || team != NULL || peer->level == ACL_ADMIN) {
		if (people_absence_list(store, member, team, &a, &n,
		    err) == -1)
			return (-1);
	} else if (cmd_absence_mine(peer, store, &a, &n, err) == -1)
		return (-1);
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, cmd_absence_json(&a[i]));
	free(a);
	*result = json_pack("{s:o}", "absences", arr);
	return (0);
}

static int
cmd_absence_remove_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct store	*store;
	struct absence	 a;
	long long	 id;

	if ((store = cmd_absence_store(err)) == NULL)
		return (-1);
	if (util_parse_int(args->argv[0], 1, INT64_MAX, &id) == -1)
		return (err_set(err, ERR_INVALID, "id: not an absence id: "
		    "%.64s", args->argv[0]));
	if (people_absence_get(store, (int64_t)id, &a, err) == -1)
		return (-1);
	if (cmd_absence_member(ctx->peer, store, a.member, err) == NULL ||
	    people_absence_remove(store, a.id, err) == -1 ||
	    planner_scope_member(cmd_replan_scope(ctx), store, a.member,
	    a.from, a.to, err) == -1)
		return (-1);
	*result = cmd_absence_json(&a);
	return (0);
}
