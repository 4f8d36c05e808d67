/*
 * audit [since=DATE]: the audit log, who changed what, for admins.  The
 * default window is the last 30 days.  No SQL, no sockets: audit_list()
 * builds the entries.
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

static int	cmd_audit_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.usage = "[since=DATE]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "since", NULL },
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

	if (daemon_g == NULL || daemon_g->store == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	if ((s = cmd_args_get(args, "since")) != NULL) {
		if (util_parse_date(s, &since) == -1 &&
		    util_parse_time(s, &since) == -1)
			return (err_set(err, ERR_INVALID,
			    "since: not a date (YYYY-MM-DD) or time: %s", s));
	} else
		since = clock_now() - CMD_AUDIT_DEFAULT_DAYS * 86400;

	if ((entries = audit_list(daemon_g->store, since, err)) == NULL)
		return (-1);
	*result = json_object();
	json_object_set_new(*result, "entries", entries);
	return (0);
}
