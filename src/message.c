/*
 * Building RFC 5322 messages: stable Message-IDs, headers with RFC 2047
 * encoded words where the text is not ASCII, and quoted-printable bodies
 * with CRLF line ends and lines of at most 76 octets.  Pure: it returns
 * bytes and must not deliver, queue or log anything, and it never lets a
 * CR or LF from a name or subject start a new header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "config.h"
#include "message.h"
#include "xmalloc.h"

#define MESSAGE_LINE	76
/* Octets of text per encoded word: 52 base64 characters, 64 in all. */
#define MESSAGE_WORD	39

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void	buf_add(struct buf *, const char *, size_t);
static void	buf_adds(struct buf *, const char *);
static int	message_is_ascii(const char *);
static char	*message_clean(const char *);
static size_t	message_utf8_cut(const char *, size_t, size_t);
static void	message_encode_words(struct buf *, const char *);
static void	message_header_text(struct buf *, const char *,
		    const char *);
static void	message_mailbox(struct buf *, const char *, const char *,
		    const char *);
static void	message_qp(struct buf *, const char *);
static int	message_needs_quotes(const char *);

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	size_t	cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 1024 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int
message_is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return (0);
	}
	return (1);
}

/* A copy with control characters (CR, LF, TAB...) turned into spaces. */
static char *
message_clean(const char *s)
{
	char	*c, *p;

	c = xstrdup(s != NULL ? s : "");
	for (p = c; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	return (c);
}

/* At most max octets of s[0..len), not splitting a UTF-8 sequence. */
static size_t
message_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	n;

	if (len <= max)
		return (len);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (n == 0 ? max : n);
}

/*
 * RFC 2047 B encoded words of 64 octets each, one per line, so that no
 * line passes 76 octets after a header name of up to 10.
 */
static void
message_encode_words(struct buf *b, const char *text)
{
	char		 out[4 * MESSAGE_WORD / 3 + 4];
	size_t		 len = strlen(text), n, off = 0;
	int		 first = 1;

	do {
		n = message_utf8_cut(text + off, len - off, MESSAGE_WORD);
		EVP_EncodeBlock((unsigned char *)out,
		    (const unsigned char *)text + off, (int)n);
		if (!first)
			buf_adds(b, "\r\n ");
		buf_adds(b, "=?UTF-8?B?");
		buf_adds(b, out);
		buf_adds(b, "?=");
		off += n;
		first = 0;
	} while (off < len);
}

/* "Name: text" with text encoded if not ASCII, folded at blanks if long. */
static void
message_header_text(struct buf *b, const char *name, const char *value)
{
	char		*v = message_clean(value);
	const char	*p, *sp;
	size_t		 col, n;

	buf_adds(b, name);
	buf_adds(b, ": ");
	col = strlen(name) + 2;
	if (!message_is_ascii(v)) {
		message_encode_words(b, v);
		buf_adds(b, "\r\n");
		free(v);
		return;
	}
	p = v;
	while (col + strlen(p) > MESSAGE_LINE) {
		/* Fold at the last blank that fits, or the first after. */
		sp = NULL;
		for (n = 1; p[n] != '\0' && col + n <= MESSAGE_LINE; n++) {
			if (p[n] == ' ')
				sp = p + n;
		}
		if (sp == NULL)
			sp = strchr(p + 1, ' ');
		if (sp == NULL)
			break;
		buf_add(b, p, (size_t)(sp - p));
		buf_adds(b, "\r\n");
		p = sp;		/* the blank starts the continuation */
		col = 0;
	}
	buf_adds(b, p);
	buf_adds(b, "\r\n");
	free(v);
}

static int
message_needs_quotes(const char *s)
{
	return (strpbrk(s, "()<>[]:;@\\,.\"") != NULL);
}

/* "Header: Name <addr>" or "Header: addr". */
static void
message_mailbox(struct buf *b, const char *header, const char *name,
    const char *addr)
{
	char	*n = message_clean(name), *a = message_clean(addr);
	char	*q, *p;

	buf_adds(b, header);
	buf_adds(b, ": ");
	if (n[0] == '\0')
		buf_adds(b, a);
	else if (!message_is_ascii(n)) {
		message_encode_words(b, n);
		buf_adds(b, " <");
		buf_adds(b, a);
		buf_adds(b, ">");
	} else if (message_needs_quotes(n)) {
		buf_adds(b, "\"");
		for (p = n; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_adds(b, "\\");
			buf_add(b, p, 1);
		}
		buf_adds(b, "\" <");
		buf_adds(b, a);
		buf_adds(b, ">");
	} else {
		xasprintf(&q, "%s <%s>", n, a);
		buf_adds(b, q);
		free(q);
	}
	buf_adds(b, "\r\n");
	free(n);
	free(a);
}

/* Quoted-printable (RFC 2045) with CRLF hard breaks, soft breaks at 76. */
static void
message_qp(struct buf *b, const char *body)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)body;
	char			 enc[4];
	size_t			 col = 0, n;
	int			 eol;

	for (; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n');
		if ((*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !eol)) {
			enc[0] = (char)*p;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 0xf];
			n = 3;
		}
		/* Room for the text and, unless the line ends, a soft '='. */
		if (col + n > MESSAGE_LINE - (eol ? 0 : 1)) {
			buf_adds(b, "=\r\n");
			col = 0;
		}
		buf_add(b, enc, n);
		col += n;
	}
	if (col > 0)
		buf_adds(b, "\r\n");
}

char *
message_id(const struct config *conf, const char *kind, const char *key,
    const char *rcpt)
{
	static const char	 hex[] = "0123456789abcdef";
	EVP_MD_CTX		*ctx;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	char			 h[33], *id;
	const char		*at, *domain = "localhost";
	size_t			 i;

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, kind, strlen(kind) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, key, strlen(key) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, rcpt, strlen(rcpt)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < 16) {
		/* libcrypto cannot fail here short of memory exhaustion. */
		fprintf(stderr, "message_id: SHA-256 failed\n");
		abort();
	}
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 16; i++) {
		h[2 * i] = hex[md[i] >> 4];
		h[2 * i + 1] = hex[md[i] & 0xf];
	}
	h[32] = '\0';
	if (conf != NULL && conf->from_addr != NULL &&
	    (at = strrchr(conf->from_addr, '@')) != NULL && at[1] != '\0')
		domain = at + 1;
	xasprintf(&id, "%s@%s", h, domain);
	return (id);
}

char *
message_plain(const struct config *conf, const char *rcpt_name,
    const char *rcpt, const char *subject, const char *body,
    const char *msgid, time_t date, size_t *len)
{
	struct buf	 b = { NULL, 0, 0 };
	struct tm	 tm;
	char		 datebuf[64], *line;

	if (localtime_r(&date, &tm) == NULL ||
	    strftime(datebuf, sizeof(datebuf), "%a, %d %b %Y %H:%M:%S %z",
	    &tm) == 0)
		snprintf(datebuf, sizeof(datebuf), "Thu, 01 Jan 1970 "
		    "00:00:00 +0000");
	xasprintf(&line, "Date: %s\r\n", datebuf);
	buf_adds(&b, line);
	free(line);

	if (conf->from_name != NULL && conf->from_name[0] != '\0' &&
	    !message_is_ascii(conf->from_name))
		message_mailbox(&b, "From", conf->from_name, conf->from_addr);
	else
		message_header_text(&b, "From", conf->from);
	message_mailbox(&b, "To", rcpt_name, rcpt);
	message_header_text(&b, "Subject", subject);
	xasprintf(&line, "Message-ID: <%s>\r\n", msgid);
	buf_adds(&b, line);
	free(line);
	buf_adds(&b, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n");
	message_qp(&b, body != NULL ? body : "");
	*len = b.len;
	return (b.p);
}
