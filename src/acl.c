/*
 * Access levels: map a peer's uid (from SO_PEERCRED) to a user name and an
 * access level under the running configuration.  The daemon's own uid and
 * the users in [daemon] admins are admins; everyone else may run status
 * only.  Pure apart from the password database: no sockets, no store, and
 * it never refuses anything itself (cmd.c compares levels).
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
#include "log.h"

static int	acl_is_admin(const char *, const struct config *);
static int	acl_member_level(const struct acl_peer *, const struct config *);

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

	if (peer->uid == geteuid() || acl_is_admin(peer->user, conf))
		peer->level = ACL_ADMIN;
	else
		peer->level = acl_member_level(peer, conf);
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

/*
 * Hook for the member levels: once members exist, a member whose login is
 * the peer's user name gets ACL_MEMBER, ACL_PSYCHOLOGIST or ACL_MANAGER here.
 * Until then nobody but an admin has more than ACL_ANYONE.
 */
static int
acl_member_level(const struct acl_peer *peer, const struct config *conf)
{
	return (ACL_ANYONE);
}

const char *
acl_level_name(int level)
{
	if (level < ACL_ANYONE || level > ACL_ADMIN)
		return ("UNKNOWN");
	return (acl_names[level]);
}
