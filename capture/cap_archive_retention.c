/*
 * cap_archive_retention.c - deleting old files: by quota, by minimum free
 * space and by maximum age.
 *
 * Each run lists the archive from disk (so files of earlier runs count),
 * sorts the closed files (NNNNNN.pcap, never .part) by their first packet
 * time from the index (the file's mtime when the index does not list it),
 * and deletes from the oldest while a limit is exceeded.  Open .part files
 * count towards the quota but are never candidates.  A capture folder left
 * with no file and no writer is removed with its index, then an empty day.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap_archive_impl.h"

struct cand {
	char	 path[CAP_ARCH_PATH_MAX];
	size_t	 dirlen;	/* path[0..dirlen) is the capture folder */
	uint64_t size;
	int64_t	 first_ns, last_ns;
};

struct scan {
	struct cand	*v;
	size_t		 n, cap;
	uint64_t	 total;	/* every pcap and part, bytes */
};

static int
add_cand(struct scan *s, const struct cand *c)
{
	if (s->n == s->cap) {
		size_t	 ncap = s->cap ? s->cap * 2 : 64;
		struct cand *nv = realloc(s->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = *c;
	return 0;
}

static void
scan_cap(struct cap_archive *a, struct scan *s, const char *dir,
    const char *id)
{
	DIR			*d;
	struct dirent		*e;
	struct stat		 sb;
	struct cand		 c;
	struct cap_arch_cap	*live = cap_arch_find_dir(a, dir);
	json_t			*index;
	uint32_t		 seq;
	int			 part;

	if ((d = opendir(dir)) == NULL)
		return;
	index = live != NULL ? json_incref(live->index) :
	    cap_arch_index_load(dir, id, a->cfg.nanosecond);
	while ((e = readdir(d)) != NULL) {
		if (cap_arch_parse_name(e->d_name, &seq, &part) == -1 ||
		    cap_arch_path(c.path, sizeof(c.path), "%s/%s", dir,
		    e->d_name) == -1 || lstat(c.path, &sb) == -1 ||
		    !S_ISREG(sb.st_mode))
			continue;
		s->total += (uint64_t)sb.st_size;
		if (part)
			continue;
		c.dirlen = strlen(dir);
		c.size = (uint64_t)sb.st_size;
		if (index == NULL || cap_arch_index_times(index, e->d_name,
		    &c.first_ns, &c.last_ns) == -1)
			c.first_ns = c.last_ns =
			    (int64_t)sb.st_mtime * 1000000000;
		(void)add_cand(s, &c);
	}
	closedir(d);
	json_decref(index);
}

static void
scan_each(struct cap_archive *a, void *ctx, const char *dir, const char *id)
{
	scan_cap(a, ctx, dir, id);
}

static int
cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->first_ns != b->first_ns)
		return a->first_ns < b->first_ns ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* Remove dir (and its day) when no capture file is left in it. */
static void
prune(struct cap_archive *a, const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	uint32_t	 seq;
	int		 part, any = 0;
	char		 path[CAP_ARCH_PATH_MAX], *slash;

	if (cap_arch_find_dir(a, dir) != NULL || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (cap_arch_parse_name(e->d_name, &seq, &part) == 0)
			any = 1;
	closedir(d);
	if (any || cap_arch_path(path, sizeof(path), "%s/%s", dir,
	    CAP_ARCH_INDEX) == -1)
		return;
	(void)unlink(path);
	if (rmdir(dir) == -1)
		return;
	snprintf(path, sizeof(path), "%s", dir);
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		(void)rmdir(path);	/* fails while the day has others */
	}
}

/* The file is gone: take it out of its capture's index. */
static void
unindex(struct cap_archive *a, const char *dir, const char *name)
{
	struct cap_arch_cap	*live = cap_arch_find_dir(a, dir);
	json_t			*index;
	const char		*id = strrchr(dir, '/');

	id = id != NULL ? id + 1 : dir;
	index = live != NULL ? json_incref(live->index) :
	    cap_arch_index_load(dir, id, a->cfg.nanosecond);
	if (index == NULL)
		return;
	cap_arch_index_remove(index, name);
	if (cap_arch_index_save(dir, index) == -1)
		a->st.write_errors++;
	json_decref(index);
}

int
cap_archive_enforce(struct cap_archive *a, time_t now, uint64_t fs_free,
    uint64_t fs_total)
{
	struct scan	 s = { 0 };
	uint64_t	 need_free = a->cfg.min_free_bytes, pct;
	int64_t		 now_ns = (int64_t)now * 1000000000;
	int64_t		 max_age_ns = (int64_t)a->cfg.max_age_s * 1000000000;
	size_t		 i;
	int		 deleted = 0;

	pct = fs_total / 100 * a->cfg.min_free_percent;
	if (pct > need_free)
		need_free = pct;
	cap_arch_foreach_capture(a, scan_each, &s);
	if (s.n > 1)		/* qsort(NULL, 0, ...) is undefined */
		qsort(s.v, s.n, sizeof(*s.v), cand_cmp);
	for (i = 0; i < s.n; i++) {
		struct cand	*c = &s.v[i];
		int		 over_quota = a->cfg.quota != 0 &&
				    s.total > a->cfg.quota;
		int		 low_space = need_free != 0 &&
				    fs_free < need_free;
		int		 too_old = a->cfg.max_age_s != 0 &&
				    now_ns - c->last_ns > max_age_ns;

		if (!over_quota && !low_space && !too_old)
			continue;
		if (unlink(c->path) == -1) {
			if (errno != ENOENT)
				a->st.write_errors++;
			continue;
		}
		deleted++;
		a->st.files_deleted++;
		a->st.bytes_deleted += c->size;
		s.total -= c->size;
		fs_free += c->size;
		c->path[c->dirlen] = '\0';
		unindex(a, c->path, c->path + c->dirlen + 1);
		prune(a, c->path);
	}
	free(s.v);
	return deleted;
}

int
cap_archive_fs_space(const struct cap_archive *a, uint64_t *fs_free,
    uint64_t *fs_total)
{
	struct statvfs	sv;

	if (statvfs(a->dir, &sv) == -1)
		return -1;
	*fs_free = (uint64_t)sv.f_bavail * sv.f_frsize;
	*fs_total = (uint64_t)sv.f_blocks * sv.f_frsize;
	return 0;
}
