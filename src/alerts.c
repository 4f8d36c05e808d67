/*
 * alerts: the two plain-text manager alerts, "Caseload over limit" and
 * "Uncovered session".  Each is built here (subject, text, a Message-ID
 * keyed by the event, so every crossing is a new message even after a
 * restart) and queued through outbox_enqueue in the caller's
 * transaction; cases.c and planner.c decide when and keep the flags that
 * make it once per crossing.  It never delivers, never reads the clock
 * (the caller passes now) and never names a case: the caseload alert
 * gives the worker and the figures only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "caseload.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "people.h"
#include "series.h"
#include "util.h"
#include "xmalloc.h"

static int	alerts_queue(struct store *, const struct config *,
		    const char *, const char *, const struct member *,
		    const char *, const char *, time_t, struct err *);

/*
 * Build and queue one alert to mgr.  1 queued, 0 refused by the outbox
 * (outside allowed_domains: it logs that), -1 with err set.
 */
static int
alerts_queue(struct store *s, const struct config *conf, const char *kind,
    const char *key, const struct member *mgr, const char *subject,
    const char *body, time_t now, struct err *err)
{
	struct err	 e;
	char		*msgid, *data = NULL;
	size_t		 len;
	int64_t		 id;
	int		 rc = -1;

	msgid = message_id(conf, kind, key, mgr->email);
	if (msgid != NULL)
		data = message_plain(conf, mgr->name, mgr->email, subject,
		    body, msgid, now, &len);
	if (msgid == NULL || data == NULL) {
		err_set(err, ERR_INTERNAL, "cannot build the %s", kind);
		goto out;
	}
	err_clear(&e);
	if (outbox_enqueue(s, kind, mgr->email, subject, data, len, msgid,
	    &id, &e) == -1) {
		if (e.code != ERR_INVALID) {
			*err = e;
			goto out;
		}
		rc = 0;
	} else
		rc = 1;
out:
	free(msgid);
	free(data);
	return (rc);
}

int
alerts_caseload(struct store *s, const struct config *conf, time_t now,
    const struct member *m, const struct caseload *cl, struct err *err)
{
	struct team	 team;
	struct member	 mgr;
	struct err	 e;
	unsigned char	 rnd[8];
	char		*key = NULL, *subject = NULL, *body = NULL;
	char		 wbuf[32], lbuf[32];
	int		 rc;

	err_clear(&e);
	if (people_team_get(s, m->team, &team, &e) == -1) {
		if (e.code != ERR_NOT_FOUND) {
			*err = e;
			return (-1);
		}
		log_warnx("alerts: %s is over the caseload limit and has no "
		    "team to alert", m->slug);
		return (0);
	}
	if (team.manager[0] == '\0') {
		log_warnx("alerts: %s is over the caseload limit but team %s "
		    "has no manager to alert", m->slug, team.slug);
		return (0);
	}
	if (people_member_get(s, team.manager, &mgr, &e) == -1) {
		if (e.code != ERR_NOT_FOUND) {
			*err = e;
			return (-1);
		}
		log_warnx("alerts: %s is over the caseload limit but manager "
		    "%s of team %s does not exist", m->slug, team.manager,
		    team.slug);
		return (0);
	}
	if (mgr.email[0] == '\0') {
		log_warnx("alerts: %s is over the caseload limit but manager "
		    "%s has no email address", m->slug, mgr.slug);
		return (0);
	}

	/* Each crossing is a new message, even after a restart. */
	if (getentropy(rnd, sizeof(rnd)) == -1)
		memset(rnd, 0, sizeof(rnd));
	xasprintf(&key, "caseload-%s-%lld-%02x%02x%02x%02x%02x%02x%02x%02x",
	    m->slug, (long long)now, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
	    rnd[5], rnd[6], rnd[7]);
	message_figure(cl->weighted, wbuf, sizeof(wbuf));
	message_figure(cl->limit, lbuf, sizeof(lbuf));
	xasprintf(&subject, "Caseload over limit: %s", m->name);
	xasprintf(&body,
	    "%s (%s) in %s has gone over their caseload limit.\n"
	    "\n"
	    "  Worker:             %s\n"
	    "  Team:               %s (%s)\n"
	    "  Weighted caseload:  %s\n"
	    "  Open cases:         %d\n"
	    "  Limit:              %s\n"
	    "  Status:             %s\n"
	    "\n"
	    "You will not be told again until their caseload comes back "
	    "within the\nlimit and goes over it once more.  See the whole "
	    "team with:\n"
	    "\n"
	    "  reflectctl caseload team=%s\n",
	    m->name, m->slug, team.name, m->name, team.name, team.slug,
	    wbuf, cl->cases, lbuf, caseload_status_name(cl->status),
	    team.slug);
	rc = alerts_queue(s, conf, "caseload_alert", key, &mgr, subject, body,
	    now, err);
	if (rc == 1)
		log_info("alerts: %s is over the caseload limit (%s of %s); "
		    "alert queued to %s", m->slug, wbuf, lbuf, mgr.slug);
	free(key);
	free(subject);
	free(body);
	return (rc == -1 ? -1 : 0);
}

int
alerts_uncovered(struct store *s, const struct config *conf, time_t now,
    const struct session *x, const char *series, const char *teams,
    const char *why, const struct member *const *mgrs, size_t nmgrs,
    int *queued, struct err *err)
{
	const struct member	*mgr;
	char			*key = NULL, *subject = NULL, *body = NULL;
	char			 when[UTIL_TIMEBUF];
	size_t			 i, j;
	int			 rc = 0, sent = 0, n = 0, dup;

	util_format_time(x->start, when);
	xasprintf(&key, "uncovered-%s-%lld", x->id, (long long)now);
	xasprintf(&subject, "Uncovered session: %s", x->id);
	xasprintf(&body,
	    "No psychologist is free for this session.\n"
	    "\n"
	    "  Session:   %s\n"
	    "  Series:    %s\n"
	    "  Teams:     %s\n"
	    "  Starts:    %s\n"
	    "  Location:  %s\n"
	    "  Why:       %s\n"
	    "\n"
	    "You will not be told again about this session unless it is "
	    "covered\nand then becomes uncovered once more.  See it with:\n"
	    "\n"
	    "  reflectctl session show %s\n",
	    x->id, series, teams, when,
	    x->location[0] != '\0' ? x->location : "(none)",
	    why != NULL ? why : "", x->id);
	for (i = 0; i < nmgrs && rc != -1; i++) {
		if ((mgr = mgrs[i]) == NULL || mgr->email[0] == '\0')
			continue;
		for (j = 0, dup = 0; j < i && !dup; j++)
			dup = mgrs[j] != NULL &&
			    strcmp(mgrs[j]->slug, mgr->slug) == 0;
		if (dup)
			continue;
		sent++;
		if ((rc = alerts_queue(s, conf, "uncovered_alert", key, mgr,
		    subject, body, now, err)) == 1) {
			n++;
			log_info("alerts: session %s is uncovered; alert "
			    "queued to %s", x->id, mgr->slug);
		}
	}
	if (rc != -1 && sent == 0)
		log_warnx("alerts: session %s is uncovered and its teams have "
		    "no manager to alert", x->id);
	if (queued != NULL)
		*queued = n;
	free(key);
	free(subject);
	free(body);
	return (rc == -1 ? -1 : 0);
}
