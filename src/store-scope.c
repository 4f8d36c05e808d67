/*
 * The scope of a planning run: the teams a change touches, in a table of
 * this connection's own (temp.scope_team), which the scoped reads of
 * store-sessions.c, store-people.c, store-presentations.c and
 * store-mail.c join.  A session belongs to the team its teams column
 * names first (an index on that expression, migration 12).  Also the
 * light booking rows (id, series, time, psychologist) of the sessions
 * outside the scope, which a scoped run replays in time order so that
 * cover stays what a full run would choose.
 *
 * A week's bookings read whole (plan-replay.c reads one where a session
 * needs cover) are kept between runs: a region's week is some 1,000 rows,
 * and a sweep of every team, or a series whose sessions all need cover,
 * reads the same weeks again and again.  Every team's rows are kept, and
 * the scope's are left out as they are handed over.  A write to a
 * session's booking (SQLite's pre-update hook hands scope_preupdate the
 * row before and after) is made to the kept weeks too, so they stay what
 * the connection reads; a rollback, of a transaction or to a savepoint, or a
 * failed statement, drops them all, as does another connection's commit
 * (PRAGMA data_version).  So is every series' wanted psychologist, read
 * again once a series, a series' teams or a team is written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Declared only so: Debian's library has it (configure checks). */
#define SQLITE_ENABLE_PREUPDATE_HOOK
#include <sqlite3.h>

#include "domain.h"
#include "series.h"
#include "store.h"
#include "xmalloc.h"

enum {
	SCOPE_CLEAR = 0,
	SCOPE_ADD,
	SCOPE_CLOSE,
	SCOPE_TEAMS,
	SCOPE_BOOKINGS_ALL,
	SCOPE_BOOKINGS_PSYCH,
	SCOPE_BOOKINGS_COVER,
	SCOPE_MEMBER_TEAMS,
	SCOPE_WANTED,
	SCOPE_WANTED_ONE,
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
	[SCOPE_TEAMS] =
	    "SELECT team FROM temp.scope_team ORDER BY team",
	[SCOPE_BOOKINGS_ALL] =
	    /*
	     * From the covering index sessions_booking alone; every team's,
	     * as a week is kept (above), the scope left out in C.
	     */
	    "SELECT id, series, start, \"end\", psychologist, state, manual, "
	    STORE_FIRST_TEAM("sessions") ", " SCOPE_COVER " "
	    "FROM sessions INDEXED BY sessions_booking "
	    "WHERE start >= ?1 AND start < ?2 AND state != 'cancelled' "
	    "AND (psychologist IS NOT NULL OR state = 'planned')",
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
	[SCOPE_WANTED_ONE] =
	    "SELECT COALESCE(r.psychologist, (SELECT t.psychologist "
	    "  FROM series_teams st JOIN teams t ON t.slug = st.team "
	    "  WHERE st.series = r.slug ORDER BY st.pos LIMIT 1), '') "
	    "FROM series r WHERE r.slug = ?1",
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

/* Series written, past which their wanted are all read again. */
#define SCOPE_WANTED_DIRTY	32
/* Rows kept in all (some 11 MB); past it, the first kept go first. */
#define SCOPE_KEEP_ROWS		65536
/*
 * A week of fewer rows reads again in well under a millisecond: a
 * borough's (some 30) are not worth the memory its budget lacks.
 */
#define SCOPE_KEEP_MIN		128

static size_t	scope_keep_min = SCOPE_KEEP_MIN;

struct scope_week {
	time_t			 from;
	time_t			 until;
	struct session_booking	*v;		/* every team's, in order */
	size_t			 n;
	size_t			 cap;
};

struct scope_wanted {
	char			 slug[SLUG_MAX + 1];
	char			 psych[SLUG_MAX + 1];
};

/* The columns of main.sessions a booking reads, found by name at open. */
enum {
	SCOL_ID = 0,
	SCOL_SERIES,
	SCOL_START,
	SCOL_END,
	SCOL_PSYCHOLOGIST,
	SCOL_COVER_REASON,
	SCOL_STATE,
	SCOL_MANUAL,
	SCOL_TEAMS,
	SCOPE_NCOLS
};
static const char *const scope_cols[SCOPE_NCOLS] = {
	"id", "series", "start", "end", "psychologist", "cover_reason",
	"state", "manual", "teams"
};

struct store_scope {
	sqlite3			*db;
	/* The teams of temp.scope_team, sorted; stale after a rollback. */
	char			(*teams)[SLUG_MAX + 1];
	size_t			 nteams;
	size_t			 capteams;
	int			 stale;
	struct scope_week	*weeks;		/* oldest kept first */
	size_t			 nweeks;
	size_t			 capweeks;
	size_t			 rows;
	/* What store_week_bookings hands over: kept, not mapped anew. */
	struct session_booking	*out;
	size_t			 capout;
	/* store_series_wanted's rows, kept till a series or team changes. */
	struct scope_wanted	*wanted;
	size_t			 nwanted;
	size_t			 capwanted;
	int			 have_wanted;
	/* The series written since: read again one by one. */
	char			(*wdirty)[SLUG_MAX + 1];
	size_t			 nwdirty;
	int64_t			 version;	/* PRAGMA data_version */
	int			 versioned;
	int			 col[SCOPE_NCOLS];	/* in main.sessions */
};

static int	scope_step(struct store *, sqlite3_stmt *, const char *,
		    struct err *);
static int	scope_teams_read(struct store *, struct store_scope *,
		    struct err *);
static int	scope_team_cmp(const void *, const void *);
static int	scope_in(const struct store_scope *, const char *);
static void	scope_drop(struct store_scope *, size_t);
static struct scope_week *scope_kept(struct store_scope *, time_t);
static void	scope_preupdate(void *, sqlite3 *, int, const char *,
		    const char *, sqlite3_int64, sqlite3_int64);
static void	scope_written(struct store_scope *, const char *, time_t,
		    const struct session_booking *);
static int	scope_columns(struct store_scope *);
static void	scope_wanted_written(sqlite3_context *, int,
		    sqlite3_value **);
static int	scope_current(struct store *, struct store_scope *,
		    struct err *);
static int	scope_wanted_one(struct store *, struct store_scope *,
		    const char *, struct err *);
static void	scope_value_copy(sqlite3_value *, char *, size_t);
static void	scope_rollback_hook(void *);
static int	scope_week(struct store *, time_t, time_t, int,
		    const struct session_booking **, size_t *, struct err *);
static int	scope_bookings(struct store *, sqlite3_stmt *,
		    struct session_booking **, size_t *, struct err *);

/*
 * What a series wants: its own psychologist, its first team's.  A series
 * or its teams written name the series; a team written, every series.
 */
#define SCOPE_WANTED_TRIGGERS(t, key) \
	"CREATE TEMP TRIGGER scope_wanted_" t "_insert AFTER INSERT ON " \
	"main." t " BEGIN SELECT reflectd_wanted_written(new." key "); END;" \
	"CREATE TEMP TRIGGER scope_wanted_" t "_update AFTER UPDATE ON " \
	"main." t " BEGIN SELECT reflectd_wanted_written(old." key ", " \
	"new." key "); END;" \
	"CREATE TEMP TRIGGER scope_wanted_" t "_delete AFTER DELETE ON " \
	"main." t " BEGIN SELECT reflectd_wanted_written(old." key "); END;"
/*
 * Temp triggers, this connection's own.  A session's booking is followed
 * by the pre-update hook instead: a trigger on main.sessions made each
 * statement that writes a session open a statement journal and run a
 * program of its own, half the cost of a session's insert.
 */
static const char scope_triggers[] =
	SCOPE_WANTED_TRIGGERS("series", "slug")
	SCOPE_WANTED_TRIGGERS("series_teams", "series")
	"CREATE TEMP TRIGGER scope_wanted_teams AFTER UPDATE OF psychologist "
	"ON main.teams BEGIN SELECT reflectd_wanted_written(); END;";

struct store_scope *
store_scope_open(struct store *s, sqlite3 *db, struct err *err)
{
	struct store_scope	*sc;

	sc = xcalloc(1, sizeof(*sc));
	sc->db = db;
	if (scope_columns(sc) == -1 ||
	    sqlite3_create_function(db, "reflectd_wanted_written", -1,
	    SQLITE_UTF8, sc, scope_wanted_written, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, scope_triggers, NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(s, "kept weeks", err);
		sqlite3_create_function(db, "reflectd_wanted_written", -1,
		    SQLITE_UTF8, NULL, NULL, NULL, NULL);
		free(sc);
		return (NULL);
	}
	sqlite3_rollback_hook(db, scope_rollback_hook, sc);
	sqlite3_preupdate_hook(db, scope_preupdate, sc);
	return (sc);
}

void
store_scope_keep_min(size_t rows)
{
	scope_keep_min = rows;
}

void
store_scope_free(struct store_scope *sc)
{
	if (sc == NULL)
		return;
	sqlite3_rollback_hook(sc->db, NULL, NULL);
	sqlite3_preupdate_hook(sc->db, NULL, NULL);
	sqlite3_create_function(sc->db, "reflectd_wanted_written", -1,
	    SQLITE_UTF8, NULL, NULL, NULL, NULL);
	store_scope_forget(sc);
	free(sc->wanted);
	free(sc->wdirty);
	free(sc->weeks);
	free(sc->teams);
	free(sc->out);
	free(sc);
}

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
	struct store_scope	*sc = store_scope_state(s);

	if (scope_step(s, SCOPE_STMT(s, SCOPE_CLEAR), "scope clear",
	    err) == -1) {
		sc->stale = 1;
		return (-1);
	}
	sc->nteams = 0;
	sc->stale = 0;
	return (0);
}

int
store_scope_add(struct store *s, const char *team, struct err *err)
{
	sqlite3_stmt	*st = SCOPE_STMT(s, SCOPE_ADD);

	sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
	store_scope_state(s)->stale = 1;
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
	return (scope_teams_read(s, store_scope_state(s), err));
}

/* temp.scope_team into sc->teams, sorted. */
static int
scope_teams_read(struct store *s, struct store_scope *sc, struct err *err)
{
	sqlite3_stmt	*st = SCOPE_STMT(s, SCOPE_TEAMS);
	int		 rc;

	sc->nteams = 0;
	sc->stale = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sc->nteams == sc->capteams) {
			sc->capteams = sc->capteams == 0 ? 16 :
			    sc->capteams * 2;
			sc->teams = xreallocarray(sc->teams, sc->capteams,
			    sizeof(*sc->teams));
		}
		store_column_copy(st, 0, sc->teams[sc->nteams],
		    sizeof(*sc->teams));
		sc->nteams++;
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE)
		return (store_fail(s, "scope teams", err));
	/* SQLite's collation is memcmp's; sort again all the same. */
	if (sc->nteams > 1)
		qsort(sc->teams, sc->nteams, sizeof(*sc->teams),
		    scope_team_cmp);
	sc->stale = 0;
	return (0);
}

static int
scope_team_cmp(const void *a, const void *b)
{
	return (strcmp(a, b));
}

static int
scope_in(const struct store_scope *sc, const char *team)
{
	return (sc->nteams > 0 && bsearch(team, sc->teams, sc->nteams,
	    sizeof(*sc->teams), scope_team_cmp) != NULL);
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
	struct store_scope	*sc = store_scope_state(s);
	sqlite3_stmt		*st;
	struct scope_wanted	*w;
	size_t			 i;
	int			 rc;

	if (scope_current(s, sc, err) == -1)
		return (-1);
	for (i = 0; sc->have_wanted && i < sc->nwdirty; i++) {
		if (scope_wanted_one(s, sc, sc->wdirty[i], err) == -1) {
			sc->have_wanted = 0;
			sc->nwdirty = 0;
			return (-1);
		}
	}
	sc->nwdirty = 0;
	if (!sc->have_wanted) {
		sc->nwanted = 0;
		st = SCOPE_STMT(s, SCOPE_WANTED);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (sqlite3_column_text(st, 0) == NULL)
				continue;
			if (sc->nwanted == sc->capwanted) {
				sc->capwanted = sc->capwanted == 0 ? 64 :
				    sc->capwanted * 2;
				sc->wanted = xreallocarray(sc->wanted,
				    sc->capwanted, sizeof(*sc->wanted));
			}
			w = &sc->wanted[sc->nwanted++];
			store_column_copy(st, 0, w->slug, sizeof(w->slug));
			store_column_copy(st, 1, w->psych, sizeof(w->psych));
		}
		store_stmt_done(st);
		if (rc != SQLITE_DONE)
			return (store_fail(s, "series psychologists", err));
		sc->have_wanted = 1;
	}
	for (i = 0; i < sc->nwanted; i++)
		cb(arg, sc->wanted[i].slug, sc->wanted[i].psych);
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
	const struct session_booking	*v;
	sqlite3_stmt			*st;

	if (psych == NULL) {
		if (scope_week(s, from, until, 0, &v, np, err) == -1)
			return (-1);
		*vp = *np > 0 ? xreallocarray(NULL, *np, sizeof(**vp)) : NULL;
		if (*np > 0)
			memcpy(*vp, v, *np * sizeof(**vp));
		return (0);
	}
	st = SCOPE_STMT(s, SCOPE_BOOKINGS_PSYCH);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
	sqlite3_bind_text(st, 3, psych, -1, SQLITE_STATIC);
	return (scope_bookings(s, st, vp, np, err));
}

int
store_week_bookings(struct store *s, time_t from, time_t until,
    const struct session_booking **vp, size_t *np, struct err *err)
{
	return (scope_week(s, from, until, 1, vp, np, err));
}

/*
 * The bookings of [from, until) outside the scope, in sc->out; with keep,
 * from the kept weeks, or read and kept (above).
 */
static int
scope_week(struct store *s, time_t from, time_t until, int keep,
    const struct session_booking **vp, size_t *np, struct err *err)
{
	struct store_scope	*sc = store_scope_state(s);
	struct session_booking	*all = NULL;
	sqlite3_stmt		*st;
	size_t			 i, n = 0, k;
	int			 kept = 0;

	if (scope_current(s, sc, err) == -1)
		return (-1);
	for (i = 0; i < sc->nweeks; i++) {
		if (sc->weeks[i].from == from && sc->weeks[i].until == until)
			break;
	}
	if (i < sc->nweeks) {
		all = sc->weeks[i].v;
		n = sc->weeks[i].n;
		kept = 1;
	} else {
		st = SCOPE_STMT(s, SCOPE_BOOKINGS_ALL);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)until);
		if (scope_bookings(s, st, &all, &n, err) == -1)
			return (-1);
		if (keep && n >= scope_keep_min && n <= SCOPE_KEEP_ROWS) {
			while (sc->rows + n > SCOPE_KEEP_ROWS)
				scope_drop(sc, 0);
			if (n > 0)	/* no slack from the reads doubling */
				all = xreallocarray(all, n, sizeof(*all));
			if (sc->nweeks == sc->capweeks) {
				sc->capweeks = sc->capweeks == 0 ? 16 :
				    sc->capweeks * 2;
				sc->weeks = xreallocarray(sc->weeks,
				    sc->capweeks, sizeof(*sc->weeks));
			}
			sc->weeks[sc->nweeks].from = from;
			sc->weeks[sc->nweeks].until = until;
			sc->weeks[sc->nweeks].v = all;
			sc->weeks[sc->nweeks].n = n;
			sc->weeks[sc->nweeks].cap = n;
			sc->nweeks++;
			sc->rows += n;
			kept = 1;
		}
	}
	if (n > sc->capout) {
		free(sc->out);
		sc->capout = n + n / 4;
		sc->out = xreallocarray(NULL, sc->capout, sizeof(*sc->out));
	}
	for (i = k = 0; i < n; i++) {
		if (!scope_in(sc, all[i].team))
			sc->out[k++] = all[i];
	}
	if (!kept)
		free(all);
	*vp = sc->out;
	*np = k;
	return (0);
}

static void
scope_drop(struct store_scope *sc, size_t i)
{
	sc->rows -= sc->weeks[i].n;
	free(sc->weeks[i].v);
	memmove(&sc->weeks[i], &sc->weeks[i + 1],
	    (sc->nweeks - i - 1) * sizeof(*sc->weeks));
	sc->nweeks--;
}

void
store_scope_forget(struct store_scope *sc)
{
	if (sc == NULL)
		return;
	while (sc->nweeks > 0)
		scope_drop(sc, sc->nweeks - 1);
	sc->have_wanted = 0;
	sc->nwdirty = 0;
	sc->stale = 1;
}

/*
 * What is kept is what the database holds: dropped if another connection
 * committed; and the scope's teams read again if a rollback may have
 * changed them.
 */
static int
scope_current(struct store *s, struct store_scope *sc, struct err *err)
{
	int64_t	version;

	if (store_data_version(s, &version, err) == -1)
		return (-1);
	if (!sc->versioned || version != sc->version)
		store_scope_forget(sc);
	sc->version = version;
	sc->versioned = 1;
	if (sc->stale && scope_teams_read(s, sc, err) == -1)
		return (-1);
	return (0);
}

/*
 * reflectd_wanted_written([series, ...]): those series, or with none
 * every series (a team's psychologist), may want another psychologist.
 */
static void
scope_wanted_written(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct store_scope	*sc = sqlite3_user_data(ctx);
	const unsigned char	*t;
	size_t			 i;
	int			 a;

	sqlite3_result_null(ctx);
	if (argc == 0)
		sc->have_wanted = 0;
	for (a = 0; a < argc && sc->have_wanted; a++) {
		if ((t = sqlite3_value_text(argv[a])) == NULL)
			continue;
		for (i = 0; i < sc->nwdirty; i++) {
			if (strcmp(sc->wdirty[i], (const char *)t) == 0)
				break;
		}
		if (i < sc->nwdirty)
			continue;
		if (sc->nwdirty == SCOPE_WANTED_DIRTY) {
			sc->have_wanted = 0;	/* read them all again */
			break;
		}
		if (sc->wdirty == NULL)
			sc->wdirty = xcalloc(SCOPE_WANTED_DIRTY,
			    sizeof(*sc->wdirty));
		snprintf(sc->wdirty[sc->nwdirty++], sizeof(*sc->wdirty),
		    "%s", (const char *)t);
	}
	if (!sc->have_wanted)
		sc->nwdirty = 0;
}

/* Series slug's wanted psychologist read again into sc->wanted. */
static int
scope_wanted_one(struct store *s, struct store_scope *sc, const char *slug,
    struct err *err)
{
	sqlite3_stmt	*st = SCOPE_STMT(s, SCOPE_WANTED_ONE);
	size_t		 lo, hi, i;
	int		 rc, c = 1;

	for (lo = 0, hi = sc->nwanted; lo < hi; ) {
		i = lo + (hi - lo) / 2;
		if ((c = strcmp(sc->wanted[i].slug, slug)) < 0)
			lo = i + 1;
		else
			hi = i;
	}
	c = lo < sc->nwanted ? strcmp(sc->wanted[lo].slug, slug) : 1;
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (c != 0) {
			if (sc->nwanted == sc->capwanted) {
				sc->capwanted = sc->capwanted == 0 ? 64 :
				    sc->capwanted * 2;
				sc->wanted = xreallocarray(sc->wanted,
				    sc->capwanted, sizeof(*sc->wanted));
			}
			memmove(&sc->wanted[lo + 1], &sc->wanted[lo],
			    (sc->nwanted - lo) * sizeof(*sc->wanted));
			sc->nwanted++;
			snprintf(sc->wanted[lo].slug,
			    sizeof(sc->wanted[lo].slug), "%s", slug);
		}
		store_column_copy(st, 0, sc->wanted[lo].psych,
		    sizeof(sc->wanted[lo].psych));
	} else if (rc == SQLITE_DONE && c == 0) {
		memmove(&sc->wanted[lo], &sc->wanted[lo + 1],
		    (sc->nwanted - lo - 1) * sizeof(*sc->wanted));
		sc->nwanted--;
	}
	store_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (store_fail(s, "series psychologist", err));
	return (0);
}

/* The kept week holding a session that starts at t, or NULL. */
static struct scope_week *
scope_kept(struct store_scope *sc, time_t t)
{
	size_t	i;

	for (i = 0; i < sc->nweeks; i++) {
		if (t >= sc->weeks[i].from && t < sc->weeks[i].until)
			return (&sc->weeks[i]);
	}
	return (NULL);
}

/*
 * The row of a session before a write (old_id at old_start, or NULL) and
 * after it (b, or NULL): the old row leaves its kept week and the new one,
 * if a booking (SCOPE_BOOKINGS_ALL's rows), joins its own, in order.
 */
static void
scope_written(struct store_scope *sc, const char *old_id, time_t old_start,
    const struct session_booking *b)
{
	struct scope_week	*w;
	size_t			 i, lo, hi;

	if (old_id != NULL && (w = scope_kept(sc, old_start)) != NULL) {
		for (i = 0; i < w->n; i++) {
			if (strcmp(w->v[i].id, old_id) == 0)
				break;
		}
		if (i < w->n) {
			memmove(&w->v[i], &w->v[i + 1],
			    (w->n - i - 1) * sizeof(*w->v));
			w->n--;
			sc->rows--;
		}
	}
	if (b == NULL || (w = scope_kept(sc, b->start)) == NULL)
		return;
	if (b->state == SESSION_CANCELLED || (b->state != SESSION_PLANNED &&
	    b->psychologist[0] == '\0'))
		return;
	for (lo = 0, hi = w->n; lo < hi; ) {
		i = lo + (hi - lo) / 2;
		if (session_booking_cmp(&w->v[i], b) < 0)
			lo = i + 1;
		else
			hi = i;
	}
	if (w->n == w->cap) {
		w->cap = w->cap < 32 ? 64 : w->cap + w->cap / 4;
		w->v = xreallocarray(w->v, w->cap, sizeof(*w->v));
	}
	memmove(&w->v[lo + 1], &w->v[lo], (w->n - lo) * sizeof(*w->v));
	w->v[lo] = *b;
	w->n++;
	sc->rows++;
}

/*
 * Where main.sessions holds each column a booking reads; -1 if not all.
 * SQLite's pre-update hook numbers a row's stored columns, skipping the
 * virtual ones (3.40), where a newer SQLite may count them: the columns
 * read must come before any virtual column, where both agree.
 */
static int
scope_columns(struct store_scope *sc)
{
	sqlite3_stmt	*st;
	const char	*name;
	int		 i, k, rc, virt = -1;

	if (sqlite3_prepare_v2(sc->db, "PRAGMA main.table_xinfo(sessions)",
	    -1, &st, NULL) != SQLITE_OK)
		return (-1);
	for (k = 0; k < SCOPE_NCOLS; k++)
		sc->col[k] = -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		i = sqlite3_column_int(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		/* hidden 2: a virtual generated column. */
		if (sqlite3_column_int(st, 6) == 2 && virt == -1)
			virt = i;
		for (k = 0; name != NULL && k < SCOPE_NCOLS; k++) {
			if (strcmp(name, scope_cols[k]) == 0)
				sc->col[k] = i;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (-1);
	for (k = 0; k < SCOPE_NCOLS; k++) {
		if (sc->col[k] == -1 || (virt != -1 && sc->col[k] > virt))
			return (-1);
	}
	return (0);
}

static int
scope_value_same(sqlite3_value *a, sqlite3_value *b)
{
	int	t = sqlite3_value_type(a);

	if (t != sqlite3_value_type(b))
		return (0);
	if (t == SQLITE_NULL)
		return (1);
	if (t == SQLITE_INTEGER)
		return (sqlite3_value_int64(a) == sqlite3_value_int64(b));
	return (sqlite3_value_bytes(a) == sqlite3_value_bytes(b) &&
	    memcmp(sqlite3_value_text(a), sqlite3_value_text(b),
	    (size_t)sqlite3_value_bytes(a)) == 0);
}

/*
 * A row of main.sessions about to be written: its booking before and after
 * to the kept weeks (nothing kept, nothing to do).  first_team and covered
 * are virtual columns the hook cannot read: worked out here as their
 * definitions in the schema do (migrations 12 and 13).
 */
static void
scope_preupdate(void *arg, sqlite3 *db, int op, const char *zdb,
    const char *table, sqlite3_int64 k1, sqlite3_int64 k2)
{
	struct store_scope	*sc = arg;
	struct session_booking	 b;
	sqlite3_value		*o[SCOPE_NCOLS], *n[SCOPE_NCOLS];
	const unsigned char	*t;
	char			 old_id[sizeof(b.id)];
	size_t			 len;
	int			 k, same = 1;

	(void)k1;
	(void)k2;
	if (sc->nweeks == 0 || strcmp(table, "sessions") != 0 ||
	    strcmp(zdb, "main") != 0)
		return;
	for (k = 0; k < SCOPE_NCOLS; k++) {
		o[k] = n[k] = NULL;
		if ((op != SQLITE_INSERT && sqlite3_preupdate_old(db,
		    sc->col[k], &o[k]) != SQLITE_OK) ||
		    (op != SQLITE_DELETE && sqlite3_preupdate_new(db,
		    sc->col[k], &n[k]) != SQLITE_OK)) {
			/* Cannot follow it: read the weeks again. */
			store_scope_forget(sc);
			return;
		}
		if (op == SQLITE_UPDATE && !scope_value_same(o[k], n[k]))
			same = 0;
	}
	if (op == SQLITE_UPDATE && same)
		return;
	old_id[0] = '\0';
	if (op != SQLITE_INSERT)
		scope_value_copy(o[SCOL_ID], old_id, sizeof(old_id));
	if (op == SQLITE_DELETE) {
		scope_written(sc, old_id, (time_t)sqlite3_value_int64(
		    o[SCOL_START]), NULL);
		return;
	}
	memset(&b, 0, sizeof(b));
	scope_value_copy(n[SCOL_ID], b.id, sizeof(b.id));
	scope_value_copy(n[SCOL_SERIES], b.series, sizeof(b.series));
	b.start = (time_t)sqlite3_value_int64(n[SCOL_START]);
	b.end = (time_t)sqlite3_value_int64(n[SCOL_END]);
	scope_value_copy(n[SCOL_PSYCHOLOGIST], b.psychologist,
	    sizeof(b.psychologist));
	t = sqlite3_value_text(n[SCOL_STATE]);
	b.state = session_state_parse(t != NULL ? (const char *)t : "");
	b.manual = sqlite3_value_int(n[SCOL_MANUAL]);
	/* first_team: teams up to its first comma. */
	scope_value_copy(n[SCOL_TEAMS], b.team, sizeof(b.team));
	len = strcspn(b.team, ",");
	b.team[len] = '\0';
	/* covered: no psychologist, or covered by another (13). */
	t = sqlite3_value_text(n[SCOL_COVER_REASON]);
	b.cover = sqlite3_value_type(n[SCOL_PSYCHOLOGIST]) == SQLITE_NULL ||
	    (t != NULL && strstr((const char *)t, "; covered by ") != NULL);
	scope_written(sc, op == SQLITE_INSERT ? NULL : old_id,
	    op == SQLITE_INSERT ? 0 : (time_t)sqlite3_value_int64(
	    o[SCOL_START]), &b);
}

static void
scope_value_copy(sqlite3_value *v, char *buf, size_t size)
{
	const unsigned char	*t = sqlite3_value_text(v);

	snprintf(buf, size, "%s", t != NULL ? (const char *)t : "");
}

/*
 * A rollback: what was written to the kept weeks may be undone, and
 * temp.scope_team may be as it was (read it again).
 */
static void
scope_rollback_hook(void *arg)
{
	struct store_scope	*sc = arg;

	store_scope_forget(sc);
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
