/*
 * prom.h - write metrics in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * A family is announced once with its HELP and TYPE lines, then its
 * samples follow, each with up to PROM_MAX_LABELS labels whose values are
 * escaped (backslash, double quote, newline), so a label taken from the
 * network (a list name, an agent address) cannot break the output.
 * Names are the caller's constants and are not checked beyond an assert.
 */
#ifndef FS_PROM_H
#define FS_PROM_H

#include <stdint.h>
#include <stdio.h>

#define PROM_MAX_LABELS	4

enum prom_type {
	PROM_COUNTER,	/* name should end in _total */
	PROM_GAUGE,
};

struct prom_label {
	const char	*name;
	const char	*value;
};

/* "# HELP name help" and "# TYPE name counter|gauge". */
void	prom_family(FILE *out, const char *name, enum prom_type, const char *help);

/* "name{l1="v1",...} value"; labels may be NULL with n 0. */
void	prom_u64(FILE *out, const char *name, const struct prom_label *labels,
	    unsigned n, uint64_t value);
void	prom_double(FILE *out, const char *name, const struct prom_label *labels,
	    unsigned n, double value);

/* A family with one unlabelled sample: the common case. */
void	prom_single_u64(FILE *out, const char *name, enum prom_type,
	    const char *help, uint64_t value);

#endif /* FS_PROM_H */
