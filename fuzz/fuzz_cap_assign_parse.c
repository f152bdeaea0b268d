/*
 * fuzz_cap_assign_parse.c - libFuzzer target for the receiver's reading of
 * the controller's capture list (capture/cap_assign.c): the answer of
 * GET /api/v1/captures (or a PUT push) is network input.  Any bytes end in
 * 0 or -1 with a message; the table it fills keeps its promises (valid ids,
 * one family per pair, no repeated id or pair, lookups find each entry).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Switch "leaf1" sends from 192.0.2.1; others are unknown. */
static int
source_of(void *ctx, const char *name, struct netaddr *source)
{
	(void)ctx;
	if (strcmp(name, "leaf1") != 0)
		return -1;
	return netaddr_parse("192.0.2.1", source);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_assign_parse_stats st;
	const struct cap_assign_entry *e;
	struct cap_assign *t;
	char err[256];
	uint32_t i, n;

	if ((t = cap_assign_new(64)) == NULL)
		abort();
	memset(err, 'x', sizeof(err));
	if (cap_assign_parse(t, (const char *)data, size, source_of, NULL,
	    &st, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		cap_assign_free(t);
		return 0;
	}
	n = cap_assign_count(t);
	if (n != st.taken || n > 64 || st.taken + st.inactive + st.invalid +
	    st.refused != st.captures)
		abort();
	for (i = 0; i < n; i++) {
		e = cap_assign_at(t, i);
		if (!cap_archive_id_ok(e->id) ||
		    e->local.family != e->remote.family ||
		    netaddr_compare(&e->local, &e->remote) == 0 ||
		    cap_assign_find(t, e->id) != e ||
		    cap_assign_lookup(t, &e->local, &e->remote) != e ||
		    cap_assign_lookup(t, &e->remote, &e->local) != e)
			abort();
	}
	cap_assign_free(t);
	return 0;
}
