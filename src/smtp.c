/*
 * SMTP delivery with libesmtp, run only in the mailer worker thread.  A
 * batch of jobs becomes one session: one connection, one message per job
 * with its single recipient, our stored bytes fed unchanged.  STARTTLS
 * uses our own OpenSSL context (TLS 1.2, peer certificate and host name
 * verified); AUTH takes the password from a file only the daemon's user
 * may read, and is only ever sent inside TLS: with smtp_user set, a
 * server that offers no STARTTLS gets nothing.  Afterwards each job gets
 * the status of its own recipient and transfer, or, when the session
 * ended before its message was answered, the cause in words, from what
 * the session saw: the connection, the greeting, the server's last
 * refusal, the certificate check, a time-out.  This module must not touch
 * SQLite, the event loop or struct config, and must never log or keep the
 * password.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"

#ifdef HAVE_LIBSSL
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif
#include <openssl/err.h>
#include <openssl/x509.h>
#include <auth-client.h>
#include <libesmtp.h>

#include "config.h"
#include "mailer.h"
#include "smtp.h"
#include "xmalloc.h"

#define SMTP_PASSWORD_MAX	512
#define SMTP_LINE_MAX		160

struct smtp_batch {
	char		 user[256];
	char		 password[SMTP_PASSWORD_MAX];
	/* The first TLS or extension problem libesmtp reported. */
	char		 note[200];
	/* Why the certificate was refused, from our verify callback. */
	char		 tls_error[200];
	const char	*host;		/* smtp_host: the certificate's name */
	long		 timeout;

	/*
	 * What the protocol monitor saw.  Only the server's side is kept:
	 * our side carries the AUTH credentials.  refusal is the server's
	 * latest 4xx or 5xx reply line, cleared by a 250.
	 */
	int		 connected;
	int		 greeted;
	int		 starttls_sent;
	int		 tls_started;	/* 220 to our STARTTLS */
	int		 tls_ok;
	int		 awaiting;	/* wrote since the last reply */
	struct timespec	 t_connect;
	struct timespec	 t_write;
	char		 line[SMTP_LINE_MAX];
	size_t		 linelen;
	char		 refusal[SMTP_LINE_MAX];

	struct mailer_job	**jobs;
	smtp_message_t		 *msgs;
	smtp_recipient_t	 *rcpts;
	unsigned char		 *reported;
	size_t			  n;
	smtp_report_cb		  report;
	void			 *arg;
};

static const char	*smtp_message_cb(void **, int *, void *);
static void		 smtp_event_cb(smtp_session_t, int, void *, ...);
static void		 smtp_monitor_cb(const char *, int, int, void *);
static void		 smtp_monitor_line(struct smtp_batch *);
static long		 smtp_since(const struct timespec *);
static void		 smtp_session_error(struct smtp_batch *, int,
			    const char *, char *, size_t);
static int		 smtp_interact(auth_client_request_t, char **, int,
			    void *);
static void		 smtp_note(struct smtp_batch *, const char *);
static void		 smtp_sent(struct smtp_batch *, smtp_message_t);
static void		 smtp_fail_all(struct mailer_job **, size_t, int,
			    const char *);
static void		 smtp_job_status(struct mailer_job *,
			    const smtp_status_t *);
static void		 smtp_job_result(struct mailer_job *, smtp_message_t,
			    smtp_recipient_t, const char *);
#ifdef HAVE_LIBSSL
static int		 smtp_verify_cb(int, X509_STORE_CTX *);
static SSL_CTX		*smtp_tls_ctx(struct smtp_batch *, char *, size_t);
#endif

int
smtp_status_of(int code)
{
	if (code >= 200 && code < 300)
		return (MAILER_OK);
	if (code >= 500 && code < 600)
		return (MAILER_PERMFAIL);
	return (MAILER_TEMPFAIL);
}

int
smtp_password_read(const char *path, char *buf, size_t len, char *errbuf,
    size_t errlen)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, rc = -1;

	if (len == 0)
		return (-1);
	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(errbuf, errlen, "smtp_password_file %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(errbuf, errlen, "smtp_password_file %s: %s", path,
		    strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "smtp_password_file %s: not a "
		    "regular file", path);
		goto done;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(errbuf, errlen, "smtp_password_file %s: refused, "
		    "group or others may read it (chmod 600)", path);
		goto done;
	}
	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(errbuf, errlen, "smtp_password_file %s: %s",
			    path, strerror(errno));
			explicit_bzero(buf, len);
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		snprintf(errbuf, errlen, "smtp_password_file %s: empty", path);
		goto done;
	}
	rc = 0;
done:
	close(fd);
	return (rc);
}

/*
 * libesmtp asks for the message in chunks; ours is one buffer.  A call
 * with len NULL rewinds.  The state lives in *ctx, which libesmtp frees.
 */
static const char *
smtp_message_cb(void **ctx, int *len, void *arg)
{
	struct mailer_job	*job = arg;
	int			*given;

	if (*ctx == NULL)
		*ctx = xcalloc(1, sizeof(int));
	given = *ctx;
	if (len == NULL) {
		*given = 0;
		return (NULL);
	}
	if (*given || job->len > INT_MAX) {
		*len = 0;
		return (NULL);
	}
	*given = 1;
	*len = (int)job->len;
	return (job->data);
}

static void
smtp_note(struct smtp_batch *b, const char *msg)
{
	if (b->note[0] == '\0')
		snprintf(b->note, sizeof(b->note), "%s", msg);
}

/*
 * Certificate events come only after OpenSSL has verified the chain and
 * smtp_host against our context (a refusal there ends the handshake, and
 * smtp_verify_cb says why).  libesmtp then checks the name again, but
 * against the resolver's canonical name and DNS names only, so it would
 * refuse a certificate for an IP address that OpenSSL rightly accepted:
 * that second opinion is overruled.  Every other event leaves libesmtp's
 * "accept anyway" answer at its default, which is no: the session ends
 * and the batch is retried.
 */
static void
smtp_event_cb(smtp_session_t session, int event, void *arg, ...)
{
	struct smtp_batch	*b = arg;
	va_list			 ap;
#ifdef HAVE_LIBSSL
	int			*ok;
#endif

	switch (event) {
	case SMTP_EV_CONNECT:
		b->connected = 1;
		b->greeted = b->awaiting = 0;
		clock_gettime(CLOCK_MONOTONIC, &b->t_connect);
		break;
	case SMTP_EV_MESSAGESENT:
		va_start(ap, arg);
		smtp_sent(b, va_arg(ap, smtp_message_t));
		va_end(ap);
		break;
	case SMTP_EV_STARTTLS_OK:
		b->tls_ok = 1;
		break;
	case SMTP_EV_EXTNA_STARTTLS:
		if (b->user[0] != '\0')
			smtp_note(b, "the server does not offer STARTTLS, and "
			    "AUTH is sent only inside TLS; nothing sent");
		else
			smtp_note(b, "the server does not offer STARTTLS and "
			    "starttls = required; nothing sent");
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		smtp_note(b, "STARTTLS: the server's certificate is not "
		    "trusted");
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
		smtp_note(b, "STARTTLS: the server sent no certificate");
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
#ifdef HAVE_LIBSSL
		/* Our context has matched smtp_host already. */
		va_start(ap, arg);
		ok = va_arg(ap, int *);
		va_end(ap);
		*ok = 1;
#else
		smtp_note(b, "STARTTLS: the server's certificate does not "
		    "name smtp_host");
#endif
		break;
	case SMTP_EV_WEAK_CIPHER:
		smtp_note(b, "STARTTLS: cipher too weak");
		break;
	default:
		break;
	}
}

/*
 * Seconds of real time since t, to tell a time-out from a hang-up.  This
 * is the network's time, which libesmtp's own time-outs run on, not the
 * domain time of clock.c (that one --fake-now moves).
 */
static long
smtp_since(const struct timespec *t)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((long)(now.tv_sec - t->tv_sec) -
	    (now.tv_nsec < t->tv_nsec ? 1 : 0));
}

/* One whole line from the server ("250-..." or "421 4.3.2 ..."). */
static void
smtp_monitor_line(struct smtp_batch *b)
{
	char	*l = b->line;
	size_t	 len = b->linelen;

	b->linelen = 0;
	while (len > 0 && (l[len - 1] == '\r' || l[len - 1] == '\n'))
		len--;
	l[len] = '\0';
	if (len < 3 || l[0] < '1' || l[0] > '5' || l[1] < '0' || l[1] > '9' ||
	    l[2] < '0' || l[2] > '9' || (len > 3 && l[3] != ' '))
		return;		/* not the last line of a reply */
	b->awaiting = 0;
	if (b->starttls_sent && !b->tls_started && l[0] == '2' &&
	    l[1] == '2' && l[2] == '0')
		b->tls_started = 1;
	if (l[0] == '4' || l[0] == '5')
		snprintf(b->refusal, sizeof(b->refusal), "%s", l);
	else if (l[0] == '2' && l[1] == '5' && l[2] == '0')
		b->refusal[0] = '\0';
}

/*
 * libesmtp's protocol monitor: every command we write and every reply we
 * read, but not the message data.  What we write is only looked at for
 * STARTTLS, never kept: AUTH carries the password.
 */
static void
smtp_monitor_cb(const char *buf, int len, int writing, void *arg)
{
	struct smtp_batch	*b = arg;
	int			 i;

	if (writing == SMTP_CB_WRITING) {
		if (len >= 8 && strncasecmp(buf, "STARTTLS", 8) == 0)
			b->starttls_sent = 1;
		b->awaiting = 1;
		clock_gettime(CLOCK_MONOTONIC, &b->t_write);
		return;
	}
	if (writing != SMTP_CB_READING)
		return;
	if (len > 0)
		b->greeted = 1;
	for (i = 0; i < len; i++) {
		if (b->linelen < sizeof(b->line) - 1)
			b->line[b->linelen++] = buf[i];
		if (buf[i] == '\n')
			smtp_monitor_line(b);
	}
}

/*
 * Why the session ended before a message was answered, in words, for the
 * jobs that got no reply of their own.  ok is smtp_start_session's.
 */
static void
smtp_session_error(struct smtp_batch *b, int ok, const char *server,
    char *buf, size_t len)
{
	char		 why[200];
	unsigned long	 e;

	if (b->tls_error[0] != '\0')
		snprintf(why, sizeof(why), "%s", b->tls_error);
	else if (b->note[0] != '\0')
		snprintf(why, sizeof(why), "%s", b->note);
	else if (b->greeted && b->refusal[0] != '\0')
		snprintf(why, sizeof(why), "%s", b->refusal);
	else if (!b->connected)
		smtp_strerror(smtp_errno(), why, sizeof(why));
	else if (!b->greeted) {
		if (smtp_since(&b->t_connect) >= b->timeout - 1)
			snprintf(why, sizeof(why), "no greeting in %ld s",
			    b->timeout);
		else
			snprintf(why, sizeof(why), "the server closed the "
			    "connection without a greeting");
	} else if (b->tls_started && !b->tls_ok) {
		e = ERR_peek_last_error();
		if (e != 0 && ERR_reason_error_string(e) != NULL)
			snprintf(why, sizeof(why), "STARTTLS: TLS handshake "
			    "failed: %s", ERR_reason_error_string(e));
		else
			snprintf(why, sizeof(why), "STARTTLS: TLS handshake "
			    "failed");
	} else if (b->awaiting && smtp_since(&b->t_write) >= b->timeout - 1)
		snprintf(why, sizeof(why), "no reply in %ld s", b->timeout);
	else if (!ok)
		smtp_strerror(smtp_errno(), why, sizeof(why));
	else
		snprintf(why, sizeof(why), "the connection ended before the "
		    "server answered this message");
	snprintf(buf, len, "smtp %.100s: %.140s", server, why);
}

/* The server answered a message's data: report that job now. */
static void
smtp_sent(struct smtp_batch *b, smtp_message_t m)
{
	const smtp_status_t	*st;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		if (b->msgs[i] == m)
			break;
	}
	if (i == b->n || b->reported[i])
		return;
	st = smtp_message_transfer_status(m);
	if (st == NULL || st->code < 200)
		return;
	smtp_job_result(b->jobs[i], m, b->rcpts[i], "");
	b->reported[i] = 1;
	b->report(b->jobs[i], b->arg);
}

static int
smtp_interact(auth_client_request_t req, char **result, int fields,
    void *arg)
{
	struct smtp_batch	*b = arg;
	static char		 empty[1];
	int			 i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = b->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = b->password;
		else
			result[i] = empty;
	}
	return (1);
}

#ifdef HAVE_LIBSSL
/* The first reason OpenSSL refused the server's certificate, in words. */
static int
smtp_verify_cb(int ok, X509_STORE_CTX *sctx)
{
	struct smtp_batch	*b;
	SSL			*ssl;
	int			 e;

	if (ok)
		return (1);
	ssl = X509_STORE_CTX_get_ex_data(sctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL ||
	    (b = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) == NULL ||
	    b->tls_error[0] != '\0')
		return (0);
	e = X509_STORE_CTX_get_error(sctx);
	if (e == X509_V_ERR_HOSTNAME_MISMATCH ||
	    e == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(b->tls_error, sizeof(b->tls_error),
		    "STARTTLS: certificate does not name %.100s", b->host);
	else
		snprintf(b->tls_error, sizeof(b->tls_error),
		    "STARTTLS: certificate for %.100s not trusted (%s)",
		    b->host, X509_verify_cert_error_string(e));
	return (0);
}

/*
 * Our own context, so the rules do not depend on libesmtp's defaults or a
 * file in the daemon user's home: TLS 1.2, the system's trusted CAs
 * (OpenSSL's default paths, which SSL_CERT_FILE and SSL_CERT_DIR in
 * the environment replace), and the certificate must name smtp_host, as
 * a DNS name or, for an address literal, an IP address.
 */
static SSL_CTX *
smtp_tls_ctx(struct smtp_batch *b, char *errbuf, size_t errlen)
{
	SSL_CTX			*ctx;
	X509_VERIFY_PARAM	*param;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	int			 rc;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto fail;
	/*
	 * Not 1.3: its session tickets arrive after the handshake, and when
	 * they come before libesmtp has flushed the EHLO that follows
	 * STARTTLS, libesmtp waits for the reply to an EHLO it has not sent
	 * (libesmtp 1.1 reads before it writes when the socket is both
	 * readable and writable) and the session stalls until its time-out.
	 */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_default_verify_paths(ctx) != 1)
		goto fail;
	SSL_CTX_set_app_data(ctx, b);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, smtp_verify_cb);
	param = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (inet_pton(AF_INET, b->host, &a4) == 1 ||
	    inet_pton(AF_INET6, b->host, &a6) == 1)
		rc = X509_VERIFY_PARAM_set1_ip_asc(param, b->host);
	else
		rc = X509_VERIFY_PARAM_set1_host(param, b->host, 0);
	if (rc != 1)
		goto fail;
	return (ctx);
fail:
	snprintf(errbuf, errlen, "cannot set up TLS: %s",
	    ERR_reason_error_string(ERR_peek_last_error()) != NULL ?
	    ERR_reason_error_string(ERR_peek_last_error()) : "unknown error");
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return (NULL);
}
#endif

static void
smtp_fail_all(struct mailer_job **jobs, size_t n, int status,
    const char *msg)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		jobs[i]->status = status;
		jobs[i]->relay_failed = 1;
		snprintf(jobs[i]->error, sizeof(jobs[i]->error), "%s", msg);
	}
}

/* The server's reply as "451 4.3.0 try later", on one line. */
static void
smtp_job_status(struct mailer_job *job, const smtp_status_t *st)
{
	const char	*text = st->text != NULL ? st->text : "";
	size_t		 len, i;

	job->status = smtp_status_of(st->code);
	job->relay_failed = 0;
	if (st->enh_class > 0 && strchr(text, '.') == NULL)
		snprintf(job->error, sizeof(job->error), "%d %d.%d.%d %s",
		    st->code, st->enh_class, st->enh_subject, st->enh_detail,
		    text);
	else
		snprintf(job->error, sizeof(job->error), "%d %s", st->code,
		    text);
	len = strlen(job->error);
	for (i = 0; i < len; i++) {
		if (job->error[i] == '\r' || job->error[i] == '\n')
			job->error[i] = ' ';
	}
	while (len > 0 && job->error[len - 1] == ' ')
		job->error[--len] = '\0';
	if (job->status == MAILER_OK)
		job->error[0] = '\0';
}

/* The first reply that decided this message's fate. */
static void
smtp_job_result(struct mailer_job *job, smtp_message_t m, smtp_recipient_t r,
    const char *session_error)
{
	const smtp_status_t	*st;

	st = smtp_reverse_path_status(m);
	if (st != NULL && st->code >= 400) {
		smtp_job_status(job, st);
		return;
	}
	st = smtp_recipient_status(r);
	if (st != NULL && st->code >= 300) {
		smtp_job_status(job, st);
		return;
	}
	if (st != NULL && st->code >= 200) {
		st = smtp_message_transfer_status(m);
		if (st != NULL && st->code >= 200) {
			smtp_job_status(job, st);
			return;
		}
	}
	job->status = MAILER_TEMPFAIL;
	job->relay_failed = 1;
	snprintf(job->error, sizeof(job->error), "%s", session_error);
}

void
smtp_deliver(const struct smtp_params *p, struct mailer_job **jobs, size_t n,
    smtp_report_cb report, void *arg)
{
	struct smtp_batch	*b;
	smtp_session_t		 session = NULL;
	smtp_message_t		*msgs = NULL;
	smtp_recipient_t	*rcpts = NULL;
	auth_context_t		 auth = NULL;
#ifdef HAVE_LIBSSL
	SSL_CTX			*ctx = NULL;
#endif
	char			 server[300], errbuf[256], session_error[256];
	size_t			 i;
	int			 ok, which, auth_inited = 0;
	enum starttls_option	 tls;

	if (n == 0)
		return;
	b = xcalloc(1, sizeof(*b));
	b->jobs = jobs;
	b->n = n;
	b->report = report;
	b->arg = arg;
	b->reported = xcalloc(n, 1);
	b->msgs = msgs = xcalloc(n, sizeof(*msgs));
	b->rcpts = rcpts = xcalloc(n, sizeof(*rcpts));
	b->host = p->host;
	b->timeout = p->timeout;
	smtp_fail_all(jobs, n, MAILER_TEMPFAIL, "not attempted");

	/* The configuration refuses this; never send a password in clear. */
	if (p->user[0] != '\0' && p->starttls == STARTTLS_NO) {
		smtp_fail_all(jobs, n, MAILER_TEMPFAIL, "smtp_user is set and "
		    "starttls = no: AUTH is sent only inside TLS; nothing "
		    "sent");
		goto done;
	}
	if (p->user[0] != '\0') {
		if (smtp_password_read(p->password_file, b->password,
		    sizeof(b->password), errbuf, sizeof(errbuf)) == -1) {
			smtp_fail_all(jobs, n, MAILER_TEMPFAIL, errbuf);
			goto done;
		}
		snprintf(b->user, sizeof(b->user), "%s", p->user);
	}
	if ((session = smtp_create_session()) == NULL) {
		smtp_fail_all(jobs, n, MAILER_TEMPFAIL,
		    "cannot create an SMTP session");
		goto done;
	}
	if (strchr(p->host, ':') != NULL)
		snprintf(server, sizeof(server), "[%s]:%d", p->host, p->port);
	else
		snprintf(server, sizeof(server), "%s:%d", p->host, p->port);
	if (!smtp_set_server(session, server)) {
		smtp_fail_all(jobs, n, MAILER_TEMPFAIL, "bad smtp_host");
		goto done;
	}
	/* libesmtp counts in milliseconds, whatever its manual says. */
	for (which = Timeout_GREETING; which <= Timeout_DATA2; which++)
		smtp_set_timeout(session, which |
		    Timeout_OVERRIDE_RFC2822_MINIMUM, p->timeout * 1000);
	smtp_set_eventcb(session, smtp_event_cb, b);
	smtp_set_monitorcb(session, smtp_monitor_cb, b, 0);

	if (p->starttls != STARTTLS_NO) {
#ifdef HAVE_LIBSSL
		if ((ctx = smtp_tls_ctx(b, errbuf, sizeof(errbuf))) == NULL) {
			smtp_fail_all(jobs, n, MAILER_TEMPFAIL, errbuf);
			goto done;
		}
		smtp_starttls_set_ctx(session, ctx);
#endif
		/* With AUTH, yes means required: no TLS, no password. */
		tls = p->starttls == STARTTLS_REQUIRED || p->user[0] != '\0' ?
		    Starttls_REQUIRED : Starttls_ENABLED;
		smtp_starttls_enable(session, tls);
	}
	if (p->user[0] != '\0') {
		auth_client_init();
		auth_inited = 1;
		if ((auth = auth_create_context()) == NULL) {
			smtp_fail_all(jobs, n, MAILER_TEMPFAIL,
			    "cannot create an AUTH context");
			goto done;
		}
		auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(auth, smtp_interact, b);
		smtp_auth_set_context(session, auth);
	}

	for (i = 0; i < n; i++) {
		if ((msgs[i] = smtp_add_message(session)) == NULL ||
		    !smtp_set_reverse_path(msgs[i], jobs[i]->from) ||
		    !smtp_set_messagecb(msgs[i], smtp_message_cb, jobs[i]) ||
		    (rcpts[i] = smtp_add_recipient(msgs[i],
		    jobs[i]->rcpt)) == NULL) {
			smtp_fail_all(jobs, n, MAILER_TEMPFAIL,
			    "cannot build the SMTP session");
			goto done;
		}
	}

	ok = smtp_start_session(session);
	smtp_session_error(b, ok, server, session_error,
	    sizeof(session_error));
	for (i = 0; i < n; i++) {
		if (b->reported[i])
			continue;
		smtp_job_result(jobs[i], msgs[i], rcpts[i], session_error);
		/* A message a TLS or extension refusal stopped is no 5xx. */
		if ((b->note[0] != '\0' || b->tls_error[0] != '\0') &&
		    jobs[i]->status == MAILER_PERMFAIL)
			jobs[i]->status = MAILER_TEMPFAIL;
	}
done:
	for (i = 0; i < n; i++) {
		if (!b->reported[i]) {
			b->reported[i] = 1;
			report(jobs[i], arg);
		}
	}
	if (session != NULL)
		smtp_destroy_session(session);
	if (auth != NULL)
		auth_destroy_context(auth);
	if (auth_inited)
		auth_client_exit();
#ifdef HAVE_LIBSSL
	SSL_CTX_free(ctx);
#endif
	ERR_clear_error();
	free(msgs);
	free(rcpts);
	free(b->reported);
	explicit_bzero(b, sizeof(*b));
	free(b);
}
