"""Inbound mail is read by reflectd-mailread, never inside the daemon.

The daemon runs reflectd-mailread (GMime and libical) for each message in
its replies Maildir and takes back one line of JSON.  Checked here:

- the daemon maps neither GMime nor GLib, before and after reading mail,
  and a message read by the real reader is judged by what it says (plain
  mail is "no calendar reply in it", a COUNTER is refused);
- a reader that crashes, hangs, trickles past its 5 s, prints nonsense
  or too much, exits non-zero or runs on after its answer costs that
  message only: it is
  listed as ignored with "unreadable: the mail reader ..." and moved to
  cur/, the daemon keeps serving (status answers while a reader hangs),
  and the next message is read;
- a daemon stopped while a reader hangs stops at once, and that message
  waits in new/ and is read at the next start.  Those readers are scripts put beside a copy of the
  daemon, which runs the reflectd-mailread beside its own executable.
"""

import os
import shutil
import stat
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

PLAIN = ("From: Someone <someone@example.org>\r\n"
         "To: reflectd@example.org\r\n"
         "Subject: lunch\r\n"
         "\r\n"
         "Lunch on Friday?\r\n")

COUNTER = ("From: sw0@example.org\r\n"
           "To: reflectd@example.org\r\n"
           "Subject: Counter\r\n"
           "Content-Type: text/calendar; method=COUNTER; charset=UTF-8\r\n"
           "\r\n"
           "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
           "METHOD:COUNTER\r\nBEGIN:VEVENT\r\nUID:gs-20260303@example.org\r\n"
           "DTSTAMP:20260220T090000Z\r\nDTSTART:20260303T110000Z\r\n"
           "SEQUENCE:0\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:"
           "sw0@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def deliver(box, n, raw):
    name = "%d.M%dP%d.test" % (int(time.time()), n, os.getpid())
    tmp = os.path.join(box, "tmp", name)
    with open(tmp, "w") as f:
        f.write(raw)
    os.rename(tmp, os.path.join(box, "new", name))
    return name


def by_file(msgs, name):
    for m in msgs:
        if m.get("file") == name:
            return m
    return {}


def maps(d):
    with open("/proc/%d/maps" % d.proc.pid) as f:
        return f.read()


def mkbox(tmp):
    box = os.path.join(tmp, "inbox")
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(box, sub), exist_ok=True)
    return box


def real_reader():
    tmp = rt.mkdtemp()
    box = mkbox(tmp)
    d = rt.Instance({"mail": {"inbox": box}})
    d.start()
    check("libgmime" not in maps(d) and "libglib" not in maps(d),
          "the daemon maps no GMime or GLib at start")
    plain = deliver(box, 1, PLAIN)
    counter = deliver(box, 2, COUNTER)
    msgs = d.inbox_read(2)
    m = by_file(msgs, plain)
    check(m.get("state") == "ignored" and
          "no calendar reply" in (m.get("reason") or ""),
          "plain mail is read and ignored: %r" % m)
    m = by_file(msgs, counter)
    check(m.get("state") == "refused" and
          "unreadable" not in (m.get("reason") or ""),
          "a COUNTER is read and refused: %r" % m)
    check("libgmime" not in maps(d) and "libglib" not in maps(d),
          "the daemon maps no GMime or GLib after reading mail")
    check(sorted(os.listdir(os.path.join(box, "new"))) == [],
          "both messages left new/")
    d.stop()


def broken_readers():
    tmp = rt.mkdtemp()
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    reflectd = os.path.join(bindir, "reflectd")
    shutil.copy(rt.REFLECTD, reflectd)
    reader = os.path.join(bindir, "reflectd-mailread")
    box = mkbox(tmp)
    os.makedirs(os.path.join(tmp, "d"), mode=0o700)
    d = rt.Instance({"mail": {"inbox": box}}, tmp=os.path.join(tmp, "d"))
    rt.REFLECTD, saved = reflectd, rt.REFLECTD
    try:
        d.start()
    finally:
        rt.REFLECTD = saved

    cases = [
        ("crash", "#!/bin/sh\ncat >/dev/null\nkill -SEGV $$\n",
         "was killed by signal 11"),
        ("junk", "#!/bin/sh\ncat >/dev/null\necho 'not json'\n",
         "said nothing readable"),
        ("half", "#!/bin/sh\ncat >/dev/null\necho '{\"method\": 1}'\n",
         "said nothing readable"),
        ("fails", "#!/bin/sh\nexit 3\n", "exited 3"),
        ("babbles", "#!/bin/sh\ncat >/dev/null\nexec yes\n",
         "said too much"),
        ("lingers", "#!/bin/sh\ncat >/dev/null\nexec >&-\nexec sleep 30\n",
         "was killed by signal 9"),
        ("trickles", "#!/bin/sh\ncat >/dev/null\n"
         "for i in 1 2 3 4 5 6 7 8 9 10; do printf x; sleep 1; done\n",
         "took over 5000 ms"),
        ("hangs", "#!/bin/sh\nexec sleep 30\n", "took over 5000 ms"),
    ]
    n = 0
    for label, script, why in cases:
        with open(reader, "w") as f:
            f.write(script)
        os.chmod(reader, stat.S_IRWXU)
        n += 1
        name = deliver(box, n, PLAIN)
        if label == "hangs":
            # The loop is not held while a reader runs.
            time.sleep(1)
            t0 = time.monotonic()
            st = d.status()
            dt = time.monotonic() - t0
            check("uptime_s" in st and dt < 1.0,
                  "status answers in %.2f s while a reader hangs" % dt)
        msgs = d.inbox_read(n, timeout=20)
        m = by_file(msgs, name)
        check(m.get("state") == "ignored" and
              m.get("reason") == "unreadable: the mail reader " + why,
              "%s reader: the message is kept as unreadable: %r" % (label, m))
        check(d.alive() and "uptime_s" in d.status(),
              "%s reader: the daemon still answers" % label)
        check(name in " ".join(os.listdir(os.path.join(box, "cur"))),
              "%s reader: the message went to cur/" % label)

    # Stopped while a reader hangs: the daemon ends at once, the reader
    # with it, and the message waits in new/ for the next start.
    n += 1
    name = deliver(box, n, PLAIN)
    time.sleep(1)
    t0 = time.monotonic()
    d.stop()
    check(time.monotonic() - t0 < 4,
          "the daemon stops in %.1f s while a reader hangs" %
          (time.monotonic() - t0))
    check(os.listdir(os.path.join(box, "new")) == [name],
          "the message being read when it stopped is still in new/")

    # The real reader back beside it: that message is read at the start.
    shutil.copy(os.path.join(os.path.dirname(saved), "reflectd-mailread"),
                reader)
    rt.REFLECTD = reflectd
    try:
        d.start()
    finally:
        rt.REFLECTD = saved
    m = by_file(d.inbox_read(n), name)
    check(m.get("reason") == "no calendar reply in it",
          "with the reader mended, the waiting message is read: %r" % m)
    d.stop()


def main():
    real_reader()
    broken_readers()


if __name__ == "__main__":
    rt.run(main, limit=120)
