"""Weekly digests: once per recipient per week.

`digest send` queues the week's team, psychologist and manager digests
and says how many were queued and how many already sent; a second send,
a replan and a restart queue none again.  Moving the clock past the next
[digest] day/time sends the next week's, once, across a restart.  The
manager's digest has the caseload table with bars, the unfilled
presentation slots and presentations per member, and no case
references; the team digest names the presenters and has none either;
the psychologist's digest lists the cases to prepare.

What the digests look like: the caseload bars of the text and the HTML
are drawn to one scale with the limit marked on each ('|' in the text,
a dark line in the HTML) at the same place, an over-limit worker's bar
runs past the mark, the figures ("1.5 / 1.2") stand beside it, roles
are in words, each row says its status once, an empty table has no
introduction that contradicts its "none" line, and a team digest tells
its presenters "You are presenting on Tuesday 10 March", without the
case, and nobody else.
"""

import email
import email.policy
import html.parser
import re
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

FAKE_NOW = "2026-03-04T09:00:00Z"     # a Wednesday
CASE = "NW/1001"
CASE2 = "NW/1002"
NAMES = {"sw0": "Worker 0", "sw1": "Worker 1"}
# sw1 is a senior practitioner with a limit of 1.2 and a 1.5 case: over.
OVER_LIMIT = "1.2"
FILL = ("#c62828", "#ef6c00", "#2e7d32")
TEAM = ["mgr-north", "psy-north", "sw0", "sw1"]


def digests(d):
    msgs = d.ok("outbox").get("messages") or []
    return [m for m in msgs if str(m.get("kind", "")).endswith("_digest")]


def maildir_digest(d, kind):
    """Parsed messages in the Maildir whose subject fits kind."""
    out = []
    for sub in ("new", "cur"):
        for path in d.maildir_files(sub):
            with open(path, "rb") as f:
                msg = email.message_from_bytes(f.read(),
                                               policy=email.policy.default)
            if kind in str(msg["Subject"]):
                out.append(msg)
    return out


def body(msg):
    return "\n".join(p.get_content() for p in msg.walk()
                     if p.get_content_type() in ("text/plain", "text/html"))


def text_part(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_part(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


def text_bars(text):
    """(line, track steps, limit step, filled steps) of each text bar."""
    out = []
    for line in text.splitlines():
        m = re.search(r"\[([#.|]{10,})\]", line)
        if m is None:
            continue
        inner = m.group(1)
        check(inner.count("|") == 1, "one limit mark in a text bar: %r" %
              line)
        out.append((line, len(inner) - 1, inner.find("|"),
                    inner.count("#")))
    return out


class BarParser(html.parser.HTMLParser):
    """The bars of a digest's HTML, in order: (track px, limit px, fill
    px), and the text of each table row holding one."""

    def __init__(self):
        super().__init__()
        self.bars = []
        self.rows = []
        self.row = None
        self.bar = None
        self.td = None

    @staticmethod
    def style(attrs):
        return dict(kv.split(":", 1) for kv in
                    (dict(attrs).get("style") or "").split(";") if ":" in kv)

    def handle_starttag(self, tag, attrs):
        st = self.style(attrs)
        if tag == "table" and dict(attrs).get("role") == "presentation":
            self.bar = {"track": 0, "limit": None, "fill": 0}
        elif tag == "tr" and self.bar is None:
            self.row = {"text": "", "bars": 0}
        elif tag == "td" and self.bar is not None:
            self.td = int(st.get("width", "0px").rstrip("px"))
            if st.get("background") == "#222222":
                self.bar["limit"] = self.bar["track"]
                self.td = None
        elif tag == "div" and self.bar is not None and self.td is not None:
            self.bar["track"] += self.td
            if st.get("background") in FILL:
                self.bar["fill"] += self.td

    def handle_endtag(self, tag):
        if tag == "table" and self.bar is not None:
            self.bars.append((self.bar["track"], self.bar["limit"],
                              self.bar["fill"]))
            if self.row is not None:
                self.row["bars"] += 1
            self.bar = None
        elif tag == "tr" and self.bar is None and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.row is not None and self.bar is None:
            self.row["text"] += data + " "


def html_bars(text):
    p = BarParser()
    p.feed(text)
    return p.bars, [r["text"] for r in p.rows if r["bars"]]


def check_bars(msg):
    """The caseload bars of a manager digest, text against HTML."""
    text, html = text_part(msg), html_part(msg)
    tb = text_bars(text)
    hb, hrows = html_bars(html)
    check(len(tb) >= 2 and len(tb) == len(hb),
          "as many bars in the text as in the HTML: %d, %d" %
          (len(tb), len(hb)))
    check(len({(t[1], t[2]) for t in tb}) == 1,
          "every text bar has the same track and limit mark: %r" % tb)
    check(len({(h[0], h[1]) for h in hb}) == 1,
          "every HTML bar has the same track and limit line: %r" % hb)
    for (line, track, limit, fill), (px, lpx, fpx) in zip(tb, hb):
        check(lpx is not None and px > 0, "the HTML bar marks the limit: "
              "%r" % ((px, lpx, fpx),))
        if lpx is None or px == 0:
            continue
        check(abs(limit / track - lpx / px) < 1e-9 and
              abs(fill / track - fpx / px) < 1e-9,
              "text and HTML bars on one scale: %r against %r" %
              (line, (px, lpx, fpx)))
        check(0 < limit < track, "the limit lies inside the track: %r" %
              line)
    rows = {}
    for line, track, limit, fill in tb:
        for slug, name in NAMES.items():
            if name in line:
                rows.setdefault(slug, []).append((line, limit, fill))
    check(len(rows.get("sw1", [])) == 2,
          "the over-limit worker has a bar in both caseload tables: %r" %
          rows.get("sw1"))
    for line, limit, fill in rows.get("sw1", []):
        check(fill > limit, "an over-limit bar runs past the mark: %r" %
              line)
        check("1.5 / " + OVER_LIMIT in line,
              "the figures stand beside the bar: %r" % line)
        check(len(re.findall(r"\bover\b", line)) == 1,
              "the status is said once: %r" % line)
    for line, limit, fill in rows.get("sw0", []):
        check(0 < fill <= limit, "a bar within the limit stops short of "
              "the mark: %r" % line)
        check("1.5 / 15" in line, "the figures beside the bar: %r" % line)
        check(len(re.findall(r"\bok\b", line)) == 1,
              "the status is said once: %r" % line)
    for row in hrows:
        words = re.findall(r"\b(over|approaching|ok)\b", row)
        check(len(words) == 1, "one status per HTML row: %r" % row)
    both = text + html
    check("senior practitioner" in both and "social worker" in both,
          "roles are in words")
    check("senior_practitioner" not in both and "social_worker" not in both,
          "no role is printed as its configuration name")


def check_no_contradiction(msg):
    """An empty table says so, with no introduction that says otherwise."""
    for text in (text_part(msg), html_part(msg)):
        if "Every session is covered." in text:
            check("No psychologist is free" not in text and
                  "Nobody is free for these" not in text,
                  "an introduction to uncovered sessions above 'Every "
                  "session is covered': %r" %
                  text[text.find("Uncovered"):][:300])


def org(d):
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("team", "add", "south", "name=MAST South", "kind=mast")
    d.ok("member", "add", "mgr-north", "name=Morgan Manager",
         "email=mgr-north@example.org", "role=manager", "team=north")
    d.ok("member", "add", "psy-north", "name=Dr Pat Psych",
         "email=psy-north@example.org", "role=psychologist", "team=north")
    d.ok("member", "add", "sw0", "name=Worker 0", "email=sw0@example.org",
         "role=social_worker", "team=north", "start=2025-01-01")
    d.ok("member", "add", "sw1", "name=Worker 1", "email=sw1@example.org",
         "role=senior_practitioner", "team=north", "start=2025-01-01",
         "limit=" + OVER_LIMIT)
    d.ok("member", "add", "sw-south", "name=South Worker",
         "email=sw-south@example.org", "role=social_worker", "team=south")
    d.ok("team", "set", "north", "manager=mgr-north",
         "psychologist=psy-north")
    d.ok("case", "add", CASE, "kind=cp", "lead=sw0")
    d.ok("case", "add", CASE2, "kind=cp", "lead=sw1")
    # Three slots for two workers: one stays unfilled.
    d.ok("series", "add", "gs", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "start=2026-03-10T10:00",
         "duration=90", "location=Room 1", "slots=3")


def main():
    d = rt.Instance()
    d.start(fake_now=FAKE_NOW)
    org(d)
    check(digests(d) == [], "no digest before the day or a send")

    r = d.ok("digest", "send", "kind=team", "to=sw0")
    check(r.get("queued") == 1, "one member's team digest: %r" % r)
    r = d.ok("digest", "send")
    want = len(TEAM) + 1 + 1 + 1   # team (+ south), psychologist, manager
    check(r.get("queued") == want - 1 and r.get("already_sent") == 1,
          "digest send queues the rest of the week's: %r" % r)
    check(str(r.get("week", "")).startswith("2026-W10"), "week: %r" % r)
    r = d.ok("digest", "send")
    check(r.get("queued") == 0 and r.get("already_sent") == want,
          "a second send queues none: %r" % r)
    d.ok("plan")
    check(len(digests(d)) == want, "a replan adds no digest")
    d.refused(["digest", "send", "kind=weekly"], "invalid")
    d.refused(["digest", "send", "to=nobody-here"], "not_found")

    d.stop()
    d.start(fake_now="2026-03-05T09:00:00Z")
    r = d.ok("digest", "send")
    check(r.get("queued") == 0, "after a restart, none again: %r" % r)

    # Monday 9 March 07:30: next week's, once.
    d.ok("debug", "advance", "4d")
    check(len(digests(d)) == 2 * want, "the timer sent week 11's: %d" %
          len(digests(d)))
    d.stop()
    d.start(fake_now="2026-03-09T12:00:00Z")
    d.ok("debug", "advance", "1d")
    d.ok("plan")
    check(len(digests(d)) == 2 * want, "a restart the same week adds "
          "none: %d" % len(digests(d)))
    d.ok("debug", "advance", "7d")
    check(len(digests(d)) == 3 * want, "and the week after, once more: %d" %
          len(digests(d)))

    # What they say.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and \
            len(maildir_digest(d, "(2026-W")) < 3 * want:
        time.sleep(0.1)
    mgr = maildir_digest(d, "caseloads")
    check(mgr, "manager digests were delivered")
    for m in mgr:
        text = body(m)
        check("Caseloads" in text and "Worker 0" in text,
              "the manager digest has the caseload table")
        check("background" in text, "bars are coloured in the HTML")
        check(CASE not in text, "no case reference in a manager digest")
        check(CASE2 not in text, "no case reference in a manager digest")
    team = [m for m in maildir_digest(d, "the next two weeks")
            if not str(m["Subject"]).startswith("Your")]
    check(team, "team digests were delivered")
    for m in team:
        check(CASE not in body(m) and CASE2 not in body(m),
              "no case reference in a team digest")
        check("Group supervision" in body(m) or
              "No sessions" in body(m), "the team digest lists sessions")

    # Week 10's (sent 4 March) cover the 10 March session: presenters.
    pres = {p.get("member"): p.get("case") for p in
            d.ok("session", "show", "gs-20260310").get("presenters") or []}
    check(sorted(pres) == ["sw0", "sw1"] and pres["sw0"] == CASE and
          pres["sw1"] == CASE2, "both workers present their case on "
          "10 March: %r" % pres)
    w10 = [m for m in maildir_digest(d, "(2026-W10)")]
    north = [m for m in w10 if str(m["Subject"]).startswith("MAST North: "
                                                           "the next")]
    check(len(north) == 4, "week 10's team digests for north: %d" %
          len(north))
    for m in north:
        text = body(m)
        check(all(n in text for n in NAMES.values()),
              "the team digest names the presenters")
        check(CASE not in text and CASE2 not in text,
              "the team digest names no case, not even to its presenter")
    presenting = "You are presenting on Tuesday 10 March"
    for m in north:
        to = str(m["To"])
        for text in (text_part(m), html_part(m)):
            if "sw0@" in to or "sw1@" in to:
                check(presenting in text, "the team digest tells its "
                      "presenter %s %r: %r" % (to, presenting, text[:400]))
                line = text[text.find(presenting):].splitlines()[0]
                check("NW/" not in line, "and names no case: %r" % line)
            else:
                check("You are presenting" not in text, "the team digest "
                      "of %s, who does not present, says they do" % to)
    for m in w10:
        check_no_contradiction(m)
    psy = [m for m in w10 if str(m["Subject"]).startswith("Your sessions")]
    check(len(psy) == 1, "one psychologist digest in week 10: %d" %
          len(psy))
    for m in psy:
        text = body(m)
        check("Cases to prepare" in text and CASE in text and
              CASE2 in text, "the psychologist digest lists the cases "
              "to prepare")
        check(all(n in text for n in NAMES.values()),
              "with who presents them")
    mgr = [m for m in w10 if "caseloads" in str(m["Subject"])]
    check(len(mgr) == 1, "one manager digest in week 10: %d" % len(mgr))
    for m in mgr:
        text = m.get_body(preferencelist=("plain",)).get_content()
        check("Unfilled presentation slots" in text and "1 of 3" in text,
              "the manager digest shows the unfilled slot: %r" %
              text[text.find("Unfilled"):][:300])
        sect = text[text.find("Presentations per member"):]
        check("Presentations per member" in text and
              all(n in sect for n in NAMES.values()),
              "the manager digest has presentations per member")
        check("2026-03-10" in sect, "with each one's next presentation: %r"
              % sect[:400])
        check_bars(m)
    d.stop()


if __name__ == "__main__":
    rt.run(main)
