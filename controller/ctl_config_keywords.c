/*
 * ctl_config_keywords.c - receiver.keys: and receiver.regex:, the L7
 * keywords the receiver looks for, into one array of struct ctl_keyword
 * (keys first, then regexes, whatever their order in the file).
 *
 * Each item is a plain string or a mapping ({key: TEXT, name: N, id: I},
 * {regex: TEXT, name: N, id: I, nocase: B}).  Key text is decoded with
 * cap_key_parse() at load, so a bad key is reported with its line like any
 * other config error; a regex is only checked for length and characters
 * here, and Hyperscan names its line when the receiver compiles it.
 *
 * Ids: explicit ids are unique across both lists (checked after both are
 * read, by sorting).  An item without one gets its position, counted from
 * 1 over keys then regexes (whatever their order in the file), or when
 * that is taken (given explicitly, or handed to an earlier item) the next
 * id up that is free: so ids are positions until an explicit id gets in
 * the way.  The printer writes an id only where that rule would not give
 * it back, so a printed config loads to the same ids (implicit_flags()).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap_keys.h"
#include "ctl_config.h"
#include "ctl_config_impl.h"

#define NKEYS(a)	(sizeof(a) / sizeof((a)[0]))
#define K(f)		offsetof(struct ctl_keyword, f)
#define TEXT_MAX	CAP_KEY_REGEX_MAX	/* bytes of key or regex text */
#define LABEL_MAX	32			/* "regex[99999]" */

/* What the receiver's matcher can take is what the config may hold. */
_Static_assert(CTL_MAX_KEYWORDS <= CAP_KEYS_MAX,
    "CTL_MAX_KEYWORDS is more than cap_keys.h accepts");
_Static_assert(CAP_KEY_NAME_MAX >= 64, "key names are up to 63 bytes");

/* ---- one item --------------------------------------------------------- */

/* A mapping item's text ('key' or 'regex'), with its line. */
static int
parse_text(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_seen *where, void *base)
{
	struct ctl_keyword *kw = base;
	const char *s;
	char *copy;

	if ((s = ctl_scalar(p, where->value, strcmp(k->name, "regex") == 0 ?
	    "receiver.regex" : "receiver.keys", k->name, "a string",
	    TEXT_MAX)) == NULL)
		return -1;
	if ((copy = ctl_arena_strdup(p->arena, s)) == NULL)
		return ctl_error(p, NULL, "out of memory");
	kw->text = copy;
	kw->line = where->value->line;
	return 0;
}

/* Only for completeness: print_keywords() prints items itself. */
static int
print_text(FILE *out, const struct ctl_key *k, const void *base, int indent)
{
	const struct ctl_keyword *kw = base;

	fprintf(out, "%*s%s: ", indent, "", k->name);
	ctl_print_string(out, kw->text);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

static const struct ctl_key key_item_keys[] = {
	{ .name = "key", .type = CTL_T_CUSTOM, .flags = CTL_REQUIRED,
	  .parse = parse_text, .print = print_text },
	{ .name = "name", .type = CTL_T_NAME, .offset = K(name) },
	{ .name = "id", .type = CTL_T_U32, .offset = K(id), .min = 1,
	  .max = UINT32_MAX },
};

static const struct ctl_key regex_item_keys[] = {
	{ .name = "regex", .type = CTL_T_CUSTOM, .flags = CTL_REQUIRED,
	  .parse = parse_text, .print = print_text },
	{ .name = "name", .type = CTL_T_NAME, .offset = K(name) },
	{ .name = "id", .type = CTL_T_U32, .offset = K(id), .min = 1,
	  .max = UINT32_MAX },
	{ .name = "nocase", .type = CTL_T_BOOL, .offset = K(nocase),
	  .def = "false" },
};

const struct ctl_section ctl_keys_item_section = {
	.name = "receiver.keys", .keys = key_item_keys,
	.n_keys = NKEYS(key_item_keys),
};

const struct ctl_section ctl_regex_item_section = {
	.name = "receiver.regex", .keys = regex_item_keys,
	.n_keys = NKEYS(regex_item_keys),
};

/*
 * Item i of k's sequence into *kw: a plain string, or a mapping walked
 * with the item section.  A key's text must decode (cap_key_parse()).
 */
static int
parse_item(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_node *item, size_t i, int regex, struct ctl_keyword *kw)
{
	const struct ctl_section *sec = regex ? &ctl_regex_item_section :
	    &ctl_keys_item_section;
	struct ctl_seen seen[CTL_SECTION_MAX_KEYS];
	const struct ctl_node *text = item;
	char label[LABEL_MAX], why[256];
	struct cap_key decoded;
	const char *s;

	snprintf(label, sizeof(label), "%s[%zu]", k->name, i);
	memset(kw, 0, sizeof(*kw));
	kw->regex = regex;
	if (item->type == CTL_NODE_MAPPING) {
		if (ctl_walk_section(p, item, sec, kw, seen) == -1)
			return -1;
		text = ctl_seen_key(sec, seen, sec->keys[0].name)->value;
	} else {
		if ((s = ctl_scalar(p, item, "receiver", label, regex ?
		    "a string or a mapping with 'regex'" :
		    "a string or a mapping with 'key'", TEXT_MAX)) == NULL)
			return -1;
		if ((kw->text = ctl_arena_strdup(p->arena, s)) == NULL)
			return ctl_error(p, NULL, "out of memory");
		kw->line = item->line;
	}
	if (!regex && cap_key_parse(kw->text, strlen(kw->text), &decoded, why,
	    sizeof(why)) == -1)
		return ctl_bad_value(p, text, "receiver", label, "%s", why);
	return 0;
}

/*
 * keys: or regex: (regex 1) into r->keys, keeping keys before regexes
 * whichever comes first in the file (the walker refuses a second keys:).
 * Ids are settled by ctl_check_keywords() once both are read.
 */
static int
parse_list(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_seen *where, struct ctl_receiver_config *r, int regex)
{
	const struct ctl_node *seq = where->value;
	struct ctl_keyword *all, *mine;
	size_t i, n, have = r->n_keys;

	if (seq->type == CTL_NODE_SCALAR && seq->is_null)
		return 0;
	if (seq->type != CTL_NODE_SEQUENCE)
		return ctl_bad_value(p, seq, "receiver", k->name, "expected a "
		    "sequence of %s, found %s", regex ? "regexes" : "keys",
		    ctl_node_kind(seq));
	if ((n = seq->n) == 0)
		return 0;
	if (n > CTL_MAX_KEYWORDS - have)
		return ctl_bad_value(p, seq->items[CTL_MAX_KEYWORDS - have],
		    "receiver", k->name, "more than %u keys and regexes "
		    "together", CTL_MAX_KEYWORDS);
	if ((all = ctl_arena_alloc(p->arena, (have + n) * sizeof(*all))) ==
	    NULL)
		return ctl_error(p, NULL, "out of memory");
	mine = regex ? all + have : all;
	if (have > 0)
		memcpy(regex ? all : all + n, r->keys, have * sizeof(*all));
	for (i = 0; i < n; i++)
		if (parse_item(p, k, seq->items[i], i, regex, &mine[i]) == -1)
			return -1;
	r->keys = all;
	r->n_keys = have + n;
	return 0;
}

int
ctl_parse_keys(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_seen *where, void *base)
{
	return parse_list(p, k, where, base, 0);
}

int
ctl_parse_regex(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_seen *where, void *base)
{
	return parse_list(p, k, where, base, 1);
}

/* ---- ids -------------------------------------------------------------- */

/* An explicit id and where it was written. */
struct id_ref {
	uint32_t		 id;
	uint32_t		 line, col;	/* of the id's value */
	const struct ctl_node	*node;
	int			 regex;
};

static int
id_order(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/* The value of key name in mapping m, or NULL. */
static const struct ctl_node *
map_value(const struct ctl_node *m, const char *name)
{
	size_t i;

	for (i = 0; m->type == CTL_NODE_MAPPING && i + 1 < m->n; i += 2)
		if (strcmp(m->items[i]->text, name) == 0)
			return m->items[i + 1];
	return NULL;
}

/*
 * The explicit ids of r's items with the nodes they were written at,
 * sorted by id (then by place), into *out (NULL when there are none) and
 * *n.  0, or -1 with the error set.
 */
static int
explicit_ids(struct ctl_parse *p, const struct ctl_node *keys,
    const struct ctl_node *regex, const struct ctl_receiver_config *r,
    struct id_ref **out, size_t *n)
{
	const struct ctl_node *item, *v;
	struct id_ref *refs;
	size_t i, nk = 0, ne = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < r->n_keys; i++) {
		nk += !r->keys[i].regex;
		ne += r->keys[i].id != 0;
	}
	if (ne == 0)
		return 0;
	if ((refs = calloc(ne, sizeof(*refs))) == NULL)
		return ctl_error(p, NULL, "out of memory");
	for (i = 0, ne = 0; i < r->n_keys; i++) {
		if (r->keys[i].id == 0)
			continue;
		/* Only a mapping item gives an id; its node is there. */
		item = i < nk ? keys->items[i] : regex->items[i - nk];
		if ((v = map_value(item, "id")) == NULL)
			v = item;
		refs[ne].id = r->keys[i].id;
		refs[ne].line = v->line;
		refs[ne].col = v->col;
		refs[ne].node = v;
		refs[ne].regex = r->keys[i].regex;
		ne++;
	}
	qsort(refs, ne, sizeof(*refs), id_order);
	*out = refs;
	*n = ne;
	return 0;
}

int
ctl_check_keywords(struct ctl_parse *p, const struct ctl_node *keys,
    const struct ctl_node *regex, struct ctl_receiver_config *r)
{
	/* The array was built by this load, in its arena: ours to finish. */
	struct ctl_keyword *kw = (struct ctl_keyword *)(uintptr_t)r->keys;
	struct id_ref *refs;
	size_t i, j, n;
	uint32_t next;

	if (r->n_keys == 0)
		return 0;
	if (explicit_ids(p, keys, regex, r, &refs, &n) == -1)
		return -1;
	for (j = 1; j < n; j++)
		if (refs[j].id == refs[j - 1].id) {
			ctl_bad_value(p, refs[j].node, refs[j].regex ?
			    "receiver.regex" : "receiver.keys", "id",
			    "duplicate id %u (first at line %u)", refs[j].id,
			    refs[j - 1].line);
			free(refs);
			return -1;
		}
	/*
	 * Implicit ids: the position, or above the last implicit id, skipping
	 * explicit ones.  next never decreases, so one pass over the sorted
	 * refs does; it stays below n_keys + n + 2, far from overflowing.
	 */
	for (i = 0, j = 0, next = 0; i < r->n_keys; i++) {
		if (kw[i].id != 0)
			continue;
		if (next < i + 1)
			next = (uint32_t)(i + 1);
		for (; j < n && refs[j].id <= next; j++)
			if (refs[j].id == next)
				next++;
		kw[i].id = next++;
	}
	free(refs);
	return 0;
}

/* ---- printing --------------------------------------------------------- */

static int
u32_order(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of the n sorted ids are below x. */
static size_t
ids_below(const uint32_t *ids, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ids[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Which items print without their id (flags[i] 1), deciding in order.
 * With last the id of the previous such item (0 at first), item i at
 * position p = i + 1 with id x may leave it out when x >= start =
 * max(p, last + 1) and every number in [start, x) is some item's id.
 * Reloaded, it then gets x back: the loader starts at start and skips
 * [start, x), all of which are written out (an earlier item left out has
 * an id <= last, a later one an id above x), and x is nobody else's.  A
 * file that gave no ids prints none, and the print depends on the ids
 * only, not on how the file spelled them.  NULL when out of memory.
 */
static uint8_t *
implicit_flags(const struct ctl_receiver_config *r)
{
	const struct ctl_keyword *kw = r->keys;
	size_t n = r->n_keys, i;
	uint64_t start, last = 0;
	uint32_t *ids;
	uint8_t *flags;

	if ((ids = calloc(n, sizeof(*ids))) == NULL)
		return NULL;
	if ((flags = calloc(n, 1)) == NULL) {
		free(ids);
		return NULL;
	}
	for (i = 0; i < n; i++)
		ids[i] = kw[i].id;
	qsort(ids, n, sizeof(*ids), u32_order);
	for (i = 0; i < n; i++) {
		start = last + 1 > i + 1 ? last + 1 : i + 1;
		if (kw[i].id < start || ids_below(ids, n, kw[i].id) -
		    ids_below(ids, n, start) != kw[i].id - start)
			continue;
		flags[i] = 1;
		last = kw[i].id;
	}
	free(ids);
	return flags;
}

/*
 * The items of one list: a plain string when only the text needs saying
 * (no name, no nocase, an id the loader gives back by itself), else a
 * mapping with what does.
 */
static int
print_keywords(FILE *out, const struct ctl_key *k,
    const struct ctl_receiver_config *r, int indent, int regex)
{
	const struct ctl_keyword *kw;
	uint8_t *implicit = NULL;
	size_t i, count = 0;

	for (i = 0; i < r->n_keys; i++)
		count += r->keys[i].regex == regex;
	fprintf(out, "%*s%s:%s\n", indent, "", k->name, count == 0 ? " []" :
	    "");
	if (count > 0 && (implicit = implicit_flags(r)) == NULL)
		return -1;
	for (i = 0; i < r->n_keys; i++) {
		kw = &r->keys[i];
		if (kw->regex != regex)
			continue;
		fprintf(out, "%*s- ", indent + 2, "");
		if (implicit[i] && kw->name == NULL && !kw->nocase) {
			ctl_print_string(out, kw->text);
			fputc('\n', out);
			continue;
		}
		fprintf(out, "%s: ", regex ? "regex" : "key");
		ctl_print_string(out, kw->text);
		fputc('\n', out);
		if (kw->name != NULL) {
			fprintf(out, "%*sname: ", indent + 4, "");
			ctl_print_string(out, kw->name);
			fputc('\n', out);
		}
		if (!implicit[i])
			fprintf(out, "%*sid: %u\n", indent + 4, "", kw->id);
		if (kw->nocase)
			fprintf(out, "%*snocase: true\n", indent + 4, "");
	}
	free(implicit);
	return ferror(out) ? -1 : 0;
}

int
ctl_print_keys(FILE *out, const struct ctl_key *k, const void *base,
    int indent)
{
	return print_keywords(out, k, base, indent, 0);
}

int
ctl_print_regex(FILE *out, const struct ctl_key *k, const void *base,
    int indent)
{
	return print_keywords(out, k, base, indent, 1);
}
