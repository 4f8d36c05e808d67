/*
 * Access levels: map a peer's uid (from SO_PEERCRED) to a user name and an
 * access level.  The daemon's own uid and the users in [daemon] admins are
 * admins; a member whose login is the user is a manager, psychologist or
 * member by role; everyone else may run status only.  The scope helpers
 * answer "this team?" and "this member?" from the store through people.c.
 * No sockets and no SQL here, and it never refuses anything itself: cmd.c
 * compares levels and handlers word their refusals.
 */
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "config.h"
#include "domain.h"
#include "log.h"
#include "people.h"

static int	acl_is_admin(const char *, const struct config *);
static int	acl_role_level(int);

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

int
acl_team_allowed(const struct acl_peer *peer, struct store *store,
    const char *team, int write)
{
	struct team	t;
	struct err	err;

	(void)write;
	if (peer->level == ACL_ADMIN)
		return (1);
	if (peer->member[0] == '\0' || peer->role != ROLE_MANAGER ||
	    team == NULL || store == NULL)
		return (0);
	err_clear(&err);
	if (people_team_get(store, team, &t, &err) == -1)
		return (0);
	return (strcmp(t.manager, peer->member) == 0);
}

int
acl_member_allowed(const struct acl_peer *peer, struct store *store,
    const char *member, int write)
{
	struct member	m;
	struct err	err;

	if (peer->level == ACL_ADMIN)
		return (1);
	if (member == NULL || peer->member[0] == '\0')
		return (0);
	if (strcmp(member, peer->member) == 0)
		return (1);
	if (store == NULL)
		return (0);
	err_clear(&err);
	if (people_member_get(store, member, &m, &err) == -1)
		return (0);
	return (acl_team_allowed(peer, store, m.team, write));
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
