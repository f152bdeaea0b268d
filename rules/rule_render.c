/*
 * rule_render.c - a capture's two ERSPAN lines for the switch, rendered
 * from binary values only (see rules.h).
 *
 * Cumulus Linux ACL syntax (cl-acltool, which acl_server feeds): an
 * "[iptables]" or "[ip6tables]" section, then iptables rule lines; the
 * ERSPAN target takes --src-ip (the switch) and --dst-ip (the receiver,
 * IPv4 only) and optionally --ttl.  Both directions of a pair are
 * mirrored, so there are two lines.
 *
 * Nothing here copies text it did not make, except the interface
 * pattern, which is checked again against rule_ifname_ok().  The last
 * step checks every byte of the output against the alphabet rule text
 * needs (letters, digits, space and "-+_.:/[]" plus the JSON quotes and
 * commas it adds itself); a byte outside it is a bug, refused, never sent.
 */
#include <stdio.h>
#include <string.h>

#include "rule_impl.h"

#define PROTO_TCP	6
#define PROTO_UDP	17

static int
addr_bits(const struct netaddr *a)
{
	return a->family == NETADDR_IPV4 ? 32 : 128;
}

static int
is_unspecified(const struct netaddr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->bytes, zero, (size_t)addr_bits(a) / 8) == 0;
}

/* 1 if a has no bits set past the first plen. */
static int
host_bits_zero(const struct netaddr *a, int plen)
{
	int i, bits = addr_bits(a);

	for (i = plen; i < bits; i++)
		if (a->bytes[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

int
rule_format_side(const char *what, const struct netaddr *a, uint8_t plen,
    char *buf, size_t size, char *err, size_t errlen)
{
	char text[NETADDR_STRLEN];
	int bits = addr_bits(a);

	if (plen > bits)
		return rule_fail(err, errlen,
		    "%s prefix length %u is longer than "
		    "%d", what, plen, bits);
	netaddr_format(a, text, sizeof(text));
	if (plen == 0 || plen == bits) {
		snprintf(buf, size, "%s", text);
		return 0;
	}
	if (!host_bits_zero(a, plen))
		return rule_fail(err, errlen,
		    "%s %s/%u has host bits set", what,
		    text, plen);
	snprintf(buf, size, "%s/%u", text, plen);
	return 0;
}

static int
check_values(const struct rule_capture *c, char *err, size_t errlen)
{
	if (c->local.family != NETADDR_IPV4 && c->local.family != NETADDR_IPV6)
		return rule_fail(err, errlen, "local address missing");
	if (c->remote.family != c->local.family)
		return rule_fail(err, errlen,
		    "local and remote addresses are of "
		    "different families");
	if (c->erspan_src.family != NETADDR_IPV4 ||
	    is_unspecified(&c->erspan_src))
		return rule_fail(err, errlen,
		    "the ERSPAN source (switch) address "
		    "must be a specified IPv4 address");
	if (c->receiver.family != NETADDR_IPV4 ||
	    is_unspecified(&c->receiver))
		return rule_fail(err, errlen, "the receiver address must be a "
		    "specified IPv4 address (Cumulus cannot send ERSPAN to "
		    "IPv6)");
	if ((c->local_port != 0 || c->remote_port != 0) &&
	    c->proto != PROTO_TCP && c->proto != PROTO_UDP)
		return rule_fail(err, errlen, "ports need protocol TCP or UDP, "
		    "not %u", c->proto);
	/* A fixed array: the NUL must be inside it before we read it. */
	if (memchr(c->in_interface, '\0', sizeof(c->in_interface)) == NULL ||
	    !rule_ifname_ok(c->in_interface))
		return rule_fail(err, errlen,
		    "bad in-interface pattern: expected "
		    "1 to %d of [A-Za-z0-9_.:+-]", RULE_IFNAME_MAX);
	return 0;
}

/* " -p P [--sport S] [--dport D]" for one direction, or "". */
static void
format_l4(const struct rule_capture *c, uint16_t sport, uint16_t dport,
    char *buf, size_t size)
{
	size_t off;

	buf[0] = '\0';
	if (c->proto == 0)
		return;
	if (c->proto == PROTO_TCP)
		snprintf(buf, size, " -p tcp");
	else if (c->proto == PROTO_UDP)
		snprintf(buf, size, " -p udp");
	else
		snprintf(buf, size, " -p %u", c->proto);
	off = strlen(buf);
	if (sport != 0)
		off += (size_t)snprintf(buf + off, size - off, " --sport %u",
		    sport);
	if (dport != 0)
		snprintf(buf + off, size - off, " --dport %u", dport);
}

/* One direction: traffic from src (with sport) to dst (with dport). */
static int
render_line(const struct rule_capture *c, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, char *line, char *err, size_t errlen)
{
	char l4[64], erspan_src[NETADDR_STRLEN], receiver[NETADDR_STRLEN];
	char ttl[16];
	int n;

	format_l4(c, sport, dport, l4, sizeof(l4));
	ttl[0] = '\0';
	if (c->ttl != 0)
		snprintf(ttl, sizeof(ttl), " --ttl %u", c->ttl);
	n = snprintf(line, RULE_LINE_MAX, "-A FORWARD --in-interface %s "
	    "-s %s -d %s%s -j ERSPAN --src-ip %s --dst-ip %s%s",
	    c->in_interface, src, dst, l4,
	    netaddr_format(&c->erspan_src, erspan_src, sizeof(erspan_src)),
	    netaddr_format(&c->receiver, receiver, sizeof(receiver)), ttl);
	if (n < 0 || n >= RULE_LINE_MAX)
		return rule_fail(err, errlen, "rule line too long");
	return 0;
}

int
rule_render_lines(const struct rule_capture *c, struct rule_lines *out,
    char *err, size_t errlen)
{
	char local[NETADDR_STRLEN + 4], remote[NETADDR_STRLEN + 4];

	memset(out, 0, sizeof(*out));
	if (check_values(c, err, errlen) == -1 ||
	    rule_format_side("local", &c->local, c->local_plen, local,
	    sizeof(local), err, errlen) == -1 ||
	    rule_format_side("remote", &c->remote, c->remote_plen, remote,
	    sizeof(remote), err, errlen) == -1)
		return -1;
	if (render_line(c, local, c->local_port, remote, c->remote_port,
	    out->line[0], err, errlen) == -1 ||
	    render_line(c, remote, c->remote_port, local, c->local_port,
	    out->line[1], err, errlen) == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->section = c->local.family == NETADDR_IPV4 ? "[iptables]" :
	    "[ip6tables]";
	out->n = 2;
	return 0;
}

/* The bytes rule text is made of; JSON's '"' and ',' are added by us. */
static int
safe_byte(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || strchr(" -+_.:/[]", ch) != NULL;
}

static int
append(char *buf, size_t size, size_t *off, const char *s, int quoted)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!safe_byte((unsigned char)s[i]))
			return -1;
	if (*off + n + (quoted ? 2 : 0) >= size)
		return -2;
	if (quoted)
		buf[(*off)++] = '"';
	memcpy(buf + *off, s, n);
	*off += n;
	if (quoted)
		buf[(*off)++] = '"';
	buf[*off] = '\0';
	return 0;
}

int
rule_render_json(const struct rule_capture *c, char *buf, size_t size,
    char *err, size_t errlen)
{
	struct rule_lines rl;
	size_t off = 0, i;
	int rc;

	if (size > 0)
		buf[0] = '\0';
	if (size < 2)
		return rule_fail(err, errlen, "no room for the rule");
	if (rule_render_lines(c, &rl, err, errlen) == -1)
		return -1;
	buf[off++] = '[';
	buf[off] = '\0';
	rc = append(buf, size, &off, rl.section, 1);
	for (i = 0; rc == 0 && i < rl.n; i++) {
		if (off + 1 >= size) {
			rc = -2;
			break;
		}
		buf[off++] = ',';
		buf[off] = '\0';
		rc = append(buf, size, &off, rl.line[i], 1);
	}
	if (rc == 0 && off + 1 < size) {
		buf[off++] = ']';
		buf[off] = '\0';
		return (int)off;
	}
	buf[0] = '\0';
	if (rc == -1)
		return rule_fail(err, errlen,
		    "rule text holds a byte it must not");
	return rule_fail(err, errlen, "no room for the rule (%zu bytes)", size);
}
