/*
 * sflow_flow_records.c - flow record decoders (sFlow v5 section 5, "Flow
 * Data"): raw packet header, sampled Ethernet/IPv4/IPv6, extended switch,
 * router and gateway.  Adding a record type adds a row to the table.
 */
#include <string.h>

#include "sflow_private.h"

void
sflow_read_address(struct cursor *c, struct netaddr *a)
{
	uint32_t type = cursor_be32(c);

	memset(a, 0, sizeof(*a));
	if (type == 1)
		netaddr_read(c, NETADDR_IPV4, a);
	else if (type == 2)
		netaddr_read(c, NETADDR_IPV6, a);
	else if (type != 0)
		cursor_fail(c, CURSOR_INVALID);
}

/* sampled_header: protocol, frame_length, stripped, header<> */
static void
decode_raw_header(struct cursor *c, struct sflow_flow_sample *s)
{
	struct sflow_raw_header *h = &s->header;

	h->protocol = cursor_be32(c);
	h->frame_length = cursor_be32(c);
	h->stripped = cursor_be32(c);
	h->length = cursor_be32(c);
	h->bytes = cursor_take(c, h->length);
	cursor_skip(c, cursor_xdr_pad(h->length));
}

/* sampled_ethernet: length, src_mac, dst_mac (opaque[6], padded), type */
static void
decode_sampled_ethernet(struct cursor *c, struct sflow_flow_sample *s)
{
	struct sflow_sampled_ethernet *e = &s->ethernet;

	e->length = cursor_be32(c);
	cursor_copy(c, e->src_mac, 6);
	cursor_skip(c, 2);
	cursor_copy(c, e->dst_mac, 6);
	cursor_skip(c, 2);
	e->type = cursor_be32(c);
}

static void
decode_sampled_ip_tail(struct cursor *c, struct sflow_sampled_ip *ip)
{
	ip->src_port = cursor_be32(c);
	ip->dst_port = cursor_be32(c);
	ip->tcp_flags = cursor_be32(c);
	ip->tos = cursor_be32(c);
}

/* sampled_ipv4 / sampled_ipv6: length, protocol, src, dst, ports, flags, tos */
static void
decode_sampled_ipv4(struct cursor *c, struct sflow_flow_sample *s)
{
	s->ip.length = cursor_be32(c);
	s->ip.protocol = cursor_be32(c);
	netaddr_read(c, NETADDR_IPV4, &s->ip.src);
	netaddr_read(c, NETADDR_IPV4, &s->ip.dst);
	decode_sampled_ip_tail(c, &s->ip);
}

static void
decode_sampled_ipv6(struct cursor *c, struct sflow_flow_sample *s)
{
	s->ip.length = cursor_be32(c);
	s->ip.protocol = cursor_be32(c);
	netaddr_read(c, NETADDR_IPV6, &s->ip.src);
	netaddr_read(c, NETADDR_IPV6, &s->ip.dst);
	decode_sampled_ip_tail(c, &s->ip);
}

static void
decode_ext_switch(struct cursor *c, struct sflow_flow_sample *s)
{
	s->sw.src_vlan = cursor_be32(c);
	s->sw.src_priority = cursor_be32(c);
	s->sw.dst_vlan = cursor_be32(c);
	s->sw.dst_priority = cursor_be32(c);
}

static void
decode_ext_router(struct cursor *c, struct sflow_flow_sample *s)
{
	sflow_read_address(c, &s->router.next_hop);
	s->router.src_mask_len = cursor_be32(c);
	s->router.dst_mask_len = cursor_be32(c);
}

/*
 * extended_gateway: next_hop, as, src_as, src_peer_as, dst_as_path<> (each
 * segment: type, as_number<>), communities<>, localpref.  The path is
 * summarised; its first and last AS are kept.  Counts come from the wire,
 * so every loop is bounded by the bytes left, not by the count.
 */
static void
decode_ext_gateway(struct cursor *c, struct sflow_flow_sample *s)
{
	struct sflow_ext_gateway *g = &s->gateway;
	uint32_t segments, i, j, n, as;

	sflow_read_address(c, &g->next_hop);
	g->as = cursor_be32(c);
	g->src_as = cursor_be32(c);
	g->src_peer_as = cursor_be32(c);
	segments = cursor_be32(c);
	for (i = 0; i < segments && cursor_error(c) == CURSOR_OK; i++) {
		cursor_skip(c, 4);			/* segment type */
		n = cursor_be32(c);
		if (cursor_left(c) / 4 < n) {
			cursor_fail(c, CURSOR_INVALID);
			break;
		}
		for (j = 0; j < n; j++) {
			as = cursor_be32(c);
			if (g->as_path_length == 0)
				g->dst_peer_as = as;
			g->dst_as = as;
			g->as_path_length++;
		}
		g->as_path_segments++;
	}
	g->communities = cursor_be32(c);
	if (cursor_left(c) / 4 < g->communities)
		cursor_fail(c, CURSOR_INVALID);
	cursor_skip(c, (size_t)g->communities * 4);
	g->local_pref = cursor_be32(c);
}

static const struct sflow_flow_record_decoder flow_record_decoders[] = {
	{ SFLOW_FLOW_RAW_HEADER, SFLOW_HAS_RAW_HEADER, decode_raw_header },
	{ SFLOW_FLOW_EXT_SWITCH, SFLOW_HAS_EXT_SWITCH, decode_ext_switch },
	{ SFLOW_FLOW_SAMPLED_ETHERNET, SFLOW_HAS_SAMPLED_ETHERNET,
	    decode_sampled_ethernet },
	{ SFLOW_FLOW_SAMPLED_IPV4, SFLOW_HAS_SAMPLED_IP, decode_sampled_ipv4 },
	{ SFLOW_FLOW_SAMPLED_IPV6, SFLOW_HAS_SAMPLED_IP, decode_sampled_ipv6 },
	{ SFLOW_FLOW_EXT_ROUTER, SFLOW_HAS_EXT_ROUTER, decode_ext_router },
	{ SFLOW_FLOW_EXT_GATEWAY, SFLOW_HAS_EXT_GATEWAY, decode_ext_gateway },
};

const struct sflow_flow_record_decoder *
sflow_flow_record_decoder(uint32_t data_format)
{
	size_t i;

	for (i = 0; i < sizeof(flow_record_decoders) /
	    sizeof(flow_record_decoders[0]); i++)
		if (flow_record_decoders[i].data_format == data_format)
			return &flow_record_decoders[i];
	return NULL;
}
