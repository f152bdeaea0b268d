/*
 * rule_backend.c - the table of switch backends, by the name the config
 * uses.  A new backend is one file with its ops and one row here.
 */
#include <stddef.h>
#include <string.h>

#include "rules.h"

static const struct rule_backend_ops *const backends[] = {
	&rule_cumulus_ops,
	&rule_ovs_ops,
};

const struct rule_backend_ops *
rule_backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const char *
rule_status_name(enum rule_status st)
{
	switch (st) {
	case RULE_OK:			return "ok";
	case RULE_ABSENT:		return "absent";
	case RULE_MISMATCH:		return "mismatch";
	case RULE_COMPILE_FAILED:	return "compile_failed";
	case RULE_ERROR:		return "error";
	}
	return "unknown";
}
