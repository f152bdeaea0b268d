#!/usr/bin/python3
"""l7_unescape.py - the exact payload of each direction of a session.L7.

session.L7 (the receiver's "Follow TCP stream" transcript; its format is
documented in capture/cap_session_files.h) is made of runs:

    ==> CLIENT:PORT -> SERVER:PORT offset N length M     (or "<== ...")
    M escaped bytes: printable ASCII as is, "\\\\", "\\n" + a real LF,
    "\\r", "\\t", "\\xHH"
    one LF ending the run

and gap lines ("... gap of N bytes in A->B").  This tool undoes that:
it reads each run by its length (so a payload line that happens to look
like a header is still payload), checks that each run starts where the
direction's bytes so far end, and that every escape and every LF is where
the format puts it.  How the bytes are split into runs does not matter.

    l7_unescape.py FILE.L7 OUT0 OUT1   client->server bytes to OUT0,
                                       server->client bytes to OUT1
    l7_unescape.py --hex FILE.L7       print "client_to_server HEX" and
                                       "server_to_client HEX" lines
    l7_unescape.py --gaps FILE.L7      also print "gap DIR BYTES" lines
                                       (with --hex)

Exit status 0, or 1 with "l7_unescape: FILE:LINE: why" on stderr when the
file does not follow the format.
"""

import re
import sys

HEADER = re.compile(rb"^(==>|<==) (\S+) -> (\S+) offset (\d+) length (\d+)$")
GAP = re.compile(rb"^\.\.\. gap of (\d+) bytes in (\S+)->(\S+)$")
HEX = b"0123456789abcdefABCDEF"


class L7Error(Exception):
    pass


class Reader:
    """The transcript's bytes, with the line number for messages."""

    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.line = 1

    def at_end(self):
        return self.pos >= len(self.data)

    def take(self):
        if self.pos >= len(self.data):
            raise L7Error("the file ends inside a run")
        b = self.data[self.pos]
        self.pos += 1
        if b == 0x0A:
            self.line += 1
        return b

    def read_line(self):
        end = self.data.find(b"\n", self.pos)
        if end == -1:
            raise L7Error("the last line has no LF")
        text = self.data[self.pos:end]
        self.pos = end + 1
        self.line += 1
        return text


def read_run(r, length):
    """length bytes of escaped payload, then the LF ending the run."""
    out = bytearray()
    while len(out) < length:
        b = r.take()
        if b == 0x5C:                       # backslash
            e = r.take()
            if e == 0x5C:
                out.append(0x5C)
            elif e == ord("n"):
                out.append(0x0A)
                if r.take() != 0x0A:
                    raise L7Error("\\n not followed by a line feed")
            elif e == ord("r"):
                out.append(0x0D)
            elif e == ord("t"):
                out.append(0x09)
            elif e == ord("x"):
                h = bytes([r.take(), r.take()])
                if h[0] not in HEX or h[1] not in HEX:
                    raise L7Error("bad \\x escape %r" % h)
                out.append(int(h, 16))
            else:
                raise L7Error("unknown escape \\%c" % e)
        elif 0x20 <= b <= 0x7E:
            out.append(b)
        else:
            raise L7Error("byte 0x%02x written unescaped" % b)
    if r.take() != 0x0A:
        raise L7Error("the run is longer than its length")
    return bytes(out)


def host(endpoint):
    """The address of "addr:port" or "[addr]:port"."""
    a = endpoint.rsplit(b":", 1)[0]
    return a[1:-1] if a.startswith(b"[") else a


def parse(data):
    """([client->server bytes, server->client bytes], [(dir, gap bytes)])

    A gap's direction is 0 when it names the client first, 1 when the
    server, None when no run said which address is the client's."""
    r = Reader(data)
    streams = [bytearray(), bytearray()]
    gaps = []
    client = None
    try:
        while not r.at_end():
            line = r.read_line()
            m = HEADER.match(line)
            if m:
                d = 0 if m.group(1) == b"==>" else 1
                c = host(m.group(2) if d == 0 else m.group(3))
                if client is not None and c != client:
                    raise L7Error("the client is %r, not %r" % (client, c))
                client = c
                offset, length = int(m.group(4)), int(m.group(5))
                if offset != len(streams[d]):
                    raise L7Error("offset %d, but %d bytes came before" %
                                  (offset, len(streams[d])))
                if length == 0:
                    raise L7Error("a run of no bytes")
                streams[d] += read_run(r, length)
                continue
            m = GAP.match(line)
            if m:
                gaps.append((m.group(2), int(m.group(1))))
                continue
            raise L7Error("neither a run header nor a gap: %r" % line[:80])
    except L7Error as e:
        raise L7Error("%d: %s" % (r.line, e))
    named = [(None if client is None else 0 if src == client else 1, n)
             for src, n in gaps]
    return [bytes(s) for s in streams], named


def main(argv):
    args = argv[1:]
    hexmode = gapmode = False
    while args and args[0].startswith("--"):
        if args[0] == "--hex":
            hexmode = True
        elif args[0] == "--gaps":
            gapmode = True
        else:
            sys.stderr.write(__doc__)
            return 2
        args = args[1:]
    if (hexmode and len(args) != 1) or (not hexmode and len(args) != 3):
        sys.stderr.write(__doc__)
        return 2
    path = args[0]
    with open(path, "rb") as f:
        data = f.read()
    try:
        streams, gaps = parse(data)
    except L7Error as e:
        sys.stderr.write("l7_unescape: %s:%s\n" % (path, e))
        return 1
    if hexmode:
        print("client_to_server " + streams[0].hex())
        print("server_to_client " + streams[1].hex())
        if gapmode:
            for d, n in gaps:
                print("gap %s %d" % ("?" if d is None else d, n))
        return 0
    for d in (0, 1):
        with open(args[1 + d], "wb") as f:
            f.write(streams[d])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
