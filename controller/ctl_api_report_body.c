/*
 * ctl_api_report_body.c - the body of POST /api/v1/events, a receiver's
 * report (ctl_api_report.c handles the request).
 *
 * The body comes from the network like any other: parsed by this pure
 * function (fuzzed by fuzz/fuzz_api_report_body.c), every member checked,
 * names and paths held to restricted charsets.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl_api.h"
#include "ctl_config.h"
#include "json_flow.h"

/* A path the receiver wrote: a restricted charset, no "..". */
static int
path_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || strstr(s, "..") != NULL)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-/:") == n;
}

static int
get_uint(json_t *root, const char *key, uint64_t max, uint64_t *out,
    int required, char *why, size_t whylen)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL) {
		if (required)
			snprintf(why, whylen, "%s: required", key);
		return required ? -1 : 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		snprintf(why, whylen, "%s: expected a whole number in 0..%llu",
		    key, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

static int
get_str(json_t *root, const char *key, char *buf, size_t size,
    int (*ok)(const char *), int required, char *why, size_t whylen)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL) {
		if (required)
			snprintf(why, whylen, "%s: required", key);
		return required ? -1 : 0;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) >= size ||
	    !ok(json_string_value(v))) {
		snprintf(why, whylen, "%s: expected a string of at most %zu "
		    "characters from a restricted set", key, size - 1);
		return -1;
	}
	snprintf(buf, size, "%s", json_string_value(v));
	return 1;
}

static int
get_addr(json_t *root, const char *key, struct netaddr *a, char *why,
    size_t whylen)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL || !json_is_string(v) ||
	    netaddr_parse(json_string_value(v), a) == -1) {
		snprintf(why, whylen, "%s: expected an IPv4 or IPv6 address",
		    key);
		return -1;
	}
	return 0;
}

static int
parse_members(json_t *root, struct ctl_report *r, char *why, size_t whylen)
{
	static const char *const known[] = { "type", "capture", "key_id",
	    "key_name", "src", "dst", "sport", "dport", "proto", "direction",
	    "offset", "session" };
	const char *key, *type;
	uint64_t u;
	size_t i;
	json_t *v;

	json_object_foreach(root, key, v) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			snprintf(why, whylen, "unknown member \"%.40s\"", key);
			return -1;
		}
	}
	v = json_object_get(root, "type");
	type = json_is_string(v) ? json_string_value(v) : NULL;
	if (type == NULL || strcmp(type, "key_hit") != 0) {
		snprintf(why, whylen, "type: expected \"key_hit\"");
		return -1;
	}
	if (get_str(root, "capture", r->capture, sizeof(r->capture),
	    ctl_valid_name, 0, why, whylen) == -1 ||
	    get_uint(root, "key_id", UINT32_MAX, &u, 1, why, whylen) == -1)
		return -1;
	r->key_id = (uint32_t)u;
	if (get_str(root, "key_name", r->key_name, sizeof(r->key_name),
	    ctl_valid_name, 0, why, whylen) == -1 ||
	    get_str(root, "session", r->session, sizeof(r->session), path_ok,
	    0, why, whylen) == -1 ||
	    get_addr(root, "src", &r->src, why, whylen) == -1 ||
	    get_addr(root, "dst", &r->dst, why, whylen) == -1)
		return -1;
	if (r->src.family != r->dst.family) {
		snprintf(why, whylen, "src and dst: expected one family");
		return -1;
	}
	if (get_uint(root, "sport", UINT16_MAX, &u, 0, why, whylen) == -1)
		return -1;
	r->sport = (uint16_t)u;
	u = 0;
	if (get_uint(root, "dport", UINT16_MAX, &u, 0, why, whylen) == -1)
		return -1;
	r->dport = (uint16_t)u;
	u = 0;
	if (get_uint(root, "proto", UINT8_MAX, &u, 0, why, whylen) == -1)
		return -1;
	r->proto = (uint8_t)u;
	u = 0;
	if (get_uint(root, "offset", INT64_MAX, &u, 0, why, whylen) == -1)
		return -1;
	r->offset = u;
	if ((v = json_object_get(root, "direction")) != NULL) {
		if (!json_is_string(v) || (strcmp(json_string_value(v),
		    "client_to_server") != 0 && strcmp(json_string_value(v),
		    "server_to_client") != 0)) {
			snprintf(why, whylen, "direction: expected "
			    "\"client_to_server\" or \"server_to_client\"");
			return -1;
		}
		r->direction = strcmp(json_string_value(v),
		    "client_to_server") == 0 ? 1 : 2;
	}
	return 0;
}

int
ctl_api_parse_report(const char *body, size_t len, struct ctl_report *r,
    char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *root;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	why[0] = '\0';
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		snprintf(why, whylen, "body: expected a JSON object (%s at "
		    "line %d column %d)", jerr.text, jerr.line, jerr.column);
		return -1;
	}
	if (!json_is_object(root))
		snprintf(why, whylen, "body: expected a JSON object");
	else
		rc = parse_members(root, r, why, whylen);
	json_decref(root);
	return rc;
}
