#!/usr/bin/env python3
"""Differential test of the blacklists' longest-prefix match (bl_lpm).

Generates random IPv4 and IPv6 prefixes (every length, nested, duplicated
with new values, written with host bits set) and addresses (inside random
prefixes, at their edges, and anywhere), computes the expected longest match
of each address with Python's ipaddress module, runs lpm_driver over the same
files and compares answer by answer.

The reference is deliberately simple and shares nothing with the C code:
ipaddress parses every prefix (strict=False clears host bits) and every
address; a dict keyed by (prefix length, network address) keeps the last
value given for each prefix; an address's answer is the entry found at the
longest length, trying each length that occurs, longest first.

Prints "N passed, M failed" and exits 0 only when nothing failed.  With
--corrupt, one expected answer is changed on purpose, so the run must report
exactly one failure (the test of the test).

Python 3 standard library only.
"""

import argparse
import ipaddress
import os
import random
import subprocess
import sys
import tempfile

VALUE_MAX = 0x7FFFFFFE  # BL_LPM_VALUE_MAX


def random_prefixes(rng, bits, n, lengths):
    """n (network int, plen, value, text) with nesting and duplicates."""
    out = []
    for i in range(n):
        r = rng.random()
        if out and r < 0.35:
            # Nested: below an earlier prefix, longer.
            base, blen, _, _ = out[rng.randrange(len(out))]
            plen = rng.randint(blen, bits)
            host = rng.getrandbits(bits - blen) if bits > blen else 0
            addr = base | host
        elif out and r < 0.38:
            # A duplicate of an earlier prefix with a new value.
            addr, plen, _, _ = out[rng.randrange(len(out))]
        else:
            plen = rng.choice(lengths)
            addr = rng.getrandbits(bits)
        value = rng.randint(0, VALUE_MAX) if rng.random() < 0.5 else i
        net = ipaddress.ip_network((addr, plen), strict=False)
        # Sometimes write the prefix with its host bits set.
        shown = addr if rng.random() < 0.3 else int(net.network_address)
        if bits == 32:
            text = "%s/%d" % (ipaddress.IPv4Address(shown), plen)
        else:
            text = "%s/%d" % (ipaddress.IPv6Address(shown), plen)
        out.append((int(net.network_address), plen, value, text))
    return out


def random_addresses(rng, bits, prefixes, n):
    """Addresses inside random prefixes, at their edges, and anywhere."""
    top = (1 << bits) - 1
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.2:
            a = rng.getrandbits(bits)
        else:
            net, plen, _, _ = prefixes[rng.randrange(len(prefixes))]
            size = 1 << (bits - plen)
            if r < 0.6:
                a = net + rng.randrange(size)
            elif r < 0.7:
                a = net
            elif r < 0.8:
                a = net + size - 1
            elif r < 0.9:
                a = net + size
            else:
                a = net - 1
            a &= top  # one past the last address wraps to 0
        out.append(a)
    return out


class Reference:
    """Longest match by ipaddress-parsed prefixes and a dict per length."""

    def __init__(self, lines):
        self.table = {}
        for text, value in lines:
            net = ipaddress.ip_network(text, strict=False)
            # Later duplicates replace earlier ones.
            self.table[(net.prefixlen, int(net.network_address))] = value
        self.lengths = sorted({plen for plen, _ in self.table},
                              reverse=True)

    def lookup(self, address, bits):
        a = int(address)
        for plen in self.lengths:
            mask = ((1 << plen) - 1) << (bits - plen)
            v = self.table.get((plen, a & mask))
            if v is not None:
                return v
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--driver", required=True, help="lpm_driver executable")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--v4", type=int, default=140000, help="IPv4 prefixes")
    ap.add_argument("--v6", type=int, default=20000, help="IPv6 prefixes")
    ap.add_argument("--addresses", type=int, default=100000,
                    help="IPv4 addresses (and half as many IPv6)")
    ap.add_argument("--corrupt", action="store_true",
                    help="change one expected answer: must fail once")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    v4_lengths = list(range(0, 33)) + list(range(16, 25)) * 3
    v6_lengths = list(range(0, 129)) + [32, 48, 48, 64, 64, 128] * 10
    p4 = random_prefixes(rng, 32, args.v4, v4_lengths)
    p6 = random_prefixes(rng, 128, args.v6, v6_lengths)
    a4 = random_addresses(rng, 32, p4, args.addresses)
    a6 = random_addresses(rng, 128, p6, args.addresses // 2)

    # Interleave the families in both files, to show that the order of
    # prefixes only matters within a family.
    plines = [(t, v) for _, _, v, t in p4] + [(t, v) for _, _, v, t in p6]
    rng.shuffle(plines)
    addresses = ([ipaddress.IPv4Address(a) for a in a4] +
                 [ipaddress.IPv6Address(a) for a in a6])
    rng.shuffle(addresses)

    ref4 = Reference([(t, v) for t, v in plines if ":" not in t])
    ref6 = Reference([(t, v) for t, v in plines if ":" in t])
    expected = []
    for a in addresses:
        if a.version == 4:
            v = ref4.lookup(a, 32)
        else:
            v = ref6.lookup(a, 128)
        expected.append("none" if v is None else str(v))
    if args.corrupt:
        i = rng.randrange(len(expected))
        expected[i] = "0" if expected[i] != "0" else "1"

    # The reference's own mask arithmetic, on a sample, against networks
    # that ipaddress computes from the address at every length.
    for a in rng.sample(addresses, min(2000, len(addresses))):
        ref = ref4 if a.version == 4 else ref6
        want = None
        for plen in range(a.max_prefixlen, -1, -1):
            net = ipaddress.ip_network((a, plen), strict=False)
            assert a in net
            v = ref.table.get((plen, int(net.network_address)))
            if v is not None:
                want = v
                break
        if ref.lookup(a, a.max_prefixlen) != want:
            print("the reference disagrees with itself at %s" % a)
            return 1

    with tempfile.TemporaryDirectory(prefix="lpm_reference.") as tmp:
        pfile = os.path.join(tmp, "prefixes.txt")
        afile = os.path.join(tmp, "addresses.txt")
        with open(pfile, "w") as f:
            for t, v in plines:
                f.write("%s %d\n" % (t, v))
        with open(afile, "w") as f:
            for a in addresses:
                f.write("%s\n" % a)
        proc = subprocess.run([args.driver, pfile, afile],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        print("lpm_driver exited with %d" % proc.returncode)
        return 1
    got = proc.stdout.split("\n")
    if got and got[-1] == "":
        got.pop()
    if len(got) != len(expected):
        print("lpm_driver printed %d answers for %d addresses"
              % (len(got), len(expected)))
        return 1

    failed = 0
    for a, g, e in zip(addresses, got, expected):
        if g != e:
            failed += 1
            if failed <= 10:
                print("FAIL %s: got %s, expected %s" % (a, g, e))
    print("prefixes: %d IPv4 (%d distinct), %d IPv6 (%d distinct); "
          "addresses: %d IPv4, %d IPv6"
          % (len(p4), len(ref4.table), len(p6), len(ref6.table),
             len(a4), len(a6)))
    print("%d passed, %d failed" % (len(expected) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
