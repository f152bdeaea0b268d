"""dataplane.py - the switch simulator's mirror: read a traffic pcap, find
the packets that an installed ERSPAN rule matches, and send each one as an
ERSPAN type II copy in GRE from the rule's --src-ip to its --dst-ip.

Formats:
  pcap     https://www.tcpdump.org/manpages/pcap-savefile.5.html (classic
           files, either byte order, micro- or nanosecond; LINKTYPE_ETHERNET)
  GRE      RFC 2784 / RFC 2890: flags word with only S (0x1000) set,
           protocol 0x88BE, 32-bit sequence number
  ERSPAN   type II (draft-foschiano-erspan-03 section 4.1): Ver=1 (4 bits),
           VLAN (12), COS (3), En (2), T (1), Session ID (10), Reserved (12),
           Index (20); then the original Ethernet frame, unchanged

The outer IPv4 header is built here and sent on an IPPROTO_RAW socket
(IP_HDRINCL), so the copy carries the rule's --src-ip even when that
address is not configured on the host, and the simulator never receives
its own copies (an IPPROTO_GRE socket would get every GRE packet).
"""
import ipaddress
import socket
import struct
import zlib

IPPROTO_GRE = 47
GRE_S = 0x1000
ETH_ERSPAN2 = 0x88BE
LINKTYPE_ETHERNET = 1
PCAP_MAX_FRAME = 262144
DEFAULT_TTL = 64


class PcapError(Exception):
    pass


def read_pcap(path):
    """The Ethernet frames of a classic pcap file, in order."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise PcapError("%s: too short for a pcap header" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise PcapError("%s: not a classic pcap file" % path)
    link = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    if link != LINKTYPE_ETHERNET:
        raise PcapError("%s: link type %d, want Ethernet (1)" % (path, link))
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if caplen > PCAP_MAX_FRAME or off + 16 + caplen > len(data):
            break                       # truncated file: keep what we have
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


def parse_frame(frame):
    """What a rule can match in an Ethernet frame: a dict with version,
    src, dst, proto, sport, dport and vlan, or None if it is not IP."""
    if len(frame) < 14:
        return None
    etype, p, vlan = struct.unpack("!H", frame[12:14])[0], 14, 0
    while etype in (0x8100, 0x88A8) and len(frame) >= p + 4:
        tci, etype = struct.unpack("!HH", frame[p:p + 4])
        if not vlan:
            vlan = tci & 0x0FFF
        p += 4
    pkt = {"vlan": vlan, "sport": None, "dport": None}
    if etype == 0x0800 and len(frame) >= p + 20 and frame[p] >> 4 == 4:
        ihl = (frame[p] & 0x0F) * 4
        frag = struct.unpack("!H", frame[p + 6:p + 8])[0] & 0x1FFF
        pkt.update(version=4, proto=frame[p + 9],
                   src=ipaddress.IPv4Address(frame[p + 12:p + 16]),
                   dst=ipaddress.IPv4Address(frame[p + 16:p + 20]))
        l4 = p + ihl if frag == 0 and ihl >= 20 else None
    elif etype == 0x86DD and len(frame) >= p + 40 and frame[p] >> 4 == 6:
        # The next header field only; extension headers are not walked
        # (a rule with ports then does not match, as -p does not).
        pkt.update(version=6, proto=frame[p + 6],
                   src=ipaddress.IPv6Address(frame[p + 8:p + 24]),
                   dst=ipaddress.IPv6Address(frame[p + 24:p + 40]))
        l4 = p + 40
    else:
        return None
    if l4 is not None and pkt["proto"] in (6, 17) and len(frame) >= l4 + 4:
        pkt["sport"], pkt["dport"] = struct.unpack("!HH", frame[l4:l4 + 4])
    return pkt


def session_id(name):
    """The ERSPAN session id of an ACL: stable across restarts."""
    return zlib.crc32(name.encode()) & 0x3FF


def erspan2(frame, seq, session, vlan=0, index=0):
    """GRE (S bit, sequence) + ERSPAN type II header + the frame."""
    en = 3 if vlan else 0               # 3: the frame keeps its 802.1Q tag
    w0 = (1 << 28) | ((vlan & 0xFFF) << 16) | (en << 11) | (session & 0x3FF)
    return (struct.pack("!HHI", GRE_S, ETH_ERSPAN2, seq & 0xFFFFFFFF) +
            struct.pack("!II", w0, index & 0xFFFFF) + frame)


def ipv4_header(src, dst, payload_len, ttl, dscp, ident):
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, (dscp & 0x3F) << 2,
                                20 + payload_len, ident & 0xFFFF, 0, ttl,
                                IPPROTO_GRE, 0, src.packed, dst.packed))
    s = sum(struct.unpack("!10H", bytes(hdr)))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    struct.pack_into("!H", hdr, 10, ~s & 0xFFFF)
    return bytes(hdr)


class Mirror:
    """Sends ERSPAN copies; keeps one GRE sequence per (src, dst, session)
    as a switch keeps one per mirror session.  Not thread-safe: the
    simulator runs one replay at a time."""

    def __init__(self, erspan_dst=None):
        self.erspan_dst = (ipaddress.IPv4Address(erspan_dst)
                           if erspan_dst else None)
        self.seq = {}
        self.ident = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                  socket.IPPROTO_RAW)

    def close(self):
        self.sock.close()

    def send(self, rule, acl_name, frame, vlan):
        """One copy of frame for rule (an ERSPAN acl_rules.Rule)."""
        src = rule.opts["--src-ip"]
        dst = self.erspan_dst or rule.opts["--dst-ip"]
        sess = session_id(acl_name)
        key = (src, dst, sess)
        seq = self.seq.get(key, 0)
        self.seq[key] = seq + 1
        gre = erspan2(frame, seq, sess, vlan)
        self.ident += 1
        ttl = rule.opts.get("--ttl", DEFAULT_TTL)
        ip = ipv4_header(src, dst, len(gre), ttl, rule.opts.get("--dscp", 0),
                         self.ident)
        self.sock.sendto(ip + gre, (str(dst), 0))


def first_match(installed, pkt):
    """The (acl name, rule) of the first ERSPAN rule that matches pkt, in
    ACL name order then line order (a TCAM: the first match wins), or
    None.  installed: [(name, [Rule])]."""
    for name, rules in installed:
        for r in rules:
            if r.target == "ERSPAN" and r.matches(pkt):
                return name, r
    return None
