/*
 * bl_format.c - the names of list formats, as configuration spells them.
 */
#include <string.h>

#include "blacklists.h"

static const struct {
	enum bl_format	 format;
	const char	*name;
} formats[] = {
	{ BL_FORMAT_PLAIN, "plain" },
	{ BL_FORMAT_EMERGING_THREATS, "emerging-threats" },
	{ BL_FORMAT_SPAMHAUS_DROP, "spamhaus-drop" },
	{ BL_FORMAT_SPAMHAUS_JSON, "spamhaus-json" },
	{ BL_FORMAT_FIREHOL, "firehol" },
	{ BL_FORMAT_FEODO_CSV, "feodo-csv" },
};

int
bl_format_from_name(const char *name, enum bl_format *out)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].name, name) == 0) {
			*out = formats[i].format;
			return 0;
		}
	return -1;
}

const char *
bl_format_name(enum bl_format format)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].format == format)
			return formats[i].name;
	return "unknown";
}
