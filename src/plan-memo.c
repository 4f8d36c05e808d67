/*
 * Which teams a sweep may pass by (plan-sweep.c).  A team's run is a
 * function of what it reads from the store and of the time.  A run that
 * wrote nothing is noted with the store as it was read (the rows a plan
 * could read written so far, store_plan_changes, and the data version
 * other connections move) and the time it ran.  A run reads the time only
 * against instants a whole number of days from a session's start or end
 * (past or not, frozen, inside the invitation window, the horizon, the
 * fairness window, the bookings margin, a presenter's reminder, the end
 * that holds it) or at a midnight (today's date, weeks, absences, leavers,
 * requests).  Those instants fall at a few times of the day: the stored
 * sessions' starts and ends, each series' local start and end in each of
 * the zone's offsets (occurrences not stored yet), and local and UTC
 * midnight.  Until the next of them, with nothing written, the same run
 * would write nothing again, so the team is passed by and counts as a run
 * that changed nothing.  A write, another connection's commit, the clock
 * going back or a reload (plan_memo_forget) ends every note.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "planner-int.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* Offsets of the zone sampled weekly this far either side of a run. */
#define MEMO_ZONE_WEEKS		170
#define MEMO_ZONE_OFFSETS	16

struct memo_team {
	char			*team;
	struct plan_memo_mark	 m;
};

static struct {
	struct memo_team	*v;		/* by team */
	size_t			 n;
	size_t			 cap;
	/* The times of day for the store as marked by key. */
	int			 known;		/* 1 list, -1 none can be made */
	struct plan_memo_mark	 key;
	int32_t			*tod;		/* UTC seconds of the day */
	size_t			 ntod;
	size_t			 todcap;
	long			 off[MEMO_ZONE_OFFSETS];
	size_t			 noff;
} memo_g;

static struct memo_team	*memo_find(const char *, size_t *);
static int		 memo_times(struct store *,
			    const struct plan_memo_mark *);
static void		 memo_session_cb(void *, int64_t);
static void		 memo_series_cb(void *, const char *, int, int);
static void		 memo_tod_add(int64_t);
static time_t		 memo_next(time_t);

void
plan_memo_forget(void)
{
	size_t	i;

	for (i = 0; i < memo_g.n; i++)
		free(memo_g.v[i].team);
	free(memo_g.v);
	free(memo_g.tod);
	memset(&memo_g, 0, sizeof(memo_g));
}

int
plan_memo_mark(struct store *s, time_t now, struct plan_memo_mark *m)
{
	struct err	err;

	memset(m, 0, sizeof(*m));
	m->changes = store_plan_changes(s);
	m->at = now;
	return (store_data_version(s, &m->data_version, &err));
}

/* The team's note, or NULL and where it would go. */
static struct memo_team *
memo_find(const char *team, size_t *at)
{
	size_t	lo = 0, hi = memo_g.n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(team, memo_g.v[mid].team)) == 0) {
			*at = mid;
			return (&memo_g.v[mid]);
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*at = lo;
	return (NULL);
}

void
plan_memo_note(struct store *s, const char *team,
    const struct plan_memo_mark *before)
{
	struct memo_team	*e;
	size_t			 at;

	e = memo_find(team, &at);
	if (store_plan_changes(s) != before->changes) {
		/* It wrote: what it read is gone, and so is its note. */
		if (e != NULL) {
			free(e->team);
			memmove(e, e + 1, (memo_g.n - at - 1) * sizeof(*e));
			memo_g.n--;
		}
		return;
	}
	if (e == NULL) {
		if (memo_g.n == memo_g.cap) {
			memo_g.cap = memo_g.cap == 0 ? 64 : memo_g.cap * 2;
			memo_g.v = xreallocarray(memo_g.v, memo_g.cap,
			    sizeof(*memo_g.v));
		}
		memmove(memo_g.v + at + 1, memo_g.v + at,
		    (memo_g.n - at) * sizeof(*memo_g.v));
		memo_g.n++;
		e = &memo_g.v[at];
		e->team = xstrdup(team);
	}
	e->m = *before;
}

/*
 * After a run of every team at now, committed: each team's own run at now
 * would write nothing (a run is idempotent, and a team's answer is the
 * one a run of every team gives), so each is noted as if it had run.
 * The first plan after a restart then passes every team by.
 */
void
plan_memo_note_all(struct store *s, time_t now)
{
	struct plan_memo_mark	 m;
	struct team		*v = NULL;
	struct err		 err;
	size_t			 n = 0, i;

	if (plan_memo_mark(s, now, &m) == -1 ||
	    store_team_list(s, NULL, &v, &n, &err) == -1)
		return;
	for (i = 0; i < n; i++)
		plan_memo_note(s, v[i].slug, &m);
	free(v);
}

int
plan_memo_fresh(struct store *s, const char *team, time_t now)
{
	struct plan_memo_mark	 m;
	struct memo_team	*e;
	size_t			 at;

	if ((e = memo_find(team, &at)) == NULL)
		return (0);
	if (plan_memo_mark(s, now, &m) == -1 ||
	    m.changes != e->m.changes || m.data_version != e->m.data_version ||
	    now < e->m.at)
		return (0);
	if (memo_times(s, &m) != 1)
		return (0);
	return (now < memo_next(e->m.at));
}

/* The times of day for the store as m found it; 1 if there is a list. */
static int
memo_times(struct store *s, const struct plan_memo_mark *m)
{
	struct err	err;
	struct tm	tm;
	time_t		t;
	size_t		i;
	int		w;

	if (memo_g.known != 0 && memo_g.key.changes == m->changes &&
	    memo_g.key.data_version == m->data_version &&
	    llabs((long long)(m->at - memo_g.key.at)) < 28 * PLANNER_DAY)
		return (memo_g.known);
	memo_g.key = *m;
	memo_g.ntod = 0;
	memo_g.noff = 0;
	for (w = -MEMO_ZONE_WEEKS; w <= MEMO_ZONE_WEEKS; w++) {
		t = m->at + (time_t)w * 7 * PLANNER_DAY;
		if (localtime_r(&t, &tm) == NULL)
			continue;
		for (i = 0; i < memo_g.noff; i++)
			if (memo_g.off[i] == tm.tm_gmtoff)
				break;
		if (i == memo_g.noff) {
			if (memo_g.noff == MEMO_ZONE_OFFSETS) {
				memo_g.known = -1;
				return (-1);
			}
			memo_g.off[memo_g.noff++] = tm.tm_gmtoff;
		}
	}
	/* Midnight, UTC and local. */
	memo_tod_add(0);
	for (i = 0; i < memo_g.noff; i++)
		memo_tod_add(-memo_g.off[i]);
	memo_g.known = 1;
	if (store_plan_daytimes(s, memo_session_cb, memo_series_cb, NULL,
	    &err) == -1)
		memo_g.known = -1;
	return (memo_g.known);
}

static void
memo_session_cb(void *arg, int64_t secs)
{
	(void)arg;
	memo_tod_add(secs);
}

/*
 * A series' occurrences not stored yet start and end at its local times in
 * any of the zone's offsets.  One whose rule sets its own times, or whose
 * start does not read, leaves no list: its team is never passed by.
 */
static void
memo_series_cb(void *arg, const char *start, int minutes, int own_times)
{
	size_t	i;
	int	at;

	(void)arg;
	if (own_times || strlen(start) != SERIES_START_LEN - 1 ||
	    start[10] != 'T' || util_parse_hhmm(start + 11, &at) == -1) {
		memo_g.known = -1;
		return;
	}
	for (i = 0; i < memo_g.noff; i++) {
		memo_tod_add((int64_t)at * 60 - memo_g.off[i]);
		memo_tod_add((int64_t)(at + minutes) * 60 - memo_g.off[i]);
	}
}

static void
memo_tod_add(int64_t secs)
{
	int32_t	tod = (int32_t)(((secs % PLANNER_DAY) + PLANNER_DAY) %
		    PLANNER_DAY);
	size_t	i;

	for (i = 0; i < memo_g.ntod; i++)
		if (memo_g.tod[i] == tod)
			return;
	if (memo_g.ntod == memo_g.todcap) {
		memo_g.todcap = memo_g.todcap == 0 ? 32 : memo_g.todcap * 2;
		memo_g.tod = xreallocarray(memo_g.tod, memo_g.todcap,
		    sizeof(*memo_g.tod));
	}
	memo_g.tod[memo_g.ntod++] = tod;
}

/*
 * The first instant after at at which a comparison with the time may turn:
 * one of the times of day, or the second after it ("<" and "<=" turn a
 * second apart).
 */
static time_t
memo_next(time_t at)
{
	int64_t	now = (((int64_t)at % PLANNER_DAY) + PLANNER_DAY) % PLANNER_DAY;
	int64_t	best = PLANNER_DAY, d;
	size_t	i;
	int	k;

	for (i = 0; i < memo_g.ntod; i++) {
		for (k = 0; k < 2; k++) {
			d = ((memo_g.tod[i] + k - now) % PLANNER_DAY +
			    PLANNER_DAY) % PLANNER_DAY;
			if (d == 0)
				d = PLANNER_DAY;
			if (d < best)
				best = d;
		}
	}
	return (at + (time_t)best);
}
