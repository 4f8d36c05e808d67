/*
 * ical: the only module that talks to libical.  It validates and expands a
 * series' RRULE in the configured time zone, so that a 10:00 series stays at
 * 10:00 local on both sides of a daylight-saving change, and it reads the
 * all-day VEVENTs of holiday files into a set of dates.  It never touches
 * the database, the clock or the network, and no input may make it crash,
 * abort or loop without bound: every expansion stops at the horizon and at
 * ICAL_MAX_OCCURRENCES, and holiday files are capped at ICAL_MAX_FILE bytes.
 */
#ifndef REFLECTD_ICAL_H
#define REFLECTD_ICAL_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct sched_holidays;

#define ICAL_MAX_OCCURRENCES	5000		/* per expansion window */
#define ICAL_MAX_SKIP		100000		/* occurrences before the window */
#define ICAL_MAX_FILE		(4 * 1024 * 1024)
#define ICAL_MAX_EVENT_DAYS	366		/* longest multi-day holiday */

/*
 * Make libical quiet and non-fatal.  Called once at start-up; every other
 * function calls it too, so forgetting it is harmless.
 */
void	ical_init(void);
/* Free libical's cached time zones and buffers (LeakSanitizer clean). */
void	ical_shutdown(void);

/* 1 if libical knows the zone name (e.g. "Europe/London"), else 0. */
int	ical_timezone_exists(const char *tz);

/*
 * Local wall time "YYYY-MM-DDTHH:MM[:SS]" in tz to a time_t.  A time that
 * does not exist there (the hour skipped when the clocks go forward) is
 * refused with ERR_INVALID saying so; in the repeated autumn hour the first
 * of the two instants is taken.  Full RFC 3339 with "Z" or an offset is
 * accepted as an instant.
 */
int	ical_local_time(const char *tz, const char *text, time_t *out,
	    struct err *);

/*
 * Check a series' RRULE as "series add/set" must before storing it: the
 * text parses (the message names the part that does not), FREQ is DAILY or
 * rarer, dtstart is not in a daylight-saving gap, the rule yields at least
 * one occurrence within horizon_days of dtstart, and never two on the same
 * local day.  0 ok, -1 with ERR_INVALID and the reason.
 */
int	ical_rrule_check(const char *rrule, const char *tz, time_t dtstart,
	    int horizon_days, struct err *);

/*
 * Expand rrule from dtstart (its local time of day in tz is the series'
 * time) and return, ascending, the starts s with from <= s < until in
 * *starts (free() it; NULL when *n is 0).  Fails with ERR_INVALID for the
 * same reasons as ical_rrule_check (except "no occurrence", which is an
 * empty result here) and when the window holds more than
 * ICAL_MAX_OCCURRENCES.
 */
int	ical_rrule_expand(const char *rrule, const char *tz, time_t dtstart,
	    time_t from, time_t until, time_t **starts, size_t *n,
	    struct err *);

/*
 * Holiday files: the dates of all-day VEVENTs (DTSTART;VALUE=DATE, DTEND
 * exclusive, else one day) are added to the set.  RRULEs on holidays are
 * ignored: the files list each year's dates.  A file that cannot be read,
 * is larger than ICAL_MAX_FILE, holds a NUL byte, is not a VCALENDAR, holds
 * no event, or has an event without a DTSTART, with a time instead of a
 * date, or spanning more than ICAL_MAX_EVENT_DAYS is refused with
 * ERR_INVALID "FILE[:LINE]: message" and leaves the set as it was.
 */
int	ical_holidays_parse(const char *name, const char *buf, size_t len,
	    struct sched_holidays *, struct err *);
int	ical_holidays_load(const char *path, struct sched_holidays *,
	    struct err *);
/*
 * All of [schedule] holidays into a new set (sorted, ready to query);
 * on error *out is untouched, so a reload can keep the old set.
 */
int	ical_holidays_load_all(char *const *paths, size_t n,
	    struct sched_holidays *out, struct err *);

/*
 * Building calendars (iTIP, RFC 5545/5546): pure, from the structs below.
 * Every event's DTSTART/DTEND carry TZID=tz, and the calendar holds one
 * VTIMEZONE for tz, so that mail clients need no zone database of their
 * own: a compact one (one STANDARD and one DAYLIGHT observance, DTSTART in
 * 1970, yearly RRULEs stating the zone's changes as the system's zoneinfo
 * has them; a single STANDARD for a zone without daylight saving) when
 * the years of all the events have the same rules, else libical's full
 * copy of the zone under the bare TZID.
 */
enum ical_method {
	ICAL_MSG_REQUEST = 0,
	ICAL_MSG_CANCEL,
	ICAL_MSG_PUBLISH
};

enum ical_role {
	ICAL_ATT_REQ = 0,		/* REQ-PARTICIPANT */
	ICAL_ATT_CHAIR,		/* CHAIR: the facilitating psychologist */
	ICAL_ATT_OPT			/* OPT-PARTICIPANT */
};

struct ical_attendee {
	const char	*name;		/* CN; may be NULL or "" */
	const char	*email;
	int		 role;		/* enum ical_role */
};

struct ical_event {
	const char	*uid;
	int		 sequence;
	time_t		 dtstamp;	/* written in UTC */
	time_t		 start;
	time_t		 end;
	const char	*summary;
	const char	*location;	/* NULL or "": none */
	const char	*description;	/* plain text, '\n' between lines */
	int		 cancelled;	/* STATUS:CANCELLED, else CONFIRMED */
	const char	*organizer_name;
	const char	*organizer_addr;	/* NULL: no ORGANIZER */
	const struct ical_attendee *attendees;
	size_t		 nattendees;
};

/*
 * A VCALENDAR (METHOD per method, PRODID) holding the n events (n may be 0
 * for an empty feed) with times in tz, as text with CRLF line ends and
 * lines folded at 75 octets without splitting a UTF-8 character.  Names,
 * summaries and the like lose control characters and double quotes (which
 * iCalendar parameters cannot carry).  Returns malloc'd text and sets *len,
 * or NULL with ERR_INVALID (unknown zone, end before start, no uid or
 * e-mail address) or ERR_INTERNAL.
 */
char	*ical_calendar_build(enum ical_method method, const char *tz,
	    const struct ical_event *events, size_t n, size_t *len,
	    struct err *);
/*
 * How many calendars ical_calendar_build has written through libical
 * whole, and how many as another's text with only their DESCRIPTION
 * written (a presenter's copy); for the tests.
 */
void	 ical_build_counts(size_t *built, size_t *spliced);

/*
 * What a subscribed calendar says of itself (RFC 7986, and the X-WR-
 * names that Apple, Google and Outlook read): its name, and how often
 * clients should fetch it again.
 */
struct ical_feed_info {
	const char	*name;		/* X-WR-CALNAME */
	long long	 refresh;	/* seconds: REFRESH-INTERVAL and
					   X-PUBLISHED-TTL */
};

/*
 * ical_calendar_build for a subscription feed: METHOD:PUBLISH followed
 * by X-WR-CALNAME, X-WR-TIMEZONE (tz), REFRESH-INTERVAL;VALUE=DURATION
 * and X-PUBLISHED-TTL from info.
 */
char	*ical_feed_build(const char *tz, const struct ical_feed_info *info,
	    const struct ical_event *events, size_t n, size_t *len,
	    struct err *);

#endif
