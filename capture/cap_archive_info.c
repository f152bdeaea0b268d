/*
 * cap_archive_info.c - what the archive holds of one capture, for the
 * receiver's API: the totals of index.json in the capture's newest folder
 * plus the file being written (which the index lists only once closed).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <string.h>

#include "cap_archive_impl.h"

static int64_t
get_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static uint64_t
get_u64(json_t *o, const char *key)
{
	int64_t v = get_int(o, key);

	return v > 0 ? (uint64_t)v : 0;
}

/* The newest DIR/YYYY-MM-DD/id folder into dir; -1 when there is none. */
static int
newest_dir(struct cap_archive *a, const char *id, char *dir, size_t len,
    char day[11])
{
	DIR *d;
	struct dirent *e;
	struct stat sb;
	char best[11] = "", path[CAP_ARCH_PATH_MAX];

	if ((d = opendir(a->dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (!cap_arch_is_date(e->d_name) ||
		    strcmp(e->d_name, best) <= 0)
			continue;
		if (cap_arch_path(path, sizeof(path), "%s/%s/%s", a->dir,
		    e->d_name, id) == 0 && stat(path, &sb) == 0 &&
		    S_ISDIR(sb.st_mode))
			memcpy(best, e->d_name, sizeof(best));	/* is_date */
	}
	closedir(d);
	if (best[0] == '\0')
		return -1;
	memcpy(day, best, sizeof(best));
	return cap_arch_path(dir, len, "%s/%s/%s", a->dir, best, id);
}

/* The day of a folder DIR/YYYY-MM-DD/ID. */
static void
day_of(const char *dir, char day[11])
{
	const char *id = strrchr(dir, '/');

	day[0] = '\0';
	if (id == NULL || id - dir < 11 || id[-11] != '/')
		return;
	memcpy(day, id - 10, 10);
	day[10] = '\0';
	if (!cap_arch_is_date(day))
		day[0] = '\0';
}

static void
from_index(json_t *index, struct cap_archive_info *info)
{
	json_t *files = json_object_get(index, "files");

	info->packets = get_u64(index, "packets");
	info->bytes = get_u64(index, "bytes");
	info->files = (uint32_t)json_array_size(files);
	info->files_deleted = get_u64(index, "files_deleted");
	info->first_ns = get_int(index, "first_ns");
	info->last_ns = get_int(index, "last_ns");
}

int
cap_archive_info(struct cap_archive *a, const char *id,
    struct cap_archive_info *info)
{
	struct cap_arch_cap *c = NULL;
	char dir[CAP_ARCH_PATH_MAX];
	json_t *index;
	uint32_t i;

	memset(info, 0, sizeof(*info));
	if (a == NULL || !cap_archive_id_ok(id))
		return -1;
	for (i = 0; i < a->ncaps; i++)
		if (strcmp(a->caps[i]->id, id) == 0)
			c = a->caps[i];
	if (c != NULL) {
		/* In the table: its index is in memory, its file open. */
		from_index(c->index, info);
		day_of(c->dir, info->day);
		if (c->dumper != NULL) {
			info->open = 1;
			info->files++;
		}
		if (c->dumper != NULL && c->f_packets > 0) {
			if (info->first_ns == 0 || c->f_first_ns <
			    info->first_ns)
				info->first_ns = c->f_first_ns;
			if (c->f_last_ns > info->last_ns)
				info->last_ns = c->f_last_ns;
			info->packets += c->f_packets;
			info->bytes += c->f_bytes;
		}
		return 0;
	}
	if (newest_dir(a, id, dir, sizeof(dir), info->day) == -1)
		return -1;
	if ((index = cap_arch_index_load(dir, id, a->cfg.nanosecond)) == NULL)
		return 0;
	from_index(index, info);
	json_decref(index);
	return 0;
}
