/*
 * Who is calling: the peer's credentials (SO_PEERCRED) mapped to an access
 * level.  Admins are the users in [daemon] admins and the daemon's own uid.
 * Member levels (manager, psychologist, member) arrive with members.
 */
#ifndef REFLECTD_ACL_H
#define REFLECTD_ACL_H

#include <sys/types.h>

struct config;

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
};

/* Fill user name and level for uid under the given configuration. */
void		 acl_identify(struct acl_peer *, const struct config *);
const char	*acl_level_name(int);

#endif
