"""Invitations parse in any year: the VTIMEZONE is right for the session's.

For Europe/London in 2027, 2028 and 2032 (years whose last Sunday of
October is the 31st, 29th and 31st, where an October 32nd once slipped
into the VTIMEZONE) and for Australia/Sydney and America/Santiago, the
real daemon runs on a fake clock a few weeks before the autumn change,
with a weekly series either side of it.  Every invitation it writes into
its Maildir is parsed with Debian's python3-icalendar, which refuses a
calendar with an impossible date; the VTIMEZONE's own rules (to_tz(), as a
client without tzdata uses them) must put each DTSTART at the same UTC
instant as the system's zoneinfo, and at the series' 10:00 local.
"""

import datetime
import email
import email.policy
import sys
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

try:
    import icalendar
except ImportError:
    rt.skip("python3-icalendar is not installed")
try:
    from zoneinfo import ZoneInfo
except ImportError:
    rt.skip("no zoneinfo module")

# (zone, the fake clock's first day: about two weeks before the change)
CASES = [("Europe/London", "2027-10-15"), ("Europe/London", "2028-10-15"),
         ("Europe/London", "2032-10-15"), ("Australia/Sydney", "2027-03-20"),
         ("America/Santiago", "2029-03-25")]
TEAM = ["mgr", "psy", "sw0"]


def invitations(d, want, timeout=20):
    """The invitations in the Maildir once at least want have come and
    no more arrive."""
    deadline = time.monotonic() + timeout
    last = -1
    while True:
        files = d.maildir_files()
        msgs = []
        for path in files:
            with open(path, "rb") as f:
                msgs.append(email.message_from_bytes(
                    f.read(), policy=email.policy.default))
        inv = [m for m in msgs
               if str(m["Subject"]).startswith("Invitation:")]
        if (len(inv) >= want and len(inv) == last) or \
                time.monotonic() > deadline:
            return inv
        last = len(inv)
        time.sleep(0.5)


def one(zone, day):
    d = rt.Instance({"daemon": {"timezone": zone}})
    start = datetime.date.fromisoformat(day)
    year = start.year
    d.start(fake_now="%sT09:00:00Z" % start.isoformat())
    d.ok("team", "add", "t", "name=Team", "kind=mast")
    d.ok("member", "add", "mgr", "name=Manager", "email=mgr@example.org",
         "role=manager", "team=t")
    d.ok("member", "add", "psy", "name=Psychologist",
         "email=psy@example.org", "role=psychologist", "team=t",
         "days=MO,TU,WE,TH,FR,SA,SU")
    d.ok("member", "add", "sw0", "name=Worker", "email=sw0@example.org",
         "role=social_worker", "team=t", "start=2020-01-01",
         "days=MO,TU,WE,TH,FR,SA,SU")
    d.ok("team", "set", "t", "manager=mgr", "psychologist=psy")
    first = start + datetime.timedelta(days=1)
    # Every day for four weeks: sessions both sides of the change.
    d.ok("series", "add", "s", "kind=reflective_practice", "team=t",
         "rrule=FREQ=DAILY;INTERVAL=3", "start=%sT10:00" % first.isoformat(),
         "duration=60")
    got = invitations(d, 7 * len(TEAM))
    check(len(got) >= 7 * len(TEAM), "%s %d: invitations for four weeks: "
          "%d" % (zone, year, len(got)))
    zi = ZoneInfo(zone)
    offsets = set()
    for msg in got:
        part = [p for p in msg.walk()
                if p.get_content_type() == "text/calendar"][0]
        raw = part.get_payload(decode=True)
        try:
            cal = icalendar.Calendar.from_ical(raw)
        except Exception as e:      # the bug this test is for
            check(False, "%s %d: python3-icalendar refuses the calendar: "
                  "%s" % (zone, year, e))
            continue
        tzs = cal.walk("VTIMEZONE")
        check(len(tzs) == 1 and str(tzs[0]["TZID"]) == zone,
              "%s %d: one VTIMEZONE named %s" % (zone, year, zone))
        for obs in tzs[0].subcomponents:
            dt = obs.decoded("DTSTART")
            check(1 <= dt.month <= 12 and dt.day >= 1,
                  "%s %d: observance DTSTART %r is a date" %
                  (zone, year, dt))
        ev = cal.walk("VEVENT")[0]
        prop = ev["DTSTART"]
        check(prop.params.get("TZID") == zone, "DTSTART has TZID=%s" % zone)
        local = prop.dt.replace(tzinfo=None)
        check((local.hour, local.minute) == (10, 0),
              "%s %d: 10:00 local: %r" % (zone, year, local))
        ours = tzs[0].to_tz().utcoffset(local)
        real = local.replace(tzinfo=zi).utcoffset()
        check(ours == real, "%s %d: the VTIMEZONE puts %s at %s, zoneinfo "
              "at %s" % (zone, year, local, ours, real))
        offsets.add(real)
    check(len(offsets) == 2, "%s %d: the sessions fall on both sides of "
          "the change: %r" % (zone, year, offsets))
    d.stop()


def main():
    for zone, day in CASES:
        one(zone, day)


if __name__ == "__main__":
    rt.run(main, limit=120)
