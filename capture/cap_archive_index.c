/*
 * cap_archive_index.c - index.json, one per capture folder.
 *
 *	{ "capture": "ID", "precision": "micro" | "nano",
 *	  "packets": N, "bytes": N, "first": "RFC 3339 UTC", "last": ...,
 *	  "first_ns": N, "last_ns": N, "files_deleted": N,
 *	  "files": [ { "name": "000001.pcap", "packets": N, "bytes": N,
 *		       "size": N, "first": ..., "last": ...,
 *		       "first_ns": N, "last_ns": N }, ... ] }
 *
 * "bytes" are captured bytes, "size" the file's size; the totals are those
 * of the files listed (files deleted by retention leave the totals and bump
 * "files_deleted").  Times are packet times; the _ns fields are nanoseconds
 * since the epoch for programs, the strings for people.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap_archive_impl.h"

int
cap_arch_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void
fmt_time(char *buf, size_t len, int64_t ns, int nanosecond)
{
	time_t		sec = (time_t)(ns / 1000000000);
	long		frac = (long)(ns % 1000000000);
	struct tm	tm;
	char		day[32];

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "invalid");
		return;
	}
	if (nanosecond)
		snprintf(buf, len, "%s.%09ldZ", day, frac);
	else
		snprintf(buf, len, "%s.%06ldZ", day, frac / 1000);
}

static int
set_time(json_t *o, const char *key, int64_t ns, int nanosecond)
{
	char	buf[64], nkey[32];

	fmt_time(buf, sizeof(buf), ns, nanosecond);
	snprintf(nkey, sizeof(nkey), "%s_ns", key);
	if (json_object_set_new(o, key, json_string(buf)) == -1 ||
	    json_object_set_new(o, nkey, json_integer(ns)) == -1)
		return -1;
	return 0;
}

static int64_t
get_int(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static int
is_nano(json_t *index)
{
	const char *p = json_string_value(json_object_get(index, "precision"));

	return p != NULL && strcmp(p, "nano") == 0;
}

/* Totals from the files listed. */
static void
recompute(json_t *index)
{
	json_t	*files = json_object_get(index, "files"), *f;
	size_t	 i;
	int64_t	 packets = 0, bytes = 0, first = 0, last = 0;
	int	 any = 0, nano = is_nano(index);

	json_array_foreach(files, i, f) {
		int64_t	ff = get_int(f, "first_ns"), fl = get_int(f, "last_ns");

		packets += get_int(f, "packets");
		bytes += get_int(f, "bytes");
		if (!any || ff < first)
			first = ff;
		if (!any || fl > last)
			last = fl;
		any = 1;
	}
	json_object_set_new(index, "packets", json_integer(packets));
	json_object_set_new(index, "bytes", json_integer(bytes));
	if (any) {
		set_time(index, "first", first, nano);
		set_time(index, "last", last, nano);
	} else {
		json_object_del(index, "first");
		json_object_del(index, "last");
		json_object_del(index, "first_ns");
		json_object_del(index, "last_ns");
	}
}

json_t *
cap_arch_index_load(const char *dir, const char *id, int nanosecond)
{
	char		 path[CAP_ARCH_PATH_MAX];
	json_t		*index = NULL;
	json_error_t	 jerr;

	if (cap_arch_path(path, sizeof(path), "%s/%s", dir,
	    CAP_ARCH_INDEX) == 0)
		index = json_load_file(path, 0, &jerr);
	if (index != NULL && (!json_is_object(index) ||
	    !json_is_array(json_object_get(index, "files")))) {
		json_decref(index);
		index = NULL;
	}
	if (index != NULL)
		return index;
	/* None (or unreadable: start again rather than refuse to record). */
	index = json_pack("{s:s, s:s, s:I, s:I, s:I, s:[]}", "capture", id,
	    "precision", nanosecond ? "nano" : "micro", "packets",
	    (json_int_t)0, "bytes", (json_int_t)0, "files_deleted",
	    (json_int_t)0, "files");
	return index;
}

int
cap_arch_index_save(const char *dir, json_t *index)
{
	char	path[CAP_ARCH_PATH_MAX], tmp[CAP_ARCH_PATH_MAX];
	char	*text;
	size_t	len;
	int	fd, rc = 0;

	if (cap_arch_path(path, sizeof(path), "%s/%s", dir,
	    CAP_ARCH_INDEX) == -1 ||
	    cap_arch_path(tmp, sizeof(tmp), "%s/.%s.tmp", dir,
	    CAP_ARCH_INDEX) == -1)
		return -1;
	if ((text = json_dumps(index, JSON_INDENT(1) | JSON_SORT_KEYS)) ==
	    NULL)
		return -1;
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		free(text);
		return -1;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) == -1)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	free(text);
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	if (rc == -1)
		unlink(tmp);
	return rc;
}

int
cap_arch_index_add(json_t *index, const char *name, uint64_t packets,
    uint64_t bytes, uint64_t size, int64_t first_ns, int64_t last_ns,
    int nanosecond)
{
	json_t	*f;

	f = json_pack("{s:s, s:I, s:I, s:I}", "name", name,
	    "packets", (json_int_t)packets, "bytes", (json_int_t)bytes,
	    "size", (json_int_t)size);
	if (f == NULL)
		return -1;
	if (set_time(f, "first", first_ns, nanosecond) == -1 ||
	    set_time(f, "last", last_ns, nanosecond) == -1 ||
	    json_array_append_new(json_object_get(index, "files"), f) == -1) {
		json_decref(f);
		return -1;
	}
	recompute(index);
	return 0;
}

void
cap_arch_index_remove(json_t *index, const char *name)
{
	json_t	*files = json_object_get(index, "files"), *f;
	size_t	 i;

	json_array_foreach(files, i, f) {
		const char *n = json_string_value(json_object_get(f, "name"));

		if (n != NULL && strcmp(n, name) == 0) {
			json_array_remove(files, i);
			json_object_set_new(index, "files_deleted",
			    json_integer(get_int(index, "files_deleted") + 1));
			recompute(index);
			return;
		}
	}
}

int
cap_arch_index_times(json_t *index, const char *name, int64_t *first_ns,
    int64_t *last_ns)
{
	json_t	*files = json_object_get(index, "files"), *f;
	size_t	 i;

	json_array_foreach(files, i, f) {
		const char *n = json_string_value(json_object_get(f, "name"));

		if (n != NULL && strcmp(n, name) == 0) {
			*first_ns = get_int(f, "first_ns");
			*last_ns = get_int(f, "last_ns");
			return 0;
		}
	}
	return -1;
}

uint32_t
cap_arch_index_max_seq(json_t *index)
{
	json_t		*files = json_object_get(index, "files"), *f;
	size_t		 i;
	uint32_t	 max = 0, seq;
	int		 part;

	json_array_foreach(files, i, f) {
		const char *n = json_string_value(json_object_get(f, "name"));

		if (n != NULL && cap_arch_parse_name(n, &seq, &part) == 0 &&
		    seq > max)
			max = seq;
	}
	return max;
}
