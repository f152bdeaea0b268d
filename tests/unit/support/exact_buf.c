/*
 * exact_buf.c - heap buffers of exactly the length under test (see
 * exact_buf.h).  The buffers live here, once per test executable, so that
 * helpers that allocate them (pkt_build.c) and the test's teardown that
 * frees them share one list.
 */
#include <stdlib.h>
#include <string.h>

#include "exact_buf.h"

static void	*exact_held[16];
static size_t	 exact_nheld;

int
exact_free_all(void **state)
{
	(void)state;
	while (exact_nheld > 0)
		free(exact_held[--exact_nheld]);
	return 0;
}

void *
exact_copy(const void *src, size_t n)
{
	void *p;

	assert_true(exact_nheld < sizeof(exact_held) / sizeof(exact_held[0]));
	p = malloc(n > 0 ? n : 1);
	assert_non_null(p);
	if (src != NULL && n > 0)
		memcpy(p, src, n);
	exact_held[exact_nheld++] = p;
	return p;
}

void
exact_release_last(void)
{
	assert_true(exact_nheld > 0);
	free(exact_held[--exact_nheld]);
}
