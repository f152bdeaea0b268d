#!/usr/bin/env python3
"""make_seeds.py - write the hand-made sFlow v5 seeds of corpus/sflow_datagram/.

usage: fuzz/make_seeds.py OUTDIR

Every seed is built here from the sFlow v5 spec (sflow_version_5.txt) and the
LAG counters of sflow_8023.txt, so the committed corpus holds no third-party
bytes.  Each seed reaches a different corner of the decoder: IPv4 and IPv6
agents, compact and expanded samples, every record type it decodes, records
and samples it must skip by length, and sampled headers with VLAN tags,
MPLS, IPv6 extension headers, VXLAN, raw IPv4/IPv6 and ICMP.  The output is
deterministic.
"""
import os
import struct
import sys


def u32(*vals):
    return b"".join(struct.pack("!I", v) for v in vals)


def u64(v):
    return struct.pack("!Q", v)


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def datagram(samples, agent6=False, seq=1):
    if agent6:
        agent = u32(2) + bytes.fromhex("20010db8000000000000000000000001")
    else:
        agent = u32(1) + bytes([192, 0, 2, 1])
    return (u32(5) + agent + u32(0, seq, 123456, len(samples)) +
            b"".join(samples))


def record(fmt, body, enterprise=0):
    return u32(enterprise << 12 | fmt, len(body)) + body


def flow_sample(records, rate=1024, expanded=False):
    recs = b"".join(records)
    if expanded:
        body = u32(7, 0, 3, rate, rate * 10, 0, 0, 3, 2, 2, len(records))
        fmt = 3
    else:
        body = u32(7, 3, rate, rate * 10, 0, 3, 0x80000002, len(records))
        fmt = 1
    body += recs
    return u32(fmt, len(body)) + body


def counter_sample(records, expanded=False):
    recs = b"".join(records)
    if expanded:
        body = u32(9, 0, 5, len(records)) + recs
        fmt = 4
    else:
        body = u32(9, 5, len(records)) + recs
        fmt = 2
    return u32(fmt, len(body)) + body


def raw_header(hdr, proto=1, frame_length=None):
    frame_length = frame_length or len(hdr) + 4
    return record(1, u32(proto, frame_length, 4, len(hdr)) + pad(hdr))


# Sampled packet headers.
MAC = bytes.fromhex("020000000001020000000002")


def eth(ethertype, payload, tags=()):
    out = MAC
    for tpid, vid in tags:
        out += struct.pack("!HH", tpid, vid)
    return out + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src=(198, 51, 100, 1), dst=(203, 0, 113, 2)):
    total = 20 + len(payload)
    return (struct.pack("!BBHHHBBH", 0x45, 0, total, 1, 0x4000, 64, proto, 0) +
            bytes(src) + bytes(dst) + payload)


def ipv6(nh, payload):
    return (struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) +
            bytes.fromhex("20010db8000000000000000000000010") +
            bytes.fromhex("20010db8000000000000000000000020") + payload)


def tcp(sport=443, dport=51234, flags=0x18):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 2, 5 << 4, flags,
                       65535, 0, 0) + b"payload!"


def udp(sport, dport, payload=b"data"):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(t=8, c=0):
    return struct.pack("!BBHHH", t, c, 0, 1, 1) + b"ping"


def seeds():
    s = {}
    s["header-only-v4"] = datagram([])
    s["header-only-v6"] = datagram([], agent6=True)

    # Compact flow sample: Ethernet/IPv4/TCP + extended switch.
    s["flow-ipv4-tcp"] = datagram([flow_sample([
        raw_header(eth(0x0800, ipv4(6, tcp()))),
        record(1001, u32(10, 0, 20, 0)),
    ])])

    # Expanded flow sample, IPv6 agent: 802.1Q/IPv6/UDP with every record
    # the decoder knows, gateway with a 2-segment AS path and communities.
    gateway = (u32(1) + bytes([192, 0, 2, 254]) + u32(64500, 64501, 64502) +
               u32(2) + u32(2, 2, 64510, 64511) + u32(1, 1, 64512) +
               u32(2, 0xFDE80001, 0xFDE80002) + u32(100))
    s["flow-expanded-all-records"] = datagram([flow_sample([
        raw_header(eth(0x86DD, ipv6(17, udp(53, 40000)), tags=((0x8100, 30),))),
        record(2, u32(1500) + pad(MAC[6:]) + pad(MAC[:6]) + u32(0x86DD)),
        record(3, u32(1500, 6) + bytes([198, 51, 100, 1, 203, 0, 113, 2]) +
               u32(443, 51234, 0x12, 0)),
        record(4, u32(1500, 17) + bytes(16) + bytes(15) + b"\1" +
               u32(53, 40000, 0, 0)),
        record(1001, u32(30, 1, 40, 2)),
        record(1002, u32(2) + bytes(15) + b"\1" + u32(48, 64)),
        record(1003, gateway),
    ], expanded=True)], agent6=True)

    # Raw IPv4 (protocol 11) ICMP, raw IPv6 (12) with hop-by-hop + ICMPv6.
    hbh = struct.pack("!BB", 58, 0) + bytes(6)
    s["flow-raw-ip"] = datagram([
        flow_sample([raw_header(ipv4(1, icmp()), proto=11)]),
        flow_sample([raw_header(ipv6(0, hbh + icmp(143, 0)), proto=12)]),
    ])

    # QinQ + MPLS, VXLAN around an inner frame, and a clipped header.
    mpls = u32(100 << 12, 200 << 12 | 0x100 | 64)
    vxlan = struct.pack("!BxxxI", 0x08, 4242 << 8) + eth(
        0x0800, ipv4(6, tcp(22, 60000, 0x02)))
    clipped = eth(0x0800, ipv4(6, tcp()))[:40]
    s["flow-encapsulations"] = datagram([
        flow_sample([raw_header(eth(0x8847, mpls + ipv4(17, udp(1, 2)),
                                    tags=((0x88A8, 100), (0x8100, 200))))]),
        flow_sample([raw_header(eth(0x0800, ipv4(17, udp(50000, 4789,
                                                         vxlan))))]),
        flow_sample([raw_header(clipped, frame_length=1500)]),
    ])

    # Counter samples: compact with generic/ethernet/processor, expanded
    # with VLAN and LAG.
    generic = (u32(3, 6) + u64(10**9) + u32(1, 3) + u64(123456789) +
               u32(1, 2, 3, 4, 5, 6) + u64(987654321) + u32(7, 8, 9, 10, 11, 0))
    lag = (pad(MAC[:6]) + pad(MAC[6:]) + u32(7) + bytes([1, 2, 3, 4]) +
           u32(1, 2, 3, 4, 5, 6, 7, 8))
    s["counters"] = datagram([
        counter_sample([record(1, generic), record(2, u32(*range(13))),
                        record(1001, u32(100, 200, 300) + u64(1 << 33) +
                               u64(1 << 32))]),
        counter_sample([record(5, u32(30) + u64(1 << 40) + u32(1, 2, 3, 4)),
                        record(7, lag)], expanded=True),
    ])

    # What must be skipped by length: an unknown enterprise sample, unknown
    # flow and counter records, and a known record with a wrong length.
    s["skip-unknown"] = datagram([
        u32(4413 << 12 | 7, 8) + u32(1, 2),
        flow_sample([record(7, u32(1, 2, 3), enterprise=4413),
                     record(1001, u32(1, 2, 3))]),
        counter_sample([record(2203, u32(1, 2), enterprise=0)]),
    ])

    # A discard sample (sflow_drops.txt): reason 1, a raw header and the
    # egress queue record (1036) that the decoder skips by length.
    body = (u32(11, 0, 3, 256, 3, 0x40000001, 1, 2) +
            raw_header(eth(0x0800, ipv4(17, udp(123, 123)))) +
            record(1036, u32(42)))
    s["discard"] = datagram([u32(5, len(body)) + body])

    # NetFlow v5 sent to the sFlow port: not version 5 by the 32-bit word.
    s["netflow-v5"] = struct.pack("!HHIIIIBBH", 5, 1, 1, 2, 3, 4, 0, 0, 0) + \
        bytes(48)
    return s


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(sys.argv[1], name + ".bin"), "wb") as fh:
            fh.write(data)
        print("%s: %d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
