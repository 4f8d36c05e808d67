"""Outbox durability: kill -9 during Maildir delivery loses no message."""

import collections
import email.parser
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

COUNT = 300
TO = "team@example.org"
MSGID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")


def wait_drained(d, timeout):
    """Poll status until the outbox has nothing queued; return outbox."""
    deadline = time.monotonic() + timeout
    ob = {}
    while time.monotonic() < deadline:
        r = d.raw("status")
        if isinstance(r, dict) and r.get("ok") is True:
            ob = r["result"].get("outbox") or {}
            if ob.get("queued") == 0 and ob.get("sent", 0) + \
                    ob.get("failed", 0) >= COUNT:
                return ob
        time.sleep(0.1)
    return ob


def main():
    d = rt.Instance()
    d.start()

    res = d.ok("debug", "mail", "to=%s" % TO, "count=%d" % COUNT)
    rt.log("debug mail: %r" % (str(res)[:200],))

    # Kill as soon as delivery has visibly begun.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not d.maildir_files("new"):
        time.sleep(0.002)
    d.kill()
    before = len(d.maildir_files("new"))
    rt.log("killed with %d of %d delivered" % (before, COUNT))
    if before == COUNT:
        rt.log("note: all messages were delivered before the kill")

    # Restart on the same state: the rest goes out, nothing twice (but one).
    d.start()
    ob = wait_drained(d, 30)
    check(ob.get("queued") == 0, "after restart the outbox should drain; "
          "status outbox %r" % ob)
    check(ob.get("sent") == COUNT and ob.get("failed") == 0,
          "status outbox should count %d sent, 0 failed: %r" % (COUNT, ob))

    ids = []
    parser = email.parser.BytesHeaderParser()
    bad_to = 0
    for path in d.maildir_files("new"):
        with open(path, "rb") as f:
            msg = parser.parse(f)
        mid = msg.get("Message-ID")
        ids.append(mid.strip() if mid is not None else None)
        if TO not in str(msg.get("To", "")):
            bad_to += 1
    check(None not in ids, "every delivered file has a Message-ID header")
    ids = [i for i in ids if i is not None]
    check(all(MSGID.match(i) for i in ids), "Message-IDs look like "
          "<local@domain>: %r" % [i for i in ids if not MSGID.match(i)][:3])
    check(bad_to == 0, "%d delivered files are not addressed To: %s" %
          (bad_to, TO))
    counts = collections.Counter(ids)
    dups = sum(n - 1 for n in counts.values())
    check(len(counts) == COUNT, "%d distinct Message-IDs delivered, want %d"
          % (len(counts), COUNT))
    check(dups <= 1, "%d duplicate deliveries after one kill, want at "
          "most 1" % dups)
    check(max(counts.values() or [0]) <= 2, "a message delivered more "
          "than twice")
    left = d.maildir_files("tmp")
    check(left == [], "files left in the Maildir's tmp/: %d" % len(left))

    # The outbox ids debug mail returned are the ones listed as sent.
    given = res.get("ids") if isinstance(res, dict) else None
    check(isinstance(given, list) and len(set(given)) == COUNT,
          "debug mail should return %d distinct outbox ids: %r" %
          (COUNT, str(given)[:200]))

    sent = d.ok("outbox", "state=sent", "limit=1000").get("messages")
    check(isinstance(sent, list) and len(sent) == COUNT,
          "outbox state=sent lists %r messages, want %d" %
          (len(sent) if isinstance(sent, list) else sent, COUNT))
    if isinstance(sent, list) and sent:
        m = sent[0]
        for k in ("id", "kind", "to", "subject", "state", "attempts",
                  "next_attempt", "last_error"):
            check(k in m, "outbox message lacks %s: %r" % (k, m))
        check(all(x.get("state") == "sent" for x in sent),
              "outbox state=sent lists messages in other states")
        check(all(TO in str(x.get("to")) for x in sent),
              "outbox messages are to %s" % TO)
        check(len({x.get("id") for x in sent}) == COUNT,
              "outbox message ids are distinct")
        if isinstance(given, list):
            check({x.get("id") for x in sent} == set(given),
                  "the messages listed as sent are not the ones debug mail "
                  "queued")
    # Without limit= the newest 50, newest first.
    newest = d.ok("outbox").get("messages") or []
    ids = [x.get("id") for x in newest]
    check(len(ids) == 50 and ids == sorted(ids, reverse=True) and
          ids[0] == max(x.get("id") for x in sent),
          "outbox lists the newest 50 by default: %r" % ids[:5])
    d.refused(["outbox", "limit=0"], "invalid")
    queued = d.ok("outbox", "state=queued").get("messages")
    check(queued == [], "outbox state=queued should be empty: %r" %
          (str(queued)[:200],))
    d.refused(["outbox", "retry", "999999"], "not_found")
    d.stop()

    # Without --fake-now, debug commands are refused and queue nothing.
    e = rt.Instance()
    e.start(fake_now=None)
    e.refused(["debug", "mail", "to=%s" % TO, "count=3"], None)
    e.refused(["debug", "advance", "7d"], None)
    time.sleep(0.5)
    check(e.maildir_files("new") == [], "a refused debug mail delivered "
          "something")
    ob = e.status().get("outbox") or {}
    check(ob.get("queued") == 0 and ob.get("sent") == 0,
          "a refused debug mail queued something: %r" % ob)
    e.stop()


rt.run(main)
