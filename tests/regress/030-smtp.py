"""SMTP delivery against a real SMTP server on loopback (aiosmtpd).

Several messages per connection, each received once with its Message-ID;
451 then 250 delivered once after a retry; 550 failed at once and shown
in outbox and status; the server down for six simulated hours then up
gets everything delivered; kill -9 during a burst, three times over,
loses nothing and resends at most one message per kill;
starttls = required against a server without STARTTLS sends nothing.
"""

import collections
import email.parser
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

TO = "team@example.org"


class Handler:
    """Records what arrives; answers RCPT or DATA with a set reply."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []      # (Message-ID, rcpt list, session id)
        self.sessions = set()
        self.session_objs = []
        self.rcpt_reply = None
        self.data_reply = None

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if id(session) not in self.sessions:
                self.sessions.add(id(session))
                self.session_objs.append(session)
        if self.data_reply is not None:
            return self.data_reply
        msg = email.parser.BytesParser().parsebytes(envelope.content)
        mid = msg.get("Message-ID")
        with self.lock:
            self.received.append((mid.strip() if mid else None,
                                  list(envelope.rcpt_tos), id(session)))
        return "250 OK queued"

    def ids(self):
        with self.lock:
            return [r[0] for r in self.received]

    def reset(self):
        with self.lock:
            self.received = []
            self.sessions = set()
            self.session_objs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(handler, port):
    c = Controller(handler, hostname="127.0.0.1", port=port)
    c.start()
    return c


def smtp_instance(port, extra=None):
    mail = {"transport": "smtp", "smtp_host": "127.0.0.1",
            "smtp_port": str(port), "starttls": "no", "maildir": None}
    mail.update(extra or {})
    return rt.Instance({"mail": mail})


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def outbox_counts(d):
    r = d.raw("status")
    if isinstance(r, dict) and r.get("ok") is True:
        return r["result"].get("outbox") or {}
    return {}


def drained(d, total):
    ob = outbox_counts(d)
    if ob.get("queued") == 0 and \
            ob.get("sent", 0) + ob.get("failed", 0) >= total:
        return ob
    return None


def queued_rows(d):
    return d.ok("outbox", "state=queued").get("messages") or []


def attempted(d, n):
    """The queued rows once all n have had exactly one attempt."""
    rows = [m for m in queued_rows(d) if m.get("attempts") == 1]
    return rows if len(rows) == n else None


def part_a_batch(h, port):
    """(a) all delivered, once each, several per connection."""
    d = smtp_instance(port)
    d.start()
    res = d.ok("debug", "mail", "to=%s" % TO, "count=40")
    ob = wait_for(lambda: drained(d, 40), 15)
    check(ob and ob.get("sent") == 40 and ob.get("failed") == 0,
          "(a) 40 messages sent, none failed: %r" % ob)
    ids = h.ids()
    check(len(ids) == 40 and len(set(ids)) == 40 and None not in ids,
          "(a) 40 distinct Message-IDs received once each: %d received, "
          "%d distinct" % (len(ids), len(set(ids))))
    with h.lock:
        rcpts = [r[1] for r in h.received]
        nsess = len(h.sessions)
    check(all(r == [TO] for r in rcpts), "(a) each message to %s only" % TO)
    check(nsess < 40, "(a) several messages share a connection: %d "
          "connections for 40 messages" % nsess)
    given = res.get("ids") if isinstance(res, dict) else None
    sent = d.ok("outbox", "state=sent").get("messages") or []
    check(isinstance(given, list) and
          {m.get("id") for m in sent} == set(given),
          "(a) the outbox lists the queued messages as sent")
    rt.log("(a) 40 messages over %d connection(s)" % nsess)
    d.stop()
    h.reset()


def part_b_451(h, port):
    """(b) 451 then 250: delivered once after a retry."""
    d = smtp_instance(port)
    d.start()
    h.data_reply = "451 4.3.0 try later"
    d.ok("debug", "mail", "to=%s" % TO, "count=3")
    rows = wait_for(lambda: attempted(d, 3), 10) or []
    check(len(rows) == 3, "(b) after a 451 the 3 messages are queued with "
          "one attempt: %r" % (rows,))
    check(all("451" in str(m.get("last_error")) for m in rows),
          "(b) last_error names the 451: %r" %
          [m.get("last_error") for m in rows])
    check(all("try later" in str(m.get("last_error")) for m in rows),
          "(b) last_error carries the server's text: %r" %
          [m.get("last_error") for m in rows][:1])
    check(h.ids() == [], "(b) nothing accepted during the 451")
    h.data_reply = None
    d.ok("debug", "advance", "5m")
    ob = wait_for(lambda: drained(d, 3), 10)
    check(ob and ob.get("sent") == 3, "(b) sent after the retry: %r" % ob)
    ids = h.ids()
    check(len(ids) == 3 and len(set(ids)) == 3,
          "(b) each message received exactly once: %r" % ids)
    sent = d.ok("outbox", "state=sent").get("messages") or []
    check(all(m.get("attempts") == 2 for m in sent),
          "(b) sent on the second attempt: %r" %
          [m.get("attempts") for m in sent])
    d.stop()
    h.reset()


def part_c_550(h, port):
    """(c) 550: failed at once, in outbox and status."""
    d = smtp_instance(port)
    d.start()
    h.rcpt_reply = "550 5.1.1 no such user"
    d.ok("debug", "mail", "to=%s" % TO, "count=2")
    ob = wait_for(lambda: drained(d, 2), 10)
    h.rcpt_reply = None
    check(ob and ob.get("failed") == 2 and ob.get("sent") == 0,
          "(c) a 550 fails both messages at once: %r" % ob)
    failed = d.ok("outbox", "state=failed").get("messages") or []
    check(len(failed) == 2 and all(m.get("attempts") == 1 for m in failed),
          "(c) failed after one attempt: %r" % failed)
    check(all("550" in str(m.get("last_error")) for m in failed),
          "(c) last_error names the 550: %r" %
          [m.get("last_error") for m in failed])
    st = d.status()
    lf = (st.get("mail") or {}).get("last_failure")
    check(isinstance(lf, str) and "550" in lf,
          "(c) status mail.last_failure shows the 550: %r" % lf)
    check(h.ids() == [], "(c) nothing accepted")
    d.stop()
    h.reset()


def part_d_down(h, port):
    """(d) server down for six simulated hours, then up."""
    d = smtp_instance(port)
    d.start()
    d.ok("debug", "mail", "to=%s" % TO, "count=5")
    last_next = None
    last_attempts = 0
    grew = True
    for step in range(24):      # 24 x 15 min = 6 h
        want = last_attempts + 1

        def settled():
            rows = queued_rows(d)
            if len(rows) == 5 and all(m.get("attempts", 0) >= want
                                      for m in rows):
                return rows
            return None
        rows = wait_for(settled, 5) if step == 0 else queued_rows(d)
        rows = rows or []
        check(len(rows) == 5, "(d) all 5 stay queued while the server is "
              "down (step %d): %d" % (step, len(rows)))
        if len(rows) != 5:
            break
        att = min(m.get("attempts", 0) for m in rows)
        nxt = max(m.get("next_attempt") or "" for m in rows)
        if att > last_attempts:
            if last_next is not None and nxt <= last_next:
                grew = False
            last_next = nxt
            last_attempts = att
        d.ok("debug", "advance", "15m")
        time.sleep(0.05)
        wait_for(lambda: all(m.get("state") == "queued"
                             for m in queued_rows(d)), 2)
    check(grew, "(d) next_attempt grows with each failed attempt")
    check(last_attempts >= 5, "(d) several attempts over six hours: %d" %
          last_attempts)
    errs = {m.get("last_error") for m in queued_rows(d)}
    check(all(e and "127.0.0.1" in e for e in errs),
          "(d) last_error names the server: %r" % errs)
    rt.log("(d) %d attempts in 6 h, last error %r" % (last_attempts, errs))
    ctl = start_server(h, port)
    d.ok("debug", "advance", "2h")
    ob = wait_for(lambda: drained(d, 5), 10)
    check(ob and ob.get("sent") == 5, "(d) everything sent once the "
          "server is back: %r" % ob)
    ids = h.ids()
    check(len(ids) == 5 and len(set(ids)) == 5,
          "(d) each message received once: %r" % ids)
    d.stop()
    h.reset()
    return ctl


def part_e_kill(h, port):
    """(e) kill -9 three times during a burst of 600, restarting each time.

    Accepted messages are journaled before the next is sent, so each kill
    resends at most the one message in flight, whatever the commits had
    caught up with.
    """
    count = 600
    kills = 3
    d = smtp_instance(port)
    d.start()
    d.ok("debug", "mail", "to=%s" % TO, "count=%d" % count)
    want = 50
    for k in range(kills):
        wait_for(lambda: len(h.ids()) >= want, 10, step=0.002)
        d.kill()
        got = len(h.ids())
        rt.log("(e) kill %d with %d of %d received" % (k + 1, got, count))
        want = got + 100
        d.start()
    ob = wait_for(lambda: drained(d, count), 30)
    check(ob and ob.get("sent") == count and ob.get("failed") == 0,
          "(e) all %d sent after the restarts: %r" % (count, ob))
    ids = h.ids()
    counts = collections.Counter(ids)
    dups = sum(n - 1 for n in counts.values())
    check(len(counts) == count, "(e) %d distinct Message-IDs received, "
          "want %d" % (len(counts), count))
    check(dups <= kills, "(e) %d duplicates after %d kills, want at most "
          "%d" % (dups, kills, kills))
    check(max(counts.values() or [0]) <= 2, "(e) a message received more "
          "than twice")
    sent = d.ok("outbox", "state=sent", "limit=1000").get("messages") or []
    check(len(sent) == count and all(m.get("attempts", 0) >= 1
                                     for m in sent),
          "(e) the outbox lists all %d as sent, each with an attempt: %d" %
          (count, len(sent)))
    rt.log("(e) %d duplicate(s) after %d kills" % (dups, kills))
    d.stop()
    h.reset()


def part_f_starttls(h, port):
    """(f) starttls = required, no STARTTLS offered: nothing sent."""
    d = smtp_instance(port, {"starttls": "required"})
    d.start()
    d.ok("debug", "mail", "to=%s" % TO, "count=2")
    rows = wait_for(lambda: attempted(d, 2), 10) or []
    check(len(rows) == 2, "(f) both messages queued again after the "
          "attempt: %r" % rows)
    check(all("STARTTLS" in str(m.get("last_error")) for m in rows),
          "(f) last_error says STARTTLS is missing: %r" %
          [m.get("last_error") for m in rows])
    time.sleep(0.3)
    check(h.ids() == [], "(f) nothing delivered without STARTTLS")
    d.stop()
    h.reset()


def main():
    h = Handler()
    port = free_port()
    ctl = start_server(h, port)
    try:
        part_a_batch(h, port)
        part_b_451(h, port)
        part_c_550(h, port)
        part_f_starttls(h, port)
        ctl.stop()
        ctl = None
        ctl = part_d_down(h, port)
        part_e_kill(h, port)
    finally:
        if ctl is not None:
            ctl.stop()


rt.run(main, limit=90)
