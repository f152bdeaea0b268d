#!/usr/bin/python3
"""trigger_rule.py - issue 5's benchmark: how long from an sFlow datagram
to the capture's ACL arriving at a Cumulus switch, and how many captures a
second the controller installs on switches that take 5 ms over every
request.  docs/performance.md ("Trigger to rule") says what the figures
mean.

  trigger_rule.py --bin FINDERSCOPE [--captures N] [--switches S]
      [--delay-ms MS] [--gap-ms MS] [--pace-ms MS] [--installs N]
      [--concurrency C] [--workdir DIR]

The real `finderscope controller` (one process, its config written here)
talks to S switch simulators (tests/switchsim/switchsim.py, one process
and one loopback HTTP port each, answering every request after
--delay-ms).  Each switch has its own sFlow agent address; every datagram
holds one flow sample of a new pair (10.x local, 198.18.0.0/15 listed).
Sender and simulators read CLOCK_MONOTONIC (time.monotonic_ns; the
simulator stamps each request on arrival), so latency is measured from
just before send() to the PUT's arrival at the switch.

Phases, in this order, each with a fresh controller and empty switches:
  baseline  Python PUTs the same kind of ACL straight to the switches, one
            at a time on kept-alive connections: client to arrival, the
            floor any client pays (the simulator's own receive path)
  unloaded  one datagram every --gap-ms (each PUT arrives before the next
            datagram leaves; checked)
  loaded    one datagram every --pace-ms
  installs  --installs datagrams as fast as the socket takes them; the
            time until the REST API shows every capture active (PUT, the
            controller's fixed 1 s wait, read-back, lasterror), next to
            the ceiling concurrency x switches / (3 requests x delay) and
            to the best any client could do with the same 1 s wait.  Its
            trigger-to-PUT times are the "burst" latency, shown also over
            the floor the switches' queues set (PUT k of a switch waits
            for k / concurrency requests before it).

Prints tables, then "RESULT" lines for scripts.  Exit status 1 when a
capture is lost (no capture, no PUT on its switch, or not active) or the
controller fails; 2 on bad arguments.  Standard library only (Debian's
/usr/bin/python3).
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import socket
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "controller"))
sys.path.insert(0, os.path.join(ROOT, "tests", "switchsim"))

from fsdaemon import Daemon, Flows      # noqa: E402
from simproc import SwitchSim           # noqa: E402

WATCH = "198.18.0.0/15"
RECEIVER = "10.0.0.70"
ERSPAN_SOURCE = "10.0.0.52"
PREFIX = "fscope_"
# rules/rules.h RULE_DEFAULT_VERIFY_DELAY_MS: an install waits this long
# between its PUT (202, queued) and reading the rule back.  Not in the
# config, so not ours to change; the installs ceiling states it apart.
VERIFY_WAIT_S = 1.0
REQUESTS_PER_INSTALL = 3        # PUT, GET the rule, GET lasterror
PER_SWITCH_MAX = 3000           # the simulator keeps 10,000 requests
MAX_SWITCHES = 200


class Lost(Exception):
    """A capture that did not reach its switch, or the controller failed."""


# ---------------------------------------------------------------- pieces

def pair(phase, k):
    """The k-th (local, remote) pair of a phase: new in every datagram."""
    return ("10.%d.%d.%d" % (phase, (k >> 8) & 255, k & 255),
            "198.%d.%d.%d" % (18 + ((k >> 16) & 1), (k >> 8) & 255,
                              k & 255))


def agent(i):
    return "192.0.2.%d" % (i + 1) if i < 254 else \
        "198.51.100.%d" % (i - 253)


def acl_lines(local, remote):
    """What the controller PUTs for a pair (rules/rule_render.c)."""
    rule = "-A FORWARD --in-interface swp+ -s %s -d %s -j ERSPAN " \
        "--src-ip %s --dst-ip %s"
    return ["[iptables]", rule % (local, remote, ERSPAN_SOURCE, RECEIVER),
            rule % (remote, local, ERSPAN_SOURCE, RECEIVER)]


def percentiles(values_ns):
    """p50, p90, p99 and max in ms (nearest rank)."""
    v = sorted(values_ns)
    if not v:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}

    def rank(p):
        return v[min(len(v) - 1, max(0, -(-len(v) * p // 100) - 1))] / 1e6
    return {"p50": rank(50), "p90": rank(90), "p99": rank(99),
            "max": v[-1] / 1e6}


def cpu_seconds(pid):
    """User + system CPU of a process and all its threads, in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def put_arrivals(sims):
    """{ACL name: (arrival mono_ns of its first PUT, PUTs seen)}."""
    out = {}
    for s in sims:
        for r in s.state()["requests"]:
            if r["method"] != "PUT" or r.get("mono_ns") is None:
                continue
            name = r["path"].rsplit("/", 1)[1]
            first = out.get(name)
            out[name] = (r["mono_ns"], 1) if first is None else \
                (first[0], first[1] + 1)
    return out


def reset(sims):
    for s in sims:
        s.ctl("POST", "/reset")


# ---------------------------------------------------------------- phases

def phase_baseline(sims, n):
    """n PUTs straight to the switches, one at a time: (client send to
    arrival, send to the answer read), in ns."""
    auth = base64.b64encode(("%s:%s" % (sims[0].user, sims[0].password))
                            .encode()).decode()
    headers = {"Content-Type": "application/json",
               "Authorization": "Basic " + auth}
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
             for s in sims]
    sent, rtt = {}, []
    try:
        for k in range(n):
            name = "bench_b%d" % k
            body = json.dumps(acl_lines(*pair(0, k))).encode()
            c = conns[k % len(sims)]
            t0 = time.monotonic_ns()
            c.request("PUT", "/acl/" + name, body, headers)
            r = c.getresponse()
            r.read()
            rtt.append(time.monotonic_ns() - t0)
            if r.status != 202:
                raise Lost("baseline PUT %s: %d" % (name, r.status))
            sent[name] = t0
    finally:
        for c in conns:
            c.close()
    got = put_arrivals(sims)
    missing = [x for x in sent if x not in got]
    if missing:
        raise Lost("baseline: %d PUTs not seen by the switches" %
                   len(missing))
    return [got[x][0] - t for x, t in sent.items()], rtt


class Run:
    """One controller on the switches, for one phase."""

    def __init__(self, args, sims, phase, n):
        self.args, self.sims, self.phase, self.n = args, sims, phase, n
        wd = os.path.join(args.workdir, "phase%d" % phase)
        shutil.rmtree(wd, ignore_errors=True)
        os.makedirs(wd)
        pw = os.path.join(wd, "switch.pass")
        with open(pw, "w") as f:
            f.write(sims[0].password + "\n")
        os.chmod(pw, 0o600)
        per_switch = -(-n // len(sims))
        sw = ["switches:"]
        for i, s in enumerate(sims):
            sw += ["  - name: leaf%d" % (i + 1),
                   "    agents: [%s]" % agent(i),
                   "    url: %s" % s.url(),
                   "    user: %s" % s.user,
                   "    password_file: %s" % pw,
                   "    erspan_source: %s" % ERSPAN_SOURCE,
                   "    max_active: %d" % max(per_switch, 4),
                   "    concurrency: %d" % args.concurrency]
        self.d = Daemon(
            args.bin, wd, lists={"watchlist": WATCH + "\n"},
            groups={"watch": ["watchlist"]}, local="[10.0.0.0/8]",
            extra_controller="sflow_rcvbuf: 32M",
            capture="receiver: %s\nduration: 1h\nmax_duration: 1h\n"
            "cooldown: 0s\nmax_active: %d" % (RECEIVER, max(n, 16)),
            switches="\n".join(sw))
        self.flows = [Flows(agent=agent(i)) for i in range(len(sims))]
        self.pairs = [pair(phase, k) for k in range(n)]
        self.dgrams = []
        for k, (local, remote) in enumerate(self.pairs):
            f = self.flows[k % len(sims)]
            self.dgrams.append(f.datagram([f.sample(local, remote)]))
        self.sent = [0] * n

    def __enter__(self):
        self.d.start()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        return self

    def __exit__(self, *exc):
        self.sock.close()
        self.d.kill()
        reset(self.sims)

    def send(self, gap_ns):
        """Every datagram, one each gap_ns (0: back to back); the
        monotonic time just before each send()."""
        dest = ("127.0.0.1", self.d.sflow_port)
        start = time.monotonic_ns()
        for k, dg in enumerate(self.dgrams):
            if gap_ns:
                wait = start + k * gap_ns - time.monotonic_ns()
                if wait > 0:
                    time.sleep(wait / 1e9)
            self.sent[k] = time.monotonic_ns()
            self.sock.sendto(dg, dest)
        return start

    def wait_active(self, poll_s, timeout_s):
        """Poll the REST API until every capture is active; the monotonic
        time of the poll that saw it (None: failures or timeout)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            c = self.d.status().get("captures", {})
            if c.get("failed", 0) or c.get("refused_full", 0):
                return None
            if c.get("active", 0) >= self.n:
                return time.monotonic_ns()
            time.sleep(poll_s)
        return None

    def latencies(self):
        """Send to PUT arrival (ns) of every capture; raises Lost."""
        caps = {(c["local"], c["remote"]): c for c in self.d.captures()}
        got = put_arrivals(self.sims)
        out, lost, retried = [], [], 0
        for k, p in enumerate(self.pairs):
            c = caps.get(p)
            put = got.get(PREFIX + c["id"]) if c else None
            if c is None or put is None or c["state"] != "active":
                lost.append("%s <-> %s: %s" % (
                    p[0], p[1], "no capture" if c is None else
                    "no PUT" if put is None else c["state"]))
                continue
            retried += put[1] > 1
            out.append(put[0] - self.sent[k])
        if lost:
            raise Lost("%d of %d captures lost, e.g. %s" % (
                len(lost), self.n, lost[0]))
        if min(out) <= 0:
            # One clock on one host: a PUT cannot arrive before its send.
            raise Lost("a PUT arrived %.3f ms before its datagram left: "
                       "the clocks differ" % (-min(out) / 1e6))
        self.retried = retried
        return out

    def stop(self):
        """SIGTERM: exit 0, and none of our rules left on a switch."""
        rc, took = self.d.stop(timeout=60)
        if rc != 0:
            raise Lost("controller exit status %r: %s" % (
                rc, self.d.log_tail(400)))
        left = sum(1 for s in self.sims for name in s.state()["acls"]
                   if name.startswith(PREFIX))
        if left:
            raise Lost("%d rules left on the switches after SIGTERM" % left)
        return took


def phase_latency(args, sims, phase, n, gap_ms):
    with Run(args, sims, phase, n) as run:
        run.send(int(gap_ms * 1e6))
        if run.wait_active(0.1, 30 + 3 * VERIFY_WAIT_S) is None:
            run.latencies()             # names the lost ones
            raise Lost("captures did not all become active: %r" %
                       run.d.status().get("captures"))
        lat = run.latencies()
        # Unloaded means one in flight: each PUT before the next send.
        overlap = sum(1 for k in range(n - 1)
                      if run.sent[k] + lat[k] > run.sent[k + 1])
        run.stop()
        return lat, overlap, run.retried


def phase_installs(args, sims, n):
    with Run(args, sims, 9, n) as run:
        pids = [run.d.proc.pid] + [s.proc.pid for s in sims]
        cpu0 = [cpu_seconds(p) for p in pids]
        t0 = run.send(0)
        work = n * REQUESTS_PER_INSTALL * args.delay_ms / 1e3 / \
            (args.concurrency * len(sims))
        t1 = run.wait_active(0.01, 30 + 10 * (work + VERIFY_WAIT_S))
        cpu1 = [cpu_seconds(p) for p in pids]
        if t1 is None:
            run.latencies()
            raise Lost("captures did not all become active: %r" %
                       run.d.status().get("captures"))
        lat = run.latencies()
        maxconc = max(s.state()["max_concurrent"] for s in sims)
        run.stop()
        return {"seconds": (t1 - t0) / 1e9, "latency": lat,
                "retried": run.retried, "max_concurrent": maxconc,
                "cpu_controller": cpu1[0] - cpu0[0],
                "cpu_switches": sum(cpu1[1:]) - sum(cpu0[1:])}


# ---------------------------------------------------------------- report

def row(label, lat, base):
    p = percentiles(lat)
    base = base or p
    ratio = p["p50"] / base["p50"] if base["p50"] else 0.0
    own = p["p50"] - base["p50"]
    print("%-30s %6d %8.3f %8.3f %8.3f %8.3f %9.2f %9.3f" % (
        label, len(lat), p["p50"], p["p90"], p["p99"], p["max"], ratio,
        own))
    return p


def tenths(lat):
    """p50 (ms) of the first and the last tenth: the first ones meet few
    live captures, the last ones the most."""
    k = max(1, len(lat) // 10)
    return percentiles(lat[:k])["p50"], percentiles(lat[-k:])["p50"]


def result_latency(phase, lat, lost, p, base, extra=""):
    print("RESULT latency phase=%s captures=%d lost=%d p50_ms=%.3f "
          "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f x_baseline_p50=%.2f%s" % (
              phase, len(lat), lost, p["p50"], p["p90"], p["p99"], p["max"],
              p["p50"] / base["p50"] if base["p50"] else 0.0, extra))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="the finderscope binary")
    ap.add_argument("--captures", type=int, default=1000)
    ap.add_argument("--switches", type=int, default=16)
    ap.add_argument("--delay-ms", type=float, default=5.0,
                    help="the switches' time over every request")
    ap.add_argument("--gap-ms", type=float, default=10.0,
                    help="unloaded: one datagram each GAP")
    ap.add_argument("--pace-ms", type=float, default=2.0,
                    help="loaded: one datagram each PACE")
    ap.add_argument("--installs", type=int, default=0,
                    help="captures of the installs phase (default "
                    "--captures)")
    ap.add_argument("--concurrency", type=int, default=2,
                    help="switches[].concurrency (1..64)")
    ap.add_argument("--workdir", help="default: a temporary directory")
    args = ap.parse_args()
    args.installs = args.installs or args.captures
    if not 1 <= args.switches <= MAX_SWITCHES:
        ap.error("--switches: 1..%d" % MAX_SWITCHES)
    if not 1 <= args.captures <= PER_SWITCH_MAX * args.switches or \
            not 1 <= args.installs <= PER_SWITCH_MAX * args.switches or \
            max(args.captures, args.installs) > 65536:
        ap.error("--captures and --installs: 1..%d (and at most 65536)" %
                 (PER_SWITCH_MAX * args.switches))
    if not 0 <= args.delay_ms <= 1000 or args.gap_ms <= 0 or \
            args.pace_ms < 0 or not 1 <= args.concurrency <= 64:
        ap.error("bad --delay-ms, --gap-ms, --pace-ms or --concurrency")
    if not os.access(args.bin, os.X_OK):
        ap.error("%s is not executable" % args.bin)
    scratch = None
    if not args.workdir:
        scratch = args.workdir = tempfile.mkdtemp(prefix="fs-trigger-rule.")
    os.makedirs(args.workdir, exist_ok=True)

    sims = []
    try:
        for i in range(args.switches):
            d = os.path.join(args.workdir, "switch%d" % (i + 1))
            os.makedirs(d, exist_ok=True)
            sims.append(SwitchSim(d, compile_delay=0.05, extra=[
                "--response-delay", str(args.delay_ms / 1e3)]))
        return run_all(args, sims)
    except (Lost, RuntimeError, AssertionError, OSError) as e:
        print("FAILED: %s" % e)
        print("RESULT failed reason=%s" % json.dumps(str(e)))
        return 1
    finally:
        for s in sims:
            s.close()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def run_all(args, sims):
    n, s, c = args.captures, args.switches, args.concurrency
    print("== trigger to rule: %d captures, %d switches answering after "
          "%g ms, concurrency %d" % (n, s, args.delay_ms, c))
    print("%-30s %6s %8s %8s %8s %8s %9s %9s" % (
        "phase", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "x base",
        "+base ms"))
    base_lat, rtt = phase_baseline(sims, n)
    reset(sims)
    base = row("baseline: direct PUT", base_lat, None)
    service_ns = sorted(rtt)[len(rtt) // 2]
    un_lat, overlap, un_retry = phase_latency(args, sims, 1, n, args.gap_ms)
    un = row("unloaded: 1 per %g ms" % args.gap_ms, un_lat, base)
    ld_lat, _, ld_retry = phase_latency(args, sims, 2, n, args.pace_ms)
    ld = row("loaded: 1 per %g ms" % args.pace_ms, ld_lat, base)
    inst = phase_installs(args, sims, args.installs)
    bu = row("burst: %d back to back" % args.installs, inst["latency"],
             base)
    if overlap:
        print("(unloaded: %d PUTs arrived after the next datagram left)" %
              overlap)
    # In a burst the k-th PUT on a switch waits for k / c requests before
    # it: the queue's floor, at the switch's measured time per request
    # (the baseline's round trip), is not the controller's doing.
    floor = [(k // s // c) * service_ns for k in range(args.installs)]
    excess = percentiles([x - f for x, f in zip(inst["latency"], floor)])
    parts = {"unloaded": tenths(un_lat), "loaded": tenths(ld_lat)}
    print("first / last tenth, p50: unloaded %.3f / %.3f ms, loaded "
          "%.3f / %.3f ms (live captures grow to %d)" % (
              parts["unloaded"] + parts["loaded"] + (n,)))
    print("burst: the switches' queues alone (PUT k of a switch waits "
          "k / %d x %.2f ms) account for p50 %.1f ms; over that floor: "
          "p50 %.3f ms, p99 %.3f ms, max %.3f ms" % (
              c, service_ns / 1e6, percentiles(floor)["p50"],
              excess["p50"], excess["p99"], excess["max"]))

    ceiling = c * s / (REQUESTS_PER_INSTALL * args.delay_ms / 1e3) \
        if args.delay_ms else float("inf")
    # With the wait: at best every PUT goes back to back (t1 on each
    # switch), each read-back a second after its PUT, and the read-backs
    # and lasterrors back to back (2 x t1); or, when t1 is longer than
    # the wait, the three stages overlap and only the work counts.
    d = args.delay_ms / 1e3
    t1 = -(-args.installs // s) * d / c
    ceiling_wait = args.installs / max(3 * t1, VERIFY_WAIT_S + 2 * t1 + d)
    rate = args.installs / inst["seconds"]
    print()
    print("== installs: %d captures back to back over %d switches" % (
        args.installs, s))
    print("all active after %.3f s: %.0f installs/s; ceiling %d x %d / "
          "(%d x %g ms) = %.0f/s (x%.2f); with the fixed %.0f s wait "
          "before read-back %.0f/s (x%.2f)" % (
              inst["seconds"], rate, c, s, REQUESTS_PER_INSTALL,
              args.delay_ms, ceiling, rate / ceiling, VERIFY_WAIT_S,
              ceiling_wait, rate / ceiling_wait))
    print("CPU meanwhile: controller %.2f s, the %d simulators %.2f s; "
          "most requests in flight on one switch: %d; a request to a "
          "switch takes %.2f ms (baseline round trip)" % (
              inst["cpu_controller"], s, inst["cpu_switches"],
              inst["max_concurrent"], service_ns / 1e6))
    print()
    result_latency("baseline", base_lat, 0, base, base)
    result_latency("unloaded", un_lat, 0, un, base,
                   " gap_ms=%g overlapping=%d retried=%d first_tenth_p50_ms"
                   "=%.3f last_tenth_p50_ms=%.3f" % (
                       (args.gap_ms, overlap, un_retry) + parts["unloaded"]))
    result_latency("loaded", ld_lat, 0, ld, base,
                   " gap_ms=%g retried=%d first_tenth_p50_ms=%.3f "
                   "last_tenth_p50_ms=%.3f" % (
                       (args.pace_ms, ld_retry) + parts["loaded"]))
    result_latency("burst", inst["latency"], 0, bu, base,
                   " retried=%d switch_ms=%.3f over_queue_p50_ms=%.3f "
                   "over_queue_p99_ms=%.3f over_queue_max_ms=%.3f" % (
                       inst["retried"], service_ns / 1e6, excess["p50"],
                       excess["p99"], excess["max"]))
    print("RESULT installs captures=%d switches=%d concurrency=%d "
          "delay_ms=%g seconds=%.3f installs_per_s=%.1f ceiling_per_s=%.1f "
          "x_ceiling=%.3f ceiling_with_wait_per_s=%.1f x_ceiling_with_wait="
          "%.3f cpu_controller_s=%.2f cpu_switches_s=%.2f" % (
              args.installs, s, c, args.delay_ms, inst["seconds"], rate,
              ceiling, rate / ceiling, ceiling_wait, rate / ceiling_wait,
              inst["cpu_controller"], inst["cpu_switches"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
