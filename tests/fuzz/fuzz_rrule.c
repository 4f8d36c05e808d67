/*
 * Fuzz target for series RRULEs: the first line is the rule, an optional
 * second line the series' local start ("YYYY-MM-DDTHH:MM").  The rule is
 * checked as `series add` checks it and expanded over a year as the planner
 * expands it.  Anything must be accepted or refused with ERR_INVALID and a
 * message, within a bounded amount of work (libFuzzer's -timeout catches a
 * rule that makes libical search for centuries); an expansion must be
 * ascending, inside its window and within ICAL_MAX_OCCURRENCES.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "ical.h"

#define FUZZ_TZ		"Europe/London"
#define FUZZ_START	"2026-01-05T10:00"
#define FUZZ_MAX	2048

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
refused_well(int rc, const struct err *err)
{
	if (rc == -1 && (err->code != ERR_INVALID || err->msg[0] == '\0'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err	 err;
	char		*buf, *nl, *rule, *line;
	const char	*start = FUZZ_START;
	time_t		 dtstart, from, *v = NULL;
	size_t		 n = 0, i;
	int		 rc;

	if (size > FUZZ_MAX || memchr(data, '\0', size) != NULL)
		return (0);
	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	rule = buf;
	if ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		line = nl + 1;
		line[strcspn(line, "\r\n")] = '\0';
		start = line;
	}

	ical_init();
	err_clear(&err);
	if (ical_local_time(FUZZ_TZ, start, &dtstart, &err) == -1) {
		refused_well(-1, &err);
		err_clear(&err);
		if (ical_local_time(FUZZ_TZ, FUZZ_START, &dtstart, &err) == -1)
			abort();
	}

	err_clear(&err);
	rc = ical_rrule_check(rule, FUZZ_TZ, dtstart, 84, &err);
	refused_well(rc, &err);

	/* A year of planning a month after the start, as the planner asks. */
	err_clear(&err);
	from = dtstart + 30 * 86400;
	rc = ical_rrule_expand(rule, FUZZ_TZ, dtstart, from,
	    from + 365 * 86400, &v, &n, &err);
	refused_well(rc, &err);
	if (rc == 0) {
		if (n > ICAL_MAX_OCCURRENCES || (n == 0) != (v == NULL))
			abort();
		for (i = 0; i < n; i++) {
			if (v[i] < from || v[i] >= from + 365 * 86400)
				abort();
			if (i > 0 && v[i] <= v[i - 1])
				abort();
		}
	}
	free(v);
	free(buf);
	return (0);
}
