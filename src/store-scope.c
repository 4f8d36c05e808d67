/*
 * The scope of a planning run: the teams a change touches, in a table of
 * this connection's own (temp.scope_team), which the scoped reads of
 * store-sessions.c, store-people.c, store-presentations.c and
 * store-mail.c join.  A session belongs to the team its teams column
 * names first (an index on that expression, migration 12).  Also the
 * light booking rows (id, series, time, psychologist) of the sessions
 * outside the scope, which a scoped run replays in time order so that
 * cover stays what a full run would choose.  Only the SQL lives here.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "domain.h"
#include "series.h"
#include "store.h"
#include "xmalloc.h"

enum {
	SCOPE_CLEAR = 0,
	SCOPE_ADD,
	SCOPE_CLOSE,
	SCOPE_BOOKINGS,
	SCOPE_BOOKINGS_PSYCH,
	SCOPE_BOOKINGS_COVER,
	SCOPE_MEMBER_TEAMS,
	SCOPE_WANTED,
	SCOPE_DAYTIMES,
	SCOPE_SERIES_TIMES,
	SCOPE_DATA_VERSION,
	SCOPE_NSTMTS
};

/* Covered by someone other than the one it wants, or uncovered (13). */
#define SCOPE_COVER	"covered"

static const char *const scope_sql[SCOPE_NSTMTS] = {
	[SCOPE_CLEAR] =
	    "DELETE FROM temp.scope_team",
	[SCOPE_ADD] =
	    "INSERT OR IGNORE INTO temp.scope_team (team) VALUES (?1)",
	[SCOPE_CLOSE] =
	    /* The other teams of a series a team in scope shares. */
	    "INSERT OR IGNORE INTO temp.scope_team (team) "
	    "SELECT DISTINCT b.team FROM series_teams a "
	    "JOIN series_teams b ON b.series = a.series "
	    "WHERE a.team IN (SELECT team FROM temp.scope_team)",
	[SCOPE_BOOKINGS] =
	    /* From the covering index sessions_booking alone. */
	    "SELECT id, series, start, \"end\", psychologist, state, manual, "
	    STORE_FIRST_TEAM("sessions") ", " SCOPE_COVER " "
	    "FROM sessions INDEXED BY sessions_booking "
	    "WHERE start >= ?1 AND start < ?2 AND state != 'cancelled' "
	    "AND (psychologist IS NOT NULL OR state = 'planned') "
	    "AND " STORE_FIRST_TEAM("sessions") " NOT IN "
	    "  (SELECT team FROM temp.scope_team)",
	[SCOPE_BOOKINGS_PSYCH] =
	    /* From the covering index sessions_psychologist alone. */
	    "SELECT id, series, start, \"end\", psychologist, state, manual, "
	    STORE_FIRST_TEAM("sessions") ", " SCOPE_COVER " "
	    "FROM sessions INDEXED BY sessions_psychologist "
	    "WHERE psychologist = ?3 AND start >= ?1 AND start < ?2 "
	    "AND state != 'cancelled' "
	    "AND " STORE_FIRST_TEAM("sessions") " NOT IN "
	    "  (SELECT team FROM temp.scope_team)",
	[SCOPE_BOOKINGS_COVER] =
	    "SELECT id, series, start, \"end\", psychologist, state, manual, "
	    STORE_FIRST_TEAM("sessions") ", 1 "
	    "FROM sessions INDEXED BY sessions_covered "
	    "WHERE start >= ?1 AND start < ?2 AND state = 'planned' "
	    "AND " SCOPE_COVER " "
	    "AND " STORE_FIRST_TEAM("sessions") " NOT IN "
	    "  (SELECT team FROM temp.scope_team)",
	[SCOPE_MEMBER_TEAMS] =
	    /* Home team, teams served or managed, series facilitated. */
	    "SELECT team FROM members WHERE slug = ?1 "
	    "UNION SELECT slug FROM teams WHERE psychologist = ?1 "
	    "  OR manager = ?1 "
	    "UNION SELECT t.team FROM series r "
	    "  JOIN series_teams t ON t.series = r.slug "
	    "  WHERE r.psychologist = ?1 OR r.cofacilitator = ?1",
	[SCOPE_WANTED] =
	    /* Its own psychologist, else its first team's. */
	    "SELECT r.slug, COALESCE(r.psychologist, (SELECT t.psychologist "
	    "  FROM series_teams st JOIN teams t ON t.slug = st.team "
	    "  WHERE st.series = r.slug ORDER BY st.pos LIMIT 1), '') "
	    "FROM series r ORDER BY r.slug",
	[SCOPE_DAYTIMES] =
	    "SELECT start % 86400 FROM sessions "
	    "UNION SELECT \"end\" % 86400 FROM sessions",
	[SCOPE_SERIES_TIMES] =
	    "SELECT DISTINCT start, duration, "
	    "  instr(upper(rrule), 'BYHOUR') + instr(upper(rrule), 'BYMINUTE') "
	    "  + instr(upper(rrule), 'BYSECOND') FROM series",
	[SCOPE_DATA_VERSION] =
	    "PRAGMA data_version",
};

const struct store_sqlset store_scope_sqlset = {
	"scope", scope_sql, SCOPE_NSTMTS
};

#define SCOPE_STMT(s, i)	store_stmt((s), STORE_SET_SCOPE, (i))

static int	scope_step(struct store *, sqlite3_stmt *, const char *,
		    struct err *);
static int	scope_bookings(struct store *, sqlite3_stmt *,
		    struct session_booking **, size_t *, struct err *);

static int
scope_step(struct store *s, sqlite3_stmt *st, const char *what,
    struct err *err)
{
	int64_t	before = store_total_changes(s);
	int	rc;

	rc = sqlite3_step(st);
	store_stmt_done(st);
	/* The scope is this connection's working table, no plan's input. */
	store_plan_unread(s, store_total_changes(s) - before);
	if (rc != SQLITE_DONE)
		return (store_fail(s, what, err));
	return (0);
}

int
store_scope_clear(struct store *s, struct err *err)
{
	return (scope_step(s, SCOPE_STMT(s, SCOPE_CLEAR), "scope clear", err));
}

int
store_scope_add(struct store *s, const char *team, struct err *err)
{
	sqlite3_stmt	*st = SCOPE_STMT(s, SCOPE_ADD);

	sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
	return (scope_step(s, st, "scope add", err));
}

int
store_scope_close(struct store *s, struct err *err)
{
	do {
		if (scope_step(s, SCOPE_STMT(s, SCOPE_CLOSE), "scope close",
		    err) == -1)
			return (-1);
	} while (store_changes(s) > 0);
	return (0);
}

int
store_member_teams(struct store *s, const char *member,
    void (*cb)(void *, const char *), void *arg, struct err *err)
{
	sqlite3_stmt		*st = SCOPE_STMT(s, SCOPE_MEMBER_TEAMS);
	const unsigned char	*t;
	int			 rc;

	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((t = sqlite3_column_text(st, 0)) != NULL)
			cb(arg, (const char *)t);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "member teams", err));
	return (0);
}

int
store_series_wanted(struct store *s,
    void (*cb)(void *, const char *, const char *), void *arg,
    struct err *err)
{
	sqlite3_stmt		*st = SCOPE_STMT(s, SCOPE_WANTED);
	const unsigned char	*slug, *psych;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		slug = sqlite3_column_text(st, 0);
		psych = sqlite3_column_text(st, 1);
		if (slug != NULL)
			cb(arg, (const char *)slug, psych != NULL ?
			    (const char *)psych : "");
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "series psychologists", err));
	return (0);
}

int
store_plan_daytimes(struct store *s, void (*session)(void *, int64_t),
    void (*series)(void *, const char *, int, int), void *arg,
    struct err *err)
{
	sqlite3_stmt		*st = SCOPE_STMT(s, SCOPE_DAYTIMES);
	const unsigned char	*start;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		session(arg, sqlite3_column_int64(st, 0));
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "session times", err));
	st = SCOPE_STMT(s, SCOPE_SERIES_TIMES);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		start = sqlite3_column_text(st, 0);
		series(arg, start != NULL ? (const char *)start : "",
		    sqlite3_column_int(st, 1), sqlite3_column_int(st, 2) != 0);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "series times", err));
	return (0);
}

int
store_data_version(struct store *s, int64_t *v, struct err *err)
{
	sqlite3_stmt	*st = SCOPE_STMT(s, SCOPE_DATA_VERSION);
	int		 rc;

	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	store_stmt_done(st);
	if (rc != SQLITE_ROW)
		return (store_fail(s, "data version", err));
	return (0);
}

int
store_session_bookings(struct store *s, time_t from, time_t until,
    const char *psych, struct session_booking **vp, size_t *np,
    struct err *err)
{
	sqlite3_stmt	*st = SCOPE_STMT(s, psych == NULL ? SCOPE_BOOKINGS :
			    SCOPE_BOOKINGS_PSYCH);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	if (psych != NULL)
		sqlite3_bind_text(st, 3, psych, -1, SQLITE_STATIC);
	return (scope_bookings(s, st, vp, np, err));
}

int
store_session_bookings_covered(struct store *s, time_t from, time_t until,
    struct session_booking **vp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = SCOPE_STMT(s, SCOPE_BOOKINGS_COVER);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	return (scope_bookings(s, st, vp, np, err));
}

/* The rows of a bookings statement, bound by the caller. */
static int
scope_bookings(struct store *s, sqlite3_stmt *st,
    struct session_booking **vp, size_t *np, struct err *err)
{
	struct session_booking	*v = NULL, *b;
	const unsigned char	*t;
	size_t			 n = 0, cap = 0;
	int			 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		b = &v[n++];
		store_column_copy(st, 0, b->id, sizeof(b->id));
		store_column_copy(st, 1, b->series, sizeof(b->series));
		b->start = (time_t)sqlite3_column_int64(st, 2);
		b->end = (time_t)sqlite3_column_int64(st, 3);
		store_column_copy(st, 4, b->psychologist,
		    sizeof(b->psychologist));
		t = sqlite3_column_text(st, 5);
		b->state = session_state_parse(t != NULL ? (const char *)t :
		    "");
		b->manual = sqlite3_column_int(st, 6);
		store_column_copy(st, 7, b->team, sizeof(b->team));
		b->cover = sqlite3_column_int(st, 8) != 0;
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return (store_fail(s, "session bookings", err));
	}
	/*
	 * By start, then series (a session's start and series are its id).
	 * Sorted here: SQLite's ORDER BY put each of a region's week of rows
	 * through its sorter, a third of the query's time.
	 */
	if (n > 1)
		qsort(v, n, sizeof(*v), session_booking_cmp);
	*vp = v;
	*np = n;
	return (0);
}
