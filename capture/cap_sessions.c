/*
 * cap_sessions.c - the L7 session table itself: the hash of sessions, the
 * two activity lists (idle and hit), a session's birth, its end, and the
 * public API around them (see cap_sessions.h for what the table does,
 * cap_sessions_impl.h for its invariants; cap_session_inspect.c takes a
 * frame through it).
 *
 * A session is found by its canonical 5-tuple (the smaller address and
 * port first, so both directions hash alike) in chains hashed with a
 * random SipHash key: a peer cannot aim many flows at one chain.  There
 * are as many chains as max_sessions (rounded up to a power of two, at
 * most 2^22), so a chain averages at most one session.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_sessions_impl.h"
#include "log.h"
#include "siphash.h"

#define DEF_MAX_SESSIONS	65536
#define DEF_MAX_OPEN		256
#define DEF_MAX_STREAM		(16u * 1024 * 1024)
#define DEF_OOO_SEGMENTS	64
#define DEF_OOO_BYTES		(256u * 1024)
#define DEF_TIMEOUT_MS		30000
#define MAX_BUCKETS		(1u << 22)

/* ---- lists and hash ---------------------------------------------------- */

static void
list_unlink(struct cap_sess_list *l, struct cap_sess *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		l->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = NULL;
}

static void
list_append(struct cap_sess_list *l, struct cap_sess *s)
{
	s->next = NULL;
	s->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = s;
	else
		l->head = s;
	l->tail = s;
}

static struct cap_sess_list *
list_of(struct cap_sessions *t, const struct cap_sess *s)
{
	return (s->flags & CAP_SESS_HIT_LIST) ? &t->hit : &t->idle;
}

/* Both directions hash alike: the smaller (address, port) goes first. */
static uint32_t
flow_bucket(const struct cap_sessions *t, uint8_t proto,
    const struct netaddr *a, uint16_t ap, const struct netaddr *b,
    uint16_t bp)
{
	uint8_t	buf[1 + 2 * (1 + 16 + 2)], *p = buf;
	int	c = netaddr_compare(a, b);

	if (c > 0 || (c == 0 && ap > bp)) {
		const struct netaddr *x = a;
		uint16_t xp = ap;

		a = b;
		ap = bp;
		b = x;
		bp = xp;
	}
	*p++ = proto;
	*p++ = a->family;
	memcpy(p, a->bytes, 16);
	p += 16;
	*p++ = (uint8_t)(ap >> 8);
	*p++ = (uint8_t)ap;
	*p++ = b->family;
	memcpy(p, b->bytes, 16);
	p += 16;
	*p++ = (uint8_t)(bp >> 8);
	*p = (uint8_t)bp;
	return (uint32_t)siphash13(t->hkey, buf, sizeof(buf)) & t->mask;
}

static uint32_t
sess_bucket(const struct cap_sessions *t, const struct cap_sess *s)
{
	return flow_bucket(t, s->proto, &s->addr[0], s->port[0], &s->addr[1],
	    s->port[1]);
}

struct cap_sess *
cap_sess_find(struct cap_sessions *t, uint8_t proto, const struct netaddr *src,
    uint16_t sport, const struct netaddr *dst, uint16_t dport, int *dir)
{
	struct cap_sess *s;

	s = t->buckets[flow_bucket(t, proto, src, sport, dst, dport)];
	for (; s != NULL; s = s->hnext) {
		if (s->proto != proto)
			continue;
		if (s->port[0] == sport && s->port[1] == dport &&
		    memcmp(&s->addr[0], src, sizeof(*src)) == 0 &&
		    memcmp(&s->addr[1], dst, sizeof(*dst)) == 0) {
			*dir = 0;
			return s;
		}
		if (s->port[0] == dport && s->port[1] == sport &&
		    memcmp(&s->addr[0], dst, sizeof(*dst)) == 0 &&
		    memcmp(&s->addr[1], src, sizeof(*src)) == 0) {
			*dir = 1;
			return s;
		}
	}
	return NULL;
}

static void
hash_unlink(struct cap_sessions *t, struct cap_sess *s)
{
	struct cap_sess **pp = &t->buckets[sess_bucket(t, s)];

	while (*pp != NULL && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp == s)
		*pp = s->hnext;
	s->hnext = NULL;
}

/* ---- a session's life -------------------------------------------------- */

/*
 * Into the hit list by last activity.  A hit while a frame is handled is
 * the newest (the end); one from a timer (a gap skipped, a flush) may be
 * older than a few.
 */
void
cap_sess_mark_hit(struct cap_sessions *t, struct cap_sess *s)
{
	struct cap_sess *after = t->hit.tail;

	if (s->flags & CAP_SESS_HIT_LIST)
		return;
	list_unlink(&t->idle, s);
	s->flags |= CAP_SESS_HIT_LIST;

	while (after != NULL && after->last_ms > s->last_ms)
		after = after->prev;
	if (after == NULL) {
		s->prev = NULL;
		s->next = t->hit.head;
		if (t->hit.head != NULL)
			t->hit.head->prev = s;
		else
			t->hit.tail = s;
		t->hit.head = s;
		return;
	}
	s->prev = after;
	s->next = after->next;
	if (after->next != NULL)
		after->next->prev = s;
	else
		t->hit.tail = s;
	after->next = s;
}

void
cap_sess_touch(struct cap_sessions *t, struct cap_sess *s, int64_t now_ms,
    const struct timespec *ts)
{
	struct cap_sess_list *l = list_of(t, s);

	s->last_ms = now_ms;
	s->last_ts = *ts;
	if (l->tail != s) {
		list_unlink(l, s);
		list_append(l, s);
	}
}

static void
add_stream_stats(struct cap_sessions_stats *o, const struct cap_stream *st)
{
	o->gaps += st->st.gaps;
	o->gap_bytes += st->st.gap_bytes;
	o->duplicate_bytes += st->st.duplicate;
	o->overlap_diff_bytes += st->st.overlap_diff;
	o->ooo_drops += st->st.ooo_drops;
}

static void
rec_free(struct cap_sess_rec *r)
{
	if (r == NULL)
		return;
	free(r->hits);
	free(r->sorted);
	free(r);
}

void
cap_sess_end(struct cap_sessions *t, struct cap_sess *s, enum cap_sess_end why)
{
	int d;

	/* Closed both ways: however it is let go now, it ended by FIN. */
	if (s->fin == 3 && why != CAP_SESS_END_RST)
		why = CAP_SESS_END_FIN;
	/* What is held and what Hyperscan still knows may complete a key;
	 * a session evicted for room gets no such chance. */
	cap_sess_inspect_end(t, s, why != CAP_SESS_END_EVICTED);
	if (s->rec != NULL)
		cap_sess_files_close(t, s, why);
	for (d = 0; d < 2; d++) {
		add_stream_stats(&t->st, &s->st[d]);
		cap_stream_free(&s->st[d]);
	}
	cap_hlist_drain(&t->hist, &s->hist, NULL, NULL);
	hash_unlink(t, s);
	list_unlink(list_of(t, s), s);
	if (t->cur == s)
		t->cur = NULL;
	cap_keyset_unref(s->keys);
	rec_free(s->rec);
	free(s);
	t->st.sessions_now--;
}

struct cap_sess *
cap_sess_new(struct cap_sessions *t, uint8_t proto,
    const struct netaddr *client, uint16_t cport,
    const struct netaddr *server, uint16_t sport, int first_syn,
    const struct timespec *ts)
{
	struct cap_sess	*s;
	uint32_t	 b;

	if (t->st.sessions_now >= t->cfg.max_sessions) {
		if (t->idle.head == NULL) {
			t->st.sessions_capped++;
			return NULL;
		}
		t->st.sessions_evicted++;
		cap_sess_end(t, t->idle.head, CAP_SESS_END_EVICTED);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		t->st.sessions_capped++;
		return NULL;
	}
	s->addr[0] = *client;
	s->addr[1] = *server;
	s->port[0] = cport;
	s->port[1] = sport;
	s->proto = proto;
	if (first_syn)
		s->flags |= CAP_SESS_FIRST_SYN;
	s->first_ts = *ts;
	s->last_ts = *ts;
	if ((s->keys = t->keys) != NULL)
		cap_keyset_ref(s->keys);
	cap_stream_init(&s->st[0]);
	cap_stream_init(&s->st[1]);
	b = sess_bucket(t, s);
	s->hnext = t->buckets[b];
	t->buckets[b] = s;
	list_append(&t->idle, s);
	t->st.sessions_now++;
	t->st.sessions_total++;
	return s;
}

/* ---- the table --------------------------------------------------------- */

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* mkdir -p: the folder and its parents. */
static int
make_dirs(const char *path, char *err, size_t errlen)
{
	char	buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		seterr(err, errlen, "sessions folder: name too long");
		return -1;
	}
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		{
			char c = *p;

			*p = '\0';
			if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
				seterr(err, errlen, "sessions folder %s: %s",
				    buf, strerror(errno));
				return -1;
			}
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	return 0;
}

struct cap_sessions *
cap_sessions_new(const struct cap_sessions_config *cfg,
    struct cap_keyset *keys, const struct cap_sessions_callbacks *cb,
    char *err, size_t errlen)
{
	struct cap_sessions		*t;
	struct cap_defrag_limits	 dl;
	uint32_t			 n;

	if (cfg == NULL || cfg->dir == NULL || cfg->dir[0] == '\0') {
		seterr(err, errlen, "sessions: no folder");
		return NULL;
	}
	if (make_dirs(cfg->dir, err, errlen) == -1)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->dir = strdup(cfg->dir)) == NULL)
		goto nomem;
	t->cfg = *cfg;
	t->cfg.dir = t->dir;
	if (t->cfg.max_sessions == 0)
		t->cfg.max_sessions = DEF_MAX_SESSIONS;
	if (t->cfg.max_open == 0)
		t->cfg.max_open = DEF_MAX_OPEN;
	if (t->cfg.max_stream_bytes == 0)
		t->cfg.max_stream_bytes = DEF_MAX_STREAM;
	if (t->cfg.max_ooo_segments == 0)
		t->cfg.max_ooo_segments = DEF_OOO_SEGMENTS;
	if (t->cfg.max_ooo_bytes == 0)
		t->cfg.max_ooo_bytes = DEF_OOO_BYTES;
	if (t->cfg.timeout_ms <= 0)
		t->cfg.timeout_ms = DEF_TIMEOUT_MS;
	t->lim.max_segments = t->cfg.max_ooo_segments;
	t->lim.max_bytes = t->cfg.max_ooo_bytes;
	t->lim.max_stream = t->cfg.max_stream_bytes;
	if (cb != NULL)
		t->cb = *cb;
	siphash_random_key(t->hkey);

	for (n = 16; n < t->cfg.max_sessions && n < MAX_BUCKETS; n <<= 1)
		;
	t->mask = n - 1;
	if ((t->buckets = calloc(n, sizeof(*t->buckets))) == NULL)
		goto nomem;
	cap_hcache_init(&t->hist, t->cfg.history_bytes);
	if (cap_fpending_init(&t->frags, t->hkey) == -1)
		goto nomem;
	memset(&dl, 0, sizeof(dl));
	dl.max_datagrams = CAP_SESS_FRAG_DATAGRAMS;
	dl.max_fragments = CAP_SESS_FRAG_FRAMES;
	dl.timeout_ms = CAP_SESS_FRAG_TIMEOUT_MS;
	if ((t->defrag = cap_defrag_new(&dl)) == NULL)
		goto nomem;
	if (keys != NULL) {
		if (cap_keyscratch_fit(&t->scratch, keys, err, errlen) == -1)
			goto fail;
		cap_keyset_ref(keys);
		t->keys = keys;
	}
	return t;
nomem:
	seterr(err, errlen, "sessions: out of memory");
fail:
	cap_sessions_free(t);
	return NULL;
}

void
cap_sessions_free(struct cap_sessions *t)
{
	if (t == NULL)
		return;
	if (t->buckets != NULL)
		cap_sessions_close_all(t);
	cap_fpending_free(&t->frags);
	cap_defrag_free(t->defrag);
	cap_keyset_unref(t->keys);
	cap_keyscratch_free(t->scratch);
	free(t->buckets);
	free(t->dir);
	free(t);
}

void
cap_sessions_set_keys(struct cap_sessions *t, struct cap_keyset *keys)
{
	char err[256];

	if (keys != NULL) {
		if (cap_keyscratch_fit(&t->scratch, keys, err,
		    sizeof(err)) == -1) {
			log_warnx("sessions: keeping the old keys: %s", err);
			t->st.scan_errors++;
			return;
		}
		cap_keyset_ref(keys);
	}
	cap_keyset_unref(t->keys);
	t->keys = keys;
}

/* Sessions idle since before now_ms - timeout, oldest first. */
static void
expire_list(struct cap_sessions *t, struct cap_sess_list *l, int64_t now_ms)
{
	struct cap_sess *s;

	while ((s = l->head) != NULL &&
	    now_ms - s->last_ms >= t->cfg.timeout_ms) {
		if (s->fin == 3) {
			t->st.sessions_ended++;
			cap_sess_end(t, s, CAP_SESS_END_FIN);
			continue;
		}
		t->st.sessions_timed_out++;
		cap_sess_end(t, s, CAP_SESS_END_TIMEOUT);
	}
}

static void
age_list(struct cap_sessions *t, struct cap_sess_list *l, int64_t now_ms)
{
	struct cap_sess	*s, *next;

	for (s = l->head; s != NULL; s = next) {
		next = s->next;
		/* Closed both ways and the last ACK never came. */
		if (s->fin == 3 &&
		    now_ms - s->last_ms >= CAP_SESSIONS_LINGER_MS) {
			t->st.sessions_ended++;
			cap_sess_end(t, s, CAP_SESS_END_FIN);
			continue;
		}
		cap_sess_inspect_age(t, s, now_ms);
	}
}

void
cap_sessions_tick(struct cap_sessions *t, int64_t now_ms)
{
	expire_list(t, &t->idle, now_ms);
	expire_list(t, &t->hit, now_ms);
	/* A hit while aging moves a session to the hit list's end: it is
	 * then aged twice, which does nothing the second time. */
	age_list(t, &t->idle, now_ms);
	age_list(t, &t->hit, now_ms);
	cap_defrag_expire(t->defrag, now_ms);
	cap_fpending_expire(&t->frags, now_ms);
}

void
cap_sessions_close_all(struct cap_sessions *t)
{
	struct cap_sess *s;

	while ((s = t->idle.head) != NULL)
		cap_sess_end(t, s, CAP_SESS_END_SHUTDOWN);
	while ((s = t->hit.head) != NULL)
		cap_sess_end(t, s, CAP_SESS_END_SHUTDOWN);
}

void
cap_sessions_stats(const struct cap_sessions *t, struct cap_sessions_stats *o)
{
	const struct cap_sess_list	*lists[2] = { &t->idle, &t->hit };
	const struct cap_sess		*s;
	struct cap_defrag_stats		 ds;
	int				 i;

	*o = t->st;
	for (i = 0; i < 2; i++)
		for (s = lists[i]->head; s != NULL; s = s->next) {
			add_stream_stats(o, &s->st[0]);
			add_stream_stats(o, &s->st[1]);
		}
	o->history_bytes_now = t->hist.bytes;
	o->history_evicted = t->hist.evicted + t->frags.cache.evicted;
	cap_defrag_stats(t->defrag, &ds);
	o->defrag_reassembled = ds.reassembled;
	o->defrag_dropped = ds.timeouts + ds.evicted + ds.too_many +
	    ds.overlap_drops + ds.too_long + ds.malformed + ds.dropped_late;
}

size_t
cap_sessions_memory(const struct cap_sessions *t)
{
	const struct cap_sess_list	*lists[2] = { &t->idle, &t->hit };
	const struct cap_sess		*s;
	struct cap_defrag_stats		 ds;
	size_t				 m;
	int				 i, d;

	m = sizeof(*t) + strlen(t->dir) + 1 + 2 * CAP_SESS_MALLOC_OVERHEAD;
	m += ((size_t)t->mask + 1) * sizeof(*t->buckets);
	m += (size_t)t->st.sessions_now *
	    (sizeof(struct cap_sess) + CAP_SESS_MALLOC_OVERHEAD);
	for (i = 0; i < 2; i++)
		for (s = lists[i]->head; s != NULL; s = s->next) {
			for (d = 0; d < 2; d++) {
				if (s->ks[d] != NULL)
					m += cap_keyset_stream_size(s->keys) +
					    CAP_SESS_KS_OVERHEAD;
				m += s->st[d].held_bytes +
				    (size_t)s->st[d].held_segments *
				    CAP_SESS_SEG_OVERHEAD;
			}
			if (s->rec == NULL)
				continue;
			m += sizeof(*s->rec) + CAP_SESS_MALLOC_OVERHEAD +
			    (size_t)s->rec->cap * (sizeof(*s->rec->hits) +
			    sizeof(*s->rec->sorted));
			if (s->rec->files != NULL)
				m += CAP_SESS_FILES_ESTIMATE;
		}
	m += t->hist.bytes;
	m += cap_fpending_memory(&t->frags);
	cap_defrag_stats(t->defrag, &ds);
	m += ds.bytes_held;
	return m;
}
