/*
 * inbox: the replies Maildir ([mail] inbox).  Attendees answer an
 * invitation from their calendar and their client mails an iTIP REPLY to
 * the ORGANIZER; the organisation delivers that mailbox here.  Each
 * message in new/ is read (MIME with GMime, the calendar with libical),
 * judged against what its sender was sent, applied in one transaction
 * (attendance, audit as reply:ADDRESS, a replan so a declining presenter's
 * slot is refilled and the change mailed) and moved to cur/ with the S
 * flag, whatever its fate; a row per message in the inbox table keeps the
 * verdict, so a restart never applies one twice.  Messages are taken one
 * per turn of the event loop, found by inotify and a periodic scan.
 * The reading and judging are pure and exported for tests and fuzzing.
 */
#ifndef REFLECTD_INBOX_H
#define REFLECTD_INBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "series.h"

struct event_base;
struct store;
struct config;

#define INBOX_MAX_MESSAGE	(4 * 1024 * 1024)	/* larger: ignored */
#define INBOX_ADDR_MAX		254
#define INBOX_UID_MAX		255
#define INBOX_REASON_MAX	160
#define INBOX_LATE_DAYS		7	/* a held session still takes replies */

enum inbox_state {
	INBOX_APPLIED = 0,
	INBOX_REFUSED,
	INBOX_IGNORED
};

enum inbox_partstat {
	INBOX_PS_OTHER = 0,
	INBOX_PS_ACCEPTED,
	INBOX_PS_DECLINED,
	INBOX_PS_TENTATIVE
};

/* What one message says, as far as a reply goes. */
struct inbox_reply {
	int	method;			/* 0 none, 1 REPLY, 2 COUNTER */
	char	from[INBOX_ADDR_MAX + 1];	/* From address, lower case */
	char	uid[INBOX_UID_MAX + 1];
	char	attendee[INBOX_ADDR_MAX + 1];	/* "mailto:" dropped, lower */
	int	nattendees;
	int	partstat;		/* enum inbox_partstat */
	int	sequence;		/* -1 when absent */
	char	why[INBOX_REASON_MAX];	/* when unreadable: why */
};

/* What the store knows about the reply's session and sender. */
struct inbox_facts {
	int		 session_found;
	int		 session_state;	/* enum session_state */
	time_t		 session_end;
	int		 was_sent;	/* an invitation row for the attendee */
	int		 still_invited;	/* that row is not cancelled */
	int		 last_sequence;	/* the SEQUENCE last sent to them */
};

struct inbox_verdict {
	int	state;			/* enum inbox_state */
	char	reason[INBOX_REASON_MAX];
};

/* One message read, as the inbox table and the inbox command keep it. */
struct inbox_row {
	int64_t	id;
	char	file[256];		/* its name in new/ */
	time_t	received;		/* when it was read */
	char	from[INBOX_ADDR_MAX + 1];
	char	session[SCHED_ID_MAX + 1];	/* "" unknown */
	char	member[SLUG_MAX + 1];		/* "" not an attendee */
	char	partstat[16];
	int	state;			/* enum inbox_state */
	char	reason[INBOX_REASON_MAX];
	char	teams[SESSION_TEAMS_MAX];	/* the session's (lists) */
};

/*
 * inbox-read.c, linked into reflectd-mailread (and the tests), not into
 * reflectd.  Read a whole message: From, and the first text/calendar or
 * application/ics part at any depth, in any transfer encoding and
 * charset, whose METHOD is REPLY or COUNTER.  Never fails: what cannot be
 * read leaves method 0 with why set.
 */
void	inbox_global_init(void);
void	inbox_global_free(void);
void	inbox_read(const char *buf, size_t len, struct inbox_reply *);

/*
 * inbox-wire.c: a reply as one line of JSON (malloc'd; NULL when out of
 * memory), and back: -1 unless the line is a whole, well-formed reply.
 */
char	*inbox_reply_encode(const struct inbox_reply *);
int	 inbox_reply_decode(const char *, size_t, struct inbox_reply *);

/* Judge a reply against the facts (SPEC 6.1); pure. */
void	inbox_judge(const struct inbox_reply *, const struct inbox_facts *,
	    time_t now, struct inbox_verdict *);
const char *inbox_state_name(int);
int	 inbox_state_parse(const char *);		/* -1 unknown */
const char *inbox_partstat_name(int);

/* Watch [mail] inbox, if set; read what is there now. */
int	inbox_init(struct event_base *, struct store *, const struct config *,
	    struct err *);
/* After a reload: the new configuration (a new inbox path is watched). */
void	inbox_reconfigure(const struct config *);
void	inbox_free(void);
/* Read new/ now (tests, debug); returns how many messages were taken. */

#endif
