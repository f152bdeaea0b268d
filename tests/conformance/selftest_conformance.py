#!/usr/bin/env python3
"""selftest_conformance.py - prove that the conformance checks can fail.

usage: selftest_conformance.py --bin FINDERSCOPE --shared SHARED_DIR

A checker that never fails proves nothing.  This runs each checker on
deliberately wrong input, in a temporary folder, and requires that it exits
non-zero and names the fault:

- sflow_compare.py: our real output against copies of the oracle with one
  cell changed (flow, counter and datagram files; a value made absent and an
  absent value made present), and against our output with a line removed;
- check_ovs_sflow.py: our real output with a flow line removed, and with
  the --stats agent line reporting a lost datagram;
- check_sample_facts.py: our real output with one value changed;
- check_robust.py: a "binary" that crashes, one that hangs and one that
  prints nothing.

Nothing in shared/ is modified.  Each case is one check.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from fs_conformance import Tally, run_finderscope

HERE = os.path.dirname(os.path.abspath(__file__))

# The capture whose oracle is mutated: flow and counter samples, many frames.
CAPTURE = "tcpdump-sflow-print-v6"

# (oracle file, row number among the data rows, column, wrong value)
ORACLE_MUTATIONS = [
    ("expected", 0, "src_ip", "192.0.2.99"),
    ("expected", 0, "tcp_flags", "0x0fff"),     # "-" made present
    ("expected", 0, "sw_vlan_in", "-"),         # a value made absent
    ("expected", 5, "in_if", "7002"),
    ("counters", 0, "if_in_octets", "12345"),
    ("counters", 3, "record_formats", "2"),
    ("datagrams", 0, "uptime_ms", "1"),
    ("datagrams", 1, "n_counter", "7"),
]


def run_script(script, args, env=None):
    """Run one of our checkers; return (exit status, output)."""
    proc = subprocess.run([sys.executable, os.path.join(HERE, script)] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=env)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def expect_caught(tally, case, status, output, pattern):
    """The checker must exit 1 and print a FAIL line matching pattern."""
    caught = status == 1 and re.search(pattern, output, re.M)
    tally.check(caught, "%s: not caught (exit %d, looked for /%s/):\n%s"
                % (case, status, pattern, output[-2000:]))


def mutate_tsv(src, dst, row_number, column, value):
    """Copy an oracle TSV, setting one cell of data row row_number.
    Returns the cell's old value."""
    with open(src, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    header = lines[0][1:].split("\t")
    data = [i for i, line in enumerate(lines)
            if line and not line.startswith("#")]
    cells = lines[data[row_number]].split("\t")
    old, cells[header.index(column)] = cells[header.index(column)], value
    lines[data[row_number]] = "\t".join(cells)
    with open(dst, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return old


def check_compare(tally, binary, sflow_dir, tmp):
    """sflow_compare.py catches each one-cell change of the oracle."""
    json_file = os.path.join(tmp, CAPTURE + ".json")
    with open(json_file, "w", encoding="utf-8") as fh:
        fh.write(run_finderscope(binary, ["sflow", "--json", os.path.join(
            sflow_dir, CAPTURE + ".pcap")], tally) or "")
    capture = os.path.join(sflow_dir, CAPTURE + ".pcap")
    for kind, row, column, value in ORACLE_MUTATIONS:
        oracle = os.path.join(tmp, "oracle")
        shutil.rmtree(oracle, ignore_errors=True)
        os.mkdir(oracle)
        for k in ("datagrams", "expected", "counters"):
            shutil.copy(os.path.join(sflow_dir, "%s.%s.tsv" % (CAPTURE, k)),
                        oracle)
        name = "%s.%s.tsv" % (CAPTURE, kind)
        old = mutate_tsv(os.path.join(sflow_dir, name),
                         os.path.join(oracle, name), row, column, value)
        status, out = run_script("sflow_compare.py", [
            "--json-file", json_file, "--expected-dir", oracle, capture])
        expect_caught(tally, "oracle %s row %d %s %s -> %s"
                      % (kind, row, column, old, value), status, out,
                      r"^FAIL %s .*column %s: expected %s,"
                      % (re.escape(name), column, re.escape(value)))
    # A sample line missing from our output.
    with open(json_file, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    first_flow = next(i for i, l in enumerate(lines) if '"flow"' in l)
    cut = os.path.join(tmp, "cut.json")
    with open(cut, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines[:first_flow] + lines[first_flow + 1:]))
    status, out = run_script("sflow_compare.py", ["--json-file", cut, capture])
    expect_caught(tally, "a flow line removed from our output", status, out,
                  r"^FAIL .*: no flow sample line")


def check_ovs(tally, binary, ovs_dir, tmp):
    """check_ovs_sflow.py catches a lost sample and a lost datagram."""
    capture = os.path.join(ovs_dir, "ovs-sflow.pcap")
    text = run_finderscope(binary, ["sflow", "--json", "--stats", capture],
                           tally) or ""
    lines = text.split("\n")
    first_flow = next((i for i, l in enumerate(lines) if '"flow"' in l), 0)
    cases = [
        ("a flow line removed", lines[:first_flow] + lines[first_flow + 1:],
         r"^FAIL flow samples: expected 195, got 194"),
        ("the agent line says lost 1",
         [re.sub(r'"lost":\s*0', '"lost":1', l) if '"agent"' in l and
          '"kind"' in l and '"lost"' in l else l for l in lines],
         r"^FAIL agent line lost: expected 0, got 1"),
    ]
    for case, mutated, pattern in cases:
        path = os.path.join(tmp, "ovs.json")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(mutated))
        status, out = run_script("check_ovs_sflow.py",
                                 ["--json-file", path, capture])
        expect_caught(tally, "ovs-sflow: " + case, status, out, pattern)


def check_facts(tally, binary, sflow_dir, tmp):
    """check_sample_facts.py catches a wrong TCP flags value."""
    capture = os.path.join(sflow_dir, "nxthdr-sflow.pcap")
    text = run_finderscope(binary, ["sflow", "--json", capture], tally) or ""
    path = os.path.join(tmp, "facts.json")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(re.sub(r'("sampled_ip":\{[^}]*"tcp_flags":)\s*16', r"\g<1>24",
                        text))
    status, out = run_script("check_sample_facts.py",
                             ["--json-file", path, capture])
    expect_caught(tally, "nxthdr-sflow: sampled_ip.tcp_flags 16 -> 24",
                  status, out, r"^FAIL .*sampled_ip.tcp_flags: expected 16, "
                  r"got 24")


def check_robust(tally, sflow_dir, tmp):
    """check_robust.py catches a crash, a hang and a silent early stop."""
    capture = os.path.join(sflow_dir, CAPTURE + ".pcap")
    fakes = [
        ("crash", "kill -SEGV $$", r"^FAIL .*killed by signal 11"),
        ("hang", "sleep 5", r"^FAIL .*did not finish within"),
        ("no output", "exit 0", r"^FAIL kind of the last line"),
    ]
    env = dict(os.environ, FS_CONFORMANCE_RUN_TIMEOUT="1")
    for case, body, pattern in fakes:
        fake = os.path.join(tmp, "fake-finderscope")
        with open(fake, "w") as fh:
            fh.write("#!/bin/sh\n%s\n" % body)
        os.chmod(fake, 0o755)
        status, out = run_script("check_robust.py", ["--bin", fake, capture],
                                 env=env)
        expect_caught(tally, "check_robust: " + case, status, out, pattern)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", metavar="FINDERSCOPE", required=True)
    p.add_argument("--shared", metavar="SHARED_DIR", required=True)
    args = p.parse_args(argv)
    testdata = os.path.join(args.shared, "testdata")
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="fs-selftest-") as tmp:
        check_compare(tally, args.bin, os.path.join(testdata, "sflow"), tmp)
        check_ovs(tally, args.bin, os.path.join(testdata, "ovs"), tmp)
        check_facts(tally, args.bin, os.path.join(testdata, "sflow"), tmp)
        check_robust(tally, os.path.join(testdata, "sflow"), tmp)
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
