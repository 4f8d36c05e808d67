/*
 * help [COMMAND]: the commands the caller may run, with their usage, in
 * table order; with a command (one or two words), that command's usage,
 * or the subcommands of a first word.  Open to anyone, so that an
 * unmapped user learns what they may do.  It reads only the command table
 * and the caller's level; no SQL and no sockets.
 */
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cmd.h"

static int	cmd_help_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);
static int	cmd_help_matches(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.args = { 0, 2 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_ANYONE,
	.flags = CMD_CALLER,
	.exec = cmd_help_exec,
};

/* Does the entry's name start with the given words? */
static int
cmd_help_matches(const struct cmd_entry *ce, int argc, char **argv)
{
	const char	*p = ce->name;
	size_t		 len;
	int		 i;

	for (i = 0; i < argc; i++) {
		len = strlen(argv[i]);
		if (strncmp(p, argv[i], len) != 0 ||
		    (p[len] != ' ' && p[len] != '\0'))
			return (0);
		p += len;
		if (*p == ' ')
			p++;
		else if (i + 1 < argc)
			return (0);
	}
	return (1);
}

static int
cmd_help_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	const struct cmd_entry	*ce;
	json_t			*arr;
	int			 i, known = 0;

	arr = json_array();
	for (i = 0; cmd_table[i] != NULL; i++) {
		ce = cmd_table[i];
		if (!cmd_help_matches(ce, args->argc, args->argv))
			continue;
		known = 1;
		if (!cmd_allowed(ctx->peer, ce))
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s}",
		    "name", ce->name, "usage", ce->usage));
	}
	if (!known) {
		json_decref(arr);
		return (err_set(err, ERR_NOT_FOUND, "help: no command %s%s%s; "
		    "help alone lists the commands you may run",
		    args->argv[0], args->argc > 1 ? " " : "",
		    args->argc > 1 ? args->argv[1] : ""));
	}
	if (json_array_size(arr) == 0 && args->argc > 0) {
		json_decref(arr);
		return (err_set(err, ERR_FORBIDDEN, "forbidden: %s%s%s is not "
		    "among the commands you may run; help alone lists them",
		    args->argv[0], args->argc > 1 ? " " : "",
		    args->argc > 1 ? args->argv[1] : ""));
	}
	*result = json_pack("{s:o, s:s}", "commands", arr, "level",
	    acl_level_name(ctx->peer->level));
	return (0);
}
