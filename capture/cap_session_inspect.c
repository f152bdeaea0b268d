/*
 * cap_session_inspect.c - a frame's way through the session table: parse,
 * reassemble, scan, report hits, record (see cap_sessions.h for what it
 * does, cap_sessions_impl.h for the structures).
 *
 *   pkt_parse (Ethernet) -> an IP fragment goes to cap_defrag; while its
 *   datagram is incomplete a copy waits in the fragment list
 *   (cap_session_history.c); when it completes, the reassembled datagram
 *   is inspected and all its fragment frames go with the session.
 *   -> the session (cap_sessions.c; a new one only for a SYN or payload)
 *   -> TCP: the direction's cap_stream, whose in-order bytes are scanned
 *   by the direction's keystream; UDP: one block scan per datagram.
 *   -> the frame is recorded: to the session's files once it hit (all of
 *   it, or only frames in which a key ended), else into its history.
 *
 * Hits come out of Hyperscan's callback in the middle of a scan: the
 * first one opens the files and writes the history there, which touches
 * no scanner, so it is safe inside the callback.  Nothing on that path
 * ends or frees a session.
 *
 * A TCP session ends at RST, or once FIN was seen both ways with the ACK
 * that follows (the last ACK belongs in session.pcap); when that ACK does
 * not come, the tick ends it CAP_SESSIONS_LINGER_MS after the last frame.
 *
 * A key must not match across bytes that were never adjacent: when the
 * stream skips a gap, the direction's keystream is closed and the next
 * bytes start a new one.  Hit offsets stay offsets in the direction's
 * stream (bytes delivered, gaps not counted), as cap_stream numbers them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_sessions_impl.h"
#include "cursor.h"
#include "ipv6_ext.h"
#include "log.h"
#include "packet.h"

#define PROTO_TCP	6
#define PROTO_UDP	17

#define TH_FIN		0x001
#define TH_SYN		0x002
#define TH_RST		0x004
#define TH_ACK		0x010

/* One packet to inspect: a whole frame, or a datagram cap_defrag put
 * together, with the frame that brought it (the last fragment). */
struct cap_pkt {
	const struct flow_key	*key;
	const uint8_t		*payload;
	uint32_t		 paylen;
	uint32_t		 seq;
	uint16_t		 tcp_flags;
	uint8_t			 pure_ack;
	const struct timespec	*ts;
	const uint8_t		*frame;
	uint32_t		 caplen;
	uint32_t		 wirelen;
	struct cap_fgroup	*frags;		/* its earlier fragments */
};

/* A scan's context: where byte 0 of the scanner is in the stream. */
struct cap_scan {
	struct cap_sessions	*t;
	struct cap_sess		*s;
	uint8_t			 dir;
	uint64_t		 base;
};

/* ---- parsing ----------------------------------------------------------- */

/* Where the transport header starts in an IP packet, and a fragment's
 * identification. */
struct cap_l4 {
	uint32_t	off;
	uint32_t	id;
	uint8_t		proto;
	uint8_t		fragment;	/* IPv6: a Fragment header was found */
};

static int
ip_locate(const uint8_t *ip, size_t len, struct cap_l4 *o)
{
	struct cursor	c;
	uint8_t		vhl, next;
	uint16_t	frag = 0;
	int		n, step;

	memset(o, 0, sizeof(*o));
	cursor_init(&c, ip, len);
	vhl = cursor_peek_u8(&c, 0);
	if (vhl >> 4 == 4) {
		cursor_skip(&c, 4);
		o->id = cursor_be16(&c);
		cursor_skip(&c, 3);
		o->proto = cursor_u8(&c);
		o->off = (uint32_t)(vhl & 0x0F) * 4;
		if (cursor_error(&c) != CURSOR_OK || o->off < 20 ||
		    o->off > len)
			return -1;
		return 0;
	}
	if (vhl >> 4 != 6)
		return -1;
	cursor_skip(&c, 6);
	next = cursor_u8(&c);
	cursor_skip(&c, 1 + 32);
	for (n = 0; n < IPV6_MAX_EXT_HEADERS; n++) {
		step = ipv6_ext_step(&c, &next, &frag);
		if (cursor_error(&c) != CURSOR_OK)
			return -1;
		if (step == IPV6_EXT_TRANSPORT) {
			o->off = (uint32_t)(c.pos - ip);
			o->proto = next;
			return 0;
		}
		if (step == IPV6_EXT_FRAGMENT) {
			/* The identification is the 4 bytes just read. */
			o->id = (uint32_t)c.pos[-4] << 24 |
			    (uint32_t)c.pos[-3] << 16 |
			    (uint32_t)c.pos[-2] << 8 | (uint32_t)c.pos[-1];
			o->fragment = 1;
			return 0;	/* what follows may be a later part */
		}
	}
	return -1;
}

static int
tcp_header(const uint8_t *th, size_t len, uint32_t *seq, uint16_t *flags)
{
	struct cursor	c;
	uint16_t	w;

	cursor_init(&c, th, len);
	cursor_skip(&c, 4);			/* ports */
	*seq = cursor_be32(&c);
	cursor_skip(&c, 4);			/* acknowledgement */
	w = cursor_be16(&c);
	if (cursor_error(&c) != CURSOR_OK || w >> 12 < 5)
		return -1;
	*flags = w & 0x0FFF;
	return 0;
}

/* ---- recording --------------------------------------------------------- */

static int
frame_wanted(const struct cap_sessions *t, const struct cap_sess *s, int dir,
    int pure_ack)
{
	if (pure_ack && !t->cfg.keep_pure_acks)
		return 0;
	if (t->cfg.onedir && !(s->rec->hit_dirs & (1 << dir)))
		return 0;
	return 1;
}

static void
rec_write(struct cap_sess *s, const struct timespec *ts, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen)
{
	struct cap_sess_rec	*r = s->rec;
	char			 err[256];

	if (csf_packet(r->files, ts, frame, caplen, wirelen, err,
	    sizeof(err)) == -1) {
		if (!r->failed) {
			log_warnx("session %s: %s", csf_path(r->files), err);
			snprintf(r->error, sizeof(r->error), "%s", err);
		}
		r->failed = 1;
		return;
	}
	r->written++;
}

struct hist_write {
	struct cap_sessions	*t;
	struct cap_sess		*s;
	int			 all;	/* no filter (a datagram's fragments) */
};

static void
hist_write_one(void *arg, const struct cap_hframe *f)
{
	struct hist_write *w = arg;

	if (w->all || frame_wanted(w->t, w->s, f->dir, f->pure_ack))
		rec_write(w->s, &f->ts, f->data, f->caplen, f->wirelen);
}

/* The first hit: the session moves to the hit list, opens its files
 * and writes its history.  NULL when out of memory. */
static struct cap_sess_rec *
sess_first_hit(struct cap_sessions *t, struct cap_sess *s, int dir)
{
	struct cap_sess_rec	*r;
	struct cap_session_meta	 m;
	struct hist_write	 w = { t, s, 0 };
	const struct cap_hframe	*f;
	char			 err[256];

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	s->rec = r;
	snprintf(r->capture_id, sizeof(r->capture_id), "%s",
	    t->cur_id != NULL ? t->cur_id : "");
	r->hit_dirs = (uint8_t)(1 << dir);
	r->history_complete = (s->flags & CAP_SESS_FIRST_SYN) &&
	    !s->hist.lost;
	cap_sess_mark_hit(t, s);
	t->st.sessions_hit++;

	if (t->st.open_now >= t->cfg.max_open) {
		t->st.open_capped++;
		cap_hlist_drain(&t->hist, &s->hist, NULL, NULL);
		return r;
	}
	memset(&m, 0, sizeof(m));
	m.client = s->addr[0];
	m.server = s->addr[1];
	m.client_port = s->port[0];
	m.server_port = s->port[1];
	m.proto = s->proto;
	/* The folder is named after the first frame it will hold. */
	if (s == t->cur && t->cur_ts != NULL)
		m.first_ts = *t->cur_ts;
	else
		m.first_ts = s->last_ts;
	for (f = s->hist.head; f != NULL; f = f->next)
		if (frame_wanted(t, s, f->dir, f->pure_ack)) {
			m.first_ts = f->ts;
			break;
		}
	if ((r->files = csf_open(t->cfg.dir, &m, t->cfg.nanosecond, err,
	    sizeof(err))) == NULL) {
		log_warnx("session files: %s", err);
		snprintf(r->error, sizeof(r->error), "%s", err);
		r->failed = 1;
		t->st.file_errors++;
		cap_hlist_drain(&t->hist, &s->hist, NULL, NULL);
		return r;
	}
	t->st.open_now++;
	cap_hlist_drain(&t->hist, &s->hist, hist_write_one, &w);
	return r;
}

/* Index of code in the ascending a[0..n), or where it would go. */
static uint32_t
lower_bound(const uint32_t *a, uint32_t n, uint32_t code)
{
	uint32_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a[mid] < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
rec_grow(struct cap_sess_rec *r)
{
	struct cap_sess_hitrec	*h;
	uint32_t		*o, cap = r->cap == 0 ? 4 : r->cap * 2;

	if (cap > CAP_SESS_HITS_MAX)
		cap = CAP_SESS_HITS_MAX;
	if ((h = reallocarray(r->hits, cap, sizeof(*h))) == NULL)
		return -1;
	r->hits = h;
	if ((o = reallocarray(r->sorted, cap, sizeof(*o))) == NULL)
		return -1;
	r->sorted = o;
	r->cap = cap;
	return 0;
}

/* Key index key ended at offset of direction dir: report it once. */
static void
sess_hit(struct cap_sessions *t, struct cap_sess *s, int dir, uint32_t key,
    uint64_t offset)
{
	struct cap_sess_rec	*r;
	struct cap_session_hit	 h;
	const struct timespec	*ts;
	uint32_t		 code, pos;

	if (key >= cap_keyset_count(s->keys))
		return;
	ts = (s == t->cur && t->cur_ts != NULL) ? t->cur_ts : &s->last_ts;
	code = key << 1 | (uint32_t)dir;
	if ((r = s->rec) == NULL &&
	    (r = sess_first_hit(t, s, dir)) == NULL) {
		t->st.hits_capped++;
		return;
	}
	pos = lower_bound(r->sorted, r->nhits, code);
	if (pos < r->nhits && r->sorted[pos] == code)
		return;
	if (r->nhits >= CAP_SESS_HITS_MAX ||
	    (r->nhits == r->cap && rec_grow(r) == -1)) {
		r->keys_dropped++;
		t->st.hits_capped++;
		return;
	}
	memmove(r->sorted + pos + 1, r->sorted + pos,
	    (size_t)(r->nhits - pos) * sizeof(*r->sorted));
	r->sorted[pos] = code;
	r->hits[r->nhits].key = key;
	r->hits[r->nhits].dir = (uint8_t)dir;
	r->hits[r->nhits].offset = offset;
	r->hits[r->nhits].ts = *ts;
	r->nhits++;
	r->hit_dirs |= (uint8_t)(1 << dir);
	t->st.hits++;
	if (s == t->cur)
		t->cur_hit = 1;
	if (t->cb.hit == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.capture_id = r->capture_id;
	h.src = s->addr[dir];
	h.dst = s->addr[!dir];
	h.sport = s->port[dir];
	h.dport = s->port[!dir];
	h.proto = s->proto;
	h.key = cap_keyset_key(s->keys, key);
	h.offset = offset;
	h.ts = *ts;
	h.path = r->files != NULL ? csf_path(r->files) : "";
	t->cb.hit(t->cb.arg, &h);
}

/*
 * The frame has been inspected: write it (a session that hit), or keep
 * it in the session's history.  Its datagram's earlier fragments go
 * with it.
 */
static void
sess_record(struct cap_sessions *t, struct cap_sess *s, int dir,
    struct cap_pkt *p)
{
	struct cap_sess_rec	*r = s->rec;
	struct cap_fgroup	*g = p->frags;
	struct hist_write	 w = { t, s, 1 };
	int			 want;

	p->frags = NULL;
	if (r != NULL) {
		want = r->files != NULL &&
		    frame_wanted(t, s, dir, p->pure_ack) &&
		    (t->cfg.record == CAP_RECORD_SESSION || t->cur_hit);
		if (g != NULL)
			cap_hlist_drain(&t->frags.cache, &g->frames,
			    want ? hist_write_one : NULL, &w);
		cap_fpending_release(&t->frags, g);
		if (want)
			rec_write(s, p->ts, p->frame, p->caplen, p->wirelen);
		return;
	}
	if (p->pure_ack && !t->cfg.keep_pure_acks) {
		cap_fpending_release(&t->frags, g);
		return;
	}
	/* No hit can come (no keys, both directions done), or the history
	 * would never be written (record=frame), or there is none. */
	if (s->keys == NULL || s->done == 3 ||
	    t->cfg.record == CAP_RECORD_FRAME || t->hist.max == 0) {
		s->hist.lost = 1;
		cap_hlist_drain(&t->hist, &s->hist, NULL, NULL);
		cap_fpending_release(&t->frags, g);
		return;
	}
	if (g != NULL)
		cap_hlist_move(&t->frags.cache, &g->frames, &t->hist, &s->hist,
		    (uint8_t)dir);
	cap_fpending_release(&t->frags, g);
	(void)cap_hcache_add(&t->hist, &s->hist, p->ts, p->frame, p->caplen,
	    p->wirelen, (uint8_t)dir, p->pure_ack);
}

/* ---- inspection -------------------------------------------------------- */

static void
on_key(void *arg, uint32_t key, uint64_t end)
{
	struct cap_scan *sc = arg;

	sess_hit(sc->t, sc->s, sc->dir, key, sc->base + end);
}

/* Close direction dir's keystream; report end-of-stream matches when
 * report. */
static void
ks_close(struct cap_sessions *t, struct cap_sess *s, int dir, int report)
{
	struct cap_keystream	*ks = s->ks[dir];
	struct cap_scan		 sc = { t, s, (uint8_t)dir, 0 };

	if (ks == NULL)
		return;
	s->ks[dir] = NULL;
	sc.base = s->bytes[dir] - cap_keystream_offset(ks);
	cap_keystream_close(ks, t->scratch, report ? on_key : NULL, &sc);
}

/*
 * No more inspection in direction dir (capped, or the scanner failed).
 * Its held segments are dropped by tcp_after(), once the cap_stream call
 * that may be delivering right now has returned.
 */
static void
dir_done(struct cap_sessions *t, struct cap_sess *s, int dir, int report)
{
	s->done |= (uint8_t)(1 << dir);
	ks_close(t, s, dir, report);
}

/* len in-order bytes of direction dir through its keystream. */
static void
dir_scan(struct cap_sessions *t, struct cap_sess *s, int dir,
    const uint8_t *data, size_t len)
{
	struct cap_scan sc = { t, s, (uint8_t)dir, 0 };

	if ((s->done & (1 << dir)) || s->keys == NULL || len == 0)
		return;
	if (s->ks[dir] == NULL &&
	    (s->ks[dir] = cap_keystream_open(s->keys)) == NULL) {
		t->st.scan_errors++;
		dir_done(t, s, dir, 0);
		return;
	}
	sc.base = s->bytes[dir] - cap_keystream_offset(s->ks[dir]);
	if (cap_keystream_scan(s->ks[dir], t->scratch, data, len, on_key,
	    &sc) == -1) {
		t->st.scan_errors++;
		dir_done(t, s, dir, 0);
		return;
	}
	s->bytes[dir] += len;
	t->st.bytes_scanned += len;
}

static void
tcp_deliver(void *arg, const uint8_t *data, size_t len, uint64_t offset,
    uint32_t gap)
{
	struct cap_scan *sc = arg;

	(void)offset;			/* = s->bytes[dir] while inspecting */
	/* A key must not match across bytes that were never adjacent. */
	if (gap > 0)
		ks_close(sc->t, sc->s, sc->dir, 1);
	dir_scan(sc->t, sc->s, sc->dir, data, len);
}

/* After a cap_stream call: a direction past max_stream_bytes is done,
 * and a done direction holds nothing. */
static void
tcp_after(struct cap_sessions *t, struct cap_sess *s, int dir)
{
	if (s->st[dir].st.capped > 0 && !(s->done & (1 << dir))) {
		t->st.stream_capped++;
		dir_done(t, s, dir, 1);
	}
	if ((s->done & (1 << dir)) && s->st[dir].held != NULL)
		cap_stream_free(&s->st[dir]);
}

/* One TCP segment; returns how the session ends, or -1. */
static int
sess_tcp(struct cap_sessions *t, struct cap_sess *s, int dir,
    const struct cap_pkt *p, int64_t now_ms)
{
	struct cap_scan	 sc = { t, s, (uint8_t)dir, 0 };
	uint32_t	 seq = p->seq;
	int		 fin = (p->tcp_flags & TH_FIN) != 0;

	if (s->keys != NULL && !(s->done & (1 << dir))) {
		if (p->tcp_flags & TH_SYN) {
			cap_stream_syn(&s->st[dir], seq);
			seq++;
		}
		if (p->paylen > 0 || fin) {
			(void)cap_stream_segment(&s->st[dir], &t->lim, seq,
			    p->payload, p->paylen, fin, now_ms, tcp_deliver,
			    &sc);
			tcp_after(t, s, dir);
		}
	}
	if (p->tcp_flags & TH_RST)
		return CAP_SESS_END_RST;
	if (fin)
		s->fin |= (uint8_t)(1 << dir);
	else if (s->fin == 3 && p->pure_ack)
		return CAP_SESS_END_FIN;	/* the ACK of the last FIN */
	return -1;
}

static void
sess_udp(struct cap_sessions *t, struct cap_sess *s, int dir,
    const struct cap_pkt *p)
{
	struct cap_scan	 sc = { t, s, (uint8_t)dir, s->bytes[dir] };
	uint64_t	 room = t->cfg.max_stream_bytes - s->bytes[dir];
	size_t		 len = p->paylen;
	int		 capped = 0;

	if (s->keys == NULL || (s->done & (1 << dir)) || len == 0)
		return;
	if (len > room) {
		len = (size_t)room;
		capped = 1;
	}
	if (len > 0 && cap_keyset_scan_block(s->keys, t->scratch, p->payload,
	    len, on_key, &sc) == -1)
		t->st.scan_errors++;
	s->bytes[dir] += len;
	t->st.bytes_scanned += len;
	if (capped) {
		t->st.stream_capped++;
		s->done |= (uint8_t)(1 << dir);
	}
}

/* ---- sessions ---------------------------------------------------------- */

/* Does this packet start a session?  Only one that can be inspected. */
static int
sess_wanted(const struct cap_sessions *t, const struct cap_pkt *p)
{
	if (p->key->proto == PROTO_UDP)
		return t->cfg.inspect_udp;
	return (p->tcp_flags & TH_SYN) || p->paylen > 0;
}

/*
 * A new session for p: the client is the SYN's sender, the receiver of a
 * SYN-ACK, else the first packet's source.  *dir is p's direction.
 */
static struct cap_sess *
sess_start(struct cap_sessions *t, const struct cap_pkt *p,
    const struct netaddr *src, const struct netaddr *dst, int *dir)
{
	const struct flow_key	*k = p->key;
	uint16_t		 sa = p->tcp_flags & (TH_SYN | TH_ACK);
	int			 synack = k->proto == PROTO_TCP &&
				    sa == (TH_SYN | TH_ACK);

	*dir = synack ? 1 : 0;
	if (synack)
		return cap_sess_new(t, k->proto, dst, k->dport, src, k->sport,
		    0, p->ts);
	return cap_sess_new(t, k->proto, src, k->sport, dst, k->dport,
	    k->proto == PROTO_UDP || sa == TH_SYN, p->ts);
}

/* One packet of a TCP or UDP flow. */
static void
sess_packet(struct cap_sessions *t, struct cap_pkt *p, int64_t now_ms)
{
	const struct flow_key	*k = p->key;
	struct netaddr		 src = netaddr_canonical(&k->src);
	struct netaddr		 dst = netaddr_canonical(&k->dst);
	struct cap_sess		*s;
	int			 dir, end = -1;

	s = cap_sess_find(t, k->proto, &src, k->sport, &dst, k->dport, &dir);
	if (s == NULL) {
		if (!sess_wanted(t, p)) {
			t->st.not_inspected++;
			cap_fpending_release(&t->frags, p->frags);
			return;
		}
		if ((s = sess_start(t, p, &src, &dst, &dir)) == NULL) {
			cap_fpending_release(&t->frags, p->frags);
			return;
		}
	}
	t->cur = s;
	t->cur_hit = 0;
	cap_sess_touch(t, s, now_ms, p->ts);
	if (s->frames[dir] < UINT32_MAX)
		s->frames[dir]++;
	if (s->proto == PROTO_TCP)
		end = sess_tcp(t, s, dir, p, now_ms);
	else
		sess_udp(t, s, dir, p);
	sess_record(t, s, dir, p);
	if (end >= 0) {
		t->st.sessions_ended++;
		cap_sess_end(t, s, (enum cap_sess_end)end);
	}
	t->cur = NULL;
}

/* ---- frames ------------------------------------------------------------ */

/* A parsed packet (buf: what pp was parsed from) into p, then the table. */
static void
inspect_parsed(struct cap_sessions *t, const struct pkt_parsed *pp,
    const uint8_t *buf, size_t len, struct cap_pkt *p, int64_t now_ms)
{
	const struct flow_key	*k = &pp->key;
	struct cap_l4		 l4;

	if ((k->proto != PROTO_TCP && k->proto != PROTO_UDP) ||
	    (k->flags & FLOW_KEY_PORTS) == 0 ||
	    (k->flags & (FLOW_KEY_TRUNCATED | FLOW_KEY_MALFORMED |
	    FLOW_KEY_LATER_FRAGMENT)) != 0 ||
	    pp->payload_offset > len || pp->payload_length >
	    len - pp->payload_offset)
		goto skip;
	p->key = k;
	p->payload = buf + pp->payload_offset;
	p->paylen = pp->payload_length;
	if (k->proto == PROTO_TCP) {
		if (ip_locate(buf + pp->l3_offset, len - pp->l3_offset,
		    &l4) == -1 || l4.proto != PROTO_TCP ||
		    tcp_header(buf + pp->l3_offset + l4.off,
		    len - pp->l3_offset - l4.off, &p->seq,
		    &p->tcp_flags) == -1)
			goto skip;
		p->pure_ack = p->paylen == 0 &&
		    (p->tcp_flags & (TH_SYN | TH_FIN | TH_RST)) == 0;
	}
	sess_packet(t, p, now_ms);
	return;
skip:
	t->st.not_inspected++;
	cap_fpending_release(&t->frags, p->frags);
	p->frags = NULL;
}

/* An IP fragment: held until its datagram is whole, then inspected. */
static void
frame_fragment(struct cap_sessions *t, const struct pkt_parsed *pp,
    struct cap_pkt *p, int64_t now_ms)
{
	const uint8_t		*ip = p->frame + pp->l3_offset, *out;
	size_t			 iplen = p->caplen - pp->l3_offset, outlen;
	struct cap_l4		 l4;
	struct cap_fkey		 fk;
	struct pkt_parsed	 dp;

	if (ip_locate(ip, iplen, &l4) == -1) {
		t->st.not_inspected++;
		return;
	}
	memset(&fk, 0, sizeof(fk));
	fk.src = netaddr_canonical(&pp->key.src);
	fk.dst = netaddr_canonical(&pp->key.dst);
	fk.id = l4.id;
	fk.proto = pp->key.src.family == NETADDR_IPV4 ? l4.proto : 0;
	switch (cap_defrag_feed(t->defrag, ip, iplen, now_ms, &out, &outlen)) {
	case CAP_DEFRAG_WHOLE:		/* an IPv6 atomic fragment */
		inspect_parsed(t, pp, p->frame, p->caplen, p, now_ms);
		break;
	case CAP_DEFRAG_HELD:
		cap_fpending_hold(&t->frags, &fk, p->ts, p->frame, p->caplen,
		    p->wirelen, now_ms);
		break;
	case CAP_DEFRAG_DONE:
		p->frags = cap_fpending_take(&t->frags, &fk);
		pkt_parse(out, outlen, PKT_LINK_IP, &dp);
		inspect_parsed(t, &dp, out, outlen, p, now_ms);
		break;
	default:			/* counted by cap_defrag */
		break;
	}
}

void
cap_sessions_frame(struct cap_sessions *t, const char *capture_id,
    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, int64_t now_ms)
{
	struct pkt_parsed	pp;
	struct cap_pkt		p;

	t->st.frames++;
	if (frame == NULL || ts == NULL || caplen == 0) {
		t->st.not_inspected++;
		return;
	}
	pkt_parse(frame, caplen, PKT_LINK_ETHERNET, &pp);
	if (pp.key.src.family == NETADDR_NONE ||
	    (pp.key.flags & FLOW_KEY_MALFORMED) || pp.l3_offset >= caplen) {
		t->st.not_inspected++;
		return;
	}
	memset(&p, 0, sizeof(p));
	p.ts = ts;
	p.frame = frame;
	p.caplen = caplen;
	p.wirelen = wirelen;
	t->cur_id = capture_id != NULL ? capture_id : "";
	t->cur_ts = ts;
	if (pp.key.flags & FLOW_KEY_FRAGMENT)
		frame_fragment(t, &pp, &p, now_ms);
	else
		inspect_parsed(t, &pp, frame, caplen, &p, now_ms);
	t->cur = NULL;
	t->cur_id = NULL;
	t->cur_ts = NULL;
}

/* ---- the table's timers and ends -------------------------------------- */

void
cap_sess_inspect_age(struct cap_sessions *t, struct cap_sess *s,
    int64_t now_ms)
{
	struct cap_scan	sc = { t, s, 0, 0 };
	int		d;

	if (s->proto != PROTO_TCP)
		return;
	for (d = 0; d < 2; d++) {
		if (s->st[d].held == NULL || (s->done & (1 << d)))
			continue;
		sc.dir = (uint8_t)d;
		cap_stream_age(&s->st[d], &t->lim, now_ms, tcp_deliver, &sc);
		tcp_after(t, s, d);
	}
}

void
cap_sess_inspect_end(struct cap_sessions *t, struct cap_sess *s, int report)
{
	struct cap_scan	sc = { t, s, 0, 0 };
	int		d;

	for (d = 0; d < 2; d++) {
		sc.dir = (uint8_t)d;
		if (report && s->proto == PROTO_TCP && s->keys != NULL &&
		    !(s->done & (1 << d))) {
			cap_stream_flush(&s->st[d], tcp_deliver, &sc);
			tcp_after(t, s, d);
		}
		ks_close(t, s, d, report);
	}
}
