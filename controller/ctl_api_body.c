/*
 * ctl_api_body.c - the body of POST /api/v1/captures, parsed with jansson
 * and checked member by member.  Request bodies come from the network: a
 * pure function of the bytes and the config, so a libFuzzer harness
 * (fuzz/fuzz_api_capture_body.c) drives it alone.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl_api.h"
#include "ctl_config.h"

/* Member key of obj as an address; 0 absent, 1 read, -1 bad (why set). */
static int
body_addr(json_t *obj, const char *key, struct netaddr *a, char *why,
    size_t whylen)
{
	json_t *v;

	if ((v = json_object_get(obj, key)) == NULL)
		return 0;
	if (!json_is_string(v) || netaddr_parse(json_string_value(v), a) ==
	    -1) {
		snprintf(why, whylen, "%s: expected an IPv4 or IPv6 address "
		    "as a string", key);
		return -1;
	}
	return 1;
}

int
ctl_api_parse_capture_request(const struct ctl_config *cfg, const char *body,
    size_t len, struct ctl_capture_request *cr, char *why, size_t whylen)
{
	static const char *const known[] = { "local", "remote", "duration",
	    "agent" };
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	char dwhy[128];
	size_t i;
	int rc = -1;

	memset(cr, 0, sizeof(*cr));
	why[0] = '\0';
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(why, whylen, "body: expected a JSON object (%s at "
		    "line %d column %d)", jerr.text, jerr.line, jerr.column);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(why, whylen, "body: expected a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			/* The key is the client's: keep it short. */
			snprintf(why, whylen, "unknown member \"%.40s\" "
			    "(expected local, remote, duration, agent)", key);
			goto out;
		}
	}
	if (body_addr(root, "local", &cr->local, why, whylen) != 1 ||
	    body_addr(root, "remote", &cr->remote, why, whylen) != 1) {
		if (why[0] == '\0')
			snprintf(why, whylen, "local and remote: both are "
			    "required");
		goto out;
	}
	if (cr->local.family != cr->remote.family) {
		snprintf(why, whylen, "local and remote: expected addresses "
		    "of the same family");
		goto out;
	}
	if (netaddr_compare(&cr->local, &cr->remote) == 0) {
		snprintf(why, whylen, "local and remote: expected two "
		    "different addresses");
		goto out;
	}
	if (body_addr(root, "agent", &cr->agent, why, whylen) == -1)
		goto out;
	if (cr->agent.family != NETADDR_NONE &&
	    ctl_config_switch_of_agent(cfg, &cr->agent) < 0) {
		snprintf(why, whylen, "agent: expected the sFlow agent of a "
		    "configured switch");
		goto out;
	}
	if ((v = json_object_get(root, "duration")) != NULL) {
		if (!json_is_string(v) || ctl_parse_duration(
		    json_string_value(v), &cr->duration_s, dwhy,
		    sizeof(dwhy)) == -1 || cr->duration_s == 0) {
			snprintf(why, whylen, "duration: expected a duration "
			    "of at least 1s, like \"5m\"");
			goto out;
		}
		if (cr->duration_s > cfg->capture.max_duration_s)
			cr->duration_s = cfg->capture.max_duration_s;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
