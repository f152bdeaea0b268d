/*
 * test_bl_parse_common.c - the rules every list format shares
 * (blacklists/bl_parse_common.c, bl_list.c): addresses and prefix lengths,
 * host bits, lines (CRLF, BOM, blanks, length, binary bytes, a last line
 * without a newline), the error record, the entry cap, labels and their
 * interning, the bl_list accessors and bl_list_from_strings().
 *
 * Bodies are parsed from heap buffers of exactly their size.  The plain
 * format carries most cases: it adds nothing to the shared rules.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "exact_buf.h"
#include "bl_parse_util.h"

#include "bl_parse.h"
#include "cursor.h"

/* bl_parse_prefix() on a C string. */
static const char *
prefix_of(const char *s, int allow_len, struct netaddr *a, uint8_t *plen,
    int *host_bits)
{
	struct cursor c;
	const char *why;
	char *buf = exact_copy(s, strlen(s));

	cursor_init(&c, buf, strlen(s));
	why = bl_parse_prefix(&c, allow_len, a, plen, host_bits);
	exact_release_last();
	return why;
}

/* s parses as text/plen (text in netaddr_format form), host bits as said. */
static void
assert_prefix(const char *s, const char *text, unsigned plen, int host_bits)
{
	struct netaddr a;
	char buf[NETADDR_STRLEN];
	uint8_t got_plen;
	int got_hb;
	const char *why;
	size_t used, i;

	why = prefix_of(s, 1, &a, &got_plen, &got_hb);
	if (why != NULL)
		fail_msg("\"%s\": %s", s, why);
	assert_string_equal(netaddr_format(&a, buf, sizeof(buf)), text);
	assert_int_equal(got_plen, plen);
	assert_int_equal(got_hb, host_bits);
	used = a.family == NETADDR_IPV4 ? 4 : 16;
	for (i = used; i < sizeof(a.bytes); i++)
		assert_int_equal(a.bytes[i], 0);
}

/* s is rejected with exactly why, and leaves a zero address. */
static void
assert_no_prefix(const char *s, const char *why)
{
	static const struct netaddr zero;
	struct netaddr a;
	uint8_t plen;
	int hb;
	const char *got;

	memset(&a, 0xa5, sizeof(a));
	got = prefix_of(s, 1, &a, &plen, &hb);
	if (got == NULL)
		fail_msg("\"%s\" parsed", s);
	if (strcmp(got, why) != 0)
		fail_msg("\"%s\": \"%s\", expected \"%s\"", s, got, why);
	assert_memory_equal(&a, &zero, sizeof(a));
	assert_int_equal(plen, 0);
}

static void
ipv4_dotted_quads_only(void **state)
{
	(void)state;
	assert_prefix("0.0.0.0", "0.0.0.0", 32, 0);
	assert_prefix("255.255.255.255", "255.255.255.255", 32, 0);
	assert_prefix("192.0.2.1", "192.0.2.1", 32, 0);
	assert_prefix("10.0.0.0", "10.0.0.0", 32, 0);
	/* inet_aton's short, hex and octal forms are not addresses here. */
	assert_no_prefix("1.2.3", "not an address");
	assert_no_prefix("1", "not an address");
	assert_no_prefix("0x7f.0.0.1", "not an address");
	assert_no_prefix("0x7f000001", "not an address");
	assert_no_prefix("010.0.0.1", "IPv4 octet with a leading zero");
	assert_no_prefix("1.02.3.4", "IPv4 octet with a leading zero");
	assert_no_prefix("1.2.3.00", "IPv4 octet with a leading zero");
	assert_no_prefix("1.2.3.4.5", "not an address");
	assert_no_prefix("256.0.0.1", "not an address");
	assert_no_prefix("1.2.3.1000", "not an address");
	assert_no_prefix("1.2.3.4.", "not an address");
	assert_no_prefix(".1.2.3.4", "not an address");
	assert_no_prefix("1..2.3", "not an address");
	assert_no_prefix("1.2.3.4a", "not an address");
	assert_no_prefix("+1.2.3.4", "not an address");
	assert_no_prefix("1.2.3.-4", "not an address");
	assert_no_prefix("", "not an address");
	assert_no_prefix("/24", "not an address");
	assert_no_prefix("a.b.c.d", "not an address");
}

static void
ipv6_forms(void **state)
{
	(void)state;
	assert_prefix("2001:db8::1", "2001:db8::1", 128, 0);
	assert_prefix("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1",
	    128, 0);
	assert_prefix("::", "::", 128, 0);
	assert_prefix("::1", "::1", 128, 0);
	assert_prefix("2001:DB8::ABCD", "2001:db8::abcd", 128, 0);
	assert_prefix("::ffff:192.0.2.1", "::ffff:192.0.2.1", 128, 0);
	assert_prefix("2001:db8::/32", "2001:db8::", 32, 0);
	assert_prefix("0000:0000:0000:0000:0000:ffff:192.168.100.200",
	    "::ffff:192.168.100.200", 128, 0);
	assert_no_prefix("fe80::1%eth0", "not an address");
	assert_no_prefix("2001:db8:::1", "not an address");
	assert_no_prefix("1:2:3:4:5:6:7:8:9", "not an address");
	assert_no_prefix("2001:db8::g", "not an address");
	assert_no_prefix(":::", "not an address");
	assert_no_prefix("[2001:db8::1]", "not an address");
	/* 46 characters: longer than any text form, refused before copying. */
	assert_no_prefix("0000:0000:0000:0000:0000:ffff:192.168.100.2000",
	    "not an address");
	assert_no_prefix("::ffff:1.2.3", "not an address");
	assert_no_prefix("::ffff:01.2.3.4", "not an address");
}

static void
prefix_lengths(void **state)
{
	(void)state;
	assert_prefix("0.0.0.0/0", "0.0.0.0", 0, 0);
	assert_prefix("192.0.2.0/24", "192.0.2.0", 24, 0);
	assert_prefix("192.0.2.1/32", "192.0.2.1", 32, 0);
	assert_prefix("::/0", "::", 0, 0);
	assert_prefix("2001:db8::1/128", "2001:db8::1", 128, 0);
	assert_no_prefix("192.0.2.0/33", "prefix length out of range");
	assert_no_prefix("192.0.2.0/100", "prefix length out of range");
	assert_no_prefix("192.0.2.0/99999999999999999999",
	    "prefix length out of range");
	assert_no_prefix("2001:db8::/129", "prefix length out of range");
	assert_no_prefix("192.0.2.0/", "bad prefix length");
	assert_no_prefix("192.0.2.0/a", "bad prefix length");
	assert_no_prefix("192.0.2.0/24a", "bad prefix length");
	assert_no_prefix("192.0.2.0/-1", "bad prefix length");
	assert_no_prefix("192.0.2.0/+8", "bad prefix length");
	assert_no_prefix("192.0.2.0/08", "bad prefix length");
	assert_no_prefix("192.0.2.0/00", "bad prefix length");
	assert_no_prefix("192.0.2.0/24/8", "bad prefix length");
	assert_no_prefix("192.0.2.0/255.255.255.0", "bad prefix length");
}

static void
prefix_len_refused_when_not_allowed(void **state)
{
	struct netaddr a;
	uint8_t plen;
	int hb;

	(void)state;
	assert_string_equal(prefix_of("192.0.2.1/32", 0, &a, &plen, &hb),
	    "not an address");
	assert_null(prefix_of("192.0.2.1", 0, &a, &plen, &hb));
	assert_int_equal(plen, 32);
}

static void
host_bits_are_masked_and_counted(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	assert_prefix("10.1.2.3/8", "10.0.0.0", 8, 1);
	assert_prefix("192.0.2.255/31", "192.0.2.254", 31, 1);
	assert_prefix("192.0.2.129/25", "192.0.2.128", 25, 1);
	assert_prefix("192.0.2.128/25", "192.0.2.128", 25, 0);
	assert_prefix("255.255.255.255/0", "0.0.0.0", 0, 1);
	assert_prefix("2001:db8::1/32", "2001:db8::", 32, 1);
	assert_prefix("2001:db8:ffff:ffff::/33", "2001:db8:8000::", 33, 1);
	assert_prefix("2001:db8::ff/121", "2001:db8::80", 121, 1);

	l = parse(BL_FORMAT_PLAIN,
	    "10.1.2.3/8\n10.0.0.0/8\n2001:db8::1/64\n", &r);
	assert_entries(l, "10.0.0.0/8 @1\n10.0.0.0/8 @2\n2001:db8::/64 @3\n");
	assert_report(&r, REPORT(3, 3, 0, 2, 0));
}

static void
lines_crlf_bom_blanks(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_PLAIN,
	    "\xef\xbb\xbf" "192.0.2.1\r\n"
	    "\r\n"
	    "   \t \n"
	    "\t192.0.2.2  \r\n"
	    "\n"
	    "  # indented comment\n"
	    "192.0.2.3\t# tab, then a comment\r\n", &r);
	assert_entries(l, "192.0.2.1/32 @1\n192.0.2.2/32 @4\n"
	    "192.0.2.3/32 @7\n");
	assert_report(&r, REPORT(7, 3, 0, 0, 0));

	/* A BOM anywhere else is not one. */
	l = parse(BL_FORMAT_PLAIN, "192.0.2.1\n\xef\xbb\xbf" "192.0.2.2\n", &r);
	assert_entries(l, "192.0.2.1/32 @1\n");
	assert_report(&r, REPORT(2, 1, 1, 0, 0) "error 2 not an address\n");

	/* Only "\r\n" loses its '\r'; "\r\r\n" keeps one, which is binary. */
	l = parse(BL_FORMAT_PLAIN, "192.0.2.1\r\r\n", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0) "error 1 binary data\n");
}

static void
empty_bodies(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_PLAIN, "", &r);
	assert_entries(l, "");
	assert_report(&r, REPORT(0, 0, 0, 0, 0));
	l = parse(BL_FORMAT_PLAIN, "\xef\xbb\xbf", &r);
	assert_report(&r, REPORT(0, 0, 0, 0, 0));
	l = parse(BL_FORMAT_PLAIN, "\n", &r);
	assert_report(&r, REPORT(1, 0, 0, 0, 0));

	/* A NULL body of length 0 and a NULL report are accepted. */
	l = bl_list_parse("x", BL_FORMAT_PLAIN, NULL, 0, NULL, &r);
	assert_non_null(l);
	assert_int_equal(bl_list_count(l), 0);
	bl_list_free(l);
	l = bl_list_parse("x", BL_FORMAT_PLAIN, "192.0.2.1\n", 10, NULL, NULL);
	assert_non_null(l);
	assert_int_equal(bl_list_count(l), 1);
	bl_list_free(l);
}

/*
 * A last line without a newline may be a cut: "192.0.0.0/24" cut to
 * "192.0.0.0/2" is valid and 65536 times wider.  It is rejected.
 */
static void
last_line_without_newline(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_PLAIN, "192.0.2.0/24\n192.0.0.0/2", &r);
	assert_entries(l, "192.0.2.0/24 @1\n");
	assert_report(&r, REPORT(2, 1, 1, 0, 0)
	    "error 2 no newline at end (truncated?)\n");

	/* Not a cut: "\r" before the end is still no newline. */
	l = parse(BL_FORMAT_PLAIN, "192.0.2.1\r", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0)
	    "error 1 no newline at end (truncated?)\n");

	/* A bad last line says what is wrong with it first. */
	l = parse(BL_FORMAT_PLAIN, "192.0.2.1/3x", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0) "error 1 bad prefix length\n");

	/* A last comment or blank without a newline is just a line. */
	l = parse(BL_FORMAT_PLAIN, "192.0.2.1\n# end", &r);
	assert_entries(l, "192.0.2.1/32 @1\n");
	assert_report(&r, REPORT(2, 1, 0, 0, 0));
	l = parse(BL_FORMAT_PLAIN, "192.0.2.1\n  ", &r);
	assert_report(&r, REPORT(2, 1, 0, 0, 0));
}

static void
long_lines(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;
	char *body;
	size_t n = BL_LINE_MAX;

	(void)state;
	/* Exactly BL_LINE_MAX bytes (without "\r\n") is a line. */
	body = malloc(3 * (n + 2) + 64);
	assert_non_null(body);
	memcpy(body, "192.0.2.1", 9);
	memset(body + 9, ' ', n - 9);
	body[n - 1] = '#';
	memcpy(body + n, "\r\n", 2);
	/* One more is too long, even as a comment. */
	body[n + 2] = '#';
	memset(body + n + 3, 'x', n);
	body[2 * n + 3] = '\n';
	memcpy(body + 2 * n + 4, "192.0.2.2\n", 10);
	l = parse_n(BL_FORMAT_PLAIN, body, 2 * n + 14, 0, &r);
	free(body);
	assert_entries(l, "192.0.2.1/32 @1\n192.0.2.2/32 @3\n");
	assert_report(&r, REPORT(3, 2, 1, 0, 0) "error 2 line too long\n");
}

static void
binary_data(void **state)
{
	static const char body[] =
	    "192.0.2.1\n"
	    "192.0.2.2\0\n"			/* NUL */
	    "# a comment \x01 with a control\n"
	    "192.0.2.3 # DEL \x7f\n"
	    "192.0.2.4\r192.0.2.5\n"		/* a lone CR */
	    "\x1f\x8b\x08\x00\n"		/* the start of a gzip */
	    "# caf\xc3\xa9 is UTF-8, fine in a comment\n"
	    "192.0.2.\xc3\xa9\n"
	    "\xff\xfe" "1\0.\0\n"		/* UTF-16 */
	    "192.0.2.6\n";
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse_n(BL_FORMAT_PLAIN, body, sizeof(body) - 1, 0, &r);
	assert_entries(l, "192.0.2.1/32 @1\n192.0.2.6/32 @10\n");
	assert_report(&r, REPORT(10, 2, 7, 0, 0)
	    "error 2 binary data\n"
	    "error 3 binary data\n"
	    "error 4 binary data\n"
	    "error 5 binary data\n"
	    "error 6 binary data\n"
	    "error 8 not an address\n"
	    "error 9 binary data\n");
}

static void
errors_keep_the_first_few(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_PLAIN,
	    "x1\n192.0.2.1\nx3\nx4\n1.2.3.4/40\nx6\nx7\nx8\nx9\nx10\nx11\n"
	    "192.0.2.2\n", &r);
	assert_entries(l, "192.0.2.1/32 @2\n192.0.2.2/32 @12\n");
	assert_int_equal(r.errors_kept, BL_ERRORS_KEPT);
	assert_report(&r, REPORT(12, 2, 10, 0, 0)
	    "error 1 not an address\n"
	    "error 3 not an address\n"
	    "error 4 not an address\n"
	    "error 5 prefix length out of range\n"
	    "error 6 not an address\n"
	    "error 7 not an address\n"
	    "error 8 not an address\n"
	    "error 9 not an address\n");
}

static void
entry_cap(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;
	static const char body[] =
	    "192.0.2.1\n192.0.2.2/24\nbad\n192.0.2.3\n10.0.0.1/8\n";

	(void)state;
	l = parse_n(BL_FORMAT_PLAIN, body, sizeof(body) - 1, 2, &r);
	assert_entries(l, "192.0.2.1/32 @1\n192.0.2.0/24 @2\n");
	/* Dropped entries are not normalised, nor rejected. */
	assert_report(&r, REPORT(5, 2, 1, 1, 2) "error 3 not an address\n");

	l = parse_n(BL_FORMAT_PLAIN, body, sizeof(body) - 1, 1, &r);
	assert_entries(l, "192.0.2.1/32 @1\n");
	assert_report(&r, REPORT(5, 1, 1, 0, 3) "error 3 not an address\n");

	/* 0 means no cap. */
	l = parse_n(BL_FORMAT_PLAIN, body, sizeof(body) - 1, 0, &r);
	assert_int_equal(bl_list_count(l), 4);

	/* Labels of dropped entries are not interned. */
	l = parse_n(BL_FORMAT_SPAMHAUS_DROP, "192.0.2.0/24 ; SBL1\n"
	    "198.51.100.0/24 ; SBL2\n", 43, 1, &r);
	assert_entries(l, "192.0.2.0/24 @1 SBL1\n");
	assert_string_equal(bl_list_label(l, 2), "");
}

static void
sanitise_labels(void **state)
{
	char out[BL_LABEL_MAX], want[BL_LABEL_MAX];
	char in[200];

	(void)state;
	assert_int_equal(bl_sanitise(out, (const uint8_t *)"  a\tb  ", 7), 3);
	assert_string_equal(out, "a b");
	assert_int_equal(bl_sanitise(out,
	    (const uint8_t *)"caf\xc3\xa9 \x01\x7f~", 9), 9);
	assert_string_equal(out, "caf?? ??~");
	assert_int_equal(bl_sanitise(out, (const uint8_t *)" \t ", 3), 0);
	assert_string_equal(out, "");
	assert_int_equal(bl_sanitise(out, (const uint8_t *)"", 0), 0);

	/* Capped at BL_LABEL_MAX - 1, then trimmed again. */
	memset(in, 'a', sizeof(in));
	assert_int_equal(bl_sanitise(out, (const uint8_t *)in, sizeof(in)),
	    BL_LABEL_MAX - 1);
	memset(want, 'a', BL_LABEL_MAX - 1);
	want[BL_LABEL_MAX - 1] = '\0';
	assert_string_equal(out, want);
	in[BL_LABEL_MAX - 2] = ' ';
	assert_int_equal(bl_sanitise(out, (const uint8_t *)in, sizeof(in)),
	    BL_LABEL_MAX - 2);
}

static void
labels_are_interned(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;
	const struct bl_entry *e;
	char body[64 * 300 + 1];
	size_t i, n = 0;

	(void)state;
	l = parse(BL_FORMAT_SPAMHAUS_DROP,
	    "192.0.2.0/24 ; SBL1\n198.51.100.0/24 ; SBL2\n"
	    "203.0.113.0/24 ; SBL1\n10.0.0.0/8\n", &r);
	assert_entries(l, "192.0.2.0/24 @1 SBL1\n198.51.100.0/24 @2 SBL2\n"
	    "203.0.113.0/24 @3 SBL1\n10.0.0.0/8 @4\n");
	assert_int_equal(bl_list_entry(l, 0)->label, 1);
	assert_int_equal(bl_list_entry(l, 1)->label, 2);
	assert_int_equal(bl_list_entry(l, 2)->label, 1);
	assert_int_equal(bl_list_entry(l, 3)->label, 0);
	assert_string_equal(bl_list_label(l, 0), "");
	assert_string_equal(bl_list_label(l, 3), "");
	assert_string_equal(bl_list_label(l, UINT32_MAX), "");

	/* Enough labels to grow the pool and the hash set several times. */
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
		    "10.%zu.%zu.0/24 ; SBL%zu-%s\n", i / 256, i % 256, i % 150,
		    "a-rather-long-label-to-fill-the-pool");
	l = parse(BL_FORMAT_SPAMHAUS_DROP, body, &r);
	assert_int_equal(bl_list_count(l), 300);
	for (i = 0; i < 300; i++) {
		char want[BL_LABEL_MAX];

		e = bl_list_entry(l, i);
		snprintf(want, sizeof(want), "SBL%zu-%s", i % 150,
		    "a-rather-long-label-to-fill-the-pool");
		assert_string_equal(bl_list_label(l, e->label), want);
		assert_int_equal(e->label, i % 150 + 1);
	}
}

static void
list_accessors(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;
	char name[200];

	(void)state;
	assert_int_equal(bl_list_count(NULL), 0);
	assert_null(bl_list_entry(NULL, 0));
	assert_string_equal(bl_list_name(NULL), "");
	assert_string_equal(bl_list_label(NULL, 1), "");
	bl_list_free(NULL);

	l = parse(BL_FORMAT_PLAIN, "192.0.2.1\n", &r);
	assert_string_equal(bl_list_name(l), "test");
	assert_non_null(bl_list_entry(l, 0));
	assert_null(bl_list_entry(l, 1));
	assert_null(bl_list_entry(l, SIZE_MAX));

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	l = bl_list_parse(name, BL_FORMAT_PLAIN, "", 0, NULL, &r);
	assert_non_null(l);
	assert_int_equal(strlen(bl_list_name(l)), BL_NAME_MAX - 1);
	bl_list_free(l);
	l = bl_list_parse(NULL, BL_FORMAT_PLAIN, "", 0, NULL, &r);
	assert_non_null(l);
	assert_string_equal(bl_list_name(l), "");
	bl_list_free(l);
}

static void
unknown_format(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = bl_list_parse("x", (enum bl_format)0, "192.0.2.1\n", 10, NULL, &r);
	assert_non_null(l);
	assert_int_equal(bl_list_count(l), 0);
	assert_report(&r, REPORT(0, 0, 1, 0, 0) "error 0 unknown list format\n");
	bl_list_free(l);
}

static void
from_strings(void **state)
{
	static const char *const good[] = {
		"10.0.0.0/8", "2001:db8::/32", "192.0.2.1", "192.168.1.10/24",
	};
	static const char *const bad[] = { "10.0.0.0/8", "10.0.0.0/33" };
	static const char *const ugly[] = { "caf\xc3\xa9\t" };
	static const char *const missing[] = { "10.0.0.0/8", NULL };
	struct bl_list *l;
	char err[128];

	(void)state;
	l = bl_list_from_strings("local", good, 4, err, sizeof(err));
	assert_non_null(l);
	assert_string_equal(bl_list_name(l), "local");
	assert_entries(l, "10.0.0.0/8 @1\n2001:db8::/32 @2\n192.0.2.1/32 @3\n"
	    "192.168.1.0/24 @4\n");
	bl_list_free(l);

	l = bl_list_from_strings("none", good, 0, err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(bl_list_count(l), 0);
	bl_list_free(l);

	assert_null(bl_list_from_strings("x", bad, 2, err, sizeof(err)));
	assert_string_equal(err, "\"10.0.0.0/33\": prefix length out of range");
	assert_null(bl_list_from_strings("x", ugly, 1, err, sizeof(err)));
	assert_string_equal(err, "\"caf??\": not an address");
	assert_null(bl_list_from_strings("x", missing, 2, err, sizeof(err)));
	assert_string_equal(err, "prefix 2 is missing");
}

/* Many lines: counts, line numbers and a few labels stay right. */
static void
many_lines(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;
	const struct bl_entry *e;
	size_t n = 200000, i, len = 0;
	char *body = malloc(n * 24), addr[NETADDR_STRLEN];

	(void)state;
	assert_non_null(body);
	for (i = 0; i < n; i++) {
		if (i % 1000 == 0)
			len += (size_t)sprintf(body + len, "# Part %zu\n",
			    i / 1000 % 7);
		len += (size_t)sprintf(body + len, "10.%zu.%zu.%zu\n",
		    i >> 16, (i >> 8) & 255, i & 255);
	}
	l = parse_n(BL_FORMAT_EMERGING_THREATS, body, len, 0, &r);
	free(body);
	assert_int_equal(bl_list_count(l), n);
	assert_int_equal(r.lines, n + n / 1000);
	e = bl_list_entry(l, n - 1);
	assert_string_equal(netaddr_format(&e->prefix, addr, sizeof(addr)),
	    "10.3.13.63");
	assert_int_equal(e->line, n + n / 1000);
	assert_string_equal(bl_list_label(l, e->label), "Part 3");
	/* Seven sections, seven labels. */
	assert_string_equal(bl_list_label(l, 7), "Part 6");
	assert_string_equal(bl_list_label(l, 8), "");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(ipv4_dotted_quads_only, bl_util_teardown),
	cmocka_unit_test_teardown(ipv6_forms, bl_util_teardown),
	cmocka_unit_test_teardown(prefix_lengths, bl_util_teardown),
	cmocka_unit_test_teardown(prefix_len_refused_when_not_allowed,
	    bl_util_teardown),
	cmocka_unit_test_teardown(host_bits_are_masked_and_counted,
	    bl_util_teardown),
	cmocka_unit_test_teardown(lines_crlf_bom_blanks, bl_util_teardown),
	cmocka_unit_test_teardown(empty_bodies, bl_util_teardown),
	cmocka_unit_test_teardown(last_line_without_newline, bl_util_teardown),
	cmocka_unit_test_teardown(long_lines, bl_util_teardown),
	cmocka_unit_test_teardown(binary_data, bl_util_teardown),
	cmocka_unit_test_teardown(errors_keep_the_first_few, bl_util_teardown),
	cmocka_unit_test_teardown(entry_cap, bl_util_teardown),
	cmocka_unit_test_teardown(sanitise_labels, bl_util_teardown),
	cmocka_unit_test_teardown(labels_are_interned, bl_util_teardown),
	cmocka_unit_test_teardown(list_accessors, bl_util_teardown),
	cmocka_unit_test_teardown(unknown_format, bl_util_teardown),
	cmocka_unit_test_teardown(from_strings, bl_util_teardown),
	cmocka_unit_test_teardown(many_lines, bl_util_teardown),
};

FS_TEST_MAIN(tests)
