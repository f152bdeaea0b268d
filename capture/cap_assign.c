/*
 * cap_assign.c - the capture table: active captures by inner address pair
 * and by id, built from the controller's capture list (see capture.h).
 *
 * Invariants:
 *  - ents[0..n) are the entries in the order added; n <= max.  No two
 *    have the same id or the same unordered pair {local, remote}.
 *  - by_pair and by_id have size slots (a power of two, 0 while empty),
 *    size >= 2 * cap where cap >= n is the room of ents: at most half
 *    full, so a probe always ends at an empty slot.  A slot holds an
 *    entry's index + 1; 0 is empty.  Nothing is ever removed, so linear
 *    probing needs no tombstones.
 *  - the hash key is random per table (siphash_random_key): the pairs
 *    come from the controller, but the lookups from mirrored packets, and
 *    nobody should be able to aim them at one long probe run.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "capture.h"
#include "siphash.h"

struct cap_assign {
	struct cap_assign_entry	*ents;
	uint32_t		 n, cap, max;
	uint32_t		*by_pair, *by_id;
	uint32_t		 size;		/* slots of each index */
	uint64_t		 key[2];
};

/* The pair in a fixed order, as hashed bytes. */
struct pair_key {
	struct netaddr	lo, hi;
};

static void
pair_key(const struct netaddr *a, const struct netaddr *b,
    struct pair_key *k)
{
	memset(k, 0, sizeof(*k));
	if (netaddr_compare(a, b) <= 0) {
		k->lo = *a;
		k->hi = *b;
	} else {
		k->lo = *b;
		k->hi = *a;
	}
}

static uint32_t
pair_hash(const struct cap_assign *t, const struct netaddr *a,
    const struct netaddr *b)
{
	struct pair_key k;

	pair_key(a, b, &k);
	return (uint32_t)siphash13(t->key, &k, sizeof(k));
}

static uint32_t
id_hash(const struct cap_assign *t, const char *id)
{
	return (uint32_t)siphash13(t->key, id, strlen(id));
}

static int
same_pair(const struct cap_assign_entry *e, const struct netaddr *a,
    const struct netaddr *b)
{
	return (netaddr_compare(&e->local, a) == 0 &&
	    netaddr_compare(&e->remote, b) == 0) ||
	    (netaddr_compare(&e->local, b) == 0 &&
	    netaddr_compare(&e->remote, a) == 0);
}

struct cap_assign *
cap_assign_new(uint32_t max)
{
	struct cap_assign *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->max = max == 0 || max > CAP_ASSIGN_MAX ? CAP_ASSIGN_MAX : max;
	siphash_random_key(t->key);
	return t;
}

void
cap_assign_free(struct cap_assign *t)
{
	if (t == NULL)
		return;
	free(t->ents);
	free(t->by_pair);
	free(t->by_id);
	free(t);
}

/* Put entry i into both indexes (there is room: half full at most). */
static void
index_entry(struct cap_assign *t, uint32_t i)
{
	const struct cap_assign_entry *e = &t->ents[i];
	uint32_t mask = t->size - 1, h;

	for (h = pair_hash(t, &e->local, &e->remote) & mask;
	    t->by_pair[h] != 0; h = (h + 1) & mask)
		;
	t->by_pair[h] = i + 1;
	for (h = id_hash(t, e->id) & mask; t->by_id[h] != 0;
	    h = (h + 1) & mask)
		;
	t->by_id[h] = i + 1;
}

/* Room for one more entry: grow the array and rebuild the indexes. */
static int
grow(struct cap_assign *t)
{
	struct cap_assign_entry *ents;
	uint32_t ncap, nsize, *bp, *bi, i;

	if (t->n < t->cap)
		return 0;
	ncap = t->cap == 0 ? 16 : t->cap * 2;
	if (ncap > t->max)
		ncap = t->max;
	for (nsize = 32; nsize < 2 * ncap; nsize *= 2)
		;
	ents = realloc(t->ents, (size_t)ncap * sizeof(*ents));
	if (ents == NULL)
		return -1;
	t->ents = ents;
	bp = calloc(nsize, sizeof(*bp));
	bi = calloc(nsize, sizeof(*bi));
	if (bp == NULL || bi == NULL) {
		free(bp);
		free(bi);
		return -1;
	}
	free(t->by_pair);
	free(t->by_id);
	t->by_pair = bp;
	t->by_id = bi;
	t->size = nsize;
	t->cap = ncap;
	for (i = 0; i < t->n; i++)
		index_entry(t, i);
	return 0;
}

const struct cap_assign_entry *
cap_assign_lookup(const struct cap_assign *t, const struct netaddr *a,
    const struct netaddr *b)
{
	uint32_t mask, h, slot;

	if (t == NULL || t->n == 0)
		return NULL;
	mask = t->size - 1;
	for (h = pair_hash(t, a, b) & mask; (slot = t->by_pair[h]) != 0;
	    h = (h + 1) & mask)
		if (same_pair(&t->ents[slot - 1], a, b))
			return &t->ents[slot - 1];
	return NULL;
}

const struct cap_assign_entry *
cap_assign_find(const struct cap_assign *t, const char *id)
{
	uint32_t mask, h, slot;

	if (t == NULL || t->n == 0 || id == NULL)
		return NULL;
	mask = t->size - 1;
	for (h = id_hash(t, id) & mask; (slot = t->by_id[h]) != 0;
	    h = (h + 1) & mask)
		if (strcmp(t->ents[slot - 1].id, id) == 0)
			return &t->ents[slot - 1];
	return NULL;
}

int
cap_assign_from_switch(const struct cap_assign_entry *e,
    const struct netaddr *src)
{
	return e->source.family == NETADDR_NONE ||
	    netaddr_compare(&e->source, src) == 0;
}

int
cap_assign_add(struct cap_assign *t, const struct cap_assign_entry *e)
{
	struct cap_assign_entry *n;

	if (!cap_archive_id_ok(e->id))
		return CAP_ASSIGN_BAD_ID;
	if (e->local.family == NETADDR_NONE ||
	    e->local.family != e->remote.family ||
	    netaddr_compare(&e->local, &e->remote) == 0)
		return CAP_ASSIGN_BAD_PAIR;
	if (cap_assign_find(t, e->id) != NULL)
		return CAP_ASSIGN_DUP_ID;
	if (cap_assign_lookup(t, &e->local, &e->remote) != NULL)
		return CAP_ASSIGN_DUP_PAIR;
	if (t->n >= t->max)
		return CAP_ASSIGN_FULL;
	if (grow(t) == -1)
		return CAP_ASSIGN_NOMEM;
	n = &t->ents[t->n];
	memset(n, 0, sizeof(*n));
	memcpy(n->id, e->id, strlen(e->id) + 1);	/* id_ok: it fits */
	n->local = e->local;
	n->remote = e->remote;
	n->source = e->source;
	index_entry(t, t->n++);
	return 0;
}

uint32_t
cap_assign_count(const struct cap_assign *t)
{
	return t != NULL ? t->n : 0;
}

const struct cap_assign_entry *
cap_assign_at(const struct cap_assign *t, uint32_t i)
{
	return t != NULL && i < t->n ? &t->ents[i] : NULL;
}

/* ---- the controller's list ---------------------------------------------- */

/* States in which the switch mirrors the pair (ctl_capture_state_name). */
static int
state_mirrors(const char *state)
{
	return strcmp(state, "installing") == 0 ||
	    strcmp(state, "active") == 0 || strcmp(state, "removing") == 0;
}

static int
get_addr(json_t *o, const char *key, struct netaddr *a)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && netaddr_parse(s, a) == 0 ? 0 : -1;
}

/* One item of the list: add it, or say why not in st. */
static void
parse_item(struct cap_assign *t, json_t *item,
    cap_assign_source_fn *source_of, void *ctx,
    struct cap_assign_parse_stats *st)
{
	struct cap_assign_entry e;
	const char *id, *state, *sw;
	json_t *swv;

	memset(&e, 0, sizeof(e));
	id = json_string_value(json_object_get(item, "id"));
	state = json_string_value(json_object_get(item, "state"));
	if (!json_is_object(item) || id == NULL || state == NULL ||
	    get_addr(item, "local", &e.local) == -1 ||
	    get_addr(item, "remote", &e.remote) == -1) {
		st->invalid++;
		return;
	}
	if (!state_mirrors(state)) {
		st->inactive++;
		return;
	}
	if (strlen(id) > CAP_ARCHIVE_ID_MAX) {
		st->refused++;
		return;
	}
	memcpy(e.id, id, strlen(id) + 1);
	swv = json_object_get(item, "switch");
	sw = json_string_value(swv);
	if (sw != NULL && source_of != NULL &&
	    source_of(ctx, sw, &e.source) == -1)
		memset(&e.source, 0, sizeof(e.source));
	if (cap_assign_add(t, &e) != 0)
		st->refused++;
	else
		st->taken++;
}

int
cap_assign_parse(struct cap_assign *t, const char *json, size_t len,
    cap_assign_source_fn *source_of, void *ctx,
    struct cap_assign_parse_stats *st, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *list, *item;
	size_t i;

	memset(st, 0, sizeof(*st));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON: %s (line %d, column %d)",
		    jerr.text, jerr.line, jerr.column);
		return -1;
	}
	list = json_object_get(root, "captures");
	if (!json_is_object(root) || !json_is_array(list)) {
		snprintf(err, errlen, "expected an object with a \"captures\" "
		    "array");
		json_decref(root);
		return -1;
	}
	json_array_foreach(list, i, item) {
		st->captures++;
		parse_item(t, item, source_of, ctx, st);
	}
	json_decref(root);
	return 0;
}
