/*
 * feed token|revoke MEMBER|me: a member's calendar feed URL (SPEC 9).
 * Members mint and revoke their own, a manager their team's, admins
 * anyone's; "me" names the caller.  A new token replaces the old one,
 * whose URL then answers 404.  The URL is in this reply and nowhere else:
 * the store keeps the token's hash, and neither the audit (the request
 * line) nor the log sees it.  No SQL and no sockets: feed.c makes and
 * stores tokens, acl.c answers the scope question.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "feed.h"
#include "people.h"
#include "xmalloc.h"

static int	 cmd_feed_token_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static int	 cmd_feed_revoke_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);
static const char *cmd_feed_member(const struct acl_peer *, const char *,
		    struct member *, struct err *);

const struct cmd_entry cmd_feed_token_entry = {
	.name = "feed token",
	.usage = "MEMBER|me",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_MEMBER,
	.access = ACL_OWN,
	.flags = CMD_WRITE,
	.exec = cmd_feed_token_exec,
};

const struct cmd_entry cmd_feed_revoke_entry = {
	.name = "feed revoke",
	.usage = "MEMBER|me",
	.args = { 1, 1 },
	.keys = NULL,
	.required = NULL,
	.acl = ACL_MEMBER,
	.scope = SCOPE_MEMBER,
	.access = ACL_OWN,
	.flags = CMD_WRITE,
	.exec = cmd_feed_revoke_exec,
};

/* The member a request names ("me" resolved), if the caller may act. */
static const char *
cmd_feed_member(const struct acl_peer *peer, const char *slug,
    struct member *m, struct err *err)
{
	const char	*who;

	if (daemon_g == NULL || daemon_g->store == NULL) {
		err_set(err, ERR_INTERNAL, "no store");
		return (NULL);
	}
	if ((who = acl_resolve_me(peer, slug)) == NULL) {
		err_set(err, ERR_NOT_FOUND, "me: no member has the login %s; "
		    "name the member", peer->user);
		return (NULL);
	}
	if (people_member_get(daemon_g->store, who, m, err) == -1)
		return (NULL);
	return (m->slug);
}

static int
cmd_feed_token_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	const struct config	*conf = daemon_g->conf;
	struct member		 m;
	const char		*who;
	char			 today[DATE_LEN], *url, *webcal = NULL;
	json_t			*warnings;

	if ((who = cmd_feed_member(ctx->peer, args->argv[0], &m,
	    err)) == NULL)
		return (-1);
	people_today(today);
	if (m.end[0] != '\0' && strcmp(m.end, today) < 0)
		return (err_set(err, ERR_INVALID, "%s left on %s and has no "
		    "feed", who, m.end));
	if ((url = feed_token_issue(daemon_g->store, conf, who, clock_now(),
	    err)) == NULL)
		return (-1);
	/* webcal:// is the same URL for clients that subscribe on a click. */
	if (strncmp(url, "https://", 8) == 0)
		xasprintf(&webcal, "webcal://%s", url + 8);
	else if (strncmp(url, "http://", 7) == 0)
		xasprintf(&webcal, "webcal://%s", url + 7);
	*result = json_object();
	json_object_set_new(*result, "member", json_string(who));
	json_object_set_new(*result, "url", cmd_json_string(url));
	if (webcal != NULL)
		json_object_set_new(*result, "webcal", cmd_json_string(webcal));
	warnings = json_array();
	if (conf->feed_listen[0] == '\0')
		json_array_append_new(warnings, json_string("[feed] listen is "
		    "empty: nothing serves this URL until it is set"));
	if (json_array_size(warnings) > 0)
		json_object_set_new(*result, "warnings", warnings);
	else
		json_decref(warnings);
	explicit_bzero(url, strlen(url));
	free(url);
	if (webcal != NULL) {
		explicit_bzero(webcal, strlen(webcal));
		free(webcal);
	}
	return (0);
}

static int
cmd_feed_revoke_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct member	 m;
	const char	*who;
	int		 revoked;

	if ((who = cmd_feed_member(ctx->peer, args->argv[0], &m,
	    err)) == NULL)
		return (-1);
	if (feed_token_revoke(daemon_g->store, who, &revoked, err) == -1)
		return (-1);
	*result = json_object();
	json_object_set_new(*result, "member", json_string(who));
	json_object_set_new(*result, "revoked", json_boolean(revoked));
	return (0);
}
