#!/usr/bin/python3
"""check_fetch.py - the blacklist fetcher against a scripted HTTPS server.

Runs one CASE (see CASES below, and CMakeLists.txt): starts an HTTPS server
on 127.0.0.1 (a free port, a self-signed certificate made with the openssl
command into WORKDIR/CASE), runs fetch_driver over a sources file, and
checks what the driver reports, what the server saw (request headers,
connections cut short) and what is in the cache directory.

The server's answer to /feed/NAME is scripted per NAME by a list of modes,
one per request (the last one repeats):
  ok            200 with ETag and Last-Modified; 304 when If-None-Match
                matches
  404, 500      that status
  hang          read the request, answer nothing
  reset         200, Content-Length 100000, 1000 bytes, then a TCP reset
  partial       200, Content-Length 1000, 600 bytes ending mid-line, close
  stream:N      200, no Content-Length, N bytes, connection close; records
                how much it sent and whether the peer closed first
  declared:N    200 declaring Content-Length N, then streams it
  slow          200, ten lines 0.15 s apart
  redirect      302 to the same path on the plain-http server

Standard library only.  Prints "N passed, N failed"; exits 1 on a failure.
"""
import argparse
import email.utils
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True

LAST_MODIFIED = email.utils.formatdate(1700000000, usegmt=True)


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return "%016x" % h


def list_body(tag, n=20):
    return "".join("198.51.100.%d\n" % i for i in range(n)).replace(
        "198.51.100.0\n", "# %s\n" % tag).encode()


class Feed:
    def __init__(self, body, modes):
        self.body = body
        self.modes = list(modes)

    def etag(self):
        return '"%s"' % hashlib.sha256(self.body).hexdigest()[:16]

    def next_mode(self):
        return self.modes.pop(0) if len(self.modes) > 1 else self.modes[0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        m = re.fullmatch(r"/feed/([A-Za-z0-9_.-]+)", self.path)
        feed = srv.feeds.get(m.group(1)) if m else None
        if feed is None:
            self.reply(404, b"no such feed\n")
            return
        mode = feed.next_mode()
        rec = srv.record(m.group(1), mode,
                         {k.lower(): v for k, v in self.headers.items()})
        arg = None
        if ":" in mode:
            mode, arg = mode.split(":", 1)
        getattr(self, "mode_" + mode)(feed, rec, arg)

    def reply(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def mode_ok(self, feed, rec, arg):
        validators = [("ETag", feed.etag()),
                      ("Last-Modified", LAST_MODIFIED)]
        if rec["headers"].get("if-none-match") == feed.etag():
            self.send_response(304)
            for k, v in validators:
                self.send_header(k, v)
            self.end_headers()
            rec["answer"] = 304
            return
        self.reply(200, feed.body, validators)
        rec["answer"] = 200

    def mode_404(self, feed, rec, arg):
        self.reply(404, b"not here\n")

    def mode_500(self, feed, rec, arg):
        self.reply(500, b"broken\n")

    def mode_hang(self, feed, rec, arg):
        self.server.stop.wait(20)
        self.close_connection = True

    def mode_reset(self, feed, rec, arg):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(feed.body[:1000].ljust(1000, b"#"))
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        self.rfile.close()
        sock.close()                # linger 0: RST
        self.close_connection = True

    def mode_partial(self, feed, rec, arg):
        body = b"".join(b"192.0.2.%d\n" % i for i in range(80))[:600]
        body = body[:body.rindex(b"\n") + 1] + b"203.0.113"
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
        self.clean_close()

    def clean_close(self):
        sock = self.connection
        try:
            sock.settimeout(1)
            if isinstance(sock, ssl.SSLSocket):
                sock.unwrap()       # close_notify
            else:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def stream(self, rec, total, declared):
        self.send_response(200)
        if declared:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"".join(b"10.%d.%d.0/24\n" % (i // 256, i % 256)
                         for i in range(6000))[:65536]
        sent = 0
        try:
            while sent < total:
                n = min(len(chunk), total - sent)
                self.wfile.write(chunk[:n])
                sent += n
            rec["complete"] = True
        except OSError as e:
            rec["aborted"] = type(e).__name__
        finally:
            rec["sent"] = sent
            rec["done"] = True
        if not declared:
            self.clean_close()

    def mode_stream(self, feed, rec, arg):
        self.stream(rec, int(arg), False)

    def mode_declared(self, feed, rec, arg):
        self.stream(rec, int(arg), True)

    def mode_slow(self, feed, rec, arg):
        lines = [b"192.0.2.%d\n" % i for i in range(10)]
        self.send_response(200)
        self.send_header("Content-Length", str(sum(map(len, lines))))
        self.end_headers()
        for line in lines:
            self.wfile.write(line)
            self.wfile.flush()
            time.sleep(0.15)

    def mode_redirect(self, feed, rec, arg):
        self.reply(302, b"", [("Location", "http://127.0.0.1:%d%s"
                                % (self.server.plain_port, self.path))])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, ctx):
        self.ctx = ctx
        self.feeds = {}
        self.records = []
        self.tls_failures = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.plain_port = 0
        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def record(self, name, mode, headers):
        rec = {"name": name, "mode": mode, "headers": headers,
               "t": time.monotonic()}
        with self.lock:
            self.records.append(rec)
        return rec

    def requests(self, name):
        with self.lock:
            return [r for r in self.records if r["name"] == name]

    def finish_request(self, request, client_address):
        if self.ctx is not None:
            try:
                request.settimeout(5)
                request = self.ctx.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                with self.lock:
                    self.tls_failures += 1
                return
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass                        # resets and aborts are the point

    def close(self):
        self.stop.set()
        self.shutdown()
        self.server_close()


class Check:
    def __init__(self, args):
        self.args = args
        self.passed = 0
        self.failed = 0
        self.work = os.path.join(args.workdir, args.case)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.cache = os.path.join(self.work, "cache")
        self.cert = os.path.join(self.work, "cert.pem")
        key = os.path.join(self.work, "key.pem")
        subprocess.run([args.openssl, "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", self.cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.https = Server(ctx)
        self.plain = Server(None)
        self.https.plain_port = self.plain.port
        self.runs = 0

    def close(self):
        self.https.close()
        self.plain.close()

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL " + what)
        return ok

    def url(self, name, server=None):
        server = server or self.https
        scheme = "http" if server.ctx is None else "https"
        return "%s://127.0.0.1:%d/feed/%s" % (scheme, server.port, name)

    def source(self, name, **kw):
        """A sources-file line for /feed/NAME on the HTTPS server."""
        words = {"name": name, "format": "plain", "url": self.url(name),
                 "ca_file": self.cert, "refresh": 300, "timeout": 5,
                 "connect_timeout": 2}
        words.update(kw)
        return " ".join("%s=%s" % (k, v) for k, v in words.items()
                        if v is not None)

    def run(self, lines, *opts, cache=True, timeout=25):
        """Run the driver; returns (results, adds, end), adds a list of
        (name, "ok" or the error)."""
        self.runs += 1
        path = os.path.join(self.work, "sources.%d" % self.runs)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        cmd = [self.args.driver]
        if cache:
            cmd += ["--cache", self.cache]
        cmd += [str(o) for o in opts] + [path]
        env = {k: v for k, v in os.environ.items()
               if "proxy" not in k.lower() and not k.startswith("SSL_CERT")}
        p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           timeout=timeout)
        self.check(p.returncode == 0, "driver run %d exited %d: %s"
                   % (self.runs, p.returncode, p.stderr[-2000:]))
        results, adds, end = [], [], None
        for line in p.stdout.splitlines():
            f = line.split("\t")
            if f[0] == "result":
                results.append({
                    "ms": int(f[1]), "name": f[2], "status": f[3],
                    "http": int(f[4]), "bytes": int(f[5]),
                    "len": int(f[6]), "fnv": f[7], "next_in": int(f[8]),
                    "error": f[9]})
            elif f[0] == "add":
                adds.append((f[1], f[3] if f[2] == "error" else "ok"))
            elif f[0] == "end":
                end = f[1]
        if os.environ.get("CHECK_FETCH_VERBOSE"):
            print(p.stdout, p.stderr)
        return results, adds, end

    def cache_file(self, name, suffix):
        try:
            with open(os.path.join(self.cache, name + suffix), "rb") as f:
                return f.read()
        except OSError:
            return None


def of(results, name, cached=None):
    out = [r for r in results if r["name"] == name]
    if cached is False:
        out = [r for r in out if r["status"] != "cached"]
    return out


def statuses(results, name):
    return [r["status"] for r in of(results, name)]


# ---- the cases ---------------------------------------------------------

def case_conditional(c):
    body = list_body("a")
    c.https.feeds["a"] = Feed(body, ["ok"])
    res, _, end = c.run([c.source("a", refresh=1)], "--rounds", 2,
                        "--deadline", 10)
    a = of(res, "a")
    c.check([r["status"] for r in a] == ["updated", "not_modified"],
            "a: expected updated, not_modified, got %s" % statuses(res, "a"))
    if len(a) == 2:
        c.check(a[0]["http"] == 200 and a[0]["len"] == len(body) and
                a[0]["fnv"] == fnv1a64(body), "a: the 200 body: %s" % a[0])
        c.check(a[1]["http"] == 304 and a[1]["len"] == 0,
                "a: the 304: %s" % a[1])
        c.check(0 <= a[0]["next_in"] <= 2,
                "a: refresh 1 s, next in %d s" % a[0]["next_in"])
    req = c.https.requests("a")
    c.check(len(req) == 2, "a: %d requests" % len(req))
    if len(req) == 2:
        h0, h1 = req[0]["headers"], req[1]["headers"]
        c.check("if-none-match" not in h0 and
                "if-modified-since" not in h0,
                "first request is conditional: %s" % h0)
        c.check(h1.get("if-none-match") == c.https.feeds["a"].etag(),
                "If-None-Match sent: %r" % h1.get("if-none-match"))
        c.check(h1.get("if-modified-since") == LAST_MODIFIED,
                "If-Modified-Since sent: %r" % h1.get("if-modified-since"))
        gap = req[1]["t"] - req[0]["t"]
        c.check(0.8 <= gap <= 1.5, "refresh of 1 s took %.2f s" % gap)
    c.check(c.cache_file("a", ".body") == body, "a.body is the 200 body")
    meta = json.loads(c.cache_file("a", ".meta.json") or b"{}")
    c.check(meta.get("etag") == c.https.feeds["a"].etag() and
            meta.get("last_modified") == LAST_MODIFIED and
            meta.get("body_len") == len(body) and
            meta.get("body_fnv1a64") == fnv1a64(body) and
            meta.get("source") == c.url("a"),
            "a.meta.json: %s" % meta)
    tmp = [n for n in os.listdir(c.cache) if n.endswith(".tmp")]
    c.check(tmp == [], "temporary files left: %s" % tmp)


def case_restart(c):
    old, new = list_body("old"), list_body("new", 30)
    c.https.feeds["a"] = Feed(old, ["ok"])
    line = c.source("a")
    res, _, _ = c.run([line])
    c.check(statuses(res, "a") == ["updated"], "run 1: %s"
            % statuses(res, "a"))

    # Restart: the cached copy first, then a conditional request.
    res, _, _ = c.run([line])
    a = of(res, "a")
    c.check([r["status"] for r in a] == ["cached", "not_modified"],
            "run 2: %s" % statuses(res, "a"))
    if a:
        c.check(a[0]["len"] == len(old) and a[0]["fnv"] == fnv1a64(old),
                "run 2: the cached body is the old one: %s" % a[0])
    req = c.https.requests("a")
    c.check(len(req) == 2 and req[1]["headers"].get("if-none-match") ==
            c.https.feeds["a"].etag(),
            "run 2: validators loaded from the cache and sent")

    # The feed changed while we were down.
    c.https.feeds["a"].body = new
    res, _, _ = c.run([line])
    a = of(res, "a")
    c.check([r["status"] for r in a] == ["cached", "updated"],
            "run 3: %s" % statuses(res, "a"))
    if len(a) == 2:
        c.check(a[0]["fnv"] == fnv1a64(old) and a[1]["fnv"] ==
                fnv1a64(new), "run 3: old body cached, new body fetched")
    c.check(c.cache_file("a", ".body") == new, "run 3: cache holds new")

    # A corrupt metadata file: the cache is ignored, the request is
    # unconditional, and the cache is rewritten.
    with open(os.path.join(c.cache, "a.meta.json"), "wb") as f:
        f.write(b'{"version": 1, "name": "a", "etag": "\r\nX-Evil: 1"')
    res, _, _ = c.run([line])
    c.check(statuses(res, "a") == ["updated"], "run 4 (corrupt meta): %s"
            % statuses(res, "a"))
    req = c.https.requests("a")
    c.check("if-none-match" not in req[-1]["headers"] and
            "x-evil" not in req[-1]["headers"],
            "run 4: the request is unconditional")
    # A body that does not match its metadata is ignored too.
    with open(os.path.join(c.cache, "a.body"), "ab") as f:
        f.write(b"10.0.0.0/8\n")
    res, _, _ = c.run([line])
    c.check(statuses(res, "a") == ["updated"], "run 5 (body changed): %s"
            % statuses(res, "a"))
    c.check(c.cache_file("a", ".body") == new, "run 5: cache rewritten")

    # The cache cannot be written (a directory where the body goes): the
    # body is still delivered, with a warning, and its validators are not
    # used, so the next request is unconditional again.
    os.unlink(os.path.join(c.cache, "a.body"))
    os.mkdir(os.path.join(c.cache, "a.body"))
    n = len(c.https.requests("a"))
    res, _, _ = c.run([c.source("a", refresh=1)], "--rounds", 2,
                      "--deadline", 10)
    a = of(res, "a")
    c.check([r["status"] for r in a] == ["updated", "updated"] and
            all(r["error"].startswith("cache not written") for r in a),
            "run 6 (cache not writable): %s" % a)
    req = c.https.requests("a")[n:]
    c.check(len(req) == 2 and not any("if-none-match" in r["headers"]
                                      for r in req),
            "run 6: validators of an unwritten cache were sent")
    os.rmdir(os.path.join(c.cache, "a.body"))


def case_user_agent(c):
    with open(c.args.version_h) as f:
        version = re.search(r'#define\s+FINDERSCOPE_VERSION\s+"([^"]+)"',
                            f.read()).group(1)
    c.https.feeds["ua"] = Feed(list_body("ua"), ["ok"])
    res, _, _ = c.run([c.source("ua")])
    req = c.https.requests("ua")
    c.check(len(req) == 1 and req[0]["headers"].get("user-agent") ==
            "finderscope/" + version,
            "User-Agent: %r" % (req[0]["headers"].get("user-agent")
                                if req else None))


def case_errors(c):
    kinds = {"e404": "404", "e500": "500", "hang": "hang",
             "reset": "reset", "partial": "partial"}
    bodies = {}
    for name, mode in kinds.items():
        bodies[name] = list_body(name)
        c.https.feeds[name] = Feed(bodies[name], ["ok", mode])
    # "down": a second server that is gone by the second run.
    down = Server(c.https.ctx)
    down.feeds["down"] = Feed(list_body("down"), ["ok"])
    bodies["down"] = down.feeds["down"].body
    lines = [c.source(n, timeout=2) for n in kinds]
    lines.append(c.source("down", url=c.url("down", down), timeout=2))
    res, _, _ = c.run(lines)
    for name in bodies:
        c.check(statuses(res, name) == ["updated"], "run 1 %s: %s"
                % (name, statuses(res, name)))
    down.close()
    before = {n: (c.cache_file(n, ".body"), c.cache_file(n, ".meta.json"))
              for n in bodies}

    res, _, _ = c.run(lines, "--deadline", 15)
    for name in bodies:
        got = of(res, name)
        if not c.check([r["status"] for r in got] == ["cached", "failed"],
                       "%s: expected cached, failed, got %s"
                       % (name, [r["status"] for r in got])):
            continue
        cached, failed = got
        c.check(cached["fnv"] == fnv1a64(bodies[name]),
                "%s: the previous body is reported" % name)
        c.check(failed["error"] != "-", "%s: no error text" % name)
        # Default backoff: 1 min +-10 % (refresh is 5 min).
        c.check(53 <= failed["next_in"] <= 67, "%s: retry in %d s"
                % (name, failed["next_in"]))
        c.check((c.cache_file(name, ".body"),
                 c.cache_file(name, ".meta.json")) == before[name],
                "%s: the cache was touched" % name)
    expect = {
        "e404": (404, r"HTTP 404"),
        "e500": (500, r"HTTP 500"),
        "hang": (0, r"(?i)timed out"),
        "reset": (None, r"(?i)reset|recv|ssl|closed"),
        "partial": (200, r"(?i)closed|remaining|eof|partial"),
        "down": (0, r"(?i)connect|refused"),
    }
    for name, (http, pattern) in expect.items():
        f = of(res, name, cached=False)
        if f:
            f = f[0]
            c.check(http in (None, f["http"]) and
                    re.search(pattern, f["error"]),
                    "%s: http %d error %r" % (name, f["http"], f["error"]))
    h = of(res, "hang", cached=False)
    if h:
        c.check(h[0]["ms"] >= 1800, "hang: failed after %d ms, before the "
                "2 s timeout" % h[0]["ms"])


def case_oversize(c):
    cap = 65536
    modes = {"big": "stream:%d" % (64 << 20),
             "declared": "declared:%d" % (64 << 20),
             "exact": "stream:%d" % cap,
             "over1": "stream:%d" % (cap + 1)}
    bodies = {}
    for name, mode in modes.items():
        bodies[name] = list_body(name)
        c.https.feeds[name] = Feed(bodies[name], ["ok", mode])
    lines = [c.source(n, max_bytes=cap) for n in modes]
    c.run(lines)
    start = time.monotonic()
    res, _, _ = c.run(lines)
    took = time.monotonic() - start
    got = {n: of(res, n, cached=False) for n in modes}
    c.check(all(len(v) == 1 for v in got.values()),
            "one result each: %s" % got)
    if not all(len(v) == 1 for v in got.values()):
        return
    big, declared, exact, over1 = (got[n][0] for n in modes)
    c.check(big["status"] == "failed" and "max_bytes" in big["error"],
            "big: %s" % big)
    c.check(big["bytes"] <= cap + 64 * 1024,
            "big: %d bytes received for a cap of %d" % (big["bytes"], cap))
    c.check(declared["status"] == "failed" and
            "declared" in declared["error"], "declared: %s" % declared)
    c.check(exact["status"] == "updated" and exact["len"] == cap,
            "exactly max_bytes is accepted: %s" % exact)
    c.check(over1["status"] == "failed" and "max_bytes" in over1["error"],
            "max_bytes + 1 is refused: %s" % over1)
    c.check(took < 10, "the oversized downloads took %.1f s" % took)
    # The server saw the connection closed long before the end.
    deadline = time.monotonic() + 10
    rec = None
    while time.monotonic() < deadline:
        recs = [r for r in c.https.requests("big") if r["mode"] != "ok"]
        if recs and recs[0].get("done"):
            rec = recs[0]
            break
        time.sleep(0.05)
    c.check(rec is not None and "aborted" in rec and
            rec["sent"] < (64 << 20),
            "big: the server was not cut off: %s"
            % ({k: rec[k] for k in ("sent", "aborted", "complete")
                if k in rec} if rec else None))
    for name in ("big", "declared", "over1"):
        c.check(c.cache_file(name, ".body") == bodies[name],
                "%s: the cached body was replaced" % name)


def case_tls(c):
    for n in ("withca", "noca", "badname"):
        c.https.feeds[n] = Feed(list_body(n), ["ok"])
    badname = "https://localhost:%d/feed/badname" % c.https.port
    res, _, _ = c.run([c.source("withca"), c.source("noca", ca_file=None),
                       c.source("badname", url=badname)], cache=False)
    c.check(statuses(res, "withca") == ["updated"],
            "with ca_file: %s" % of(res, "withca"))
    for n, pattern in (("noca", r"(?i)certificate"),
                       ("badname", r"(?i)localhost|subject|name")):
        r = of(res, n)
        c.check(len(r) == 1 and r[0]["status"] == "failed" and
                re.search(pattern, r[0]["error"]) and r[0]["http"] == 0,
                "%s: %s" % (n, r))
    c.check(not c.https.requests("noca") and
            not c.https.requests("badname"),
            "a request went through an unverified connection")
    c.check(c.https.tls_failures >= 1,
            "the server saw no failed handshake")


def case_plain(c):
    for n in ("pyes", "pno", "ryes", "rno", "ppartial"):
        c.plain.feeds[n] = Feed(list_body(n), ["ok"])
        c.https.feeds[n] = Feed(b"", ["redirect"])
    c.plain.feeds["ppartial"].modes = ["partial"]
    lines = [
        c.source("pyes", url=c.url("pyes", c.plain), allow_http=1),
        c.source("pno", url=c.url("pno", c.plain)),
        c.source("ryes", allow_http=1),
        c.source("rno"),
        c.source("ppartial", url=c.url("ppartial", c.plain), allow_http=1),
        # bl_fetcher_add refuses these.
        "name=../x url=https://127.0.0.1/",
        "name=. url=https://127.0.0.1/",
        "name=ftp url=ftp://127.0.0.1/x",
        "name=both url=https://127.0.0.1/ file=/etc/hostname",
        "name=neither",
        "name=pyes url=https://127.0.0.1/",
        "name=" + "n" * 64 + " url=https://127.0.0.1/",
    ]
    res, adds, _ = c.run(lines, cache=False)
    c.check(adds[:5] == [("pyes", "ok"), ("pno", adds[1][1]), ("ryes", "ok"),
                         ("rno", "ok"), ("ppartial", "ok")],
            "good specs refused: %s" % adds[:5])
    c.check("allow_http" in adds[1][1],
            "http:// without allow_http: %r" % (adds[1],))
    for name, why in adds[5:]:
        c.check(why != "ok", "%s was added" % name)
    c.check(len(adds) == len(lines) and "twice" in adds[10][1],
            "a second source named pyes: %s" % (adds[10:11],))
    c.check(statuses(res, "pyes") == ["updated"], "pyes: %s"
            % of(res, "pyes"))
    c.check(not c.plain.requests("pno"), "pno was fetched")
    c.check(statuses(res, "ryes") == ["updated"] and
            of(res, "ryes")[0]["fnv"] == fnv1a64(c.plain.feeds["ryes"].body),
            "https -> http redirect with allow_http: %s" % of(res, "ryes"))
    r = of(res, "rno")
    c.check(len(r) == 1 and r[0]["status"] == "failed" and
            re.search(r"(?i)protocol|http", r[0]["error"]),
            "https -> http redirect without allow_http: %s" % r)
    c.check(not c.plain.requests("rno"),
            "the redirect to http was followed without allow_http")
    r = of(res, "ppartial")
    c.check(len(r) == 1 and r[0]["status"] == "failed" and
            re.search(r"(?i)closed|remaining", r[0]["error"]),
            "a body cut short over plain http: %s" % r)


def case_not_before(c):
    c.https.feeds["exp"] = Feed(list_body("exp"), ["ok"])
    c.https.feeds["ctl"] = Feed(list_body("ctl"), ["ok"])
    start = time.time()
    res, _, end = c.run([c.source("exp", refresh=1),
                         c.source("ctl", refresh=1)],
                        "--not-before", "exp=30", "--rounds", 3,
                        "--deadline", 3.5)
    c.check(statuses(res, "exp") == ["updated"],
            "exp fetched again before its not_before: %s"
            % statuses(res, "exp"))
    c.check(len(c.https.requests("exp")) == 1, "exp: %d requests"
            % len(c.https.requests("exp")))
    c.check(len(of(res, "ctl")) >= 3, "the control list refreshed %d times"
            % len(of(res, "ctl")))
    meta = json.loads(c.cache_file("exp", ".meta.json") or b"{}")
    c.check(abs(meta.get("not_before", 0) - (start + 30)) <= 3,
            "not_before on disk: %s" % meta.get("not_before"))

    # A restart honours it too: the cached copy, and nothing to fetch.
    res, _, end = c.run([c.source("exp", refresh=1)], "--idle",
                        "--deadline", 2)
    c.check(statuses(res, "exp") == ["cached"], "after a restart: %s"
            % statuses(res, "exp"))
    if of(res, "exp"):
        c.check(25 <= of(res, "exp")[0]["next_in"] <= 31,
                "next attempt in %d s" % of(res, "exp")[0]["next_in"])
    c.check(end == "idle", "the driver did not go idle: %s" % end)
    c.check(len(c.https.requests("exp")) == 1, "exp fetched after restart")


def case_backoff(c):
    c.https.feeds["f"] = Feed(list_body("f"),
                              ["500", "500", "500", "ok", "500", "500"])
    res, _, _ = c.run([c.source("f", refresh=1)], "--rounds", 6,
                      "--deadline", 15, "--backoff-ms", "200,60000",
                      "--seed", 1)
    c.check(statuses(res, "f") == ["failed"] * 3 + ["updated"] +
            ["failed"] * 2, "f: %s" % statuses(res, "f"))
    t = [r["t"] for r in c.https.requests("f")]
    if not c.check(len(t) == 6, "f: %d requests" % len(t)):
        return
    g = [b - a for a, b in zip(t, t[1:])]
    shown = " ".join("%.2f" % x for x in g)
    c.check(0.15 <= g[0] <= 0.4, "first retry after %.2f s" % g[0])
    c.check(g[1] >= 1.5 * g[0] and g[2] >= 1.5 * g[1],
            "backoff does not grow: %s" % shown)
    c.check(0.85 <= g[3] <= 1.4, "after 3 failures the wait is capped by "
            "the refresh interval: %s" % shown)
    c.check(g[4] <= 0.4, "success did not reset the backoff: %s" % shown)


def case_slow(c):
    c.https.feeds["slow"] = Feed(b"", ["slow"])
    c.https.feeds["slowcut"] = Feed(b"", ["slow"])
    c.https.feeds["quick"] = Feed(list_body("quick"), ["ok"])
    res, _, _ = c.run([c.source("slow"), c.source("quick"),
                       c.source("slowcut", timeout=1)], cache=False)
    s, q, cut = of(res, "slow"), of(res, "quick"), of(res, "slowcut")
    if not c.check(len(s) == 1 and len(q) == 1 and len(cut) == 1,
                   "results: %s" % res):
        return
    want = b"".join(b"192.0.2.%d\n" % i for i in range(10))
    c.check(s[0]["status"] == "updated" and s[0]["fnv"] == fnv1a64(want),
            "slow body: %s" % s[0])
    c.check(s[0]["ms"] >= 1300, "slow body took %d ms" % s[0]["ms"])
    c.check(q[0]["status"] == "updated" and q[0]["ms"] < s[0]["ms"] - 1000,
            "the quick list waited for the slow one: %d vs %d ms"
            % (q[0]["ms"], s[0]["ms"]))
    c.check(cut[0]["status"] == "failed" and
            re.search(r"(?i)timed out", cut[0]["error"]) and
            cut[0]["bytes"] > 0,
            "a slow body past the timeout: %s" % cut[0])


CASES = {
    "conditional": case_conditional,
    "restart": case_restart,
    "user_agent": case_user_agent,
    "errors": case_errors,
    "oversize": case_oversize,
    "tls": case_tls,
    "plain": case_plain,
    "not_before": case_not_before,
    "backoff": case_backoff,
    "slow": case_slow,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--driver", required=True)
    ap.add_argument("--openssl", default="openssl")
    ap.add_argument("--version-h", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=sorted(CASES) + ["all"])
    args = ap.parse_args()
    names = sorted(CASES) if args.case == "all" else [args.case]
    passed = failed = 0
    for name in names:
        args.case = name
        c = Check(args)
        try:
            CASES[name](c)
        finally:
            c.close()
        passed += c.passed
        failed += c.failed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
