/*
 * sflow_print_text.c - one readable line per sample, for people and grep:
 *
 *   frame 1 agent 172.16.0.3/0 seq 812646826 sample 2 flow seq 350388893
 *   source 0:25 rate 1024 in 49001 out 25 len 439 vlan 100>100
 *   104.26.8.24.443 > 45.90.161.46.56876 tcp flags 0x018 [PA]
 */
#include <inttypes.h>

#include "sflow_print.h"

static void
text_head(FILE *out, uint64_t frame, const struct sflow_datagram *dg,
    uint32_t index, const char *kind, uint32_t seq, uint32_t source_class,
    uint32_t source_index)
{
	char agent[NETADDR_STRLEN];

	fprintf(out, "frame %" PRIu64 " agent %s/%u seq %u sample %u %s seq %u "
	    "source %u:%u", frame, netaddr_format(&dg->agent, agent,
	    sizeof(agent)), dg->sub_agent, dg->seq, index, kind, seq,
	    source_class, source_index);
}

static void
text_interface(FILE *out, const char *name, const struct sflow_interface *i)
{
	switch (i->format) {
	case SFLOW_IF_FORMAT_INDEX:
		if (i->value == SFLOW_IF_LOCAL)
			fprintf(out, " %s local", name);
		else
			fprintf(out, " %s %u", name, i->value);
		break;
	case SFLOW_IF_FORMAT_DISCARD:
		fprintf(out, " %s discard:%u", name, i->value);
		break;
	case SFLOW_IF_FORMAT_MULTIPLE:
		fprintf(out, " %s multiple:%u", name, i->value);
		break;
	default:
		fprintf(out, " %s %u:%u", name, i->format, i->value);
		break;
	}
}

static const char *
proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmp6";
	case 132:
		return "sctp";
	default:
		return NULL;
	}
}

/* TCP flags as tcpdump abbreviates them. */
static void
text_tcp_flags(FILE *out, uint16_t flags)
{
	static const char names[] = "FSRPAUEW";
	int i;

	fprintf(out, " flags 0x%03x [", flags);
	for (i = 0; i < 8; i++)
		if (flags & (1u << i))
			fputc(names[i], out);
	if (flags & 0x100)
		fputc('N', out);
	fputc(']', out);
}

static void
text_key(FILE *out, const struct flow_key *k)
{
	char src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	const char *name;

	if (k->flags & FLOW_KEY_VLAN)
		fprintf(out, " vlan %u", k->vlan);
	if (k->vlan_count > 1)
		fprintf(out, ".%u", k->inner_vlan);
	if (k->flags & FLOW_KEY_MPLS)
		fprintf(out, " mpls %u/%u", k->mpls_label, k->mpls_count);
	if (k->src.family == NETADDR_NONE) {
		if (k->eth_type != 0)
			fprintf(out, " ethertype 0x%04x", k->eth_type);
	} else {
		netaddr_format(&k->src, src, sizeof(src));
		netaddr_format(&k->dst, dst, sizeof(dst));
		if (k->flags & FLOW_KEY_PORTS)
			fprintf(out, " %s.%u > %s.%u", src, k->sport, dst,
			    k->dport);
		else
			fprintf(out, " %s > %s", src, dst);
		if ((name = proto_name(k->proto)) != NULL)
			fprintf(out, " %s", name);
		else
			fprintf(out, " proto %u", k->proto);
		if (k->flags & FLOW_KEY_TCP_FLAGS)
			text_tcp_flags(out, k->tcp_flags);
		if (k->flags & FLOW_KEY_ICMP)
			fprintf(out, " type %u code %u", k->icmp_type,
			    k->icmp_code);
		if (k->flags & FLOW_KEY_LATER_FRAGMENT)
			fputs(" frag", out);
		else if (k->flags & FLOW_KEY_FRAGMENT)
			fputs(" frag0", out);
	}
	if (k->flags & FLOW_KEY_TRUNCATED)
		fputs(" [truncated]", out);
	if (k->flags & FLOW_KEY_MALFORMED)
		fputs(" [malformed]", out);
}

static void
text_flow(FILE *out, uint64_t frame, const struct sflow_datagram *dg,
    const struct sflow_flow_sample *s)
{
	int discard = s->type == SFLOW_SAMPLE_DISCARD;

	text_head(out, frame, dg, s->index, discard ? "discard" : "flow",
	    s->seq, s->source_class, s->source_index);
	if (discard)
		fprintf(out, " reason %u drops %u", s->reason, s->drops);
	else
		fprintf(out, " rate %u drops %u", s->sampling_rate, s->drops);
	text_interface(out, "in", &s->input);
	text_interface(out, "out", &s->output);
	fprintf(out, " len %u", sflow_frame_length(s));
	if (s->present & SFLOW_HAS_EXT_SWITCH)
		fprintf(out, " switch-vlan %u>%u", s->sw.src_vlan,
		    s->sw.dst_vlan);
	if (s->present & SFLOW_HAS_EXT_GATEWAY)
		fprintf(out, " as %u>%u", s->gateway.src_as, s->gateway.dst_as);
	if (s->present & SFLOW_HAS_FLOW_KEY)
		text_key(out, &s->pkt.key);
	if (s->pkt.has_inner) {
		fprintf(out, " | vxlan %u", s->pkt.vni);
		text_key(out, &s->pkt.inner);
	}
	fputc('\n', out);
}

static void
text_counter(FILE *out, uint64_t frame, const struct sflow_datagram *dg,
    const struct sflow_counter_sample *s)
{
	const struct sflow_if_counters *i = &s->ifc;
	char buf[24];
	uint32_t r;

	text_head(out, frame, dg, s->index, "counter", s->seq, s->source_class,
	    s->source_index);
	fputs(" records", out);
	for (r = 0; r < s->records.listed; r++)
		fprintf(out, "%c%s", r == 0 ? ' ' : ',',
		    sflow_format_str(s->records.formats[r], buf, sizeof(buf)));
	if (s->present & SFLOW_HAS_IF_COUNTERS)
		fprintf(out, " if %u type %u speed %" PRIu64 " in %" PRIu64
		    "B/%up out %" PRIu64 "B/%up errors %u/%u", i->if_index,
		    i->if_type, i->if_speed, i->in_octets, i->in_ucast,
		    i->out_octets, i->out_ucast, i->in_errors, i->out_errors);
	if (s->present & SFLOW_HAS_VLAN_COUNTERS)
		fprintf(out, " vlan %u %" PRIu64 "B", s->vlan.vlan_id,
		    s->vlan.octets);
	if (s->present & SFLOW_HAS_PROCESSOR_COUNTERS)
		fprintf(out, " cpu %u.%02u%% mem %" PRIu64 "/%" PRIu64,
		    s->processor.cpu_1m / 100, s->processor.cpu_1m % 100,
		    s->processor.free_memory, s->processor.total_memory);
	fputc('\n', out);
}

static void
text_skipped(FILE *out, uint64_t frame, const struct sflow_datagram *dg,
    const struct sflow_skipped_sample *s)
{
	char agent[NETADDR_STRLEN], buf[24];

	fprintf(out, "frame %" PRIu64 " agent %s/%u seq %u sample %u skipped "
	    "format %s length %u\n", frame, netaddr_format(&dg->agent, agent,
	    sizeof(agent)), dg->sub_agent, dg->seq, s->index,
	    sflow_format_str(s->data_format, buf, sizeof(buf)), s->length);
}

static void
text_error(FILE *out, uint64_t frame, const struct sflow_error *e,
    const uint8_t *payload, size_t len)
{
	char msg[256];

	fprintf(out, "frame %" PRIu64 " error %s\n", frame,
	    sflow_error_str(e, payload, len, msg, sizeof(msg)));
}

static void
text_agent(FILE *out, const struct sflow_agent_info *a)
{
	char agent[NETADDR_STRLEN];

	fprintf(out, "agent %s/%u datagrams %" PRIu64 " samples flow %" PRIu64
	    " counter %" PRIu64 " discard %" PRIu64 " lost %" PRIu64
	    " out-of-order %" PRIu64 " duplicates %" PRIu64 " resets %" PRIu64
	    " sample-gaps %" PRIu64 " sources %u\n",
	    netaddr_format(&a->agent, agent, sizeof(agent)), a->sub_agent,
	    a->datagrams, a->flow_samples, a->counter_samples,
	    a->discard_samples, a->lost, a->out_of_order, a->duplicates,
	    a->resets, a->sample_gaps, a->sources);
}

static void
text_totals(FILE *out, uint64_t frames, uint64_t not_sflow,
    const struct sflow_stats *st)
{
	fprintf(out, "totals frames %" PRIu64 " not-sflow %" PRIu64
	    " datagrams %" PRIu64 " bad-version %" PRIu64 " truncated %" PRIu64
	    " invalid %" PRIu64 " samples flow %" PRIu64 " counter %" PRIu64
	    " discard %" PRIu64 " unknown %" PRIu64 " bad %" PRIu64
	    " records unknown %" PRIu64 " bad %" PRIu64
	    " headers-truncated %" PRIu64 "\n", frames, not_sflow,
	    st->datagrams, st->bad_version, st->truncated, st->invalid,
	    st->flow_samples, st->counter_samples, st->discard_samples,
	    st->unknown_samples, st->bad_samples, st->unknown_records,
	    st->bad_records, st->headers_truncated);
}

const struct sflow_printer sflow_text_printer = {
	text_flow, text_counter, text_skipped, text_error, text_agent,
	text_totals,
};
