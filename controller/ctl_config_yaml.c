/*
 * ctl_config_yaml.c - YAML bytes into a small document tree, with the
 * position of every node, and the loader's error messages.
 *
 * Built from libyaml's event parser rather than yaml_parser_load() so that
 * anchors, aliases and explicit tags can be refused where they appear (an
 * alias makes a tree a graph: "billion laughs" expands a few hundred bytes
 * into gigabytes for any code that walks it as a tree), and so that the
 * caps apply while parsing: at most CTL_CONFIG_MAX_BYTES of input,
 * CTL_CONFIG_MAX_DEPTH nested collections and CTL_CONFIG_MAX_NODES nodes.
 * Every node is attached to its parent as soon as it exists, so freeing
 * the root frees everything, also after an error half-way.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ctl_config.h"
#include "ctl_config_impl.h"

#define MSG_MAX	512

static void
set_error(struct ctl_parse *p, const char *where, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void set_error(struct ctl_parse *, const char *, const char *,
    va_list) __attribute__((format(printf, 3, 0)));

static void
set_error(struct ctl_parse *p, const char *where, const char *fmt,
    va_list ap)
{
	char msg[MSG_MAX];

	if (p->failed)
		return;		/* the first error is the one to report */
	p->failed = 1;
	if (p->err == NULL || p->errlen == 0)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(p->err, p->errlen, "%s%s%s", p->file, where, msg);
}

int
ctl_error_at(struct ctl_parse *p, uint32_t line, uint32_t col,
    const char *fmt, ...)
{
	char where[32];
	va_list ap;

	snprintf(where, sizeof(where), ":%u:%u: ", line, col);
	va_start(ap, fmt);
	set_error(p, where, fmt, ap);
	va_end(ap);
	return -1;
}

int
ctl_error(struct ctl_parse *p, const struct ctl_node *at, const char *fmt,
    ...)
{
	char where[32];
	va_list ap;

	if (at != NULL)
		snprintf(where, sizeof(where), ":%u:%u: ", at->line, at->col);
	else
		snprintf(where, sizeof(where), ": ");
	va_start(ap, fmt);
	set_error(p, where, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ctl_node_kind(const struct ctl_node *n)
{
	switch (n->type) {
	case CTL_NODE_MAPPING:
		return "a mapping";
	case CTL_NODE_SEQUENCE:
		return "a sequence";
	default:
		return n->is_null ? "no value" : "a scalar";
	}
}

void
ctl_node_free(struct ctl_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		ctl_node_free(n->items[i]);
	free(n->items);
	free(n->text);
	free(n);
}

/* libyaml's marks are 0-based; ours, like every editor's, 1-based. */
static uint32_t
one_based(size_t v)
{
	return v >= UINT32_MAX ? UINT32_MAX : (uint32_t)v + 1;
}

static int
error_mark(struct ctl_parse *p, const yaml_mark_t *m, const char *what,
    const char *name)
{
	if (name != NULL)
		return ctl_error_at(p, one_based(m->line), one_based(m->column),
		    "YAML %s are not allowed (found '%.64s')", what, name);
	return ctl_error_at(p, one_based(m->line), one_based(m->column),
	    "YAML %s are not allowed", what);
}

/* Reader errors carry a byte offset only: find its line and column. */
static void
offset_position(const unsigned char *buf, size_t len, size_t off,
    uint32_t *line, uint32_t *col)
{
	size_t i, l = 1, c = 1;

	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else if ((buf[i] & 0xC0) != 0x80)
			c++;
	}
	*line = l >= UINT32_MAX ? UINT32_MAX : (uint32_t)l;
	*col = c >= UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

static int
syntax_error(struct ctl_parse *p, const yaml_parser_t *y,
    const unsigned char *buf, size_t len)
{
	uint32_t line, col;
	const char *problem = y->problem != NULL ? y->problem : "error";

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		return ctl_error(p, NULL, "out of memory");
	case YAML_READER_ERROR:
		offset_position(buf, len, y->problem_offset, &line, &col);
		return ctl_error_at(p, line, col, "invalid YAML: %s", problem);
	default:
		line = one_based(y->problem_mark.line);
		col = one_based(y->problem_mark.column);
		if (y->context != NULL)
			return ctl_error_at(p, line, col,
			    "invalid YAML: %s (%s at line %u)", problem,
			    y->context, one_based(y->context_mark.line));
		return ctl_error_at(p, line, col, "invalid YAML: %s", problem);
	}
}

static struct ctl_node *
node_new(struct ctl_parse *p, enum ctl_node_type type, const yaml_mark_t *m)
{
	struct ctl_node *n;

	if (++p->nodes > CTL_CONFIG_MAX_NODES) {
		ctl_error_at(p, one_based(m->line), one_based(m->column),
		    "more than %u YAML nodes", CTL_CONFIG_MAX_NODES);
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		ctl_error(p, NULL, "out of memory");
		return NULL;
	}
	n->type = type;
	n->line = one_based(m->line);
	n->col = one_based(m->column);
	return n;
}

static int
append(struct ctl_parse *p, struct ctl_node *parent, struct ctl_node *child)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct ctl_node **items;

		items = reallocarray(parent->items, cap, sizeof(*items));
		if (items == NULL) {
			ctl_node_free(child);
			return ctl_error(p, NULL, "out of memory");
		}
		parent->items = items;
		parent->cap = cap;
	}
	parent->items[parent->n++] = child;
	return 0;
}

static int
is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/*
 * One event into the tree.  stack holds the open collections; *root the
 * document's top node.  0, or -1 with the error set.
 */
static int
on_event(struct ctl_parse *p, const yaml_event_t *ev, struct ctl_node **stack,
    size_t *depth, struct ctl_node **root, int *docs)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct ctl_node *n;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	enum ctl_node_type type;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return ctl_error_at(p, one_based(m->line),
			    one_based(m->column), "more than one YAML "
			    "document (one file, one configuration)");
		return 0;
	case YAML_ALIAS_EVENT:
		return error_mark(p, m, "aliases",
		    (const char *)ev->data.alias.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		(*depth)--;
		return 0;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		type = CTL_NODE_SCALAR;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		type = CTL_NODE_SEQUENCE;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		type = CTL_NODE_MAPPING;
		break;
	default:
		return 0;
	}
	if (anchor != NULL)
		return error_mark(p, m, "anchors", (const char *)anchor);
	if (tag != NULL)
		return error_mark(p, m, "tags", (const char *)tag);
	if (type != CTL_NODE_SCALAR && *depth == CTL_CONFIG_MAX_DEPTH)
		return ctl_error_at(p, one_based(m->line), one_based(m->column),
		    "YAML nested deeper than %u levels", CTL_CONFIG_MAX_DEPTH);
	if ((n = node_new(p, type, m)) == NULL)
		return -1;
	if (type == CTL_NODE_SCALAR) {
		n->len = ev->data.scalar.length;
		if ((n->text = malloc(n->len + 1)) == NULL) {
			ctl_node_free(n);
			return ctl_error(p, NULL, "out of memory");
		}
		memcpy(n->text, ev->data.scalar.value, n->len);
		n->text[n->len] = '\0';
		n->is_null = is_null_scalar(ev);
	}
	if (*depth == 0)
		*root = n;
	else if (append(p, stack[*depth - 1], n) == -1)
		return -1;
	if (type != CTL_NODE_SCALAR)
		stack[(*depth)++] = n;
	return 0;
}

int
ctl_doc_parse(struct ctl_parse *p, const void *buf, size_t len,
    struct ctl_node **rootp)
{
	struct ctl_node *stack[CTL_CONFIG_MAX_DEPTH], *root = NULL;
	yaml_parser_t y;
	yaml_event_t ev;
	size_t depth = 0;
	int docs = 0, rc = 0, done = 0;

	*rootp = NULL;
	if (len > CTL_CONFIG_MAX_BYTES)
		return ctl_error(p, NULL, "larger than %u MiB",
		    CTL_CONFIG_MAX_BYTES >> 20);
	if (!yaml_parser_initialize(&y))
		return ctl_error(p, NULL, "out of memory");
	/* libyaml wants a pointer even for no bytes. */
	yaml_parser_set_input_string(&y, len > 0 ? buf : (const void *)"",
	    len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&y, &ev)) {
			rc = syntax_error(p, &y, buf, len);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(p, &ev, stack, &depth, &root, &docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y);
	if (rc == -1) {
		ctl_node_free(root);
		return -1;
	}
	*rootp = root;
	return 0;
}
