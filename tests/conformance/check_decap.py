#!/usr/bin/env python3
"""check_decap.py - `finderscope decap` beyond the tshark oracle's columns.

usage:
  check_decap.py ovs --bin FINDERSCOPE CAPTURE.pcap
  check_decap.py robust --bin FINDERSCOPE CAPTURE.pcap
  check_decap.py tshark --bin FINDERSCOPE [--tshark PATH] CAPTURE.pcap...
  check_decap.py selftest --bin FINDERSCOPE --compare decap_compare.py
                 CAPTURE.pcap

ovs       the Open vSwitch captures (shared/testdata/ovs/ovs-erspan-v1,
          -v2, ovs-gre): the facts of ovs/README.md - encapsulation,
          GRE flags and key, ERSPAN session, index 7, hardware id 4, outer
          and inner addresses, frame counts, 19 inner frames with "malware"
          in the payload of the file we write, and --session keeping
          exactly one session.
robust    any capture, however broken: exit 0, no crash, no hang, with and
          without --json; every frame of the pcap counted once; OUT holds
          as many records as the totals say were written.
tshark    the OUT file of each capture opens with `tshark -r OUT -q` with
          an empty stderr and has as many frames as were decapsulated
          (and as many as the JSON lines with result "ok").  Exits 77
          (skipped) without tshark.
selftest  decap_compare.py fails on a copy of a capture whose oracle has
          one cell changed (and passes on the unchanged copy).

Each fact is one check; the closing line "N passed, N failed" counts them.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from fs_conformance import (field as get, RUN_TIMEOUT_S, Tally, die,
                            parse_json_lines, run_finderscope, tail)

SKIPPED = 77                    # ctest SKIP_RETURN_CODE
# tshark's notice about its own privileges (printed when run as root, on
# every file): not a warning about the file, so not held against it.
TSHARK_ROOT_NOTICE = re.compile(
    r'Running as user "[^"]*" and group "[^"]*"\. This could be '
    r'dangerous\.\n?')
PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
               b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}


# --- Helpers ----------------------------------------------------------------

def pcap_records(path):
    """The records of a classic pcap file as (caplen, origlen, data), by
    walking the record headers (the records may be as broken as they
    like); the link type."""
    with open(path, "rb") as fh:
        data = fh.read()
    order = PCAP_MAGICS.get(data[:4])
    if order is None or len(data) < 24:
        die("%s: not a classic pcap file" % path)
    linktype = struct.unpack_from(order + "I", data, 20)[0]
    offset, records = 24, []
    while offset + 16 <= len(data):
        caplen, origlen = struct.unpack_from(order + "II", data, offset + 8)
        records.append((caplen, origlen,
                        data[offset + 16:offset + 16 + caplen]))
        offset += 16 + caplen
    return records, linktype


def parse_totals(text, tally, source):
    """The totals that `finderscope decap` prints: "NAME  COUNT" lines."""
    totals = {}
    for line in (text or "").splitlines():
        m = re.match(r"^(\S+)\s+(\d+)$", line)
        if m is None:
            tally.fail("%s: not a totals line: %r" % (source, line))
            continue
        totals[m.group(1)] = int(m.group(2))
    return totals


def decap_lines(text, tally):
    return [o for o in parse_json_lines(text or "", tally, "decap --json")
            if o["kind"] == "decap"]


def all_have(tally, what, items, predicate):
    """One check: the predicate holds for every item, and there are some."""
    bad = [i for i in items if not predicate(i)]
    if not items:
        tally.fail("%s: no lines at all" % what)
    elif bad:
        tally.fail("%s: %d of %d lines do not, e.g. frame %s: %.300r"
                   % (what, len(bad), len(items), bad[0].get("frame"),
                      bad[0]))
    else:
        tally.ok()


# --- ovs --------------------------------------------------------------------

OVS_OUTER = ("10.201.0.1", "10.201.0.2")
H2, H3 = "10.200.0.2", "10.200.0.3"
# file -> what ovs/README.md says; overhead = outer Ethernet + IPv4 + GRE
# (+ sequence or key) + ERSPAN header.
OVS_FACTS = {
    "ovs-erspan-v1": dict(frames=23, encap="erspan-ii", gre_flags=0x1000,
                          gre_proto=0x88BE, seq=True, key=None, session=1,
                          overhead=14 + 20 + 8 + 8,
                          flows={(H3, H2): 23}, udp=10, tcp=13,
                          fields={"vlan": 0, "cos": 0, "truncated": 0,
                                  "encap_type": 0, "index": 7}),
    "ovs-erspan-v2": dict(frames=34, encap="erspan-iii", gre_flags=0x1000,
                          gre_proto=0x22EB, seq=True, key=None, session=2,
                          overhead=14 + 20 + 8 + 12,
                          flows={(H3, H2): 23, (H2, H3): 11}, udp=None,
                          tcp=None,
                          fields={"vlan": 0, "cos": 0, "truncated": 0,
                                  "sgt": 0, "frame_type": 0, "hw_id": 4,
                                  "direction": 0, "granularity": 0}),
    "ovs-gre": dict(frames=23, encap="gre-teb", gre_flags=0x2000,
                    gre_proto=0x6558, seq=False, key=3, session=None,
                    overhead=14 + 20 + 8, flows={(H3, H2): 23}, udp=10,
                    tcp=13, fields={}),
}
MALWARE_FRAMES = 19


def check_ovs(args, tally):
    name = os.path.basename(args.capture)[:-len(".pcap")]
    facts = OVS_FACTS.get(name)
    if facts is None:
        die("no facts for %s (known: %s)" % (name, ", ".join(OVS_FACTS)))
    with tempfile.TemporaryDirectory(prefix="fs-decap-") as tmp:
        out = os.path.join(tmp, "inner.pcap")
        lines = decap_lines(run_finderscope(
            args.bin, ["decap", "--json", args.capture, out], tally), tally)
        written = pcap_records(out)[0] if tally.check(
            os.path.isfile(out), "OUT %s was not written" % out) else []

    tally.equal("frames with GRE", facts["frames"], len(lines))
    all_have(tally, "result ok", lines, lambda o: o.get("result") == "ok")
    all_have(tally, "encap %s" % facts["encap"], lines,
             lambda o: o.get("encap") == facts["encap"])
    all_have(tally, "outer %s -> %s" % OVS_OUTER, lines,
             lambda o: (o.get("outer_src"), o.get("outer_dst")) == OVS_OUTER)
    all_have(tally, "one GRE header", lines, lambda o: o.get("n_gre") == 1)
    all_have(tally, "gre_flags 0x%04x" % facts["gre_flags"], lines,
             lambda o: o.get("gre_flags") == facts["gre_flags"])
    all_have(tally, "gre_proto 0x%04x" % facts["gre_proto"], lines,
             lambda o: o.get("gre_proto") == facts["gre_proto"])
    all_have(tally, "GRE sequence %s" % ("present" if facts["seq"]
                                         else "absent"), lines,
             lambda o: ("gre_seq" in o) == facts["seq"])
    all_have(tally, "GRE key %s" % facts["key"], lines,
             lambda o: o.get("gre_key") == facts["key"])
    all_have(tally, "session %s" % facts["session"], lines,
             lambda o: o.get("session") == facts["session"])
    for key, value in sorted(facts["fields"].items()):
        all_have(tally, "%s %d" % (key, value), lines,
                 lambda o, k=key, v=value: o.get(k) == v)
    all_have(tally, "inner_len = cap_len - %d" % facts["overhead"], lines,
             lambda o: o.get("inner_len") ==
             o.get("cap_len", 0) - facts["overhead"])
    all_have(tally, "inner Ethernet without VLAN tag", lines,
             lambda o: o.get("inner_link") == "ethernet" and
             get(o, "inner.eth_type") == 0x0800 and
             get(o, "inner.vlan") is None)
    flows = {}
    for o in lines:
        pair = (get(o, "inner.src"), get(o, "inner.dst"))
        flows[pair] = flows.get(pair, 0) + 1
    tally.equal("inner flows (src, dst): frames", facts["flows"], flows)
    if facts["udp"] is not None:
        protos = [get(o, "inner.proto") for o in lines]
        tally.equal("inner UDP frames", facts["udp"], protos.count(17))
        tally.equal("inner TCP frames", facts["tcp"], protos.count(6))

    tally.equal("frames written to OUT", facts["frames"], len(written))
    tally.equal("OUT frames with \"malware\" in them", MALWARE_FRAMES,
                sum(1 for _, _, data in written if b"malware" in data))
    sizes = sorted(o.get("inner_len") for o in lines)
    tally.equal("OUT frame sizes = inner_len", sizes,
                sorted(caplen for caplen, _, _ in written))

    # --session keeps exactly the frames of that session.
    for session in (1, 2):
        text = run_finderscope(args.bin, ["decap", "--json", "--session",
                                          str(session), args.capture], tally)
        kept = decap_lines(text, tally)
        expected = facts["frames"] if facts["session"] == session else 0
        tally.equal("lines with --session %d" % session, expected, len(kept))


# --- robust -----------------------------------------------------------------

def check_robust(args, tally):
    records = pcap_records(args.capture)[0]
    with tempfile.TemporaryDirectory(prefix="fs-decap-") as tmp:
        out = os.path.join(tmp, "inner.pcap")
        text = run_finderscope(args.bin, ["decap", args.capture, out], tally)
        totals = parse_totals(text, tally, "totals")
        tally.equal("totals frames (records in the pcap)", len(records),
                    totals.get("frames"))
        counted = sum(v for k, v in totals.items()
                      if k not in ("frames", "written", "filtered"))
        tally.equal("every frame counted once (types + reasons)",
                    len(records), counted)
        if tally.check(os.path.isfile(out), "OUT was not written"):
            tally.equal("records in OUT", totals.get("written"),
                        len(pcap_records(out)[0]))
        tally.check(not os.path.exists(out + ".part"), "OUT.part left over")
    text = run_finderscope(args.bin, ["decap", "--json", args.capture], tally)
    lines = decap_lines(text, tally)
    tally.check(len(lines) <= len(records),
                "%d JSON lines for %d frames" % (len(lines), len(records)))


# --- tshark -----------------------------------------------------------------

def run_tool(cmd):
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL,
                              timeout=RUN_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        return e


def check_tshark_one(args, capture, tmp, tally):
    name = os.path.basename(capture)
    out = os.path.join(tmp, name)
    totals = parse_totals(run_finderscope(args.bin, ["decap", capture, out],
                                          tally), tally, name)
    lines = decap_lines(run_finderscope(args.bin, ["decap", "--json",
                                                   capture], tally), tally)
    written = totals.get("written")
    tally.equal("%s: written = JSON lines with result ok" % name,
                sum(1 for o in lines if o.get("result") == "ok"), written)
    if not tally.check(os.path.isfile(out), "%s: OUT not written" % name):
        return
    proc = run_tool([args.tshark, "-r", out, "-q"])
    if isinstance(proc, Exception):
        tally.fail("%s: tshark -r OUT -q: %s" % (name, proc))
        return
    stderr = TSHARK_ROOT_NOTICE.sub("", proc.stderr.decode("utf-8",
                                                            "replace"))
    tally.check(proc.returncode == 0 and stderr == "",
                "%s: tshark -r OUT -q: exit %d, stderr:\n%s"
                % (name, proc.returncode, tail(stderr)))
    proc = run_tool([args.tshark, "-r", out, "-T", "fields",
                     "-e", "frame.number"])
    if isinstance(proc, Exception):
        tally.fail("%s: tshark count: %s" % (name, proc))
        return
    tally.equal("%s: frames tshark reads in OUT" % name, written,
                len(proc.stdout.split()))


def check_tshark(args, tally):
    args.tshark = args.tshark or shutil.which("tshark")
    if not args.tshark:
        print("skipped: no tshark in PATH")
        sys.exit(SKIPPED)
    with tempfile.TemporaryDirectory(prefix="fs-decap-") as tmp:
        for capture in args.captures:
            check_tshark_one(args, capture, tmp, tally)


# --- selftest ---------------------------------------------------------------

def check_selftest(args, tally):
    stem = os.path.basename(args.capture)[:-len(".pcap")]
    tsv = os.path.join(os.path.dirname(args.capture), stem + ".expected.tsv")
    with open(tsv, encoding="utf-8") as fh:
        text = fh.read()
    with tempfile.TemporaryDirectory(prefix="fs-decap-") as tmp:
        shutil.copy(args.capture, tmp)
        copy = os.path.join(tmp, os.path.basename(args.capture))
        copy_tsv = os.path.join(tmp, stem + ".expected.tsv")

        def compare(oracle_text):
            with open(copy_tsv, "w", encoding="utf-8") as fh:
                fh.write(oracle_text)
            return run_tool([sys.executable, args.compare, "--bin", args.bin,
                             copy])

        proc = compare(text)
        tally.check(not isinstance(proc, Exception) and
                    proc.returncode == 0,
                    "decap_compare.py on the unchanged oracle did not pass")
        lines = text.splitlines(True)
        header = lines[0].lstrip("#").rstrip("\n").split("\t")
        for column in ("erspan_session", "inner_dst", "inner_first"):
            i = header.index(column)
            row = lines[1].rstrip("\n").split("\t")
            row[i] = "999" if row[i] != "999" else "998"
            corrupted = "".join([lines[0], "\t".join(row) + "\n"] + lines[2:])
            proc = compare(corrupted)
            ok = not isinstance(proc, Exception) and proc.returncode == 1
            last = proc.stdout.decode().strip().splitlines()[-1] if ok else ""
            tally.check(ok and last.endswith(" 1 failed"),
                        "one cell of %s changed: expected exit 1 and "
                        "\"1 failed\", got %r" % (column, last or proc))


# --- Command line -----------------------------------------------------------

def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    for mode in ("ovs", "robust", "selftest"):
        s = sub.add_parser(mode)
        s.add_argument("--bin", metavar="FINDERSCOPE", required=True)
        if mode == "selftest":
            s.add_argument("--compare", required=True)
        s.add_argument("capture")
    s = sub.add_parser("tshark")
    s.add_argument("--bin", metavar="FINDERSCOPE", required=True)
    s.add_argument("--tshark", metavar="PATH")
    s.add_argument("captures", nargs="+")
    args = p.parse_args(argv)
    tally = Tally()
    {"ovs": check_ovs, "robust": check_robust, "tshark": check_tshark,
     "selftest": check_selftest}[args.mode](args, tally)
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
