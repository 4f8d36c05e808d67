/*
 * The teams, members and absences tables.  This file holds only the SQL and
 * the mapping between rows and structs: kinds and roles are stored by name,
 * dates as 'YYYY-MM-DD' or NULL.  Validation and the referential rules live
 * in people.c; a constraint SQLite still refuses here becomes ERR_CONFLICT.
 * It never writes members.over_alerted (cases.c owns that flag).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "domain.h"
#include "people.h"
#include "store.h"
#include "xmalloc.h"

enum {
	PEOPLE_TEAM_GET = 0,
	PEOPLE_TEAM_LIST,
	PEOPLE_TEAM_MANAGED,
	PEOPLE_TEAM_SCOPED,
	PEOPLE_TEAM_INSERT,
	PEOPLE_TEAM_UPDATE,
	PEOPLE_TEAM_DELETE,
	PEOPLE_TEAM_MEMBERS,
	PEOPLE_TEAM_ROLES,
	PEOPLE_MEMBER_GET,
	PEOPLE_MEMBER_BY_LOGIN,
	PEOPLE_MEMBER_LIST,
	PEOPLE_MEMBER_MARKS,
	PEOPLE_MEMBER_INSERT,
	PEOPLE_MEMBER_UPDATE,
	PEOPLE_ABSENCE_INSERT,
	PEOPLE_ABSENCE_GET,
	PEOPLE_ABSENCE_DELETE,
	PEOPLE_ABSENCE_LIST,
	PEOPLE_COUNT_TEAMS,
	PEOPLE_COUNT_MEMBERS,
	PEOPLE_MEMBER_SCOPED,
	PEOPLE_ABSENCE_SCOPED,
	PEOPLE_NSTMTS
};

#define PEOPLE_STMT(s, i)	store_stmt((s), STORE_SET_PEOPLE, (i))

#define TEAM_COLS	"slug, name, kind, manager, psychologist"
#define MEMBER_COLS \
	"slug, name, email, role, team, fte, days, start, \"end\", " \
	"\"limit\", login, capacity, over_alerted"
#define ABSENCE_COLS	"a.id, a.member, a.\"from\", a.\"to\", a.reason"

/*
 * Whom a scoped planning run needs (store_scope_*): the members of the
 * teams in scope, every psychologist (any may cover), and the managers
 * and co-facilitators of those teams' series.
 */
#define PEOPLE_IN_SCOPE \
	"slug IN (SELECT slug FROM members WHERE team IN " \
	"  (SELECT team FROM temp.scope_team) " \
	"UNION SELECT slug FROM members WHERE role = 'psychologist' " \
	"UNION SELECT manager FROM teams WHERE slug IN " \
	"  (SELECT team FROM temp.scope_team) " \
	"UNION SELECT r.cofacilitator FROM series r " \
	"  JOIN series_teams t ON t.series = r.slug " \
	"  WHERE t.team IN (SELECT team FROM temp.scope_team))"

static const char *const people_sql[PEOPLE_NSTMTS] = {
	[PEOPLE_TEAM_GET] =
	    "SELECT " TEAM_COLS " FROM teams WHERE slug = ?1",
	[PEOPLE_TEAM_LIST] =
	    "SELECT " TEAM_COLS " FROM teams ORDER BY slug",
	[PEOPLE_TEAM_SCOPED] =
	    "SELECT " TEAM_COLS " FROM teams "
	    "WHERE slug IN (SELECT team FROM temp.scope_team) ORDER BY slug",
	[PEOPLE_TEAM_MANAGED] =
	    "SELECT " TEAM_COLS " FROM teams WHERE manager = ?1 ORDER BY slug",
	[PEOPLE_TEAM_INSERT] =
	    "INSERT INTO teams (" TEAM_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)",
	[PEOPLE_TEAM_UPDATE] =
	    "UPDATE teams SET name = ?2, kind = ?3, manager = ?4, "
	    "psychologist = ?5 WHERE slug = ?1",
	[PEOPLE_TEAM_DELETE] =
	    "DELETE FROM teams WHERE slug = ?1",
	[PEOPLE_TEAM_MEMBERS] =
	    "SELECT count(*) FROM members WHERE team = ?1",
	[PEOPLE_TEAM_ROLES] =
	    "SELECT " TEAM_COLS " FROM teams WHERE manager = ?1 OR "
	    "psychologist = ?1 ORDER BY slug",
	[PEOPLE_MEMBER_GET] =
	    "SELECT " MEMBER_COLS " FROM members WHERE slug = ?1",
	[PEOPLE_MEMBER_BY_LOGIN] =
	    "SELECT " MEMBER_COLS " FROM members WHERE login = ?1",
	[PEOPLE_MEMBER_LIST] =
	    "SELECT " MEMBER_COLS " FROM members "
	    "WHERE ?1 IS NULL OR team = ?1 ORDER BY slug",
	[PEOPLE_MEMBER_MARKS] =
	    /* In the table's own order: no look-up through the slug index. */
	    "SELECT slug, name, email, role, team, \"end\" FROM members",
	[PEOPLE_MEMBER_SCOPED] =
	    "SELECT " MEMBER_COLS " FROM members WHERE " PEOPLE_IN_SCOPE
	    " ORDER BY slug",
	[PEOPLE_ABSENCE_SCOPED] =
	    "SELECT " ABSENCE_COLS " FROM absences a WHERE a.member IN "
	    "(SELECT slug FROM members WHERE " PEOPLE_IN_SCOPE ") "
	    "ORDER BY a.\"from\", a.id",
	[PEOPLE_MEMBER_INSERT] =
	    "INSERT INTO members (slug, name, email, role, team, fte, days, "
	    "start, \"end\", \"limit\", login, capacity) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[PEOPLE_MEMBER_UPDATE] =
	    "UPDATE members SET name = ?2, email = ?3, role = ?4, team = ?5, "
	    "fte = ?6, days = ?7, start = ?8, \"end\" = ?9, \"limit\" = ?10, "
	    "login = ?11, capacity = ?12 WHERE slug = ?1",
	[PEOPLE_ABSENCE_INSERT] =
	    "INSERT INTO absences (member, \"from\", \"to\", reason) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[PEOPLE_ABSENCE_GET] =
	    "SELECT " ABSENCE_COLS " FROM absences a WHERE a.id = ?1",
	[PEOPLE_ABSENCE_DELETE] =
	    "DELETE FROM absences WHERE id = ?1",
	[PEOPLE_ABSENCE_LIST] =
	    "SELECT " ABSENCE_COLS " FROM absences a "
	    "JOIN members m ON m.slug = a.member "
	    "WHERE (?1 IS NULL OR a.member = ?1) AND "
	    "(?2 IS NULL OR m.team = ?2) ORDER BY a.\"from\", a.id",
	[PEOPLE_COUNT_TEAMS] =
	    "SELECT count(*) FROM teams",
	[PEOPLE_COUNT_MEMBERS] =
	    "SELECT count(*) FROM members WHERE \"end\" IS NULL OR "
	    "\"end\" >= ?1",
};

const struct store_sqlset store_people_sqlset = {
	"people", people_sql, PEOPLE_NSTMTS
};

static void	 people_read_team(sqlite3_stmt *, struct team *);
static void	 people_read_member(sqlite3_stmt *, struct member *);
static void	 people_read_absence(sqlite3_stmt *, struct absence *);
static int	 people_one(struct store *, sqlite3_stmt *, void *,
		    void (*)(sqlite3_stmt *, void *), const char *,
		    const char *, struct err *);
static int	 people_many(struct store *, sqlite3_stmt *, size_t,
		    void **, size_t *, void (*)(sqlite3_stmt *, void *),
		    const char *, struct err *);
static int	 people_count(struct store *, sqlite3_stmt *, int *,
		    const char *, struct err *);
static void	 people_team_row(sqlite3_stmt *, void *);
static void	 people_member_row(sqlite3_stmt *, void *);
static void	 people_absence_row(sqlite3_stmt *, void *);
static void	 people_bind_team(sqlite3_stmt *, const struct team *);
static void	 people_bind_member(sqlite3_stmt *, const struct member *);

static void
people_read_team(sqlite3_stmt *st, struct team *t)
{
	char	kind[32];

	memset(t, 0, sizeof(*t));
	store_column_copy(st, 0, t->slug, sizeof(t->slug));
	store_column_copy(st, 1, t->name, sizeof(t->name));
	store_column_copy(st, 2, kind, sizeof(kind));
	if ((t->kind = team_kind_parse(kind)) == -1)
		t->kind = TEAM_OTHER;
	store_column_copy(st, 3, t->manager, sizeof(t->manager));
	store_column_copy(st, 4, t->psychologist, sizeof(t->psychologist));
}

static void
people_read_member(sqlite3_stmt *st, struct member *m)
{
	char	role[32];

	memset(m, 0, sizeof(*m));
	store_column_copy(st, 0, m->slug, sizeof(m->slug));
	store_column_copy(st, 1, m->name, sizeof(m->name));
	store_column_copy(st, 2, m->email, sizeof(m->email));
	store_column_copy(st, 3, role, sizeof(role));
	if ((m->role = role_parse(role)) == -1)
		m->role = ROLE_OTHER;
	store_column_copy(st, 4, m->team, sizeof(m->team));
	m->fte = sqlite3_column_double(st, 5);
	m->days = sqlite3_column_int(st, 6);
	store_column_copy(st, 7, m->start, sizeof(m->start));
	store_column_copy(st, 8, m->end, sizeof(m->end));
	m->limit = sqlite3_column_double(st, 9);
	store_column_copy(st, 10, m->login, sizeof(m->login));
	m->capacity = sqlite3_column_int(st, 11);
	m->over_alerted = sqlite3_column_int(st, 12);
}

static void
people_read_absence(sqlite3_stmt *st, struct absence *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	store_column_copy(st, 1, a->member, sizeof(a->member));
	store_column_copy(st, 2, a->from, sizeof(a->from));
	store_column_copy(st, 3, a->to, sizeof(a->to));
	store_column_copy(st, 4, a->reason, sizeof(a->reason));
}

static void
people_team_row(sqlite3_stmt *st, void *p)
{
	people_read_team(st, p);
}

static void
people_member_row(sqlite3_stmt *st, void *p)
{
	people_read_member(st, p);
}

static void
people_absence_row(sqlite3_stmt *st, void *p)
{
	people_read_absence(st, p);
}

/* Step a bound single-row SELECT; ERR_NOT_FOUND "no such NOUN: KEY". */
static int
people_one(struct store *s, sqlite3_stmt *st, void *out,
    void (*read)(sqlite3_stmt *, void *), const char *noun, const char *key,
    struct err *err)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read(st, out);
		store_stmt_done(st);
		return (0);
	}
	store_stmt_done(st);
	if (rc == SQLITE_DONE)
		return (err_set(err, ERR_NOT_FOUND, "no such %s: %s", noun,
		    key));
	return (store_fail(s, noun, err));
}

/* Step a bound SELECT into a grown array of size-byte records. */
static int
people_many(struct store *s, sqlite3_stmt *st, size_t size, void **outp,
    size_t *np, void (*read)(sqlite3_stmt *, void *), const char *what,
    struct err *err)
{
	char	*out = NULL;
	size_t	 n = 0, cap = 0;
	int	 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			out = xreallocarray(out, cap, size);
		}
		read(st, out + n * size);
		n++;
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(out);
		return (store_fail(s, what, err));
	}
	*outp = out;
	*np = n;
	return (0);
}

static int
people_count(struct store *s, sqlite3_stmt *st, int *n, const char *what,
    struct err *err)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_stmt_done(st);
		return (store_fail(s, what, err));
	}
	*n = sqlite3_column_int(st, 0);
	store_stmt_done(st);
	return (0);
}

int
store_team_get(struct store *s, const char *slug, struct team *t,
    struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_TEAM_GET);

	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	return (people_one(s, st, t, people_team_row, "team", slug, err));
}

int
store_team_list(struct store *s, const char *manager, struct team **tp,
    size_t *np, struct err *err)
{
	sqlite3_stmt	*st;

	if (manager != NULL) {
		st = PEOPLE_STMT(s, PEOPLE_TEAM_MANAGED);
		sqlite3_bind_text(st, 1, manager, -1, SQLITE_STATIC);
	} else
		st = PEOPLE_STMT(s, PEOPLE_TEAM_LIST);
	return (people_many(s, st, sizeof(**tp), (void **)tp, np,
	    people_team_row, "team list", err));
}

static void
people_bind_team(sqlite3_stmt *st, const struct team *t)
{
	sqlite3_bind_text(st, 1, t->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, team_kind_name(t->kind), -1, SQLITE_STATIC);
	store_bind_text(st, 4, t->manager);
	store_bind_text(st, 5, t->psychologist);
}

int
store_team_insert(struct store *s, const struct team *t, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_TEAM_INSERT);
	int		 rc;

	people_bind_team(st, t);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "team", t->slug, err));
}

int
store_team_update(struct store *s, const struct team *t, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_TEAM_UPDATE);
	int		 rc;

	people_bind_team(st, t);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "team", t->slug, err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such team: %s",
		    t->slug));
	return (0);
}

int
store_team_delete(struct store *s, const char *slug, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_TEAM_DELETE);
	int		 rc;

	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "team", slug, err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such team: %s", slug));
	return (0);
}

int
store_team_members(struct store *s, const char *slug, int *n,
    struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_TEAM_MEMBERS);

	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	return (people_count(s, st, n, "team members", err));
}

int
store_member_team_roles(struct store *s, const char *member,
    struct team **tp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_TEAM_ROLES);

	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	return (people_many(s, st, sizeof(**tp), (void **)tp, np,
	    people_team_row, "member's teams", err));
}

int
store_member_get(struct store *s, const char *slug, struct member *m,
    struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_MEMBER_GET);

	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	return (people_one(s, st, m, people_member_row, "member", slug, err));
}

int
store_member_by_login(struct store *s, const char *login, struct member *m,
    struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_MEMBER_BY_LOGIN);

	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	return (people_one(s, st, m, people_member_row, "member with login",
	    login, err));
}

int
store_member_list(struct store *s, const char *team, struct member **mp,
    size_t *np, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_MEMBER_LIST);

	store_bind_text(st, 1, team);
	return (people_many(s, st, sizeof(**mp), (void **)mp, np,
	    people_member_row, "member list", err));
}

static int
people_member_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct member *)a)->slug,
	    ((const struct member *)b)->slug));
}

int
store_member_marks(struct store *s,
    int (*keep)(void *, const struct member *), void *arg,
    struct member **mp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_MEMBER_MARKS);
	struct member	*out = NULL, m;
	size_t		 n = 0, cap = 0;
	char		 role[32];
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&m, 0, sizeof(m));
		store_column_copy(st, 0, m.slug, sizeof(m.slug));
		store_column_copy(st, 1, m.name, sizeof(m.name));
		store_column_copy(st, 2, m.email, sizeof(m.email));
		store_column_copy(st, 3, role, sizeof(role));
		if ((m.role = role_parse(role)) == -1)
			m.role = ROLE_OTHER;
		store_column_copy(st, 4, m.team, sizeof(m.team));
		store_column_copy(st, 5, m.end, sizeof(m.end));
		if (!keep(arg, &m))
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			out = xreallocarray(out, cap, sizeof(*out));
		}
		out[n++] = m;
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(out);
		return (store_fail(s, "member marks", err));
	}
	if (n > 1)
		qsort(out, n, sizeof(*out), people_member_cmp);
	*mp = out;
	*np = n;
	return (0);
}

static void
people_bind_member(sqlite3_stmt *st, const struct member *m)
{
	sqlite3_bind_text(st, 1, m->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, role_name(m->role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->team, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, m->fte);
	sqlite3_bind_int(st, 7, m->days);
	store_bind_text(st, 8, m->start);
	store_bind_text(st, 9, m->end);
	if (m->limit > 0)
		sqlite3_bind_double(st, 10, m->limit);
	else
		sqlite3_bind_null(st, 10);
	store_bind_text(st, 11, m->login);
	sqlite3_bind_int(st, 12, m->capacity);
}

int
store_member_insert(struct store *s, const struct member *m,
    struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_MEMBER_INSERT);
	int		 rc;

	people_bind_member(st, m);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "member", m->slug, err));
}

int
store_member_update(struct store *s, const struct member *m,
    struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_MEMBER_UPDATE);
	int		 rc;

	people_bind_member(st, m);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "member", m->slug, err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such member: %s",
		    m->slug));
	return (0);
}

int
store_absence_insert(struct store *s, struct absence *a, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_ABSENCE_INSERT);
	int		 rc;

	sqlite3_bind_text(st, 1, a->member, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->to, -1, SQLITE_STATIC);
	store_bind_text(st, 4, a->reason);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "absence", a->member, err) == -1)
		return (-1);
	a->id = (int64_t)sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return (0);
}

int
store_absence_get(struct store *s, int64_t id, struct absence *a,
    struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_ABSENCE_GET);
	char		 key[32];

	snprintf(key, sizeof(key), "%lld", (long long)id);
	sqlite3_bind_int64(st, 1, id);
	return (people_one(s, st, a, people_absence_row, "absence", key,
	    err));
}

int
store_absence_delete(struct store *s, int64_t id, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_ABSENCE_DELETE);
	char		 key[32];
	int		 rc;

	snprintf(key, sizeof(key), "%lld", (long long)id);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "absence", key, err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such absence: %s",
		    key));
	return (0);
}

int
store_absence_list(struct store *s, const char *member, const char *team,
    struct absence **ap, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = PEOPLE_STMT(s, PEOPLE_ABSENCE_LIST);

	store_bind_text(st, 1, member);
	store_bind_text(st, 2, team);
	return (people_many(s, st, sizeof(**ap), (void **)ap, np,
	    people_absence_row, "absence list", err));
}

int
store_team_list_scoped(struct store *s, struct team **tp, size_t *np,
    struct err *err)
{
	return (people_many(s, PEOPLE_STMT(s, PEOPLE_TEAM_SCOPED),
	    sizeof(**tp), (void **)tp, np, people_team_row, "team list",
	    err));
}

int
store_member_list_scoped(struct store *s, struct member **mp, size_t *np,
    struct err *err)
{
	return (people_many(s, PEOPLE_STMT(s, PEOPLE_MEMBER_SCOPED),
	    sizeof(**mp), (void **)mp, np, people_member_row,
	    "member list", err));
}

int
store_absence_list_scoped(struct store *s, struct absence **ap, size_t *np,
    struct err *err)
{
	return (people_many(s, PEOPLE_STMT(s, PEOPLE_ABSENCE_SCOPED),
	    sizeof(**ap), (void **)ap, np, people_absence_row,
	    "absence list", err));
}

int
store_people_counts(struct store *s, const char *date, int *teams,
    int *members, struct err *err)
{
	sqlite3_stmt	*st;

	st = PEOPLE_STMT(s, PEOPLE_COUNT_TEAMS);
	if (people_count(s, st, teams, "team count", err) == -1)
		return (-1);
	st = PEOPLE_STMT(s, PEOPLE_COUNT_MEMBERS);
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	return (people_count(s, st, members, "member count", err));
}
