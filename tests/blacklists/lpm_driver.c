/*
 * lpm_driver.c - bl_lpm from the command line, for lpm_reference.py.
 *
 * usage: lpm_driver PREFIXES ADDRESSES
 *
 * PREFIXES has one "ADDRESS/PLEN VALUE" a line (IPv4 and IPv6 mixed, host
 * bits allowed, in the order the table gets them); ADDRESSES one address a
 * line.  Builds one table per family and prints, for each address in turn,
 * the value of its longest matching prefix or "none".  Every address is
 * looked up singly and in batches; if the two ever differ it says so and
 * exits 3.  Exit 2 for bad input, 1 if a table cannot be built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_lpm.h"
#include "netaddr.h"

struct vec {
	void	*items;
	size_t	 n, cap, size;
};

static void *
vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 1024;
		void *p = realloc(v->items, ncap * v->size);

		if (p == NULL) {
			fprintf(stderr, "lpm_driver: out of memory\n");
			exit(1);
		}
		v->items = p;
		v->cap = ncap;
	}
	return (char *)v->items + v->size * v->n++;
}

static FILE *
open_or_die(const char *path)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	return f;
}

static _Noreturn void
bad_line(const char *path, size_t line)
{
	fprintf(stderr, "lpm_driver: %s:%zu: cannot parse\n", path, line);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct vec pfx[2] = { { .size = sizeof(struct bl_lpm_prefix) },
	    { .size = sizeof(struct bl_lpm_prefix) } };
	struct vec addrs = { .size = sizeof(struct netaddr) };
	struct bl_lpm *t[2];
	const uint8_t **ptr;
	uint32_t *batch;
	char line[256], err[128], *slash, *end;
	size_t lineno = 0, i, f;
	FILE *in;

	if (argc != 3) {
		fprintf(stderr, "usage: lpm_driver PREFIXES ADDRESSES\n");
		return 2;
	}
	in = open_or_die(argv[1]);
	while (fgets(line, sizeof(line), in) != NULL) {
		struct bl_lpm_prefix *p;
		struct netaddr a;
		unsigned long plen, value;
		char *sp;

		lineno++;
		if ((slash = strchr(line, '/')) == NULL ||
		    (sp = strchr(slash, ' ')) == NULL)
			bad_line(argv[1], lineno);
		*slash = '\0';
		plen = strtoul(slash + 1, &end, 10);
		if (end != sp || netaddr_parse(line, &a) == -1)
			bad_line(argv[1], lineno);
		value = strtoul(sp + 1, &end, 10);
		if (*end != '\n' && *end != '\0')
			bad_line(argv[1], lineno);
		p = vec_push(&pfx[a.family == NETADDR_IPV4 ? 0 : 1]);
		memcpy(p->bytes, a.bytes, sizeof(p->bytes));
		p->plen = (uint8_t)(plen > 255 ? 255 : plen);
		p->value = (uint32_t)value;
	}
	fclose(in);

	for (f = 0; f < 2; f++) {
		t[f] = bl_lpm_build(f == 0 ? NETADDR_IPV4 : NETADDR_IPV6,
		    pfx[f].items, pfx[f].n, err, sizeof(err));
		if (t[f] == NULL) {
			fprintf(stderr, "lpm_driver: %s\n", err);
			return 1;
		}
		free(pfx[f].items);
	}

	in = open_or_die(argv[2]);
	lineno = 0;
	while (fgets(line, sizeof(line), in) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (netaddr_parse(line, vec_push(&addrs)) == -1)
			bad_line(argv[2], lineno);
	}
	fclose(in);

	/* Batches per family, in runs of up to 1,000 addresses. */
	ptr = calloc(addrs.n + 1, sizeof(*ptr));
	batch = calloc(addrs.n + 1, sizeof(*batch));
	if (ptr == NULL || batch == NULL) {
		fprintf(stderr, "lpm_driver: out of memory\n");
		return 1;
	}
	for (f = 0; f < 2; f++) {
		size_t n = 0, *idx = calloc(addrs.n + 1, sizeof(*idx));
		uint32_t *vals = calloc(addrs.n + 1, sizeof(*vals));
		size_t k;

		if (idx == NULL || vals == NULL) {
			fprintf(stderr, "lpm_driver: out of memory\n");
			return 1;
		}
		for (i = 0; i < addrs.n; i++) {
			const struct netaddr *a =
			    (const struct netaddr *)addrs.items + i;

			if ((a->family == NETADDR_IPV4) == (f == 0)) {
				idx[n] = i;
				ptr[n++] = a->bytes;
			}
		}
		for (k = 0; k < n; k += 1000)
			bl_lpm_lookup_batch(t[f], ptr + k, vals + k,
			    n - k < 1000 ? n - k : 1000);
		for (k = 0; k < n; k++)
			batch[idx[k]] = vals[k];
		free(idx);
		free(vals);
	}

	for (i = 0; i < addrs.n; i++) {
		const struct netaddr *a = (const struct netaddr *)addrs.items +
		    i;
		uint32_t v = bl_lpm_lookup(t[a->family == NETADDR_IPV4 ? 0 : 1],
		    a->bytes);

		if (v != batch[i]) {
			fprintf(stderr, "lpm_driver: address %zu: single %u, "
			    "batch %u\n", i + 1, v, batch[i]);
			return 3;
		}
		if (v == BL_LPM_NONE)
			fputs("none\n", stdout);
		else
			printf("%u\n", v);
	}
	free(ptr);
	free(batch);
	free(addrs.items);
	bl_lpm_free(t[0]);
	bl_lpm_free(t[1]);
	return 0;
}
