/*
 * rule_ovs_flows.c - the Open vSwitch backend's pure half: a capture's
 * flows rendered as ovs-ofctl add-flows input, the text of "ovs-ofctl
 * dump-flows" read back into values, and ovs-ofctl's failures
 * classified.  No processes, no sockets: tables of cases test it
 * (tests/unit/test_rule_ovs_flows.c) and a fuzzer reads dumps
 * (fuzz/fuzz_rule_ovs_dump.c).
 *
 * Flow syntax: ovs-fields(7) and ovs-actions(7) of Open vSwitch 3.1, as
 * ovs-ofctl(8) reads and prints it.  A capture of the pair L, R is
 *   cookie=C,priority=P,ip,nw_src=L,nw_dst=R,actions=NORMAL,output:PORT,note:HEX
 * and the same with L and R swapped ("ipv6,ipv6_src=,ipv6_dst=" for
 * IPv6; "tcp", "udp6", "ip,nw_proto=N", tp_src, tp_dst with a protocol
 * and ports).  note (NXAST_NOTE) does nothing on the datapath; it carries
 * the rule name so that a dump names the capture again, printed as hex
 * bytes joined by '.' and padded with zero bytes to 8-byte action length.
 *
 * A dump line looks like
 *  cookie=0xf5c0..., duration=1.2s, table=0, n_packets=0, n_bytes=0,
 *  reset_counts idle_age=0, priority=40000,ip,nw_src=10.0.0.1,... actions=...
 * Fields are separated by ',' or ' ', "actions=" starts the rest of the
 * line, and actions are separated by ',' outside parentheses.  The line
 * is read through a struct cursor (common/cursor.h): every token is a
 * bounded sub-view, every value is copied out with its length checked
 * before it is parsed; nothing here trusts the text to be short, NUL-free
 * or well formed, since a tcp: target is a peer on the network.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cursor.h"
#include "rule_impl.h"

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMP6	58
#define PROTO_SCTP	132
#define DEFAULT_PRIORITY 32768	/* OFP_DEFAULT_PRIORITY: not printed */
#define PORT_NUM_MAX	65279	/* 0xfeff: above are reserved ports */
#define VALUE_MAX	64	/* bytes of one field's value we parse */
#define MAX_ACTIONS	64

/* ---- names, cookies, config values ------------------------------------ */

uint64_t
rule_ovs_cookie(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a 64 */

	for (; *name != '\0'; name++) {
		h ^= (uint8_t)*name;
		h *= 0x100000001b3ULL;
	}
	/* Folded to 48 bits (xor of the high 16 into the low 48). */
	h = (h >> 48) ^ (h & 0xffffffffffffULL);
	return RULE_OVS_COOKIE_TAG | h;
}

static int
is_alpha(unsigned ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_digit(unsigned ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_port_char(unsigned ch)
{
	return is_alpha(ch) || is_digit(ch) || ch == '_' || ch == '.' ||
	    ch == '-';
}

static int
is_path_char(unsigned ch)
{
	return is_port_char(ch) || ch == '/' || ch == '+';
}

int
rule_ovs_port_ok(const char *s)
{
	/* OpenFlow's reserved ports, which ovs-ofctl reads by name. */
	static const char *const reserved[] = { "in_port", "table", "normal",
	    "flood", "all", "controller", "local", "none", "any", NULL };
	size_t i, n;
	unsigned long v = 0;

	if (s == NULL || s[0] == '\0')
		return 0;
	n = strlen(s);
	if (is_digit((unsigned char)s[0])) {
		/* A number: no leading zero, so it prints back the same. */
		if (s[0] == '0' || n > 5)
			return 0;
		for (i = 0; i < n; i++) {
			if (!is_digit((unsigned char)s[i]))
				return 0;
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		return v >= 1 && v <= PORT_NUM_MAX;
	}
	if (!is_alpha((unsigned char)s[0]) || n > RULE_OVS_PORT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_port_char((unsigned char)s[i]))
			return 0;
	for (i = 0; reserved[i] != NULL; i++)
		if (strcasecmp(s, reserved[i]) == 0)
			return 0;
	return 1;
}

/*
 * An absolute path of our charset, at most max bytes, whose components
 * are neither empty nor "." nor "..".
 */
static int
path_ok(const char *s, size_t max)
{
	size_t i, n = strlen(s), comp = 0;

	if (n < 2 || n > max || s[0] != '/')
		return 0;
	for (i = 1; i <= n; i++) {
		if (i < n && s[i] != '/') {
			if (!is_path_char((unsigned char)s[i]))
				return 0;
			comp++;
			continue;
		}
		/* s[i - comp .. i) is a component */
		if (comp == 0 || (comp == 1 && s[i - 1] == '.') ||
		    (comp == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
			return 0;
		comp = 0;
	}
	return 1;
}

int
rule_ovs_ofctl_ok(const char *s)
{
	return s != NULL && path_ok(s, 255);
}

/* "ADDR:PORT" with ADDR an IPv4 address or "[IPv6]", port 1..65535. */
static int
host_port_ok(const char *s)
{
	char host[NETADDR_STRLEN + 2];
	struct netaddr a;
	const char *colon, *p;
	int bracket = s[0] == '[';
	size_t n;
	unsigned long port = 0;

	if (bracket) {
		if ((p = strchr(s, ']')) == NULL || p[1] != ':')
			return 0;
		s++;
		n = (size_t)(p - s);
		colon = p + 1;
	} else {
		if ((colon = strchr(s, ':')) == NULL)
			return 0;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, s, n);
	host[n] = '\0';
	if (netaddr_parse(host, &a) == -1 ||
	    (a.family == NETADDR_IPV6) != bracket)
		return 0;
	p = colon + 1;
	if (!is_digit((unsigned char)*p) || *p == '0' || strlen(p) > 5)
		return 0;
	for (; *p != '\0'; p++) {
		if (!is_digit((unsigned char)*p))
			return 0;
		port = port * 10 + (unsigned)(*p - '0');
	}
	return port >= 1 && port <= 65535;
}

int
rule_ovs_target_ok(const char *s)
{
	if (s == NULL || strlen(s) >= RULE_OVS_TARGET_MAX)
		return 0;
	if (strncmp(s, "unix:", 5) == 0)
		return path_ok(s + 5, 107);	/* sun_path, with its NUL */
	if (strncmp(s, "tcp:", 4) == 0)
		return host_port_ok(s + 4);
	return 0;
}

/* ---- rendering -------------------------------------------------------- */

static int
check_capture(const struct rule_capture *c, char *err, size_t errlen)
{
	if (c->local.family != NETADDR_IPV4 && c->local.family != NETADDR_IPV6)
		return rule_fail(err, errlen, "local address missing");
	if (c->remote.family != c->local.family)
		return rule_fail(err, errlen,
		    "local and remote addresses are of "
		    "different families");
	if ((c->local_port != 0 || c->remote_port != 0) &&
	    c->proto != PROTO_TCP && c->proto != PROTO_UDP)
		return rule_fail(err, errlen, "ports need protocol TCP or UDP, "
		    "not %u", c->proto);
	return 0;
}

/* One direction's match: from src (sport) to dst (dport). */
static int
render_match(const struct rule_capture *c, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, char *buf, size_t size)
{
	int v6 = c->local.family == NETADDR_IPV6;
	char proto[32], ports[32];
	size_t off = 0;
	int n;

	if (c->proto == 0)
		snprintf(proto, sizeof(proto), "%s", v6 ? "ipv6" : "ip");
	else if (c->proto == PROTO_TCP)
		snprintf(proto, sizeof(proto), "%s", v6 ? "tcp6" : "tcp");
	else if (c->proto == PROTO_UDP)
		snprintf(proto, sizeof(proto), "%s", v6 ? "udp6" : "udp");
	else
		snprintf(proto, sizeof(proto), "%s,nw_proto=%u",
		    v6 ? "ipv6" : "ip", c->proto);
	ports[0] = '\0';
	if (sport != 0)
		off = (size_t)snprintf(ports, sizeof(ports), ",tp_src=%u",
		    sport);
	if (dport != 0)
		snprintf(ports + off, sizeof(ports) - off, ",tp_dst=%u",
		    dport);
	n = snprintf(buf, size, "%s,%s=%s,%s=%s%s", proto,
	    v6 ? "ipv6_src" : "nw_src", src, v6 ? "ipv6_dst" : "nw_dst", dst,
	    ports);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Both directions' matches into m[0] (local to remote) and m[1]. */
static int
render_matches(const struct rule_capture *c, char m[2][RULE_OVS_LINE_MAX],
    char *err, size_t errlen)
{
	char local[NETADDR_STRLEN + 4], remote[NETADDR_STRLEN + 4];

	if (check_capture(c, err, errlen) == -1 ||
	    rule_format_side("local", &c->local, c->local_plen, local,
	    sizeof(local), err, errlen) == -1 ||
	    rule_format_side("remote", &c->remote, c->remote_plen, remote,
	    sizeof(remote), err, errlen) == -1)
		return -1;
	if (render_match(c, local, c->local_port, remote, c->remote_port,
	    m[0], RULE_OVS_LINE_MAX) == -1 ||
	    render_match(c, remote, c->remote_port, local, c->local_port,
	    m[1], RULE_OVS_LINE_MAX) == -1)
		return rule_fail(err, errlen, "flow match too long");
	return 0;
}

/* The bytes our flow text is made of: a byte outside it is a bug. */
static int
text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!is_alpha((unsigned char)*s) &&
		    !is_digit((unsigned char)*s) &&
		    strchr(" ,=:./_-\n", *s) == NULL)
			return 0;
	return 1;
}

int
rule_ovs_render_matches(const struct rule_capture *c, char *buf, size_t size,
    char *err, size_t errlen)
{
	char m[2][RULE_OVS_LINE_MAX];
	int n;

	if (size > 0)
		buf[0] = '\0';
	if (render_matches(c, m, err, errlen) == -1)
		return -1;
	n = snprintf(buf, size, "%s\n%s\n", m[0], m[1]);
	if (n < 0 || (size_t)n >= size || !text_ok(buf)) {
		if (size > 0)
			buf[0] = '\0';
		return rule_fail(err, errlen, "no room for the flows");
	}
	return n;
}

/* "cookie=C,priority=P,MATCH,actions=NORMAL,output:PORT,note:HEX". */
static int
render_flow(uint64_t cookie, uint32_t priority, const char *match,
    const char *port, const char *name, char *buf, size_t size)
{
	size_t off, i;
	int n;

	n = snprintf(buf, size, "cookie=0x%016" PRIx64 ",priority=%" PRIu32
	    ",%s,actions=NORMAL,output:%s,note:", cookie, priority, match,
	    port);
	if (n < 0 || (size_t)n >= size)
		return -1;
	off = (size_t)n;
	for (i = 0; name[i] != '\0'; i++) {
		if (off + 3 >= size)
			return -1;
		off += (size_t)snprintf(buf + off, size - off, "%s%02x",
		    i > 0 ? "." : "", (unsigned char)name[i]);
	}
	return 0;
}

static int
check_rest(const char *name, uint32_t priority, const char *port, char *err,
    size_t errlen)
{
	if (!rule_name_ok(name))
		return rule_fail(err, errlen, "bad rule name");
	if (!rule_ovs_port_ok(port))
		return rule_fail(err, errlen, "bad mirror port");
	if (priority < 1 || priority > 65535)
		return rule_fail(err, errlen,
		    "flow priority %" PRIu32 " is out of "
		    "1..65535", priority);
	return 0;
}

/* The two flow lines (without "add "). */
static int
render_flows(const struct rule_capture *c, const char *name,
    uint32_t priority, const char *port, char f[2][RULE_OVS_LINE_MAX],
    char *err, size_t errlen)
{
	char m[2][RULE_OVS_LINE_MAX];
	uint64_t cookie;

	if (check_rest(name, priority, port, err, errlen) == -1 ||
	    render_matches(c, m, err, errlen) == -1)
		return -1;
	cookie = rule_ovs_cookie(name);
	if (render_flow(cookie, priority, m[0], port, name, f[0],
	    RULE_OVS_LINE_MAX) == -1 ||
	    render_flow(cookie, priority, m[1], port, name, f[1],
	    RULE_OVS_LINE_MAX) == -1)
		return rule_fail(err, errlen, "flow too long");
	if (!text_ok(f[0]) || !text_ok(f[1]))
		return rule_fail(err, errlen,
		    "flow text holds a byte it must not");
	return 0;
}

int
rule_ovs_render_input(const struct rule_capture *c, const char *name,
    uint32_t priority, const char *port, char *buf, size_t size, char *err,
    size_t errlen)
{
	char f[2][RULE_OVS_LINE_MAX];
	int n;

	if (size > 0)
		buf[0] = '\0';
	if (render_flows(c, name, priority, port, f, err, errlen) == -1)
		return -1;
	n = snprintf(buf, size, "delete cookie=0x%016" PRIx64 "/-1\n"
	    "add %s\nadd %s\n", rule_ovs_cookie(name), f[0], f[1]);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return rule_fail(err, errlen, "no room for the flows");
	}
	return n;
}

int
rule_ovs_expect(const struct rule_capture *c, const char *name,
    uint32_t priority, const char *port, struct rule_ovs_flow out[2],
    char *err, size_t errlen)
{
	char f[2][RULE_OVS_LINE_MAX];
	int i;

	if (render_flows(c, name, priority, port, f, err, errlen) == -1)
		return -1;
	/* Read back with the dump's parser: one notion of a flow. */
	for (i = 0; i < 2; i++)
		if (rule_ovs_parse_line(f[i], strlen(f[i]), &out[i]) !=
		    RULE_OVS_LINE_FLOW || out[i].other ||
		    !out[i].actions_ours)
			return rule_fail(err, errlen, "rendered flow does not "
			    "parse back");
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

static int
is_sep(uint8_t ch)
{
	return ch == ',' || ch == ' ' || ch == '\t' || ch == '\r';
}

/* The next token of c (separators skipped); an empty view at the end. */
static struct cursor
next_token(struct cursor *c)
{
	size_t n = 0;

	while (cursor_left(c) > 0 && is_sep(cursor_peek_u8(c, 0)))
		cursor_skip(c, 1);
	while (n < cursor_left(c) && !is_sep(cursor_peek_u8(c, n)))
		n++;
	return cursor_sub(c, n);
}

/* 1 if view v is exactly s. */
static int
view_is(const struct cursor *v, const char *s)
{
	size_t n = strlen(s);

	return cursor_left(v) == n && memcmp(v->pos, s, n) == 0;
}

/* Split token t at its first '=' into key and value (value may be empty). */
static void
split_kv(struct cursor *t, struct cursor *key, struct cursor *value,
    int *has_value)
{
	const uint8_t *eq = memchr(t->pos, '=', cursor_left(t));
	size_t n = eq != NULL ? (size_t)(eq - t->pos) : cursor_left(t);

	*key = cursor_sub(t, n);
	*has_value = eq != NULL;
	if (eq != NULL)
		cursor_skip(t, 1);
	*value = cursor_rest(t);
}

/* Copy view v into buf as a string; -1 when it does not fit or has NUL. */
static int
view_str(struct cursor *v, char *buf, size_t size)
{
	size_t n = cursor_left(v);

	if (n >= size || memchr(v->pos, '\0', n) != NULL)
		return -1;
	cursor_copy(v, buf, n);
	buf[n] = '\0';
	return 0;
}

/* An unsigned number ("123" or "0x7b") no larger than max; -1 if not. */
static int
view_u64(struct cursor *v, uint64_t max, uint64_t *out)
{
	uint64_t x = 0, d;
	unsigned base = 10;
	uint8_t ch;

	if (cursor_left(v) >= 2 && cursor_peek_u8(v, 0) == '0' &&
	    (cursor_peek_u8(v, 1) == 'x' || cursor_peek_u8(v, 1) == 'X')) {
		cursor_skip(v, 2);
		base = 16;
	}
	if (cursor_left(v) == 0)
		return -1;
	while (cursor_left(v) > 0) {
		ch = cursor_u8(v);
		if (is_digit(ch))
			d = ch - '0';
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return -1;
		if (x > (UINT64_MAX - d) / base)
			return -1;
		x = x * base + d;
	}
	if (x > max)
		return -1;
	*out = x;
	return 0;
}

/*
 * "ADDR" or "ADDR/PLEN" of family into a and *plen (the full length for
 * a host).  0; 1 for a form we never make (a non-CIDR mask, the wrong
 * family); -1 for garbage.
 */
static int
view_addr(struct cursor *v, int family, struct netaddr *a, uint8_t *plen)
{
	char text[VALUE_MAX];
	uint64_t len;
	char *slash;
	int bits = family == NETADDR_IPV4 ? 32 : 128;

	if (view_str(v, text, sizeof(text)) == -1)
		return -1;
	*plen = (uint8_t)bits;
	if ((slash = strchr(text, '/')) != NULL) {
		struct cursor pl;

		*slash++ = '\0';
		if (strchr(slash, '.') != NULL || strchr(slash, ':') != NULL)
			return netaddr_parse(slash, a) == 0 ? 1 : -1;
		cursor_init(&pl, slash, strlen(slash));
		if (view_u64(&pl, (uint64_t)bits, &len) == -1 || len == 0)
			return -1;
		*plen = (uint8_t)len;
	}
	if (netaddr_parse(text, a) == -1)
		return -1;
	return a->family == family ? 0 : 1;
}

/* Shorthands for an Ethernet type and IP protocol ("tcp6"). */
static int
shorthand(const struct cursor *k, uint8_t *family, uint8_t *proto)
{
	static const struct {
		const char	*name;
		uint8_t		 family, proto;
	} tab[] = {
		{ "ip", NETADDR_IPV4, 0 }, { "ipv6", NETADDR_IPV6, 0 },
		{ "tcp", NETADDR_IPV4, PROTO_TCP },
		{ "udp", NETADDR_IPV4, PROTO_UDP },
		{ "sctp", NETADDR_IPV4, PROTO_SCTP },
		{ "icmp", NETADDR_IPV4, PROTO_ICMP },
		{ "tcp6", NETADDR_IPV6, PROTO_TCP },
		{ "udp6", NETADDR_IPV6, PROTO_UDP },
		{ "sctp6", NETADDR_IPV6, PROTO_SCTP },
		{ "icmp6", NETADDR_IPV6, PROTO_ICMP6 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (view_is(k, tab[i].name)) {
			*family = tab[i].family;
			*proto = tab[i].proto;
			return 1;
		}
	return 0;
}

/* Fields that describe the flow's life, not what it matches. */
static int
is_stat(const struct cursor *k)
{
	static const char *const stats[] = { "duration", "n_packets",
	    "n_bytes", "idle_age", "hard_age", "reset_counts", NULL };
	size_t i;

	for (i = 0; stats[i] != NULL; i++)
		if (view_is(k, stats[i]))
			return 1;
	return 0;
}

/* One field of the part before "actions=".  -1: garbage. */
static int
parse_field(struct cursor *tok, struct rule_ovs_flow *f, int *seen_shorthand)
{
	struct cursor k, v;
	uint64_t x;
	int has_value, rc;
	uint8_t fam, proto;

	split_kv(tok, &k, &v, &has_value);
	if (!has_value) {
		if (shorthand(&k, &fam, &proto)) {
			if ((*seen_shorthand)++ > 0)
				f->other = 1;
			f->family = fam;
			if (proto != 0)
				f->proto = proto;
			return 0;
		}
		if (!is_stat(&k))
			f->other = 1;
		return 0;
	}
	if (view_is(&k, "cookie"))
		return view_u64(&v, UINT64_MAX, &f->cookie);
	if (view_is(&k, "priority")) {
		if (view_u64(&v, 65535, &x) == -1)
			return -1;
		f->priority = (uint32_t)x;
		return 0;
	}
	if (view_is(&k, "table")) {
		if (view_u64(&v, 255, &x) == -1)
			return -1;
		f->table = (uint32_t)x;
		return 0;
	}
	if (view_is(&k, "nw_proto")) {
		if (view_u64(&v, 255, &x) == -1)
			return -1;
		f->proto = (uint8_t)x;
		return 0;
	}
	if (view_is(&k, "tp_src") || view_is(&k, "tp_dst")) {
		int src = view_is(&k, "tp_src");

		if (memchr(v.pos, '/', cursor_left(&v)) != NULL) {
			f->other = 1;	/* a masked port: never ours */
			return 0;
		}
		if (view_u64(&v, 65535, &x) == -1)
			return -1;
		*(src ? &f->tp_src : &f->tp_dst) = (uint16_t)x;
		return 0;
	}
	if (view_is(&k, "nw_src") || view_is(&k, "nw_dst") ||
	    view_is(&k, "ipv6_src") || view_is(&k, "ipv6_dst")) {
		int v6 = cursor_peek_u8(&k, 1) == 'p';	/* "ipv6_..." */
		int src = cursor_peek_u8(&k, v6 ? 5 : 3) == 's';
		struct netaddr *a = src ? &f->src : &f->dst;
		uint8_t *pl = src ? &f->src_plen : &f->dst_plen;

		rc = view_addr(&v, v6 ? NETADDR_IPV6 : NETADDR_IPV4, a, pl);
		if (rc == -1)
			return -1;
		if (rc == 1 || (f->family != NETADDR_NONE &&
		    f->family != (v6 ? NETADDR_IPV6 : NETADDR_IPV4)))
			f->other = 1;
		return 0;
	}
	if (!is_stat(&k))
		f->other = 1;
	return 0;
}

static int
hex_digit(uint8_t ch)
{
	if (is_digit(ch))
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "66.73.00" into f->note; the name when the bytes are one. */
static void
parse_note(struct cursor *v, struct rule_ovs_flow *f)
{
	size_t n = 0;
	int hi, lo;

	f->has_note = 1;
	while (cursor_left(v) > 0) {
		if (n > 0 && cursor_u8(v) != '.')
			goto bad;
		hi = hex_digit(cursor_u8(v));
		lo = hex_digit(cursor_u8(v));
		if (cursor_error(v) || hi < 0 || lo < 0 ||
		    n == RULE_OVS_NOTE_MAX)
			goto bad;
		f->note[n++] = (uint8_t)(hi << 4 | lo);
	}
	while (n > 0 && f->note[n - 1] == 0)
		n--;		/* the padding to 8-byte action length */
	f->note_len = n;
	if (n >= 1 && n <= RULE_NAME_MAX && memchr(f->note, 0, n) == NULL) {
		memcpy(f->name, f->note, n);
		f->name[n] = '\0';
		if (!rule_name_ok(f->name))
			f->name[0] = '\0';
	}
	return;
bad:
	f->note_bad = 1;
	f->note_len = 0;
	f->name[0] = '\0';
}

/* The actions after "actions=".  -1: garbage. */
static int
parse_actions(struct cursor *c, struct rule_ovs_flow *f)
{
	struct cursor act[3], a, k;
	size_t n_act = 0, n;
	int depth, ok;
	uint8_t ch;

	/* Trailing blanks and carriage returns are not part of an action. */
	while (cursor_left(c) > 0 && is_sep(c->end[-1]) && c->end[-1] != ',')
		c->end--;
	while (cursor_left(c) > 0) {
		for (n = 0, depth = 0; n < cursor_left(c); n++) {
			ch = cursor_peek_u8(c, n);
			if (ch == '(' || ch == '[' || ch == '{')
				depth++;
			else if ((ch == ')' || ch == ']' || ch == '}') &&
			    depth > 0)
				depth--;
			else if (ch == ',' && depth == 0)
				break;
		}
		a = cursor_sub(c, n);
		if (cursor_left(c) > 0) {
			cursor_skip(c, 1);	/* the ',' */
			if (cursor_left(c) == 0)
				return -1;	/* nothing after it */
		}
		if (cursor_left(&a) == 0 || n_act == MAX_ACTIONS)
			return -1;
		if (n_act < 3)
			act[n_act] = a;
		n_act++;
		/* The first note, wherever it is (list names by it). */
		if (!f->has_note && cursor_left(&a) >= 5 &&
		    memcmp(a.pos, "note:", 5) == 0) {
			cursor_skip(&a, 5);
			parse_note(&a, f);
		}
	}
	if (n_act != 3)
		return 0;
	ok = view_is(&act[0], "NORMAL");
	/* "output:PORT" (our port: unquoted, at most 15 characters) */
	k = act[1];
	if (ok && cursor_left(&k) > 7 && memcmp(k.pos, "output:", 7) == 0) {
		cursor_skip(&k, 7);
		if (view_str(&k, f->port, sizeof(f->port)) == -1)
			ok = 0;
		for (n = 0; ok && f->port[n] != '\0'; n++)
			if (!is_port_char((unsigned char)f->port[n]))
				ok = 0;
	} else
		ok = 0;
	/* "note:HEX", the note parsed above */
	f->actions_ours = ok && cursor_left(&act[2]) >= 5 &&
	    memcmp(act[2].pos, "note:", 5) == 0 && f->has_note &&
	    !f->note_bad;
	return 0;
}

enum rule_ovs_line
rule_ovs_parse_line(const char *line, size_t len, struct rule_ovs_flow *f)
{
	struct cursor c, match, tok;
	const char *p, *act = NULL;
	int shorthands = 0;

	memset(f, 0, sizeof(*f));
	f->priority = DEFAULT_PRIORITY;
	/* "actions=" at the start or after a separator starts the actions. */
	for (p = line; p != NULL && p + 8 <= line + len; p++) {
		p = memchr(p, 'a', (size_t)(line + len - p));
		if (p == NULL || p + 8 > line + len)
			break;
		if (memcmp(p, "actions=", 8) == 0 && (p == line ||
		    is_sep((uint8_t)p[-1]))) {
			act = p;
			break;
		}
	}
	if (act == NULL)
		return RULE_OVS_LINE_OTHER;
	if (len > RULE_OVS_LINE_MAX)
		return RULE_OVS_LINE_BAD;
	cursor_init(&c, line, len);
	match = cursor_sub(&c, (size_t)(act - line));
	cursor_skip(&c, 8);
	for (tok = next_token(&match); cursor_left(&tok) > 0;
	    tok = next_token(&match))
		if (parse_field(&tok, f, &shorthands) == -1 ||
		    cursor_error(&tok))
			return RULE_OVS_LINE_BAD;
	if (f->family == NETADDR_NONE && (f->src_plen != 0 ||
	    f->dst_plen != 0 || f->proto != 0 || f->tp_src != 0 ||
	    f->tp_dst != 0))
		f->other = 1;
	if (parse_actions(&c, f) == -1 || cursor_error(&c))
		return RULE_OVS_LINE_BAD;
	return RULE_OVS_LINE_FLOW;
}

void
rule_ovs_parse_dump(const char *buf, size_t len, rule_ovs_flow_cb *cb,
    void *arg, struct rule_ovs_dump_stats *st)
{
	struct rule_ovs_flow f;
	struct cursor c, line;
	const uint8_t *nl;
	size_t n;

	memset(st, 0, sizeof(*st));
	cursor_init(&c, buf, len);
	while (cursor_left(&c) > 0) {
		nl = memchr(c.pos, '\n', cursor_left(&c));
		n = nl != NULL ? (size_t)(nl - c.pos) : cursor_left(&c);
		line = cursor_sub(&c, n);
		if (nl != NULL)
			cursor_skip(&c, 1);
		/* Leading blanks: ovs-ofctl indents each flow by one. */
		while (cursor_left(&line) > 0 && is_sep(cursor_peek_u8(&line,
		    0)))
			cursor_skip(&line, 1);
		switch (rule_ovs_parse_line((const char *)line.pos,
		    cursor_left(&line), &f)) {
		case RULE_OVS_LINE_FLOW:
			st->flows++;
			if (cb != NULL)
				cb(arg, &f, (const char *)line.pos,
				    cursor_left(&line));
			break;
		case RULE_OVS_LINE_BAD:
			st->bad++;
			break;
		case RULE_OVS_LINE_OTHER:
			st->other++;
			break;
		}
	}
}

int
rule_ovs_flow_equal(const struct rule_ovs_flow *w,
    const struct rule_ovs_flow *g, int any_priority)
{
	return !w->other && !g->other && w->actions_ours && g->actions_ours &&
	    w->cookie == g->cookie &&
	    (any_priority || w->priority == g->priority) &&
	    w->table == g->table && w->family == g->family &&
	    w->proto == g->proto && w->src_plen == g->src_plen &&
	    w->dst_plen == g->dst_plen &&
	    netaddr_compare(&w->src, &g->src) == 0 &&
	    netaddr_compare(&w->dst, &g->dst) == 0 &&
	    w->tp_src == g->tp_src && w->tp_dst == g->tp_dst &&
	    strcmp(w->port, g->port) == 0 && w->note_len == g->note_len &&
	    memcmp(w->note, g->note, w->note_len) == 0;
}

/* ---- ovs-ofctl's failures ------------------------------------------------ */

int
rule_ovs_retryable(int spawned, int timed_out, int signaled, int exit_status,
    const char *text)
{
	if (!spawned || timed_out || signaled)
		return 1;
	if (exit_status == 0 || text == NULL)
		return 0;
	/* vconn's messages: the bridge (or its daemon) is not there now. */
	return strstr(text, "Connection refused") != NULL ||
	    strstr(text, "Connection reset by peer") != NULL ||
	    strstr(text, "Connection timed out") != NULL ||
	    (strstr(text, "connecting to") != NULL &&
	    strstr(text, "No such file or directory") != NULL);
}

int
rule_ovs_no_bundle(const char *text)
{
	return text != NULL && (strstr(text, "version negotiation failed") !=
	    NULL || strstr(text, "OFPBRC_BAD_TYPE") != NULL);
}
