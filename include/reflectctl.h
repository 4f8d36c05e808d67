/*
 * reflectctl's two halves: reflectctl.c talks to the daemon, and
 * reflectctl-print.c shows its replies as text.  Not part of libreflect.
 */
#ifndef REFLECTD_REFLECTCTL_H
#define REFLECTD_REFLECTCTL_H

#include <jansson.h>

/* A result printer for the commands whose first words match. */
struct printer {
	const char	*command;
	void		(*print)(json_t *);
};

/* The printer for the command in argv, or NULL for the generic one. */
const struct printer *printer_find(int, char **);
/* Any result: key/value lines, and lists of objects as tables. */
void	 print_generic(json_t *);
/* The errors list of a refused import, to stderr. */
void	 print_error_list(json_t *);
/* A copy fit for a terminal: control characters as spaces (malloc'd). */
char	*text_clean(const char *);

#endif
