"""sflow - encode sFlow version 5 datagrams (sflow.org/sflow_version_5.txt).

Discard samples follow https://sflow.org/sflow_drops.txt, the LAG counters
https://sflow.org/sflow_8023.txt.  Everything is XDR (RFC 4506): big-endian
32-bit words, 64-bit "hyper" counters, variable opaque data and arrays
prefixed by their length/count, opaque data padded with zeros to a multiple
of 4 bytes (so a MAC address, opaque[6], takes 8).

Every record and sample is a small class with the values it encodes and a
body() method; encode_record() / encode_sample() add the data format word and
the length.  Records and samples keep their values so that fsgen.oracle can
compute what a decoder must report from exactly what was encoded.
"""
import ipaddress
import struct

from .packet import clip, mac as mac_bytes

LOCAL_INTERFACE = 0x3FFFFFFF    # "the packet was sent/received by the agent"


# ---------------------------------------------------------------- XDR

def u32(value):
    return struct.pack("!I", value)


def u64(value):
    return struct.pack("!Q", value)


def pad4(data):
    return bytes(data) + bytes(-len(data) % 4)


def opaque(data):
    """Variable-length opaque<>: length, bytes, zero padding."""
    return u32(len(data)) + pad4(data)


def fixed_opaque(data, size):
    """opaque[size]: exactly size bytes, zero padding."""
    if len(data) != size:
        raise ValueError("opaque[%d] given %d bytes" % (size, len(data)))
    return pad4(data)


def array(items):
    """A variable-length array<> of already-encoded items."""
    return u32(len(items)) + b"".join(items)


def address(text):
    """sFlow address: type 1 IPv4 / 2 IPv6, then the address."""
    ip = ipaddress.ip_address(text)
    return u32(1 if ip.version == 4 else 2) + ip.packed


def data_format(enterprise, fmt):
    """The data format word: 20 bits of enterprise, 12 bits of format."""
    if not 0 <= enterprise < 1 << 20 or not 0 <= fmt < 1 << 12:
        raise ValueError("data format %d:%d out of range" % (enterprise, fmt))
    return (enterprise << 12) | fmt


def format_label(enterprise, fmt):
    """How ORACLE.md lists a format: "1001", or "E:F" when E is not 0."""
    return str(fmt) if enterprise == 0 else "%d:%d" % (enterprise, fmt)


class Interface:
    """An interface: format 0 ifIndex, 1 discarded (value: reason), 2 multiple
    (value: count)."""

    def __init__(self, fmt, value):
        if fmt not in (0, 1, 2):
            raise ValueError("interface format %d" % fmt)
        self.format, self.value = fmt, value

    def compact(self):
        """The 32-bit word of a compact sample: format in the top 2 bits."""
        if self.value >= 1 << 30:
            raise ValueError("interface value %d needs the expanded form"
                             % self.value)
        return (self.format << 30) | self.value

    def expanded(self):
        return u32(self.format) + u32(self.value)


def ifindex(n):
    return Interface(0, n)


def local():
    return Interface(0, LOCAL_INTERFACE)


def discarded(reason):
    return Interface(1, reason)


def multiple(count):
    """count 0 means "unknown number of interfaces"."""
    return Interface(2, count)


def _compact_source(cls, index):
    if not 0 <= cls < 256 or not 0 <= index < 1 << 24:
        raise ValueError("source %d:%d needs the expanded form" % (cls, index))
    return u32((cls << 24) | index)


# ---------------------------------------------------------------- records

class Record:
    """Base: enterprise and format class attributes, values, body()."""
    enterprise = 0
    format = None
    size = None             # fixed body size from the spec, checked

    def body(self):
        raise NotImplementedError

    @property
    def label(self):
        return format_label(self.enterprise, self.format)


def encode_record(rec):
    body = rec.body()
    if rec.size is not None and len(body) != rec.size:
        raise AssertionError("%s: %d bytes, the spec says %d"
                             % (type(rec).__name__, len(body), rec.size))
    return u32(data_format(rec.enterprise, rec.format)) + opaque(body)


class OpaqueRecord(Record):
    """Any record (unknown ones for skip-by-length tests): raw body bytes."""

    def __init__(self, enterprise, fmt, data):
        self.enterprise, self.format, self.data = enterprise, fmt, bytes(data)

    def body(self):
        return self.data


# Header protocols of the raw packet header record.
HEADER_ETHERNET = 1
HEADER_IPV4 = 11
HEADER_IPV6 = 12


class RawHeader(Record):
    """Flow record 1, sampled_header: the first bytes of the packet.

    facts: what a decoder must find in header (from fsgen.packet.clip).
    """
    format = 1

    def __init__(self, protocol, frame_length, stripped, header, facts=None):
        self.protocol, self.frame_length = protocol, frame_length
        self.stripped, self.header = stripped, bytes(header)
        self.facts = dict(facts or {})

    def body(self):
        return (u32(self.protocol) + u32(self.frame_length) +
                u32(self.stripped) + opaque(self.header))


def sample_packet(pkt, protocol=HEADER_ETHERNET, snap=128, stripped=4):
    """A raw header record for pkt as an agent samples it.

    frame_length counts the stripped bytes (the FCS for Ethernet: 4; for an
    IP header protocol, the Ethernet header and FCS: 18), as real agents do.
    """
    header, facts = clip(pkt, snap)
    return RawHeader(protocol, len(pkt) + stripped, stripped, header, facts)


class SampledEthernet(Record):
    """Flow record 2: length, src and dst MAC (opaque[6], padded), type:
    24 bytes."""
    format, size = 2, 24

    def __init__(self, length, src_mac, dst_mac, eth_type):
        self.length, self.src_mac, self.dst_mac = length, src_mac, dst_mac
        self.eth_type = eth_type

    def body(self):
        return (u32(self.length) + fixed_opaque(mac_bytes(self.src_mac), 6) +
                fixed_opaque(mac_bytes(self.dst_mac), 6) + u32(self.eth_type))


class SampledIP(Record):
    """Flow record 3 (IPv4, 32 bytes) or 4 (IPv6, 56 bytes).

    tos is the IPv4 TOS or the IPv6 priority.
    """

    def __init__(self, length, protocol, src, dst, src_port, dst_port,
                 tcp_flags=0, tos=0):
        self.version = ipaddress.ip_address(src).version
        if ipaddress.ip_address(dst).version != self.version:
            raise ValueError("SampledIP: mixed address families")
        self.format = 3 if self.version == 4 else 4
        self.size = 32 if self.version == 4 else 56
        self.length, self.protocol = length, protocol
        self.src, self.dst = src, dst
        self.src_port, self.dst_port = src_port, dst_port
        self.tcp_flags, self.tos = tcp_flags, tos

    def body(self):
        return (u32(self.length) + u32(self.protocol) +
                ipaddress.ip_address(self.src).packed +
                ipaddress.ip_address(self.dst).packed +
                u32(self.src_port) + u32(self.dst_port) +
                u32(self.tcp_flags) + u32(self.tos))


class ExtSwitch(Record):
    """Flow record 1001: source/destination VLAN and 802.1p priority."""
    format, size = 1001, 16

    def __init__(self, src_vlan, src_priority, dst_vlan, dst_priority):
        self.src_vlan, self.src_priority = src_vlan, src_priority
        self.dst_vlan, self.dst_priority = dst_vlan, dst_priority

    def body(self):
        return (u32(self.src_vlan) + u32(self.src_priority) +
                u32(self.dst_vlan) + u32(self.dst_priority))


class ExtRouter(Record):
    """Flow record 1002: next hop, source and destination mask lengths."""
    format = 1002

    def __init__(self, next_hop, src_mask_len, dst_mask_len):
        self.next_hop = next_hop
        self.src_mask_len, self.dst_mask_len = src_mask_len, dst_mask_len

    def body(self):
        return (address(self.next_hop) + u32(self.src_mask_len) +
                u32(self.dst_mask_len))


AS_SET, AS_SEQUENCE = 1, 2


class ExtGateway(Record):
    """Flow record 1003: BGP next hop, AS numbers, AS path, communities.

    as_path: list of (segment type, [AS numbers]).
    """
    format = 1003

    def __init__(self, next_hop, as_number, src_as, src_peer_as, as_path,
                 communities, local_pref):
        self.next_hop, self.as_number = next_hop, as_number
        self.src_as, self.src_peer_as = src_as, src_peer_as
        self.as_path = [(t, list(a)) for t, a in as_path]
        self.communities, self.local_pref = list(communities), local_pref

    def body(self):
        segments = [u32(t) + array([u32(a) for a in path])
                    for t, path in self.as_path]
        return (address(self.next_hop) + u32(self.as_number) +
                u32(self.src_as) + u32(self.src_peer_as) + array(segments) +
                array([u32(c) for c in self.communities]) +
                u32(self.local_pref))


class GenericInterface(Record):
    """Counter record 1, if_counters (88 bytes).  Keyword arguments name the
    fields; unnamed counters are 0."""
    format, size = 1, 88
    FIELDS = (("index", "I"), ("type", "I"), ("speed", "Q"),
              ("direction", "I"), ("status", "I"), ("in_octets", "Q"),
              ("in_ucast", "I"), ("in_multicast", "I"), ("in_broadcast", "I"),
              ("in_discards", "I"), ("in_errors", "I"),
              ("in_unknown_protos", "I"), ("out_octets", "Q"),
              ("out_ucast", "I"), ("out_multicast", "I"),
              ("out_broadcast", "I"), ("out_discards", "I"),
              ("out_errors", "I"), ("promiscuous", "I"))

    def __init__(self, **values):
        _set_fields(self, self.FIELDS, values)

    def body(self):
        return _pack_fields(self, self.FIELDS)


class EthernetCounters(Record):
    """Counter record 2, ethernet_counters: 13 dot3Stats (52 bytes)."""
    format, size = 2, 52
    FIELDS = tuple((n, "I") for n in (
        "alignment_errors", "fcs_errors", "single_collisions",
        "multiple_collisions", "sqe_test_errors", "deferred_transmissions",
        "late_collisions", "excessive_collisions", "internal_mac_tx_errors",
        "carrier_sense_errors", "frame_too_longs", "internal_mac_rx_errors",
        "symbol_errors"))

    def __init__(self, **values):
        _set_fields(self, self.FIELDS, values)

    def body(self):
        return _pack_fields(self, self.FIELDS)


class VlanCounters(Record):
    """Counter record 5, vlan_counters (28 bytes)."""
    format, size = 5, 28
    FIELDS = (("vlan_id", "I"), ("octets", "Q"), ("ucast", "I"),
              ("multicast", "I"), ("broadcast", "I"), ("discards", "I"))

    def __init__(self, **values):
        _set_fields(self, self.FIELDS, values)

    def body(self):
        return _pack_fields(self, self.FIELDS)


class LagCounters(Record):
    """Counter record 7, lag_port_stats (sflow_8023.txt, 56 bytes)."""
    format, size = 7, 56
    COUNTERS = tuple((n, "I") for n in (
        "lacpdus_rx", "marker_pdus_rx", "marker_response_pdus_rx",
        "unknown_rx", "illegal_rx", "lacpdus_tx", "marker_pdus_tx",
        "marker_response_pdus_tx"))

    def __init__(self, actor_system_id, partner_system_id, attached_agg_id,
                 port_state, **counters):
        self.actor_system_id = actor_system_id
        self.partner_system_id = partner_system_id
        self.attached_agg_id = attached_agg_id
        # 4 bytes: actor admin, actor oper, partner admin, partner oper
        self.port_state = bytes(port_state)
        _set_fields(self, self.COUNTERS, counters)

    def body(self):
        return (fixed_opaque(mac_bytes(self.actor_system_id), 6) +
                fixed_opaque(mac_bytes(self.partner_system_id), 6) +
                u32(self.attached_agg_id) +
                fixed_opaque(self.port_state, 4) +
                _pack_fields(self, self.COUNTERS))


class ProcessorCounters(Record):
    """Counter record 1001, processor: CPU percent x 100, memory (28 bytes)."""
    format, size = 1001, 28
    FIELDS = (("cpu_5s", "I"), ("cpu_1m", "I"), ("cpu_5m", "I"),
              ("total_memory", "Q"), ("free_memory", "Q"))

    def __init__(self, **values):
        _set_fields(self, self.FIELDS, values)

    def body(self):
        return _pack_fields(self, self.FIELDS)


def _set_fields(obj, fields, values):
    names = {n for n, _ in fields}
    unknown = set(values) - names
    if unknown:
        raise TypeError("%s: unknown fields %s"
                        % (type(obj).__name__, ", ".join(sorted(unknown))))
    for name, _ in fields:
        setattr(obj, name, values.get(name, 0))


def _pack_fields(obj, fields):
    return struct.pack("!" + "".join(t for _, t in fields),
                       *(getattr(obj, n) for n, _ in fields))


# ---------------------------------------------------------------- samples

class FlowSample:
    """Sample type 1 (compact) or 3 (expanded): a sampled packet."""

    def __init__(self, seq, source_class, source_index, sampling_rate,
                 sample_pool, drops, in_if, out_if, records, expanded=False):
        self.sample_type = 3 if expanded else 1
        self.enterprise = 0
        self.seq, self.source_class = seq, source_class
        self.source_index = source_index
        self.sampling_rate, self.sample_pool = sampling_rate, sample_pool
        self.drops, self.input, self.output = drops, in_if, out_if
        self.records = list(records)

    @property
    def expanded(self):
        return self.sample_type == 3

    def body(self):
        if self.expanded:
            head = (u32(self.seq) + u32(self.source_class) +
                    u32(self.source_index) + u32(self.sampling_rate) +
                    u32(self.sample_pool) + u32(self.drops) +
                    self.input.expanded() + self.output.expanded())
        else:
            head = (u32(self.seq) +
                    _compact_source(self.source_class, self.source_index) +
                    u32(self.sampling_rate) + u32(self.sample_pool) +
                    u32(self.drops) + u32(self.input.compact()) +
                    u32(self.output.compact()))
        return head + array([encode_record(r) for r in self.records])


class CounterSample:
    """Sample type 2 (compact) or 4 (expanded): interface, system counters."""

    def __init__(self, seq, source_class, source_index, records,
                 expanded=False):
        self.sample_type = 4 if expanded else 2
        self.enterprise = 0
        self.seq, self.source_class = seq, source_class
        self.source_index = source_index
        self.records = list(records)

    def body(self):
        if self.sample_type == 4:
            head = (u32(self.seq) + u32(self.source_class) +
                    u32(self.source_index))
        else:
            head = u32(self.seq) + _compact_source(self.source_class,
                                                   self.source_index)
        return head + array([encode_record(r) for r in self.records])


class DiscardSample:
    """Sample type 5, discarded_packet (sflow_drops.txt): expanded source id,
    drops, input/output ifIndex (0: unknown), reason, flow records."""

    def __init__(self, seq, source_class, source_index, drops, input_ifindex,
                 output_ifindex, reason, records):
        self.sample_type, self.enterprise = 5, 0
        self.seq, self.source_class = seq, source_class
        self.source_index, self.drops = source_index, drops
        self.input_ifindex, self.output_ifindex = input_ifindex, output_ifindex
        self.reason = reason
        self.records = list(records)

    def body(self):
        return (u32(self.seq) + u32(self.source_class) +
                u32(self.source_index) + u32(self.drops) +
                u32(self.input_ifindex) + u32(self.output_ifindex) +
                u32(self.reason) +
                array([encode_record(r) for r in self.records]))


class OpaqueSample:
    """A sample of any (unknown) type: the decoder must skip it by length."""

    def __init__(self, enterprise, sample_type, data):
        self.enterprise, self.sample_type = enterprise, sample_type
        self.data = bytes(data)

    def body(self):
        return self.data


def encode_sample(sample):
    return (u32(data_format(sample.enterprise, sample.sample_type)) +
            opaque(sample.body()))


class Datagram:
    """One sFlow v5 datagram: the agent's header and its samples."""
    VERSION = 5

    def __init__(self, agent, sub_agent, seq, uptime_ms, samples):
        self.agent, self.sub_agent = agent, sub_agent
        self.seq, self.uptime_ms = seq, uptime_ms
        self.samples = list(samples)

    def encode(self):
        return (u32(self.VERSION) + address(self.agent) + u32(self.sub_agent) +
                u32(self.seq) + u32(self.uptime_ms) +
                array([encode_sample(s) for s in self.samples]))
