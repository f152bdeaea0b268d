/*
 * test_bl_parse_fixtures.c - realistic samples of every list format, and
 * each of them cut at every length.
 *
 * A fixture is a folder tests/fixtures/blacklists/CASE/ holding:
 *  - body: the list as served (bytes as they are: CRLF, BOM, garbage);
 *  - format: the format name (bl_format_from_name), optionally followed
 *    by a line "max_entries N";
 *  - expected.tsv: one line per entry, "PREFIX<tab>PLEN<tab>LINE<tab>LABEL";
 *  - report: the counters and kept errors, as render_report() writes them.
 * A new case is a new folder; fixtures_match runs them all.
 *
 * fixtures_truncation_sweep parses every body, and the same body with LF
 * turned into CRLF, cut at every length L from heap buffers of exactly L
 * bytes.  The contract (bl_parse.h): the entries of a cut are exactly the
 * first entries of the whole parse, same prefix, length, line and label;
 * in particular a cut "192.0.0.0/24" never yields "192.0.0.0/2".  The
 * report of a cut never counts more lines, entries or header values it
 * could not have seen.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "exact_buf.h"
#include "bl_parse_util.h"

#define FIXTURES	FS_FIXTURES_DIR "/blacklists"
#define FILE_MAX	(1024 * 1024)

struct fixture {
	char		 name[128];
	char		*body, *format, *tsv, *report;
	size_t		 len;
	enum bl_format	 fmt;
	uint32_t	 max_entries;
};

/* A whole file into a NUL-terminated heap buffer; NULL if missing. */
static char *
read_file(const char *dir, const char *file, size_t *len)
{
	char path[1024], *buf;
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc(FILE_MAX + 1);
	assert_non_null(buf);
	n = fread(buf, 1, FILE_MAX + 1, fp);
	fclose(fp);
	if (n > FILE_MAX)
		fail_msg("%s: larger than %d bytes", path, FILE_MAX);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static void
fixture_free(struct fixture *f)
{
	free(f->body);
	free(f->format);
	free(f->tsv);
	free(f->report);
}

static void
fixture_load(struct fixture *f, const char *dir)
{
	char name[64], *slash;
	unsigned long max = 0;

	memset(f, 0, sizeof(*f));
	/* glob's "CASE/": the name is the last component. */
	snprintf(f->name, sizeof(f->name), "%s", dir);
	while ((slash = strrchr(f->name, '/')) != NULL && slash[1] == '\0')
		*slash = '\0';
	if ((slash = strrchr(f->name, '/')) != NULL)
		memmove(f->name, slash + 1, strlen(slash + 1) + 1);
	f->body = read_file(dir, "body", &f->len);
	f->format = read_file(dir, "format", NULL);
	f->tsv = read_file(dir, "expected.tsv", NULL);
	f->report = read_file(dir, "report", NULL);
	if (f->body == NULL || f->format == NULL || f->tsv == NULL ||
	    f->report == NULL)
		fail_msg("%s: needs body, format, expected.tsv and report",
		    f->name);
	if (sscanf(f->format, "%63s max_entries %lu", name, &max) < 1 ||
	    bl_format_from_name(name, &f->fmt) == -1)
		fail_msg("%s: bad format file", f->name);
	f->max_entries = (uint32_t)max;
}

/* The fixture folders, sorted; at least one per format. */
static glob_t
fixture_dirs(void)
{
	glob_t g;

	if (glob(FIXTURES "/*/", 0, NULL, &g) != 0)
		fail_msg("no fixtures in %s", FIXTURES);
	return g;
}

/* The entries as expected.tsv writes them.  Caller frees. */
static char *
render_tsv(const struct bl_list *l)
{
	char *s = calloc(1, 1), addr[NETADDR_STRLEN];
	size_t len = 0, i;

	assert_non_null(s);
	for (i = 0; i < bl_list_count(l); i++) {
		const struct bl_entry *e = bl_list_entry(l, i);

		util_appendf(&s, &len, "%s\t%u\t%u\t%s\n",
		    netaddr_format(&e->prefix, addr, sizeof(addr)), e->plen,
		    e->line, bl_list_label(l, e->label));
	}
	return s;
}

static void
fixtures_match(void **state)
{
	struct bl_parse_report r;
	struct fixture f;
	struct bl_list *l;
	int seen[BL_FORMAT_FEODO_CSV + 1] = { 0 }, failed = 0, i;
	glob_t g = fixture_dirs();
	size_t d;

	(void)state;
	for (d = 0; d < g.gl_pathc; d++) {
		char *tsv, *rep;

		fixture_load(&f, g.gl_pathv[d]);
		seen[f.fmt] = 1;
		l = parse_n(f.fmt, f.body, f.len, f.max_entries, &r);
		tsv = render_tsv(l);
		rep = render_report(&r);
		if (strcmp(tsv, f.tsv) != 0) {
			print_error("%s: entries:\n%s--- expected:\n%s",
			    f.name, tsv, f.tsv);
			failed = 1;
		}
		if (strcmp(rep, f.report) != 0) {
			print_error("%s: report:\n%s--- expected:\n%s",
			    f.name, rep, f.report);
			failed = 1;
		}
		print_message("fixture %s: %zu entries\n", f.name,
		    bl_list_count(l));
		free(tsv);
		free(rep);
		fixture_free(&f);
	}
	globfree(&g);
	assert_false(failed);
	for (i = BL_FORMAT_PLAIN; i <= BL_FORMAT_FEODO_CSV; i++)
		if (!seen[i])
			fail_msg("no fixture for %s",
			    bl_format_name((enum bl_format)i));
}

/* The body with every "\n" not after "\r" turned into "\r\n". */
static char *
to_crlf(const char *body, size_t len, size_t *out_len)
{
	char *out = malloc(2 * len + 1);
	size_t i, n = 0;

	assert_non_null(out);
	for (i = 0; i < len; i++) {
		if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))
			out[n++] = '\r';
		out[n++] = body[i];
	}
	*out_len = n;
	return out;
}

/* Every cut of body keeps the first entries of the whole parse. */
static void
sweep(const struct fixture *f, const char *variant, const char *body,
    size_t len)
{
	struct bl_parse_report whole_r, r;
	const struct bl_list *whole;
	struct bl_list *cut;
	size_t cut_len, i;
	char *buf;

	whole = parse_n(f->fmt, body, len, f->max_entries, &whole_r);
	for (cut_len = 0; cut_len <= len; cut_len++) {
		struct bl_parse_limits lim = { .max_entries = f->max_entries };

		buf = exact_copy(body, cut_len);
		cut = bl_list_parse("cut", f->fmt, buf, cut_len, &lim, &r);
		exact_release_last();
		assert_non_null(cut);
		if (bl_list_count(cut) > bl_list_count(whole))
			fail_msg("%s%s cut at %zu: %zu entries, whole has %zu",
			    f->name, variant, cut_len, bl_list_count(cut),
			    bl_list_count(whole));
		for (i = 0; i < bl_list_count(cut); i++) {
			const struct bl_entry *a = bl_list_entry(cut, i);
			const struct bl_entry *b = bl_list_entry(whole, i);
			char as[NETADDR_STRLEN], bs[NETADDR_STRLEN];

			if (memcmp(&a->prefix, &b->prefix,
			    sizeof(a->prefix)) != 0 || a->plen != b->plen ||
			    a->line != b->line ||
			    strcmp(bl_list_label(cut, a->label),
			    bl_list_label(whole, b->label)) != 0)
				fail_msg("%s%s cut at %zu: entry %zu is "
				    "%s/%u @%u \"%s\", whole has %s/%u @%u "
				    "\"%s\"", f->name, variant, cut_len, i,
				    netaddr_format(&a->prefix, as, sizeof(as)),
				    a->plen, a->line,
				    bl_list_label(cut, a->label),
				    netaddr_format(&b->prefix, bs, sizeof(bs)),
				    b->plen, b->line,
				    bl_list_label(whole, b->label));
		}
		assert_int_equal(r.entries, bl_list_count(cut));
		assert_true(r.lines <= whole_r.lines);
		assert_true(r.entries + r.over_cap <=
		    whole_r.entries + whole_r.over_cap);
		assert_true(r.entries + r.over_cap + r.rejected <= r.lines);
		assert_true(r.errors_kept <= BL_ERRORS_KEPT);
		assert_true(r.errors_kept <= r.rejected);
		/* Header values: absent or the whole parse's. */
		assert_true(r.expires == 0 || r.expires == whole_r.expires);
		assert_true(r.declared_entries == 0 ||
		    r.declared_entries == whole_r.declared_entries);
		assert_true(r.category[0] == '\0' ||
		    strcmp(r.category, whole_r.category) == 0);
		bl_list_free(cut);
	}
	if (whole_r.entries == 0 && f->len > 0)
		fail_msg("%s%s: no entries to sweep", f->name, variant);
}

static void
fixtures_truncation_sweep(void **state)
{
	struct fixture f;
	glob_t g = fixture_dirs();
	char *crlf;
	size_t d, crlf_len;

	(void)state;
	for (d = 0; d < g.gl_pathc; d++) {
		fixture_load(&f, g.gl_pathv[d]);
		sweep(&f, "", f.body, f.len);
		crlf = to_crlf(f.body, f.len, &crlf_len);
		sweep(&f, " (CRLF)", crlf, crlf_len);
		free(crlf);
		print_message("fixture %s: %zu cuts\n", f.name,
		    f.len + crlf_len + 2);
		fixture_free(&f);
		/* Parsed lists stay held; release them fixture by fixture. */
		bl_util_teardown(NULL);
	}
	globfree(&g);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(fixtures_match, bl_util_teardown),
	cmocka_unit_test_teardown(fixtures_truncation_sweep, bl_util_teardown),
};

FS_TEST_MAIN(tests)
