"""Sessions through the daemon: a manager's cancel and move survive a
replan and a restart; the test clock moving past sessions makes them held
with attendance by default and moves the supervision gaps; apologies are
kept; a psychologist sees, as their own unix user, the sessions they
facilitate and cover across teams (psychologist=me), and no other."""

import grp
import os
import pwd
import shutil
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

FAKE_NOW = "2026-03-01T09:00:00Z"


def org(d):
    for t in ("north", "south"):
        d.ok("team", "add", t, "name=MAST " + t.title(), "kind=mast")
        d.ok("member", "add", "mgr-" + t, "name=Manager " + t.title(),
             "email=mgr-%s@example.org" % t, "role=manager", "team=" + t)
        words = ["member", "add", "psy-" + t, "name=Dr " + t.title(),
                 "email=psy-%s@example.org" % t, "role=psychologist",
                 "team=" + t]
        if t == "south":
            words.append("login=nobody")
        d.ok(*words)
        for i in range(3):
            d.ok("member", "add", "sw%d-%s" % (i, t),
                 "name=Worker %d %s" % (i, t),
                 "email=sw%d-%s@example.org" % (i, t),
                 "role=asye" if i == 2 else "role=social_worker",
                 "team=" + t, "start=2026-01-05")
        d.ok("team", "set", t, "manager=mgr-" + t, "psychologist=psy-" + t)
    d.ok("series", "add", "gs-north", "kind=group_supervision",
         "team=north", "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
         "start=2026-03-03T10:00", "duration=90", "location=Room 1")
    d.ok("series", "add", "gs-south", "kind=group_supervision",
         "team=south", "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
         "start=2026-03-05T10:00", "duration=90")


def gaps(d, *words):
    rows = d.ok("gaps", *words).get("members") or []
    return {r.get("member"): r for r in rows}


def main():
    try:
        grp.getgrnam("nogroup")
        d = rt.Instance(overrides={"daemon": {"socket_group": "nogroup"}},
                        mode=0o755)
    except KeyError:
        d = rt.Instance()
    d.start(fake_now=FAKE_NOW)
    org(d)

    g = gaps(d, "team=north")
    check(sorted(g) == ["sw0-north", "sw1-north", "sw2-north"],
          "gaps lists case-holding members: %r" % sorted(g))
    check(g.get("sw2-north", {}).get("max_gap_days") == 14 and
          g.get("sw0-north", {}).get("max_gap_days") == 28,
          "max_gap_days by role: %r" % g)
    check(g.get("sw0-north", {}).get("last_attended") is None and
          g.get("sw0-north", {}).get("overdue") is True,
          "never attended since January is overdue: %r" %
          g.get("sw0-north"))

    c = d.ok("session", "cancel", "gs-north-20260317",
             "reason=training day")
    check(c.get("state") == "cancelled" and c.get("manual") is True,
          "cancelled: %r" % c)
    m = d.ok("session", "move", "gs-north-20260331",
             "start=2026-04-01T14:00", "location=Room 9")
    check(m.get("start") == "2026-04-01T14:00:00+01:00" and
          m.get("location") == "Room 9" and m.get("id") ==
          "gs-north-20260331", "moved, same id: %r" % m)
    d.refused(["session", "move", "gs-north-20260414",
               "start=2026-03-29T01:30"], "invalid")
    d.refused(["session", "show", "gs-north-20990101"], "not_found")
    d.refused(["session", "attend", "gs-north-20260303", "member=sw0-north",
               "status=maybe"], "invalid")

    def states():
        s = d.ok("schedule", "team=north", "from=2026-03-01",
                 "to=2026-04-30").get("sessions") or []
        return {x["id"]: (x["state"], x["start"], x.get("location"))
                for x in s}

    want = states()
    d.ok("series", "set", "gs-north", "location=Room 2")
    p = d.ok("plan")
    check(p.get("cancelled") == 0 and p.get("created") == 0,
          "plan after set: %r" % p)
    now = states()
    check(now.get("gs-north-20260317") == want.get("gs-north-20260317") and
          now.get("gs-north-20260331") == want.get("gs-north-20260331"),
          "cancel and move survive a replan: %r" % now)
    check(now.get("gs-north-20260414", ("", "", ""))[2] == "Room 2",
          "the others follow the series: %r" % now)

    d.stop()
    d.start(fake_now=FAKE_NOW)
    again = states()
    check(again == now, "cancel and move survive a restart: %r" % again)
    p = d.ok("plan")
    check(p == {"created": 0, "updated": 0, "cancelled": 0,
                "messages_queued": 0}, "plan after restart: %r" % p)

    # Attendance before the session, then the clock moves past it.
    d.ok("session", "attend", "gs-north-20260303", "member=sw1-north",
         "status=apologies")
    d.ok("debug", "advance", "14d")
    s = d.ok("session", "show", "gs-north-20260303")
    check(s.get("state") == "held", "held after its end: %r" %
          s.get("state"))
    att = {a["member"]: a.get("attendance") for a in s.get("attendees", [])}
    check(att.get("sw0-north") == "attended" and
          att.get("sw1-north") == "apologies",
          "attendance defaults and apologies: %r" % att)
    s2 = d.ok("session", "show", "gs-south-20260305")
    check(s2.get("state") == "held", "the other team's too: %r" %
          s2.get("state"))
    g = gaps(d, "team=north")
    check(g.get("sw0-north", {}).get("last_attended") == "2026-03-03" and
          g.get("sw0-north", {}).get("days_since") == 12 and
          g.get("sw0-north", {}).get("overdue") is False,
          "gap moved: %r" % g.get("sw0-north"))
    check(g.get("sw1-north", {}).get("last_attended") is None,
          "apologies do not count: %r" % g.get("sw1-north"))
    st = d.ok("status")
    check(isinstance(st.get("sessions_planned"), int), "status: %r" % st)

    psychologist_view(d)
    d.stop()


def psychologist_view(d):
    """psy-south (login nobody) sees their sessions and the one they cover."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        rt.log("not root or no setpriv: psychologist view not checked")
        return
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        rt.log("no nobody/nogroup: psychologist view not checked")
        return
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    rc, obj, out, err = d.ctl("status", user="nobody", ctl=ctl)
    if rc == 3:
        rt.log("nobody cannot reach the socket here: not checked")
        return
    d.ok("absence", "add", "psy-north", "from=2026-04-14", "to=2026-04-14")
    as_psy = {"user": "nobody", "ctl": ctl}
    mine = d.ok("schedule", "psychologist=me", **as_psy).get("sessions")
    ids = [x["id"] for x in mine or []]
    check("gs-north-20260414" in ids and "gs-south-20260319" in ids,
          "psychologist=me shows own and covered sessions: %r" % ids)
    check(all(x.get("psychologist") == "psy-south" for x in mine or []),
          "only theirs: %r" % mine)
    dflt = d.ok("schedule", **as_psy).get("sessions")
    check([x["id"] for x in dflt or []] == ids,
          "a psychologist's default schedule is their own: %r" % dflt)
    d.refused(["schedule", "team=north"], "forbidden", **as_psy)
    d.refused(["session", "cancel", "gs-north-20260414"], "forbidden",
              **as_psy)
    d.ok("session", "show", "gs-north-20260414", **as_psy)
    d.refused(["session", "show", "gs-north-20260428"], "forbidden",
              **as_psy)
    d.refused(["plan"], "forbidden", **as_psy)
    rc, obj, out, err = d.ctl("schedule", json_out=False, **as_psy)
    check(rc == 0 and "Week of" in out and "gs-north" in out,
          "human agenda: %r" % out[:400])


rt.run(main)
