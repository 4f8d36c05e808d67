/*
 * digest send [kind=team|psychologist|manager] [to=MEMBER]: queue this
 * week's digests now.  They are the week's digests (same Message-IDs as
 * the weekly timer's), so a recipient who already has this week's is
 * counted as already sent and not mailed twice.  Admins send anyone's; a
 * manager only those of their own team(s).  No SQL and no sockets.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acl.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "digest.h"
#include "people.h"
#include "xmalloc.h"

static int	cmd_digest_send_exec(struct cmd_ctx *, struct cmd_args *,
		    json_t **, struct err *);

const struct cmd_entry cmd_digest_send_entry = {
	.name = "digest send",
	.usage = "[kind=team|psychologist|manager] [to=MEMBER]",
	.args = { 0, 0 },
	.keys = (const char *[]){ "kind", "to", NULL },
	.required = NULL,
	.acl = ACL_MANAGER,
	.scope = SCOPE_MEMBER,
	.target = "to",
	.access = ACL_OWN,
	.flags = CMD_WRITE,
	.exec = cmd_digest_send_exec,
};

static int
cmd_digest_send_exec(struct cmd_ctx *ctx, struct cmd_args *args,
    json_t **result, struct err *err)
{
	struct digest_filter	 f;
	struct digest_counts	 c;
	struct team		*teams = NULL;
	const char		**slugs = NULL;
	const char		*kind, *to;
	char			 week[16];
	size_t			 nteams = 0, i;
	int			 rc = -1;

	memset(&f, 0, sizeof(f));
	f.kind = -1;
	kind = cmd_args_get(args, "kind");
	to = cmd_args_get(args, "to");
	if (kind != NULL && (f.kind = digest_kind_parse(kind)) == -1)
		return (err_set(err, ERR_INVALID, "kind: want team, "
		    "psychologist or manager, not %.40s", kind));
	if (to != NULL && strcmp(to, "me") == 0 &&
	    (to = acl_resolve_me(ctx->peer, "me")) == NULL)
		return (err_set(err, ERR_INVALID, "to: you are not a member "
		    "(me)"));
	f.to = to;
	if (ctx->peer->level < ACL_ADMIN) {
		/* A manager: their own team(s) only (to= is the table's). */
		if (people_teams_managed(daemon_g->store, ctx->peer->member,
		    &teams, &nteams, err) == -1)
			return (-1);
		slugs = xcalloc(nteams + 1, sizeof(*slugs));
		for (i = 0; i < nteams; i++)
			slugs[i] = teams[i].slug;
		f.teams = slugs;
		f.nteams = nteams;
	}
	if (digest_send(daemon_g->store, daemon_g->conf, clock_now(), &f, &c,
	    err) == -1)
		goto out;
	digest_week(clock_now(), week);
	*result = json_pack("{s:s, s:i, s:i, s:i}", "week", week, "queued",
	    c.queued, "already_sent", c.already, "refused", c.refused);
	rc = 0;
out:
	free(slugs);
	free(teams);
	return (rc);
}
