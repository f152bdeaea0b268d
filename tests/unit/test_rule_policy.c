/*
 * test_rule_policy.c - the switch clients' pure parts (rules/
 * rule_policy.c, rules/rule_cumulus_parse.c): which failures are retried,
 * backoff with jitter, base URLs and pins, and reading the acl_server's
 * bodies (lines, names, lasterror) with their caps.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"

#include "rule_impl.h"

static void
retryable_table(void **state)
{
	(void)state;
	assert_true(rule_retryable(CURLE_COULDNT_CONNECT, 0));
	assert_true(rule_retryable(CURLE_OPERATION_TIMEDOUT, 0));
	assert_true(rule_retryable(CURLE_GOT_NOTHING, 0));
	assert_true(rule_retryable(CURLE_RECV_ERROR, 0));
	assert_true(rule_retryable(CURLE_SEND_ERROR, 0));
	assert_true(rule_retryable(CURLE_PARTIAL_FILE, 0));
	assert_true(rule_retryable(CURLE_SSL_CONNECT_ERROR, 0));
	assert_true(rule_retryable(CURLE_COULDNT_RESOLVE_HOST, 0));
	assert_true(rule_retryable(CURLE_OK, 500));
	assert_true(rule_retryable(CURLE_OK, 503));
	assert_true(rule_retryable(CURLE_OK, 599));
	assert_false(rule_retryable(CURLE_OK, 600));
	assert_false(rule_retryable(CURLE_OK, 200));
	assert_false(rule_retryable(CURLE_OK, 202));
	assert_false(rule_retryable(CURLE_OK, 400));
	assert_false(rule_retryable(CURLE_OK, 401));
	assert_false(rule_retryable(CURLE_OK, 404));
	assert_false(rule_retryable(CURLE_OK, 429));
	assert_false(rule_retryable(CURLE_PEER_FAILED_VERIFICATION, 0));
	assert_false(rule_retryable(CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0));
	assert_false(rule_retryable(CURLE_WRITE_ERROR, 200));
	assert_false(rule_retryable(CURLE_UNSUPPORTED_PROTOCOL, 0));
}

static void
backoff_bounds(void **state)
{
	uint32_t retry;

	(void)state;
	assert_int_equal(rule_backoff_ms(0, 250, 5000, 0), 0);
	/* rnd 0: the low end, d/2; rnd max: d. */
	assert_int_equal(rule_backoff_ms(1, 250, 5000, 0), 125);
	assert_int_equal(rule_backoff_ms(1, 250, 5000, UINT64_MAX), 250);
	assert_int_equal(rule_backoff_ms(2, 250, 5000, UINT64_MAX), 500);
	assert_int_equal(rule_backoff_ms(3, 250, 5000, 0), 500);
	assert_int_equal(rule_backoff_ms(5, 250, 5000, UINT64_MAX), 4000);
	assert_int_equal(rule_backoff_ms(6, 250, 5000, UINT64_MAX), 5000);
	assert_int_equal(rule_backoff_ms(6, 250, 5000, 0), 2500);
	/* Far past the cap: no overflow, still capped. */
	assert_int_equal(rule_backoff_ms(UINT32_MAX, 250, 5000, UINT64_MAX),
	    5000);
	assert_int_equal(rule_backoff_ms(40, UINT32_MAX, UINT32_MAX,
	    UINT64_MAX), UINT32_MAX);
	/* Everything in between stays in [d/2, d]. */
	for (retry = 1; retry < 10; retry++) {
		uint64_t s = retry, d = 250ULL << (retry - 1);
		int i;

		if (d > 5000)
			d = 5000;
		for (i = 0; i < 1000; i++) {
			uint64_t ms = rule_backoff_ms(retry, 250, 5000,
			    rule_prng(&s));

			assert_true(ms >= d / 2 && ms <= d);
		}
	}
}

static void
prng_spreads(void **state)
{
	uint64_t a = 1, b = 1, c = 2;

	(void)state;
	assert_int_equal(rule_prng(&a), rule_prng(&b));
	assert_int_not_equal(rule_prng(&a), rule_prng(&c));
	assert_int_not_equal(rule_prng(&a), rule_prng(&a));
}

static void
url_table(void **state)
{
	char long_url[RULE_URL_MAX + 8];

	(void)state;
	assert_true(rule_url_ok("https://10.0.0.52:8080/acl/", 0));
	assert_true(rule_url_ok("HTTPS://leaf1/acl", 0));
	assert_true(rule_url_ok("https://[2001:db8::52]:8080/acl/", 0));
	assert_false(rule_url_ok("http://10.0.0.52/acl/", 0));
	assert_true(rule_url_ok("http://10.0.0.52/acl/", 1));
	assert_false(rule_url_ok("ftp://10.0.0.52/acl/", 1));
	assert_false(rule_url_ok("https://", 0));
	assert_false(rule_url_ok("https:///acl/", 0));
	assert_false(rule_url_ok("https://user:pw@leaf1/acl/", 0));
	assert_false(rule_url_ok("https://leaf1/acl/?x=1", 0));
	assert_false(rule_url_ok("https://leaf1/acl/#x", 0));
	assert_false(rule_url_ok("https://leaf1/a cl/", 0));
	assert_false(rule_url_ok("https://leaf1/acl/\r\nX: y", 0));
	assert_false(rule_url_ok("https://leaf1/\xc3\xa9/", 0));
	assert_false(rule_url_ok("https://leaf1\\@evil/", 0));
	assert_false(rule_url_ok(NULL, 1));
	assert_true(rule_url_ok("https://leaf1/p@th/", 0));	/* path */
	memset(long_url, 'a', sizeof(long_url));
	memcpy(long_url, "https://", 8);
	long_url[RULE_URL_MAX - RULE_NAME_MAX - 3] = '\0';
	assert_true(rule_url_ok(long_url, 0));
	long_url[RULE_URL_MAX - RULE_NAME_MAX - 3] = 'a';
	long_url[RULE_URL_MAX - RULE_NAME_MAX - 2] = '\0';
	assert_false(rule_url_ok(long_url, 0));
}

static void
pin_table(void **state)
{
	(void)state;
	assert_true(rule_pin_ok(
	    "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE="));
	assert_true(rule_pin_ok(
	    "sha256//+/+/KSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE="));
	assert_false(rule_pin_ok(
	    "sha1//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE="));
	assert_false(rule_pin_ok(
	    "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMw="));
	assert_false(rule_pin_ok(
	    "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwEE"));
	assert_false(rule_pin_ok(
	    "sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMw;="));
	assert_false(rule_pin_ok("sha256//"));
	assert_false(rule_pin_ok("/etc/pin.pem"));
	assert_false(rule_pin_ok(NULL));
}

static void
sanitize_text(void **state)
{
	char s[] = "ok\ttab\nnl\x7f\xc3\xa9 \"q\"";

	(void)state;
	rule_sanitize(s);
	assert_string_equal(s, "ok?tab?nl??? \"q\"");
}

#define P(s)	(s), strlen(s)

static void
parse_lines_cases(void **state)
{
	struct rule_strings s;
	char err[RULE_ERR_MAX], big[RULE_LINE_MAX + 64];
	char body[RULE_LINE_MAX + 128];

	(void)state;
	assert_int_equal(rule_parse_lines(P("[\"[iptables]\",\"-A X\"]"), &s,
	    err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0], "[iptables]");
	assert_string_equal(s.v[1], "-A X");
	assert_int_equal(s.skipped, 0);
	rule_strings_free(&s);

	/* An object with "lines"; non-strings skipped; control bytes. */
	assert_int_equal(rule_parse_lines(P("{\"lines\":[\"a\\nb\",1,null]}"),
	    &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0], "a?b");
	assert_int_equal(s.skipped, 2);
	rule_strings_free(&s);

	/* A line longer than we keep is cut and counted. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(body, sizeof(body), "[\"%s\"]", big);
	assert_int_equal(rule_parse_lines(P(body), &s, err, sizeof(err)), 0);
	assert_int_equal(strlen(s.v[0]), RULE_LINE_MAX - 1);
	assert_int_equal(s.skipped, 1);
	rule_strings_free(&s);

	assert_int_equal(rule_parse_lines(P("{\"x\":1}"), &s, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "array"));
	assert_int_equal(rule_parse_lines(P("\"str\""), &s, err,
	    sizeof(err)), -1);
	assert_int_equal(rule_parse_lines(P("[1,"), &s, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "bad JSON"));
	assert_int_equal(rule_parse_lines(P(""), &s, err, sizeof(err)), -1);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
}

static void
parse_lines_capped(void **state)
{
	struct rule_strings s;
	char err[RULE_ERR_MAX], *body;
	size_t i, off = 0, n = RULE_MAX_LINES + 10;

	(void)state;
	body = malloc(n * 4 + 8);
	assert_non_null(body);
	body[off++] = '[';
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(body + off, "%s\"a\"", i ? "," : "");
	body[off++] = ']';
	assert_int_equal(rule_parse_lines(body, off, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, RULE_MAX_LINES);
	assert_int_equal(s.skipped, 10);
	rule_strings_free(&s);
	free(body);
}

static void
parse_names_cases(void **state)
{
	struct rule_strings s;
	char err[RULE_ERR_MAX];

	(void)state;
	assert_int_equal(rule_parse_names(P("[\"fscope_c1\",\"other\","
	    "\"Bad-Name\",\"lasterror\",\"a;b\",7]"), &s, err, sizeof(err)),
	    0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0], "fscope_c1");
	assert_string_equal(s.v[1], "other");
	assert_int_equal(s.skipped, 4);
	rule_strings_free(&s);

	assert_int_equal(rule_parse_names(P("{\"fscope_c2\":[\"x\"],"
	    "\"x y\":[]}"), &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0], "fscope_c2");
	assert_int_equal(s.skipped, 1);
	rule_strings_free(&s);

	assert_int_equal(rule_parse_names(P("[]"), &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	rule_strings_free(&s);
	assert_int_equal(rule_parse_names(P("42"), &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "JSON"));
	assert_int_equal(rule_parse_names(P("{\"a\":1,\"a\":2}"), &s, err,
	    sizeof(err)), -1);
}

static void
parse_lasterror_cases(void **state)
{
	struct rule_strings s;
	char err[RULE_ERR_MAX];
	long rc = -7;

	(void)state;
	assert_int_equal(rule_parse_lasterror(P("{\"returncode\":255,"
	    "\"lines\":[\"error: bad rule\",\"line 3\"]}"), &rc, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(rc, 255);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0], "error: bad rule");
	rule_strings_free(&s);

	assert_int_equal(rule_parse_lasterror(P("{\"returncode\":0}"), &rc,
	    &s, err, sizeof(err)), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(rule_parse_lasterror(P("{\"returncode\":"
	    "99999999999}"), &rc, &s, err, sizeof(err)), 0);
	assert_int_equal(rc, 1000000);

	assert_int_equal(rule_parse_lasterror(P("{\"lines\":[]}"), &rc, &s,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "returncode"));
	assert_int_equal(rule_parse_lasterror(P("{\"returncode\":\"1\"}"),
	    &rc, &s, err, sizeof(err)), -1);
	assert_int_equal(rule_parse_lasterror(P("{\"returncode\":1,"
	    "\"lines\":\"x\"}"), &rc, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an array"));
	assert_int_equal(rule_parse_lasterror(P("[1]"), &rc, &s, err,
	    sizeof(err)), -1);
	assert_int_equal(rule_parse_lasterror(P("{"), &rc, &s, err,
	    sizeof(err)), -1);
}

static void
lines_match_cases(void **state)
{
	struct rule_capture c;
	struct rule_lines rl;
	struct rule_strings s;
	char err[RULE_ERR_MAX], body[RULE_BODY_MAX], alt[RULE_BODY_MAX];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(netaddr_parse("10.0.0.5", &c.local), 0);
	assert_int_equal(netaddr_parse("198.51.100.7", &c.remote), 0);
	assert_int_equal(netaddr_parse("10.0.0.52", &c.erspan_src), 0);
	assert_int_equal(netaddr_parse("10.0.0.70", &c.receiver), 0);
	strcpy(c.in_interface, "swp+");
	assert_int_equal(rule_render_lines(&c, &rl, err, sizeof(err)), 0);
	assert_true(rule_render_json(&c, body, sizeof(body), err,
	    sizeof(err)) > 0);

	/* What we PUT reads back as a match. */
	assert_int_equal(rule_parse_lines(P(body), &s, err, sizeof(err)), 0);
	assert_true(rule_lines_match(&s, &rl));
	rule_strings_free(&s);

	/* Trailing spaces and blank lines aside, no marker. */
	snprintf(alt, sizeof(alt), "[\"%s  \",\"\",\"%s\\t\"]", rl.line[0],
	    rl.line[1]);
	assert_int_equal(rule_parse_lines(P(alt), &s, err, sizeof(err)), 0);
	assert_true(rule_lines_match(&s, &rl));
	rule_strings_free(&s);

	/* Other order, one line missing, one extra, another section. */
	snprintf(alt, sizeof(alt), "[\"%s\",\"%s\"]", rl.line[1], rl.line[0]);
	assert_int_equal(rule_parse_lines(P(alt), &s, err, sizeof(err)), 0);
	assert_false(rule_lines_match(&s, &rl));
	rule_strings_free(&s);
	snprintf(alt, sizeof(alt), "[\"[iptables]\",\"%s\"]", rl.line[0]);
	assert_int_equal(rule_parse_lines(P(alt), &s, err, sizeof(err)), 0);
	assert_false(rule_lines_match(&s, &rl));
	rule_strings_free(&s);
	snprintf(alt, sizeof(alt), "[\"%s\",\"%s\",\"-A FORWARD -j DROP\"]",
	    rl.line[0], rl.line[1]);
	assert_int_equal(rule_parse_lines(P(alt), &s, err, sizeof(err)), 0);
	assert_false(rule_lines_match(&s, &rl));
	rule_strings_free(&s);
	snprintf(alt, sizeof(alt), "[\"[ip6tables]\",\"%s\",\"%s\"]",
	    rl.line[0], rl.line[1]);
	assert_int_equal(rule_parse_lines(P(alt), &s, err, sizeof(err)), 0);
	assert_false(rule_lines_match(&s, &rl));
	rule_strings_free(&s);
	/* A non-string in the list: not what we put. */
	snprintf(alt, sizeof(alt), "[\"%s\",\"%s\",1]", rl.line[0],
	    rl.line[1]);
	assert_int_equal(rule_parse_lines(P(alt), &s, err, sizeof(err)), 0);
	assert_false(rule_lines_match(&s, &rl));
	rule_strings_free(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(retryable_table),
	cmocka_unit_test(backoff_bounds),
	cmocka_unit_test(prng_spreads),
	cmocka_unit_test(url_table),
	cmocka_unit_test(pin_table),
	cmocka_unit_test(sanitize_text),
	cmocka_unit_test(parse_lines_cases),
	cmocka_unit_test(parse_lines_capped),
	cmocka_unit_test(parse_names_cases),
	cmocka_unit_test(parse_lasterror_cases),
	cmocka_unit_test(lines_match_cases),
};

FS_TEST_MAIN(tests)
