/*
 * fuzz_cap_keys.c - libFuzzer target for the receiver's L7 keys
 * (capture/cap_keys.c, cap_keys_hs.c): key text comes from the config, and
 * the bytes it is matched against from the network.
 *
 * One input is one key text.  Any bytes end in 0 or -1 with a message;
 * a key that parses is 4 to 254 bytes, and one without bars is its own
 * text.  A key that parses (and has no NUL, which a config string cannot
 * hold) must build a one-key set, and scanning the input with it must
 * give what a naive search gives - no hit, or one at the end of the first
 * occurrence - in block mode and in a stream fed in three pieces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap_keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct hits {
	size_t		n;
	uint32_t	key;
	uint64_t	end;
};

static void
collect(void *arg, uint32_t key, uint64_t end)
{
	struct hits *h = arg;

	h->n++;
	h->key = key;
	h->end = end;
}

static uint8_t
fold(uint8_t c, int nocase)
{
	return nocase && c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* End of the first occurrence of k in data, or 0. */
static uint64_t
naive_first_end(const struct cap_key *k, const uint8_t *data, size_t size)
{
	size_t i, j;

	for (i = 0; i + k->len <= size; i++) {
		for (j = 0; j < k->len; j++)
			if (fold(data[i + j], k->nocase) !=
			    fold(k->bytes[j], k->nocase))
				break;
		if (j == k->len)
			return i + k->len;
	}
	return 0;
}

static void
check_hits(const struct hits *h, uint64_t want)
{
	if (h->n != (want != 0) || (h->n == 1 && (h->key != 0 ||
	    h->end != want)))
		abort();
}

static void
scan_key(const uint8_t *data, size_t size, const struct cap_key *k)
{
	struct cap_key_spec spec = { .line = 1 };
	struct cap_keyscratch *sc = NULL;
	struct cap_keystream *ks;
	struct cap_keyset *set;
	struct hits h;
	char err[512], *text;
	size_t cut1, cut2;
	uint64_t want;

	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	spec.text = text;
	if ((set = cap_keyset_build(&spec, 1, err, sizeof(err))) == NULL ||
	    cap_keyset_count(set) != 1 ||
	    strcmp(cap_keyset_key(set, 0)->text, text) != 0 ||
	    cap_keyset_key(set, 0)->nocase != k->nocase ||
	    cap_keyscratch_fit(&sc, set, err, sizeof(err)) != 0)
		abort();
	want = naive_first_end(k, data, size);

	memset(&h, 0, sizeof(h));
	if (cap_keyset_scan_block(set, sc, data, size, collect, &h) != 0)
		abort();
	check_hits(&h, want);

	/* Three pieces, cut where the first and last bytes say. */
	cut1 = data[0] % (size + 1);
	cut2 = cut1 + data[size - 1] % (size - cut1 + 1);
	memset(&h, 0, sizeof(h));
	if ((ks = cap_keystream_open(set)) == NULL)
		abort();
	if (cap_keystream_scan(ks, sc, data, cut1, collect, &h) != 0 ||
	    cap_keystream_scan(ks, sc, data + cut1, cut2 - cut1, collect,
	    &h) != 0 ||
	    cap_keystream_scan(ks, sc, data + cut2, size - cut2, collect,
	    &h) != 0 ||
	    cap_keystream_offset(ks) != size)
		abort();
	cap_keystream_close(ks, sc, collect, &h);
	check_hits(&h, want);

	cap_keyscratch_free(sc);
	cap_keyset_unref(set);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_key k;
	char err[256];
	size_t plain;

	memset(err, 'x', sizeof(err));
	if (cap_key_parse((const char *)data, size, &k, err,
	    sizeof(err)) == -1) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL ||
		    k.len != 0)
			abort();
		return 0;
	}
	if (k.len < CAP_KEY_MIN || k.len > CAP_KEY_MAX || k.nocase > 1)
		abort();
	if (memchr(data, '|', size) == NULL) {
		plain = k.nocase ? size - 7 : size;
		if (k.len != plain || memcmp(k.bytes, data, plain) != 0)
			abort();
	}
	if (memchr(data, '\0', size) == NULL)
		scan_key(data, size, &k);
	return 0;
}
