/*
 * siphash.c - SipHash-c-d over a byte string, little-endian words as the
 * paper specifies (so results do not depend on the host's byte order).
 */
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "siphash.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t x = 0;
	int i;

	for (i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static uint64_t
siphash(int c, int d, const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t v[4], m, b = (uint64_t)len << 56;
	size_t i, left = len & 7, end = len - left;
	int r;

	v[0] = key[0] ^ 0x736f6d6570736575ull;
	v[1] = key[1] ^ 0x646f72616e646f6dull;
	v[2] = key[0] ^ 0x6c7967656e657261ull;
	v[3] = key[1] ^ 0x7465646279746573ull;
	for (i = 0; i < end; i += 8) {
		m = load_le64(in + i);
		v[3] ^= m;
		for (r = 0; r < c; r++)
			sip_round(v);
		v[0] ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v[3] ^= b;
	for (r = 0; r < c; r++)
		sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (r = 0; r < d; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t
siphash13(const uint64_t key[2], const void *data, size_t len)
{
	return siphash(1, 3, key, data, len);
}

uint64_t
siphash24(const uint64_t key[2], const void *data, size_t len)
{
	return siphash(2, 4, key, data, len);
}

void
siphash_random_key(uint64_t key[2])
{
	if (getrandom(key, 2 * sizeof(key[0]), GRND_NONBLOCK) ==
	    (ssize_t)(2 * sizeof(key[0])))
		return;
	key[0] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	key[1] = (uint64_t)(uintptr_t)key ^ (uint64_t)clock() ^
	    0x9E3779B97F4A7C15ull;
}
