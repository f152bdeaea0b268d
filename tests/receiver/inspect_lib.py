"""inspect_lib.py - TCP and UDP sessions for the receiver's L7 inspection
(check_inspect.py): built packet by packet with scapy, each frame knowing
its session, direction and time; wrapped in GRE/ERSPAN (rcvlib) and
written as a capture for `finderscope receiver --read`, or handed over as
GRE payloads for a raw socket.  A session keeps the bytes each direction
should reassemble to (the first copy of every byte wins, as cap_stream
keeps it), so what the receiver writes can be compared byte for byte.

Then readers for what the receiver wrote: session folders, session.json,
session.pcap (records and tshark), session.L7 through
tests/tools/l7_unescape.py.
"""
import concurrent.futures
import glob
import json
import os
import struct
import subprocess
import time

from scapy.config import conf
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
from scapy.layers.l2 import Ether
from scapy.packet import Raw

import rcvlib as rl

conf.verb = 0
HERE = os.path.dirname(os.path.abspath(__file__))
L7_UNESCAPE = os.path.join(HERE, "..", "tools", "l7_unescape.py")

# 2025-03-04 05:06:07 UTC: session folders are named after it.
BASE_US = 1741064767 * 1000000
SWITCH, COLLECTOR = "192.0.2.1", "192.0.2.100"     # the outer IPv4
MACS = ("02:00:00:00:10:01", "02:00:00:00:10:02")   # client, server

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Frame:
    """One inner Ethernet frame of a session, in the trace."""
    __slots__ = ("data", "flow", "dir", "flags", "paylen", "ts_us", "idx",
                 "note")

    def __init__(self, data, flow, d, flags, paylen, note=""):
        self.data = data
        self.flow = flow
        self.dir = d
        self.flags = flags
        self.paylen = paylen
        self.note = note
        self.ts_us = None
        self.idx = None

    def pure_ack(self):
        return (self.flow.proto == 6 and self.paylen == 0 and
                not self.flags & (SYN | FIN | RST))


class Trace:
    """Frames of all sessions in the order they are sent, 1 ms apart."""

    def __init__(self, base_us=BASE_US, step_us=1000):
        self.frames = []
        self.base_us = base_us
        self.step_us = step_us

    def add(self, frame):
        frame.idx = len(self.frames)
        frame.ts_us = self.base_us + frame.idx * self.step_us
        self.frames.append(frame)

    def gre_payloads(self):
        """Each frame as GRE: client's frames in ERSPAN II, server's in
        ERSPAN III, with a running GRE sequence number."""
        out = []
        for n, f in enumerate(self.frames):
            if f.dir == 0:
                out.append(rl.erspan2(f.data, seq=n + 1))
            else:
                out.append(rl.erspan3(f.data, seq=n + 1,
                                      timestamp=n & 0xFFFFFFFF))
        return out

    def write_pcap(self, path):
        """Ethernet / IPv4 / GRE / ERSPAN / the frame, microsecond pcap."""
        recs = []
        for n, (f, g) in enumerate(zip(self.frames, self.gre_payloads())):
            outer = rl.ether(rl.ipv4(SWITCH, COLLECTOR, rl.IPPROTO_GRE, g,
                                     ident=n & 0xFFFF))
            recs.append((f.ts_us, outer))
        write_pcap(path, recs)


def write_pcap(path, recs):
    """recs: (time in microseconds, Ethernet frame)."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144,
                              1))
        for ts_us, data in recs:
            out.write(struct.pack("<IIII", ts_us // 1000000,
                                  ts_us % 1000000, len(data), len(data)))
            out.write(data)


class Flow:
    """One TCP (proto 6) or UDP (17) session: [0] the client, [1] the
    server.  Offsets are stream offsets (0 = the first byte after the
    SYN); self.frames lists this session's frames in trace order."""

    def __init__(self, trace, client, server, cport, sport, rng, proto=6,
                 isn=None):
        self.trace = trace
        self.addr = (client, server)
        self.port = (cport, sport)
        self.proto = proto
        self.v6 = ":" in client
        self.isn = list(isn) if isn else [rng.getrandbits(32),
                                          rng.getrandbits(32)]
        self.ip_id = rng.randrange(1, 0x8000)
        self.buf = [bytearray(), bytearray()]
        self.have = [bytearray(), bytearray()]
        self.end = [0, 0]          # where send() goes on
        self.fin = [False, False]
        self.frames = []

    # ---- building ---------------------------------------------------------

    def _ip(self, d, l4, **kw):
        src, dst = self.addr[d], self.addr[1 - d]
        if self.v6:
            ip = IPv6(src=src, dst=dst, hlim=64, **kw)
        else:
            self.ip_id = (self.ip_id + 1) & 0xFFFF
            ip = IP(src=src, dst=dst, ttl=64, id=self.ip_id, **kw)
        return ip / l4 if l4 is not None else ip

    def _ether(self, d, pkt):
        return bytes(Ether(src=MACS[d], dst=MACS[1 - d]) / pkt)

    def _emit(self, data, d, flags, paylen, note=""):
        f = Frame(data, self, d, flags, paylen, note)
        self.frames.append(f)
        self.trace.add(f)
        return f

    def _record(self, d, off, data):
        """The first copy of each byte wins."""
        buf, have = self.buf[d], self.have[d]
        if len(buf) < off + len(data):
            grow = off + len(data) - len(buf)
            buf.extend(b"\0" * grow)
            have.extend(b"\0" * grow)
        for i, b in enumerate(data):
            if not have[off + i]:
                buf[off + i] = b
                have[off + i] = 1

    def _seq(self, d, off):
        return (self.isn[d] + 1 + off) & 0xFFFFFFFF

    def _ack(self, d):
        """What d acknowledges: the other side's contiguous bytes."""
        o = 1 - d
        n = self.have[o].find(0)
        n = len(self.have[o]) if n < 0 else n
        return (self.isn[o] + 1 + n + (1 if self.fin[o] else 0)) & 0xFFFFFFFF

    def _tcp(self, d, seq, flags, data=b"", ack=True):
        tcp = TCP(sport=self.port[d], dport=self.port[1 - d], seq=seq,
                  ack=self._ack(d) if ack else 0, flags=flags,
                  window=65535)
        return tcp / Raw(data) if data else tcp

    def handshake(self):
        self._emit(self._ether(0, self._ip(0, self._tcp(
            0, self.isn[0], SYN, ack=False))), 0, SYN, 0, "syn")
        self._emit(self._ether(1, self._ip(1, TCP(
            sport=self.port[1], dport=self.port[0], seq=self.isn[1],
            ack=(self.isn[0] + 1) & 0xFFFFFFFF, flags=SYN | ACK,
            window=65535))), 1, SYN | ACK, 0, "synack")
        # The client's ACK: nothing from the server yet but its SYN.
        self._emit(self._ether(0, self._ip(0, TCP(
            sport=self.port[0], dport=self.port[1], seq=self._seq(0, 0),
            ack=(self.isn[1] + 1) & 0xFFFFFFFF, flags=ACK,
            window=65535))), 0, ACK, 0, "ack")

    def seg(self, d, off, data, flags=PSH | ACK, record=True, note=""):
        """A segment of data at stream offset off."""
        if record:
            self._record(d, off, data)
        return self._emit(self._ether(d, self._ip(d, self._tcp(
            d, self._seq(d, off), flags, data))), d, flags, len(data), note)

    def ack(self, d):
        return self._emit(self._ether(d, self._ip(d, self._tcp(
            d, self._seq(d, self.end[d]), ACK))), d, ACK, 0, "ack")

    def send(self, d, data, mss=1400, acks=True, note=""):
        """data from where d's stream is, in segments of mss, each acked
        by the other side when acks."""
        out = []
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            out.append(self.seg(d, self.end[d], chunk, note=note))
            self.end[d] += len(chunk)
            if acks:
                self.ack(1 - d)
        return out

    def frag_seg(self, d, off, data, cuts, order=None, note=""):
        """A segment sent as IP fragments: cuts are offsets in the IP
        payload (multiples of 8); order the fragments' sending order."""
        self._record(d, off, data)
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        ident = self.ip_id
        full = self._ip(d, self._tcp(d, self._seq(d, off), PSH | ACK, data))
        raw = bytes(full)
        hlen = 40 if self.v6 else 20
        l4 = raw[hlen:]
        bounds = [0] + list(cuts) + [len(l4)]
        pieces = []
        for i in range(len(bounds) - 1):
            a, b = bounds[i], bounds[i + 1]
            assert a % 8 == 0
            more = i < len(bounds) - 2
            if self.v6:
                pkt = IPv6(src=self.addr[d], dst=self.addr[1 - d], hlim=64,
                           nh=44) / IPv6ExtHdrFragment(
                    nh=6, id=ident, m=int(more), offset=a // 8) / \
                    Raw(l4[a:b])
            else:
                pkt = IP(src=self.addr[d], dst=self.addr[1 - d], ttl=64,
                         id=ident, proto=6, flags="MF" if more else 0,
                         frag=a // 8) / Raw(l4[a:b])
            pieces.append(self._ether(d, pkt))
        out = []
        for i in (order if order is not None else range(len(pieces))):
            # The frame that completes the datagram carries the segment.
            out.append(self._emit(pieces[i], d, PSH | ACK, 0,
                                  note or "fragment"))
        out[-1].paylen = len(data)
        return out

    def close(self):
        """FIN from the client, FIN from the server, the last ACK."""
        f1 = self._emit(self._ether(0, self._ip(0, self._tcp(
            0, self._seq(0, self.end[0]), FIN | ACK))), 0, FIN | ACK, 0,
            "fin")
        self.fin[0] = True
        f2 = self._emit(self._ether(1, self._ip(1, self._tcp(
            1, self._seq(1, self.end[1]), FIN | ACK))), 1, FIN | ACK, 0,
            "fin")
        self.fin[1] = True
        self._emit(self._ether(0, self._ip(0, self._tcp(
            0, self._seq(0, self.end[0] + 1), ACK))), 0, ACK, 0,
            "lastack")
        return f1, f2

    def datagram(self, d, data):
        self._record(d, self.end[d], data)
        self.end[d] += len(data)
        return self._emit(self._ether(d, self._ip(d, UDP(
            sport=self.port[d], dport=self.port[1 - d]) / Raw(data))), d, 0,
            len(data), "udp")

    # ---- expectations -----------------------------------------------------

    def stream(self, d):
        """What direction d should reassemble to (no holes allowed)."""
        assert all(self.have[d]), "a hole in the model's stream"
        return bytes(self.buf[d])

    def recorded(self):
        """The frames a whole-session record holds: everything up to the
        ACK that follows FIN both ways (the session ends with it)."""
        out = []
        fins = 0
        for f in self.frames:
            out.append(f)
            if self.proto != 6:
                continue
            if f.flags & FIN:
                fins |= 1 << f.dir
            elif fins == 3 and f.flags == ACK and f.paylen == 0:
                break
        return out

    def folder(self, first):
        """The session folder's path under the sessions dir, named after
        the frame it starts with."""
        t = time.gmtime(first.ts_us // 1000000)
        return "%s/%s_%s-%d_%s-%d" % (
            time.strftime("%Y-%m-%d", t), time.strftime("%H%M%S", t),
            self.addr[0].replace(":", "_"), self.port[0],
            self.addr[1].replace(":", "_"), self.port[1])


def iso_us(ts_us):
    t = time.gmtime(ts_us // 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%06dZ" % (
        ts_us % 1000000)


def filler(rng, n, text=False):
    """n random bytes (any byte value), or printable text."""
    if not text:
        return rng.randbytes(n)
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 .,;=&/\r\n"
    return bytes(rng.choice(alphabet) for _ in range(n))


# ---- what the receiver wrote ------------------------------------------------

def session_folders(root):
    """Complete session folders as "DATE/NAME", and .part ones."""
    done, part = [], []
    for p in sorted(glob.glob(os.path.join(root, "*", "*"))):
        rel = os.path.relpath(p, root)
        (part if p.endswith(".part") else done).append(rel)
    return done, part


def load_json(path):
    with open(path) as f:
        return json.load(f)


def events(path):
    """The events of an events_file, one JSON object a line."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out


def tshark_fields(path, fields, extra=()):
    """(rows as lists of strings, what tshark said on stderr)."""
    cmd = ["tshark", "-n", "-r", path, "-T", "fields"]
    for fl in fields:
        cmd += ["-e", fl]
    r = subprocess.run(cmd + list(extra), capture_output=True, text=True,
                       timeout=30)
    said = [ln for ln in r.stderr.splitlines()
            if ln.strip() and "Running as user" not in ln]
    if r.returncode != 0:
        said.append("exit status %d" % r.returncode)
    rows = [ln.split("\t") for ln in r.stdout.splitlines()]
    return rows, "\n".join(said)


def tshark_follow(path, stream=0):
    """tshark's own reassembly of TCP stream N: [node 0 bytes, node 1
    bytes], the nodes as tshark names them ("addr:port")."""
    r = subprocess.run(["tshark", "-n", "-r", path, "-q", "-z",
                        "follow,tcp,raw,%d" % stream], capture_output=True,
                       text=True, timeout=30)
    data = [bytearray(), bytearray()]
    nodes = ["", ""]
    inside = False
    for ln in r.stdout.splitlines():
        if ln.startswith("Node 0: "):
            nodes[0] = ln[8:]
            inside = True
        elif ln.startswith("Node 1: "):
            nodes[1] = ln[8:]
            inside = True
        elif ln.startswith("====="):
            inside = False
        elif inside and ln.strip():
            d = 1 if ln.startswith("\t") else 0
            data[d] += bytes.fromhex(ln.strip())
    return [bytes(x) for x in data], nodes


def l7_streams(path):
    """l7_unescape.py --hex --gaps: ([client bytes, server bytes],
    [(dir, gap bytes)]), or raise with what it said."""
    r = subprocess.run(["/usr/bin/python3", L7_UNESCAPE, "--hex", "--gaps",
                        path], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("l7_unescape %s: %s" % (path, r.stderr))
    streams = [b"", b""]
    gaps = []
    for ln in r.stdout.splitlines():
        parts = ln.split(" ")
        if parts[0] == "client_to_server":
            streams[0] = bytes.fromhex(parts[1] if len(parts) > 1 else "")
        elif parts[0] == "server_to_client":
            streams[1] = bytes.fromhex(parts[1] if len(parts) > 1 else "")
        elif parts[0] == "gap":
            gaps.append((parts[1], int(parts[2])))
    return streams, gaps


def pmap(fn, items, workers=2):
    """fn over items, two at a time (the machine has two cores)."""
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


def first_difference(a, b):
    """Index of the first item where a and b differ, None if equal."""
    for i in range(max(len(a), len(b))):
        if i >= len(a) or i >= len(b) or a[i] != b[i]:
            return i
    return None


def check_session(t, label, folder, flow, frames, keys, streams=None,
                  gaps=None, history_complete=True, ended="fin",
                  capture_id=None, check_times=True, first_seen=None):
    """One session folder against what was sent.

    frames: the Frames session.pcap must hold, byte for byte, with their
    times; keys: [(id, name, text, direction, offset, Frame)] in hit
    order; streams: the two directions session.L7 must give back
    (default: the flow's); gaps: [(dir, bytes)] session.L7 must show;
    first_seen: the session's first frame (default: frames[0])."""
    files = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    if not t.check(files == ["session.L7", "session.json", "session.pcap"],
                   "%s: the folder holds the three files: %r" % (label,
                                                                 files)):
        return
    js = load_json(os.path.join(folder, "session.json"))
    proto = "tcp" if flow.proto == 6 else "udp"
    want = {"proto": proto, "client": flow.addr[0],
            "client_port": flow.port[0], "server": flow.addr[1],
            "server_port": flow.port[1], "history_complete":
            history_complete, "ended": ended, "pcap_frames": len(frames),
            "keys_dropped": 0}
    got = {k: js.get(k) for k in want}
    t.equal("%s: session.json" % label, want, got)
    if capture_id is not None:
        t.equal("%s: capture_id" % label, capture_id, js.get("capture_id"))
    if check_times:
        t.equal("%s: session.json first" % label,
                iso_us((first_seen or frames[0]).ts_us), js.get("first"))
        t.equal("%s: session.json last" % label, iso_us(
            flow.recorded()[-1].ts_us), js.get("last"))
    dirs = ("client_to_server", "server_to_client")
    wk = [{"id": k[0], "name": k[1], "key": k[2], "direction": dirs[k[3]],
           "offset": k[4], "time": iso_us(k[5].ts_us)} for k in keys]
    gk = js.get("keys")
    if not check_times:
        wk = [dict(k, time=None) for k in wk]
        gk = [dict(k, time=None) for k in gk or []]
    t.equal("%s: keys hit" % label, wk, gk)

    link, nano, _, recs = rl.read_pcap(os.path.join(folder, "session.pcap"))
    t.check(link == 1 and not nano, "%s: Ethernet microsecond pcap (%d %r)"
            % (label, link, nano))
    t.equal("%s: frames in session.pcap" % label, len(frames), len(recs))
    got = [(r[0] * 1000000 + r[1], r[4]) for r in recs]
    exp = [(f.ts_us, f.data) for f in frames]
    if not check_times:
        got = [g[1] for g in got]
        exp = [e[1] for e in exp]
    bad = first_difference(got, exp)
    t.check(bad is None, "%s: session.pcap differs from the frames sent, "
            "first at record %s" % (label, bad))

    if streams is None:
        streams = [flow.stream(0), flow.stream(1)]
    got_streams, got_gaps = l7_streams(os.path.join(folder, "session.L7"))
    for d in (0, 1):
        if got_streams[d] == streams[d]:
            t.ok()
        else:
            n = first_difference(got_streams[d], streams[d])
            t.fail("%s: session.L7 %s: %d bytes, want %d, first difference "
                   "at %d" % (label, dirs[d], len(got_streams[d]),
                              len(streams[d]), n))
    t.equal("%s: gaps in session.L7" % label,
            [(str(d), n) for d, n in (gaps or [])], got_gaps)
    return js
