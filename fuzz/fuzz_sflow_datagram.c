/*
 * fuzz_sflow_datagram.c - libFuzzer target: one input is one UDP payload
 * received on the sFlow port.
 *
 * Each input goes through:
 *  - sflow_decode() with SFLOW_DECODE_FLOW_KEY and a visitor that reads every
 *    field of every sample (so a view pointing outside the input, such as
 *    header.bytes, is caught by ASan) and feeds a long-lived sflow_agents
 *    table whose caps are small enough to be hit;
 *  - sflow_decode() again with flags 0, no visitor and no error struct: the
 *    result must not depend on the flag or on the optional arguments;
 *  - pkt_parse() on the raw input once for every enum pkt_link, because
 *    sampled headers are attacker-controlled bytes too.
 *
 * Besides memory errors the target checks the API's promises (FUZZ_CHECK):
 * a violated one aborts, which libFuzzer reports like a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "packet.h"
#include "sflow.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * Small on purpose: a fuzzing run sees thousands of agents and sources, so
 * the table-full paths run all the time.  The table is rebuilt every
 * AGENTS_RECYCLE inputs so that _new/_free and the empty table run as well.
 */
#define AGENTS_MAX		4
#define AGENTS_MAX_SOURCES	8
#define AGENTS_RECYCLE		4096

struct fuzz_ctx {
	const uint8_t		*data;
	size_t			 size;
	struct sflow_agents	*agents;
	uint64_t		 sink;		/* every field read lands here */
	uint32_t		 samples;	/* delivered to the visitor */
	uint32_t		 last_index;	/* of the last sample delivered */
};

static struct sflow_agents *agents;
static unsigned long inputs;
static volatile uint64_t sink;	/* where each input's fold ends up */

/* Fold n bytes into the sink, so that reading them cannot be optimised away. */
static void
touch(struct fuzz_ctx *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		f->sink = f->sink * 31 + b[i];
}

static void
touch_u64(struct fuzz_ctx *f, uint64_t v)
{
	f->sink = f->sink * 1000003 ^ v;
}

/* netaddr.h: the unused bytes are zero, so memcmp and hashing work. */
static void
check_netaddr(struct fuzz_ctx *f, const struct netaddr *a)
{
	size_t used, i;

	FUZZ_CHECK(a->family == NETADDR_NONE || a->family == NETADDR_IPV4 ||
	    a->family == NETADDR_IPV6);
	used = a->family == NETADDR_IPV6 ? 16 : a->family == NETADDR_IPV4 ? 4 : 0;
	for (i = used; i < sizeof(a->bytes); i++)
		FUZZ_CHECK(a->bytes[i] == 0);
	touch(f, a->bytes, used);
}

static void
check_flow_key(struct fuzz_ctx *f, const struct flow_key *k)
{
	check_netaddr(f, &k->src);
	check_netaddr(f, &k->dst);
	/* A header clipped between the two addresses leaves dst unset. */
	FUZZ_CHECK(k->dst.family == NETADDR_NONE ||
	    k->dst.family == k->src.family);
	FUZZ_CHECK(k->src.family != NETADDR_NONE ||
	    (k->flags & (FLOW_KEY_PORTS | FLOW_KEY_ICMP)) == 0);
	touch_u64(f, k->mpls_label);
	touch_u64(f, k->eth_type);
	touch_u64(f, k->vlan);
	touch_u64(f, k->inner_vlan);
	touch_u64(f, k->sport);
	touch_u64(f, k->dport);
	touch_u64(f, k->tcp_flags);
	touch_u64(f, k->flags);
	touch_u64(f, k->vlan_count);
	touch_u64(f, k->mpls_count);
	touch_u64(f, k->proto);
	touch_u64(f, k->tos);
	touch_u64(f, k->ttl);
	touch_u64(f, k->icmp_type);
	touch_u64(f, k->icmp_code);
}

/* The promises of struct pkt_parsed for a buffer of len bytes. */
static void
check_pkt(struct fuzz_ctx *f, const struct pkt_parsed *p, size_t len)
{
	check_flow_key(f, &p->key);
	if (p->has_inner)
		check_flow_key(f, &p->inner);
	FUZZ_CHECK(p->l3_offset <= len);
	FUZZ_CHECK(p->payload_offset <= len);
	FUZZ_CHECK(p->payload_length <= len - p->payload_offset);
	touch_u64(f, p->vni);
}

static void
check_records(struct fuzz_ctx *f, const struct sflow_record_list *r)
{
	FUZZ_CHECK(r->listed <= SFLOW_MAX_LISTED_RECORDS);
	FUZZ_CHECK(r->listed <= r->declared);
	touch(f, r->formats, r->listed * sizeof(r->formats[0]));
}

/* Positions count skipped samples too, so they only have to increase. */
static void
check_index(struct fuzz_ctx *f, const struct sflow_datagram *d,
    uint32_t index)
{
	FUZZ_CHECK(index > f->last_index);
	FUZZ_CHECK(index <= d->num_samples);
	f->last_index = index;
	f->samples++;
}

static void
visit_datagram(void *ctx, const struct sflow_datagram *d)
{
	struct fuzz_ctx *f = ctx;

	FUZZ_CHECK(d->version == SFLOW_VERSION_5);
	check_netaddr(f, &d->agent);
	touch(f, d, sizeof(*d));
	(void)sflow_agents_datagram(f->agents, d);
}

static void
visit_flow(void *ctx, const struct sflow_datagram *d,
    const struct sflow_flow_sample *s)
{
	struct fuzz_ctx *f = ctx;
	const struct sflow_raw_header *h = &s->header;

	FUZZ_CHECK(s->type == SFLOW_SAMPLE_FLOW ||
	    s->type == SFLOW_SAMPLE_FLOW_EXPANDED ||
	    s->type == SFLOW_SAMPLE_DISCARD);
	check_index(f, d, s->index);
	check_records(f, &s->records);
	if (s->present & SFLOW_HAS_RAW_HEADER) {
		/* The view must lie inside the input; ASan checks each byte too. */
		FUZZ_CHECK(h->length == 0 || h->bytes != NULL);
		if (h->length > 0) {
			FUZZ_CHECK(h->bytes >= f->data);
			FUZZ_CHECK(h->length <= f->size);
			FUZZ_CHECK((size_t)(h->bytes - f->data) <=
			    f->size - h->length);
			touch(f, h->bytes, h->length);
		}
	}
	if (s->present & SFLOW_HAS_FLOW_KEY) {
		/* From the raw header, or else from a sampled IPv4/IPv6 record. */
		FUZZ_CHECK(s->present &
		    (SFLOW_HAS_RAW_HEADER | SFLOW_HAS_SAMPLED_IP));
		if (s->present & SFLOW_HAS_RAW_HEADER)
			check_pkt(f, &s->pkt, h->length);
		else
			check_flow_key(f, &s->pkt.key);
	}
	if (s->present & SFLOW_HAS_SAMPLED_IP) {
		check_netaddr(f, &s->ip.src);
		check_netaddr(f, &s->ip.dst);
	}
	if (s->present & SFLOW_HAS_EXT_ROUTER)
		check_netaddr(f, &s->router.next_hop);
	if (s->present & SFLOW_HAS_EXT_GATEWAY)
		check_netaddr(f, &s->gateway.next_hop);
	/* Every scalar field; the pointer itself is not data. */
	touch(f, s, offsetof(struct sflow_flow_sample, header));
	touch(f, &s->ethernet, sizeof(s->ethernet));
	touch(f, &s->ip, sizeof(s->ip));
	touch(f, &s->sw, sizeof(s->sw));
	touch(f, &s->router, sizeof(s->router));
	touch(f, &s->gateway, sizeof(s->gateway));
	touch_u64(f, h->protocol ^ h->frame_length ^ h->stripped);
	touch_u64(f, sflow_frame_length(s));
	touch_u64(f, sflow_scaled_frames(s));
	touch_u64(f, sflow_scaled_bytes(s));
	sflow_agents_flow(f->agents, d, s);
}

static void
visit_counter(void *ctx, const struct sflow_datagram *d,
    const struct sflow_counter_sample *s)
{
	struct fuzz_ctx *f = ctx;

	FUZZ_CHECK(s->type == SFLOW_SAMPLE_COUNTER ||
	    s->type == SFLOW_SAMPLE_COUNTER_EXPANDED);
	check_index(f, d, s->index);
	check_records(f, &s->records);
	touch(f, s, sizeof(*s));		/* no pointers inside */
	sflow_agents_counter(f->agents, d, s);
}

static void
visit_agent(void *ctx, const struct sflow_agent_info *a)
{
	struct fuzz_ctx *f = ctx;

	check_netaddr(f, &a->agent);
	touch(f, a, sizeof(*a));
}

static const struct sflow_visitor visitor = {
	.datagram = visit_datagram,
	.flow = visit_flow,
	.counter = visit_counter,
};

/* Samples the stats say were delivered to a visitor. */
static uint64_t
delivered(const struct sflow_stats *st)
{
	return st->flow_samples + st->counter_samples + st->discard_samples;
}

static void
fuzz_decode(struct fuzz_ctx *f)
{
	struct sflow_stats st = { 0 }, st2 = { 0 };
	struct sflow_error err;
	int rc, rc2;

	rc = sflow_decode(f->data, f->size, SFLOW_DECODE_FLOW_KEY, &visitor, f,
	    &st, &err);
	FUZZ_CHECK(rc == err.result);
	FUZZ_CHECK(rc == SFLOW_OK || rc == SFLOW_TRUNCATED ||
	    rc == SFLOW_BAD_VERSION || rc == SFLOW_INVALID);
	FUZZ_CHECK(err.offset <= f->size);
	FUZZ_CHECK(sflow_result_str(rc) != NULL);
	FUZZ_CHECK(rc == SFLOW_OK || (err.what != NULL && err.what[0] != '\0'));
	FUZZ_CHECK(delivered(&st) == f->samples);
	/* The failure counter of the result, and only that one, went up. */
	FUZZ_CHECK(st.bad_version == (rc == SFLOW_BAD_VERSION));
	FUZZ_CHECK(st.truncated == (rc == SFLOW_TRUNCATED));
	FUZZ_CHECK(st.invalid == (rc == SFLOW_INVALID));
	FUZZ_CHECK(st.datagrams == 1);
	/* Trailing bytes are only well defined when every sample was framed. */
	FUZZ_CHECK(st.trailing_bytes <= 1);
	FUZZ_CHECK(rc != SFLOW_OK ||
	    st.trailing_bytes == (err.offset < f->size));

	/* The flow key flag changes what is parsed, never what is accepted. */
	rc2 = sflow_decode(f->data, f->size, 0, NULL, NULL, &st2, NULL);
	FUZZ_CHECK(rc2 == rc);
	FUZZ_CHECK(delivered(&st2) == delivered(&st));
	FUZZ_CHECK(st2.unknown_samples == st.unknown_samples);
	FUZZ_CHECK(st2.bad_samples == st.bad_samples);
	FUZZ_CHECK(st2.headers_truncated == 0);
}

static void
fuzz_packet(struct fuzz_ctx *f)
{
	static const enum pkt_link links[] = {
		PKT_LINK_ETHERNET, PKT_LINK_IPV4, PKT_LINK_IPV6, PKT_LINK_IP,
		PKT_LINK_LINUX_SLL, PKT_LINK_LINUX_SLL2, PKT_LINK_NULL,
		PKT_LINK_LOOP,
	};
	struct pkt_parsed p;
	size_t i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		pkt_parse(f->data, f->size, links[i], &p);
		check_pkt(f, &p, f->size);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sflow_agents_limits limits = {
		.max_agents = AGENTS_MAX,
		.max_sources = AGENTS_MAX_SOURCES,
	};
	struct fuzz_ctx f = { .data = data, .size = size };

	if (agents != NULL && ++inputs % AGENTS_RECYCLE == 0) {
		sflow_agents_free(agents);
		agents = NULL;
	}
	if (agents == NULL) {
		agents = sflow_agents_new(&limits);
		FUZZ_CHECK(agents != NULL);
	}
	f.agents = agents;

	fuzz_decode(&f);
	fuzz_packet(&f);

	FUZZ_CHECK(sflow_agents_count(agents) <= AGENTS_MAX);
	sflow_agents_foreach(agents, visit_agent, &f);
	touch_u64(&f, sflow_agents_dropped(agents));

	sink = f.sink;
	return 0;
}
