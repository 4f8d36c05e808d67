"""status through reflectctl and the raw socket; reflectctl's exit codes."""

import os
import re
import socket
import subprocess
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def version():
    p = subprocess.run([rt.REFLECTD, "-V"], capture_output=True, timeout=10)
    out = p.stdout.decode(errors="replace").strip()
    check(p.returncode == 0, "reflectd -V exits %d" % p.returncode)
    m = re.search(r"(\d+\.\d+(?:\.\d+)?\S*)", out)
    check(m is not None, "reflectd -V prints a version: %r" % out)
    return m.group(1) if m else out


def check_status(res, how, want_version):
    check(res.get("version") == want_version, "%s: version %r, want %r "
          "(as reflectd -V)" % (how, res.get("version"), want_version))
    now = res.get("now")
    check(isinstance(now, str) and now.startswith("2026-01-05T09:00"),
          "%s: now %r does not honour --fake-now 2026-01-05T09:00:00Z in "
          "Europe/London" % (how, now))
    if isinstance(now, str):
        check(rt.offset_of(now) == "+00:00", "%s: now %r should carry the "
              "Europe/London winter offset +00:00" % (how, now))
    up = res.get("uptime_s")
    check(rt.is_count(up) and up < 60, "%s: uptime_s %r should be a small "
          "non-negative integer" % (how, up))
    for k in ("teams", "members", "open_cases", "sessions_planned"):
        check(rt.is_count(res.get(k)), "%s: %s is %r, want a count" %
              (how, k, res.get(k)))
    ob = res.get("outbox")
    check(isinstance(ob, dict), "%s: admin's status has no outbox object: %r"
          % (how, ob))
    if isinstance(ob, dict):
        for k in ("queued", "sent", "failed"):
            check(rt.is_count(ob.get(k)), "%s: outbox.%s is %r, want a count"
                  % (how, k, ob.get(k)))


def kept_figures(d):
    """status keeps its figures between writes: every write, and a
    reload that changes what is refused, shows at once."""
    before = d.status()
    check(d.status().get("teams") == before.get("teams"),
          "two status in a row disagree on teams")
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("member", "add", "gia", "name=Gia Gmail", "email=gia@gmail.com",
         "role=social_worker", "team=north")
    st = d.status()
    check(st.get("teams") == before.get("teams", 0) + 1 and
          st.get("members") == before.get("members", 0) + 1,
          "status after team add and member add: teams %r, members %r; "
          "want one more of each than %r, %r" %
          (st.get("teams"), st.get("members"), before.get("teams"),
           before.get("members")))
    check((st.get("mail") or {}).get("refused_members") == [],
          "no allowed_domains yet, yet refused_members is %r" %
          (st.get("mail") or {}).get("refused_members"))
    d.write_config({"mail": {"allowed_domains": "example.org"}})
    d.ok("reload")
    st = d.status()
    refused = [m.get("member") for m in
               (st.get("mail") or {}).get("refused_members") or []]
    check(refused == ["gia"], "after a reload with allowed_domains = "
          "example.org, status refused_members is %r, want [gia]" % refused)
    d.ok("member", "set", "gia", "email=gia@example.org")
    refused = (d.status().get("mail") or {}).get("refused_members")
    check(refused == [], "after gia's address moved into example.org, "
          "refused_members is still %r" % refused)
    # The organisation's figures are kept apart from the sessions' and the
    # outbox's: a case, a series and a leaver each show at once.
    st = d.status()
    d.ok("case", "add", "ST/1", "kind=cp", "lead=gia", "opened=2026-01-05")
    st2 = d.status()
    check(st2.get("open_cases") == st.get("open_cases", 0) + 1,
          "a case added: open_cases %r, was %r" % (st2.get("open_cases"),
                                                    st.get("open_cases")))
    d.ok("series", "add", "gs-north", "kind=group_supervision",
         "team=north", "rrule=FREQ=WEEKLY;BYDAY=TU",
         "start=2026-01-06T10:00", "duration=60", "location=Room 1")
    st3 = d.status()
    check(st3.get("sessions_planned", 0) > st2.get("sessions_planned", 0)
          and st3.get("open_cases") == st2.get("open_cases") and
          st3.get("members") == st2.get("members"),
          "a series added: sessions_planned %r (was %r), the rest as it "
          "was: %r" % (st3.get("sessions_planned"),
                       st2.get("sessions_planned"), st3))
    d.ok("member", "leave", "gia", "end=2026-01-31")
    st4 = d.status()
    check(st4.get("orphaned_cases") == 1 and
          (st4.get("orphaned_by_lead") or {}).get("gia") == 1,
          "gia leaving orphans her case: %r %r" %
          (st4.get("orphaned_cases"), st4.get("orphaned_by_lead")))
    check(d.status().get("uptime_s") is not None, "status lost uptime_s")


def main():
    want = version()
    rt.log("version %s" % want)

    d = rt.Instance()
    d.start()

    # reflectctl --json status
    check_status(d.status(), "reflectctl --json status", want)

    # Raw socket: one line in, one line of JSON out.
    c = d.connect()
    r = c.request("status")
    check(isinstance(r, dict) and r.get("ok") is True and
          isinstance(r.get("result"), dict),
          "raw socket status: want {ok:true,result:{...}}, got %r" % r)
    if isinstance(r, dict) and isinstance(r.get("result"), dict):
        check_status(r["result"], "raw socket status", want)
    c.close()

    # Human output names the version.
    rc, _, out, err = d.ctl("status", json_out=False)
    check(rc == 0, "reflectctl status (tables) exits %d: %r" % (rc, err))
    check(any(want in line for line in out.splitlines()),
          "reflectctl status (no --json) has no line with the version: %r"
          % out)

    kept_figures(d)

    # Unknown command: refused with usage.
    d.refused(["frobnicate", "now"], "usage")
    check(d.alive(), "daemon still running after an unknown command")

    # Usage errors of the client itself.
    p = subprocess.run([rt.REFLECTCTL, "-s", d.sock], capture_output=True,
                       timeout=10)
    check(p.returncode == 2, "reflectctl with no command exits %d, want 2"
          % p.returncode)
    check(p.stderr.strip() != b"", "reflectctl with no command says why "
          "on stderr")
    p = subprocess.run([rt.REFLECTCTL, "-s", d.sock, "--no-such-option",
                        "status"], capture_output=True, timeout=10)
    check(p.returncode == 2, "reflectctl with a bad option exits %d, want 2"
          % p.returncode)

    # Nothing listening: exit 3 and a message naming the socket.
    nowhere = os.path.join(d.tmp, "nobody-here.sock")
    p = subprocess.run([rt.REFLECTCTL, "-s", nowhere, "--json", "status"],
                       capture_output=True, timeout=10)
    msg = p.stderr.decode(errors="replace")
    check(p.returncode == 3, "reflectctl on a missing socket exits %d, "
          "want 3" % p.returncode)
    check(nowhere in msg, "reflectctl on a missing socket should name it "
          "in its message: %r" % msg)

    # A socket file nobody listens on (a dead daemon's): also exit 3.
    d.stop()
    dead = os.path.join(d.tmp, "dead.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(dead)
    s.close()
    p = subprocess.run([rt.REFLECTCTL, "-s", dead, "--json", "status"],
                       capture_output=True, timeout=10)
    check(p.returncode == 3, "reflectctl on a dead socket exits %d, want 3"
          % p.returncode)
    check(p.stderr.strip() != b"", "reflectctl on a dead socket says why")


rt.run(main)
