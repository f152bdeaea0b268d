#!/usr/bin/python3
"""check_receiver.py - the receiver daemon end to end: a real `finderscope
receiver` replaying capture files, or on raw sockets and libpcap in a
network namespace of the test's own (unshare(CLONE_NEWNET): nothing leaves
it, nothing is left behind), fed with GRE/ERSPAN built here, told its
captures by a fake controller, checked through its files (tshark, byte
for byte), its API, its live feed and its exit status.

  check_receiver.py --bin FINDERSCOPE --workdir DIR [--shared DIR] CASE

Cases: read, live, flood, sigterm, pcap.  Ends with "N passed, N failed".
The namespace cases need root; without it they exit 77 (skipped).
"""
import argparse
import concurrent.futures
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from fs_conformance import Tally   # noqa: E402
import rcvlib as rl                # noqa: E402

SKIP = 77
LOCAL, REMOTE = "10.1.2.3", "203.0.113.9"      # the captured pair
OTHER_A, OTHER_B = "10.9.9.9", "198.51.100.1"  # a pair of no capture
LEAF1, LEAF2 = "192.0.2.1", "192.0.2.2"        # switches (lo aliases)
TOKEN = "receiver-test-token-0123456789"
CTL_TOKEN = "controller-test-token-0123456789"

SWITCHES = """capture:
  receiver: 127.0.0.1
switches:
  - name: leaf1
    agents: [10.0.0.52]
    url: http://127.0.0.1:1/acl/
    erspan_source: %s""" % LEAF1


def write_token(path, token):
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)


def tshark_all(t, files, what):
    """Every file opens in tshark without a warning (4 at a time)."""
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        results = list(ex.map(rl.tshark_ok, files))
    bad = [(f, said) for f, (ok, said) in zip(files, results) if not ok]
    t.check(not bad, "%s: tshark warns about %d of %d files: %s" % (
        what, len(bad), len(files), bad[:3]))


def records_of(files):
    out = []
    for f in files:
        link, nano, _, recs = rl.read_pcap(f)
        if link != 1 or nano:
            raise AssertionError("%s: link %d nano %r" % (f, link, nano))
        out += recs
    return out


# ---------------------------------------------------------------- read

def decap_records(args, path, wd):
    out = os.path.join(wd, "decap.pcap")
    r = subprocess.run([args.bin, "decap", path, out], capture_output=True,
                       text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("decap %s: %s" % (path, r.stderr))
    recs = rl.read_pcap(out)[3]
    os.unlink(out)
    return recs


def case_read(t, args, wd):
    """--read of the shared captures: every file the receiver writes opens
    in tshark and together they hold exactly what `finderscope decap`
    writes, byte for byte, time stamps and lengths too."""
    td = os.path.join(args.shared, "testdata")
    inputs = []
    for sub in ("erspan", "gre", "ovs"):
        inputs += sorted(glob.glob(os.path.join(td, sub, "*.pcap")))
    if not inputs:
        print("no shared captures in %s: nothing to replay" % td)
        return SKIP
    ctl = rl.FakeController()
    try:
        files_all = []
        total = 0
        for n, path in enumerate(inputs):
            name = os.path.basename(path)[:-5]
            rd = os.path.join(wd, "%02d" % n)
            rcv = rl.Receiver(args.bin, rd, ctl.url())
            rc, err = rcv.read(path)
            t.check(rc == 0, "%s: --read exits 0, got %d: %s" % (
                name, rc, err[-500:]))
            t.check(not rl.archive_files(rcv.archive, ".part"),
                    "%s: no .part file left" % name)
            files = rl.archive_files(rcv.archive)
            got = sorted(records_of(files))
            want = sorted(decap_records(args, path, rd))
            t.equal("%s: frames archived" % name, len(want), len(got))
            t.check(got == want, "%s: the archive holds the frames decap "
                    "writes, byte for byte" % name)
            files_all += files
            total += len(got)
        t.check(total > 50, "replayed a fair number of frames: %d" % total)
        tshark_all(t, files_all, "replayed archives")

        # With the controller naming a capture, its pair is filed under it.
        path = os.path.join(td, "erspan", "tcpdump-erspan-type-ii-1.pcap")
        if os.path.exists(path):
            ctl.captures = [rl.capture("c1", "224.0.0.13", "10.48.6.1")]
            rd = os.path.join(wd, "assigned")
            rcv = rl.Receiver(args.bin, rd, ctl.url())
            rc, err = rcv.read(path)
            t.check(rc == 0, "assigned replay exits 0: " + err[-300:])
            c1 = glob.glob(os.path.join(rcv.archive, "*", "c1", "*.pcap"))
            t.equal("files of capture c1", 1, len(c1))
            t.check(not glob.glob(os.path.join(rcv.archive, "*",
                                               "unassigned-*")),
                    "nothing unassigned when the pair is captured")
            with open(os.path.join(os.path.dirname(c1[0]),
                                   "index.json")) as f:
                index = json.load(f)
            t.equal("c1 index packets", 1, index.get("packets"))

        # -n checks, -n -v prints a config that loads to the same print.
        rcv = rl.Receiver(args.bin, os.path.join(wd, "check"), ctl.url(),
                          extra="unassigned: drop\nuse_erspan_time: true")
        r = subprocess.run([args.bin, "receiver", "-n", "-v", "-c",
                            rcv.config_path], capture_output=True, text=True)
        t.check(r.returncode == 0 and "unassigned: drop" in r.stdout and
                "use_erspan_time: true" in r.stdout, "-n -v prints the "
                "receiver's keys: %s" % r.stderr)
        printed = os.path.join(wd, "check", "printed.yaml")
        with open(printed, "w") as f:
            f.write(r.stdout)
        r2 = subprocess.run([args.bin, "receiver", "-n", "-v", "-c",
                             printed], capture_output=True, text=True)
        t.check(r2.returncode == 0 and r2.stdout == r.stdout,
                "the print loads again to the same print")
        # The receiver polls over plain HTTP only, and says so.
        rcv = rl.Receiver(args.bin, os.path.join(wd, "https"),
                          "https://127.0.0.1:8008")
        rc, err = rcv.read(path)
        t.check(rc == 1 and "http://" in err, "an https controller_url is "
                "refused at start: %d %s" % (rc, err))

        # A file that is not a capture: exit 1, nothing written.
        bad = os.path.join(wd, "bad.pcap")
        with open(bad, "wb") as f:
            f.write(b"not a pcap file at all")
        rcv = rl.Receiver(args.bin, os.path.join(wd, "bad"), ctl.url())
        rc, err = rcv.read(bad)
        t.check(rc == 1 and "bad.pcap" in err,
                "an unreadable file: exit 1 with its name: %d %s" % (rc, err))
    finally:
        ctl.close()
    return None


# ---------------------------------------------------------------- live

def frame_a(i, reverse=False, size=100):
    src, dst = (REMOTE, LOCAL) if reverse else (LOCAL, REMOTE)
    return rl.ether(rl.inner_ip(src, dst, b"A%07d" % i, size))


def send_phase1(sw1, sw2, stamp_of):
    """The captured pair four ways from leaf1, another pair from leaf1,
    the captured pair from leaf2: what each should become."""
    want_c1, n_other, n_wrong = [], 0, 0
    seq = 1
    for i in range(40):
        f = frame_a(4 * i)
        sw1.send(rl.erspan2(f, seq=seq))
        want_c1.append(f)
        f = frame_a(4 * i + 1, reverse=True)
        sw1.send(rl.erspan3(f, seq=seq, timestamp=stamp_of(i), gra=0))
        want_c1.append(f)
        f = frame_a(4 * i + 2)
        sw1.send(rl.teb(f, key=5))
        want_c1.append(f)
        ip = rl.inner_ip(REMOTE, LOCAL, b"A%07d" % (4 * i + 3), 100)
        sw1.send(rl.gre_ip(ip))
        # The receiver gives a bare IP frame the header decap makes.
        want_c1.append(b"\0" * 12 + b"\x08\x00" + ip)
        seq += 1
        if i % 2 == 0:
            sw1.send(rl.erspan2(rl.ether(rl.inner_ip(
                OTHER_A, OTHER_B, b"B%07d" % i, 50)), seq=seq))
            n_other += 1
        if i % 4 == 0:
            sw2.send(rl.erspan1(frame_a(1000 + i)))
            n_wrong += 1
    return want_c1, n_other, n_wrong


def case_live(t, args, wd):
    """Raw sockets in a namespace, a fake controller with one capture:
    filing by pair and switch, rotation, index, tshark, the live feed and
    its filters, tokens, a capture that ends, a slow client cut off, a
    reload that changes the archive, a clean stop."""
    if os.geteuid() != 0:
        return SKIP
    rl.enter_netns([LEAF1, LEAF2])
    ctl_tok = os.path.join(wd, "ctl.token")
    api_tok = os.path.join(wd, "api.token")
    write_token(ctl_tok, CTL_TOKEN)
    write_token(api_tok, TOKEN)
    ctl = rl.FakeController(port=8008, token=CTL_TOKEN)
    ctl.captures = [rl.capture("c1", LOCAL, REMOTE, switch="leaf1"),
                    rl.capture("c0", "10.5.5.5", "10.6.6.6", state="done")]
    extra = ("use_erspan_time: true\ncontroller_token_file: %s\n"
             "api_token_file: %s\nrcvbuf: 16M" % (ctl_tok, api_tok))
    rcv = rl.Receiver(args.bin, wd, ctl.url(), extra=extra,
                      archive_extra="rotate_size: 2K", top=SWITCHES,
                      token=TOKEN)
    sw1 = sw2 = None
    try:
        rcv.start()
        rcv.wait_for(lambda: rcv.status()["controller"]["active_captures"]
                     == 1, "the capture list")
        t.check(ctl.last_headers.get("Authorization") ==
                "Bearer " + CTL_TOKEN, "the poll sends the controller's "
                "token")
        t.equal("unauthorized polls", 0, ctl.unauthorized)
        # Tokens: the API wants ours; /healthz does not.
        t.equal("status without the token", 401,
                rcv.get("/api/v1/status", token="")[0])
        t.equal("/live.pcap without the token", 401,
                rcv.get("/live.pcap", token="")[0])
        t.equal("/healthz without the token", 200,
                rcv.get("/healthz", token="")[0])
        bad = rl.LiveClient(8009, "?filter=this+is+not+bpf", TOKEN)
        t.check(bad.status == 400 and b"filter" in bad.body,
                "a bad filter: 400 %d %r" % (bad.status, bad.body))
        bad = rl.LiveClient(8009, "?capture=../x", TOKEN)
        t.equal("a bad capture id", 400, bad.status)

        live_c1 = rl.LiveClient(8009, "?capture=c1", TOKEN)
        live_f = rl.LiveClient(8009, "?filter=udp+and+host+" + REMOTE,
                               TOKEN)
        t.check(live_c1.status == 200 and live_c1.headers.get(
            "Content-Type") == "application/vnd.tcpdump.pcap",
            "live feed: 200 pcap %d %r" % (live_c1.status,
                                           live_c1.headers))
        rcv.wait_for(lambda: rcv.status()["live"]["clients"] == 2,
                     "two live clients")

        now = time.time()
        stamp_time = now - 30     # the switch says: 30 s ago

        def stamp_of(i):
            return int((stamp_time + i) * 10000) & 0xFFFFFFFF

        sw1, sw2 = rl.GreSender(LEAF1), rl.GreSender(LEAF2)
        want_c1, n_other, n_wrong = send_phase1(sw1, sw2, stamp_of)
        total = len(want_c1) + n_other + n_wrong
        rcv.wait_for(lambda: rcv.status()["totals"]["packets"] >= total,
                     "%d packets" % total)
        st = rcv.status()
        tot = st["totals"]
        t.equal("assigned", len(want_c1), tot["assigned"])
        t.equal("unassigned", n_other + n_wrong, tot["unassigned"])
        t.equal("wrong switch", n_wrong, tot["wrong_switch"])
        t.equal("dropped", 0, tot["dropped"])
        t.equal("ERSPAN III timed by the switch", 40, tot["erspan_time"])
        t.equal("encap", {"erspan-i": n_wrong, "erspan-ii": 40 + n_other,
                          "erspan-iii": 40, "gre-teb": 40, "gre-ip": 40},
                tot["encap"])
        t.check(not rl.adds_up(st), "counters add up: %s" % rl.adds_up(st))
        t.equal("kernel drops", 0, st["input"]["kernel_drops"])

        caps = rcv.captures()
        c1 = caps.get("c1", {})
        t.check(c1.get("state") == "active" and c1.get("packets") ==
                len(want_c1) and c1.get("files", 0) >= 2,
                "GET /api/v1/captures: c1 active with its packets: %r" % c1)
        t.check("c0" not in caps, "a done capture is not filed by")
        for sw in (LEAF1, LEAF2):
            uid = "unassigned-" + sw.replace(".", "_")
            t.check(caps.get(uid, {}).get("state") == "unassigned",
                    "%s listed" % uid)

        # The live feed: c1's packets in order, the filter's too.
        rcv.wait_for(lambda: len(live_c1.records()[1]) >= len(want_c1),
                     "the live feed of c1")
        ok, recs, _ = live_c1.records()
        t.check(ok, "the live stream starts with a pcap header")
        t.check([r[4] for r in recs] == want_c1,
                "live c1: exactly its frames, in order")
        rcv.wait_for(lambda: len(live_f.records()[1]) >=
                     len(want_c1) + n_wrong, "the filtered feed")
        t.equal("filtered live feed: the pair from both switches",
                len(want_c1) + n_wrong, len(live_f.records()[1]))

        # A controller that fails: the captures stay as they were.
        fails = rcv.status()["controller"]["failures"]
        ctl.status = 503
        rcv.wait_for(lambda: rcv.status()["controller"]["failures"] >
                     fails, "a failed poll")
        cst = rcv.status()["controller"]
        t.check(cst["active_captures"] == 1 and "503" in (
            cst["last_error"] or ""), "a failed poll keeps c1: %r" % cst)
        ctl.status = 200
        rcv.wait_for(lambda: rcv.status()["controller"]["last_error"] is
                     None, "a good poll again")

        # The capture ends: its archive is closed and indexed.
        ctl.captures = [rl.capture("c1", LOCAL, REMOTE, state="done",
                                   switch="leaf1")]
        rcv.wait_for(lambda: rcv.status()["controller"]["ended"] == 1,
                     "c1 to end")
        c1dir = glob.glob(os.path.join(rcv.archive, "*", "c1"))
        t.equal("one folder for c1", 1, len(c1dir))
        t.check(not rl.archive_files(c1dir[0], ".part"),
                "c1 has no .part file once ended")
        files = rl.archive_files(c1dir[0])
        t.check(len(files) >= 5, "rotation at 2K: %d files" % len(files))
        recs = records_of(files)
        t.check([r[4] for r in recs] == want_c1,
                "c1's files: exactly its frames, in order")
        t.check(all(os.path.getsize(f) <= 2048 for f in files),
                "every file within the rotation size")
        # ERSPAN III frames carry the switch's time, the others ours.
        e3 = [r for i, r in enumerate(recs) if i % 4 == 1]
        t.check(all(abs(r[0] + r[1] / 1e6 - (stamp_time + i)) < 0.001
                    for i, r in enumerate(e3)),
                "ERSPAN III packets timed by their time stamp")
        t.check(all(abs(r[0] - now) < 20 for i, r in enumerate(recs)
                    if i % 4 != 1), "the others by the receive time")
        with open(os.path.join(c1dir[0], "index.json")) as f:
            index = json.load(f)
        t.equal("index packets", len(want_c1), index.get("packets"))
        t.equal("index files", len(files), len(index.get("files", [])))
        t.check(sorted(x["name"] for x in index["files"]) ==
                [os.path.basename(x) for x in files],
                "the index names the files")
        c1 = rcv.captures().get("c1", {})
        t.check(c1.get("state") == "ended" and not c1.get("open"),
                "c1 ended, nothing open: %r" % c1)
        tshark_all(t, files, "c1")

        # A reload: a bigger rotation on the same folder.
        rcv.archive_extra = "rotate_size: 64M"
        rcv.write_config()
        rcv.signal(signal.SIGHUP)
        rcv.wait_for(lambda: rcv.metrics().get(
            ("finderscope_receiver_reloads_total", frozenset())) == 1,
            "the reload")
        t.check(rcv.proc.poll() is None, "alive after the reload")

        # A client that never reads is cut off; a reading one is not.
        fast = rl.LiveClient(8009, "", TOKEN)
        slow = rl.SlowClient(8009, "", TOKEN)
        rcv.wait_for(lambda: rcv.status()["live"]["clients"] >= 3,
                     "the slow client")
        big = rl.erspan2(rl.ether(rl.inner_ip(OTHER_A, OTHER_B, b"BIG",
                                              60000)))
        sent = 0
        for _ in range(20):
            for _ in range(50):
                sw1.send(big)
                sent += 1
            time.sleep(0.05)
            if rcv.status()["live"]["cut"] >= 1:
                break
        st = rcv.status()
        t.check(st["live"]["cut"] == 1, "the slow client was cut off "
                "(%d big packets): %r" % (sent, st["live"]))
        t.check(not fast.ended, "the reading client stays")
        m = rcv.metrics()
        t.equal("live_cut_total", 1.0,
                m.get(("finderscope_receiver_live_cut_total", frozenset())))
        t.check(not rl.adds_up(st), "counters add up: %s" % rl.adds_up(st))
        slow.close()

        # A pushed list is taken like a polled one; a broken one is not.
        st, body = rcv.json("PUT", "/api/v1/captures", {"captures": [
            rl.capture("c7", "10.7.7.7", "10.8.8.8"),
            rl.capture("c8", "10.7.7.7", "10.8.8.8"),
            rl.capture("c9", "10.7.7.9", "10.8.8.8", state="pending")]})
        t.check(st == 200 and body.get("taken") == 1 and
                body.get("refused") == 1 and body.get("inactive") == 1,
                "PUT /api/v1/captures: %d %r" % (st, body))
        st, body = rcv.json("PUT", "/api/v1/captures", b"{\"captures\":")
        t.check(st == 400 and "error" in body, "a broken push: 400 %r" %
                body)
        t.equal("pushes counted", 1.0, rcv.metrics().get((
            "finderscope_receiver_pushes_total", frozenset())))

        rc, took = rcv.stop()
        t.check(rc == 0 and took < 1.0, "SIGTERM: exit 0 within a second "
                "(%d, %.2fs)" % (rc, took))
        t.check(fast.thread.join(5) is None and fast.ended,
                "the live stream ends with the receiver")
        t.check(not rl.archive_files(rcv.archive, ".part"),
                "no .part file after SIGTERM")
        tshark_all(t, rl.archive_files(rcv.archive), "all files")
    finally:
        rcv.kill()
        ctl.close()
        for s in (sw1, sw2):
            if s is not None:
                s.close()
    return None


# ---------------------------------------------------------------- flood

def case_flood(t, args, wd):
    """Random bytes at the raw sockets (IPv4 and IPv6): the receiver keeps
    running, files what is valid in between, and its counters add up."""
    if os.geteuid() != 0:
        return SKIP
    rl.enter_netns([LEAF1])
    ctl = rl.FakeController(port=8008)
    ctl.captures = [rl.capture("c1", LOCAL, REMOTE)]
    rcv = rl.Receiver(args.bin, wd, ctl.url(),
                      extra="ipv6: true\nunassigned: drop")
    rng = random.Random(6)
    s4 = s6 = None
    try:
        rcv.start()
        rcv.wait_for(lambda: rcv.status()["controller"]["active_captures"]
                     == 1, "the capture list")
        s4 = rl.GreSender(LEAF1)
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, rl.IPPROTO_GRE)
        valid = 0
        sent = 0
        gre_heads = [b"\x00\x00\x88\xbe", b"\x10\x00\x88\xbe",
                     b"\x00\x00\x22\xeb", b"\x00\x00\x65\x58",
                     b"\x00\x00\x08\x00", b"\x00\x00\x86\xdd",
                     b"\x80\x00\x88\xbe", b"\x00\x01\x88\x0b"]
        for i in range(6000):
            n = rng.choice((0, 1, 3, 4, 8, 12, 20, 64, 200, 1400))
            body = bytes(rng.getrandbits(8) for _ in range(n))
            if i % 3 == 0:
                # Plausible GRE heads make the decoder go deeper.
                body = rng.choice(gre_heads) + body
            if i % 5 == 0:
                s6.sendto(body, ("::1", 0))
            else:
                s4.send(body)
            sent += 1
            if i % 500 == 0:
                s4.send(rl.erspan2(frame_a(i)))
                valid += 1
                sent += 1
        # A loaded machine may fill the socket buffer: those are counted.
        rcv.wait_for(lambda: rcv.status()["totals"]["packets"] +
                     rcv.status()["input"]["kernel_drops"] >= sent,
                     "%d packets" % sent, timeout=20)
        st = rcv.status()
        tot = st["totals"]
        t.equal("packets read or dropped by the kernel", sent,
                tot["packets"] + st["input"]["kernel_drops"])
        sent = tot["packets"]
        t.check(not rl.adds_up(st), "counters add up: %s" % rl.adds_up(st))
        t.check(tot["assigned"] >= valid or st["input"]["kernel_drops"],
                "the valid packets in the flood were filed: %d of %d" % (
                    tot["assigned"], valid))
        t.check(tot["unassigned"] == 0 and tot["dropped"] ==
                tot["decap"]["ok"] - tot["assigned"],
                "unassigned: drop drops what no capture takes: %r" % tot)
        errors = sum(v for k, v in tot["decap"].items() if k != "ok")
        t.check(errors > sent // 2, "most of the flood counted as "
                "malformed by reason: %r" % tot["decap"])
        t.check(len([v for v in tot["decap"].values() if v]) >= 4,
                "several reasons seen: %r" % tot["decap"])
        t.equal("healthz after the flood", 200, rcv.get("/healthz")[0])
        m = rcv.metrics()
        dsum = sum(v for (name, _), v in m.items()
                   if name == "finderscope_receiver_decap_total")
        t.equal("metrics: decap results sum to packets", float(sent), dsum)
        t.equal("metrics: packets_total", float(sent), m.get((
            "finderscope_receiver_packets_total", frozenset())))
        rc, took = rcv.stop()
        t.check(rc == 0, "exit 0 after the flood: %d" % rc)
        t.check(not glob.glob(os.path.join(rcv.archive, "*",
                                           "unassigned-*")),
                "nothing archived as unassigned")
        tshark_all(t, rl.archive_files(rcv.archive), "flood archive")
    finally:
        rcv.kill()
        ctl.close()
        for s in (s4, s6):
            if s is not None:
                s.close()
    return None


# ---------------------------------------------------------------- sigterm

def case_sigterm(t, args, wd):
    """Files open in several captures: SIGTERM closes them all at once."""
    if os.geteuid() != 0:
        return SKIP
    rl.enter_netns([LEAF1, LEAF2])
    ctl = rl.FakeController(port=8008)
    ctl.captures = [rl.capture("c%d" % i, "10.1.2.%d" % i, REMOTE)
                    for i in range(1, 6)]
    rcv = rl.Receiver(args.bin, wd, ctl.url(), extra="ipv6: true",
                      archive_extra="nanosecond: true")
    sw = None
    try:
        rcv.start()
        rcv.wait_for(lambda: rcv.status()["controller"]["active_captures"]
                     == 5, "the capture list")
        sw = rl.GreSender(LEAF1)
        n = 0
        for k in range(30):
            for i in range(1, 6):
                sw.send(rl.erspan2(rl.ether(rl.inner_ip(
                    "10.1.2.%d" % i, REMOTE, b"S%d" % k, 40))))
                n += 1
            sw.send(rl.teb(rl.ether(rl.inner_ip(OTHER_A, OTHER_B, b"x",
                                                10))))
            n += 1
        # An IPv6 switch: its unassigned id spells the address with _.
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, rl.IPPROTO_GRE)
        s6.sendto(rl.teb(rl.ether(rl.inner_ip(OTHER_A, OTHER_B, b"6", 10))),
                  ("::1", 0))
        s6.close()
        n += 1
        rcv.wait_for(lambda: rcv.status()["totals"]["packets"] >= n,
                     "%d packets" % n)
        t.check("unassigned-__1" in rcv.captures(), "IPv6 switch ::1 "
                "files under unassigned-__1")
        parts = rl.archive_files(rcv.archive, ".part")
        t.equal("files open before SIGTERM", 7, len(parts))
        # The live feed's cap: 32 clients, then 503.
        clients = [rl.LiveClient(8009, "?capture=c1") for _ in range(32)]
        t.check(all(c.status == 200 for c in clients), "32 live clients")
        extra = rl.LiveClient(8009)
        t.check(extra.status == 503 and b"too many" in extra.body,
                "the 33rd: 503 %d %r" % (extra.status, extra.body))
        t.equal("refused counted", 1, rcv.status()["live"]["refused"])
        rc, took = rcv.stop()
        for c in clients:
            c.thread.join(5)
        t.check(all(c.ended and c.records()[0] for c in clients),
                "SIGTERM ends every live stream after its header")
        t.equal("exit status", 0, rc)
        t.check(took < 1.0, "stopped within a second: %.2fs" % took)
        t.check(not rl.archive_files(rcv.archive, ".part"),
                "no .part file left")
        files = rl.archive_files(rcv.archive)
        t.equal("closed files", 7, len(files))
        tshark_all(t, files, "after SIGTERM")
        total = 0
        for f in files:
            link, nano, _, recs = rl.read_pcap(f)
            t.check(nano, "%s: nanosecond pcap as configured" % f)
            total += len(recs)
            with open(os.path.join(os.path.dirname(f), "index.json")) as x:
                idx = json.load(x)
            t.check(idx.get("packets") == len(recs) and
                    idx.get("precision") == "nano",
                    "%s: index matches" % f)
        t.equal("every packet on disk", n, total)
        log = rcv.log_tail()
        t.check("SIGTERM: shutting down" in log, "the log says why")
    finally:
        rcv.kill()
        ctl.close()
        if sw is not None:
            sw.close()
    return None


# ---------------------------------------------------------------- pcap

def case_pcap(t, args, wd):
    """libpcap on lo with the drop-all raw socket: packets are filed and
    the kernel sends no ICMP protocol-unreachable (it does without)."""
    if os.geteuid() != 0:
        return SKIP
    rl.enter_netns([LEAF1])
    ctl = rl.FakeController(port=8008)
    ctl.captures = [rl.capture("c1", LOCAL, REMOTE)]
    tx = rl.IpSender()
    rcv = rl.Receiver(args.bin, wd, ctl.url(),
                      extra="input: pcap\ninterface: lo")
    try:
        # Without a GRE socket the kernel answers with ICMP.
        before = rl.snmp("Icmp", "OutDestUnreachs")
        for i in range(5):
            tx.send_gre(LEAF1, "127.0.0.1", rl.erspan2(frame_a(i)), i + 1)
        time.sleep(0.2)
        unreach = rl.snmp("Icmp", "OutDestUnreachs") - before
        t.check(unreach >= 5, "control: the kernel answers GRE with "
                "protocol-unreachable when nothing listens (%d)" % unreach)

        rcv.start()
        rcv.wait_for(lambda: rcv.status()["controller"]["active_captures"]
                     == 1, "the capture list")
        st = rcv.status()
        t.equal("input kind", "pcap", st["input"]["kind"])
        t.check(st["input"].get("sockets") and
                all(s["drop_all"] for s in st["input"]["sockets"]),
                "a drop-all socket beside libpcap: %r" % st["input"])
        before = rl.snmp("Icmp", "OutDestUnreachs")
        n = 200
        # libpcap's ring holds a frame per MTU of lo (64K) and sees each
        # packet on lo twice: bursts of 25, as a switch's would be paced.
        for i in range(n):
            tx.send_gre(LEAF1, "127.0.0.1", rl.erspan2(frame_a(i)), i + 1)
            if i % 25 == 24:
                time.sleep(0.01)
        tx.send_gre(LEAF1, "127.0.0.1", b"\x00\x00", 999)   # malformed
        try:
            rcv.wait_for(lambda: rcv.status()["totals"]["packets"] >=
                         n + 1, "%d packets" % (n + 1))
        except AssertionError:
            print(json.dumps(rcv.status(), indent=1))
            raise
        time.sleep(0.2)
        t.equal("ICMP protocol-unreachable sent", 0,
                rl.snmp("Icmp", "OutDestUnreachs") - before)
        st = rcv.status()
        tot = st["totals"]
        t.equal("assigned through libpcap", n, tot["assigned"])
        # Two bytes of GRE where the IP length says so: "bad-length".
        t.equal("the malformed one, by reason", 1,
                tot["decap"]["bad-length"])
        t.equal("nothing lost in libpcap's ring", 0,
                st["input"]["kernel_drops"])
        t.check(not rl.adds_up(st), "counters add up: %s" % rl.adds_up(st))
        t.check(all(s["packets"] == 0 for s in st["input"]["sockets"]),
                "the drop-all socket reads nothing")
        rc, _ = rcv.stop()
        t.equal("exit status", 0, rc)
        files = rl.archive_files(rcv.archive)
        recs = records_of([f for f in files if "/c1/" in f])
        t.equal("c1 on disk", n, len(recs))
        t.check([r[4] for r in recs] == [frame_a(i) for i in range(n)],
                "c1's frames byte for byte, in order")
        tshark_all(t, files, "pcap input")
    finally:
        rcv.kill()
        ctl.close()
        tx.close()
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
    wd = os.path.join(args.workdir, args.case)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    t = Tally()
    rc = None
    try:
        rc = CASES[args.case](t, args, wd)
    except (AssertionError, RuntimeError, OSError, ValueError) as e:
        t.fail("%s: %s" % (type(e).__name__, e))
    if rc == SKIP and t.passed == 0 and t.failed == 0:
        print("skipped (needs root, or the shared captures)")
        return SKIP
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed or t.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
