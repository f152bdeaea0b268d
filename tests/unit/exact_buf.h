/*
 * exact_buf.h - heap buffers of exactly the length under test, so that
 * AddressSanitizer reports any read past the end.  The buffers of the
 * running test are freed by its teardown (exact_free_all), so a failed
 * assertion, which longjmps out of the test, leaks nothing.
 * Include after fs_test.h (it uses cmocka's assertions).
 */
#ifndef FS_EXACT_BUF_H
#define FS_EXACT_BUF_H

#include <stdlib.h>
#include <string.h>

static void	*exact_held[16];
static size_t	 exact_nheld;

/* A cmocka teardown: free every buffer of the test. */
static inline int
exact_free_all(void **state)
{
	(void)state;
	while (exact_nheld > 0)
		free(exact_held[--exact_nheld]);
	return 0;
}

/* A heap buffer of exactly n bytes (n may be 0), holding src if not NULL. */
static inline void *
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

/* Free the newest buffer (for loops that parse many of them). */
static inline void
exact_release_last(void)
{
	assert_true(exact_nheld > 0);
	free(exact_held[--exact_nheld]);
}

#endif /* FS_EXACT_BUF_H */
