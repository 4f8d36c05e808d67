/*
 * Warnings: what a write leaves for a person to fix, in words (SPEC 6, 7):
 * a leaver, or a member whose role no longer holds cases, who still leads
 * open cases ("orphaned" cases); an address outside [mail]
 * allowed_domains, whose mail would be refused; a series whose
 * psychologist does not work on its weekday.  Commands and imports append
 * the texts to their reply; status and the manager digest list the same
 * things.  No SQL here, no case references in any text.
 */
#ifndef REFLECTD_WARNINGS_H
#define REFLECTD_WARNINGS_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct store;
struct config;
struct member;
struct casefile;

/* 1 if cases led by m are orphaned: m has an end date or holds no cases. */
int	warnings_orphaning(const struct member *);
/* 1 if mail to m's address would be refused by [mail] allowed_domains. */
int	warnings_mail_refused(const struct config *, const struct member *);
/* Append to arr (a JSON array) the warnings about member m. */
int	warnings_member(struct store *, const struct config *,
	    const struct member *, json_t *arr, struct err *);
/*
 * Warn if a series' psychologist ps does not work on a weekday it meets
 * (its RRULE's BYDAY, else the weekday of its local start).
 */
void	warnings_series_day(const struct member *ps, const char *rrule,
	    const char *start, json_t *arr);
/*
 * Open cases whose lead is orphaning (team NULL: all; else the lead's team),
 * ordered by ref; free with free().
 */
int	warnings_orphaned_cases(struct store *, const char *team,
	    struct casefile **, size_t *, struct err *);
/* Members (team NULL: all) whose mail is refused; free with free(). */
int	warnings_refused_members(struct store *, const struct config *,
	    const char *team, struct member **, size_t *, struct err *);
/* Set "warnings" in o from arr when arr is not empty; takes arr. */
void	warnings_attach(json_t *o, json_t *arr);

#endif
