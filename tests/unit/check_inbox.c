/*
 * Unit tests for the replies inbox without a database: reading replies in
 * the shapes Exchange/Outlook, Google Calendar and Thunderbird send (and
 * a bare calendar body, another charset, mail that is not a reply), and
 * judging them against the facts the store would give (SPEC 6.1).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbox.h"
#include "series.h"
#include "xmalloc.h"

#define NOW	((time_t)1773000000)

static char	*cal(const char *method, const char *att, const char *ps,
		    int seq, const char *extra_att);
static Suite	*inbox_suite(void);

/* A REPLY calendar with CRLF lines. */
static char *
cal(const char *method, const char *att, const char *ps, int seq,
    const char *extra_att)
{
	char	*s;

	xasprintf(&s, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
	    "METHOD:%s\r\nBEGIN:VEVENT\r\nUID:gs-20260317@example.org\r\n"
	    "SEQUENCE:%d\r\nDTSTAMP:20260301T120000Z\r\n"
	    "DTSTART;TZID=GMT Standard Time:20260317T100000\r\n"
	    "ATTENDEE;PARTSTAT=%s;CN=Sam:%s\r\n%s"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n", method, seq, ps, att,
	    extra_att != NULL ? extra_att : "");
	return (s);
}

START_TEST(test_outlook_base64)
{
	struct inbox_reply	 r;
	char			*c, *msg;
	/* base64 of the calendar, as Exchange writes it */
	char			 b64[2048];
	static const char	 tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
				    "nopqrstuvwxyz0123456789+/";
	size_t			 i, n, o = 0;
	unsigned int		 v;

	c = cal("REPLY", "MAILTO:SAM.JONES@EXAMPLE.ORG", "DECLINED", 2, NULL);
	n = strlen(c);
	for (i = 0; i < n; i += 3) {
		v = (unsigned char)c[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)c[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)c[i + 2];
		b64[o++] = tbl[(v >> 18) & 63];
		b64[o++] = tbl[(v >> 12) & 63];
		b64[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		b64[o++] = i + 2 < n ? tbl[v & 63] : '=';
		if ((i / 3 + 1) % 19 == 0) {
			b64[o++] = '\r';
			b64[o++] = '\n';
		}
	}
	b64[o] = '\0';
	xasprintf(&msg, "From: \"Jones, Sam\" <Sam.Jones@example.org>\r\n"
	    "Subject: Declined\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nNo.\r\n--b\r\n"
	    "Content-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n", b64);
	inbox_read(msg, strlen(msg), &r);
	ck_assert_int_eq(r.method, 1);
	ck_assert_str_eq(r.from, "sam.jones@example.org");
	ck_assert_str_eq(r.attendee, "sam.jones@example.org");
	ck_assert_str_eq(r.uid, "gs-20260317@example.org");
	ck_assert_int_eq(r.partstat, INBOX_PS_DECLINED);
	ck_assert_int_eq(r.sequence, 2);
	ck_assert_int_eq(r.nattendees, 1);
	free(c);
	free(msg);
}
END_TEST

START_TEST(test_thunderbird_qp_nested)
{
	struct inbox_reply	 r;
	const char		*msg =
	    "From: sam@example.org\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n"
	    "Content-Type: multipart/related; boundary=\"i\"\r\n\r\n--i\r\n"
	    "Content-Type: text/calendar; charset=ISO-8859-1; method=REPLY\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
	    "UID:gs-20260317@example.org\r\nSEQUENCE:0\r\n"
	    "ATTENDEE;PARTSTAT=3DTENTATIVE;CN=Ren=E9e:mailto:sam@example.org"
	    "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--i--\r\n--o--\r\n";

	inbox_read(msg, strlen(msg), &r);
	ck_assert_int_eq(r.method, 1);
	ck_assert_int_eq(r.partstat, INBOX_PS_TENTATIVE);
	ck_assert_str_eq(r.attendee, "sam@example.org");
	ck_assert_int_eq(r.sequence, 0);
}
END_TEST

START_TEST(test_bare_counter_and_plain)
{
	struct inbox_reply	 r;
	char			*c, *msg;

	c = cal("COUNTER", "mailto:sam@example.org", "DECLINED", 1, NULL);
	xasprintf(&msg, "From: sam@example.org\r\nContent-Type: text/calendar;"
	    " method=COUNTER\r\n\r\n%s", c);
	inbox_read(msg, strlen(msg), &r);
	ck_assert_int_eq(r.method, 2);
	free(msg);
	free(c);

	msg = xstrdup("From: sam@example.org\r\nSubject: lunch\r\n\r\nhi\r\n");
	inbox_read(msg, strlen(msg), &r);
	ck_assert_int_eq(r.method, 0);
	ck_assert_str_ne(r.why, "");
	free(msg);

	inbox_read("", 0, &r);
	ck_assert_int_eq(r.method, 0);
	inbox_read("\0\1\2\3", 4, &r);
	ck_assert_int_eq(r.method, 0);
}
END_TEST

/* The judging rules, in SPEC 6.1's order. */
struct judge_case {
	const char	*name;
	int		 method;
	const char	*from;
	int		 nattendees;
	int		 partstat;
	int		 seq;
	int		 found, sent, invited, state, last;
	time_t		 end;
	int		 want;
	const char	*reason;	/* a part of it */
};

static const struct judge_case judge_cases[] = {
	{ "decline", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW + 86400, INBOX_APPLIED, "apologies" },
	{ "accept", 1, "sam@x.org", 1, INBOX_PS_ACCEPTED, 3, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW + 86400, INBOX_APPLIED, "expected" },
	{ "tentative", 1, "sam@x.org", 1, INBOX_PS_TENTATIVE, 2, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW + 86400, INBOX_APPLIED, "noted" },
	{ "not a reply", 0, "sam@x.org", 0, 0, 0, 1, 1, 1,
	    SESSION_PLANNED, 0, NOW, INBOX_IGNORED, "" },
	{ "counter", 2, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "ask your manager" },
	{ "unknown", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 0, 0, 0,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "unknown session" },
	{ "stranger", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 1, 0, 0,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "not an attendee" },
	{ "spoofed", 1, "boss@x.org", 1, INBOX_PS_DECLINED, 2, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "sender mismatch" },
	{ "stale", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 1, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "stale" },
	{ "two attendees", 1, "sam@x.org", 2, INBOX_PS_DECLINED, 2, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "names 2 attendees" },
	{ "dropped", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 1, 1, 0,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "no longer" },
	{ "cancelled", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 1, 1, 1,
	    SESSION_CANCELLED, 2, NOW, INBOX_REFUSED, "cancelled" },
	{ "held 6 days ago", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 1, 1,
	    1, SESSION_HELD, 2, NOW - 6 * 86400, INBOX_APPLIED, "apologies" },
	{ "held 8 days ago", 1, "sam@x.org", 1, INBOX_PS_DECLINED, 2, 1, 1,
	    1, SESSION_HELD, 2, NOW - 8 * 86400, INBOX_REFUSED, "too late" },
	{ "no partstat", 1, "sam@x.org", 1, INBOX_PS_OTHER, 2, 1, 1, 1,
	    SESSION_PLANNED, 2, NOW, INBOX_REFUSED, "PARTSTAT" },
};

START_TEST(test_judge)
{
	const struct judge_case	*c = &judge_cases[_i];
	struct inbox_reply	 r;
	struct inbox_facts	 f;
	struct inbox_verdict	 v;

	memset(&r, 0, sizeof(r));
	r.method = c->method;
	snprintf(r.from, sizeof(r.from), "%s", c->from);
	snprintf(r.attendee, sizeof(r.attendee), "sam@x.org");
	snprintf(r.uid, sizeof(r.uid), "gs-20260317@x.org");
	r.nattendees = c->nattendees;
	r.partstat = c->partstat;
	r.sequence = c->seq;
	memset(&f, 0, sizeof(f));
	f.session_found = c->found;
	f.was_sent = c->sent;
	f.still_invited = c->invited;
	f.session_state = c->state;
	f.last_sequence = c->last;
	f.session_end = c->end;
	inbox_judge(&r, &f, NOW, &v);
	ck_assert_msg(v.state == c->want, "%s: state %d, want %d (%s)",
	    c->name, v.state, c->want, v.reason);
	ck_assert_msg(v.reason[0] != '\0', "%s: no reason", c->name);
	ck_assert_msg(strstr(v.reason, c->reason) != NULL,
	    "%s: reason %s lacks %s", c->name, v.reason, c->reason);
}
END_TEST

/*
 * What reflectd-mailread says goes back to the daemon as a line of JSON:
 * a reply read from real mail comes back field for field, and a line
 * that is not a whole reply, or holds more than the struct can, is
 * refused rather than cut.
 */
START_TEST(test_wire)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"method\":1}",
		"{\"method\":3,\"from\":\"\",\"uid\":\"\",\"attendee\":\"\","
		    "\"nattendees\":0,\"partstat\":0,\"sequence\":0,"
		    "\"why\":\"\"}",
		"{\"method\":1,\"from\":7,\"uid\":\"\",\"attendee\":\"\","
		    "\"nattendees\":0,\"partstat\":0,\"sequence\":0,"
		    "\"why\":\"\"}",
		"{\"method\":1,\"from\":\"a\\u0000b\",\"uid\":\"\","
		    "\"attendee\":\"\",\"nattendees\":0,\"partstat\":0,"
		    "\"sequence\":0,\"why\":\"\"}",
		"{\"method\":1,\"from\":\"\",\"uid\":\"\",\"attendee\":\"\","
		    "\"nattendees\":-1,\"partstat\":0,\"sequence\":0,"
		    "\"why\":\"\"}",
	};
	struct inbox_reply	 r, back;
	char			*msg, *c, *line, big[600];
	size_t			 i;

	c = cal("REPLY", "mailto:SW1@Example.org", "DECLINED", 4, NULL);
	xasprintf(&msg, "From: \"W\" <sw1@example.org>\r\n"
	    "Content-Type: text/calendar; method=REPLY\r\n\r\n%s", c);
	inbox_read(msg, strlen(msg), &r);
	ck_assert_int_eq(r.method, 1);
	line = inbox_reply_encode(&r);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_null(strchr(line, '\n'));
	ck_assert_int_eq(inbox_reply_decode(line, strlen(line), &back), 0);
	ck_assert_int_eq(back.method, 1);
	ck_assert_str_eq(back.from, "sw1@example.org");
	ck_assert_str_eq(back.uid, "gs-20260317@example.org");
	ck_assert_str_eq(back.attendee, "sw1@example.org");
	ck_assert_int_eq(back.partstat, INBOX_PS_DECLINED);
	ck_assert_int_eq(back.sequence, 4);
	ck_assert_int_eq(back.nattendees, r.nattendees);
	ck_assert_str_eq(back.why, "");
	free(line);
	free(msg);
	free(c);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&back, 'x', sizeof(back));
		ck_assert_msg(inbox_reply_decode(bad[i], strlen(bad[i]),
		    &back) == -1, "accepted: %s", bad[i]);
		ck_assert_int_eq(back.method, 0);
		ck_assert_str_eq(back.from, "");
	}
	/*
	 * Bytes that are not UTF-8 (a Latin-1 UID) become '?', so that the
	 * reply still goes over the wire instead of failing to encode.
	 */
	xasprintf(&msg, "From: sw1@example.org\r\n"
	    "Content-Type: text/calendar; method=REPLY\r\n\r\n"
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
	    "METHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:caf\xe9-\xff@example.org\r\n"
	    "DTSTAMP:20260220T090000Z\r\nATTENDEE;PARTSTAT=ACCEPTED:"
	    "mailto:sw1@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
	inbox_read(msg, strlen(msg), &r);
	ck_assert_int_eq(r.method, 1);
	ck_assert_str_eq(r.uid, "caf?-?@example.org");
	line = inbox_reply_encode(&r);
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(inbox_reply_decode(line, strlen(line), &back), 0);
	ck_assert_str_eq(back.uid, "caf?-?@example.org");
	ck_assert_int_eq(back.partstat, INBOX_PS_ACCEPTED);
	free(line);
	free(msg);

	/* A From longer than the struct holds is refused, not truncated. */
	memset(&r, 0, sizeof(r));
	r.sequence = -1;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	xasprintf(&line, "{\"method\":0,\"from\":\"%s\",\"uid\":\"\","
	    "\"attendee\":\"\",\"nattendees\":0,\"partstat\":0,"
	    "\"sequence\":-1,\"why\":\"\"}", big);
	ck_assert_int_eq(inbox_reply_decode(line, strlen(line), &back), -1);
	free(line);
}
END_TEST

static Suite *
inbox_suite(void)
{
	Suite	*s = suite_create("inbox");
	TCase	*tc;

	tc = tcase_create("read");
	tcase_add_test(tc, test_outlook_base64);
	tcase_add_test(tc, test_thunderbird_qp_nested);
	tcase_add_test(tc, test_bare_counter_and_plain);
	tcase_add_test(tc, test_wire);
	suite_add_tcase(s, tc);
	tc = tcase_create("judge");
	tcase_add_loop_test(tc, test_judge, 0,
	    sizeof(judge_cases) / sizeof(judge_cases[0]));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	sr = srunner_create(inbox_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	inbox_global_free();
	return (failures ? 1 : 0);
}
