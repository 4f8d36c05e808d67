"""The schedule through the daemon: series refused with reasons, a
fortnightly series at 10:00 local on both sides of the March change in the
schedule JSON, a psychologist's absence giving cover and changing nothing
else, plan twice with zeros the second time, and one alert to the manager
when a session becomes uncovered."""

import os
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

FAKE_NOW = "2026-03-01T09:00:00Z"
RULE = "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"


def org(d):
    for t in ("north", "south"):
        d.ok("team", "add", t, "name=MAST " + t.title(), "kind=mast")
        d.ok("member", "add", "mgr-" + t, "name=Manager " + t.title(),
             "email=mgr-%s@example.org" % t, "role=manager", "team=" + t)
        d.ok("member", "add", "psy-" + t, "name=Dr " + t.title(),
             "email=psy-%s@example.org" % t, "role=psychologist",
             "team=" + t)
        for i in range(3):
            d.ok("member", "add", "sw%d-%s" % (i, t),
                 "name=Worker %d %s" % (i, t),
                 "email=sw%d-%s@example.org" % (i, t),
                 "role=social_worker", "team=" + t)
        d.ok("team", "set", t, "manager=mgr-" + t, "psychologist=psy-" + t)


def sessions(d, *words):
    res = d.ok("schedule", *words)
    s = res.get("sessions")
    check(isinstance(s, list), "schedule has a sessions list: %r" % res)
    return s or []


def alerts(d):
    msgs = d.ok("outbox").get("messages") or []
    return [m for m in msgs if m.get("kind") == "uncovered_alert"]


def main():
    d = rt.Instance()
    d.start(fake_now=FAKE_NOW)
    org(d)

    # Refusals say which field and why.
    base = ["series", "add", "gs", "kind=group_supervision", "team=north",
            "start=2026-03-03T10:00", "duration=90"]
    for extra, why in ((["rrule=FREQ=HOURLY"], "more often than daily"),
                       (["rrule=FREQ=WEEKLY;BYDAY=XX"], "rrule"),
                       (["rrule=NONSENSE"], "rrule")):
        r = d.refused(base + extra, "invalid")
        check(why in (r.get("message") or ""),
              "refusal of %r says %r: %r" % (extra, why, r.get("message")))
    r = d.refused(["series", "add", "gs", "kind=group_supervision",
                   "team=north", RULE, "start=2026-03-29T01:30",
                   "duration=90"], "invalid")
    check("start" in (r.get("message") or ""),
          "a start in the DST gap is refused: %r" % r)
    d.refused(base[:4] + ["teams=north,south", RULE] + base[5:], "invalid")
    d.refused(base + [RULE, "duration=5"], "usage")
    d.refused(["series", "add", "gs", "kind=group_supervision",
               "team=north", RULE, "start=2026-03-03T10:00",
               "duration=5"], "invalid")
    d.refused(base + [RULE, "psychologist=sw0-north"], "invalid")
    d.refused(["series", "add", "gs", "kind=group_supervision",
               "team=nowhere", RULE, "start=2026-03-03T10:00",
               "duration=90"], "not_found")

    s = d.ok(*(base + [RULE, "location=Room 1"]))
    check(s.get("slots") == 2 and s.get("teams") == ["north"],
          "series add result: %r" % s)
    d.ok("series", "add", "gs-south", "kind=group_supervision",
         "team=south", "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
         "start=2026-03-05T10:00", "duration=90")
    rp = d.ok("series", "add", "rp", "kind=reflective_practice",
              "teams=north,south", "rrule=FREQ=MONTHLY;BYDAY=1WE",
              "start=2026-03-04T14:00", "duration=120")
    check(rp.get("psychologist") == "psy-north" and rp.get("slots") == 0,
          "reflective practice defaults: %r" % rp)
    listed = [x.get("slug") for x in d.ok("series", "list").get("series")]
    check(listed == ["gs", "gs-south", "rp"], "series list: %r" % listed)

    north = [x for x in sessions(d, "team=north", "to=2026-04-20")
             if x.get("series") == "gs"]
    starts = [x.get("start") for x in north]
    check(starts == ["2026-03-03T10:00:00+00:00",
                     "2026-03-17T10:00:00+00:00",
                     "2026-03-31T10:00:00+01:00",
                     "2026-04-14T10:00:00+01:00"],
          "10:00 local across the change: %r" % starts)
    first = north[0] if north else {}
    check(first.get("id") == "gs-20260303" and
          first.get("psychologist") == "psy-north" and
          first.get("state") == "planned" and
          first.get("kind") == "group_supervision" and
          first.get("location") == "Room 1" and
          first.get("presenters") == [] and
          first.get("end") == "2026-03-03T11:30:00+00:00",
          "a session's fields: %r" % first)
    allv = sessions(d, "to=2026-12-31")
    keys = [(x["start"][:10], x["id"]) for x in allv]
    check(keys == sorted(keys), "schedule ordered by start: %r" % keys[:5])
    st = d.ok("status")
    check(st.get("sessions_planned", 0) > 10,
          "status counts planned sessions: %r" % st.get("sessions_planned"))

    # Without --json: a week-by-week agenda whose columns line up, with
    # the cross-team reflective practice naming its teams at the end.
    # The column headings come first.
    rc, _, out, _ = d.ctl("schedule", "to=2026-03-08", json_out=False)
    lines = out.splitlines()
    rows = [x for x in lines if x.startswith("  ")]
    check(rc == 0 and len(lines) > 1 and lines[0].startswith("when ") and
          "psychologist" in lines[0] and
          lines[1] == "Week of Mon 2 Mar 2026" and
          len(rows) == 3, "agenda: %r" % out)
    check(any(x.endswith(" rp (north, south)") for x in rows) and
          any(x.endswith(" gs (north)") for x in rows),
          "series and teams end the line: %r" % rows)
    cols = set(x.index("psy-") for x in rows)
    check(len(cols) == 1 and all(len(x) < 80 for x in rows),
          "the columns line up: %r" % rows)

    p = d.ok("plan")
    check(p == {"created": 0, "updated": 0, "cancelled": 0,
                "messages_queued": 0}, "plan after the changes: %r" % p)
    p = d.ok("plan")
    check(p == {"created": 0, "updated": 0, "cancelled": 0,
                "messages_queued": 0}, "plan twice: %r" % p)

    # Absence: cover, and nothing else changes.
    before = {x["id"]: x for x in sessions(d, "to=2026-12-31")}
    leave = d.ok("absence", "add", "psy-north", "from=2026-03-16",
                 "to=2026-03-18", "reason=leave")
    after = {x["id"]: x for x in sessions(d, "to=2026-12-31")}
    check(sorted(before) == sorted(after), "same sessions after absence")
    changed = [i for i in after if after[i] != before.get(i)]
    check(changed == ["gs-20260317"], "only the absent day changed: %r" %
          changed)
    cov = after.get("gs-20260317", {})
    check(cov.get("psychologist") == "psy-south",
          "psy-south covers: %r" % cov)
    show = d.ok("session", "show", "gs-20260317")
    check("covered by" in (show.get("cover_reason") or ""),
          "cover reason: %r" % show.get("cover_reason"))
    check(alerts(d) == [], "no alert while covered")
    p = d.ok("plan")
    check(p.get("updated") == 0 and p.get("created") == 0,
          "plan after cover: %r" % p)

    # Uncovered: both psychologists away; one alert, once.
    away = d.ok("absence", "add", "psy-south", "from=2026-03-17",
                "to=2026-03-17")
    show = d.ok("session", "show", "gs-20260317")
    check(show.get("psychologist") is None,
          "uncovered session: %r" % show.get("psychologist"))
    a = alerts(d)
    check(len(a) == 1 and a[0].get("to") == "mgr-north@example.org",
          "one uncovered alert to the manager: %r" % a)
    p = d.ok("plan")
    check(p.get("messages_queued") == 0 and p.get("updated") == 0,
          "no second alert: %r" % p)
    check(len(alerts(d)) == 1, "still one alert")

    # Back: psy-south can cover again, then psy-north takes the session
    # back (SPEC 5, step 3), where a cover once chosen used to stay.
    d.ok("absence", "remove", str(away.get("id")))
    show = d.ok("session", "show", "gs-20260317")
    check(show.get("psychologist") == "psy-south",
          "psy-south covers again: %r" % show.get("psychologist"))
    d.ok("absence", "remove", str(leave.get("id")))
    show = d.ok("session", "show", "gs-20260317")
    check(show.get("psychologist") == "psy-north" and
          "covered by" not in (show.get("cover_reason") or ""),
          "psy-north back from leave takes the session back: %r, %r"
          % (show.get("psychologist"), show.get("cover_reason")))
    d.ok("absence", "add", "psy-north", "from=2026-03-16", "to=2026-03-18",
         "reason=leave")
    d.ok("absence", "add", "psy-south", "from=2026-03-17", "to=2026-03-17")

    # Series set replans; series remove cancels the future ones.
    d.ok("series", "set", "gs", "location=Room 2")
    loc = [x.get("location") for x in sessions(d, "team=north")
           if x.get("series") == "gs"]
    check(loc and all(x == "Room 2" for x in loc),
          "series set moves the location: %r" % loc)
    r = d.ok("series", "remove", "rp")
    check(r.get("cancelled", 0) > 0, "series remove cancels: %r" % r)
    d.refused(["series", "show", "rp"], "not_found")
    # Its cancelled sessions stay in both teams' schedules.
    for t in ("north", "south"):
        gone = [x for x in sessions(d, "team=" + t)
                if x.get("series") == "rp"]
        check(gone and all(x.get("state") == "cancelled" and
                           x.get("teams") == ["north", "south"]
                           for x in gone),
              "a removed series' sessions stay in %s: %r" % (t, gone[:2]))

    # Holiday files: a broken one refuses the reload, naming the file, and
    # keeps the old configuration; a good one skips its dates.
    bad = os.path.join(d.tmp, "bad.ics")
    with open(bad, "w") as f:
        f.write("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\n"
                "END:VCALENDAR\n")
    d.write_config({"schedule": {"holidays": bad}})
    r = d.refused(["reload"], None)
    check("bad.ics" in (r.get("message") or ""),
          "reload names the broken holiday file: %r" % r)
    good = os.path.join(d.tmp, "good.ics")
    with open(good, "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                "BEGIN:VEVENT\r\nUID:h1@t\r\nDTSTAMP:20260101T000000Z\r\n"
                "DTSTART;VALUE=DATE:20260414\r\nSUMMARY:Holiday\r\n"
                "END:VEVENT\r\nEND:VCALENDAR\r\n")
    d.write_config({"schedule": {"holidays": good}})
    d.ok("reload")
    d.replanned()
    st = {x["id"]: x["state"] for x in sessions(d, "team=north")}
    check(st.get("gs-20260414") == "cancelled" and
          st.get("gs-20260428") == "planned",
          "a holiday cancels its session: %r" % st)
    d.stop()

    d.write_config({"schedule": {"holidays": bad}})
    d.start(fake_now=FAKE_NOW, wait=False)
    rc = d.wait(10.0)
    check(rc not in (None, 0), "a broken holiday file stops the start: %r" %
          rc)
    check("bad.ics" in d.log_tail(5), "the start-up error names the file")


rt.run(main)
