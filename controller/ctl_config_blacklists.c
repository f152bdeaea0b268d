/*
 * ctl_config_blacklists.c - the blacklists: and groups: sections: where
 * each list comes from, and which lists trigger (watched groups) or never
 * trigger (the allow group).
 *
 * Rules beyond the types: list names are unique; a list has exactly one
 * of file: and url:; url: is https://, or http:// only with allow_http;
 * keys that only make sense for downloads are refused on file lists;
 * every name a group gives is a defined list, once per group; every list
 * is in at least one group (a list in none would be fetched and never
 * looked at); and when any list exists, at least one group watches.
 * Groups are resolved after the whole file is read, so groups: may come
 * before blacklists:.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_config.h"
#include "ctl_config_impl.h"

#define DAY		86400u
#define NKEYS(a)	(sizeof(a) / sizeof((a)[0]))
#define B(f)		offsetof(struct ctl_blacklist, f)

static const struct ctl_key blacklist_keys[] = {
	{ .name = "name", .type = CTL_T_NAME, .offset = B(name),
	  .flags = CTL_REQUIRED },
	{ .name = "format", .type = CTL_T_FORMAT, .offset = B(format),
	  .flags = CTL_REQUIRED },
	{ .name = "file", .type = CTL_T_PATH, .offset = B(file) },
	{ .name = "url", .type = CTL_T_URL, .offset = B(url) },
	{ .name = "refresh", .type = CTL_T_DURATION, .offset = B(refresh_s),
	  .def = "12h", .min = 60, .max = 30 * DAY },
	{ .name = "allow_http", .type = CTL_T_BOOL, .offset = B(allow_http),
	  .def = "false" },
	{ .name = "ca_file", .type = CTL_T_PATH, .offset = B(ca_file) },
	{ .name = "timeout", .type = CTL_T_DURATION, .offset = B(timeout_s),
	  .def = "60s", .min = 1, .max = 3600 },
	{ .name = "connect_timeout", .type = CTL_T_DURATION,
	  .offset = B(connect_timeout_s), .def = "10s", .min = 1, .max = 600 },
	{ .name = "max_size", .type = CTL_T_SIZE, .offset = B(max_size),
	  .def = "64M", .min = (uint64_t)1 << 10, .max = (uint64_t)1 << 30 },
	{ .name = "max_entries", .type = CTL_T_U32, .offset = B(max_entries),
	  .def = "2000000", .min = 1, .max = 100000000 },
};

/* Keys that only apply to downloads. */
static const char *const url_only[] = {
	"allow_http", "ca_file", "timeout", "connect_timeout",
};

static int
is_url_only(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS(url_only); i++)
		if (strcmp(url_only[i], name) == 0)
			return 1;
	return 0;
}

static int
check_blacklist(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, void *base)
{
	const struct ctl_section *sec = &ctl_blacklist_section;
	const struct ctl_blacklist *b = base;
	const struct ctl_seen *file = ctl_seen_key(sec, seen, "file");
	const struct ctl_seen *url = ctl_seen_key(sec, seen, "url");
	const struct ctl_seen *ct, *t;
	char c1[CTL_VALUE_STRLEN], c2[CTL_VALUE_STRLEN];
	size_t i;

	if (b->file != NULL && b->url != NULL)
		return ctl_error(p, file->key->line > url->key->line ||
		    (file->key->line == url->key->line &&
		    file->key->col > url->key->col) ? file->key : url->key,
		    "blacklist '%s' has both 'file' and 'url' (expected "
		    "exactly one)", b->name);
	if (b->file == NULL && b->url == NULL)
		return ctl_error(p, map, "blacklist '%s' needs 'file' or 'url'",
		    b->name);
	if (b->file != NULL) {
		for (i = 0; i < sec->n_keys; i++)
			if (seen[i].key != NULL &&
			    is_url_only(sec->keys[i].name))
				return ctl_error(p, seen[i].key, "'%s' applies "
				    "only to lists with 'url' (blacklist '%s' "
				    "has 'file')", sec->keys[i].name, b->name);
		return 0;
	}
	if (strncmp(b->url, "https://", 8) != 0 && !b->allow_http)
		return ctl_bad_value(p, url->value, sec->name, "url", "plain "
		    "http:// needs 'allow_http: true' (or use https://)");
	if (b->connect_timeout_s > b->timeout_s) {
		ct = ctl_seen_key(sec, seen, "connect_timeout");
		t = ctl_seen_key(sec, seen, "timeout");
		return ctl_error(p, ctl_seen_node(ct, ctl_seen_node(t, map)),
		    "'connect_timeout' (%s) is longer than 'timeout' (%s) in "
		    "blacklist '%s'",
		    ctl_format_duration(b->connect_timeout_s, c1, sizeof(c1)),
		    ctl_format_duration(b->timeout_s, c2, sizeof(c2)), b->name);
	}
	return 0;
}

/* The printer leaves out what the loader would refuse on a file list. */
static int
skip_blacklist_key(const struct ctl_key *k, const void *base)
{
	const struct ctl_blacklist *b = base;

	return b->file != NULL && is_url_only(k->name);
}

const struct ctl_section ctl_blacklist_section = {
	.name = "blacklists", .keys = blacklist_keys,
	.n_keys = NKEYS(blacklist_keys), .check = check_blacklist,
	.skip = skip_blacklist_key,
};

int
ctl_parse_blacklists(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_seen *where, void *base)
{
	struct ctl_seen seen[CTL_SECTION_MAX_KEYS];
	const struct ctl_node *seq = where->value, *item;
	struct ctl_config *cfg = base;
	struct ctl_blacklist *bl;
	size_t i, j, n;

	p->blacklists_key = where->key;
	if (seq->type == CTL_NODE_SCALAR && seq->is_null)
		return 0;
	if (seq->type != CTL_NODE_SEQUENCE)
		return ctl_bad_value(p, seq, NULL, k->name, "expected a "
		    "sequence of lists, found %s", ctl_node_kind(seq));
	if ((n = seq->n) == 0)
		return 0;
	if (n > CTL_MAX_BLACKLISTS)
		return ctl_bad_value(p, seq->items[CTL_MAX_BLACKLISTS], NULL,
		    k->name, "more than %u lists", CTL_MAX_BLACKLISTS);
	if ((bl = ctl_arena_alloc(p->arena, n * sizeof(*bl))) == NULL)
		return ctl_error(p, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		item = seq->items[i];
		if (item->type != CTL_NODE_MAPPING)
			return ctl_bad_value(p, item, NULL, k->name, "expected "
			    "a mapping for each list, found %s",
			    ctl_node_kind(item));
		if (ctl_walk_section(p, item, &ctl_blacklist_section, &bl[i],
		    seen) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(bl[j].name, bl[i].name) == 0)
				return ctl_bad_value(p, ctl_seen_key(
				    &ctl_blacklist_section, seen,
				    "name")->value, "blacklists", "name",
				    "duplicate list name '%s' (first at line "
				    "%u)", bl[i].name, seq->items[j]->line);
	}
	cfg->blacklists = bl;
	cfg->n_blacklists = n;
	p->blacklists = seq;
	return 0;
}

int
ctl_print_blacklists(FILE *out, const struct ctl_key *k, const void *base,
    int indent)
{
	const struct ctl_config *cfg = base;
	size_t i;

	fprintf(out, "%*s%s:%s\n", indent, "", k->name,
	    cfg->n_blacklists == 0 ? " []" : "");
	for (i = 0; i < cfg->n_blacklists; i++)
		if (ctl_print_section(out, &ctl_blacklist_section,
		    &cfg->blacklists[i], indent + 4, 1) == -1)
			return -1;
	return 0;
}

/* ---- groups: ---------------------------------------------------------- */

int
ctl_parse_groups(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_seen *where, void *base)
{
	const struct ctl_node *v = where->value;

	(void)base;
	if (v->type != CTL_NODE_MAPPING && !(v->type == CTL_NODE_SCALAR &&
	    v->is_null))
		return ctl_bad_value(p, v, NULL, k->name, "expected a mapping "
		    "of group names to sequences of list names, found %s",
		    ctl_node_kind(v));
	/* Resolved by ctl_check_groups() once every list is known. */
	p->groups_key = where->key;
	p->groups = v;
	return 0;
}

int
ctl_print_groups(FILE *out, const struct ctl_key *k, const void *base,
    int indent)
{
	const struct ctl_config *cfg = base;
	const struct ctl_group *g;
	size_t i, j;

	fprintf(out, "%*s%s:%s\n", indent, "", k->name,
	    cfg->n_groups == 0 ? " {}" : "");
	for (i = 0; i < cfg->n_groups; i++) {
		g = &cfg->groups[i];
		fprintf(out, "%*s", indent + 2, "");
		ctl_print_string(out, g->name);
		fputs(": [", out);
		for (j = 0; j < g->n_lists; j++) {
			if (j > 0)
				fputs(", ", out);
			ctl_print_string(out,
			    cfg->blacklists[g->lists[j]].name);
		}
		fputs("]\n", out);
	}
	return ferror(out) ? -1 : 0;
}

/* "a, b, c" of the defined lists, for a message. */
static void
list_names(const struct ctl_config *cfg, char *buf, size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	if (cfg->n_blacklists == 0) {
		snprintf(buf, size, "no lists are defined");
		return;
	}
	off = (size_t)snprintf(buf, size, "defined: ");
	for (i = 0; i < cfg->n_blacklists && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
		    i > 0 ? ", " : "", cfg->blacklists[i].name);
	if (off >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

/* One group: name -> [list, ...] into g; used[] marks the lists named. */
static int
resolve_group(struct ctl_parse *p, struct ctl_config *cfg,
    const struct ctl_node *key, const struct ctl_node *v,
    struct ctl_group *g, uint8_t *used)
{
	uint8_t in_group[CTL_MAX_BLACKLISTS] = { 0 };
	char names[256], q[64];
	size_t *lists;
	size_t i;
	long idx;

	g->name = key->text;	/* the caller copies it into the arena */
	g->kind = strcmp(key->text, CTL_ALLOW_GROUP) == 0 ? BL_GROUP_ALLOW :
	    BL_GROUP_WATCH;
	if (v->type != CTL_NODE_SEQUENCE || v->n == 0)
		return ctl_bad_value(p, v, "groups", key->text, "expected a "
		    "non-empty sequence of list names, found %s",
		    v->type == CTL_NODE_SEQUENCE ? "an empty one" :
		    ctl_node_kind(v));
	if ((lists = ctl_arena_alloc(p->arena, v->n * sizeof(*lists))) == NULL)
		return ctl_error(p, NULL, "out of memory");
	for (i = 0; i < v->n; i++) {
		const char *s = ctl_scalar(p, v->items[i], "groups", key->text,
		    "a list name", 64);

		if (s == NULL)
			return -1;
		if ((idx = ctl_config_find_blacklist(cfg, s)) < 0) {
			ctl_quote(s, q, sizeof(q));
			list_names(cfg, names, sizeof(names));
			return ctl_error(p, v->items[i], "group '%s' names "
			    "unknown list %s (%s)", key->text, q, names);
		}
		if (in_group[idx])
			return ctl_error(p, v->items[i], "group '%s' names "
			    "list '%s' twice", key->text, s);
		in_group[idx] = 1;
		lists[i] = (size_t)idx;
		used[idx] = 1;
	}
	g->lists = lists;
	g->n_lists = v->n;
	return 0;
}

int
ctl_check_groups(struct ctl_parse *p, struct ctl_config *cfg)
{
	const struct ctl_node *m = p->groups, *key;
	struct ctl_group *groups = NULL;
	uint8_t used[CTL_MAX_BLACKLISTS] = { 0 };
	size_t i, j, n = 0, watched = 0;
	char q[64];

	if (m != NULL && m->type == CTL_NODE_MAPPING)
		n = m->n / 2;
	if (n > CTL_MAX_GROUPS)
		return ctl_error(p, m->items[2 * CTL_MAX_GROUPS],
		    "more than %u groups", CTL_MAX_GROUPS);
	if (n > 0 && (groups = ctl_arena_alloc(p->arena,
	    n * sizeof(*groups))) == NULL)
		return ctl_error(p, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		key = m->items[2 * i];
		if (key->type != CTL_NODE_SCALAR)
			return ctl_error(p, key, "expected a group name in "
			    "'groups', found %s", ctl_node_kind(key));
		ctl_quote(key->text, q, sizeof(q));
		if (key->len != strlen(key->text) ||
		    !ctl_valid_name(key->text))
			return ctl_error(p, key, "bad group name %s: expected "
			    CTL_NAME_EXPECTED, q);
		if (strcmp(key->text, CTL_LOCAL_GROUP) == 0)
			return ctl_error(p, key, "the group name '%s' is "
			    "reserved for local_networks", CTL_LOCAL_GROUP);
		for (j = 0; j < i; j++)
			if (strcmp(groups[j].name, key->text) == 0)
				return ctl_error(p, key, "duplicate key '%s' "
				    "in 'groups' (first at line %u)",
				    key->text, m->items[2 * j]->line);
		if (resolve_group(p, cfg, key, m->items[2 * i + 1], &groups[i],
		    used) == -1)
			return -1;
		if ((groups[i].name = ctl_arena_strdup(p->arena,
		    key->text)) == NULL)
			return ctl_error(p, NULL, "out of memory");
		if (groups[i].kind == BL_GROUP_WATCH)
			watched++;
	}
	cfg->groups = groups;
	cfg->n_groups = n;
	if (cfg->n_blacklists == 0)
		return 0;
	if (watched == 0)
		return ctl_error(p, p->groups_key != NULL ? p->groups_key :
		    p->blacklists_key, "no watched group: name the lists that "
		    "may trigger a capture in a group other than '%s' under "
		    "'groups'", CTL_ALLOW_GROUP);
	for (i = 0; i < cfg->n_blacklists; i++)
		if (!used[i])
			return ctl_error(p, p->blacklists->items[i],
			    "blacklist '%s' is in no group (add it to one "
			    "under 'groups')", cfg->blacklists[i].name);
	return 0;
}

/* ---- for the fetcher -------------------------------------------------- */

long
ctl_config_find_blacklist(const struct ctl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_blacklists; i++)
		if (strcmp(cfg->blacklists[i].name, name) == 0)
			return (long)i;
	return -1;
}

void
ctl_blacklist_source_spec(const struct ctl_blacklist *b,
    struct bl_source_spec *out)
{
	memset(out, 0, sizeof(*out));
	out->name = b->name;
	out->format = b->format;
	out->url = b->url;
	out->file = b->file;
	out->allow_http = b->allow_http;
	out->ca_file = b->ca_file;
	out->refresh_s = b->refresh_s;
	out->connect_timeout_s = b->connect_timeout_s;
	out->timeout_s = b->timeout_s;
	out->max_bytes = b->max_size;
}
