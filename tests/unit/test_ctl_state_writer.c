/*
 * test_ctl_state_writer.c - the state file's writer thread and the atomic
 * file write under it: contents, coalescing, failures, retries, and that
 * nothing is written through a link.  Each case works in its own
 * mkdtemp() folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "ctl_state_writer.h"
#include "fs_test.h"

struct fixture {
	char	dir[64];
	char	path[128];
	char	err[512];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fs-statew.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/captures.json", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* The whole file at path, NUL-terminated (the caller frees). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static char *
dup_str(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

static void
test_atomic_write(void **state)
{
	struct fixture *fx = *state;
	char tmp[160], *got;
	struct stat sb;

	assert_int_equal(atomic_file_write(fx->path, "one", 3, 0600, fx->err,
	    sizeof(fx->err)), 0);
	assert_int_equal(atomic_file_write(fx->path, "second", 6, 0600,
	    fx->err, sizeof(fx->err)), 0);
	got = slurp(fx->path);
	assert_string_equal(got, "second");
	free(got);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void
test_atomic_write_errors(void **state)
{
	struct fixture *fx = *state;
	char path[160], tmp[170], target[160], *got;

	/* A folder that is not there. */
	snprintf(path, sizeof(path), "%s/nope/captures.json", fx->dir);
	assert_int_equal(atomic_file_write(path, "x", 1, 0600, fx->err,
	    sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "open"));
	assert_non_null(strstr(fx->err, "nope/captures.json.tmp"));

	/* A link planted at PATH.tmp is not followed. */
	snprintf(target, sizeof(target), "%s/target", fx->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(atomic_file_write(fx->path, "x", 1, 0600, fx->err,
	    sizeof(fx->err)), -1);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(access(fx->path, F_OK), -1);

	/* A path too long for PATH.tmp. */
	{
		char *huge = malloc(8192);

		assert_non_null(huge);
		memset(huge, 'a', 8191);
		huge[8191] = '\0';
		assert_int_equal(atomic_file_write(huge, "x", 1, 0600,
		    fx->err, sizeof(fx->err)), -1);
		assert_non_null(strstr(fx->err, "too long"));
		free(huge);
	}
	got = slurp(fx->path);
	assert_null(got);
}

static void
test_writer_writes(void **state)
{
	struct fixture *fx = *state;
	struct ctl_state_writer *w;
	struct ctl_state_writer_stats st;
	char *got;

	w = ctl_state_writer_new(fx->path, fx->err, sizeof(fx->err));
	assert_non_null(w);
	ctl_state_writer_submit(w, dup_str("{\"version\":1}"), 13);
	assert_int_equal(ctl_state_writer_drain(w, 5000), 0);
	got = slurp(fx->path);
	assert_string_equal(got, "{\"version\":1}");
	free(got);
	ctl_state_writer_stats(w, &st, fx->err, sizeof(fx->err));
	assert_int_equal(st.submitted, 1);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.failures, 0);
	assert_string_equal(fx->err, "");
	ctl_state_writer_free(w);
}

/* A burst: the newest wins, and nothing is written twice over itself. */
static void
test_writer_coalesces(void **state)
{
	struct fixture *fx = *state;
	struct ctl_state_writer *w;
	struct ctl_state_writer_stats st;
	char buf[32], *got;
	int i;

	w = ctl_state_writer_new(fx->path, fx->err, sizeof(fx->err));
	assert_non_null(w);
	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "snapshot %d", i);
		ctl_state_writer_submit(w, dup_str(buf), strlen(buf));
	}
	assert_int_equal(ctl_state_writer_drain(w, 10000), 0);
	got = slurp(fx->path);
	assert_string_equal(got, "snapshot 999");
	free(got);
	ctl_state_writer_stats(w, &st, NULL, 0);
	assert_int_equal(st.submitted, 1000);
	assert_int_equal(st.written + st.superseded, 1000);
	/* fsync'd writes are slow enough that a burst must coalesce. */
	assert_true(st.written < 1000);
	ctl_state_writer_free(w);
}

/* A failed write is counted, kept and retried once the disk is back. */
static void
test_writer_retries(void **state)
{
	struct fixture *fx = *state;
	struct ctl_state_writer *w;
	struct ctl_state_writer_stats st;
	char sub[96], path[128], *got;
	int i;

	snprintf(sub, sizeof(sub), "%s/later", fx->dir);
	snprintf(path, sizeof(path), "%s/captures.json", sub);
	w = ctl_state_writer_new(path, fx->err, sizeof(fx->err));
	assert_non_null(w);
	ctl_state_writer_submit(w, dup_str("kept"), 4);
	assert_int_equal(ctl_state_writer_drain(w, 2000), -1);
	ctl_state_writer_stats(w, &st, fx->err, sizeof(fx->err));
	assert_true(st.failures >= 1);
	assert_int_equal(st.written, 0);
	assert_non_null(strstr(fx->err, "later/captures.json.tmp"));

	assert_int_equal(mkdir(sub, 0700), 0);
	for (i = 0; i < 40 && (got = slurp(path)) == NULL; i++)
		usleep(100 * 1000);	/* the retry comes within a second */
	assert_non_null(got);
	assert_string_equal(got, "kept");
	free(got);
	/* The file is in place before the write returns (the directory's
	 * fsync follows the rename): wait for the writer to finish it. */
	assert_int_equal(ctl_state_writer_drain(w, 5000), 0);
	ctl_state_writer_stats(w, &st, NULL, 0);
	assert_int_equal(st.written, 1);
	ctl_state_writer_free(w);
}

/* Freeing writes what is still pending. */
static void
test_writer_free_writes_pending(void **state)
{
	struct fixture *fx = *state;
	struct ctl_state_writer *w;
	char *got;

	w = ctl_state_writer_new(fx->path, fx->err, sizeof(fx->err));
	assert_non_null(w);
	ctl_state_writer_submit(w, dup_str("first"), 5);
	ctl_state_writer_submit(w, dup_str("last"), 4);
	ctl_state_writer_free(w);
	got = slurp(fx->path);
	assert_string_equal(got, "last");
	free(got);
	ctl_state_writer_free(NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_atomic_write, setup, teardown),
	cmocka_unit_test_setup_teardown(test_atomic_write_errors, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_writer_writes, setup, teardown),
	cmocka_unit_test_setup_teardown(test_writer_coalesces, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_writer_retries, setup, teardown),
	cmocka_unit_test_setup_teardown(test_writer_free_writes_pending,
	    setup, teardown),
};

FS_TEST_MAIN(tests)
