/*
 * test_siphash.c - common/siphash.c against the reference vectors of the
 * SipHash paper (key 00 01 .. 0f, messages 00 01 .. of rising length).
 */
#include <string.h>

#include "fs_test.h"
#include "siphash.h"

static void
paper_key(uint64_t k[2])
{
	uint8_t b[16];
	int i;

	for (i = 0; i < 16; i++)
		b[i] = (uint8_t)i;
	k[0] = k[1] = 0;
	for (i = 7; i >= 0; i--) {
		k[0] = k[0] << 8 | b[i];
		k[1] = k[1] << 8 | b[8 + i];
	}
}

static void
test_siphash24_vectors(void **state)
{
	uint8_t msg[64];
	uint64_t k[2];
	int i;

	(void)state;
	paper_key(k);
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* The paper's appendix A: the empty message and 15 bytes. */
	assert_true(siphash24(k, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(siphash24(k, msg, 15) == 0xa129ca6149be45e5ull);
}

static void
test_siphash13_keyed(void **state)
{
	uint64_t k1[2] = { 1, 2 }, k2[2] = { 1, 3 };
	const char *s = "203.0.113.66 10.1.2.3";
	uint8_t a[24] = { 0 }, b[24] = { 0 };

	(void)state;
	/* Deterministic for a key, different under another key. */
	assert_true(siphash13(k1, s, strlen(s)) == siphash13(k1, s, strlen(s)));
	assert_true(siphash13(k1, s, strlen(s)) != siphash13(k2, s, strlen(s)));
	/* Every byte counts, including the last of a partial word. */
	b[20] = 1;
	assert_true(siphash13(k1, a, 21) != siphash13(k1, b, 21));
	/* The length counts: zero bytes of different lengths differ. */
	assert_true(siphash13(k1, a, 8) != siphash13(k1, a, 9));
}

static void
test_siphash_random_key(void **state)
{
	uint64_t k1[2], k2[2];

	(void)state;
	siphash_random_key(k1);
	siphash_random_key(k2);
	assert_false(k1[0] == k2[0] && k1[1] == k2[1]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_siphash24_vectors),
	cmocka_unit_test(test_siphash13_keyed),
	cmocka_unit_test(test_siphash_random_key),
};

FS_TEST_MAIN(tests)
