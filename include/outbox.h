/*
 * The outbox: every message is written to the store inside the transaction
 * of the change that causes it, then delivered by the mailer worker thread.
 * This module is the main-thread side: queueing, dispatch to the worker,
 * results, retries with exponential backoff, and start-up recovery.
 */
#ifndef REFLECTD_OUTBOX_H
#define REFLECTD_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

struct event_base;
struct store;
struct config;

/* Recover rows left mid-send, start the worker, schedule what is due. */
int	outbox_init(struct event_base *, struct store *, const struct config *,
	    struct err *);
/* Stop the worker (waiting for the message in hand) and free everything. */
void	outbox_free(void);
/* A reloaded configuration: transport, limits, domains. */
void	outbox_reconfigure(const struct config *);

/*
 * Queue one message to one recipient.  Must be called inside a store
 * transaction; the row becomes visible to the sender when it commits.
 * Refuses (ERR_INVALID, logged) a recipient outside [mail] allowed_domains.
 * data holds the complete RFC 5322 message including its Message-ID header,
 * whose value (without <>) is msgid.
 */
int	outbox_enqueue(struct store *, const char *kind, const char *rcpt,
	    const char *subject, const char *data, size_t len, const char *msgid,
	    int64_t *id, struct err *);
/* After a commit: look for due messages (cheap; coalesced). */
void	outbox_kick(void);
/* Make a failed or queued message due now with a fresh attempt count. */
int	outbox_retry(struct store *, int64_t id, struct err *);
/* Messages refused by allowed_domains since start (for status). */
unsigned long outbox_refused_count(void);

/*
 * Pure retry policy, exposed for tests.  Given attempts made so far
 * (including the one that just failed), the first queue time and now,
 * return 1 and set *next if the message should be retried: after 60 s,
 * doubling with each attempt up to an hour, plus up to 20% (rnd in [0,1)
 * spreads retries).  Return 0 when the message is failed: only once it
 * has had at least max_attempts attempts and is at least max_age old, so
 * that a relay down for up to max_age loses nothing.
 */
int	outbox_backoff(int attempts, time_t created, time_t now, int max_attempts,
	    int64_t max_age, double rnd, time_t *next);

/*
 * Pure: 1 if rcpt is a plain address whose domain is one of domains
 * (case-insensitive; n == 0 allows any domain), else 0.
 */
int	outbox_domain_allowed(char *const *domains, size_t n, const char *rcpt);

#endif
