/*
 * Building RFC 5322 messages: headers, Message-IDs, MIME.  Pure: returns
 * bytes, delivers nothing.  Later: iMIP invitations and digests.
 */
#ifndef REFLECTD_MESSAGE_H
#define REFLECTD_MESSAGE_H

#include <stddef.h>
#include <time.h>

struct config;

/*
 * A stable Message-ID (without <>) for a message identified by kind, key and
 * recipient: the same inputs always give the same id, at the domain of
 * [mail] from.  Returns malloc'd string.
 */
char	*message_id(const struct config *, const char *kind, const char *key,
	    const char *rcpt);
/*
 * A text/plain UTF-8 message from [mail] from to rcpt (quoted-printable
 * body, encoded-word subject where needed).  Returns malloc'd bytes, CRLF
 * line ends, and sets *len.
 */
char	*message_plain(const struct config *, const char *rcpt_name,
	    const char *rcpt, const char *subject, const char *body,
	    const char *msgid, time_t date, size_t *len);

#endif
