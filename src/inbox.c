/*
 * inbox: reads the replies Maildir ([mail] inbox) and turns each iTIP
 * REPLY into attendance: DECLINED is apologies (the planner then refills
 * a declining presenter's slot and mails the change), ACCEPTED clears
 * them, TENTATIVE is noted; a COUNTER, a stranger's or a stale reply is
 * refused with the reason and other mail ignored.  Each message is read
 * by reflectd-mailread (inbox-read.c: GMime and libical) in a process of
 * its own, so that no message can take the daemon down with a parser.
 * Every message read is moved to cur/ with the S flag and kept, and its
 * verdict is stored under its file name before the move, so a crash
 * between the two re-applies nothing.  One message at a time, and the
 * loop serves everyone else while its reader runs (killed after
 * INBOX_READER_MS); nothing here blocks on the network, and no message,
 * however malformed, may stop the daemon or the reading of the next.
 * Addresses and case references reach the log at debug level only.
 */
/* pipe2 and posix_spawn_file_actions_addclosefrom_np are GNU extensions. */
#define _GNU_SOURCE
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "audit.h"
#include "clock.h"
#include "config.h"
#include "inbox.h"
#include "log.h"
#include "outbox.h"
#include "planner.h"
#include "series.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define INBOX_SCAN_SECS		5	/* the fallback when inotify is quiet */
#define INBOX_BATCH		256	/* names taken from new/ per scan */
#define INBOX_STUCK_MAX		1024
#define INBOX_READER		"reflectd-mailread"
#define INBOX_READER_MS		5000	/* then it is killed */
#define INBOX_REAP_MS		100	/* its output closed, it must end */

#ifndef REFLECTD_LIBEXECDIR
#define REFLECTD_LIBEXECDIR	"/usr/local/libexec/reflectd"
#endif

extern char	**environ;

static struct {
	struct event_base	*base;
	struct store		*store;
	const struct config	*conf;
	char			*path;		/* [mail] inbox, "" none */
	int			 ifd;		/* inotify */
	struct event		*iev;
	struct event		*tick;
	struct event		*step;
	char			**queue;	/* names in new/ to take */
	size_t			 nqueue;
	size_t			 at;
	struct {
		pid_t		 pid;		/* 0: no reader runs */
		int		 fd;		/* its standard output */
		struct event	*ev;
		char		 name[256];	/* the message it reads */
		char		 out[8192];	/* what it said so far */
		size_t		 len;
		double		 deadline;	/* util_ms() */
	} reader;
	char			**stuck;	/* could not be moved */
	size_t			 nstuck;
	int			 inited;
} inbox_g = { .ifd = -1, .reader = { .fd = -1 } };

static int	inbox_watch(struct err *);
static void	inbox_unwatch(void);
static void	inbox_inotify_cb(evutil_socket_t, short, void *);
static void	inbox_tick_cb(evutil_socket_t, short, void *);
static void	inbox_step_cb(evutil_socket_t, short, void *);
static void	inbox_queue_free(void);
static int	inbox_fill(void);
static int	inbox_is_stuck(const char *);
static int	inbox_take(const char *);
static void	inbox_finish(const char *, const struct inbox_reply *);
static const char *inbox_reader_path(void);
static int	inbox_reader_start(const char *, int);
static void	inbox_reader_stop(void);
static void	inbox_reader_reap(int *);
static void	inbox_reader_cb(evutil_socket_t, short, void *);
static int	inbox_apply(const char *, time_t, const struct inbox_reply *,
		    struct inbox_verdict *, struct err *);
static int	inbox_move(const char *);
static int	inbox_mkdirs(const char *, struct err *);

const char *
inbox_state_name(int s)
{
	switch (s) {
	case INBOX_APPLIED:
		return ("applied");
	case INBOX_REFUSED:
		return ("refused");
	default:
		return ("ignored");
	}
}

int
inbox_state_parse(const char *s)
{
	if (s == NULL)
		return (-1);
	if (strcmp(s, "applied") == 0)
		return (INBOX_APPLIED);
	if (strcmp(s, "refused") == 0)
		return (INBOX_REFUSED);
	if (strcmp(s, "ignored") == 0)
		return (INBOX_IGNORED);
	return (-1);
}

const char *
inbox_partstat_name(int p)
{
	switch (p) {
	case INBOX_PS_ACCEPTED:
		return ("accepted");
	case INBOX_PS_DECLINED:
		return ("declined");
	case INBOX_PS_TENTATIVE:
		return ("tentative");
	default:
		return ("");
	}
}

void
inbox_judge(const struct inbox_reply *r, const struct inbox_facts *f,
    time_t now, struct inbox_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->state = INBOX_REFUSED;
	if (r->method == 0) {
		v->state = INBOX_IGNORED;
		snprintf(v->reason, sizeof(v->reason), "%s", r->why[0] != '\0' ?
		    r->why : "not a calendar reply");
		return;
	}
	if (r->method == 2) {
		snprintf(v->reason, sizeof(v->reason), "COUNTER: ask your "
		    "manager to move the session");
		return;
	}
	if (r->nattendees != 1) {
		snprintf(v->reason, sizeof(v->reason), "the reply names %d "
		    "attendees, not one", r->nattendees);
		return;
	}
	if (!f->session_found) {
		snprintf(v->reason, sizeof(v->reason), "unknown session");
		return;
	}
	if (!f->was_sent) {
		snprintf(v->reason, sizeof(v->reason), "not an attendee of "
		    "the session");
		return;
	}
	if (r->from[0] == '\0' || strcmp(r->from, r->attendee) != 0) {
		snprintf(v->reason, sizeof(v->reason), "sender mismatch: From "
		    "is not the attendee");
		return;
	}
	if (r->sequence < f->last_sequence) {
		snprintf(v->reason, sizeof(v->reason), "stale: SEQUENCE %d, "
		    "last sent %d", r->sequence < 0 ? 0 : r->sequence,
		    f->last_sequence);
		return;
	}
	if (!f->still_invited) {
		snprintf(v->reason, sizeof(v->reason), "no longer an attendee "
		    "of the session");
		return;
	}
	if (f->session_state == SESSION_CANCELLED) {
		snprintf(v->reason, sizeof(v->reason), "the session is "
		    "cancelled");
		return;
	}
	if (f->session_end < now - (time_t)INBOX_LATE_DAYS * 86400) {
		snprintf(v->reason, sizeof(v->reason), "too late: the session "
		    "was held more than %d days ago", INBOX_LATE_DAYS);
		return;
	}
	switch (r->partstat) {
	case INBOX_PS_DECLINED:
		v->state = INBOX_APPLIED;
		snprintf(v->reason, sizeof(v->reason), "apologies recorded");
		break;
	case INBOX_PS_ACCEPTED:
		v->state = INBOX_APPLIED;
		snprintf(v->reason, sizeof(v->reason), "expected");
		break;
	case INBOX_PS_TENTATIVE:
		v->state = INBOX_APPLIED;
		snprintf(v->reason, sizeof(v->reason), "tentative: noted, "
		    "nothing changes");
		break;
	default:
		snprintf(v->reason, sizeof(v->reason), "no answer we know "
		    "(PARTSTAT)");
		break;
	}
}

/* ---- the Maildir ---------------------------------------------------- */

static int
inbox_mkdirs(const char *path, struct err *err)
{
	static const char	*sub[] = { "", "/tmp", "/new", "/cur" };
	char			 p[4096];
	size_t			 i;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sub[i]);
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			return (err_set(err, ERR_INVALID, "inbox %s: %s", p,
			    strerror(errno)));
	}
	return (0);
}

int
inbox_init(struct event_base *base, struct store *s,
    const struct config *conf, struct err *err)
{
	inbox_g.base = base;
	inbox_g.store = s;
	inbox_g.conf = conf;
	inbox_g.inited = 1;
	inbox_g.step = event_new(base, -1, 0, inbox_step_cb, NULL);
	inbox_g.tick = event_new(base, -1, EV_PERSIST, inbox_tick_cb, NULL);
	if (inbox_g.step == NULL || inbox_g.tick == NULL)
		return (err_set(err, ERR_INTERNAL, "inbox: no events"));
	return (inbox_watch(err));
}

/* Watch conf->inbox (nothing when empty) and queue what is there. */
static int
inbox_watch(struct err *err)
{
	const char	*path = inbox_g.conf->inbox;
	struct timeval	 tv = { INBOX_SCAN_SECS, 0 };
	char		 p[4096];

	inbox_unwatch();
	free(inbox_g.path);
	inbox_g.path = xstrdup(path != NULL ? path : "");
	if (inbox_g.path[0] == '\0')
		return (0);
	if (inbox_mkdirs(inbox_g.path, err) == -1)
		return (-1);
	snprintf(p, sizeof(p), "%s/new", inbox_g.path);
	if ((inbox_g.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(inbox_g.ifd, p, IN_MOVED_TO | IN_CLOSE_WRITE) ==
	    -1) {
		/* The periodic scan still finds every message. */
		log_warn("inbox: cannot watch %s; scanning every %d s", p,
		    INBOX_SCAN_SECS);
		if (inbox_g.ifd != -1)
			close(inbox_g.ifd);
		inbox_g.ifd = -1;
	} else {
		inbox_g.iev = event_new(inbox_g.base, inbox_g.ifd,
		    EV_READ | EV_PERSIST, inbox_inotify_cb, NULL);
		if (inbox_g.iev != NULL)
			event_add(inbox_g.iev, NULL);
	}
	evtimer_add(inbox_g.tick, &tv);
	log_info("inbox: reading replies from %s", inbox_g.path);
	event_active(inbox_g.step, 0, 0);
	return (0);
}

static void
inbox_unwatch(void)
{
	inbox_reader_stop();
	if (inbox_g.iev != NULL) {
		event_free(inbox_g.iev);
		inbox_g.iev = NULL;
	}
	if (inbox_g.ifd != -1) {
		close(inbox_g.ifd);
		inbox_g.ifd = -1;
	}
	if (inbox_g.tick != NULL)
		evtimer_del(inbox_g.tick);
	inbox_queue_free();
}

void
inbox_reconfigure(const struct config *conf)
{
	struct err	err;

	if (!inbox_g.inited)
		return;
	inbox_g.conf = conf;
	if (strcmp(inbox_g.path != NULL ? inbox_g.path : "",
	    conf->inbox != NULL ? conf->inbox : "") == 0)
		return;
	err_clear(&err);
	if (inbox_watch(&err) == -1)
		log_warnx("%s", err.msg);
}

void
inbox_free(void)
{
	size_t	i;

	inbox_unwatch();
	if (inbox_g.step != NULL)
		event_free(inbox_g.step);
	if (inbox_g.tick != NULL)
		event_free(inbox_g.tick);
	inbox_g.step = inbox_g.tick = NULL;
	for (i = 0; i < inbox_g.nstuck; i++)
		free(inbox_g.stuck[i]);
	free(inbox_g.stuck);
	inbox_g.stuck = NULL;
	inbox_g.nstuck = 0;
	free(inbox_g.path);
	inbox_g.path = NULL;
	inbox_g.inited = 0;
}

static void
inbox_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	char	buf[4096];

	(void)what;
	(void)arg;
	/* Drain the events: what matters is that new/ has something. */
	while (read(fd, buf, sizeof(buf)) > 0)
		continue;
	if (inbox_g.step != NULL)
		event_active(inbox_g.step, 0, 0);
}

static void
inbox_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (inbox_g.nqueue == 0 && inbox_g.step != NULL)
		event_active(inbox_g.step, 0, 0);
}

static void
inbox_queue_free(void)
{
	size_t	i;

	for (i = 0; i < inbox_g.nqueue; i++)
		free(inbox_g.queue[i]);
	free(inbox_g.queue);
	inbox_g.queue = NULL;
	inbox_g.nqueue = inbox_g.at = 0;
}

static int
inbox_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static int
inbox_is_stuck(const char *name)
{
	size_t	i;

	for (i = 0; i < inbox_g.nstuck; i++)
		if (strcmp(inbox_g.stuck[i], name) == 0)
			return (1);
	return (0);
}

/* The names in new/, oldest name first, at most INBOX_BATCH. */
static int
inbox_fill(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 p[4096];
	size_t		 cap = 0;

	inbox_queue_free();
	if (inbox_g.path == NULL || inbox_g.path[0] == '\0')
		return (0);
	snprintf(p, sizeof(p), "%s/new", inbox_g.path);
	if ((d = opendir(p)) == NULL)
		return (0);
	while ((e = readdir(d)) != NULL && inbox_g.nqueue < INBOX_BATCH) {
		if (e->d_name[0] == '.' || inbox_is_stuck(e->d_name))
			continue;
		if (inbox_g.nqueue == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			inbox_g.queue = xreallocarray(inbox_g.queue, cap,
			    sizeof(*inbox_g.queue));
		}
		inbox_g.queue[inbox_g.nqueue++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (inbox_g.nqueue > 1)
		qsort(inbox_g.queue, inbox_g.nqueue, sizeof(*inbox_g.queue),
		    inbox_name_cmp);
	return ((int)inbox_g.nqueue);
}

/*
 * One message per call, the next at another turn of the loop; while a
 * message's reader runs the loop goes on, and its answer takes the next.
 */
static void
inbox_step_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (inbox_g.reader.pid > 0)
		return;		/* its answer takes the next step */
	if (inbox_g.at >= inbox_g.nqueue && inbox_fill() == 0)
		return;
	if (inbox_take(inbox_g.queue[inbox_g.at++]))
		return;
	if (inbox_g.at < inbox_g.nqueue || inbox_fill() > 0)
		event_active(inbox_g.step, 0, 0);
}

/* new/NAME to cur/NAME:2,S (the flags it had, with S). */
static int
inbox_move(const char *name)
{
	char		 from[4096], to[4096], base[1024];
	const char	*info;
	size_t		 n;

	snprintf(from, sizeof(from), "%s/new/%s", inbox_g.path, name);
	if ((info = strstr(name, ":2,")) != NULL) {
		n = (size_t)(info - name);
		snprintf(base, sizeof(base), "%.*s", (int)n, name);
		snprintf(to, sizeof(to), "%s/cur/%s:2,%s%s", inbox_g.path,
		    base, info + 3, strchr(info + 3, 'S') != NULL ? "" : "S");
	} else
		snprintf(to, sizeof(to), "%s/cur/%s:2,S", inbox_g.path, name);
	if (rename(from, to) == -1) {
		if (errno == ENOENT)
			return (0);	/* someone else took it */
		log_warn("inbox: cannot move %s to cur/", name);
		if (inbox_g.nstuck < INBOX_STUCK_MAX) {
			inbox_g.stuck = xreallocarray(inbox_g.stuck,
			    inbox_g.nstuck + 1, sizeof(*inbox_g.stuck));
			inbox_g.stuck[inbox_g.nstuck++] = xstrdup(name);
		}
		return (-1);
	}
	return (0);
}

/*
 * Where reflectd-mailread is: beside this reflectd when it is there (a
 * build tree), else where it is installed.
 */
static const char *
inbox_reader_path(void)
{
	static char	 path[PATH_MAX + sizeof(INBOX_READER) + 1];
	char		 exe[PATH_MAX], *slash;
	ssize_t		 n;

	if (path[0] != '\0')
		return (path);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", exe,
			    INBOX_READER);
			if (access(path, X_OK) == 0)
				return (path);
		}
	}
	snprintf(path, sizeof(path), "%s/%s", REFLECTD_LIBEXECDIR,
	    INBOX_READER);
	return (path);
}

/*
 * Start reflectd-mailread on the message open on fd (its standard input)
 * for name; its answer comes to inbox_reader_cb.  -1 when no reader could
 * be started: the message waits in new/ for the next scan.
 */
static int
inbox_reader_start(const char *name, int fd)
{
	posix_spawn_file_actions_t	 fa;
	struct timeval			 tv = { INBOX_READER_MS / 1000,
					    (INBOX_READER_MS % 1000) * 1000 };
	char				*argv[] = { (char *)INBOX_READER, NULL };
	const char			*path = inbox_reader_path();
	int				 pipefd[2], rc;

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("inbox: pipe");
		return (-1);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	rc = posix_spawn(&inbox_g.reader.pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		log_warnx("inbox: cannot run %s: %s; the message waits in "
		    "new/", path, strerror(rc));
		close(pipefd[0]);
		inbox_g.reader.pid = 0;
		return (-1);
	}
	inbox_g.reader.fd = pipefd[0];
	inbox_g.reader.len = 0;
	inbox_g.reader.deadline = util_ms() + INBOX_READER_MS;
	snprintf(inbox_g.reader.name, sizeof(inbox_g.reader.name), "%s",
	    name);
	inbox_g.reader.ev = event_new(inbox_g.base, pipefd[0],
	    EV_READ | EV_PERSIST, inbox_reader_cb, NULL);
	if (inbox_g.reader.ev == NULL || event_add(inbox_g.reader.ev,
	    &tv) == -1) {
		log_warnx("inbox: cannot wait for %s", path);
		inbox_reader_stop();
		return (-1);
	}
	return (0);
}

/* Kill the reader, if one runs, and forget it: its message waits. */
static void
inbox_reader_stop(void)
{
	if (inbox_g.reader.pid <= 0)
		return;
	kill(inbox_g.reader.pid, SIGKILL);
	inbox_reader_reap(NULL);
}

/*
 * Wait for the reader, which has ended its answer or is killed, and free
 * what watched it; its wait status into status when not NULL.  A reader
 * that closed its output yet runs on is given INBOX_REAP_MS, then killed.
 */
static void
inbox_reader_reap(int *status)
{
	double		deadline = util_ms() + INBOX_REAP_MS;
	pid_t		rc;
	int		st = 0, killed = 0;

	if (inbox_g.reader.ev != NULL)
		event_free(inbox_g.reader.ev);
	inbox_g.reader.ev = NULL;
	if (inbox_g.reader.fd != -1)
		close(inbox_g.reader.fd);
	inbox_g.reader.fd = -1;
	for (;;) {
		rc = waitpid(inbox_g.reader.pid, &st, WNOHANG);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc != 0)
			break;
		if (!killed && util_ms() >= deadline) {
			kill(inbox_g.reader.pid, SIGKILL);
			killed = 1;
		}
		usleep(1000);
	}
	inbox_g.reader.pid = 0;
	if (status != NULL)
		*status = rc == -1 ? -1 : st;
}

/*
 * The reader's answer, a piece at a time: when it ends (or the reader is
 * killed for taking too long or saying too much), judge and apply it.  A
 * reader that fails, is killed or says nothing readable leaves the reply
 * with why set, so the message is kept as unreadable like any other.
 */
static void
inbox_reader_cb(evutil_socket_t fd, short what, void *arg)
{
	struct inbox_reply	 r;
	struct timeval		 tv;
	char			 how[64], name[sizeof(inbox_g.reader.name)];
	ssize_t			 got;
	size_t			 room;
	double			 left;
	int			 status = 0;

	(void)arg;
	how[0] = '\0';
	if (what & EV_TIMEOUT) {
		kill(inbox_g.reader.pid, SIGKILL);
		snprintf(how, sizeof(how), "took over %d ms", INBOX_READER_MS);
	} else {
		room = sizeof(inbox_g.reader.out) - 1 - inbox_g.reader.len;
		got = read(fd, inbox_g.reader.out + inbox_g.reader.len, room);
		if (got == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (got > 0 && (size_t)got < room) {
			inbox_g.reader.len += (size_t)got;
			/* The deadline stands, however it trickles. */
			if ((left = inbox_g.reader.deadline - util_ms()) > 0) {
				tv.tv_sec = (time_t)(left / 1000);
				tv.tv_usec = (suseconds_t)((left - 1000.0 *
				    (double)tv.tv_sec) * 1000);
				event_add(inbox_g.reader.ev, &tv);
				return;
			}
			kill(inbox_g.reader.pid, SIGKILL);
			snprintf(how, sizeof(how), "took over %d ms",
			    INBOX_READER_MS);
		} else if (got > 0) {
			kill(inbox_g.reader.pid, SIGKILL);
			snprintf(how, sizeof(how), "said too much");
		}
	}
	snprintf(name, sizeof(name), "%s", inbox_g.reader.name);
	inbox_reader_reap(&status);
	/* Unless it was killed (how says why), its end and answer tell. */
	if (how[0] != '\0' || status == -1 || WIFSIGNALED(status)) {
		if (how[0] == '\0')
			snprintf(how, sizeof(how), "was killed by signal %d",
			    status == -1 ? 0 : WTERMSIG(status));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		snprintf(how, sizeof(how), "exited %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (inbox_reply_decode(inbox_g.reader.out, inbox_g.reader.len,
	    &r) == -1)
		snprintf(how, sizeof(how), "said nothing readable");
	if (how[0] != '\0') {
		memset(&r, 0, sizeof(r));
		r.sequence = -1;
		snprintf(r.why, sizeof(r.why), "unreadable: the mail reader %s",
		    how);
		log_warnx("inbox: %s: %s %s", name, INBOX_READER, how);
	}
	inbox_finish(name, &r);
	if (inbox_g.step != NULL)
		event_active(inbox_g.step, 0, 0);
}

/*
 * Take one message from new/: 1 when its reader now runs (the answer
 * comes later, and takes the next step), else 0: it was settled at once
 * (already seen, unreadable, too large) or waits for the next scan.
 */
static int
inbox_take(const char *name)
{
	struct inbox_reply	 r;
	struct stat		 st;
	struct err		 err;
	char			 p[4096];
	int			 fd, seen, rc;

	snprintf(p, sizeof(p), "%s/new/%s", inbox_g.path, name);
	err_clear(&err);
	if ((seen = store_inbox_seen(inbox_g.store, name, &err)) == -1) {
		log_warnx("inbox: %s", err.msg);
		return (0);	/* the store is unwell: try again later */
	}
	if (seen) {
		inbox_move(name);
		return (0);
	}
	memset(&r, 0, sizeof(r));
	r.sequence = -1;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return (0);
		snprintf(r.why, sizeof(r.why), "cannot be read: %s",
		    strerror(errno));
	} else if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(r.why, sizeof(r.why), "not a regular file");
	} else if (st.st_size > INBOX_MAX_MESSAGE) {
		snprintf(r.why, sizeof(r.why), "larger than %d bytes",
		    INBOX_MAX_MESSAGE);
	} else {
		rc = inbox_reader_start(name, fd);
		close(fd);
		return (rc == 0);
	}
	if (fd != -1)
		close(fd);
	inbox_finish(name, &r);
	return (0);
}

/* Judge and apply what a message says, then move it to cur/. */
static void
inbox_finish(const char *name, const struct inbox_reply *r)
{
	struct inbox_verdict	v;
	struct err		err;

	err_clear(&err);
	if (inbox_apply(name, clock_now(), r, &v, &err) == -1) {
		log_warnx("inbox: %s: %s; it stays in new/", name, err.msg);
		return;
	}
	log_info("inbox: %s %s%s%s", name, inbox_state_name(v.state),
	    v.state == INBOX_APPLIED ? "" : ": ",
	    v.state == INBOX_APPLIED ? "" : v.reason);
	log_debug("inbox: %s from %s about %s: %s", name, r->from, r->uid,
	    v.reason);
	inbox_move(name);
}

/*
 * Judge against the store and apply, with the message's row, in one
 * transaction; a replan in it refills a declining presenter's slot.
 */
static int
inbox_apply(const char *name, time_t now, const struct inbox_reply *r,
    struct inbox_verdict *v, struct err *err)
{
	struct inbox_facts	 f;
	struct inbox_row	 row;
	struct session_attendee	*att = NULL;
	size_t			 natt = 0, i;
	struct planner_scope	 scope;
	char			*line = NULL, user[INBOX_ADDR_MAX + 8];
	int			 cancelled = 0, apologies = 0, replan = 0;

	memset(&f, 0, sizeof(f));
	memset(&row, 0, sizeof(row));
	if (store_begin(inbox_g.store, err) == -1)
		return (-1);
	if (r->method != 0 && r->uid[0] != '\0') {
		if ((f.session_found = store_session_by_uid(inbox_g.store,
		    r->uid, row.session, &f.session_state, &f.session_end,
		    err)) == -1)
			goto fail;
		if (f.session_found && r->attendee[0] != '\0') {
			if ((f.was_sent = store_invitation_by_addr(
			    inbox_g.store, row.session, r->attendee,
			    row.member, &f.last_sequence, &cancelled,
			    err)) == -1)
				goto fail;
			f.still_invited = f.was_sent && !cancelled;
		}
	}
	inbox_judge(r, &f, now, v);
	snprintf(row.file, sizeof(row.file), "%s", name);
	row.received = now;
	snprintf(row.from, sizeof(row.from), "%s", r->from);
	snprintf(row.partstat, sizeof(row.partstat), "%s",
	    inbox_partstat_name(r->partstat));
	row.state = v->state;
	snprintf(row.reason, sizeof(row.reason), "%s", v->reason);
	if (!f.was_sent)
		row.member[0] = '\0';
	if (v->state == INBOX_APPLIED && r->partstat != INBOX_PS_TENTATIVE) {
		if (store_attendees_get(inbox_g.store, row.session, &att,
		    &natt, err) == -1)
			goto fail;
		for (i = 0; i < natt; i++)
			if (strcmp(att[i].member, row.member) == 0)
				apologies = att[i].attendance ==
				    ATTEND_APOLOGIES;
		free(att);
		if (r->partstat == INBOX_PS_DECLINED && !apologies) {
			if (store_attendance_set(inbox_g.store, row.session,
			    row.member, attendance_name(ATTEND_APOLOGIES),
			    err) == -1)
				goto fail;
			replan = 1;
		} else if (r->partstat == INBOX_PS_ACCEPTED && apologies) {
			if (store_attendance_set(inbox_g.store, row.session,
			    row.member, NULL, err) == -1)
				goto fail;
			replan = 1;
		}
	}
	if (store_inbox_add(inbox_g.store, &row, err) == -1)
		goto fail;
	if (v->state == INBOX_APPLIED) {
		snprintf(user, sizeof(user), "reply:%s", r->from);
		xasprintf(&line, "session attend %s member=%s status=%s",
		    row.session, row.member, r->partstat ==
		    INBOX_PS_DECLINED ? "apologies" : r->partstat ==
		    INBOX_PS_ACCEPTED ? "expected" : "tentative");
		if (audit_add(inbox_g.store, user, line, err) == -1)
			goto fail;
	}
	if (replan) {
		/* Apologies change that session's teams' presenters only. */
		planner_scope_init(&scope);
		if (planner_scope_session(&scope, inbox_g.store, row.session, 0,
		    err) == -1 || planner_replan(&scope, NULL, err) == -1) {
			planner_scope_free(&scope);
			goto fail;
		}
		planner_scope_free(&scope);
	}
	if (store_commit(inbox_g.store, err) == -1)
		goto out;
	free(line);
	if (replan) {
		outbox_kick();
		planner_rearm();
	}
	return (0);
fail:
	store_rollback(inbox_g.store);
out:
	free(line);
	return (-1);
}
