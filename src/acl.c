/*
 * Access levels: map a peer's uid (from SO_PEERCRED) to a user name and an
 * access level.  The daemon's own uid and the users in [daemon] admins are
 * admins; a member whose login is the user is a manager, psychologist or
 * member by role; everyone else may run status and help only.  acl_check()
 * holds every scope rule (team, member, session, series, case) and words
 * every refusal, once; cmd.c asks it for the object each command names
 * before the handler runs.  No sockets and no SQL here: the store is read
 * through people.c, series.c and cases.c.
 */
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "config.h"
#include "domain.h"
#include "log.h"
#include "cases.h"
#include "err.h"
#include "people.h"
#include "series.h"

static int	acl_is_admin(const char *, const struct config *);
static int	acl_role_level(int);
static int	acl_manages(const struct acl_peer *, struct store *,
		    const char *);
static int	acl_manages_any(const struct acl_peer *, struct store *,
		    char [][SLUG_MAX + 1], size_t);
static int	acl_home_team(const struct acl_peer *, struct store *,
		    char *, size_t);
static int	acl_team(const struct acl_peer *, struct store *,
		    const char *, int, struct err *);
static int	acl_member(const struct acl_peer *, struct store *,
		    const char *, int, struct err *);
static int	acl_series(const struct acl_peer *, struct store *,
		    const char *, int, struct err *);
static int	acl_session(const struct acl_peer *, struct store *,
		    const char *, int, struct err *);
static int	acl_case(const struct acl_peer *, struct store *,
		    const char *, int, struct err *);
static int	acl_refuse(const struct acl_peer *, struct err *, int,
		    const char *, const char *, const char *);
static int	acl_series_reader(const struct acl_peer *, struct store *,
		    const struct series *);

static const char *acl_scope_names[] = {
	[SCOPE_NONE] = "none",
	[SCOPE_TEAM] = "team",
	[SCOPE_MEMBER] = "member",
	[SCOPE_SESSION] = "session",
	[SCOPE_SERIES] = "series",
	[SCOPE_CASE] = "case",
};

/* Who may run a command at a level, for the refusal. */
static const char *acl_who[] = {
	[ACL_ANYONE] = "anyone",
	[ACL_MEMBER] = "members",
	[ACL_PSYCHOLOGIST] = "psychologists, managers and admins",
	[ACL_MANAGER] = "managers and admins",
	[ACL_ADMIN] = "admins",
};

static const char *acl_names[] = {
	[ACL_ANYONE] = "ANYONE",
	[ACL_MEMBER] = "MEMBER",
	[ACL_PSYCHOLOGIST] = "PSYCHOLOGIST",
	[ACL_MANAGER] = "MANAGER",
	[ACL_ADMIN] = "ADMIN",
};

void
acl_identify(struct acl_peer *peer, const struct config *conf)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[4096];
	int		 rc;

	rc = getpwuid_r(peer->uid, &pw, buf, sizeof(buf), &res);
	if (rc == 0 && res != NULL && res->pw_name != NULL &&
	    strlen(res->pw_name) < sizeof(peer->user))
		snprintf(peer->user, sizeof(peer->user), "%s", res->pw_name);
	else {
		if (rc != 0 && rc != ENOENT && rc != ESRCH)
			log_debug("getpwuid_r(%lu): %s",
			    (unsigned long)peer->uid, strerror(rc));
		snprintf(peer->user, sizeof(peer->user), "uid:%lu",
		    (unsigned long)peer->uid);
	}

	peer->member[0] = '\0';
	peer->role = -1;
	if (peer->uid == geteuid() || acl_is_admin(peer->user, conf))
		peer->level = ACL_ADMIN;
	else
		peer->level = ACL_ANYONE;
}

static int
acl_is_admin(const char *user, const struct config *conf)
{
	size_t	i;

	if (conf == NULL)
		return (0);
	for (i = 0; i < conf->nadmins; i++) {
		if (conf->admins[i] != NULL && strcmp(conf->admins[i], user) == 0)
			return (1);
	}
	return (0);
}

static int
acl_role_level(int role)
{
	switch (role) {
	case ROLE_MANAGER:
		return (ACL_MANAGER);
	case ROLE_PSYCHOLOGIST:
		return (ACL_PSYCHOLOGIST);
	default:
		return (ACL_MEMBER);
	}
}

void
acl_refresh(struct acl_peer *peer, struct store *store)
{
	struct member	m;
	struct err	err;
	char		today[DATE_LEN];
	int		admin = peer->level == ACL_ADMIN;

	peer->member[0] = '\0';
	peer->role = -1;
	if (!admin)
		peer->level = ACL_ANYONE;
	if (store == NULL || strncmp(peer->user, "uid:", 4) == 0)
		return;
	err_clear(&err);
	if (people_member_by_login(store, peer->user, &m, &err) == -1) {
		if (err.code != ERR_NOT_FOUND)
			log_warnx("acl: %s: %s", peer->user, err.msg);
		return;
	}
	/* A leaver's login no longer speaks for them. */
	people_today(today);
	if (m.end[0] != '\0' && strcmp(m.end, today) < 0)
		return;
	snprintf(peer->member, sizeof(peer->member), "%s", m.slug);
	peer->role = m.role;
	if (!admin)
		peer->level = acl_role_level(m.role);
}

/* The older questions, answered by acl_check so the rules stay one. */
int
acl_team_allowed(const struct acl_peer *peer, struct store *store,
    const char *team, int write)
{
	(void)write;
	if (peer->level == ACL_ADMIN)
		return (1);
	if (team == NULL || store == NULL)
		return (0);
	return (acl_may(peer, store, SCOPE_TEAM, team, ACL_MANAGE));
}

int
acl_member_allowed(const struct acl_peer *peer, struct store *store,
    const char *member, int write)
{
	(void)write;
	if (peer->level == ACL_ADMIN)
		return (1);
	if (member == NULL || peer->member[0] == '\0' || store == NULL)
		return (0);
	return (acl_may(peer, store, SCOPE_MEMBER, member, ACL_OWN));
}

const char *
acl_resolve_me(const struct acl_peer *peer, const char *slug)
{
	if (slug == NULL || strcmp(slug, "me") != 0)
		return (slug);
	return (peer->member[0] != '\0' ? peer->member : NULL);
}

const char *
acl_level_name(int level)
{
	if (level < ACL_ANYONE || level > ACL_ADMIN)
		return ("UNKNOWN");
	return (acl_names[level]);
}

const char *
acl_scope_name(int scope)
{
	if (scope < SCOPE_NONE || scope > SCOPE_CASE)
		return ("object");
	return (acl_scope_names[scope]);
}

int
acl_refuse_level(const struct acl_peer *peer, const char *command, int level,
    struct err *err)
{
	if (level < ACL_ANYONE || level > ACL_ADMIN)
		level = ACL_ADMIN;
	if (peer->member[0] == '\0' && peer->level < ACL_ADMIN)
		return (err_set(err, ERR_FORBIDDEN, "forbidden: %s is for %s, "
		    "and unix user %s is not a member's login; an admin maps "
		    "a unix user to a member with login= (member set SLUG "
		    "login=%s), and until then you may run status and help",
		    command, acl_who[level], peer->user, peer->user));
	return (err_set(err, ERR_FORBIDDEN, "forbidden: %s is for %s, and you "
	    "are a %s; help lists the commands you may run", command,
	    acl_who[level], peer->level == ACL_MANAGER ? "manager" :
	    peer->level == ACL_PSYCHOLOGIST ? "psychologist" : "member"));
}

/*
 * The one sentence of a scope refusal: what was refused (verb and object)
 * and who may, then what the caller may do instead.
 */
static int
acl_refuse(const struct acl_peer *peer, struct err *err, int access,
    const char *what, const char *who, const char *instead)
{
	if (peer->member[0] == '\0')
		return (err_set(err, ERR_FORBIDDEN, "forbidden: unix user %s "
		    "is not a member's login, so %s is not yours to %s; an "
		    "admin maps a unix user to a member with login=", peer->user,
		    what, access == ACL_SEE ? "see" : "change"));
	return (err_set(err, ERR_FORBIDDEN, "forbidden: %s can be %s only by "
	    "%s; %s", what, access == ACL_SEE ? "seen" : "changed", who,
	    instead));
}

static int
acl_manages(const struct acl_peer *peer, struct store *store,
    const char *team)
{
	struct team	t;
	struct err	err;

	if (peer->member[0] == '\0' || peer->role != ROLE_MANAGER ||
	    team == NULL || *team == '\0')
		return (0);
	err_clear(&err);
	if (people_team_get(store, team, &t, &err) == -1)
		return (0);
	return (strcmp(t.manager, peer->member) == 0);
}

static int
acl_manages_any(const struct acl_peer *peer, struct store *store,
    char teams[][SLUG_MAX + 1], size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (acl_manages(peer, store, teams[i]))
			return (1);
	}
	return (0);
}

/* The caller's home team into buf; 0, or -1 if they have none. */
static int
acl_home_team(const struct acl_peer *peer, struct store *store, char *buf,
    size_t size)
{
	struct member	m;
	struct err	err;

	if (peer->member[0] == '\0')
		return (-1);
	err_clear(&err);
	if (people_member_get(store, peer->member, &m, &err) == -1)
		return (-1);
	snprintf(buf, size, "%s", m.team);
	return (0);
}

/*
 * A team: its manager manages it; its members and its psychologist see it.
 * A list a,b (a series' teams) is the manager's if any of them is.
 */
static int
acl_team(const struct acl_peer *peer, struct store *store, const char *slug,
    int access, struct err *err)
{
	struct team	 t;
	char		 one[SLUG_MAX + 1], home[SLUG_MAX + 1], what[96];
	const char	*p, *c;
	size_t		 len;
	int		 found = 0;

	for (p = slug; ; p = c + 1) {
		c = strchr(p, ',');
		len = c == NULL ? strlen(p) : (size_t)(c - p);
		if (len > 0 && len < sizeof(one)) {
			memcpy(one, p, len);
			one[len] = '\0';
			if (people_team_get(store, one, &t, err) == -1) {
				if (err->code != ERR_NOT_FOUND)
					return (-1);
			} else {
				found = 1;
				if (strcmp(t.manager, peer->member) == 0 &&
				    peer->role == ROLE_MANAGER)
					return (0);
				if (access == ACL_SEE && peer->member[0] !=
				    '\0' && (strcmp(t.psychologist,
				    peer->member) == 0 || (acl_home_team(peer,
				    store, home, sizeof(home)) == 0 &&
				    strcmp(home, t.slug) == 0)))
					return (0);
			}
		}
		if (c == NULL)
			break;
	}
	if (!found)
		return (err_set(err, ERR_NOT_FOUND, "no such team: %.64s",
		    slug));
	err_clear(err);
	snprintf(what, sizeof(what), "team %.64s", slug);
	return (acl_refuse(peer, err, access, what, access == ACL_SEE ?
	    "its members, its psychologist, its manager and admins" :
	    "its manager and admins", "name a team you belong to or "
	    "manage (team list shows them)"));
}

/* A member: themself, and the manager of their home team. */
static int
acl_member(const struct acl_peer *peer, struct store *store,
    const char *slug, int access, struct err *err)
{
	struct member	m;
	char		what[96];

	if (strcmp(slug, "me") == 0) {
		if (peer->member[0] == '\0')
			return (err_set(err, ERR_FORBIDDEN, "forbidden: \"me\" "
			    "names the member whose login is your unix user, "
			    "and %s is none; an admin maps a unix user to a "
			    "member with login= (member set SLUG login=%s)",
			    peer->user, peer->user));
		slug = peer->member;
	}
	if (people_member_get(store, slug, &m, err) == -1)
		return (-1);
	if (access != ACL_MANAGE && strcmp(m.slug, peer->member) == 0)
		return (0);
	if (acl_manages(peer, store, m.team))
		return (0);
	err_clear(err);
	if (peer->member[0] == '\0') {
		snprintf(what, sizeof(what), "member %.64s", slug);
		return (acl_refuse(peer, err, access, what, "", ""));
	}
	if (access == ACL_MANAGE)
		return (err_set(err, ERR_FORBIDDEN, "forbidden: %s is in team "
		    "%s, which you do not manage; choose a member of your own "
		    "team, or ask the manager of %s or an admin", m.slug,
		    m.team, m.team));
	return (err_set(err, ERR_FORBIDDEN, "forbidden: %s is in team %s, "
	    "which you do not manage, so what is theirs is for them, the "
	    "manager of %s and admins; use me for your own (member=me)",
	    m.slug, m.team, m.team));
}

/* Its psychologist, co-facilitator, the psychologist of one of its teams,
 * one who covers a session of it, or a member of one of its teams. */
static int
acl_series_reader(const struct acl_peer *peer, struct store *store,
    const struct series *r)
{
	struct session	*v = NULL;
	struct team	 t;
	struct err	 err;
	char		 home[SLUG_MAX + 1];
	size_t		 i, n = 0;
	int		 ok = 0;

	if (peer->member[0] == '\0')
		return (0);
	if (strcmp(r->psychologist, peer->member) == 0 ||
	    strcmp(r->cofacilitator, peer->member) == 0)
		return (1);
	if (acl_home_team(peer, store, home, sizeof(home)) == -1)
		home[0] = '\0';
	for (i = 0; i < r->nteams; i++) {
		err_clear(&err);
		if (strcmp(r->teams[i], home) == 0)
			return (1);
		if (people_team_get(store, r->teams[i], &t, &err) == 0 &&
		    strcmp(t.psychologist, peer->member) == 0)
			return (1);
	}
	if (peer->role != ROLE_PSYCHOLOGIST)
		return (0);
	err_clear(&err);
	if (series_sessions(store, 0, (time_t)INT32_MAX * 4, NULL, NULL,
	    peer->member, &v, &n, &err) == -1)
		return (0);
	for (i = 0; i < n && !ok; i++)
		ok = strcmp(v[i].series, r->slug) == 0;
	free(v);
	return (ok);
}

static int
acl_series(const struct acl_peer *peer, struct store *store,
    const char *slug, int access, struct err *err)
{
	struct series	r;
	char		what[96];

	if (series_get(store, slug, &r, err) == -1)
		return (-1);
	if (acl_manages_any(peer, store, r.teams, r.nteams))
		return (0);
	if (access == ACL_SEE && acl_series_reader(peer, store, &r))
		return (0);
	snprintf(what, sizeof(what), "series %.64s", slug);
	return (acl_refuse(peer, err, access, what, access == ACL_SEE ?
	    "the managers, members and psychologists of its teams and "
	    "admins" : "the managers of its teams and admins",
	    "series list shows the series you may see"));
}

/*
 * A session: the managers of any of its teams manage it; its attendees,
 * its psychologist (who facilitates or covers it) and those who may see
 * its series see it; attendees act on their own attendance (OWN).
 */
static int
acl_session(const struct acl_peer *peer, struct store *store,
    const char *id, int access, struct err *err)
{
	struct session		 x;
	struct series		 r;
	struct session_attendee	*a = NULL;
	char			 teams[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	char			 what[96];
	size_t			 nt, n = 0, i;
	int			 ok = 0;

	if (strlen(id) > SCHED_ID_MAX)
		return (err_set(err, ERR_NOT_FOUND, "no such session: %.40s",
		    id));
	if (series_session_get(store, id, &x, err) == -1)
		return (-1);
	nt = series_session_teams(&x, teams);
	if (nt == 0 && series_get(store, x.series, &r, err) == 0) {
		for (; nt < r.nteams; nt++)
			memcpy(teams[nt], r.teams[nt], sizeof(teams[nt]));
	}
	err_clear(err);
	if (acl_manages_any(peer, store, teams, nt))
		return (0);
	if (access != ACL_MANAGE && peer->member[0] != '\0') {
		if (access == ACL_SEE &&
		    strcmp(x.psychologist, peer->member) == 0)
			return (0);
		if (series_session_attendees(store, x.id, &a, &n, err) == -1)
			return (-1);
		for (i = 0; i < n && !ok; i++)
			ok = strcmp(a[i].member, peer->member) == 0;
		free(a);
		if (ok)
			return (0);
		if (access == ACL_SEE && series_get(store, x.series, &r,
		    err) == 0 && (strcmp(r.psychologist, peer->member) == 0 ||
		    strcmp(r.cofacilitator, peer->member) == 0))
			return (0);
		err_clear(err);
	}
	snprintf(what, sizeof(what), "session %.64s", id);
	return (acl_refuse(peer, err, access, what, access == ACL_MANAGE ?
	    "the managers of its teams and admins" : access == ACL_OWN ?
	    "its attendees, the managers of its teams and admins" :
	    "its attendees, its psychologist, the managers of its teams and "
	    "admins", "schedule shows the sessions you may see"));
}

/*
 * A case: the manager of its lead's team manages it; its lead and
 * co-worker work on it (OWN); the manager of the co-worker's team also
 * sees it.
 */
static int
acl_case(const struct acl_peer *peer, struct store *store, const char *ref,
    int access, struct err *err)
{
	struct casefile	c;
	struct member	m;

	if (cases_get(store, ref, &c, err) == -1)
		return (-1);
	if (people_member_get(store, c.lead, &m, err) == 0 &&
	    acl_manages(peer, store, m.team))
		return (0);
	err_clear(err);
	if (access != ACL_MANAGE && peer->member[0] != '\0' &&
	    (strcmp(c.lead, peer->member) == 0 ||
	    strcmp(c.coworker, peer->member) == 0))
		return (0);
	if (access == ACL_SEE && c.coworker[0] != '\0' &&
	    people_member_get(store, c.coworker, &m, err) == 0 &&
	    acl_manages(peer, store, m.team))
		return (0);
	err_clear(err);
	return (acl_refuse(peer, err, access, "that case", access ==
	    ACL_MANAGE ? "the manager of its lead's team and admins" :
	    "its lead and co-worker, their managers and admins",
	    "case list shows the cases you may see"));
}

int
acl_check(const struct acl_peer *peer, struct store *store, int scope,
    const char *object, int access, struct err *err)
{
	if (peer->level == ACL_ADMIN || scope == SCOPE_NONE)
		return (0);
	if (object == NULL)
		return (0);
	if (store == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	switch (scope) {
	case SCOPE_TEAM:
		return (acl_team(peer, store, object, access, err));
	case SCOPE_MEMBER:
		return (acl_member(peer, store, object, access, err));
	case SCOPE_SESSION:
		return (acl_session(peer, store, object, access, err));
	case SCOPE_SERIES:
		return (acl_series(peer, store, object, access, err));
	case SCOPE_CASE:
		return (acl_case(peer, store, object, access, err));
	}
	return (err_set(err, ERR_INTERNAL, "unknown scope %d", scope));
}

int
acl_may(const struct acl_peer *peer, struct store *store, int scope,
    const char *object, int access)
{
	struct err	err;

	err_clear(&err);
	return (acl_check(peer, store, scope, object, access, &err) == 0);
}
