"""Delivery results that cannot be committed are retried (SPEC 10).

The relay holds a message's DATA while another process takes the
database's write lock, then accepts it: the daemon cannot write the result
(as on a full disk or an I/O error), so the row stays `sending`.  Once the
lock is gone, the result is written without a restart: the row becomes
`sent` and the message was received exactly once.
"""

import os
import sqlite3
import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

sys.path.insert(0, os.path.join(rt.TOP_SRCDIR, "tests", "tls"))
try:
    import relay
except ImportError:
    rt.skip("python3-aiosmtpd is not installed")

TO = "team@example.org"


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def states(d):
    return [m.get("state") for m in d.ok("outbox").get("messages") or []]


def main():
    port = relay.free_port()
    srv = relay.Relay(port)
    srv.handler.hold = threading.Event()
    lock = None
    try:
        d = rt.Instance({"mail": {"transport": "smtp",
                                  "smtp_host": "127.0.0.1",
                                  "smtp_port": str(port), "starttls": "no",
                                  "maildir": None}})
        d.start()
        pid = d.proc.pid
        d.ok("debug", "mail", "to=%s" % TO, "count=1")
        check(wait_for(lambda: states(d) == ["sending"], 10),
              "the message is being sent: %r" % states(d))
        time.sleep(0.3)         # the relay is now holding its DATA

        lock = sqlite3.connect(os.path.join(d.state_dir, "reflectd.db"),
                               isolation_level=None, timeout=10)
        lock.execute("BEGIN IMMEDIATE")
        srv.handler.hold.set()
        check(wait_for(lambda: srv.handler.ids(), 10), "the relay took "
              "the message")
        logged = wait_for(lambda: "cannot record the results" in
                          d.log_text(), 15)
        check(logged, "the daemon says it cannot record the result")
        check(states(d) == ["sending"], "the row is still sending while "
              "the database refuses writes: %r" % states(d))
        lock.execute("ROLLBACK")
        lock.close()
        lock = None

        # No restart: the result is written on the next try.
        d.ok("debug", "advance", "2m")
        done = wait_for(lambda: states(d) == ["sent"], 10)
        check(done, "the row is recorded as sent without a restart: %r" %
              states(d))
        check(d.proc.pid == pid and d.alive(), "the same daemon, never "
              "restarted")
        ids = srv.handler.ids()
        check(len(ids) == 1, "the message was received exactly once: %r" %
              ids)
        ob = d.status().get("outbox") or {}
        check(ob.get("sent") == 1 and ob.get("queued") == 0,
              "status counts it sent: %r" % ob)
        d.stop()
    finally:
        if lock is not None:
            lock.close()
        srv.stop()


rt.run(main, limit=60)
