/* Maildir delivery (worker thread): write tmp/, fsync, rename into new/. */
#ifndef REFLECTD_MAILDIR_H
#define REFLECTD_MAILDIR_H

#include <stddef.h>

/* Create DIR/{tmp,new,cur} if missing.  0 ok, -1 with errbuf filled. */
int	maildir_prepare(const char *dir, char *errbuf, size_t errlen);
/*
 * Deliver data under a name derived from msgid, so that a redelivery of the
 * same message after a crash replaces the first copy in new/.  0 ok, -1 with
 * errbuf filled (a temporary failure).
 */
int	maildir_deliver(const char *dir, const char *msgid, const char *data,
	    size_t len, char *errbuf, size_t errlen);

#endif
