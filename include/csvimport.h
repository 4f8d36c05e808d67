/*
 * CSV imports (SPEC section 8) with libcsv: members, cases, absences and
 * attendance before reflectd.
 * All-or-nothing: every row is parsed and validated first, every error is
 * collected with its line number, and only a file without errors is applied
 * (inside the caller's transaction).  Columns the importer does not know are
 * dropped on parsing and never stored, logged or echoed.
 */
#ifndef REFLECTD_CSVIMPORT_H
#define REFLECTD_CSVIMPORT_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct store;
struct config;

enum csvimport_kind {
	CSVIMPORT_MEMBERS = 0,
	CSVIMPORT_CASES,
	CSVIMPORT_ABSENCES,
	CSVIMPORT_ATTENDANCE
};

struct csvimport_opts {
	int	kind;		/* enum csvimport_kind */
	int	snapshot;	/* cases: close open cases not in the file */
	int	dry_run;	/* validate and count, change nothing */
};

/*
 * Import body.  Returns the result object {inserted, updated, closed,
 * unchanged, errors:[{line,message}]}; with errors nothing was applied and
 * err is ERR_INVALID ("N errors; nothing imported").  Must run inside the
 * caller's transaction: errors and dry runs undo themselves through a
 * savepoint, so the caller rolls back only after ERR_INTERNAL.
 */
int	csvimport_run(struct store *, const struct config *,
	    const struct csvimport_opts *, const char *body, size_t len,
	    json_t **result, struct err *);

#endif
