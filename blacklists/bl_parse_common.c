/*
 * bl_parse_common.c - bl_list_parse(): lines, addresses, labels, counters.
 *
 * The rules shared by every format are written above struct bl_line in
 * bl_parse.h.  Addresses are deliberately stricter than inet_aton(3):
 *  - IPv4 is a dotted quad of four decimal octets.  "1.2.3" (inet_aton's
 *    1.2.0.3), "0x7f.1" and "010.0.0.1" (octal 8.0.0.1 to inet_aton, 10.0.0.1
 *    to a person) are rejected: no list we read writes them, and an address
 *    that two programs read differently is a way to smuggle an entry.
 *  - IPv6 is whatever inet_pton(AF_INET6) takes (full, compressed, with a
 *    dotted IPv4 tail), from a bounded NUL-terminated copy; no zone ids.
 *  - "/LEN" is 0..32 or 0..128, decimal without leading zeros.  "/0" is
 *    taken as written (it covers everything; policy about such wide
 *    entries belongs to the table or the configuration, not the parser).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "bl_parse.h"

/* ---- addresses ------------------------------------------------------ */

static int
is_digit(uint8_t b)
{
	return b >= '0' && b <= '9';
}

static int
is_blank(uint8_t b)
{
	return b == ' ' || b == '\t';
}

/* A strict dotted quad filling the whole view. */
static const char *
parse_ipv4(struct cursor *c, uint8_t out[4])
{
	unsigned v, digits;
	uint8_t first;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0 && (cursor_left(c) == 0 || cursor_u8(c) != '.'))
			return "not an address";
		first = cursor_peek_u8(c, 0);
		v = digits = 0;
		while (cursor_left(c) > 0 && is_digit(cursor_peek_u8(c, 0)) &&
		    digits < 4) {
			v = v * 10 + (unsigned)(cursor_u8(c) - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return "not an address";
		if (digits > 1 && first == '0')
			return "IPv4 octet with a leading zero";
		out[i] = (uint8_t)v;
	}
	return cursor_left(c) == 0 ? NULL : "not an address";
}

/* Any inet_pton(AF_INET6) form filling the whole view. */
static const char *
parse_ipv6(struct cursor *c, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = cursor_left(c);

	if (n >= sizeof(buf))
		return "not an address";
	cursor_copy(c, buf, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, out) != 1)
		return "not an address";
	return NULL;
}

/* "/LEN" after the '/': decimal, no leading zero, at most max. */
static const char *
parse_plen(struct cursor *c, unsigned max, uint8_t *plen)
{
	unsigned v = 0, digits = 0;
	uint8_t first = cursor_peek_u8(c, 0);

	if (cursor_left(c) == 0)
		return "bad prefix length";
	while (cursor_left(c) > 0) {
		uint8_t b = cursor_u8(c);

		if (!is_digit(b))
			return "bad prefix length";
		if (v <= 1000)
			v = v * 10 + (unsigned)(b - '0');
		digits++;
	}
	if (digits > 1 && first == '0')
		return "bad prefix length";
	if (v > max)
		return "prefix length out of range";
	*plen = (uint8_t)v;
	return NULL;
}

/* Clear the bits beyond plen; 1 if any was set. */
static int
mask_host_bits(struct netaddr *a, uint8_t plen)
{
	size_t n = a->family == NETADDR_IPV4 ? 4 : 16, i;
	int set = 0;

	for (i = 0; i < n; i++) {
		unsigned keep = plen >= (i + 1) * 8 ? 8 :
		    plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = (uint8_t)(0xff00u >> keep);

		if (a->bytes[i] & ~mask)
			set = 1;
		a->bytes[i] &= mask;
	}
	return set;
}

const char *
bl_parse_prefix(struct cursor *c, int allow_len, struct netaddr *a,
    uint8_t *plen, int *host_bits)
{
	struct cursor addr, probe = *c;
	const uint8_t *text, *slash;
	const char *why;
	unsigned max;
	size_t n = cursor_left(c), alen;

	memset(a, 0, sizeof(*a));
	*plen = 0;
	*host_bits = 0;
	if (n == 0 || (text = cursor_take(&probe, n)) == NULL)
		return "not an address";
	slash = memchr(text, '/', n);
	if (slash != NULL && !allow_len)
		return "not an address";
	alen = slash != NULL ? (size_t)(slash - text) : n;
	if (alen == 0)
		return "not an address";
	addr = cursor_sub(c, alen);
	if (memchr(text, ':', alen) != NULL) {
		why = parse_ipv6(&addr, a->bytes);
		a->family = NETADDR_IPV6;
		max = 128;
	} else {
		why = parse_ipv4(&addr, a->bytes);
		a->family = NETADDR_IPV4;
		max = 32;
	}
	if (why == NULL && slash != NULL) {
		cursor_skip(c, 1);
		why = parse_plen(c, max, plen);
	} else if (why == NULL)
		*plen = (uint8_t)max;
	if (why != NULL) {
		memset(a, 0, sizeof(*a));
		*plen = 0;
		return why;
	}
	*host_bits = mask_host_bits(a, *plen);
	return NULL;
}

/* ---- tokens --------------------------------------------------------- */

void
bl_skip_blanks(struct cursor *c)
{
	while (cursor_left(c) > 0 && is_blank(cursor_peek_u8(c, 0)))
		cursor_skip(c, 1);
}

struct cursor
bl_token(struct cursor *c, const char *stops)
{
	size_t n = 0, left = cursor_left(c);

	while (n < left) {
		uint8_t b = cursor_peek_u8(c, n);

		if (is_blank(b) || strchr(stops, b) != NULL)
			break;
		n++;
	}
	return cursor_sub(c, n);
}

int
bl_take_word(struct cursor *c, const char *word)
{
	size_t n = strlen(word), i;

	if (cursor_left(c) < n)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t b = cursor_peek_u8(c, i), w = (uint8_t)word[i];

		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b - 'A' + 'a');
		if (w >= 'A' && w <= 'Z')
			w = (uint8_t)(w - 'A' + 'a');
		if (b != w)
			return 0;
	}
	cursor_skip(c, n);
	return 1;
}

const char *
bl_parse_text_entry(struct cursor *c, struct netaddr *a, uint8_t *plen,
    int *host_bits)
{
	struct cursor tok = bl_token(c, "#;");
	const char *why;
	uint8_t b;

	if ((why = bl_parse_prefix(&tok, 1, a, plen, host_bits)) != NULL)
		return why;
	bl_skip_blanks(c);
	b = cursor_peek_u8(c, 0);
	if (cursor_left(c) > 0 && b != '#' && b != ';') {
		memset(a, 0, sizeof(*a));
		return "unexpected text after the address";
	}
	return NULL;
}

/* ---- labels, errors, entries ---------------------------------------- */

size_t
bl_sanitise(char out[BL_LABEL_MAX], const uint8_t *in, size_t n)
{
	size_t i, len = 0;

	/* Leading blanks never reach out; trailing ones are cut at the end. */
	while (n > 0 && is_blank(*in)) {
		in++;
		n--;
	}
	for (i = 0; i < n && len < BL_LABEL_MAX - 1; i++) {
		uint8_t b = in[i];

		out[len++] = b == '\t' ? ' ' : b < 0x20 || b > 0x7e ? '?' :
		    (char)b;
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
	return len;
}

size_t
bl_sanitise_rest(char out[BL_LABEL_MAX], struct cursor *c)
{
	size_t n = cursor_left(c);
	const uint8_t *text = cursor_take(c, n);

	if (text == NULL || n == 0) {
		out[0] = '\0';
		return 0;
	}
	return bl_sanitise(out, text, n);
}

void
bl_reject(struct bl_parser *p, const struct bl_line *l, const char *why)
{
	struct bl_parse_report *r = p->report;

	r->rejected++;
	if (r->errors_kept < BL_ERRORS_KEPT) {
		r->errors[r->errors_kept].line = l->no;
		snprintf(r->errors[r->errors_kept].why,
		    sizeof(r->errors[0].why), "%s", why);
		r->errors_kept++;
	}
}

void
bl_add(struct bl_parser *p, const struct bl_line *l, const struct netaddr *a,
    uint8_t plen, int host_bits, const char *label)
{
	struct bl_entry e;

	if (p->max_entries != 0 && bl_list_count(p->list) >= p->max_entries) {
		p->report->over_cap++;
		return;
	}
	memset(&e, 0, sizeof(e));
	e.prefix = *a;
	e.plen = plen;
	e.line = l->no;
	if (bl_list_intern(p->list, label, &e.label) == -1 ||
	    bl_list_append(p->list, &e) == -1) {
		p->nomem = 1;
		return;
	}
	p->report->entries++;
	if (host_bits)
		p->report->normalised++;
}

/* ---- the driver ----------------------------------------------------- */

static const struct {
	enum bl_format	 format;
	bl_line_fn	*line;
} formats[] = {
	{ BL_FORMAT_PLAIN, bl_parse_plain_line },
	{ BL_FORMAT_EMERGING_THREATS, bl_parse_et_line },
	{ BL_FORMAT_SPAMHAUS_DROP, bl_parse_drop_line },
	{ BL_FORMAT_SPAMHAUS_JSON, bl_parse_drop_json_line },
	{ BL_FORMAT_FIREHOL, bl_parse_firehol_line },
	{ BL_FORMAT_FEODO_CSV, bl_parse_feodo_line },
};

/* NUL, C0 controls but tab, DEL: not text. */
static int
is_binary(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 1;
	return 0;
}

/* Cut blanks from both ends of the view. */
static void
trim(struct cursor *c)
{
	size_t n;

	bl_skip_blanks(c);
	n = cursor_left(c);
	while (n > 0 && is_blank(cursor_peek_u8(c, n - 1)))
		n--;
	*c = cursor_sub(c, n);
}

/*
 * The next line of body into l; 0 at the end.  A line too long or not
 * text is rejected here and l->c left empty: *skip says so.
 */
static int
next_line(struct bl_parser *p, struct cursor *body, struct bl_line *l,
    int *skip)
{
	const uint8_t *nl;
	size_t n, len, left = cursor_left(body);
	struct cursor probe;

	*skip = 0;
	if (left == 0)
		return 0;
	probe = *body;
	nl = memchr(cursor_take(&probe, left), '\n', left);
	n = nl != NULL ? (size_t)(nl - body->pos) : left;
	len = n > 0 && cursor_peek_u8(body, n - 1) == '\r' ? n - 1 : n;
	l->c = cursor_sub(body, len);
	cursor_skip(body, n - len + (nl != NULL ? 1 : 0));
	l->terminated = nl != NULL;
	if (l->no < UINT32_MAX)
		l->no++;
	p->report->lines++;

	if (len > BL_LINE_MAX) {
		bl_reject(p, l, "line too long");
		*skip = 1;
	} else {
		probe = l->c;
		if (is_binary(cursor_take(&probe, len), len)) {
			bl_reject(p, l, "binary data");
			*skip = 1;
		}
	}
	if (!*skip)
		trim(&l->c);
	return 1;
}

struct bl_list *
bl_list_parse(const char *name, enum bl_format format, const void *body,
    size_t len, const struct bl_parse_limits *limits,
    struct bl_parse_report *report)
{
	static const uint8_t bom[3] = { 0xef, 0xbb, 0xbf };
	struct bl_parse_report scratch;
	struct bl_parser p;
	struct bl_line l;
	struct cursor c;
	bl_line_fn *fn = NULL;
	size_t i;
	int skip;

	if (report == NULL)
		report = &scratch;
	memset(report, 0, sizeof(*report));
	memset(&p, 0, sizeof(p));
	memset(&l, 0, sizeof(l));
	p.report = report;
	p.max_entries = limits != NULL ? limits->max_entries : 0;
	p.csv_ip = p.csv_port = p.csv_malware = -1;
	if ((p.list = bl_list_new(name)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].format == format)
			fn = formats[i].line;
	if (fn == NULL) {
		bl_reject(&p, &l, "unknown list format");
		return p.list;
	}

	cursor_init(&c, body, body != NULL ? len : 0);
	if (cursor_left(&c) >= sizeof(bom) &&
	    memcmp(c.pos, bom, sizeof(bom)) == 0)
		cursor_skip(&c, sizeof(bom));
	while (!p.nomem && next_line(&p, &c, &l, &skip))
		if (!skip)
			fn(&p, &l);
	if (p.nomem) {
		bl_list_free(p.list);
		return NULL;
	}
	bl_list_shrink(p.list);
	return p.list;
}
