/*
 * digest: builds and queues the weekly team, psychologist and manager
 * digests from what the store holds now, and owns the one clock timer
 * that sends them at [digest] day/time.  People, teams and the next two
 * weeks' sessions are loaded once per send.  Each message's Message-ID
 * is keyed by the ISO week (and the team, for a manager of several), and
 * a recipient whose digest of the week is already in the outbox is
 * skipped, so restarts, replans and on-demand sends never send a second
 * one.  Presenters come from the stored presentations, loaded once per
 * send with the slots of each session.  Case references appear only in
 * the psychologist's digest; a team digest tells its presenters the day
 * they present, never the case.  Roles are written in words.  It queues
 * through outbox_enqueue and never delivers.  A daemon that was down at
 * the week's digest time (a reboot on Monday morning) queues the week's
 * missing digests a minute after it starts; the Message-IDs make that
 * safe.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "caseload.h"
#include "cases.h"
#include "clock.h"
#include "config.h"
#include "digest.h"
#include "domain.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "people.h"
#include "presenters.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "warnings.h"
#include "xmalloc.h"

#define DG_DAY		86400
/* A missed week's digests go this long after start, once it is serving. */
#define DG_CATCHUP	60
#define DG_SPAN		(14 * DG_DAY)
#define DG_SECTIONS	7

/* Strings and arrays a digest borrows, freed together. */
struct dg_arena {
	void	**v;
	size_t	  n;
	size_t	  cap;
};

struct dg_run {
	struct store		*store;
	const struct config	*conf;
	time_t			 now;
	char			 week[16];
	const struct digest_filter *f;
	struct digest_counts	*out;

	struct member		*members;
	size_t			 nmembers;
	struct team		*teams;
	size_t			 nteams;
	struct session		*sess;		/* next two weeks, planned */
	size_t			 nsess;
	struct session_last	*last;
	size_t			 nlast;
	struct presentation	*pres;		/* by session, slot */
	size_t			 npres;
	struct presenters_session *gs;		/* slots; by id */
	size_t			 ngs;
};

/* A lead of a team's orphaned cases: how many, and the first by ref. */
struct dg_lead {
	const struct member	*m;
	size_t			 n;
	char			 first[REF_MAX + 1];
};

/* One table being built. */
struct dg_table {
	struct digest_row	*rows;
	size_t			 n;
	size_t			 cap;
};

static void	dg_section(struct digest_section *, const char *,
		    const char *, const char *const *, size_t,
		    const struct dg_table *, const char *);

static struct {
	struct store		*store;
	const struct config	*conf;
	struct clock_timer	*timer;
} digest_g;

static const char *const dg_kinds[DIGEST_KIND_COUNT] = {
	"team", "psychologist", "manager"
};

static void	*dg_keep(struct dg_arena *, void *);
static char	*dg_fmt(struct dg_arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 dg_arena_free(struct dg_arena *);
static void	 dg_row(struct dg_arena *, struct dg_table *, double, int,
		    size_t, ...);
static const struct member *dg_member(const struct dg_run *, const char *);
static const struct team *dg_team(const struct dg_run *, const char *);
static int	 dg_in_team(const struct session *, const char *);
static int	 dg_wanted(const struct dg_run *, const char *, const char *);
static const char *dg_when(struct dg_arena *, const struct session *);
static const char *dg_what(struct dg_arena *, const struct dg_run *,
		    const struct session *);
static void	 dg_session_rows(struct dg_arena *, const struct dg_run *,
		    struct dg_table *, const char *, const char *, int);
static size_t	 dg_presenters(const struct dg_run *, const char *,
		    const struct presentation **);
static const char *dg_presenting(struct dg_arena *, const struct dg_run *,
		    const struct session *);
static const char *dg_own_note(struct dg_arena *, const struct dg_run *,
		    const struct member *);
static const char *dg_role(int);
static const char *dg_load(struct dg_arena *, const struct caseload *);
static int	 dg_slots(const struct dg_run *, const char *);
static void	 dg_case_rows(struct dg_arena *, const struct dg_run *,
		    struct dg_table *, const char *);
static void	 dg_unfilled_rows(struct dg_arena *, const struct dg_run *,
		    struct dg_table *, const char *);
static int	 dg_pres_cmp(const void *, const void *);
static int	 dg_gs_cmp(const void *, const void *);
static int	 dg_queue(struct dg_run *, struct digest *, const char *,
		    const struct member *, struct err *);
static int	 dg_team_digests(struct dg_run *, struct err *);
static int	 dg_psych_digests(struct dg_run *, struct err *);
static int	 dg_manager_digests(struct dg_run *, struct err *);
static int	 dg_fix_rows(struct dg_arena *, const struct dg_run *,
		    struct dg_table *, const char *, struct err *);
static int	 dg_lead_cmp(const void *, const void *);
static int	 dg_manager_one(struct dg_run *, const struct team *,
		    const struct member *, struct err *);
static void	 dg_timer_cb(void *);
static time_t	 dg_this_week(time_t, const struct config *);
static int	 dg_already(struct dg_run *, const char *, const char *,
		    const struct member *, struct err *);

static const char *const dg_session_cols[] = {
	"When", "What", "Where", "Psychologist", "Presenting"
};

/* Roles as a reader says them ("senior practitioner"). */
static const char *const dg_role_words[ROLE_COUNT] = {
	[ROLE_MANAGER] = "manager",
	[ROLE_PSYCHOLOGIST] = "psychologist",
	[ROLE_SOCIAL_WORKER] = "social worker",
	[ROLE_SENIOR_PRACTITIONER] = "senior practitioner",
	[ROLE_ASYE] = "ASYE",
	[ROLE_YOUTH_WORKER] = "youth worker",
	[ROLE_FAMILY_PRACTITIONER] = "family practitioner",
	[ROLE_OTHER] = "other",
};

const char *
digest_kind_name(int k)
{
	if (k < 0 || k >= DIGEST_KIND_COUNT)
		return ("unknown");
	return (dg_kinds[k]);
}

int
digest_kind_parse(const char *s)
{
	int	i;

	for (i = 0; i < DIGEST_KIND_COUNT; i++) {
		if (s != NULL && strcmp(s, dg_kinds[i]) == 0)
			return (i);
	}
	return (-1);
}

void
digest_week(time_t t, char buf[16])
{
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, 16, "%G-W%V", &tm) == 0)
		snprintf(buf, 16, "unknown-week");
}

time_t
digest_next(time_t now, int day, int minutes)
{
	struct tm	tm;
	time_t		t;
	int		i;

	for (i = 0; i < 9; i++) {
		if (localtime_r(&now, &tm) == NULL)
			break;
		tm.tm_mday += i;
		tm.tm_hour = minutes / 60;
		tm.tm_min = minutes % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1 || t <= now)
			continue;
		if ((tm.tm_wday + 6) % 7 == day)
			return (t);
	}
	return (now + 7 * DG_DAY);
}

/* One digest section over a table of rows; intro and empty may be NULL. */
static void
dg_section(struct digest_section *sec, const char *title, const char *intro,
    const char *const *columns, size_t ncolumns, const struct dg_table *t,
    const char *empty)
{
	memset(sec, 0, sizeof(*sec));
	sec->title = title;
	sec->intro = intro;
	sec->columns = columns;
	sec->ncolumns = ncolumns;
	sec->rows = t->rows;
	sec->nrows = t->n;
	sec->empty = empty;
}

static void *
dg_keep(struct dg_arena *a, void *p)
{
	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 64 : a->cap * 2;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = p;
	return (p);
}

static char *
dg_fmt(struct dg_arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return (dg_keep(a, xstrdup("")));
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return (dg_keep(a, s));
}

static void
dg_arena_free(struct dg_arena *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Append a row of n cells (const char *), with a bar when status set. */
static void
dg_row(struct dg_arena *a, struct dg_table *t, double bar, int status,
    size_t n, ...)
{
	const char	**cells;
	va_list		  ap;
	size_t		  i;

	cells = dg_keep(a, xcalloc(n, sizeof(*cells)));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		cells[i] = va_arg(ap, const char *);
	va_end(ap);
	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->rows = xreallocarray(t->rows, t->cap, sizeof(*t->rows));
	}
	t->rows[t->n].cells = cells;
	t->rows[t->n].bar = bar;
	t->rows[t->n].status = status;
	t->n++;
}

static const struct member *
dg_member(const struct dg_run *r, const char *slug)
{
	return (people_member_find(r->members, r->nmembers, slug));
}

static const struct team *
dg_team(const struct dg_run *r, const char *slug)
{
	return (people_team_find(r->teams, r->nteams, slug));
}

static int
dg_in_team(const struct session *x, const char *team)
{
	char	teams[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	size_t	n, i;

	n = series_session_teams(x, teams);
	for (i = 0; i < n; i++) {
		if (strcmp(teams[i], team) == 0)
			return (1);
	}
	return (0);
}

/* Whether the filter lets this recipient (and team) through. */
static int
dg_wanted(const struct dg_run *r, const char *member, const char *team)
{
	size_t	i;

	if (r->f == NULL)
		return (1);
	if (r->f->to != NULL && strcmp(r->f->to, member) != 0)
		return (0);
	if (r->f->teams == NULL)
		return (1);
	for (i = 0; team != NULL && i < r->f->nteams; i++) {
		if (strcmp(r->f->teams[i], team) == 0)
			return (1);
	}
	return (0);
}

static const char *
dg_when(struct dg_arena *a, const struct session *x)
{
	struct tm	tm;
	char		day[32], to[16];

	if (localtime_r(&x->start, &tm) == NULL ||
	    strftime(day, sizeof(day), "%a %d %b %H:%M", &tm) == 0)
		snprintf(day, sizeof(day), "?");
	if (localtime_r(&x->end, &tm) == NULL ||
	    strftime(to, sizeof(to), "%H:%M", &tm) == 0)
		snprintf(to, sizeof(to), "?");
	return (dg_fmt(a, "%s-%s", day, to));
}

static const char *
dg_what(struct dg_arena *a, const struct dg_run *r, const struct session *x)
{
	char			 teams[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	const struct team	*t;
	char			*s;
	size_t			 n, i;

	s = dg_fmt(a, "%s:", x->kind == SERIES_REFLECTIVE_PRACTICE ?
	    "Reflective practice" : "Group supervision");
	n = series_session_teams(x, teams);
	for (i = 0; i < n; i++) {
		t = dg_team(r, teams[i]);
		s = dg_fmt(a, "%s%s %s", s, i > 0 ? "," : "",
		    t != NULL ? t->name : teams[i]);
	}
	return (s);
}

static int
dg_pres_cmp(const void *a, const void *b)
{
	const struct presentation	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->session, y->session)) != 0)
		return (c);
	return (x->slot < y->slot ? -1 : x->slot > y->slot);
}

static int
dg_gs_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct presenters_session *)a)->id,
	    ((const struct presenters_session *)b)->id));
}

/* The presentations of a session, by slot: count and first. */
static size_t
dg_presenters(const struct dg_run *r, const char *session,
    const struct presentation **first)
{
	size_t	at, n;

	n = util_equal_range(r->pres, r->npres, sizeof(*r->pres),
	    offsetof(struct presentation, session), session, &at);
	*first = n > 0 ? &r->pres[at] : NULL;
	return (n);
}

/* The presentation slots of a group supervision session; 0 unknown. */
static int
dg_slots(const struct dg_run *r, const char *session)
{
	struct presenters_session	 key;
	const struct presenters_session	*g;
	size_t				 len;

	if (r->ngs == 0 || (len = strlen(session)) >= sizeof(key.id))
		return (0);
	memcpy(key.id, session, len + 1);
	g = bsearch(&key, r->gs, r->ngs, sizeof(key), dg_gs_cmp);
	return (g != NULL && g->slots > 0 ? g->slots : 0);
}

/* The Presenting cell: names only, never a case. */
static const char *
dg_presenting(struct dg_arena *a, const struct dg_run *r,
    const struct session *x)
{
	const struct presentation	*v;
	const struct member		*m;
	const char			*s = NULL;
	size_t				 n, i;

	if (x->kind != SERIES_GROUP_SUPERVISION)
		return ("-");
	n = dg_presenters(r, x->id, &v);
	for (i = 0; i < n; i++) {
		if (v[i].member[0] == '\0')
			continue;
		m = dg_member(r, v[i].member);
		s = dg_fmt(a, "%s%s%s", s != NULL ? s : "",
		    s != NULL ? ", " : "", m != NULL ? m->name : v[i].member);
	}
	return (s != NULL ? s : "to be planned");
}

static const char *
dg_role(int role)
{
	if (role < 0 || role >= ROLE_COUNT || dg_role_words[role] == NULL)
		return ("other");
	return (dg_role_words[role]);
}

/* "13.5 / 15": the figures beside a caseload bar. */
static const char *
dg_load(struct dg_arena *a, const struct caseload *cl)
{
	char	w[32], l[32];

	message_figure(cl->weighted, w, sizeof(w));
	if (!(cl->limit > 0))
		return (dg_fmt(a, "%s (no limit)", w));
	return (dg_fmt(a, "%s / %s", w, message_figure(cl->limit, l,
	    sizeof(l))));
}

/*
 * "You are presenting on Tuesday 10 March." for a member who presents
 * at their team's sessions in the digest's two weeks; NULL if they do
 * not.  Days only: a team digest names no case, not even to its
 * presenter.
 */
static const char *
dg_own_note(struct dg_arena *a, const struct dg_run *r,
    const struct member *m)
{
	const struct session		*x;
	const struct presentation	*v;
	struct tm			 tm;
	char				 wday[32], month[32], day[80];
	char				 last[80] = "";
	const char			*s = NULL;
	size_t				 i, j, n;

	for (i = 0; i < r->nsess; i++) {
		x = &r->sess[i];
		if (x->state != SESSION_PLANNED ||
		    x->kind != SERIES_GROUP_SUPERVISION ||
		    !dg_in_team(x, m->team))
			continue;
		n = dg_presenters(r, x->id, &v);
		for (j = 0; j < n; j++) {
			if (strcmp(v[j].member, m->slug) == 0)
				break;
		}
		if (j == n || localtime_r(&x->start, &tm) == NULL ||
		    strftime(wday, sizeof(wday), "%A", &tm) == 0 ||
		    strftime(month, sizeof(month), "%B", &tm) == 0)
			continue;
		snprintf(day, sizeof(day), "%s %d %s", wday, tm.tm_mday, month);
		if (strcmp(day, last) == 0)
			continue;
		snprintf(last, sizeof(last), "%s", day);
		s = s == NULL ? dg_fmt(a, "on %s", day) :
		    dg_fmt(a, "%s and on %s", s, day);
	}
	return (s != NULL ? dg_fmt(a, "You are presenting %s.", s) : NULL);
}

/*
 * The sessions of a team (team set), of a psychologist (psych set) or
 * uncovered (neither, uncovered_only), as table rows; presenters by name.
 */
static void
dg_session_rows(struct dg_arena *a, const struct dg_run *r,
    struct dg_table *t, const char *team, const char *psych,
    int uncovered_only)
{
	const struct session	*x;
	const struct member	*p;
	size_t			 i;

	for (i = 0; i < r->nsess; i++) {
		x = &r->sess[i];
		if (x->state != SESSION_PLANNED)
			continue;
		if (team != NULL && !dg_in_team(x, team))
			continue;
		if (psych != NULL && strcmp(x->psychologist, psych) != 0)
			continue;
		if (uncovered_only && x->psychologist[0] != '\0')
			continue;
		p = dg_member(r, x->psychologist);
		dg_row(a, t, 0, DIGEST_NONE, 5, dg_when(a, x), dg_what(a, r, x),
		    x->location[0] != '\0' ? x->location : "-",
		    p != NULL ? p->name : "uncovered", dg_presenting(a, r, x));
	}
}

/* The psychologist's cases to prepare: the one digest with case refs. */
static void
dg_case_rows(struct dg_arena *a, const struct dg_run *r, struct dg_table *t,
    const char *psych)
{
	const struct session		*x;
	const struct presentation	*v;
	const struct member		*m;
	size_t				 i, j, n;

	for (i = 0; i < r->nsess; i++) {
		x = &r->sess[i];
		if (x->state != SESSION_PLANNED ||
		    strcmp(x->psychologist, psych) != 0)
			continue;
		n = dg_presenters(r, x->id, &v);
		for (j = 0; j < n; j++) {
			if (v[j].member[0] == '\0')
				continue;
			m = dg_member(r, v[j].member);
			dg_row(a, t, 0, DIGEST_NONE, 4, dg_when(a, x),
			    dg_what(a, r, x), m != NULL ? m->name :
			    v[j].member, v[j].case_ref[0] != '\0' ?
			    v[j].case_ref : "not chosen yet");
		}
	}
}

/* A team's group supervision sessions with fewer presenters than slots. */
static void
dg_unfilled_rows(struct dg_arena *a, const struct dg_run *r,
    struct dg_table *t, const char *team)
{
	const struct session		*x;
	const struct presentation	*v;
	size_t				 i, j, n, filled;
	int				 slots;

	for (i = 0; i < r->nsess; i++) {
		x = &r->sess[i];
		if (x->state != SESSION_PLANNED ||
		    x->kind != SERIES_GROUP_SUPERVISION ||
		    !dg_in_team(x, team) || (slots = dg_slots(r, x->id)) == 0)
			continue;
		n = dg_presenters(r, x->id, &v);
		for (j = 0, filled = 0; j < n; j++) {
			if (v[j].member[0] != '\0')
				filled++;
		}
		if (filled >= (size_t)slots)
			continue;
		dg_row(a, t, 0, DIGEST_NONE, 3, dg_when(a, x), dg_what(a, r, x),
		    dg_fmt(a, "%d of %d", slots - (int)filled, slots));
	}
}

/* Queue one digest unless this week's is already in the outbox. */
/*
 * 1 (counted as already sent) if m's digest of this kind and key is in the
 * outbox, 0 if not, -1 on error: asked before the digest is built, so a
 * send that finds the week's digests queued (a restart) costs lookups only.
 */
static int
dg_already(struct dg_run *r, const char *kind, const char *key,
    const struct member *m, struct err *err)
{
	char	*msgid;
	int	 has;

	if ((msgid = message_id(r->conf, kind, key, m->email)) == NULL)
		return (err_set(err, ERR_INTERNAL, "cannot make a Message-ID"));
	has = store_outbox_has(r->store, msgid, err);
	free(msgid);
	if (has == 1)
		r->out->already++;
	return (has);
}

static int
dg_queue(struct dg_run *r, struct digest *dg, const char *kind,
    const struct member *m, struct err *err)
{
	struct err	 e;
	char		*msgid = NULL, *data = NULL;
	size_t		 len;
	int64_t		 id;
	int		 rc = -1, has;

	dg->rcpt_name = m->name;
	dg->rcpt = m->email;
	dg->date = r->now;
	dg->kind = kind;
	if ((msgid = message_id(r->conf, kind, dg->key, m->email)) == NULL)
		return (err_set(err, ERR_INTERNAL, "cannot make a Message-ID"));
	if ((has = store_outbox_has(r->store, msgid, err)) == -1)
		goto out;
	if (has) {
		r->out->already++;
		rc = 0;
		goto out;
	}
	free(msgid);
	msgid = NULL;
	if ((data = message_digest(r->conf, dg, &msgid, &len, err)) == NULL)
		goto out;
	err_clear(&e);
	if (outbox_enqueue(r->store, kind, m->email, dg->subject, data, len,
	    msgid, &id, &e) == -1) {
		if (e.code != ERR_INVALID) {
			*err = e;
			goto out;
		}
		r->out->refused++;
	} else
		r->out->queued++;
	rc = 0;
out:
	free(msgid);
	free(data);
	return (rc);
}

static int
dg_team_digests(struct dg_run *r, struct err *err)
{
	struct dg_arena		 a;
	struct dg_table		 t;
	struct digest_section	 sec;
	struct digest		 dg;
	const struct member	*m;
	const struct team	*tm;
	char			 today[DATE_LEN];
	size_t			 i;
	int			 rc = 0, has;

	sched_local_date(r->now, today);
	for (i = 0; i < r->nmembers && rc == 0; i++) {
		m = &r->members[i];
		if (m->email[0] == '\0' || !people_member_active(m, today) ||
		    !dg_wanted(r, m->slug, m->team) ||
		    (tm = dg_team(r, m->team)) == NULL)
			continue;
		if ((has = dg_already(r, "team_digest", r->week, m,
		    err)) != 0) {
			rc = has == -1 ? -1 : 0;
			continue;
		}
		memset(&a, 0, sizeof(a));
		memset(&t, 0, sizeof(t));
		dg_session_rows(&a, r, &t, m->team, NULL, 0);
		dg_section(&sec, "Sessions in the next two weeks", NULL,
		    dg_session_cols, 5, &t,
		    "No sessions are planned in the next two weeks.");
		memset(&dg, 0, sizeof(dg));
		dg.key = r->week;
		dg.subject = dg_fmt(&a, "%s: the next two weeks (%s)",
		    tm->name, r->week);
		dg.greeting = dg_fmt(&a, "Hello %s,", m->name);
		dg.note = dg_own_note(&a, r, m);
		dg.sections = &sec;
		dg.nsections = 1;
		rc = dg_queue(r, &dg, "team_digest", m, err);
		free(t.rows);
		dg_arena_free(&a);
	}
	return (rc);
}

static int
dg_psych_digests(struct dg_run *r, struct err *err)
{
	static const char *const	 case_cols[] = {
		"When", "What", "Presenter", "Case"
	};
	struct dg_arena			 a;
	struct dg_table			 mine, cases, open;
	struct digest_section		 sec[3];
	struct digest			 dg;
	const struct member		*m;
	char				 today[DATE_LEN];
	size_t				 i;
	int				 rc = 0, has;

	sched_local_date(r->now, today);
	for (i = 0; i < r->nmembers && rc == 0; i++) {
		m = &r->members[i];
		if (m->role != ROLE_PSYCHOLOGIST || m->email[0] == '\0' ||
		    !people_member_active(m, today) ||
		    !dg_wanted(r, m->slug, m->team))
			continue;
		if ((has = dg_already(r, "psychologist_digest", r->week, m,
		    err)) != 0) {
			rc = has == -1 ? -1 : 0;
			continue;
		}
		memset(&a, 0, sizeof(a));
		memset(&mine, 0, sizeof(mine));
		memset(&cases, 0, sizeof(cases));
		memset(&open, 0, sizeof(open));
		dg_session_rows(&a, r, &mine, NULL, m->slug, 0);
		dg_case_rows(&a, r, &cases, m->slug);
		dg_session_rows(&a, r, &open, NULL, NULL, 1);
		dg_section(&sec[0], "Your sessions", NULL, dg_session_cols, 5,
		    &mine, "You have no sessions in the next two weeks.");
		dg_section(&sec[1], "Cases to prepare", NULL, case_cols, 4,
		    &cases, "No presentations are planned yet in your "
		    "sessions.");
		dg_section(&sec[2], "Uncovered sessions you could take",
		    "Nobody is free for these as things stand; tell the "
		    "team's manager if you could rearrange to cover one.",
		    dg_session_cols, 5, &open,
		    "Every session is covered.");
		memset(&dg, 0, sizeof(dg));
		dg.key = r->week;
		dg.subject = dg_fmt(&a, "Your sessions: the next two weeks "
		    "(%s)", r->week);
		dg.greeting = dg_fmt(&a, "Hello %s,", m->name);
		dg.sections = sec;
		dg.nsections = 3;
		rc = dg_queue(r, &dg, "psychologist_digest", m, err);
		free(mine.rows);
		free(cases.rows);
		free(open.rows);
		dg_arena_free(&a);
	}
	return (rc);
}

/*
 * A team's leads of orphaned cases (how many, no references) and members
 * whose mail allowed_domains refuses.  The leads are the team's orphaning
 * members, each asked for their own open cases as warnings_member() does,
 * not every open case of the borough for each team (6,000 cases, 3 MB,
 * forty times: the digests' peak).  Rows are in the order of each lead's
 * first case by ref, as warnings_orphaned_cases() gives them.
 */
static int
dg_fix_rows(struct dg_arena *a, const struct dg_run *r, struct dg_table *t,
    const char *team, struct err *err)
{
	struct case_filter	 f;
	struct casefile		*c;
	struct dg_lead		*l = NULL;
	const struct member	*m;
	size_t			 nc, nl = 0, cap = 0, i, j, n;
	const char		*at;
	char			 today[DATE_LEN];

	sched_local_date(r->now, today);
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		if (strcmp(m->team, team) != 0 || !warnings_orphaning(m))
			continue;
		memset(&f, 0, sizeof(f));
		f.member = m->slug;
		f.open = 1;
		c = NULL;
		nc = 0;
		if (cases_list(r->store, &f, &c, &nc, err) == -1) {
			free(l);
			return (-1);
		}
		/* By ref: the first the member leads is the lead's place. */
		for (j = 0, n = 0; j < nc; j++) {
			if (strcmp(c[j].lead, m->slug) != 0)
				continue;
			if (n++ > 0)
				continue;
			if (nl == cap) {
				cap = cap == 0 ? 8 : cap * 2;
				l = xreallocarray(l, cap, sizeof(*l));
			}
			l[nl].m = m;
			snprintf(l[nl].first, sizeof(l[nl].first), "%s",
			    c[j].ref);
			nl++;
		}
		if (n > 0)
			l[nl - 1].n = n;
		free(c);
	}
	if (nl > 1)
		qsort(l, nl, sizeof(*l), dg_lead_cmp);
	for (i = 0; i < nl; i++) {
		m = l[i].m;
		n = l[i].n;
		dg_row(a, t, 0, DIGEST_NONE, 2, m->name, role_holds_cases(
		    (enum role)m->role) ? dg_fmt(a, "%s on %s and still "
		    "leads %zu open case%s: reallocate", strcmp(m->end,
		    today) < 0 ? "left" : "leaves", m->end, n,
		    n == 1 ? "" : "s") : dg_fmt(a, "is now a %s and still "
		    "leads %zu open case%s: reallocate", dg_role(m->role),
		    n, n == 1 ? "" : "s"));
	}
	free(l);
	/* r->members is by slug, as the store lists them. */
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		if (strcmp(m->team, team) != 0 ||
		    !warnings_mail_refused(r->conf, m))
			continue;
		at = strrchr(m->email, '@');
		dg_row(a, t, 0, DIGEST_NONE, 2, dg_fmt(a, "%s", m->name),
		    dg_fmt(a, "mail refused: %s is not an allowed domain",
		    at != NULL ? at + 1 : m->email));
	}
	return (0);
}

static int
dg_lead_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct dg_lead *)a)->first,
	    ((const struct dg_lead *)b)->first));
}

static int
dg_manager_one(struct dg_run *r, const struct team *tm,
    const struct member *mgr, struct err *err)
{
	static const char *const	 load_cols[] = {
		"Member", "Role", "Cases", "Status", "Weighted / limit"
	};
	static const char *const	 gap_cols[] = {
		"Member", "Last attended", "Days since", "Limit", "Overdue"
	};
	static const char *const	 pres_cols[] = {
		"Member", "Held (year)", "Planned", "Last presented",
		"Next presenting"
	};
	static const char *const	 slot_cols[] = {
		"When", "What", "Unfilled slots"
	};
	static const char *const	 fix_cols[] = { "Member", "To fix" };
	struct dg_arena			 a;
	struct dg_table			 load, warn, gaps, unc, pres, unf;
	struct dg_table			 fix;
	struct presenters_view		 view;
	const struct presenters_member	*pm;
	struct digest_section		 sec[DG_SECTIONS];
	struct digest			 dg;
	struct caseload			 cl;
	struct sched_gap		 g;
	const struct member		*m;
	const char			*last, *st, *cases, *figures;
	char				 today[DATE_LEN];
	size_t				 i, j;
	int				 rc = -1, status, max;

	memset(&a, 0, sizeof(a));
	memset(&load, 0, sizeof(load));
	memset(&warn, 0, sizeof(warn));
	memset(&gaps, 0, sizeof(gaps));
	memset(&unc, 0, sizeof(unc));
	memset(&pres, 0, sizeof(pres));
	memset(&unf, 0, sizeof(unf));
	memset(&fix, 0, sizeof(fix));
	memset(&view, 0, sizeof(view));
	sched_local_date(r->now, today);
	if (dg_fix_rows(&a, r, &fix, tm->slug, err) == -1)
		goto out;
	if (presenters_rotation(r->store, r->conf, r->now, tm->slug, &view,
	    err) == -1)
		goto out;
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		if (strcmp(m->team, tm->slug) != 0 ||
		    !people_member_active(m, today) ||
		    !role_holds_cases((enum role)m->role))
			continue;
		if (cases_caseload(r->store, r->conf, m, &cl, err) == -1)
			goto out;
		status = cl.status == CASELOAD_OVER ? DIGEST_OVER :
		    cl.status == CASELOAD_APPROACHING ? DIGEST_APPROACHING :
		    DIGEST_OK;
		st = caseload_status_name(cl.status);
		cases = dg_fmt(&a, "%d", cl.cases);
		figures = dg_load(&a, &cl);
		dg_row(&a, &load, cl.limit > 0 ? cl.weighted / cl.limit : 0,
		    cl.limit > 0 ? status : DIGEST_NONE, 5, m->name,
		    dg_role(m->role), cases, st, figures);
		if (cl.status != CASELOAD_OK)
			dg_row(&a, &warn, cl.limit > 0 ? cl.weighted /
			    cl.limit : 0, status, 5, m->name,
			    dg_role(m->role), cases, st, figures);
		last = "";
		for (j = 0; j < r->nlast; j++) {
			if (strcmp(r->last[j].member, m->slug) == 0)
				last = r->last[j].date;
		}
		max = config_max_gap_days(r->conf, (enum role)m->role);
		sched_gap(last, m->start, today, max, &g);
		dg_row(&a, &gaps, 0, DIGEST_NONE, 5, m->name,
		    last[0] != '\0' ? last : "never",
		    g.days_since >= 0 ? dg_fmt(&a, "%ld", g.days_since) : "-",
		    dg_fmt(&a, "%d days", max), g.overdue ? "OVERDUE" : "no");
		pm = NULL;
		for (j = 0; j < view.nmembers && pm == NULL; j++) {
			if (strcmp(view.members[j].member, m->slug) == 0)
				pm = &view.members[j];
		}
		if (pm == NULL)
			continue;
		dg_row(&a, &pres, 0, DIGEST_NONE, 5, m->name,
		    dg_fmt(&a, "%d", pm->held),
		    dg_fmt(&a, "%d", pm->presented - pm->held),
		    pm->last_presented[0] != '\0' ? pm->last_presented :
		    "never", pm->next_date[0] != '\0' ? pm->next_date : "-");
	}
	dg_session_rows(&a, r, &unc, tm->slug, NULL, 1);
	dg_unfilled_rows(&a, r, &unf, tm->slug);

	dg_section(&sec[0], "Caseloads",
	    "Weighted caseload against each worker's limit.  Every bar is "
	    "drawn to the same scale, with the limit marked on it; a bar "
	    "that runs past the mark is over.", load_cols, 5, &load,
	    "No case-holding members.");
	dg_section(&sec[1], "Over or approaching the limit", NULL, load_cols,
	    5, &warn, "Nobody is over or approaching their limit.");
	dg_section(&sec[2], "Supervision gaps", NULL, gap_cols, 5, &gaps,
	    "No case-holding members.");
	dg_section(&sec[3], "Uncovered sessions", NULL, dg_session_cols, 5,
	    &unc, "Every session in the next two weeks has a psychologist.");
	dg_section(&sec[4], "Unfilled presentation slots",
	    "Group supervision sessions in the next two weeks with nobody "
	    "able to present in a slot.", slot_cols, 3, &unf,
	    "Every presentation slot is filled.");
	dg_section(&sec[5], "Presentations per member",
	    "Presentations held in the last 365 days, those planned, and "
	    "each member's last and next.", pres_cols, 5, &pres,
	    "No case-holding members.");
	dg_section(&sec[6], "For you to fix",
	    "Open cases whose lead has left or no longer holds cases (they "
	    "count in no caseload), and members whose mail is refused by "
	    "allowed_domains.", fix_cols, 2, &fix,
	    "Nothing: every open case has a lead and all mail can go.");
	memset(&dg, 0, sizeof(dg));
	dg.key = dg_fmt(&a, "%s/%s", r->week, tm->slug);
	dg.subject = dg_fmt(&a, "%s: caseloads and sessions (%s)", tm->name,
	    r->week);
	dg.greeting = dg_fmt(&a, "Hello %s,", mgr->name);
	dg.sections = sec;
	dg.nsections = DG_SECTIONS;
	rc = dg_queue(r, &dg, "manager_digest", mgr, err);
out:
	free(load.rows);
	free(warn.rows);
	free(gaps.rows);
	free(unc.rows);
	free(pres.rows);
	free(unf.rows);
	free(fix.rows);
	presenters_view_free(&view);
	dg_arena_free(&a);
	return (rc);
}

static int
dg_manager_digests(struct dg_run *r, struct err *err)
{
	const struct member	*mgr;
	char			 today[DATE_LEN], key[sizeof(r->week) + 64];
	size_t			 i;
	int			 has;

	sched_local_date(r->now, today);
	for (i = 0; i < r->nteams; i++) {
		if ((mgr = dg_member(r, r->teams[i].manager)) == NULL ||
		    mgr->email[0] == '\0' || !people_member_active(mgr, today) ||
		    !dg_wanted(r, mgr->slug, r->teams[i].slug))
			continue;
		/* The key as dg_manager_one makes it. */
		(void)snprintf(key, sizeof(key), "%s/%s", r->week,
		    r->teams[i].slug);
		if ((has = dg_already(r, "manager_digest", key, mgr,
		    err)) == -1)
			return (-1);
		if (has)
			continue;
		if (dg_manager_one(r, &r->teams[i], mgr, err) == -1)
			return (-1);
	}
	return (0);
}

int
digest_send(struct store *s, const struct config *conf, time_t now,
    const struct digest_filter *f, struct digest_counts *out,
    struct err *err)
{
	struct dg_run	r;
	int		rc = -1, kind;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.store = s;
	r.conf = conf;
	r.now = now;
	r.f = f;
	r.out = out;
	digest_week(now, r.week);
	kind = f != NULL ? f->kind : -1;
	if (people_member_list(s, NULL, &r.members, &r.nmembers, err) == -1 ||
	    people_team_list(s, &r.teams, &r.nteams, err) == -1 ||
	    series_sessions(s, now, now + DG_SPAN, NULL, NULL, NULL, &r.sess,
	    &r.nsess, err) == -1 ||
	    series_last_attended(s, &r.last, &r.nlast, err) == -1 ||
	    store_presentations_range(s, now, now + DG_SPAN, &r.pres,
	    &r.npres, err) == -1 ||
	    store_presenters_sessions(s, now, now + DG_SPAN, &r.gs, &r.ngs,
	    err) == -1)
		goto out;
	/* Lookups below bisect these. */
	people_member_sort(r.members, r.nmembers);
	people_team_sort(r.teams, r.nteams);
	if (r.npres > 1)
		qsort(r.pres, r.npres, sizeof(*r.pres), dg_pres_cmp);
	if (r.ngs > 1)
		qsort(r.gs, r.ngs, sizeof(*r.gs), dg_gs_cmp);
	if (f != NULL && f->to != NULL && dg_member(&r, f->to) == NULL) {
		err_set(err, ERR_NOT_FOUND, "no such member: %s", f->to);
		goto out;
	}
	if ((kind == -1 || kind == DIGEST_TEAM) &&
	    dg_team_digests(&r, err) == -1)
		goto out;
	if ((kind == -1 || kind == DIGEST_PSYCHOLOGIST) &&
	    dg_psych_digests(&r, err) == -1)
		goto out;
	if ((kind == -1 || kind == DIGEST_MANAGER) &&
	    dg_manager_digests(&r, err) == -1)
		goto out;
	rc = 0;
	if (out->queued > 0)
		log_info("digest: %d digest(s) of %s queued, %d already sent",
		    out->queued, r.week, out->already);
out:
	free(r.members);
	free(r.teams);
	free(r.sess);
	free(r.last);
	presenters_free(r.pres, r.npres);
	free(r.gs);
	return (rc);
}

/* ---- the daemon's side ------------------------------------------------ */

static void
dg_timer_cb(void *arg)
{
	struct digest_counts	c;
	struct err		err;

	(void)arg;
	if (digest_g.store == NULL || digest_g.conf == NULL)
		return;
	if (store_in_transaction(digest_g.store)) {
		clock_timer_at(digest_g.timer, clock_now() + 60);
		return;
	}
	err_clear(&err);
	if (store_begin(digest_g.store, &err) == -1 ||
	    digest_send(digest_g.store, digest_g.conf, clock_now(), NULL, &c,
	    &err) == -1 || store_commit(digest_g.store, &err) == -1) {
		if (store_in_transaction(digest_g.store))
			store_rollback(digest_g.store);
		log_warnx("digest: the weekly digests failed: %s", err.msg);
		clock_timer_at(digest_g.timer, clock_now() + 300);
		return;
	}
	outbox_kick();
	clock_timer_at(digest_g.timer, digest_next(clock_now(),
	    digest_g.conf->digest_day, digest_g.conf->digest_time));
}

/*
 * This ISO week's digest time if it has passed (at or before now), else
 * 0: the latest digest time not after now, when it falls in now's week.
 */
static time_t
dg_this_week(time_t now, const struct config *conf)
{
	char	wnow[16], wlast[16];
	time_t	last, t;
	int	i;

	last = 0;
	t = now - 8 * DG_DAY;
	for (i = 0; i < 3; i++) {
		t = digest_next(t, conf->digest_day, conf->digest_time);
		if (t > now)
			break;
		last = t;
	}
	if (last == 0)
		return (0);
	digest_week(now, wnow);
	digest_week(last, wlast);
	return (strcmp(wnow, wlast) == 0 ? last : 0);
}

/*
 * At start, a week whose digest time has passed gets its digests a minute
 * later (the start-up plan and the first clients come first): those
 * already in the outbox count as already sent and are not queued again,
 * so a daemon that was running then, or restarts twice, sends nothing
 * more, and costs a lookup per recipient.
 */
void
digest_init(struct store *s, const struct config *conf)
{
	char	buf[UTIL_TIMEBUF];
	time_t	now = clock_now(), due;

	digest_g.store = s;
	digest_g.conf = conf;
	digest_g.timer = clock_timer_new("weekly digest", dg_timer_cb, NULL);
	if ((due = dg_this_week(now, conf)) != 0) {
		log_debug("digest: this week's digest time (%s) has passed; "
		    "queueing any of the week's digests not yet queued",
		    util_format_time(due, buf));
		clock_timer_at(digest_g.timer, now + DG_CATCHUP);
		return;
	}
	clock_timer_at(digest_g.timer, digest_next(now, conf->digest_day,
	    conf->digest_time));
}

void
digest_reconfigure(const struct config *conf)
{
	digest_g.conf = conf;
	if (digest_g.timer != NULL)
		clock_timer_at(digest_g.timer, digest_next(clock_now(),
		    conf->digest_day, conf->digest_time));
}

void
digest_free(void)
{
	clock_timer_free(digest_g.timer);
	memset(&digest_g, 0, sizeof(digest_g));
}
