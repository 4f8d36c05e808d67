/*
 * invites: after each planner run, inside its transaction, decide the
 * mail every session owes its attendees by comparing the session as it
 * stands with what each attendee was last sent (store-mail.c keeps that):
 * an invitation when a session comes within invite_days or an attendee
 * joins, an update when its time, place, psychologist or presenters
 * change, a cancellation to an attendee removed or for a cancelled
 * session, and a presenter's reminder presenter_reminder_days before.
 * People, teams, sessions, attendees and what was sent are loaded once
 * per run.  It queues through outbox_enqueue and never delivers; a
 * recipient refused by allowed_domains is logged and the change goes on.
 * It writes no session column but the invited flag and SEQUENCE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "invites.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "people.h"
#include "presenters.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define INV_DAY		86400
#define INV_FAR		((time_t)INT64_MAX / 4)

/* One presenter of a session: slug and case (borrowed). */
struct inv_presenter {
	const char	*member;
	const char	*case_ref;
};

struct inv_run {
	struct store		*store;
	const struct config	*conf;
	time_t			 now;
	int			 scoped;	/* store_scope_* */
	struct invites_counts	*out;

	struct member		*members;	/* by slug */
	size_t			 nmembers;
	struct team		*teams;		/* by slug */
	size_t			 nteams;
	struct session		*sess;		/* the invite window */
	size_t			 nsess;
	struct session_attendee	*att;		/* by session, member */
	size_t			 natt;
	struct invitation	*inv;		/* by session, member */
	size_t			 ninv;
	struct presentation	*pres;		/* the window's, by session */
	size_t			 npres;
	unsigned char		*done;		/* per inv row: session seen */
};

/* One session being decided. */
struct inv_session {
	const struct session		*x;
	const struct session_attendee	*att;
	size_t				 natt;
	struct invitation		*rows;	/* into run->inv */
	size_t				 nrows;
	struct inv_presenter		*pres;
	size_t				 npres;
	struct presentation		*opres;	/* owned: outside window */
	size_t				 nopres;
	char				 summary[256];
	const char			*psych;	/* name or "" */
	struct ical_attendee		*ia;
	size_t				 nia;
	const char			**pnames;
	int				 maxseq;
	int				 sent;	/* a message went (or was refused) */
	int				 seq;	/* the SEQUENCE of this run's mail */
	struct session_note		 note;	/* why moved or cancelled */
	int				 noted;	/* note loaded */
	char				 pslugs[INVITE_PRESENTERS_MAX];
};

static int	 inv_load(struct inv_run *, struct err *);
static void	 inv_free(struct inv_run *);
static int	 inv_members_complete(struct inv_run *, struct err *);
static const struct member *inv_member(const struct inv_run *,
		    const char *);
static const struct team *inv_team(const struct inv_run *, const char *);
static size_t	 inv_rows(struct inv_run *, const char *,
		    struct invitation **);
static size_t	 inv_att(const struct session_attendee *, size_t,
		    const char *, const struct session_attendee **);
static int	 inv_row_cmp(const void *, const void *);
static int	 inv_att_cmp(const void *, const void *);
static void	 inv_summary(const struct inv_run *, const struct session *,
		    char *, size_t);
static void	 inv_hash(const struct inv_session *, const char *,
		    char *);
static int	 inv_pres_cmp(const void *, const void *);
static const char *inv_own_case(const struct inv_session *, const char *,
		    int *);
static int	 inv_decide(struct inv_run *, struct inv_session *,
		    struct err *);
static int	 inv_send(struct inv_run *, struct inv_session *, int kind,
		    const struct member *, struct invitation *, struct err *);
static int	 inv_note(struct inv_run *, struct inv_session *,
		    struct err *);
static void	 inv_by_name(const struct inv_run *, const char *, char *,
		    size_t);
static void	 inv_cover(const struct inv_run *, const struct session *,
		    const char **, char *, size_t);
static size_t	 inv_absence_at(const struct absence *, size_t,
		    const char *);
static void	 inv_day(const char *, char *, size_t, int);
static void	 inv_why_not(struct inv_run *, struct inv_session *,
		    const struct member *, const struct invitation *, char *,
		    size_t);
static int	 inv_remind(struct inv_run *, struct inv_session *,
		    struct invitation *, const struct member *,
		    const char *, struct err *);
static int	 inv_enqueue(struct inv_run *, const char *kind,
		    const char *rcpt, const char *subject, const char *data,
		    size_t len, const char *msgid, struct err *);
static int	 inv_one(struct inv_run *, const struct session *,
		    const struct session_attendee *, size_t, struct err *);
static int	 inv_presenters(struct inv_run *, struct inv_session *,
		    struct err *);

static int
inv_row_cmp(const void *a, const void *b)
{
	const struct invitation	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->session, y->session)) != 0)
		return (c);
	return (strcmp(x->member, y->member));
}

static int
inv_pres_cmp(const void *a, const void *b)
{
	const struct presentation	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->session, y->session)) != 0)
		return (c);
	return (x->slot < y->slot ? -1 : x->slot > y->slot);
}

static int
inv_att_cmp(const void *a, const void *b)
{
	const struct session_attendee	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->session, y->session)) != 0)
		return (c);
	return (strcmp(x->member, y->member));
}

static const struct member *
inv_member(const struct inv_run *r, const char *slug)
{
	return (people_member_find(r->members, r->nmembers, slug));
}

static const struct team *
inv_team(const struct inv_run *r, const char *slug)
{
	return (people_team_find(r->teams, r->nteams, slug));
}

/* The rows of one session: first match and count. */
static size_t
inv_rows(struct inv_run *r, const char *session, struct invitation **first)
{
	size_t	at, n;

	n = util_equal_range(r->inv, r->ninv, sizeof(*r->inv),
	    offsetof(struct invitation, session), session, &at);
	*first = n > 0 ? &r->inv[at] : NULL;
	return (n);
}

static size_t
inv_att(const struct session_attendee *v, size_t nv, const char *session,
    const struct session_attendee **first)
{
	size_t	at, n;

	n = util_equal_range(v, nv, sizeof(*v),
	    offsetof(struct session_attendee, session), session, &at);
	*first = n > 0 ? &v[at] : NULL;
	return (n);
}

static int
inv_load(struct inv_run *r, struct err *err)
{
	time_t	until;

	until = r->now + (time_t)r->conf->invite_days * INV_DAY;
	/* Every session, or (scoped) the teams in scope's (store_scope_*). */
	if ((r->scoped ? store_member_list_scoped(r->store, &r->members,
	    &r->nmembers, err) : people_member_list(r->store, NULL,
	    &r->members, &r->nmembers, err)) == -1 ||
	    /*
	     * Every team: a summary names all of a session's teams, and one
	     * whose series is gone names teams the scope may not hold.
	     */
	    people_team_list(r->store, &r->teams, &r->nteams, err) == -1 ||
	    (r->scoped ? store_session_list_scoped(r->store, r->now, until,
	    &r->sess, &r->nsess, err) : store_session_list(r->store, r->now,
	    until, NULL, NULL, NULL, NULL, &r->sess, &r->nsess, err)) == -1 ||
	    (r->scoped ? store_attendees_range_scoped :
	    store_attendees_range)(r->store, r->now, until, &r->att, &r->natt,
	    err) == -1 ||
	    (r->scoped ? store_invitations_list_scoped :
	    store_invitations_list)(r->store, r->now, &r->inv, &r->ninv,
	    err) == -1 ||
	    (r->scoped ? store_presentations_range_scoped :
	    store_presentations_range)(r->store, r->now, until, &r->pres,
	    &r->npres, err) == -1)
		return (-1);
	/* The store's orders, made sure of: lookups below bisect them. */
	people_member_sort(r->members, r->nmembers);
	people_team_sort(r->teams, r->nteams);
	if (r->natt > 1)
		qsort(r->att, r->natt, sizeof(*r->att), inv_att_cmp);
	if (r->ninv > 1)
		qsort(r->inv, r->ninv, sizeof(*r->inv), inv_row_cmp);
	if (r->npres > 1)
		qsort(r->pres, r->npres, sizeof(*r->pres), inv_pres_cmp);
	r->done = xcalloc(r->ninv > 0 ? r->ninv : 1, 1);
	return (r->scoped ? inv_members_complete(r, err) : 0);
}

/*
 * A scoped run reads the members of the teams in scope; an attendee or
 * invitee from elsewhere (one who moved team, kept on a session moved by
 * hand) is read too, or her update or "not expected" would wait for a
 * run of her new team that never comes.
 */
static int
inv_members_complete(struct inv_run *r, struct err *err)
{
	struct member	 m;
	const char	*slug;
	size_t		 i, n0 = r->nmembers;

	for (i = 0; i < r->natt + r->ninv; i++) {
		slug = i < r->natt ? r->att[i].member :
		    r->inv[i - r->natt].member;
		if (people_member_find(r->members, n0, slug) != NULL ||
		    people_member_find(r->members + n0, r->nmembers - n0,
		    slug) != NULL)
			continue;
		if (people_member_get(r->store, slug, &m, err) == -1) {
			if (err->code == ERR_NOT_FOUND)
				continue;	/* removed: as a full run */
			return (-1);
		}
		r->members = xreallocarray(r->members, r->nmembers + 1,
		    sizeof(*r->members));
		r->members[r->nmembers++] = m;
		/* Bisected below: kept in order as they come. */
		people_member_sort(r->members + n0, r->nmembers - n0);
	}
	if (r->nmembers > n0)
		people_member_sort(r->members, r->nmembers);
	return (0);
}

static void
inv_free(struct inv_run *r)
{
	free(r->members);
	free(r->teams);
	free(r->sess);
	free(r->att);
	free(r->inv);
	presenters_free(r->pres, r->npres);
	free(r->done);
}

/* "Group supervision: MAST North" or "Reflective practice: A, B". */
static void
inv_summary(const struct inv_run *r, const struct session *x, char *buf,
    size_t size)
{
	char			 teams[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	const struct team	*t;
	size_t			 n, i, len;

	snprintf(buf, size, "%s: ", x->kind == SERIES_REFLECTIVE_PRACTICE ?
	    "Reflective practice" : "Group supervision");
	n = series_session_teams(x, teams);
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		t = inv_team(r, teams[i]);
		snprintf(buf + len, size - len, "%s%s", i > 0 ? ", " : "",
		    t != NULL ? t->name : teams[i]);
	}
	if (n == 0) {
		len = strlen(buf);
		util_strlcpy(buf + len, x->series, size - len);
	}
}

/*
 * FNV-1a over what an update is sent for: time, place, psychologist and
 * who presents, plus the recipient's own case (own_case, may be NULL), so
 * a change of someone else's case sends nobody else an update.
 */
static void
inv_hash(const struct inv_session *is, const char *own_case, char *out)
{
	const struct session	*x = is->x;
	uint64_t		 h = 0xcbf29ce484222325ULL;
	char			 buf[64];
	const char		*parts[4];
	size_t			 i, j, k;

	snprintf(buf, sizeof(buf), "%lld/%lld", (long long)x->start,
	    (long long)x->end);
	parts[0] = buf;
	parts[1] = x->location;
	parts[2] = x->psychologist;
	parts[3] = NULL;
	for (i = 0; parts[i] != NULL; i++) {
		for (k = 0; parts[i][k] != '\0'; k++) {
			h ^= (unsigned char)parts[i][k];
			h *= 0x100000001b3ULL;
		}
		h ^= 0xff;
		h *= 0x100000001b3ULL;
	}
	for (j = 0; j < is->npres; j++) {
		for (k = 0; is->pres[j].member[k] != '\0'; k++) {
			h ^= (unsigned char)is->pres[j].member[k];
			h *= 0x100000001b3ULL;
		}
		h ^= 0xfe;
		h *= 0x100000001b3ULL;
	}
	if (own_case != NULL && own_case[0] != '\0') {
		for (k = 0; own_case[k] != '\0'; k++) {
			h ^= (unsigned char)own_case[k];
			h *= 0x100000001b3ULL;
		}
		h ^= 0xfd;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, INVITE_HASH_LEN + 1, "%016llx", (unsigned long long)h);
}

/*
 * The presenters of a session, by slot: from the window's presentations
 * loaded once per run, or for a session invited before and now outside
 * the window, read for it alone.
 */
static int
inv_presenters(struct inv_run *r, struct inv_session *is, struct err *err)
{
	const struct presentation	*v = NULL;
	size_t				 at, n = 0, i;
	time_t				 until;

	is->pres = NULL;
	is->npres = 0;
	until = r->now + (time_t)r->conf->invite_days * INV_DAY;
	if (is->x->state == SESSION_CANCELLED)
		return (0);
	if (is->x->start >= r->now && is->x->start < until) {
		n = util_equal_range(r->pres, r->npres, sizeof(*r->pres),
		    offsetof(struct presentation, session), is->x->id, &at);
		v = n > 0 ? &r->pres[at] : NULL;
	} else {
		if (store_presentations_session(r->store, is->x->id,
		    &is->opres, &is->nopres, err) == -1)
			return (-1);
		v = is->opres;
		n = is->nopres;
	}
	is->pres = xcalloc(n > 0 ? n : 1, sizeof(*is->pres));
	for (i = 0; i < n; i++) {
		if (v[i].member[0] == '\0')
			continue;
		is->pres[is->npres].member = v[i].member;
		is->pres[is->npres].case_ref = v[i].case_ref;
		is->npres++;
	}
	return (0);
}

/* The case m presents in this session ("" none); *present set if any. */
static const char *
inv_own_case(const struct inv_session *is, const char *member, int *present)
{
	const char	*own = NULL;
	size_t		 j;

	*present = 0;
	for (j = 0; j < is->npres; j++) {
		if (strcmp(is->pres[j].member, member) == 0) {
			*present = 1;
			if (own == NULL || own[0] == '\0')
				own = is->pres[j].case_ref;
		}
	}
	return (own);
}

/* Queue one message; a refused domain is counted, not an error. */
static int
inv_enqueue(struct inv_run *r, const char *kind, const char *rcpt,
    const char *subject, const char *data, size_t len, const char *msgid,
    struct err *err)
{
	struct err	e;
	int64_t		id;

	err_clear(&e);
	if (outbox_enqueue(r->store, kind, rcpt, subject, data, len, msgid,
	    &id, &e) == -1) {
		if (e.code != ERR_INVALID) {
			*err = e;
			return (-1);
		}
		r->out->refused++;
		return (1);
	}
	return (0);
}

/* The session's note (move and cancel reasons), read once when needed. */
static int
inv_note(struct inv_run *r, struct inv_session *is, struct err *err)
{
	if (is->noted)
		return (0);
	if (store_session_note_get(r->store, is->x->id, &is->note, err) == -1)
		return (-1);
	is->noted = 1;
	return (0);
}

/* "Sam Patel", or for a unix user who is no member, "the administrator". */
static void
inv_by_name(const struct inv_run *r, const char *by, char *buf, size_t size)
{
	const struct member	*m;

	buf[0] = '\0';
	if (by == NULL || by[0] == '\0')
		return;
	if ((m = inv_member(r, by)) != NULL)
		util_strlcpy(buf, m->name, size);
	else
		snprintf(buf, size, "the administrator (%s)", by);
}

/*
 * Who the session's psychologist covers for, and why, from the reason the
 * schedule gave ("Dr McBride is absent on 2026-03-10; covered by ...").
 */
static void
inv_cover(const struct inv_run *r, const struct session *x,
    const char **name, char *why, size_t size)
{
	const struct member	*m;
	const char		*cut;
	size_t			 i, n;

	*name = NULL;
	why[0] = '\0';
	if (x->psychologist[0] == '\0' ||
	    (cut = strstr(x->cover_reason, "; covered by ")) == NULL)
		return;
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		if (m->role != ROLE_PSYCHOLOGIST ||
		    strcmp(m->slug, x->psychologist) == 0)
			continue;
		n = strlen(m->name[0] != '\0' ? m->name : m->slug);
		if (strncmp(x->cover_reason, m->name[0] != '\0' ? m->name :
		    m->slug, n) != 0 || x->cover_reason[n] != ' ')
			continue;
		*name = m->name[0] != '\0' ? m->name : m->slug;
		snprintf(why, size, "%.*s", (int)(cut - x->cover_reason -
		    (ptrdiff_t)n - 1), x->cover_reason + n + 1);
		return;
	}
}

/* The absence of v covering date, or n. */
static size_t
inv_absence_at(const struct absence *v, size_t n, const char *date)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].from, date) <= 0 && strcmp(v[i].to, date) >= 0)
			return (i);
	}
	return (n);
}

/* "Tuesday 22 December" of a YYYY-MM-DD date. */
static void
inv_day(const char *date, char *buf, size_t size, int weekday)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3) {
		util_strlcpy(buf, date, size);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1 || strftime(buf, size, weekday ?
	    "%A %-d %B" : "%-d %B", &tm) == 0)
		util_strlcpy(buf, date, size);
}

/*
 * Why m is no longer expected at the session, in the words of the
 * message to them: "your leave from 22 to 24 December is recorded",
 * "you do not work on Fridays", "you left the team on 30 November";
 * with "the session has moved to ... and" first when it moved.
 */
static void
inv_why_not(struct inv_run *r, struct inv_session *is,
    const struct member *m, const struct invitation *row, char *buf,
    size_t size)
{
	static const char	*days[] = { "Mondays", "Tuesdays", "Wednesdays",
				    "Thursdays", "Fridays", "Saturdays",
				    "Sundays" };
	const struct session	*x = is->x;
	struct absence		*abs = NULL;
	struct err		 e;
	char			 date[DATE_LEN], d0[64], d1[64], moved[96];
	char			 why[SCHED_REASON_MAX];
	char			 teams[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	const char		*cover;
	size_t			 nabs = 0, i, nt;
	int			 wd, inteam = 0;

	sched_local_date(x->start, date);
	moved[0] = why[0] = '\0';
	if (row->sent_start != 0 && row->sent_start != x->start) {
		inv_day(date, d0, sizeof(d0), 1);
		snprintf(moved, sizeof(moved), "the session has moved to %s "
		    "and ", d0);
	}
	nt = series_session_teams(x, teams);
	for (i = 0; i < nt; i++)
		inteam |= strcmp(teams[i], m->team) == 0;
	err_clear(&e);
	if (m->end[0] != '\0' && strcmp(m->end, date) < 0) {
		inv_day(m->end, d0, sizeof(d0), 0);
		snprintf(why, sizeof(why), "you left the team on %s", d0);
	} else if (m->start[0] != '\0' && strcmp(m->start, date) > 0) {
		inv_day(m->start, d0, sizeof(d0), 0);
		snprintf(why, sizeof(why), "you start on %s", d0);
	} else if (people_absence_list(r->store, m->slug, NULL, &abs, &nabs,
	    &e) == 0 && (i = inv_absence_at(abs, nabs, date)) < nabs) {
		inv_day(abs[i].from, d0, sizeof(d0), 0);
		inv_day(abs[i].to, d1, sizeof(d1), 0);
		/* "from 22 to 24 December" within a month. */
		if (strncmp(abs[i].from, abs[i].to, 7) == 0 &&
		    strchr(d0, ' ') != NULL)
			*strchr(d0, ' ') = '\0';
		if (strcmp(abs[i].from, abs[i].to) == 0)
			snprintf(why, sizeof(why), "your %s on %s is recorded",
			    abs[i].reason[0] != '\0' ? abs[i].reason :
			    "absence", d0);
		else
			snprintf(why, sizeof(why), "your %s from %s to %s is "
			    "recorded", abs[i].reason[0] != '\0' ?
			    abs[i].reason : "absence", d0, d1);
	} else if ((wd = sched_date_weekday(date)) != -1 &&
	    (m->days & (1 << wd)) == 0)
		snprintf(why, sizeof(why), "you do not work on %s", days[wd]);
	else if (m->role == ROLE_PSYCHOLOGIST && x->psychologist[0] != '\0' &&
	    strcmp(x->psychologist, m->slug) != 0) {
		inv_cover(r, x, &cover, d0, sizeof(d0));
		snprintf(why, sizeof(why), "%s facilitates it instead%s%s",
		    inv_member(r, x->psychologist) != NULL ?
		    inv_member(r, x->psychologist)->name : x->psychologist,
		    d0[0] != '\0' ? ", as you " : "", d0);
	} else if (!inteam && m->role != ROLE_PSYCHOLOGIST)
		snprintf(why, sizeof(why), "you are no longer in its team");
	else
		snprintf(why, sizeof(why), "you are no longer on its list of "
		    "attendees");
	free(abs);
	snprintf(buf, size, "%s%s", moved, why);
}

static int
inv_send(struct inv_run *r, struct inv_session *is, int kind,
    const struct member *m, struct invitation *row, struct err *err)
{
	const struct session	*x = is->x;
	const struct member	*pm;
	struct invite		 inv;
	struct invite_was	 was;
	struct ical_attendee	 me;
	const char		*own_case, *wnames[SERIES_SLOTS_MAX];
	char			*uid = NULL, *data = NULL, *msgid = NULL;
	char			*subject = NULL, why[SCHED_REASON_MAX];
	char			 by[NAME_MAX_LEN + 64], cwhy[SCHED_REASON_MAX];
	char			 slugs[INVITE_PRESENTERS_MAX], *p, *save;
	size_t			 len;
	int			 rc = -1, q, present;

	/* Only the presenter's own copy names a case, and only theirs. */
	own_case = kind == INVITE_CANCEL || kind == INVITE_NOT_EXPECTED ?
	    NULL : inv_own_case(is, m->slug, &present);
	uid = x->uid[0] != '\0' ? xstrdup(x->uid) :
	    message_uid(r->conf, x->id);
	memset(&inv, 0, sizeof(inv));
	inv.kind = kind;
	inv.uid = uid;
	inv.sequence = is->seq;
	inv.dtstamp = r->now;
	inv.start = x->start;
	inv.end = x->end;
	inv.summary = is->summary;
	inv.location = x->location;
	inv.psychologist = is->psych;
	inv.presenters = is->pnames;
	inv.npresenters = is->npres;
	inv.attendees = is->ia;
	inv.nattendees = is->nia;
	inv.rcpt_name = m->name;
	inv.rcpt = m->email;
	inv.own_case = own_case;
	if (kind != INVITE_NEW && inv_note(r, is, err) == -1)
		goto out;
	switch (kind) {
	case INVITE_UPDATE:
		memset(&was, 0, sizeof(was));
		if (row != NULL && row->sent_start != 0) {
			was.start = row->sent_start;
			was.end = row->sent_end;
			was.location = row->sent_location;
			pm = inv_member(r, row->sent_psych);
			was.psychologist = pm != NULL ? pm->name :
			    row->sent_psych;
			util_strlcpy(slugs, row->sent_presenters,
			    sizeof(slugs));
			save = NULL;
			for (p = strtok_r(slugs, ",", &save); p != NULL &&
			    was.npresenters < SERIES_SLOTS_MAX;
			    p = strtok_r(NULL, ",", &save)) {
				pm = inv_member(r, p);
				wnames[was.npresenters++] = pm != NULL ?
				    pm->name : p;
			}
			was.presenters = wnames;
			was.own_case = row->sent_case;
			inv.was = &was;
		}
		inv_cover(r, x, &inv.covers_for, cwhy, sizeof(cwhy));
		inv.cover_why = cwhy;
		inv.reason = is->note.move_reason;
		break;
	case INVITE_CANCEL:
		inv.reason = is->note.cancel_reason;
		inv_by_name(r, is->note.cancelled_by, by, sizeof(by));
		inv.by = by;
		break;
	case INVITE_NOT_EXPECTED:
		/* RFC 5546 3.2.5: the CANCEL lists the attendee removed. */
		memset(&me, 0, sizeof(me));
		me.name = m->name;
		me.email = m->email;
		me.role = m->role == ROLE_PSYCHOLOGIST ? ICAL_ATT_CHAIR :
		    ICAL_ATT_REQ;
		inv.attendees = &me;
		inv.nattendees = 1;
		inv_why_not(r, is, m, row, why, sizeof(why));
		inv.reason = why;
		break;
	}
	if ((data = message_invitation(r->conf, &inv, &msgid, &len,
	    err)) == NULL)
		goto out;
	subject = message_invite_subject(&inv);
	if ((q = inv_enqueue(r, message_invite_kind(kind), m->email, subject,
	    data, len, msgid, err)) == -1)
		goto out;
	if (q == 0) {
		if (kind == INVITE_NEW)
			r->out->invitations++;
		else if (kind == INVITE_UPDATE)
			r->out->updates++;
		else
			r->out->cancellations++;
	}
	if (row != NULL) {
		row->sequence = is->seq;
		row->sent_start = x->start;
		row->sent_end = x->end;
		util_strlcpy(row->sent_location, x->location,
		    sizeof(row->sent_location));
		util_strlcpy(row->sent_psych, x->psychologist,
		    sizeof(row->sent_psych));
		util_strlcpy(row->sent_presenters, is->pslugs,
		    sizeof(row->sent_presenters));
		util_strlcpy(row->sent_case, own_case != NULL ? own_case : "",
		    sizeof(row->sent_case));
	}
	if (is->seq > is->maxseq)
		is->maxseq = is->seq;
	is->sent = 1;
	rc = 0;
out:
	free(uid);
	free(data);
	free(msgid);
	free(subject);
	return (rc);
}

/* A presenter's reminder, once per start of the session. */
static int
inv_remind(struct inv_run *r, struct inv_session *is, struct invitation *row,
    const struct member *m, const char *own_case, struct err *err)
{
	const struct session	*x = is->x;
	struct reminder		 rm;
	char			*uid = NULL, *data = NULL, *msgid = NULL;
	char			*subject = NULL;
	size_t			 len;
	int			 rc = -1, q;

	uid = x->uid[0] != '\0' ? xstrdup(x->uid) :
	    message_uid(r->conf, x->id);
	memset(&rm, 0, sizeof(rm));
	rm.uid = uid;
	rm.date = r->now;
	rm.start = x->start;
	rm.end = x->end;
	rm.summary = is->summary;
	rm.location = x->location;
	rm.psychologist = is->psych;
	rm.own_case = own_case;
	rm.rcpt_name = m->name;
	rm.rcpt = m->email;
	if (row->reminded != 0 && row->reminded != x->start)
		rm.note = "Your presentation moved: the session is now at the "
		    "time below.";
	if ((data = message_reminder(r->conf, &rm, &msgid, &len,
	    err)) == NULL)
		goto out;
	xasprintf(&subject, "Reminder: you are presenting at %s",
	    is->summary);
	if ((q = inv_enqueue(r, "presenter_reminder", m->email, subject, data,
	    len, msgid, err)) == -1)
		goto out;
	if (q == 0)
		r->out->reminders++;
	row->reminded = x->start;
	rc = 0;
out:
	free(uid);
	free(data);
	free(msgid);
	free(subject);
	return (rc);
}

/*
 * One session: attendees now against the rows of what they were sent.
 * First what each is owed, then one SEQUENCE for all of it: the session's
 * (or the highest any row was sent), one higher when what was sent
 * before changes for anyone (an update, a cancellation, someone dropped
 * or invited again), so every copy of a state carries the same number.
 * A row is written only when a message went (or was refused) for it.
 */
static int
inv_decide(struct inv_run *r, struct inv_session *is, struct err *err)
{
	const struct session		*x = is->x;
	const struct member		*m;
	struct invitation		*row, nrow;
	char				 hash[INVITE_HASH_LEN + 1];
	size_t				 i, j, nsend = 0;
	int				 in_window, present, base, bump = 0;
	const char			*own;
	struct inv_todo {
		const struct member	*m;
		struct invitation	*row;	/* NULL: a new row */
		int			 kind;
		char			 hash[INVITE_HASH_LEN + 1];
	}				*todo = NULL;
	int				 rc = -1;

	in_window = x->start >= r->now && x->start <
	    r->now + (time_t)r->conf->invite_days * INV_DAY;
	is->maxseq = x->sequence;
	if (x->state == SESSION_HELD || x->start < r->now)
		return (0);
	if (x->state != SESSION_CANCELLED && !in_window && is->nrows == 0)
		return (0);
	base = x->sequence;
	for (j = 0; j < is->nrows; j++)
		if (is->rows[j].sequence > base)
			base = is->rows[j].sequence;
	todo = xcalloc(is->natt + is->nrows + 1, sizeof(*todo));

	if (x->state == SESSION_CANCELLED) {
		for (j = 0; j < is->nrows; j++) {
			row = &is->rows[j];
			if (row->state != INVITATION_SENT ||
			    (m = inv_member(r, row->member)) == NULL ||
			    m->email[0] == '\0')
				continue;
			todo[nsend].m = m;
			todo[nsend].row = row;
			todo[nsend++].kind = INVITE_CANCEL;
			bump = 1;
		}
	} else {
		/* Attendees now: invitations and updates. */
		for (i = 0; i < is->natt; i++) {
			if ((m = inv_member(r, is->att[i].member)) == NULL ||
			    m->email[0] == '\0')
				continue;
			row = NULL;
			for (j = 0; j < is->nrows; j++) {
				if (strcmp(is->rows[j].member, m->slug) == 0)
					row = &is->rows[j];
			}
			own = inv_own_case(is, m->slug, &present);
			inv_hash(is, own, hash);
			todo[nsend].m = m;
			todo[nsend].row = row;
			memcpy(todo[nsend].hash, hash, sizeof(hash));
			if (row == NULL)
				todo[nsend].kind = INVITE_NEW;
			else if (row->state == INVITATION_CANCELLED) {
				todo[nsend].kind = INVITE_NEW;
				bump = 1;
			} else if (strcmp(row->hash, hash) != 0) {
				todo[nsend].kind = INVITE_UPDATE;
				bump = 1;
			} else
				todo[nsend].kind = -1;
			nsend++;
		}
		/* Rows of people no longer attending: not expected. */
		for (j = 0; j < is->nrows; j++) {
			row = &is->rows[j];
			if (row->state != INVITATION_SENT)
				continue;
			present = 0;
			for (i = 0; i < is->natt && !present; i++)
				present = strcmp(is->att[i].member,
				    row->member) == 0;
			if (present || (m = inv_member(r, row->member)) ==
			    NULL || m->email[0] == '\0')
				continue;
			todo[nsend].m = m;
			todo[nsend].row = row;
			todo[nsend++].kind = INVITE_NOT_EXPECTED;
			bump = 1;
		}
	}
	is->seq = base + (bump && is->nrows > 0 ? 1 : 0);

	for (i = 0; i < nsend; i++) {
		m = todo[i].m;
		row = todo[i].row;
		if (todo[i].kind != -1) {
			if (row == NULL) {
				memset(&nrow, 0, sizeof(nrow));
				util_strlcpy(nrow.session, x->id,
				    sizeof(nrow.session));
				util_strlcpy(nrow.member, m->slug,
				    sizeof(nrow.member));
				row = &nrow;
			}
			if (inv_send(r, is, todo[i].kind, m, row, err) == -1)
				goto out;
			if (todo[i].kind == INVITE_CANCEL ||
			    todo[i].kind == INVITE_NOT_EXPECTED)
				row->state = INVITATION_CANCELLED;
			else {
				row->state = INVITATION_SENT;
				memcpy(row->hash, todo[i].hash,
				    sizeof(row->hash));
			}
			if (store_invitation_put(r->store, row, err) == -1)
				goto out;
		}
		if (row == NULL || row->state != INVITATION_SENT ||
		    x->state == SESSION_CANCELLED)
			continue;
		/* Presenters: a reminder within presenter_reminder_days. */
		own = inv_own_case(is, m->slug, &present);
		if (present && row->reminded != x->start &&
		    x->start - r->now <=
		    (time_t)r->conf->presenter_reminder_days * INV_DAY) {
			if (inv_remind(r, is, row, m, own, err) == -1 ||
			    store_invitation_put(r->store, row, err) == -1)
				goto out;
		}
	}
	if (is->sent && (!x->invited || is->maxseq > x->sequence)) {
		if (store_session_mark_invited(r->store, x->id, is->maxseq,
		    err) == -1)
			goto out;
	}
	rc = 0;
out:
	free(todo);
	return (rc);
}

/* Prepare one session's shared parts and decide it. */
static int
inv_one(struct inv_run *r, const struct session *x,
    const struct session_attendee *att, size_t natt, struct err *err)
{
	struct inv_session	 is;
	const struct member	*m;
	size_t			 i, j, len;
	int			 rc = -1;

	memset(&is, 0, sizeof(is));
	is.x = x;
	is.att = att;
	is.natt = natt;
	is.nrows = inv_rows(r, x->id, &is.rows);
	for (i = 0; i < is.nrows; i++)
		r->done[(size_t)(is.rows - r->inv) + i] = 1;
	if (x->state == SESSION_HELD || x->start < r->now)
		return (0);
	if (x->state == SESSION_PLANNED && is.nrows == 0 && (x->start >=
	    r->now + (time_t)r->conf->invite_days * INV_DAY))
		return (0);
	if (x->state == SESSION_CANCELLED && is.nrows == 0)
		return (0);
	if (inv_presenters(r, &is, err) == -1)
		return (-1);
	inv_summary(r, x, is.summary, sizeof(is.summary));
	m = inv_member(r, x->psychologist);
	is.psych = m != NULL ? m->name : "";
	is.pnames = xcalloc(is.npres > 0 ? is.npres : 1, sizeof(*is.pnames));
	for (i = 0; i < is.npres; i++) {
		m = inv_member(r, is.pres[i].member);
		is.pnames[i] = m != NULL ? m->name : is.pres[i].member;
		len = strlen(is.pslugs);
		snprintf(is.pslugs + len, sizeof(is.pslugs) - len, "%s%s",
		    i > 0 ? "," : "", is.pres[i].member);
	}
	is.ia = xcalloc(natt > 0 ? natt : 1, sizeof(*is.ia));
	for (i = 0, j = 0; i < natt; i++) {
		if ((m = inv_member(r, att[i].member)) == NULL ||
		    m->email[0] == '\0')
			continue;
		is.ia[j].name = m->name;
		is.ia[j].email = m->email;
		is.ia[j].role = att[i].role == SCHED_PSYCHOLOGIST ?
		    ICAL_ATT_CHAIR : ICAL_ATT_REQ;
		j++;
	}
	is.nia = j;
	rc = inv_decide(r, &is, err);
	free(is.pnames);
	free(is.ia);
	free(is.pres);
	presenters_free(is.opres, is.nopres);
	return (rc);
}

int
invites_sync(struct store *s, const struct config *conf, time_t now,
    int scoped, struct invites_counts *counts, struct err *err)
{
	struct invites_counts		 dummy;
	struct inv_run			 r;
	struct session			 x;
	struct session_attendee		*att = NULL;
	const struct session_attendee	*first;
	size_t				 i, n, natt = 0;
	int				 rc = -1;

	if (counts == NULL) {
		memset(&dummy, 0, sizeof(dummy));
		counts = &dummy;
	}
	memset(&r, 0, sizeof(r));
	r.store = s;
	r.conf = conf;
	r.now = now;
	r.scoped = scoped;
	r.out = counts;
	if (inv_load(&r, err) == -1)
		goto out;
	for (i = 0; i < r.nsess; i++) {
		n = inv_att(r.att, r.natt, r.sess[i].id, &first);
		if (inv_one(&r, &r.sess[i], first, n, err) == -1)
			goto out;
	}
	/* Sessions invited before and now outside the window (moved). */
	for (i = 0; i < r.ninv; i++) {
		if (r.done[i])
			continue;
		if (store_session_get(s, r.inv[i].session, &x, err) == -1)
			goto out;
		if (store_attendees_get(s, x.id, &att, &natt, err) == -1)
			goto out;
		rc = inv_one(&r, &x, att, natt, err);
		free(att);
		att = NULL;
		if (rc == -1)
			goto out;
		rc = -1;
	}
	rc = 0;
	if (counts->invitations + counts->updates + counts->cancellations +
	    counts->reminders > 0)
		log_info("invites: %d invitation(s), %d update(s), %d "
		    "cancellation(s), %d reminder(s) queued",
		    counts->invitations, counts->updates,
		    counts->cancellations, counts->reminders);
out:
	inv_free(&r);
	return (rc);
}
