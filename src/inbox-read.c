/*
 * inbox-read: what a reply says.  One message in, its sender and its
 * iTIP REPLY or COUNTER out (struct inbox_reply): GMime walks the MIME
 * tree, libical parses the calendar.  It runs in reflectd-mailread, a
 * process of its own for each message, never in the daemon: a message
 * that trips either library costs that process, not the daemon, and the
 * daemon does not carry GMime and GLib.  Unit tests and the fuzz target
 * call it directly.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <libical/ical.h>

#include "inbox.h"
#include "xmalloc.h"

struct inbox_walk {
	struct inbox_reply	*r;
	int			 found;
};

static void	inbox_lower(char *);
static void	inbox_addr(const char *, char *, size_t);
static int	inbox_calendar(struct inbox_reply *, const char *, size_t);
static void	inbox_part(GMimeObject *, GMimeObject *, gpointer);
static char	*inbox_part_text(GMimePart *, size_t *);
static void	inbox_utf8(char *);

static int	inbox_gmime;

/* On the first message read. */
void
inbox_global_init(void)
{
	if (inbox_gmime)
		return;
	inbox_gmime = 1;
	g_mime_init();
	icalerror_set_errors_are_fatal(0);
}

void
inbox_global_free(void)
{
	if (!inbox_gmime)
		return;
	inbox_gmime = 0;
	g_mime_shutdown();
}

static void
inbox_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* An address without "mailto:", blanks and angle brackets, lower case. */
static void
inbox_addr(const char *in, char *out, size_t size)
{
	const char	*p = in;
	size_t		 n;

	out[0] = '\0';
	if (p == NULL)
		return;
	while (isspace((unsigned char)*p) || *p == '<')
		p++;
	if (strncasecmp(p, "mailto:", 7) == 0)
		p += 7;
	snprintf(out, size, "%s", p);
	n = strlen(out);
	while (n > 0 && (isspace((unsigned char)out[n - 1]) ||
	    out[n - 1] == '>'))
		out[--n] = '\0';
	inbox_lower(out);
}

/* A part's content, transfer-decoded and in UTF-8; NULL if unreadable. */
static char *
inbox_part_text(GMimePart *part, size_t *len)
{
	GMimeDataWrapper	*w;
	GMimeStream		*mem, *filt;
	GMimeFilter		*f;
	GByteArray		*ba;
	const char		*cs;
	char			*out;

	if ((w = g_mime_part_get_content(part)) == NULL)
		return (NULL);
	mem = g_mime_stream_mem_new();
	filt = g_mime_stream_filter_new(mem);
	cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset");
	if (cs != NULL && g_ascii_strcasecmp(cs, "utf-8") != 0 &&
	    g_ascii_strcasecmp(cs, "us-ascii") != 0 &&
	    (f = g_mime_filter_charset_new(cs, "UTF-8")) != NULL) {
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filt), f);
		g_object_unref(f);
	}
	if (g_mime_data_wrapper_write_to_stream(w, filt) == -1 ||
	    g_mime_stream_flush(filt) == -1) {
		g_object_unref(filt);
		g_object_unref(mem);
		return (NULL);
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*len = ba->len;
	out = xmalloc(ba->len + 1);
	if (ba->len > 0)
		memcpy(out, ba->data, ba->len);
	out[ba->len] = '\0';
	g_object_unref(filt);
	g_object_unref(mem);
	return (out);
}

/* Parse one calendar; 1 if it is a REPLY or COUNTER (r filled). */
static int
inbox_calendar(struct inbox_reply *r, const char *text, size_t len)
{
	icalcomponent	*root, *cal = NULL, *ev;
	icalproperty	*p, *m;
	icalparameter	*ps;
	const char	*uid;
	int		 method = 0, rc = 0;

	(void)len;
	icalerror_clear_errno();
	if ((root = icalparser_parse_string(text)) == NULL) {
		icalerror_clear_errno();
		return (0);
	}
	if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT)
		cal = root;
	else
		cal = icalcomponent_get_first_component(root,
		    ICAL_VCALENDAR_COMPONENT);
	if (cal == NULL)
		goto out;
	if ((m = icalcomponent_get_first_property(cal,
	    ICAL_METHOD_PROPERTY)) != NULL) {
		switch (icalproperty_get_method(m)) {
		case ICAL_METHOD_REPLY:
			method = 1;
			break;
		case ICAL_METHOD_COUNTER:
			method = 2;
			break;
		default:
			break;
		}
	}
	if (method == 0 ||
	    (ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT)) == NULL)
		goto out;
	memset(r->uid, 0, sizeof(r->uid));
	r->attendee[0] = '\0';
	r->nattendees = 0;
	r->partstat = INBOX_PS_OTHER;
	r->sequence = -1;
	if ((uid = icalcomponent_get_uid(ev)) != NULL)
		snprintf(r->uid, sizeof(r->uid), "%s", uid);
	if ((p = icalcomponent_get_first_property(ev,
	    ICAL_SEQUENCE_PROPERTY)) != NULL)
		r->sequence = icalproperty_get_sequence(p);
	for (p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
		if (r->nattendees++ > 0)
			continue;
		inbox_addr(icalproperty_get_attendee(p), r->attendee,
		    sizeof(r->attendee));
		if ((ps = icalproperty_get_first_parameter(p,
		    ICAL_PARTSTAT_PARAMETER)) == NULL)
			continue;
		switch (icalparameter_get_partstat(ps)) {
		case ICAL_PARTSTAT_ACCEPTED:
			r->partstat = INBOX_PS_ACCEPTED;
			break;
		case ICAL_PARTSTAT_DECLINED:
			r->partstat = INBOX_PS_DECLINED;
			break;
		case ICAL_PARTSTAT_TENTATIVE:
			r->partstat = INBOX_PS_TENTATIVE;
			break;
		default:
			break;
		}
	}
	r->method = method;
	rc = 1;
out:
	icalcomponent_free(root);
	icalerror_clear_errno();
	icalmemory_free_ring();
	return (rc);
}

static void
inbox_part(GMimeObject *parent, GMimeObject *obj, gpointer data)
{
	struct inbox_walk	*w = data;
	GMimeContentType	*ct;
	char			*text;
	size_t			 len = 0;

	(void)parent;
	if (w->found || !GMIME_IS_PART(obj))
		return;
	if ((ct = g_mime_object_get_content_type(obj)) == NULL)
		return;
	if (!g_mime_content_type_is_type(ct, "text", "calendar") &&
	    !g_mime_content_type_is_type(ct, "application", "ics") &&
	    !g_mime_content_type_is_type(ct, "text", "x-vcalendar"))
		return;
	if ((text = inbox_part_text(GMIME_PART(obj), &len)) == NULL)
		return;
	if (memchr(text, '\0', len) == NULL && inbox_calendar(w->r, text, len))
		w->found = 1;
	free(text);
}

void
inbox_read(const char *buf, size_t len, struct inbox_reply *r)
{
	GMimeStream		*st;
	GMimeParser		*pa;
	GMimeMessage		*msg;
	InternetAddressList	*from;
	InternetAddress		*ia;
	struct inbox_walk	 w;
	char			*text;
	size_t			 n;

	inbox_global_init();
	memset(r, 0, sizeof(*r));
	r->sequence = -1;
	if (len == 0) {
		snprintf(r->why, sizeof(r->why), "empty message");
		return;
	}
	st = g_mime_stream_mem_new_with_buffer(buf, len);
	pa = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(pa, NULL);
	g_object_unref(pa);
	g_object_unref(st);
	if (msg == NULL) {
		snprintf(r->why, sizeof(r->why), "not a mail message");
		return;
	}
	if ((from = g_mime_message_get_from(msg)) != NULL &&
	    internet_address_list_length(from) > 0 &&
	    (ia = internet_address_list_get_address(from, 0)) != NULL &&
	    INTERNET_ADDRESS_IS_MAILBOX(ia))
		inbox_addr(internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia)), r->from, sizeof(r->from));
	w.r = r;
	w.found = 0;
	if (GMIME_IS_PART(g_mime_message_get_mime_part(msg)))
		inbox_part(NULL, g_mime_message_get_mime_part(msg), &w);
	else
		g_mime_message_foreach(msg, inbox_part, &w);
	/* Some clients send the calendar as a body with no type to speak of. */
	if (!w.found && g_mime_message_get_mime_part(msg) != NULL &&
	    GMIME_IS_PART(g_mime_message_get_mime_part(msg))) {
		text = inbox_part_text(GMIME_PART(
		    g_mime_message_get_mime_part(msg)), &n);
		if (text != NULL && memchr(text, '\0', n) == NULL &&
		    strstr(text, "BEGIN:VCALENDAR") != NULL &&
		    inbox_calendar(r, text, n))
			w.found = 1;
		free(text);
	}
	if (!w.found)
		snprintf(r->why, sizeof(r->why), "no calendar reply in it");
	g_object_unref(msg);
	/* What a sender wrote, cut to size: valid UTF-8, for the JSON. */
	inbox_utf8(r->from);
	inbox_utf8(r->uid);
	inbox_utf8(r->attendee);
}

/* Each byte of s that is not part of valid UTF-8 becomes '?', in place. */
static void
inbox_utf8(char *s)
{
	const gchar	*end;

	while (!g_utf8_validate(s, -1, &end)) {
		s = (char *)end;
		*s++ = '?';
	}
}

