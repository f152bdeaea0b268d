/*
 * rule_http.c - the HTTP engine of the REST switch backends: one libcurl
 * multi handle per switch driven by the caller's libevent loop, requests
 * with a deadline each, at most `concurrency` in flight and the rest in a
 * bounded FIFO, and retries with exponential backoff and jitter.
 *
 * The multi-on-libevent wiring is common/curl_loop.c, shared with the
 * blacklist fetcher.
 *
 * A request is in exactly one of three places:
 *   WAITING  its timer runs (an initial delay, or backoff before a retry)
 *   QUEUED   on the FIFO, waiting for a free slot
 *   RUNNING  its easy handle is in the multi (counted in `running`)
 * and on the list of all requests, so freeing the client finds every one.
 * A finished request leaves the multi before its callback runs; the
 * callback may start new requests (they queue behind the limit).
 *
 * Credentials: user and password are handed to libcurl as options, never
 * put in the URL, never logged; our copy of the password is wiped when
 * the client is freed.  Proxies from the environment are ignored: rules
 * and credentials go to the switch and nowhere else.  Redirects are not
 * followed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "curl_loop.h"
#include "rule_impl.h"

#if LIBCURL_VERSION_NUM < 0x075500
#error "libcurl 7.85 or later is needed (CURLOPT_PROTOCOLS_STR)"
#endif

enum req_place {
	REQ_WAITING = 0,
	REQ_QUEUED,
	REQ_RUNNING,
};

struct rule_req {
	struct rule_req		*prev, *next;	/* all requests */
	struct rule_req		*qnext;		/* the FIFO */
	struct rule_http	*h;
	enum req_place		 place;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;		/* PUT body, or NULL */
	struct event		*timer;
	char			*buf;		/* the response body */
	size_t			 len, cap;
	int			 over_cap, out_of_memory;
	uint32_t		 attempts;
	int			 start_failed;	/* report errbuf */
	rule_http_cb		*cb;
	void			*arg;
	char			 url[RULE_URL_MAX];
	char			 errbuf[CURL_ERROR_SIZE];
};

struct rule_http {
	struct event_base	*base;
	struct curl_loop	*loop;		/* common/curl_loop.c */
	struct rule_req		*all;
	struct rule_req		*qhead, *qtail;
	size_t			 n_all, n_queued, running;
	uint64_t		 prng;
	/* resolved options */
	char			*base_url;	/* ends with '/' */
	int			 allow_http;
	char			*user, *password, *ca_file, *pin;
	uint32_t		 timeout_ms, retries, concurrency;
	uint32_t		 backoff_base_ms, backoff_max_ms;
	uint32_t		 verify_delay_ms;
};

static void	pump(struct rule_http *);
static void	finish(struct rule_req *, CURLcode, long, const char *);

/* ---- requests ----------------------------------------------------------- */

static size_t
req_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct rule_req *r = arg;
	size_t n = size * nmemb;

	/* The cap is enforced here: refusing bytes aborts the transfer. */
	if (n > RULE_MAX_BODY - r->len) {
		r->over_cap = 1;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		if ((p = realloc(r->buf, cap)) == NULL) {
			r->out_of_memory = 1;
			return 0;
		}
		r->buf = p;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static size_t
req_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct rule_req *r = arg;
	size_t n = size * nmemb;

	/* A new response (after a 100): forget the bytes of the last. */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0)
		r->len = 0;
	return n;
}

static void
req_free(struct rule_req *r)
{
	struct rule_http *h = r->h;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->all = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	h->n_all--;
	if (r->easy != NULL) {
		if (r->place == REQ_RUNNING)
			curl_loop_remove(h->loop, r->easy);
		curl_easy_cleanup(r->easy);
	}
	if (r->timer != NULL)
		event_free(r->timer);
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r->buf);
	free(r);
}

static void
enqueue(struct rule_http *h, struct rule_req *r)
{
	r->place = REQ_QUEUED;
	r->qnext = NULL;
	if (h->qtail != NULL)
		h->qtail->qnext = r;
	else
		h->qhead = r;
	h->qtail = r;
	h->n_queued++;
}

static void
on_req_timer(evutil_socket_t fd, short what, void *arg)
{
	struct rule_req *r = arg;

	(void)fd;
	(void)what;
	if (r->start_failed) {
		finish(r, CURLE_FAILED_INIT, 0, r->errbuf);
		return;
	}
	enqueue(r->h, r);
	pump(r->h);
}

/* Wait ms, then queue (REQ_WAITING).  -1 if the timer cannot be armed. */
static int
req_wait(struct rule_req *r, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	r->place = REQ_WAITING;
	return evtimer_add(r->timer, &tv);
}

static void
finish(struct rule_req *r, CURLcode code, long http_code, const char *why)
{
	struct rule_http_response resp;
	char error[RULE_ERR_MAX];

	memset(&resp, 0, sizeof(resp));
	resp.curl = code;
	resp.code = http_code;
	resp.body = r->buf != NULL ? r->buf : "";
	resp.len = r->len;
	resp.attempts = r->attempts;
	error[0] = '\0';
	if (why != NULL)
		snprintf(error, sizeof(error), "%s", why);
	else if (code != CURLE_OK)
		snprintf(error, sizeof(error), "%s", r->errbuf[0] != '\0' ?
		    r->errbuf : curl_easy_strerror(code));
	rule_sanitize(error);
	resp.error = error;
	r->cb(r->arg, &resp);
	req_free(r);
}

/* One attempt ended: retry it later, or report it. */
static void
req_done(struct rule_http *h, struct rule_req *r, CURLcode code)
{
	long http_code = 0;
	const char *why = NULL;
	char text[64];

	h->running--;
	r->place = REQ_WAITING;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http_code);
	if (r->over_cap) {
		snprintf(text, sizeof(text), "response larger than %u bytes",
		    RULE_MAX_BODY);
		why = text;
	} else if (r->out_of_memory)
		why = "out of memory reading the response";
	if (why == NULL && rule_retryable(code, http_code) &&
	    r->attempts <= h->retries &&
	    req_wait(r, rule_backoff_ms(r->attempts, h->backoff_base_ms,
	    h->backoff_max_ms, rule_prng(&h->prng))) == 0)
		return;
	if (why == NULL && code == CURLE_OK && http_code == 0)
		why = "no HTTP status";
	finish(r, why != NULL && code == CURLE_OK ? CURLE_WRITE_ERROR : code,
	    http_code, why);
}

/* A transfer finished (it has left the multi): settle its request. */
static void
on_done(void *ctx, CURL *easy, CURLcode code)
{
	struct rule_http *h = ctx;
	char *p = NULL;

	if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p) != CURLE_OK ||
	    p == NULL)
		return;		/* not ours: impossible */
	req_done(h, (struct rule_req *)(void *)p, code);
	pump(h);
}

/* Start queued requests while slots are free. */
static void
pump(struct rule_http *h)
{
	struct rule_req *r;

	while (h->running < h->concurrency && (r = h->qhead) != NULL) {
		h->qhead = r->qnext;
		if (h->qhead == NULL)
			h->qtail = NULL;
		h->n_queued--;
		r->attempts++;
		r->len = 0;
		r->over_cap = r->out_of_memory = 0;
		r->errbuf[0] = '\0';
		/* libcurl arms its timer: the transfer starts on the loop. */
		if (curl_loop_add(h->loop, r->easy, r->errbuf,
		    sizeof(r->errbuf)) == -1) {
			/* Reported from the loop, never from inside a call. */
			r->start_failed = 1;
			if (req_wait(r, 0) == -1)
				finish(r, CURLE_FAILED_INIT, 0, r->errbuf);
			continue;
		}
		r->place = REQ_RUNNING;
		h->running++;
	}
}

static int
req_setup(struct rule_http *h, struct rule_req *r, enum rule_method m)
{
	const char *protocols = h->allow_http ? "http,https" : "https";
	struct curl_slist *l;
	CURLcode rc = CURLE_OK;
	CURL *e = r->easy;

	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((l = curl_slist_append(NULL, "Expect:")) == NULL)
		return -1;
	r->headers = l;
	if (m == RULE_PUT) {
		if ((l = curl_slist_append(r->headers,
		    "Content-Type: application/json")) == NULL)
			return -1;
		r->headers = l;
	}
	if ((l = curl_slist_append(r->headers, "Accept: application/json")) ==
	    NULL)
		return -1;
	r->headers = l;
#define SET(opt, val)	do {						\
		if (rc == CURLE_OK)					\
			rc = curl_easy_setopt(e, opt, val);		\
	} while (0)
	SET(CURLOPT_URL, r->url);
	SET(CURLOPT_PRIVATE, (void *)r);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, protocols);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)h->timeout_ms);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		SET(CURLOPT_CAINFO, h->ca_file);
	if (h->pin != NULL) {
		SET(CURLOPT_PINNEDPUBLICKEY, h->pin);
		/* The pin alone is the trust anchor of a self-signed switch. */
		if (h->ca_file == NULL) {
			SET(CURLOPT_SSL_VERIFYPEER, 0L);
			SET(CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	if (h->user != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, h->user);
		SET(CURLOPT_PASSWORD, h->password != NULL ? h->password : "");
	}
	SET(CURLOPT_HTTPHEADER, r->headers);
	SET(CURLOPT_WRITEFUNCTION, req_write);
	SET(CURLOPT_WRITEDATA, (void *)r);
	SET(CURLOPT_HEADERFUNCTION, req_header);
	SET(CURLOPT_HEADERDATA, (void *)r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	switch (m) {
	case RULE_GET:
		SET(CURLOPT_HTTPGET, 1L);
		break;
	case RULE_PUT:
		SET(CURLOPT_CUSTOMREQUEST, "PUT");
		SET(CURLOPT_POSTFIELDS, r->body != NULL ? r->body : "");
		SET(CURLOPT_POSTFIELDSIZE, (long)(r->body != NULL ?
		    strlen(r->body) : 0));
		break;
	case RULE_DELETE:
		SET(CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	}
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

int
rule_http_request(struct rule_http *h, enum rule_method m, const char *path,
    const char *body, uint32_t delay_ms, rule_http_cb *cb, void *arg,
    char *err, size_t errlen)
{
	struct rule_req *r;
	int n;

	if (path[0] != '\0' && !rule_name_ok(path) &&
	    strcmp(path, RULE_RESERVED_NAME) != 0) {
		snprintf(err, errlen, "refusing a request for a bad name");
		return -1;
	}
	if (h->n_all >= RULE_MAX_QUEUE) {
		snprintf(err, errlen, "too many requests for this switch "
		    "(%d)", RULE_MAX_QUEUE);
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto oom;
	r->h = h;
	r->cb = cb;
	r->arg = arg;
	r->place = REQ_WAITING;
	r->next = h->all;
	if (h->all != NULL)
		h->all->prev = r;
	h->all = r;
	h->n_all++;
	n = snprintf(r->url, sizeof(r->url), "%s%s", h->base_url, path);
	if (n < 0 || (size_t)n >= sizeof(r->url)) {
		req_free(r);
		snprintf(err, errlen, "URL too long");
		return -1;
	}
	if ((body != NULL && (r->body = strdup(body)) == NULL) ||
	    (r->timer = evtimer_new(h->base, on_req_timer, r)) == NULL ||
	    (r->easy = curl_easy_init()) == NULL ||
	    req_setup(h, r, m) == -1) {
		req_free(r);
		goto oom;
	}
	if (delay_ms > 0) {
		if (req_wait(r, delay_ms) == -1) {
			req_free(r);
			snprintf(err, errlen, "cannot arm a timer");
			return -1;
		}
		return 0;
	}
	enqueue(h, r);
	pump(h);
	return 0;
oom:
	snprintf(err, errlen, "out of memory starting a request");
	return -1;
}

size_t
rule_http_busy(const struct rule_http *h)
{
	return h->n_all;
}

uint32_t
rule_http_verify_delay_ms(const struct rule_http *h)
{
	return h->verify_delay_ms;
}

/* ---- the client --------------------------------------------------------- */

static int
copy_opt(char **dst, const char *src)
{
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) == NULL ? -1 : 0;
}

static int
resolve(struct rule_http *h, const struct rule_client_opts *o, char *err,
    size_t errlen)
{
	size_t len;

	if (!rule_url_ok(o->base_url, o->allow_http)) {
		snprintf(err, errlen, "bad switch URL: expected https://%s"
		    "HOST[:PORT]/PATH/ without user, query or spaces",
		    o->allow_http ? " (or http://)" : "");
		return -1;
	}
	if (o->pin != NULL && !rule_pin_ok(o->pin)) {
		snprintf(err, errlen, "bad pin: expected sha256// and the "
		    "base64 of 32 bytes");
		return -1;
	}
	if (o->password != NULL && o->user == NULL) {
		snprintf(err, errlen, "a password without a user");
		return -1;
	}
	len = strlen(o->base_url);
	if ((h->base_url = malloc(len + 2)) == NULL)
		goto oom;
	memcpy(h->base_url, o->base_url, len + 1);
	if (len == 0 || o->base_url[len - 1] != '/')
		memcpy(h->base_url + len, "/", 2);
	if (copy_opt(&h->user, o->user) == -1 ||
	    copy_opt(&h->password, o->password) == -1 ||
	    copy_opt(&h->ca_file, o->ca_file) == -1 ||
	    copy_opt(&h->pin, o->pin) == -1)
		goto oom;
	h->allow_http = o->allow_http;
	h->timeout_ms = o->timeout_ms ? o->timeout_ms : RULE_DEFAULT_TIMEOUT_MS;
	h->retries = o->retries_set ? o->retries : RULE_DEFAULT_RETRIES;
	h->concurrency = o->concurrency ? o->concurrency :
	    RULE_DEFAULT_CONCURRENCY;
	h->backoff_base_ms = o->backoff_base_ms ? o->backoff_base_ms :
	    RULE_DEFAULT_BACKOFF_MS;
	h->backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms :
	    RULE_DEFAULT_BACKOFF_MAX_MS;
	if (h->backoff_max_ms < h->backoff_base_ms)
		h->backoff_max_ms = h->backoff_base_ms;
	h->verify_delay_ms = o->verify_delay_ms ? o->verify_delay_ms :
	    RULE_DEFAULT_VERIFY_DELAY_MS;
	h->prng = o->seed;
	if (h->prng == 0 && getrandom(&h->prng, sizeof(h->prng), 0) !=
	    (ssize_t)sizeof(h->prng))
		h->prng = (uint64_t)(uintptr_t)h;	/* jitter only */
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

struct rule_http *
rule_http_new(struct event_base *base, const struct rule_client_opts *o,
    char *err, size_t errlen)
{
	struct rule_http *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->base = base;
	if (resolve(h, o, err, errlen) == -1)
		goto fail;
	if ((h->loop = curl_loop_new(base, on_done, h, err, errlen)) == NULL)
		goto fail;
	return h;
fail:
	rule_http_free(h);
	return NULL;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
rule_http_free(struct rule_http *h)
{
	if (h == NULL)
		return;
	h->qhead = h->qtail = NULL;
	while (h->all != NULL)
		req_free(h->all);
	curl_loop_free(h->loop);
	free(h->base_url);
	free(h->user);
	wipe_free(h->password);
	free(h->ca_file);
	free(h->pin);
	free(h);
}
