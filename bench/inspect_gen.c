/*
 * inspect_gen.c - bench_inspect's words: the generator, a word list,
 * background text (HTTP-like headers, then sentences of words) and the
 * literal keys (see inspect.h).
 *
 * The background never holds '~', '#' or a byte above 0x7f, and every key
 * holds one of them, so a key can only match where it was planted.  Keys
 * that could be planted are also checked against every other key: none
 * may occur inside another, or one plant would make two hits.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"

#define WORDS		4096	/* a power of two */
#define WORD_MAX	12

struct word {
	char	s[WORD_MAX];
	uint8_t	len;
};

static struct word	words[WORDS];
static int		words_made;

uint64_t
ib_rand(struct ib_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint32_t
ib_below(struct ib_rng *r, uint32_t n)
{
	return (uint32_t)(((ib_rand(r) >> 32) * (uint64_t)n) >> 32);
}

/* Pronounceable words of one to four syllables, from a seed of their
 * own: the keys are made of the same words as the text. */
static void
words_make(void)
{
	static const char cons[] = "bcdfghjklmnprstvwz";
	static const char vow[] = "aeiou";
	struct ib_rng r = { 0x5EED0F0DULL };
	size_t i, n, k;

	if (words_made)
		return;
	for (i = 0; i < WORDS; i++) {
		n = 1 + ib_below(&r, 4);
		words[i].len = 0;
		for (k = 0; k < n; k++) {
			words[i].s[words[i].len++] =
			    cons[ib_below(&r, sizeof(cons) - 1)];
			words[i].s[words[i].len++] =
			    vow[ib_below(&r, sizeof(vow) - 1)];
			if (ib_below(&r, 10) < 3)
				words[i].s[words[i].len++] =
				    cons[ib_below(&r, sizeof(cons) - 1)];
		}
	}
	words_made = 1;
}

/*
 * Words and separators: mostly a space, sometimes ", " or ". " (the next
 * word capitalised), a new line, a number, or a tag.  One generator call
 * per word keeps this far cheaper than the scan it feeds.
 */
void
ib_text(struct ib_rng *r, uint8_t *buf, size_t len)
{
	static const char *const tags[] = { "<p>", "</p>", "<br/>",
	    "<li>", "</li>", "<b>", "</b>", "\r\n" };
	size_t o = 0, n;
	int cap = 0;

	words_make();
	while (o < len) {
		uint64_t x = ib_rand(r);
		const struct word *w = &words[x & (WORDS - 1)];
		unsigned sep = (unsigned)(x >> 12) & 63;
		const char *s;

		n = w->len < len - o ? w->len : len - o;
		memcpy(buf + o, w->s, n);
		if (cap)
			buf[o] = (uint8_t)toupper(buf[o]);
		cap = 0;
		o += n;
		if (o >= len)
			break;
		if (sep < 3) {
			s = ". ";
			cap = 1;
		} else if (sep < 7)
			s = ", ";
		else if (sep == 7)
			s = "\n";
		else if (sep == 8) {
			char num[16];

			snprintf(num, sizeof(num), " %u ",
			    (unsigned)(x >> 20) % 100000);
			s = num;
			n = strlen(s) < len - o ? strlen(s) : len - o;
			memcpy(buf + o, s, n);
			o += n;
			continue;
		} else if (sep == 9)
			s = tags[(x >> 40) & 7];
		else
			s = " ";
		n = strlen(s) < len - o ? strlen(s) : len - o;
		memcpy(buf + o, s, n);
		o += n;
	}
}

static const char *
word(struct ib_rng *r, size_t *len)
{
	const struct word *w;

	words_make();
	w = &words[ib_below(r, WORDS)];
	*len = w->len;
	return w->s;
}

/* The text of key k: printable bytes as they are, the rest |hex|. */
static void
key_text(struct ib_key *k)
{
	size_t i, o = 0;
	int hex = 0;

	for (i = 0; i < k->len; i++) {
		uint8_t b = k->bytes[i];
		int plain = b > 0x20 && b < 0x7f && b != '|' && b != ';';

		if (plain && hex) {
			k->text[o++] = '|';
			hex = 0;
		} else if (!plain && !hex) {
			k->text[o++] = '|';
			hex = 1;
		}
		if (plain)
			k->text[o++] = (char)b;
		else
			o += (size_t)snprintf(k->text + o,
			    sizeof(k->text) - o, "%02x", b);
	}
	if (hex)
		k->text[o++] = '|';
	k->text[o] = '\0';
	if (k->nocase)
		strcat(k->text, ";nocase");
}

static void
key_make(struct ib_key *k, size_t i, struct ib_rng *r)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	const char *w;
	size_t len = 8 + ib_below(r, 9), wl, o, j;

	memset(k, 0, sizeof(*k));
	k->len = (uint8_t)len;
	switch (i % 3) {
	case 0:		/* words~of~the~text */
		do
			w = word(r, &wl);
		while (wl + 3 > len);
		memcpy(k->bytes, w, wl);
		o = wl;
		while (o < len) {
			k->bytes[o++] = '~';
			w = word(r, &wl);
			for (j = 0; j < wl && o < len; j++)
				k->bytes[o++] = (uint8_t)w[j];
		}
		break;
	case 1:		/* bytes, one of them above 0x7f */
		for (j = 0; j < len; j++)
			k->bytes[j] = (uint8_t)ib_rand(r);
		k->bytes[ib_below(r, (uint32_t)len)] |= 0x80;
		break;
	default:	/* aL3xn#Qz9 */
		for (j = 0; j < len; j++)
			k->bytes[j] = (uint8_t)alnum[ib_below(r,
			    sizeof(alnum) - 1)];
		k->bytes[1 + ib_below(r, (uint32_t)len - 2)] = '#';
		break;
	}
	k->nocase = i % 3 != 1 && ib_below(r, 20) == 0;
	key_text(k);
}

static int
byte_eq(uint8_t a, uint8_t b, int nocase)
{
	return a == b || (nocase && tolower(a) == tolower(b));
}

/* Does key a occur in key b? */
static int
key_inside(const struct ib_key *a, const struct ib_key *b)
{
	size_t i, j;

	for (i = 0; i + a->len <= b->len; i++) {
		for (j = 0; j < a->len; j++)
			if (!byte_eq(a->bytes[j], b->bytes[i + j],
			    a->nocase || b->nocase))
				break;
		if (j == a->len)
			return 1;
	}
	return 0;
}

struct ib_key *
ib_keys_make(size_t n, size_t plantable, struct ib_rng *r)
{
	struct ib_key *keys;
	size_t i, j;

	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		key_make(&keys[i], i, r);
	/* A key that may be planted holds no other key, or one plant would
	 * be two hits; remake it until it does not. */
	for (i = 0; i < plantable && i < n; i++) {
		for (j = 0; j < n; j++) {
			if (j == i || !key_inside(&keys[j], &keys[i]))
				continue;
			key_make(&keys[i], i, r);
			j = (size_t)-1;		/* check it again */
		}
	}
	return keys;
}

struct cap_key_spec *
ib_key_specs(const struct ib_key *keys, size_t n)
{
	struct cap_key_spec *specs;
	size_t i;

	if ((specs = calloc(n, sizeof(*specs))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		specs[i].text = keys[i].text;
		specs[i].id = (uint32_t)i;
		specs[i].line = (uint32_t)i + 1;
	}
	return specs;
}

/* ---- HTTP-like payloads ------------------------------------------------ */

/* Up to len bytes of s at buf; how many. */
static size_t
put_str(uint8_t *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	n = n < len ? n : len;
	memcpy(buf, s, n);
	return n;
}

void
ib_request(struct ib_rng *r, uint8_t *buf, size_t len)
{
	char h[512];
	size_t l1, l2, l3, o;
	const char *w1 = word(r, &l1), *w2 = word(r, &l2), *w3 = word(r, &l3);
	int post = len > 700;

	snprintf(h, sizeof(h),
	    "%s /%.*s/%.*s.html HTTP/1.1\r\n"
	    "Host: www.%.*s.example\r\n"
	    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) "
	    "Gecko/20100101 Firefox/115.0\r\n"
	    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9\r\n"
	    "Accept-Language: en-US,en;q=0.5\r\n"
	    "Cookie: sid=%016llx%08x\r\n"
	    "%s\r\n",
	    post ? "POST" : "GET", (int)l1, w1, (int)l2, w2, (int)l3, w3,
	    (unsigned long long)ib_rand(r), (unsigned)ib_rand(r),
	    post ? "Content-Type: application/x-www-form-urlencoded\r\n" : "");
	o = put_str(buf, len, h);
	if (o < len)
		ib_text(r, buf + o, len - o);
}

void
ib_response(struct ib_rng *r, uint8_t *buf, size_t len)
{
	char h[512];
	size_t o;

	snprintf(h, sizeof(h),
	    "HTTP/1.1 200 OK\r\n"
	    "Server: nginx/1.22.1\r\n"
	    "Date: Sun, 22 Nov 2026 10:%02u:%02u GMT\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: keep-alive\r\n"
	    "Cache-Control: max-age=%u\r\n"
	    "\r\n<!DOCTYPE html>\n<html><head><title>",
	    ib_below(r, 60), ib_below(r, 60), len, ib_below(r, 86400));
	o = put_str(buf, len, h);
	if (o < len)
		ib_text(r, buf + o, len - o);
}
