"""README.md's "A short tour", line by line, on a fresh demo.

Builds the demo as ./quickstart demo does (etc/demo/reflectd.conf.in,
the real clock, etc/demo/load) in a temp dir, takes the indented command
lines of the tour from README.md, points them at the temp dir and the
built programs, and runs each one in order with /bin/sh from the source
tree: each must exit 0, except the few marked below with the reason.
Then reads the wide tables in an 80-column terminal: no line longer than
80 characters.
"""

import os
import re
import shutil
import socket
import subprocess

import reflecttest as rt
from reflecttest import check

# Lines the test does not run, and lines the daemon is meant to refuse.
SKIPPED = {
    "mutt ": "opens an interactive mail reader",
}
REFUSED = {
    "outbox retry ": "the demo's Maildir never fails a message, so the "
                     "daemon answers that it was already sent",
}
WIDE = [
    ["member", "list"],
    ["outbox"],
    ["schedule"],
    ["schedule", "team=mast-north"],
    ["rotation", "team=mast-north"],
    ["rotation", "explain"],            # the first session, filled in below
    ["caseload"],
    ["gaps"],
    ["inbox"],
    ["audit"],
]
ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tour_lines(readme):
    """The indented lines of the "A short tour" section."""
    out, inside = [], False
    for line in readme.splitlines():
        if line.startswith("## "):
            inside = line.strip() == "## A short tour"
            continue
        if inside and line.startswith("    ") and line.strip():
            out.append(line[4:])
    return out


def shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def main():
    top = rt.TOP_SRCDIR
    if not top or not os.path.isfile(os.path.join(top, "README.md")):
        rt.skip("TOP_SRCDIR does not name the source tree")
    build = os.path.dirname(rt.REFLECTD)
    tmp = rt.mkdtemp()
    port = free_port()
    with open(os.path.join(top, "etc/demo/reflectd.conf.in")) as f:
        conf = f.read().replace("@DEMO@", tmp).replace("@TOP@", top)
    conf += ("\n[feed]\nlisten = 127.0.0.1:%d\nbase_url = "
             "http://127.0.0.1:%d\n" % (port, port))
    d = rt.Instance(tmp=tmp)
    with open(d.conf_path, "w") as f:
        f.write(conf)
    p = subprocess.run([rt.REFLECTD, "-t", "-c", d.conf_path],
                       capture_output=True, timeout=20)
    check(p.returncode == 0, "reflectd -t on the demo config: %r" %
          p.stderr[-300:])
    d.start(fake_now=None)
    p = subprocess.run([os.path.join(top, "etc/demo/load"), d.sock,
                        rt.REFLECTCTL], capture_output=True, timeout=60,
                       cwd=top)
    check(p.returncode == 0, "etc/demo/load: %r" % p.stderr[-500:])

    with open(os.path.join(top, "README.md")) as f:
        lines = tour_lines(f.read())
    check(len(lines) > 40, "the tour has its lines: %d" % len(lines))

    env = dict(os.environ)
    env["COLUMNS"] = "80"
    env.pop("REFLECTD_SOCKET", None)
    prelude = ""
    token = None
    ran = 0
    for line in lines:
        cmd = line
        why = [r for k, r in SKIPPED.items() if cmd.startswith(k)]
        if why:
            rt.log("skipped (%s): %s" % (why[0], line))
            continue
        cmd = cmd.replace("build/reflectctl", rt.REFLECTCTL)
        cmd = cmd.replace("demo-state/", tmp + "/")
        cmd = cmd.replace("127.0.0.1:8470", "127.0.0.1:%d" % port)
        cmd = cmd.replace("tests/tools/reply ",
                          "tests/tools/reply --state %s " % tmp)
        cmd = cmd.replace("tests/tools/sample-mail ",
                          "tests/tools/sample-mail --build %s " % build)
        cmd = cmd.replace("/tmp/samples", os.path.join(tmp, "samples"))
        if "TOKEN" in cmd.split(" #")[0]:
            if not check(token is not None, "a feed token before: %s" %
                         line):
                continue
            cmd = cmd.replace("TOKEN", token)
        m = ASSIGN.match(cmd)
        if m:
            # Evaluate once and keep the value, as an interactive shell.
            script = "%s\n%s\nprintf '%%s' \"$%s\"" % (prelude, cmd,
                                                      m.group(1))
        else:
            script = "%s\n%s" % (prelude, cmd)
        p = subprocess.run(["/bin/sh", "-c", script], capture_output=True,
                           timeout=60, cwd=top, env=env)
        out = p.stdout.decode(errors="replace")
        err = p.stderr.decode(errors="replace")
        ran += 1
        refused = [r for k, r in REFUSED.items()
                   if re.sub(r"^\$R ", "", line).startswith(k)]
        if refused:
            check(p.returncode == 1, "%s: exits %d, want 1 (%s)" %
                  (line, p.returncode, refused[0]))
            continue
        check(p.returncode == 0, "%s: exits %d: %s" %
              (line, p.returncode, (err or out)[-400:]))
        if m:
            check(out != "", "%s: sets %s" % (line, m.group(1)))
            prelude += "%s=%s\n" % (m.group(1), shell_quote(out))
        found = re.search(r"/feed/([A-Za-z0-9_-]+)\.ics", out)
        if "feed token" in line and found:
            token = found.group(1)
    rt.log("ran %d tour lines" % ran)

    # audit and outbox: the newest 50 unless told otherwise.
    every = d.ok("audit", "limit=100000").get("entries") or []
    last3 = d.ok("audit", "limit=3").get("entries") or []
    check(len(every) > 50 and
          len(d.ok("audit").get("entries") or []) == 50 and
          [e.get("id") for e in last3] ==
          [e.get("id") for e in every[-3:]],
          "audit: the newest 50 by default, limit=3 the newest three, "
          "oldest first: %r" % last3)
    check(len(d.ok("outbox").get("messages") or []) == 50 and
          len(d.ok("outbox", "limit=7").get("messages") or []) == 7,
          "outbox: the newest 50 by default, limit=7 seven")
    d.refused(["audit", "limit=0"], "invalid")

    # The wide tables, read in 80 columns.
    sched = d.ok("schedule", "team=mast-north").get("sessions") or []
    first = sched[0]["id"] if sched else "none"
    for words in WIDE:
        if words == ["rotation", "explain"]:
            words = words + [first]
        p = subprocess.run([rt.REFLECTCTL, "-s", d.sock] + words,
                           capture_output=True, timeout=30, env=env)
        out = p.stdout.decode(errors="replace")
        longest = max([len(x) for x in out.splitlines()] or [0])
        check(p.returncode == 0 and out.strip() != "",
              "%s: exits %d: %r" % (" ".join(words), p.returncode,
                                    p.stderr[-200:]))
        check(longest <= 80, "%s: a line of %d columns in 80: %r" %
              (" ".join(words), longest,
               [x for x in out.splitlines() if len(x) > 80][:2]))
    # Where there is room, more columns.
    env["COLUMNS"] = "200"
    p = subprocess.run([rt.REFLECTCTL, "-s", d.sock, "member", "list"],
                       capture_output=True, timeout=30, env=env)
    out = p.stdout.decode(errors="replace")
    check("email" in out.splitlines()[0] if out else False,
          "member list in 200 columns shows the email: %r" % out[:200])
    d.stop()
    shutil.rmtree(os.path.join(tmp, "samples"), ignore_errors=True)


rt.run(main, limit=90)
