/* The audit log: who changed what, written inside the change's transaction. */
#ifndef REFLECTD_AUDIT_H
#define REFLECTD_AUDIT_H

#include <time.h>

#include "err.h"

struct store;
#include <jansson.h>

/* Record one change by user (a unix user name) described by command. */
int	 audit_add(struct store *, const char *user, const char *command,
	    struct err *);
/* JSON array of {id, at, user, command} since the given time. */
json_t	*audit_list(struct store *, time_t since, struct err *);
/* The newest limit entries (0: all) since then, oldest first. */
json_t	*audit_list_last(struct store *, time_t since, size_t limit,
	    struct err *);

#endif
