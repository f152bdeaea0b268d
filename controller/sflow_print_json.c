/*
 * sflow_print_json.c - one JSON object per sample; the schema, which is a
 * contract, is docs/sflow-json.md.  Absent values are absent members.
 */
#include "json_flow.h"
#include "sflow_print.h"

static void
json_mac(struct json_writer *w, const char *key, const uint8_t mac[6])
{
	char buf[18];

	jw_str(w, key, sflow_mac_str(mac, buf, sizeof(buf)));
}

static void
json_sample_head(struct json_writer *w, FILE *out, const char *kind,
    uint64_t frame, const struct sflow_datagram *dg, uint32_t type,
    uint32_t index, uint32_t seq, uint32_t source_class, uint32_t source_index,
    const struct sflow_record_list *records)
{
	char buf[24];
	uint32_t i;

	jw_begin(w, out);
	jw_str(w, "kind", kind);
	jw_u64(w, "frame", frame);
	jw_addr(w, "agent", &dg->agent);
	jw_u64(w, "sub_agent", dg->sub_agent);
	jw_u64(w, "datagram_seq", dg->seq);
	jw_u64(w, "uptime_ms", dg->uptime_ms);
	jw_u64(w, "sample_index", index);
	jw_u64(w, "sample_type", type);
	jw_u64(w, "sample_seq", seq);
	jw_u64(w, "source_id_class", source_class);
	jw_u64(w, "source_id_index", source_index);
	jw_u64(w, "n_records", records->declared);
	jw_array(w, "records");
	for (i = 0; i < records->listed; i++)
		jw_str(w, NULL, sflow_format_str(records->formats[i], buf,
		    sizeof(buf)));
	jw_array_end(w);
}

static void
json_interface(struct json_writer *w, const char *key,
    const struct sflow_interface *i)
{
	jw_object(w, key);
	jw_u64(w, "format", i->format);
	jw_u64(w, "value", i->value);
	jw_object_end(w);
}

static void
json_key(struct json_writer *w, const char *name, const struct flow_key *k,
    const uint32_t *vni)
{
	jw_object(w, name);
	if (vni != NULL)
		jw_u64(w, "vni", *vni);
	if (k->eth_type != 0)
		jw_u64(w, "eth_type", k->eth_type);
	jw_flow_key_members(w, k);
	jw_object_end(w);
}

static void
json_flow_records(struct json_writer *w, const struct sflow_flow_sample *s)
{
	if (s->present & SFLOW_HAS_RAW_HEADER) {
		jw_object(w, "header");
		jw_u64(w, "protocol", s->header.protocol);
		jw_u64(w, "frame_length", s->header.frame_length);
		jw_u64(w, "stripped", s->header.stripped);
		jw_u64(w, "length", s->header.length);
		jw_object_end(w);
	}
	if (s->present & SFLOW_HAS_SAMPLED_ETHERNET) {
		jw_object(w, "sampled_ethernet");
		jw_u64(w, "length", s->ethernet.length);
		json_mac(w, "src_mac", s->ethernet.src_mac);
		json_mac(w, "dst_mac", s->ethernet.dst_mac);
		jw_u64(w, "type", s->ethernet.type);
		jw_object_end(w);
	}
	if (s->present & SFLOW_HAS_SAMPLED_IP) {
		jw_object(w, "sampled_ip");
		jw_u64(w, "version", s->ip.src.family);
		jw_u64(w, "length", s->ip.length);
		jw_u64(w, "protocol", s->ip.protocol);
		jw_addr(w, "src", &s->ip.src);
		jw_addr(w, "dst", &s->ip.dst);
		jw_u64(w, "src_port", s->ip.src_port);
		jw_u64(w, "dst_port", s->ip.dst_port);
		jw_u64(w, "tcp_flags", s->ip.tcp_flags);
		jw_u64(w, "tos", s->ip.tos);
		jw_object_end(w);
	}
	if (s->present & SFLOW_HAS_EXT_SWITCH) {
		jw_object(w, "switch");
		jw_u64(w, "src_vlan", s->sw.src_vlan);
		jw_u64(w, "src_priority", s->sw.src_priority);
		jw_u64(w, "dst_vlan", s->sw.dst_vlan);
		jw_u64(w, "dst_priority", s->sw.dst_priority);
		jw_object_end(w);
	}
	if (s->present & SFLOW_HAS_EXT_ROUTER) {
		jw_object(w, "router");
		jw_addr(w, "next_hop", &s->router.next_hop);
		jw_u64(w, "src_mask_len", s->router.src_mask_len);
		jw_u64(w, "dst_mask_len", s->router.dst_mask_len);
		jw_object_end(w);
	}
	if (s->present & SFLOW_HAS_EXT_GATEWAY) {
		const struct sflow_ext_gateway *g = &s->gateway;

		jw_object(w, "gateway");
		jw_addr(w, "next_hop", &g->next_hop);
		jw_u64(w, "as", g->as);
		jw_u64(w, "src_as", g->src_as);
		jw_u64(w, "src_peer_as", g->src_peer_as);
		jw_u64(w, "dst_as", g->dst_as);
		jw_u64(w, "dst_peer_as", g->dst_peer_as);
		jw_u64(w, "as_path_segments", g->as_path_segments);
		jw_u64(w, "as_path_length", g->as_path_length);
		jw_u64(w, "communities", g->communities);
		jw_u64(w, "local_pref", g->local_pref);
		jw_object_end(w);
	}
}

static void
json_flow(FILE *out, uint64_t frame, const struct sflow_datagram *dg,
    const struct sflow_flow_sample *s)
{
	struct json_writer w;
	int discard = s->type == SFLOW_SAMPLE_DISCARD;

	json_sample_head(&w, out, discard ? "discard" : "flow", frame, dg,
	    s->type, s->index, s->seq, s->source_class, s->source_index,
	    &s->records);
	if (!discard) {
		jw_u64(&w, "sampling_rate", s->sampling_rate);
		jw_u64(&w, "sample_pool", s->sample_pool);
	}
	jw_u64(&w, "drops", s->drops);
	json_interface(&w, "input", &s->input);
	json_interface(&w, "output", &s->output);
	if (discard)
		jw_u64(&w, "reason", s->reason);
	if (s->present & (SFLOW_HAS_RAW_HEADER | SFLOW_HAS_SAMPLED_IP |
	    SFLOW_HAS_SAMPLED_ETHERNET))
		jw_u64(&w, "frame_length", sflow_frame_length(s));
	if (!discard) {
		jw_u64(&w, "frames", sflow_scaled_frames(s));
		jw_u64(&w, "bytes", sflow_scaled_bytes(s));
	}
	json_flow_records(&w, s);
	if (s->present & SFLOW_HAS_FLOW_KEY) {
		json_key(&w, "key", &s->pkt.key, NULL);
		if (s->pkt.has_inner)
			json_key(&w, "inner", &s->pkt.inner, &s->pkt.vni);
	}
	jw_end(&w);
}

static void
json_if_counters(struct json_writer *w, const struct sflow_if_counters *i)
{
	jw_object(w, "if");
	jw_u64(w, "index", i->if_index);
	jw_u64(w, "type", i->if_type);
	jw_u64(w, "speed", i->if_speed);
	jw_u64(w, "direction", i->if_direction);
	jw_u64(w, "status", i->if_status);
	jw_u64(w, "in_octets", i->in_octets);
	jw_u64(w, "in_ucast", i->in_ucast);
	jw_u64(w, "in_multicast", i->in_multicast);
	jw_u64(w, "in_broadcast", i->in_broadcast);
	jw_u64(w, "in_discards", i->in_discards);
	jw_u64(w, "in_errors", i->in_errors);
	jw_u64(w, "in_unknown_protos", i->in_unknown_protos);
	jw_u64(w, "out_octets", i->out_octets);
	jw_u64(w, "out_ucast", i->out_ucast);
	jw_u64(w, "out_multicast", i->out_multicast);
	jw_u64(w, "out_broadcast", i->out_broadcast);
	jw_u64(w, "out_discards", i->out_discards);
	jw_u64(w, "out_errors", i->out_errors);
	jw_u64(w, "promiscuous", i->promiscuous);
	jw_object_end(w);
}

static void
json_ethernet_counters(struct json_writer *w,
    const struct sflow_ethernet_counters *e)
{
	jw_object(w, "ethernet");
	jw_u64(w, "alignment_errors", e->alignment_errors);
	jw_u64(w, "fcs_errors", e->fcs_errors);
	jw_u64(w, "single_collisions", e->single_collisions);
	jw_u64(w, "multiple_collisions", e->multiple_collisions);
	jw_u64(w, "sqe_test_errors", e->sqe_test_errors);
	jw_u64(w, "deferred_transmissions", e->deferred_transmissions);
	jw_u64(w, "late_collisions", e->late_collisions);
	jw_u64(w, "excessive_collisions", e->excessive_collisions);
	jw_u64(w, "internal_mac_tx_errors", e->internal_mac_tx_errors);
	jw_u64(w, "carrier_sense_errors", e->carrier_sense_errors);
	jw_u64(w, "frame_too_longs", e->frame_too_longs);
	jw_u64(w, "internal_mac_rx_errors", e->internal_mac_rx_errors);
	jw_u64(w, "symbol_errors", e->symbol_errors);
	jw_object_end(w);
}

static void
json_lag_counters(struct json_writer *w, const struct sflow_lag_counters *l)
{
	int i;

	jw_object(w, "lag");
	json_mac(w, "actor_system_id", l->actor_system_id);
	json_mac(w, "partner_system_id", l->partner_system_id);
	jw_u64(w, "attached_agg_id", l->attached_agg_id);
	jw_array(w, "port_state");
	for (i = 0; i < 4; i++)
		jw_u64(w, NULL, l->port_state[i]);
	jw_array_end(w);
	jw_u64(w, "lacpdus_rx", l->lacpdus_rx);
	jw_u64(w, "marker_pdus_rx", l->marker_pdus_rx);
	jw_u64(w, "marker_response_pdus_rx", l->marker_response_pdus_rx);
	jw_u64(w, "unknown_rx", l->unknown_rx);
	jw_u64(w, "illegal_rx", l->illegal_rx);
	jw_u64(w, "lacpdus_tx", l->lacpdus_tx);
	jw_u64(w, "marker_pdus_tx", l->marker_pdus_tx);
	jw_u64(w, "marker_response_pdus_tx", l->marker_response_pdus_tx);
	jw_object_end(w);
}

static void
json_counter(FILE *out, uint64_t frame, const struct sflow_datagram *dg,
    const struct sflow_counter_sample *s)
{
	struct json_writer w;

	json_sample_head(&w, out, "counter", frame, dg, s->type, s->index,
	    s->seq, s->source_class, s->source_index, &s->records);
	jw_object(&w, "counters");
	if (s->present & SFLOW_HAS_IF_COUNTERS)
		json_if_counters(&w, &s->ifc);
	if (s->present & SFLOW_HAS_ETHERNET_COUNTERS)
		json_ethernet_counters(&w, &s->ethernet);
	if (s->present & SFLOW_HAS_VLAN_COUNTERS) {
		jw_object(&w, "vlan");
		jw_u64(&w, "vlan_id", s->vlan.vlan_id);
		jw_u64(&w, "octets", s->vlan.octets);
		jw_u64(&w, "ucast", s->vlan.ucast);
		jw_u64(&w, "multicast", s->vlan.multicast);
		jw_u64(&w, "broadcast", s->vlan.broadcast);
		jw_u64(&w, "discards", s->vlan.discards);
		jw_object_end(&w);
	}
	if (s->present & SFLOW_HAS_LAG_COUNTERS)
		json_lag_counters(&w, &s->lag);
	if (s->present & SFLOW_HAS_PROCESSOR_COUNTERS) {
		jw_object(&w, "processor");
		jw_u64(&w, "cpu_5s", s->processor.cpu_5s);
		jw_u64(&w, "cpu_1m", s->processor.cpu_1m);
		jw_u64(&w, "cpu_5m", s->processor.cpu_5m);
		jw_u64(&w, "total_memory", s->processor.total_memory);
		jw_u64(&w, "free_memory", s->processor.free_memory);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	jw_end(&w);
}

static void
json_skipped(FILE *out, uint64_t frame, const struct sflow_datagram *dg,
    const struct sflow_skipped_sample *s)
{
	struct json_writer w;
	char buf[24];

	jw_begin(&w, out);
	jw_str(&w, "kind", "skipped");
	jw_u64(&w, "frame", frame);
	jw_addr(&w, "agent", &dg->agent);
	jw_u64(&w, "sub_agent", dg->sub_agent);
	jw_u64(&w, "datagram_seq", dg->seq);
	jw_u64(&w, "uptime_ms", dg->uptime_ms);
	jw_u64(&w, "sample_index", s->index);
	jw_str(&w, "data_format", sflow_format_str(s->data_format, buf,
	    sizeof(buf)));
	jw_u64(&w, "length", s->length);
	jw_end(&w);
}

static void
json_error(FILE *out, uint64_t frame, const struct sflow_error *e,
    const uint8_t *payload, size_t len)
{
	struct json_writer w;
	char msg[256];

	jw_begin(&w, out);
	jw_str(&w, "kind", "error");
	jw_u64(&w, "frame", frame);
	jw_str(&w, "error", sflow_result_str(e->result));
	jw_str(&w, "message", sflow_error_str(e, payload, len, msg,
	    sizeof(msg)));
	if (e->sample_index != 0)
		jw_u64(&w, "sample_index", e->sample_index);
	if (e->record_index != 0)
		jw_u64(&w, "record_index", e->record_index);
	jw_u64(&w, "offset", e->offset);
	jw_end(&w);
}

static void
json_agent(FILE *out, const struct sflow_agent_info *a)
{
	struct json_writer w;

	jw_begin(&w, out);
	jw_str(&w, "kind", "agent");
	jw_addr(&w, "agent", &a->agent);
	jw_u64(&w, "sub_agent", a->sub_agent);
	jw_u64(&w, "datagrams", a->datagrams);
	jw_u64(&w, "flow_samples", a->flow_samples);
	jw_u64(&w, "counter_samples", a->counter_samples);
	jw_u64(&w, "discard_samples", a->discard_samples);
	jw_u64(&w, "lost", a->lost);
	jw_u64(&w, "out_of_order", a->out_of_order);
	jw_u64(&w, "duplicates", a->duplicates);
	jw_u64(&w, "resets", a->resets);
	jw_u64(&w, "sample_gaps", a->sample_gaps);
	jw_u64(&w, "sources", a->sources);
	jw_end(&w);
}

static void
json_totals(FILE *out, uint64_t frames, uint64_t not_sflow,
    const struct sflow_stats *st)
{
	struct json_writer w;

	jw_begin(&w, out);
	jw_str(&w, "kind", "totals");
	jw_u64(&w, "frames", frames);
	jw_u64(&w, "not_sflow", not_sflow);
	jw_u64(&w, "datagrams", st->datagrams);
	jw_u64(&w, "bad_version", st->bad_version);
	jw_u64(&w, "truncated", st->truncated);
	jw_u64(&w, "invalid", st->invalid);
	jw_u64(&w, "trailing_bytes", st->trailing_bytes);
	jw_u64(&w, "flow_samples", st->flow_samples);
	jw_u64(&w, "counter_samples", st->counter_samples);
	jw_u64(&w, "discard_samples", st->discard_samples);
	jw_u64(&w, "unknown_samples", st->unknown_samples);
	jw_u64(&w, "bad_samples", st->bad_samples);
	jw_u64(&w, "flow_records", st->flow_records);
	jw_u64(&w, "counter_records", st->counter_records);
	jw_u64(&w, "unknown_records", st->unknown_records);
	jw_u64(&w, "bad_records", st->bad_records);
	jw_u64(&w, "headers_truncated", st->headers_truncated);
	jw_u64(&w, "unknown_header_protocols", st->unknown_header_protocols);
	jw_end(&w);
}

const struct sflow_printer sflow_json_printer = {
	json_flow, json_counter, json_skipped, json_error, json_agent,
	json_totals,
};
