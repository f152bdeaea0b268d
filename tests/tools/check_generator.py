#!/usr/bin/python3
"""check_generator.py - cross-check sflowgen's ground truth against tshark.

  check_generator.py --oracle shared/tools/oracle/sflow_oracle.py --outdir DIR

1. writes DIR/synth.pcap and its ground-truth TSVs (sflowgen.write_synth);
2. walks the XDR framing of every datagram in the pcap with a reader of its
   own (every declared length must match the bytes, padding must be zero):
   this covers what tshark cannot decode (discard and unknown samples);
3. runs the shared tshark oracle on the pcap into DIR/tshark/;
4. compares the three tables cell by cell (IP addresses normalised), rows
   matched by frame and sample index.

Known tshark 4.0.17 mistakes are listed in ERRATA, each with the exact wrong
value tshark gives: a listed cell passes only if tshark still says exactly
that, and an erratum that no longer occurs is itself a failure.  Finally the
comparison is run once on a deliberately corrupted copy of the truth, which
must fail, so that the check cannot pass vacuously.

Prints one line per failure and "N passed, N failed"; exits 1 on any failure.
"""
import argparse
import copy
import ipaddress
import os
import struct
import subprocess
import sys

sys.dont_write_bytecode = True      # tests must not write into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sflowgen  # noqa: E402
from fsgen import oracle  # noqa: E402

MISSING = "missing"     # an erratum: tshark has no such row at all


class Erratum:
    """tshark shows `wrong` (column -> value, or MISSING) for the row(s) of
    case `case` in table `table`; `why` says why that is tshark's mistake."""

    def __init__(self, table, case, wrong, why):
        self.table, self.case, self.wrong, self.why = table, case, wrong, why
        self.used = False


ERRATA = [
    # tshark dissects an 802.1ad S-tag (0x88a8) as "IEEE 802.1ad", not as
    # "vlan", so sflow_oracle.py's first "vlan" layer is the inner C-tag
    # (200).  The first tag, as docs/sflow-json.md defines `vlan` ("first
    # 802.1Q/802.1ad VLAN id") and as the decoder reports it, is 100.
    Erratum("expected", "flow-qinq", {"vlan": "200"},
            "tshark's first 'vlan' layer skips the 802.1ad S-tag"),
    # tshark skips records of a non-zero enterprise by their length (the
    # records after them decode correctly) but gives them no format field,
    # so sflow_oracle.py leaves them out of record_formats.
    Erratum("expected", "flow-unknown-record", {"record_formats": "1,1001"},
            "tshark does not list enterprise 4242 flow records"),
    Erratum("counters", "counter-unknown-record",
            {"record_formats": "1,1001"},
            "tshark does not list enterprise 4242 counter records"),
    # tshark does not skip a sample of a non-zero enterprise: it stops with
    # "Malformed Packet" at sample 4242:9, never counts it, and never sees
    # the flow sample after it.
    Erratum("datagrams", "unknown-enterprise-sample",
            {"n_flow": "0", "n_other": "0", "other_types": "-",
             "tshark_malformed": "1"},
            "tshark stops at a sample of enterprise 4242"),
    Erratum("expected", "flow-after-unknown-sample", MISSING,
            "tshark stops at the enterprise 4242 sample before it"),
]

TABLES = (("datagrams", oracle.DGRAM_COLS), ("expected", oracle.FLOW_COLS),
          ("counters", oracle.CTR_COLS))


# ---------------------------------------------------------------- TSV input

def read_tsv(path):
    """(columns, rows as dicts); '#' lines after the header are comments."""
    with open(path) as fh:
        lines = fh.read().splitlines()
    if not lines or not lines[0].startswith("#"):
        raise ValueError("%s: no '#' header line" % path)
    cols = lines[0][1:].split("\t")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        if line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != len(cols):
            raise ValueError("%s:%d: %d cells, %d columns"
                             % (path, n, len(cells), len(cols)))
        rows.append(dict(zip(cols, cells)))
    return cols, rows


def row_key(table, row):
    if table == "datagrams":
        return (row["frame"],)
    return (row["frame"], row["sample_idx"])


def norm(value):
    """Addresses in one canonical form; everything else as is."""
    if ":" in value or value.count(".") == 3:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
    return value


# ---------------------------------------------------------------- comparison

class Result:
    def __init__(self, quiet=False):
        self.passed, self.failures, self.quiet = 0, [], quiet

    def ok(self):
        self.passed += 1

    def fail(self, msg):
        self.failures.append(msg)
        if not self.quiet:
            print("FAIL " + msg)


def resolve_errata(errata, cases):
    """{(table, key): erratum} for the rows each erratum covers."""
    by_key = {}
    for e in errata:
        keys = [(c["frame"], c["sample_idx"]) for c in cases
                if c["case"] == e.case]
        if e.table == "datagrams":
            keys = sorted({(k[0],) for k in keys})
        if not keys:
            raise ValueError("erratum for unknown case %s" % e.case)
        for k in keys:
            by_key[(e.table, k)] = e
    return by_key


def compare_row(table, key, ours, theirs, erratum, case, res):
    where = "%s.tsv %s (%s)" % (table, " ".join(key), case)
    wrong = erratum.wrong if erratum else {}
    bad = []
    for col, want in ours.items():
        got = theirs[col]
        if col in wrong:
            erratum.used = True
            if norm(got) != norm(wrong[col]):
                bad.append("%s: erratum says tshark gives %s, it gave %s"
                           % (col, wrong[col], got))
        elif norm(got) != norm(want):
            bad.append("%s: ours %s, tshark %s" % (col, want, got))
    if bad:
        res.fail("%s: %s" % (where, "; ".join(bad)))
    else:
        res.ok()


def compare_table(table, ours, theirs, errata, case_of, res):
    mine = {row_key(table, r): r for r in ours}
    tsk = {row_key(table, r): r for r in theirs}
    for key in sorted(set(mine) | set(tsk), key=lambda k: tuple(map(int, k))):
        e = errata.get((table, key))
        case = case_of.get(key, "-")
        if key not in tsk:
            if e and e.wrong == MISSING:
                e.used = True
                res.ok()
            else:
                res.fail("%s.tsv %s (%s): row missing from tshark's output"
                         % (table, " ".join(key), case))
        elif key not in mine:
            res.fail("%s.tsv %s: tshark has a row the truth does not"
                     % (table, " ".join(key)))
        elif e and e.wrong == MISSING:
            res.fail("%s.tsv %s (%s): erratum says tshark has no such row"
                     % (table, " ".join(key), case))
        else:
            compare_row(table, key, mine[key], tsk[key], e, case, res)


def compare_all(truth, tshark, cases, errata, res):
    """Compare every table; truth/tshark: {table: (cols, rows)}."""
    for e in errata:
        e.used = False
    by_key = resolve_errata(errata, cases)
    case_of = {}
    for c in cases:
        case_of[(c["frame"], c["sample_idx"])] = c["case"]
        case_of.setdefault((c["frame"],), "datagram")
    for table, cols in TABLES:
        for name, (got_cols, _) in (("truth", truth[table]),
                                    ("tshark", tshark[table])):
            if got_cols != cols:
                res.fail("%s %s.tsv: columns differ from ORACLE.md"
                         % (name, table))
            else:
                res.ok()
        compare_table(table, truth[table][1], tshark[table][1], by_key,
                      case_of, res)
    for e in errata:
        if e.used:
            res.ok()
        else:
            res.fail("erratum no longer occurs (%s, %s): %s"
                     % (e.table, e.case, e.why))


def self_check(truth, tshark, cases, res):
    """The comparison must notice a corrupted truth (one changed port)."""
    bad = copy.deepcopy(truth)
    row = next(r for r in bad["expected"][1] if r["src_port"] != "-")
    row["src_port"] = str(int(row["src_port"]) + 1)
    probe = Result(quiet=True)
    compare_all(bad, tshark, cases, ERRATA, probe)
    if probe.failures:
        res.ok()
    else:
        res.fail("self-check: a corrupted src_port went unnoticed")


# ---------------------------------------------------------------- framing

class Framing:
    """A minimal XDR walker, independent of fsgen, over one datagram."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def u32(self):
        if self.pos + 4 > len(self.data):
            raise ValueError("truncated at %d" % self.pos)
        (v,) = struct.unpack_from("!I", self.data, self.pos)
        self.pos += 4
        return v

    def skip(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("%d bytes past the end at %d" % (n, self.pos))
        self.pos += n

    def opaque(self):
        """Length, bytes, zero padding: returns the bytes."""
        n = self.u32()
        start = self.pos
        self.skip(n + (-n % 4))
        if any(self.data[start + n:self.pos]):
            raise ValueError("non-zero padding at %d" % (start + n))
        return self.data[start:start + n]


# Bytes before the record array, by sample type (sflow_version_5.txt,
# sflow_drops.txt): compact flow 7 words, compact counter 2, expanded flow 10,
# expanded counter 3, discard 7.
_SAMPLE_HEAD = {1: 28, 2: 8, 3: 40, 4: 12, 5: 28}


def check_framing(payload):
    """Raise ValueError unless every length in the datagram adds up."""
    r = Framing(payload)
    if r.u32() != 5:
        raise ValueError("not version 5")
    r.skip({1: 4, 2: 16}[r.u32()] + 12)     # agent, sub-agent, seq, uptime
    for _ in range(r.u32()):
        fmt = r.u32()
        body = Framing(r.opaque())
        if fmt in _SAMPLE_HEAD:                # enterprise 0, types 1-5
            body.skip(_SAMPLE_HEAD[fmt])
            for _ in range(body.u32()):
                body.u32()
                body.opaque()
            if body.pos != len(body.data):
                raise ValueError("sample %d: %d bytes after its records"
                                 % (fmt, len(body.data) - body.pos))
    if r.pos != len(payload):
        raise ValueError("%d bytes after the last sample"
                         % (len(payload) - r.pos))


def udp_payloads(pcap_path):
    """UDP payloads of an Ethernet/IPv4-or-IPv6/UDP pcap, by frame."""
    with open(pcap_path, "rb") as fh:
        data = fh.read()
    off = 24
    while off < len(data):
        _, _, caplen, _ = struct.unpack_from("<IIII", data, off)
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        (etype,) = struct.unpack_from("!H", frame, 12)
        ip_len = (frame[14] & 0x0F) * 4 if etype == 0x0800 else 40
        udp = 14 + ip_len
        (ulen,) = struct.unpack_from("!H", frame, udp + 4)
        yield frame[udp + 8:udp + ulen]


def check_all_framing(pcap_path, res):
    for n, payload in enumerate(udp_payloads(pcap_path), 1):
        try:
            check_framing(payload)
            res.ok()
        except (ValueError, KeyError, struct.error) as e:
            res.fail("framing of frame %d: %s" % (n, e))


# ---------------------------------------------------------------- main

def run_oracle(oracle_script, pcap_path, outdir):
    os.makedirs(outdir, exist_ok=True)
    proc = subprocess.run([sys.executable, oracle_script, "--outdir", outdir,
                           pcap_path], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("check_generator: %s failed:\n%s"
                         % (oracle_script, proc.stderr))
    return oracle.tsv_paths(os.path.join(outdir,
                                         os.path.basename(pcap_path)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", required=True,
                    help="path to shared/tools/oracle/sflow_oracle.py")
    ap.add_argument("--outdir", required=True,
                    help="where to write synth.pcap and the TSVs")
    a = ap.parse_args(argv)

    os.makedirs(a.outdir, exist_ok=True)
    pcap_path = os.path.join(a.outdir, "synth.pcap")
    truth_paths, _ = sflowgen.write_synth(pcap_path)
    tshark_paths = run_oracle(a.oracle, pcap_path,
                              os.path.join(a.outdir, "tshark"))
    truth = {t: read_tsv(truth_paths[t]) for t, _ in TABLES}
    tshark = {t: read_tsv(tshark_paths[t]) for t, _ in TABLES}
    _, cases = read_tsv(truth_paths["cases"])

    res = Result()
    check_all_framing(pcap_path, res)
    compare_all(truth, tshark, cases, ERRATA, res)
    self_check(truth, tshark, cases, res)
    print("%d passed, %d failed" % (res.passed, len(res.failures)))
    return 1 if res.failures else 0


if __name__ == "__main__":
    sys.exit(main())
