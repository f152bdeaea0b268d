"""loop.py - the whole-loop scenario of `make demo` (scripts/demo.py): one
HTTP session from a local host to an address on the demo's watch list,
as the frames a switch forwards, and the sFlow datagrams in which the
switch samples some of those very frames.

The session (10.1.2.3:51514 -> 203.0.113.66:80): handshake, a request
whose line carries the key "malware" split across two segments, a
response of three segments, and the FIN exchange with its last ACK.
Sequence numbers, checksums and lengths are real, so Wireshark follows
the stream and the receiver reassembles it.

The sFlow side: agent 192.0.2.10 samples 1 in 100; the datagrams carry the
SYN, the first request segment and a response segment as sampled headers
(128 bytes), each with the switch's ports.
"""
from . import packet as pk
from . import sflow as sf
from .scenarios import HOST_MAC, ROUTER_MAC, Sequencer, datagram, eth, flow

AGENT = "192.0.2.10"
LOCAL = "10.1.2.3"
REMOTE = "203.0.113.66"
SPORT, DPORT = 51514, 80
HOST_PORT, UPLINK = 12, 48
RATE = 100
HEADER_BYTES = 128
KEY = b"malware"

REQUEST = (b"GET /download/malware.exe HTTP/1.1\r\n"
           b"Host: evil.example\r\n"
           b"User-Agent: demo/1.0\r\n\r\n")
# The first segment ends inside the key: "GET /download/mal" | "ware.exe ..."
REQUEST_SPLIT = REQUEST.index(KEY) + 3
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: 2400\r\n\r\n" + pk.fill(2400))
RESPONSE_SEGMENT = 1000

SYN, ACK, PSH, FIN = pk.SYN, pk.ACK, pk.PSH, pk.FIN


def _frame(outbound, flags, seq, ack, payload=b""):
    src, dst = (LOCAL, REMOTE) if outbound else (REMOTE, LOCAL)
    sport, dport = (SPORT, DPORT) if outbound else (DPORT, SPORT)
    seg = pk.tcp(sport, dport, flags, seq=seq & 0xFFFFFFFF,
                 ack=ack & 0xFFFFFFFF, window=64240, payload=payload)
    ip = pk.ipv4(src, dst, seg, ttl=64 if outbound else 52, df=True)
    if outbound:
        return eth(ip, src=HOST_MAC, dst=ROUTER_MAC)
    return eth(ip, src=ROUTER_MAC, dst=HOST_MAC)


def session_frames():
    """[(outbound, frame bytes)] of the session, in wire order."""
    c, s = 0x3A6C1000, 0x9F02B000      # initial sequence numbers
    out = [(True, _frame(True, SYN, c, 0)),
           (False, _frame(False, SYN | ACK, s, c + 1))]
    c += 1
    s += 1
    out.append((True, _frame(True, ACK, c, s)))
    for part in (REQUEST[:REQUEST_SPLIT], REQUEST[REQUEST_SPLIT:]):
        out.append((True, _frame(True, PSH | ACK, c, s, part)))
        c += len(part)
    out.append((False, _frame(False, ACK, s, c)))
    for i in range(0, len(RESPONSE), RESPONSE_SEGMENT):
        part = RESPONSE[i:i + RESPONSE_SEGMENT]
        out.append((False, _frame(False, PSH | ACK, s, c, part)))
        s += len(part)
        out.append((True, _frame(True, ACK, c, s)))
    out.append((True, _frame(True, FIN | ACK, c, s)))
    out.append((False, _frame(False, FIN | ACK, s, c + 1)))
    out.append((True, _frame(True, ACK, c + 1, s + 1)))
    return [(o, f.data) for o, f in out]


def _sample(outbound, frame):
    inp, outp = (HOST_PORT, UPLINK) if outbound else (UPLINK, HOST_PORT)
    return flow([sf.sample_packet(pk.Pkt(frame), snap=HEADER_BYTES),
                 sf.ExtSwitch(10, 0, 10, 0)],
                in_if=sf.ifindex(inp), out_if=sf.ifindex(outp), rate=RATE)


def datagrams():
    """Two sFlow datagrams sampling the session (bytes each)."""
    frames = session_frames()
    seqr = Sequencer()
    picked = [frames[0], frames[3], frames[6]]   # SYN, request, response
    first = datagram(seqr, AGENT, 0, [_sample(*picked[0])])
    second = datagram(seqr, AGENT, 0, [_sample(*f) for f in picked[1:]])
    return [first.encode(), second.encode()]
