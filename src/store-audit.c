/*
 * The audit table: append a row per change and list rows since a time.
 * Rows are only ever added, never changed here; the caller's transaction
 * decides whether the row and its change are kept.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "xmalloc.h"

enum {
	AUDIT_ADD = 0,
	AUDIT_LIST,
	AUDIT_NSTMTS
};

static const char *const audit_sql[AUDIT_NSTMTS] = {
	[AUDIT_ADD] =
	    "INSERT INTO audit (at, user, command) VALUES (?1, ?2, ?3)",
	[AUDIT_LIST] =
	    "SELECT id, at, user, command FROM (SELECT id, at, user, command "
	    "FROM audit WHERE at >= ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id",
};

const struct store_sqlset store_audit_sqlset = {
	"audit", audit_sql, AUDIT_NSTMTS
};

static char	*audit_text(sqlite3_stmt *, int);

int
store_audit_add(struct store *s, time_t at, const char *user,
    const char *command, struct err *err)
{
	sqlite3_stmt	*st = store_stmt(s, STORE_SET_AUDIT, AUDIT_ADD);
	int		 rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, command, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "audit add", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}

static char *
audit_text(sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	return (xstrdup(t != NULL ? (const char *)t : ""));
}

int
store_audit_list(struct store *s, time_t since, size_t limit,
    struct audit_row **rowsp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = store_stmt(s, STORE_SET_AUDIT, AUDIT_LIST);
	struct audit_row *rows = NULL, *r;
	size_t		 n = 0, cap = 0;
	int		 rc;

	*rowsp = NULL;
	*np = 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		r = &rows[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->at = (time_t)sqlite3_column_int64(st, 1);
		r->user = audit_text(st, 2);
		r->command = audit_text(st, 3);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "audit list", err);
		store_stmt_done(st);
		store_audit_free(rows, n);
		return (-1);
	}
	store_stmt_done(st);
	*rowsp = rows;
	*np = n;
	return (0);
}

void
store_audit_free(struct audit_row *rows, size_t n)
{
	size_t	i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(rows[i].user);
		free(rows[i].command);
	}
	free(rows);
}
