/*
 * The command table.  cmd.c finds the entry with the longest matching name,
 * checks positional count, unknown, missing and duplicate keys, the
 * caller's level and the scope of the object the entry names (acl_check)
 * before any handler runs (and, for a body, before a byte of it is read),
 * wraps writes in a transaction with their audit row, and builds the
 * one-line JSON reply.  Handlers (cmd-*.c) only do the work: no SQL, no
 * sockets.
 */
#ifndef REFLECTD_CMD_H
#define REFLECTD_CMD_H

#include <stddef.h>

#include <jansson.h>

#include "acl.h"
#include "err.h"
#include "planner.h"

#define CMD_WRITE	0x1	/* changes state: transaction + audit row */
#define CMD_REPLAN	0x2	/* replan after the change (planner, later) */
#define CMD_BODY	0x4	/* takes a bytes=N body */
#define CMD_DEBUG	0x8	/* only with --fake-now */
#define CMD_CALLER	0x10	/* open to anyone, but wants the caller's level */

struct cmd_args {
	int		 argc;		/* positional words after the name */
	char		**argv;
	size_t		 nkeys;		/* key=value words */
	char		**keys;
	char		**values;
	const char	*body;		/* bytes=N body, or NULL */
	size_t		 bodylen;
};

struct cmd_later;
typedef void (*cmd_done_fn)(void *, json_t *reply);

struct cmd_ctx {
	const struct acl_peer	*peer;
	const char		*line;	/* the request, re-quoted, for audit */
	int			 replanned;	/* cmd_replan_now ran */
	struct planner_scope	 scope;		/* what the change touches */
	cmd_done_fn		 done;		/* cmd_execute_later's */
	void			*done_arg;
	struct cmd_later	*later;		/* cmd_later's */
};

/*
 * A further object a command names by a key (series add team=, case set
 * coworker=): checked like the entry's own object, when the key is given.
 */
struct cmd_ref {
	int		 scope;		/* enum acl_scope; 0 ends the list */
	const char	*key;
	int		 access;	/* enum acl_access */
};

struct cmd_entry {
	const char	*name;		/* one or two words: "outbox retry" */
	const char	*usage;		/* arguments after the name */
	struct {
		int	 lower;
		int	 upper;		/* -1: no limit */
	}		 args;
	const char	**keys;		/* allowed keys, NULL-terminated */
	const char	**required;	/* required keys, NULL-terminated */
	int		 acl;		/* least enum acl_level allowed */
	int		 scope;		/* enum acl_scope: what it acts on */
	const char	*target;	/* key naming it; NULL: first positional */
	int		 access;	/* enum acl_access: see, own or manage */
	const struct cmd_ref *refs;	/* further objects, or NULL */
	int		 flags;
	/* Return 0 and set *result (may stay NULL for {}), or -1 and fill err. */
	int		(*exec)(struct cmd_ctx *, struct cmd_args *, json_t **result,
			    struct err *);
};

extern const struct cmd_entry *cmd_table[];	/* NULL-terminated */

/*
 * For a CMD_REPLAN handler that answers with the sessions it changed:
 * replan now, inside the change's transaction, so the reply shows the
 * state after it; cmd.c then does not replan again.
 */
int		 cmd_replan_now(struct cmd_ctx *, struct err *);
/* Drop the figures status keeps between writes (cmd-status.c). */
void		 cmd_status_forget(void);
/*
 * Where a CMD_REPLAN handler names what its change touches
 * (planner_scope_*), before the replan; naming nothing replans every team.
 */
struct planner_scope	*cmd_replan_scope(struct cmd_ctx *);

/*
 * help: the entries the peer may run (level and, for a given object,
 * nothing more is known), in table order.  1 or 0.
 */
int		 cmd_allowed(const struct acl_peer *, const struct cmd_entry *);

/* Value of key, or NULL. */
const char	*cmd_args_get(const struct cmd_args *, const char *key);

/*
 * Find the entry for words (no execution).  *consumed is the number of words
 * that form its name.  NULL if none matches.
 */
const struct cmd_entry *cmd_find(int argc, char *const *argv, int *consumed);

/*
 * Run one request and return its reply object: {"ok":true,"result":...} or
 * {"ok":false,"error":CODE,"message":...}.  Never NULL.
 */
json_t		*cmd_execute(const struct acl_peer *, int argc, char *const *argv,
		    const char *body, size_t bodylen);
/*
 * The same for a caller that can wait: a handler that cannot answer yet
 * (plan, going team by team) takes a handle with cmd_later() and returns
 * 0 with no result; then NULL is returned, *later is set, and done(arg,
 * reply) is called once, later, with the reply (not the caller's to
 * keep).  A caller that no longer wants it (its client went) calls
 * cmd_later_drop(*later) instead; done is then never called.
 */
json_t		*cmd_execute_later(const struct acl_peer *, int argc,
		    char *const *argv, const char *body, size_t bodylen,
		    cmd_done_fn done, void *arg, struct cmd_later **later);
/* For a handler: the request's handle, or NULL if its caller cannot wait. */
struct cmd_later	*cmd_later(struct cmd_ctx *);
/* The handler's answer at last: a result (taken) or an error. */
void		 cmd_later_reply(struct cmd_later *, json_t *result);
void		 cmd_later_error(struct cmd_later *, const struct err *);
void		 cmd_later_drop(struct cmd_later *);

/*
 * If the request's last word is bytes=N, return N (0 <= N <= CMD_BODY_MAX)
 * in *n and 1; 0 if there is no such word; -1 with err if N is bad or too big.
 */
#define CMD_BODY_MAX	(64 * 1024 * 1024)
int		 cmd_body_size(int argc, char *const *argv, size_t *n, struct err *);

/*
 * For a request line that ends in bytes=N, before a byte of the body is
 * read: the command table's checks (the command takes a body, its words,
 * the caller's level) as cmd_execute() would make them.  0 if the line has
 * no bytes= word (cmd_execute() checks it); 1 with N in *n if the body may
 * be read; -1 with err if not, and then the body must not be read at all.
 */
int		 cmd_body_check(const struct acl_peer *, int argc,
		    char *const *argv, size_t *n, struct err *);

/*
 * A JSON string for text that may not be valid UTF-8 (peer errors, user
 * text): bad bytes become '?'.  NULL gives JSON null.  Never NULL.
 */
json_t		*cmd_json_string(const char *);

#endif
