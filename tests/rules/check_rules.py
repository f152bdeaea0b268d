#!/usr/bin/python3
"""check_rules.py - the rule client (rules/, cumulus-acl backend) end to
end against the switch simulator (tests/switchsim/switchsim.py).

Each case starts the simulator on 127.0.0.1 (free ports, a control API,
and for TLS a self-signed certificate made with the openssl command in
WORKDIR/CASE), runs rules_driver with some operations, and checks what the
driver printed and what the simulator saw (GET /state on the control
API: the ACLs, every request, the most requests at once).

Standard library only.  Prints "N passed, N failed"; exits 1 on a failure.
"""
import argparse
import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "switchsim"))

from simproc import SwitchSim   # noqa: E402

USER, PASSWORD = "cumulus", "s3cret pass:word"
SW, RCV = "10.0.0.52", "10.0.0.70"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sim(SwitchSim):
    """The simulator with this test's credentials and certificate."""

    def __init__(self, c, port=None, tls=False, compile_delay=0.1,
                 extra=()):
        SwitchSim.__init__(self, c.work, user=USER, password=PASSWORD,
                           port=port or 0, compile_delay=compile_delay,
                           tls=(c.cert, c.key) if tls else None,
                           extra=extra, python=c.args.python)


class Run:
    """What one rules_driver run printed, parsed."""

    def __init__(self, out, rc):
        self.out, self.rc = out, rc
        self.results, self.lines, self.names = {}, {}, {}
        self.lasterror, self.lasterror_lines, self.refused = {}, {}, {}
        self.end = None
        for raw in out.splitlines():
            f = raw.split("\t")
            if f[0] == "result":
                self.results[int(f[1])] = {
                    "ms": int(f[2]), "op": f[3], "name": f[4],
                    "status": f[5], "http": int(f[6]),
                    "attempts": int(f[7]), "error": f[8]}
            elif f[0] == "line":
                self.lines.setdefault(int(f[1]), []).append(f[2])
            elif f[0] == "name":
                self.names.setdefault(int(f[1]), []).append(f[2])
            elif f[0] == "lasterror":
                self.lasterror[int(f[1])] = f[2]
            elif f[0] == "lasterror_line":
                self.lasterror_lines.setdefault(int(f[1]), []).append(f[2])
            elif f[0] == "start":
                self.refused[int(f[1])] = f[3]
            elif f[0] == "end":
                self.end = f[1]


class Check:
    def __init__(self, args):
        self.args = args
        self.passed = self.failed = 0
        self.work = os.path.join(args.workdir, args.case)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.sims = []
        self.cert = self.key = None

    def ok(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s" % what)
        return cond

    def sim(self, **kw):
        s = Sim(self, **kw)
        self.sims.append(s)
        return s

    def make_cert(self):
        self.cert = os.path.join(self.work, "cert.pem")
        self.key = os.path.join(self.work, "key.pem")
        subprocess.run([self.args.openssl, "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", self.key, "-out", self.cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)

    def pin(self):
        pub = subprocess.run([self.args.openssl, "x509", "-in", self.cert,
                              "-pubkey", "-noout"], check=True,
                             capture_output=True).stdout
        der = subprocess.run([self.args.openssl, "pkey", "-pubin",
                              "-outform", "DER"], input=pub, check=True,
                             capture_output=True).stdout
        return "sha256//" + base64.b64encode(
            hashlib.sha256(der).digest()).decode()

    def driver_cmd(self, url, ops, opts=()):
        return [self.args.driver, "--url", url, "--allow-http",
                "--user", USER, "--password-env", "FS_TEST_PASSWORD",
                "--erspan-src", SW, "--receiver", RCV, "--seed", "7",
                "--verify-delay-ms", "400", "--backoff-ms", "100,800"] + \
            list(opts) + list(ops)

    def env(self, password=PASSWORD):
        env = {k: v for k, v in os.environ.items()
               if "proxy" not in k.lower()}
        env["FS_TEST_PASSWORD"] = password
        return env

    def driver(self, url, ops, opts=(), password=PASSWORD, timeout=40):
        p = subprocess.run(self.driver_cmd(url, ops, opts),
                           capture_output=True, text=True, timeout=timeout,
                           env=self.env(password))
        with open(os.path.join(self.work, "driver.log"), "a") as fh:
            fh.write(p.stdout + p.stderr)
        run = Run(p.stdout, p.returncode)
        self.ok(p.returncode == 0, "driver exit %d: %s" % (p.returncode,
                                                           p.stderr))
        # The password never shows in what the driver prints.
        self.ok(PASSWORD not in p.stdout + p.stderr,
                "password printed by the driver")
        return run

    def close(self):
        for s in self.sims:
            s.close()


def want_lines(local, remote, ipv6=False):
    tail = " -j ERSPAN --src-ip %s --dst-ip %s" % (SW, RCV)
    return ["[ip6tables]" if ipv6 else "[iptables]",
            "-A FORWARD --in-interface swp+ -s %s -d %s%s" % (local, remote,
                                                              tail),
            "-A FORWARD --in-interface swp+ -s %s -d %s%s" % (remote, local,
                                                              tail)]


def requests(state, method=None):
    return [r for r in state["requests"]
            if method is None or r["method"] == method]


# ---- cases ----------------------------------------------------------------

def case_roundtrip(c):
    s = c.sim()
    r = c.driver(s.url(), [
        "install,fscope_c1,10.0.0.5,198.51.100.7",
        "install,fscope_c2,2001:db8::5,2001:db8:bad::1",
        "install,fscope_c3,10.0.0.6,198.51.100.8,6,443,51000",
        "verify,fscope_c1,10.0.0.5,198.51.100.7",
        "verify,fscope_c1,10.0.0.9,198.51.100.7",
        "list",
        "remove,fscope_c1",
        "remove,fscope_c1",
        "verify,fscope_c1",
    ])
    res = r.results
    c.ok(r.end == "done", "driver ended: %s" % r.end)
    for i in (0, 1, 2):
        c.ok(res.get(i, {}).get("status") == "ok",
             "install %d: %s" % (i, res.get(i)))
        c.ok(r.lasterror.get(i) == "clean", "install %d lasterror" % i)
    c.ok(res[0]["http"] == 204 and res[0]["attempts"] == 1,
         "install ends on lasterror's 204, first attempt: %s" % res[0])
    c.ok(r.lines.get(0) == want_lines("10.0.0.5", "198.51.100.7"),
         "lines read back: %s" % r.lines.get(0))
    c.ok(r.lines.get(1) == want_lines("2001:db8::5", "2001:db8:bad::1",
                                      ipv6=True),
         "ipv6 lines: %s" % r.lines.get(1))
    c.ok(any("-p tcp --sport 443 --dport 51000" in x
             for x in r.lines.get(2, [])), "ports rendered")
    c.ok(res[3]["status"] == "ok", "verify matches: %s" % res[3])
    c.ok(res[4]["status"] == "mismatch", "verify other pair: %s" % res[4])
    c.ok(sorted(r.names.get(5, [])) == ["fscope_c1", "fscope_c2",
                                       "fscope_c3"],
         "list: %s" % r.names.get(5))
    c.ok(res[6]["status"] == "ok" and res[6]["http"] == 204,
         "remove: %s" % res[6])
    c.ok(res[7]["status"] == "ok", "remove again (absent): %s" % res[7])
    c.ok(res[8]["status"] == "absent" and res[8]["http"] == 204,
         "verify after remove: %s" % res[8])
    st = s.state()
    c.ok(sorted(st["acls"]) == ["fscope_c2", "fscope_c3"],
         "switch holds: %s" % sorted(st["acls"]))
    c.ok(st["acls"]["fscope_c2"] == want_lines(
        "2001:db8::5", "2001:db8:bad::1", ipv6=True), "switch's c2 lines")
    puts = requests(st, "PUT")
    c.ok(len(puts) == 3, "3 PUTs: %d" % len(puts))
    c.ok(all(r["path"] != "/acl/" for r in requests(st, "DELETE")),
         "never DELETE /acl/")
    c.ok(st["delete_all"] == 0, "no delete-all")
    # 202 means queued: the read back comes after the compile delay.
    order = [(q["method"], q["path"]) for q in st["requests"]][:3]
    c.ok(order == [("PUT", "/acl/fscope_c1"), ("GET", "/acl/fscope_c1"),
                   ("GET", "/acl/lasterror")], "install order: %s" % order)
    t = [q["time"] for q in st["requests"][:2]]
    c.ok(t[1] - t[0] >= 0.35, "GET waited for the verify delay: %.3f" %
         (t[1] - t[0]))


def case_auth(c):
    s = c.sim()
    r = c.driver(s.url(), ["install,fscope_c1,10.0.0.5,198.51.100.7",
                           "list"], password="wrong")
    for i in (0, 1):
        res = r.results.get(i, {})
        c.ok(res.get("status") == "error" and res.get("http") == 401,
             "401: %s" % res)
        c.ok(res.get("attempts") == 1, "401 not retried: %s" % res)
    c.ok("401" in r.results[0]["error"], "error names 401")
    st = s.state()
    c.ok(st["acls"] == {} and len(requests(st)) == 2,
         "nothing installed, 2 requests: %d" % len(requests(st)))
    # No user at all: 401 too.
    p = subprocess.run([c.args.driver, "--url", s.url(), "--allow-http",
                        "list"], capture_output=True, text=True, timeout=30,
                       env=c.env())
    c.ok("\terror\t401\t1\t" in p.stdout, "no credentials: %s" % p.stdout)


def case_compile_fail(c):
    s = c.sim()
    s.fault(kind="compile_fail", count=1, returncode=3)
    r = c.driver(s.url(), ["install,fscope_c1,10.0.0.5,198.51.100.7",
                           "install,fscope_c2,10.0.0.6,198.51.100.7"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "compile_failed", "compile failed: %s" % res)
    c.ok("returncode 3" in res.get("error", "") and
         "injected compile failure" in res.get("error", ""),
         "the switch's message: %s" % res.get("error"))
    c.ok(r.lasterror.get(0) == "3", "lasterror rc: %s" % r.lasterror)
    c.ok(any("fscope_c1" in x for x in r.lasterror_lines.get(0, [])),
         "lasterror lines: %s" % r.lasterror_lines.get(0))
    # The next compile goes well and clears lasterror.
    c.ok(r.results.get(1, {}).get("status") == "ok",
         "next install: %s" % r.results.get(1))
    st = s.state()
    c.ok(sorted(st["acls"]) == ["fscope_c2"], "switch: %s" % st["acls"])


def case_refused(c):
    port = free_port()
    url = "http://127.0.0.1:%d/acl/" % port
    # Nobody listens: retried, then given up.
    t0 = time.monotonic()
    r = c.driver(url, ["list"], opts=["--retries", "2"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "error" and res.get("attempts") == 3,
         "gave up after 3 attempts: %s" % res)
    c.ok("connect" in res.get("error", "").lower(),
         "error says connect: %s" % res.get("error"))
    c.ok(time.monotonic() - t0 >= 0.1, "backed off between attempts")
    # The switch comes up while we retry: success.
    p = subprocess.Popen(c.driver_cmd(url, [
        "install,fscope_c1,10.0.0.5,198.51.100.7"],
        ["--retries", "10", "--backoff-ms", "200,400"]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=c.env())
    time.sleep(1.0)
    s = c.sim(port=port)
    out, _ = p.communicate(timeout=40)
    r = Run(out, p.returncode)
    res = r.results.get(0, {})
    c.ok(res.get("status") == "ok", "installed once up: %s" % out)
    st = s.state()
    c.ok(sorted(st["acls"]) == ["fscope_c1"], "switch: %s" % st["acls"])
    c.ok(len(requests(st, "PUT")) == 1, "one PUT arrived")
    # A "refuse" fault (connection reset) is retried too.
    s.fault(kind="refuse", count=2)
    r = c.driver(s.url(), ["list"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "ok" and res.get("attempts") == 3,
         "reset twice, then ok: %s" % res)


def case_status500(c):
    s = c.sim()
    s.fault(kind="status", status=500, count=2)
    r = c.driver(s.url(), ["remove,fscope_c1"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "ok" and res.get("attempts") == 3,
         "two 500s then 204: %s" % res)
    s.fault(kind="status", status=503, count=10)
    r = c.driver(s.url(), ["remove,fscope_c1"], opts=["--retries", "3"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "error" and res.get("http") == 503 and
         res.get("attempts") == 4, "503 until retries run out: %s" % res)
    s.ctl("POST", "/reset")
    s.fault(kind="status", status=400, count=1)
    r = c.driver(s.url(), ["remove,fscope_c1"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "error" and res.get("http") == 400 and
         res.get("attempts") == 1, "4xx not retried: %s" % res)
    c.ok(len(requests(s.state())) == 1, "one request for the 400")
    # An install whose PUT meets a 500 first still completes.
    s.ctl("POST", "/reset")
    s.fault(kind="status", status=502, count=1)
    r = c.driver(s.url(), ["install,fscope_c1,10.0.0.5,198.51.100.7"])
    c.ok(r.results.get(0, {}).get("status") == "ok",
         "install after a 502: %s" % r.results.get(0))
    c.ok(len(requests(s.state(), "PUT")) == 2, "PUT sent twice")


def case_deadline(c):
    s = c.sim()
    s.fault(kind="delay", delay=3, count=1)
    t0 = time.monotonic()
    r = c.driver(s.url(), ["list"], opts=["--timeout-ms", "500",
                                          "--retries", "0"])
    took = time.monotonic() - t0
    res = r.results.get(0, {})
    c.ok(res.get("status") == "error" and res.get("attempts") == 1,
         "slow answer fails: %s" % res)
    c.ok("timed out" in res.get("error", "").lower() or
         "timeout" in res.get("error", "").lower(),
         "error says timeout: %s" % res.get("error"))
    c.ok(took < 2.5, "the deadline held: %.2fs" % took)
    # With a retry, the second (prompt) attempt succeeds.
    s.ctl("POST", "/reset")
    s.fault(kind="delay", delay=2, count=1)
    r = c.driver(s.url(), ["list"], opts=["--timeout-ms", "500",
                                          "--retries", "1"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "ok" and res.get("attempts") == 2,
         "timeout retried: %s" % res)


def case_drop(c):
    s = c.sim()
    s.fault(kind="drop", count=1)
    r = c.driver(s.url(), ["list"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "ok" and res.get("attempts") == 2,
         "dropped mid-response, then ok: %s" % res)
    s.fault(kind="drop", count=5)
    r = c.driver(s.url(), ["list"], opts=["--retries", "1"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "error" and res.get("attempts") == 2,
         "dropped until retries ran out: %s" % res)


def case_tls(c):
    c.make_cert()
    s = c.sim(tls=True)
    url = s.url(tls=True)
    op = ["install,fscope_c1,10.0.0.5,198.51.100.7"]
    r = c.driver(url, ["list"])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "error" and res.get("attempts") == 1,
         "self-signed refused without ca_file, not retried: %s" % res)
    r = c.driver(url, op, opts=["--ca", c.cert])
    c.ok(r.results.get(0, {}).get("status") == "ok",
         "ok with ca_file: %s" % r.results.get(0))
    pin = c.pin()
    r = c.driver(url, ["list"], opts=["--pin", pin])
    c.ok(r.results.get(0, {}).get("status") == "ok" and
         r.names.get(0) == ["fscope_c1"],
         "ok with the pinned key: %s" % r.out)
    r = c.driver(url, ["list"], opts=["--pin", pin, "--ca", c.cert])
    c.ok(r.results.get(0, {}).get("status") == "ok", "pin and ca_file")
    wrong = "sha256//" + base64.b64encode(b"\0" * 32).decode()
    r = c.driver(url, ["list"], opts=["--pin", wrong])
    res = r.results.get(0, {})
    c.ok(res.get("status") == "error" and res.get("attempts") == 1,
         "wrong pin refused: %s" % res)
    c.ok("pinned" in res.get("error", "").lower() or
         "public key" in res.get("error", "").lower(),
         "error names the pin: %s" % res.get("error"))
    r = c.driver(url, ["list"], opts=["--pin", wrong, "--ca", c.cert])
    c.ok(r.results.get(0, {}).get("status") == "error",
         "wrong pin refused even with ca_file")
    # http:// is refused unless allowed; a bad pin is refused at once.
    p = subprocess.run([c.args.driver, "--url", url.replace("https",
                        "http"), "list"], capture_output=True, text=True,
                       timeout=30, env=c.env())
    c.ok(p.stdout.startswith("client\terror\tbad switch URL"),
         "http:// refused without --allow-http: %s" % p.stdout)
    p = subprocess.run([c.args.driver, "--url", url, "--pin",
                        "sha256//short", "list"], capture_output=True,
                       text=True, timeout=30, env=c.env())
    c.ok(p.stdout.startswith("client\terror\tbad pin"),
         "malformed pin refused: %s" % p.stdout)


def case_concurrency(c):
    s = c.sim()
    s.fault(kind="delay", delay=0.3, count=8)
    ops = ["remove,fscope_c%d" % i for i in range(8)]
    t0 = time.monotonic()
    r = c.driver(s.url(), ops, opts=["--parallel", "--concurrency", "2"])
    took = time.monotonic() - t0
    c.ok(all(r.results.get(i, {}).get("status") == "ok" for i in range(8)),
         "all removed: %s" % r.out)
    st = s.state()
    c.ok(st["max_concurrent"] == 2, "at most 2 at once, and 2 used: %d" %
         st["max_concurrent"])
    c.ok(took >= 1.1, "queued: 8 x 0.3 s over 2 slots took %.2fs" % took)
    s.ctl("POST", "/reset")
    s.fault(kind="delay", delay=0.3, count=8)
    r = c.driver(s.url(), ops, opts=["--parallel", "--concurrency", "4"])
    c.ok(s.state()["max_concurrent"] == 4, "4 slots: %d" %
         s.state()["max_concurrent"])
    s.ctl("POST", "/reset")
    r = c.driver(s.url(), ops[:3], opts=["--parallel", "--concurrency",
                                         "1"])
    c.ok(s.state()["max_concurrent"] == 1, "1 slot")
    # Freed with requests in flight, queued and waiting: no callbacks,
    # nothing leaked (the ASan build checks), a clean exit.
    s.ctl("POST", "/reset")
    s.fault(kind="delay", delay=1, count=2)
    s.fault(kind="status", status=500, count=1)
    r = c.driver(s.url(), ops + ["install,fscope_c9,10.0.0.5,198.51.100.7"],
                 opts=["--parallel", "--concurrency", "2", "--deadline",
                       "0.5"])
    c.ok(r.end == "deadline", "stopped at the deadline: %s" % r.end)
    c.ok(r.results == {}, "no results before the deadline: %s" % r.results)
    c.ok("busy=9" in r.out, "9 requests abandoned: %s" % r.out)


def case_injection(c):
    s = c.sim()
    bad = ["fscope_c1;reboot", "fscope c1", "fscope_c1\"", "lasterror",
           "FSCOPE", "fscope_c1/..", "fscope-c1", "x" * 65, "",
           "fscope_c1\\n"]
    ops = []
    for n in bad:
        ops += ["install,%s,10.0.0.5,198.51.100.7" % n, "remove,%s" % n,
                "verify,%s" % n]
    r = c.driver(s.url(), ops)
    c.ok(len(r.refused) == len(ops), "every op refused at the call: %d of "
         "%d" % (len(r.refused), len(ops)))
    c.ok(r.results == {}, "no callbacks for refused ops")
    c.ok(requests(s.state()) == [], "nothing reached the switch: %s" %
         requests(s.state()))


CASES = {
    "roundtrip": case_roundtrip,
    "auth": case_auth,
    "compile_fail": case_compile_fail,
    "refused": case_refused,
    "status500": case_status500,
    "deadline": case_deadline,
    "drop": case_drop,
    "tls": case_tls,
    "concurrency": case_concurrency,
    "injection": case_injection,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--driver", required=True)
    ap.add_argument("--switchsim", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--openssl", default="openssl")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=sorted(CASES) + ["all"])
    args = ap.parse_args()
    if not os.path.exists(args.switchsim):
        print("switch simulator %s missing" % args.switchsim)
        return 1
    names = sorted(CASES) if args.case == "all" else [args.case]
    passed = failed = 0
    for name in names:
        args.case = name
        c = Check(args)
        try:
            CASES[name](c)
        finally:
            c.close()
        passed += c.passed
        failed += c.failed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
