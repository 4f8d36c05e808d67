/*
 * presenters: the stored side of the case-presentation rotation (SPEC
 * 5.4-5.7).  One run reads the group supervision sessions of the last 365
 * days and of the horizon, their attendees and presentations, the members,
 * their open cases and the open requests, once; it walks the sessions in
 * date order keeping one running tally per team (rotation.c), so a choice
 * never rescans the year.  A region's open cases and attendees are kept
 * compact (member indices, no copies of case rows) and a candidate's cases
 * are laid out as rotation.c wants them only for the session at hand.  Held sessions and sessions under way only feed
 * the tally; planned ones are filled by rotation_fill and only the slots
 * that differ from what is stored are written, so a replan with nothing
 * changed writes nothing.  Reasons are written with a choice and kept
 * while the choice stands.  It decides eligibility (case-holding, active,
 * past newcomer grace, attending, with an open lead case) and nothing
 * else: no rules of choice here, no SQL (store-presentations.c), no mail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cases.h"
#include "config.h"
#include "domain.h"
#include "people.h"
#include "presenters.h"
#include "rotation.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define PRES_DAY		86400
#define PRES_INELIGIBLE_LEN	64

/* An open case as a run keeps it: small, its lead a member index. */
struct pres_case {
	char		 ref[REF_MAX + 1];
	char		 opened[DATE_LEN];
	char		 flagged_on[DATE_LEN];
	char		 last_discussed[DATE_LEN];
	signed char	 kind;
	unsigned char	 flagged;
	uint32_t	 member;
	char		*flag_reason;		/* NULL none */
};

/* A session's id and index in sess, for the look-up by id. */
struct pres_byid {
	const char	*id;
	size_t		 si;
};

enum pres_mode {
	PRES_PLAN = 0,		/* fill planned sessions and write */
	PRES_VIEW		/* record what is stored, write nothing */
};

struct pres_run {
	struct store			*store;
	const struct config		*conf;
	time_t				 now;
	char				 today[DATE_LEN];
	int				 mode;
	int				 scoped;	/* store_scope_* */
	const char			*only;		/* team filter */

	struct team			*teams;		/* by slug */
	size_t				 nteams;
	struct member			*members;	/* by slug */
	size_t				 nmembers;
	size_t				*bytm;		/* case-holders by team */
	size_t				*tmoff;		/* per team, nteams + 1 */
	struct pres_case		*cases;		/* open, by lead, ref */
	size_t				 ncases;
	size_t				 capcases;
	size_t				*caseoff;	/* per member, + 1 */
	struct presenters_session	*sess;
	size_t				 nsess;
	uint32_t			*att;		/* member indices */
	size_t				 natt;
	size_t				*attoff;	/* per session, + 1 */
	struct pres_byid		*byid;		/* sessions by id */
	uint64_t			*pairs;		/* loading: see pres_att_add */
	size_t				 npairs;
	size_t				 cappairs;
	struct presentation		*pres;
	size_t				 npres;
	struct present_request		*req;
	size_t				 nreq;
	unsigned char			*used;		/* per request */
	char				(*assigned)[SCHED_ID_MAX + 1];
	struct rotation_tally		**tally;	/* per team */

	/* per member: held presentations, last held, next planned */
	int				*held;
	char				(*last)[DATE_LEN];
	size_t				*next;		/* session index + 1 */

	/* scratch for one session */
	struct casefile			*cfs;		/* candidates' cases */
	size_t				 capcfs;
	struct rotation_candidate	*cand;
	char				(*inel)[PRES_INELIGIBLE_LEN];
	size_t				 ncand;
	int				 changed;
};

static int	 presenters_pin_leads(struct store *, const char *,
		    struct err *);
static int	 pres_case_cmp(const void *, const void *);
static int	 pres_case_add(void *, const struct casefile *);
static int	 pres_att_add(void *, const char *, const char *, int);
static void	 pres_att_group(struct pres_run *);
static int	 pres_byid_cmp(const void *, const void *);
static int	 pres_session_index(const struct pres_run *, const char *,
		    size_t *);
static void	 pres_case_out(const struct pres_case *, const char *,
		    struct casefile *);
static int	 pres_team_index(const struct pres_run *, const char *,
		    size_t *);
static int	 pres_member_index(const struct pres_run *, const char *,
		    size_t *);
static int	 pres_load(struct pres_run *, struct err *);
static void	 pres_free(struct pres_run *);
static void	 pres_candidates(struct pres_run *, size_t, const char *,
		    const uint32_t *, size_t, int);
static int	 pres_walk(struct pres_run *, struct err *);
static int	 pres_record(struct pres_run *, size_t,
		    const struct rotation_input *,
		    const struct presentation *, size_t);
static int	 pres_fill(struct pres_run *, size_t,
		    struct rotation_input *, const struct presentation *,
		    size_t, struct err *);
static int	 pres_write(struct pres_run *, const struct presenters_session *,
		    const struct rotation_result *,
		    const struct presentation *, size_t, struct err *);
static int	 pres_requests_save(struct pres_run *, struct err *);
static char	*pres_reasons_join(const struct rotation_slot *);

static int
pres_case_cmp(const void *pa, const void *pb)
{
	const struct pres_case	*a = pa, *b = pb;

	if (a->member != b->member)
		return (a->member < b->member ? -1 : 1);
	return (strcmp(a->ref, b->ref));
}

/* One open case from the store; a lead who is not a member is skipped. */
static int
pres_case_add(void *arg, const struct casefile *c)
{
	struct pres_run		*r = arg;
	struct pres_case	*pc;
	size_t			 mi;

	if (pres_member_index(r, c->lead, &mi) == -1)
		return (0);
	if (r->ncases == r->capcases) {
		r->capcases = r->capcases == 0 ? 1024 : r->capcases * 2;
		r->cases = xreallocarray(r->cases, r->capcases,
		    sizeof(*r->cases));
	}
	pc = &r->cases[r->ncases++];
	memset(pc, 0, sizeof(*pc));
	memcpy(pc->ref, c->ref, sizeof(pc->ref));
	memcpy(pc->opened, c->opened, sizeof(pc->opened));
	memcpy(pc->flagged_on, c->flagged_on, sizeof(pc->flagged_on));
	memcpy(pc->last_discussed, c->last_discussed,
	    sizeof(pc->last_discussed));
	pc->kind = (signed char)c->kind;
	pc->flagged = c->flagged != 0;
	pc->member = (uint32_t)mi;
	if (c->flag_reason[0] != '\0')
		pc->flag_reason = xstrdup(c->flag_reason);
	return (0);
}

/*
 * One attendee (or, apologies set, one apology) from the store, in no
 * particular order: kept as session index << 32 | member index << 1 |
 * apologies, and grouped by pres_att_group once all are read.  A session
 * or member unknown here is skipped: they cannot present.
 */
static int
pres_att_add(void *arg, const char *session, const char *member,
    int apologies)
{
	struct pres_run	*r = arg;
	size_t		 si, mi;

	if (pres_session_index(r, session, &si) == -1 ||
	    pres_member_index(r, member, &mi) == -1)
		return (0);
	if (r->npairs == r->cappairs) {
		r->cappairs = r->cappairs == 0 ? 1024 : r->cappairs * 2;
		r->pairs = xreallocarray(r->pairs, r->cappairs,
		    sizeof(*r->pairs));
	}
	r->pairs[r->npairs++] = (uint64_t)si << 32 | (uint64_t)mi << 1 |
	    (apologies ? 1 : 0);
	return (0);
}

/*
 * The pairs into att, per session (attoff) in member order, without the
 * members who sent apologies: a counting sort by session, then each
 * session's few by member, where an apology sorts just after its
 * attendee.
 */
static void
pres_att_group(struct pres_run *r)
{
	uint32_t	*v, x;
	size_t		 i, j, si, lo, hi, w;

	r->attoff = xcalloc(r->nsess + 1, sizeof(*r->attoff));
	for (i = 0; i < r->npairs; i++)
		r->attoff[(r->pairs[i] >> 32) + 1]++;
	for (si = 0; si < r->nsess; si++)
		r->attoff[si + 1] += r->attoff[si];
	v = xreallocarray(NULL, r->npairs + 1, sizeof(*v));
	for (i = 0; i < r->npairs; i++) {
		si = (size_t)(r->pairs[i] >> 32);
		v[r->attoff[si]++] = (uint32_t)(r->pairs[i] & 0xffffffffU);
	}
	free(r->pairs);
	r->pairs = NULL;
	r->npairs = r->cappairs = 0;
	/* Each attoff[si] now ends its session: back to where it starts. */
	for (si = r->nsess; si > 0; si--)
		r->attoff[si] = r->attoff[si - 1];
	r->attoff[0] = 0;
	w = 0;
	for (si = 0; si < r->nsess; si++) {
		lo = r->attoff[si];
		hi = r->attoff[si + 1];
		for (i = lo + 1; i < hi; i++) {
			x = v[i];
			for (j = i; j > lo && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		r->attoff[si] = w;
		for (i = lo; i < hi; i++) {
			if (v[i] & 1)
				continue;
			if (i + 1 < hi && v[i + 1] == (v[i] | 1))
				continue;
			v[w++] = v[i] >> 1;
		}
	}
	r->attoff[r->nsess] = w;
	r->att = v;
	r->natt = w;
}

/* A compact case as rotation.c reads it. */
static void
pres_case_out(const struct pres_case *pc, const char *lead,
    struct casefile *c)
{
	size_t	len;

	/* Plain copies: this runs for every case of every session. */
	memcpy(c->ref, pc->ref, sizeof(c->ref));
	c->kind = pc->kind;
	memcpy(c->opened, pc->opened, sizeof(c->opened));
	c->closed[0] = '\0';
	len = strnlen(lead, sizeof(c->lead) - 1);
	memcpy(c->lead, lead, len);
	c->lead[len] = '\0';
	c->coworker[0] = '\0';
	c->flagged = pc->flagged;
	len = 0;
	if (pc->flag_reason != NULL) {
		len = strnlen(pc->flag_reason, sizeof(c->flag_reason) - 1);
		memcpy(c->flag_reason, pc->flag_reason, len);
	}
	c->flag_reason[len] = '\0';
	memcpy(c->flagged_on, pc->flagged_on, sizeof(c->flagged_on));
	memcpy(c->last_discussed, pc->last_discussed,
	    sizeof(c->last_discussed));
}

static int
pres_team_index(const struct pres_run *r, const char *slug, size_t *at)
{
	const struct team	*t;

	if ((t = people_team_find(r->teams, r->nteams, slug)) == NULL)
		return (-1);
	*at = (size_t)(t - r->teams);
	return (0);
}

static int
pres_member_index(const struct pres_run *r, const char *slug, size_t *at)
{
	const struct member	*m;

	if ((m = people_member_find(r->members, r->nmembers, slug)) == NULL)
		return (-1);
	*at = (size_t)(m - r->members);
	return (0);
}

static int
pres_byid_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct pres_byid *)a)->id,
	    ((const struct pres_byid *)b)->id));
}

/* The index in sess of the session id (byid bisected). */
static int
pres_session_index(const struct pres_run *r, const char *id, size_t *at)
{
	size_t	lo = 0, hi = r->nsess, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(id, r->byid[mid].id)) == 0) {
			*at = r->byid[mid].si;
			return (0);
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (-1);
}

/* Everything a run needs, read once. */
static int
pres_load(struct pres_run *r, struct err *err)
{
	time_t			 from, until;
	size_t			 i, k, ti, *count;
	int			 sorted = 1;

	sched_local_date(r->now, r->today);
	from = r->now - (time_t)ROTATION_WINDOW_DAYS * PRES_DAY;
	until = r->now + (time_t)(r->conf->horizon_days + 1) * PRES_DAY;
	/* Every team's, or (scoped) the teams in scope's (store_scope_*). */
	if ((r->scoped ? store_team_list_scoped : people_team_list)(r->store,
	    &r->teams, &r->nteams, err) == -1 ||
	    (r->scoped ? store_member_list_scoped(r->store, &r->members,
	    &r->nmembers, err) : people_member_list(r->store, NULL,
	    &r->members, &r->nmembers, err)) == -1)
		return (-1);
	people_member_sort(r->members, r->nmembers);
	people_team_sort(r->teams, r->nteams);
	if ((r->scoped ? store_presenters_cases_scoped :
	    store_presenters_cases)(r->store, pres_case_add, r, err) == -1 ||
	    (r->scoped ? store_presenters_sessions_scoped :
	    store_presenters_sessions)(r->store, from, until, &r->sess,
	    &r->nsess, err) == -1)
		return (-1);
	r->byid = xcalloc(r->nsess + 1, sizeof(*r->byid));
	for (i = 0; i < r->nsess; i++) {
		r->byid[i].id = r->sess[i].id;
		r->byid[i].si = i;
	}
	qsort(r->byid, r->nsess, sizeof(*r->byid), pres_byid_cmp);
	if ((r->scoped ? store_presenters_attendees_scoped :
	    store_presenters_attendees)(r->store, from, until, pres_att_add,
	    r, err) == -1 ||
	    (r->scoped ? store_presentations_range_scoped :
	    store_presentations_range)(r->store, from, until, &r->pres,
	    &r->npres, err) == -1 ||
	    (r->scoped ? store_requests_open_scoped :
	    store_requests_open)(r->store, r->now, &r->req, &r->nreq,
	    err) == -1)
		return (-1);
	pres_att_group(r);
	/* The store sorts by lead as SQLite compares; make sure. */
	for (i = 1; i < r->ncases && sorted; i++)
		sorted = pres_case_cmp(&r->cases[i - 1], &r->cases[i]) <= 0;
	if (!sorted)
		qsort(r->cases, r->ncases, sizeof(*r->cases), pres_case_cmp);
	r->caseoff = xcalloc(r->nmembers + 1, sizeof(*r->caseoff));
	for (i = 0; i < r->ncases; i++)
		r->caseoff[r->cases[i].member + 1]++;
	for (i = 0; i < r->nmembers; i++)
		r->caseoff[i + 1] += r->caseoff[i];

	/* Case-holding members grouped by home team (counting sort). */
	r->tmoff = xcalloc(r->nteams + 1, sizeof(*r->tmoff));
	r->bytm = xcalloc(r->nmembers + 1, sizeof(*r->bytm));
	count = xcalloc(r->nteams + 1, sizeof(*count));
	for (i = 0; i < r->nmembers; i++) {
		if (role_holds_cases((enum role)r->members[i].role) &&
		    pres_team_index(r, r->members[i].team, &ti) == 0)
			count[ti]++;
	}
	for (ti = 0; ti < r->nteams; ti++)
		r->tmoff[ti + 1] = r->tmoff[ti] + count[ti];
	memset(count, 0, (r->nteams + 1) * sizeof(*count));
	for (i = 0; i < r->nmembers; i++) {
		if (role_holds_cases((enum role)r->members[i].role) &&
		    pres_team_index(r, r->members[i].team, &ti) == 0) {
			k = r->tmoff[ti] + count[ti]++;
			r->bytm[k] = i;
		}
	}
	free(count);

	r->tally = xcalloc(r->nteams + 1, sizeof(*r->tally));
	r->used = xcalloc(r->nreq + 1, 1);
	r->assigned = xcalloc(r->nreq + 1, sizeof(*r->assigned));
	r->held = xcalloc(r->nmembers + 1, sizeof(*r->held));
	r->last = xcalloc(r->nmembers + 1, sizeof(*r->last));
	r->next = xcalloc(r->nmembers + 1, sizeof(*r->next));
	r->cand = xcalloc(r->nmembers + 1, sizeof(*r->cand));
	r->inel = xcalloc(r->nmembers + 1, sizeof(*r->inel));
	return (0);
}

static void
pres_free(struct pres_run *r)
{
	size_t	i;

	for (i = 0; r->tally != NULL && i < r->nteams; i++)
		rotation_tally_free(r->tally[i]);
	free(r->tally);
	free(r->teams);
	free(r->members);
	free(r->bytm);
	free(r->tmoff);
	for (i = 0; r->cases != NULL && i < r->ncases; i++)
		free(r->cases[i].flag_reason);
	free(r->cases);
	free(r->caseoff);
	free(r->sess);
	free(r->att);
	free(r->attoff);
	free(r->byid);
	free(r->pairs);
	free(r->cfs);
	free(r->pres);
	free(r->req);
	free(r->used);
	free(r->assigned);
	free(r->held);
	free(r->last);
	free(r->next);
	free(r->cand);
	free(r->inel);
}

/*
 * The team's case-holders as candidates on date, with why not where they
 * may not present.  att: the session's attendees, member indices in
 * order; with check_att 0 attendance is not asked (rotation today).
 */
static void
pres_candidates(struct pres_run *r, size_t ti, const char *date,
    const uint32_t *att, size_t natt, int check_att)
{
	struct rotation_candidate	*c;
	const struct member		*m;
	char				*why, until[DATE_LEN];
	size_t				 k, mi, j, n = 0, lo, hi, mid;
	long				 day;
	int				 found;

	/* Their open cases, laid out for this session only. */
	for (k = r->tmoff[ti]; k < r->tmoff[ti + 1]; k++) {
		mi = r->bytm[k];
		n += r->caseoff[mi + 1] - r->caseoff[mi];
	}
	if (n + 1 > r->capcfs) {
		free(r->cfs);
		r->capcfs = n + 1;
		r->cfs = xcalloc(r->capcfs, sizeof(*r->cfs));
	}
	n = 0;
	r->ncand = 0;
	for (k = r->tmoff[ti]; k < r->tmoff[ti + 1]; k++) {
		mi = r->bytm[k];
		m = &r->members[mi];
		c = &r->cand[r->ncand];
		why = r->inel[r->ncand];
		r->ncand++;
		memset(c, 0, sizeof(*c));
		c->member = m->slug;
		c->fte = m->fte;
		c->cases = &r->cfs[n];
		for (j = r->caseoff[mi]; j < r->caseoff[mi + 1]; j++)
			pres_case_out(&r->cases[j], m->slug, &r->cfs[n++]);
		c->ncases = r->caseoff[mi + 1] - r->caseoff[mi];

		if (!sched_member_active(m, date)) {
			util_strlcpy(why, m->start[0] != '\0' &&
			    strcmp(m->start, date) > 0 ? "not started yet" :
			    "has left", PRES_INELIGIBLE_LEN);
			c->ineligible = why;
			continue;
		}
		if (m->start[0] != '\0' &&
		    sched_date_parse(m->start, &day) == 0) {
			sched_date_format(day + r->conf->newcomer_grace_days,
			    until);
			if (strcmp(date, until) < 0) {
				snprintf(why, PRES_INELIGIBLE_LEN,
				    "newcomer until %s", until);
				c->ineligible = why;
				continue;
			}
		}
		if (check_att) {
			lo = 0;
			hi = natt;
			while (lo < hi) {
				mid = lo + (hi - lo) / 2;
				if (att[mid] < mi)
					lo = mid + 1;
				else
					hi = mid;
			}
			found = lo < natt && att[lo] == mi;
			if (!found) {
				snprintf(why, PRES_INELIGIBLE_LEN, "not "
				    "attending (apologies, absent or not "
				    "working that day)");
				c->ineligible = why;
				continue;
			}
		}
		if (c->ncases == 0) {
			snprintf(why, PRES_INELIGIBLE_LEN, "no open case as "
			    "lead worker");
			c->ineligible = why;
		}
	}
}

/* A session that is not refilled: its eligible earn, its rows count. */
static int
pres_record(struct pres_run *r, size_t si, const struct rotation_input *in,
    const struct presentation *p, size_t np)
{
	struct rotation_result	res;
	struct rotation_tally	*t;
	size_t			 i, mi, ti;

	if (pres_team_index(r, r->sess[si].team, &ti) == -1)
		return (0);
	t = r->tally[ti];
	/* Only the slots used: the whole result is some 25 KB. */
	res.nslots = res.unfilled = 0;
	for (i = 0; i < np && res.nslots < ROTATION_SLOTS_MAX; i++) {
		memset(&res.slots[res.nslots], 0, sizeof(res.slots[0]));
		util_strlcpy(res.slots[res.nslots].member, p[i].member,
		    sizeof(res.slots[0].member));
		util_strlcpy(res.slots[res.nslots].case_ref, p[i].case_ref,
		    sizeof(res.slots[0].case_ref));
		res.nslots++;
		if (pres_member_index(r, p[i].member, &mi) == -1)
			continue;
		if (r->sess[si].held) {
			r->held[mi]++;
			util_strlcpy(r->last[mi], in->date, DATE_LEN);
		} else if (r->next[mi] == 0 && r->sess[si].start >= r->now)
			r->next[mi] = si + 1;
	}
	return (rotation_tally_record(t, in, &res));
}

/* Join a slot's reasons with newlines; owned by the caller. */
static char *
pres_reasons_join(const struct rotation_slot *s)
{
	char	*buf;
	size_t	 len = 0, i;

	buf = xcalloc(1, ROTATION_REASONS_MAX * (ROTATION_REASON_LEN + 1) + 1);
	for (i = 0; i < (size_t)s->nreasons && i < ROTATION_REASONS_MAX; i++)
		len += (size_t)sprintf(buf + len, "%s%s", i > 0 ? "\n" : "",
		    s->reasons[i]);
	return (buf);
}

/* Write the slots that differ from the stored rows. */
static int
pres_write(struct pres_run *r, const struct presenters_session *x,
    const struct rotation_result *res, const struct presentation *p,
    size_t np, struct err *err)
{
	const struct rotation_slot	*s;
	const struct presentation	*old;
	struct presentation		 row;
	size_t				 i, j;
	int				 changed = 0, rc;

	for (i = 0; i < (size_t)res->nslots; i++) {
		s = &res->slots[i];
		old = NULL;
		for (j = 0; j < np; j++)
			if (p[j].slot == s->slot)
				old = &p[j];
		if (s->member[0] == '\0') {
			if (old == NULL)
				continue;
			if (store_presentation_delete(r->store, x->id, s->slot,
			    err) == -1)
				return (-1);
			changed = 1;
			continue;
		}
		if (old != NULL && strcmp(old->member, s->member) == 0 &&
		    strcmp(old->case_ref, s->case_ref) == 0 &&
		    old->how == s->how)
			continue;
		memset(&row, 0, sizeof(row));
		util_strlcpy(row.session, x->id, sizeof(row.session));
		row.slot = s->slot;
		util_strlcpy(row.member, s->member, sizeof(row.member));
		util_strlcpy(row.case_ref, s->case_ref, sizeof(row.case_ref));
		row.how = s->how;
		row.reasons = pres_reasons_join(s);
		rc = store_presentation_put(r->store, &row, err);
		free(row.reasons);
		if (rc == -1)
			return (-1);
		changed = 1;
	}
	for (j = 0; j < np; j++) {
		if (p[j].slot >= 1 && p[j].slot <= res->nslots)
			continue;
		if (store_presentation_delete(r->store, x->id, p[j].slot,
		    err) == -1)
			return (-1);
		changed = 1;
	}
	r->changed += changed;
	return (0);
}

/* A planned session ahead: pins, the freeze window, requests, shortfall. */
static int
pres_fill(struct pres_run *r, size_t si, struct rotation_input *in,
    const struct presentation *p, size_t np, struct err *err)
{
	const struct presenters_session	*x = &r->sess[si];
	struct rotation_fixed		*pins, *frozen;
	struct rotation_request		*rq;
	struct rotation_result		 res;
	size_t				*map, i, k, nrq = 0, ti, mi;
	int				 rc = -1, freeze;

	if (pres_team_index(r, x->team, &ti) == -1)
		return (0);
	pins = xcalloc(np + 1, sizeof(*pins));
	frozen = xcalloc(np + 1, sizeof(*frozen));
	rq = xcalloc(r->nreq + 1, sizeof(*rq));
	map = xcalloc(r->nreq + 1, sizeof(*map));
	freeze = x->start < r->now + (time_t)r->conf->freeze_days * PRES_DAY;
	for (i = 0; i < np; i++) {
		if (p[i].how == ROTATION_HOW_PINNED) {
			pins[in->npins].slot = p[i].slot;
			pins[in->npins].member = p[i].member;
			pins[in->npins].case_ref = p[i].case_ref;
			pins[in->npins].how = p[i].how;
			in->npins++;
		} else if (freeze) {
			frozen[in->nfrozen].slot = p[i].slot;
			frozen[in->nfrozen].member = p[i].member;
			frozen[in->nfrozen].case_ref = p[i].case_ref;
			frozen[in->nfrozen].how = p[i].how;
			in->nfrozen++;
		}
	}
	for (k = 0; k < r->nreq; k++) {
		if (r->used[k])
			continue;
		rq[nrq].member = r->req[k].member;
		rq[nrq].case_ref = r->req[k].case_ref;
		rq[nrq].requested = r->req[k].asked_on;
		rq[nrq].before = r->req[k].before;
		map[nrq++] = k;
	}
	in->pins = pins;
	in->frozen = frozen;
	in->requests = rq;
	in->nrequests = nrq;
	if (rotation_fill(in, r->tally[ti], &res, err) == -1)
		goto out;
	for (i = 0; i < (size_t)res.nslots; i++) {
		if (res.slots[i].member[0] == '\0')
			continue;
		k = r->nreq;
		if (res.slots[i].request >= 0 &&
		    (size_t)res.slots[i].request < nrq)
			k = map[res.slots[i].request];
		else if (res.slots[i].kept &&
		    res.slots[i].how == ROTATION_HOW_REQUEST) {
			/* A frozen request keeps the request it honoured. */
			for (k = 0; k < r->nreq; k++)
				if (!r->used[k] && strcmp(r->req[k].member,
				    res.slots[i].member) == 0 &&
				    strcmp(r->req[k].used_session, x->id) == 0)
					break;
		}
		if (k < r->nreq) {
			r->used[k] = 1;
			util_strlcpy(r->assigned[k], x->id,
			    sizeof(r->assigned[k]));
		}
		if (pres_member_index(r, res.slots[i].member, &mi) == 0 &&
		    r->next[mi] == 0)
			r->next[mi] = si + 1;
	}
	if (pres_write(r, x, &res, p, np, err) == -1)
		goto out;
	if (rotation_tally_record(r->tally[ti], in, &res) == -1) {
		err_set(err, ERR_INTERNAL, "rotation: cannot record %s", x->id);
		goto out;
	}
	rc = 0;
out:
	free(pins);
	free(frozen);
	free(rq);
	free(map);
	return (rc);
}

/* Every session in date order, each team with its running tally. */
static int
pres_walk(struct pres_run *r, struct err *err)
{
	const struct presenters_session	*x;
	struct rotation_input		 in;
	char				 date[DATE_LEN];
	size_t				 si, pi = 0, pn, ti;
	int				 slots;

	for (si = 0; si < r->nsess; si++) {
		x = &r->sess[si];
		/* Presentations come in the sessions' order. */
		for (pn = 0; pi + pn < r->npres &&
		    strcmp(r->pres[pi + pn].session, x->id) == 0; pn++)
			;
		if (pres_team_index(r, x->team, &ti) == -1 ||
		    (r->only != NULL && strcmp(r->only, x->team) != 0))
			goto next;
		if (r->tally[ti] == NULL)
			r->tally[ti] = rotation_tally_new();
		sched_local_date(x->start, date);
		pres_candidates(r, ti, date, &r->att[r->attoff[si]],
		    r->attoff[si + 1] - r->attoff[si], 1);
		slots = x->slots;
		if (slots < 0)
			slots = (int)pn;
		if (slots > ROTATION_SLOTS_MAX)
			slots = ROTATION_SLOTS_MAX;
		memset(&in, 0, sizeof(in));
		in.team = r->teams[ti].name;
		in.date = date;
		in.slots = slots;
		in.case_cooldown_days = r->conf->case_cooldown_days;
		in.members = r->cand;
		in.nmembers = r->ncand;
		if (r->mode == PRES_PLAN && !x->held && x->start >= r->now) {
			if (pres_fill(r, si, &in, &r->pres[pi], pn, err) == -1)
				return (-1);
		} else if (pres_record(r, si, &in, &r->pres[pi], pn) == -1)
			return (err_set(err, ERR_INTERNAL, "rotation: cannot "
			    "record %s", x->id));
next:
		pi += pn;
	}
	return (0);
}

/* Requests honoured by a different session than stored are rewritten. */
static int
pres_requests_save(struct pres_run *r, struct err *err)
{
	size_t	k;

	for (k = 0; k < r->nreq; k++) {
		if (strcmp(r->assigned[k], r->req[k].used_session) == 0)
			continue;
		if (store_request_set_used(r->store, r->req[k].id,
		    r->assigned[k], err) == -1)
			return (-1);
	}
	return (0);
}

int
presenters_plan(struct store *s, const struct config *conf, time_t now,
    int scoped, int *changed, struct err *err)
{
	struct pres_run	r;
	int		rc = -1;

	memset(&r, 0, sizeof(r));
	r.store = s;
	r.conf = conf;
	r.now = now;
	r.mode = PRES_PLAN;
	r.scoped = scoped;
	if (pres_load(&r, err) == -1 || pres_walk(&r, err) == -1 ||
	    pres_requests_save(&r, err) == -1)
		goto out;
	*changed += r.changed;
	rc = 0;
out:
	pres_free(&r);
	return (rc);
}

int
presenters_held(struct store *s, const char *session, time_t start,
    struct err *err)
{
	char	date[DATE_LEN];

	sched_local_date(start, date);
	return (store_presentations_discussed(s, session, date, err));
}

int
presenters_get(struct store *s, const char *session,
    struct presentation **out, size_t *n, struct err *err)
{
	return (store_presentations_session(s, session, out, n, err));
}

void
presenters_free(struct presentation *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].reasons);
	free(v);
}

/* 1 if member leads an open case, 0 if not (err clear), -1 on error. */
static int
presenters_pin_leads(struct store *s, const char *member, struct err *err)
{
	struct case_filter	 f;
	struct casefile		*c = NULL;
	size_t			 n = 0, i;
	int			 leads = 0;

	err_clear(err);
	memset(&f, 0, sizeof(f));
	f.member = member;
	f.open = 1;
	if (cases_list(s, &f, &c, &n, err) == -1)
		return (-1);
	for (i = 0; i < n && !leads; i++)
		leads = strcmp(c[i].lead, member) == 0;
	free(c);
	return (leads);
}

int
presenters_unpin(struct store *s, const char *session, int slot,
    struct err *err)
{
	struct presentation	*v = NULL;
	struct session		 x;
	size_t			 n = 0, i;
	int			 rc = -1;

	if (series_session_get(s, session, &x, err) == -1)
		return (-1);
	if (x.state != SESSION_PLANNED)
		return (err_set(err, ERR_CONFLICT, "%s is %s: only a planned "
		    "session's presenters change", x.id,
		    session_state_name(x.state)));
	if (store_presentations_session(s, x.id, &v, &n, err) == -1)
		return (-1);
	for (i = 0; i < n && v[i].slot != slot; i++)
		;
	if (i == n || v[i].how != ROTATION_HOW_PINNED)
		err_set(err, ERR_CONFLICT, "slot %d of %s is not pinned%s%s",
		    slot, x.id, i == n ? "" : ": it was chosen by ",
		    i == n ? "" : rotation_how_name(v[i].how));
	else
		rc = store_presentation_delete(s, x.id, slot, err);
	presenters_free(v, n);
	return (rc);
}

int
presenters_pin(struct store *s, const char *session, int slot,
    const char *member, const char *case_ref, struct err *err)
{
	struct presentation	*v = NULL, row;
	struct session		 x;
	struct series		 ser;
	struct member		 m;
	struct casefile		 c;
	size_t			 n = 0, i;
	int			 rc = -1;

	if (series_session_get(s, session, &x, err) == -1)
		return (-1);
	if (x.kind != SERIES_GROUP_SUPERVISION)
		return (err_set(err, ERR_INVALID, "%s is not a group "
		    "supervision session", x.id));
	if (x.state != SESSION_PLANNED)
		return (err_set(err, ERR_CONFLICT, "%s is %s: only a planned "
		    "session takes presenters", x.id,
		    session_state_name(x.state)));
	if (series_get(s, x.series, &ser, err) == -1)
		return (-1);
	if (slot < 1 || slot > ser.slots)
		return (err_set(err, ERR_INVALID, "slot: %s has slot%s 1 to %d",
		    x.id, ser.slots == 1 ? "" : "s", ser.slots));
	if (people_member_get(s, member, &m, err) == -1)
		return (-1);
	if (!role_holds_cases((enum role)m.role))
		return (err_set(err, ERR_INVALID, "member: %s holds no cases "
		    "(%s)", m.slug, role_name((enum role)m.role)));
	if (case_ref != NULL && case_ref[0] != '\0') {
		if (cases_get(s, case_ref, &c, err) == -1)
			return (-1);
		if (c.closed[0] != '\0' || strcmp(c.lead, m.slug) != 0)
			return (err_set(err, ERR_INVALID, "case: not an open "
			    "case that %s leads", m.slug));
	} else if (presenters_pin_leads(s, m.slug, err) != 1)
		return (err->code != ERR_NONE ? -1 : err_set(err, ERR_INVALID,
		    "member: %s leads no open case to present", m.slug));
	if (store_presentations_session(s, x.id, &v, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i].slot != slot && strcmp(v[i].member, m.slug) == 0 &&
		    store_presentation_delete(s, x.id, v[i].slot, err) == -1)
			goto out;
	}
	memset(&row, 0, sizeof(row));
	util_strlcpy(row.session, x.id, sizeof(row.session));
	row.slot = slot;
	util_strlcpy(row.member, m.slug, sizeof(row.member));
	util_strlcpy(row.case_ref, case_ref != NULL ? case_ref : "",
	    sizeof(row.case_ref));
	row.how = ROTATION_HOW_PINNED;
	row.reasons = xstrdup("pinned by a manager");
	rc = store_presentation_put(s, &row, err);
	free(row.reasons);
out:
	presenters_free(v, n);
	return (rc);
}

int
presenters_request(struct store *s, const char *member, const char *case_ref,
    const char *before, const char *today, int64_t *id, struct err *err)
{
	struct present_request	*v = NULL, rq;
	struct member		 m;
	struct casefile		 c;
	size_t			 n = 0, i;

	if (people_member_get(s, member, &m, err) == -1)
		return (-1);
	if (!role_holds_cases((enum role)m.role))
		return (err_set(err, ERR_INVALID, "member: %s holds no cases "
		    "(%s)", m.slug, role_name((enum role)m.role)));
	if (case_ref != NULL && case_ref[0] != '\0') {
		if (cases_get(s, case_ref, &c, err) == -1)
			return (-1);
		if (c.closed[0] != '\0' || strcmp(c.lead, m.slug) != 0)
			return (err_set(err, ERR_INVALID, "case: not an open "
			    "case that %s leads", m.slug));
	}
	if (before != NULL && before[0] != '\0' &&
	    (!people_valid_date(before) || strcmp(before, today) < 0))
		return (err_set(err, ERR_INVALID, "before: want a date from "
		    "today on (YYYY-MM-DD)"));
	/* Requests not yet honoured by a held session. */
	if (store_requests_open(s, 0, &v, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].member, m.slug) == 0) {
			err_set(err, ERR_CONFLICT, "%s already asked to present "
			    "on %s (request %lld)", m.slug, v[i].asked_on,
			    (long long)v[i].id);
			free(v);
			return (-1);
		}
	}
	free(v);
	memset(&rq, 0, sizeof(rq));
	util_strlcpy(rq.member, m.slug, sizeof(rq.member));
	util_strlcpy(rq.case_ref, case_ref != NULL ? case_ref : "",
	    sizeof(rq.case_ref));
	util_strlcpy(rq.asked_on, today, sizeof(rq.asked_on));
	util_strlcpy(rq.before, before != NULL ? before : "",
	    sizeof(rq.before));
	if (store_request_add(s, &rq, err) == -1)
		return (-1);
	*id = rq.id;
	return (0);
}

int
presenters_rotation(struct store *s, const struct config *conf, time_t now,
    const char *team, struct presenters_view *out, struct err *err)
{
	struct pres_run			 r;
	struct presenters_member	*pm;
	struct rotation_stats		 st;
	const char			**elig = NULL;
	size_t				 ti, k, mi, ne, cap = 0;
	int				 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.store = s;
	r.conf = conf;
	r.now = now;
	r.mode = PRES_VIEW;
	r.only = team;
	/* One team's rotation reads that team only (a digest per team). */
	if (team != NULL) {
		if (store_scope_clear(s, err) == -1 ||
		    store_scope_add(s, team, err) == -1)
			goto out;
		r.scoped = 1;
	}
	if (pres_load(&r, err) == -1)
		goto out;
	if (team != NULL && pres_team_index(&r, team, &ti) == -1) {
		err_set(err, ERR_NOT_FOUND, "no such team: %s", team);
		goto out;
	}
	if (pres_walk(&r, err) == -1)
		goto out;
	out->teams = xcalloc(r.nteams + 1, sizeof(*out->teams));
	elig = xcalloc(r.nmembers + 1, sizeof(*elig));
	for (ti = 0; ti < r.nteams; ti++) {
		if (team != NULL && strcmp(team, r.teams[ti].slug) != 0)
			continue;
		pres_candidates(&r, ti, r.today, NULL, 0, 0);
		ne = 0;
		for (k = 0; k < r.ncand; k++) {
			if (pres_member_index(&r, r.cand[k].member, &mi) == -1)
				continue;
			if (r.members[mi].end[0] != '\0' &&
			    strcmp(r.members[mi].end, r.today) < 0)
				continue;
			if (out->nmembers == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				out->members = xreallocarray(out->members, cap,
				    sizeof(*out->members));
			}
			pm = &out->members[out->nmembers++];
			memset(pm, 0, sizeof(*pm));
			util_strlcpy(pm->member, r.cand[k].member,
			    sizeof(pm->member));
			util_strlcpy(pm->team, r.teams[ti].slug,
			    sizeof(pm->team));
			pm->fte = r.cand[k].fte;
			if (rotation_tally_stats(r.tally[ti], pm->member,
			    &st) == 0) {
				pm->earned = st.earned;
				pm->presented = st.presented;
				pm->shortfall = st.shortfall;
			}
			pm->held = r.held[mi];
			util_strlcpy(pm->last_presented, r.last[mi],
			    sizeof(pm->last_presented));
			if (r.next[mi] > 0) {
				util_strlcpy(pm->next_presenting,
				    r.sess[r.next[mi] - 1].id,
				    sizeof(pm->next_presenting));
				sched_local_date(r.sess[r.next[mi] - 1].start,
				    pm->next_date);
			}
			pm->eligible = r.cand[k].ineligible == NULL;
			if (pm->eligible)
				elig[ne++] = r.cand[k].member;
		}
		util_strlcpy(out->teams[out->nteams].team, r.teams[ti].slug,
		    sizeof(out->teams[0].team));
		out->teams[out->nteams].fairness = r.tally[ti] == NULL ? 0 :
		    rotation_fairness(r.tally[ti], elig, ne);
		out->nteams++;
	}
	rc = 0;
out:
	free(elig);
	if (rc == -1)
		presenters_view_free(out);
	pres_free(&r);
	return (rc);
}

void
presenters_view_free(struct presenters_view *v)
{
	if (v == NULL)
		return;
	free(v->members);
	free(v->teams);
	memset(v, 0, sizeof(*v));
}
