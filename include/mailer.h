/*
 * The delivery worker: one thread, fed through a socketpair, that delivers
 * messages by the configured transport (maildir now, SMTP later) and reports
 * each result back to the main thread.  It never touches SQLite and never
 * blocks the event loop.
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
	char		 error[256];
};

typedef void (*mailer_done_cb)(struct mailer_job *, void *arg);

/* Start the worker; done is called on the main thread for each finished job. */
int	mailer_start(struct event_base *, const struct config *, mailer_done_cb,
	    void *arg, struct err *);
/* Hand a job to the worker (ownership passes until done returns it). */
int	mailer_submit(struct mailer_job *, struct err *);
/* New transport settings, taken by the worker before its next job. */
void	mailer_reconfigure(const struct config *);
/* Finish the job in hand, then stop the thread; unfinished jobs are freed. */
void	mailer_stop(void);
void	mailer_job_free(struct mailer_job *);

#endif
