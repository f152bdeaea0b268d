#!/usr/bin/env python3
"""check_ovs_sflow.py - check our decode of the Open vSwitch lab captures.

usage:
  check_ovs_sflow.py --bin FINDERSCOPE CAPTURE.pcap
  check_ovs_sflow.py --json-file SAVED.json CAPTURE.pcap

CAPTURE is shared/testdata/ovs/ovs-sflow.pcap or hsflowd-sflow.pcap.  There
is no tshark oracle for them (tshark 4.0 stumbles on records it does not
know), so this asserts the facts that shared/testdata/ovs/README.md states,
plus counts that follow from them and were confirmed by walking the bytes
(sample and record lengths are consistent in both files).  The decoder runs
as `finderscope sflow --json --stats`, so the per-agent loss accounting is
checked too.

Each fact is one check; the closing line counts facts.
"""
import argparse
import collections
import ipaddress
import os
import sys

from fs_conformance import (field as get, Tally, die, parse_json_lines,
                            read_text, run_finderscope)

LAB_HOSTS = ipaddress.ip_network("10.200.0.0/24")   # h1, h2, h3 on br0
IF_LOCAL = 0x3FFFFFFF                               # "the agent itself"
SHOWN = 5                                           # offenders listed


class Decode:
    """Our output for one capture, split by kind."""

    def __init__(self, objects):
        self.flows = [o for o in objects if o["kind"] == "flow"]
        self.counters = [o for o in objects if o["kind"] == "counter"]
        self.discards = [o for o in objects if o["kind"] == "discard"]
        self.errors = [o for o in objects if o["kind"] == "error"]
        self.agents = [o for o in objects if o["kind"] == "agent"]
        self.totals = [o for o in objects if o["kind"] == "totals"]
        self.samples = self.flows + self.counters + self.discards


def all_have(tally, what, items, predicate):
    """One check: predicate holds for every item (and there are items)."""
    bad = [i for i in items if not predicate(i)]
    if not items:
        tally.fail("%s: no such samples at all" % what)
    elif bad:
        tally.fail("%s: %d of %d samples do not, e.g. %s"
                   % (what, len(bad), len(items),
                      "; ".join(describe(i) for i in bad[:SHOWN])))
    else:
        tally.ok()


def describe(sample):
    keep = ("frame", "sample_index", "sample_seq", "sample_type",
            "source_id_class", "source_id_index", "input", "output",
            "records", "key")
    return str({k: sample[k] for k in keep if k in sample})


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def int_values(samples, name):
    """Sorted integer values of one field; a missing or non-integer value
    shows as -1 so that it fails the comparison instead of the script."""
    return sorted(s.get(name) if is_int(s.get(name)) else -1 for s in samples)


def interface(sample, which):
    return (get(sample, which + ".format"), get(sample, which + ".value"))


def in_lab(address):
    try:
        return ipaddress.ip_address(address) in LAB_HOSTS
    except (TypeError, ValueError):
        return False


# --- Facts common to both captures -----------------------------------------

def check_datagrams(tally, d, agent, sub_agent, n_datagrams):
    """One agent, datagram sequence 1..N without gaps, no error anywhere,
    and --stats agreeing."""
    tally.check(not d.errors, "error lines: %s"
                % "; ".join(str(e) for e in d.errors[:SHOWN]))
    all_have(tally, "agent %s sub-agent %d" % (agent, sub_agent), d.samples,
             lambda s: s.get("agent") == agent and
             s.get("sub_agent") == sub_agent)
    every = list(range(1, n_datagrams + 1))
    tally.equal("datagram sequence numbers", every,
                sorted(set(int_values(d.samples, "datagram_seq"))))
    tally.equal("frames with samples", every,
                sorted(set(int_values(d.samples, "frame"))))
    tally.equal("discard samples", 0, len(d.discards))
    check_stats(tally, d, agent, sub_agent, n_datagrams)


def check_stats(tally, d, agent, sub_agent, n_datagrams):
    """The --stats lines: nothing lost, reordered, duplicated or reset
    (the sequence numbers in both files are gap-free, checked by hand)."""
    if not tally.equal("number of agent lines", 1, len(d.agents)):
        return
    a = d.agents[0]
    expected = dict(agent=agent, sub_agent=sub_agent, datagrams=n_datagrams,
                    flow_samples=len(d.flows), counter_samples=len(d.counters),
                    discard_samples=0, lost=0, out_of_order=0, duplicates=0,
                    resets=0, sample_gaps=0)
    for name, value in expected.items():
        tally.equal("agent line %s" % name, value, a.get(name))
    if not tally.equal("number of totals lines", 1, len(d.totals)):
        return
    t = d.totals[0]
    expected = dict(frames=n_datagrams, datagrams=n_datagrams, bad_version=0,
                    truncated=0, invalid=0, trailing_bytes=0,
                    flow_samples=len(d.flows),
                    counter_samples=len(d.counters), discard_samples=0,
                    unknown_samples=0, bad_samples=0, bad_records=0,
                    not_sflow=0)
    for name, value in expected.items():
        tally.equal("totals line %s" % name, value, t.get(name))


def check_sample_sequence(tally, what, samples, rate):
    """Sample sequence 1..N for one data source, and sample_pool = seq x
    rate (every packet was a candidate: no drops in the lab)."""
    tally.equal(what + " sample_seq", list(range(1, len(samples) + 1)),
                int_values(samples, "sample_seq"))
    all_have(tally, what + " sample_pool = sample_seq x %d" % rate, samples,
             lambda s: is_int(s.get("sample_seq")) and
             s.get("sample_pool") == s["sample_seq"] * rate)
    all_have(tally, what + " drops 0", samples, lambda s: s.get("drops") == 0)


def check_headers(tally, what, samples):
    """Raw packet header: Ethernet, FCS stripped, <= 128 bytes, IPv4
    between the lab hosts, TCP or UDP."""
    all_have(tally, what + " header protocol 1, stripped 4, length <= 128",
             samples, lambda s: get(s, "header.protocol") == 1 and
             get(s, "header.stripped") == 4 and
             is_int(get(s, "header.length")) and
             0 < get(s, "header.length") <= 128)
    all_have(tally, what + " frame_length from the header", samples,
             lambda s: s.get("frame_length") == get(s, "header.frame_length"))
    all_have(tally, what + " key IPv4 (eth_type 0x0800) between lab hosts",
             samples, lambda s: get(s, "key.eth_type") == 0x0800 and
             get(s, "key.ip_version") == 4 and
             in_lab(get(s, "key.src")) and in_lab(get(s, "key.dst")))
    all_have(tally, what + " key proto TCP or UDP with ports", samples,
             lambda s: get(s, "key.proto") in (6, 17) and
             get(s, "key.src_port") is not None and
             get(s, "key.dst_port") is not None)


def records_sorted(sample):
    records = sample.get("records")
    return sorted(records) if isinstance(records, list) else records


# --- ovs-sflow.pcap ---------------------------------------------------------

def check_ovs(tally, d):
    check_datagrams(tally, d, "10.201.0.1", 0, 38)
    check_ovs_flows(tally, d.flows)
    check_ovs_counters(tally, d.counters)


def check_ovs_flows(tally, flows):
    tally.equal("flow samples", 195, len(flows))
    all_have(tally, "flow: compact (type 1), source 2:1000 (the bridge), "
             "rate 10", flows,
             lambda s: s.get("sample_type") == 1 and
             s.get("source_id_class") == 2 and
             s.get("source_id_index") == 1000 and
             s.get("sampling_rate") == 10)
    check_sample_sequence(tally, "flow", flows, 10)
    all_have(tally, "flow: input ifIndex 5, 6 or 7 (sw-h1..sw-h3)", flows,
             lambda s: interface(s, "input") in ((0, 5), (0, 6), (0, 7)))
    all_have(tally, "flow: extended switch with VLANs 0", flows,
             lambda s: get(s, "switch.src_vlan") == 0 and
             get(s, "switch.dst_vlan") == 0)
    check_headers(tally, "flow:", flows)
    check_ovs_outputs(tally, flows)


def check_ovs_outputs(tally, flows):
    """Output: one port, or 0x80000002 (multiple, 2) under the
    NORMAL+ERSPAN mirror of 10.200.0.3 -> 10.200.0.2, or 0x80000001 for
    the tunnel-only flow (h1 -> h2:7777), whose samples carry 1023."""
    single = [s for s in flows if get(s, "output.format") == 0]
    mirror = [s for s in flows if interface(s, "output") == (2, 2)]
    tunnel = [s for s in flows if interface(s, "output") == (2, 1)]
    tally.equal("flow: samples with outputs single/mirror/tunnel",
                (len(flows), 33, 3),
                (len(single) + len(mirror) + len(tunnel), len(mirror),
                 len(tunnel)))
    all_have(tally, "single output: ifIndex 5, 6 or 7, records 1001,1",
             single, lambda s: get(s, "output.value") in (5, 6, 7) and
             s.get("records") == ["1001", "1"])
    all_have(tally, "mirror (multiple, 2): h3 -> h2 in on sw-h3, records "
             "1001,1", mirror,
             lambda s: get(s, "key.src") == "10.200.0.3" and
             get(s, "key.dst") == "10.200.0.2" and
             interface(s, "input") == (0, 7) and
             s.get("records") == ["1001", "1"])
    all_have(tally, "tunnel only (multiple, 1): UDP h1 -> h2:7777, records "
             "1001,1,1023", tunnel,
             lambda s: get(s, "key.src") == "10.200.0.1" and
             get(s, "key.dst") == "10.200.0.2" and
             get(s, "key.proto") == 17 and get(s, "key.dst_port") == 7777 and
             s.get("records") == ["1001", "1", "1023"])


def check_ovs_counters(tally, counters):
    """8 per-port samples (ifIndex 4..7, twice each) and 2 per-bridge."""
    tally.equal("counter samples", 10, len(counters))
    all_have(tally, "counter: compact (type 2)", counters,
             lambda s: s.get("sample_type") == 2)
    ports = [s for s in counters if s.get("source_id_class") == 0]
    bridge = [s for s in counters if s.get("source_id_class") == 2]
    tally.equal("counter: per-port ifIndex and how often",
                {4: 2, 5: 2, 6: 2, 7: 2},
                dict(collections.Counter(s.get("source_id_index")
                                         for s in ports)))
    all_have(tally, "port counters: records 2,1004,1005,1 with ethernet and "
             "interface counters of that port", ports,
             lambda s: s.get("records") == ["2", "1004", "1005", "1"] and
             get(s, "counters.if.index") == s.get("source_id_index") and
             isinstance(get(s, "counters.ethernet"), dict))
    tally.equal("counter: per-bridge samples", 2, len(bridge))
    all_have(tally, "bridge counters: source 2:1000, records 2203,2207",
             bridge, lambda s: s.get("source_id_index") == 1000 and
             s.get("records") == ["2203", "2207"])


# --- hsflowd-sflow.pcap -----------------------------------------------------

HOST_RECORDS = ["2000", "2001", "2003", "2004", "2005", "2006", "2007",
                "2008", "2009", "2010"]


def check_hsflowd(tally, d):
    # Sub-agent 100000 is hsflowd's default (README does not say; the bytes do).
    check_datagrams(tally, d, "10.200.0.1", 100000, 11)
    check_hsflowd_flows(tally, d.flows)
    check_hsflowd_counters(tally, d.counters)


def check_hsflowd_flows(tally, flows):
    tally.equal("flow samples", 42, len(flows))
    all_have(tally, "flow: expanded (type 3), source 0:2 (h1-eth0), rate 5, "
             "records 1043,1", flows,
             lambda s: s.get("sample_type") == 3 and
             s.get("source_id_class") == 0 and s.get("source_id_index") == 2 and
             s.get("sampling_rate") == 5 and
             s.get("records") == ["1043", "1"])
    check_sample_sequence(tally, "flow", flows, 5)
    check_headers(tally, "flow:", flows)
    # Egress: from the host itself to h1-eth0; ingress: the reverse.
    egress = [s for s in flows if interface(s, "input") == (0, IF_LOCAL) and
              interface(s, "output") == (0, 2)]
    ingress = [s for s in flows if interface(s, "input") == (0, 2) and
               interface(s, "output") == (0, IF_LOCAL)]
    tally.equal("flow: egress + ingress samples (the rest have other "
                "interfaces)", (len(flows), 34, 8),
                (len(egress) + len(ingress), len(egress), len(ingress)))
    all_have(tally, "egress samples sent by h1", egress,
             lambda s: get(s, "key.src") == "10.200.0.1")
    all_have(tally, "ingress samples sent to h1", ingress,
             lambda s: get(s, "key.dst") == "10.200.0.1")


def check_hsflowd_counters(tally, counters):
    tally.equal("counter samples", 4, len(counters))
    all_have(tally, "counter: expanded (type 4)", counters,
             lambda s: s.get("sample_type") == 4)
    host = [s for s in counters if s.get("source_id_class") == 2]
    port = [s for s in counters if s.get("source_id_class") == 0]
    tally.equal("counter: host and interface samples", (2, 2),
                (len(host), len(port)))
    all_have(tally, "host counters: source 2:1, records 2000,2001,2003-2010",
             host, lambda s: s.get("source_id_index") == 1 and
             records_sorted(s) == HOST_RECORDS)
    all_have(tally, "interface counters: source 0:2, records 1005,1, "
             "ifIndex 2", port,
             lambda s: s.get("source_id_index") == 2 and
             s.get("records") == ["1005", "1"] and
             get(s, "counters.if.index") == 2)


CHECKS = {
    "ovs-sflow.pcap": check_ovs,
    "hsflowd-sflow.pcap": check_hsflowd,
}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin", metavar="FINDERSCOPE")
    source.add_argument("--json-file", metavar="F",
                        help="saved `finderscope sflow --json --stats` output")
    p.add_argument("capture")
    args = p.parse_args(argv)
    check = CHECKS.get(os.path.basename(args.capture))
    if check is None:
        die("no facts known for %s (one of: %s)"
            % (args.capture, ", ".join(sorted(CHECKS))))
    tally = Tally()
    if args.json_file:
        text = read_text(args.json_file)
    else:
        text = run_finderscope(args.bin, ["sflow", "--json", "--stats",
                                          args.capture], tally)
    if text is not None:
        check(tally, Decode(parse_json_lines(text, tally, "output")))
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
