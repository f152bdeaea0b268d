/*
 * prom.c - the Prometheus text exposition format, version 0.0.4.
 *
 * Label values are escaped as the format asks: backslash, double quote and
 * line feed become \\, \" and \n, every other byte passes (UTF-8
 * included); HELP text likewise for backslash and line feed.  Values:
 * unsigned integers exactly; doubles in the shortest of %.15g, %.16g and
 * %.17g that reads back as the same double (0.1, not 0.10000000000000001,
 * and never a rounded value), and NaN, +Inf, -Inf spelled as Prometheus
 * parses them.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

#ifndef NDEBUG
static int
valid_name(const char *s, int colon)
{
	const char *p;

	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' ||
		    (colon && *p == ':')))
			return 0;
	return 1;
}
#endif

static void
escape(FILE *out, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (quote && *s == '"')
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

void
prom_family(FILE *out, const char *name, enum prom_type type,
    const char *help)
{
	assert(valid_name(name, 1));
	fprintf(out, "# HELP %s ", name);
	escape(out, help, 0);
	fprintf(out, "\n# TYPE %s %s\n", name,
	    type == PROM_COUNTER ? "counter" : "gauge");
}

static void
series(FILE *out, const char *name, const struct prom_label *labels,
    unsigned n)
{
	unsigned i;

	assert(valid_name(name, 1));
	assert(n <= PROM_MAX_LABELS && (n == 0 || labels != NULL));
	fputs(name, out);
	if (n == 0)
		return;
	fputc('{', out);
	for (i = 0; i < n; i++) {
		assert(valid_name(labels[i].name, 0));
		fprintf(out, "%s%s=\"", i > 0 ? "," : "", labels[i].name);
		escape(out, labels[i].value != NULL ? labels[i].value : "", 1);
		fputc('"', out);
	}
	fputc('}', out);
}

void
prom_u64(FILE *out, const char *name, const struct prom_label *labels,
    unsigned n, uint64_t value)
{
	series(out, name, labels, n);
	fprintf(out, " %" PRIu64 "\n", value);
}

void
prom_double(FILE *out, const char *name, const struct prom_label *labels,
    unsigned n, double value)
{
	char buf[32];
	int prec;

	series(out, name, labels, n);
	if (isnan(value))
		fputs(" NaN\n", out);
	else if (isinf(value))
		fputs(value > 0 ? " +Inf\n" : " -Inf\n", out);
	else {
		for (prec = 15; prec < 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, value);
			if (strtod(buf, NULL) == value)
				break;
		}
		if (prec == 17)
			snprintf(buf, sizeof(buf), "%.17g", value);
		fprintf(out, " %s\n", buf);
	}
}

void
prom_single_u64(FILE *out, const char *name, enum prom_type type,
    const char *help, uint64_t value)
{
	prom_family(out, name, type, help);
	prom_u64(out, name, NULL, 0, value);
}
