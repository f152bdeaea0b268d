/*
 * ctl_config.c - loading a configuration file (read, parse, walk the top
 * level, whole-file checks) and freeing it.
 *
 * A config and everything it points to live in one arena, so freeing is
 * one call and a half-built config on an error path leaks nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_config.h"
#include "ctl_config_impl.h"

/* ---- the arena -------------------------------------------------------- */

#define ARENA_BLOCK	(16 * 1024)
#define ARENA_ALIGN	alignof(max_align_t)

struct ctl_arena_block {
	struct ctl_arena_block	*next;
	size_t			 size, used;
	alignas(max_align_t) unsigned char data[];
};

struct ctl_arena {
	struct ctl_arena_block	*head;
};

struct ctl_arena *
ctl_arena_new(void)
{
	return calloc(1, sizeof(struct ctl_arena));
}

void *
ctl_arena_alloc(struct ctl_arena *a, size_t size)
{
	struct ctl_arena_block *b = a->head;
	size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	void *p;

	if (size == 0 || need < size)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t bytes = need > ARENA_BLOCK ? need : ARENA_BLOCK;

		if ((b = calloc(1, sizeof(*b) + bytes)) == NULL)
			return NULL;
		b->size = bytes;
		/* A big allocation goes behind the current block. */
		if (need > ARENA_BLOCK && a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += need;
	return p;
}

char *
ctl_arena_strdup(struct ctl_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if ((d = ctl_arena_alloc(a, n)) != NULL)
		memcpy(d, s, n);
	return d;
}

void
ctl_arena_free(struct ctl_arena *a)
{
	struct ctl_arena_block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* ---- the top level ---------------------------------------------------- */

#define T(f)	offsetof(struct ctl_config, f)

static const struct ctl_key top_keys[] = {
	{ .name = "controller", .type = CTL_T_SECTION, .offset = T(controller),
	  .sub = &ctl_controller_section },
	{ .name = "local_networks", .type = CTL_T_PREFIX_LIST,
	  .offset = T(local_networks), .count = T(n_local_networks),
	  .min = 0, .max = CTL_MAX_LOCAL_NETWORKS },
	{ .name = "blacklists", .type = CTL_T_CUSTOM,
	  .parse = ctl_parse_blacklists, .print = ctl_print_blacklists,
	  .sub = &ctl_blacklist_section },
	{ .name = "groups", .type = CTL_T_CUSTOM, .parse = ctl_parse_groups,
	  .print = ctl_print_groups },
	{ .name = "capture", .type = CTL_T_SECTION, .offset = T(capture),
	  .sub = &ctl_capture_section },
	{ .name = "switches", .type = CTL_T_CUSTOM,
	  .parse = ctl_parse_switches, .print = ctl_print_switches,
	  .sub = &ctl_switch_section },
	{ .name = "receiver", .type = CTL_T_SECTION, .offset = T(receiver),
	  .sub = &ctl_receiver_section },
};

/* What needs the whole file: groups name lists, switches a receiver. */
static int
check_top(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, void *base)
{
	(void)map;
	(void)seen;
	if (ctl_check_groups(p, base) == -1 ||
	    ctl_check_switches(p, base) == -1)
		return -1;
	return 0;
}

const struct ctl_section ctl_top_section = {
	.name = NULL, .keys = top_keys,
	.n_keys = sizeof(top_keys) / sizeof(top_keys[0]), .check = check_top,
};

/* ---- loading ---------------------------------------------------------- */

void
ctl_config_free(struct ctl_config *cfg)
{
	if (cfg == NULL)
		return;
	ctl_arena_free(cfg->arena);	/* cfg itself is in the arena */
}

static struct ctl_config *
fail(struct ctl_parse *p, struct ctl_arena *a)
{
	if (!p->failed)
		ctl_error(p, NULL, "out of memory");
	ctl_arena_free(a);
	return NULL;
}

struct ctl_config *
ctl_config_parse(const char *name, const void *buf, size_t len, char *err,
    size_t errlen)
{
	struct ctl_seen seen[CTL_SECTION_MAX_KEYS];
	struct ctl_parse p;
	struct ctl_node *root = NULL;
	struct ctl_config *cfg;
	struct ctl_arena *a;
	int rc;

	memset(&p, 0, sizeof(p));
	p.file = name;
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((a = ctl_arena_new()) == NULL ||
	    (cfg = ctl_arena_alloc(a, sizeof(*cfg))) == NULL ||
	    (cfg->path = ctl_arena_strdup(a, name)) == NULL)
		return fail(&p, a);
	cfg->arena = a;
	p.arena = a;
	if (ctl_doc_parse(&p, buf, len, &root) == -1)
		return fail(&p, a);
	if (root == NULL || (root->type == CTL_NODE_SCALAR && root->is_null))
		rc = ctl_error_at(&p, root ? root->line : 1,
		    root ? root->col : 1, "the configuration is empty "
		    "(expected a mapping with sections like 'controller' and "
		    "'blacklists')");
	else if (root->type != CTL_NODE_MAPPING)
		rc = ctl_error(&p, root, "expected a mapping at the top level, "
		    "found %s", ctl_node_kind(root));
	else
		rc = ctl_walk_section(&p, root, &ctl_top_section, cfg, seen);
	ctl_node_free(root);
	if (rc == -1)
		return fail(&p, a);
	return cfg;
}

struct ctl_config *
ctl_config_load(const char *path, char *err, size_t errlen)
{
	struct ctl_config *cfg;
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* One byte more than allowed tells a file at the cap from a larger. */
	if ((buf = malloc(CTL_CONFIG_MAX_BYTES + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	while (len <= CTL_CONFIG_MAX_BYTES) {
		r = read(fd, buf + len, CTL_CONFIG_MAX_BYTES + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	cfg = ctl_config_parse(path, buf, len, err, errlen);
	free(buf);
	return cfg;
}
