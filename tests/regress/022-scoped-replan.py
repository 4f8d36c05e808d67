"""A change replans only the teams it touches, and the answer is the one a
replan of every team gives: three teams whose psychologists cover each
other at capacity, changes through reflectctl (absences of workers and
psychologists, a new series, a move, a cancel, a leaver), and after each
one `plan` (every team) finds nothing left to change; a series moved to
another team takes its cancelled session along, and a co-facilitator from
another team, replaced, is told she is no longer expected.  A worker's absence
sends mail to their own team only.  The daily replan goes team by team:
after the clock passes replan_at, status counts the teams still to go down
to 0, the horizon has moved on by a day in every team, and the log says
how long it took."""

import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

FAKE_NOW = "2026-03-02T08:00:00Z"
TEAMS = ("north", "south", "west")
STARTS = {"north": "2026-03-03T10:00", "south": "2026-03-03T10:30",
          "west": "2026-03-03T13:00"}


def org(d):
    for t in TEAMS:
        d.ok("team", "add", t, "name=MAST " + t.title(), "kind=mast")
        d.ok("member", "add", "mgr-" + t, "name=Manager " + t.title(),
             "email=mgr-%s@example.org" % t, "role=manager", "team=" + t)
        # Two sessions a week at most: cover soon reaches capacity.
        d.ok("member", "add", "psy-" + t, "name=Dr " + t.title(),
             "email=psy-%s@example.org" % t, "role=psychologist",
             "team=" + t, "capacity=2")
        for i in range(3):
            d.ok("member", "add", "sw%d-%s" % (i, t),
                 "name=Worker %d %s" % (i, t),
                 "email=sw%d-%s@example.org" % (i, t),
                 "role=social_worker", "team=" + t)
        d.ok("team", "set", t, "manager=mgr-" + t, "psychologist=psy-" + t)
        d.ok("series", "add", "gs-" + t, "kind=group_supervision",
             "team=" + t, "rrule=FREQ=WEEKLY;BYDAY=TU",
             "start=" + STARTS[t], "duration=90", "location=Room 1")


def full_plan_changes_nothing(d, after):
    r = d.ok("plan")
    changed = {k: r.get(k) for k in ("created", "updated", "cancelled")}
    check(changed == {"created": 0, "updated": 0, "cancelled": 0},
          "after %s a replan of every team changes nothing: %r"
          % (after, r))


def sessions(d, team):
    return d.ok("schedule", "team=" + team).get("sessions") or []


def messages(d):
    return {m.get("id"): m.get("to") for m in
            d.ok("outbox").get("messages") or []}


def main():
    d = rt.Instance(overrides={"schedule": {"horizon_days": "42"}})
    d.start(fake_now=FAKE_NOW)
    org(d)
    full_plan_changes_nothing(d, "the first plan")

    # A worker's absence: mail for their team's sessions only.
    before = messages(d)
    d.ok("absence", "add", "sw1-north", "from=2026-03-03", "to=2026-03-03")
    new = [to for i, to in messages(d).items() if i not in before]
    check(new and all("north" in (a or "") for a in new),
          "a north worker's absence mails north only: %r" % sorted(new))
    full_plan_changes_nothing(d, "a worker's absence")

    # Changes that move cover across teams, each then checked whole.
    steps = [
        ("a psychologist's absence",
         ["absence", "add", "psy-north", "from=2026-03-09",
          "to=2026-03-20"]),
        ("a second series for south",
         ["series", "add", "gs-south-2", "kind=group_supervision",
          "team=south", "rrule=FREQ=WEEKLY;BYDAY=TU",
          "start=2026-03-03T15:00", "duration=60", "location=Room 2"]),
        ("a psychologist's second absence",
         ["absence", "add", "psy-west", "from=2026-03-24",
          "to=2026-03-31"]),
        ("a cancelled session", ["session", "cancel", "gs-south-20260317",
                                 "reason=training"]),
        ("a moved session", ["session", "move", "gs-west-20260324",
                             "start=2026-03-24T10:15"]),
        ("a leaver", ["member", "leave", "sw2-west", "end=2026-03-20"]),
        # Its cancelled session goes with it: a change for the new team
        # alone must not plan that session again beside itself.
        ("a series moved to another team",
         ["series", "set", "gs-south", "team=west"]),
        ("a change for its new team alone",
         ["absence", "add", "sw0-west", "from=2026-03-10",
          "to=2026-03-10"]),
    ]
    for what, words in steps:
        d.ok(*words)
        full_plan_changes_nothing(d, what)
    # A co-facilitator from another team, replaced: told she is no longer
    # expected, though the change names only the series' team.
    d.ok("series", "set", "gs-north", "cofacilitator=sw0-west")
    full_plan_changes_nothing(d, "a co-facilitator from another team")
    before = messages(d)
    d.ok("series", "set", "gs-north", "cofacilitator=sw1-north")
    gone = [m for m in d.ok("outbox").get("messages") or []
            if m.get("id") not in before and
            m.get("to") == "sw0-west@example.org"]
    check(gone and all("Not expected" in (m.get("subject") or "")
                       for m in gone),
          "the replaced co-facilitator is told she is not expected: %r"
          % [m.get("subject") for m in gone])
    full_plan_changes_nothing(d, "a co-facilitator replaced")
    covered = [s for t in TEAMS for s in sessions(d, t) if s.get("cover")]
    check(len(covered) >= 2, "cover crossed teams in the test: %d "
          "sessions covered" % len(covered))

    # The daily replan, team by team.
    st = d.status()
    check(st.get("replan", {}).get("teams_left") == 0,
          "no replan running before the clock moves: %r"
          % st.get("replan"))
    last = {t: max(s["start"] for s in sessions(d, t)) for t in TEAMS}
    # Two nights: the horizon's end passes a Tuesday.
    d.ok("debug", "advance", "2d")
    for _ in range(100):
        if d.status().get("replan", {}).get("teams_left") == 0:
            break
        time.sleep(0.1)
    check(d.status().get("replan", {}).get("teams_left") == 0,
          "the daily replan finishes")
    for t in TEAMS:
        now_last = max(s["start"] for s in sessions(d, t))
        check(now_last > last[t], "the daily replan moved %s's horizon on: "
              "%s, was %s" % (t, now_last, last[t]))
    log = d.log_text()
    check("daily replan done: 3 team(s)" in log,
          "the log says the daily replan went over the 3 teams")
    full_plan_changes_nothing(d, "the daily replan")
    d.stop()


if __name__ == "__main__":
    rt.run(main)
