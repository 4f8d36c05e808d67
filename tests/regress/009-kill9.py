"""kill -9 during a burst of writes and deliveries loses nothing acknowledged.

Five times over, the daemon (SMTP transport to a real aiosmtpd relay) is
started on the same state directory, a client adds members and queues
test mail as fast as it is answered, and the daemon is killed with
SIGKILL at a random moment in the middle of it.  Every change reflectctl
was told succeeded must be there after the restart, and once the daemon
has run to the end every message whose queuing was acknowledged must
have reached the relay: the same Message-ID at least once (a kill may
send one again, never lose it).
"""

import email
import email.policy
import random
import signal
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

try:
    from aiosmtpd.controller import Controller
except ImportError:
    rt.skip("python3-aiosmtpd is not installed")

CYCLES = 5


class Relay:
    def __init__(self):
        self.lock = threading.Lock()
        self.ids = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content,
                                       policy=email.policy.default)
        with self.lock:
            self.ids.append(str(msg["Message-ID"]).strip())
        return "250 OK"

    def received(self):
        with self.lock:
            return list(self.ids)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def burst(d, cycle, acked, queued, stop):
    """Writes and mail until stop is set; note what was acknowledged."""
    i = 0
    while not stop.is_set():
        slug = "k%d-%d" % (cycle, i)
        rc, obj, out, err = d.ctl("member", "add", slug, "name=Kill %d" % i,
                                  "email=%s@example.org" % slug,
                                  "role=social_worker", "team=t", timeout=10)
        if rc == 0 and obj and obj.get("ok"):
            acked.append(slug)
        rc, obj, out, err = d.ctl("debug", "mail", "to=sink@example.org",
                                  "count=20", timeout=10)
        if rc == 0 and obj and obj.get("ok"):
            queued.append(int(obj["result"].get("queued", 0)))
        i += 1


def main():
    h = Relay()
    port = free_port()
    ctl = Controller(h, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        run(h, port)
    finally:
        ctl.stop()


def run(h, port):
    rng = random.Random(9)
    d = rt.Instance({"mail": {"transport": "smtp", "smtp_host": "127.0.0.1",
                              "smtp_port": str(port), "starttls": "no",
                              "maildir": None}})
    acked, queued = [], []
    day = 5
    for cycle in range(CYCLES):
        # A new fake day each start, so test mail never reuses an id.
        d.start(fake_now="2026-01-%02dT09:00:00Z" % (day + cycle),
                debug=False)
        if cycle == 0:
            d.ok("team", "add", "t", "name=Team", "kind=mast")
        stop = threading.Event()
        mine = []
        t = threading.Thread(target=burst, args=(d, cycle, mine, queued,
                                                 stop))
        t.start()
        time.sleep(0.4 + rng.random())
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait(timeout=10)
        stop.set()
        t.join(timeout=30)
        acked.extend(mine)
        rt.log("cycle %d: %d members acknowledged, %d messages queued so "
               "far" % (cycle, len(mine), sum(queued)))
        check(mine, "cycle %d: some writes were acknowledged before the "
              "kill" % cycle)

    # After the last kill: everything acknowledged is there.
    d.start(fake_now="2026-01-%02dT09:00:00Z" % (day + CYCLES), debug=False)
    members = {m.get("slug") or m.get("member")
               for m in d.ok("member", "list").get("members", [])}
    lost = [s for s in acked if s not in members]
    check(not lost, "acknowledged members lost to kill -9: %r" % lost[:10])

    # And every acknowledged message reaches the relay.
    want = sum(queued)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ob = d.status().get("outbox") or {}
        if ob.get("queued", 1) == 0 and len(set(h.received())) >= want:
            break
        time.sleep(0.2)
    got = h.received()
    ob = d.status().get("outbox") or {}
    check(ob.get("failed", 0) == 0, "no message failed: %r" % ob)
    check(len(set(got)) >= want, "every acknowledged message delivered: "
          "%d distinct of %d acknowledged (%d deliveries)" %
          (len(set(got)), want, len(got)))
    check(len(got) - len(set(got)) <= CYCLES * 128,
          "duplicates only from kills: %d" % (len(got) - len(set(got))))
    d.stop()


if __name__ == "__main__":
    rt.run(main, limit=150)
