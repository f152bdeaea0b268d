"""packet - build packets by hand, and remember what a decoder must find.

Layers are built from the inside out: tcp(...) is wrapped by ipv4(...),
which is wrapped by ethernet(...).  Every builder returns a Pkt: the bytes,
plus "facts", the values a packet parser is expected to report (eth_type,
vlan, src_ip, ip_proto, src_port, tcp_flags, ...).  Each fact carries the
offset just past the bytes it is read from, so clip(pkt, n) knows which
facts survive when an sFlow agent keeps only the first n bytes of the frame.

When two layers report the same fact, the outer one wins: the flow key of a
tunnelled packet is the outer IP header's (ORACLE.md: "first IPv4/IPv6
header").  VXLAN is the exception that decoders look inside: its inner
frame's facts are kept as "inner.NAME" (the JSON `inner` object).

References: IEEE 802.3 / 802.1Q / 802.1ad, RFC 3032 (MPLS), RFC 791 (IPv4),
RFC 8200 and RFC 8754 (IPv6, segment routing header), RFC 9293 (TCP),
RFC 768 (UDP), RFC 792 (ICMP), RFC 4443 and RFC 3810 (ICMPv6, MLDv2),
RFC 7348 (VXLAN).  Not supported: IP-in-IP (the inner IP header's facts
would leak into the outer key).
"""
import ipaddress
import struct

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_VLAN = 0x8100
ETH_QINQ = 0x88A8
ETH_MPLS = 0x8847

PROTO_HOPOPTS = 0
PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ROUTING = 43
PROTO_FRAGMENT = 44
PROTO_ICMPV6 = 58
PROTO_DSTOPTS = 60

VXLAN_PORT = 4789

# TCP flag bits (the 12-bit field that tshark prints as tcp.flags).
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS = (
    0x001, 0x002, 0x004, 0x008, 0x010, 0x020, 0x040, 0x080, 0x100)


class Pkt:
    """Bytes of a packet (one layer and everything it carries) and its facts.

    facts      name -> (value, end): end is the offset just past the bytes the
               value is read from, relative to the start of this Pkt
    hdr_end    offset where the headers stop and opaque payload begins
    ethertype  what an enclosing Ethernet header or tag must announce
    proto      what an enclosing IP header must announce (6, 17, ...)
    csum_at    offset of a transport checksum that needs the IP pseudo-header
    """

    __slots__ = ("data", "facts", "hdr_end", "ethertype", "proto", "csum_at")

    def __init__(self, data, facts=None, hdr_end=0, ethertype=None,
                 proto=None, csum_at=None):
        self.data = bytes(data)
        self.facts = dict(facts or {})
        self.hdr_end = hdr_end
        self.ethertype = ethertype
        self.proto = proto
        self.csum_at = csum_at

    def __len__(self):
        return len(self.data)

    def visible(self, limit=None):
        """The facts readable in the first limit bytes (all when None)."""
        return {k: v for k, (v, end) in self.facts.items()
                if limit is None or end <= limit}


def as_pkt(payload):
    """Accept a Pkt or plain bytes (opaque payload without facts)."""
    return payload if isinstance(payload, Pkt) else Pkt(payload)


def wrap(header, inner, facts):
    """Prepend header to inner: shift inner's facts, then add this layer's.

    facts are relative to the start of header; they override inner ones
    (the outer layer wins).
    """
    inner = as_pkt(inner)
    shift = len(header)
    merged = {k: (v, end + shift) for k, (v, end) in inner.facts.items()}
    merged.update(facts)
    return Pkt(bytes(header) + inner.data, merged,
               hdr_end=shift + inner.hdr_end)


def fill(n, seed=0):
    """n bytes of deterministic, printable payload (readable hex dumps)."""
    return bytes(0x41 + (seed + i) % 26 for i in range(n))


def checksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def mac(text):
    """'02:00:00:00:00:01' -> 6 bytes."""
    raw = bytes(int(x, 16) for x in text.split(":"))
    if len(raw) != 6:
        raise ValueError("bad MAC address %r" % text)
    return raw


# ---------------------------------------------------------------- link layer

ETH_MIN_FRAME = 60          # without the 4-byte FCS (IEEE 802.3 minimum: 64)


def ethernet(dst, src, payload, ethertype=None, vlans=(), pad=True):
    """Ethernet II with optional tags.

    vlans: (tpid, vid) or (tpid, vid, pcp) tuples, outermost first, e.g.
    [(ETH_QINQ, 100), (ETH_VLAN, 200)] for 802.1ad QinQ.
    pad: zero-pad to the 60-byte minimum as a NIC does, so that decoders must
    clip to the IP length (frames inside tunnels are usually not padded).
    """
    payload = as_pkt(payload)
    etype = payload.ethertype if ethertype is None else ethertype
    if etype is None:
        raise ValueError("ethernet: payload does not say its EtherType")
    tags = [t if len(t) == 3 else (t[0], t[1], 0) for t in vlans]
    # Each tag's TPID sits where the EtherType would be; the real type follows.
    types = [t[0] for t in tags] + [etype]
    hdr = mac(dst) + mac(src) + struct.pack("!H", types[0])
    for (_, vid, pcp), nxt in zip(tags, types[1:]):
        hdr += struct.pack("!HH", (pcp << 13) | (vid & 0x0FFF), nxt)
    facts = {"eth_type": (types[0], 14)}
    if tags:
        facts["vlan"] = (tags[0][1], 18)
        facts["vlan_count"] = (len(tags), len(hdr))
    if len(tags) > 1:
        facts["inner_vlan"] = (tags[1][1], 22)
    frame = wrap(hdr, payload, facts)
    if pad and len(frame.data) < ETH_MIN_FRAME:
        frame.data += bytes(ETH_MIN_FRAME - len(frame.data))
    return frame


def mpls(labels, payload, tc=0, ttl=64):
    """An MPLS label stack (top label first), bottom of stack on the last."""
    hdr = b""
    for i, label in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        hdr += struct.pack("!I", (label << 12) | (tc << 9) | (bos << 8) | ttl)
    p = wrap(hdr, payload, {"mpls_label": (labels[0], 4),
                            "mpls_labels": (len(labels), len(hdr))})
    p.ethertype = ETH_MPLS
    return p


# ---------------------------------------------------------------- IPv4

def ipv4(src, dst, payload, proto=None, tos=0, ttl=64, ident=1, df=False,
         mf=False, frag_offset=0, options=b""):
    """An IPv4 header (RFC 791) in front of payload.

    frag_offset is in 8-byte units.  For a later fragment (offset > 0) the
    payload's facts are dropped: no decoder can see a transport header there.
    A first fragment (mf, offset 0) keeps them.  The transport checksum is
    computed over the payload given, which for a first fragment is not the
    whole datagram (no decoder here checks it).
    """
    payload = as_pkt(payload)
    proto = payload.proto if proto is None else proto
    if proto is None:
        raise ValueError("ipv4: payload does not say its protocol")
    if len(options) % 4:
        raise ValueError("ipv4: options must be padded to 4 bytes")
    ihl = 5 + len(options) // 4
    s, d = ipaddress.IPv4Address(src), ipaddress.IPv4Address(dst)
    data = _with_l4_checksum(payload, s.packed + d.packed +
                             struct.pack("!BBH", 0, proto, len(payload)))
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag_offset
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos,
                                ihl * 4 + len(payload), ident, flags, ttl,
                                proto, 0, s.packed, d.packed) + options)
    struct.pack_into("!H", hdr, 10, checksum(bytes(hdr)))
    facts = {"ip_version": (4, 1), "tos": (tos, 2), "ttl": (ttl, 9),
             "ip_proto": (proto, 10), "src_ip": (str(s), 16),
             "dst_ip": (str(d), 20)}
    if mf or frag_offset:
        facts["fragment"] = (True, 8)
    inner = Pkt(data, payload.facts, payload.hdr_end)
    if frag_offset:
        facts["later_fragment"] = (True, 8)
        inner = Pkt(data)
    p = wrap(hdr, inner, facts)
    p.ethertype = ETH_IPV4
    p.proto = 4
    return p


def ipv4_option_router_alert():
    """RFC 2113 Router Alert (4 bytes)."""
    return bytes([0x94, 0x04, 0x00, 0x00])


# ---------------------------------------------------------------- IPv6

class Ext:
    """One IPv6 extension header, encoded once its next header is known."""

    def __init__(self, code, encode, fragment=None):
        self.code = code            # the Next Header value that announces it
        self.encode = encode        # next_header -> bytes
        self.fragment = fragment    # (offset, more) for a fragment header


def _tlv_options(options):
    """Pad option TLVs so that 2 + len is a multiple of 8 (Pad1 / PadN)."""
    pad = (-(len(options) + 2)) % 8
    if pad == 1:
        options += b"\0"
    elif pad > 1:
        options += bytes([1, pad - 2]) + bytes(pad - 2)
    return options


def _options_header(code, options):
    body = _tlv_options(options)
    return Ext(code, lambda nxt: bytes([nxt, (len(body) + 2) // 8 - 1]) + body)


def hop_by_hop(options=b""):
    """Hop-by-hop options header (RFC 8200 4.3)."""
    return _options_header(PROTO_HOPOPTS, options)


def dest_opts(options=b""):
    """Destination options header (RFC 8200 4.6)."""
    return _options_header(PROTO_DSTOPTS, options)


def router_alert_mld():
    """IPv6 Router Alert option, value 0 = MLD (RFC 2711)."""
    return bytes([0x05, 0x02, 0x00, 0x00])


def routing_srh(segments, segments_left=0):
    """Segment routing header, routing type 4 (RFC 8754)."""
    segs = b"".join(ipaddress.IPv6Address(s).packed for s in segments)

    def encode(nxt):
        return struct.pack("!BBBBBBH", nxt, len(segs) // 8, 4, segments_left,
                           len(segments) - 1, 0, 0) + segs
    return Ext(PROTO_ROUTING, encode)


def fragment_header(offset=0, more=False, ident=0x12345678):
    """Fragment header (RFC 8200 4.5); offset in 8-byte units."""
    def encode(nxt):
        return struct.pack("!BBHI", nxt, 0, (offset << 3) | int(more), ident)
    return Ext(PROTO_FRAGMENT, encode, fragment=(offset, more))


def ipv6(src, dst, payload, ext=(), next_header=None, tclass=0, hlim=64,
         flow=0):
    """An IPv6 header (RFC 8200), extension headers ext (in order), payload.

    The ip_proto fact is the transport after the extension headers (what
    ORACLE.md and the decoder report), not the first Next Header.
    """
    payload = as_pkt(payload)
    proto = payload.proto if next_header is None else next_header
    if proto is None:
        raise ValueError("ipv6: payload does not say its protocol")
    s, d = ipaddress.IPv6Address(src), ipaddress.IPv6Address(dst)
    data = _with_l4_checksum(payload, s.packed + d.packed +
                             struct.pack("!IxxxB", len(payload), proto))
    chain, nxt = b"", proto
    for e in reversed(ext):
        chain = e.encode(nxt) + chain
        nxt = e.code
    hdr = struct.pack("!IHBB16s16s", (6 << 28) | (tclass << 20) | flow,
                      len(chain) + len(payload), nxt, hlim, s.packed, d.packed)
    facts = {"ip_version": (6, 1), "tos": (tclass, 2), "ttl": (hlim, 8),
             "src_ip": (str(s), 24), "dst_ip": (str(d), 40),
             "ip_proto": (proto, 40 + len(chain))}
    inner = Pkt(data, payload.facts, payload.hdr_end)
    frags = [e.fragment for e in ext if e.fragment is not None]
    if frags:
        facts["fragment"] = (True, 40 + len(chain))
        if frags[0][0]:
            facts["later_fragment"] = (True, 40 + len(chain))
            inner = Pkt(data)
    p = wrap(hdr + chain, inner, facts)
    p.ethertype = ETH_IPV6
    p.proto = 41
    return p


def _with_l4_checksum(payload, pseudo):
    """payload.data with its transport checksum filled in (if it has one)."""
    if payload.csum_at is None:
        return payload.data
    data = bytearray(payload.data)
    struct.pack_into("!H", data, payload.csum_at, 0)
    csum = checksum(pseudo + bytes(data)) or 0xFFFF  # 0 means "none" in UDP
    struct.pack_into("!H", data, payload.csum_at, csum)
    return bytes(data)


# ---------------------------------------------------------------- transport

def tcp(sport, dport, flags=ACK, seq=1, ack=0, window=65535, options=b"",
        payload=b""):
    """A TCP segment (RFC 9293).  flags: the 12-bit field (NS..FIN)."""
    if len(options) % 4:
        raise ValueError("tcp: options must be padded to 4 bytes")
    doff = 5 + len(options) // 4
    hdr = struct.pack("!HHIIHHHH", sport, dport, seq, ack,
                      (doff << 12) | (flags & 0x0FFF), window, 0, 0) + options
    p = wrap(hdr, payload, {"src_port": (sport, 4), "dst_port": (dport, 4),
                            "tcp_flags": (flags & 0x0FFF, 14)})
    p.hdr_end = len(hdr)
    p.proto, p.csum_at = PROTO_TCP, 16
    return p


def tcp_mss_option(mss=1460):
    return struct.pack("!BBH", 2, 4, mss)


def udp(sport, dport, payload=b""):
    """A UDP datagram (RFC 768); its checksum is filled in by ipv4/ipv6."""
    payload = as_pkt(payload)
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    p = wrap(hdr, payload, {"src_port": (sport, 4), "dst_port": (dport, 4)})
    p.proto, p.csum_at = PROTO_UDP, 6
    return p


def icmp(icmp_type, code, rest=b"\0\0\0\0", payload=b""):
    """An ICMP message (RFC 792); the checksum needs no pseudo-header."""
    body = bytearray(struct.pack("!BBH", icmp_type, code, 0) + rest + payload)
    struct.pack_into("!H", body, 2, checksum(bytes(body)))
    return Pkt(body, {"icmp_type": (icmp_type, 1), "icmp_code": (code, 2)},
               hdr_end=8, proto=PROTO_ICMP)


def icmpv6(icmp_type, code, body=b""):
    """An ICMPv6 message (RFC 4443); ipv6() fills in the checksum."""
    return Pkt(struct.pack("!BBH", icmp_type, code, 0) + body,
               {"icmp_type": (icmp_type, 1), "icmp_code": (code, 2)},
               hdr_end=4, proto=PROTO_ICMPV6, csum_at=2)


def mldv2_report(groups):
    """ICMPv6 type 143 (RFC 3810 5.2): CHANGE_TO_EXCLUDE for each group."""
    recs = b"".join(struct.pack("!BBH16s", 4, 0, 0,
                                ipaddress.IPv6Address(g).packed)
                    for g in groups)
    return icmpv6(143, 0, struct.pack("!HH", 0, len(groups)) + recs)


def vxlan(vni, inner_frame):
    """A VXLAN header (RFC 7348, flag I) and the Ethernet frame it carries.

    The inner frame's facts are kept as "inner.NAME"; the caller puts the
    result in udp(..., VXLAN_PORT, ...).
    """
    inner_frame = as_pkt(inner_frame)
    hdr = struct.pack("!BxxxI", 0x08, vni << 8)
    facts = {"inner." + k: (v, end + 8)
             for k, (v, end) in inner_frame.facts.items()}
    facts["vni"] = (vni, 8)
    # The outer headers end with VXLAN's; "truncated" describes those only
    # (a clipped inner frame is not reported as inner.truncated).
    return Pkt(hdr + inner_frame.data, facts, hdr_end=8)


# ---------------------------------------------------------------- clipping

def clip(pkt, limit):
    """What an agent that keeps limit bytes exports: (bytes, facts).

    facts gains "truncated" when the headers did not fit.
    """
    facts = pkt.visible(limit)
    if limit < pkt.hdr_end:
        facts["truncated"] = True
    return pkt.data[:limit], facts
