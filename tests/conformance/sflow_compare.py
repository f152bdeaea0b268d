#!/usr/bin/env python3
"""sflow_compare.py - compare `finderscope sflow --json` with the tshark oracle.

usage:
  sflow_compare.py --bin FINDERSCOPE CAPTURE.pcap [--expected-dir DIR]
  sflow_compare.py --bin FINDERSCOPE --raw DATAGRAM.bin [--expected-dir DIR]
  sflow_compare.py --json-file SAVED.json [--raw] CAPTURE [--expected-dir DIR]

The oracle (shared/testdata/sflow/ORACLE.md) is three TSV files per capture
NAME, next to it by default:

  NAME.datagrams.tsv  one row per UDP frame
  NAME.expected.tsv   one row per flow sample (types 1, 3)
  NAME.counters.tsv   one row per counter sample (types 2, 4)

With --raw, CAPTURE is a bare datagram (a UDP payload, decoded with
`finderscope sflow --json --raw`); its oracle is that of the one-frame pcap
that wraps it, STEM.wrapped.*.tsv, by default in the parent of the raw/
folder.  The payload is byte for byte the same, so every column must match.

Every column of every sample row is compared with our JSON line of the same
(frame, sample_index), mapped as described in docs/sflow-json.md.  Per frame,
the datagram header (agent, sub_agent, dgram_seq, uptime_ms) is checked on
every sample line of that frame, and the numbers of flow, counter and other
samples must equal the oracle's.  Not compared, because the JSON schema has
no field for them: the datagram row's frame_len, udp_src, udp_sport,
udp_dport, version and tshark_malformed.

Counting: the closing "N passed, N failed" line counts CELLS - one oracle
column of one row, or one per-frame fact (a sample count, a header field) -
plus one failure per structural problem: a run that failed, a line that is
not JSON, a sample line missing, duplicated, out of order or unexpected.
"""
import argparse
import ipaddress
import os
import sys

from fs_conformance import (field, load_tsv, Tally, die, parse_json_lines,
                            read_text, run_finderscope)

ABSENT = "-"            # the oracle's "absent / not decoded"
SAMPLE_KINDS = ("flow", "counter", "discard", "skipped")


# --- Reading our JSON ------------------------------------------------------

def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def show_int(value):
    """An integer as the oracle writes it (decimal); None stays None."""
    if value is None or is_int(value):
        return None if value is None else str(value)
    return "<not an integer: %r>" % (value,)


def show_hex4(value):
    """EtherType and TCP flags: the oracle writes them as 0x%04x."""
    if value is None or not is_int(value):
        return show_int(value)
    return "0x%04x" % value


def show_addr(value):
    """An address in one canonical text form (IPv6 compressed)."""
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return "<not an address: %r>" % (value,)


def num(path):
    return lambda s: show_int(field(s, path))


def hex4(path):
    return lambda s: show_hex4(field(s, path))


def addr(path):
    return lambda s: show_addr(field(s, path))


def input_interface(s):
    """The oracle's in_if: the raw 32-bit word for compact samples (type 1),
    (format << 30) | value; for expanded ones the value, prefixed "fmt:"
    when the format is not 0."""
    fmt, value = field(s, "input.format"), field(s, "input.value")
    if fmt is None and value is None:
        return None
    if not (is_int(fmt) and is_int(value)):
        return "<bad input object: %r>" % (s.get("input"),)
    if s.get("sample_type") == 1:
        return str((fmt << 30) | value)
    return str(value) if fmt == 0 else "%d:%d" % (fmt, value)


def record_formats(s):
    """Comma list of record data formats, "E:F" for enterprise E != 0 (the
    JSON already writes them that way)."""
    records = s.get("records")
    if records is None or records == []:
        return None
    if not isinstance(records, list) or not all(isinstance(r, str)
                                                for r in records):
        return "<records is not a list of strings: %r>" % (records,)
    return ",".join(records)


# Oracle column -> how to read it from our sample line.
COMMON_COLUMNS = {
    "frame": num("frame"),
    "agent": addr("agent"),
    "sub_agent": num("sub_agent"),
    "dgram_seq": num("datagram_seq"),
    "sample_idx": num("sample_index"),
    "sample_type": num("sample_type"),
    "sample_seq": num("sample_seq"),
    "src_id_class": num("source_id_class"),
    "src_id_index": num("source_id_index"),
    "n_records": num("n_records"),
    "record_formats": record_formats,
}

FLOW_COLUMNS = dict(COMMON_COLUMNS, **{
    "sampling_rate": num("sampling_rate"),
    "sample_pool": num("sample_pool"),
    "drops": num("drops"),
    "in_if": input_interface,
    "out_if_fmt": num("output.format"),
    "out_if": num("output.value"),
    "hdr_proto": num("header.protocol"),
    "frame_length": num("frame_length"),    # top level: header or record 3/4
    "stripped": num("header.stripped"),
    "hdr_len": num("header.length"),
    "eth_type": hex4("key.eth_type"),
    "vlan": num("key.vlan"),
    "sw_vlan_in": num("switch.src_vlan"),
    "sw_vlan_out": num("switch.dst_vlan"),
    # The key is the first IP header (the outer one for VXLAN), or the
    # sampled IPv4/IPv6 record when there is no raw header: as the oracle.
    "src_ip": addr("key.src"),
    "dst_ip": addr("key.dst"),
    "ip_proto": num("key.proto"),
    "src_port": num("key.src_port"),
    "dst_port": num("key.dst_port"),
    "tcp_flags": hex4("key.tcp_flags"),
    "icmp_type": num("key.icmp_type"),
    "icmp_code": num("key.icmp_code"),
})

COUNTER_COLUMNS = dict(COMMON_COLUMNS, **{
    "if_index": num("counters.if.index"),
    "if_type": num("counters.if.type"),
    "if_speed": num("counters.if.speed"),
    "if_in_octets": num("counters.if.in_octets"),
    "if_in_ucast": num("counters.if.in_ucast"),
    "if_out_octets": num("counters.if.out_octets"),
    "if_out_ucast": num("counters.if.out_ucast"),
})

# Datagram header columns, checked on every sample line of the frame.
DATAGRAM_HEADER_COLUMNS = {
    "agent": addr("agent"),
    "sub_agent": num("sub_agent"),
    "dgram_seq": num("datagram_seq"),
    "uptime_ms": num("uptime_ms"),
}

ADDRESS_COLUMNS = ("agent", "src_ip", "dst_ip")


def oracle_blind_columns(row):
    """Flow columns where the oracle's "-" means "not decoded", not "absent".

    ORACLE.md defines tcp_flags, icmp_type and icmp_code on the sampled
    header only.  With no raw header the oracle takes just the length,
    addresses, protocol and ports from the sampled IPv4/IPv6 record, while
    our key (docs/sflow-json.md) also carries the record's TCP flags.  And
    its frame_length falls back to that record only; ours falls back
    further, to the sampled Ethernet record (2).
    """
    if row["hdr_proto"] != ABSENT:
        return frozenset()
    blind = {"tcp_flags", "icmp_type", "icmp_code"}
    if not set(row["record_formats"].split(",")) & {"3", "4"}:
        blind.add("frame_length")
    return frozenset(blind)


# --- The oracle -------------------------------------------------------------

DATAGRAM_COLUMNS_USED = ("frame", "is_sflow", "num_samples", "n_flow",
                         "n_counter", "n_other", "other_types") + \
    tuple(DATAGRAM_HEADER_COLUMNS)
DATAGRAM_COLUMNS_NOT_IN_JSON = ("frame_len", "udp_src", "udp_sport",
                                "udp_dport", "version", "tshark_malformed")


class Oracle:
    """The three TSV files of one capture."""

    def __init__(self, directory, base):
        def path(kind):
            p = os.path.join(directory, "%s.%s.tsv" % (base, kind))
            if not os.path.isfile(p):
                die("oracle file missing: %s" % p)
            return p
        self.datagrams_name = base + ".datagrams.tsv"
        self.flows_name = base + ".expected.tsv"
        self.counters_name = base + ".counters.tsv"
        _, self.datagrams = load_tsv(
            path("datagrams"),
            DATAGRAM_COLUMNS_USED + DATAGRAM_COLUMNS_NOT_IN_JSON)
        self.flow_columns, self.flows = load_tsv(path("expected"), FLOW_COLUMNS)
        self.counter_columns, self.counters = load_tsv(path("counters"),
                                                       COUNTER_COLUMNS)


# --- Comparing --------------------------------------------------------------

class Comparison:
    """Our JSON lines against one oracle, tallying every cell."""

    def __init__(self, oracle, objects, tally):
        self.oracle = oracle
        self.tally = tally
        self.unchecked = 0          # cells the oracle cannot vouch for
        self.samples = [o for o in objects if o["kind"] in SAMPLE_KINDS]
        self.errors = [o for o in objects if o["kind"] == "error"]
        self.by_key = self.index_samples()
        self.matched = set()        # keys of sample lines an oracle row named

    def run(self):
        self.compare_rows(self.oracle.flows_name, self.oracle.flow_columns,
                          FLOW_COLUMNS, self.oracle.flows, "flow",
                          oracle_blind_columns)
        self.compare_rows(self.oracle.counters_name,
                          self.oracle.counter_columns, COUNTER_COLUMNS,
                          self.oracle.counters, "counter",
                          lambda row: frozenset())
        self.report_unexpected_samples()
        self.compare_datagrams()
        if self.unchecked:
            print("note: %d oracle cells not checked (\"-\" where ORACLE.md "
                  "says the oracle does not decode the field, or a header "
                  "field of a frame with no sample line)" % self.unchecked)

    def index_samples(self):
        """Sample lines by (frame, sample_index), which must rise strictly
        in output order (capture order, then sample order)."""
        by_key, previous = {}, None
        for s in self.samples:
            key = (s.get("frame"), s.get("sample_index"))
            if not (is_int(key[0]) and is_int(key[1])):
                self.tally.fail("%s line without integer frame/sample_index: %r"
                                % (s["kind"], s))
                continue
            if key in by_key:
                self.tally.fail("two sample lines for frame %d sample_index %d"
                                % key)
                continue
            if previous is not None and key < previous:
                self.tally.fail("sample line frame %d sample_index %d printed "
                                "after frame %d sample_index %d"
                                % (key + previous))
            by_key[key] = s
            previous = key
        return by_key

    def compare_rows(self, tsv_name, columns, mapping, rows, kind, blind_for):
        for row in rows:
            where = "%s frame %s sample_idx %s" % (tsv_name, row["frame"],
                                                   row["sample_idx"])
            key = (int(row["frame"]), int(row["sample_idx"]))
            s = self.by_key.get(key)
            if s is None:
                self.tally.fail("%s: no %s sample line" % (where, kind))
                continue
            self.matched.add(key)
            if s["kind"] != kind:
                self.cell(where, "kind", kind, s["kind"])
                continue
            blind = blind_for(row)
            for column in columns:
                if row[column] == ABSENT and column in blind:
                    self.unchecked += 1
                    continue
                self.cell(where, column, row[column], mapping[column](s))

    def cell(self, where, column, expected, got):
        """One cell: expected is oracle text ("-" = absent), got is our
        value rendered the same way (None = absent)."""
        if expected == ABSENT:
            expected = None
        elif column in ADDRESS_COLUMNS:
            expected = show_addr(expected)
        self.tally.check(expected == got,
                         "%s column %s: expected %s, got %s"
                         % (where, column, show(expected), show(got)))

    def report_unexpected_samples(self):
        """Flow and counter lines that no oracle row asked for.  (Discard
        samples have no oracle rows; the per-frame n_other accounts for
        them.)"""
        for (frame, index), s in sorted(self.by_key.items()):
            if s["kind"] in ("flow", "counter") and \
                    (frame, index) not in self.matched:
                self.tally.fail("frame %d sample_index %d: %s sample line "
                                "that the oracle does not have"
                                % (frame, index, s["kind"]))

    def compare_datagrams(self):
        name = self.oracle.datagrams_name
        per_frame = {}
        for s in self.by_key.values():
            per_frame.setdefault(s["frame"], []).append(s)
        errors = {}
        for e in self.errors:
            errors.setdefault(e.get("frame"), []).append(e)
        for row in self.oracle.datagrams:
            frame = int(row["frame"])
            lines = sorted(per_frame.pop(frame, []),
                           key=lambda s: s["sample_index"])
            where = "%s frame %d" % (name, frame)
            if row["is_sflow"] == "1":
                self.compare_sflow_frame(where, row, lines,
                                         errors.get(frame, []))
            else:
                # Not sFlow (e.g. NetFlow v5 on 6343): we must reject it.
                # An error line for it is fine.
                self.tally.check(not lines, "%s: not sFlow, but %d sample "
                                 "lines printed" % (where, len(lines)))
        for frame, lines in sorted(per_frame.items()):
            self.tally.fail("%s frame %d: no UDP frame in the oracle, but %d "
                            "sample lines printed" % (name, frame, len(lines)))
        for frame in errors:
            if not is_int(frame):
                self.tally.fail("error line without an integer frame: %r"
                                % (errors[frame][0],))

    def compare_sflow_frame(self, where, row, lines, errors):
        kinds = [s["kind"] for s in lines]
        self.cell(where, "n_flow", row["n_flow"], str(kinds.count("flow")))
        self.cell(where, "n_counter", row["n_counter"],
                  str(kinds.count("counter")))
        # Other samples: discard (5), and the ones skipped by length.
        others = [s for s in lines if s["kind"] in ("discard", "skipped")]
        self.cell(where, "n_other", row["n_other"], str(len(others)))
        self.cell(where, "other_types", row["other_types"],
                  ",".join(show_int(s.get("sample_type"))
                           if s["kind"] == "discard" else s.get("data_format")
                           for s in others) or None)
        self.compare_header_fields(where, row, lines)
        if row["num_samples"] != ABSENT and lines:
            top = max(s["sample_index"] for s in lines)
            self.tally.check(top <= int(row["num_samples"]),
                             "%s: sample_index %d above num_samples %s"
                             % (where, top, row["num_samples"]))
        self.compare_errors(where, row, errors)

    def compare_header_fields(self, where, row, lines):
        """The datagram header as repeated on each of the frame's sample
        lines: every line must agree with the oracle."""
        for column, read in DATAGRAM_HEADER_COLUMNS.items():
            if not lines:
                self.unchecked += 1
                continue
            values = {read(s) for s in lines}
            got = values.pop() if len(values) == 1 else \
                "{%s}" % ", ".join(sorted(show(v) for v in values))
            self.cell(where, column, row[column], got)

    def compare_errors(self, where, row, errors):
        """An error line is right exactly when the datagram is broken.

        tshark read the version but not the header (num_samples "-"): the
        payload ended early, so we must say "truncated".  tshark found every
        declared sample: the datagram is whole, so an error is ours.  In
        between (tshark gave up part way) the oracle cannot tell.
        """
        found = sum(int(row[c]) for c in ("n_flow", "n_counter", "n_other"))
        if row["num_samples"] == ABSENT:
            kinds = [e.get("error") for e in errors]
            self.tally.check("truncated" in kinds,
                             "%s: datagram header cut short: expected an "
                             "error line \"truncated\", got %s"
                             % (where, kinds or "none"))
        elif found == int(row["num_samples"]):
            for e in errors:
                self.tally.fail("%s: whole datagram, but error line %s: %s "
                                "(sample_index %s, offset %s)"
                                % (where, e.get("error"), e.get("message"),
                                   e.get("sample_index"), e.get("offset")))


def show(value):
    return ABSENT if value is None else value


# --- Command line -----------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Compare `finderscope sflow --json` with the tshark "
        "oracle TSVs (shared/testdata/sflow/ORACLE.md).")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin", metavar="FINDERSCOPE",
                        help="run this binary on CAPTURE")
    source.add_argument("--json-file", metavar="F",
                        help="compare a saved `finderscope sflow --json` "
                        "output instead (for debugging)")
    p.add_argument("--raw", action="store_true",
                   help="CAPTURE is a bare sFlow datagram; the oracle is "
                   "that of STEM.wrapped.pcap")
    p.add_argument("--expected-dir", metavar="DIR",
                   help="folder of the oracle TSVs (default: the capture's "
                   "folder, or with --raw the parent of the raw folder)")
    p.add_argument("capture", metavar="CAPTURE")
    return p.parse_args(argv)


def oracle_location(args):
    """(folder, base name) of the oracle TSVs for CAPTURE."""
    folder = os.path.dirname(os.path.abspath(args.capture))
    stem = os.path.basename(args.capture)
    if args.raw:
        base = os.path.splitext(stem)[0] + ".wrapped"
        folder = os.path.dirname(folder)
    else:
        base = stem[:-len(".pcap")] if stem.endswith(".pcap") else stem
    return args.expected_dir or folder, base


def main(argv):
    args = parse_args(argv)
    oracle = Oracle(*oracle_location(args))
    tally = Tally()
    if args.json_file:
        text, source = read_text(args.json_file), args.json_file
    else:
        decoder_args = ["sflow", "--json"] + (["--raw"] if args.raw else [])
        text = run_finderscope(args.bin, decoder_args + [args.capture], tally)
        source = "finderscope output"
    if text is not None:
        Comparison(oracle, parse_json_lines(text, tally, source), tally).run()
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
