/*
 * test_cap_archive_info.c - what the archive says it holds of one
 * capture: the open file counted before it is in the index, closed files
 * from the index, a capture known only from disk (a new writer), the
 * newest of several day folders, and ids it has nothing of.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "fs_test.h"

#define T0	1767225600	/* 2026-01-01T00:00:00Z */

struct fx {
	char			 dir[64];
	struct cap_archive_config cfg;
	struct cap_archive	*a;
	char			 err[256];
};

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb; (void)flag; (void)f;
	return remove(path);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fs_info_XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->cfg.dir = fx->dir;
	fx->a = cap_archive_new(&fx->cfg, fx->err, sizeof(fx->err));
	assert_non_null(fx->a);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	cap_archive_free(fx->a);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void
put(struct fx *fx, const char *id, time_t sec, uint32_t len)
{
	uint8_t frame[256] = { 0 };
	struct timespec ts = { sec, 500000 };

	assert_true(len <= sizeof(frame));
	frame[12] = 0x08;
	assert_int_equal(cap_archive_write(fx->a, id, &ts, frame, len, len,
	    fx->err, sizeof(fx->err)), 0);
}

static void
open_file_counts(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_info ai;

	put(fx, "c1", T0, 100);
	put(fx, "c1", T0 + 5, 60);
	assert_int_equal(cap_archive_info(fx->a, "c1", &ai), 0);
	assert_int_equal(ai.packets, 2);
	assert_int_equal(ai.bytes, 160);
	assert_int_equal(ai.files, 1);
	assert_true(ai.open);
	assert_true(ai.first_ns == (int64_t)T0 * 1000000000 + 500000);
	assert_true(ai.last_ns == (int64_t)(T0 + 5) * 1000000000 + 500000);
	assert_string_equal(ai.day, "2026-01-01");
}

static void
closed_and_open(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_info ai;

	put(fx, "c1", T0, 100);
	assert_int_equal(cap_archive_close(fx->a, "c1"), 0);
	assert_int_equal(cap_archive_info(fx->a, "c1", &ai), 0);
	assert_int_equal(ai.packets, 1);
	assert_int_equal(ai.files, 1);
	assert_false(ai.open);
	/* A second file: the closed one from the index, the open one live. */
	put(fx, "c1", T0 + 10, 50);
	assert_int_equal(cap_archive_info(fx->a, "c1", &ai), 0);
	assert_int_equal(ai.packets, 2);
	assert_int_equal(ai.bytes, 150);
	assert_int_equal(ai.files, 2);
	assert_true(ai.open);
	assert_true(ai.first_ns == (int64_t)T0 * 1000000000 + 500000);
	assert_true(ai.last_ns == (int64_t)(T0 + 10) * 1000000000 + 500000);
}

/* A new writer on the same folder reads what the old one left. */
static void
from_disk(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_info ai;

	put(fx, "c1", T0, 100);
	put(fx, "c2", T0, 40);
	cap_archive_free(fx->a);
	fx->a = cap_archive_new(&fx->cfg, fx->err, sizeof(fx->err));
	assert_non_null(fx->a);
	assert_int_equal(cap_archive_info(fx->a, "c1", &ai), 0);
	assert_int_equal(ai.packets, 1);
	assert_int_equal(ai.bytes, 100);
	assert_int_equal(ai.files, 1);
	assert_false(ai.open);
	assert_string_equal(ai.day, "2026-01-01");
	assert_int_equal(cap_archive_info(fx->a, "c2", &ai), 0);
	assert_int_equal(ai.bytes, 40);
}

static void
newest_folder(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_info ai;
	char path[256];

	put(fx, "c1", T0 + 86400, 100);		/* 2026-01-02 */
	cap_archive_free(fx->a);
	/* An older, empty folder of the same id must not win. */
	snprintf(path, sizeof(path), "%s/2025-12-31", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/2025-12-31/c1", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	fx->a = cap_archive_new(&fx->cfg, fx->err, sizeof(fx->err));
	assert_non_null(fx->a);
	assert_int_equal(cap_archive_info(fx->a, "c1", &ai), 0);
	assert_string_equal(ai.day, "2026-01-02");
	assert_int_equal(ai.packets, 1);
}

static void
unknown_ids(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_info ai;

	assert_int_equal(cap_archive_info(fx->a, "nothing", &ai), -1);
	assert_int_equal(ai.packets, 0);
	assert_int_equal(cap_archive_info(fx->a, "../etc", &ai), -1);
	assert_int_equal(cap_archive_info(fx->a, "", &ai), -1);
	assert_int_equal(cap_archive_info(NULL, "c1", &ai), -1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(open_file_counts, setup, teardown),
	cmocka_unit_test_setup_teardown(closed_and_open, setup, teardown),
	cmocka_unit_test_setup_teardown(from_disk, setup, teardown),
	cmocka_unit_test_setup_teardown(newest_folder, setup, teardown),
	cmocka_unit_test_setup_teardown(unknown_ids, setup, teardown),
};

FS_TEST_MAIN(tests)
