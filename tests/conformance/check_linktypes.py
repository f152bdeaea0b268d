#!/usr/bin/env python3
"""check_linktypes.py - finderscope sflow reads every link type it claims.

    check_linktypes.py --bin FINDERSCOPE --workdir DIR CAPTURE.pcap...

Each Ethernet capture is rewritten, frame by frame, into the other link
types `finderscope sflow` reads: Linux cooked v1 (DLT_LINUX_SLL, 113),
Linux cooked v2 (DLT_LINUX_SLL2, 276), raw IP (DLT_RAW, 101) and BSD
loopback (DLT_NULL, 0), and is also fed through standard input ("-"), written in the other byte
order and with nanosecond timestamps, and converted to pcapng.
Every variant must print exactly the same sample lines as the original:
only the link header differs, so any difference is a reader bug.
"""
import argparse
import os
import struct
import subprocess
import sys

import fs_conformance

LINKTYPE_ETHERNET = 1


def read_pcap(path):
    with open(path, "rb") as fh:
        data = fh.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise ValueError("%s: not a classic pcap file" % path)
    linktype = struct.unpack(e + "I", data[20:24])[0]
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        frames.append((sec, usec, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return linktype, frames


def write_pcap(path, linktype, frames, order="<", nsec=False):
    """A classic pcap file; order "<" little-endian or ">" big-endian."""
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    with open(path, "wb") as fh:
        fh.write(struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144,
                             linktype))
        for sec, usec, pkt, orig in frames:
            fh.write(struct.pack(order + "IIII", sec,
                                 usec * 1000 if nsec else usec, len(pkt),
                                 orig))
            fh.write(pkt)


def ethernet_payload(pkt):
    """(EtherType, payload) after the MAC addresses and any VLAN tags."""
    off, ethertype = 12, struct.unpack("!H", pkt[12:14])[0]
    off += 2
    while ethertype in (0x8100, 0x88A8) and len(pkt) >= off + 4:
        ethertype = struct.unpack("!H", pkt[off + 2:off + 4])[0]
        off += 4
    return ethertype, pkt[off:]


def to_sll(pkt):
    ethertype, payload = ethernet_payload(pkt)
    # packet type 0 (to us), ARPHRD_ETHER, address length 6, address, proto
    return struct.pack("!HHH8sH", 0, 1, 6, pkt[6:12] + b"\0\0",
                       ethertype) + payload


def to_sll2(pkt):
    ethertype, payload = ethernet_payload(pkt)
    # protocol, reserved, ifindex, ARPHRD_ETHER, packet type, addr len, addr
    return struct.pack("!HHIHBB8s", ethertype, 0, 1, 1, 0, 6,
                       pkt[6:12] + b"\0\0") + payload


def to_raw(pkt):
    return ethernet_payload(pkt)[1]


def to_null(pkt):
    ethertype, payload = ethernet_payload(pkt)
    family = 2 if ethertype == 0x0800 else 30   # AF_INET, AF_INET6 (BSD)
    return struct.pack("<I", family) + payload


VARIANTS = {
    "sll": (113, to_sll),
    "sll2": (276, to_sll2),
    "raw": (101, to_raw),
    "null": (0, to_null),
}


def samples(out):
    return [line for line in (out or "").splitlines()
            if '"kind":"totals"' not in line]


def same_lines(tally, what, want, got):
    """One check: the same sample lines; on failure, the first difference."""
    if want == got:
        tally.ok()
        return
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            tally.fail("%s: line %d differs:\n    want %.300s\n    got  %.300s"
                       % (what, i + 1, w, g))
            return
    tally.fail("%s: %d sample lines, expected %d" % (what, len(got),
                                                     len(want)))


def check_capture(a, capture, tally):
    name = os.path.basename(capture)
    linktype, frames = read_pcap(capture)
    tally.equal("%s link type" % name, LINKTYPE_ETHERNET, linktype)
    want = samples(fs_conformance.run_finderscope(
        a.bin, ["sflow", "--json", capture], tally))
    tally.check(len(want) > 0, "%s: no sample lines to compare" % name)
    for variant, (dlt, convert) in sorted(VARIANTS.items()):
        path = os.path.join(a.workdir, "%s.%s.pcap" % (name, variant))
        write_pcap(path, dlt, [(s, u, convert(p), o - len(p) +
                                len(convert(p))) for s, u, p, o in frames])
        got = samples(fs_conformance.run_finderscope(
            a.bin, ["sflow", "--json", path], tally))
        same_lines(tally, "%s as %s" % (name, variant), want, got)
    with open(capture, "rb") as fh:
        got = samples(fs_conformance.run_finderscope(
            a.bin, ["sflow", "--json", "-"], tally, stdin=fh))
    same_lines(tally, "%s from standard input" % name, want, got)
    # The file formats: classic pcap in both byte orders and with
    # nanosecond timestamps (read in place), and pcapng (through libpcap).
    for variant, order, nsec in (("big-endian", ">", False),
                                 ("nanosecond", "<", True)):
        path = os.path.join(a.workdir, "%s.%s.pcap" % (name, variant))
        write_pcap(path, LINKTYPE_ETHERNET, frames, order, nsec)
        got = samples(fs_conformance.run_finderscope(
            a.bin, ["sflow", "--json", path], tally))
        same_lines(tally, "%s as %s pcap" % (name, variant), want, got)
    if a.editcap:
        path = os.path.join(a.workdir, "%s.pcapng" % name)
        subprocess.run([a.editcap, "-F", "pcapng", capture, path],
                       check=True)
        got = samples(fs_conformance.run_finderscope(
            a.bin, ["sflow", "--json", path], tally))
        same_lines(tally, "%s as pcapng" % name, want, got)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--editcap", help="editcap, to make a pcapng copy")
    ap.add_argument("captures", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    tally = fs_conformance.Tally()
    for capture in a.captures:
        check_capture(a, capture, tally)
    return tally.finish()


if __name__ == "__main__":
    sys.exit(main())
