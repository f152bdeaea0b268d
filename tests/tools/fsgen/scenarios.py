"""scenarios - the datagram sets that sflowgen.py writes: synth, demo, corpus.

A case is one named sample that exercises one encoding (a header kind, an
interface format, a record type...).  synth_datagrams() packs the cases into
datagrams from three agent streams; corpus_datagrams() sends each case alone;
demo_datagrams() is a short, readable story for `make demo`.

Sequence numbers, sample pools and uptimes come from a Sequencer, so a second
round of the same scenario (sflowgen.py send --count) continues the sequences
instead of repeating them.  Everything is deterministic.

Addresses are from the documentation ranges (RFC 5737, RFC 3849) except the
demo's local host 10.1.2.3 and the VXLAN underlay.
"""
import ipaddress
import struct

from . import packet as pk
from . import sflow as sf

AGENT_A = "192.0.2.1"               # an IPv4 switch with two sub-agents
AGENT_B = "2001:db8::a"             # an IPv6 agent
DEMO_AGENT = "192.0.2.10"

HOST_MAC = "02:00:00:00:01:01"
PEER_MAC = "02:00:00:00:01:02"
ROUTER_MAC = "02:00:00:00:01:fe"


class Sequencer:
    """Datagram and sample sequence numbers, uptimes and sample pools.

    Datagram numbers count per (agent, sub-agent); sample numbers per
    (agent, sub-agent, sample type, data source), as sflow_version_5.txt asks.
    """

    def __init__(self, first_seq=None, uptime_ms=3600000, step_ms=1000):
        self._first = dict(first_seq or {})   # (agent, sub) -> first number
        self._dgram, self._sample, self._uptime = {}, {}, {}
        self._uptime0, self._step = uptime_ms, step_ms

    def datagram(self, agent, sub_agent):
        key = (agent, sub_agent)
        seq = self._dgram.get(key, self._first.get(key, 1))
        self._dgram[key] = seq + 1
        up = self._uptime.get(key, self._uptime0)
        self._uptime[key] = up + self._step
        return seq, up

    def sample(self, agent, sub_agent, s):
        key = (agent, sub_agent, s.sample_type, s.source_class, s.source_index)
        seq = self._sample.get(key, self._first.get((agent, sub_agent), 1))
        self._sample[key] = seq + 1
        return seq


def datagram(seqr, agent, sub_agent, samples):
    """A Datagram whose samples get their sequence numbers (and pools) now.

    The case functions leave seq and sample_pool None: "assign when placed",
    since the numbers depend on the agent stream the sample lands in.
    """
    for s in samples:
        if getattr(s, "seq", 0) is None:
            s.seq = seqr.sample(agent, sub_agent, s)
        if getattr(s, "sample_pool", 0) is None:
            s.sample_pool = (s.seq * s.sampling_rate) & 0xFFFFFFFF
    seq, uptime = seqr.datagram(agent, sub_agent)
    return sf.Datagram(agent, sub_agent, seq, uptime, samples)


def named(case, what, sample):
    """Label a sample for NAME.cases.tsv and the corpus file name."""
    sample.case, sample.what = case, what
    return sample


def flow(records, in_if=None, out_if=None, rate=1024, drops=0, source=None,
         expanded=False):
    """A flow sample; the data source defaults to the input ifIndex."""
    in_if = in_if or sf.ifindex(3)
    out_if = out_if or sf.ifindex(7)
    if source is None:
        source = (0, in_if.value if in_if.format == 0 else 3)
    return sf.FlowSample(None, source[0], source[1], rate, None, drops, in_if,
                         out_if, records, expanded=expanded)


def counters(records, source=(0, 3), expanded=False):
    return sf.CounterSample(None, source[0], source[1], records,
                            expanded=expanded)


def eth(ip, vlans=(), src=HOST_MAC, dst=ROUTER_MAC):
    return pk.ethernet(dst, src, ip, vlans=vlans)


def head(p, n):
    """The first n bytes of p as a payload (its visible facts kept)."""
    return pk.Pkt(p.data[:n], {k: (v, e) for k, (v, e) in p.facts.items()
                               if e <= n}, min(p.hdr_end, n), proto=p.proto)


def dns_query(qid, name, qtype=1):
    """A DNS query message (RFC 1035 4.1): one question, recursion desired."""
    labels = b"".join(bytes([len(x)]) + x.encode()
                      for x in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + \
        struct.pack("!HH", qtype, 1)


# ---------------------------------------------------------------- synth cases
#
# Each function returns one named sample.  Packets carry realistic payloads so
# that frame_length is the real frame's, and agents clip them to 128 bytes.

def case_ipv4_tcp():
    ip = pk.ipv4("198.51.100.10", "203.0.113.20",
                 pk.tcp(49152, 443, pk.PSH | pk.ACK, seq=1000, ack=2000,
                        payload=pk.fill(1448)), tos=0x28, ttl=63)
    return named("flow-ipv4-tcp", "compact sample, Ethernet/IPv4/TCP PSH+ACK",
                 flow([sf.sample_packet(eth(ip)), sf.ExtSwitch(10, 0, 10, 0)]))


def case_ipv6_tcp_ext():
    dst = "2001:db8:2::20"
    ext = [pk.hop_by_hop(), pk.dest_opts(),
           pk.routing_srh([dst]), pk.fragment_header(0, False)]
    ip = pk.ipv6("2001:db8:1::10", dst,
                 pk.tcp(40000, 80, pk.SYN, seq=7, options=pk.tcp_mss_option()),
                 ext=ext, tclass=0x20, hlim=57)
    big = 0x01000005            # beyond 24 bits: needs the expanded form
    return named("flow-ipv6-tcp-ext",
                 "expanded sample, IPv6 hop-by-hop, dest-opts, routing (SRH), "
                 "atomic fragment, TCP SYN",
                 flow([sf.sample_packet(eth(ip))], in_if=sf.ifindex(big),
                      out_if=sf.ifindex(big + 4), expanded=True))


def case_ipv6_hbh_icmpv6():
    ip = pk.ipv6("fe80::200:ff:fe00:101", "ff02::16",
                 pk.mldv2_report(["ff02::fb"]),
                 ext=[pk.hop_by_hop(pk.router_alert_mld())], hlim=1)
    frame = pk.ethernet("33:33:00:00:00:16", HOST_MAC, ip)
    return named("flow-ipv6-hbh-icmpv6",
                 "IPv6 hop-by-hop (router alert) + ICMPv6 MLDv2 report (143)",
                 flow([sf.sample_packet(frame)]))


def _fragmented_udp():
    """A 2008-byte UDP datagram (a large DNS answer) cut into two fragments."""
    seg = pk.udp(53, 33000, pk.fill(2000, seed=5))
    mk = dict(src="203.0.113.53", dst="198.51.100.33", proto=pk.PROTO_UDP,
              ident=0x4242)
    first = pk.ipv4(payload=head(seg, 1480), mf=True, **mk)
    later = pk.ipv4(payload=seg.data[1480:], frag_offset=1480 // 8, **mk)
    return first, later


def case_ipv4_frag_first():
    first, _ = _fragmented_udp()
    return named("flow-ipv4-frag-first",
                 "IPv4 first fragment (MF, offset 0): UDP ports present",
                 flow([sf.sample_packet(eth(first))]))


def case_ipv4_frag_later():
    _, later = _fragmented_udp()
    return named("flow-ipv4-frag-later",
                 "IPv4 later fragment (offset 1480): no transport header",
                 flow([sf.sample_packet(eth(later))]))


def case_ipv4_options():
    opts = pk.ipv4_option_router_alert() + bytes([1, 1, 1, 0])  # NOP x3, EOL
    ip = pk.ipv4("198.51.100.1", "198.51.100.2",
                 pk.tcp(49200, 179, pk.ACK, payload=pk.fill(19)),
                 options=opts, ttl=1)
    return named("flow-ipv4-options",
                 "IPv4 with 8 bytes of options (IHL 7), TCP to BGP",
                 flow([sf.sample_packet(eth(ip))]))


def case_qinq():
    ip = pk.ipv4("198.51.100.40", "203.0.113.80",
                 pk.tcp(40000, 80, pk.SYN | pk.ACK, payload=pk.fill(200)))
    frame = eth(ip, vlans=[(pk.ETH_QINQ, 100), (pk.ETH_VLAN, 200)])
    return named("flow-qinq", "802.1ad QinQ: S-tag 0x88a8 VLAN 100, C-tag 200",
                 flow([sf.sample_packet(frame), sf.ExtSwitch(100, 0, 100, 0)]))


def case_vlan():
    ip = pk.ipv6("2001:db8:1::10", "2001:db8:53::53",
                 pk.udp(35353, 53, dns_query(0x1234, "www.example.org", 28)))
    frame = eth(ip, vlans=[(pk.ETH_VLAN, 42, 5)])
    return named("flow-vlan", "802.1Q VLAN 42 priority 5, IPv6 UDP DNS query",
                 flow([sf.sample_packet(frame), sf.ExtSwitch(42, 5, 42, 5)]))


def case_mpls():
    ip = pk.ipv4("198.51.100.70", "203.0.113.71",
                 pk.tcp(51000, 443, pk.FIN | pk.ACK, payload=pk.fill(600)))
    frame = pk.ethernet(ROUTER_MAC, PEER_MAC, pk.mpls([16001, 24005], ip))
    return named("flow-mpls", "MPLS stack of 2 labels, IPv4 TCP FIN+ACK",
                 flow([sf.sample_packet(frame)]))


def case_vxlan():
    inner = pk.ethernet("02:00:00:00:02:02", "02:00:00:00:02:01",
                        pk.ipv4("172.16.1.1", "172.16.2.2",
                                pk.tcp(33333, 22, pk.PSH | pk.ACK,
                                       payload=pk.fill(300))), pad=False)
    outer = pk.ipv4("10.0.0.1", "10.0.0.2",
                    pk.udp(49152, pk.VXLAN_PORT, pk.vxlan(5001, inner)))
    return named("flow-vxlan",
                 "VXLAN VNI 5001: outer IPv4 UDP 4789, inner IPv4 TCP to 22",
                 flow([sf.sample_packet(eth(outer))]))


def case_icmpv4():
    quoted = pk.ipv4("203.0.113.9", "198.51.100.7", pk.udp(40001, 33434))
    ip = pk.ipv4("198.51.100.7", "203.0.113.9",
                 pk.icmp(3, 3, payload=quoted.data[:28]))
    return named("flow-icmpv4",
                 "ICMP port unreachable (3/3) quoting an IPv4/UDP header",
                 flow([sf.sample_packet(eth(ip))]))


def case_tcp_clipped():
    ip = pk.ipv4("198.51.100.90", "203.0.113.91",
                 pk.tcp(44321, 8443, pk.PSH | pk.ACK, payload=pk.fill(1000)))
    snap = 14 + 20 + 12         # ports, sequence, ack: not the flags
    return named("flow-tcp-clipped",
                 "header clipped 12 bytes into TCP: ports but no flags",
                 flow([sf.sample_packet(eth(ip), snap=snap)]))


def case_raw_ipv4():
    ip = pk.ipv4("198.51.100.123", "203.0.113.123",
                 pk.udp(123, 123, pk.fill(48)))
    return named("flow-raw-ipv4",
                 "header protocol 11 (bare IPv4), NTP, 18 bytes stripped",
                 flow([sf.sample_packet(ip, sf.HEADER_IPV4, stripped=18)]))


def case_raw_ipv6():
    ip = pk.ipv6("2001:db8::1", "2001:db8::2",
                 pk.tcp(443, 55000, pk.SYN | pk.ACK | pk.ECE,
                        options=pk.tcp_mss_option(1440)))
    return named("flow-raw-ipv6",
                 "header protocol 12 (bare IPv6), TCP SYN+ACK+ECE",
                 flow([sf.sample_packet(ip, sf.HEADER_IPV6, stripped=18)]))


def _tcp_frame(src, dst, sport, dport, size=100):
    return eth(pk.ipv4(src, dst, pk.tcp(sport, dport, pk.ACK,
                                        payload=pk.fill(size))))


def case_if_discard():
    frame = _tcp_frame("198.51.100.66", "203.0.113.66", 50505, 25)
    return named("flow-if-discard",
                 "compact output format 1: discarded, reason 258",
                 flow([sf.sample_packet(frame)], out_if=sf.discarded(258)))


def case_if_multiple():
    ip = pk.ipv4("198.51.100.5", "239.1.1.1",
                 pk.udp(5004, 5004, pk.fill(1316)), ttl=16)
    frame = pk.ethernet("01:00:5e:01:01:01", HOST_MAC, ip)
    return named("flow-if-multiple",
                 "compact output format 2: multicast to 7 interfaces",
                 flow([sf.sample_packet(frame)], out_if=sf.multiple(7)))


def case_if_local():
    frame = _tcp_frame("192.0.2.1", "198.51.100.2", 179, 49200, size=19)
    return named("flow-if-local",
                 "compact input 0x3FFFFFFF: sent by the agent itself",
                 flow([sf.sample_packet(frame)], in_if=sf.local(),
                      out_if=sf.ifindex(5), source=(0, 5)))


def case_compact_in_format():
    frame = _tcp_frame("198.51.100.68", "203.0.113.68", 50507, 8081)
    return named("flow-compact-in-format",
                 "compact input with format bits (1, reason 261): in_if is "
                 "the raw word 0x40000105",
                 flow([sf.sample_packet(frame)], in_if=sf.discarded(261),
                      out_if=sf.ifindex(7), source=(0, 9)))


def case_expanded_if_formats():
    frame = _tcp_frame("198.51.100.67", "203.0.113.67", 50506, 8080)
    return named("flow-expanded-if-formats",
                 "expanded input format 2 (count 0), output format 1 "
                 "(reason 260)",
                 flow([sf.sample_packet(frame)], in_if=sf.multiple(0),
                      out_if=sf.discarded(260), source=(0, 9),
                      expanded=True))


def case_expanded_local():
    frame = _tcp_frame("192.0.2.1", "198.51.100.3", 22, 50000)
    return named("flow-expanded-local",
                 "expanded input local 0x3FFFFFFF, output multiple 3",
                 flow([sf.sample_packet(frame)], in_if=sf.local(),
                      out_if=sf.multiple(3), source=(0, 9), expanded=True))


def case_sampled_ipv4():
    recs = [sf.SampledEthernet(1518, HOST_MAC, ROUTER_MAC, pk.ETH_IPV4),
            sf.SampledIP(1500, pk.PROTO_TCP, "198.51.100.44", "203.0.113.44",
                         45000, 443, tcp_flags=pk.PSH | pk.ACK, tos=0x10),
            sf.ExtSwitch(20, 0, 30, 0)]
    return named("flow-sampled-ipv4",
                 "no raw header: sampled Ethernet (2) + sampled IPv4 (3)",
                 flow(recs, drops=3))


def case_sampled_ipv6():
    recs = [sf.SampledIP(1280, pk.PROTO_UDP, "2001:db8:1::44",
                         "2001:db8:2::44", 5353, 5353, tos=0x2e),
            sf.ExtRouter("2001:db8::fe", 48, 64)]
    return named("flow-sampled-ipv6",
                 "no raw header: sampled IPv6 (4) + extended router (IPv6)",
                 flow(recs))


def case_extended_v4():
    frame = _tcp_frame("198.51.100.50", "203.0.113.50", 45678, 443, 1400)
    path = [(sf.AS_SEQUENCE, [65020, 3356, 15169]),
            (sf.AS_SET, [64512, 64513])]
    recs = [sf.sample_packet(frame), sf.ExtSwitch(10, 0, 20, 0),
            sf.ExtRouter("198.51.100.1", 24, 16),
            sf.ExtGateway("203.0.113.1", 65001, 65010, 65020, path,
                          [(65001 << 16) | 100, (65001 << 16) | 200], 100)]
    return named("flow-extended-v4",
                 "raw header + switch, router, gateway (2 AS path segments, "
                 "2 communities)",
                 flow(recs, rate=4096))


def case_extended_v6():
    ip = pk.ipv6("2001:db8:1::60", "2001:db8:2::60",
                 pk.udp(4500, 4500, pk.fill(900)))
    recs = [sf.sample_packet(eth(ip)), sf.ExtRouter("2001:db8::fe", 48, 64),
            sf.ExtGateway("2001:db8::1", 65001, 0, 0, [], [], 0)]
    return named("flow-extended-v6",
                 "raw header + router and gateway with IPv6 next hops, "
                 "empty AS path",
                 flow(recs, rate=4096))


def case_unknown_flow_record():
    frame = _tcp_frame("198.51.100.80", "203.0.113.80", 40080, 80)
    recs = [sf.sample_packet(frame), sf.ExtSwitch(10, 0, 10, 0),
            sf.OpaqueRecord(4242, 7, bytes(range(10)))]
    return named("flow-unknown-record",
                 "record 4242:7 (10 bytes + 2 of padding) to skip by length",
                 flow(recs))


def _if_counters(index, octets_in, octets_out, speed=10 ** 10):
    """Interface counters; packet counters are 32-bit and wrap, as on
    agents."""
    return sf.GenericInterface(
        index=index, type=6, speed=speed, direction=1, status=3,
        in_octets=octets_in, in_ucast=(octets_in // 700) & 0xFFFFFFFF,
        in_multicast=12, in_broadcast=3, in_discards=1, in_errors=0,
        in_unknown_protos=2, out_octets=octets_out,
        out_ucast=(octets_out // 800) & 0xFFFFFFFF, out_multicast=7,
        out_broadcast=1, out_discards=4, out_errors=0, promiscuous=2)


def case_counters_compact():
    return named("counter-compact",
                 "compact counter sample: generic + ethernet",
                 counters([_if_counters(3, 123456789012, 987654321),
                           sf.EthernetCounters(fcs_errors=2, late_collisions=1,
                                               symbol_errors=5)]))


def case_counters_expanded():
    big = 0x01000005
    recs = [_if_counters(big, 5 * 10 ** 12, 6 * 10 ** 12, speed=10 ** 11),
            sf.EthernetCounters(alignment_errors=1, frame_too_longs=9),
            sf.VlanCounters(vlan_id=100, octets=2 ** 40, ucast=1000,
                            multicast=20, broadcast=3, discards=4),
            sf.LagCounters("02:00:00:00:aa:01", "02:00:00:00:bb:01", 700,
                           # actor admin, actor oper, partner admin, oper
                           bytes([0x05, 0x3d, 0x07, 0x3f]), lacpdus_rx=120,
                           lacpdus_tx=121, marker_pdus_rx=1, illegal_rx=2),
            sf.ProcessorCounters(cpu_5s=1234, cpu_1m=987, cpu_5m=876,
                                 total_memory=16 * 2 ** 30,
                                 free_memory=9 * 2 ** 30)]
    return named("counter-expanded-all",
                 "expanded counter sample: records 1, 2, 5, 7, 1001",
                 counters(recs, source=(0, big), expanded=True))


def case_counters_vlan():
    return named("counter-vlan", "compact counter sample of VLAN 42 (class 1)",
                 counters([sf.VlanCounters(vlan_id=42, octets=99999,
                                           ucast=77)], source=(1, 42)))


def case_counters_unknown_record():
    recs = [_if_counters(4, 10 ** 9, 2 * 10 ** 9),
            sf.OpaqueRecord(4242, 3, bytes(range(20))),
            sf.ProcessorCounters(cpu_5s=50, cpu_1m=40, cpu_5m=30,
                                 total_memory=2 ** 30, free_memory=2 ** 29)]
    return named("counter-unknown-record",
                 "counter record 4242:3 between two known ones (skip by "
                 "length)",
                 counters(recs, source=(0, 4)))


def case_discard():
    frame = eth(pk.ipv4("198.51.100.99", "203.0.113.99",
                        pk.tcp(40099, 23, pk.SYN)))
    recs = [sf.sample_packet(frame), sf.ExtSwitch(10, 0, 0, 0)]
    return named("discard", "discard sample (type 5): ACL drop, reason 258",
                 sf.DiscardSample(None, 0, 4, 0, 4, 0, 258, recs))


def case_unknown_sample():
    return named("unknown-sample",
                 "sample type 0:99 (16 bytes) to skip by length",
                 sf.OpaqueSample(0, 99, pk.fill(16)))


def case_unknown_enterprise_sample():
    return named("unknown-enterprise-sample",
                 "sample type 4242:9 (14 bytes + 2 of padding) to skip by "
                 "length",
                 sf.OpaqueSample(4242, 9, pk.fill(14, seed=9)))


def case_after_unknown_sample():
    frame = _tcp_frame("198.51.100.81", "203.0.113.81", 40081, 80)
    return named("flow-after-unknown-sample",
                 "a flow sample after sample 4242:9: reached only by skipping",
                 flow([sf.sample_packet(frame)]))


# Agent B (IPv6) and agent A's second sub-agent.

def case_b_ipv6_tcp():
    ip = pk.ipv6("2001:db8:b::1", "2001:db8:c::2",
                 pk.tcp(443, 61000, pk.ACK, payload=pk.fill(1200)))
    return named("agent6-flow", "IPv6 agent: Ethernet/IPv6/TCP",
                 flow([sf.sample_packet(eth(ip)), sf.ExtSwitch(5, 0, 5, 0)],
                      in_if=sf.ifindex(11), out_if=sf.ifindex(12), rate=512))


def case_b_counters():
    return named("agent6-counters", "IPv6 agent: generic interface counters",
                 counters([_if_counters(11, 42424242, 24242424)],
                          source=(0, 11)))


def case_a1_flow():
    frame = _tcp_frame("198.51.100.111", "203.0.113.111", 41111, 3306)
    return named("subagent1-flow", "agent A sub-agent 1: IPv4 TCP",
                 flow([sf.sample_packet(frame)], in_if=sf.ifindex(21),
                      out_if=sf.ifindex(22), rate=2048))


def case_a1_counters():
    return named("subagent1-processor",
                 "agent A sub-agent 1: processor counters (entity class 2)",
                 counters([sf.ProcessorCounters(cpu_5s=5000, cpu_1m=4000,
                                                cpu_5m=3000,
                                                total_memory=2 ** 33,
                                                free_memory=2 ** 32)],
                          source=(2, 1)))


# (agent, sub-agent) -> first datagram and sample numbers.  Agent B starts
# above 2^31 so that decoders must treat sequence numbers as unsigned.
SYNTH_FIRST_SEQ = {(AGENT_A, 0): 1, (AGENT_A, 1): 500,
                   (AGENT_B, 7): 3000000000}

# The synth capture: (agent, sub-agent, cases), in capture order.
SYNTH_LAYOUT = [
    (AGENT_A, 0, [case_ipv4_tcp, case_ipv6_tcp_ext, case_counters_compact]),
    (AGENT_B, 7, [case_b_ipv6_tcp, case_b_counters]),
    (AGENT_A, 0, [case_ipv6_hbh_icmpv6, case_ipv4_frag_first,
                  case_ipv4_frag_later, case_ipv4_options]),
    (AGENT_A, 1, [case_a1_flow, case_a1_counters]),
    (AGENT_A, 0, [case_qinq, case_vlan, case_mpls, case_vxlan]),
    (AGENT_A, 0, [case_icmpv4, case_tcp_clipped, case_raw_ipv4,
                  case_raw_ipv6]),
    (AGENT_B, 7, [case_b_ipv6_tcp, case_b_counters]),
    (AGENT_A, 0, [case_if_discard, case_if_multiple, case_if_local,
                  case_compact_in_format, case_expanded_if_formats,
                  case_expanded_local]),
    (AGENT_A, 0, [case_sampled_ipv4, case_sampled_ipv6, case_extended_v4,
                  case_extended_v6]),
    (AGENT_A, 0, [case_counters_expanded, case_counters_vlan, case_discard,
                  case_unknown_sample, case_unknown_flow_record]),
    (AGENT_A, 0, [case_counters_unknown_record, case_unknown_enterprise_sample,
                  case_after_unknown_sample]),
]


def synth_datagrams(seqr=None):
    """The synth capture's datagrams (a fresh Sequencer: deterministic)."""
    seqr = seqr or Sequencer(SYNTH_FIRST_SEQ)
    return [datagram(seqr, agent, sub, [mk() for mk in cases])
            for agent, sub, cases in SYNTH_LAYOUT]


def all_cases():
    """Every case function once, in layout order."""
    seen = []
    for _, _, cases in SYNTH_LAYOUT:
        seen += [c for c in cases if c not in seen]
    return seen


def corpus_datagrams():
    """(file name, Datagram): each case alone, then every synth and demo
    datagram whole, then an empty datagram."""
    out = []
    for mk in all_cases():
        s = mk()
        out.append((s.case + ".bin", datagram(Sequencer(), AGENT_A, 0, [s])))
    for i, dg in enumerate(synth_datagrams(), 1):
        out.append(("synth-%02d.bin" % i, dg))
    for i, dg in enumerate(demo_datagrams(), 1):
        out.append(("demo-%02d.bin" % i, dg))
    out.append(("datagram-empty.bin", datagram(Sequencer(), AGENT_A, 0, [])))
    out.append(("datagram-agent6-empty.bin",
                datagram(Sequencer(), AGENT_B, 0, [])))
    return out


# ---------------------------------------------------------------- demo
#
# A switch (agent 192.0.2.10) samples 1 in 1000 packets.  Host 10.1.2.3 on
# port 12 opens HTTPS to 203.0.113.66 through the uplink (port 48) and asks
# 198.51.100.53 for a name.

DEMO_LOCAL = "10.1.2.3"
DEMO_WEB = "203.0.113.66"
DEMO_DNS = "198.51.100.53"
DEMO_HOST_PORT, DEMO_UPLINK = 12, 48
DEMO_RATE = 1000


def _demo_flow(src, dst, l4, outbound, what, case):
    ip = pk.ipv4(src, dst, l4, ttl=64 if outbound else 52)
    frame = (eth(ip, src=HOST_MAC, dst=ROUTER_MAC) if outbound
             else eth(ip, src=ROUTER_MAC, dst=HOST_MAC))
    inp, out = ((DEMO_HOST_PORT, DEMO_UPLINK) if outbound
                else (DEMO_UPLINK, DEMO_HOST_PORT))
    return named(case, what,
                 flow([sf.sample_packet(frame), sf.ExtSwitch(10, 0, 10, 0)],
                      in_if=sf.ifindex(inp), out_if=sf.ifindex(out),
                      rate=DEMO_RATE))


def demo_datagrams(seqr=None):
    seqr = seqr or Sequencer()
    sport, qport = 51514, 40000

    def out_tcp(flags, n):
        return pk.tcp(sport, 443, flags, payload=pk.fill(n))

    def in_tcp(flags, n):
        return pk.tcp(443, sport, flags, payload=pk.fill(n))

    first = [
        _demo_flow(DEMO_LOCAL, DEMO_WEB, out_tcp(pk.SYN, 0), True,
                   "TCP SYN to HTTPS", "demo-https-syn"),
        _demo_flow(DEMO_WEB, DEMO_LOCAL, in_tcp(pk.SYN | pk.ACK, 0), False,
                   "TCP SYN+ACK from HTTPS", "demo-https-synack"),
        _demo_flow(DEMO_LOCAL, DEMO_DNS,
                   pk.udp(qport, 53, dns_query(0xbeef, "example.org")), True,
                   "DNS query", "demo-dns-query"),
        _demo_flow(DEMO_DNS, DEMO_LOCAL,
                   pk.udp(53, qport, dns_query(0xbeef, "example.org") +
                          pk.fill(16)),
                   False, "DNS answer", "demo-dns-answer"),
    ]
    second = [
        _demo_flow(DEMO_LOCAL, DEMO_WEB, out_tcp(pk.PSH | pk.ACK, 517), True,
                   "TLS client hello", "demo-https-hello"),
        _demo_flow(DEMO_WEB, DEMO_LOCAL, in_tcp(pk.ACK, 1448), False,
                   "HTTPS data", "demo-https-data"),
        named("demo-counters", "host port counters",
              counters([_if_counters(DEMO_HOST_PORT, 8123456789, 912345678,
                                     speed=10 ** 9),
                        sf.EthernetCounters()],
                       source=(0, DEMO_HOST_PORT))),
    ]
    return [datagram(seqr, DEMO_AGENT, 0, first),
            datagram(seqr, DEMO_AGENT, 0, second)]


def describe_addresses():
    """For the demo summary line."""
    return "%s -> %s:443 (TCP), %s -> %s:53 (DNS)" % (
        DEMO_LOCAL, DEMO_WEB, DEMO_LOCAL, DEMO_DNS)


def is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
