"""reflectd -t and the SMTP password (SPEC 6: AUTH only inside TLS).

smtp_user with starttls = no is refused, naming the file, the line and
the key; so is smtp_user without smtp_password_file, and a password file
that is missing, not a regular file, or that group or others may read.
A 0600 (or 0400) file with starttls = yes or required passes.  A running
daemon refuses a reload to such a file and keeps its configuration.
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check


def t(d, overrides):
    """reflectd -t on the instance's config with [mail] overrides."""
    text = d.write_config({"mail": overrides})
    p = subprocess.run([rt.REFLECTD, "-t", "-c", d.conf_path],
                       stdin=subprocess.DEVNULL, capture_output=True)
    return p.returncode, p.stderr.decode(errors="replace").strip(), \
        p.stdout.decode(errors="replace").strip(), text


def refused(d, overrides, key, words, what):
    rc, err, out, text = t(d, overrides)
    line = rt.line_of(text, "%s =" % key) if key else None
    want = "%s:%d: [mail] %s: " % (d.conf_path, line, key)
    check(rc == 1, "%s: -t exits 1, got %d (%r)" % (what, rc, out or err))
    check(want in err, "%s: -t names file, line and key %r: %r" %
          (what, want, err))
    check(words in err, "%s: -t says %r: %r" % (what, words, err))


def passes(d, overrides, what):
    rc, err, out, text = t(d, overrides)
    check(rc == 0 and "configuration OK" in out, "%s: -t passes: exit %d, "
          "%r" % (what, rc, err or out))


def main():
    d = rt.Instance()
    pw = os.path.join(d.tmp, "smtp.pw")
    with open(pw, "w") as f:
        f.write("secret\n")
    base = {"transport": "smtp", "smtp_host": "relay.example.org",
            "smtp_port": "587", "smtp_user": "reflectd",
            "smtp_password_file": pw}

    os.chmod(pw, 0o600)
    refused(d, dict(base, starttls="no"), "smtp_user",
            "only inside TLS", "smtp_user with starttls = no")
    refused(d, dict(base, starttls=None), "smtp_user",
            "only inside TLS", "smtp_user with starttls left at no")
    passes(d, dict(base, starttls="yes"), "0600 file, starttls = yes")
    passes(d, dict(base, starttls="required"), "0600, starttls = required")
    os.chmod(pw, 0o400)
    passes(d, dict(base, starttls="required"), "0400 file")

    for mode in (0o640, 0o604, 0o644, 0o660):
        os.chmod(pw, mode)
        refused(d, dict(base, starttls="required"), "smtp_password_file",
                "group or others", "password file mode %04o" % mode)
    os.chmod(pw, 0o600)

    refused(d, dict(base, starttls="required",
                    smtp_password_file=pw + ".missing"),
            "smtp_password_file", "No such file", "missing password file")
    refused(d, dict(base, starttls="required", smtp_password_file=d.tmp),
            "smtp_password_file", "not a regular file", "a directory")
    refused(d, dict(base, starttls="required", smtp_password_file=None),
            "smtp_user", "smtp_password_file", "no password file")

    # A running daemon with AUTH refuses a reload to a readable file.
    d.write_config({"mail": dict(base, starttls="required")})
    d.start()
    os.chmod(pw, 0o644)
    rc, obj, out, err = d.ctl("reload")
    check(rc != 0 and isinstance(obj, dict) and obj.get("ok") is False,
          "reload with a 0644 password file is refused: %r" % out)
    check("group or others" in out, "the refusal says why: %r" % out)
    check(d.alive() and d.status().get("version"), "the daemon keeps "
          "running on its old configuration")
    os.chmod(pw, 0o600)
    d.stop()


rt.run(main)
