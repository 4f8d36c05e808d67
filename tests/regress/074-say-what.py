"""Errors that say what went wrong, and a debug mail that does what it says.

A state directory the daemon cannot write stops the start with a message
naming the directory and why: a read-only file system, or a directory
not writable by the daemon's uid, not SQLite's "unable to open database
file".  `debug mail` after a restart at the same --fake-now queues new
messages with Message-IDs of their own, and its answer counts what it
really queued.
"""

import os
import pwd
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

TO = "team@example.org"


def start_fails(d, argv_prefix=(), reflectd=None):
    """Start; it must exit non-zero within 10 s.  Returns its stderr."""
    argv = list(argv_prefix) + [reflectd or rt.REFLECTD, "-f", "-c",
                                d.conf_path, "--fake-now=%s" % rt.FAKE_NOW]
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=10, cwd=d.tmp)
    except subprocess.TimeoutExpired:
        check(False, "reflectd kept running on an unwritable state "
              "directory")
        return ""
    err = p.stderr.decode(errors="replace")
    rt.log("exit %d: %s" % (p.returncode, err.strip().splitlines()[-1:]))
    check(p.returncode != 0, "reflectd started on an unwritable state "
          "directory")
    check(rt.sanitizer_report(err) is None, "sanitizer: %s" %
          rt.sanitizer_report(err))
    return err


def read_only(d):
    os.makedirs(d.state_dir)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700",
                        "reflectd-test", d.state_dir], capture_output=True)
    if r.returncode != 0:
        rt.log("cannot mount a tmpfs: read-only case not checked")
        return
    try:
        # A database that exists, on a file system remounted read-only.
        d.start()
        d.ok("team", "add", "north", "name=MAST North", "kind=mast")
        d.stop()
        subprocess.run(["mount", "-o", "remount,ro", d.state_dir],
                       check=True)
        err = start_fails(d)
        check(d.state_dir in err and "read-only file system" in err.lower(),
              "the refusal names the state directory and the read-only "
              "file system: %r" % err[-300:])
        check("unable to open database file" not in err,
              "SQLite's bare message: %r" % err[-300:])
    finally:
        subprocess.run(["umount", "-l", d.state_dir], capture_output=True)


def not_writable():
    """The daemon runs as nobody; its state directory is root's 0755."""
    if shutil.which("setpriv") is None:
        rt.log("no setpriv: uid case not checked")
        return
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        rt.log("no nobody user: uid case not checked")
        return
    d = rt.Instance(mode=0o777)
    os.makedirs(d.state_dir, mode=0o755)
    os.chmod(d.state_dir, 0o755)
    os.chmod(d.conf_path, 0o644)
    prog = os.path.join(d.tmp, "reflectd")
    shutil.copy(rt.REFLECTD, prog)
    os.chmod(prog, 0o755)
    err = start_fails(d, ["setpriv", "--reuid=nobody", "--regid=nogroup",
                          "--clear-groups"], reflectd=prog)
    want = "not writable by uid %d" % nobody.pw_uid
    check(d.state_dir in err and want in err and
          "Permission denied" in err,
          "the refusal names the state directory, the uid and the "
          "reason (%r): %r" % (want, err[-300:]))


def debug_mail_restart():
    d = rt.Instance()
    d.start()
    first = d.ok("debug", "mail", "to=%s" % TO, "count=2")
    check(first.get("queued") == 2, "first debug mail: %r" % first)
    d.stop()
    d.start()          # the same --fake-now
    again = d.ok("debug", "mail", "to=%s" % TO, "count=2")
    check(again.get("queued") == 2 and len(again.get("ids") or []) == 2,
          "after a restart debug mail queues two more: %r" % again)
    check(not set(first.get("ids") or []) & set(again.get("ids") or []),
          "new rows, not the old ones: %r then %r" % (first, again))
    rows = [m for m in d.ok("outbox").get("messages") or []
            if m.get("kind") == "test"]
    check(len(rows) == 4, "four test messages in the outbox: %d" %
          len(rows))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(d.maildir_files()) < 4:
        time.sleep(0.1)
    ids = d.maildir_message_ids()
    check(len(ids) == 4 and len(set(ids)) == 4,
          "four messages with four Message-IDs delivered: %r" % ids)
    d.stop()


def main():
    if os.geteuid() == 0:
        read_only(rt.Instance())
        not_writable()
    else:
        rt.log("not root: state directory cases not checked")
    debug_mail_restart()


rt.run(main)
