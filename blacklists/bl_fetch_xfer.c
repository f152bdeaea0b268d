/*
 * bl_fetch_xfer.c - one HTTP(S) download of a list: a libcurl easy handle
 * set up for hostile servers, and the callbacks that receive its headers
 * and body.
 *
 * The body cap is enforced in the write callback: refusing bytes makes
 * libcurl abort the transfer at once (CURLOPT_MAXFILESIZE_LARGE only
 * rejects a declared Content-Length up front; libcurl 7.88 does not stop
 * a transfer already under way when it passes the limit).  Bodies of
 * responses other than 200 are counted against the cap but not kept.
 * Validators are kept only when they are safe to send back (bl_fetch.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_fetch.h"

#if LIBCURL_VERSION_NUM < 0x075500
#error "libcurl 7.85 or later is needed (CURLOPT_PROTOCOLS_STR)"
#endif

#define BUF_FIRST	(16 * 1024)

struct bl_fetch_xfer {
	CURL			*easy;
	struct curl_slist	*headers;
	void			*priv;
	int			 conditional;
	uint64_t		 max_bytes;

	unsigned char		*buf;		/* the body of a 200 */
	size_t			 len, cap;
	uint64_t		 received;	/* body bytes, any status */
	int			 over_cap;
	int			 out_of_memory;

	struct bl_fetch_validators got;		/* of the last response */
	char			 errbuf[CURL_ERROR_SIZE];
};

static size_t
xfer_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct bl_fetch_xfer *x = arg;
	size_t n = size * nmemb;
	long status = 0;

	if (n > x->max_bytes - x->received) {
		x->over_cap = 1;
		return 0;		/* abort: CURLE_WRITE_ERROR */
	}
	x->received += n;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return n;
	if (x->len + n > x->cap) {
		size_t cap = x->cap ? x->cap : BUF_FIRST;
		unsigned char *p;

		while (cap < x->len + n)
			cap *= 2;
		if (cap > x->max_bytes)
			cap = (size_t)x->max_bytes;
		if ((p = realloc(x->buf, cap)) == NULL) {
			x->out_of_memory = 1;
			return 0;
		}
		x->buf = p;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	return n;
}

static size_t
xfer_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct bl_fetch_xfer *x = arg;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (redirect, 100): forget earlier bytes. */
		x->len = 0;
	}
	bl_fetch_header_line(line, n, &x->got);
	return n;
}

static int
add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[BL_FETCH_ETAG_MAX + 32];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	if ((l = curl_slist_append(*list, line)) == NULL)
		return -1;
	*list = l;
	return 0;
}

struct bl_fetch_xfer *
bl_fetch_xfer_new(const struct bl_fetch_xfer_opts *o, void *priv, char *err,
    size_t errlen)
{
	struct bl_fetch_xfer *x;
	const char *protocols = o->allow_http ? "http,https" : "https";
	CURLcode rc = CURLE_OK;
	CURL *e;

	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->easy = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "out of memory starting a download");
		free(x);
		return NULL;
	}
	e = x->easy;
	x->priv = priv;
	x->max_bytes = o->max_bytes;
	if (o->cond != NULL && o->cond->etag[0] != '\0' &&
	    add_header(&x->headers, "If-None-Match", o->cond->etag) == -1)
		goto oom;
	if (o->cond != NULL && o->cond->last_modified[0] != '\0' &&
	    add_header(&x->headers, "If-Modified-Since",
	    o->cond->last_modified) == -1)
		goto oom;
	x->conditional = x->headers != NULL;

	/* Each setopt returns CURLE_OK or an error; collect the first. */
#define SET(opt, val)	do {						\
		if (rc == CURLE_OK)					\
			rc = curl_easy_setopt(e, opt, val);		\
	} while (0)
	SET(CURLOPT_URL, o->url);
	SET(CURLOPT_PRIVATE, (void *)x);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, protocols);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)BL_FETCH_MAX_REDIRS);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_USERAGENT, o->user_agent);
	SET(CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
	SET(CURLOPT_TIMEOUT, (long)o->timeout_s);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file != NULL)
		SET(CURLOPT_CAINFO, o->ca_file);
	SET(CURLOPT_WRITEFUNCTION, xfer_write);
	SET(CURLOPT_WRITEDATA, (void *)x);
	SET(CURLOPT_HEADERFUNCTION, xfer_header);
	SET(CURLOPT_HEADERDATA, (void *)x);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	if (x->headers != NULL)
		SET(CURLOPT_HTTPHEADER, x->headers);
#undef SET
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(rc));
		bl_fetch_xfer_free(x);
		return NULL;
	}
	return x;
oom:
	snprintf(err, errlen, "out of memory starting a download");
	bl_fetch_xfer_free(x);
	return NULL;
}

CURL *
bl_fetch_xfer_easy(struct bl_fetch_xfer *x)
{
	return x->easy;
}

void *
bl_fetch_xfer_priv(struct bl_fetch_xfer *x)
{
	return x->priv;
}

struct bl_fetch_xfer *
bl_fetch_xfer_of(CURL *easy)
{
	char *p = NULL;

	if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p) != CURLE_OK)
		return NULL;
	return (struct bl_fetch_xfer *)(void *)p;
}

void
bl_fetch_xfer_outcome(struct bl_fetch_xfer *x, CURLcode code,
    struct bl_fetch_outcome *out)
{
	struct bl_fetch_transfer_facts facts;
	curl_off_t body = 0;
	long headers = 0;

	memset(out, 0, sizeof(*out));
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &out->http_status);
	curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &body);
	curl_easy_getinfo(x->easy, CURLINFO_HEADER_SIZE, &headers);
	out->bytes = (uint64_t)(body > 0 ? body : 0) +
	    (uint64_t)(headers > 0 ? headers : 0);

	memset(&facts, 0, sizeof(facts));
	facts.code = code;
	facts.http_status = out->http_status;
	facts.over_cap = x->over_cap;
	facts.out_of_memory = x->out_of_memory;
	facts.conditional = x->conditional;
	facts.curl_error = x->errbuf;
	facts.max_bytes = x->max_bytes;
	out->status = bl_fetch_classify(&facts, out->error,
	    sizeof(out->error));
	if (out->status == BL_FETCH_UPDATED) {
		out->body = x->buf != NULL ? (const void *)x->buf : "";
		out->len = x->len;
		out->val = x->got;
	}
}

void
bl_fetch_xfer_free(struct bl_fetch_xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->buf);
	free(x);
}
