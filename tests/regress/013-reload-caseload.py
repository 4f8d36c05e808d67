"""A reload that lowers a caseload limit alerts the manager of a worker it
puts over, once; reloading the same file again sends nothing more."""

import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def alerts(d):
    msgs = d.ok("outbox").get("messages") or []
    return [m for m in msgs if m.get("kind") == "caseload_alert"]


def main():
    d = rt.Instance()
    d.start(debug=False)
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("member", "add", "mina", "name=Mina Okafor",
         "email=mina@example.org", "role=manager", "team=north")
    d.ok("team", "set", "north", "manager=mina")
    d.ok("member", "add", "alice", "name=Alice Moss",
         "email=alice@example.org", "role=social_worker", "team=north")
    for i in range(8):
        d.ok("case", "add", "CR-%04d" % i, "kind=cin", "lead=alice",
             "opened=2025-11-03")
    row = (d.ok("caseload", "member=alice").get("members") or [{}])[0]
    check(row.get("status") == "ok" and row.get("limit") == 15,
          "alice starts ok at 8/15: %r" % row)
    check(alerts(d) == [], "no alert before the reload")

    # Lower the social worker limit below her 8 weighted cases.
    d.write_config(extra="[caseload]\nlimit.social_worker = 6\n")
    d.ok("reload")
    row = (d.ok("caseload", "member=alice").get("members") or [{}])[0]
    check(row.get("status") == "over" and row.get("limit") == 6,
          "after the reload alice is over 8/6: %r" % row)
    a = alerts(d)
    check(len(a) == 1 and "mina@example.org" in str(a[0].get("to")),
          "one caseload alert to the manager after the reload: %r" % a)

    # The same file again, and a SIGHUP: no second alert.
    d.ok("reload")
    d.send_signal(rt.signal.SIGHUP)
    time.sleep(0.5)
    check(len(alerts(d)) == 1, "reloading the same limits alerted again: "
          "%r" % alerts(d))

    # Back up to 15: she drops below, and crossing again alerts again.
    d.write_config()
    d.ok("reload")
    d.write_config(extra="[caseload]\nlimit.social_worker = 6\n")
    d.ok("reload")
    check(len(alerts(d)) == 2, "a second crossing by reload alerts once "
          "more: %r" % alerts(d))
    d.stop()


rt.run(main)
