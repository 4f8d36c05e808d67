/*
 * The SQLite store: opens the one connection (WAL, synchronous=FULL,
 * foreign keys), migrates the schema forward by user_version in a single
 * transaction, prepares every statement set once and runs one transaction
 * at a time.  It knows nothing of teams, mail or commands: the store-*.c
 * files hold the SQL of each concern.  Only store*.c include sqlite3.h.
 * Nothing here may exit after start-up: every failure is ERR_INTERNAL and
 * a failed commit leaves the connection usable for reads.  The database
 * and its WAL, shared-memory and journal files are the daemon's user's
 * only (0600, in a 0700 directory), whatever the socket's group is: open
 * tightens what an older install or a wider umask left readable.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define STORE_DBNAME	"reflectd.db"
#define STORE_BUSY_MS	5000
/*
 * SQLite's page cache in KiB.  Its default (2 MiB) is most of what the
 * daemon holds on a borough: the OS page cache keeps the file warm anyway.
 */
#define STORE_CACHE_KIB	"512"
/*
 * The page size a new database is made with (one made before keeps its
 * own).  An invitation is about 9 KB: with 4 KiB pages each took a leaf
 * cell and two overflow pages; with 8 KiB, one overflow page, and a
 * region's first plan writes half the WAL frames (70,000 to 35,000), each
 * a system call or two.
 */
#define STORE_PAGE_SIZE	"8192"

struct store {
	sqlite3		*db;
	sqlite3_stmt	**stmts[STORE_NSETS];
	int		 in_tx;
	int		 version;
	uint64_t	 serial;	/* which store_open, for store_version */
	int64_t		 people;	/* rows of teams, members, cases
					   written (store_version) */
	int64_t		 unplanned;	/* rows written no plan reads
					   (store_plan_changes) */
	int		 exclusive;	/* opened in exclusive locking mode */
	char		*path;
	struct store_scope *scope;	/* store-scope.c's own state */
	/* The WAL's copy back (store_checkpoint_background). */
	sqlite3		*ckpt_db;
	pthread_t	 ckpt_thread;
	pthread_mutex_t	 ckpt_lock;
	pthread_cond_t	 ckpt_cond;
	int		 ckpt_on;
	int		 ckpt_want;
	int		 ckpt_stop;
	unsigned long	 ckpt_done;
	unsigned long	 ckpt_pages;
};

/*
 * The WAL is copied back into the database (a checkpoint) once it holds
 * STORE_WAL_FRAMES pages, as SQLite's own default does; but, once
 * store_checkpoint_background has been called, not inside the commit that
 * crossed the mark, which would delay that change's answer by the copy
 * and its fsync (30 ms here, and a second and more after a region's cold
 * plan): a thread with a connection of its own copies it while the daemon
 * goes on, as WAL mode allows a checkpoint beside readers and a writer.
 */
#define STORE_WAL_FRAMES	1000

static uint64_t	store_opened;

/*
 * Migration i brings user_version i - 1 to i.  Add one by appending a
 * script; never edit one that has shipped.
 */
static const char *const store_migrations[] = {
	NULL,	/* 0: empty database */
	/* 1: foundation */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  command TEXT NOT NULL);"
	"CREATE INDEX audit_at ON audit(at);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  msgid TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  rcpt TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  data BLOB NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  next_attempt INTEGER NOT NULL,"
	"  done_at INTEGER,"
	"  last_error TEXT);"
	"CREATE INDEX outbox_due ON outbox(state, next_attempt);",
	/*
	 * 2: teams, members, absences and cases.  Kinds and roles are stored
	 * by name, dates as 'YYYY-MM-DD' or NULL.  Teams and members refer to
	 * each other (manager, psychologist / home team), so a team is created
	 * first and given its manager later.  Slugs never change: ON UPDATE
	 * RESTRICT; deletes are refused while anything refers to the row.
	 */
	"CREATE TABLE teams ("
	"  slug TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  manager TEXT REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  psychologist TEXT REFERENCES members(slug) ON UPDATE RESTRICT);"
	"CREATE TABLE members ("
	"  slug TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  team TEXT NOT NULL REFERENCES teams(slug) ON UPDATE RESTRICT,"
	"  fte REAL NOT NULL DEFAULT 1.0,"
	"  days INTEGER NOT NULL DEFAULT 31,"
	"  start TEXT,"
	"  \"end\" TEXT,"
	"  \"limit\" REAL,"
	"  login TEXT,"
	"  capacity INTEGER NOT NULL DEFAULT 6,"
	"  over_alerted INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX members_team ON members(team);"
	"CREATE UNIQUE INDEX members_login ON members(login)"
	"  WHERE login IS NOT NULL;"
	"CREATE TABLE absences ("
	"  id INTEGER PRIMARY KEY,"
	"  member TEXT NOT NULL REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  \"from\" TEXT NOT NULL,"
	"  \"to\" TEXT NOT NULL,"
	"  reason TEXT);"
	"CREATE INDEX absences_member ON absences(member);"
	"CREATE TABLE cases ("
	"  ref TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  opened TEXT,"
	"  closed TEXT,"
	"  lead TEXT NOT NULL REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  coworker TEXT REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  flagged INTEGER NOT NULL DEFAULT 0,"
	"  flag_reason TEXT,"
	"  flagged_on TEXT,"
	"  last_discussed TEXT);"
	"CREATE INDEX cases_lead ON cases(lead);"
	"CREATE INDEX cases_coworker ON cases(coworker);"
	"CREATE INDEX cases_closed ON cases(closed);",
	/*
	 * 3: series and the sessions the planner materialises from them.
	 * A series' start is local wall time ('YYYY-MM-DDTHH:MM'); session
	 * times are instants.  Sessions outlive their series (a removed
	 * series keeps its held sessions), so they name it without a
	 * reference and carry its kind.  psychologist NULL = uncovered.
	 */
	"CREATE TABLE series ("
	"  slug TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  rrule TEXT NOT NULL,"
	"  start TEXT NOT NULL,"
	"  duration INTEGER NOT NULL,"
	"  slots INTEGER NOT NULL,"
	"  location TEXT,"
	"  psychologist TEXT REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  cofacilitator TEXT REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE series_teams ("
	"  series TEXT NOT NULL REFERENCES series(slug) ON DELETE CASCADE,"
	"  team TEXT NOT NULL REFERENCES teams(slug) ON UPDATE RESTRICT,"
	"  pos INTEGER NOT NULL,"
	"  PRIMARY KEY (series, team));"
	"CREATE INDEX series_teams_team ON series_teams(team);"
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  series TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  start INTEGER NOT NULL,"
	"  \"end\" INTEGER NOT NULL,"
	"  location TEXT,"
	"  psychologist TEXT,"
	"  cover_reason TEXT,"
	"  state TEXT NOT NULL DEFAULT 'planned',"
	"  manual INTEGER NOT NULL DEFAULT 0,"
	"  uid TEXT NOT NULL,"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  invited INTEGER NOT NULL DEFAULT 0,"
	"  uncovered_alerted INTEGER NOT NULL DEFAULT 0,"
	"  cancel_reason TEXT);"
	"CREATE INDEX sessions_start ON sessions(start);"
	"CREATE INDEX sessions_series ON sessions(series, start);"
	"CREATE INDEX sessions_end ON sessions(state, \"end\");"
	"CREATE TABLE session_attendees ("
	"  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  member TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  PRIMARY KEY (session, member));"
	"CREATE INDEX session_attendees_member ON session_attendees(member);"
	"CREATE TABLE attendance ("
	"  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  member TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  PRIMARY KEY (session, member));"
	"CREATE INDEX attendance_member ON attendance(member);",
	/*
	 * 4: a session names its teams (comma list), so that held and
	 * cancelled sessions stay in their teams' schedules after their
	 * series is removed.
	 */
	"ALTER TABLE sessions ADD COLUMN teams TEXT;"
	"UPDATE sessions SET teams = (SELECT group_concat(team, ',') FROM "
	"  (SELECT team FROM series_teams t WHERE t.series = sessions.series "
	"  ORDER BY pos));",
	/*
	 * 5: what each attendee of a session was last sent (invites.c),
	 * so the mail of a replan is decided by difference.
	 */
	"CREATE TABLE invitations ("
	"  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  member TEXT NOT NULL,"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  hash TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'sent',"
	"  reminded INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (session, member));",
	/*
	 * 6: who presents which case in a group supervision session (how:
	 * rotation, request or pinned; reasons newline-joined), and the
	 * members' requests to present (used_session once honoured).
	 */
	"CREATE TABLE presentations ("
	"  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  slot INTEGER NOT NULL,"
	"  member TEXT NOT NULL,"
	"  case_ref TEXT,"
	"  how TEXT NOT NULL,"
	"  reasons TEXT,"
	"  PRIMARY KEY (session, slot));"
	"CREATE INDEX presentations_member ON presentations(member);"
	"CREATE TABLE requests ("
	"  id INTEGER PRIMARY KEY,"
	"  member TEXT NOT NULL REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  case_ref TEXT,"
	"  asked_on TEXT NOT NULL,"
	"  before TEXT,"
	"  used_session TEXT);"
	"CREATE INDEX requests_member ON requests(member);",
	/*
	 * 7: a session's attendees with their roles from the index alone,
	 * so a replan reads a year of attendees without a table lookup each.
	 */
	"CREATE INDEX session_attendees_role ON "
	"  session_attendees(session, role, member);",
	/*
	 * 8: why a session was moved or cancelled and by whom, for the
	 * mail that says so; and per attendee what their last message said
	 * (time, place, psychologist, presenters, own case), so an update
	 * names what changed, old and new.
	 */
	"ALTER TABLE sessions ADD COLUMN cancelled_by TEXT;"
	"ALTER TABLE sessions ADD COLUMN move_reason TEXT;"
	"ALTER TABLE sessions ADD COLUMN moved_by TEXT;"
	"ALTER TABLE invitations ADD COLUMN sent_start INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE invitations ADD COLUMN sent_end INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE invitations ADD COLUMN sent_location TEXT;"
	"ALTER TABLE invitations ADD COLUMN sent_psychologist TEXT;"
	"ALTER TABLE invitations ADD COLUMN sent_presenters TEXT;"
	"ALTER TABLE invitations ADD COLUMN sent_case TEXT;",
	/*
	 * 9: every message read from the replies inbox (inbox.c), under its
	 * file name, so a restart never applies one twice.
	 */
	"CREATE TABLE inbox ("
	"  id INTEGER PRIMARY KEY,"
	"  file TEXT NOT NULL UNIQUE,"
	"  received INTEGER NOT NULL,"
	"  sender TEXT,"
	"  session TEXT,"
	"  member TEXT,"
	"  partstat TEXT,"
	"  state TEXT NOT NULL,"
	"  reason TEXT);",
	/*
	 * 10: calendar feed tokens (feed.c), one per member: only the
	 * SHA-256 of each token, in hex, found by its first 16 digits.
	 */
	"CREATE TABLE feed_tokens ("
	"  member TEXT PRIMARY KEY"
	"    REFERENCES members(slug) ON UPDATE RESTRICT,"
	"  sha256 TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX feed_tokens_lookup ON "
	"  feed_tokens(substr(sha256, 1, 16));",
	/*
	 * 11: group supervision attended (or missed) before reflectd was in
	 * use, from import attendance, so that gaps are true from day one.
	 */
	"CREATE TABLE attendance_history ("
	"  member TEXT NOT NULL,"
	"  date TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  PRIMARY KEY (member, date));",
	/*
	 * 12: a change replans only the teams it touches (planner.c): the
	 * sessions of a team by their first team (a column computed from
	 * teams, so an index finds them for a set of teams); and every
	 * session's psychologist booking from the index alone, so a scoped
	 * run replays the other teams' bookings without reading their rows.
	 */
	"ALTER TABLE sessions ADD COLUMN first_team TEXT GENERATED ALWAYS "
	"  AS (substr(teams, 1, instr(teams || ',', ',') - 1)) VIRTUAL;"
	"CREATE INDEX sessions_first_team ON sessions(first_team, start);"
	"CREATE INDEX sessions_booking ON sessions(start, state, "
	"  psychologist, \"end\", series, manual, id, first_team);"
	"CREATE INDEX sessions_psychologist ON sessions(psychologist, start);"
	"CREATE INDEX members_role ON members(role);",
	/*
	 * 13: whether a session is covered by someone it did not want (or
	 * uncovered), in sessions_booking too, so that a scoped run reads a
	 * week's bookings from the index alone.
	 */
	"ALTER TABLE sessions ADD COLUMN covered INTEGER GENERATED ALWAYS "
	"  AS (psychologist IS NULL OR "
	"  instr(cover_reason, '; covered by ') > 0) VIRTUAL;"
	"DROP INDEX sessions_booking;"
	"CREATE INDEX sessions_booking ON sessions(start, state, "
	"  psychologist, \"end\", series, manual, id, first_team, covered);",
	/*
	 * 14: fewer b-trees to write per session, as a region's cold plan
	 * writes some 300,000 attendees and 50,000 presentations:
	 * session_attendees and presentations are kept in their keys' order
	 * (WITHOUT ROWID), which makes the first covering for reads by
	 * session and session_attendees_role needless; sessions_start is
	 * the first column of sessions_booking; and a psychologist's
	 * bookings, which a scoped run reads for every psychologist its
	 * teams want, come from sessions_psychologist alone.
	 */
	"CREATE TABLE session_attendees_new ("
	"  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  member TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  PRIMARY KEY (session, member)) WITHOUT ROWID;"
	"INSERT INTO session_attendees_new (session, member, role) "
	"  SELECT session, member, role FROM session_attendees;"
	"DROP TABLE session_attendees;"
	"ALTER TABLE session_attendees_new RENAME TO session_attendees;"
	"CREATE INDEX session_attendees_member ON session_attendees(member);"
	"CREATE TABLE presentations_new ("
	"  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  slot INTEGER NOT NULL,"
	"  member TEXT NOT NULL,"
	"  case_ref TEXT,"
	"  how TEXT NOT NULL,"
	"  reasons TEXT,"
	"  PRIMARY KEY (session, slot)) WITHOUT ROWID;"
	"INSERT INTO presentations_new (session, slot, member, case_ref, how, "
	"  reasons) SELECT session, slot, member, case_ref, how, reasons "
	"  FROM presentations;"
	"DROP TABLE presentations;"
	"ALTER TABLE presentations_new RENAME TO presentations;"
	"CREATE INDEX presentations_member ON presentations(member);"
	"DROP INDEX sessions_start;"
	"DROP INDEX sessions_psychologist;"
	"CREATE INDEX sessions_psychologist ON sessions(psychologist, start, "
	"  state, \"end\", series, manual, id, first_team, covered);",
	/*
	 * 15: the planned sessions under cover or uncovered, which weigh
	 * every psychologist's week: a scoped run reads those of each week
	 * a change touches, a few among a region's five hundred.
	 */
	"CREATE INDEX sessions_covered ON sessions(start, \"end\", state, "
	"  psychologist, series, manual, id, first_team) "
	"  WHERE state = 'planned' AND covered;",
};
#define STORE_VERSION \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])) - 1)

static const struct store_sqlset *const store_sets[STORE_NSETS] = {
	[STORE_SET_AUDIT] = &store_audit_sqlset,
	[STORE_SET_OUTBOX] = &store_outbox_sqlset,
	[STORE_SET_PEOPLE] = &store_people_sqlset,
	[STORE_SET_CASES] = &store_cases_sqlset,
	[STORE_SET_SESSIONS] = &store_sessions_sqlset,
	[STORE_SET_MAIL] = &store_mail_sqlset,
	[STORE_SET_PRESENTATIONS] = &store_presentations_sqlset,
	[STORE_SET_FEED] = &store_feed_sqlset,
	[STORE_SET_SCOPE] = &store_scope_sqlset,
};

static int	store_exec(struct store *, const char *, struct err *);
static int	store_savepoint_sql(struct store *, const char *,
	    const char *, struct err *);
static int	store_mkdir(const char *, struct err *);
static int	store_writable(const char *, const char *, struct err *);
static int	store_connect(struct store *, const char *, int, int *,
	    struct err *);
static void	store_private(const char *, int);
static int	store_migrate(struct store *, struct err *);
static int	store_wal_hook(void *, sqlite3 *, const char *, int);
static void	*store_ckpt_main(void *);
static void	store_ckpt_stop(struct store *);
static void	store_update_hook(void *, int, const char *, const char *,
		    sqlite3_int64);
static int	store_prepare(struct store *, struct err *);
static int	store_user_version(struct store *, int *, struct err *);

static int
store_exec(struct store *s, const char *sql, struct err *err)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("sqlite: %s", msg != NULL ? msg :
		    sqlite3_errmsg(s->db));
		err_set(err, ERR_INTERNAL, "database error: %s",
		    msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

static int
store_mkdir(const char *dir, struct err *err)
{
	struct stat	 st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return (err_set(err, ERR_INTERNAL, "cannot create %s as uid "
		    "%lu: %s", dir, (unsigned long)geteuid(), strerror(errno)));
	if (stat(dir, &st) == -1)
		return (err_set(err, ERR_INTERNAL, "%s: %s", dir,
		    strerror(errno)));
	if (!S_ISDIR(st.st_mode))
		return (err_set(err, ERR_INTERNAL, "%s: not a directory", dir));
	store_private(dir, 1);
	return (0);
}

/*
 * Say what is wrong with a state directory or database file we cannot
 * write, rather than SQLite's "unable to open database file".
 */
static int
store_writable(const char *path, const char *what, struct err *err)
{
	int	 saved;

	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
		return (0);
	saved = errno;
	if (saved == EROFS)
		return (err_set(err, ERR_INTERNAL, "%s: %s: read-only file "
		    "system; the state directory must be writable", path,
		    what));
	return (err_set(err, ERR_INTERNAL, "%s: %s: not writable by uid %lu: "
	    "%s", path, what, (unsigned long)geteuid(), strerror(saved)));
}

/*
 * Take group and other permissions away from one of our own files or
 * directories: a socket-group member must not read the database.
 */
static void
store_private(const char *path, int isdir)
{
	struct stat	st;
	mode_t		mode;

	if (stat(path, &st) == -1 || st.st_uid != geteuid())
		return;
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
		return;
	mode = st.st_mode & (isdir ? 0700 : 0600);
	if (chmod(path, mode) == -1)
		log_warn("%s: cannot make it private (mode %04o)", path,
		    (unsigned int)(st.st_mode & 07777));
	else
		log_info("%s: mode %04o made private (%04o)", path,
		    (unsigned int)(st.st_mode & 07777), (unsigned int)mode);
}

static int
store_user_version(struct store *s, int *version, struct err *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return (store_fail(s, "user_version", err));
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return (store_fail(s, "user_version", err));
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (0);
}

/* All pending migrations and the version bump commit together or not at all. */
static int
store_migrate(struct store *s, struct err *err)
{
	char	*sql = NULL;
	int	 v = 0, i;

	if (store_exec(s, "BEGIN IMMEDIATE", err) == -1)
		return (-1);
	if (store_user_version(s, &v, err) == -1)
		goto fail;
	if (v > STORE_VERSION) {
		err_set(err, ERR_INTERNAL, "database schema version %d is "
		    "newer than this reflectd understands (%d); refusing to "
		    "open it", v, STORE_VERSION);
		goto fail;
	}
	if (v < 0) {
		err_set(err, ERR_INTERNAL, "database schema version %d is "
		    "invalid", v);
		goto fail;
	}
	for (i = v + 1; i <= STORE_VERSION; i++) {
		if (store_exec(s, store_migrations[i], err) == -1)
			goto fail;
	}
	if (v < STORE_VERSION) {
		xasprintf(&sql, "PRAGMA user_version = %d", STORE_VERSION);
		if (store_exec(s, sql, err) == -1)
			goto fail;
		free(sql);
		sql = NULL;
	}
	if (store_exec(s, "COMMIT", err) == -1)
		goto fail;
	if (v < STORE_VERSION)
		log_info("database migrated from schema %d to %d", v,
		    STORE_VERSION);
	s->version = STORE_VERSION;
	return (0);
fail:
	free(sql);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

/*
 * Every statement is compiled once at open, so that a mistake in one stops
 * the daemon at start, and then let go: a compiled statement holds a few
 * KiB, 600 KiB for all of them, and most serve rare commands.  store_stmt
 * compiles each again when it is first used, and keeps it.
 */
static int
store_prepare(struct store *s, struct err *err)
{
	const struct store_sqlset	*set;
	sqlite3_stmt			*st;
	size_t				 i, j;

	for (i = 0; i < STORE_NSETS; i++) {
		set = store_sets[i];
		s->stmts[i] = xcalloc(set->n, sizeof(*s->stmts[i]));
		for (j = 0; j < set->n; j++) {
			if (sqlite3_prepare_v3(s->db, set->sql[j], -1, 0, &st,
			    NULL) != SQLITE_OK) {
				log_warnx("sqlite: prepare %s[%zu]: %s",
				    set->name, j, sqlite3_errmsg(s->db));
				return (err_set(err, ERR_INTERNAL,
				    "cannot prepare %s statement %zu: %s",
				    set->name, j, sqlite3_errmsg(s->db)));
			}
			sqlite3_finalize(st);
		}
	}
	return (0);
}

/*
 * Open the connection and set it up.  exclusive: hold the file lock for
 * the connection's life, which lets SQLite keep the WAL index in memory
 * rather than in a -shm file that a full disk may not have room for.
 * *code is SQLite's extended result code of a failure.
 */
static int
store_connect(struct store *s, const char *path, int exclusive, int *code,
    struct err *err)
{
	int	rc, syserr;

	*code = SQLITE_OK;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*code = rc;
		syserr = s->db != NULL ? sqlite3_system_errno(s->db) : 0;
		err_set(err, ERR_INTERNAL, "cannot open %s: %s%s%s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
		    syserr != 0 ? ": " : "", syserr != 0 ? strerror(syserr) :
		    "");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	sqlite3_wal_hook(s->db, store_wal_hook, s);
	sqlite3_update_hook(s->db, store_update_hook, s);
	if ((exclusive &&
	    store_exec(s, "PRAGMA locking_mode=EXCLUSIVE", err) == -1) ||
	    store_exec(s, "PRAGMA page_size=" STORE_PAGE_SIZE, err) == -1 ||
	    store_exec(s, "PRAGMA journal_mode=WAL", err) == -1 ||
	    store_exec(s, "PRAGMA synchronous=FULL", err) == -1 ||
	    store_exec(s, "PRAGMA foreign_keys=ON", err) == -1 ||
	    store_exec(s, "PRAGMA cache_size=-" STORE_CACHE_KIB, err) == -1) {
		*code = sqlite3_extended_errcode(s->db);
		if (err != NULL) {
			char	*msg = xstrdup(err->msg);

			err_set(err, ERR_INTERNAL, "%s: %s", path, msg);
			free(msg);
		}
		goto fail;
	}
	s->exclusive = exclusive;
	return (0);
fail:
	if (s->db != NULL)
		sqlite3_close(s->db);
	s->db = NULL;
	return (-1);
}

struct store *
store_open(const char *dir, struct err *err)
{
	static const char *const sidecars[] = { "", "-wal", "-shm",
				    "-journal" };
	struct store	*s;
	char		*path, *side;
	size_t		 i;
	int		 code, fd;

	/*
	 * No memory statistics (nothing reads them): with them, every
	 * allocation SQLite makes takes a global mutex, a region's first plan
	 * some six million times.  Only possible before SQLite's first use:
	 * a second store_open (the tests) is told SQLITE_MISUSE, harmlessly.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/*
	 * Nor a first bulk of 20 pages for each connection's cache: the
	 * checkpointer's connection reads a page or two, and 170 KB for it
	 * sat in a borough's 16 MB.  Pages are allocated as they are used.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	if (store_mkdir(dir, err) == -1)
		return (NULL);
	if (store_writable(dir, "state directory", err) == -1)
		return (NULL);
	s = xcalloc(1, sizeof(*s));
	s->serial = ++store_opened;
	xasprintf(&path, "%s/%s", dir, STORE_DBNAME);
	if (access(path, F_OK) == 0) {
		if (store_writable(path, "database", err) == -1)
			goto fail;
	} else if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) != -1)
		close(fd);	/* new and empty: SQLite makes it a database */
	if (store_connect(s, path, 0, &code, err) == -1) {
		/*
		 * A full disk has no room for the WAL index: serve reads from
		 * an exclusive connection, whose index lives in memory.
		 */
		if ((code & 0xff) != SQLITE_IOERR &&
		    (code & 0xff) != SQLITE_FULL)
			goto fail;
		log_warnx("%s; opening the database in exclusive mode (no "
		    "other process can read it until reflectd restarts)",
		    err != NULL ? err->msg : path);
		if (store_connect(s, path, 1, &code, err) == -1)
			goto fail;
	}
	/*
	 * SQLite gives the WAL and shm files the database's mode; an older
	 * install's 0640 files are made 0600.
	 */
	for (i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
		xasprintf(&side, "%s%s", path, sidecars[i]);
		store_private(side, 0);
		free(side);
	}
	/* The teams of a scoped planning run (store-scope.c): this connection's. */
	if (store_migrate(s, err) == -1 ||
	    store_exec(s, "PRAGMA temp_store=MEMORY", err) == -1 ||
	    store_exec(s, "CREATE TEMP TABLE scope_team (team TEXT PRIMARY KEY) "
	    "WITHOUT ROWID", err) == -1 ||
	    store_prepare(s, err) == -1 ||
	    (s->scope = store_scope_open(s, s->db, err)) == NULL) {
		/* Say which file, so the operator knows what to look at. */
		if (err != NULL) {
			char	*msg = xstrdup(err->msg);

			err_set(err, ERR_INTERNAL, "%s: %s", path, msg);
			free(msg);
		}
		goto fail;
	}
	s->path = path;
	return (s);
fail:
	free(path);
	store_close(s);
	return (NULL);
}

/*
 * Each row written to a rowid table: those of the organisation (teams,
 * members, cases) are counted, so that figures read from them alone are
 * known to be current without reading them again.  A rolled-back write
 * counts too, which only costs a read.
 */
static void
store_update_hook(void *arg, int op, const char *db, const char *table,
    sqlite3_int64 rowid)
{
	struct store	*s = arg;

	(void)db;
	(void)rowid;
	if (strcmp(table, "members") == 0 || strcmp(table, "cases") == 0 ||
	    strcmp(table, "teams") == 0)
		s->people++;
	/*
	 * No plan reads the audit, nor how far a message's delivery got
	 * (only whether a Message-ID is queued: inserts and deletes count).
	 */
	else if (strcmp(table, "audit") == 0 ||
	    (op == SQLITE_UPDATE && strcmp(table, "outbox") == 0))
		s->unplanned++;
}

/* After each commit: SQLite's own auto-checkpoint, deferred (above). */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store	*s = arg;

	if (frames < STORE_WAL_FRAMES)
		return (SQLITE_OK);
	if (!s->ckpt_on) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
		return (SQLITE_OK);
	}
	pthread_mutex_lock(&s->ckpt_lock);
	s->ckpt_want = 1;
	pthread_cond_signal(&s->ckpt_cond);
	pthread_mutex_unlock(&s->ckpt_lock);
	return (SQLITE_OK);
}

/* The checkpointer: one PASSIVE copy each time a commit asks. */
static void *
store_ckpt_main(void *arg)
{
	struct store	*s = arg;
	double		 t0;
	int		 rc, frames, done;

	pthread_mutex_lock(&s->ckpt_lock);
	for (;;) {
		while (!s->ckpt_want && !s->ckpt_stop)
			pthread_cond_wait(&s->ckpt_cond, &s->ckpt_lock);
		if (s->ckpt_stop)
			break;
		s->ckpt_want = 0;
		pthread_mutex_unlock(&s->ckpt_lock);
		t0 = util_ms();
		frames = done = 0;
		rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &frames, &done);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warnx("sqlite: checkpoint: %s",
			    sqlite3_errmsg(s->ckpt_db));
		else
			log_debug("store: checkpoint of %d of %d pages in "
			    "%.1f ms", done, frames, util_ms() - t0);
		pthread_mutex_lock(&s->ckpt_lock);
		s->ckpt_done++;
		if (done > 0)
			s->ckpt_pages += (unsigned long)done;
	}
	pthread_mutex_unlock(&s->ckpt_lock);
	return (NULL);
}

int
store_checkpoint_background(struct store *s)
{
	if (s->ckpt_on)
		return (0);
	/* An exclusive connection keeps the WAL's index to itself. */
	if (s->exclusive || s->path == NULL)
		return (-1);
	if (sqlite3_open_v2(s->path, &s->ckpt_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("sqlite: checkpointer: %s", s->ckpt_db != NULL ?
		    sqlite3_errmsg(s->ckpt_db) : "cannot open");
		sqlite3_close(s->ckpt_db);
		s->ckpt_db = NULL;
		return (-1);
	}
	sqlite3_busy_timeout(s->ckpt_db, STORE_BUSY_MS);
	/* Read the header: a connection that has not cannot checkpoint. */
	if (sqlite3_exec(s->ckpt_db, "PRAGMA journal_mode", NULL, NULL,
	    NULL) != SQLITE_OK) {
		log_warnx("sqlite: checkpointer: %s",
		    sqlite3_errmsg(s->ckpt_db));
		sqlite3_close(s->ckpt_db);
		s->ckpt_db = NULL;
		return (-1);
	}
	pthread_mutex_init(&s->ckpt_lock, NULL);
	pthread_cond_init(&s->ckpt_cond, NULL);
	s->ckpt_want = s->ckpt_stop = 0;
	if (pthread_create(&s->ckpt_thread, NULL, store_ckpt_main, s) != 0) {
		log_warn("checkpointer thread");
		pthread_mutex_destroy(&s->ckpt_lock);
		pthread_cond_destroy(&s->ckpt_cond);
		sqlite3_close(s->ckpt_db);
		s->ckpt_db = NULL;
		return (-1);
	}
	s->ckpt_on = 1;
	return (0);
}

unsigned long
store_checkpoints(struct store *s, unsigned long *pages)
{
	unsigned long	n;

	*pages = 0;
	if (!s->ckpt_on)
		return (0);
	pthread_mutex_lock(&s->ckpt_lock);
	n = s->ckpt_done;
	*pages = s->ckpt_pages;
	pthread_mutex_unlock(&s->ckpt_lock);
	return (n);
}

/* The checkpointer stopped and its connection closed; a no-op if none. */
static void
store_ckpt_stop(struct store *s)
{
	if (!s->ckpt_on)
		return;
	pthread_mutex_lock(&s->ckpt_lock);
	s->ckpt_stop = 1;
	pthread_cond_signal(&s->ckpt_cond);
	pthread_mutex_unlock(&s->ckpt_lock);
	pthread_join(s->ckpt_thread, NULL);
	pthread_mutex_destroy(&s->ckpt_lock);
	pthread_cond_destroy(&s->ckpt_cond);
	sqlite3_close(s->ckpt_db);
	s->ckpt_db = NULL;
	s->ckpt_on = 0;
}

int
store_cache_size(struct store *s, int kib)
{
	char	sql[64];

	if (kib <= 0) {
		snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%s",
		    STORE_CACHE_KIB);
		if (store_exec(s, sql, NULL) == -1)
			return (-1);
		/* The clean pages go now, not page by page as others come. */
		sqlite3_db_release_memory(s->db);
		return (0);
	}
	snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", kib);
	return (store_exec(s, sql, NULL));
}

int
store_synchronous(struct store *s, int full)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (full >= 0 && store_exec(s, full ? "PRAGMA synchronous=FULL" :
	    "PRAGMA synchronous=NORMAL", NULL) == -1)
		return (-1);
	if (sqlite3_prepare_v2(s->db, "PRAGMA synchronous", -1, &st,
	    NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (v);
}

void
store_cache_counts(struct store *s, int *miss, int *write, int *spill)
{
	int	hi;

	*miss = *write = *spill = 0;
	sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_MISS, miss, &hi, 1);
	sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_WRITE, write, &hi, 1);
	sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_SPILL, spill, &hi, 1);
}

void
store_close(struct store *s)
{
	size_t	i, j;

	if (s == NULL)
		return;
	if (s->in_tx)
		store_rollback(s);
	store_ckpt_stop(s);
	store_scope_free(s->scope);
	for (i = 0; i < STORE_NSETS; i++) {
		if (s->stmts[i] == NULL)
			continue;
		for (j = 0; j < store_sets[i]->n; j++)
			sqlite3_finalize(s->stmts[i][j]);
		free(s->stmts[i]);
	}
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("sqlite: close: %s", sqlite3_errmsg(s->db));
	free(s->path);
	free(s);
}

int
store_schema_version(struct store *s)
{
	return (s->version);
}

int
store_begin(struct store *s, struct err *err)
{
	if (s->in_tx) {
		log_warnx("store: transaction already open");
		return (err_set(err, ERR_INTERNAL,
		    "transaction already open"));
	}
	if (store_exec(s, "BEGIN IMMEDIATE", err) == -1)
		return (-1);
	s->in_tx = 1;
	return (0);
}

int
store_commit(struct store *s, struct err *err)
{
	if (!s->in_tx)
		return (err_set(err, ERR_INTERNAL, "no transaction open"));
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_warnx("sqlite: commit: %s", sqlite3_errmsg(s->db));
		err_set(err, ERR_INTERNAL, "cannot commit: %s",
		    sqlite3_errmsg(s->db));
		store_rollback(s);
		return (-1);
	}
	s->in_tx = 0;
	return (0);
}

void
store_rollback(struct store *s)
{
	s->in_tx = 0;
	/* SQLite may have rolled back already (disk full, I/O error). */
	if (sqlite3_get_autocommit(s->db))
		return;
	if (sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_warnx("sqlite: rollback: %s", sqlite3_errmsg(s->db));
}

int
store_in_transaction(struct store *s)
{
	return (s->in_tx);
}

/* Names are ours, never a user's, but check them: they go into SQL text. */
static int
store_savepoint_sql(struct store *s, const char *verb, const char *name,
    struct err *err)
{
	char		*sql;
	const char	*p;
	int		 rc;

	if (!s->in_tx)
		return (err_set(err, ERR_INTERNAL, "savepoint %s outside a "
		    "transaction", name));
	if (*name == '\0' || strlen(name) > 32)
		return (err_set(err, ERR_INTERNAL, "bad savepoint name"));
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return (err_set(err, ERR_INTERNAL,
			    "bad savepoint name"));
	}
	xasprintf(&sql, "%s %s", verb, name);
	rc = store_exec(s, sql, err);
	free(sql);
	return (rc);
}

int
store_savepoint(struct store *s, const char *name, struct err *err)
{
	return (store_savepoint_sql(s, "SAVEPOINT", name, err));
}

int
store_release(struct store *s, const char *name, struct err *err)
{
	return (store_savepoint_sql(s, "RELEASE", name, err));
}

int
store_rollback_to(struct store *s, const char *name, struct err *err)
{
	store_scope_forget(s->scope);
	return (store_savepoint_sql(s, "ROLLBACK TO", name, err));
}

struct store_scope *
store_scope_state(struct store *s)
{
	return (s->scope);
}

struct sqlite3_stmt *
store_stmt(struct store *s, enum store_set set, int idx)
{
	sqlite3_stmt	**st = &s->stmts[set][idx];

	/*
	 * Compiled at open already: only memory can fail here, and then the
	 * caller's step on NULL fails as SQLITE_MISUSE, an internal error.
	 */
	if (*st == NULL && sqlite3_prepare_v3(s->db, store_sets[set]->sql[idx],
	    -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		log_warnx("sqlite: prepare %s[%d]: %s", store_sets[set]->name,
		    idx, sqlite3_errmsg(s->db));
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return (*st);
}

void
store_stmt_done(struct sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
store_fail(struct store *s, const char *what, struct err *err)
{
	store_scope_forget(s->scope);
	log_warnx("sqlite: %s: %s", what, sqlite3_errmsg(s->db));
	return (err_set(err, ERR_INTERNAL, "database error (%s): %s", what,
	    sqlite3_errmsg(s->db)));
}

void
store_column_copy(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char	*t;
	size_t			 n;

	buf[0] = '\0';
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return;
	if ((t = sqlite3_column_text(st, col)) == NULL)
		return;
	/* On every row of every planner run: no snprintf here. */
	n = (size_t)sqlite3_column_bytes(st, col);
	if (n >= size)
		n = size - 1;
	memcpy(buf, t, n);
	buf[n] = '\0';
}

int
store_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
	if (text == NULL || *text == '\0')
		return (sqlite3_bind_null(st, idx));
	return (sqlite3_bind_text(st, idx, text, -1, SQLITE_STATIC));
}

int
store_write_rc(struct store *s, int rc, const char *what, const char *key,
    struct err *err)
{
	if (rc == SQLITE_DONE)
		return (0);
	/* What the statement wrote before it failed is undone. */
	store_scope_forget(s->scope);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return (err_set(err, ERR_CONFLICT, "%s: %s is still "
			    "referred to, or refers to something missing",
			    what, key));
		return (err_set(err, ERR_CONFLICT, "%s: %s conflicts with an "
		    "existing one", what, key));
	}
	return (store_fail(s, what, err));
}

int
store_changes(struct store *s)
{
	return (sqlite3_changes(s->db));
}

int64_t
store_total_changes(struct store *s)
{
	return ((int64_t)sqlite3_total_changes64(s->db));
}

int64_t
store_plan_changes(struct store *s)
{
	return ((int64_t)sqlite3_total_changes64(s->db) - s->unplanned);
}

void
store_plan_unread(struct store *s, int64_t rows)
{
	s->unplanned += rows;
}

int
store_version(struct store *s, struct store_version *v)
{
	memset(v, 0, sizeof(*v));
	v->serial = s->serial;
	v->changes = (int64_t)sqlite3_total_changes64(s->db);
	v->people = s->people;
	/* The pager's: no lock taken, moved by the last read's check. */
	return (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_DATA_VERSION,
	    &v->data_version) == SQLITE_OK ? 0 : -1);
}
