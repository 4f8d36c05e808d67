"""STARTTLS, certificate checks and AUTH only inside TLS (SPEC 6).

A throwaway CA (tests/tls/relay.py, the openssl command line) signs the
relays' certificates, and the daemon trusts it through SSL_CERT_FILE:
(a) a relay with a good certificate and AUTH gets every message, the
password only inside TLS; (b) a certificate from a CA the daemon does not
trust and (c) one that names another host send nothing, and say so in
outbox last_error and in the log; (d) with starttls = yes, a relay that
offers no STARTTLS but would take AUTH in clear sees no AUTH and gets
nothing; (e) a relay that never greets is reported as such after 30 s.
"""

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
USER = "reflectd"
PASSWORD = "s3cret-Pa55"


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def instance(port, **mail):
    keys = {"transport": "smtp", "smtp_host": "127.0.0.1",
            "smtp_port": str(port), "starttls": "required",
            "maildir": None}
    keys.update(mail)
    d = rt.Instance({"mail": keys})
    d.start()
    return d


def attempted(d):
    """The queued rows once every row has had an attempt."""
    r = d.ok("outbox").get("messages") or []
    if r and all(m.get("state") == "queued" and m.get("attempts", 0) >= 1
                 for m in r):
        return r
    return None


def refused_with(d, srv, words, what):
    """One message, refused before any byte of it went: words in the
    outbox last_error and in the log, nothing received."""
    d.ok("debug", "mail", "to=%s" % TO, "count=1")
    r = wait_for(lambda: attempted(d), 15) or []
    errs = [str(m.get("last_error")) for m in r]
    rt.log("%s: %r" % (what, errs))
    check(len(r) == 1, "%s: the message is queued again after the "
          "attempt: %r" % (what, r))
    check(all(words in e for e in errs), "%s: last_error says %r: %r" %
          (what, words, errs))
    check(not any("no reply" in e for e in errs), "%s: last_error is not "
          "'no reply': %r" % (what, errs))
    check(words in d.log_text(), "%s: the log says %r" % (what, words))
    check(srv.handler.ids() == [], "%s: nothing delivered" % what)


def main():
    tmp = rt.mkdtemp()
    ca = relay.CA(tmp, "trusted")
    rogue = relay.CA(tmp, "rogue")
    good = ca.issue("localhost", ["DNS:localhost", "IP:127.0.0.1"])
    wrong = ca.issue("relay.example.org", ["DNS:relay.example.org"])
    untrusted = rogue.issue("localhost", ["DNS:localhost", "IP:127.0.0.1"])
    os.environ["SSL_CERT_FILE"] = ca.cert
    pwfile = os.path.join(tmp, "smtp.pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(pwfile, 0o600)

    # (e) first, as it takes 30 s: checked at the end.
    silent = relay.Silent()
    d0 = instance(silent.port, starttls="no")
    d0.ok("debug", "mail", "to=%s" % TO, "count=1")

    # (a) a trusted certificate naming 127.0.0.1, AUTH inside TLS.
    port = relay.free_port()
    srv = relay.Relay(port, cert=good, users={USER: PASSWORD})
    try:
        d = instance(port, smtp_user=USER, smtp_password_file=pwfile)
        d.ok("debug", "mail", "to=%s" % TO, "count=2")
        sent = wait_for(lambda: len(d.ok("outbox", "state=sent").get(
            "messages") or []) == 2, 15)
        check(sent, "(a) both messages sent over STARTTLS with AUTH: %r" %
              (d.ok("outbox").get("messages"),))
        ids = srv.handler.ids()
        check(len(ids) == 2 and len(set(ids)) == 2, "(a) each message "
              "received once: %r" % ids)
        auth = srv.handler.auth_seen()
        check(auth and all(a[1] and a[2] == USER for a in auth),
              "(a) AUTH only inside TLS, with the right password: %r" % auth)
        check(srv.handler.starttls >= 1, "(a) STARTTLS was used")
        check(PASSWORD not in d.log_text(), "(a) the password is not "
              "logged")
        d.stop()
    finally:
        srv.stop()

    # (b) a certificate from a CA the daemon does not trust.
    port = relay.free_port()
    srv = relay.Relay(port, cert=untrusted)
    try:
        d = instance(port)
        refused_with(d, srv, "certificate for 127.0.0.1 not trusted",
                     "(b) untrusted CA")
        d.stop()
    finally:
        srv.stop()

    # (c) a trusted certificate for another host name; yes verifies too.
    port = relay.free_port()
    srv = relay.Relay(port, cert=wrong)
    try:
        d = instance(port, smtp_host="localhost", starttls="yes")
        refused_with(d, srv, "certificate does not name localhost",
                     "(c) wrong host name")
        d.stop()
    finally:
        srv.stop()

    # (d) starttls = yes, no STARTTLS offered, AUTH offered in clear.
    port = relay.free_port()
    srv = relay.Relay(port, users={USER: PASSWORD}, auth_in_clear=True)
    try:
        d = instance(port, starttls="yes", smtp_user=USER,
                     smtp_password_file=pwfile)
        refused_with(d, srv, "STARTTLS", "(d) no STARTTLS, AUTH wanted")
        check(srv.handler.auth_seen() == [], "(d) no AUTH sent outside "
              "TLS: %r" % srv.handler.auth_seen())
        d.stop()
    finally:
        srv.stop()

    # (e) the relay that never greets.
    r = wait_for(lambda: attempted(d0), 40, step=0.2) or []
    errs = [str(m.get("last_error")) for m in r]
    rt.log("(e) silent relay: %r" % errs)
    check(len(r) == 1 and all("no greeting in 30 s" in e for e in errs),
          "(e) last_error says 'no greeting in 30 s': %r" % errs)
    check("no greeting in 30 s" in d0.log_text(), "(e) the log says "
          "'no greeting in 30 s'")
    d0.stop()
    silent.stop()


rt.run(main, limit=90)
