/*
 * httpd_request.c - what happens to a request evhttp hands us: its target
 * decoded and checked (path segments, query), its body copied, its route
 * found, the bearer token checked, and its handler called; the route
 * table, and the request's accessors.
 *
 * The order of the checks: a target we cannot decode is a 400 for
 * anyone; then, when a token is set, everything but a public route
 * answers 401 without it, so an unauthenticated client cannot tell which
 * paths exist; then 404 (no route has the path) or 405 (some route has
 * it, with other methods: Allow lists them); then the handler.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "httpd_impl.h"

/* ---- decoding ------------------------------------------------------------ */

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode n bytes of s into out (NUL-terminated); the decoded
 * length, or -1 for a malformed escape or an encoded NUL.  evhttp's own
 * decoder passes malformed escapes through, and a NUL would cut a C string
 * short: both must be a 400, not a different path.  out may be NULL to
 * only check.
 */
static ssize_t
pct_decode(const char *s, size_t n, char *out)
{
	size_t i, j = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (n - i < 3)
				return -1;
			if ((hi = hex_value(s[i + 1])) == -1 ||
			    (lo = hex_value(s[i + 2])) == -1)
				return -1;
			c = hi << 4 | lo;
			if (c == 0)
				return -1;
			i += 2;
		}
		if (out != NULL)
			out[j] = (char)c;
		j++;
	}
	if (out != NULL)
		out[j] = '\0';
	return (ssize_t)j;
}

/* ---- the request -------------------------------------------------------- */

void
httpd_req_release(struct httpd_req *r)
{
	if (r->linked)
		LIST_REMOVE(r, entry);
	if (r->watch != NULL)
		event_free(r->watch);
	if (r->json != NULL)
		fclose(r->json);
	free(r->json_buf);
	evhttp_clear_headers(&r->query);
	free(r->pathbuf);
	free(r->body);
	free(r);
}

static void
req_peer(struct httpd_req *r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct bufferevent *bev = evhttp_connection_get_bufferevent(r->evcon);
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memset(&r->peer, 0, sizeof(r->peer));
	memset(&ss, 0, sizeof(ss));
	if (getpeername(bufferevent_getfd(bev), (struct sockaddr *)&ss,
	    &len) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		r->peer.family = NETADDR_IPV4;
		memcpy(r->peer.bytes, &sin->sin_addr, 4);
		r->peer_port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&ss;
		const uint8_t *a = sin6->sin6_addr.s6_addr;

		/* An IPv4 client of a dual-stack socket is an IPv4 client. */
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			r->peer.family = NETADDR_IPV4;
			memcpy(r->peer.bytes, a + 12, 4);
		} else {
			r->peer.family = NETADDR_IPV6;
			memcpy(r->peer.bytes, a, 16);
		}
		r->peer_port = ntohs(sin6->sin6_port);
	}
}

/*
 * The decoded path and its segments.  The raw path is split before
 * decoding, so "%2F" stays inside its segment.  -1: not a path we accept,
 * -2: no memory.
 */
static int
req_parse_path(struct httpd_req *r, const char *raw)
{
	size_t rawlen = strlen(raw);
	const char *s, *e;
	char *p;
	ssize_t n;

	if (raw[0] != '/')
		return -1;
	if ((r->pathbuf = malloc(2 * (rawlen + 1))) == NULL)
		return -2;
	if (pct_decode(raw, rawlen, r->pathbuf) == -1)
		return -1;
	r->path = r->pathbuf;
	p = r->pathbuf + rawlen + 1;
	if (raw[1] == '\0')			/* "/": no segment */
		return 0;
	for (s = raw + 1;; s = e + 1) {
		if ((e = strchr(s, '/')) == NULL)
			e = s + strlen(s);
		if (r->nseg == HTTPD_MAX_SEGMENTS) {
			r->too_deep = 1;
			break;
		}
		n = pct_decode(s, (size_t)(e - s), p);
		r->seg[r->nseg++] = p;
		p += n + 1;
		if (*e == '\0')		/* "/a/" ends in an empty one */
			break;
	}
	return 0;
}

/* The target, query and body of evreq; -1 for a 400, -2 no memory. */
static int
req_parse(struct httpd_req *r)
{
	const struct evhttp_uri *u =
	    evhttp_request_get_evhttp_uri(r->evreq);
	const char *path, *query;
	struct evbuffer *in;
	int rc;

	if (u == NULL || (path = evhttp_uri_get_path(u)) == NULL)
		return -1;
	if ((rc = req_parse_path(r, path)) != 0)
		return rc;
	query = evhttp_uri_get_query(u);
	if (query != NULL && (pct_decode(query, strlen(query), NULL) == -1 ||
	    evhttp_parse_query_str(query, &r->query) == -1))
		return -1;
	in = evhttp_request_get_input_buffer(r->evreq);
	if ((r->body_len = evbuffer_get_length(in)) > 0) {
		if ((r->body = malloc(r->body_len + 1)) == NULL)
			return -2;
		evbuffer_copyout(in, r->body, r->body_len);
		r->body[r->body_len] = '\0';
	}
	return 0;
}

/* ---- routing ------------------------------------------------------------- */

static int
route_match(const struct httpd_route *rt, const struct httpd_req *r,
    const char **wild, unsigned *nwild)
{
	unsigned i;

	*nwild = 0;
	if (r->too_deep || rt->nseg != r->nseg)
		return 0;
	for (i = 0; i < rt->nseg; i++) {
		if (strcmp(rt->seg[i], "*") == 0) {
			if (r->seg[i][0] == '\0')
				return 0;
			wild[(*nwild)++] = r->seg[i];
		} else if (strcmp(rt->seg[i], r->seg[i]) != 0)
			return 0;
	}
	return 1;
}

/*
 * Constant-time comparison with the token: the time depends on the
 * token's length only, never on where a guess goes wrong or how long it
 * is.
 */
static int
token_equal(const char *given, size_t glen, const char *token, size_t tlen)
{
	volatile unsigned char diff = glen != tlen;
	size_t i;

	for (i = 0; i < tlen; i++)
		diff |= (unsigned char)token[i] ^
		    (unsigned char)(i < glen ? given[i] : 0);
	return diff == 0;
}

static int
authorized(const struct httpd_req *r)
{
	const struct httpd *h = r->h;
	const char *v;

	v = evhttp_find_header(evhttp_request_get_input_headers(r->evreq),
	    "Authorization");
	if (v == NULL)
		return 0;
	v += strspn(v, " \t");
	if (strncasecmp(v, "Bearer", 6) != 0 || (v[6] != ' ' && v[6] != '\t'))
		return 0;
	v += 6;
	v += strspn(v, " \t");
	return token_equal(v, strlen(v), h->token, h->token_len);
}

static void
format_allow(unsigned methods, char *buf, size_t size)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} names[] = {
		{ HTTPD_GET, "GET" }, { HTTPD_POST, "POST" },
		{ HTTPD_PUT, "PUT" }, { HTTPD_DELETE, "DELETE" },
	};
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((methods & names[i].bit) && off < size)
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
			    off > 0 ? ", " : "", names[i].name);
}

static void
route_request(struct httpd_req *r)
{
	struct httpd *h = r->h;
	const struct httpd_route *found = NULL;
	const char *wild[HTTPD_MAX_WILDCARDS];
	unsigned i, nwild, path_methods = 0;
	int path_public = 0, public;
	char allow[64];

	switch (req_parse(r)) {
	case 0:
		break;
	case -1:
		httpd_reply_error(r, 400, "malformed request target");
		return;
	default:
		httpd_reply_error(r, 503, "out of memory");
		return;
	}
	for (i = 0; i < h->nroutes; i++) {
		const struct httpd_route *rt = &h->routes[i];

		if (!route_match(rt, r, wild, &nwild))
			continue;
		path_methods |= rt->methods;
		if (rt->methods & HTTPD_PUBLIC)
			path_public = 1;
		if (found == NULL && (rt->methods & r->method)) {
			found = rt;
			memcpy(r->wild, wild, nwild * sizeof(wild[0]));
			r->nwild = nwild;
		}
	}
	/* Only public routes answer without the token, even with errors. */
	public = found != NULL ? (found->methods & HTTPD_PUBLIC) != 0 :
	    path_public;
	if (h->token != NULL && !public && !authorized(r)) {
		evhttp_add_header(evhttp_request_get_output_headers(r->evreq),
		    "WWW-Authenticate", "Bearer");
		httpd_reply_error(r, 401, "missing or wrong bearer token");
		return;
	}
	if (found == NULL && path_methods == 0) {
		httpd_reply_error(r, 404, "no such path");
		return;
	}
	if (found == NULL) {
		format_allow(path_methods, allow, sizeof(allow));
		evhttp_add_header(evhttp_request_get_output_headers(r->evreq),
		    "Allow", allow);
		httpd_reply_error(r, 405, "method not allowed (allowed: %s)",
		    allow);
		return;
	}
	found->fn(r, found->ctx);
}

static enum httpd_method
method_of(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return HTTPD_GET;
	case EVHTTP_REQ_POST:
		return HTTPD_POST;
	case EVHTTP_REQ_PUT:
		return HTTPD_PUT;
	case EVHTTP_REQ_DELETE:
		return HTTPD_DELETE;
	default:
		return 0;	/* evhttp answers other methods itself */
	}
}

/* evhttp's generic callback: every request that reaches us. */
void
httpd_on_request(struct evhttp_request *evreq, void *arg)
{
	struct httpd *h = arg;
	struct httpd_req *r;

	h->st.requests++;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		h->own_output++;
		evhttp_send_error(evreq, 503, NULL);
		h->own_output--;
		httpd_count_status(h, 503);
		return;
	}
	r->h = h;
	r->evreq = evreq;
	r->evcon = evhttp_request_get_connection(evreq);
	r->state = HTTPD_REQ_ACTIVE;
	r->method = method_of(evhttp_request_get_command(evreq));
	TAILQ_INIT(&r->query);
	req_peer(r);

	r->in_handler = 1;
	route_request(r);
	if (r->state == HTTPD_REQ_ACTIVE)	/* a handler's bug */
		httpd_reply_error(r, 500, "the handler sent no reply");
	r->in_handler = 0;
	if (r->state == HTTPD_REQ_DONE)
		httpd_req_release(r);
}

int
httpd_route(struct httpd *h, unsigned methods, const char *path,
    httpd_handler *fn, void *ctx)
{
	struct httpd_route *rt;
	unsigned nwild = 0;
	char *s, *e;
	size_t len;

	if (h->nroutes == HTTPD_MAX_ROUTES || fn == NULL || path[0] != '/' ||
	    (methods & (HTTPD_GET | HTTPD_POST | HTTPD_PUT | HTTPD_DELETE)) ==
	    0 || (len = strlen(path)) >= HTTPD_MAX_PATTERN)
		return -1;
	rt = &h->routes[h->nroutes];
	memset(rt, 0, sizeof(*rt));
	if ((rt->segbuf = strdup(path + 1)) == NULL)
		return -1;
	for (s = rt->segbuf; path[1] != '\0'; s = e + 1) {	/* "/": none */
		if ((e = strchr(s, '/')) != NULL)
			*e = '\0';
		if (*s == '\0' || rt->nseg == HTTPD_MAX_SEGMENTS ||
		    (strcmp(s, "*") == 0 && ++nwild > HTTPD_MAX_WILDCARDS)) {
			free(rt->segbuf);	/* "//", "/a/", too long */
			rt->segbuf = NULL;
			return -1;
		}
		rt->seg[rt->nseg++] = s;
		if (e == NULL)
			break;
	}
	rt->methods = methods;
	rt->fn = fn;
	rt->ctx = ctx;
	h->nroutes++;
	return 0;
}

/* ---- request accessors --------------------------------------------------- */

enum httpd_method
httpd_req_method(const struct httpd_req *r)
{
	return r->method;
}

const char *
httpd_req_path(const struct httpd_req *r)
{
	return r->path != NULL ? r->path : "";
}

const char *
httpd_req_wildcard(const struct httpd_req *r, unsigned i)
{
	return i < r->nwild ? r->wild[i] : NULL;
}

const char *
httpd_req_query(const struct httpd_req *r, const char *name)
{
	return evhttp_find_header(&r->query, name);
}

const char *
httpd_req_body(const struct httpd_req *r, size_t *len)
{
	if (len != NULL)
		*len = r->body_len;
	return r->body != NULL ? r->body : "";
}

const char *
httpd_req_header(const struct httpd_req *r, const char *name)
{
	if (r->evreq == NULL)
		return NULL;
	return evhttp_find_header(evhttp_request_get_input_headers(r->evreq),
	    name);
}

void
httpd_req_peer(const struct httpd_req *r, struct netaddr *a, uint16_t *port)
{
	if (a != NULL)
		*a = r->peer;
	if (port != NULL)
		*port = r->peer_port;
}
