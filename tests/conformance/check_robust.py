#!/usr/bin/env python3
"""check_robust.py - `finderscope sflow` must survive any capture.

usage: check_robust.py --bin FINDERSCOPE CAPTURE.pcap

Runs `finderscope sflow --json --stats CAPTURE` on a capture that crashed
or looped other packet printers (shared/testdata/malformed/), or on any
other capture, and requires what testdata/README.md asks of such input: no
crash, no hang, exit status 0, frames rejected or partly decoded.  Also,
so that a reader that silently stops early does not pass: every output line
is a JSON object, the last one is the `totals` line, and it counts as many
frames as the pcap file holds.  (Out-of-bounds reads are caught by running
the same test in the AddressSanitizer build.)

Each of those is one check; the closing line counts them.
"""
import argparse
import struct
import sys

from fs_conformance import Tally, die, parse_json_lines, run_finderscope

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
               b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}


def count_pcap_records(path):
    """Records in a classic pcap file, by walking the record headers (the
    records themselves may be as broken as they like)."""
    with open(path, "rb") as fh:
        data = fh.read()
    order = PCAP_MAGICS.get(data[:4])
    if order is None or len(data) < 24:
        die("%s: not a classic pcap file" % path)
    offset, records = 24, 0
    while offset + 16 <= len(data):
        caplen = struct.unpack_from(order + "I", data, offset + 8)[0]
        offset += 16 + caplen
        records += 1
    return records


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", metavar="FINDERSCOPE", required=True)
    p.add_argument("capture")
    args = p.parse_args(argv)
    frames = count_pcap_records(args.capture)
    tally = Tally()
    text = run_finderscope(args.bin, ["sflow", "--json", "--stats",
                                      args.capture], tally)
    if text is not None:
        objects = parse_json_lines(text, tally, "output")
        last = objects[-1] if objects else {}
        if tally.equal("kind of the last line", "totals", last.get("kind")):
            tally.equal("totals frames (records in the pcap)", frames,
                        last.get("frames"))
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
