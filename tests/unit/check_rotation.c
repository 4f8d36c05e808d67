/*
 * Unit tests for the pure rotation module: the running tallies, each rule
 * and tie-break of presenter choice (SPEC 5.4), case choice (5.5), pins
 * and the freeze window (5.6), the fairness figure, and a year-long
 * simulation of a team of eight.  Table driven where the rules are; no
 * database, no daemon, no clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cases.h"
#include "domain.h"
#include "err.h"
#include "people.h"
#include "rotation.h"
#include "schedule.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void	 mk_case(struct casefile *, const char *, int, const char *,
		    const char *, const char *, const char *, const char *);
static long	 D(const char *);
static void	 day_add(const char *, long, char buf[DATE_LEN]);
static int	 has_reason(const struct rotation_slot *, const char *);
static Suite	*rotation_suite(void);

static void
mk_case(struct casefile *c, const char *ref, int kind, const char *lead,
    const char *opened, const char *last, const char *flagged_on,
    const char *flag_reason)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ref, sizeof(c->ref), "%s", ref);
	c->kind = kind;
	snprintf(c->lead, sizeof(c->lead), "%s", lead);
	snprintf(c->opened, sizeof(c->opened), "%s", opened);
	snprintf(c->last_discussed, sizeof(c->last_discussed), "%s",
	    last == NULL ? "" : last);
	if (flagged_on != NULL) {
		c->flagged = 1;
		snprintf(c->flagged_on, sizeof(c->flagged_on), "%s",
		    flagged_on);
		snprintf(c->flag_reason, sizeof(c->flag_reason), "%s",
		    flag_reason == NULL ? "" : flag_reason);
	}
}

static long
D(const char *s)
{
	long	d;

	ck_assert_msg(sched_date_parse(s, &d) == 0, "bad date %s", s);
	return (d);
}

static void
day_add(const char *s, long n, char buf[DATE_LEN])
{
	sched_date_format(D(s) + n, buf);
}

static int
has_reason(const struct rotation_slot *s, const char *sub)
{
	int	i;

	for (i = 0; i < s->nreasons; i++)
		if (strstr(s->reasons[i], sub) != NULL)
			return (1);
	return (0);
}

/* ---- case choice (5.5), table driven ------------------------------------ */

struct case_spec {
	const char	*ref;
	int		 kind;
	const char	*lead;
	const char	*opened;
	const char	*last;		/* NULL never */
	const char	*flagged_on;	/* NULL not flagged */
	const char	*closed;	/* NULL open */
};

static const struct case_row {
	const char		*name;
	struct case_spec	 cases[5];
	const char		*requested;
	const char		*want;		/* NULL: none */
	const char		*reason;	/* substring */
} case_rows[] = {
	{ "requested case first",
	  { { "A1", KIND_CP, "ana", "2025-01-01", NULL, "2026-01-01", NULL },
	    { "A2", KIND_OTHER, "ana", "2025-01-01", "2026-02-20", NULL,
	      NULL } },
	  "A2", "A2", "the case they asked to present" },
	{ "flagged before never discussed",
	  { { "A1", KIND_CP, "ana", "2025-01-01", NULL, NULL, NULL },
	    { "A2", KIND_OTHER, "ana", "2025-01-01", "2025-06-01",
	      "2026-02-01", NULL } },
	  NULL, "A2", "case flagged for discussion on 2026-02-01: stuck" },
	{ "oldest flag first",
	  { { "A1", KIND_CP, "ana", "2025-01-01", NULL, "2026-02-10", NULL },
	    { "A2", KIND_OTHER, "ana", "2025-01-01", NULL, "2026-02-01",
	      NULL } },
	  NULL, "A2", "flagged" },
	{ "a flag answered by a discussion no longer counts",
	  { { "A1", KIND_OTHER, "ana", "2025-01-01", "2026-02-05",
	      "2026-02-01", NULL },
	    { "A2", KIND_EARLY_HELP, "ana", "2025-01-01", "2025-10-01", NULL,
	      NULL } },
	  NULL, "A2", "early_help comes first by kind" },
	{ "never discussed, oldest opened first",
	  { { "A1", KIND_CP, "ana", "2025-05-01", NULL, NULL, NULL },
	    { "A2", KIND_OTHER, "ana", "2025-03-01", NULL, NULL, NULL },
	    { "A3", KIND_CP, "ana", "2025-01-01", "2025-06-01", NULL,
	      NULL } },
	  NULL, "A2", "never discussed, opened 2025-03-01" },
	{ "kind priority cp lac cin care_leaver early_help other",
	  { { "A1", KIND_CIN, "ana", "2025-01-01", "2025-01-02", NULL, NULL },
	    { "A2", KIND_LAC, "ana", "2025-01-01", "2025-06-01", NULL, NULL },
	    { "A3", KIND_EARLY_HELP, "ana", "2025-01-01", "2025-01-01", NULL,
	      NULL },
	    { "A4", KIND_OTHER, "ana", "2025-01-01", "2025-01-01", NULL,
	      NULL } },
	  NULL, "A2", "lac comes first by kind" },
	{ "same kind: longest since discussed",
	  { { "A1", KIND_CP, "ana", "2025-01-01", "2025-09-01", NULL, NULL },
	    { "A2", KIND_CP, "ana", "2025-01-01", "2025-07-01", NULL, NULL },
	    { "A3", KIND_CP, "ana", "2025-01-01", "2025-08-01", NULL, NULL } },
	  NULL, "A2", "last discussed 2025-07-01" },
	{ "same kind, same day: by ref",
	  { { "B", KIND_CP, "ana", "2025-01-01", "2025-07-01", NULL, NULL },
	    { "A", KIND_CP, "ana", "2025-01-01", "2025-07-01", NULL, NULL } },
	  NULL, "A", "cp comes first" },
	{ "cooldown skips a recent case",
	  { { "A1", KIND_CP, "ana", "2025-01-01", "2026-02-01", NULL, NULL },
	    { "A2", KIND_OTHER, "ana", "2025-01-01", "2025-06-01", NULL,
	      NULL } },
	  NULL, "A2", "other comes first" },
	{ "cooldown ends after case_cooldown_days",
	  { { "A1", KIND_CP, "ana", "2025-01-01", "2026-01-06", NULL, NULL },
	    { "A2", KIND_OTHER, "ana", "2025-01-01", "2025-06-01", NULL,
	      NULL } },
	  NULL, "A1", "cp comes first" },
	{ "flagged case within cooldown still chosen",
	  { { "A1", KIND_OTHER, "ana", "2025-01-01", "2026-02-20",
	      "2026-02-25", NULL },
	    { "A2", KIND_CP, "ana", "2025-01-01", NULL, NULL, NULL } },
	  NULL, "A1", "flagged" },
	{ "requested case within cooldown still chosen",
	  { { "A1", KIND_OTHER, "ana", "2025-01-01", "2026-02-20", NULL,
	      NULL },
	    { "A2", KIND_CP, "ana", "2025-01-01", NULL, NULL, NULL } },
	  "A1", "A1", "asked" },
	{ "requested case closed: the usual order, said so",
	  { { "A1", KIND_OTHER, "ana", "2025-01-01", NULL, NULL,
	      "2026-02-01" },
	    { "A2", KIND_CP, "ana", "2025-01-01", NULL, NULL, NULL } },
	  "A1", "A2", "the case they asked for is not open to them" },
	{ "closed and co-worked cases are not theirs to present",
	  { { "A1", KIND_CP, "ana", "2025-01-01", NULL, NULL, "2026-01-01" },
	    { "A2", KIND_CP, "bo", "2025-01-01", NULL, NULL, NULL } },
	  NULL, NULL, "no open case of their own" },
	{ "every case cooling",
	  { { "A1", KIND_CP, "ana", "2025-01-01", "2026-02-01", NULL, NULL },
	    { "A2", KIND_CP, "ana", "2025-01-01", "2026-01-20", NULL,
	      NULL } },
	  NULL, NULL, "discussed within the last 56 days" },
};

START_TEST(test_case_choice)
{
	const struct case_row		*r = &case_rows[_i];
	struct casefile			 cs[5];
	struct rotation_case_choice	 cc;
	size_t				 n;
	int				 rc;

	for (n = 0; n < NELEM(r->cases) && r->cases[n].ref != NULL; n++) {
		mk_case(&cs[n], r->cases[n].ref, r->cases[n].kind,
		    r->cases[n].lead, r->cases[n].opened, r->cases[n].last,
		    r->cases[n].flagged_on, "stuck");
		if (r->cases[n].closed != NULL)
			snprintf(cs[n].closed, sizeof(cs[n].closed), "%s",
			    r->cases[n].closed);
	}
	/* The session is on 2026-03-03; cooldown 56 days. */
	rc = rotation_pick_case(NULL, "ana", "2026-03-03", 56, cs, n,
	    r->requested, &cc);
	if (r->want == NULL) {
		ck_assert_msg(rc == -1, "%s: chose %s", r->name, cc.case_ref);
		ck_assert_str_eq(cc.case_ref, "");
	} else {
		ck_assert_msg(rc == 0, "%s: none (%s)", r->name, cc.reason);
		ck_assert_msg(strcmp(cc.case_ref, r->want) == 0,
		    "%s: chose %s, wanted %s", r->name, cc.case_ref, r->want);
	}
	ck_assert_msg(strstr(cc.reason, r->reason) != NULL,
	    "%s: reason \"%s\" lacks \"%s\"", r->name, cc.reason, r->reason);
	/* Reasons never carry a case reference. */
	ck_assert_ptr_null(strstr(cc.reason, "A1"));
	ck_assert_ptr_null(strstr(cc.reason, "A2"));
}
END_TEST

/* A presentation planned in the tally counts for cooldown and flags. */
START_TEST(test_case_tally)
{
	struct rotation_tally		*t;
	struct casefile			 cs[2];
	struct rotation_case_choice	 cc;

	mk_case(&cs[0], "A1", KIND_OTHER, "ana", "2025-01-01", "2025-06-01",
	    "2026-01-10", "stuck");
	mk_case(&cs[1], "A2", KIND_CP, "ana", "2025-01-01", "2025-05-01",
	    NULL, NULL);
	t = rotation_tally_new();
	ck_assert_int_eq(rotation_pick_case(t, "ana", "2026-03-03", 56, cs, 2,
	    NULL, &cc), 0);
	ck_assert_str_eq(cc.case_ref, "A1");
	/* Planned on 2026-02-17: the flag is answered, and A1 cools. */
	ck_assert_int_eq(rotation_tally_present(t, "2026-02-17", "ana", "A1"),
	    0);
	ck_assert_int_eq(rotation_pick_case(t, "ana", "2026-03-03", 56, cs, 2,
	    NULL, &cc), 0);
	ck_assert_str_eq(cc.case_ref, "A2");
	ck_assert_int_eq(rotation_tally_present(t, "2026-02-17", "ana", "A2"),
	    0);
	ck_assert_int_eq(rotation_pick_case(t, "ana", "2026-03-03", 56, cs, 2,
	    NULL, &cc), -1);
	rotation_tally_free(t);
}
END_TEST

/* ---- presenter choice (5.4) --------------------------------------------- */

struct who {
	const char	*slug;
	double		 fte;
	int		 presented;	/* presentations fed, one a date */
	const char	*last;		/* their last one's date */
};

static const struct pick_row {
	const char	*name;
	struct who	 who[4];
	int		 slots;
	const char	*want[2];
	const char	*reason;	/* substring of the first pick's */
} pick_rows[] = {
	{ "largest shortfall first",
	  { { "ana", 1, 1, "2025-12-01" }, { "bo", 1, 0, NULL },
	    { "cy", 1, 2, "2025-12-15" } },
	  1, { "bo", NULL }, "largest shortfall in MAST North: earned 1.3, "
	  "presented 0" },
	{ "tie: never presented first, then slug",
	  { { "cy", 1, 0, NULL }, { "bo", 1, 0, NULL },
	    { "ana", 1, 1, "2025-12-01" } },
	  2, { "bo", "cy" }, "shortfall tied at 1.7 in MAST North with cy" },
	{ "tie: longest since last presentation",
	  { { "ana", 1, 1, "2025-12-15" }, { "bo", 1, 1, "2025-11-01" },
	    { "cy", 1, 1, "2025-12-01" } },
	  2, { "bo", "cy" }, "tied" },
	{ "shortfall beats the longest since presenting",
	  { { "ana", 1, 2, "2025-06-01" }, { "bo", 1, 1, "2025-12-20" },
	    { "cy", 1, 2, "2025-07-01" } },
	  1, { "bo", NULL }, "largest shortfall" },
	{ "fte weights what is earned",
	  { { "ana", 0.5, 0, NULL }, { "bo", 1, 0, NULL },
	    { "cy", 1, 1, "2025-12-01" } },
	  2, { "bo", "ana" }, "earned 2.0, presented 0" },
};

/*
 * History: one earning session of 3 slots on 2025-11-04 for the row's
 * three members, then each row's presentations; the session filled on
 * 2026-01-06 adds its own share.
 */
START_TEST(test_pick)
{
	const struct pick_row		*r = &pick_rows[_i];
	struct rotation_tally		*t;
	struct rotation_share		 sh[4];
	struct rotation_candidate	 cand[4];
	struct casefile			 cs[4];
	struct rotation_input		 in;
	struct rotation_result		 res;
	struct err			 err;
	char				 ref[16];
	size_t				 n, i;
	int				 k;

	t = rotation_tally_new();
	for (n = 0; n < NELEM(r->who) && r->who[n].slug != NULL; n++) {
		sh[n].member = r->who[n].slug;
		sh[n].fte = r->who[n].fte;
	}
	ck_assert_int_eq(rotation_tally_earn(t, "2025-11-04", 3, sh, n), 0);
	for (i = 0; i < n; i++)
		for (k = 0; k < r->who[i].presented; k++)
			ck_assert_int_eq(rotation_tally_present(t,
			    r->who[i].last, r->who[i].slug, NULL), 0);
	memset(cand, 0, sizeof(cand));
	for (i = 0; i < n; i++) {
		snprintf(ref, sizeof(ref), "R-%zu", i);
		mk_case(&cs[i], ref, KIND_CIN, r->who[i].slug, "2025-01-01",
		    NULL, NULL, NULL);
		cand[i].member = r->who[i].slug;
		cand[i].fte = r->who[i].fte;
		cand[i].cases = &cs[i];
		cand[i].ncases = 1;
	}
	memset(&in, 0, sizeof(in));
	in.team = "MAST North";
	in.date = "2026-01-06";
	in.slots = r->slots;
	in.case_cooldown_days = 56;
	in.members = cand;
	in.nmembers = n;
	ck_assert_int_eq(rotation_fill(&in, t, &res, &err), 0);
	ck_assert_int_eq(res.nslots, r->slots);
	ck_assert_int_eq(res.unfilled, 0);
	for (k = 0; k < r->slots; k++) {
		ck_assert_msg(strcmp(res.slots[k].member, r->want[k]) == 0,
		    "%s: slot %d is %s, wanted %s", r->name, k + 1,
		    res.slots[k].member, r->want[k]);
		ck_assert_int_eq(res.slots[k].how, ROTATION_HOW_ROTATION);
		ck_assert_int_eq(res.slots[k].slot, k + 1);
		ck_assert_int_ge(res.slots[k].nreasons, 2);
	}
	ck_assert_msg(has_reason(&res.slots[0], r->reason),
	    "%s: \"%s\" lacks \"%s\"", r->name, res.slots[0].reasons[0],
	    r->reason);
	rotation_tally_free(t);
}
END_TEST

/* A small fixed team for the rule tests below. */
struct tfix {
	struct rotation_candidate	cand[4];
	struct casefile			cs[4][2];
	struct rotation_input		in;
};

static void
team_init(struct tfix *tm, int slots)
{
	static const char	*slugs[] = { "ana", "bo", "cy", "di" };
	char			 ref[16];
	int			 i;

	memset(tm, 0, sizeof(*tm));
	for (i = 0; i < 4; i++) {
		snprintf(ref, sizeof(ref), "%c-1", 'A' + i);
		mk_case(&tm->cs[i][0], ref, KIND_CP, slugs[i], "2025-01-01",
		    "2025-06-01", NULL, NULL);
		snprintf(ref, sizeof(ref), "%c-2", 'A' + i);
		mk_case(&tm->cs[i][1], ref, KIND_CIN, slugs[i], "2025-01-01",
		    "2025-06-01", NULL, NULL);
		tm->cand[i].member = slugs[i];
		tm->cand[i].fte = 1;
		tm->cand[i].cases = tm->cs[i];
		tm->cand[i].ncases = 2;
	}
	tm->in.team = "Connect";
	tm->in.date = "2026-01-06";
	tm->in.slots = slots;
	tm->in.case_cooldown_days = 56;
	tm->in.members = tm->cand;
	tm->in.nmembers = 4;
}

START_TEST(test_requests)
{
	struct tfix		tm;
	struct rotation_request	rq[4];
	struct rotation_result	res;

	team_init(&tm, 2);
	memset(rq, 0, sizeof(rq));
	/* Given newest first: the oldest goes first. */
	rq[0] = (struct rotation_request){ "cy", NULL, "2026-01-02", NULL };
	rq[1] = (struct rotation_request){ "di", "D-2", "2025-12-20", NULL };
	/* Lapsed: only before 2026-01-01. */
	rq[2] = (struct rotation_request){ "bo", NULL, "2025-12-01",
	    "2026-01-01" };
	/* Asked by someone not eligible for this session. */
	rq[3] = (struct rotation_request){ "ana", NULL, "2025-11-01", NULL };
	tm.cand[0].ineligible = "on leave";
	tm.in.requests = rq;
	tm.in.nrequests = 4;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "di");
	ck_assert_str_eq(res.slots[0].case_ref, "D-2");
	ck_assert_int_eq(res.slots[0].how, ROTATION_HOW_REQUEST);
	ck_assert_int_eq(res.slots[0].request, 1);
	ck_assert(has_reason(&res.slots[0], "asked to present on 2025-12-20"));
	ck_assert(has_reason(&res.slots[0], "the case they asked to present"));
	ck_assert_str_eq(res.slots[1].member, "cy");
	ck_assert_int_eq(res.slots[1].request, 0);
	ck_assert_str_eq(res.slots[1].case_ref, "C-1");

	/* One member, two requests: at most once a session. */
	rq[0] = (struct rotation_request){ "cy", NULL, "2025-12-01", NULL };
	rq[1] = (struct rotation_request){ "cy", NULL, "2025-12-02", NULL };
	tm.in.nrequests = 2;
	tm.cand[0].ineligible = NULL;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "cy");
	ck_assert_int_eq(res.slots[0].request, 0);
	ck_assert_str_ne(res.slots[1].member, "cy");
	ck_assert_int_eq(res.slots[1].how, ROTATION_HOW_ROTATION);
	ck_assert_int_eq(res.slots[1].request, -1);
}
END_TEST

START_TEST(test_pins)
{
	struct tfix		tm;
	struct rotation_fixed	pin[2];
	struct rotation_request	rq;
	struct rotation_result	res;

	team_init(&tm, 2);
	memset(pin, 0, sizeof(pin));
	/* A pin holds even for a member who is away that day. */
	pin[0] = (struct rotation_fixed){ 2, "ana", "A-2", 0 };
	/* A second pin of the same member is ignored. */
	pin[1] = (struct rotation_fixed){ 1, "ana", NULL, 0 };
	tm.cand[0].ineligible = "on leave";
	rq = (struct rotation_request){ "ana", NULL, "2025-12-01", NULL };
	tm.in.pins = pin;
	tm.in.npins = 2;
	tm.in.requests = &rq;
	tm.in.nrequests = 1;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[1].member, "ana");
	ck_assert_str_eq(res.slots[1].case_ref, "A-2");
	ck_assert_int_eq(res.slots[1].how, ROTATION_HOW_PINNED);
	ck_assert_int_eq(res.slots[1].kept, 1);
	ck_assert_str_eq(res.slots[1].reasons[0], "pinned by a manager");
	ck_assert_str_eq(res.slots[0].member, "bo");
	ck_assert_int_eq(res.slots[0].how, ROTATION_HOW_ROTATION);

	/* A pin without a case gets one by the case rules. */
	pin[0] = (struct rotation_fixed){ 1, "cy", NULL, 0 };
	tm.in.npins = 1;
	tm.in.nrequests = 0;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "cy");
	ck_assert_str_eq(res.slots[0].case_ref, "C-1");
	ck_assert(has_reason(&res.slots[0], "cp comes first"));
	ck_assert_str_eq(res.slots[1].member, "bo");

	/* Out-of-range slots are ignored, not kept. */
	pin[0] = (struct rotation_fixed){ 3, "cy", NULL, 0 };
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "bo");
	ck_assert_str_eq(res.slots[1].member, "cy");
}
END_TEST

START_TEST(test_unfilled)
{
	struct tfix		tm;
	struct rotation_result	res;

	team_init(&tm, 3);
	tm.cand[0].ineligible = "on leave";
	tm.cand[1].ineligible = "newcomer until 2026-01-20";
	/* cy's cases were both discussed a week ago. */
	snprintf(tm.cs[2][0].last_discussed, DATE_LEN, "2025-12-30");
	snprintf(tm.cs[2][1].last_discussed, DATE_LEN, "2025-12-30");
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_int_eq(res.unfilled, 2);
	ck_assert_str_eq(res.slots[0].member, "di");
	ck_assert_str_eq(res.slots[1].member, "");
	ck_assert_str_eq(res.slots[2].member, "");
	ck_assert(has_reason(&res.slots[1],
	    "unfilled: 2 eligible members in Connect for 3 slots"));
	ck_assert(has_reason(&res.slots[1], "no case to present: cy (every "
	    "case of theirs was discussed within the last 56 days)"));
	ck_assert(has_reason(&res.slots[2], "not eligible: ana (on leave), bo "
	    "(newcomer until 2026-01-20)"));

	/* No slots (reflective practice): nothing to fill. */
	tm.in.slots = 0;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_int_eq(res.nslots, 0);
	ck_assert_int_eq(res.unfilled, 0);
}
END_TEST

START_TEST(test_frozen)
{
	struct tfix		tm;
	struct rotation_fixed	fz[2];
	struct rotation_result	res;

	/* Rotation alone would choose ana and bo (by slug). */
	team_init(&tm, 2);
	memset(fz, 0, sizeof(fz));
	fz[0] = (struct rotation_fixed){ 1, "di", "D-2",
	    ROTATION_HOW_REQUEST };
	fz[1] = (struct rotation_fixed){ 2, "cy", "C-2",
	    ROTATION_HOW_ROTATION };
	tm.in.frozen = fz;
	tm.in.nfrozen = 2;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "di");
	ck_assert_str_eq(res.slots[0].case_ref, "D-2");
	ck_assert_int_eq(res.slots[0].how, ROTATION_HOW_REQUEST);
	ck_assert_int_eq(res.slots[0].kept, 1);
	ck_assert_str_eq(res.slots[1].member, "cy");
	ck_assert_int_eq(res.slots[1].kept, 1);
	ck_assert(has_reason(&res.slots[1], "freeze window"));

	/* di is now away: only slot 1 changes. */
	tm.cand[3].ineligible = "on leave";
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "ana");
	ck_assert_int_eq(res.slots[0].kept, 0);
	ck_assert_int_eq(res.slots[0].how, ROTATION_HOW_ROTATION);
	ck_assert(has_reason(&res.slots[0],
	    "replaces di, who can no longer present: on leave"));
	ck_assert_str_eq(res.slots[1].member, "cy");
	ck_assert_str_eq(res.slots[1].case_ref, "C-2");
	ck_assert_int_eq(res.slots[1].kept, 1);

	/* cy's case closed: cy keeps the slot with another case. */
	snprintf(tm.cs[2][1].closed, DATE_LEN, "2026-01-02");
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[1].member, "cy");
	ck_assert_str_eq(res.slots[1].case_ref, "C-1");
	ck_assert_int_eq(res.slots[1].kept, 0);
	ck_assert(has_reason(&res.slots[1], "closed or no longer theirs"));

	/* Reallocated to someone else, and cy has nothing else: replaced. */
	snprintf(tm.cs[2][0].lead, SLUG_MAX + 1, "bo");
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "ana");
	ck_assert_str_eq(res.slots[1].member, "bo");
	ck_assert(has_reason(&res.slots[1], "replaces cy"));

	/* A pin wins over a frozen presenter of the same slot. */
	tm.cand[3].ineligible = NULL;
	tm.cs[2][1].closed[0] = '\0';
	snprintf(tm.cs[2][0].lead, SLUG_MAX + 1, "cy");
	fz[1] = (struct rotation_fixed){ 1, "bo", NULL, 0 };
	tm.in.pins = &fz[1];
	tm.in.npins = 1;
	tm.in.nfrozen = 1;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, NULL), 0);
	ck_assert_str_eq(res.slots[0].member, "bo");
	ck_assert_int_eq(res.slots[0].how, ROTATION_HOW_PINNED);
	ck_assert_str_eq(res.slots[1].member, "ana");
}
END_TEST

START_TEST(test_bad_input)
{
	struct tfix		tm;
	struct rotation_result	res;
	struct err		err;
	struct rotation_tally	*t;

	team_init(&tm, 2);
	tm.in.date = "2026-02-30";
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	tm.in.date = "2026-02-03";
	tm.in.slots = ROTATION_SLOTS_MAX + 1;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, &err), -1);
	ck_assert_int_eq(err.code, ERR_INVALID);
	tm.in.slots = -1;
	ck_assert_int_eq(rotation_fill(&tm.in, NULL, &res, &err), -1);
	t = rotation_tally_new();
	ck_assert_int_eq(rotation_tally_earn(t, "yesterday", 2, NULL, 0), -1);
	ck_assert_int_eq(rotation_tally_present(t, "2026-01-01", "", NULL),
	    -1);
	ck_assert_int_eq(rotation_tally_expire(t, "2026-13-01"), -1);
	ck_assert_int_eq(rotation_how_parse("pinned"), ROTATION_HOW_PINNED);
	ck_assert_int_eq(rotation_how_parse("bogus"), -1);
	ck_assert_str_eq(rotation_how_name(ROTATION_HOW_REQUEST), "request");
	rotation_tally_free(t);
	rotation_tally_free(NULL);
}
END_TEST

/* ---- tallies and fairness ------------------------------------------------- */

START_TEST(test_tally)
{
	struct rotation_tally	*t;
	struct rotation_share	 sh[3] = {
		{ "ana", 1 }, { "bo", 1 }, { "half", 0.5 } };
	struct rotation_stats	 st;
	const char		*all[] = { "ana", "bo", "half", "new" };

	t = rotation_tally_new();
	ck_assert_int_eq(rotation_tally_stats(t, "ana", &st), -1);
	ck_assert(st.earned == 0 && st.presented == 0);
	/* 2 slots over 2.5 fte: 0.8, 0.8 and 0.4. */
	ck_assert_int_eq(rotation_tally_earn(t, "2025-01-07", 2, sh, 3), 0);
	ck_assert_int_eq(rotation_tally_present(t, "2025-01-07", "ana", "X"),
	    0);
	ck_assert_int_eq(rotation_tally_earn(t, "2025-06-03", 2, sh, 3), 0);
	ck_assert_int_eq(rotation_tally_stats(t, "ana", &st), 0);
	ck_assert_double_eq_tol(st.earned, 1.6, 1e-9);
	ck_assert_int_eq(st.presented, 1);
	ck_assert_double_eq_tol(st.shortfall, 0.6, 1e-9);
	ck_assert_str_eq(st.last_presented, "2025-01-07");
	ck_assert_int_eq(rotation_tally_stats(t, "half", &st), 0);
	ck_assert_double_eq_tol(st.earned, 0.8, 1e-9);
	/* ana 0.6, bo 1.6, half 0.8, new 0: 1.6 - 0. */
	ck_assert_double_eq_tol(rotation_fairness(t, all, 4), 1.6, 1e-9);
	ck_assert_double_eq_tol(rotation_fairness(t, all, 3), 1.0, 1e-9);
	ck_assert_double_eq_tol(rotation_fairness(t, all, 1), 0, 1e-9);

	/* The first session leaves the window; the last date stays. */
	ck_assert_int_eq(rotation_tally_expire(t, "2025-01-08"), 0);
	ck_assert_int_eq(rotation_tally_stats(t, "ana", &st), 0);
	ck_assert_double_eq_tol(st.earned, 0.8, 1e-9);
	ck_assert_int_eq(st.presented, 0);
	ck_assert_str_eq(st.last_presented, "2025-01-07");
	ck_assert_int_eq(rotation_tally_expire(t, "2026-01-01"), 0);
	ck_assert_int_eq(rotation_tally_stats(t, "bo", &st), 0);
	ck_assert(st.earned == 0);
	rotation_tally_free(t);
}
END_TEST

/* ---- a year of a team of eight ---------------------------------------------- */

#define SIM_MEMBERS	8
#define SIM_SESSIONS	26
#define SIM_CASES	8

static const char *sim_slugs[SIM_MEMBERS] = {
	"ft1", "ft2", "ft3", "ft4", "ft5", "half", "away", "newbie"
};

START_TEST(test_year)
{
	struct rotation_tally		*t;
	struct rotation_candidate	 cand[SIM_MEMBERS];
	struct casefile			 cs[SIM_MEMBERS][SIM_CASES];
	struct rotation_request		 rq;
	struct rotation_fixed		 pin;
	struct rotation_input		 in;
	struct rotation_result		 res;
	struct err			 err;
	char				 date[DATE_LEN], before[DATE_LEN];
	char				 ref[REF_MAX + 1];
	const char			*elig[SIM_MEMBERS];
	int				 count[SIM_MEMBERS];
	int				 presented_at[SIM_MEMBERS][SIM_SESSIONS];
	int				 s, i, j, k, slot, nelig, lo, hi;
	int				 req_session = 9, pin_session = 12;
	int				 flag_session = 15, req_done = 0;
	double				 ftavg, fair, maxfair;

	memset(count, 0, sizeof(count));
	memset(presented_at, 0, sizeof(presented_at));
	for (i = 0; i < SIM_MEMBERS; i++) {
		for (j = 0; j < SIM_CASES; j++) {
			snprintf(ref, sizeof(ref), "%s/%d", sim_slugs[i], j);
			snprintf(date, sizeof(date), "2025-%02d-01", j + 1);
			mk_case(&cs[i][j], ref, j % KIND_COUNT, sim_slugs[i],
			    date, NULL, NULL, NULL);
		}
		memset(&cand[i], 0, sizeof(cand[i]));
		cand[i].member = sim_slugs[i];
		cand[i].fte = strcmp(sim_slugs[i], "half") == 0 ? 0.5 : 1;
		cand[i].cases = cs[i];
		cand[i].ncases = SIM_CASES;
	}
	maxfair = 0;
	t = rotation_tally_new();
	for (s = 0; s < SIM_SESSIONS; s++) {
		/* Fortnightly Tuesdays from 2026-01-06. */
		day_add("2026-01-06", 14L * s, date);
		day_add(date, -ROTATION_WINDOW_DAYS, before);
		ck_assert_int_eq(rotation_tally_expire(t, before), 0);
		/* The caller's eligibility: absence, start, grace. */
		for (i = 0; i < SIM_MEMBERS; i++)
			cand[i].ineligible = NULL;
		if (strcmp(date, "2026-04-01") >= 0 &&
		    strcmp(date, "2026-05-31") <= 0)
			cand[6].ineligible = "on leave";
		if (strcmp(date, "2026-07-01") < 0)
			cand[7].ineligible = "not yet started";
		else if (strcmp(date, "2026-07-15") < 0)
			cand[7].ineligible = "newcomer until 2026-07-15";
		/* ft3 asks at session 9 and is away for session 10. */
		if (s == req_session + 1)
			cand[2].ineligible = "on leave";
		/* ft5 flags a case before session 15. */
		if (s == flag_session) {
			cs[4][7].flagged = 1;
			day_add(date, -1, cs[4][7].flagged_on);
			snprintf(cs[4][7].flag_reason, REASON_MAX + 1,
			    "stuck");
		}

		memset(&in, 0, sizeof(in));
		in.team = "MAST North";
		in.date = date;
		in.slots = 2;
		in.case_cooldown_days = 56;
		in.members = cand;
		in.nmembers = SIM_MEMBERS;
		if (s > req_session && !req_done) {
			rq = (struct rotation_request){ "ft3", NULL,
			    "2026-05-12", NULL };
			in.requests = &rq;
			in.nrequests = 1;
		}
		if (s == pin_session) {
			pin = (struct rotation_fixed){ 2, "half", NULL, 0 };
			in.pins = &pin;
			in.npins = 1;
		}
		ck_assert_int_eq(rotation_fill(&in, t, &res, &err), 0);
		ck_assert_int_eq(res.unfilled, 0);
		ck_assert_str_ne(res.slots[0].member, res.slots[1].member);

		if (s == req_session + 1)
			ck_assert_str_ne(res.slots[0].member, "ft3");
		if (s == req_session + 2) {
			/* Honoured at the next session they can attend. */
			ck_assert_str_eq(res.slots[0].member, "ft3");
			ck_assert_int_eq(res.slots[0].how,
			    ROTATION_HOW_REQUEST);
			ck_assert_int_eq(res.slots[0].request, 0);
			req_done = 1;
		}
		if (s == pin_session) {
			ck_assert_str_eq(res.slots[1].member, "half");
			ck_assert_int_eq(res.slots[1].how,
			    ROTATION_HOW_PINNED);
		}

		for (slot = 0; slot < 2; slot++) {
			for (i = 0; i < SIM_MEMBERS; i++)
				if (strcmp(res.slots[slot].member,
				    sim_slugs[i]) == 0)
					break;
			ck_assert_int_lt(i, SIM_MEMBERS);
			ck_assert_msg(res.slots[slot].nreasons >= 2,
			    "too few reasons");
			if (res.slots[slot].how != ROTATION_HOW_PINNED)
				ck_assert_ptr_null(cand[i].ineligible);
			if (i == 4 && s >= flag_session &&
			    cs[4][7].flagged) {
				ck_assert_str_eq(res.slots[slot].case_ref,
				    "ft5/7");
				ck_assert(has_reason(&res.slots[slot],
				    "flagged for discussion"));
			}
			count[i]++;
			presented_at[i][s] = 1;
			/* Held: the case is discussed, its flag cleared. */
			for (k = 0; k < SIM_CASES; k++) {
				if (strcmp(cs[i][k].ref,
				    res.slots[slot].case_ref) != 0)
					continue;
				if (cs[i][k].last_discussed[0] != '\0' &&
				    !cs[i][k].flagged)
					ck_assert_int_ge(D(date) -
					    D(cs[i][k].last_discussed), 56);
				snprintf(cs[i][k].last_discussed, DATE_LEN,
				    "%s", date);
				cs[i][k].flagged = 0;
			}
		}
		ck_assert_int_eq(rotation_tally_record(t, &in, &res), 0);

		nelig = 0;
		for (i = 0; i < SIM_MEMBERS; i++)
			if (cand[i].ineligible == NULL)
				elig[nelig++] = sim_slugs[i];
		fair = rotation_fairness(t, elig, (size_t)nelig);
		if (fair > maxfair)
			maxfair = fair;
	}
	/* The flagged case was presented. */
	ck_assert_int_eq(cs[4][7].flagged, 0);

	/* Full-timers differ by at most one. */
	lo = hi = count[0];
	for (i = 0; i < 5; i++) {
		if (count[i] < lo)
			lo = count[i];
		if (count[i] > hi)
			hi = count[i];
	}
	ck_assert_msg(hi - lo <= 1, "full-timers from %d to %d", lo, hi);
	ftavg = 0;
	for (i = 0; i < 5; i++)
		ftavg += count[i];
	ftavg /= 5;
	/* Half-time: about half as often (the pin included). */
	ck_assert_msg(count[5] >= ftavg / 2 - 1 && count[5] <= ftavg / 2 + 1,
	    "half-timer %d against %.1f", count[5], ftavg);
	/* The newcomer never during grace; not flooded afterwards. */
	for (s = 0; s < SIM_SESSIONS; s++) {
		day_add("2026-01-06", 14L * s, date);
		if (strcmp(date, "2026-07-15") < 0)
			ck_assert_int_eq(presented_at[7][s], 0);
	}
	ck_assert_int_ge(count[7], 2);
	ck_assert_int_le(count[7], 5);
	/* Back from two months away: not back-to-back. */
	for (s = 0; s + 1 < SIM_SESSIONS; s++)
		ck_assert_msg(!(presented_at[6][s] && presented_at[6][s + 1]),
		    "away presents at sessions %d and %d", s, s + 1);
	ck_assert_int_ge(count[6], (int)ftavg - 2);
	ck_assert_msg(maxfair < 2, "fairness reached %.2f", maxfair);
	rotation_tally_free(t);
}
END_TEST

static Suite *
rotation_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("rotation");
	tc = tcase_create("cases");
	tcase_add_loop_test(tc, test_case_choice, 0, (int)NELEM(case_rows));
	tcase_add_test(tc, test_case_tally);
	suite_add_tcase(s, tc);
	tc = tcase_create("presenters");
	tcase_add_loop_test(tc, test_pick, 0, (int)NELEM(pick_rows));
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_pins);
	tcase_add_test(tc, test_unfilled);
	tcase_add_test(tc, test_frozen);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	tc = tcase_create("tallies");
	tcase_add_test(tc, test_tally);
	tcase_add_test(tc, test_year);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(rotation_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
