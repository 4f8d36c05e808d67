/*
 * Who is calling: the peer's credentials (SO_PEERCRED) mapped to an access
 * level.  Admins are the users in [daemon] admins and the daemon's own uid.
 * A member whose login is the peer's user is a manager, psychologist or
 * member by role (acl_refresh, per request).  acl_check() is the one place
 * that says who may see, work on or manage a team, member, session, series
 * or case; cmd.c asks it for the object each command-table entry names, and
 * handlers that filter lists ask acl_may() the same question, so the rules
 * are the same everywhere.  Refusals are worded here, once.
 */
#ifndef REFLECTD_ACL_H
#define REFLECTD_ACL_H

#include <sys/types.h>

struct config;
struct err;
struct store;

enum acl_level {
	ACL_ANYONE = 0,		/* status only */
	ACL_MEMBER,		/* a member with a login */
	ACL_PSYCHOLOGIST,
	ACL_MANAGER,
	ACL_ADMIN
};

/* What a command-table entry acts on (its .scope). */
enum acl_scope {
	SCOPE_NONE = 0,
	SCOPE_TEAM,		/* a team slug; a list a,b means any of them */
	SCOPE_MEMBER,		/* a member slug or "me" */
	SCOPE_SESSION,		/* a session id */
	SCOPE_SERIES,		/* a series slug */
	SCOPE_CASE		/* a case reference */
};

/*
 * How it acts (an entry's .access).  SEE: read it (its people, the
 * psychologist who facilitates or covers it, its managers); OWN: act as one
 * of its own people (the member themself, a case's workers, a session's
 * attendee) or as its manager; MANAGE: its manager only.  A session's or a
 * series' manager is the manager of any of its teams.  Admins may do all.
 */
enum acl_access {
	ACL_SEE = 0,
	ACL_OWN,
	ACL_MANAGE
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
 * Older forms of acl_may, kept for filters: the team with ACL_MANAGE (an
 * admin or its manager; 0 for a team that does not exist) and the member
 * with ACL_OWN (an admin, the manager of their home team, or themself).
 * write is ignored.  New code asks acl_may or declares a scope.
 */
int		 acl_team_allowed(const struct acl_peer *, struct store *,
		    const char *team, int write);
int		 acl_member_allowed(const struct acl_peer *, struct store *,
		    const char *member, int write);
/*
 * The one permission question: may the peer act on the object (scope,
 * name) this way?  0 if so; -1 with err otherwise: forbidden, in one
 * sentence that names what was refused and what the caller may do, or
 * not_found (an object that does not exist is never anyone's).  "me" is
 * the caller's own member.
 */
int		 acl_check(const struct acl_peer *, struct store *, int scope,
		    const char *object, int access, struct err *);
/* The same question without the words: 1 or 0. */
int		 acl_may(const struct acl_peer *, struct store *, int scope,
		    const char *object, int access);
/*
 * The refusal for a caller below a command's level, in one sentence:
 * what was refused, who may run it, and what the caller may do (an
 * unmapped user is told that a member's login= maps them).
 */
int		 acl_refuse_level(const struct acl_peer *, const char *command,
		    int level, struct err *);
const char	*acl_scope_name(int);

/* slug, or the caller's member slug for "me" (NULL if the caller has none). */
const char	*acl_resolve_me(const struct acl_peer *, const char *slug);

#endif
