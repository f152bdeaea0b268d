"""acl_rules.py - the switch simulator's "compiler": checks of a PUT body as
acl_server makes them on arrival, the stricter checks cl-acltool makes when
it compiles a batch, and the parsed rules the data plane matches packets
with.  Pure functions, no sockets (standard library only).

The grammar accepted is the part of iptables/ip6tables that Cumulus ACLs
use for mirroring, one rule per line, tokens separated by white space:

  -A CHAIN [!] -s ADDR[/LEN] [!] -d ADDR[/LEN] -p PROTO --sport P --dport P
     -i IFACE -o IFACE -m MODULE -j TARGET [target options]

with TARGET one of ACCEPT, DROP, LOG, ERSPAN (--src-ip A --dst-ip A
[--ttl N] [--dscp N], IPv4 addresses: Cumulus cannot send ERSPAN to
IPv6), SPAN (--dport IFACE), POLICE (--set-mode, --set-rate,
--set-burst), SETCLASS (--class).  Anything else is a compile error, as
it is on the switch, so a client that renders a bad line learns it
through lasterror and never sees it installed.
"""
import ipaddress
import re

NAME_RE = re.compile(r"^[a-z0-9_]+$")
RESERVED = "lasterror"
NAME_MAX = 128            # characters of an ACL name
LINES_MAX = 256           # lines of one ACL, section markers included
LINE_MAX = 1024           # characters of one line
SECTIONS = {"[iptables]": 4, "[ip6tables]": 6}
CHAINS = ("INPUT", "FORWARD", "OUTPUT")
IFACE_RE = re.compile(r"^!?[A-Za-z0-9_.:+-]{1,15}$")
PROTOS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58,
          "all": 0}
MODULES = ("tcp", "udp", "icmp", "icmp6")
TARGET_OPTS = {
    "ACCEPT": (), "DROP": (), "LOG": (),
    "ERSPAN": ("--src-ip", "--dst-ip", "--ttl", "--dscp"),
    "SPAN": ("--dport",),
    "POLICE": ("--set-mode", "--set-rate", "--set-burst", "--set-class"),
    "SETCLASS": ("--class",),
}
ALIASES = {"--source": "-s", "--destination": "-d", "--protocol": "-p",
           "--in-interface": "-i", "--out-interface": "-o",
           "--source-port": "--sport", "--destination-port": "--dport",
           "--jump": "-j", "--match": "-m"}
NEGATABLE = ("-s", "-d", "-p", "-i", "-o", "--sport", "--dport")


class RuleError(Exception):
    """A line the compiler rejects; str() is the message."""


def name_error(name):
    """Why name cannot be an ACL name, or None."""
    if not name:
        return "empty ACL name"
    if len(name) > NAME_MAX:
        return "ACL name longer than %d characters" % NAME_MAX
    if not NAME_RE.match(name):
        return "ACL name must match ^[a-z0-9_]+$"
    if name == RESERVED:
        return "'lasterror' is reserved"
    return None


def body_error(body):
    """Why a decoded PUT body is refused on arrival (400), or None.

    The arrival check is shallow, as acl_server's: a JSON array of
    strings, a section marker first, then lines that start with "-A" or
    are section markers, no control characters.  Everything else waits
    for the compile.
    """
    if not isinstance(body, list):
        return "body must be a JSON array of strings"
    if not body:
        return "body must not be empty"
    if len(body) > LINES_MAX:
        return "more than %d lines" % LINES_MAX
    for i, line in enumerate(body):
        if not isinstance(line, str):
            return "element %d is not a string" % i
        if len(line) > LINE_MAX:
            return "line %d is longer than %d characters" % (i, LINE_MAX)
        if any(ord(c) < 0x20 or ord(c) == 0x7f for c in line):
            return "line %d holds a control character" % i
    if body[0] not in SECTIONS:
        return "the first element must be a section marker " \
               "(\"[iptables]\" or \"[ip6tables]\")"
    for i, line in enumerate(body):
        if line in SECTIONS:
            continue
        if line.startswith("["):
            return "line %d: unknown section %r" % (i, line)
        if not line.startswith("-A "):
            return "line %d does not start with -A" % i
    return None


class Rule:
    """One compiled rule line: what the data plane matches and mirrors."""

    __slots__ = ("family", "chain", "src", "dst", "src_neg", "dst_neg",
                 "proto", "proto_neg", "sport", "dport", "target", "opts",
                 "line")

    def __init__(self, family, line):
        self.family = family
        self.line = line
        self.chain = None
        self.src = self.dst = None
        self.src_neg = self.dst_neg = self.proto_neg = False
        self.proto = None
        self.sport = self.dport = None
        self.target = None
        self.opts = {}

    def matches(self, pkt):
        """pkt: a dict with version, src, dst (ip_address), proto, sport,
        dport (None when not TCP/UDP or a later fragment)."""
        if pkt["version"] != self.family:
            return False
        if self.src is not None and \
                (pkt["src"] in self.src) == self.src_neg:
            return False
        if self.dst is not None and \
                (pkt["dst"] in self.dst) == self.dst_neg:
            return False
        if self.proto is not None and self.proto != 0 and \
                (pkt["proto"] == self.proto) == self.proto_neg:
            return False
        for want, got in ((self.sport, pkt["sport"]),
                          (self.dport, pkt["dport"])):
            if want is not None:
                lo, hi, neg = want
                if got is None or (lo <= got <= hi) == neg:
                    return False
        return True


def _network(text, family, what):
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise RuleError("invalid %s address %r" % (what, text))
    if net.version != family:
        raise RuleError("%s address %r is not IPv%d" % (what, text, family))
    return net


def _ipv4(text, what):
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        raise RuleError("%s %r is not an IPv4 address" % (what, text))


def _number(text, lo, hi, what):
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise RuleError("%s %r is not a number in %d..%d" % (what, text,
                                                             lo, hi))
    return int(text)


def _ports(text, what):
    lo, sep, hi = text.partition(":")
    a = _number(lo, 0, 65535, what)
    b = _number(hi, 0, 65535, what) if sep else a
    if a > b:
        raise RuleError("%s range %r is backwards" % (what, text))
    return a, b


def compile_line(line, family):
    """Parse one rule line of a section of family 4 or 6; a Rule, or
    raise RuleError."""
    tokens = line.split()
    if len(tokens) < 2 or tokens[0] != "-A":
        raise RuleError("a rule starts with -A CHAIN")
    r = Rule(family, line)
    if tokens[1] not in CHAINS:
        raise RuleError("unknown chain %r" % tokens[1])
    r.chain = tokens[1]
    seen = set()
    i, neg = 2, False
    while i < len(tokens):
        opt = tokens[i]
        if opt == "!":
            if neg:
                raise RuleError("double negation")
            neg = True
            i += 1
            continue
        opt = ALIASES.get(opt, opt)
        if r.target is not None:
            if opt not in TARGET_OPTS[r.target]:
                raise RuleError("unknown option %r for target %s" %
                                (tokens[i], r.target))
        elif opt not in ("-s", "-d", "-p", "-i", "-o", "--sport", "--dport",
                         "-m", "-j"):
            raise RuleError("unknown option %r" % tokens[i])
        if i + 1 >= len(tokens):
            raise RuleError("option %r needs a value" % tokens[i])
        if neg and (r.target is not None or opt not in NEGATABLE):
            raise RuleError("%r cannot be negated" % tokens[i])
        val = tokens[i + 1]
        key = (r.target is not None, opt)
        if key in seen and opt != "-m":
            raise RuleError("option %r given twice" % tokens[i])
        seen.add(key)
        if r.target is not None:
            _target_option(r, opt, val)
        elif opt == "-s":
            r.src, r.src_neg = _network(val, family, "source"), neg
        elif opt == "-d":
            r.dst, r.dst_neg = _network(val, family, "destination"), neg
        elif opt == "-p":
            p = PROTOS.get(val.lower())
            r.proto = p if p is not None else _number(val, 0, 255,
                                                      "protocol")
            r.proto_neg = neg
        elif opt in ("-i", "-o"):
            if not IFACE_RE.match(val):
                raise RuleError("invalid interface %r" % val)
        elif opt in ("--sport", "--dport"):
            if r.proto not in (6, 17) or r.proto_neg:
                raise RuleError("%s needs -p tcp or -p udp before it" % opt)
            lo, hi = _ports(val, opt)
            setattr(r, opt[2:], (lo, hi, neg))
        elif opt == "-m":
            if val not in MODULES:
                raise RuleError("unknown match module %r" % val)
        elif opt == "-j":
            if val not in TARGET_OPTS:
                raise RuleError("unknown target %r" % val)
            r.target = val
        neg = False
        i += 2
    if neg:
        raise RuleError("'!' at the end of the line")
    if r.target is None:
        raise RuleError("no target (-j)")
    if r.target == "ERSPAN" and not ("--src-ip" in r.opts and
                                     "--dst-ip" in r.opts):
        raise RuleError("ERSPAN needs --src-ip and --dst-ip")
    if r.target == "SPAN" and "--dport" not in r.opts:
        raise RuleError("SPAN needs --dport")
    return r


def _target_option(r, opt, val):
    if opt in ("--src-ip", "--dst-ip"):
        r.opts[opt] = _ipv4(val, opt)
    elif opt == "--ttl":
        r.opts[opt] = _number(val, 1, 255, "--ttl")
    elif opt == "--dscp":
        r.opts[opt] = _number(val, 0, 63, "--dscp")
    elif opt == "--dport":
        if not IFACE_RE.match(val) or val.startswith("!"):
            raise RuleError("invalid interface %r" % val)
        r.opts[opt] = val
    else:
        r.opts[opt] = val


def compile_acl(name, lines):
    """Compile one ACL: (rules, errors) where errors is a list of
    cl-acltool style messages (empty on success)."""
    rules, errors = [], []
    family = None
    for n, line in enumerate(lines, 1):
        if line in SECTIONS:
            family = SECTIONS[line]
            continue
        if family is None:
            errors.append("error: %s line %d: rule before any section" %
                          (name, n))
            continue
        try:
            rules.append(compile_line(line, family))
        except RuleError as e:
            errors.append("error: %s line %d: %s: %s" % (name, n, e, line))
    return rules, errors
