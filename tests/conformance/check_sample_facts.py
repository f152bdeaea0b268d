#!/usr/bin/env python3
"""check_sample_facts.py - hand-checked values the oracle has no column for.

usage:
  check_sample_facts.py --bin FINDERSCOPE [--raw] CAPTURE
  check_sample_facts.py --json-file SAVED.json [--raw] CAPTURE

The tshark oracle (ORACLE.md) covers the outer flow key and the first
interface counters.  A few fields of our schema (docs/sflow-json.md) are
outside it: the flow inside VXLAN, the discard sample (tshark 4.0 does not
dissect type 5), and the TCP flags and TOS of a sampled IPv4 record (tshark
4.0.17 prints them from the wrong byte of the XDR word).  Their values below
were read from the bytes by hand and, where tshark gets them right, checked
with `tshark -n -V`.

Each value is one check; the closing line counts them.
"""
import argparse
import os
import sys

from fs_conformance import (field, Tally, die, parse_json_lines, read_text,
                            run_finderscope)

ABSENT = object()       # the field must not be in the line

# capture file name -> {(frame, sample_index): {JSON path: value}}
FACTS = {
    # Outer IPv4/UDP to 4789; VXLAN flags 0x08, VNI 100; inner Ethernet
    # IPv6 2001:db8:4::1 -> 2001:db8:4::3, ICMPv6 echo request (tshark).
    "akvorado-data-encap-vxlan.pcap": {
        (1, 1): {
            "kind": "flow", "inner.vni": 100, "inner.eth_type": 0x86DD,
            "inner.ip_version": 6, "inner.src": "2001:db8:4::1",
            "inner.dst": "2001:db8:4::3", "inner.proto": 58,
            "inner.icmp_type": 128, "inner.icmp_code": 0,
        },
    },
    # Discard sample (sflow_drops.txt), 44 bytes: seq 2, source 0:1, drops
    # 256, input 1, output 2, reason 1 (host_unreachable), one record 1036
    # (egress queue, 4 bytes).  No record carries a frame length.
    "telegraf-sflow_issue_15375-sflow_drop_1036.bin": {
        (1, 1): {
            "kind": "discard", "sample_type": 5, "sample_seq": 2,
            "source_id_class": 0, "source_id_index": 1, "drops": 256,
            "input.format": 0, "input.value": 1,
            "output.format": 0, "output.value": 2, "reason": 1,
            "n_records": 1, "records": ["1036"], "frame_length": ABSENT,
        },
    },
    # Sampled IPv4 record only: ... src_port 53032, dst_port 25562, then
    # the words tcp_flags 0x00000010 (ACK) and tos 0x00000070.  tshark
    # 4.0.17 shows every flag "Not set" and TOS 0: it reads the first byte.
    "nxthdr-sflow.pcap": {
        (1, 1): {
            "kind": "flow", "sampled_ip.version": 4, "sampled_ip.length": 40,
            "sampled_ip.protocol": 6, "sampled_ip.tcp_flags": 0x10,
            "sampled_ip.tos": 0x70, "key.tcp_flags": 0x10, "key.tos": 0x70,
            "header": ABSENT,
        },
    },
}


def get(obj, path):
    """obj["a"]["b"] for "a.b"; ABSENT when a step is missing."""
    return field(obj, path, ABSENT)


def show(value):
    return "absent" if value is ABSENT else repr(value)


def check_facts(tally, facts, objects):
    samples = {(o.get("frame"), o.get("sample_index")): o for o in objects
               if o["kind"] in ("flow", "counter", "discard")}
    for (frame, index), fields in sorted(facts.items()):
        where = "frame %d sample_index %d" % (frame, index)
        sample = samples.get((frame, index))
        if not tally.check(sample is not None, "%s: no sample line" % where):
            continue
        for path, expected in fields.items():
            got = get(sample, path)
            # The type too: true is not 1, and "2" is not 2.
            tally.check(type(got) is type(expected) and got == expected,
                        "%s %s: expected %s, got %s"
                        % (where, path, show(expected), show(got)))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin", metavar="FINDERSCOPE")
    source.add_argument("--json-file", metavar="F")
    p.add_argument("--raw", action="store_true",
                   help="CAPTURE is a bare sFlow datagram")
    p.add_argument("capture")
    args = p.parse_args(argv)
    facts = FACTS.get(os.path.basename(args.capture))
    if facts is None:
        die("no facts known for %s" % args.capture)
    tally = Tally()
    if args.json_file:
        text = read_text(args.json_file)
    else:
        text = run_finderscope(args.bin, ["sflow", "--json"] +
                               (["--raw"] if args.raw else []) +
                               [args.capture], tally)
    if text is not None:
        check_facts(tally, facts, parse_json_lines(text, tally, "output"))
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
