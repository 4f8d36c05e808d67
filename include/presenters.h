/*
 * presenters: who presents which case in each group supervision session,
 * stored.  presenters_plan runs inside the planner's transaction after the
 * sessions are decided: it feeds each team's last 365 days into a running
 * tally (rotation.c holds the rules) and fills the planned sessions in date
 * order, writing only presentations that changed, so a replan with nothing
 * changed writes nothing.  Pins and requests are stored here too.  No SQL
 * here (store-presentations.c) and no rules of choice (rotation.c); it
 * sends no mail.
 */
#ifndef REFLECTD_PRESENTERS_H
#define REFLECTD_PRESENTERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "people.h"
#include "rotation.h"
#include "schedule.h"

struct store;
struct config;
struct casefile;

/* One stored presentation (a slot of a session). */
struct presentation {
	char	 session[SCHED_ID_MAX + 1];
	int	 slot;				/* 1 .. slots */
	char	 member[SLUG_MAX + 1];
	char	 case_ref[REF_MAX + 1];		/* "" none */
	int	 how;				/* enum rotation_how */
	char	*reasons;	/* newline-joined; NULL unless asked for */
	time_t	 start;		/* the session's start (range reads) */
	int	 held;		/* the session is held (range reads) */
};

/* A member's request to present. */
struct present_request {
	int64_t	id;
	char	member[SLUG_MAX + 1];
	char	case_ref[REF_MAX + 1];		/* "" any */
	char	asked_on[DATE_LEN];
	char	before[DATE_LEN];		/* "" any session */
	char	used_session[SCHED_ID_MAX + 1];	/* "" pending */
};

/*
 * Fill the planned group supervision sessions from now to the horizon
 * (inside the caller's transaction): every team's, or with scoped only
 * the teams in the store's scope (store_scope_*; a team's rotation reads
 * nothing of another's).  Adds to *changed the sessions whose
 * presentations were written.
 */
int	presenters_plan(struct store *, const struct config *, time_t now,
	    int scoped, int *changed, struct err *);
/* A session that started then is held: its cases were discussed. */
int	presenters_held(struct store *, const char *session, time_t start,
	    struct err *);

/* The presentations of one session by slot, with reasons; free below. */
int	presenters_get(struct store *, const char *session,
	    struct presentation **, size_t *, struct err *);
void	presenters_free(struct presentation *, size_t);

/*
 * Pin member (and optionally a case of theirs) to a slot of a planned
 * group supervision session; the member's other slot in it, if any, is
 * dropped.  The caller replans.
 */
int	presenters_pin(struct store *, const char *session, int slot,
	    const char *member, const char *case_ref, struct err *);
/* Drop a pin (ERR_CONFLICT if the slot is not pinned); the caller replans. */
int	presenters_unpin(struct store *, const char *session, int slot,
	    struct err *);
/* Ask to present: one pending request per member. */
int	presenters_request(struct store *, const char *member,
	    const char *case_ref, const char *before, const char *today,
	    int64_t *id, struct err *);

/* The rotation of a team as it stands, history and plan together. */
struct presenters_member {
	char	member[SLUG_MAX + 1];
	char	team[SLUG_MAX + 1];
	double	fte;
	double	earned;
	int	presented;		/* held and planned, in the window */
	int	held;			/* of those, already made */
	double	shortfall;
	char	last_presented[DATE_LEN];	/* held; "" never */
	char	next_presenting[SCHED_ID_MAX + 1];	/* session; "" none */
	char	next_date[DATE_LEN];
	int	eligible;		/* may present today */
};

struct presenters_team {
	char	team[SLUG_MAX + 1];
	double	fairness;
};

struct presenters_view {
	struct presenters_member	*members;	/* by team, member */
	size_t				 nmembers;
	struct presenters_team		*teams;		/* by slug */
	size_t				 nteams;
};

/* team NULL: every team.  Free with presenters_view_free. */
int	presenters_rotation(struct store *, const struct config *, time_t now,
	    const char *team, struct presenters_view *, struct err *);
void	presenters_view_free(struct presenters_view *);

/*
 * For the commands (cmd-rotation.c): a session's presenters as a JSON
 * array [{slot, member, case, how}], case null unless all_cases or the
 * presenter is me (NULL: nobody).
 */
struct json_t;
struct json_t	*cmd_rotation_presenters(const char *session, int all_cases,
		    const char *me);

/* ---- store-presentations.c ---- */
/* Presentations of group supervision sessions from <= start < until. */
int	store_presentations_range(struct store *, time_t from, time_t until,
	    struct presentation **, size_t *, struct err *);
int	store_presentations_session(struct store *, const char *session,
	    struct presentation **, size_t *, struct err *);
/* The same of the sessions in scope (store_scope_*). */
int	store_presentations_range_scoped(struct store *, time_t from,
	    time_t until, struct presentation **, size_t *, struct err *);
int	store_presentation_put(struct store *, const struct presentation *,
	    struct err *);
int	store_presentation_delete(struct store *, const char *session,
	    int slot, struct err *);
int	store_presentations_discussed(struct store *, const char *session,
	    const char *date, struct err *);
int	store_request_add(struct store *, struct present_request *,
	    struct err *);
/*
 * Requests not yet honoured by a held session or one under way at now:
 * unused, or used by a session still to come (or cancelled since).
 */
int	store_requests_open(struct store *, time_t now,
	    struct present_request **, size_t *, struct err *);
/* The same of the members of the teams in scope (store_scope_*). */
int	store_requests_open_scoped(struct store *, time_t now,
	    struct present_request **, size_t *, struct err *);
int	store_request_set_used(struct store *, int64_t id, const char *session,
	    struct err *);
/* Withdraw (delete) a request; the caller replans. */
int	store_request_delete(struct store *, int64_t id, struct err *);

/* Light rows of group supervision sessions for a run, by start then id. */
struct presenters_session {
	char	id[SCHED_ID_MAX + 1];
	char	team[SLUG_MAX + 1];	/* its first team */
	time_t	start;
	int	held;
	int	slots;			/* of its series; -1 series gone */
};
int	store_presenters_sessions(struct store *, time_t from, time_t until,
	    struct presenters_session **, size_t *, struct err *);
/*
 * Row by row, so a region's year is never held twice: the attendees (role
 * attendee) of those sessions and, apologies 1, the apologies sent for
 * them, in no order; and the open cases by lead, ref (one casefile at a
 * time, reused).  A callback returning -1 stops the read (the function
 * then returns -1 with err as the callback left it).
 */
int	store_presenters_attendees(struct store *, time_t from, time_t until,
	    int (*)(void *, const char *session, const char *member,
	    int apologies), void *, struct err *);
int	store_presenters_cases(struct store *,
	    int (*)(void *, const struct casefile *), void *, struct err *);
/* The same of the teams in scope (store_scope_*): their sessions by first
 * team, and the cases their members lead. */
int	store_presenters_sessions_scoped(struct store *, time_t from,
	    time_t until, struct presenters_session **, size_t *,
	    struct err *);
int	store_presenters_attendees_scoped(struct store *, time_t from,
	    time_t until, int (*)(void *, const char *, const char *, int), void *,
	    struct err *);
int	store_presenters_cases_scoped(struct store *,
	    int (*)(void *, const struct casefile *), void *, struct err *);

#endif
