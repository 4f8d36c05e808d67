"""Imports say what they dropped; attendance history; requests, pins and
absences a manager can undo (issue 13).

- import reports ignored_columns by header name only (never values); a
  header that looks like a known column the file lacks (`co-worker`,
  `working_days`) is also a warning, so its data is not lost in silence;
- import attendance (member,date,status) brings group supervision history
  in, so `gaps` is true on day one; bad rows are refused with their line;
- request list [team=] (oldest first) and request withdraw ID;
- present SESSION slot= unpin=yes drops a pin and the planner refills it;
- present refuses a member who leads no open case;
- absence add refuses an exact duplicate, naming the existing id.
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def write(d, name, text):
    path = os.path.join(d.tmp, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


def gap(d, member):
    for m in d.ok("gaps").get("members") or []:
        if m.get("member") == member:
            return m
    return {}


def main():
    d = rt.Instance()
    d.start()   # 2026-01-05
    d.ok("team", "add", "north", "name=North Team", "kind=mast")
    d.ok("member", "add", "mia", "name=Mia Manager",
         "email=mia@example.org", "role=manager", "team=north")
    d.ok("member", "add", "pat", "name=Pat Psychologist",
         "email=pat@example.org", "role=psychologist", "team=north")
    d.ok("team", "set", "north", "manager=mia", "psychologist=pat")

    # Members: an unknown column is named; a near-miss is warned about.
    r = d.ok("import", "members", write(d, "m.csv",
             "slug,name,email,role,team,working_days,Secret Notes\n"
             "amy,Amy A,amy@example.org,social_worker,north,MO,"
             "child X at risk\n"
             "ben,Ben B,ben@example.org,social_worker,north,TU,none\n"
             "cat,Cat C,cat@example.org,social_worker,north,WE,none\n"))
    check(r.get("ignored_columns") == ["working_days", "Secret Notes"],
          "ignored_columns by header name: %r" % r.get("ignored_columns"))
    ws = r.get("warnings") or []
    check(any("working_days" in w and "days" in w for w in ws),
          "working_days is reported, not silently Mon-Fri: %r" % ws)
    check("child X" not in repr(r), "no value of a dropped column echoed")

    # Cases: co-worker is not coworker.
    r = d.ok("import", "cases", write(d, "c.csv",
             "ref,kind,lead,co-worker\n"
             "A-1,cin,amy,ben\n"
             "A-2,cin,amy,\n"
             "A-3,lac,amy,\n"
             "A-4,cp,amy,\n"
             "B-1,cp,ben,\n"
             "B-2,cin,ben,\n"
             "B-3,lac,ben,\n"
             "B-4,cp,ben,\n"))
    check(r.get("ignored_columns") == ["co-worker"],
          "co-worker is an ignored column: %r" % r.get("ignored_columns"))
    ws = r.get("warnings") or []
    check(any("co-worker" in w and "coworker" in w for w in ws),
          "co-worker: the warning names the real column: %r" % ws)
    r = d.ok("import", "cases", write(d, "c2.csv", "ref,kind,lead\n"
                                       "A-1,cin,amy\n"))
    check(r.get("ignored_columns") == [] and "warnings" not in r,
          "a clean import ignores nothing: %r" % r)

    # Attendance history feeds gaps.
    check(gap(d, "amy").get("last_attended") is None,
          "no history yet: %r" % gap(d, "amy"))
    csv = ("member,date,status\n"
           "amy,2025-12-15,attended\n"
           "amy,2025-12-29,apologies\n"
           "ben,2025-11-03,\n")
    r = d.ok("import", "attendance", write(d, "a.csv", csv))
    check((r.get("inserted"), r.get("errors")) == (3, []),
          "attendance import: %r" % r)
    g = gap(d, "amy")
    check(g.get("last_attended") == "2025-12-15" and g.get("days_since") == 21
          and g.get("overdue") is False, "amy's gap from history: %r" % g)
    g = gap(d, "ben")
    check(g.get("last_attended") == "2025-11-03" and g.get("overdue") is True,
          "ben's gap from history (overdue): %r" % g)
    r = d.ok("import", "attendance", write(d, "a.csv", csv))
    check(r.get("unchanged") == 3, "re-import is unchanged: %r" % r)
    r = d.refused(["import", "attendance", write(d, "bad.csv",
                   "member,date,status\n"
                   "nobody,2025-12-01,attended\n"
                   "amy,2027-01-01,attended\n"
                   "amy,2025-12-01,maybe\n")], "invalid")
    msgs = " | ".join("%s:%s" % (e.get("line"), e.get("message"))
                      for e in (r.get("result") or {}).get("errors") or [])
    check("2:" in msgs and "3:" in msgs and "4:" in msgs,
          "each bad attendance row has its line: %r" % r)

    # Duplicate absences.
    a = d.ok("absence", "add", "cat", "from=2026-02-02", "to=2026-02-06",
             "reason=leave")
    r = d.refused(["absence", "add", "cat", "from=2026-02-02",
                   "to=2026-02-06"], "conflict")
    check(str(a.get("id")) in (r.get("message") or ""),
          "the duplicate refusal names the existing id: %r" % r)

    # A series to present at.
    d.ok("series", "add", "gs", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;BYDAY=TU", "start=2026-01-06T10:00",
         "duration=90", "slots=1")
    sess = d.ok("schedule", "team=north").get("sessions") or []
    ids = [s["id"] for s in sess if s.get("series") == "gs"]
    check(len(ids) >= 4, "sessions planned: %r" % ids)
    sid = ids[3]

    # present refuses a member with no open case.
    r = d.refused(["present", sid, "slot=1", "member=cat"], "invalid")
    check("no open case" in (r.get("message") or ""),
          "present without a case says so: %r" % r)

    # Pin, then unpin: the planner refills the slot.
    d.ok("present", sid, "slot=1", "member=ben")
    s = d.ok("session", "show", sid)
    pres = s.get("presenters") or []
    check(pres and pres[0].get("how") == "pinned", "pinned: %r" % pres)
    r = d.ok("present", sid, "slot=1", "unpin=yes")
    check(r.get("unpinned") is True, "unpin answers: %r" % r)
    s = d.ok("session", "show", sid)
    pres = s.get("presenters") or []
    check(pres and pres[0].get("how") == "rotation",
          "after unpin the slot is refilled by the planner: %r" % pres)
    d.refused(["present", sid, "slot=1", "unpin=yes"], "conflict")
    d.refused(["present", sid, "slot=1"], "usage")

    # Requests: list (oldest first), withdraw.
    r1 = d.ok("request", "amy", "case=A-1")
    r2 = d.ok("request", "ben")
    lst = d.ok("request", "list").get("requests") or []
    check([x.get("id") for x in lst] == [r1.get("id"), r2.get("id")],
          "request list, oldest first: %r" % lst)
    check(lst and all(k in lst[0] for k in
                      ("id", "member", "case", "before", "created")),
          "request fields: %r" % lst)
    check(lst and lst[0].get("case") == "A-1", "case shown: %r" % lst)
    lst = d.ok("request", "list", "team=north").get("requests") or []
    check(len(lst) == 2, "request list team=: %r" % lst)
    d.ok("request", "withdraw", str(r1.get("id")))
    lst = d.ok("request", "list").get("requests") or []
    check([x.get("id") for x in lst] == [r2.get("id")],
          "withdrawn request gone: %r" % lst)
    d.refused(["request", "withdraw", str(r1.get("id"))], "not_found")
    d.refused(["request", "withdraw", "x"], "invalid")

    # reload says which settings wait for a restart.
    r = d.ok("reload")
    check(r.get("restart_only") == ["state_dir", "socket", "socket_group"]
          and "warnings" not in r, "plain reload: %r" % r)
    d.write_config(overrides={"daemon": {"socket_group": "root"}})
    r = d.ok("reload")
    check(r.get("pending_restart") == "socket_group" and
          any("socket_group" in w and "restart" in w
              for w in r.get("warnings") or []),
          "reload names socket_group as kept until restart: %r" % r)
    check("socket_group needs a restart" in d.log_text(),
          "the log says so too")

    # reflectd -t lists every error, each with file:line and key.
    bad = write(d, "bad.conf", "[daemon]\nbogus = 1\n"
                "timezone = Nowhere/City\n[mail]\nsmtp_port = x\n")
    p = subprocess.run([rt.REFLECTD, "-t", "-c", bad],
                       capture_output=True, timeout=30)
    err = p.stderr.decode(errors="replace")
    check(p.returncode == 1, "-t exits 1 on errors: %d" % p.returncode)
    for ln, key in ((2, "bogus"), (3, "timezone"), (5, "smtp_port")):
        check("%s:%d:" % (bad, ln) in err and key in err,
              "-t names %s on line %d: %r" % (key, ln, err))


if __name__ == "__main__":
    rt.run(main)
