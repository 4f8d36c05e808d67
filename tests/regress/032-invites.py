"""Invitations, updates and cancellations through a real SMTP server.

A team with a fortnightly group supervision on Tuesdays at 10:00 whose
first sessions fall either side of the March 2026 clock change.  Nothing
is sent until a session comes within invite_days; `debug advance` brings
each in and every attendee receives an invitation, parsed here with the
email package and Debian's python3-icalendar: METHOD in the Content-Type
and in the VCALENDAR, DTSTART with TZID=Europe/London at 10:00 local on
both sides of the change, ORGANIZER and one ATTENDEE per attendee.
Moving a session sends updates with the same UID and a higher SEQUENCE,
the same in every copy, whose text names the old and new day and the
reason given; a member who joins is invited; an attendee who becomes
absent gets a "Not expected" CANCEL listing only them, saying the session
goes ahead and why, never that it is cancelled; cancelling a session
sends CANCEL (STATUS:CANCELLED) to everyone still invited, with the
reason and who cancelled it.  Every message has the MIME shape of SPEC
6: multipart/mixed of a multipart/alternative (text/plain, text/html,
text/calendar base64 without disposition) and an invite.ics attachment
holding the same calendar bytes.  A replan with nothing changed sends nothing.  A member
whose address is outside [mail] allowed_domains gets nothing and the
change that would have mailed them still succeeds.

Presenters: each copy's DESCRIPTION names the session's presenters; a
presenter's own copy says "You are presenting" with their case reference
and every other attendee's copy carries no case reference in any part,
calendar included.  Pinning another presenter sends updates with a
higher SEQUENCE.  Each presenter gets one reminder presenter_reminder_days
before, with their case; moving the session after it sends a new one
saying the presentation moved.
"""

import datetime
import email
import email.policy
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

try:
    from aiosmtpd.controller import Controller
except ImportError:
    rt.skip("python3-aiosmtpd is not installed")
try:
    import icalendar
except ImportError:
    rt.skip("python3-icalendar is not installed")

FAKE_NOW = "2026-02-20T09:00:00Z"
TEAM = ["mgr-north", "psy-north", "sw0", "sw1", "sw2"]


class Handler:
    def __init__(self):
        self.lock = threading.Lock()
        self.msgs = []          # (rcpt, parsed message)
        self.reminders = []     # (rcpt, parsed message)

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content,
                                       policy=email.policy.default)
        if not any(p.get_content_type() == "text/calendar"
                   for p in msg.walk()):
            if str(msg["Subject"]).startswith("Reminder:"):
                with self.lock:
                    for r in envelope.rcpt_tos:
                        self.reminders.append((r, msg))
            return "250 OK"     # digests: 033 looks at those
        with self.lock:
            for r in envelope.rcpt_tos:
                self.msgs.append((r, msg))
        return "250 OK"

    def all(self):
        with self.lock:
            return list(self.msgs)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def addr(slug):
    return "%s@example.org" % slug


def calendar(msg):
    """(method in Content-Type, parsed VCALENDAR) of an iMIP message."""
    cal = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    check(len(cal) == 1, "one text/calendar part in %r" % msg["Subject"])
    if not cal:
        return None, None
    part = cal[0]
    return (part.get_param("method"),
            icalendar.Calendar.from_ical(part.get_payload(decode=True)))


def vevent(cal):
    ev = [c for c in cal.walk() if c.name == "VEVENT"]
    check(len(ev) == 1, "one VEVENT")
    return ev[0]


class Mail:
    """What arrived, decoded, per recipient."""

    def __init__(self, h):
        self.h = h
        self.seen = 0

    def wait(self, n, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and \
                len(self.h.all()) < self.seen + n:
            time.sleep(0.05)
        time.sleep(0.3)     # nothing more should follow
        new = self.h.all()[self.seen:]
        self.seen += len(new)
        return new


def shape(msg):
    """The MIME tree of SPEC 6, and the attachment equal to the inline."""
    subj = str(msg["Subject"])
    check(msg.get_content_type() == "multipart/mixed",
          "%s: top is multipart/mixed: %s" % (subj, msg.get_content_type()))
    parts = msg.get_payload()
    check([p.get_content_type() for p in parts] ==
          ["multipart/alternative", "application/ics"],
          "%s: mixed holds alternative + application/ics: %r" %
          (subj, [p.get_content_type() for p in parts]))
    if len(parts) != 2:
        return
    alt = parts[0].get_payload()
    check([p.get_content_type() for p in alt] ==
          ["text/plain", "text/html", "text/calendar"],
          "%s: alternative is plain, html, calendar: %r" %
          (subj, [p.get_content_type() for p in alt]))
    inline = [p for p in alt if p.get_content_type() == "text/calendar"]
    att = parts[1]
    if not inline:
        return
    inline = inline[0]
    check(inline["Content-Transfer-Encoding"] == "base64" and
          inline["Content-Disposition"] is None,
          "%s: inline calendar base64 without disposition" % subj)
    check(inline.get_param("charset") == "UTF-8" and
          inline.get_param("method") in ("REQUEST", "CANCEL"),
          "%s: text/calendar; charset=UTF-8; method=" % subj)
    check(att.get_param("name") == "invite.ics" and
          att.get_content_disposition() == "attachment" and
          att.get_filename() == "invite.ics" and
          att["Content-Transfer-Encoding"] == "base64",
          "%s: attachment invite.ics" % subj)
    check(att.get_payload(decode=True) == inline.get_payload(decode=True),
          "%s: the attachment holds the inline calendar's bytes" % subj)


def text_of(msg, kind="plain"):
    for p in msg.walk():
        if p.get_content_type() == "text/" + kind:
            return p.get_content()
    return ""


def invites(new):
    """[(rcpt, method, VEVENT, message)] of the iMIP messages in new."""
    out = []
    for rcpt, msg in new:
        shape(msg)
        method, cal = calendar(msg)
        if cal is None:
            continue
        check(str(cal.get("METHOD")) == method,
              "METHOD %r in the VCALENDAR matches the Content-Type %r" %
              (cal.get("METHOD"), method))
        out.append((rcpt, method, vevent(cal), msg))
    return out


def local(ev):
    dt = ev.decoded("DTSTART")
    check(ev["DTSTART"].params.get("TZID") == "Europe/London",
          "DTSTART has TZID=Europe/London: %r" % ev["DTSTART"].to_ical())
    return dt


def main():
    for scenario in (run, run_presenters):
        h = Handler()
        port = free_port()
        ctl = Controller(h, hostname="127.0.0.1", port=port)
        ctl.start()
        try:
            scenario(h, port)
        finally:
            ctl.stop()


def run(h, port):
    d = rt.Instance({"mail": {"transport": "smtp", "smtp_host": "127.0.0.1",
                              "smtp_port": str(port), "starttls": "no",
                              "maildir": None,
                              "allowed_domains": "example.org"}})
    d.start(fake_now=FAKE_NOW)
    mail = Mail(h)

    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("member", "add", "mgr-north", "name=Morgan Manager",
         "email=" + addr("mgr-north"), "role=manager", "team=north")
    d.ok("member", "add", "psy-north", "name=Dr Pat Psych",
         "email=" + addr("psy-north"), "role=psychologist", "team=north")
    for i in range(3):
        d.ok("member", "add", "sw%d" % i, "name=Worker %d" % i,
             "email=" + addr("sw%d" % i), "role=social_worker",
             "team=north", "start=2025-01-01")
    d.ok("team", "set", "north", "manager=mgr-north",
         "psychologist=psy-north")
    d.ok("series", "add", "gs", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "start=2026-03-24T10:00",
         "duration=90", "location=Room 1")
    new = mail.wait(0, timeout=1)
    check(not new, "nothing is sent before a session is within "
          "invite_days: %r" % [m["Subject"] for _, m in new])

    # 2026-02-27: the 24 March session (GMT) comes within 28 days.
    d.ok("debug", "advance", "7d")
    got = invites(mail.wait(len(TEAM)))
    check(sorted(r for r, _, _, _ in got) == sorted(addr(m) for m in TEAM),
          "each attendee got one invitation: %r" % [r for r, *_ in got])
    uid = None
    for rcpt, method, ev, msg in got:
        check(method == "REQUEST", "invitation is METHOD REQUEST")
        check(str(msg["Subject"]).startswith("Invitation: "),
              "subject %r" % msg["Subject"])
        uid = str(ev["UID"]) if uid is None else uid
        check(str(ev["UID"]) == uid, "one UID for the session")
        check(int(ev.get("SEQUENCE", 0)) == 0, "first SEQUENCE is 0")
        dt = local(ev)
        check((dt.month, dt.day, dt.hour, dt.minute) == (3, 24, 10, 0),
              "starts 24 March 10:00 local: %r" % dt)
        check(dt.utcoffset() == datetime.timedelta(0), "GMT before the "
              "change: %r" % dt.utcoffset())
        org = str(ev["ORGANIZER"])
        check(org.lower() == "mailto:supervision@example.org",
              "ORGANIZER is [mail] from: %r" % org)
        att = ev.get("ATTENDEE")
        att = att if isinstance(att, list) else [att]
        check(sorted(str(a).lower() for a in att) ==
              sorted("mailto:" + addr(m) for m in TEAM),
              "an ATTENDEE per attendee: %r" % att)
        for a in att:
            check(a.params.get("PARTSTAT") == "NEEDS-ACTION" and
                  a.params.get("RSVP") == "TRUE" and a.params.get("CN"),
                  "ATTENDEE form: %r" % a.to_ical())

    # Nothing changed: nothing more.
    d.ok("plan")
    d.ok("plan")
    check(not mail.wait(0, timeout=1), "a replan with nothing changed "
          "sends nothing")

    # 2026-03-13: the 7 April session (BST) comes in: 10:00 local still.
    d.ok("debug", "advance", "14d")
    got = invites(mail.wait(len(TEAM)))
    check(len(got) == len(TEAM), "invitations for 7 April: %d" % len(got))
    uid2 = None
    for rcpt, method, ev, msg in got:
        dt = local(ev)
        check((dt.month, dt.day, dt.hour) == (4, 7, 10),
              "7 April 10:00 local across the change: %r" % dt)
        check(dt.utcoffset() == datetime.timedelta(hours=1),
              "BST after the change: %r" % dt.utcoffset())
        uid2 = str(ev["UID"])
    check(uid2 != uid, "another session, another UID")

    # Move the first session: updates, same UID, higher SEQUENCE.
    d.ok("session", "move", "gs-20260324", "start=2026-03-26T14:00",
         "location=Room 2", "reason=the room is needed for a core group")
    got = invites(mail.wait(len(TEAM)))
    check(len(got) == len(TEAM), "an update to each attendee: %d" %
          len(got))
    check(len({int(ev["SEQUENCE"]) for _, _, ev, _ in got}) == 1,
          "one SEQUENCE in every copy of the update: %r" %
          [int(ev["SEQUENCE"]) for _, _, ev, _ in got])
    seq_update = None
    for rcpt, method, ev, msg in got:
        for text in (text_of(msg), text_of(msg, "html"),
                     str(ev.get("DESCRIPTION"))):
            check("Moved from Tuesday 24 March 2026 10:00 to Thursday 26 "
                  "March 2026 14:00" in text,
                  "the update names the old and new day: %r" % text)
            check("the room is needed for a core group" in text,
                  "the update gives the reason: %r" % text)
            check("Now in Room 2 (was Room 1)" in text,
                  "the update names the new room: %r" % text)
        check(method == "REQUEST", "an update is METHOD REQUEST")
        check(str(msg["Subject"]).startswith("Updated: "),
              "subject %r" % msg["Subject"])
        check(str(ev["UID"]) == uid, "the update keeps the UID")
        seq_update = int(ev["SEQUENCE"])
        check(seq_update > 0, "SEQUENCE increased: %d" % seq_update)
        dt = local(ev)
        check((dt.day, dt.hour) == (26, 14), "moved to 26th 14:00")
        check(str(ev["LOCATION"]) == "Room 2", "new location")

    # A member joins: invited to the planned session (the moved one is
    # the manager's and keeps its attendees).
    d.ok("member", "add", "sw3", "name=Worker 3", "email=" + addr("sw3"),
         "role=social_worker", "team=north", "start=2025-01-01")
    got = invites(mail.wait(1))
    check([r for r, *_ in got] == [addr("sw3")],
          "only the newcomer is mailed: %r" % [r for r, *_ in got])
    for rcpt, method, ev, msg in got:
        check(method == "REQUEST" and str(ev["UID"]) == uid2,
              "the newcomer's invitation is for 7 April")
        check(int(ev.get("SEQUENCE", 0)) == 0,
              "the newcomer gets the SEQUENCE the others hold: %r" %
              ev.get("SEQUENCE"))

    # An attendee becomes absent: "Not expected", a CANCEL to them only,
    # listing only them, and the session goes ahead.
    d.ok("absence", "add", "sw1", "from=2026-04-06", "to=2026-04-08",
         "reason=leave")
    got = invites(mail.wait(1))
    check([(r, m) for r, m, *_ in got] == [(addr("sw1"), "CANCEL")],
          "a CANCEL to the absent attendee only: %r" %
          [(r, m) for r, m, *_ in got])
    for rcpt, method, ev, msg in got:
        att = ev.get("ATTENDEE")
        att = att if isinstance(att, list) else [att]
        check([str(a).lower() for a in att] == ["mailto:" + addr("sw1")],
              "the only ATTENDEE is the one removed: %r" % att)
        check(str(msg["Subject"]).startswith("Not expected: "),
              "subject begins Not expected: %r" % msg["Subject"])
        check(str(ev.get("STATUS")) != "CANCELLED",
              "the session is not STATUS:CANCELLED: %r" % ev.get("STATUS"))
        for text in (text_of(msg), text_of(msg, "html"),
                     str(ev.get("DESCRIPTION")), str(msg["Subject"])):
            check("cancel" not in text.lower(),
                  "not expected never says cancelled: %r" % text)
        text = text_of(msg)
        check("goes ahead" in text, "it says the session goes ahead: %r" %
              text)
        check("your leave from 6 to 8 April is recorded" in text,
              "it says why, with the dates: %r" % text)
    check(d.ok("session", "show", "gs-20260407").get("state") == "planned",
          "the session goes ahead")

    # A member outside allowed_domains: refused, the change succeeds.
    refused = d.status().get("mail", {}).get("refused", 0)
    d.ok("member", "add", "sw9", "name=Worker 9",
         "email=sw9@elsewhere.test", "role=social_worker", "team=north",
         "start=2025-01-01")
    check(not mail.wait(0, timeout=1), "nothing sent to another domain")
    st = d.status()
    check(st.get("mail", {}).get("refused", 0) > refused,
          "status counts the refusal: %r" % st.get("mail"))
    check(d.ok("member", "show", "sw9").get("slug", "sw9") == "sw9",
          "the member was added")

    # Cancel 7 April: CANCEL to everyone still invited.
    d.ok("session", "cancel", "gs-20260407", "reason=training day")
    got = invites(mail.wait(len(TEAM)))
    want = sorted(addr(m) for m in TEAM + ["sw3"] if m != "sw1")
    check(sorted(r for r, *_ in got) == want,
          "a CANCEL to each one invited: %r" % [r for r, *_ in got])
    check(len({int(ev["SEQUENCE"]) for _, _, ev, _ in got}) == 1,
          "one SEQUENCE in every copy of the cancellation: %r" %
          [int(ev["SEQUENCE"]) for _, _, ev, _ in got])
    for rcpt, method, ev, msg in got:
        check(method == "CANCEL", "METHOD CANCEL")
        check(str(ev.get("STATUS")) == "CANCELLED", "STATUS:CANCELLED")
        check(str(ev["UID"]) == uid2, "the cancel keeps the UID")
        check(int(ev["SEQUENCE"]) > 0, "SEQUENCE increased")
        check(str(msg["Subject"]).startswith("Cancelled: "),
              "subject %r" % msg["Subject"])
        for text in (text_of(msg), text_of(msg, "html"),
                     str(ev.get("DESCRIPTION"))):
            check("training day" in text, "the cancellation gives the "
                  "reason: %r" % text)
            check("Cancelled by " in text, "and who cancelled: %r" % text)

    d.ok("plan")
    check(not mail.wait(0, timeout=1), "nothing more after a replan")
    d.stop()


WORKERS = ["sw0", "sw1", "sw2"]
ALL_CASES = ["NW/%d%d" % (40 + i, k) for i in range(3) for k in range(2)]
NAMES = {"mgr-north": "Morgan Manager", "psy-north": "Dr Pat Psych",
         "sw0": "Worker 0", "sw1": "Worker 1", "sw2": "Worker 2"}


def everything(msg):
    """Every header and decoded part of msg as text, the calendar also
    unfolded, so a case reference cannot hide in a fold or in base64."""
    out = [str(k) + ": " + str(v) for k, v in msg.items()]
    for part in msg.walk():
        if part.is_multipart():
            continue
        raw = part.get_payload(decode=True) or b""
        text = raw.decode("utf-8", "replace")
        out.append(text)
        out.append(text.replace("\r\n ", "").replace("\n ", ""))
    return "\n".join(out)


def presenters(d, sid):
    """{member: case} of a session, as an admin sees it."""
    x = d.ok("session", "show", sid)
    return {p.get("member"): p.get("case")
            for p in x.get("presenters") or []}


def check_copies(got, pres, what):
    """The presenter's copy names their case; nobody else's names any."""
    check(pres, "%s has presenters" % what)
    for rcpt, method, ev, msg in got:
        slug = rcpt.split("@")[0]
        text = everything(msg)
        desc = str(ev.get("DESCRIPTION", ""))
        for p in pres:
            check(NAMES[p] in desc, "%s: DESCRIPTION to %s names presenter "
                  "%s: %r" % (what, slug, NAMES[p], desc))
        own = pres.get(slug)
        others = [c for c in ALL_CASES if c != own]
        leaked = [c for c in others if c in text]
        check(not leaked, "%s: %s's copy carries no other case reference: "
              "%r" % (what, slug, leaked))
        if slug in pres:
            check(own and own in text and own in desc,
                  "%s: the presenter %s's copy has their case %r" %
                  (what, slug, own))
            check("You are presenting" in text and
                  "You are presenting" in desc,
                  "%s: %s's copy says You are presenting" % (what, slug))
        else:
            check("You are presenting" not in text,
                  "%s: %s (not presenting) is not told they present" %
                  (what, slug))


def reminders(h, seen):
    with h.lock:
        return list(h.reminders[seen:])


def wait_reminders(h, seen, n, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(reminders(h, seen)) < n:
        time.sleep(0.05)
    time.sleep(0.3)
    return reminders(h, seen)


def run_presenters(h, port):
    d = rt.Instance({"mail": {"transport": "smtp", "smtp_host": "127.0.0.1",
                              "smtp_port": str(port), "starttls": "no",
                              "maildir": None,
                              "allowed_domains": "example.org"}})
    d.start(fake_now=FAKE_NOW)
    mail = Mail(h)
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    for slug in ("mgr-north", "psy-north"):
        d.ok("member", "add", slug, "name=" + NAMES[slug],
             "email=" + addr(slug), "role=" +
             ("manager" if slug == "mgr-north" else "psychologist"),
             "team=north")
    for i, w in enumerate(WORKERS):
        d.ok("member", "add", w, "name=" + NAMES[w], "email=" + addr(w),
             "role=social_worker", "team=north", "start=2025-01-01")
        for k in range(2):
            d.ok("case", "add", "NW/%d%d" % (40 + i, k), "kind=cp",
                 "lead=" + w, "opened=2025-0%d-01" % (k + 2))
    d.ok("team", "set", "north", "manager=mgr-north",
         "psychologist=psy-north")
    d.ok("series", "add", "gs", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "start=2026-03-24T10:00",
         "duration=90", "location=Room 1", "slots=2")

    # 27 February: invitations for 24 March.
    d.ok("debug", "advance", "7d")
    got = invites(mail.wait(len(TEAM)))
    check(len(got) == len(TEAM), "an invitation each: %d" % len(got))
    first = presenters(d, "gs-20260324")
    check(len(first) == 2, "two presenters on 24 March: %r" % first)
    check_copies(got, first, "24 March invitation")
    check(not reminders(h, 0), "no reminder weeks ahead")

    # 13 March: invitations for 7 April; then a pin changes a presenter.
    d.ok("debug", "advance", "14d")
    got = invites(mail.wait(len(TEAM)))
    uid2 = {str(ev["UID"]) for _, _, ev, _ in got}
    check(len(got) == len(TEAM) and len(uid2) == 1,
          "an invitation each for 7 April: %d" % len(got))
    second = presenters(d, "gs-20260407")
    check_copies(got, second, "7 April invitation")
    seq0 = max(int(ev.get("SEQUENCE", 0)) for _, _, ev, _ in got)
    newbie = [w for w in WORKERS if w not in second][0]
    case = "NW/%d1" % (40 + WORKERS.index(newbie))
    d.ok("present", "gs-20260407", "slot=1", "member=" + newbie,
         "case=" + case)
    now2 = presenters(d, "gs-20260407")
    check(now2.get(newbie) == case, "pinned: %r" % now2)
    got = [g for g in invites(mail.wait(len(TEAM)))
           if str(g[2]["UID"]) in uid2]
    check(sorted(r for r, *_ in got) == sorted(addr(m) for m in TEAM),
          "an update to each attendee when a presenter changes: %r" %
          [r for r, *_ in got])
    for rcpt, method, ev, msg in got:
        check(method == "REQUEST" and
              str(msg["Subject"]).startswith("Updated: "),
              "presenter change is an update: %r" % msg["Subject"])
        check(int(ev["SEQUENCE"]) > seq0, "SEQUENCE increased: %r" %
              ev["SEQUENCE"])
    check_copies(got, now2, "7 April update")

    # 21 March 09:00 GMT: just over 3 days before, no reminder yet.
    before = len(h.reminders)
    d.ok("debug", "advance", "8d")
    check(not wait_reminders(h, before, 1, timeout=1),
          "no reminder before presenter_reminder_days")
    # By 22 March 09:00 each presenter of 24 March has one.
    d.ok("debug", "advance", "1d")
    first = presenters(d, "gs-20260324")
    rem = wait_reminders(h, before, len(first))
    check(sorted(r for r, _ in rem) == sorted(addr(p) for p in first),
          "one reminder to each presenter of 24 March: %r" %
          [r for r, _ in rem])
    for rcpt, msg in rem:
        slug = rcpt.split("@")[0]
        text = everything(msg)
        check(first[slug] in text, "the reminder has %s's case" % slug)
        check(not [c for c in ALL_CASES if c != first[slug] and c in text],
              "the reminder carries no other case")
        check("moved" not in text, "a first reminder says nothing moved")
    d.ok("plan")
    d.ok("debug", "advance", "1h")
    check(len(wait_reminders(h, before, len(first) + 1, timeout=1)) ==
          len(first), "a reminder goes once")

    # Moving the session: updates and a new reminder saying so.
    before = len(h.reminders)
    seen_upd = mail.seen
    d.ok("session", "move", "gs-20260324", "start=2026-03-23T14:00")
    got = invites(mail.wait(len(TEAM)))
    check(len(got) == len(TEAM), "an update each for the move: %d" %
          len(got))
    rem = wait_reminders(h, before, len(first))
    check(sorted(r for r, _ in rem) == sorted(addr(p) for p in first),
          "a new reminder to each presenter after the move: %r" %
          [r for r, _ in rem])
    for rcpt, msg in rem:
        text = everything(msg)
        check("Your presentation moved" in text,
              "the new reminder says the presentation moved")
        check(first[rcpt.split("@")[0]] in text, "with their case")
    check(mail.seen >= seen_upd + len(TEAM), "updates received")
    d.stop()


if __name__ == "__main__":
    rt.run(main, limit=100)
