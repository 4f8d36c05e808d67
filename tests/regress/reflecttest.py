"""Helpers for the black-box regression tests that drive the real reflectd.

Each test makes one or more Instance objects (a private temp dir holding a
config, state, socket, Maildir and the daemon's log), starts the daemon in
the foreground, talks to it through reflectctl or a raw Unix socket, and
records failures with check().  finish() prints a summary and exits; every
daemon started here is killed and every temp dir removed at exit, even when
the test raises.  Nothing here uses fixed ports or paths outside mkdtemp.
"""

import atexit
import email.parser
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

SKIP = 77
HARD_ERROR = 99

REFLECTD = os.environ.get("REFLECTD", "")
REFLECTCTL = os.environ.get("REFLECTCTL", "")
TOP_SRCDIR = os.environ.get("TOP_SRCDIR", "")

FAKE_NOW = "2026-01-05T09:00:00Z"

_failures = []
_instances = []
_tempdirs = []
_started = time.monotonic()
_name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "test"


def log(msg):
    """Progress line on stdout (ends up in the test's .log)."""
    print("[%6.2fs] %s" % (time.monotonic() - _started, msg), flush=True)


def check(cond, msg):
    """Record a failure when cond is false; return cond as a bool."""
    if not cond:
        _failures.append(msg)
        print("FAIL: %s" % msg, flush=True)
    return bool(cond)


def skip(reason):
    print("SKIP: %s" % reason, flush=True)
    _cleanup()
    os._exit(SKIP)


def _cleanup():
    for inst in list(_instances):
        try:
            inst.kill()
        except Exception:
            pass
    for d in list(_tempdirs):
        shutil.rmtree(d, ignore_errors=True)
    _tempdirs.clear()


atexit.register(_cleanup)


def _print_logs():
    for inst in _instances:
        print("---- daemon log %s (last lines) ----" % inst.log_path)
        print(inst.log_tail(40))
    print("---- end of logs ----", flush=True)


SANITIZER_MARKS = ("runtime error:", "ERROR: AddressSanitizer",
                   "ERROR: LeakSanitizer", "ERROR: UndefinedBehaviorSanitizer")


def sanitizer_report(text):
    """The first sanitizer complaint in text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKS):
            return line.strip()
    return None


def finish():
    """Print the summary line and exit 0 (all passed) or 1."""
    for inst in _instances:
        rep = sanitizer_report(inst.log_text())
        check(rep is None, "sanitizer report in the daemon's log: %s" % rep)
    if _failures:
        _print_logs()
        print("%s: %d check(s) failed:" % (_name, len(_failures)))
        for f in _failures:
            print("  - %s" % f)
        sys.stdout.flush()
        _cleanup()
        os._exit(1)
    print("%s: all checks passed (%.1fs)" % (_name,
          time.monotonic() - _started), flush=True)
    _cleanup()
    os._exit(0)


def _on_alarm(signum, frame):
    raise TimeoutError("test took longer than its time limit")


def _on_term(signum, frame):
    print("%s: stopped by signal %d" % (_name, signum), flush=True)
    _cleanup()
    os._exit(1)


def run(main, limit=50):
    """Run main() with a time limit; any exception is a failure."""
    if not REFLECTD or not REFLECTCTL:
        print("REFLECTD and REFLECTCTL must name the built programs "
              "(run through make check)", flush=True)
        os._exit(HARD_ERROR)
    for prog in (REFLECTD, REFLECTCTL):
        if not os.access(prog, os.X_OK):
            print("not executable: %s" % prog, flush=True)
            os._exit(HARD_ERROR)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, _on_term)
    signal.alarm(limit)
    try:
        main()
    except Exception as e:
        traceback.print_exc()
        check(False, "exception: %s: %s" % (type(e).__name__, e))
    signal.alarm(0)
    finish()


def mkdtemp(mode=0o700):
    """A private temp dir, short enough for a Unix socket path."""
    base = None
    probe = tempfile.gettempdir()
    if len(probe) > 60:
        base = "/tmp"
    d = tempfile.mkdtemp(prefix="rfx-", dir=base)
    os.chmod(d, mode)
    _tempdirs.append(d)
    return d


def default_config(tmp):
    """The minimal test configuration, as an ordered section -> keys map."""
    return {
        "daemon": {
            "state_dir": os.path.join(tmp, "state"),
            "socket": os.path.join(tmp, "reflectd.sock"),
            "socket_group": "",
            "admins": "root",
            "timezone": "Europe/London",
        },
        "mail": {
            "transport": "maildir",
            "maildir": os.path.join(tmp, "mail"),
            "from": "Group Supervision <supervision@example.org>",
        },
        "schedule": {
            "holidays": "",
        },
    }


def render_config(sections, extra=""):
    lines = ["# reflectd regression test configuration"]
    for sect, keys in sections.items():
        lines.append("")
        lines.append("[%s]" % sect)
        for k, v in keys.items():
            lines.append("%s = %s" % (k, v))
    text = "\n".join(lines) + "\n"
    if extra:
        text += extra if extra.endswith("\n") else extra + "\n"
    return text


def line_of(text, needle):
    """1-based number of the first line of text containing needle."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise ValueError("%r not in config" % needle)


class Conn:
    """A raw connection to the control socket with line-buffered replies."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.eof = False

    def send(self, data):
        """Send bytes; return False if the daemon closed on us."""
        if isinstance(data, str):
            data = data.encode()
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def reply_line(self):
        """The next reply line (bytes, no newline) or None at EOF."""
        while b"\n" not in self.buf:
            if self.eof:
                return None
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if chunk == b"":
                self.eof = True
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def reply(self):
        """The next reply parsed as JSON, or None at EOF."""
        line = self.reply_line()
        if line is None:
            return None
        return json.loads(line.decode())

    def request(self, line):
        self.send(line if line.endswith("\n") else line + "\n")
        return self.reply()

    def at_eof(self, timeout=5.0):
        """True if the daemon closes the connection within timeout."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(1)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if chunk == b"":
            self.eof = True
            return True
        self.buf += chunk
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Instance:
    """One daemon: its temp dir, config, process and log."""

    def __init__(self, overrides=None, extra="", mode=0o700, tmp=None):
        self.tmp = tmp if tmp is not None else mkdtemp(mode)
        self.conf_path = os.path.join(self.tmp, "reflectd.conf")
        self.log_path = os.path.join(self.tmp, "reflectd.log")
        self.sections = default_config(self.tmp)
        self.sock = self.sections["daemon"]["socket"]
        self.state_dir = self.sections["daemon"]["state_dir"]
        self.maildir = self.sections["mail"]["maildir"]
        self.proc = None
        self.logf = None
        self.write_config(overrides, extra)
        _instances.append(self)

    # -- configuration --------------------------------------------------

    def config_text(self, overrides=None, extra=""):
        sections = {s: dict(k) for s, k in self.sections.items()}
        for sect, keys in (overrides or {}).items():
            sections.setdefault(sect, {})
            for k, v in keys.items():
                if v is None:
                    sections[sect].pop(k, None)
                else:
                    sections[sect][k] = v
        return render_config(sections, extra)

    def write_config(self, overrides=None, extra="", path=None):
        """Write the config (default plus overrides/extra); return its text."""
        text = self.config_text(overrides, extra)
        with open(path or self.conf_path, "w") as f:
            f.write(text)
        return text

    # -- process --------------------------------------------------------

    def start(self, fake_now=FAKE_NOW, args=(), wait=True, debug=True):
        """Start reflectd in the foreground; wait until status answers."""
        argv = [REFLECTD, "-f", "-c", self.conf_path]
        if debug:
            argv.append("-d")
        if fake_now:
            argv.append("--fake-now=%s" % fake_now)
        argv.extend(args)
        self.logf = open(self.log_path, "ab")
        self.logf.write(("==== %s\n" % " ".join(argv)).encode())
        self.logf.flush()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf,
                                     cwd=self.tmp)
        if wait:
            if not self.wait_ready():
                raise RuntimeError("reflectd did not answer status in time")
        return self.proc

    def wait_ready(self, timeout=10.0):
        """Poll status over the socket until it answers ok."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                print("reflectd exited with %d before it was ready" %
                      self.proc.returncode)
                print(self.log_tail(40), flush=True)
                return False
            try:
                c = Conn(self.sock, timeout=2.0)
                try:
                    r = c.request("status")
                finally:
                    c.close()
                if r is not None and r.get("ok") is True:
                    return True
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        print("reflectd did not answer status within %.0fs" % timeout)
        print(self.log_tail(40), flush=True)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=10.0):
        """Wait for the process; return its exit code or None on timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, expect=0, sig=signal.SIGTERM):
        """Stop with sig; check the exit code when expect is not None."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        rc = self.wait(10.0)
        if rc is None:
            check(False, "reflectd did not exit within 10s of signal %d" %
                  sig)
            self.kill()
            return None
        if expect is not None:
            check(rc == expect, "reflectd exit status after signal %d is %r, "
                  "want %r" % (sig, rc, expect))
        self._close_log()
        return rc

    def kill(self):
        """kill -9 and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._close_log()

    def _close_log(self):
        if self.logf is not None:
            self.logf.close()
            self.logf = None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    # -- talking to it --------------------------------------------------

    def ctl(self, *words, json_out=True, user=None, ctl=None, timeout=15):
        """Run reflectctl; return (exit code, parsed JSON or None, out, err).

        user="nobody" runs it through setpriv as nobody:nogroup.
        """
        argv = [ctl or REFLECTCTL, "-s", self.sock]
        if json_out:
            argv.append("--json")
        argv.extend(words)
        if user is not None:
            argv = ["setpriv", "--reuid=%s" % user, "--regid=nogroup",
                    "--clear-groups"] + argv
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
        out = p.stdout.decode(errors="replace")
        err = p.stderr.decode(errors="replace")
        rep = sanitizer_report(err)
        check(rep is None, "sanitizer report from reflectctl: %s" % rep)
        obj = None
        if json_out and out.strip():
            try:
                obj = json.loads(out.strip().splitlines()[0])
            except ValueError:
                obj = None
        return p.returncode, obj, out, err

    def ok(self, *words, **kw):
        """Run a command that must succeed; return its result (or {})."""
        rc, obj, out, err = self.ctl(*words, **kw)
        good = (rc == 0 and isinstance(obj, dict) and obj.get("ok") is True
                and isinstance(obj.get("result"), dict))
        check(good, "reflectctl %s: want ok, got exit %d, stdout %r, "
              "stderr %r" % (" ".join(words), rc, out[:300], err[:300]))
        if good:
            return obj["result"]
        return {}

    def refused(self, words, code, **kw):
        """Run a command that must be refused with error code."""
        rc, obj, out, err = self.ctl(*words, **kw)
        check(rc == 1, "reflectctl %s: want exit 1, got %d (stdout %r, "
              "stderr %r)" % (" ".join(words), rc, out[:300], err[:300]))
        good = (isinstance(obj, dict) and obj.get("ok") is False)
        check(good, "reflectctl %s: want ok:false, got %r" %
              (" ".join(words), out[:300]))
        if good and code is not None:
            check(obj.get("error") == code, "reflectctl %s: want error %r, "
                  "got %r" % (" ".join(words), code, obj.get("error")))
            check(isinstance(obj.get("message"), str) and obj["message"],
                  "reflectctl %s: refusal has no message" % " ".join(words))
        return obj if isinstance(obj, dict) else {}

    def status(self, **kw):
        return self.ok("status", **kw)

    def replanned(self, timeout=20.0):
        """Wait until no team is left to replan (after a reload)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.status().get("replan", {}).get("teams_left") == 0:
                return True
            time.sleep(0.02)
        check(False, "the replan did not finish in %.0f s" % timeout)
        return False

    def connect(self, timeout=10.0):
        return Conn(self.sock, timeout)

    def raw(self, line):
        """One request on a fresh raw connection; the parsed reply."""
        c = self.connect()
        try:
            return c.request(line)
        finally:
            c.close()

    # -- mail -----------------------------------------------------------

    def maildir_files(self, sub="new"):
        d = os.path.join(self.maildir, sub)
        try:
            return sorted(os.path.join(d, n) for n in os.listdir(d)
                          if not n.startswith("."))
        except FileNotFoundError:
            return []

    def maildir_message_ids(self, sub="new"):
        """Message-IDs of the files in the Maildir (None for a file
        without one), one entry per file, so duplicates show."""
        ids = []
        parser = email.parser.BytesHeaderParser()
        for path in self.maildir_files(sub):
            try:
                with open(path, "rb") as f:
                    msg = parser.parse(f)
            except OSError:
                continue
            mid = msg.get("Message-ID")
            ids.append(mid.strip() if mid is not None else None)
        return ids

    def inbox_read(self, n, timeout=12):
        """`inbox` once it lists n messages read (newest first), or what
        it lists when timeout runs out."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.ok("inbox", "limit=1000").get("messages", [])
            if len(msgs) >= n or time.monotonic() > deadline:
                return msgs
            time.sleep(0.1)


def offset_of(rfc3339):
    """The UTC offset part of an RFC 3339 time ("+00:00", "-05:00", "Z")."""
    if rfc3339.endswith("Z"):
        return "Z"
    return rfc3339[-6:]


def is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0
