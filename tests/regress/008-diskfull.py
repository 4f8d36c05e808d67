"""A full disk refuses the change with internal; the daemon keeps serving.

And a daemon started on a full disk starts: it serves status and reads,
refuses writes with internal, and once space is freed its retried
start-up plan goes through (the sessions that ended while it was down
become held)."""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

TO = "team@example.org"


def mount_tmpfs(d, size):
    os.makedirs(d.state_dir)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o",
                        "size=%s,mode=0700" % size, "reflectd-test",
                        d.state_dir], capture_output=True)
    if r.returncode != 0:
        rt.skip("cannot mount a tmpfs here: %s" % r.stderr.decode().strip())


def fill(path):
    """Fill the file system holding path to the last block."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def start_full():
    """Stopped with sessions to hold, restarted a month on, disk full."""
    d = rt.Instance()
    mount_tmpfs(d, "2m")
    try:
        d.start(fake_now="2026-03-01T09:00:00Z")
        d.ok("team", "add", "north", "name=MAST North", "kind=mast")
        d.ok("member", "add", "psy-north", "name=Dr North",
             "email=psy-north@example.org", "role=psychologist",
             "team=north")
        d.ok("member", "add", "sw0", "name=Worker 0",
             "email=sw0@example.org", "role=social_worker", "team=north")
        d.ok("team", "set", "north", "psychologist=psy-north")
        d.ok("series", "add", "gs", "kind=group_supervision",
             "team=north", "rrule=FREQ=WEEKLY;BYDAY=TU",
             "start=2026-03-03T10:00", "duration=90")
        d.stop()
        filler = fill(d.state_dir)

        # Started a month later, the first plan must write (sessions
        # ended, new ones to plan) and cannot: the daemon still starts.
        d.start(fake_now="2026-04-01T09:00:00Z", wait=False)
        check(d.wait_ready(10), "the daemon did not start on a full disk")
        if not d.alive():
            return
        st = d.status()
        check(st.get("teams") == 1 and st.get("members") == 2,
              "status on a full disk: %r" % st)
        d.ok("team", "list")
        d.ok("caseload")
        sess = d.ok("schedule", "from=2026-03-01", "to=2026-03-31")
        first = [x for x in sess.get("sessions") or []
                 if x.get("id") == "gs-20260303"]
        check(len(first) == 1, "the March sessions are readable: %r" % sess)
        d.refused(["team", "add", "south", "name=MAST South", "kind=mast"],
                  "internal")
        check(d.alive(), "the daemon died on a full disk")

        # Space again: the retried start-up plan goes through.
        os.unlink(filler)
        d.ok("debug", "advance", "2m")
        sess = d.ok("schedule", "from=2026-03-01", "to=2026-03-31")
        first = [x for x in sess.get("sessions") or []
                 if x.get("id") == "gs-20260303"]
        check(first and first[0].get("state") == "held",
              "after space is freed the ended session is held: %r" % first)
        d.ok("team", "add", "south", "name=MAST South", "kind=mast")
        d.stop()
    finally:
        if d.alive():
            d.kill()
        subprocess.run(["umount", "-l", d.state_dir], capture_output=True)


def main():
    if os.geteuid() != 0:
        rt.skip("needs root to mount a small tmpfs")
    start_full()
    d = rt.Instance()
    os.makedirs(d.state_dir)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=768k,mode=0700",
                        "reflectd-test", d.state_dir], capture_output=True)
    if r.returncode != 0:
        rt.skip("cannot mount a tmpfs here: %s" % r.stderr.decode().strip())
    try:
        d.start()
        d.ok("debug", "mail", "to=%s" % TO, "count=5")
        before = d.status().get("outbox") or {}

        # Fill the state directory until a write is refused.
        refusal = None
        for _ in range(40):
            rc, obj, out, err = d.ctl("debug", "mail", "to=%s" % TO,
                                      "count=400")
            if rc != 0:
                refusal = obj
                break
        rt.log("refusal: %r" % (refusal,))
        check(isinstance(refusal, dict) and refusal.get("error") ==
              "internal", "a write on a full disk should be refused with "
              "internal, got %r" % (refusal,))

        # Reads still answer, the daemon lives, the refused change left
        # nothing behind.
        st = d.status()
        check(st.get("version"), "status still answers after the refusal")
        ob = st.get("outbox") or {}
        total = sum(ob.get(k, 0) for k in ("queued", "sent", "failed"))
        check(total >= 5, "outbox counts still readable: %r" % ob)
        rc, obj, out, err = d.ctl("debug", "mail", "to=%s" % TO,
                                  "count=400")
        if rc != 0:
            ob2 = d.status().get("outbox") or {}
            total2 = sum(ob2.get(k, 0) for k in ("queued", "sent", "failed"))
            check(total2 == total, "a refused write changed the outbox "
                  "(%d -> %d)" % (total, total2))
        d.ok("audit")
        d.ok("outbox", "state=sent")
        check(d.alive(), "the daemon died on a full disk")
        check(before.get("queued", 0) + before.get("sent", 0) >= 5,
              "the first messages were queued")
        d.stop()
    finally:
        if d.alive():
            d.kill()
        subprocess.run(["umount", "-l", d.state_dir], capture_output=True)


rt.run(main)
