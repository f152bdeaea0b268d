/*
 * inspect_traffic.c - bench_inspect's traffic: TCP sessions written out as
 * Ethernet frames (IPv4 or IPv6, TCP with the timestamps option), all in
 * one buffer in the order a mirror port would deliver them (see
 * inspect.h).
 *
 * A session: the handshake, the client's request in MSS-sized segments,
 * the server's response, FIN both ways and the last ACK; every second
 * data segment is acknowledged by the peer.  Most sessions are small (an
 * HTTP request and a response of up to 8 KB), some large (a download or
 * an upload of 64-512 KB).  Within a direction a data segment is now and
 * then swapped with the next (out of order) or sent again a little later
 * (a retransmission, same bytes).
 *
 * Interleaving: `concurrency` sessions are open at a time; each frame is
 * the next one of a session picked at random among them, and a session
 * that sent its last frame makes room for the next.
 *
 * Plants: in hit_fraction of the sessions, one to three keys are written
 * into the payload (70 % in the response), with a space on either side
 * so that no key can match across a plant's edge; 30 % of them straddle
 * two segments, which a stream scan finds and a scan of each segment
 * alone does not.  A session never gets the same key twice, so every
 * plant is one (session, key, direction) hit.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect.h"

#define MSS		1448
#define FRAME_ROOM	1600
#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_PSH		0x08
#define TH_ACK		0x10
#define PLANTS_MAX	3

struct gseg {
	uint32_t	seq;
	uint32_t	ack;
	uint32_t	off;		/* in the direction's payload */
	uint16_t	len;
	uint8_t		flags;		/* TCP */
	uint8_t		dir;
	uint8_t		dup;
};

struct gsess {
	uint32_t	 idx;
	uint8_t		 v6;
	uint8_t		*pay[2];
	size_t		 plen[2];
	uint32_t	 isn[2];
	struct gseg	*seg;
	size_t		 nseg;
	size_t		 next;
};

struct plant {
	uint32_t	key;
	uint32_t	start;
	uint8_t		dir;
	uint8_t		len;
};

/* ---- frames ------------------------------------------------------------ */

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

static uint16_t
ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Session s's addresses: the client's unique to s (10.0.0.0/8 or
 * fd00::/64), the server one of a few (198.18.0.0/16 or 2001:db8::). */
static void
addrs(uint32_t s, int v6, uint8_t cli[16], uint8_t srv[16])
{
	memset(cli, 0, 16);
	memset(srv, 0, 16);
	if (!v6) {
		put32(cli, 0x0A000000u | (s & 0xFFFFFF));
		put32(srv, 0xC6120000u | (s % 509 + 1));
		return;
	}
	put16(cli, 0xFD00);
	put32(cli + 12, s);
	put32(srv, 0x20010DB8);
	put16(srv + 14, (uint16_t)(s % 509 + 1));
}

size_t
ib_frame_build(uint8_t *buf, uint32_t s, int v6, int dir, uint16_t tcp_flags,
    uint32_t seq, uint32_t ack, const uint8_t *payload, size_t paylen,
    uint16_t *payoff)
{
	uint8_t cli[16], srv[16], *p = buf, *ip;
	uint16_t cport = (uint16_t)(1024 + s % 64000);
	uint16_t sport = s % 4 == 0 ? 443 : 80;
	size_t tcplen = 32 + paylen;

	addrs(s, v6, cli, srv);
	memcpy(p, dir == 0 ? "\x02\0\0\0\0\x02\x02\0\0\0\0\x01" :
	    "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	p = put16(p + 12, v6 ? 0x86DD : 0x0800);
	ip = p;
	if (!v6) {
		*p++ = 0x45;
		*p++ = 0;
		p = put16(p, (uint16_t)(20 + tcplen));
		p = put16(p, (uint16_t)seq);		/* identification */
		p = put16(p, 0x4000);			/* DF */
		*p++ = 64;
		*p++ = 6;
		p = put16(p, 0);
		memcpy(p, dir == 0 ? cli : srv, 4);
		memcpy(p + 4, dir == 0 ? srv : cli, 4);
		p += 8;
		put16(ip + 10, ip_checksum(ip, 20));
	} else {
		p = put32(p, 0x60000000);
		p = put16(p, (uint16_t)tcplen);
		*p++ = 6;
		*p++ = 64;
		memcpy(p, dir == 0 ? cli : srv, 16);
		memcpy(p + 16, dir == 0 ? srv : cli, 16);
		p += 32;
	}
	p = put16(p, dir == 0 ? cport : sport);
	p = put16(p, dir == 0 ? sport : cport);
	p = put32(p, seq);
	p = put32(p, ack);
	p = put16(p, (uint16_t)(8 << 12 | tcp_flags));	/* 32-byte header */
	p = put16(p, 502);				/* window */
	p = put32(p, 0);				/* checksum, urgent */
	p = put32(p, 0x0101080A);			/* NOP NOP TS */
	p = put32(p, seq * 7);
	p = put32(p, ack * 3);
	*payoff = (uint16_t)(p - buf);
	if (paylen > 0)
		memcpy(p, payload, paylen);
	return (size_t)(p - buf) + paylen;
}

/* ---- plants ------------------------------------------------------------ */

static int
overlaps(const struct plant *pl, size_t n, int dir, uint32_t start,
    uint32_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pl[i].dir == dir && start < pl[i].start + pl[i].len + 2 &&
		    pl[i].start < start + len + 2)
			return 1;
	return 0;
}

static int
used(const struct plant *pl, size_t n, uint32_t key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pl[i].key == key)
			return 1;
	return 0;
}

/* Write one to three keys into g's payloads. */
static void
plant(struct gsess *g, const struct ib_key *keys, uint32_t nkeys,
    struct ib_rng *r, struct ib_traffic *t)
{
	struct plant pl[PLANTS_MAX];
	size_t n = 0, want, tries, j;
	uint32_t x = ib_below(r, 10);

	want = 1 + (x < 4) + (x < 1);
	for (tries = 0; n < want && tries < 1000; tries++) {
		uint32_t k = ib_below(r, nkeys), start, len, segs;
		const struct ib_key *key = &keys[k];
		int dir = ib_below(r, 10) < 7, split;
		uint8_t *p;

		if (used(pl, n, k))
			continue;
		len = key->len;
		if (g->plen[dir] < len + 2)
			continue;
		segs = (uint32_t)((g->plen[dir] + MSS - 1) / MSS);
		split = segs > 1 && ib_below(r, 10) < 3;
		if (split) {
			start = MSS * (1 + ib_below(r, segs - 1)) -
			    (1 + ib_below(r, len - 1));
			if (start + len + 1 > g->plen[dir])
				continue;
		} else {
			start = 1 + ib_below(r,
			    (uint32_t)g->plen[dir] - len - 1);
			if (start / MSS != (start + len - 1) / MSS)
				continue;
		}
		if (overlaps(pl, n, dir, start, len))
			continue;
		p = g->pay[dir] + start;
		p[-1] = ' ';
		for (j = 0; j < len; j++) {
			p[j] = key->bytes[j];
			/* A nocase key goes in with its letters' case
			 * flipped at random. */
			if (key->nocase && ib_below(r, 2) &&
			    ((p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'z'))
				p[j] ^= 0x20;
		}
		if (start + len < g->plen[dir])
			p[len] = ' ';
		pl[n].key = k;
		pl[n].start = start;
		pl[n].dir = (uint8_t)dir;
		pl[n].len = (uint8_t)len;
		n++;
		t->plants++;
		t->plants_split += split;
		t->plants_nocase += key->nocase;
	}
	if (n > 0)
		t->hit_sessions++;
}

/* ---- a session's frames ------------------------------------------------ */

/* Payload bytes of direction dir's segment i. */
static size_t
seg_len(const struct gsess *g, int dir, uint32_t i)
{
	size_t len = g->plen[dir] - (size_t)i * MSS;

	return len > MSS ? MSS : len;
}

static void
seg_add(struct gsess *g, int dir, uint8_t flags, uint32_t off, size_t len,
    int dup)
{
	struct gseg *s = &g->seg[g->nseg++];
	/* The peer has acknowledged what it was sent before. */
	uint32_t peer = dir == 0 ? 0 : (uint32_t)g->plen[0];

	s->dir = (uint8_t)dir;
	s->flags = flags;
	s->off = off;
	s->len = (uint16_t)len;
	s->dup = (uint8_t)dup;
	s->seq = g->isn[dir] + 1 + off;
	s->ack = (flags & TH_SYN) && dir == 0 ? 0 : g->isn[!dir] + 1 + peer;
}

/*
 * Direction dir's data segments: some swapped with the next, some sent
 * again after the next; the peer acknowledges every second one.
 */
static void
script_dir(struct gsess *g, int dir, const struct ib_traffic_opts *o,
    struct ib_rng *r, struct ib_traffic *t, uint32_t *order)
{
	uint32_t n = (uint32_t)((g->plen[dir] + MSS - 1) / MSS), k, i;
	uint64_t reorder = (uint64_t)(o->reorder * 4294967296.0);
	uint64_t retrans = (uint64_t)(o->retransmit * 4294967296.0);
	/* What the peer has sent so far: its ACKs' sequence number. */
	uint32_t peer_sent = dir == 1 ? (uint32_t)g->plen[0] : 0;
	int again = -1;

	for (k = 0; k < n; k++)
		order[k] = k;
	for (k = 0; k + 1 < n; k++)
		if ((ib_rand(r) >> 32) < reorder) {
			order[k] = k + 1;
			order[k + 1] = k;
			t->reordered++;
			k++;
		}
	for (k = 0; k < n; k++) {
		i = order[k];
		seg_add(g, dir, TH_ACK | (i == n - 1 ? TH_PSH : 0), i * MSS,
		    seg_len(g, dir, i), 0);
		t->data_segments++;
		if (again >= 0) {
			seg_add(g, dir, TH_ACK, (uint32_t)again * MSS,
			    seg_len(g, dir, (uint32_t)again), 1);
			again = -1;
		}
		if ((ib_rand(r) >> 32) < retrans) {
			again = (int)i;
			t->retransmitted++;
		}
		if (k % 2 == 1)
			seg_add(g, !dir, TH_ACK, peer_sent, 0, 0);
	}
	if (again >= 0)
		seg_add(g, dir, TH_ACK, (uint32_t)again * MSS,
		    seg_len(g, dir, (uint32_t)again), 1);
}

static void
sess_free(struct gsess *g)
{
	if (g == NULL)
		return;
	free(g->pay[0]);
	free(g->pay[1]);
	free(g->seg);
	free(g);
}

static struct gsess *
sess_make(uint32_t idx, int hit, const struct ib_traffic_opts *o,
    const struct ib_key *keys, struct ib_rng *r, struct ib_traffic *t)
{
	struct gsess *g;
	uint32_t *order = NULL, big;
	size_t segs;
	int large, up;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->idx = idx;
	g->v6 = ib_rand(r) >> 11 <
	    (uint64_t)(o->ipv6_fraction * 9007199254740992.0);	/* 2^53 */
	large = ib_rand(r) >> 11 <
	    (uint64_t)(o->large_fraction * 9007199254740992.0);
	if (large) {
		up = ib_below(r, 4) == 0;
		big = 65536 + ib_below(r, 448 * 1024);
		g->plen[0] = up ? big : 300 + ib_below(r, 500);
		g->plen[1] = up ? 200 + ib_below(r, 300) : big;
		t->nlarge++;
	} else {
		g->plen[0] = 150 + ib_below(r, 1050);
		g->plen[1] = 500 + ib_below(r, 7500);
	}
	t->nipv6 += g->v6;
	g->isn[0] = (uint32_t)ib_rand(r);
	g->isn[1] = (uint32_t)ib_rand(r);
	segs = (g->plen[0] + MSS - 1) / MSS + (g->plen[1] + MSS - 1) / MSS;
	if ((g->pay[0] = malloc(g->plen[0])) == NULL ||
	    (g->pay[1] = malloc(g->plen[1])) == NULL ||
	    (g->seg = calloc(16 + 3 * segs, sizeof(*g->seg))) == NULL ||
	    (order = calloc(segs, sizeof(*order))) == NULL) {
		free(order);
		sess_free(g);
		return NULL;
	}
	ib_request(r, g->pay[0], g->plen[0]);
	ib_response(r, g->pay[1], g->plen[1]);
	if (hit)
		plant(g, keys, o->plant_keys, r, t);

	seg_add(g, 0, TH_SYN, 0, 0, 0);
	g->seg[0].seq = g->isn[0];
	seg_add(g, 1, TH_SYN | TH_ACK, 0, 0, 0);
	g->seg[1].seq = g->isn[1];
	g->seg[1].ack = g->isn[0] + 1;
	seg_add(g, 0, TH_ACK, 0, 0, 0);
	script_dir(g, 0, o, r, t, order);
	script_dir(g, 1, o, r, t, order);
	seg_add(g, 0, TH_FIN | TH_ACK, (uint32_t)g->plen[0], 0, 0);
	seg_add(g, 1, TH_FIN | TH_ACK, (uint32_t)g->plen[1], 0, 0);
	seg_add(g, 0, TH_ACK, (uint32_t)g->plen[0] + 1, 0, 0);
	g->seg[g->nseg - 1].ack++;			/* past the FIN */
	free(order);
	return g;
}

/* ---- the whole traffic ------------------------------------------------- */

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap;
	void *q;

	if (need <= n)
		return 0;
	while (n < need)
		n = n * 2;
	if ((q = realloc(*p, n * size)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* g's next frame onto the end of t. */
static int
emit(struct ib_traffic *t, size_t *bcap, size_t *fcap, struct gsess *g)
{
	const struct gseg *s = &g->seg[g->next++];
	struct ib_frame *f;

	if (grow((void **)&t->bytes, bcap, t->len + FRAME_ROOM, 1) == -1 ||
	    grow((void **)&t->frames, fcap, t->nframes + 1,
	    sizeof(*t->frames)) == -1)
		return -1;
	f = &t->frames[t->nframes++];
	f->off = t->len;
	f->len = (uint32_t)ib_frame_build(t->bytes + t->len, g->idx, g->v6,
	    s->dir, s->flags, s->seq, s->ack,
	    s->len > 0 ? g->pay[s->dir] + s->off : NULL, s->len, &f->payoff);
	f->paylen = s->len;
	f->sess = g->idx;
	f->dir = s->dir;
	f->flags = (s->dup ? IB_F_DUP : 0) |
	    (g->next == g->nseg ? IB_F_LAST : 0);
	t->len += f->len;
	if (s->dup)
		t->dup_bytes += s->len;
	else
		t->payload += s->len;
	return 0;
}

/* Session i hits: exactly hit_fraction of the sessions, spread evenly. */
static int
is_hit(uint32_t i, uint32_t n, uint32_t hits)
{
	return (uint64_t)i * hits / n != ((uint64_t)i + 1) * hits / n;
}

int
ib_traffic_make(struct ib_traffic *t, const struct ib_traffic_opts *o,
    const struct ib_key *keys, struct ib_rng *r)
{
	struct gsess **act;
	size_t bcap, fcap = 1 << 16, nact = 0, j;
	uint32_t next = 0, hits, c = o->concurrency;

	memset(t, 0, sizeof(*t));
	hits = (uint32_t)(o->sessions * o->hit_fraction + 0.5);
	if (hits == 0 && o->hit_fraction > 0)
		hits = 1;
	if (c == 0)
		c = 1;
	/* Roughly what it will take, to spare most of the reallocations. */
	bcap = (size_t)(o->sessions * (o->large_fraction * 320e3 + 6e3) *
	    1.1) + (1 << 20);
	if ((act = calloc(c, sizeof(*act))) == NULL ||
	    (t->bytes = malloc(bcap)) == NULL ||
	    (t->frames = malloc(fcap * sizeof(*t->frames))) == NULL)
		goto fail;
	t->nsessions = o->sessions;
	for (;;) {
		while (nact < c && next < o->sessions) {
			act[nact] = sess_make(next, is_hit(next, o->sessions,
			    hits), o, keys, r, t);
			if (act[nact] == NULL)
				goto fail;
			nact++;
			next++;
		}
		if (nact == 0)
			break;
		j = ib_below(r, (uint32_t)nact);
		if (emit(t, &bcap, &fcap, act[j]) == -1)
			goto fail;
		if (act[j]->next == act[j]->nseg) {
			sess_free(act[j]);
			act[j] = act[--nact];
		}
	}
	free(act);
	return 0;
fail:
	if (act != NULL)
		for (j = 0; j < nact; j++)
			sess_free(act[j]);
	free(act);
	ib_traffic_free(t);
	return -1;
}

void
ib_traffic_free(struct ib_traffic *t)
{
	free(t->bytes);
	free(t->frames);
	memset(t, 0, sizeof(*t));
}
