/*
 * cap_keys.h - the receiver's L7 keys: Blueye-style key text parsed into
 * bytes, and all keys of a config compiled into one Hyperscan database
 * that scans streams (one per TCP direction) and blocks (UDP payloads).
 *
 * Key syntax (the Blueye Layer 7 Sniffer's):
 *   jellyfisH                      plain bytes, case-sensitive
 *   |54 68 61 74 73 27|            hexadecimal between bars (spaces between
 *                                  byte pairs are optional and ignored)
 *   GET |2f|admin                  text and hex mixed
 *   the Blue orcinus;nocase        a trailing ";nocase": case-insensitive
 * Everything outside bars is taken byte for byte (a ';' that is not the
 * ";nocase" suffix too).  A key is 4 to 254 bytes once decoded.  Regex
 * entries (Hyperscan syntax) are passed to Hyperscan as they are.
 *
 * Literal keys are compiled as patterns in which every byte is written
 * \xHH, so no byte of a key can be read as regex syntax.
 *
 * A keyset is immutable once built and reference counted: the sessions
 * that opened streams on it keep it alive while a reload swaps in a new
 * one.  Scratch space is per thread (the receiver has one).
 */
#ifndef FS_CAP_KEYS_H
#define FS_CAP_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define CAP_KEY_MIN		4	/* bytes, decoded */
#define CAP_KEY_MAX		254	/* bytes, decoded */
#define CAP_KEY_NAME_MAX	64	/* with the NUL */
#define CAP_KEY_REGEX_MAX	4096	/* bytes of a regex entry */
#define CAP_KEYS_MAX		100000	/* keys + regexes in one set */

/* One key as decoded from its text. */
struct cap_key {
	uint8_t		bytes[CAP_KEY_MAX];
	uint16_t	len;
	uint8_t		nocase;
};

/*
 * Decode Blueye key text (len bytes, need not be NUL-terminated) into
 * *out: 0, or -1 with why in err ("shorter than 4 bytes", "odd number of
 * hex digits in |...|", "unterminated |", "not a hex digit 'g' at 7",
 * "longer than 254 bytes", ...).  err does not repeat the key: the caller
 * names it by line.
 */
int	cap_key_parse(const char *text, size_t len, struct cap_key *out,
	    char *err, size_t errlen);

/* What the config gives for one key or regex. */
struct cap_key_spec {
	const char	*text;		/* key text, or the regex */
	const char	*name;		/* NULL: none */
	uint32_t	 id;		/* reported on a hit */
	uint32_t	 line;		/* of the config, for errors; 0: unknown */
	int		 regex;		/* text is a Hyperscan regex */
	int		 nocase;	/* regex only: HS_FLAG_CASELESS */
};

/* A key of a built set, as hits report it. */
struct cap_key_info {
	uint32_t	 id;
	const char	*name;		/* "" when none */
	const char	*text;		/* as configured */
	int		 regex;
	int		 nocase;
};

struct cap_keyset;
struct cap_keyscratch;
struct cap_keystream;

/*
 * Parse and compile n specs into a streaming-mode and a block-mode
 * database.  A key is reported once per stream or block, at its first
 * end offset (a stream remembers the first 1,024 keys it reported; past
 * that a new key is reported each time it matches).  NULL with err
 * naming the first bad spec by line and text ("line 12: key \"abc\":
 * shorter than 4 bytes", or Hyperscan's message for a regex).  n == 0 is
 * an error too: a set has keys.  Reference count 1.
 */
struct cap_keyset *cap_keyset_build(const struct cap_key_spec *specs,
	    size_t n, char *err, size_t errlen);
void	cap_keyset_ref(struct cap_keyset *);
void	cap_keyset_unref(struct cap_keyset *);	/* frees at 0; NULL ok */

size_t	cap_keyset_count(const struct cap_keyset *);
/* Key i (the index a hit reports), i < cap_keyset_count(). */
const struct cap_key_info *cap_keyset_key(const struct cap_keyset *,
	    uint32_t i);
/* Bytes of one open stream's state (for memory accounting). */
size_t	cap_keyset_stream_size(const struct cap_keyset *);

/*
 * Scratch space fitting set (and every set it was grown for before):
 * *sc NULL allocates, else grows it in place.  0, or -1 with err.
 */
int	cap_keyscratch_fit(struct cap_keyscratch **sc,
	    const struct cap_keyset *set, char *err, size_t errlen);
void	cap_keyscratch_free(struct cap_keyscratch *);

/* A hit: key index (cap_keyset_key), end offset of the match in the
 * stream or block (bytes scanned, 1-based end). */
typedef void cap_key_hit_cb(void *arg, uint32_t key, uint64_t end);

/* A new stream on set (which it references), or NULL (out of memory). */
struct cap_keystream *cap_keystream_open(struct cap_keyset *set);
/* The next len bytes of the stream; hits are reported through cb. 0, or
 * -1 when Hyperscan failed (the stream is then unusable: close it). */
int	cap_keystream_scan(struct cap_keystream *, struct cap_keyscratch *,
	    const uint8_t *data, size_t len, cap_key_hit_cb *cb, void *arg);
/* Close (reporting end-of-stream matches through cb when not NULL) and
 * free; drops the set reference.  NULL is ignored. */
void	cap_keystream_close(struct cap_keystream *, struct cap_keyscratch *,
	    cap_key_hit_cb *cb, void *arg);
/* Bytes scanned so far. */
uint64_t cap_keystream_offset(const struct cap_keystream *);

/* One block (a UDP payload, or the benchmark's baseline) in block mode
 * against the same patterns.  0, or -1 when Hyperscan failed. */
int	cap_keyset_scan_block(const struct cap_keyset *,
	    struct cap_keyscratch *, const uint8_t *data, size_t len,
	    cap_key_hit_cb *cb, void *arg);

#endif /* FS_CAP_KEYS_H */
