/*
 * Who is calling: the peer's credentials (SO_PEERCRED) mapped to an access
 * level.  Admins are the users in [daemon] admins and the daemon's own uid.
 * A member whose login is the peer's user is a manager, psychologist or
 * member by role (acl_refresh, per request).  The scope helpers answer the
 * questions handlers ask beyond the command table's level: this team, this
 * member.  Refusals are the caller's to word ("forbidden: ...").
 */
#ifndef REFLECTD_ACL_H
#define REFLECTD_ACL_H

#include <sys/types.h>

struct config;
struct store;

enum acl_level {
	ACL_ANYONE = 0,		/* status only */
	ACL_MEMBER,		/* a member with a login */
	ACL_PSYCHOLOGIST,
	ACL_MANAGER,
	ACL_ADMIN
};

struct acl_peer {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	char		 user[64];	/* unix user name, or "uid:N" */
	int		 level;		/* enum acl_level */
	char		 member[33];	/* the caller's member slug, or "" */
	int		 role;		/* that member's enum role, or -1 */
};

/* Fill user name and level for uid under the given configuration. */
void		 acl_identify(struct acl_peer *, const struct config *);
const char	*acl_level_name(int);
/*
 * Per request: look up the member whose login is the peer's user and set
 * member, role and (unless an admin) level from the role.  A leaver or a
 * stranger is ACL_ANYONE.  A store error leaves the peer as it was.
 */
void		 acl_refresh(struct acl_peer *, struct store *);
/*
 * 1 if the peer may act on the team: an admin, or the team's manager, for
 * reads and writes alike (write is for the record: what a plain member may
 * read of their own team is each handler's decision).  0 otherwise,
 * including for a team that does not exist.
 */
int		 acl_team_allowed(const struct acl_peer *, struct store *,
		    const char *team, int write);
/*
 * 1 if the peer may act on the member: an admin, the manager of the
 * member's home team, or the member themself.  Handlers whose rules
 * exclude the member themself (member set) use acl_team_allowed instead.
 */
int		 acl_member_allowed(const struct acl_peer *, struct store *,
		    const char *member, int write);
/* slug, or the caller's member slug for "me" (NULL if the caller has none). */
const char	*acl_resolve_me(const struct acl_peer *, const char *slug);

#endif
