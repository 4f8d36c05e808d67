/*
 * Errors below the command layer: a code that is also the wire code of the
 * control socket, and a message a user can act on.
 */
#ifndef REFLECTD_ERR_H
#define REFLECTD_ERR_H

enum err_code {
	ERR_NONE = 0,
	ERR_USAGE,
	ERR_NOT_FOUND,
	ERR_CONFLICT,
	ERR_FORBIDDEN,
	ERR_INVALID,
	ERR_INTERNAL
};

#define ERR_MSG_MAX	1024

struct err {
	enum err_code	 code;
	char		 msg[ERR_MSG_MAX];
};

/* Fill err (may be NULL) and return -1, so callers can "return err_set(...)". */
int		 err_set(struct err *, enum err_code, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 err_clear(struct err *);
/* "usage", "not_found", ... ; "ok" for ERR_NONE. */
const char	*err_code_name(enum err_code);

#endif
