/*
 * sflow_counter_records.c - counter record decoders (sFlow v5 section 5,
 * "Counter Data"; LAG from sflow_8023.txt): generic interface, Ethernet,
 * VLAN, LAG, processor.  Adding a record type adds a row to the table.
 */
#include "sflow_private.h"

/* if_counters, 88 bytes */
static void
decode_generic_if(struct cursor *c, struct sflow_counter_sample *s)
{
	struct sflow_if_counters *i = &s->ifc;

	i->if_index = cursor_be32(c);
	i->if_type = cursor_be32(c);
	i->if_speed = cursor_be64(c);
	i->if_direction = cursor_be32(c);
	i->if_status = cursor_be32(c);
	i->in_octets = cursor_be64(c);
	i->in_ucast = cursor_be32(c);
	i->in_multicast = cursor_be32(c);
	i->in_broadcast = cursor_be32(c);
	i->in_discards = cursor_be32(c);
	i->in_errors = cursor_be32(c);
	i->in_unknown_protos = cursor_be32(c);
	i->out_octets = cursor_be64(c);
	i->out_ucast = cursor_be32(c);
	i->out_multicast = cursor_be32(c);
	i->out_broadcast = cursor_be32(c);
	i->out_discards = cursor_be32(c);
	i->out_errors = cursor_be32(c);
	i->promiscuous = cursor_be32(c);
}

/* ethernet_counters, 52 bytes */
static void
decode_ethernet(struct cursor *c, struct sflow_counter_sample *s)
{
	struct sflow_ethernet_counters *e = &s->ethernet;

	e->alignment_errors = cursor_be32(c);
	e->fcs_errors = cursor_be32(c);
	e->single_collisions = cursor_be32(c);
	e->multiple_collisions = cursor_be32(c);
	e->sqe_test_errors = cursor_be32(c);
	e->deferred_transmissions = cursor_be32(c);
	e->late_collisions = cursor_be32(c);
	e->excessive_collisions = cursor_be32(c);
	e->internal_mac_tx_errors = cursor_be32(c);
	e->carrier_sense_errors = cursor_be32(c);
	e->frame_too_longs = cursor_be32(c);
	e->internal_mac_rx_errors = cursor_be32(c);
	e->symbol_errors = cursor_be32(c);
}

/* vlan_counters, 28 bytes */
static void
decode_vlan(struct cursor *c, struct sflow_counter_sample *s)
{
	struct sflow_vlan_counters *v = &s->vlan;

	v->vlan_id = cursor_be32(c);
	v->octets = cursor_be64(c);
	v->ucast = cursor_be32(c);
	v->multicast = cursor_be32(c);
	v->broadcast = cursor_be32(c);
	v->discards = cursor_be32(c);
}

/* lag_port_stats, 56 bytes: MACs are opaque[6], padded to 8 */
static void
decode_lag(struct cursor *c, struct sflow_counter_sample *s)
{
	struct sflow_lag_counters *l = &s->lag;

	cursor_copy(c, l->actor_system_id, 6);
	cursor_skip(c, 2);
	cursor_copy(c, l->partner_system_id, 6);
	cursor_skip(c, 2);
	l->attached_agg_id = cursor_be32(c);
	cursor_copy(c, l->port_state, 4);
	l->lacpdus_rx = cursor_be32(c);
	l->marker_pdus_rx = cursor_be32(c);
	l->marker_response_pdus_rx = cursor_be32(c);
	l->unknown_rx = cursor_be32(c);
	l->illegal_rx = cursor_be32(c);
	l->lacpdus_tx = cursor_be32(c);
	l->marker_pdus_tx = cursor_be32(c);
	l->marker_response_pdus_tx = cursor_be32(c);
}

/* processor, 28 bytes */
static void
decode_processor(struct cursor *c, struct sflow_counter_sample *s)
{
	struct sflow_processor_counters *p = &s->processor;

	p->cpu_5s = cursor_be32(c);
	p->cpu_1m = cursor_be32(c);
	p->cpu_5m = cursor_be32(c);
	p->total_memory = cursor_be64(c);
	p->free_memory = cursor_be64(c);
}

static const struct sflow_counter_record_decoder counter_record_decoders[] = {
	{ SFLOW_COUNTER_GENERIC_IF, SFLOW_HAS_IF_COUNTERS, decode_generic_if },
	{ SFLOW_COUNTER_ETHERNET, SFLOW_HAS_ETHERNET_COUNTERS, decode_ethernet },
	{ SFLOW_COUNTER_VLAN, SFLOW_HAS_VLAN_COUNTERS, decode_vlan },
	{ SFLOW_COUNTER_LAG, SFLOW_HAS_LAG_COUNTERS, decode_lag },
	{ SFLOW_COUNTER_PROCESSOR, SFLOW_HAS_PROCESSOR_COUNTERS,
	    decode_processor },
};

const struct sflow_counter_record_decoder *
sflow_counter_record_decoder(uint32_t data_format)
{
	size_t i;

	for (i = 0; i < sizeof(counter_record_decoders) /
	    sizeof(counter_record_decoders[0]); i++)
		if (counter_record_decoders[i].data_format == data_format)
			return &counter_record_decoders[i];
	return NULL;
}
