#!/usr/bin/env python3
"""check_cli.py - the command line contract of finderscope and its sflow
subcommand: exit status 0 when the input was read (whatever it held), 1 on
usage or I/O errors; errors on standard error with the frame number.

    check_cli.py --bin FINDERSCOPE --workdir DIR --shared SHARED_DIR
"""
import argparse
import json
import os
import subprocess
import sys

import fs_conformance


def run(binary, args, stdin=None):
    proc = subprocess.run([binary] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=20,
                          stdin=stdin if stdin is not None
                          else subprocess.DEVNULL)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def expect(tally, what, binary, args, status, stdout_has=None,
           stderr_has=None, stdin=None):
    rc, out, err = run(binary, args, stdin)
    tally.equal("%s: exit status" % what, status, rc)
    if stdout_has is not None:
        tally.check(stdout_has in out, "%s: %r not on stdout: %.200r"
                    % (what, stdout_has, out))
    if stderr_has is not None:
        tally.check(stderr_has in err, "%s: %r not on stderr: %.200r"
                    % (what, stderr_has, err))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--shared", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    t = fs_conformance.Tally()
    b = a.bin
    sflow = os.path.join(a.shared, "testdata", "sflow")
    one = os.path.join(sflow, "akvorado-data-1140.pcap")
    netflow = os.path.join(sflow, "tcpdump-sflow_multiple_counter_30_pdus.pcap")

    expect(t, "no subcommand", b, [], 1, stderr_has="usage")
    expect(t, "unknown subcommand", b, ["nosuch"], 1,
           stderr_has="unknown subcommand")
    expect(t, "--version", b, ["--version"], 0, stdout_has="finderscope ")
    expect(t, "help", b, ["help"], 0, stdout_has="sflow")
    expect(t, "help sflow", b, ["help", "sflow"], 0, stderr_has="--json")
    expect(t, "sflow without file", b, ["sflow"], 1, stderr_has="usage")
    expect(t, "sflow two files", b, ["sflow", one, one], 1)
    expect(t, "sflow bad option", b, ["sflow", "--nope", one], 1)
    expect(t, "sflow bad port", b, ["sflow", "--port", "70000", one], 1,
           stderr_has="bad port")
    expect(t, "sflow --raw and a file", b, ["sflow", "--raw", one, one], 1)
    expect(t, "missing file", b, ["sflow", "/nonexistent.pcap"], 1,
           stderr_has="/nonexistent.pcap")
    expect(t, "missing raw file", b, ["sflow", "--raw", "/nonexistent"], 1,
           stderr_has="/nonexistent")

    notpcap = os.path.join(a.workdir, "not-a-pcap")
    with open(notpcap, "w") as fh:
        fh.write("hello\n")
    expect(t, "not a capture", b, ["sflow", notpcap], 1,
           stderr_has=notpcap)
    # A capture cut in the middle of a frame: read what is there, say so.
    with open(one, "rb") as fh:
        data = fh.read()
    cut = os.path.join(a.workdir, "cut.pcap")
    with open(cut, "wb") as fh:
        fh.write(data[:len(data) - 100])
    rc, out, err = run(b, ["sflow", cut])
    t.equal("cut capture: exit status", 1, rc)
    t.check("truncated dump file" in err, "cut capture: stderr %r" % err)
    # ...and a record length no capture has.
    huge = os.path.join(a.workdir, "huge-record.pcap")
    with open(huge, "wb") as fh:
        fh.write(data[:24] + b"\0" * 8 + b"\xff\xff\xff\x7f" + b"\0" * 4)
    expect(t, "absurd record length", b, ["sflow", huge], 1,
           stderr_has="invalid packet capture length")

    # Datagrams that do not decode: reported with their frame, status 0.
    out = expect(t, "NetFlow frames", b, ["sflow", "--json", netflow], 0,
                 stderr_has="frame 13: not sFlow version 5")
    errors = [json.loads(x) for x in out.splitlines()
              if '"kind":"error"' in x]
    t.equal("NetFlow error lines", [13, 19, 20, 21, 22],
            [e["frame"] for e in errors])
    t.check(all(e["error"] == "bad_version" for e in errors),
            "NetFlow errors are bad_version: %r" % errors)

    # --port: nothing is sFlow on another port.
    out = expect(t, "--port 9999", b, ["sflow", "--count", "--json",
                                        "--port", "9999", one], 0)
    totals = json.loads(out.splitlines()[-1])
    t.equal("--port 9999 totals", (1, 1, 0),
            (totals["frames"], totals["not_sflow"], totals["datagrams"]))

    # --count prints only the totals; --stats adds the agents.
    out = expect(t, "--count", b, ["sflow", "--count", one], 0)
    t.equal("--count lines", 1, len(out.splitlines()))
    t.check(out.startswith("totals "), "--count text: %r" % out)
    out = expect(t, "--stats", b, ["sflow", "--stats", "--json", one], 0)
    kinds = [json.loads(x)["kind"] for x in out.splitlines()]
    t.equal("--stats kinds", ["flow"] * 5 + ["agent", "totals"], kinds)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
