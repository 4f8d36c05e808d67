/*
 * The command table and everything every command shares: finding the entry
 * with the longest matching name, checking positionals, keys, the caller's
 * level and the scope of the object the entry names (one acl_check, so the
 * rules are the same for every command and handlers hold none) before any
 * handler runs (and before a byte of a body is read, so that a
 * caller cannot make the daemon hold a body it would refuse), wrapping
 * writes in one transaction with their audit row, and building the
 * one-line JSON reply.  It holds no SQL and no socket code, and it must
 * never let a request make the daemon exit: every failure becomes an error
 * reply.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "log.h"
#include "outbox.h"
#include "planner.h"
#include "store.h"
#include "util.h"
#include "words.h"
#include "xmalloc.h"

extern const struct cmd_entry cmd_absence_add_entry;
extern const struct cmd_entry cmd_absence_list_entry;
extern const struct cmd_entry cmd_absence_remove_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_case_add_entry;
extern const struct cmd_entry cmd_case_close_entry;
extern const struct cmd_entry cmd_case_flag_entry;
extern const struct cmd_entry cmd_case_list_entry;
extern const struct cmd_entry cmd_case_set_entry;
extern const struct cmd_entry cmd_case_show_entry;
extern const struct cmd_entry cmd_case_unflag_entry;
extern const struct cmd_entry cmd_caseload_entry;
extern const struct cmd_entry cmd_debug_advance_entry;
extern const struct cmd_entry cmd_digest_send_entry;
extern const struct cmd_entry cmd_feed_revoke_entry;
extern const struct cmd_entry cmd_feed_token_entry;
extern const struct cmd_entry cmd_gaps_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_plan_entry;
extern const struct cmd_entry cmd_present_entry;
extern const struct cmd_entry cmd_request_entry;
extern const struct cmd_entry cmd_request_list_entry;
extern const struct cmd_entry cmd_request_withdraw_entry;
extern const struct cmd_entry cmd_rotation_entry;
extern const struct cmd_entry cmd_rotation_explain_entry;
extern const struct cmd_entry cmd_schedule_entry;
extern const struct cmd_entry cmd_series_add_entry;
extern const struct cmd_entry cmd_series_list_entry;
extern const struct cmd_entry cmd_series_remove_entry;
extern const struct cmd_entry cmd_series_set_entry;
extern const struct cmd_entry cmd_series_show_entry;
extern const struct cmd_entry cmd_session_attend_entry;
extern const struct cmd_entry cmd_session_cancel_entry;
extern const struct cmd_entry cmd_session_move_entry;
extern const struct cmd_entry cmd_session_show_entry;
extern const struct cmd_entry cmd_debug_mail_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_member_add_entry;
extern const struct cmd_entry cmd_member_leave_entry;
extern const struct cmd_entry cmd_member_list_entry;
extern const struct cmd_entry cmd_member_set_entry;
extern const struct cmd_entry cmd_member_show_entry;
extern const struct cmd_entry cmd_outbox_entry;
extern const struct cmd_entry cmd_inbox_entry;
extern const struct cmd_entry cmd_outbox_retry_entry;
extern const struct cmd_entry cmd_reload_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_team_add_entry;
extern const struct cmd_entry cmd_team_list_entry;
extern const struct cmd_entry cmd_team_remove_entry;
extern const struct cmd_entry cmd_team_set_entry;
extern const struct cmd_entry cmd_team_show_entry;

const struct cmd_entry *cmd_table[] = {
	&cmd_status_entry,
	&cmd_help_entry,
	&cmd_reload_entry,
	&cmd_audit_entry,
	&cmd_outbox_entry,
	&cmd_inbox_entry,
	&cmd_outbox_retry_entry,
	&cmd_digest_send_entry,
	&cmd_debug_advance_entry,
	&cmd_debug_mail_entry,
	&cmd_case_add_entry,
	&cmd_case_set_entry,
	&cmd_case_close_entry,
	&cmd_case_flag_entry,
	&cmd_case_unflag_entry,
	&cmd_case_list_entry,
	&cmd_case_show_entry,
	&cmd_caseload_entry,
	&cmd_team_add_entry,
	&cmd_team_set_entry,
	&cmd_team_list_entry,
	&cmd_team_show_entry,
	&cmd_team_remove_entry,
	&cmd_member_add_entry,
	&cmd_member_set_entry,
	&cmd_member_list_entry,
	&cmd_member_show_entry,
	&cmd_member_leave_entry,
	&cmd_absence_add_entry,
	&cmd_absence_list_entry,
	&cmd_absence_remove_entry,
	&cmd_import_entry,
	&cmd_series_add_entry,
	&cmd_series_set_entry,
	&cmd_series_list_entry,
	&cmd_series_show_entry,
	&cmd_series_remove_entry,
	&cmd_session_show_entry,
	&cmd_session_cancel_entry,
	&cmd_session_move_entry,
	&cmd_session_attend_entry,
	&cmd_schedule_entry,
	&cmd_gaps_entry,
	&cmd_plan_entry,
	&cmd_rotation_entry,
	&cmd_rotation_explain_entry,
	&cmd_present_entry,
	&cmd_request_entry,
	&cmd_request_list_entry,
	&cmd_request_withdraw_entry,
	&cmd_feed_token_entry,
	&cmd_feed_revoke_entry,
	NULL
};

static int	 cmd_name_matches(const char *, int, char *const *, int *);
static int	 cmd_is_key(const char *);
static int	 cmd_key_allowed(const char **, const char *);
static int	 cmd_parse_args(const struct cmd_entry *, int, char *const *,
		    struct cmd_args *, struct err *);
static void	 cmd_args_clear(struct cmd_args *);
static const struct cmd_entry *cmd_check(struct acl_peer *, int,
		    char *const *, struct cmd_args *, int *, size_t *,
		    struct err *);
static int	 cmd_run(const struct cmd_entry *, struct cmd_ctx *,
		    struct cmd_args *, json_t **, struct err *);
static int	 cmd_replan(struct cmd_ctx *, struct err *);
static int	 cmd_unknown(int, char *const *, struct err *);
static size_t	 cmd_subcommands(const char *, char *, size_t);
static int	 cmd_scope(const struct cmd_entry *, const struct acl_peer *,
		    const struct cmd_args *, struct err *);
static json_t	*cmd_reply_ok(json_t *);
static json_t	*cmd_reply_error(const struct err *);
static json_t	*cmd_reply_error_result(const struct err *, json_t *);

const char *
cmd_args_get(const struct cmd_args *args, const char *key)
{
	size_t	i;

	for (i = 0; i < args->nkeys; i++) {
		if (strcmp(args->keys[i], key) == 0)
			return (args->values[i]);
	}
	return (NULL);
}

/*
 * Does name (one or more words separated by single spaces) equal the first
 * words of argv?  On a match *n is the number of words it took.
 */
static int
cmd_name_matches(const char *name, int argc, char *const *argv, int *n)
{
	const char	*p = name, *sp;
	size_t		 len;
	int		 i = 0;

	for (;;) {
		if (i >= argc)
			return (0);
		sp = strchr(p, ' ');
		len = sp == NULL ? strlen(p) : (size_t)(sp - p);
		if (strlen(argv[i]) != len || strncmp(argv[i], p, len) != 0)
			return (0);
		i++;
		if (sp == NULL)
			break;
		p = sp + 1;
	}
	*n = i;
	return (1);
}

const struct cmd_entry *
cmd_find(int argc, char *const *argv, int *consumed)
{
	const struct cmd_entry	*best = NULL;
	int			 i, n, bestn = 0;

	for (i = 0; cmd_table[i] != NULL; i++) {
		if (cmd_name_matches(cmd_table[i]->name, argc, argv, &n) &&
		    n > bestn) {
			best = cmd_table[i];
			bestn = n;
		}
	}
	if (consumed != NULL)
		*consumed = bestn;
	return (best);
}

int
cmd_body_size(int argc, char *const *argv, size_t *n, struct err *err)
{
	const char	*v, *p;
	long long	 ll;

	if (argc < 1 || strncmp(argv[argc - 1], "bytes=", 6) != 0)
		return (0);
	v = argv[argc - 1] + 6;
	if (*v == '\0')
		return (err_set(err, ERR_USAGE, "bad bytes: empty"));
	for (p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (err_set(err, ERR_USAGE, "bad bytes: %s", v));
	}
	if (strlen(v) > 12 || util_parse_int(v, 0, CMD_BODY_MAX, &ll) == -1)
		return (err_set(err, ERR_USAGE,
		    "body too large: at most %d bytes", CMD_BODY_MAX));
	*n = (size_t)ll;
	return (1);
}

/* key=value: a non-empty [a-z_.]+ before the first '='. */
static int
cmd_is_key(const char *w)
{
	const char	*p;

	for (p = w; *p != '\0' && *p != '='; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' || *p == '.'))
			return (0);
	}
	return (*p == '=' && p != w);
}

static int
cmd_key_allowed(const char **keys, const char *key)
{
	size_t	i;

	if (keys == NULL)
		return (0);
	for (i = 0; keys[i] != NULL; i++) {
		if (strcmp(keys[i], key) == 0)
			return (1);
	}
	return (0);
}

/* Split the words after the name into positionals and keys, and check them. */
static int
cmd_parse_args(const struct cmd_entry *ce, int argc, char *const *argv,
    struct cmd_args *args, struct err *err)
{
	const char	*eq;
	size_t		 i;
	int		 w;

	args->argv = xcalloc((size_t)argc + 1, sizeof(*args->argv));
	args->keys = xcalloc((size_t)argc + 1, sizeof(*args->keys));
	args->values = xcalloc((size_t)argc + 1, sizeof(*args->values));
	for (w = 0; w < argc; w++) {
		if (!cmd_is_key(argv[w])) {
			args->argv[args->argc++] = xstrdup(argv[w]);
			continue;
		}
		eq = strchr(argv[w], '=');
		args->keys[args->nkeys] = xstrndup(argv[w],
		    (size_t)(eq - argv[w]));
		args->values[args->nkeys] = xstrdup(eq + 1);
		args->nkeys++;
	}

	if (args->argc < ce->args.lower ||
	    (ce->args.upper >= 0 && args->argc > ce->args.upper))
		return (err_set(err, ERR_USAGE, "usage: %s%s%s", ce->name,
		    ce->usage[0] != '\0' ? " " : "", ce->usage));
	for (i = 0; i < args->nkeys; i++) {
		if (!cmd_key_allowed(ce->keys, args->keys[i]))
			return (err_set(err, ERR_USAGE,
			    "unknown key: %s (usage: %s%s%s)", args->keys[i],
			    ce->name, ce->usage[0] != '\0' ? " " : "",
			    ce->usage));
		if (cmd_args_get(args, args->keys[i]) != args->values[i])
			return (err_set(err, ERR_USAGE, "duplicate key: %s",
			    args->keys[i]));
	}
	for (i = 0; ce->required != NULL && ce->required[i] != NULL; i++) {
		if (cmd_args_get(args, ce->required[i]) == NULL)
			return (err_set(err, ERR_USAGE,
			    "missing key: %s= (usage: %s%s%s)", ce->required[i],
			    ce->name, ce->usage[0] != '\0' ? " " : "",
			    ce->usage));
	}
	return (0);
}

static void
cmd_args_clear(struct cmd_args *args)
{
	int	i;
	size_t	k;

	for (i = 0; i < args->argc; i++)
		free(args->argv[i]);
	for (k = 0; k < args->nkeys; k++) {
		free(args->keys[k]);
		free(args->values[k]);
	}
	free(args->argv);
	free(args->keys);
	free(args->values);
	memset(args, 0, sizeof(*args));
}

/*
 * CMD_REPLAN: the planner runs here, inside the change's transaction, so a
 * change and the mail it causes commit together.  It replans what the
 * handler said the change touches (cmd_scope), or every team when the
 * handler said nothing.
 */
static int
cmd_replan(struct cmd_ctx *ctx, struct err *err)
{
	const struct planner_scope	*sc = &ctx->scope;

	if (!sc->all && sc->nteams == 0 && sc->ndirty == 0)
		sc = NULL;
	return (planner_replan(sc, NULL, err));
}

int
cmd_replan_now(struct cmd_ctx *ctx, struct err *err)
{
	if (ctx->replanned)
		return (0);
	if (cmd_replan(ctx, err) == -1)
		return (-1);
	ctx->replanned = 1;
	return (0);
}

struct planner_scope *
cmd_replan_scope(struct cmd_ctx *ctx)
{
	return (&ctx->scope);
}

/* Run the handler; writes get a transaction, an audit row and a kick. */
static int
cmd_run(const struct cmd_entry *ce, struct cmd_ctx *ctx,
    struct cmd_args *args, json_t **result, struct err *err)
{
	struct store	*store;
	double		 t0;

	if (!(ce->flags & CMD_WRITE))
		return (ce->exec(ctx, args, result, err));

	if (daemon_g == NULL || (store = daemon_g->store) == NULL)
		return (err_set(err, ERR_INTERNAL, "no store"));
	if (store_begin(store, err) == -1)
		goto fail;
	if (ce->exec(ctx, args, result, err) == -1)
		goto refused;
	if ((ce->flags & CMD_REPLAN) && !ctx->replanned &&
	    cmd_replan(ctx, err) == -1)
		goto fail;
	if (audit_add(store, ctx->peer->user, ctx->line, err) == -1)
		goto fail;
	t0 = util_ms();
	if (store_commit(store, err) == -1) {
		/* store_commit has rolled back; the change did not happen. */
		if (err->code != ERR_INTERNAL)
			err->code = ERR_INTERNAL;
		json_decref(*result);
		*result = NULL;
		return (-1);
	}
	log_debug("cmd: %s: committed in %.1f ms", ce->name, util_ms() - t0);
	outbox_kick();
	planner_rearm();
	return (0);

fail:
	json_decref(*result);
	*result = NULL;
refused:
	/* A result the handler set with -1 explains it (an import's errors). */
	if (store_in_transaction(store))
		store_rollback(store);
	return (-1);
}

/*
 * The command table's checks, in the order a user meets them: bytes=, the
 * name, a body for a command that takes one and none for one that does
 * not, positionals and keys, the caller's level (refreshed from the store)
 * and --fake-now.  They need only the request line, so a body is checked
 * before a byte of it is read.  Returns the entry with args filled (the
 * caller clears them), *hasbody and *n, or NULL with err.
 */
static const struct cmd_entry *
cmd_check(struct acl_peer *caller, int argc, char *const *argv,
    struct cmd_args *args, int *hasbody, size_t *n, struct err *err)
{
	const struct cmd_entry	*ce;
	char			 list[512];
	int			 consumed;

	if ((*hasbody = cmd_body_size(argc, argv, n, err)) == -1)
		return (NULL);
	if (*hasbody)
		argc--;
	if (argc <= 0) {
		err_set(err, ERR_USAGE, "empty request");
		return (NULL);
	}
	if ((ce = cmd_find(argc, argv, &consumed)) == NULL) {
		cmd_unknown(argc, argv, err);
		return (NULL);
	}
	/*
	 * Member levels come from the store, fresh for every request; a
	 * command open to anyone (status) needs none, and stays cheap.
	 */
	if (ce->acl > ACL_ANYONE || (ce->flags & CMD_CALLER))
		acl_refresh(caller, daemon_g != NULL ? daemon_g->store : NULL);
	if (*hasbody && !(ce->flags & CMD_BODY)) {
		err_set(err, ERR_USAGE, "%s takes no body (bytes=)", ce->name);
		return (NULL);
	}
	if (!*hasbody && (ce->flags & CMD_BODY)) {
		err_set(err, ERR_USAGE, "%s needs a body: bytes=N", ce->name);
		return (NULL);
	}
	if (cmd_parse_args(ce, argc - consumed, argv + consumed, args,
	    err) == -1) {
		/* "rotation frobnicate": name rotation's subcommands too. */
		if (err->code == ERR_USAGE && consumed == 1 && argc > 1 &&
		    !cmd_is_key(argv[1]) && strncmp(err->msg, "usage: ", 7) ==
		    0 && cmd_subcommands(argv[0], list, sizeof(list)) > 0)
			err_set(err, ERR_USAGE, "unknown command: %.64s %.64s "
			    "(%s has: %s; usage: %s%s%s)", argv[0], argv[1],
			    argv[0], list, ce->name, ce->usage[0] != '\0' ?
			    " " : "", ce->usage);
		return (NULL);
	}
	if (caller->level < ce->acl) {
		acl_refuse_level(caller, ce->name, ce->acl, err);
		return (NULL);
	}
	if (cmd_scope(ce, caller, args, err) == -1)
		return (NULL);
	if ((ce->flags & CMD_DEBUG) && !clock_is_fake()) {
		err_set(err, ERR_INVALID, "debug commands need --fake-now");
		return (NULL);
	}
	return (ce);
}

/*
 * No entry matched: name the subcommands of a known first word, or point
 * at help.
 */
/* "add, set, list" for the two-word commands under word; its length. */
static size_t
cmd_subcommands(const char *word, char *list, size_t size)
{
	const char	*name, *sp;
	size_t		 len, off = 0;
	int		 i, n;

	len = strlen(word);
	list[0] = '\0';
	for (i = 0; cmd_table[i] != NULL; i++) {
		name = cmd_table[i]->name;
		if ((sp = strchr(name, ' ')) == NULL ||
		    (size_t)(sp - name) != len || strncmp(name, word, len) != 0)
			continue;
		n = snprintf(list + off, size - off, "%s%s",
		    off > 0 ? ", " : "", sp + 1);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
	return (off);
}

static int
cmd_unknown(int argc, char *const *argv, struct err *err)
{
	char		 list[512];
	size_t		 off;

	off = cmd_subcommands(argv[0], list, sizeof(list));
	if (off == 0)
		return (err_set(err, ERR_USAGE, "unknown command: %.64s; help "
		    "lists the commands you may run", argv[0]));
	if (argc > 1)
		return (err_set(err, ERR_USAGE, "unknown command: %.64s %.64s "
		    "(%s has: %s)", argv[0], argv[1], argv[0], list));
	return (err_set(err, ERR_USAGE, "unknown command: %.64s (%s has: %s)",
	    argv[0], argv[0], list));
}

/*
 * The entry's object and the further objects its keys name, each asked
 * of acl_check: the same rules for every command.  An object the request
 * leaves out (an optional key) is the handler's to narrow to what the
 * caller may see.
 */
static int
cmd_scope(const struct cmd_entry *ce, const struct acl_peer *caller,
    const struct cmd_args *args, struct err *err)
{
	struct store		*store;
	const struct cmd_ref	*r;
	const char		*obj;

	if (caller->level >= ACL_ADMIN)
		return (0);
	store = daemon_g != NULL ? daemon_g->store : NULL;
	if (ce->scope != SCOPE_NONE) {
		if (ce->target != NULL)
			obj = cmd_args_get(args, ce->target);
		else
			obj = args->argc > 0 ? args->argv[0] : NULL;
		if (obj != NULL && acl_check(caller, store, ce->scope, obj,
		    ce->access, err) == -1)
			return (-1);
	}
	for (r = ce->refs; r != NULL && r->scope != SCOPE_NONE; r++) {
		if ((obj = cmd_args_get(args, r->key)) != NULL &&
		    acl_check(caller, store, r->scope, obj, r->access,
		    err) == -1)
			return (-1);
	}
	return (0);
}

int
cmd_allowed(const struct acl_peer *peer, const struct cmd_entry *ce)
{
	if (peer->level < ce->acl)
		return (0);
	if ((ce->flags & CMD_DEBUG) && !clock_is_fake())
		return (0);
	return (1);
}

int
cmd_body_check(const struct acl_peer *peer, int argc, char *const *argv,
    size_t *n, struct err *err)
{
	struct acl_peer	 caller;
	struct cmd_args	 args;
	int		 rc, hasbody;

	if ((rc = cmd_body_size(argc, argv, n, err)) != 1)
		return (rc);
	caller = *peer;
	memset(&args, 0, sizeof(args));
	if (cmd_check(&caller, argc, argv, &args, &hasbody, n, err) == NULL)
		rc = -1;
	cmd_args_clear(&args);
	return (rc);
}

/* A reply that comes later (cmd_execute_later). */
struct cmd_later {
	cmd_done_fn	 done;
	void		*arg;
	int		 dropped;
};

struct cmd_later *
cmd_later(struct cmd_ctx *ctx)
{
	if (ctx->done == NULL)
		return (NULL);
	if (ctx->later == NULL) {
		ctx->later = xcalloc(1, sizeof(*ctx->later));
		ctx->later->done = ctx->done;
		ctx->later->arg = ctx->done_arg;
	}
	return (ctx->later);
}

void
cmd_later_reply(struct cmd_later *l, json_t *result)
{
	json_t		*reply;
	struct err	 err;

	if (!l->dropped) {
		if ((reply = cmd_reply_ok(result)) == NULL) {
			err_set(&err, ERR_INTERNAL, "cannot build the reply");
			reply = cmd_reply_error(&err);
		}
		l->done(l->arg, reply);
		json_decref(reply);
	} else
		json_decref(result);
	free(l);
}

void
cmd_later_error(struct cmd_later *l, const struct err *err)
{
	json_t	*reply;

	if (!l->dropped) {
		reply = cmd_reply_error(err);
		l->done(l->arg, reply);
		json_decref(reply);
	}
	free(l);
}

void
cmd_later_drop(struct cmd_later *l)
{
	if (l != NULL)
		l->dropped = 1;
}

json_t *
cmd_execute(const struct acl_peer *peer, int argc, char *const *argv,
    const char *body, size_t bodylen)
{
	return (cmd_execute_later(peer, argc, argv, body, bodylen, NULL, NULL,
	    NULL));
}

json_t *
cmd_execute_later(const struct acl_peer *peer, int argc, char *const *argv,
    const char *body, size_t bodylen, cmd_done_fn done, void *arg,
    struct cmd_later **later)
{
	const struct cmd_entry	*ce;
	struct acl_peer		 caller;
	struct cmd_ctx		 ctx;
	struct cmd_args		 args;
	struct err		 err;
	json_t			*result = NULL, *reply;
	char			*line;
	size_t			 n;
	int			 hasbody;

	memset(&args, 0, sizeof(args));
	memset(&ctx, 0, sizeof(ctx));
	planner_scope_init(&ctx.scope);
	err_clear(&err);
	ctx.done = done;
	ctx.done_arg = arg;
	if (later != NULL)
		*later = NULL;

	caller = *peer;
	peer = &caller;

	if ((ce = cmd_check(&caller, argc, argv, &args, &hasbody, &n,
	    &err)) == NULL)
		goto out;
	if (hasbody) {
		argc--;
		args.body = body != NULL ? body : "";
		args.bodylen = body != NULL ? bodylen : 0;
	}

	/* The line never carries the body: bodies must not reach the audit. */
	ctx.peer = peer;
	line = words_join(argc, argv);
	ctx.line = line;
	log_debug("control: %s: %s", peer->user, ctx.line);
	if (cmd_run(ce, &ctx, &args, &result, &err) == -1) {
		if (err.code == ERR_NONE)
			err_set(&err, ERR_INTERNAL, "%s failed", ce->name);
	}
	free(line);

out:
	planner_scope_free(&ctx.scope);
	cmd_args_clear(&args);
	if (ctx.later != NULL) {
		if (err.code == ERR_NONE && result == NULL && later != NULL) {
			/* The handler answers through done, later. */
			*later = ctx.later;
			return (NULL);
		}
		/* Refused after all (the commit failed): answered now. */
		cmd_later_drop(ctx.later);
	}
	if (err.code != ERR_NONE)
		return (cmd_reply_error_result(&err, result));
	if (result == NULL)
		result = json_object();
	if ((reply = cmd_reply_ok(result)) == NULL) {
		err_set(&err, ERR_INTERNAL, "cannot build the reply");
		return (cmd_reply_error(&err));
	}
	return (reply);
}

static json_t *
cmd_reply_ok(json_t *result)
{
	json_t	*reply;

	if (result == NULL || (reply = json_object()) == NULL) {
		json_decref(result);
		return (NULL);
	}
	json_object_set_new(reply, "ok", json_true());
	json_object_set_new(reply, "result", result);
	return (reply);
}

/* Never NULL (unless out of memory in jansson itself). */
static json_t *
cmd_reply_error(const struct err *err)
{
	json_t	*reply;

	if ((reply = json_object()) == NULL)
		return (NULL);
	json_object_set_new(reply, "ok", json_false());
	json_object_set_new(reply, "error",
	    json_string(err_code_name(err->code)));
	json_object_set_new(reply, "message", cmd_json_string(err->msg));
	return (reply);
}

/* An error reply carrying the handler's result, if any (consumed). */
static json_t *
cmd_reply_error_result(const struct err *err, json_t *result)
{
	json_t	*reply;

	if ((reply = cmd_reply_error(err)) != NULL && result != NULL &&
	    err->code != ERR_INTERNAL)
		json_object_set(reply, "result", result);
	json_decref(result);
	return (reply);
}

/*
 * A JSON string from text that may not be valid UTF-8 (an SMTP peer's
 * error, a message cut at ERR_MSG_MAX): non-ASCII becomes '?' then, so the
 * field is never silently lost.  NULL gives JSON null.
 */
json_t *
cmd_json_string(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if (s == NULL)
		return (json_null());
	if ((j = json_string(s)) != NULL)
		return (j);
	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	j = json_string(copy);
	free(copy);
	return (j != NULL ? j : json_null());
}
