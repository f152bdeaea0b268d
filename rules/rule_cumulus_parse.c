/*
 * rule_cumulus_parse.c - reading the acl_server's response bodies with
 * jansson: an ACL's lines, the list of names, and lasterror.
 *
 * Bodies are at most RULE_MAX_BODY bytes (the HTTP engine's write
 * callback stops there) and what we keep is capped again: RULE_MAX_LINES
 * lines of at most RULE_LINE_MAX - 1 bytes, RULE_MAX_NAMES names.  Every
 * string kept is sanitised (control and non-ASCII bytes become '?'):
 * it is the switch's text, for logs and comparison only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rule_impl.h"

void
rule_strings_free(struct rule_strings *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Keep a copy of text (cut at max_len bytes) as the next string. */
static int
keep(struct rule_strings *s, const char *text, size_t max_len, size_t cap)
{
	char **v, *copy;
	size_t n = strlen(text);

	if (s->n >= cap) {
		s->skipped++;
		return 0;
	}
	if (n > max_len) {
		n = max_len;
		s->skipped++;	/* kept cut short: never matches */
	}
	if ((copy = malloc(n + 1)) == NULL)
		return -1;
	memcpy(copy, text, n);
	copy[n] = '\0';
	rule_sanitize(copy);
	if ((v = realloc(s->v, (s->n + 1) * sizeof(*v))) == NULL) {
		free(copy);
		return -1;
	}
	s->v = v;
	s->v[s->n++] = copy;
	return 0;
}

static json_t *
load(const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errlen, "bad JSON from the switch at line %d "
		    "column %d: %s", je.line, je.column, je.text);
		rule_sanitize(err);
	}
	return j;
}

/* The strings of array a: lines (names: only rule_name_ok() ones). */
static int
keep_array(const json_t *a, int names, struct rule_strings *s, char *err,
    size_t errlen)
{
	size_t i;
	json_t *item;

	json_array_foreach(a, i, item) {
		const char *t = json_string_value(item);

		if (t == NULL || (names && !rule_name_ok(t))) {
			s->skipped++;
			continue;
		}
		if (keep(s, t, names ? RULE_NAME_MAX : RULE_LINE_MAX - 1,
		    names ? RULE_MAX_NAMES : RULE_MAX_LINES) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int
rule_parse_lines(const char *body, size_t len, struct rule_strings *s,
    char *err, size_t errlen)
{
	json_t *j, *a;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if ((j = load(body, len, err, errlen)) == NULL)
		return -1;
	a = json_is_object(j) ? json_object_get(j, "lines") : j;
	if (!json_is_array(a))
		snprintf(err, errlen, "expected a JSON array of rule lines");
	else
		rc = keep_array(a, 0, s, err, errlen);
	json_decref(j);
	if (rc == -1)
		rule_strings_free(s);
	return rc;
}

int
rule_parse_names(const char *body, size_t len, struct rule_strings *s,
    char *err, size_t errlen)
{
	const char *key;
	json_t *j, *v;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if ((j = load(body, len, err, errlen)) == NULL)
		return -1;
	if (json_is_array(j))
		rc = keep_array(j, 1, s, err, errlen);
	else if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			(void)v;
			if (!rule_name_ok(key)) {
				s->skipped++;
				continue;
			}
			if (keep(s, key, RULE_NAME_MAX, RULE_MAX_NAMES) == -1) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
		}
	} else {
		snprintf(err, errlen, "expected a JSON list of ACL names");
		rc = -1;
	}
	json_decref(j);
	if (rc == -1)
		rule_strings_free(s);
	return rc;
}

int
rule_parse_lasterror(const char *body, size_t len, long *rc,
    struct rule_strings *s, char *err, size_t errlen)
{
	json_t *j, *code, *lines;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	*rc = 0;
	if ((j = load(body, len, err, errlen)) == NULL)
		return -1;
	code = json_object_get(j, "returncode");
	lines = json_object_get(j, "lines");
	if (!json_is_object(j) || !json_is_integer(code))
		snprintf(err, errlen, "lasterror without a returncode");
	else if (lines != NULL && !json_is_array(lines))
		snprintf(err, errlen, "lasterror lines are not an array");
	else {
		json_int_t v = json_integer_value(code);

		*rc = v > 1000000 ? 1000000 : v < -1000000 ? -1000000 :
		    (long)v;
		ret = lines != NULL ? keep_array(lines, 0, s, err, errlen) : 0;
	}
	json_decref(j);
	if (ret == -1)
		rule_strings_free(s);
	return ret;
}

/*
 * The length of s without trailing spaces (and what sanitising made of
 * tabs and CRs: '?', which rule text never ends with).
 */
static size_t
trimmed(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '?'))
		n--;
	return n;
}

int
rule_lines_match(const struct rule_strings *s, const struct rule_lines *r)
{
	size_t i, k = 0, n;

	for (i = 0; i < s->n; i++) {
		n = trimmed(s->v[i]);
		if (n == 0)
			continue;
		if (s->v[i][0] == '[') {
			/* A section marker: ours, or another rule. */
			if (n != strlen(r->section) ||
			    memcmp(s->v[i], r->section, n) != 0)
				return 0;
			continue;
		}
		if (k == r->n || n != strlen(r->line[k]) ||
		    memcmp(s->v[i], r->line[k], n) != 0)
			return 0;
		k++;
	}
	return k == r->n && s->skipped == 0;
}
