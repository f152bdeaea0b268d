/*
 * test_ctl_config_value.c - the text forms of configuration values
 * (controller/ctl_config_value.c): strict parsing with exact reasons, the
 * canonical formatting, and format -> parse giving back the same value.
 *
 * Every input is a heap copy of exactly its length, so AddressSanitizer
 * (FS_SANITIZE=ON) catches a read past the NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "exact_buf.h"

#include "ctl_config.h"
#include "ctl_config_impl.h"

static const char *
exact(const char *s)
{
	return exact_copy(s, strlen(s) + 1);
}

/* ---- durations -------------------------------------------------------- */

static void
duration_ok(void **state)
{
	static const struct {
		const char	*text;
		uint32_t	 seconds;
		const char	*canonical;
	} cases[] = {
		{ "0s", 0, "0s" }, { "30s", 30, "30s" }, { "60s", 60, "1m" },
		{ "90s", 90, "90s" }, { "5m", 300, "5m" },
		{ "90m", 5400, "90m" },
		{ "12h", 43200, "12h" }, { "24h", 86400, "1d" },
		{ "7d", 604800, "7d" }, { "007s", 7, "7s" },
		{ "49710d", 49710u * 86400u, "49710d" },
		{ "4294967295s", 4294967295u, "4294967295s" },
	};
	char buf[CTL_VALUE_STRLEN], why[256];
	uint32_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		if (ctl_parse_duration(exact(cases[i].text), &v, why,
		    sizeof(why)) != 0)
			fail_msg("%s: %s", cases[i].text, why);
		assert_int_equal(v, cases[i].seconds);
		assert_string_equal(ctl_format_duration(v, buf, sizeof(buf)),
		    cases[i].canonical);
		exact_release_last();
	}
}

static void
duration_bad(void **state)
{
	static const struct {
		const char	*text;
		const char	*why;
	} cases[] = {
		{ "", "expected a duration like 30s, 5m, 12h or 7d, found ''" },
		{ "60", "duration '60' needs a unit (s, m, h or d), like 60s" },
		{ "5x", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'5x'" },
		{ "5 m", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'5 m'" },
		{ " 5m", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "' 5m'" },
		{ "5m ", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'5m '" },
		{ "+5m", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'+5m'" },
		{ "-5m", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'-5m'" },
		{ "5M", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'5M'" },
		{ "1h30m", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'1h30m'" },
		{ "1.5h", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'1.5h'" },
		{ "m", "expected a duration like 30s, 5m, 12h or 7d, found "
		    "'m'" },
		{ "49711d", "duration '49711d' is too long" },
		{ "4294967296s", "duration '4294967296s' is too long" },
		{ "99999999999999999999s",
		    "duration '99999999999999999999s' is too long" },
	};
	char why[256];
	uint32_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		if (ctl_parse_duration(exact(cases[i].text), &v, why,
		    sizeof(why)) != -1)
			fail_msg("'%s' parsed", cases[i].text);
		assert_string_equal(why, cases[i].why);
		assert_int_equal(v, 12345);
		exact_release_last();
	}
	/* why may be NULL. */
	assert_int_equal(ctl_parse_duration("x", &v, NULL, 0), -1);
}

/* format -> parse is the identity, across the range. */
static void
duration_round_trip(void **state)
{
	char buf[CTL_VALUE_STRLEN];
	uint32_t v, back;
	uint64_t x = 1;

	(void)state;
	for (v = 0; v < 200000; v += 7) {
		assert_int_equal(ctl_parse_duration(ctl_format_duration(v, buf,
		    sizeof(buf)), &back, NULL, 0), 0);
		assert_int_equal(back, v);
	}
	for (; x <= UINT32_MAX; x = x * 3 + 1) {
		v = (uint32_t)x;
		assert_int_equal(ctl_parse_duration(ctl_format_duration(v, buf,
		    sizeof(buf)), &back, NULL, 0), 0);
		assert_int_equal(back, v);
	}
}

/* ---- sizes ------------------------------------------------------------ */

static void
size_ok(void **state)
{
	static const struct {
		const char	*text;
		uint64_t	 bytes;
		const char	*canonical;
	} cases[] = {
		{ "0", 0, "0" }, { "1000", 1000, "1000" },
		{ "1024", 1024, "1K" }, { "512K", 512 << 10, "512K" },
		{ "1024K", 1 << 20, "1M" }, { "64M", 64 << 20, "64M" },
		{ "1536K", 1536 << 10, "1536K" },
		{ "10G", (uint64_t)10 << 30, "10G" },
		{ "2T", (uint64_t)2 << 40, "2T" },
		{ "16777215T", (uint64_t)16777215 << 40, "16777215T" },
		{ "18446744073709551615", UINT64_MAX, "18446744073709551615" },
	};
	char buf[CTL_VALUE_STRLEN], why[256];
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ctl_parse_size(exact(cases[i].text), &v, why,
		    sizeof(why)) != 0)
			fail_msg("%s: %s", cases[i].text, why);
		assert_int_equal(v, cases[i].bytes);
		assert_string_equal(ctl_format_size(v, buf, sizeof(buf)),
		    cases[i].canonical);
		exact_release_last();
	}
}

static void
size_bad(void **state)
{
	static const char *const bad[] = {
		"", "64MB", "64MiB", "64m", "64 M", "-1", "+1", "1.5G", "G",
		"0x10", "1e6", "64M ", "64B",
	};
	static const char *const too_large[] = {
		"16777216T", "18446744073709551616", "99999999999999999999999K",
	};
	char why[256], want[256];
	uint64_t v = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ctl_parse_size(exact(bad[i]), &v, why, sizeof(why)) != -1)
			fail_msg("'%s' parsed", bad[i]);
		snprintf(want, sizeof(want), "expected a size like 512K, 64M "
		    "or 10G (K, M, G and T are powers of 1024), found '%s'",
		    bad[i]);
		assert_string_equal(why, want);
		exact_release_last();
	}
	for (i = 0; i < sizeof(too_large) / sizeof(too_large[0]); i++) {
		assert_int_equal(ctl_parse_size(exact(too_large[i]), &v, why,
		    sizeof(why)), -1);
		snprintf(want, sizeof(want), "size '%s' is too large",
		    too_large[i]);
		assert_string_equal(why, want);
		exact_release_last();
	}
	assert_int_equal(v, 7);
}

/* ---- booleans, numbers ------------------------------------------------ */

static void
bool_strict(void **state)
{
	static const char *const bad[] = {
		"yes", "no", "on", "off", "True", "FALSE", "1", "0", "", "y",
		"true ",
	};
	char why[256], want[128];
	int v = 5;
	size_t i;

	(void)state;
	assert_int_equal(ctl_parse_bool(exact("true"), &v, why, sizeof(why)),
	    0);
	assert_int_equal(v, 1);
	assert_int_equal(ctl_parse_bool(exact("false"), &v, why, sizeof(why)),
	    0);
	assert_int_equal(v, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ctl_parse_bool(exact(bad[i]), &v, why,
		    sizeof(why)), -1);
		snprintf(want, sizeof(want), "expected true or false, found "
		    "'%s'", bad[i]);
		assert_string_equal(why, want);
		exact_release_last();
	}
}

static void
uint_strict(void **state)
{
	char why[256];
	uint64_t v;

	(void)state;
	assert_int_equal(ctl_parse_uint(exact("0"), 10, &v, why, sizeof(why)),
	    0);
	assert_int_equal(v, 0);
	assert_int_equal(ctl_parse_uint(exact("2000000"), UINT64_MAX, &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v, 2000000);
	assert_int_equal(ctl_parse_uint(exact("18446744073709551615"),
	    UINT64_MAX, &v, why, sizeof(why)), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(ctl_parse_uint(exact("11"), 10, &v, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "expected at most 10, found '11'");
	assert_int_equal(ctl_parse_uint(exact("18446744073709551616"),
	    UINT64_MAX, &v, why, sizeof(why)), -1);
	assert_string_equal(why, "expected at most 18446744073709551615, "
	    "found '18446744073709551616'");
	assert_int_equal(ctl_parse_uint(exact("2,000,000"), UINT64_MAX, &v,
	    why, sizeof(why)), -1);
	assert_string_equal(why, "expected a whole number, found '2,000,000'");
	assert_int_equal(ctl_parse_uint(exact("-1"), 10, &v, why, sizeof(why)),
	    -1);
	assert_int_equal(ctl_parse_uint(exact("0x10"), 100, &v, why,
	    sizeof(why)), -1);
	assert_int_equal(ctl_parse_uint(exact(""), 100, &v, why, sizeof(why)),
	    -1);
}

/* ---- prefixes --------------------------------------------------------- */

static void
prefix_ok(void **state)
{
	static const struct {
		const char	*text;
		const char	*canonical;
	} cases[] = {
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "192.0.2.1", "192.0.2.1/32" },
		{ "192.0.2.1/32", "192.0.2.1/32" },
		{ "192.0.2.128/25", "192.0.2.128/25" },
		{ "fd00::/8", "fd00::/8" },
		{ "2001:DB8::/32", "2001:db8::/32" },
		{ "::/0", "::/0" },
		{ "2001:db8::1", "2001:db8::1/128" },
		{ "2001:db8:0:0:0:0:0:0/48", "2001:db8::/48" },
	};
	char buf[CTL_VALUE_STRLEN], why[256];
	struct ctl_prefix p, back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ctl_parse_prefix(exact(cases[i].text), &p, why,
		    sizeof(why)) != 0)
			fail_msg("%s: %s", cases[i].text, why);
		assert_string_equal(ctl_format_prefix(&p, buf, sizeof(buf)),
		    cases[i].canonical);
		assert_int_equal(ctl_parse_prefix(buf, &back, NULL, 0), 0);
		assert_int_equal(netaddr_compare(&p.addr, &back.addr), 0);
		assert_int_equal(p.plen, back.plen);
		exact_release_last();
	}
}

static void
prefix_bad(void **state)
{
	static const struct {
		const char	*text;
		const char	*why;
	} cases[] = {
		{ "10.0.0.0/33", "prefix length of '10.0.0.0/33' is out of "
		    "range (0 to 32, no leading zeros)" },
		{ "fd00::/129", "prefix length of 'fd00::/129' is out of range "
		    "(0 to 128, no leading zeros)" },
		{ "10.0.0.0/08", "prefix length of '10.0.0.0/08' is out of "
		    "range (0 to 32, no leading zeros)" },
		{ "10.0.0.1/8", "prefix '10.0.0.1/8' has host bits set (did "
		    "you mean '10.0.0.0/8'?)" },
		{ "192.0.2.129/25", "prefix '192.0.2.129/25' has host bits set "
		    "(did you mean '192.0.2.128/25'?)" },
		{ "2001:db8::1/32", "prefix '2001:db8::1/32' has host bits set "
		    "(did you mean '2001:db8::/32'?)" },
		{ "10.0.0.0/", "expected a prefix like 10.0.0.0/8 or fd00::/8, "
		    "found '10.0.0.0/'" },
		{ "10.0.0.0/8/8", "expected a prefix like 10.0.0.0/8 or "
		    "fd00::/8, found '10.0.0.0/8/8'" },
		{ "10.0.0.0/-1", "expected a prefix like 10.0.0.0/8 or "
		    "fd00::/8, found '10.0.0.0/-1'" },
		{ "10/8", "expected a prefix like 10.0.0.0/8 or fd00::/8, "
		    "found '10/8'" },
		{ "/8", "expected a prefix like 10.0.0.0/8 or fd00::/8, found "
		    "'/8'" },
		{ "", "expected a prefix like 10.0.0.0/8 or fd00::/8, found "
		    "''" },
		{ "example.org/24", "expected a prefix like 10.0.0.0/8 or "
		    "fd00::/8, found 'example.org/24'" },
		{ "10.0.0.0 /8", "expected a prefix like 10.0.0.0/8 or "
		    "fd00::/8, found '10.0.0.0 /8'" },
		{ "10.0.0.0/99999999999999999999999", "expected a prefix like "
		    "10.0.0.0/8 or fd00::/8, found "
		    "'10.0.0.0/99999999999999999999999'" },
	};
	char why[256];
	struct ctl_prefix p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ctl_parse_prefix(exact(cases[i].text), &p, why,
		    sizeof(why)) != -1)
			fail_msg("'%s' parsed", cases[i].text);
		assert_string_equal(why, cases[i].why);
		exact_release_last();
	}
}

/* ---- listen addresses ------------------------------------------------- */

static void
listen_ok(void **state)
{
	static const struct {
		const char	*text;
		const char	*canonical;
	} cases[] = {
		{ "127.0.0.1:8008", "127.0.0.1:8008" },
		{ "0.0.0.0:6343", "0.0.0.0:6343" },
		{ "[::]:6343", "[::]:6343" },
		{ "[::1]:1", "[::1]:1" },
		{ "[2001:DB8::1]:65535", "[2001:db8::1]:65535" },
	};
	char buf[CTL_VALUE_STRLEN], why[256];
	struct ctl_listen l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ctl_parse_listen(exact(cases[i].text), &l, why,
		    sizeof(why)) != 0)
			fail_msg("%s: %s", cases[i].text, why);
		assert_string_equal(ctl_format_listen(&l, buf, sizeof(buf)),
		    cases[i].canonical);
		exact_release_last();
	}
}

static void
listen_bad(void **state)
{
	static const struct {
		const char	*text;
		const char	*why;
	} cases[] = {
		{ "127.0.0.1", "expected an address and port like "
		    "127.0.0.1:8008 or [::1]:8008, found '127.0.0.1'" },
		{ "127.0.0.1:", "the port of '127.0.0.1:' is not a number "
		    "from 1 to 65535" },
		{ "127.0.0.1:0", "the port of '127.0.0.1:0' is not a number "
		    "from 1 to 65535" },
		{ "127.0.0.1:08008", "the port of '127.0.0.1:08008' is not a "
		    "number from 1 to 65535" },
		{ "127.0.0.1:65536", "the port of '127.0.0.1:65536' is not a "
		    "number from 1 to 65535" },
		{ "127.0.0.1:http", "the port of '127.0.0.1:http' is not a "
		    "number from 1 to 65535" },
		{ ":8008", "expected an address and port like 127.0.0.1:8008 "
		    "or [::1]:8008, found ':8008'" },
		{ "::1:8008", "an IPv6 address with a port needs brackets, "
		    "like [::1]:8008, found '::1:8008'" },
		{ "[::1]8008", "expected an address and port like "
		    "127.0.0.1:8008 or [::1]:8008, found '[::1]8008'" },
		{ "[::1", "expected an address and port like 127.0.0.1:8008 or "
		    "[::1]:8008, found '[::1'" },
		{ "[]:80", "expected an address and port like 127.0.0.1:8008 "
		    "or [::1]:8008, found '[]:80'" },
		{ "[127.0.0.1]:80", "expected an address and port like "
		    "127.0.0.1:8008 or [::1]:8008, found '[127.0.0.1]:80'" },
		{ "localhost:8008", "'localhost:8008' does not start with an "
		    "IPv4 or IPv6 address (host names are not looked up)" },
		{ "*:8008", "'*:8008' does not start with an IPv4 or IPv6 "
		    "address (host names are not looked up)" },
	};
	char why[256];
	struct ctl_listen l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ctl_parse_listen(exact(cases[i].text), &l, why,
		    sizeof(why)) != -1)
			fail_msg("'%s' parsed", cases[i].text);
		assert_string_equal(why, cases[i].why);
		exact_release_last();
	}
}

static void
loopback(void **state)
{
	static const struct {
		const char	*addr;
		int		 loopback;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.255.0.9", 1 }, { "::1", 1 },
		{ "::ffff:127.0.0.1", 1 }, { "0.0.0.0", 0 }, { "::", 0 },
		{ "10.0.0.1", 0 }, { "::2", 0 }, { "::ffff:10.0.0.1", 0 },
		{ "128.0.0.1", 0 },
	};
	struct netaddr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(netaddr_parse(cases[i].addr, &a), 0);
		if (ctl_addr_is_loopback(&a) != cases[i].loopback)
			fail_msg("%s", cases[i].addr);
	}
	memset(&a, 0, sizeof(a));
	assert_int_equal(ctl_addr_is_loopback(&a), 0);
}

/* ---- free space ------------------------------------------------------- */

static void
space(void **state)
{
	char buf[CTL_VALUE_STRLEN], why[256];
	struct ctl_space sp;

	(void)state;
	assert_int_equal(ctl_parse_space(exact("5%"), &sp, why, sizeof(why)),
	    0);
	assert_int_equal(sp.is_percent, 1);
	assert_int_equal(sp.percent, 5);
	assert_string_equal(ctl_format_space(&sp, buf, sizeof(buf)), "5%");
	assert_int_equal(ctl_parse_space(exact("0%"), &sp, why, sizeof(why)),
	    0);
	assert_int_equal(ctl_parse_space(exact("99%"), &sp, why, sizeof(why)),
	    0);
	assert_int_equal(ctl_parse_space(exact("20G"), &sp, why, sizeof(why)),
	    0);
	assert_int_equal(sp.is_percent, 0);
	assert_int_equal(sp.bytes, (uint64_t)20 << 30);
	assert_string_equal(ctl_format_space(&sp, buf, sizeof(buf)), "20G");
	assert_int_equal(ctl_parse_space(exact("100%"), &sp, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "percentage '100%' is out of range (0% to "
	    "99%)");
	assert_int_equal(ctl_parse_space(exact("5 %"), &sp, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "expected a percentage like 5% or a size like "
	    "10G, found '5 %'");
	assert_int_equal(ctl_parse_space(exact("%"), &sp, why, sizeof(why)),
	    -1);
	assert_int_equal(ctl_parse_space(exact("1.5%"), &sp, why, sizeof(why)),
	    -1);
}

/* ---- quoting found values in messages --------------------------------- */

static void
quote(void **state)
{
	char buf[64], *small;
	size_t n;

	(void)state;
	ctl_quote(exact("abc"), buf, sizeof(buf));
	assert_string_equal(buf, "'abc'");
	ctl_quote(exact("a\tb\x7f"), buf, sizeof(buf));
	assert_string_equal(buf, "'a?b?'");
	ctl_quote(exact("0123456789012345678901234567890123456789"
	    "0123456789"), buf, sizeof(buf));
	assert_string_equal(buf, "'012345678901234567890123456789012345678901"
	    "234567...'");
	/* A cut never splits a UTF-8 sequence: 47 bytes, then "é". */
	ctl_quote(exact("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "\xc3\xa9yyyy"), buf, sizeof(buf));
	assert_string_equal(buf, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxx...'");
	/* Any buffer size is safe. */
	for (n = 0; n < 16; n++) {
		small = exact_copy(NULL, n);
		ctl_quote("a long value to quote", small, n);
		if (n > 0)
			assert_true(strlen(small) < n);
		exact_release_last();
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(duration_ok, exact_free_all),
	cmocka_unit_test_teardown(duration_bad, exact_free_all),
	cmocka_unit_test(duration_round_trip),
	cmocka_unit_test_teardown(size_ok, exact_free_all),
	cmocka_unit_test_teardown(size_bad, exact_free_all),
	cmocka_unit_test_teardown(bool_strict, exact_free_all),
	cmocka_unit_test_teardown(uint_strict, exact_free_all),
	cmocka_unit_test_teardown(prefix_ok, exact_free_all),
	cmocka_unit_test_teardown(prefix_bad, exact_free_all),
	cmocka_unit_test_teardown(listen_ok, exact_free_all),
	cmocka_unit_test_teardown(listen_bad, exact_free_all),
	cmocka_unit_test(loopback),
	cmocka_unit_test_teardown(space, exact_free_all),
	cmocka_unit_test_teardown(quote, exact_free_all),
};

FS_TEST_MAIN(tests)
