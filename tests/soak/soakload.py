"""soakload.py - the load of the soak (tests/soak/soak.py), one thread
each: the sFlow sender and the governor that paces it, switch faults,
captures by hand and the API's views, list churn and reloads, the
switches' data plane replays, GRE noise and live-feed clients for the
receiver, and a client of the controller's event stream.

Every thread runs until its stop event is set, counts what it did, and
never lets an exception end it silently: errors are counted and the
first few kept for the report.  Standard library only.
"""
import http.client
import json
import os
import signal
import socket
import threading
import time

import soakgen as gen
import rcvlib as rl

API_ERRORS = (OSError, ValueError, KeyError, http.client.HTTPException)


class Load(threading.Thread):
    """A load thread: run_once() every interval() seconds until stop."""

    def __init__(self, name, stop, seed):
        super().__init__(name=name, daemon=True)
        self.stop = stop
        self.rng = gen.new_rng(seed)
        self.counts = {}
        self.errors = []
        self.error_count = 0

    def count(self, what, n=1):
        self.counts[what] = self.counts.get(what, 0) + n

    def error(self, text):
        self.error_count += 1
        if len(self.errors) < 8:
            self.errors.append("%.0fs %s" % (time.monotonic() - T0[0], text))

    def interval(self):
        return 1.0

    def run(self):
        while not self.stop.wait(self.interval()):
            try:
                self.run_once()
            except API_ERRORS as e:
                self.error("%s: %s" % (type(e).__name__, e))

    def run_once(self):
        raise NotImplementedError


T0 = [time.monotonic()]        # soak.py sets the start


# ---------------------------------------------------------------- sFlow

class Sender(Load):
    """Sends the pool's datagrams to the controller at self.rate a second,
    in batches of 10 ms; valid ones get their agent's next sequence
    number.  sendto() on loopback never blocks: what the controller's
    socket cannot take, the kernel drops and the controller counts."""

    def __init__(self, stop, seed, port, pool, agents, rate, scan,
                 scan_pps):
        super().__init__("sender", stop, seed)
        self.port = port
        self.pool = pool
        self.agents = agents
        self.rate = float(rate)
        self.scan, self.scan_pps = scan, scan_pps
        self.sent = {gen.VALID: 0, gen.GARBAGE: 0}
        self.scanned = 0
        self.started = self.ended = None

    def next_seq(self, ai):
        a = self.agents[ai]
        a.seq += 1
        return a.seq - 1

    def run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dst = ("127.0.0.1", self.port)
        i, n = 0, len(self.pool.entries)
        stride = 1237                   # coprime with the pool size
        self.started = time.monotonic()
        nxt = self.started
        scan_due = 0.0
        try:
            while not self.stop.is_set():
                batch = max(1, int(self.rate / 100))
                entries = self.pool.entries
                # The scan runs at its own pace, whatever the rate.
                scan_due += self.scan_pps * batch / self.rate
                while scan_due >= 1:
                    scan_due -= 1
                    _, data = self.scan.datagram(self.rng, self.next_seq)
                    try:
                        s.sendto(data, dst)
                        self.sent[gen.VALID] += 1
                        self.scanned += 1
                    except OSError:
                        self.count("send_errors")
                for _ in range(batch):
                    i = (i + stride) % n
                    kind, ai, data = entries[i]
                    if kind == gen.VALID:
                        data = gen.with_seq(data, self.next_seq(ai))
                    try:
                        s.sendto(data, dst)
                        self.sent[kind] += 1
                    except OSError as e:
                        self.count("send_errors")
                        if self.counts["send_errors"] <= 3:
                            self.error("sendto: %s" % e)
                nxt += batch / self.rate
                delay = nxt - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -0.5:
                    nxt = time.monotonic()      # behind: do not burst
        finally:
            self.ended = time.monotonic()
            s.close()

    def total(self):
        return self.sent[gen.VALID] + self.sent[gen.GARBAGE]


def metric_sum(m, name):
    return sum(v for (n, _), v in m.items() if n == name)


class Governor(Load):
    """Every 2 s: the controller's kernel drops against what was sent.
    Over 5 % dropped: 20 % slower; none dropped and the sender keeps
    up: 20 % faster; under 1 %: 5 % faster.  So the rate settles where
    the build under test takes nearly everything.  Also renews some
    pairs and pool entries, so the addresses keep changing."""

    def __init__(self, stop, seed, ctl, sender, pool, hot, max_rate):
        super().__init__("governor", stop, seed)
        self.ctl, self.sender, self.pool, self.hot = ctl, sender, pool, hot
        self.max_rate = max_rate
        self.last = None
        self.drops = 0

    def interval(self):
        return 2.0

    def run_once(self):
        m = self.ctl.metrics()
        now = time.monotonic()
        sent = self.sender.total()
        drops = metric_sum(m, "finderscope_listener_kernel_drops_total")
        self.drops = drops
        if self.last is not None:
            t, s0, d0 = self.last
            ds, dd = sent - s0, drops - d0
            achieved = ds / max(now - t, 1e-3)
            ratio = dd / max(ds, 1)
            rate = self.sender.rate
            if ratio > 0.05:
                rate *= 0.8
            elif dd == 0 and achieved > 0.9 * rate:
                rate *= 1.2
            elif ratio < 0.01 and achieved > 0.9 * rate:
                rate *= 1.05
            self.sender.rate = max(200.0, min(self.max_rate, rate))
        self.last = (now, sent, drops)
        self.hot.renew(20)
        self.pool.refresh(100)


# ---------------------------------------------------------------- switches

FAULT_KINDS = (("refuse", 2), ("delay", 2), ("status", 2), ("drop", 2),
               ("compile_fail", 1), ("down", 1))


class Faults(Load):
    """A fault on a random switch at random intervals, every kind of the
    simulator's control API.  5xx only for `status`: a 4xx is final by
    design (never retried), so it would fail captures, not test them."""

    def __init__(self, stop, seed, sims, mean_s):
        super().__init__("faults", stop, seed)
        self.sims = sims
        self.mean_s = mean_s
        self.kinds = [k for k, w in FAULT_KINDS for _ in range(w)]

    def interval(self):
        return self.rng.uniform(0.2, 2 * self.mean_s)

    def run_once(self):
        rng = self.rng
        sim = rng.choice(self.sims)
        kind = rng.choice(self.kinds)
        body = {"kind": kind}
        if kind in ("refuse", "delay", "status", "drop"):
            body["count"] = rng.randint(1, 3)
        if kind == "delay":
            # Past the switches' 2 s timeout now and then.
            body["delay"] = round(rng.uniform(0.2, 3.0), 2)
        elif kind == "status":
            body["status"] = rng.choice((500, 502, 503))
        elif kind == "compile_fail":
            body["returncode"] = rng.choice((1, 2))
        elif kind == "down":
            body["delay"] = round(rng.uniform(0.5, 3.0), 2)
        sim.fault(**body)
        self.count(kind)

    def total(self):
        return sum(self.counts.values())


class Replayer(Load):
    """The data plane: the pairs of the live captures of one switch as TCP
    sessions (most carrying the key) in that switch's pcap, then POST
    /replay, so the switch mirrors what its rules match to the receiver
    as ERSPAN II.  Keeps live_pairs for the GRE noise."""

    def __init__(self, stop, seed, ctl, sims, pcaps):
        super().__init__("replayer", stop, seed)
        self.ctl, self.sims, self.pcaps = ctl, sims, pcaps
        self.live_pairs = []

    def interval(self):
        return self.rng.uniform(0.3, 1.2)

    def run_once(self):
        caps = [c for c in self.ctl.captures()
                if c.get("state") in ("installing", "active")]
        self.live_pairs = [(c["local"], c["remote"]) for c in caps]
        i = self.rng.randrange(len(self.sims))
        name = "leaf%d" % (i + 1)
        pairs = [(c["local"], c["remote"]) for c in caps
                 if c.get("switch") == name]
        gen.write_replay_pcap(self.pcaps[i], self.rng, pairs)
        r = self.sims[i].ctl("POST", "/replay", {})
        self.count("replays")
        self.count("frames", r.get("packets", 0))
        self.count("mirrored", r.get("matched", 0))


# ---------------------------------------------------------------- API

class Manual(Load):
    """Captures by hand (POST, DELETE) and the API's other views, with
    bodies good and bad.  Any answer outside the documented ones is an
    error."""

    def __init__(self, stop, seed, ctl, hot, agents, max_duration):
        super().__init__("manual", stop, seed)
        self.ctl, self.hot, self.agents = ctl, hot, agents
        self.max_duration = max_duration
        self.ids = []

    def interval(self):
        return self.rng.uniform(0.2, 1.5)

    def expect(self, what, st, allowed):
        self.count("%s %d" % (what, st))
        if st not in allowed:
            self.error("%s: unexpected %d" % (what, st))

    def run_once(self):
        rng = self.rng
        ctl = self.ctl
        roll = rng.random()
        if roll < 0.1:
            # An operator ends a capture the sFlow started, freeing a
            # slot for one by hand (the next roll, most likely).
            live = [c["id"] for c in ctl.captures()
                    if c.get("state") == "active" and not c.get("manual")]
            if live:
                st, _ = ctl.json("DELETE", "/api/v1/captures/" +
                                 rng.choice(live))
                self.expect("DELETE live", st, (200, 404, 409))
            roll = 0.0
        if roll < 0.35:
            local, remote = self.hot.pick() if rng.random() < 0.5 else \
                (gen.local_v4(rng, True), gen.unlisted(rng))
            body = {"local": local, "remote": remote,
                    "duration": "%ds" % rng.randint(1, self.max_duration)}
            if rng.random() < 0.7:
                body["agent"] = rng.choice(self.agents)
            st, c = ctl.json("POST", "/api/v1/captures", body)
            self.expect("POST", st, (201, 409, 503))
            if st == 201:
                self.count("manual_started")
                self.ids.append(c["id"])
                self.ids = self.ids[-64:]
        elif roll < 0.55 and self.ids:
            cid = self.ids.pop(rng.randrange(len(self.ids)))
            st, _ = ctl.json("DELETE", "/api/v1/captures/" + cid)
            self.expect("DELETE", st, (200, 404, 409))
            if st == 200:
                self.count("manual_stopped")
        elif roll < 0.6:
            st, _ = ctl.json("DELETE", "/api/v1/captures/c99999999")
            self.expect("DELETE unknown", st, (404,))
        elif roll < 0.7:
            bad = rng.choice([
                b"{not json", b"[]", b"{\"local\":\"10.1.1.1\"}",
                json.dumps({"local": "10.1.1.1", "remote": "10.1.1.1"}),
                json.dumps({"local": "10.1.1.1", "remote": "::1"}),
                json.dumps({"local": "10.1.1.1", "remote": "192.0.2.1",
                            "duration": "0s"}),
                json.dumps({"local": "10.1.1.1", "remote": "192.0.2.1",
                            "agent": "192.0.2.250"}),
                json.dumps({"local": "x" * 3000, "remote": "192.0.2.1"})])
            if isinstance(bad, str):
                bad = bad.encode()
            st, _ = ctl.json("POST", "/api/v1/captures", bad)
            self.expect("POST bad", st, (400,))
        else:
            path = rng.choice(["/api/v1/captures", "/api/v1/status",
                               "/api/v1/flows?limit=200&by=frames",
                               "/api/v1/agents", "/api/v1/blacklists",
                               "/api/v1/lookup?addr=198.18.7.7",
                               "/api/v1/events?after=0&limit=500"])
            st, _ = ctl.get(path)
            self.expect("GET", st, (200,))


class Churn(Load):
    """The watch list changes (a tenth of it) every 30-60 s, which the
    controller reads again at its next refresh; now and then a SIGHUP to
    the controller or the receiver, with the config unchanged."""

    def __init__(self, stop, seed, watch, path, daemons, hup_every):
        super().__init__("churn", stop, seed)
        self.watch, self.path, self.daemons = watch, path, daemons
        self.hup_every = hup_every
        self.next_list = time.monotonic() + self.rng.uniform(30, 60)
        self.next_hup = time.monotonic() + hup_every
        self.turn = 0

    def run_once(self):
        now = time.monotonic()
        if now >= self.next_list:
            self.watch.churn()
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                f.write(self.watch.text())
            os.replace(tmp, self.path)
            self.count("list_rewrites")
            self.next_list = now + self.rng.uniform(30, 60)
        if now >= self.next_hup and self.daemons:
            d = self.daemons[self.turn % len(self.daemons)]
            self.turn += 1
            if d.proc.poll() is None:
                d.proc.send_signal(signal.SIGHUP)
                self.count("sighup")
            self.next_hup = now + self.hup_every


class EventStream(Load):
    """A client of the controller's GET /api/v1/events/stream that reads
    everything and reconnects with ?after= when it is cut off."""

    def __init__(self, stop, seed, port):
        super().__init__("events", stop, seed)
        self.port = port
        self.after = 0

    def run_once(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/api/v1/events/stream?after=%d" % self.after)
            r = conn.getresponse()
            if r.status != 200:
                self.count("refused %d" % r.status)
                return
            self.count("connects")
            while not self.stop.is_set():
                line = r.readline()
                if not line:
                    break
                if line.startswith(b"id: "):
                    self.after = int(line[4:])
                elif line.startswith(b"data: "):
                    self.count("events")
        finally:
            conn.close()


# ---------------------------------------------------------------- receiver

class GreNoise(Load):
    """GRE at the receiver's raw socket from the switches' addresses (lo
    aliases in the namespace): garbage, ERSPAN of pairs of no capture,
    and ERSPAN of live captures' pairs, some from the wrong switch."""

    def __init__(self, stop, seed, sources, replayer, pps):
        super().__init__("gre", stop, seed)
        self.senders = [rl.GreSender(a) for a in sources]
        self.replayer = replayer
        self.pps = pps

    def run(self):
        try:
            nxt = time.monotonic()
            while not self.stop.is_set():
                for _ in range(max(1, self.pps // 100)):
                    kind, body = gen.gre_noise(self.rng,
                                               self.replayer.live_pairs)
                    try:
                        self.rng.choice(self.senders).send(body)
                        self.count(kind)
                    except OSError as e:
                        self.count("send_errors")
                        if self.counts["send_errors"] <= 3:
                            self.error("gre send: %s" % e)
                nxt += 0.01
                delay = nxt - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -0.5:
                    nxt = time.monotonic()
        finally:
            for s in self.senders:
                s.close()


class LiveFeed(Load):
    """Clients of the receiver's /live.pcap come and go: reading ones with
    and without filters, a bad filter, and one that never reads (the
    receiver cuts it off).  Plain sockets, read in this thread."""

    def __init__(self, stop, seed, port, replayer):
        super().__init__("live", stop, seed)
        self.port, self.replayer = port, replayer

    def interval(self):
        return self.rng.uniform(2, 8)

    def run_once(self):
        rng = self.rng
        reads = rng.random() >= 0.2
        query = rng.choice(["", "?filter=tcp", "?filter=not+a+filter",
                            "?filter=ip6", "?capture=c1"]) if reads else ""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if not reads:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(0.5)
            s.connect(("127.0.0.1", self.port))
            s.sendall(("GET /live.pcap%s HTTP/1.1\r\nHost: soak\r\n\r\n"
                       % query).encode())
            end = time.monotonic() + rng.uniform(1, 5)
            got = b""
            while time.monotonic() < end and not self.stop.is_set():
                if not reads:
                    self.stop.wait(0.2)
                    continue
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                got += chunk[:64] if got else chunk
            status = got.split(b" ", 2)[1].decode() if got.count(b" ") \
                >= 2 else "none"
            self.count("slow" if not reads else "status " + status)
        finally:
            s.close()
