/*
 * bl_parse_util.h - what the list parser tests share: parse a body from a
 * heap buffer of exactly its size (ASan sees over-reads), and render a
 * list and its report as text, so a test asserts every entry, label and
 * counter with one string comparison.
 *
 * Lists made here are freed by the test's teardown (bl_util_teardown),
 * like exact_buf.h's buffers, so a failed assertion leaks nothing.
 * Include after fs_test.h and exact_buf.h.
 */
#ifndef FS_BL_PARSE_UTIL_H
#define FS_BL_PARSE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blacklists.h"

static struct bl_list	*util_lists[64];
static size_t		 util_nlists;

static inline int
bl_util_teardown(void **state)
{
	while (util_nlists > 0)
		bl_list_free(util_lists[--util_nlists]);
	return exact_free_all(state);
}

/* Parse len bytes of body as format, capped at max entries (0: none). */
static inline struct bl_list *
parse_n(enum bl_format format, const void *body, size_t len, uint32_t max,
    struct bl_parse_report *r)
{
	struct bl_parse_limits limits = { .max_entries = max };
	struct bl_list *l;
	void *buf;

	assert_true(util_nlists < sizeof(util_lists) / sizeof(util_lists[0]));
	buf = exact_copy(body, len);
	l = bl_list_parse("test", format, buf, len, &limits, r);
	exact_release_last();
	assert_non_null(l);
	util_lists[util_nlists++] = l;
	return l;
}

static inline struct bl_list *
parse(enum bl_format format, const char *body, struct bl_parse_report *r)
{
	return parse_n(format, body, strlen(body), 0, r);
}

/* Append printf output to a growing string. */
static inline void
util_appendf(char **s, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void
util_appendf(char **s, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	*s = realloc(*s, *len + (size_t)n + 1);
	assert_non_null(*s);
	va_start(ap, fmt);
	vsnprintf(*s + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
}

/*
 * The entries, one a line: "PREFIX/PLEN @LINE LABEL" ("PREFIX/PLEN @LINE"
 * without a label).  Caller frees.
 */
static inline char *
render_entries(const struct bl_list *l)
{
	char *s = calloc(1, 1), addr[NETADDR_STRLEN];
	size_t len = 0, i;

	assert_non_null(s);
	for (i = 0; i < bl_list_count(l); i++) {
		const struct bl_entry *e = bl_list_entry(l, i);
		const char *label = bl_list_label(l, e->label);

		util_appendf(&s, &len, "%s/%u @%u%s%s\n",
		    netaddr_format(&e->prefix, addr, sizeof(addr)), e->plen,
		    e->line, label[0] != '\0' ? " " : "", label);
	}
	return s;
}

/* The counters, then "error LINE WHY" for each error kept.  Caller frees. */
static inline char *
render_report(const struct bl_parse_report *r)
{
	char *s = calloc(1, 1);
	size_t len = 0, i;

	assert_non_null(s);
	util_appendf(&s, &len,
	    "lines %llu\nentries %llu\nrejected %llu\nnormalised %llu\n"
	    "over_cap %llu\nexpires %lld\ndeclared_entries %llu\n"
	    "category %s\n",
	    (unsigned long long)r->lines, (unsigned long long)r->entries,
	    (unsigned long long)r->rejected,
	    (unsigned long long)r->normalised,
	    (unsigned long long)r->over_cap, (long long)r->expires,
	    (unsigned long long)r->declared_entries, r->category);
	for (i = 0; i < r->errors_kept; i++)
		util_appendf(&s, &len, "error %u %s\n", r->errors[i].line,
		    r->errors[i].why);
	return s;
}

/* Assert the entries of l, rendered, equal want. */
#define assert_entries(l, want) do {					\
	char *got_ = render_entries(l);					\
	if (strcmp(got_, (want)) != 0) {				\
		print_error("entries:\n%s--- expected:\n%s", got_, (want)); \
		free(got_);						\
		fail();							\
	}								\
	free(got_);							\
} while (0)

/* Assert the counters and kept errors of r, rendered, equal want. */
#define assert_report(r, want) do {					\
	char *got_ = render_report(r);					\
	if (strcmp(got_, (want)) != 0) {				\
		print_error("report:\n%s--- expected:\n%s", got_, (want)); \
		free(got_);						\
		fail();							\
	}								\
	free(got_);							\
} while (0)

/* The usual report of a body with no header values. */
#define REPORT(lines, entries, rejected, normalised, over_cap)		\
	"lines " #lines "\nentries " #entries "\nrejected " #rejected	\
	"\nnormalised " #normalised "\nover_cap " #over_cap		\
	"\nexpires 0\ndeclared_entries 0\ncategory \n"

#endif /* FS_BL_PARSE_UTIL_H */
