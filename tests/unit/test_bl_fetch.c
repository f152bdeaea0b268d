/*
 * test_bl_fetch.c - the fetcher's pure decisions (blacklists/
 * bl_fetch_policy.c): list names, URLs, backoff, jitter, the PRNG, the
 * response headers kept as validators, and what a finished transfer
 * means.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"

#include "bl_fetch.h"

static void
name_ok_table(void **state)
{
	static const char *good[] = {
		"a", "et-compromised", "A_b.c-1", "...", ".hidden", "x..y",
		"0",
	};
	static const char *bad[] = {
		"", ".", "..", "a/b", "../x", "/abs", "a b", "a\tb", "a\n",
		"caf\xc3\xa9", "a:b", "a*", "a\\b",
	};
	char long_name[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(bl_fetch_name_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(bl_fetch_name_ok(bad[i]));
	assert_false(bl_fetch_name_ok(NULL));
	memset(long_name, 'n', sizeof(long_name));
	long_name[63] = '\0';
	assert_true(bl_fetch_name_ok(long_name));	/* 63 */
	long_name[63] = 'n';
	long_name[64] = '\0';
	assert_false(bl_fetch_name_ok(long_name));	/* 64 */
}

static void
url_ok_table(void **state)
{
	char long_url[BL_FETCH_URL_MAX + 16];

	(void)state;
	assert_true(bl_fetch_url_ok("https://example.org/list.txt", 0));
	assert_true(bl_fetch_url_ok("HTTPS://example.org/", 0));
	assert_false(bl_fetch_url_ok("http://example.org/", 0));
	assert_true(bl_fetch_url_ok("http://example.org/", 1));
	assert_true(bl_fetch_url_ok("https://example.org/", 1));
	assert_false(bl_fetch_url_ok("ftp://example.org/x", 1));
	assert_false(bl_fetch_url_ok("file:///etc/passwd", 1));
	assert_false(bl_fetch_url_ok("https://", 0));
	assert_false(bl_fetch_url_ok("https://a b/", 0));
	assert_false(bl_fetch_url_ok("https://a/\r\nX: y", 0));
	assert_false(bl_fetch_url_ok("https://a/\x7f", 0));
	assert_false(bl_fetch_url_ok("https://a/\xc3\xa9", 0));
	assert_false(bl_fetch_url_ok("example.org/list", 1));
	assert_false(bl_fetch_url_ok(NULL, 1));
	memcpy(long_url, "https://a/", 10);
	memset(long_url + 10, 'x', sizeof(long_url) - 11);
	long_url[BL_FETCH_URL_MAX - 1] = '\0';
	assert_true(bl_fetch_url_ok(long_url, 0));
	long_url[BL_FETCH_URL_MAX - 1] = 'x';
	long_url[BL_FETCH_URL_MAX] = '\0';
	assert_false(bl_fetch_url_ok(long_url, 0));
}

static void
backoff_table(void **state)
{
	static const struct {
		uint32_t failures;
		uint64_t base, cap, want;
	} cases[] = {
		{ 0, 60000, 3600000, 0 },
		{ 1, 60000, 3600000, 60000 },
		{ 2, 60000, 3600000, 120000 },
		{ 3, 60000, 3600000, 240000 },
		{ 6, 60000, 3600000, 1920000 },
		{ 7, 60000, 3600000, 3600000 },		/* 3840000 capped */
		{ 1000, 60000, 3600000, 3600000 },
		{ UINT32_MAX, 60000, 3600000, 3600000 },
		{ 1, 60000, 30000, 30000 },		/* refresh below base */
		{ 100, 1, UINT64_MAX, UINT64_MAX },	/* no overflow */
		{ 3, 200, 1000, 800 },
		{ 4, 200, 1000, 1000 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(bl_fetch_backoff_ms(cases[i].failures,
		    cases[i].base, cases[i].cap), cases[i].want);
}

static void
jitter_bounds(void **state)
{
	uint64_t seed = 42, sum = 0, v, lo = UINT64_MAX, hi = 0;
	int i;

	(void)state;
	assert_int_equal(bl_fetch_jitter_ms(1000, 0), 900);
	assert_int_equal(bl_fetch_jitter_ms(1000, UINT64_MAX), 1099);
	assert_int_equal(bl_fetch_jitter_ms(1000, 1ULL << 63), 1000);
	assert_int_equal(bl_fetch_jitter_ms(0, UINT64_MAX), 0);
	assert_int_equal(bl_fetch_jitter_ms(43200000, 0), 38880000);
	/* Intervals past 2^32 - 1 ms are clamped, not overflowed. */
	assert_true(bl_fetch_jitter_ms(UINT64_MAX, UINT64_MAX) <=
	    (uint64_t)UINT32_MAX * 11 / 10);
	for (i = 0; i < 10000; i++) {
		v = bl_fetch_jitter_ms(10000, bl_fetch_prng(&seed));
		assert_true(v >= 9000 && v < 11000);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
	}
	/* Spread over the whole range, centred. */
	assert_true(lo < 9100 && hi > 10900);
	assert_true(sum / 10000 > 9900 && sum / 10000 < 10100);
}

static void
prng_deterministic(void **state)
{
	uint64_t a = 7, b = 7, c = 8;
	int i, same = 0;

	(void)state;
	for (i = 0; i < 100; i++) {
		uint64_t x = bl_fetch_prng(&a), y = bl_fetch_prng(&b);

		assert_true(x == y);
		same += x == bl_fetch_prng(&c);
	}
	assert_int_equal(same, 0);
	/* The published first output of splitmix64 seeded with 0. */
	a = 0;
	assert_true(bl_fetch_prng(&a) == 0xe220a8397b1dcdafULL);
}

static void
fnv_known(void **state)
{
	(void)state;
	assert_true(bl_fetch_fnv1a64("", 0) == 0xcbf29ce484222325ULL);
	assert_true(bl_fetch_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(bl_fetch_fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
}

static void
header_value_table(void **state)
{
	(void)state;
	assert_true(bl_fetch_header_value_ok("\"abc\"", 5, 256));
	assert_true(bl_fetch_header_value_ok("W/\"a b\"", 7, 256));
	assert_false(bl_fetch_header_value_ok("", 0, 256));
	assert_false(bl_fetch_header_value_ok("a\rb", 3, 256));
	assert_false(bl_fetch_header_value_ok("a\nb", 3, 256));
	assert_false(bl_fetch_header_value_ok("a\0b", 3, 256));
	assert_false(bl_fetch_header_value_ok("a\x7f", 2, 256));
	assert_false(bl_fetch_header_value_ok("\xc3\xa9", 2, 256));
	assert_true(bl_fetch_header_value_ok("abc", 3, 4));
	assert_false(bl_fetch_header_value_ok("abcd", 4, 4));	/* + NUL */
}

static int
line(struct bl_fetch_validators *v, const char *s)
{
	return bl_fetch_header_line(s, strlen(s), v);
}

static void
header_line_table(void **state)
{
	struct bl_fetch_validators v;
	char big[400];

	(void)state;
	memset(&v, 0, sizeof(v));
	assert_int_equal(line(&v, "ETag: \"abc\"\r\n"), 1);
	assert_string_equal(v.etag, "\"abc\"");
	assert_int_equal(line(&v, "etag:\t W/\"x y\"  \r\n"), 1);
	assert_string_equal(v.etag, "W/\"x y\"");
	assert_int_equal(line(&v,
	    "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n"), 1);
	assert_string_equal(v.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
	assert_int_equal(line(&v, "LAST-MODIFIED:x\n"), 1);
	assert_string_equal(v.last_modified, "x");

	/* Refused values leave the old one. */
	assert_int_equal(line(&v, "ETag: \r\n"), 0);
	assert_int_equal(line(&v, "ETag: \"a\x01\"\r\n"), 0);
	assert_int_equal(line(&v, "ETag: \"\xc3\xa9\"\r\n"), 0);
	assert_string_equal(v.etag, "W/\"x y\"");
	memcpy(big, "ETag: ", 6);
	memset(big + 6, 'e', 256);
	big[262] = '\0';
	assert_int_equal(line(&v, big), 0);		/* 256 bytes: too long */
	big[261] = '\0';
	assert_int_equal(line(&v, big), 1);		/* 255 bytes */
	assert_int_equal(strlen(v.etag), 255);

	/* Other headers, and look-alikes, are ignored. */
	assert_int_equal(line(&v, "ETagX: y\r\n"), 0);
	assert_int_equal(line(&v, "X-ETag: y\r\n"), 0);
	assert_int_equal(line(&v, "Content-Length: 5\r\n"), 0);
	assert_int_equal(line(&v, "\r\n"), 0);
	assert_int_equal(line(&v, ""), 0);

	/* A new response forgets the validators of the previous one. */
	assert_int_equal(line(&v, "HTTP/1.1 200 OK\r\n"), 1);
	assert_string_equal(v.etag, "");
	assert_string_equal(v.last_modified, "");
}

static enum bl_fetch_status
classify(CURLcode code, long http, int over_cap, int conditional,
    const char *curl_error, char *err)
{
	struct bl_fetch_transfer_facts t;

	memset(&t, 0, sizeof(t));
	t.code = code;
	t.http_status = http;
	t.over_cap = over_cap;
	t.conditional = conditional;
	t.curl_error = curl_error;
	t.max_bytes = 1000;
	return bl_fetch_classify(&t, err, BL_FETCH_ERR_MAX);
}

static void
classify_table(void **state)
{
	struct bl_fetch_transfer_facts t;
	char err[BL_FETCH_ERR_MAX];

	(void)state;
	assert_int_equal(classify(CURLE_OK, 200, 0, 0, "", err),
	    BL_FETCH_UPDATED);
	assert_string_equal(err, "");
	assert_int_equal(classify(CURLE_OK, 200, 0, 1, "", err),
	    BL_FETCH_UPDATED);
	assert_int_equal(classify(CURLE_OK, 304, 0, 1, "", err),
	    BL_FETCH_NOT_MODIFIED);
	assert_int_equal(classify(CURLE_OK, 304, 0, 0, "", err),
	    BL_FETCH_FAILED);
	assert_non_null(strstr(err, "unconditional"));
	assert_int_equal(classify(CURLE_OK, 404, 0, 0, "", err),
	    BL_FETCH_FAILED);
	assert_string_equal(err, "HTTP 404");
	assert_int_equal(classify(CURLE_OK, 500, 0, 1, "", err),
	    BL_FETCH_FAILED);
	assert_string_equal(err, "HTTP 500");
	/* Other 2xx are not a list body. */
	assert_int_equal(classify(CURLE_OK, 204, 0, 0, "", err),
	    BL_FETCH_FAILED);
	assert_int_equal(classify(CURLE_OK, 206, 0, 0, "", err),
	    BL_FETCH_FAILED);
	/* The cap, while receiving and as declared. */
	assert_int_equal(classify(CURLE_WRITE_ERROR, 200, 1, 0, "x", err),
	    BL_FETCH_FAILED);
	assert_string_equal(err, "body larger than max_bytes (1000)");
	assert_int_equal(classify(CURLE_FILESIZE_EXCEEDED, 200, 0, 0, "", err),
	    BL_FETCH_FAILED);
	assert_non_null(strstr(err, "declared"));
	/* Transport errors: libcurl's detail, else its generic text. */
	assert_int_equal(classify(CURLE_OPERATION_TIMEDOUT, 200, 0, 0,
	    "Operation timed out after 2000 ms", err), BL_FETCH_FAILED);
	assert_string_equal(err, "Operation timed out after 2000 ms");
	assert_int_equal(classify(CURLE_COULDNT_CONNECT, 0, 0, 0, "", err),
	    BL_FETCH_FAILED);
	assert_string_equal(err, curl_easy_strerror(CURLE_COULDNT_CONNECT));
	assert_int_equal(classify(CURLE_PARTIAL_FILE, 200, 0, 0, NULL, err),
	    BL_FETCH_FAILED);
	assert_string_equal(err, curl_easy_strerror(CURLE_PARTIAL_FILE));
	/* A complete-looking 200 that ran out of memory is not a body. */
	memset(&t, 0, sizeof(t));
	t.code = CURLE_WRITE_ERROR;
	t.http_status = 200;
	t.out_of_memory = 1;
	assert_int_equal(bl_fetch_classify(&t, err, sizeof(err)),
	    BL_FETCH_FAILED);
	assert_non_null(strstr(err, "memory"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(name_ok_table),
	cmocka_unit_test(url_ok_table),
	cmocka_unit_test(backoff_table),
	cmocka_unit_test(jitter_bounds),
	cmocka_unit_test(prng_deterministic),
	cmocka_unit_test(fnv_known),
	cmocka_unit_test(header_value_table),
	cmocka_unit_test(header_line_table),
	cmocka_unit_test(classify_table),
};

FS_TEST_MAIN(tests)
