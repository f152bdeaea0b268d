"""fsdaemon.py - start a real `finderscope controller` on loopback and talk
to it: its REST API, its metrics, its sFlow port.  Standard library only
(Debian's /usr/bin/python3), shared by the controller's integration tests.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))

from fsgen import packet as pk      # noqa: E402
from fsgen import scenarios as sc   # noqa: E402
from fsgen import sflow as sf       # noqa: E402


def free_port(kind=socket.SOCK_STREAM):
    """A port the kernel just gave out on 127.0.0.1 (for TCP or UDP)."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    """One controller process with its own directory, ports and config."""

    def __init__(self, binary, workdir, lists=None, extra_controller="",
                 capture="", local="[10.0.0.0/8, \"fd00::/8\"]",
                 groups=None, switches=""):
        self.binary = binary
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.sflow_port = free_port(socket.SOCK_DGRAM)
        self.api_port = free_port()
        self.events_path = os.path.join(workdir, "events.json")
        self.state_dir = os.path.join(workdir, "state")
        self.config_path = os.path.join(workdir, "finderscope.yaml")
        # "bad" is in the Emerging Threats layout, whose comment lines
        # label the entries after them (plain lists carry no labels).
        self.lists = lists if lists is not None else {
            "bad": "# c2-servers\n203.0.113.0/24\n198.51.100.7\n",
            "ok": "203.0.113.99\n"}
        self.formats = {"bad": "emerging-threats"}
        self.groups = groups or {"watch": ["bad"], "allow": ["ok"]}
        self.extra_controller = extra_controller
        self.capture = capture
        self.local = local
        self.switches = switches
        self.token = None
        self.proc = None
        self.stderr_path = os.path.join(workdir, "stderr.log")
        self.write_config()

    def config_text(self):
        out = ["controller:",
               "  sflow_listen: [\"127.0.0.1:%d\"]" % self.sflow_port,
               "  api_listen: 127.0.0.1:%d" % self.api_port,
               "  state_dir: %s" % self.state_dir,
               "  events_file: %s" % self.events_path]
        out += ["  " + line for line in self.extra_controller.splitlines()
                if line.strip()]
        out.append("local_networks: %s" % self.local)
        out.append("blacklists:")
        for name, body in sorted(self.lists.items()):
            path = os.path.join(self.dir, name + ".txt")
            with open(path, "w") as f:
                f.write(body)
            out += ["  - name: %s" % name,
                    "    format: %s" % self.formats.get(name, "plain"),
                    "    file: %s" % path]
        out.append("groups:")
        for g, members in self.groups.items():
            out.append("  %s: [%s]" % (g, ", ".join(members)))
        if self.capture:
            out.append("capture:")
            out += ["  " + line for line in self.capture.splitlines()
                    if line.strip()]
        if self.switches:
            out.append(self.switches)
        return "\n".join(out) + "\n"

    def write_config(self, text=None):
        with open(self.config_path, "w") as f:
            f.write(text if text is not None else self.config_text())

    # ---- process
    def start(self, wait_table=True):
        self.stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "controller", "-d", "-c", self.config_path],
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("controller exited with %d: %s" % (
                    self.proc.returncode, self.log_tail()))
            try:
                if self.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError("controller did not answer: " +
                               self.log_tail())
        if wait_table:
            self.wait_for(self.lists_loaded, "the lists to be loaded")
        return self

    def log_tail(self, n=4000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=5):
        """SIGTERM; returns (exit status, seconds it took)."""
        if self.proc is None or self.proc.poll() is not None:
            return (self.proc.returncode if self.proc else None), 0.0
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, time.time() - t0

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    # ---- HTTP
    def request(self, method, path, body=None, token=None, timeout=10):
        url = "http://127.0.0.1:%d%s" % (self.api_port, path)
        data = None
        headers = {}
        if body is not None:
            data = body if isinstance(body, bytes) else \
                json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        tok = token if token is not None else self.token
        if tok:
            headers["Authorization"] = "Bearer " + tok
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def get(self, path, **kw):
        status, body, _ = self.request("GET", path, **kw)
        return status, body

    def json(self, method, path, body=None, **kw):
        status, raw, _ = self.request(method, path, body, **kw)
        try:
            return status, json.loads(raw.decode())
        except ValueError:
            return status, {"_raw": raw.decode("utf-8", "replace")}

    def status(self):
        """GET /api/v1/status with its totals also at the top level."""
        s = self.json("GET", "/api/v1/status")[1]
        s.update(s.get("totals", {}))
        return s

    def lists_loaded(self):
        b = self.json("GET", "/api/v1/blacklists")[1]
        return all(x.get("loaded") for x in b.get("lists", [])) and \
            b.get("table", {}).get("builds", 0) >= 2 and \
            b.get("table", {}).get("prefixes", 0) > 0

    def captures(self):
        return self.json("GET", "/api/v1/captures")[1].get("captures", [])

    def metrics(self):
        """{(name, frozenset(labels)): value} from GET /metrics."""
        status, body = self.get("/metrics")
        assert status == 200, status
        out = {}
        for line in body.decode().splitlines():
            if not line or line.startswith("#"):
                continue
            name_labels, value = line.rsplit(" ", 1)
            labels = frozenset()
            if "{" in name_labels:
                name, rest = name_labels.split("{", 1)
                pairs = []
                for item in rest.rstrip("}").split("\","):
                    if not item:
                        continue
                    k, v = item.split("=", 1)
                    pairs.append((k, v.strip("\"")))
                labels = frozenset(pairs)
            else:
                name = name_labels
            out[(name, labels)] = float(value)
        return out

    def events(self, after=0, wait=0):
        return self.json("GET", "/api/v1/events?after=%d&wait=%d" % (
            after, wait), timeout=wait + 10)[1]

    def event_types(self):
        return [e["type"] for e in self.events().get("events", [])]

    def wait_for(self, cond, what, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if cond():
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.05)
        raise AssertionError("timed out waiting for " + what + "\n" +
                             self.log_tail())

    # ---- sFlow
    def send(self, payloads, source="127.0.0.1"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((source, 0))
        for p in payloads:
            s.sendto(p, ("127.0.0.1", self.sflow_port))
        s.close()


class Flows:
    """sFlow datagrams of chosen flows from one agent, numbered in order."""

    def __init__(self, agent="192.0.2.10", rate=1000):
        self.agent = agent
        self.rate = rate
        self.seqr = sc.Sequencer()

    def sample(self, src, dst, sport=51514, dport=443, payload=100,
               proto="tcp", in_if=12, out_if=48):
        if proto == "tcp":
            l4 = pk.tcp(sport, dport, pk.ACK, payload=pk.fill(payload))
        else:
            l4 = pk.udp(sport, dport, pk.fill(payload))
        ip = pk.ipv4(src, dst, l4) if ":" not in src else \
            pk.ipv6(src, dst, l4)
        frame = sc.eth(ip)
        return sc.flow([sf.sample_packet(frame)], in_if=sf.ifindex(in_if),
                       out_if=sf.ifindex(out_if), rate=self.rate)

    def datagram(self, samples):
        return sc.datagram(self.seqr, self.agent, 0, samples).encode()

    def pair(self, local, remote, **kw):
        """One datagram with both directions of local <-> remote."""
        return self.datagram([self.sample(local, remote, **kw),
                              self.sample(remote, local, sport=443,
                                          dport=51514)])
