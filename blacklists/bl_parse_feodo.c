/*
 * bl_parse_feodo.c - abuse.ch Feodo Tracker CSV
 * (https://feodotracker.abuse.ch/downloads/ipblocklist.csv):
 *
 *	# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)
 *	"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
 *	"2021-01-17 07:44:46","51.178.161.32","4643","online","2021-08-18","Dridex"
 *
 * Lines starting with '#' are comments.  The first other line is the header
 * and columns are found by name (case-insensitive): "dst_ip" is required,
 * "dst_port" and "malware" are optional.  A header written as a comment
 * ("# "first_seen_utc","dst_ip",..." as abuse.ch's ThreatFox does) is
 * taken too, as long as no header was seen yet.  Lines before a header are
 * rejected.
 *
 * Fields follow RFC 4180 within one line: quoted ("" is a quote inside) or
 * bare; blanks around a field are dropped.  A quote cannot span lines.
 * dst_ip must be a bare address (no /LEN).  The label is the malware name
 * with the port appended, "Dridex (port 443)": the port says which
 * service of the host is the C2, and the same address listed for two
 * ports stays two entries, one per label.  A port that is not a number
 * 0..65535 is left out of the label; an empty malware name leaves "port
 * 443".
 *
 * A last line without a newline is rejected as in the text formats: even a
 * closing quote does not prove the row whole (a cut between the two quotes
 * of "" reads as a closed field).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bl_parse.h"

struct csv_field {
	const char	*text;		/* in the row's scratch buffer */
	size_t		 len;
};

struct csv_row {
	struct csv_field f[BL_CSV_MAX_FIELDS];
	size_t		 n;		/* fields kept (at most the max) */
	char		 buf[BL_LINE_MAX];
};

static int
is_blank(uint8_t b)
{
	return b == ' ' || b == '\t';
}

/* Split a line into row; NULL, or the reason it is not a CSV row. */
static const char *
csv_split(struct cursor *c, struct csv_row *row)
{
	size_t used = 0, start, len;
	uint8_t b;

	row->n = 0;
	for (;;) {
		start = used;
		bl_skip_blanks(c);
		if (cursor_left(c) > 0 && cursor_peek_u8(c, 0) == '"') {
			cursor_skip(c, 1);
			for (;;) {
				if (cursor_left(c) == 0)
					return "unterminated quote";
				b = cursor_u8(c);
				if (b == '"') {
					if (cursor_peek_u8(c, 0) != '"')
						break;
					cursor_skip(c, 1);
				}
				row->buf[used++] = (char)b;
			}
			bl_skip_blanks(c);
		} else {
			while (cursor_left(c) > 0 &&
			    cursor_peek_u8(c, 0) != ',') {
				b = cursor_u8(c);
				if (b == '"')
					return "quote inside a bare field";
				row->buf[used++] = (char)b;
			}
			while (used > start && is_blank(row->buf[used - 1]))
				used--;
		}
		len = used - start;
		if (row->n < BL_CSV_MAX_FIELDS) {
			row->f[row->n].text = row->buf + start;
			row->f[row->n].len = len;
			row->n++;
		}
		if (cursor_left(c) == 0)
			return NULL;
		if (cursor_u8(c) != ',')
			return "unexpected text after a quoted field";
	}
}

static int
field_is(const struct csv_field *f, const char *name)
{
	return f->len == strlen(name) && strncasecmp(f->text, name, f->len) == 0;
}

/* Look for the columns; 1 if this row is a header (it has dst_ip). */
static int
csv_header(struct bl_parser *p, const struct csv_row *row)
{
	int ip = -1, port = -1, malware = -1;
	size_t i;

	for (i = 0; i < row->n; i++) {
		if (ip < 0 && field_is(&row->f[i], "dst_ip"))
			ip = (int)i;
		else if (port < 0 && field_is(&row->f[i], "dst_port"))
			port = (int)i;
		else if (malware < 0 && field_is(&row->f[i], "malware"))
			malware = (int)i;
	}
	if (ip < 0)
		return 0;
	p->csv_have_header = 1;
	p->csv_ip = ip;
	p->csv_port = port;
	p->csv_malware = malware;
	return 1;
}

/* A port number 0..65535, or -1. */
static int
csv_port(const struct csv_field *f)
{
	int v = 0;
	size_t i;

	if (f->len == 0 || f->len > 5)
		return -1;
	for (i = 0; i < f->len; i++) {
		if (f->text[i] < '0' || f->text[i] > '9')
			return -1;
		v = v * 10 + (f->text[i] - '0');
	}
	return v <= 65535 ? v : -1;
}

static void
csv_entry(struct bl_parser *p, struct bl_line *l, const struct csv_row *row)
{
	char text[BL_LABEL_MAX + 32], label[BL_LABEL_MAX];
	struct cursor c;
	struct netaddr a;
	const char *why;
	size_t need, mlen = 0;
	uint8_t plen;
	int port = -1;
	int host_bits;

	need = (size_t)p->csv_ip;
	if (p->csv_port > p->csv_ip)
		need = (size_t)p->csv_port;
	if (p->csv_malware >= 0 && (size_t)p->csv_malware > need)
		need = (size_t)p->csv_malware;
	if (row->n <= need) {
		bl_reject(p, l, "missing CSV fields");
		return;
	}
	cursor_init(&c, row->f[p->csv_ip].text, row->f[p->csv_ip].len);
	if ((why = bl_parse_prefix(&c, 0, &a, &plen, &host_bits)) != NULL) {
		bl_reject(p, l, why);
		return;
	}
	if (!l->terminated) {
		bl_reject(p, l, "no newline at end (truncated?)");
		return;
	}
	if (p->csv_port >= 0)
		port = csv_port(&row->f[p->csv_port]);
	if (p->csv_malware >= 0)
		mlen = bl_sanitise(label,
		    (const uint8_t *)row->f[p->csv_malware].text,
		    row->f[p->csv_malware].len);
	if (mlen > 0 && port >= 0)
		snprintf(text, sizeof(text), "%s (port %d)", label, port);
	else if (mlen > 0)
		snprintf(text, sizeof(text), "%s", label);
	else if (port >= 0)
		snprintf(text, sizeof(text), "port %d", port);
	else
		text[0] = '\0';
	bl_sanitise(label, (const uint8_t *)text, strlen(text));
	bl_add(p, l, &a, plen, host_bits, label);
}

void
bl_parse_feodo_line(struct bl_parser *p, struct bl_line *l)
{
	struct csv_row row;
	const char *why;

	if (cursor_left(&l->c) == 0)
		return;
	if (cursor_peek_u8(&l->c, 0) == '#') {
		/* A header written as a comment, before any other header. */
		if (!p->csv_have_header && l->terminated) {
			while (cursor_left(&l->c) > 0 &&
			    cursor_peek_u8(&l->c, 0) == '#')
				cursor_skip(&l->c, 1);
			if (csv_split(&l->c, &row) == NULL)
				(void)csv_header(p, &row);
		}
		return;
	}
	if ((why = csv_split(&l->c, &row)) != NULL) {
		bl_reject(p, l, why);
		return;
	}
	if (!p->csv_have_header) {
		if (!l->terminated || !csv_header(p, &row))
			bl_reject(p, l, "no CSV header with dst_ip before this line");
		return;
	}
	csv_entry(p, l, &row);
}
