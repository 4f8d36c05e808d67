/*
 * invites: the mail a session causes, decided by difference.  At the end
 * of each planner run (inside its transaction) invites_sync compares every
 * session from now to now + invite_days, and every session already
 * invited, with what each attendee was last sent (the invitations table):
 * invitations to new attendees, updates when the time, place,
 * psychologist or presenters change, cancellations to attendees removed
 * and for cancelled sessions, and presenter reminders.  It queues through
 * outbox_enqueue and never delivers; it writes no session column but the
 * session's invited flag and SEQUENCE.  Idempotent: with nothing changed
 * a second run writes no row and queues nothing.
 */
#ifndef REFLECTD_INVITES_H
#define REFLECTD_INVITES_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "people.h"
#include "schedule.h"
#include "series.h"

struct store;
struct config;

#define INVITE_HASH_LEN	16		/* hex digits of a 64-bit hash */

enum invitation_state {
	INVITATION_SENT = 0,		/* invited or updated */
	INVITATION_CANCELLED		/* told it is off for them */
};

#define INVITE_PRESENTERS_MAX	(SERIES_SLOTS_MAX * (SLUG_MAX + 1))

/*
 * What one attendee of one session was last sent: the hash decides
 * whether they need an update, the sent_ fields say what it changes
 * (sent_start 0: a row from before they were kept).
 */
struct invitation {
	char	session[SCHED_ID_MAX + 1];
	char	member[SLUG_MAX + 1];
	int	sequence;			/* SEQUENCE of the last message */
	char	hash[INVITE_HASH_LEN + 1];	/* of what it said */
	int	state;				/* enum invitation_state */
	time_t	reminded;	/* start the last reminder was for; 0 none */
	time_t	sent_start;
	time_t	sent_end;
	char	sent_location[LOCATION_MAX + 1];
	char	sent_psych[SLUG_MAX + 1];		/* "" uncovered */
	char	sent_presenters[INVITE_PRESENTERS_MAX];	/* "a,b" by slot */
	char	sent_case[REF_MAX + 1];			/* own case or "" */
};

struct invites_counts {
	int	invitations;
	int	updates;
	int	cancellations;
	int	reminders;
	int	refused;	/* recipients outside allowed_domains */
};

/*
 * Queue what changed since the last run for sessions that end after now
 * (with scoped, only those of the teams in the store's scope:
 * store_scope_*), inside the caller's transaction.  Adds what it queued to counts (may be
 * NULL).  A recipient refused by allowed_domains is logged and counted,
 * never an error.
 */
int	invites_sync(struct store *, const struct config *, time_t now,
	    int scoped, struct invites_counts *, struct err *);

#endif
