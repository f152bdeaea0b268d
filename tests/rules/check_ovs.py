#!/usr/bin/python3
"""check_ovs.py - the rule client's "ovs" backend (rules/rule_ovs.c)
against a real Open vSwitch (ctest rules.ovs).

  check_ovs.py --driver RULES_DRIVER [--workdir DIR]

Starts its own ovsdb-server and ovs-vswitchd (userspace datapath,
datapath_type=netdev) inside a network namespace it creates, with a short
private run directory under /tmp (unix socket paths are limited to 107
bytes), makes a bridge with an ERSPAN port (no traffic: the flows are what
is checked), then runs rules_driver operations and compares what they
report with what "ovs-ofctl dump-flows" shows: two flows per capture with
our cookie, match, priority and actions; overlapping captures with
distinct priorities that survive each other's removal; verify OK, ABSENT,
MISMATCH; list naming only our flows; idempotent removes; refused values;
a missing ovs-ofctl, an absent socket and a hanging ovs-ofctl ending in
errors after bounded retries.  Everything it started is stopped by pid and
the namespace deleted, even on failure.

Needs root and the openvswitch-switch package: exits 77 (skipped)
without them.  Standard library only.  Prints "N passed, N failed".
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
TOOLS = ("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl",
         "ovs-ofctl", "ovs-appctl", "ip")
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
PORT = "erspan1"
BASE = 40000
TAG, MASK = 0xf5c0000000000000, 0xffff000000000000
H1, H2 = "10.200.0.1", "10.200.0.2"


def cookie(name):
    """The backend's cookie: tag | 48-bit folded FNV-1a of the name."""
    h = 0xcbf29ce484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return TAG | ((h >> 48) ^ (h & 0xffffffffffff))


def note(name):
    return ".".join("%02x" % b for b in name.encode())


def alive(pid, word):
    """pid runs (not a zombie) and its command line holds word."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, IndexError):
        return False
    return state != "Z" and word in cmd


class Ovs:
    """ovsdb-server and ovs-vswitchd in a namespace of their own."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fsovs", dir="/tmp")
        self.ns = "fsovs-%d" % os.getpid()
        self.pids = []
        self.db = "unix:%s/db.sock" % self.dir

    def sh(self, *cmd, check=True, input=None, ns=False, timeout=20):
        argv = (["ip", "netns", "exec", self.ns] if ns else []) + list(cmd)
        env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir,
                   OVS_DBDIR=self.dir)
        p = subprocess.run(argv, capture_output=True, text=True, env=env,
                           input=input, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(argv), p.stderr))
        return p.stdout

    def vsctl(self, *args):
        return self.sh("ovs-vsctl", "--timeout=10", "--db=" + self.db,
                       *args)

    def mgmt(self, bridge="br0"):
        return "unix:%s/%s.mgmt" % (self.dir, bridge)

    def ofctl(self, *args, check=True, input=None):
        return self.sh("ovs-ofctl", *args, check=check, input=input)

    def _daemon(self, name, argv):
        pidfile = "%s/%s.pid" % (self.dir, name)
        self.sh(*argv, "--pidfile=" + pidfile,
                "--unixctl=%s/%s.ctl" % (self.dir, name),
                "--log-file=%s/%s.log" % (self.dir, name), "-vconsole:off",
                "--detach", "--no-chdir", ns=True)
        with open(pidfile) as f:
            self.pids.append((int(f.read().strip()), name))

    def up(self):
        self.sh("ip", "netns", "add", self.ns)
        self.sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        self.sh("ovsdb-tool", "create", self.dir + "/conf.db", SCHEMA)
        self._daemon("ovsdb-server", ["ovsdb-server", self.dir + "/conf.db",
                                      "--remote=punix:%s/db.sock" %
                                      self.dir])
        self.vsctl("--no-wait", "init")
        self._daemon("ovs-vswitchd", ["ovs-vswitchd", self.db])
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0",
                   "datapath_type=netdev")
        self.vsctl("add-port", "br0", PORT, "--", "set", "interface", PORT,
                   "type=erspan", "options:remote_ip=10.201.0.2",
                   "options:key=1", "options:erspan_ver=1",
                   "options:erspan_idx=1")
        self.ofctl("mod-port", self.mgmt(), PORT, "no-flood")

    def down(self):
        for pid, name in reversed(self.pids):
            try:
                self.sh("ovs-appctl", "--timeout=5", "-t",
                        "%s/%s.ctl" % (self.dir, name), "exit",
                        check=False, timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                pass
            for _ in range(50):
                if not alive(pid, name):
                    break
                time.sleep(0.05)
            if alive(pid, name):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def flows(self, cookie_arg="0x%x/0x%x" % (TAG, MASK), names=True):
        out = self.ofctl("--no-stats", "--names" if names else "--no-names",
                         "dump-flows", self.mgmt(), "cookie=" + cookie_arg)
        return sorted(ln.strip() for ln in out.splitlines()
                      if "actions=" in ln)


class Run:
    """What one rules_driver run printed."""

    def __init__(self, out, seconds):
        self.out, self.seconds = out, seconds
        self.results, self.lines, self.names, self.refused = {}, {}, {}, {}
        self.client_error = self.end = None
        for raw in out.splitlines():
            f = raw.split("\t")
            if f[0] == "result":
                self.results[int(f[1])] = {
                    "op": f[3], "name": f[4], "status": f[5],
                    "attempts": int(f[7]), "error": f[8]}
            elif f[0] == "line":
                self.lines.setdefault(int(f[1]), []).append(f[2])
            elif f[0] == "name":
                self.names.setdefault(int(f[1]), []).append(f[2])
            elif f[0] == "start":
                self.refused[int(f[1])] = f[3]
            elif f[0] == "client":
                self.client_error = f[2]
            elif f[0] == "end":
                self.end = raw

    def status(self, i):
        return self.results.get(i, {}).get("status")


class Check:
    def __init__(self, args, ovs):
        self.args, self.ovs = args, ovs
        self.passed = self.failed = 0

    def ok(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s" % what)
        return cond

    def driver(self, ops, url=None, port=PORT, opts=(), timeout=60):
        argv = [self.args.driver, "--backend", "ovs",
                "--url", url or self.ovs.mgmt(), "--mirror-port", port,
                "--seed", "7", "--backoff-ms", "50,200"] + list(opts) + \
            list(ops)
        t0 = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout)
        r = Run(p.stdout, time.monotonic() - t0)
        # Under ASan a leak or an error shows here.
        self.ok(p.returncode == 0 and "Sanitizer" not in p.stderr,
                "driver exit %d: %s" % (p.returncode, p.stderr[-2000:]))
        if self.args.verbose:
            print("$ " + " ".join(argv) + "\n" + p.stdout + p.stderr)
        return r

    # ---- the cases ----------------------------------------------------

    def install_one(self):
        r = self.driver(["install,fscope_c1,%s,%s" % (H1, H2)])
        self.ok(r.status(0) == "ok", "install c1: %s" % r.out)
        self.ok(len(r.lines.get(0, [])) == 2, "install c1 reports 2 lines")
        c1 = cookie("fscope_c1")
        got = self.ovs.flows("0x%x/-1" % c1)
        want = sorted(
            "cookie=0x%x, priority=%d,ip,nw_src=%s,nw_dst=%s "
            "actions=NORMAL,output:%s,note:%s" % (c1, BASE, a, b, PORT,
                                                  note("fscope_c1"))
            for a, b in ((H1, H2), (H2, H1)))
        # OVS pads the note with zero bytes to 8-byte actions.
        got_nopad = sorted(g.replace(".00", "") for g in got)
        self.ok(got_nopad == want, "c1 flows: %r" % got)
        self.ok(len(self.ovs.flows()) == 2, "exactly 2 flows of ours")
        return got

    def overlap(self, c1_flows):
        # A new client (a new process): it learns 40000 is taken.
        r = self.driver(["install,fscope_c2,%s,%s" % (H1, H2)])
        self.ok(r.status(0) == "ok", "install c2 (same pair): %s" % r.out)
        ours = self.ovs.flows()
        prios = sorted({ln.split("priority=")[1].split(",")[0]
                        for ln in ours})
        self.ok(len(ours) == 4, "4 flows with two overlapping captures")
        self.ok(prios == [str(BASE), str(BASE + 1)],
                "distinct priorities: %r" % prios)
        # Two at once in one client: distinct too.
        r = self.driver(["install,fscope_c3,%s,%s" % (H2, H1),
                         "install,fscope_c4,%s,%s" % (H2, H1)],
                        opts=["--parallel"])
        self.ok(r.status(0) == "ok" and r.status(1) == "ok",
                "parallel installs: %s" % r.out)
        p3 = {ln.split("priority=")[1].split(",")[0]
              for ln in self.ovs.flows("0x%x/-1" % cookie("fscope_c3"))}
        p4 = {ln.split("priority=")[1].split(",")[0]
              for ln in self.ovs.flows("0x%x/-1" % cookie("fscope_c4"))}
        self.ok(len(p3) == 1 and len(p4) == 1 and p3 != p4 and
                not (p3 | p4) & {str(BASE), str(BASE + 1)},
                "parallel priorities %r %r" % (p3, p4))
        r = self.driver(["remove,fscope_c3", "remove,fscope_c4"])
        self.ok(r.status(0) == "ok" and r.status(1) == "ok", "remove c3 c4")
        # Removing the first leaves the second intact.
        c2_before = self.ovs.flows("0x%x/-1" % cookie("fscope_c2"))
        r = self.driver(["remove,fscope_c1"])
        self.ok(r.status(0) == "ok", "remove c1: %s" % r.out)
        self.ok(self.ovs.flows("0x%x/-1" % cookie("fscope_c1")) == [],
                "c1's flows gone")
        self.ok(self.ovs.flows("0x%x/-1" % cookie("fscope_c2")) ==
                c2_before and len(c2_before) == 2, "c2's flows intact")
        self.ok(all(f not in self.ovs.flows() for f in c1_flows),
                "no c1 flow left")

    def verify(self):
        pair = "%s,%s" % (H1, H2)
        r = self.driver(["verify,fscope_c2," + pair, "verify,fscope_c1," +
                         pair, "verify,fscope_c2", "verify,fscope_c2,"
                         "%s,10.200.0.9" % H1])
        self.ok(r.status(0) == "ok", "verify c2 ok: %s" % r.out)
        self.ok(len(r.lines.get(0, [])) == 2, "verify reports the flows")
        self.ok(r.status(1) == "absent", "verify c1 absent")
        self.ok(r.status(2) == "ok", "verify c2 without expect")
        self.ok(r.status(3) == "mismatch", "verify c2 other pair")
        # Altered by hand: mismatch; installing again repairs it.
        self.ovs.ofctl("mod-flows", self.ovs.mgmt(),
                       "cookie=0x%x/-1,actions=NORMAL" % cookie("fscope_c2"))
        r = self.driver(["verify,fscope_c2," + pair])
        self.ok(r.status(0) == "mismatch", "verify altered: %s" % r.out)
        r = self.driver(["install,fscope_c2," + pair,
                         "verify,fscope_c2," + pair])
        self.ok(r.status(0) == "ok" and r.status(1) == "ok",
                "reinstall repairs: %s" % r.out)
        self.ok(len(self.ovs.flows("0x%x/-1" % cookie("fscope_c2"))) == 2,
                "still two flows after the reinstall")
        # A third flow with our cookie: mismatch.
        self.ovs.ofctl("add-flow", self.ovs.mgmt(),
                       "cookie=0x%x,priority=5,arp,actions=NORMAL" %
                       cookie("fscope_c2"))
        r = self.driver(["verify,fscope_c2," + pair])
        self.ok(r.status(0) == "mismatch", "extra flow: %s" % r.out)
        r = self.driver(["install,fscope_c2," + pair])
        self.ok(r.status(0) == "ok" and
                len(self.ovs.flows("0x%x/-1" % cookie("fscope_c2"))) == 2,
                "reinstall removes the extra flow")

    def ipv6(self):
        r = self.driver(["install,fscope_v6,2001:db8::1,2001:db8::2,6,0,443",
                         "verify,fscope_v6,2001:db8::1,2001:db8::2,6,0,443"])
        self.ok(r.status(0) == "ok" and r.status(1) == "ok",
                "ipv6 tcp install/verify: %s" % r.out)
        got = self.ovs.flows("0x%x/-1" % cookie("fscope_v6"))
        self.ok(len(got) == 2 and all("tcp6,ipv6_src=2001:db8::" in g
                                      for g in got), "ipv6 flows %r" % got)
        # Numbers instead of names for the port.
        r = self.driver(["verify,fscope_v6,2001:db8::1,2001:db8::2,6,0,443"],
                        port="1")
        self.ok(r.status(0) == "ok", "mirror port by number: %s" % r.out)
        r = self.driver(["remove,fscope_v6"])
        self.ok(r.status(0) == "ok", "remove v6")

    def list_ours(self):
        m = self.ovs.mgmt()
        # Foreign cookie with a note that reads as one of our names,
        # our prefix without a note, our prefix with a note whose name
        # does not hash to the cookie.
        self.ovs.ofctl("add-flows", m, "-", input=(
            "cookie=0x1234,priority=7,ip,actions=NORMAL,note:%s\n"
            "cookie=0x%x,priority=8,ip,actions=NORMAL\n"
            "cookie=0x%x,priority=9,ip,actions=NORMAL,note:%s\n") % (
                note("fscope_evil"), TAG | 0x42, TAG | 0x43,
                note("fscope_forged")))
        r = self.driver(["list"])
        self.ok(r.status(0) == "ok", "list: %s" % r.out)
        self.ok(sorted(r.names.get(0, [])) == ["fscope_c2"],
                "list names only ours: %r" % r.names.get(0))
        # remove twice: both fine; a remove never touches foreign flows.
        r = self.driver(["remove,fscope_c1", "remove,fscope_c1"])
        self.ok(r.status(0) == "ok" and r.status(1) == "ok",
                "remove twice: %s" % r.out)
        self.ok(len(self.ovs.flows("0x1234/-1")) == 1 and
                len(self.ovs.flows("0x%x/-1" % (TAG | 0x42))) == 1,
                "foreign flows untouched")
        self.ovs.ofctl("del-flows", m, "cookie=0x1234/-1")
        self.ovs.ofctl("del-flows", m, "cookie=0x%x/-1" % (TAG | 0x42))
        self.ovs.ofctl("del-flows", m, "cookie=0x%x/-1" % (TAG | 0x43))

    def no_bundle(self):
        # A bridge that speaks OpenFlow 1.0 only: no bundles, still works.
        self.ovs.vsctl("set", "bridge", "br0", "protocols=OpenFlow10")
        try:
            r = self.driver(["install,fscope_of10,%s,%s" % (H1, H2),
                             "verify,fscope_of10,%s,%s" % (H1, H2),
                             "remove,fscope_of10"])
            self.ok([r.status(i) for i in range(3)] == ["ok"] * 3,
                    "OpenFlow 1.0 bridge: %s" % r.out)
        finally:
            self.ovs.vsctl("clear", "bridge", "br0", "protocols")

    def refused(self):
        r = self.driver(["list"], port="erspan1,output:2")
        self.ok(r.client_error is not None and "mirror port" in
                r.client_error, "hostile mirror_port refused: %s" % r.out)
        r = self.driver(["list"], port="LOCAL")
        self.ok(r.client_error is not None, "reserved port refused")
        r = self.driver(["list"], url="unix:%s/br0.mgmt;touch /tmp/x" %
                        self.ovs.dir)
        self.ok(r.client_error is not None and "target" in r.client_error,
                "hostile url refused: %s" % r.out)
        r = self.driver(["list"], opts=["--ofctl", "ovs-ofctl"])
        self.ok(r.client_error is not None, "relative ofctl refused")
        r = self.driver(["install,bad name,%s,%s" % (H1, H2),
                         "install,fscope_x,%s,2001:db8::1" % H1])
        self.ok(0 in r.refused and 1 in r.refused and not r.results,
                "bad name and mixed families refused: %s" % r.out)

    def failures(self):
        retries = ["--retries", "2", "--timeout-ms", "2000"]
        r = self.driver(["list", "remove,fscope_c9"], opts=retries +
                        ["--ofctl", "/nonexistent/ovs-ofctl"])
        self.ok(r.status(0) == "error" and r.status(1) == "error" and
                r.results[0]["attempts"] == 3 and
                "No such file" in r.results[0]["error"],
                "missing ovs-ofctl: %s" % r.out)
        self.ok(r.seconds < 10, "missing ovs-ofctl: no hang")
        r = self.driver(["install,fscope_c9,%s,%s" % (H1, H2)],
                        url="unix:%s/nope.mgmt" % self.ovs.dir, opts=retries)
        self.ok(r.status(0) == "error" and r.results[0]["attempts"] == 3 and
                "No such file" in r.results[0]["error"],
                "absent socket: %s" % r.out)
        self.ok(r.seconds < 10, "absent socket: no hang")
        hang = os.path.join(self.ovs.dir, "hang.sh")
        with open(hang, "w") as f:
            f.write("#!/bin/sh\nexec /bin/sleep 3600\n")
        os.chmod(hang, 0o755)
        r = self.driver(["verify,fscope_c2"], opts=["--ofctl", hang,
                                                    "--timeout-ms", "300",
                                                    "--retries", "1"])
        self.ok(r.status(0) == "error" and r.results[0]["attempts"] == 2 and
                "no answer within 300 ms" in r.results[0]["error"],
                "hanging ovs-ofctl: %s" % r.out)
        self.ok(r.seconds < 5, "hanging ovs-ofctl: bounded")
        left = subprocess.run(["pgrep", "-f", "^/bin/sleep 3600$"],
                              capture_output=True, text=True).stdout.split()
        self.ok(not [p for p in left if alive(int(p), "sleep")],
                "no hanging child left: %r" % left)
        # A flow the bridge refuses is not retried: an unknown port name
        # is caught by ovs-ofctl itself.
        r = self.driver(["install,fscope_c9,%s,%s" % (H1, H2)],
                        port="nosuchport", opts=retries)
        self.ok(r.status(0) == "error" and r.results[0]["attempts"] == 1 and
                "unknown port" in r.results[0]["error"],
                "refused flow not retried: %s" % r.out)

    def cleanup_check(self):
        r = self.driver(["remove,fscope_c2", "list"])
        self.ok(r.status(0) == "ok" and r.names.get(1) is None,
                "all removed: %s" % r.out)
        self.ok(self.ovs.flows() == [], "no flow of ours left")
        rest = self.ovs.flows("0x0/0x0")
        self.ok(rest == ["priority=0 actions=NORMAL"],
                "the bridge's own flow untouched: %r" % rest)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if os.geteuid() != 0 or missing or not os.path.exists(SCHEMA):
        print("skipped: needs root and openvswitch-switch (missing: %s)" %
              (", ".join(missing) or "root"))
        return SKIP
    ovs = Ovs()
    c = Check(args, ovs)
    try:
        ovs.up()
        flows = c.install_one()
        c.overlap(flows)
        c.verify()
        c.ipv6()
        c.list_ours()
        c.no_bundle()
        c.refused()
        c.failures()
        c.cleanup_check()
    except Exception as e:      # report, then tear down
        c.ok(False, "exception: %r" % e)
    finally:
        ovs.down()
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
