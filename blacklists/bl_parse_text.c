/*
 * bl_parse_text.c - the line-per-address formats: plain, emerging-threats
 * and FireHOL netsets.
 *
 * plain: one "ADDR" or "ADDR/LEN" per line, then optionally blanks and a
 * trailing '#' or ';' comment.  Lines starting with '#' or ';' are
 * comments.  Entries carry no label.
 *
 * emerging-threats (rules.emergingthreats.net/fwrules/emerging-Block-IPs.txt):
 * plain, in sections that a comment line names ("# Feodo", "#Spamhaus DROP
 * Nets", "#Dshield Top Attackers", ...).  A comment cannot say whether it
 * is a section name or a remark, so the rule is positional:
 *  - blank lines, and comments whose first word is an address (an entry
 *    commented out), are ignored;
 *  - any other comment ends the current section.  A comment with text
 *    becomes the candidate name; one of decoration only ("#", "#####")
 *    clears the candidate, so a banner's last line does not name what
 *    follows it;
 *  - the first non-comment line after comments opens a new section named
 *    by the candidate (no label if there is none), which lasts until the
 *    next comment.
 * So the name of a run of entries is the last comment line before it, when
 * only blank lines lie between.
 *
 * firehol (FireHOL update-ipsets netsets, e.g. firehol_level1.netset):
 * plain, with a header of "# Key : value" lines.  "# Entries : 123
 * subnets, 456 unique IPs" (hash:net) or "# Entries : 456 unique IPs"
 * (hash:ip) gives declared_entries, the first number after the colon: the
 * number of lines the set holds either way.  "# Category : attacks" gives
 * category.  The first of each counts; keys are case-insensitive.
 */
#include <string.h>

#include "bl_parse.h"

static int
is_comment(const struct bl_line *l)
{
	uint8_t b = cursor_peek_u8(&l->c, 0);

	return cursor_left(&l->c) > 0 && (b == '#' || b == ';');
}

/* Past the comment marks ("#", "###", ";") and the blanks after them. */
static struct cursor
comment_text(const struct bl_line *l)
{
	struct cursor t = l->c;

	while (cursor_left(&t) > 0 && (cursor_peek_u8(&t, 0) == '#' ||
	    cursor_peek_u8(&t, 0) == ';'))
		cursor_skip(&t, 1);
	bl_skip_blanks(&t);
	return t;
}

/* An entry line of the text formats, with its label. */
static void
text_entry(struct bl_parser *p, struct bl_line *l, const char *label)
{
	struct netaddr a;
	const char *why;
	uint8_t plen;
	int host_bits;

	if ((why = bl_parse_text_entry(&l->c, &a, &plen, &host_bits)) != NULL)
		bl_reject(p, l, why);
	else if (!l->terminated)
		bl_reject(p, l, "no newline at end (truncated?)");
	else
		bl_add(p, l, &a, plen, host_bits, label);
}

void
bl_parse_plain_line(struct bl_parser *p, struct bl_line *l)
{
	if (cursor_left(&l->c) == 0 || is_comment(l))
		return;
	text_entry(p, l, NULL);
}

/* Does the comment's first word parse as an address (an entry put aside)? */
static int
is_commented_entry(struct cursor t)
{
	struct cursor tok = bl_token(&t, "#;");
	struct netaddr a;
	uint8_t plen;
	int host_bits;

	return cursor_left(&tok) > 0 &&
	    bl_parse_prefix(&tok, 1, &a, &plen, &host_bits) == NULL;
}

void
bl_parse_et_line(struct bl_parser *p, struct bl_line *l)
{
	struct cursor t;

	if (cursor_left(&l->c) == 0)
		return;
	if (is_comment(l)) {
		t = comment_text(l);
		if (is_commented_entry(t))
			return;
		p->et_after_comments = 1;
		bl_sanitise_rest(p->et_candidate, &t);
		return;
	}
	if (p->et_after_comments) {
		memcpy(p->et_section, p->et_candidate, sizeof(p->et_section));
		p->et_after_comments = 0;
	}
	text_entry(p, l, p->et_section);
}

/* After "Key": blanks, ':', blanks; 0 if the colon is not there. */
static int
header_colon(struct cursor *t)
{
	bl_skip_blanks(t);
	if (cursor_left(t) == 0 || cursor_u8(t) != ':')
		return 0;
	bl_skip_blanks(t);
	return 1;
}

/* A decimal number at the start of the view; 0 if none or too large. */
static uint64_t
header_number(struct cursor *t)
{
	uint64_t v = 0;
	int digits = 0;

	while (cursor_left(t) > 0 && cursor_peek_u8(t, 0) >= '0' &&
	    cursor_peek_u8(t, 0) <= '9') {
		unsigned d = (unsigned)(cursor_u8(t) - '0');

		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
		digits++;
	}
	return digits > 0 ? v : 0;
}

static void
firehol_header(struct bl_parser *p, struct bl_line *l)
{
	struct bl_parse_report *r = p->report;
	struct cursor t = comment_text(l);

	if (bl_take_word(&t, "entries")) {
		if (r->declared_entries == 0 && header_colon(&t))
			r->declared_entries = header_number(&t);
	} else if (bl_take_word(&t, "category")) {
		if (r->category[0] == '\0' && header_colon(&t))
			bl_sanitise_rest(r->category, &t);
	}
}

void
bl_parse_firehol_line(struct bl_parser *p, struct bl_line *l)
{
	if (cursor_left(&l->c) == 0)
		return;
	if (is_comment(l)) {
		if (l->terminated)
			firehol_header(p, l);
		return;
	}
	text_entry(p, l, NULL);
}
