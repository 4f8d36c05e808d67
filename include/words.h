/*
 * The request-line word grammar shared by the control socket and reflectctl:
 * words separated by blanks, "double" and 'single' quotes, backslash escapes.
 * Pure: no I/O.
 */
#ifndef REFLECTD_WORDS_H
#define REFLECTD_WORDS_H

#include <stddef.h>

#include "err.h"

#define WORDS_MAX_LINE	65536		/* bytes in one request line */

struct words {
	int		 argc;
	char		**argv;		/* argc entries, NULL-terminated */
};

/*
 * Split len bytes of line (no newline) into words.  Fails with ERR_USAGE and
 * a message for an unterminated quote, a trailing backslash, a NUL byte,
 * invalid UTF-8 or a line longer than WORDS_MAX_LINE.
 */
struct words	*words_split(const char *line, size_t len, struct err *);
void		 words_free(struct words *);
/* Quote one word so that words_split gives it back unchanged (malloc'd). */
char		*words_quote(const char *);
/* Quote and join argv with single spaces (malloc'd). */
char		*words_join(int argc, char *const *argv);

#endif
