/*
 * SMTP delivery with libesmtp, called only by the mailer worker thread:
 * one connection carries a whole batch of jobs, each job one message to
 * one recipient.  It never touches SQLite, the event loop or the logger's
 * main-thread state, and never logs the password.
 */
#ifndef REFLECTD_SMTP_H
#define REFLECTD_SMTP_H

#include <stddef.h>

struct mailer_job;

struct smtp_params {
	const char	*host;
	int		 port;
	int		 starttls;	/* enum starttls_mode */
	const char	*user;		/* "" for no AUTH */
	const char	*password_file;	/* "" when unset */
	long		 timeout;	/* seconds per protocol phase */
};

/* Called once per job when its result is final; the job is the callee's. */
typedef void (*smtp_report_cb)(struct mailer_job *, void *arg);

/*
 * Send n jobs in one SMTP session and set each job's status and error:
 * 2xx MAILER_OK; 4xx, refused connections, time-outs and TLS trouble
 * MAILER_TEMPFAIL; 5xx MAILER_PERMFAIL.  With starttls required (or yes
 * with a user: AUTH only inside TLS) and no STARTTLS offered, nothing is
 * sent and every job fails temporarily.  A job the session ended before
 * answering gets the cause in words ("no greeting in 30 s", "certificate
 * for HOST not trusted (...)", the server's refusal) and relay_failed.
 * Each job is passed to report as soon as the server has answered its
 * data (so the caller may journal it before the next one is sent), the
 * rest when the session ends; smtp_deliver does not touch a job after
 * reporting it.
 */
void	smtp_deliver(const struct smtp_params *, struct mailer_job **,
	    size_t n, smtp_report_cb report, void *arg);

/* Pure: enum mailer_status for an SMTP reply code (0: no reply). */
int	smtp_status_of(int code);

/*
 * Read the first line of a password file into buf.  Refuses a file that
 * group or others may read, or that is not a regular file.  0 ok, -1 with
 * errbuf filled (the password is never copied into errbuf).
 */
int	smtp_password_read(const char *path, char *buf, size_t len,
	    char *errbuf, size_t errlen);

#endif
