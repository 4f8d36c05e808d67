/*
 * schedule, gaps and plan: the sessions ahead (or behind) with filters,
 * the supervision gap of each case-holding member, and replanning on
 * demand.  Admins see everything; a manager sees their teams' sessions;
 * a psychologist the sessions they facilitate or cover; any other member
 * their own.  No SQL and no sockets: series.c reads, the planner plans,
 * acl.c and people.c answer the scope questions.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acl.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "domain.h"
#include "people.h"
#include "planner.h"
#include "presenters.h"
#include "schedule.h"
#include "series.h"
#include "util.h"

#define CMD_SCHEDULE_DAY	86400

struct cmd_scope {
	const char	*me;		/* caller's member slug or NULL */
	int		 all;		/* admin */
	struct team	*managed;
	size_t		 nmanaged;
};

static int	 cmd_schedule_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_gaps_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_plan_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_schedule_scope(struct cmd_ctx *, struct cmd_scope *,
		    struct err *);
static int	 cmd_schedule_manages(const struct cmd_scope *, const char *);
static int	 cmd_schedule_range(const char *, const char *, time_t *,
		    time_t *, struct err *);
static int	 cmd_schedule_series_cmp(const void *, const void *);
static int	 cmd_schedule_last_cmp(const void *, const void *);
static json_t	*cmd_schedule_json(const struct session *,
		    char [][SLUG_MAX + 1], size_t, int, const char *);

const struct cmd_entry cmd_schedule_entry = {
	.name = "schedule",
	.usage = "[team=] [member=] [psychologist=] [from=DATE] [to=DATE]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "team", "member", "psychologist", "from",
	    "to", NULL },
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_TEAM,
	.target = "team",
	.access = ACL_SEE,
	.refs = (const struct cmd_ref[]){ { SCOPE_MEMBER, "member", ACL_SEE },
	    { 0, NULL, 0 } },
	.flags = 0,
	.exec = cmd_schedule_exec,
};

const struct cmd_entry cmd_gaps_entry = {
	.name = "gaps",
	.usage = "[team=]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "team", NULL },
	.required = NULL,
	.acl = ACL_MANAGER,
	.scope = SCOPE_TEAM,
	.target = "team",
	.access = ACL_MANAGE,
	.flags = 0,
	.exec = cmd_gaps_exec,
};

const struct cmd_entry cmd_plan_entry = {
	.name = "plan",
	.usage = "",
	.args = { 0, 0 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = CMD_WRITE,
	.exec = cmd_plan_exec,
};

static int
cmd_schedule_scope(struct cmd_ctx *ctx, struct cmd_scope *sc,
    struct err *err)
{
	memset(sc, 0, sizeof(*sc));
	sc->all = ctx->peer->level >= ACL_ADMIN;
	sc->me = acl_resolve_me(ctx->peer, "me");
	if (sc->me != NULL && *sc->me == '\0')
		sc->me = NULL;
	if (!sc->all && sc->me != NULL &&
	    people_teams_managed(daemon_g->store, sc->me, &sc->managed,
	    &sc->nmanaged, err) == -1)
		return (-1);
	return (0);
}

static int
cmd_schedule_manages(const struct cmd_scope *sc, const char *team)
{
	size_t	i;

	if (sc->all)
		return (1);
	for (i = 0; i < sc->nmanaged; i++) {
		if (strcmp(sc->managed[i].slug, team) == 0)
			return (1);
	}
	return (0);
}

/* from= and to= are local dates, inclusive; default today to the horizon. */
static int
cmd_schedule_range(const char *from, const char *to, time_t *f, time_t *u,
    struct err *err)
{
	char	today[DATE_LEN], buf[UTIL_TIMEBUF];
	time_t	t;

	people_today(today);
	if (util_parse_date(from != NULL ? from : today, f) == -1)
		return (err_set(err, ERR_INVALID, "from: want YYYY-MM-DD"));
	if (to == NULL) {
		*u = *f + (time_t)daemon_g->conf->horizon_days *
		    CMD_SCHEDULE_DAY + CMD_SCHEDULE_DAY;
		return (0);
	}
	if (util_parse_date(to, &t) == -1)
		return (err_set(err, ERR_INVALID, "to: want YYYY-MM-DD"));
	/* The day after to, at local midnight, whatever the clocks do. */
	*u = t + CMD_SCHEDULE_DAY + 4 * 3600;
	util_format_date(*u, buf);
	if (util_parse_date(buf, u) == -1)
		return (err_set(err, ERR_INVALID, "to: bad date"));
	if (*u <= *f)
		return (err_set(err, ERR_INVALID, "to: before from"));
	return (0);
}

static int
cmd_schedule_series_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct series *)a)->slug,
	    ((const struct series *)b)->slug));
}

static json_t *
cmd_schedule_json(const struct session *x, char tv[][SLUG_MAX + 1],
    size_t nt, int cases, const char *me)
{
	char	 sb[UTIL_TIMEBUF], eb[UTIL_TIMEBUF];
	json_t	*teams;
	size_t	 i;

	teams = json_array();
	for (i = 0; i < nt; i++)
		json_array_append_new(teams, json_string(tv[i]));
	/* cover: a psychologist standing in for the series' own. */
	return (json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:b, "
	    "s:s, s:o}", "id", x->id, "series", x->series,
	    "kind", series_kind_name(x->kind), "teams", teams,
	    "start", util_format_time(x->start, sb),
	    "end", util_format_time(x->end, eb),
	    "location", x->location[0] != '\0' ?
	    cmd_json_string(x->location) : json_null(),
	    "psychologist", x->psychologist[0] != '\0' ?
	    json_string(x->psychologist) : json_null(),
	    "cover", x->psychologist[0] != '\0' &&
	    strstr(x->cover_reason, "; covered by ") != NULL,
	    "state", session_state_name(x->state),
	    "presenters", cmd_rotation_presenters(x->id, cases, me)));
}

static int
cmd_schedule_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct cmd_scope	 sc;
	struct series		*ser = NULL, key, *r;
	struct session		*v = NULL;
	char			 tv[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	const char		*team = cmd_args_get(args, "team");
	const char		*member = cmd_args_get(args, "member");
	const char		*psych = cmd_args_get(args, "psychologist");
	size_t			 nser = 0, n = 0, i, j, nt;
	time_t			 from, until;
	json_t			*arr;
	int			 rc = -1, ok, cases;

	if (cmd_schedule_scope(ctx, &sc, err) == -1)
		return (-1);
	if ((member != NULL && strcmp(member, "me") == 0 &&
	    (member = sc.me) == NULL) ||
	    (psych != NULL && strcmp(psych, "me") == 0 &&
	    (psych = sc.me) == NULL)) {
		err_set(err, ERR_NOT_FOUND, "me: your user is not a member's "
		    "login");
		goto out;
	}
	if (!sc.all) {
		if (team == NULL && member == NULL && psych == NULL) {
			if (ctx->peer->level == ACL_PSYCHOLOGIST)
				psych = sc.me;
			else if (ctx->peer->level < ACL_MANAGER)
				member = sc.me;
		}
		/*
		 * A team they belong to but do not manage (the table let
		 * them see it): their own sessions in it.
		 */
		if (team != NULL && !cmd_schedule_manages(&sc, team) &&
		    member == NULL && psych == NULL) {
			if (ctx->peer->level == ACL_PSYCHOLOGIST)
				psych = sc.me;
			else
				member = sc.me;
		}
		if (psych != NULL && (sc.me == NULL ||
		    strcmp(psych, sc.me) != 0) &&
		    ctx->peer->level < ACL_MANAGER) {
			err_set(err, ERR_FORBIDDEN, "forbidden: you may see "
			    "your own sessions (psychologist=me)");
			goto out;
		}
	}
	if (cmd_schedule_range(cmd_args_get(args, "from"),
	    cmd_args_get(args, "to"), &from, &until, err) == -1)
		goto out;
	if (series_list(daemon_g->store, NULL, &ser, &nser, err) == -1 ||
	    series_sessions(daemon_g->store, from, until, team, member, psych,
	    &v, &n, err) == -1)
		goto out;
	if (nser > 0)
		qsort(ser, nser, sizeof(*ser), cmd_schedule_series_cmp);
	arr = json_array();
	for (i = 0; i < n; i++) {
		memcpy(key.slug, v[i].series, sizeof(key.slug));
		r = nser == 0 ? NULL : bsearch(&key, ser, nser, sizeof(*ser),
		    cmd_schedule_series_cmp);
		/* The session's own teams outlive its series. */
		if ((nt = series_session_teams(&v[i], tv)) == 0 && r != NULL) {
			for (; nt < r->nteams; nt++)
				memcpy(tv[nt], r->teams[nt], sizeof(tv[nt]));
		}
		ok = sc.all || (member != NULL && sc.me != NULL &&
		    strcmp(member, sc.me) == 0) ||
		    (sc.me != NULL && strcmp(v[i].psychologist, sc.me) == 0) ||
		    (member != NULL && sc.nmanaged > 0);
		/* Cases: admins, the team's manager, the psychologist. */
		cases = sc.all || (sc.me != NULL &&
		    strcmp(v[i].psychologist, sc.me) == 0);
		for (j = 0; !cases && j < nt; j++)
			cases = cmd_schedule_manages(&sc, tv[j]);
		ok = ok || cases;
		if (ok)
			json_array_append_new(arr, cmd_schedule_json(&v[i], tv,
			    nt, cases, sc.me));
	}
	*result = json_pack("{s:o}", "sessions", arr);
	rc = 0;
out:
	free(sc.managed);
	free(ser);
	free(v);
	return (rc);
}

static int
cmd_schedule_last_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct session_last *)a)->member,
	    ((const struct session_last *)b)->member));
}

static int
cmd_gaps_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	struct cmd_scope	 sc;
	struct session_last	*last = NULL, key, *hit;
	struct member		*m = NULL;
	struct sched_gap	 g;
	const char		*team = cmd_args_get(args, "team");
	char			 today[DATE_LEN];
	size_t			 n = 0, nl = 0, i;
	json_t			*arr;
	int			 rc = -1, max;

	if (cmd_schedule_scope(ctx, &sc, err) == -1)
		return (-1);
	if (people_member_list(daemon_g->store, team, &m, &n, err) == -1 ||
	    series_last_attended(daemon_g->store, &last, &nl, err) == -1)
		goto out;
	people_today(today);
	arr = json_array();
	for (i = 0; i < n; i++) {
		if (!role_holds_cases((enum role)m[i].role) ||
		    !people_member_active(&m[i], today) ||
		    !cmd_schedule_manages(&sc, m[i].team))
			continue;
		memcpy(key.member, m[i].slug, sizeof(key.member));
		hit = nl == 0 ? NULL : bsearch(&key, last, nl, sizeof(*last),
		    cmd_schedule_last_cmp);
		max = config_max_gap_days(daemon_g->conf, (enum role)m[i].role);
		sched_gap(hit != NULL ? hit->date : "", m[i].start, today, max,
		    &g);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, "
		    "s:o, s:i, s:b}", "member", m[i].slug, "team", m[i].team,
		    "role", role_name((enum role)m[i].role),
		    "last_attended", hit != NULL ? json_string(hit->date) :
		    json_null(),
		    "days_since", g.days_since >= 0 ?
		    json_integer(g.days_since) : json_null(),
		    "max_gap_days", max, "overdue", g.overdue));
	}
	*result = json_pack("{s:o}", "members", arr);
	rc = 0;
out:
	free(sc.managed);
	free(last);
	free(m);
	return (rc);
}

static json_t *
cmd_plan_counts(const struct planner_counts *c)
{
	return (json_pack("{s:i, s:i, s:i, s:i}", "created", c->created,
	    "updated", c->updated, "cancelled", c->cancelled,
	    "messages_queued", c->messages_queued));
}

/* The end of a plan that went team by team: its answer at last. */
static void
cmd_plan_done(void *arg, const struct planner_counts *c, int failed)
{
	struct cmd_later	*l = arg;
	struct err		 err;

	err_clear(&err);
	if (failed < 0)
		err_set(&err, ERR_INTERNAL, "the replan was stopped before "
		    "its end");
	else if (failed > 0)
		err_set(&err, ERR_INTERNAL, "%d team(s) could not be "
		    "replanned; the others were (see the daemon's log)",
		    failed);
	if (err.code != ERR_NONE)
		cmd_later_error(l, &err);
	else
		cmd_later_reply(l, cmd_plan_counts(c));
}

/*
 * Every team at once, inside the request's transaction; or, where the
 * last such run held the loop longer than PLANNER_HOLD_MS and the caller
 * can wait, team by team like the daily replan, answering at its end.
 */
static int
cmd_plan_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	struct planner_counts	 c;
	struct cmd_later	*l;

	if (planner_full_ms() > PLANNER_HOLD_MS && ctx->done != NULL) {
		if (planner_sweep_start(daemon_g->store, "manual") == -1)
			return (err_set(err, ERR_INTERNAL, "cannot list the "
			    "teams to replan (see the daemon's log)"));
		l = cmd_later(ctx);
		planner_sweep_wait(cmd_plan_done, l);
		return (0);
	}
	if (planner_replan(NULL, &c, err) == -1)
		return (-1);
	*result = cmd_plan_counts(&c);
	return (0);
}
