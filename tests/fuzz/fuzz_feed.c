/*
 * Fuzz target: a raw HTTP request in, the feed's status out.  The bytes
 * are split as evhttp hands a request over (request line, then headers
 * until a blank line) and judged by feed_judge; a path that passes and
 * names the one known token is served, so If-None-Match against its
 * ETag decides 200 or 304.  Whatever arrives, the status is one of those
 * the feed sends, a 200 comes only for GET or HEAD of a path that is
 * exactly /feed/TOKEN.ics with a canonical base64url token, and the
 * address failures count against is never empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feed.h"

#define KNOWN	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define ETAG	"\"0123456789abcdef0123456789abcdef\""
#define LINES	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	status_of(char *, char *);
static char	*header(char **, char **, size_t, const char *);

/* The value of the last header called name (case-insensitive). */
static char *
header(char **names, char **values, size_t n, const char *name)
{
	char	*v = NULL;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(names[i], name) == 0)
			v = values[i];
	}
	return (v);
}

/* buf: the request, NUL-terminated and writable; peer: the TCP peer. */
static int
status_of(char *buf, char *peer)
{
	struct feed_request	 r;
	struct feed_verdict	 v;
	char			*line, *save = NULL, *sp1, *sp2, *colon;
	char			*names[LINES], *values[LINES];
	size_t			 n = 0, i;

	if ((line = strtok_r(buf, "\n", &save)) == NULL)
		return (400);
	line[strcspn(line, "\r")] = '\0';
	if ((sp1 = strchr(line, ' ')) == NULL)
		return (400);
	*sp1++ = '\0';
	if ((sp2 = strchr(sp1, ' ')) != NULL)
		*sp2 = '\0';
	while (n < LINES && (line = strtok_r(NULL, "\n", &save)) != NULL) {
		line[strcspn(line, "\r")] = '\0';
		if (*line == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL)
			return (400);
		*colon++ = '\0';
		while (*colon == ' ' || *colon == '\t')
			colon++;
		names[n] = line;
		values[n++] = colon;
	}
	memset(&r, 0, sizeof(r));
	r.method = buf;
	r.target = sp1;
	r.peer = peer;
	r.forwarded_for = header(names, values, n, "X-Forwarded-For");
	feed_judge(&r, &v);
	if (v.client[0] == '\0' || strlen(v.client) >= FEED_ADDR_MAX)
		abort();
	if (v.status == 405) {
		if (strcmp(buf, "GET") == 0 || strcmp(buf, "HEAD") == 0)
			abort();
		return (405);
	}
	if (v.status == 404)
		return (404);
	if (v.status != 200)
		abort();
	if (strcmp(buf, "GET") != 0 && strcmp(buf, "HEAD") != 0)
		abort();
	if (strlen(v.token) != FEED_TOKEN_LEN ||
	    strncmp(sp1, FEED_PREFIX, strlen(FEED_PREFIX)) != 0 ||
	    strncmp(sp1 + strlen(FEED_PREFIX), v.token, FEED_TOKEN_LEN) != 0 ||
	    strcmp(sp1 + strlen(FEED_PREFIX) + FEED_TOKEN_LEN,
	    FEED_SUFFIX) != 0)
		abort();
	for (i = 0; i < FEED_TOKEN_LEN; i++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_",
		    v.token[i]) == NULL)
			abort();
	}
	if (strcmp(v.token, KNOWN) != 0)
		return (404);
	return (feed_etag_match(header(names, values, n, "If-None-Match"),
	    ETAG) ? 304 : 200);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, peer[] = "127.0.0.1", other[] = "203.0.113.5";
	int	 s1, s2;

	if (size > FEED_HEADERS_MAX)
		return (0);
	buf = malloc(size + 1);
	if (buf == NULL)
		return (0);
	/* evhttp hands over text: a request stops at its first NUL. */
	memcpy(buf, data, size);
	buf[size] = '\0';
	s1 = status_of(buf, peer);
	memcpy(buf, data, size);
	buf[size] = '\0';
	s2 = status_of(buf, other);
	/* The peer decides whom failures count against, never the answer. */
	if (s1 != s2)
		abort();
	if (s1 != 200 && s1 != 304 && s1 != 400 && s1 != 404 && s1 != 405)
		abort();
	free(buf);
	return (0);
}
