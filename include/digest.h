/*
 * digest: the weekly mail each person gets about the next two weeks.
 * Team digests to each member (sessions and presenters, no cases),
 * psychologist digests (their sessions across teams, the cases to
 * prepare, uncovered sessions they could take) and manager digests
 * (caseloads with bars, over and approaching, supervision gaps,
 * uncovered sessions, unfilled slots, presentations per member).  One
 * clock timer at [digest] day/time sends them; each message's
 * Message-ID is keyed by the ISO week, so a recipient gets one a week
 * whatever restarts, replans or on-demand sends happen.  It queues through
 * outbox_enqueue and never delivers.
 */
#ifndef REFLECTD_DIGEST_H
#define REFLECTD_DIGEST_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct store;
struct config;

enum digest_kind {
	DIGEST_TEAM = 0,
	DIGEST_PSYCHOLOGIST,
	DIGEST_MANAGER,
	DIGEST_KIND_COUNT
};

/* What to send: every field NULL or -1 means all. */
struct digest_filter {
	int		 kind;		/* enum digest_kind, -1 all */
	const char	*to;		/* member slug */
	const char *const *teams;	/* only these teams (a manager's) */
	size_t		 nteams;
};

struct digest_counts {
	int	queued;
	int	already;	/* this week's was already in the outbox */
	int	refused;	/* outside allowed_domains */
};

const char	*digest_kind_name(int);
int		 digest_kind_parse(const char *);	/* -1 unknown */
/* "2026-W48": the ISO week of t in local time. */
void		 digest_week(time_t, char buf[16]);

/*
 * Queue this week's digests (inside the caller's transaction).  A
 * recipient whose digest of the week is already in the outbox counts as
 * already and is not queued again.  ERR_NOT_FOUND for an unknown to=.
 */
int	digest_send(struct store *, const struct config *, time_t now,
	    const struct digest_filter *, struct digest_counts *,
	    struct err *);

/* The daemon's side: one weekly timer through clock.c. */
void	digest_init(struct store *, const struct config *);
void	digest_reconfigure(const struct config *);
/* The next digest time after now (exposed for tests). */
time_t	digest_next(time_t now, int day, int minutes);
void	digest_free(void);

#endif
