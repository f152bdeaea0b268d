/*
 * bl_fetch_policy.c - the fetcher's decisions as pure functions: which
 * names and URLs are acceptable, how long to wait after a failure, how to
 * spread refreshes, which response headers to keep, and what a finished
 * transfer means.  No I/O, no globals; tested by tables of cases.
 *
 * HTTP conditional requests: RFC 9110 section 13.1 (If-None-Match,
 * If-Modified-Since) and 15.4.5 (304 Not Modified).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bl_fetch.h"

int
bl_fetch_name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];

		if (i >= BL_NAME_MAX - 1)
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

int
bl_fetch_url_ok(const char *url, int allow_http)
{
	size_t i, n;

	if (url == NULL)
		return 0;
	n = strlen(url);
	if (n >= BL_FETCH_URL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f)
			return 0;
	if (n > 8 && strncasecmp(url, "https://", 8) == 0)
		return 1;
	if (allow_http && n > 7 && strncasecmp(url, "http://", 7) == 0)
		return 1;
	return 0;
}

uint64_t
bl_fetch_backoff_ms(uint32_t failures, uint64_t base_ms, uint64_t cap_ms)
{
	uint64_t ms = base_ms;
	uint32_t i;

	if (failures == 0)
		return 0;
	for (i = 1; i < failures && ms < cap_ms; i++)
		ms = ms > UINT64_MAX / 2 ? UINT64_MAX : ms * 2;
	return ms < cap_ms ? ms : cap_ms;
}

uint64_t
bl_fetch_jitter_ms(uint64_t interval_ms, uint64_t rnd)
{
	uint64_t lo, span;

	if (interval_ms > UINT32_MAX)
		interval_ms = UINT32_MAX;
	lo = interval_ms - interval_ms / 10;
	span = interval_ms / 5;
	/* span < 2^32 and rnd >> 32 < 2^32: the product fits. */
	return lo + ((span * (rnd >> 32)) >> 32);
}

uint64_t
bl_fetch_prng(uint64_t *state)
{
	uint64_t z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
bl_fetch_fnv1a64(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int
bl_fetch_header_value_ok(const char *v, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len >= max)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return 0;
	return 1;
}

/* Store value (trimmed of blanks) in dst if it is acceptable. */
static int
keep_value(char *dst, size_t max, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (!bl_fetch_header_value_ok(v, len, max))
		return 0;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 1;
}

int
bl_fetch_header_line(const char *line, size_t len,
    struct bl_fetch_validators *v)
{
	static const char etag[] = "etag:";
	static const char lastmod[] = "last-modified:";

	/* Drop the line end; a header folded over lines is not kept. */
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		memset(v, 0, sizeof(*v));
		return 1;
	}
	if (len > sizeof(etag) - 1 &&
	    strncasecmp(line, etag, sizeof(etag) - 1) == 0)
		return keep_value(v->etag, sizeof(v->etag),
		    line + sizeof(etag) - 1, len - (sizeof(etag) - 1));
	if (len > sizeof(lastmod) - 1 &&
	    strncasecmp(line, lastmod, sizeof(lastmod) - 1) == 0)
		return keep_value(v->last_modified, sizeof(v->last_modified),
		    line + sizeof(lastmod) - 1, len - (sizeof(lastmod) - 1));
	return 0;
}

enum bl_fetch_status
bl_fetch_classify(const struct bl_fetch_transfer_facts *t, char *err,
    size_t errlen)
{
	err[0] = '\0';
	if (t->out_of_memory) {
		snprintf(err, errlen, "out of memory receiving the body");
		return BL_FETCH_FAILED;
	}
	if (t->over_cap || t->code == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "body larger than max_bytes (%llu)%s",
		    (unsigned long long)t->max_bytes,
		    t->over_cap ? "" : ", as declared by the server");
		return BL_FETCH_FAILED;
	}
	if (t->code != CURLE_OK) {
		snprintf(err, errlen, "%s",
		    t->curl_error != NULL && t->curl_error[0] != '\0' ?
		    t->curl_error : curl_easy_strerror(t->code));
		return BL_FETCH_FAILED;
	}
	if (t->http_status == 200)
		return BL_FETCH_UPDATED;
	if (t->http_status == 304) {
		if (t->conditional)
			return BL_FETCH_NOT_MODIFIED;
		snprintf(err, errlen, "HTTP 304 to an unconditional request");
		return BL_FETCH_FAILED;
	}
	snprintf(err, errlen, "HTTP %ld", t->http_status);
	return BL_FETCH_FAILED;
}
