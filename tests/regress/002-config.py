"""reflectd -t, reload and SIGHUP with valid and invalid configurations."""

import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def check_conf(path):
    p = subprocess.run([rt.REFLECTD, "-t", "-c", path], capture_output=True,
                       timeout=10)
    return p.returncode, p.stderr.decode(errors="replace")


def expect_error(d, name, overrides=None, extra="", needle=None,
                 section=None, key=None, alt_needle=None):
    """-t refuses the file with FILE:LINE: [section] key: message."""
    path = os.path.join(d.tmp, "%s.conf" % name)
    text = d.write_config(overrides, extra, path=path)
    lines = {rt.line_of(text, needle)}
    if alt_needle is not None:
        lines.add(rt.line_of(text, alt_needle))
    rc, err = check_conf(path)
    check(rc == 1, "-t on %s: exit %d, want 1 (stderr %r)" % (name, rc, err))
    m = re.search(re.escape(path) + r":(\d+): \[([^\]]*)\] (\S+): \S.*", err)
    if not check(m is not None, "-t on %s: message should read "
                 "'%s:LINE: [%s] %s: ...', got %r" %
                 (name, path, section, key, err)):
        return
    check(int(m.group(1)) in lines, "-t on %s: line %s, want %s" %
          (name, m.group(1), " or ".join(str(n) for n in sorted(lines))))
    check(m.group(2) == section, "-t on %s: section %r, want %r" %
          (name, m.group(2), section))
    check(m.group(3) == key, "-t on %s: key %r, want %r" %
          (name, m.group(3), key))


def status_offset(d):
    now = d.status().get("now", "")
    return rt.offset_of(now) if now else None


def main():
    d = rt.Instance()

    # A valid file passes, and checking it creates nothing.
    rc, err = check_conf(d.conf_path)
    check(rc == 0, "-t on a valid config: exit %d (%r)" % (rc, err))
    check(not os.path.exists(d.state_dir), "-t created the state dir")
    check(not os.path.exists(d.sock), "-t created the socket")

    # The shipped example passes even though its paths do not exist here.
    shipped = os.path.join(rt.TOP_SRCDIR, "etc", "reflectd.conf")
    rc, err = check_conf(shipped)
    check(rc == 0, "-t on the shipped etc/reflectd.conf: exit %d (%r)" %
          (rc, err))

    # A file that is not there is named.
    missing = os.path.join(d.tmp, "missing.conf")
    rc, err = check_conf(missing)
    check(rc == 1 and missing in err, "-t on a missing file: exit %d, "
          "message %r should name it" % (rc, err))

    expect_error(d, "unknown-key", extra="[daemon]\nfrobnicate = yes\n",
                 needle="frobnicate", section="daemon", key="frobnicate")
    expect_error(d, "unknown-section", extra="[nosuch]\nsize = 3\n",
                 needle="size = 3", alt_needle="[nosuch]",
                 section="nosuch", key="size")
    expect_error(d, "bad-port", overrides={"mail": {"smtp_port": "abc"}},
                 needle="smtp_port", section="mail", key="smtp_port")
    expect_error(d, "bad-timezone",
                 overrides={"daemon": {"timezone": "Mars/Olympus_Mons"}},
                 needle="timezone", section="daemon", key="timezone")

    # Reload: an invalid file is refused and the old values stay.
    d.start()
    check(status_offset(d) == "+00:00", "status.now offset should be "
          "+00:00 in Europe/London")

    bad = d.write_config({"daemon": {"timezone": "America/New_York"}},
                         extra="[daemon]\nfrobnicate = yes\n")
    bad_line = rt.line_of(bad, "frobnicate")
    r = d.refused(["reload"], "invalid")
    msg = r.get("message", "") if isinstance(r, dict) else ""
    check(msg.startswith("%s:%d:" % (d.conf_path, bad_line)),
          "reload of an invalid file: message %r should start with %s:%d:"
          % (msg, d.conf_path, bad_line))
    check("frobnicate" in msg, "reload refusal names the key: %r" % msg)
    check(d.alive(), "daemon still running after a refused reload")
    check(status_offset(d) == "+00:00", "after a refused reload the old "
          "timezone (Europe/London) must stay in force")

    # A valid reload takes effect.
    d.write_config({"daemon": {"timezone": "America/New_York"}})
    d.ok("reload")
    now = d.status().get("now", "")
    check(rt.offset_of(now) == "-05:00" and now.startswith("2026-01-05T04:"),
          "after reloading timezone America/New_York, status.now is %r, "
          "want 2026-01-05T04:..-05:00" % now)

    # SIGHUP with an invalid file: still running, old config kept.
    d.write_config({"daemon": {"timezone": "Europe/London"}},
                   extra="[mail]\nsmtp_port = abc\n")
    d.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    check(d.alive(), "daemon died on SIGHUP with an invalid file")
    if d.alive():
        check(status_offset(d) == "-05:00", "after SIGHUP with an invalid "
              "file the running timezone (America/New_York) must stay")
    check("smtp_port" in d.log_text(), "SIGHUP with an invalid file: the "
          "log should say what is wrong (smtp_port)")

    # SIGHUP with a valid file takes effect.
    d.write_config()
    d.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    off = None
    while time.monotonic() < deadline:
        off = status_offset(d)
        if off == "+00:00":
            break
        time.sleep(0.1)
    check(off == "+00:00", "SIGHUP with a valid file back to Europe/London: "
          "offset %r, want +00:00" % off)
    d.stop()


rt.run(main)
