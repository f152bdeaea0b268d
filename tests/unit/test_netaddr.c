/*
 * test_netaddr.c - IPv4/IPv6 address values (common/netaddr.c): reading
 * from a cursor, formatting, parsing and ordering.
 *
 * Input and output buffers are heap copies of exactly the size under test,
 * so AddressSanitizer (FS_SANITIZE=ON) catches a byte read or written past
 * their end.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "exact_buf.h"

#include "cursor.h"
#include "netaddr.h"

static const uint8_t v4_bytes[4] = { 192, 0, 2, 1 };
static const uint8_t v6_bytes[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};

/* An address with a set byte pattern, to show that a failure clears it. */
static void
scribble(struct netaddr *a)
{
	memset(a, 0xA5, sizeof(*a));
}

static void
assert_cleared(const struct netaddr *a)
{
	static const struct netaddr zero;

	assert_int_equal(a->family, NETADDR_NONE);
	assert_memory_equal(a->bytes, zero.bytes, sizeof(zero.bytes));
}

static void
assert_parses(const char *s, int family, const uint8_t *bytes, size_t n)
{
	struct netaddr a;
	uint8_t want[16] = { 0 };

	scribble(&a);
	assert_int_equal(netaddr_parse(s, &a), 0);
	assert_int_equal(a.family, family);
	memcpy(want, bytes, n);
	assert_memory_equal(a.bytes, want, sizeof(want));
}

static void
assert_rejects(const char *s)
{
	struct netaddr a;

	scribble(&a);
	if (netaddr_parse(s, &a) != -1)
		fail_msg("\"%s\" parsed as an address", s);
	assert_cleared(&a);
}

/* Format a parsed address into a buffer of exactly size bytes. */
static const char *
format_exact(const char *text, size_t size)
{
	struct netaddr a;
	char *buf;

	assert_int_equal(netaddr_parse(text, &a), 0);
	buf = exact_copy(NULL, size);
	assert_ptr_equal(netaddr_format(&a, buf, size), buf);
	return buf;
}

/* ---- netaddr_read ------------------------------------------------------ */

static void
read_ipv4_takes_four_bytes(void **state)
{
	static const uint8_t b[] = { 192, 0, 2, 1, 0xEE };
	struct cursor c;
	struct netaddr a;
	uint8_t want[16] = { 192, 0, 2, 1 };

	(void)state;
	cursor_init(&c, exact_copy(b, sizeof(b)), sizeof(b));
	scribble(&a);
	netaddr_read(&c, NETADDR_IPV4, &a);
	assert_int_equal(a.family, NETADDR_IPV4);
	assert_memory_equal(a.bytes, want, sizeof(want));
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 1);
	assert_int_equal(cursor_u8(&c), 0xEE);
}

static void
read_ipv6_takes_sixteen_bytes(void **state)
{
	struct cursor c;
	struct netaddr a;

	(void)state;
	cursor_init(&c, exact_copy(v6_bytes, sizeof(v6_bytes)),
	    sizeof(v6_bytes));
	scribble(&a);
	netaddr_read(&c, NETADDR_IPV6, &a);
	assert_int_equal(a.family, NETADDR_IPV6);
	assert_memory_equal(a.bytes, v6_bytes, sizeof(v6_bytes));
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 0);
}

static void
read_ipv4_truncated_gives_none(void **state)
{
	struct cursor c;
	struct netaddr a;

	(void)state;
	cursor_init(&c, exact_copy(v4_bytes, 3), 3);
	scribble(&a);
	netaddr_read(&c, NETADDR_IPV4, &a);
	assert_cleared(&a);
	assert_int_equal(cursor_error(&c), CURSOR_TRUNCATED);
	assert_int_equal(cursor_left(&c), 0);
}

static void
read_ipv6_truncated_gives_none(void **state)
{
	struct cursor c;
	struct netaddr a;

	(void)state;
	cursor_init(&c, exact_copy(v6_bytes, 15), 15);
	scribble(&a);
	netaddr_read(&c, NETADDR_IPV6, &a);
	assert_cleared(&a);
	assert_int_equal(cursor_error(&c), CURSOR_TRUNCATED);
	assert_int_equal(cursor_left(&c), 0);
}

static void
read_from_failed_cursor_gives_none(void **state)
{
	struct cursor c;
	struct netaddr a;

	(void)state;
	cursor_init(&c, exact_copy(v6_bytes, sizeof(v6_bytes)),
	    sizeof(v6_bytes));
	cursor_fail(&c, CURSOR_INVALID);
	scribble(&a);
	netaddr_read(&c, NETADDR_IPV4, &a);
	assert_cleared(&a);
	assert_int_equal(cursor_error(&c), CURSOR_INVALID);
}

/* Two reads of the same address give memcmp-equal values. */
static void
read_values_compare_equal_with_memcmp(void **state)
{
	static const uint8_t b[] = { 10, 1, 2, 3, 10, 1, 2, 3 };
	struct cursor c;
	struct netaddr a1, a2;

	(void)state;
	cursor_init(&c, exact_copy(b, sizeof(b)), sizeof(b));
	memset(&a1, 0x11, sizeof(a1));
	memset(&a2, 0x22, sizeof(a2));
	netaddr_read(&c, NETADDR_IPV4, &a1);
	netaddr_read(&c, NETADDR_IPV4, &a2);
	assert_memory_equal(&a1, &a2, sizeof(a1));
}

/* ---- netaddr_format ---------------------------------------------------- */

static void
format_ipv4_dotted_quad(void **state)
{
	(void)state;
	assert_string_equal(format_exact("192.0.2.1", NETADDR_STRLEN),
	    "192.0.2.1");
	assert_string_equal(format_exact("0.0.0.0", NETADDR_STRLEN),
	    "0.0.0.0");
	assert_string_equal(format_exact("255.255.255.255", NETADDR_STRLEN),
	    "255.255.255.255");
}

static void
format_ipv6_compressed(void **state)
{
	(void)state;
	assert_string_equal(format_exact(
	    "2001:0db8:0000:0000:0000:0000:0000:0001", NETADDR_STRLEN),
	    "2001:db8::1");
	assert_string_equal(format_exact("::", NETADDR_STRLEN), "::");
	assert_string_equal(format_exact("::1", NETADDR_STRLEN), "::1");
	assert_string_equal(format_exact("fe80:0:0:0:1:0:0:1",
	    NETADDR_STRLEN), "fe80::1:0:0:1");
	assert_string_equal(format_exact("2001:db8:0:1:1:1:1:1",
	    NETADDR_STRLEN), "2001:db8:0:1:1:1:1:1");
}

static void
format_ipv6_longest_forms_fit(void **state)
{
	(void)state;
	assert_string_equal(format_exact(
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NETADDR_STRLEN),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(format_exact("::ffff:255.255.255.255",
	    NETADDR_STRLEN), "::ffff:255.255.255.255");
}

static void
format_none_is_dash(void **state)
{
	struct netaddr a;
	char buf[NETADDR_STRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_ptr_equal(netaddr_format(&a, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "-");
}

static void
format_exact_fit_buffer(void **state)
{
	(void)state;
	/* strlen + 1 for the NUL */
	assert_string_equal(format_exact("192.0.2.1", 10), "192.0.2.1");
	assert_string_equal(format_exact("2001:db8::1", 12), "2001:db8::1");
}

/* Too small for the address: a "-" placeholder, never a partial address. */
static void
format_small_buffer_gives_dash(void **state)
{
	(void)state;
	assert_string_equal(format_exact("192.0.2.1", 9), "-");
	assert_string_equal(format_exact("192.0.2.1", 2), "-");
	assert_string_equal(format_exact("2001:db8::1", 11), "-");
}

static void
format_one_byte_buffer_is_empty_string(void **state)
{
	struct netaddr none;
	char *buf;

	(void)state;
	assert_string_equal(format_exact("192.0.2.1", 1), "");
	memset(&none, 0, sizeof(none));
	buf = exact_copy(NULL, 1);
	assert_string_equal(netaddr_format(&none, buf, 1), "");
}

static void
format_zero_size_writes_nothing(void **state)
{
	struct netaddr a, none;
	char buf[4] = { 'x', 'x', 'x', 'x' };

	(void)state;
	assert_int_equal(netaddr_parse("192.0.2.1", &a), 0);
	memset(&none, 0, sizeof(none));
	(void)netaddr_format(&a, buf, 0);
	(void)netaddr_format(&none, buf, 0);
	assert_memory_equal(buf, "xxxx", 4);
}

/* ---- netaddr_parse ----------------------------------------------------- */

static void
parse_ipv4_valid(void **state)
{
	static const uint8_t zero[4], ones[4] = { 255, 255, 255, 255 };

	(void)state;
	assert_parses("192.0.2.1", NETADDR_IPV4, v4_bytes, 4);
	assert_parses("0.0.0.0", NETADDR_IPV4, zero, 4);
	assert_parses("255.255.255.255", NETADDR_IPV4, ones, 4);
}

static void
parse_ipv6_valid(void **state)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1
	};

	(void)state;
	assert_parses("2001:db8::1", NETADDR_IPV6, v6_bytes, 16);
	assert_parses("2001:0DB8:0:0:0:0:0:1", NETADDR_IPV6, v6_bytes, 16);
	assert_parses("::", NETADDR_IPV6, zero, 16);
	/* An IPv4-mapped address stays IPv6. */
	assert_parses("::ffff:192.0.2.1", NETADDR_IPV6, mapped, 16);
}

static void
parse_rejects_malformed_ipv4(void **state)
{
	(void)state;
	assert_rejects("");
	assert_rejects("256.1.1.1");
	assert_rejects("1.2.3");
	assert_rejects("1.2.3.4.5");
	assert_rejects("1.2.3.-4");
	assert_rejects("192.0.2.1/24");
	assert_rejects(" 192.0.2.1");
	assert_rejects("192.0.2.1 ");
	assert_rejects("192.0.2.1x");
	assert_rejects("0x7f.0.0.1");
}

static void
parse_rejects_malformed_ipv6(void **state)
{
	(void)state;
	assert_rejects(":");
	assert_rejects(":::");
	assert_rejects("2001:db8:::1");
	assert_rejects("2001:db8::1::2");
	assert_rejects("2001:db8::g");
	assert_rejects("1:2:3:4:5:6:7:8:9");
	assert_rejects("12345::1");
	assert_rejects("2001:db8::1/64");
	assert_rejects("[2001:db8::1]");
}

static void
parse_rejects_non_addresses(void **state)
{
	(void)state;
	assert_rejects("hello");
	assert_rejects("localhost");
	assert_rejects("-");
}

static void
parse_then_format_round_trips(void **state)
{
	static const char *const texts[] = {
		"192.0.2.1", "10.0.0.0", "2001:db8::1", "::", "fe80::1:2",
		"::ffff:10.1.2.3", "2001:db8:1:2:3:4:5:6",
	};
	struct netaddr a, b;
	char buf[NETADDR_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(netaddr_parse(texts[i], &a), 0);
		netaddr_format(&a, buf, sizeof(buf));
		assert_string_equal(buf, texts[i]);
		assert_int_equal(netaddr_parse(buf, &b), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

/* ---- netaddr_compare --------------------------------------------------- */

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	if (s != NULL)
		assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

/* a < b, and the ordering is antisymmetric. */
static void
assert_less(const char *a, const char *b)
{
	struct netaddr x = addr(a), y = addr(b);

	if (sign(netaddr_compare(&x, &y)) != -1 ||
	    sign(netaddr_compare(&y, &x)) != 1)
		fail_msg("expected %s < %s", a != NULL ? a : "(none)",
		    b != NULL ? b : "(none)");
}

static void
compare_equal_is_zero(void **state)
{
	struct netaddr x = addr("192.0.2.1"), y = addr("192.0.2.1");
	struct netaddr v6a = addr("2001:db8::1"), v6b = addr("2001:db8::1");
	struct netaddr n1 = addr(NULL), n2 = addr(NULL);

	(void)state;
	assert_int_equal(netaddr_compare(&x, &y), 0);
	assert_int_equal(netaddr_compare(&x, &x), 0);
	assert_int_equal(netaddr_compare(&v6a, &v6b), 0);
	assert_int_equal(netaddr_compare(&n1, &n2), 0);
}

static void
compare_orders_family_first(void **state)
{
	(void)state;
	assert_less(NULL, "0.0.0.0");
	assert_less("255.255.255.255", "::");
	assert_less(NULL, "::");
}

static void
compare_orders_bytes_unsigned(void **state)
{
	(void)state;
	assert_less("10.0.0.1", "10.0.0.2");
	assert_less("9.255.255.255", "10.0.0.0");
	assert_less("127.255.255.255", "128.0.0.0");
	assert_less("2001:db8::1", "2001:db8::2");
	assert_less("2001:db8::ffff", "2001:db8:0:1::");
	assert_less("7fff::", "8000::");
}

static void
compare_ipv4_and_mapped_ipv6_differ(void **state)
{
	struct netaddr v4 = addr("192.0.2.1");
	struct netaddr mapped = addr("::ffff:192.0.2.1");

	(void)state;
	assert_int_not_equal(netaddr_compare(&v4, &mapped), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(read_ipv4_takes_four_bytes, exact_free_all),
	cmocka_unit_test_teardown(read_ipv6_takes_sixteen_bytes, exact_free_all),
	cmocka_unit_test_teardown(read_ipv4_truncated_gives_none, exact_free_all),
	cmocka_unit_test_teardown(read_ipv6_truncated_gives_none, exact_free_all),
	cmocka_unit_test_teardown(read_from_failed_cursor_gives_none,
	    exact_free_all),
	cmocka_unit_test_teardown(read_values_compare_equal_with_memcmp,
	    exact_free_all),
	cmocka_unit_test_teardown(format_ipv4_dotted_quad, exact_free_all),
	cmocka_unit_test_teardown(format_ipv6_compressed, exact_free_all),
	cmocka_unit_test_teardown(format_ipv6_longest_forms_fit, exact_free_all),
	cmocka_unit_test_teardown(format_none_is_dash, exact_free_all),
	cmocka_unit_test_teardown(format_exact_fit_buffer, exact_free_all),
	cmocka_unit_test_teardown(format_small_buffer_gives_dash, exact_free_all),
	cmocka_unit_test_teardown(format_one_byte_buffer_is_empty_string,
	    exact_free_all),
	cmocka_unit_test_teardown(format_zero_size_writes_nothing, exact_free_all),
	cmocka_unit_test(parse_ipv4_valid),
	cmocka_unit_test(parse_ipv6_valid),
	cmocka_unit_test(parse_rejects_malformed_ipv4),
	cmocka_unit_test(parse_rejects_malformed_ipv6),
	cmocka_unit_test(parse_rejects_non_addresses),
	cmocka_unit_test(parse_then_format_round_trips),
	cmocka_unit_test(compare_equal_is_zero),
	cmocka_unit_test(compare_orders_family_first),
	cmocka_unit_test(compare_orders_bytes_unsigned),
	cmocka_unit_test(compare_ipv4_and_mapped_ipv6_differ),
};

FS_TEST_MAIN(tests)
