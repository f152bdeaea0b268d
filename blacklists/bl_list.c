/*
 * bl_list.c - one parsed list: its entries and its interned labels.
 *
 * Invariants:
 *  - entries[0..n) are in body order; each prefix has its host bits zero
 *    and the unused bytes of its netaddr zero, so entries compare with
 *    memcmp.  Duplicates are kept: the table resolves them.
 *  - Labels live once each in one string pool.  label_off[i] is where
 *    label i starts; label 0 is "" (no label) at offset 0.  Every label is
 *    printable ASCII, trimmed, shorter than BL_LABEL_MAX.
 *  - slots is an open-addressing hash set over the labels 1..nlabels-1
 *    (index 0 marks an empty slot), at most half full, its size a power of
 *    two; each slot keeps the label's hash so a probe compares strings
 *    only on a full hash match.  "Is this label known" is one hash and a
 *    short probe.  Interning
 *    costs one hash per entry, which keeps a million-entry list with a
 *    handful of labels (emerging-threats, feodo) small.
 *  - The pool only grows while parsing; once bl_list_parse() returns,
 *    bl_list_label() pointers stay valid until bl_list_free().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_parse.h"

struct bl_slot {
	uint32_t	hash;
	uint32_t	index;		/* 0: empty */
};

struct bl_list {
	char		 name[BL_NAME_MAX];
	struct bl_entry	*entries;
	size_t		 n, cap;
	char		*pool;
	size_t		 pool_len, pool_cap;
	size_t		*label_off;
	uint32_t	 nlabels, labels_cap;
	struct bl_slot	*slots;
	uint32_t	 nslots;
};

struct bl_list *
bl_list_new(const char *name)
{
	struct bl_list *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	snprintf(l->name, sizeof(l->name), "%s", name != NULL ? name : "");
	l->pool_cap = 256;
	l->labels_cap = 16;
	l->nslots = 32;
	l->pool = malloc(l->pool_cap);
	l->label_off = malloc(l->labels_cap * sizeof(*l->label_off));
	l->slots = calloc(l->nslots, sizeof(*l->slots));
	if (l->pool == NULL || l->label_off == NULL || l->slots == NULL) {
		bl_list_free(l);
		return NULL;
	}
	l->pool[0] = '\0';
	l->pool_len = 1;
	l->label_off[0] = 0;
	l->nlabels = 1;
	return l;
}

void
bl_list_free(struct bl_list *l)
{
	if (l == NULL)
		return;
	free(l->entries);
	free(l->pool);
	free(l->label_off);
	free(l->slots);
	free(l);
}

int
bl_list_append(struct bl_list *l, const struct bl_entry *e)
{
	struct bl_entry *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 256;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(l->entries, cap * sizeof(*v))) == NULL)
			return -1;
		l->entries = v;
		l->cap = cap;
	}
	l->entries[l->n++] = *e;
	return 0;
}

void
bl_list_shrink(struct bl_list *l)
{
	struct bl_entry *v;

	if (l->n == 0 || l->n == l->cap)
		return;
	if ((v = realloc(l->entries, l->n * sizeof(*v))) != NULL) {
		l->entries = v;
		l->cap = l->n;
	}
}

/* FNV-1a: labels are short and few; nothing here needs more. */
static uint32_t
label_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The slot holding label s, or the empty slot where it would go. */
static struct bl_slot *
label_slot(const struct bl_list *l, const char *s, uint32_t h)
{
	uint32_t mask = l->nslots - 1, i = h & mask;

	while (l->slots[i].index != 0 && (l->slots[i].hash != h ||
	    strcmp(l->pool + l->label_off[l->slots[i].index], s) != 0))
		i = (i + 1) & mask;
	return &l->slots[i];
}

/* Double the hash set and re-insert every label. */
static int
labels_rehash(struct bl_list *l)
{
	struct bl_slot *old = l->slots;
	uint32_t nold = l->nslots, i;

	if (l->nslots > UINT32_MAX / 2 ||
	    (l->slots = calloc((size_t)l->nslots * 2, sizeof(*l->slots))) ==
	    NULL) {
		l->slots = old;
		return -1;
	}
	l->nslots *= 2;
	for (i = 0; i < nold; i++)
		if (old[i].index != 0)
			*label_slot(l, l->pool + l->label_off[old[i].index],
			    old[i].hash) = old[i];
	free(old);
	return 0;
}

int
bl_list_intern(struct bl_list *l, const char *label, uint32_t *index)
{
	struct bl_slot *slot;
	uint32_t h;
	size_t len, cap;

	*index = 0;
	if (label == NULL || label[0] == '\0')
		return 0;
	h = label_hash(label);
	slot = label_slot(l, label, h);
	if (slot->index != 0) {
		*index = slot->index;
		return 0;
	}
	len = strlen(label) + 1;
	if (l->pool_len + len > l->pool_cap) {
		char *p;

		cap = l->pool_cap;
		while (l->pool_len + len > cap)
			cap *= 2;
		if ((p = realloc(l->pool, cap)) == NULL)
			return -1;
		l->pool = p;
		l->pool_cap = cap;
	}
	if (l->nlabels == l->labels_cap) {
		size_t *o;

		if (l->labels_cap > UINT32_MAX / 2 ||
		    (o = realloc(l->label_off, (size_t)l->labels_cap * 2 *
		    sizeof(*o))) == NULL)
			return -1;
		l->label_off = o;
		l->labels_cap *= 2;
	}
	memcpy(l->pool + l->pool_len, label, len);
	l->label_off[l->nlabels] = l->pool_len;
	l->pool_len += len;
	slot->hash = h;
	slot->index = l->nlabels;
	*index = l->nlabels++;
	/* Keep the set at most half full; a failed rehash keeps it working. */
	if (l->nlabels > l->nslots / 2 && labels_rehash(l) == -1)
		return -1;
	return 0;
}

const char *
bl_list_name(const struct bl_list *l)
{
	return l != NULL ? l->name : "";
}

size_t
bl_list_count(const struct bl_list *l)
{
	return l != NULL ? l->n : 0;
}

const struct bl_entry *
bl_list_entry(const struct bl_list *l, size_t i)
{
	if (l == NULL || i >= l->n)
		return NULL;
	return &l->entries[i];
}

const char *
bl_list_label(const struct bl_list *l, uint32_t label)
{
	if (l == NULL || label == 0 || label >= l->nlabels)
		return "";
	return l->pool + l->label_off[label];
}

/* s, sanitised and shortened, for an error message about it. */
static const char *
quote_config(char out[BL_LABEL_MAX], const char *s)
{
	bl_sanitise(out, (const uint8_t *)s, strlen(s));
	return out;
}

struct bl_list *
bl_list_from_strings(const char *name, const char *const *prefixes,
    size_t n, char *err, size_t errlen)
{
	struct bl_list *l;
	struct bl_entry e;
	struct cursor c;
	char shown[BL_LABEL_MAX];
	const char *why;
	size_t i;
	int host_bits;

	if ((l = bl_list_new(name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (prefixes[i] == NULL) {
			snprintf(err, errlen, "prefix %zu is missing", i + 1);
			bl_list_free(l);
			return NULL;
		}
		memset(&e, 0, sizeof(e));
		cursor_init(&c, prefixes[i], strlen(prefixes[i]));
		why = bl_parse_prefix(&c, 1, &e.prefix, &e.plen, &host_bits);
		if (why != NULL) {
			snprintf(err, errlen, "\"%s\": %s",
			    quote_config(shown, prefixes[i]), why);
			bl_list_free(l);
			return NULL;
		}
		e.line = i + 1 < UINT32_MAX ? (uint32_t)(i + 1) : UINT32_MAX;
		if (bl_list_append(l, &e) == -1) {
			snprintf(err, errlen, "out of memory");
			bl_list_free(l);
			return NULL;
		}
	}
	bl_list_shrink(l);
	return l;
}
