/*
 * rotation: who presents which case in a group supervision session (SPEC
 * 5.4-5.6), fairly over the year and with reasons in plain words.  Pure:
 * structs in, choices and reason strings out; no I/O, no database, no
 * clock, no logging.  The caller (the planner) decides who is eligible and
 * feeds each team's history into a running tally in date order, so that a
 * choice costs O(members) per slot instead of a rescan of the year.  Case
 * references appear only in the returned case fields, never in reasons.
 *
 * Typical use, per team:
 *	t = rotation_tally_new();
 *	for each held session of the last 365 days, in date order:
 *		rotation_tally_earn(t, date, slots, eligible, n);
 *		rotation_tally_present(t, date, member, case) per presentation;
 *	for each planned session from now, in date order:
 *		fill a struct rotation_input (pins; frozen = the stored
 *		presenters when it starts within freeze_days);
 *		rotation_fill(&in, t, &res, &err);
 *		store res; rotation_tally_record(t, &in, &res);
 *	rotation_tally_free(t);
 */
#ifndef REFLECTD_ROTATION_H
#define REFLECTD_ROTATION_H

#include <stddef.h>

#include "cases.h"
#include "err.h"
#include "people.h"

#define ROTATION_SLOTS_MAX	16
#define ROTATION_REASONS_MAX	4
#define ROTATION_REASON_LEN	384
#define ROTATION_WINDOW_DAYS	365	/* history that earns (SPEC 5.4) */

enum rotation_how {
	ROTATION_HOW_ROTATION = 0,	/* "rotation" */
	ROTATION_HOW_REQUEST,		/* "request" */
	ROTATION_HOW_PINNED,		/* "pinned" */
	ROTATION_HOW_COUNT
};

const char	*rotation_how_name(int);
int		 rotation_how_parse(const char *);	/* -1 unknown */

/* ---- running tallies of one team -------------------------------------- */

struct rotation_tally;

/* A member eligible for a session, with their fte (0.1 .. 1). */
struct rotation_share {
	const char	*member;
	double		 fte;
};

struct rotation_stats {
	double	earned;			/* within the window */
	int	presented;		/* within the window, past and planned */
	double	shortfall;		/* earned - presented */
	char	last_presented[DATE_LEN];	/* "" never */
};

struct rotation_tally	*rotation_tally_new(void);
void			 rotation_tally_free(struct rotation_tally *);
/*
 * One session of the team on date: each member in elig earns
 * slots * fte / (sum of fte in elig).  Feed sessions in date order.
 * Members absent or not yet started are left out of elig and earn
 * nothing.  -1 for a bad date or slots outside 0..ROTATION_SLOTS_MAX.
 */
int	rotation_tally_earn(struct rotation_tally *, const char *date,
	    int slots, const struct rotation_share *elig, size_t n);
/*
 * A presentation made or planned on date by member, of case_ref (NULL or
 * "" unknown).  The case's date is remembered for the cooldown and for
 * answering a flag.  -1 for a bad date or an empty member.
 */
int	rotation_tally_present(struct rotation_tally *, const char *date,
	    const char *member, const char *case_ref);
/*
 * Forget earnings and presentation counts dated before `before' (e.g.
 * today - ROTATION_WINDOW_DAYS); last_presented and case dates stay.
 * Cheap: only the expired entries are touched.  -1 for a bad date.
 */
int	rotation_tally_expire(struct rotation_tally *, const char *before);
/* 0 and the figures; -1 (and zeros) for a member never fed. */
int	rotation_tally_stats(const struct rotation_tally *,
	    const char *member, struct rotation_stats *);
/*
 * Fairness: the largest minus the smallest shortfall among the members
 * given (those eligible now); 0 is perfectly even, 0 for fewer than two.
 */
double	rotation_fairness(const struct rotation_tally *,
	    const char *const *members, size_t n);

/* ---- one session -------------------------------------------------------- */

struct rotation_candidate {
	const char		*member;	/* slug */
	double			 fte;
	/*
	 * NULL: eligible (case-holding, active, past newcomer grace,
	 * attending).  Else why not, in plain words ("on leave",
	 * "newcomer until 2026-03-14"): such a member earns nothing, is
	 * never chosen, and a frozen or requested presentation of theirs
	 * gives way.
	 */
	const char		*ineligible;
	/* Their cases; closed ones and those they do not lead are ignored. */
	const struct casefile	*cases;
	size_t			 ncases;
};

struct rotation_request {
	const char	*member;
	const char	*case_ref;	/* NULL or "": any of theirs */
	const char	*requested;	/* the date they asked; oldest first */
	const char	*before;	/* NULL or "": any session; else only
					   sessions on or before this date */
};

/* A pin (slot -> member, case), or a presenter already planned. */
struct rotation_fixed {
	int		 slot;		/* 1 .. slots */
	const char	*member;
	const char	*case_ref;	/* NULL or "": choose one */
	int		 how;		/* enum rotation_how (frozen only) */
};

struct rotation_input {
	const char	*team;		/* the team's name, for reasons */
	const char	*date;		/* the session's local date */
	int		 slots;		/* 0 .. ROTATION_SLOTS_MAX */
	int		 case_cooldown_days;
	const struct rotation_candidate	*members;
	size_t				 nmembers;
	const struct rotation_request	*requests;	/* still pending */
	size_t				 nrequests;
	const struct rotation_fixed	*pins;		/* kept whatever */
	size_t				 npins;
	/*
	 * The stored presenters of a session within freeze_days (NULL
	 * otherwise): each is kept unless its presenter became ineligible
	 * (then only that slot is refilled) or its case did (then the
	 * presenter keeps the slot with another case of theirs, if any).
	 */
	const struct rotation_fixed	*frozen;
	size_t				 nfrozen;
};

struct rotation_slot {
	int	slot;				/* 1 .. slots */
	char	member[SLUG_MAX + 1];		/* "" unfilled */
	char	case_ref[REF_MAX + 1];		/* "" none */
	int	how;				/* enum rotation_how */
	int	kept;		/* a pin, or a frozen presenter with their
				   case, kept as is: the caller may leave
				   the stored row untouched */
	int	request;	/* index into input requests honoured, -1 */
	char	reasons[ROTATION_REASONS_MAX][ROTATION_REASON_LEN];
	int	nreasons;	/* at least 1 */
};

struct rotation_result {
	struct rotation_slot	slots[ROTATION_SLOTS_MAX];
	int			nslots;		/* = input slots */
	int			unfilled;	/* slots with no member */
};

/*
 * Fill the slots of one session: pins, then frozen presenters still
 * eligible, then pending requests (oldest first), then the largest
 * shortfall, the longest since last presenting (never first), then slug.
 * A candidate's shortfall is, precisely: earned in the tally (before this
 * session) plus this session's share (slots * fte / sum of the eligible
 * fte), minus presented in the tally; compared at 1e-6.  The tally is
 * not updated between the slots of one session.  A member presents at
 * most once.  A member with no case to present
 * (none open as lead, or all within the cooldown and unflagged) is passed
 * over.  Unfilled slots carry the reason.  The tally is the team's
 * history before this session (NULL: none); it is not changed.  -1 with
 * ERR_INVALID for a bad date or slot count.
 */
int	rotation_fill(const struct rotation_input *,
	    const struct rotation_tally *, struct rotation_result *,
	    struct err *);
/*
 * Feed a filled session into the tally: its eligible members earn and
 * its filled slots count as presentations (what rotation_tally_earn and
 * rotation_tally_present do).  -1 for a bad date.
 */
int	rotation_tally_record(struct rotation_tally *,
	    const struct rotation_input *, const struct rotation_result *);

struct rotation_case_choice {
	char	case_ref[REF_MAX + 1];		/* "" none */
	char	reason[ROTATION_REASON_LEN];	/* plain words, always set */
};

/*
 * The case member presents on date (SPEC 5.5): the requested case (if
 * still theirs and open), else flagged cases (oldest flag first), else
 * never discussed (oldest opened first), else by kind cp, lac, cin,
 * care_leaver, early_help, other, then longest since last discussed, then
 * ref.  Unless flagged or requested, a case discussed (or presented in
 * the tally, planned included) fewer than cooldown_days before date is
 * skipped.  A flag counts until the case is discussed or presented on or
 * after the flag's date.  0 chosen, -1 none (reason says why).
 */
int	rotation_pick_case(const struct rotation_tally *, const char *member,
	    const char *date, int cooldown_days, const struct casefile *,
	    size_t n, const char *requested, struct rotation_case_choice *);

#endif
