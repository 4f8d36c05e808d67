/*
 * A series' starts kept between runs.  Every replan expands every series
 * in scope from its RRULE, and libical's iterator (through ICU's calendar)
 * is a tenth of a no-change replan; the starts depend only on the rule,
 * the time zone and the series' start, so they are kept under that key,
 * expanded a little past the window asked for, and a later run whose
 * window lies inside is answered from them.  A rule that fails on the
 * wider window is expanded again on the window asked for and not kept, so
 * errors read as ical_rrule_expand's own.  The main thread's only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ical.h"
#include "planner-int.h"
#include "xmalloc.h"

/* How far past the window a kept expansion reaches: a month of replans. */
#define EXPAND_MARGIN	(35 * PLANNER_DAY)
/* Kept expansions at most; then all are forgotten and kept again. */
#define EXPAND_KEEP_MAX	8192

struct expand_kept {
	char	*key;			/* rrule "\n" tz "\n" dtstart */
	time_t	 from, until;		/* the window expanded */
	time_t	*v;
	size_t	 n;
};

static struct {
	struct expand_kept	*slot;	/* open addressing; key NULL: free */
	size_t			 nslot;	/* a power of two, or 0 */
	size_t			 n;
} expand_g;

static uint64_t	expand_hash(const char *);
static struct expand_kept *expand_find(const char *);
static void	expand_grow(void);

static uint64_t
expand_hash(const char *s)
{
	uint64_t	h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (h);
}

/* key's slot: its entry, or the free slot where it would go. */
static struct expand_kept *
expand_find(const char *key)
{
	size_t	i;

	i = (size_t)expand_hash(key) & (expand_g.nslot - 1);
	while (expand_g.slot[i].key != NULL &&
	    strcmp(expand_g.slot[i].key, key) != 0)
		i = (i + 1) & (expand_g.nslot - 1);
	return (&expand_g.slot[i]);
}

static void
expand_grow(void)
{
	struct expand_kept	*old = expand_g.slot, *k;
	size_t			 nold = expand_g.nslot, i;

	expand_g.nslot = nold == 0 ? 64 : nold * 2;
	expand_g.slot = xcalloc(expand_g.nslot, sizeof(*expand_g.slot));
	for (i = 0; i < nold; i++) {
		if (old[i].key == NULL)
			continue;
		k = expand_find(old[i].key);
		*k = old[i];
	}
	free(old);
}

int
plan_expand_starts(const char *rrule, const char *tz, time_t dtstart,
    time_t from, time_t until, time_t **starts, size_t *n, struct err *err)
{
	struct expand_kept	*k;
	struct err		 wide;
	time_t			*v = NULL;
	char			*key;
	size_t			 nv = 0, lo, hi;

	*starts = NULL;
	*n = 0;
	xasprintf(&key, "%s\n%s\n%lld", rrule, tz, (long long)dtstart);
	if (expand_g.n >= EXPAND_KEEP_MAX)
		plan_expand_forget();
	if (expand_g.nslot == 0 || (expand_g.n + 1) * 2 > expand_g.nslot)
		expand_grow();
	k = expand_find(key);
	if (k->key == NULL || k->from > from || k->until < until) {
		err_clear(&wide);
		if (ical_rrule_expand(rrule, tz, dtstart, from,
		    until + EXPAND_MARGIN, &v, &nv, &wide) == -1) {
			/* The window asked for, to fail (or not) as it would. */
			free(key);
			return (ical_rrule_expand(rrule, tz, dtstart, from,
			    until, starts, n, err));
		}
		if (k->key == NULL) {
			k->key = key;
			expand_g.n++;
		} else {
			free(k->v);
			free(key);
		}
		k->v = v;
		k->n = nv;
		k->from = from;
		k->until = until + EXPAND_MARGIN;
	} else
		free(key);
	/* The kept starts are ascending: the window's run of them. */
	for (lo = 0; lo < k->n && k->v[lo] < from; lo++)
		;
	for (hi = lo; hi < k->n && k->v[hi] < until; hi++)
		;
	if (hi > lo) {
		*starts = xreallocarray(NULL, hi - lo, sizeof(**starts));
		memcpy(*starts, k->v + lo, (hi - lo) * sizeof(**starts));
		*n = hi - lo;
	}
	return (0);
}

void
plan_expand_forget(void)
{
	size_t	i;

	for (i = 0; i < expand_g.nslot; i++) {
		free(expand_g.slot[i].key);
		free(expand_g.slot[i].v);
	}
	free(expand_g.slot);
	memset(&expand_g, 0, sizeof(expand_g));
}
