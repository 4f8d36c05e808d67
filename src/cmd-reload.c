/*
 * reload: re-read the configuration file, as SIGHUP does.  An invalid file
 * is refused with the loader's FILE:LINE message and the running
 * configuration stays in effect.  Keys that need a restart (state_dir,
 * socket, socket_group) keep their running values, and the reply says so.  Audited like every change.  No SQL, no
 * sockets; the work is daemon_reload()'s.
 */
#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"

static int	cmd_reload_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);

const struct cmd_entry cmd_reload_entry = {
	.name = "reload",
	.usage = "",
	.args = { 0, 0 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = CMD_WRITE,
	.exec = cmd_reload_exec,
};

static int
cmd_reload_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	const char	*pending;

	if (daemon_g == NULL || daemon_g->conf_path == NULL)
		return (err_set(err, ERR_INTERNAL, "no configuration file"));
	if (daemon_reload(err) == -1) {
		/* Whatever the loader said, for the caller it is bad input. */
		err->code = ERR_INVALID;
		return (-1);
	}
	pending = daemon_reload_pending();
	*result = json_pack("{s:s, s:[sss]}", "config", daemon_g->conf_path,
	    "restart_only", "state_dir", "socket", "socket_group");
	if (pending[0] != '\0') {
		json_object_set_new(*result, "warnings", json_pack("[s++]",
		    "changed but kept until restart: ", pending, " (state_dir, "
		    "socket and socket_group are applied only when reflectd "
		    "starts)"));
		json_object_set_new(*result, "pending_restart",
		    json_string(pending));
	}
	return (0);
}
