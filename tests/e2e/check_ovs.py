#!/usr/bin/python3
"""check_ovs.py - the whole loop with a real Open vSwitch (ctest e2e.ovs).

  check_ovs.py --bin FINDERSCOPE --workdir DIR [--tunnel erspan1|erspan2|gre]

In namespaces of its own (tests/e2e/ovslab.py): OVS in userspace with
hosts h1 10.200.0.1 (local), h2 10.200.0.2 (on the watch list) and h3
10.200.0.3 (local), its sFlow agent sending to the controller, which runs
in the switch's namespace and drives the bridge through the "ovs" backend
(ovs-ofctl on the bridge's management socket); the receiver runs in the
monitor namespace and takes the ERSPAN that OVS sends it.

Asserted: h1 talking to h2 makes exactly one capture; the backend's two
flows are on the bridge while it runs; the capture's archive holds the
pair's packets in both directions (tshark); the key in h1's TCP payload
hits at the receiver and its report reaches the controller; the flows are
gone after the capture expires; a second capture (h3 to h2) is ended by
SIGTERM and its flows are gone too.  Needs root and openvswitch-switch:
exit 77 (skipped) without them.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

import ovslab                          # noqa: E402
from fs_conformance import Tally       # noqa: E402

SKIP = 77
H1, H2, H3 = "10.200.0.1", "10.200.0.2", "10.200.0.3"
KEY = "malware"
COOKIE_OURS = "cookie=0xf5c0000000000000/0xffff000000000000"
TOKEN = "e2e-ovs-token-0123456789abcdef"
TRAFFIC = os.path.join(HERE, "traffic.py")
PY = "/usr/bin/python3"


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def config(wd, lab):
    tok = os.path.join(wd, "api.token")
    write(tok, TOKEN + "\n", 0o600)
    write(os.path.join(wd, "watch.txt"), "%s\n" % H2)
    return """\
controller:
  sflow_listen: ["127.0.0.1:6343"]
  api_listen: {ul_sw}:8008
  api_token_file: {tok}
  state_dir: {wd}/state
  events_file: {wd}/controller-events.json
local_networks: [{h1}/32, {h3}/32]
blacklists:
  - name: watch
    format: plain
    file: {wd}/watch.txt
groups:
  watch: [watch]
capture:
  receiver: {ul_mon}
  duration: 6s
  max_duration: 1m
  cooldown: 5m
switches:
  - name: ovs1
    agents: [{ul_sw}]
    backend: ovs
    url: {mgmt}
    mirror_port: mirror1
    erspan_source: {ul_sw}
receiver:
  api_listen: 127.0.0.1:8009
  controller_url: http://{ul_sw}:8008
  controller_token_file: {tok}
  poll_interval: 1s
  events_file: {wd}/receiver-events.json
  archive:
    dir: {wd}/archive
    min_free: 0
  keys:
    - key: {key}
      name: e2e-key
  sessions:
    dir: {wd}/sessions
    timeout: 3s
""".format(ul_sw=ovslab.UL_SW, ul_mon=ovslab.UL_MON, tok=tok, wd=wd,
           h1=H1, h3=H3, mgmt=lab.mgmt(), key=KEY)


def events(path):
    try:
        with open(path) as f:
            return [json.loads(ln) for ln in f if ln.strip()]
    except (OSError, ValueError):
        return []


def wait_event(path, pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for e in events(path):
            if pred(e):
                return e
        time.sleep(0.1)
    raise RuntimeError("no %s in %s within %d s" % (what, path, timeout))


def captured(cid, state):
    return lambda e: e.get("type") == state and \
        e.get("capture", {}).get("id") == cid


def tshark_count(files, flt):
    n = 0
    for f in files:
        r = subprocess.run(["tshark", "-n", "-r", f, "-Y", flt],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("tshark %s: %s" % (f, r.stderr.strip()))
        n += len(r.stdout.splitlines())
    return n


class Procs:
    """Daemons started in namespaces, stopped in reverse order."""

    def __init__(self, wd):
        self.wd = wd
        self.procs = {}

    def start(self, name, ns, argv):
        log = open(os.path.join(self.wd, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", ns] + argv, stdout=log, stderr=log)
        return self.procs[name]

    def stop(self, name, timeout=15):
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return None if p is None else p.returncode
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    def stop_all(self):
        for name in reversed(list(self.procs)):
            self.stop(name, 5)


def wait_log(path, text, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("%s never said %r" % (path, text))


def run(t, args, wd, lab, procs):
    lab.up()
    if args.tunnel == "gre":
        lab.tunnel_port("mirror1", "gre")
    else:
        lab.tunnel_port("mirror1", "erspan", ver=int(args.tunnel[-1]))
    cfg = os.path.join(wd, "finderscope.yaml")
    write(cfg, config(wd, lab))
    ctl_events = os.path.join(wd, "controller-events.json")
    rcv_events = os.path.join(wd, "receiver-events.json")

    procs.start("controller", lab.sw, [args.bin, "controller", "-d", "-c",
                                       cfg])
    wait_event(ctl_events, lambda e: e["type"] == "table_built" and
               e.get("prefixes", 0) >= 3, "lookup table with the list")
    procs.start("receiver", lab.mon, [args.bin, "receiver", "-d", "-c",
                                      cfg])
    wait_log(os.path.join(wd, "receiver.log"), "receiver started")
    # OVS's sFlow socket is connected: start it once the collector is up.
    lab.sflow("127.0.0.1:6343", sampling=5, polling=30)
    ready = os.path.join(wd, "sink.ready")
    procs.start("sink", lab.host_ns(2), [PY, TRAFFIC, "sink", "--ready",
                                         ready, "--seconds", "120"])
    deadline = time.monotonic() + 10
    while not os.path.exists(ready) and time.monotonic() < deadline:
        time.sleep(0.05)

    # 1. h1 -> h2 is sampled: one capture, two flows on the bridge.
    lab.sh(PY, TRAFFIC, "udp", H2, "200", ns=lab.host_ns(1))
    e = wait_event(ctl_events, lambda e: e["type"] == "capture_started",
                   "capture_started")
    cid = e["capture"]["id"]
    t.equal("pair of the capture", (H1, H2),
            (e["capture"]["local"], e["capture"]["remote"]))
    flows = lab.flows(COOKIE_OURS)
    t.equal("our flows on br0 while %s runs" % cid, 2, len(flows))
    for direction in ("nw_src=%s,nw_dst=%s" % (H1, H2),
                      "nw_src=%s,nw_dst=%s" % (H2, H1)):
        t.check(any(direction in f and "actions=NORMAL,output:" in f
                    for f in flows), "a flow with %s mirroring and "
                "forwarding: %s" % (direction, flows))

    # 2. The receiver learns the capture, then a TCP session with the key.
    wait_log(os.path.join(wd, "receiver.log"), "capture %s: filing" % cid)
    lab.sh(PY, TRAFFIC, "tcp", H2, "20", "GET /%s.exe HTTP/1.1" % KEY,
           ns=lab.host_ns(1))
    hit = wait_event(rcv_events, lambda e: e["type"] == "key_hit",
                     "key_hit at the receiver")
    t.equal("key hit's capture", cid, hit.get("capture"))
    t.equal("key hit's direction", (H1, H2), (hit["src"], hit["dst"]))
    rep = wait_event(ctl_events, lambda e: e["type"] == "key_hit",
                     "the report at the controller")
    t.equal("report's capture", cid, rep.get("capture"))
    sess = wait_event(rcv_events, lambda e: e["type"] == "session_written",
                      "session_written")

    # 3. Expiry: the flows go.
    wait_event(ctl_events, captured(cid, "capture_ended"), "capture_ended",
               timeout=30)
    t.equal("our flows after %s expired" % cid, [], lab.flows(COOKIE_OURS))
    t.equal("foreign flows kept", 1, len(lab.flows()))   # NORMAL, prio 0

    # The receiver closes the capture's file when its poll no longer
    # lists it.
    wait_log(os.path.join(wd, "receiver.log"),
             "capture %s ended: archive closed" % cid)
    files = glob.glob(os.path.join(wd, "archive", "*", cid, "*.pcap"))
    t.check(files, "archive files of %s" % cid)
    fwd = tshark_count(files, "ip.src==%s && ip.dst==%s" % (H1, H2))
    rev = tshark_count(files, "ip.src==%s && ip.dst==%s" % (H2, H1))
    tcp_rev = tshark_count(files, "ip.src==%s && tcp" % H2)
    print("archive of %s: %d packets h1->h2, %d h2->h1 (%d TCP); "
          "session.pcap %s" % (cid, fwd, rev, tcp_rev, sess["session"]))
    t.check(fwd >= 20 and rev >= 3 and tcp_rev >= 3,
            "the pair's packets both ways in the archive: %d h1->h2, "
            "%d h2->h1 (%d TCP)" % (fwd, rev, tcp_rev))
    spcap = os.path.join(sess["session"], "session.pcap")
    n = tshark_count([spcap], "tcp")
    t.check(n >= 20, "session.pcap holds the session: %d TCP packets" % n)
    with open(os.path.join(sess["session"], "session.L7"), "rb") as f:
        t.check(KEY.encode() in f.read(), "session.L7 shows the key")
    started = [e for e in events(ctl_events)
               if e["type"] == "capture_requested"]
    t.equal("captures made", 1, len(started))

    # 4. A second capture, ended by SIGTERM: its flows go too.
    lab.sh(PY, TRAFFIC, "udp", H2, "200", ns=lab.host_ns(3))
    e = wait_event(ctl_events, lambda e: e["type"] == "capture_started" and
                   e["capture"]["local"] == H3, "the second capture")
    t.equal("our flows while the second runs", 2,
            len(lab.flows(COOKIE_OURS)))
    t.equal("controller exit on SIGTERM", 0, procs.stop("controller"))
    t.equal("our flows after SIGTERM", [], lab.flows(COOKIE_OURS))
    t.equal("receiver exit on SIGTERM", 0, procs.stop("receiver"))
    for name in ("controller", "receiver"):
        with open(os.path.join(wd, name + ".log"), errors="replace") as f:
            text = f.read()
        t.check("ERROR: AddressSanitizer" not in text and
                "ERROR: LeakSanitizer" not in text and
                "runtime error:" not in text,
                "%s: no sanitizer report" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--tunnel", default="erspan1",
                    choices=("erspan1", "erspan2", "gre"))
    args = ap.parse_args()
    if os.geteuid() != 0 or ovslab.missing_tools() or \
            shutil.which("tshark") is None:
        print("skipped: needs root, openvswitch-switch and tshark (%s)" %
              ", ".join(ovslab.missing_tools()))
        return SKIP
    wd = os.path.join(args.workdir, "ovs-" + args.tunnel)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    # Short run directory: unix socket paths are limited to 108 bytes.
    lab = ovslab.OvsLab(os.path.join("/tmp", "fse2e-%d" % os.getpid()),
                        prefix="fse%d" % (os.getpid() % 100000),
                        hosts=3)
    procs = Procs(wd)
    t = Tally()
    try:
        run(t, args, wd, lab, procs)
    except (RuntimeError, OSError, KeyError, ValueError,
            subprocess.TimeoutExpired) as e:
        t.fail("%s: %s" % (type(e).__name__, e))
        for name in ("controller", "receiver"):
            path = os.path.join(wd, name + ".log")
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    print("--- %s\n%s" % (path, f.read()[-2000:]))
    finally:
        procs.stop_all()
        lab.down()
        shutil.rmtree(lab.dir, ignore_errors=True)
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed or t.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
