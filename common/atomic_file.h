/*
 * atomic_file.h - replace a file so that a reader, or the next start
 * after a crash or a power cut, sees the old contents or the new, never
 * a mix: PATH.tmp is written and fsync'd, renamed over PATH, and the
 * directory fsync'd so the rename is durable too.
 */
#ifndef FS_ATOMIC_FILE_H
#define FS_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0, or -1 with what failed in err (PATH.tmp removed). */
int	atomic_file_write(const char *path, const void *buf, size_t len,
	    mode_t mode, char *err, size_t errlen);

#endif /* FS_ATOMIC_FILE_H */
