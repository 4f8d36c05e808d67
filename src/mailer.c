/*
 * The delivery worker.  One thread, fed job pointers through a SEQPACKET
 * socketpair: the main thread writes a job, the worker reads every job
 * that is waiting (so one SMTP connection can carry a batch), delivers
 * them and writes each pointer back; a libevent read event on the main
 * side hands each finished job to the done callback.  The moment a
 * transport accepts a message its id goes to the delivery journal, so
 * the worker sends on at full speed while the main thread commits results
 * in batches, and a kill -9 resends at most the one message in flight.
 * The worker works from its own copy of the transport settings, taken
 * under a mutex, and must never touch SQLite, the event loop, struct
 * config or the logger's callers on the main thread.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "maildir.h"
#include "mailer.h"
#include "smtp.h"
#include "xmalloc.h"

#define MAILER_BATCH	128
/* Seconds libesmtp waits in each phase before the batch is retried. */
#define MAILER_SMTP_TIMEOUT	30
/* Longest wait for the main thread to record an accepted message. */
#define MAILER_ACK_WAIT		10
/* Longest id line the journal parser accepts: 18 digits fit an int64_t. */
#define MAILER_JOURNAL_DIGITS	18

/* What the worker needs from [mail]; owned copies. */
struct mailer_settings {
	int	 transport;
	char	*maildir;
	char	*smtp_host;
	int	 smtp_port;
	int	 starttls;
	char	*smtp_user;
	char	*smtp_password_file;
	unsigned gen;
};

/*
 * lock orders the worker's appends against the main thread's emptying;
 * written and committed count lines since the journal was last emptied.
 */
struct mailer_journal {
	int			 fd;
	pthread_mutex_t		 lock;
	off_t			 size;
	size_t			 written;
	size_t			 committed;
	int			 broken;	/* no more appends */
	int			 failed;	/* a line was not written */
	int			 reported;	/* failed was logged */
};

struct mailer {
	struct event		*ev;
	struct mailer_journal	*journal;
	int			 fd_main;
	int			 fd_worker;
	pthread_t		 thread;
	int			 running;
	mailer_done_cb		 done;
	void			*arg;

	/* lock guards settings, stop and awaiting. */
	pthread_mutex_t		 lock;
	pthread_cond_t		 freed;
	struct mailer_settings	 settings;
	int			 stop;
	/* A sent job the main thread has not yet recorded and freed. */
	struct mailer_job	*awaiting;
};

static struct mailer	*mailer;

static void	 mailer_settings_set(struct mailer_settings *,
		    const struct config *);
static void	 mailer_settings_copy(struct mailer_settings *,
		    const struct mailer_settings *);
static void	 mailer_settings_clear(struct mailer_settings *);
static int	 mailer_stopping(void);
static void	*mailer_worker(void *);
static size_t	 mailer_deliver_batch(struct mailer_settings *,
		    struct mailer_job **, size_t);
static void	 mailer_deliver_smtp(const struct mailer_settings *,
		    struct mailer_job **, size_t);
static void	 mailer_hand_back(struct mailer_job *, void *);
static int	 mailer_journal_job(struct mailer_job *);
static void	 mailer_read(evutil_socket_t, short, void *);
static int	 mailer_send_ptr(int, struct mailer_job *);
static ssize_t	 mailer_recv_ptr(int, int, struct mailer_job **);

static void
mailer_settings_set(struct mailer_settings *s, const struct config *conf)
{
	unsigned	gen = s->gen;

	mailer_settings_clear(s);
	s->transport = conf->transport;
	s->maildir = xstrdup(conf->maildir != NULL ? conf->maildir : "");
	s->smtp_host = xstrdup(conf->smtp_host != NULL ? conf->smtp_host : "");
	s->smtp_port = conf->smtp_port;
	s->starttls = conf->starttls;
	s->smtp_user = xstrdup(conf->smtp_user != NULL ? conf->smtp_user : "");
	s->smtp_password_file = xstrdup(conf->smtp_password_file != NULL ?
	    conf->smtp_password_file : "");
	s->gen = gen + 1;
}

static void
mailer_settings_copy(struct mailer_settings *dst,
    const struct mailer_settings *src)
{
	mailer_settings_clear(dst);
	dst->transport = src->transport;
	dst->maildir = xstrdup(src->maildir);
	dst->smtp_host = xstrdup(src->smtp_host);
	dst->smtp_port = src->smtp_port;
	dst->starttls = src->starttls;
	dst->smtp_user = xstrdup(src->smtp_user);
	dst->smtp_password_file = xstrdup(src->smtp_password_file);
	dst->gen = src->gen;
}

static void
mailer_settings_clear(struct mailer_settings *s)
{
	free(s->maildir);
	free(s->smtp_host);
	free(s->smtp_user);
	free(s->smtp_password_file);
	s->maildir = s->smtp_host = s->smtp_user = NULL;
	s->smtp_password_file = NULL;
}

static int
mailer_send_ptr(int fd, struct mailer_job *job)
{
	ssize_t	n;

	do {
		n = send(fd, &job, sizeof(job), MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	return (n == (ssize_t)sizeof(job) ? 0 : -1);
}

/* 1 a pointer read, 0 nothing waiting (or closed), -1 error. */
static ssize_t
mailer_recv_ptr(int fd, int wait, struct mailer_job **job)
{
	ssize_t	n;

	do {
		n = recv(fd, job, sizeof(*job), wait ? 0 : MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(*job))
		return (1);
	if (n == 0 || (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)))
		return (0);
	return (-1);
}

static int
mailer_stopping(void)
{
	int	stop;

	pthread_mutex_lock(&mailer->lock);
	stop = mailer->stop;
	pthread_mutex_unlock(&mailer->lock);
	return (stop);
}

/*
 * The SMTP transport: every job in the batch goes over one connection.
 * Jobs carry one recipient each, so per-recipient status is per job.
 */
static void
mailer_deliver_smtp(const struct mailer_settings *s, struct mailer_job **jobs,
    size_t n)
{
	struct smtp_params	p;

	memset(&p, 0, sizeof(p));
	p.host = s->smtp_host;
	p.port = s->smtp_port;
	p.starttls = s->starttls;
	p.user = s->smtp_user;
	p.password_file = s->smtp_password_file;
	p.timeout = MAILER_SMTP_TIMEOUT;
	smtp_deliver(&p, jobs, n, mailer_hand_back, NULL);
}

/* Worker: journal an accepted job; 1 if its id is in the journal. */
static int
mailer_journal_job(struct mailer_job *job)
{
	if (job->status != MAILER_OK || mailer->journal == NULL)
		return (0);
	if (mailer_journal_append(mailer->journal, job->id) == -1)
		return (0);
	job->journaled = 1;
	return (1);
}

/*
 * Worker: give a finished job back to the main thread.  A message the
 * server accepted is journaled before the session sends the next one, so
 * a kill -9 mid-batch resends at most one accepted message.  Without a
 * journal line, wait instead until the main thread has recorded it (it
 * frees the job once its row is committed): slower, just as safe.
 */
static void
mailer_hand_back(struct mailer_job *job, void *arg)
{
	struct timespec	deadline;
	int		wait;

	/* Journaled, or not accepted at all: nothing to wait for. */
	wait = job->status == MAILER_OK && !mailer_journal_job(job);
	if (wait) {
		pthread_mutex_lock(&mailer->lock);
		mailer->awaiting = job;
		pthread_mutex_unlock(&mailer->lock);
	}
	if (mailer_send_ptr(mailer->fd_worker, job) == -1) {
		mailer_job_free(job);
		return;
	}
	if (!wait)
		return;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += MAILER_ACK_WAIT;
	pthread_mutex_lock(&mailer->lock);
	while (mailer->awaiting != NULL && !mailer->stop) {
		if (pthread_cond_timedwait(&mailer->freed, &mailer->lock,
		    &deadline) == ETIMEDOUT)
			break;
	}
	mailer->awaiting = NULL;
	pthread_mutex_unlock(&mailer->lock);
}

/*
 * Returns how many jobs were attempted, all of them handed back to the
 * main thread; the rest were never started.
 */
static size_t
mailer_deliver_batch(struct mailer_settings *s, struct mailer_job **jobs,
    size_t n)
{
	char		 errbuf[256];
	size_t		 i, done;

	if (s->transport == TRANSPORT_SMTP) {
		mailer_deliver_smtp(s, jobs, n);
		return (n);
	}
	if (maildir_prepare(s->maildir, errbuf, sizeof(errbuf)) == -1) {
		for (i = 0; i < n; i++) {
			jobs[i]->status = MAILER_TEMPFAIL;
			jobs[i]->relay_failed = 1;
			snprintf(jobs[i]->error, sizeof(jobs[i]->error), "%s",
			    errbuf);
			mailer_hand_back(jobs[i], NULL);
		}
		return (n);
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && mailer_stopping())
			break;
		if (maildir_deliver(s->maildir, jobs[i]->msgid, jobs[i]->data,
		    jobs[i]->len, jobs[i]->error,
		    sizeof(jobs[i]->error)) == 0) {
			jobs[i]->status = MAILER_OK;
			jobs[i]->error[0] = '\0';
			/* Spares a redelivery after a crash, if it can. */
			mailer_journal_job(jobs[i]);
		} else {
			jobs[i]->status = MAILER_TEMPFAIL;
			jobs[i]->relay_failed = 1;
		}
	}
	/* A redelivered Maildir file replaces its first copy: no waiting. */
	done = i;
	for (i = 0; i < done; i++) {
		if (mailer_send_ptr(mailer->fd_worker, jobs[i]) == -1)
			mailer_job_free(jobs[i]);
	}
	return (done);
}

static void *
mailer_worker(void *unused)
{
	struct mailer_settings	 s;
	struct mailer_job	*batch[MAILER_BATCH], *job;
	size_t			 n, i, done;
	ssize_t			 r;

	memset(&s, 0, sizeof(s));
	for (;;) {
		/* Block for one job, then take whatever else is waiting. */
		if ((r = mailer_recv_ptr(mailer->fd_worker, 1, &job)) != 1)
			break;
		n = 0;
		if (job != NULL)
			batch[n++] = job;
		while (n < MAILER_BATCH &&
		    mailer_recv_ptr(mailer->fd_worker, 0, &job) == 1) {
			if (job != NULL)
				batch[n++] = job;
		}
		if (mailer_stopping()) {
			for (i = 0; i < n; i++)
				mailer_job_free(batch[i]);
			break;
		}

		pthread_mutex_lock(&mailer->lock);
		if (s.gen != mailer->settings.gen || s.maildir == NULL)
			mailer_settings_copy(&s, &mailer->settings);
		pthread_mutex_unlock(&mailer->lock);

		done = mailer_deliver_batch(&s, batch, n);
		for (i = done; i < n; i++)
			mailer_job_free(batch[i]);
		if (mailer_stopping())
			break;
	}
	mailer_settings_clear(&s);
	return (NULL);
}

/* Main thread: finished jobs back from the worker. */
static void
mailer_read(evutil_socket_t fd, short what, void *arg)
{
	struct mailer_job	*job;

	while (mailer != NULL && mailer_recv_ptr(fd, 0, &job) == 1) {
		if (job == NULL)
			continue;
		mailer->done(job, mailer->arg);
	}
}

int
mailer_start(struct event_base *base, const struct config *conf,
    struct mailer_journal *journal, mailer_done_cb done, void *arg,
    struct err *err)
{
	int	fds[2];
	char	errbuf[256];

	if (mailer != NULL)
		return (err_set(err, ERR_INTERNAL, "mailer already started"));
	if (conf->transport == TRANSPORT_MAILDIR &&
	    maildir_prepare(conf->maildir, errbuf, sizeof(errbuf)) == -1)
		return (err_set(err, ERR_INTERNAL, "maildir: %s", errbuf));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == -1)
		return (err_set(err, ERR_INTERNAL, "socketpair: %s",
		    strerror(errno)));
	mailer = xcalloc(1, sizeof(*mailer));
	mailer->fd_main = fds[0];
	mailer->fd_worker = fds[1];
	mailer->done = done;
	mailer->arg = arg;
	mailer->journal = journal;
	pthread_mutex_init(&mailer->lock, NULL);
	pthread_cond_init(&mailer->freed, NULL);
	mailer_settings_set(&mailer->settings, conf);
	if (fcntl(mailer->fd_main, F_SETFL, O_NONBLOCK) == -1) {
		err_set(err, ERR_INTERNAL, "fcntl: %s", strerror(errno));
		goto fail;
	}
	mailer->ev = event_new(base, mailer->fd_main, EV_READ | EV_PERSIST,
	    mailer_read, NULL);
	if (mailer->ev == NULL || event_add(mailer->ev, NULL) == -1) {
		err_set(err, ERR_INTERNAL, "cannot add mailer event");
		goto fail;
	}
	if ((errno = pthread_create(&mailer->thread, NULL, mailer_worker,
	    NULL)) != 0) {
		err_set(err, ERR_INTERNAL, "cannot start mailer thread: %s",
		    strerror(errno));
		goto fail;
	}
	mailer->running = 1;
	return (0);
fail:
	mailer_stop();
	return (-1);
}

int
mailer_submit(struct mailer_job *job, struct err *err)
{
	if (mailer == NULL || !mailer->running)
		return (err_set(err, ERR_INTERNAL, "mailer not running"));
	if (mailer_send_ptr(mailer->fd_main, job) == -1)
		return (err_set(err, ERR_INTERNAL, "cannot hand message to "
		    "mailer: %s", strerror(errno)));
	return (0);
}

void
mailer_reconfigure(const struct config *conf)
{
	char	errbuf[256];

	if (mailer == NULL)
		return;
	if (conf->transport == TRANSPORT_MAILDIR &&
	    maildir_prepare(conf->maildir, errbuf, sizeof(errbuf)) == -1)
		log_warnx("maildir: %s", errbuf);
	pthread_mutex_lock(&mailer->lock);
	mailer_settings_set(&mailer->settings, conf);
	pthread_mutex_unlock(&mailer->lock);
}

void
mailer_stop(void)
{
	struct mailer_job	*job;

	if (mailer == NULL)
		return;
	if (mailer->running) {
		pthread_mutex_lock(&mailer->lock);
		mailer->stop = 1;
		pthread_cond_broadcast(&mailer->freed);
		pthread_mutex_unlock(&mailer->lock);
		/* Wake a worker blocked waiting for work. */
		job = NULL;
		if (mailer_send_ptr(mailer->fd_main, job) == -1)
			shutdown(mailer->fd_main, SHUT_WR);
		pthread_join(mailer->thread, NULL);
		mailer->running = 0;
	}
	if (mailer->ev != NULL) {
		event_free(mailer->ev);
		mailer->ev = NULL;
	}
	/* Finished jobs still get their result; the rest are just freed. */
	while (mailer_recv_ptr(mailer->fd_main, 0, &job) == 1) {
		if (job != NULL)
			mailer->done(job, mailer->arg);
	}
	while (mailer_recv_ptr(mailer->fd_worker, 0, &job) == 1)
		mailer_job_free(job);
	close(mailer->fd_main);
	close(mailer->fd_worker);
	pthread_mutex_lock(&mailer->lock);
	mailer_settings_clear(&mailer->settings);
	pthread_mutex_unlock(&mailer->lock);
	pthread_cond_destroy(&mailer->freed);
	pthread_mutex_destroy(&mailer->lock);
	free(mailer);
	mailer = NULL;
}

void
mailer_job_free(struct mailer_job *job)
{
	if (job == NULL)
		return;
	if (mailer != NULL) {
		pthread_mutex_lock(&mailer->lock);
		if (mailer->awaiting == job) {
			mailer->awaiting = NULL;
			pthread_cond_broadcast(&mailer->freed);
		}
		pthread_mutex_unlock(&mailer->lock);
	}
	free(job->msgid);
	free(job->from);
	free(job->rcpt);
	free(job->data);
	free(job);
}

struct mailer_journal *
mailer_journal_open(const char *path, struct err *err)
{
	struct mailer_journal	*j;
	struct stat		 st;
	int			 fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		err_set(err, ERR_INTERNAL, "journal %s: %s", path,
		    strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(err, ERR_INTERNAL, "journal %s: %s", path,
		    S_ISREG(st.st_mode) ? strerror(errno) :
		    "not a regular file");
		close(fd);
		return (NULL);
	}
	j = xcalloc(1, sizeof(*j));
	j->fd = fd;
	j->size = st.st_size;
	pthread_mutex_init(&j->lock, NULL);
	return (j);
}

void
mailer_journal_close(struct mailer_journal *j)
{
	if (j == NULL)
		return;
	close(j->fd);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

size_t
mailer_journal_parse(const char *buf, size_t len, int64_t **idsp)
{
	int64_t		*ids = NULL, v;
	size_t		 n = 0, cap = 0, i = 0, start, digits;

	while (i < len) {
		start = i;
		v = 0;
		while (i < len && buf[i] >= '0' && buf[i] <= '9' &&
		    i - start < MAILER_JOURNAL_DIGITS) {
			v = v * 10 + (buf[i] - '0');
			i++;
		}
		digits = i - start;
		if (i < len && buf[i] == '\n' && digits > 0 && v > 0) {
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				ids = xreallocarray(ids, cap, sizeof(*ids));
			}
			ids[n++] = v;
			i++;
			continue;
		}
		/* Not an id line: skip to the next line. */
		while (i < len && buf[i] != '\n')
			i++;
		if (i < len)
			i++;
	}
	*idsp = ids;
	return (n);
}

int
mailer_journal_read(const char *path, int64_t **ids, size_t *n,
    struct err *err)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;
	int	 fd;

	*ids = NULL;
	*n = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return (0);
		return (err_set(err, ERR_INTERNAL, "journal %s: %s", path,
		    strerror(errno)));
	}
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_set(err, ERR_INTERNAL, "journal %s: %s", path,
			    strerror(errno));
			free(buf);
			close(fd);
			return (-1);
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*n = mailer_journal_parse(buf, len, ids);
	free(buf);
	return (0);
}

int
mailer_journal_truncate(struct mailer_journal *j, struct err *err)
{
	int	rc = 0;

	pthread_mutex_lock(&j->lock);
	if (ftruncate(j->fd, 0) == -1)
		rc = err_set(err, ERR_INTERNAL, "journal: %s",
		    strerror(errno));
	else {
		j->size = 0;
		j->written = j->committed = 0;
	}
	pthread_mutex_unlock(&j->lock);
	return (rc);
}

/*
 * One write per line.  A short write is cut off again, so that the next
 * line cannot run on from a torn one and name another message; if even
 * that fails the journal takes no more lines.
 */
int
mailer_journal_append(struct mailer_journal *j, int64_t id)
{
	char	line[32];
	ssize_t	r;
	int	len, rc = -1;

	len = snprintf(line, sizeof(line), "%" PRId64 "\n", id);
	if (id <= 0 || len <= 0 || len > MAILER_JOURNAL_DIGITS + 1)
		return (-1);
	pthread_mutex_lock(&j->lock);
	if (j->broken)
		goto done;
	do {
		r = write(j->fd, line, (size_t)len);
	} while (r == -1 && errno == EINTR);
	if (r == len) {
		j->size += len;
		j->written++;
		rc = 0;
		goto done;
	}
	j->failed = 1;
	if (r > 0 && ftruncate(j->fd, j->size) == -1)
		j->broken = 1;
done:
	pthread_mutex_unlock(&j->lock);
	return (rc);
}

void
mailer_journal_committed(struct mailer_journal *j, size_t n)
{
	int	failed, report = 0;

	if (j == NULL)
		return;
	pthread_mutex_lock(&j->lock);
	j->committed += n;
	/* Lines of uncommitted messages are still needed: keep them. */
	if (j->committed >= j->written && j->size > 0) {
		if (ftruncate(j->fd, 0) == 0) {
			j->size = 0;
			j->written = j->committed = 0;
		} else
			report = errno;
	}
	failed = j->failed && !j->reported;
	if (failed)
		j->reported = 1;
	pthread_mutex_unlock(&j->lock);
	if (report != 0)
		log_warnx("outbox journal: cannot empty it: %s",
		    strerror(report));
	if (failed)
		log_warnx("outbox journal: a line could not be written; sent "
		    "messages wait for their commit instead (slower)");
}
