/*
 * planner: materialises every series' occurrences from now to the horizon
 * and keeps the stored sessions in step with them.  Each run loads the
 * series, members, absences and stored sessions once, decides each
 * occurrence in time order with a book of the psychologists' sessions
 * (running tallies), and writes only what differs: new sessions, planned
 * ones whose time, place, psychologist or attendees changed, and planned
 * ones whose occurrence went away.  Sessions a manager cancelled or moved,
 * and held ones, are never touched.  A cover once chosen is kept while it
 * stays free, so a second run with nothing changed writes nothing.  This
 * is the only module that writes planned sessions; it runs inside the
 * caller's transaction, except from its own timers (plan-daemon.c, which
 * also says when it runs), and creates timers only through clock.c.  A
 * run for a scope (the teams a change touches) reads only those teams and
 * sees the others through plan-replay.c; the daily replan goes team by
 * team (plan-sweep.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "clock.h"
#include "config.h"
#include "domain.h"
#include "invites.h"
#include "log.h"
#include "people.h"
#include "planner.h"
#include "planner-int.h"
#include "presenters.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/*
 * A decision's writes (plan_write): the session inserted or updated, its
 * attendees changed, and first, when it is newly uncovered, its teams'
 * managers alerted (alert: why).  Its arrays and text are its own.
 */
enum {
	PLAN_WRITE_INSERT,
	PLAN_WRITE_UPDATE
};

struct plan_write {
	struct plan_write		*next;
	const struct plan_series	*ps;
	int				 op;
	struct sched_attendee		*att;	/* to put */
	size_t				 natt;
	struct sched_attendee		*gone;	/* to take out (updates) */
	size_t				 ngone;
	char				*alert;
	struct session			 x;
};

/* The last run for every team, in ms (planner_full_ms). */
static double	 planner_full;

static int	 plan_load(struct plan_run *, struct err *);
static void	 plan_free(struct plan_run *);
static const char *plan_text(struct plan_run *, const char *);
static void	 plan_stored_add(void *, const struct session *);
static void	 plan_att_add(void *, const struct session_attendee *);
static int	 plan_expand(struct plan_run *, struct plan_series *);
static int	 plan_occ_cmp(const void *, const void *);
static int	 plan_byid_cmp(const void *, const void *);
static const struct member *plan_member(struct plan_run *, const char *);
static const struct team *plan_team(struct plan_run *, const char *);
static int	 plan_byteam_cmp(const void *, const void *);
static size_t	 plan_team_members(const struct plan_run *,
		    const struct member **, const char *, size_t *);
static int	 plan_attrun_cmp(const void *, const void *);
static void	 plan_attruns(struct plan_run *);
static int	 plan_attendees_diff(struct plan_run *, const char *,
		    const struct sched_attendee *, size_t, struct plan_write *);
static int	 plan_decide(struct plan_run *, struct plan_occ *,
		    struct err *);
static int	 plan_write(struct plan_run *, struct plan_write *,
		    struct err *);
static int	 plan_write_one(struct plan_run *, const struct plan_write *,
		    struct err *);
static int	 plan_write_all(struct plan_run *, struct err *);
static void	 plan_write_clear(struct plan_write *);
static int	 plan_cancel_gone(struct plan_run *, struct err *);
static int	 plan_alert(struct plan_run *, const struct plan_series *,
		    const struct session *, const char *, struct err *);
static void	 plan_uid(const struct config *, const char *, char *, size_t);
static void	 plan_unbook(struct plan_run *);
static int	 plan_pass(struct plan_run *, struct err *);
static int	 plan_scope_set(struct store *, char **, size_t,
		    struct err *);

static int
plan_byid_cmp(const void *a, const void *b)
{
	return (strcmp((*(struct plan_stored *const *)a)->id,
	    (*(struct plan_stored *const *)b)->id));
}

static int
plan_occ_cmp(const void *a, const void *b)
{
	const struct plan_occ	*x = a, *y = b;

	if (x->o.start != y->o.start)
		return (x->o.start < y->o.start ? -1 : 1);
	return (strcmp(x->ps->r->slug, y->ps->r->slug));
}

/* A copy of t kept until the run ends ("" costs nothing). */
static const char *
plan_text(struct plan_run *p, const char *t)
{
	struct plan_text	*b = p->texts;
	size_t			 n = strlen(t) + 1, size;
	char			*out;

	if (n == 1)
		return ("");
	if (b == NULL || b->size - b->used < n) {
		size = n > PLAN_TEXT_BLOCK ? n : PLAN_TEXT_BLOCK;
		b = xmalloc(sizeof(*b) + size);
		b->next = p->texts;
		b->used = 0;
		b->size = size;
		p->texts = b;
	}
	out = b->buf + b->used;
	memcpy(out, t, n);
	b->used += n;
	return (out);
}

/* store_session_each: one stored session into the run. */
static void
plan_stored_add(void *arg, const struct session *x)
{
	struct plan_run		*p = arg;
	struct plan_stored	*y;

	if (p->nstored == p->capstored) {
		p->capstored = p->capstored == 0 ? 256 : p->capstored * 2;
		p->stored = xreallocarray(p->stored, p->capstored,
		    sizeof(*p->stored));
	}
	y = &p->stored[p->nstored++];
	memcpy(y->id, x->id, sizeof(y->id));
	memcpy(y->series, x->series, sizeof(y->series));
	memcpy(y->psychologist, x->psychologist, sizeof(y->psychologist));
	y->kind = x->kind;
	y->state = x->state;
	y->manual = x->manual;
	y->sequence = x->sequence;
	y->invited = x->invited;
	y->uncovered_alerted = x->uncovered_alerted;
	y->start = x->start;
	y->end = x->end;
	y->location = plan_text(p, x->location);
	y->cover_reason = plan_text(p, x->cover_reason);
	y->uid = plan_text(p, x->uid);
	y->teams = plan_text(p, x->teams);
}

void
plan_stored_session(const struct plan_stored *y, struct session *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->id, y->id, sizeof(x->id));
	memcpy(x->series, y->series, sizeof(x->series));
	memcpy(x->psychologist, y->psychologist, sizeof(x->psychologist));
	x->kind = y->kind;
	x->state = y->state;
	x->manual = y->manual;
	x->sequence = y->sequence;
	x->invited = y->invited;
	x->uncovered_alerted = y->uncovered_alerted;
	x->start = y->start;
	x->end = y->end;
	util_strlcpy(x->location, y->location, sizeof(x->location));
	util_strlcpy(x->cover_reason, y->cover_reason, sizeof(x->cover_reason));
	util_strlcpy(x->uid, y->uid, sizeof(x->uid));
	util_strlcpy(x->teams, y->teams, sizeof(x->teams));
}

struct plan_stored *
plan_find(struct plan_run *p, const char *id)
{
	struct plan_stored	key, *kp = &key, **hit;

	if (p->nstored == 0)
		return (NULL);
	util_strlcpy(key.id, id, sizeof(key.id));
	hit = bsearch(&kp, p->byid, p->nstored, sizeof(*p->byid),
	    plan_byid_cmp);
	return (hit != NULL ? *hit : NULL);
}

static const struct member *
plan_member(struct plan_run *p, const char *slug)
{
	return (people_member_find(p->members, p->nmembers, slug));
}

static const struct team *
plan_team(struct plan_run *p, const char *slug)
{
	return (people_team_find(p->teams, p->nteams, slug));
}

static void
plan_uid(const struct config *conf, const char *id, char *buf, size_t size)
{
	const char	*at = conf != NULL && conf->from_addr != NULL ?
	    strrchr(conf->from_addr, '@') : NULL;

	snprintf(buf, size, "%s@%s", id, at != NULL && at[1] != '\0' ?
	    at + 1 : "reflectd.invalid");
}

/* Everything a run needs, read once. */
/* By team, then by place in members (slug order). */
static int
plan_byteam_cmp(const void *a, const void *b)
{
	const struct member	*x = *(const struct member *const *)a;
	const struct member	*y = *(const struct member *const *)b;
	int			 c;

	if ((c = strcmp(x->team, y->team)) != 0)
		return (c);
	return (x < y ? -1 : x > y);
}

/* How many of byteam are in team; *at is the first. */
static size_t
plan_team_members(const struct plan_run *p, const struct member **byteam,
    const char *team, size_t *at)
{
	size_t	lo = 0, hi = p->nmembers, mid, end;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(byteam[mid]->team, team) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < p->nmembers &&
	    strcmp(byteam[end]->team, team) == 0; end++)
		;
	*at = lo;
	return (end - lo);
}

static int
plan_load(struct plan_run *p, struct err *err)
{
	struct absence		*abs = NULL;
	struct plan_series	*ps;
	const struct team	*t;
	const struct member	**byteam;
	size_t			 nabs = 0, i, j, k, n, off;

	if (p->scoped) {
		/* Only the teams in scope; the others' bookings to replay. */
		if (store_team_list_scoped(p->store, &p->teams, &p->nteams,
		    err) == -1 ||
		    store_member_list_scoped(p->store, &p->members,
		    &p->nmembers, err) == -1 ||
		    store_absence_list_scoped(p->store, &abs, &nabs,
		    err) == -1 ||
		    store_series_list_scoped(p->store, &p->series, &p->nseries,
		    err) == -1 ||
		    store_session_each(p->store,
		    p->now - PLANNER_BOOK_MARGIN, p->until + PLANNER_BOOK_MARGIN,
		    1, plan_stored_add, p, err) == -1 ||
		    store_attendees_each(p->store, p->now,
		    p->until + PLANNER_BOOK_MARGIN, 1, plan_att_add, p,
		    err) == -1) {
			free(abs);
			return (-1);
		}
	} else if (people_team_list(p->store, &p->teams, &p->nteams,
	    err) == -1 ||
	    people_member_list(p->store, NULL, &p->members, &p->nmembers,
	    err) == -1 ||
	    people_absence_list(p->store, NULL, NULL, &abs, &nabs, err) == -1 ||
	    series_list(p->store, NULL, &p->series, &p->nseries, err) == -1 ||
	    store_session_each(p->store, p->now - PLANNER_BOOK_MARGIN,
	    p->until + PLANNER_BOOK_MARGIN, 0, plan_stored_add, p,
	    err) == -1 ||
	    store_attendees_each(p->store, p->now,
	    p->until + PLANNER_BOOK_MARGIN, 0, plan_att_add, p,
	    err) == -1) {
		free(abs);
		return (-1);
	}
	plan_attruns(p);
	people_team_sort(p->teams, p->nteams);
	people_member_sort(p->members, p->nmembers);
	sched_absences_init(&p->abs, abs, nabs);
	free(abs);

	p->psychs = xcalloc(p->nmembers + 1, sizeof(*p->psychs));
	for (i = 0; i < p->nmembers; i++) {
		if (p->members[i].role == ROLE_PSYCHOLOGIST)
			p->psychs[p->npsychs++] = p->members[i];
	}

	p->byid = xcalloc(p->nstored + 1, sizeof(*p->byid));
	p->seen = xcalloc(p->nstored + 1, 1);
	p->book = sched_book_new();
	for (i = 0; i < p->nstored; i++) {
		p->byid[i] = &p->stored[i];
		if (p->stored[i].state != SESSION_CANCELLED &&
		    p->stored[i].psychologist[0] != '\0')
			sched_book_add(p->book, p->stored[i].psychologist,
			    p->stored[i].id, p->stored[i].start,
			    p->stored[i].end);
	}
	if (p->nstored > 0)
		qsort(p->byid, p->nstored, sizeof(*p->byid), plan_byid_cmp);

	/* The members by team (then slug), for each series' teams. */
	byteam = xcalloc(p->nmembers + 1, sizeof(*byteam));
	for (i = 0; i < p->nmembers; i++)
		byteam[i] = &p->members[i];
	if (p->nmembers > 1)
		qsort(byteam, p->nmembers, sizeof(*byteam), plan_byteam_cmp);
	p->ps = xcalloc(p->nseries + 1, sizeof(*p->ps));
	for (i = 0; i < p->nseries; i++) {
		ps = &p->ps[i];
		ps->r = &p->series[i];
		ps->wanted = ps->r->psychologist;
		/*
		 * Count first: an array sized for every member, per series,
		 * is megabytes on a borough that malloc then keeps.
		 */
		n = 0;
		for (j = 0; j < ps->r->nteams; j++) {
			n += plan_team_members(p, byteam, ps->r->teams[j], &k);
			off = strlen(ps->teams);
			snprintf(ps->teams + off, sizeof(ps->teams) - off,
			    "%s%s", j > 0 ? "," : "", ps->r->teams[j]);
		}
		ps->members = xcalloc(n + 1, sizeof(*ps->members));
		for (j = 0; j < ps->r->nteams; j++) {
			t = plan_team(p, ps->r->teams[j]);
			if (j == 0) {
				ps->team = t;
				if (ps->wanted[0] == '\0' && t != NULL)
					ps->wanted = t->psychologist;
			}
			n = plan_team_members(p, byteam, ps->r->teams[j], &k);
			for (; n > 0; n--, k++)
				ps->members[ps->nmembers++] = *byteam[k];
		}
		ps->cofac = plan_member(p, ps->r->cofacilitator);
	}
	free(byteam);
	p->pos = p->now - 2 * PLANNER_BOOK_MARGIN;
	if (p->scoped)
		return (plan_relevant(p, err));
	return (0);
}

static void
plan_free(struct plan_run *p)
{
	struct plan_write	*w;
	struct plan_text	*t;
	size_t			 i;

	for (i = 0; p->ps != NULL && i < p->nseries; i++)
		free(p->ps[i].members);
	free(p->ps);
	free(p->series);
	free(p->teams);
	free(p->members);
	free(p->psychs);
	sched_absences_free(&p->abs);
	free(p->stored);
	while ((t = p->texts) != NULL) {
		p->texts = t->next;
		free(t);
	}
	free(p->byid);
	free(p->seen);
	free(p->att);
	free(p->attrun);
	sched_book_free(p->book);
	free(p->occ);
	free(p->rep);
	free(p->taken);
	free(p->relevant);
	free(p->loaded);
	free(p->weeks);
	free(p->wanted);
	for (i = 0; i < p->nwiden; i++)
		free(p->widen[i]);
	free(p->widen);
	while ((w = p->writes) != NULL) {
		p->writes = w->next;
		plan_write_clear(w);
		free(w);
	}
}

/* A series that cannot expand is logged and left as it is. */
static int
plan_expand(struct plan_run *p, struct plan_series *ps)
{
	struct sched_occurrence	*o = NULL;
	struct err		 e;
	time_t			*starts = NULL, dtstart;
	size_t			 n = 0, k, i;

	err_clear(&e);
	if (series_dtstart(ps->r, p->conf->timezone, &dtstart, &e) == -1 ||
	    plan_expand_starts(ps->r->rrule, p->conf->timezone, dtstart,
	    p->now, p->until, &starts, &n, &e) == -1) {
		log_warnx("planner: series %s: %s; its sessions are kept",
		    ps->r->slug, e.msg);
		ps->failed = 1;
		return (0);
	}
	k = sched_occurrences(starts, n, ps->r->duration, p->hol,
	    p->conf->on_holiday, &o);
	free(starts);
	for (i = 0; i < k; i++) {
		if (o[i].start < p->now || o[i].start >= p->until)
			continue;
		if (p->nocc == p->occcap) {
			p->occcap = p->occcap == 0 ? 256 : p->occcap * 2;
			p->occ = xreallocarray(p->occ, p->occcap,
			    sizeof(*p->occ));
		}
		p->occ[p->nocc].ps = ps;
		p->occ[p->nocc].o = o[i];
		p->nocc++;
	}
	free(o);
	return (0);
}

static int
plan_attrun_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct plan_attrun *)a)->session,
	    ((const struct plan_attrun *)b)->session));
}

/*
 * store_attendees_each: one stored attendee into the run.  The rows come
 * each session's together, so a run per session is begun whenever the
 * session changes; plan_attruns sorts the runs.
 */
static void
plan_att_add(void *arg, const struct session_attendee *a)
{
	struct plan_run		*p = arg;
	struct plan_attrun	*run;

	run = p->nattrun > 0 ? &p->attrun[p->nattrun - 1] : NULL;
	if (run == NULL || strcmp(run->session, a->session) != 0) {
		if (p->nattrun == p->capattrun) {
			p->capattrun = p->capattrun == 0 ? 256 :
			    p->capattrun * 2;
			p->attrun = xreallocarray(p->attrun, p->capattrun,
			    sizeof(*p->attrun));
		}
		run = &p->attrun[p->nattrun++];
		run->session = plan_text(p, a->session);
		run->off = p->natt;
		run->n = 0;
	}
	if (p->natt == p->capatt) {
		p->capatt = p->capatt == 0 ? 1024 : p->capatt * 2;
		p->att = xreallocarray(p->att, p->capatt, sizeof(*p->att));
	}
	memcpy(p->att[p->natt].member, a->member, sizeof(p->att->member));
	p->att[p->natt++].role = a->role;
	run->n++;
}

/*
 * The runs by session.  Should a session have come in two runs (not in
 * the store's order), its rows are gathered into one, in a copy.
 */
static void
plan_attruns(struct plan_run *p)
{
	struct plan_att		*v;
	struct plan_attrun	*r;
	size_t			 i, k, j, n;

	if (p->nattrun > 1)
		qsort(p->attrun, p->nattrun, sizeof(*p->attrun),
		    plan_attrun_cmp);
	for (i = 1; i < p->nattrun; i++)
		if (strcmp(p->attrun[i - 1].session,
		    p->attrun[i].session) == 0)
			break;
	if (i >= p->nattrun)
		return;
	v = xreallocarray(NULL, p->natt + 1, sizeof(*v));
	r = xcalloc(p->nattrun + 1, sizeof(*r));
	for (i = 0, n = 0, k = 0; i < p->nattrun; i = j) {
		r[k].session = p->attrun[i].session;
		r[k].off = n;
		for (j = i; j < p->nattrun && strcmp(p->attrun[j].session,
		    p->attrun[i].session) == 0; j++) {
			memcpy(v + n, p->att + p->attrun[j].off,
			    p->attrun[j].n * sizeof(*v));
			n += p->attrun[j].n;
		}
		r[k].n = n - r[k].off;
		k++;
	}
	free(p->att);
	free(p->attrun);
	p->att = v;
	p->attrun = r;
	p->nattrun = k;
	p->capatt = p->natt + 1;
	p->capattrun = p->nattrun + 1;
}

/*
 * Stored attendees of id (any order) against want (any order): 0 the
 * same, else 1 with what changed in *chg (gone: stored, not wanted; put:
 * wanted, not stored as it is).  A replan mostly moves one psychologist:
 * two rows written, not a session's every attendee twice.
 */
static int
plan_attendees_diff(struct plan_run *p, const char *id,
    const struct sched_attendee *want, size_t n, struct plan_write *chg)
{
	struct plan_attrun	 key, *run;
	const struct plan_att	*old;
	size_t			 nold, i, j;

	key.session = id;
	run = p->nattrun == 0 ? NULL : bsearch(&key, p->attrun, p->nattrun,
	    sizeof(*p->attrun), plan_attrun_cmp);
	old = run == NULL ? NULL : &p->att[run->off];
	nold = run == NULL ? 0 : run->n;
	/* Mostly the same (a replan of every team): say so, allocating none. */
	for (j = 0; nold == n && j < n; j++) {
		for (i = 0; i < nold; i++) {
			if (strcmp(old[i].member, want[j].member) == 0)
				break;
		}
		if (i == nold || old[i].role != want[j].role)
			break;
	}
	if (nold == n && j == n)
		return (0);
	chg->gone = xcalloc(nold + 1, sizeof(*chg->gone));
	chg->att = xcalloc(n + 1, sizeof(*chg->att));
	chg->ngone = chg->natt = 0;
	/* Both are small: a linear look-up per attendee is cheap. */
	for (i = 0; i < nold; i++) {
		for (j = 0; j < n; j++) {
			if (strcmp(old[i].member, want[j].member) == 0)
				break;
		}
		if (j == n) {
			memcpy(chg->gone[chg->ngone].member, old[i].member,
			    sizeof(old[i].member));
			chg->gone[chg->ngone++].role = old[i].role;
		}
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < nold; i++) {
			if (strcmp(old[i].member, want[j].member) == 0)
				break;
		}
		if (i == nold || old[i].role != want[j].role)
			chg->att[chg->natt++] = want[j];
	}
	return (1);
}

static int
plan_decide(struct plan_run *p, struct plan_occ *oc, struct err *err)
{
	struct plan_series	*ps = oc->ps;
	struct sched_choice	 ch;
	const char		*was;
	struct sched_attendee	*att = NULL;
	struct plan_stored	*old;
	struct session		 x;
	char			 id[SCHED_ID_MAX + 1];
	size_t			 natt;
	struct plan_write	 w;
	int			 rc = -1, changed = 0, newpsych = 0;

	sched_session_id(ps->r->slug, oc->o.date, id);
	if ((old = plan_find(p, id)) != NULL) {
		p->seen[old - p->stored] = 1;
		if (old->state == SESSION_HELD || old->manual ||
		    old->start < p->now)
			return (0);
		plan_stored_session(old, &x);
		if (old->psychologist[0] != '\0')
			sched_book_remove(p->book, old->psychologist, id);
	} else {
		memset(&x, 0, sizeof(x));
		util_strlcpy(x.id, id, sizeof(x.id));
		util_strlcpy(x.series, ps->r->slug, sizeof(x.series));
		x.kind = ps->r->kind;
		x.state = SESSION_PLANNED;
		plan_uid(p->conf, id, x.uid, sizeof(x.uid));
	}

	if (plan_choose(p, ps->wanted, oc->o.start, oc->o.end,
	    old != NULL ? old->psychologist : "", &ch, err) == -1)
		return (-1);
	/* Another team's cover after this may change: check it (scoped). */
	was = old != NULL && plan_rebooked(p, old) ? old->psychologist : "";
	if (p->scoped && strcmp(ch.psychologist, was) != 0 &&
	    ((*was != '\0' && plan_mark(p, oc->o.start, oc->o.end, was,
	    err) == -1) || (ch.psychologist[0] != '\0' && plan_mark(p,
	    oc->o.start, oc->o.end, ch.psychologist, err) == -1)))
		return (-1);
	if (ch.psychologist[0] != '\0')
		sched_book_add(p->book, ch.psychologist, id, oc->o.start,
		    oc->o.end);
	natt = sched_attendees(ps->members, ps->nmembers, &p->abs, oc->o.date,
	    ch.psychologist, ps->cofac, &att);

	if (old == NULL || x.state != SESSION_PLANNED ||
	    x.start != oc->o.start || x.end != oc->o.end ||
	    strcmp(x.location, ps->r->location) != 0 ||
	    strcmp(x.psychologist, ch.psychologist) != 0 ||
	    strcmp(x.teams, ps->teams) != 0)
		changed = 1;
	newpsych = old == NULL || strcmp(x.psychologist, ch.psychologist) != 0;
	/* The reason can change with the cover kept: why not the wanted. */
	if (!newpsych && strcmp(x.cover_reason, ch.reason) != 0) {
		util_strlcpy(x.cover_reason, ch.reason, sizeof(x.cover_reason));
		changed = 1;
	}
	if (old != NULL && x.state == SESSION_CANCELLED) {
		/* Cancelled by a replan, not by hand: the occurrence is back. */
		x.state = SESSION_PLANNED;
	}
	x.start = oc->o.start;
	x.end = oc->o.end;
	util_strlcpy(x.location, ps->r->location, sizeof(x.location));
	util_strlcpy(x.teams, ps->teams, sizeof(x.teams));
	if (newpsych) {
		util_strlcpy(x.psychologist, ch.psychologist,
		    sizeof(x.psychologist));
		util_strlcpy(x.cover_reason, ch.reason, sizeof(x.cover_reason));
	}
	/* A pass that widens is run again for more teams: it writes nothing. */
	if (p->nwiden > 0) {
		rc = 0;
		goto out;
	}
	memset(&w, 0, sizeof(w));
	if (x.psychologist[0] == '\0' && !x.uncovered_alerted) {
		w.alert = xstrdup(ch.reason);
		x.uncovered_alerted = 1;
		changed = 1;
	} else if (x.psychologist[0] != '\0' && x.uncovered_alerted) {
		x.uncovered_alerted = 0;
		changed = 1;
	}
	if (old == NULL) {
		w.op = PLAN_WRITE_INSERT;
		w.att = att;
		w.natt = natt;
		att = NULL;
		p->out->created++;
	} else {
		if (plan_attendees_diff(p, id, att, natt, &w))
			changed = 1;
		if (!changed) {
			rc = 0;
			goto out;
		}
		w.op = PLAN_WRITE_UPDATE;
		p->out->updated++;
	}
	w.ps = ps;
	w.x = x;
	rc = plan_write(p, &w, err);
out:
	free(att);
	return (rc);
}

/*
 * A decision's writes, taken from *w.  A scoped pass holds them till it
 * ends (plan_write_all): one that widens is run again for more teams and
 * drops them unwritten.  So it needs no savepoint to undo it, whose
 * journal would keep in memory the old image of every page written under
 * it: half a megabyte for a borough's series add.
 */
static int
plan_write(struct plan_run *p, struct plan_write *w, struct err *err)
{
	struct plan_write	*held;
	int			 rc;

	if (!p->scoped) {
		rc = plan_write_one(p, w, err);
		plan_write_clear(w);
		return (rc);
	}
	held = xmalloc(sizeof(*held));
	*held = *w;
	held->next = NULL;
	if (p->lastwrite == NULL)
		p->lastwrite = &p->writes;
	*p->lastwrite = held;
	p->lastwrite = &held->next;
	return (0);
}

static int
plan_write_one(struct plan_run *p, const struct plan_write *w,
    struct err *err)
{
	const char	*id = w->x.id;

	if (w->alert != NULL && plan_alert(p, w->ps, &w->x, w->alert,
	    err) == -1)
		return (-1);
	if (w->op == PLAN_WRITE_INSERT)
		return (store_session_insert(p->store, &w->x, err) == -1 ||
		    store_attendees_add(p->store, id, w->att, w->natt,
		    err) == -1 ? -1 : 0);
	if (store_attendees_change(p->store, id, w->gone, w->ngone, w->att,
	    w->natt, err) == -1)
		return (-1);
	return (store_session_update(p->store, &w->x, err));
}

/* A scoped pass that did not widen: what it decided, in order. */
static int
plan_write_all(struct plan_run *p, struct err *err)
{
	struct plan_write	*w;
	int			 rc = 0;

	while ((w = p->writes) != NULL) {
		p->writes = w->next;
		if (rc == 0 && plan_write_one(p, w, err) == -1)
			rc = -1;
		plan_write_clear(w);
		free(w);
	}
	p->lastwrite = NULL;
	return (rc);
}

static void
plan_write_clear(struct plan_write *w)
{
	free(w->att);
	free(w->gone);
	free(w->alert);
}

/*
 * A stored session this run decides again: planned, not by hand, in the
 * window, its series expanded.  Its booking is taken out before deciding.
 */
int
plan_rebooked(const struct plan_run *p, const struct plan_stored *x)
{
	size_t	j;

	if (x->state != SESSION_PLANNED || x->manual ||
	    x->psychologist[0] == '\0' || x->start < p->now ||
	    x->start >= p->until)
		return (0);
	for (j = 0; p->anyfailed && j < p->nseries; j++) {
		if (strcmp(p->ps[j].r->slug, x->series) == 0)
			return (!p->ps[j].failed);
	}
	return (1);
}

/*
 * Before deciding: the book keeps only what this run leaves as it is
 * (held, manual, started, a series that failed to expand).  The planned
 * sessions it decides again are taken out, so an occurrence is decided
 * against the choices made before it in time order and never against a
 * stale later booking: the answer is the cold plan's whatever the
 * history.
 */
static void
plan_unbook(struct plan_run *p)
{
	size_t	i, j;

	for (j = 0; j < p->nseries; j++)
		p->anyfailed |= p->ps[j].failed;
	for (i = 0; i < p->nstored; i++) {
		if (plan_rebooked(p, &p->stored[i]))
			sched_book_remove(p->book, p->stored[i].psychologist,
			    p->stored[i].id);
	}
}

/*
 * The psychologist for a session of a series wanting wanted, against the
 * book as it stands: the wanted one or cover (schedule.c), a cover already
 * chosen (old) staying while still free, so that a replan does not
 * reshuffle one cover for another; the wanted one, free again, takes the
 * session back (SPEC 5, step 3).
 */
int
plan_choose(struct plan_run *p, const char *wanted, time_t start,
    time_t end, const char *old, struct sched_choice *ch, struct err *err)
{
	struct sched_assign	a;
	int			r;

	memset(&a, 0, sizeof(a));
	a.wanted = wanted;
	a.keep = old;
	a.psychs = p->psychs;
	a.npsychs = p->npsychs;
	a.absences = &p->abs;
	a.book = p->book;
	a.start = start;
	a.end = end;
	a.buffer_minutes = p->conf->buffer_minutes;
	sched_assign_psychologist(&a, ch);
	/* Cover weighs every psychologist's week: read it whole (scoped). */
	if (p->scoped && strcmp(ch->psychologist, wanted) != 0) {
		if ((r = plan_weeks_load(p, start, end, err)) == -1)
			return (-1);
		if (r == 1)
			sched_assign_psychologist(&a, ch);
	}
	return (0);
}

/* Planned sessions in the window whose occurrence went away. */
static int
plan_cancel_gone(struct plan_run *p, struct err *err)
{
	struct plan_stored	*x;
	struct plan_write	 w;
	size_t			 i, j;
	int			 keep;

	for (i = 0; i < p->nstored; i++) {
		x = &p->stored[i];
		if (p->seen[i] || x->state != SESSION_PLANNED || x->manual ||
		    x->start < p->now || x->start >= p->until)
			continue;
		keep = 0;
		for (j = 0; j < p->nseries; j++) {
			if (strcmp(p->ps[j].r->slug, x->series) == 0)
				keep = p->ps[j].failed;
		}
		if (keep)
			continue;
		x->state = SESSION_CANCELLED;
		memset(&w, 0, sizeof(w));
		w.op = PLAN_WRITE_UPDATE;
		plan_stored_session(x, &w.x);
		if (plan_write(p, &w, err) == -1)
			return (-1);
		if (x->psychologist[0] != '\0')
			sched_book_remove(p->book, x->psychologist, x->id);
		p->out->cancelled++;
	}
	return (0);
}

/*
 * One alert to each manager of the series' teams (alerts.c sends a
 * manager of two of them one).  The caller marks the session alerted, so
 * this runs once per session until it is covered again.
 */
static int
plan_alert(struct plan_run *p, const struct plan_series *ps,
    const struct session *x, const char *why, struct err *err)
{
	const struct member	*mgrs[SERIES_MAX_TEAMS];
	const struct team	*t;
	size_t			 i, n = 0;
	int			 queued = 0;

	for (i = 0; i < ps->r->nteams && n < SERIES_MAX_TEAMS; i++) {
		if ((t = plan_team(p, ps->r->teams[i])) != NULL &&
		    t->manager[0] != '\0')
			mgrs[n++] = plan_member(p, t->manager);
	}
	if (alerts_uncovered(p->store, p->conf, p->now, x, ps->r->slug,
	    ps->teams, why, mgrs, n, &queued, err) == -1)
		return (-1);
	p->out->messages_queued += queued;
	return (0);
}

/*
 * One pass over the scope: 0 planned, 1 the scope must widen (p->widen;
 * the caller rolls back and runs again), -1 error.
 */
static int
plan_pass(struct plan_run *p, struct err *err)
{
	size_t	i;

	if (plan_load(p, err) == -1)
		return (-1);
	for (i = 0; i < p->nseries; i++)
		plan_expand(p, &p->ps[i]);
	if (p->nocc > 0)
		qsort(p->occ, p->nocc, sizeof(*p->occ), plan_occ_cmp);
	/*
	 * A region's full run writes hundreds of megabytes of pages in one
	 * transaction: a small page cache spills them to the WAL and reads
	 * them back (twice the system time).  planner_run puts it back.
	 */
	if (!p->scoped && p->nocc > PLANNER_BIG_RUN)
		p->boosted = store_cache_size(p->store,
		    PLANNER_BIG_CACHE_KIB) == 0;
	plan_unbook(p);
	if (p->scoped && plan_premark(p, err) == -1)
		return (-1);
	/* Decisions and replays merged in time order; replays may grow. */
	for (i = 0; i < p->nocc; i++) {
		while (p->repi < p->nrep && plan_replay_before(&p->rep[p->repi],
		    &p->occ[i])) {
			if (plan_replay(p, &p->rep[p->repi++], err) == -1)
				return (-1);
		}
		p->pos = p->occ[i].o.start;
		util_strlcpy(p->posseries, p->occ[i].ps->r->slug,
		    sizeof(p->posseries));
		if (plan_decide(p, &p->occ[i], err) == -1)
			return (-1);
	}
	while (p->repi < p->nrep) {
		if (plan_replay(p, &p->rep[p->repi++], err) == -1)
			return (-1);
	}
	if (p->nwiden > 0)
		return (1);
	if (plan_cancel_gone(p, err) == -1)
		return (-1);
	return (plan_write_all(p, err));
}

/* The scope's teams into the store's scope table, closed over series. */
static int
plan_scope_set(struct store *s, char **teams, size_t n, struct err *err)
{
	size_t	i;

	if (store_scope_clear(s, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (store_scope_add(s, teams[i], err) == -1)
			return (-1);
	}
	return (store_scope_close(s, err));
}

int
planner_run(struct store *s, const struct config *conf,
    const struct sched_holidays *hol, time_t now,
    const struct planner_scope *scope, struct planner_counts *out,
    struct err *err)
{
	struct plan_run		p;
	struct invites_counts	ic;
	char			**teams = NULL;
	size_t			 nteams = 0, i;
	int			 rc = -1, r, scoped, passes = 0, boosted = 0;
	double			 t0, t1, t2, t3;
	char			 what[32];

	t0 = util_ms();
	scoped = scope != NULL && !scope->all;
	memset(&p, 0, sizeof(p));
	if (scoped) {
		teams = xcalloc(scope->nteams + 1, sizeof(*teams));
		for (i = 0; i < scope->nteams; i++)
			teams[nteams++] = xstrdup(scope->teams[i]);
	}
	for (;;) {
		memset(out, 0, sizeof(*out));
		memset(&p, 0, sizeof(p));
		p.store = s;
		p.conf = conf;
		p.hol = hol;
		p.now = now;
		p.until = now + (time_t)conf->horizon_days * PLANNER_DAY;
		p.out = out;
		p.scoped = scoped;
		p.scope = scope;
		passes++;
		if (scoped && plan_scope_set(s, teams, nteams, err) == -1)
			goto out;
		if ((r = plan_pass(&p, err)) == -1)
			goto out;
		if (r == 0)
			break;
		/* Cover moved across teams: theirs too, from the start. */
		teams = xreallocarray(teams, nteams + p.nwiden + 1,
		    sizeof(*teams));
		for (i = 0; i < p.nwiden; i++)
			teams[nteams++] = xstrdup(p.widen[i]);
		plan_free(&p);
	}
	/* The run's arrays go first: a region's year is not held twice. */
	boosted = p.boosted;
	plan_free(&p);
	memset(&p, 0, sizeof(p));
	t1 = util_ms();
	/* Presenters once every team's sessions are decided (5.4-5.6). */
	if (presenters_plan(s, conf, now, scoped, &out->updated, err) == -1)
		goto out;
	t2 = util_ms();
	/* The mail the run's changes cause, in the same transaction. */
	memset(&ic, 0, sizeof(ic));
	if (invites_sync(s, conf, now, scoped, &ic, err) == -1)
		goto out;
	t3 = util_ms();
	out->messages_queued += ic.invitations + ic.updates +
	    ic.cancellations + ic.reminders;
	rc = 0;
	if (out->created + out->updated + out->cancelled > 0)
		log_info("planner: %d created, %d updated, %d cancelled, %d "
		    "messages", out->created, out->updated, out->cancelled,
		    out->messages_queued);
	if (scoped && passes > 1)
		log_debug("planner: scope widened to %zu team(s) in %d passes",
		    nteams, passes);
	if (scoped)
		snprintf(what, sizeof(what), "%zu team(s)", nteams);
	else
		snprintf(what, sizeof(what), "every team");
	log_debug("planner: %s: sessions %.1f ms, presenters %.1f ms, mail "
	    "%.1f ms", what, t1 - t0, t2 - t1, t3 - t2);
	if (!scoped)
		planner_full = t3 - t0;
out:
	if (boosted || p.boosted)
		store_cache_size(s, 0);
	plan_free(&p);
	for (i = 0; i < nteams; i++)
		free(teams[i]);
	free(teams);
	return (rc);
}

int
planner_hold(struct store *s, const struct config *conf, time_t now,
    int *held, struct err *err)
{
	struct session	*v = NULL;
	size_t		 n = 0, i;
	int		 rc = -1;

	*held = 0;
	if (store_session_ended(s, now, &v, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		v[i].state = SESSION_HELD;
		if (store_session_update(s, &v[i], err) == -1 ||
		    presenters_held(s, v[i].id, v[i].start, err) == -1)
			goto out;
		if (conf->assume_attended && store_attendance_default(s,
		    v[i].id, attendance_name(ATTEND_ATTENDED), err) == -1)
			goto out;
		(*held)++;
	}
	rc = 0;
out:
	free(v);
	return (rc);
}

int
planner_session_cancel(struct store *s, const char *id, const char *reason,
    const char *by, struct err *err)
{
	struct session	x;

	if (store_session_get(s, id, &x, err) == -1)
		return (-1);
	if (x.state == SESSION_HELD)
		return (err_set(err, ERR_CONFLICT, "session %s was held on "
		    "its date and cannot be cancelled", id));
	if (x.state == SESSION_CANCELLED && x.manual)
		return (err_set(err, ERR_CONFLICT, "session %s is already "
		    "cancelled", id));
	x.state = SESSION_CANCELLED;
	x.manual = 1;
	if (store_session_update(s, &x, err) == -1)
		return (-1);
	return (store_session_set_note(s, id, 0, reason != NULL ? reason : "",
	    by, err));
}

/*
 * A moved session is decided again for its new date: the psychologist
 * (cover when the series' one is absent, busy or at capacity that week)
 * and the attendees, with an uncovered alert as the planner would send.
 * It stays manual, so replans leave it where the manager put it.
 */
int
planner_session_move(struct store *s, const struct config *conf,
    const char *id, time_t start, const char *location, const char *reason,
    const char *by, struct planner_counts *out, struct err *err)
{
	struct planner_counts	 dummy;
	struct plan_run		 p;
	struct plan_series	*ps = NULL;
	struct sched_assign	 a;
	struct sched_choice	 ch;
	struct sched_attendee	*att = NULL;
	struct session		 x;
	char			 date[DATE_LEN], first[SLUG_MAX + 1], *teams[1];
	struct session_booking	*rows = NULL;
	size_t			 natt, i, nrows = 0;
	time_t			 len;
	int			 rc = -1;

	if (out == NULL)
		out = &dummy;
	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if (store_session_get(s, id, &x, err) == -1)
		return (-1);
	if (x.state != SESSION_PLANNED)
		return (err_set(err, ERR_CONFLICT, "session %s is %s and "
		    "cannot be moved", id, session_state_name(x.state)));
	if (start < clock_now())
		return (err_set(err, ERR_INVALID, "start: in the past"));
	len = x.end - x.start;

	/*
	 * What is booked around the new date, without this session: its
	 * teams' sessions and every other team's bookings (the scope table
	 * names its teams; nothing here is decided again).
	 */
	p.store = s;
	p.conf = conf;
	p.now = start - PLANNER_BOOK_MARGIN;
	p.until = start + PLANNER_BOOK_MARGIN;
	p.out = out;
	p.scoped = 1;
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(x.teams, ","),
	    x.teams);
	teams[0] = first;
	if (plan_scope_set(s, teams, first[0] != '\0' ? 1 : 0, err) == -1 ||
	    plan_load(&p, err) == -1 ||
	    store_session_bookings(s, p.now, p.until, NULL, &rows, &nrows,
	    err) == -1)
		goto out;
	for (i = 0; i < nrows; i++) {
		if (rows[i].psychologist[0] != '\0')
			sched_book_add(p.book, rows[i].psychologist,
			    rows[i].id, rows[i].start, rows[i].end);
	}
	p.now = clock_now();	/* alerts are dated now */
	if (x.psychologist[0] != '\0')
		sched_book_remove(p.book, x.psychologist, id);
	for (i = 0; i < p.nseries; i++) {
		if (strcmp(p.ps[i].r->slug, x.series) == 0)
			ps = &p.ps[i];
	}

	x.start = start;
	x.end = start + len;
	if (location != NULL)
		util_strlcpy(x.location, location, sizeof(x.location));
	x.manual = 1;
	if (ps != NULL) {
		/* A removed series' session keeps whom it had. */
		memset(&a, 0, sizeof(a));
		a.wanted = ps->wanted;
		a.psychs = p.psychs;
		a.npsychs = p.npsychs;
		a.absences = &p.abs;
		a.book = p.book;
		a.start = x.start;
		a.end = x.end;
		a.buffer_minutes = conf->buffer_minutes;
		sched_assign_psychologist(&a, &ch);
		util_strlcpy(x.psychologist, ch.psychologist,
		    sizeof(x.psychologist));
		util_strlcpy(x.cover_reason, ch.reason, sizeof(x.cover_reason));
		sched_local_date(x.start, date);
		natt = sched_attendees(ps->members, ps->nmembers, &p.abs, date,
		    ch.psychologist, ps->cofac, &att);
		if (store_attendees_replace(s, id, att, natt, err) == -1)
			goto out;
		if (x.psychologist[0] == '\0' && !x.uncovered_alerted) {
			if (plan_alert(&p, ps, &x, ch.reason, err) == -1)
				goto out;
			x.uncovered_alerted = 1;
		} else if (x.psychologist[0] != '\0')
			x.uncovered_alerted = 0;
	}
	if (store_session_update(s, &x, err) == -1 ||
	    store_session_set_note(s, id, 1, reason != NULL ? reason : "", by,
	    err) == -1)
		goto out;
	rc = 0;
out:
	free(rows);
	free(att);
	plan_free(&p);
	return (rc);
}

int
planner_session_attend(struct store *s, const char *id, const char *member,
    int status, struct err *err)
{
	struct session_attendee	*v = NULL;
	struct session		 x;
	size_t			 n = 0, i;
	int			 found = 0;

	if (store_session_get(s, id, &x, err) == -1)
		return (-1);
	if (x.state == SESSION_CANCELLED)
		return (err_set(err, ERR_CONFLICT, "session %s is cancelled",
		    id));
	if (store_attendees_get(s, id, &v, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].member, member) == 0)
			found = 1;
	}
	free(v);
	if (!found)
		return (err_set(err, ERR_INVALID, "member: %s is not an "
		    "attendee of %s", member, id));
	return (store_attendance_set(s, id, member, status == ATTEND_NONE ?
	    NULL : attendance_name(status), err));
}

int
planner_series_cancel(struct store *s, const char *series, time_t now,
    struct planner_scope *scope, int *n, struct err *err)
{
	struct session	*v = NULL;
	size_t		 nv = 0, i;
	int		 rc = -1;

	*n = 0;
	if (store_session_list(s, now, (time_t)INT64_MAX / 2, series, NULL,
	    NULL, NULL, &v, &nv, err) == -1)
		return (-1);
	for (i = 0; i < nv; i++) {
		if (v[i].state != SESSION_PLANNED)
			continue;
		v[i].state = SESSION_CANCELLED;
		if (store_session_update(s, &v[i], err) == -1)
			goto out;
		if (scope != NULL && v[i].psychologist[0] != '\0')
			planner_scope_dirty(scope, v[i].start, v[i].end,
			    v[i].psychologist);
		(*n)++;
	}
	rc = 0;
out:
	free(v);
	return (rc);
}

int
planner_count_planned(struct store *s, int *n, struct err *err)
{
	return (store_session_count_planned(s, n, err));
}

double
planner_full_ms(void)
{
	return (planner_full);
}
