/*
 * exact_buf.h - heap buffers of exactly the length under test, so that
 * AddressSanitizer reports any read past the end.  The buffers of the
 * running test are freed by its teardown (exact_free_all), so a failed
 * assertion, which longjmps out of the test, leaks nothing.
 */
#ifndef FS_EXACT_BUF_H
#define FS_EXACT_BUF_H

#include <stddef.h>

#include "fs_test.h"

/* A cmocka teardown: free every buffer of the test. */
int	exact_free_all(void **state);

/* A heap buffer of exactly n bytes (n may be 0), holding src if not NULL. */
void	*exact_copy(const void *src, size_t n);

/* Free the newest buffer (for loops that parse many of them). */
void	exact_release_last(void);

#endif /* FS_EXACT_BUF_H */
