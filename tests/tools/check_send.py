#!/usr/bin/python3
"""check_send.py - `sflowgen.py send` delivers the synth datagrams over UDP.

Binds a UDP socket on 127.0.0.1, runs `sflowgen.py send` for one round and a
bit, and checks that:
  - the first round is byte for byte the synth datagrams, in order;
  - the second round continues each agent's datagram sequence numbers;
  - sending to an address that is not loopback is refused.
Prints "N passed, N failed"; exits 1 on any failure.
"""
import os
import socket
import struct
import subprocess
import sys

sys.dont_write_bytecode = True      # tests must not write into the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fsgen import scenarios  # noqa: E402

SFLOWGEN = os.path.join(HERE, "sflowgen.py")
EXTRA = 3                   # datagrams of the second round
TIMEOUT = 10.0


def sflowgen(*args):
    return subprocess.run([sys.executable, SFLOWGEN] + list(args),
                          capture_output=True, text=True, timeout=60)


def receive(sock, n):
    got = []
    sock.settimeout(TIMEOUT)
    try:
        while len(got) < n:
            got.append(sock.recv(65535))
    except socket.timeout:
        pass
    return got


def seq_of(payload):
    """Datagram sequence number of an IPv4- or IPv6-agent datagram."""
    (addr_type,) = struct.unpack_from("!I", payload, 4)
    off = 8 + (4 if addr_type == 1 else 16) + 4
    return struct.unpack_from("!I", payload, off)[0]


def main():
    results = []

    def check(ok, what):
        results.append(ok)
        if not ok:
            print("FAIL " + what)

    synth = [dg.encode() for dg in scenarios.synth_datagrams()]
    total = len(synth) + EXTRA
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        proc = sflowgen("send", "127.0.0.1", str(port), "--count", str(total),
                        "--rate", "2000")
        check(proc.returncode == 0, "send exited %d: %s"
              % (proc.returncode, proc.stderr.strip()))
        got = receive(sock, total)

    check(len(got) == total, "received %d of %d datagrams" % (len(got), total))
    check(got[:len(synth)] == synth,
          "the first round differs from the synth datagrams")
    # The second round starts like the first, one agent datagram later.
    for i in range(min(EXTRA, max(0, len(got) - len(synth)))):
        again, first = got[len(synth) + i], synth[i]
        agent = scenarios.SYNTH_LAYOUT[i][:2]
        per_round = sum(1 for a, s, _ in scenarios.SYNTH_LAYOUT
                        if (a, s) == agent)
        check(seq_of(again) == seq_of(first) + per_round,
              "round 2 datagram %d: sequence %d, expected %d"
              % (i + 1, seq_of(again), seq_of(first) + per_round))

    refused = sflowgen("send", "192.0.2.1", "6343", "--count", "1")
    check(refused.returncode != 0 and "loopback" in refused.stderr,
          "sending to 192.0.2.1 was not refused")

    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
