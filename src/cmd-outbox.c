/*
 * outbox [state=queued|sent|failed] [limit=N]: the newest messages in the
 * outbox (50 unless told otherwise), newest first, so an admin sees what
 * was sent and why something failed; and
 * outbox retry ID: make a failed or queued message due now.  No SQL and no
 * sockets: the store's and outbox's interfaces do the work.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "daemon.h"
#include "outbox.h"
#include "store.h"
#include "util.h"

#define CMD_OUTBOX_LIMIT		50
#define CMD_OUTBOX_LIMIT_MAX	10000

static int	 cmd_outbox_exec(struct cmd_ctx *, struct cmd_args *, json_t **,
		    struct err *);
static int	 cmd_outbox_retry_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static json_t	*cmd_outbox_row(const struct outbox_row *);
static const char *cmd_outbox_state_name(int);

const struct cmd_entry cmd_outbox_entry = {
	.name = "outbox",
	.usage = "[state=queued|sent|failed] [limit=N]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "state", "limit", NULL },
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = 0,
	.exec = cmd_outbox_exec,
};

const struct cmd_entry cmd_outbox_retry_entry = {
	.name = "outbox retry",
	.usage = "ID",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = CMD_WRITE,
	.exec = cmd_outbox_retry_exec,
};

static const char *
cmd_outbox_state_name(int state)
{
	switch (state) {
	case OUTBOX_QUEUED:
		return ("queued");
	case OUTBOX_SENDING:
		return ("sending");
	case OUTBOX_SENT:
		return ("sent");
	case OUTBOX_FAILED:
		return ("failed");
	}
	return ("unknown");
}

static json_t *
cmd_outbox_row(const struct outbox_row *r)
{
	char	 buf[UTIL_TIMEBUF];
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "id", json_integer((json_int_t)r->id));
	json_object_set_new(o, "kind", cmd_json_string(r->kind));
	json_object_set_new(o, "to", cmd_json_string(r->rcpt));
	json_object_set_new(o, "subject", cmd_json_string(r->subject));
	json_object_set_new(o, "state",
	    json_string(cmd_outbox_state_name(r->state)));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	if (r->state == OUTBOX_SENT || r->state == OUTBOX_FAILED)
		json_object_set_new(o, "next_attempt", json_null());
	else
		json_object_set_new(o, "next_attempt",
		    json_string(util_format_time(r->next_attempt, buf)));
	json_object_set_new(o, "last_error", cmd_json_string(r->last_error));
	json_object_set_new(o, "created",
	    json_string(util_format_time(r->created, buf)));
	return (o);
}

static int
cmd_outbox_exec(struct cmd_ctx *ctx, struct cmd_args *args, json_t **result,
    struct err *err)
{
	struct store		*store;
	struct outbox_row	*rows = NULL, *sending = NULL;
	size_t			 n = 0, ns = 0, i, j;
	const char		*s;
	int			 state = -1;
	long long		 limit = CMD_OUTBOX_LIMIT;
	json_t			*list;

	if (daemon_g == NULL || (store = daemon_g->store) == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	if ((s = cmd_args_get(args, "state")) != NULL) {
		if (strcmp(s, "queued") == 0)
			state = OUTBOX_QUEUED;
		else if (strcmp(s, "sent") == 0)
			state = OUTBOX_SENT;
		else if (strcmp(s, "failed") == 0)
			state = OUTBOX_FAILED;
		else
			return (err_set(err, ERR_INVALID,
			    "state: must be queued, sent or failed, not %s", s));
	}
	if ((s = cmd_args_get(args, "limit")) != NULL &&
	    util_parse_int(s, 1, CMD_OUTBOX_LIMIT_MAX, &limit) == -1)
		return (err_set(err, ERR_INVALID, "limit: must be 1 to %d, "
		    "not %s", CMD_OUTBOX_LIMIT_MAX, s));

	if (store_outbox_list(store, state, (size_t)limit, &rows, &n,
	    err) == -1)
		return (-1);
	/* Queued includes the messages in the sender's hands right now. */
	if (state == OUTBOX_QUEUED && store_outbox_list(store, OUTBOX_SENDING,
	    (size_t)limit, &sending, &ns, err) == -1) {
		store_outbox_free(rows, n);
		return (-1);
	}

	/* Merge the two newest-first lists by id. */
	list = json_array();
	i = j = 0;
	while ((long long)json_array_size(list) < limit && (i < n || j < ns)) {
		if (j >= ns || (i < n && rows[i].id > sending[j].id))
			json_array_append_new(list, cmd_outbox_row(&rows[i++]));
		else
			json_array_append_new(list,
			    cmd_outbox_row(&sending[j++]));
	}
	store_outbox_free(rows, n);
	store_outbox_free(sending, ns);

	*result = json_object();
	json_object_set_new(*result, "messages", list);
	return (0);
}

static int
cmd_outbox_retry_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	long long	id;

	if (daemon_g == NULL || daemon_g->store == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	if (util_parse_int(args->argv[0], 1, INT64_MAX, &id) == -1)
		return (err_set(err, ERR_INVALID, "not a message id: %s",
		    args->argv[0]));
	if (outbox_retry(daemon_g->store, (int64_t)id, err) == -1)
		return (-1);
	*result = json_pack("{s:I, s:s}", "id", (json_int_t)id,
	    "state", "queued");
	return (0);
}
