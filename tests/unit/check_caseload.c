/*
 * Unit tests for caseload: the arithmetic a manager reads off the caseload
 * table.  Table driven against the shipped defaults (cp 1.5, cin 1.0,
 * lac 1.25, care_leaver 0.75, early_help 0.75, other 1.0; co-worker share
 * 0.5; warn_at 0.9; social worker 15, senior practitioner 12, ASYE 10),
 * with the thresholds checked exactly at and just around their values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "caseload.h"
#include "config.h"
#include "domain.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAXITEMS	24
#define LEAD(k)		{ (k), 0 }
#define CO(k)		{ (k), 1 }

struct cl_case {
	const char		*what;
	int			 role;
	double			 fte;
	double			 override;
	size_t			 n;
	struct caseload_item	 items[MAXITEMS];
	int			 cases;
	double			 weighted;
	double			 limit;
	int			 status;
};

static struct config	*conf;

static void	setup(void);
static void	teardown(void);
static Suite	*caseload_suite(void);

static void
setup(void)
{
	conf = config_defaults();
	ck_assert_ptr_nonnull(conf);
}

static void
teardown(void)
{
	config_free(conf);
	conf = NULL;
}

static const struct cl_case cl_cases[] = {
	{ "zero cases", ROLE_SOCIAL_WORKER, 1.0, 0, 0, { LEAD(0) },
	    0, 0, 15, CASELOAD_OK },
	/* One case of each kind as lead: its weight. */
	{ "one cp", ROLE_SOCIAL_WORKER, 1.0, 0, 1, { LEAD(KIND_CP) },
	    1, 1.5, 15, CASELOAD_OK },
	{ "one cin", ROLE_SOCIAL_WORKER, 1.0, 0, 1, { LEAD(KIND_CIN) },
	    1, 1.0, 15, CASELOAD_OK },
	{ "one lac", ROLE_SOCIAL_WORKER, 1.0, 0, 1, { LEAD(KIND_LAC) },
	    1, 1.25, 15, CASELOAD_OK },
	{ "one care leaver", ROLE_SOCIAL_WORKER, 1.0, 0, 1,
	    { LEAD(KIND_CARE_LEAVER) }, 1, 0.75, 15, CASELOAD_OK },
	{ "one early help", ROLE_SOCIAL_WORKER, 1.0, 0, 1,
	    { LEAD(KIND_EARLY_HELP) }, 1, 0.75, 15, CASELOAD_OK },
	{ "one other", ROLE_SOCIAL_WORKER, 1.0, 0, 1, { LEAD(KIND_OTHER) },
	    1, 1.0, 15, CASELOAD_OK },
	/* Co-worker share: half the weight, but a whole case in the count. */
	{ "co-worked cp", ROLE_SOCIAL_WORKER, 1.0, 0, 1, { CO(KIND_CP) },
	    1, 0.75, 15, CASELOAD_OK },
	{ "co-worked lac", ROLE_SOCIAL_WORKER, 1.0, 0, 1, { CO(KIND_LAC) },
	    1, 0.625, 15, CASELOAD_OK },
	{ "mixed lead and co-worked", ROLE_SOCIAL_WORKER, 1.0, 0, 6,
	    { LEAD(KIND_CP), LEAD(KIND_CIN), LEAD(KIND_LAC),
	    CO(KIND_CP), CO(KIND_CARE_LEAVER), LEAD(KIND_EARLY_HELP) },
	    6, 1.5 + 1.0 + 1.25 + 0.75 + 0.375 + 0.75, 15, CASELOAD_OK },
	/* Limits by role and fte. */
	{ "senior practitioner", ROLE_SENIOR_PRACTITIONER, 1.0, 0, 0,
	    { LEAD(0) }, 0, 0, 12, CASELOAD_OK },
	{ "asye", ROLE_ASYE, 1.0, 0, 0, { LEAD(0) }, 0, 0, 10, CASELOAD_OK },
	{ "youth worker", ROLE_YOUTH_WORKER, 1.0, 0, 0, { LEAD(0) },
	    0, 0, 12, CASELOAD_OK },
	{ "family practitioner", ROLE_FAMILY_PRACTITIONER, 1.0, 0, 0,
	    { LEAD(0) }, 0, 0, 12, CASELOAD_OK },
	{ "part-time 0.6", ROLE_SOCIAL_WORKER, 0.6, 0, 0, { LEAD(0) },
	    0, 0, 9, CASELOAD_OK },
	{ "part-time 0.5 asye", ROLE_ASYE, 0.5, 0, 0, { LEAD(0) },
	    0, 0, 5, CASELOAD_OK },
	/* 9 cin at 0.6 fte: at the limit 9, not over; 0.9 * 9 = 8.1. */
	{ "part-time at limit", ROLE_SOCIAL_WORKER, 0.6, 0, 9,
	    { LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1),
	    LEAD(1), LEAD(1) }, 9, 9, 9, CASELOAD_APPROACHING },
	{ "part-time over a full-timer's ok", ROLE_SOCIAL_WORKER, 0.6, 0, 10,
	    { LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1),
	    LEAD(1), LEAD(1), LEAD(1) }, 10, 10, 9, CASELOAD_OVER },
	/* An override replaces the role's limit and ignores fte. */
	{ "override", ROLE_SOCIAL_WORKER, 1.0, 8, 0, { LEAD(0) },
	    0, 0, 8, CASELOAD_OK },
	{ "override ignores fte", ROLE_SOCIAL_WORKER, 0.5, 8, 8,
	    { LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1),
	    LEAD(1) }, 8, 8, 8, CASELOAD_APPROACHING },
	{ "override above role limit", ROLE_ASYE, 0.5, 20, 12,
	    { LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1),
	    LEAD(1), LEAD(1), LEAD(1), LEAD(1), LEAD(1) },
	    12, 12, 20, CASELOAD_OK },
	/* Thresholds at limit 15: approaching from 13.5, over above 15. */
	{ "just below warn_at", ROLE_SOCIAL_WORKER, 1.0, 0, 9,
	    { LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_LAC) }, 9, 13.25, 15, CASELOAD_OK },
	{ "just above warn_at", ROLE_SOCIAL_WORKER, 1.0, 0, 10,
	    { LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_LAC), CO(KIND_CARE_LEAVER) },
	    10, 13.625, 15, CASELOAD_APPROACHING },
	{ "exactly warn_at (13.5 of 15)", ROLE_SOCIAL_WORKER, 1.0, 0, 9,
	    { LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP) }, 9, 13.5, 15, CASELOAD_APPROACHING },
	{ "exactly warn_at from co-worked thirds", ROLE_SOCIAL_WORKER, 1.0, 0,
	    18, { CO(KIND_CP), CO(KIND_CP), CO(KIND_CP), CO(KIND_CP),
	    CO(KIND_CP), CO(KIND_CP), CO(KIND_CP), CO(KIND_CP), CO(KIND_CP),
	    CO(KIND_CP), CO(KIND_CP), CO(KIND_CP), CO(KIND_CP), CO(KIND_CP),
	    CO(KIND_CP), CO(KIND_CP), CO(KIND_CP), CO(KIND_CP) },
	    18, 13.5, 15, CASELOAD_APPROACHING },
	{ "exactly the limit", ROLE_SOCIAL_WORKER, 1.0, 0, 10,
	    { LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP), LEAD(KIND_CP) }, 10, 15, 15, CASELOAD_APPROACHING },
	{ "limit from weights that are not exact", ROLE_SOCIAL_WORKER, 1.0, 0,
	    12, { LEAD(KIND_LAC), LEAD(KIND_LAC), LEAD(KIND_LAC),
	    LEAD(KIND_LAC), LEAD(KIND_LAC), LEAD(KIND_LAC), LEAD(KIND_LAC),
	    LEAD(KIND_LAC), LEAD(KIND_LAC), LEAD(KIND_LAC), LEAD(KIND_LAC),
	    LEAD(KIND_LAC) }, 12, 15, 15, CASELOAD_APPROACHING },
	{ "just over the limit", ROLE_SOCIAL_WORKER, 1.0, 0, 11,
	    { LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP),
	    LEAD(KIND_CP), LEAD(KIND_CP), CO(KIND_EARLY_HELP) },
	    11, 15.375, 15, CASELOAD_OVER },
	/* Roles without a limit are never approaching or over. */
	{ "manager with cases", ROLE_MANAGER, 1.0, 0, 3,
	    { LEAD(KIND_CP), LEAD(KIND_CP), LEAD(KIND_CP) },
	    3, 4.5, 0, CASELOAD_OK },
	{ "psychologist", ROLE_PSYCHOLOGIST, 0.5, 0, 0, { LEAD(0) },
	    0, 0, 0, CASELOAD_OK },
	{ "other role", ROLE_OTHER, 1.0, 0, 1, { LEAD(KIND_CP) },
	    1, 1.5, 0, CASELOAD_OK },
	/* ... unless someone gives them an override. */
	{ "manager with an override", ROLE_MANAGER, 1.0, 2, 2,
	    { LEAD(KIND_CP), LEAD(KIND_CIN) }, 2, 2.5, 2, CASELOAD_OVER },
};

START_TEST(test_compute)
{
	const struct cl_case	*c = &cl_cases[_i];
	struct caseload		 cl;

	memset(&cl, 0xff, sizeof(cl));
	caseload_compute(conf, c->role, c->fte, c->override, c->items, c->n,
	    &cl);
	ck_assert_msg(cl.cases == c->cases, "%s: cases %d, expected %d",
	    c->what, cl.cases, c->cases);
	ck_assert_msg(fabs(cl.weighted - c->weighted) < 1e-9,
	    "%s: weighted %g, expected %g", c->what, cl.weighted, c->weighted);
	ck_assert_msg(fabs(cl.limit - c->limit) < 1e-9,
	    "%s: limit %g, expected %g", c->what, cl.limit, c->limit);
	ck_assert_msg(cl.status == c->status, "%s: status %s, expected %s",
	    c->what, caseload_status_name(cl.status),
	    caseload_status_name(c->status));
}
END_TEST

/* Sweep 0..20 in quarters at limit 15: the status switches exactly twice. */
START_TEST(test_thresholds_sweep)
{
	struct caseload_item	 items[80] = { { 0, 0 } };
	struct caseload		 cl;
	size_t			 n, i;
	double			 w;
	int			 want;

	for (n = 0; n < NELEM(items); n++) {
		for (i = 0; i < n; i++) {
			items[i].kind = KIND_EARLY_HELP;	/* 0.75 */
			items[i].coworker = (i % 3 == 0);	/* 0.375 */
		}
		caseload_compute(conf, ROLE_SOCIAL_WORKER, 1.0, 0, items, n,
		    &cl);
		w = 0;
		for (i = 0; i < n; i++)
			w += i % 3 == 0 ? 0.375 : 0.75;
		if (w > 15)
			want = CASELOAD_OVER;
		else if (w >= 13.5)
			want = CASELOAD_APPROACHING;
		else
			want = CASELOAD_OK;
		ck_assert_msg(cl.status == want, "%zu cases, %g: %s, expected "
		    "%s", n, w, caseload_status_name(cl.status),
		    caseload_status_name(want));
	}
}
END_TEST

/* Changed weights, share and warn_at (as after a reload) are used. */
START_TEST(test_config_values)
{
	struct caseload_item	 items[] = { LEAD(KIND_CP), CO(KIND_CIN) };
	struct caseload		 cl;

	conf->weight[KIND_CP] = 2.0;
	conf->weight[KIND_CIN] = 3.0;
	conf->coworker_share = 1.0 / 3.0;
	conf->warn_at = 0.5;
	conf->limit[ROLE_SOCIAL_WORKER] = 6;
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 1.0, 0, items, 2, &cl);
	ck_assert(fabs(cl.weighted - 3.0) < 1e-9);
	ck_assert(fabs(cl.limit - 6) < 1e-9);
	ck_assert_int_eq(cl.status, CASELOAD_APPROACHING);
	conf->warn_at = 0.51;
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 1.0, 0, items, 2, &cl);
	ck_assert_int_eq(cl.status, CASELOAD_OK);
}
END_TEST

/*
 * Figures that are equal on paper but not in binary: 0.7 * 15 is 10.5 but
 * 0.9 * 10.5 is 9.450000000000001, and 0.1 + 0.1 + 0.1 is more than 0.3.
 * Neither may flip a status.
 */
START_TEST(test_float_boundaries)
{
	struct caseload_item	 one[] = { LEAD(KIND_CIN) };
	struct caseload_item	 three[] = { LEAD(KIND_OTHER),
				    LEAD(KIND_OTHER), LEAD(KIND_OTHER) };
	struct caseload		 cl;

	conf->weight[KIND_CIN] = 9.45;
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 0.7, 0, one, 1, &cl);
	ck_assert_int_eq(cl.status, CASELOAD_APPROACHING);
	conf->weight[KIND_CIN] = 9.44;
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 0.7, 0, one, 1, &cl);
	ck_assert_int_eq(cl.status, CASELOAD_OK);
	conf->weight[KIND_CIN] = 10.5;
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 0.7, 0, one, 1, &cl);
	ck_assert_int_eq(cl.status, CASELOAD_APPROACHING);
	conf->weight[KIND_CIN] = 10.51;
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 0.7, 0, one, 1, &cl);
	ck_assert_int_eq(cl.status, CASELOAD_OVER);

	conf->weight[KIND_OTHER] = 0.1;
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 1.0, 0.3, three, 3, &cl);
	ck_assert_int_eq(cl.status, CASELOAD_APPROACHING);
	caseload_compute(conf, ROLE_SOCIAL_WORKER, 1.0, 0.29, three, 3, &cl);
	ck_assert_int_eq(cl.status, CASELOAD_OVER);
}
END_TEST

START_TEST(test_status_names)
{
	ck_assert_str_eq(caseload_status_name(CASELOAD_OK), "ok");
	ck_assert_str_eq(caseload_status_name(CASELOAD_APPROACHING),
	    "approaching");
	ck_assert_str_eq(caseload_status_name(CASELOAD_OVER), "over");
}
END_TEST

static Suite *
caseload_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("caseload");
	tc = tcase_create("compute");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_compute, 0, (int)NELEM(cl_cases));
	tcase_add_test(tc, test_thresholds_sweep);
	tcase_add_test(tc, test_config_values);
	tcase_add_test(tc, test_float_boundaries);
	tcase_add_test(tc, test_status_names);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(caseload_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
