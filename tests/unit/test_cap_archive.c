/*
 * test_cap_archive.c - the pcap archive writer: files, rotation, numbering,
 * index, open-file cap, refused ids, retention, precision, crash recovery.
 * Every test works in its own mkdtemp() folder under /tmp, removed after.
 * Times are packet times (rotation by age never looks at the wall clock).
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/wait.h>

#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "fs_test.h"

#define T0	1767225600	/* 2026-01-01T00:00:00Z */
#define DAY	"2026-01-01"

struct fx {
	char	dir[64];
	struct cap_archive_config cfg;
	struct cap_archive *a;
	char	err[256];
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
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fs_archive_XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->cfg.dir = fx->dir;
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
open_archive(struct fx *fx)
{
	cap_archive_free(fx->a);
	fx->a = cap_archive_new(&fx->cfg, fx->err, sizeof(fx->err));
	assert_non_null(fx->a);
}

static void
put(struct fx *fx, const char *id, time_t sec, long nsec, uint32_t len)
{
	uint8_t		frame[2048];
	struct timespec	ts = { sec, nsec };
	uint32_t	i;

	assert_true(len <= sizeof(frame));
	for (i = 0; i < len; i++)
		frame[i] = (uint8_t)i;
	memset(frame + 12, 0x08, 1);	/* ethertype 0x0800 */
	frame[13] = 0;
	assert_int_equal(cap_archive_write(fx->a, id, &ts, frame, len, len,
	    fx->err, sizeof(fx->err)), 0);
}

static size_t
count(const struct fx *fx, const char *pat)
{
	char	path[256];
	glob_t	g;
	size_t	n;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, pat);
	if (glob(path, 0, NULL, &g) != 0)
		return 0;
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

static int
exists(const struct fx *fx, const char *rel)
{
	char		path[256];
	struct stat	sb;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	return stat(path, &sb) == 0;
}

/* Open with libpcap (always) and tshark (when installed); packets read. */
static int
pcap_packets(const struct fx *fx, const char *rel, int nano, int tshark,
    long *first_frac)
{
	char			 path[256], cmd[400], perr[PCAP_ERRBUF_SIZE];
	pcap_t			*p;
	struct pcap_pkthdr	*h;
	const u_char		*d;
	int			 n = 0, rc;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	p = pcap_open_offline_with_tstamp_precision(path, nano ?
	    PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (p == NULL)
		fail_msg("%s: %s", path, perr);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		if (n == 0 && first_frac != NULL)
			*first_frac = (long)h->ts.tv_usec;
		n++;
	}
	pcap_close(p);
	if (tshark && access("/usr/bin/tshark", X_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -r '%s' -q "
		    ">/dev/null 2>&1", path);
		assert_int_equal(system(cmd), 0);
	}
	return n;
}

static json_t *
load_index(const struct fx *fx, const char *rel)
{
	char		path[256];
	json_error_t	e;
	json_t		*j;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	j = json_load_file(path, 0, &e);
	if (j == NULL)
		fail_msg("%s: %s", path, e.text);
	return j;
}

static json_int_t
jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void
write_basic(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_stats st;

	open_archive(fx);
	put(fx, "cap1", T0, 1000, 60);
	put(fx, "cap1", T0 + 1, 2000, 100);
	put(fx, "cap1", T0 + 2, 3000, 1514);
	assert_true(exists(fx, DAY "/cap1/000001.pcap.part"));
	assert_false(exists(fx, DAY "/cap1/000001.pcap"));
	assert_int_equal(cap_archive_close(fx->a, "cap1"), 0);
	assert_false(exists(fx, DAY "/cap1/000001.pcap.part"));
	assert_int_equal(pcap_packets(fx, DAY "/cap1/000001.pcap", 0, 1,
	    NULL), 3);
	cap_archive_stats(fx->a, &st);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.bytes, 60 + 100 + 1514);
	assert_int_equal(st.files_opened, 1);
	assert_int_equal(st.files_closed, 1);
	assert_int_equal(st.open_files, 0);
	/* Closing a capture that has nothing open is fine. */
	assert_int_equal(cap_archive_close(fx->a, "cap1"), 0);
	assert_int_equal(cap_archive_close(fx->a, "other"), 0);
}

static void
rotate_by_size(void **state)
{
	struct fx *fx = *state;
	int i;

	fx->cfg.rotate_size = 24 + 3 * (16 + 100);	/* three packets */
	open_archive(fx);
	for (i = 0; i < 10; i++)
		put(fx, "sz", T0 + i, 0, 100);
	assert_int_equal(cap_archive_flush_all(fx->a), 0);
	assert_int_equal(count(fx, DAY "/sz/*.pcap"), 4);
	assert_int_equal(count(fx, DAY "/sz/*.part"), 0);
	assert_int_equal(pcap_packets(fx, DAY "/sz/000001.pcap", 0, 0,
	    NULL), 3);
	assert_int_equal(pcap_packets(fx, DAY "/sz/000003.pcap", 0, 0,
	    NULL), 3);
	assert_int_equal(pcap_packets(fx, DAY "/sz/000004.pcap", 0, 1,
	    NULL), 1);
}

static void
rotate_by_age(void **state)
{
	struct fx *fx = *state;

	fx->cfg.rotate_age_s = 10;
	open_archive(fx);
	/* Packet times, not the wall clock: this runs in microseconds. */
	put(fx, "age", T0, 0, 60);
	put(fx, "age", T0 + 5, 0, 60);
	put(fx, "age", T0 + 9, 999999000, 60);
	put(fx, "age", T0 + 10, 0, 60);		/* 10 s after the first */
	put(fx, "age", T0 + 25, 0, 60);
	assert_int_equal(cap_archive_flush_all(fx->a), 0);
	assert_int_equal(count(fx, DAY "/age/*.pcap"), 3);
	assert_int_equal(pcap_packets(fx, DAY "/age/000001.pcap", 0, 0,
	    NULL), 3);
	assert_int_equal(pcap_packets(fx, DAY "/age/000002.pcap", 0, 0,
	    NULL), 1);
	assert_int_equal(pcap_packets(fx, DAY "/age/000003.pcap", 0, 0,
	    NULL), 1);
}

static void
numbering_after_restart(void **state)
{
	struct fx *fx = *state;
	json_t *idx;

	open_archive(fx);
	put(fx, "rs", T0, 0, 60);
	cap_archive_free(fx->a);		/* flushes */
	fx->a = NULL;
	assert_true(exists(fx, DAY "/rs/000001.pcap"));
	open_archive(fx);
	/* A day later: the capture keeps its folder, numbers go on. */
	put(fx, "rs", T0 + 86400, 0, 60);
	assert_true(exists(fx, DAY "/rs/000002.pcap.part"));
	assert_int_equal(cap_archive_close(fx->a, "rs"), 0);
	assert_false(exists(fx, "2026-01-02"));
	idx = load_index(fx, DAY "/rs/index.json");
	assert_int_equal(json_array_size(json_object_get(idx, "files")), 2);
	assert_int_equal(jint(idx, "packets"), 2);
	json_decref(idx);
}

static void
index_contents(void **state)
{
	struct fx *fx = *state;
	json_t *idx, *files, *f;

	fx->cfg.rotate_size = 24 + 2 * (16 + 100);
	open_archive(fx);
	put(fx, "ix", T0, 500000, 100);
	put(fx, "ix", T0 + 1, 0, 100);
	put(fx, "ix", T0 + 2, 250000000, 100);
	assert_int_equal(cap_archive_close(fx->a, "ix"), 0);
	idx = load_index(fx, DAY "/ix/index.json");
	assert_string_equal(json_string_value(json_object_get(idx, "capture")),
	    "ix");
	assert_int_equal(jint(idx, "packets"), 3);
	assert_int_equal(jint(idx, "bytes"), 300);
	assert_int_equal(jint(idx, "first_ns"), (json_int_t)T0 * 1000000000 +
	    500000);
	assert_int_equal(jint(idx, "last_ns"), (json_int_t)(T0 + 2) *
	    1000000000 + 250000000);
	assert_string_equal(json_string_value(json_object_get(idx, "first")),
	    "2026-01-01T00:00:00.000500Z");
	files = json_object_get(idx, "files");
	assert_int_equal(json_array_size(files), 2);
	f = json_array_get(files, 0);
	assert_string_equal(json_string_value(json_object_get(f, "name")),
	    "000001.pcap");
	assert_int_equal(jint(f, "packets"), 2);
	assert_int_equal(jint(f, "size"), 24 + 2 * (16 + 100));
	f = json_array_get(files, 1);
	assert_string_equal(json_string_value(json_object_get(f, "name")),
	    "000002.pcap");
	assert_int_equal(jint(f, "packets"), 1);
	assert_string_equal(json_string_value(json_object_get(f, "last")),
	    "2026-01-01T00:00:02.250000Z");
	json_decref(idx);
}

static void
max_open_closes_lru(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_stats st;

	fx->cfg.max_open = 2;
	open_archive(fx);
	put(fx, "a", T0, 0, 60);
	put(fx, "b", T0 + 1, 0, 60);
	put(fx, "a", T0 + 2, 0, 60);
	put(fx, "c", T0 + 3, 0, 60);		/* b is least recent */
	assert_true(exists(fx, DAY "/b/000001.pcap"));
	assert_true(exists(fx, DAY "/a/000001.pcap.part"));
	assert_true(exists(fx, DAY "/c/000001.pcap.part"));
	put(fx, "b", T0 + 4, 0, 60);		/* a goes, b gets a new file */
	assert_true(exists(fx, DAY "/b/000002.pcap.part"));
	assert_true(exists(fx, DAY "/a/000001.pcap"));
	cap_archive_stats(fx->a, &st);
	assert_int_equal(st.lru_closes, 2);
	assert_int_equal(st.open_files, 2);
	assert_int_equal(cap_archive_flush_all(fx->a), 0);
	assert_int_equal(count(fx, DAY "/*/*.pcap"), 4);
	assert_int_equal(count(fx, DAY "/*/*.part"), 0);
}

static void
bad_ids_refused(void **state)
{
	struct fx *fx = *state;
	static const char *bad[] = { "", "../x", "a/b", "a b", ".", "..",
	    "x\n", ("12345678901234567890123456789012345678901234567890"
	    "123456789012345") };	/* 65 characters: one too many */
	char long_ok[65];
	struct cap_archive_stats st;
	struct timespec ts = { T0, 0 };
	uint8_t frame[60] = { 0 };
	size_t i;

	open_archive(fx);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cap_archive_write(fx->a, bad[i], &ts, frame,
		    60, 60, fx->err, sizeof(fx->err)), -1);
		assert_non_null(strstr(fx->err, "refused"));
	}
	assert_int_equal(cap_archive_write(fx->a, NULL, &ts, frame, 60, 60,
	    fx->err, sizeof(fx->err)), -1);
	memset(long_ok, 'z', 64);
	long_ok[64] = '\0';
	put(fx, long_ok, T0, 0, 60);
	put(fx, "Ok-id_9", T0, 0, 60);
	cap_archive_stats(fx->a, &st);
	assert_int_equal(st.ids_refused, sizeof(bad) / sizeof(bad[0]) + 1);
	assert_int_equal(st.packets, 2);
	assert_int_equal(count(fx, "*"), 1);		/* the day only */
	assert_int_equal(count(fx, DAY "/*"), 2);
	assert_false(exists(fx, "x"));
}

/* Five closed files of one packet each, a second apart, in capture "r". */
static uint64_t
five_files(struct fx *fx)
{
	int i;

	fx->cfg.rotate_size = 1;
	open_archive(fx);
	for (i = 0; i < 5; i++)
		put(fx, "r", T0 + i, 0, 100);
	assert_int_equal(cap_archive_close(fx->a, "r"), 0);
	assert_int_equal(count(fx, DAY "/r/*.pcap"), 5);
	return 24 + 16 + 100;
}

static void
retention_quota(void **state)
{
	struct fx *fx = *state;
	uint64_t size;
	json_t *idx;
	struct cap_archive_stats st;

	fx->cfg.quota = 2 * (24 + 16 + 100);
	size = five_files(fx);
	/* Over quota by three files: the three oldest go. */
	assert_int_equal(cap_archive_enforce(fx->a, T0, 1 << 30, 1 << 30), 3);
	assert_false(exists(fx, DAY "/r/000003.pcap"));
	assert_true(exists(fx, DAY "/r/000004.pcap"));
	assert_true(exists(fx, DAY "/r/000005.pcap"));
	assert_int_equal(cap_archive_enforce(fx->a, T0, 1 << 30, 1 << 30), 0);
	idx = load_index(fx, DAY "/r/index.json");
	assert_int_equal(json_array_size(json_object_get(idx, "files")), 2);
	assert_int_equal(jint(idx, "files_deleted"), 3);
	assert_int_equal(jint(idx, "packets"), 2);
	assert_int_equal(jint(idx, "first_ns"), (json_int_t)(T0 + 3) *
	    1000000000);
	json_decref(idx);
	cap_archive_stats(fx->a, &st);
	assert_int_equal(st.files_deleted, 3);
	assert_int_equal(st.bytes_deleted, 3 * size);
}

static void
retention_min_free(void **state)
{
	struct fx *fx = *state;
	uint64_t size;

	fx->cfg.min_free_bytes = 10000;
	size = five_files(fx);
	/* 2 files' worth short of the minimum: the two oldest go. */
	assert_int_equal(cap_archive_enforce(fx->a, T0, 10000 - 2 * size,
	    1000000), 2);
	assert_false(exists(fx, DAY "/r/000002.pcap"));
	assert_true(exists(fx, DAY "/r/000003.pcap"));
	/* As a percentage: 1% of 1,000,000 = 10000 free wanted. */
	fx->cfg.min_free_bytes = 0;
	fx->cfg.min_free_percent = 1;
	open_archive(fx);
	assert_int_equal(cap_archive_enforce(fx->a, T0, 10000 - size,
	    1000000), 1);
	assert_int_equal(count(fx, DAY "/r/*.pcap"), 2);
	assert_int_equal(cap_archive_enforce(fx->a, T0, 10000, 1000000), 0);
}

static void
retention_max_age(void **state)
{
	struct fx *fx = *state;

	fx->cfg.max_age_s = 2;
	five_files(fx);				/* last packets T0 .. T0+4 */
	/* More than 2 s old at T0+4: the files of T0 and T0+1. */
	assert_int_equal(cap_archive_enforce(fx->a, T0 + 4, 1 << 30, 1 << 30),
	    2);
	assert_false(exists(fx, DAY "/r/000002.pcap"));
	assert_true(exists(fx, DAY "/r/000003.pcap"));
	assert_int_equal(cap_archive_enforce(fx->a, T0 + 100, 1 << 30,
	    1 << 30), 3);
	/* Nothing left: the capture folder and its day are gone. */
	assert_false(exists(fx, DAY));
}

static void
retention_never_open(void **state)
{
	struct fx *fx = *state;

	fx->cfg.quota = 1;
	five_files(fx);
	fx->cfg.rotate_size = 0;
	open_archive(fx);
	put(fx, "r", T0 + 10, 0, 100);		/* 000006.pcap.part */
	put(fx, "q", T0 + 10, 0, 100);
	assert_int_equal(cap_archive_enforce(fx->a, T0 + 10, 1 << 30,
	    1 << 30), 5);
	assert_true(exists(fx, DAY "/r/000006.pcap.part"));
	assert_true(exists(fx, DAY "/q/000001.pcap.part"));
	put(fx, "r", T0 + 11, 0, 100);
	assert_int_equal(cap_archive_flush_all(fx->a), 0);
	assert_int_equal(pcap_packets(fx, DAY "/r/000006.pcap", 0, 0,
	    NULL), 2);
}

static void
nanosecond_files(void **state)
{
	struct fx *fx = *state;
	long frac = -1;

	fx->cfg.nanosecond = 1;
	open_archive(fx);
	put(fx, "ns", T0, 123456789, 60);
	assert_int_equal(cap_archive_close(fx->a, "ns"), 0);
	assert_int_equal(pcap_packets(fx, DAY "/ns/000001.pcap", 1, 1, &frac),
	    1);
	assert_int_equal(frac, 123456789);
	/* The default is microseconds. */
	fx->cfg.nanosecond = 0;
	open_archive(fx);
	put(fx, "us", T0, 123456789, 60);
	assert_int_equal(cap_archive_close(fx->a, "us"), 0);
	assert_int_equal(pcap_packets(fx, DAY "/us/000001.pcap", 0, 1, &frac),
	    1);
	assert_int_equal(frac, 123456);
}

static void
crash_recovery(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_stats st;
	pid_t pid;
	int status, i, n;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		open_archive(fx);
		for (i = 0; i < 2000; i++)
			put(fx, "cr", T0 + i, 0, 100);
		_exit(0);			/* no close, no flush */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(exists(fx, DAY "/cr/000001.pcap.part"));
	open_archive(fx);
	cap_archive_stats(fx->a, &st);
	assert_int_equal(st.files_recovered, 1);
	/* What reached the disk opens; at most one buffer is lost. */
	n = pcap_packets(fx, DAY "/cr/000001.pcap", 0, 0, NULL);
	assert_true(n > 2000 - 65536 / 116 - 1 && n < 2000);
	put(fx, "cr", T0 + 3000, 0, 100);
	assert_true(exists(fx, DAY "/cr/000002.pcap.part"));
}

static void
bad_config(void **state)
{
	struct fx *fx = *state;
	struct cap_archive_config c = { 0 };
	char path[128];

	assert_null(cap_archive_new(&c, fx->err, sizeof(fx->err)));
	c.dir = "/proc/no/such/place";
	assert_null(cap_archive_new(&c, fx->err, sizeof(fx->err)));
	assert_non_null(strstr(fx->err, "/proc/no/such/place"));
	/* A file where the folder should be. */
	snprintf(path, sizeof(path), "%s/file", fx->dir);
	fclose(fopen(path, "w"));
	c.dir = path;
	assert_null(cap_archive_new(&c, fx->err, sizeof(fx->err)));
	assert_non_null(strstr(fx->err, "Not a directory"));
	c.dir = fx->dir;
	c.min_free_percent = 100;
	assert_null(cap_archive_new(&c, fx->err, sizeof(fx->err)));
	cap_archive_free(NULL);
}

static void
fs_space_reads(void **state)
{
	struct fx *fx = *state;
	uint64_t fr = 0, tot = 0;

	open_archive(fx);
	assert_int_equal(cap_archive_fs_space(fx->a, &fr, &tot), 0);
	assert_true(tot > 0 && fr <= tot);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(write_basic, setup, teardown),
	cmocka_unit_test_setup_teardown(rotate_by_size, setup, teardown),
	cmocka_unit_test_setup_teardown(rotate_by_age, setup, teardown),
	cmocka_unit_test_setup_teardown(numbering_after_restart, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(index_contents, setup, teardown),
	cmocka_unit_test_setup_teardown(max_open_closes_lru, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_ids_refused, setup, teardown),
	cmocka_unit_test_setup_teardown(retention_quota, setup, teardown),
	cmocka_unit_test_setup_teardown(retention_min_free, setup, teardown),
	cmocka_unit_test_setup_teardown(retention_max_age, setup, teardown),
	cmocka_unit_test_setup_teardown(retention_never_open, setup, teardown),
	cmocka_unit_test_setup_teardown(nanosecond_files, setup, teardown),
	cmocka_unit_test_setup_teardown(crash_recovery, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_config, setup, teardown),
	cmocka_unit_test_setup_teardown(fs_space_reads, setup, teardown),
};

FS_TEST_MAIN(tests)
