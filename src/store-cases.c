/*
 * The cases table: reading, inserting and changing case rows, the open
 * cases of one member for caseload arithmetic, and the members' caseload
 * alert flag.  This file holds only the SQL; validation, alerts and every
 * rule live in cases.c.  Empty strings in a struct casefile are NULL in
 * the table (no co-worker, still open, never discussed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cases.h"
#include "caseload.h"
#include "domain.h"
#include "store.h"
#include "xmalloc.h"

enum {
	CASES_GET = 0,
	CASES_INSERT,
	CASES_UPDATE,
	CASES_LIST,
	CASES_ITEMS,
	CASES_OPEN_EACH,
	CASES_COUNT_OPEN,
	CASES_SET_ALERTED,
	CASES_NSTMTS
};

#define CASES_STMT(s, i)	store_stmt((s), STORE_SET_CASES, (i))

#define CASES_COLS \
	"ref, kind, opened, closed, lead, coworker, flagged, flag_reason, " \
	"flagged_on, last_discussed"

static const char *const cases_sql[CASES_NSTMTS] = {
	[CASES_GET] =
	    "SELECT " CASES_COLS " FROM cases WHERE ref = ?1",
	[CASES_INSERT] =
	    "INSERT INTO cases (" CASES_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[CASES_UPDATE] =
	    "UPDATE cases SET kind = ?2, opened = ?3, closed = ?4, lead = ?5, "
	    "coworker = ?6, flagged = ?7, flag_reason = ?8, flagged_on = ?9, "
	    "last_discussed = ?10 WHERE ref = ?1",
	/* member: lead or co-worker; team: the lead's or co-worker's team. */
	[CASES_LIST] =
	    "SELECT " CASES_COLS " FROM cases "
	    "WHERE (?1 IS NULL OR lead = ?1 OR coworker = ?1) "
	    "AND (?2 IS NULL "
	    "  OR lead IN (SELECT slug FROM members WHERE team = ?2) "
	    "  OR coworker IN (SELECT slug FROM members WHERE team = ?2)) "
	    "AND (?3 < 0 OR (?3 = 1 AND closed IS NULL) "
	    "  OR (?3 = 0 AND closed IS NOT NULL)) "
	    "ORDER BY ref",
	[CASES_ITEMS] =
	    "SELECT kind, 0 FROM cases WHERE lead = ?1 AND closed IS NULL "
	    "UNION ALL "
	    "SELECT kind, 1 FROM cases WHERE coworker = ?1 AND closed IS NULL",
	[CASES_OPEN_EACH] =
	    "SELECT ref, lead, coworker FROM cases WHERE closed IS NULL "
	    "ORDER BY ref",
	[CASES_COUNT_OPEN] =
	    /*
	     * All less the closed: a bare count(*) counts the b-tree's pages
	     * (OP_Count), where counting the open ones visits each of a
	     * region's 150,000 rows (15 ms of a status).
	     */
	    "SELECT (SELECT count(*) FROM cases) - "
	    "(SELECT count(*) FROM cases WHERE closed IS NOT NULL)",
	[CASES_SET_ALERTED] =
	    "UPDATE members SET over_alerted = ?2 WHERE slug = ?1",
};

const struct store_sqlset store_cases_sqlset = {
	"cases", cases_sql, CASES_NSTMTS
};

static int	cases_kind(sqlite3_stmt *, int);
static void	cases_read(sqlite3_stmt *, struct casefile *);
static void	cases_bind(sqlite3_stmt *, const struct casefile *);
static int	cases_write(struct store *, int, const struct casefile *,
		    const char *, struct err *);

/* Kinds are stored by name; an unknown one reads as other. */
static int
cases_kind(sqlite3_stmt *st, int col)
{
	const unsigned char	*t;
	int			 k;

	if (sqlite3_column_type(st, col) == SQLITE_INTEGER) {
		k = sqlite3_column_int(st, col);
		return (k >= 0 && k < KIND_COUNT ? k : KIND_OTHER);
	}
	t = sqlite3_column_text(st, col);
	if (t == NULL || (k = case_kind_parse((const char *)t)) == -1)
		return (KIND_OTHER);
	return (k);
}

static void
cases_read(sqlite3_stmt *st, struct casefile *c)
{
	memset(c, 0, sizeof(*c));
	store_column_copy(st, 0, c->ref, sizeof(c->ref));
	c->kind = cases_kind(st, 1);
	store_column_copy(st, 2, c->opened, sizeof(c->opened));
	store_column_copy(st, 3, c->closed, sizeof(c->closed));
	store_column_copy(st, 4, c->lead, sizeof(c->lead));
	store_column_copy(st, 5, c->coworker, sizeof(c->coworker));
	c->flagged = sqlite3_column_int(st, 6) != 0;
	store_column_copy(st, 7, c->flag_reason, sizeof(c->flag_reason));
	store_column_copy(st, 8, c->flagged_on, sizeof(c->flagged_on));
	store_column_copy(st, 9, c->last_discussed, sizeof(c->last_discussed));
}

static void
cases_bind(sqlite3_stmt *st, const struct casefile *c)
{
	sqlite3_bind_text(st, 1, c->ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, case_kind_name(c->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->opened, -1, SQLITE_STATIC);
	store_bind_text(st, 4, c->closed);
	sqlite3_bind_text(st, 5, c->lead, -1, SQLITE_STATIC);
	store_bind_text(st, 6, c->coworker);
	sqlite3_bind_int(st, 7, c->flagged ? 1 : 0);
	store_bind_text(st, 8, c->flag_reason);
	store_bind_text(st, 9, c->flagged_on);
	store_bind_text(st, 10, c->last_discussed);
}

int
store_case_get(struct store *s, const char *ref, struct casefile *c,
    struct err *err)
{
	sqlite3_stmt	*st = CASES_STMT(s, CASES_GET);
	int		 rc;

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cases_read(st, c);
		store_stmt_done(st);
		return (0);
	}
	if (rc == SQLITE_DONE) {
		store_stmt_done(st);
		return (err_set(err, ERR_NOT_FOUND, "no such case: %s", ref));
	}
	store_fail(s, "case get", err);
	store_stmt_done(st);
	return (-1);
}

static int
cases_write(struct store *s, int idx, const struct casefile *c,
    const char *what, struct err *err)
{
	sqlite3_stmt	*st = CASES_STMT(s, idx);
	int		 rc;

	cases_bind(st, c);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		store_stmt_done(st);
		return (err_set(err, ERR_CONFLICT, "case %s: conflicts with "
		    "the stored cases or members", what));
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, what, err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}

int
store_case_insert(struct store *s, const struct casefile *c,
    struct err *err)
{
	return (cases_write(s, CASES_INSERT, c, "insert", err));
}

int
store_case_update(struct store *s, const struct casefile *c,
    struct err *err)
{
	if (cases_write(s, CASES_UPDATE, c, "update", err) == -1)
		return (-1);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no such case: %s",
		    c->ref));
	return (0);
}

int
store_case_list(struct store *s, const char *member, const char *team,
    int open, struct casefile **out, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = CASES_STMT(s, CASES_LIST);
	struct casefile	*v = NULL;
	size_t		 n = 0, cap = 0;
	int		 rc;

	*out = NULL;
	*np = 0;
	store_bind_text(st, 1, member);
	store_bind_text(st, 2, team);
	sqlite3_bind_int(st, 3, open);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		cases_read(st, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "case list", err);
		store_stmt_done(st);
		free(v);
		return (-1);
	}
	store_stmt_done(st);
	*out = v;
	*np = n;
	return (0);
}

int
store_case_items(struct store *s, const char *member,
    struct caseload_item **out, size_t *np, struct err *err)
{
	sqlite3_stmt		*st = CASES_STMT(s, CASES_ITEMS);
	struct caseload_item	*v = NULL;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*out = NULL;
	*np = 0;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].kind = cases_kind(st, 0);
		v[n].coworker = sqlite3_column_int(st, 1);
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "case items", err);
		store_stmt_done(st);
		free(v);
		return (-1);
	}
	store_stmt_done(st);
	*out = v;
	*np = n;
	return (0);
}

int
store_case_open_each(struct store *s, int (*fn)(void *, const char *,
    const char *, const char *), void *arg, struct err *err)
{
	sqlite3_stmt	*st = CASES_STMT(s, CASES_OPEN_EACH);
	const char	*ref, *lead, *co;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ref = (const char *)sqlite3_column_text(st, 0);
		lead = (const char *)sqlite3_column_text(st, 1);
		co = (const char *)sqlite3_column_text(st, 2);
		if (fn(arg, ref != NULL ? ref : "", lead != NULL ? lead : "",
		    co != NULL ? co : "") == -1) {
			store_stmt_done(st);
			return (0);
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "open cases", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}

int
store_case_count_open(struct store *s, int *n, struct err *err)
{
	sqlite3_stmt	*st = CASES_STMT(s, CASES_COUNT_OPEN);

	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s, "count open cases", err);
		store_stmt_done(st);
		return (-1);
	}
	*n = sqlite3_column_int(st, 0);
	store_stmt_done(st);
	return (0);
}

int
store_case_set_alerted(struct store *s, const char *member, int alerted,
    struct err *err)
{
	sqlite3_stmt	*st = CASES_STMT(s, CASES_SET_ALERTED);

	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, alerted ? 1 : 0);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, "member alert flag", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}
