/*
 * struct err: the wire error codes and a message, filled below the command
 * layer and turned into the JSON reply by cmd.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static const char *err_names[] = {
	[ERR_NONE] = "ok",
	[ERR_USAGE] = "usage",
	[ERR_NOT_FOUND] = "not_found",
	[ERR_CONFLICT] = "conflict",
	[ERR_FORBIDDEN] = "forbidden",
	[ERR_INVALID] = "invalid",
	[ERR_INTERNAL] = "internal",
};

int
err_set(struct err *err, enum err_code code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return (-1);
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

void
err_clear(struct err *err)
{
	if (err == NULL)
		return;
	err->code = ERR_NONE;
	err->msg[0] = '\0';
}

const char *
err_code_name(enum err_code code)
{
	if ((unsigned)code >= sizeof(err_names) / sizeof(err_names[0]))
		return ("internal");
	return (err_names[code]);
}
