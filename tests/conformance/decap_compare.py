#!/usr/bin/env python3
"""decap_compare.py - compare `finderscope decap --json` with the tshark oracle.

usage:
  decap_compare.py --bin FINDERSCOPE CAPTURE.pcap [--expected-dir DIR]
  decap_compare.py --json-file SAVED.json CAPTURE.pcap [--expected-dir DIR]

The oracle (shared/testdata/erspan/ORACLE.md) is NAME.expected.tsv next to
NAME.pcap: one row per frame that has a GRE header.  Our JSON has one line
per frame that cap_decap() did not call "not GRE" (docs/decap-json.md).
Every column of every row is compared with the line of the same frame,
mapped as below; a row without a line, or a line without a row, is a
failure.

How the columns map (our field -> oracle text):

  frame, frame_len, cap_len, n_gre   the integers
  outer_src, outer_dst               addresses (IPv6 compared canonically)
  gre_flags, gre_proto               0x%04x
  gre_key                            0x%08x; gre_seq decimal
  erspan_type                        encap erspan-i/-ii/-iii -> I/II/III
  erspan_session, _vlan, _cos        session, vlan, cos (types II and III)
  erspan_index                       index (type II)
  erspan_ft, erspan_timestamp        frame_type, timestamp (type III)
  inner_first                        what we decapsulated: an Ethernet
                                     inner frame -> eth, an IP one -> ip or
                                     ipv6 (by its version); result "pptp" ->
                                     ppp (GRE version 1 carries PPP, RFC
                                     2637); "truncated" -> _ws.short; any
                                     other result -> "-" (nothing past
                                     GRE/ERSPAN).  The oracle's
                                     "fake-field-wrapper" is read as "-":
                                     it is tshark's PDML wrapper for bytes
                                     no dissector took (ERSPAN III frame
                                     type 7), which ORACLE.md documents as
                                     "-".
  inner_eth_src/_dst/_type, inner_vlan, inner_src/_dst/_proto,
  inner_sport/_dport                 inner.eth_src, eth_dst, eth_type
                                     (absent for an 802.3 length), vlan,
                                     src, dst, proto, src_port, dst_port
  tshark_malformed                   1 when our result says the frame's
                                     headers are broken ("truncated",
                                     "bad-length"), else 0

Where tshark dissects further than finderscope decapsulates (GRE protocols
we do not carry, such as CDP or Cisco metadata), the cells differ and are
reported as failures: they are real differences, not oracle noise.

Counting: the closing "N passed, N failed" line counts cells, plus one
failure per structural problem (a run that failed, a line that is not
JSON, a line missing, duplicated, out of order or unexpected).
"""
import argparse
import ipaddress
import os
import sys

from fs_conformance import (field, load_tsv, Tally, die, parse_json_lines,
                            read_text, run_finderscope)

ABSENT = "-"
ERSPAN_TYPES = {"erspan-i": "I", "erspan-ii": "II", "erspan-iii": "III"}
MALFORMED_RESULTS = ("truncated", "bad-length", "bad_length")
# Oracle cell text that means "nothing dissected" (see the docstring).
ORACLE_NOTHING = {"inner_first": ("fake-field-wrapper",)}
GRE_PROTO_CMD = 0x8909
GRE_PROTO_CDP = 0x2000
# Where tshark dissects what finderscope by design does not carry: Cisco
# Discovery Protocol frames sent over GRE are a router talking to its
# neighbour, not mirrored traffic; cap_decap() answers "unknown-proto".
# (gre_proto, column, oracle value) -> counted as a known difference.
KNOWN_DIFFERENCES = {(GRE_PROTO_CDP, "inner_first", "cdp")}


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def show_fmt(value, fmt):
    if value is None:
        return None
    if not is_int(value):
        return "<not an integer: %r>" % (value,)
    return fmt % value


def show_addr(value):
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return "<not an address: %r>" % (value,)


def num(path):
    return lambda o: show_fmt(field(o, path), "%d")


def hexn(path, digits):
    return lambda o: show_fmt(field(o, path), "0x%%0%dx" % digits)


def addr(path):
    return lambda o: show_addr(field(o, path))


def erspan_type(o):
    encap = o.get("encap")
    return ERSPAN_TYPES.get(encap) if encap is not None else None


def first(o):
    """What the first GRE/ERSPAN layer carries, the oracle's subject: the
    "payload" object when finderscope went further (nested GRE) or could
    not go on, else "inner"."""
    return "payload" if "payload" in o else "inner"


def inner_field(name):
    return lambda o: field(o, "%s.%s" % (first(o), name))


def inner_first(o):
    result = o.get("result")
    if o.get("gre_proto") == GRE_PROTO_CMD:
        # tshark's Cisco MetaData dissector is the first thing after GRE;
        # finderscope unwraps its 8-byte header and goes on (cap_gre.c).
        return "cmd"
    if "payload" in o and result != "ok":
        return "ip" if field(o, "payload.ip_version") != 6 else "ipv6"
    if result == "ok":
        link = o.get("inner_link")
        if link == "ethernet":
            return "eth"
        if link == "ip":
            version = field(o, "inner.ip_version")
            if version is None:
                version = 6 if o.get("gre_proto") == 0x86DD else 4
            return "ipv6" if version == 6 else "ip"
        return "<result ok, inner_link %r>" % (link,)
    if result == "pptp":
        return "ppp"
    if result == "truncated":
        return "_ws.short"
    return None


def malformed(o):
    return "1" if o.get("result") in MALFORMED_RESULTS else "0"


COLUMNS = {
    "frame": num("frame"),
    "frame_len": num("frame_len"),
    "cap_len": num("cap_len"),
    "outer_src": addr("outer_src"),
    "outer_dst": addr("outer_dst"),
    "n_gre": num("n_gre"),
    "gre_flags": hexn("gre_flags", 4),
    "gre_proto": hexn("gre_proto", 4),
    "gre_key": hexn("gre_key", 8),
    "gre_seq": num("gre_seq"),
    "erspan_type": erspan_type,
    "erspan_session": num("session"),
    "erspan_vlan": num("vlan"),
    "erspan_cos": num("cos"),
    "erspan_index": num("index"),
    "erspan_ft": num("frame_type"),
    "erspan_timestamp": num("timestamp"),
    "inner_first": inner_first,
    "inner_eth_src": inner_field("eth_src"),
    "inner_eth_dst": inner_field("eth_dst"),
    "inner_eth_type": lambda o: show_fmt(inner_field("eth_type")(o),
                                         "0x%04x"),
    "inner_vlan": lambda o: show_fmt(inner_field("vlan")(o), "%d"),
    "inner_src": lambda o: show_addr(inner_field("src")(o)),
    "inner_dst": lambda o: show_addr(inner_field("dst")(o)),
    "inner_proto": lambda o: show_fmt(inner_field("proto")(o), "%d"),
    "inner_sport": lambda o: show_fmt(inner_field("src_port")(o), "%d"),
    "inner_dport": lambda o: show_fmt(inner_field("dst_port")(o), "%d"),
    "tshark_malformed": malformed,
}
ADDRESS_COLUMNS = ("outer_src", "outer_dst", "inner_src", "inner_dst")


def show(value):
    return ABSENT if value is None else value


def compare(tsv_name, columns, rows, objects, tally):
    lines, previous = {}, None
    for o in objects:
        if o["kind"] != "decap":
            continue
        frame = o.get("frame")
        if not is_int(frame):
            tally.fail("line without an integer frame: %r" % (o,))
            continue
        if frame in lines:
            tally.fail("two lines for frame %d" % frame)
            continue
        if previous is not None and frame < previous:
            tally.fail("frame %d printed after frame %d" % (frame, previous))
        lines[frame] = o
        previous = frame
    seen = set()
    for row in rows:
        frame = int(row["frame"])
        where = "%s frame %d" % (tsv_name, frame)
        o = lines.get(frame)
        if o is None:
            tally.fail("%s: no JSON line (the oracle has GRE here)" % where)
            continue
        seen.add(frame)
        for column in columns:
            expected = row[column]
            if expected == ABSENT or \
                    expected in ORACLE_NOTHING.get(column, ()):
                expected = None
            elif column in ADDRESS_COLUMNS:
                expected = show_addr(expected)
            got = COLUMNS[column](o)
            if expected != got and (o.get("gre_proto"), column,
                                    row[column]) in KNOWN_DIFFERENCES:
                print("known difference: %s column %s: tshark %s, we %s "
                      "(see KNOWN_DIFFERENCES)" % (where, column,
                                                   row[column], show(got)))
                continue
            tally.check(expected == got,
                        "%s column %s: expected %s, got %s (result %s)"
                        % (where, column, show(expected), show(got),
                           o.get("result")))
    for frame in sorted(set(lines) - seen):
        tally.fail("%s frame %d: a line (result %s) but no oracle row"
                   % (tsv_name, frame, lines[frame].get("result")))


def main(argv):
    p = argparse.ArgumentParser(
        description="Compare `finderscope decap --json` with the tshark "
        "oracle (shared/testdata/erspan/ORACLE.md).")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin", metavar="FINDERSCOPE")
    source.add_argument("--json-file", metavar="F",
                        help="a saved `finderscope decap --json` output")
    p.add_argument("--expected-dir", metavar="DIR",
                   help="folder of NAME.expected.tsv (default: the "
                   "capture's)")
    p.add_argument("capture", metavar="CAPTURE")
    args = p.parse_args(argv)

    stem = os.path.basename(args.capture)
    stem = stem[:-len(".pcap")] if stem.endswith(".pcap") else stem
    folder = args.expected_dir or os.path.dirname(
        os.path.abspath(args.capture))
    tsv = os.path.join(folder, stem + ".expected.tsv")
    if not os.path.isfile(tsv):
        die("oracle file missing: %s" % tsv)
    columns, rows = load_tsv(tsv, COLUMNS)
    tally = Tally()
    if args.json_file:
        text = read_text(args.json_file)
    else:
        text = run_finderscope(args.bin, ["decap", "--json", args.capture],
                               tally)
    if text is not None:
        compare(os.path.basename(tsv), columns, rows,
                parse_json_lines(text, tally, "finderscope output"), tally)
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
