"""CSV imports through reflectctl: members, cases and absences; a bad row
applies nothing and names its line; dry runs and snapshots; a child's name
in an extra column is stored, logged and mailed nowhere; crossing the
caseload limit through an import queues one alert, and re-importing the
same file none."""

import json
import os
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

CANARY = "Canary Childname"
MANAGER = "mia@example.org"

MEMBERS = """\
slug,name,email,role,team,fte,days,notes
mia,Mia Manager,mia@example.org,manager,north,,,
sam,Sam Worker,sam@example.org,social_worker,north,,,"prefers ""mornings"",
mostly"
tia,Tia Worker,tia@example.org,social_worker,north,0.6,"MO,TU,WE",
ola,Ola Youth,ola@example.org,youth_worker,north,,,
"""

ABSENCES = """\
member,from,to,reason
sam,2026-02-02,2026-02-06,annual leave
tia,2026-01-19,2026-01-19,training
"""


def cases_csv(sam_cases, extra_rows=()):
    """sam leads NR/1..n (cp, 1.5 each); tia and ola hold one each.  The
    child_name column is what a case-management export might carry."""
    rows = ["Ref,child_name,Kind,Lead,Coworker,Opened"]
    for i in range(1, sam_cases + 1):
        rows.append('NR/%d,"%s %d",cp,sam,,2025-12-01' % (i, CANARY, i))
    rows.append('NT/1,"%s T",cin,tia,ola,2025-11-03' % CANARY)
    rows.append('NO/1,"%s O",early_help,ola,,2025-10-20' % CANARY)
    rows.extend(extra_rows)
    return "\r\n".join(rows) + "\r\n"


def write(d, name, text):
    path = os.path.join(d.tmp, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


def open_cases(d):
    return d.status().get("open_cases")


def alerts_to_manager(d):
    r = d.ok("outbox")
    return [m for m in r.get("messages", []) if m.get("to") == MANAGER]


def wait_drained(d, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ob = d.status().get("outbox") or {}
        if ob.get("queued") == 0:
            return True
        time.sleep(0.1)
    return False


def counts(r):
    return tuple(r.get(k) for k in ("inserted", "updated", "closed",
                                    "unchanged"))


def files_with(paths, needle):
    hits = []
    for p in paths:
        try:
            with open(p, "rb") as f:
                if needle.encode() in f.read():
                    hits.append(p)
        except OSError:
            pass
    return hits


def main():
    d = rt.Instance()
    d.start()
    d.ok("team", "add", "north", "name=North Team", "kind=mast")

    # Members, with a quoted field spanning lines in an unknown column.
    r = d.ok("import", "members", write(d, "members.csv", MEMBERS))
    check(counts(r) == (4, 0, 0, 0), "members import counts %r" % (r,))
    check(r.get("errors") == [], "members import errors %r" % r.get("errors"))
    d.ok("team", "set", "north", "manager=mia")
    r = d.ok("member", "show", "tia")
    check(json.dumps(r).find("0.6") >= 0, "tia's fte 0.6 imported: %r" % r)

    # A file without a column leaves that field as it is: the HR export
    # has no login, and importing it again must not unmap anyone.
    d.ok("member", "set", "sam", "login=nobody", "limit=9")
    r = d.ok("import", "members", write(d, "again.csv",
                                        "slug,name,email,role,team\n"
                                        "sam,Sam Worker,sam@example.org,"
                                        "social_worker,north\n"))
    check(r.get("errors") == [], "re-import errors %r" % r.get("errors"))
    r = d.ok("member", "show", "sam")
    check(r.get("login") == "nobody" and float(r.get("limit") or 0) == 9,
          "columns the file lacks keep their values: %r" % r)
    r = d.ok("member", "show", "tia")
    check(json.dumps(r).find("0.6") >= 0, "tia untouched: %r" % r)
    d.ok("member", "set", "sam", "limit=0")

    # Cases (CRLF, mixed-case header, an extra column) and absences.
    cases9 = write(d, "cases9.csv", cases_csv(9))
    r = d.ok("import", "cases", cases9)
    check(counts(r) == (11, 0, 0, 0), "cases import counts %r" % (r,))
    check(open_cases(d) == 11, "11 open cases after import")
    absences = write(d, "absences.csv", ABSENCES)
    r = d.ok("import", "absences", absences)
    check(counts(r) == (2, 0, 0, 0), "absences import counts %r" % (r,))
    r = d.ok("import", "absences", absences)
    check(counts(r) == (0, 0, 0, 2), "absences re-import counts %r" % (r,))
    r = d.ok("absence", "list")
    check(len(r.get("absences", [])) == 2, "2 absences listed: %r" % r)
    r = d.ok("import", "cases", cases9)
    check(counts(r) == (0, 0, 0, 11), "cases re-import unchanged %r" % (r,))
    check(alerts_to_manager(d) == [], "no caseload alert at 13.5 of 15")

    # One bad row among good ones: nothing applied, its line named.
    bad = write(d, "bad.csv", "ref,kind,lead\n"
                "NEW/1,cp,sam\n"
                "NEW/2,cin,tia\n"
                "NEW/3,cpp,ola\n"
                "NEW/4,cin,ola\n")
    obj = d.refused(["import", "cases", bad], "invalid")
    errs = (obj.get("result") or {}).get("errors")
    check(isinstance(errs, list) and len(errs) == 1 and
          errs[0].get("line") == 4 and "kind" in errs[0].get("message", ""),
          "the bad row's error names line 4 and kind: %r" % (errs,))
    check("line 4" in obj.get("message", ""), "refusal message names line "
          "4: %r" % obj.get("message"))
    check(open_cases(d) == 11, "a refused import applies nothing")
    rc, _, out, err = d.ctl("import", "cases", bad, json_out=False)
    check(rc == 1 and "line 4: kind" in err, "reflectctl prints the "
          "error list on stderr: rc %d, stderr %r" % (rc, err))
    # A reference the daemon refuses is a row error too.
    obj = d.refused(["import", "cases", write(d, "ref.csv",
                     "ref,kind,lead\nNEW/1,cp,sam\nNEW/2,cp,nobody\n")],
                    "invalid")
    errs = (obj.get("result") or {}).get("errors") or [{}]
    check(errs[0].get("line") == 3 and "lead" in errs[0].get("message", ""),
          "unknown lead is an error on line 3: %r" % (errs,))
    check(open_cases(d) == 11, "nothing applied after a reference error")

    # Snapshot: a dry run reports and changes nothing; then it closes.
    snap = write(d, "snap.csv", cases_csv(9).replace(
        'NO/1,"%s O",early_help,ola,,2025-10-20\r\n' % CANARY, ""))
    r = d.ok("import", "cases", snap, "mode=snapshot", "dry_run=yes")
    check(counts(r) == (0, 0, 1, 10), "snapshot dry run counts %r" % (r,))
    check(open_cases(d) == 11, "a dry run closes nothing")
    d.refused(["import", "members", write(d, "m.csv", MEMBERS),
               "mode=snapshot"], "usage")
    r = d.ok("import", "cases", snap, "mode=snapshot")
    check(counts(r) == (0, 0, 1, 10), "snapshot counts %r" % (r,))
    check(open_cases(d) == 10, "the snapshot closed the missing case")
    r = d.ok("case", "show", "NO/1")
    check(json.dumps(r).find("2026-01-05") >= 0, "NO/1 closed today: %r" % r)

    # Crossing the limit through an import: one alert, and none again.
    cases11 = write(d, "cases11.csv", cases_csv(11))
    r = d.ok("import", "cases", cases11)
    check(counts(r) == (2, 1, 0, 10), "2 new cases for sam and NO/1 "
          "reopened: %r" % (r,))
    n = len(alerts_to_manager(d))
    check(n == 1, "crossing 15 (16.5) queues one alert to the manager, "
          "got %d" % n)
    r = d.ok("import", "cases", cases11)
    check(counts(r) == (0, 0, 0, 13), "re-import unchanged %r" % (r,))
    n = len(alerts_to_manager(d))
    check(n == 1, "re-importing the same file queues no alert, got %d" % n)

    # The child's name is nowhere: database, log, mail, audit.
    check(wait_drained(d), "the outbox drains into the Maildir")
    mails = d.maildir_files("new") + d.maildir_files("cur")
    check(len(mails) >= 1, "the alert reached the Maildir")
    check(files_with(mails, "NR/") == [], "no case reference in the alert")
    r = d.ok("audit")
    check(CANARY not in json.dumps(r), "no canary in the audit log")
    check(any("import cases" in json.dumps(e) for e in r.get("entries", [])),
          "imports are audited: %r" % str(r)[:200])
    d.stop()
    db = [os.path.join(d.state_dir, n) for n in os.listdir(d.state_dir)]
    for name in ("Canary", CANARY):
        hits = files_with(db + mails + [d.log_path], name)
        check(hits == [], "%r found in %r" % (name, hits))


rt.run(main, limit=60)
