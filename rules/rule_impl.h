/*
 * rule_impl.h - inside the rules module (not for other modules: include
 * rules.h): the pure policy of the switch clients and the HTTP engine the
 * REST backends share.
 *
 *  rule_name.c     names, prefixes, interface patterns
 *  rule_render.c   the iptables/ERSPAN lines and the PUT body
 *  rule_policy.c   pure: retry classification, backoff with jitter, URL
 *                  and pin checks, making switch text printable
 *  rule_http.c     libcurl multi on libevent: requests with deadlines, a
 *                  concurrency limit and a queue, retries
 *  rule_cumulus.c  the acl_server backend: operations as request chains
 *  rule_cumulus_parse.c  its response bodies, read with jansson
 *  rule_ovs.c      the Open vSwitch backend: ovs-ofctl runs as child
 *                  processes with a concurrency limit, a queue, retries
 *  rule_ovs_flows.c  pure: its flows rendered, ovs-ofctl's dumps parsed,
 *                  its failures classified
 *  rule_backend.c  the table of backends
 */
#ifndef FS_RULE_IMPL_H
#define FS_RULE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "rules.h"

#define RULE_URL_MAX	1024

/* ---- pure policy (rule_policy.c) --------------------------------------- */

/*
 * 1 if a request that ended so should be tried again: connection
 * failures, timeouts, connections dropped mid-way, and 5xx answers.
 * 4xx, TLS verification and pin failures, and over-size bodies are final.
 */
int	rule_retryable(CURLcode code, long http_code);

/*
 * The wait before retry number `retry` (>= 1): base_ms doubling up to
 * max_ms, then spread by "equal jitter" into [d/2, d] with rnd (uniform
 * 64 bits), so clients that failed together do not retry together.
 */
uint64_t rule_backoff_ms(uint32_t retry, uint32_t base_ms, uint32_t max_ms,
	    uint64_t rnd);

/* splitmix64: the next pseudo-random value of *state. */
uint64_t rule_prng(uint64_t *state);

/*
 * 1 if url can be a switch's base URL: https:// (or http:// with
 * allow_http), a host, no user:password@ part (credentials never go in
 * URLs, which end up in logs), no query or fragment, only printable
 * ASCII without spaces, shorter than RULE_URL_MAX - RULE_NAME_MAX - 2.
 */
int	rule_url_ok(const char *url, int allow_http);

/* 1 if pin is "sha256//" and the 44 base64 characters of 32 bytes. */
int	rule_pin_ok(const char *pin);

/*
 * "ADDR" or "ADDR/PLEN" of one side of a capture into buf (at least
 * NETADDR_STRLEN + 4 bytes), for both backends' rules (rule_render.c).
 * plen 0 means the host; -1 with err (naming what) for a bad length or
 * host bits set.
 */
int	rule_format_side(const char *what, const struct netaddr *a,
	    uint8_t plen, char *buf, size_t size, char *err, size_t errlen);

/* Replace control bytes, DEL and non-ASCII bytes of s with '?'. */
void	rule_sanitize(char *s);

/* The reason into err, printf-style; -1, for "return rule_fail(...)". */
int	rule_fail(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* ---- the HTTP engine (rule_http.c) ------------------------------------- */

enum rule_method {
	RULE_GET = 0,
	RULE_PUT,
	RULE_DELETE,
};

/* How a request ended, after its retries.  Valid during the callback. */
struct rule_http_response {
	CURLcode	 curl;		/* CURLE_OK: a whole response came */
	long		 code;		/* HTTP status, 0: none */
	const char	*body;		/* NUL-terminated, len bytes */
	size_t		 len;
	uint32_t	 attempts;
	const char	*error;		/* "" when curl is CURLE_OK */
};

typedef void rule_http_cb(void *arg, const struct rule_http_response *);

struct rule_http;
struct event_base;

/* A client for one switch; opts are checked and copied.  NULL + err. */
struct rule_http *rule_http_new(struct event_base *,
	    const struct rule_client_opts *, char *err, size_t errlen);

/* Abandon every request (no callbacks), wipe the password, free. */
void	rule_http_free(struct rule_http *);

/*
 * METHOD BASE + path (path "", "lasterror" or a rule_name_ok() name),
 * with body (JSON, copied; NULL: none) for PUT, started after delay_ms
 * (0: as soon as the concurrency limit allows).  cb is called once, from the loop.  0, or -1
 * with err (bad path, queue full, out of memory).
 */
int	rule_http_request(struct rule_http *, enum rule_method,
	    const char *path, const char *body, uint32_t delay_ms,
	    rule_http_cb *cb, void *arg, char *err, size_t errlen);

/* Requests in flight, queued or waiting (delay or backoff). */
size_t	rule_http_busy(const struct rule_http *);

/* The resolved verify delay of the options the client was made with. */
uint32_t rule_http_verify_delay_ms(const struct rule_http *);

/* ---- acl_server bodies (rule_cumulus_parse.c) -------------------------- */

/* Strings out of a response, sanitised, owned by the list. */
struct rule_strings {
	char	**v;
	size_t	  n;
	size_t	  skipped;	/* not strings, not valid names, over the cap */
};

void	rule_strings_free(struct rule_strings *);

/*
 * A JSON array of strings (an ACL's lines), or an object with such an
 * array under "lines".  0, or -1 with err.
 */
int	rule_parse_lines(const char *body, size_t len, struct rule_strings *,
	    char *err, size_t errlen);

/*
 * The names of GET BASE/: an array of strings or an object whose keys are
 * the names; only rule_name_ok() names are kept.  0, or -1 with err.
 */
int	rule_parse_names(const char *body, size_t len, struct rule_strings *,
	    char *err, size_t errlen);

/* {"returncode": N, "lines": [...]}.  0, or -1 with err. */
int	rule_parse_lasterror(const char *body, size_t len, long *rc,
	    struct rule_strings *, char *err, size_t errlen);

/*
 * 1 if the lines the switch holds are the rule r: the same rule lines in
 * order (section markers, blank lines and trailing spaces aside).
 */
int	rule_lines_match(const struct rule_strings *, const struct rule_lines *r);

/* ---- Open vSwitch flows (rule_ovs_flows.c) ---------------------------- */

/*
 * Our cookies: the tag in the top 16 bits, a 48-bit FNV-1a of the rule
 * name below it, so that "cookie=C/-1" names exactly one capture's flows
 * and "cookie=TAG/MASK" all of ours.
 */
#define RULE_OVS_COOKIE_TAG	UINT64_C(0xf5c0000000000000)
#define RULE_OVS_COOKIE_MASK	UINT64_C(0xffff000000000000)
#define RULE_OVS_NOTE_MAX	256	/* note bytes decoded */
#define RULE_OVS_LINE_MAX	1024	/* a dump line we parse, and the
					   lines we render */
#define RULE_OVS_INPUT_MAX	(3 * RULE_OVS_LINE_MAX)

uint64_t rule_ovs_cookie(const char *name);

/*
 * One flow as values, from a line of "ovs-ofctl dump-flows" (or from a
 * line we render, parsed back the same way).  Match fields and flags we
 * never make set `other`, actions other than exactly NORMAL, output:PORT,
 * note:HEX clear `actions_ours`: such a flow is never equal to ours.
 */
struct rule_ovs_flow {
	uint64_t	cookie;		/* 0 when absent */
	uint32_t	priority;	/* 32768 when absent */
	uint32_t	table;
	uint8_t		family;		/* NETADDR_NONE: no IP match */
	uint8_t		proto;		/* 0: any */
	uint8_t		src_plen, dst_plen;	/* 0: no such match */
	struct netaddr	src, dst;
	uint16_t	tp_src, tp_dst;	/* 0: any */
	int		other;
	int		actions_ours;
	char		port[RULE_OVS_PORT_MAX + 1];	/* of output: */
	int		has_note;
	int		note_bad;	/* not dotted hex, or too long */
	size_t		note_len;	/* trailing zero bytes cut */
	uint8_t		note[RULE_OVS_NOTE_MAX];
	char		name[RULE_NAME_MAX + 1];	/* the note when it is a
							   rule_name_ok() name */
};

enum rule_ovs_line {
	RULE_OVS_LINE_OTHER = 0,	/* blank, a reply header */
	RULE_OVS_LINE_FLOW,
	RULE_OVS_LINE_BAD,		/* has "actions=", does not parse */
};

/* One line (no newline needed; len bytes, no NUL needed) into *f. */
enum rule_ovs_line rule_ovs_parse_line(const char *line, size_t len,
	    struct rule_ovs_flow *f);

struct rule_ovs_dump_stats {
	size_t	flows, bad, other;
};

/* Called for each flow line of a dump, with the line (trimmed). */
typedef void rule_ovs_flow_cb(void *arg, const struct rule_ovs_flow *,
	    const char *line, size_t len);

/* Every line of buf (len bytes) through rule_ovs_parse_line(). */
void	rule_ovs_parse_dump(const char *buf, size_t len,
	    rule_ovs_flow_cb *cb, void *arg, struct rule_ovs_dump_stats *);

/*
 * The add-flows input installing c as rule name at priority to port:
 * "delete cookie=C/-1" (so an install replaces whatever the name had),
 * then one "add" line per direction.  Into buf, NUL-terminated; its
 * length, or -1 with err (bad values, name, port, or no room).
 */
int	rule_ovs_render_input(const struct rule_capture *c, const char *name,
	    uint32_t priority, const char *port, char *buf, size_t size,
	    char *err, size_t errlen);

/* The two flows of that input, as values (to compare with a dump). */
int	rule_ovs_expect(const struct rule_capture *c, const char *name,
	    uint32_t priority, const char *port, struct rule_ovs_flow out[2],
	    char *err, size_t errlen);

/*
 * The ops table's render: the two matches only, one per line
 * ("ip,nw_src=L,nw_dst=R"); cookie, priority, port and note belong to
 * the client.  Its length, or -1 with err.
 */
int	rule_ovs_render_matches(const struct rule_capture *c, char *buf,
	    size_t size, char *err, size_t errlen);

/* 1 if got is the flow want, priority aside when any_priority. */
int	rule_ovs_flow_equal(const struct rule_ovs_flow *want,
	    const struct rule_ovs_flow *got, int any_priority);

/*
 * 1 if an ovs-ofctl run that ended so is worth another try: killed at
 * the deadline or by a signal, not started at all, or exit 1 with a
 * connection failure on stderr ("Connection refused", a socket that is
 * not there yet).  A flow the switch refused is never retried.
 */
int	rule_ovs_retryable(int spawned, int timed_out, int signaled,
	    int exit_status, const char *stderr_text);

/* 1 if stderr says the switch cannot take an OpenFlow 1.4 bundle. */
int	rule_ovs_no_bundle(const char *stderr_text);

#endif /* FS_RULE_IMPL_H */
