/*
 * test_prom.c - the Prometheus text writer (common/prom.c): HELP and TYPE
 * lines, samples with and without labels, label values and HELP text
 * from hostile sources escaped, exact integers, doubles that read back
 * exactly, NaN and the infinities.
 */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"

#include "prom.h"

struct capture {
	FILE	*f;
	char	*buf;
	size_t	 len;
};

static void
cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

/* Close the stream; the text stays in c->buf (freed by cap_free). */
static const char *
cap_text(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	c->f = NULL;
	return c->buf;
}

static void
cap_free(struct capture *c)
{
	free(c->buf);
}

static void
test_family_lines(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c);
	prom_family(c.f, "fs_datagrams_total", PROM_COUNTER,
	    "sFlow datagrams received");
	prom_family(c.f, "fs_sessions", PROM_GAUGE, "Open sessions");
	assert_string_equal(cap_text(&c),
	    "# HELP fs_datagrams_total sFlow datagrams received\n"
	    "# TYPE fs_datagrams_total counter\n"
	    "# HELP fs_sessions Open sessions\n"
	    "# TYPE fs_sessions gauge\n");
	cap_free(&c);
}

static void
test_help_escaped(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c);
	/* In HELP only backslash and newline are escaped, not quotes. */
	prom_family(c.f, "x", PROM_GAUGE, "a \\ b\nc \"d\"");
	assert_string_equal(cap_text(&c),
	    "# HELP x a \\\\ b\\nc \"d\"\n# TYPE x gauge\n");
	cap_free(&c);
}

static void
test_single(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c);
	prom_single_u64(c.f, "fs_up", PROM_GAUGE, "1 when running", 1);
	assert_string_equal(cap_text(&c),
	    "# HELP fs_up 1 when running\n# TYPE fs_up gauge\nfs_up 1\n");
	cap_free(&c);
}

static void
test_u64_exact(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c);
	prom_u64(c.f, "a_total", NULL, 0, 0);
	prom_u64(c.f, "b_total", NULL, 0, UINT64_MAX);
	assert_string_equal(cap_text(&c),
	    "a_total 0\nb_total 18446744073709551615\n");
	cap_free(&c);
}

static void
test_labels(void **state)
{
	static const struct prom_label l[PROM_MAX_LABELS] = {
		{ "list", "et-compromised" }, { "group", "watch" },
		{ "family", "ipv6" }, { "agent", "192.0.2.1" },
	};
	struct capture c;

	(void)state;
	cap_open(&c);
	prom_u64(c.f, "fs_matches_total", l, 1, 7);
	prom_u64(c.f, "fs_matches_total", l, PROM_MAX_LABELS, 8);
	prom_double(c.f, "fs_ratio", l + 2, 2, 0.5);
	assert_string_equal(cap_text(&c),
	    "fs_matches_total{list=\"et-compromised\"} 7\n"
	    "fs_matches_total{list=\"et-compromised\",group=\"watch\","
	    "family=\"ipv6\",agent=\"192.0.2.1\"} 8\n"
	    "fs_ratio{family=\"ipv6\",agent=\"192.0.2.1\"} 0.5\n");
	cap_free(&c);
}

static void
test_hostile_label_values(void **state)
{
	/* What a list name or a remote peer could try to inject. */
	static const struct prom_label l[] = {
		{ "list", "evil\"} 1\nfs_up 0\n#" },
		{ "path", "C:\\lists\\" },
		{ "utf8", "caf\xc3\xa9 \t{}=," },
		{ "none", NULL },
		{ "empty", "" },
	};
	struct capture c;

	(void)state;
	cap_open(&c);
	prom_u64(c.f, "m", l, 1, 1);
	prom_u64(c.f, "m", l + 1, 2, 2);
	prom_u64(c.f, "m", l + 3, 2, 3);
	assert_string_equal(cap_text(&c),
	    "m{list=\"evil\\\"} 1\\nfs_up 0\\n#\"} 1\n"
	    "m{path=\"C:\\\\lists\\\\\",utf8=\"caf\xc3\xa9 \t{}=,\"} 2\n"
	    "m{none=\"\",empty=\"\"} 3\n");
	/* One line per sample, whatever the labels held. */
	{
		size_t i, lines = 0;

		for (i = 0; i < c.len; i++)
			lines += c.buf[i] == '\n';
		assert_int_equal(lines, 3);
	}
	cap_free(&c);
}

static void
test_doubles(void **state)
{
	static const double v[] = {
		0.0, 1.0, -2.5, 0.1, 1.0 / 3.0, 1e300, -1e-300, 5e-324,
		DBL_MAX, 123456789012345678.0, 0.30000000000000004,
	};
	struct capture c;
	char *line, *save = NULL;
	size_t i;

	(void)state;
	cap_open(&c);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		prom_double(c.f, "d", NULL, 0, v[i]);
	cap_text(&c);
	/* Each value reads back as exactly the same double. */
	line = strtok_r(c.buf, "\n", &save);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_non_null(line);
		assert_memory_equal(line, "d ", 2);
		assert_true(strtod(line + 2, NULL) == v[i]);
		line = strtok_r(NULL, "\n", &save);
	}
	assert_null(line);
	cap_free(&c);

	/* The short forms where they are exact. */
	cap_open(&c);
	prom_double(c.f, "d", NULL, 0, 0.1);
	prom_double(c.f, "d", NULL, 0, 1.0 / 3.0);
	prom_double(c.f, "d", NULL, 0, 0.30000000000000004);
	prom_double(c.f, "d", NULL, 0, 1e300);
	assert_string_equal(cap_text(&c),
	    "d 0.1\nd 0.3333333333333333\nd 0.30000000000000004\nd 1e+300\n");
	cap_free(&c);
}

static void
test_nan_inf(void **state)
{
	struct capture c;

	(void)state;
	cap_open(&c);
	prom_double(c.f, "d", NULL, 0, NAN);
	prom_double(c.f, "d", NULL, 0, -NAN);
	prom_double(c.f, "d", NULL, 0, INFINITY);
	prom_double(c.f, "d", NULL, 0, -INFINITY);
	assert_string_equal(cap_text(&c),
	    "d NaN\nd NaN\nd +Inf\nd -Inf\n");
	cap_free(&c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_family_lines),
	cmocka_unit_test(test_help_escaped),
	cmocka_unit_test(test_single),
	cmocka_unit_test(test_u64_exact),
	cmocka_unit_test(test_labels),
	cmocka_unit_test(test_hostile_label_values),
	cmocka_unit_test(test_doubles),
	cmocka_unit_test(test_nan_inf),
};

FS_TEST_MAIN(tests)
