/*
 * test_bl_fetch_cache.c - the fetcher's on-disk cache (blacklists/
 * bl_fetch_cache.c) and bl_source_load(): a round trip, and every way a
 * cache read back can be unusable (corrupt, for another source, too big,
 * not a regular file), each refused with a reason and without blocking.
 *
 * Each test works in its own mkdtemp() directory, removed by teardown.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_test.h"

#include "bl_fetch.h"

static const char body[] = "# test list\n192.0.2.1\n198.51.100.0/24\n";

struct fixture {
	char	dir[64];
	char	path[256];
	struct bl_fetch_cache_key key;
	struct bl_fetch_meta meta;
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_bl_fetch_cache.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	fx->key.dir = fx->dir;
	fx->key.name = "et-compromised";
	fx->key.source = "https://example.org/list.txt";
	fx->key.format = "plain";
	fx->key.max_bytes = 1024;
	snprintf(fx->meta.val.etag, sizeof(fx->meta.val.etag), "\"v1\"");
	snprintf(fx->meta.val.last_modified,
	    sizeof(fx->meta.val.last_modified),
	    "Wed, 21 Oct 2015 07:28:00 GMT");
	fx->meta.fetched_at = 1700000000;
	fx->meta.not_before = 1700086400;
	fx->meta.body_len = sizeof(body) - 1;
	fx->meta.body_fnv1a64 = bl_fetch_fnv1a64(body, sizeof(body) - 1);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static const char *
file_in(struct fixture *fx, const char *name)
{
	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
	return fx->path;
}

static void
write_file(struct fixture *fx, const char *name, const void *data,
    size_t len)
{
	FILE *fp = fopen(file_in(fx, name), "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_text(struct fixture *fx, const char *name, size_t *len)
{
	static char buf[16384];
	FILE *fp = fopen(file_in(fx, name), "rb");

	assert_non_null(fp);
	*len = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

static void
store(struct fixture *fx)
{
	char err[BL_FETCH_ERR_MAX];

	assert_int_equal(bl_fetch_cache_store_body(&fx->key, body,
	    sizeof(body) - 1, err, sizeof(err)), 0);
	assert_int_equal(bl_fetch_cache_store_meta(&fx->key, &fx->meta, err,
	    sizeof(err)), 0);
}

/* Load and expect -1 with a reason containing why. */
static void
assert_unusable(struct fixture *fx, const char *why)
{
	struct bl_fetch_meta m;
	char err[BL_FETCH_ERR_MAX] = "";
	void *b = (void *)1;
	size_t len = 99;

	assert_int_equal(bl_fetch_cache_load(&fx->key, &m, &b, &len, err,
	    sizeof(err)), -1);
	assert_null(b);
	assert_int_equal(len, 0);
	if (strstr(err, why) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
}

/* Replace "from" by "to" in the metadata file. */
static void
edit_meta(struct fixture *fx, const char *from, const char *to)
{
	char out[16384], *text, *at;
	size_t len;

	text = read_text(fx, "et-compromised.meta.json", &len);
	at = strstr(text, from);
	assert_non_null(at);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	write_file(fx, "et-compromised.meta.json", out, strlen(out));
}

static void
round_trip(void **state)
{
	struct fixture *fx = *state;
	struct bl_fetch_meta m;
	char err[BL_FETCH_ERR_MAX];
	struct dirent *de;
	void *b;
	size_t len;
	DIR *d;
	int files = 0;

	store(fx);
	assert_int_equal(bl_fetch_cache_load(&fx->key, &m, &b, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, sizeof(body) - 1);
	assert_memory_equal(b, body, len);
	free(b);
	assert_string_equal(m.val.etag, fx->meta.val.etag);
	assert_string_equal(m.val.last_modified, fx->meta.val.last_modified);
	assert_true(m.fetched_at == fx->meta.fetched_at);
	assert_true(m.not_before == fx->meta.not_before);
	assert_true(m.body_len == fx->meta.body_len);
	assert_true(m.body_fnv1a64 == fx->meta.body_fnv1a64);

	/* Exactly the two files; no temporary left behind. */
	assert_non_null(d = opendir(fx->dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		assert_true(strcmp(de->d_name, "et-compromised.body") == 0 ||
		    strcmp(de->d_name, "et-compromised.meta.json") == 0);
		files++;
	}
	closedir(d);
	assert_int_equal(files, 2);
}

static void
round_trip_empty(void **state)
{
	struct fixture *fx = *state;
	struct bl_fetch_meta m;
	char err[BL_FETCH_ERR_MAX];
	void *b;
	size_t len;

	memset(&fx->meta.val, 0, sizeof(fx->meta.val));
	fx->meta.body_len = 0;
	fx->meta.body_fnv1a64 = bl_fetch_fnv1a64("", 0);
	assert_int_equal(bl_fetch_cache_store_body(&fx->key, "", 0, err,
	    sizeof(err)), 0);
	assert_int_equal(bl_fetch_cache_store_meta(&fx->key, &fx->meta, err,
	    sizeof(err)), 0);
	assert_int_equal(bl_fetch_cache_load(&fx->key, &m, &b, &len, err,
	    sizeof(err)), 0);
	assert_non_null(b);
	assert_int_equal(len, 0);
	assert_string_equal(m.val.etag, "");
	free(b);
}

static void
replace_keeps_one_copy(void **state)
{
	struct fixture *fx = *state;
	static const char newer[] = "203.0.113.0/24\n";
	struct bl_fetch_meta m;
	char err[BL_FETCH_ERR_MAX];
	void *b;
	size_t len;

	store(fx);
	fx->meta.body_len = sizeof(newer) - 1;
	fx->meta.body_fnv1a64 = bl_fetch_fnv1a64(newer, sizeof(newer) - 1);
	snprintf(fx->meta.val.etag, sizeof(fx->meta.val.etag), "\"v2\"");
	assert_int_equal(bl_fetch_cache_store_body(&fx->key, newer,
	    sizeof(newer) - 1, err, sizeof(err)), 0);
	/* Between the two renames: the old metadata no longer matches. */
	assert_unusable(fx, "does not match");
	assert_int_equal(bl_fetch_cache_store_meta(&fx->key, &fx->meta, err,
	    sizeof(err)), 0);
	assert_int_equal(bl_fetch_cache_load(&fx->key, &m, &b, &len, err,
	    sizeof(err)), 0);
	assert_memory_equal(b, newer, len);
	assert_string_equal(m.val.etag, "\"v2\"");
	free(b);
}

static void
nothing_cached(void **state)
{
	struct fixture *fx = *state;
	struct bl_fetch_meta m;
	char err[BL_FETCH_ERR_MAX];
	void *b;
	size_t len;

	assert_int_equal(bl_fetch_cache_load(&fx->key, &m, &b, &len, err,
	    sizeof(err)), 1);
	assert_null(b);
}

static void
body_missing(void **state)
{
	struct fixture *fx = *state;

	store(fx);
	assert_int_equal(unlink(file_in(fx, "et-compromised.body")), 0);
	assert_unusable(fx, "missing");
}

static void
body_truncated(void **state)
{
	struct fixture *fx = *state;

	store(fx);
	write_file(fx, "et-compromised.body", body, sizeof(body) - 5);
	assert_unusable(fx, "does not match");
}

static void
body_changed_same_length(void **state)
{
	struct fixture *fx = *state;
	char copy[sizeof(body)];

	store(fx);
	memcpy(copy, body, sizeof(body));
	copy[14] = '9';
	write_file(fx, "et-compromised.body", copy, sizeof(body) - 1);
	assert_unusable(fx, "does not match");
}

static void
body_over_max_bytes(void **state)
{
	struct fixture *fx = *state;

	store(fx);
	fx->key.max_bytes = sizeof(body) - 2;
	assert_unusable(fx, "larger than max_bytes");
}

static void
meta_not_json(void **state)
{
	struct fixture *fx = *state;

	store(fx);
	write_file(fx, "et-compromised.meta.json", "{\"version\": 1,", 14);
	assert_unusable(fx, "metadata line");
	write_file(fx, "et-compromised.meta.json", "", 0);
	assert_unusable(fx, "metadata line");
	write_file(fx, "et-compromised.meta.json", "[1]", 3);
	assert_unusable(fx, "not an object");
	write_file(fx, "et-compromised.meta.json", "{\"version\":1,"
	    "\"version\":1}", 25);
	assert_unusable(fx, "metadata line");		/* duplicate key */
}

static void
meta_too_big(void **state)
{
	struct fixture *fx = *state;
	static char big[BL_FETCH_META_MAX + 2];

	store(fx);
	memset(big, ' ', sizeof(big));
	write_file(fx, "et-compromised.meta.json", big, sizeof(big));
	assert_unusable(fx, "more than");
}

static void
meta_fields(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
		{ "\"version\": 1", "\"version\": 2", "version" },
		{ "\"version\": 1", "\"version\": \"1\"", "version" },
		{ "\"name\": \"et-compromised\"", "\"name\": \"other\"",
		    "another" },
		{ "\"source\": \"https://example.org/list.txt\"",
		    "\"source\": \"https://example.org/other.txt\"", "another" },
		{ "\"format\": \"plain\"", "\"format\": \"firehol\"",
		    "another" },
		{ "\"etag\": \"\\\"v1\\\"\"", "\"etag\": \"a\\r\\nX-Evil: 1\"",
		    "validator" },
		{ "\"etag\": \"\\\"v1\\\"\"", "\"etag\": 5", "validator" },
		{ "\"last_modified\": \"Wed", "\"last_modified\": \"\\u00e9",
		    "validator" },
		{ "\"fetched_at\": 1700000000", "\"fetched_at\": -1", "number" },
		{ "\"not_before\": 1700086400", "\"not_before\": 1.5",
		    "number" },
		{ "\"body_len\": ", "\"body_len\": -", "number" },
		{ "\"body_fnv1a64\": \"", "\"body_fnv1a64\": \"x", "hash" },
		{ "\"body_fnv1a64\": \"", "\"body_fnv1a64\": \"0", "hash" },
	};
	struct fixture *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store(fx);
		edit_meta(fx, cases[i].from, cases[i].to);
		assert_unusable(fx, cases[i].why);
	}
}

static void
not_regular_files(void **state)
{
	struct fixture *fx = *state;
	char target[256];

	store(fx);
	/* A symlink is not followed. */
	snprintf(target, sizeof(target), "%s/et-compromised.meta.json",
	    fx->dir);
	assert_int_equal(rename(target, file_in(fx, "real.json")), 0);
	assert_int_equal(symlink("real.json", target), 0);
	assert_unusable(fx, "open");
	assert_int_equal(unlink(target), 0);
	/* A FIFO is refused without blocking. */
	assert_int_equal(mkfifo(target, 0600), 0);
	assert_unusable(fx, "not a regular file");
	assert_int_equal(unlink(target), 0);
	/* So is a directory. */
	assert_int_equal(mkdir(target, 0700), 0);
	assert_unusable(fx, "not a regular file");
}

static void
bad_name_refused(void **state)
{
	struct fixture *fx = *state;
	char err[BL_FETCH_ERR_MAX];

	fx->key.name = "../escape";
	assert_int_equal(bl_fetch_cache_store_body(&fx->key, body, 3, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "name"));
	assert_int_equal(bl_fetch_cache_store_meta(&fx->key, &fx->meta, err,
	    sizeof(err)), -1);
	assert_unusable(fx, "name");
	assert_int_equal(access("/tmp/escape.body", F_OK), -1);
}

static void
store_fails_cleanly(void **state)
{
	struct fixture *fx = *state;
	char err[BL_FETCH_ERR_MAX], dir[128];

	snprintf(dir, sizeof(dir), "%s/missing", fx->dir);
	fx->key.dir = dir;
	assert_int_equal(bl_fetch_cache_store_body(&fx->key, body, 3, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "open"));
	/* A directory where the body goes: the rename fails, no .tmp. */
	fx->key.dir = fx->dir;
	assert_int_equal(mkdir(file_in(fx, "et-compromised.body"), 0700), 0);
	assert_int_equal(bl_fetch_cache_store_body(&fx->key, body, 3, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "rename"));
	assert_int_equal(access(file_in(fx, "et-compromised.body.tmp"),
	    F_OK), -1);
}

static void
mkdir_nested(void **state)
{
	struct fixture *fx = *state;
	char err[BL_FETCH_ERR_MAX], dir[128];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/state/blacklists", fx->dir);
	assert_int_equal(bl_fetch_cache_mkdir(dir, err, sizeof(err)), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(bl_fetch_cache_mkdir(dir, err, sizeof(err)), 0);
	/* A file in the way. */
	write_file(fx, "file", "x", 1);
	snprintf(dir, sizeof(dir), "%s/file/sub", fx->dir);
	assert_int_equal(bl_fetch_cache_mkdir(dir, err, sizeof(err)), -1);
	snprintf(dir, sizeof(dir), "%s/file", fx->dir);
	assert_int_equal(bl_fetch_cache_mkdir(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(bl_fetch_cache_mkdir("", err, sizeof(err)), -1);
}

static void
source_load_url(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	char err[BL_FETCH_ERR_MAX];
	void *b;
	size_t len;

	memset(&sp, 0, sizeof(sp));
	sp.name = "et-compromised";
	sp.format = BL_FORMAT_PLAIN;
	sp.url = "https://example.org/list.txt";
	sp.max_bytes = 1024;
	assert_int_equal(bl_source_load(fx->dir, &sp, &b, &len, err,
	    sizeof(err)), 1);
	assert_int_equal(bl_source_load(NULL, &sp, &b, &len, err,
	    sizeof(err)), 1);
	store(fx);
	assert_int_equal(bl_source_load(fx->dir, &sp, &b, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, sizeof(body) - 1);
	assert_memory_equal(b, body, len);
	free(b);
	/* Another URL under the same name does not get this body. */
	sp.url = "https://example.org/other.txt";
	assert_int_equal(bl_source_load(fx->dir, &sp, &b, &len, err,
	    sizeof(err)), -1);
	/* Nor a spec that bl_fetcher_add() would refuse. */
	sp.url = "http://example.org/list.txt";
	assert_int_equal(bl_source_load(fx->dir, &sp, &b, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "allow_http"));
}

static void
source_load_file(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	char err[BL_FETCH_ERR_MAX], path[256];
	void *b;
	size_t len;

	write_file(fx, "own.txt", body, sizeof(body) - 1);
	snprintf(path, sizeof(path), "%s", file_in(fx, "own.txt"));
	memset(&sp, 0, sizeof(sp));
	sp.name = "own";
	sp.format = BL_FORMAT_PLAIN;
	sp.file = path;
	assert_int_equal(bl_source_load(NULL, &sp, &b, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, sizeof(body) - 1);
	assert_memory_equal(b, body, len);
	free(b);
	sp.max_bytes = sizeof(body) - 2;
	assert_int_equal(bl_source_load(NULL, &sp, &b, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "max_bytes"));
	sp.max_bytes = sizeof(body) - 1;
	assert_int_equal(bl_source_load(NULL, &sp, &b, &len, err,
	    sizeof(err)), 0);
	free(b);
	sp.file = "/nonexistent/list.txt";
	assert_int_equal(bl_source_load(NULL, &sp, &b, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "open"));
	sp.file = "/dev/zero";
	assert_int_equal(bl_source_load(NULL, &sp, &b, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
	cmocka_unit_test_setup_teardown(round_trip_empty, setup, teardown),
	cmocka_unit_test_setup_teardown(replace_keeps_one_copy, setup, teardown),
	cmocka_unit_test_setup_teardown(nothing_cached, setup, teardown),
	cmocka_unit_test_setup_teardown(body_missing, setup, teardown),
	cmocka_unit_test_setup_teardown(body_truncated, setup, teardown),
	cmocka_unit_test_setup_teardown(body_changed_same_length, setup, teardown),
	cmocka_unit_test_setup_teardown(body_over_max_bytes, setup, teardown),
	cmocka_unit_test_setup_teardown(meta_not_json, setup, teardown),
	cmocka_unit_test_setup_teardown(meta_too_big, setup, teardown),
	cmocka_unit_test_setup_teardown(meta_fields, setup, teardown),
	cmocka_unit_test_setup_teardown(not_regular_files, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_name_refused, setup, teardown),
	cmocka_unit_test_setup_teardown(store_fails_cleanly, setup, teardown),
	cmocka_unit_test_setup_teardown(mkdir_nested, setup, teardown),
	cmocka_unit_test_setup_teardown(source_load_url, setup, teardown),
	cmocka_unit_test_setup_teardown(source_load_file, setup, teardown),
};

FS_TEST_MAIN(tests)
