"""simproc.py - run tests/switchsim/switchsim.py as a child process and
talk to it: its acl_server API and its control API (faults, state).

Shared by the tests that need a switch (tests/rules, tests/controller).
Port 0 lets the simulator pick its ports and say them ("api N",
"control N") before "ready", so parallel tests never race for a port.
Standard library only.
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

SWITCHSIM = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "switchsim.py")


class SwitchSim:
    """One switchsim.py process."""

    def __init__(self, log_dir, user="cumulus", password="leaf1-secret",
                 port=0, compile_delay=0.1, tls=None, extra=(),
                 python=None):
        self.user, self.password = user, password
        self.port, self.control = port, 0
        cmd = [python or sys.executable, SWITCHSIM,
               "--listen", "127.0.0.1:%d" % port,
               "--control", "127.0.0.1:0",
               "--user", user, "--password", password,
               "--compile-delay", str(compile_delay)] + list(extra)
        if tls:
            cmd += ["--tls", tls[0], tls[1]]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, text=True,
            stderr=open(os.path.join(log_dir, "switchsim.log"), "a"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("switchsim exited before 'ready'")
            words = line.split()
            if len(words) == 2 and words[0] == "api":
                self.port = int(words[1])
            elif len(words) == 2 and words[0] == "control":
                self.control = int(words[1])
            elif words == ["ready"]:
                return
        raise RuntimeError("switchsim not ready")

    def url(self, tls=False):
        return "%s://127.0.0.1:%d/acl/" % ("https" if tls else "http",
                                           self.port)

    def ctl(self, method, path, body=None):
        """The control API: JSON in, JSON out."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.control, path), data=data,
            method=method, headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as r:
            return json.loads(r.read().decode() or "null")

    def fault(self, **kw):
        return self.ctl("POST", "/fault", kw)

    def state(self):
        return self.ctl("GET", "/state")

    def acl(self, method, name, lines=None):
        """One call of the switch API, as another client would make it."""
        auth = base64.b64encode(("%s:%s" % (self.user, self.password))
                                .encode()).decode()
        data = None if lines is None else json.dumps(lines).encode()
        req = urllib.request.Request(
            self.url() + name, data=data, method=method,
            headers={"Content-Type": "application/json",
                     "Authorization": "Basic " + auth})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status

    def put(self, name, lines):
        return self.acl("PUT", name, lines)

    def delete(self, name):
        return self.acl("DELETE", name)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
