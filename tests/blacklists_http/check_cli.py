#!/usr/bin/python3
"""check_cli.py - `finderscope blacklist fetch` and `check` end to end.

Serves an Emerging Threats list and a Spamhaus DROP list from the scripted
HTTPS server of check_fetch.py (127.0.0.1, a certificate made at test
time), with a local plain list and an allow list, and checks what the
command prints and exits with:
  1. fetch: every list "updated" with its entry count, exit 0;
  2. fetch again: "not-modified" (the server saw If-None-Match), exit 0
     (local files are read afresh by each process: "updated");
  3. check: addresses in each list, with labels and lines; the allow group
     reported too; local networks; "not listed"; exit 0;
  4. the feed fails (500): fetch says "failed", keeps the previous copy,
     exits 2, and check still answers from the cache.

Standard library only.  Prints "N passed, N failed"; exits 1 on a failure.
"""
import argparse
import os
import subprocess
import sys
import types

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_fetch  # noqa: E402  (the scripted server lives there)

ET_BODY = b"""# Emerging Threats block list
#
# Feodo
198.51.100.66
# Spamhaus DROP Nets
203.0.113.0/24
#Dshield Top Attackers
2001:db8:bad::/48
# Bad "actors" \ co
198.51.100.77
"""

DROP_BODY = b"""; Spamhaus DROP List 2026/11/22 - (c) 2026 The Spamhaus Project SLU
; Last-Modified: Sun, 22 Nov 2026 00:00:00 GMT
; Expires: Sun, 22 Nov 2026 01:00:00 GMT
192.0.2.0/25 ; SBL123456
"""


def write_config(c, dirs):
    own = os.path.join(c.work, "own.txt")
    allow = os.path.join(c.work, "allow.txt")
    with open(own, "w") as fh:
        fh.write("# ours\n100.64.0.0/10\n")
    with open(allow, "w") as fh:
        fh.write("203.0.113.10\n")
    path = os.path.join(c.work, "finderscope.yaml")
    with open(path, "w") as fh:
        fh.write("""controller:
  state_dir: %(state)s
local_networks: [10.0.0.0/8, "fd00::/8"]
blacklists:
  - name: et
    format: emerging-threats
    url: %(et)s
    ca_file: %(ca)s
    timeout: 10s
  - name: drop
    format: spamhaus-drop
    url: %(drop)s
    ca_file: %(ca)s
    timeout: 10s
  - name: own
    format: plain
    file: %(own)s
  - name: allow
    format: plain
    file: %(allow)s
groups:
  watch: [et, drop, own]
  allow: [allow]
""" % {"state": dirs, "et": c.url("et"), "drop": c.url("drop"),
       "ca": c.cert, "own": own, "allow": allow})
    return path


def run(binary, *args):
    p = subprocess.run([binary] + list(args), capture_output=True,
                       text=True, timeout=60,
                       env={k: v for k, v in os.environ.items()
                            if "proxy" not in k.lower()})
    return p.returncode, p.stdout, p.stderr


def fetch_lines(out):
    """{list: (status, entries)} from the fetch report."""
    got = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and f[2] == "entries":
            got[f[0]] = (f[1], int(f[3]))
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--openssl", default="openssl")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    c = check_fetch.Check(types.SimpleNamespace(
        workdir=a.workdir, case="cli", openssl=a.openssl, driver=None))
    try:
        c.https.feeds["et"] = check_fetch.Feed(ET_BODY, ["ok"])
        c.https.feeds["drop"] = check_fetch.Feed(DROP_BODY, ["ok"])
        cfg = write_config(c, os.path.join(c.work, "state"))

        rc, out, err = run(a.bin, "blacklist", "fetch", "-c", cfg)
        c.check(rc == 0, "first fetch exit %d: %s %s" % (rc, out, err))
        got = fetch_lines(out)
        want = {"et": ("updated", 4), "drop": ("updated", 1),
                "own": ("updated", 1), "allow": ("updated", 1)}
        c.check(got == want, "first fetch: %r, expected %r" % (got, want))

        rc, out, err = run(a.bin, "blacklist", "fetch", "-c", cfg)
        c.check(rc == 0, "second fetch exit %d: %s %s" % (rc, out, err))
        got = fetch_lines(out)
        # Files are read afresh by each new process: "updated" again.
        want = {"et": ("not-modified", 4), "drop": ("not-modified", 1),
                "own": ("updated", 1), "allow": ("updated", 1)}
        c.check(got == want, "second fetch: %r, expected %r" % (got, want))
        last = c.https.requests("et")[-1]["headers"]
        c.check(last.get("if-none-match") == c.https.feeds["et"].etag(),
                "second request's If-None-Match: %r" % last)

        rc, out, err = run(a.bin, "blacklist", "check", "-c", cfg,
                           "198.51.100.66", "203.0.113.10", "192.0.2.5",
                           "2001:db8:bad::1", "198.51.100.77", "100.64.1.1",
                           "10.1.2.3",
                           "192.0.2.200")
        c.check(rc == 0, "check exit %d: %s" % (rc, err))
        for want in (
                '198.51.100.66 watch group=watch list=et '
                'prefix=198.51.100.66/32 line=4 label="Feodo"',
                '203.0.113.10 watch group=watch list=et '
                'prefix=203.0.113.0/24 line=6 label="Spamhaus DROP Nets"',
                '203.0.113.10 allow group=allow list=allow '
                'prefix=203.0.113.10/32 line=1',
                '192.0.2.5 watch group=watch list=drop '
                'prefix=192.0.2.0/25 line=4 label="SBL123456"',
                '2001:db8:bad::1 watch group=watch list=et '
                'prefix=2001:db8:bad::/48 line=8 label="Dshield Top Attackers"',
                # A label from the feed with quotes and a backslash: escaped.
                '198.51.100.77 watch group=watch list=et '
                'prefix=198.51.100.77/32 line=10 '
                'label="Bad \\"actors\\" \\\\ co"',
                '100.64.1.1 watch group=watch list=own prefix=100.64.0.0/10 '
                'line=2',
                '10.1.2.3 local group=local list=local_networks '
                'prefix=10.0.0.0/8 line=1',
                '192.0.2.200 not listed'):
            c.check(want in out.splitlines(),
                    "check: missing %r in:\n%s" % (want, out))

        c.https.feeds["et"] = check_fetch.Feed(ET_BODY, ["500"])
        rc, out, err = run(a.bin, "blacklist", "fetch", "-c", cfg)
        c.check(rc == 2, "failing fetch exit %d, expected 2" % rc)
        et = [x for x in out.splitlines() if x.startswith("et ")]
        c.check(len(et) == 1 and " failed " in et[0] and "500" in et[0] and
                "previous copy is kept" in et[0] and "entries 4 " in et[0],
                "failing fetch line: %r" % et)
        rc, out, err = run(a.bin, "blacklist", "check", "-c", cfg,
                           "198.51.100.66")
        c.check(rc == 0 and "list=et" in out,
                "check after a failed fetch: %d %r %r" % (rc, out, err))
    finally:
        c.close()
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
