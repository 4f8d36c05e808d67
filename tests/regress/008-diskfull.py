"""A full disk refuses the change with internal; the daemon keeps serving."""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

TO = "team@example.org"


def main():
    if os.geteuid() != 0:
        rt.skip("needs root to mount a small tmpfs")
    d = rt.Instance()
    os.makedirs(d.state_dir)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=384k,mode=0700",
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
