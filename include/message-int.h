/*
 * What the two halves of the message module (message.c and
 * message-digest.c) share; nothing outside them includes this.
 */
#ifndef REFLECTD_MESSAGE_INT_H
#define REFLECTD_MESSAGE_INT_H

#include <stddef.h>
#include <time.h>

struct config;

/* A growing byte buffer; p is NUL-terminated whenever len > 0. */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void	message_buf_add(struct buf *, const char *, size_t);
void	message_buf_adds(struct buf *, const char *);
void	message_bprintf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* HTML text with <>&"' escaped and newlines as <br>. */
void	message_html_esc(struct buf *, const char *);
/* Date, From, To, Subject, Message-ID and MIME-Version. */
void	message_headers(struct buf *, const struct config *, const char *,
	    const char *, const char *, const char *, time_t);
/* One quoted-printable text part of a multipart body. */
void	message_part(struct buf *, const char *, const char *, const char *);
/* Close the multipart body; the message and its length. */
char	*message_finish(struct buf *, const char *, size_t *);

#endif
