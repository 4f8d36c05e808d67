/*
 * What the invites module remembers per session and attendee (the
 * invitations table), the session's invited flag and SEQUENCE as the mail
 * moves them, and whether a Message-ID is already in the outbox.  Rows
 * are only written when they differ, so a run with nothing to say writes
 * nothing.  No rules here: invites.c and digest.c decide.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "inbox.h"
#include "invites.h"
#include "store.h"
#include "xmalloc.h"

enum {
	MAIL_INV_LIST = 0,
	MAIL_INV_PUT,
	MAIL_SESSION_MARK,
	MAIL_OUTBOX_HAS,
	MAIL_INBOX_SEEN,
	MAIL_INBOX_ADD,
	MAIL_INBOX_LIST,
	MAIL_SESSION_BY_UID,
	MAIL_INVITATION_BY_ADDR,
	MAIL_INV_LIST_SCOPED,
	MAIL_NSTMTS
};

static const char *const mail_sql[MAIL_NSTMTS] = {
	[MAIL_INV_LIST] =
	    "SELECT i.session, i.member, i.sequence, i.hash, i.state, "
	    "i.reminded, i.sent_start, i.sent_end, i.sent_location, "
	    "i.sent_psychologist, i.sent_presenters, i.sent_case "
	    "FROM invitations i JOIN sessions s ON s.id = i.session "
	    "WHERE s.\"end\" > ?1 ORDER BY i.session, i.member",
	[MAIL_INV_LIST_SCOPED] =
	    "SELECT i.session, i.member, i.sequence, i.hash, i.state, "
	    "i.reminded, i.sent_start, i.sent_end, i.sent_location, "
	    "i.sent_psychologist, i.sent_presenters, i.sent_case "
	    "FROM sessions s INDEXED BY sessions_first_team "
	    "JOIN invitations i ON i.session = s.id "
	    "WHERE s.\"end\" > ?1 AND " STORE_IN_SCOPE("s")
	    " ORDER BY i.session, i.member",
	[MAIL_INV_PUT] =
	    "INSERT INTO invitations (session, member, sequence, hash, state, "
	    "reminded, sent_start, sent_end, sent_location, sent_psychologist, "
	    "sent_presenters, sent_case) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12) "
	    "ON CONFLICT (session, member) DO UPDATE SET "
	    "sequence = excluded.sequence, hash = excluded.hash, "
	    "state = excluded.state, reminded = excluded.reminded, "
	    "sent_start = excluded.sent_start, sent_end = excluded.sent_end, "
	    "sent_location = excluded.sent_location, "
	    "sent_psychologist = excluded.sent_psychologist, "
	    "sent_presenters = excluded.sent_presenters, "
	    "sent_case = excluded.sent_case",
	[MAIL_SESSION_MARK] =
	    "UPDATE sessions SET invited = 1, sequence = max(sequence, ?2) "
	    "WHERE id = ?1 AND (invited = 0 OR sequence < ?2)",
	[MAIL_OUTBOX_HAS] =
	    "SELECT 1 FROM outbox WHERE msgid = ?1",
	[MAIL_INBOX_SEEN] =
	    "SELECT 1 FROM inbox WHERE file = ?1",
	[MAIL_INBOX_ADD] =
	    "INSERT INTO inbox (file, received, sender, session, member, "
	    "partstat, state, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[MAIL_INBOX_LIST] =
	    "SELECT i.id, i.file, i.received, i.sender, i.session, i.member, "
	    "i.partstat, i.state, i.reason, s.teams FROM inbox i "
	    "LEFT JOIN sessions s ON s.id = i.session "
	    "WHERE (?1 IS NULL OR i.state = ?1) ORDER BY i.id DESC",
	[MAIL_SESSION_BY_UID] =
	    "SELECT id, state, \"end\" FROM sessions WHERE uid = ?1 "
	    "UNION ALL SELECT id, state, \"end\" FROM sessions "
	    "WHERE id = ?2 AND uid = '' LIMIT 1",
	[MAIL_INVITATION_BY_ADDR] =
	    "SELECT i.member, i.sequence, i.state FROM invitations i "
	    "JOIN members m ON m.slug = i.member "
	    "WHERE i.session = ?1 AND lower(m.email) = ?2 LIMIT 1",
};

const struct store_sqlset store_mail_sqlset = {
	"mail", mail_sql, MAIL_NSTMTS
};

#define MAIL_STMT(s, i)	store_stmt((s), STORE_SET_MAIL, (i))

static int	mail_invitations(struct store *, sqlite3_stmt *, time_t,
		    struct invitation **, size_t *, struct err *);

static const char *
mail_state_name(int state)
{
	return (state == INVITATION_CANCELLED ? "cancelled" : "sent");
}

int
store_invitations_list(struct store *s, time_t after, struct invitation **vp,
    size_t *np, struct err *err)
{
	return (mail_invitations(s, MAIL_STMT(s, MAIL_INV_LIST), after, vp, np,
	    err));
}

int
store_invitations_list_scoped(struct store *s, time_t after,
    struct invitation **vp, size_t *np, struct err *err)
{
	return (mail_invitations(s, MAIL_STMT(s, MAIL_INV_LIST_SCOPED), after,
	    vp, np, err));
}

static int
mail_invitations(struct store *s, sqlite3_stmt *st, time_t after,
    struct invitation **vp, size_t *np, struct err *err)
{
	struct invitation	*v = NULL, *r;
	const unsigned char	*t;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*vp = NULL;
	*np = 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		r = &v[n++];
		memset(r, 0, sizeof(*r));
		store_column_copy(st, 0, r->session, sizeof(r->session));
		store_column_copy(st, 1, r->member, sizeof(r->member));
		r->sequence = sqlite3_column_int(st, 2);
		store_column_copy(st, 3, r->hash, sizeof(r->hash));
		t = sqlite3_column_text(st, 4);
		r->state = t != NULL && strcmp((const char *)t, "cancelled") ==
		    0 ? INVITATION_CANCELLED : INVITATION_SENT;
		r->reminded = (time_t)sqlite3_column_int64(st, 5);
		r->sent_start = (time_t)sqlite3_column_int64(st, 6);
		r->sent_end = (time_t)sqlite3_column_int64(st, 7);
		store_column_copy(st, 8, r->sent_location,
		    sizeof(r->sent_location));
		store_column_copy(st, 9, r->sent_psych, sizeof(r->sent_psych));
		store_column_copy(st, 10, r->sent_presenters,
		    sizeof(r->sent_presenters));
		store_column_copy(st, 11, r->sent_case, sizeof(r->sent_case));
	}
	if (rc != SQLITE_DONE) {
		free(v);
		store_fail(s, "invitations list", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	*vp = v;
	*np = n;
	return (0);
}

int
store_invitation_put(struct store *s, const struct invitation *r,
    struct err *err)
{
	sqlite3_stmt	*st = MAIL_STMT(s, MAIL_INV_PUT);
	int		 rc;

	sqlite3_bind_text(st, 1, r->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->member, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->sequence);
	sqlite3_bind_text(st, 4, r->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, mail_state_name(r->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->reminded);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->sent_start);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)r->sent_end);
	store_bind_text(st, 9, r->sent_location);
	store_bind_text(st, 10, r->sent_psych);
	store_bind_text(st, 11, r->sent_presenters);
	store_bind_text(st, 12, r->sent_case);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "invitation", r->session, err));
}

int
store_session_mark_invited(struct store *s, const char *id, int sequence,
    struct err *err)
{
	sqlite3_stmt	*st = MAIL_STMT(s, MAIL_SESSION_MARK);
	int		 rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, sequence);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "session", id, err));
}

int
store_outbox_has(struct store *s, const char *msgid, struct err *err)
{
	sqlite3_stmt	*st = MAIL_STMT(s, MAIL_OUTBOX_HAS);
	int		 rc;

	sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "outbox lookup", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (rc == SQLITE_ROW);
}

int
store_inbox_seen(struct store *s, const char *file, struct err *err)
{
	sqlite3_stmt	*st = MAIL_STMT(s, MAIL_INBOX_SEEN);
	int		 rc;

	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "inbox lookup", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (rc == SQLITE_ROW);
}

int
store_inbox_add(struct store *s, const struct inbox_row *r, struct err *err)
{
	sqlite3_stmt	*st = MAIL_STMT(s, MAIL_INBOX_ADD);
	int		 rc;

	sqlite3_bind_text(st, 1, r->file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->received);
	store_bind_text(st, 3, r->from);
	store_bind_text(st, 4, r->session);
	store_bind_text(st, 5, r->member);
	store_bind_text(st, 6, r->partstat);
	sqlite3_bind_text(st, 7, inbox_state_name(r->state), -1,
	    SQLITE_STATIC);
	store_bind_text(st, 8, r->reason);
	rc = sqlite3_step(st);
	store_stmt_done(st);
	return (store_write_rc(s, rc, "inbox", r->file, err));
}

int
store_inbox_list(struct store *s, int state, struct inbox_row **vp,
    size_t *np, struct err *err)
{
	sqlite3_stmt		*st = MAIL_STMT(s, MAIL_INBOX_LIST);
	struct inbox_row	*v = NULL, *r;
	const unsigned char	*t;
	size_t			 n = 0, cap = 0;
	int			 rc;

	*vp = NULL;
	*np = 0;
	if (state >= 0)
		sqlite3_bind_text(st, 1, inbox_state_name(state), -1,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		r = &v[n++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		store_column_copy(st, 1, r->file, sizeof(r->file));
		r->received = (time_t)sqlite3_column_int64(st, 2);
		store_column_copy(st, 3, r->from, sizeof(r->from));
		store_column_copy(st, 4, r->session, sizeof(r->session));
		store_column_copy(st, 5, r->member, sizeof(r->member));
		store_column_copy(st, 6, r->partstat, sizeof(r->partstat));
		t = sqlite3_column_text(st, 7);
		r->state = inbox_state_parse((const char *)t);
		store_column_copy(st, 8, r->reason, sizeof(r->reason));
		store_column_copy(st, 9, r->teams, sizeof(r->teams));
	}
	if (rc != SQLITE_DONE) {
		free(v);
		store_fail(s, "inbox list", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	*vp = v;
	*np = n;
	return (0);
}

int
store_session_by_uid(struct store *s, const char *uid, char *id,
    int *state, time_t *end, struct err *err)
{
	sqlite3_stmt		*st = MAIL_STMT(s, MAIL_SESSION_BY_UID);
	const unsigned char	*t;
	char			 bare[SCHED_ID_MAX + 1];
	const char		*at;
	int			 rc;

	/* A UID of ours is "SESSION-ID@domain"; the id alone is its key. */
	at = strrchr(uid, '@');
	snprintf(bare, sizeof(bare), "%.*s", at != NULL ? (int)(at - uid) :
	    (int)strlen(uid), uid);
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, bare, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_column_copy(st, 0, id, SCHED_ID_MAX + 1);
		t = sqlite3_column_text(st, 1);
		*state = session_state_parse((const char *)t);
		*end = (time_t)sqlite3_column_int64(st, 2);
		store_stmt_done(st);
		return (1);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "session by UID", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}

int
store_invitation_by_addr(struct store *s, const char *session,
    const char *addr, char *member, int *sequence, int *cancelled,
    struct err *err)
{
	sqlite3_stmt		*st = MAIL_STMT(s, MAIL_INVITATION_BY_ADDR);
	const unsigned char	*t;
	int			 rc;

	sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_column_copy(st, 0, member, SLUG_MAX + 1);
		*sequence = sqlite3_column_int(st, 1);
		t = sqlite3_column_text(st, 2);
		*cancelled = t != NULL && strcmp((const char *)t,
		    "cancelled") == 0;
		store_stmt_done(st);
		return (1);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "invitation by address", err);
		store_stmt_done(st);
		return (-1);
	}
	store_stmt_done(st);
	return (0);
}
