/*
 * inbox [state=applied|refused|ignored] [limit=N]: every message read from
 * the replies inbox, newest first, with what became of it and why, so a
 * manager sees that a Decline arrived and was applied, or why it was
 * not.  Admins see all; a manager only the replies about their teams'
 * sessions.  No SQL and no sockets: the store's interface does the work.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "inbox.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define CMD_INBOX_LIMIT		50
#define CMD_INBOX_LIMIT_MAX	10000

static int	 cmd_inbox_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);
static int	 cmd_inbox_visible(struct cmd_ctx *, const struct inbox_row *);
static json_t	*cmd_inbox_row(const struct inbox_row *);

const struct cmd_entry cmd_inbox_entry = {
	.name = "inbox",
	.usage = "[state=applied|refused|ignored] [limit=N]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "state", "limit", NULL },
	.required = NULL,
	.acl = ACL_MANAGER,
	.flags = 0,
	.exec = cmd_inbox_exec,
};

/* A manager sees the replies about sessions of the teams they manage. */
static int
cmd_inbox_visible(struct cmd_ctx *ctx, const struct inbox_row *r)
{
	char	*teams, *t, *save = NULL;
	int	 ok = 0;

	if (ctx->peer->level >= ACL_ADMIN)
		return (1);
	if (r->teams[0] == '\0')
		return (0);
	teams = xstrdup(r->teams);
	for (t = strtok_r(teams, ",", &save); t != NULL && !ok;
	    t = strtok_r(NULL, ",", &save))
		ok = acl_team_allowed(ctx->peer, daemon_g->store, t, 0);
	free(teams);
	return (ok);
}

static json_t *
cmd_inbox_row(const struct inbox_row *r)
{
	char	 buf[UTIL_TIMEBUF];
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "file", cmd_json_string(r->file));
	json_object_set_new(o, "received",
	    json_string(util_format_time(r->received, buf)));
	json_object_set_new(o, "from", cmd_json_string(r->from));
	json_object_set_new(o, "session", r->session[0] != '\0' ?
	    cmd_json_string(r->session) : json_null());
	json_object_set_new(o, "member", r->member[0] != '\0' ?
	    cmd_json_string(r->member) : json_null());
	json_object_set_new(o, "partstat", r->partstat[0] != '\0' ?
	    cmd_json_string(r->partstat) : json_null());
	json_object_set_new(o, "state", json_string(inbox_state_name(
	    r->state)));
	json_object_set_new(o, "reason", cmd_json_string(r->reason));
	return (o);
}

static int
cmd_inbox_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	struct inbox_row	*rows = NULL;
	const char		*s;
	long long		 limit = CMD_INBOX_LIMIT;
	size_t			 n = 0, i;
	int			 state = -1;
	json_t			*list;

	if ((s = cmd_args_get(args, "state")) != NULL &&
	    (state = inbox_state_parse(s)) == -1)
		return (err_set(err, ERR_INVALID, "state: must be applied, "
		    "refused or ignored, not %.40s", s));
	if ((s = cmd_args_get(args, "limit")) != NULL &&
	    util_parse_int(s, 1, CMD_INBOX_LIMIT_MAX, &limit) == -1)
		return (err_set(err, ERR_INVALID, "limit: must be 1 to %d, "
		    "not %.40s", CMD_INBOX_LIMIT_MAX, s));
	if (store_inbox_list(daemon_g->store, state, &rows, &n, err) == -1)
		return (-1);
	list = json_array();
	for (i = 0; i < n && (long long)json_array_size(list) < limit; i++) {
		if (cmd_inbox_visible(ctx, &rows[i]))
			json_array_append_new(list, cmd_inbox_row(&rows[i]));
	}
	free(rows);
	*result = json_object();
	json_object_set_new(*result, "inbox", json_string(
	    daemon_g->conf->inbox != NULL && daemon_g->conf->inbox[0] !=
	    '\0' ? daemon_g->conf->inbox : ""));
	json_object_set_new(*result, "messages", list);
	return (0);
}
