/*
 * bl_parse.h - what the list parsers share; not part of the API.
 *
 * bl_list_parse() (bl_parse_common.c) splits a body into lines and hands
 * each one, already checked and trimmed, to the line function of the
 * body's format.  A line function reads the line through its cursor and
 * ends in exactly one of: nothing (a blank, a comment, a header line),
 * bl_reject() (the line counts as rejected, with a static reason), or
 * bl_add() (an entry, or a drop counted in over_cap).
 *
 * The rules every format shares (documented once, here):
 *  - Lines end at '\n'; one '\r' before it is dropped (CRLF).  A UTF-8 BOM
 *    at the very start of the body is skipped.  Spaces and tabs around a
 *    line are trimmed.
 *  - A line longer than BL_LINE_MAX bytes is rejected ("line too long"),
 *    and so is one holding a NUL, another C0 control byte but tab, or DEL
 *    ("binary data").  Bytes 0x80-0xff pass (UTF-8 in comments); they can
 *    never be part of an address and are replaced in labels.
 *  - A truncated download: the last line of a body that does not end in
 *    '\n' may have been cut anywhere.  A cut of "192.0.0.0/24" reads
 *    "192.0.0.0/2", which is a valid prefix 65536 times wider, and a cut of
 *    "10.1.2.30" reads a different host, and even a JSON line cut after the
 *    '}' of "{...}garbage" is a valid object.  So a last line without a
 *    newline is never an entry: in every format it is rejected ("no newline
 *    at end (truncated?)"), and header values (Expires, Entries, Category,
 *    a CSV header, Spamhaus JSON metadata) are only read from lines that
 *    end in a newline.  Hence: the entries of any prefix of a body are
 *    exactly the first entries of the whole body, and its header values
 *    are absent or the whole body's (the fuzzer and the truncation sweep
 *    check this).  A hand-written file whose last line lacks a newline
 *    loses that line, with an error that says why.
 */
#ifndef FS_BL_PARSE_H
#define FS_BL_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "blacklists.h"
#include "cursor.h"

#define BL_LINE_MAX		4096	/* bytes of a line, without "\r\n" */
#define BL_CSV_MAX_FIELDS	32	/* later fields of a CSV row are ignored */

/* One line as a format's line function sees it. */
struct bl_line {
	struct cursor	c;		/* the trimmed text, no newline */
	uint32_t	no;		/* 1-based (saturates at UINT32_MAX) */
	int		terminated;	/* a '\n' followed it */
};

/* The state of one bl_list_parse() call. */
struct bl_parser {
	struct bl_list		*list;
	struct bl_parse_report	*report;
	uint32_t		 max_entries;	/* 0: no cap */
	int			 nomem;		/* an allocation failed */

	/* emerging-threats: see bl_parse_text.c. */
	char			 et_candidate[BL_LABEL_MAX]; /* "" if none */
	int			 et_after_comments;
	char			 et_section[BL_LABEL_MAX];

	/* feodo-csv: the columns found in the header line (-1: absent). */
	int			 csv_have_header;
	int			 csv_ip, csv_port, csv_malware;
};

typedef void bl_line_fn(struct bl_parser *, struct bl_line *);

/* Line functions, one per format (bl_parse_text.c, _spamhaus.c, _feodo.c). */
bl_line_fn	bl_parse_plain_line;
bl_line_fn	bl_parse_et_line;
bl_line_fn	bl_parse_firehol_line;
bl_line_fn	bl_parse_drop_line;
bl_line_fn	bl_parse_drop_json_line;
bl_line_fn	bl_parse_feodo_line;

/* ---- bl_parse_common.c ---------------------------------------------- */

/*
 * Parse the whole view as "ADDR" or "ADDR/LEN": a strict dotted quad (four
 * decimal octets, no leading zeros) or any IPv6 text form inet_pton(3)
 * takes; LEN in 0..32 or 0..128 without leading zeros.  Host bits beyond
 * LEN are cleared and *host_bits says whether there were any.  With
 * allow_len 0 a "/LEN" is not an address.  NULL on success, else the
 * static reason; *a is zero on failure.
 */
const char *bl_parse_prefix(struct cursor *c, int allow_len,
	    struct netaddr *a, uint8_t *plen, int *host_bits);

/*
 * A text entry line: "ADDR[/LEN]", then optionally blanks and a '#' or ';'
 * comment.  NULL on success, else the static reason.
 */
const char *bl_parse_text_entry(struct cursor *c, struct netaddr *a,
	    uint8_t *plen, int *host_bits);

/* Skip spaces and tabs. */
void	bl_skip_blanks(struct cursor *c);

/* A view of the bytes up to a blank, one of stops, or the end; consumed. */
struct cursor bl_token(struct cursor *c, const char *stops);

/* Case-insensitive: does the view start with word?  Consumes it if so. */
int	bl_take_word(struct cursor *c, const char *word);

/*
 * Sanitise n bytes into a label: tab to space, anything outside 0x20-0x7e
 * to '?', blanks trimmed, capped at BL_LABEL_MAX - 1 bytes.  Returns the
 * length written (out is NUL-terminated).
 */
size_t	bl_sanitise(char out[BL_LABEL_MAX], const uint8_t *in, size_t n);

/* bl_sanitise() of what is left in the view, which is consumed. */
size_t	bl_sanitise_rest(char out[BL_LABEL_MAX], struct cursor *c);

/* Count a rejected line; the first BL_ERRORS_KEPT are remembered. */
void	bl_reject(struct bl_parser *, const struct bl_line *, const char *why);

/*
 * Keep an entry of line l with label (sanitised text, NULL or "" for none),
 * unless the list is at max_entries: then it is only counted in over_cap.
 */
void	bl_add(struct bl_parser *, const struct bl_line *,
	    const struct netaddr *, uint8_t plen, int host_bits,
	    const char *label);

/* ---- bl_parse_spamhaus.c -------------------------------------------- */

/*
 * An RFC 1123 date as HTTP and Spamhaus write it, exactly:
 * "Sun, 23 Nov 2026 10:00:00 GMT" (a one-digit day is accepted, the
 * weekday must be a valid name but is not checked against the date).
 * 0 and the time in *t on success, -1 otherwise.
 */
int	bl_parse_http_date(struct cursor *c, time_t *t);

/* ---- bl_list.c ------------------------------------------------------ */

/* An empty list; NULL when out of memory. */
struct bl_list *bl_list_new(const char *name);

/* Append an entry (its label already interned); -1 when out of memory. */
int	bl_list_append(struct bl_list *, const struct bl_entry *);

/*
 * The index of a label (sanitised, NUL-terminated), added if new; identical
 * labels share one index.  0 for "" (no label); -1 when out of memory.
 */
int	bl_list_intern(struct bl_list *, const char *label, uint32_t *index);

/* Give back the spare room of the entry array once parsing is done. */
void	bl_list_shrink(struct bl_list *);

#endif /* FS_BL_PARSE_H */
