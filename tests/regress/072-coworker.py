"""A manager cannot change another team's caseload through a co-worker.

A co-worker's share of a case counts in their own team's caseload.  The
manager of the lead's team may name a co-worker from a team they also
manage, and nobody else: naming another team's worker (case add or case
set) is refused as forbidden with a sentence that says what they may do
instead, and that worker's caseload does not move.  Admins may; so may a
manager of both teams; a case already shared across teams by an admin
can still be edited by the lead's manager.
"""

import grp
import os
import pwd
import shutil
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def caseload_of(d, member):
    rows = d.ok("caseload", "member=%s" % member).get("members") or []
    for r in rows:
        if r.get("member") == member:
            return (r.get("cases"), r.get("weighted"))
    return None


def main():
    if os.geteuid() != 0:
        rt.skip("not root: cannot run reflectctl as another user")
    if shutil.which("setpriv") is None:
        rt.skip("setpriv is not installed")
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        rt.skip("no nobody user or nogroup group")

    d = rt.Instance(overrides={"daemon": {"socket_group": "nogroup"}},
                    mode=0o755)
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    d.start()
    mgr = {"user": "nobody", "ctl": ctl}

    for t in ("north", "south"):
        d.ok("team", "add", t, "name=MAST " + t.title(), "kind=mast")
    d.ok("member", "add", "mgr-north", "name=Manager North",
         "email=mgr-north@example.org", "role=manager", "team=north",
         "login=nobody")
    d.ok("member", "add", "mgr-south", "name=Manager South",
         "email=mgr-south@example.org", "role=manager", "team=south")
    d.ok("team", "set", "north", "manager=mgr-north")
    d.ok("team", "set", "south", "manager=mgr-south")
    for slug, team in (("nw0", "north"), ("nw1", "north"),
                       ("sw0", "south")):
        d.ok("member", "add", slug, "name=Worker " + slug,
             "email=%s@example.org" % slug, "role=social_worker",
             "team=" + team)
    d.ok("case", "add", "CR-1", "kind=cin", "lead=nw0")
    before = caseload_of(d, "sw0")
    check(before == (0, 0), "sw0 starts with no cases: %r" % (before,))

    # The north manager names a south worker: refused, nothing moves.
    r = d.refused(["case", "set", "CR-1", "coworker=sw0"], "forbidden",
                  **mgr)
    msg = r.get("message") or ""
    check("south" in msg and "your own team" in msg,
          "the refusal says whose team and what to do instead: %r" % msg)
    check(msg.count("forbidden") == 1, "says forbidden once: %r" % msg)
    d.refused(["case", "add", "CR-2", "kind=cp", "lead=nw0",
               "coworker=sw0"], "forbidden", **mgr)
    check(caseload_of(d, "sw0") == before,
          "sw0's caseload did not move: %r" % (caseload_of(d, "sw0"),))
    case = d.ok("case", "show", "CR-1")
    check(case.get("coworker") is None, "CR-1 has no co-worker: %r" % case)
    rc, obj, out, err = d.ctl("case", "show", "CR-2")
    check(isinstance(obj, dict) and obj.get("error") == "not_found",
          "CR-2 was not created: %r" % out)

    # A co-worker from their own team is fine.
    c = d.ok("case", "set", "CR-1", "coworker=nw1", **mgr)
    check(c.get("coworker") == "nw1", "own-team co-worker set: %r" % c)
    d.ok("case", "add", "CR-3", "kind=cin", "lead=nw0", "coworker=nw1",
         **mgr)

    # An admin may share a case across teams; the lead's manager can
    # still edit it (the co-worker is not new).
    d.ok("case", "set", "CR-1", "coworker=sw0")
    check(caseload_of(d, "sw0")[0] == 1, "the admin's choice counts")
    c = d.ok("case", "set", "CR-1", "kind=cp", **mgr)
    check(c.get("kind") == "cp" and c.get("coworker") == "sw0",
          "the lead's manager edits the shared case: %r" % c)

    # A manager of both teams may.
    d.ok("team", "set", "south", "manager=mgr-north")
    c = d.ok("case", "set", "CR-3", "coworker=sw0", **mgr)
    check(c.get("coworker") == "sw0", "a manager of both teams: %r" % c)
    d.stop()


rt.run(main)
