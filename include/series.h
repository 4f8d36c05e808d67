/*
 * series: the recurring meetings a team holds (group supervision, one team)
 * and cross-team reflective practice (one or more teams, a facilitating
 * psychologist and an optional co-facilitator), and the sessions the
 * planner materialises from them.  This module validates and stores series
 * and reads sessions; it never writes a session itself, except that
 * removing a series asks the planner to cancel its future ones.  No SQL
 * here (store-sessions.c) and no RRULE arithmetic (ical.c, schedule.c).
 */
#ifndef REFLECTD_SERIES_H
#define REFLECTD_SERIES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "people.h"
#include "schedule.h"

struct store;
struct config;

#define SERIES_MAX_TEAMS	16
#define SERIES_RRULE_MAX	255
#define SERIES_START_LEN	17	/* "YYYY-MM-DDTHH:MM" and NUL */
#define LOCATION_MAX		128
#define SESSION_UID_MAX		128
#define SESSION_NOTE_MAX	200	/* a cancel or move reason */
#define SESSION_BY_MAX		64	/* a member slug or unix user */
#define SERIES_DURATION_MIN	15
#define SERIES_DURATION_MAX	480
#define SERIES_SLOTS_MAX	6
/* The teams of a session as a comma list, kept for history. */
#define SESSION_TEAMS_MAX	(SERIES_MAX_TEAMS * (SLUG_MAX + 1))

enum series_kind {
	SERIES_GROUP_SUPERVISION = 0,
	SERIES_REFLECTIVE_PRACTICE,
	SERIES_KIND_COUNT
};

struct series {
	char	slug[SLUG_MAX + 1];
	int	kind;				/* enum series_kind */
	char	rrule[SERIES_RRULE_MAX + 1];
	char	start[SERIES_START_LEN];	/* local first start */
	int	duration;			/* minutes */
	int	slots;
	char	location[LOCATION_MAX + 1];
	char	psychologist[SLUG_MAX + 1];	/* "" = the team's */
	char	cofacilitator[SLUG_MAX + 1];	/* "" = none */
	time_t	created;
	char	teams[SERIES_MAX_TEAMS][SLUG_MAX + 1];
	size_t	nteams;
};

enum session_state {
	SESSION_PLANNED = 0,
	SESSION_CANCELLED,
	SESSION_HELD,
	SESSION_STATE_COUNT
};

enum attendance_status {
	ATTEND_NONE = -1,
	ATTEND_ATTENDED = 0,
	ATTEND_APOLOGIES,
	ATTEND_ABSENT,
	ATTEND_COUNT
};

struct session {
	char	id[SCHED_ID_MAX + 1];
	char	series[SLUG_MAX + 1];
	int	kind;				/* enum series_kind */
	time_t	start;
	time_t	end;
	char	location[LOCATION_MAX + 1];
	char	psychologist[SLUG_MAX + 1];	/* "" = uncovered */
	char	cover_reason[SCHED_REASON_MAX];
	int	state;				/* enum session_state */
	int	manual;				/* cancelled or moved by hand */
	char	uid[SESSION_UID_MAX + 1];
	int	sequence;
	int	invited;
	int	uncovered_alerted;
	char	teams[SESSION_TEAMS_MAX];	/* "a,b": its series' teams */
};

/* A session as a booking of its psychologist (store_session_bookings). */
struct session_booking {
	char	id[SCHED_ID_MAX + 1];
	char	series[SLUG_MAX + 1];
	time_t	start;
	time_t	end;
	char	psychologist[SLUG_MAX + 1];
	int	state;				/* enum session_state */
	int	manual;
	char	team[SLUG_MAX + 1];		/* its first team */
	int	cover;		/* covered by another, or uncovered */
};

/*
 * Why and by whom a session was cancelled or last moved (the user's
 * words and their member slug, or unix user when they are no member),
 * kept apart from struct session: only the mail reads them.
 */
struct session_note {
	char	cancel_reason[SESSION_NOTE_MAX + 1];
	char	cancelled_by[SESSION_BY_MAX + 1];
	char	move_reason[SESSION_NOTE_MAX + 1];
	char	moved_by[SESSION_BY_MAX + 1];
};

struct session_attendee {
	char	session[SCHED_ID_MAX + 1];
	char	member[SLUG_MAX + 1];
	int	role;				/* enum sched_attendee_role */
	int	attendance;			/* enum attendance_status */
};

/* A member's last attended group supervision (gaps). */
struct session_last {
	char	member[SLUG_MAX + 1];
	char	date[DATE_LEN];
};

const char	*series_kind_name(int);
int		 series_kind_parse(const char *);	/* -1 unknown */
const char	*session_state_name(int);
int		 session_state_parse(const char *);
const char	*attendance_name(int);
int		 attendance_parse(const char *);
/* qsort: struct session_booking by start, then series (together its id). */
int		 session_booking_cmp(const void *, const void *);

/*
 * Set one field of a series from its command text ("duration", "60"),
 * checking syntax and range; teams= takes a comma list, team= one team.
 * ERR_USAGE for an unknown key, ERR_INVALID naming the field otherwise.
 */
int	series_set_field(struct series *, const char *key, const char *value,
	    struct err *);
/* Defaults that depend on the kind (slots, psychologist from the team). */
void	series_init(struct series *, int kind);

/* The series' first start as an instant; ERR_INVALID in a DST gap. */
int	series_dtstart(const struct series *, const char *tz, time_t *,
	    struct err *);

int	series_get(struct store *, const char *slug, struct series *,
	    struct err *);
/* By slug; team NULL for all, else the series that include the team. */
int	series_list(struct store *, const char *team, struct series **,
	    size_t *, struct err *);
/*
 * Writes inside the caller's transaction.  Each checks the whole series
 * against SPEC §4: kind and teams, RRULE within the horizon, start not in
 * a daylight-saving gap, duration, slots, that the psychologist and
 * co-facilitator exist with fitting roles, and fills the psychologist from
 * the first team when it is empty.
 */
int	series_add(struct store *, const struct config *, struct series *,
	    time_t now, struct err *);
int	series_update(struct store *, const struct config *, struct series *,
	    struct err *);
/* Delete the series; the caller cancels its future planned sessions. */
int	series_remove(struct store *, const char *slug, struct err *);

/*
 * The teams of a session (its stored list, which outlives a removed
 * series) into a series' teams array; returns the count.
 */
size_t	series_session_teams(const struct session *,
	    char teams[SERIES_MAX_TEAMS][SLUG_MAX + 1]);

/* Sessions and attendees: reads for the commands. */
int	series_session_get(struct store *, const char *id, struct session *,
	    struct err *);
int	series_session_attendees(struct store *, const char *id,
	    struct session_attendee **, size_t *, struct err *);
/* Sessions from <= start < until with the store's filters (NULL any). */
int	series_sessions(struct store *, time_t from, time_t until,
	    const char *team, const char *member, const char *psychologist,
	    struct session **, size_t *, struct err *);
/* Per member, the last held group supervision they attended. */
int	series_last_attended(struct store *, struct session_last **,
	    size_t *, struct err *);

#endif
