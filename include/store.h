/*
 * The SQLite store.  Only store*.c include sqlite3.h.  One connection, WAL,
 * synchronous=FULL, foreign keys on; schema migrations by user_version run
 * forward in one transaction at open; statements are prepared once and kept
 * in an enum-indexed array.  Any unexpected SQLite result is logged with
 * sqlite3_errmsg and reported as ERR_INTERNAL; the caller rolls back.
 */
#ifndef REFLECTD_STORE_H
#define REFLECTD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

struct store;

/* Open (creating if needed) DIR/reflectd.db and migrate it. */
struct store	*store_open(const char *dir, struct err *);
void		 store_close(struct store *);
/*
 * SQLite's page cache: kib KiB for a run that writes much in one
 * transaction, or (kib 0) back to the small default with the clean pages
 * let go.  -1 if SQLite refused.
 */
int		 store_cache_size(struct store *, int kib);
/*
 * Whether a commit waits for the disk (full 1, the default: PRAGMA
 * synchronous=FULL) or leaves the WAL's sync to the next checkpoint
 * (full 0, NORMAL: a power cut may undo it, never corrupt); full -1 only
 * asks.  The setting then in force (2 FULL, 1 NORMAL), -1 if refused.
 */
int		 store_synchronous(struct store *, int full);
/* Pages read into, written from and spilled by the page cache since the
 * last call (SQLITE_DBSTATUS_CACHE_*), for the debug log. */
void		 store_cache_counts(struct store *, int *miss, int *write,
		    int *spill);
/*
 * From now on a WAL long enough to copy back into the database is copied
 * by a thread with a connection of its own, not inside the commit that
 * made it so.  -1 (and the commits copy it, as before) if the database is
 * held in exclusive mode or the thread cannot start.  store_checkpoints:
 * how many copies the thread has made, and (*pages) how many pages they
 * copied.
 */
int		 store_checkpoint_background(struct store *);
unsigned long	 store_checkpoints(struct store *, unsigned long *pages);
int		 store_schema_version(struct store *);

/* Transactions: one at a time, no nesting.  commit failure => rolled back. */
int		 store_begin(struct store *, struct err *);
int		 store_commit(struct store *, struct err *);
void		 store_rollback(struct store *);
int		 store_in_transaction(struct store *);
/*
 * Savepoints inside the open transaction, so one step (an import file) can
 * be undone without the caller's transaction: name is [a-z_]+.  After
 * store_rollback_to the savepoint is still open; release it when done.
 */
int		 store_savepoint(struct store *, const char *name, struct err *);
int		 store_release(struct store *, const char *name, struct err *);
int		 store_rollback_to(struct store *, const char *name,
		    struct err *);

/* ---- audit (store-audit.c) ---- */
struct audit_row {
	int64_t		 id;
	time_t		 at;
	char		*user;
	char		*command;
};
int	store_audit_add(struct store *, time_t at, const char *user,
	    const char *command, struct err *);
/*
 * The newest limit rows (0: all) with at >= since, oldest first; *rows
 * owned, free with store_audit_free.
 */
int	store_audit_list(struct store *, time_t since, size_t limit,
	    struct audit_row **rows, size_t *n, struct err *);
void	store_audit_free(struct audit_row *, size_t n);

/* ---- outbox (store-outbox.c) ---- */
enum outbox_state {
	OUTBOX_QUEUED = 0,
	OUTBOX_SENDING,		/* handed to the worker; reset to queued at start */
	OUTBOX_SENT,
	OUTBOX_FAILED
};

struct outbox_row {
	int64_t		 id;
	char		*msgid;		/* Message-ID without <> */
	char		*kind;		/* invitation, digest, test, ... */
	char		*rcpt;		/* bare address */
	char		*subject;
	int		 state;		/* enum outbox_state */
	int		 attempts;
	time_t		 created;
	time_t		 next_attempt;
	time_t		 done_at;	/* sent or failed; 0 otherwise */
	char		*last_error;	/* NULL if none */
	char		*data;		/* RFC 5322 bytes; NULL unless asked for */
	size_t		 len;
};

/* Insert a queued row (id, state, attempts, times filled by the store). */
int	store_outbox_add(struct store *, const char *msgid, const char *kind,
	    const char *rcpt, const char *subject, const char *data, size_t len,
	    time_t now, int64_t *id, struct err *);
/* Rows in a state (-1: all), newest first, without data. */
int	store_outbox_list(struct store *, int state, size_t limit,
	    struct outbox_row **, size_t *n, struct err *);
int	store_outbox_get(struct store *, int64_t id, int with_data,
	    struct outbox_row *, struct err *);
/*
 * Queued rows with next_attempt <= now, oldest first, with data: at most
 * limit rows, and no more once their data reaches max_bytes (0: no cap;
 * the first row is always taken).
 */
int	store_outbox_due(struct store *, time_t now, size_t limit,
	    size_t max_bytes, struct outbox_row **, size_t *n, struct err *);
/* Earliest next_attempt among queued rows; 0 ok (found), 1 none, -1 error. */
int	store_outbox_next_due(struct store *, time_t *when, struct err *);
/* Write state, attempts, next_attempt, done_at and last_error of row. */
int	store_outbox_update(struct store *, const struct outbox_row *,
	    struct err *);
/* Start-up recovery: every SENDING row back to QUEUED; *n how many. */
int	store_outbox_recover(struct store *, int *n, struct err *);
/*
 * Start-up, before recover: a SENDING row the relay accepted (its id is in
 * the delivery journal) becomes SENT with one more attempt; rows in other
 * states are left alone.  *changed is 1 if the row was SENDING, else 0.
 */
int	store_outbox_mark_sent(struct store *, int64_t id, time_t now,
	    int *changed, struct err *);
int	store_outbox_counts(struct store *, int counts[4], struct err *);
void	store_outbox_row_clear(struct outbox_row *);
void	store_outbox_free(struct outbox_row *, size_t n);

/* ---- cases (store-cases.c); cases.c holds the rules ---- */
struct casefile;
struct caseload_item;

/* 0 found; -1 with ERR_NOT_FOUND ("no such case: REF") or ERR_INTERNAL. */
int	store_case_get(struct store *, const char *ref, struct casefile *,
	    struct err *);
/* ERR_CONFLICT if a constraint refuses the row. */
int	store_case_insert(struct store *, const struct casefile *,
	    struct err *);
int	store_case_update(struct store *, const struct casefile *,
	    struct err *);
/*
 * Cases ordered by ref: member (lead or co-worker) and team (the lead's or
 * co-worker's home team) NULL for any; open 1 open, 0 closed, -1 both.
 */
int	store_case_list(struct store *, const char *member, const char *team,
	    int open, struct casefile **, size_t *, struct err *);
/* The member's open cases as caseload items (kind, co-worker or lead). */
int	store_case_items(struct store *, const char *member,
	    struct caseload_item **, size_t *, struct err *);
/* Call fn(arg, ref, lead, coworker) for each open case by ref; -1 stops. */
int	store_case_open_each(struct store *, int (*)(void *, const char *,
	    const char *, const char *), void *, struct err *);
int	store_case_count_open(struct store *, int *, struct err *);
/* The member's caseload alert flag (members.over_alerted). */
int	store_case_set_alerted(struct store *, const char *member, int,
	    struct err *);

/* ---- teams, members, absences (store-people.c); people.c holds the rules ---- */
struct team;
struct member;
struct absence;

/* 0 found; -1 with ERR_NOT_FOUND or ERR_INTERNAL. */
int	store_team_get(struct store *, const char *slug, struct team *,
	    struct err *);
/* Teams by slug: all, or (manager != NULL) those the member manages. */
int	store_team_list(struct store *, const char *manager, struct team **,
	    size_t *, struct err *);
/* ERR_CONFLICT if the slug exists or a reference is refused. */
int	store_team_insert(struct store *, const struct team *, struct err *);
int	store_team_update(struct store *, const struct team *, struct err *);
/* ERR_CONFLICT while members or anything else refer to the team. */
int	store_team_delete(struct store *, const char *slug, struct err *);
/* Members whose home team is slug (leavers included). */
int	store_team_members(struct store *, const char *slug, int *,
	    struct err *);
int	store_member_get(struct store *, const char *slug, struct member *,
	    struct err *);
int	store_member_by_login(struct store *, const char *login,
	    struct member *, struct err *);
/* Members by slug; team NULL for all. */
int	store_member_list(struct store *, const char *team, struct member **,
	    size_t *, struct err *);
/*
 * The members keep() takes, by slug, with only their slug, name, email,
 * role, team and end read: what status judges who needs fixing by.
 */
int	store_member_marks(struct store *,
	    int (*keep)(void *, const struct member *), void *,
	    struct member **, size_t *, struct err *);
/* Insert or update every column but over_alerted (cases.c owns it). */
int	store_member_insert(struct store *, const struct member *,
	    struct err *);
int	store_member_update(struct store *, const struct member *,
	    struct err *);
/* Teams that name the member as manager or psychologist, by slug. */
int	store_member_team_roles(struct store *, const char *member,
	    struct team **, size_t *, struct err *);
int	store_absence_insert(struct store *, struct absence *, struct err *);
int	store_absence_get(struct store *, int64_t id, struct absence *,
	    struct err *);
int	store_absence_delete(struct store *, int64_t id, struct err *);
/* By from, then id; member and team (the member's home team) NULL any. */
int	store_absence_list(struct store *, const char *member,
	    const char *team, struct absence **, size_t *, struct err *);
/*
 * For a scoped planning run (store_scope_*): the teams in scope (which
 * hold every team of their series) by slug; the members of those teams,
 * every psychologist, and those teams' managers and series'
 * co-facilitators, by slug; and their absences, by from.
 */
int	store_team_list_scoped(struct store *, struct team **, size_t *,
	    struct err *);
int	store_member_list_scoped(struct store *, struct member **, size_t *,
	    struct err *);
int	store_absence_list_scoped(struct store *, struct absence **,
	    size_t *, struct err *);
/* Teams, and members not left by date ("YYYY-MM-DD"). */
int	store_people_counts(struct store *, const char *date, int *teams,
	    int *members, struct err *);

/* ---- series, sessions, attendees, attendance (store-sessions.c) ---- */
struct series;
struct session;
struct session_attendee;
struct session_note;
struct sched_attendee;
struct session_last;

/* 0 found; -1 with ERR_NOT_FOUND ("no such series: X") or ERR_INTERNAL. */
int	store_series_get(struct store *, const char *slug, struct series *,
	    struct err *);
/* By slug; team NULL for all. */
int	store_series_list(struct store *, const char *team, struct series **,
	    size_t *, struct err *);
/* The series with a team in scope (store_scope_*), by slug. */
int	store_series_list_scoped(struct store *, struct series **, size_t *,
	    struct err *);
/* The row and its teams; ERR_CONFLICT if the slug exists. */
int	store_series_insert(struct store *, const struct series *,
	    struct err *);
int	store_series_update(struct store *, const struct series *,
	    struct err *);
int	store_series_delete(struct store *, const char *slug, struct err *);

int	store_session_get(struct store *, const char *id, struct session *,
	    struct err *);
/*
 * Sessions with from <= start < until by start, then id; series, team
 * (one of the series' teams), member (an attendee) and psychologist NULL
 * for any.
 */
int	store_session_list(struct store *, time_t from, time_t until,
	    const char *series, const char *team, const char *member,
	    const char *psychologist, struct session **, size_t *,
	    struct err *);
/* The same of the sessions in scope (store_scope_*), any state. */
/*
 * The sessions store_session_list (no filter) or, scoped,
 * store_session_list_scoped gives, one at a time to cb, which may keep
 * nothing of x but copies: no array of them all.
 */
int	store_session_each(struct store *, time_t from, time_t until,
	    int scoped, void (*cb)(void *, const struct session *), void *,
	    struct err *);
int	store_session_list_scoped(struct store *, time_t from, time_t until,
	    struct session **, size_t *, struct err *);
int	store_session_insert(struct store *, const struct session *,
	    struct err *);
/* Every column but id, series and kind. */
int	store_session_update(struct store *, const struct session *,
	    struct err *);
/* Why and by whom a session was cancelled (moved 0) or moved (1). */
int	store_session_set_note(struct store *, const char *id, int moved,
	    const char *reason, const char *by, struct err *);
/* Those notes; all "" when none (or no such session). */
int	store_session_note_get(struct store *, const char *id,
	    struct session_note *, struct err *);
/* Planned sessions that ended by now, by end. */
int	store_session_ended(struct store *, time_t now, struct session **,
	    size_t *, struct err *);
/* Earliest end of a planned session: 0 found, 1 none, -1 error. */
int	store_session_next_end(struct store *, time_t *, struct err *);
int	store_session_count_planned(struct store *, int *, struct err *);

/*
 * Attendees of the sessions with from <= start < until (attendance not
 * filled), each session's rows together but the sessions and the rows in
 * no promised order; or of one session with attendance.
 */
/* The rows store_attendees_range(_scoped) gives, one at a time to cb. */
int	store_attendees_each(struct store *, time_t from, time_t until,
	    int scoped, void (*cb)(void *, const struct session_attendee *),
	    void *, struct err *);
int	store_attendees_range(struct store *, time_t from, time_t until,
	    struct session_attendee **, size_t *, struct err *);
int	store_attendees_range_scoped(struct store *, time_t from,
	    time_t until, struct session_attendee **, size_t *, struct err *);
int	store_attendees_get(struct store *, const char *session,
	    struct session_attendee **, size_t *, struct err *);
int	store_attendees_replace(struct store *, const char *session,
	    const struct sched_attendee *, size_t, struct err *);
/* The same for a session just inserted, which has none to clear. */
int	store_attendees_add(struct store *, const char *session,
	    const struct sched_attendee *, size_t, struct err *);
/* Only what changed: gone removed, put added or given its new role. */
int	store_attendees_change(struct store *, const char *session,
	    const struct sched_attendee *gone, size_t ngone,
	    const struct sched_attendee *put, size_t nput, struct err *);
/* status: an attendance name, or NULL to clear the row. */
int	store_attendance_set(struct store *, const char *session,
	    const char *member, const char *status, struct err *);
/* Attendees (role attendee) without a row get status. */
int	store_attendance_default(struct store *, const char *session,
	    const char *status, struct err *);
/* Per member, the date of the last held group supervision attended. */
int	store_attendance_last(struct store *, struct session_last **,
	    size_t *, struct err *);
/*
 * Imported attendance before reflectd (import attendance): one status per
 * member and date; *changed 0 same, 1 inserted, 2 updated.  Attended
 * dates count in store_attendance_last.
 */
int	store_attendance_history_put(struct store *, const char *member,
	    const char *date, const char *status, int *changed, struct err *);

/* ---- invitations and mail bookkeeping (store-mail.c) ---- */
struct invitation;

/* Rows of sessions that end after after, by session then member. */
int	store_invitations_list(struct store *, time_t after,
	    struct invitation **, size_t *, struct err *);
/* The same of the sessions in scope (store_scope_*). */
int	store_invitations_list_scoped(struct store *, time_t after,
	    struct invitation **, size_t *, struct err *);
/* Insert or replace one row (session, member). */
int	store_invitation_put(struct store *, const struct invitation *,
	    struct err *);
/* invited = 1 and SEQUENCE raised to at least sequence; no write if so. */
int	store_session_mark_invited(struct store *, const char *id,
	    int sequence, struct err *);
/* 1 if a message with this Message-ID is in the outbox, 0 if not, -1. */
int	store_outbox_has(struct store *, const char *msgid, struct err *);
/* The replies inbox (inbox.c): 1 if file was read before, 0 if not, -1. */
struct inbox_row;
int	store_inbox_seen(struct store *, const char *file, struct err *);
int	store_inbox_add(struct store *, const struct inbox_row *,
	    struct err *);
/* Newest first; state -1 for any. */
int	store_inbox_list(struct store *, int state, struct inbox_row **,
	    size_t *, struct err *);
/* The session with this UID (or "ID@domain"): 1 found, 0 none, -1. */
int	store_session_by_uid(struct store *, const char *uid,
	    char id[], int *state, time_t *end, struct err *);
/* The invitation row of session for the member at addr (lower case). */
int	store_invitation_by_addr(struct store *, const char *session,
	    const char *addr, char member[], int *sequence, int *cancelled,
	    struct err *);

/* ---- calendar feed tokens (store-feed.c); feed.c holds the rules ---- */
struct feed_token_row;

/* Insert or replace member's row: the SHA-256 of the token, in hex. */
int	store_feed_token_put(struct store *, const char *member,
	    const char *sha256, time_t created, struct err *);
/* Delete member's row; *deleted 1 if there was one. */
int	store_feed_token_delete(struct store *, const char *member,
	    int *deleted, struct err *);
/* Rows whose hash begins as sha256 does (the caller compares it all). */
int	store_feed_token_find(struct store *, const char *sha256,
	    struct feed_token_row **, size_t *, struct err *);

/* ---- the scope of a planning run (store-scope.c) ---- */
/*
 * The teams a scoped run reads, this connection's own: cleared, added one
 * by one, then closed over the series they share with other teams.  The
 * scoped reads (*_scoped) take the sessions whose first team is in it.
 */
int	store_scope_clear(struct store *, struct err *);
int	store_scope_add(struct store *, const char *team, struct err *);
int	store_scope_close(struct store *, struct err *);
/*
 * The teams whose sessions a member's change may touch: their home team,
 * the teams they serve or manage, and the teams of the series they are
 * the psychologist or co-facilitator of.
 */
int	store_member_teams(struct store *, const char *member,
	    void (*)(void *, const char *), void *, struct err *);
/*
 * Every series by slug with the psychologist it wants ("" none); kept
 * till a series or team is written (store-scope.c).
 */
int	store_series_wanted(struct store *,
	    void (*)(void *, const char *slug, const char *psychologist),
	    void *, struct err *);
/*
 * The psychologist bookings of the sessions outside the scope with from
 * <= start < until (covered, or planned and uncovered; not cancelled), by
 * start then series; with psych, only hers: what a scoped run replays
 * in time order.  free() *vp.
 */
struct session_booking;
int	store_session_bookings(struct store *, time_t from, time_t until,
	    const char *psych, struct session_booking **, size_t *,
	    struct err *);
/*
 * The same of every psychologist, a week from Monday from to Monday
 * until, kept between runs if it has rows enough (store_scope_keep_min:
 * tests lower it); *vp is the store's, good until its next call.
 */
int	store_week_bookings(struct store *, time_t from, time_t until,
	    const struct session_booking **, size_t *, struct err *);
void	store_scope_keep_min(size_t rows);
/* The same of the planned ones under cover or uncovered only. */
int	store_session_bookings_covered(struct store *, time_t from,
	    time_t until, struct session_booking **, size_t *, struct err *);
/*
 * What sets the times of day at which a plan may read differently with
 * nothing written (plan-memo.c): each stored session's start and end as
 * UTC seconds of the day (session(arg, secs)); and each series' local
 * start ("YYYY-MM-DDTHH:MM"), its minutes, and whether its rule sets
 * times of its own (BYHOUR, BYMINUTE, BYSECOND) (series(arg, ...)).
 */
int	store_plan_daytimes(struct store *,
	    void (*session)(void *, int64_t secs),
	    void (*series)(void *, const char *start, int minutes,
	    int own_times), void *, struct err *);
/* PRAGMA data_version: moves when another connection commits. */
int	store_data_version(struct store *, int64_t *, struct err *);

/*
 * ---- for store*.c only ----
 * Each store-NOUN.c owns a set of SQL statements: a static array of SQL
 * text indexed by its own enum, published as a struct store_sqlset and
 * listed once in store.c.  store.c prepares every set at open (after the
 * migrations) and finalises them at close.  To add store-teams.c: add
 * STORE_SET_TEAMS below, define store_teams_sqlset there and add it to the
 * table in store.c.  sqlite3_stmt is only named here, never used.
 */
struct sqlite3_stmt;

enum store_set {
	STORE_SET_AUDIT = 0,
	STORE_SET_OUTBOX,
	STORE_SET_PEOPLE,
	STORE_SET_CASES,
	STORE_SET_SESSIONS,
	STORE_SET_MAIL,
	STORE_SET_PRESENTATIONS,
	STORE_SET_FEED,
	STORE_SET_SCOPE,
	STORE_NSETS
};

struct store_sqlset {
	const char		 *name;
	const char *const	 *sql;
	size_t			  n;
};

extern const struct store_sqlset store_audit_sqlset;
extern const struct store_sqlset store_outbox_sqlset;
extern const struct store_sqlset store_people_sqlset;
extern const struct store_sqlset store_cases_sqlset;
extern const struct store_sqlset store_sessions_sqlset;
extern const struct store_sqlset store_mail_sqlset;
extern const struct store_sqlset store_presentations_sqlset;
extern const struct store_sqlset store_feed_sqlset;
extern const struct store_sqlset store_scope_sqlset;

/* A session's first team (its teams column is "a,b"), as indexed. */
#define STORE_FIRST_TEAM(t)	t ".first_team"
#define STORE_IN_SCOPE(t) \
	STORE_FIRST_TEAM(t) " IN (SELECT team FROM temp.scope_team)"

/*
 * store-scope.c's state of a connection: made after the statements are
 * prepared (its temp triggers and hooks on db), freed before it closes.
 */
struct sqlite3;
struct store_scope;
struct store_scope *store_scope_open(struct store *, struct sqlite3 *,
	    struct err *);
void	store_scope_free(struct store_scope *);
/*
 * Drop the kept weeks and read temp.scope_team again: a savepoint rolled
 * back, or a statement failed (it may have written some of its rows).
 */
void	store_scope_forget(struct store_scope *);
struct store_scope *store_scope_state(struct store *);

/* The prepared statement idx of a set, reset and with no bindings. */
struct sqlite3_stmt	*store_stmt(struct store *, enum store_set, int idx);
/* Reset and clear the bindings of a statement; NULL-safe. */
void	store_stmt_done(struct sqlite3_stmt *);
/* Log what failed with sqlite3_errmsg; ERR_INTERNAL; returns -1. */
int	store_fail(struct store *, const char *what, struct err *);
/* A text column into a fixed buffer; NULL becomes "". */
void	store_column_copy(struct sqlite3_stmt *, int col, char *buf,
	    size_t size);
/* Bind text; NULL and "" bind SQL NULL, so optional fields read as absent. */
int	store_bind_text(struct sqlite3_stmt *, int idx, const char *);
/*
 * The result of a write: 0 for SQLITE_DONE, ERR_CONFLICT naming what and
 * key for a constraint, else store_fail.
 */
int	store_write_rc(struct store *, int rc, const char *what,
	    const char *key, struct err *);
/* Rows changed by the last statement. */
int	store_changes(struct store *);
/* Rows changed since the connection opened (tests: "nothing written"). */
int64_t	store_total_changes(struct store *);
/*
 * Rows changed since the connection opened that a plan could read: all but
 * the audit's, the outbox's delivery updates and those a caller declares
 * with store_plan_unread (the connection's own scope table).  Equal twice,
 * every plan reads what it read before (plan-memo.c).
 */
int64_t	store_plan_changes(struct store *);
void	store_plan_unread(struct store *, int64_t rows);
/*
 * What the database holds, as numbers of which one moves with every write:
 * which opening of a store this is, the rows it changed (rolled-back ones
 * too) and the file's data version as the last read transaction found it
 * (so another process's commit shows once this one reads again).  Takes
 * no lock.  All three equal twice: nothing was written in between.  people
 * counts only the rows of teams, members and cases this opening wrote: it
 * and serial and data_version equal twice, the organisation is as it was.
 * -1 if it cannot say.
 */
struct store_version {
	uint64_t	 serial;
	int64_t		 changes;
	unsigned int	 data_version;
	int64_t		 people;	/* rows of teams, members, cases */
};
int	store_version(struct store *, struct store_version *);

#endif
