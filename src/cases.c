/*
 * Cases: validation of a case and its allocation, the writes the case
 * commands and CSV imports make inside the caller's transaction, and the
 * caseload consequences of each: every member a write touches (the old and
 * the new lead and co-worker) is re-checked, and a member who crosses into
 * "over" gets one alert to their team manager in the same transaction.
 * No SQL here (store-cases.c) and no arithmetic (caseload.c).  Case
 * references reach logs at debug level only and never reach alert mail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "caseload.h"
#include "cases.h"
#include "clock.h"
#include "config.h"
#include "domain.h"
#include "log.h"
#include "people.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* The members one write may touch: old and new lead and co-worker. */
#define CASES_TOUCH_MAX	4

struct cases_touch {
	char	slug[CASES_TOUCH_MAX][SLUG_MAX + 1];
	size_t	n;
};

struct cases_missing {
	char *const	 *refs;
	size_t		  nrefs;
	char		(*close)[REF_MAX + 1];
	size_t		  nclose;
	size_t		  cap;
};

static void	cases_today(char *);
static int	cases_check_worker(struct store *, const char *, const char *,
		    const struct casefile *, struct err *);
static int	cases_validate(struct store *, const struct casefile *,
		    const struct casefile *, struct err *);
static void	cases_touch_add(struct cases_touch *, const char *);
static int	cases_touch_recheck(struct store *, const struct config *,
		    const struct cases_touch *, struct err *);
static int	cases_missing_cb(void *, const char *, const char *,
		    const char *);
static int	cases_ref_cmp(const void *, const void *);

static void
cases_today(char *date)
{
	char	buf[UTIL_TIMEBUF];

	util_format_date(clock_now(), buf);
	memcpy(date, buf, DATE_LEN - 1);
	date[DATE_LEN - 1] = '\0';
}

/*
 * A lead or co-worker: an existing member in a case-holding role who had
 * not left when the case was opened nor, for an open case, by today.  The
 * start date is not compared with the opened date: a reallocated case
 * keeps the date it was first opened.
 */
static int
cases_check_worker(struct store *s, const char *field, const char *slug,
    const struct casefile *c, struct err *err)
{
	struct member	m;
	char		today[DATE_LEN];

	if (!people_valid_slug(slug))
		return (err_set(err, ERR_INVALID, "%s: not a member slug: %s",
		    field, slug));
	if (people_member_get(s, slug, &m, err) == -1) {
		if (err != NULL && err->code == ERR_NOT_FOUND)
			err_set(err, ERR_NOT_FOUND, "%s: no such member: %s",
			    field, slug);
		return (-1);
	}
	if (!role_holds_cases((enum role)m.role))
		return (err_set(err, ERR_INVALID, "%s: %s is a %s, not a "
		    "case-holding role", field, slug, role_name(m.role)));
	if (m.end[0] != '\0' && strcmp(m.end, c->opened) < 0)
		return (err_set(err, ERR_INVALID, "%s: %s left on %s, before "
		    "the case was opened", field, slug, m.end));
	cases_today(today);
	if (c->closed[0] == '\0' && m.end[0] != '\0' &&
	    strcmp(m.end, today) < 0)
		return (err_set(err, ERR_INVALID, "%s: %s left on %s and "
		    "cannot hold an open case", field, slug, m.end));
	return (0);
}

/*
 * The whole record; old is the stored case (NULL when adding): workers
 * are checked only when they change, so that a leaver's case can still be
 * closed or flagged.
 */
static int
cases_validate(struct store *s, const struct casefile *c,
    const struct casefile *old, struct err *err)
{
	if (!people_valid_ref(c->ref))
		return (err_set(err, ERR_INVALID, "ref: not a case reference "
		    "([A-Za-z0-9][A-Za-z0-9/_-]{0,31})"));
	if (c->kind < 0 || c->kind >= KIND_COUNT)
		return (err_set(err, ERR_INVALID, "kind: must be cp, cin, lac, "
		    "care_leaver, early_help or other"));
	if (!people_valid_date(c->opened))
		return (err_set(err, ERR_INVALID, "opened: not a date "
		    "(YYYY-MM-DD): %s", c->opened));
	if (c->closed[0] != '\0') {
		if (!people_valid_date(c->closed))
			return (err_set(err, ERR_INVALID, "closed: not a date "
			    "(YYYY-MM-DD): %s", c->closed));
		if (strcmp(c->closed, c->opened) < 0)
			return (err_set(err, ERR_INVALID, "closed: %s is before "
			    "opened %s", c->closed, c->opened));
	}
	if (c->flagged_on[0] != '\0' && !people_valid_date(c->flagged_on))
		return (err_set(err, ERR_INVALID, "flagged_on: not a date"));
	if (c->last_discussed[0] != '\0' &&
	    !people_valid_date(c->last_discussed))
		return (err_set(err, ERR_INVALID, "last_discussed: not a date "
		    "(YYYY-MM-DD): %s", c->last_discussed));
	if (c->lead[0] == '\0')
		return (err_set(err, ERR_INVALID, "lead: required"));
	if (strcmp(c->lead, c->coworker) == 0)
		return (err_set(err, ERR_INVALID, "coworker: %s is already the "
		    "lead", c->coworker));
	if ((old == NULL || strcmp(old->lead, c->lead) != 0 ||
	    strcmp(old->opened, c->opened) != 0 ||
	    (old->closed[0] != '\0' && c->closed[0] == '\0')) &&
	    cases_check_worker(s, "lead", c->lead, c, err) == -1)
		return (-1);
	if (c->coworker[0] != '\0' && (old == NULL ||
	    strcmp(old->coworker, c->coworker) != 0 ||
	    strcmp(old->opened, c->opened) != 0 ||
	    (old->closed[0] != '\0' && c->closed[0] == '\0')) &&
	    cases_check_worker(s, "coworker", c->coworker, c, err) == -1)
		return (-1);
	return (0);
}

static void
cases_touch_add(struct cases_touch *t, const char *slug)
{
	size_t	i;

	if (slug == NULL || *slug == '\0')
		return;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->slug[i], slug) == 0)
			return;
	if (t->n < CASES_TOUCH_MAX)
		snprintf(t->slug[t->n++], SLUG_MAX + 1, "%s", slug);
}

static int
cases_touch_recheck(struct store *s, const struct config *conf,
    const struct cases_touch *t, struct err *err)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (cases_recheck(s, conf, t->slug[i], err) == -1)
			return (-1);
	return (0);
}

int
cases_get(struct store *s, const char *ref, struct casefile *c,
    struct err *err)
{
	if (!people_valid_ref(ref))
		return (err_set(err, ERR_INVALID, "ref: not a case reference "
		    "([A-Za-z0-9][A-Za-z0-9/_-]{0,31})"));
	return (store_case_get(s, ref, c, err));
}

int
cases_list(struct store *s, const struct case_filter *f,
    struct casefile **out, size_t *n, struct err *err)
{
	return (store_case_list(s, f->member, f->team, f->open, out, n, err));
}

int
cases_add(struct store *s, const struct config *conf,
    const struct casefile *in, struct err *err)
{
	struct casefile		c, old;
	struct cases_touch	t;
	struct err		e;

	c = *in;
	if (c.opened[0] == '\0')
		cases_today(c.opened);
	if (cases_validate(s, &c, NULL, err) == -1)
		return (-1);
	err_clear(&e);
	if (store_case_get(s, c.ref, &old, &e) == 0)
		return (err_set(err, ERR_CONFLICT, "ref: case %s already "
		    "exists", c.ref));
	if (e.code != ERR_NOT_FOUND) {
		*err = e;
		return (-1);
	}
	if (store_case_insert(s, &c, err) == -1)
		return (-1);
	log_debug("cases: added %s (%s) lead %s", c.ref,
	    case_kind_name(c.kind), c.lead);
	memset(&t, 0, sizeof(t));
	cases_touch_add(&t, c.lead);
	cases_touch_add(&t, c.coworker);
	return (cases_touch_recheck(s, conf, &t, err));
}

int
cases_update(struct store *s, const struct config *conf,
    const struct casefile *c, struct err *err)
{
	struct casefile		old;
	struct cases_touch	t;

	if (cases_get(s, c->ref, &old, err) == -1)
		return (-1);
	if (cases_validate(s, c, &old, err) == -1)
		return (-1);
	if (store_case_update(s, c, err) == -1)
		return (-1);
	log_debug("cases: updated %s", c->ref);
	memset(&t, 0, sizeof(t));
	cases_touch_add(&t, old.lead);
	cases_touch_add(&t, old.coworker);
	cases_touch_add(&t, c->lead);
	cases_touch_add(&t, c->coworker);
	return (cases_touch_recheck(s, conf, &t, err));
}

/*
 * Imports carry the allocation only: flags and discussion dates stay as
 * they are.  An empty opened keeps the stored one.
 */
int
cases_upsert(struct store *s, const struct config *conf,
    const struct casefile *in, int *changed, struct err *err)
{
	struct casefile	old, c;
	struct err	e;

	*changed = 0;
	err_clear(&e);
	if (!people_valid_ref(in->ref))
		return (err_set(err, ERR_INVALID, "ref: not a case reference "
		    "([A-Za-z0-9][A-Za-z0-9/_-]{0,31})"));
	if (store_case_get(s, in->ref, &old, &e) == -1) {
		if (e.code != ERR_NOT_FOUND) {
			*err = e;
			return (-1);
		}
		if (cases_add(s, conf, in, err) == -1)
			return (-1);
		*changed = 1;
		return (0);
	}
	c = old;
	c.kind = in->kind;
	if (in->opened[0] != '\0')
		snprintf(c.opened, sizeof(c.opened), "%s", in->opened);
	snprintf(c.closed, sizeof(c.closed), "%s", in->closed);
	snprintf(c.lead, sizeof(c.lead), "%s", in->lead);
	snprintf(c.coworker, sizeof(c.coworker), "%s", in->coworker);
	if (c.kind == old.kind && strcmp(c.opened, old.opened) == 0 &&
	    strcmp(c.closed, old.closed) == 0 &&
	    strcmp(c.lead, old.lead) == 0 &&
	    strcmp(c.coworker, old.coworker) == 0)
		return (0);
	if (cases_update(s, conf, &c, err) == -1)
		return (-1);
	*changed = 2;
	return (0);
}

int
cases_close(struct store *s, const struct config *conf, const char *ref,
    const char *date, struct err *err)
{
	struct casefile	c;

	if (cases_get(s, ref, &c, err) == -1)
		return (-1);
	if (c.closed[0] != '\0')
		return (err_set(err, ERR_CONFLICT, "case %s was closed on %s",
		    ref, c.closed));
	if (date == NULL || *date == '\0')
		cases_today(c.closed);
	else if (!people_valid_date(date))
		return (err_set(err, ERR_INVALID, "date: not a date "
		    "(YYYY-MM-DD): %s", date));
	else
		snprintf(c.closed, sizeof(c.closed), "%s", date);
	if (strcmp(c.closed, c.opened) < 0)
		return (err_set(err, ERR_INVALID, "date: %s is before the case "
		    "was opened (%s)", c.closed, c.opened));
	return (cases_update(s, conf, &c, err));
}

int
cases_flag(struct store *s, const char *ref, const char *reason,
    const char *date, struct err *err)
{
	struct casefile	c;

	if (cases_get(s, ref, &c, err) == -1)
		return (-1);
	if (c.closed[0] != '\0')
		return (err_set(err, ERR_INVALID, "case %s is closed", ref));
	if (reason != NULL && strlen(reason) > REASON_MAX)
		return (err_set(err, ERR_INVALID, "reason: longer than %d "
		    "bytes", REASON_MAX));
	if (date != NULL && *date != '\0' && !people_valid_date(date))
		return (err_set(err, ERR_INVALID, "date: not a date "
		    "(YYYY-MM-DD): %s", date));
	/* A second flag updates the reason but keeps its place in line. */
	if (!c.flagged) {
		c.flagged = 1;
		if (date != NULL && *date != '\0')
			snprintf(c.flagged_on, sizeof(c.flagged_on), "%s",
			    date);
		else
			cases_today(c.flagged_on);
	}
	snprintf(c.flag_reason, sizeof(c.flag_reason), "%s",
	    reason != NULL ? reason : "");
	if (store_case_update(s, &c, err) == -1)
		return (-1);
	log_debug("cases: flagged %s", ref);
	return (0);
}

int
cases_unflag(struct store *s, const char *ref, struct err *err)
{
	struct casefile	c;

	if (cases_get(s, ref, &c, err) == -1)
		return (-1);
	c.flagged = 0;
	c.flag_reason[0] = '\0';
	c.flagged_on[0] = '\0';
	if (store_case_update(s, &c, err) == -1)
		return (-1);
	log_debug("cases: unflagged %s", ref);
	return (0);
}

static int
cases_ref_cmp(const void *a, const void *b)
{
	return (strcmp((const char *)a, *(char *const *)b));
}

static int
cases_missing_cb(void *arg, const char *ref, const char *lead,
    const char *coworker)
{
	struct cases_missing	*m = arg;

	if (m->nrefs > 0 && bsearch(ref, m->refs, m->nrefs, sizeof(*m->refs),
	    cases_ref_cmp) != NULL)
		return (0);
	if (m->nclose == m->cap) {
		m->cap = m->cap == 0 ? 64 : m->cap * 2;
		m->close = xreallocarray(m->close, m->cap, sizeof(*m->close));
	}
	snprintf(m->close[m->nclose++], REF_MAX + 1, "%s", ref);
	return (0);
}

int
cases_close_missing(struct store *s, const struct config *conf,
    char *const *refs, size_t nrefs, const char *date, size_t *closed,
    struct err *err)
{
	struct cases_missing	m;
	size_t			i;
	int			rc = -1;

	*closed = 0;
	memset(&m, 0, sizeof(m));
	m.refs = refs;
	m.nrefs = nrefs;
	if (store_case_open_each(s, cases_missing_cb, &m, err) == -1)
		goto out;
	for (i = 0; i < m.nclose; i++) {
		if (cases_close(s, conf, m.close[i], date, err) == -1)
			goto out;
		(*closed)++;
	}
	if (m.nclose > 0)
		log_info("cases: snapshot closed %zu cases", m.nclose);
	rc = 0;
out:
	free(m.close);
	return (rc);
}

int
cases_recheck(struct store *s, const struct config *conf,
    const char *member, struct err *err)
{
	struct member	 m;
	struct caseload	 cl;
	struct err	 e;
	char		 today[DATE_LEN];
	int		 over;

	if (member == NULL || *member == '\0')
		return (0);
	err_clear(&e);
	if (people_member_get(s, member, &m, &e) == -1) {
		if (e.code == ERR_NOT_FOUND)
			return (0);
		*err = e;
		return (-1);
	}
	if (cases_caseload(s, conf, &m, &cl, err) == -1)
		return (-1);

	/* A leaver's cases await reallocation: nobody to alert about. */
	cases_today(today);
	over = cl.status == CASELOAD_OVER &&
	    (m.end[0] == '\0' || strcmp(m.end, today) >= 0);
	if (over && !m.over_alerted) {
		if (alerts_caseload(s, conf, clock_now(), &m, &cl, err) == -1)
			return (-1);
		return (store_case_set_alerted(s, member, 1, err));
	}
	if (!over && m.over_alerted)
		return (store_case_set_alerted(s, member, 0, err));
	return (0);
}

int
cases_caseload(struct store *s, const struct config *conf,
    const struct member *m, struct caseload *cl, struct err *err)
{
	struct caseload_item	*items = NULL;
	size_t			 n = 0;

	if (store_case_items(s, m->slug, &items, &n, err) == -1)
		return (-1);
	caseload_compute(conf, m->role, m->fte, m->limit, items, n, cl);
	free(items);
	return (0);
}

int
cases_open_count(struct store *s, int *n, struct err *err)
{
	return (store_case_count_open(s, n, err));
}
