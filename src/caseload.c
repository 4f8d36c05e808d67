/*
 * Caseload arithmetic of SPEC section 4: the weighted sum of a member's
 * open cases (a co-worker allocation counts coworker_share of its weight),
 * the limit (an override as given, else the role's limit pro-rata to fte)
 * and the ok / approaching / over status.  Pure: structs in, numbers out;
 * no I/O, no database, no logging.
 */
#include <stddef.h>

#include "caseload.h"
#include "config.h"
#include "domain.h"

/*
 * Weights and fractions are decimal numbers that doubles hold inexactly:
 * 0.9 * 15 is 13.500000000000002.  Comparisons allow this much slack so
 * that a figure exactly at a threshold counts as at it.
 */
#define CASELOAD_EPSILON	1e-9

static const char *caseload_status_names[] = {
	[CASELOAD_OK] = "ok",
	[CASELOAD_APPROACHING] = "approaching",
	[CASELOAD_OVER] = "over",
};

void
caseload_compute(const struct config *conf, int role, double fte,
    double override, const struct caseload_item *items, size_t n,
    struct caseload *cl)
{
	double	w;
	size_t	i;

	cl->cases = 0;
	cl->weighted = 0;
	for (i = 0; i < n; i++) {
		if (items[i].kind < 0 || items[i].kind >= KIND_COUNT)
			w = conf->weight[KIND_OTHER];
		else
			w = conf->weight[items[i].kind];
		if (items[i].coworker)
			w *= conf->coworker_share;
		cl->weighted += w;
		cl->cases++;
	}

	/* An fte outside (0, 1] cannot come from validated input; count 1. */
	if (!(fte > 0 && fte <= 1))
		fte = 1;
	if (override > 0)
		cl->limit = override;
	else if (role < 0 || role >= ROLE_COUNT)
		cl->limit = 0;
	else
		cl->limit = config_limit(conf, (enum role)role) * fte;

	if (cl->limit <= 0) {
		cl->limit = 0;
		cl->status = CASELOAD_OK;
	} else if (cl->weighted > cl->limit + CASELOAD_EPSILON)
		cl->status = CASELOAD_OVER;
	else if (cl->weighted >= conf->warn_at * cl->limit - CASELOAD_EPSILON)
		cl->status = CASELOAD_APPROACHING;
	else
		cl->status = CASELOAD_OK;
}

const char *
caseload_status_name(int status)
{
	if (status < CASELOAD_OK || status > CASELOAD_OVER)
		return ("ok");
	return (caseload_status_names[status]);
}
