/*
 * reflectd-mailread: reads one inbound message on standard input and
 * writes what it says as one line of JSON on standard output (inbox-wire).
 * reflectd runs it for each message in its replies Maildir, with the
 * message file as standard input, so that GMime and libical parse what
 * strangers send in a process that can fail on its own.  It opens no
 * file, writes nothing else, and exits 0 whenever it wrote a line, even
 * for a message that is no reply (the line then says why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inbox.h"
#include "xmalloc.h"

int
main(int argc, char *argv[])
{
	struct inbox_reply	 r;
	char			*buf, *line;
	size_t			 len = 0;
	ssize_t			 got;

	(void)argv;
	if (argc != 1 || isatty(STDIN_FILENO)) {
		fprintf(stderr, "usage: reflectd-mailread < message\n"
		    "(run by reflectd for each message in its inbox)\n");
		return (2);
	}
	/* One byte more than the largest message, to tell it was larger. */
	buf = xmalloc(INBOX_MAX_MESSAGE + 1);
	for (;;) {
		got = read(STDIN_FILENO, buf + len, INBOX_MAX_MESSAGE + 1 - len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			fprintf(stderr, "reflectd-mailread: read: %s\n",
			    strerror(errno));
			return (1);
		}
		if (got == 0 || (len += (size_t)got) > INBOX_MAX_MESSAGE)
			break;
	}
	if (len > INBOX_MAX_MESSAGE) {
		memset(&r, 0, sizeof(r));
		r.sequence = -1;
		snprintf(r.why, sizeof(r.why), "larger than %d bytes",
		    INBOX_MAX_MESSAGE);
	} else
		inbox_read(buf, len, &r);
	free(buf);
	inbox_global_free();
	if ((line = inbox_reply_encode(&r)) == NULL) {
		fprintf(stderr, "reflectd-mailread: out of memory\n");
		return (1);
	}
	if (printf("%s\n", line) < 0 || fflush(stdout) == EOF) {
		free(line);
		return (1);
	}
	free(line);
	return (0);
}
