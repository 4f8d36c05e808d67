/*
 * The control socket: a Unix stream listener created under a umask with mode
 * 0660 and the socket group, peer credentials taken at accept, a per-uid
 * connection cap, request framing (one line of at most WORDS_MAX_LINE bytes,
 * then an optional bytes=N body), idle timeouts, and accept paused for a
 * second when the process runs out of descriptors.  Requests go to
 * cmd_execute() in the order they arrive.  Nothing a client sends or does
 * (garbage, huge lines, vanishing mid-request) may make the daemon exit or
 * touch a freed client.
 *
 * Nor may a client hold more than its share (SPEC 10, "Files and limits"):
 * a body is read only once cmd_body_check() has passed its request line
 * and it fits in CONTROL_BODIES_MAX with every other body held, else the
 * line is refused and the connection closed; a request line or body must be
 * whole CONTROL_REQUEST_SECONDS after its first byte, however it trickles
 * in; a connection over the per-uid cap is refused before anything is
 * allocated for it, and the log hears of a uid's refusals once a minute.
 */
/* struct ucred and SO_PEERCRED are GNU extensions in glibc's headers. */
#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "acl.h"
#include "cmd.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "util.h"
#include "words.h"
#include "xmalloc.h"

/* Stop reading a client whose unread replies pile up beyond this. */
#define CONTROL_OUTPUT_MAX	(1024 * 1024)

enum control_state {
	CONTROL_READ_LINE = 0,
	CONTROL_READ_BODY,
	CONTROL_WAIT,		/* its reply comes later (cmd_later) */
	CONTROL_CLOSING		/* last reply queued; close once flushed */
};

/* Log a uid's refusals over the cap at most this often. */
#define CONTROL_QUIET_SECONDS	60
/* uids remembered for that at once; more are refused without a word. */
#define CONTROL_QUIET_MAX	64

struct control_client {
	TAILQ_ENTRY(control_client) entry;
	struct bufferevent	*bev;
	struct event		*deadline;	/* the request's time is up */
	struct acl_peer		 peer;
	int			 state;		/* enum control_state */
	int			 paused;	/* reading stopped: output full */
	struct words		*words;		/* request awaiting its body */
	char			*body;		/* bodylen bytes, bodygot in */
	size_t			 bodylen;
	size_t			 bodygot;
	struct cmd_later	*later;		/* CONTROL_WAIT: the reply's */
	double			 waited;	/* since, util_ms */
};

TAILQ_HEAD(control_clients, control_client);

/* A uid refused over its cap: said once, then counted for a minute. */
struct control_quiet {
	TAILQ_ENTRY(control_quiet) entry;
	struct event		*ev;
	uid_t			 uid;
	unsigned long		 refused;	/* since the last log line */
};

TAILQ_HEAD(control_quiets, control_quiet);

static struct control_clients	 control_list =
    TAILQ_HEAD_INITIALIZER(control_list);
static int			 control_nclients;
static struct evconnlistener	*control_listener;
static struct event		*control_resume_ev;
static struct event_base	*control_base;
static char			*control_path;
static dev_t			 control_dev;
static ino_t			 control_ino;
static int			 control_accepting;
static size_t			 control_bodies;	/* reserved */
static struct control_quiets	 control_quiet_list =
    TAILQ_HEAD_INITIALIZER(control_quiet_list);
static int			 control_nquiet;

static int	control_mkdirs(const char *, struct err *);
static int	control_check_stale(const char *, struct err *);
static void	control_set_group(const char *, const char *);
static void	control_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	control_accept_error(struct evconnlistener *, void *);
static void	control_resume(evutil_socket_t, short, void *);
static int	control_uid_count(uid_t);
static void	control_refuse(evutil_socket_t, uid_t);
static void	control_quiet_note(uid_t);
static void	control_quiet_expire(evutil_socket_t, short, void *);
static void	control_quiet_free(struct control_quiet *);
static void	control_read(struct bufferevent *, void *);
static void	control_write(struct bufferevent *, void *);
static void	control_event(struct bufferevent *, short, void *);
static void	control_process(struct control_client *);
static void	control_request(struct control_client *, struct evbuffer *,
		    size_t);
static void	control_execute(struct control_client *, const char *, size_t);
static void	control_later_done(void *, json_t *);
static void	control_reply(struct control_client *, json_t *, int);
static void	control_reply_error(struct control_client *, enum err_code,
		    const char *);
static void	control_close_after_reply(struct control_client *);
static void	control_deadline_start(struct control_client *);
static void	control_deadline(evutil_socket_t, short, void *);
static void	control_forget_request(struct control_client *);
static void	control_client_free(struct control_client *);

int
control_init(struct event_base *base, const struct config *conf,
    struct err *err)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd, rc;

	if (control_listener != NULL)
		return (err_set(err, ERR_INTERNAL, "control socket already open"));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (conf->socket == NULL || conf->socket[0] == '\0' ||
	    strlen(conf->socket) >= sizeof(sun.sun_path))
		return (err_set(err, ERR_INVALID, "socket path too long or "
		    "empty: %s", conf->socket != NULL ? conf->socket : ""));
	memcpy(sun.sun_path, conf->socket, strlen(conf->socket) + 1);

	if (control_mkdirs(conf->socket, err) == -1)
		return (-1);
	if (control_check_stale(conf->socket, err) == -1)
		return (-1);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return (err_set(err, ERR_INTERNAL, "socket: %s",
		    strerror(errno)));
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1) {
		err_set(err, ERR_INTERNAL, "bind %s: %s", conf->socket,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	if (chmod(conf->socket, 0660) == -1)
		log_warn("chmod %s", conf->socket);
	control_set_group(conf->socket, conf->socket_group);
	if (stat(conf->socket, &st) == -1) {
		err_set(err, ERR_INTERNAL, "stat %s: %s", conf->socket,
		    strerror(errno));
		unlink(conf->socket);
		close(fd);
		return (-1);
	}

	control_listener = evconnlistener_new(base, control_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128, fd);
	if (control_listener == NULL) {
		err_set(err, ERR_INTERNAL, "listen %s: %s", conf->socket,
		    strerror(errno));
		unlink(conf->socket);
		close(fd);
		return (-1);
	}
	evconnlistener_set_error_cb(control_listener, control_accept_error);
	if ((control_resume_ev = evtimer_new(base, control_resume,
	    NULL)) == NULL) {
		evconnlistener_free(control_listener);
		control_listener = NULL;
		unlink(conf->socket);
		return (err_set(err, ERR_INTERNAL, "cannot create a timer"));
	}
	control_base = base;
	control_path = xstrdup(conf->socket);
	control_dev = st.st_dev;
	control_ino = st.st_ino;
	control_accepting = 1;
	log_debug("control: listening on %s", control_path);
	return (0);
}

/* Create the socket's missing parent directories, mode 0755. */
static int
control_mkdirs(const char *path, struct err *err)
{
	char	*dir, *p, c;
	int	 rc = 0;

	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir) {
		free(dir);
		return (0);
	}
	*p = '\0';
	for (p = dir + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			rc = err_set(err, ERR_INTERNAL, "mkdir %s: %s", dir,
			    strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return (rc);
}

/*
 * A socket file left behind: if a daemon answers on it we must not start
 * (nor touch its store); if nobody does, it is stale and goes.
 */
static int
control_check_stale(const char *path, struct err *err)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, rc, saved;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return (0);
		return (err_set(err, ERR_INTERNAL, "%s: %s", path,
		    strerror(errno)));
	}
	if (!S_ISSOCK(st.st_mode))
		return (err_set(err, ERR_CONFLICT, "%s exists and is not a socket",
		    path));

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (err_set(err, ERR_INTERNAL, "socket: %s",
		    strerror(errno)));
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	close(fd);
	if (rc == 0)
		return (err_set(err, ERR_CONFLICT,
		    "another reflectd is running on %s", path));
	if (saved != ECONNREFUSED && saved != ENOENT)
		return (err_set(err, ERR_CONFLICT, "cannot check %s: %s", path,
		    strerror(saved)));
	if (unlink(path) == -1 && errno != ENOENT)
		return (err_set(err, ERR_INTERNAL, "unlink stale %s: %s", path,
		    strerror(errno)));
	log_info("removed stale socket %s", path);
	return (0);
}

/* Hand the socket to its group; a missing group is worth a warning only. */
static void
control_set_group(const char *path, const char *group)
{
	struct group	 gr, *res = NULL;
	char		*buf;
	size_t		 buflen = 16384;
	int		 rc;

	if (group == NULL || group[0] == '\0')
		return;
	buf = xmalloc(buflen);
	rc = getgrnam_r(group, &gr, buf, buflen, &res);
	if (rc != 0 || res == NULL)
		log_warnx("socket group %s does not exist; %s keeps its group",
		    group, path);
	else if (chown(path, (uid_t)-1, res->gr_gid) == -1)
		log_warn("chown %s to group %s", path, group);
	free(buf);
}

static void
control_accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval	tv = { 1, 0 };
	int		e = EVUTIL_SOCKET_ERROR();

	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		log_warnx("control: accept: %s; pausing for a second",
		    strerror(e));
		evconnlistener_disable(lev);
		evtimer_add(control_resume_ev, &tv);
		return;
	}
	log_warnx("control: accept: %s", strerror(e));
}

static void
control_resume(evutil_socket_t fd, short what, void *arg)
{
	if (control_listener != NULL && control_accepting)
		evconnlistener_enable(control_listener);
}

static int
control_uid_count(uid_t uid)
{
	struct control_client	*c;
	int			 n = 0;

	TAILQ_FOREACH(c, &control_list, entry) {
		if (c->peer.uid == uid && c->state != CONTROL_CLOSING)
			n++;
	}
	return (n);
}

static void
control_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct control_client	*c;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	struct timeval		 tv = { CONTROL_IDLE_SECONDS, 0 };

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	/* The cap is per uid: nobody is refused for another uid's count. */
	if (control_uid_count(cred.uid) >= CONTROL_MAX_PER_UID) {
		control_refuse(fd, cred.uid);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->peer.uid = cred.uid;
	c->peer.gid = cred.gid;
	c->peer.pid = cred.pid;
	acl_identify(&c->peer, daemon_g != NULL ? daemon_g->conf : NULL);

	c->bev = bufferevent_socket_new(control_base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("control: cannot create a bufferevent");
		close(fd);
		free(c);
		return;
	}
	if ((c->deadline = evtimer_new(control_base, control_deadline,
	    c)) == NULL) {
		log_warnx("control: cannot create a timer");
		bufferevent_free(c->bev);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, control_read, control_write, control_event,
	    c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	TAILQ_INSERT_TAIL(&control_list, c, entry);
	control_nclients++;

	log_debug("control: connection from %s (uid %lu, pid %ld, %s)",
	    c->peer.user, (unsigned long)c->peer.uid, (long)c->peer.pid,
	    acl_level_name(c->peer.level));
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/*
 * One connection too many from uid: say why and close, before anything is
 * allocated or looked up for it, since a client may reconnect thousands of
 * times a second.  The reply fits in an empty socket buffer.
 */
static void
control_refuse(evutil_socket_t fd, uid_t uid)
{
	char	msg[256];
	int	len;

	len = snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"%s\","
	    "\"message\":\"too many connections: at most %d at once from "
	    "one user; close some and try again\"}\n",
	    err_code_name(ERR_FORBIDDEN), CONTROL_MAX_PER_UID);
	if (len > 0 && (size_t)len < sizeof(msg))
		(void)send(fd, msg, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	control_quiet_note(uid);
}

/*
 * Log a uid's first refusal over the cap now and the rest as one count a
 * minute later, while they go on: a uid reconnecting in a loop must not
 * flood the log (and with it journald and the disk).
 */
static void
control_quiet_note(uid_t uid)
{
	struct control_quiet	*q;
	struct acl_peer		 who;
	struct timeval		 tv = { CONTROL_QUIET_SECONDS, 0 };

	TAILQ_FOREACH(q, &control_quiet_list, entry) {
		if (q->uid == uid) {
			q->refused++;
			return;
		}
	}
	if (control_nquiet >= CONTROL_QUIET_MAX)
		return;
	q = xcalloc(1, sizeof(*q));
	if ((q->ev = evtimer_new(control_base, control_quiet_expire,
	    q)) == NULL) {
		free(q);
		return;
	}
	q->uid = uid;
	TAILQ_INSERT_TAIL(&control_quiet_list, q, entry);
	control_nquiet++;
	evtimer_add(q->ev, &tv);

	memset(&who, 0, sizeof(who));
	who.uid = uid;
	acl_identify(&who, NULL);
	log_warnx("control: %s (uid %lu) has %d connections; refusing more, "
	    "and counting them here once a minute", who.user,
	    (unsigned long)uid, CONTROL_MAX_PER_UID);
}

static void
control_quiet_expire(evutil_socket_t fd, short what, void *arg)
{
	struct control_quiet	*q = arg;
	struct acl_peer		 who;
	struct timeval		 tv = { CONTROL_QUIET_SECONDS, 0 };

	if (q->refused == 0) {
		control_quiet_free(q);
		return;
	}
	memset(&who, 0, sizeof(who));
	who.uid = q->uid;
	acl_identify(&who, NULL);
	log_warnx("control: %s (uid %lu) still over its %d connections: %lu "
	    "more refused in the last minute", who.user,
	    (unsigned long)q->uid, CONTROL_MAX_PER_UID, q->refused);
	q->refused = 0;
	evtimer_add(q->ev, &tv);
}

static void
control_quiet_free(struct control_quiet *q)
{
	TAILQ_REMOVE(&control_quiet_list, q, entry);
	control_nquiet--;
	event_free(q->ev);
	free(q);
}

static void
control_read(struct bufferevent *bev, void *arg)
{
	control_process(arg);
}

static void
control_write(struct bufferevent *bev, void *arg)
{
	struct control_client	*c = arg;

	/* Called once the output has drained. */
	if (c->state == CONTROL_CLOSING) {
		control_client_free(c);
		return;
	}
	if (c->paused) {
		c->paused = 0;
		if (c->state == CONTROL_WAIT)
			return;
		bufferevent_enable(c->bev, EV_READ);
		control_process(c);
	}
}

static void
control_event(struct bufferevent *bev, short what, void *arg)
{
	struct control_client	*c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control: %s idle, closing", c->peer.user);
	else if (what & BEV_EVENT_ERROR)
		log_debug("control: %s: %s", c->peer.user,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else {
		log_debug("control: %s disconnected", c->peer.user);
		/*
		 * A client may shut down its side after its last request:
		 * it still gets the replies already queued.
		 */
		if ((what & BEV_EVENT_READING) &&
		    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
			c->state = CONTROL_CLOSING;
			control_forget_request(c);
			bufferevent_disable(bev, EV_READ);
			return;
		}
	}
	control_client_free(c);
}

/* Handle every complete request buffered, in order. */
static void
control_process(struct control_client *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct evbuffer_ptr	 eol;
	size_t			 eollen, len;

	for (;;) {
		if (c->state == CONTROL_CLOSING) {
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		}
		if (c->state == CONTROL_WAIT)
			return;
		if (evbuffer_get_length(out) > CONTROL_OUTPUT_MAX) {
			/* The client does not read its replies: wait for it. */
			c->paused = 1;
			bufferevent_disable(c->bev, EV_READ);
			return;
		}
		if (c->state == CONTROL_READ_BODY) {
			/* Into the body's own buffer: it is held once. */
			len = evbuffer_get_length(in);
			if (len > c->bodylen - c->bodygot)
				len = c->bodylen - c->bodygot;
			if (len > 0) {
				if (c->bodygot == 0)
					control_deadline_start(c);
				if (evbuffer_remove(in, c->body + c->bodygot,
				    len) != (int)len) {
					control_reply_error(c, ERR_INTERNAL,
					    "cannot read the body");
					control_close_after_reply(c);
					continue;
				}
				c->bodygot += len;
			}
			if (c->bodygot < c->bodylen)
				return;
			control_execute(c, c->bodylen > 0 ? c->body : NULL,
			    c->bodylen);
			continue;
		}

		eol = evbuffer_search_eol(in, NULL, &eollen, EVBUFFER_EOL_LF);
		if (eol.pos == -1) {
			if (evbuffer_get_length(in) > WORDS_MAX_LINE)
				goto toolong;
			/* Part of a line: its time runs from its first byte. */
			if (evbuffer_get_length(in) > 0)
				control_deadline_start(c);
			return;
		}
		if ((size_t)eol.pos > WORDS_MAX_LINE)
			goto toolong;
		evtimer_del(c->deadline);
		control_request(c, in, (size_t)eol.pos);
	}

toolong:
	control_reply_error(c, ERR_USAGE, "request line longer than 65536 bytes");
	control_close_after_reply(c);
}

/*
 * One line of len bytes is at the front of in: split it and run it, or,
 * when it announces a body, check it as cmd_execute() will and reserve the
 * body's room before a byte of the body is read.  A body refused here is
 * never read: the connection closes after the reply, since its bytes would
 * otherwise be taken for requests.
 */
static void
control_request(struct control_client *c, struct evbuffer *in, size_t len)
{
	struct words	*w;
	struct err	 err;
	char		*line, msg[128];
	size_t		 n, got;
	int		 rc;

	line = xmalloc(len + 1);
	got = evbuffer_remove(in, line, len) == -1 ? 0 : len;
	line[got] = '\0';
	evbuffer_drain(in, 1);		/* the LF */
	if (got > 0 && line[got - 1] == '\r')
		got--;

	err_clear(&err);
	w = words_split(line, got, &err);
	free(line);
	if (w == NULL) {
		control_reply_error(c, ERR_USAGE,
		    err.msg[0] != '\0' ? err.msg : "bad request");
		return;
	}
	c->words = w;
	if ((rc = cmd_body_check(&c->peer, w->argc, w->argv, &n,
	    &err)) == 0) {
		control_execute(c, NULL, 0);
		return;
	}
	if (rc == -1) {
		log_debug("control: %s: body refused: %s", c->peer.user,
		    err.msg);
		control_reply_error(c, err.code, err.msg);
		control_close_after_reply(c);
		return;
	}
	if (n > CONTROL_BODIES_MAX - control_bodies) {
		log_debug("control: %s: body of %zu bytes refused, %zu held",
		    c->peer.user, n, control_bodies);
		snprintf(msg, sizeof(msg), "other requests' bodies fill the "
		    "%d MiB held at once; try again in a moment",
		    CONTROL_BODIES_MAX / (1024 * 1024));
		control_reply_error(c, ERR_CONFLICT, msg);
		control_close_after_reply(c);
		return;
	}
	/* Untouched pages of a large buffer cost nothing until bytes come. */
	if ((c->body = malloc(n > 0 ? n : 1)) == NULL) {
		control_reply_error(c, ERR_INTERNAL, "cannot hold the body");
		control_close_after_reply(c);
		return;
	}
	control_bodies += n;
	c->bodylen = n;
	c->bodygot = 0;
	c->state = CONTROL_READ_BODY;
}

static void
control_execute(struct control_client *c, const char *body, size_t len)
{
	struct cmd_later	*later;
	json_t			*reply;
	double			 t0;

	t0 = util_ms();
	reply = cmd_execute_later(&c->peer, c->words->argc, c->words->argv,
	    body, len, control_later_done, c, &later);
	/* How long the loop was held: a slow command shows in the log. */
	log_debug("control: %s: %s%s in %.1f ms%s", c->peer.user,
	    c->words->argc > 0 ? c->words->argv[0] : "",
	    c->words->argc > 1 ? " ..." : "",
	    util_ms() - t0, reply == NULL ? ", answer to follow" : "");
	control_forget_request(c);
	if (reply == NULL) {
		/* Nothing more is read from it until the answer has gone. */
		c->later = later;
		c->waited = t0;
		c->state = CONTROL_WAIT;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	c->state = CONTROL_READ_LINE;
	control_reply(c, reply, 1);
	json_decref(reply);
}

/* A request that waited (cmd_later): its answer, then the next request. */
static void
control_later_done(void *arg, json_t *reply)
{
	struct control_client	*c = arg;

	log_debug("control: %s: answered after %.1f ms", c->peer.user,
	    util_ms() - c->waited);
	c->later = NULL;
	c->state = CONTROL_READ_LINE;
	control_reply(c, reply, 1);
	if (!c->paused)
		bufferevent_enable(c->bev, EV_READ);
	control_process(c);
}

/*
 * Queue a reply; with direct set, send it at once if nothing is queued
 * before it and queue only what the socket does not take.  Through the
 * bufferevent alone a reply costs two epoll_ctl calls (the write event on,
 * then off) and another pass of the loop, more than a `status` spends
 * outside SQLite.  A send that fails leaves the reply queued, and the
 * bufferevent meets the error and closes.  Only a command's own reply goes
 * at once: after an error that closes the connection, the close waits for
 * the write callback, which a reply sent at once would never call.
 */
static void
control_reply(struct control_client *c, json_t *reply, int direct)
{
	static const char	 fallback[] = "{\"ok\":false,\"error\":\"internal\","
				    "\"message\":\"cannot encode the reply\"}\n";
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct iovec		 iov[2];
	struct msghdr		 msg;
	char			*s;
	size_t			 len, sent = 0;
	ssize_t			 n;

	s = reply != NULL ? json_dumps(reply, JSON_COMPACT) : NULL;
	if (s == NULL) {
		evbuffer_add(out, fallback, sizeof(fallback) - 1);
		return;
	}
	len = strlen(s);
	if (direct && evbuffer_get_length(out) == 0) {
		iov[0].iov_base = s;
		iov[0].iov_len = len;
		iov[1].iov_base = (char *)"\n";
		iov[1].iov_len = 1;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		n = sendmsg(bufferevent_getfd(c->bev), &msg,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			sent = (size_t)n;
	}
	if (sent < len)
		evbuffer_add(out, s + sent, len - sent);
	if (sent < len + 1)
		evbuffer_add(out, "\n", 1);
	free(s);
}

static void
control_reply_error(struct control_client *c, enum err_code code,
    const char *msg)
{
	json_t	*reply;

	reply = json_pack("{s:b, s:s, s:o}", "ok", 0,
	    "error", err_code_name(code), "message", cmd_json_string(msg));
	control_reply(c, reply, 0);
	json_decref(reply);
}

/*
 * Reply queued: stop handling requests and reading (what else the client
 * sends is never read, a refused body included); close once the reply is
 * flushed (control_write), or on the write timeout if the client does not
 * read it.
 */
static void
control_close_after_reply(struct control_client *c)
{
	c->state = CONTROL_CLOSING;
	control_forget_request(c);
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
}

/*
 * A request line or body has started to arrive: it must be whole within
 * CONTROL_REQUEST_SECONDS of now, however slowly it trickles (the idle
 * timeout restarts on every byte, so it cannot see a slow drip).
 */
static void
control_deadline_start(struct control_client *c)
{
	struct timeval	tv = { CONTROL_REQUEST_SECONDS, 0 };

	if (!evtimer_pending(c->deadline, NULL))
		evtimer_add(c->deadline, &tv);
}

static void
control_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct control_client	*c = arg;
	char			 msg[128];

	if (c->state == CONTROL_CLOSING)
		return;
	log_debug("control: %s: %s not whole %d s after its first byte, "
	    "closing", c->peer.user, c->state == CONTROL_READ_BODY ?
	    "body" : "request line", CONTROL_REQUEST_SECONDS);
	snprintf(msg, sizeof(msg), "%s not whole %d seconds after its first "
	    "byte", c->state == CONTROL_READ_BODY ? "body" : "request line",
	    CONTROL_REQUEST_SECONDS);
	control_reply_error(c, ERR_USAGE, msg);
	control_close_after_reply(c);
}

/* Drop the request in hand: its words, its body and its room, its timer. */
static void
control_forget_request(struct control_client *c)
{
	words_free(c->words);
	c->words = NULL;
	if (c->body != NULL) {
		free(c->body);
		c->body = NULL;
		control_bodies -= c->bodylen;
	}
	c->bodylen = 0;
	c->bodygot = 0;
	if (c->deadline != NULL)
		evtimer_del(c->deadline);
}

static void
control_client_free(struct control_client *c)
{
	TAILQ_REMOVE(&control_list, c, entry);
	control_nclients--;
	/* Its answer, if one is to come, goes nowhere. */
	cmd_later_drop(c->later);
	control_forget_request(c);
	event_free(c->deadline);
	bufferevent_free(c->bev);
	free(c);
}

void
control_stop_accepting(void)
{
	control_accepting = 0;
	if (control_listener != NULL)
		evconnlistener_disable(control_listener);
	if (control_resume_ev != NULL)
		evtimer_del(control_resume_ev);
}

void
control_free(void)
{
	struct control_client	*c;
	struct control_quiet	*q;
	struct stat		 st;

	while ((c = TAILQ_FIRST(&control_list)) != NULL)
		control_client_free(c);
	while ((q = TAILQ_FIRST(&control_quiet_list)) != NULL)
		control_quiet_free(q);
	if (control_resume_ev != NULL)
		event_free(control_resume_ev);
	control_resume_ev = NULL;
	if (control_listener != NULL)
		evconnlistener_free(control_listener);
	control_listener = NULL;
	/* Unlink only our own socket, not one a newer daemon put there. */
	if (control_path != NULL && lstat(control_path, &st) == 0 &&
	    st.st_dev == control_dev && st.st_ino == control_ino)
		unlink(control_path);
	free(control_path);
	control_path = NULL;
	control_accepting = 0;
	control_base = NULL;
}

int
control_clients(void)
{
	return (control_nclients);
}
