"""Teams, members and absences through the daemon: creating and showing
them, referential errors that name the field, a leaver who keeps their
record, the audit log, and a manager (the unix user nobody) who may change
their own team only."""

import grp
import os
import pwd
import shutil
import stat
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def traversable_by_others(path):
    d = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


def can_run_as_nobody():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        return False
    return True


def refused_naming(d, words, code, field, **kw):
    """A refusal with code whose message names field first."""
    obj = d.refused(words, code, **kw)
    msg = obj.get("message", "")
    check(isinstance(msg, str) and msg.startswith(field + ":"),
          "%s: message should name %s, got %r" % (" ".join(words), field,
                                                   msg))


def slugs(result, key):
    items = result.get(key)
    check(isinstance(items, list), "result has a %s list: %r" % (key, result))
    return [i.get("slug", i.get("id")) for i in items or []
            if isinstance(i, dict)]


def build(d):
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("team", "add", "south", "name=Connect South", "kind=connect")
    d.ok("member", "add", "mia", "name=Mia Manager", "email=mia@example.org",
         "role=manager", "team=north", "login=nobody")
    d.ok("member", "add", "mo", "name=Mo Manager", "email=mo@example.org",
         "role=manager", "team=south")
    d.ok("member", "add", "pat", "name=Pat Psych", "email=pat@example.org",
         "role=psychologist", "team=north", "capacity=4")
    d.ok("member", "add", "sam", "name=Sam Worker", "email=sam@example.org",
         "role=social_worker", "team=north", "fte=0.8",
         "days=MO,TU,WE,TH", "start=2025-09-01")
    d.ok("member", "add", "sue", "name=Sue Worker", "email=sue@example.org",
         "role=asye", "team=north")
    d.ok("member", "add", "zoe", "name=Zoe Worker", "email=zoe@example.org",
         "role=youth_worker", "team=south", "limit=8")
    t = d.ok("team", "set", "north", "manager=mia", "psychologist=pat")
    check(t.get("manager") == "mia" and t.get("psychologist") == "pat",
          "team set names manager and psychologist: %r" % t)
    d.ok("team", "set", "south", "manager=mo", "psychologist=pat")


def check_records(d):
    t = d.ok("team", "show", "north")
    want = {"slug": "north", "name": "MAST North", "kind": "mast",
            "manager": "mia", "psychologist": "pat"}
    check(t == want, "team show north: got %r, want %r" % (t, want))
    check(slugs(d.ok("team", "list"), "teams") == ["north", "south"],
          "team list has both teams by slug")

    m = d.ok("member", "show", "sam")
    for k, v in (("slug", "sam"), ("name", "Sam Worker"),
                 ("email", "sam@example.org"), ("role", "social_worker"),
                 ("team", "north"), ("fte", 0.8), ("days", "MO,TU,WE,TH"),
                 ("start", "2025-09-01"), ("end", None), ("limit", None),
                 ("login", None), ("capacity", 6), ("active", True)):
        check(m.get(k) == v, "member show sam: %s is %r, want %r"
              % (k, m.get(k), v))
    z = d.ok("member", "show", "zoe")
    check(z.get("limit") == 8 and z.get("days") == "MO,TU,WE,TH,FR",
          "zoe's limit override and default days: %r" % z)
    check(slugs(d.ok("member", "list", "team=north"), "members") ==
          ["mia", "pat", "sam", "sue"], "member list team=north by slug")
    check(len(slugs(d.ok("member", "list"), "members")) == 6,
          "member list has all six")


def check_refusals(d):
    refused_naming(d, ["member", "add", "bad", "name=B",
                       "email=b@example.org", "role=asye", "team=north",
                       "fte=1.5"], "invalid", "fte")
    refused_naming(d, ["member", "add", "bad", "name=B",
                       "email=not-an-address", "role=asye", "team=north"],
                   "invalid", "email")
    refused_naming(d, ["member", "add", "bad", "name=B",
                       "email=b@example.org", "role=wizard", "team=north"],
                   "invalid", "role")
    refused_naming(d, ["member", "add", "bad", "name=B",
                       "email=b@example.org", "role=asye", "team=nowhere"],
                   "not_found", "team")
    refused_naming(d, ["member", "add", "bad", "name=B",
                       "email=b@example.org", "role=asye", "team=north",
                       "days=MO,FUN"], "invalid", "days")
    refused_naming(d, ["member", "add", "bad", "name=B",
                       "email=b@example.org", "role=asye", "team=north",
                       "login=mia2", "start=2026-02-01", "end=2026-01-01"],
                   "invalid", "end")
    refused_naming(d, ["member", "add", "sam2", "name=B",
                       "email=b@example.org", "role=asye", "team=north",
                       "login=nobody"], "conflict", "login")
    refused_naming(d, ["member", "add", "sam", "name=Again",
                       "email=b@example.org", "role=asye", "team=north"],
                   "conflict", "slug")
    refused_naming(d, ["team", "set", "north", "manager=sam"], "invalid",
                   "manager")
    refused_naming(d, ["team", "set", "north", "psychologist=ghost"],
                   "not_found", "psychologist")
    refused_naming(d, ["team", "add", "north", "name=X", "kind=mast"],
                   "conflict", "slug")
    refused_naming(d, ["team", "add", "east", "name=X", "kind=squad"],
                   "invalid", "kind")
    refused_naming(d, ["team", "remove", "north"], "conflict", "team")
    refused_naming(d, ["member", "set", "mia", "role=social_worker"],
                   "conflict", "role")
    d.refused(["member", "show", "ghost"], "not_found")
    d.refused(["member", "set", "sam"], "usage")
    # Nothing refused was stored.
    d.refused(["member", "show", "bad"], "not_found")
    d.refused(["team", "show", "east"], "not_found")
    d.ok("team", "add", "east", "name=East", "kind=other")
    d.ok("team", "remove", "east")
    d.refused(["team", "show", "east"], "not_found")


def check_leaver_and_absences(d):
    m = d.ok("member", "leave", "sue", "end=2026-01-02")
    check(m.get("end") == "2026-01-02" and m.get("active") is False,
          "member leave: end set, no longer active: %r" % m)
    m = d.ok("member", "show", "sue")
    check(m.get("name") == "Sue Worker" and m.get("end") == "2026-01-02",
          "a leaver keeps their record: %r" % m)
    check("sue" in slugs(d.ok("member", "list", "team=north"), "members"),
          "a leaver stays in the member list")

    a1 = d.ok("absence", "add", "sam", "from=2026-02-10", "to=2026-02-12",
              "reason=training")
    a2 = d.ok("absence", "add", "sam", "from=2026-01-20", "to=2026-01-20")
    d.ok("absence", "add", "zoe", "from=2026-01-25", "to=2026-01-26")
    check(a1.get("member") == "sam" and a1.get("reason") == "training" and
          isinstance(a1.get("id"), int), "absence add result: %r" % a1)
    refused_naming(d, ["absence", "add", "sam", "from=2026-03-02",
                       "to=2026-03-01"], "invalid", "to")
    refused_naming(d, ["absence", "add", "ghost", "from=2026-03-01",
                       "to=2026-03-01"], "not_found", "member")
    ab = d.ok("absence", "list", "member=sam").get("absences", [])
    check([a.get("from") for a in ab] == ["2026-01-20", "2026-02-10"],
          "absences in date order: %r" % ab)
    check(len(d.ok("absence", "list", "team=south").get("absences", [])) == 1,
          "absence list team=south has zoe's one")
    d.ok("absence", "remove", str(a2.get("id")))
    d.refused(["absence", "remove", str(a2.get("id"))], "not_found")
    check(len(d.ok("absence", "list", "member=sam").get("absences", [])) == 1,
          "the removed absence is gone")

    st = d.status()
    check(st.get("teams") == 2, "status counts 2 teams: %r" % st)
    check(st.get("members") == 5, "status counts 5 members who have not "
          "left: %r" % st)


def audited(d, prefix):
    entries = d.ok("audit").get("entries") or []
    return [e for e in entries if isinstance(e, dict) and
            str(e.get("command", "")).startswith(prefix)]


def check_audit(d):
    for prefix in ("team add north", "member add sam", "team set north",
                   "member leave sue", "absence add sam", "absence remove"):
        rows = audited(d, prefix)
        check(len(rows) >= 1 and all(r.get("user") == "root" for r in rows),
              "audit has %r by root: %r" % (prefix, rows))
    check(not audited(d, "member add bad"), "refused changes are not "
          "audited")


def check_manager(d, ctl):
    """nobody is mia, the manager of north."""
    st = d.ok("status", user="nobody", ctl=ctl)
    check("teams" not in st, "a manager's status is the public one: %r" % st)
    me = d.ok("member", "show", "me", user="nobody", ctl=ctl)
    check(me.get("slug") == "mia", "member show me is mia: %r" % me)
    m = d.ok("member", "set", "sam", "fte=0.5", user="nobody", ctl=ctl)
    check(m.get("fte") == 0.5, "the manager changed sam's fte: %r" % m)
    check(m.get("email") == "sam@example.org", "a manager sees their "
          "member's email: %r" % m)
    d.ok("member", "add", "new", "name=New Worker", "email=new@example.org",
         "role=social_worker", "team=north", user="nobody", ctl=ctl)
    d.ok("absence", "add", "sam", "from=2026-04-01", "to=2026-04-03",
         user="nobody", ctl=ctl)
    d.ok("team", "set", "north", "name=MAST North (Ealing)", user="nobody",
         ctl=ctl)
    check(set(slugs(d.ok("member", "list", user="nobody", ctl=ctl),
                    "members")) == {"mia", "new", "pat", "sam", "sue"},
          "a manager lists the members of their team")

    for words in (["member", "set", "zoe", "fte=0.5"],
                  ["member", "show", "zoe"],
                  ["member", "leave", "zoe", "end=2026-02-01"],
                  ["member", "add", "x", "name=X", "email=x@example.org",
                   "role=asye", "team=south"],
                  ["member", "set", "sam", "team=south"],
                  ["member", "list", "team=south"],
                  ["team", "set", "south", "name=Mine"],
                  ["team", "show", "south"],
                  ["team", "add", "west", "name=W", "kind=mast"],
                  ["team", "remove", "north"],
                  ["absence", "add", "zoe", "from=2026-04-01",
                   "to=2026-04-01"],
                  ["absence", "list", "member=zoe"],
                  ["outbox"]):
        obj = d.refused(words, "forbidden", user="nobody", ctl=ctl)
        check(str(obj.get("message", "")).startswith("forbidden"),
              "%s: the refusal says forbidden: %r" % (" ".join(words), obj))
    z = d.ok("member", "show", "zoe")
    check(z.get("fte") == 1.0 and z.get("end") is None and
          z.get("team") == "south", "the refused changes left zoe alone: %r"
          % z)
    check(d.ok("member", "show", "sam").get("team") == "north",
          "sam was not moved to a team mia does not manage")
    rows = audited(d, "member set sam fte=0.5")
    check(len(rows) == 1 and rows[0].get("user") == "nobody",
          "the manager's change is audited as nobody: %r" % rows)

    # Without a member record nobody is an outsider again.
    d.ok("member", "set", "mia", "login=")
    d.refused(["member", "show", "me"], "forbidden", user="nobody", ctl=ctl)
    d.refused(["member", "set", "sam", "fte=1"], "forbidden", user="nobody",
              ctl=ctl)


def main():
    as_nobody = can_run_as_nobody()
    d = rt.Instance(overrides={"daemon": {"socket_group": "nogroup"}}
                    if as_nobody else None, mode=0o755)
    ctl = None
    if as_nobody and traversable_by_others(d.sock):
        ctl = os.path.join(d.tmp, "reflectctl")
        shutil.copy(rt.REFLECTCTL, ctl)
        os.chmod(ctl, 0o755)
    d.start()
    build(d)
    check_records(d)
    check_refusals(d)
    check_leaver_and_absences(d)
    check_audit(d)
    if ctl is not None:
        check_manager(d, ctl)
    else:
        rt.log("not checking a manager's rights: cannot run as nobody")
    d.stop()


rt.run(main)
