"""Caseloads through the daemon: weighted figures, limits, statuses, one
alert per crossing to the team manager without case references, scope for
an ordinary member, and the human table with bars."""

import email
import email.policy
import grp
import math
import os
import pwd
import shutil
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

MANAGER_ADDR = "mina.okafor@example.org"
BOB_NAME = "Bob Ferreira"


def rows_by_member(res):
    rows = res.get("members") if isinstance(res, dict) else None
    check(isinstance(rows, list), "caseload has a members list: %r" % res)
    return {r.get("member"): r for r in rows or [] if isinstance(r, dict)}


def two_places(x):
    """The daemon's rounding: two decimals, half up (4.125 -> 4.13)."""
    return math.floor(x * 100 + 0.5 + 1e-9) / 100


def expect_row(rows, member, cases, weighted, limit, status):
    weighted = two_places(weighted)
    r = rows.get(member)
    if not check(r is not None, "caseload lists %s: %r" % (member,
                                                          sorted(rows))):
        return
    got = (r.get("cases"), r.get("weighted"), r.get("limit"),
           r.get("status"))
    check(r.get("cases") == cases and
          abs(float(r.get("weighted", -1)) - weighted) < 1e-9 and
          abs(float(r.get("limit", -1)) - limit) < 1e-9 and
          r.get("status") == status,
          "caseload of %s: got (cases, weighted, limit, status) %r, want "
          "%r" % (member, got, (cases, weighted, limit, status)))


def alerts(d):
    msgs = d.ok("outbox").get("messages") or []
    return [m for m in msgs if m.get("kind") == "caseload_alert"]


def wait_mail(d, n, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(d.maildir_files("new")) >= n:
            return d.maildir_files("new")
        time.sleep(0.1)
    return d.maildir_files("new")


def mail_text(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return msg, str(msg.get("Subject", "")) + "\n" + text


def main():
    # Group nogroup and a searchable temp dir let "nobody" connect later.
    try:
        grp.getgrnam("nogroup")
        d = rt.Instance(overrides={"daemon": {"socket_group": "nogroup"}},
                        mode=0o755)
    except KeyError:
        d = rt.Instance()
    d.start(debug=False)
    refs = []

    def add_case(ref, kind, lead, coworker=None):
        words = ["case", "add", ref, "kind=" + kind, "lead=" + lead,
                 "opened=2025-11-03"]
        if coworker:
            words.append("coworker=" + coworker)
        res = d.ok(*words)
        refs.append(ref)
        return res

    # Two teams; the manager is a member, so the team gets it afterwards.
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("team", "add", "south", "name=MAST South", "kind=mast")
    d.ok("member", "add", "mina", "name=Mina Okafor",
         "email=" + MANAGER_ADDR, "role=manager", "team=north")
    d.ok("member", "add", "sam", "name=Sam Price",
         "email=sam.price@example.org", "role=manager", "team=south")
    d.ok("team", "set", "north", "manager=mina")
    d.ok("team", "set", "south", "manager=sam")
    d.ok("member", "add", "pia", "name=Pia Lund", "email=pia@example.org",
         "role=psychologist", "team=north")
    d.ok("member", "add", "alice", "name=Alice Moss",
         "email=alice@example.org", "role=social_worker", "team=north")
    d.ok("member", "add", "bob", "name=" + BOB_NAME, "email=bob@example.org",
         "role=social_worker", "team=north", "fte=0.6")
    d.ok("member", "add", "carol", "name=Carol Dunn",
         "email=carol@example.org", "role=senior_practitioner",
         "team=north", "fte=0.5", "limit=8")
    d.ok("member", "add", "dan", "name=Dan Ito", "email=dan@example.org",
         "role=asye", "team=north", "login=nobody")
    d.ok("member", "add", "eve", "name=Eve Hart", "email=eve@example.org",
         "role=social_worker", "team=south")
    d.ok("member", "add", "finn", "name=Finn Cole",
         "email=finn@example.org", "role=youth_worker", "team=south")

    add_case("CR-7701", "cp", "alice")
    add_case("CR-7702", "cin", "alice")
    add_case("CR-7703", "lac", "alice")
    add_case("CR-7704", "care_leaver", "alice", "bob")
    add_case("CR-7705", "cp", "bob")
    add_case("CR-7706", "early_help", "bob")
    add_case("CR-7707", "cp", "bob", "carol")
    add_case("CR-7708", "lac", "carol")
    add_case("CR-7709", "other", "dan")
    add_case("SX-8801", "cin", "eve")

    # Refusals name the field and change nothing.
    r = d.refused(["case", "add", "CR-7790", "kind=cp", "lead=pia"],
                  "invalid")
    check("lead" in str(r.get("message")), "a psychologist as lead: the "
          "message names lead: %r" % r)
    d.refused(["case", "add", "CR-7790", "kind=cp", "lead=nosuch"],
              "not_found")
    r = d.refused(["case", "add", "CR-7790", "kind=cp", "lead=bob",
                   "coworker=bob"], "invalid")
    check("coworker" in str(r.get("message")), "lead as co-worker: the "
          "message names coworker: %r" % r)
    r = d.refused(["case", "add", "CR-7790", "kind=weird", "lead=bob"],
                  "invalid")
    check("kind" in str(r.get("message")), "bad kind named: %r" % r)
    d.refused(["case", "add", "bad ref!", "kind=cp", "lead=bob"], "invalid")
    d.refused(["case", "add", "CR-7701", "kind=cp", "lead=bob"], "conflict")
    d.refused(["case", "show", "CR-7790"], "not_found")

    c = d.ok("case", "show", "CR-7704")
    check(c.get("lead") == "alice" and c.get("coworker") == "bob" and
          c.get("kind") == "care_leaver" and c.get("closed") is None and
          c.get("flagged") is False, "case show CR-7704: %r" % c)

    # Hand-computed: weights cp 1.5, cin 1, lac 1.25, care_leaver and
    # early_help 0.75, other 1; a co-worker counts half.
    rows = rows_by_member(d.ok("caseload"))
    expect_row(rows, "alice", 4, 1.5 + 1 + 1.25 + 0.75, 15, "ok")
    expect_row(rows, "bob", 4, 0.375 + 1.5 + 0.75 + 1.5, 9, "ok")  # 4.13
    expect_row(rows, "carol", 2, 0.75 + 1.25, 8, "ok")   # override
    expect_row(rows, "dan", 1, 1.0, 10, "ok")
    expect_row(rows, "eve", 1, 1.0, 15, "ok")
    expect_row(rows, "finn", 0, 0, 12, "ok")
    check("mina" not in rows and "pia" not in rows and "sam" not in rows,
          "managers and psychologists have no caseload row: %r" %
          sorted(rows))
    order = [(r["team"], r["member"]) for r in
             d.ok("caseload").get("members", [])]
    check(order == sorted(order), "caseload sorted by team then member: %r"
          % order)
    b = rows.get("bob", {})
    check(b.get("name") == BOB_NAME and b.get("team") == "north" and
          b.get("role") == "social_worker" and b.get("fte") == 0.6,
          "bob's row carries name, team, role and fte: %r" % b)

    rows = rows_by_member(d.ok("caseload", "team=south"))
    check(sorted(rows) == ["eve", "finn"], "team=south lists its members "
          "only: %r" % sorted(rows))

    # Carol (limit 8, approaching from 7.2): 2 + 4.5 + 1 = 7.5.
    for ref in ("CR-7710", "CR-7711", "CR-7712"):
        add_case(ref, "cp", "carol")
    add_case("CR-7713", "cin", "carol")
    rows = rows_by_member(d.ok("caseload", "member=carol"))
    expect_row(rows, "carol", 6, 7.5, 8, "approaching")

    # Bob (limit 9 at 0.6 fte): approaching, then over: one alert.
    add_case("CR-7714", "cp", "bob")
    add_case("CR-7715", "cp", "bob")
    add_case("CR-7716", "lac", "bob")
    expect_row(rows_by_member(d.ok("caseload", "member=bob")), "bob",
               7, 8.375, 9, "approaching")
    check(alerts(d) == [], "no alert while approaching: %r" % alerts(d))
    add_case("CR-7717", "cin", "bob")
    expect_row(rows_by_member(d.ok("caseload", "member=bob")), "bob",
               8, 9.375, 9, "over")
    a = alerts(d)
    check(len(a) == 1, "going over queues exactly one caseload_alert: %r"
          % a)
    if a:
        check(a[0].get("to") == MANAGER_ADDR, "the alert goes to the team "
              "manager: %r" % a[0])
        check(BOB_NAME in str(a[0].get("subject")), "the alert's subject "
              "names the worker: %r" % a[0])

    # Still over: more work and a reallocation send nothing new.
    add_case("CR-7718", "early_help", "bob")
    d.ok("case", "set", "CR-7718", "lead=alice")
    expect_row(rows_by_member(d.ok("caseload", "member=bob")), "bob",
               8, 9.375, 9, "over")
    expect_row(rows_by_member(d.ok("caseload", "member=alice")), "alice",
               5, 5.25, 15, "ok")
    check(len(alerts(d)) == 1, "no second alert while still over: %r" %
          alerts(d))

    # Back within the limit, then exactly at it (not over), then over.
    c = d.ok("case", "close", "CR-7717", "date=2026-01-05")
    check(c.get("closed") == "2026-01-05", "case close sets closed: %r" % c)
    d.refused(["case", "close", "CR-7717"], "conflict")
    add_case("CR-7720", "lac", "alice", "bob")
    expect_row(rows_by_member(d.ok("caseload", "member=bob")), "bob",
               8, 9.0, 9, "approaching")
    check(len(alerts(d)) == 1, "exactly at the limit is not over: %r" %
          alerts(d))
    add_case("CR-7719", "cp", "bob")
    expect_row(rows_by_member(d.ok("caseload", "member=bob")), "bob",
               9, 10.5, 9, "over")
    check(len(alerts(d)) == 2, "crossing again queues a second alert: %r"
          % alerts(d))

    # The two mails reach the Maildir, name Bob and no case.
    files = wait_mail(d, 2)
    rt.log("%d alert mails delivered" % len(files))
    check(len(files) == 2, "two alert mails delivered: %r" % files)
    ids = set()
    for path in files:
        msg, text = mail_text(path)
        ids.add(str(msg.get("Message-ID")))
        check(MANAGER_ADDR in str(msg.get("To")), "alert To: %r" %
              msg.get("To"))
        check(BOB_NAME in text and "north" in text.lower(),
              "the alert names the worker and team: %r" % text[:400])
        check("10.5" in text or "9.38" in text or "9.375" in text,
              "the alert gives the weighted caseload: %r" % text[:600])
        leaked = [r for r in refs if r in text]
        check(leaked == [], "the alert carries case references %r" %
              leaked)
    check(len(ids) == 2, "each crossing has its own Message-ID: %r" % ids)

    # Flags and lists.
    c = d.ok("case", "flag", "CR-7705", "reason=stuck with school")
    check(c.get("flagged") is True and c.get("flag_reason") ==
          "stuck with school" and c.get("flagged_on") == "2026-01-05",
          "case flag: %r" % c)
    c = d.ok("case", "unflag", "CR-7705")
    check(c.get("flagged") is False and c.get("flag_reason") is None,
          "case unflag: %r" % c)
    listed = [x.get("ref") for x in
              d.ok("case", "list", "member=bob", "open=yes").get("cases", [])]
    check(listed == sorted(["CR-7704", "CR-7705", "CR-7706", "CR-7707",
                            "CR-7714", "CR-7715", "CR-7716", "CR-7719",
                            "CR-7720"]),
          "case list member=bob open=yes: %r" % listed)
    listed = [x.get("ref") for x in
              d.ok("case", "list", "open=no").get("cases", [])]
    check(listed == ["CR-7717"], "case list open=no: %r" % listed)
    listed = [x.get("ref") for x in
              d.ok("case", "list", "team=south").get("cases", [])]
    check(listed == ["SX-8801"], "case list team=south: %r" % listed)

    # The human table: a bar per member, statuses in words, no colour.
    rc, _, out, err = d.ctl("caseload", "team=north", json_out=False)
    check(rc == 0, "reflectctl caseload exits 0: %d %r" % (rc, err))
    bob_line = [ln for ln in out.splitlines() if ln.startswith("bob ")]
    check(len(bob_line) == 1 and "\u2588" * 10 + " 10.5/9" in bob_line[0]
          and "OVER" in bob_line[0], "bob's line has a full bar, 10.5/9 "
          "and OVER: %r" % out)
    carol_line = [ln for ln in out.splitlines() if ln.startswith("carol ")]
    check(len(carol_line) == 1 and "\u2588" * 9 + "\u2591 7.5/8" in
          carol_line[0] and "APPROACHING" in carol_line[0],
          "carol's line has 9 of 10 cells, 7.5/8 and APPROACHING: %r" % out)
    check("\x1b[" not in out, "no colour when stdout is not a terminal")

    # A leaver has no row.
    d.ok("member", "leave", "finn", "end=2026-01-02")
    rows = rows_by_member(d.ok("caseload", "team=south"))
    check(sorted(rows) == ["eve"], "a leaver is not listed: %r" %
          sorted(rows))

    member_scope(d)

    text = d.log_text()
    leaked = [r for r in refs if r in text]
    check(leaked == [], "case references in the info-level log: %r" %
          leaked)
    d.stop()


def member_scope(d):
    """dan (login nobody) sees only his own row and his own cases."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        rt.log("not root or no setpriv: member scope not checked")
        return
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        rt.log("no nobody/nogroup: member scope not checked")
        return
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    rc, obj, out, err = d.ctl("status", user="nobody", ctl=ctl)
    if rc == 3:
        rt.log("nobody cannot reach the socket here: scope not checked")
        return
    rt.log("member scope: dan, as nobody")
    as_dan = {"user": "nobody", "ctl": ctl}
    d.refused(["caseload", "team=south"], "forbidden", **as_dan)
    d.refused(["caseload", "member=alice"], "forbidden", **as_dan)
    for words in (["caseload"], ["caseload", "member=me"]):
        rows = rows_by_member(d.ok(*words, **as_dan))
        check(sorted(rows) == ["dan"], "dan's %s shows his row only: %r" %
              (" ".join(words), sorted(rows)))
    listed = [x.get("ref") for x in
              d.ok("case", "list", **as_dan).get("cases", [])]
    check(listed == ["CR-7709"], "dan's case list: %r" % listed)
    d.refused(["case", "show", "CR-7701"], "forbidden", **as_dan)
    d.refused(["case", "close", "CR-7709"], "forbidden", **as_dan)
    c = d.ok("case", "flag", "CR-7709", "reason=please", **as_dan)
    check(c.get("flagged") is True, "dan flags his own case: %r" % c)
    d.refused(["case", "flag", "CR-7701"], "forbidden", **as_dan)


rt.run(main, limit=90)
