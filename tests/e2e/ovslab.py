"""ovslab.py - a real Open vSwitch in network namespaces, for the
end-to-end tests (after ../shared/lab/ovs-lab.sh, whose notes explain the
pitfalls this avoids).

  ns PREFIX-h1 10.200.0.1 --veth--+
  ns PREFIX-h2 10.200.0.2 --veth--+-- br0 (netdev) -- erspan1 / gre1 ports
                                  |
  ns PREFIX-sw: ovsdb-server, ovs-vswitchd (userspace datapath), br0, and
  br-ul with 10.201.0.1/24 on its internal port (the tunnels' source)
                                  |
  ns PREFIX-mon 10.201.0.2 --veth (MTU 9000)--+ br-ul

OVS runs with its own database and run directory under WORKDIR (a short
path: unix socket names are limited to 108 bytes), started by hand with
--detach; down() stops exactly the daemons it started (by pid) and
deletes the namespaces.  Needs root, iproute2 and openvswitch-switch.
"""
import ctypes
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import time

HOST_NET = "10.200.0"
UL_SW = "10.201.0.1"
UL_MON = "10.201.0.2"
UL_MTU = 9000
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
TOOLS = ("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl",
         "ovs-ofctl", "ovs-appctl", "ip")
CLONE_NEWNET = 0x40000000


def missing_tools():
    return [t for t in TOOLS if shutil.which(t) is None] + \
        ([] if os.path.exists(SCHEMA) else [SCHEMA])


def enter_netns(name):
    """Move this (single-threaded) process into netns name."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + name)
    finally:
        os.close(fd)


def _tx_csum_off(dev):
    """ethtool -K DEV tx off: OVS's userspace datapath forwards veth
    packets without completing their checksums otherwise."""
    siocethtool, stxcsum = 0x8946, 0x17
    ev = ctypes.create_string_buffer(struct.pack("II", stxcsum, 0))
    ifr = struct.pack("16sP", dev.encode(), ctypes.addressof(ev))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, siocethtool, ifr)


class OvsLab:
    def __init__(self, workdir, prefix="fse2e", hosts=2):
        self.dir = workdir
        self.prefix = prefix
        self.hosts = hosts
        self.run_dir = os.path.join(workdir, "run")
        self.log_dir = os.path.join(workdir, "log")
        self.sw = prefix + "-sw"
        self.mon = prefix + "-mon"
        self.pids = []
        self.env = dict(os.environ, OVS_RUNDIR=self.run_dir,
                        OVS_LOGDIR=self.log_dir, OVS_DBDIR=workdir)

    # ---- helpers
    def host_ns(self, i):
        return "%s-h%d" % (self.prefix, i)

    def host_ip(self, i):
        return "%s.%d" % (HOST_NET, i)

    def sh(self, *cmd, ns=None, check=True, input=None, timeout=20):
        argv = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
        r = subprocess.run(argv, capture_output=True, text=True,
                           env=self.env, input=input, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.strip()))
        return r.stdout

    def vsctl(self, *args):
        return self.sh("ovs-vsctl", "--timeout=10",
                       "--db=unix:%s/db.sock" % self.run_dir, *args)

    def ofctl(self, *args, check=True):
        return self.sh("ovs-ofctl", *args, check=check)

    def appctl(self, *args):
        return self.sh("ovs-appctl", "--timeout=10", "-t",
                       "%s/ovs-vswitchd.ctl" % self.run_dir, *args)

    def mgmt(self, bridge="br0"):
        """The OpenFlow target ovs-ofctl takes for bridge."""
        return "unix:%s/%s.mgmt" % (self.run_dir, bridge)

    def _ns(self, name):
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        self.sh("ip", "netns", "add", name)
        self.sh("ip", "-n", name, "link", "set", "lo", "up")
        self.sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1", ns=name, check=False)

    def _veth(self, ns, dev, swdev, addr, mtu=1500):
        self.sh("ip", "link", "add", dev, "netns", ns, "mtu", str(mtu),
                "type", "veth", "peer", "name", swdev, "netns", self.sw,
                "mtu", str(mtu))
        self.sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
        self.sh("ip", "-n", ns, "link", "set", dev, "up")
        self.sh("ip", "-n", self.sw, "link", "set", swdev, "up")
        pid = os.fork()
        if pid == 0:            # the ioctl must run inside ns
            try:
                enter_netns(ns)
                _tx_csum_off(dev)
                os._exit(0)
            except BaseException:
                os._exit(1)
        if os.waitpid(pid, 0)[1] != 0:
            raise RuntimeError("tx checksum offload still on for " + dev)

    def _daemon(self, name, argv):
        pidfile = os.path.join(self.run_dir, name + ".pid")
        self.sh(*argv, "--pidfile=" + pidfile,
                "--log-file=%s/%s.log" % (self.log_dir, name),
                "-vconsole:off", "--detach", "--no-chdir", ns=self.sw)
        with open(pidfile) as f:
            self.pids.append(int(f.read().strip()))

    # ---- life cycle
    def up(self):
        os.makedirs(self.run_dir, exist_ok=True)
        os.makedirs(self.log_dir, exist_ok=True)
        db = os.path.join(self.dir, "conf.db")
        if os.path.exists(db):
            os.unlink(db)
        self.sh("ovsdb-tool", "create", db, SCHEMA)
        self._ns(self.sw)
        self._daemon("ovsdb-server", [
            "ovsdb-server", db, "--remote=punix:%s/db.sock" % self.run_dir,
            "--unixctl=%s/ovsdb-server.ctl" % self.run_dir])
        self.vsctl("--no-wait", "init")
        self._daemon("ovs-vswitchd", [
            "ovs-vswitchd", "unix:%s/db.sock" % self.run_dir,
            "--unixctl=%s/ovs-vswitchd.ctl" % self.run_dir])
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0",
                   "datapath_type=netdev", "--", "add-br", "br-ul", "--",
                   "set", "bridge", "br-ul", "datapath_type=netdev")
        for i in range(1, self.hosts + 1):
            self._ns(self.host_ns(i))
            self._veth(self.host_ns(i), "h%d-eth0" % i, "sw-h%d" % i,
                       self.host_ip(i) + "/24")
            self.vsctl("add-port", "br0", "sw-h%d" % i)
        self._ns(self.mon)
        self._veth(self.mon, "mon-eth0", "sw-mon", UL_MON + "/24", UL_MTU)
        self.vsctl("add-port", "br-ul", "sw-mon", "--", "set", "interface",
                   "sw-mon", "mtu_request=%d" % UL_MTU)
        self.sh("ip", "-n", self.sw, "addr", "add", UL_SW + "/24", "dev",
                "br-ul")
        self.sh("ip", "-n", self.sw, "link", "set", "br-ul", "up")
        self.sh("ip", "-n", self.sw, "link", "set", "br0", "up")
        # Native tunnelling needs OVS's route to the receiver, learnt
        # from the namespace's routing table; then pin its MAC so the
        # first mirrored packets do not wait for ARP.
        deadline = time.monotonic() + 10
        while "10.201.0.0/24 dev br-ul" not in self.appctl("ovs/route/show"):
            if time.monotonic() > deadline:
                raise RuntimeError("OVS learnt no route to 10.201.0.0/24")
            time.sleep(0.1)
        mac = self.sh("cat", "/sys/class/net/mon-eth0/address",
                      ns=self.mon).strip()
        self.appctl("tnl/arp/set", "br-ul", UL_MON, mac)
        return self

    def sflow(self, target, agent=UL_SW, sampling=10, polling=10,
              header=128):
        self.vsctl("--", "--id=@s", "create", "sflow", "agent=" + agent,
                   'target="%s"' % target, "header=%d" % header,
                   "sampling=%d" % sampling, "polling=%d" % polling,
                   "--", "set", "bridge", "br0", "sflow=@s")

    def tunnel_port(self, name, kind="erspan", ver=1, key=1):
        """An ERSPAN (v1/v2) or GRE port towards the receiver, out of
        flooding (NORMAL would send it broadcasts too)."""
        opts = ["options:remote_ip=" + UL_MON, "options:key=%d" % key]
        if kind == "erspan":
            opts.append("options:erspan_ver=%d" % ver)
            opts.append("options:erspan_idx=1" if ver == 1 else
                        "options:erspan_hwid=1")
        self.vsctl("add-port", "br0", name, "--", "set", "interface", name,
                   "type=" + kind, *opts)
        self.ofctl("mod-port", self.mgmt(), name, "no-flood")

    def flows(self, cookie=None):
        """dump-flows lines (without the reply header)."""
        args = ["dump-flows", self.mgmt()]
        if cookie is not None:
            args.append(cookie)
        return [ln.strip() for ln in self.ofctl(*args).splitlines()
                if "cookie=" in ln]

    def down(self):
        for pid in reversed(self.pids):
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    with open("/proc/%d/stat" % pid) as f:
                        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                            break
                except OSError:
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
        self.pids = []
        names = [self.sw, self.mon] + [self.host_ns(i)
                                       for i in range(1, self.hosts + 1)]
        for ns in names:
            r = subprocess.run(["ip", "netns", "pids", ns],
                               capture_output=True, text=True)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
