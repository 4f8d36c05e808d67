"""Case-presentation rotation through the daemon: presenters with their
cases and reasons fill the coming group supervision sessions; an absence
of a frozen session's presenter changes only that slot; a pin survives
replans and a restart; a request is honoured in the next session the
member can attend; explain gives reasons for every filled slot; a second
plan changes nothing; a held session marks its cases discussed; rotation
reports each member's share and the team's fairness; a plain member sees
only their own case references."""

import grp
import os
import pwd
import shutil
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

FAKE_NOW = "2026-03-02T09:00:00Z"
WORKERS = ("ann", "bob", "cat", "dev", "eve")
ZERO = {"created": 0, "updated": 0, "cancelled": 0, "messages_queued": 0}


def org(d):
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("member", "add", "mgr", "name=Manager", "email=mgr@example.org",
         "role=manager", "team=north")
    d.ok("member", "add", "psy", "name=Dr Psy", "email=psy@example.org",
         "role=psychologist", "team=north")
    d.ok("team", "set", "north", "manager=mgr", "psychologist=psy")
    for w in WORKERS:
        words = ["member", "add", w, "name=Worker " + w,
                 "email=%s@example.org" % w, "role=social_worker",
                 "team=north", "start=2025-01-06"]
        if w == "eve":
            words.append("fte=0.5")
        if w == "ann":
            words.append("login=nobody")
        d.ok(*words)
        for i, kind in enumerate(("cp", "cin")):
            d.ok("case", "add", "CR-%s-%d" % (w, i), "kind=" + kind,
                 "lead=" + w, "opened=2025-0%d-01" % (i + 2))
    d.ok("series", "add", "gs-north", "kind=group_supervision",
         "team=north", "rrule=FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
         "start=2026-03-03T10:00", "duration=90", "slots=2")


def sessions(d, **kw):
    s = d.ok("schedule", "team=north", "from=2026-03-01", "to=2026-05-31",
             **kw).get("sessions") or []
    return {x["id"]: x for x in s}


def slots(x):
    return {p.get("slot"): (p.get("member"), p.get("case"), p.get("how"))
            for p in x.get("presenters") or []}


def main():
    try:
        grp.getgrnam("nogroup")
        d = rt.Instance(overrides={"daemon": {"socket_group": "nogroup"}},
                        mode=0o755)
    except KeyError:
        d = rt.Instance()
    d.start(fake_now=FAKE_NOW)
    org(d)

    s = sessions(d)
    ids = sorted(s)
    check(len(ids) >= 5, "fortnightly sessions planned: %r" % ids)
    for i in ids:
        sl = slots(s[i])
        check(sorted(sl) == [1, 2], "%s has two presenters: %r" % (i, sl))
        check(all(v[0] in WORKERS and v[1] and v[2] == "rotation"
                  for v in sl.values()), "%s: presenters with cases by "
              "rotation: %r" % (i, sl))
        check(len({v[0] for v in sl.values()}) == len(sl),
              "%s: nobody presents twice: %r" % (i, sl))
    counts = {}
    for i in ids:
        for v in slots(s[i]).values():
            counts[v[0]] = counts.get(v[0], 0) + 1
    check(all(counts.get(w, 0) >= 1 for w in WORKERS if w != "eve"),
          "the full-timers all present within the horizon: %r" % counts)

    # The human agenda: each session's presenters on a line under it.
    rc, obj, out, err = d.ctl("schedule", "team=north", "from=2026-03-01",
                              "to=2026-05-31", json_out=False)
    plines = [ln.strip() for ln in out.splitlines()
              if ln.strip().startswith("presenting: ")]
    check(rc == 0 and len(plines) == len(ids),
          "one presenters line per session: %r" % out[:600])
    for i, ln in zip(ids, plines):
        want = ", ".join("%s (%s)" % (v[0], v[1])
                         for _, v in sorted(slots(s[i]).items()))
        check(ln == "presenting: " + want,
              "%s: human presenters %r, want %r" % (i, ln, want))

    ex = d.ok("rotation", "explain", ids[0]).get("slots") or []
    check(len(ex) == 2 and all(isinstance(x.get("reasons"), list) and
                               x["reasons"] and
                               all(isinstance(r, str) and r
                                   for r in x["reasons"]) for x in ex),
          "explain gives reasons for every slot: %r" % ex)
    check(any("shortfall" in r for x in ex for r in x["reasons"]),
          "reasons name the shortfall: %r" % ex)

    p = d.ok("plan")
    check(p == ZERO, "second plan changes nothing: %r" % p)

    # The first session is within freeze_days: an absence moves one slot.
    first = ids[0]
    before = slots(s[first])
    gone, gone_case, _ = before[1]
    d.ok("absence", "add", gone, "from=2026-03-03", "to=2026-03-03",
         "reason=training")
    after = slots(sessions(d)[first])
    check(after.get(2) == before.get(2),
          "the other slot of the frozen session is kept: %r -> %r" %
          (before, after))
    check(after.get(1) is not None and after[1][0] != gone and
          after[1][0] in WORKERS,
          "the absent presenter's slot is refilled: %r -> %r" %
          (before, after))
    ex = d.ok("rotation", "explain", first).get("slots") or []
    check(any(x.get("slot") == 1 and
              any(gone in r for r in x.get("reasons", [])) for x in ex),
          "explain says whom the new presenter replaces: %r" % ex)

    # A pin survives replans and a restart.
    third = ids[2]
    pinned = [w for w in WORKERS if w not in
              [v[0] for v in slots(sessions(d)[third]).values()]][0]
    d.ok("present", third, "slot=1", "member=" + pinned,
         "case=CR-%s-1" % pinned)
    want = (pinned, "CR-%s-1" % pinned, "pinned")
    check(slots(sessions(d)[third]).get(1) == want,
          "pinned: %r" % slots(sessions(d)[third]))
    d.refused(["present", third, "slot=9", "member=" + pinned], "invalid")
    d.refused(["present", third, "slot=1", "member=mgr"], "invalid")
    p = d.ok("plan")
    check(p == ZERO, "plan after the pin changes nothing: %r" % p)
    d.stop()
    d.start(fake_now=FAKE_NOW)
    check(slots(sessions(d)[third]).get(1) == want,
          "the pin survives a restart: %r" % slots(sessions(d)[third]))
    p = d.ok("plan")
    check(p == ZERO, "plan after a restart changes nothing: %r" % p)

    # A request is honoured in the next session the member can attend.
    s = sessions(d)
    second = ids[1]
    asker = [w for w in WORKERS if w not in
             [v[0] for v in slots(s[second]).values()] and w != "eve"][0]
    r = d.ok("request", asker, "case=CR-%s-0" % asker)
    check(isinstance(r.get("id"), int), "request: %r" % r)
    d.refused(["request", asker], "conflict")
    d.refused(["request", "mgr"], "invalid")
    s = sessions(d)
    got = slots(s[second])
    check((asker, "CR-%s-0" % asker, "request") in got.values(),
          "the request is honoured in %s: %r" % (second, got))
    ex = d.ok("rotation", "explain", second).get("slots") or []
    check(any(x.get("how") == "request" and
              any("asked to present" in t for t in x.get("reasons", []))
              for x in ex), "explain says it was asked for: %r" % ex)
    later = [v for i in ids[2:] for v in slots(s[i]).values()
             if v[0] == asker and v[2] == "request"]
    check(later == [], "a request is used once: %r" % later)
    p = d.ok("plan")
    check(p == ZERO, "plan after the request changes nothing: %r" % p)

    rot = d.ok("rotation", "team=north")
    rows = {m.get("member"): m for m in rot.get("members") or []}
    check(sorted(rows) == sorted(WORKERS), "rotation lists the "
          "case-holders: %r" % sorted(rows))
    check(all(isinstance(m.get("earned"), (int, float)) and
              isinstance(m.get("presented"), int) and
              isinstance(m.get("shortfall"), (int, float))
              for m in rows.values()), "rotation figures: %r" % rows)
    check(rows.get(asker, {}).get("next_presenting") == "2026-03-17",
          "next_presenting of the asker: %r" % rows.get(asker))
    check(rows.get("eve", {}).get("earned", 9) <
          rows.get("bob", {}).get("earned", 0),
          "the part-timer earns less: %r" % rows)
    check(isinstance(rot.get("fairness"), (int, float)) and
          0 <= rot["fairness"] < 2, "fairness: %r" % rot.get("fairness"))
    rc, _, out, _ = d.ctl("rotation", "team=north", json_out=False)
    check(rc == 0 and "ann" in out and "\u2588" in out and
          "fairness" in out,
          "reflectctl rotation draws bars: %r" % out[:400])

    # The session is held: its cases count as discussed on its date.
    held = [v for v in slots(sessions(d)[first]).values()]
    d.ok("debug", "advance", "2d")
    x = d.ok("session", "show", first)
    check(x.get("state") == "held", "held: %r" % x.get("state"))
    for _, ref, _ in held:
        c = d.ok("case", "show", ref)
        check(c.get("last_discussed") == "2026-03-03",
              "%s discussed on the session's date: %r" % (ref, c))
    rot = d.ok("rotation", "team=north")
    rows = {m.get("member"): m for m in rot.get("members") or []}
    check(all(rows.get(m, {}).get("last_presented") == "2026-03-03"
              for m, _, _ in held), "last_presented: %r" % rows)
    p = d.ok("plan")
    check(p == ZERO, "plan after the session is held: %r" % p)

    member_view(d, ids)
    d.stop()


def member_view(d, ids):
    """ann (login nobody) sees her own case references and no others'."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        rt.log("not root or no setpriv: member view not checked")
        return
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        rt.log("no nobody/nogroup: member view not checked")
        return
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    rc, obj, out, err = d.ctl("status", user="nobody", ctl=ctl)
    if rc == 3:
        rt.log("nobody cannot reach the socket here: not checked")
        return
    as_ann = {"user": "nobody", "ctl": ctl}
    mine = d.ok("schedule", **as_ann).get("sessions") or []
    check(mine, "ann has sessions: %r" % mine)
    seen = 0
    for x in mine:
        for p in x.get("presenters") or []:
            seen += 1
            if p.get("member") == "ann":
                check(p.get("case") and p["case"].startswith("CR-ann"),
                      "ann sees her own case: %r" % p)
            else:
                check(p.get("case") is None,
                      "ann does not see others' cases: %r" % p)
    check(seen > 0, "presenters shown to a member: %r" % mine)
    rc, obj, out, err = d.ctl("schedule", json_out=False, user="nobody",
                              ctl=ctl)
    plines = [ln.strip() for ln in out.splitlines()
              if ln.strip().startswith("presenting: ")]
    check(rc == 0 and plines, "ann's agenda shows presenters: %r" % out[:600])
    for ln in plines:
        for part in ln[len("presenting: "):].split(", "):
            if part.startswith("ann "):
                check(part.startswith("ann (CR-ann"),
                      "ann's own case in her agenda: %r" % ln)
            else:
                check(" " not in part and "CR-" not in part,
                      "no other's case in ann's agenda: %r" % ln)
    d.refused(["rotation", "team=north"], "forbidden", **as_ann)
    d.refused(["present", ids[-1], "slot=1", "member=ann"], "forbidden",
              **as_ann)
    d.refused(["request", "bob"], "forbidden", **as_ann)


rt.run(main, limit=120)
