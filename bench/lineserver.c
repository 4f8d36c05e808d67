/*
 * lineserver: the bare libevent line server that SPEC 11 measures the
 * control socket against.  It listens on a Unix socket and answers every
 * line with one fixed JSON line, padded to the size of reflectd's status
 * reply, with only what control.c frames requests with: an evconnlistener,
 * a bufferevent per client and evbuffer_readln.  It parses nothing, looks
 * nothing up and checks no peer: it is what a libevent line server costs
 * when the command itself costs nothing.  Used by bench/control-status;
 * not part of reflectd.
 *
 * usage: lineserver [-n bytes] socket
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

/* reflectd's status reply to an admin on a fresh state directory. */
#define LINESERVER_REPLY_BYTES	310

static char	*reply;
static size_t	 replylen;

static void	usage(void);
static char	*reply_make(size_t);
static void	accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	read_cb(struct bufferevent *, void *);
static void	event_cb(struct bufferevent *, short, void *);
static void	signal_cb(evutil_socket_t, short, void *);

static void
usage(void)
{
	fprintf(stderr, "usage: lineserver [-n bytes] socket\n");
	exit(2);
}

/* {"ok":true,"result":{"pad":"xxx…"}} and a newline, len bytes in all. */
static char *
reply_make(size_t len)
{
	static const char	 head[] = "{\"ok\":true,\"result\":{\"pad\":\"";
	static const char	 tail[] = "\"}}\n";
	char			*s;
	size_t			 fixed = sizeof(head) - 1 + sizeof(tail) - 1;

	if (len < fixed)
		len = fixed;
	if ((s = malloc(len + 1)) == NULL)
		return (NULL);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'x', len - fixed);
	memcpy(s + len - (sizeof(tail) - 1), tail, sizeof(tail));
	replylen = len;
	return (s);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct event_base	*base = arg;
	struct bufferevent	*bev;

	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		fprintf(stderr, "lineserver: cannot create a bufferevent\n");
		close(fd);
		return;
	}
	bufferevent_setcb(bev, read_cb, NULL, event_cb, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer	*out = bufferevent_get_output(bev);
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		free(line);
		evbuffer_add(out, reply, replylen);
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char *argv[])
{
	struct event_base	*base = NULL;
	struct evconnlistener	*lev = NULL;
	struct event		*sigint = NULL, *sigterm = NULL;
	struct sockaddr_un	 sun;
	const char		*path;
	char			*end;
	long			 n = LINESERVER_REPLY_BYTES;
	int			 ch, rc = 1;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    n < 1 || n > 1024 * 1024)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	path = argv[0];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "lineserver: socket path too long\n");
		return (1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((reply = reply_make((size_t)n)) == NULL) {
		fprintf(stderr, "lineserver: out of memory\n");
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);
	(void)unlink(path);

	if ((base = event_base_new()) == NULL) {
		fprintf(stderr, "lineserver: cannot create an event base\n");
		goto err;
	}
	lev = evconnlistener_new_bind(base, accept_cb, base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128,
	    (struct sockaddr *)&sun, sizeof(sun));
	if (lev == NULL) {
		fprintf(stderr, "lineserver: listen %s: %s\n", path,
		    strerror(errno));
		goto err;
	}
	sigint = evsignal_new(base, SIGINT, signal_cb, base);
	sigterm = evsignal_new(base, SIGTERM, signal_cb, base);
	if (sigint == NULL || sigterm == NULL ||
	    evsignal_add(sigint, NULL) == -1 ||
	    evsignal_add(sigterm, NULL) == -1) {
		fprintf(stderr, "lineserver: cannot catch signals\n");
		goto err;
	}
	event_base_dispatch(base);
	rc = 0;

err:
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	if (lev != NULL) {
		evconnlistener_free(lev);
		(void)unlink(path);
	}
	if (base != NULL)
		event_base_free(base);
	free(reply);
	return (rc);
}
