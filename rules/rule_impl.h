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

/* Replace control bytes, DEL and non-ASCII bytes of s with '?'. */
void	rule_sanitize(char *s);

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

#endif /* FS_RULE_IMPL_H */
