/*
 * The outbox table: queued messages with their delivery state.  This file
 * holds only the SQL; the retry policy and the state machine live in
 * outbox.c.  A Message-ID is queued at most once, so that re-running the
 * code that produced a message (a digest after a restart) never sends it
 * twice.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "xmalloc.h"

enum {
	OUTBOX_ADD = 0,
	OUTBOX_BY_MSGID,
	OUTBOX_LIST,
	OUTBOX_GET,
	OUTBOX_GET_DATA,
	OUTBOX_DUE,
	OUTBOX_NEXT_DUE,
	OUTBOX_UPDATE,
	OUTBOX_RECOVER,
	OUTBOX_MARK_SENT,
	OUTBOX_COUNTS,
	OUTBOX_NSTMTS
};

#define OUTBOX_STMT(s, i)	store_stmt((s), STORE_SET_OUTBOX, (i))

#define OUTBOX_COLS \
	"id, msgid, kind, rcpt, subject, state, attempts, created, " \
	"next_attempt, done_at, last_error"

static const char *const outbox_sql[OUTBOX_NSTMTS] = {
	[OUTBOX_ADD] =
	    "INSERT INTO outbox (msgid, kind, rcpt, subject, data, state, "
	    "attempts, created, next_attempt) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?6) "
	    "ON CONFLICT (msgid) DO NOTHING",
	[OUTBOX_BY_MSGID] =
	    "SELECT id FROM outbox WHERE msgid = ?1",
	[OUTBOX_LIST] =
	    "SELECT " OUTBOX_COLS " FROM outbox "
	    "WHERE ?1 < 0 OR state = ?1 ORDER BY id DESC LIMIT ?2",
	[OUTBOX_GET] =
	    "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?1",
	[OUTBOX_GET_DATA] =
	    "SELECT " OUTBOX_COLS ", data FROM outbox WHERE id = ?1",
	[OUTBOX_DUE] =
	    "SELECT " OUTBOX_COLS ", data FROM outbox "
	    "WHERE state = 0 AND next_attempt <= ?1 "
	    "ORDER BY next_attempt, id LIMIT ?2",
	[OUTBOX_NEXT_DUE] =
	    "SELECT min(next_attempt) FROM outbox WHERE state = 0",
	[OUTBOX_UPDATE] =
	    "UPDATE outbox SET state = ?2, attempts = ?3, next_attempt = ?4, "
	    "done_at = ?5, last_error = ?6 WHERE id = ?1",
	[OUTBOX_RECOVER] =
	    "UPDATE outbox SET state = 0 WHERE state = 1",
	[OUTBOX_MARK_SENT] =
	    "UPDATE outbox SET state = 2, attempts = attempts + 1, "
	    "done_at = ?2, last_error = NULL WHERE id = ?1 AND state = 1",
	[OUTBOX_COUNTS] =
	    "SELECT state, count(*) FROM outbox GROUP BY state",
};

const struct store_sqlset store_outbox_sqlset = {
	"outbox", outbox_sql, OUTBOX_NSTMTS
};

static char	*outbox_text(sqlite3_stmt *, int);
static void	 outbox_read_row(sqlite3_stmt *, struct outbox_row *, int);
static int	 outbox_select(struct store *, sqlite3_stmt *, int, size_t,
		    struct outbox_row **, size_t *, const char *,
		    struct err *);

static char *
outbox_text(sqlite3_stmt *st, int col)
{
	const unsigned char	*t;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return (NULL);
	t = sqlite3_column_text(st, col);
	return (xstrdup(t != NULL ? (const char *)t : ""));
}

static void
outbox_read_row(sqlite3_stmt *st, struct outbox_row *r, int with_data)
{
	const void	*blob;
	int		 len;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->msgid = outbox_text(st, 1);
	r->kind = outbox_text(st, 2);
	r->rcpt = outbox_text(st, 3);
	r->subject = outbox_text(st, 4);
	r->state = sqlite3_column_int(st, 5);
	r->attempts = sqlite3_column_int(st, 6);
	r->created = (time_t)sqlite3_column_int64(st, 7);
	r->next_attempt = (time_t)sqlite3_column_int64(st, 8);
	r->done_at = (time_t)sqlite3_column_int64(st, 9);
	r->last_error = outbox_text(st, 10);
	if (with_data) {
		blob = sqlite3_column_blob(st, 11);
		len = sqlite3_column_bytes(st, 11);
		r->data = xmalloc((size_t)len + 1);
		if (len > 0)
			memcpy(r->data, blob, (size_t)len);
		r->data[len] = '\0';
		r->len = (size_t)len;
	}
}

/* Run a bound SELECT of OUTBOX_COLS into an array; resets st. */
static int
outbox_select(struct store *s, sqlite3_stmt *st, int with_data,
    size_t max_bytes, struct outbox_row **rowsp, size_t *np, const char *what,
    struct err *err)
{
	struct outbox_row	*rows = NULL;
	size_t			 n = 0, cap = 0, bytes = 0;
	int			 rc;

	*rowsp = NULL;
	*np = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			rows = xreallocarray(rows, cap, sizeof(*rows));
		}
		outbox_read_row(st, &rows[n++], with_data);
		if (max_bytes > 0 && (bytes += rows[n - 1].len) >= max_bytes) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, what, err);
		store_stmt_done(st);
		store_outbox_free(rows, n);
		return (-1);
	}
	store_stmt_done(st);
	*rowsp = rows;
	*np = n;
	return (0);
}

int
store_outbox_add(struct store *s, const char *msgid, const char *kind,
    const char *rcpt, const char *subject, const char *data, size_t len,
    time_t now, int64_t *id, struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_ADD);
	int64_t		 rowid = 0;
	int		 rc;

	sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 5, data, (sqlite3_uint64)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "outbox add", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);

	/* Inserted or already there: either way report the row's id. */
	st = OUTBOX_STMT(s, OUTBOX_BY_MSGID);
	sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_fail(s, "outbox add (id)", err);
		store_stmt_done(st);
		return (-1);
	}
	rowid = sqlite3_column_int64(st, 0);
	store_stmt_done(st);
	if (id != NULL)
		*id = rowid;
	return (0);
}

int
store_outbox_list(struct store *s, int state, size_t limit,
    struct outbox_row **rowsp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_LIST);

	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (sqlite3_int64)limit);
	return (outbox_select(s, st, 0, 0, rowsp, np, "outbox list", err));
}

int
store_outbox_get(struct store *s, int64_t id, int with_data,
    struct outbox_row *row, struct err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = OUTBOX_STMT(s, with_data ? OUTBOX_GET_DATA : OUTBOX_GET);
	memset(row, 0, sizeof(*row));
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		store_stmt_done(st);
		return (err_set(err, ERR_NOT_FOUND, "no message %lld",
		    (long long)id));
	}
	if (rc != SQLITE_ROW) {
		store_fail(s, "outbox get", err);
		store_stmt_done(st);
		return (-1);
	}
	outbox_read_row(st, row, with_data);
	store_stmt_done(st);
	return (0);
}

int
store_outbox_due(struct store *s, time_t now, size_t limit,
    size_t max_bytes, struct outbox_row **rowsp, size_t *np, struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_DUE);

	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (sqlite3_int64)limit);
	return (outbox_select(s, st, 1, max_bytes, rowsp, np, "outbox due",
	    err));
}

int
store_outbox_next_due(struct store *s, time_t *when, struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_NEXT_DUE);
	int		 rc, found = 0;

	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_fail(s, "outbox next due", err);
		store_stmt_done(st);
		return (-1);
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*when = (time_t)sqlite3_column_int64(st, 0);
		found = 1;
	}
	store_stmt_done(st);
	return (found ? 0 : 1);
}

int
store_outbox_update(struct store *s, const struct outbox_row *r,
    struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_UPDATE);
	int		 rc;

	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int(st, 2, r->state);
	sqlite3_bind_int(st, 3, r->attempts);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->next_attempt);
	if (r->done_at != 0)
		sqlite3_bind_int64(st, 5, (sqlite3_int64)r->done_at);
	else
		sqlite3_bind_null(st, 5);
	if (r->last_error != NULL)
		sqlite3_bind_text(st, 6, r->last_error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "outbox update", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	if (store_changes(s) == 0)
		return (err_set(err, ERR_NOT_FOUND, "no message %lld",
		    (long long)r->id));
	return (0);
}

int
store_outbox_recover(struct store *s, int *n, struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_RECOVER);
	int		 rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "outbox recover", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	if (n != NULL)
		*n = store_changes(s);
	return (0);
}

int
store_outbox_mark_sent(struct store *s, int64_t id, time_t now, int *changed,
    struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_MARK_SENT);
	int		 rc;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "outbox mark sent", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	if (changed != NULL)
		*changed = store_changes(s);
	return (0);
}

int
store_outbox_counts(struct store *s, int counts[4], struct err *err)
{
	sqlite3_stmt	*st = OUTBOX_STMT(s, OUTBOX_COUNTS);
	int		 rc, state;

	memset(counts, 0, 4 * sizeof(counts[0]));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		state = sqlite3_column_int(st, 0);
		if (state >= 0 && state < 4)
			counts[state] = sqlite3_column_int(st, 1);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "outbox counts", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}

void
store_outbox_row_clear(struct outbox_row *r)
{
	if (r == NULL)
		return;
	free(r->msgid);
	free(r->kind);
	free(r->rcpt);
	free(r->subject);
	free(r->last_error);
	free(r->data);
	memset(r, 0, sizeof(*r));
}

void
store_outbox_free(struct outbox_row *rows, size_t n)
{
	size_t	i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		store_outbox_row_clear(&rows[i]);
	free(rows);
}
