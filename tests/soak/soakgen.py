"""soakgen.py - the bytes of the soak (tests/soak/soak.py): the watch list,
the pairs that match it, a pool of sFlow datagrams (valid ones and
garbage), the TCP sessions the simulated switches replay, and GRE noise
for the receiver.  Pure builders on top of tests/tools/fsgen and
tests/receiver/rcvlib; no sockets, no threads.  Standard library only.
"""
import ipaddress
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
sys.path.insert(0, os.path.join(HERE, "..", "receiver"))

from fsgen import packet as pk      # noqa: E402
from fsgen import pcap              # noqa: E402
from fsgen import scenarios as sc   # noqa: E402
from fsgen import sflow as sf       # noqa: E402
import rcvlib as rl                 # noqa: E402

KEY = b"malware"                    # the receiver's key (soak.py config)
UNKNOWN_AGENT = "192.0.2.99"        # an agent of no switch
HOT_PAIRS = 1500                    # matching pairs in play at once
V4_CANDIDATES = ["198.%d.%d.0/24" % (18 + (i >> 8), i & 255)
                 for i in range(512)]
V6_CANDIDATES = ["2001:db8:%x::/48" % i for i in range(1, 129)]
HOSTS = ["203.0.113.%d" % i for i in range(1, 128)]
ALLOWED = ["198.18.%d.1" % i for i in range(0, 40, 4)]
# sFlow v5 header of an IPv4 agent: version, address type, address,
# sub-agent id, then the datagram sequence number.
SEQ_OFFSET = 16


# ---------------------------------------------------------------- lists

class WatchList:
    """A few hundred prefixes out of a larger candidate set; churn()
    swaps a tenth of them, as a list provider's update would."""

    def __init__(self, rng, v4=240, v6=40, hosts=40):
        self.rng = rng
        self.entries = (rng.sample(V4_CANDIDATES, v4) +
                        rng.sample(V6_CANDIDATES, v6) +
                        rng.sample(HOSTS, hosts))

    def churn(self):
        n = len(self.entries) // 10
        for _ in range(n):
            self.entries.pop(self.rng.randrange(len(self.entries)))
        pool = [x for x in V4_CANDIDATES + V6_CANDIDATES + HOSTS
                if x not in self.entries]
        self.entries += self.rng.sample(pool, n)

    def text(self):
        """Emerging Threats layout: comment lines label what follows."""
        out = ["# soak watch list"]
        for i, e in enumerate(self.entries):
            if i % 50 == 0:
                out.append("# soak-label-%d" % (i // 50))
            out.append(e)
        return "\n".join(out) + "\n"


def allow_text():
    return "\n".join(ALLOWED) + "\n"


def host_in(rng, prefix):
    """A random host address inside prefix (text)."""
    net = ipaddress.ip_network(prefix)
    if net.num_addresses == 1:
        return str(net.network_address)
    off = rng.randrange(1, min(net.num_addresses - 1, 1 << 32))
    return str(net.network_address + off)


def local_v4(rng, wide=False):
    if wide:
        return "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256),
                                rng.randrange(1, 255))
    return "10.%d.%d.%d" % (rng.randrange(1, 21), rng.randrange(256),
                            rng.randrange(1, 255))


def local_v6(rng):
    return "fd00::%x:%x" % (rng.randrange(1, 0xffff), rng.randrange(1, 0xffff))


def unlisted(rng, v6=False):
    if v6:
        return "2001:db8:f%03x::%x" % (rng.randrange(0xfff),
                                       rng.randrange(1, 0xffff))
    return "100.%d.%d.%d" % (64 + rng.randrange(64), rng.randrange(256),
                             rng.randrange(1, 255))


class HotPairs:
    """The matching pairs (local, remote on the watch list) the sender
    samples; renew() replaces a few, so the controller's pair table
    sees pairs come and go."""

    def __init__(self, rng, candidates, n=HOT_PAIRS):
        self.rng = rng
        self.candidates = candidates
        self.pairs = [self.new() for _ in range(n)]

    def new(self):
        rng = self.rng
        prefix = rng.choice(self.candidates)
        remote = host_in(rng, prefix)
        local = local_v6(rng) if ":" in remote else local_v4(rng)
        return local, remote

    def pick(self):
        return self.rng.choice(self.pairs)

    def renew(self, n):
        for _ in range(n):
            self.pairs[self.rng.randrange(len(self.pairs))] = self.new()


# ---------------------------------------------------------------- sFlow

class Agent:
    """One sFlow agent's datagrams (sequence numbers are patched in at
    send time, so a pooled datagram can be sent again)."""

    def __init__(self, address, rate=1000):
        self.address = address
        self.rate = rate
        self.seqr = sc.Sequencer()
        self.seq = 1

    def sample(self, src, dst, sport, dport, proto, size):
        if proto == "tcp":
            l4 = pk.tcp(sport, dport, pk.ACK, payload=pk.fill(size))
        else:
            l4 = pk.udp(sport, dport, pk.fill(size))
        ip = pk.ipv6(src, dst, l4) if ":" in src else pk.ipv4(src, dst, l4)
        return sc.flow([sf.sample_packet(sc.eth(ip))],
                       in_if=sf.ifindex(12), out_if=sf.ifindex(48),
                       rate=self.rate)

    def datagram(self, samples):
        return sc.datagram(self.seqr, self.address, 0, samples).encode()


VALID, GARBAGE = "valid", "garbage"


class DatagramPool:
    """A fixed-size pool of (kind, agent index, bytes) the sender cycles
    through; refresh() rebuilds a few entries so that, over a run, the
    addresses keep changing.  Mix: matching pairs (both directions in one
    datagram), datagrams of several samples, clean traffic over a wide
    range of local hosts, and garbage: random bytes, valid datagrams cut
    short, valid datagrams with bits flipped."""

    WEIGHTS = (("match", 35), ("mixed", 15), ("clean", 30),
               ("random", 7), ("truncated", 7), ("flipped", 6))

    def __init__(self, rng, agents, hot, size=4096):
        self.rng = rng
        self.agents = agents            # the last one is UNKNOWN_AGENT
        self.hot = hot
        self.kinds = [k for k, w in self.WEIGHTS for _ in range(w)]
        self.entries = [self.build() for _ in range(size)]

    def agent_index(self):
        # Most datagrams come from the switches' agents.
        if self.rng.random() < 0.1:
            return len(self.agents) - 1
        return self.rng.randrange(len(self.agents) - 1)

    def sample_of(self, agent, local, remote, outbound=True):
        rng = self.rng
        proto = "tcp" if rng.random() < 0.8 else "udp"
        size = rng.choice((0, 40, 200, 1000))
        cport, sport = rng.randrange(1024, 65535), rng.choice((80, 443, 53))
        if outbound:
            return agent.sample(local, remote, cport, sport, proto, size)
        return agent.sample(remote, local, sport, cport, proto, size)

    def clean_pair(self):
        rng = self.rng
        roll = rng.random()
        v6 = rng.random() < 0.15
        local = local_v6(rng) if v6 else local_v4(rng, wide=True)
        if roll < 0.6:
            return local, unlisted(rng, v6)
        if roll < 0.8:              # neither side local
            prefix = rng.choice(V6_CANDIDATES if v6 else V4_CANDIDATES)
            return unlisted(rng, v6), host_in(rng, prefix)
        if roll < 0.9 and not v6:   # allowed wins over watched
            return local, rng.choice(ALLOWED)
        return local, local_v6(rng) if v6 else local_v4(rng)

    def valid(self, kind, ai):
        agent = self.agents[ai]
        rng = self.rng
        if kind == "match":
            local, remote = self.hot.pick()
            return agent.datagram([self.sample_of(agent, local, remote),
                                   self.sample_of(agent, local, remote,
                                                  False)])
        if kind == "mixed":
            samples = []
            for _ in range(rng.randrange(3, 9)):
                pair = self.hot.pick() if rng.random() < 0.3 else \
                    self.clean_pair()
                samples.append(self.sample_of(agent, *pair,
                                              outbound=rng.random() < 0.5))
            return agent.datagram(samples)
        local, remote = self.clean_pair()
        return agent.datagram([self.sample_of(agent, local, remote)])

    def build(self):
        rng = self.rng
        kind = rng.choice(self.kinds)
        ai = self.agent_index()
        if kind == "random":
            junk = bytes(rng.getrandbits(8)
                         for _ in range(rng.randrange(0, 1400)))
            if junk[:4] == b"\0\0\0\x05":
                junk = b"\xff" + junk[1:]
            return GARBAGE, ai, junk
        data = self.valid(rng.choice(("match", "mixed", "clean")) if kind in
                          ("truncated", "flipped") else kind, ai)
        if kind == "truncated":
            return GARBAGE, ai, data[:rng.randrange(0, len(data))]
        if kind == "flipped":
            b = bytearray(data)
            for _ in range(rng.randrange(1, 9)):
                # Past the version word, so the decoder goes deeper.
                i = rng.randrange(4, len(b))
                b[i] ^= 1 << rng.randrange(8)
            return GARBAGE, ai, bytes(b)
        return VALID, ai, data

    def refresh(self, n):
        for _ in range(n):
            self.entries[self.rng.randrange(len(self.entries))] = \
                self.build()


class ScanTemplates:
    """Datagrams of a local host and a watched address, both directions,
    whose local address is written in at send time: a scan of the local
    networks from listed addresses, every datagram a pair the controller
    has not seen.  So its pair table (a fixed 65536 pairs) fills up in
    the warm-up and then evicts, as does its event memory.  Checksums
    are left as they are: decoders do not check them."""

    MARKER = "10.254.254.254"

    def __init__(self, rng, agents, candidates, n=64):
        self.items = []
        v4 = [c for c in candidates if ":" not in c]
        marker = ipaddress.IPv4Address(self.MARKER).packed
        for _ in range(n):
            ai = rng.randrange(len(agents))
            a = agents[ai]
            remote = host_in(rng, rng.choice(v4))
            data = a.datagram([
                a.sample(self.MARKER, remote, rng.randrange(1024, 65535),
                         443, "tcp", 0),
                a.sample(remote, self.MARKER, 443,
                         rng.randrange(1024, 65535), "tcp", 0)])
            offsets = []
            i = data.find(marker)
            while i != -1:
                offsets.append(i)
                i = data.find(marker, i + 1)
            self.items.append((ai, data, offsets))
        self.next = 1

    def datagram(self, rng, seq_of):
        """(agent index, bytes) with the next local address of the scan."""
        ai, data, offsets = self.items[rng.randrange(len(self.items))]
        b = bytearray(data)
        n = self.next
        self.next = n + 1 if n < 0xFFFFFE else 1
        addr = struct.pack("!BBBB", 10, n >> 16, (n >> 8) & 0xFF, n & 0xFF)
        for off in offsets:
            b[off:off + 4] = addr
        struct.pack_into("!I", b, SEQ_OFFSET, seq_of(ai) & 0xFFFFFFFF)
        return ai, b


def with_seq(data, seq):
    b = bytearray(data)
    struct.pack_into("!I", b, SEQ_OFFSET, seq & 0xFFFFFFFF)
    return b


# ---------------------------------------------------------------- replay

def session_frames(rng, local, remote, key=True):
    """One short TCP session local:random -> remote:80 (handshake, a
    request that may carry KEY, a response, FIN exchange) as Ethernet
    frames in wire order."""
    cport = rng.randrange(1024, 65535)
    c, s = rng.getrandbits(32), rng.getrandbits(32)
    body = b"GET /x/%s.bin HTTP/1.1\r\nHost: soak\r\n\r\n" % (
        KEY if key else b"benign")
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n" + pk.fill(600)

    def frame(out, flags, seq, ack, payload=b""):
        src, dst = (local, remote) if out else (remote, local)
        sp, dp = (cport, 80) if out else (80, cport)
        seg = pk.tcp(sp, dp, flags, seq=seq & 0xFFFFFFFF,
                     ack=ack & 0xFFFFFFFF, payload=payload)
        ip = pk.ipv6(src, dst, seg) if ":" in src else pk.ipv4(src, dst, seg)
        return sc.eth(ip).data

    A, S, P, F = pk.ACK, pk.SYN, pk.PSH, pk.FIN
    out = [frame(True, S, c, 0), frame(False, S | A, s, c + 1)]
    c, s = c + 1, s + 1
    out.append(frame(True, A, c, s))
    out.append(frame(True, P | A, c, s, body))
    c += len(body)
    out.append(frame(False, P | A, s, c, resp))
    s += len(resp)
    out.append(frame(True, A, c, s))
    out.append(frame(True, F | A, c, s))
    out.append(frame(False, F | A, s, c + 1))
    out.append(frame(True, A, c + 1, s + 1))
    return out


def write_replay_pcap(path, rng, pairs, noise=4):
    """The traffic one switch replays: a session for each pair (most with
    the key), and sessions of pairs no rule matches.  Written aside and
    renamed, so the simulator never reads half a file."""
    frames = []
    for local, remote in pairs:
        frames += session_frames(rng, local, remote, rng.random() < 0.7)
    for _ in range(noise):
        frames += session_frames(rng, local_v4(rng, True), unlisted(rng),
                                 False)
    tmp = path + ".tmp"
    ts = 1700000000 * 1000000
    with pcap.Writer(tmp) as w:
        for i, f in enumerate(frames):
            w.write(f, ts + i)
    os.replace(tmp, path)
    return len(frames)


# ---------------------------------------------------------------- GRE

GRE_HEADS = [b"\x00\x00\x88\xbe", b"\x10\x00\x88\xbe", b"\x00\x00\x22\xeb",
             b"\x00\x00\x65\x58", b"\x00\x00\x08\x00", b"\x00\x00\x86\xdd",
             b"\x80\x00\x88\xbe", b"\x00\x01\x88\x0b"]


def gre_noise(rng, live_pairs):
    """(kind, GRE bytes): garbage, ERSPAN of a pair of no capture, or
    ERSPAN of a live capture's pair (from its switch or another one)."""
    roll = rng.random()
    if roll < 0.6:
        n = rng.choice((0, 1, 3, 4, 8, 12, 20, 64, 200, 1400))
        body = bytes(rng.getrandbits(8) for _ in range(n))
        if rng.random() < 0.5:
            body = rng.choice(GRE_HEADS) + body
        return "garbage", body
    if roll < 0.85 or not live_pairs:
        local, remote = local_v4(rng, True), unlisted(rng)
        kind = "unassigned"
    else:
        local, remote = rng.choice(live_pairs)
        kind = "captured"
    if ":" in local:
        ip = pk.ipv6(local, remote, pk.udp(40000, 53, pk.fill(60))).data
        frame = rl.ether(ip, 0x86DD)
    else:
        frame = rl.ether(rl.inner_ip(local, remote, b"soak", 60))
    return kind, rl.erspan2(frame, session=rng.randrange(1024),
                            seq=rng.getrandbits(32))


def new_rng(seed):
    return random.Random(seed)
