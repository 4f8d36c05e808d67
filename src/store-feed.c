/*
 * The feed_tokens table: one row per member with a calendar feed, holding
 * the SHA-256 of their token in hex and when it was made, never the
 * token.  A lookup finds candidates by the first FEED_LOOKUP_HEX digits of
 * the hash (an index on that prefix) and hands them to feed.c, which
 * compares the whole hash in constant time.  Only the SQL lives here.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "feed.h"
#include "store.h"
#include "xmalloc.h"

#define FEED_LOOKUP_HEX	16	/* the indexed prefix of the hash */

enum {
	FEED_TOKEN_PUT = 0,
	FEED_TOKEN_DELETE,
	FEED_TOKEN_FIND,
	FEED_NSTMTS
};

static const char *const feed_sql[FEED_NSTMTS] = {
	[FEED_TOKEN_PUT] =
	    "INSERT INTO feed_tokens (member, sha256, created) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (member) DO UPDATE SET "
	    "sha256 = excluded.sha256, created = excluded.created",
	[FEED_TOKEN_DELETE] =
	    "DELETE FROM feed_tokens WHERE member = ?1",
	[FEED_TOKEN_FIND] =
	    "SELECT member, sha256, created "
	    "FROM feed_tokens "
	    "WHERE substr(sha256, 1, 16) = ?1",
};

const struct store_sqlset store_feed_sqlset = {
	"feed", feed_sql, FEED_NSTMTS
};

#define FEED_STMT(s, i)	store_stmt((s), STORE_SET_FEED, (i))

int
store_feed_token_put(struct store *s, const char *member, const char *sha256,
    time_t created, struct err *err)
{
	sqlite3_stmt	*st = FEED_STMT(s, FEED_TOKEN_PUT);
	int		 rc;

	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)created);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "feed token of", member, err));
}

int
store_feed_token_delete(struct store *s, const char *member, int *deleted,
    struct err *err)
{
	sqlite3_stmt	*st = FEED_STMT(s, FEED_TOKEN_DELETE);
	int		 rc;

	*deleted = 0;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	if (store_write_rc(s, rc, "feed token of", member, err) == -1)
		return (-1);
	*deleted = store_changes(s) > 0;
	return (0);
}

int
store_feed_token_find(struct store *s, const char *sha256,
    struct feed_token_row **vp, size_t *np, struct err *err)
{
	sqlite3_stmt		*st = FEED_STMT(s, FEED_TOKEN_FIND);
	struct feed_token_row	*v = NULL, *r;
	size_t			 n = 0;
	int			 rc;

	*vp = NULL;
	*np = 0;
	if (strlen(sha256) < FEED_LOOKUP_HEX)
		return (0);
	sqlite3_bind_text(st, 1, sha256, FEED_LOOKUP_HEX, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		r = &v[n++];
		memset(r, 0, sizeof(*r));
		store_column_copy(st, 0, r->member, sizeof(r->member));
		store_column_copy(st, 1, r->sha256, sizeof(r->sha256));
		r->created = (time_t)sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE) {
		free(v);
		store_fail(s, "feed token lookup", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	*vp = v;
	*np = n;
	return (0);
}
