"""Replies from any calendar become attendance; apologies free the slot.

The daemon reads [mail] inbox, a Maildir.  Replies are written here the
way Exchange/Outlook (multipart/alternative, base64 calendar, Windows zone
names, MAILTO: in capitals), Google Calendar (multipart/mixed, the
calendar inline and again as invite.ics, UTC times) and Thunderbird
(multipart/mixed, quoted-printable calendar, no alternative) build them,
and one as a bare calendar body.  Each is delivered as an MTA does (tmp/
then a rename into new/).

A presenter's Decline, well before the session and inside freeze_days,
records apologies, refills the slot at once and mails the change (the new
presenter is told they present, the one who declined that they no longer
do); an Accept after it clears the apologies.  A spoofed sender, an
unknown UID, a stale SEQUENCE, a non-attendee and a COUNTER are refused
with reasons; plain mail is ignored; malformed mail (binary, broken
base64, a calendar cut short, a 200 KB header) is read and listed without
harm.  Every file ends in cur/ with :2,S; a restart applies nothing
again.  Members send their own apologies through the socket, and a
member is refused for someone else.
"""

import base64
import email
import email.policy
import os
import shutil
import quopri
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

try:
    import icalendar
except ImportError:
    rt.skip("python3-icalendar is not installed")

FAKE_NOW = "2026-02-20T09:00:00Z"
WORKERS = ["sw0", "sw1", "sw2", "sw3"]
DOMAIN = "example.org"


def addr(slug):
    return "%s@%s" % (slug, DOMAIN)


class Box:
    """The replies Maildir, filled the way an MTA delivers."""

    def __init__(self, path):
        self.path = path
        self.n = 0
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)

    def deliver(self, raw):
        self.n += 1
        name = "%d.M%dP%d.test" % (int(time.time()), self.n, os.getpid())
        tmp = os.path.join(self.path, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw if isinstance(raw, bytes) else raw.encode())
        os.rename(tmp, os.path.join(self.path, "new", name))
        return name

    def new(self):
        return sorted(os.listdir(os.path.join(self.path, "new")))

    def cur(self):
        return sorted(os.listdir(os.path.join(self.path, "cur")))


def reply_cal(uid, who, partstat, seq, method="REPLY", tzid=None,
              mailto="mailto:"):
    if tzid:
        dt = "DTSTART;TZID=%s:20260407T100000\r\n" % tzid
    else:
        dt = "DTSTART:20260407T090000Z\r\n"
    return ("BEGIN:VCALENDAR\r\nPRODID:-//test//replies//EN\r\n"
            "VERSION:2.0\r\nMETHOD:%s\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
            "SEQUENCE:%d\r\nDTSTAMP:20260301T120000Z\r\n%s"
            "ATTENDEE;PARTSTAT=%s;CN=Someone:%s%s\r\n"
            "ORGANIZER:mailto:supervision@example.org\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n" %
            (method, uid, seq, dt, partstat, mailto, who))


def outlook(frm, uid, who, partstat, seq):
    cal = reply_cal(uid, who.upper(), partstat, seq,
                    tzid="GMT Standard Time", mailto="MAILTO:")
    b64 = base64.encodebytes(cal.encode()).decode()
    return ("From: Someone <%s>\r\nTo: supervision@example.org\r\n"
            "Subject: Declined: Group supervision\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
            "boundary=\"_000_X\"\r\n\r\n--_000_X\r\nContent-Type: text/plain;"
            " charset=\"us-ascii\"\r\n\r\nSorry.\r\n--_000_X\r\n"
            "Content-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s--_000_X--\r\n" %
            (frm, b64))


def google(frm, uid, who, partstat, seq):
    cal = reply_cal(uid, who, partstat, seq)
    b64 = base64.encodebytes(cal.encode()).decode()
    return ("From: %s\r\nTo: supervision@example.org\r\n"
            "Subject: Accepted: Group supervision\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"g1\"\r\n\r\n--g1\r\n"
            "Content-Type: multipart/alternative; boundary=\"g2\"\r\n\r\n"
            "--g2\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n"
            "Accepted\r\n--g2\r\nContent-Type: text/calendar; "
            "charset=\"UTF-8\"; method=REPLY\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n%s\r\n--g2--\r\n--g1\r\n"
            "Content-Type: application/ics; name=\"invite.ics\"\r\n"
            "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s--g1--\r\n" %
            (frm, cal, b64))


def thunderbird(frm, uid, who, partstat, seq, method="REPLY"):
    cal = reply_cal(uid, who, partstat, seq, method=method)
    qp = quopri.encodestring(cal.encode()).decode()
    return ("From: Someone <%s>\r\nTo: supervision@example.org\r\n"
            "Subject: Declined: Group supervision\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"tb\"\r\n\r\n--tb\r\n"
            "Content-Type: text/calendar; charset=UTF-8; method=%s\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n"
            "--tb--\r\n" % (frm, method, qp))


def bare(frm, uid, who, partstat, seq):
    cal = reply_cal(uid, who, partstat, seq)
    return ("From: %s\r\nTo: supervision@example.org\r\nSubject: Reply\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/calendar; "
            "method=REPLY; charset=UTF-8\r\n\r\n%s" % (frm, cal))


def outgoing(d):
    """Every message the daemon wrote to its Maildir, parsed."""
    out = []
    for path in d.maildir_files():
        with open(path, "rb") as f:
            out.append(email.message_from_bytes(f.read(),
                                                policy=email.policy.default))
    return out


def calendar(msg):
    for p in msg.walk():
        if p.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(p.get_payload(decode=True))
            return [c for c in cal.walk() if c.name == "VEVENT"][0]
    return None


def text_of(msg):
    for p in msg.walk():
        if p.get_content_type() == "text/plain":
            return p.get_content()
    return ""


def last_seq(d, sid, who):
    """The SEQUENCE of the newest message about sid to who."""
    seq = None
    for m in outgoing(d):
        if addr(who) not in str(m["To"]):
            continue
        ev = calendar(m)
        if ev is not None and str(ev["UID"]).startswith(sid + "@"):
            s = int(ev.get("SEQUENCE", 0))
            seq = s if seq is None else max(seq, s)
    return seq


def wait_inbox(d, n, timeout=12):
    """The inbox list once it holds n messages (newest first)."""
    return d.inbox_read(n, timeout)


def presenters(d, sid):
    x = d.ok("session", "show", sid)
    return {p.get("member"): p.get("case")
            for p in x.get("presenters") or [] if p.get("member")}


def attendance(d, sid, who):
    x = d.ok("session", "show", sid)
    for a in x.get("attendees") or []:
        if a.get("member") == who:
            return a.get("attendance")
    return "missing"


def mails_since(d, before, subject_prefix):
    out = []
    for path in d.maildir_files():
        if path in before:
            continue
        with open(path, "rb") as f:
            m = email.message_from_bytes(f.read(),
                                         policy=email.policy.default)
        if str(m["Subject"]).startswith(subject_prefix):
            out.append(m)
    return out


def main():
    tmp = rt.mkdtemp()
    box = Box(os.path.join(tmp, "inbox"))
    d = rt.Instance({"mail": {"inbox": box.path},
                     "daemon": {"socket_group": "nogroup"},
                     "schedule": {"freeze_days": "7"}}, mode=0o755)
    # nobody (sw3's login) runs the client beside the socket.
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    d.start(fake_now=FAKE_NOW)
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("member", "add", "mgr", "name=Morgan Manager", "email=" +
         addr("mgr"), "role=manager", "team=north")
    d.ok("member", "add", "psy", "name=Dr Pat Psych", "email=" +
         addr("psy"), "role=psychologist", "team=north")
    for i, w in enumerate(WORKERS):
        extra = ["login=nobody"] if w == "sw3" else []
        d.ok("member", "add", w, "name=Worker %d" % i, "email=" + addr(w),
             "role=social_worker", "team=north", "start=2025-01-01", *extra)
        for k in range(2):
            d.ok("case", "add", "NW/%d%d" % (i, k), "kind=cp", "lead=" + w,
                 "opened=2025-0%d-01" % (k + 2))
    d.ok("team", "set", "north", "manager=mgr", "psychologist=psy")
    d.ok("series", "add", "gs", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;BYDAY=TU", "start=2026-03-03T10:00",
         "duration=90", "slots=2")
    # 20 Feb: sessions of 3, 10 and 17 March are invited.
    time.sleep(0.5)
    s_far = "gs-20260317"      # outside freeze_days
    s_near = "gs-20260224"     # inside freeze_days (4 days ahead)
    d.ok("series", "add", "gs2", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;BYDAY=TU;COUNT=1", "start=2026-02-24T14:00",
         "duration=60", "slots=1")
    s_near = "gs2-20260224"
    time.sleep(0.5)

    # A presenter declines from Outlook, well ahead: apologies, refilled.
    pres = presenters(d, s_far)
    check(len(pres) == 2, "two presenters on %s: %r" % (s_far, pres))
    p = sorted(pres)[0]
    seq = last_seq(d, s_far, p)
    check(seq is not None, "%s was sent %s" % (p, s_far))
    before = set(d.maildir_files())
    box.deliver(outlook(addr(p).upper(), "%s@example.org" % s_far, addr(p),
                        "DECLINED", seq or 0))
    msgs = wait_inbox(d, 1)
    check(msgs and msgs[0].get("state") == "applied" and
          msgs[0].get("session") == s_far and msgs[0].get("member") == p and
          msgs[0].get("partstat") == "declined",
          "the Outlook decline is applied: %r" % msgs[:1])
    check(attendance(d, s_far, p) == "apologies",
          "apologies recorded for %s" % p)
    now = presenters(d, s_far)
    check(p not in now and len(now) == 2,
          "the declining presenter's slot is refilled: %r" % now)
    time.sleep(1.0)
    new = [w for w in now if w not in pres]
    upd = mails_since(d, before, "Updated:")
    told = {str(m["To"]).split("<")[-1].rstrip(">"): text_of(m)
            for m in upd}
    for w in new:
        check("You are now presenting case" in told.get(addr(w), ""),
              "the new presenter %s is told: %r" % (w, told.get(addr(w))))
    check("You are no longer presenting" in told.get(addr(p), ""),
          "the one who declined is told they no longer present: %r" %
          told.get(addr(p)))
    audit = d.ok("audit").get("entries") or d.ok("audit").get("audit") or []
    check(any("reply:" in str(e) for e in audit),
          "the reply is in the audit as reply:ADDRESS: %r" % audit[-3:])

    # Accept after decline (Google's shape) clears the apologies.
    seq = last_seq(d, s_far, p)
    box.deliver(google(addr(p), "%s@example.org" % s_far, addr(p),
                       "ACCEPTED", seq))
    msgs = wait_inbox(d, 2)
    check(msgs and msgs[0].get("state") == "applied" and
          msgs[0].get("partstat") == "accepted",
          "the Google accept is applied: %r" % msgs[:1])
    check(attendance(d, s_far, p) in (None, "expected", ""),
          "accepting clears the apologies: %r" % attendance(d, s_far, p))

    # Inside freeze_days: a declining presenter is still replaced.
    pres = presenters(d, s_near)
    check(len(pres) == 1, "one presenter on %s: %r" % (s_near, pres))
    q = list(pres)[0] if pres else "sw0"
    box.deliver(thunderbird(addr(q), "%s@example.org" % s_near, addr(q),
                            "DECLINED", last_seq(d, s_near, q) or 0))
    msgs = wait_inbox(d, 3)
    check(msgs and msgs[0].get("state") == "applied",
          "the Thunderbird decline is applied: %r" % msgs[:1])
    now = presenters(d, s_near)
    check(q not in now and len(now) == 1,
          "inside freeze_days the slot is refilled too: %r" % now)

    # Refusals, with reasons.
    uid = "%s@example.org" % s_far
    other = [w for w in WORKERS if w != p][0]
    cases = [
        (thunderbird(addr("mgr"), uid, addr(other), "DECLINED", 99),
         "sender mismatch"),
        (bare(addr(other), "gs-29990101@example.org", addr(other),
              "DECLINED", 0), "unknown session"),
        (google(addr(other), uid, addr(other), "DECLINED", 0), "stale"),
        (bare("stranger@example.org", uid, "stranger@example.org",
              "DECLINED", 99), "not an attendee"),
        (thunderbird(addr(other), uid, addr(other), "DECLINED", 99,
                     method="COUNTER"), "ask your manager"),
    ]
    n0 = len(wait_inbox(d, 3))
    for raw, _ in cases:
        box.deliver(raw)
    msgs = wait_inbox(d, n0 + len(cases))
    got = list(reversed(msgs[:len(cases)]))
    for (raw, why), m in zip(cases, got):
        check(m.get("state") == "refused" and why in (m.get("reason") or ""),
              "refused with %r: %r" % (why, m))
    check(attendance(d, s_far, other) != "apologies",
          "no refused reply changed %s's attendance" % other)

    # Plain and malformed mail: read, listed, harmless.
    junk = [
        "From: a@example.org\r\nSubject: lunch?\r\n\r\nSandwiches.\r\n",
        b"\x00\x01\x02\xff" * 100,
        "",
        ("From: a@example.org\r\nContent-Type: text/calendar\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"),
        ("From: %s\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n"
         "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
         % (addr(other), uid)),
        "X-Big: " + "a" * 200000 + "\r\nFrom: a@example.org\r\n\r\nhi\r\n",
    ]
    n0 = len(wait_inbox(d, n0 + len(cases)))
    for raw in junk:
        box.deliver(raw)
    msgs = wait_inbox(d, n0 + len(junk))
    check(len(msgs) == n0 + len(junk), "every junk message is listed: %d" %
          (len(msgs) - n0))
    check(all(m.get("state") in ("ignored", "refused")
              for m in msgs[:len(junk)]),
          "junk is ignored or refused: %r" %
          [(m.get("state"), m.get("reason")) for m in msgs[:len(junk)]])
    check(d.status().get("version"), "the daemon still answers")

    # Every file in cur/ with the S flag; nothing left in new/.
    check(box.new() == [], "nothing left in new/: %r" % box.new())
    check(len(box.cur()) == n0 + len(junk) and
          all(n.endswith(":2,S") for n in box.cur()),
          "every message in cur/ with :2,S: %r" % box.cur()[:3])

    # A restart applies nothing again.
    total = len(msgs)
    d.stop()
    d.start(fake_now=FAKE_NOW)
    time.sleep(1.0)
    check(len(d.ok("inbox", "limit=1000").get("messages", [])) == total,
          "a restart reads nothing again")

    # Members' own apologies, and only their own.
    sid = "gs-20260310"
    rc, obj, out, err = d.ctl("session", "attend", sid, "member=me",
                              "status=apologies", user="nobody", ctl=ctl)
    check(rc == 0 and obj and obj.get("ok"),
          "sw3 sends their own apologies: %r %r" % (out, err))
    reply = (obj or {}).get("result") or {}
    shown = [p.get("member") for p in reply.get("presenters") or []]
    check("sw3" not in shown and
          set(m for m in shown if m) == set(presenters(d, sid)),
          "the reply shows the presenters after the replan: %r" % shown)
    check(not [p for p in reply.get("presenters") or []
               if p.get("case") and p.get("member") != "sw3"],
          "a member's reply carries no one else's case: %r" %
          reply.get("presenters"))
    check(attendance(d, sid, "sw3") == "apologies",
          "sw3's apologies recorded")
    check("sw3" not in presenters(d, sid), "and sw3 does not present")
    rc, obj, out, err = d.ctl("session", "attend", sid, "member=sw0",
                              "status=apologies", user="nobody", ctl=ctl)
    check(rc == 1 and obj and obj.get("error") == "forbidden",
          "a member is refused for someone else: %r" % out)
    rc, obj, out, err = d.ctl("session", "attend", sid, "member=me",
                              "status=attended", user="nobody", ctl=ctl)
    check(rc == 0 and attendance(d, sid, "sw3") != "apologies",
          "attended takes the apologies back")
    d.stop()


if __name__ == "__main__":
    rt.run(main, limit=120)
