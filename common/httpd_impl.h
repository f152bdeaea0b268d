/*
 * httpd_impl.h - what the files of the HTTP server share (httpd.c: the
 * server and its counters; httpd_request.c: parsing, routing, the token,
 * dispatch; httpd_reply.c: replies, held and streamed requests).  Not for
 * other modules: they use httpd.h.
 *
 * The life of a struct httpd_req:
 *
 *	ACTIVE     the handler runs (in_handler) and has not answered yet
 *	HELD       httpd_req_hold(): answered later, or closed
 *	STREAMING  httpd_stream_start(): chunks until end, cut or closed
 *	DONE       answered, or the client went; evhttp alone owns the
 *	           evhttp_request from here and we never touch it again
 *
 * A HELD or STREAMING request is "open": it is on httpd.open, watches its
 * socket, and is the close callback's argument of its connection.  The
 * struct is freed as soon as it is DONE, except while its handler still
 * runs (in_handler): then the dispatcher frees it when the handler returns.
 */
#ifndef FS_HTTPD_IMPL_H
#define FS_HTTPD_IMPL_H

#include <sys/queue.h>

#include <stdio.h>

#include <event2/keyvalq_struct.h>

#include "httpd.h"

#define HTTPD_MAX_ROUTES	64
#define HTTPD_MAX_SEGMENTS	16	/* path segments of a route */
#define HTTPD_MAX_WILDCARDS	4	/* "*" segments of a route */
#define HTTPD_MAX_PATTERN	256	/* route pattern length */

#define HTTPD_DEFAULT_HEADERS	(8 * 1024)
#define HTTPD_DEFAULT_STREAM	(4 * 1024 * 1024)
#define HTTPD_DEFAULT_TIMEOUT	60

struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct evbuffer;
struct event;

enum httpd_req_state {
	HTTPD_REQ_ACTIVE,
	HTTPD_REQ_HELD,
	HTTPD_REQ_STREAMING,
	HTTPD_REQ_DONE,
};

struct httpd_route {
	unsigned	 methods;	/* httpd_method bits, HTTPD_PUBLIC */
	httpd_handler	*fn;
	void		*ctx;
	char		*segbuf;		/* the pattern's segments */
	const char	*seg[HTTPD_MAX_SEGMENTS];
	unsigned	 nseg;
};

struct httpd_req {
	LIST_ENTRY(httpd_req)	 entry;		/* on httpd.open while open */
	struct httpd		*h;
	struct evhttp_request	*evreq;
	struct evhttp_connection *evcon;
	enum httpd_req_state	 state;
	int			 in_handler;
	int			 linked;	/* on httpd.open */
	int			 streaming;	/* counted in streams_open */

	enum httpd_method	 method;
	char			*pathbuf;	/* path, then segments */
	const char		*path;
	const char		*seg[HTTPD_MAX_SEGMENTS];
	unsigned		 nseg;
	int			 too_deep;	/* deeper than any route */
	const char		*wild[HTTPD_MAX_WILDCARDS];
	unsigned		 nwild;
	struct evkeyvalq	 query;
	char			*body;
	size_t			 body_len;
	struct netaddr		 peer;
	uint16_t		 peer_port;

	FILE			*json;		/* httpd_json_begin() .. send */
	char			*json_buf;
	size_t			 json_len;
	int			 json_failed;	/* no memory for the stream */
	struct json_writer	 jw;

	httpd_close_cb		*closed;
	void			*closed_ctx;
	struct event		*watch;		/* the socket, while open */
};

struct httpd {
	struct event_base	*base;
	struct evhttp		*http;
	struct evbuffer		*chunk;		/* reused for stream chunks */
	char			*token;		/* NULL: no authentication */
	size_t			 token_len;
	char			 server_name[64];
	size_t			 max_body;
	size_t			 max_headers;
	size_t			 stream_buffer;
	size_t			 input_cap;	/* see httpd.c */
	int			 timeout_s;	/* idle connection timeout */
	uint16_t		 port;
	int			 own_output;	/* > 0 while we write a reply */
	struct httpd_stats	 st;
	struct httpd_route	 routes[HTTPD_MAX_ROUTES];
	unsigned		 nroutes;
	LIST_HEAD(, httpd_req)	 open;
};

/* httpd.c: count a reply's status. */
void	httpd_count_status(struct httpd *, int status);

/* httpd_request.c: evhttp's generic callback; free a request's struct. */
void	httpd_on_request(struct evhttp_request *, void *httpd);
void	httpd_req_release(struct httpd_req *);

#endif /* FS_HTTPD_IMPL_H */
