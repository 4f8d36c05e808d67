/*
 * The scope of a change (struct planner_scope): which teams' sessions,
 * attendees and presenters it may change, and where it changed a
 * psychologist's booking or availability by hand, as the commands name
 * them before the planner runs.  The planner widens a scope itself when
 * cover moves across teams (planner.c), so these helpers only need to be
 * right about what the change itself touches.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cases.h"
#include "domain.h"
#include "people.h"
#include "planner.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define SCOPE_DAY	86400
#define SCOPE_FOREVER	((time_t)INT64_MAX / 4)

static void	scope_team_cb(void *, const char *);
static void	scope_teams_list(struct planner_scope *, const char *);

void
planner_scope_init(struct planner_scope *sc)
{
	memset(sc, 0, sizeof(*sc));
}

void
planner_scope_free(struct planner_scope *sc)
{
	size_t	i;

	for (i = 0; i < sc->nteams; i++)
		free(sc->teams[i]);
	free(sc->teams);
	free(sc->dirty);
	memset(sc, 0, sizeof(*sc));
}

void
planner_scope_all(struct planner_scope *sc)
{
	sc->all = 1;
}

void
planner_scope_team(struct planner_scope *sc, const char *team)
{
	size_t	i;

	if (team == NULL || *team == '\0')
		return;
	for (i = 0; i < sc->nteams; i++) {
		if (strcmp(sc->teams[i], team) == 0)
			return;
	}
	sc->teams = xreallocarray(sc->teams, sc->nteams + 1,
	    sizeof(*sc->teams));
	sc->teams[sc->nteams++] = xstrdup(team);
}

void
planner_scope_dirty(struct planner_scope *sc, time_t start, time_t end,
    const char *psych)
{
	struct planner_dirty	*d;

	sc->dirty = xreallocarray(sc->dirty, sc->ndirty + 1,
	    sizeof(*sc->dirty));
	d = &sc->dirty[sc->ndirty++];
	d->start = start;
	d->end = end;
	snprintf(d->psychologist, sizeof(d->psychologist), "%s",
	    psych != NULL ? psych : "");
}

static void
scope_team_cb(void *arg, const char *team)
{
	planner_scope_team(arg, team);
}

/* "a,b" as a session's teams column names them. */
static void
scope_teams_list(struct planner_scope *sc, const char *list)
{
	char	team[SLUG_MAX + 1];
	size_t	len;

	while (*list != '\0') {
		len = strcspn(list, ",");
		snprintf(team, sizeof(team), "%.*s", (int)len, list);
		planner_scope_team(sc, team);
		list += len;
		if (*list == ',')
			list++;
	}
}

int
planner_scope_member(struct planner_scope *sc, struct store *s,
    const char *member, const char *from, const char *to, struct err *err)
{
	struct member	m;
	struct tm	tm;
	long		a, b;
	time_t		ta, tb;

	if (store_member_teams(s, member, scope_team_cb, sc, err) == -1)
		return (-1);
	if (people_member_get(s, member, &m, err) == -1)
		return (err->code == ERR_NOT_FOUND ? 0 : -1);
	if (m.role != ROLE_PSYCHOLOGIST)
		return (0);
	/*
	 * Any team's cover may change where a psychologist's availability
	 * did: the days away, or from now on for a change of her days,
	 * capacity, start or end.
	 */
	if (from == NULL || to == NULL) {
		/* Her days, capacity, dates or name: every team's cover. */
		planner_scope_all(sc);
		return (0);
	}
	if (sched_date_parse(from, &a) == -1 ||
	    sched_date_parse(to, &b) == -1) {
		planner_scope_dirty(sc, 0, SCOPE_FOREVER, m.slug);
		return (0);
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 70;
	tm.tm_mday = 1 + (int)a;
	tm.tm_isdst = -1;
	ta = mktime(&tm);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 70;
	tm.tm_mday = 2 + (int)b;
	tm.tm_isdst = -1;
	tb = mktime(&tm);
	if (ta == (time_t)-1 || tb == (time_t)-1)
		planner_scope_dirty(sc, 0, SCOPE_FOREVER, m.slug);
	else
		planner_scope_dirty(sc, ta - SCOPE_DAY, tb + SCOPE_DAY,
		    m.slug);
	return (0);
}

int
planner_scope_session(struct planner_scope *sc, struct store *s,
    const char *id, int booking, struct err *err)
{
	struct session	x;

	if (store_session_get(s, id, &x, err) == -1)
		return (err->code == ERR_NOT_FOUND ? 0 : -1);
	scope_teams_list(sc, x.teams);
	if (booking && x.psychologist[0] != '\0')
		planner_scope_dirty(sc, x.start, x.end, x.psychologist);
	return (0);
}

int
planner_scope_series(struct planner_scope *sc, struct store *s,
    const char *slug, struct err *err)
{
	struct series	r;
	size_t		i;

	if (series_get(s, slug, &r, err) == -1)
		return (err->code == ERR_NOT_FOUND ? 0 : -1);
	for (i = 0; i < r.nteams; i++)
		planner_scope_team(sc, r.teams[i]);
	return (0);
}

int
planner_scope_case(struct planner_scope *sc, struct store *s,
    const char *ref, struct err *err)
{
	struct casefile	c;
	struct member	m;

	if (cases_get(s, ref, &c, err) == -1)
		return (err->code == ERR_NOT_FOUND ? 0 : -1);
	if (people_member_get(s, c.lead, &m, err) == 0)
		planner_scope_team(sc, m.team);
	if (c.coworker[0] != '\0' &&
	    people_member_get(s, c.coworker, &m, err) == 0)
		planner_scope_team(sc, m.team);
	return (0);
}
