"""Framing on the control socket, a second daemon, and a stale socket."""

import os
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def still_serving(d, what):
    r = d.raw("status")
    check(isinstance(r, dict) and r.get("ok") is True,
          "after %s the daemon should still answer status, got %r" %
          (what, r))


def main():
    d = rt.Instance()
    d.start()

    st = os.stat(d.sock)
    check(stat.S_ISSOCK(st.st_mode), "the socket file is a socket")
    check(stat.S_IMODE(st.st_mode) == 0o660, "socket mode is %o, want 660"
          % stat.S_IMODE(st.st_mode))

    # 70 KiB without a newline in sight: usage, then the connection closes.
    c = d.connect()
    c.send(b"status " + b"x" * (70 * 1024) + b"\n")
    r = c.reply()
    check(isinstance(r, dict) and r.get("ok") is False and
          r.get("error") == "usage", "a 70 KiB line: want error usage, got %r"
          % (str(r)[:200],))
    check(c.at_eof(), "the connection should be closed after an over-long "
          "line")
    c.close()
    still_serving(d, "an over-long line")

    # Exactly 65536 bytes (without the newline) is within the limit.
    line = b"status" + b" " * (65536 - len("status"))
    check(len(line) == 65536, "test line length")
    c = d.connect()
    c.send(line + b"\n")
    r = c.reply()
    check(isinstance(r, dict) and r.get("ok") is True,
          "a line of exactly 65536 bytes (status and blanks) should be "
          "served, got %r" % (str(r)[:200],))
    r = c.request("status")
    check(isinstance(r, dict) and r.get("ok") is True,
          "the connection stays usable after a 65536-byte line, got %r" % r)
    c.close()

    # One byte more is over the limit.
    c = d.connect()
    c.send(b"status" + b" " * (65537 - len("status")) + b"\n")
    r = c.reply()
    check(isinstance(r, dict) and r.get("error") == "usage",
          "a line of 65537 bytes: want error usage, got %r" % (str(r)[:200],))
    c.close()

    # Malformed line: usage, and the connection stays open for the next.
    c = d.connect()
    r = c.request('status "unterminated')
    check(isinstance(r, dict) and r.get("ok") is False and
          r.get("error") == "usage" and r.get("message"),
          "an unterminated quote: want usage with a message, got %r" % r)
    r = c.request("status")
    check(isinstance(r, dict) and r.get("ok") is True,
          "after a malformed line the same connection should serve status, "
          "got %r" % r)

    # Two requests in one write: two replies, in order.
    c.send("status\nno-such-command\n")
    r1 = c.reply()
    r2 = c.reply()
    check(isinstance(r1, dict) and r1.get("ok") is True,
          "pipelined: first reply should be status ok, got %r" % r1)
    check(isinstance(r2, dict) and r2.get("ok") is False and
          r2.get("error") == "usage",
          "pipelined: second reply should be the usage error, got %r" % r2)
    c.close()

    # A client that vanishes mid-line.
    c = d.connect()
    c.send(b"stat")
    c.close()
    still_serving(d, "a client that vanished mid-line")

    # A client that sends half a body and vanishes.
    c = d.connect()
    c.send(b"import members bytes=1000\n" + b"slug,name,email\n" * 20)
    c.close()
    still_serving(d, "a client that vanished mid-body")

    # A second daemon on the same socket refuses to start.
    p = subprocess.run([rt.REFLECTD, "-f", "-c", d.conf_path,
                        "--fake-now=%s" % rt.FAKE_NOW],
                       capture_output=True, timeout=15)
    err = p.stderr.decode(errors="replace")
    check(p.returncode == 1, "a second reflectd on the same socket exits "
          "%d, want 1 (stderr %r)" % (p.returncode, err[-300:]))
    check("running" in err.lower(), "the second reflectd should say another "
          "is running: %r" % err[-300:])
    check(os.path.exists(d.sock), "the second reflectd removed the first "
          "one's socket")
    still_serving(d, "a second daemon tried to start")

    # kill -9 leaves the socket file behind; a new daemon replaces it.
    d.kill()
    check(os.path.exists(d.sock), "after kill -9 the socket file remains "
          "(precondition)")
    rc, obj, out, err = d.ctl("status")
    check(rc == 3, "reflectctl against a dead daemon exits %d, want 3" % rc)
    t0 = time.monotonic()
    d.start()
    check(time.monotonic() - t0 < 10, "restart over a stale socket is quick")
    still_serving(d, "a restart over a stale socket")
    d.stop()


rt.run(main)
