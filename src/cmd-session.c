/*
 * session show|cancel|move|attend: one session and the manager's
 * overrides.  Admins and the managers of the session's teams may change
 * it; its psychologist, co-facilitator and attendees may read it.  A
 * cancelled or moved session is the manager's from then on: the planner
 * leaves it alone.  No SQL and no sockets: series.c reads, the planner
 * writes, acl.c answers the scope questions.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "ical.h"
#include "planner.h"
#include "presenters.h"
#include "series.h"
#include "util.h"

static int	 cmd_session_show_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_session_cancel_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_session_move_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_session_attend_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_session_load(const char *, struct session *,
		    struct series *, struct err *);
static int	 cmd_session_manages(struct cmd_ctx *, const struct session *);
static int	 cmd_session_result(struct cmd_ctx *, const char *, json_t **,
		    struct err *);
static json_t	*cmd_session_json(const struct session *,
		    const struct series *, const struct session_attendee *,
		    size_t, int, const char *);
static json_t	*cmd_session_opt(const char *);
static const char *cmd_session_by(const struct cmd_ctx *);

/* Each acts on the session its first word names (acl.c's SCOPE_SESSION). */
#define CMD_SESSION_ENTRY(n, u, k, req, a, ac, f, fn) { .name = (n),	\
	.usage = (u), .args = { 1, 1 }, .keys = (k), .required = (req),	\
	.acl = (a), .scope = SCOPE_SESSION, .access = (ac), .flags = (f), \
	.exec = (fn) }

const struct cmd_entry cmd_session_show_entry = CMD_SESSION_ENTRY(
    "session show", "ID", NULL, NULL, ACL_MEMBER, ACL_SEE, 0,
    cmd_session_show_exec);
const struct cmd_entry cmd_session_cancel_entry = CMD_SESSION_ENTRY(
    "session cancel", "ID [reason=]", ((const char *[]){ "reason", NULL }),
    NULL, ACL_MANAGER, ACL_MANAGE, CMD_WRITE | CMD_REPLAN,
    cmd_session_cancel_exec);
const struct cmd_entry cmd_session_move_entry = CMD_SESSION_ENTRY(
    "session move", "ID start= [location=] [reason=]",
    ((const char *[]){ "start", "location", "reason", NULL }),
    ((const char *[]){ "start", NULL }), ACL_MANAGER, ACL_MANAGE,
    CMD_WRITE | CMD_REPLAN, cmd_session_move_exec);
const struct cmd_entry cmd_session_attend_entry = CMD_SESSION_ENTRY(
    "session attend", "ID member= status=attended|apologies|absent",
    ((const char *[]){ "member", "status", NULL }),
    ((const char *[]){ "member", "status", NULL }), ACL_MEMBER, ACL_OWN,
    CMD_WRITE | CMD_REPLAN, cmd_session_attend_exec);

/* Who made a change, for the mail: their member slug, else unix user. */
static const char *
cmd_session_by(const struct cmd_ctx *ctx)
{
	if (ctx->peer->member[0] != '\0')
		return (ctx->peer->member);
	return (ctx->peer->user);
}

/* The session and its series (its own teams if the series was removed). */
static int
cmd_session_load(const char *id, struct session *x, struct series *r,
    struct err *err)
{
	if (strlen(id) > SCHED_ID_MAX)
		return (err_set(err, ERR_NOT_FOUND, "no such session: %.40s",
		    id));
	if (series_session_get(daemon_g->store, id, x, err) == -1)
		return (-1);
	if (series_get(daemon_g->store, x->series, r, err) == -1) {
		if (err->code != ERR_NOT_FOUND)
			return (-1);
		series_init(r, x->kind);
		memcpy(r->slug, x->series, sizeof(r->slug));
		r->nteams = series_session_teams(x, r->teams);
		err_clear(err);
	}
	return (0);
}

/* The same question the command table asks (acl.c), for what to show. */
static int
cmd_session_manages(struct cmd_ctx *ctx, const struct session *x)
{
	return (acl_may(ctx->peer, daemon_g->store, SCOPE_SESSION, x->id,
	    ACL_MANAGE));
}

static json_t *
cmd_session_opt(const char *s)
{
	return (s[0] == '\0' ? json_null() : cmd_json_string(s));
}

static json_t *
cmd_session_json(const struct session *x, const struct series *r,
    const struct session_attendee *a, size_t n, int cases, const char *me)
{
	char		 sb[UTIL_TIMEBUF], eb[UTIL_TIMEBUF];
	const char	*st;
	json_t		*teams, *att, *j;
	size_t		 i;

	teams = json_array();
	for (i = 0; i < r->nteams; i++)
		json_array_append_new(teams, json_string(r->teams[i]));
	att = json_array();
	for (i = 0; i < n; i++) {
		st = attendance_name(a[i].attendance);
		json_array_append_new(att, json_pack("{s:s, s:s, s:o}",
		    "member", a[i].member,
		    "role", sched_attendee_role_name(a[i].role),
		    "attendance", st != NULL ? json_string(st) : json_null()));
	}
	j = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:s, s:b, "
	    "s:o, s:s, s:i, s:o, s:o}",
	    "id", x->id, "series", x->series, "kind", series_kind_name(x->kind),
	    "teams", teams, "start", util_format_time(x->start, sb),
	    "end", util_format_time(x->end, eb),
	    "location", cmd_session_opt(x->location),
	    "psychologist", cmd_session_opt(x->psychologist),
	    "state", session_state_name(x->state), "manual", x->manual,
	    "cover_reason", cmd_session_opt(x->cover_reason),
	    "uid", x->uid, "sequence", x->sequence,
	    "attendees", att, "presenters",
	    cmd_rotation_presenters(x->id, cases, me));
	return (j);
}

/*
 * The session after the change and the replan it causes, as the caller
 * may see it: cases for its managers and psychologist, else only the
 * caller's own.
 */
static int
cmd_session_result(struct cmd_ctx *ctx, const char *id, json_t **result,
    struct err *err)
{
	struct session_attendee	*a = NULL;
	struct session		 x;
	struct series		 r;
	const char		*me = acl_resolve_me(ctx->peer, "me");
	size_t			 n = 0;
	int			 cases;

	if (cmd_replan_now(ctx, err) == -1 ||
	    cmd_session_load(id, &x, &r, err) == -1 ||
	    series_session_attendees(daemon_g->store, id, &a, &n, err) == -1)
		return (-1);
	cases = cmd_session_manages(ctx, &x) || (me != NULL && *me != '\0' &&
	    strcmp(x.psychologist, me) == 0);
	*result = cmd_session_json(&x, &r, a, n, cases, me);
	free(a);
	return (0);
}

static int
cmd_session_show_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct session_attendee	*a = NULL;
	struct session		 x;
	struct series		 r;
	const char		*me = acl_resolve_me(ctx->peer, "me");
	size_t			 n = 0;
	int			 cases;

	if (cmd_session_load(args->argv[0], &x, &r, err) == -1 ||
	    series_session_attendees(daemon_g->store, x.id, &a, &n,
	    err) == -1)
		return (-1);
	/* Cases: admins, the team's manager, the psychologist, the presenter. */
	cases = cmd_session_manages(ctx, &x) || (me != NULL && *me != '\0' &&
	    strcmp(x.psychologist, me) == 0);
	*result = cmd_session_json(&x, &r, a, n, cases, me);
	free(a);
	return (0);
}

static int
cmd_session_cancel_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct session	 x;
	struct series	 r;
	const char	*reason = cmd_args_get(args, "reason");

	if (cmd_session_load(args->argv[0], &x, &r, err) == -1)
		return (-1);
	if (reason != NULL && strlen(reason) > REASON_MAX)
		return (err_set(err, ERR_INVALID, "reason: at most %d "
		    "characters", REASON_MAX));
	if (planner_session_cancel(daemon_g->store, x.id, reason,
	    cmd_session_by(ctx), err) == -1 ||
	    planner_scope_session(cmd_replan_scope(ctx), daemon_g->store,
	    x.id, 1, err) == -1)
		return (-1);
	return (cmd_session_result(ctx, x.id, result, err));
}

static int
cmd_session_move_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct session	 x;
	struct series	 r;
	const char	*loc = cmd_args_get(args, "location");
	const char	*reason = cmd_args_get(args, "reason");
	char		 msg[ERR_MSG_MAX];
	time_t		 start;

	if (cmd_session_load(args->argv[0], &x, &r, err) == -1)
		return (-1);
	if (ical_local_time(daemon_g->conf->timezone,
	    cmd_args_get(args, "start"), &start, err) == -1) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return (err_set(err, ERR_INVALID, "start: %s", msg));
	}
	if (loc != NULL && strlen(loc) > LOCATION_MAX)
		return (err_set(err, ERR_INVALID, "location: at most %d "
		    "characters", LOCATION_MAX));
	if (reason != NULL && strlen(reason) > SESSION_NOTE_MAX)
		return (err_set(err, ERR_INVALID, "reason: at most %d "
		    "characters", SESSION_NOTE_MAX));
	/* Its booking before the move and after it. */
	if (planner_scope_session(cmd_replan_scope(ctx), daemon_g->store,
	    x.id, 1, err) == -1 ||
	    planner_session_move(daemon_g->store, daemon_g->conf, x.id, start,
	    loc, reason, cmd_session_by(ctx), NULL, err) == -1 ||
	    planner_scope_session(cmd_replan_scope(ctx), daemon_g->store,
	    x.id, 1, err) == -1)
		return (-1);
	return (cmd_session_result(ctx, x.id, result, err));
}

/*
 * A manager records anyone's attendance; a member their own apologies (or
 * takes them back with attended) before the session starts.  Apologies
 * make a presenter ineligible: the replan that follows refills the slot.
 */
static int
cmd_session_attend_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct session	 x;
	struct series	 r;
	const char	*member, *me;
	int		 status;

	if (cmd_session_load(args->argv[0], &x, &r, err) == -1)
		return (-1);
	if ((status = attendance_parse(cmd_args_get(args, "status"))) == -1)
		return (err_set(err, ERR_INVALID, "status: must be attended, "
		    "apologies or absent"));
	member = acl_resolve_me(ctx->peer, cmd_args_get(args, "member"));
	if (member == NULL || !people_valid_slug(member))
		return (err_set(err, ERR_INVALID, "member: not a member slug"));
	if (!cmd_session_manages(ctx, &x)) {
		me = acl_resolve_me(ctx->peer, "me");
		if (me == NULL || strcmp(me, member) != 0)
			return (err_set(err, ERR_FORBIDDEN, "forbidden: you "
			    "may send your own apologies (member=me "
			    "status=apologies); a manager of its team records "
			    "others' attendance at %s", x.id));
		if (status == ATTEND_ABSENT)
			return (err_set(err, ERR_FORBIDDEN, "forbidden: you "
			    "may record apologies or attended for yourself; "
			    "absent is for a manager of its team"));
		if (x.start <= clock_now())
			return (err_set(err, ERR_CONFLICT, "session %s has "
			    "started: tell a manager of its team", x.id));
		/* Before it: "attended" takes the apologies back. */
		if (status == ATTEND_ATTENDED)
			status = ATTEND_NONE;
	}
	if (planner_session_attend(daemon_g->store, x.id, member, status,
	    err) == -1 || planner_scope_session(cmd_replan_scope(ctx),
	    daemon_g->store, x.id, 0, err) == -1)
		return (-1);
	return (cmd_session_result(ctx, x.id, result, err));
}
