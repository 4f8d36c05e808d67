/*
 * rotation: presenters and cases for group supervision (SPEC 5.4-5.6) with
 * reasons in plain words.  Pure: structs in, choices out; no I/O, no
 * database, no clock and no logging.  Case references go only into the
 * returned case fields, never into reasons, so the caller decides where
 * they travel.  It must not decide eligibility (the planner knows
 * absences, attendance and newcomer grace) and must not rescan history:
 * the team's running tally is fed once, session by session, in date order.
 *
 * The fairness rule, in plain words for managers:
 *
 *   Every group supervision session has a number of presentation slots
 *   (usually 2).  Each session "earns" its slots out to the members who
 *   could have presented at it, in proportion to their hours: in a session
 *   with 2 slots and 8 full-time members, each earns 2/8 = 0.25 of a
 *   presentation; a half-time member earns half of a full-timer's share.
 *   Someone on leave, off sick, not working that day, not yet started or
 *   still within their first weeks (newcomer grace) earns nothing for that
 *   session, so they are neither flooded with presentations on their
 *   return nor skipped.  A member's shortfall is what they have earned
 *   over the last 365 days (counting the planned sessions before the one
 *   being filled, and the share of the session being filled) minus the
 *   presentations they made or are planned to make in that time.
 *
 *   For each session: slots a manager pinned stay as pinned; then members
 *   who asked to present go first, oldest request first; then the member
 *   with the largest shortfall; on a tie, whoever has gone longest without
 *   presenting (never presented first); then by name.  Nobody presents
 *   twice in one session.  Someone with no case to bring (none open, or
 *   every case discussed within the cooldown and not flagged) is passed
 *   over this time.  A slot nobody can fill is reported as unfilled.
 *
 *   The team's fairness figure is the largest shortfall minus the
 *   smallest among the members eligible now: 0 is perfectly even.  Under
 *   this rule it stays small (under 2 in a year of a team of eight with
 *   a part-timer, a long absence and a newcomer); pins and requests can
 *   push it up for a while, and the rule then evens it out again.
 *
 *   The case a presenter brings: the one they asked to present; else a
 *   case flagged for discussion (oldest flag first); else one never
 *   discussed (oldest opened first); else by kind, child protection first
 *   (cp, lac, cin, care_leaver, early_help, other), then the longest since
 *   it was discussed.  A case discussed fewer than case_cooldown_days ago
 *   waits, unless it is flagged or asked for.
 *
 * Shortfalls are compared at a millionth of a presentation, so that the
 * rounding of sums such as 2 * 0.5 / 7.5 never decides a tie.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "domain.h"
#include "err.h"
#include "people.h"
#include "rotation.h"
#include "schedule.h"
#include "util.h"
#include "xmalloc.h"

#define ROT_QUANTUM	1e6		/* shortfall ties at 1e-6 */
#define ROT_NEVER	(-1L)		/* a day before every real day */

struct rot_member {
	char	slug[SLUG_MAX + 1];
	double	earned;
	int	presented;
	long	last;			/* day of last presentation, or never */
};

/* One earning or presentation, kept until it leaves the window. */
struct rot_entry {
	long	day;
	size_t	member;			/* index into members */
	double	earned;
	int	presented;
};

struct rot_case {
	char	ref[REF_MAX + 1];
	long	day;			/* latest presentation fed */
};

struct rotation_tally {
	struct rot_member	*members;	/* append-only */
	size_t			*order;		/* member indices by slug */
	size_t			 nmembers;
	size_t			 capmembers;
	struct rot_entry	*entries;	/* by day; [head, n) live */
	size_t			 head;
	size_t			 nentries;
	size_t			 capentries;
	struct rot_case		*cases;		/* by ref */
	size_t			 ncases;
	size_t			 capcases;
};

/* A candidate of one session with what the choice is decided on. */
struct rot_cand {
	const struct rotation_candidate	*c;
	double				 earned;	/* incl. this session */
	int				 presented;
	double				 shortfall;
	long long			 key;		/* quantised shortfall */
	long				 last;
};

static const char *rotation_how_names[] = {
	[ROTATION_HOW_ROTATION] = "rotation",
	[ROTATION_HOW_REQUEST] = "request",
	[ROTATION_HOW_PINNED] = "pinned",
};

/* SPEC 5.5 kind priority: cp, lac, cin, care_leaver, early_help, other. */
static const int rot_kind_rank[KIND_COUNT] = {
	[KIND_CP] = 0,
	[KIND_LAC] = 1,
	[KIND_CIN] = 2,
	[KIND_CARE_LEAVER] = 3,
	[KIND_EARLY_HELP] = 4,
	[KIND_OTHER] = 5,
};

static int	 rot_empty(const char *);
static double	 rot_fte(double);
static long long rot_quantise(double);
static void	 rot_fmt1(double, char *, size_t);
static void	 rot_day_text(long, char buf[DATE_LEN]);
static int	 rot_find(const struct rotation_tally *, const char *,
		    size_t *);
static size_t	 rot_intern(struct rotation_tally *, const char *);
static void	 rot_push(struct rotation_tally *, long, size_t, double, int);
static const struct rot_case *rot_case_find(const struct rotation_tally *,
		    const char *);
static void	 rot_case_note(struct rotation_tally *, const char *, long);
static int	 rot_kind_of(int);
static int	 rot_case_better(const struct casefile *, int, long,
		    const struct casefile *, int, long);
static int	 rot_pick_case(const struct rotation_tally *, const char *,
		    long, int, const struct casefile *, size_t, const char *,
		    const char *const *, size_t,
		    struct rotation_case_choice *);
static int	 rot_cand_cmp(const void *, const void *);
static void	 rot_reason(struct rotation_slot *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static const struct rotation_candidate *rot_candidate(
		    const struct rotation_input *, const char *);
static int	 rot_used(const char *const *, size_t, const char *);
static void	 rot_unfilled(const struct rotation_input *,
		    struct rotation_slot *, size_t, const char *);

const char *
rotation_how_name(int how)
{
	if (how < 0 || how >= ROTATION_HOW_COUNT)
		return ("rotation");
	return (rotation_how_names[how]);
}

int
rotation_how_parse(const char *s)
{
	int	i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < ROTATION_HOW_COUNT; i++)
		if (strcmp(s, rotation_how_names[i]) == 0)
			return (i);
	return (-1);
}

static int
rot_empty(const char *s)
{
	return (s == NULL || s[0] == '\0');
}

/* An fte outside (0, 1] cannot come from validated input; count it as 1. */
static double
rot_fte(double fte)
{
	if (!(fte > 0 && fte <= 1))
		return (1);
	return (fte);
}

static long long
rot_quantise(double x)
{
	x *= ROT_QUANTUM;
	return ((long long)(x >= 0 ? x + 0.5 : x - 0.5));
}

/* One decimal, never "-0.0". */
static void
rot_fmt1(double x, char *buf, size_t len)
{
	if (x > -0.05 && x < 0.05)
		x = 0;
	snprintf(buf, len, "%.1f", x);
}

static void
rot_day_text(long day, char buf[DATE_LEN])
{
	if (day == ROT_NEVER)
		buf[0] = '\0';
	else
		sched_date_format(day, buf);
}

/* ---- tallies ------------------------------------------------------------ */

struct rotation_tally *
rotation_tally_new(void)
{
	return (xcalloc(1, sizeof(struct rotation_tally)));
}

void
rotation_tally_free(struct rotation_tally *t)
{
	if (t == NULL)
		return;
	free(t->members);
	free(t->order);
	free(t->entries);
	free(t->cases);
	free(t);
}

/* 1 and its index in members if known; else 0 and where order inserts. */
static int
rot_find(const struct rotation_tally *t, const char *slug, size_t *at)
{
	size_t	lo, hi, mid;
	int	c;

	lo = 0;
	hi = t->nmembers;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(slug, t->members[t->order[mid]].slug);
		if (c == 0) {
			*at = t->order[mid];
			return (1);
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*at = lo;
	return (0);
}

static size_t
rot_intern(struct rotation_tally *t, const char *slug)
{
	struct rot_member	*m;
	size_t			 at, idx;

	if (rot_find(t, slug, &at))
		return (at);
	if (t->nmembers == t->capmembers) {
		t->capmembers = t->capmembers == 0 ? 16 : t->capmembers * 2;
		t->members = xreallocarray(t->members, t->capmembers,
		    sizeof(*t->members));
		t->order = xreallocarray(t->order, t->capmembers,
		    sizeof(*t->order));
	}
	idx = t->nmembers;
	m = &t->members[idx];
	memset(m, 0, sizeof(*m));
	util_strlcpy(m->slug, slug, sizeof(m->slug));
	m->last = ROT_NEVER;
	memmove(&t->order[at + 1], &t->order[at],
	    (t->nmembers - at) * sizeof(*t->order));
	t->order[at] = idx;
	t->nmembers++;
	return (idx);
}

static void
rot_push(struct rotation_tally *t, long day, size_t member, double earned,
    int presented)
{
	struct rot_entry	*e;

	if (t->nentries == t->capentries) {
		/* Reuse the expired front before growing. */
		if (t->head > 0) {
			memmove(t->entries, &t->entries[t->head],
			    (t->nentries - t->head) * sizeof(*t->entries));
			t->nentries -= t->head;
			t->head = 0;
		}
		if (t->nentries == t->capentries) {
			t->capentries = t->capentries == 0 ? 64 :
			    t->capentries * 2;
			t->entries = xreallocarray(t->entries, t->capentries,
			    sizeof(*t->entries));
		}
	}
	e = &t->entries[t->nentries++];
	e->day = day;
	e->member = member;
	e->earned = earned;
	e->presented = presented;
	t->members[member].earned += earned;
	t->members[member].presented += presented;
}

int
rotation_tally_earn(struct rotation_tally *t, const char *date, int slots,
    const struct rotation_share *elig, size_t n)
{
	double	sum;
	long	day;
	size_t	i;

	if (t == NULL || sched_date_parse(date, &day) == -1 || slots < 0 ||
	    slots > ROTATION_SLOTS_MAX)
		return (-1);
	sum = 0;
	for (i = 0; i < n; i++)
		if (!rot_empty(elig[i].member))
			sum += rot_fte(elig[i].fte);
	if (slots == 0 || sum <= 0)
		return (0);
	for (i = 0; i < n; i++) {
		if (rot_empty(elig[i].member))
			continue;
		rot_push(t, day, rot_intern(t, elig[i].member),
		    slots * rot_fte(elig[i].fte) / sum, 0);
	}
	return (0);
}

int
rotation_tally_present(struct rotation_tally *t, const char *date,
    const char *member, const char *case_ref)
{
	size_t	idx;
	long	day;

	if (t == NULL || rot_empty(member) ||
	    sched_date_parse(date, &day) == -1)
		return (-1);
	idx = rot_intern(t, member);
	rot_push(t, day, idx, 0, 1);
	if (day > t->members[idx].last)
		t->members[idx].last = day;
	if (!rot_empty(case_ref))
		rot_case_note(t, case_ref, day);
	return (0);
}

int
rotation_tally_expire(struct rotation_tally *t, const char *before)
{
	struct rot_entry	*e;
	struct rot_member	*m;
	long			 day;

	if (t == NULL || sched_date_parse(before, &day) == -1)
		return (-1);
	while (t->head < t->nentries && t->entries[t->head].day < day) {
		e = &t->entries[t->head++];
		m = &t->members[e->member];
		m->earned -= e->earned;
		m->presented -= e->presented;
		/* Whole sums return to whole: no drift below zero. */
		if (m->earned < 1e-9 && m->earned > -1e-9)
			m->earned = 0;
	}
	if (t->head == t->nentries)
		t->head = t->nentries = 0;
	return (0);
}

int
rotation_tally_stats(const struct rotation_tally *t, const char *member,
    struct rotation_stats *st)
{
	const struct rot_member	*m;
	size_t			 idx;

	memset(st, 0, sizeof(*st));
	if (t == NULL || member == NULL || !rot_find(t, member, &idx))
		return (-1);
	m = &t->members[idx];
	st->earned = m->earned;
	st->presented = m->presented;
	st->shortfall = m->earned - m->presented;
	rot_day_text(m->last, st->last_presented);
	return (0);
}

double
rotation_fairness(const struct rotation_tally *t, const char *const *members,
    size_t n)
{
	struct rotation_stats	st;
	double			lo, hi;
	size_t			i;

	if (n < 2)
		return (0);
	lo = hi = 0;
	for (i = 0; i < n; i++) {
		rotation_tally_stats(t, members[i], &st);
		if (i == 0 || st.shortfall < lo)
			lo = st.shortfall;
		if (i == 0 || st.shortfall > hi)
			hi = st.shortfall;
	}
	return (hi - lo);
}

static const struct rot_case *
rot_case_find(const struct rotation_tally *t, const char *ref)
{
	size_t	lo, hi, mid;
	int	c;

	if (t == NULL)
		return (NULL);
	lo = 0;
	hi = t->ncases;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(ref, t->cases[mid].ref);
		if (c == 0)
			return (&t->cases[mid]);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (NULL);
}

static void
rot_case_note(struct rotation_tally *t, const char *ref, long day)
{
	size_t	lo, hi, mid;
	int	c;

	lo = 0;
	hi = t->ncases;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(ref, t->cases[mid].ref);
		if (c == 0) {
			if (day > t->cases[mid].day)
				t->cases[mid].day = day;
			return;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (t->ncases == t->capcases) {
		t->capcases = t->capcases == 0 ? 16 : t->capcases * 2;
		t->cases = xreallocarray(t->cases, t->capcases,
		    sizeof(*t->cases));
	}
	memmove(&t->cases[lo + 1], &t->cases[lo],
	    (t->ncases - lo) * sizeof(*t->cases));
	util_strlcpy(t->cases[lo].ref, ref, sizeof(t->cases[lo].ref));
	t->cases[lo].day = day;
	t->ncases++;
}

/* ---- case choice (5.5) ---------------------------------------------------- */

static int
rot_kind_of(int kind)
{
	if (kind < 0 || kind >= KIND_COUNT)
		return (rot_kind_rank[KIND_OTHER]);
	return (rot_kind_rank[kind]);
}

/*
 * 1 if case a comes before case b.  cat: 0 flagged, 1 never discussed,
 * 2 by kind; key: the flag's day (0), the day opened (1) or the day last
 * discussed (2); unknown dates sort last within their group.
 */
static int
rot_case_better(const struct casefile *a, int cata, long keya,
    const struct casefile *b, int catb, long keyb)
{
	int	ka, kb;

	if (cata != catb)
		return (cata < catb);
	if (cata == 2) {
		ka = rot_kind_of(a->kind);
		kb = rot_kind_of(b->kind);
		if (ka != kb)
			return (ka < kb);
	}
	if (keya != keyb)
		return (keya < keyb);
	return (strcmp(a->ref, b->ref) < 0);
}

static int
rot_pick_case(const struct rotation_tally *t, const char *member, long day,
    int cooldown, const struct casefile *cs, size_t n, const char *requested,
    const char *const *exclude, size_t nexclude,
    struct rotation_case_choice *out)
{
	const struct casefile	*c, *best;
	const struct rot_case	*rc;
	char			 d[32];
	long			 last, flagday, opened, key, bestkey, bestlast;
	size_t			 i, open, cooling;
	int			 cat, bestcat, req_lost;

	memset(out, 0, sizeof(*out));
	best = NULL;
	bestcat = 0;
	bestkey = bestlast = 0;
	open = cooling = 0;
	req_lost = !rot_empty(requested);
	for (i = 0; i < n; i++) {
		c = &cs[i];
		if (c->closed[0] != '\0' || strcmp(c->lead, member) != 0 ||
		    rot_used(exclude, nexclude, c->ref))
			continue;
		open++;
		if (!rot_empty(requested) && strcmp(c->ref, requested) == 0) {
			util_strlcpy(out->case_ref, c->ref,
			    sizeof(out->case_ref));
			snprintf(out->reason, sizeof(out->reason),
			    "the case they asked to present");
			return (0);
		}
		last = ROT_NEVER;
		if (sched_date_parse(c->last_discussed, &last) == -1)
			last = ROT_NEVER;
		if ((rc = rot_case_find(t, c->ref)) != NULL && rc->day > last)
			last = rc->day;
		if (sched_date_parse(c->flagged_on, &flagday) == -1)
			flagday = ROT_NEVER;
		if (c->flagged && (last == ROT_NEVER || last < flagday)) {
			cat = 0;
			/* A flag of unknown date waits behind dated ones. */
			key = flagday == ROT_NEVER ? day + 1 : flagday;
		} else if (last == ROT_NEVER) {
			cat = 1;
			if (sched_date_parse(c->opened, &opened) == -1)
				opened = day + 1;
			key = opened;
		} else if (day - last < cooldown) {
			cooling++;
			continue;
		} else {
			cat = 2;
			key = last;
		}
		if (best == NULL || rot_case_better(c, cat, key, best,
		    bestcat, bestkey)) {
			best = c;
			bestcat = cat;
			bestkey = key;
			bestlast = last;
		}
	}
	if (best == NULL) {
		if (open == 0)
			snprintf(out->reason, sizeof(out->reason),
			    "no open case of their own to present");
		else
			snprintf(out->reason, sizeof(out->reason),
			    "every case of theirs was discussed within the "
			    "last %d days", cooldown);
		return (-1);
	}
	util_strlcpy(out->case_ref, best->ref, sizeof(out->case_ref));
	switch (bestcat) {
	case 0:
		if (bestkey > day)
			snprintf(d, sizeof(d), "an unknown date");
		else
			rot_day_text(bestkey, d);
		if (best->flag_reason[0] != '\0')
			snprintf(out->reason, sizeof(out->reason),
			    "%scase flagged for discussion on %s: %s",
			    req_lost ? "the case they asked for is not open to "
			    "them; " : "", d, best->flag_reason);
		else
			snprintf(out->reason, sizeof(out->reason),
			    "%scase flagged for discussion on %s",
			    req_lost ? "the case they asked for is not open to "
			    "them; " : "", d);
		break;
	case 1:
		if (bestkey > day)
			snprintf(d, sizeof(d), "on an unknown date");
		else
			rot_day_text(bestkey, d);
		snprintf(out->reason, sizeof(out->reason),
		    "%snever discussed, opened %s",
		    req_lost ? "the case they asked for is not open to them; " :
		    "", d);
		break;
	default:
		rot_day_text(bestlast, d);
		snprintf(out->reason, sizeof(out->reason),
		    "%sno flagged or new case; %s comes first by kind "
		    "(cp, lac, cin, care_leaver, early_help, other), "
		    "last discussed %s",
		    req_lost ? "the case they asked for is not open to them; " :
		    "", case_kind_name(best->kind), d);
		break;
	}
	return (0);
}

int
rotation_pick_case(const struct rotation_tally *t, const char *member,
    const char *date, int cooldown_days, const struct casefile *cs, size_t n,
    const char *requested, struct rotation_case_choice *out)
{
	long	day;

	if (member == NULL || sched_date_parse(date, &day) == -1) {
		memset(out, 0, sizeof(*out));
		snprintf(out->reason, sizeof(out->reason), "no valid date");
		return (-1);
	}
	return (rot_pick_case(t, member, day, cooldown_days, cs, n, requested,
	    NULL, 0, out));
}

/* ---- one session (5.4, 5.6) ---------------------------------------------- */

/* Largest shortfall, then longest since presenting (never first), slug. */
static int
rot_cand_cmp(const void *pa, const void *pb)
{
	const struct rot_cand	*a = pa, *b = pb;

	if (a->key != b->key)
		return (a->key > b->key ? -1 : 1);
	if (a->last != b->last)
		return (a->last < b->last ? -1 : 1);
	return (strcmp(a->c->member, b->c->member));
}

static void
rot_reason(struct rotation_slot *s, const char *fmt, ...)
{
	va_list	ap;

	if (s->nreasons >= ROTATION_REASONS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(s->reasons[s->nreasons], ROTATION_REASON_LEN, fmt, ap);
	va_end(ap);
	s->nreasons++;
}

static const struct rotation_candidate *
rot_candidate(const struct rotation_input *in, const char *member)
{
	size_t	i;

	for (i = 0; i < in->nmembers; i++)
		if (in->members[i].member != NULL &&
		    strcmp(in->members[i].member, member) == 0)
			return (&in->members[i]);
	return (NULL);
}

static int
rot_used(const char *const *used, size_t n, const char *s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(used[i], s) == 0)
			return (1);
	return (0);
}

/* Explain an empty slot: how many could present and who could not. */
static void
rot_unfilled(const struct rotation_input *in, struct rotation_slot *s,
    size_t neligible, const char *nocase)
{
	char	buf[ROTATION_REASON_LEN];
	size_t	i, len;
	int	any;

	rot_reason(s, "unfilled: %zu eligible member%s in %s for %d slot%s",
	    neligible, neligible == 1 ? "" : "s",
	    rot_empty(in->team) ? "the team" : in->team, in->slots,
	    in->slots == 1 ? "" : "s");
	if (nocase[0] != '\0')
		rot_reason(s, "no case to present: %s", nocase);
	len = 0;
	any = 0;
	buf[0] = '\0';
	for (i = 0; i < in->nmembers && len < sizeof(buf); i++) {
		if (in->members[i].ineligible == NULL ||
		    rot_empty(in->members[i].member))
			continue;
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s (%s)",
		    any ? ", " : "not eligible: ", in->members[i].member,
		    in->members[i].ineligible);
		any = 1;
	}
	if (any)
		rot_reason(s, "%s", buf);
}

int
rotation_fill(const struct rotation_input *in, const struct rotation_tally *t,
    struct rotation_result *res, struct err *err)
{
	const struct rotation_candidate	*c;
	const struct rotation_fixed	*f;
	const struct rotation_request	*rq, *ra, *rb;
	struct rotation_case_choice	 cc;
	const struct rot_member		*m;
	struct rotation_slot		*s;
	struct rot_cand			*cands = NULL;
	const char			*umem[ROTATION_SLOTS_MAX];
	const char			*ucase[ROTATION_SLOTS_MAX];
	char				 replaced[ROTATION_SLOTS_MAX]
					    [ROTATION_REASON_LEN];
	char				 nocase[ROTATION_REASON_LEN];
	char				 e1[16], s1[16], d[DATE_LEN];
	size_t				*rorder = NULL;
	size_t				 nused, ncase, ncands, neligible;
	size_t				 i, j, k, len, tmp, idx;
	double				 sum;
	long				 day, bday, rday;
	int				 slot, cmp;

	/* Only the slots asked for: the whole result is some 25 KB. */
	res->nslots = res->unfilled = 0;
	if (in == NULL || sched_date_parse(in->date, &day) == -1)
		return (err_set(err, ERR_INVALID, "rotation: bad session "
		    "date"));
	if (in->slots < 0 || in->slots > ROTATION_SLOTS_MAX)
		return (err_set(err, ERR_INVALID, "rotation: slots must be "
		    "0 to %d", ROTATION_SLOTS_MAX));
	memset(res->slots, 0, (size_t)in->slots * sizeof(res->slots[0]));
	res->nslots = in->slots;
	for (i = 0; i < (size_t)in->slots; i++) {
		res->slots[i].slot = (int)i + 1;
		res->slots[i].request = -1;
		replaced[i][0] = '\0';
	}
	nocase[0] = '\0';
	nused = ncase = 0;

	/* Pins: kept whatever, even for an ineligible member. */
	for (i = 0; i < in->npins; i++) {
		f = &in->pins[i];
		if (f->slot < 1 || f->slot > in->slots ||
		    rot_empty(f->member) || rot_used(umem, nused, f->member))
			continue;
		s = &res->slots[f->slot - 1];
		if (s->member[0] != '\0')
			continue;
		util_strlcpy(s->member, f->member, sizeof(s->member));
		s->how = ROTATION_HOW_PINNED;
		s->kept = 1;
		umem[nused++] = f->member;
		rot_reason(s, "pinned by a manager");
		if (!rot_empty(f->case_ref)) {
			util_strlcpy(s->case_ref, f->case_ref,
			    sizeof(s->case_ref));
			ucase[ncase++] = f->case_ref;
			continue;
		}
		c = rot_candidate(in, f->member);
		if (c != NULL && rot_pick_case(t, f->member, day,
		    in->case_cooldown_days, c->cases, c->ncases, NULL, ucase,
		    ncase, &cc) == 0) {
			util_strlcpy(s->case_ref, cc.case_ref,
			    sizeof(s->case_ref));
			ucase[ncase++] = s->case_ref;
			rot_reason(s, "%s", cc.reason);
		} else
			rot_reason(s, "no case chosen: %s", c == NULL ?
			    "they are not in the team's list" : cc.reason);
	}

	/* Frozen presenters stay unless they or their case became ineligible. */
	for (i = 0; i < in->nfrozen; i++) {
		f = &in->frozen[i];
		if (f->slot < 1 || f->slot > in->slots || rot_empty(f->member))
			continue;
		s = &res->slots[f->slot - 1];
		if (s->member[0] != '\0' || rot_used(umem, nused, f->member))
			continue;
		c = rot_candidate(in, f->member);
		if (c == NULL || c->ineligible != NULL) {
			snprintf(replaced[f->slot - 1], ROTATION_REASON_LEN,
			    "replaces %s, who can no longer present: %s",
			    f->member, c == NULL ? "no longer in the team" :
			    c->ineligible);
			continue;
		}
		if (!rot_empty(f->case_ref) && !rot_used(ucase, ncase,
		    f->case_ref)) {
			for (j = 0; j < c->ncases; j++)
				if (strcmp(c->cases[j].ref, f->case_ref) == 0 &&
				    c->cases[j].closed[0] == '\0' &&
				    strcmp(c->cases[j].lead, f->member) == 0)
					break;
			if (j < c->ncases) {
				util_strlcpy(s->member, f->member,
				    sizeof(s->member));
				util_strlcpy(s->case_ref, f->case_ref,
				    sizeof(s->case_ref));
				s->how = f->how >= 0 && f->how <
				    ROTATION_HOW_COUNT ? f->how :
				    ROTATION_HOW_ROTATION;
				s->kept = 1;
				umem[nused++] = f->member;
				ucase[ncase++] = c->cases[j].ref;
				rot_reason(s, "kept: the session is within "
				    "the freeze window");
				continue;
			}
		}
		/* Their case went: the presenter stays with another case. */
		if (rot_pick_case(t, f->member, day, in->case_cooldown_days,
		    c->cases, c->ncases, NULL, ucase, ncase, &cc) == -1) {
			snprintf(replaced[f->slot - 1], ROTATION_REASON_LEN,
			    "replaces %s, whose case is closed or no longer "
			    "theirs and who has no other case to present",
			    f->member);
			continue;
		}
		util_strlcpy(s->member, f->member, sizeof(s->member));
		util_strlcpy(s->case_ref, cc.case_ref, sizeof(s->case_ref));
		s->how = f->how >= 0 && f->how < ROTATION_HOW_COUNT ?
		    f->how : ROTATION_HOW_ROTATION;
		umem[nused++] = f->member;
		ucase[ncase++] = s->case_ref;
		rot_reason(s, "kept: the session is within the freeze window");
		rot_reason(s, "their planned case is closed or no longer "
		    "theirs; %s", cc.reason);
	}

	/* The candidates' standing before this session, with its share. */
	sum = 0;
	neligible = 0;
	for (i = 0; i < in->nmembers; i++)
		if (in->members[i].ineligible == NULL &&
		    !rot_empty(in->members[i].member)) {
			sum += rot_fte(in->members[i].fte);
			neligible++;
		}
	cands = xcalloc(neligible + 1, sizeof(*cands));
	ncands = 0;
	for (i = 0; i < in->nmembers; i++) {
		c = &in->members[i];
		if (c->ineligible != NULL || rot_empty(c->member))
			continue;
		/* The tally's own figures: no date text made and parsed. */
		m = t != NULL && rot_find(t, c->member, &idx) ?
		    &t->members[idx] : NULL;
		cands[ncands].c = c;
		cands[ncands].earned = (m != NULL ? m->earned : 0) +
		    (sum > 0 ? in->slots * rot_fte(c->fte) / sum : 0);
		cands[ncands].presented = m != NULL ? m->presented : 0;
		cands[ncands].shortfall = cands[ncands].earned -
		    cands[ncands].presented;
		cands[ncands].key = rot_quantise(cands[ncands].shortfall);
		cands[ncands].last = m != NULL ? m->last : ROT_NEVER;
		ncands++;
	}

	/* Requests, oldest first (then by member, then as given). */
	rorder = xcalloc(in->nrequests + 1, sizeof(*rorder));
	for (i = 0; i < in->nrequests; i++)
		rorder[i] = i;
	for (i = 1; i < in->nrequests; i++) {
		/* Insertion sort: stable, and requests are few. */
		for (j = i; j > 0; j--) {
			ra = &in->requests[rorder[j - 1]];
			rb = &in->requests[rorder[j]];
			cmp = strcmp(ra->requested == NULL ? "" : ra->requested,
			    rb->requested == NULL ? "" : rb->requested);
			if (cmp == 0)
				cmp = strcmp(ra->member == NULL ? "" :
				    ra->member, rb->member == NULL ? "" :
				    rb->member);
			if (cmp <= 0)
				break;
			tmp = rorder[j - 1];
			rorder[j - 1] = rorder[j];
			rorder[j] = tmp;
		}
	}
	k = 0;
	for (slot = 0; slot < in->slots && k < in->nrequests; slot++) {
		s = &res->slots[slot];
		if (s->member[0] != '\0')
			continue;
		for (; k < in->nrequests; k++) {
			rq = &in->requests[rorder[k]];
			if (rot_empty(rq->member) ||
			    rot_used(umem, nused, rq->member))
				continue;
			c = rot_candidate(in, rq->member);
			if (c == NULL || c->ineligible != NULL)
				continue;
			if (!rot_empty(rq->before) &&
			    (sched_date_parse(rq->before, &bday) == -1 ||
			    day > bday))
				continue;
			if (!rot_empty(rq->requested) &&
			    sched_date_parse(rq->requested, &rday) == 0 &&
			    rday > day)
				continue;
			if (rot_pick_case(t, rq->member, day,
			    in->case_cooldown_days, c->cases, c->ncases,
			    rq->case_ref, ucase, ncase, &cc) == -1)
				continue;
			util_strlcpy(s->member, rq->member, sizeof(s->member));
			util_strlcpy(s->case_ref, cc.case_ref,
			    sizeof(s->case_ref));
			s->how = ROTATION_HOW_REQUEST;
			s->request = (int)rorder[k];
			umem[nused++] = c->member;
			ucase[ncase++] = s->case_ref;
			if (replaced[slot][0] != '\0')
				rot_reason(s, "%s", replaced[slot]);
			if (rot_empty(rq->requested))
				rot_reason(s, "asked to present");
			else if (rot_empty(rq->before))
				rot_reason(s, "asked to present on %s",
				    rq->requested);
			else
				rot_reason(s, "asked to present on %s, before "
				    "%s", rq->requested, rq->before);
			rot_reason(s, "%s", cc.reason);
			k++;
			break;
		}
	}

	/* The rest by shortfall. */
	if (ncands > 1)
		qsort(cands, ncands, sizeof(*cands), rot_cand_cmp);
	len = 0;
	j = 0;
	for (slot = 0; slot < in->slots; slot++) {
		s = &res->slots[slot];
		if (s->member[0] != '\0')
			continue;
		for (; j < ncands; j++) {
			c = cands[j].c;
			if (rot_used(umem, nused, c->member))
				continue;
			if (rot_pick_case(t, c->member, day,
			    in->case_cooldown_days, c->cases, c->ncases, NULL,
			    ucase, ncase, &cc) == -1) {
				if (len < sizeof(nocase))
					len += snprintf(nocase + len,
					    sizeof(nocase) - len, "%s%s (%s)",
					    len > 0 ? ", " : "", c->member,
					    cc.reason);
				continue;
			}
			break;
		}
		if (j == ncands)
			break;
		c = cands[j].c;
		util_strlcpy(s->member, c->member, sizeof(s->member));
		util_strlcpy(s->case_ref, cc.case_ref, sizeof(s->case_ref));
		s->how = ROTATION_HOW_ROTATION;
		umem[nused++] = c->member;
		ucase[ncase++] = s->case_ref;
		if (replaced[slot][0] != '\0')
			rot_reason(s, "%s", replaced[slot]);
		rot_fmt1(cands[j].earned, e1, sizeof(e1));
		/* The next one still in the running, if any. */
		for (k = j + 1; k < ncands; k++)
			if (!rot_used(umem, nused, cands[k].c->member))
				break;
		if (k == ncands || cands[k].key != cands[j].key)
			rot_reason(s, "largest shortfall in %s: earned %s, "
			    "presented %d", rot_empty(in->team) ? "the team" :
			    in->team, e1, cands[j].presented);
		else {
			rot_fmt1(cands[j].shortfall, s1, sizeof(s1));
			rot_reason(s, "shortfall tied at %s in %s with %s: "
			    "earned %s, presented %d", s1,
			    rot_empty(in->team) ? "the team" : in->team,
			    cands[k].c->member, e1, cands[j].presented);
			rot_day_text(cands[j].last, d);
			if (cands[k].last != cands[j].last)
				rot_reason(s, "longest since presenting: %s%s",
				    d[0] == '\0' ? "never presented" :
				    "last presented ", d);
			else
				rot_reason(s, "last presented %s like %s: "
				    "first by name", d[0] == '\0' ? "never" : d,
				    cands[k].c->member);
		}
		rot_reason(s, "%s", cc.reason);
		j++;
	}

	for (slot = 0; slot < in->slots; slot++) {
		s = &res->slots[slot];
		if (s->member[0] != '\0')
			continue;
		res->unfilled++;
		if (replaced[slot][0] != '\0')
			rot_reason(s, "%s", replaced[slot]);
		rot_unfilled(in, s, neligible, nocase);
	}
	free(rorder);
	free(cands);
	return (0);
}

int
rotation_tally_record(struct rotation_tally *t,
    const struct rotation_input *in, const struct rotation_result *res)
{
	struct rotation_share	*sh;
	size_t			 i, n;
	int			 rc;

	if (t == NULL || in == NULL || res == NULL)
		return (-1);
	sh = xcalloc(in->nmembers + 1, sizeof(*sh));
	n = 0;
	for (i = 0; i < in->nmembers; i++) {
		if (in->members[i].ineligible != NULL)
			continue;
		sh[n].member = in->members[i].member;
		sh[n].fte = in->members[i].fte;
		n++;
	}
	rc = rotation_tally_earn(t, in->date, in->slots, sh, n);
	free(sh);
	if (rc == -1)
		return (-1);
	for (i = 0; i < (size_t)res->nslots && i < ROTATION_SLOTS_MAX; i++)
		if (res->slots[i].member[0] != '\0' &&
		    rotation_tally_present(t, in->date, res->slots[i].member,
		    res->slots[i].case_ref) == -1)
			return (-1);
	return (0);
}
