/*
 * planner-int.h: what planner.c (a run: load, decide, write) and
 * plan-replay.c (a scoped run's view of the other teams: their bookings
 * read lazily and replayed in time order, checked again where a booking
 * changed) share, and plan-memo.c's notes for plan-sweep.c.  Not for any
 * other module.
 */
#ifndef REFLECTD_PLANNER_INT_H
#define REFLECTD_PLANNER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "people.h"
#include "planner.h"
#include "schedule.h"
#include "series.h"

struct store;
struct config;

#define PLANNER_DAY		86400
#define PLANNER_BOOK_MARGIN	(8 * PLANNER_DAY)
/* A full run of more occurrences has this page cache (store_cache_size). */
#define PLANNER_BIG_RUN		5000
#define PLANNER_BIG_CACHE_KIB	32768
#define PLAN_TEXT_BLOCK		(16 * 1024)	/* struct plan_text */

/* One series prepared for a run. */
struct plan_series {
	struct series		*r;
	const char		*wanted;	/* psychologist slug or "" */
	const struct team	*team;		/* first team */
	char			 teams[SESSION_TEAMS_MAX];	/* "a,b" */
	struct member		*members;	/* of its teams */
	size_t			 nmembers;
	const struct member	*cofac;
	int			 failed;	/* did not expand: keep its sessions */
};

/* One session's stored attendees: att[off .. off + n). */
struct plan_attrun {
	const char	*session;	/* in the run's texts */
	size_t		 off;
	size_t		 n;
};

/* A stored attendee; its session is its run's (struct plan_attrun). */
struct plan_att {
	char	member[SLUG_MAX + 1];
	int	role;
};

struct plan_occ {
	struct plan_series	*ps;
	struct sched_occurrence	 o;
};

struct plan_run {
	struct store			*store;
	const struct config		*conf;
	const struct sched_holidays	*hol;
	time_t				 now;
	time_t				 until;
	struct planner_counts		*out;

	struct series			*series;
	size_t				 nseries;
	struct plan_series		*ps;
	struct team			*teams;
	size_t				 nteams;
	struct member			*members;
	size_t				 nmembers;
	struct member			*psychs;
	size_t				 npsychs;
	struct sched_absences		 abs;
	struct plan_stored		*stored;
	size_t				 nstored;
	size_t				 capstored;
	struct plan_text		*texts;	/* what stored points into */
	struct plan_stored		**byid;
	unsigned char			*seen;
	struct plan_att			*att;	/* each session's together */
	size_t				 natt;
	size_t				 capatt;
	struct plan_attrun		*attrun;	/* by session */
	size_t				 nattrun;
	size_t				 capattrun;
	struct sched_book		*book;
	struct plan_occ			*occ;
	size_t				 nocc;
	size_t				 occcap;

	/* A scoped run (planner_scope): the other teams, replayed. */
	int				 boosted;	/* store_cache_size */
	int				 anyfailed;	/* a series */
	int				 scoped;
	const struct planner_scope	*scope;
	struct session_booking		*rep;		/* to replay, by time */
	size_t				 nrep;
	size_t				 caprep;
	size_t				 repi;		/* the next to replay */
	uint64_t			*taken;		/* ids queued (hashes) */
	size_t				 ntaken;
	size_t				 captaken;	/* a power of 2 */
	time_t				 pos;		/* where the run is: */
	char				 posseries[SLUG_MAX + 1];
	char				(*relevant)[SLUG_MAX + 1];
	size_t				 nrelevant;	/* psychologists read */
	time_t				*loaded;	/* Mondays read whole */
	size_t				 nloaded;
	struct plan_week		*weeks;		/* to check again */
	size_t				 nweeks;
	size_t				 capweeks;
	struct plan_wanted		*wanted;	/* every series, by slug */
	size_t				 nwanted;
	int				 have_wanted;
	char				**widen;	/* teams to add */
	size_t				 nwiden;
	struct plan_write		*writes;	/* held till the end */
	struct plan_write		**lastwrite;
};

/*
 * A stored session as a run holds it: struct session less its long texts,
 * which point into the run's texts ("" when empty).  A region's year of
 * sessions as struct session was 38 MB, most of it empty reason and team
 * buffers; plan_stored_session makes the whole struct when one is needed.
 */
struct plan_stored {
	char		 id[SCHED_ID_MAX + 1];
	char		 series[SLUG_MAX + 1];
	char		 psychologist[SLUG_MAX + 1];
	int		 kind;
	int		 state;
	int		 manual;
	int		 sequence;
	int		 invited;
	int		 uncovered_alerted;
	time_t		 start;
	time_t		 end;
	const char	*location;
	const char	*cover_reason;
	const char	*uid;
	const char	*teams;
};

/* Text kept for a run's stored sessions, a block at a time. */
struct plan_text {
	struct plan_text	*next;
	size_t			 used;
	size_t			 size;
	char			 buf[];
};

/* A week where a psychologist's booking changed ("" anyone's). */
struct plan_week {
	time_t	monday;
	char	psych[SLUG_MAX + 1];
};

/* A series' wanted psychologist, for checking another team's session. */
struct plan_wanted {
	char	slug[SLUG_MAX + 1];
	char	wanted[SLUG_MAX + 1];
};

/* planner.c */
struct plan_stored *plan_find(struct plan_run *, const char *id);
/* A stored session as the whole struct. */
void		 plan_stored_session(const struct plan_stored *,
		    struct session *);
/* A stored session this run decides again (its booking taken out). */
int		 plan_rebooked(const struct plan_run *,
		    const struct plan_stored *);
/* The psychologist for a session, cover kept while free. */
int		 plan_choose(struct plan_run *, const char *wanted, time_t,
		    time_t, const char *old, struct sched_choice *,
		    struct err *);

/* plan-replay.c */
time_t		 plan_monday(time_t);
/* The scope's psychologists' rows, read upfront (end of plan_load). */
int		 plan_relevant(struct plan_run *, struct err *);
/* The weeks around [start, end) whole; 1 if any was read now. */
int		 plan_weeks_load(struct plan_run *, time_t, time_t, struct err *);
/* A psychologist's booking changed ("" anyone's) in [start, end). */
int		 plan_mark(struct plan_run *, time_t, time_t, const char *,
		    struct err *);
/* Before the pass: the scope's times, moved and gone bookings. */
int		 plan_premark(struct plan_run *, struct err *);
/* Another team's session at its turn: checked again if marked, booked. */
int		 plan_replay(struct plan_run *, const struct session_booking *,
		    struct err *);
/* The row comes before the occurrence in a run's order. */
int		 plan_replay_before(const struct session_booking *,
		    const struct plan_occ *);

/*
 * plan-expand.c: ical_rrule_expand, answered from the starts kept from
 * an earlier run when that run's window covers this one's.
 */
int		 plan_expand_starts(const char *rrule, const char *tz,
		    time_t dtstart, time_t from, time_t until, time_t **starts,
		    size_t *n, struct err *);
void		 plan_expand_forget(void);

/*
 * plan-memo.c: the teams whose last run wrote nothing, noted with the
 * store as that run read it; fresh while nothing has been written and no
 * comparison with the time can have turned since.  A mark is taken before
 * a team's run and noted after it.
 */
struct plan_memo_mark {
	int64_t		 changes;	/* store_plan_changes */
	int64_t		 data_version;	/* store_data_version */
	time_t		 at;
};
int	plan_memo_mark(struct store *, time_t now, struct plan_memo_mark *);
void	plan_memo_note(struct store *, const char *team,
	    const struct plan_memo_mark *);
void	plan_memo_note_all(struct store *, time_t now);
int	plan_memo_fresh(struct store *, const char *team, time_t now);
void	plan_memo_forget(void);

#endif
