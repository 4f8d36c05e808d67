/*
 * ical-build: the calendars reflectd sends and serves, half of the ical
 * module (ical.c reads RRULEs and holiday files).  libical assembles the
 * components and escapes TEXT values; the VTIMEZONE is made here for the
 * events' years from the system's zoneinfo (tzfile.c) and folded at 75
 * octets.  Pure: structs in, text out; it touches no database, clock or
 * network, and never sends what it builds.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "autoconf.h"
#include "ical.h"
#include "ical-int.h"
#include "tzfile.h"
#include "util.h"
#include "xmalloc.h"

struct tz_change {
	time_t	at;		/* the instant of the change (UTC) */
	int	from;		/* UTC offsets in seconds */
	int	to;
};

#define TZ_MAX_CHANGES	4
#define TZ_MAX_YEARS	64		/* compact VTIMEZONE: years of events */

/* Offsets come from the TZif file when it can be read, else libical. */
struct zone {
	icaltimezone	*z;
	struct tzfile	*f;
};

/*
 * A yearly change as a VTIMEZONE states it: the ord'th (or -1, the last)
 * wday of mon, at secs local time before the change.  All ints, so that
 * two years' rules compare with memcmp.
 */
struct tz_yearly {
	int	mon;		/* 1-12 */
	int	ord;
	int	wday;		/* 0 Sunday */
	int	secs;
	int	from, to;
};

/* One year of a zone: no change (n 0, base) or into daylight and back. */
struct tz_rules {
	int			n;
	int			base;
	struct tz_yearly	r[2];	/* [0] into daylight, [1] back */
};

/* The events' years, as a VTIMEZONE covers them (zone_years). */
struct tz_years {
	int		compact;	/* 0: they span too many years */
	int		lo, hi;
	uint64_t	bits;
};

static int	zone_offset(const struct zone *, time_t);
static size_t	zone_changes(const struct zone *, int, struct tz_change *,
		    int *);
static int	zone_rules(const struct zone *, int, struct tz_rules *);
static const char *zone_tzname(icaltimezone *, int);
static icalcomponent *zone_observance(icaltimezone *,
		    const struct tz_yearly *, int);
static int	zone_years(const struct ical_event *, size_t,
		    struct tz_years *);
static icalcomponent *zone_component(const struct zone *, const char *,
		    const struct tz_years *);
static const char *zone_text(const struct zone *, const char *,
		    const struct ical_event *, size_t);
static char	*ical_clean(const char *, int, int);
static icalproperty *ical_local_prop(icalproperty *, time_t, icaltimezone *,
		    const char *);
static icalproperty *ical_person(icalproperty *, const char *, const char *);
static icalcomponent *ical_vevent(const struct ical_event *, icaltimezone *,
		    const char *);
static char	*ical_fold(const char *, size_t *);
static void	feed_props(icalcomponent *, const char *,
		    const struct ical_feed_info *);
static struct tzfile *build_tzfile(const char *);
static void	key_bytes(char **, size_t *, size_t *, const void *, size_t);
static void	key_add(char **, size_t *, size_t *, const char *);
static void	key_num(char **, size_t *, size_t *, long long);
static char	*build_key(enum ical_method, const char *,
		    const struct ical_event *, size_t, size_t *);
static char	*calendar_build(enum ical_method, const char *,
		    const struct ical_feed_info *, const struct ical_event *,
		    size_t, size_t *, char **, struct err *);
static char	*calendar_whole(const char *, const char *, struct err *);
static char	*desc_splice(const char *, const struct ical_event *,
		    size_t *);
static char	*text_splice(const char *, size_t, size_t, const char *);

/*
 * Building calendars.  libical assembles the components and escapes the
 * TEXT values; the VTIMEZONE is made here from the zone's offsets in the
 * events' years rather than copied from libical, whose copy carries the
 * zone's whole history and a TZID that some clients do not recognise.
 * The offsets are read from the system's zoneinfo by tzfile.c: libical
 * 3.0.16 takes the 32-bit end of a TZif file (2038-01-19 03:14:07 UTC) for
 * a change, so from 2038 it moves some zones' changes to 03:14:07 UTC
 * (America/Santiago's September one, for instance).
 */

static int
zone_offset(const struct zone *zn, time_t t)
{
	struct icaltimetype	tt;
	int			dst = 0;

	if (zn->f != NULL)
		return (tzfile_offset(zn->f, t));
	tt = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	tt.zone = icaltimezone_get_utc_timezone();
	return (icaltimezone_get_utc_offset_of_utc_time(zn->z, &tt, &dst));
}

/* The zone's offset changes in a UTC year, at most TZ_MAX_CHANGES. */
static size_t
zone_changes(const struct zone *zn, int year, struct tz_change *c,
    int *base)
{
	struct tm	tm;
	time_t		from, until, d, lo, hi, mid;
	int		off, next;
	size_t		n = 0;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mday = 1;
	from = timegm(&tm);
	tm.tm_year++;
	until = timegm(&tm);
	off = *base = zone_offset(zn, from);
	for (d = from; d < until && n <= TZ_MAX_CHANGES; d += 86400) {
		if ((next = zone_offset(zn, d + 86400)) == off)
			continue;
		lo = d;
		hi = d + 86400;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (zone_offset(zn, mid) == off)
				lo = mid;
			else
				hi = mid;
		}
		if (n < TZ_MAX_CHANGES) {
			c[n].at = hi;
			c[n].from = off;
			c[n].to = next;
		}
		n++;
		off = next;
	}
	return (n);
}

/*
 * The year's changes as yearly rules, if they are none or one change into
 * daylight saving and one back; else -1.  A change on one of the last
 * seven days of its month is "the last" wday (-1SU), the rule of the zones
 * that use "last Sunday", so that it states the same rule every year;
 * others are the nth wday, which is right for this year, though not for
 * every year of a rule such as Chile's "first Sunday on or after the 2nd".
 */
static int
zone_rules(const struct zone *zn, int year, struct tz_rules *rs)
{
	struct tz_change	 c[TZ_MAX_CHANGES];
	const struct tz_change	*ch;
	struct tz_yearly	*y;
	struct tm		 tm;
	time_t			 local;
	size_t			 n;
	int			 i, d;

	memset(rs, 0, sizeof(*rs));
	n = zone_changes(zn, year, c, &rs->base);
	if (n == 0)
		return (0);
	if (n != 2 || c[0].from != c[1].to || c[0].to != c[1].from)
		return (-1);
	d = c[0].to > c[0].from ? 0 : 1;	/* into daylight */
	rs->n = 2;
	for (i = 0; i < 2; i++) {
		y = &rs->r[i];
		ch = &c[i == 0 ? d : 1 - d];
		/* DTSTART and RRULE are local time before the change. */
		local = ch->at + ch->from;
		if (gmtime_r(&local, &tm) == NULL)
			return (-1);
		y->mon = tm.tm_mon + 1;
		y->wday = tm.tm_wday;
		y->ord = tm.tm_mday == tzfile_mday(tm.tm_year + 1900,
		    tm.tm_mon, -1, tm.tm_wday) ? -1 : (tm.tm_mday - 1) / 7 + 1;
		y->secs = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
		y->from = ch->from;
		y->to = ch->to;
	}
	return (0);
}

/* The latest TZNAME libical's copy of the zone gives to offset. */
static const char *
zone_tzname(icaltimezone *z, int offset)
{
	icalcomponent	*vtz, *c;
	icalproperty	*p;
	const char	*name = NULL;

	if ((vtz = icaltimezone_get_component(z)) == NULL)
		return (NULL);
	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL;
	    c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		p = icalcomponent_get_first_property(c,
		    ICAL_TZOFFSETTO_PROPERTY);
		if (p == NULL || icalproperty_get_tzoffsetto(p) != offset)
			continue;
		p = icalcomponent_get_first_property(c, ICAL_TZNAME_PROPERTY);
		if (p != NULL && icalproperty_get_tzname(p) != NULL)
			name = icalproperty_get_tzname(p);
	}
	return (name);
}

/*
 * One observance of yearly rule y.  DTSTART is the rule's occurrence in
 * 1970, worked out from the rule itself: the same day of the month as in
 * the events' year would be 32 October 1970 when that year's last Sunday
 * of October is the 29th, and strict clients refuse the whole calendar.
 */
static icalcomponent *
zone_observance(icaltimezone *z, const struct tz_yearly *y, int dst)
{
	static const char	*wd[] = { "SU", "MO", "TU", "WE", "TH", "FR",
				    "SA" };
	icalcomponent		*obs;
	struct icaltimetype	 start;
	const char		*name;
	char			*text;

	start = icaltime_null_time();
	start.year = 1970;
	start.month = y->mon;
	start.day = tzfile_mday(1970, y->mon - 1, y->ord, y->wday);
	start.hour = y->secs / 3600;
	start.minute = y->secs / 60 % 60;
	start.second = y->secs % 60;
	obs = icalcomponent_new(dst ? ICAL_XDAYLIGHT_COMPONENT :
	    ICAL_XSTANDARD_COMPONENT);
	icalcomponent_add_property(obs, icalproperty_new_dtstart(start));
	icalcomponent_add_property(obs, icalproperty_new_tzoffsetfrom(y->from));
	icalcomponent_add_property(obs, icalproperty_new_tzoffsetto(y->to));
	if ((name = zone_tzname(z, y->to)) != NULL)
		icalcomponent_add_property(obs, icalproperty_new_tzname(name));
	xasprintf(&text, "RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", y->mon,
	    y->ord, wd[y->wday]);
	icalcomponent_add_property(obs, icalproperty_new_from_string(text));
	free(text);
	return (obs);
}

/*
 * The VTIMEZONE for the events, under the bare name tz: compact when every
 * year that has an event gives the same rules (nearly always: a zone's
 * rules seldom change), else libical's full copy of the zone, renamed,
 * which covers every year (as libical reads the zone) but is long.
 */
/*
 * The UTC years of the events, as bits of a window of TZ_MAX_YEARS (y mod
 * TZ_MAX_YEARS is one bit per year within it), from lo to hi; 0 when they
 * span more (the full copy of the zone then).  All a VTIMEZONE depends on
 * besides the zone.
 */
static int
zone_years(const struct ical_event *events, size_t n, struct tz_years *ys)
{
	struct tm	tm;
	size_t		i;
	int		y;

	memset(ys, 0, sizeof(*ys));
	for (i = 0; i < n; i++) {
		if (gmtime_r(&events[i].start, &tm) == NULL)
			return (ys->compact = 0);
		y = tm.tm_year + 1900;
		if (i == 0)
			ys->lo = ys->hi = y;
		ys->lo = y < ys->lo ? y : ys->lo;
		ys->hi = y > ys->hi ? y : ys->hi;
		if (ys->hi - ys->lo >= TZ_MAX_YEARS) {
			memset(ys, 0, sizeof(*ys));
			return (0);
		}
		ys->bits |= (uint64_t)1 << ((y % TZ_MAX_YEARS +
		    TZ_MAX_YEARS) % TZ_MAX_YEARS);
	}
	return (ys->compact = 1);
}

static icalcomponent *
zone_component(const struct zone *zn, const char *tz,
    const struct tz_years *ys)
{
	icalcomponent		*vtz, *obs, *full;
	icalproperty		*p;
	struct tz_rules		 first, rs;
	struct icaltimetype	 start;
	const char		*name;
	uint64_t		 years = ys->bits;
	int			 lo = ys->lo, hi = ys->hi, y;
	int			 compact = ys->compact;

	memset(&first, 0, sizeof(first));
	for (y = lo; y <= hi && compact; y++) {
		if ((years & (uint64_t)1 << ((y % TZ_MAX_YEARS +
		    TZ_MAX_YEARS) % TZ_MAX_YEARS)) == 0)
			continue;
		if (zone_rules(zn, y, &rs) == -1 ||
		    (y != lo && memcmp(&rs, &first, sizeof(rs)) != 0))
			compact = 0;
		if (y == lo)
			first = rs;
	}
	if (compact && first.n == 2) {
		vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
		icalcomponent_add_component(vtz,
		    zone_observance(zn->z, &first.r[1], 0));
		icalcomponent_add_component(vtz,
		    zone_observance(zn->z, &first.r[0], 1));
		return (vtz);
	}
	if (compact) {
		vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
		obs = icalcomponent_new(ICAL_XSTANDARD_COMPONENT);
		start = icaltime_null_time();
		start.year = 1970;
		start.month = 1;
		start.day = 1;
		icalcomponent_add_property(obs,
		    icalproperty_new_dtstart(start));
		icalcomponent_add_property(obs,
		    icalproperty_new_tzoffsetfrom(first.base));
		icalcomponent_add_property(obs,
		    icalproperty_new_tzoffsetto(first.base));
		if ((name = zone_tzname(zn->z, first.base)) != NULL)
			icalcomponent_add_property(obs,
			    icalproperty_new_tzname(name));
		icalcomponent_add_component(vtz, obs);
		return (vtz);
	}
	/*
	 * The rules change within or between the years: libical's copy,
	 * TZID first and bare instead of "/freeassociation.../Europe/London".
	 */
	if ((full = icaltimezone_get_component(zn->z)) == NULL)
		return (NULL);
	vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
	icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
	for (p = icalcomponent_get_first_property(full, ICAL_ANY_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(full, ICAL_ANY_PROPERTY))
		if (icalproperty_isa(p) != ICAL_TZID_PROPERTY)
			icalcomponent_add_property(vtz,
			    icalproperty_new_clone(p));
	for (obs = icalcomponent_get_first_component(full, ICAL_ANY_COMPONENT);
	    obs != NULL;
	    obs = icalcomponent_get_next_component(full, ICAL_ANY_COMPONENT))
		icalcomponent_add_component(vtz, icalcomponent_new_clone(obs));
	return (vtz);
}

/* A copy without control characters (kept: '\n' when lines is set). */
static char *
ical_clean(const char *s, int lines, int param)
{
	char	*c, *p;

	c = xstrdup(s != NULL ? s : "");
	for (p = c; *p != '\0'; p++) {
		if (*p == '\n' && lines)
			continue;
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
		else if (param && *p == '"')
			*p = '\'';
	}
	return (c);
}

static icalproperty *
ical_local_prop(icalproperty *p, time_t t, icaltimezone *z, const char *tz)
{
	struct icaltimetype	tt;

	tt = ical_to_zone(t, z);
	tt.zone = NULL;
	if (icalproperty_isa(p) == ICAL_DTSTART_PROPERTY)
		icalproperty_set_dtstart(p, tt);
	else
		icalproperty_set_dtend(p, tt);
	icalproperty_add_parameter(p, icalparameter_new_tzid(tz));
	return (p);
}

static icalproperty *
ical_person(icalproperty *p, const char *name, const char *addr)
{
	char	*cn, *v;

	xasprintf(&v, "mailto:%s", addr);
	cn = ical_clean(v, 0, 0);
	if (icalproperty_isa(p) == ICAL_ORGANIZER_PROPERTY)
		icalproperty_set_organizer(p, cn);
	else
		icalproperty_set_attendee(p, cn);
	free(cn);
	free(v);
	if (name != NULL && name[0] != '\0') {
		cn = ical_clean(name, 0, 1);
		icalproperty_add_parameter(p, icalparameter_new_cn(cn));
		free(cn);
	}
	return (p);
}

static icalcomponent *
ical_vevent(const struct ical_event *e, icaltimezone *z, const char *tz)
{
	icalcomponent		*ev;
	icalproperty		*p;
	struct icaltimetype	 stamp;
	icaltimezone		*utc = icaltimezone_get_utc_timezone();
	char			*s;
	size_t			 i;
	int			 role;

	ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	s = ical_clean(e->uid, 0, 0);
	icalcomponent_add_property(ev, icalproperty_new_uid(s));
	free(s);
	icalcomponent_add_property(ev, icalproperty_new_sequence(
	    e->sequence < 0 ? 0 : e->sequence));
	stamp = icaltime_from_timet_with_zone(e->dtstamp, 0, utc);
	stamp.zone = utc;
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(stamp));
	icalcomponent_add_property(ev, ical_local_prop(
	    icalproperty_new(ICAL_DTSTART_PROPERTY), e->start, z, tz));
	icalcomponent_add_property(ev, ical_local_prop(
	    icalproperty_new(ICAL_DTEND_PROPERTY), e->end, z, tz));
	s = ical_clean(e->summary, 0, 0);
	icalcomponent_add_property(ev, icalproperty_new_summary(s));
	free(s);
	if (e->location != NULL && e->location[0] != '\0') {
		s = ical_clean(e->location, 0, 0);
		icalcomponent_add_property(ev, icalproperty_new_location(s));
		free(s);
	}
	if (e->description != NULL && e->description[0] != '\0') {
		s = ical_clean(e->description, 1, 0);
		icalcomponent_add_property(ev,
		    icalproperty_new_description(s));
		free(s);
	}
	icalcomponent_add_property(ev, icalproperty_new_status(e->cancelled ?
	    ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(ev, icalproperty_new_transp(
	    ICAL_TRANSP_OPAQUE));
	/* Outlook: no "propose new time" (SPEC 6); moves go through us. */
	p = icalproperty_new_x("TRUE");
	icalproperty_set_x_name(p, "X-MICROSOFT-DISALLOW-COUNTER");
	icalcomponent_add_property(ev, p);
	if (e->organizer_addr != NULL && e->organizer_addr[0] != '\0')
		icalcomponent_add_property(ev, ical_person(
		    icalproperty_new(ICAL_ORGANIZER_PROPERTY),
		    e->organizer_name, e->organizer_addr));
	for (i = 0; i < e->nattendees; i++) {
		p = ical_person(icalproperty_new(ICAL_ATTENDEE_PROPERTY),
		    e->attendees[i].name, e->attendees[i].email);
		switch (e->attendees[i].role) {
		case ICAL_ATT_CHAIR:
			role = ICAL_ROLE_CHAIR;
			break;
		case ICAL_ATT_OPT:
			role = ICAL_ROLE_OPTPARTICIPANT;
			break;
		default:
			role = ICAL_ROLE_REQPARTICIPANT;
			break;
		}
		icalproperty_add_parameter(p,
		    icalparameter_new_role((icalparameter_role)role));
		icalproperty_add_parameter(p, icalparameter_new_partstat(
		    ICAL_PARTSTAT_NEEDSACTION));
		icalproperty_add_parameter(p,
		    icalparameter_new_rsvp(ICAL_RSVP_TRUE));
		icalcomponent_add_property(ev, p);
	}
	return (ev);
}

/*
 * Undo libical's folding and fold again at 75 octets, never inside a UTF-8
 * sequence (RFC 5545 3.1): libical 3.0 counts characters in some places.
 */
static char *
ical_fold(const char *in, size_t *len)
{
	const char	*p, *eol;
	char		*flat, *q, *out;
	size_t		 n, col, cut, linelen, olen, ocap;

	n = strlen(in);
	flat = xmalloc(n + 1);
	for (p = in, q = flat; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n' &&
		    (p[2] == ' ' || p[2] == '\t')) {
			p += 2;
			continue;
		}
		if (p[0] == '\n' && (p[1] == ' ' || p[1] == '\t')) {
			p += 1;
			continue;
		}
		*q++ = *p;
	}
	*q = '\0';
	ocap = n + n / 32 + 16;
	out = xmalloc(ocap);
	olen = 0;
	for (p = flat; *p != '\0'; p = eol) {
		eol = strchr(p, '\n');
		linelen = eol != NULL ? (size_t)(eol - p) : strlen(p);
		if (linelen > 0 && p[linelen - 1] == '\r')
			linelen--;
		col = 0;
		while (linelen > 0) {
			/* 75 octets, of which the first is the fold's blank. */
			cut = col == 0 ? 75 : 74;
			if (cut > linelen)
				cut = linelen;
			else {
				while (cut > 0 && ((unsigned char)p[cut] &
				    0xc0) == 0x80)
					cut--;
				if (cut == 0)
					cut = linelen < 4 ? linelen : 1;
			}
			if (olen + cut + 4 > ocap) {
				ocap = 2 * ocap + cut + 4;
				out = xreallocarray(out, ocap, 1);
			}
			if (col > 0)
				out[olen++] = ' ';
			memcpy(out + olen, p, cut);
			olen += cut;
			out[olen++] = '\r';
			out[olen++] = '\n';
			p += cut;
			linelen -= cut;
			col = 1;
		}
		if (eol == NULL)
			break;
		eol++;
	}
	out[olen] = '\0';
	free(flat);
	*len = olen;
	return (out);
}

/*
 * The last few calendars built, by everything they were built from: a
 * session's invitations go to each attendee in turn, and all but the
 * presenters' (whose description names their case) are the same text.
 * Building one through libical is most of an invitation's cost.
 */
#define BUILD_KEEP	4

static struct {
	char	*key;
	size_t	 keylen;
	char	*out;
	size_t	 len;
} build_kept[BUILD_KEEP];
static size_t	build_next;

/*
 * And libical's text of the last calendar with a description, by all it
 * was built from but the description: a presenter's copy differs from
 * the others' only there ("You are presenting case ..."), and gets that
 * text with its own DESCRIPTION written by libical in place of the other
 * (desc_splice), not a calendar built again: a region's first plan
 * builds three calendars a session, two of them for presenters.
 */
static struct {
	char	*key;
	size_t	 keylen;
	char	*raw;
} desc_base;
static size_t	built_whole, built_spliced;

void
ical_build_counts(size_t *built, size_t *spliced)
{
	*built = built_whole;
	*spliced = built_spliced;
}

/*
 * The zone's TZif, read once: every invitation of a run is in the same
 * zone, and reading and parsing the file was a sixth of a mail run.
 */
static struct {
	char		*name;
	struct tzfile	*f;
} build_tz;

static struct tzfile *
build_tzfile(const char *tz)
{
	if (build_tz.name != NULL && strcmp(build_tz.name, tz) == 0)
		return (build_tz.f);
	ical_build_shutdown();
	if ((build_tz.f = tzfile_load(tz)) != NULL)
		build_tz.name = xstrdup(tz);
	return (build_tz.f);
}

/*
 * The VTIMEZONE's text for the last few sets of years, in the zone
 * build_tz holds: working out the rules and writing them out was a third
 * of building a calendar, and a run's calendars all fall in a year or two.
 */
#define VTZ_KEEP	4

static struct {
	struct tz_years	 ys;
	char		*text;
} vtz_kept[VTZ_KEEP];
static size_t	vtz_next;

/* NULL if the zone cannot be described. */
static const char *
zone_text(const struct zone *zn, const char *tz,
    const struct ical_event *events, size_t n)
{
	icalcomponent	*vtz;
	struct tz_years	 ys;
	const char	*text;
	size_t		 i;

	zone_years(events, n, &ys);
	for (i = 0; i < VTZ_KEEP; i++)
		if (vtz_kept[i].text != NULL &&
		    memcmp(&vtz_kept[i].ys, &ys, sizeof(ys)) == 0)
			return (vtz_kept[i].text);
	if ((vtz = zone_component(zn, tz, &ys)) == NULL)
		return (NULL);
	if ((text = icalcomponent_as_ical_string(vtz)) == NULL) {
		icalcomponent_free(vtz);
		return (NULL);
	}
	i = vtz_next;
	vtz_next = (vtz_next + 1) % VTZ_KEEP;
	free(vtz_kept[i].text);
	vtz_kept[i].ys = ys;
	vtz_kept[i].text = xstrdup(text);
	icalcomponent_free(vtz);
	return (vtz_kept[i].text);
}

void
ical_build_shutdown(void)
{
	size_t	i;

	for (i = 0; i < BUILD_KEEP; i++) {
		free(build_kept[i].key);
		free(build_kept[i].out);
		build_kept[i].key = build_kept[i].out = NULL;
	}
	for (i = 0; i < VTZ_KEEP; i++) {
		free(vtz_kept[i].text);
		vtz_kept[i].text = NULL;
	}
	free(desc_base.key);
	free(desc_base.raw);
	desc_base.key = desc_base.raw = NULL;
	tzfile_free(build_tz.f);
	free(build_tz.name);
	build_tz.f = NULL;
	build_tz.name = NULL;
}

static char *
calendar_build(enum ical_method method, const char *tz,
    const struct ical_feed_info *info, const struct ical_event *events,
    size_t n, size_t *len, char **rawp, struct err *err)
{
	icalcomponent	*cal = NULL;
	struct zone	 zn;
	icaltimezone	*z;
	const char	*text, *vtz = NULL;
	char		*out = NULL, *whole;
	size_t		 i, k;

	ical_init();
	if ((z = ical_zone_get(tz, err)) == NULL)
		return (NULL);
	if (tz == NULL || *tz == '\0')
		tz = "UTC";
	for (i = 0; i < n; i++) {
		if (events[i].uid == NULL || events[i].uid[0] == '\0') {
			err_set(err, ERR_INVALID, "event %zu has no UID", i);
			return (NULL);
		}
		for (k = 0; k < events[i].nattendees; k++) {
			if (events[i].attendees[k].email == NULL ||
			    events[i].attendees[k].email[0] == '\0') {
				err_set(err, ERR_INVALID, "event %s: attendee "
				    "%zu has no e-mail address",
				    events[i].uid, k);
				return (NULL);
			}
		}
		if (events[i].end < events[i].start) {
			err_set(err, ERR_INVALID, "event %s ends before it "
			    "starts", events[i].uid);
			return (NULL);
		}
	}
	cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid(
	    "-//reflectd//reflectd " PACKAGE_VERSION "//EN"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(
	    method == ICAL_MSG_CANCEL ? ICAL_METHOD_CANCEL :
	    method == ICAL_MSG_PUBLISH ? ICAL_METHOD_PUBLISH :
	    ICAL_METHOD_REQUEST));
	if (info != NULL)
		feed_props(cal, tz, info);
	if (n > 0) {
		zn.z = z;
		zn.f = build_tzfile(tz);
		if ((vtz = zone_text(&zn, tz, events, n)) == NULL) {
			err_set(err, ERR_INTERNAL, "cannot describe time zone "
			    "%s", tz);
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		icalcomponent_add_component(cal, ical_vevent(&events[i], z,
		    tz));
	if ((text = icalcomponent_as_ical_string(cal)) == NULL) {
		err_set(err, ERR_INTERNAL, "libical cannot write the calendar");
		goto out;
	}
	if ((whole = calendar_whole(text, vtz, err)) == NULL)
		goto out;
	out = ical_fold(whole, len);
	built_whole++;
	if (rawp != NULL)
		*rawp = whole;
	else
		free(whole);
out:
	icalcomponent_free(cal);
	icalerror_clear_errno();
	icalmemory_free_ring();
	return (out);
}

/*
 * text with its bytes from..to replaced by ins, malloc'd.  Copied, not
 * printed: a calendar is kilobytes, printf's twice.
 */
static char *
text_splice(const char *text, size_t from, size_t to, const char *ins)
{
	size_t	ilen = strlen(ins), tail = strlen(text + to);
	char	*out;

	out = xmalloc(from + ilen + tail + 1);
	memcpy(out, text, from);
	memcpy(out + from, ins, ilen);
	memcpy(out + from + ilen, text + to, tail + 1);
	return (out);
}

/*
 * libical's text of a calendar made whole, not yet folded: the VTIMEZONE
 * (vtz, NULL for none) goes where libical would have written it, as the
 * first component: before the first VEVENT, whose BEGIN line is the first
 * at the start of a line (values have their newlines escaped).
 */
static char *
calendar_whole(const char *text, const char *vtz, struct err *err)
{
	const char	*at;

	if (vtz == NULL)
		return (xstrdup(text));
	if ((at = strstr(text, "\r\nBEGIN:VEVENT\r\n")) == NULL) {
		err_set(err, ERR_INTERNAL, "libical wrote no VEVENT");
		return (NULL);
	}
	at += 2;
	return (text_splice(text, (size_t)(at - text), (size_t)(at - text),
	    vtz));
}

/*
 * The key of a kept calendar (build_kept), a field at a time: a string as
 * its length (or SIZE_MAX for NULL) in raw bytes, then its bytes, so that
 * no two inputs make the same key; a number as its raw bytes.
 */
static void
key_bytes(char **k, size_t *klen, size_t *kcap, const void *p, size_t n)
{
	if (*klen + n > *kcap) {
		*kcap = 2 * *kcap + n + 256;
		*k = xreallocarray(*k, *kcap, 1);
	}
	memcpy(*k + *klen, p, n);
	*klen += n;
}

static void
key_add(char **k, size_t *klen, size_t *kcap, const char *s)
{
	size_t	n = s != NULL ? strlen(s) : SIZE_MAX;

	key_bytes(k, klen, kcap, &n, sizeof(n));
	if (s != NULL)
		key_bytes(k, klen, kcap, s, n);
}

static void
key_num(char **k, size_t *klen, size_t *kcap, long long v)
{
	key_bytes(k, klen, kcap, &v, sizeof(v));
}

static char *
build_key(enum ical_method method, const char *tz,
    const struct ical_event *events, size_t n, size_t *klen)
{
	const struct ical_event	*e;
	char			*k = NULL;
	size_t			 kcap = 0, i, j;

	*klen = 0;
	key_num(&k, klen, &kcap, (long long)method);
	key_add(&k, klen, &kcap, tz);
	for (i = 0; i < n; i++) {
		e = &events[i];
		key_add(&k, klen, &kcap, e->uid);
		key_num(&k, klen, &kcap, e->sequence);
		key_num(&k, klen, &kcap, (long long)e->dtstamp);
		key_num(&k, klen, &kcap, (long long)e->start);
		key_num(&k, klen, &kcap, (long long)e->end);
		key_add(&k, klen, &kcap, e->summary);
		key_add(&k, klen, &kcap, e->location);
		key_add(&k, klen, &kcap, e->description);
		key_num(&k, klen, &kcap, e->cancelled);
		key_add(&k, klen, &kcap, e->organizer_name);
		key_add(&k, klen, &kcap, e->organizer_addr);
		key_num(&k, klen, &kcap, (long long)e->nattendees);
		for (j = 0; j < e->nattendees; j++) {
			key_add(&k, klen, &kcap, e->attendees[j].name);
			key_add(&k, klen, &kcap, e->attendees[j].email);
			key_num(&k, klen, &kcap, e->attendees[j].role);
		}
	}
	return (k);
}

char *
ical_calendar_build(enum ical_method method, const char *tz,
    const struct ical_event *events, size_t n, size_t *len, struct err *err)
{
	struct ical_event	 nodesc;
	char			*key, *bkey = NULL, *out = NULL, *copy, *raw = NULL;
	size_t			 klen, bklen = 0, i;

	key = build_key(method, tz, events, n, &klen);
	for (i = 0; i < BUILD_KEEP; i++) {
		if (build_kept[i].key == NULL || build_kept[i].keylen != klen ||
		    memcmp(build_kept[i].key, key, klen) != 0)
			continue;
		free(key);
		*len = build_kept[i].len;
		copy = xmalloc(*len + 1);
		memcpy(copy, build_kept[i].out, *len + 1);
		return (copy);
	}
	if (n == 1 && events[0].description != NULL &&
	    events[0].description[0] != '\0') {
		nodesc = events[0];
		nodesc.description = NULL;
		bkey = build_key(method, tz, &nodesc, 1, &bklen);
		if (desc_base.key != NULL && desc_base.keylen == bklen &&
		    memcmp(desc_base.key, bkey, bklen) == 0)
			out = desc_splice(desc_base.raw, events, len);
	}
	if (out == NULL && (out = calendar_build(method, tz, NULL, events, n,
	    len, bkey != NULL ? &raw : NULL, err)) == NULL) {
		free(raw);
		free(bkey);
		free(key);
		return (NULL);
	}
	if (raw != NULL) {
		free(desc_base.key);
		free(desc_base.raw);
		desc_base.key = bkey;
		desc_base.keylen = bklen;
		desc_base.raw = raw;
	} else
		free(bkey);
	i = build_next;
	build_next = (build_next + 1) % BUILD_KEEP;
	free(build_kept[i].key);
	free(build_kept[i].out);
	build_kept[i].key = key;
	build_kept[i].keylen = klen;
	build_kept[i].out = xmalloc(*len + 1);
	memcpy(build_kept[i].out, out, *len + 1);
	build_kept[i].len = *len;
	return (out);
}

/*
 * raw (a one-event calendar made whole, calendar_whole, with a DESCRIPTION)
 * with e's description in place of its own, folded as calendar_build
 * folds; NULL if raw has no DESCRIPTION in its VEVENT, and the caller
 * builds it all.  The property is written by libical as it writes it
 * inside the VEVENT, its own folds included; the old one runs from a
 * line's start (values escape their newlines) to the next line that is
 * not a continuation.
 */
static char *
desc_splice(const char *raw, const struct ical_event *e, size_t *len)
{
	icalproperty	*p;
	const char	*at, *end;
	char		*s, *ptext, *whole, *out;

	if ((at = strstr(raw, "\r\nBEGIN:VEVENT\r\n")) == NULL)
		return (NULL);
	for (; (at = strstr(at, "\r\nDESCRIPTION")) != NULL; at += 2)
		if (at[13] == ':' || at[13] == ';')
			break;
	if (at == NULL)
		return (NULL);
	at += 2;
	for (end = at; (end = strstr(end, "\r\n")) != NULL; end += 2)
		if (end[2] != ' ' && end[2] != '\t')
			break;
	if (end == NULL)
		return (NULL);
	end += 2;
	s = ical_clean(e->description, 1, 0);
	p = icalproperty_new_description(s);
	free(s);
	ptext = icalproperty_as_ical_string_r(p);
	icalproperty_free(p);
	if (ptext == NULL) {
		icalerror_clear_errno();
		return (NULL);
	}
	whole = text_splice(raw, (size_t)(at - raw), (size_t)(end - raw),
	    ptext);
	icalmemory_free_buffer(ptext);
	out = ical_fold(whole, len);
	built_spliced++;
	free(whole);
	return (out);
}

/*
 * A subscribed calendar's own properties, after METHOD: its name and zone
 * as Apple, Google and Outlook read them, and the refresh interval both
 * as RFC 7986 has it and as Outlook reads it.
 */
static void
feed_props(icalcomponent *cal, const char *tz,
    const struct ical_feed_info *info)
{
	struct icaldurationtype	 d;
	icalproperty		*p;
	char			*s;

	s = ical_clean(info->name != NULL ? info->name : "", 0, 0);
	p = icalproperty_new_x(s);
	icalproperty_set_x_name(p, "X-WR-CALNAME");
	icalcomponent_add_property(cal, p);
	free(s);
	p = icalproperty_new_x(tz);
	icalproperty_set_x_name(p, "X-WR-TIMEZONE");
	icalcomponent_add_property(cal, p);
	d = icaldurationtype_from_int(info->refresh < 60 ? 60 :
	    info->refresh > INT_MAX ? INT_MAX : (int)info->refresh);
	p = icalproperty_new_refreshinterval(d);
	icalproperty_add_parameter(p, icalparameter_new_value(
	    ICAL_VALUE_DURATION));
	icalcomponent_add_property(cal, p);
	p = icalproperty_new_x(icaldurationtype_as_ical_string(d));
	icalproperty_set_x_name(p, "X-PUBLISHED-TTL");
	icalcomponent_add_property(cal, p);
}

char *
ical_feed_build(const char *tz, const struct ical_feed_info *info,
    const struct ical_event *events, size_t n, size_t *len, struct err *err)
{
	return (calendar_build(ICAL_MSG_PUBLISH, tz, info, events, n, len,
	    NULL, err));
}
