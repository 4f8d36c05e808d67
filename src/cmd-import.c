/*
 * import members|cases|absences|attendance [mode=upsert|snapshot]
 * [dry_run=yes]
 * bytes=N: a CSV file as the request body, applied all or nothing by
 * csvimport.c inside the command's transaction.  The body is never logged
 * or audited (cmd.c audits the request line only), and a refused import
 * still returns its result so the caller sees every error with its line.
 * No SQL, no sockets, no CSV parsing here.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "csvimport.h"
#include "daemon.h"
#include "util.h"

static int	cmd_import_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.usage = "members|cases|absences|attendance [mode=upsert|snapshot] "
	    "[dry_run=yes] bytes=N",
	.args = { 1, 1 },
	.keys = (const char *[]){ "mode", "dry_run", NULL },
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = CMD_BODY | CMD_WRITE | CMD_REPLAN,
	.exec = cmd_import_exec,
};

static int
cmd_import_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	struct csvimport_opts	 opts;
	const char		*kind = args->argv[0], *v;

	if (daemon_g == NULL || daemon_g->store == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	memset(&opts, 0, sizeof(opts));
	if (strcmp(kind, "members") == 0)
		opts.kind = CSVIMPORT_MEMBERS;
	else if (strcmp(kind, "cases") == 0)
		opts.kind = CSVIMPORT_CASES;
	else if (strcmp(kind, "absences") == 0)
		opts.kind = CSVIMPORT_ABSENCES;
	else if (strcmp(kind, "attendance") == 0)
		opts.kind = CSVIMPORT_ATTENDANCE;
	else
		return (err_set(err, ERR_USAGE, "import: what to import must "
		    "be members, cases, absences or attendance, not %s", kind));
	if ((v = cmd_args_get(args, "mode")) != NULL) {
		if (strcmp(v, "snapshot") == 0)
			opts.snapshot = 1;
		else if (strcmp(v, "upsert") != 0)
			return (err_set(err, ERR_USAGE, "mode: must be upsert "
			    "or snapshot, not %s", v));
		if (opts.snapshot && opts.kind != CSVIMPORT_CASES)
			return (err_set(err, ERR_USAGE, "mode=snapshot is only "
			    "for cases"));
	}
	if ((v = cmd_args_get(args, "dry_run")) != NULL &&
	    (opts.dry_run = util_parse_bool(v)) == -1)
		return (err_set(err, ERR_USAGE, "dry_run: must be yes or no, "
		    "not %s", v));
	return (csvimport_run(daemon_g->store, daemon_g->conf, &opts,
	    args->body, args->bodylen, result, err));
}
