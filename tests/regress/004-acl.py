"""Access control by peer credentials: an outsider may run status only."""

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
    """Every directory above path can be searched by other users."""
    d = os.path.dirname(os.path.abspath(path))
    while True:
        st = os.stat(d)
        if not st.st_mode & stat.S_IXOTH:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


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
    if not traversable_by_others(d.sock):
        rt.skip("the temp dir %s is not reachable by other users" % d.tmp)

    # nobody must be able to run the client: copy it beside the socket.
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)

    d.start()
    st = os.stat(d.sock)
    check(st.st_gid == grp.getgrnam("nogroup").gr_gid,
          "the socket's group should be socket_group (nogroup), is gid %d"
          % st.st_gid)

    # As nobody: status yes (without the outbox), the rest forbidden.
    res = d.ok("status", user="nobody", ctl=ctl)
    check("version" in res, "nobody's status has the version: %r" % res)
    check("outbox" not in res, "nobody's status must not show the outbox: "
          "%r" % res)
    d.refused(["reload"], "forbidden", user="nobody", ctl=ctl)
    d.refused(["outbox"], "forbidden", user="nobody", ctl=ctl)
    d.refused(["audit"], "forbidden", user="nobody", ctl=ctl)
    d.refused(["debug", "mail", "to=x@example.org"], "forbidden",
              user="nobody", ctl=ctl)

    # As root (an admin): everything, including the outbox in status.
    res = d.ok("status", ctl=ctl)
    check(isinstance(res.get("outbox"), dict), "root's status shows the "
          "outbox: %r" % res)
    d.ok("reload", ctl=ctl)
    d.ok("outbox", ctl=ctl)

    # The audit log has root's reload and nothing from nobody.
    entries = d.ok("audit").get("entries")
    check(isinstance(entries, list), "audit result has entries: %r" %
          entries)
    entries = entries if isinstance(entries, list) else []
    reloads = [e for e in entries if isinstance(e, dict) and
               str(e.get("command", "")).split()[:1] == ["reload"]]
    check(len(reloads) == 1, "audit should show exactly one reload (root's), "
          "got %r" % entries)
    for e in reloads:
        check(e.get("user") == "root", "the reload's audit user is %r, want "
              "root" % e.get("user"))
        for k in ("id", "at"):
            check(k in e, "audit entry lacks %s: %r" % (k, e))
        at = str(e.get("at", ""))
        check(at.startswith("2026-01-05T"), "audit 'at' %r follows the "
              "daemon's clock" % at)
    check(not any(isinstance(e, dict) and e.get("user") == "nobody"
                  for e in entries),
          "refused requests must not be audited: %r" % entries)
    d.stop()


rt.run(main)
