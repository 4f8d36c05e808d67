/*
 * Caseload arithmetic, pure: weights by case kind, the co-worker share, the
 * FTE pro-rata limit or a member's override, and the ok / approaching / over
 * status of SPEC section 4.  No I/O, no database.
 */
#ifndef REFLECTD_CASELOAD_H
#define REFLECTD_CASELOAD_H

#include <stddef.h>

struct config;

enum caseload_status {
	CASELOAD_OK = 0,
	CASELOAD_APPROACHING,
	CASELOAD_OVER
};

struct caseload_item {
	int	kind;		/* enum case_kind */
	int	coworker;	/* 1 if the member is the co-worker, 0 lead */
};

struct caseload {
	int	cases;		/* open cases as lead or co-worker */
	double	weighted;
	double	limit;		/* 0: the role has no limit */
	int	status;		/* enum caseload_status */
};

/* role: enum role; fte 0.1..1; override 0 = none. */
void		 caseload_compute(const struct config *, int role, double fte,
		    double override, const struct caseload_item *, size_t n,
		    struct caseload *);
const char	*caseload_status_name(int);

#endif
