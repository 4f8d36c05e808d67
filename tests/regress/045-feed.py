"""The calendar feed: a member's year in any calendar, and nothing else.

A member gets a URL with `feed token`; the daemon serves GET and HEAD
/feed/TOKEN.ics on [feed] listen.  Driven here with Python's http.client
and with a real subscriber, Debian's vdirsyncer (an `http` storage synced
into a `filesystem` one), whose synced items must be exactly the member's
sessions: held, planned and cancelled (STATUS:CANCELLED), at the right UTC
instants on both sides of the clocks going forward.  The body parses with
python3-icalendar and carries METHOD:PUBLISH, the invitations' UIDs,
X-WR-CALNAME, X-WR-TIMEZONE, REFRESH-INTERVAL and X-PUBLISHED-TTL; the
ETag is strong and stable (If-None-Match gets 304), HEAD has no body,
Cache-Control is private with max-age from [feed] refresh.

Every path variant (trailing slash, percent-encoding, case changes, extra
segments, a query) is 404, other methods 405, a replaced or revoked token
404, and an address that keeps failing gets 429 (behind a proxy on this
host, the address in X-Forwarded-For does) until its time is up.  Tokens
are in neither the database nor its WAL nor the log (the hash is).  Case
references appear only with include_cases = yes, and then only the
member's own.  Members mint their own, managers their team's.  500
connections at once and a client that drips its request leave the
control socket answering, the daemon within its connection cap, and the
feed serving again once they are gone.  A reload moves the listener.
"""

import base64
import datetime
import hashlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
import reflecttest as rt
from reflecttest import check

try:
    import icalendar
except ImportError:
    rt.skip("python3-icalendar is not installed")
if shutil.which("vdirsyncer") is None:
    rt.skip("vdirsyncer is not installed (./quickstart installs it)")

FAKE_NOW = "2026-03-02T09:00:00Z"
DOMAIN = "example.org"
WORKERS = ["sw0", "sw1", "sw2", "sw3"]
CAP = 128                   # FEED_MAX_CONNECTIONS
UTC = datetime.timezone.utc
B64URL = re.compile(r"^[A-Za-z0-9_-]{43}$")

_src = [0]


def fresh_source():
    """A loopback source address no earlier request used."""
    _src[0] += 1
    return "127.0.%d.%d" % (10 + _src[0] // 250, 1 + _src[0] % 250)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, method="GET", headers=None, src=None, body=None):
    """(status, headers with lower-case names, body) over a new connection."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                   source_address=(src, 0) if src else None)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def path_of(url):
    return url[url.index("/feed/"):]


def utc(text):
    return datetime.datetime.fromisoformat(text).astimezone(UTC)


def events(body):
    """{uid: (start UTC, end UTC, STATUS, SUMMARY, DESCRIPTION)}."""
    cal = icalendar.Calendar.from_ical(body)
    out = {}
    for ev in cal.walk("VEVENT"):
        out[str(ev["UID"])] = (ev.decoded("DTSTART").astimezone(UTC),
                               ev.decoded("DTEND").astimezone(UTC),
                               str(ev.get("STATUS")), str(ev.get("SUMMARY")),
                               str(ev.get("DESCRIPTION", "")))
    return cal, out


def expected(d, member):
    """The member's sessions as `schedule` lists them."""
    res = d.ok("schedule", "member=" + member, "from=2025-01-01",
               "to=2028-01-01")
    return {s["id"] + "@" + DOMAIN: (utc(s["start"]), utc(s["end"]),
                                     "CANCELLED" if s["state"] == "cancelled"
                                     else "CONFIRMED", s)
            for s in res.get("sessions") or []}


def token_of(url):
    return url[url.index("/feed/") + 6:-4]


def check_body(d, port, url, member, name):
    """GET the feed and compare it with the schedule; return the body."""
    st, h, body = get(port, path_of(url))
    check(st == 200, "GET %s's feed: 200, got %d" % (member, st))
    check(h.get("content-type") == "text/calendar; charset=utf-8",
          "Content-Type: %r" % h.get("content-type"))
    check(h.get("cache-control") == "private, max-age=3600",
          "Cache-Control: %r" % h.get("cache-control"))
    etag = h.get("etag", "")
    check(re.match(r'^"[0-9a-f]{32}"$', etag) is not None,
          "a strong ETag: %r" % etag)
    cal, evs = events(body)
    check(str(cal.get("METHOD")) == "PUBLISH", "METHOD:PUBLISH")
    check(str(cal.get("X-WR-CALNAME")) == "Group supervision \u2014 " + name,
          "X-WR-CALNAME: %r" % str(cal.get("X-WR-CALNAME")))
    check(str(cal.get("X-WR-TIMEZONE")) == "Europe/London",
          "X-WR-TIMEZONE: %r" % str(cal.get("X-WR-TIMEZONE")))
    check(b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body and
          b"X-PUBLISHED-TTL:PT1H\r\n" in body,
          "REFRESH-INTERVAL and X-PUBLISHED-TTL from refresh")
    want = expected(d, member)
    got = {u: v[:3] for u, v in evs.items()}
    check(got == {u: v[:3] for u, v in want.items()},
          "%s's feed is exactly their sessions (UID, UTC start and end, "
          "status):\n got  %r\n want %r" % (member, sorted(got.items()),
                                            sorted(want.items())))
    return body, etag, want, evs


def unfolded(body):
    return body.replace(b"\r\n ", b"").decode()


def vdirsyncer(tmp, url, name):
    """Sync url into a filesystem storage; return {start: (end, status)}."""
    base = os.path.join(tmp, "vdir-" + name)
    os.makedirs(os.path.join(base, "cal"), exist_ok=True)
    conf = os.path.join(base, "config")
    with open(conf, "w") as f:
        f.write('[general]\nstatus_path = "%s/status/"\n\n'
                '[pair feed]\na = "feed_remote"\nb = "feed_local"\n'
                'collections = null\nconflict_resolution = "a wins"\n\n'
                '[storage feed_remote]\ntype = "http"\nurl = "%s"\n\n'
                '[storage feed_local]\ntype = "filesystem"\n'
                'path = "%s/cal/"\nfileext = ".ics"\n' % (base, url, base))
    env = dict(os.environ, HOME=base, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    for verb in ("discover", "sync"):
        p = subprocess.run(["vdirsyncer", "-c", conf, verb, "feed"],
                           input=b"", capture_output=True, env=env,
                           timeout=40)
        check(p.returncode == 0, "vdirsyncer %s: exit %d: %r" %
              (verb, p.returncode, (p.stdout + p.stderr)[-600:]))
    items = {}
    caldir = os.path.join(base, "cal")
    for fn in sorted(os.listdir(caldir)):
        with open(os.path.join(caldir, fn), "rb") as f:
            cal = icalendar.Calendar.from_ical(f.read())
        for ev in cal.walk("VEVENT"):
            start = ev.decoded("DTSTART").astimezone(UTC)
            check(start not in items, "two synced items start at %s" % start)
            items[start] = (ev.decoded("DTEND").astimezone(UTC),
                            str(ev.get("STATUS")), str(ev.get("SUMMARY")))
    return items


def subscriber(d, tmp, url, member):
    """vdirsyncer's items are exactly the member's sessions."""
    items = vdirsyncer(tmp, url, member)
    want = {v[0]: (v[1], v[2], "Group supervision: MAST North")
            for v in expected(d, member).values()}
    check(items == want, "vdirsyncer synced exactly %s's sessions:\n got  "
          "%r\n want %r" % (member, sorted(items.items()),
                             sorted(want.items())))
    return items


def drip(port, path, out):
    """Send a request a byte at a time; note when the daemon hangs up."""
    req = ("GET %s HTTP/1.1\r\nHost: feed\r\nUser-Agent: drip\r\n"
           "X-Padding: %s\r\n\r\n" % (path, "x" * 40)).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    t0 = time.monotonic()
    out["closed"] = None
    try:
        for i in range(len(req)):
            if time.monotonic() - t0 > 20:
                break
            try:
                s.send(req[i:i + 1])
                s.settimeout(0.4)
                if s.recv(1024) == b"":
                    out["closed"] = time.monotonic() - t0
                    return
            except socket.timeout:
                continue
            except OSError:
                out["closed"] = time.monotonic() - t0
                return
    finally:
        s.close()


def raw_head(port, path, src=None):
    """HEAD over a raw socket: (status line, bytes after the headers)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5,
                                 source_address=(src, 0) if src else None)
    try:
        s.sendall(("HEAD %s HTTP/1.1\r\nHost: feed\r\nConnection: close"
                   "\r\n\r\n" % path).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(errors="replace"), rest


def socket_fds(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith(
                    "socket:"):
                n += 1
        except OSError:
            pass
    return n


def paths_404(port, tok):
    """Every variant of the path is 404, each from its own address."""
    first = tok[0]
    variants = [
        "/feed/%s.ics/" % tok,
        "/feed/%%%02X%s.ics" % (ord(first), tok[1:]),
        "/feed/%s%%2eics" % tok,
        "/FEED/%s.ics" % tok,
        "/feed/%s.ICS" % tok,
        "/feed/%s.ics" % tok.swapcase(),
        "/feed/%s.ics?refresh=1" % tok,
        "/feed/%s.ics#x" % tok,
        "/feed/x/%s.ics" % tok,
        "/feed/%s.ics/extra" % tok,
        "//feed/%s.ics" % tok,
        "/feed/./%s.ics" % tok,
        "/feed/%s" % tok,
        "/feed/%s.ics" % tok[:-1],
        "/%s.ics" % tok,
        "/",
        "http://127.0.0.1:%d/feed/%s.ics" % (port, tok),
    ]
    for v in variants:
        st, h, body = get(port, v, src=fresh_source())
        check(st == 404, "%r: want 404, got %d" % (v.replace(tok, "TOKEN"),
                                                  st))
        # evhttp closes absolute-form (proxy) requests without saying so.
        check(h.get("connection", "").lower() == "close" or
              v.startswith("http:"), "a 404 closes the connection: %r" %
              v.replace(tok, "TOKEN"))
        st, h, body = get(port, v, method="HEAD", src=fresh_source())
        check(st == 404 and body == b"", "HEAD %r: want 404 without a "
              "body, got %d %r" % (v.replace(tok, "TOKEN"), st, body[:40]))


def main():
    tmp = rt.mkdtemp()
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    conf = {"daemon": {"socket_group": "nogroup"},
            "feed": {"listen": "127.0.0.1:%d" % port,
                     "base_url": base + "/", "include_cases": "no"}}
    d = rt.Instance(conf, mode=0o755)
    ctl = os.path.join(d.tmp, "reflectctl")
    shutil.copy(rt.REFLECTCTL, ctl)
    os.chmod(ctl, 0o755)
    as_others = (os.geteuid() == 0 and shutil.which("setpriv") is not None)
    d.start(fake_now=FAKE_NOW)
    check("feed: listening on 127.0.0.1:%d" % port in d.log_text(),
          "the log says where the feed listens")

    d.ok("team", "add", "north", "name=MAST North", "kind=mast")
    d.ok("team", "add", "south", "name=MAST South", "kind=mast")
    d.ok("member", "add", "mgr", "name=Morgan Manager",
         "email=mgr@" + DOMAIN, "role=manager", "team=north",
         *(["login=daemon"] if as_others else []))
    d.ok("member", "add", "psy", "name=Dr Pat Psych", "email=psy@" + DOMAIN,
         "role=psychologist", "team=north")
    refs = []
    for i, w in enumerate(WORKERS):
        extra = ["login=nobody"] if w == "sw3" and as_others else []
        d.ok("member", "add", w, "name=Worker %d" % i, "email=%s@%s" %
             (w, DOMAIN), "role=social_worker", "team=north",
             "start=2025-01-01", *extra)
        for k in range(2):
            ref = "NW/%d%d" % (i, k)
            refs.append(ref)
            d.ok("case", "add", ref, "kind=cp", "lead=" + w,
                 "opened=2025-0%d-01" % (k + 2))
    d.ok("member", "add", "so0", "name=South Worker", "email=so0@" + DOMAIN,
         "role=social_worker", "team=south", "start=2025-01-01")
    d.ok("case", "add", "SO/1", "kind=cp", "lead=so0", "opened=2025-02-01")
    refs.append("SO/1")
    d.ok("team", "set", "north", "manager=mgr", "psychologist=psy")
    d.ok("team", "set", "south", "psychologist=psy")
    d.ok("series", "add", "gs", "kind=group_supervision", "team=north",
         "rrule=FREQ=WEEKLY;BYDAY=TU", "start=2026-03-03T10:00",
         "duration=90", "slots=2", "location=Room 1")
    d.ok("series", "add", "gss", "kind=group_supervision", "team=south",
         "rrule=FREQ=WEEKLY;BYDAY=WE", "start=2026-03-04T14:00",
         "duration=60", "slots=1")
    # Two weeks on: 3 and 10 March are held; the clocks go forward on 29th.
    d.ok("debug", "advance", "15d")
    d.ok("session", "cancel", "gs-20260407", "reason=training day")

    issued = []
    res = d.ok("feed", "token", "sw0")
    url = res.get("url", "")
    issued.append(token_of(url) if url else "")
    check(url.startswith(base + "/feed/") and url.endswith(".ics") and
          B64URL.match(token_of(url)) is not None,
          "feed token: url is base_url + /feed/TOKEN.ics: %r" % url)
    check(res.get("webcal") == "webcal://" + url[len("http://"):],
          "webcal:// is the same URL: %r" % res.get("webcal"))

    # The calendar, against the schedule; held, planned and cancelled.
    body, etag, want, evs = check_body(d, port, url, "sw0", "Worker 0")
    states = {v[3]["state"] for v in want.values()}
    check(states == {"held", "planned", "cancelled"},
          "the feed spans held, planned and cancelled sessions: %r" % states)
    check(not any(u.startswith("gss-") for u in evs),
          "another team's sessions are not in sw0's feed")
    gmt = evs.get("gs-20260324@" + DOMAIN)
    bst = evs.get("gs-20260331@" + DOMAIN)
    check(gmt is not None and gmt[0] == datetime.datetime(
        2026, 3, 24, 10, 0, tzinfo=UTC), "24 March 10:00 GMT is 10:00Z: %r"
        % (gmt,))
    check(bst is not None and bst[0] == datetime.datetime(
        2026, 3, 31, 9, 0, tzinfo=UTC), "31 March 10:00 BST is 09:00Z: %r"
        % (bst,))
    cx = evs.get("gs-20260407@" + DOMAIN)
    check(cx is not None and cx[2] == "CANCELLED" and
          "training day" in cx[4],
          "the cancelled session is STATUS:CANCELLED with its reason: %r"
          % (cx,))
    text = unfolded(body)
    leaked = [r for r in refs if r in text]
    check(leaked == [], "include_cases = no: no case references: %r" %
          leaked)
    presents = [v for v in want.values()
                if v[2] == "CONFIRMED" and any(
                    p.get("member") == "sw0"
                    for p in v[3].get("presenters") or [])]
    check(presents != [], "sw0 presents somewhere in the window")
    check("You are presenting." in text, "the feed says when sw0 presents")

    # Stable bytes, 304, HEAD.
    st, h, again = get(port, path_of(url))
    check(st == 200 and again == body and h.get("etag") == etag,
          "a second GET gives the same bytes and ETag")
    for inm in (etag, "W/" + etag, '"nope", ' + etag, "*"):
        st, h, b = get(port, path_of(url), headers={"If-None-Match": inm})
        check(st == 304 and b == b"" and h.get("etag") == etag,
              "If-None-Match %r: 304 without a body, got %d" % (inm, st))
    st, h, b = get(port, path_of(url), headers={"If-None-Match": '"nope"'})
    check(st == 200 and b == body, "If-None-Match of another ETag: 200")
    st, h, b = get(port, path_of(url), method="HEAD")
    check(st == 200 and b == b"" and h.get("etag") == etag and
          h.get("content-length") == str(len(body)) and
          h.get("content-type") == "text/calendar; charset=utf-8",
          "HEAD: 200, no body, the GET's length and ETag: %d %r" % (st, h))
    line, rest = raw_head(port, path_of(url))
    check(line.startswith("HTTP/1.1 200") and rest == b"",
          "HEAD on the wire: no byte after the headers: %r %r" %
          (line, rest[:60]))
    line, rest = raw_head(port, path_of(url) + "/", src=fresh_source())
    check(line.startswith("HTTP/1.1 404") and rest == b"",
          "a 404 HEAD on the wire: no body: %r %r" % (line, rest[:60]))

    # A real subscriber.
    items = subscriber(d, tmp, url, "sw0")
    check(len(items) >= 10, "vdirsyncer synced %d items" % len(items))
    d.ok("session", "cancel", "gs-20260428", "reason=away day")
    items = subscriber(d, tmp, url, "sw0")
    moved = [v for k, v in items.items() if k == datetime.datetime(
        2026, 4, 28, 9, 0, tzinfo=UTC)]
    check(moved and moved[0][1] == "CANCELLED",
          "a second sync brings the cancellation: %r" % moved)

    # Paths, methods, bodies.
    tok = token_of(url)
    paths_404(port, tok)
    for m in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        st, h, b = get(port, path_of(url), method=m, src=fresh_source())
        check(st == 405 and "GET" in h.get("allow", ""),
              "%s: 405 with Allow, got %d %r" % (m, st, h.get("allow")))
    st, h, b = get(port, path_of(url), method="POST", body=b"x=1",
                   src=fresh_source())
    check(st in (405, 413), "POST with a body: refused, got %d" % st)
    st, h, b = get(port, path_of(url), body=b"x", src=fresh_source())
    check(st == 413, "GET with a body: 413, got %d" % st)
    big = {"X-Big": "y" * 9000}
    st, h, b = get(port, path_of(url), headers=big, src=fresh_source())
    check(st in (400, 413, 431), "9 KB of headers refused, got %d" % st)

    # Replaced and revoked tokens.
    res = d.ok("feed", "token", "sw0")
    url2 = res.get("url", "")
    issued.append(token_of(url2) if url2 else "")
    check(url2 != url, "a new token for sw0")
    st, _, _ = get(port, path_of(url), src=fresh_source())
    check(st == 404, "the replaced token: 404, got %d" % st)
    check_body(d, port, url2, "sw0", "Worker 0")
    url1 = d.ok("feed", "token", "sw1").get("url", "")
    issued.append(token_of(url1) if url1 else "")
    st, _, _ = get(port, path_of(url1))
    check(st == 200, "sw1's feed: 200, got %d" % st)
    res = d.ok("feed", "revoke", "sw1")
    check(res.get("revoked") is True, "feed revoke sw1: %r" % res)
    st, _, _ = get(port, path_of(url1), src=fresh_source())
    check(st == 404, "a revoked token: 404, got %d" % st)
    res = d.ok("feed", "revoke", "sw1")
    check(res.get("revoked") is False, "revoking again: nothing to "
          "revoke: %r" % res)
    d.refused(["feed", "token", "nosuch"], "not_found")
    d.refused(["feed", "token", "me"], "not_found")
    d.refused(["feed", "token"], "usage")

    # 429: one address keeps failing; others, and then it, are served.
    bad = "127.0.0.2"
    for i in range(10):
        fake = base64.urlsafe_b64encode(os.urandom(32)).decode()[:42] + "A"
        st, _, _ = get(port, "/feed/%s.ics" % fake, src=bad)
        check(st == 404, "unknown token %d from %s: 404, got %d" %
              (i, bad, st))
    st, h, b = get(port, path_of(url2), src=bad)
    check(st == 429 and int(h.get("retry-after", "0")) > 0,
          "after 10 failures even a good token gets 429 with Retry-After "
          "from %s: %d %r" % (bad, st, h.get("retry-after")))
    st, _, _ = get(port, path_of(url2))
    check(st == 200, "another address is still served: %d" % st)
    # Behind a proxy on this host: the client it names is counted.
    xff = {"X-Forwarded-For": "10.9.8.7, 198.51.100.7"}
    for i in range(10):
        get(port, "/feed/%s.ics" % ("B" * 42 + "A"), headers=xff)
    st, _, _ = get(port, path_of(url2), headers=xff)
    check(st == 429, "the proxied client that failed gets 429: %d" % st)
    st, _, _ = get(port, path_of(url2),
                   headers={"X-Forwarded-For": "198.51.100.8"})
    check(st == 200, "another proxied client is served: %d" % st)
    st, _, _ = get(port, path_of(url2))
    check(st == 200, "the proxy itself is not blocked: %d" % st)
    d.ok("debug", "advance", "16m")
    st, _, _ = get(port, path_of(url2), src=bad)
    check(st == 200, "after its time is up %s is served again: %d" %
          (bad, st))

    # include_cases = yes: the member's own cases, nobody else's.
    conf["feed"]["include_cases"] = "yes"
    d.write_config(conf)
    d.ok("reload")
    body3, _, want3, _ = check_body(d, port, url2, "sw0", "Worker 0")
    text = unfolded(body3)
    own = {p["case"] for v in want3.values() if v[2] == "CONFIRMED"
           for p in v[3].get("presenters") or []
           if p.get("member") == "sw0" and p.get("case")}
    check(own != set(), "sw0 presents cases: %r" % own)
    missing = [r for r in own if r not in text]
    check(missing == [], "include_cases = yes: sw0's own cases are in "
          "their feed: missing %r" % missing)
    others = [r for r in refs if r not in own and r in text]
    check(others == [], "include_cases = yes: no one else's case: %r" %
          others)

    # Members their own, managers their team's.
    if as_others:
        res = d.ok("feed", "token", "me", user="nobody", ctl=ctl)
        u3 = res.get("url", "")
        issued.append(token_of(u3) if u3 else "")
        check(res.get("member") == "sw3" and u3.startswith(base),
              "a member mints their own: %r" % res.get("member"))
        st, _, _ = get(port, path_of(u3)) if u3 else (0, None, None)
        check(st == 200, "sw3's own feed: %d" % st)
        d.refused(["feed", "token", "sw0"], "forbidden", user="nobody",
                  ctl=ctl)
        d.refused(["feed", "revoke", "sw0"], "forbidden", user="nobody",
                  ctl=ctl)
        res = d.ok("feed", "revoke", "me", user="nobody", ctl=ctl)
        check(res.get("revoked") is True, "a member revokes their own")
        res = d.ok("feed", "token", "sw2", user="daemon", ctl=ctl)
        issued.append(token_of(res["url"]) if res.get("url") else "")
        check(res.get("member") == "sw2", "a manager mints for their team")
        d.refused(["feed", "token", "so0"], "forbidden", user="daemon",
                  ctl=ctl)
        d.refused(["feed", "token", "me"], "forbidden", user="bin", ctl=ctl)
    else:
        rt.log("not root or no setpriv: member and manager scope skipped")

    # 500 connections and a dripping client: the control socket answers.
    pid = d.proc.pid
    before = socket_fds(pid)
    out = {}
    t = threading.Thread(target=drip, args=(port, path_of(url2), out))
    t.start()
    time.sleep(0.3)
    socks = []
    for i in range(500):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    time.sleep(0.5)
    for s in socks[:250]:
        try:
            s.send(b"GET /feed/")
        except OSError:
            pass
    worst = 0.0
    for i in range(5):
        t0 = time.monotonic()
        st = d.status()
        worst = max(worst, time.monotonic() - t0)
        check("version" in st, "status during the storm")
        time.sleep(0.1)
    held = socket_fds(pid) - before
    rt.log("storm: slowest status %.2fs, daemon sockets +%d" %
           (worst, held))
    check(worst < 2.0, "status answers within 2 s during 500 connections: "
          "%.2fs" % worst)
    check(held <= CAP + 2, "the daemon holds at most its cap of feed "
          "connections: %d" % held)
    for s in socks:
        s.close()
    st = 0
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        try:
            st, _, _ = get(port, path_of(url2))
            if st == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    check(st == 200, "the feed serves again once the storm is gone: %d" %
          st)
    t.join(25)
    check(out.get("closed") is not None and out["closed"] < 13.0,
          "a client dripping its request is cut off within the 10 s "
          "request time: %r" % out.get("closed"))
    check(d.alive(), "reflectd survives the storm")

    # A reload moves the listener.
    port2 = free_port()
    conf["feed"]["listen"] = "127.0.0.1:%d" % port2
    conf["feed"]["base_url"] = "http://127.0.0.1:%d" % port2
    d.write_config(conf)
    d.ok("reload")
    st, _, _ = get(port2, path_of(url2))
    check(st == 200, "after a reload the feed answers on the new port: %d"
          % st)
    try:
        get(port, path_of(url2))
        check(False, "the old port still answers after the reload")
    except OSError:
        pass
    res = d.ok("feed", "token", "sw0")
    issued.append(token_of(res["url"]) if res.get("url") else "")
    check(res.get("url", "").startswith("http://127.0.0.1:%d/feed/" % port2),
          "new URLs use the new base_url: %r" % res.get("url"))

    # Tokens: only hashes in the database, never in the log.
    blob = b""
    for suffix in ("", "-wal"):
        try:
            with open(os.path.join(d.state_dir, "reflectd.db" + suffix),
                      "rb") as f:
                blob += f.read()
        except FileNotFoundError:
            pass
    check(len(blob) > 0, "the database was read")
    check(all(t and t.encode() not in blob for t in issued),
          "no token is in the database or its WAL")
    check(hashlib.sha256(issued[-1].encode()).hexdigest().encode() in blob,
          "the database keeps the token's SHA-256")
    logtext = d.log_text()
    check(all(t and t not in logtext for t in issued),
          "no token is in the daemon's log, even at debug level")
    d.stop()


rt.run(main, limit=100)
