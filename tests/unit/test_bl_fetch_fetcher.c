/*
 * test_bl_fetch_fetcher.c - the fetcher (blacklists/bl_fetch.c) on a real
 * libevent loop, without a web server: bl_fetcher_add()'s checks, file
 * sources, the cached body reported at start-up, not_before, busy(), and
 * freeing with timers armed and a download in flight (LeakSanitizer
 * checks the latter under FS_SANITIZE=ON).  HTTP(S) itself is tested by
 * tests/blacklists_http.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "fs_test.h"

#include "bl_fetch.h"

#define MAX_RESULTS	16

struct seen {
	enum bl_fetch_status status;
	char	name[BL_NAME_MAX];
	char	error[BL_FETCH_ERR_MAX];
	char	body[256];
	size_t	len;
	long	http_status;
	time_t	next_s;
};

struct fixture {
	char			 dir[64];
	char			 cache[96];
	char			 path[256];
	struct event_base	*base;
	struct bl_fetcher	*f;
	struct seen		 r[MAX_RESULTS];
	int			 n;
	time_t			 not_before_in_cb;	/* 0: none */
	int			 fetch_all_in_cb;
	int			 timed_out;
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
on_result(void *ctx, const struct bl_fetch_result *r)
{
	struct fixture *fx = ctx;
	struct seen *s;

	if (fx->n == MAX_RESULTS)
		return;
	s = &fx->r[fx->n++];
	s->status = r->status;
	snprintf(s->name, sizeof(s->name), "%s", r->name);
	snprintf(s->error, sizeof(s->error), "%s", r->error ? r->error : "");
	s->len = r->len;
	if (r->len > 0 && r->len < sizeof(s->body))
		memcpy(s->body, r->body, r->len);
	s->http_status = r->http_status;
	s->next_s = r->next_s;
	if (fx->not_before_in_cb)
		bl_fetcher_not_before(fx->f, r->name, fx->not_before_in_cb);
	if (fx->fetch_all_in_cb) {
		fx->fetch_all_in_cb = 0;
		bl_fetcher_fetch_all(fx->f);
	}
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_bl_fetcher.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->cache, sizeof(fx->cache), "%s/state/blacklists",
	    fx->dir);
	if ((fx->base = event_base_new()) == NULL)
		return -1;
	fx->f = bl_fetcher_new(fx->base, fx->cache, NULL, on_result, fx, err,
	    sizeof(err));
	if (fx->f == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	bl_fetcher_free(fx->f);
	event_base_free(fx->base);
	nftw(fx->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *fx = arg;

	(void)fd;
	(void)what;
	fx->timed_out = 1;
}

/* Run the loop until n results in all, or ms milliseconds. */
static void
run_until(struct fixture *fx, int n, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *t = evtimer_new(fx->base, on_timeout, fx);

	assert_non_null(t);
	fx->timed_out = 0;
	evtimer_add(t, &tv);
	while (fx->n < n && !fx->timed_out)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(t);
}

static const char *
file_in(struct fixture *fx, const char *name)
{
	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
	return fx->path;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static struct bl_source_spec
file_spec(const char *name, const char *path)
{
	struct bl_source_spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.name = name;
	sp.format = BL_FORMAT_PLAIN;
	sp.file = path;
	return sp;
}

static struct bl_source_spec
url_spec(const char *name, const char *url)
{
	struct bl_source_spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.name = name;
	sp.format = BL_FORMAT_PLAIN;
	sp.url = url;
	sp.connect_timeout_s = 2;
	sp.timeout_s = 5;
	return sp;
}

static void
add_ok(struct fixture *fx, const struct bl_source_spec *sp)
{
	char err[256];

	if (bl_fetcher_add(fx->f, sp, err, sizeof(err)) != 0)
		fail_msg("add %s: %s", sp->name, err);
}

static void
add_fails(struct fixture *fx, const struct bl_source_spec *sp,
    const char *why)
{
	char err[256] = "";

	assert_int_equal(bl_fetcher_add(fx->f, sp, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("add %s: \"%s\" does not say \"%s\"",
		    sp->name ? sp->name : "(null)", err, why);
}

/* A cache entry for url_spec(name, url), as a fetcher would leave it. */
static void
seed_cache(struct fixture *fx, const char *name, const char *url,
    const char *text, time_t not_before)
{
	struct bl_fetch_cache_key k = { fx->cache, name, url, "plain",
	    BL_FETCH_DEFAULT_MAX_BYTES };
	struct bl_fetch_meta m;
	char err[256];

	memset(&m, 0, sizeof(m));
	snprintf(m.val.etag, sizeof(m.val.etag), "\"seed\"");
	m.fetched_at = time(NULL) - 60;
	m.not_before = not_before;
	m.body_len = strlen(text);
	m.body_fnv1a64 = bl_fetch_fnv1a64(text, strlen(text));
	assert_int_equal(bl_fetch_cache_store_body(&k, text, strlen(text),
	    err, sizeof(err)), 0);
	assert_int_equal(bl_fetch_cache_store_meta(&k, &m, err, sizeof(err)),
	    0);
}

/* A loopback URL nothing listens on (connection refused at once). */
static void
closed_port_url(char *url, size_t len)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	close(s);
	snprintf(url, len, "https://127.0.0.1:%u/list.txt",
	    ntohs(sin.sin_port));
}

static void
add_rejects(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	char err[256];

	sp = url_spec("../evil", "https://example.org/");
	add_fails(fx, &sp, "list name");
	sp = url_spec("..", "https://example.org/");
	add_fails(fx, &sp, "list name");
	sp = url_spec("a/b", "https://example.org/");
	add_fails(fx, &sp, "list name");
	sp = url_spec(NULL, "https://example.org/");
	add_fails(fx, &sp, "list name");
	sp = url_spec("plain", "http://example.org/");
	add_fails(fx, &sp, "allow_http");
	sp.allow_http = 1;
	add_ok(fx, &sp);
	sp = url_spec("plain", "https://example.org/");
	add_fails(fx, &sp, "added twice");
	sp = url_spec("ftp", "ftp://example.org/x");
	sp.allow_http = 1;
	add_fails(fx, &sp, "https:// or http://");
	sp = url_spec("space", "https://example.org/a b");
	add_fails(fx, &sp, "url must be");
	sp = url_spec("both", "https://example.org/");
	sp.file = "/etc/hostname";
	add_fails(fx, &sp, "exactly one");
	sp = url_spec("neither", NULL);
	add_fails(fx, &sp, "exactly one");
	sp = url_spec("fmt", "https://example.org/");
	sp.format = (enum bl_format)0;
	add_fails(fx, &sp, "format");
	sp.format = (enum bl_format)99;
	add_fails(fx, &sp, "format");
	sp = file_spec("empty", "");
	add_fails(fx, &sp, "file name");
	sp = url_spec("ca", "https://example.org/");
	sp.ca_file = "";
	add_fails(fx, &sp, "ca_file");
	/* Refused specs leave nothing behind; the good one is busy. */
	assert_int_equal(bl_fetcher_busy(fx->f), 1);
	(void)err;
}

static void
file_updated_then_not_modified(void **state)
{
	struct fixture *fx = *state;
	char path[256];
	struct bl_source_spec sp;

	snprintf(path, sizeof(path), "%s", file_in(fx, "own.txt"));
	write_file(path, "192.0.2.1\n");
	sp = file_spec("own", path);
	add_ok(fx, &sp);
	assert_int_equal(bl_fetcher_busy(fx->f), 1);
	assert_int_equal(fx->n, 0);	/* read on the loop, not in add */
	run_until(fx, 1, 2000);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->r[0].status, BL_FETCH_UPDATED);
	assert_string_equal(fx->r[0].body, "192.0.2.1\n");
	assert_int_equal(fx->r[0].http_status, 0);
	assert_int_equal(fx->r[0].next_s, 0);	/* refresh 0: none */
	assert_int_equal(bl_fetcher_busy(fx->f), 0);

	bl_fetcher_fetch_all(fx->f);
	assert_int_equal(bl_fetcher_busy(fx->f), 1);
	run_until(fx, 2, 2000);
	assert_int_equal(fx->r[1].status, BL_FETCH_NOT_MODIFIED);
	assert_int_equal(fx->r[1].len, 0);

	/* Replaced (a new inode), as an editor or a deploy would. */
	write_file(file_in(fx, "own.new"), "192.0.2.1\n198.51.100.7\n");
	assert_int_equal(rename(fx->path, path), 0);
	bl_fetcher_fetch_all(fx->f);
	run_until(fx, 3, 2000);
	assert_int_equal(fx->r[2].status, BL_FETCH_UPDATED);
	assert_string_equal(fx->r[2].body, "192.0.2.1\n198.51.100.7\n");
	/* File sources are not cached: the file is their copy. */
	assert_int_equal(access(file_in(fx, "state/blacklists/own.body"),
	    F_OK), -1);
}

static void
file_refresh_jittered(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	time_t now = time(NULL);

	write_file(file_in(fx, "own.txt"), "192.0.2.1\n");
	sp = file_spec("own", fx->path);
	sp.refresh_s = 1000;
	add_ok(fx, &sp);
	run_until(fx, 1, 2000);
	assert_int_equal(fx->r[0].status, BL_FETCH_UPDATED);
	assert_true(fx->r[0].next_s >= now + 900 &&
	    fx->r[0].next_s <= now + 1101);
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
}

static void
file_errors(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	char fifo[256], big[256], exact[256];
	time_t now = time(NULL);
	int i;

	sp = file_spec("missing", "/nonexistent/list.txt");
	add_ok(fx, &sp);
	snprintf(fifo, sizeof(fifo), "%s", file_in(fx, "fifo"));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	sp = file_spec("fifo", fifo);
	add_ok(fx, &sp);		/* no writer: must not block */
	sp = file_spec("dev", "/dev/zero");
	add_ok(fx, &sp);
	snprintf(big, sizeof(big), "%s", file_in(fx, "big"));
	write_file(big, "0123456789A");
	sp = file_spec("big", big);
	sp.max_bytes = 10;
	add_ok(fx, &sp);
	snprintf(exact, sizeof(exact), "%s", file_in(fx, "exact"));
	write_file(exact, "0123456789");
	sp = file_spec("exact", exact);
	sp.max_bytes = 10;
	add_ok(fx, &sp);
	run_until(fx, 5, 3000);
	assert_int_equal(fx->n, 5);
	for (i = 0; i < 5; i++) {
		const struct seen *s = &fx->r[i];

		if (strcmp(s->name, "exact") == 0) {
			assert_int_equal(s->status, BL_FETCH_UPDATED);
			assert_int_equal(s->len, 10);
			continue;
		}
		assert_int_equal(s->status, BL_FETCH_FAILED);
		if (strcmp(s->name, "missing") == 0)
			assert_non_null(strstr(s->error, "open"));
		else if (strcmp(s->name, "big") == 0)
			assert_non_null(strstr(s->error, "max_bytes"));
		else
			assert_non_null(strstr(s->error,
			    "not a regular file"));
		/* Retried after the first backoff, 1 min +-10 %. */
		assert_true(s->next_s >= now + 53 && s->next_s <= now + 68);
	}
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
}

static void
file_backoff_grows(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	struct timespec t0, t1;
	double secs;

	bl_fetcher_set_backoff(fx->f, 100, 60000);
	bl_fetcher_set_seed(fx->f, 1);
	sp = file_spec("missing", "/nonexistent/list.txt");
	add_ok(fx, &sp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_until(fx, 4, 5000);		/* at 0, ~0.1, ~0.3, ~0.7 s */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(fx->n, 4);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs > 0.55 && secs < 1.5);
}

static void
cached_reported_at_add(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;

	seed_cache(fx, "feed", "https://127.0.0.1:1/list.txt", "10.0.0.0/8\n",
	    0);
	sp = url_spec("feed", "https://127.0.0.1:1/list.txt");
	add_ok(fx, &sp);
	/* At once, inside add, before the loop runs. */
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->r[0].status, BL_FETCH_CACHED);
	assert_string_equal(fx->r[0].body, "10.0.0.0/8\n");
	assert_int_equal(fx->r[0].len, 11);
	assert_int_equal(bl_fetcher_busy(fx->f), 1);
	/* Freed by teardown with the first download's timer armed. */
}

static void
cache_for_other_source_ignored(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;

	seed_cache(fx, "feed", "https://127.0.0.1:1/old.txt", "10.0.0.0/8\n",
	    0);
	sp = url_spec("feed", "https://127.0.0.1:1/list.txt");
	add_ok(fx, &sp);
	assert_int_equal(fx->n, 0);
	sp = url_spec("other", "https://127.0.0.1:1/list.txt");
	sp.format = BL_FORMAT_FIREHOL;
	seed_cache(fx, "other", "https://127.0.0.1:1/list.txt", "1.2.3.4\n",
	    0);		/* cached as "plain" */
	add_ok(fx, &sp);
	assert_int_equal(fx->n, 0);
}

static void
failure_keeps_cache(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	char url[64];
	void *b;
	size_t len;
	char err[256];

	closed_port_url(url, sizeof(url));
	seed_cache(fx, "feed", url, "10.0.0.0/8\n", 0);
	sp = url_spec("feed", url);
	add_ok(fx, &sp);
	run_until(fx, 2, 5000);
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->r[0].status, BL_FETCH_CACHED);
	assert_int_equal(fx->r[1].status, BL_FETCH_FAILED);
	assert_true(fx->r[1].error[0] != '\0');
	assert_int_equal(fx->r[1].len, 0);
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
	assert_int_equal(bl_source_load(fx->cache, &sp, &b, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(b, "10.0.0.0/8\n", 11);
	free(b);
}

static void
not_before_from_cache(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	time_t now = time(NULL);

	seed_cache(fx, "drop", "https://127.0.0.1:1/drop.txt", "10.0.0.0/8\n",
	    now + 3600);
	sp = url_spec("drop", "https://127.0.0.1:1/drop.txt");
	add_ok(fx, &sp);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->r[0].status, BL_FETCH_CACHED);
	assert_true(fx->r[0].next_s >= now + 3599 &&
	    fx->r[0].next_s <= now + 3602);
	/* Waiting for not_before is not busy, and fetch_all waits too. */
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
	bl_fetcher_fetch_all(fx->f);
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
	run_until(fx, 2, 300);
	assert_int_equal(fx->n, 1);
}

static void
not_before_from_callback(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	struct bl_fetch_cache_key k;
	struct bl_fetch_meta m;
	void *b;
	size_t len;
	char err[256];
	time_t now = time(NULL);

	/* The controller parses the cached body and finds "Expires:". */
	seed_cache(fx, "drop", "https://127.0.0.1:1/drop.txt", "10.0.0.0/8\n",
	    0);
	fx->not_before_in_cb = now + 600;
	sp = url_spec("drop", "https://127.0.0.1:1/drop.txt");
	add_ok(fx, &sp);
	assert_int_equal(fx->n, 1);
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
	run_until(fx, 2, 300);
	assert_int_equal(fx->n, 1);
	/* Persisted with the cache. */
	k.dir = fx->cache;
	k.name = "drop";
	k.source = "https://127.0.0.1:1/drop.txt";
	k.format = "plain";
	k.max_bytes = BL_FETCH_DEFAULT_MAX_BYTES;
	assert_int_equal(bl_fetch_cache_load(&k, &m, &b, &len, err,
	    sizeof(err)), 0);
	free(b);
	assert_true(m.not_before == now + 600);
	/* An absurd date is clamped to a week. */
	bl_fetcher_not_before(fx->f, "drop", now + 365 * 86400);
	assert_int_equal(bl_fetch_cache_load(&k, &m, &b, &len, err,
	    sizeof(err)), 0);
	free(b);
	assert_true(m.not_before <= time(NULL) + BL_FETCH_NOT_BEFORE_MAX_S);
	/* Unknown names are ignored. */
	bl_fetcher_not_before(fx->f, "nosuch", now + 600);
}

static void
not_before_delays_refresh(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	time_t now = time(NULL);

	write_file(file_in(fx, "own.txt"), "192.0.2.1\n");
	sp = file_spec("own", fx->path);
	sp.refresh_s = 1;
	add_ok(fx, &sp);
	fx->not_before_in_cb = now + 120;
	run_until(fx, 1, 2000);
	assert_int_equal(fx->n, 1);
	/* The refresh due in 1 s now waits for not_before. */
	run_until(fx, 2, 1500);
	assert_int_equal(fx->n, 1);
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
}

static void
fetch_all_from_callback(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;

	write_file(file_in(fx, "own.txt"), "192.0.2.1\n");
	sp = file_spec("own", fx->path);
	add_ok(fx, &sp);
	fx->fetch_all_in_cb = 1;
	run_until(fx, 2, 2000);
	assert_int_equal(fx->n, 2);
	assert_int_equal(fx->r[0].status, BL_FETCH_UPDATED);
	assert_int_equal(fx->r[1].status, BL_FETCH_NOT_MODIFIED);
}

static void
free_with_download_in_flight(void **state)
{
	struct fixture *fx = *state;
	struct bl_source_spec sp;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	char url[64];
	int s;

	/* A listener that never accepts: the TLS handshake never ends. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/list.txt",
	    ntohs(sin.sin_port));
	sp = url_spec("stuck", url);
	add_ok(fx, &sp);
	run_until(fx, 1, 300);
	assert_int_equal(fx->n, 0);
	assert_int_equal(bl_fetcher_busy(fx->f), 1);
	bl_fetcher_free(fx->f);		/* frees the transfer and events */
	fx->f = NULL;
	close(s);
}

static void
new_and_free_edge_cases(void **state)
{
	struct fixture *fx = *state;
	struct bl_fetcher *f;
	char err[256], path[256];

	bl_fetcher_free(NULL);
	/* A file where the cache directory should be. */
	snprintf(path, sizeof(path), "%s", file_in(fx, "file"));
	write_file(path, "x");
	f = bl_fetcher_new(fx->base, path, NULL, on_result, fx, err,
	    sizeof(err));
	assert_null(f);
	assert_non_null(strstr(err, "not a directory"));
	/* No cache directory at all is allowed. */
	f = bl_fetcher_new(fx->base, NULL, "test/1", on_result, fx, err,
	    sizeof(err));
	assert_non_null(f);
	bl_fetcher_free(f);
}


/*
 * A retired fetcher starts nothing and reports nothing; a transfer in
 * flight runs out on its own (here: a server that accepts and never
 * answers, cut by the 1 s timeout) and then the fetcher is idle.
 */
static void
retire_in_flight(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct bl_source_spec sp;
	char url[64];
	int lfd, i;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/list.txt",
	    ntohs(sin.sin_port));
	sp = url_spec("silent", url);
	sp.allow_http = 1;
	sp.connect_timeout_s = 1;
	sp.timeout_s = 1;
	add_ok(fx, &sp);
	write_file(file_in(fx, "local.txt"), "192.0.2.1\n");
	add_ok(fx, &(struct bl_source_spec){ .name = "local",
	    .format = BL_FORMAT_PLAIN, .file = fx->path });
	/* The file is read at once; the download hangs. */
	run_until(fx, 1, 2000);
	assert_int_equal(fx->n, 1);
	assert_string_equal(fx->r[0].name, "local");
	for (i = 0; i < 50 && bl_fetcher_busy(fx->f) == 0; i++)
		event_base_loop(fx->base, EVLOOP_NONBLOCK);
	assert_int_equal(bl_fetcher_busy(fx->f), 1);

	bl_fetcher_retire(fx->f);
	bl_fetcher_fetch_all(fx->f);		/* a no-op now */
	run_until(fx, 2, 2500);			/* past the 1 s timeout */
	assert_int_equal(fx->n, 1);		/* nothing more was told */
	assert_int_equal(bl_fetcher_busy(fx->f), 0);
	close(lfd);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(add_rejects, setup, teardown),
	cmocka_unit_test_setup_teardown(retire_in_flight, setup, teardown),
	cmocka_unit_test_setup_teardown(file_updated_then_not_modified, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(file_refresh_jittered, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(file_errors, setup, teardown),
	cmocka_unit_test_setup_teardown(file_backoff_grows, setup, teardown),
	cmocka_unit_test_setup_teardown(cached_reported_at_add, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(cache_for_other_source_ignored, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(failure_keeps_cache, setup, teardown),
	cmocka_unit_test_setup_teardown(not_before_from_cache, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(not_before_from_callback, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(not_before_delays_refresh, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(fetch_all_from_callback, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(free_with_download_in_flight, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(new_and_free_edge_cases, setup,
	    teardown),
};

FS_TEST_MAIN(tests)
