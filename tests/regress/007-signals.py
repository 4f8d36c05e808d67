"""Signals: TERM and INT stop cleanly, HUP reloads; a bad state_dir."""

import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def main():
    # SIGTERM: exit 0 and the socket is gone.
    d = rt.Instance()
    d.start()
    d.stop(expect=0, sig=signal.SIGTERM)
    check(not os.path.exists(d.sock), "SIGTERM: the socket file should be "
          "removed on exit")
    rc, obj, out, err = d.ctl("status")
    check(rc == 3, "reflectctl after SIGTERM exits %d, want 3" % rc)

    # SIGINT: exit 0, and a restart on the same state works.
    d.start()
    d.stop(expect=0, sig=signal.SIGINT)
    check(not os.path.exists(d.sock), "SIGINT: the socket file should be "
          "removed on exit")

    # SIGHUP with a valid changed config: visible in status.now.
    d.start()
    now = d.status().get("now", "")
    check(rt.offset_of(now) == "+00:00" if now else False,
          "status.now in Europe/London is %r, want +00:00" % now)
    d.write_config({"daemon": {"timezone": "America/New_York"}})
    d.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        now = d.status().get("now", "")
        if now and rt.offset_of(now) == "-05:00":
            break
        time.sleep(0.1)
    check(now.startswith("2026-01-05T04:") and
          rt.offset_of(now) == "-05:00",
          "after SIGHUP with timezone America/New_York status.now is %r, "
          "want 2026-01-05T04:..-05:00" % now)
    check(d.alive(), "daemon still running after SIGHUP")

    # An idle client does not hold up the stop.
    c = d.connect()
    r = c.request("status")
    check(isinstance(r, dict) and r.get("ok") is True,
          "status on a connection kept open: %r" % r)
    t0 = time.monotonic()
    d.send_signal(signal.SIGTERM)
    rc = d.wait(10)
    check(rc == 0, "exit status after SIGTERM with an idle client "
          "connected: %r" % rc)
    check(time.monotonic() - t0 < 5, "SIGTERM took %.1fs with an idle "
          "client connected" % (time.monotonic() - t0))
    check(c.at_eof(2.0), "the idle client's connection is closed on stop")
    c.close()
    d.kill()

    # A state_dir that cannot be created: exit 1 with a message.
    e = rt.Instance()
    blocker = os.path.join(e.tmp, "afile")
    with open(blocker, "w") as f:
        f.write("not a directory\n")
    bad_state = os.path.join(blocker, "state")
    e.write_config({"daemon": {"state_dir": bad_state}})
    p = subprocess.run([rt.REFLECTD, "-f", "-c", e.conf_path,
                        "--fake-now=%s" % rt.FAKE_NOW],
                       capture_output=True, timeout=15)
    err = p.stderr.decode(errors="replace")
    check(p.returncode == 1, "reflectd with an impossible state_dir exits "
          "%d, want 1 (stderr %r)" % (p.returncode, err[-300:]))
    check(blocker in err, "the message should name the state_dir: %r" %
          err[-300:])
    check(not os.path.exists(e.sock), "a daemon that failed to start left "
          "its socket behind")


rt.run(main)
