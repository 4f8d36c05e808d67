/*
 * The presentations and requests tables, and the light reads of group
 * supervision sessions and their attendees that one presenter planning run
 * needs.  This file holds only the SQL; the rules live in rotation.c and
 * presenters.c.  Reasons are stored newline-joined; empty strings are NULL
 * in the tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cases.h"
#include "domain.h"
#include "presenters.h"
#include "rotation.h"
#include "store.h"
#include "xmalloc.h"

enum {
	PRES_RANGE = 0,
	PRES_SESSION,
	PRES_PUT,
	PRES_DELETE,
	PRES_DISCUSSED,
	PRES_REQ_ADD,
	PRES_REQ_OPEN,
	PRES_REQ_USED,
	PRES_SESSIONS,
	PRES_ATTENDEES,
	PRES_CASES,
	PRES_REQ_DELETE,
	PRES_RANGE_SCOPED,
	PRES_REQ_OPEN_SCOPED,
	PRES_SESSIONS_SCOPED,
	PRES_ATTENDEES_SCOPED,
	PRES_CASES_SCOPED,
	PRES_NSTMTS
};

#define PRES_STMT(s, i)	store_stmt((s), STORE_SET_PRESENTATIONS, (i))

/* Group supervision sessions of a run: not cancelled, in [?1, ?2). */
#define PRES_GS \
	"s.kind = 'group_supervision' AND s.state != 'cancelled' " \
	"AND s.start >= ?1 AND s.start < ?2"

/* The same in a scoped run: the sessions whose first team is in scope. */
#define PRES_GS_SCOPED	PRES_GS " AND " STORE_IN_SCOPE("s")
/* Members of the teams in scope. */
#define PRES_MEMBERS_SCOPED \
	"(SELECT slug FROM members WHERE team IN " \
	"(SELECT team FROM temp.scope_team))"

static const char *const pres_sql[PRES_NSTMTS] = {
	[PRES_RANGE] =
	    "SELECT p.session, p.slot, p.member, p.case_ref, p.how, s.start, "
	    "s.state = 'held' FROM presentations p "
	    "JOIN sessions s ON s.id = p.session WHERE " PRES_GS
	    " ORDER BY s.start, s.id, p.slot",
	[PRES_SESSION] =
	    "SELECT session, slot, member, case_ref, how, reasons "
	    "FROM presentations WHERE session = ?1 ORDER BY slot",
	/*
	 * An upsert, not INSERT OR REPLACE: a replace deletes the row first,
	 * and with foreign keys on that is a statement journal and the
	 * checks of a delete, half of a put's cost.
	 */
	[PRES_PUT] =
	    "INSERT INTO presentations "
	    "(session, slot, member, case_ref, how, reasons) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT (session, slot) DO UPDATE SET "
	    "member = excluded.member, case_ref = excluded.case_ref, "
	    "how = excluded.how, reasons = excluded.reasons",
	[PRES_DELETE] =
	    "DELETE FROM presentations WHERE session = ?1 AND slot = ?2",
	[PRES_DISCUSSED] =
	    "UPDATE cases SET last_discussed = ?2 WHERE ref IN "
	    "(SELECT case_ref FROM presentations WHERE session = ?1) "
	    "AND (last_discussed IS NULL OR last_discussed < ?2)",
	[PRES_REQ_ADD] =
	    "INSERT INTO requests (member, case_ref, asked_on, before) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[PRES_REQ_OPEN] =
	    "SELECT id, member, case_ref, asked_on, before, used_session "
	    "FROM requests WHERE used_session IS NULL OR used_session NOT IN "
	    "(SELECT id FROM sessions WHERE state = 'held' "
	    "  OR (state = 'planned' AND start < ?1)) "
	    "ORDER BY asked_on, id",
	[PRES_REQ_USED] =
	    "UPDATE requests SET used_session = ?2 WHERE id = ?1",
	[PRES_SESSIONS] =
	    "SELECT s.id, COALESCE(s.teams, (SELECT t.team FROM series_teams t "
	    "  WHERE t.series = s.series ORDER BY t.pos LIMIT 1), ''), "
	    "s.start, s.state = 'held', "
	    "COALESCE((SELECT r.slots FROM series r WHERE r.slug = s.series), "
	    "-1) FROM sessions s WHERE " PRES_GS " ORDER BY s.start, s.id",
	[PRES_ATTENDEES] =
	    /* No order: a sort of a year of rows costs more than the read. */
	    "SELECT a.session, a.member, 0 FROM sessions s "
	    "CROSS JOIN session_attendees a ON a.session = s.id "
	    "WHERE " PRES_GS " AND a.role = 'attendee' "
	    "UNION ALL SELECT t.session, t.member, 1 FROM sessions s "
	    "CROSS JOIN attendance t ON t.session = s.id "
	    "WHERE " PRES_GS " AND t.status = 'apologies'",
	[PRES_CASES] =
	    "SELECT ref, kind, opened, lead, flagged, flag_reason, flagged_on, "
	    "last_discussed FROM cases WHERE closed IS NULL ORDER BY lead, ref",
	[PRES_REQ_DELETE] =
	    "DELETE FROM requests WHERE id = ?1",
	[PRES_RANGE_SCOPED] =
	    "SELECT p.session, p.slot, p.member, p.case_ref, p.how, s.start, "
	    "s.state = 'held' FROM presentations p "
	    "JOIN sessions s INDEXED BY sessions_first_team "
	    "ON s.id = p.session WHERE " PRES_GS_SCOPED
	    " ORDER BY s.start, s.id, p.slot",
	[PRES_REQ_OPEN_SCOPED] =
	    "SELECT id, member, case_ref, asked_on, before, used_session "
	    "FROM requests WHERE (used_session IS NULL OR used_session NOT IN "
	    "(SELECT id FROM sessions WHERE state = 'held' "
	    "  OR (state = 'planned' AND start < ?1))) "
	    "AND member IN " PRES_MEMBERS_SCOPED " ORDER BY asked_on, id",
	[PRES_SESSIONS_SCOPED] =
	    "SELECT s.id, COALESCE(s.teams, (SELECT t.team FROM series_teams t "
	    "  WHERE t.series = s.series ORDER BY t.pos LIMIT 1), ''), "
	    "s.start, s.state = 'held', "
	    "COALESCE((SELECT r.slots FROM series r WHERE r.slug = s.series), "
	    "-1) FROM sessions s INDEXED BY sessions_first_team WHERE "
	    PRES_GS_SCOPED " ORDER BY s.start, s.id",
	[PRES_ATTENDEES_SCOPED] =
	    "SELECT a.session, a.member, 0 FROM sessions s "
	    "INDEXED BY sessions_first_team "
	    "CROSS JOIN session_attendees a ON a.session = s.id "
	    "WHERE " PRES_GS_SCOPED " AND a.role = 'attendee' "
	    "UNION ALL SELECT t.session, t.member, 1 FROM sessions s "
	    "INDEXED BY sessions_first_team "
	    "CROSS JOIN attendance t ON t.session = s.id "
	    "WHERE " PRES_GS_SCOPED " AND t.status = 'apologies'",
	[PRES_CASES_SCOPED] =
	    "SELECT ref, kind, opened, lead, flagged, flag_reason, flagged_on, "
	    "last_discussed FROM cases INDEXED BY cases_lead "
	    "WHERE closed IS NULL AND lead IN "
	    PRES_MEMBERS_SCOPED " ORDER BY lead, ref",
};

const struct store_sqlset store_presentations_sqlset = {
	"presentations", pres_sql, PRES_NSTMTS
};

static void	pres_read(sqlite3_stmt *, struct presentation *, int);
static void	req_read(sqlite3_stmt *, struct present_request *);
static int	pres_done(struct store *, sqlite3_stmt *, int, const char *,
		    struct err *);
static int	pres_range(int, struct store *, time_t, time_t,
		    struct presentation **, size_t *, struct err *);
static int	pres_requests(int, struct store *, time_t,
		    struct present_request **, size_t *, struct err *);
static int	pres_sessions(int, struct store *, time_t, time_t,
		    struct presenters_session **, size_t *, struct err *);
static int	pres_attendees(int, struct store *, time_t, time_t,
		    int (*)(void *, const char *, const char *, int), void *,
		    struct err *);
static int	pres_cases(int, struct store *,
		    int (*)(void *, const struct casefile *), void *,
		    struct err *);

static void
pres_read(sqlite3_stmt *st, struct presentation *p, int range)
{
	const unsigned char	*t;
	int			 how;

	memset(p, 0, sizeof(*p));
	store_column_copy(st, 0, p->session, sizeof(p->session));
	p->slot = sqlite3_column_int(st, 1);
	store_column_copy(st, 2, p->member, sizeof(p->member));
	store_column_copy(st, 3, p->case_ref, sizeof(p->case_ref));
	t = sqlite3_column_text(st, 4);
	how = t == NULL ? -1 : rotation_how_parse((const char *)t);
	p->how = how == -1 ? ROTATION_HOW_ROTATION : how;
	if (range) {
		p->start = (time_t)sqlite3_column_int64(st, 5);
		p->held = sqlite3_column_int(st, 6) != 0;
	} else {
		t = sqlite3_column_text(st, 5);
		p->reasons = xstrdup(t == NULL ? "" : (const char *)t);
	}
}

static void
req_read(sqlite3_stmt *st, struct present_request *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	store_column_copy(st, 1, r->member, sizeof(r->member));
	store_column_copy(st, 2, r->case_ref, sizeof(r->case_ref));
	store_column_copy(st, 3, r->asked_on, sizeof(r->asked_on));
	store_column_copy(st, 4, r->before, sizeof(r->before));
	store_column_copy(st, 5, r->used_session, sizeof(r->used_session));
}

/* End a read loop: 0 if it ran to SQLITE_DONE. */
static int
pres_done(struct store *s, sqlite3_stmt *st, int rc, const char *what,
    struct err *err)
{
	if (rc != SQLITE_DONE) {
		store_fail(s, what, err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}

int
store_presentations_range(struct store *s, time_t from, time_t until,
    struct presentation **out, size_t *np, struct err *err)
{
	return (pres_range(0, s, from, until, out, np, err));
}

int
store_presentations_range_scoped(struct store *s, time_t from, time_t until,
    struct presentation **out, size_t *np, struct err *err)
{
	return (pres_range(1, s, from, until, out, np, err));
}

static int
pres_range(int scoped, struct store *s, time_t from, time_t until,
    struct presentation **out, size_t *np, struct err *err)
{
	sqlite3_stmt		*st = PRES_STMT(s, scoped ? PRES_RANGE_SCOPED : PRES_RANGE);
	struct presentation	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*np = 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		pres_read(st, &v[n++], 1);
	}
	if (pres_done(s, st, rc, "presentations range", err) == -1) {
		free(v);
		return (-1);
	}
	*out = v;
	*np = n;
	return (0);
}

int
store_presentations_session(struct store *s, const char *session,
    struct presentation **out, size_t *np, struct err *err)
{
	sqlite3_stmt		*st = PRES_STMT(s, PRES_SESSION);
	struct presentation	*v = NULL;
	size_t			 n = 0, cap = 0, i;
	int			 rc;

	*out = NULL;
	*np = 0;
	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		pres_read(st, &v[n++], 0);
	}
	if (pres_done(s, st, rc, "presentations of a session", err) == -1) {
		for (i = 0; i < n; i++)
			free(v[i].reasons);
		free(v);
		return (-1);
	}
	*out = v;
	*np = n;
	return (0);
}

int
store_presentation_put(struct store *s, const struct presentation *p,
    struct err *err)
{
	sqlite3_stmt	*st = PRES_STMT(s, PRES_PUT);
	int		 rc;

	sqlite3_bind_text(st, 1, p->session, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, p->slot);
	sqlite3_bind_text(st, 3, p->member, -1, SQLITE_STATIC);
	store_bind_text(st, 4, p->case_ref);
	sqlite3_bind_text(st, 5, rotation_how_name(p->how), -1,
	    SQLITE_STATIC);
	store_bind_text(st, 6, p->reasons);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "presentation", p->session, err));
}

int
store_presentation_delete(struct store *s, const char *session, int slot,
    struct err *err)
{
	sqlite3_stmt	*st = PRES_STMT(s, PRES_DELETE);
	int		 rc;

	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, slot);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "presentation", session, err));
}

int
store_presentations_discussed(struct store *s, const char *session,
    const char *date, struct err *err)
{
	sqlite3_stmt	*st = PRES_STMT(s, PRES_DISCUSSED);
	int		 rc;

	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "case discussed", session, err));
}

int
store_request_add(struct store *s, struct present_request *r,
    struct err *err)
{
	sqlite3_stmt	*st = PRES_STMT(s, PRES_REQ_ADD);
	int		 rc;

	sqlite3_bind_text(st, 1, r->member, -1, SQLITE_STATIC);
	store_bind_text(st, 2, r->case_ref);
	sqlite3_bind_text(st, 3, r->asked_on, -1, SQLITE_STATIC);
	store_bind_text(st, 4, r->before);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r->id = (int64_t)sqlite3_last_insert_rowid(
		    sqlite3_db_handle(st));
	store_stmt_done(st);
	return (store_write_rc(s, rc, "request", r->member, err));
}

int
store_requests_open(struct store *s, time_t now,
    struct present_request **out, size_t *np, struct err *err)
{
	return (pres_requests(0, s, now, out, np, err));
}

int
store_requests_open_scoped(struct store *s, time_t now,
    struct present_request **out, size_t *np, struct err *err)
{
	return (pres_requests(1, s, now, out, np, err));
}

static int
pres_requests(int scoped, struct store *s, time_t now,
    struct present_request **out, size_t *np, struct err *err)
{
	sqlite3_stmt		*st = PRES_STMT(s, scoped ? PRES_REQ_OPEN_SCOPED : PRES_REQ_OPEN);
	struct present_request	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*np = 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		req_read(st, &v[n++]);
	}
	if (pres_done(s, st, rc, "open requests", err) == -1) {
		free(v);
		return (-1);
	}
	*out = v;
	*np = n;
	return (0);
}

int
store_request_set_used(struct store *s, int64_t id, const char *session,
    struct err *err)
{
	sqlite3_stmt	*st = PRES_STMT(s, PRES_REQ_USED);
	int		 rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	store_bind_text(st, 2, session);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "request", "used", err));
}

int
store_request_delete(struct store *s, int64_t id, struct err *err)
{
	sqlite3_stmt	*st = PRES_STMT(s, PRES_REQ_DELETE);
	int		 rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "request", "withdrawn", err));
}

int
store_presenters_sessions(struct store *s, time_t from, time_t until,
    struct presenters_session **out, size_t *np, struct err *err)
{
	return (pres_sessions(0, s, from, until, out, np, err));
}

int
store_presenters_sessions_scoped(struct store *s, time_t from, time_t until,
    struct presenters_session **out, size_t *np, struct err *err)
{
	return (pres_sessions(1, s, from, until, out, np, err));
}

static int
pres_sessions(int scoped, struct store *s, time_t from, time_t until,
    struct presenters_session **out, size_t *np, struct err *err)
{
	sqlite3_stmt			*st = PRES_STMT(s, scoped ? PRES_SESSIONS_SCOPED : PRES_SESSIONS);
	struct presenters_session	*v = NULL, *x;
	size_t				 n = 0, cap = 0;
	char				*comma;
	int				 rc;

	*out = NULL;
	*np = 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		x = &v[n++];
		memset(x, 0, sizeof(*x));
		store_column_copy(st, 0, x->id, sizeof(x->id));
		store_column_copy(st, 1, x->team, sizeof(x->team));
		if ((comma = strchr(x->team, ',')) != NULL)
			*comma = '\0';
		x->start = (time_t)sqlite3_column_int64(st, 2);
		x->held = sqlite3_column_int(st, 3) != 0;
		x->slots = sqlite3_column_int(st, 4);
	}
	if (pres_done(s, st, rc, "presenter sessions", err) == -1) {
		free(v);
		return (-1);
	}
	*out = v;
	*np = n;
	return (0);
}

int
store_presenters_attendees(struct store *s, time_t from, time_t until,
    int (*cb)(void *, const char *, const char *, int), void *arg,
    struct err *err)
{
	return (pres_attendees(0, s, from, until, cb, arg, err));
}

int
store_presenters_attendees_scoped(struct store *s, time_t from,
    time_t until, int (*cb)(void *, const char *, const char *, int), void *arg,
    struct err *err)
{
	return (pres_attendees(1, s, from, until, cb, arg, err));
}

static int
pres_attendees(int scoped, struct store *s, time_t from, time_t until,
    int (*cb)(void *, const char *, const char *, int), void *arg,
    struct err *err)
{
	sqlite3_stmt		*st = PRES_STMT(s, scoped ?
				    PRES_ATTENDEES_SCOPED : PRES_ATTENDEES);
	const unsigned char	*session, *member;
	int			 rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		session = sqlite3_column_text(st, 0);
		member = sqlite3_column_text(st, 1);
		if (session == NULL || member == NULL)
			continue;
		if (cb(arg, (const char *)session, (const char *)member,
		    sqlite3_column_int(st, 2)) == -1) {
			store_stmt_done(st);
			return (-1);
		}
	}
	return (pres_done(s, st, rc, "presenter attendees", err));
}

int
store_presenters_cases(struct store *s,
    int (*cb)(void *, const struct casefile *), void *arg, struct err *err)
{
	return (pres_cases(0, s, cb, arg, err));
}

int
store_presenters_cases_scoped(struct store *s,
    int (*cb)(void *, const struct casefile *), void *arg, struct err *err)
{
	return (pres_cases(1, s, cb, arg, err));
}

static int
pres_cases(int scoped, struct store *s,
    int (*cb)(void *, const struct casefile *), void *arg, struct err *err)
{
	sqlite3_stmt		*st = PRES_STMT(s, scoped ? PRES_CASES_SCOPED : PRES_CASES);
	struct casefile		 c;
	const unsigned char	*t;
	int			 rc, k;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		store_column_copy(st, 0, c.ref, sizeof(c.ref));
		if (sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
			k = sqlite3_column_int(st, 1);
			k = k >= 0 && k < KIND_COUNT ? k : -1;
		} else {
			t = sqlite3_column_text(st, 1);
			k = t == NULL ? -1 : case_kind_parse((const char *)t);
		}
		c.kind = k == -1 ? KIND_OTHER : k;
		store_column_copy(st, 2, c.opened, sizeof(c.opened));
		store_column_copy(st, 3, c.lead, sizeof(c.lead));
		c.flagged = sqlite3_column_int(st, 4) != 0;
		store_column_copy(st, 5, c.flag_reason, sizeof(c.flag_reason));
		store_column_copy(st, 6, c.flagged_on, sizeof(c.flagged_on));
		store_column_copy(st, 7, c.last_discussed,
		    sizeof(c.last_discussed));
		if (cb(arg, &c) == -1) {
			store_stmt_done(st);
			return (-1);
		}
	}
	return (pres_done(s, st, rc, "presenter cases", err));
}
