/*
 * Fuzz target for the replies inbox: a whole message in, nothing out but
 * a decision.  The bytes are read as inbox.c reads a file from the inbox
 * (GMime for the MIME tree, libical for the calendar) and judged against
 * fixed facts; reading must never crash, leak or hang, and the verdict
 * must always be one of applied, refused or ignored with a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbox.h"
#include "series.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inbox_reply	r;
	struct inbox_facts	f;
	struct inbox_verdict	v;

	if (size > INBOX_MAX_MESSAGE)
		return (0);
	inbox_read((const char *)data, size, &r);
	if (r.method < 0 || r.method > 2 || memchr(r.from, '\0',
	    sizeof(r.from)) == NULL || memchr(r.uid, '\0',
	    sizeof(r.uid)) == NULL)
		abort();
	memset(&f, 0, sizeof(f));
	f.session_found = 1;
	f.session_state = SESSION_PLANNED;
	f.session_end = 2000000000;
	f.was_sent = f.still_invited = 1;
	f.last_sequence = 1;
	inbox_judge(&r, &f, 1900000000, &v);
	if (v.state != INBOX_APPLIED && v.state != INBOX_REFUSED &&
	    v.state != INBOX_IGNORED)
		abort();
	if (v.reason[0] == '\0')
		abort();
	return (0);
}
