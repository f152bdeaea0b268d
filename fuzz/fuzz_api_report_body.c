/*
 * fuzz_api_report_body.c - libFuzzer target for the body of
 * POST /api/v1/events (controller/ctl_api_report.c), a receiver's report.
 * Any bytes must end in 0 or -1 with a message; a report that parses
 * holds two addresses of one family and only strings from the restricted
 * sets the parser promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_api.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
only(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char names[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	static const char paths[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/:";
	struct ctl_report r;
	char why[256];

	memset(why, 'x', sizeof(why));
	if (ctl_api_parse_report((const char *)data, size, &r, why,
	    sizeof(why)) == -1) {
		if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
			abort();	/* a refusal always says why */
		return 0;
	}
	if (r.src.family == NETADDR_NONE || r.src.family != r.dst.family ||
	    !only(r.capture, names) || !only(r.key_name, names) ||
	    !only(r.session, paths) || strstr(r.session, "..") != NULL ||
	    r.direction < 0 || r.direction > 2)
		abort();
	return 0;
}
