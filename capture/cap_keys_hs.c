/*
 * cap_keys_hs.c - a config's keys as one Hyperscan database (cap_keys.h):
 * the set, its scratch space, its streams, and block scans.
 *
 * Every spec is pattern number i (its index), so a hit's id is the index
 * into keys[] without a lookup.  One pattern list is compiled twice, in
 * stream mode (TCP directions) and block mode (UDP payloads).
 *
 * A key is reported once per stream or block, at its first end offset,
 * but only the block database has HS_FLAG_SINGLEMATCH.  With it, a
 * stream's state keeps a bit per pattern: 1,809 bytes a stream with
 * 10,000 literal keys, 169 with 1,000, against 33 without it, and the
 * session table holds two streams per session (bench/inspect: 400 MiB per
 * 100,000 sessions with 10,000 keys, 61 MiB without).  Hits are rare, so
 * a stream instead remembers the keys it has reported, in a sorted array
 * allocated at its first hit (at most SEEN_MAX of them: past that a new
 * key is reported each time it matches, and the session table, which
 * bounds its hits per session alike, counts them); a block needs no state
 * of its own and keeps the flag.  Hyperscan finds every match either
 * way, so even a stream that is one key over and over scans only about
 * 10 % slower without it (the extra callbacks).
 *
 * Literal keys are written \xHH for every byte: no byte of a key can be
 * regex syntax, and a NUL in a key does not end the pattern string.
 *
 * The hot path is hs_scan_stream(): the wrapper adds one call and one
 * counter per scanned buffer, never anything per byte, and a search of
 * the stream's reported keys per match.
 *
 * Invariants:
 *  - a built set never changes; refs counts its owner (the builder, then
 *    whoever holds the current config) and every open stream on it, so a
 *    reload can swap in a new set while old sessions finish on the old one.
 *  - keys[i].text and .name point into strings, which the set owns.
 *  - a stream whose scan failed is marked failed: later scans refuse it
 *    and closing only frees it.
 *  - a stream's seen[0..nseen) holds the keys it has passed to a callback,
 *    ascending; its room is 0 while nseen is 0, else the larger of
 *    SEEN_FIRST and the smallest power of two >= nseen, so the room needs
 *    no field of its own.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "cap_keys.h"

/* Key text shown in an error: at most this many bytes of it. */
#define SHOW_MAX	60
/* Keys a stream remembers having reported: first room, and at most. */
#define SEEN_FIRST	4
#define SEEN_MAX	1024

struct cap_keyset {
	hs_database_t		*stream_db;
	hs_database_t		*block_db;
	struct cap_key_info	*keys;
	char			*strings;	/* keys' texts and names */
	size_t			 n;
	size_t			 stream_size;
	atomic_uint		 refs;
};

struct cap_keyscratch {
	hs_scratch_t		*hs;
};

struct cap_keystream {
	hs_stream_t		*hs;
	struct cap_keyset	*set;
	uint64_t		 offset;
	uint32_t		*seen;		/* keys reported, ascending */
	uint32_t		 nseen;
	uint8_t			 failed;
};

/* What Hyperscan's match callback passes on. */
struct hit_ctx {
	cap_key_hit_cb		*cb;
	void			*arg;
	struct cap_keystream	*ks;		/* NULL: a block */
};

static int	build_fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
build_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * "line 12: key \"text\"" for spec i: where it is, then what it is, with
 * the text cut to SHOW_MAX bytes and escaped so the message stays one
 * printable line however odd the text.
 */
static void
spec_where(const struct cap_key_spec *s, size_t i, char *buf, size_t len)
{
	char text[SHOW_MAX * 4 + 4];
	const uint8_t *p = (const uint8_t *)s->text;
	size_t j, o = 0;

	for (j = 0; p != NULL && p[j] != '\0' && j < SHOW_MAX; j++) {
		if (p[j] == '"' || p[j] == '\\') {
			text[o++] = '\\';
			text[o++] = (char)p[j];
		} else if (p[j] >= 0x20 && p[j] < 0x7f)
			text[o++] = (char)p[j];
		else
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "\\x%02x", p[j]);
	}
	if (p != NULL && p[j] != '\0') {
		memcpy(text + o, "...", 3);
		o += 3;
	}
	text[o] = '\0';
	if (s->line > 0)
		snprintf(buf, len, "line %u: %s \"%s\"", (unsigned)s->line,
		    s->regex ? "regex" : "key", text);
	else
		snprintf(buf, len, "entry %zu: %s \"%s\"", i + 1,
		    s->regex ? "regex" : "key", text);
}

/* The pattern of a literal key: \xHH per byte, NUL-terminated. */
static void
literal_pattern(const struct cap_key *k, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < k->len; i++) {
		*out++ = '\\';
		*out++ = 'x';
		*out++ = hex[k->bytes[i] >> 4];
		*out++ = hex[k->bytes[i] & 0xf];
	}
	*out = '\0';
}

/*
 * Check spec i and add up what it needs: pattern bytes (with the NUL) and
 * bytes of copied strings.
 */
static int
spec_check(const struct cap_key_spec *s, size_t i, struct cap_key *k,
    size_t *pattern_len, size_t *strings_len, char *err, size_t errlen)
{
	char where[SHOW_MAX * 4 + 64], why[128];
	size_t tlen, nlen;

	if (s->text == NULL)
		return build_fail(err, errlen, "%s entry %zu: no text",
		    s->regex ? "regex" : "key", i + 1);
	tlen = strlen(s->text);
	nlen = s->name != NULL ? strlen(s->name) : 0;
	if (nlen >= CAP_KEY_NAME_MAX) {
		spec_where(s, i, where, sizeof(where));
		return build_fail(err, errlen,
		    "%s: name longer than %d bytes", where,
		    CAP_KEY_NAME_MAX - 1);
	}
	if (s->regex) {
		if (tlen > CAP_KEY_REGEX_MAX) {
			spec_where(s, i, where, sizeof(where));
			return build_fail(err, errlen,
			    "%s: longer than %d bytes", where,
			    CAP_KEY_REGEX_MAX);
		}
		*pattern_len = tlen + 1;
	} else {
		if (cap_key_parse(s->text, tlen, k, why, sizeof(why)) == -1) {
			spec_where(s, i, where, sizeof(where));
			return build_fail(err, errlen, "%s: %s", where, why);
		}
		*pattern_len = (size_t)k->len * 4 + 1;
	}
	*strings_len = tlen + 1 + nlen + 1;
	return 0;
}

static hs_database_t *
compile(const char *const *exprs, const unsigned *flags, const unsigned *ids,
    const struct cap_key_spec *specs, size_t n, unsigned mode, char *err,
    size_t errlen)
{
	char where[SHOW_MAX * 4 + 64];
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	if (hs_compile_multi(exprs, flags, ids, (unsigned)n, mode, NULL, &db,
	    &cerr) == HS_SUCCESS)
		return db;
	if (cerr != NULL && cerr->expression >= 0 &&
	    (size_t)cerr->expression < n) {
		spec_where(&specs[cerr->expression], (size_t)cerr->expression,
		    where, sizeof(where));
		build_fail(err, errlen, "%s: %s", where, cerr->message);
	} else
		build_fail(err, errlen, "hyperscan: %s",
		    cerr != NULL ? cerr->message : "compile failed");
	hs_free_compile_error(cerr);
	return NULL;
}

static void
keyset_free(struct cap_keyset *set)
{
	hs_free_database(set->stream_db);
	hs_free_database(set->block_db);
	free(set->keys);
	free(set->strings);
	free(set);
}

struct cap_keyset *
cap_keyset_build(const struct cap_key_spec *specs, size_t n, char *err,
    size_t errlen)
{
	struct cap_keyset *set = NULL;
	struct cap_key k;
	const char **exprs = NULL;
	unsigned *flags = NULL, *sflags = NULL, *ids = NULL;
	char *patterns = NULL, *pp, *sp;
	size_t i, plen = 0, slen = 0, patterns_len = 0, strings_len = 0;
	size_t tlen, nlen;

	if (n == 0) {
		build_fail(err, errlen, "no keys");
		return NULL;
	}
	if (n > CAP_KEYS_MAX) {
		build_fail(err, errlen, "%zu keys: more than %d", n,
		    CAP_KEYS_MAX);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (spec_check(&specs[i], i, &k, &plen, &slen, err,
		    errlen) == -1)
			return NULL;
		patterns_len += plen;
		strings_len += slen;
	}

	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (set->keys = calloc(n, sizeof(*set->keys))) == NULL ||
	    (set->strings = malloc(strings_len)) == NULL ||
	    (patterns = malloc(patterns_len)) == NULL ||
	    (exprs = calloc(n, sizeof(*exprs))) == NULL ||
	    (flags = calloc(n, sizeof(*flags))) == NULL ||
	    (sflags = calloc(n, sizeof(*sflags))) == NULL ||
	    (ids = calloc(n, sizeof(*ids))) == NULL) {
		build_fail(err, errlen, "out of memory for %zu keys", n);
		goto fail;
	}
	set->n = n;
	atomic_init(&set->refs, 1);

	pp = patterns;
	sp = set->strings;
	for (i = 0; i < n; i++) {
		const struct cap_key_spec *s = &specs[i];
		struct cap_key_info *info = &set->keys[i];

		tlen = strlen(s->text);
		nlen = s->name != NULL ? strlen(s->name) : 0;
		info->id = s->id;
		info->regex = s->regex != 0;
		info->text = memcpy(sp, s->text, tlen + 1);
		sp += tlen + 1;
		info->name = sp;
		if (nlen > 0)
			memcpy(sp, s->name, nlen);
		sp[nlen] = '\0';
		sp += nlen + 1;

		exprs[i] = pp;
		ids[i] = (unsigned)i;
		flags[i] = 0;
		if (s->regex) {
			info->nocase = s->nocase != 0;
			memcpy(pp, s->text, tlen + 1);
			pp += tlen + 1;
		} else {
			/* Checked by spec_check(): cannot fail here. */
			if (cap_key_parse(s->text, tlen, &k, NULL, 0) == -1) {
				build_fail(err, errlen, "key %zu changed", i);
				goto fail;
			}
			info->nocase = k.nocase;
			literal_pattern(&k, pp);
			pp += (size_t)k.len * 4 + 1;
		}
		if (info->nocase)
			flags[i] |= HS_FLAG_CASELESS;
		/* Streams remember their hits themselves (see above). */
		sflags[i] = flags[i];
		flags[i] |= HS_FLAG_SINGLEMATCH;
	}

	if ((set->stream_db = compile(exprs, sflags, ids, specs, n,
	    HS_MODE_STREAM, err, errlen)) == NULL ||
	    (set->block_db = compile(exprs, flags, ids, specs, n,
	    HS_MODE_BLOCK, err, errlen)) == NULL)
		goto fail;
	if (hs_stream_size(set->stream_db, &set->stream_size) != HS_SUCCESS) {
		build_fail(err, errlen, "hyperscan: no stream size");
		goto fail;
	}
	free(exprs);
	free(flags);
	free(sflags);
	free(ids);
	free(patterns);
	return set;
fail:
	free(exprs);
	free(flags);
	free(sflags);
	free(ids);
	free(patterns);
	if (set != NULL)
		keyset_free(set);
	return NULL;
}

void
cap_keyset_ref(struct cap_keyset *set)
{
	atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
}

void
cap_keyset_unref(struct cap_keyset *set)
{
	if (set == NULL)
		return;
	if (atomic_fetch_sub_explicit(&set->refs, 1,
	    memory_order_acq_rel) == 1)
		keyset_free(set);
}

size_t
cap_keyset_count(const struct cap_keyset *set)
{
	return set != NULL ? set->n : 0;
}

const struct cap_key_info *
cap_keyset_key(const struct cap_keyset *set, uint32_t i)
{
	if (set == NULL || i >= set->n)
		return NULL;
	return &set->keys[i];
}

size_t
cap_keyset_stream_size(const struct cap_keyset *set)
{
	return set != NULL ? set->stream_size : 0;
}

/*
 * hs_alloc_scratch() grows a scratch that is too small for a database
 * and leaves one that fits alone; when growing fails it has already freed
 * the old one, so the wrapper is then left empty (scans refuse it) until
 * a later fit succeeds.
 */
int
cap_keyscratch_fit(struct cap_keyscratch **sc, const struct cap_keyset *set,
    char *err, size_t errlen)
{
	struct cap_keyscratch *s = *sc;
	int fresh = 0;

	if (set == NULL)
		return build_fail(err, errlen, "no key set");
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return build_fail(err, errlen,
			    "out of memory for scratch");
		fresh = 1;
	}
	if (hs_alloc_scratch(set->stream_db, &s->hs) != HS_SUCCESS ||
	    hs_alloc_scratch(set->block_db, &s->hs) != HS_SUCCESS) {
		if (fresh) {
			hs_free_scratch(s->hs);
			free(s);
		}
		return build_fail(err, errlen,
		    "hyperscan: cannot allocate scratch");
	}
	*sc = s;
	return 0;
}

void
cap_keyscratch_free(struct cap_keyscratch *sc)
{
	if (sc == NULL)
		return;
	hs_free_scratch(sc->hs);
	free(sc);
}

/* Index of id in the ascending a[0..n), or where it would go. */
static uint32_t
seen_find(const uint32_t *a, uint32_t n, uint32_t id)
{
	uint32_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Has ks reported key id before?  If not, remember it (room permitting:
 * when the array is full or cannot grow, the key is reported and may be
 * reported again).
 */
static int
seen_before(struct cap_keystream *ks, uint32_t id)
{
	uint32_t pos = seen_find(ks->seen, ks->nseen, id), *a;

	if (pos < ks->nseen && ks->seen[pos] == id)
		return 1;
	if (ks->nseen >= SEEN_MAX)
		return 0;
	/* Full when nseen is 0, or SEEN_FIRST or a larger power of two. */
	if (ks->nseen == 0 || (ks->nseen >= SEEN_FIRST &&
	    (ks->nseen & (ks->nseen - 1)) == 0)) {
		a = reallocarray(ks->seen, ks->nseen == 0 ? SEEN_FIRST :
		    (size_t)ks->nseen * 2, sizeof(*a));
		if (a == NULL)
			return 0;
		ks->seen = a;
	}
	memmove(ks->seen + pos + 1, ks->seen + pos,
	    (size_t)(ks->nseen - pos) * sizeof(*ks->seen));
	ks->seen[pos] = id;
	ks->nseen++;
	return 0;
}

static int
on_hit(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *arg)
{
	struct hit_ctx *h = arg;

	(void)from;
	(void)flags;
	if (h->ks != NULL && seen_before(h->ks, id))
		return 0;
	h->cb(h->arg, id, to);
	return 0;
}

struct cap_keystream *
cap_keystream_open(struct cap_keyset *set)
{
	struct cap_keystream *ks;

	if (set == NULL || (ks = calloc(1, sizeof(*ks))) == NULL)
		return NULL;
	if (hs_open_stream(set->stream_db, 0, &ks->hs) != HS_SUCCESS) {
		free(ks);
		return NULL;
	}
	cap_keyset_ref(set);
	ks->set = set;
	return ks;
}

/*
 * Hyperscan takes an unsigned int length; a larger buffer is fed in
 * pieces, which a stream joins as if it were one.
 */
int
cap_keystream_scan(struct cap_keystream *ks, struct cap_keyscratch *sc,
    const uint8_t *data, size_t len, cap_key_hit_cb *cb, void *arg)
{
	struct hit_ctx h = { cb, arg, ks };
	hs_error_t rc;
	unsigned piece;

	if (ks->failed || sc == NULL || sc->hs == NULL) {
		ks->failed = 1;
		return -1;
	}
	while (len > 0) {
		piece = len > UINT_MAX ? UINT_MAX : (unsigned)len;
		rc = hs_scan_stream(ks->hs, (const char *)data, piece, 0,
		    sc->hs, cb != NULL ? on_hit : NULL, &h);
		if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
			ks->failed = 1;
			return -1;
		}
		ks->offset += piece;
		data += piece;
		len -= piece;
	}
	return 0;
}

/*
 * hs_close_stream() returns before freeing the stream when it cannot
 * report (bad scratch, scratch in use, a matching error); then it is
 * closed again without a callback, which only frees.
 */
void
cap_keystream_close(struct cap_keystream *ks, struct cap_keyscratch *sc,
    cap_key_hit_cb *cb, void *arg)
{
	struct hit_ctx h = { cb, arg, ks };

	if (ks == NULL)
		return;
	if (ks->failed || cb == NULL || sc == NULL || sc->hs == NULL ||
	    hs_close_stream(ks->hs, sc->hs, on_hit, &h) != HS_SUCCESS)
		hs_close_stream(ks->hs, NULL, NULL, NULL);
	cap_keyset_unref(ks->set);
	free(ks->seen);
	free(ks);
}

uint64_t
cap_keystream_offset(const struct cap_keystream *ks)
{
	return ks->offset;
}

/*
 * A block cannot be cut into pieces without losing the matches across
 * the cut, so one larger than Hyperscan's unsigned int length is refused.
 * An empty block cannot match (Hyperscan refuses patterns that match the
 * empty string) and Hyperscan refuses a NULL buffer, so it is not scanned.
 */
int
cap_keyset_scan_block(const struct cap_keyset *set, struct cap_keyscratch *sc,
    const uint8_t *data, size_t len, cap_key_hit_cb *cb, void *arg)
{
	struct hit_ctx h = { cb, arg, NULL };
	hs_error_t rc;

	if (set == NULL || sc == NULL || sc->hs == NULL || len > UINT_MAX)
		return -1;
	if (len == 0)
		return 0;
	rc = hs_scan(set->block_db, (const char *)data, (unsigned)len, 0,
	    sc->hs, cb != NULL ? on_hit : NULL, &h);
	if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
		return -1;
	return 0;
}
