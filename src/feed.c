/*
 * feed: the calendar feed (SPEC 9).  libevent's evhttp on the daemon's
 * event base answers GET and HEAD /feed/TOKEN.ics with the member's
 * sessions, FEED_PAST_DAYS back to the horizon, as one METHOD:PUBLISH
 * calendar built by ical.c, with a strong ETag of its bytes (If-None-Match
 * gets 304) and Cache-Control from [feed] refresh.  Everything else gets
 * 404 (any other path, compared byte for byte: nothing is decoded, folded
 * or trimmed), 405 (any other method) or, for an address that keeps
 * failing, 429 until its time is up.  evhttp caps headers, refuses bodies
 * and times out silent connections; on top of that every connection must
 * finish each request within FEED_TIMEOUT_SECONDS however it trickles,
 * and accepting pauses at FEED_MAX_CONNECTIONS (and for a second when
 * descriptors run out), so no client can hold the event loop or starve
 * the control socket.  Every request callback sends a reply.
 *
 * Tokens are 256 bits from getrandom(2), base64url, shown once in the
 * URL that feed_token_issue returns; the store keeps only their SHA-256,
 * and a presented token's hash is compared with CRYPTO_memcmp.  Tokens
 * appear in the log only at debug level and only as their first few
 * characters.  The feed knows nothing of the control socket's users or
 * levels: the token is its only credential.  It never writes the store.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
/* SHA256_Init and friends: deprecated in OpenSSL 3, kept for their size. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "clock.h"
#include "config.h"
#include "feed.h"
#include "ical.h"
#include "log.h"
#include "message.h"
#include "people.h"
#include "presenters.h"
#include "series.h"
#include "store.h"
#include "xmalloc.h"

#define FEED_DAY		86400
#define FEED_BACKLOG		128
#define FEED_ETAG_HEX		32	/* 128 bits of the body's SHA-256 */
#define FEED_LOG_TOKEN		4	/* a token's characters in debug logs */
#define FEED_CAP_LOG_SECONDS	60	/* "at the cap" at most this often */
#define FEED_NAMES_MAX		64	/* names cached for one calendar */

/* Why accepting is paused (both may hold). */
#define FEED_PAUSE_CAP		0x1	/* FEED_MAX_CONNECTIONS open */
#define FEED_PAUSE_FDS		0x2	/* EMFILE: for a second */

/*
 * One connection.  evhttp gives no hook when it accepts or frees one, so
 * its bufferevent is made here (feed_bevcb, counted at once) and the
 * connection is adopted right after evhttp has set it up, in the same turn
 * of the loop: evhttp's callbacks on that bufferevent carry the
 * connection, to which a close callback and the deadline are then tied.
 */
struct feed_conn {
	TAILQ_ENTRY(feed_conn)	  entry;
	struct bufferevent	 *bev;		/* held until adopted */
	struct evhttp_connection *evcon;	/* once adopted */
	struct event		 *deadline;
};

TAILQ_HEAD(feed_conns, feed_conn);

/* An address that failed: its window of failures and its block. */
struct feed_peer {
	char	addr[FEED_ADDR_MAX];
	time_t	since;			/* the window's first failure */
	int	failures;
	time_t	until;			/* 429 until then; 0 none */
};

/* A slug's display name, cached while one calendar is built. */
struct feed_name {
	char	slug[SLUG_MAX + 1];
	char	name[NAME_MAX_LEN + 1];
};

struct feed_names {
	struct feed_name	v[FEED_NAMES_MAX];
	size_t			n;
};

static struct event_base	*feed_base;
static struct store		*feed_store;
static const struct config	*feed_conf;
static struct evhttp		*feed_http;
static struct evhttp_bound_socket *feed_bound;
static char			*feed_bound_addr;
static struct event		*feed_adopt_ev;
static struct event		*feed_resume_ev;
static struct feed_conns	 feed_pending = TAILQ_HEAD_INITIALIZER(
				    feed_pending);
static struct feed_conns	 feed_live = TAILQ_HEAD_INITIALIZER(feed_live);
static struct feed_conn		*feed_closing;
static int			 feed_nconns;
static int			 feed_paused;
static int			 feed_accepting;
static time_t			 feed_cap_logged;
static struct feed_peer		 feed_peers[FEED_PEERS_MAX];
static size_t			 feed_npeers;

static int	 feed_bind(const char *);
static void	 feed_unbind(void);
static void	 feed_pause(int, int);
static struct bufferevent *feed_bevcb(struct event_base *, void *);
static void	 feed_adopt(evutil_socket_t, short, void *);
static void	 feed_conn_closed(struct evhttp_connection *, void *);
static void	 feed_conn_gone(struct feed_conn *);
static void	 feed_deadline(evutil_socket_t, short, void *);
static void	 feed_rearm(struct evhttp_connection *);
static void	 feed_accept_error(struct evconnlistener *, void *);
static void	 feed_resume(evutil_socket_t, short, void *);
static void	 feed_request_cb(struct evhttp_request *, void *);
static const char *feed_method_name(enum evhttp_cmd_type);
static int	 feed_serve(struct evhttp_request *,
		    const struct feed_verdict *, int, time_t, char *, size_t);
static void	 feed_reply_text(struct evhttp_request *, int, const char *,
		    const char *, int);
static int	 feed_blocked(const char *, time_t, time_t *);
static void	 feed_failed(const char *, time_t);
static void	 feed_client(const char *, const char *, char *);
static int	 feed_loopback(const char *);
static int	 feed_b64url_char(int);
static int	 feed_b64url_value(int);
static struct feed_peer *feed_peer_find(const char *);
static void	 feed_hex(const unsigned char *, size_t, char *);
static int	 feed_unhex(const char *, unsigned char *, size_t);
static int	 feed_lookup(const char *, struct feed_token_row *,
		    struct err *);
static char	*feed_calendar(const struct member *, time_t, time_t,
		    size_t *, size_t *, struct err *);
static const char *feed_name(struct feed_names *, const char *);
static void	 feed_summary(const struct session *, char *, size_t);
static char	*feed_description(struct feed_names *, const struct member *,
		    const struct session *, struct err *);
static char	*feed_url(const struct config *, const char *);
static void	 feed_sha256(const unsigned char *, size_t, unsigned char *);

/*
 * SHA-256 through libcrypto's own functions, not EVP: OpenSSL 3 loads its
 * provider tables (about 2 MB) on the first EVP digest, SHA256() included.
 */
static void
feed_sha256(const unsigned char *p, size_t n, unsigned char *md)
{
	SHA256_CTX	ctx;

	if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, p, n) != 1 ||
	    SHA256_Final(md, &ctx) != 1)
		memset(md, 0, SHA256_DIGEST_LENGTH);
}

/* ---- judging a request: pure, and the fuzz target's way in ---- */

static int
feed_b64url_char(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_');
}

/* The base64url digit's value, for a character feed_b64url_char took. */
static int
feed_b64url_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	return (c == '-' ? 62 : 63);
}

/* A loopback peer: a reverse proxy on this host, by SPEC's advice. */
static int
feed_loopback(const char *addr)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (addr == NULL)
		return (0);
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127));
	return (0);
}

/*
 * Whom failures count against: the peer, or behind a proxy on this host
 * the address it says the request came from.  Proxies append the client
 * they saw, so the last entry is the one this host's proxy wrote; it is
 * taken only when it is an address, and in its canonical spelling.
 */
static void
feed_client(const char *peer, const char *xff, char *out)
{
	const char	*p, *end;
	char		 buf[FEED_ADDR_MAX];
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 n;

	snprintf(out, FEED_ADDR_MAX, "%s", peer != NULL ? peer : "unknown");
	if (xff == NULL || !feed_loopback(peer))
		return;
	p = strrchr(xff, ',');
	p = p != NULL ? p + 1 : xff;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(buf))
		return;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1)
		inet_ntop(AF_INET, &a4, out, FEED_ADDR_MAX);
	else if (inet_pton(AF_INET6, buf, &a6) == 1)
		inet_ntop(AF_INET6, &a6, out, FEED_ADDR_MAX);
}

void
feed_judge(const struct feed_request *r, struct feed_verdict *v)
{
	const size_t	 plen = sizeof(FEED_PREFIX) - 1;
	const size_t	 slen = sizeof(FEED_SUFFIX) - 1;
	const char	*t = r->target, *tok;
	size_t		 i;

	memset(v, 0, sizeof(*v));
	feed_client(r->peer, r->forwarded_for, v->client);
	if (r->method == NULL || (strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0)) {
		v->status = 405;
		return;
	}
	v->status = 404;
	if (t == NULL || strlen(t) != plen + FEED_TOKEN_LEN + slen ||
	    memcmp(t, FEED_PREFIX, plen) != 0 ||
	    memcmp(t + plen + FEED_TOKEN_LEN, FEED_SUFFIX, slen) != 0)
		return;
	tok = t + plen;
	for (i = 0; i < FEED_TOKEN_LEN; i++) {
		if (!feed_b64url_char((unsigned char)tok[i]))
			return;
	}
	/* 43 digits carry 258 bits: a token's last two are always zero. */
	if ((feed_b64url_value((unsigned char)tok[FEED_TOKEN_LEN - 1]) &
	    0x3) != 0)
		return;
	memcpy(v->token, tok, FEED_TOKEN_LEN);
	v->token[FEED_TOKEN_LEN] = '\0';
	v->status = 200;
}

int
feed_etag_match(const char *inm, const char *etag)
{
	const char	*p = inm, *q;
	size_t		 n = strlen(etag);

	if (inm == NULL)
		return (0);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return (0);
		if (*p == '*')
			return (1);
		/* If-None-Match compares weakly (RFC 9110 13.1.2). */
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"') {
			while (*p != '\0' && *p != ',')
				p++;
			continue;
		}
		if ((q = strchr(p + 1, '"')) == NULL)
			return (0);
		if ((size_t)(q - p) + 1 == n && memcmp(p, etag, n) == 0)
			return (1);
		p = q + 1;
	}
}

/* ---- the listener and its connections ---- */

int
feed_init(struct event_base *base, struct store *store,
    const struct config *conf, struct err *err)
{
	feed_base = base;
	feed_store = store;
	feed_conf = conf;
	if ((feed_http = evhttp_new(base)) == NULL)
		return (err_set(err, ERR_INTERNAL, "feed: cannot create the "
		    "HTTP server"));
	evhttp_set_timeout(feed_http, FEED_TIMEOUT_SECONDS);
	evhttp_set_max_headers_size(feed_http, FEED_HEADERS_MAX);
	evhttp_set_max_body_size(feed_http, 0);
	/* Every method reaches feed_request_cb, which answers 405 itself. */
	evhttp_set_allowed_methods(feed_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(feed_http, feed_request_cb, NULL);
	evhttp_set_bevcb(feed_http, feed_bevcb, NULL);
	if ((feed_adopt_ev = event_new(base, -1, 0, feed_adopt, NULL)) ==
	    NULL || (feed_resume_ev = evtimer_new(base, feed_resume,
	    NULL)) == NULL) {
		feed_free();
		return (err_set(err, ERR_INTERNAL, "feed: cannot create its "
		    "events"));
	}
	if (conf->feed_listen[0] != '\0')
		(void)feed_bind(conf->feed_listen);
	return (0);
}

/*
 * Listen on "HOST:PORT" or "[V6]:PORT".  A failure is logged: the daemon
 * goes on without a feed, and a reload tries again.
 */
static int
feed_bind(const char *listen)
{
	struct addrinfo		 hints, *ai = NULL;
	struct evconnlistener	*lev;
	const char		*colon;
	char			*host;
	int			 rc;

	if (listen[0] == '[') {
		colon = strchr(listen, ']');
		host = xstrndup(listen + 1, colon != NULL ?
		    (size_t)(colon - listen - 1) : 0);
		colon = colon != NULL ? colon + 1 : listen;
	} else {
		colon = strrchr(listen, ':');
		host = xstrndup(listen, colon != NULL ?
		    (size_t)(colon - listen) : 0);
	}
	if (colon == NULL || *colon != ':') {
		log_warnx("feed: listen %s is not HOST:PORT; no feed", listen);
		free(host);
		return (-1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
		log_warnx("feed: listen %s: %s; no feed until a reload "
		    "binds it", listen, gai_strerror(rc));
		free(host);
		return (-1);
	}
	free(host);
	lev = evconnlistener_new_bind(feed_base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_CLOSE_ON_FREE,
	    FEED_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (lev == NULL) {
		log_warn("feed: cannot listen on %s; no feed until a reload "
		    "binds it", listen);
		return (-1);
	}
	if ((feed_bound = evhttp_bind_listener(feed_http, lev)) == NULL) {
		evconnlistener_free(lev);
		log_warnx("feed: cannot serve HTTP on %s", listen);
		return (-1);
	}
	evconnlistener_set_error_cb(lev, feed_accept_error);
	feed_bound_addr = xstrdup(listen);
	feed_accepting = 1;
	feed_pause(0, 0);
	log_info("feed: listening on %s", listen);
	return (0);
}

static void
feed_unbind(void)
{
	if (feed_bound != NULL) {
		evhttp_del_accept_socket(feed_http, feed_bound);
		log_info("feed: no longer listening on %s", feed_bound_addr);
	}
	feed_bound = NULL;
	free(feed_bound_addr);
	feed_bound_addr = NULL;
	feed_accepting = 0;
}

void
feed_reconfigure(const struct config *conf)
{
	feed_conf = conf;
	if (feed_http == NULL)
		return;
	if (feed_bound != NULL &&
	    strcmp(feed_bound_addr, conf->feed_listen) == 0)
		return;
	feed_unbind();
	if (conf->feed_listen[0] != '\0')
		(void)feed_bind(conf->feed_listen);
}

void
feed_free(void)
{
	struct feed_conn	*c;

	/* evhttp_free closes the listener itself, then every connection. */
	feed_bound = NULL;
	free(feed_bound_addr);
	feed_bound_addr = NULL;
	feed_accepting = 0;
	while ((c = TAILQ_FIRST(&feed_pending)) != NULL) {
		TAILQ_REMOVE(&feed_pending, c, entry);
		bufferevent_decref(c->bev);
		free(c);
		feed_nconns--;
	}
	if (feed_http != NULL)
		evhttp_free(feed_http);
	feed_http = NULL;
	if (feed_adopt_ev != NULL)
		event_free(feed_adopt_ev);
	if (feed_resume_ev != NULL)
		event_free(feed_resume_ev);
	feed_adopt_ev = feed_resume_ev = NULL;
	feed_nconns = 0;
	feed_paused = 0;
	feed_npeers = 0;
	feed_base = NULL;
	feed_store = NULL;
	feed_conf = NULL;
}

/* Accept while nothing pauses it. */
static void
feed_pause(int why, int on)
{
	struct evconnlistener	*lev;
	int			 want;

	if (on)
		feed_paused |= why;
	else
		feed_paused &= ~why;
	if (feed_bound == NULL)
		return;
	want = feed_paused == 0;
	if (want == feed_accepting)
		return;
	lev = evhttp_bound_socket_get_listener(feed_bound);
	if (want)
		evconnlistener_enable(lev);
	else
		evconnlistener_disable(lev);
	feed_accepting = want;
}

/* evhttp asks for a connection's bufferevent: count the connection. */
static struct bufferevent *
feed_bevcb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct feed_conn	*c;
	time_t			 now;

	(void)arg;
	if ((bev = bufferevent_socket_new(base, -1, 0)) == NULL)
		return (NULL);		/* evhttp makes its own, uncounted */
	c = xcalloc(1, sizeof(*c));
	/* Ours until adopted, even if evhttp gives up on it first. */
	bufferevent_incref(bev);
	c->bev = bev;
	TAILQ_INSERT_TAIL(&feed_pending, c, entry);
	if (++feed_nconns >= FEED_MAX_CONNECTIONS) {
		feed_pause(FEED_PAUSE_CAP, 1);
		now = clock_now();
		if (now - feed_cap_logged >= FEED_CAP_LOG_SECONDS) {
			log_warnx("feed: %d connections open; accepting again "
			    "when one closes", feed_nconns);
			feed_cap_logged = now;
		}
	}
	event_active(feed_adopt_ev, EV_TIMEOUT, 0);
	return (bev);
}

/*
 * Right after evhttp_get_request, in the same turn of the loop: tie the
 * new connections' close callback and deadline to them.  A connection
 * evhttp already let go of has callbacks cleared.
 */
static void
feed_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct timeval		 tv = { FEED_TIMEOUT_SECONDS, 0 };
	struct feed_conn	*c;
	void			*cbarg;

	(void)fd;
	(void)what;
	(void)arg;
	while ((c = TAILQ_FIRST(&feed_pending)) != NULL) {
		TAILQ_REMOVE(&feed_pending, c, entry);
		cbarg = NULL;
		bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
		bufferevent_decref(c->bev);
		c->bev = NULL;
		if (cbarg == NULL) {
			feed_conn_gone(c);
			continue;
		}
		c->evcon = cbarg;
		TAILQ_INSERT_TAIL(&feed_live, c, entry);
		evhttp_connection_set_closecb(c->evcon, feed_conn_closed, c);
		if ((c->deadline = evtimer_new(feed_base, feed_deadline,
		    c)) == NULL) {
			log_warnx("feed: cannot time a connection; closing it");
			feed_deadline(-1, 0, c);
			continue;
		}
		evtimer_add(c->deadline, &tv);
	}
}

static void
feed_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct feed_conn	*c = arg;

	(void)evcon;
	if (feed_closing == c)
		feed_closing = NULL;
	TAILQ_REMOVE(&feed_live, c, entry);
	feed_conn_gone(c);
}

static void
feed_conn_gone(struct feed_conn *c)
{
	if (c->deadline != NULL)
		event_free(c->deadline);
	free(c);
	if (--feed_nconns < FEED_MAX_CONNECTIONS)
		feed_pause(FEED_PAUSE_CAP, 0);
}

/* A request (or the wait for the next one) took too long: drop it. */
static void
feed_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct feed_conn	*c = arg;

	(void)fd;
	(void)what;
	log_debug("feed: a connection took over %d s; closing it",
	    FEED_TIMEOUT_SECONDS);
	feed_closing = c;
	evhttp_connection_free(c->evcon);
	if (feed_closing == c) {
		/* evhttp skipped the close callback: account for it here. */
		feed_closing = NULL;
		TAILQ_REMOVE(&feed_live, c, entry);
		feed_conn_gone(c);
	}
}

/* A reply was queued: the next request has its own time from now. */
static void
feed_rearm(struct evhttp_connection *evcon)
{
	struct timeval		 tv = { FEED_TIMEOUT_SECONDS, 0 };
	struct feed_conn	*c;

	TAILQ_FOREACH(c, &feed_live, entry) {
		if (c->evcon == evcon) {
			if (c->deadline != NULL)
				evtimer_add(c->deadline, &tv);
			return;
		}
	}
}

static void
feed_accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval	tv = { 1, 0 };
	int		e = EVUTIL_SOCKET_ERROR();

	(void)lev;
	(void)arg;
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		log_warnx("feed: accept: %s; pausing for a second",
		    strerror(e));
		feed_pause(FEED_PAUSE_FDS, 1);
		evtimer_add(feed_resume_ev, &tv);
		return;
	}
	log_warnx("feed: accept: %s", strerror(e));
}

static void
feed_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	feed_pause(FEED_PAUSE_FDS, 0);
}

/* ---- failures and 429 ---- */

static struct feed_peer *
feed_peer_find(const char *addr)
{
	size_t	i;

	for (i = 0; i < feed_npeers; i++) {
		if (strcmp(feed_peers[i].addr, addr) == 0)
			return (&feed_peers[i]);
	}
	return (NULL);
}

/* 1 (and how long yet) if addr is refused for its failures. */
static int
feed_blocked(const char *addr, time_t now, time_t *left)
{
	struct feed_peer	*p;

	if ((p = feed_peer_find(addr)) == NULL || p->until <= now)
		return (0);
	*left = p->until - now;
	return (1);
}

/*
 * Count a failure against addr.  When the table is full the entry that
 * matters least goes: one not blocked with the oldest window, else the
 * block that ends first.
 */
static void
feed_failed(const char *addr, time_t now)
{
	struct feed_peer	*p, *q;
	size_t			 i;

	if ((p = feed_peer_find(addr)) == NULL) {
		if (feed_npeers < FEED_PEERS_MAX)
			p = &feed_peers[feed_npeers++];
		else {
			p = &feed_peers[0];
			for (i = 1; i < feed_npeers; i++) {
				q = &feed_peers[i];
				if ((q->until <= now) != (p->until <= now)) {
					if (q->until <= now)
						p = q;
				} else if (p->until <= now ? q->since <
				    p->since : q->until < p->until)
					p = q;
			}
		}
		memset(p, 0, sizeof(*p));
		snprintf(p->addr, sizeof(p->addr), "%s", addr);
	}
	if (p->until > now)
		return;
	if (p->failures == 0 || now - p->since >= FEED_FAIL_WINDOW) {
		p->since = now;
		p->failures = 0;
		p->until = 0;
	}
	if (++p->failures >= FEED_FAIL_MAX) {
		p->until = now + FEED_BLOCK_SECONDS;
		p->failures = 0;
		log_info("feed: %s: %d failed requests within %d s; refused "
		    "for %d s", addr, FEED_FAIL_MAX, FEED_FAIL_WINDOW,
		    FEED_BLOCK_SECONDS);
	}
}

/* ---- answering ---- */

static const char *
feed_method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return ("GET");
	case EVHTTP_REQ_HEAD:
		return ("HEAD");
	case EVHTTP_REQ_POST:
		return ("POST");
	case EVHTTP_REQ_PUT:
		return ("PUT");
	case EVHTTP_REQ_DELETE:
		return ("DELETE");
	case EVHTTP_REQ_OPTIONS:
		return ("OPTIONS");
	case EVHTTP_REQ_TRACE:
		return ("TRACE");
	case EVHTTP_REQ_CONNECT:
		return ("CONNECT");
	case EVHTTP_REQ_PATCH:
		return ("PATCH");
	}
	return ("?");
}

/*
 * A short text reply that closes the connection: errors are for
 * scanners, whose connections are better spent on someone else.
 */
static void
feed_reply_text(struct evhttp_request *req, int status, const char *reason,
    const char *text, int head)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = NULL;
	char			 len[32];

	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Connection", "close");
	if (!head && (b = evbuffer_new()) != NULL)
		evbuffer_add(b, text, strlen(text));
	snprintf(len, sizeof(len), "%zu", b != NULL || head ? strlen(text) :
	    (size_t)0);
	evhttp_add_header(h, "Content-Length", len);
	evhttp_send_reply(req, status, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
feed_request_cb(struct evhttp_request *req, void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct feed_request	 r;
	struct feed_verdict	 v;
	char			*peer = NULL, what[96], retry[32];
	ev_uint16_t		 port = 0;
	time_t			 now = clock_now(), left;
	int			 head, status;

	(void)arg;
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &peer, &port);
	memset(&r, 0, sizeof(r));
	r.method = feed_method_name(evhttp_request_get_command(req));
	r.target = evhttp_request_get_uri(req);
	r.peer = peer;
	r.forwarded_for = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "X-Forwarded-For");
	feed_judge(&r, &v);
	head = strcmp(r.method, "HEAD") == 0;
	what[0] = '\0';
	if (feed_blocked(v.client, now, &left)) {
		snprintf(retry, sizeof(retry), "%lld", (long long)left);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", retry);
		feed_reply_text(req, 429, "Too Many Requests",
		    "too many failed requests: try again later\n", head);
		status = 429;
	} else if (v.status == 405) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		feed_reply_text(req, 405, "Method Not Allowed",
		    "only GET and HEAD\n", head);
		status = 405;
	} else if (v.status != 200) {
		feed_reply_text(req, 404, "Not Found", "not found\n", head);
		status = 404;
	} else
		status = feed_serve(req, &v, head, now, what, sizeof(what));
	if (status == 404 || status == 405)
		feed_failed(v.client, now);
	if (v.status == 200)
		log_debug("feed: %s: %s token %.*s...: %d%s", v.client,
		    r.method, FEED_LOG_TOKEN, v.token, status, what);
	else
		log_debug("feed: %s: %s: %d", v.client, r.method, status);
	explicit_bzero(&v, sizeof(v));
	if (evcon != NULL)
		feed_rearm(evcon);
}

/*
 * The calendar of the token's member, or 404 (unknown or revoked token, a
 * leaver) or 500.  Returns the status sent; what says whose calendar.
 */
static int
feed_serve(struct evhttp_request *req, const struct feed_verdict *v,
    int head, time_t now, char *what, size_t whatsize)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct feed_token_row	 row;
	struct member		 m;
	struct evbuffer		*b = NULL;
	struct err		 err;
	unsigned char		 digest[SHA256_DIGEST_LENGTH];
	char			 hex[FEED_HASH_HEX + 1];
	char			 etag[FEED_ETAG_HEX + 3];
	char			 today[DATE_LEN], buf[64], *body = NULL;
	const char		*inm;
	size_t			 len = 0, nevents = 0;
	int			 rc;

	err_clear(&err);
	if ((rc = feed_lookup(v->token, &row, &err)) == -1)
		goto fail;
	if (rc == 0) {
		feed_reply_text(req, 404, "Not Found", "not found\n", head);
		return (404);
	}
	if (people_member_get(feed_store, row.member, &m, &err) == -1) {
		if (err.code != ERR_NOT_FOUND)
			goto fail;
		feed_reply_text(req, 404, "Not Found", "not found\n", head);
		return (404);
	}
	people_today(today);
	if (m.end[0] != '\0' && strcmp(m.end, today) < 0) {
		snprintf(what, whatsize, " (%s has left)", m.slug);
		feed_reply_text(req, 404, "Not Found", "not found\n", head);
		return (404);
	}
	if ((body = feed_calendar(&m, row.created, now, &len, &nevents,
	    &err)) == NULL)
		goto fail;
	feed_sha256((const unsigned char *)body, len, digest);
	feed_hex(digest, FEED_ETAG_HEX / 2, hex);
	snprintf(etag, sizeof(etag), "\"%.*s\"", FEED_ETAG_HEX, hex);
	evhttp_add_header(h, "ETag", etag);
	snprintf(buf, sizeof(buf), "private, max-age=%lld",
	    (long long)feed_conf->feed_refresh);
	evhttp_add_header(h, "Cache-Control", buf);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	snprintf(what, whatsize, " (%s, %zu sessions)", m.slug, nevents);
	inm = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "If-None-Match");
	if (inm != NULL && feed_etag_match(inm, etag)) {
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		free(body);
		return (304);
	}
	evhttp_add_header(h, "Content-Type", "text/calendar; charset=utf-8");
	snprintf(buf, sizeof(buf), "%zu", len);
	evhttp_add_header(h, "Content-Length", buf);
	if (!head) {
		if ((b = evbuffer_new()) == NULL ||
		    evbuffer_add(b, body, len) == -1) {
			err_set(&err, ERR_INTERNAL, "out of memory");
			goto fail;
		}
	}
	evhttp_send_reply(req, 200, "OK", b);
	if (b != NULL)
		evbuffer_free(b);
	free(body);
	return (200);

fail:
	if (b != NULL)
		evbuffer_free(b);
	free(body);
	log_warnx("feed: cannot answer a request: %s", err.msg);
	evhttp_clear_headers(h);
	feed_reply_text(req, 500, "Internal Server Error",
	    "internal error\n", head);
	return (500);
}

/* ---- tokens ---- */

static void
feed_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
feed_unhex(const char *s, unsigned char *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 2 * n)
		return (-1);
	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' &&
		    hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' &&
		    lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi == -1 || lo == -1)
			return (-1);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

/*
 * The row whose hash is the token's: 1 found, 0 none, -1 error.  The
 * store finds candidates by a prefix of the hash; the whole of it is
 * compared here, in constant time.
 */
static int
feed_lookup(const char *token, struct feed_token_row *out, struct err *err)
{
	struct feed_token_row	*rows = NULL;
	unsigned char		 digest[SHA256_DIGEST_LENGTH];
	unsigned char		 stored[SHA256_DIGEST_LENGTH];
	char			 hex[FEED_HASH_HEX + 1];
	size_t			 n = 0, i;
	int			 found = 0;

	feed_sha256((const unsigned char *)token, strlen(token), digest);
	feed_hex(digest, sizeof(digest), hex);
	if (store_feed_token_find(feed_store, hex, &rows, &n, err) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (feed_unhex(rows[i].sha256, stored, sizeof(stored)) == -1)
			continue;
		if (CRYPTO_memcmp(stored, digest, sizeof(digest)) == 0 &&
		    !found) {
			*out = rows[i];
			found = 1;
		}
	}
	free(rows);
	return (found);
}

/* base_url, without a trailing slash, + /feed/TOKEN.ics. */
static char *
feed_url(const struct config *conf, const char *token)
{
	const char	*base = conf->feed_base_url;
	size_t		 n = strlen(base);
	char		*url;

	while (n > 0 && base[n - 1] == '/')
		n--;
	xasprintf(&url, "%.*s" FEED_PREFIX "%s" FEED_SUFFIX, (int)n, base,
	    token);
	return (url);
}

char *
feed_token_issue(struct store *s, const struct config *conf,
    const char *member, time_t now, struct err *err)
{
	unsigned char	 raw[FEED_TOKEN_BYTES], digest[SHA256_DIGEST_LENGTH];
	unsigned char	 b64[4 * ((FEED_TOKEN_BYTES + 2) / 3) + 1];
	char		 token[FEED_TOKEN_LEN + 1], hex[FEED_HASH_HEX + 1];
	char		*url = NULL;
	size_t		 got = 0, i;
	ssize_t		 r;

	while (got < sizeof(raw)) {
		if ((r = getrandom(raw + got, sizeof(raw) - got, 0)) == -1) {
			if (errno == EINTR)
				continue;
			err_set(err, ERR_INTERNAL, "getrandom: %s",
			    strerror(errno));
			goto out;
		}
		got += (size_t)r;
	}
	if (EVP_EncodeBlock(b64, raw, sizeof(raw)) != (int)sizeof(b64) - 1) {
		err_set(err, ERR_INTERNAL, "cannot encode a token");
		goto out;
	}
	for (i = 0; i < FEED_TOKEN_LEN; i++)
		token[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' :
		    (char)b64[i];
	token[FEED_TOKEN_LEN] = '\0';
	feed_sha256((const unsigned char *)token, FEED_TOKEN_LEN, digest);
	feed_hex(digest, sizeof(digest), hex);
	if (store_feed_token_put(s, member, hex, now, err) == -1)
		goto out;
	url = feed_url(conf, token);
	log_debug("feed: new token %.*s... for %s", FEED_LOG_TOKEN, token,
	    member);
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	explicit_bzero(token, sizeof(token));
	return (url);
}

int
feed_token_revoke(struct store *s, const char *member, int *revoked,
    struct err *err)
{
	if (store_feed_token_delete(s, member, revoked, err) == -1)
		return (-1);
	if (*revoked)
		log_debug("feed: token of %s revoked", member);
	return (0);
}

/* ---- the calendar ---- */

/* A member's name (the slug if unknown), cached for one calendar. */
static const char *
feed_name(struct feed_names *c, const char *slug)
{
	struct feed_name	*e;
	struct member		 m;
	struct err		 err;
	size_t			 i;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].slug, slug) == 0)
			return (c->v[i].name);
	}
	e = &c->v[c->n < FEED_NAMES_MAX ? c->n++ : FEED_NAMES_MAX - 1];
	snprintf(e->slug, sizeof(e->slug), "%s", slug);
	if (people_member_get(feed_store, slug, &m, &err) == 0 &&
	    m.name[0] != '\0')
		snprintf(e->name, sizeof(e->name), "%s", m.name);
	else
		snprintf(e->name, sizeof(e->name), "%s", slug);
	return (e->name);
}

/* As the invitations say it: "Group supervision: MAST North". */
static void
feed_summary(const struct session *x, char *buf, size_t size)
{
	char		 teams[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	struct team	 t;
	struct err	 err;
	size_t		 n, i, len;

	snprintf(buf, size, "%s: ", x->kind == SERIES_REFLECTIVE_PRACTICE ?
	    "Reflective practice" : "Group supervision");
	n = series_session_teams(x, teams);
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", i > 0 ? ", " : "",
		    people_team_get(feed_store, teams[i], &t, &err) == 0 ?
		    t.name : teams[i]);
	}
	if (n == 0) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s", x->series);
	}
}

/*
 * What the member reads under the event: the psychologist, who presents
 * and whether they do, and for a cancelled session why.  A case reference
 * only with include_cases, and only the member's own.
 */
static char *
feed_description(struct feed_names *c, const struct member *m,
    const struct session *x, struct err *err)
{
	struct presentation	*pres = NULL;
	struct session_note	 note;
	char			*out = NULL, *names = NULL, *tmp;
	const char		*own = NULL;
	size_t			 npres = 0, i, n;
	int			 presenting = 0;

	if (x->state == SESSION_CANCELLED) {
		if (store_session_note_get(feed_store, x->id, &note,
		    err) == -1)
			return (NULL);
		if (note.cancel_reason[0] != '\0')
			xasprintf(&out, "Cancelled: %s", note.cancel_reason);
		else
			out = xstrdup("Cancelled.");
		return (out);
	}
	if (x->psychologist[0] != '\0')
		xasprintf(&out, "Psychologist: %s\n",
		    feed_name(c, x->psychologist));
	else
		out = xstrdup("No psychologist is confirmed yet.\n");
	if (store_presentations_session(feed_store, x->id, &pres, &npres,
	    err) == -1) {
		free(out);
		return (NULL);
	}
	for (i = 0; i < npres; i++) {
		if (pres[i].member[0] == '\0')
			continue;
		if (strcmp(pres[i].member, m->slug) == 0) {
			presenting = 1;
			if (own == NULL || own[0] == '\0')
				own = pres[i].case_ref;
		}
		xasprintf(&tmp, "%s%s%s", names != NULL ? names : "",
		    names != NULL ? ", " : "", feed_name(c, pres[i].member));
		free(names);
		names = tmp;
	}
	if (names != NULL) {
		xasprintf(&tmp, "%sPresenting: %s\n", out, names);
		free(out);
		out = tmp;
	}
	if (presenting) {
		if (feed_conf->feed_include_cases && own != NULL &&
		    own[0] != '\0')
			xasprintf(&tmp, "%sYou are presenting case %s.\n", out,
			    own);
		else
			xasprintf(&tmp, "%sYou are presenting.\n", out);
		free(out);
		out = tmp;
	}
	free(names);
	presenters_free(pres, npres);
	/* Lines are joined, not ended, by newlines. */
	if ((n = strlen(out)) > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return (out);
}

/*
 * The member's sessions from FEED_PAST_DAYS back to the horizon, held,
 * planned and cancelled, one VEVENT each with the invitations' UID and
 * SEQUENCE.  DTSTAMP is when the token was made, so the same sessions
 * give the same bytes (and ETag) on every fetch.
 */
static char *
feed_calendar(const struct member *m, time_t stamp, time_t now, size_t *len,
    size_t *nevents, struct err *err)
{
	const struct config	*conf = feed_conf;
	struct feed_names	*names;
	struct ical_feed_info	 info;
	struct ical_event	*ev = NULL;
	struct session		*sess = NULL;
	char			**uids = NULL, **descs = NULL;
	char			(*sums)[256] = NULL;
	char			*calname = NULL, *out = NULL;
	size_t			 n = 0, i;

	names = xcalloc(1, sizeof(*names));
	/* A day past the horizon: whatever the planner's last run made. */
	if (series_sessions(feed_store, now - (time_t)FEED_PAST_DAYS *
	    FEED_DAY, now + (time_t)(conf->horizon_days + 1) * FEED_DAY, NULL,
	    m->slug, NULL, &sess, &n, err) == -1)
		goto out;
	ev = xcalloc(n > 0 ? n : 1, sizeof(*ev));
	uids = xcalloc(n > 0 ? n : 1, sizeof(*uids));
	descs = xcalloc(n > 0 ? n : 1, sizeof(*descs));
	sums = xcalloc(n > 0 ? n : 1, sizeof(*sums));
	for (i = 0; i < n; i++) {
		uids[i] = sess[i].uid[0] != '\0' ? xstrdup(sess[i].uid) :
		    message_uid(conf, sess[i].id);
		feed_summary(&sess[i], sums[i], sizeof(sums[i]));
		if ((descs[i] = feed_description(names, m, &sess[i],
		    err)) == NULL)
			goto out;
		ev[i].uid = uids[i];
		ev[i].sequence = sess[i].sequence;
		ev[i].dtstamp = stamp;
		ev[i].start = sess[i].start;
		ev[i].end = sess[i].end;
		ev[i].summary = sums[i];
		ev[i].location = sess[i].location;
		ev[i].description = descs[i];
		ev[i].cancelled = sess[i].state == SESSION_CANCELLED;
		ev[i].organizer_name = conf->from_name;
		ev[i].organizer_addr = conf->from_addr;
	}
	xasprintf(&calname, "Group supervision \xe2\x80\x94 %s",
	    m->name[0] != '\0' ? m->name : m->slug);
	memset(&info, 0, sizeof(info));
	info.name = calname;
	info.refresh = (long long)conf->feed_refresh;
	if ((out = ical_feed_build(conf->timezone, &info, ev, n, len,
	    err)) != NULL)
		*nevents = n;
out:
	for (i = 0; uids != NULL && i < n; i++) {
		free(uids[i]);
		free(descs[i]);
	}
	free(uids);
	free(descs);
	free(sums);
	free(ev);
	free(sess);
	free(calname);
	free(names);
	return (out);
}
