"""help: the commands the caller may run, with usage; unknown subcommands.

An admin's help lists every command with its usage; an unmapped user's
lists status and help only; a member's lists what a member may run and not
admin commands.  help COMMAND narrows to the commands under that name.
An unknown subcommand names the known ones ("team frobnicate" -> "team
has: add, set, list, show, remove"), and reflectctl help prints a table.
"""

import grp
import os
import pwd
import shutil
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def names(res):
    return [c.get("name") for c in res.get("commands") or []]


def main():
    d = rt.Instance(overrides={"daemon": {"socket_group": "nogroup"}},
                    mode=0o755)
    d.start()

    res = d.ok("help")
    got = names(res)
    for n in ("status", "help", "team add", "series show", "rotation",
              "rotation explain", "audit", "reload"):
        check(n in got, "admin's help lists %s: %r" % (n, got))
    check(all(isinstance(c.get("usage"), str) for c in res["commands"]),
          "every command has a usage: %r" % res)
    usage = {c["name"]: c["usage"] for c in res["commands"]}
    check(usage.get("team add", "").startswith("SLUG name="),
          "team add's usage: %r" % usage.get("team add"))

    res = d.ok("help", "team")
    check(names(res) == ["team add", "team set", "team list", "team show",
                         "team remove"], "help team: %r" % names(res))
    res = d.ok("help", "series", "show")
    check(names(res) == ["series show"], "help series show: %r" %
          names(res))
    d.refused(["help", "frobnicate"], "not_found")

    r = d.refused(["team", "frobnicate"], "usage")
    check(r.get("message") == "unknown command: team frobnicate (team has: "
          "add, set, list, show, remove)", "unknown subcommand: %r" % r)
    r = d.refused(["team"], "usage")
    check("team has: add, set, list, show, remove" in r.get("message", ""),
          "bare team: %r" % r)
    r = d.refused(["rotation", "frobnicate"], "usage")
    check("rotation has: explain" in r.get("message", ""),
          "a one-word command's subcommands are named: %r" % r)
    r = d.refused(["frobnicate"], "usage")
    check("help" in r.get("message", ""), "unknown command points at "
          "help: %r" % r)

    rc, obj, out, err = d.ctl("help", json_out=False)
    check(rc == 0 and "team add" in out and "SLUG name=" in out,
          "reflectctl help prints the commands: %r" % out[:300])

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        rt.log("not root or no setpriv: other users' help not checked")
        return
    try:
        pwd.getpwnam("nobody")
        grp.getgrnam("nogroup")
    except KeyError:
        rt.log("no nobody/nogroup: other users' help not checked")
        return
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    rc, obj, out, err = d.ctl("status", user="nobody", ctl=ctl)
    if rc == 3:
        rt.log("nobody cannot reach the socket here: not checked")
        return
    res = d.ok("help", user="nobody", ctl=ctl)
    check(names(res) == ["status", "help"],
          "an unmapped user may run status and help: %r" % names(res))

    d.ok("team", "add", "north", "name=North", "kind=mast")
    d.ok("member", "add", "sw0", "name=Worker", "email=sw0@example.org",
         "role=social_worker", "team=north", "login=nobody")
    got = names(d.ok("help", user="nobody", ctl=ctl))
    for n in ("member show", "schedule", "absence add", "feed token",
              "case flag"):
        check(n in got, "a member's help lists %s: %r" % (n, got))
    for n in ("reload", "audit", "team add", "rotation", "plan"):
        check(n not in got, "a member's help does not list %s: %r" %
              (n, got))
    r = d.refused(["help", "audit"], "forbidden", user="nobody", ctl=ctl)
    check(r.get("message", "").count("forbidden") == 1,
          "help audit refusal: %r" % r)


if __name__ == "__main__":
    rt.run(main)
