/*
 * Fuzz target for holiday files: the bytes are parsed by the same
 * from-memory loader that reads [schedule] holidays, which must refuse
 * anything it cannot read with an error and never crash, leak or hang.
 * Accepted sets are checked to hold only well-formed dates.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ical.h"
#include "schedule.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sched_holidays	h;
	struct err		err;
	size_t			i;
	long			d;

	sched_holidays_init(&h);
	err_clear(&err);
	if (ical_holidays_parse("fuzz.ics", (const char *)data, size, &h,
	    &err) == 0) {
		sched_holidays_finish(&h);
		for (i = 0; i < h.n; i++)
			if (sched_date_parse(h.dates[i], &d) == -1)
				abort();
	} else if (err.code != ERR_INVALID || err.msg[0] == '\0')
		abort();
	sched_holidays_free(&h);
	return (0);
}
