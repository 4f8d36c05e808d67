"""Writes that leave something for a person to fix say so (issue 13).

A leaver, or a member whose role no longer holds cases, who still leads
open cases gets a warning naming them, and those cases show in `case list
orphaned=yes`, in the admins' `status` and in the manager digest; a series
whose psychologist does not work on its weekday is warned about; an
address outside [mail] allowed_domains is accepted with a warning naming
the member (from member add, member set and imports), and `status` lists
the members whose mail is refused.  A write with nothing to fix answers
without warnings.
"""

import email
import os
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def warnings_of(r):
    w = r.get("warnings")
    return w if isinstance(w, list) else []


def mentions(ws, *needles):
    return any(all(n in w for n in needles) for w in ws)


def main():
    d = rt.Instance(overrides={"mail": {
        "allowed_domains": "example.org"}})
    d.start()
    d.ok("team", "add", "north", "name=North Team", "kind=mast")
    r = d.ok("member", "add", "mia", "name=Mia Manager",
             "email=mia@example.org", "role=manager", "team=north")
    check(warnings_of(r) == [], "a clean member add has no warnings: %r" % r)
    d.ok("member", "add", "pat", "name=Pat Psychologist",
         "email=pat@example.org", "role=psychologist", "team=north",
         "days=MO,TU,WE,TH")
    d.ok("team", "set", "north", "manager=mia", "psychologist=pat")
    for slug in ("amy", "ben"):
        d.ok("member", "add", slug, "name=Worker " + slug.title(),
             "email=%s@example.org" % slug, "role=social_worker",
             "team=north")
    for i in range(3):
        d.ok("case", "add", "A-%d" % i, "kind=cin", "lead=amy")
    d.ok("case", "add", "B-0", "kind=cp", "lead=ben")

    # Address outside allowed_domains: accepted, with a warning naming her.
    r = d.ok("member", "add", "gia", "name=Gia Gmail",
             "email=gia@gmail.com", "role=social_worker", "team=north")
    ws = warnings_of(r)
    check(mentions(ws, "Gia Gmail", "gmail.com", "allowed_domains"),
          "member add outside allowed_domains warns by name: %r" % ws)
    r = d.ok("member", "set", "ben", "email=ben@yahoo.co.uk")
    check(mentions(warnings_of(r), "ben", "yahoo.co.uk"),
          "member set outside allowed_domains warns: %r" % r)
    d.ok("member", "set", "ben", "email=ben@example.org")

    # A leaver with open cases: warned, and the cases are orphaned.
    r = d.ok("member", "leave", "amy", "end=2026-01-20")
    ws = warnings_of(r)
    check(mentions(ws, "Worker Amy", "3 open cases", "2026-01-20"),
          "member leave with open cases warns: %r" % ws)
    cases = d.ok("case", "list", "orphaned=yes").get("cases") or []
    refs = sorted(c.get("ref") for c in cases)
    check(refs == ["A-0", "A-1", "A-2"], "orphaned cases listed: %r" % refs)

    # A role that holds no cases: warned too.
    r = d.ok("member", "set", "ben", "role=manager")
    check(mentions(warnings_of(r), "Worker Ben", "1 open case",
                   "manager"), "role change with open cases warns: %r" % r)
    cases = d.ok("case", "list", "orphaned=yes").get("cases") or []
    refs = sorted(c.get("ref") for c in cases)
    check(refs == ["A-0", "A-1", "A-2", "B-0"],
          "orphaned after a role change: %r" % refs)
    r = d.ok("case", "list", "orphaned=no", "open=yes")
    check(len(r.get("cases") or []) == 4, "orphaned=no lists all: %r" % r)
    d.refused(["case", "list", "orphaned=maybe"], "invalid")

    # status (the admins' view) lists both.
    st = d.status()
    check(st.get("orphaned_cases") == 4, "status counts orphaned cases: %r"
          % st.get("orphaned_cases"))
    check((st.get("orphaned_by_lead") or {}) == {"amy": 3, "ben": 1},
          "status orphaned per lead: %r" % st.get("orphaned_by_lead"))
    refused = (st.get("mail") or {}).get("refused_members") or []
    check([m.get("member") for m in refused] == ["gia"],
          "status lists members whose mail is refused: %r" % refused)

    # Reallocating clears it.
    d.ok("case", "set", "B-0", "lead=gia")
    r = d.ok("member", "set", "ben", "name=Ben Manager")
    check(warnings_of(r) == [], "nothing to fix, no warnings: %r" % r)

    # A series whose psychologist does not work on its weekday.
    r = d.ok("series", "add", "north-gs", "kind=group_supervision",
             "team=north", "rrule=FREQ=WEEKLY;BYDAY=FR",
             "start=2026-01-09T10:00", "duration=90")
    check(mentions(warnings_of(r), "Pat Psychologist", "Fridays"),
          "series on the psychologist's day off warns: %r" % r)
    r = d.ok("series", "set", "north-gs", "rrule=FREQ=WEEKLY;BYDAY=TU",
             "start=2026-01-06T10:00")
    check(warnings_of(r) == [], "series on a working day: no warning %r" % r)

    # Imports name the member whose mail would be refused.
    path = os.path.join(d.tmp, "m.csv")
    with open(path, "w") as f:
        f.write("slug,name,email,role,team\n"
                "hal,Hal Hotmail,hal@hotmail.com,social_worker,north\n")
    r = d.ok("import", "members", path)
    check(mentions(warnings_of(r), "Hal Hotmail", "hotmail.com"),
          "members import warns of a refused address: %r" % r)

    # The manager digest lists orphaned cases' leads and refused mail.
    d.ok("digest", "send", "kind=manager", "to=mia")
    text = ""
    deadline = time.monotonic() + 10
    while not text and time.monotonic() < deadline:
        for sub in ("new", "cur"):
            for p in d.maildir_files(sub):
                with open(p, "rb") as f:
                    msg = email.message_from_binary_file(f)
                if "caseloads" not in (msg.get("Subject") or ""):
                    continue
                for part in msg.walk():
                    if part.get_content_type() == "text/plain":
                        text += part.get_payload(decode=True).decode(
                            errors="replace")
        if not text:
            time.sleep(0.1)
    check("For you to fix" in text and "Worker Amy" in text and
          "3 open cases" in text, "manager digest lists the leaver's "
          "orphaned cases: %r" % text[-800:])
    check("Gia Gmail" in text and "gmail.com" in text,
          "manager digest lists refused mail: %r" % text[-800:])
    check("A-0" not in text, "manager digest names no case reference")

    # A closed case leaves status's open count (all less the closed) and
    # its orphaned count.
    st = d.status()
    before = st.get("open_cases")
    d.ok("case", "close", "A-2")
    st = d.status()
    check(isinstance(before, int) and st.get("open_cases") == before - 1,
          "status open cases after a close: %r then %r"
          % (before, st.get("open_cases")))
    check(st.get("orphaned_cases") == 2, "a closed case is not orphaned: %r"
          % st.get("orphaned_cases"))


if __name__ == "__main__":
    rt.run(main)
