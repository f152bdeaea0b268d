/*
 * fuzz_blacklist_parse.c - libFuzzer target: one input is one list body
 * as a download or a file delivers it, in any of the list formats.
 *
 * The first byte picks the parse: its low three bits the format (modulo
 * the six formats: 0 plain, 1 emerging-threats, 2 spamhaus-drop,
 * 3 spamhaus-json, 4 firehol, 5 feodo-csv), its high five bits
 * max_entries (0: no cap), small so that the cap is hit.  The rest is the
 * body.  Each input goes through:
 *  - bl_list_parse() of the body, whose list and report must keep the
 *    API's promises (FUZZ_CHECK): counters that add up, errors kept in
 *    order with a static reason, entries with host bits and padding zero,
 *    lines in order, labels printable, trimmed and short;
 *  - bl_list_parse() of a prefix of the body (cut where a hash of the
 *    input says, from a heap buffer of exactly that size): its entries must
 *    be the first entries of the whole parse, the truncation contract of
 *    bl_parse.h;
 *  - bl_list_from_strings() on the first lines of the body.
 *
 * Seeds (corpus/blacklist_parse/): each fixture body of
 * tests/fixtures/blacklists/CASE/ behind the byte of its format, named
 * CASE, plus a few hand-made ones named after what they reach.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blacklists.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#define FROM_STRINGS_MAX	8	/* lines tried as configuration */
#define STRING_MAX		128

static const enum bl_format formats[] = {
	BL_FORMAT_PLAIN, BL_FORMAT_EMERGING_THREATS, BL_FORMAT_SPAMHAUS_DROP,
	BL_FORMAT_SPAMHAUS_JSON, BL_FORMAT_FIREHOL, BL_FORMAT_FEODO_CSV,
};

static volatile uint64_t sink;

/* Printable ASCII, no blank at either end, shorter than max. */
static void
check_text(const char *s, size_t max, int trimmed)
{
	size_t n = strlen(s), i;

	FUZZ_CHECK(n < max);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(s[i] >= 0x20 && s[i] <= 0x7e);
	if (trimmed && n > 0)
		FUZZ_CHECK(s[0] != ' ' && s[n - 1] != ' ');
}

static void
check_report(const struct bl_parse_report *r, const struct bl_list *l,
    uint32_t max)
{
	uint32_t i;

	FUZZ_CHECK(r->entries == bl_list_count(l));
	FUZZ_CHECK(r->entries + r->over_cap + r->rejected <= r->lines);
	FUZZ_CHECK(r->normalised <= r->entries);
	FUZZ_CHECK(max == 0 || r->entries <= max);
	FUZZ_CHECK(r->over_cap == 0 || (max != 0 && r->entries == max));
	FUZZ_CHECK(r->errors_kept == (r->rejected < BL_ERRORS_KEPT ?
	    r->rejected : BL_ERRORS_KEPT));
	for (i = 0; i < r->errors_kept; i++) {
		FUZZ_CHECK(r->errors[i].line >= 1);
		FUZZ_CHECK(r->errors[i].line <= r->lines);
		FUZZ_CHECK(i == 0 || r->errors[i].line > r->errors[i - 1].line);
		check_text(r->errors[i].why, sizeof(r->errors[i].why), 1);
		FUZZ_CHECK(r->errors[i].why[0] != '\0');
	}
	check_text(r->category, sizeof(r->category), 1);
	FUZZ_CHECK(r->expires >= 0);
}

static void
check_entries(const struct bl_list *l, const struct bl_parse_report *r)
{
	uint32_t prev_line = 0;
	size_t i, j, used;

	FUZZ_CHECK(bl_list_entry(l, bl_list_count(l)) == NULL);
	FUZZ_CHECK(bl_list_label(l, 0)[0] == '\0');
	for (i = 0; i < bl_list_count(l); i++) {
		const struct bl_entry *e = bl_list_entry(l, i);
		const char *label = bl_list_label(l, e->label);

		FUZZ_CHECK(e != NULL);
		FUZZ_CHECK(e->prefix.family == NETADDR_IPV4 ||
		    e->prefix.family == NETADDR_IPV6);
		used = e->prefix.family == NETADDR_IPV4 ? 4 : 16;
		FUZZ_CHECK(e->plen <= used * 8);
		for (j = used; j < sizeof(e->prefix.bytes); j++)
			FUZZ_CHECK(e->prefix.bytes[j] == 0);
		/* Host bits are zero: every bit at or after plen. */
		for (j = 0; j < used * 8; j++)
			if (j >= e->plen)
				FUZZ_CHECK(!(e->prefix.bytes[j / 8] &
				    (0x80 >> (j % 8))));
		/* One entry per line at most, in body order. */
		FUZZ_CHECK(e->line > prev_line);
		FUZZ_CHECK(e->line <= r->lines);
		prev_line = e->line;
		check_text(label, BL_LABEL_MAX, 1);
		FUZZ_CHECK((e->label == 0) == (label[0] == '\0'));
		sink = sink * 31 + e->plen + e->label + e->prefix.bytes[0];
	}
}

/* The entries of cut are the first entries of whole, label text and all. */
static void
check_prefix_of(const struct bl_list *cut, const struct bl_list *whole)
{
	size_t i;

	FUZZ_CHECK(bl_list_count(cut) <= bl_list_count(whole));
	for (i = 0; i < bl_list_count(cut); i++) {
		const struct bl_entry *a = bl_list_entry(cut, i);
		const struct bl_entry *b = bl_list_entry(whole, i);

		FUZZ_CHECK(memcmp(&a->prefix, &b->prefix,
		    sizeof(a->prefix)) == 0);
		FUZZ_CHECK(a->plen == b->plen);
		FUZZ_CHECK(a->line == b->line);
		FUZZ_CHECK(strcmp(bl_list_label(cut, a->label),
		    bl_list_label(whole, b->label)) == 0);
	}
}

/* Where to cut: any length 0..size, from the input itself. */
static size_t
cut_point(const uint8_t *data, size_t size)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < size && i < 64; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	return (size_t)(h % (size + 1));
}

/* The first lines of the body as configuration strings. */
static void
fuzz_from_strings(const uint8_t *body, size_t len)
{
	char lines[FROM_STRINGS_MAX][STRING_MAX], err[128];
	const char *ptrs[FROM_STRINGS_MAX];
	struct bl_list *l;
	size_t n = 0, pos = 0, k;

	while (n < FROM_STRINGS_MAX && pos < len) {
		for (k = 0; pos < len && body[pos] != '\n'; pos++)
			if (k < STRING_MAX - 1)
				lines[n][k++] = body[pos] != '\0' ?
				    (char)body[pos] : ' ';
		lines[n][k] = '\0';
		ptrs[n] = lines[n];
		n++;
		pos++;
	}
	err[0] = '\0';
	l = bl_list_from_strings("config", ptrs, n, err, sizeof(err));
	if (l == NULL) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK(bl_list_count(l) == n);
	for (k = 0; k < n; k++)
		FUZZ_CHECK(bl_list_entry(l, k)->line == k + 1);
	bl_list_free(l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bl_parse_report r, rc;
	struct bl_parse_limits limits;
	struct bl_list *whole, *cut;
	enum bl_format format;
	const uint8_t *body;
	uint8_t *copy;
	size_t len, at;

	if (size == 0)
		return 0;
	format = formats[(data[0] & 7) % 6];
	limits.max_entries = data[0] >> 3;
	body = data + 1;
	len = size - 1;

	whole = bl_list_parse("fuzz", format, body, len, &limits, &r);
	FUZZ_CHECK(whole != NULL);
	FUZZ_CHECK(strcmp(bl_list_name(whole), "fuzz") == 0);
	check_report(&r, whole, limits.max_entries);
	check_entries(whole, &r);

	at = cut_point(data, len);
	copy = malloc(at > 0 ? at : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, body, at);
	cut = bl_list_parse("cut", format, copy, at, &limits, &rc);
	free(copy);
	FUZZ_CHECK(cut != NULL);
	check_report(&rc, cut, limits.max_entries);
	check_entries(cut, &rc);
	check_prefix_of(cut, whole);
	/* A cut inside the BOM is a (rejected) line the whole body lacks. */
	FUZZ_CHECK(rc.lines <= r.lines || (at < 3 && rc.lines == 1));
	FUZZ_CHECK(rc.expires == 0 || rc.expires == r.expires);
	FUZZ_CHECK(rc.declared_entries == 0 ||
	    rc.declared_entries == r.declared_entries);
	FUZZ_CHECK(rc.category[0] == '\0' ||
	    strcmp(rc.category, r.category) == 0);
	bl_list_free(cut);
	bl_list_free(whole);

	fuzz_from_strings(body, len);
	return 0;
}
