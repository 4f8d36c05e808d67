/*
 * debug advance DURATION and debug mail to= [count=]: test hooks, refused
 * by cmd.c unless the daemon runs with --fake-now.  advance jumps the clock
 * and lets clock.c fire what falls due (each timer opens its own
 * transaction, so advance itself is not a write); mail queues test messages
 * inside the command's transaction, each with a Message-ID of its own
 * (keyed by a random number drawn once per daemon, so a restart with the
 * same --fake-now makes new ones), and says how many it really queued.
 * No SQL and no sockets.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "acl.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "message.h"
#include "outbox.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define CMD_DEBUG_MAIL_MAX	10000
#define CMD_DEBUG_ADDR_MAX	254

static int	cmd_debug_advance_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	cmd_debug_mail_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	cmd_debug_address_ok(const char *);

/*
 * Distinguish test messages queued in the same second, and those of this
 * daemon from an earlier one's at the same fake time.
 */
static unsigned long	cmd_debug_mail_seq;
static uint64_t		cmd_debug_mail_run;

const struct cmd_entry cmd_debug_advance_entry = {
	.name = "debug advance",
	.usage = "DURATION",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_ADMIN,
	.flags = CMD_DEBUG,
	.exec = cmd_debug_advance_exec,
};

const struct cmd_entry cmd_debug_mail_entry = {
	.name = "debug mail",
	.usage = "to=ADDRESS [count=N]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "to", "count", NULL },
	.required = (const char *[]){ "to", NULL },
	.acl = ACL_ADMIN,
	.flags = CMD_DEBUG | CMD_WRITE,
	.exec = cmd_debug_mail_exec,
};

static int
cmd_debug_advance_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	char	 buf[UTIL_TIMEBUF];
	int64_t	 secs;

	if (util_parse_duration(args->argv[0], &secs) == -1 || secs <= 0)
		return (err_set(err, ERR_INVALID,
		    "not a positive duration (s, m, h, d): %s", args->argv[0]));
	if (clock_advance(secs, err) == -1)
		return (-1);
	*result = json_pack("{s:s}", "now", util_format_time(clock_now(), buf));
	return (0);
}

/* A bare address: one '@', something either side, nothing a header fears. */
static int
cmd_debug_address_ok(const char *a)
{
	const char	*at, *p;

	if (strlen(a) > CMD_DEBUG_ADDR_MAX || (at = strchr(a, '@')) == NULL ||
	    at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return (0);
	for (p = a; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[],;:\\\"", *p) != NULL)
			return (0);
	}
	return (1);
}

static int
cmd_debug_mail_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	const char	*to, *s;
	char		*key = NULL, *subject = NULL, *body = NULL;
	char		*msgid = NULL, *data = NULL;
	long long	 count = 1, k, queued = 0, already = 0;
	unsigned long	 seq;
	size_t		 len;
	int64_t		 id;
	time_t		 now;
	json_t		*ids;
	int		 has;

	if (daemon_g == NULL || daemon_g->store == NULL ||
	    daemon_g->conf == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	to = cmd_args_get(args, "to");
	if (!cmd_debug_address_ok(to))
		return (err_set(err, ERR_INVALID, "to: not an address: %s", to));
	if ((s = cmd_args_get(args, "count")) != NULL &&
	    util_parse_int(s, 1, CMD_DEBUG_MAIL_MAX, &count) == -1)
		return (err_set(err, ERR_INVALID, "count: must be 1 to %d: %s",
		    CMD_DEBUG_MAIL_MAX, s));

	while (cmd_debug_mail_run == 0) {
		if (getentropy(&cmd_debug_mail_run,
		    sizeof(cmd_debug_mail_run)) == -1)
			return (err_set(err, ERR_INTERNAL, "getentropy: %s",
			    strerror(errno)));
	}
	now = clock_now();
	seq = ++cmd_debug_mail_seq;
	ids = json_array();
	for (k = 1; k <= count; k++) {
		xasprintf(&key, "%lld-%016llx-%lu-%lld", (long long)now,
		    (unsigned long long)cmd_debug_mail_run, seq, k);
		xasprintf(&subject, "reflectd test message %lld of %lld", k,
		    count);
		xasprintf(&body, "This is %s, queued with reflectctl debug "
		    "mail.\n", subject);
		msgid = message_id(daemon_g->conf, "test", key, to);
		data = message_plain(daemon_g->conf, "", to, subject, body,
		    msgid, now, &len);
		if (msgid == NULL || data == NULL) {
			err_set(err, ERR_INTERNAL, "cannot build a message");
			goto fail;
		}
		/* Say what was queued, not what was asked for. */
		if ((has = store_outbox_has(daemon_g->store, msgid,
		    err)) == -1)
			goto fail;
		if (has)
			already++;
		else {
			if (outbox_enqueue(daemon_g->store, "test", to, subject,
			    data, len, msgid, &id, err) == -1)
				goto fail;
			json_array_append_new(ids,
			    json_integer((json_int_t)id));
			queued++;
		}
		free(key);
		free(subject);
		free(body);
		free(msgid);
		free(data);
		key = subject = body = msgid = data = NULL;
	}
	*result = json_object();
	json_object_set_new(*result, "queued", json_integer(queued));
	if (already > 0)
		json_object_set_new(*result, "already_queued",
		    json_integer(already));
	json_object_set_new(*result, "ids", ids);
	return (0);

fail:
	free(key);
	free(subject);
	free(body);
	free(msgid);
	free(data);
	json_decref(ids);
	return (-1);
}
