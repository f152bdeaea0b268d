"""pcap - classic libpcap files of sFlow datagrams as an agent sends them.

File format: https://www.tcpdump.org/manpages/pcap-savefile.5.html
(magic 0xa1b2c3d4, version 2.4, microsecond timestamps, LINKTYPE_ETHERNET).
Each datagram travels in Ethernet / IPv4 or IPv6 (the agent address family) /
UDP to the collector port; IP and UDP checksums are correct.
"""
import ipaddress
import struct

from . import packet as pk

LINKTYPE_ETHERNET = 1
SFLOW_PORT = 6343
SNAPLEN = 65535

# The collector the synthetic agents send to (RFC 5737 / RFC 3849 ranges).
COLLECTOR_V4 = "192.0.2.250"
COLLECTOR_V6 = "2001:db8::250"
AGENT_MAC = "02:00:00:00:00:01"
COLLECTOR_MAC = "02:00:00:00:00:fe"


def udp_frame(src, dst, sport, dport, payload, src_mac=AGENT_MAC,
              dst_mac=COLLECTOR_MAC, ident=1):
    """An Ethernet frame carrying payload in UDP over IPv4 or IPv6."""
    seg = pk.udp(sport, dport, payload)
    if ipaddress.ip_address(src).version == 4:
        ip = pk.ipv4(src, dst, seg, ttl=64, ident=ident & 0xFFFF, df=True)
    else:
        ip = pk.ipv6(src, dst, seg, hlim=64)
    return pk.ethernet(dst_mac, src_mac, ip).data


def sflow_frame(agent, payload, sport=50000, ident=1):
    """The frame that carries one datagram from agent to the collector.

    The IP source is the agent address (as in most captures).
    """
    v4 = ipaddress.ip_address(agent).version == 4
    return udp_frame(agent, COLLECTOR_V4 if v4 else COLLECTOR_V6, sport,
                     SFLOW_PORT, payload, ident=ident)


class Writer:
    """Write frames to a classic pcap file (use as a context manager)."""

    def __init__(self, path, linktype=LINKTYPE_ETHERNET):
        self._fh = open(path, "wb")
        self._fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0,
                                   SNAPLEN, linktype))

    def write(self, frame, ts_usec):
        """Append one frame, time-stamped ts_usec microseconds after 1970."""
        sec, usec = divmod(ts_usec, 1000000)
        self._fh.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
        self._fh.write(frame)

    def close(self):
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
