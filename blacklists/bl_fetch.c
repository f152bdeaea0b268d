/*
 * bl_fetch.c - keeps each list's bytes fresh on a libevent loop: one
 * timer per source, downloads through libcurl multi (bl_fetch_curl.c),
 * local files read directly, the last good body cached on disk
 * (bl_fetch_cache.c), and a callback after every attempt.
 *
 * A source's life:
 *
 *   add ──> [cached body reported as CACHED] ──> timer (0 ms, or
 *   not_before) ──> attempt ──> result ──> timer (refresh +-10 %, or
 *   backoff +-10 % after a failure, never before not_before) ──> ...
 *
 * Invariants:
 *  - At most one attempt per source is in flight (src->xfer); its timer
 *    is not armed meanwhile, and the next one is armed when it ends.
 *  - src->have_val: the validators in src->meta may be sent, which with a
 *    cache means they are on disk together with the body they describe.
 *    They are replaced only by a 200 with a complete body under the cap;
 *    if writing the cache fails they are dropped, so the next download is
 *    unconditional and rewrites it.
 *  - src->requested: an attempt was asked for (add, fetch_all) and has
 *    not been reported yet; with src->xfer it makes bl_fetcher_busy().
 *    A source waiting for its not_before is not busy.
 *  - Everything reached from the callback (the result, the body) lives
 *    until the callback returns.  The callback may call
 *    bl_fetcher_fetch_all() and bl_fetcher_not_before(), which only arm
 *    timers, but not bl_fetcher_free().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "bl_fetch.h"
#include "curl_loop.h"
#include "version.h"

struct file_id {
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec	mtime;
	struct timespec	ctime;
};

struct bl_source {
	struct bl_source	*next;
	struct bl_fetcher	*f;
	char			 name[BL_NAME_MAX];
	enum bl_format		 format;
	char			*url;		/* or NULL */
	char			*file;		/* or NULL */
	char			*ca_file;	/* or NULL */
	int			 allow_http;
	uint32_t		 refresh_s;
	uint32_t		 connect_timeout_s;
	uint32_t		 timeout_s;
	uint64_t		 max_bytes;

	struct event		*timer;
	int			 requested;
	struct bl_fetch_xfer	*xfer;		/* in flight */
	struct timespec		 started;
	uint32_t		 failures;	/* in a row */
	time_t			 next_s;	/* 0: nothing scheduled */
	time_t			 not_before;

	int			 have_val;
	struct bl_fetch_meta	 meta;

	int			 file_seen;	/* file_id is of the last read */
	struct file_id		 file_id;
};

struct bl_fetcher {
	struct event_base	*base;
	struct curl_loop	*curl;
	char			*cache_dir;	/* NULL: no cache */
	char			*user_agent;
	bl_fetch_cb		*cb;
	void			*ctx;
	struct bl_source	*sources;	/* in the order added */
	uint64_t		 prng;
	uint64_t		 backoff_base_ms;
	uint64_t		 backoff_max_ms;
	int			 retired;	/* bl_fetcher_retire() */
};

static void	on_curl_done(void *, CURL *, CURLcode);

static struct bl_source *
find_source(const struct bl_fetcher *f, const char *name)
{
	struct bl_source *s;

	for (s = f->sources; s != NULL; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
cache_key(const struct bl_source *s, struct bl_fetch_cache_key *k)
{
	k->dir = s->f->cache_dir;
	k->name = s->name;
	k->source = s->url;
	k->format = bl_format_name(s->format);
	k->max_bytes = s->max_bytes;
}

/* Clamp a feed's "do not fetch before" to something sane. */
static time_t
clamp_not_before(time_t t, time_t now)
{
	if (t > now + BL_FETCH_NOT_BEFORE_MAX_S)
		return now + BL_FETCH_NOT_BEFORE_MAX_S;
	return t < 0 ? 0 : t;
}

static void
schedule_in(struct bl_source *s, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
	s->next_s = time(NULL) + (time_t)((ms + 999) / 1000);
}

/* Arm the timer after an attempt: refresh, or backoff after a failure. */
static void
schedule_next(struct bl_source *s, int ok)
{
	struct bl_fetcher *f = s->f;
	uint64_t ms = 0, cap, refresh_ms = (uint64_t)s->refresh_s * 1000;
	time_t now = time(NULL);
	int due = 1;

	if (ok) {
		if (s->refresh_s == 0)
			due = 0;
		else
			ms = bl_fetch_jitter_ms(refresh_ms,
			    bl_fetch_prng(&f->prng));
	} else {
		cap = f->backoff_max_ms;
		if (s->refresh_s != 0 && refresh_ms < cap)
			cap = refresh_ms;
		ms = bl_fetch_jitter_ms(bl_fetch_backoff_ms(s->failures,
		    f->backoff_base_ms, cap), bl_fetch_prng(&f->prng));
	}
	if (!due) {
		evtimer_del(s->timer);
		s->next_s = 0;
		return;
	}
	if (s->not_before > now &&
	    ms < (uint64_t)(s->not_before - now) * 1000)
		ms = (uint64_t)(s->not_before - now) * 1000;
	schedule_in(s, ms);
}

/* Write a new body and its validators; 0, or -1 with err. */
static int
cache_store(struct bl_source *s, const struct bl_fetch_outcome *o,
    char *err, size_t errlen)
{
	struct bl_fetch_cache_key k;
	struct bl_fetch_meta m;

	memset(&m, 0, sizeof(m));
	m.val = o->val;
	m.fetched_at = time(NULL);
	m.not_before = s->not_before;
	m.body_len = o->len;
	m.body_fnv1a64 = bl_fetch_fnv1a64(o->body, o->len);
	s->have_val = 0;
	cache_key(s, &k);
	if (bl_fetch_cache_store_body(&k, o->body, o->len, err, errlen) ==
	    -1 || bl_fetch_cache_store_meta(&k, &m, err, errlen) == -1)
		return -1;
	s->meta = m;
	s->have_val = 1;
	return 0;
}

/*
 * An attempt has ended: update the state, arm the next attempt, tell the
 * owner, then free what the result pointed into.
 */
static void
finish(struct bl_source *s, struct bl_fetch_outcome *o,
    struct bl_fetch_xfer *x, void *owned)
{
	struct bl_fetcher *f = s->f;
	struct bl_fetch_result r;
	char cerr[BL_FETCH_ERR_MAX - 32];
	int ok = o->status == BL_FETCH_UPDATED ||
	    o->status == BL_FETCH_NOT_MODIFIED;

	if (o->status == BL_FETCH_UPDATED && s->url != NULL) {
		if (f->cache_dir == NULL) {
			s->meta.val = o->val;
			s->have_val = 1;
		} else if (cache_store(s, o, cerr, sizeof(cerr)) == -1)
			snprintf(o->error, sizeof(o->error),
			    "cache not written: %s", cerr);
	}
	if (ok)
		s->failures = 0;
	else if (s->failures < UINT32_MAX)
		s->failures++;
	s->requested = 0;
	s->xfer = NULL;
	if (f->retired) {
		/* The last word of a retired fetcher: nobody listens. */
		bl_fetch_xfer_free(x);
		free(owned);
		return;
	}
	schedule_next(s, ok);

	memset(&r, 0, sizeof(r));
	r.name = s->name;
	r.status = o->status;
	r.error = o->error[0] != '\0' ? o->error : NULL;
	r.http_status = o->http_status;
	if (o->status == BL_FETCH_UPDATED) {
		r.body = o->body;
		r.len = o->len;
	}
	r.bytes = o->bytes;
	r.duration_s = seconds_since(&s->started);
	r.next_s = s->next_s;
	f->cb(f->ctx, &r);

	bl_fetch_xfer_free(x);
	free(owned);
}

static int
same_file(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/*
 * Open a local list for reading: a regular file only (O_NONBLOCK, so a
 * FIFO cannot block the loop), of at most max bytes.  The fd, or -1 with
 * err.
 */
static int
open_regular(const char *path, uint64_t max, struct stat *st, char *err,
    size_t errlen)
{
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((uint64_t)st->st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, more than max_bytes "
		    "(%llu)", path, (long long)st->st_size,
		    (unsigned long long)max);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read a local list: synchronously (it is local and capped), NOT_MODIFIED
 * when the file is the same (device, inode, size, mtime, ctime) as at the
 * last read.  Fills o; *owned is the body to free.
 */
static void
read_file(struct bl_source *s, struct bl_fetch_outcome *o, void **owned)
{
	struct file_id id;
	struct stat st;
	void *body;
	size_t len;
	int fd;

	o->status = BL_FETCH_FAILED;
	fd = open_regular(s->file, s->max_bytes, &st, o->error,
	    sizeof(o->error));
	if (fd == -1)
		return;
	memset(&id, 0, sizeof(id));
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	id.size = st.st_size;
	id.mtime = st.st_mtim;
	id.ctime = st.st_ctim;
	if (s->file_seen && same_file(&id, &s->file_id))
		o->status = BL_FETCH_NOT_MODIFIED;
	else if (bl_fetch_read_fd(fd, s->file, (size_t)st.st_size,
	    s->max_bytes, &body, &len, o->error, sizeof(o->error)) == 0) {
		o->status = BL_FETCH_UPDATED;
		o->body = body;
		o->len = len;
		o->bytes = len;
		s->file_id = id;
		s->file_seen = 1;
		*owned = body;
	}
	close(fd);
}

static void
start_download(struct bl_source *s)
{
	struct bl_fetcher *f = s->f;
	struct bl_fetch_xfer_opts opts;
	struct bl_fetch_outcome o;
	struct bl_fetch_xfer *x;

	memset(&opts, 0, sizeof(opts));
	opts.url = s->url;
	opts.allow_http = s->allow_http;
	opts.ca_file = s->ca_file;
	opts.user_agent = f->user_agent;
	opts.connect_timeout_s = s->connect_timeout_s;
	opts.timeout_s = s->timeout_s;
	opts.max_bytes = s->max_bytes;
	opts.cond = s->have_val ? &s->meta.val : NULL;
	memset(&o, 0, sizeof(o));
	o.status = BL_FETCH_FAILED;
	x = bl_fetch_xfer_new(&opts, s, o.error, sizeof(o.error));
	if (x == NULL) {
		finish(s, &o, NULL, NULL);
		return;
	}
	if (curl_loop_add(f->curl, bl_fetch_xfer_easy(x), o.error,
	    sizeof(o.error)) == -1) {
		finish(s, &o, x, NULL);
		return;
	}
	s->xfer = x;
}

static void
on_source_timer(evutil_socket_t fd, short what, void *arg)
{
	struct bl_source *s = arg;
	struct bl_fetch_outcome o;
	time_t now = time(NULL);
	void *owned = NULL;

	(void)fd;
	(void)what;
	if (s->xfer != NULL)
		return;
	if (s->not_before > now) {
		s->requested = 0;
		schedule_in(s, (uint64_t)(s->not_before - now) * 1000);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	s->next_s = 0;
	if (s->url != NULL) {
		start_download(s);
		return;
	}
	memset(&o, 0, sizeof(o));
	read_file(s, &o, &owned);
	finish(s, &o, NULL, owned);
}

static void
on_curl_done(void *ctx, CURL *easy, CURLcode code)
{
	struct bl_fetch_outcome o;
	struct bl_fetch_xfer *x;
	struct bl_source *s;

	(void)ctx;
	if ((x = bl_fetch_xfer_of(easy)) == NULL)
		return;		/* not ours: impossible */
	s = bl_fetch_xfer_priv(x);
	bl_fetch_xfer_outcome(x, code, &o);
	finish(s, &o, x, NULL);
}

struct bl_fetcher *
bl_fetcher_new(struct event_base *base, const char *cache_dir,
    const char *user_agent, bl_fetch_cb *cb, void *ctx, char *err,
    size_t errlen)
{
	struct bl_fetcher *f;
	uint64_t seed;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->base = base;
	f->cb = cb;
	f->ctx = ctx;
	f->backoff_base_ms = BL_FETCH_BACKOFF_BASE_MS;
	f->backoff_max_ms = BL_FETCH_BACKOFF_MAX_MS;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)(uintptr_t)f;
	f->prng = seed;
	if (user_agent == NULL)
		user_agent = "finderscope/" FINDERSCOPE_VERSION;
	if ((f->user_agent = strdup(user_agent)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cache_dir != NULL) {
		if (strlen(cache_dir) > BL_FETCH_PATH_MAX - BL_NAME_MAX - 16) {
			snprintf(err, errlen, "cache directory name too long");
			goto fail;
		}
		if (bl_fetch_cache_mkdir(cache_dir, err, errlen) == -1)
			goto fail;
		if ((f->cache_dir = strdup(cache_dir)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if ((f->curl = curl_loop_new(base, on_curl_done, f, err,
	    errlen)) == NULL)
		goto fail;
	return f;
fail:
	bl_fetcher_free(f);
	return NULL;
}

static void
source_free(struct bl_source *s)
{
	if (s->xfer != NULL) {
		curl_loop_remove(s->f->curl, bl_fetch_xfer_easy(s->xfer));
		bl_fetch_xfer_free(s->xfer);
	}
	if (s->timer != NULL)
		event_free(s->timer);
	free(s->url);
	free(s->file);
	free(s->ca_file);
	free(s);
}

void
bl_fetcher_retire(struct bl_fetcher *f)
{
	struct bl_source *s;

	f->retired = 1;
	for (s = f->sources; s != NULL; s = s->next) {
		s->requested = 0;
		if (s->timer != NULL)
			evtimer_del(s->timer);
	}
}

void
bl_fetcher_free(struct bl_fetcher *f)
{
	struct bl_source *s;

	if (f == NULL)
		return;
	while ((s = f->sources) != NULL) {
		f->sources = s->next;
		source_free(s);
	}
	curl_loop_free(f->curl);
	free(f->cache_dir);
	free(f->user_agent);
	free(f);
}

/* Check a spec; 0, or -1 with a message in err. */
static int
check_spec(const struct bl_source_spec *sp, char *err, size_t errlen)
{
	if (!bl_fetch_name_ok(sp->name)) {
		snprintf(err, errlen, "list name must be 1 to %d of "
		    "A-Z a-z 0-9 _ . - (and not . or ..)", BL_NAME_MAX - 1);
		return -1;
	}
	if (strcmp(bl_format_name(sp->format), "unknown") == 0) {
		snprintf(err, errlen, "%s: unknown format", sp->name);
		return -1;
	}
	if ((sp->url == NULL) == (sp->file == NULL)) {
		snprintf(err, errlen, "%s: give exactly one of url and file",
		    sp->name);
		return -1;
	}
	if (sp->url != NULL && !bl_fetch_url_ok(sp->url, sp->allow_http)) {
		if (!sp->allow_http && bl_fetch_url_ok(sp->url, 1))
			snprintf(err, errlen, "%s: plain http:// needs "
			    "allow_http", sp->name);
		else
			snprintf(err, errlen, "%s: url must be https://%s "
			    "without spaces, under %d bytes", sp->name,
			    sp->allow_http ? " or http://" : "",
			    BL_FETCH_URL_MAX);
		return -1;
	}
	if (sp->file != NULL &&
	    (sp->file[0] == '\0' || strlen(sp->file) >= BL_FETCH_PATH_MAX)) {
		snprintf(err, errlen, "%s: file name empty or too long",
		    sp->name);
		return -1;
	}
	if (sp->ca_file != NULL &&
	    (sp->ca_file[0] == '\0' ||
	    strlen(sp->ca_file) >= BL_FETCH_PATH_MAX)) {
		snprintf(err, errlen, "%s: ca_file empty or too long",
		    sp->name);
		return -1;
	}
	return 0;
}

static char *
dup_or_null(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

/*
 * Load the cached body of s (an unusable cache is ignored: the first
 * download rewrites it).  0 with *body (to free) and *len, or -1.
 */
static int
load_cache(struct bl_source *s, void **body, size_t *len)
{
	struct bl_fetch_cache_key k;
	struct bl_fetch_meta m;
	char err[BL_FETCH_ERR_MAX];

	cache_key(s, &k);
	if (bl_fetch_cache_load(&k, &m, body, len, err, sizeof(err)) != 0)
		return -1;
	s->meta = m;
	s->have_val = 1;
	s->not_before = clamp_not_before((time_t)m.not_before, time(NULL));
	return 0;
}

int
bl_fetcher_add(struct bl_fetcher *f, const struct bl_source_spec *sp,
    char *err, size_t errlen)
{
	struct bl_fetch_result r;
	struct bl_source *s, **tail;
	void *body = NULL;
	size_t len = 0;
	time_t now;
	int failed = 0, cached = 0;

	if (check_spec(sp, err, errlen) == -1)
		return -1;
	if (find_source(f, sp->name) != NULL) {
		snprintf(err, errlen, "%s: list added twice", sp->name);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->f = f;
	snprintf(s->name, sizeof(s->name), "%s", sp->name);
	s->format = sp->format;
	s->url = dup_or_null(sp->url, &failed);
	s->file = dup_or_null(sp->file, &failed);
	s->ca_file = dup_or_null(sp->ca_file, &failed);
	s->allow_http = sp->allow_http;
	s->refresh_s = sp->refresh_s;
	s->connect_timeout_s = sp->connect_timeout_s ? sp->connect_timeout_s :
	    BL_FETCH_DEFAULT_CONNECT_S;
	s->timeout_s = sp->timeout_s ? sp->timeout_s :
	    BL_FETCH_DEFAULT_TIMEOUT_S;
	s->max_bytes = sp->max_bytes ? sp->max_bytes :
	    BL_FETCH_DEFAULT_MAX_BYTES;
	if (s->max_bytes > SIZE_MAX / 2)
		s->max_bytes = SIZE_MAX / 2;
	s->timer = evtimer_new(f->base, on_source_timer, s);
	if (failed || s->timer == NULL) {
		snprintf(err, errlen, "out of memory");
		source_free(s);
		return -1;
	}
	for (tail = &f->sources; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = s;

	if (s->url != NULL && f->cache_dir != NULL)
		cached = load_cache(s, &body, &len) == 0;
	now = time(NULL);
	if (s->not_before > now)
		schedule_in(s, (uint64_t)(s->not_before - now) * 1000);
	else {
		s->requested = 1;
		schedule_in(s, 0);
	}
	/* Linked and scheduled first: the callback may call not_before(). */
	if (cached) {
		memset(&r, 0, sizeof(r));
		r.name = s->name;
		r.status = BL_FETCH_CACHED;
		r.body = body;
		r.len = len;
		r.next_s = s->next_s;
		f->cb(f->ctx, &r);
		free(body);
	}
	return 0;
}

int
bl_source_load(const char *cache_dir, const struct bl_source_spec *sp,
    void **body, size_t *len, char *err, size_t errlen)
{
	struct bl_fetch_cache_key k;
	struct bl_fetch_meta m;
	struct stat st;
	uint64_t max = sp->max_bytes ? sp->max_bytes :
	    BL_FETCH_DEFAULT_MAX_BYTES;
	int fd, rc;

	*body = NULL;
	*len = 0;
	if (check_spec(sp, err, errlen) == -1)
		return -1;
	if (sp->file != NULL) {
		if ((fd = open_regular(sp->file, max, &st, err, errlen)) == -1)
			return -1;
		rc = bl_fetch_read_fd(fd, sp->file, (size_t)st.st_size, max,
		    body, len, err, errlen);
		close(fd);
		return rc;
	}
	if (cache_dir == NULL)
		return 1;
	k.dir = cache_dir;
	k.name = sp->name;
	k.source = sp->url;
	k.format = bl_format_name(sp->format);
	k.max_bytes = max;
	return bl_fetch_cache_load(&k, &m, body, len, err, errlen);
}

void
bl_fetcher_fetch_all(struct bl_fetcher *f)
{
	struct bl_source *s;
	time_t now = time(NULL);

	if (f->retired)
		return;
	for (s = f->sources; s != NULL; s = s->next) {
		if (s->xfer != NULL || s->not_before > now)
			continue;
		s->requested = 1;
		schedule_in(s, 0);
	}
}

void
bl_fetcher_not_before(struct bl_fetcher *f, const char *name, time_t t)
{
	struct bl_fetch_cache_key k;
	struct bl_source *s;
	char err[BL_FETCH_ERR_MAX];
	time_t now = time(NULL);

	if ((s = find_source(f, name)) == NULL)
		return;
	t = clamp_not_before(t, now);
	s->not_before = t;
	if (s->url != NULL && f->cache_dir != NULL && s->have_val &&
	    s->meta.not_before != (int64_t)t) {
		/* Persist it; on failure the old value stays on disk. */
		s->meta.not_before = t;
		cache_key(s, &k);
		(void)bl_fetch_cache_store_meta(&k, &s->meta, err,
		    sizeof(err));
	}
	if (s->xfer == NULL && t > now &&
	    evtimer_pending(s->timer, NULL) && s->next_s < t) {
		s->requested = 0;
		schedule_in(s, (uint64_t)(t - now) * 1000);
	}
}

size_t
bl_fetcher_busy(const struct bl_fetcher *f)
{
	const struct bl_source *s;
	size_t n = 0;

	for (s = f->sources; s != NULL; s = s->next)
		if (s->xfer != NULL || s->requested)
			n++;
	return n;
}

void
bl_fetcher_set_backoff(struct bl_fetcher *f, uint64_t base_ms,
    uint64_t max_ms)
{
	f->backoff_base_ms = base_ms;
	f->backoff_max_ms = max_ms;
}

void
bl_fetcher_set_seed(struct bl_fetcher *f, uint64_t seed)
{
	f->prng = seed;
}
