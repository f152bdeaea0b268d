"""rcvlib.py - run a real `finderscope receiver` and talk to it: a network
namespace of the test's own, GRE/ERSPAN packets built byte by byte and sent
from raw sockets, a fake controller answering GET /api/v1/captures, the
receiver's API and live feed, and a pcap reader to check what it wrote.
Standard library only (Debian's /usr/bin/python3).
"""
import ctypes
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLONE_NEWNET = 0x40000000
IPPROTO_GRE = 47


# ---------------------------------------------------------------- namespace

def enter_netns(aliases=()):
    """Move this process into a new network namespace with lo up and the
    given addresses on lo.  Call before any thread starts: unshare()
    moves only the calling thread, and threads started later follow it.
    The namespace goes away with the last process in it."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for a in aliases:
        subprocess.run(["ip", "addr", "add", a + "/32", "dev", "lo"],
                       check=True)


def snmp(proto, field):
    """A counter of /proc/net/snmp (this namespace's)."""
    with open("/proc/net/snmp") as f:
        lines = [ln.split() for ln in f]
    for head, vals in zip(lines[::2], lines[1::2]):
        if head[0] == proto + ":":
            return int(vals[head.index(field)])
    raise KeyError(proto + " " + field)


# ---------------------------------------------------------------- packets

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      0, 64, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def inner_ip(src, dst, tag, size=0):
    """An IPv4/UDP packet whose payload starts with tag (bytes)."""
    body = tag + bytes((i * 7) & 0xFF for i in range(max(0, size)))
    return ipv4(src, dst, 17, udp(40000, 53, body))


def ether(payload, ethertype=0x0800):
    return (b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" +
            struct.pack("!H", ethertype) + payload)


def gre(proto, payload, seq=None, key=None):
    flags = 0
    extra = b""
    if key is not None:
        flags |= 0x2000
        extra += struct.pack("!I", key)
    if seq is not None:
        flags |= 0x1000
        extra += struct.pack("!I", seq)
    return struct.pack("!HH", flags, proto) + extra + payload


def erspan2(frame, session=7, seq=1, vlan=0, index=3):
    hdr = struct.pack("!II", (1 << 28) | (vlan << 16) | session, index)
    return gre(0x88BE, hdr + frame, seq=seq)


def erspan3(frame, session=9, seq=1, timestamp=0, gra=0, ft=0):
    w0 = (2 << 28) | session
    w2 = (ft << 10) | (gra << 1)
    hdr = struct.pack("!III", w0, timestamp, w2)
    return gre(0x22EB, hdr + frame, seq=seq)


def erspan1(frame):
    return gre(0x88BE, frame)


def teb(frame, key=None):
    return gre(0x6558, frame, key=key)


def gre_ip(ip_packet):
    return gre(0x0800, ip_packet)


class GreSender:
    """A raw GRE socket bound to a source address (a lo alias in the
    namespace): the kernel writes the outer IPv4 header."""

    def __init__(self, source="127.0.0.1"):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)
        self.s.bind((source, 0))

    def send(self, gre_bytes, dst="127.0.0.1"):
        self.s.sendto(gre_bytes, (dst, 0))

    def close(self):
        self.s.close()


class IpSender:
    """Whole IPv4 packets (IPPROTO_RAW): a socket that never receives, so
    it cannot stand in for the receiver's GRE socket."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                               socket.IPPROTO_RAW)

    def send_gre(self, src, dst, gre_bytes, ident=1):
        self.s.sendto(ipv4(src, dst, IPPROTO_GRE, gre_bytes, ident),
                      (dst, 0))

    def close(self):
        self.s.close()


# ---------------------------------------------------------------- pcap files

def read_pcap(path):
    """(linktype, nano, snaplen, [(sec, frac, caplen, wirelen, data)])."""
    with open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack("<I", raw[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    else:
        e = ">"
        magic = struct.unpack(">I", raw[:4])[0]
    nano = magic == 0xa1b23c4d
    _, _, _, _, snaplen, link = struct.unpack(e + "HHiIII", raw[4:24])
    recs = []
    off = 24
    while off + 16 <= len(raw):
        sec, frac, cap, wire = struct.unpack(e + "IIII", raw[off:off + 16])
        off += 16
        if off + cap > len(raw):
            raise ValueError("%s: record cut short at %d" % (path, off))
        recs.append((sec, frac, cap, wire, raw[off:off + cap]))
        off += cap
    if off != len(raw):
        raise ValueError("%s: %d stray bytes at the end" % (
            path, len(raw) - off))
    return link, nano, snaplen, recs


def parse_pcap_stream(raw):
    """A pcap stream read so far: (header ok, records, leftover bytes)."""
    if len(raw) < 24:
        return False, [], raw
    magic, vmaj, vmin, _, _, snaplen, link = struct.unpack("<IHHiIII",
                                                           raw[:24])
    ok = magic == 0xa1b2c3d4 and (vmaj, vmin) == (2, 4) and link == 1
    recs = []
    off = 24
    while off + 16 <= len(raw):
        sec, usec, cap, wire = struct.unpack("<IIII", raw[off:off + 16])
        if off + 16 + cap > len(raw):
            break
        recs.append((sec, usec, cap, wire, raw[off + 16:off + 16 + cap]))
        off += 16 + cap
    return ok, recs, raw[off:]


def tshark_ok(path):
    """tshark -r opens the file without a warning: (ok, what it said)."""
    r = subprocess.run(["tshark", "-r", path, "-q"], capture_output=True,
                       text=True, timeout=30)
    said = [ln for ln in (r.stderr + r.stdout).splitlines()
            if ln.strip() and "Running as user" not in ln]
    return r.returncode == 0 and not said, "\n".join(said)


def archive_files(root, pattern=".pcap"):
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(pattern):
                out.append(os.path.join(d, f))
    return sorted(out)


# ---------------------------------------------------------------- controller

class FakeController:
    """GET /api/v1/captures answered from self.captures, with an optional
    bearer token; counts the requests and remembers their headers.

    POST /api/v1/events (the receiver's key-hit reports) is recorded in
    self.reports, in arrival order, whatever it is answered: a dict with
    "headers", "raw" (the body), "body" (parsed JSON, None when it is
    not) and "status" (the answer: report_status, or 401 for a wrong
    token, 400 for a body that is not JSON).  report_delay holds each
    answer back that many seconds.  The server closes the connection
    after each answer (HTTP/1.0) and says so with "Connection: close",
    unless silent_close, as an HTTP/1.0 server may."""

    def __init__(self, port=0, token=None, host="127.0.0.1"):
        self.captures = []
        self.token = token
        self.requests = 0           # GETs
        self.unauthorized = 0
        self.last_headers = {}      # of the last GET
        self.status = 200
        self.reports = []
        self.report_status = 200
        self.report_delay = 0.0
        self.silent_close = False
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                owner.requests += 1
                owner.last_headers = dict(self.headers)
                if self.path != "/api/v1/captures":
                    self.send_error(404)
                    return
                if owner.token is not None and self.headers.get(
                        "Authorization") != "Bearer " + owner.token:
                    owner.unauthorized += 1
                    body = b'{"error":"unauthorized"}'
                    self.send_response(401)
                else:
                    body = json.dumps({"captures": owner.captures}).encode()
                    self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n > 0 else b""
                if self.path != "/api/v1/events":
                    self.send_error(404)
                    return
                try:
                    parsed = json.loads(raw.decode())
                except ValueError:
                    parsed = None
                if owner.token is not None and self.headers.get(
                        "Authorization") != "Bearer " + owner.token:
                    status = 401
                elif parsed is None:
                    status = 400
                else:
                    status = owner.report_status
                with owner.lock:
                    if status == 401:
                        owner.unauthorized += 1
                    owner.reports.append({"headers": dict(self.headers),
                                          "raw": raw, "body": parsed,
                                          "status": status})
                if owner.report_delay > 0:
                    time.sleep(owner.report_delay)
                body = b'{"ok":true}' if status < 300 else \
                    b'{"error":"refused"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if not owner.silent_close:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def accepted(self):
        """The bodies of the reports answered 2xx, in arrival order."""
        with self.lock:
            return [r["body"] for r in self.reports
                    if 200 <= r["status"] < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def capture(cid, local, remote, state="active", switch=None):
    c = {"id": cid, "state": state, "local": local, "remote": remote,
         "agent": "10.0.0.52", "manual": False}
    if switch is not None:
        c["switch"] = switch
    return c


# ---------------------------------------------------------------- receiver

class Receiver:
    """One receiver process with its own directory and config."""

    def __init__(self, binary, workdir, controller_url, extra="",
                 archive_extra="", top="", api_port=8009, token=None):
        self.binary = binary
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.archive = os.path.join(workdir, "archive")
        self.config_path = os.path.join(workdir, "finderscope.yaml")
        self.stderr_path = os.path.join(workdir, "stderr.log")
        self.api_port = api_port
        self.token = token
        self.controller_url = controller_url
        self.extra = extra
        self.archive_extra = archive_extra
        self.top = top
        self.proc = None
        self.write_config()

    def config_text(self):
        out = [self.top] if self.top else []
        out += ["receiver:",
                "  api_listen: 127.0.0.1:%d" % self.api_port,
                "  controller_url: %s" % self.controller_url,
                "  poll_interval: 1s"]
        out += ["  " + ln for ln in self.extra.splitlines() if ln.strip()]
        out += ["  archive:",
                "    dir: %s" % self.archive,
                "    min_free: 0"]
        out += ["    " + ln for ln in self.archive_extra.splitlines()
                if ln.strip()]
        return "\n".join(out) + "\n"

    def write_config(self, text=None):
        with open(self.config_path, "w") as f:
            f.write(text if text is not None else self.config_text())

    def start(self):
        self.stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "receiver", "-d", "-c", self.config_path],
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("receiver exited with %d: %s" % (
                    self.proc.returncode, self.log_tail()))
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("receiver did not answer: " + self.log_tail())

    def read(self, path, timeout=30):
        """--read path: (exit status, stderr)."""
        r = subprocess.run([self.binary, "receiver", "-c", self.config_path,
                            "--read", path], capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stderr

    def log_tail(self, n=4000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=5):
        """SIGTERM; (exit status, seconds it took)."""
        if self.proc is None or self.proc.poll() is not None:
            return (self.proc.returncode if self.proc else None), 0.0
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, time.time() - t0

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def request(self, method, path, body=None, token=None, timeout=10):
        url = "http://127.0.0.1:%d%s" % (self.api_port, path)
        headers = {}
        tok = token if token is not None else self.token
        if tok:
            headers["Authorization"] = "Bearer " + tok
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else \
                json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def get(self, path, **kw):
        status, body, _ = self.request("GET", path, **kw)
        return status, body

    def json(self, method, path, body=None, **kw):
        status, raw, _ = self.request(method, path, body, **kw)
        try:
            return status, json.loads(raw.decode())
        except ValueError:
            return status, {"_raw": raw.decode("utf-8", "replace")}

    def status(self):
        return self.json("GET", "/api/v1/status")[1]

    def captures(self):
        return {c["id"]: c for c in
                self.json("GET", "/api/v1/captures")[1]["captures"]}

    def metrics(self):
        """{(name, frozenset(labels)): value} from GET /metrics."""
        status, body = self.get("/metrics")
        assert status == 200, status
        out = {}
        for line in body.decode().splitlines():
            if not line or line.startswith("#"):
                continue
            name_labels, value = line.rsplit(" ", 1)
            labels = frozenset()
            if "{" in name_labels:
                name, rest = name_labels.split("{", 1)
                pairs = []
                for item in rest.rstrip("}").split("\","):
                    if item:
                        k, v = item.split("=", 1)
                        pairs.append((k, v.strip("\"")))
                labels = frozenset(pairs)
            else:
                name = name_labels
            out[(name, labels)] = float(value)
        return out

    def wait_for(self, cond, what, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if cond():
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.05)
        raise AssertionError("timed out waiting for " + what + "\n" +
                             self.log_tail())


def adds_up(st):
    """The receiver's counters add up (docs/receiver-api.md): a list of
    what does not."""
    t = st["totals"]
    bad = []
    if sum(t["decap"].values()) != t["packets"]:
        bad.append("decap results %d != packets %d" % (
            sum(t["decap"].values()), t["packets"]))
    filed = t["assigned"] + t["unassigned"] + t["dropped"]
    if filed != t["decap"]["ok"]:
        bad.append("assigned+unassigned+dropped %d != ok %d" % (
            filed, t["decap"]["ok"]))
    if sum(t["encap"].values()) != t["decap"]["ok"]:
        bad.append("encap %d != ok %d" % (sum(t["encap"].values()),
                                          t["decap"]["ok"]))
    inp = st["input"]
    if "packets" in inp and inp["packets"] != t["packets"]:
        bad.append("input packets %d != packets %d" % (inp["packets"],
                                                       t["packets"]))
    return bad


class LiveClient:
    """GET /live.pcap read in a thread; .data grows as it comes."""

    def __init__(self, port, query="", token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        self.conn.request("GET", "/live.pcap" + query, headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = dict(self.resp.getheaders())
        self.data = b""
        self.ended = False
        self.lock = threading.Lock()
        if self.status == 200:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        else:
            self.body = self.resp.read()

    def _run(self):
        try:
            while True:
                chunk = self.resp.read1(65536)
                if not chunk:
                    break
                with self.lock:
                    self.data += chunk
        except (OSError, http.client.HTTPException):
            pass
        self.ended = True

    def records(self):
        with self.lock:
            return parse_pcap_stream(self.data)

    def close(self):
        self.conn.close()


class SlowClient:
    """Asks for /live.pcap and never reads: a tiny receive buffer."""

    def __init__(self, port, query="", token=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.s.connect(("127.0.0.1", port))
        auth = "Authorization: Bearer %s\r\n" % token if token else ""
        self.s.sendall(("GET /live.pcap%s HTTP/1.1\r\nHost: x\r\n%s\r\n" %
                        (query, auth)).encode())

    def close(self):
        self.s.close()
