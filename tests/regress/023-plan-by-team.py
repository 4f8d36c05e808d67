"""A manager's `plan` on an organisation whose replan of every team at once
held the loop longer than 50 ms goes team by team, as the daily replan
does: its answer waits for the last team while other clients are served,
it counts what the teams' runs changed, and the result is the one a run
of every team at once gives.  A client that sends plan and goes away, and
two plans waiting at once, are both fine.

A plan with nothing written since the last passes every team by (their
runs changed nothing, and would again), and so does the first plan after a
restart (whose run of every team at once notes them all); a write, or the
clock reaching a session's time of day, plans them again, and what the
time alone brings (a session a week ahead coming into the invitation
window) is done."""

import os
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

FAKE_NOW = "2026-01-05T09:00:00Z"
TEAMS = 120
WORKERS = 8          # per team
DAYS = ["MO", "TU", "WE", "TH"]
DATES = {"MO": "2026-01-12", "TU": "2026-01-13", "WE": "2026-01-14",
         "TH": "2026-01-15"}


def ok(c, line):
    r = c.request(line)
    check(r is not None and r.get("ok"), "%s: %r" % (line[:60], r))
    return (r or {}).get("result") or {}


def org(d):
    """120 teams, their managers, 30 psychologists and 960 workers, and a
    fortnightly series each; on one connection, no reflectctl per line."""
    c = d.connect(timeout=60)
    for t in range(TEAMS):
        ok(c, "team add t%03d name=Team%d kind=mast" % (t, t))
    path = os.path.join(d.tmp, "members.csv")
    with open(path, "w") as f:
        f.write("slug,name,email,role,team\n")
        for t in range(TEAMS):
            f.write("m%03d,Manager %d,m%03d@example.org,manager,t%03d\n"
                    % (t, t, t, t))
            for w in range(WORKERS):
                f.write("w%03d-%d,Worker %d,w%03d-%d@example.org,"
                        "social_worker,t%03d\n" % (t, w, w, t, w, t))
        for p in range(TEAMS // 4):
            f.write("p%03d,Dr %d,p%03d@example.org,psychologist,t%03d\n"
                    % (p, p, p, p * 4))
    d.ok("import", "members", path)
    for t in range(TEAMS):
        ok(c, "team set t%03d manager=m%03d psychologist=p%03d"
           % (t, t, t // 4))
    for t in range(TEAMS):
        day = DAYS[t % 4]
        hour = 10 if (t // 4) % 2 == 0 else 14
        ok(c, "series add gs-t%03d kind=group_supervision team=t%03d "
           "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=%s start=%sT%02d:00 "
           "duration=90 location=Room" % (t, t, day, DATES[day], hour))
    c.close()


def main():
    # Digests on Fridays: a start on Monday after the digests' time would
    # queue the week's digests a minute later, and mail queued in the
    # middle of a plan's sweep makes the teams noted before it be planned
    # again, which a slow run (distcheck) saw as a plan that passed 72 of
    # the 120 teams by.
    d = rt.Instance(overrides={"schedule": {"horizon_days": "365",
                                            "invite_days": "7"},
                               "digest": {"day": "FR"}})
    d.start(fake_now=FAKE_NOW)
    org(d)

    # The first plan of every team runs at once and is timed.
    a = d.connect(timeout=120)
    first = ok(a, "plan")
    check(first.get("created") == 0 and first.get("cancelled") == 0,
          "the organisation was planned as it grew: %r" % first)
    log = d.log_text()
    lines = [l for l in log.splitlines()
             if "control:" in l and ": plan in " in l]
    held = [float(l.split(" in ")[1].split()[0]) for l in lines]
    # A slow machine (or ASan) may have taken an import's run of every
    # team past 50 ms already: then this first plan went team by team.
    by_team = bool(lines) and "answer to follow" in lines[-1]
    if not by_team and (not held or held[-1] <= 50):
        rt.skip("a plan of every team took %s ms here: under the 50 ms "
                "that sends plan team by team" % (held[-1:] or "?"))

    # Now plan goes team by team: a status on another connection is
    # answered before it.  A write first, which changes no plan, so that
    # no team is passed by as unchanged since the last plan.
    b = d.connect(timeout=120)
    ok(b, "member set m000 fte=1")
    a.send("plan\n")
    time.sleep(0.05)
    t0 = time.monotonic()
    st = b.request("status")
    waited = time.monotonic() - t0
    check(st is not None and st.get("ok"), "status during the plan: %r"
          % st)
    left = ((st or {}).get("result") or {}).get("replan", {}).get(
        "teams_left", 0)
    check(left > 0, "status shows the teams still to plan: %r" % left)
    check(waited < 1.0, "status waited %.3f s behind the plan" % waited)
    r = a.reply()
    check(r is not None and r.get("ok"), "plan's answer at its end: %r" % r)
    res = (r or {}).get("result") or {}
    check({k: res.get(k) for k in ("created", "updated", "cancelled",
                                   "messages_queued")} ==
          {"created": 0, "updated": 0, "cancelled": 0,
           "messages_queued": 0},
          "a plan team by team with nothing to change changes nothing: %r"
          % res)
    log = d.log_text()
    check("answer to follow" in log and "manual replan done" in log,
          "the log says the plan went team by team")

    # A change, then plan team by team: it counts what the teams' runs did.
    ok(b, "series add gs-extra kind=group_supervision team=t007 "
       "rrule=FREQ=WEEKLY;INTERVAL=4;BYDAY=FR start=2026-01-16T10:00 "
       "duration=60 location=Room")
    ok(b, "series remove gs-extra")
    r = a.request("plan")
    check(r is not None and r.get("ok"), "plan after a change: %r" % r)

    # Two plans waiting at once, and one whose client went away.
    c = d.connect(timeout=120)
    gone = d.connect(timeout=5)
    gone.send("plan\n")
    time.sleep(0.02)
    gone.close()
    a.send("plan\n")
    c.send("plan\n")
    ra, rc = a.reply(), c.reply()
    check(ra is not None and ra.get("ok") and rc is not None and
          rc.get("ok"), "both waiting plans answered: %r %r" % (ra, rc))
    check(d.status().get("replan", {}).get("teams_left") == 0,
          "no team left after the plans")

    # Nothing written: the second plan passes every team by.
    def passed_by():
        done = [l for l in d.log_text().splitlines()
                if "manual replan done" in l]
        check(done, "the log says how the plan went")
        return int(done[-1].split("; ")[1].split()[0]) if done else -1

    zero = {"created": 0, "updated": 0, "cancelled": 0, "messages_queued": 0}
    ok(a, "plan")
    check(ok(a, "plan") == zero and passed_by() == TEAMS,
          "a plan with nothing written since passes all %d teams by: %d"
          % (TEAMS, passed_by()))
    # A write that changes no plan still plans every team again.
    ok(a, "member set m000 fte=1")
    check(ok(a, "plan") == zero and passed_by() == 0,
          "after a write no team is passed by: %d" % passed_by())
    check(ok(a, "plan") == zero and passed_by() == TEAMS,
          "then all are again: %d" % passed_by())
    # 09:00 to 10:30 on Monday: next Monday's 10:00 sessions come into the
    # week's invitation window with nothing written.
    r = ok(a, "debug advance 90m")
    check(r.get("now", "").startswith("2026-01-05T10:30"), "now %r" % r)
    r = ok(a, "plan")
    check(passed_by() == 0 and r.get("messages_queued", 0) > 0,
          "the clock past a session's time of day plans every team again, "
          "and next Monday's 10:00 sessions are invited: %r, %d passed by"
          % (r, passed_by()))
    # That plan's mail, written as it went, sends the teams before the
    # last to write round once more; the plan after passes them all by.
    check(ok(a, "plan") == zero, "the plan after changes nothing")
    check(ok(a, "plan") == zero and passed_by() == TEAMS,
          "and the one after that passes every team by: %d" % passed_by())
    for conn in (a, b, c):
        conn.close()
    d.stop()

    # A restart plans every team at once, which notes them all: the first
    # plan after it, with nothing written, passes every team by.
    def sweeps():
        return d.log_text().count("manual replan done")

    d.start(fake_now="2026-01-05T10:30:00Z")
    a = d.connect(timeout=120)
    before = sweeps()
    check(ok(a, "plan") == zero, "the first plan after a restart changes "
          "nothing")
    # Its run at start may have taken under 50 ms on a fast machine: then
    # plan ran every team at once again, which has nothing to pass by.
    if sweeps() > before:
        check(passed_by() == TEAMS, "the first plan after a restart "
              "passes every team by: %d" % passed_by())
    a.close()
    d.stop()


if __name__ == "__main__":
    rt.run(main, limit=300)
