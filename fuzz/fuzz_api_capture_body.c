/*
 * fuzz_api_capture_body.c - libFuzzer target for the body of
 * POST /api/v1/captures (controller/ctl_api_body.c).  A REST body is
 * network input: any bytes must end in 0 or -1 with a message, never a
 * crash; a body that parses must name two addresses of one family and a
 * duration within the configured maximum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_api.h"
#include "ctl_config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config_yaml[] =
    "capture:\n"
    "  receiver: 10.0.0.70\n"
    "  max_duration: 1h\n"
    "switches:\n"
    "  - name: leaf1\n"
    "    agents: [192.0.2.10, \"2001:db8::10\"]\n"
    "    url: http://127.0.0.1:9/acl/\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_config *cfg;
	struct ctl_capture_request cr;
	char why[256], err[256];

	if (cfg == NULL &&
	    (cfg = ctl_config_parse("fuzz.yaml", config_yaml,
	    sizeof(config_yaml) - 1, err, sizeof(err))) == NULL)
		abort();
	memset(why, 'x', sizeof(why));
	if (ctl_api_parse_capture_request(cfg, (const char *)data, size, &cr,
	    why, sizeof(why)) == -1) {
		if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
			abort();	/* a refusal always says why */
		return 0;
	}
	if (cr.local.family == NETADDR_NONE ||
	    cr.local.family != cr.remote.family ||
	    netaddr_compare(&cr.local, &cr.remote) == 0 ||
	    cr.duration_s > cfg->capture.max_duration_s)
		abort();
	return 0;
}
