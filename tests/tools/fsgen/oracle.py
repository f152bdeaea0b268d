"""oracle - the ground truth of a generated capture, as ORACLE.md TSV files.

shared/testdata/sflow/ORACLE.md defines three tables (datagrams, flow
samples, counter samples) that tshark produced for third-party captures.  This
module writes the same tables for a capture that fsgen generated, from the
values it encoded (never by parsing bytes), so that one comparator checks the
C decoder on both.  Column meanings and the "-" convention are ORACLE.md's;
where that document defines a column by what tshark shows, the rule written
there (e.g. "first raw-header record", "sampled IPv4/IPv6 record when there is
no raw header") is applied to the encoded values.

Two more files are not part of the oracle format:
  NAME.cases.tsv    the case behind each sample, for people and for
                    check_generator.py;
  NAME.keys.jsonl   for each flow and discard sample, the flow key (and the
                    VXLAN inner key) with docs/sflow-json.md's field names,
                    for the fields ORACLE.md has no column for (inner, vni,
                    inner_vlan, MPLS, TOS, TTL, fragment, truncated).
"""
import ipaddress
import json
import os

NA = "-"

DGRAM_COLS = ["frame", "frame_len", "udp_src", "udp_sport", "udp_dport",
              "is_sflow", "version", "agent", "sub_agent", "dgram_seq",
              "uptime_ms", "num_samples", "n_flow", "n_counter", "n_other",
              "other_types", "tshark_malformed"]

FLOW_COLS = ["frame", "agent", "sub_agent", "dgram_seq", "sample_idx",
             "sample_type", "sample_seq", "src_id_class", "src_id_index",
             "sampling_rate", "sample_pool", "drops", "in_if", "out_if_fmt",
             "out_if", "n_records", "record_formats", "hdr_proto",
             "frame_length", "stripped", "hdr_len", "eth_type", "vlan",
             "sw_vlan_in", "sw_vlan_out", "src_ip", "dst_ip", "ip_proto",
             "src_port", "dst_port", "tcp_flags", "icmp_type", "icmp_code"]

CTR_COLS = ["frame", "agent", "sub_agent", "dgram_seq", "sample_idx",
            "sample_type", "sample_seq", "src_id_class", "src_id_index",
            "n_records", "record_formats", "if_index", "if_type", "if_speed",
            "if_in_octets", "if_in_ucast", "if_out_octets", "if_out_ucast"]

CASE_COLS = ["frame", "sample_idx", "sample_type", "case", "what"]

# Raw-header facts (fsgen.packet) -> flow columns; hex ones as tshark prints.
_FACT_COLS = (("eth_type", "eth_type", "0x%04x"), ("vlan", "vlan", "%d"),
              ("src_ip", "src_ip", "%s"), ("dst_ip", "dst_ip", "%s"),
              ("ip_proto", "ip_proto", "%d"), ("src_port", "src_port", "%d"),
              ("dst_port", "dst_port", "%d"),
              ("tcp_flags", "tcp_flags", "0x%04x"),
              ("icmp_type", "icmp_type", "%d"),
              ("icmp_code", "icmp_code", "%d"))


class Sent:
    """One datagram as captured: its frame number and the frame around it."""

    def __init__(self, frame, frame_len, udp_src, udp_sport, udp_dport,
                 datagram):
        self.frame, self.frame_len = frame, frame_len
        self.udp_src, self.udp_sport = udp_src, udp_sport
        self.udp_dport, self.datagram = udp_dport, datagram


def _ip(text):
    """Addresses in Python's RFC 5952 form (comparators normalise anyway)."""
    return str(ipaddress.ip_address(text))


def _formats(records):
    return ",".join(r.label for r in records) or NA


def _is_flow(s):
    return s.enterprise == 0 and s.sample_type in (1, 3)


def _is_counter(s):
    return s.enterprise == 0 and s.sample_type in (2, 4)


def datagram_row(sent):
    dg = sent.datagram
    others = [("%d" % s.sample_type if s.enterprise == 0 else
               "%d:%d" % (s.enterprise, s.sample_type))
              for s in dg.samples if not (_is_flow(s) or _is_counter(s))]
    return dict(frame=sent.frame, frame_len=sent.frame_len,
                udp_src=_ip(sent.udp_src), udp_sport=sent.udp_sport,
                udp_dport=sent.udp_dport, is_sflow=1, version=dg.VERSION,
                agent=_ip(dg.agent), sub_agent=dg.sub_agent,
                dgram_seq=dg.seq, uptime_ms=dg.uptime_ms,
                num_samples=len(dg.samples),
                n_flow=sum(map(_is_flow, dg.samples)),
                n_counter=sum(map(_is_counter, dg.samples)),
                n_other=len(others), other_types=",".join(others) or NA,
                tshark_malformed=0)


def _interfaces(s, row):
    if s.expanded:
        fmt, val = s.input.format, s.input.value
        row["in_if"] = val if fmt == 0 else "%d:%d" % (fmt, val)
    else:
        row["in_if"] = s.input.compact()     # the raw word, format bits too
    row["out_if_fmt"], row["out_if"] = s.output.format, s.output.value


def _raw_header(rec, row):
    row.update(hdr_proto=rec.protocol, frame_length=rec.frame_length,
               stripped=rec.stripped, hdr_len=len(rec.header))
    for fact, col, fmt in _FACT_COLS:
        if fact in rec.facts:
            row[col] = fmt % rec.facts[fact]


def _sampled_ip(rec, row):
    row.update(frame_length=rec.length, src_ip=_ip(rec.src),
               dst_ip=_ip(rec.dst),
               ip_proto=rec.protocol, src_port=rec.src_port,
               dst_port=rec.dst_port)


def flow_row(base, s):
    """One ORACLE.md flow row for flow sample s (type 1 or 3)."""
    row = dict.fromkeys(FLOW_COLS, NA)
    row.update(base)
    row.update(sample_seq=s.seq, src_id_class=s.source_class,
               src_id_index=s.source_index, sampling_rate=s.sampling_rate,
               sample_pool=s.sample_pool, drops=s.drops,
               n_records=len(s.records), record_formats=_formats(s.records))
    _interfaces(s, row)
    seen_header = False
    for rec in s.records:
        if rec.enterprise != 0:
            continue
        if rec.format == 1 and not seen_header:
            _raw_header(rec, row)
            seen_header = True
        elif rec.format in (3, 4) and row["src_ip"] == NA:
            _sampled_ip(rec, row)
        elif rec.format == 1001:
            row.update(sw_vlan_in=rec.src_vlan, sw_vlan_out=rec.dst_vlan)
    return row


def counter_row(base, s):
    """One ORACLE.md counter row for counter sample s (type 2 or 4)."""
    row = dict.fromkeys(CTR_COLS, NA)
    row.update(base)
    row.update(sample_seq=s.seq, src_id_class=s.source_class,
               src_id_index=s.source_index, n_records=len(s.records),
               record_formats=_formats(s.records))
    for rec in s.records:
        if rec.enterprise == 0 and rec.format == 1:
            row.update(if_index=rec.index, if_type=rec.type,
                       if_speed=rec.speed, if_in_octets=rec.in_octets,
                       if_in_ucast=rec.in_ucast, if_out_octets=rec.out_octets,
                       if_out_ucast=rec.out_ucast)
            break
    return row


# The flow key fields of docs/sflow-json.md, in its order; fsgen.packet
# fact names that differ are renamed.
KEY_FIELDS = ("eth_type", "vlan", "inner_vlan", "mpls_label", "mpls_labels",
              "ip_version", "src", "dst", "proto", "tos", "ttl", "src_port",
              "dst_port", "tcp_flags", "icmp_type", "icmp_code", "fragment",
              "later_fragment", "truncated")
_FACT_TO_KEY = {"src_ip": "src", "dst_ip": "dst", "ip_proto": "proto"}


def _json_key(facts, prefix=""):
    """The JSON key object from facts named prefix + NAME."""
    found = {}
    for name, value in facts.items():
        if not name.startswith(prefix) or "." in name[len(prefix):]:
            continue
        found[_FACT_TO_KEY.get(name[len(prefix):], name[len(prefix):])] = value
    return {k: found[k] for k in KEY_FIELDS if k in found}


def _sampled_ip_key(rec):
    """The key from a sampled IPv4/IPv6 record: what the record carries (no
    TTL); ports for TCP, UDP and SCTP, flags for TCP, as from a header."""
    key = dict(ip_version=rec.version, src=_ip(rec.src), dst=_ip(rec.dst),
               proto=rec.protocol, tos=rec.tos)
    if rec.protocol in (6, 17, 132):
        key.update(src_port=rec.src_port, dst_port=rec.dst_port)
    if rec.protocol == 6:
        key["tcp_flags"] = rec.tcp_flags
    return {k: key[k] for k in KEY_FIELDS if k in key}


def key_line(frame, idx, s):
    """The keys.jsonl object of flow/discard sample s, or None without a key.

    The key comes from the first raw header record, else from the first
    sampled IPv4/IPv6 record (docs/sflow-json.md).
    """
    recs = [r for r in s.records if r.enterprise == 0]
    header = next((r for r in recs if r.format == 1), None)
    line = dict(frame=frame, sample_index=idx,
                case=getattr(s, "case", NA))
    if header is not None:
        line["key"] = _json_key(header.facts)
        if "vni" in header.facts:
            line["inner"] = _json_key(header.facts, "inner.")
            line["inner"]["vni"] = header.facts["vni"]
        return line
    sampled = next((r for r in recs if r.format in (3, 4)), None)
    if sampled is None:
        return None
    line["key"] = _sampled_ip_key(sampled)
    return line


def tables(sent_list):
    """(datagrams, flows, counters, cases, keys): lists of row dicts."""
    dgrams, flows, ctrs, cases, keys = [], [], [], [], []
    for sent in sent_list:
        dg = sent.datagram
        dgrams.append(datagram_row(sent))
        for idx, s in enumerate(dg.samples, 1):
            base = dict(frame=sent.frame, agent=_ip(dg.agent),
                        sub_agent=dg.sub_agent, dgram_seq=dg.seq,
                        sample_idx=idx, sample_type=s.sample_type)
            if _is_flow(s):
                flows.append(flow_row(base, s))
            elif _is_counter(s):
                ctrs.append(counter_row(base, s))
            if s.enterprise == 0 and s.sample_type in (1, 3, 5):
                line = key_line(sent.frame, idx, s)
                if line is not None:
                    keys.append(line)
            cases.append(dict(frame=sent.frame, sample_idx=idx,
                              sample_type=s.sample_type,
                              case=getattr(s, "case", NA),
                              what=getattr(s, "what", NA)))
    return dgrams, flows, ctrs, cases, keys


def tsv_paths(pcap_path):
    """synth.pcap -> {"datagrams": synth.datagrams.tsv, ...} (as in shared/),
    and "keys": synth.keys.jsonl."""
    stem = os.path.splitext(pcap_path)[0]
    paths = {k: "%s.%s.tsv" % (stem, k)
             for k in ("datagrams", "expected", "counters", "cases")}
    paths["keys"] = stem + ".keys.jsonl"
    return paths


def write_tsv(path, cols, rows):
    with open(path, "w") as fh:
        fh.write("#" + "\t".join(cols) + "\n")
        for r in rows:
            fh.write("\t".join(str(r[c]) for c in cols) + "\n")


def write_all(pcap_path, sent_list):
    """Write the three oracle TSVs, the cases and keys files next to
    pcap_path; return their paths by kind."""
    dgrams, flows, ctrs, cases, keys = tables(sent_list)
    paths = tsv_paths(pcap_path)
    write_tsv(paths["datagrams"], DGRAM_COLS, dgrams)
    write_tsv(paths["expected"], FLOW_COLS, flows)
    write_tsv(paths["counters"], CTR_COLS, ctrs)
    write_tsv(paths["cases"], CASE_COLS, cases)
    with open(paths["keys"], "w") as fh:
        for line in keys:
            fh.write(json.dumps(line, separators=(",", ":")) + "\n")
    return paths
