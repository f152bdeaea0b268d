#!/usr/bin/python3
"""demo.py - the whole finderscope loop on one machine (`make demo`).

  demo.py --bin FINDERSCOPE --out DIR

Run by scripts/demo.sh inside a network namespace of its own, as root:
nothing here leaves that namespace's loopback.  What runs:

  switch    tests/switchsim/switchsim.py: a Cumulus acl_server that, once a
            rule is installed, mirrors the matching packets of its traffic
            (a pcap) as ERSPAN type II, as the switch's data plane would;
  controller, receiver   `finderscope controller` and `finderscope receiver`
            with the config this script writes to DIR/finderscope.yaml;
  scenario  tests/tools/fsgen/loop.py: an HTTP session from local host
            10.1.2.3 to 203.0.113.66 (on the demo's watch list,
            scripts/demo/watchlist.txt) whose request carries the key
            "malware", and sFlow datagrams sampling that very session.

It prints each step as the daemons report it (their event streams), then
where the files are.  Exit status 0 only when every step happened.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "switchsim"))

from fsgen import loop, pcap    # noqa: E402
from simproc import SwitchSim   # noqa: E402

CTL_API, RCV_API, SFLOW_PORT = 8008, 8009, 6343
DURATION_S = 10                 # short, so the demo sees it expire
STEP_TIMEOUT_S = 30
T0 = time.monotonic()
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def say(tag, text):
    print("[%5.1fs] %-8s %s" % (time.monotonic() - T0, tag, text),
          flush=True)


def http_json(port, path, timeout=5):
    with NO_PROXY.open("http://127.0.0.1:%d%s" % (port, path),
                       timeout=timeout) as r:
        return json.loads(r.read().decode())


class EventStream(threading.Thread):
    """A daemon's GET /api/v1/events/stream, kept as a list of events."""

    def __init__(self, name, port):
        super().__init__(daemon=True)
        self.name, self.port = name, port
        self.events = []
        self.cond = threading.Condition()

    def run(self):
        url = "http://127.0.0.1:%d/api/v1/events/stream" % self.port
        try:
            with NO_PROXY.open(url, timeout=3600) as r:
                for raw in r:
                    line = raw.decode("utf-8", "replace").rstrip("\n")
                    if line.startswith("data: "):
                        with self.cond:
                            self.events.append(json.loads(line[6:]))
                            self.cond.notify_all()
        except (OSError, ValueError):
            pass                # the daemon went away: the demo is ending

    def wait(self, what, pred, timeout=STEP_TIMEOUT_S):
        """The first event pred accepts, waiting for it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("%s: no %s within %d s" % (
                        self.name, what, timeout))
                self.cond.wait(left)


def of_type(t, **kw):
    return lambda e: e.get("type") == t and all(
        e.get(k) == v for k, v in kw.items())


def capture_of(t, cid):
    return lambda e: e.get("type") == t and \
        e.get("capture", {}).get("id") == cid


def write_config(out, sim, password_file, watchlist):
    cfg = os.path.join(out, "finderscope.yaml")
    text = """\
# Written by scripts/demo.py for `make demo`; docs/config.md has every key.
controller:
  sflow_listen: ["127.0.0.1:{sflow}"]
  api_listen: 127.0.0.1:{ctl}
  state_dir: {out}/state
  events_file: {out}/controller-events.json
local_networks: [10.1.0.0/16]
blacklists:
  - name: demo-watchlist
    format: emerging-threats
    file: {watchlist}
groups:
  watch: [demo-watchlist]
capture:
  receiver: 127.0.0.1
  duration: {duration}s
  max_duration: 1m
  cooldown: 1m
switches:
  - name: leaf1
    agents: [{agent}]
    url: {url}
    user: {user}
    password_file: {password_file}
    erspan_source: {agent}
receiver:
  api_listen: 127.0.0.1:{rcv}
  controller_url: http://127.0.0.1:{ctl}
  poll_interval: 1s
  events_file: {out}/receiver-events.json
  archive:
    dir: {out}/archive
    min_free: 0
  keys:
    - key: malware
      name: malware-download
  sessions:
    dir: {out}/sessions
    history: 16M
    timeout: 5s
""".format(sflow=SFLOW_PORT, ctl=CTL_API, rcv=RCV_API, out=out,
           watchlist=watchlist, duration=DURATION_S, agent=loop.AGENT,
           url=sim.url(), user=sim.user, password_file=password_file)
    with open(cfg, "w") as f:
        f.write(text)
    return cfg


def write_scenario(out):
    """DIR/scenario/{traffic,sflow}.pcap; the datagrams to send."""
    d = os.path.join(out, "scenario")
    os.makedirs(d, exist_ok=True)
    ts = 1700000000 * 1000000
    w = pcap.Writer(os.path.join(d, "traffic.pcap"))
    for i, (_, frame) in enumerate(loop.session_frames()):
        w.write(frame, ts + i * 1000)
    w.close()
    grams = loop.datagrams()
    w = pcap.Writer(os.path.join(d, "sflow.pcap"))
    for i, g in enumerate(grams):
        w.write(pcap.sflow_frame(loop.AGENT, g), ts + i * 1000)
    w.close()
    return os.path.join(d, "traffic.pcap"), grams


def start(bin_, role, cfg, out):
    log = open(os.path.join(out, role + ".log"), "ab")
    p = subprocess.Popen([bin_, role, "-d", "-c", cfg],
                         stdout=subprocess.DEVNULL, stderr=log)
    port = CTL_API if role == "controller" else RCV_API
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise RuntimeError("%s exited (%d): see %s/%s.log" % (
                role, p.returncode, out, role))
        try:
            with NO_PROXY.open("http://127.0.0.1:%d/healthz" % port,
                               timeout=1):
                return p
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not come up" % role)


def send_sflow(gram):
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(gram, ("127.0.0.1", SFLOW_PORT))
    s.close()


def run(args, procs, sims):
    out = os.path.abspath(args.out)
    watchlist = os.path.join(ROOT, "scripts", "demo", "watchlist.txt")
    traffic, grams = write_scenario(out)
    sim = SwitchSim(out, extra=["--pcap", traffic], compile_delay=0.2)
    sims.append(sim)
    pw = os.path.join(out, "leaf1.pass")
    with open(pw, "w") as f:
        f.write(sim.password + "\n")
    os.chmod(pw, 0o600)
    cfg = write_config(out, sim, pw, watchlist)
    say("switch", "leaf1 (simulated Cumulus acl_server) on %s" % sim.url())

    procs.append(start(args.bin, "controller", cfg, out))
    ctl = EventStream("controller", CTL_API)
    ctl.start()
    e = ctl.wait("list load", of_type("list_fetch"))
    seq = e["seq"]
    ctl.wait("lookup table", lambda e: e.get("type") == "table_built" and
             e["seq"] > seq)
    say("lists", "%s loaded from %s (%d bytes)" % (
        e["list"], os.path.relpath(watchlist), e["bytes"]))
    procs.append(start(args.bin, "receiver", cfg, out))
    rcv = EventStream("receiver", RCV_API)
    rcv.start()
    say("receiver", "raw GRE socket up; keys: \"malware\"")

    say("sflow", "agent %s samples %s:%d -> %s:%d (SYN)" % (
        loop.AGENT, loop.LOCAL, loop.SPORT, loop.REMOTE, loop.DPORT))
    send_sflow(grams[0])
    e = ctl.wait("capture", of_type("capture_requested"))
    c = e["capture"]
    cid, why = c["id"], c["reason"]
    say("MATCH", "%s <-> %s: list %s line %d, entry %s%s (group %s)" % (
        c["local"], c["remote"], why["list"], why["line"], why["entry"],
        " \"%s\"" % why["label"] if why.get("label") else "",
        why["group"]))
    say("CAPTURE", "%s requested on switch %s" % (cid, c["switch"]))
    e = ctl.wait("rule", of_type("rule_installed"))
    acl = e["acl"]
    lines = sim.state()["acls"].get(acl, [])
    say("RULE", "pushed to leaf1 as %s (%s):" % (acl, e["status"]))
    for ln in lines:
        print(" " * 18 + ln, flush=True)
    e = ctl.wait("capture start", capture_of("capture_started", cid))
    say("CAPTURE", "%s active for %d s" % (cid, DURATION_S))

    # The receiver learns the capture from its next poll (every second).
    deadline = time.monotonic() + 10
    while cid not in [c.get("id") for c in
                      http_json(RCV_API, "/api/v1/captures")["captures"]]:
        if time.monotonic() > deadline:
            raise RuntimeError("the receiver never listed " + cid)
        time.sleep(0.2)
    r = sim.ctl("POST", "/replay", {"pps": 200})
    say("traffic", "%d packets of the session through leaf1; %d matched "
        "its rule and left as ERSPAN II" % (r["packets"], r["matched"]))
    send_sflow(grams[1])
    deadline = time.monotonic() + 10
    filed = 0
    while time.monotonic() < deadline:
        caps = http_json(RCV_API, "/api/v1/captures")["captures"]
        filed = sum(c.get("packets", 0) for c in caps if c.get("id") == cid)
        if filed >= r["matched"]:
            break
        time.sleep(0.2)
    say("ERSPAN", "%d packets from %s decapsulated, filed under %s" % (
        filed, loop.AGENT, cid))
    e = rcv.wait("key hit", of_type("key_hit"))
    say("KEY", "\"%s\" (key %d, %s) in %s:%d -> %s:%d at stream offset "
        "%d" % (e["key"]["text"], e["key"]["id"], e["key"].get("name", ""),
                e["src"], e["sport"], e["dst"], e["dport"], e["offset"]))
    e = ctl.wait("report", of_type("key_hit"))
    say("REPORT", "controller took the hit%s" % (
        "; capture %s extended" % cid if e.get("extended") else ""))
    e = rcv.wait("session", of_type("session_written"))
    session = e["session"]
    say("SESSION", "%d frames written to %s" % (
        e["frames"], os.path.relpath(session)))

    e = ctl.wait("expiry", capture_of("capture_ended", cid),
                 timeout=3 * DURATION_S + 10)
    say("EXPIRED", "%s ended (%s)" % (cid, e["capture"].get("why", "")))
    ctl.wait("rule removal", of_type("rule_removed", acl=acl))
    left = sorted(sim.state()["acls"])
    say("RULE", "%s deleted from leaf1; leaf1 now holds: %s" % (
        acl, ", ".join(left) or "nothing"))
    if acl in left:
        raise RuntimeError("the rule is still on the switch")
    return cid, session


def tshark_count(path, display_filter):
    r = subprocess.run(["tshark", "-n", "-r", path, "-Y", display_filter],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("tshark -r %s: %s" % (path, r.stderr.strip()))
    return len(r.stdout.splitlines())


def check(out, cid, session, acls_after):
    """What the end-to-end test asserts too: [] when all is well."""
    problems = []
    with open(os.path.join(out, "controller-events.json")) as f:
        events = [json.loads(ln) for ln in f]
    started = [e for e in events if e["type"] == "capture_requested"]
    if len(started) != 1:
        problems.append("%d captures, expected 1" % len(started))
    if not any(e["type"] == "key_hit" and e.get("capture") == cid
               for e in events):
        problems.append("no key_hit event for %s at the controller" % cid)
    if any(a.startswith("fscope_") for a in acls_after):
        problems.append("rules left on the switch: %s" % sorted(acls_after))
    frames = loop.session_frames()
    want_out = sum(1 for o, _ in frames if o)
    want_in = len(frames) - want_out
    files = sorted(os.path.join(dp, f)
                   for dp, _, fs in os.walk(os.path.join(out, "archive"))
                   for f in fs if f.endswith(".pcap") and
                   os.path.basename(dp) == cid)
    got_out = sum(tshark_count(f, "ip.src==%s && ip.dst==%s" % (
        loop.LOCAL, loop.REMOTE)) for f in files)
    got_in = sum(tshark_count(f, "ip.src==%s && ip.dst==%s" % (
        loop.REMOTE, loop.LOCAL)) for f in files)
    if (got_out, got_in) != (want_out, want_in):
        problems.append("archive of %s: %d+%d packets of the pair, "
                        "expected %d+%d" % (cid, got_out, got_in, want_out,
                                            want_in))
    n = tshark_count(os.path.join(session, "session.pcap"), "tcp")
    if n != len(frames):
        problems.append("session.pcap: %d packets of %d" % (n, len(frames)))
    with open(os.path.join(session, "session.L7"), "rb") as f:
        if loop.KEY not in f.read():
            problems.append("session.L7 does not show the key")
    return problems


def summary(out, cid, session):
    out = os.path.relpath(out)
    rel = os.path.relpath(session)
    archive = sorted(os.path.relpath(os.path.join(dp, f))
                     for dp, _, fs in os.walk(os.path.join(out, "archive"))
                     for f in fs if f.endswith(".pcap") and cid in dp)
    print("""
== What was written (under {out}/)
  capture archive  {archive}
  session pcap     {rel}/session.pcap
  transcript       {rel}/session.L7
  session facts    {rel}/session.json
  events           {out}/controller-events.json, {out}/receiver-events.json
  config, logs     {out}/finderscope.yaml, {out}/controller.log, {out}/receiver.log

== Open them
  tshark -r {rel}/session.pcap
  tshark -r {rel}/session.pcap -q -z follow,tcp,ascii,0
  less {rel}/session.L7
  wireshark {archive0}
""".format(out=out, archive=", ".join(archive) or "(none)", rel=rel,
           archive0=archive[0] if archive else rel + "/session.pcap"),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", default="demo-out")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    procs, sims = [], []
    ok = False
    try:
        cid, session = run(args, procs, sims)
        ok = True
    except (RuntimeError, OSError, KeyError) as e:
        print("demo: %s" % e, file=sys.stderr, flush=True)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    if not ok:
        for s in sims:
            s.close()
        for role in ("controller", "receiver"):
            path = os.path.join(args.out, role + ".log")
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    tail = f.read()[-1500:]
                print("--- %s (tail)\n%s" % (path, tail), file=sys.stderr)
        return 1
    say("stopped", "controller and receiver exited on SIGTERM")
    acls = sims[0].state()["acls"]      # after SIGTERM
    for s in sims:
        s.close()
    problems = check(args.out, cid, session, acls)
    summary(args.out, cid, session)
    for p in problems:
        print("demo: CHECK FAILED: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
