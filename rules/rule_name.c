/*
 * rule_name.c - the strings that may reach a switch: ACL names, their
 * prefix, and the in-interface pattern.
 *
 * These are allow-lists, not deny-lists: a name is [a-z0-9_] (what the
 * acl_server accepts, and nothing a shell, a URL or iptables reads
 * specially), an interface pattern is what Linux interface names and
 * iptables' "+" wildcard need.  Lengths are checked before anything is
 * copied.
 */
#include <stdio.h>
#include <string.h>

#include "rules.h"

static int
is_name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '_';
}

static int
is_ifname_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
	    ch == ':' || ch == '+' || ch == '-';
}

/* 1 if s is 1..max characters, each accepted by ok. */
static int
all_of(const char *s, size_t max, int (*ok)(unsigned char))
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i == max || !ok((unsigned char)s[i]))
			return 0;
	return i > 0;
}

int
rule_ifname_ok(const char *s)
{
	unsigned char first = s != NULL ? (unsigned char)s[0] : 0;

	/*
	 * A letter or digit first: "-j" is a valid Linux name, but would
	 * read like an option to anyone checking the rule by eye.
	 */
	if (!((first >= 'a' && first <= 'z') || (first >= 'A' &&
	    first <= 'Z') || (first >= '0' && first <= '9')))
		return 0;
	return all_of(s, RULE_IFNAME_MAX, is_ifname_char);
}

int
rule_prefix_ok(const char *s)
{
	return all_of(s, RULE_PREFIX_MAX, is_name_char);
}

int
rule_name_ok(const char *s)
{
	return all_of(s, RULE_NAME_MAX, is_name_char) &&
	    strcmp(s, RULE_RESERVED_NAME) != 0;
}

int
rule_name_build(const char *prefix, const char *capture_id, char *buf,
    size_t size, char *err, size_t errlen)
{
	size_t lp, li;

	if (size > 0)
		buf[0] = '\0';
	if (!rule_prefix_ok(prefix)) {
		snprintf(err, errlen, "bad rule name prefix: expected 1 to %d "
		    "of [a-z0-9_]", RULE_PREFIX_MAX);
		return -1;
	}
	if (!all_of(capture_id, RULE_ID_MAX, is_name_char)) {
		snprintf(err, errlen, "bad capture id for a rule name: "
		    "expected 1 to %d of [a-z0-9_]", RULE_ID_MAX);
		return -1;
	}
	lp = strlen(prefix);
	li = strlen(capture_id);
	if (lp + li > RULE_NAME_MAX) {
		snprintf(err, errlen, "rule name longer than %d characters",
		    RULE_NAME_MAX);
		return -1;
	}
	if (lp + li >= size) {
		snprintf(err, errlen, "no room for the rule name");
		return -1;
	}
	memcpy(buf, prefix, lp);
	memcpy(buf + lp, capture_id, li + 1);
	if (!rule_name_ok(buf)) {
		/* Only "lasterror" is left to refuse. */
		snprintf(err, errlen, "rule name '%s' is reserved", buf);
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
