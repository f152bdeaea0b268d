/*
 * fuzz_config_parse.c - libFuzzer target for the YAML configuration loader
 * (controller/ctl_config*.c).  A configuration file is input like any
 * other: it must never crash the loader, and whatever loads must print to
 * YAML that loads again to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print cfg into a malloc'd buffer; NULL on failure. */
static char *
print_config(const struct ctl_config *cfg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		abort();
	if (ctl_config_print(cfg, f) == -1)
		abort();
	if (fclose(f) != 0)
		abort();
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_config *cfg, *again;
	char err[512], *first, *second;
	size_t n1, n2;

	cfg = ctl_config_parse("fuzz.yaml", data, size, err, sizeof(err));
	if (cfg == NULL) {
		/* An error names the place: "fuzz.yaml:LINE:COL: ..." */
		if (strncmp(err, "fuzz.yaml", 9) != 0)
			abort();
		return 0;
	}
	first = print_config(cfg, &n1);
	again = ctl_config_parse("printed.yaml", first, n1, err, sizeof(err));
	if (again == NULL) {
		fprintf(stderr, "printed config does not load: %s\n%s\n", err,
		    first);
		abort();
	}
	second = print_config(again, &n2);
	if (n1 != n2 || memcmp(first, second, n1) != 0)
		abort();
	free(first);
	free(second);
	ctl_config_free(again);
	ctl_config_free(cfg);
	return 0;
}
