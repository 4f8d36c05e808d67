/*
 * The request-line word grammar shared by the control socket and
 * reflectctl: blanks separate words, "double quotes" take \" and \\,
 * 'single quotes' are literal, a backslash outside quotes escapes the next
 * byte, and adjacent parts join into one word as in the shell.  Pure: no
 * I/O, no logging; errors go back in a struct err for the caller to report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "words.h"
#include "xmalloc.h"

static int	 words_check_utf8(const unsigned char *, size_t, size_t *);
static int	 words_safe(const char *);
static void	 words_push(struct words *, size_t *, const char *, size_t);

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF.  On failure *bad is the offset of the offending sequence.
 */
static int
words_check_utf8(const unsigned char *s, size_t len, size_t *bad)
{
	size_t		i, n, k;
	uint32_t	cp, min;
	unsigned char	c;

	for (i = 0; i < len; i += n) {
		c = s[i];
		if (c < 0x80) {
			n = 1;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else
			goto bad;
		if (len - i < n)
			goto bad;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
	}
	return (0);
bad:
	*bad = i;
	return (-1);
}

static void
words_push(struct words *w, size_t *cap, const char *buf, size_t len)
{
	if ((size_t)w->argc + 2 > *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		w->argv = xreallocarray(w->argv, *cap, sizeof(*w->argv));
	}
	w->argv[w->argc++] = xstrndup(buf, len);
	w->argv[w->argc] = NULL;
}

struct words *
words_split(const char *line, size_t len, struct err *err)
{
	struct words	*w;
	char		*buf = NULL;
	size_t		 i, blen = 0, cap = 0, bad;
	int		 inword = 0;
	char		 c, quote = '\0';
	const char	*nul;

	if (line == NULL)
		len = 0;
	/* Clients that end lines with CRLF are common enough to tolerate. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > WORDS_MAX_LINE) {
		err_set(err, ERR_USAGE, "line longer than %d bytes",
		    WORDS_MAX_LINE);
		return (NULL);
	}
	if (len > 0 && (nul = memchr(line, '\0', len)) != NULL) {
		err_set(err, ERR_USAGE, "NUL byte at offset %zu of the line",
		    (size_t)(nul - line));
		return (NULL);
	}
	if (words_check_utf8((const unsigned char *)line, len, &bad) == -1) {
		err_set(err, ERR_USAGE, "invalid UTF-8 at offset %zu of the line",
		    bad);
		return (NULL);
	}

	w = xcalloc(1, sizeof(*w));
	w->argv = xcalloc(1, sizeof(*w->argv));
	cap = 1;
	buf = xmalloc(len + 1);

	for (i = 0; i < len; i++) {
		c = line[i];
		if (quote == '\'') {
			if (c == '\'')
				quote = '\0';
			else
				buf[blen++] = c;
			continue;
		}
		if (quote == '"') {
			if (c == '"')
				quote = '\0';
			else if (c == '\\' && i + 1 < len &&
			    (line[i + 1] == '"' || line[i + 1] == '\\'))
				buf[blen++] = line[++i];
			else
				buf[blen++] = c;
			continue;
		}
		switch (c) {
		case ' ':
		case '\t':
			if (inword) {
				words_push(w, &cap, buf, blen);
				blen = 0;
				inword = 0;
			}
			break;
		case '\'':
		case '"':
			quote = c;
			inword = 1;
			break;
		case '\\':
			if (i + 1 == len) {
				err_set(err, ERR_USAGE,
				    "trailing backslash at end of line");
				goto fail;
			}
			buf[blen++] = line[++i];
			inword = 1;
			break;
		default:
			buf[blen++] = c;
			inword = 1;
			break;
		}
	}
	if (quote != '\0') {
		err_set(err, ERR_USAGE, "unterminated %s quote",
		    quote == '"' ? "double" : "single");
		goto fail;
	}
	if (inword)
		words_push(w, &cap, buf, blen);
	free(buf);
	return (w);

fail:
	free(buf);
	words_free(w);
	return (NULL);
}

void
words_free(struct words *w)
{
	int	i;

	if (w == NULL)
		return;
	for (i = 0; i < w->argc; i++)
		free(w->argv[i]);
	free(w->argv);
	free(w);
}

/* Words made only of these characters never need quoting. */
static int
words_safe(const char *s)
{
	static const char	 extra[] = "_@%+=:,./-";
	const unsigned char	*p;

	if (*s == '\0')
		return (0);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'))
			continue;
		if (strchr(extra, *p) == NULL)
			return (0);
	}
	return (1);
}

char *
words_quote(const char *s)
{
	const char	*p;
	char		*out, *q;
	size_t		 n;

	if (words_safe(s))
		return (xstrdup(s));
	/*
	 * Single quotes keep everything literal; a word that itself holds a
	 * single quote reads better in double quotes, where only " and \
	 * need a backslash.
	 */
	if (strchr(s, '\'') == NULL) {
		n = strlen(s);
		out = xmalloc(n + 3);
		out[0] = '\'';
		memcpy(out + 1, s, n);
		out[n + 1] = '\'';
		out[n + 2] = '\0';
		return (out);
	}
	n = 3;
	for (p = s; *p != '\0'; p++)
		n += (*p == '"' || *p == '\\') ? 2 : 1;
	out = q = xmalloc(n);
	*q++ = '"';
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			*q++ = '\\';
		*q++ = *p;
	}
	*q++ = '"';
	*q = '\0';
	return (out);
}

char *
words_join(int argc, char *const *argv)
{
	char	**quoted, *out, *q;
	size_t	  n = 1, len;
	int	  i;

	if (argc <= 0)
		return (xstrdup(""));
	quoted = xcalloc((size_t)argc, sizeof(*quoted));
	for (i = 0; i < argc; i++) {
		quoted[i] = words_quote(argv[i]);
		n += strlen(quoted[i]) + 1;
	}
	out = q = xmalloc(n);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			*q++ = ' ';
		len = strlen(quoted[i]);
		memcpy(q, quoted[i], len);
		q += len;
		free(quoted[i]);
	}
	*q = '\0';
	free(quoted);
	return (out);
}
