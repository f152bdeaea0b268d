/*
 * bl_parse_spamhaus.c - Spamhaus DROP lists (https://www.spamhaus.org/drop/),
 * as text and as JSON lines.
 *
 * spamhaus-drop (drop.txt, edrop.txt, dropv6.txt): header lines start with
 * ';', e.g.
 *	; Spamhaus DROP List 2026/11/22 - (c) 2026 The Spamhaus Project SLU
 *	; Last-Modified: Sat, 22 Nov 2026 09:00:00 GMT
 *	; Expires: Sun, 23 Nov 2026 10:00:00 GMT
 * and entries are "CIDR ; SBLnnnn": the first word after the ';' is the
 * label (an entry without "; ..." has none).  "; Expires:" gives
 * report.expires (RFC 1123, UTC; the first one that parses counts).  '#'
 * lines are taken as comments as well.
 *
 * spamhaus-json (drop_v4.json, drop_v6.json): one JSON object per line,
 *	{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
 * "cidr" must be a string, "sblid" (the label) a string if present, "rir"
 * is ignored.  The closing line
 *	{"type":"metadata","timestamp":...,"size":...,"records":N,...}
 * is not an entry; its "records" gives declared_entries.  Each line is
 * parsed alone with jansson (json_loadb on the line's bytes, at most
 * BL_LINE_MAX of them; duplicate keys rejected).
 *
 * A last line without a newline is no more trusted here than in the text
 * formats, although a cut object never parses: a line that a complete
 * object starts, "{...}garbage", is rejected whole but parses once cut
 * after its '}'.  So such a line is rejected when it is an entry, and
 * ignored (neither read nor rejected) when it is the metadata, which
 * Spamhaus may well end the file with.
 */
#include <string.h>

#include <jansson.h>

#include "bl_parse.h"

/* ---- RFC 1123 dates ------------------------------------------------- */

static int
take_number(struct cursor *c, int min_digits, int max_digits, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max_digits && cursor_left(c) > 0 &&
	    cursor_peek_u8(c, 0) >= '0' && cursor_peek_u8(c, 0) <= '9') {
		*v = *v * 10 + (cursor_u8(c) - '0');
		n++;
	}
	return n >= min_digits;
}

static int
take_char(struct cursor *c, uint8_t ch)
{
	if (cursor_left(c) == 0 || cursor_peek_u8(c, 0) != ch)
		return 0;
	cursor_skip(c, 1);
	return 1;
}

/* Which of names (three letters each, case-sensitive) comes next; -1. */
static int
take_name(struct cursor *c, const char *const *names, int n)
{
	const uint8_t *p;
	int i;

	if (cursor_left(c) < 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (cursor_peek_u8(c, 0) == (uint8_t)names[i][0] &&
		    cursor_peek_u8(c, 1) == (uint8_t)names[i][1] &&
		    cursor_peek_u8(c, 2) == (uint8_t)names[i][2]) {
			p = cursor_take(c, 3);
			return p != NULL ? i : -1;
		}
	}
	return -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

int
bl_parse_http_date(struct cursor *c, time_t *t)
{
	static const char *const wkdays[] = {
		"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	int day, mon, year, hh, mm, ss;

	*t = 0;
	if (take_name(c, wkdays, 7) < 0 || !take_char(c, ',') ||
	    !take_char(c, ' ') || !take_number(c, 1, 2, &day) ||
	    !take_char(c, ' ') || (mon = take_name(c, months, 12)) < 0 ||
	    !take_char(c, ' ') || !take_number(c, 4, 4, &year) ||
	    !take_char(c, ' ') || !take_number(c, 2, 2, &hh) ||
	    !take_char(c, ':') || !take_number(c, 2, 2, &mm) ||
	    !take_char(c, ':') || !take_number(c, 2, 2, &ss) ||
	    !take_char(c, ' ') || !take_char(c, 'G') || !take_char(c, 'M') ||
	    !take_char(c, 'T') || cursor_left(c) != 0)
		return -1;
	mon++;
	if (year < 1970 || day < 1 || day > days_in_month(year, mon) ||
	    hh > 23 || mm > 59 || ss > 60)
		return -1;
	*t = (time_t)(days_from_civil(year, mon, day) * 86400 +
	    hh * 3600 + mm * 60 + ss);
	return 0;
}

/* ---- drop.txt ------------------------------------------------------- */

static void
drop_header(struct bl_parser *p, struct bl_line *l)
{
	struct cursor t = l->c;
	time_t when;

	while (cursor_left(&t) > 0 && (cursor_peek_u8(&t, 0) == ';' ||
	    cursor_peek_u8(&t, 0) == '#'))
		cursor_skip(&t, 1);
	bl_skip_blanks(&t);
	if (p->report->expires == 0 && bl_take_word(&t, "expires:")) {
		bl_skip_blanks(&t);
		if (bl_parse_http_date(&t, &when) == 0)
			p->report->expires = when;
	}
}

void
bl_parse_drop_line(struct bl_parser *p, struct bl_line *l)
{
	struct cursor tok;
	struct netaddr a;
	char label[BL_LABEL_MAX];
	const char *why;
	uint8_t plen, b;
	int host_bits;

	if (cursor_left(&l->c) == 0)
		return;
	b = cursor_peek_u8(&l->c, 0);
	if (b == ';' || b == '#') {
		if (l->terminated)
			drop_header(p, l);
		return;
	}
	label[0] = '\0';
	tok = bl_token(&l->c, ";#");
	if ((why = bl_parse_prefix(&tok, 1, &a, &plen, &host_bits)) != NULL) {
		bl_reject(p, l, why);
		return;
	}
	bl_skip_blanks(&l->c);
	b = cursor_peek_u8(&l->c, 0);
	if (cursor_left(&l->c) > 0 && b == ';') {
		cursor_skip(&l->c, 1);
		bl_skip_blanks(&l->c);
		tok = bl_token(&l->c, "");
		bl_sanitise_rest(label, &tok);
	} else if (cursor_left(&l->c) > 0 && b != '#') {
		bl_reject(p, l, "unexpected text after the address");
		return;
	}
	if (!l->terminated) {
		bl_reject(p, l, "no newline at end (truncated?)");
		return;
	}
	bl_add(p, l, &a, plen, host_bits, label);
}

/* ---- drop_v4.json, drop_v6.json ------------------------------------- */

/* The metadata line: "records" is the feed's own count. */
static void
json_metadata(struct bl_parser *p, const struct bl_line *l, json_t *o)
{
	json_t *records = json_object_get(o, "records");

	if (l->terminated && json_is_integer(records) &&
	    json_integer_value(records) > 0 &&
	    p->report->declared_entries == 0)
		p->report->declared_entries =
		    (uint64_t)json_integer_value(records);
}

/* One object: NULL and an entry, or the reason it is not one. */
static const char *
json_entry(struct bl_parser *p, struct bl_line *l, json_t *o)
{
	json_t *type, *cidr, *sblid;
	struct cursor c;
	struct netaddr a;
	char label[BL_LABEL_MAX];
	const char *why;
	uint8_t plen;
	int host_bits;

	if (!json_is_object(o))
		return "not a JSON object";
	type = json_object_get(o, "type");
	if (json_is_string(type) &&
	    strcmp(json_string_value(type), "metadata") == 0) {
		json_metadata(p, l, o);
		return NULL;
	}
	cidr = json_object_get(o, "cidr");
	if (!json_is_string(cidr))
		return "no \"cidr\" string";
	sblid = json_object_get(o, "sblid");
	if (sblid != NULL && !json_is_string(sblid))
		return "\"sblid\" is not a string";
	cursor_init(&c, json_string_value(cidr), json_string_length(cidr));
	if ((why = bl_parse_prefix(&c, 1, &a, &plen, &host_bits)) != NULL)
		return why;
	if (!l->terminated)
		return "no newline at end (truncated?)";
	label[0] = '\0';
	if (sblid != NULL)
		bl_sanitise(label, (const uint8_t *)json_string_value(sblid),
		    json_string_length(sblid));
	bl_add(p, l, &a, plen, host_bits, label);
	return NULL;
}

void
bl_parse_drop_json_line(struct bl_parser *p, struct bl_line *l)
{
	size_t n = cursor_left(&l->c);
	const uint8_t *text;
	json_error_t jerr;
	const char *why;
	json_t *o;

	if (n == 0)
		return;
	text = cursor_take(&l->c, n);
	o = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		bl_reject(p, l, "not JSON");
		return;
	}
	if ((why = json_entry(p, l, o)) != NULL)
		bl_reject(p, l, why);
	json_decref(o);
}
