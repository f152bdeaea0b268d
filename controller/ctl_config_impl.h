/*
 * ctl_config_impl.h - inside the configuration loader (not for other
 * modules): the YAML document tree, the parse context with its error, the
 * arena a config lives in, and the key tables that drive parsing,
 * defaults and printing alike.
 *
 * One table per section (struct ctl_section) lists its keys with a type, an
 * offset into the section's struct, a default written as configuration
 * text, and limits.  The same table walks the YAML (unknown and duplicate
 * keys, missing required ones), fills the defaults by parsing their text
 * (so a default obeys the same rules as a value) and prints the normalised
 * config; a key added to a table is therefore parsed, defaulted and printed
 * at once, and ctl_config_keys() lets the tests check it is documented.
 */
#ifndef FS_CTL_CONFIG_IMPL_H
#define FS_CTL_CONFIG_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ctl_config;
struct ctl_receiver_config;

/* ---- the document tree (ctl_config_yaml.c) ----------------------------- */

enum ctl_node_type {
	CTL_NODE_SCALAR = 1,
	CTL_NODE_SEQUENCE,
	CTL_NODE_MAPPING,
};

/*
 * A node of the YAML document.  A mapping's items alternate key, value.
 * A scalar's text is NUL-terminated; len may be larger than strlen(text)
 * if the YAML spelled a NUL ("\0"), which the typed getters refuse.
 */
struct ctl_node {
	enum ctl_node_type	 type;
	int			 is_null;	/* plain "", "~" or "null" */
	uint32_t		 line, col;	/* 1-based */
	char			*text;		/* scalars */
	size_t			 len;
	struct ctl_node		**items;	/* collections */
	size_t			 n, cap;
};

/* Error context: the file's name and the caller's buffer; first error wins. */
struct ctl_parse {
	const char		*file;
	char			*err;
	size_t			 errlen;
	int			 failed;
	struct ctl_arena	*arena;		/* the config being built */
	size_t			 nodes;		/* built so far */
	/* Sections whose checks need the whole file, kept for their marks. */
	const struct ctl_node	*blacklists_key, *blacklists;
	const struct ctl_node	*groups_key, *groups;
	const struct ctl_node	*switches_key;
};

/*
 * Parse len bytes of YAML into a tree (*root NULL when the stream holds no
 * document).  Refuses anchors, aliases, tags, more than one document, and
 * trees deeper or larger than the caps.  0, or -1 with the error set.
 */
int	ctl_doc_parse(struct ctl_parse *, const void *buf, size_t len,
	    struct ctl_node **root);
void	ctl_node_free(struct ctl_node *);
/* "a mapping", "a sequence", "a scalar" or "no value" (null). */
const char *ctl_node_kind(const struct ctl_node *);

/* Record "FILE:LINE:COL: message" at node (or "FILE: message"); -1. */
int	ctl_error(struct ctl_parse *, const struct ctl_node *at,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same at an explicit position. */
int	ctl_error_at(struct ctl_parse *, uint32_t line, uint32_t col,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- the arena (ctl_config.c) ------------------------------------------ */

/* Zeroed memory that lives as long as the config; NULL when out of memory. */
void	*ctl_arena_alloc(struct ctl_arena *, size_t size);
char	*ctl_arena_strdup(struct ctl_arena *, const char *s);
void	 ctl_arena_free(struct ctl_arena *);
struct ctl_arena *ctl_arena_new(void);

/* ---- key tables (ctl_config_table.c, ctl_config_print.c) --------------- */

enum ctl_type {
	CTL_T_STRING = 1,	/* const char *; printable, no control chars */
	CTL_T_PATH,		/* const char * */
	CTL_T_NAME,		/* const char *; [A-Za-z0-9_.-]{1,63} */
	CTL_T_URL,		/* const char *; http:// or https:// */
	CTL_T_IFNAME,		/* const char *; interface (pattern) name */
	CTL_T_ENUM,		/* an enum (int-sized); names[i] is min + i */
	CTL_T_FORMAT,		/* enum bl_format, by bl_format_from_name() */
	CTL_T_BOOL,		/* int */
	CTL_T_U32,		/* uint32_t in [min, max] */
	CTL_T_DURATION,		/* uint32_t seconds in [min, max] */
	CTL_T_SIZE,		/* uint64_t bytes in [min, max] */
	CTL_T_SPACE,		/* struct ctl_space */
	CTL_T_ADDR,		/* struct netaddr */
	CTL_T_PREFIX,		/* struct ctl_prefix */
	CTL_T_LISTEN,		/* struct ctl_listen */
	CTL_T_ADDR_LIST,	/* struct netaddr *, size_t at count */
	CTL_T_PREFIX_LIST,	/* struct ctl_prefix *, size_t at count */
	CTL_T_LISTEN_LIST,	/* struct ctl_listen *, size_t at count */
	CTL_T_STRING_LIST,	/* const char **, size_t at count */
	CTL_T_SECTION,		/* a nested mapping: sub at offset */
	CTL_T_CUSTOM,		/* parse and print callbacks */
};

struct ctl_section;
struct ctl_key;

/* A key's value and where it was; both NULL when the key is absent. */
struct ctl_seen {
	const struct ctl_node	*key, *value;
};

typedef int ctl_custom_parse(struct ctl_parse *, const struct ctl_key *,
	    const struct ctl_seen *, void *base);
typedef int ctl_custom_print(FILE *, const struct ctl_key *,
	    const void *base, int indent);

#define CTL_REQUIRED	0x1	/* absence is an error */

struct ctl_key {
	const char		*name;
	enum ctl_type		 type;
	size_t			 offset;	/* of the value in base */
	size_t			 count;		/* lists: of the size_t count */
	const char		*def;		/* default as text, lists comma
						 * separated; NULL: unset */
	uint64_t		 min, max;	/* numbers; lists: item count */
	unsigned		 flags;
	const char *const	*names;		/* CTL_T_ENUM, then NULL */
	const struct ctl_section *sub;		/* CTL_T_SECTION; a CUSTOM
						 * sequence's item section */
	ctl_custom_parse	*parse;		/* CTL_T_CUSTOM */
	ctl_custom_print	*print;		/* CTL_T_CUSTOM */
};

#define CTL_SECTION_MAX_KEYS	32

/*
 * A mapping's keys.  check runs after every key was parsed or defaulted
 * (cross-key rules), with the map node (or NULL when the section is
 * absent) for a position.  skip tells the printer to leave a key out
 * (keys that do not apply, e.g. url-only keys of a file list).
 */
struct ctl_section {
	const char		*name;		/* NULL: the top level */
	const struct ctl_key	*keys;
	size_t			 n_keys;
	int			(*check)(struct ctl_parse *,
				    const struct ctl_node *map,
				    const struct ctl_seen *seen, void *base);
	int			(*skip)(const struct ctl_key *,
				    const void *base);
};

/*
 * Walk map (a mapping node, a null node, or NULL for an absent section)
 * with sec's keys into base: every key parsed or defaulted, then sec's
 * check.  seen (n_keys entries) receives where each key was.
 */
int	ctl_walk_section(struct ctl_parse *, const struct ctl_node *map,
	    const struct ctl_section *, void *base, struct ctl_seen *seen);

/* Where a section's key called name was (an entry of a walk's seen). */
const struct ctl_seen *ctl_seen_key(const struct ctl_section *,
	    const struct ctl_seen *seen, const char *name);
/* The value's node if the key was given, else fallback. */
const struct ctl_node *ctl_seen_node(const struct ctl_seen *,
	    const struct ctl_node *fallback);

/* Parse one scalar node as key's type into base (used by custom keys). */
int	ctl_set_value(struct ctl_parse *, const struct ctl_section *,
	    const struct ctl_key *, const struct ctl_node *value, void *base);

/*
 * "bad value for 'KEY' in 'SECTION': MESSAGE" at node (section NULL: the
 * top level); -1.
 */
int	ctl_bad_value(struct ctl_parse *, const struct ctl_node *,
	    const char *section, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/*
 * A scalar's text, or NULL with the error set: node must be a non-null,
 * non-empty scalar of at most max bytes, without NUL, control or line
 * separator characters (so every string prints back as one quoted line).
 * expected names the type for the message.
 */
const char *ctl_scalar(struct ctl_parse *, const struct ctl_node *,
	    const char *section, const char *key, const char *expected,
	    size_t max);

#define CTL_NAME_EXPECTED \
	"a name of 1 to 63 letters, digits, '_', '.' or '-'"

/* Bytes of one item of a list type. */
size_t	ctl_item_size(enum ctl_type);

/* Print a section's keys at indent; the first line after "- " if item. */
int	ctl_print_section(FILE *, const struct ctl_section *,
	    const void *base, int indent, int item);
/* A string as a YAML double-quoted scalar. */
void	ctl_print_string(FILE *, const char *);

/* Visit every key's dotted path ("receiver.archive.dir", "switches[].url"). */
void	ctl_config_keys(void (*visit)(const char *path, void *ctx),
	    void *ctx);

/* A sanitised, shortened 'copy' of s for messages. */
void	ctl_quote(const char *s, char *buf, size_t size);

/* ---- the sections (ctl_config_sections.c, _blacklists.c, _keywords.c) -- */

extern const struct ctl_section ctl_top_section;
extern const struct ctl_section ctl_controller_section;
extern const struct ctl_section ctl_capture_section;
extern const struct ctl_section ctl_receiver_section;
extern const struct ctl_section ctl_archive_section;
extern const struct ctl_section ctl_sessions_section;
extern const struct ctl_section ctl_switch_section;
extern const struct ctl_section ctl_blacklist_section;
extern const struct ctl_section ctl_keys_item_section;	/* receiver.keys[] */
extern const struct ctl_section ctl_regex_item_section;	/* receiver.regex[] */

ctl_custom_parse ctl_parse_blacklists;
ctl_custom_print ctl_print_blacklists;
ctl_custom_parse ctl_parse_groups;
ctl_custom_print ctl_print_groups;
ctl_custom_parse ctl_parse_switches;
ctl_custom_print ctl_print_switches;
ctl_custom_parse ctl_parse_keys;	/* ctl_config_keywords.c */
ctl_custom_print ctl_print_keys;
ctl_custom_parse ctl_parse_regex;
ctl_custom_print ctl_print_regex;

/* After the whole file: groups against lists, cross-section rules. */
int	ctl_check_groups(struct ctl_parse *, struct ctl_config *);
int	ctl_check_switches(struct ctl_parse *, struct ctl_config *);
/*
 * After receiver: keys and regex (their sequence nodes, NULL when absent)
 * are both read: explicit ids unique, the others handed out.
 */
int	ctl_check_keywords(struct ctl_parse *, const struct ctl_node *keys,
	    const struct ctl_node *regex, struct ctl_receiver_config *);

#endif /* FS_CTL_CONFIG_IMPL_H */
