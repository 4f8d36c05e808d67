"""A pathological RRULE is refused at once and stalls nobody.

libical looks for a rule's first occurrence period by period up to the
year 20000: FREQ=MONTHLY;BYDAY=MO,...,SU;BYSETPOS=-366 took 1.7 s to
refuse, and a concurrent status waited as long.  Each rule below yields
nothing; `series add` must refuse it as invalid well within a second,
while status, asked over and over meanwhile, keeps answering quickly.
An ordinary monthly BYSETPOS rule is still accepted.
"""

import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

FAKE_NOW = "2026-03-01T09:00:00Z"
NEVER = [
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=-366",
    "FREQ=MONTHLY;BYMONTHDAY=1;BYSETPOS=6",
    "FREQ=MONTHLY;BYMONTHDAY=1;BYSETPOS=-366",
    "FREQ=MONTHLY;BYSETPOS=6",
    "FREQ=MONTHLY;BYMONTHDAY=31;BYSETPOS=2",
    "FREQ=DAILY;BYMONTHDAY=-30;BYMONTH=2",
    "FREQ=YEARLY;BYMONTH=1;BYDAY=6MO",
]
LIMIT = 0.5          # seconds; the old code took 1 to 3 s per rule


class StatusPoller(threading.Thread):
    """Asks status on a raw connection until stopped; keeps the worst."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.d = d
        self.stop = threading.Event()
        self.worst = 0.0
        self.answers = 0
        self.errors = []

    def run(self):
        c = self.d.connect()
        try:
            while not self.stop.is_set():
                t = time.monotonic()
                r = c.request("status")
                dt = time.monotonic() - t
                if not (isinstance(r, dict) and r.get("ok") is True):
                    self.errors.append(r)
                    return
                self.answers += 1
                self.worst = max(self.worst, dt)
                time.sleep(0.01)
        except Exception as e:
            self.errors.append(e)
        finally:
            c.close()


def main():
    d = rt.Instance()
    d.start(fake_now=FAKE_NOW)
    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("member", "add", "psy-north", "name=Dr North",
         "email=psy-north@example.org", "role=psychologist", "team=north")
    d.ok("team", "set", "north", "psychologist=psy-north")

    base = ["series", "add", "gs", "kind=group_supervision", "team=north",
            "start=2026-03-03T10:00", "duration=90"]
    poller = StatusPoller(d)
    poller.start()
    c = d.connect()
    for rule in NEVER:
        # On a connection of its own: the daemon's time, not a client's
        # start-up, is measured.
        t = time.monotonic()
        r = c.request(" ".join(base + ["rrule=" + rule]))
        dt = time.monotonic() - t
        r = r if isinstance(r, dict) else {}
        rt.log("%.3f s: %s: %s" % (dt, rule, r.get("message")))
        check(r.get("ok") is False and r.get("error") == "invalid",
              "series add with %s: want invalid, got %r" % (rule, r))
        check(dt < LIMIT, "series add with %s took %.2f s to refuse, want "
              "well under a second" % (rule, dt))
        check("RRULE" in (r.get("message") or ""),
              "the refusal of %s names the RRULE: %r" % (rule, r))
    c.close()
    poller.stop.set()
    poller.join(10)
    check(not poller.errors, "status failed meanwhile: %r" % poller.errors)
    check(poller.answers > 0, "status answered meanwhile")
    rt.log("status: %d answers, worst %.3f s" % (poller.answers,
                                                  poller.worst))
    check(poller.worst < LIMIT, "a status waited %.2f s behind a series "
          "add" % poller.worst)

    # Nothing was stored; an ordinary BYSETPOS rule still goes in.
    check(d.ok("series", "list").get("series") in ([], None),
          "no refused series was stored")
    d.ok(*(base + ["rrule=FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"]))
    s = d.ok("schedule", "from=2026-03-01", "to=2026-04-30")
    days = [x.get("start", "")[:10] for x in s.get("sessions") or []]
    check(days == ["2026-03-31", "2026-04-30"],
          "the last weekday of each month: %r" % days)
    d.stop()


rt.run(main)
