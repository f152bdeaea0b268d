#!/usr/bin/python3
"""sflowgen.py - finderscope's own sFlow v5 generator (standard library only).

Builds sFlow v5 datagrams and the packets sampled inside them by hand, per
https://sflow.org/sflow_version_5.txt and sflow_drops.txt (see fsgen/).

  sflowgen.py synth OUT.pcap     every encoding the decoder must handle, plus
                                 OUT.{expected,counters,datagrams}.tsv in the
                                 format of shared/testdata/sflow/ORACLE.md (the
                                 ground truth) and OUT.cases.tsv (case names)
  sflowgen.py corpus DIR         one bare datagram per file (libFuzzer seeds)
  sflowgen.py demo OUT.pcap      the `make demo` scenario
  sflowgen.py send HOST PORT [--count N] [--rate R] [--scenario synth|demo]
                                 send datagrams over UDP to a loopback address

Run with Debian's /usr/bin/python3.  Output is deterministic.
"""
import argparse
import os
import socket
import sys
import time

sys.dont_write_bytecode = True      # tests must not write into the source tree

from fsgen import oracle, pcap, scenarios  # noqa: E402

# Capture timestamps: 2023-11-14 22:13:20 UTC, one frame every 10 ms.
TS_START_USEC = 1700000000 * 1000000
TS_STEP_USEC = 10000

# Source ports of the synthetic agents' sockets.
AGENT_PORTS = {(scenarios.AGENT_A, 0): 50000, (scenarios.AGENT_A, 1): 50000,
               (scenarios.AGENT_B, 7): 50007, (scenarios.DEMO_AGENT, 0): 6343}

MAX_SEND_COUNT = 1000000
MAX_SEND_RATE = 100000


def write_pcap(path, datagrams):
    """Write datagrams to path as agent -> collector UDP frames; return the
    oracle.Sent list describing each frame."""
    sent = []
    with pcap.Writer(path) as w:
        for n, dg in enumerate(datagrams, 1):
            sport = AGENT_PORTS.get((dg.agent, dg.sub_agent), 50000)
            frame = pcap.sflow_frame(dg.agent, dg.encode(), sport=sport,
                                     ident=n)
            w.write(frame, TS_START_USEC + (n - 1) * TS_STEP_USEC)
            sent.append(oracle.Sent(n, len(frame), dg.agent, sport,
                                    pcap.SFLOW_PORT, dg))
    return sent


def write_synth(path):
    """synth.pcap and its ground-truth TSVs next to it.

    Returns (paths of the TSVs by kind, the oracle.Sent list).
    """
    sent = write_pcap(path, scenarios.synth_datagrams())
    return oracle.write_all(path, sent), sent


def cmd_synth(args):
    paths, sent = write_synth(args.out)
    _, flows, ctrs, _, _ = oracle.tables(sent)
    print("%s: %d datagrams, %d flow samples, %d counter samples; truth in %s"
          % (args.out, len(sent), len(flows), len(ctrs),
             ", ".join(os.path.basename(p) for p in paths.values())))
    return 0


def cmd_corpus(args):
    os.makedirs(args.dir, exist_ok=True)
    items = scenarios.corpus_datagrams()
    for name, dg in items:
        with open(os.path.join(args.dir, name), "wb") as fh:
            fh.write(dg.encode())
    print("%s: %d datagrams" % (args.dir, len(items)))
    return 0


def cmd_demo(args):
    datagrams = scenarios.demo_datagrams()
    write_pcap(args.out, datagrams)
    n_flow = sum(1 for dg in datagrams for s in dg.samples
                 if s.sample_type in (1, 3))
    n_ctr = sum(1 for dg in datagrams for s in dg.samples
                if s.sample_type in (2, 4))
    print("%s: %d datagrams from agent %s, %d flow samples (1 in %d: %s), "
          "%d counter sample" % (args.out, len(datagrams),
                                 scenarios.DEMO_AGENT, n_flow,
                                 scenarios.DEMO_RATE,
                                 scenarios.describe_addresses(), n_ctr))
    return 0


def _loopback_target(host, port):
    """Resolve host; refuse anything that is not a loopback address."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except socket.gaierror as e:
        raise SystemExit("sflowgen: %s: %s" % (host, e))
    for family, _, _, _, addr in infos:
        if scenarios.is_loopback(addr[0]):
            return family, addr
    raise SystemExit("sflowgen: %s is not a loopback address; send only "
                     "talks to this machine" % host)


def cmd_send(args):
    make = {"synth": scenarios.synth_datagrams,
            "demo": scenarios.demo_datagrams}[args.scenario]
    if args.count is None:
        args.count = len(make())            # one round
    if not 0 < args.count <= MAX_SEND_COUNT:
        raise SystemExit("sflowgen: --count must be 1..%d" % MAX_SEND_COUNT)
    if not 0 < args.rate <= MAX_SEND_RATE:
        raise SystemExit("sflowgen: --rate must be above 0, at most %d"
                         % MAX_SEND_RATE)
    family, addr = _loopback_target(args.host, args.port)
    # One Sequencer for every round: sequence numbers keep increasing.
    seqr = scenarios.Sequencer(scenarios.SYNTH_FIRST_SEQ
                               if args.scenario == "synth" else None)
    interval = 1.0 / args.rate
    sent = 0
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        start = time.monotonic()
        while sent < args.count:
            for dg in make(seqr):
                if sent == args.count:
                    break
                # Pace against the start time so that sleeps do not drift.
                delay = start + sent * interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                sock.sendto(dg.encode(), addr)
                sent += 1
    print("sent %d datagrams to %s port %d" % (sent, addr[0], args.port))
    return 0


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="sflowgen.py",
        description="Generate sFlow v5 test datagrams for finderscope.")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="every encoding + ground-truth TSVs")
    p.add_argument("out", metavar="OUT.pcap")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("corpus", help="bare datagrams, one per file")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("demo", help="the `make demo` capture")
    p.add_argument("out", metavar="OUT.pcap")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("send", help="send datagrams over UDP (loopback only)")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int,
                   help="datagrams to send, repeating the scenario with "
                        "increasing sequence numbers (default: the "
                        "scenario once, max %d)" % MAX_SEND_COUNT)
    p.add_argument("--rate", type=float, default=1000.0,
                   help="datagrams per second (default: %%(default)s, max "
                        "%d)" % MAX_SEND_RATE)
    p.add_argument("--scenario", choices=("synth", "demo"), default="synth")
    p.set_defaults(func=cmd_send)
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
