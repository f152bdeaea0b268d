#!/usr/bin/python3
"""switchsim.py - a Cumulus switch for tests: the acl_server REST API
(HTTP or HTTPS, basic auth, 202-then-compile batching, lasterror and the
Warning header), faults on demand through a control API, and a data plane
that mirrors matching packets of a traffic pcap as ERSPAN type II.

  switchsim.py --listen 127.0.0.1:PORT [--tls CERT KEY] [--user U
      --password P] [--base /acl/] [--compile-delay SECONDS]
      [--control 127.0.0.1:PORT2] [--pcap FILE] [--erspan-dst ADDR]
      [--state FILE] [--max-rules N] [--response-delay SECONDS] [-v]

Prints "ready" on stdout once every listener is up (before it, one
"api PORT" / "control PORT" line for each listener asked for port 0).
README.md in this directory documents the API, the faults and the data
plane.  Standard library only (Debian's /usr/bin/python3).
"""
import argparse
import base64
import hmac
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import acl_rules                 # noqa: E402
import dataplane                 # noqa: E402

BODY_MAX = 65536                 # bytes of a request body
HISTORY_MAX = 10000              # requests remembered for /state
FAULTS_MAX = 1000                # queued faults
ACLS_MAX = 4096                  # installed + pending ACLs
FAULT_KINDS = ("refuse", "delay", "status", "drop", "compile_fail", "down")
WARNING = '199 - "ACL compile failed (cl-acltool returned %d): ' \
          'see lasterror"'


def parse_addr(text):
    """HOST:PORT or [V6]:PORT -> (family, host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError("want HOST:PORT, got %r" % text)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return fam, host, int(port)


class Sim:
    """The switch's state, shared by the API, control and compile threads.
    Everything below is guarded by self.lock (a Condition, which the
    compile thread also waits on)."""

    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Condition()
        self.stopping = False
        self.compile_at = None
        self.replay_lock = threading.Lock()     # one replay at a time
        self.state_file = opts.state
        self.clear()
        if self.state_file and os.path.exists(self.state_file):
            self.load_state()

    def clear(self):
        self.acls = {}           # name -> lines, installed (visible to GET)
        self.rules = {}          # name -> [acl_rules.Rule]
        self.pending = {}        # name -> lines, queued for the next compile
        self.lasterror = None
        self.requests = []
        self.requests_dropped = 0
        self.inflight = 0
        self.max_concurrent = 0
        self.delete_all = 0
        self.faults = []
        self.compile_fails = []
        self.compiles = 0
        self.mirrored = {}
        self.replays = 0
        self.refused = 0

    # ---- persistence

    def load_state(self):
        try:
            with open(self.state_file) as f:
                saved = json.load(f)
            acls = saved.get("acls", {})
        except (OSError, ValueError, AttributeError) as e:
            log("state file %s ignored: %s" % (self.state_file, e))
            return
        for name, lines in acls.items():
            err = acl_rules.name_error(name) or acl_rules.body_error(lines)
            rules, errors = ([], [err]) if err else \
                acl_rules.compile_acl(name, lines)
            if errors:
                log("state file: ACL %r dropped: %s" % (name, errors[0]))
                continue
            self.acls[name], self.rules[name] = lines, rules

    def save_state(self):
        """Write the installed ACLs atomically; call with the lock held."""
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"acls": self.acls}, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_file)

    # ---- bookkeeping

    def enter(self, method, path):
        with self.lock:
            self.inflight += 1
            self.max_concurrent = max(self.max_concurrent, self.inflight)
            # mono_ns: CLOCK_MONOTONIC, the clock every process on the
            # host shares, so a client may time its request to arrival.
            rec = {"method": method, "path": path, "time": time.time(),
                   "mono_ns": time.monotonic_ns(),
                   "status": None, "fault": None}
            if len(self.requests) >= HISTORY_MAX:
                self.requests.pop(0)
                self.requests_dropped += 1
            self.requests.append(rec)
            fault = None
            if self.faults:
                fault = self.faults[0]
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self.faults.pop(0)
                rec["fault"] = fault["kind"]
                if fault["kind"] == "refuse":
                    self.refused += 1
            return rec, fault

    def leave(self, rec, status):
        with self.lock:
            self.inflight -= 1
            rec["status"] = status

    def add_fault(self, f):
        """Queue a fault from a POST /fault body; None or an error text."""
        if not isinstance(f, dict) or f.get("kind") not in FAULT_KINDS:
            return "kind must be one of " + ", ".join(FAULT_KINDS)
        count = f.get("count", 1)
        delay = f.get("delay", 1.0 if f["kind"] in ("delay", "down") else 0)
        status = f.get("status", 500)
        rc = f.get("returncode", 1)
        if not isinstance(count, int) or isinstance(count, bool) or \
                not 1 <= count <= 1000000:
            return "count must be an integer >= 1"
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) \
                or not 0 <= delay <= 3600:
            return "delay must be seconds in 0..3600"
        if not isinstance(status, int) or not 100 <= status <= 599:
            return "status must be an HTTP status code"
        if not isinstance(rc, int) or not 1 <= rc <= 255:
            return "returncode must be in 1..255"
        fault = {"kind": f["kind"], "count": count, "delay": delay,
                 "status": status, "returncode": rc}
        with self.lock:
            if len(self.faults) + len(self.compile_fails) >= FAULTS_MAX:
                return "too many faults queued"
            if f["kind"] == "compile_fail":
                self.compile_fails.append(fault)
            elif f["kind"] != "down":
                self.faults.append(fault)
        return None

    def state(self):
        with self.lock:
            return {
                "acls": dict(self.acls),
                "pending": sorted(self.pending),
                "requests": [dict(r) for r in self.requests],
                "requests_dropped": self.requests_dropped,
                "max_concurrent": self.max_concurrent,
                "inflight": self.inflight,
                "delete_all": self.delete_all,
                "lasterror": self.lasterror,
                "faults": [dict(f) for f in self.faults + self.compile_fails],
                "compiles": self.compiles,
                "mirrored": dict(self.mirrored),
                "sessions": {n: dataplane.session_id(n) for n in self.acls},
                "replays": self.replays,
                "refused": self.refused,
            }

    def reset(self):
        with self.lock:
            self.clear()
            self.compile_at = None
            self.save_state()

    # ---- the acl_server API

    def warning(self):
        with self.lock:
            if self.lasterror is None:
                return None
            return WARNING % self.lasterror["returncode"]

    def api(self, method, path, ctype, body):
        """Answer one authorised request: (status, JSON value or None)."""
        base = self.opts.base
        if not path.startswith(base):
            return 404, {"error": "no such resource"}
        name = path[len(base):]
        if name == "":
            if method == "GET":
                with self.lock:
                    return 200, sorted(self.acls)
            if method == "DELETE":
                with self.lock:
                    self.acls.clear()
                    self.rules.clear()
                    self.pending.clear()
                    self.delete_all += 1
                    self.save_state()
                return 204, None
            return 405, {"error": "method not allowed"}
        if "/" in name:
            return 404, {"error": "no such resource"}
        if name == acl_rules.RESERVED:
            if method != "GET":
                return 405, {"error": "method not allowed"}
            with self.lock:
                if self.lasterror is None:
                    return 204, None
                return 200, self.lasterror
        err = acl_rules.name_error(name)
        if method not in ("GET", "PUT", "DELETE"):
            return 405, {"error": "method not allowed"}
        if err:
            return 400, {"error": err}
        if method == "GET":
            with self.lock:
                if name not in self.acls:
                    return 404, {"error": "no ACL %s" % name}
                return 200, self.acls[name]
        if method == "DELETE":
            with self.lock:
                self.pending.pop(name, None)
                if self.acls.pop(name, None) is not None:
                    self.rules.pop(name, None)
                    self.save_state()
            return 204, None
        # PUT
        if ctype.split(";")[0].strip().lower() != "application/json":
            return 415, {"error": "Content-Type must be application/json"}
        try:
            lines = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return 400, {"error": "body is not JSON: %s" % e}
        err = acl_rules.body_error(lines)
        if err:
            return 400, {"error": err}
        with self.lock:
            if name not in self.acls and name not in self.pending and \
                    len(self.acls) + len(self.pending) >= ACLS_MAX:
                return 507, {"error": "too many ACLs"}
            self.pending[name] = lines
            if self.compile_at is None:
                self.compile_at = time.monotonic() + self.opts.compile_delay
            self.lock.notify_all()
        return 202, None

    # ---- the compiler

    def compile_loop(self):
        with self.lock:
            while not self.stopping:
                if self.compile_at is None:
                    self.lock.wait()
                    continue
                left = self.compile_at - time.monotonic()
                if left > 0:
                    self.lock.wait(left)
                    continue
                batch, self.pending = self.pending, {}
                self.compile_at = None
                self.compile_batch(batch)

    def compile_batch(self, batch):
        """One cl-acltool run over the queued ACLs; lock held.  An
        injected failure fails the whole batch; otherwise each ACL that
        compiles is installed and the others are reported in lasterror."""
        self.compiles += 1
        if self.compile_fails:
            f = self.compile_fails[0]
            f["count"] -= 1
            if f["count"] <= 0:
                self.compile_fails.pop(0)
            self.lasterror = {"returncode": f["returncode"], "lines": [
                "error: injected compile failure: %s not installed" %
                ", ".join(sorted(batch))]}
            return
        errors, compiled = [], {}
        for name, lines in batch.items():
            rules, errs = acl_rules.compile_acl(name, lines)
            if errs:
                errors.extend(errs)
            else:
                compiled[name] = (lines, rules)
        max_rules = self.opts.max_rules
        if max_rules:
            total = sum(len(r) for n, r in self.rules.items()
                        if n not in compiled)
            for name in sorted(compiled):
                n = len(compiled[name][1])
                if total + n > max_rules:
                    errors.append("error: %s: not enough hardware "
                                  "resources (%d rules, limit %d)" %
                                  (name, total + n, max_rules))
                    del compiled[name]
                else:
                    total += n
        for name, (lines, rules) in compiled.items():
            self.acls[name], self.rules[name] = lines, rules
        if compiled:
            self.save_state()
        self.lasterror = {"returncode": 1, "lines": errors} if errors \
            else None

    def stop(self):
        with self.lock:
            self.stopping = True
            self.lock.notify_all()

    # ---- the data plane

    def replay(self, req):
        """Replay the pcap once (or req["loops"] times) at req["pps"]
        packets a second (0: as fast as possible); the counts."""
        path = req.get("pcap") or self.opts.pcap
        if not path:
            return 409, {"error": "no --pcap given"}
        pps = req.get("pps", 0)
        loops = req.get("loops", 1)
        if not isinstance(pps, (int, float)) or pps < 0 or \
                not isinstance(loops, int) or not 1 <= loops <= 1000:
            return 400, {"error": "pps >= 0, loops in 1..1000"}
        try:
            frames = dataplane.read_pcap(path)
        except (OSError, dataplane.PcapError) as e:
            return 409, {"error": str(e)}
        with self.lock:
            installed = sorted(self.rules.items())
            self.replays += 1
        with self.replay_lock:
            return 200, self.replay_frames(frames, installed, pps, loops)

    def replay_frames(self, frames, installed, pps, loops):
        out = {"packets": 0, "matched": 0, "mirrored": {}, "errors": 0}
        start = time.monotonic()
        for _ in range(loops):
            for frame in frames:
                if pps:
                    wait = start + out["packets"] / pps - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                out["packets"] += 1
                pkt = dataplane.parse_frame(frame)
                hit = pkt and dataplane.first_match(installed, pkt)
                if not hit:
                    continue
                out["matched"] += 1
                name, rule = hit
                try:
                    self.mirror.send(rule, name, frame, pkt["vlan"])
                except OSError as e:
                    out["errors"] += 1
                    log("mirror %s: %s" % (name, e))
                    continue
                out["mirrored"][name] = out["mirrored"].get(name, 0) + 1
                with self.lock:
                    self.mirrored[name] = self.mirrored.get(name, 0) + 1
        return out


# ---------------------------------------------------------------- HTTP

class Server(ThreadingHTTPServer):
    """A threaded HTTP server; with tls, each connection is wrapped in its
    own thread, so a slow handshake does not hold up accept()."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, sim, tls=None):
        self.address_family = addr[0]
        self.sim = sim
        self.tls = tls
        self.conns = set()
        self.conns_lock = threading.Lock()
        super().__init__((addr[1], addr[2]), handler)

    def finish_request(self, request, client_address):
        with self.conns_lock:
            self.conns.add(request)
        try:
            if self.tls:
                request.settimeout(10)
                try:
                    request = self.tls.wrap_socket(request, server_side=True)
                except (OSError, ssl.SSLError):
                    return
                with self.conns_lock:
                    self.conns.add(request)
            try:
                self.RequestHandlerClass(request, client_address, self)
            finally:
                if self.tls:
                    request.close()
        finally:
            with self.conns_lock:
                self.conns.discard(request)

    def handle_error(self, request, client_address):
        pass                    # a client that went away is no news

    def cut_all(self):
        """Close every open connection (the switch went down)."""
        with self.conns_lock:
            for c in list(self.conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: an answer's headers and body leave in two writes, and
    # Nagle would hold the body until the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server_version = "acl_server-sim/1"
    sys_version = ""
    timeout = 30

    def log_message(self, fmt, *a):
        if self.server.sim.opts.verbose:
            log("%s %s" % (self.address_string(), fmt % a))

    def version_string(self):
        return self.server_version

    def send(self, status, value, extra=(), announce=None, cut=None):
        data = b"" if value is None else \
            (json.dumps(value) + "\n").encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        if status != 204:
            self.send_header("Content-Length",
                             str(announce if announce else len(data)))
        for k, v in extra:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(data[:cut] if cut is not None else data)
        self.wfile.flush()

    def read_body(self):
        """The request body, or None (and an answer sent) when it is
        missing or too big."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return 411, {"error": "send a Content-Length"}
        n = self.headers.get("Content-Length", "0")
        if not n.isdigit():
            self.close_connection = True
            return 400, {"error": "bad Content-Length"}
        if int(n) > BODY_MAX:
            self.close_connection = True
            return 413, {"error": "body over %d bytes" % BODY_MAX}
        return None, self.rfile.read(int(n))


class ApiHandler(Handler):
    def send(self, status, value, extra=(), announce=None, cut=None):
        # Done before the answer leaves, so that a client that reads
        # /state right after its answer finds the request complete.
        self.finish_record(status)
        super().send(status, value, extra, announce, cut)

    def finish_record(self, status):
        if self.rec is not None:
            self.server.sim.leave(self.rec, status)
            self.rec = None

    def dispatch(self):
        sim = self.server.sim
        path = urlsplit(self.path).path
        self.rec, fault = sim.enter(self.command, path)
        try:
            kind = fault["kind"] if fault else None
            if kind == "refuse":
                # No answer at all: reset the connection.
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                return
            if kind == "delay":
                time.sleep(fault["delay"])
            if sim.opts.response_delay:
                # A switch that takes this long over every request.
                time.sleep(sim.opts.response_delay)
            err, body = self.read_body()
            if self.command == "PUT" and not err:
                try:
                    self.rec["body"] = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    self.rec["body"] = None
            warn = sim.warning()
            extra = [("Warning", warn)] if warn else []
            if err:
                self.send(err, body, extra)
                return
            if kind == "status":
                self.send(fault["status"], {"error": "injected fault"},
                          extra)
                return
            status, value = self.authorised_api(body)
            warn = sim.warning()
            extra = [("Warning", warn)] if warn else []
            if status == 401:
                extra.append(("WWW-Authenticate",
                              'Basic realm="acl_server"'))
            if status == 405:
                extra.append(("Allow", "GET, PUT, DELETE"))
            if kind == "drop":
                # Headers and part of the body, then the connection goes.
                self.close_connection = True
                data = b"" if value is None else json.dumps(value).encode()
                status = status if status != 204 else 200
                self.send(status, value if value is not None else "x" * 64,
                          extra, announce=len(data) + 4096,
                          cut=max(1, len(data) // 2))
                return
            self.send(status, value, extra)
        finally:
            self.finish_record(0)           # no answer was sent

    def authorised_api(self, body):
        opts = self.server.sim.opts
        if opts.user is not None:
            want = base64.b64encode(("%s:%s" % (opts.user, opts.password))
                                    .encode()).decode()
            got = self.headers.get("Authorization", "")
            if not got.startswith("Basic ") or \
                    not hmac.compare_digest(got[6:].strip(), want):
                return 401, {"error": "authentication required"}
        return self.server.sim.api(self.command, urlsplit(self.path).path,
                                   self.headers.get("Content-Type", ""), body)

    do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = do_HEAD = \
        do_OPTIONS = dispatch


class ControlHandler(Handler):
    def dispatch(self):
        sim = self.server.sim
        err, body = self.read_body()
        if err:
            self.send(err, body)
            return
        path = urlsplit(self.path).path
        req = {}
        if body:
            try:
                req = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self.send(400, {"error": "body is not JSON"})
                return
        route = (self.command, path)
        if route == ("GET", "/state"):
            self.send(200, sim.state())
        elif route == ("POST", "/reset"):
            sim.reset()
            self.send(200, {"reset": True})
        elif route == ("POST", "/fault"):
            e = sim.add_fault(req)
            if e:
                self.send(400, {"error": e})
                return
            if req.get("kind") == "down":
                self.server.runner.down(req.get("delay", 1.0))
            self.send(200, {"queued": sim.state()["faults"]})
        elif route == ("POST", "/replay"):
            if not isinstance(req, dict):
                self.send(400, {"error": "body must be a JSON object"})
                return
            self.send(*sim.replay(req))
        elif path in ("/state", "/reset", "/fault", "/replay"):
            self.send(405, {"error": "method not allowed"})
        else:
            self.send(404, {"error": "no such resource"})

    do_GET = do_POST = do_PUT = do_DELETE = dispatch


class ApiRunner:
    """Runs the API listener, and takes it down and up again for the
    "down" fault (connections are then refused by the kernel)."""

    def __init__(self, addr, sim, tls):
        self.addr, self.sim, self.tls = addr, sim, tls
        self.lock = threading.Lock()
        self.server = None
        self.start()
        self.addr = (addr[0], addr[1], self.server.server_address[1])

    def start(self):
        self.server = Server(self.addr, ApiHandler, self.sim, self.tls)
        threading.Thread(target=self.server.serve_forever,
                         kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def stop(self):
        srv, self.server = self.server, None
        if srv:
            srv.shutdown()
            srv.server_close()
            srv.cut_all()

    def down(self, seconds):
        def run():
            with self.lock:
                self.stop()
                time.sleep(seconds)
                self.start()
        threading.Thread(target=run, daemon=True).start()


def log(msg):
    sys.stderr.write("switchsim: %s\n" % msg)
    sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", type=parse_addr, required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERTFILE", "KEYFILE"))
    ap.add_argument("--user")
    ap.add_argument("--password", default="")
    ap.add_argument("--base", default="/acl/")
    ap.add_argument("--compile-delay", type=float, default=0.2)
    ap.add_argument("--control", type=parse_addr)
    ap.add_argument("--pcap")
    ap.add_argument("--erspan-dst")
    ap.add_argument("--state")
    ap.add_argument("--max-rules", type=int, default=0)
    ap.add_argument("--response-delay", type=float, default=0.0)
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()
    if not opts.base.startswith("/") or not opts.base.endswith("/"):
        ap.error("--base must start and end with /")
    if opts.compile_delay < 0:
        ap.error("--compile-delay must be >= 0")
    if not 0 <= opts.response_delay <= 60:
        ap.error("--response-delay must be seconds in 0..60")

    tls = None
    if opts.tls:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(opts.tls[0], opts.tls[1])
    sim = Sim(opts)
    sim.mirror = dataplane.Mirror(opts.erspan_dst)
    threading.Thread(target=sim.compile_loop, daemon=True).start()
    runner = ApiRunner(opts.listen, sim, tls)
    if opts.listen[2] == 0:
        print("api %d" % runner.addr[2])
    control = None
    if opts.control:
        control = Server(opts.control, ControlHandler, sim)
        control.runner = runner
        threading.Thread(target=control.serve_forever,
                         kwargs={"poll_interval": 0.05}, daemon=True).start()
        if opts.control[2] == 0:
            print("control %d" % control.server_address[1])
    print("ready", flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    while not done.wait(1.0):
        pass
    sim.stop()
    runner.stop()
    if control:
        control.shutdown()
        control.server_close()
    with sim.lock:
        sim.save_state()
    return 0


if __name__ == "__main__":
    sys.exit(main())
