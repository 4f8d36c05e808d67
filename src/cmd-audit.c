/*
 * audit [since=DATE] [limit=N]: the audit log, who changed what, for
 * admins: the newest 50 entries of the last 30 days unless told otherwise,
 * oldest first.  No SQL, no sockets: audit_list_last() builds the entries.
 */
#include <time.h>

#include <jansson.h>

#include "acl.h"
#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "util.h"

#define CMD_AUDIT_DEFAULT_DAYS	30
#define CMD_AUDIT_LIMIT		50
#define CMD_AUDIT_LIMIT_MAX	100000

static int	cmd_audit_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.usage = "[since=DATE] [limit=N]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "since", "limit", NULL },
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = 0,
	.exec = cmd_audit_exec,
};

static int
cmd_audit_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	const char	*s;
	time_t		 since;
	json_t		*entries;
	long long	 limit = CMD_AUDIT_LIMIT;

	if (daemon_g == NULL || daemon_g->store == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	if ((s = cmd_args_get(args, "since")) != NULL) {
		if (util_parse_date(s, &since) == -1 &&
		    util_parse_time(s, &since) == -1)
			return (err_set(err, ERR_INVALID,
			    "since: not a date (YYYY-MM-DD) or time: %s", s));
	} else
		since = clock_now() - CMD_AUDIT_DEFAULT_DAYS * 86400;
	if ((s = cmd_args_get(args, "limit")) != NULL &&
	    util_parse_int(s, 1, CMD_AUDIT_LIMIT_MAX, &limit) == -1)
		return (err_set(err, ERR_INVALID, "limit: must be 1 to %d, "
		    "not %s", CMD_AUDIT_LIMIT_MAX, s));

	if ((entries = audit_list_last(daemon_g->store, since, (size_t)limit,
	    err)) == NULL)
		return (-1);
	*result = json_object();
	json_object_set_new(*result, "entries", entries);
	return (0);
}
