/*
 * cap_archive_impl.h - private to capture/: the pieces of the pcap archive.
 *
 * Invariants of struct cap_archive:
 *  - caps[0..ncaps) are the captures that have a file open right now, and
 *    only those: ncaps <= max_open.  A capture whose file closes (rotation
 *    excepted) leaves the table; its next packet finds its folder and its
 *    next number on disk again, so memory is bounded by max_open however
 *    many ids the controller sends.
 *  - an open file is NNNNNN.pcap.part; retention only ever considers names
 *    NNNNNN.pcap, so it cannot touch a file being written.
 *  - a capture's index.json lists exactly its closed files still on disk;
 *    in memory (struct cap_arch_cap.index) while the capture is in the
 *    table, on disk otherwise, and the disk copy is rewritten (temporary
 *    file, fsync, rename) every time it changes.
 */
#ifndef FS_CAP_ARCHIVE_IMPL_H
#define FS_CAP_ARCHIVE_IMPL_H

#include <stdio.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "capture.h"

#define CAP_ARCH_PATH_MAX	4096
#define CAP_ARCH_INDEX		"index.json"

/* One capture with an open file. */
struct cap_arch_cap {
	char		 id[CAP_ARCHIVE_ID_MAX + 1];
	char		 dir[CAP_ARCH_PATH_MAX];	/* DIR/YYYY-MM-DD/ID */
	uint32_t	 seq;		/* number of the open file */
	json_t		*index;		/* owned */

	FILE		*fp;		/* owned by dumper once it exists */
	pcap_dumper_t	*dumper;
	uint64_t	 f_packets;
	uint64_t	 f_bytes;	/* captured bytes */
	uint64_t	 f_size;	/* file size: header and records */
	int64_t		 f_first_ns, f_last_ns;
	uint64_t	 last_use;	/* archive's write counter, for LRU */
};

struct cap_archive {
	struct cap_archive_config cfg;	/* dir points at dir below */
	char		 dir[CAP_ARCH_PATH_MAX];
	pcap_t		*dead;		/* link type and precision for dumpers */
	struct cap_arch_cap **caps;	/* max_open slots */
	uint32_t	 ncaps;
	uint64_t	 clock;		/* bumped on each write */
	struct cap_archive_stats st;
};

/* snprintf into a path buffer; -1 when it does not fit. */
int	cap_arch_path(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* A file name NNNNNN.pcap (part 0) or NNNNNN.pcap.part (part 1): its number. */
int	cap_arch_parse_name(const char *name, uint32_t *seq, int *part);
/* A folder name YYYY-MM-DD. */
int	cap_arch_is_date(const char *name);

/*
 * Call fn for every capture folder DIR/YYYY-MM-DD/ID of the archive whose
 * name is a valid capture id, with its path and id.
 */
void	cap_arch_foreach_capture(struct cap_archive *,
	    void (*fn)(struct cap_archive *, void *ctx, const char *dir,
	    const char *id), void *ctx);

/* The capture in the table whose folder is dir, or NULL. */
struct cap_arch_cap *cap_arch_find_dir(struct cap_archive *, const char *dir);

/* index.json: */
/* Read dir's index, or make an empty one for id; never NULL but on ENOMEM. */
json_t	*cap_arch_index_load(const char *dir, const char *id, int nanosecond);
/* Write it atomically; -1 on failure. */
int	cap_arch_index_save(const char *dir, json_t *index);
/* Append one closed file and update the totals. */
int	cap_arch_index_add(json_t *index, const char *name, uint64_t packets,
	    uint64_t bytes, uint64_t size, int64_t first_ns, int64_t last_ns,
	    int nanosecond);
/* Drop a file (deleted by retention); totals follow. */
void	cap_arch_index_remove(json_t *index, const char *name);
/* A file's first and last packet times; -1 when not listed. */
int	cap_arch_index_times(json_t *index, const char *name, int64_t *first_ns,
	    int64_t *last_ns);
/* The highest number listed, 0 when none. */
uint32_t cap_arch_index_max_seq(json_t *index);

#endif /* FS_CAP_ARCHIVE_IMPL_H */
