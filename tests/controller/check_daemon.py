#!/usr/bin/python3
"""check_daemon.py - the controller daemon end to end: a real process on
loopback ports, real datagrams (replayed from ../shared/testdata/sflow and
generated with chosen addresses), checked through its REST API, metrics,
events file and exit status.

  check_daemon.py --bin FINDERSCOPE --workdir DIR [--shared DIR] CASE

Cases: check, trigger, replay, garbage, manual, budget, threshold, expiry,
reload, sigterm, token, agents.  Ends with "N passed, N failed".
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "conformance"))

from fs_conformance import Tally, load_tsv   # noqa: E402
from fsdaemon import Daemon, Flows           # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "switchsim"))
from simproc import SwitchSim                 # noqa: E402

LOCAL = "10.1.2.3"
LISTED = "203.0.113.66"          # in 203.0.113.0/24 "c2-servers" of "bad"
ALLOWED = "203.0.113.99"         # also on "ok", the allow list
CLEAN = "192.0.2.200"
DATAGRAM_COLUMNS = ("frame", "frame_len", "udp_src", "udp_sport", "udp_dport",
                    "is_sflow", "version", "agent", "sub_agent", "dgram_seq",
                    "uptime_ms", "num_samples", "n_flow", "n_counter",
                    "n_other", "other_types", "tshark_malformed")


def metric(m, name, **labels):
    return m.get((name, frozenset(labels.items())), None)


def live(d):
    return [c for c in d.captures()
            if c["state"] in ("pending", "installing", "active", "removing")]


# ---------------------------------------------------------------- cases

def case_check(t, args, wd):
    """-n checks, -n -v prints a config that loads again, errors say where."""
    d = Daemon(args.bin, wd)
    r = subprocess.run([args.bin, "controller", "-n", "-c", d.config_path],
                       capture_output=True, text=True)
    t.check(r.returncode == 0, "-n on a good config: %d %s" % (
        r.returncode, r.stderr))
    r = subprocess.run([args.bin, "controller", "-n", "-v", "-c",
                        d.config_path], capture_output=True, text=True)
    t.check(r.returncode == 0 and "sflow_listen" in r.stdout,
            "-n -v prints the config")
    printed = os.path.join(wd, "printed.yaml")
    with open(printed, "w") as f:
        f.write(r.stdout)
    r2 = subprocess.run([args.bin, "controller", "-n", "-v", "-c", printed],
                        capture_output=True, text=True)
    t.check(r2.returncode == 0 and r2.stdout == r.stdout,
            "the print loads again to the same print")
    bad = os.path.join(wd, "bad.yaml")
    with open(bad, "w") as f:
        f.write("controller:\n  sflow_port: 6343\n")
    r = subprocess.run([args.bin, "controller", "-n", "-c", bad],
                       capture_output=True, text=True)
    t.check(r.returncode == 1 and "bad.yaml:2:3: unknown key 'sflow_port'"
            in r.stderr, "an unknown key is an error with file:line:col: " +
            r.stderr)
    example = os.path.join(args.source, "docs", "finderscope.yaml")
    r = subprocess.run([args.bin, "controller", "-n", "-c", example],
                       capture_output=True, text=True)
    t.check(r.returncode == 0, "docs/finderscope.yaml checks: " + r.stderr)


def case_trigger(t, args, wd):
    """A local host talking to a listed address starts one capture."""
    d = Daemon(args.bin, wd).start()
    try:
        f = Flows()
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: len(live(d)) == 1, "a capture")
        c = live(d)[0]
        t.check(c["local"] == LOCAL and c["remote"] == LISTED,
                "the capture's pair: %r" % c)
        t.check(c["state"] == "active", "auto mode: active: %r" % c)
        reason = c.get("reason", {})
        t.check(reason.get("list") == "bad" and
                reason.get("label") == "c2-servers" and
                reason.get("entry") == "203.0.113.0/24",
                "the reason names list, label and entry: %r" % reason)
        t.check(c.get("agent") == "192.0.2.10", "the agent: %r" % c)
        ff = c.get("first_flow", {})
        t.check(ff.get("src") in (LOCAL, LISTED) and
                ff.get("dst_port") in (443, 51514), "first flow key %r" % ff)
        # More samples of the pair, either direction: still one capture.
        d.send([f.pair(LOCAL, LISTED), f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: d.status()["datagrams"] >= 3, "3 datagrams")
        t.check(len(live(d)) == 1, "both directions count as one capture")
        # Allow wins; an unlisted peer and a pair without a local side
        # do not trigger.
        d.send([f.pair(LOCAL, ALLOWED), f.pair(LOCAL, CLEAN),
                f.pair("192.0.2.1", LISTED)])
        d.wait_for(lambda: d.status()["datagrams"] >= 6, "6 datagrams")
        t.check(len(live(d)) == 1, "allow, clean and non-local: no capture")
        # The capture by id, events, metrics, flows, agents, lookup.
        st, one = d.json("GET", "/api/v1/captures/" + c["id"])
        t.check(st == 200 and one.get("id") == c["id"], "GET capture by id")
        st, _ = d.json("GET", "/api/v1/captures/c999999")
        t.check(st == 404, "unknown capture: 404, got %d" % st)
        types = d.event_types()
        t.check("capture_started" in types and "decision" in types,
                "events: %r" % types)
        decisions = [e for e in d.events()["events"]
                     if e["type"] == "decision"]
        t.check(any(e.get("decision") == "start" for e in decisions) and
                any(e.get("decision") == "covered" for e in decisions),
                "decisions start then covered: %r" % [
                    e.get("decision") for e in decisions])
        m = d.metrics()
        t.check(metric(m, "finderscope_sflow_datagrams_total") == 6,
                "datagrams metric")
        st, flows = d.json("GET", "/api/v1/flows?limit=50&by=frames")
        pairs = {(x["src"], x["dst"]) for x in flows.get("flows", [])}
        t.check(st == 200 and (LOCAL, LISTED) in pairs and
                (LISTED, LOCAL) in pairs, "flows: %r" % pairs)
        top = flows["flows"][0]
        t.check(top["frames"] % 1000 == 0 and top["frames"] >= 1000,
                "frames are scaled by the sampling rate: %r" % top)
        st, bad = d.json("GET", "/api/v1/flows?limit=0")
        t.check(st == 400 and "error" in bad, "limit=0 is refused: %d" % st)
        st, ag = d.json("GET", "/api/v1/agents")
        agents = {a["address"]: a for a in ag.get("agents", [])}
        t.check("192.0.2.10" in agents, "the agent is listed: %r" %
                list(agents))
        st, lk = d.json("GET", "/api/v1/lookup?addr=" + LISTED)
        t.check(st == 200 and any(x.get("list") == "bad" for x in
                                  lk.get("matches", [])), "lookup %r" % lk)
        st, lk = d.json("GET", "/api/v1/lookup?addr=not-an-address")
        t.check(st == 400, "lookup of garbage: 400, got %d" % st)
        st, bl = d.json("GET", "/api/v1/blacklists")
        names = {x["name"]: x for x in bl.get("lists", bl.get("blacklists",
                                                              []))}
        t.check(names.get("bad", {}).get("entries") == 2,
                "list entries: %r" % names)
        # The events file holds the same events, one JSON object a line.
        with open(d.events_path) as fh:
            lines = [json.loads(x) for x in fh if x.strip()]
        t.check(lines and lines[-1]["seq"] >= d.events()["events"][-1]["seq"]
                - 5 and any(x["type"] == "capture_started" for x in lines),
                "events file")
    finally:
        rc, took = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def pcap_udp_payloads(path):
    """UDP payloads of a classic pcap (Ethernet, VLAN, Linux SLL, raw IP)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return None
    link = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if link == 1:
            et, p = struct.unpack("!H", frame[12:14])[0], 14
            while et in (0x8100, 0x88a8):
                et, p = struct.unpack("!H", frame[p + 2:p + 4])[0], p + 4
        elif link == 113:
            et, p = struct.unpack("!H", frame[14:16])[0], 16
        elif link in (101, 12):
            et, p = (0x0800 if frame[0] >> 4 == 4 else 0x86dd), 0
        else:
            return None
        if et == 0x0800:
            ihl = (frame[p] & 0xf) * 4
            if frame[p + 9] != 17:
                out.append(None)
                continue
            p += ihl
        elif et == 0x86dd:
            if frame[p + 6] != 17:
                out.append(None)
                continue
            p += 40
        else:
            out.append(None)
            continue
        ulen = struct.unpack("!H", frame[p + 4:p + 6])[0]
        out.append(frame[p + 8:p + max(ulen, 8)])
    return out


def case_replay(t, args, wd):
    """Every third-party capture replayed: per agent, the daemon counts
    exactly the datagrams and samples the oracle lists."""
    sdir = os.path.join(args.shared, "testdata", "sflow")
    if not os.path.isdir(sdir):
        print("SKIP: no %s" % sdir)
        return
    d = Daemon(args.bin, wd, extra_controller="sflow_rcvbuf: 64M").start()
    want = {}
    sent = 0
    try:
        for name in sorted(os.listdir(sdir)):
            if not name.endswith(".pcap"):
                continue
            base = os.path.join(sdir, name[:-5])
            if not os.path.exists(base + ".datagrams.tsv"):
                continue
            payloads = pcap_udp_payloads(os.path.join(sdir, name))
            _, rows = load_tsv(base + ".datagrams.tsv", DATAGRAM_COLUMNS)
            if payloads is None or len(payloads) < len(rows):
                t.fail("%s: cannot read its UDP payloads" % name)
                continue
            batch = []
            for row in rows:
                if row["is_sflow"] != "1" or row["version"] != "5" or \
                        row["tshark_malformed"] != "0":
                    continue
                p = payloads[int(row["frame"]) - 1]
                if p is None:
                    continue
                batch.append(p)
                w = want.setdefault(row["agent"], [0, 0, 0])
                w[0] += 1
                w[1] += int(row["n_flow"])
                w[2] += int(row["n_counter"])
            for i in range(0, len(batch), 50):
                d.send(batch[i:i + 50])
                time.sleep(0.01)
            sent += len(batch)
        d.wait_for(lambda: d.status()["datagrams"] >= sent,
                   "%d datagrams" % sent)
        t.check(d.status()["datagrams"] == sent, "datagrams == sent (%d)" %
                sent)
        st, ag = d.json("GET", "/api/v1/agents")
        got = {}
        for a in ag.get("agents", []):
            subs = a.get("sub_agents", [])
            got[a["address"]] = [
                sum(s.get("datagrams", 0) for s in subs),
                sum(s.get("flow_samples", 0) for s in subs),
                sum(s.get("counter_samples", 0) for s in subs)]
        for agent, w in sorted(want.items()):
            t.check(got.get(agent) == w, "agent %s: datagrams, flow, "
                    "counter samples %r, want %r" % (agent, got.get(agent),
                                                     w))
        t.check(len(want) >= 5, "several agents replayed (%d)" % len(want))
        print("replayed %d datagrams from %d agents" % (sent, len(want)))
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_garbage(t, args, wd):
    """A flood with 30 % garbage: the daemon keeps answering and counts
    every datagram as decoded or as an error."""
    d = Daemon(args.bin, wd, extra_controller="sflow_rcvbuf: 64M").start()
    rng = random.Random(1140)
    f = Flows()
    good = bad = 0
    try:
        payloads = []
        for i in range(20000):
            roll = rng.random()
            if roll < 0.2:
                n = rng.randrange(0, 1400)
                junk = bytes(rng.getrandbits(8) for _ in range(n))
                if junk[:4] == b"\0\0\0\x05":
                    junk = b"\xff" + junk[1:]
                payloads.append(junk)
                bad += 1
            elif roll < 0.3:
                # A real datagram cut short: a truncation, never a crash.
                dg = f.pair(LOCAL, CLEAN)
                payloads.append(dg[:rng.randrange(8, len(dg))])
                bad += 1
            else:
                payloads.append(f.pair("10.9.%d.%d" % (i >> 8 & 255, i & 255),
                                       CLEAN))
                good += 1
        for i in range(0, len(payloads), 200):
            d.send(payloads[i:i + 200])
            t0 = time.time()
            st, _ = d.get("/healthz")
            if st != 200 or time.time() - t0 > 1.0:
                t.fail("the API stalled during the flood")
                break
        total = good + bad
        def settled():
            m = d.metrics()
            got = metric(m, "finderscope_sflow_datagrams_total") or 0
            drops = sum(v for (n, _), v in m.items()
                        if n == "finderscope_listener_kernel_drops_total")
            return got + drops >= total
        d.wait_for(settled, "all datagrams counted")
        s = d.status()
        errors = sum(s.get("decode_errors", {}).values())
        drops = sum(x.get("kernel_drops", 0) for x in s.get("listeners", []))
        t.check(s["datagrams"] + drops == total,
                "datagrams %d + kernel drops %d == sent %d" % (
                    s["datagrams"], drops, total))
        t.check(drops == 0, "no kernel drops with a 64M buffer (%d)" % drops)
        t.check(errors == bad, "decode errors %d == bad datagrams %d: %r" %
                (errors, bad, s.get("decode_errors")))
        st, _ = d.get("/api/v1/flows?limit=5")
        t.check(st == 200, "still answering after the flood")
        print("flood: %d datagrams, %d bad" % (total, bad))
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_manual(t, args, wd):
    """mode: manual: pending, approved, stopped by hand; cooldown after."""
    d = Daemon(args.bin, wd, extra_controller="mode: manual",
               capture="cooldown: 1h").start()
    f = Flows()
    try:
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: len(live(d)) == 1, "a pending capture")
        c = live(d)[0]
        t.check(c["state"] == "pending", "manual: pending: %r" % c)
        st, ap = d.json("POST", "/api/v1/captures/%s/approve" % c["id"])
        t.check(st == 200 and ap.get("state") == "active",
                "approve: %d %r" % (st, ap))
        st, again = d.json("POST", "/api/v1/captures/%s/approve" % c["id"])
        t.check(st == 409, "approving twice: 409, got %d" % st)
        st, dl = d.json("DELETE", "/api/v1/captures/" + c["id"])
        t.check(st == 200 and dl.get("state") == "done", "delete: %d %r" %
                (st, dl))
        t.check(live(d) == [], "nothing live after delete")
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: any(e.get("decision") == "cooldown"
                               for e in d.events()["events"]),
                   "a cooldown decision")
        t.check(live(d) == [], "cooldown: no new capture")
        # By hand: a capture of any pair, validated.
        st, mc = d.json("POST", "/api/v1/captures",
                        {"local": "10.7.7.7", "remote": "192.0.2.77",
                         "duration": "30s"})
        t.check(st == 201 and mc.get("manual") is True, "manual start: "
                "%d %r" % (st, mc))
        st, e = d.json("POST", "/api/v1/captures", {"local": "10.7.7.7"})
        t.check(st == 400 and "error" in e, "missing remote: 400 %r" % e)
        st, e = d.json("POST", "/api/v1/captures", b"{not json")
        t.check(st == 400, "bad JSON: 400, got %d" % st)
        st, e = d.json("POST", "/api/v1/captures",
                       {"local": "10.7.7.7", "remote": "x", "extra": 1})
        t.check(st == 400, "bad members: 400, got %d" % st)
        st, e = d.json("POST", "/api/v1/captures",
                       b"{\"local\":\"" + b"1" * 200000 + b"\"}")
        t.check(st == 413, "body over api_max_body: 413, got %d" % st)
        st, e = d.json("PUT", "/api/v1/captures")
        t.check(st == 405, "wrong method: 405, got %d" % st)
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_budget(t, args, wd):
    """max_active and a switch's max_active bound the captures."""
    sw = ("switches:\n  - name: leaf1\n    agents: [192.0.2.10]\n"
          "    url: http://127.0.0.1:9/acl/\n    max_active: 1\n")
    d = Daemon(args.bin, wd, capture="receiver: 10.0.0.70\nmax_active: 2",
               switches=sw).start()
    try:
        a, b = Flows("192.0.2.10"), Flows("192.0.2.11")
        d.send([a.pair(LOCAL, LISTED)])
        d.wait_for(lambda: len(live(d)) == 1, "the first capture")
        d.send([a.pair("10.1.2.4", LISTED)])
        d.wait_for(lambda: any(e.get("decision") == "switch_budget"
                               for e in d.events()["events"]),
                   "a switch budget decision")
        d.send([b.pair("10.1.2.5", LISTED)])
        d.wait_for(lambda: len(live(d)) == 2, "a capture on another agent")
        d.send([b.pair("10.1.2.6", LISTED)])
        d.wait_for(lambda: any(e.get("decision") == "global_budget"
                               for e in d.events()["events"]),
                   "a global budget decision")
        t.check(len(live(d)) == 2, "never more than max_active")
        m = d.metrics()
        t.check((metric(m, "finderscope_decisions_total",
                        decision="global_budget") or 0) >= 1,
                "decisions by kind in /metrics")
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_threshold(t, args, wd):
    """min_samples: no capture before the third matching sample."""
    d = Daemon(args.bin, wd, capture="min_samples: 3\nwindow: 1m").start()
    f = Flows()
    try:
        d.send([f.datagram([f.sample(LOCAL, LISTED)])])
        d.send([f.datagram([f.sample(LISTED, LOCAL, sport=443,
                                     dport=51514)])])
        d.wait_for(lambda: d.status()["datagrams"] == 2, "2 datagrams")
        t.check(live(d) == [], "2 samples: below the threshold")
        t.check(any(e.get("decision") == "below_threshold"
                    for e in d.events()["events"]), "below_threshold event")
        d.send([f.datagram([f.sample(LOCAL, LISTED)])])
        d.wait_for(lambda: len(live(d)) == 1, "a capture at 3 samples")
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_expiry(t, args, wd):
    """A capture ends after its duration; quiet pairs stay quiet."""
    d = Daemon(args.bin, wd, capture="duration: 2s\nmax_duration: 3s\n"
               "cooldown: 0s").start()
    f = Flows()
    try:
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: len(live(d)) == 1, "a capture")
        cid = live(d)[0]["id"]
        d.wait_for(lambda: live(d) == [], "the capture to expire",
                   timeout=6)
        st, c = d.json("GET", "/api/v1/captures/" + cid)
        t.check(st == 200 and c.get("state") == "done" and
                c.get("why") == "expired", "ended as expired: %r" % c)
        ended = [e for e in d.events()["events"]
                 if e["type"] == "capture_ended"]
        t.check(len(ended) == 1, "one capture_ended event")

        def state_now():
            with open(os.path.join(d.state_dir, "captures.json")) as fh:
                return json.load(fh)
        # The snapshot follows a change by CTL_STATE_DELAY_MS.
        d.wait_for(lambda: state_now().get("captures") == [],
                   "the state file to drop the capture")
        state = state_now()
        t.check(state.get("captures") == [] and state.get("next_seq", 0) >= 2,
                "the state file: %r" % state)
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_reload(t, args, wd):
    """SIGHUP: a broken config keeps the old one; a good one is taken,
    with captures and counters kept."""
    d = Daemon(args.bin, wd).start()
    f = Flows()
    try:
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: len(live(d)) == 1, "a capture")
        good = d.config_text()
        d.write_config(good + "bogus_key: 1\n")
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: "reload_failed" in d.event_types(),
                   "reload_failed")
        t.check(d.proc.poll() is None, "still running after a bad reload")
        t.check(d.get("/healthz")[0] == 200, "still answering")
        # A good change: a new list on the watch group.
        d.lists["more"] = "198.18.0.0/15\n"
        d.groups["watch"] = ["bad", "more"]
        d.write_config()
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: "reloaded" in d.event_types(), "reloaded")
        d.wait_for(lambda: any(x["name"] == "more" and x.get("entries") == 1
                               for x in d.json("GET", "/api/v1/blacklists")
                               [1].get("lists", [])), "the new list")
        t.check(len(live(d)) == 1, "the capture survived the reload")
        t.check(d.status()["datagrams"] == 1, "counters kept")
        d.send([f.pair("10.1.2.9", "198.18.3.4")])
        d.wait_for(lambda: len(live(d)) == 2, "a match on the new list")
        # The rebuilt table still holds the lists it read again.
        d.send([f.pair("10.1.2.10", "198.51.100.7")])
        d.wait_for(lambda: len(live(d)) == 3, "a match on an old list")
        m = d.metrics()
        t.check(metric(m, "finderscope_reloads_total") == 1 and
                metric(m, "finderscope_reload_failures_total") == 1,
                "reload counters")
        # The events file is reopened: rotate it and SIGHUP.
        os.rename(d.events_path, d.events_path + ".1")
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: os.path.exists(d.events_path), "a new events file")
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_sigterm(t, args, wd):
    """SIGTERM: exit 0 within a second, captures ended, state written."""
    d = Daemon(args.bin, wd).start()
    f = Flows()
    d.send([f.pair(LOCAL, LISTED)])
    d.wait_for(lambda: len(live(d)) == 1, "a capture")
    rc, took = d.stop()
    t.check(rc == 0, "exit status 0, got %r" % rc)
    t.check(took < 1.0, "exit within a second (%.3f s)" % took)
    with open(os.path.join(d.state_dir, "captures.json")) as fh:
        state = json.load(fh)
    t.check(state.get("captures") == [], "no live capture left: %r" % state)
    with open(d.events_path) as fh:
        types = [json.loads(x)["type"] for x in fh if x.strip()]
    t.check("capture_ended" in types and types[-1] == "stopped",
            "the events end with the capture's end and 'stopped': %r" %
            types[-4:])
    # A restart continues the ids.
    d2 = Daemon.__new__(Daemon)
    d2.__dict__.update(d.__dict__)
    d2.start()
    try:
        d2.send([f.pair(LOCAL, "198.51.100.7")])
        d2.wait_for(lambda: len(live(d2)) == 1, "a capture after restart")
        t.check(live(d2)[0]["id"] != "c1", "ids are not reused: %s" %
                live(d2)[0]["id"])
    finally:
        rc, _ = d2.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_crash(t, args, wd):
    """SIGKILL, then a restart: the live capture comes back with its id
    and expiry from the state file; new ids continue after it."""
    d = Daemon(args.bin, wd).start()
    f = Flows()
    d.send([f.pair(LOCAL, LISTED)])
    d.wait_for(lambda: len(live(d)) == 1, "a capture")
    before = live(d)[0]
    # The state file is written from the 1 s tick.
    d.wait_for(lambda: json.load(open(os.path.join(
        d.state_dir, "captures.json"))).get("captures"), "the state file")
    d.kill()
    d2 = Daemon.__new__(Daemon)
    d2.__dict__.update(d.__dict__)
    d2.start()
    try:
        back = live(d2)
        t.check(len(back) == 1 and back[0]["id"] == before["id"] and
                back[0]["state"] == "active" and
                back[0].get("expires") == before.get("expires"),
                "the capture is back: %r, was %r" % (back, before))
        d2.send([f.pair(LOCAL, "198.51.100.7")])
        d2.wait_for(lambda: len(live(d2)) == 2, "a second capture")
        ids = sorted(int(c["id"][1:]) for c in live(d2))
        t.check(ids[1] > ids[0], "a new id after the restored one: %r" % ids)
    finally:
        rc, _ = d2.stop()
        t.check(rc == 0, "exit status %r" % rc)


def leaf1(wd, extra=""):
    """A simulated switch "leaf1" (agent 192.0.2.10) with its password
    file: (the simulator, the switches: section naming it)."""
    os.makedirs(wd, exist_ok=True)
    sim = SwitchSim(wd)
    pw = os.path.join(wd, "leaf1.pass")
    with open(pw, "w") as fh:
        fh.write(sim.password + "\n")
    os.chmod(pw, 0o600)
    switches = ("switches:\n  - name: leaf1\n    agents: [192.0.2.10]\n"
                "    url: %s\n    user: %s\n    password_file: %s\n"
                "    erspan_source: 10.0.0.52\n%s" % (sim.url(), sim.user,
                                                       pw, extra))
    return sim, switches


def case_switch(t, args, wd):
    """Rules on a (simulated) Cumulus switch: exactly one PUT with both
    lines, active after it compiled, DELETE at expiry; orphans with our
    prefix removed at start-up, other names left alone; SIGTERM leaves no
    rule of ours behind."""
    sim, switches = leaf1(wd)
    rule = "-A FORWARD --in-interface swp+ -s 10.9.9.9 -d 203.0.113.1 " \
        "-j ERSPAN --src-ip 10.0.0.52 --dst-ip 10.0.0.70"
    sim.put("fscope_c999", ["[iptables]", rule])
    sim.put("other_acl", ["[iptables]", rule])
    d = Daemon(args.bin, wd, capture="receiver: 10.0.0.70\nduration: 3s\n"
               "cooldown: 0s", switches=switches)
    f = Flows()
    try:
        d.wait_for(lambda: "other_acl" in sim.state()["acls"], "the acls")
        d.start()
        d.wait_for(lambda: "fscope_c999" not in sim.state()["acls"],
                   "the orphan to be removed")
        t.check("other_acl" in sim.state()["acls"],
                "a name without our prefix is left alone")
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: any(c["state"] == "active" for c in live(d)),
                   "an active capture")
        cid = live(d)[0]["id"]
        name = "fscope_" + cid
        st = sim.state()
        lines = st["acls"].get(name, [])
        t.check(len(lines) == 3 and lines[0] == "[iptables]",
                "the ACL holds a section and two lines: %r" % lines)
        want = ["-s %s -d %s -j ERSPAN --src-ip 10.0.0.52 --dst-ip "
                "10.0.0.70" % (LOCAL, LISTED),
                "-s %s -d %s -j ERSPAN --src-ip 10.0.0.52 --dst-ip "
                "10.0.0.70" % (LISTED, LOCAL)]
        t.check(all(any(w in ln for ln in lines) for w in want),
                "both directions, rendered from the pair: %r" % lines)
        puts = [r for r in st["requests"] if r["method"] == "PUT" and
                r["path"].endswith("/" + name)]
        t.check(len(puts) == 1, "exactly one PUT: %d" % len(puts))
        t.check(st.get("delete_all", 0) == 0, "never DELETE of everything")
        d.wait_for(lambda: name not in sim.state()["acls"],
                   "the rule to be removed at expiry", timeout=10)
        d.wait_for(lambda: live(d) == [], "the capture to end")
        st, c = d.json("GET", "/api/v1/captures/" + cid)
        t.check(c.get("state") == "done" and c.get("why") == "expired",
                "done, expired: %r" % c)
        types = d.event_types()
        t.check("rule_installed" in types and "rule_removed" in types and
                "capture_removing" in types, "rule events: %r" % types)
        # A reload that puts another switch first renumbers them: the
        # captures of leaf1 still go to leaf1's client.
        d.switches = ("switches:\n  - name: leaf0\n    agents: [192.0.2.99]"
                      "\n    url: http://127.0.0.1:9/acl/\n" +
                      switches[len("switches:\n"):])
        d.write_config()
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: "reloaded" in d.event_types(), "the reload")
        # Two more, then SIGTERM: nothing of ours stays on the switch.
        d.send([f.pair("10.1.2.4", LISTED), f.pair("10.1.2.5", LISTED)])
        d.wait_for(lambda: len([c for c in live(d)
                                if c["state"] == "active"]) == 2,
                   "two active captures")
        rc, took = d.stop(timeout=15)
        t.check(rc == 0, "exit status %r" % rc)
        ours = [n for n in sim.state()["acls"] if n.startswith("fscope_")]
        t.check(ours == [], "no rule of ours after SIGTERM: %r" % ours)
        t.check("other_acl" in sim.state()["acls"], "theirs is still there")
        with open(os.path.join(d.state_dir, "captures.json")) as fh:
            t.check(json.load(fh).get("captures") == [],
                    "the state file holds no capture")
    finally:
        d.kill()
        sim.close()



def case_reverify(t, args, wd):
    """capture.verify_interval: the rules of active captures are read back
    while they run; one the switch lost, or holds with other lines, is
    installed again (rule_reinstalled) and the capture runs on; a switch
    that holds it as it should makes no event."""
    sim, switches = leaf1(wd)
    d = Daemon(args.bin, wd, capture="receiver: 10.0.0.70\nduration: 5m\n"
               "verify_interval: 1s", switches=switches)
    f = Flows()
    try:
        d.start()
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: any(c["state"] == "active" for c in live(d)),
                   "an active capture")
        cid = live(d)[0]["id"]
        name = "fscope_" + cid
        want = sim.state()["acls"][name]
        time.sleep(2.5)         # two rounds with the rule in place
        types = d.event_types()
        t.check("rule_verified" not in types and
                "rule_reinstalled" not in types,
                "a rule in place makes no event: %r" % types)
        gets = [r for r in sim.state()["requests"] if r["method"] == "GET"
                and r["path"].endswith("/" + name)]
        t.check(len(gets) >= 2, "read back while it runs: %d GETs (one "
                "after the install, then about one a second)" % len(gets))
        sim.delete(name)            # the switch rebooted
        d.wait_for(lambda: "rule_reinstalled" in d.event_types(),
                   "the lost rule installed again", timeout=6)
        t.equal("the rule back on the switch", want,
                sim.state()["acls"].get(name))
        sim.put(name, ["[iptables]", "-A FORWARD -s 10.9.9.9 -j DROP"])
        d.wait_for(lambda: d.event_types().count("rule_reinstalled") >= 2
                   and sim.state()["acls"].get(name) == want,
                   "the garbled rule replaced", timeout=8)
        c = [c for c in live(d) if c["id"] == cid]
        t.check(c and c[0]["state"] == "active",
                "the capture runs on: %r" % c)
        rc, _ = d.stop(timeout=15)
        t.check(rc == 0, "exit status %r" % rc)
        t.check(name not in sim.state()["acls"], "no rule after SIGTERM")
    finally:
        d.kill()
        sim.close()


def case_switch_faults(t, args, wd):
    """A compile failure fails the capture with the switch's message; 500s
    are retried; kill -9 with captures active, then a restart: the active
    ones are read back from the switch and kept, a rule lost or changed
    while we were down is installed again, and a rule the state file does
    not hold goes."""
    sim, switches = leaf1(wd, "    max_active: 8\n")
    d = Daemon(args.bin, wd, capture="receiver: 10.0.0.70\nduration: 5m\n"
               "cooldown: 0s", switches=switches)
    f = Flows()

    fault = sim.fault

    try:
        d.start()
        fault(kind="compile_fail")
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: any(c["state"] == "failed" for c in
                               d.captures()), "a failed capture")
        c = [c for c in d.captures() if c["state"] == "failed"][0]
        t.check("rule not installed" in c.get("why", ""),
                "failed with the switch's message: %r" % c.get("why"))
        # What failed is taken off the switch (acl_server keeps a file
        # that does not compile, and every later compile fails on it).
        name = "fscope_" + c["id"]
        deletes = [r for r in sim.state()["requests"]
                   if r["method"] == "DELETE" and r["path"].endswith(
                       "/" + name)]
        t.check(len(deletes) == 1, "one DELETE of the failed %s: %d" % (
            name, len(deletes)))
        t.check("capture_removing" in d.event_types(),
                "the failed capture went through removing")
        # Two 500s, then the switch answers: retried, active.
        fault(kind="status", status=500, count=2)
        d.send([f.pair("10.1.2.4", LISTED)])
        d.wait_for(lambda: any(c["state"] == "active" and
                               c["local"] == "10.1.2.4" for c in live(d)),
                   "active after retries", timeout=15)
        active = [c for c in live(d) if c["local"] == "10.1.2.4"][0]
        # Two more: the switch will lose one and garble the other.
        d.send([f.pair("10.1.2.5", LISTED), f.pair("10.1.2.6", LISTED)])
        d.wait_for(lambda: len([c for c in live(d)
                                if c["state"] == "active"]) == 3,
                   "three active captures")
        by_local = {c["local"]: c for c in live(d)}
        lost = "fscope_" + by_local["10.1.2.5"]["id"]
        garbled = "fscope_" + by_local["10.1.2.6"]["id"]
        # Every transition rewrites the state file at once (the writer
        # thread's fsyncs take milliseconds; the tick is a second away).
        def state_active():
            with open(os.path.join(d.state_dir, "captures.json")) as fh:
                return sorted(c["id"] for c in json.load(fh)["captures"]
                              if c.get("state") == "active")
        d.wait_for(lambda: state_active() == sorted(
            c["id"] for c in by_local.values()),
            "the state file to hold the three", timeout=0.5)
        good = sim.state()["acls"][garbled]
        d.kill()
        # While it is down, someone's stale rule of ours appears, the
        # switch loses one rule (a reboot) and holds other lines for one.
        rule = ("-A FORWARD --in-interface swp+ -s 10.9.9.9 -d 203.0.113.1"
                " -j ERSPAN --src-ip 10.0.0.52 --dst-ip 10.0.0.70")
        sim.put("fscope_c777", ["[iptables]", rule])
        sim.delete(lost)
        sim.put(garbled, ["[iptables]", rule])
        d.wait_for(lambda: "fscope_c777" in sim.state()["acls"], "stale")
        d2 = Daemon.__new__(Daemon)
        d2.__dict__.update(d.__dict__)
        d2.start()
        d2.wait_for(lambda: "fscope_c777" not in sim.state()["acls"],
                    "the stale rule to be removed")
        t.check("fscope_" + active["id"] in sim.state()["acls"],
                "the active capture's rule is kept")
        d2.wait_for(lambda: sim.state()["acls"].get(lost) is not None,
                    "the lost rule to be installed again")
        d2.wait_for(lambda: sim.state()["acls"].get(garbled) == good,
                    "the garbled rule to be put right")
        t.check(sim.state()["acls"][lost][0] == "[iptables]" and
                len(sim.state()["acls"][lost]) == 3,
                "the reinstalled rule: %r" % sim.state()["acls"][lost])
        d2.wait_for(lambda: d2.event_types().count("rule_reinstalled") == 2,
                    "two rule_reinstalled events")
        types = d2.event_types()
        t.check(types.count("rule_verified") == 3,
                "three verified: %r" % types)
        back = [c for c in live(d2) if c["state"] == "active"]
        t.check(len(back) == 3, "the three are back, active: %r" % back)
        rc, _ = d2.stop(timeout=15)
        t.check(rc == 0, "exit status %r" % rc)
        ours = [n for n in sim.state()["acls"] if n.startswith("fscope_")]
        t.check(ours == [], "no rule of ours after SIGTERM: %r" % ours)
    finally:
        d.kill()
        sim.close()



def case_stop_retry(t, args, wd):
    """A removal that failed and waits for its 30 s retry is tried again at
    SIGTERM, so a switch that answers again gets its rule removed; and a
    PUT the switch applied although its answer was lost is deleted when
    the install fails."""
    sim, switches = leaf1(wd, "    retries: 2\n")
    d = Daemon(args.bin, wd, capture="receiver: 10.0.0.70\nduration: 2s\n"
               "cooldown: 0s", switches=switches,
               extra_controller="shutdown_deadline: 10s\n")
    f = Flows()
    try:
        d.start()
        # 1. The PUT is applied, its answer cut three times: failed, and
        # what the switch holds is deleted.
        sim.fault(kind="drop", count=3)
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: any(c["state"] == "failed"
                               for c in d.captures()), "the failed install",
                   timeout=15)
        d.wait_for(lambda: not [n for n in sim.state()["acls"]
                                if n.startswith("fscope_")],
                   "the applied rule of the failed install deleted")
        # 2. Active, then its DELETE answered 503 three times: removing,
        # waiting 30 s; SIGTERM retries at once and the rule goes.
        d.send([f.pair("10.1.2.4", LISTED)])
        d.wait_for(lambda: any(c["state"] == "active" for c in live(d)),
                   "an active capture")
        name = "fscope_" + live(d)[0]["id"]
        sim.fault(kind="status", status=503, count=3)
        d.wait_for(lambda: "trying again in 30 s" in d.log_tail(),
                   "the removal to wait for its retry", timeout=15)
        t.check(name in sim.state()["acls"], "the rule is still on")
        rc, took = d.stop(timeout=15)
        t.equal("exit status", 0, rc)
        t.check(name not in sim.state()["acls"],
                "SIGTERM removed the rule that waited for its retry")
        with open(os.path.join(d.state_dir, "captures.json")) as fh:
            t.equal("captures in the state file", [],
                    json.load(fh).get("captures"))
    finally:
        d.kill()
        sim.close()


def case_shutdown_deadline(t, args, wd):
    """SIGTERM while the switch is slow: the controller waits
    shutdown_deadline for the rules to come off, no longer, and leaves the
    captures in the state file as removing; the next start finishes them.
    A switch that refuses outright does not hold the exit up to the
    deadline."""
    sim, switches = leaf1(wd, "    timeout: 8s\n")
    d = Daemon(args.bin, wd, capture="receiver: 10.0.0.70\nduration: 5m\n"
               "cooldown: 0s", switches=switches,
               extra_controller="shutdown_deadline: 4s\n")
    f = Flows()

    def state_file():
        with open(os.path.join(d.state_dir, "captures.json")) as fh:
            return json.load(fh)["captures"]

    def ours():
        return sorted(n for n in sim.state()["acls"]
                      if n.startswith("fscope_"))
    try:
        d.start()
        d.send([f.pair(LOCAL, LISTED), f.pair("10.1.2.4", LISTED)])
        d.wait_for(lambda: len([c for c in live(d)
                                if c["state"] == "active"]) == 2,
                   "two active captures")
        # Both DELETEs will take 7 s: longer than the deadline.
        sim.fault(kind="delay", delay=7, count=2)
        rc, took = d.stop(timeout=15)
        t.check(rc == 0, "exit status %r" % rc)
        t.check(3.8 <= took <= 6.5, "waited the 4 s deadline: %.2f s" % took)
        left = state_file()
        t.check(sorted(c["state"] for c in left) == ["removing"] * 2,
                "the state file keeps both, removing: %r" % left)
        time.sleep(3.5)		# the slow DELETEs finish on the switch
        d2 = Daemon.__new__(Daemon)
        d2.__dict__.update(d.__dict__)
        d2.start()
        d2.wait_for(lambda: live(d2) == [], "the next start to end them")
        # The snapshot follows a change by CTL_STATE_DELAY_MS.
        d2.wait_for(lambda: state_file() == [], "the state file to empty")
        t.check(ours() == [], "no rule of ours: %r" % ours())

        # Refused outright: the removals fail fast, and so does the exit.
        d2.send([f.pair("10.1.2.5", LISTED)])
        d2.wait_for(lambda: [c for c in live(d2)
                             if c["state"] == "active"], "a capture")
        name = "fscope_" + live(d2)[0]["id"]
        sim.fault(kind="down", delay=3)
        time.sleep(0.3)
        rc, took = d2.stop(timeout=15)
        t.check(rc == 0 and took < 3.5,
                "a refusing switch: exit %r in %.2f s" % (rc, took))
        t.check([c["state"] for c in state_file()] == ["removing"],
                "kept as removing: %r" % state_file())

        def switch_up():
            try:
                return sim.acl("GET", "") == 200
            except OSError:
                return False
        d2.wait_for(switch_up, "the switch to come back", timeout=10)
        t.check(ours() == [name], "its rule is still there: %r" % ours())
        d3 = Daemon.__new__(Daemon)
        d3.__dict__.update(d.__dict__)
        d3.start()
        d3.wait_for(lambda: ours() == [], "the next start to remove it")
        rc, _ = d3.stop(timeout=15)
        t.check(rc == 0, "exit status %r" % rc)
    finally:
        d.kill()
        sim.close()


def case_injection(t, args, wd):
    """Nothing from the network reaches rule text: list lines and labels
    with ';', quotes, spaces, newlines, '-j' or overlong text, and REST
    bodies carrying the same, end as rejected lines, labels in events or
    400s; every line PUT to the switch is rendered from parsed addresses
    and matches the one rule shape exactly."""
    sim, switches = leaf1(wd, "    max_active: 16\n")
    hostile = [
        "203.0.113.5; -j DROP",
        "\"198.51.100.9\" -j ACCEPT",
        "203.0.113.6 --dst-ip 1.2.3.4 -j ACCEPT",
        "-A FORWARD -j DROP",
        "203.0.113.7'",
        "203.0.113.8\r-A INPUT -j DROP",
        "2" * 5000,
        "203.0.113.0/24;reboot",
    ]
    lists = {
        # Emerging Threats labels the entries after a comment: a hostile
        # label travels with the match, never into the rule.
        "bad": "# c2; -j DROP \"x\" --dst-ip 6.6.6.6\n203.0.113.0/24\n" +
               "\n".join(hostile) + "\n",
        "ok": "192.0.2.250\n"}
    d = Daemon(args.bin, wd, lists=lists,
               capture="receiver: 10.0.0.70\nduration: 5m\ncooldown: 0s\n"
               "max_active: 16", switches=switches)
    f = Flows()
    try:
        d.start()
        remotes = ["203.0.113.5", "203.0.113.6", "203.0.113.7",
                   "203.0.113.8", "198.51.100.9"]
        d.send([f.pair("10.1.2.%d" % (i + 10), r)
                for i, r in enumerate(remotes)])
        bodies = [
            {"local": "10.7.7.7; -j DROP", "remote": "192.0.2.77"},
            {"local": "10.7.7.7", "remote": "192.0.2.77 -j ACCEPT"},
            {"local": "10.7.7.7\n-A INPUT", "remote": "192.0.2.77"},
            {"local": "10.7.7.7", "remote": "\"192.0.2.77\""},
            {"local": "10.7.7.7", "remote": "192.0.2.77/24;x"},
            {"local": "10.7.7.7", "remote": "1" * 3000},
            {"local": "10.7.7.7", "remote": "192.0.2.77",
             "duration": "30s; -j DROP"},
        ]
        for b in bodies:
            st, e = d.json("POST", "/api/v1/captures", b)
            t.check(st == 400, "hostile body refused: %r -> %d %r" %
                    (b, st, e))
        bodies.append({"local": "10.7.7.7", "remote": "192.0.2.77",
                       "agent": "192.0.2.10 -j DROP"})
        st, e = d.json("POST", "/api/v1/captures", bodies[-1])
        t.check(st == 400, "hostile agent refused: %d %r" % (st, e))
        st, mc = d.json("POST", "/api/v1/captures",
                        {"local": "10.7.7.7", "remote": "192.0.2.77",
                         "agent": "192.0.2.10"})
        t.check(st == 201, "a clean manual capture: %d %r" % (st, mc))
        # 198.51.100.9 is only on a line that was refused: no capture.
        d.wait_for(lambda: len([c for c in live(d)
                                if c["state"] == "active"]) == 5,
                   "the captures to be active")
        t.check(not [c for c in live(d) if c["remote"] == "198.51.100.9"],
                "a refused list line does not trigger")
        addr = r"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})"
        shape = re.compile(r"^-A FORWARD --in-interface swp\+ -s %s -d %s "
                           r"-j ERSPAN --src-ip 10\.0\.0\.52 --dst-ip "
                           r"10\.0\.0\.70$" % (addr, addr))
        allowed = set(remotes) | {"10.7.7.7", "192.0.2.77"} | \
            {"10.1.2.%d" % (i + 10) for i in range(len(remotes))}
        puts = [r for r in sim.state()["requests"] if r["method"] == "PUT"]
        t.check(len(puts) == 5, "one PUT per capture: %d" % len(puts))
        bad = []
        for r in puts:
            body = r.get("body") or []
            if body[:1] != ["[iptables]"] or len(body) != 3:
                bad.append(body)
                continue
            for line in body[1:]:
                m = shape.match(line)
                if not m or not set(m.groups()) <= allowed:
                    bad.append(line)
        t.check(bad == [], "every rule line has the one shape, from "
                "parsed addresses: %r" % bad[:5])
        blob = json.dumps([r.get("body") for r in puts])
        for needle in (";", "DROP", "ACCEPT", "INPUT", "6.6.6.6", "1.2.3.4",
                       "\\r", "\\n", "'", "\\\""):
            t.check(needle not in blob, "%r never reaches a rule" % needle)
        st, lists_view = d.json("GET", "/api/v1/blacklists")
        t.check(st == 200 and "bad" in json.dumps(lists_view),
                "lists view: %d" % st)
    finally:
        rc, _ = d.stop(timeout=15)
        t.check(rc == 0, "exit status %r" % rc)
        ours = [n for n in sim.state()["acls"] if n.startswith("fscope_")]
        t.check(ours == [], "no rule of ours after SIGTERM: %r" % ours)
        d.kill()
        sim.close()


def case_report(t, args, wd):
    """POST /api/v1/events: a receiver's key hit extends its capture (by
    duration, not past max_duration) and is an event; bad reports are
    400 and change nothing; the bearer token guards it like the rest."""
    os.makedirs(wd, exist_ok=True)
    tok = os.path.join(wd, "api.token")
    with open(tok, "w") as fh:
        fh.write("s3cret-token-for-tests\n")
    os.chmod(tok, 0o600)
    d = Daemon(args.bin, wd, capture="receiver: 10.0.0.70\nduration: 20s\n"
               "max_duration: 1h",
               extra_controller="api_token_file: %s\n" % tok)
    d.token = "s3cret-token-for-tests"
    f = Flows()
    try:
        d.start()
        d.send([f.pair(LOCAL, LISTED)])
        d.wait_for(lambda: len(live(d)) == 1, "a capture")
        c = live(d)[0]
        time.sleep(1.2)
        hit = {"type": "key_hit", "capture": c["id"], "key_id": 1,
               "key_name": "malware", "src": LOCAL, "dst": LISTED,
               "sport": 51514, "dport": 80, "proto": 6,
               "direction": "client_to_server", "offset": 42,
               "session": "/tmp/sessions/2026-11-22/101500_x"}
        st, body = d.json("POST", "/api/v1/events", hit)
        t.check(st == 202 and body.get("extended") is True and
                body.get("known") is True, "extended: %d %r" % (st, body))
        after = [x for x in live(d) if x["id"] == c["id"]][0]
        t.check(after["expires"] > c["expires"], "expires later: %s -> %s"
                % (c["expires"], after["expires"]))
        ev = [e for e in d.events()["events"] if e["type"] == "key_hit"]
        t.check(len(ev) == 1 and ev[0].get("capture") == c["id"] and
                ev[0].get("key_name") == "malware" and
                ev[0].get("extended") is True, "the key_hit event: %r" % ev)
        hit2 = dict(hit, capture="c999")
        st, body = d.json("POST", "/api/v1/events", hit2)
        t.check(st == 202 and body.get("known") is False and
                body.get("extended") is False, "unknown capture: %r" % body)
        for bad in ({"type": "key_hit"}, dict(hit, capture="c1 -j DROP"),
                    dict(hit, session="../etc"), dict(hit, extra=1)):
            st, body = d.json("POST", "/api/v1/events", bad)
            t.check(st == 400 and "error" in body, "refused: %r -> %d" %
                    (bad, st))
        st, _ = d.json("POST", "/api/v1/events", hit, token="wrong")
        t.check(st == 401, "wrong token: %d" % st)
        m = d.metrics()
        t.check(metric(m, "finderscope_reports_total") == 2 and
                metric(m, "finderscope_reports_refused_total") == 4 and
                metric(m, "finderscope_reports_extended_total") == 1,
                "report metrics")
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_token(t, args, wd):
    """A bearer token from a file: required everywhere but /healthz."""
    tok = os.path.join(wd, "api.token")
    os.makedirs(wd, exist_ok=True)
    with open(tok, "w") as fh:
        fh.write("s3cret-token-0123456789\n")
    os.chmod(tok, 0o600)
    d = Daemon(args.bin, wd, extra_controller="api_token_file: " + tok)
    d.start(wait_table=False)
    try:
        st, _ = d.get("/api/v1/status")
        t.check(st == 401, "no token: 401, got %d" % st)
        st, _ = d.get("/api/v1/status", token="wrong-token-0123456789")
        t.check(st == 401, "wrong token: 401, got %d" % st)
        st, _ = d.get("/api/v1/status", token="s3cret-token-0123456789")
        t.check(st == 200, "the token: 200, got %d" % st)
        st, _ = d.get("/metrics")
        t.check(st == 401, "metrics need the token too: %d" % st)
        st, _ = d.get("/healthz")
        t.check(st == 200, "healthz is public: %d" % st)
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


def case_agents(t, args, wd):
    """agent_networks: datagrams from elsewhere are counted and dropped;
    the agent view has sequence accounting and interface counters."""
    d = Daemon(args.bin, wd,
               extra_controller="agent_networks: [127.0.0.2/32]").start()
    f = Flows()
    try:
        d.send([f.pair(LOCAL, LISTED)], source="127.0.0.1")
        d.send([f.pair(LOCAL, LISTED)], source="127.0.0.2")
        d.wait_for(lambda: d.status()["datagrams"] == 2, "2 datagrams")
        s = d.status()
        t.check(s.get("refused") == 1, "one refused: %r" % s.get("refused"))
        # Lost datagrams: skip sequence numbers.
        f.seqr.datagram(f.agent, 0)
        f.seqr.datagram(f.agent, 0)
        d.send([f.pair(LOCAL, CLEAN)], source="127.0.0.2")
        d.wait_for(lambda: d.status()["datagrams"] == 3, "3 datagrams")
        st, ag = d.json("GET", "/api/v1/agents")
        a = {x["address"]: x for x in ag["agents"]}.get("192.0.2.10", {})
        subs = a.get("sub_agents", [{}])
        t.check(subs[0].get("lost") == 2, "two lost datagrams: %r" % subs)
        t.check(1000 in a.get("sampling_rates", []), "sampling rates %r" %
                a.get("sampling_rates"))
    finally:
        rc, _ = d.stop()
        t.check(rc == 0, "exit status %r" % rc)


CASES = {name[5:]: fn for name, fn in globals().items()
         if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--shared", default="")
    ap.add_argument("--source", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    wd = os.path.join(args.workdir, args.case)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    t = Tally()
    try:
        CASES[args.case](t, args, wd)
    except AssertionError as e:
        t.fail(str(e))
    except RuntimeError as e:
        t.fail(str(e))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed or t.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
