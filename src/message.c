/*
 * Building RFC 5322 messages: stable Message-IDs, headers with RFC 2047
 * encoded words where the text is not ASCII, quoted-printable bodies with
 * CRLF line ends and lines of at most 76 octets, and the multipart
 * messages of invitations (iMIP, the calendar from ical-build.c) and
 * reminders with their plain-text and HTML parts; the digests' body is in
 * message-digest.c, on the helpers here.  Pure: it returns bytes
 * and must not deliver, queue or log anything, and it never lets a CR or
 * LF from a name or subject start a new header.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* SHA256_Init and friends: deprecated in OpenSSL 3, kept for their size. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "config.h"
#include "ical.h"
#include "message.h"
#include "message-int.h"
#include "xmalloc.h"

#define MESSAGE_LINE	76
/* Octets of text per encoded word: 52 base64 characters, 64 in all. */
#define MESSAGE_WORD	39


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
static void	message_base64(struct buf *, const char *, size_t);
static void	message_encode(struct buf *, const char *, size_t, int);
static void	message_day(struct buf *, const struct tm *);
static void	message_when(struct buf *, time_t, time_t);
static void	message_day_time(struct buf *, time_t);
static void	message_hm(struct buf *, time_t);
static int	message_same(const char *, const char *);
static int	message_names_same(const char *const *, size_t,
		    const char *const *, size_t);
static void	message_name_list(struct buf *, const char *const *, size_t);
static void	message_cancel_why(struct buf *, const struct invite *);
static void	message_invite_lead(struct buf *, const struct invite *);
static void	message_invite_text(struct buf *, const struct config *,
		    const struct invite *);
static const char *message_rsvp_line(const struct config *);
static void	message_invite_html(struct buf *, const struct config *,
		    const struct invite *);
static void	message_invite_desc(struct buf *, const struct invite *);
static void	message_names(struct buf *, const char *const *, size_t, int);

void
message_buf_add(struct buf *b, const char *s, size_t n)
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

void
message_buf_adds(struct buf *b, const char *s)
{
	message_buf_add(b, s, strlen(s));
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
 * RFC 2047 B encoded words of at most 64 octets, one per line, so that no
 * line passes 76 octets after a header name of up to 10.  A decoder drops
 * the blanks between two encoded words, so each word ends after a blank
 * of the text (kept inside it) and a word is only cut inside when it is
 * longer than an encoded word holds.
 */
static void
message_encode_words(struct buf *b, const char *text)
{
	char		 out[4 * MESSAGE_WORD / 3 + 4];
	size_t		 len = strlen(text), n, off = 0, k;
	int		 first = 1;

	do {
		n = message_utf8_cut(text + off, len - off, MESSAGE_WORD);
		if (off + n < len) {
			for (k = n; k > 0 && text[off + k - 1] != ' '; k--)
				continue;
			if (k > 0)
				n = k;
		}
		EVP_EncodeBlock((unsigned char *)out,
		    (const unsigned char *)text + off, (int)n);
		if (!first)
			message_buf_adds(b, "\r\n ");
		message_buf_adds(b, "=?UTF-8?B?");
		message_buf_adds(b, out);
		message_buf_adds(b, "?=");
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

	message_buf_adds(b, name);
	message_buf_adds(b, ": ");
	col = strlen(name) + 2;
	if (!message_is_ascii(v)) {
		message_encode_words(b, v);
		message_buf_adds(b, "\r\n");
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
		message_buf_add(b, p, (size_t)(sp - p));
		message_buf_adds(b, "\r\n");
		p = sp;		/* the blank starts the continuation */
		col = 0;
	}
	message_buf_adds(b, p);
	message_buf_adds(b, "\r\n");
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

	message_buf_adds(b, header);
	message_buf_adds(b, ": ");
	if (n[0] == '\0')
		message_buf_adds(b, a);
	else if (!message_is_ascii(n)) {
		message_encode_words(b, n);
		/* Fold before the address if the line would pass 78. */
		for (q = b->p + b->len; q > b->p && q[-1] != '\n'; q--)
			continue;
		message_buf_adds(b, (size_t)(b->p + b->len - q) + strlen(a) + 3 >
		    78 ? "\r\n <" : " <");
		message_buf_adds(b, a);
		message_buf_adds(b, ">");
	} else if (message_needs_quotes(n)) {
		message_buf_adds(b, "\"");
		for (p = n; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				message_buf_adds(b, "\\");
			message_buf_add(b, p, 1);
		}
		message_buf_adds(b, "\" <");
		message_buf_adds(b, a);
		message_buf_adds(b, ">");
	} else {
		xasprintf(&q, "%s <%s>", n, a);
		message_buf_adds(b, q);
		free(q);
	}
	message_buf_adds(b, "\r\n");
	free(n);
	free(a);
}

/* Quoted-printable (RFC 2045) with CRLF hard breaks, soft breaks at 76. */
static void
message_qp(struct buf *b, const char *body)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)body;
	char			 line[MESSAGE_LINE + 8];
	size_t			 col = 0, n;
	int			 eol, plain;

	/*
	 * A line at a time into b, and a character at a time into the line
	 * without a call: a call per character was a tenth of mail.
	 */
	for (; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			line[col++] = '\r';
			line[col++] = '\n';
			message_buf_add(b, line, col);
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n');
		plain = (*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !eol);
		n = plain ? 1 : 3;
		/* Room for the text and, unless the line ends, a soft '='. */
		if (col + n > MESSAGE_LINE - (eol ? 0 : 1)) {
			line[col++] = '=';
			line[col++] = '\r';
			line[col++] = '\n';
			message_buf_add(b, line, col);
			col = 0;
		}
		if (plain)
			line[col++] = (char)*p;
		else {
			line[col++] = '=';
			line[col++] = hex[*p >> 4];
			line[col++] = hex[*p & 0xf];
		}
	}
	if (col > 0) {
		memcpy(line + col, "\r\n", 2);
		message_buf_add(b, line, col + 2);
	}
}

char *
message_id(const struct config *conf, const char *kind, const char *key,
    const char *rcpt)
{
	static const char	 hex[] = "0123456789abcdef";
	SHA256_CTX		 ctx;
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	char			 h[33], *id;
	const char		*at, *domain = "localhost";
	size_t			 i;

	/*
	 * libcrypto's own SHA-256 without EVP: OpenSSL 3's EVP (and the
	 * one-shot SHA256(), built on it) loads its provider tables on first
	 * use, 2 MB of a borough daemon's peak RSS; this costs 0.25 MB.
	 */
	if (SHA256_Init(&ctx) != 1 ||
	    SHA256_Update(&ctx, kind, strlen(kind) + 1) != 1 ||
	    SHA256_Update(&ctx, key, strlen(key) + 1) != 1 ||
	    SHA256_Update(&ctx, rcpt, strlen(rcpt)) != 1 ||
	    SHA256_Final(md, &ctx) != 1) {
		/* libcrypto cannot fail here. */
		fprintf(stderr, "message_id: SHA-256 failed\n");
		abort();
	}
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

/* Date, From, To, Subject, Message-ID and MIME-Version. */
void
message_headers(struct buf *b, const struct config *conf,
    const char *rcpt_name, const char *rcpt, const char *subject,
    const char *msgid, time_t date)
{
	struct tm	 tm;
	char		 datebuf[64];

	if (localtime_r(&date, &tm) == NULL ||
	    strftime(datebuf, sizeof(datebuf), "%a, %d %b %Y %H:%M:%S %z",
	    &tm) == 0)
		snprintf(datebuf, sizeof(datebuf), "Thu, 01 Jan 1970 "
		    "00:00:00 +0000");
	message_bprintf(b, "Date: %s\r\n", datebuf);
	if (conf->from_name != NULL && conf->from_name[0] != '\0' &&
	    !message_is_ascii(conf->from_name))
		message_mailbox(b, "From", conf->from_name, conf->from_addr);
	else
		message_header_text(b, "From", conf->from);
	message_mailbox(b, "To", rcpt_name, rcpt);
	message_header_text(b, "Subject", subject);
	message_bprintf(b, "Message-ID: <%s>\r\n", msgid);
	message_buf_adds(b, "MIME-Version: 1.0\r\n");
}

char *
message_plain(const struct config *conf, const char *rcpt_name,
    const char *rcpt, const char *subject, const char *body,
    const char *msgid, time_t date, size_t *len)
{
	struct buf	 b = { NULL, 0, 0 };

	message_headers(&b, conf, rcpt_name, rcpt, subject, msgid, date);
	message_buf_adds(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n");
	message_qp(&b, body != NULL ? body : "");
	*len = b.len;
	return (b.p);
}

void
message_bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		message_buf_add(b, small, (size_t)n);
		return;
	}
	/* Grow the buffer and print straight into it. */
	message_buf_add(b, small, 0);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = b->len + (size_t)n + 1;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * The last bodies encoded and what they gave.  An invitation's text, HTML
 * and calendar are the same for each of a session's attendees but its
 * presenters, so most encodings repeat one just made (a region's first
 * year: 25,753 messages of 6,060 calendars).  Room for a session's common
 * copy and two presenters' own; a long body (a digest) is not kept.
 */
#define MESSAGE_MEMO		9
#define MESSAGE_MEMO_MAX	8192

static struct message_memo {
	char	*in;
	size_t	 inlen;
	char	*out;
	size_t	 outlen;
	int	 b64;
} message_memo[MESSAGE_MEMO];
static size_t	message_memo_next;

/* body (len octets) base64 (b64) or quoted-printable into b. */
static void
message_encode(struct buf *b, const char *body, size_t len, int b64)
{
	struct message_memo	*m;
	struct buf		 t = { NULL, 0, 0 };
	size_t			 i;

	for (i = 0; i < MESSAGE_MEMO; i++) {
		m = &message_memo[i];
		if (m->in != NULL && m->b64 == b64 && m->inlen == len &&
		    memcmp(m->in, body, len) == 0) {
			if (m->outlen > 0)
				message_buf_add(b, m->out, m->outlen);
			return;
		}
	}
	if (len > MESSAGE_MEMO_MAX) {
		if (b64)
			message_base64(b, body, len);
		else
			message_qp(b, body);
		return;
	}
	if (b64)
		message_base64(&t, body, len);
	else
		message_qp(&t, body);
	m = &message_memo[message_memo_next];
	message_memo_next = (message_memo_next + 1) % MESSAGE_MEMO;
	free(m->in);
	free(m->out);
	m->in = xmalloc(len + 1);
	memcpy(m->in, body, len);
	m->in[len] = '\0';
	m->inlen = len;
	m->out = t.p;
	m->outlen = t.len;
	m->b64 = b64;
	if (t.len > 0)
		message_buf_add(b, t.p, t.len);
}

void
message_forget(void)
{
	size_t	i;

	for (i = 0; i < MESSAGE_MEMO; i++) {
		free(message_memo[i].in);
		free(message_memo[i].out);
	}
	memset(message_memo, 0, sizeof(message_memo));
	message_memo_next = 0;
}

/* Base64 (RFC 2045) in lines of 76 characters. */
static void
message_base64(struct buf *b, const char *data, size_t len)
{
	char	out[80];
	size_t	off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < 57 ? len - off : 57;
		EVP_EncodeBlock((unsigned char *)out,
		    (const unsigned char *)data + off, (int)n);
		message_buf_adds(b, out);
		message_buf_adds(b, "\r\n");
	}
}

void
message_html_esc(struct buf *b, const char *s)
{
	size_t	n;

	while (s != NULL && *s != '\0') {
		/* A run of characters that stand for themselves at once. */
		n = strcspn(s, "<>&\"'\n\001\002\003\004\005\006\007\010\011"
		    "\013\014\015\016\017\020\021\022\023\024\025\026\027"
		    "\030\031\032\033\034\035\036\037\177");
		if (n > 0) {
			message_buf_add(b, s, n);
			s += n;
			continue;
		}
		switch (*s) {
		case '<':
			message_buf_adds(b, "&lt;");
			break;
		case '>':
			message_buf_adds(b, "&gt;");
			break;
		case '&':
			message_buf_adds(b, "&amp;");
			break;
		case '"':
			message_buf_adds(b, "&quot;");
			break;
		case '\'':
			message_buf_adds(b, "&#39;");
			break;
		case '\n':
			message_buf_adds(b, "<br>\n");
			break;
		default:
			/* The other control characters. */
			message_buf_adds(b, " ");
			break;
		}
		s++;
	}
}

/* "Tuesday 10 March 2026" for tm. */
static void
message_day(struct buf *b, const struct tm *tm)
{
	char	wday[32], month[32];

	if (strftime(wday, sizeof(wday), "%A", tm) == 0 ||
	    strftime(month, sizeof(month), "%B", tm) == 0)
		wday[0] = month[0] = '\0';
	message_bprintf(b, "%s %d %s %d", wday, tm->tm_mday, month,
	    tm->tm_year + 1900);
}

/* "Tuesday 10 March 2026, 10:00-11:30 GMT" in the process time zone. */
static void
message_when(struct buf *b, time_t start, time_t end)
{
	struct tm	tm, te;
	char		t0[16], t1[16], zone[16];

	if (localtime_r(&start, &tm) == NULL ||
	    localtime_r(&end, &te) == NULL ||
	    strftime(t0, sizeof(t0), "%H:%M", &tm) == 0 ||
	    strftime(t1, sizeof(t1), "%H:%M", &te) == 0 ||
	    strftime(zone, sizeof(zone), "%Z", &tm) == 0) {
		message_buf_adds(b, "(time unknown)");
		return;
	}
	message_day(b, &tm);
	if (tm.tm_year == te.tm_year && tm.tm_yday == te.tm_yday)
		message_bprintf(b, ", %s-%s %s", t0, t1, zone);
	else {
		message_bprintf(b, ", %s to ", t0);
		message_day(b, &te);
		message_bprintf(b, ", %s %s", t1, zone);
	}
}

/* "A, B and C"; none: "to be decided" (text) when tbd. */
static void
message_names(struct buf *b, const char *const *names, size_t n, int tbd)
{
	size_t	i;

	if (n == 0 && tbd)
		message_buf_adds(b, "to be decided");
	for (i = 0; i < n; i++) {
		if (i > 0)
			message_buf_adds(b, i + 1 == n ? " and " : ", ");
		message_buf_adds(b, names[i] != NULL ? names[i] : "");
	}
}

/* One part of a multipart body; text parts quoted-printable. */
void
message_part(struct buf *b, const char *boundary, const char *type,
    const char *body)
{
	message_bprintf(b, "--%s\r\n", boundary);
	message_bprintf(b, "Content-Type: %s; charset=UTF-8\r\n", type);
	message_buf_adds(b, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	message_encode(b, body, strlen(body), 0);
}

/*
 * Close the multipart body and return the message.  The boundary ("=_"
 * and hex) cannot occur in quoted-printable or base64 text.
 */
char *
message_finish(struct buf *b, const char *boundary, size_t *len)
{
	message_bprintf(b, "--%s--\r\n", boundary);
	*len = b->len;
	return (b->p);
}

char *
message_uid(const struct config *conf, const char *session_id)
{
	const char	*at, *domain = "localhost";
	char		*uid;

	if (conf != NULL && conf->from_addr != NULL &&
	    (at = strrchr(conf->from_addr, '@')) != NULL && at[1] != '\0')
		domain = at + 1;
	xasprintf(&uid, "%s@%s", session_id, domain);
	return (uid);
}

const char *
message_invite_kind(int kind)
{
	switch (kind) {
	case INVITE_UPDATE:
		return ("update");
	case INVITE_CANCEL:
		return ("cancellation");
	case INVITE_NOT_EXPECTED:
		return ("not_expected");
	default:
		return ("invitation");
	}
}

/* "Tuesday 5 January 10:00" for t in the process time zone. */
static void
message_day_time(struct buf *b, time_t t)
{
	struct tm	tm;
	char		hm[16];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(hm, sizeof(hm), "%H:%M", &tm) == 0) {
		message_buf_adds(b, "(time unknown)");
		return;
	}
	message_day(b, &tm);
	message_bprintf(b, " %s", hm);
}

/* "10:00" for t. */
static void
message_hm(struct buf *b, time_t t)
{
	struct tm	tm;
	char		hm[16];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(hm, sizeof(hm), "%H:%M", &tm) == 0)
		snprintf(hm, sizeof(hm), "--:--");
	message_buf_adds(b, hm);
}

static int
message_same(const char *a, const char *b)
{
	return (strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0);
}

static int
message_names_same(const char *const *a, size_t na, const char *const *b,
    size_t nb)
{
	size_t	i;

	if (na != nb)
		return (0);
	for (i = 0; i < na; i++)
		if (!message_same(a[i], b[i]))
			return (0);
	return (1);
}

/* "A, B" (or "to be decided"). */
static void
message_name_list(struct buf *b, const char *const *names, size_t n)
{
	size_t	i;

	if (n == 0)
		message_buf_adds(b, "to be decided");
	for (i = 0; i < n; i++) {
		if (i > 0)
			message_buf_adds(b, ", ");
		message_buf_adds(b, names[i] != NULL ? names[i] : "");
	}
}

char *
message_invite_changes(const struct invite *inv)
{
	const struct invite_was	*w = inv->was;
	struct buf		 b = { NULL, 0, 0 };
	struct tm		 t0, t1;
	const char		*psy;
	int			 sameday;

	message_buf_adds(&b, "");
	if (inv->kind != INVITE_UPDATE || w == NULL || w->start == 0)
		return (b.p);
	if (w->start != inv->start) {
		message_buf_adds(&b, "Moved from ");
		message_day_time(&b, w->start);
		message_buf_adds(&b, " to ");
		message_day_time(&b, inv->start);
		message_buf_adds(&b, ".\n");
	} else if (w->end != inv->end) {
		sameday = localtime_r(&w->end, &t0) != NULL &&
		    localtime_r(&inv->end, &t1) != NULL &&
		    t0.tm_yday == t1.tm_yday && t0.tm_year == t1.tm_year;
		message_buf_adds(&b, "Now ends at ");
		if (sameday)
			message_hm(&b, inv->end);
		else
			message_day_time(&b, inv->end);
		message_buf_adds(&b, " (was ");
		if (sameday)
			message_hm(&b, w->end);
		else
			message_day_time(&b, w->end);
		message_buf_adds(&b, ").\n");
	}
	if ((w->start != inv->start || w->end != inv->end) &&
	    inv->reason != NULL && inv->reason[0] != '\0')
		message_bprintf(&b, "Reason given: %s\n", inv->reason);
	if (!message_same(w->location, inv->location)) {
		if (inv->location != NULL && inv->location[0] != '\0') {
			message_bprintf(&b, "Now in %s", inv->location);
			if (w->location != NULL && w->location[0] != '\0')
				message_bprintf(&b, " (was %s)", w->location);
			message_buf_adds(&b, ".\n");
		} else
			message_bprintf(&b, "No room is given now (was %s).\n",
			    w->location);
	}
	psy = inv->psychologist != NULL ? inv->psychologist : "";
	if (!message_same(w->psychologist, psy)) {
		if (psy[0] == '\0')
			message_bprintf(&b, "No psychologist is free for this "
			    "session now (was %s); the manager has been "
			    "told.\n", w->psychologist);
		else if (inv->covers_for != NULL &&
		    inv->covers_for[0] != '\0' &&
		    strcmp(inv->covers_for, psy) != 0) {
			message_bprintf(&b, "%s covers for %s", psy,
			    inv->covers_for);
			if (inv->cover_why != NULL && inv->cover_why[0] != '\0')
				message_bprintf(&b, ", who %s", inv->cover_why);
			message_buf_adds(&b, ".\n");
		} else if (w->psychologist == NULL ||
		    w->psychologist[0] == '\0')
			message_bprintf(&b, "%s is now the psychologist (none "
			    "was free before).\n", psy);
		else
			message_bprintf(&b, "%s is the psychologist again (was "
			    "%s).\n", psy, w->psychologist);
	}
	if (!message_names_same(w->presenters, w->npresenters,
	    inv->presenters, inv->npresenters)) {
		message_buf_adds(&b, "Presenting now: ");
		message_name_list(&b, inv->presenters, inv->npresenters);
		message_buf_adds(&b, " (was ");
		message_name_list(&b, w->presenters, w->npresenters);
		message_buf_adds(&b, ").\n");
	}
	if (!message_same(w->own_case, inv->own_case)) {
		if (inv->own_case != NULL && inv->own_case[0] != '\0')
			message_bprintf(&b, "You are now presenting case "
			    "%s.\n", inv->own_case);
		else
			message_buf_adds(&b, "You are no longer presenting at this "
			    "session.\n");
	}
	return (b.p);
}

/* "Cancelled by Sam Patel.  Reason given: ..." lines of a cancellation. */
static void
message_cancel_why(struct buf *b, const struct invite *inv)
{
	if (inv->by != NULL && inv->by[0] != '\0')
		message_bprintf(b, "Cancelled by %s.\n", inv->by);
	if (inv->reason != NULL && inv->reason[0] != '\0')
		message_bprintf(b, "Reason given: %s\n", inv->reason);
	if ((inv->by == NULL || inv->by[0] == '\0') &&
	    (inv->reason == NULL || inv->reason[0] == '\0'))
		message_buf_adds(b, "Its series no longer has a session on this "
		    "date.\n");
}

/* The opening paragraph, the same in text, HTML and DESCRIPTION. */
static void
message_invite_lead(struct buf *b, const struct invite *inv)
{
	char	*ch;

	switch (inv->kind) {
	case INVITE_UPDATE:
		ch = message_invite_changes(inv);
		if (ch[0] != '\0') {
			message_buf_adds(b, "This session has changed:\n");
			message_buf_adds(b, ch);
		} else
			message_buf_adds(b, "This session has changed; the details "
			    "below are the new ones.\n");
		free(ch);
		break;
	case INVITE_CANCEL:
		message_buf_adds(b, "This session is cancelled.\n");
		message_cancel_why(b, inv);
		break;
	case INVITE_NOT_EXPECTED:
		message_buf_adds(b, "This session goes ahead for the team, but you are "
		    "no longer expected at it");
		if (inv->reason != NULL && inv->reason[0] != '\0')
			message_bprintf(b, ": %s", inv->reason);
		message_buf_adds(b, ".\nYour calendar should offer to remove it; "
		    "nothing else changes for you.\n");
		break;
	default:
		message_buf_adds(b, "You are invited to this session.\n");
		break;
	}
}

/* The DESCRIPTION: what happened, who facilitates and presents. */
static void
message_invite_desc(struct buf *b, const struct invite *inv)
{
	if (inv->kind != INVITE_NEW)
		message_invite_lead(b, inv);
	message_bprintf(b, "Psychologist: %s\n", inv->psychologist != NULL &&
	    inv->psychologist[0] != '\0' ? inv->psychologist :
	    "not yet covered");
	if (inv->kind != INVITE_CANCEL) {
		message_buf_adds(b, "Presenting: ");
		message_names(b, inv->presenters, inv->npresenters, 1);
		message_buf_adds(b, "\n");
	}
	if (inv->own_case != NULL && inv->own_case[0] != '\0')
		message_bprintf(b, "You are presenting case %s.\n",
		    inv->own_case);
	if (inv->note != NULL && inv->note[0] != '\0')
		message_bprintf(b, "%s\n", inv->note);
}

static void
message_invite_text(struct buf *b, const struct config *conf,
    const struct invite *inv)
{
	struct buf	 l = { NULL, 0, 0 };
	char		*p, *nl;

	message_invite_lead(&l, inv);
	/* The lead's first line, then its other lines as a list. */
	for (p = l.p; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;		/* every line of the lead ends so */
		if (p == l.p)
			message_buf_add(b, p, (size_t)(nl - p));
		else if (inv->kind == INVITE_UPDATE) {
			message_buf_adds(b, "\n  - ");
			message_buf_add(b, p, (size_t)(nl - p));
		} else {
			message_buf_adds(b, "\n");
			message_buf_add(b, p, (size_t)(nl - p));
		}
	}
	free(l.p);
	message_buf_adds(b, "\n\n");
	message_bprintf(b, "  What:          %s\n", inv->summary);
	message_buf_adds(b, "  When:          ");
	message_when(b, inv->start, inv->end);
	message_bprintf(b, "\n  Where:         %s\n",
	    inv->location != NULL && inv->location[0] != '\0' ?
	    inv->location : "(not given)");
	message_bprintf(b, "  Psychologist:  %s\n",
	    inv->psychologist != NULL && inv->psychologist[0] != '\0' ?
	    inv->psychologist : "not yet covered");
	if (inv->kind != INVITE_CANCEL) {
		message_buf_adds(b, "  Presenting:    ");
		message_names(b, inv->presenters, inv->npresenters, 1);
		message_buf_adds(b, "\n");
	}
	message_buf_adds(b, "\n");
	if (inv->own_case != NULL && inv->own_case[0] != '\0')
		message_bprintf(b, "You are presenting case %s.  Bring what "
		    "the group needs to know to think\nabout it with you.\n\n",
		    inv->own_case);
	if (inv->note != NULL && inv->note[0] != '\0')
		message_bprintf(b, "%s\n\n", inv->note);
	if (inv->kind == INVITE_NEW || inv->kind == INVITE_UPDATE)
		message_buf_adds(b, message_rsvp_line(conf));
}

/* What to do to answer: click in the calendar, or (replies unread) ask. */
static const char *
message_rsvp_line(const struct config *conf)
{
	if (conf->inbox != NULL && conf->inbox[0] != '\0')
		return ("Your calendar should offer to accept or decline "
		    "this invitation.\n");
	return ("Replies to this invitation are not read: if you cannot "
	    "come, tell your manager.\n");
}

static void
message_invite_html(struct buf *b, const struct config *conf,
    const struct invite *inv)
{
	static const char	*th = "<th style=\"text-align:left;"
				    "padding:2px 12px 2px 0\">";
	struct buf		 w = { NULL, 0, 0 }, l = { NULL, 0, 0 };
	char			*p, *nl;
	int			 list = 0;

	message_buf_adds(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>");
	message_html_esc(b, inv->summary);
	message_buf_adds(b, "</title></head>\n<body style=\"font-family:sans-serif;"
	    "color:#222222\">\n<p>");
	message_invite_lead(&l, inv);
	for (p = l.p; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;		/* every line of the lead ends so */
		*nl = '\0';
		if (p == l.p) {
			message_html_esc(b, p);
			message_buf_adds(b, "</p>\n");
		} else if (inv->kind == INVITE_UPDATE) {
			if (!list)
				message_buf_adds(b, "<ul>\n");
			list = 1;
			message_buf_adds(b, "<li>");
			message_html_esc(b, p);
			message_buf_adds(b, "</li>\n");
		} else {
			message_buf_adds(b, "<p>");
			message_html_esc(b, p);
			message_buf_adds(b, "</p>\n");
		}
	}
	if (list)
		message_buf_adds(b, "</ul>\n");
	free(l.p);
	message_buf_adds(b, "<table style=\"border-collapse:collapse\">\n");
	message_bprintf(b, "<tr>%sWhat</th><td>", th);
	message_html_esc(b, inv->summary);
	message_bprintf(b, "</td></tr>\n<tr>%sWhen</th><td>", th);
	message_when(&w, inv->start, inv->end);
	message_html_esc(b, w.p);
	free(w.p);
	w.p = NULL;
	w.len = w.cap = 0;
	message_bprintf(b, "</td></tr>\n<tr>%sWhere</th><td>", th);
	message_html_esc(b, inv->location != NULL && inv->location[0] != '\0' ?
	    inv->location : "(not given)");
	message_bprintf(b, "</td></tr>\n<tr>%sPsychologist</th><td>", th);
	message_html_esc(b, inv->psychologist != NULL &&
	    inv->psychologist[0] != '\0' ? inv->psychologist :
	    "not yet covered");
	if (inv->kind != INVITE_CANCEL) {
		message_bprintf(b, "</td></tr>\n<tr>%sPresenting</th><td>",
		    th);
		message_names(&w, inv->presenters, inv->npresenters, 1);
		message_html_esc(b, w.p);
		free(w.p);
	}
	message_buf_adds(b, "</td></tr>\n</table>\n");
	if (inv->own_case != NULL && inv->own_case[0] != '\0') {
		message_buf_adds(b, "<p><strong>You are presenting case ");
		message_html_esc(b, inv->own_case);
		message_buf_adds(b, ".</strong></p>\n");
	}
	if (inv->note != NULL && inv->note[0] != '\0') {
		message_buf_adds(b, "<p>");
		message_html_esc(b, inv->note);
		message_buf_adds(b, "</p>\n");
	}
	if (inv->kind == INVITE_NEW || inv->kind == INVITE_UPDATE) {
		message_buf_adds(b, "<p>");
		message_html_esc(b, message_rsvp_line(conf));
		message_buf_adds(b, "</p>\n");
	}
	message_buf_adds(b, "</body></html>\n");
}

char *
message_invite_subject(const struct invite *inv)
{
	struct tm	 tm;
	char		 when[64], *subject;
	const char	*what;

	if (localtime_r(&inv->start, &tm) == NULL ||
	    strftime(when, sizeof(when), "%a %d %b %Y %H:%M", &tm) == 0)
		snprintf(when, sizeof(when), "(time unknown)");
	switch (inv->kind) {
	case INVITE_UPDATE:
		what = "Updated";
		break;
	case INVITE_CANCEL:
		what = "Cancelled";
		break;
	case INVITE_NOT_EXPECTED:
		what = "Not expected";
		break;
	default:
		what = "Invitation";
		break;
	}
	xasprintf(&subject, "%s: %s, %s", what, inv->summary, when);
	return (subject);
}

char *
message_invitation(const struct config *conf, const struct invite *inv,
    char **msgidp, size_t *len, struct err *err)
{
	struct buf		 b = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	struct ical_event	 ev;
	const char		*kind = message_invite_kind(inv->kind);
	const char		*method;
	char			*key = NULL, *msgid = NULL, *subject = NULL;
	char			*cal = NULL, mixed[64], alt[64];
	size_t			 callen;
	int			 cancel;

	if (inv->uid == NULL || inv->rcpt == NULL || inv->summary == NULL) {
		err_set(err, ERR_INVALID, "an invitation needs a UID, a "
		    "recipient and a summary");
		return (NULL);
	}
	cancel = inv->kind == INVITE_CANCEL || inv->kind == INVITE_NOT_EXPECTED;
	message_invite_desc(&t, inv);
	while (t.len > 0 && t.p[t.len - 1] == '\n')
		t.p[--t.len] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.uid = inv->uid;
	ev.sequence = inv->sequence;
	ev.dtstamp = inv->dtstamp;
	ev.start = inv->start;
	ev.end = inv->end;
	ev.summary = inv->summary;
	ev.location = inv->location;
	ev.description = t.p;
	/* Not expected: the session goes ahead, only this attendee goes. */
	ev.cancelled = inv->kind == INVITE_CANCEL;
	ev.organizer_name = conf->from_name;
	ev.organizer_addr = conf->from_addr;
	ev.attendees = inv->attendees;
	ev.nattendees = inv->nattendees;
	cal = ical_calendar_build(cancel ? ICAL_MSG_CANCEL : ICAL_MSG_REQUEST,
	    conf->timezone, &ev, 1, &callen, err);
	free(t.p);
	t.p = NULL;
	t.len = t.cap = 0;
	if (cal == NULL)
		return (NULL);
	method = cancel ? "CANCEL" : "REQUEST";

	xasprintf(&key, "%s/%d", inv->uid, inv->sequence);
	msgid = message_id(conf, kind, key, inv->rcpt);
	snprintf(mixed, sizeof(mixed), "=_reflectd_m%.24s", msgid);
	snprintf(alt, sizeof(alt), "=_reflectd_a%.24s", msgid);
	subject = message_invite_subject(inv);
	message_headers(&b, conf, inv->rcpt_name, inv->rcpt, subject, msgid,
	    inv->dtstamp);
	/*
	 * Google's shape (CalConnect's advice): clients that act only on the
	 * inline calendar and those that act only on an attachment both
	 * find one, and webmail that hides alternatives still offers a file.
	 */
	message_bprintf(&b, "Content-Type: multipart/mixed;"
	    "\r\n boundary=\"%s\"\r\n\r\n", mixed);
	message_bprintf(&b, "--%s\r\n", mixed);
	message_bprintf(&b, "Content-Type: multipart/alternative;"
	    "\r\n boundary=\"%s\"\r\n\r\n", alt);
	message_invite_text(&t, conf, inv);
	message_part(&b, alt, "text/plain", t.p);
	free(t.p);
	t.p = NULL;
	t.len = t.cap = 0;
	message_invite_html(&t, conf, inv);
	message_part(&b, alt, "text/html", t.p);
	free(t.p);
	message_bprintf(&b, "--%s\r\n", alt);
	message_bprintf(&b, "Content-Type: text/calendar; charset=UTF-8; "
	    "method=%s\r\n", method);
	message_buf_adds(&b, "Content-Transfer-Encoding: base64\r\n\r\n");
	/* Encoded once, sent twice. */
	t.p = NULL;
	t.len = t.cap = 0;
	message_encode(&t, cal, callen, 1);
	message_buf_add(&b, t.p, t.len);
	message_bprintf(&b, "--%s--\r\n", alt);
	message_bprintf(&b, "--%s\r\n", mixed);
	message_buf_adds(&b, "Content-Type: application/ics; name=\"invite.ics\"\r\n"
	    "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	message_buf_add(&b, t.p, t.len);
	free(t.p);
	free(cal);
	free(key);
	free(subject);
	if (msgidp != NULL)
		*msgidp = msgid;
	else
		free(msgid);
	return (message_finish(&b, mixed, len));
}

char *
message_reminder(const struct config *conf, const struct reminder *r,
    char **msgidp, size_t *len, struct err *err)
{
	struct buf	 b = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	struct buf	 s = { NULL, 0, 0 }, w = { NULL, 0, 0 };
	char		*key, *msgid, boundary[64];
	const char	*where, *psy;

	if (r->uid == NULL || r->rcpt == NULL || r->summary == NULL) {
		err_set(err, ERR_INVALID, "a reminder needs a UID, a "
		    "recipient and a summary");
		return (NULL);
	}
	where = r->location != NULL && r->location[0] != '\0' ?
	    r->location : "(not given)";
	psy = r->psychologist != NULL && r->psychologist[0] != '\0' ?
	    r->psychologist : "not yet covered";
	xasprintf(&key, "%s/%lld", r->uid, (long long)r->start);
	msgid = message_id(conf, "presenter_reminder", key, r->rcpt);
	free(key);
	snprintf(boundary, sizeof(boundary), "=_reflectd_%.24s", msgid);
	message_when(&w, r->start, r->end);
	message_bprintf(&s, "Reminder: you are presenting at %s", r->summary);

	message_headers(&b, conf, r->rcpt_name, r->rcpt, s.p, msgid, r->date);
	message_bprintf(&b, "Content-Type: multipart/alternative;"
	    "\r\n boundary=\"%s\"\r\n\r\n", boundary);

	if (r->note != NULL && r->note[0] != '\0')
		message_bprintf(&t, "%s\n\n", r->note);
	message_bprintf(&t, "You are presenting at %s.\n\n", r->summary);
	message_bprintf(&t, "  When:          %s\n", w.p);
	message_bprintf(&t, "  Where:         %s\n", where);
	message_bprintf(&t, "  Psychologist:  %s\n", psy);
	if (r->own_case != NULL && r->own_case[0] != '\0')
		message_bprintf(&t, "  Your case:     %s\n", r->own_case);
	message_buf_adds(&t, "\nIf you cannot present, tell your manager so that "
	    "someone else can.\n");
	message_part(&b, boundary, "text/plain", t.p);
	free(t.p);
	t.p = NULL;
	t.len = t.cap = 0;

	message_buf_adds(&t, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>");
	message_html_esc(&t, s.p);
	message_buf_adds(&t, "</title></head>\n<body style=\"font-family:sans-serif;"
	    "color:#222222\">\n");
	if (r->note != NULL && r->note[0] != '\0') {
		message_buf_adds(&t, "<p><strong>");
		message_html_esc(&t, r->note);
		message_buf_adds(&t, "</strong></p>\n");
	}
	message_buf_adds(&t, "<p>You are presenting at ");
	message_html_esc(&t, r->summary);
	message_buf_adds(&t, ".</p>\n<table style=\"border-collapse:collapse\">\n"
	    "<tr><th style=\"text-align:left;padding-right:12px\">When</th>"
	    "<td>");
	message_html_esc(&t, w.p);
	message_buf_adds(&t, "</td></tr>\n<tr><th style=\"text-align:left;"
	    "padding-right:12px\">Where</th><td>");
	message_html_esc(&t, where);
	message_buf_adds(&t, "</td></tr>\n<tr><th style=\"text-align:left;"
	    "padding-right:12px\">Psychologist</th><td>");
	message_html_esc(&t, psy);
	message_buf_adds(&t, "</td></tr>\n");
	if (r->own_case != NULL && r->own_case[0] != '\0') {
		message_buf_adds(&t, "<tr><th style=\"text-align:left;"
		    "padding-right:12px\">Your case</th><td>");
		message_html_esc(&t, r->own_case);
		message_buf_adds(&t, "</td></tr>\n");
	}
	message_buf_adds(&t, "</table>\n<p>If you cannot present, tell your manager "
	    "so that someone else can.</p>\n</body></html>\n");
	message_part(&b, boundary, "text/html", t.p);
	free(t.p);
	free(s.p);
	free(w.p);
	if (msgidp != NULL)
		*msgidp = msgid;
	else
		free(msgid);
	return (message_finish(&b, boundary, len));
}

