/*
 * bl_fetch.h - the fetcher's private parts, shared by its files and its
 * tests (not part of the module's API: include blacklists.h instead).
 *
 *  bl_fetch.c          the fetcher: sources, scheduling, file sources,
 *                      results
 *  bl_fetch_policy.c   pure functions: names, backoff, jitter, validators,
 *                      classifying a finished transfer
 *  bl_fetch_cache.c    the on-disk cache of the last good body
 *  bl_fetch_xfer.c     one HTTP(S) transfer: a curl easy handle and its
 *                      callbacks
 *  common/curl_loop.c  the curl multi handle driven by libevent
 *
 * Defaults for the zero fields of a struct bl_source_spec:
 *   refresh_s 0          no periodic refresh: fetched when added and on
 *                        bl_fetcher_fetch_all() (failures still retried)
 *   connect_timeout_s 0  BL_FETCH_DEFAULT_CONNECT_S
 *   timeout_s 0          BL_FETCH_DEFAULT_TIMEOUT_S
 *   max_bytes 0          BL_FETCH_DEFAULT_MAX_BYTES
 */
#ifndef FS_BL_FETCH_H
#define FS_BL_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "blacklists.h"

#define BL_FETCH_DEFAULT_CONNECT_S	10
#define BL_FETCH_DEFAULT_TIMEOUT_S	120
#define BL_FETCH_DEFAULT_MAX_BYTES	(64ULL << 20)
#define BL_FETCH_BACKOFF_BASE_MS	60000ULL	/* first retry */
#define BL_FETCH_BACKOFF_MAX_MS		3600000ULL	/* at most 1 h */
#define BL_FETCH_NOT_BEFORE_MAX_S	(7 * 86400)	/* cap on "Expires:" */
#define BL_FETCH_MAX_REDIRS		5
#define BL_FETCH_URL_MAX		2048
#define BL_FETCH_PATH_MAX		1024
#define BL_FETCH_META_MAX		8192		/* bytes of NAME.meta.json */
#define BL_FETCH_ERR_MAX		256

/* ---- pure policy (bl_fetch_policy.c) ------------------------------- */

/*
 * A list name is used in cache file names: 1 to 63 of [A-Za-z0-9_.-],
 * and neither "." nor "..".  1 if good.
 */
int	bl_fetch_name_ok(const char *name);

/*
 * 1 if url may be fetched: "https://" (any case), or "http://" when
 * allow_http; no spaces or control bytes, shorter than BL_FETCH_URL_MAX.
 * libcurl enforces the same protocols again, redirects included.
 */
int	bl_fetch_url_ok(const char *url, int allow_http);

/*
 * Milliseconds to wait after the failures-th failure in a row (>= 1):
 * base_ms doubling, never more than cap_ms.
 */
uint64_t bl_fetch_backoff_ms(uint32_t failures, uint64_t base_ms,
	    uint64_t cap_ms);

/*
 * interval_ms spread by +-10 %: rnd (uniform 64 bits) maps linearly onto
 * [0.9 * interval, 1.1 * interval).  Intervals above 2^32 - 1 ms are
 * treated as that.
 */
uint64_t bl_fetch_jitter_ms(uint64_t interval_ms, uint64_t rnd);

/* splitmix64: the next pseudo-random value of *state. */
uint64_t bl_fetch_prng(uint64_t *state);

/* FNV-1a, 64 bits: ties a cached body to its metadata (not security). */
uint64_t bl_fetch_fnv1a64(const void *, size_t);

/* The response validators we keep and send back. */
#define BL_FETCH_ETAG_MAX	256	/* with the NUL */
#define BL_FETCH_LASTMOD_MAX	64	/* with the NUL */
struct bl_fetch_validators {
	char	etag[BL_FETCH_ETAG_MAX];		/* "" if none */
	char	last_modified[BL_FETCH_LASTMOD_MAX];	/* "" if none */
};

/*
 * 1 if v (len bytes) may be sent back in a request header: 1 to max - 1
 * bytes, all printable ASCII (0x20-0x7e).  Anything else (CR, LF, NUL,
 * 8-bit) could split or corrupt our request.
 */
int	bl_fetch_header_value_ok(const char *v, size_t len, size_t max);

/*
 * One response header line as libcurl hands it over (not NUL-terminated,
 * CRLF included).  A status line ("HTTP/...") clears *v (a new response,
 * e.g. after a redirect); "ETag:" and "Last-Modified:" (any case) with a
 * valid value are stored.  Returns 1 if *v changed, else 0.
 */
int	bl_fetch_header_line(const char *line, size_t len,
	    struct bl_fetch_validators *v);

/* How one finished transfer went, as libcurl and our callbacks saw it. */
struct bl_fetch_transfer_facts {
	CURLcode	 code;
	long		 http_status;
	int		 over_cap;	/* the write callback refused bytes */
	int		 out_of_memory;	/* ... because realloc failed */
	int		 conditional;	/* we sent If-None-Match/-Modified-Since */
	const char	*curl_error;	/* CURLOPT_ERRORBUFFER, may be "" */
	uint64_t	 max_bytes;
};

/*
 * UPDATED (200, complete), NOT_MODIFIED (304 to a conditional request) or
 * FAILED with a message in err.  The body and validators may be used only
 * on UPDATED.
 */
enum bl_fetch_status bl_fetch_classify(const struct bl_fetch_transfer_facts *,
	    char *err, size_t errlen);

/* ---- the on-disk cache (bl_fetch_cache.c) -------------------------- */

/*
 * Per list, in the cache directory:
 *   NAME.body        the last good body, as received
 *   NAME.meta.json   {"version":1, "name", "source", "format", "etag",
 *                    "last_modified", "fetched_at", "not_before",
 *                    "body_len", "body_fnv1a64"}
 * Each is written to NAME.*.tmp, fsync()ed, renamed over the old one, and
 * the directory fsync()ed.  The body goes first; the metadata names the
 * body's length and hash, so a crash between the two renames leaves a
 * pair that does not match and is ignored at load (the next download is
 * then unconditional).  A cache for another source URL or format is
 * ignored too.
 */
struct bl_fetch_meta {
	struct bl_fetch_validators val;
	int64_t		fetched_at;
	int64_t		not_before;
	uint64_t	body_len;
	uint64_t	body_fnv1a64;
};

/* Which list a cache entry belongs to. */
struct bl_fetch_cache_key {
	const char	*dir;
	const char	*name;		/* bl_fetch_name_ok() */
	const char	*source;	/* the URL */
	const char	*format;	/* bl_format_name() */
	uint64_t	 max_bytes;	/* a bigger cached body is refused */
};

/* mkdir -p dir (0750 for what it creates).  -1 with a message in err. */
int	bl_fetch_cache_mkdir(const char *dir, char *err, size_t errlen);

/*
 * Load the cached body and metadata of key.  0: *body (malloc'd, the
 * caller frees; non-NULL even when *len is 0) and *meta filled.  1:
 * nothing cached.  -1: a cache that cannot be used, why in err.
 */
int	bl_fetch_cache_load(const struct bl_fetch_cache_key *,
	    struct bl_fetch_meta *meta, void **body, size_t *len,
	    char *err, size_t errlen);

/*
 * Read fd to its end, at most max bytes (the file may have grown since
 * fstat said size).  0 with *body (malloc'd, with room for at least one
 * byte more than *len) and *len, or -1 with err.
 */
int	bl_fetch_read_fd(int fd, const char *path, size_t size, uint64_t max,
	    void **body, size_t *len, char *err, size_t errlen);

/* Replace the cached body.  0, or -1 with a message in err. */
int	bl_fetch_cache_store_body(const struct bl_fetch_cache_key *,
	    const void *body, size_t len, char *err, size_t errlen);

/* Replace the cached metadata.  0, or -1 with a message in err. */
int	bl_fetch_cache_store_meta(const struct bl_fetch_cache_key *,
	    const struct bl_fetch_meta *, char *err, size_t errlen);

/* ---- one transfer (bl_fetch_xfer.c) -------------------------------- */

struct bl_fetch_xfer_opts {
	const char	*url;
	int		 allow_http;
	const char	*ca_file;	/* or NULL */
	const char	*user_agent;
	uint32_t	 connect_timeout_s;
	uint32_t	 timeout_s;
	uint64_t	 max_bytes;
	const struct bl_fetch_validators *cond;	/* or NULL */
};

struct bl_fetch_xfer;

/* A configured easy handle; priv is kept for the owner.  NULL + err. */
struct bl_fetch_xfer *bl_fetch_xfer_new(const struct bl_fetch_xfer_opts *,
	    void *priv, char *err, size_t errlen);
CURL	*bl_fetch_xfer_easy(struct bl_fetch_xfer *);
void	*bl_fetch_xfer_priv(struct bl_fetch_xfer *);
/* The xfer of an easy handle made by bl_fetch_xfer_new(). */
struct bl_fetch_xfer *bl_fetch_xfer_of(CURL *);

/* What a finished transfer produced; pointers owned by the xfer. */
struct bl_fetch_outcome {
	enum bl_fetch_status	 status;
	long			 http_status;
	const void		*body;		/* UPDATED */
	size_t			 len;
	uint64_t		 bytes;		/* headers + body on the wire */
	struct bl_fetch_validators val;		/* UPDATED */
	char			 error[BL_FETCH_ERR_MAX];
};

void	bl_fetch_xfer_outcome(struct bl_fetch_xfer *, CURLcode,
	    struct bl_fetch_outcome *);
void	bl_fetch_xfer_free(struct bl_fetch_xfer *);

/* curl multi on libevent: common/curl_loop.h */

/* ---- test hooks (bl_fetch.c) --------------------------------------- */

/* Backoff base and cap in ms, instead of 1 min and 1 h. */
void	bl_fetcher_set_backoff(struct bl_fetcher *, uint64_t base_ms,
	    uint64_t max_ms);
/* Seed the jitter PRNG (normally from getrandom()). */
void	bl_fetcher_set_seed(struct bl_fetcher *, uint64_t seed);

#endif /* FS_BL_FETCH_H */
