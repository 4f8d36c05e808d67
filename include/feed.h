/*
 * feed: the calendar feed (SPEC 9).  An evhttp server on [feed] listen, on
 * the daemon's event base, answers GET and HEAD /feed/TOKEN.ics with the
 * member's sessions from FEED_PAST_DAYS back to the horizon as one
 * METHOD:PUBLISH VCALENDAR, and nothing else: the path is matched exactly
 * (never percent-decoded or case-folded), headers are capped, bodies
 * refused, every connection has a deadline, connections are capped and
 * an address that keeps failing gets 429 for a while.  Tokens are 256
 * bits from the kernel, shown once, stored only as their SHA-256 and
 * compared in constant time; they are never logged above debug, and
 * never whole.  The feed shares nothing with the control socket's ACL:
 * a token is the only credential it knows.  Judging a request is pure and
 * exported for the fuzz target.
 */
#ifndef REFLECTD_FEED_H
#define REFLECTD_FEED_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "people.h"

struct event_base;
struct store;
struct config;

#define FEED_TOKEN_BYTES	32	/* 256 bits from getrandom(2) */
#define FEED_TOKEN_LEN		43	/* base64url, no padding */
#define FEED_HASH_HEX		64	/* SHA-256 in hex, as stored */
#define FEED_PREFIX		"/feed/"
#define FEED_SUFFIX		".ics"

#define FEED_PAST_DAYS		28	/* sessions this far back */
#define FEED_MAX_CONNECTIONS	128	/* accepting pauses at this many */
#define FEED_TIMEOUT_SECONDS	10	/* per request, however it trickles */
#define FEED_HEADERS_MAX	8192	/* request line and headers */
#define FEED_FAIL_MAX		10	/* failed requests from an address... */
#define FEED_FAIL_WINDOW	300	/* ...within this many seconds... */
#define FEED_BLOCK_SECONDS	900	/* ...get it 429 for this long */
#define FEED_PEERS_MAX		1024	/* addresses remembered for that */
#define FEED_ADDR_MAX		64	/* an IPv4 or IPv6 address as text */

/* A request as evhttp parsed it; strings borrowed, NULL when absent. */
struct feed_request {
	const char	*method;	/* "GET", "HEAD", "POST", ... */
	const char	*target;	/* request-target, exactly as sent */
	const char	*peer;		/* the TCP peer's address */
	const char	*forwarded_for;	/* X-Forwarded-For */
};

struct feed_verdict {
	int	status;			/* 200: look token up; 404, 405 */
	char	token[FEED_TOKEN_LEN + 1];	/* when 200 */
	char	client[FEED_ADDR_MAX];	/* whom failures count against */
};

/*
 * Judge a request (pure): 405 for any method but GET and HEAD; 404 for
 * any target but FEED_PREFIX, FEED_TOKEN_LEN base64url characters and
 * FEED_SUFFIX, byte for byte (no query, no trailing slash, no escapes);
 * else 200 with the token copied out.  client is the peer, or for a
 * loopback peer (a reverse proxy on this host) the last address of
 * X-Forwarded-For when that is an address.
 */
void	feed_judge(const struct feed_request *, struct feed_verdict *);
/* 1 if an If-None-Match value names etag ("\"...\"", or "*"), else 0. */
int	feed_etag_match(const char *if_none_match, const char *etag);

/*
 * Start the server on the event base if conf->feed_listen is set.  An
 * address that cannot be bound is logged and the daemon runs without a
 * feed until a reload binds it: a feed is never worth refusing to plan.
 */
int	feed_init(struct event_base *, struct store *, const struct config *,
	    struct err *);
/* A new configuration: rebind if listen changed (or had failed). */
void	feed_reconfigure(const struct config *);
/* Close the listener and every connection. */
void	feed_free(void);

/*
 * For the feed commands (cmd-feed.c), inside their transaction: a new
 * token for member, replacing any, its hash stored; returns the feed's
 * URL (base_url + FEED_PREFIX + token + FEED_SUFFIX, malloc'd), the only
 * place the token is ever shown.
 */
char	*feed_token_issue(struct store *, const struct config *,
	    const char *member, time_t now, struct err *);
/* Remove member's token; *revoked 1 if there was one. */
int	feed_token_revoke(struct store *, const char *member, int *revoked,
	    struct err *);

/* A stored token: the member and the SHA-256 of the token, in hex. */
struct feed_token_row {
	char	member[SLUG_MAX + 1];
	char	sha256[FEED_HASH_HEX + 1];
	time_t	created;
};

#endif
