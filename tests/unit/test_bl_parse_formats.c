/*
 * test_bl_parse_formats.c - each list format's own rules
 * (blacklists/bl_parse_text.c, bl_parse_spamhaus.c, bl_parse_feodo.c):
 * plain comments, emerging-threats sections, Spamhaus DROP labels and
 * "; Expires:" dates, Spamhaus JSON lines, FireHOL headers and Feodo CSV.
 * Every case asserts the exact entries, labels, counters and errors.
 * The rules all formats share are in test_bl_parse_common.c.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "exact_buf.h"
#include "bl_parse_util.h"

#include "bl_parse.h"
#include "cursor.h"

/* ---- plain ---------------------------------------------------------- */

static void
plain_comments(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_PLAIN,
	    "# hash comment\n"
	    "; semicolon comment\n"
	    "192.0.2.1 # trailing\n"
	    "192.0.2.2;trailing, no blank\n"
	    "192.0.2.3#\n"
	    "2001:db8::1 ; v6\n"
	    "192.0.2.4 192.0.2.5\n"
	    "192.0.2.6, 192.0.2.7\n"
	    "192.0.2.8 // not a comment\n"
	    "#192.0.2.9\n", &r);
	assert_entries(l, "192.0.2.1/32 @3\n192.0.2.2/32 @4\n192.0.2.3/32 @5\n"
	    "2001:db8::1/128 @6\n");
	assert_report(&r, REPORT(10, 4, 3, 0, 0)
	    "error 7 unexpected text after the address\n"
	    "error 8 not an address\n"
	    "error 9 unexpected text after the address\n");
}

/* ---- emerging-threats ----------------------------------------------- */

static void
et_sections(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_EMERGING_THREATS,
	    "#\n"				/* 1 */
	    "# Emerging Threats - Block Rules\n"
	    "#  Rev 1234\n"
	    "#\n"
	    "192.0.2.1\n"			/* 5: after decoration: none */
	    "# Feodo\n"
	    "192.0.2.2\n"			/* 7: Feodo */
	    "#192.0.2.3\n"			/* commented out: ignored */
	    "192.0.2.4\n"			/* 9: still Feodo */
	    "\n"
	    "192.0.2.5\n"			/* 11: blanks keep the section */
	    "#Spamhaus DROP Nets\n"
	    "\n"
	    "198.51.100.0/24\n"			/* 14: blanks may follow a name */
	    "# Zeus\n"
	    "#Dshield Top Attackers\n"		/* the last comment names it */
	    "203.0.113.0/24\n"			/* 17 */
	    "; a remark\n"
	    "###########\n"
	    "192.0.2.6\n"			/* 20: decoration last: none */
	    "#   Palevo  \t\n"
	    "bogus\n"				/* 22: rejected, opens Palevo */
	    "192.0.2.7\n"			/* 23: Palevo */
	    "# caf\xc3\xa9\n"
	    "192.0.2.8 # c\n", &r);		/* 25: sanitised */
	assert_entries(l,
	    "192.0.2.1/32 @5\n"
	    "192.0.2.2/32 @7 Feodo\n"
	    "192.0.2.4/32 @9 Feodo\n"
	    "192.0.2.5/32 @11 Feodo\n"
	    "198.51.100.0/24 @14 Spamhaus DROP Nets\n"
	    "203.0.113.0/24 @17 Dshield Top Attackers\n"
	    "192.0.2.6/32 @20\n"
	    "192.0.2.7/32 @23 Palevo\n"
	    "192.0.2.8/32 @25 caf??\n");
	assert_report(&r, REPORT(25, 9, 1, 0, 0) "error 22 not an address\n");
	/* One label per section name. */
	assert_int_equal(bl_list_entry(l, 1)->label,
	    bl_list_entry(l, 3)->label);
}

static void
et_long_section_name_is_capped(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;
	char body[300], want[BL_LABEL_MAX];

	(void)state;
	memset(want, 'S', BL_LABEL_MAX - 1);
	want[BL_LABEL_MAX - 1] = '\0';
	snprintf(body, sizeof(body), "# %sTAIL\n192.0.2.1\n", want);
	l = parse(BL_FORMAT_EMERGING_THREATS, body, &r);
	assert_string_equal(bl_list_label(l, bl_list_entry(l, 0)->label),
	    want);
}

static void
et_first_entries_without_header(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_EMERGING_THREATS,
	    "192.0.2.1\n# Feodo\n192.0.2.2\n", &r);
	assert_entries(l, "192.0.2.1/32 @1\n192.0.2.2/32 @3 Feodo\n");
	assert_report(&r, REPORT(3, 2, 0, 0, 0));
}

/* ---- spamhaus-drop -------------------------------------------------- */

static void
drop_text(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_SPAMHAUS_DROP,
	    "; Spamhaus DROP List 2026/11/22 - (c) 2026 The Spamhaus Project "
	    "SLU\r\n"
	    "; https://www.spamhaus.org/drop/drop.txt\r\n"
	    "; Last-Modified: Sat, 22 Nov 2026 09:00:00 GMT\r\n"
	    "; Expires: Sun, 23 Nov 2026 10:00:00 GMT\r\n"
	    "1.10.16.0/20 ; SBL256894\r\n"
	    "1.19.0.0/16 ; SBL434604\r\n"
	    "1.19.0.0/16;SBL434604\r\n"
	    "2.56.192.0/22 ; SBL459831 more words\r\n"
	    "5.134.128.0/19 ;\r\n"
	    "23.235.48.0/20\r\n"
	    "31.24.81.0/24 # comment\r\n"
	    "# another comment\r\n"
	    "45.8.1.3/24 ; SBL1\r\n"
	    "46.3.0.0/16 SBL2\r\n"
	    "SBL3 ; 46.4.0.0/16\r\n"
	    "2a06:e480::/29 ; SBL301771\r\n", &r);
	assert_entries(l,
	    "1.10.16.0/20 @5 SBL256894\n"
	    "1.19.0.0/16 @6 SBL434604\n"
	    "1.19.0.0/16 @7 SBL434604\n"
	    "2.56.192.0/22 @8 SBL459831\n"
	    "5.134.128.0/19 @9\n"
	    "23.235.48.0/20 @10\n"
	    "31.24.81.0/24 @11\n"
	    "45.8.1.0/24 @13 SBL1\n"
	    "2a06:e480::/29 @16 SBL301771\n");
	assert_report(&r,
	    "lines 16\nentries 9\nrejected 2\nnormalised 1\nover_cap 0\n"
	    "expires 1795428000\ndeclared_entries 0\ncategory \n"
	    "error 14 unexpected text after the address\n"
	    "error 15 not an address\n");
}

static void
drop_expires(void **state)
{
	struct bl_parse_report r;

	(void)state;
	/* The first one that parses counts; keys are case-insensitive. */
	parse(BL_FORMAT_SPAMHAUS_DROP,
	    "; Expires: tomorrow\n"
	    ";expires:Thu, 01 Jan 1970 00:00:01 GMT\n"
	    "; Expires: Sun, 23 Nov 2026 10:00:00 GMT\n", &r);
	assert_int_equal(r.expires, 1);
	assert_int_equal(r.rejected, 0);

	/* Not from a last line without a newline: it may be cut. */
	parse(BL_FORMAT_SPAMHAUS_DROP,
	    "192.0.2.0/24 ; SBL1\n; Expires: Sun, 23 Nov 2026 10:00:00 GMT",
	    &r);
	assert_int_equal(r.expires, 0);
	assert_report(&r, REPORT(2, 1, 0, 0, 0));

	/* A last entry line without a newline is rejected. */
	parse(BL_FORMAT_SPAMHAUS_DROP, "192.0.2.0/24 ; SBL12", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0)
	    "error 1 no newline at end (truncated?)\n");
	parse(BL_FORMAT_SPAMHAUS_DROP, "192.0.2.0/24 ; SBL12 x\n", &r);
	assert_report(&r, REPORT(1, 1, 0, 0, 0));
	parse(BL_FORMAT_SPAMHAUS_DROP, "192.0.2.0/33 ; SBL12\n", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0)
	    "error 1 prefix length out of range\n");
}

/* bl_parse_http_date() on a C string: the time, or -1 if it fails. */
static long long
http_date(const char *s)
{
	struct cursor c;
	time_t t;
	int rc;
	char *buf = exact_copy(s, strlen(s));

	cursor_init(&c, buf, strlen(s));
	rc = bl_parse_http_date(&c, &t);
	exact_release_last();
	if (rc == -1) {
		assert_int_equal(t, 0);
		return -1;
	}
	return (long long)t;
}

static void
rfc1123_dates(void **state)
{
	(void)state;
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:00:00 GMT"),
	    1795428000);
	assert_int_equal(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	assert_int_equal(http_date("Sat, 22 Nov 2026 09:00:00 GMT"),
	    1795338000);
	assert_int_equal(http_date("Tue, 29 Feb 2028 23:59:59 GMT"),
	    1835481599);
	assert_int_equal(http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
	    784111777);
	assert_int_equal(http_date("Fri, 31 Dec 2099 23:59:60 GMT"),
	    4102444800);
	assert_int_equal(http_date("Mon, 1 Jan 2001 00:00:00 GMT"), 978307200);
	/* The weekday is a name, not checked against the date. */
	assert_int_equal(http_date("Mon, 23 Nov 2026 10:00:00 GMT"),
	    1795428000);

	assert_int_equal(http_date("Thu, 29 Feb 2027 00:00:00 GMT"), -1);
	assert_int_equal(http_date("Thu, 31 Apr 2027 00:00:00 GMT"), -1);
	assert_int_equal(http_date("Thu, 00 Apr 2027 00:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 24:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:60:00 GMT"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:00:61 GMT"), -1);
	assert_int_equal(http_date("Wed, 31 Dec 1969 23:59:59 GMT"), -1);
	assert_int_equal(http_date("Sun, 23 nov 2026 10:00:00 GMT"), -1);
	assert_int_equal(http_date("sun, 23 Nov 2026 10:00:00 GMT"), -1);
	assert_int_equal(http_date("Sunday, 23 Nov 2026 10:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:00:00 UTC"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:00:00 +0000"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:00:00"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:00:00 GMT "), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 10:00 GMT"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 26 10:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun, 123 Nov 2026 10:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun,  23 Nov 2026 10:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun 23 Nov 2026 10:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun, 23 Nov 2026 1:00:00 GMT"), -1);
	assert_int_equal(http_date("Sunday, 23-Nov-26 10:00:00 GMT"), -1);
	assert_int_equal(http_date("Sun Nov 23 10:00:00 2026"), -1);
	assert_int_equal(http_date("2026-11-23T10:00:00Z"), -1);
	assert_int_equal(http_date(""), -1);
	assert_int_equal(http_date("Su"), -1);
}

/* ---- spamhaus-json -------------------------------------------------- */

static void
drop_json(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_SPAMHAUS_JSON,
	    "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\","
	    "\"rir\":\"apnic\"}\n"
	    "{ \"rir\": \"ripencc\", \"sblid\": \"SBL301771\", "
	    "\"cidr\": \"2a06:e480::/29\" }\r\n"
	    "{\"cidr\":\"1.19.0.1/16\"}\n"
	    "\n"
	    "{\"cidr\":\"5.134.128.0/19\",\"sblid\":\"SBL\\u00e9\\t1\"}\n"
	    "{\"cidr\":\"bad\",\"sblid\":\"SBL1\"}\n"
	    "{\"cidr\":5}\n"
	    "{\"sblid\":\"SBL1\"}\n"
	    "{\"cidr\":\"1.2.3.0/24\",\"sblid\":7}\n"
	    "[\"1.2.3.0/24\"]\n"
	    "{\"cidr\":\"1.2.3.0/24\",\"cidr\":\"1.2.3.0/24\"}\n"
	    "{\"cidr\":\"1.2.3.0/24\"} x\n"
	    "1.2.3.0/24\n"
	    "\"1.2.3.0/24\"\n"
	    "{\"cidr\":\"1.2.3.0/24\"\n"
	    "{\"type\":\"metadata\",\"timestamp\":1790329442,\"size\":104461,"
	    "\"records\":3,\"copyright\":\"(c) 2026 The Spamhaus Project SLU\","
	    "\"terms\":\"https://www.spamhaus.org/drop/terms/\"}\n", &r);
	assert_entries(l,
	    "1.10.16.0/20 @1 SBL256894\n"
	    "2a06:e480::/29 @2 SBL301771\n"
	    "1.19.0.0/16 @3\n"
	    "5.134.128.0/19 @5 SBL?? 1\n");
	assert_report(&r,
	    "lines 16\nentries 4\nrejected 10\nnormalised 1\nover_cap 0\n"
	    "expires 0\ndeclared_entries 3\ncategory \n"
	    "error 6 not an address\n"
	    "error 7 no \"cidr\" string\n"
	    "error 8 no \"cidr\" string\n"
	    "error 9 \"sblid\" is not a string\n"
	    "error 10 not a JSON object\n"
	    "error 11 not JSON\n"
	    "error 12 not JSON\n"
	    "error 13 not JSON\n");
}

static void
drop_json_last_line(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	/*
	 * A cut object never parses, but a cut "{...}garbage" does: a last
	 * line without a newline is no entry here either.
	 */
	l = parse(BL_FORMAT_SPAMHAUS_JSON,
	    "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL1\"}x\n"
	    "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL1\"}", &r);
	assert_entries(l, "");
	assert_report(&r, REPORT(2, 0, 2, 0, 0) "error 1 not JSON\n"
	    "error 2 no newline at end (truncated?)\n");
	l = parse(BL_FORMAT_SPAMHAUS_JSON,
	    "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL1\"", &r);
	assert_entries(l, "");
	assert_report(&r, REPORT(1, 0, 1, 0, 0) "error 1 not JSON\n");
	l = parse(BL_FORMAT_SPAMHAUS_JSON, "{\"cidr\":\"192.0.0.0/2", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0) "error 1 not JSON\n");

	/* Metadata: "records" must be a positive integer; the first counts. */
	parse(BL_FORMAT_SPAMHAUS_JSON,
	    "{\"type\":\"metadata\",\"records\":\"12\"}\n"
	    "{\"type\":\"metadata\",\"records\":-1}\n"
	    "{\"type\":\"metadata\",\"records\":7}\n"
	    "{\"type\":\"metadata\",\"records\":8}\n", &r);
	assert_report(&r, "lines 4\nentries 0\nrejected 0\nnormalised 0\n"
	    "over_cap 0\nexpires 0\ndeclared_entries 7\ncategory \n");

	/* Metadata on a last line without a newline: ignored, not rejected. */
	l = parse(BL_FORMAT_SPAMHAUS_JSON,
	    "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL1\"}\n"
	    "{\"type\":\"metadata\",\"records\":1}", &r);
	assert_entries(l, "192.0.2.0/24 @1 SBL1\n");
	assert_report(&r, REPORT(2, 1, 0, 0, 0));

	/* Another "type" is an entry like any other. */
	l = parse(BL_FORMAT_SPAMHAUS_JSON,
	    "{\"type\":\"net\",\"cidr\":\"192.0.2.0/24\"}\n"
	    "{\"type\":7,\"cidr\":\"192.0.2.0/25\"}\n", &r);
	assert_entries(l, "192.0.2.0/24 @1\n192.0.2.0/25 @2\n");
}

/* ---- firehol -------------------------------------------------------- */

static void
firehol_header(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_FIREHOL,
	    "#\n"
	    "# firehol_level1\n"
	    "#\n"
	    "# ipv4 hash:net ipset\n"
	    "#\n"
	    "# A firewall blacklist composed from IP lists, with 3 entries\n"
	    "#\n"
	    "# Maintainer      : FireHOL\n"
	    "# Category        : attacks\n"
	    "# Entries         : 3 subnets, 16777472 unique IPs\n"
	    "# Entries         : 99\n"
	    "# Category        : later\n"
	    "#\n"
	    "0.0.0.0/8\n"
	    "1.10.16.0/20 # c\n"
	    "10.0.0.0/8\n", &r);
	assert_entries(l, "0.0.0.0/8 @14\n1.10.16.0/20 @15\n10.0.0.0/8 @16\n");
	assert_report(&r, "lines 16\nentries 3\nrejected 0\nnormalised 0\n"
	    "over_cap 0\nexpires 0\ndeclared_entries 3\ncategory attacks\n");

	/* hash:ip: "N unique IPs"; odd spacing and case. */
	parse(BL_FORMAT_FIREHOL,
	    "#ENTRIES:456 unique IPs\n# category\t:\tmalware  bots \n", &r);
	assert_int_equal(r.declared_entries, 456);
	assert_string_equal(r.category, "malware  bots");
}

static void
firehol_header_oddities(void **state)
{
	struct bl_parse_report r;
	char body[300], want[BL_LABEL_MAX];

	(void)state;
	/* Not "Key : value": nothing taken. */
	parse(BL_FORMAT_FIREHOL,
	    "# Entries are listed below\n# Entriesx : 5\n# Entries 5\n"
	    "# Entries : none\n# Categoryx : a\n# Category\n", &r);
	assert_report(&r, REPORT(6, 0, 0, 0, 0));

	/* A number too large for 64 bits is no number. */
	parse(BL_FORMAT_FIREHOL, "# Entries : 18446744073709551616\n", &r);
	assert_int_equal(r.declared_entries, 0);
	parse(BL_FORMAT_FIREHOL, "# Entries : 18446744073709551615\n", &r);
	assert_int_equal(r.declared_entries, UINT64_MAX);

	/* Not from a last line without a newline: "123" may read "12". */
	parse(BL_FORMAT_FIREHOL, "# Category : attacks\n# Entries : 12", &r);
	assert_int_equal(r.declared_entries, 0);
	parse(BL_FORMAT_FIREHOL, "# Category : attacks", &r);
	assert_string_equal(r.category, "");

	/* The category is sanitised and capped like a label. */
	memset(want, 'c', BL_LABEL_MAX - 1);
	want[BL_LABEL_MAX - 1] = '\0';
	snprintf(body, sizeof(body), "# Category : %s\xc3\xa9\n", want);
	parse(BL_FORMAT_FIREHOL, body, &r);
	assert_string_equal(r.category, want);
	parse(BL_FORMAT_FIREHOL, "# Category : caf\xc3\xa9\n", &r);
	assert_string_equal(r.category, "caf??");
}

/* ---- feodo-csv ------------------------------------------------------ */

#define FEODO_HEADER \
	"\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\"," \
	"\"last_online\",\"malware\"\r\n"

static void
feodo_csv(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_FEODO_CSV,
	    "################################################################\r\n"
	    "# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #\r\n"
	    "# Last updated: 2021-08-17 15:00:42 UTC                        #\r\n"
	    "#\r\n"
	    FEODO_HEADER
	    "\"2021-01-17 07:30:05\",\"67.213.75.205\",\"443\",\"offline\","
	    "\"2021-08-18\",\"Dridex\"\r\n"
	    "\"2021-01-17 07:44:46\", \"51.178.161.32\" ,\"4643\",\"online\","
	    "\"2021-08-18\",\"Dri\"\"dex\"\r\n"
	    "2021-01-17 07:44:50,162.144.127.197,3786,online,2021-08-18, "
	    "Emotet \r\n"
	    "\"2021-01-17\",\"2001:db8::1\",\"8080\",\"online\",\"x\","
	    "\"QakBot\"\r\n"
	    "\"x\",\"192.0.2.1\",\"99999\",\"online\",\"x\",\"TrickBot\"\r\n"
	    "\"x\",\"192.0.2.2\",\"\",\"online\",\"x\",\"\"\r\n"
	    "\"x\",\"192.0.2.3\",\"443\",\"online\",\"x\",\"\"\r\n"
	    "\"x\",\"192.0.2.4\",\"443\",\"online\",\"x\",\"Dridex\","
	    "\"extra\"\r\n"
	    "\"x\",\"192.0.2.5\",\"443\",\"online\",\"x\",\"Dridex\"\r\n"
	    "# end\r\n", &r);
	assert_entries(l,
	    "67.213.75.205/32 @6 Dridex (port 443)\n"
	    "51.178.161.32/32 @7 Dri\"dex (port 4643)\n"
	    "162.144.127.197/32 @8 Emotet (port 3786)\n"
	    "2001:db8::1/128 @9 QakBot (port 8080)\n"
	    "192.0.2.1/32 @10 TrickBot\n"
	    "192.0.2.2/32 @11\n"
	    "192.0.2.3/32 @12 port 443\n"
	    "192.0.2.4/32 @13 Dridex (port 443)\n"
	    "192.0.2.5/32 @14 Dridex (port 443)\n");
	assert_report(&r, REPORT(15, 9, 0, 0, 0));
	assert_int_equal(bl_list_entry(l, 0)->label,
	    bl_list_entry(l, 8)->label);
}

static void
feodo_csv_bad_rows(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	l = parse(BL_FORMAT_FEODO_CSV,
	    FEODO_HEADER
	    "\"x\",\"192.0.2.0/24\",\"443\",\"online\",\"x\",\"Dridex\"\n"
	    "\"x\",\"192.0.2.1\",\"443\",\"online\",\"x\"\n"
	    "\"x\",\"192.0.2.1\",\"443\",\"online\",\"x\",\"Dridex\n"
	    "\"x\",\"192.0.2.1\",\"443\" x,\"online\",\"x\",\"Dridex\"\n"
	    "\"x\",192.0.2.\"1\",\"443\",\"online\",\"x\",\"Dridex\"\n"
	    "\"x\",\"dst_ip\",\"443\",\"online\",\"x\",\"Dridex\"\n"
	    "\"x\",\"010.0.2.1\",\"443\",\"online\",\"x\",\"Dridex\"\n"
	    "\"x\",\"\",\"443\",\"online\",\"x\",\"Dridex\"\n"
	    "\"x\",\"192.0.2.9\",\"443\",\"online\",\"x\",\"Dridex\"\n"
	    "\"x\",\"192.0.2.10\",\"443\",\"online\",\"x\",\"Dridex\"", &r);
	assert_entries(l, "192.0.2.9/32 @10 Dridex (port 443)\n");
	assert_report(&r, REPORT(11, 1, 9, 0, 0)
	    "error 2 not an address\n"
	    "error 3 missing CSV fields\n"
	    "error 4 unterminated quote\n"
	    "error 5 unexpected text after a quoted field\n"
	    "error 6 quote inside a bare field\n"
	    "error 7 not an address\n"
	    "error 8 IPv4 octet with a leading zero\n"
	    "error 9 not an address\n");
	assert_int_equal(r.rejected, 9);	/* and line 11: no newline */
}

static void
feodo_csv_headers(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;

	(void)state;
	/* Columns are found by name, in any order and case. */
	l = parse(BL_FORMAT_FEODO_CSV,
	    "MALWARE,Dst_Port,DST_IP\n"
	    "Emotet,8080,192.0.2.1\n", &r);
	assert_entries(l, "192.0.2.1/32 @2 Emotet (port 8080)\n");

	/* dst_ip alone: no label. */
	l = parse(BL_FORMAT_FEODO_CSV, "dst_ip\n192.0.2.1\n\"192.0.2.2\"\n",
	    &r);
	assert_entries(l, "192.0.2.1/32 @2\n192.0.2.2/32 @3\n");

	/* A header written as a comment (ThreatFox style). */
	l = parse(BL_FORMAT_FEODO_CSV,
	    "# \"first_seen_utc\",\"dst_ip\",\"malware\"\n"
	    "\"x\",\"192.0.2.1\",\"Dridex\"\n", &r);
	assert_entries(l, "192.0.2.1/32 @2 Dridex\n");
	assert_report(&r, REPORT(2, 1, 0, 0, 0));

	/* A comment header does not replace a real one. */
	l = parse(BL_FORMAT_FEODO_CSV,
	    "\"x\",\"dst_ip\",\"malware\"\n"
	    "# dst_ip,malware\n"
	    "\"x\",\"192.0.2.1\",\"Dridex\"\n", &r);
	assert_entries(l, "192.0.2.1/32 @3 Dridex\n");

	/* No header: every row is rejected until one comes. */
	l = parse(BL_FORMAT_FEODO_CSV,
	    "\"x\",\"192.0.2.1\",\"443\",\"online\",\"x\",\"Dridex\"\n"
	    "\"first_seen_utc\",\"ip\"\n"
	    "\"x\",\"dst_ip\"\n"
	    "\"x\",\"192.0.2.2\"\n", &r);
	assert_entries(l, "192.0.2.2/32 @4\n");
	assert_report(&r, REPORT(4, 1, 2, 0, 0)
	    "error 1 no CSV header with dst_ip before this line\n"
	    "error 2 no CSV header with dst_ip before this line\n");

	/* A header on a last line without a newline is not taken. */
	parse(BL_FORMAT_FEODO_CSV, "\"dst_ip\"", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0)
	    "error 1 no CSV header with dst_ip before this line\n");

	/* A bad row before the header says what is wrong with it. */
	parse(BL_FORMAT_FEODO_CSV, "\"dst_ip\n", &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0) "error 1 unterminated quote\n");
}

static void
feodo_csv_many_fields(void **state)
{
	struct bl_parse_report r;
	struct bl_list *l;
	char body[2048];
	size_t n = 0, i;

	(void)state;
	/* Columns beyond BL_CSV_MAX_FIELDS are not seen. */
	for (i = 0; i < BL_CSV_MAX_FIELDS + 5; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%sc%zu",
		    i > 0 ? "," : "", i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, ",dst_ip\n");
	parse(BL_FORMAT_FEODO_CSV, body, &r);
	assert_report(&r, REPORT(1, 0, 1, 0, 0)
	    "error 1 no CSV header with dst_ip before this line\n");

	n = (size_t)snprintf(body, sizeof(body), "dst_ip,malware\n"
	    "192.0.2.1,Dridex");
	for (i = 0; i < BL_CSV_MAX_FIELDS + 5; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, ",x");
	snprintf(body + n, sizeof(body) - n, "\n");
	l = parse(BL_FORMAT_FEODO_CSV, body, &r);
	assert_entries(l, "192.0.2.1/32 @2 Dridex\n");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(plain_comments, bl_util_teardown),
	cmocka_unit_test_teardown(et_sections, bl_util_teardown),
	cmocka_unit_test_teardown(et_long_section_name_is_capped,
	    bl_util_teardown),
	cmocka_unit_test_teardown(et_first_entries_without_header,
	    bl_util_teardown),
	cmocka_unit_test_teardown(drop_text, bl_util_teardown),
	cmocka_unit_test_teardown(drop_expires, bl_util_teardown),
	cmocka_unit_test_teardown(rfc1123_dates, bl_util_teardown),
	cmocka_unit_test_teardown(drop_json, bl_util_teardown),
	cmocka_unit_test_teardown(drop_json_last_line, bl_util_teardown),
	cmocka_unit_test_teardown(firehol_header, bl_util_teardown),
	cmocka_unit_test_teardown(firehol_header_oddities, bl_util_teardown),
	cmocka_unit_test_teardown(feodo_csv, bl_util_teardown),
	cmocka_unit_test_teardown(feodo_csv_bad_rows, bl_util_teardown),
	cmocka_unit_test_teardown(feodo_csv_headers, bl_util_teardown),
	cmocka_unit_test_teardown(feodo_csv_many_fields, bl_util_teardown),
};

FS_TEST_MAIN(tests)
