/*
 * test_cap_keys.c - the receiver's L7 keys: every form of Blueye key text
 * and every refusal (with where it is), the length bounds, building a set
 * (errors naming the line, limits, what a set reports of its keys), and
 * Hyperscan scans: keys split across stream scans, nocase, regexes,
 * blocks, one report per key, NUL and 0xff bytes, end-of-stream matches,
 * Hyperscan errors, the reference count, and 1000 random keys.
 */
#include "fs_test.h"

#include <stdlib.h>
#include <string.h>

#include "cap_keys.h"

/* Hits as reported, in order. */
#define HITS_MAX	2048

struct hits {
	uint32_t	key[HITS_MAX];
	uint64_t	end[HITS_MAX];
	size_t		n;
};

static void
collect(void *arg, uint32_t key, uint64_t end)
{
	struct hits *h = arg;

	assert_true(h->n < HITS_MAX);
	h->key[h->n] = key;
	h->end[h->n] = end;
	h->n++;
}

/* Parses, or fails the test with the message. */
static struct cap_key
parse_ok(const char *text, size_t len)
{
	struct cap_key k;
	char err[128];

	if (cap_key_parse(text, len, &k, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	return k;
}

/* Refused, with a message containing want. */
static void
parse_refused(const char *text, size_t len, const char *want)
{
	struct cap_key k;
	char err[128];

	memset(err, 0, sizeof(err));
	assert_int_equal(cap_key_parse(text, len, &k, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\": got \"%s\", want \"%s\"", text, err, want);
	assert_int_equal(k.len, 0);
}

static void
assert_key(const struct cap_key *k, const void *bytes, size_t len,
    int nocase)
{
	assert_int_equal(k->len, len);
	assert_memory_equal(k->bytes, bytes, len);
	assert_int_equal(k->nocase, nocase);
}

static struct cap_keyset *
build_ok(const struct cap_key_spec *specs, size_t n)
{
	struct cap_keyset *set;
	char err[512];

	if ((set = cap_keyset_build(specs, n, err, sizeof(err))) == NULL)
		fail_msg("build: %s", err);
	assert_int_equal(cap_keyset_count(set), n);
	return set;
}

/* Built from specs, or refused with a message containing want. */
static void
build_refused(const struct cap_key_spec *specs, size_t n, const char *want)
{
	char err[512];

	memset(err, 0, sizeof(err));
	assert_null(cap_keyset_build(specs, n, err, sizeof(err)));
	if (strstr(err, want) == NULL)
		fail_msg("got \"%s\", want \"%s\"", err, want);
}

static struct cap_keyscratch *
scratch_for(const struct cap_keyset *set)
{
	struct cap_keyscratch *sc = NULL;
	char err[128];

	if (cap_keyscratch_fit(&sc, set, err, sizeof(err)) != 0)
		fail_msg("scratch: %s", err);
	assert_non_null(sc);
	return sc;
}

static void
scan(struct cap_keystream *ks, struct cap_keyscratch *sc, const char *s,
    struct hits *h)
{
	assert_int_equal(cap_keystream_scan(ks, sc, (const uint8_t *)s,
	    strlen(s), collect, h), 0);
}

static void
parse_plain(void **state)
{
	struct cap_key k;

	(void)state;
	k = parse_ok("jellyfisH", 9);
	assert_key(&k, "jellyfisH", 9, 0);
	/* Only len bytes count: the text need not end in a NUL. */
	k = parse_ok("abcdefgh", 5);
	assert_key(&k, "abcde", 5, 0);
	/* Spaces outside bars are key bytes. */
	k = parse_ok(" a b ", 5);
	assert_key(&k, " a b ", 5, 0);
}

static void
parse_hex(void **state)
{
	struct cap_key k;

	(void)state;
	k = parse_ok("|54 68 61 74 73 27 41 6D 6F 72 65|", 34);
	assert_key(&k, "Thats'Amore", 11, 0);
	/* Without spaces, any case, and extra spaces between pairs. */
	k = parse_ok("|546861747327|", 14);
	assert_key(&k, "Thats'", 6, 0);
	k = parse_ok("|4a 4B  4c4D |", 14);
	assert_key(&k, "JKLM", 4, 0);
	k = parse_ok("|  61 62 63 64|", 15);
	assert_key(&k, "abcd", 4, 0);
	/* Two segments side by side. */
	k = parse_ok("|61 62||63 64|", 14);
	assert_key(&k, "abcd", 4, 0);
}

static void
parse_mixed(void **state)
{
	struct cap_key k;

	(void)state;
	k = parse_ok("GET |2f|admin", 13);
	assert_key(&k, "GET /admin", 10, 0);
	k = parse_ok("|0d 0a|Host: |20|x", 18);
	assert_key(&k, "\r\nHost:  x", 10, 0);
}

static void
parse_nocase(void **state)
{
	struct cap_key k;

	(void)state;
	k = parse_ok("the Blue orcinus;nocase", 23);
	assert_key(&k, "the Blue orcinus", 16, 1);
	k = parse_ok("|41 42|cd;nocase", 16);
	assert_key(&k, "ABcd", 4, 1);
	/* The suffix is case-sensitive and must end the text. */
	k = parse_ok("abcd;NOCASE", 11);
	assert_key(&k, "abcd;NOCASE", 11, 0);
	k = parse_ok("abcd;nocase ", 12);
	assert_key(&k, "abcd;nocase ", 12, 0);
	/* Only one suffix is taken off. */
	k = parse_ok("abcd;nocase;nocase", 18);
	assert_key(&k, "abcd;nocase", 11, 1);
	/* It does not count toward the length. */
	parse_refused("abc;nocase", 10, "shorter than 4 bytes (3)");
}

static void
parse_semicolon(void **state)
{
	struct cap_key k;

	(void)state;
	k = parse_ok("a;b;c", 5);
	assert_key(&k, "a;b;c", 5, 0);
	k = parse_ok("ab;nocasex", 10);
	assert_key(&k, "ab;nocasex", 10, 0);
	k = parse_ok(";nocase;nocase", 14);
	assert_key(&k, ";nocase", 7, 1);
	k = parse_ok("x|3b|nocase", 11);
	assert_key(&k, "x;nocase", 8, 0);
}

static void
parse_nul_ff(void **state)
{
	static const uint8_t want[] = { 0x00, 0xff, 'a', 'b', 0x00 };
	struct cap_key k;

	(void)state;
	k = parse_ok("|00 ff|ab|00|", 13);
	assert_key(&k, want, sizeof(want), 0);
	/* A NUL or 0xff in the text itself is a byte like any other. */
	k = parse_ok("a\0b\xff" "c", 5);
	assert_key(&k, "a\0b\xff" "c", 5, 0);
}

static void
parse_length_bounds(void **state)
{
	char text[3 * 256 + 8];
	struct cap_key k;
	size_t i, o;

	(void)state;
	k = parse_ok("abcd", 4);
	assert_int_equal(k.len, CAP_KEY_MIN);
	parse_refused("abc", 3, "shorter than 4 bytes (3)");
	parse_refused("|61 62 63|", 10, "shorter than 4 bytes (3)");

	memset(text, 'k', sizeof(text));
	k = parse_ok(text, 254);
	assert_int_equal(k.len, CAP_KEY_MAX);
	assert_int_equal(k.bytes[253], 'k');
	parse_refused(text, 255, "longer than 254 bytes (at byte 255)");
	parse_refused(text, sizeof(text), "longer than 254 bytes");

	/* The same bounds in hex. */
	for (o = 0, i = 0; i < 255; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s6b",
		    i == 0 ? "|" : " ");
	text[o++] = '|';
	parse_refused(text, o, "longer than 254 bytes (at byte 765)");
	text[o - 4] = '|';		/* drop the 255th pair */
	k = parse_ok(text, o - 3);
	assert_int_equal(k.len, CAP_KEY_MAX);
	/* Mixed: 253 text bytes and then two hex bytes. */
	memset(text, 'k', 253);
	memcpy(text + 253, "|61 62|", 7);
	parse_refused(text, 260, "longer than 254 bytes (at byte 259)");
	memcpy(text + 253, "|61|", 4);
	k = parse_ok(text, 257);
	assert_int_equal(k.len, CAP_KEY_MAX);
	assert_int_equal(k.bytes[253], 'a');
}

static void
parse_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "", "empty key" },
		{ ";nocase", "empty key" },
		{ "|41 4g|xx", "not a hex digit 'g' at byte 6" },
		{ "|41\t42|ab", "not a hex digit \\x09 at byte 4" },
		{ "ab|41|cd|zz|", "not a hex digit 'z' at byte 10" },
		{ "abcd|41", "unterminated | at byte 5" },
		{ "abcd|", "unterminated | at byte 5" },
		{ "|41 42 43 44", "unterminated | at byte 1" },
		{ "ab|41|c|d", "unterminated | at byte 8" },
		{ "ab||cd", "empty |...| at byte 3" },
		{ "ab|   |cd", "empty |...| at byte 3" },
		{ "|414|abcd", "odd number of hex digits in |...| at byte 1" },
		{ "abcd|4 1 4|", "odd number of hex digits in |...| at byte 5"
		},
		{ "|4 1|abcd", "space inside a hex pair at byte 3" },
		{ "xy|41 4 2|", "space inside a hex pair at byte 8" },
		{ "abc", "shorter than 4 bytes (3)" },
		{ "|00|", "shorter than 4 bytes (1)" },
	};
	struct cap_key k;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_refused(cases[i].text, strlen(cases[i].text),
		    cases[i].want);
	/* The message does not repeat the key: the caller names it. */
	assert_int_equal(cap_key_parse("zebra|4q|", 9, &k, err, sizeof(err)),
	    -1);
	assert_null(strstr(err, "zebra"));
	assert_non_null(strstr(err, "'q' at byte 8"));
	/* No error buffer, or a short one, is fine. */
	assert_int_equal(cap_key_parse("ab", 2, &k, NULL, 0), -1);
	assert_int_equal(cap_key_parse("ab", 2, &k, err, 4), -1);
	assert_string_equal(err, "sho");
	assert_int_equal(cap_key_parse(NULL, 0, &k, err, sizeof(err)), -1);
	assert_string_equal(err, "empty key");
}

static void
build_bad_key(void **state)
{
	char long_text[301];
	struct cap_key_spec specs[2] = {
		{ .text = "fine key", .line = 11 },
		{ .text = "abc", .line = 12 },
	};
	char err[512];

	(void)state;
	build_refused(specs, 2,
	    "line 12: key \"abc\": shorter than 4 bytes (3)");
	specs[1].text = "|41 4g|";
	build_refused(specs, 2,
	    "line 12: key \"|41 4g|\": not a hex digit 'g' at byte 6");
	/* Shown cut at 60 bytes. */
	memset(long_text, 'a', 300);
	long_text[300] = '\0';
	specs[1].text = long_text;
	assert_null(cap_keyset_build(specs, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "line 12: key \"aaaa"));
	assert_non_null(strstr(err, "a...\": longer than 254 bytes"));
	memset(long_text, 'a', 61);
	long_text[61] = '\0';
	assert_null(strstr(err, long_text));
	/* Non-printable bytes, quotes and backslashes are escaped. */
	specs[1].text = "a\x01\"\\\x7f|zz|";
	build_refused(specs, 2,
	    "line 12: key \"a\\x01\\\"\\\\\\x7f|zz|\": not a hex digit");
	/* Without a line: the entry's number. */
	specs[1].line = 0;
	specs[1].text = "ab";
	build_refused(specs, 2, "entry 2: key \"ab\": shorter than");
}

static void
build_bad_regex(void **state)
{
	struct cap_key_spec specs[3] = {
		{ .text = "fine key", .line = 3 },
		{ .text = "admin[0-9]+\\.php", .line = 5, .regex = 1 },
		{ .text = "foo(bar", .line = 7, .regex = 1 },
	};
	char err[512];

	(void)state;
	assert_null(cap_keyset_build(specs, 3, err, sizeof(err)));
	assert_non_null(strstr(err, "line 7: regex \"foo(bar\": "));
	/* Hyperscan's own message follows. */
	assert_true(strlen(err) > strlen("line 7: regex \"foo(bar\": "));
	/* A regex that matches the empty string is refused by Hyperscan. */
	specs[2].text = "x*";
	build_refused(specs, 3, "line 7: regex \"x*\": ");
	specs[2].text = "[a";
	specs[2].line = 0;
	build_refused(specs, 3, "entry 3: regex \"[a\": ");
}

static void
build_limits(void **state)
{
	struct cap_key_spec one = { .text = "abcd", .line = 1 };
	struct cap_key_spec *many;
	struct cap_keyset *set;
	char regex[CAP_KEY_REGEX_MAX + 2], name[CAP_KEY_NAME_MAX + 1];

	(void)state;
	build_refused(&one, 0, "no keys");
	many = calloc(CAP_KEYS_MAX + 1, sizeof(*many));
	assert_non_null(many);
	build_refused(many, CAP_KEYS_MAX + 1, "100001 keys: more than 100000");
	free(many);

	/* A regex of exactly CAP_KEY_REGEX_MAX bytes, then one more. */
	memset(regex, 'r', sizeof(regex));
	regex[CAP_KEY_REGEX_MAX] = '\0';
	one.regex = 1;
	one.text = regex;
	set = build_ok(&one, 1);
	cap_keyset_unref(set);
	regex[CAP_KEY_REGEX_MAX] = 'r';
	regex[CAP_KEY_REGEX_MAX + 1] = '\0';
	build_refused(&one, 1, "line 1: regex \"rrrr");
	build_refused(&one, 1, "...\": longer than 4096 bytes");

	/* Names: 63 bytes, then 64. */
	one.regex = 0;
	one.text = "abcd";
	memset(name, 'n', sizeof(name));
	name[CAP_KEY_NAME_MAX - 1] = '\0';
	one.name = name;
	set = build_ok(&one, 1);
	assert_string_equal(cap_keyset_key(set, 0)->name, name);
	cap_keyset_unref(set);
	name[CAP_KEY_NAME_MAX - 1] = 'n';
	name[CAP_KEY_NAME_MAX] = '\0';
	build_refused(&one, 1, "line 1: key \"abcd\": name longer than 63");

	one.name = NULL;
	one.text = NULL;
	build_refused(&one, 1, "key entry 1: no text");
}

static void
build_info(void **state)
{
	char text[] = "GET |2f|admin;nocase", rx[] = "pass(wd)?=", nm[] = "web";
	struct cap_key_spec specs[3] = {
		{ .text = text, .name = nm, .id = 40, .line = 2 },
		{ .text = rx, .id = 41, .line = 3, .regex = 1, .nocase = 1 },
		{ .text = "plain", .id = 42, .line = 4, .nocase = 1 },
	};
	const struct cap_key_info *ki;
	struct cap_keyset *set;

	(void)state;
	set = build_ok(specs, 3);
	/* The set has its own copies. */
	memset(text, 'x', sizeof(text) - 1);
	memset(rx, 'x', sizeof(rx) - 1);
	memset(nm, 'x', sizeof(nm) - 1);

	ki = cap_keyset_key(set, 0);
	assert_non_null(ki);
	assert_int_equal(ki->id, 40);
	assert_string_equal(ki->name, "web");
	assert_string_equal(ki->text, "GET |2f|admin;nocase");
	assert_int_equal(ki->regex, 0);
	assert_int_equal(ki->nocase, 1);
	ki = cap_keyset_key(set, 1);
	assert_int_equal(ki->id, 41);
	assert_string_equal(ki->name, "");
	assert_string_equal(ki->text, "pass(wd)?=");
	assert_int_equal(ki->regex, 1);
	assert_int_equal(ki->nocase, 1);
	/* A literal's nocase comes from its text, not the regex flag. */
	ki = cap_keyset_key(set, 2);
	assert_int_equal(ki->id, 42);
	assert_int_equal(ki->nocase, 0);
	assert_null(cap_keyset_key(set, 3));
	assert_true(cap_keyset_stream_size(set) > 0);
	cap_keyset_unref(set);

	cap_keyset_unref(NULL);
	assert_int_equal(cap_keyset_count(NULL), 0);
	assert_null(cap_keyset_key(NULL, 0));
	assert_int_equal(cap_keyset_stream_size(NULL), 0);
}

static void
stream_split_two(void **state)
{
	struct cap_key_spec specs[2] = {
		{ .text = "nothing here" },
		{ .text = "jellyfisH" },
	};
	struct cap_keyset *set = build_ok(specs, 2);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct hits h = { .n = 0 };

	(void)state;
	assert_non_null(ks);
	assert_int_equal(cap_keystream_offset(ks), 0);
	scan(ks, sc, "xxjelly", &h);
	assert_int_equal(h.n, 0);
	assert_int_equal(cap_keystream_offset(ks), 7);
	scan(ks, sc, "fisHyy", &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.key[0], 1);
	assert_int_equal(h.end[0], 11);
	assert_int_equal(cap_keystream_offset(ks), 13);
	/* An empty scan changes nothing. */
	assert_int_equal(cap_keystream_scan(ks, sc, NULL, 0, collect, &h), 0);
	assert_int_equal(cap_keystream_offset(ks), 13);
	cap_keystream_close(ks, sc, collect, &h);
	assert_int_equal(h.n, 1);
	cap_keystream_close(NULL, sc, NULL, NULL);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

static void
stream_split_three(void **state)
{
	struct cap_key_spec spec = { .text = "GET |2f|admin" };
	struct cap_keyset *set = build_ok(&spec, 1);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct hits h = { .n = 0 };

	(void)state;
	scan(ks, sc, "HTTP GE", &h);
	scan(ks, sc, "T /ad", &h);
	assert_int_equal(h.n, 0);
	scan(ks, sc, "min HTTP/1.1", &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.key[0], 0);
	assert_int_equal(h.end[0], 15);
	/* One byte per scan: still once, at the same end. */
	cap_keystream_close(ks, sc, collect, &h);
	ks = cap_keystream_open(set);
	h.n = 0;
	for (const char *p = "HTTP GET /admin HTTP/1.1"; *p != '\0'; p++)
		assert_int_equal(cap_keystream_scan(ks, sc,
		    (const uint8_t *)p, 1, collect, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.end[0], 15);
	cap_keystream_close(ks, sc, NULL, NULL);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

static void
stream_nocase(void **state)
{
	struct cap_key_spec specs[2] = {
		{ .text = "the Blue orcinus;nocase" },
		{ .text = "CaseD" },
	};
	struct cap_keyset *set = build_ok(specs, 2);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct hits h = { .n = 0 };

	(void)state;
	scan(ks, sc, "see THE BLUE", &h);
	scan(ks, sc, " ORCInus; cased CASED", &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.key[0], 0);
	assert_int_equal(h.end[0], 20);
	scan(ks, sc, " CaseD", &h);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.key[1], 1);
	assert_int_equal(h.end[1], 39);
	cap_keystream_close(ks, sc, collect, &h);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

static void
stream_regex(void **state)
{
	struct cap_key_spec specs[3] = {
		{ .text = "literal key" },
		{ .text = "adm[i1]n\\.php", .regex = 1 },
		{ .text = "user=[a-z]+&", .regex = 1, .nocase = 1 },
	};
	struct cap_keyset *set = build_ok(specs, 3);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct hits h = { .n = 0 };

	(void)state;
	scan(ks, sc, "GET /adm1", &h);
	scan(ks, sc, "n.php?USER=Ro", &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.key[0], 1);
	assert_int_equal(h.end[0], 14);
	scan(ks, sc, "OT&x", &h);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.key[1], 2);
	assert_int_equal(h.end[1], 25);
	cap_keystream_close(ks, sc, collect, &h);
	assert_int_equal(h.n, 2);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

/* A regex anchored at the end matches only when the stream closes. */
static void
stream_close_reports(void **state)
{
	struct cap_key_spec spec = { .text = "QUIT\\r\\n$", .regex = 1 };
	struct cap_keyset *set = build_ok(&spec, 1);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct hits h = { .n = 0 };

	(void)state;
	scan(ks, sc, "NOOP\r\nQUIT\r\n", &h);
	assert_int_equal(h.n, 0);
	cap_keystream_close(ks, sc, collect, &h);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.end[0], 12);
	/* Without a callback nothing is reported; with no scratch either. */
	ks = cap_keystream_open(set);
	scan(ks, sc, "QUIT\r\n", &h);
	cap_keystream_close(ks, sc, NULL, NULL);
	ks = cap_keystream_open(set);
	scan(ks, sc, "QUIT\r\n", &h);
	cap_keystream_close(ks, NULL, collect, &h);
	assert_int_equal(h.n, 1);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

static void
block_scan(void **state)
{
	struct cap_key_spec specs[3] = {
		{ .text = "|de ad be ef|" },
		{ .text = "dns.example;nocase" },
		{ .text = "absent key" },
	};
	static const uint8_t pkt[] = "\x01\x02\xde\xad\xbe\xef"
	    "\x03" "DNS.EXAMPLE\x00";
	struct cap_keyset *set = build_ok(specs, 3);
	struct cap_keyscratch *sc = scratch_for(set);
	struct hits h = { .n = 0 };

	(void)state;
	assert_int_equal(cap_keyset_scan_block(set, sc, pkt, sizeof(pkt) - 1,
	    collect, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.key[0], 0);
	assert_int_equal(h.end[0], 6);
	assert_int_equal(h.key[1], 1);
	assert_int_equal(h.end[1], 18);
	/* Blocks are independent: the next one starts at offset 0 again. */
	h.n = 0;
	assert_int_equal(cap_keyset_scan_block(set, sc, pkt + 2, 4, collect,
	    &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.end[0], 4);
	/* A key cut by the block's end does not match; empty is no hit. */
	h.n = 0;
	assert_int_equal(cap_keyset_scan_block(set, sc, pkt + 2, 3, collect,
	    &h), 0);
	assert_int_equal(cap_keyset_scan_block(set, sc, NULL, 0, collect, &h),
	    0);
	assert_int_equal(cap_keyset_scan_block(set, sc, pkt, sizeof(pkt) - 1,
	    NULL, NULL), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(cap_keyset_scan_block(NULL, sc, pkt, 4, collect, &h),
	    -1);
	assert_int_equal(cap_keyset_scan_block(set, NULL, pkt, 4, collect,
	    &h), -1);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

static void
single_match(void **state)
{
	struct cap_key_spec specs[2] = {
		{ .text = "twice" },
		{ .text = "tw[i1]ce!", .regex = 1 },
	};
	struct cap_keyset *set = build_ok(specs, 2);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct hits h = { .n = 0 };
	const char *blk = "twice twice twice";

	(void)state;
	scan(ks, sc, "twice, tw", &h);
	scan(ks, sc, "ice! twice! tw1ce!", &h);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.key[0], 0);
	assert_int_equal(h.end[0], 5);
	assert_int_equal(h.key[1], 1);
	assert_int_equal(h.end[1], 13);
	cap_keystream_close(ks, sc, collect, &h);
	assert_int_equal(h.n, 2);

	h.n = 0;
	assert_int_equal(cap_keyset_scan_block(set, sc, (const uint8_t *)blk,
	    strlen(blk), collect, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.end[0], 5);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

static void
key_nul_ff(void **state)
{
	struct cap_key_spec specs[2] = {
		{ .text = "|00 ff 00|ab" },
		{ .text = "|ff|Xy|00|;nocase" },
	};
	static const uint8_t data[] = {
		'x', 0x00, 0xff, 0x00, 'a', 'b', 'y', 0xff, 'x', 'Y', 0x00,
		0x00, 0xff, 0x00, 'A', 'B',
	};
	struct cap_keyset *set = build_ok(specs, 2);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct hits h = { .n = 0 };

	(void)state;
	assert_int_equal(cap_keystream_scan(ks, sc, data, 3, collect, &h), 0);
	assert_int_equal(cap_keystream_scan(ks, sc, data + 3,
	    sizeof(data) - 3, collect, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.key[0], 0);
	assert_int_equal(h.end[0], 6);
	assert_int_equal(h.key[1], 1);
	assert_int_equal(h.end[1], 11);
	cap_keystream_close(ks, sc, collect, &h);
	/* A NUL in the key does not end it: "\0\xff\0ab" only. */
	h.n = 0;
	assert_int_equal(cap_keyset_scan_block(set, sc, data + 1, 3, collect,
	    &h), 0);
	assert_int_equal(h.n, 0);
	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
}

static void
refcount_keeps_set(void **state)
{
	struct cap_key_spec spec = { .text = "alive", .name = "n1" };
	struct cap_keyset *set = build_ok(&spec, 1);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct cap_keystream *ks2;
	struct hits h = { .n = 0 };

	(void)state;
	assert_non_null(ks);
	cap_keyset_ref(set);
	cap_keyset_unref(set);
	/* The builder lets go; the stream's reference holds the set. */
	cap_keyset_unref(set);
	scan(ks, sc, "still alive", &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(cap_keyset_key(set, h.key[0])->name, "n1");
	assert_string_equal(cap_keyset_key(set, h.key[0])->text, "alive");
	ks2 = cap_keystream_open(set);
	assert_non_null(ks2);
	cap_keystream_close(ks, sc, collect, &h);
	assert_int_equal(cap_keyset_count(set), 1);
	assert_int_equal(cap_keyset_scan_block(set, sc,
	    (const uint8_t *)"alive", 5, collect, &h), 0);
	assert_int_equal(h.n, 2);
	cap_keystream_close(ks2, sc, collect, &h);	/* frees the set */
	cap_keyscratch_free(sc);
	assert_null(cap_keystream_open(NULL));
}

/* Scanning again from a hit, on the scratch that is in use. */
struct reenter {
	struct cap_keystream	*ks;
	struct cap_keyset	*set;
	struct cap_keyscratch	*sc;
	int			 stream_rc, block_rc;
};

static void
reenter(void *arg, uint32_t key, uint64_t end)
{
	struct reenter *r = arg;

	(void)key;
	(void)end;
	r->stream_rc = cap_keystream_scan(r->ks, r->sc,
	    (const uint8_t *)"abcd", 4, NULL, NULL);
	r->block_rc = cap_keyset_scan_block(r->set, r->sc,
	    (const uint8_t *)"abcd", 4, NULL, NULL);
}

static void
scan_errors(void **state)
{
	struct cap_key_spec spec = { .text = "abcd" };
	struct cap_keyset *set = build_ok(&spec, 1);
	struct cap_keyscratch *sc = scratch_for(set);
	struct cap_keystream *ks = cap_keystream_open(set);
	struct reenter r = { .set = set, .sc = sc };
	struct hits h = { .n = 0 };

	(void)state;
	r.ks = cap_keystream_open(set);
	assert_int_equal(cap_keyset_scan_block(set, sc,
	    (const uint8_t *)"xabcd", 5, reenter, &r), 0);
	assert_int_equal(r.stream_rc, -1);	/* HS_SCRATCH_IN_USE */
	assert_int_equal(r.block_rc, -1);
	/* A failed stream stays failed, and closing it only frees it. */
	assert_int_equal(cap_keystream_scan(r.ks, sc,
	    (const uint8_t *)"abcd", 4, collect, &h), -1);
	assert_int_equal(cap_keystream_offset(r.ks), 0);
	cap_keystream_close(r.ks, sc, collect, &h);
	assert_int_equal(h.n, 0);
	/* No scratch. */
	assert_int_equal(cap_keystream_scan(ks, NULL,
	    (const uint8_t *)"abcd", 4, collect, &h), -1);
	assert_int_equal(cap_keystream_scan(ks, sc,
	    (const uint8_t *)"abcd", 4, collect, &h), -1);
	assert_int_equal(h.n, 0);
	cap_keystream_close(ks, sc, collect, &h);
	cap_keyscratch_free(sc);
	cap_keyscratch_free(NULL);
	cap_keyset_unref(set);
}

static void
scratch_grows(void **state)
{
	struct cap_key_spec small = { .text = "abcd" };
	struct cap_key_spec big[64];
	char texts[64][32];
	struct cap_keyset *a, *b;
	struct cap_keyscratch *sc = NULL, *first;
	struct hits h = { .n = 0 };
	char err[128];
	size_t i;

	(void)state;
	memset(big, 0, sizeof(big));
	for (i = 0; i < 64; i++) {
		snprintf(texts[i], sizeof(texts[i]), "k%02zu[a-z]{%zu}x",
		    i, i + 1);
		big[i].text = texts[i];
		big[i].regex = 1;
	}
	a = build_ok(&small, 1);
	b = build_ok(big, 64);
	assert_int_equal(cap_keyscratch_fit(&sc, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no key set"));
	assert_null(sc);
	assert_int_equal(cap_keyscratch_fit(&sc, a, err, sizeof(err)), 0);
	first = sc;
	assert_int_equal(cap_keyscratch_fit(&sc, b, err, sizeof(err)), 0);
	assert_ptr_equal(sc, first);		/* grown in place */
	assert_int_equal(cap_keyset_scan_block(a, sc,
	    (const uint8_t *)"abcd", 4, collect, &h), 0);
	assert_int_equal(cap_keyset_scan_block(b, sc,
	    (const uint8_t *)"k03xyzzx", 8, collect, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.key[1], 3);
	cap_keyscratch_free(sc);
	cap_keyset_unref(a);
	cap_keyset_unref(b);
}

/* xorshift: the same keys every run. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
random_keys(void **state)
{
	enum { N = 1000 };
	struct cap_key_spec *specs;
	char (*texts)[16 * 3 + 4];
	uint8_t (*bytes)[16], *data;
	size_t *lens, *ends, i, j, o, total = 0;
	struct cap_keyset *set;
	struct cap_keyscratch *sc;
	struct cap_keystream *ks;
	struct hits *h;
	uint32_t seed = 2463534242u;
	int *seen;

	(void)state;
	specs = calloc(N, sizeof(*specs));
	texts = calloc(N, sizeof(*texts));
	bytes = calloc(N, sizeof(*bytes));
	lens = calloc(N, sizeof(*lens));
	ends = calloc(N, sizeof(*ends));
	seen = calloc(N, sizeof(*seen));
	h = calloc(1, sizeof(*h));
	data = malloc(N * 17);
	assert_true(specs && texts && bytes && lens && ends && seen && h &&
	    data);
	/* Random bytes 8-16 long, written as hex; data holds each once. */
	for (i = 0; i < N; i++) {
		lens[i] = 8 + rnd(&seed) % 9;
		o = (size_t)snprintf(texts[i], sizeof(texts[i]), "|");
		for (j = 0; j < lens[i]; j++) {
			bytes[i][j] = (uint8_t)rnd(&seed);
			o += (size_t)snprintf(texts[i] + o,
			    sizeof(texts[i]) - o, "%02x", bytes[i][j]);
		}
		snprintf(texts[i] + o, sizeof(texts[i]) - o, "|");
		specs[i].text = texts[i];
		specs[i].line = (uint32_t)i + 1;
		memcpy(data + total, bytes[i], lens[i]);
		total += lens[i];
		ends[i] = total;
		data[total++] = '\n';
	}
	set = build_ok(specs, N);
	sc = scratch_for(set);

	assert_int_equal(cap_keyset_scan_block(set, sc, data, total, collect,
	    h), 0);
	assert_int_equal(h->n, N);
	for (i = 0; i < h->n; i++) {
		assert_true(h->key[i] < N);
		assert_int_equal(h->end[i], ends[h->key[i]]);
		assert_int_equal(seen[h->key[i]]++, 0);
	}

	/* In a stream, in 7-byte pieces: the same hits. */
	h->n = 0;
	memset(seen, 0, N * sizeof(*seen));
	ks = cap_keystream_open(set);
	for (o = 0; o < total; o += 7)
		assert_int_equal(cap_keystream_scan(ks, sc, data + o,
		    total - o < 7 ? total - o : 7, collect, h), 0);
	assert_int_equal(cap_keystream_offset(ks), total);
	assert_int_equal(h->n, N);
	for (i = 0; i < h->n; i++) {
		assert_int_equal(h->end[i], ends[h->key[i]]);
		assert_int_equal(seen[h->key[i]]++, 0);
	}
	cap_keystream_close(ks, sc, collect, h);
	assert_int_equal(h->n, N);

	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
	free(specs);
	free(texts);
	free(bytes);
	free(lens);
	free(ends);
	free(seen);
	free(h);
	free(data);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(parse_plain),
	cmocka_unit_test(parse_hex),
	cmocka_unit_test(parse_mixed),
	cmocka_unit_test(parse_nocase),
	cmocka_unit_test(parse_semicolon),
	cmocka_unit_test(parse_nul_ff),
	cmocka_unit_test(parse_length_bounds),
	cmocka_unit_test(parse_errors),
	cmocka_unit_test(build_bad_key),
	cmocka_unit_test(build_bad_regex),
	cmocka_unit_test(build_limits),
	cmocka_unit_test(build_info),
	cmocka_unit_test(stream_split_two),
	cmocka_unit_test(stream_split_three),
	cmocka_unit_test(stream_nocase),
	cmocka_unit_test(stream_regex),
	cmocka_unit_test(stream_close_reports),
	cmocka_unit_test(block_scan),
	cmocka_unit_test(single_match),
	cmocka_unit_test(key_nul_ff),
	cmocka_unit_test(refcount_keeps_set),
	cmocka_unit_test(scan_errors),
	cmocka_unit_test(scratch_grows),
	cmocka_unit_test(random_keys),
};

FS_TEST_MAIN(tests)
