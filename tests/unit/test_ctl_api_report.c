/*
 * test_ctl_api_report.c - the body of POST /api/v1/events (a receiver's
 * key hit report): every member read, every refusal with its reason.
 */
#include <stdlib.h>

#include "ctl_api.h"
#include "fs_test.h"

static int
parse(const char *body, struct ctl_report *r, char *why, size_t whylen)
{
	return ctl_api_parse_report(body, strlen(body), r, why, whylen);
}

static void
test_report_full(void **state)
{
	struct ctl_report r;
	char why[256], a[NETADDR_STRLEN];

	(void)state;
	assert_int_equal(parse("{\"type\":\"key_hit\",\"capture\":\"c7\","
	    "\"key_id\":3,\"key_name\":\"malware\",\"src\":\"10.1.2.3\","
	    "\"dst\":\"203.0.113.66\",\"sport\":51514,\"dport\":80,"
	    "\"proto\":6,\"direction\":\"server_to_client\",\"offset\":1234,"
	    "\"session\":\"/var/lib/fs/sessions/2026-11-22/x_1-2\"}", &r, why,
	    sizeof(why)), 0);
	assert_string_equal(r.capture, "c7");
	assert_int_equal(r.key_id, 3);
	assert_string_equal(r.key_name, "malware");
	assert_string_equal(netaddr_format(&r.src, a, sizeof(a)), "10.1.2.3");
	assert_string_equal(netaddr_format(&r.dst, a, sizeof(a)),
	    "203.0.113.66");
	assert_int_equal(r.sport, 51514);
	assert_int_equal(r.dport, 80);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.direction, 2);
	assert_int_equal(r.offset, 1234);
	assert_string_equal(r.session, "/var/lib/fs/sessions/2026-11-22/x_1-2");
}

static void
test_report_minimal(void **state)
{
	struct ctl_report r;
	char why[256];

	(void)state;
	assert_int_equal(parse("{\"type\":\"key_hit\",\"key_id\":0,"
	    "\"src\":\"fd00::1\",\"dst\":\"2001:db8::2\"}", &r, why,
	    sizeof(why)), 0);
	assert_string_equal(r.capture, "");
	assert_int_equal(r.direction, 0);
	assert_int_equal(r.src.family, NETADDR_IPV6);
}

static void
test_report_refused(void **state)
{
	static const struct {
		const char	*body;
		const char	*why;
	} bad[] = {
		{ "not json", "expected a JSON object" },
		{ "[1]", "expected a JSON object" },
		{ "{\"type\":\"other\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\"}", "type" },
		{ "{\"type\":\"key_hit\",\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\"}", "key_id: required" },
		{ "{\"type\":\"key_hit\",\"key_id\":4294967296,"
		  "\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\"}", "key_id" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\"}",
		  "dst" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"fd00::2\"}", "one family" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\",\"capture\":\"c1; -j DROP\"}",
		  "capture" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\",\"key_name\":\"a\\nb\"}", "key_name" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\",\"session\":\"/a/../b\"}", "session" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\",\"sport\":65536}", "sport" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\",\"direction\":\"up\"}", "direction" },
		{ "{\"type\":\"key_hit\",\"key_id\":1,\"src\":\"10.0.0.1\","
		  "\"dst\":\"10.0.0.2\",\"extra\":1}", "unknown member" },
		{ "{\"type\":\"key_hit\",\"type\":\"key_hit\"}", "JSON object" },
	};
	struct ctl_report r;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].body, &r, why, sizeof(why)), -1);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].body,
			    why, bad[i].why);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_report_full),
	cmocka_unit_test(test_report_minimal),
	cmocka_unit_test(test_report_refused),
};

FS_TEST_MAIN(tests)
