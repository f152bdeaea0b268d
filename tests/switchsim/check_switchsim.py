#!/usr/bin/python3
"""check_switchsim.py - the switch simulator (switchsim.py) checked against
the acl_server API as the rules issue specifies it, through urllib and raw
sockets on 127.0.0.1: status codes and bodies, batching, lasterror and the
Warning header, basic auth, TLS, every fault kind, concurrency, the state
file, and the ERSPAN data plane.

  check_switchsim.py --workdir DIR [--openssl openssl] CASE

The dataplane case needs raw sockets (root); without them it exits 77
(skipped).

Cases: api, validation, batching, lasterror, auth, tls, fault_refuse,
fault_delay, fault_status, fault_drop, fault_compile, fault_down,
concurrency, reset, state, dataplane.  Ends with "N passed, N failed".
"""
import argparse
import base64
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from fs_conformance import Tally          # noqa: E402
from fsgen import packet as pk            # noqa: E402
from fsgen.pcap import Writer             # noqa: E402

SIM = os.path.join(HERE, "switchsim.py")
IPPROTO_GRE = 47
DELAY = 0.3                               # --compile-delay of most cases


def rule(local, remote, src="127.0.0.1", dst="127.0.0.1", extra=""):
    return ("-A FORWARD --in-interface swp+ %s-s %s -d %s -j ERSPAN "
            "--src-ip %s --dst-ip %s" % (extra, local, remote, src, dst))


def acl(local, remote, src="127.0.0.1", dst="127.0.0.1", v6=False):
    return ["[ip6tables]" if v6 else "[iptables]",
            rule(local, remote, src, dst), rule(remote, local, src, dst)]


class Switch:
    """A switchsim.py process on free ports, and an HTTP client for it."""

    def __init__(self, wd, *extra, scheme="http", user=None, password=None,
                 ctx=None, delay=DELAY):
        self.wd = wd
        self.extra = list(extra)
        self.scheme, self.ctx = scheme, ctx
        self.user, self.password = user, password
        self.delay = delay
        self.api_port = self.control_port = 0
        self.start()

    def start(self):
        cmd = ["/usr/bin/python3", SIM, "--listen",
               "127.0.0.1:%d" % self.api_port, "--control",
               "127.0.0.1:%d" % self.control_port,
               "--compile-delay", str(self.delay)] + self.extra
        self.err = open(os.path.join(self.wd, "switchsim.err"), "a")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=self.err, text=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().strip()
            if line.startswith("api "):
                self.api_port = int(line.split()[1])
            elif line.startswith("control "):
                self.control_port = int(line.split()[1])
            elif line == "ready":
                return self
            elif line == "" and self.proc.poll() is not None:
                break
        raise RuntimeError("switchsim did not say ready")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        return self.proc.returncode

    def request(self, method, path, body=None, ctype="application/json",
                auth=True, timeout=5, raw=None, ctx=None, user=None,
                password=None):
        """(status, headers, body bytes); status is None and headers the
        exception when the exchange failed."""
        url = "%s://127.0.0.1:%d%s" % (self.scheme, self.api_port, path)
        data = raw if raw is not None else \
            (None if body is None else json.dumps(body).encode())
        r = urllib.request.Request(url, data=data, method=method)
        if data is not None and ctype:
            r.add_header("Content-Type", ctype)
        user = self.user if user is None else user
        password = self.password if password is None else password
        if auth and user is not None:
            tok = base64.b64encode(("%s:%s" % (user, password)).encode())
            r.add_header("Authorization", "Basic " + tok.decode())
        try:
            with urllib.request.urlopen(r, timeout=timeout,
                                        context=ctx or self.ctx) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except (urllib.error.URLError, http.client.HTTPException,
                OSError) as e:
            return None, e, b""

    def get_json(self, path):
        st, _, body = self.request("GET", path)
        return st, (json.loads(body) if body else None)

    def control(self, method, path, body=None):
        url = "http://127.0.0.1:%d%s" % (self.control_port, path)
        data = None if body is None else json.dumps(body).encode()
        r = urllib.request.Request(url, data=data, method=method)
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def state(self):
        return self.control("GET", "/state")[1]

    def fault(self, **f):
        return self.control("POST", "/fault", f)[0]

    def wait_compiled(self):
        """Until nothing is pending (the batch has compiled)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if not self.state()["pending"]:
                return True
            time.sleep(0.05)
        return False


def last(sw, method, path):
    recs = [r for r in sw.state()["requests"]
            if r["method"] == method and r["path"] == path]
    return recs[-1] if recs else {}


# ---------------------------------------------------------------- cases

def case_api(t, args, wd):
    """Each call of the API: status codes, bodies, the request log."""
    sw = Switch(wd)
    try:
        st, names = sw.get_json("/acl/")
        t.check(st == 200 and names == [], "empty list: %r %r" % (st, names))
        lines = acl("10.1.2.3", "203.0.113.66")
        st, hdr, body = sw.request("PUT", "/acl/fscope_c1", lines)
        t.check(st == 202 and body == b"", "PUT: 202 and no body: %r %r" %
                (st, body))
        t.check(last(sw, "PUT", "/acl/fscope_c1").get("body") == lines,
                "the PUT body is in the request log")
        t.check(sw.wait_compiled(), "the batch compiles")
        st, got = sw.get_json("/acl/fscope_c1")
        t.check(st == 200 and got == lines, "GET: the lines: %r %r" %
                (st, got))
        st, names = sw.get_json("/acl/")
        t.check(st == 200 and names == ["fscope_c1"], "list: %r" % names)
        st, _, body = sw.request("GET", "/acl/lasterror")
        t.check(st == 204 and body == b"", "lasterror without error: 204")
        st, _, body = sw.request("DELETE", "/acl/fscope_c1")
        t.check(st == 204 and body == b"", "DELETE: 204: %r" % st)
        st, _, _ = sw.request("GET", "/acl/fscope_c1")
        t.check(st == 404, "GET after DELETE: 404, got %r" % st)
        st, _, _ = sw.request("DELETE", "/acl/fscope_c1")
        t.check(st == 204, "DELETE of an absent ACL: 204, got %r" % st)
        st, _, _ = sw.request("GET", "/acl/nothere")
        t.check(st == 404, "GET of an unknown ACL: 404, got %r" % st)
        for method, path, want in (
                ("POST", "/acl/fscope_c1", 405), ("PATCH", "/acl/x", 405),
                ("PUT", "/acl/", 405), ("POST", "/acl/", 405),
                ("PUT", "/acl/lasterror", 405),
                ("DELETE", "/acl/lasterror", 405),
                ("GET", "/other", 404), ("GET", "/", 404),
                ("GET", "/acl/a/b", 404), ("GET", "/acl", 404)):
            st, hdr, _ = sw.request(method, path, [] if method in
                                    ("PUT", "POST", "PATCH") else None)
            t.check(st == want, "%s %s: %d, got %r" % (method, path, want,
                                                       st))
            if want == 405:
                t.check(st == 405 and "PUT" in (hdr.get("Allow") or ""),
                        "405 says Allow: %r" % (hdr,))
        # DELETE BASE/ removes everything and is counted.
        sw.request("PUT", "/acl/a1", acl("10.0.0.1", "192.0.2.1"))
        sw.request("PUT", "/acl/a2", acl("10.0.0.2", "192.0.2.2"))
        sw.wait_compiled()
        t.equal("two ACLs", ["a1", "a2"], sw.get_json("/acl/")[1])
        t.equal("delete_all before", 0, sw.state()["delete_all"])
        st, _, _ = sw.request("DELETE", "/acl/")
        t.check(st == 204, "DELETE BASE/: 204, got %r" % st)
        s = sw.state()
        t.equal("delete_all counted", 1, s["delete_all"])
        t.equal("nothing left", {}, s["acls"])
        t.equal("list after DELETE BASE/", [], sw.get_json("/acl/")[1])
        recs = s["requests"]
        t.check(all(set(r) >= {"method", "path", "time", "status"}
                    for r in recs), "request records carry their fields")
        t.check(recs and recs[-1]["method"] == "DELETE" and
                recs[-1]["path"] == "/acl/" and recs[-1]["status"] == 204,
                "the last request recorded: %r" % recs[-1:])
    finally:
        sw.stop()
    # A different base.
    sw = Switch(wd, "--base", "/api/acl/")
    try:
        st, _, _ = sw.request("PUT", "/api/acl/x1", acl("10.0.0.1",
                                                        "192.0.2.1"))
        t.check(st == 202, "PUT under --base: %r" % st)
        st, _, _ = sw.request("GET", "/acl/")
        t.check(st == 404, "the default base is gone: %r" % st)
    finally:
        sw.stop()


def case_validation(t, args, wd):
    """Bad names and bodies are refused on arrival with 400 or 415."""
    sw = Switch(wd)
    good = acl("10.1.2.3", "203.0.113.66")
    try:
        for name in ("Upper", "bad-name", "a.b", "sp%20ace", "x" * 129,
                     "caf%C3%A9"):
            st, _, body = sw.request("PUT", "/acl/" + name, good)
            t.check(st == 400 and b"error" in body, "name %r: 400, got %r"
                    % (name, st))
        st, _, _ = sw.request("PUT", "/acl/" + "x" * 128, good)
        t.check(st == 202, "a 128-character name is fine: %r" % st)
        bodies = [
            ("not JSON", b"[\"[iptables]\", "),
            ("an object", b"{\"a\": 1}"),
            ("an empty array", b"[]"),
            ("no section first", json.dumps(good[1:]).encode()),
            ("a number", json.dumps(["[iptables]", 5]).encode()),
            ("an unknown section", json.dumps(["[iptables]", "[foo]"])
             .encode()),
            ("a line without -A", json.dumps(["[iptables]", "-I FORWARD"])
             .encode()),
            ("a newline", json.dumps(["[iptables]", good[1] + "\n" +
                                      good[2]]).encode()),
            ("a NUL", json.dumps(["[iptables]", good[1] + "\0"]).encode()),
            ("an overlong line", json.dumps(["[iptables]", "-A " + "x" *
                                             2000]).encode()),
            ("too many lines", json.dumps(["[iptables]"] + [good[1]] * 300)
             .encode()),
            ("bad UTF-8", b"[\"[iptables]\", \"-A \xff\"]"),
        ]
        for what, raw in bodies:
            st, _, body = sw.request("PUT", "/acl/v1", raw=raw)
            t.check(st == 400 and b"error" in body,
                    "%s: 400, got %r %r" % (what, st, body))
        st, _, _ = sw.request("PUT", "/acl/v1", good, ctype="text/plain")
        t.check(st == 415, "Content-Type text/plain: 415, got %r" % st)
        st, _, _ = sw.request("PUT", "/acl/v1", good,
                              ctype="application/json; charset=utf-8")
        t.check(st == 202, "application/json with a charset: %r" % st)
        st, _, _ = sw.request("PUT", "/acl/v2", raw=b"x" * 70000)
        t.check(st == 413, "a 70 kB body: 413, got %r" % st)
        sw.wait_compiled()
        t.equal("only the good ones", ["v1", "x" * 128],
                sw.get_json("/acl/")[1])
        t.check(sw.state()["lasterror"] is None, "no compile error")
    finally:
        sw.stop()


def case_batching(t, args, wd):
    """202 means queued: the ACL appears after the compile delay, in one
    batch with the others queued at the same time."""
    sw = Switch(wd, delay=1.0)
    try:
        names = ["b%d" % i for i in range(3)]
        t0 = time.monotonic()
        for i, n in enumerate(names):
            st, _, _ = sw.request("PUT", "/acl/" + n,
                                  acl("10.0.0.%d" % (i + 1), "192.0.2.1"))
            t.check(st == 202, "PUT %s: 202" % n)
        for n in names:
            st, _, _ = sw.request("GET", "/acl/" + n)
            t.check(st == 404 or time.monotonic() - t0 > 0.9,
                    "GET right after PUT: 404, got %r" % st)
        t.equal("list before the compile", [], sw.get_json("/acl/")[1])
        t.equal("pending", names, sw.state()["pending"])
        t.check(sw.wait_compiled(), "the batch compiles")
        took = time.monotonic() - t0
        t.check(0.9 <= took < 3, "compiled after the delay: %.2f s" % took)
        for n in names:
            st, _, _ = sw.request("GET", "/acl/" + n)
            t.check(st == 200, "GET after the compile: 200, got %r" % st)
        t.equal("one batch", 1, sw.state()["compiles"])
        # A replacement stays invisible until its own compile.
        new = acl("10.9.9.9", "192.0.2.9")
        sw.request("PUT", "/acl/b0", new)
        t.check(sw.get_json("/acl/b0")[1] != new, "the old lines until then")
        sw.wait_compiled()
        t.equal("the new lines after", new, sw.get_json("/acl/b0")[1])
        # A DELETE of a queued ACL cancels it.
        sw.request("PUT", "/acl/gone", acl("10.0.0.7", "192.0.2.7"))
        st, _, _ = sw.request("DELETE", "/acl/gone")
        t.check(st == 204, "DELETE of a queued ACL: 204")
        sw.wait_compiled()
        time.sleep(0.2)
        st, _, _ = sw.request("GET", "/acl/gone")
        t.check(st == 404, "a deleted queued ACL never appears: %r" % st)
    finally:
        sw.stop()
    # --compile-delay 0: still queued, compiled at once.
    sw = Switch(wd, delay=0)
    try:
        sw.request("PUT", "/acl/z", acl("10.0.0.1", "192.0.2.1"))
        t.check(sw.wait_compiled() and sw.request("GET", "/acl/z")[0] == 200,
                "compile delay 0")
    finally:
        sw.stop()


def case_lasterror(t, args, wd):
    """A line the compiler rejects: lasterror, the Warning header on every
    answer, the ACL not installed; the next good compile clears it."""
    sw = Switch(wd)
    try:
        bad = {
            "target": ["[iptables]", "-A FORWARD -s 10.0.0.1 -j FOO"],
            "address": ["[iptables]", rule("10.0.0.300", "192.0.2.1")],
            "family": ["[iptables]", rule("2001:db8::1", "192.0.2.1")],
            "receiver6": ["[ip6tables]", rule("2001:db8::1", "2001:db8::2",
                                              dst="2001:db8::99")],
            "option": ["[iptables]", "-A FORWARD --evil x -j DROP"],
            "chain": ["[iptables]", "-A NOPE -j DROP"],
            "notarget": ["[iptables]", "-A FORWARD -s 10.0.0.1"],
            "erspan": ["[iptables]", "-A FORWARD -s 10.0.0.1 -j ERSPAN "
                       "--src-ip 10.0.0.2"],
            "port": ["[iptables]", "-A FORWARD --dport 80 -j DROP"],
            "semicolon": ["[iptables]", rule("10.0.0.1;reboot",
                                             "192.0.2.1")],
        }
        for what, lines in bad.items():
            sw.request("PUT", "/acl/bad_" + what, lines)
            sw.wait_compiled()
            st, hdr, body = sw.request("GET", "/acl/lasterror")
            err = json.loads(body) if body else {}
            t.check(st == 200 and err.get("returncode") == 1 and
                    any(("bad_" + what) in x for x in err.get("lines", [])),
                    "%s: lasterror names the ACL: %r %r" % (what, st, err))
            st, _, _ = sw.request("GET", "/acl/bad_" + what)
            t.check(st == 404, "%s: the failed ACL is not installed: %r" %
                    (what, st))
        for method, path in (("GET", "/acl/"), ("GET", "/acl/missing"),
                             ("DELETE", "/acl/missing"),
                             ("GET", "/acl/lasterror")):
            st, hdr, _ = sw.request(method, path)
            w = hdr.get("Warning", "") if st else ""
            t.check(w.startswith("199 - \""),
                    "%s %s carries Warning: 199: %r" % (method, path, w))
        st, hdr, _ = sw.request("PUT", "/acl/ok1", acl("10.0.0.1",
                                                       "192.0.2.1"))
        t.check(st == 202 and hdr.get("Warning"), "the PUT too")
        sw.wait_compiled()
        st, hdr, _ = sw.request("GET", "/acl/lasterror")
        t.check(st == 204 and hdr.get("Warning") is None,
                "a good compile clears lasterror: %r %r" %
                (st, hdr.get("Warning")))
        # One bad ACL in a batch with a good one: the good one installs.
        sw.request("PUT", "/acl/good2", acl("10.0.0.2", "192.0.2.2"))
        sw.request("PUT", "/acl/bad2", bad["target"])
        sw.wait_compiled()
        t.check(sw.request("GET", "/acl/good2")[0] == 200 and
                sw.request("GET", "/acl/bad2")[0] == 404,
                "per-ACL outcome in a mixed batch")
        err = sw.state()["lasterror"] or {}
        t.check(any("bad2" in x for x in err.get("lines", [])),
                "lasterror of the mixed batch: %r" % err)
        # Rules that do compile: negation, protocol, ports, prefixes, v6.
        ok = ["[iptables]",
              rule("10.0.0.0/8", "192.0.2.0/24", extra="-p tcp --dport 443 "),
              rule("10.0.0.1", "192.0.2.1", extra="! -p udp "),
              "-A FORWARD -i swp1 -s 10.0.0.1 -j ERSPAN --src-ip 10.0.0.2 "
              "--dst-ip 10.0.0.3 --ttl 32 --dscp 10",
              "-A FORWARD -p udp --sport 1000:2000 -j DROP",
              "[ip6tables]", rule("2001:db8::1", "2001:db8::/64")]
        sw.request("PUT", "/acl/ok3", ok)
        sw.wait_compiled()
        t.check(sw.request("GET", "/acl/ok3")[0] == 200 and
                sw.state()["lasterror"] is None,
                "a varied ACL compiles: %r" % sw.state()["lasterror"])
    finally:
        sw.stop()
    # --max-rules: the TCAM is full.
    sw = Switch(wd, "--max-rules", "3")
    try:
        sw.request("PUT", "/acl/m1", acl("10.0.0.1", "192.0.2.1"))
        sw.wait_compiled()
        sw.request("PUT", "/acl/m2", acl("10.0.0.2", "192.0.2.2"))
        sw.wait_compiled()
        err = sw.state()["lasterror"] or {}
        t.check(sw.request("GET", "/acl/m2")[0] == 404 and
                any("hardware" in x for x in err.get("lines", [])),
                "--max-rules: the second ACL does not fit: %r" % err)
    finally:
        sw.stop()


def case_auth(t, args, wd):
    """--user: 401 with WWW-Authenticate without or with wrong
    credentials; the control API needs none."""
    sw = Switch(wd, "--user", "cumulus", "--password", "s3cret:x",
                user="cumulus", password="s3cret:x")
    try:
        st, hdr, _ = sw.request("GET", "/acl/", auth=False)
        t.check(st == 401 and (hdr.get("WWW-Authenticate") or "")
                .startswith("Basic"), "no credentials: 401 Basic: %r" % st)
        st, _, _ = sw.request("GET", "/acl/", password="wrong")
        t.check(st == 401, "a wrong password: 401, got %r" % st)
        st, _, _ = sw.request("GET", "/acl/", user="root")
        t.check(st == 401, "a wrong user: 401, got %r" % st)
        st, _, _ = sw.request("PUT", "/acl/a", acl("10.0.0.1", "192.0.2.1"),
                              auth=False)
        t.check(st == 401, "PUT without credentials: 401")
        st, _, _ = sw.request("GET", "/acl/")
        t.check(st == 200, "right credentials: 200, got %r" % st)
        st, _, _ = sw.request("PUT", "/acl/a", acl("10.0.0.1", "192.0.2.1"))
        t.check(st == 202, "PUT with credentials: 202")
        sw.wait_compiled()
        t.equal("only the authorised PUT", ["a"], sw.get_json("/acl/")[1])
        st, _ = sw.control("GET", "/state")
        t.check(st == 200, "control API without credentials")
    finally:
        sw.stop()


def make_cert(args, wd):
    cert, key = os.path.join(wd, "cert.pem"), os.path.join(wd, "key.pem")
    subprocess.run([args.openssl, "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def case_tls(t, args, wd):
    """--tls: HTTPS that verifies against the self-signed certificate."""
    cert, key = make_cert(args, wd)
    ctx = ssl.create_default_context(cafile=cert)
    sw = Switch(wd, "--tls", cert, key, "--user", "u", "--password", "p",
                scheme="https", ctx=ctx, user="u", password="p")
    try:
        st, _, _ = sw.request("PUT", "/acl/t1", acl("10.0.0.1", "192.0.2.1"))
        t.check(st == 202, "PUT over HTTPS: %r" % st)
        sw.wait_compiled()
        st, got = sw.get_json("/acl/t1")
        t.check(st == 200 and got[0] == "[iptables]", "GET over HTTPS")
        st, _, _ = sw.request("GET", "/acl/", auth=False)
        t.check(st == 401, "auth over HTTPS: 401, got %r" % st)
        st, e, _ = sw.request("GET", "/acl/",
                              ctx=ssl.create_default_context())
        t.check(st is None and "CERTIFICATE_VERIFY_FAILED" in str(e),
                "an unknown certificate fails verification: %r" % e)
        sw.scheme = "http"
        st, e, _ = sw.request("GET", "/acl/")
        t.check(st is None or st == 400, "plain HTTP to the TLS port fails: "
                "%r %r" % (st, e))
        sw.scheme = "https"
        st, _, _ = sw.request("GET", "/acl/")
        t.check(st == 200, "the server survives both: %r" % st)
    finally:
        sw.stop()


def case_fault_refuse(t, args, wd):
    """refuse: the next N requests get no answer at all."""
    sw = Switch(wd)
    try:
        t.equal("fault queued", 200, sw.fault(kind="refuse", count=2))
        for i in range(2):
            st, e, _ = sw.request("PUT", "/acl/r1", acl("10.0.0.1",
                                                        "192.0.2.1"))
            t.check(st is None, "refused %d: no answer: %r %r" % (i, st, e))
        st, _, _ = sw.request("GET", "/acl/")
        t.check(st == 200, "the third request is answered: %r" % st)
        s = sw.state()
        t.equal("refused counted", 2, s["refused"])
        t.equal("the refused PUT was not applied", [], s["pending"] +
                list(s["acls"]))
        t.check([r["fault"] for r in s["requests"]] ==
                ["refuse", "refuse", None], "the log marks the faults: %r" %
                [r["fault"] for r in s["requests"]])
        t.equal("faults used up", [], s["faults"])
        for bad in ({"kind": "explode"}, {"kind": "refuse", "count": 0},
                    {"kind": "delay", "delay": -1},
                    {"kind": "status", "status": 42}, [1]):
            st, _ = sw.control("POST", "/fault", bad)
            t.check(st == 400, "a bad fault %r: 400, got %r" % (bad, st))
    finally:
        sw.stop()


def case_fault_delay(t, args, wd):
    """delay: answers come late; the request still takes effect."""
    sw = Switch(wd)
    try:
        sw.fault(kind="delay", delay=1.0, count=2)
        t0 = time.monotonic()
        st, _, _ = sw.request("GET", "/acl/")
        took = time.monotonic() - t0
        t.check(st == 200 and 1.0 <= took < 3, "delayed 1 s: %r %.2f" %
                (st, took))
        t0 = time.monotonic()
        st, e, _ = sw.request("PUT", "/acl/d1", acl("10.0.0.1", "192.0.2.1"),
                              timeout=0.3)
        t.check(st is None and time.monotonic() - t0 < 1,
                "a client deadline of 0.3 s expires: %r" % (e,))
        time.sleep(1.0)
        sw.wait_compiled()
        t.check(sw.request("GET", "/acl/d1")[0] == 200,
                "the late PUT still took effect")
        t0 = time.monotonic()
        sw.request("GET", "/acl/")
        t.check(time.monotonic() - t0 < 0.5, "no delay after count runs out")
    finally:
        sw.stop()


def case_fault_status(t, args, wd):
    """status: the next N requests get that code and are not applied."""
    sw = Switch(wd)
    try:
        sw.fault(kind="status", status=500, count=2)
        sw.fault(kind="status", status=503)
        for want in (500, 500, 503):
            st, _, _ = sw.request("PUT", "/acl/s1", acl("10.0.0.1",
                                                        "192.0.2.1"))
            t.check(st == want, "injected %d, got %r" % (want, st))
        t.equal("not applied", [], sw.state()["pending"])
        st, _, _ = sw.request("PUT", "/acl/s1", acl("10.0.0.1", "192.0.2.1"))
        t.check(st == 202, "then 202: %r" % st)
        t.equal("statuses in the log", [500, 500, 503, 202],
                [r["status"] for r in sw.state()["requests"]])
    finally:
        sw.stop()


def case_fault_drop(t, args, wd):
    """drop: headers and part of the body, then the connection closes."""
    sw = Switch(wd)
    try:
        sw.request("PUT", "/acl/p1", acl("10.0.0.1", "192.0.2.1"))
        sw.wait_compiled()
        sw.fault(kind="drop")
        url = "http://127.0.0.1:%d/acl/p1" % sw.api_port
        got = None
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                st = resp.status
                resp.read()
        except http.client.IncompleteRead as e:
            got = e
        t.check(isinstance(got, http.client.IncompleteRead) and st == 200 and
                0 < len(got.partial) < got.expected + len(got.partial),
                "headers arrive, the body is cut: %r" % got)
        sw.fault(kind="drop")
        st, e, _ = sw.request("PUT", "/acl/p2", acl("10.0.0.2", "192.0.2.2"))
        t.check(st is None, "a dropped PUT fails for the client: %r" % e)
        sw.wait_compiled()
        t.check(sw.request("GET", "/acl/p2")[0] == 200,
                "but the switch applied it")
        st, _, _ = sw.request("GET", "/acl/p1")
        t.check(st == 200, "whole answers again after the fault: %r" % st)
    finally:
        sw.stop()


def case_fault_compile(t, args, wd):
    """compile_fail: the next compile fails as a whole."""
    sw = Switch(wd)
    try:
        sw.fault(kind="compile_fail", returncode=3)
        sw.request("PUT", "/acl/c1", acl("10.0.0.1", "192.0.2.1"))
        sw.request("PUT", "/acl/c2", acl("10.0.0.2", "192.0.2.2"))
        sw.wait_compiled()
        st, hdr, body = sw.request("GET", "/acl/lasterror")
        err = json.loads(body) if body else {}
        t.check(st == 200 and err.get("returncode") == 3 and
                "c1" in " ".join(err.get("lines", [])),
                "lasterror after the injected failure: %r %r" % (st, err))
        t.check("returned 3" in (hdr.get("Warning") or ""),
                "Warning: %r" % hdr.get("Warning"))
        t.equal("nothing installed", [], sw.get_json("/acl/")[1])
        sw.request("PUT", "/acl/c1", acl("10.0.0.1", "192.0.2.1"))
        sw.wait_compiled()
        t.check(sw.request("GET", "/acl/c1")[0] == 200 and
                sw.request("GET", "/acl/lasterror")[0] == 204,
                "the next compile works and clears lasterror")
    finally:
        sw.stop()


def case_fault_down(t, args, wd):
    """down: the listener is closed (connection refused), then back."""
    sw = Switch(wd)
    try:
        t.equal("down queued", 200, sw.fault(kind="down", delay=1.5))
        time.sleep(0.3)
        st, e, _ = sw.request("GET", "/acl/")
        t.check(st is None and "refused" in str(e).lower(),
                "connection refused while down: %r" % e)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            st, _, _ = sw.request("GET", "/acl/")
            if st == 200:
                break
            time.sleep(0.1)
        t.check(st == 200, "back on the same port: %r" % st)
    finally:
        sw.stop()


def case_concurrency(t, args, wd):
    """Requests are served in parallel; the peak is recorded."""
    sw = Switch(wd)
    try:
        n = 8
        sw.fault(kind="delay", delay=1.0, count=n)
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            sw.request("GET", "/acl/")[0])) for _ in range(n)]
        t0 = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        took = time.monotonic() - t0
        t.equal("all answered", [200] * n, results)
        t.check(took < 2.5, "in parallel: %.2f s" % took)
        s = sw.state()
        t.equal("max_concurrent", n, s["max_concurrent"])
        t.equal("nothing in flight", 0, s["inflight"])
    finally:
        sw.stop()


def case_reset(t, args, wd):
    """POST /reset clears ACLs, faults and history; control API errors."""
    sw = Switch(wd)
    try:
        sw.request("PUT", "/acl/x1", acl("10.0.0.1", "192.0.2.1"))
        sw.wait_compiled()
        sw.request("PUT", "/acl/bad", ["[iptables]", "-A FORWARD -j NO"])
        sw.wait_compiled()
        sw.request("DELETE", "/acl/")
        sw.request("PUT", "/acl/x2", acl("10.0.0.1", "192.0.2.1"))
        sw.fault(kind="status", status=500, count=5)
        st, _ = sw.control("POST", "/reset")
        t.check(st == 200, "reset: %r" % st)
        s = sw.state()
        for k, want in (("acls", {}), ("pending", []), ("requests", []),
                        ("faults", []), ("delete_all", 0),
                        ("lasterror", None), ("max_concurrent", 0)):
            t.equal("after reset: " + k, want, s[k])
        st, _, _ = sw.request("GET", "/acl/")
        t.check(st == 200, "no fault left: %r" % st)
        time.sleep(DELAY + 0.2)
        t.equal("the queued PUT is gone too", [], sw.get_json("/acl/")[1])
        for method, path, want in (("GET", "/nothing", 404),
                                   ("GET", "/reset", 405),
                                   ("DELETE", "/state", 405),
                                   ("POST", "/replay", 409)):
            st, _ = sw.control(method, path)
            t.check(st == want, "control %s %s: %d, got %r" %
                    (method, path, want, st))
    finally:
        sw.stop()


def case_state(t, args, wd):
    """--state: installed ACLs survive a restart (and a kill -9)."""
    path = os.path.join(wd, "switch.json")
    sw = Switch(wd, "--state", path)
    try:
        lines = acl("10.0.0.1", "192.0.2.1")
        sw.request("PUT", "/acl/keep", lines)
        sw.request("PUT", "/acl/drop", acl("10.0.0.2", "192.0.2.2"))
        sw.wait_compiled()
        sw.request("DELETE", "/acl/drop")
        sw.request("PUT", "/acl/queued", acl("10.0.0.3", "192.0.2.3"))
        sw.stop(signal.SIGKILL)
        sw.start()
        t.equal("after kill -9: the compiled ACL", lines,
                sw.get_json("/acl/keep")[1])
        t.equal("only it", ["keep"], sw.get_json("/acl/")[1])
        t.check(sw.stop() == 0, "SIGTERM: exit 0")
        sw.start()
        t.equal("after SIGTERM and restart", ["keep"],
                sw.get_json("/acl/")[1])
        sw.request("DELETE", "/acl/keep")
        sw.stop()
        sw.start()
        t.equal("a DELETE persists too", [], sw.get_json("/acl/")[1])
        sw.stop()
        with open(path, "w") as f:
            f.write("{not json")
        sw.start()
        t.equal("a corrupt state file: empty switch", [],
                sw.get_json("/acl/")[1])
    finally:
        sw.stop()


def frames():
    """(name, frame) of the traffic pcap."""
    mac1, mac2 = "02:00:00:00:00:01", "02:00:00:00:00:02"
    out = []

    def tcp4(src, dst, sport, dport, vlans=()):
        return pk.ethernet(mac2, mac1, pk.ipv4(src, dst, pk.tcp(
            sport, dport, payload=pk.fill(100))), vlans=vlans).data

    out.append(("fwd", tcp4("10.1.2.3", "203.0.113.66", 40000, 443)))
    out.append(("rev", tcp4("203.0.113.66", "10.1.2.3", 443, 40000)))
    out.append(("other", tcp4("10.1.2.3", "198.51.100.1", 40000, 443)))
    out.append(("vlan", tcp4("10.1.2.3", "203.0.113.66", 40001, 80,
                             vlans=[(pk.ETH_VLAN, 100)])))
    out.append(("v6", pk.ethernet(mac2, mac1, pk.ipv6(
        "2001:db8::1", "2001:db8:1::66", pk.udp(5000, 53, pk.fill(40))))
        .data))
    out.append(("arp", bytes(12) + b"\x08\x06" + bytes(46)))
    out.append(("big", tcp4("10.1.2.3", "203.0.113.66", 40002, 443) +
                bytes(1400)))
    return out


def recv_gre(sock, want, timeout=5):
    """GRE packets by outer source, until want ({source: count}) arrived
    or timeout; packets from other sources (other tests) are skipped."""
    got = {s: [] for s in want}
    deadline = time.monotonic() + timeout
    while any(len(got[s]) < n for s, n in want.items()) and \
            time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, _ = sock.recvfrom(70000)
        except socket.timeout:
            break
        src = socket.inet_ntoa(data[12:16])
        if src in got:
            got[src].append(data)
    return got


def parse_erspan(data):
    """Outer IPv4, GRE and ERSPAN II headers by hand; a dict."""
    ihl = (data[0] & 0x0F) * 4
    ttl, proto = data[8], data[9]
    src, dst = socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[16:20])
    flags, gproto, seq = struct.unpack("!HHI", data[ihl:ihl + 8])
    w0, w1 = struct.unpack("!II", data[ihl + 8:ihl + 16])
    return {"proto": proto, "ttl": ttl, "src": src, "dst": dst,
            "flags": flags, "gre_proto": gproto, "seq": seq,
            "ver": w0 >> 28, "vlan": (w0 >> 16) & 0xFFF,
            "en": (w0 >> 11) & 3, "session": w0 & 0x3FF,
            "index": w1 & 0xFFFFF, "frame": data[ihl + 16:],
            "tot_len": struct.unpack("!H", data[2:4])[0], "len": len(data)}


def case_dataplane(t, args, wd):
    """Matching packets of the pcap come back as ERSPAN II copies."""
    if os.geteuid() != 0:
        print("SKIP raw sockets need root")
        sys.exit(77)
    pcap = os.path.join(wd, "traffic.pcap")
    fr = frames()
    with Writer(pcap) as w:
        for i, (_, f) in enumerate(fr):
            w.write(f, 1700000000000000 + i * 1000)
    byname = dict(fr)
    rnd = random.Random(os.getpid() ^ int(time.time()))
    src4 = "127.%d.%d.%d" % (rnd.randint(1, 254), rnd.randint(0, 255),
                             rnd.randint(1, 254))
    src6 = "127.%d.%d.%d" % (rnd.randint(1, 254), rnd.randint(0, 255),
                             rnd.randint(1, 254))
    rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sw = Switch(wd, "--pcap", pcap, "--erspan-dst", "127.0.0.1")
    try:
        st, out = sw.control("POST", "/replay")
        t.check(st == 200 and out["packets"] == len(fr) and
                out["matched"] == 0, "no rule: nothing mirrored: %r" % out)
        v4 = acl("10.1.2.3", "203.0.113.66", src=src4, dst="127.0.0.1")
        v6 = acl("2001:db8::1", "2001:db8:1::/48", src=src6,
                 dst="192.0.2.99", v6=True)    # --erspan-dst redirects it
        sw.request("PUT", "/acl/fscope_v4", v4)
        sw.request("PUT", "/acl/fscope_v6", v6)
        sw.wait_compiled()
        t.check(sw.state()["lasterror"] is None, "the rules compile")
        sessions = sw.state()["sessions"]
        st, out = sw.control("POST", "/replay")
        t.check(st == 200 and out["mirrored"] == {"fscope_v4": 4,
                                                  "fscope_v6": 1},
                "replay counts: %r" % out)
        got = recv_gre(rx, {src4: 4, src6: 1})
        got4, got6 = got[src4], got[src6]
        t.equal("IPv4 copies received", 4, len(got4))
        t.equal("IPv6 copies received", 1, len(got6))
        want4 = [byname[n] for n in ("fwd", "rev", "vlan", "big")]
        for i, (data, want) in enumerate(zip(got4, want4)):
            p = parse_erspan(data)
            t.check(p["proto"] == IPPROTO_GRE and p["src"] == src4 and
                    p["dst"] == "127.0.0.1" and p["ttl"] == 64,
                    "outer IPv4: %r" % {k: p[k] for k in
                                        ("proto", "src", "dst", "ttl")})
            t.check(p["tot_len"] == p["len"], "outer length")
            t.check(p["flags"] == 0x1000 and p["gre_proto"] == 0x88BE,
                    "GRE: S bit only, 0x88BE: %#x %#x" % (p["flags"],
                                                          p["gre_proto"]))
            t.equal("GRE sequence", i, p["seq"])
            t.check(p["ver"] == 1 and p["session"] ==
                    sessions["fscope_v4"], "ERSPAN II, session %r" % p)
            t.check(p["frame"] == want, "inner frame %d intact" % i)
        p = parse_erspan(got4[2])
        t.check(p["vlan"] == 100 and p["en"] == 3, "a tagged frame: VLAN "
                "100, En 3: %r %r" % (p["vlan"], p["en"]))
        p = parse_erspan(got6[0])
        t.check(p["frame"] == byname["v6"] and p["seq"] == 0 and
                p["session"] == sessions["fscope_v6"],
                "the IPv6 copy, sent to --erspan-dst")
        t.equal("mirrored in /state", {"fscope_v4": 4, "fscope_v6": 1},
                sw.state()["mirrored"])
        # Again: the sequence continues; a port rule narrows the match.
        sw.request("DELETE", "/acl/fscope_v6")
        sw.request("PUT", "/acl/fscope_v4", ["[iptables]", rule(
            "10.1.2.3", "203.0.113.66", src=src4,
            extra="-p tcp --dport 443 ")])
        sw.wait_compiled()
        st, out = sw.control("POST", "/replay", {"pps": 100})
        t.check(out.get("mirrored") == {"fscope_v4": 2},
                "--dport 443: 2 copies: %r" % out)
        got = [parse_erspan(d) for d in recv_gre(rx, {src4: 2})[src4]]
        t.equal("sequence continues", [4, 5], [p["seq"] for p in got])
        t.check([p["frame"] for p in got] == [byname["fwd"], byname["big"]],
                "the two port-443 frames")
        t.equal("no extra copies", [], recv_gre(rx, {src4: 1}, 0.3)[src4])
        t.equal("mirrored total", {"fscope_v4": 6, "fscope_v6": 1},
                sw.state()["mirrored"])
        st, out = sw.control("POST", "/replay", {"pcap": os.path.join(
            wd, "missing.pcap")})
        t.check(st == 409 and "error" in out, "a missing pcap: 409")
        st, out = sw.control("POST", "/replay", {"loops": 0})
        t.check(st == 400, "loops 0: 400, got %r" % st)
    finally:
        sw.stop()
        rx.close()


CASES = {name[5:]: fn for name, fn in globals().items()
         if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--openssl", default="openssl")
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    wd = os.path.join(args.workdir, args.case)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    t = Tally()
    try:
        CASES[args.case](t, args, wd)
    except (AssertionError, RuntimeError, OSError, ValueError,
            KeyError, TypeError) as e:
        t.fail("%s: %s" % (type(e).__name__, e))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed or t.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
