"""Private state: the database, its WAL and journal, the spool are the
daemon's user's only (0600 files, 0700 directories), whatever umask the
daemon was started with and whatever socket_group is; the socket alone is
0660.

The unit asks for that (UMask=0077, StateDirectoryMode=0700) and keeps
its systemd-analyze exposure at 2.0 or less; the daemon sets its own umask,
so a start under umask 022 writes nothing group- or world-readable; and a
state directory an older install left 0750 with a 0640 database is made
private at the next start.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

TO = "team@example.org"


def unit_settings():
    path = os.path.join(rt.TOP_SRCDIR, "systemd", "reflectd.service.in")
    with open(path) as f:
        text = f.read()
    keys = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$", line)
        if m:
            keys.setdefault(m.group(1), []).append(m.group(2))
    return path, text, keys


def check_unit():
    path, text, keys = unit_settings()
    umask = keys.get("UMask", [])
    check(len(umask) == 1 and int(umask[0], 8) & 0o077 == 0o077,
          "the unit's UMask must take every group and other bit away, "
          "got %r" % umask)
    mode = keys.get("StateDirectoryMode", [])
    check(len(mode) == 1 and int(mode[0], 8) & 0o077 == 0,
          "StateDirectoryMode must be 0700, got %r" % mode)
    check(keys.get("StateDirectory") == ["reflectd"],
          "the state directory is systemd's: %r" % keys.get("StateDirectory"))

    sa = shutil.which("systemd-analyze")
    if sa is None:
        rt.log("no systemd-analyze here: exposure not measured")
        return
    tmp = rt.mkdtemp()
    unit = os.path.join(tmp, "reflectd.service")
    with open(unit, "w") as f:
        f.write(text.replace("@sbindir@", "/usr/sbin")
                .replace("@sysconfdir@", "/etc"))
    p = subprocess.run([sa, "security", "--offline=yes", unit],
                       capture_output=True, timeout=60)
    out = p.stdout.decode(errors="replace")
    m = re.search(r"Overall exposure level for \S+:\s*([0-9.]+)", out)
    if m is None:
        rt.log("systemd-analyze security could not rate the unit here: %s"
               % (p.stderr.decode(errors="replace").strip()[:200]))
        return
    rt.log("systemd-analyze exposure %s" % m.group(1))
    check(float(m.group(1)) <= 2.0, "systemd-analyze security rates the "
          "unit %s, want 2.0 or less" % m.group(1))


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def check_private(d, when):
    """Everything under the state dir and the Maildir is private."""
    seen = []
    for top in (d.state_dir, d.maildir):
        for root, dirs, files in os.walk(top):
            check(mode_of(root) & 0o077 == 0, "%s: directory %s is mode "
                  "%04o, want 0700" % (when, root, mode_of(root)))
            for name in files:
                p = os.path.join(root, name)
                seen.append(name)
                check(mode_of(p) & 0o077 == 0, "%s: %s is mode %04o, want "
                      "0600" % (when, p, mode_of(p)))
    return seen


def main():
    check_unit()

    old = os.umask(0o022)
    try:
        d = rt.Instance(overrides={"daemon": {"socket_group": "nogroup"}})
        d.start()
    finally:
        os.umask(old)
    d.ok("debug", "mail", "to=%s" % TO, "count=3")
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    deadline = 50
    while deadline > 0 and len(d.maildir_files()) < 3:
        time.sleep(0.1)
        deadline -= 1
    check(len(d.maildir_files()) == 3, "the test messages were delivered")
    seen = check_private(d, "started under umask 022")
    for name in ("reflectd.db", "reflectd.db-wal"):
        check(name in seen, "%s exists in the state directory: %r" %
              (name, seen))
    check(mode_of(d.sock) == 0o660, "the socket stays 0660, got %04o" %
          mode_of(d.sock))
    d.stop()

    # An older install's modes are made private at the next start.
    os.chmod(d.state_dir, 0o750)
    for name in os.listdir(d.state_dir):
        os.chmod(os.path.join(d.state_dir, name), 0o640)
    d.start()
    d.ok("team", "add", "south", "name=MAST South", "kind=mast")
    check(mode_of(d.state_dir) == 0o700, "the state directory is made "
          "0700 again, got %04o" % mode_of(d.state_dir))
    for name in ("reflectd.db", "reflectd.db-wal", "reflectd.db-shm"):
        p = os.path.join(d.state_dir, name)
        if os.path.exists(p):
            check(mode_of(p) == 0o600, "%s is made 0600 again, got %04o" %
                  (name, mode_of(p)))
    d.stop()


rt.run(main)
