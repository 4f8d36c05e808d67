"""A week's digests are not lost to a daemon that was down at [digest]
day/time.

The daemon is stopped on Sunday and started again on Monday after the
digest time (07:30, as a reboot on Monday morning would): it queues that
week's digests once it is up (a minute after start), each recipient's
once, and they are delivered.
A second restart the same week queues none; nor does a start the next
week before that week's digest time.  `digest send` agrees that the
week's digests are all in the outbox.
"""

import email.parser
import email.policy
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

SUNDAY = "2026-03-01T09:00:00Z"
MONDAY_LATE = "2026-03-02T10:00:00Z"     # digest time was 07:30 London
TUESDAY = "2026-03-03T11:00:00Z"
NEXT_MONDAY_EARLY = "2026-03-09T06:00:00Z"


def org(d):
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("member", "add", "mgr-north", "name=Manager North",
         "email=mgr-north@example.org", "role=manager", "team=north")
    d.ok("member", "add", "psy-north", "name=Dr North",
         "email=psy-north@example.org", "role=psychologist", "team=north")
    for i in range(2):
        d.ok("member", "add", "sw%d" % i, "name=Worker %d" % i,
             "email=sw%d@example.org" % i, "role=social_worker",
             "team=north")
    d.ok("team", "set", "north", "manager=mgr-north",
         "psychologist=psy-north")
    d.ok("series", "add", "gs", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;BYDAY=TU", "start=2026-03-03T10:00",
         "duration=90")


def digests(d):
    msgs = d.ok("outbox").get("messages") or []
    return [m for m in msgs if str(m.get("kind", "")).endswith("_digest")]


def digest_ids(d):
    """Message-IDs of the digests delivered into the Maildir."""
    out = []
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    for sub in ("new", "cur"):
        for path in d.maildir_files(sub):
            with open(path, "rb") as f:
                msg = parser.parse(f)
            subject = str(msg.get("Subject", ""))
            if ("the next two weeks" in subject or
                    "caseloads and sessions" in subject):
                out.append(str(msg.get("Message-ID", "")).strip())
    return out


def wait_digests(d, n, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(digests(d)) >= n and all(m.get("state") == "sent"
                                        for m in digests(d)):
            return
        time.sleep(0.1)


def main():
    d = rt.Instance()
    d.start(fake_now=SUNDAY)
    org(d)
    check(digests(d) == [], "no digest before Monday's digest time")
    d.stop()

    # Down over Monday 07:30; started at 10:00: the week's digests go
    # once it is up and serving (within a couple of minutes).
    d.start(fake_now=MONDAY_LATE)
    d.ok("debug", "advance", "2m")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not digests(d):
        time.sleep(0.1)
    got = digests(d)
    check(len(got) >= 4, "the week's digests were queued at start: %r" %
          [(m.get("kind"), m.get("to")) for m in got])
    wait_digests(d, len(got))
    res = d.ok("digest", "send")
    check(res.get("queued") == 0 and res.get("already_sent") == len(got),
          "digest send finds the week's digests all queued: %r" % res)
    kinds = sorted(set(m.get("kind") for m in got))
    rt.log("caught up: %d digests (%s)" % (len(got), ", ".join(kinds)))
    per_rcpt = {}
    for m in got:
        key = (m.get("kind"), m.get("to"))
        per_rcpt[key] = per_rcpt.get(key, 0) + 1
    check(all(v == 1 for v in per_rcpt.values()),
          "each recipient's digest once: %r" % per_rcpt)
    delivered = digest_ids(d)
    check(len(delivered) == len(got) and
          len(set(delivered)) == len(delivered),
          "each digest delivered once: %d files for %d digests" %
          (len(delivered), len(got)))
    d.stop()

    # A second restart the same week: nothing more.
    d.start(fake_now=TUESDAY)
    d.ok("debug", "advance", "2m")
    time.sleep(0.5)
    check(len(digests(d)) == len(got), "a second restart queued more "
          "digests: %d, was %d" % (len(digests(d)), len(got)))
    d.stop()

    # Next Monday before the digest time: nothing to catch up yet.
    d.start(fake_now=NEXT_MONDAY_EARLY)
    d.ok("debug", "advance", "2m")
    time.sleep(0.5)
    check(len(digests(d)) == len(got), "a start before the week's digest "
          "time queued digests: %d, was %d" % (len(digests(d)), len(got)))
    check(len(set(digest_ids(d))) == len(got), "no digest delivered twice")
    d.stop()


rt.run(main)
