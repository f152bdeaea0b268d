/*
 * siphash.h - SipHash (Aumasson and Bernstein, "SipHash: a fast short-input
 * PRF", 2012) for the hash tables whose keys a peer chooses (flows, pairs,
 * agents): with a secret random key, a peer cannot aim at one bucket.
 *
 * SipHash-1-3 (one compression round, three finalisation rounds, the
 * variant Rust's HashMap uses) for the tables; SipHash-2-4, the paper's
 * reference, so the code can be checked against its test vectors.
 */
#ifndef FS_SIPHASH_H
#define FS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash13(const uint64_t key[2], const void *data, size_t len);
uint64_t siphash24(const uint64_t key[2], const void *data, size_t len);

/* A fresh key from getrandom(); without entropy yet (early boot), a
 * weaker one from the time, the pid and an address, never a constant. */
void	siphash_random_key(uint64_t key[2]);

#endif /* FS_SIPHASH_H */
