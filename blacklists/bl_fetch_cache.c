/*
 * bl_fetch_cache.c - the last good body of each list and its validators,
 * kept on disk so that a controller starting with the network down still
 * has its lists.  File layout and the crash argument: bl_fetch.h.
 *
 * Everything read back is treated as untrusted: sizes are capped before
 * reading, the metadata is validated field by field (validators are sent
 * in request headers again), and the body must match the length and hash
 * the metadata names.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic_file.h"
#include "bl_fetch.h"

#define META_VERSION	1

static int
cache_path(char *out, size_t outlen, const struct bl_fetch_cache_key *k,
    const char *suffix, char *err, size_t errlen)
{
	int n;

	if (!bl_fetch_name_ok(k->name)) {
		snprintf(err, errlen, "bad list name for a cache file");
		return -1;
	}
	n = snprintf(out, outlen, "%s/%s%s", k->dir, k->name, suffix);
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "cache path too long");
		return -1;
	}
	return 0;
}

int
bl_fetch_cache_mkdir(const char *dir, char *err, size_t errlen)
{
	char path[BL_FETCH_PATH_MAX];
	struct stat st;
	size_t i, n;

	n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		snprintf(err, errlen, "cache directory name empty or too long");
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0750) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (i < n)
			path[i] = '/';
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	return 0;
}

/*
 * Read fd to its end, at most max bytes (the file may have grown since
 * fstat said size).  0 with *body (malloc'd) and *len, or -1 with err.
 */
int
bl_fetch_read_fd(int fd, const char *path, size_t size, uint64_t max,
    void **body, size_t *len, char *err, size_t errlen)
{
	unsigned char *buf, *p;
	size_t cap = size + 1, got = 0;

	/* Room for one byte more, to notice a file that grew meanwhile. */
	if ((buf = malloc(cap)) == NULL)
		goto oom;
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "read %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			snprintf(err, errlen, "%s: more than max_bytes (%llu)",
			    path, (unsigned long long)max);
			goto fail;
		}
		if (got == cap) {
			cap = cap * 2 > max + 1 ? (size_t)max + 1 : cap * 2;
			if ((p = realloc(buf, cap)) == NULL)
				goto oom;
			buf = p;
		}
	}
	*body = buf;
	*len = got;
	return 0;
oom:
	snprintf(err, errlen, "out of memory reading %s", path);
fail:
	free(buf);
	return -1;
}

/*
 * Read a regular file of at most max bytes (not following a symlink, not
 * blocking on a FIFO).  0 with *out (malloc'd, len + 1 bytes, NUL after
 * the data), 1 if it does not exist, -1 with err.
 */
static int
read_capped(const char *path, uint64_t max, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	void *body;
	size_t size, got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max || (uint64_t)st.st_size >= SIZE_MAX) {
		snprintf(err, errlen, "%s: %lld bytes, more than %llu", path,
		    (long long)st.st_size, (unsigned long long)max);
		goto fail;
	}
	size = (size_t)st.st_size;
	if (bl_fetch_read_fd(fd, path, size, max, &body, &got, err,
	    errlen) == -1)
		goto fail;
	buf = body;
	if (got != size) {
		snprintf(err, errlen, "%s: changed while being read", path);
		goto fail;
	}
	/* bl_fetch_read_fd() keeps room for one byte more than size. */
	buf[got] = '\0';
	close(fd);
	*out = buf;
	*outlen = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

static int
meta_string(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static int
meta_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* A validator from the metadata: "" or a value we may send. */
static int
meta_validator(json_t *o, const char *key, char *dst, size_t max)
{
	const char *s;
	size_t n;

	if (meta_string(o, key, &s) == -1)
		return -1;
	n = strlen(s);
	if (n != 0 && !bl_fetch_header_value_ok(s, n, max))
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

/* Parse and check the metadata text against k.  -1 with err. */
static int
meta_parse(const struct bl_fetch_cache_key *k, const char *text, size_t len,
    struct bl_fetch_meta *m, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o;
	const char *s;
	int64_t version, body_len;
	char *end;

	memset(m, 0, sizeof(*m));
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		snprintf(err, errlen, "metadata line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "metadata is not an object");
		goto fail;
	}
	if (meta_int(o, "version", &version) == -1 || version != META_VERSION) {
		snprintf(err, errlen, "metadata version is not %d",
		    META_VERSION);
		goto fail;
	}
	if (meta_string(o, "name", &s) == -1 || strcmp(s, k->name) != 0 ||
	    meta_string(o, "source", &s) == -1 || strcmp(s, k->source) != 0 ||
	    meta_string(o, "format", &s) == -1 || strcmp(s, k->format) != 0) {
		snprintf(err, errlen,
		    "cached for another name, source or format");
		goto fail;
	}
	if (meta_validator(o, "etag", m->val.etag, sizeof(m->val.etag)) ==
	    -1 || meta_validator(o, "last_modified", m->val.last_modified,
	    sizeof(m->val.last_modified)) == -1) {
		snprintf(err, errlen, "metadata has a bad validator");
		goto fail;
	}
	if (meta_int(o, "fetched_at", &m->fetched_at) == -1 ||
	    meta_int(o, "not_before", &m->not_before) == -1 ||
	    meta_int(o, "body_len", &body_len) == -1) {
		snprintf(err, errlen, "metadata has a bad number");
		goto fail;
	}
	m->body_len = (uint64_t)body_len;
	if (meta_string(o, "body_fnv1a64", &s) == -1 || strlen(s) != 16 ||
	    strspn(s, "0123456789abcdef") != 16) {
		snprintf(err, errlen, "metadata has a bad body hash");
		goto fail;
	}
	m->body_fnv1a64 = strtoull(s, &end, 16);
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	return -1;
}

int
bl_fetch_cache_load(const struct bl_fetch_cache_key *k,
    struct bl_fetch_meta *meta, void **body, size_t *len, char *err,
    size_t errlen)
{
	char path[BL_FETCH_PATH_MAX];
	char *text = NULL, *data = NULL;
	size_t tlen, dlen;
	int rc;

	*body = NULL;
	*len = 0;
	if (cache_path(path, sizeof(path), k, ".meta.json", err, errlen))
		return -1;
	rc = read_capped(path, BL_FETCH_META_MAX, &text, &tlen, err, errlen);
	if (rc != 0)
		return rc;
	rc = meta_parse(k, text, tlen, meta, err, errlen);
	free(text);
	if (rc == -1)
		return -1;
	if (meta->body_len > k->max_bytes) {
		snprintf(err, errlen, "cached body larger than max_bytes");
		return -1;
	}
	if (cache_path(path, sizeof(path), k, ".body", err, errlen))
		return -1;
	rc = read_capped(path, k->max_bytes, &data, &dlen, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "%s: missing", path);
	if (rc != 0)
		return -1;
	if (dlen != meta->body_len ||
	    bl_fetch_fnv1a64(data, dlen) != meta->body_fnv1a64) {
		snprintf(err, errlen, "%s: does not match its metadata", path);
		free(data);
		return -1;
	}
	*body = data;
	*len = dlen;
	return 0;
}

int
bl_fetch_cache_store_body(const struct bl_fetch_cache_key *k,
    const void *body, size_t len, char *err, size_t errlen)
{
	char path[BL_FETCH_PATH_MAX];

	if (cache_path(path, sizeof(path), k, ".body", err, errlen))
		return -1;
	return atomic_file_write(path, body, len, 0640, err, errlen);
}

int
bl_fetch_cache_store_meta(const struct bl_fetch_cache_key *k,
    const struct bl_fetch_meta *m, char *err, size_t errlen)
{
	char path[BL_FETCH_PATH_MAX], hash[17];
	json_t *o;
	char *text;
	int rc;

	if (cache_path(path, sizeof(path), k, ".meta.json", err, errlen))
		return -1;
	snprintf(hash, sizeof(hash), "%016" PRIx64, m->body_fnv1a64);
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}",
	    "version", META_VERSION, "name", k->name, "source", k->source,
	    "format", k->format, "etag", m->val.etag,
	    "last_modified", m->val.last_modified,
	    "fetched_at", (json_int_t)m->fetched_at,
	    "not_before", (json_int_t)m->not_before,
	    "body_len", (json_int_t)m->body_len, "body_fnv1a64", hash);
	if (o == NULL) {
		snprintf(err, errlen, "cannot encode the metadata");
		return -1;
	}
	text = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory encoding the metadata");
		return -1;
	}
	if (strlen(text) > BL_FETCH_META_MAX - 1) {
		free(text);
		snprintf(err, errlen, "metadata too long");
		return -1;
	}
	rc = atomic_file_write(path, text, strlen(text), 0640, err, errlen);
	free(text);
	return rc;
}
