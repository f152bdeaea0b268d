#!/usr/bin/python3
"""check_inspect.py - the receiver's L7 keyword inspection end to end:
TCP and UDP sessions built with scapy (inspect_lib.py, fixed seeds),
mirrored in GRE/ERSPAN and replayed with `finderscope receiver --read`,
or sent from raw sockets to a running receiver in a network namespace of
the test's own; what it writes (session folders: session.pcap byte for
byte and through tshark, session.L7 through tests/tools/l7_unescape.py,
session.json), its events (events_file, GET /api/v1/events), its metrics
and its reports to a fake controller are checked against what was sent.

  check_inspect.py --bin FINDERSCOPE --workdir DIR [--shared DIR] CASE

Cases: split, fragments, history, cap, options, real, daemon.  Ends with
"N passed, N failed".  daemon needs root and real the shared captures;
without them they exit 77 (skipped).  cap checks its counters on a
running receiver only as root (the replay part runs without).
"""
import argparse
import glob
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from fs_conformance import Tally   # noqa: E402
import rcvlib as rl                # noqa: E402
import inspect_lib as il           # noqa: E402
from scapy.layers.inet import IP, TCP          # noqa: E402
from scapy.layers.l2 import Ether             # noqa: E402

SKIP = 77
CLIENT, SERVER = "10.1.2.3", "203.0.113.9"
CLIENT6, SERVER6 = "fd00:1::3", "fd00:2::9"
LEAF1 = "192.0.2.1"
CTL_TOKEN = "controller-test-token-0123456789"
DIRS = ("client_to_server", "server_to_client")


# ---------------------------------------------------------------- helpers

def yq(s):
    """A YAML single-quoted scalar."""
    return "'" + s.replace("'", "''") + "'"


def keys_yaml(keys=(), regexes=()):
    """keys/regexes: dicts with key (or regex), and name, id, nocase."""
    out = []
    for what, items in (("keys", keys), ("regex", regexes)):
        if not items:
            continue
        out.append(what + ":")
        for k in items:
            if isinstance(k, str):
                out.append("  - " + yq(k))
                continue
            first = True
            for field in ("key", "regex", "name", "id", "nocase"):
                if field not in k:
                    continue
                v = k[field]
                if isinstance(v, str):
                    v = yq(v)
                elif isinstance(v, bool):
                    v = "true" if v else "false"
                out.append(("  - " if first else "    ") + "%s: %s" % (
                    field, v))
                first = False
    return "\n".join(out)


def receiver_extra(rd, keys, sessions="", more=""):
    """The lines under `receiver:` for events, keys and sessions."""
    lines = ["events_file: %s" % os.path.join(rd, "events.json"), keys,
             "sessions:", "  dir: %s" % os.path.join(rd, "sessions")]
    lines += ["  " + ln for ln in sessions.splitlines() if ln.strip()]
    if more:
        lines.append(more)
    return "\n".join(lines)


def replay(t, args, rd, trace, keys, sessions="", label="replay"):
    """Write trace as a capture, --read it: (receiver, controller)."""
    os.makedirs(rd, exist_ok=True)
    pcap = os.path.join(rd, "input.pcap")
    trace.write_pcap(pcap)
    ctl = rl.FakeController()
    rcv = rl.Receiver(args.bin, rd, ctl.url(),
                      extra=receiver_extra(rd, keys, sessions))
    t0 = time.time()
    rc, err = rcv.read(pcap)
    took = time.time() - t0
    ctl.close()
    t.check(rc == 0, "%s: --read exits 0, got %d: %s" % (
        label, rc, err[-800:]))
    t.check("not sent" not in err, "%s: every report reached the "
            "controller: %s" % (label, err[-400:]))
    t.check(took < 10, "%s: the replay took %.1fs" % (label, took))
    return rcv, ctl


def sessions_dir(rcv):
    return os.path.join(rcv.dir, "sessions")


def check_folders(t, label, rcv, want):
    """Exactly the folders want names ("DATE/NAME"), none left .part."""
    done, part = il.session_folders(sessions_dir(rcv))
    t.equal("%s: session folders" % label, sorted(want), done)
    t.equal("%s: .part folders" % label, [], part)


def equal_lists(t, what, want, got):
    """One check per list: on a difference, say where the first is."""
    if want == got:
        t.ok()
        return True
    i = il.first_difference(want, got)
    t.fail("%s: %d items, want %d; first difference at %d: want %r, got "
           "%r" % (what, len(got), len(want), i,
                   want[i] if i < len(want) else None,
                   got[i] if i < len(got) else None))
    return False


def check_events(t, label, rcv, ctl, hits, written):
    """events_file and the controller's reports: hits [(folder, id,
    name, flow, dir, offset)] in order, written {folder: frames}."""
    ev = il.events(os.path.join(rcv.dir, "events.json"))
    kh = [e for e in ev if e["type"] == "key_hit"]
    sw = [e for e in ev if e["type"] == "session_written"]
    want = []
    for folder, kid, name, flow, d, off in hits:
        w = {"id": kid, "src": flow.addr[d], "dst": flow.addr[1 - d],
             "sport": flow.port[d], "dport": flow.port[1 - d],
             "proto": flow.proto, "offset": off,
             "session": os.path.join(sessions_dir(rcv), folder)}
        if name:
            w["name"] = name
        want.append(w)
    got = [{"id": e["key"]["id"], "src": e["src"], "dst": e["dst"],
            "sport": e["sport"], "dport": e["dport"], "proto": e["proto"],
            "offset": e["offset"], "session": e.get("session"),
            **({"name": e["key"]["name"]} if "name" in e["key"] else {})}
           for e in kh]
    equal_lists(t, "%s: key_hit events" % label, want, got)
    got_w = {os.path.relpath(e["session"], sessions_dir(rcv)): e["frames"]
             for e in sw}
    t.equal("%s: session_written events" % label, written, got_w)
    t.equal("%s: no session_failed event" % label, [],
            [e for e in ev if e["type"] == "session_failed"])
    seqs = [e["seq"] for e in ev]
    t.equal("%s: event sequence numbers" % label,
            list(range(1, len(ev) + 1)), seqs)
    if ctl is not None:
        rep = ctl.accepted()
        equal_lists(t, "%s: reports the controller took" % label,
                    [(h[1], h[3].addr[h[4]], h[3].port[h[4]], h[5])
                     for h in hits],
                    [(r.get("key_id"), r.get("src"), r.get("sport"),
                      r.get("offset")) for r in rep])


def tshark_many(t, items):
    """items: (label, path, frames, proto): all through tshark, 2 at a
    time: it opens each without a word, counts the frames, finds no
    malformed one (below HTTP and TLS, which random payloads on ports 80
    and 443 would upset) and sees one TCP or UDP stream."""
    res = il.pmap(lambda it: (it, il.tshark_fields(
        it[1], ["frame.number", "tcp.stream" if it[3] == "tcp" else
                "udp.stream", "_ws.malformed"],
        ["--disable-protocol", "http", "--disable-protocol", "tls"])),
        items)
    for (label, path, n, proto), (rows, said) in res:
        t.check(not said, "%s: tshark warns: %s" % (label, said))
        t.equal("%s: frames tshark counts" % label, n, len(rows))
        streams = sorted({r[1] for r in rows if len(r) > 1 and r[1]})
        t.equal("%s: %s streams tshark sees" % (label, proto), ["0"],
                streams)
        t.equal("%s: malformed frames" % label, [],
                [r[0] for r in rows if len(r) > 2 and r[2]])


def metric(m, name):
    return m.get(("finderscope_receiver_" + name, frozenset()))


def write_token(path, token):
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)


# ---------------------------------------------------------------- split

def case_split(t, args, wd):
    """Keys split across segments, reordered, duplicated, overlapped;
    in the first and the 50th packet; ;nocase, |hex|, a regex; both
    directions.  One session each: exactly the sessions with a key give a
    folder, byte for byte what was sent."""
    rng = random.Random(1)
    tr = il.Trace()
    ports = iter(range(41000, 41100))
    fill = lambda n: il.filler(rng, n)   # noqa: E731
    cases = []     # (label, flow, frames or None, keys [(id,name,text,dir,
    #                 offset,frame)], per-direction expectations)

    def flow(isn=None):
        f = il.Flow(tr, CLIENT, SERVER, next(ports), 80, rng, isn=isn)
        f.handshake()
        return f

    def finish(f, reply=200):
        f.send(1, b"HTTP/1.1 200 OK\r\n\r\n" + fill(reply))
        f.close()

    # A key split across two segments.
    f = flow()
    k = b"SPLIT-IN-TWO-SEGMENTS"
    f.send(0, fill(300))
    f.send(0, fill(100) + k[:7])
    hit = f.send(0, k[7:] + fill(50))[0]
    finish(f)
    cases.append(("split2", f, [(1, "split2", k.decode(), 0,
                                 300 + 100 + len(k), hit)], {}))

    # ... across three.
    f = flow()
    k = b"KEY-SPLIT-ACROSS-THREE-SEGMENTS"
    f.send(0, fill(40) + k[:10])
    f.send(0, k[10:20])
    hit = f.send(0, k[20:] + fill(40))[0]
    finish(f)
    cases.append(("split3", f, [(2, "split3", k.decode(), 0, 40 + len(k),
                                 hit)], {}))

    # Three segments in reverse order: the key completes with the first.
    f = flow()
    k = b"OUT-OF-ORDER-SEGMENT-KEY"
    f.send(0, fill(60))
    base = f.end[0]
    a, b, c = fill(100) + k[:8], k[8:16], k[16:] + fill(76)
    f.seg(0, base + len(a) + len(b), c)
    f.seg(0, base + len(a), b)
    hit = f.seg(0, base, a)
    f.end[0] = base + len(a + b + c)
    f.ack(1)
    finish(f)
    cases.append(("ooo", f, [(3, "ooo", k.decode(), 0, base + 100 + len(k),
                              hit)], {}))

    # Every segment twice.
    f = flow()
    k = b"DUPLICATED-SEGMENTS-KEY"
    a, b = fill(80) + k[:11], k[11:] + fill(30)
    base = f.end[0]
    f.seg(0, base, a)
    f.seg(0, base, a)
    hit = f.seg(0, base + len(a), b)
    f.seg(0, base + len(a), b)
    f.end[0] = base + len(a + b)
    f.ack(1)
    finish(f)
    cases.append(("dup", f, [(4, "dup", k.decode(), 0, 80 + len(k), hit)],
                  {"duplicate": [len(a + b), 0], "overlap_diff": [0, 0]}))

    # Overlapping segments with the same bytes; the key across the seam.
    f = flow()
    k = b"OVERLAP-SAME-BYTES-KEY"
    f.send(0, fill(33))
    base = f.end[0]
    d = fill(110) + k + fill(200 - 110 - len(k))
    f.seg(0, base, d[:120])
    hit = f.seg(0, base + 80, d[80:200])
    f.end[0] = base + 200
    f.ack(1)
    finish(f)
    cases.append(("overlap-same", f, [(5, "overlap-same", k.decode(), 0,
                                       base + 110 + len(k), hit)],
                  {"duplicate": [40, 0], "overlap_diff": [0, 0]}))

    # Overlapping with different bytes: the held (first) copy wins and
    # carries the key.
    f = flow()
    k = b"FIRST-COPY-WINS-KEY"
    d = fill(160) + k + fill(300 - 160 - len(k))
    other = bytes(x ^ 0x55 for x in d[150:200])
    base = f.end[0]
    f.seg(0, base, d[:100])
    f.seg(0, base + 150, d[150:])
    hit = f.seg(0, base + 100, d[100:150] + other)
    f.end[0] = base + 300
    f.ack(1)
    finish(f)
    cases.append(("first-copy", f, [(6, "first-copy", k.decode(), 0,
                                     base + 160 + len(k), hit)],
                  {"duplicate": [50, 0], "overlap_diff": [50, 0]}))

    # The key only in a later copy of delivered bytes: no hit.
    f = flow()
    k = b"SECOND-COPY-LOSES-KEY"
    d = fill(200)
    base = f.end[0]
    f.send(0, d)
    f.seg(0, base + 50, k + d[50 + len(k):120])
    f.ack(1)
    finish(f)
    cases.append(("later-copy", f, None, {}))

    # The key only in a later copy of held bytes: no hit.
    f = flow()
    k = b"LATER-COPY-LOSES-KEY"
    d = fill(300)
    base = f.end[0]
    f.seg(0, base, d[:100])
    f.seg(0, base + 150, d[150:])
    f.seg(0, base + 100, d[100:150] + k + d[150 + len(k):200])
    f.end[0] = base + 300
    f.ack(1)
    finish(f)
    cases.append(("held-copy", f, None, {}))

    # The key in the first data packet.
    f = flow()
    k = b"KEY-IN-FIRST-PACKET"
    hit = f.send(0, fill(5) + k + fill(100))[0]
    for _ in range(20):
        f.send(0, fill(150))
    finish(f)
    cases.append(("first-packet", f, [(9, "first-packet", k.decode(), 0,
                                       5 + len(k), hit)], {}))

    # ... in the 50th, the client's sequence numbers wrapping past 2^32.
    f = flow(isn=(0xFFFFF000, rng.getrandbits(32)))
    k = b"KEY-IN-FIFTIETH-PACKET"
    for _ in range(49):
        f.send(0, fill(200))
    hit = f.send(0, fill(20) + k + fill(50))[0]
    finish(f, reply=20)
    cases.append(("fiftieth", f, [(10, "fiftieth", k.decode(), 0,
                                   49 * 200 + 20 + len(k), hit)], {}))

    # ;nocase.
    f = flow()
    hit = f.send(0, fill(70) + b"bLUE oRCINUS" + fill(10))[0]
    finish(f)
    cases.append(("nocase", f, [(11, "nocase", "Blue Orcinus;nocase", 0,
                                 70 + 12, hit)], {}))

    # |hex| with text, an explicit id.
    f = flow()
    hit = f.send(0, b"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n")[0]
    finish(f)
    cases.append(("hex", f, [(1000, "hex-admin", "GET |2f|admin", 0, 10,
                              hit)], {}))

    # A key each way; one without a name.
    f = flow()
    h0 = f.send(0, fill(30) + b"CLIENT-SIDE-KEY" + fill(5))[0]
    h1 = f.send(1, fill(300) + b"SERVER-SIDE-KEY" + fill(5))[0]
    f.close()
    cases.append(("both-ways", f, [(13, "client-side", "CLIENT-SIDE-KEY", 0,
                                    45, h0),
                                   (14, "", "SERVER-SIDE-KEY", 1, 315, h1)],
                  {}))

    # A regex, case-insensitive.
    f = flow()
    text = b"user=bob&PassWord=1234X&z=1"
    hit = f.send(0, text)[0]
    finish(f)
    cases.append(("regex", f, [(15, "password", r"pass(word)?=[0-9]{4}x", 0,
                                text.index(b"1234X") + 5, hit)], {}))

    # No key at all.
    f = flow()
    f.send(0, il.filler(rng, 3000, text=True))
    finish(f, reply=2000)
    cases.append(("none", f, None, {}))

    keys = keys_yaml([
        {"key": "SPLIT-IN-TWO-SEGMENTS", "name": "split2"},
        {"key": "KEY-SPLIT-ACROSS-THREE-SEGMENTS", "name": "split3"},
        {"key": "OUT-OF-ORDER-SEGMENT-KEY", "name": "ooo"},
        {"key": "DUPLICATED-SEGMENTS-KEY", "name": "dup"},
        {"key": "OVERLAP-SAME-BYTES-KEY", "name": "overlap-same"},
        {"key": "FIRST-COPY-WINS-KEY", "name": "first-copy"},
        {"key": "SECOND-COPY-LOSES-KEY", "name": "later-copy"},
        {"key": "LATER-COPY-LOSES-KEY", "name": "held-copy"},
        {"key": "KEY-IN-FIRST-PACKET", "name": "first-packet"},
        {"key": "KEY-IN-FIFTIETH-PACKET", "name": "fiftieth"},
        {"key": "Blue Orcinus;nocase", "name": "nocase"},
        {"key": "GET |2f|admin", "name": "hex-admin", "id": 1000},
        {"key": "CLIENT-SIDE-KEY", "name": "client-side"},
        "SERVER-SIDE-KEY"],
        [{"regex": r"pass(word)?=[0-9]{4}x", "nocase": True,
          "name": "password"}])
    rcv, ctl = replay(t, args, os.path.join(wd, "r"), tr, keys)
    check_cases(t, rcv, ctl, cases)
    return None


def check_cases(t, rcv, ctl, cases):
    """cases: (label, flow, keys or None, stats) with whole-session
    records from the SYN: folders, files, events, reports, tshark."""
    want, hits, written, tsh = [], [], {}, []
    for label, f, keys, stats in cases:
        if not keys:
            continue
        frames = f.recorded()
        folder = f.folder(frames[0])
        want.append(folder)
        path = os.path.join(sessions_dir(rcv), folder)
        js = il.check_session(t, label, path, f, frames, keys)
        for k in keys:
            hits.append((folder, k[0], k[1], f, k[3], k[4]))
        written[folder] = len(frames)
        for what, vals in stats.items():
            t.equal("%s: session.json %s" % (label, what),
                    {DIRS[0]: vals[0], DIRS[1]: vals[1]},
                    (js or {}).get(what))
        tsh.append((label, os.path.join(path, "session.pcap"), len(frames),
                    "tcp" if f.proto == 6 else "udp"))
    check_folders(t, "folders", rcv, want)
    hits.sort(key=lambda h: hit_order(cases, h))
    check_events(t, "events", rcv, ctl, hits, written)
    tshark_many(t, tsh)


def hit_order(cases, h):
    """Hits are reported in the order their frames were read."""
    for _, f, keys, _ in cases:
        for k in keys or []:
            if f is h[3] and k[0] == h[1] and k[3] == h[4]:
                return k[5].idx
    return -1


# ---------------------------------------------------------------- fragments

def case_fragments(t, args, wd):
    """IPv4 fragments with the key across the fragment boundary (in
    order, and three fragments last-first), IPv6 plain and fragmented:
    every fragment frame is in session.pcap."""
    rng = random.Random(2)
    tr = il.Trace()
    fill = lambda n: il.filler(rng, n)   # noqa: E731
    cases = []

    # IPv4: the key at TCP payload 50..67, i.e. IP payload 70..87, cut
    # at 80; then a segment in three fragments sent last one first.
    f = il.Flow(tr, CLIENT, SERVER, 42001, 80, rng)
    f.handshake()
    f.send(0, fill(100))
    k = b"FRAGMENTED-V4-KEY"
    base = f.end[0]
    hit = f.frag_seg(0, base, fill(50) + k + fill(300 - 50 - len(k)),
                     [80])[-1]
    f.end[0] += 300
    f.ack(1)
    base = f.end[0]
    f.frag_seg(0, base, fill(500), [64, 200], order=[2, 1, 0])
    f.end[0] += 500
    f.ack(1)
    f.send(1, fill(400))
    f.close()
    cases.append(("ipv4-fragments", f, [(1, "v4frag", k.decode(), 0,
                                         100 + 50 + len(k), hit)], {}))

    # IPv6 without fragments.
    f = il.Flow(tr, CLIENT6, SERVER6, 42002, 443, rng)
    f.handshake()
    k = b"IPV6-PLAIN-SESSION-KEY"
    f.send(0, fill(2000))
    hit = f.send(0, fill(10) + k + fill(10))[0]
    f.send(1, fill(3000))
    f.close()
    cases.append(("ipv6", f, [(2, "v6plain", k.decode(), 0,
                               2000 + 10 + len(k), hit)], {}))

    # IPv6 fragments, the key across the boundary (TCP payload 50..67 is
    # fragment payload 70..87; cut at 80), server to client.
    f = il.Flow(tr, CLIENT6, SERVER6, 42003, 443, rng)
    f.handshake()
    f.send(0, fill(120))
    k = b"FRAGMENTED-V6-KEY"
    base = f.end[1]
    hit = f.frag_seg(1, base, fill(50) + k + fill(250), [80])[-1]
    f.end[1] += 50 + len(k) + 250
    f.ack(0)
    f.close()
    cases.append(("ipv6-fragments", f, [(3, "v6frag", k.decode(), 1,
                                         50 + len(k), hit)], {}))

    # IPv4 fragments of a session without a key: nothing.
    f = il.Flow(tr, CLIENT, SERVER, 42004, 80, rng)
    f.handshake()
    f.frag_seg(0, 0, fill(400), [104, 208])
    f.end[0] = 400
    f.close()
    cases.append(("no-key", f, None, {}))

    keys = keys_yaml([{"key": "FRAGMENTED-V4-KEY", "name": "v4frag"},
                      {"key": "IPV6-PLAIN-SESSION-KEY", "name": "v6plain"},
                      {"key": "FRAGMENTED-V6-KEY", "name": "v6frag"}])
    rcv, ctl = replay(t, args, os.path.join(wd, "r"), tr, keys)
    check_cases(t, rcv, ctl, cases)
    # The IPv6 folder names spell ':' as '_'.
    done, _ = il.session_folders(sessions_dir(rcv))
    t.check(any("_fd00_1__3-42003_fd00_2__9-443" in x for x in done),
            "IPv6 folder names with '_' for ':': %r" % done)
    return None


# ---------------------------------------------------------------- history

def case_history(t, args, wd):
    """history at its minimum (1M): a session with more than that before
    its key has a pcap that does not start at the SYN and says so; one
    with its key late but within the history starts at the SYN."""
    rng = random.Random(3)
    tr = il.Trace()
    fill = lambda n: il.filler(rng, n)   # noqa: E731

    # Within the history: the key in the 30th data packet.
    a = il.Flow(tr, CLIENT, SERVER, 43001, 80, rng)
    a.handshake()
    for _ in range(29):
        a.send(0, fill(1000))
    ka = b"LATE-BUT-REMEMBERED"
    hit_a = a.send(0, fill(100) + ka + fill(100))[0]
    a.send(1, fill(500))
    a.close()

    # Beyond it: 1.3 MB before the key.
    b = il.Flow(tr, CLIENT, SERVER, 43002, 80, rng)
    b.handshake()
    b.send(0, fill(1300 * 1000))
    kb = b"TOO-LATE-FOR-THE-SYN"
    before = b.end[0]
    hit_b = b.send(0, fill(60) + kb + fill(60))[0]
    b.send(1, fill(800))
    b.close()

    keys = keys_yaml([{"key": ka.decode(), "name": "late"},
                      {"key": kb.decode(), "name": "too-late"}])
    rcv, ctl = replay(t, args, os.path.join(wd, "r"), tr, keys,
                      sessions="history: 1M")
    root = sessions_dir(rcv)

    fa = a.recorded()
    il.check_session(t, "late key", os.path.join(root, a.folder(fa[0])), a,
                     fa, [(1, "late", ka.decode(), 0, 29 * 1000 + 100 +
                           len(ka), hit_a)], history_complete=True)
    t.equal("late key: session.pcap starts at the SYN", "syn", fa[0].note)

    # B's pcap: the newest frames before the hit that fit in 1 MiB, the
    # hit, the rest.
    fb = b.recorded()
    hi = fb.index(hit_b)
    path = os.path.join(root, "*", "*_%s-%d_*" % (CLIENT, 43002))
    found = glob.glob(path)
    t.equal("too late: one folder", 1, len(found))
    if not found:
        return None
    recs = rl.read_pcap(os.path.join(found[0], "session.pcap"))[3]
    datas = [f.data for f in fb]
    start = len(fb) - len(recs)
    t.check(0 < start < hi and [r[4] for r in recs] == datas[start:],
            "too late: session.pcap is the session's last %d frames (of "
            "%d; hit at %d)" % (len(recs), len(fb), hi))
    # What a frame costs in the history: its bytes and some bookkeeping
    # (cap_sessions_impl.h: CAP_HFRAME_COST, about 80 bytes).
    kept = fb[start:hi]
    lo_cost = sum(len(f.data) + 48 for f in kept)
    hi_cost = sum(len(f.data) + 160 for f in fb[start - 1:hi])
    t.check(lo_cost <= 1 << 20 < hi_cost, "too late: the history kept "
            "what fits in 1 MiB (%d frames, %d..%d bytes)" % (
                len(kept), lo_cost, hi_cost))
    first_data = next(f for f in fb[start:] if f.dir == 0 and f.paylen)
    off0 = b.stream(0).index(tcp_payload(first_data))
    s2c_from = sum(f.paylen for f in fb[:start] if f.dir == 1)
    il.check_session(
        t, "too late", found[0], b, fb[start:],
        [(2, "too-late", kb.decode(), 0, before + 60 + len(kb), hit_b)],
        history_complete=False, first_seen=fb[0],
        streams=[b.stream(0)[off0:], b.stream(1)[s2c_from:]])
    t.check(fb[start].note != "syn" and fb[0].note == "syn",
            "too late: session.pcap does not start at the SYN")
    t.check(found[0].endswith(b.folder(fb[start])),
            "too late: the folder is named after its first frame: %s" %
            found[0])
    check_events(t, "history", rcv, ctl,
                 [(a.folder(fa[0]), 1, "late", a, 0,
                   29 * 1000 + 100 + len(ka)),
                  (b.folder(fb[start]), 2, "too-late", b, 0,
                   before + 60 + len(kb))],
                 {a.folder(fa[0]): len(fa),
                  b.folder(fb[start]): len(fb) - start})
    tshark_many(t, [("late key", os.path.join(root, a.folder(fa[0]),
                                              "session.pcap"), len(fa),
                     "tcp"),
                    ("too late", os.path.join(found[0], "session.pcap"),
                     len(fb) - start, "tcp")])
    return None


def tcp_payload(frame):
    """The TCP payload of an inner frame."""
    return bytes(Ether(frame.data)[TCP].payload)


# ---------------------------------------------------------------- cap

def cap_trace(rng):
    """200 sessions open at once, every 10th with a key."""
    tr = il.Trace()
    flows = [il.Flow(tr, CLIENT, SERVER, 44000 + i, 80, rng)
             for i in range(200)]
    for f in flows:
        f.handshake()
    hits = {}
    for i, f in enumerate(flows):
        if i % 10 == 0:
            k = b"CAPPED-TABLE-KEY"
            pre = il.filler(rng, 20 + i % 7)
            hits[i] = (f.send(0, pre + k + il.filler(rng, 30))[0],
                       len(pre) + len(k))
        else:
            f.send(0, il.filler(rng, 80))
    for f in flows:
        f.close()
    return tr, flows, hits


def cap_model(frames, keyed, max_sessions):
    """The session table by its documented rules (cap_sessions.h): a new
    session only for a SYN or payload; beyond max_sessions it evicts the
    idlest session without a hit, or is not tracked when all have hits.
    Returns the counters and the flows whose sessions hit."""
    idle, hit = OrderedDict(), OrderedDict()
    c = {"created": 0, "evicted": 0, "capped": 0, "ended": 0, "hits": 0}
    hit_flows = []
    for f in frames:
        fl = f.flow
        lst = idle if fl in idle else hit if fl in hit else None
        if lst is None:
            if not (f.flags & il.SYN or f.paylen):
                continue
            if len(idle) + len(hit) >= max_sessions:
                if not idle:
                    c["capped"] += 1
                    continue
                idle.popitem(last=False)
                c["evicted"] += 1
            idle[fl] = 0
            lst = idle
            c["created"] += 1
        lst.move_to_end(fl)
        if f in keyed and fl in idle:
            hit[fl] = idle.pop(fl)
            c["hits"] += 1
            hit_flows.append(fl)
        if f.flags & il.FIN:
            (idle if fl in idle else hit)[fl] |= 1 << f.dir
            if (idle if fl in idle else hit)[fl] == 3:
                (idle if fl in idle else hit).pop(fl)
                c["ended"] += 1
    c["now"] = len(idle) + len(hit)
    return c, hit_flows


def cap_expect(t, label, rcv, flows, hits, hit_flows, check_times):
    """The sessions that hit are written: their frames from the data
    segment that created them again."""
    want = []
    for i, f in enumerate(flows):
        if f not in hit_flows:
            continue
        seg, off = hits[i]
        frames = [x for x in f.recorded() if x.idx >= seg.idx]
        folder = f.folder(frames[0]) if check_times else None
        if check_times:
            want.append(folder)
            path = os.path.join(sessions_dir(rcv), folder)
        else:
            g = glob.glob(os.path.join(sessions_dir(rcv), "*",
                                       "*_%s-%d_*" % (CLIENT, f.port[0])))
            t.equal("%s %d: one folder" % (label, i), 1, len(g))
            if not g:
                continue
            path = g[0]
        il.check_session(t, "%s %d" % (label, i), path, f, frames,
                         [(1, "capped", "CAPPED-TABLE-KEY", 0, off, seg)],
                         history_complete=False,
                         streams=[tcp_payload(seg), b""],
                         check_times=check_times)
    if check_times:
        check_folders(t, label, rcv, want)
    else:
        done, part = il.session_folders(sessions_dir(rcv))
        t.equal("%s: folders" % label, len(hit_flows), len(done))
        t.equal("%s: .part folders" % label, [], part)


def case_cap(t, args, wd):
    """max_sessions 16 with 200 sessions open: the idlest without a hit
    is evicted, a table full of hits takes no more, sessions with hits
    are written; replayed, and (as root) live with /metrics."""
    root = os.geteuid() == 0
    if root:
        rl.enter_netns([LEAF1])
    rng = random.Random(4)
    tr, flows, hits = cap_trace(rng)
    keyed = {v[0] for v in hits.values()}
    model, hit_flows = cap_model(tr.frames, keyed, 16)
    print("the table's rules give: %r" % model)
    # What the rules give here: the first 16 keyed sessions hit, the
    # table is full of them, the last 4 keyed ones are not tracked.
    t.equal("model: sessions that hit", [flows[i] for i in range(0, 160, 10)],
            hit_flows)
    t.check(model["evicted"] > 100 and model["capped"] > 10,
            "model: evictions and capped sessions: %r" % model)
    keys = keys_yaml([{"key": "CAPPED-TABLE-KEY", "name": "capped"}])
    sess = "max_sessions: 16"
    rcv, ctl = replay(t, args, os.path.join(wd, "r"), tr, keys,
                      sessions=sess)
    cap_expect(t, "replay", rcv, flows, hits, hit_flows, True)
    ev = il.events(os.path.join(rcv.dir, "events.json"))
    t.equal("replay: key_hit events", 16,
            len([e for e in ev if e["type"] == "key_hit"]))
    t.equal("replay: reports", 16, len(ctl.accepted()))
    if not root:
        print("not root: the live part with /metrics is skipped")
        return None

    ctl = rl.FakeController(port=8008)
    rd = os.path.join(wd, "live")
    rcv = rl.Receiver(args.bin, rd, ctl.url(),
                      extra=receiver_extra(rd, keys, sess))
    sw = None
    try:
        rcv.start()
        sw = rl.GreSender(LEAF1)
        n = 0
        for g in tr.gre_payloads():
            sw.send(g)
            n += 1
            if n % 200 == 0:
                time.sleep(0.005)
        rcv.wait_for(lambda: rcv.status()["totals"]["packets"] >= n,
                     "%d packets" % n)
        t.equal("live: kernel drops", 0,
                rcv.status()["input"]["kernel_drops"])
        rcv.wait_for(lambda: metric(rcv.metrics(), "reports_sent_total")
                     == 16, "16 reports sent")
        m = rcv.metrics()
        want = {"sessions_created_total": model["created"],
                "sessions_evicted_total": model["evicted"],
                "sessions_capped_total": model["capped"],
                "sessions_ended_total": model["ended"],
                "key_hits_total": 16, "sessions_hit_total": 16,
                "sessions_written_total": 16, "sessions": model["now"],
                "sessions_frames_total": n, "sessions_open": 0,
                "sessions_file_errors_total": 0, "reports_sent_total": 16,
                "reports_dropped_total": 0}
        got = {k: metric(m, k) for k in want}
        t.equal("live: metrics", {k: float(v) for k, v in want.items()},
                got)
        t.equal("live: healthz", 200, rcv.get("/healthz")[0])
        rc, _ = rcv.stop()
        t.equal("live: exit status", 0, rc)
        cap_expect(t, "live", rcv, flows, hits, hit_flows, False)
    finally:
        rcv.kill()
        ctl.close()
        if sw is not None:
            sw.close()
    return None


# ---------------------------------------------------------------- options

def case_options(t, args, wd):
    """record: frame, onedir, keep_pure_acks false/true, inspect_udp
    true/false: the same trace replayed five ways."""
    rng = random.Random(5)
    tr = il.Trace()
    fill = lambda n: il.filler(rng, n)   # noqa: E731
    f = il.Flow(tr, CLIENT, SERVER, 45001, 80, rng)
    f.handshake()
    f.send(0, fill(200))
    k1, k2 = b"OPTION-SPLIT-KEY", b"OPTION-SECOND-KEY"
    f.send(0, fill(50) + k1[:6])
    hit1 = f.send(0, k1[6:] + fill(30))[0]
    f.send(1, fill(300))
    f.send(0, fill(70))
    off2 = f.end[0] + 40 + len(k2)
    hit2 = f.send(0, fill(40) + k2 + fill(10))[0]
    f.send(1, fill(100))
    f.close()
    tkeys = [(1, "split", k1.decode(), 0, 200 + 50 + len(k1), hit1),
             (2, "second", k2.decode(), 0, off2, hit2)]

    u = il.Flow(tr, CLIENT, SERVER, 45002, 7777, rng, proto=17)
    ku = b"UDP-DATAGRAM-KEY"
    u.datagram(0, fill(40))
    u.datagram(1, fill(120))
    hitu = u.datagram(0, fill(25) + ku + fill(5))
    u.datagram(1, fill(60))
    ukeys = [(3, "udp", ku.decode(), 0, 40 + 25 + len(ku), hitu)]

    keys = keys_yaml([{"key": k1.decode(), "name": "split"},
                      {"key": k2.decode(), "name": "second"},
                      {"key": ku.decode(), "name": "udp"}])
    all_f = f.recorded()
    runs = [
        ("defaults", "", all_f, None, [], False),
        ("record-frame", "record: frame", [hit1, hit2], None,
         [(0, off2 - 40 - len(k2) - (200 + 50 + len(k1) + 30))], False),
        ("onedir", "onedir: true", [x for x in all_f if x.dir == 0], None,
         [], False),
        ("no-pure-acks", "keep_pure_acks: false",
         [x for x in all_f if not x.pure_ack()], None, [], False),
        ("pure-acks", "keep_pure_acks: true", all_f, None, [], False),
        ("udp", "inspect_udp: true", all_f, None, [], True),
        ("no-udp", "inspect_udp: false", all_f, None, [], False),
    ]
    for label, sess, frames, _, gaps, udp in runs:
        rcv, ctl = replay(t, args, os.path.join(wd, label), tr, keys,
                          sessions=sess, label=label)
        root = sessions_dir(rcv)
        folder = f.folder(frames[0])
        want = [folder]
        streams = None
        hc = True
        if label == "record-frame":
            # Only the frames in which a key ended: the transcript starts
            # at the first of them and skips what lies between.
            streams = [tcp_payload(hit1) + tcp_payload(hit2), b""]
            hc = False
        elif label == "onedir":
            streams = [f.stream(0), b""]
        il.check_session(t, label, os.path.join(root, folder), f, frames,
                         tkeys, streams=streams, gaps=gaps,
                         history_complete=hc, first_seen=f.frames[0])
        written = {folder: len(frames)}
        hits = [(folder, 1, "split", f, 0, tkeys[0][4]),
                (folder, 2, "second", f, 0, off2)]
        tsh = [(label, os.path.join(root, folder, "session.pcap"),
                len(frames), "tcp")]
        if udp:
            uf = u.folder(u.frames[0])
            want.append(uf)
            il.check_session(t, label + " udp", os.path.join(root, uf), u,
                             u.frames, ukeys, ended="shutdown")
            hits.insert(1, (uf, 3, "udp", u, 0, ukeys[0][4]))
            written[uf] = len(u.frames)
            tsh.append((label + " udp", os.path.join(root, uf,
                                                     "session.pcap"),
                        len(u.frames), "udp"))
        hits.sort(key=lambda h: {1: hit1, 2: hit2, 3: hitu}[h[1]].idx)
        check_folders(t, label, rcv, want)
        check_events(t, label, rcv, ctl, hits, written)
        tshark_many(t, tsh)
        if label == "no-pure-acks":
            t.check(len(frames) < len(all_f) - 5, "no-pure-acks: %d of %d "
                    "frames are pure ACKs" % (len(all_f) - len(frames),
                                              len(all_f)))
    return None


# ---------------------------------------------------------------- real

def decap_frames(args, path, wd):
    out = os.path.join(wd, "decap.pcap")
    r = subprocess.run([args.bin, "decap", path, out], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("decap %s: %s" % (path, r.stderr))
    recs = rl.read_pcap(out)[3]
    os.unlink(out)
    return recs


def real_sessions(recs, key):
    """The TCP sessions of decapsulated frames whose payload holds key:
    [(meta, records)], records as a whole-session record keeps them."""
    sess = {}
    order = []
    for r in recs:
        p = Ether(r[4])
        if IP not in p or TCP not in p:
            continue
        ip, tcp = p[IP], p[TCP]
        a, b = (ip.src, tcp.sport), (ip.dst, tcp.dport)
        k = tuple(sorted([a, b]))
        s = sess.get(k)
        if s is None:
            if not (tcp.flags & il.SYN or len(tcp.payload)):
                continue
            synack = (tcp.flags & (il.SYN | il.ACK)) == (il.SYN | il.ACK)
            s = {"client": b if synack else a, "recs": [], "fins": set(),
                 "payload": [bytearray(), bytearray()], "ended": None,
                 "syn": tcp.flags & (il.SYN | il.ACK) == il.SYN}
            sess[k] = s
            order.append(s)
        if s["ended"]:
            continue
        s["recs"].append(r)
        d = 0 if a == s["client"] else 1
        s["payload"][d] += bytes(tcp.payload)
        if tcp.flags & il.RST:
            s["ended"] = "rst"
        if tcp.flags & il.FIN:
            s["fins"].add(d)
        elif len(s["fins"]) == 2 and not len(tcp.payload) and \
                not tcp.flags & (il.SYN | il.RST):
            s["ended"] = "fin"      # the ACK of the last FIN ends it
    return [s for s in order if key in bytes(s["payload"][0]) or
            key in bytes(s["payload"][1])]


def case_real(t, args, wd):
    """The shared captures: OVS ERSPAN v1/v2 and GRE with "malware";
    HTTP over ERSPAN II (suricata-verify) with its User-Agent header."""
    td = os.path.join(args.shared, "testdata")
    inputs = [("ovs", "ovs-erspan-v1.pcap", "malware", 1),
              ("ovs", "ovs-erspan-v2.pcap", "malware", 1),
              ("ovs", "ovs-gre.pcap", "malware", 1),
              ("erspan", "suricata-verify-bug-5437-01.pcap",
               "User-Agent: Hello, world", 2),
              ("erspan", "suricata-verify-bug-5437-02.pcap",
               "User-Agent: Hello, world", 2)]
    if not all(os.path.exists(os.path.join(td, a, b))
               for a, b, _, _ in inputs):
        print("shared captures missing in %s" % td)
        return SKIP
    tsh = []
    for sub, name, key, nsess in inputs:
        path = os.path.join(td, sub, name)
        label = name[:-5]
        rd = os.path.join(wd, label)
        os.makedirs(rd)
        ctl = rl.FakeController()
        rcv = rl.Receiver(args.bin, rd, ctl.url(), extra=receiver_extra(
            rd, keys_yaml([{"key": key, "name": "real-key", "id": 77}])))
        rc, err = rcv.read(path)
        ctl.close()
        t.check(rc == 0 and "not sent" not in err,
                "%s: --read exits 0 with reports sent: %d %s" % (
                    label, rc, err[-500:]))
        want = real_sessions(decap_frames(args, path, rd), key.encode())
        t.equal("%s: sessions with the key" % label, nsess, len(want))
        folders, hits, written = [], [], {}
        for s in want:
            recs = s["recs"]
            cl = s["client"]
            # The server: the other end of the first record.
            p = Ether(recs[0][4])
            ends = [(p[IP].src, p[TCP].sport), (p[IP].dst, p[TCP].dport)]
            sv = ends[1] if ends[0] == cl else ends[0]
            t0 = time.gmtime(recs[0][0])
            folder = "%s/%s_%s-%d_%s-%d" % (
                time.strftime("%Y-%m-%d", t0), time.strftime("%H%M%S", t0),
                cl[0], cl[1], sv[0], sv[1])
            folders.append(folder)
            fpath = os.path.join(sessions_dir(rcv), folder)
            slabel = "%s %s:%d" % (label, cl[0], cl[1])
            if not t.check(os.path.isdir(fpath), "%s: folder %s" % (
                    slabel, folder)):
                continue
            js = il.load_json(os.path.join(fpath, "session.json"))
            d = 0 if key.encode() in bytes(s["payload"][0]) else 1
            off = bytes(s["payload"][d]).index(key.encode()) + len(key)
            hit_ts = None
            seen = 0
            for r in recs:
                p = Ether(r[4])
                src = (p[IP].src, p[TCP].sport)
                if (src == cl) == (d == 0):
                    seen += len(p[TCP].payload)
                    if seen >= off:
                        hit_ts = r[0] * 1000000 + r[1]
                        break
            t.equal("%s: session.json" % slabel, {
                "client": cl[0], "client_port": cl[1], "server": sv[0],
                "server_port": sv[1], "proto": "tcp",
                "ended": s["ended"] or "shutdown",
                "history_complete": bool(s["syn"]),
                "pcap_frames": len(recs),
                "keys": [{"id": 77, "name": "real-key", "key": key,
                          "direction": DIRS[d], "offset": off,
                          "time": il.iso_us(hit_ts)}]},
                {k: js.get(k) for k in (
                    "client", "client_port", "server", "server_port",
                    "proto", "ended", "history_complete", "pcap_frames",
                    "keys")})
            t.check(js.get("capture_id", "").startswith("unassigned-"),
                    "%s: capture_id %r" % (slabel, js.get("capture_id")))
            got = rl.read_pcap(os.path.join(fpath, "session.pcap"))[3]
            t.check(got == recs, "%s: session.pcap holds the session's %d "
                    "frames byte for byte (%d)" % (slabel, len(recs),
                                                   len(got)))
            l7, gaps = il.l7_streams(os.path.join(fpath, "session.L7"))
            follow, nodes = il.tshark_follow(os.path.join(fpath,
                                                          "session.pcap"))
            if nodes[0] != "%s:%d" % cl:
                follow.reverse()
            t.equal("%s: session.L7 client bytes = tshark's follow" %
                    slabel, follow[0].hex(), l7[0].hex())
            t.equal("%s: session.L7 server bytes = tshark's follow" %
                    slabel, follow[1].hex(), l7[1].hex())
            t.equal("%s: no gaps" % slabel, [], gaps)
            t.check(key.encode() in l7[d], "%s: the key in the transcript"
                    % slabel)
            hits.append((folder, 77, "real-key", None, d, off, cl, sv,
                         hit_ts))
            written[folder] = len(recs)
            tsh.append((slabel, os.path.join(fpath, "session.pcap"),
                        len(recs), "tcp"))
        check_folders(t, label, rcv, folders)
        ev = il.events(os.path.join(rd, "events.json"))
        kh = [(e["key"]["id"], e["key"].get("name"), e["src"], e["sport"],
               e["dst"], e["dport"], e["offset"], os.path.relpath(
                   e["session"], sessions_dir(rcv)))
              for e in ev if e["type"] == "key_hit"]
        hits.sort(key=lambda h: h[8])
        wk = []
        for folder, kid, name, _, d, off, cl, sv, _ in hits:
            src, dst = (cl, sv) if d == 0 else (sv, cl)
            wk.append((kid, name, src[0], src[1], dst[0], dst[1], off,
                       folder))
        t.equal("%s: key_hit events" % label, wk, kh)
        t.equal("%s: session_written events" % label, written, {
            os.path.relpath(e["session"], sessions_dir(rcv)): e["frames"]
            for e in ev if e["type"] == "session_written"})
        t.equal("%s: reports" % label, [(77, h[5]) for h in hits],
                [(r.get("key_id"), r.get("offset")) for r in ctl.accepted()])
    tshark_many(t, tsh)
    return None


# ---------------------------------------------------------------- daemon

def case_daemon(t, args, wd):
    """A running receiver in a namespace, a controller with a token and a
    capture for the pair: the hit on the API, in events_file and POSTed
    to the controller; a session open at SIGTERM written and reported
    before exit; a reload changing the key; reports refused (400) and
    failing (503)."""
    if os.geteuid() != 0:
        return SKIP
    rl.enter_netns([LEAF1])
    ctl_tok = os.path.join(wd, "ctl.token")
    write_token(ctl_tok, CTL_TOKEN)
    ctl = rl.FakeController(port=8008, token=CTL_TOKEN)
    ctl.captures = [rl.capture("c1", CLIENT, SERVER)]
    k1 = {"key": "FIRST-CONFIG-KEY", "name": "first", "id": 7}
    k2 = {"key": "SECOND-CONFIG-KEY", "name": "second", "id": 8}
    more = "controller_token_file: %s" % ctl_tok
    rcv = rl.Receiver(args.bin, wd, ctl.url(), extra=receiver_extra(
        wd, keys_yaml([k1]), more=more))
    rng = random.Random(7)
    fill = lambda n: il.filler(rng, n)   # noqa: E731
    ports = iter(range(46000, 46100))
    sw = None

    def send(frames):
        for fr in frames:
            n = next(seq)
            if fr.dir == 0:
                sw.send(rl.erspan2(fr.data, seq=n))
            else:
                sw.send(rl.erspan3(fr.data, seq=n))

    seq = iter(range(1, 1 << 30))

    def flow():
        tr = il.Trace()
        f = il.Flow(tr, CLIENT, SERVER, next(ports), 80, rng)
        return f

    def events_after(after, wait=5):
        st, body = rcv.json("GET", "/api/v1/events?after=%d&wait=%d" % (
            after, wait), timeout=wait + 5)
        return st, body

    def folder_of(f):
        return glob.glob(os.path.join(sessions_dir(rcv), "*", "*_%s-%d_*" %
                                      (CLIENT, f.port[0])))

    try:
        rcv.start()
        rcv.wait_for(lambda: rcv.status()["controller"]["active_captures"]
                     == 1, "the capture list")
        sw = rl.GreSender(LEAF1)

        # 1. A session with the key.
        f1 = flow()
        f1.handshake()
        f1.send(0, fill(500))
        hit1 = f1.send(0, fill(30) + b"FIRST-CONFIG-KEY" + fill(30))[0]
        f1.send(1, fill(200))
        f1.close()
        off1 = 500 + 30 + 16
        # The long poll waits first; the hit comes while it waits.
        polled = {}
        th = threading.Thread(target=lambda: polled.update(
            r=events_after(0), at=time.time()))
        th.start()
        time.sleep(0.3)
        t0 = time.time()
        send(f1.frames)
        th.join(10)
        st, body = polled.get("r", (0, {}))
        evs = body.get("events", [])
        t.check(st == 200 and evs and evs[0]["type"] == "key_hit",
                "GET /api/v1/events?after=0&wait=5: the key hit: %d %r" % (
                    st, body))
        took = polled.get("at", t0 + 99) - t0
        t.check(0 <= took < 2, "the long poll answered when the hit came "
                "(%.2fs after sending)" % took)
        if evs:
            e = evs[0]
            t.equal("API event", {
                "capture": "c1", "key": {"id": 7, "name": "first",
                                         "text": "FIRST-CONFIG-KEY",
                                         "regex": False},
                "src": CLIENT, "dst": SERVER, "sport": f1.port[0],
                "dport": 80, "proto": 6, "offset": off1},
                {k: e.get(k) for k in ("capture", "key", "src", "dst",
                                       "sport", "dport", "proto",
                                       "offset")})
        rcv.wait_for(lambda: len(ctl.accepted()) == 1, "the report")
        rep = ctl.reports[0]
        t.equal("report: Authorization", "Bearer " + CTL_TOKEN,
                rep["headers"].get("Authorization"))
        t.equal("report: Content-Type", "application/json",
                rep["headers"].get("Content-Type"))
        g = folder_of(f1)
        body = rep["body"] or {}
        t.equal("report body", {
            "type": "key_hit", "capture": "c1", "key_id": 7,
            "key_name": "first", "src": CLIENT, "dst": SERVER,
            "sport": f1.port[0], "dport": 80, "proto": 6, "offset": off1,
            "session": g[0] if g else None}, body)
        rcv.wait_for(lambda: folder_of(f1) and not folder_of(f1)[0]
                     .endswith(".part"), "f1's folder")
        m = rcv.metrics()
        t.equal("metrics after one hit", {"reports_sent_total": 1.0,
                                          "key_hits_total": 1.0,
                                          "reports_total": 1.0,
                                          "sessions_written_total": 1.0},
                {k: metric(m, k) for k in ("reports_sent_total",
                                           "key_hits_total", "reports_total",
                                           "sessions_written_total")})
        g = folder_of(f1)
        if t.equal("f1: one folder", 1, len(g)):
            il.check_session(t, "f1", g[0], f1, f1.recorded(),
                             [(7, "first", "FIRST-CONFIG-KEY", 0, off1,
                               hit1)], capture_id="c1", check_times=False)
        ev = il.events(os.path.join(wd, "events.json"))
        t.equal("events_file: key_hit then session_written",
                ["key_hit", "session_written"], [e["type"] for e in ev])
        if evs and ev:
            t.equal("events_file and the API agree", evs[0], ev[0])

        # 2. A reload to another key: a session begun before it keeps the
        # old keys, one begun after it has the new.
        f2 = flow()
        f2.handshake()
        f2.send(0, fill(100))
        send(f2.frames)
        rcv.wait_for(lambda: metric(rcv.metrics(),
                                    "sessions_created_total") == 2,
                     "f2's session")
        rcv.extra = receiver_extra(wd, keys_yaml([k2]), more=more)
        rcv.write_config()
        rcv.signal(signal.SIGHUP)
        rcv.wait_for(lambda: metric(rcv.metrics(), "reloads_total") == 1,
                     "the reload")
        n2 = len(f2.frames)
        h2 = f2.send(0, fill(10) + b"FIRST-CONFIG-KEY" + b"SECOND-CONFIG-KEY"
                     + fill(10))[0]
        f2.close()
        f3 = flow()
        f3.handshake()
        h3 = f3.send(0, fill(10) + b"FIRST-CONFIG-KEY" + b"SECOND-CONFIG-KEY"
                     + fill(10))[0]
        f3.close()
        send(f2.frames[n2:])
        send(f3.frames)
        rcv.wait_for(lambda: len(ctl.accepted()) == 3, "two more reports")
        rcv.wait_for(lambda: metric(rcv.metrics(),
                                    "sessions_written_total") == 3,
                     "f2 and f3 written")
        acc = ctl.accepted()
        t.equal("reload: the old session hit the old key, the new the new",
                [(7, f2.port[0], 100 + 10 + 16), (8, f3.port[0], 10 + 16 +
                                                  17)],
                [(r["key_id"], r["sport"], r["offset"]) for r in acc[1:]])
        for f, h, k, off in ((f2, h2, k1, 126), (f3, h3, k2, 43)):
            g = folder_of(f)
            if t.equal("reload: folder of %d" % f.port[0], 1, len(g)):
                il.check_session(t, "reload %d" % f.port[0], g[0], f,
                                 f.recorded(), [(k["id"], k["name"],
                                                 k["key"], 0, off, h)],
                                 capture_id="c1", check_times=False)
        m = rcv.metrics()
        t.equal("reload: keys builds", 2.0, metric(m, "keys_builds_total"))

        # 3. The controller refuses a report (400): dropped, not retried.
        ctl.report_status = 400
        f4 = flow()
        f4.handshake()
        f4.send(0, b"SECOND-CONFIG-KEY" + fill(10))
        f4.close()
        send(f4.frames)
        rcv.wait_for(lambda: metric(rcv.metrics(), "reports_dropped_total")
                     == 1, "the refused report dropped")
        time.sleep(1.5)        # a tick or so: nothing is tried again
        m = rcv.metrics()
        t.equal("400: failures, dropped, sent", (1.0, 1.0, 3.0),
                (metric(m, "report_failures_total"),
                 metric(m, "reports_dropped_total"),
                 metric(m, "reports_sent_total")))
        t.equal("400: POSTs of that report", 1,
                len([r for r in ctl.reports if r["status"] == 400]))
        t.equal("400: still alive", 200, rcv.get("/healthz")[0])

        # 4. The controller fails (503): tried 3 times, then given up.
        ctl.report_status = 503
        f5 = flow()
        f5.handshake()
        f5.send(0, b"SECOND-CONFIG-KEY" + fill(10))
        f5.close()
        send(f5.frames)
        rcv.wait_for(lambda: metric(rcv.metrics(), "reports_dropped_total")
                     == 2, "the failing report given up", timeout=15)
        time.sleep(1.5)
        m = rcv.metrics()
        tries = [r for r in ctl.reports if r["status"] == 503]
        t.equal("503: failures, dropped, sent", (4.0, 2.0, 3.0),
                (metric(m, "report_failures_total"),
                 metric(m, "reports_dropped_total"),
                 metric(m, "reports_sent_total")))
        t.equal("503: the same report POSTed 3 times",
                [f5.port[0]] * 3, [r["body"]["sport"] for r in tries])
        t.equal("503: still alive", 200, rcv.get("/healthz")[0])
        t.equal("nothing queued", 0.0, metric(m, "reports_queued"))

        # 5. A controller that closes the connection after each answer
        # without saying so (HTTP/1.0 allows it): every report still goes
        # through at the first try.
        # Reports go with "Connection: close", as polls do: a connection
        # the controller closed is never used again.
        ctl.report_status = 200
        ctl.silent_close = True
        ctl.report_delay = 0.2     # the reports queue behind the first
        fails0 = metric(rcv.metrics(), "report_failures_total")
        sent0 = metric(rcv.metrics(), "reports_sent_total")
        n0 = len(ctl.reports)
        quiet = []
        for _ in range(4):
            f = flow()
            f.handshake()
            f.send(0, b"SECOND-CONFIG-KEY" + fill(10))
            f.close()
            quiet.append(f)
            send(f.frames)
        rcv.wait_for(lambda: metric(rcv.metrics(), "reports_sent_total") ==
                     sent0 + 4, "4 reports to a silently closing "
                     "controller", timeout=15)
        m = rcv.metrics()
        t.equal("silent close: no report failures", fails0,
                metric(m, "report_failures_total"))
        t.equal("silent close: each report POSTed once",
                sorted(f.port[0] for f in quiet),
                sorted(r["body"]["sport"] for r in ctl.reports[n0:]))
        ctl.silent_close = False
        ctl.report_delay = 0.0
        # A fresh connection for what follows: two polls go by.
        polls = ctl.requests
        rcv.wait_for(lambda: ctl.requests >= polls + 2, "two polls")

        # 6. SIGTERM with a session open that hit (its report still on
        # its way: the controller answers slowly), and one whose key lies
        # behind a gap, found only when the stream is flushed.
        ctl.report_status = 200
        ctl.report_delay = 0.5
        n_before = len(ctl.reports)
        hits0 = metric(rcv.metrics(), "key_hits_total")
        ev = il.events(os.path.join(wd, "events.json"))
        last = ev[-1]["seq"] if ev else 0
        f7 = flow()
        f7.handshake()
        f7.seg(0, 0, fill(100))
        k = b"SECOND-CONFIG-KEY"
        d7 = fill(50) + k + fill(83)
        f7.seg(0, 150, d7)     # bytes 100..149 never come
        send(f7.frames)
        f6 = flow()
        f6.handshake()
        f6.send(0, fill(300))
        h6 = f6.send(0, fill(5) + k + fill(5))[0]
        send(f6.frames)
        rcv.wait_for(lambda: metric(rcv.metrics(), "key_hits_total") >=
                     hits0 + 1, "f6's hit")
        m = rcv.metrics()
        t.equal("before SIGTERM: f6 hit, f7 not yet; f6's report on its "
                "way", (hits0 + 1, 1.0),
                (metric(m, "key_hits_total"), metric(m, "reports_queued")))
        t0 = time.time()
        rcv.signal(signal.SIGTERM)
        try:
            rc = rcv.proc.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        t.equal("SIGTERM: exit status", 0, rc)
        t.check(time.time() - t0 < 3, "SIGTERM: out in %.1fs with two "
                "slow reports" % (time.time() - t0))
        log = rcv.log_tail(8000)
        t.check("not sent" not in log, "SIGTERM: every report sent before "
                "exit: %s" % log[-600:])
        late = [r["body"] for r in ctl.reports[n_before:]]
        t.equal("SIGTERM: the reports of f6 and f7 reached the controller",
                sorted([(f6.port[0], 300 + 5 + len(k)),
                        (f7.port[0], 100 + 50 + len(k))]),
                sorted((b["sport"], b["offset"]) for b in late))
        t.check(all(r["status"] == 200 for r in ctl.reports[n_before:]),
                "SIGTERM: answered 200")
        g6, g7 = folder_of(f6), folder_of(f7)
        if t.equal("SIGTERM: f6 folder", 1, len(g6)):
            il.check_session(t, "f6", g6[0], f6, f6.frames,
                             [(8, "second", k.decode(), 0, 300 + 5 + len(k),
                               h6)], ended="shutdown", capture_id="c1",
                             check_times=False)
        if t.equal("SIGTERM: f7 folder", 1, len(g7)):
            js = il.load_json(os.path.join(g7[0], "session.json"))
            t.equal("f7: keys", [(8, 150 + len(k))],
                    [(x["id"], x["offset"]) for x in js.get("keys", [])])
            t.equal("f7: ended, frames", ("shutdown", len(f7.frames)),
                    (js.get("ended"), js.get("pcap_frames")))
            l7, gaps = il.l7_streams(os.path.join(g7[0], "session.L7"))
            t.equal("f7: transcript with its gap",
                    (f7.buf[0][:100] + d7, [("0", 50)]), (l7[0], gaps))
        ev = il.events(os.path.join(wd, "events.json"))
        ends = [e for e in ev if e["seq"] > last]
        t.equal("SIGTERM: events_file", ["key_hit", "key_hit",
                                         "session_written",
                                         "session_written"],
                sorted(e["type"] for e in ends))
    finally:
        rcv.kill()
        ctl.close()
        if sw is not None:
            sw.close()
    return None


CASES = {name[5:]: fn for name, fn in globals().items()
         if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..",
                                                     "shared"))
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    args.workdir = os.path.abspath(args.workdir)
    wd = os.path.join(args.workdir, args.case)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    t = Tally()
    rc = None
    t0 = time.time()
    try:
        rc = CASES[args.case](t, args, wd)
    except (AssertionError, RuntimeError, OSError, ValueError,
            KeyError) as e:
        t.fail("%s: %s" % (type(e).__name__, e))
    if rc == SKIP and t.passed == 0 and t.failed == 0:
        print("skipped (needs root, or the shared captures)")
        return SKIP
    print("%d passed, %d failed (%.1fs)" % (t.passed, t.failed,
                                            time.time() - t0))
    return 1 if t.failed or t.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
