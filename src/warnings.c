/*
 * Warnings: the things a write leaves for a person to fix, in words that
 * name the member (never a case reference).  The commands, the imports,
 * status and the manager digest share these rules so that they agree on
 * what an orphaned case and a refused address are.  No SQL here: the
 * people and cases modules read, outbox.c says which domains are allowed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "cases.h"
#include "config.h"
#include "domain.h"
#include "outbox.h"
#include "people.h"
#include "schedule.h"
#include "warnings.h"
#include "xmalloc.h"

static const char *const warnings_day_names[7] = {
	"Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays",
	"Saturdays", "Sundays"
};

static int	warnings_rrule_days(const char *, const char *);

int
warnings_orphaning(const struct member *m)
{
	return (m->end[0] != '\0' || !role_holds_cases((enum role)m->role));
}

int
warnings_mail_refused(const struct config *conf, const struct member *m)
{
	if (conf == NULL || conf->nallowed_domains == 0 || m->email[0] == '\0')
		return (0);
	return (!outbox_domain_allowed(conf->allowed_domains,
	    conf->nallowed_domains, m->email));
}

int
warnings_member(struct store *store, const struct config *conf,
    const struct member *m, json_t *arr, struct err *err)
{
	struct case_filter	 f;
	struct casefile		*c = NULL;
	const char		*at;
	size_t			 n = 0, i, lead = 0;
	char			*s, *why;

	if (warnings_orphaning(m)) {
		memset(&f, 0, sizeof(f));
		f.member = m->slug;
		f.open = 1;
		if (cases_list(store, &f, &c, &n, err) == -1)
			return (-1);
		for (i = 0; i < n; i++)
			lead += strcmp(c[i].lead, m->slug) == 0;
		free(c);
	}
	if (lead > 0) {
		if (!role_holds_cases((enum role)m->role))
			xasprintf(&why, "is now a %s, a role that holds no "
			    "cases,", role_name((enum role)m->role));
		else
			xasprintf(&why, "leaves on %s", m->end);
		xasprintf(&s, "%s (%s) %s but still leads %zu open case%s, "
		    "which then count in no caseload: reallocate %s (case "
		    "list orphaned=yes, then case set REF lead=)", m->name,
		    m->slug, why, lead, lead == 1 ? "" : "s",
		    lead == 1 ? "it" : "them");
		json_array_append_new(arr, json_string(s));
		free(s);
		free(why);
	}
	if (warnings_mail_refused(conf, m)) {
		at = strrchr(m->email, '@');
		xasprintf(&s, "mail to %s (%s) would be refused: %s is not in "
		    "[mail] allowed_domains, so they get no invitations or "
		    "digests until their address is corrected", m->name,
		    m->slug, at != NULL ? at + 1 : m->email);
		json_array_append_new(arr, json_string(s));
		free(s);
	}
	return (0);
}

/* The weekday mask a series meets on: its RRULE's BYDAY, else its start. */
static int
warnings_rrule_days(const char *rrule, const char *start)
{
	static const char	*const codes[7] = {
		"MO", "TU", "WE", "TH", "FR", "SA", "SU"
	};
	const char		*p, *q;
	char			 date[DATE_LEN];
	int			 mask = 0, d;

	if (rrule != NULL && (p = strstr(rrule, "BYDAY=")) != NULL) {
		for (p += 6; *p != '\0' && *p != ';'; p = q) {
			q = p + strcspn(p, ",;");
			for (d = 0; d < 7; d++)
				if ((size_t)(q - p) >= 2 &&
				    strncasecmp(q - 2, codes[d], 2) == 0)
					mask |= 1 << d;
			if (*q == ',')
				q++;
		}
		if (mask != 0)
			return (mask);
	}
	if (start == NULL || strlen(start) < DATE_LEN - 1)
		return (0);
	memcpy(date, start, DATE_LEN - 1);
	date[DATE_LEN - 1] = '\0';
	if ((d = sched_date_weekday(date)) == -1)
		return (0);
	return (1 << d);
}

void
warnings_series_day(const struct member *ps, const char *rrule,
    const char *start, json_t *arr)
{
	int	 mask, d;
	char	*s;

	if (ps == NULL || (mask = warnings_rrule_days(rrule, start)) == 0)
		return;
	for (d = 0; d < 7; d++) {
		if ((mask & (1 << d)) == 0 || (ps->days & (1 << d)) != 0)
			continue;
		xasprintf(&s, "the psychologist %s (%s) does not work on %s, "
		    "when this series meets: its sessions there need cover "
		    "(set psychologist= or the member's days=)", ps->name,
		    ps->slug, warnings_day_names[d]);
		json_array_append_new(arr, json_string(s));
		free(s);
	}
}

int
warnings_orphaned_cases(struct store *store, const char *team,
    struct casefile **vp, size_t *np, struct err *err)
{
	struct case_filter	 f;
	struct casefile		*c = NULL;
	struct member		*m = NULL;
	const struct member	*lead;
	size_t			 n = 0, nm = 0, i, k = 0;

	*vp = NULL;
	*np = 0;
	memset(&f, 0, sizeof(f));
	f.open = 1;
	if (cases_list(store, &f, &c, &n, err) == -1)
		return (-1);
	if (people_member_list(store, NULL, &m, &nm, err) == -1) {
		free(c);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		lead = people_member_find(m, nm, c[i].lead);
		if (lead == NULL || !warnings_orphaning(lead))
			continue;
		if (team != NULL && strcmp(lead->team, team) != 0)
			continue;
		c[k++] = c[i];
	}
	free(m);
	if (k == 0) {
		free(c);
		c = NULL;
	}
	*vp = c;
	*np = k;
	return (0);
}

int
warnings_refused_members(struct store *store, const struct config *conf,
    const char *team, struct member **vp, size_t *np, struct err *err)
{
	struct member	*m = NULL;
	size_t		 n = 0, i, k = 0;

	*vp = NULL;
	*np = 0;
	if (people_member_list(store, team, &m, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (warnings_mail_refused(conf, &m[i]))
			m[k++] = m[i];
	if (k == 0) {
		free(m);
		m = NULL;
	}
	*vp = m;
	*np = k;
	return (0);
}

void
warnings_attach(json_t *o, json_t *arr)
{
	if (o != NULL && json_is_object(o) && json_array_size(arr) > 0)
		json_object_set_new(o, "warnings", arr);
	else
		json_decref(arr);
}
