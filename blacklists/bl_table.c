/*
 * bl_table.c - lists assembled into groups, compiled for lookup.
 *
 * One lookup answers every group at once.  The trick: for an address A, all
 * the prefixes that cover A form a chain, each inside the next.  Let P be
 * the longest of them over all groups.  The longest prefix of group g that
 * covers A is in that chain, so it is no longer than P and covers P as
 * well.  Hence "the best entry of each group for A" depends only on P, and
 * can be computed once per distinct prefix P at build time.
 *
 * Invariants of a built table, per address family:
 *  - lpm maps each distinct prefix (over all groups) to its index i in
 *    0..n_distinct-1; addresses covered by no prefix map to BL_LPM_NONE.
 *  - best[i * n_groups + g] is the entry of group g that is the most
 *    specific prefix covering distinct prefix i, or NO_ENTRY.
 *  - entries[] holds one entry per (group, prefix): when several lists of
 *    a group, or several lines of a list, carry the same prefix, the first
 *    list in the group's order and the first line win.
 *  - Every string a match reports lives in the table's arena, so the lists
 *    it was built from can be freed.
 *
 * Building: all (group, entry) items of a family are sorted by prefix
 * bytes, then length.  That order is a pre-order walk of the prefix tree
 * (a prefix comes right before the prefixes inside it), so one pass with a
 * stack of open prefixes gives each prefix the best entries of its
 * enclosing prefix, which its own entries then override.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_lpm.h"
#include "blacklists.h"

#define NO_ENTRY	0xFFFFFFFFu

struct table_entry {
	struct netaddr	prefix;
	uint8_t		plen;
	uint16_t	group;
	uint32_t	list_name;	/* arena offset */
	uint32_t	label;		/* arena offset */
	uint32_t	line;
};

struct family_table {
	struct bl_lpm	*lpm;
	uint32_t	*best;		/* n_distinct * n_groups */
	size_t		 n_distinct;
};

struct bl_table {
	size_t		 n_groups;
	uint32_t	 group_name[BL_MAX_GROUPS];	/* arena offsets */
	enum bl_group_kind group_kind[BL_MAX_GROUPS];
	struct table_entry *entries;
	size_t		 n_entries;
	struct family_table v4, v6;
	char		*arena;
	size_t		 arena_len, arena_cap;
};

/* One (group, entry) to place, while building. */
struct item {
	const struct bl_entry *entry;
	uint32_t	seq;		/* spec order: group, list, line */
	uint16_t	group;
	uint32_t	list_name;
	uint32_t	label;
};

static int
arena_add(struct bl_table *t, const char *s, uint32_t *off)
{
	size_t n = strlen(s) + 1;

	if (t->arena_len + n > t->arena_cap) {
		size_t cap = t->arena_cap ? t->arena_cap * 2 : 4096;
		char *p;

		while (cap < t->arena_len + n)
			cap *= 2;
		if (cap > UINT32_MAX || (p = realloc(t->arena, cap)) == NULL)
			return -1;
		t->arena = p;
		t->arena_cap = cap;
	}
	memcpy(t->arena + t->arena_len, s, n);
	*off = (uint32_t)t->arena_len;
	t->arena_len += n;
	return 0;
}

static int
item_compare(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	c = memcmp(x->entry->prefix.bytes, y->entry->prefix.bytes, 16);
	if (c != 0)
		return c;
	if (x->entry->plen != y->entry->plen)
		return x->entry->plen < y->entry->plen ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Does the prefix (a, alen) cover (b, blen)? */
static int
covers(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	uint8_t whole = alen / 8, rest = alen % 8;

	if (alen > blen || memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 ||
	    ((a[whole] ^ b[whole]) & (uint8_t)(0xFF << (8 - rest))) == 0;
}

/*
 * Compile the sorted items of one family: entries, best[], the LPM.
 * Returns -1 with err on failure.
 */
static int
build_family(struct bl_table *t, struct family_table *ft, int family,
    struct item *items, size_t n, char *err, size_t errlen)
{
	struct bl_lpm_prefix *prefixes = NULL;
	size_t *stack = NULL, depth = 0, i, g, d;
	const size_t ng = t->n_groups;
	const uint8_t *bytes;
	uint8_t plen;

	if (n == 0)
		return 0;
	/* n distinct prefixes at most; best[] sized for that. */
	prefixes = calloc(n, sizeof(*prefixes));
	stack = calloc(n, sizeof(*stack));
	ft->best = malloc(n * ng * sizeof(*ft->best));
	if (prefixes == NULL || stack == NULL || ft->best == NULL)
		goto nomem;

	for (i = 0; i < n; i++) {
		bytes = items[i].entry->prefix.bytes;
		plen = items[i].entry->plen;
		if (ft->n_distinct == 0 ||
		    memcmp(prefixes[ft->n_distinct - 1].bytes, bytes, 16) != 0 ||
		    prefixes[ft->n_distinct - 1].plen != plen) {
			/* A new distinct prefix: inherit from the enclosing one. */
			d = ft->n_distinct++;
			memcpy(prefixes[d].bytes, bytes, 16);
			prefixes[d].plen = plen;
			prefixes[d].value = (uint32_t)d;
			while (depth > 0 && !covers(prefixes[stack[depth - 1]].bytes,
			    prefixes[stack[depth - 1]].plen, bytes, plen))
				depth--;
			for (g = 0; g < ng; g++)
				ft->best[d * ng + g] = depth > 0 ?
				    ft->best[stack[depth - 1] * ng + g] : NO_ENTRY;
			stack[depth++] = d;
		}
		d = ft->n_distinct - 1;
		g = items[i].group;
		/* The first item of this (prefix, group) wins: it sorts first. */
		if (ft->best[d * ng + g] != NO_ENTRY &&
		    t->entries[ft->best[d * ng + g]].plen == plen)
			continue;
		t->entries[t->n_entries] = (struct table_entry){
			.prefix = items[i].entry->prefix,
			.plen = plen,
			.group = items[i].group,
			.list_name = items[i].list_name,
			.label = items[i].label,
			.line = items[i].entry->line,
		};
		ft->best[d * ng + g] = (uint32_t)t->n_entries++;
	}
	ft->lpm = bl_lpm_build(family, prefixes, ft->n_distinct, err, errlen);
	free(prefixes);
	free(stack);
	return ft->lpm == NULL ? -1 : 0;
nomem:
	free(prefixes);
	free(stack);
	snprintf(err, errlen, "out of memory building the lookup table");
	return -1;
}

/* Intern the label of each entry's list once per (list, label index). */
static int
gather_items(struct bl_table *t, const struct bl_group_spec *groups,
    struct item *v4, size_t *n4, struct item *v6, size_t *n6)
{
	uint32_t seq = 0, list_name, *label_off = NULL;
	size_t g, l, i, n_labels;

	for (g = 0; g < t->n_groups; g++) {
		for (l = 0; l < groups[g].n_lists; l++) {
			const struct bl_list *list = groups[g].lists[l];
			size_t count = bl_list_count(list);

			if (arena_add(t, bl_list_name(list), &list_name) == -1)
				return -1;
			/* Labels are interned per list: map index -> offset. */
			n_labels = 0;
			for (i = 0; i < count; i++)
				if (bl_list_entry(list, i)->label >= n_labels)
					n_labels = bl_list_entry(list, i)->label + 1;
			free(label_off);
			if ((label_off = calloc(n_labels + 1,
			    sizeof(*label_off))) == NULL)
				return -1;
			for (i = 0; i < n_labels; i++)
				label_off[i] = NO_ENTRY;
			for (i = 0; i < count; i++) {
				const struct bl_entry *e = bl_list_entry(list, i);
				struct item *it;

				if (label_off[e->label] == NO_ENTRY &&
				    arena_add(t, bl_list_label(list, e->label),
				    &label_off[e->label]) == -1) {
					free(label_off);
					return -1;
				}
				if (e->prefix.family == NETADDR_IPV4)
					it = &v4[(*n4)++];
				else if (e->prefix.family == NETADDR_IPV6)
					it = &v6[(*n6)++];
				else
					continue;
				it->entry = e;
				it->seq = seq++;
				it->group = (uint16_t)g;
				it->list_name = list_name;
				it->label = label_off[e->label];
			}
		}
	}
	free(label_off);
	return 0;
}

struct bl_table *
bl_table_build(const struct bl_group_spec *groups, size_t n_groups,
    char *err, size_t errlen)
{
	struct item *v4 = NULL, *v6 = NULL;
	size_t g, l, total = 0, n4 = 0, n6 = 0;
	struct bl_table *t;

	if (n_groups > BL_MAX_GROUPS) {
		snprintf(err, errlen, "%zu groups: at most %d", n_groups,
		    BL_MAX_GROUPS);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto nomem;
	t->n_groups = n_groups;
	for (g = 0; g < n_groups; g++) {
		if (arena_add(t, groups[g].name, &t->group_name[g]) == -1)
			goto nomem;
		t->group_kind[g] = groups[g].kind;
		for (l = 0; l < groups[g].n_lists; l++)
			total += bl_list_count(groups[g].lists[l]);
	}
	v4 = calloc(total ? total : 1, sizeof(*v4));
	v6 = calloc(total ? total : 1, sizeof(*v6));
	t->entries = calloc(total ? total : 1, sizeof(*t->entries));
	if (v4 == NULL || v6 == NULL || t->entries == NULL ||
	    gather_items(t, groups, v4, &n4, v6, &n6) == -1)
		goto nomem;
	qsort(v4, n4, sizeof(*v4), item_compare);
	qsort(v6, n6, sizeof(*v6), item_compare);
	if (build_family(t, &t->v4, NETADDR_IPV4, v4, n4, err, errlen) == -1 ||
	    build_family(t, &t->v6, NETADDR_IPV6, v6, n6, err, errlen) == -1) {
		free(v4);
		free(v6);
		bl_table_free(t);
		return NULL;
	}
	free(v4);
	free(v6);
	return t;
nomem:
	free(v4);
	free(v6);
	bl_table_free(t);
	snprintf(err, errlen, "out of memory building the lookup table");
	return NULL;
}

void
bl_table_free(struct bl_table *t)
{
	if (t == NULL)
		return;
	bl_lpm_free(t->v4.lpm);
	bl_lpm_free(t->v6.lpm);
	free(t->v4.best);
	free(t->v6.best);
	free(t->entries);
	free(t->arena);
	free(t);
}

size_t
bl_table_lookup(const struct bl_table *t, const struct netaddr *addr,
    struct bl_match *out, size_t max)
{
	const struct family_table *ft;
	const struct table_entry *e;
	size_t g, n = 0;
	uint32_t i, id;

	if (addr->family == NETADDR_IPV4)
		ft = &t->v4;
	else if (addr->family == NETADDR_IPV6)
		ft = &t->v6;
	else
		return 0;
	if (ft->lpm == NULL ||
	    (i = bl_lpm_lookup(ft->lpm, addr->bytes)) == BL_LPM_NONE)
		return 0;
	for (g = 0; g < t->n_groups && n < max; g++) {
		if ((id = ft->best[(size_t)i * t->n_groups + g]) == NO_ENTRY)
			continue;
		e = &t->entries[id];
		out[n].group = (uint32_t)g;
		out[n].kind = t->group_kind[g];
		out[n].group_name = t->arena + t->group_name[g];
		out[n].list = t->arena + e->list_name;
		out[n].label = t->arena + e->label;
		out[n].prefix = e->prefix;
		out[n].plen = e->plen;
		out[n].line = e->line;
		n++;
	}
	return n;
}

size_t
bl_table_prefixes(const struct bl_table *t)
{
	return t->v4.n_distinct + t->v6.n_distinct;
}

size_t
bl_table_memory(const struct bl_table *t)
{
	size_t m = sizeof(*t) + t->arena_cap +
	    t->n_entries * sizeof(*t->entries);

	m += (t->v4.n_distinct + t->v6.n_distinct) * t->n_groups *
	    sizeof(uint32_t);
	if (t->v4.lpm != NULL)
		m += bl_lpm_memory(t->v4.lpm);
	if (t->v6.lpm != NULL)
		m += bl_lpm_memory(t->v6.lpm);
	return m;
}
