/*
 * rotation, rotation explain, present and request: the case-presentation
 * rotation as it stands, why each slot of a session went to whom, a
 * manager's pin and a member's request to present.  Case references are
 * shown only to admins, the team's manager, the session's psychologist and
 * the presenter themself.  No SQL and no sockets: presenters.c reads and
 * writes, the planner replans after a change (CMD_REPLAN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cases.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "people.h"
#include "presenters.h"
#include "rotation.h"
#include "series.h"
#include "util.h"
#include "xmalloc.h"

static int	 cmd_rotation_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_rotation_explain_exec(struct cmd_ctx *,
		    struct cmd_args *, json_t **, struct err *);
static int	 cmd_present_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_request_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_rotation_session(struct cmd_ctx *, const char *,
		    struct session *, int *, int *, struct err *);
static json_t	*cmd_rotation_num(double);
static void	 cmd_rotation_shortfalls(const struct session *, json_t *);
static void	 cmd_rotation_redact(char *, const char *);

const struct cmd_entry cmd_rotation_entry = {
	.name = "rotation",
	.usage = "[team=]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "team", NULL },
	.required = NULL,
	.acl = ACL_MANAGER,
	.scope = SCOPE_TEAM,
	.target = "team",
	.access = ACL_MANAGE,
	.flags = 0,
	.exec = cmd_rotation_exec,
};

const struct cmd_entry cmd_rotation_explain_entry = {
	.name = "rotation explain",
	.usage = "SESSION",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_SESSION,
	.access = ACL_SEE,
	.flags = 0,
	.exec = cmd_rotation_explain_exec,
};

const struct cmd_entry cmd_present_entry = {
	.name = "present",
	.usage = "SESSION slot= member= [case=] | SESSION slot= unpin=yes",
	.args = { 1, 1 },
	.keys = (const char *[]){ "slot", "member", "case", "unpin", NULL },
	.required = (const char *[]){ "slot", NULL },
	.acl = ACL_MANAGER,
	.scope = SCOPE_SESSION,
	.access = ACL_MANAGE,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_present_exec,
};

const struct cmd_entry cmd_request_entry = {
	.name = "request",
	.usage = "MEMBER [case=] [before=DATE]",
	.args = { 1, 1 },
	.keys = (const char *[]){ "case", "before", NULL },
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_MEMBER,
	.access = ACL_OWN,
	.flags = CMD_WRITE | CMD_REPLAN,
	.exec = cmd_request_exec,
};

/* Two decimals are plenty for a share of a presentation. */
static json_t *
cmd_rotation_num(double x)
{
	long long	v;

	v = (long long)(x * 100 + (x < 0 ? -0.5 : 0.5));
	return (json_real((double)v / 100));
}

json_t *
cmd_rotation_presenters(const char *session, int all_cases, const char *me)
{
	struct presentation	*v = NULL;
	struct err		 e;
	json_t			*arr;
	size_t			 n = 0, i;
	int			 show;

	arr = json_array();
	err_clear(&e);
	if (presenters_get(daemon_g->store, session, &v, &n, &e) == -1)
		return (arr);
	for (i = 0; i < n; i++) {
		show = all_cases || (me != NULL && strcmp(me, v[i].member) == 0);
		json_array_append_new(arr, json_pack("{s:i, s:s, s:o, s:s}",
		    "slot", v[i].slot, "member", v[i].member,
		    "case", show && v[i].case_ref[0] != '\0' ?
		    json_string(v[i].case_ref) : json_null(),
		    "how", rotation_how_name(v[i].how)));
	}
	presenters_free(v, n);
	return (arr);
}

static int
cmd_rotation_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct presenters_view	 v;
	struct team		*managed = NULL;
	const char		*team = cmd_args_get(args, "team");
	const struct presenters_member *m;
	json_t			*arr, *teams;
	size_t			 nmanaged = 0, i;
	double			 fairness = 0;

	if (ctx->peer->level < ACL_ADMIN) {
		if (team == NULL) {
			if (people_teams_managed(daemon_g->store,
			    ctx->peer->member, &managed, &nmanaged, err) == -1)
				return (-1);
			if (nmanaged != 1) {
				free(managed);
				return (err_set(err, ERR_USAGE, "rotation: "
				    "say which team (team=)"));
			}
			team = managed[0].slug;
		}
	}
	if (presenters_rotation(daemon_g->store, daemon_g->conf, clock_now(),
	    team, &v, err) == -1) {
		free(managed);
		return (-1);
	}
	arr = json_array();
	for (i = 0; i < v.nmembers; i++) {
		m = &v.members[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o, "
		    "s:i, s:i, s:o, s:o, s:o, s:o, s:b}",
		    "member", m->member, "team", m->team,
		    "fte", cmd_rotation_num(m->fte),
		    "earned", cmd_rotation_num(m->earned),
		    "presented", m->presented, "held", m->held,
		    "shortfall", cmd_rotation_num(m->shortfall),
		    "last_presented", m->last_presented[0] != '\0' ?
		    json_string(m->last_presented) : json_null(),
		    "next_presenting", m->next_date[0] != '\0' ?
		    json_string(m->next_date) : json_null(),
		    "next_session", m->next_presenting[0] != '\0' ?
		    json_string(m->next_presenting) : json_null(),
		    "eligible", m->eligible));
	}
	teams = json_array();
	for (i = 0; i < v.nteams; i++) {
		if (v.teams[i].fairness > fairness)
			fairness = v.teams[i].fairness;
		json_array_append_new(teams, json_pack("{s:s, s:o}",
		    "team", v.teams[i].team,
		    "fairness", cmd_rotation_num(v.teams[i].fairness)));
	}
	*result = json_pack("{s:o, s:o, s:o}", "members", arr,
	    "fairness", cmd_rotation_num(fairness), "teams", teams);
	presenters_view_free(&v);
	free(managed);
	return (0);
}

/*
 * May the caller see the session (manage: its teams' manager or an admin;
 * cases: may see case references)?  Attendees see it without cases.
 */
static int
cmd_rotation_session(struct cmd_ctx *ctx, const char *id, struct session *x,
    int *manage, int *cases, struct err *err)
{
	const char		*me = ctx->peer->member;

	if (strlen(id) > SCHED_ID_MAX)
		return (err_set(err, ERR_NOT_FOUND, "no such session: %.40s",
		    id));
	if (series_session_get(daemon_g->store, id, x, err) == -1)
		return (-1);
	*manage = acl_may(ctx->peer, daemon_g->store, SCOPE_SESSION, x->id,
	    ACL_MANAGE);
	*cases = *manage || (me[0] != '\0' &&
	    strcmp(x->psychologist, me) == 0);
	return (0);
}

/*
 * A flag's free-text reason is the case's: cut ": REASON" out of the
 * reasons of a slot whose case the caller may not see.
 */
static void
cmd_rotation_redact(char *text, const char *ref)
{
	struct casefile	 c;
	struct err	 err;
	char		*p;
	size_t		 len;

	err_clear(&err);
	if (ref[0] == '\0' || cases_get(daemon_g->store, ref, &c, &err) == -1 ||
	    c.flag_reason[0] == '\0')
		return;
	len = strlen(c.flag_reason);
	while ((p = strstr(text, c.flag_reason)) != NULL) {
		if (p >= text + 2 && p[-2] == ':' && p[-1] == ' ') {
			p -= 2;
			len += 2;
		}
		memmove(p, p + len, strlen(p + len) + 1);
		len = strlen(c.flag_reason);
	}
}

/*
 * Each slot's member's shortfall as rotation shows it now, over the whole
 * plan: the reasons keep the figures of the moment the slot was filled.
 */
static void
cmd_rotation_shortfalls(const struct session *x, json_t *slots)
{
	struct presenters_view	 v;
	struct err		 e;
	char			 tv[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	const char		*member;
	json_t			*o;
	size_t			 nt, i, k;

	if (json_array_size(slots) == 0)
		return;
	nt = series_session_teams(x, tv);
	err_clear(&e);
	if (presenters_rotation(daemon_g->store, daemon_g->conf, clock_now(),
	    nt == 1 ? tv[0] : NULL, &v, &e) == -1)
		return;
	json_array_foreach(slots, i, o) {
		member = json_string_value(json_object_get(o, "member"));
		for (k = 0; member != NULL && k < v.nmembers; k++) {
			if (strcmp(v.members[k].member, member) == 0) {
				json_object_set_new(o, "shortfall",
				    cmd_rotation_num(v.members[k].shortfall));
				break;
			}
		}
	}
	presenters_view_free(&v);
}

static int
cmd_rotation_explain_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct presentation	*v = NULL;
	struct session		 x;
	const char		*me = ctx->peer->member, *p, *nl;
	char			*text;
	json_t			*arr, *reasons;
	size_t			 n = 0, i;
	int			 manage, cases, show;

	if (cmd_rotation_session(ctx, args->argv[0], &x, &manage, &cases,
	    err) == -1 ||
	    presenters_get(daemon_g->store, x.id, &v, &n, err) == -1)
		return (-1);
	arr = json_array();
	for (i = 0; i < n; i++) {
		reasons = json_array();
		show = cases || (me[0] != '\0' &&
		    strcmp(me, v[i].member) == 0);
		text = xstrdup(v[i].reasons != NULL ? v[i].reasons : "");
		if (!show)
			cmd_rotation_redact(text, v[i].case_ref);
		for (p = text; *p != '\0'; p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL) {
				json_array_append_new(reasons,
				    cmd_json_string(p));
				break;
			}
			json_array_append_new(reasons, json_stringn(p,
			    (size_t)(nl - p)));
		}
		free(text);
		json_array_append_new(arr, json_pack("{s:i, s:s, s:o, s:s, "
		    "s:o}", "slot", v[i].slot, "member", v[i].member,
		    "case", show && v[i].case_ref[0] != '\0' ?
		    json_string(v[i].case_ref) : json_null(),
		    "how", rotation_how_name(v[i].how), "reasons", reasons));
	}
	presenters_free(v, n);
	cmd_rotation_shortfalls(&x, arr);
	*result = json_pack("{s:s, s:o}", "session", x.id, "slots", arr);
	return (0);
}

static int
cmd_present_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct session	 x;
	const char	*member, *v, *slot = cmd_args_get(args, "slot");
	long long	 n;
	int		 manage, cases;

	if (cmd_rotation_session(ctx, args->argv[0], &x, &manage, &cases,
	    err) == -1)
		return (-1);
	if (util_parse_int(slot, 1, ROTATION_SLOTS_MAX, &n) == -1)
		return (err_set(err, ERR_INVALID, "slot: want a number from 1"));
	if ((v = cmd_args_get(args, "unpin")) != NULL) {
		if (util_parse_bool(v) != 1 || cmd_args_get(args, "member") !=
		    NULL || cmd_args_get(args, "case") != NULL)
			return (err_set(err, ERR_USAGE, "usage: present SESSION "
			    "slot= unpin=yes (without member= or case=)"));
		if (presenters_unpin(daemon_g->store, x.id, (int)n,
		    err) == -1 || planner_scope_session(cmd_replan_scope(ctx),
		    daemon_g->store, x.id, 0, err) == -1)
			return (-1);
		*result = json_pack("{s:s, s:i, s:b}", "session", x.id,
		    "slot", (int)n, "unpinned", 1);
		return (0);
	}
	if (cmd_args_get(args, "member") == NULL)
		return (err_set(err, ERR_USAGE, "missing key: member= (or "
		    "unpin=yes)"));
	member = acl_resolve_me(ctx->peer, cmd_args_get(args, "member"));
	if (member == NULL || !people_valid_slug(member))
		return (err_set(err, ERR_INVALID, "member: not a member slug"));
	if (presenters_pin(daemon_g->store, x.id, (int)n, member,
	    cmd_args_get(args, "case"), err) == -1 ||
	    planner_scope_session(cmd_replan_scope(ctx), daemon_g->store,
	    x.id, 0, err) == -1)
		return (-1);
	*result = json_pack("{s:s, s:i, s:s, s:s}", "session", x.id,
	    "slot", (int)n, "member", member, "how", "pinned");
	return (0);
}

static int
cmd_request_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	const char	*member = acl_resolve_me(ctx->peer, args->argv[0]);
	const char	*c = cmd_args_get(args, "case");
	const char	*before = cmd_args_get(args, "before");
	char		 today[DATE_LEN];
	int64_t		 id;

	if (member == NULL)
		return (err_set(err, ERR_NOT_FOUND, "me: your user is not a "
		    "member's login"));
	if (!people_valid_slug(member))
		return (err_set(err, ERR_INVALID, "member: not a member slug"));
	if (c != NULL && !people_valid_ref(c))
		return (err_set(err, ERR_INVALID, "case: not a case "
		    "reference"));
	people_today(today);
	if (presenters_request(daemon_g->store, member, c, before, today, &id,
	    err) == -1 || planner_scope_member(cmd_replan_scope(ctx),
	    daemon_g->store, member, NULL, NULL, err) == -1)
		return (-1);
	*result = json_pack("{s:I, s:s, s:o, s:s, s:o}", "id", (json_int_t)id,
	    "member", member, "case", c != NULL ? json_string(c) : json_null(),
	    "asked_on", today,
	    "before", before != NULL ? json_string(before) : json_null());
	return (0);
}
