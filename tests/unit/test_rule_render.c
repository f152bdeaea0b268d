/*
 * test_rule_render.c - rendering capture rules (rules/rule_render.c) and
 * building their names (rules/rule_name.c): a table of renders, a table
 * of refusals, and the injection tests: no byte a peer or a config could
 * smuggle through a string-ish input (interface pattern, name prefix,
 * capture id) ever reaches rule text.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"

#include "rules.h"

#define SW	"10.0.0.52"
#define RCV	"10.0.0.70"

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

static struct rule_capture
base_capture(const char *local, const char *remote)
{
	struct rule_capture c;

	memset(&c, 0, sizeof(c));
	c.local = addr(local);
	c.remote = addr(remote);
	c.erspan_src = addr(SW);
	c.receiver = addr(RCV);
	strcpy(c.in_interface, "swp+");
	return c;
}

struct render_case {
	const char	*what;
	const char	*local, *remote;
	uint8_t		 local_plen, remote_plen, proto, ttl;
	uint16_t	 local_port, remote_port;
	const char	*ifname;	/* NULL: swp+ */
	const char	*section, *line0, *line1;
};

#define TAIL	" -j ERSPAN --src-ip " SW " --dst-ip " RCV

static const struct render_case renders[] = {
	{ "ipv4 hosts", "10.0.0.5", "198.51.100.7", 0, 0, 0, 0, 0, 0, NULL,
	  "[iptables]",
	  "-A FORWARD --in-interface swp+ -s 10.0.0.5 -d 198.51.100.7" TAIL,
	  "-A FORWARD --in-interface swp+ -s 198.51.100.7 -d 10.0.0.5" TAIL },
	{ "ipv6 hosts", "2001:db8::5", "2001:db8:bad::1", 0, 0, 0, 0, 0, 0,
	  NULL, "[ip6tables]",
	  "-A FORWARD --in-interface swp+ -s 2001:db8::5 -d 2001:db8:bad::1"
	  TAIL,
	  "-A FORWARD --in-interface swp+ -s 2001:db8:bad::1 -d 2001:db8::5"
	  TAIL },
	{ "tcp ports", "10.0.0.5", "198.51.100.7", 0, 0, 6, 0, 443, 51000,
	  NULL, "[iptables]",
	  "-A FORWARD --in-interface swp+ -s 10.0.0.5 -d 198.51.100.7 -p tcp "
	  "--sport 443 --dport 51000" TAIL,
	  "-A FORWARD --in-interface swp+ -s 198.51.100.7 -d 10.0.0.5 -p tcp "
	  "--sport 51000 --dport 443" TAIL },
	{ "udp remote port only", "10.0.0.5", "192.0.2.53", 0, 0, 17, 0, 0, 53,
	  NULL, "[iptables]",
	  "-A FORWARD --in-interface swp+ -s 10.0.0.5 -d 192.0.2.53 -p udp "
	  "--dport 53" TAIL,
	  "-A FORWARD --in-interface swp+ -s 192.0.2.53 -d 10.0.0.5 -p udp "
	  "--sport 53" TAIL },
	{ "other protocol", "10.0.0.5", "198.51.100.7", 0, 0, 47, 0, 0, 0,
	  NULL, "[iptables]",
	  "-A FORWARD --in-interface swp+ -s 10.0.0.5 -d 198.51.100.7 -p 47"
	  TAIL,
	  "-A FORWARD --in-interface swp+ -s 198.51.100.7 -d 10.0.0.5 -p 47"
	  TAIL },
	{ "prefixes", "10.0.0.0", "203.0.113.0", 24, 25, 0, 0, 0, 0, NULL,
	  "[iptables]",
	  "-A FORWARD --in-interface swp+ -s 10.0.0.0/24 -d 203.0.113.0/25"
	  TAIL,
	  "-A FORWARD --in-interface swp+ -s 203.0.113.0/25 -d 10.0.0.0/24"
	  TAIL },
	{ "full length is a host", "10.0.0.5", "198.51.100.7", 32, 32, 0, 0, 0, 0, NULL, "[iptables]",
	  "-A FORWARD --in-interface swp+ -s 10.0.0.5 -d 198.51.100.7" TAIL,
	  "-A FORWARD --in-interface swp+ -s 198.51.100.7 -d 10.0.0.5" TAIL },
	{ "ipv6 prefix", "2001:db8:1::", "2001:db8:bad::1", 48, 128, 0, 0, 0,
	  0, NULL, "[ip6tables]",
	  "-A FORWARD --in-interface swp+ -s 2001:db8:1::/48 -d "
	  "2001:db8:bad::1" TAIL,
	  "-A FORWARD --in-interface swp+ -s 2001:db8:bad::1 -d "
	  "2001:db8:1::/48" TAIL },
	{ "ttl and interface", "10.0.0.5", "198.51.100.7", 0, 0, 0, 64, 0, 0,
	  "swp1.100", "[iptables]",
	  "-A FORWARD --in-interface swp1.100 -s 10.0.0.5 -d 198.51.100.7"
	  TAIL " --ttl 64",
	  "-A FORWARD --in-interface swp1.100 -s 198.51.100.7 -d 10.0.0.5"
	  TAIL " --ttl 64" },
	{ "ipv4-mapped pair", "::ffff:10.0.0.5", "::ffff:198.51.100.7", 0, 0,
	  0, 0, 0, 0, NULL, "[ip6tables]",
	  "-A FORWARD --in-interface swp+ -s ::ffff:10.0.0.5 -d "
	  "::ffff:198.51.100.7" TAIL,
	  "-A FORWARD --in-interface swp+ -s ::ffff:198.51.100.7 -d "
	  "::ffff:10.0.0.5" TAIL },
};

static void
render_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(renders) / sizeof(renders[0]); i++) {
		const struct render_case *t = &renders[i];
		struct rule_capture c = base_capture(t->local, t->remote);
		struct rule_lines rl;
		char err[RULE_ERR_MAX], json[RULE_BODY_MAX], want[RULE_BODY_MAX];
		int n;

		c.local_plen = t->local_plen;
		c.remote_plen = t->remote_plen;
		c.proto = t->proto;
		c.ttl = t->ttl;
		c.local_port = t->local_port;
		c.remote_port = t->remote_port;
		if (t->ifname != NULL)
			strcpy(c.in_interface, t->ifname);
		err[0] = '\0';
		if (rule_render_lines(&c, &rl, err, sizeof(err)) != 0)
			fail_msg("%s: %s", t->what, err);
		assert_string_equal(rl.section, t->section);
		assert_int_equal(rl.n, 2);
		assert_string_equal(rl.line[0], t->line0);
		assert_string_equal(rl.line[1], t->line1);

		snprintf(want, sizeof(want), "[\"%s\",\"%s\",\"%s\"]",
		    t->section, t->line0, t->line1);
		n = rule_render_json(&c, json, sizeof(json), err, sizeof(err));
		assert_int_equal(n, (int)strlen(want));
		assert_string_equal(json, want);
		/* The ops table renders the same. */
		n = rule_cumulus_ops.render(&c, json, sizeof(json), err,
		    sizeof(err));
		assert_string_equal(json, want);
	}
}

/* Exactly enough room works; one byte less is refused, buf left "". */
static void
render_json_buffer(void **state)
{
	struct rule_capture c = base_capture("10.0.0.5", "198.51.100.7");
	char buf[RULE_BODY_MAX], small[RULE_BODY_MAX], err[RULE_ERR_MAX];
	int n;
	size_t size;

	(void)state;
	n = rule_render_json(&c, buf, sizeof(buf), err, sizeof(err));
	assert_true(n > 0);
	assert_int_equal(rule_render_json(&c, small, (size_t)n + 1, err,
	    sizeof(err)), n);
	assert_string_equal(small, buf);
	for (size = 0; size <= (size_t)n; size++) {
		memset(small, 'X', sizeof(small));
		err[0] = '\0';
		assert_int_equal(rule_render_json(&c, small, size, err,
		    sizeof(err)), -1);
		if (size > 0)
			assert_string_equal(small, "");
		assert_true(strstr(err, "room") != NULL);
	}
}

static void
render_refusals(void **state)
{
	struct rule_capture c;
	struct rule_lines rl;
	char err[RULE_ERR_MAX], buf[RULE_BODY_MAX];
	int i;

	(void)state;
	for (i = 0; i < 14; i++) {
		const char *want = NULL;

		c = base_capture("10.0.0.5", "198.51.100.7");
		switch (i) {
		case 0:
			memset(&c.local, 0, sizeof(c.local));
			want = "local address";
			break;
		case 1:
			c.remote = addr("2001:db8::1");
			want = "different families";
			break;
		case 2:
			c.receiver = addr("2001:db8::70");
			want = "receiver";
			break;
		case 3:
			c.erspan_src = addr("2001:db8::52");
			want = "ERSPAN source";
			break;
		case 4:
			c.receiver = addr("0.0.0.0");
			want = "receiver";
			break;
		case 5:
			memset(&c.erspan_src, 0, sizeof(c.erspan_src));
			want = "ERSPAN source";
			break;
		case 6:
			c.local_port = 80;
			want = "ports need";
			break;
		case 7:
			c.proto = 47;
			c.remote_port = 80;
			want = "ports need";
			break;
		case 8:
			c.local_plen = 33;
			want = "longer than 32";
			break;
		case 9:
			c = base_capture("2001:db8::5", "2001:db8::6");
			c.remote_plen = 129;
			want = "longer than 128";
			break;
		case 10:
			c.local_plen = 24;	/* 10.0.0.5/24 */
			want = "host bits";
			break;
		case 11:
			c = base_capture("2001:db8::5", "2001:db8::6");
			c.local_plen = 64;
			want = "host bits";
			break;
		case 12:
			c.in_interface[0] = '\0';
			want = "in-interface";
			break;
		case 13:
			/* No NUL inside the array: never read past it. */
			memset(c.in_interface, 'a', sizeof(c.in_interface));
			want = "in-interface";
			break;
		}
		err[0] = '\0';
		assert_int_equal(rule_render_lines(&c, &rl, err, sizeof(err)),
		    -1);
		if (strstr(err, want) == NULL)
			fail_msg("case %d: '%s' lacks '%s'", i, err, want);
		assert_int_equal(rl.n, 0);
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(rule_render_json(&c, buf, sizeof(buf), err,
		    sizeof(err)), -1);
		assert_string_equal(buf, "");
	}
}

static void
name_build(void **state)
{
	char buf[RULE_NAME_MAX + 1], err[RULE_ERR_MAX], id[RULE_NAME_MAX + 2];
	char small[8];

	(void)state;
	assert_int_equal(rule_name_build(RULE_DEFAULT_PREFIX, "c42", buf,
	    sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "fscope_c42");
	assert_true(rule_name_ok(buf));
	assert_int_equal(rule_name_build("x", "1", buf, sizeof(buf), err,
	    sizeof(err)), 0);
	assert_string_equal(buf, "x1");

	/* 16 + 48 = 64 characters: the longest name. */
	memset(id, 'd', 48);
	id[48] = '\0';
	assert_int_equal(rule_name_build("pppppppppppppppp", id, buf,
	    sizeof(buf), err, sizeof(err)), 0);
	assert_int_equal(strlen(buf), RULE_NAME_MAX);
	id[48] = 'd';
	id[49] = '\0';
	assert_int_equal(rule_name_build("pppppppppppppppp", id, buf,
	    sizeof(buf), err, sizeof(err)), -1);
	assert_string_equal(buf, "");
	assert_true(strstr(err, "longer") != NULL);

	/* The reserved name. */
	assert_int_equal(rule_name_build("last", "error", buf, sizeof(buf),
	    err, sizeof(err)), -1);
	assert_true(strstr(err, "reserved") != NULL);
	assert_string_equal(buf, "");
	assert_false(rule_name_ok("lasterror"));
	assert_true(rule_name_ok("lasterror_"));

	/* The caller's buffer. */
	assert_int_equal(rule_name_build("fscope_", "c42", small,
	    sizeof(small), err, sizeof(err)), -1);
	assert_string_equal(small, "");
	assert_true(strstr(err, "room") != NULL);

	/* Prefix limits. */
	assert_true(rule_prefix_ok("abcdefghijklmnop"));
	assert_false(rule_prefix_ok("abcdefghijklmnopq"));
	assert_false(rule_prefix_ok(""));
	assert_false(rule_prefix_ok(NULL));
	assert_false(rule_name_ok(NULL));
	assert_false(rule_name_ok(""));
	memset(id, 'n', RULE_NAME_MAX + 1);
	id[RULE_NAME_MAX + 1] = '\0';
	assert_false(rule_name_ok(id));
	id[RULE_NAME_MAX] = '\0';
	assert_true(rule_name_ok(id));
}

/* What a peer, a config or a REST body might try to slip in. */
static const char *const evil[] = {
	";", "swp+;reboot", "swp+ -j ACCEPT", "-j", "-jACCEPT", "swp\"",
	"swp'", "swp\n", "swp\r", "swp\t", "swp ", " swp", "\"", "'", "\n",
	"a\nb", "$(reboot)", "`id`", "swp+\\", "swp,", "swp]", "[swp",
	"swp\x7f", "sw\xc3\xa9", "swp\x01", "swp/1", "swp*", "swp&", "swp|",
	"swp>x", "swp#", "swp%s", "swp{", "swp=1", "aaaaaaaaaaaaaaaaa",
	"swp1234567890123", "UPPER", "-", "+", "_lead-ok?", "x\"]",
	"x\",\"-A INPUT -j DROP", "",
};

/* Bytes of s none of which rule text may hold besides what we emit. */
static int
has_forbidden(const char *s)
{
	for (; *s != '\0'; s++)
		if (strchr(";'\n\r\t\\`$|&<>#{}*=%", *s) != NULL ||
		    (unsigned char)*s >= 0x7f || (unsigned char)*s < 0x20)
			return 1;
	return 0;
}

static void
injection_ifname(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		struct rule_capture c = base_capture("10.0.0.5",
		    "198.51.100.7");
		struct rule_lines rl;
		char buf[RULE_BODY_MAX], err[RULE_ERR_MAX];
		int ok_expected;

		/* Only these are valid patterns: the rest must be refused. */
		ok_expected = strcmp(evil[i], "UPPER") == 0;
		snprintf(c.in_interface, sizeof(c.in_interface), "%s",
		    evil[i]);
		if (strlen(evil[i]) >= sizeof(c.in_interface)) {
			/* Truncated into the array: use it unterminated. */
			memcpy(c.in_interface, evil[i],
			    sizeof(c.in_interface));
		}
		if (strcmp(evil[i], "swp1234567890123") == 0)
			ok_expected = 0;	/* 16 characters */
		memset(buf, 'X', sizeof(buf));
		if (ok_expected) {
			assert_true(rule_render_json(&c, buf, sizeof(buf), err,
			    sizeof(err)) > 0);
			continue;
		}
		if (rule_render_json(&c, buf, sizeof(buf), err,
		    sizeof(err)) != -1)
			fail_msg("rendered with interface '%s': %s", evil[i],
			    buf);
		assert_string_equal(buf, "");
		assert_int_equal(rule_render_lines(&c, &rl, err, sizeof(err)),
		    -1);
		assert_int_equal(rl.n, 0);
		assert_false(rule_ifname_ok(evil[i]));
	}
}

static void
injection_names(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		char buf[RULE_NAME_MAX + 1], err[RULE_ERR_MAX];
		/* Plain [a-z0-9] text is fine as an id, and as a prefix up to
		 * 16 characters: only those two are. */
		int good_id = strcmp(evil[i], "aaaaaaaaaaaaaaaaa") == 0 ||
		    strcmp(evil[i], "swp1234567890123") == 0;
		int good_prefix = strcmp(evil[i], "swp1234567890123") == 0;

		/* As the prefix. */
		memset(buf, 'X', sizeof(buf));
		if (good_prefix)
			assert_int_equal(rule_name_build(evil[i], "c1", buf,
			    sizeof(buf), err, sizeof(err)), 0);
		else {
			if (rule_name_build(evil[i], "c1", buf, sizeof(buf),
			    err, sizeof(err)) != -1)
				fail_msg("built a name with prefix '%s'",
				    evil[i]);
			assert_string_equal(buf, "");
		}
		/* As the capture id. */
		memset(buf, 'X', sizeof(buf));
		if (good_id) {
			assert_int_equal(rule_name_build("fscope_", evil[i],
			    buf, sizeof(buf), err, sizeof(err)), 0);
			continue;
		}
		if (rule_name_build("fscope_", evil[i], buf, sizeof(buf), err,
		    sizeof(err)) != -1)
			fail_msg("built a name with id '%s'", evil[i]);
		assert_string_equal(buf, "");
		assert_false(rule_name_ok(evil[i]));
	}
	/* Overlong text, far past every limit. */
	{
		char big[4096], buf[RULE_NAME_MAX + 1], err[RULE_ERR_MAX];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(rule_name_build(big, "c1", buf, sizeof(buf),
		    err, sizeof(err)), -1);
		assert_int_equal(rule_name_build("fscope_", big, buf,
		    sizeof(buf), err, sizeof(err)), -1);
		assert_false(rule_name_ok(big));
		assert_false(rule_ifname_ok(big));
	}
}

static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* An independent statement of the interface pattern rule. */
static int
ifname_model(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 15 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    strchr("_.:+-", s[i]) != NULL) || s[i] == '\0')
			return 0;
	return 1;
}

/*
 * Random bytes as the interface pattern, most of them drawn from the
 * allowed alphabet so that both outcomes are exercised: rendering
 * succeeds exactly when the model says so, and what it renders holds
 * nothing forbidden and the pattern in its one place.
 */
static void
fuzz_ifname(void **state)
{
	static const char alphabet[] = "abcjXYZ019_.:+-";
	static const char evil_bytes[] = " ;\"'\n\r\t\\$`,[]";
	uint64_t seed = 0x5eed;
	int i, rendered = 0, refused = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct rule_capture c = base_capture("10.0.0.5",
		    "198.51.100.7");
		char buf[RULE_BODY_MAX], err[RULE_ERR_MAX], want[64];
		size_t len = next(&seed) % 18, k;
		int n;

		memset(c.in_interface, 0, sizeof(c.in_interface));
		for (k = 0; k < len && k < sizeof(c.in_interface); k++) {
			uint64_t r = next(&seed);

			if ((r & 7) == 0)
				c.in_interface[k] = (char)(r >> 8);
			else if ((r & 7) == 1)
				c.in_interface[k] = evil_bytes[(r >> 8) %
				    (sizeof(evil_bytes) - 1)];
			else
				c.in_interface[k] = alphabet[(r >> 8) %
				    (sizeof(alphabet) - 1)];
		}
		memset(buf, 'X', sizeof(buf));
		n = rule_render_json(&c, buf, sizeof(buf), err, sizeof(err));
		if (memchr(c.in_interface, '\0', sizeof(c.in_interface)) !=
		    NULL && ifname_model(c.in_interface)) {
			assert_true(n > 0);
			assert_false(has_forbidden(buf));
			snprintf(want, sizeof(want), "--in-interface %s -s ",
			    c.in_interface);
			assert_non_null(strstr(buf, want));
			rendered++;
		} else {
			assert_int_equal(n, -1);
			assert_string_equal(buf, "");
			refused++;
		}
	}
	/* Both branches ran often enough to mean something. */
	assert_true(rendered > 1000);
	assert_true(refused > 1000);
}

/* Random ids: a name is built exactly when the id is [a-z0-9_]{1,}. */
static void
fuzz_names(void **state)
{
	uint64_t seed = 42;
	int i, built = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		char id[24], buf[RULE_NAME_MAX + 1], err[RULE_ERR_MAX];
		size_t len = next(&seed) % 12, k;
		int model = len > 0;

		for (k = 0; k < len; k++) {
			uint64_t r = next(&seed);

			id[k] = (r & 1) ? "az09_-; \"A"[(r >> 8) % 10] :
			    (char)((r >> 8) | 1);
			if (!((id[k] >= 'a' && id[k] <= 'z') ||
			    (id[k] >= '0' && id[k] <= '9') || id[k] == '_'))
				model = 0;
		}
		id[len] = '\0';
		if (rule_name_build("fscope_", id, buf, sizeof(buf), err,
		    sizeof(err)) == 0) {
			assert_true(model);
			assert_true(rule_name_ok(buf));
			assert_false(has_forbidden(buf));
			built++;
		} else {
			assert_false(model);
			assert_string_equal(buf, "");
		}
	}
	assert_true(built > 100);
}

static void
backend_table(void **state)
{
	(void)state;
	assert_ptr_equal(rule_backend_find("cumulus-acl"), &rule_cumulus_ops);
	assert_ptr_equal(rule_backend_find("ovs"), &rule_ovs_ops);
	assert_null(rule_backend_find(""));
	assert_string_equal(rule_status_name(RULE_OK), "ok");
	assert_string_equal(rule_status_name(RULE_COMPILE_FAILED),
	    "compile_failed");
	assert_string_equal(rule_status_name(RULE_ERROR), "error");
	assert_string_equal(rule_status_name(RULE_ABSENT), "absent");
	assert_string_equal(rule_status_name(RULE_MISMATCH), "mismatch");
	assert_string_equal(rule_status_name((enum rule_status)99),
	    "unknown");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(render_table),
	cmocka_unit_test(render_json_buffer),
	cmocka_unit_test(render_refusals),
	cmocka_unit_test(name_build),
	cmocka_unit_test(injection_ifname),
	cmocka_unit_test(injection_names),
	cmocka_unit_test(fuzz_ifname),
	cmocka_unit_test(fuzz_names),
	cmocka_unit_test(backend_table),
};

FS_TEST_MAIN(tests)
