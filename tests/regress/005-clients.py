"""A hundred clients at once all get their answers."""

import sys
sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

N = 100


def main():
    d = rt.Instance()
    d.start()

    conns = []
    for i in range(N):
        conns.append(d.connect(timeout=15.0))
    rt.log("%d connections open" % len(conns))
    for c in conns:
        check(c.send(b"status\n"), "sending status on an open connection")
    good = 0
    bad = []
    for i, c in enumerate(conns):
        try:
            r = c.reply()
        except (OSError, ValueError) as e:
            r = "%s: %s" % (type(e).__name__, e)
        if isinstance(r, dict) and r.get("ok") is True and \
                isinstance(r.get("result"), dict) and "version" in r["result"]:
            good += 1
        else:
            bad.append((i, r))
    check(good == N, "%d of %d concurrent clients got an ok status; first "
          "failures: %r" % (good, N, bad[:3]))

    # Each connection is still usable for a second request.
    for c in conns[:10]:
        r = c.request("status")
        check(isinstance(r, dict) and r.get("ok") is True,
              "second request on a concurrent connection: %r" % r)
    for c in conns:
        c.close()

    # And the daemon serves new clients once they have all gone.
    r = d.raw("status")
    check(isinstance(r, dict) and r.get("ok") is True,
          "status after 100 clients left: %r" % r)
    d.stop()


rt.run(main)
