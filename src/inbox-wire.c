/*
 * inbox-wire: a struct inbox_reply as one line of JSON, the way
 * reflectd-mailread hands what it read back to the daemon, and back
 * again.  The daemon trusts nothing in it: every string is bounded and
 * every number checked, and a line that is not a reply is an error.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inbox.h"

char *
inbox_reply_encode(const struct inbox_reply *r)
{
	json_t	*o;
	char	*s;

	o = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:i, s:s}",
	    "method", r->method, "from", r->from, "uid", r->uid,
	    "attendee", r->attendee, "nattendees", r->nattendees,
	    "partstat", r->partstat, "sequence", r->sequence, "why", r->why);
	if (o == NULL)
		return (NULL);
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return (s);
}

static int
wire_string(json_t *o, const char *key, char *out, size_t size)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= size ||
	    memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
		return (-1);
	snprintf(out, size, "%s", json_string_value(v));
	return (0);
}

static int
wire_int(json_t *o, const char *key, int lo, int hi, int *out)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return (-1);
	*out = (int)json_integer_value(v);
	return (0);
}

int
inbox_reply_decode(const char *buf, size_t len, struct inbox_reply *r)
{
	json_t	*o;
	int	 rc = -1;

	memset(r, 0, sizeof(*r));
	if ((o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return (-1);
	if (json_is_object(o) &&
	    wire_int(o, "method", 0, 2, &r->method) == 0 &&
	    wire_string(o, "from", r->from, sizeof(r->from)) == 0 &&
	    wire_string(o, "uid", r->uid, sizeof(r->uid)) == 0 &&
	    wire_string(o, "attendee", r->attendee,
	    sizeof(r->attendee)) == 0 &&
	    wire_int(o, "nattendees", 0, INT_MAX, &r->nattendees) == 0 &&
	    wire_int(o, "partstat", INBOX_PS_OTHER, INBOX_PS_TENTATIVE,
	    &r->partstat) == 0 &&
	    wire_int(o, "sequence", INT_MIN, INT_MAX, &r->sequence) == 0 &&
	    wire_string(o, "why", r->why, sizeof(r->why)) == 0)
		rc = 0;
	json_decref(o);
	if (rc == -1)
		memset(r, 0, sizeof(*r));
	return (rc);
}
