#!/usr/bin/env python3
"""check_keys.py - the flow keys of finderscope sflow --json against the
generator's ground truth.

    check_keys.py --bin FINDERSCOPE CAPTURE.pcap KEYS.jsonl

KEYS.jsonl (written by tests/tools/sflowgen.py synth next to the capture)
holds, per flow or discard sample, the `key` and `inner` objects a decoder
must print, in the field names of docs/sflow-json.md.  The oracle TSVs have
no columns for most of them (inner flow, VNI, QinQ inner VLAN, MPLS, TOS,
TTL, fragment and truncation flags), so this compares the whole objects:
a missing, extra or different member is a failure.
"""
import argparse
import json
import sys

import fs_conformance


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("capture")
    ap.add_argument("keys")
    a = ap.parse_args()
    tally = fs_conformance.Tally()

    out = fs_conformance.run_finderscope(a.bin, ["sflow", "--json",
                                                 a.capture], tally)
    got = {}
    for line in (out or "").splitlines():
        obj = json.loads(line)
        if obj.get("kind") in ("flow", "discard"):
            got[(obj["frame"], obj["sample_index"])] = obj

    with open(a.keys) as fh:
        truth = [json.loads(line) for line in fh if line.strip()]
    tally.check(len(truth) > 0, "%s: no ground truth" % a.keys)
    for t in truth:
        where = "frame %d sample %d (%s)" % (t["frame"], t["sample_index"],
                                             t["case"])
        sample = got.get((t["frame"], t["sample_index"]))
        if not tally.check(sample is not None, where + ": not printed"):
            continue
        for member in ("key", "inner"):
            tally.equal("%s %s" % (where, member), t.get(member),
                        sample.get(member))
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main())
