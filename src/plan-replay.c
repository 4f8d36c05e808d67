/*
 * A scoped run's view of the other teams (planner.c runs it): their
 * sessions are read lazily, upfront only those of the psychologists the
 * scope's series want or have, a week whole where a session needs cover
 * or a booking changes under one that weighs every psychologist; they are
 * replayed in the run's time order as a run for every team would decide
 * them, and where a psychologist's booking changed before one of them in
 * its week, it is decided again: if the answer differs from what is
 * stored, its team joins the scope and the run starts again.  So a scoped
 * run's answer is always the full run's, for the cost of the weeks and
 * psychologists the change touches.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "planner-int.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

static int	 plan_rep_once(struct plan_run *, const char *);
static void	 plan_rep_take(struct plan_run *,
		    const struct session_booking *, size_t, int);
static int	 plan_relevant_add(struct plan_run *, const char *,
		    struct err *);
static int	 plan_week_load(struct plan_run *, time_t, struct err *);
static int	 plan_marked(const struct plan_run *,
		    const struct session_booking *);
static int	 plan_is_relevant(const struct plan_run *, const char *);
static int	 plan_wanted_cmp(const void *, const void *);
static void	 plan_wanted_add(void *, const char *, const char *);
static const struct plan_wanted *plan_wanted_find(struct plan_run *,
		    const char *, struct err *, int *);
static void	 plan_widen(struct plan_run *, const char *);

/*
 * The ISO weeks where a booking changed, so the other teams' sessions
 * there are checked again: a week's count decides capacity and cover, and
 * the buffer reaches across midnight at most (a session is shorter than a
 * day).
 */
/* Local midnight starting the ISO week (Monday) of t. */
time_t
plan_monday(time_t t)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	tm.tm_mday -= (tm.tm_wday + 6) % 7;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (mktime(&tm));
}

/*
 * The other teams' sessions are read lazily (a region's year is 26,000):
 * upfront only those of the psychologists the scope's series want or
 * have (plan_relevant); a week whole where a booking changes (plan_mark)
 * or a session needs cover (plan_choose), since then every
 * psychologist's week counts.  A row the run has passed is booked at once
 * (nothing before it changed, or its week would be read already); one
 * still to come joins the replay, in order; one a full run leaves as it
 * is (held, by hand, started) is booked at once, as that run books it.
 */
/*
 * A row read twice (hers, then her week's covered ones, then the week
 * whole) is replayed once: a set of the queued ids' 64-bit hashes.
 */
static int
plan_rep_once(struct plan_run *p, const char *id)
{
	uint64_t	 h = 0xcbf29ce484222325ULL, *old;
	size_t		 i, cap, k;
	const char	*c;

	for (c = id; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	h |= 1;		/* 0 is an empty slot */
	if (2 * (p->ntaken + 1) > p->captaken) {
		old = p->taken;
		cap = p->captaken;
		p->captaken = cap == 0 ? 1024 : cap * 2;
		p->taken = xcalloc(p->captaken, sizeof(*p->taken));
		p->ntaken = 0;
		for (k = 0; k < cap; k++) {
			if (old[k] == 0)
				continue;
			for (i = old[k] & (p->captaken - 1); p->taken[i] != 0;
			    i = (i + 1) & (p->captaken - 1))
				;
			p->taken[i] = old[k];
			p->ntaken++;
		}
		free(old);
	}
	for (i = h & (p->captaken - 1); p->taken[i] != 0;
	    i = (i + 1) & (p->captaken - 1)) {
		if (p->taken[i] == h)
			return (0);
	}
	p->taken[i] = h;
	p->ntaken++;
	return (1);
}

static void
plan_rep_take(struct plan_run *p, const struct session_booking *v, size_t n,
    int skip_relevant)
{
	const struct session_booking	*b;
	size_t				 i, k, added = 0;

	for (i = 0; i < n; i++) {
		b = &v[i];
		if (skip_relevant && b->psychologist[0] != '\0') {
			for (k = 0; k < p->nrelevant; k++) {
				if (strcmp(p->relevant[k],
				    b->psychologist) == 0)
					break;
			}
			if (k < p->nrelevant)
				continue;	/* read upfront */
		}
		if (b->state != SESSION_PLANNED || b->manual ||
		    b->start < p->now || b->start >= p->until ||
		    b->start < p->pos || (b->start == p->pos &&
		    strcmp(b->series, p->posseries) < 0)) {
			if (b->psychologist[0] != '\0')
				sched_book_add(p->book, b->psychologist, b->id,
				    b->start, b->end);
			continue;
		}
		if (!plan_rep_once(p, b->id))
			continue;
		if (p->nrep == p->caprep) {
			p->caprep = p->caprep == 0 ? 64 : p->caprep * 2;
			p->rep = xreallocarray(p->rep, p->caprep,
			    sizeof(*p->rep));
		}
		p->rep[p->nrep++] = *b;
		added++;
	}
	if (added > 0 && p->nrep - p->repi > 1)
		qsort(p->rep + p->repi, p->nrep - p->repi, sizeof(*p->rep),
		    session_booking_cmp);
}

static int
plan_relevant_add(struct plan_run *p, const char *psych, struct err *err)
{
	struct session_booking	*v = NULL;
	size_t			 n = 0, k;

	if (psych == NULL || *psych == '\0')
		return (0);
	for (k = 0; k < p->nrelevant; k++) {
		if (strcmp(p->relevant[k], psych) == 0)
			return (0);
	}
	if (store_session_bookings(p->store, p->now - PLANNER_BOOK_MARGIN,
	    p->until + PLANNER_BOOK_MARGIN, psych, &v, &n, err) == -1)
		return (-1);
	p->relevant = xreallocarray(p->relevant, p->nrelevant + 1,
	    sizeof(*p->relevant));
	util_strlcpy(p->relevant[p->nrelevant++], psych, sizeof(*p->relevant));
	plan_rep_take(p, v, n, 0);
	free(v);
	return (0);
}

/* The wanted and present psychologists of the scope, read upfront. */
int
plan_relevant(struct plan_run *p, struct err *err)
{
	size_t	i;

	for (i = 0; i < p->nseries; i++) {
		if (plan_relevant_add(p, p->ps[i].wanted, err) == -1)
			return (-1);
	}
	for (i = 0; i < p->nstored; i++) {
		if (plan_relevant_add(p, p->stored[i].psychologist, err) == -1)
			return (-1);
	}
	return (0);
}

/* The week from Monday w whole, once; 1 if read now. */
static int
plan_week_load(struct plan_run *p, time_t w, struct err *err)
{
	const struct session_booking	*v;
	size_t				 n = 0, i;

	for (i = 0; i < p->nloaded; i++) {
		if (p->loaded[i] == w)
			return (0);
	}
	if (w >= p->until + PLANNER_BOOK_MARGIN ||
	    w + 8 * PLANNER_DAY < p->now - PLANNER_BOOK_MARGIN)
		return (0);
	if (store_week_bookings(p->store, w,
	    plan_monday(w + 7 * PLANNER_DAY + PLANNER_DAY / 2), &v, &n,
	    err) == -1)
		return (-1);
	p->loaded = xreallocarray(p->loaded, p->nloaded + 1,
	    sizeof(*p->loaded));
	p->loaded[p->nloaded++] = w;
	plan_rep_take(p, v, n, 1);
	return (1);
}

/* The weeks around [start, end) whole: a week's count, and the buffer. */
int
plan_weeks_load(struct plan_run *p, time_t start, time_t end,
    struct err *err)
{
	time_t	buf = (time_t)p->conf->buffer_minutes * 60, t[3];
	size_t	k;
	int	r, any = 0;

	t[0] = start - buf - PLANNER_DAY;
	t[1] = start;
	t[2] = end + buf;
	for (k = 0; k < 3; k++) {
		if ((r = plan_week_load(p, plan_monday(t[k]), err)) == -1)
			return (-1);
		any |= r;
	}
	return (any);
}

/*
 * Where a psychologist's booking or availability changed (psych; "" any),
 * the other teams' sessions that weigh her are checked again: those she
 * has, and those under cover or uncovered, which weigh everyone (a
 * session with its own psychologist weighs only her).  Their rows are
 * read now: hers for those weeks, and the week's covered ones; for "",
 * the weeks whole.  The weeks are those of the change and, for the
 * buffer, either side of midnight.
 */
int
plan_mark(struct plan_run *p, time_t start, time_t end, const char *psych,
    struct err *err)
{
	struct session_booking	*v = NULL;
	time_t			 buf = (time_t)p->conf->buffer_minutes * 60;
	time_t			 t[3], w, next;
	size_t			 i, k, n = 0;
	int			 covered, full;

	t[0] = start - buf - PLANNER_DAY;
	t[1] = start;
	t[2] = end + buf;
	for (k = 0; k < 3; k++) {
		w = plan_monday(t[k]);
		covered = full = 0;
		for (i = 0; i < p->nweeks; i++) {
			if (p->weeks[i].monday != w)
				continue;
			covered = 1;
			if (strcmp(p->weeks[i].psych, psych) == 0)
				break;
		}
		if (i < p->nweeks)
			continue;
		for (i = 0; i < p->nloaded; i++)
			full |= p->loaded[i] == w;
		if (p->nweeks == p->capweeks) {
			p->capweeks = p->capweeks == 0 ? 16 : p->capweeks * 2;
			p->weeks = xreallocarray(p->weeks, p->capweeks,
			    sizeof(*p->weeks));
		}
		p->weeks[p->nweeks].monday = w;
		util_strlcpy(p->weeks[p->nweeks].psych, psych,
		    sizeof(p->weeks[p->nweeks].psych));
		p->nweeks++;
		if (full || w >= p->until + PLANNER_BOOK_MARGIN ||
		    w + 8 * PLANNER_DAY < p->now - PLANNER_BOOK_MARGIN)
			continue;
		if (*psych == '\0') {
			if (plan_week_load(p, w, err) == -1)
				return (-1);
			continue;
		}
		next = plan_monday(w + 7 * PLANNER_DAY + PLANNER_DAY / 2);
		if (!plan_is_relevant(p, psych)) {
			if (store_session_bookings(p->store, w, next, psych,
			    &v, &n, err) == -1)
				return (-1);
			plan_rep_take(p, v, n, 0);
			free(v);
			v = NULL;
		}
		if (!covered) {
			if (store_session_bookings_covered(p->store, w, next,
			    &v, &n, err) == -1)
				return (-1);
			plan_rep_take(p, v, n, 0);
			free(v);
			v = NULL;
		}
	}
	return (0);
}

/*
 * b is to be checked again: in a week where a booking changed, it has
 * that psychologist, or it is under cover or uncovered (it weighs every
 * psychologist's week), or the change was anyone's.
 */
static int
plan_marked(const struct plan_run *p, const struct session_booking *b)
{
	time_t	monday = 0;
	size_t	i;

	for (i = 0; i < p->nweeks; i++) {
		if (b->start < p->weeks[i].monday - 3600 ||
		    b->start >= p->weeks[i].monday + 7 * PLANNER_DAY + 3600)
			continue;
		if (monday == 0)
			monday = plan_monday(b->start);
		if (monday != p->weeks[i].monday)
			continue;
		if (b->cover || p->weeks[i].psych[0] == '\0' ||
		    strcmp(p->weeks[i].psych, b->psychologist) == 0)
			return (1);
	}
	return (0);
}

static int
plan_is_relevant(const struct plan_run *p, const char *psych)
{
	size_t	k;

	for (k = 0; k < p->nrelevant; k++) {
		if (strcmp(p->relevant[k], psych) == 0)
			return (1);
	}
	return (0);
}

/*
 * Before the run: the weeks of what the change made by hand (the scope's
 * times), and of the in-scope bookings that move or go away, whose old
 * place the other teams' earlier decisions saw.
 */
int
plan_premark(struct plan_run *p, struct err *err)
{
	const struct planner_scope	*sc = p->scope;
	const struct planner_dirty	*d;
	struct plan_stored		*old;
	unsigned char			*will;
	char				 id[SCHED_ID_MAX + 1];
	time_t				 a, b, t;
	size_t				 i;
	int				 rc = -1;

	for (i = 0; i < sc->ndirty; i++) {
		d = &sc->dirty[i];
		a = d->start > p->now - PLANNER_BOOK_MARGIN ?
		    d->start : p->now - PLANNER_BOOK_MARGIN;
		b = d->end < p->until + PLANNER_BOOK_MARGIN ?
		    d->end : p->until + PLANNER_BOOK_MARGIN;
		for (t = a; t < b; t += PLANNER_DAY) {
			if (plan_mark(p, t, t, d->psychologist, err) == -1)
				return (-1);
		}
		if (a < b && plan_mark(p, b, b, d->psychologist, err) == -1)
			return (-1);
	}
	will = xcalloc(p->nstored + 1, 1);
	for (i = 0; i < p->nocc; i++) {
		sched_session_id(p->occ[i].ps->r->slug, p->occ[i].o.date, id);
		if ((old = plan_find(p, id)) == NULL)
			continue;
		will[old - p->stored] = 1;
		if (plan_rebooked(p, old) &&
		    (old->start != p->occ[i].o.start ||
		    old->end != p->occ[i].o.end) &&
		    (plan_mark(p, old->start, old->end, old->psychologist,
		    err) == -1 || plan_mark(p, p->occ[i].o.start,
		    p->occ[i].o.end, old->psychologist, err) == -1))
			goto out;
	}
	for (i = 0; i < p->nstored; i++) {
		if (!will[i] && plan_rebooked(p, &p->stored[i]) &&
		    plan_mark(p, p->stored[i].start, p->stored[i].end,
		    p->stored[i].psychologist, err) == -1)
			goto out;
	}
	rc = 0;
out:
	free(will);
	return (rc);
}

static int
plan_wanted_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct plan_wanted *)a)->slug,
	    ((const struct plan_wanted *)b)->slug));
}

static void
plan_wanted_add(void *arg, const char *slug, const char *psych)
{
	struct plan_run		*p = arg;
	struct plan_wanted	*w;

	if (p->nwanted % 256 == 0)
		p->wanted = xreallocarray(p->wanted, p->nwanted + 256,
		    sizeof(*p->wanted));
	w = &p->wanted[p->nwanted++];
	util_strlcpy(w->slug, slug, sizeof(w->slug));
	util_strlcpy(w->wanted, psych, sizeof(w->wanted));
}

/* Every series' wanted psychologist, read the first time one is needed. */
static const struct plan_wanted *
plan_wanted_find(struct plan_run *p, const char *series, struct err *err,
    int *rc)
{
	struct plan_wanted	 key;

	*rc = 0;
	if (!p->have_wanted) {
		if (store_series_wanted(p->store, plan_wanted_add, p,
		    err) == -1) {
			*rc = -1;
			return (NULL);
		}
		p->have_wanted = 1;
	}
	snprintf(key.slug, sizeof(key.slug), "%.*s", SLUG_MAX, series);
	return (p->nwanted == 0 ? NULL : bsearch(&key, p->wanted, p->nwanted,
	    sizeof(*p->wanted), plan_wanted_cmp));
}

static void
plan_widen(struct plan_run *p, const char *team)
{
	size_t	i;

	for (i = 0; i < p->nwiden; i++) {
		if (strcmp(p->widen[i], team) == 0)
			return;
	}
	p->widen = xreallocarray(p->widen, p->nwiden + 1, sizeof(*p->widen));
	p->widen[p->nwiden++] = xstrdup(team);
}

/*
 * Another team's session, where a full run would decide it again.  Where
 * a booking changed before it in its week it is decided as that run
 * would; if that differs from what is stored, its team joins the scope
 * (the caller runs again).  Then it is booked as it stands.
 */
int
plan_replay(struct plan_run *p, const struct session_booking *row,
    struct err *err)
{
	const struct plan_wanted	*w;
	struct session_booking		 copy = *row;	/* p->rep may grow */
	const struct session_booking	*b = &copy;
	struct sched_choice		 ch;
	struct session			 x;
	int				 rc;

	p->pos = b->start;
	snprintf(p->posseries, sizeof(p->posseries), "%.*s", SLUG_MAX,
	    b->series);
	if (plan_marked(p, b)) {
		w = plan_wanted_find(p, b->series, err, &rc);
		if (rc == -1)
			return (-1);
		if (w == NULL) {
			plan_widen(p, b->team);
			goto book;
		}
		/*
		 * Under cover it weighs its own psychologist's week, whom
		 * nothing may have read yet, and every other's: read the
		 * week whole first.
		 */
		if (b->cover && plan_weeks_load(p, b->start, b->end, err) == -1)
			return (-1);
		/*
		 * Its reason is needed only where cover is or was involved:
		 * the wanted psychologist's is always the same words (a
		 * psychologist's name change replans every team).
		 */
		if (plan_choose(p, w->wanted, b->start, b->end,
		    b->psychologist, &ch, err) == -1)
			return (-1);
		if (b->psychologist[0] != '\0' &&
		    strcmp(ch.psychologist, b->psychologist) == 0 &&
		    strcmp(b->psychologist, w->wanted) == 0)
			goto book;
		if (store_session_get(p->store, b->id, &x, err) == -1)
			return (-1);
		if (strcmp(ch.psychologist, b->psychologist) != 0 ||
		    strcmp(ch.reason, x.cover_reason) != 0) {
			plan_widen(p, b->team);
			/* Go on with what a full run would book. */
			if (strcmp(ch.psychologist, b->psychologist) != 0) {
				if ((b->psychologist[0] != '\0' &&
				    plan_mark(p, b->start, b->end,
				    b->psychologist, err) == -1) ||
				    (ch.psychologist[0] != '\0' &&
				    plan_mark(p, b->start, b->end,
				    ch.psychologist, err) == -1))
					return (-1);
				if (ch.psychologist[0] != '\0')
					sched_book_add(p->book,
					    ch.psychologist, b->id, b->start,
					    b->end);
				return (0);
			}
		}
	}
book:
	if (b->psychologist[0] != '\0')
		sched_book_add(p->book, b->psychologist, b->id, b->start,
		    b->end);
	return (0);
}

/* b before occurrence o in the run's order (start, then series). */
int
plan_replay_before(const struct session_booking *b, const struct plan_occ *o)
{
	if (b->start != o->o.start)
		return (b->start < o->o.start);
	return (strcmp(b->series, o->ps->r->slug) < 0);
}

