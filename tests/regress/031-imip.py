"""iMIP messages as a calendar client sees them.

tests/tools/sample-mail drives the real daemon on a fake clock and keeps
one message of each kind it sends (invitation, the presenter's own
invitation, update, not expected, cancellation, reminder, team,
psychologist and manager digests, caseload alert) in Europe/London, with
the session moved across the March 2026 clock change.  Each is parsed
here with the email package and Debian's python3-icalendar, the way a
mail or calendar client reads it: the MIME shape of SPEC 6 (mixed:
alternative + invite.ics), METHOD in both places, UID and SEQUENCE,
ORGANIZER and ATTENDEE forms, TZID and a compact VTIMEZONE, local times on
both sides of the change, 75-octet lines, what each message says
happened, and case references only where they belong.
"""

import datetime
import email
import email.policy
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

try:
    import icalendar
except ImportError:
    rt.skip("python3-icalendar is not installed")

CASE = "MN/2291"
TZ = "Europe/London"
KINDS = ("invitation", "presenter-invitation", "update", "not-expected",
         "cancellation", "reminder", "team-digest", "psychologist-digest",
         "manager-digest", "caseload-alert")
INVITES = ("invitation", "presenter-invitation", "update", "not-expected",
           "cancellation")
EXTERNAL = re.compile(r"""<(img|link|script|iframe)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""",
                      re.I)


def load(d, kind):
    with open(os.path.join(d, kind + ".eml"), "rb") as f:
        raw = f.read()
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg):
    """(content type, part) of each leaf, in order."""
    return [(p.get_content_type(), p) for p in msg.walk()
            if not p.is_multipart()]


def check_headers(kind, msg):
    for h in ("Date", "From", "To", "Subject", "Message-ID"):
        check(msg.get(h) is not None, "%s: no %s header" % (kind, h))
    check(re.match(r"^<[0-9a-f]{32}@example\.org>$",
                   str(msg.get("Message-ID", ""))) is not None,
          "%s: Message-ID %r is not <hash@domain of from>" %
          (kind, msg.get("Message-ID")))
    want = "multipart/mixed" if kind in INVITES else \
        "text/plain" if kind == "caseload-alert" else "multipart/alternative"
    check(msg.get_content_type() == want,
          "%s: top-level type is %s, want %s" %
          (kind, msg.get_content_type(), want))
    for t, p in parts(msg):
        if t == "application/ics":
            continue
        check(p.get_content_disposition() is None,
              "%s: a part has Content-Disposition %r; iMIP parts must be "
              "inline without one" % (kind, p.get("Content-Disposition")))


def check_html(kind, html):
    check(EXTERNAL.search(html) is None,
          "%s: the HTML loads an external resource: %r" %
          (kind, EXTERNAL.search(html).group(0) if EXTERNAL.search(html)
           else ""))
    check("<html" in html.lower() and "</html>" in html.lower(),
          "%s: the HTML part is not a document" % kind)


def check_invite(kind, raw, msg, method, nattendees=5):
    check_headers(kind, msg)
    types = [t for t, _ in parts(msg)]
    check(types == ["text/plain", "text/html", "text/calendar",
                    "application/ics"],
          "%s: parts %r, want text/plain, text/html, text/calendar, "
          "application/ics" % (kind, types))
    alt = msg.get_payload()[0] if msg.is_multipart() else msg
    check(alt.get_content_type() == "multipart/alternative",
          "%s: the first part is %s, want multipart/alternative" %
          (kind, alt.get_content_type()))
    calpart = [p for t, p in parts(msg) if t == "text/calendar"]
    attach = [p for t, p in parts(msg) if t == "application/ics"]
    if not calpart:
        return None, None, None
    cp = calpart[0]
    check(attach and attach[0].get_filename() == "invite.ics" and
          attach[0].get_param("name") == "invite.ics" and
          attach[0].get_content_disposition() == "attachment" and
          attach[0].get_payload(decode=True) ==
          cp.get_payload(decode=True),
          "%s: invite.ics must be an attachment holding the same calendar"
          % kind)
    check(cp.get_param("method") == method,
          "%s: Content-Type method=%r, want %s" %
          (kind, cp.get_param("method"), method))
    check(str(cp.get_param("charset")).upper() == "UTF-8",
          "%s: calendar charset %r" % (kind, cp.get_param("charset")))
    check(cp.get("Content-Transfer-Encoding", "").lower() == "base64",
          "%s: calendar part encoded %r, want base64" %
          (kind, cp.get("Content-Transfer-Encoding")))
    calraw = cp.get_payload(decode=True)
    long_lines = [ln for ln in calraw.split(b"\r\n") if len(ln) > 75]
    check(not long_lines, "%s: %d calendar line(s) over 75 octets: %r" %
          (kind, len(long_lines), long_lines[:2]))
    check(b"\n" not in calraw.replace(b"\r\n", b""),
          "%s: calendar has bare LF line ends" % kind)
    cal = icalendar.Calendar.from_ical(calraw)
    check(str(cal.get("METHOD")) == method,
          "%s: METHOD property %r, want %s (the Content-Type says %s)" %
          (kind, cal.get("METHOD"), method, cp.get_param("method")))
    check(cal.get("PRODID") is not None and
          str(cal.get("VERSION")) == "2.0",
          "%s: PRODID and VERSION:2.0 required" % kind)
    events = cal.walk("VEVENT")
    check(len(events) == 1, "%s: %d VEVENTs, want 1" % (kind, len(events)))
    if not events:
        return cal, None, calraw
    ev = events[0]

    # ORGANIZER from [mail] from, ATTENDEEs in iTIP form.
    org = ev.get("ORGANIZER")
    check(org is not None and str(org).lower() ==
          "mailto:supervision@example.org" and
          org.params.get("CN") == "Group Supervision",
          "%s: ORGANIZER %r %r" % (kind, org,
                                   getattr(org, "params", None)))
    att = ev.get("ATTENDEE")
    att = att if isinstance(att, list) else [att]
    check(len(att) == nattendees, "%s: %d ATTENDEEs, want %d" %
          (kind, len(att), nattendees))
    for a in att:
        p = a.params
        check(str(a).startswith("mailto:") and p.get("CN") and
              p.get("ROLE") in ("CHAIR", "REQ-PARTICIPANT") and
              p.get("PARTSTAT") == "NEEDS-ACTION" and
              p.get("RSVP") == "TRUE",
              "%s: ATTENDEE %s %r lacks CN, ROLE, PARTSTAT=NEEDS-ACTION "
              "or RSVP=TRUE" % (kind, a, dict(p)))
    cns = [a.params.get("CN") for a in att]
    if nattendees == 5:
        chairs = [a for a in att if a.params.get("ROLE") == "CHAIR"]
        check(len(chairs) == 1 and chairs[0].params.get("CN") ==
              "Dr Priya Shah", "%s: the psychologist should be the one "
              "CHAIR" % kind)
        check("Siân Hughes" in cns and "Tomás Byrne" in cns,
              "%s: non-ASCII names should survive in CN: %r" % (kind, cns))
    check(str(ev.get("X-MICROSOFT-DISALLOW-COUNTER")) == "TRUE",
          "%s: X-MICROSOFT-DISALLOW-COUNTER:TRUE" % kind)

    # Times: TZID and a compact VTIMEZONE.
    for name in ("DTSTART", "DTEND"):
        prop = ev.get(name)
        check(prop is not None and prop.params.get("TZID") == TZ,
              "%s: %s should carry TZID=%s: %r" %
              (kind, name, TZ, getattr(prop, "params", None)))
    check(ev.get("DTSTAMP") is not None and
          ev.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0),
          "%s: DTSTAMP should be UTC" % kind)
    tzs = cal.walk("VTIMEZONE")
    check(len(tzs) == 1 and str(tzs[0].get("TZID")) == TZ,
          "%s: want one VTIMEZONE with TZID %s" % (kind, TZ))
    if tzs:
        std = tzs[0].walk("STANDARD")
        dst = tzs[0].walk("DAYLIGHT")
        check(len(std) == 1 and len(dst) == 1,
              "%s: VTIMEZONE has %d STANDARD and %d DAYLIGHT, want one of "
              "each" % (kind, len(std), len(dst)))
        # A client without tzdata uses our rules: they must agree with it.
        tz = tzs[0].to_tz()
        for local, off in ((datetime.datetime(2026, 3, 24, 10, 0), 0),
                           (datetime.datetime(2026, 3, 31, 10, 0), 1),
                           (datetime.datetime(2026, 7, 1, 10, 0), 1),
                           (datetime.datetime(2026, 11, 2, 10, 0), 0),
                           (datetime.datetime(2027, 3, 29, 10, 0), 1)):
            got = tz.utcoffset(local)
            check(got == datetime.timedelta(hours=off),
                  "%s: the VTIMEZONE puts %s at UTC offset %s, want +%d h"
                  % (kind, local, got, off))

    # The text part stands alone: what, when, where, who.
    text = [p for t, p in parts(msg) if t == "text/plain"][0].get_content()
    for want in ("Group supervision: MAST North", "Room 2.14",
                 "Dr Priya Shah"):
        check(want in text, "%s: the plain text does not say %r" %
              (kind, want))
    html = [p for t, p in parts(msg) if t == "text/html"][0].get_content()
    check_html(kind, html)
    return cal, ev, calraw


def main():
    tool = os.path.join(os.environ.get("TOP_SRCDIR", "."),
                        "tests/tools/sample-mail")
    d = rt.mkdtemp()
    r = subprocess.run(["/usr/bin/python3", tool, d], capture_output=True,
                       text=True, timeout=120)
    check(r.returncode == 0, "sample-mail exited %d: %s" %
          (r.returncode, r.stderr))
    rep = rt.sanitizer_report(r.stderr)
    check(rep is None, "sample-mail: sanitizer report: %s" % rep)
    if r.returncode != 0:
        return
    msgs = {k: load(d, k) for k in KINDS}

    inv = check_invite("invitation", *msgs["invitation"], "REQUEST")
    own = check_invite("presenter-invitation",
                       *msgs["presenter-invitation"], "REQUEST")
    upd = check_invite("update", *msgs["update"], "REQUEST")
    can = check_invite("cancellation", *msgs["cancellation"], "CANCEL")
    nex = check_invite("not-expected", *msgs["not-expected"], "CANCEL", 1)
    evs = [x[1] for x in (inv, upd, can)]
    if any(e is None for e in evs) or nex[1] is None:
        return
    ev0, ev1, ev2 = evs

    # What each says happened.
    def text(kind):
        return [p for t, p in parts(msgs[kind][1])
                if t == "text/plain"][0].get_content()
    t = text("update")
    check("Moved from Tuesday 24 March 2026 10:00 to Tuesday 31 March "
          "2026 10:00." in t and "child protection conference" in t,
          "update: names the old and new day and the reason: %r" % t)
    t = text("cancellation")
    check("Cancelled by the administrator" in t and
          "serious case review" in t,
          "cancellation: says who and why: %r" % t)
    t = text("not-expected")
    check("goes ahead" in t and "your leave from 6 to 8 April is "
          "recorded" in t and "cancel" not in t.lower(),
          "not-expected: the session goes ahead, why, never cancelled: %r"
          % t)
    natt = nex[1].get("ATTENDEE")
    check(str(natt).lower() == "mailto:tomas.byrne@example.org",
          "not-expected: the only ATTENDEE is the one removed: %r" % natt)
    check(str(msgs["not-expected"][1]["Subject"]).startswith(
          "Not expected: "), "not-expected: subject")

    # One UID for the session; SEQUENCE grows; CANCEL is CANCELLED.
    uids = {str(e.get("UID")) for e in evs + [own[1]]}
    check(len(uids) == 1, "UID should be stable across invitation, update "
          "and cancellation: %r" % uids)
    seqs = [int(e.get("SEQUENCE")) for e in evs]
    check(seqs[0] < seqs[1] < seqs[2], "SEQUENCE should increase: %r" %
          seqs)
    check(str(ev2.get("STATUS")) == "CANCELLED",
          "cancellation: STATUS %r, want CANCELLED" % ev2.get("STATUS"))
    check(str(ev0.get("STATUS")) != "CANCELLED",
          "invitation: STATUS should not be CANCELLED")

    # Local times on both sides of the March change (29 March 2026).
    s0 = ev0.decoded("DTSTART")
    s1 = ev1.decoded("DTSTART")
    check((s0.hour, s0.minute, s0.date()) ==
          (10, 0, datetime.date(2026, 3, 24)) and
          s0.utcoffset() == datetime.timedelta(0),
          "invitation: DTSTART %s, want 2026-03-24 10:00 GMT" % s0)
    check((s1.hour, s1.minute, s1.date()) ==
          (10, 0, datetime.date(2026, 3, 31)) and
          s1.utcoffset() == datetime.timedelta(hours=1),
          "update: DTSTART %s, want 2026-03-31 10:00 BST" % s1)
    e0 = ev0.decoded("DTEND")
    check(e0 - s0 == datetime.timedelta(minutes=90),
          "invitation: the session should last 90 minutes, not %s" %
          (e0 - s0))

    # Subjects say what happened.
    for kind, word in (("invitation", "Invitation:"), ("update", "Updated:"),
                       ("cancellation", "Cancelled:"),
                       ("not-expected", "Not expected:")):
        subj = str(msgs[kind][1].get("Subject", ""))
        check(subj.startswith(word), "%s: Subject %r should start with %r"
              % (kind, subj, word))

    # Message-IDs differ per message.
    ids = [str(msgs[k][1].get("Message-ID")) for k in KINDS]
    check(len(set(ids)) == len(ids), "Message-IDs should differ: %r" % ids)

    # The case reference: only the presenter's own copy and reminder.
    for kind in KINDS:
        raw, msg = msgs[kind]
        texts = [p.get_content() for t, p in parts(msg)
                 if t.startswith("text/") and t != "text/calendar"]
        cals = [p.get_payload(decode=True).decode("utf-8")
                for t, p in parts(msg) if t == "text/calendar"]
        found = any(CASE in x for x in texts + cals + [str(msg["Subject"])])
        want = kind in ("presenter-invitation", "reminder",
                        "psychologist-digest")
        check(found == want, "%s: case reference %s %s" %
              (kind, CASE, "missing" if want else "must not appear"))
    own_text = [p for t, p in parts(msgs["presenter-invitation"][1])
                if t == "text/plain"][0].get_content()
    check("You are presenting" in own_text,
          "presenter-invitation: text should say 'You are presenting'")
    own_desc = str(own[1].get("DESCRIPTION", ""))
    check("You are presenting" in own_desc and CASE in own_desc,
          "presenter-invitation: DESCRIPTION should say 'You are "
          "presenting' with the case: %r" % own_desc)
    desc = str(ev0.get("DESCRIPTION", ""))
    check("Dr Priya Shah" in desc and "Siân Hughes" in desc,
          "invitation: DESCRIPTION should name the psychologist and "
          "presenters: %r" % desc)

    # Reminder and digests: multipart text + HTML, no calendar.
    for kind in ("reminder", "team-digest", "psychologist-digest",
                 "manager-digest"):
        raw, msg = msgs[kind]
        check_headers(kind, msg)
        types = [t for t, _ in parts(msg)]
        check(types == ["text/plain", "text/html"],
              "%s: parts %r, want text/plain, text/html" % (kind, types))
        html = [p for t, p in parts(msg) if t == "text/html"]
        if html:
            check_html(kind, html[0].get_content())
    mgr_html = [p for t, p in parts(msgs["manager-digest"][1])
                if t == "text/html"][0].get_content()
    for colour in ("#c62828", "#ef6c00", "#2e7d32"):
        check(colour in mgr_html, "manager-digest: no bar coloured %s "
              "(over, approaching, ok)" % colour)
    mgr_text = [p for t, p in parts(msgs["manager-digest"][1])
                if t == "text/plain"][0].get_content()
    check("over" in mgr_text and "approaching" in mgr_text and
          "Tomás Byrne" in mgr_text,
          "manager-digest: the plain text should show the caseloads with "
          "their status")
    team_text = [p for t, p in parts(msgs["team-digest"][1])
                 if t == "text/plain"][0].get_content()
    check("Group supervision: MAST North" in team_text,
          "team-digest: the plain text should list the sessions")

    # Raw RFC 5322: CRLF only, header lines within 78 octets.
    for kind in KINDS:
        raw = msgs[kind][0]
        check(b"\n" not in raw.replace(b"\r\n", b""),
              "%s: bare LF in the message" % kind)
        head = raw.split(b"\r\n\r\n", 1)[0]
        longest = max(len(x) for x in head.split(b"\r\n"))
        check(longest <= 78, "%s: a header line has %d octets" %
              (kind, longest))
        check(all(b < 0x80 for b in raw), "%s: 8-bit octets in the "
              "message; everything should be encoded" % kind)


rt.run(main)
