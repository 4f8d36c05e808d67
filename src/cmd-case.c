/*
 * case add|set|close|flag|unflag|list|show: cases and their allocation.
 * Writes are for admins and the manager of the lead's team (and of the
 * co-worker's, when one is named: a co-worker counts in their own team's
 * caseload); flags also for the case's own workers; reads for those and
 * the workers on the case.
 * The command table declares that scope and cmd.c asks acl.c before a
 * handler runs; handlers call cases.c and build the JSON; no SQL and no
 * sockets here, and case references are never logged above debug.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cases.h"
#include "cmd.h"
#include "daemon.h"
#include "domain.h"
#include "people.h"
#include "util.h"
#include "warnings.h"
#include "xmalloc.h"

static int	 cmd_case_add_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_case_set_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_case_close_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_case_flag_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_case_unflag_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_case_list_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_case_show_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static const char *cmd_case_me(struct cmd_ctx *, const char *);
static int	 cmd_case_copy(char *, size_t, const char *, const char *,
		    struct err *);
static int	 cmd_case_may_flag(struct cmd_ctx *, const char *,
		    struct casefile *, struct err *);
static int	 cmd_case_result(const char *, json_t **, struct err *);
static json_t	*cmd_case_json(const struct casefile *);
static json_t	*cmd_case_opt(const char *);
static int	 cmd_case_cmp(const void *, const void *);
static int	 cmd_case_orphaned(json_t *, struct err *);

/*
 * Scope (acl.c): sc is what the entry acts on (the case its first word
 * names, or the member or team a key names), ac how, and refs the members
 * further keys name: allocating a case to a lead or co-worker changes
 * their team's caseload, so it is their manager's.
 */
#define CMD_CASE_ENTRY(n, u, lo, k, req, a, sc, tg, ac, rf, f, fn) {	\
	.name = (n), .usage = (u), .args = { (lo), (lo) }, .keys = (k),	\
	.required = (req), .acl = (a), .scope = (sc), .target = (tg),	\
	.access = (ac), .refs = (rf), .flags = (f), .exec = (fn) }
#define CMD_CASE_PEOPLE	((const struct cmd_ref[]){			\
	{ SCOPE_MEMBER, "lead", ACL_MANAGE },				\
	{ SCOPE_MEMBER, "coworker", ACL_MANAGE }, { 0, NULL, 0 } })

const struct cmd_entry cmd_case_add_entry = CMD_CASE_ENTRY("case add",
    "REF kind= lead= [coworker=] [opened=]", 1,
    ((const char *[]){ "kind", "lead", "coworker", "opened", NULL }),
    ((const char *[]){ "kind", "lead", NULL }), ACL_MANAGER, SCOPE_NONE,
    NULL, ACL_MANAGE, CMD_CASE_PEOPLE, CMD_WRITE | CMD_REPLAN,
    cmd_case_add_exec);
const struct cmd_entry cmd_case_set_entry = CMD_CASE_ENTRY("case set",
    "REF [kind=] [lead=] [coworker=] [opened=] [closed=] [last_discussed=]",
    1, ((const char *[]){ "kind", "lead", "coworker", "opened", "closed",
    "last_discussed", NULL }), NULL, ACL_MANAGER, SCOPE_CASE, NULL,
    ACL_MANAGE, CMD_CASE_PEOPLE, CMD_WRITE | CMD_REPLAN, cmd_case_set_exec);
const struct cmd_entry cmd_case_close_entry = CMD_CASE_ENTRY("case close",
    "REF [date=]", 1, ((const char *[]){ "date", NULL }), NULL, ACL_MANAGER,
    SCOPE_CASE, NULL, ACL_MANAGE, NULL, CMD_WRITE | CMD_REPLAN,
    cmd_case_close_exec);
const struct cmd_entry cmd_case_flag_entry = CMD_CASE_ENTRY("case flag",
    "REF [reason=]", 1, ((const char *[]){ "reason", NULL }), NULL,
    ACL_MEMBER, SCOPE_CASE, NULL, ACL_OWN, NULL, CMD_WRITE | CMD_REPLAN,
    cmd_case_flag_exec);
const struct cmd_entry cmd_case_unflag_entry = CMD_CASE_ENTRY("case unflag",
    "REF", 1, NULL, NULL, ACL_MEMBER, SCOPE_CASE, NULL, ACL_OWN, NULL,
    CMD_WRITE | CMD_REPLAN, cmd_case_unflag_exec);
const struct cmd_entry cmd_case_list_entry = CMD_CASE_ENTRY("case list",
    "[member=] [team=] [open=yes|no] [orphaned=yes]", 0,
    ((const char *[]){ "member", "team", "open", "orphaned", NULL }), NULL,
    ACL_MEMBER, SCOPE_MEMBER, "member", ACL_SEE,
    ((const struct cmd_ref[]){ { SCOPE_TEAM, "team", ACL_MANAGE },
    { 0, NULL, 0 } }), 0, cmd_case_list_exec);
const struct cmd_entry cmd_case_show_entry = CMD_CASE_ENTRY("case show",
    "REF", 1, NULL, NULL, ACL_MEMBER, SCOPE_CASE, NULL, ACL_SEE, NULL, 0,
    cmd_case_show_exec);

/* "me" is the caller's own member slug (NULL if they are not a member). */
static const char *
cmd_case_me(struct cmd_ctx *ctx, const char *v)
{
	if (v != NULL && strcmp(v, "me") == 0)
		return (acl_resolve_me(ctx->peer, v));
	return (v);
}

static int
cmd_case_copy(char *dst, size_t size, const char *field, const char *v,
    struct err *err)
{
	if (strlen(v) >= size)
		return (err_set(err, ERR_INVALID, "%s: too long", field));
	memcpy(dst, v, strlen(v) + 1);
	return (0);
}

static int
cmd_case_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct casefile *)a)->ref,
	    ((const struct casefile *)b)->ref));
}

static json_t *
cmd_case_opt(const char *s)
{
	return (s[0] == '\0' ? json_null() : cmd_json_string(s));
}

static json_t *
cmd_case_json(const struct casefile *c)
{
	return (json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o}",
	    "ref", cmd_json_string(c->ref), "kind", case_kind_name(c->kind),
	    "opened", cmd_case_opt(c->opened),
	    "closed", cmd_case_opt(c->closed),
	    "lead", cmd_case_opt(c->lead),
	    "coworker", cmd_case_opt(c->coworker),
	    "flagged", c->flagged,
	    "flag_reason", cmd_case_opt(c->flag_reason),
	    "flagged_on", cmd_case_opt(c->flagged_on),
	    "last_discussed", cmd_case_opt(c->last_discussed)));
}

/* The case as it is now, after a write. */
static int
cmd_case_result(const char *ref, json_t **result, struct err *err)
{
	struct casefile	c;

	if (cases_get(daemon_g->store, ref, &c, err) == -1)
		return (-1);
	*result = cmd_case_json(&c);
	return (0);
}

static int
cmd_case_add_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct casefile	 c;
	const char	*v;

	memset(&c, 0, sizeof(c));
	if (cmd_case_copy(c.ref, sizeof(c.ref), "ref", args->argv[0],
	    err) == -1)
		return (-1);
	if ((c.kind = case_kind_parse(cmd_args_get(args, "kind"))) == -1)
		return (err_set(err, ERR_INVALID, "kind: must be cp, cin, lac, "
		    "care_leaver, early_help or other"));
	if ((v = cmd_case_me(ctx, cmd_args_get(args, "lead"))) == NULL ||
	    cmd_case_copy(c.lead, sizeof(c.lead), "lead", v, err) == -1)
		return (err_set(err, ERR_INVALID, "lead: not a member"));
	if ((v = cmd_args_get(args, "coworker")) != NULL &&
	    ((v = cmd_case_me(ctx, v)) == NULL || cmd_case_copy(c.coworker,
	    sizeof(c.coworker), "coworker", v, err) == -1))
		return (err_set(err, ERR_INVALID, "coworker: not a member"));
	if ((v = cmd_args_get(args, "opened")) != NULL &&
	    cmd_case_copy(c.opened, sizeof(c.opened), "opened", v, err) == -1)
		return (-1);
	if (cases_add(daemon_g->store, daemon_g->conf, &c, err) == -1 ||
	    planner_scope_case(cmd_replan_scope(ctx), daemon_g->store, c.ref,
	    err) == -1)
		return (-1);
	return (cmd_case_result(c.ref, result, err));
}

static int
cmd_case_set_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct casefile	 c;
	const char	*v;

	/* Its lead's and co-worker's teams before and after the change. */
	if (cases_get(daemon_g->store, args->argv[0], &c, err) == -1 ||
	    planner_scope_case(cmd_replan_scope(ctx), daemon_g->store, c.ref,
	    err) == -1)
		return (-1);
	if ((v = cmd_args_get(args, "kind")) != NULL &&
	    (c.kind = case_kind_parse(v)) == -1)
		return (err_set(err, ERR_INVALID, "kind: must be cp, cin, lac, "
		    "care_leaver, early_help or other"));
	if ((v = cmd_args_get(args, "lead")) != NULL &&
	    ((v = cmd_case_me(ctx, v)) == NULL ||
	    cmd_case_copy(c.lead, sizeof(c.lead), "lead", v, err) == -1))
		return (err_set(err, ERR_INVALID, "lead: not a member"));
	if ((v = cmd_args_get(args, "coworker")) != NULL &&
	    ((v = cmd_case_me(ctx, v)) == NULL || cmd_case_copy(c.coworker,
	    sizeof(c.coworker), "coworker", v, err) == -1))
		return (err_set(err, ERR_INVALID, "coworker: not a member"));
	if ((v = cmd_args_get(args, "opened")) != NULL &&
	    cmd_case_copy(c.opened, sizeof(c.opened), "opened", v, err) == -1)
		return (-1);
	if ((v = cmd_args_get(args, "closed")) != NULL &&
	    cmd_case_copy(c.closed, sizeof(c.closed), "closed", v, err) == -1)
		return (-1);
	if ((v = cmd_args_get(args, "last_discussed")) != NULL &&
	    cmd_case_copy(c.last_discussed, sizeof(c.last_discussed),
	    "last_discussed", v, err) == -1)
		return (-1);
	if (cases_update(daemon_g->store, daemon_g->conf, &c, err) == -1 ||
	    planner_scope_case(cmd_replan_scope(ctx), daemon_g->store, c.ref,
	    err) == -1)
		return (-1);
	return (cmd_case_result(c.ref, result, err));
}

static int
cmd_case_close_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct casefile	c;

	if (cases_get(daemon_g->store, args->argv[0], &c, err) == -1)
		return (-1);
	if (cases_close(daemon_g->store, daemon_g->conf, c.ref,
	    cmd_args_get(args, "date"), err) == -1 ||
	    planner_scope_case(cmd_replan_scope(ctx), daemon_g->store, c.ref,
	    err) == -1)
		return (-1);
	return (cmd_case_result(c.ref, result, err));
}

/* The case to flag (who may is the command table's: ACL_OWN). */
static int
cmd_case_may_flag(struct cmd_ctx *ctx, const char *ref, struct casefile *c,
    struct err *err)
{
	(void)ctx;
	return (cases_get(daemon_g->store, ref, c, err));
}

static int
cmd_case_flag_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct casefile	c;

	if (cmd_case_may_flag(ctx, args->argv[0], &c, err) == -1 ||
	    cases_flag(daemon_g->store, c.ref, cmd_args_get(args, "reason"),
	    NULL, err) == -1 ||
	    planner_scope_case(cmd_replan_scope(ctx), daemon_g->store, c.ref,
	    err) == -1)
		return (-1);
	return (cmd_case_result(c.ref, result, err));
}

static int
cmd_case_unflag_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct casefile	c;

	if (cmd_case_may_flag(ctx, args->argv[0], &c, err) == -1 ||
	    cases_unflag(daemon_g->store, c.ref, err) == -1 ||
	    planner_scope_case(cmd_replan_scope(ctx), daemon_g->store, c.ref,
	    err) == -1)
		return (-1);
	return (cmd_case_result(c.ref, result, err));
}

/*
 * Scope: admins see every case; a manager their teams' cases (without
 * team= or member=, all of them); anyone else only their own.
 */
static int
cmd_case_list_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct case_filter	 f;
	struct casefile		*v = NULL, *part = NULL;
	struct team		*teams = NULL;
	const char		*s, *me;
	json_t			*list;
	size_t			 n = 0, npart = 0, nteams = 0, i, t;
	int			 b, orphaned = 0;

	memset(&f, 0, sizeof(f));
	f.open = -1;
	if ((s = cmd_args_get(args, "open")) != NULL) {
		if ((b = util_parse_bool(s)) == -1)
			return (err_set(err, ERR_INVALID, "open: must be yes "
			    "or no, not %s", s));
		f.open = b;
	}
	if ((s = cmd_args_get(args, "orphaned")) != NULL) {
		if ((orphaned = util_parse_bool(s)) == -1)
			return (err_set(err, ERR_INVALID, "orphaned: must be "
			    "yes or no, not %s", s));
		if (orphaned)
			f.open = 1;
	}
	me = acl_resolve_me(ctx->peer, "me");
	if ((s = cmd_args_get(args, "member")) != NULL) {
		if ((f.member = cmd_case_me(ctx, s)) == NULL)
			return (err_set(err, ERR_INVALID, "member: you are "
			    "not a member (me)"));
	}
	f.team = cmd_args_get(args, "team");

	list = json_array();
	if (f.member != NULL || f.team != NULL ||
	    ctx->peer->level >= ACL_ADMIN) {
		if (cases_list(daemon_g->store, &f, &v, &n, err) == -1)
			goto fail;
		for (i = 0; i < n; i++)
			json_array_append_new(list, cmd_case_json(&v[i]));
	} else if (ctx->peer->level >= ACL_MANAGER && me != NULL) {
		/* Every team they manage; a shared case only once. */
		if (people_teams_managed(daemon_g->store, me, &teams, &nteams,
		    err) == -1)
			goto fail;
		for (t = 0; t < nteams; t++) {
			f.team = teams[t].slug;
			if (cases_list(daemon_g->store, &f, &part, &npart,
			    err) == -1)
				goto fail;
			v = xreallocarray(v, n + npart + 1, sizeof(*v));
			memcpy(v + n, part, npart * sizeof(*v));
			n += npart;
			free(part);
			part = NULL;
		}
		if (n > 0)
			qsort(v, n, sizeof(*v), cmd_case_cmp);
		for (i = 0; i < n; i++)
			if (i == 0 || strcmp(v[i].ref, v[i - 1].ref) != 0)
				json_array_append_new(list,
				    cmd_case_json(&v[i]));
	} else if (me != NULL) {
		f.member = me;
		if (cases_list(daemon_g->store, &f, &v, &n, err) == -1)
			goto fail;
		for (i = 0; i < n; i++)
			json_array_append_new(list, cmd_case_json(&v[i]));
	}
	free(v);
	free(teams);
	v = NULL;
	teams = NULL;
	if (orphaned && cmd_case_orphaned(list, err) == -1)
		goto fail;
	*result = json_pack("{s:o}", "cases", list);
	return (0);

fail:
	free(v);
	free(part);
	free(teams);
	json_decref(list);
	return (-1);
}

/*
 * Keep only the open cases whose lead has left or is leaving, or no
 * longer holds cases (warnings.c decides), from the cases the caller
 * may see.
 */
static int
cmd_case_orphaned(json_t *list, struct err *err)
{
	struct casefile	*o = NULL;
	size_t		 n = 0, i, k;
	json_t		*c;
	const char	*ref;

	if (warnings_orphaned_cases(daemon_g->store, NULL, &o, &n,
	    err) == -1)
		return (-1);
	for (i = json_array_size(list); i-- > 0;) {
		c = json_array_get(list, i);
		ref = json_string_value(json_object_get(c, "ref"));
		for (k = 0; k < n; k++)
			if (ref != NULL && strcmp(o[k].ref, ref) == 0)
				break;
		if (k == n)
			json_array_remove(list, i);
	}
	free(o);
	return (0);
}

static int
cmd_case_show_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct casefile	c;

	if (cases_get(daemon_g->store, args->argv[0], &c, err) == -1)
		return (-1);
	(void)ctx;
	*result = cmd_case_json(&c);
	return (0);
}
