/*
 * Unit tests for the message builders and the calendars ical.c builds for
 * them: headers, deterministic Message-IDs, encoded non-ASCII names, no
 * header injection, 75-octet folding that never splits a UTF-8 character,
 * compact VTIMEZONEs for zones north and south of the equator and without
 * daylight saving, and digests without external resources.  Pure: no
 * database, clock or network.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <openssl/evp.h>

#include "config.h"
#include "err.h"
#include "ical.h"
#include "message.h"
#include "util.h"
#include "xmalloc.h"

/* 2026-03-24T10:00:00Z and 2026-03-31T09:00:00Z. */
#define BEFORE	((time_t)1774346400)
#define AFTER	((time_t)1774947600)
#define STAMP	((time_t)1771916400)

static struct config	*conf;

static const struct ical_attendee att[] = {
	{ "Dr Priya Shah", "priya@example.org", ICAL_ATT_CHAIR },
	{ "Zoë Ångström-Ó Súilleabháin", "zoe@example.org", ICAL_ATT_REQ },
	{ "Sam \"Tay\" Taylor", "sam@example.org", ICAL_ATT_OPT }
};
static const char *presenters[] = { "Zoë Ångström-Ó Súilleabháin" };

static void	setup(void);
static void	teardown(void);
static void	sample_invite(struct invite *, int);
static char	*header(const char *, const char *);
static char	*calendar_of(const char *);
static void	assert_folded(const char *);
static char	*build_one(const char *, time_t, time_t, size_t *);
static char	*part_text(const char *, const char *);
static void	 text_bar(const char *, const char *, int *, int *, int *);
static Suite	*message_suite(void);

static void
setup(void)
{
	conf = config_defaults();
	ck_assert_int_eq(util_set_timezone("Europe/London"), 0);
}

static void
teardown(void)
{
	config_free(conf);
	conf = NULL;
	ical_shutdown();
}

static void
sample_invite(struct invite *inv, int kind)
{
	memset(inv, 0, sizeof(*inv));
	inv->kind = kind;
	inv->uid = "mast-north-gs-20260324@example.org";
	inv->sequence = kind == INVITE_NEW ? 0 : kind == INVITE_UPDATE ? 1 : 2;
	inv->dtstamp = STAMP;
	inv->start = BEFORE;
	inv->end = BEFORE + 5400;
	inv->summary = "Group supervision: MAST North";
	inv->location = "Room 2.14";
	inv->psychologist = "Dr Priya Shah";
	inv->presenters = presenters;
	inv->npresenters = 1;
	inv->attendees = att;
	inv->nattendees = 3;
	inv->rcpt_name = att[1].name;
	inv->rcpt = att[1].email;
	/* Long and non-ASCII, so the DESCRIPTION must fold mid-text. */
	inv->note = "Ça va être une séance où l'on réfléchit ensemble à "
	    "l'enfant, à sa famille et à ce que ressent l'équipe — "
	    "ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé.";
}

/* The unfolded value of header name in msg (malloc'd), or NULL. */
static char *
header(const char *msg, const char *name)
{
	const char	*p = msg, *end;
	char		*v, *q;
	size_t		 n = strlen(name);

	while (p != NULL && *p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			end = p;
			while ((end = strstr(end, "\r\n")) != NULL &&
			    (end[2] == ' ' || end[2] == '\t'))
				end += 2;
			v = xstrndup(p, end != NULL ? (size_t)(end - p) :
			    strlen(p));
			while ((q = strstr(v, "\r\n")) != NULL)
				memmove(q, q + 2, strlen(q + 2) + 1);
			return (v);
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return (NULL);
}

/* The decoded text/calendar part of an invitation (malloc'd). */
static char *
calendar_of(const char *msg)
{
	const char	*p, *end;
	char		*b64, *out, *q;
	int		 n;

	p = strstr(msg, "Content-Type: text/calendar");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	p += 4;
	end = strstr(p, "\r\n--");
	ck_assert_ptr_nonnull(end);
	b64 = xstrndup(p, (size_t)(end - p));
	for (q = b64; (q = strstr(q, "\r\n")) != NULL; )
		memmove(q, q + 2, strlen(q + 2) + 1);
	out = xmalloc(strlen(b64) + 1);
	n = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)b64,
	    (int)strlen(b64));
	ck_assert_int_ge(n, 0);
	/* EVP_DecodeBlock counts the padding as NUL octets. */
	out[n] = '\0';
	free(b64);
	return (out);
}

/* Every line within 75 octets, CRLF ends, no split UTF-8 character. */
static void
assert_folded(const char *cal)
{
	const char	*p = cal, *eol;
	size_t		 len;

	while (*p != '\0') {
		eol = strstr(p, "\r\n");
		ck_assert_msg(eol != NULL, "calendar does not end in CRLF");
		len = (size_t)(eol - p);
		ck_assert_msg(len <= 75, "line of %zu octets: %.*s", len,
		    (int)len, p);
		ck_assert_msg(memchr(p, '\n', len) == NULL, "bare LF");
		if (*p == ' ')
			ck_assert_msg(((unsigned char)p[1] & 0xc0) != 0x80,
			    "a fold splits a UTF-8 character: %.*s",
			    (int)len, p);
		if (len > 0)
			ck_assert_msg(((unsigned char)p[len - 1] & 0xe0) !=
			    0xc0 && ((unsigned char)p[len - 1] & 0xf0) !=
			    0xe0, "a line ends inside a UTF-8 character");
		p = eol + 2;
	}
}

START_TEST(test_message_id_deterministic)
{
	char	*a, *b, *c, *d;

	a = message_id(conf, "invitation", "uid/0", "a@example.org");
	b = message_id(conf, "invitation", "uid/0", "a@example.org");
	c = message_id(conf, "invitation", "uid/0", "b@example.org");
	d = message_id(conf, "update", "uid/0", "a@example.org");
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_str_ne(a, d);
	ck_assert_ptr_nonnull(strstr(a, "@example.org"));
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

START_TEST(test_invitation_headers)
{
	struct invite	 inv;
	struct err	 err;
	char		*msg, *msgid, *want, *h, *uid;
	size_t		 len;

	uid = message_uid(conf, "mast-north-gs-20260324");
	ck_assert_str_eq(uid, "mast-north-gs-20260324@example.org");
	free(uid);

	sample_invite(&inv, INVITE_NEW);
	msg = message_invitation(conf, &inv, &msgid, &len, &err);
	ck_assert_ptr_nonnull(msg);
	ck_assert_uint_eq(strlen(msg), len);
	want = message_id(conf, "invitation",
	    "mast-north-gs-20260324@example.org/0", "zoe@example.org");
	ck_assert_str_eq(msgid, want);
	h = header(msg, "Message-ID");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h[0], '<');
	ck_assert_int_eq(strncmp(h + 1, want, strlen(want)), 0);
	free(h);
	h = header(msg, "Date");
	ck_assert_str_eq(h, "Tue, 24 Feb 2026 07:00:00 +0000");
	free(h);
	h = header(msg, "From");
	ck_assert_str_eq(h, "Group Supervision <supervision@example.org>");
	free(h);
	/* The non-ASCII name is an encoded word, the address plain. */
	h = header(msg, "To");
	ck_assert_ptr_nonnull(strstr(h, "=?UTF-8?B?"));
	ck_assert_ptr_nonnull(strstr(h, "<zoe@example.org>"));
	free(h);
	h = header(msg, "Subject");
	ck_assert_int_eq(strncmp(h, "Invitation: Group supervision: MAST "
	    "North, Tue 24 Mar 2026 10:00", 58), 0);
	free(h);
	h = header(msg, "Content-Type");
	ck_assert_int_eq(strncmp(h, "multipart/mixed;", 16), 0);
	free(h);
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: multipart/"
	    "alternative;"));
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: text/calendar; "
	    "charset=UTF-8; method=REQUEST\r\nContent-Transfer-Encoding: "
	    "base64\r\n\r\n"));
	/* The one disposition is the attachment's, after the inline part. */
	h = strstr(msg, "Content-Disposition");
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_null(strstr(h + 1, "Content-Disposition"));
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: application/ics; "
	    "name=\"invite.ics\"\r\nContent-Disposition: attachment; "
	    "filename=\"invite.ics\"\r\nContent-Transfer-Encoding: "
	    "base64\r\n\r\n"));
	ck_assert(h > strstr(msg, "method=REQUEST"));
	/* The same input gives the same bytes: a retry is the same mail. */
	{
		char	*again, *id2;
		size_t	 len2;

		again = message_invitation(conf, &inv, &id2, &len2, &err);
		ck_assert_uint_eq(len, len2);
		ck_assert_int_eq(memcmp(msg, again, len), 0);
		free(again);
		free(id2);
	}
	free(want);
	free(msgid);
	free(msg);
}
END_TEST

START_TEST(test_invitation_kinds)
{
	static const char	*subj[] = { "Invitation: ", "Updated: ",
				    "Cancelled: " };
	static const char	*method[] = { "REQUEST", "REQUEST", "CANCEL" };
	struct invite		 inv;
	struct err		 err;
	char			*msg, *cal, *h, *want;
	size_t			 len;
	int			 k;

	for (k = INVITE_NEW; k <= INVITE_CANCEL; k++) {
		sample_invite(&inv, k);
		msg = message_invitation(conf, &inv, NULL, &len, &err);
		ck_assert_ptr_nonnull(msg);
		h = header(msg, "Subject");
		ck_assert_int_eq(strncmp(h, subj[k], strlen(subj[k])), 0);
		free(h);
		xasprintf(&want, "method=%s\r\n", method[k]);
		ck_assert_ptr_nonnull(strstr(msg, want));
		free(want);
		cal = calendar_of(msg);
		xasprintf(&want, "\r\nMETHOD:%s\r\n", method[k]);
		ck_assert_ptr_nonnull(strstr(cal, want));
		free(want);
		xasprintf(&want, "\r\nSEQUENCE:%d\r\n", inv.sequence);
		ck_assert_ptr_nonnull(strstr(cal, want));
		free(want);
		ck_assert_ptr_nonnull(strstr(cal, k == INVITE_CANCEL ?
		    "\r\nSTATUS:CANCELLED\r\n" : "\r\nSTATUS:CONFIRMED\r\n"));
		ck_assert_ptr_nonnull(strstr(cal,
		    "\r\nUID:mast-north-gs-20260324@example.org\r\n"));
		ck_assert_ptr_nonnull(strstr(cal,
		    "\r\nDTSTAMP:20260224T070000Z\r\n"));
		ck_assert_ptr_nonnull(strstr(cal,
		    "\r\nDTSTART;TZID=Europe/London:20260324T100000\r\n"));
		ck_assert_ptr_nonnull(strstr(cal,
		    "\r\nDTEND;TZID=Europe/London:20260324T113000\r\n"));
		assert_folded(cal);
		free(cal);
		free(msg);
	}
}
END_TEST

/* An update names each change, old and new, and why. */
START_TEST(test_update_changes)
{
	static const char *const was_pres[] = { "Ben Whitfield" };
	static const char *const now_pres[] = { "Amara Osei",
					    "Ben Whitfield" };
	struct invite		 inv;
	struct invite_was	 was;
	char			*ch;

	sample_invite(&inv, INVITE_UPDATE);
	/* Nothing known of what was sent: nothing claimed. */
	ch = message_invite_changes(&inv);
	ck_assert_str_eq(ch, "");
	free(ch);

	memset(&was, 0, sizeof(was));
	was.start = BEFORE;
	was.end = BEFORE + 5400;
	was.location = "Room 1";
	was.psychologist = "Dr Eve McBride";
	was.presenters = was_pres;
	was.npresenters = 1;
	inv.was = &was;
	inv.start = AFTER;
	inv.end = AFTER + 5400;
	inv.location = "Room 2";
	inv.psychologist = "Dr Sam Okoro";
	inv.covers_for = "Dr Eve McBride";
	inv.cover_why = "is absent on 2026-03-31";
	inv.presenters = now_pres;
	inv.npresenters = 2;
	inv.reason = "the room is needed for a core group";
	ch = message_invite_changes(&inv);
	ck_assert_str_eq(ch,
	    "Moved from Tuesday 24 March 2026 10:00 to Tuesday 31 March "
	    "2026 10:00.\n"
	    "Reason given: the room is needed for a core group\n"
	    "Now in Room 2 (was Room 1).\n"
	    "Dr Sam Okoro covers for Dr Eve McBride, who is absent on "
	    "2026-03-31.\n"
	    "Presenting now: Amara Osei, Ben Whitfield (was Ben "
	    "Whitfield).\n");
	free(ch);

	/* Only the end moves; the reason is about time, so it goes too. */
	was.location = "Room 2";
	was.psychologist = "Dr Sam Okoro";
	was.presenters = now_pres;
	was.npresenters = 2;
	was.start = AFTER;
	was.end = AFTER + 3600;
	inv.covers_for = NULL;
	ch = message_invite_changes(&inv);
	ck_assert_str_eq(ch, "Now ends at 11:30 (was 11:00).\n"
	    "Reason given: the room is needed for a core group\n");
	free(ch);

	/* The presenter's own case, and the psychologist back again. */
	was.end = AFTER + 5400;
	was.own_case = "MN/1";
	was.psychologist = "Dr Eve McBride";
	inv.psychologist = "Dr Eve McBride";
	inv.own_case = "MN/2";
	inv.reason = NULL;
	was.psychologist = "Dr Sam Okoro";
	ch = message_invite_changes(&inv);
	ck_assert_str_eq(ch, "Dr Eve McBride is the psychologist again "
	    "(was Dr Sam Okoro).\nYou are now presenting case MN/2.\n");
	free(ch);
	inv.own_case = NULL;
	inv.psychologist = "";
	ch = message_invite_changes(&inv);
	ck_assert_str_eq(ch, "No psychologist is free for this session now "
	    "(was Dr Sam Okoro); the manager has been told.\n"
	    "You are no longer presenting at this session.\n");
	free(ch);
}
END_TEST

/* Not expected: a CANCEL to one, saying why, never "cancelled". */
START_TEST(test_not_expected)
{
	struct invite	 inv;
	struct err	 err;
	char		*msg, *cal, *h, *p;
	size_t		 len;

	sample_invite(&inv, INVITE_NOT_EXPECTED);
	inv.note = NULL;
	inv.attendees = &att[1];
	inv.nattendees = 1;
	inv.reason = "your leave from 22 to 24 December is recorded";
	msg = message_invitation(conf, &inv, NULL, &len, &err);
	ck_assert_ptr_nonnull(msg);
	h = header(msg, "Subject");
	ck_assert_int_eq(strncmp(h, "Not expected: ", 14), 0);
	free(h);
	ck_assert_ptr_nonnull(strstr(msg, "method=CANCEL\r\n"));
	cal = calendar_of(msg);
	ck_assert_ptr_nonnull(strstr(cal, "\r\nMETHOD:CANCEL\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "\r\nSTATUS:CONFIRMED\r\n"));
	p = strstr(cal, "ATTENDEE");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(strstr(p + 1, "ATTENDEE"));
	for (p = cal; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	ck_assert_ptr_null(strstr(cal, "cancelled"));
	free(cal);
	ck_assert_ptr_nonnull(strstr(msg, "goes ahead for the team"));
	free(msg);
}
END_TEST

/* Encoded words break between words, so decoders keep the blanks. */
START_TEST(test_encoded_words_split)
{
	struct invite	 inv;
	struct err	 err;
	char		*msg, *h, *p, *q, word[256];
	size_t		 len;

	sample_invite(&inv, INVITE_NEW);
	inv.summary = "Supervisión de grupo: Équipe Nord, réflexion "
	    "partagée entre collègues et psychologues";
	msg = message_invitation(conf, &inv, NULL, &len, &err);
	ck_assert_ptr_nonnull(msg);
	h = header(msg, "Subject");
	ck_assert_ptr_nonnull(h);
	/* Every encoded word but the last decodes to text ending in a blank. */
	for (p = h; (p = strstr(p, "=?UTF-8?B?")) != NULL; p = q + 2) {
		q = strstr(p + 10, "?=");
		ck_assert_ptr_nonnull(q);
		ck_assert_uint_lt((size_t)(q - p - 10), sizeof(word));
		memcpy(word, p + 10, (size_t)(q - p - 10));
		word[q - p - 10] = '\0';
		if (strstr(q, "=?UTF-8?B?") == NULL)
			break;
		{
			unsigned char	 dec[256];
			int		 n;

			n = EVP_DecodeBlock(dec, (unsigned char *)word,
			    (int)strlen(word));
			ck_assert_int_gt(n, 0);
			while (n > 0 && dec[n - 1] == '\0')
				n--;	/* base64 padding */
			ck_assert_int_eq(dec[n - 1], ' ');
		}
	}
	free(h);
	free(msg);
}
END_TEST

START_TEST(test_invitation_case_only_own)
{
	struct invite	 inv;
	struct err	 err;
	char		*msg, *cal;
	size_t		 len;

	sample_invite(&inv, INVITE_NEW);
	msg = message_invitation(conf, &inv, NULL, &len, &err);
	cal = calendar_of(msg);
	ck_assert_ptr_null(strstr(msg, "presenting case"));
	ck_assert_ptr_null(strstr(cal, "presenting case"));
	free(cal);
	free(msg);

	inv.own_case = "MN/2291";
	msg = message_invitation(conf, &inv, NULL, &len, &err);
	cal = calendar_of(msg);
	ck_assert_ptr_nonnull(strstr(msg, "You are presenting case MN/2291"));
	ck_assert_ptr_nonnull(strstr(cal, "You are presenting case MN/2291"));
	free(cal);
	free(msg);
}
END_TEST

/*
 * The bodies kept from one message to the next (message_encode): a
 * session's common copy and presenters' own, in any order and more than
 * are kept, each the same as built alone.
 */
START_TEST(test_encodings_kept)
{
	static const char	*cases[] = { NULL, "MN/2291", NULL, "MN/7", NULL,
	    "MN/2291", "MN/31", "MN/32", "MN/33", "MN/34", "MN/35", NULL,
	    "MN/36", "MN/37", "MN/38", "MN/39", "MN/7", NULL };
	struct invite		 inv;
	struct err		 err;
	char			*seq[2][sizeof(cases) / sizeof(cases[0])];
	char			 own[64];
	size_t			 i, k, len, n = sizeof(cases) / sizeof(cases[0]);

	for (k = 0; k < 2; k++) {
		for (i = 0; i < n; i++) {
			/* Alone: nothing kept from the message before. */
			if (k == 1)
				message_forget();
			sample_invite(&inv, i % 3 == 2 ? INVITE_UPDATE :
			    INVITE_NEW);
			inv.own_case = cases[i];
			seq[k][i] = message_invitation(conf, &inv, NULL, &len,
			    &err);
			ck_assert_ptr_nonnull(seq[k][i]);
			ck_assert_uint_eq(strlen(seq[k][i]), len);
		}
	}
	for (i = 0; i < n; i++) {
		ck_assert_msg(strcmp(seq[0][i], seq[1][i]) == 0,
		    "message %zu differs from the same built alone", i);
		if (cases[i] != NULL) {
			snprintf(own, sizeof(own), "You are presenting case %s",
			    cases[i]);
			ck_assert_ptr_nonnull(strstr(seq[0][i], own));
		} else
			ck_assert_ptr_null(strstr(seq[0][i], "presenting case"));
		free(seq[0][i]);
		free(seq[1][i]);
	}
}
END_TEST

START_TEST(test_attendee_forms)
{
	struct invite	 inv;
	struct err	 err;
	char		*msg, *cal, *flat, *q;
	size_t		 len;

	sample_invite(&inv, INVITE_NEW);
	msg = message_invitation(conf, &inv, NULL, &len, &err);
	cal = calendar_of(msg);
	flat = xstrdup(cal);
	while ((q = strstr(flat, "\r\n ")) != NULL)
		memmove(q, q + 3, strlen(q + 3) + 1);
	ck_assert_ptr_nonnull(strstr(flat, "\r\nORGANIZER;CN=Group "
	    "Supervision:mailto:supervision@example.org\r\n"));
	ck_assert_ptr_nonnull(strstr(flat, "\r\nATTENDEE;CN=Dr Priya Shah;"
	    "ROLE=CHAIR;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
	    "mailto:priya@example.org\r\n"));
	/* UTF-8 names kept as they are, in the calendar's own charset. */
	ck_assert_ptr_nonnull(strstr(flat, "ATTENDEE;CN=Zoë Ångström-Ó "
	    "Súilleabháin;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
	    "RSVP=TRUE:mailto:zoe@example.org\r\n"));
	/* A double quote cannot live in a parameter: it is replaced. */
	ck_assert_ptr_nonnull(strstr(flat, "CN=Sam 'Tay' Taylor;"
	    "ROLE=OPT-PARTICIPANT"));
	free(flat);
	free(cal);
	free(msg);
}
END_TEST

START_TEST(test_no_header_injection)
{
	struct invite	 inv;
	struct err	 err;
	char		*msg, *body;
	size_t		 len;

	sample_invite(&inv, INVITE_NEW);
	inv.rcpt_name = "Eve\r\nBcc: all@example.net";
	inv.summary = "Supervision\r\nX-Evil: yes";
	msg = message_invitation(conf, &inv, NULL, &len, &err);
	ck_assert_ptr_nonnull(msg);
	body = strstr(msg, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	*body = '\0';
	ck_assert_ptr_null(strstr(msg, "\r\nBcc:"));
	ck_assert_ptr_null(strstr(msg, "\r\nX-Evil:"));
	free(msg);
}
END_TEST

/* A one-event REQUEST in tz (malloc'd). */
static char *
build_one(const char *tz, time_t start, time_t end, size_t *len)
{
	struct ical_event	 ev;
	struct err		 err;
	char			*cal;

	memset(&ev, 0, sizeof(ev));
	ev.uid = "x@example.org";
	ev.dtstamp = STAMP;
	ev.start = start;
	ev.end = end;
	ev.summary = "S";
	err_clear(&err);
	cal = ical_calendar_build(ICAL_MSG_REQUEST, tz, &ev, 1, len, &err);
	ck_assert_msg(cal != NULL, "%s: %s", tz, err.msg);
	return (cal);
}

START_TEST(test_vtimezone_rules)
{
	char	*cal, *q;
	size_t	 len;
	int	 n;

	cal = build_one("Europe/London", BEFORE, AFTER, &len);
	ck_assert_ptr_nonnull(strstr(cal, "BEGIN:VTIMEZONE\r\n"
	    "TZID:Europe/London\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "DTSTART:19700329T010000\r\n"
	    "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "DTSTART:19701025T020000\r\n"
	    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "BYDAY=-1SU;BYMONTH=3\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "BYDAY=-1SU;BYMONTH=10\r\n"));
	for (n = 0, q = cal; (q = strstr(q, "BEGIN:STANDARD")) != NULL; q++)
		n++;
	ck_assert_int_eq(n, 1);
	for (n = 0, q = cal; (q = strstr(q, "BEGIN:DAYLIGHT")) != NULL; q++)
		n++;
	ck_assert_int_eq(n, 1);
	free(cal);

	/* Second Sunday of March, first of November. */
	cal = build_one("America/New_York", BEFORE, AFTER, &len);
	ck_assert_ptr_nonnull(strstr(cal, "BYDAY=2SU;BYMONTH=3\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "BYDAY=1SU;BYMONTH=11\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "TZOFFSETTO:-0400\r\n"));
	free(cal);

	/* South: daylight from October, standard from April. */
	cal = build_one("Australia/Sydney", BEFORE, AFTER, &len);
	q = strstr(cal, "BEGIN:DAYLIGHT");
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_nonnull(strstr(q, "BYDAY=1SU;BYMONTH=10\r\n"));
	ck_assert_ptr_nonnull(strstr(cal, "BYDAY=1SU;BYMONTH=4\r\n"));
	free(cal);

	/* No daylight saving: one STANDARD, no RRULE. */
	cal = build_one("Asia/Tokyo", BEFORE, AFTER, &len);
	ck_assert_ptr_nonnull(strstr(cal, "BEGIN:STANDARD"));
	ck_assert_ptr_null(strstr(cal, "BEGIN:DAYLIGHT"));
	ck_assert_ptr_null(strstr(cal, "RRULE"));
	ck_assert_ptr_nonnull(strstr(cal, "TZOFFSETTO:+0900\r\n"));
	free(cal);

	cal = build_one("UTC", BEFORE, AFTER, &len);
	ck_assert_ptr_nonnull(strstr(cal, "DTSTART;TZID=UTC:20260324T100000"));
	free(cal);
}
END_TEST

START_TEST(test_calendar_refusals)
{
	struct ical_event	 ev;
	struct err		 err;
	char			*cal;
	size_t			 len;

	memset(&ev, 0, sizeof(ev));
	ev.uid = "x@example.org";
	ev.start = AFTER;
	ev.end = BEFORE;
	ev.summary = "S";
	err_clear(&err);
	ck_assert_ptr_null(ical_calendar_build(ICAL_MSG_REQUEST,
	    "Europe/London", &ev, 1, &len, &err));
	ck_assert_int_eq(err.code, ERR_INVALID);
	ev.end = AFTER;
	err_clear(&err);
	ck_assert_ptr_null(ical_calendar_build(ICAL_MSG_REQUEST,
	    "Mars/Olympus_Mons", &ev, 1, &len, &err));
	ck_assert_int_eq(err.code, ERR_INVALID);
	ev.attendees = (const struct ical_attendee[]){ { "No Address", NULL,
	    ICAL_ATT_REQ } };
	ev.nattendees = 1;
	err_clear(&err);
	ck_assert_ptr_null(ical_calendar_build(ICAL_MSG_REQUEST,
	    "Europe/London", &ev, 1, &len, &err));
	ck_assert_int_eq(err.code, ERR_INVALID);
	ev.nattendees = 0;
	ev.uid = "";
	err_clear(&err);
	ck_assert_ptr_null(ical_calendar_build(ICAL_MSG_REQUEST,
	    "Europe/London", &ev, 1, &len, &err));
	ck_assert_int_eq(err.code, ERR_INVALID);
	/* An empty feed: a calendar with no zone and no event. */
	cal = ical_calendar_build(ICAL_MSG_PUBLISH, "Europe/London", NULL, 0,
	    &len, &err);
	ck_assert_ptr_nonnull(cal);
	ck_assert_ptr_nonnull(strstr(cal, "METHOD:PUBLISH\r\n"));
	ck_assert_ptr_null(strstr(cal, "VTIMEZONE"));
	free(cal);
}
END_TEST

START_TEST(test_reminder)
{
	struct reminder	 r;
	struct err	 err;
	char		*msg, *msgid, *again, *h;
	size_t		 len;

	memset(&r, 0, sizeof(r));
	r.uid = "mast-north-gs-20260324@example.org";
	r.date = BEFORE - 3 * 86400;
	r.start = BEFORE;
	r.end = BEFORE + 5400;
	r.summary = "Group supervision: MAST North";
	r.own_case = "MN/2291";
	r.rcpt = "zoe@example.org";
	msg = message_reminder(conf, &r, &msgid, &len, &err);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "MN/2291"));
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: text/plain"));
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: text/html"));
	ck_assert_ptr_null(strstr(msg, "text/calendar"));
	h = header(msg, "Subject");
	ck_assert_int_eq(strncmp(h, "Reminder: ", 10), 0);
	free(h);
	free(msg);
	/* A moved session is a new reminder. */
	r.start = AFTER;
	r.end = AFTER + 5400;
	again = message_reminder(conf, &r, NULL, &len, &err);
	h = header(again, "Message-ID");
	ck_assert_ptr_null(strstr(h, msgid));
	free(h);
	free(again);
	free(msgid);
}
END_TEST

START_TEST(test_digest)
{
	static const char *cols[] = { "Member", "Cases" };
	static const char *r1[] = { "Zoë", "14" };
	static const char *r2[] = { "Sam <script>", "9" };
	static const struct digest_row rows[] = {
		{ r1, 14.0 / 12, DIGEST_OVER },
		{ r2, 9.0 / 12, DIGEST_OK }
	};
	struct digest_section	 sec[] = {
		{ "Caseloads", NULL, cols, 2, rows, 2, NULL },
		{ "Gaps", NULL, cols, 2, NULL, 0, "Nobody is overdue." }
	};
	struct digest		 d;
	struct err		 err;
	char			*msg, *a, *b, *html;
	size_t			 len;

	memset(&d, 0, sizeof(d));
	d.kind = "manager_digest";
	d.key = "2026-W12";
	d.subject = "MAST North: caseloads";
	d.sections = sec;
	d.nsections = 2;
	d.rcpt = "alex@example.org";
	d.date = BEFORE;
	msg = message_digest(conf, &d, &a, &len, &err);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: text/plain"));
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: text/html"));
	ck_assert_ptr_null(strstr(msg, "http:"));
	ck_assert_ptr_null(strstr(msg, "https:"));
	/* Cell text is escaped in the HTML, never markup. */
	html = strstr(msg, "Content-Type: text/html");
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_null(strstr(html, "<script>"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(msg, "#c62828"));
	ck_assert_ptr_nonnull(strstr(msg, "Nobody is overdue."));
	free(msg);
	/* Once per recipient per key: the same Message-ID again. */
	msg = message_digest(conf, &d, &b, &len, &err);
	ck_assert_str_eq(a, b);
	free(msg);
	free(a);
	free(b);

	sec[1].nrows = 1;
	sec[1].rows = rows;
	sec[1].ncolumns = 0;
	err_clear(&err);
	ck_assert_ptr_null(message_digest(conf, &d, NULL, &len, &err));
	ck_assert_int_eq(err.code, ERR_INVALID);
}
END_TEST

/* The decoded body of the first part of a type (quoted-printable). */
static char *
part_text(const char *msg, const char *type)
{
	const char	*p, *end;
	char		*out, *o;
	unsigned int	 c;

	p = strstr(msg, type);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	p += 4;
	end = strstr(p, "\r\n--=_reflectd");
	ck_assert_ptr_nonnull(end);
	out = o = xmalloc((size_t)(end - p) + 1);
	while (p < end) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n')
			p += 3;
		else if (p[0] == '=') {
			ck_assert_int_eq(sscanf(p + 1, "%2X", &c), 1);
			*o++ = (char)c;
			p += 3;
		} else if (p[0] == '\r' && p[1] == '\n') {
			*o++ = '\n';
			p += 2;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return (out);
}

/* The bar on the text line that starts with name: steps, mark, fill. */
static void
text_bar(const char *text, const char *name, int *track, int *mark,
    int *fill)
{
	const char	*p, *eol;
	int		 n = 0;

	p = strstr(text, name);
	ck_assert_msg(p != NULL, "no row %s", name);
	eol = strchr(p, '\n');
	p = strchr(p, '[');
	ck_assert_msg(p != NULL && p < eol, "no bar on the row of %s", name);
	*mark = -1;
	*fill = 0;
	for (p++; *p != ']' && p < eol; p++) {
		if (*p == '|') {
			ck_assert_int_eq(*mark, -1);
			*mark = n;
			continue;
		}
		if (*p == '#')
			(*fill)++;
		n++;
	}
	*track = n;
}

START_TEST(test_digest_bars)
{
	static const char *cols[] = { "Member", "Status" };
	static const char *r1[] = { "Half", "fine" };
	static const char *r2[] = { "Over", "much" };
	static const char *r3[] = { "Near", "close" };
	static const char *r4[] = { "Just", "barely" };
	static const char *r5[] = { "None", "-" };
	struct digest_row	 rows[] = {
		{ r1, 0.5, DIGEST_OK },
		{ r2, 1.25, DIGEST_OVER },
		{ r3, 0.99, DIGEST_APPROACHING },
		{ r4, 1.01, DIGEST_OVER },
		{ r5, 0, DIGEST_NONE }
	};
	struct digest_section	 sec[] = {
		{ "Caseloads", "About the rows.", cols, 2, rows, 5, NULL },
		{ "Uncovered", "About rows there are not.", cols, 2, NULL, 0,
		    "Nothing here." }
	};
	struct digest		 d;
	struct err		 err;
	char			*msg, *text, *html;
	const char		*p;
	size_t			 len, marks;
	int			 track, mark, fill, m0;

	memset(&d, 0, sizeof(d));
	d.kind = "manager_digest";
	d.key = "2026-W12";
	d.subject = "Bars";
	d.note = "You are presenting on Tuesday 10 March.";
	d.sections = sec;
	d.nsections = 2;
	d.rcpt = "alex@example.org";
	d.date = BEFORE;
	msg = message_digest(conf, &d, NULL, &len, &err);
	ck_assert_ptr_nonnull(msg);
	text = part_text(msg, "Content-Type: text/plain");
	html = part_text(msg, "Content-Type: text/html");

	/* One scale: 0 to 1.5 limits in 30 steps, the limit at step 20. */
	text_bar(text, "Half", &track, &mark, &fill);
	ck_assert_int_eq(track, 30);
	ck_assert_int_eq(mark, 20);
	ck_assert_int_eq(fill, 10);
	text_bar(text, "Over", &track, &mark, &fill);
	ck_assert_int_eq(mark, 20);
	ck_assert_int_eq(fill, 25);
	/* Rounding never puts a bar on the wrong side of the limit. */
	text_bar(text, "Near", &track, &mark, &fill);
	ck_assert_int_eq(fill, 20);
	text_bar(text, "Just", &track, &mark, &fill);
	ck_assert_int_eq(fill, 21);
	p = strstr(text, "None");
	ck_assert_ptr_nonnull(p);
	ck_assert(strchr(p, '[') == NULL || strchr(p, '[') > strchr(p, '\n'));
	/* The status is the caller's cell, not added after the bar. */
	ck_assert_ptr_null(strstr(text, " over"));
	ck_assert_ptr_null(strstr(text, " ok\n"));
	ck_assert_ptr_null(strstr(html, ">over<"));
	/* The HTML: the same steps, 6 px each, and a line per bar. */
	ck_assert_ptr_nonnull(strstr(html, "<div style=\"width:60px;"));
	ck_assert_ptr_nonnull(strstr(html, "<div style=\"width:120px;"
	    "height:12px;background:#c62828\">"));
	ck_assert_ptr_nonnull(strstr(html, "<div style=\"width:30px;"
	    "height:12px;background:#c62828\">"));
	for (marks = 0, p = html; (p = strstr(p, "background:#222222")) !=
	    NULL; p++)
		marks++;
	ck_assert_uint_eq(marks, 4);
	/* An intro above rows only; the note after the greeting. */
	ck_assert_ptr_nonnull(strstr(text, "About the rows."));
	ck_assert_ptr_null(strstr(text, "About rows there are not."));
	ck_assert_ptr_null(strstr(html, "About rows there are not."));
	ck_assert_ptr_nonnull(strstr(text, "Nothing here."));
	ck_assert_ptr_nonnull(strstr(text, d.note));
	ck_assert_ptr_nonnull(strstr(html, d.note));
	free(text);
	free(html);
	free(msg);

	/* Further over than 1.5: the track stretches to 2.5 for everyone. */
	rows[1].bar = 2.2;
	msg = message_digest(conf, &d, NULL, &len, &err);
	text = part_text(msg, "Content-Type: text/plain");
	text_bar(text, "Half", &track, &m0, &fill);
	ck_assert_int_eq(m0, 12);
	ck_assert_int_eq(fill, 6);
	text_bar(text, "Over", &track, &mark, &fill);
	ck_assert_int_eq(mark, m0);
	ck_assert_int_eq(fill, 26);
	free(text);
	free(msg);
}
END_TEST

START_TEST(test_plain_unchanged)
{
	char	*msg;
	size_t	 len;

	msg = message_plain(conf, "Zoë", "zoe@example.org", "Hello",
	    "Body é\n", "id@example.org", STAMP, &len);
	ck_assert_ptr_nonnull(strstr(msg, "Content-Type: text/plain; "
	    "charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable"
	    "\r\n\r\nBody =C3=A9\r\n"));
	ck_assert_ptr_nonnull(strstr(msg, "Message-ID: <id@example.org>\r\n"));
	free(msg);
}
END_TEST

static Suite *
message_suite(void)
{
	Suite	*s = suite_create("message");
	TCase	*tc = tcase_create("builders");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_message_id_deterministic);
	tcase_add_test(tc, test_invitation_headers);
	tcase_add_test(tc, test_invitation_kinds);
	tcase_add_test(tc, test_update_changes);
	tcase_add_test(tc, test_not_expected);
	tcase_add_test(tc, test_encoded_words_split);
	tcase_add_test(tc, test_invitation_case_only_own);
	tcase_add_test(tc, test_encodings_kept);
	tcase_add_test(tc, test_attendee_forms);
	tcase_add_test(tc, test_no_header_injection);
	tcase_add_test(tc, test_vtimezone_rules);
	tcase_add_test(tc, test_calendar_refusals);
	tcase_add_test(tc, test_reminder);
	tcase_add_test(tc, test_digest);
	tcase_add_test(tc, test_digest_bars);
	tcase_add_test(tc, test_plain_unchanged);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(message_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
