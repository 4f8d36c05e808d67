"""A relay down for twelve simulated hours loses nothing (SPEC 6).

Five messages are queued, three at the start of the outage and two three
hours in, while nothing listens on the SMTP port.  Over twelve hours of
fake clock they are tried well over max_attempts (12) times and none is
failed, since none is older than retry_max_age (3d).  Then the relay comes
back: once the first retry gets through, the rest, still waiting in
backoff, go at once rather than each at its own hour, and every message
arrives exactly once.
"""

import collections
import os
import sys
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
STEP = 20               # minutes of fake clock per advance
OUTAGE = 12 * 60        # minutes


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def rows(d, state=None):
    words = ["outbox"] + (["state=%s" % state] if state else [])
    return d.ok(*words).get("messages") or []


def settled(d):
    """The rows once none is being sent."""
    r = rows(d)
    if r and not any(m.get("state") == "sending" for m in r):
        return r
    return None


def main():
    port = relay.free_port()
    d = rt.Instance({"mail": {"transport": "smtp",
                              "smtp_host": "127.0.0.1",
                              "smtp_port": str(port), "starttls": "no",
                              "maildir": None}})
    d.start()
    d.ok("debug", "mail", "to=%s" % TO, "count=3")
    elapsed = 0
    while elapsed < OUTAGE:
        if elapsed == 180:
            d.ok("debug", "mail", "to=%s" % TO, "count=2")
        time.sleep(0.05)
        wait_for(lambda: settled(d), 5)
        d.ok("debug", "advance", "%dm" % STEP)
        elapsed += STEP
    r = wait_for(lambda: settled(d), 5) or []
    states = collections.Counter(m.get("state") for m in r)
    attempts = [m.get("attempts", 0) for m in r]
    rt.log("after %d h down: %r, attempts %r" % (OUTAGE // 60, dict(states),
                                                   attempts))
    check(len(r) == 5 and states.get("queued") == 5,
          "all 5 messages still queued after a %d-hour outage: %r" %
          (OUTAGE // 60, dict(states)))
    check(max(attempts or [0]) > 12, "the first messages were tried more "
          "than max_attempts (12) times: %r" % attempts)
    check(all("127.0.0.1" in str(m.get("last_error")) for m in r),
          "last_error names the relay: %r" %
          {m.get("last_error") for m in r})
    ob = d.status().get("outbox") or {}
    check(ob.get("failed") == 0, "nothing failed: %r" % ob)

    srv = relay.Relay(port)
    try:
        first = None
        for i in range(24):         # up to two hours, 5 minutes a step
            d.ok("debug", "advance", "5m")
            first = wait_for(lambda: srv.handler.ids(), 0.5)
            if first:
                rt.log("first delivery %d minutes after the relay came back"
                       % (5 * (i + 1)))
                break
        check(first, "something delivered within two hours of the relay "
              "coming back")
        # No further advance: the rest must not wait for their own hour.
        done = wait_for(lambda: len(rows(d, "sent")) == 5, 5)
        check(done, "once the relay took a message, every message waiting "
              "in backoff went at once: sent %d of 5" % len(rows(d, "sent")))
        if not done:
            d.ok("debug", "advance", "2h")
            wait_for(lambda: len(rows(d, "sent")) == 5, 5)
        ids = srv.handler.ids()
        counts = collections.Counter(ids)
        check(len(ids) == 5 and len(counts) == 5 and None not in counts,
              "each of the 5 messages received exactly once: %r" %
              dict(counts))
        ob = d.status().get("outbox") or {}
        check(ob.get("sent") == 5 and ob.get("failed") == 0 and
              ob.get("queued") == 0, "outbox: 5 sent, none failed: %r" % ob)
        d.stop()
    finally:
        srv.stop()


rt.run(main, limit=90)
