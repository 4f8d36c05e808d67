"""Limits on the control socket (SPEC section 10, "Files and limits"):

- a body is refused at the request line, before a byte of it is read, when
  the command takes none or the caller may not run it: sixteen 64 MiB
  bodies from a status-only user leave the daemon's memory where it was;
- at most 128 MiB of bodies are held at once, and an admin's small import
  still works once the big ones have gone;
- one uid reconnecting over its cap writes a bounded number of log lines
  and never keeps an admin waiting;
- a request line, or a body, dripped a byte at a time is dropped within
  30 s of its first byte while status keeps answering.

The slow-drip clients run in threads for the ~30 s the daemon gives them,
while the other checks go on beside them.
"""

import grp
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

MIB = 1024 * 1024
DEADLINE = 30           # seconds a request line or body may take
DRIP_EVERY = 5          # seconds between the slow client's bytes
DRIP_GIVE_UP = 45       # old code never drops a dripping client

# Run as nobody: open connections, announce a 64 MiB body on each and push
# up to PUSH bytes of it; then print what became of each connection.
FLOOD = r"""
import json, select, socket, sys, time
path, push = sys.argv[1], int(sys.argv[2])
lines = sys.argv[3:]
socks, sent, dead = [], [], []
for line in lines:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(line.encode() + b"\n")
    s.setblocking(False)
    socks.append(s)
    sent.append(0)
    dead.append(False)
chunk = b"x" * 65536
end = time.monotonic() + 20
while time.monotonic() < end:
    want = [s for i, s in enumerate(socks) if not dead[i] and sent[i] < push]
    if not want:
        break
    _, w, _ = select.select([], want, [], 0.5)
    for s in w:
        i = socks.index(s)
        try:
            sent[i] += s.send(chunk[:push - sent[i]])
        except BlockingIOError:
            pass
        except OSError:
            dead[i] = True
bufs = [b""] * len(socks)
eof = [False] * len(socks)
end = time.monotonic() + 10
while time.monotonic() < end and not all(eof):
    r, _, _ = select.select([s for i, s in enumerate(socks) if not eof[i]],
                            [], [], 0.5)
    for s in r:
        i = socks.index(s)
        try:
            data = s.recv(65536)
        except BlockingIOError:
            continue
        except OSError:
            data = b""
        if data:
            bufs[i] += data
        else:
            eof[i] = True
print(json.dumps({"sent": sent, "closed": [d or e for d, e in zip(dead, eof)],
                  "replies": [b.decode(errors="replace") for b in bufs]}))
"""

# Run as nobody: hold HOLD connections (each served one status), then
# reconnect over the cap for SECONDS or MAX times.
STORM = r"""
import json, socket, sys, time
path, hold, seconds, most = sys.argv[1], int(sys.argv[2]), \
    float(sys.argv[3]), int(sys.argv[4])
def line(s):
    buf = b""
    while b"\n" not in buf:
        try:
            d = s.recv(4096)
        except OSError:
            d = b""
        if not d:
            break
        buf += d
    return buf
held = []
for i in range(hold):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(b"status\n")
    if b'"ok":true' in line(s):
        held.append(s)
print(len(held), flush=True)
n = refused = other = 0
end = time.monotonic() + seconds
while time.monotonic() < end and n < most:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        r = line(s)
    except OSError as e:
        r = str(e).encode()
    s.close()
    n += 1
    if b"too many connections" in r:
        refused += 1
    else:
        other += 1
print(json.dumps({"held": len(held), "tries": n, "refused": refused,
                  "other": other}))
"""


def as_nobody(script, *args):
    argv = ["setpriv", "--reuid=nobody", "--regid=nogroup",
            "--clear-groups", sys.executable, "-c", script] + list(args)
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def proc_status(pid):
    """VmRSS and VmHWM of pid, in bytes."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) * 1024
    return out


def traversable_by_others(path):
    d = os.path.dirname(os.path.abspath(path))
    while True:
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


def drip(d, first, rest, result):
    """Send first, then one byte of rest every DRIP_EVERY seconds, timing
    from the first byte of rest (or of first when it has no newline) until
    the daemon closes the connection."""
    c = d.connect(timeout=DRIP_EVERY)
    t0 = time.monotonic()
    if first:
        c.send(first)
    if first.endswith(b"\n"):
        t0 = time.monotonic()
    got = b""
    i = 0
    while time.monotonic() - t0 < DRIP_GIVE_UP:
        if not c.send(rest[i % len(rest):i % len(rest) + 1]):
            break
        i += 1
        try:
            data = c.sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            data = b""
        if not data:
            break
        got += data
        # The reply came: wait for the close that follows it.
        try:
            c.sock.settimeout(5)
            while c.sock.recv(4096):
                pass
        except OSError:
            pass
        break
    result["after"] = time.monotonic() - t0
    result["dropped"] = result["after"] < DRIP_GIVE_UP
    result["reply"] = got.decode(errors="replace")
    c.close()


def ok_status(d, what, **kw):
    t = time.monotonic()
    rc, obj, out, err = d.ctl("status", **kw)
    took = time.monotonic() - t
    check(rc == 0 and isinstance(obj, dict) and obj.get("ok") is True,
          "%s: status should answer, got exit %d %r %r" %
          (what, rc, out[:200], err[:200]))
    return took


def main():
    if os.geteuid() != 0:
        rt.skip("not root: cannot connect as another user")
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
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    # No -d: what is counted below is what an operator's log would get.
    d.start(debug=False)
    pid = d.proc.pid

    # Slow clients, in the background for the next ~30 s.
    line_drip, body_drip = {}, {}
    threads = [
        threading.Thread(target=drip, args=(d, b"", b"status ", line_drip)),
        threading.Thread(target=drip, args=(
            d, b"import absences bytes=1000\n", b"m", body_drip)),
    ]
    for t in threads:
        t.daemon = True
        t.start()

    # 1. Sixteen 64 MiB bodies from a status-only user.
    push = 16 * MIB
    lines = ["status bytes=67108864"] * 12 + \
        ["import members bytes=67108864"] * 4
    before = proc_status(pid)
    p = as_nobody(FLOOD, d.sock, str(push), *lines)
    peak = before["VmRSS"]
    while p.poll() is None:
        try:
            peak = max(peak, proc_status(pid)["VmRSS"])
        except OSError:
            break
        time.sleep(0.05)
    out, err = p.communicate()
    after = proc_status(pid)
    if after["VmHWM"] > before["VmHWM"]:
        peak = max(peak, after["VmHWM"])
    rt.log("RSS before %d KiB, peak %d KiB, after %d KiB" %
           (before["VmRSS"] // 1024, peak // 1024, after["VmRSS"] // 1024))
    check(p.returncode == 0, "the flooding client failed: %r" % err[-400:])
    try:
        res = json.loads(out.decode())
    except ValueError:
        res = {"sent": [], "closed": [], "replies": []}
    check(peak - before["VmRSS"] < 32 * MIB,
          "the daemon's RSS grew by %d KiB under sixteen 64 MiB bodies from "
          "a status-only user (from %d KiB), want under 32 MiB" %
          ((peak - before["VmRSS"]) // 1024, before["VmRSS"] // 1024))
    for i, line in enumerate(lines):
        rep = res["replies"][i] if i < len(res["replies"]) else ""
        want = "usage" if line.startswith("status") else "forbidden"
        try:
            obj = json.loads(rep.splitlines()[0])
        except (ValueError, IndexError):
            obj = None
        check(isinstance(obj, dict) and obj.get("ok") is False and
              obj.get("error") == want and obj.get("message"),
              "%r from nobody: want a %s refusal, got %r" %
              (line, want, rep[:200]))
        check(i < len(res["closed"]) and res["closed"][i],
              "%r from nobody: the connection should be closed" % line)
    rt.log("nobody pushed %d KiB in all before the closes" %
           (sum(res["sent"]) // 1024))
    check(sum(res["sent"]) < len(lines) * push // 4,
          "nobody could push %d KiB of refused bodies" %
          (sum(res["sent"]) // 1024))

    # reflectctl as nobody: an import is refused and says why.
    big = os.path.join(d.tmp, "big.csv")
    with open(big, "w") as f:
        f.write("slug,name,email,role,team\n")
        f.write("x,X,x@example.org,social_worker,north\n" * 40000)
    os.chmod(big, 0o644)
    d.refused(["import", "members", big], "forbidden", user="nobody",
              ctl=ctl)
    ok_status(d, "after the refused bodies")

    # 2. At most 128 MiB of bodies at once, whoever sends them.
    a = d.connect(timeout=1.0)
    b = d.connect(timeout=1.0)
    a.send("import members bytes=%d\n" % (64 * MIB))
    b.send("import members bytes=%d\n" % (63 * MIB))
    check(not a.at_eof(0.5) and not a.buf,
          "an admin's 64 MiB body is awaited, not refused: %r" % a.buf[:200])
    check(not b.at_eof(0.5) and not b.buf,
          "a second admin body of 63 MiB is awaited, not refused: %r" %
          b.buf[:200])
    c = d.connect(timeout=5.0)
    c.send("import members bytes=%d\n" % (2 * MIB))
    try:
        r = c.reply()
    except socket.timeout:
        r = None
    check(isinstance(r, dict) and r.get("ok") is False and
          r.get("error") == "conflict" and r.get("message"),
          "a body beyond 128 MiB held at once: want a conflict refusal, "
          "got %r" % r)
    check(c.at_eof(), "the connection whose body is refused is closed")
    c.close()
    ok_status(d, "with 127 MiB of bodies awaited")
    a.close()
    b.close()
    absences = os.path.join(d.tmp, "absences.csv")
    with open(absences, "w") as f:
        f.write("member,from,to,reason\n")
    res = d.ok("import", "absences", absences)
    check(res.get("inserted") == 0 and res.get("errors") == [],
          "an admin's small import after the big ones went: %r" % res)

    # 3. One uid's reconnect storm over its cap.
    log_before = len(d.log_text().splitlines())
    p = as_nobody(STORM, d.sock, "128", "3", "20000")
    slowest = 0.0
    asked = 0
    p.stdout.readline()         # holding its 128: the storm starts
    while p.poll() is None:
        slowest = max(slowest, ok_status(d, "during nobody's storm"))
        asked += 1
        time.sleep(0.1)
    out, err = p.communicate()
    check(p.returncode == 0, "the storm client failed: %r" % err[-400:])
    try:
        res = json.loads(out.decode().splitlines()[-1])
    except (ValueError, IndexError):
        res = {}
    rt.log("storm: %r; admin asked %d times, slowest %.2fs" %
           (res, asked, slowest))
    check(res.get("held") == 128, "nobody should hold 128 connections: %r"
          % res)
    check(res.get("refused", 0) >= 200 and res.get("other") == 0,
          "every connection over the cap is refused: %r" % res)
    check(asked >= 2 and slowest < 5.0,
          "an admin's status during the storm: %d answers, slowest %.2fs"
          % (asked, slowest))
    ok_status(d, "after the storm")
    new = d.log_text().splitlines()[log_before:]
    about = [ln for ln in new if "nobody" in ln]
    rt.log("log lines during the storm: %d (%d about nobody)" %
           (len(new), len(about)))
    check(len(about) <= 2, "nobody's storm wrote %d log lines about it, "
          "want at most 2 a minute; first: %r" % (len(about), about[:3]))
    check(len(new) <= 20, "the storm wrote %d log lines" % len(new))

    # 4. The slow clients, while status kept answering.
    while any(t.is_alive() for t in threads):
        ok_status(d, "while slow clients drip")
        time.sleep(1)
    rt.log("line drip %r; body drip %r" % (line_drip, body_drip))
    for name, r in (("request line", line_drip), ("body", body_drip)):
        check(r.get("dropped") and DEADLINE - 2 <= r["after"] <= DEADLINE + 6,
              "a %s dripped a byte every %d s: want it dropped %d s after its "
              "first byte, was %s" % (name, DRIP_EVERY, DEADLINE,
              "%.1f s" % r["after"] if r.get("dropped") else "never"))
    ok_status(d, "at the end")
    d.stop()


rt.run(main, limit=90)
