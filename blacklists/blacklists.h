/*
 * blacklists.h - threat lists: parsing their formats, downloading them,
 * and answering "is this address on a list we watch, and which entry?".
 *
 * Three layers, each usable alone:
 *  - bl_list: one list parsed from bytes (pure: no I/O, no globals).  List
 *    bodies come from the internet and are hostile input: every line is
 *    bounds-checked, bad lines are rejected and counted with their line
 *    number, labels are sanitised to printable ASCII and capped.
 *  - bl_table: lists assembled into named groups, compiled into one
 *    longest-prefix-match structure per address family.  A table is built
 *    completely off to the side and then swapped in by the caller with one
 *    pointer assignment; it owns copies of everything it reports.
 *  - bl_fetcher: keeps each list's bytes fresh on a libevent loop (libcurl
 *    multi for http/https, files read directly), with conditional requests,
 *    jittered refresh, backoff and an atomic on-disk cache of the last good
 *    body.
 *
 * Labels and list names are for people and events only.  Nothing here ever
 * reaches a switch rule: rules are rendered from binary addresses.
 */
#ifndef FS_BLACKLISTS_H
#define FS_BLACKLISTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "netaddr.h"

struct event_base;

/* ---- formats and parsing -------------------------------------------- */

enum bl_format {
	BL_FORMAT_PLAIN = 1,		/* one address or CIDR per line */
	BL_FORMAT_EMERGING_THREATS,	/* plain + "# Section" headers as labels */
	BL_FORMAT_SPAMHAUS_DROP,	/* "CIDR ; SBLnnnn" */
	BL_FORMAT_SPAMHAUS_JSON,	/* one JSON object per line */
	BL_FORMAT_FIREHOL,		/* netset with a # metadata header */
	BL_FORMAT_FEODO_CSV,		/* abuse.ch Feodo tracker CSV */
};

/* "plain", "emerging-threats", ... to the enum; -1 if unknown. */
int	bl_format_from_name(const char *name, enum bl_format *out);
const char *bl_format_name(enum bl_format);

#define BL_LABEL_MAX		64	/* bytes with the NUL, after sanitising */
#define BL_NAME_MAX		64	/* list and group names */
#define BL_ERRORS_KEPT		8	/* rejected lines remembered for logging */

struct bl_parse_limits {
	uint32_t	max_entries;	/* more are dropped and counted (0: none) */
};

/* What parsing one body found; filled by bl_list_parse(). */
struct bl_parse_report {
	uint64_t	lines;		/* lines read */
	uint64_t	entries;	/* entries kept */
	uint64_t	rejected;	/* lines that are not entries nor comments */
	uint64_t	normalised;	/* entries with host bits set, masked */
	uint64_t	over_cap;	/* entries dropped by max_entries */
	time_t		expires;	/* Spamhaus "; Expires:", 0 if not given */
	uint64_t	declared_entries; /* FireHOL "# Entries", Spamhaus JSON
					     "records"; 0 if absent */
	char		category[BL_LABEL_MAX];	/* FireHOL "# category" */
	uint32_t	errors_kept;	/* <= BL_ERRORS_KEPT */
	struct {
		uint32_t	line;
		char		why[64];	/* static text, no input bytes */
	}		errors[BL_ERRORS_KEPT];
};

/* One entry of a list.  label 0 means none. */
struct bl_entry {
	struct netaddr	prefix;		/* host bits zero */
	uint8_t		plen;
	uint32_t	line;		/* 1-based line in the body */
	uint32_t	label;		/* bl_list_label() index */
};

struct bl_list;

/*
 * Parse body (len bytes, not NUL-terminated) as format.  Returns a new list
 * (possibly with no entries) and fills *report; NULL only when out of
 * memory.  name is copied (truncated to BL_NAME_MAX - 1).
 */
struct bl_list *bl_list_parse(const char *name, enum bl_format format,
	    const void *body, size_t len, const struct bl_parse_limits *,
	    struct bl_parse_report *report);
void	bl_list_free(struct bl_list *);

const char *bl_list_name(const struct bl_list *);
size_t	bl_list_count(const struct bl_list *);
const struct bl_entry *bl_list_entry(const struct bl_list *, size_t i);
/* The label text for an index ("" for 0 or out of range). */
const char *bl_list_label(const struct bl_list *, uint32_t label);

/*
 * A list from prefixes given in configuration (local_networks, tests):
 * "10.0.0.0/8", "2001:db8::/32", "192.0.2.1".  Returns NULL and a message
 * in err when one does not parse.
 */
struct bl_list *bl_list_from_strings(const char *name,
	    const char *const *prefixes, size_t n, char *err, size_t errlen);

/* ---- groups and lookup ---------------------------------------------- */

enum bl_group_kind {
	BL_GROUP_WATCH = 1,	/* a match may trigger a capture */
	BL_GROUP_ALLOW,		/* never trigger; wins over everything */
	BL_GROUP_LOCAL,		/* our own networks (which side is local) */
};

#define BL_MAX_GROUPS		16

struct bl_group_spec {
	const char		 *name;
	enum bl_group_kind	  kind;
	const struct bl_list	**lists;
	size_t			  n_lists;
};

struct bl_table;

/*
 * Build a table from groups (at most BL_MAX_GROUPS).  The table copies
 * what it reports, so the lists may be freed afterwards.  NULL with a
 * message in err on failure (out of memory, too many groups).
 */
struct bl_table *bl_table_build(const struct bl_group_spec *groups,
	    size_t n_groups, char *err, size_t errlen);
void	bl_table_free(struct bl_table *);

/* The most specific entry of one group that covers an address. */
struct bl_match {
	uint32_t	 group;		/* index in the spec array */
	enum bl_group_kind kind;
	const char	*group_name;	/* owned by the table */
	const char	*list;		/* owned by the table */
	const char	*label;		/* owned by the table, "" if none */
	struct netaddr	 prefix;
	uint8_t		 plen;
	uint32_t	 line;
};

/*
 * Every group with an entry covering addr, the most specific entry of
 * each, in group order.  Returns how many (<= max) were written.
 */
size_t	bl_table_lookup(const struct bl_table *, const struct netaddr *addr,
	    struct bl_match *out, size_t max);

/* Prefixes compiled, and bytes of memory the lookup structures use. */
size_t	bl_table_prefixes(const struct bl_table *);
size_t	bl_table_memory(const struct bl_table *);

/* ---- keeping lists fresh -------------------------------------------- */

/* Where one list comes from and how often; strings are copied. */
struct bl_source_spec {
	const char	*name;
	enum bl_format	 format;
	const char	*url;		/* http(s)://...; or NULL for file */
	const char	*file;		/* a local path; or NULL for url */
	int		 allow_http;	/* plain http only when set */
	const char	*ca_file;	/* extra CA bundle, or NULL */
	uint32_t	 refresh_s;	/* refresh interval (jittered +-10 %) */
	uint32_t	 connect_timeout_s;
	uint32_t	 timeout_s;	/* whole transfer */
	uint64_t	 max_bytes;	/* body cap, enforced while receiving */
};

enum bl_fetch_status {
	BL_FETCH_UPDATED = 1,	/* a new body (200, or a changed file) */
	BL_FETCH_NOT_MODIFIED,	/* 304, or the file did not change */
	BL_FETCH_CACHED,	/* the cached copy, loaded at start-up */
	BL_FETCH_FAILED,	/* error says why; the previous body stands */
};

/* Handed to the fetcher's callback after every attempt. */
struct bl_fetch_result {
	const char	*name;
	enum bl_fetch_status status;
	const char	*error;		/* with BL_FETCH_FAILED */
	long		 http_status;	/* 0 for files and transport errors */
	const void	*body;		/* UPDATED and CACHED: the bytes */
	size_t		 len;
	uint64_t	 bytes;		/* received on the wire this attempt */
	double		 duration_s;
	time_t		 next_s;	/* when the next attempt is due */
};

typedef void bl_fetch_cb(void *ctx, const struct bl_fetch_result *);

struct bl_fetcher;

/*
 * A fetcher on base (libcurl multi driven by libevent; it never blocks the
 * loop).  cache_dir holds the last good body and validators of each list
 * (created if missing); cb hears of every attempt.
 */
struct bl_fetcher *bl_fetcher_new(struct event_base *base,
	    const char *cache_dir, const char *user_agent, bl_fetch_cb *cb,
	    void *ctx, char *err, size_t errlen);
void	bl_fetcher_free(struct bl_fetcher *);

/*
 * Add a source.  Its cached body, if any, is reported at once as
 * BL_FETCH_CACHED; the first download is scheduled right away.  -1 with
 * a message in err for a bad spec (e.g. http:// without allow_http).
 */
int	bl_fetcher_add(struct bl_fetcher *, const struct bl_source_spec *,
	    char *err, size_t errlen);

/* Fetch every source now (conditionally), e.g. on SIGHUP or by hand. */
void	bl_fetcher_fetch_all(struct bl_fetcher *);

/* Do not fetch name again before t (a feed's own "Expires:"). */
void	bl_fetcher_not_before(struct bl_fetcher *, const char *name, time_t t);

/*
 * The bytes a source has now, without the network: the file of a file
 * source, or the cached last good body of a URL source (the one a
 * fetcher in cache_dir keeps).  0: *body (malloc'd, the caller frees) and
 * *len set.  1: nothing cached yet.  -1: an error, why in err.
 */
int	bl_source_load(const char *cache_dir, const struct bl_source_spec *,
	    void **body, size_t *len, char *err, size_t errlen);

/* Attempts in flight (0 when `blacklist fetch` may stop). */
size_t	bl_fetcher_busy(const struct bl_fetcher *);

/*
 * Stop for good without waiting: no new attempt starts and the callback
 * is not called again; attempts in flight run to their end (a finished
 * download still refreshes the cache).  Free it once bl_fetcher_busy()
 * is 0.  Why: libcurl's threaded resolver makes freeing a transfer that
 * is still resolving a name wait for getaddrinfo(), seconds when DNS does
 * not answer; a daemon must not block its loop on that (a reload), and a
 * process that is exiting need not free a busy fetcher at all.
 */
void	bl_fetcher_retire(struct bl_fetcher *);

#endif /* FS_BLACKLISTS_H */
