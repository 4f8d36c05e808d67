/*
 * alerts: the plain-text mail a team manager gets when a worker's
 * caseload goes over its limit and when a session is left without a
 * psychologist.  It builds the message (subject, text, a Message-ID
 * unique to the event) and queues it with outbox_enqueue inside the
 * caller's transaction.  The callers decide when: they keep the flags
 * that make it once per crossing.  An alert never names a case; a
 * recipient outside [mail] allowed_domains is refused by the outbox,
 * logged there, and the change that caused the alert stands.
 */
#ifndef REFLECTD_ALERTS_H
#define REFLECTD_ALERTS_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct store;
struct config;
struct member;
struct caseload;
struct session;

/*
 * The worker's caseload has gone over its limit: one alert to the
 * manager of their team.  A team without a manager, or a manager
 * without an address, is logged and is not an error.
 */
int	alerts_caseload(struct store *, const struct config *, time_t now,
	    const struct member *worker, const struct caseload *,
	    struct err *);

/*
 * The session has no psychologist: one alert to each manager in mgrs
 * (a manager of two of its teams, listed twice, gets one).  series and
 * teams ("a,b") name what it belongs to, why says why nobody is free.
 * *queued (may be NULL) gets the number queued.  No manager at all is
 * logged and is not an error.
 */
int	alerts_uncovered(struct store *, const struct config *, time_t now,
	    const struct session *, const char *series, const char *teams,
	    const char *why, const struct member *const *mgrs, size_t nmgrs,
	    int *queued, struct err *);

#endif
