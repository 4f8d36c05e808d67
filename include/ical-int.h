/*
 * What the two halves of the ical module (ical.c, ical-build.c) share;
 * nothing outside them includes this.
 */
#ifndef REFLECTD_ICAL_INT_H
#define REFLECTD_ICAL_INT_H

#include <time.h>

#include <libical/ical.h>

#include "err.h"

/* libical's copy of the zone (UTC for "" or NULL), or NULL with err. */
icaltimezone		*ical_zone_get(const char *, struct err *);
/* The wall time of t in z. */
struct icaltimetype	 ical_to_zone(time_t, icaltimezone *);

/* Forget the zone file ical-build.c keeps (ical_shutdown calls it). */
void			 ical_build_shutdown(void);

#endif
