/*
 * caseload [team=] [member=]: each case-holding member's open cases,
 * weighted caseload, limit and status, sorted by team then member, so a
 * manager sees at once who is approaching or over.  Admins see everyone,
 * a manager their team(s), anyone else only their own row.  Managers,
 * psychologists and leavers have no caseload row.  No SQL, no sockets.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "caseload.h"
#include "cases.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "domain.h"
#include "people.h"
#include "util.h"
#include "xmalloc.h"

struct cmd_caseload_rows {
	struct member	*v;
	size_t		 n;
};

static int	 cmd_caseload_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_caseload_team(struct cmd_caseload_rows *, const char *,
		    struct err *);
static int	 cmd_caseload_one(struct cmd_caseload_rows *, const char *,
		    struct err *);
static int	 cmd_caseload_cmp(const void *, const void *);
static double	 cmd_caseload_round(double);

const struct cmd_entry cmd_caseload_entry = {
	.name = "caseload",
	.usage = "[team=] [member=]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "team", "member", NULL },
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_MEMBER,
	.target = "member",
	.access = ACL_SEE,
	.refs = (const struct cmd_ref[]){ { SCOPE_TEAM, "team", ACL_SEE },
	    { 0, NULL, 0 } },
	.flags = 0,
	.exec = cmd_caseload_exec,
};

/* Two decimals, half up; figures are never negative (and no libm). */
static double
cmd_caseload_round(double v)
{
	if (!(v > 0))
		return (0);
	return ((double)(long long)(v * 100 + 0.5 + 1e-9) / 100);
}

static int
cmd_caseload_cmp(const void *a, const void *b)
{
	const struct member	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->team, y->team)) != 0)
		return (c);
	return (strcmp(x->slug, y->slug));
}

static int
cmd_caseload_team(struct cmd_caseload_rows *rows, const char *team,
    struct err *err)
{
	struct member	*v = NULL;
	struct team	 t;
	size_t		 n = 0;

	if (people_team_get(daemon_g->store, team, &t, err) == -1)
		return (-1);
	if (people_member_list(daemon_g->store, team, &v, &n, err) == -1)
		return (-1);
	rows->v = xreallocarray(rows->v, rows->n + n + 1, sizeof(*rows->v));
	if (n > 0)
		memcpy(rows->v + rows->n, v, n * sizeof(*v));
	rows->n += n;
	free(v);
	return (0);
}

static int
cmd_caseload_one(struct cmd_caseload_rows *rows, const char *member,
    struct err *err)
{
	rows->v = xreallocarray(rows->v, rows->n + 1, sizeof(*rows->v));
	if (people_member_get(daemon_g->store, member, &rows->v[rows->n],
	    err) == -1)
		return (-1);
	rows->n++;
	return (0);
}

static int
cmd_caseload_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct cmd_caseload_rows rows = { NULL, 0 };
	struct team		*teams = NULL;
	struct caseload		 cl;
	struct member		*m;
	const char		*team, *member, *me;
	char			 today[UTIL_TIMEBUF];
	size_t			 nteams = 0, i;
	json_t			*list = NULL;
	int			 manager;

	if (daemon_g == NULL || daemon_g->store == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	team = cmd_args_get(args, "team");
	member = cmd_args_get(args, "member");
	me = acl_resolve_me(ctx->peer, "me");
	if (member != NULL && strcmp(member, "me") == 0 &&
	    (member = me) == NULL)
		return (err_set(err, ERR_INVALID, "member: you are not a "
		    "member (me)"));
	manager = ctx->peer->level >= ACL_MANAGER;

	/*
	 * The command table checked member= and team= (acl.c); one who sees
	 * a team but does not manage it is answered with their own row.
	 */
	if (team != NULL && member == NULL && (!manager ||
	    !acl_may(ctx->peer, daemon_g->store, SCOPE_TEAM, team,
	    ACL_MANAGE))) {
		if (me == NULL || cmd_caseload_one(&rows, me, err) == -1) {
			free(rows.v);
			return (me == NULL ? err_set(err, ERR_INTERNAL,
			    "caseload: no member") : -1);
		}
		team = NULL;
		member = me;
	} else if (member != NULL) {
		if (cmd_caseload_one(&rows, member, err) == -1)
			goto fail;
		if (team != NULL && strcmp(rows.v[0].team, team) != 0)
			rows.n = 0;
	} else if (team != NULL) {
		if (cmd_caseload_team(&rows, team, err) == -1)
			goto fail;
	} else if (ctx->peer->level >= ACL_ADMIN) {
		if (people_member_list(daemon_g->store, NULL, &rows.v,
		    &rows.n, err) == -1)
			goto fail;
	} else if (manager && me != NULL) {
		if (people_teams_managed(daemon_g->store, me, &teams, &nteams,
		    err) == -1)
			goto fail;
		for (i = 0; i < nteams; i++)
			if (cmd_caseload_team(&rows, teams[i].slug, err) == -1)
				goto fail;
	} else if (me != NULL) {
		if (cmd_caseload_one(&rows, me, err) == -1)
			goto fail;
	}

	if (rows.n > 0)
		qsort(rows.v, rows.n, sizeof(*rows.v), cmd_caseload_cmp);
	util_format_date(clock_now(), today);
	list = json_array();
	for (i = 0; i < rows.n; i++) {
		m = &rows.v[i];
		if (m->role == ROLE_MANAGER || m->role == ROLE_PSYCHOLOGIST)
			continue;
		if (m->end[0] != '\0' && strcmp(m->end, today) < 0)
			continue;
		if (cases_caseload(daemon_g->store, daemon_g->conf, m, &cl,
		    err) == -1)
			goto fail;
		json_array_append_new(list, json_pack(
		    "{s:o, s:o, s:o, s:s, s:f, s:i, s:f, s:f, s:s}",
		    "member", cmd_json_string(m->slug),
		    "name", cmd_json_string(m->name),
		    "team", cmd_json_string(m->team),
		    "role", role_name(m->role),
		    "fte", cmd_caseload_round(m->fte),
		    "cases", cl.cases,
		    "weighted", cmd_caseload_round(cl.weighted),
		    "limit", cmd_caseload_round(cl.limit),
		    "status", caseload_status_name(cl.status)));
	}
	free(rows.v);
	free(teams);
	*result = json_pack("{s:o}", "members", list);
	return (0);

fail:
	free(rows.v);
	free(teams);
	json_decref(list);
	return (-1);
}
