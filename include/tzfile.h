/*
 * A zone's UTC offsets as the system's zoneinfo has them (RFC 8536 TZif
 * files and the POSIX TZ rule of their footer), read directly rather than
 * through libical, which takes the 32-bit end of a TZif file for a change
 * and so gets some zones wrong from 2038.  Pure apart from reading the
 * one file: no libical, database, clock or network.
 */
#ifndef REFLECTD_TZFILE_H
#define REFLECTD_TZFILE_H

#include <time.h>

struct tzfile;

/*
 * The zone's TZif file under $TZDIR (else /usr/share/zoneinfo), e.g.
 * "Europe/London"; NULL if the name is absolute or holds "..", or the file
 * is missing, too large or not a well-formed TZif file.
 */
struct tzfile	*tzfile_load(const char *zone);
void		 tzfile_free(struct tzfile *);
/* The UTC offset in seconds (east positive) in force at instant t. */
int		 tzfile_offset(const struct tzfile *, time_t t);
/*
 * The day of the month of the ord'th (-1: the last) wday (0 Sunday) of
 * mon (0-11) in year: the form of POSIX "Mm.w.d" and VTIMEZONE BYDAY rules.
 */
int		 tzfile_mday(int year, int mon, int ord, int wday);

#endif
