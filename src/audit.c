/*
 * The audit log: who changed what and when.  A row is written inside the
 * transaction of the change it records, so the two stand or fall together.
 * It stores the command as the caller typed it and must never record a
 * password or token (the command layer decides what to pass).
 */
#include <stdlib.h>

#include <jansson.h>

#include "audit.h"
#include "clock.h"
#include "store.h"
#include "util.h"

int
audit_add(struct store *s, const char *user, const char *command,
    struct err *err)
{
	return (store_audit_add(s, clock_now(), user, command, err));
}

json_t *
audit_list(struct store *s, time_t since, struct err *err)
{
	return (audit_list_last(s, since, 0, err));
}

json_t *
audit_list_last(struct store *s, time_t since, size_t limit, struct err *err)
{
	struct audit_row	*rows;
	size_t			 n, i;
	json_t			*a;
	char			 buf[UTIL_TIMEBUF];

	if (store_audit_list(s, since, limit, &rows, &n, err) == -1)
		return (NULL);
	a = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s}",
		    "id", (json_int_t)rows[i].id,
		    "at", util_format_time(rows[i].at, buf),
		    "user", rows[i].user,
		    "command", rows[i].command));
	}
	store_audit_free(rows, n);
	return (a);
}
