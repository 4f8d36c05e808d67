/*
 * schedule: the pure rules of planning (SPEC 5.1-5.3 and 5.8).  Occurrences
 * of a series after holidays, the attendees of a session, the choice of a
 * psychologist with cover, and the supervision gap.  Structs in, results
 * and reason strings out: no I/O, no database, no libical (ical.c expands
 * RRULEs and reads holiday files) and no clock.  Local times follow the
 * process time zone that the daemon sets with util_set_timezone().
 */
#ifndef REFLECTD_SCHEDULE_H
#define REFLECTD_SCHEDULE_H

#include <stddef.h>
#include <time.h>

#include "people.h"

#define SCHED_REASON_MAX	512
#define SCHED_ID_MAX		(SLUG_MAX + 10)	/* "SERIES-YYYYMMDD" */
#define SCHED_MOVE_MAX_DAYS	31	/* look no further for a working day */

/* ---- dates: "YYYY-MM-DD", proleptic Gregorian, no time zone ---------- */

/* Days since 1970-01-01; -1 if the text is not a real date. */
int	sched_date_parse(const char *date, long *days);
void	sched_date_format(long days, char buf[DATE_LEN]);
/* 0 = Monday .. 6 = Sunday (the bit of struct member days); -1 bad. */
int	sched_date_weekday(const char *date);
/* ISO 8601 week of a date as year * 100 + week (202653); -1 bad. */
int	sched_date_isoweek(const char *date);
/* Local date and ISO week of an instant. */
void	sched_local_date(time_t, char buf[DATE_LEN]);
int	sched_isoweek(time_t);

/* ---- holidays: a sorted set of dates ---------------------------------- */

struct sched_holidays {
	char	(*dates)[DATE_LEN];
	size_t	  n;
	size_t	  cap;
	int	  sorted;
};

void	sched_holidays_init(struct sched_holidays *);
void	sched_holidays_free(struct sched_holidays *);
/* Add a date (not checked here); sorting is deferred. */
void	sched_holidays_add(struct sched_holidays *, const char *date);
/* Sort and drop duplicates; call after the last add. */
void	sched_holidays_finish(struct sched_holidays *);
int	sched_holidays_contains(const struct sched_holidays *,
	    const char *date);
/* Monday to Friday and not a holiday (hol may be NULL). */
int	sched_working_day(const struct sched_holidays *, const char *date);

/* ---- occurrences (5.1) ------------------------------------------------ */

struct sched_occurrence {
	char	date[DATE_LEN];		/* original local date, for the id */
	time_t	start;
	time_t	end;
	int	moved;			/* moved off a holiday */
};

/*
 * From a series' expanded starts (ascending, from ical_rrule_expand), its
 * duration and on_holiday (enum on_holiday): occurrences on a holiday are
 * dropped (skip) or moved to the next working day at the same local time
 * of day, across daylight-saving changes (next_working_day).  A move that
 * would land on a day the series already meets, or finds no working day
 * within SCHED_MOVE_MAX_DAYS, drops the occurrence.  *out is ascending by
 * start; free() it.  Returns the count kept.
 */
size_t	sched_occurrences(const time_t *starts, size_t n, int duration_min,
	    const struct sched_holidays *, int on_holiday,
	    struct sched_occurrence **out);
/* "SERIES-YYYYMMDD" from the series slug and the original date. */
char	*sched_session_id(const char *series, const char *date,
	    char buf[SCHED_ID_MAX + 1]);

/* ---- absences: an index for many look-ups ---------------------------- */

struct sched_absences {
	struct absence	*v;		/* sorted by member, then from */
	size_t		 n;
};

/* Copies and sorts; the caller's array may be freed afterwards. */
void	sched_absences_init(struct sched_absences *, const struct absence *,
	    size_t);
void	sched_absences_free(struct sched_absences *);
/* 1 if member is absent on date (inclusive ranges). */
int	sched_absent(const struct sched_absences *, const char *member,
	    const char *date);

/* Started (start <= date) and not left (no end, or end >= date). */
int	sched_member_active(const struct member *, const char *date);
/* Active, working that weekday and not absent: free to attend. */
int	sched_member_available(const struct member *,
	    const struct sched_absences *, const char *date);

/* ---- attendees (5.2) -------------------------------------------------- */

enum sched_attendee_role {
	SCHED_PSYCHOLOGIST = 0,
	SCHED_COFACILITATOR,
	SCHED_ATTENDEE
};

struct sched_attendee {
	char	member[SLUG_MAX + 1];
	int	role;			/* enum sched_attendee_role */
};

/*
 * The attendees of a session on date: members (the series' teams, may
 * repeat) who are active, working that weekday and not absent; then the
 * psychologist (slug, NULL or "" when uncovered: already chosen as free)
 * and the co-facilitator (NULL for none; added when available that day).
 * Members with the psychologist role attend only as the session's
 * psychologist or co-facilitator: another team's cover takes their place.
 * *out is ordered psychologist, co-facilitator, then attendees by slug,
 * each member once; free() it.  Returns the count.
 */
size_t	sched_attendees(const struct member *members, size_t n,
	    const struct sched_absences *, const char *date,
	    const char *psychologist, const struct member *cofacilitator,
	    struct sched_attendee **out);
const char	*sched_attendee_role_name(int);

/* ---- psychologist assignment (5.3) ------------------------------------ */

/*
 * The sessions each psychologist already holds: per psychologist a sorted
 * array of intervals and per ISO week a count, so a planner can keep
 * running tallies over a year of many series cheaply.  A session is keyed
 * by its id; to re-decide a booked session, remove it first.
 */
struct sched_book;

struct sched_book	*sched_book_new(void);
void			 sched_book_free(struct sched_book *);
/*
 * Book session id for psych; booked already at that start, it is replaced.
 * One that moves (or changes psychologist) is removed first.
 */
void	sched_book_add(struct sched_book *, const char *psych, const char *id,
	    time_t start, time_t end);
/* 1 removed, 0 it was not booked for psych. */
int	sched_book_remove(struct sched_book *, const char *psych,
	    const char *id);
/* Sessions booked for psych in the ISO week (sched_isoweek) of t. */
int	sched_book_week_count(const struct sched_book *, const char *psych,
	    time_t t);
/*
 * The id of a booked session of psych closer than buffer_min minutes to
 * [start, end) (overlapping included), or NULL.
 */
const char *sched_book_conflict(const struct sched_book *, const char *psych,
	    time_t start, time_t end, int buffer_min);

struct sched_assign {
	const char			*wanted;	/* slug, "" or NULL */
	const char			*keep;		/* cover already chosen */
	const struct member		*psychs;	/* every psychologist */
	size_t				 npsychs;
	const struct sched_absences	*absences;
	const struct sched_book		*book;
	time_t				 start;
	time_t				 end;
	int				 buffer_minutes;
};

struct sched_choice {
	char	psychologist[SLUG_MAX + 1];	/* "" = uncovered */
	int	cover;			/* someone other than the wanted one */
	char	reason[SCHED_REASON_MAX];	/* plain words, always set */
};

/*
 * The wanted psychologist unless unavailable that day (left, not started,
 * not working that weekday, absent), in a session closer than
 * buffer_minutes, or at capacity for that ISO week; then the free one with
 * the fewest sessions that week, then by slug; else uncovered.  Does not
 * book the choice: the caller adds it to the book.  Returns 0 covered by
 * someone, -1 uncovered; choice->reason says why either way.
 */
int	sched_assign_psychologist(const struct sched_assign *,
	    struct sched_choice *);

/* ---- supervision gap (5.8) -------------------------------------------- */

struct sched_gap {
	long	days_since;	/* since last attended; -1 never */
	int	overdue;
};

/*
 * last: last attended group supervision ("" never); since: where to count
 * from when never attended (the member's start, or "" for unknown: then
 * not overdue); overdue when the days counted exceed max_gap_days.
 */
void	sched_gap(const char *last, const char *since, const char *today,
	    int max_gap_days, struct sched_gap *);

#endif
