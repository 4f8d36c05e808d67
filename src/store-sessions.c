/*
 * The series, series_teams, sessions, session_attendees and attendance
 * tables.  Only SQL and the mapping between rows and structs: kinds,
 * states, roles and statuses are stored by name, session times as
 * instants.  The rules live in series.c and the planner; a constraint
 * SQLite still refuses becomes ERR_CONFLICT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "people.h"
#include "schedule.h"
#include "series.h"
#include "store.h"
#include "xmalloc.h"

enum {
	SESS_SERIES_GET = 0,
	SESS_SERIES_LIST,
	SESS_SERIES_TEAMS,
	SESS_SERIES_INSERT,
	SESS_SERIES_UPDATE,
	SESS_SERIES_DELETE,
	SESS_SERIES_TEAMS_CLEAR,
	SESS_SERIES_TEAM_ADD,
	SESS_SERIES_SESSION_TEAMS,
	SESS_SESSION_GET,
	SESS_SESSION_LIST,
	SESS_SESSION_INSERT,
	SESS_SESSION_UPDATE,
	SESS_SESSION_CANCEL_REASON,
	SESS_SESSION_MOVE_REASON,
	SESS_SESSION_NOTE,
	SESS_SESSION_ENDED,
	SESS_SESSION_NEXT_END,
	SESS_SESSION_COUNT,
	SESS_ATT_RANGE,
	SESS_ATT_GET,
	SESS_ATT_CLEAR,
	SESS_ATT_ADD,
	SESS_ATT_DEL,
	SESS_ATT_PUT,
	SESS_ATTENDANCE_SET,
	SESS_ATTENDANCE_CLEAR,
	SESS_ATTENDANCE_DEFAULT,
	SESS_ATTENDANCE_LAST,
	SESS_HISTORY_GET,
	SESS_HISTORY_PUT,
	SESS_HISTORY_LAST,
	SESS_SERIES_SCOPED,
	SESS_SESSION_SCOPED,
	SESS_ATT_SCOPED,
	SESS_NSTMTS
};

#define SESS_STMT(s, i)	store_stmt((s), STORE_SET_SESSIONS, (i))

#define SERIES_COLS \
	"slug, kind, rrule, start, duration, slots, location, psychologist, " \
	"cofacilitator, created"
#define SESSION_COLS \
	"s.id, s.series, s.kind, s.start, s.\"end\", s.location, " \
	"s.psychologist, s.cover_reason, s.state, s.manual, s.uid, " \
	"s.sequence, s.invited, s.uncovered_alerted, s.teams"

static const char *const sess_sql[SESS_NSTMTS] = {
	[SESS_SERIES_GET] =
	    "SELECT " SERIES_COLS " FROM series WHERE slug = ?1",
	[SESS_SERIES_LIST] =
	    "SELECT " SERIES_COLS " FROM series WHERE ?1 IS NULL OR slug IN "
	    "(SELECT series FROM series_teams WHERE team = ?1) ORDER BY slug",
	[SESS_SERIES_SCOPED] =
	    "SELECT " SERIES_COLS " FROM series WHERE slug IN "
	    "(SELECT series FROM series_teams WHERE team IN "
	    "  (SELECT team FROM temp.scope_team)) ORDER BY slug",
	[SESS_SESSION_SCOPED] =
	    "SELECT " SESSION_COLS " FROM sessions s "
	    "INDEXED BY sessions_first_team "
	    "WHERE " STORE_IN_SCOPE("s") " AND s.start >= ?1 AND s.start < ?2 "
	    "ORDER BY s.start, s.id",
	[SESS_ATT_SCOPED] =
	    "SELECT a.session, a.member, a.role, NULL FROM sessions s "
	    "INDEXED BY sessions_first_team CROSS JOIN session_attendees a "
	    "ON a.session = s.id WHERE "
	    STORE_IN_SCOPE("s") " AND s.start >= ?1 AND s.start < ?2",
	[SESS_SERIES_TEAMS] =
	    "SELECT team FROM series_teams WHERE series = ?1 ORDER BY pos",
	[SESS_SERIES_INSERT] =
	    "INSERT INTO series (" SERIES_COLS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SESS_SERIES_UPDATE] =
	    "UPDATE series SET kind = ?2, rrule = ?3, start = ?4, "
	    "duration = ?5, slots = ?6, location = ?7, psychologist = ?8, "
	    "cofacilitator = ?9 WHERE slug = ?1",
	[SESS_SERIES_DELETE] =
	    "DELETE FROM series WHERE slug = ?1",
	[SESS_SERIES_TEAMS_CLEAR] =
	    "DELETE FROM series_teams WHERE series = ?1",
	[SESS_SERIES_TEAM_ADD] =
	    "INSERT INTO series_teams (series, team, pos) VALUES (?1, ?2, ?3)",
	[SESS_SERIES_SESSION_TEAMS] =
	    "UPDATE sessions SET teams = ?2 WHERE series = ?1 "
	    "AND teams IS NOT ?2",
	[SESS_SESSION_GET] =
	    "SELECT " SESSION_COLS " FROM sessions s WHERE s.id = ?1",
	[SESS_SESSION_LIST] =
	    "SELECT " SESSION_COLS " FROM sessions s "
	    "WHERE s.start >= ?1 AND s.start < ?2 "
	    "AND (?3 IS NULL OR s.series = ?3) "
	    "AND (?4 IS NULL OR s.series IN "
	    "  (SELECT series FROM series_teams WHERE team = ?4) "
	    "  OR instr(',' || s.teams || ',', ',' || ?4 || ',') > 0) "
	    "AND (?5 IS NULL OR s.id IN "
	    "  (SELECT session FROM session_attendees WHERE member = ?5)) "
	    "AND (?6 IS NULL OR s.psychologist = ?6) "
	    "ORDER BY s.start, s.id",
	[SESS_SESSION_INSERT] =
	    "INSERT INTO sessions (id, series, kind, start, \"end\", location, "
	    "psychologist, cover_reason, state, manual, uid, sequence, "
	    "invited, uncovered_alerted, teams) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[SESS_SESSION_UPDATE] =
	    "UPDATE sessions SET start = ?4, \"end\" = ?5, location = ?6, "
	    "psychologist = ?7, cover_reason = ?8, state = ?9, manual = ?10, "
	    "uid = ?11, sequence = ?12, invited = ?13, "
	    "uncovered_alerted = ?14, teams = ?15 WHERE id = ?1",
	[SESS_SESSION_CANCEL_REASON] =
	    "UPDATE sessions SET cancel_reason = ?2, cancelled_by = ?3 "
	    "WHERE id = ?1",
	[SESS_SESSION_MOVE_REASON] =
	    "UPDATE sessions SET move_reason = ?2, moved_by = ?3 "
	    "WHERE id = ?1",
	[SESS_SESSION_NOTE] =
	    "SELECT cancel_reason, cancelled_by, move_reason, moved_by "
	    "FROM sessions WHERE id = ?1",
	[SESS_SESSION_ENDED] =
	    "SELECT " SESSION_COLS " FROM sessions s "
	    "WHERE s.state = 'planned' AND s.\"end\" <= ?1 "
	    "ORDER BY s.\"end\", s.id",
	[SESS_SESSION_NEXT_END] =
	    "SELECT min(\"end\") FROM sessions WHERE state = 'planned'",
	[SESS_SESSION_COUNT] =
	    "SELECT count(*) FROM sessions WHERE state = 'planned'",
	[SESS_ATT_RANGE] =
	    /*
	     * Session by session, from a covering index and the attendees'
	     * own key order, each session's rows together: no sort of a
	     * year of rows, no table look-up.
	     */
	    "SELECT a.session, a.member, a.role, NULL FROM sessions s "
	    "INDEXED BY sessions_booking CROSS JOIN session_attendees a "
	    "ON a.session = s.id "
	    "WHERE s.start >= ?1 AND s.start < ?2",
	[SESS_ATT_GET] =
	    "SELECT a.session, a.member, a.role, t.status "
	    "FROM session_attendees a LEFT JOIN attendance t "
	    "ON t.session = a.session AND t.member = a.member "
	    "WHERE a.session = ?1 ORDER BY CASE a.role "
	    "WHEN 'psychologist' THEN 0 WHEN 'cofacilitator' THEN 1 "
	    "ELSE 2 END, a.member",
	[SESS_ATT_CLEAR] =
	    "DELETE FROM session_attendees WHERE session = ?1",
	[SESS_ATT_ADD] =
	    "INSERT INTO session_attendees (session, member, role) "
	    "VALUES (?1, ?2, ?3)",
	[SESS_ATT_DEL] =
	    "DELETE FROM session_attendees WHERE session = ?1 AND member = ?2",
	[SESS_ATT_PUT] =
	    "INSERT INTO session_attendees (session, member, role) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (session, member) "
	    "DO UPDATE SET role = excluded.role",
	[SESS_ATTENDANCE_SET] =
	    "INSERT INTO attendance (session, member, status) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (session, member) "
	    "DO UPDATE SET status = excluded.status",
	[SESS_ATTENDANCE_CLEAR] =
	    "DELETE FROM attendance WHERE session = ?1 AND member = ?2",
	[SESS_ATTENDANCE_DEFAULT] =
	    "INSERT OR IGNORE INTO attendance (session, member, status) "
	    "SELECT session, member, ?2 FROM session_attendees "
	    "WHERE session = ?1 AND role = 'attendee'",
	[SESS_ATTENDANCE_LAST] =
	    "SELECT t.member, max(s.start) FROM attendance t "
	    "JOIN sessions s ON s.id = t.session "
	    "WHERE t.status = 'attended' AND s.state = 'held' "
	    "AND s.kind = 'group_supervision' GROUP BY t.member "
	    "ORDER BY t.member",
	[SESS_HISTORY_GET] =
	    "SELECT status FROM attendance_history WHERE member = ?1 "
	    "AND date = ?2",
	[SESS_HISTORY_PUT] =
	    "INSERT INTO attendance_history (member, date, status) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (member, date) "
	    "DO UPDATE SET status = excluded.status",
	[SESS_HISTORY_LAST] =
	    "SELECT member, max(date) FROM attendance_history "
	    "WHERE status = 'attended' GROUP BY member ORDER BY member",
};

const struct store_sqlset store_sessions_sqlset = {
	"sessions", sess_sql, SESS_NSTMTS
};

static int	 sess_history_merge(struct store *, struct session_last **,
		    size_t *, size_t *);
static int	 sess_last_cmp(const void *, const void *);
static void	 sess_read_series(sqlite3_stmt *, struct series *);
static void	 sess_read_session(sqlite3_stmt *, struct session *);
static void	 sess_read_attendee(sqlite3_stmt *, struct session_attendee *);
static int	 sess_series_many(struct store *, sqlite3_stmt *,
		    struct series **, size_t *, struct err *);
static int	 sess_series_teams(struct store *, struct series *,
		    struct err *);
static int	 sess_series_write_teams(struct store *,
		    const struct series *, struct err *);
static void	 sess_bind_series(sqlite3_stmt *, const struct series *);
static void	 sess_bind_session(sqlite3_stmt *, const struct session *);
static int	 sess_each(struct store *, sqlite3_stmt *,
		    void (*)(void *, const struct session *), void *,
		    struct err *);
static void	 sess_append(void *, const struct session *);
static int	 sess_sessions(struct store *, sqlite3_stmt *,
		    struct session **, size_t *, struct err *);
static int	 sess_att_each(struct store *, sqlite3_stmt *,
		    void (*)(void *, const struct session_attendee *), void *,
		    struct err *);
static void	 sess_att_append(void *, const struct session_attendee *);
static int	 sess_att_write(struct store *, int, const char *,
		    const struct sched_attendee *, size_t, struct err *);
static int	 sess_attendees(struct store *, sqlite3_stmt *,
		    struct session_attendee **, size_t *, struct err *);
static int	 sess_int(struct store *, sqlite3_stmt *, int *, const char *,
		    struct err *);

static void
sess_read_series(sqlite3_stmt *st, struct series *r)
{
	char	kind[32];

	memset(r, 0, sizeof(*r));
	store_column_copy(st, 0, r->slug, sizeof(r->slug));
	store_column_copy(st, 1, kind, sizeof(kind));
	if ((r->kind = series_kind_parse(kind)) == -1)
		r->kind = SERIES_GROUP_SUPERVISION;
	store_column_copy(st, 2, r->rrule, sizeof(r->rrule));
	store_column_copy(st, 3, r->start, sizeof(r->start));
	r->duration = sqlite3_column_int(st, 4);
	r->slots = sqlite3_column_int(st, 5);
	store_column_copy(st, 6, r->location, sizeof(r->location));
	store_column_copy(st, 7, r->psychologist, sizeof(r->psychologist));
	store_column_copy(st, 8, r->cofacilitator, sizeof(r->cofacilitator));
	r->created = (time_t)sqlite3_column_int64(st, 9);
}

static void
sess_read_session(sqlite3_stmt *st, struct session *x)
{
	char	buf[32];

	memset(x, 0, sizeof(*x));
	store_column_copy(st, 0, x->id, sizeof(x->id));
	store_column_copy(st, 1, x->series, sizeof(x->series));
	store_column_copy(st, 2, buf, sizeof(buf));
	if ((x->kind = series_kind_parse(buf)) == -1)
		x->kind = SERIES_GROUP_SUPERVISION;
	x->start = (time_t)sqlite3_column_int64(st, 3);
	x->end = (time_t)sqlite3_column_int64(st, 4);
	store_column_copy(st, 5, x->location, sizeof(x->location));
	store_column_copy(st, 6, x->psychologist, sizeof(x->psychologist));
	store_column_copy(st, 7, x->cover_reason, sizeof(x->cover_reason));
	store_column_copy(st, 8, buf, sizeof(buf));
	if ((x->state = session_state_parse(buf)) == -1)
		x->state = SESSION_PLANNED;
	x->manual = sqlite3_column_int(st, 9);
	store_column_copy(st, 10, x->uid, sizeof(x->uid));
	x->sequence = sqlite3_column_int(st, 11);
	x->invited = sqlite3_column_int(st, 12);
	x->uncovered_alerted = sqlite3_column_int(st, 13);
	store_column_copy(st, 14, x->teams, sizeof(x->teams));
}

static void
sess_read_attendee(sqlite3_stmt *st, struct session_attendee *a)
{
	char	buf[32];

	memset(a, 0, sizeof(*a));
	store_column_copy(st, 0, a->session, sizeof(a->session));
	store_column_copy(st, 1, a->member, sizeof(a->member));
	store_column_copy(st, 2, buf, sizeof(buf));
	if (strcmp(buf, "psychologist") == 0)
		a->role = SCHED_PSYCHOLOGIST;
	else if (strcmp(buf, "cofacilitator") == 0)
		a->role = SCHED_COFACILITATOR;
	else
		a->role = SCHED_ATTENDEE;
	store_column_copy(st, 3, buf, sizeof(buf));
	a->attendance = buf[0] == '\0' ? ATTEND_NONE : attendance_parse(buf);
}

static int
sess_series_teams(struct store *s, struct series *r, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SERIES_TEAMS);
	int		 rc;

	r->nteams = 0;
	sqlite3_bind_text(st, 1, r->slug, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->nteams < SERIES_MAX_TEAMS) {
			store_column_copy(st, 0, r->teams[r->nteams],
			    sizeof(r->teams[0]));
			r->nteams++;
		}
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "series teams", err));
	return (0);
}

int
store_series_get(struct store *s, const char *slug, struct series *r,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SERIES_GET);
	int		 rc;

	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sess_read_series(st, r);
	store_stmt_done(st);
	if (rc == SQLITE_DONE)
		return (err_set(err, ERR_NOT_FOUND, "no such series: %s", slug));
	if (rc != SQLITE_ROW)
		return (store_fail(s, "series", err));
	return (sess_series_teams(s, r, err));
}

int
store_series_list(struct store *s, const char *team, struct series **rp,
    size_t *np, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SERIES_LIST);

	store_bind_text(st, 1, team);
	return (sess_series_many(s, st, rp, np, err));
}

int
store_series_list_scoped(struct store *s, struct series **rp, size_t *np,
    struct err *err)
{
	return (sess_series_many(s, SESS_STMT(s, SESS_SERIES_SCOPED), rp, np,
	    err));
}

static int
sess_series_many(struct store *s, sqlite3_stmt *st, struct series **rp,
    size_t *np, struct err *err)
{
	struct series	*v = NULL;
	size_t		 n = 0, cap = 0, i;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		sess_read_series(st, &v[n++]);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (store_fail(s, "series list", err));
	}
	for (i = 0; i < n; i++) {
		if (sess_series_teams(s, &v[i], err) == -1) {
			free(v);
			return (-1);
		}
	}
	*rp = v;
	*np = n;
	return (0);
}

static void
sess_bind_series(sqlite3_stmt *st, const struct series *r)
{
	sqlite3_bind_text(st, 1, r->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, series_kind_name(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->rrule, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->start, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, r->duration);
	sqlite3_bind_int(st, 6, r->slots);
	store_bind_text(st, 7, r->location);
	store_bind_text(st, 8, r->psychologist);
	store_bind_text(st, 9, r->cofacilitator);
}

static int
sess_series_write_teams(struct store *s, const struct series *r,
    struct err *err)
{
	sqlite3_stmt	*st;
	char		 teams[SESSION_TEAMS_MAX] = "";
	size_t		 i, off;
	int		 rc;

	st = SESS_STMT(s, SESS_SERIES_TEAMS_CLEAR);
	sqlite3_bind_text(st, 1, r->slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "series", r->slug, err) == -1)
		return (-1);
	for (i = 0; i < r->nteams; i++) {
		st = SESS_STMT(s, SESS_SERIES_TEAM_ADD);
		sqlite3_bind_text(st, 1, r->slug, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->teams[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)i);
		rc = sqlite3_step(st);
		store_stmt_done(st);
		if (store_write_rc(s, rc, "series team", r->teams[i],
		    err) == -1)
			return (-1);
		off = strlen(teams);
		snprintf(teams + off, sizeof(teams) - off, "%s%s",
		    i > 0 ? "," : "", r->teams[i]);
	}
	/*
	 * Its sessions are its teams' wherever they are, held, cancelled or
	 * moved by hand too: a scoped run reads a team's sessions by the
	 * first team they name, and one left naming the old team would be
	 * planned again beside itself (a series moved, or removed and added
	 * again for another team).
	 */
	st = SESS_STMT(s, SESS_SERIES_SESSION_TEAMS);
	sqlite3_bind_text(st, 1, r->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, teams, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "series sessions", r->slug, err));
}

int
store_series_insert(struct store *s, const struct series *r,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SERIES_INSERT);
	int		 rc;

	sess_bind_series(st, r);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)r->created);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "series", r->slug, err) == -1)
		return (-1);
	return (sess_series_write_teams(s, r, err));
}

int
store_series_update(struct store *s, const struct series *r,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SERIES_UPDATE);
	int		 rc;

	sess_bind_series(st, r);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "series", r->slug, err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such series: %s",
		    r->slug));
	return (sess_series_write_teams(s, r, err));
}

int
store_series_delete(struct store *s, const char *slug, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SERIES_DELETE);
	int		 rc;

	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "series", slug, err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such series: %s", slug));
	return (0);
}

/* Each row of a bound sessions statement to cb; resets st. */
static int
sess_each(struct store *s, sqlite3_stmt *st,
    void (*cb)(void *, const struct session *), void *arg, struct err *err)
{
	struct session	x;
	int		rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sess_read_session(st, &x);
		cb(arg, &x);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "sessions", err));
	return (0);
}

struct sess_array {
	struct session	*v;
	size_t		 n, cap;
};

static void
sess_append(void *arg, const struct session *x)
{
	struct sess_array	*a = arg;

	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 64 : a->cap * 2;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = *x;
}

static int
sess_sessions(struct store *s, sqlite3_stmt *st, struct session **vp,
    size_t *np, struct err *err)
{
	struct sess_array	a = { NULL, 0, 0 };

	if (sess_each(s, st, sess_append, &a, err) == -1) {
		free(a.v);
		return (-1);
	}
	*vp = a.v;
	*np = a.n;
	return (0);
}

int
store_session_get(struct store *s, const char *id, struct session *x,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_GET);
	int		 rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		sess_read_session(st, x);
	store_stmt_done(st);
	if (rc == SQLITE_DONE)
		return (err_set(err, ERR_NOT_FOUND, "no such session: %s", id));
	if (rc != SQLITE_ROW)
		return (store_fail(s, "session", err));
	return (0);
}

int
store_session_list(struct store *s, time_t from, time_t until,
    const char *series, const char *team, const char *member,
    const char *psychologist, struct session **vp, size_t *np,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_LIST);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	store_bind_text(st, 3, series);
	store_bind_text(st, 4, team);
	store_bind_text(st, 5, member);
	store_bind_text(st, 6, psychologist);
	return (sess_sessions(s, st, vp, np, err));
}

int
store_session_each(struct store *s, time_t from, time_t until, int scoped,
    void (*cb)(void *, const struct session *), void *arg, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, scoped ? SESS_SESSION_SCOPED :
			    SESS_SESSION_LIST);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	if (!scoped) {
		sqlite3_bind_null(st, 3);
		sqlite3_bind_null(st, 4);
		sqlite3_bind_null(st, 5);
		sqlite3_bind_null(st, 6);
	}
	return (sess_each(s, st, cb, arg, err));
}

int
store_session_list_scoped(struct store *s, time_t from, time_t until,
    struct session **vp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_SCOPED);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	return (sess_sessions(s, st, vp, np, err));
}

static void
sess_bind_session(sqlite3_stmt *st, const struct session *x)
{
	sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x->series, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, series_kind_name(x->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)x->start);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)x->end);
	store_bind_text(st, 6, x->location);
	store_bind_text(st, 7, x->psychologist);
	store_bind_text(st, 8, x->cover_reason);
	sqlite3_bind_text(st, 9, session_state_name(x->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 10, x->manual);
	sqlite3_bind_text(st, 11, x->uid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, x->sequence);
	sqlite3_bind_int(st, 13, x->invited);
	sqlite3_bind_int(st, 14, x->uncovered_alerted);
	store_bind_text(st, 15, x->teams);
}

int
store_session_insert(struct store *s, const struct session *x,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_INSERT);
	int		 rc;

	sess_bind_session(st, x);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "session", x->id, err));
}

int
store_session_update(struct store *s, const struct session *x,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_UPDATE);
	int		 rc;

	sess_bind_session(st, x);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "session", x->id, err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such session: %s",
		    x->id));
	return (0);
}

int
store_session_set_note(struct store *s, const char *id, int moved,
    const char *reason, const char *by, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, moved ? SESS_SESSION_MOVE_REASON :
			    SESS_SESSION_CANCEL_REASON);
	int		 rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	store_bind_text(st, 2, reason);
	store_bind_text(st, 3, by);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "session", id, err));
}

int
store_session_note_get(struct store *s, const char *id,
    struct session_note *n, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_NOTE);
	int		 rc;

	memset(n, 0, sizeof(*n));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_column_copy(st, 0, n->cancel_reason,
		    sizeof(n->cancel_reason));
		store_column_copy(st, 1, n->cancelled_by,
		    sizeof(n->cancelled_by));
		store_column_copy(st, 2, n->move_reason,
		    sizeof(n->move_reason));
		store_column_copy(st, 3, n->moved_by, sizeof(n->moved_by));
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "session note", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}

int
store_session_ended(struct store *s, time_t now, struct session **vp,
    size_t *np, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_ENDED);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	return (sess_sessions(s, st, vp, np, err));
}

static int
sess_int(struct store *s, sqlite3_stmt *st, int *v, const char *what,
    struct err *err)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_stmt_done(st);
		return (store_fail(s, what, err));
	}
	*v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 0);
	store_stmt_done(st);
	return (0);
}

int
store_session_next_end(struct store *s, time_t *when, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_SESSION_NEXT_END);
	int		 rc, found = 0;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*when = (time_t)sqlite3_column_int64(st, 0);
		found = 1;
	}
	store_stmt_done(st);
	if (rc != SQLITE_ROW)
		return (store_fail(s, "next session end", err));
	return (found ? 0 : 1);
}

int
store_session_count_planned(struct store *s, int *n, struct err *err)
{
	return (sess_int(s, SESS_STMT(s, SESS_SESSION_COUNT), n,
	    "sessions planned", err));
}

/* Each row of a bound attendees statement to cb; resets st. */
static int
sess_att_each(struct store *s, sqlite3_stmt *st,
    void (*cb)(void *, const struct session_attendee *), void *arg,
    struct err *err)
{
	struct session_attendee	a;
	int			rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sess_read_attendee(st, &a);
		cb(arg, &a);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "attendees", err));
	return (0);
}

struct sess_att_array {
	struct session_attendee	*v;
	size_t			 n, cap;
};

static void
sess_att_append(void *arg, const struct session_attendee *x)
{
	struct sess_att_array	*a = arg;

	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 64 : a->cap * 2;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = *x;
}

static int
sess_attendees(struct store *s, sqlite3_stmt *st,
    struct session_attendee **vp, size_t *np, struct err *err)
{
	struct sess_att_array	a = { NULL, 0, 0 };

	if (sess_att_each(s, st, sess_att_append, &a, err) == -1) {
		free(a.v);
		return (-1);
	}
	*vp = a.v;
	*np = a.n;
	return (0);
}

int
store_attendees_each(struct store *s, time_t from, time_t until, int scoped,
    void (*cb)(void *, const struct session_attendee *), void *arg,
    struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, scoped ? SESS_ATT_SCOPED :
			    SESS_ATT_RANGE);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	return (sess_att_each(s, st, cb, arg, err));
}

int
store_attendees_range(struct store *s, time_t from, time_t until,
    struct session_attendee **vp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_ATT_RANGE);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	return (sess_attendees(s, st, vp, np, err));
}

int
store_attendees_range_scoped(struct store *s, time_t from, time_t until,
    struct session_attendee **vp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_ATT_SCOPED);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	return (sess_attendees(s, st, vp, np, err));
}

int
store_attendees_get(struct store *s, const char *session,
    struct session_attendee **vp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_ATT_GET);

	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	return (sess_attendees(s, st, vp, np, err));
}

int
store_attendees_replace(struct store *s, const char *session,
    const struct sched_attendee *v, size_t n, struct err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = SESS_STMT(s, SESS_ATT_CLEAR);
	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "attendees", session, err) == -1)
		return (-1);
	return (store_attendees_add(s, session, v, n, err));
}

int
store_attendees_add(struct store *s, const char *session,
    const struct sched_attendee *v, size_t n, struct err *err)
{
	return (sess_att_write(s, SESS_ATT_ADD, session, v, n, err));
}

/*
 * Each of v for session through statement idx: inserted (SESS_ATT_ADD),
 * put (SESS_ATT_PUT) or taken out (SESS_ATT_DEL, which takes no role).
 */
static int
sess_att_write(struct store *s, int idx, const char *session,
    const struct sched_attendee *v, size_t n, struct err *err)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	for (i = 0; i < n; i++) {
		st = SESS_STMT(s, idx);
		sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, v[i].member, -1, SQLITE_STATIC);
		if (idx != SESS_ATT_DEL)
			sqlite3_bind_text(st, 3,
			    sched_attendee_role_name(v[i].role), -1,
			    SQLITE_STATIC);
		rc = sqlite3_step(st);
		store_stmt_done(st);
		if (store_write_rc(s, rc, "attendee", v[i].member, err) == -1)
			return (-1);
	}
	return (0);
}

int
store_attendees_change(struct store *s, const char *session,
    const struct sched_attendee *gone, size_t ngone,
    const struct sched_attendee *put, size_t nput, struct err *err)
{
	if (sess_att_write(s, SESS_ATT_DEL, session, gone, ngone, err) == -1)
		return (-1);
	return (sess_att_write(s, SESS_ATT_PUT, session, put, nput, err));
}

int
store_attendance_set(struct store *s, const char *session,
    const char *member, const char *status, struct err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = SESS_STMT(s, status != NULL ? SESS_ATTENDANCE_SET :
	    SESS_ATTENDANCE_CLEAR);
	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, member, -1, SQLITE_STATIC);
	if (status != NULL)
		sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "attendance", member, err));
}

int
store_attendance_default(struct store *s, const char *session,
    const char *status, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_ATTENDANCE_DEFAULT);
	int		 rc;

	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "attendance", session, err));
}

int
store_attendance_last(struct store *s, struct session_last **vp,
    size_t *np, struct err *err)
{
	sqlite3_stmt		*st = SESS_STMT(s, SESS_ATTENDANCE_LAST);
	struct session_last	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		store_column_copy(st, 0, v[n].member, sizeof(v[n].member));
		sched_local_date((time_t)sqlite3_column_int64(st, 1),
		    v[n].date);
		n++;
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (store_fail(s, "last attended", err));
	}
	if (sess_history_merge(s, &v, &n, &cap) == -1) {
		free(v);
		return (store_fail(s, "attendance history", err));
	}
	*vp = v;
	*np = n;
	return (0);
}

/*
 * Fold imported history into the last attended dates (both by member):
 * the later date wins.
 */
static int
sess_history_merge(struct store *s, struct session_last **vp, size_t *np,
    size_t *capp)
{
	sqlite3_stmt		*st = SESS_STMT(s, SESS_HISTORY_LAST);
	struct session_last	*v = *vp, *hit;
	char			 member[SLUG_MAX + 1], date[DATE_LEN];
	size_t			 n = *np, base = *np, lo, hi, mid;
	int			 rc, c;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_column_copy(st, 0, member, sizeof(member));
		store_column_copy(st, 1, date, sizeof(date));
		hit = NULL;
		for (lo = 0, hi = base; lo < hi && hit == NULL;) {
			mid = lo + (hi - lo) / 2;
			if ((c = strcmp(v[mid].member, member)) == 0)
				hit = &v[mid];
			else if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (hit != NULL) {
			if (strcmp(hit->date, date) < 0)
				memcpy(hit->date, date, sizeof(hit->date));
			continue;
		}
		if (n == *capp) {
			*capp = *capp == 0 ? 64 : *capp * 2;
			v = xreallocarray(v, *capp, sizeof(*v));
		}
		memset(&v[n], 0, sizeof(v[n]));
		memcpy(v[n].member, member, sizeof(v[n].member));
		memcpy(v[n].date, date, sizeof(v[n].date));
		n++;
	}
	store_stmt_done(st);
	*vp = v;
	*np = n;
	if (rc != SQLITE_DONE)
		return (-1);
	if (n > base)
		qsort(v, n, sizeof(*v), sess_last_cmp);
	return (0);
}

static int
sess_last_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct session_last *)a)->member,
	    ((const struct session_last *)b)->member));
}

int
store_attendance_history_put(struct store *s, const char *member,
    const char *date, const char *status, int *changed, struct err *err)
{
	sqlite3_stmt	*st = SESS_STMT(s, SESS_HISTORY_GET);
	char		 old[16];
	int		 rc;

	old[0] = '\0';
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_column_copy(st, 0, old, sizeof(old));
	store_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (store_fail(s, "attendance history", err));
	if (rc == SQLITE_ROW && strcmp(old, status) == 0) {
		*changed = 0;
		return (0);
	}
	*changed = rc == SQLITE_ROW ? 2 : 1;
	st = SESS_STMT(s, SESS_HISTORY_PUT);
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "attendance history", member, err));
}
