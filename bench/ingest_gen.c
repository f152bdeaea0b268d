/*
 * ingest_gen.c - what bench_ingest sends: a random watch list of IPv4
 * prefixes, a pool of sFlow v5 datagrams written by hand in XDR
 * (sflow.org/sflow_version_5.txt: the datagram header, flow_sample
 * format 1, sampled_header format 1) and the one-sample trigger datagrams.
 *
 * Everything comes from a seeded generator, so two runs send the same
 * bytes.  The offsets the senders patch (the sequence numbers) and read
 * (the agent) follow from the fixed layout in ingest.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

#define FRAME_LEN	1514	/* the sampled frames' length on the wire */
#define SAMPLING_RATE	1024
#define TRIGGER_AGENT	0xC00002FAu	/* 192.0.2.250 */

/* Offsets in a datagram (XDR words). */
#define OFF_AGENT	8
#define OFF_SEQ		16
#define OFF_SAMPLE_SEQ	8	/* in a sample: after its format and length */

uint64_t
ing_rand(struct ing_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint32_t
ing_rand_below(struct ing_rng *r, uint32_t n)
{
	return (uint32_t)(((ing_rand(r) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t
mask_of(unsigned len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

/* Not ours to list: 0/8, 10/8 (local), 127/8, 224/3. */
static int
reserved(uint32_t a)
{
	unsigned o = a >> 24;

	return o == 0 || o == 10 || o == 127 || o >= 224;
}

static int
touches_known(uint32_t addr, unsigned len)
{
	unsigned l = len < 24 ? len : 24;

	return (addr & mask_of(l)) == (ING_KNOWN_PREFIX & mask_of(l));
}

/* A public address outside the list's reserved ranges. */
static uint32_t
random_public(struct ing_rng *r)
{
	uint32_t a;

	do
		a = (uint32_t)ing_rand(r);
	while (reserved(a) || touches_known(a, 32));
	return a;
}

/* Prefix lengths: weights in 1/10,000. */
struct len_weight {
	unsigned	plen;
	unsigned	weight;
};

/* A threat list: mostly single addresses, some /24 and a few wider. */
static const struct len_weight threat_lengths[] = {
	{ 16, 25 }, { 17, 25 }, { 18, 25 }, { 19, 25 }, { 20, 250 },
	{ 21, 250 }, { 22, 250 }, { 23, 250 }, { 24, 2500 }, { 32, 6400 },
};

/* A routing table's shape, as bench/lpm draws it (/24 about half). */
static const struct len_weight routing_lengths[] = {
	{ 8, 2 }, { 9, 3 }, { 10, 5 }, { 11, 10 }, { 12, 20 }, { 13, 30 },
	{ 14, 40 }, { 15, 50 }, { 16, 150 }, { 17, 100 }, { 18, 200 },
	{ 19, 350 }, { 20, 500 }, { 21, 550 }, { 22, 1000 }, { 23, 1000 },
	{ 24, 5400 }, { 25, 100 }, { 26, 100 }, { 27, 80 }, { 28, 80 },
	{ 29, 60 }, { 30, 60 }, { 31, 30 }, { 32, 80 },
};

static unsigned
random_len(struct ing_rng *r, enum ing_shape shape)
{
	const struct len_weight *t = shape == ING_SHAPE_ROUTING ?
	    routing_lengths : threat_lengths;
	size_t i, n = shape == ING_SHAPE_ROUTING ?
	    sizeof(routing_lengths) / sizeof(routing_lengths[0]) :
	    sizeof(threat_lengths) / sizeof(threat_lengths[0]);
	uint32_t k = ing_rand_below(r, 10000);

	for (i = 0; i + 1 < n && k >= t[i].weight; i++)
		k -= t[i].weight;
	return t[i].plen;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
ing_prefixes_make(struct ing_prefixes *p, size_t n, enum ing_shape shape,
    struct ing_rng *r)
{
	uint64_t *keys;
	size_t have = 0, i, j;

	memset(p, 0, sizeof(*p));
	if ((keys = calloc(n ? n : 1, sizeof(*keys))) == NULL)
		return -1;
	/* Draw, sort, drop duplicates; draw again for the missing ones. */
	while (have < n) {
		for (i = have; i < n; i++) {
			unsigned len = random_len(r, shape);
			uint32_t a;

			do
				a = random_public(r) & mask_of(len);
			while (reserved(a) || touches_known(a, len));
			keys[i] = (uint64_t)a << 8 | len;
		}
		qsort(keys, n, sizeof(*keys), cmp_u64);
		for (i = j = 0; i < n; i++)
			if (j == 0 || keys[i] != keys[j - 1])
				keys[j++] = keys[i];
		have = j;
	}
	p->addr = calloc(n ? n : 1, sizeof(*p->addr));
	p->len = calloc(n ? n : 1, sizeof(*p->len));
	if (p->addr == NULL || p->len == NULL) {
		free(keys);
		ing_prefixes_free(p);
		return -1;
	}
	/* Shuffled back, so that the file is not sorted either. */
	for (i = n; i > 1; i--) {
		uint64_t t;

		j = ing_rand_below(r, (uint32_t)i);
		t = keys[i - 1];
		keys[i - 1] = keys[j];
		keys[j] = t;
	}
	for (i = 0; i < n; i++) {
		p->addr[i] = (uint32_t)(keys[i] >> 8);
		p->len[i] = (uint8_t)keys[i];
	}
	p->n = n;
	free(keys);
	return 0;
}

int
ing_prefixes_write(const struct ing_prefixes *p, const char *path)
{
	FILE *f;
	size_t i;
	uint32_t a;
	int rc;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# bench_ingest: %zu random prefixes and 203.0.113.0/24\n",
	    p->n + 1);
	fprintf(f, "203.0.113.0/24\n");
	for (i = 0; i < p->n; i++) {
		a = p->addr[i];
		fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		    (a >> 8) & 255, a & 255);
		if (p->len[i] != 32)
			fprintf(f, "/%u", p->len[i]);
		fputc('\n', f);
	}
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

void
ing_prefixes_free(struct ing_prefixes *p)
{
	free(p->addr);
	free(p->len);
	memset(p, 0, sizeof(*p));
}

/* ---- XDR ---------------------------------------------------------------- */

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

static uint8_t *
dgram_header(uint8_t *p, uint32_t agent, uint32_t seq, uint32_t samples)
{
	p = put32(p, 5);		/* version */
	p = put32(p, 1);		/* agent address: IPv4 */
	p = put32(p, agent);
	p = put32(p, 0);		/* sub-agent */
	p = put32(p, seq);
	p = put32(p, seq * 10);		/* uptime, ms */
	return put32(p, samples);
}

/* Ethernet, IPv4 (1,500 bytes), TCP (ACK|PSH), payload: the first
 * ING_HEADER_BYTES of the frame. */
static void
frame_header(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, uint32_t n)
{
	uint8_t *start = p;
	size_t i;

	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00",
	    14);
	p += 14;
	*p++ = 0x45;
	*p++ = 0;
	p = put16(p, FRAME_LEN - 14);
	p = put16(p, (uint16_t)n);
	p = put16(p, 0x4000);		/* DF */
	*p++ = 64;
	*p++ = 6;
	p = put16(p, 0);		/* checksum: not checked */
	p = put32(p, src);
	p = put32(p, dst);
	p = put16(p, sport);
	p = put16(p, dport);
	p = put32(p, n * 1448);
	p = put32(p, n);
	*p++ = 5 << 4;
	*p++ = 0x18;
	p = put16(p, 502);
	p = put32(p, 0);
	for (i = (size_t)(p - start); i < ING_HEADER_BYTES; i++)
		start[i] = (uint8_t)(n + i);
}

/* A flow sample with one sampled_header record: ING_SAMPLE_LEN bytes. */
static uint8_t *
flow_sample(uint8_t *p, uint32_t seq, uint32_t source, uint32_t in_if,
    uint32_t out_if, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport)
{
	p = put32(p, 1);			/* flow_sample */
	p = put32(p, ING_SAMPLE_LEN - 8);
	p = put32(p, seq);
	p = put32(p, source);			/* source id: class 0 */
	p = put32(p, SAMPLING_RATE);
	p = put32(p, seq * SAMPLING_RATE);	/* sample pool */
	p = put32(p, 0);			/* drops */
	p = put32(p, in_if);
	p = put32(p, out_if);
	p = put32(p, 1);			/* records */
	p = put32(p, 1);			/* sampled_header */
	p = put32(p, 16 + ING_HEADER_BYTES);
	p = put32(p, 1);			/* ethernet */
	p = put32(p, FRAME_LEN + 4);
	p = put32(p, 4);			/* FCS stripped */
	p = put32(p, ING_HEADER_BYTES);
	frame_header(p, src, dst, sport, dport, seq ^ src);
	return p + ING_HEADER_BYTES;
}

static uint16_t
random_dport(struct ing_rng *r)
{
	static const uint16_t common[] = { 443, 80, 53, 22, 25, 123 };
	uint32_t k = ing_rand_below(r, 8);

	return k < 6 ? common[k] : (uint16_t)(1024 + ing_rand_below(r, 64512));
}

/* One flow of the pool: what its flow key is made of, and its kind. */
struct pool_flow {
	uint32_t	src, dst;
	uint16_t	sport, dport;
	uint32_t	in_if, out_if;
	uint32_t	cls;
};

static void
flow_draw(struct pool_flow *f, const struct ing_prefixes *pf,
    struct ing_rng *r)
{
	uint32_t k = ing_rand_below(r, 16);

	f->cls = k == 0 ? ING_CLASS_MATCH : k <= 4 && pf->n > 0 ?
	    ING_CLASS_LISTED : ING_CLASS_RANDOM;
	if (f->cls == ING_CLASS_MATCH) {
		k = ing_rand_below(r, ING_MATCH_PAIRS);
		f->src = ING_MATCH_LOCAL + 1 + k;
		f->dst = ING_KNOWN_PREFIX + 1 + k;
	} else if (f->cls == ING_CLASS_LISTED) {
		k = ing_rand_below(r, (uint32_t)pf->n);
		f->src = pf->addr[k] | ((uint32_t)ing_rand(r) &
		    ~mask_of(pf->len[k]));
		f->dst = random_public(r);
	} else {
		f->src = random_public(r);
		f->dst = random_public(r);
	}
	if (ing_rand(r) & 1) {
		k = f->src;
		f->src = f->dst;
		f->dst = k;
	}
	f->sport = (uint16_t)(1024 + ing_rand_below(r, 64512));
	f->dport = random_dport(r);
	f->in_if = 1 + ing_rand_below(r, 48);
	f->out_if = 1 + ing_rand_below(r, 48);
}

int
ing_pool_build(struct ing_pool *pool, size_t n, size_t flows,
    const struct ing_prefixes *pf, struct ing_rng *r)
{
	struct pool_flow *set = NULL, one;
	const struct pool_flow *f;
	size_t i, per_agent = 0;
	uint32_t s, a;
	uint8_t *p;

	memset(pool, 0, sizeof(*pool));
	if (flows > 0) {
		/* Flow k belongs to agent k % ING_AGENTS. */
		per_agent = (flows + ING_AGENTS - 1) / ING_AGENTS;
		if ((set = calloc(per_agent * ING_AGENTS,
		    sizeof(*set))) == NULL)
			return -1;
		for (i = 0; i < per_agent * ING_AGENTS; i++)
			flow_draw(&set[i], pf, r);
	}
	if ((pool->bytes = calloc(n ? n : 1, ING_DGRAM_LEN)) == NULL) {
		free(set);
		return -1;
	}
	pool->n = n;
	for (i = 0; i < n; i++) {
		a = (uint32_t)(i % ING_AGENTS);
		p = dgram_header(pool->bytes + i * ING_DGRAM_LEN,
		    ING_AGENT_BASE + 1 + a, 1, ING_SAMPLES);
		for (s = 0; s < ING_SAMPLES; s++) {
			if (set != NULL)
				f = &set[a + ING_AGENTS *
				    ing_rand_below(r, (uint32_t)per_agent)];
			else {
				flow_draw(&one, pf, r);
				f = &one;
			}
			pool->by_class[f->cls]++;
			p = flow_sample(p, 1, s + 1, f->in_if, f->out_if,
			    f->src, f->dst, f->sport, f->dport);
		}
	}
	free(set);
	return 0;
}

void
ing_pool_free(struct ing_pool *pool)
{
	free(pool->bytes);
	memset(pool, 0, sizeof(*pool));
}

void
ing_dgram_stamp(uint8_t *dg, uint32_t seq)
{
	uint32_t s;

	put32(dg + OFF_SEQ, seq);
	for (s = 0; s < ING_SAMPLES; s++)
		put32(dg + ING_DGRAM_HDR + s * ING_SAMPLE_LEN + OFF_SAMPLE_SEQ,
		    seq);
}

unsigned
ing_dgram_agent(const uint8_t *dg)
{
	uint32_t a = (uint32_t)dg[OFF_AGENT] << 24 |
	    (uint32_t)dg[OFF_AGENT + 1] << 16 |
	    (uint32_t)dg[OFF_AGENT + 2] << 8 | dg[OFF_AGENT + 3];

	return (a - ING_AGENT_BASE - 1) % ING_AGENTS;
}

void
ing_trigger_build(uint8_t *buf, uint32_t local, uint32_t remote, uint32_t seq)
{
	uint8_t *p = dgram_header(buf, TRIGGER_AGENT, seq, 1);

	(void)flow_sample(p, seq, 1, 1, 2, local, remote, 49152, 443);
}
