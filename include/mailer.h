/*
 * The delivery worker: one thread, fed through a socketpair, that delivers
 * messages by the configured transport (maildir or SMTP) and reports each
 * result back to the main thread.  It never touches SQLite and never
 * blocks the event loop.  The delivery journal is its only file of its
 * own: the id of every message a transport accepted is appended to it at
 * once, so a crash before the main thread commits that message as sent
 * does not send it again.
 */
#ifndef REFLECTD_MAILER_H
#define REFLECTD_MAILER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct event_base;
struct config;

enum mailer_status {
	MAILER_OK = 0,
	MAILER_TEMPFAIL,	/* retry later */
	MAILER_PERMFAIL		/* fail at once */
};

struct mailer_job {
	int64_t		 id;		/* outbox row */
	char		*msgid;
	char		*from;		/* envelope sender */
	char		*rcpt;		/* envelope recipient */
	char		*data;		/* RFC 5322, CRLF */
	size_t		 len;
	/* filled by the worker */
	int		 status;	/* enum mailer_status */
	int		 relay_failed;	/* the transport failed as a whole
					   (no connection, TLS, no greeting),
					   not this message */
	int		 journaled;	/* id appended to the journal */
	char		 error[256];
};

/*
 * The delivery journal, STATE_DIR/outbox.journal: one line "ID\n" (the
 * outbox id in decimal) per message a transport accepted, appended with
 * one write(2) on an O_APPEND descriptor and never fsynced: a kill -9
 * keeps the page cache, so the line survives the process.  At start the
 * outbox reads it, records its ids as sent and empties it; while running
 * it is emptied whenever every id in it has been committed as sent.
 */
#define MAILER_JOURNAL	"outbox.journal"

struct mailer_journal;

/* Open (creating, mode 0600) for appending; NULL with err. */
struct mailer_journal *mailer_journal_open(const char *path, struct err *);
void	mailer_journal_close(struct mailer_journal *);
/*
 * Pure: the ids in journal bytes, in order, as an owned array (NULL when
 * none).  A line that is not a positive decimal id ending in a newline
 * (a torn last line, garbage) is skipped.  Returns the count.
 */
size_t	mailer_journal_parse(const char *buf, size_t len, int64_t **ids);
/* Read and parse the journal's ids; a missing file has none.  0 or -1. */
int	mailer_journal_read(const char *path, int64_t **ids, size_t *n,
	    struct err *);
/* Empty the journal now (its ids are committed); 0 or -1. */
int	mailer_journal_truncate(struct mailer_journal *, struct err *);
/* Worker: append one id; 0, or -1 if the line could not be written. */
int	mailer_journal_append(struct mailer_journal *, int64_t id);
/*
 * Main thread: n journaled messages have just been committed as sent.
 * Once every id appended so far is committed the journal is emptied.
 */
void	mailer_journal_committed(struct mailer_journal *, size_t n);

typedef void (*mailer_done_cb)(struct mailer_job *, void *arg);

/*
 * Start the worker; done is called on the main thread for each finished
 * job.  The journal (the caller's; it must outlive mailer_stop) records
 * accepted messages; with NULL, or when a line cannot be written, the
 * worker waits after each accepted message until its job is freed (the
 * main thread frees it once its row is committed) before sending on.
 */
int	mailer_start(struct event_base *, const struct config *,
	    struct mailer_journal *, mailer_done_cb, void *arg, struct err *);
/* Hand a job to the worker (ownership passes until done returns it). */
int	mailer_submit(struct mailer_job *, struct err *);
/* New transport settings, taken by the worker before its next job. */
void	mailer_reconfigure(const struct config *);
/* Finish the job in hand, then stop the thread; unfinished jobs are freed. */
void	mailer_stop(void);
void	mailer_job_free(struct mailer_job *);

#endif
