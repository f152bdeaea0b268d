#!/usr/bin/python3
"""soak.py - finderscope under sustained load with faults (`make soak`).

  soak.py --bin FINDERSCOPE --workdir DIR [--seconds 600] [--sample 10]
          [--switches 3] [--seed N] [--smoke]

One controller with simulated Cumulus switches (tests/switchsim) and, as
root, a receiver, all in a network namespace of the script's own
(unshare(CLONE_NEWNET); nothing leaves its loopback, nothing is left
behind).  For the whole run: sFlow as fast as the controller takes it
(valid datagrams over many addresses, matching and not, and garbage),
captures starting, hitting their budget and ending, captures by hand,
switch faults of every kind, list changes and reloads; the switches
mirror the live captures' traffic to the receiver as ERSPAN, beside GRE
garbage and live-feed clients.  Every --sample seconds it prints the
daemons' RSS and open descriptors.

At the end it checks: RSS and descriptors flat after the warm-up (the
first 20 %): the highest of the last half within the tolerance of the
first sample after warm-up; SIGTERM, and both daemons exit 0; no
sanitizer report in their stderr; no rule of ours left on any switch;
the controller's state file holds no capture.  Then a summary, and
"N passed, N failed"; exit status 0 only when all passed.

--smoke (the ctest soak.smoke, ~20 s) runs all of it but does not judge
flatness: a few samples over seconds say nothing about leaks.  Without
root there is no namespace, receiver or data plane: the controller-only
soak runs, and says so.  See README.md in this folder.
"""
import argparse
import collections
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
for sub in ("controller", "switchsim", "receiver", "conformance"):
    sys.path.insert(0, os.path.join(HERE, "..", sub))
sys.path.insert(0, HERE)

from fs_conformance import Tally       # noqa: E402
from fsdaemon import Daemon, free_port  # noqa: E402
from simproc import SwitchSim          # noqa: E402
import rcvlib as rl                    # noqa: E402
import soakgen as gen                  # noqa: E402
import soakload as load                # noqa: E402

PREFIX = "fscope_"
SHORT = {"controller": "ctl", "receiver": "rcv"}
SANITIZER = ("ERROR: LeakSanitizer", "ERROR: AddressSanitizer",
             "runtime error:")
# Under ASan, freed memory waits in a quarantine (256 MiB by default)
# before it is reused: RSS would climb for minutes for no fault of the
# code.  A small quarantine keeps use-after-free detection and lets RSS
# settle within the warm-up.
ASAN_DEFAULTS = (("detect_leaks", "1"), ("quarantine_size_mb", "16"),
                 ("abort_on_error", "1"))
UBSAN_DEFAULTS = (("print_stacktrace", "1"), ("halt_on_error", "1"))


def sanitizer_env():
    for var, defaults in (("ASAN_OPTIONS", ASAN_DEFAULTS),
                          ("UBSAN_OPTIONS", UBSAN_DEFAULTS)):
        opts = [o for o in os.environ.get(var, "").split(":") if o]
        have = {o.split("=", 1)[0] for o in opts}
        opts += ["%s=%s" % kv for kv in defaults if kv[0] not in have]
        os.environ[var] = ":".join(opts)


class SoakDaemon(Daemon):
    """fsdaemon's controller with its file lists read again every minute
    (the soak rewrites the watch list under it)."""

    def config_text(self):
        return re.sub(r"(\n    file: [^\n]*)", r"\1\n    refresh: 1m",
                      super().config_text())


# ---------------------------------------------------------------- set-up

def agent_of(i):
    return "192.0.2.%d" % (11 + i)


def start_switches(args, wd, netns):
    """The simulators, their password files and pcaps, and the
    `switches:` text naming them."""
    sims, pcaps, text = [], [], ["switches:"]
    for i in range(args.switches):
        d = os.path.join(wd, "leaf%d" % (i + 1))
        os.makedirs(d)
        path = os.path.join(d, "traffic.pcap")
        gen.write_replay_pcap(path, gen.new_rng(i), [], noise=1)
        extra = ["--pcap", path] if netns else []
        sim = SwitchSim(d, compile_delay=0.1, extra=extra,
                        python=sys.executable)
        sims.append(sim)
        pcaps.append(path)
        pw = os.path.join(d, "password")
        with open(pw, "w") as f:
            f.write(sim.password + "\n")
        os.chmod(pw, 0o600)
        text += ["  - name: leaf%d" % (i + 1),
                 "    agents: [%s]" % agent_of(i),
                 "    url: %s" % sim.url(),
                 "    user: %s" % sim.user,
                 "    password_file: %s" % pw,
                 "    erspan_source: %s" % agent_of(i),
                 "    max_active: 2",
                 "    timeout: 2s",
                 "    retries: 2"]
    return sims, pcaps, "\n".join(text) + "\n"


CAPTURE = """receiver: 127.0.0.1
duration: 3s
max_duration: %ds
cooldown: 2s
max_active: 5
min_samples: 1
window: 10s"""

RECEIVER = """rcvbuf: 16M
events_file: %s/events.json
keys:
  - key: malware
    name: malware
  - key: "|de ad be ef|"
regex:
  - 'evil[0-9]{2}'
sessions:
  dir: %s/sessions
  history: 4M
  timeout: 2s
  max_sessions: 4096
  max_open: 64"""

MAX_DURATION_S = 8


def start_controller(args, wd, watch, switches):
    d = SoakDaemon(args.bin, os.path.join(wd, "controller"),
                   lists={"watch": watch.text(), "allow": gen.allow_text()},
                   groups={"watch": ["watch"], "allow": ["allow"]},
                   extra_controller="sflow_rcvbuf: 16M\nmax_flows: 20000\n"
                   "shutdown_deadline: 15s",
                   capture=CAPTURE % MAX_DURATION_S, switches=switches)
    d.formats = {"watch": "emerging-threats"}
    d.write_config()
    d.start()
    return d


def start_receiver(args, wd, ctl, switches):
    rd = os.path.join(wd, "receiver")
    r = rl.Receiver(args.bin, rd, "http://127.0.0.1:%d" % ctl.api_port,
                    extra=RECEIVER % (rd, rd),
                    archive_extra="rotate_size: 256K\nquota: 16M",
                    top="capture:\n  receiver: 127.0.0.1\n" + switches,
                    api_port=free_port())
    return r.start()


# ---------------------------------------------------------------- figures

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def fd_kinds(pid, wd):
    """Open descriptors by kind: socket, pipe, anon_inode, or where the
    file is (its first two folders below the soak's directory)."""
    out = collections.Counter()
    base = "/proc/%d/fd" % pid
    for fd in os.listdir(base):
        try:
            target = os.readlink(os.path.join(base, fd))
        except OSError:
            continue
        if target.startswith(wd + "/"):
            target = "/".join(os.path.relpath(target, wd).split("/")[:2])
        elif target.startswith("/"):
            target = os.path.dirname(target)
        else:
            target = target.split("[", 1)[0].rstrip(":")
        out[target] += 1
    return dict(out)


class Samples:
    """The table of samples, printed as it grows.  Descriptors are counted
    every half second and each sample keeps the fewest and the most since
    the one before: files of live captures and requests in flight come
    and go, while a leak raises the floor for good."""

    def __init__(self, daemons):
        self.daemons = daemons          # [(label, Daemon or Receiver)]
        self.rows = []
        self.window = {}
        self.last = (0.0, 0, 0)
        head = "%7s %8s %6s %10s" % ("t (s)", "sent/s", "drop%", "sent")
        for label, _ in daemons:
            head += " %9s %9s" % (SHORT[label] + " MiB", SHORT[label] +
                                  " fds")
        head += " %8s %5s %7s" % ("captures", "live", "faults")
        print(head + "\n" + " " * 8 + "(sent/s, drop%: since the last "
              "sample; fds: least/most since the last sample)", flush=True)

    def tick(self):
        for label, d in self.daemons:
            n = fd_count(d.proc.pid)
            lo, hi = self.window.get(label, (n, n))
            self.window[label] = (min(lo, n), max(hi, n))

    def take(self, t, sender, governor, faults, ctl):
        self.tick()
        row = {"t": t}
        for label, d in self.daemons:
            lo, hi = self.window.pop(label)
            row[label] = (rss_kib(d.proc.pid), lo, hi)
        try:
            caps = ctl.status().get("captures", {})
            created, live = caps.get("created", 0), caps.get("live", 0)
        except load.API_ERRORS:
            created = live = -1
        t0, sent0, drops0 = self.last
        sent, drops = sender.total(), governor.drops
        self.last = (t, sent, drops)
        if t - t0 < 0.5:
            line = "%7.0f %8s %6s %10d" % (t, "-", "-", sent)
        else:
            line = "%7.0f %8.0f %6.1f %10d" % (
                t, (sent - sent0) / (t - t0),
                100.0 * (drops - drops0) / max(sent - sent0, 1), sent)
        for label, _ in self.daemons:
            rss, lo, hi = row[label]
            line += " %9.1f %9s" % (rss / 1024.0, "%d/%d" % (lo, hi))
        line += " %8d %5d %7d" % (created, live, faults.total())
        print(line, flush=True)
        self.rows.append(row)


def judge(t, samples, label, duration, args, enforce):
    """RSS and descriptors flat after warm-up; prints the figures."""
    rows = samples.rows
    warm = [r for r in rows if r["t"] >= 0.2 * duration] or rows[-1:]
    half = [r for r in rows if r["t"] >= 0.5 * duration] or rows[-1:]
    base_rss, base_fds, _ = warm[0][label]
    peak_rss = max(r[label][0] for r in half)
    peak_fds = max(r[label][1] for r in half)
    rss_limit = base_rss + max(base_rss * args.rss_pct / 100.0,
                               args.rss_mib * 1024)
    # The controller keeps up to `concurrency` (2) connections to each
    # switch alive; faults close them and the next request opens them
    # again, so they come and go even at the floor.
    fd_limit = base_fds + args.fds + \
        (2 * args.switches if label == "controller" else 0)
    first_rss, first_fds, _ = rows[0][label]
    end_rss, end_fds, _ = rows[-1][label]
    print("  %-10s RSS %.1f -> %.1f MiB (first %.1f; after warm-up %.1f "
          "at %.0f s; last-half max %.1f, limit %.1f)" % (
              label, first_rss / 1024.0, end_rss / 1024.0, first_rss /
              1024.0, base_rss / 1024.0, warm[0]["t"], peak_rss / 1024.0,
              rss_limit / 1024.0))
    print("  %-10s fds (the floor) %d -> %d (after warm-up %d; last-half "
          "max %d, limit %d; most seen %d)" % (
              label, first_fds, end_fds, base_fds, peak_fds, fd_limit,
              max(r[label][2] for r in rows)))
    if not enforce:
        return
    t.check(peak_rss <= rss_limit, "%s: RSS grew: %.1f MiB after warm-up, "
            "%.1f MiB in the last half (limit %.1f)" % (
                label, base_rss / 1024.0, peak_rss / 1024.0,
                rss_limit / 1024.0))
    t.check(peak_fds <= fd_limit, "%s: descriptors grew: floor %d after "
            "warm-up, "
            "%d in the last half (limit %d)" % (label, base_fds, peak_fds,
                                                fd_limit))


# ---------------------------------------------------------------- the end

def drain_faults(sim, timeout=30):
    """Let the switch's queued faults run out and its API come back up,
    making requests of our own when nothing else does, so that the
    shutdown's DELETEs meet a healthy switch: a fault then would test
    the deadline, not the removal."""
    deadline = time.monotonic() + timeout
    put = False
    while time.monotonic() < deadline:
        faults = sim.state()["faults"]
        try:
            up = sim.acl("GET", "") == 200
        except (OSError, http.client.HTTPException):
            up = False
        if up and not faults:
            break
        if faults and all(f["kind"] == "compile_fail" for f in faults):
            try:
                sim.put("soak_drain", ["[iptables]",
                                       "-A FORWARD -s 10.0.0.1 -j ACCEPT"])
                put = True
            except (OSError, http.client.HTTPException):
                pass
        time.sleep(0.2)
    if put:
        try:
            sim.delete("soak_drain")
        except (OSError, http.client.HTTPException):
            pass
    return not sim.state()["faults"]


def make_live(ctl, pool, want=2, timeout=15):
    """Matching datagrams until `want` captures are active (their rules
    on the switches), so that the shutdown has rules to remove."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    deadline = time.monotonic() + timeout
    active = 0
    try:
        while time.monotonic() < deadline:
            active = len([c for c in ctl.captures()
                          if c.get("state") == "active"])
            if active >= want:
                break
            for _ in range(20):
                ai = pool.rng.randrange(len(pool.agents) - 1)
                a = pool.agents[ai]
                s.sendto(gen.with_seq(pool.valid("match", ai), a.seq),
                         ("127.0.0.1", ctl.sflow_port))
                a.seq += 1
            time.sleep(0.3)
    finally:
        s.close()
    return active


def sanitizer_reports(path):
    """The lines of sanitizer reports in a daemon's stderr."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return []
    out = []
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        if any(s in ln for s in SANITIZER):
            out.append("\n".join(lines[i:i + 40]))
    return out


def event_counts(path):
    counts = collections.Counter()
    manual = 0
    try:
        with open(path) as f:
            for ln in f:
                try:
                    e = json.loads(ln)
                except ValueError:
                    counts["(unparsable line)"] += 1
                    continue
                counts[e.get("type")] += 1
                if e.get("type") == "capture_requested" and \
                        e.get("capture", {}).get("manual"):
                    manual += 1
    except OSError:
        pass
    return counts, manual


def metric(m, name, **labels):
    return m.get((name, frozenset(labels.items())), 0)


# ---------------------------------------------------------------- run

def run(args, t):
    wd = os.path.abspath(args.workdir)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    sanitizer_env()
    netns = False
    if args.no_netns:
        print("soak: --no-netns: the controller-only soak")
    elif os.geteuid() != 0:
        print("soak: not root: the controller-only soak (no network "
              "namespace, so no receiver, data plane or GRE); run as root "
              "for all of it")
    else:
        try:
            rl.enter_netns([agent_of(i) for i in range(args.switches)])
            netns = True
        except (OSError, subprocess.CalledProcessError) as e:
            print("soak: no network namespace (%s): the controller-only "
                  "soak" % e)
    enforce = not args.smoke
    duration = args.seconds
    print("soak: %d s, samples every %d s, %d switches, seed %d; "
          "ASAN_OPTIONS=%s" % (duration, args.sample, args.switches,
                               args.seed, os.environ["ASAN_OPTIONS"]),
          flush=True)

    rng = gen.new_rng(args.seed)
    watch = gen.WatchList(rng)
    sims, pcaps, switches = start_switches(args, wd, netns)
    procs = []
    threads = []
    stop = threading.Event()
    ctl = rcv = None
    try:
        ctl = start_controller(args, wd, watch, switches)
        procs.append(("controller", ctl))
        if netns:
            rcv = start_receiver(args, wd, ctl, switches)
            procs.append(("receiver", rcv))
        print("soak: controller pid %d (sFlow :%d, API :%d)%s" % (
            ctl.proc.pid, ctl.sflow_port, ctl.api_port,
            "; receiver pid %d (API :%d)" % (rcv.proc.pid, rcv.api_port)
            if rcv else ""), flush=True)

        agents = [gen.Agent(agent_of(i)) for i in range(args.switches)]
        agents.append(gen.Agent(gen.UNKNOWN_AGENT))
        hot = gen.HotPairs(rng, watch.entries)
        pool = gen.DatagramPool(rng, agents, hot)
        load.T0[0] = time.monotonic()
        scan = gen.ScanTemplates(rng, agents, watch.entries)
        sender = load.Sender(stop, args.seed + 1, ctl.sflow_port, pool,
                             agents, args.start_rate, scan, args.scan_pps)
        governor = load.Governor(stop, args.seed + 2, ctl, sender, pool,
                                 hot, args.max_rate)
        faults = load.Faults(stop, args.seed + 3, sims,
                             2.0 if args.smoke else args.fault_every)
        manual = load.Manual(stop, args.seed + 4, ctl, hot,
                             [agent_of(i) for i in range(args.switches)],
                             MAX_DURATION_S)
        churn = load.Churn(stop, args.seed + 5, watch,
                           os.path.join(ctl.dir, "watch.txt"),
                           [d for _, d in procs],
                           max(5.0, min(90.0, duration * 0.3)))
        events = load.EventStream(stop, args.seed + 6, ctl.api_port)
        threads = [sender, governor, faults, manual, churn, events]
        replayer = None
        if netns:
            replayer = load.Replayer(stop, args.seed + 7, ctl, sims, pcaps)
            threads += [replayer,
                        load.GreNoise(stop, args.seed + 8,
                                      [agent_of(i) for i in
                                       range(args.switches)], replayer,
                                      args.gre_pps),
                        load.LiveFeed(stop, args.seed + 9, rcv.api_port,
                                      replayer)]
        samples = Samples(procs)
        t0 = time.monotonic()
        for th in threads:
            th.start()
        died = None
        n = 0
        while True:
            now = time.monotonic() - t0
            died = [label for label, d in procs if d.proc.poll() is not None]
            if died:
                break
            if now >= n * args.sample or now >= duration:
                samples.take(now, sender, governor, faults, ctl)
                n += 1
                if now >= duration:
                    break
            else:
                samples.tick()
            time.sleep(max(0.05, min(0.5, n * args.sample - now,
                                     duration - now)))
        elapsed = time.monotonic() - t0
        dead = [th.name for th in threads if not th.is_alive()]
        stop.set()
        for th in threads:
            th.join(10)
        t.check(not dead, "load threads that died (see their traceback "
                "above): %s" % dead)
        t.check(not died, "daemons died during the run: %s" % died)
        if died:
            for label, d in procs:
                print("--- %s stderr (tail)\n%s" % (label, d.log_tail(6000)))
            return

        # ---- the end: quiet switches, SIGTERM, what is left
        print("\n== end of the load after %.0f s: draining the switches' "
              "faults" % elapsed, flush=True)
        for i, sim in enumerate(sims):
            t.check(drain_faults(sim), "leaf%d: faults still queued" % (i + 1))
        active = make_live(ctl, pool)
        t.check(active >= 2, "captures active before SIGTERM: %d" % active)
        try:
            ctl_metrics = ctl.metrics()
            ctl_status = ctl.status()
        except load.API_ERRORS as e:
            ctl_metrics, ctl_status = {}, {}
            t.fail("controller API at the end: %s" % e)
        rcv_status, rcv_metrics = {}, {}
        if rcv:
            try:
                rcv_status, rcv_metrics = rcv.status(), rcv.metrics()
            except load.API_ERRORS as e:
                t.fail("receiver API at the end: %s" % e)
        kinds_end = {label: fd_kinds(d.proc.pid, wd) for label, d in procs}
        live_at_term = ctl_status.get("captures", {}).get("live", 0)
        rc, took = ctl.stop(timeout=90)
        t.equal("controller exit status after SIGTERM", 0, rc)
        ours = {}
        for i, sim in enumerate(sims):
            st = sim.state()
            left = sorted(x for x in st["acls"] if x.startswith(PREFIX))
            left += sorted(x for x in st["pending"] if x.startswith(PREFIX))
            ours["leaf%d" % (i + 1)] = left
            t.check(not left, "leaf%d holds rules of ours after SIGTERM: %s"
                    % (i + 1, left))
            t.equal("leaf%d DELETE of every ACL" % (i + 1), 0,
                    st["delete_all"])
        state_path = os.path.join(ctl.state_dir, "captures.json")
        try:
            with open(state_path) as f:
                state_caps = json.load(f).get("captures")
        except (OSError, ValueError) as e:
            state_caps = "unreadable: %s" % e
        t.check(state_caps == [], "the state file lists captures: %r" % (
            state_caps,))
        rrc = rtook = None
        if rcv:
            rrc, rtook = rcv.stop(timeout=90)
            t.equal("receiver exit status after SIGTERM", 0, rrc)
        reports = {}
        for label, d in procs:
            reports[label] = sanitizer_reports(d.stderr_path)
            t.check(not reports[label], "%s: %d sanitizer report(s); the "
                    "first:\n%s" % (label, len(reports[label]),
                                    (reports[label] or [""])[0]))

        # ---- figures
        print("\n== RSS and descriptors (flat after warm-up: RSS within "
              "+%d %% or +%d MiB, descriptors +%d, the controller's also "
              "+2 a switch)" % (args.rss_pct, args.rss_mib, args.fds))
        for label, _ in procs:
            judge(t, samples, label, duration, args, enforce)
            print("  %-10s descriptors at the end by kind: %s" % (
                label, json.dumps(kinds_end[label], sort_keys=True)))
        if not enforce:
            print("  (not judged: --smoke runs the machinery; %d s of "
                  "samples say nothing about leaks)" % duration)
        counts, manual_events = event_counts(ctl.events_path)
        send_s = (sender.ended or time.monotonic()) - sender.started
        total = sender.total()
        drops = metric_sum(ctl_metrics,
                           "finderscope_listener_kernel_drops_total")
        decoded = ctl_status.get("datagrams", 0)
        errors = sum(ctl_status.get("decode_errors", {}).values())
        print("\n== soak summary")
        print("  duration        %.0f s of load%s" % (
            elapsed, "" if netns else "; controller only (no namespace)"))
        print("  sFlow sent      %d datagrams: %d valid (%d of them new "
              "pairs), %d garbage; %.0f/s on average, the governor's last "
              "rate %.0f/s" % (
                  total, sender.sent[gen.VALID], sender.scanned,
                  sender.sent[gen.GARBAGE], total / max(send_s, 1e-3),
                  sender.rate))
        print("  controller      %d datagrams read, %d decode errors, "
              "%d kernel drops (%.1f %%), %d flow samples" % (
                  decoded, errors, drops, 100.0 * drops / max(total, 1),
                  ctl_status.get("flow_samples", 0)))
        print("  tables          pairs %d (%d evicted), flows %d (%d "
              "evicted), events dropped from memory %d" % (
                  metric(ctl_metrics, "finderscope_pairs"),
                  metric(ctl_metrics, "finderscope_pairs_evicted_total"),
                  metric(ctl_metrics, "finderscope_flows"),
                  metric(ctl_metrics, "finderscope_flows_evicted_total"),
                  metric(ctl_metrics, "finderscope_events_dropped_total")))
        print("  captures        %d requested (%d by hand), %d started, "
              "%d ended, %d failed, %d refused; live at SIGTERM %d" % (
                  counts["capture_requested"], manual_events,
                  counts["capture_started"], counts["capture_ended"],
                  counts["capture_failed"], counts["capture_refused"],
                  live_at_term))
        print("  rules           %d installed, %d removed, %d orphans "
              "removed" % (counts["rule_installed"], counts["rule_removed"],
                           counts["rule_orphan_removed"]))
        print("  by hand         %s" % json.dumps(manual.counts,
                                                  sort_keys=True))
        print("  faults          %d injected: %s" % (
            faults.total(), json.dumps(faults.counts, sort_keys=True)))
        print("  churn           %s" % json.dumps(churn.counts,
                                                  sort_keys=True))
        print("  event stream    %s" % json.dumps(events.counts,
                                                  sort_keys=True))
        if rcv:
            tot = rcv_status.get("totals", {})
            print("  data plane      %s" % json.dumps(replayer.counts,
                                                      sort_keys=True))
            print("  receiver        %d packets (%d kernel drops): %d "
                  "assigned, %d unassigned, %d wrong switch; decap %s" % (
                      tot.get("packets", 0),
                      rcv_status.get("input", {}).get("kernel_drops", 0),
                      tot.get("assigned", 0), tot.get("unassigned", 0),
                      tot.get("wrong_switch", 0),
                      json.dumps(tot.get("decap", {}), sort_keys=True)))
            print("  receiver        key hits %d, sessions written %d, "
                  "reports sent %d, captures ended %d" % (
                      metric(rcv_metrics,
                             "finderscope_receiver_key_hits_total"),
                      metric(rcv_metrics,
                             "finderscope_receiver_sessions_written_total"),
                      metric(rcv_metrics,
                             "finderscope_receiver_reports_sent_total"),
                      metric(rcv_metrics,
                             "finderscope_receiver_captures_ended_total")))
            for th in threads[-2:]:
                print("  %-15s %s" % (th.name,
                                      json.dumps(th.counts, sort_keys=True)))
        for label, d in procs:
            rss0, fds0, _ = samples.rows[0][label]
            rss1, fds1, _ = samples.rows[-1][label]
            print("  %-15s RSS %.1f -> %.1f MiB, fds %d -> %d" % (
                label, rss0 / 1024.0, rss1 / 1024.0, fds0, fds1))
        print("  exit            controller %s (%.1f s)%s" % (
            rc, took, "" if rrc is None else
            ", receiver %s (%.1f s)" % (rrc, rtook)))
        found = sum(len(r) for r in reports.values())
        print("  leaks           %s" % ("none" if not found else
                                        "%d sanitizer report(s)" % found))
        print("  rules left      %s" % (
            "none" if not any(ours.values()) else json.dumps(ours)))
        print("  state file      %s" % ("no capture" if state_caps == [] else
                                        state_caps))
        print("  events file     %.1f MiB" % (
            os.path.getsize(ctl.events_path) / 1048576.0
            if os.path.exists(ctl.events_path) else 0))
        for th in threads:
            if th.error_count:
                print("  %s: %d errors, first: %s" % (
                    th.name, th.error_count, "; ".join(th.errors[:3])))
        t.check(total > 0 and sender.sent[gen.GARBAGE] > 0,
                "datagrams sent, garbage among them")
        t.check(counts["capture_started"] > 0 and
                counts["capture_ended"] > 0,
                "captures started and ended: %r" % dict(counts))
        t.check(faults.total() > 0, "faults injected")
        t.check(not manual.error_count, "the API answered as documented: "
                "%s" % manual.errors)
        if rcv:
            t.check(replayer.counts.get("mirrored", 0) > 0,
                    "the switches mirrored traffic to the receiver")
    finally:
        stop.set()
        for _, d in procs:
            d.kill()
        for s in sims:
            s.close()


def metric_sum(m, name):
    return sum(v for (n, _), v in m.items() if n == name)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--sample", type=int, default=10,
                    help="seconds between samples (default 10)")
    ap.add_argument("--switches", type=int, default=3, choices=(1, 2, 3, 4))
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--smoke", action="store_true",
                    help="do not judge flatness (a short run)")
    ap.add_argument("--no-netns", action="store_true",
                    help="the controller-only soak, even as root")
    ap.add_argument("--start-rate", type=float, default=2000)
    ap.add_argument("--max-rate", type=float, default=200000)
    ap.add_argument("--gre-pps", type=int, default=1000)
    ap.add_argument("--scan-pps", type=int, default=1000,
                    help="datagrams a second of new matching pairs")
    ap.add_argument("--fault-every", type=float, default=3.0,
                    help="mean seconds between faults (default 3)")
    ap.add_argument("--rss-pct", type=int, default=10)
    ap.add_argument("--rss-mib", type=int, default=8)
    ap.add_argument("--fds", type=int, default=4)
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    if args.seconds < 5 or args.sample < 1:
        ap.error("--seconds at least 5, --sample at least 1")
    t = Tally()
    try:
        run(args, t)
    except (AssertionError, RuntimeError, OSError) as e:
        t.fail("%s: %s" % (type(e).__name__, e))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed or t.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
