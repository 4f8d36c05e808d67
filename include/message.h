/*
 * Building RFC 5322 messages: headers, Message-IDs, MIME; iMIP invitations,
 * updates and cancellations, presenter reminders and digests.  Pure:
 * structs in, bytes out; it delivers, queues and logs nothing.  Local
 * times in the text are in the process time zone (TZ, set by the daemon
 * to [daemon] timezone); the calendar part uses conf->timezone.
 */
#ifndef REFLECTD_MESSAGE_H
#define REFLECTD_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "ical.h"

struct config;

/*
 * A stable Message-ID (without <>) for a message identified by kind, key and
 * recipient: the same inputs always give the same id, at the domain of
 * [mail] from.  Returns malloc'd string.
 */
char	*message_id(const struct config *, const char *kind, const char *key,
	    const char *rcpt);
/*
 * A text/plain UTF-8 message from [mail] from to rcpt (quoted-printable
 * body, encoded-word subject where needed).  Returns malloc'd bytes, CRLF
 * line ends, and sets *len.
 */
char	*message_plain(const struct config *, const char *rcpt_name,
	    const char *rcpt, const char *subject, const char *body,
	    const char *msgid, time_t date, size_t *len);

/* The UID of a session's VEVENT, "SESSION-ID@domain of [mail] from". */
char	*message_uid(const struct config *, const char *session_id);
/* Frees the bodies kept from the last messages built (message.c). */
void	message_forget(void);

enum invite_kind {
	INVITE_NEW = 0,		/* "Invitation: ..." METHOD:REQUEST */
	INVITE_UPDATE,		/* "Updated: ..." METHOD:REQUEST */
	INVITE_CANCEL,		/* "Cancelled: ..." METHOD:CANCEL */
	INVITE_NOT_EXPECTED	/* "Not expected: ..." METHOD:CANCEL to one */
};

/*
 * What an attendee was last sent, so that an update says what changed,
 * old and new.  start 0: not known (the update then only says the
 * details are new).  Names, not slugs; borrowed.
 */
struct invite_was {
	time_t		 start;
	time_t		 end;
	const char	*location;
	const char	*psychologist;	/* name; "" uncovered */
	const char *const *presenters;	/* names */
	size_t		 npresenters;
	const char	*own_case;	/* the case they were to present */
};

/*
 * One attendee's copy of an invitation.  Pointers are borrowed.  Names of
 * presenters never carry cases: only own_case does, and only the
 * presenter's own copy may set it.  A not-expected copy lists only the
 * recipient in attendees (RFC 5546 3.2.5) and says why in reason.
 */
struct invite {
	int		 kind;		/* enum invite_kind */
	const char	*uid;		/* message_uid() of the session */
	int		 sequence;	/* the session's, the same in every copy */
	time_t		 dtstamp;	/* DTSTAMP and the Date header */
	time_t		 start;
	time_t		 end;
	const char	*summary;	/* e.g. "Group supervision: MAST North" */
	const char	*location;	/* NULL or "": none given */
	const char	*psychologist;	/* name; NULL or "": not yet covered */
	const char *const *presenters;	/* names */
	size_t		 npresenters;
	const struct ical_attendee *attendees;	/* every attendee */
	size_t		 nattendees;
	const char	*rcpt_name;
	const char	*rcpt;
	const char	*own_case;	/* set: "You are presenting" this case */
	const char	*note;		/* optional paragraph */
	const struct invite_was *was;	/* updates: the last copy sent */
	const char	*covers_for;	/* name of the psychologist covered for */
	const char	*cover_why;	/* "is absent on ...": why they are */
	const char	*reason;	/* move, cancel or not-expected reason */
	const char	*by;		/* cancel: who cancelled (a name) */
};

/* "invitation", "update", "cancellation" or "not_expected". */
const char *message_invite_kind(int kind);
/* "Invitation: SUMMARY, Tue 10 Mar 2026 10:00" (Updated, Cancelled...). */
char	*message_invite_subject(const struct invite *);
/*
 * What an update says changed, one sentence a line ("Moved from Tuesday
 * 5 January 10:00 to Wednesday 6 January 14:00.", "Now in Room 2 (was
 * Room 1).", "Dr Okoro covers for Dr McBride, who is absent on ...",
 * "Presenting now: A, B."), or "" when nothing is known to have changed.
 * Returns a malloc'd string.
 */
char	*message_invite_changes(const struct invite *);

/*
 * An iMIP message (RFC 6047): multipart/mixed of a multipart/alternative
 * (text/plain, text/html and text/calendar; method=REQUEST or CANCEL,
 * base64, inline) and the same calendar as an application/ics
 * attachment "invite.ics", with one VEVENT, ORGANIZER from [mail] from.
 * The Message-ID is message_id(kind name, "UID/SEQUENCE", rcpt); *msgid
 * (if not NULL) gets a malloc'd copy.  Returns malloc'd bytes with CRLF
 * line ends and sets *len, or NULL with err set.
 */
char	*message_invitation(const struct config *, const struct invite *,
	    char **msgid, size_t *len, struct err *);

/* A presenter's reminder of their coming presentation. */
struct reminder {
	const char	*uid;		/* the session's UID */
	time_t		 date;		/* Date header (now) */
	time_t		 start;
	time_t		 end;
	const char	*summary;
	const char	*location;
	const char	*psychologist;
	const char	*own_case;	/* the case they present; may be NULL */
	const char	*rcpt_name;
	const char	*rcpt;
	const char	*note;		/* optional, e.g. "Your presentation moved" */
};

/*
 * text + HTML reminder.  Message-ID from ("presenter_reminder",
 * "UID/START", rcpt), so a moved session gets a fresh reminder.
 */
char	*message_reminder(const struct config *, const struct reminder *,
	    char **msgid, size_t *len, struct err *);

enum digest_status {
	DIGEST_NONE = 0,		/* no bar */
	DIGEST_OK,			/* green */
	DIGEST_APPROACHING,		/* amber */
	DIGEST_OVER			/* red */
};

/*
 * A table row: cells as text, and an optional bar after them.  The bar
 * shows only the load against the limit; the figures and the status in
 * words, if wanted, are cells of the row (so they print once).
 */
struct digest_row {
	const char *const *cells;	/* ncolumns of them; NULL cell = "" */
	double		 bar;		/* fraction of the limit, 1.0 = full */
	int		 status;	/* enum digest_status; NONE: no bar */
};

struct digest_section {
	const char	*title;
	const char	*intro;		/* optional, shown above rows only */
	const char *const *columns;	/* headings */
	size_t		 ncolumns;
	const struct digest_row *rows;
	size_t		 nrows;
	const char	*empty;		/* shown when nrows is 0 */
};

struct digest {
	const char	*kind;		/* "team_digest", "manager_digest"... */
	const char	*key;		/* once per week: e.g. "2026-W11" */
	const char	*subject;
	const char	*greeting;	/* first paragraph, e.g. "Hello Sam," */
	const struct digest_section *sections;
	size_t		 nsections;
	const char	*rcpt_name;
	const char	*rcpt;
	time_t		 date;
	const char	*note;		/* optional, after the greeting */
};

/*
 * A digest: multipart/alternative text/plain (aligned columns, bars of
 * '#') and text/html (tables, bars coloured by status with inline CSS, no
 * external resources).  Every bar of a digest is drawn to one scale, the
 * same in both parts: a track of 0 to 1.5 limits (further, in half
 * limits, when a load is beyond that) with the limit marked on it, '|'
 * in the text and a dark line in the HTML; an over-limit bar runs past
 * the mark.  A section's intro shows only above rows; an empty section
 * shows its empty line alone.  Message-ID from (kind, key, rcpt): one
 * per recipient per week whatever the caller does twice.
 */
char	*message_digest(const struct config *, const struct digest *,
	    char **msgid, size_t *len, struct err *);

/* 13.5, 15, 4.13: a load or limit, two decimals at most.  Returns buf. */
char	*message_figure(double, char *buf, size_t size);

#endif
