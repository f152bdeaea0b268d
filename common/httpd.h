/*
 * httpd.h - the small HTTP server both daemons expose (REST API, metrics,
 * live feeds), on libevent's evhttp.
 *
 * What it adds to evhttp: a route table (method + path, with one-segment
 * wildcards such as "/api/v1/captures/ * /approve" written without the
 * spaces), bearer-token authentication compared in constant time, capped
 * request bodies and headers, errors always as {"error": "..."} with the
 * right status (404 unknown path, 405 wrong method with Allow:, 401
 * without the token, 413 body too large, 400 bad query), JSON replies
 * written with the streaming json_writer (so uint64 counters print exactly),
 * requests held open for long polls, and streamed replies (Server-Sent
 * Events, pcap) with a bounded buffer per client: a client that does not
 * keep up is cut off and counted, it never slows the daemon.
 *
 * One server per listen address; everything runs on the caller's
 * event_base and nothing blocks.
 */
#ifndef FS_HTTPD_H
#define FS_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"
#include "netaddr.h"

struct event_base;
struct httpd;
struct httpd_req;

enum httpd_method {
	HTTPD_GET	= 0x1,
	HTTPD_POST	= 0x2,
	HTTPD_PUT	= 0x4,
	HTTPD_DELETE	= 0x8,
};

struct httpd_options {
	struct netaddr	 addr;		/* literal address to bind */
	uint16_t	 port;		/* 0: an ephemeral port (tests) */
	const char	*token;		/* bearer token, or NULL: no auth */
	size_t		 max_body;	/* request body cap, bytes (413 above) */
	size_t		 max_headers;	/* header bytes cap (0: 8 KiB) */
	size_t		 stream_buffer;	/* per streaming client, bytes (0: 4 MiB) */
	uint32_t	 timeout_s;	/* idle connection timeout (0: 60 s) */
	const char	*server_name;	/* Server: header, e.g. "finderscope/0.1.0" */
};

struct httpd_stats {
	uint64_t	requests;
	uint64_t	status_2xx, status_3xx, status_4xx, status_5xx;
	uint64_t	unauthorized;	/* 401s */
	uint64_t	too_large;	/* 413s */
	uint64_t	streams;	/* streamed replies started */
	uint64_t	streams_cut;	/* clients cut off for being too slow */
	uint64_t	streams_open;	/* now */
};

/* Handle a request; it must reply (httpd_reply_*, httpd_stream_start)
 * before returning, or hold it (httpd_req_hold) and reply later. */
typedef void httpd_handler(struct httpd_req *, void *ctx);

/* Told once when the client of a held or streaming request goes away
 * (or is cut off); the request must not be used afterwards. */
typedef void httpd_close_cb(struct httpd_req *, void *ctx);

/*
 * Listen on opt->addr:opt->port.  NULL with the reason in err (bind
 * failed, address in use, ...).
 */
struct httpd *httpd_new(struct event_base *, const struct httpd_options *,
	    char *err, size_t errlen);
/* Close the listener and every connection (held and streaming requests
 * get their close callback first).  NULL is a no-op. */
void	httpd_free(struct httpd *);

/*
 * A new bearer token (NULL: no authentication) and body cap for a running
 * server, e.g. after a configuration reload on the same address; requests
 * already received keep the old ones.  -1 (nothing changed) for an empty
 * token or when out of memory.
 */
int	httpd_set_token(struct httpd *, const char *token);
void	httpd_set_max_body(struct httpd *, size_t max_body);

/* The port bound (useful with port 0). */
uint16_t httpd_port(const struct httpd *);
void	httpd_stats(const struct httpd *, struct httpd_stats *);

/*
 * Route methods (a mask of enum httpd_method) on path to fn.  path is
 * exact ("/api/v1/status"), and a segment "*" matches any one non-empty
 * segment ("/api/v1/captures/ *" without the space).  First match wins.
 * Paths that are not public (everything but those marked with
 * HTTPD_PUBLIC in methods, e.g. /healthz) need the token when one is set.
 * -1 when the table is full (a programming error).
 */
#define HTTPD_PUBLIC	0x100
int	httpd_route(struct httpd *, unsigned methods, const char *path,
	    httpd_handler *fn, void *ctx);

/* ---- the request ------------------------------------------------------ */

enum httpd_method httpd_req_method(const struct httpd_req *);
const char *httpd_req_path(const struct httpd_req *);	/* decoded, no query */
/* The i-th "*" segment of the matched route (0-based), or NULL. */
const char *httpd_req_wildcard(const struct httpd_req *, unsigned i);
/* A query parameter, decoded; NULL when absent. */
const char *httpd_req_query(const struct httpd_req *, const char *name);
/* The body (at most max_body bytes), NUL-terminated for convenience. */
const char *httpd_req_body(const struct httpd_req *, size_t *len);
/* A request header's value (first of its name), or NULL. */
const char *httpd_req_header(const struct httpd_req *, const char *name);
/* The peer's address. */
void	httpd_req_peer(const struct httpd_req *, struct netaddr *, uint16_t *port);

/* ---- replies ---------------------------------------------------------- */

/* A JSON object reply: begin gives a writer positioned inside "{", the
 * handler adds members, send closes the object and sends it with status. */
struct json_writer *httpd_json_begin(struct httpd_req *);
void	httpd_json_send(struct httpd_req *, int status);

/* {"error": "message"} with status (message escaped). */
void	httpd_reply_error(struct httpd_req *, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Any body with a content type (e.g. "text/plain; version=0.0.4"). */
void	httpd_reply(struct httpd_req *, int status, const char *content_type,
	    const void *body, size_t len);

/*
 * Keep the request open to reply later (long poll).  closed is called if
 * the client leaves first (then do not reply).  A held request is replied
 * to with any httpd_reply* call, at most once.
 */
void	httpd_req_hold(struct httpd_req *, httpd_close_cb *closed, void *ctx);

/*
 * Streamed replies: headers with status 200 and content_type now, then
 * chunks as they come.  write returns 0, or -1 when the client's buffer
 * would exceed stream_buffer: the client is then cut off (counted, its
 * close callback runs) and the request is gone.  end finishes the reply.
 */
void	httpd_stream_start(struct httpd_req *, const char *content_type,
	    httpd_close_cb *closed, void *ctx);
int	httpd_stream_write(struct httpd_req *, const void *buf, size_t len);
void	httpd_stream_end(struct httpd_req *);

/* ---- helpers ---------------------------------------------------------- */

/* A ready handler for GET /healthz: 200 {"status": "ok"}. */
void	httpd_healthz(struct httpd_req *, void *ctx);

/*
 * Read a token file: the first line, without trailing white space; 16 to
 * 256 printable ASCII characters.  A file readable by group or others is
 * refused.  0, or -1 with why in err.
 */
int	httpd_read_token_file(const char *path, char *token, size_t size,
	    char *err, size_t errlen);

#endif /* FS_HTTPD_H */
