"""A throwaway CA and SMTP test relays for the regression tests.

CA makes a certificate authority in a temp dir with the openssl command
line and issues server certificates from it (EC keys, valid for two days of
real time: OpenSSL checks validity against the real clock, not the
daemon's --fake-now).  The daemon is pointed at a CA by SSL_CERT_FILE in
its environment, which OpenSSL's default verify paths honour.

Relay is aiosmtpd on 127.0.0.1 that records every message it accepts and
every AUTH command it sees (with whether the session was inside TLS at
that moment); with a certificate it offers STARTTLS, with users it offers
AUTH PLAIN and LOGIN, in clear too when auth_in_clear is set, so that a
client that would send a password without TLS is seen doing so.  Silent
is a port that accepts connections (the kernel's backlog does) and never
says a word.  Nothing here uses a fixed port or path.
"""

import asyncio
import email.parser
import os
import socket
import ssl
import subprocess
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _openssl(cwd, *args):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd,
                       stdin=subprocess.DEVNULL, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (args[0],
                           p.stderr.decode(errors="replace").strip()))


class CA:
    """A self-signed CA in dirpath; issue() makes server certificates."""

    def __init__(self, dirpath, name):
        self.dir = dirpath
        self.name = name
        self.key = os.path.join(dirpath, "%s.key" % name)
        self.cert = os.path.join(dirpath, "%s.pem" % name)
        _openssl(dirpath, "req", "-x509", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", self.key, "-out", self.cert, "-days", "2",
                 "-subj", "/CN=reflectd test CA %s" % name,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def issue(self, name, sans):
        """(cert, key) paths for a server certificate naming sans, e.g.
        ["DNS:localhost", "IP:127.0.0.1"]."""
        base = os.path.join(self.dir, "%s-%s" % (self.name, name))
        ext = base + ".ext"
        with open(ext, "w") as f:
            f.write("subjectAltName = %s\n" % ", ".join(sans))
            f.write("basicConstraints = CA:FALSE\n")
            f.write("keyUsage = critical, digitalSignature\n")
            f.write("extendedKeyUsage = serverAuth\n")
        _openssl(self.dir, "req", "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", base + ".key", "-out", base + ".csr",
                 "-subj", "/CN=%s" % name)
        _openssl(self.dir, "x509", "-req", "-in", base + ".csr",
                 "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial",
                 "-out", base + ".pem", "-days", "2", "-extfile", ext)
        return base + ".pem", base + ".key"


class Handler:
    """What the relay saw: messages accepted and AUTH commands."""

    def __init__(self, users=None):
        self.lock = threading.Lock()
        self.users = dict(users or {})
        self.received = []      # Message-IDs in arrival order
        self.auth = []          # (mechanism, inside TLS, login or None)
        self.starttls = 0       # sessions that completed STARTTLS
        self.hold = None        # a threading.Event DATA waits for

    def authenticator(self, server, session, envelope, mechanism, data):
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = data.login.decode(errors="replace")
        password = data.password.decode(errors="replace")
        ok = self.users.get(login) == password
        with self.lock:
            for i in range(len(self.auth) - 1, -1, -1):
                if self.auth[i][2] is None:
                    self.auth[i] = (self.auth[i][0], self.auth[i][1],
                                    login if ok else "!" + login)
                    break
        return AuthResult(success=ok)

    async def handle_DATA(self, server, session, envelope):
        while self.hold is not None and not self.hold.is_set():
            await asyncio.sleep(0.02)
        msg = email.parser.BytesParser().parsebytes(envelope.content)
        mid = msg.get("Message-ID")
        with self.lock:
            self.received.append(mid.strip() if mid else None)
        return "250 OK queued"

    def ids(self):
        with self.lock:
            return list(self.received)

    def auth_seen(self):
        with self.lock:
            return list(self.auth)


class _RecordingSMTP(SMTP):
    """aiosmtpd's SMTP, noting each AUTH command before it is handled."""

    async def smtp_AUTH(self, arg):
        h = self.event_handler
        with h.lock:
            h.auth.append(((arg or "").split(" ")[0].upper(),
                           self._tls_protocol is not None, None))
        return await super().smtp_AUTH(arg)

    async def smtp_STARTTLS(self, arg):
        await super().smtp_STARTTLS(arg)
        if self._tls_protocol is not None:
            with self.event_handler.lock:
                self.event_handler.starttls += 1


class _Controller(Controller):
    def factory(self):
        return _RecordingSMTP(self.handler, **self.SMTP_kwargs)


class Relay:
    """aiosmtpd on 127.0.0.1:port; STARTTLS with cert, AUTH with users."""

    def __init__(self, port, cert=None, users=None, auth_in_clear=False):
        self.port = port
        self.handler = Handler(users)
        kw = {}
        if cert is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert[0], cert[1])
            kw["tls_context"] = ctx
        if users:
            kw["authenticator"] = self.handler.authenticator
            kw["auth_require_tls"] = not auth_in_clear
        self.ctl = _Controller(self.handler, hostname="127.0.0.1", port=port,
                               **kw)
        self.ctl.start()

    def stop(self):
        if self.ctl is not None:
            self.ctl.stop()
            self.ctl = None


class Silent:
    """A port that accepts connections and never greets."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def stop(self):
        self.sock.close()
