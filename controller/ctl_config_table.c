/*
 * ctl_config_table.c - walking a YAML mapping with a section's key table:
 * unknown, duplicate and missing keys; typed values with their limits;
 * and defaults parsed from their text (printing: ctl_config_print.c).
 *
 * Values are stored with memcpy at the key's offset, so one walker serves
 * every section struct; the tables in ctl_config_sections.c and
 * ctl_config_blacklists.c say which type lives at which offset.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_config.h"
#include "ctl_config_impl.h"
#include "log.h"

#define WHY_MAX		256
#define MAX_STRING	1024	/* bytes of a free-form string */
#define MAX_PATH	4095
#define MAX_URL		2048
#define MAX_IFNAME	15	/* IFNAMSIZ - 1 */
#define MAX_TOKEN	128	/* numbers, durations, addresses... */

/* ---- messages --------------------------------------------------------- */

int
ctl_bad_value(struct ctl_parse *p, const struct ctl_node *at,
    const char *section, const char *key, const char *fmt, ...)
{
	char msg[WHY_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (section != NULL)
		return ctl_error(p, at, "bad value for '%s' in '%s': %s", key,
		    section, msg);
	return ctl_error(p, at, "bad value for '%s': %s", key, msg);
}

/* The i-th name of an enum key's values, or NULL after the last. */
static const char *
enum_name(const struct ctl_key *k, size_t i)
{
	const char *name;

	if (k->type == CTL_T_ENUM)
		return k->names[i];
	if (i >= 64)
		return NULL;
	name = bl_format_name((enum bl_format)(BL_FORMAT_PLAIN + (int)i));
	return strcmp(name, "unknown") == 0 ? NULL : name;
}

/* What a key's values look like, for "expected ...". */
static const char *
expected(const struct ctl_key *k, char *buf, size_t size)
{
	size_t i, off;

	switch (k->type) {
	case CTL_T_STRING:
		return "a string";
	case CTL_T_PATH:
		return "a path";
	case CTL_T_NAME:
		return CTL_NAME_EXPECTED;
	case CTL_T_URL:
		return "an http:// or https:// URL";
	case CTL_T_IFNAME:
		return "an interface name like swp1 or swp+ (1 to 15 letters, "
		    "digits, '_', '.', ':', '+' or '-', starting with a letter "
		    "or digit)";
	case CTL_T_ENUM:
	case CTL_T_FORMAT:
		/* "a, b or c" */
		buf[0] = '\0';
		for (i = 0, off = 0; off < size; i++) {
			const char *name = enum_name(k, i), *next;

			if (name == NULL)
				break;
			next = enum_name(k, i + 1);
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
			    i == 0 ? "" : next == NULL ? " or " : ", ", name);
		}
		return buf;
	case CTL_T_BOOL:
		return "true or false";
	case CTL_T_U32:
		return "a whole number";
	case CTL_T_DURATION:
		return "a duration like 30s, 5m, 12h or 7d";
	case CTL_T_SIZE:
		return "a size like 512K, 64M or 10G";
	case CTL_T_SPACE:
		return "a percentage like 5% or a size like 10G";
	case CTL_T_ADDR:
		return "an IPv4 or IPv6 address";
	case CTL_T_PREFIX:
		return "a prefix like 10.0.0.0/8 or fd00::/8";
	case CTL_T_LISTEN:
		return "an address and port like 127.0.0.1:8008 or [::1]:8008";
	case CTL_T_ADDR_LIST:
		return "a sequence of IPv4 or IPv6 addresses";
	case CTL_T_PREFIX_LIST:
		return "a sequence of prefixes like 10.0.0.0/8 or fd00::/8";
	case CTL_T_LISTEN_LIST:
		return "a sequence of addresses and ports like 0.0.0.0:6343 "
		    "or [::]:6343";
	case CTL_T_STRING_LIST:
		return "a sequence of strings";
	case CTL_T_SECTION:
		return "a mapping";
	case CTL_T_CUSTOM:
		break;
	}
	return "something else";
}

/* The longest text a scalar of this type may have. */
static size_t
max_len(enum ctl_type t)
{
	switch (t) {
	case CTL_T_STRING:
		return MAX_STRING;
	case CTL_T_PATH:
		return MAX_PATH;
	case CTL_T_URL:
		return MAX_URL;
	default:
		return MAX_TOKEN;
	}
}

/*
 * The first byte of a character we refuse in strings: C0 and C1 controls,
 * DEL, and the Unicode line and paragraph separators, any of which would
 * break a value across lines in a message or in ctl_config_print().
 */
static const char *
find_control(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7F)
			return s + i;
		if (u[i] == 0xC2 && i + 1 < len && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9F)
			return s + i;
		if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x80 &&
		    (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
			return s + i;
	}
	return NULL;
}

const char *
ctl_scalar(struct ctl_parse *p, const struct ctl_node *n,
    const char *section, const char *key, const char *what, size_t max)
{
	if (n->type != CTL_NODE_SCALAR || n->is_null) {
		ctl_bad_value(p, n, section, key, "expected %s, found %s", what,
		    ctl_node_kind(n));
		return NULL;
	}
	if (n->len == 0) {
		ctl_bad_value(p, n, section, key, "expected %s, found an empty "
		    "string", what);
		return NULL;
	}
	if (find_control(n->text, n->len) != NULL) {
		ctl_bad_value(p, n, section, key, "control characters are not "
		    "allowed in values");
		return NULL;
	}
	if (n->len > max) {
		ctl_bad_value(p, n, section, key, "longer than %zu bytes", max);
		return NULL;
	}
	return n->text;
}

int
ctl_valid_name(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') ||
		    s[n] == '_' || s[n] == '.' || s[n] == '-'))
			return 0;
	return n >= 1 && n <= 63;
}

static int
valid_ifname(const char *s)
{
	size_t n;

	/* A first letter or digit: a pattern must never read as an
	 * iptables option ("-j ..."); the rule renderer checks it again. */
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' ||
		    s[n] == '.' || s[n] == ':' || s[n] == '+' || s[n] == '-'))
			return 0;
	return n >= 1 && n <= MAX_IFNAME;
}

static int
valid_url(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return 0;
	return *host != '\0' && *host != '/' && strchr(s, ' ') == NULL;
}

/* ---- values ----------------------------------------------------------- */

static int
store_string(struct ctl_parse *p, const char *s, void *dst)
{
	char *copy;

	if ((copy = ctl_arena_strdup(p->arena, s)) == NULL)
		return ctl_error(p, NULL, "out of memory");
	memcpy(dst, &copy, sizeof(copy));
	return 0;
}

static int
range_error(struct ctl_parse *p, const struct ctl_node *at,
    const char *section, const struct ctl_key *k, const char *s, int below)
{
	char q[64], lim[CTL_VALUE_STRLEN];
	uint64_t v = below ? k->min : k->max;

	ctl_quote(s, q, sizeof(q));
	if (k->type == CTL_T_DURATION)
		ctl_format_duration((uint32_t)v, lim, sizeof(lim));
	else if (k->type == CTL_T_SIZE)
		ctl_format_size(v, lim, sizeof(lim));
	else
		return ctl_bad_value(p, at, section, k->name, "expected a "
		    "whole number from %llu to %llu, found %s",
		    (unsigned long long)k->min, (unsigned long long)k->max, q);
	return ctl_bad_value(p, at, section, k->name, "expected at %s %s, "
	    "found %s", below ? "least" : "most", lim, q);
}

/*
 * Text s (from node at, or a default) as k's scalar type into dst.
 * For list items k is the list's key and type the item's type.
 */
static int
set_text(struct ctl_parse *p, const char *section, const struct ctl_key *k,
    enum ctl_type type, const char *s, const struct ctl_node *at, void *dst)
{
	char why[WHY_MAX], buf[WHY_MAX], q[64];
	uint64_t u;
	uint32_t d;
	int b, v;
	size_t i;

	why[0] = '\0';
	switch (type) {
	case CTL_T_STRING:
	case CTL_T_PATH:
		return store_string(p, s, dst);
	case CTL_T_NAME:
		if (!ctl_valid_name(s))
			break;
		return store_string(p, s, dst);
	case CTL_T_URL:
		if (!valid_url(s))
			break;
		return store_string(p, s, dst);
	case CTL_T_IFNAME:
		if (!valid_ifname(s))
			break;
		return store_string(p, s, dst);
	case CTL_T_ENUM:
		for (i = 0; k->names[i] != NULL; i++)
			if (strcmp(k->names[i], s) == 0) {
				v = (int)(k->min + i);
				memcpy(dst, &v, sizeof(v));
				return 0;
			}
		break;
	case CTL_T_FORMAT: {
		enum bl_format f;

		if (bl_format_from_name(s, &f) == -1)
			break;
		memcpy(dst, &f, sizeof(f));
		return 0;
	}
	case CTL_T_BOOL:
		if (ctl_parse_bool(s, &b, why, sizeof(why)) == -1)
			break;
		memcpy(dst, &b, sizeof(b));
		return 0;
	case CTL_T_U32:
		if (ctl_parse_uint(s, UINT64_MAX, &u, why, sizeof(why)) == -1)
			break;
		if (u < k->min || u > k->max)
			return range_error(p, at, section, k, s, u < k->min);
		d = (uint32_t)u;
		memcpy(dst, &d, sizeof(d));
		return 0;
	case CTL_T_DURATION:
		if (ctl_parse_duration(s, &d, why, sizeof(why)) == -1)
			break;
		if (d < k->min || d > k->max)
			return range_error(p, at, section, k, s, d < k->min);
		memcpy(dst, &d, sizeof(d));
		return 0;
	case CTL_T_SIZE:
		if (ctl_parse_size(s, &u, why, sizeof(why)) == -1)
			break;
		if (u < k->min || u > k->max)
			return range_error(p, at, section, k, s, u < k->min);
		memcpy(dst, &u, sizeof(u));
		return 0;
	case CTL_T_SPACE: {
		struct ctl_space sp;

		if (ctl_parse_space(s, &sp, why, sizeof(why)) == -1)
			break;
		memcpy(dst, &sp, sizeof(sp));
		return 0;
	}
	case CTL_T_ADDR: {
		struct netaddr a;

		if (netaddr_parse(s, &a) == -1)
			break;
		memcpy(dst, &a, sizeof(a));
		return 0;
	}
	case CTL_T_PREFIX: {
		struct ctl_prefix pf;

		if (ctl_parse_prefix(s, &pf, why, sizeof(why)) == -1)
			break;
		memcpy(dst, &pf, sizeof(pf));
		return 0;
	}
	case CTL_T_LISTEN: {
		struct ctl_listen l;

		if (ctl_parse_listen(s, &l, why, sizeof(why)) == -1)
			break;
		memcpy(dst, &l, sizeof(l));
		return 0;
	}
	default:		/* lists, sections, custom: not scalars */
		break;
	}
	if (why[0] != '\0')
		return ctl_bad_value(p, at, section, k->name, "%s", why);
	ctl_quote(s, q, sizeof(q));
	{
		struct ctl_key item = *k;

		item.type = type;
		return ctl_bad_value(p, at, section, k->name, "expected %s, "
		    "found %s", expected(&item, buf, sizeof(buf)), q);
	}
}

/* The scalar type of a list's items. */
static enum ctl_type
item_type(enum ctl_type list)
{
	switch (list) {
	case CTL_T_ADDR_LIST:
		return CTL_T_ADDR;
	case CTL_T_PREFIX_LIST:
		return CTL_T_PREFIX;
	case CTL_T_LISTEN_LIST:
		return CTL_T_LISTEN;
	default:
		return CTL_T_STRING;
	}
}

size_t
ctl_item_size(enum ctl_type t)
{
	switch (t) {
	case CTL_T_ADDR_LIST:
		return sizeof(struct netaddr);
	case CTL_T_PREFIX_LIST:
		return sizeof(struct ctl_prefix);
	case CTL_T_LISTEN_LIST:
		return sizeof(struct ctl_listen);
	default:
		return sizeof(char *);
	}
}

static int
is_list(enum ctl_type t)
{
	return t == CTL_T_ADDR_LIST || t == CTL_T_PREFIX_LIST ||
	    t == CTL_T_LISTEN_LIST || t == CTL_T_STRING_LIST;
}

static int
store_list(const struct ctl_key *k, void *base,
    void *items, size_t n)
{
	memcpy((char *)base + k->offset, &items, sizeof(items));
	memcpy((char *)base + k->count, &n, sizeof(n));
	return 0;
}

static void *
alloc_items(struct ctl_parse *p, const struct ctl_key *k, size_t n)
{
	void *items;

	if (n == 0)
		return NULL;
	if ((items = ctl_arena_alloc(p->arena, n * ctl_item_size(k->type))) ==
	    NULL)
		ctl_error(p, NULL, "out of memory");
	return items;
}

static int
set_list(struct ctl_parse *p, const char *section, const struct ctl_key *k,
    const struct ctl_node *v, void *base)
{
	char buf[WHY_MAX];
	const char *s;
	size_t i, n = 0;
	char *items;

	if (v->type == CTL_NODE_SEQUENCE)
		n = v->n;
	else if (v->type != CTL_NODE_SCALAR || !v->is_null)
		return ctl_bad_value(p, v, section, k->name, "expected %s, "
		    "found %s", expected(k, buf, sizeof(buf)),
		    ctl_node_kind(v));
	if (n < k->min)
		return ctl_bad_value(p, v, section, k->name, "expected at "
		    "least %llu item%s, found %zu", (unsigned long long)k->min,
		    k->min == 1 ? "" : "s", n);
	if (n > k->max)
		return ctl_bad_value(p, v->items[k->max], section, k->name,
		    "more than %llu items", (unsigned long long)k->max);
	if (n > 0 && (items = alloc_items(p, k, n)) == NULL)
		return -1;
	if (n == 0)
		items = NULL;
	for (i = 0; i < n; i++) {
		struct ctl_key item = *k;

		item.type = item_type(k->type);
		if ((s = ctl_scalar(p, v->items[i], section, k->name,
		    expected(&item, buf, sizeof(buf)),
		    max_len(item.type))) == NULL ||
		    set_text(p, section, k, item.type, s, v->items[i],
		    items + i * ctl_item_size(k->type)) == -1)
			return -1;
	}
	return store_list(k, base, items, n);
}

int
ctl_set_value(struct ctl_parse *p, const struct ctl_section *sec,
    const struct ctl_key *k, const struct ctl_node *v, void *base)
{
	struct ctl_seen seen[CTL_SECTION_MAX_KEYS];
	char buf[WHY_MAX];
	const char *s;

	if (is_list(k->type))
		return set_list(p, sec->name, k, v, base);
	if (k->type == CTL_T_SECTION) {
		if (v->type != CTL_NODE_MAPPING &&
		    !(v->type == CTL_NODE_SCALAR && v->is_null))
			return ctl_bad_value(p, v, sec->name, k->name,
			    "expected a mapping, found %s", ctl_node_kind(v));
		return ctl_walk_section(p, v, k->sub, (char *)base + k->offset,
		    seen);
	}
	if ((s = ctl_scalar(p, v, sec->name, k->name,
	    expected(k, buf, sizeof(buf)), max_len(k->type))) == NULL)
		return -1;
	return set_text(p, sec->name, k, k->type, s, v,
	    (char *)base + k->offset);
}

/* An absent key: its default, parsed like a value (at: for a position). */
static int
set_default(struct ctl_parse *p, const struct ctl_section *sec,
    const struct ctl_key *k, const struct ctl_node *at, void *base)
{
	struct ctl_seen seen[CTL_SECTION_MAX_KEYS];
	char one[MAX_TOKEN + 1];
	const char *s, *comma;
	size_t i, n, len;
	char *items;

	if (k->type == CTL_T_SECTION)
		return ctl_walk_section(p, NULL, k->sub,
		    (char *)base + k->offset, seen);
	if (k->def == NULL)
		return 0;
	if (!is_list(k->type))
		return set_text(p, sec->name, k, k->type, k->def, at,
		    (char *)base + k->offset);
	for (n = 1, s = k->def; (s = strchr(s, ',')) != NULL; s++)
		n++;
	if ((items = alloc_items(p, k, n)) == NULL)
		return -1;
	for (i = 0, s = k->def; i < n; i++, s = comma + 1) {
		if ((comma = strchr(s, ',')) == NULL)
			comma = s + strlen(s);
		len = (size_t)(comma - s);
		if (len >= sizeof(one))
			len = sizeof(one) - 1;
		memcpy(one, s, len);
		one[len] = '\0';
		if (set_text(p, sec->name, k, item_type(k->type), one, at,
		    items + i * ctl_item_size(k->type)) == -1)
			return -1;
	}
	return store_list(k, base, items, n);
}

/* ---- walking a mapping ------------------------------------------------ */

const struct ctl_seen *
ctl_seen_key(const struct ctl_section *sec, const struct ctl_seen *seen,
    const char *name)
{
	size_t j;

	for (j = 0; j < sec->n_keys; j++)
		if (strcmp(sec->keys[j].name, name) == 0)
			return &seen[j];
	abort();	/* a typo in our own code, found by any test */
}

const struct ctl_node *
ctl_seen_node(const struct ctl_seen *s, const struct ctl_node *fallback)
{
	return s->value != NULL ? s->value : fallback;
}

static int
unknown_key(struct ctl_parse *p, const struct ctl_section *sec,
    const struct ctl_node *key)
{
	char q[64], list[512];
	size_t i, off = 0;

	list[0] = '\0';
	for (i = 0; i < sec->n_keys && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i > 0 ? ", " : "", sec->keys[i].name);
	ctl_quote(key->text, q, sizeof(q));
	if (sec->name == NULL)
		return ctl_error(p, key, "unknown key %s at the top level "
		    "(expected one of: %s)", q, list);
	return ctl_error(p, key, "unknown key %s in '%s' (expected one of: "
	    "%s)", q, sec->name, list);
}

/* " in 'controller'", or "" at the top level. */
static const char *
in_section(const struct ctl_section *sec, char *buf, size_t size)
{
	if (sec->name == NULL)
		return "";
	snprintf(buf, size, " in '%s'", sec->name);
	return buf;
}

int
ctl_walk_section(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_section *sec, void *base, struct ctl_seen *seen)
{
	const struct ctl_node *key, *value;
	const struct ctl_key *k;
	char where[64];
	size_t i, j;

	/* Every seen[] is CTL_SECTION_MAX_KEYS long: a bigger table is a bug. */
	if (sec->n_keys > CTL_SECTION_MAX_KEYS)
		fatalx("config section %s has %zu keys, more than %d",
		    sec->name, sec->n_keys, CTL_SECTION_MAX_KEYS);
	memset(seen, 0, sec->n_keys * sizeof(*seen));
	if (map != NULL && map->type != CTL_NODE_MAPPING)
		map = NULL;	/* a null value: an empty mapping */
	for (i = 0; map != NULL && i + 1 < map->n; i += 2) {
		key = map->items[i];
		value = map->items[i + 1];
		if (key->type != CTL_NODE_SCALAR)
			return ctl_error(p, key, "expected a key name%s, found "
			    "%s", in_section(sec, where, sizeof(where)),
			    ctl_node_kind(key));
		for (j = 0; j < sec->n_keys; j++)
			if (strlen(sec->keys[j].name) == key->len &&
			    strcmp(sec->keys[j].name, key->text) == 0)
				break;
		if (j == sec->n_keys)
			return unknown_key(p, sec, key);
		k = &sec->keys[j];
		if (seen[j].key != NULL)
			return ctl_error(p, key, "duplicate key '%s'%s (first "
			    "at line %u)", k->name, in_section(sec, where,
			    sizeof(where)), seen[j].key->line);
		seen[j].key = key;
		seen[j].value = value;
		if (k->type == CTL_T_CUSTOM) {
			if (k->parse(p, k, &seen[j], base) == -1)
				return -1;
		} else if (ctl_set_value(p, sec, k, value, base) == -1)
			return -1;
	}
	for (j = 0; j < sec->n_keys; j++) {
		k = &sec->keys[j];
		if (seen[j].key != NULL)
			continue;
		if (k->flags & CTL_REQUIRED)
			return ctl_error(p, map, "missing required key '%s' in "
			    "'%s'", k->name, sec->name ? sec->name : "the top "
			    "level");
		if (set_default(p, sec, k, map, base) == -1)
			return -1;
	}
	if (sec->check != NULL)
		return sec->check(p, map, seen, base);
	return 0;
}
