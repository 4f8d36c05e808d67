/*
 * Cases: allocation to a lead worker and an optional co-worker, opening and
 * closing, flags, and the caseload consequences of every change: a member
 * whose caseload crosses into "over" gets one alert to their team manager,
 * queued in the same transaction.  No SQL here (store-cases.c), no
 * arithmetic here (caseload.c).  Case references never reach logs above
 * debug and never reach alert mail.
 */
#ifndef REFLECTD_CASES_H
#define REFLECTD_CASES_H

#include <stddef.h>

#include "err.h"
#include "people.h"

struct store;
struct config;

struct casefile {
	char	ref[REF_MAX + 1];
	int	kind;				/* enum case_kind */
	char	opened[DATE_LEN];
	char	closed[DATE_LEN];		/* "" = open */
	char	lead[SLUG_MAX + 1];
	char	coworker[SLUG_MAX + 1];		/* "" = none */
	int	flagged;
	char	flag_reason[REASON_MAX + 1];
	char	flagged_on[DATE_LEN];
	char	last_discussed[DATE_LEN];	/* "" = never */
};

struct case_filter {
	const char	*member;	/* lead or co-worker; NULL any */
	const char	*team;		/* lead's or co-worker's team; NULL any */
	int		 open;		/* 1 open, 0 closed, -1 both */
};

int	cases_get(struct store *, const char *ref, struct casefile *,
	    struct err *);
int	cases_list(struct store *, const struct case_filter *,
	    struct casefile **, size_t *, struct err *);
/*
 * Writes inside the caller's transaction; each re-checks the caseload of
 * every member it touches and queues alerts (cases_recheck).  The lead and
 * co-worker must be active case-holding members, and different.
 */
int	cases_add(struct store *, const struct config *,
	    const struct casefile *, struct err *);
int	cases_update(struct store *, const struct config *,
	    const struct casefile *, struct err *);
/* *changed: 0 unchanged, 1 inserted, 2 updated. */
int	cases_upsert(struct store *, const struct config *,
	    const struct casefile *, int *changed, struct err *);
int	cases_close(struct store *, const struct config *, const char *ref,
	    const char *date, struct err *);
int	cases_flag(struct store *, const char *ref, const char *reason,
	    const char *date, struct err *);
int	cases_unflag(struct store *, const char *ref, struct err *);
/*
 * Snapshot imports: close every open case whose ref is not in refs (sorted
 * with strcmp); *closed how many.
 */
int	cases_close_missing(struct store *, const struct config *,
	    char *const *refs, size_t nrefs, const char *date, size_t *closed,
	    struct err *);
/*
 * Recompute member's caseload; on a crossing into over (and the flag not
 * set) queue one alert to the team manager and set the flag; below the
 * limit again, clear it.  Called by the writes above and after member
 * changes (fte, limit, team) and reloads of [caseload].
 */
int	cases_recheck(struct store *, const struct config *,
	    const char *member, struct err *);
int	cases_open_count(struct store *, int *, struct err *);
/* A member's caseload now (open cases, weights, limit, status). */
struct caseload;
int	cases_caseload(struct store *, const struct config *,
	    const struct member *, struct caseload *, struct err *);

#endif
