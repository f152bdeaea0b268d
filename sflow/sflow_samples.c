/*
 * sflow_samples.c - sample bodies (sflow_version_5.txt "flow_sample",
 * "counters_sample" and their expanded forms; sflow_drops.txt
 * "discarded_packet"): the fixed fields, then the records, each checked to
 * consume exactly its declared length, then the flow key.
 */
#include <string.h>

#include "sflow_decode.h"

/* What one record did; see walk_records(). */
enum record_outcome {
	RECORD_DECODED,
	RECORD_SKIPPED,		/* unknown, or a repeat of one we have */
	RECORD_BAD,		/* known, but its body is not its declared size */
};

typedef enum record_outcome (*record_fn)(struct decode *, uint32_t df,
    struct cursor *body, void *sample);

/*
 * Walk a record list: data format, length, body.  A record whose length
 * overruns the sample makes the whole sample invalid (-1); a known record
 * of the wrong size is only ignored.
 */
static int
walk_records(struct decode *d, struct cursor *c, struct sflow_record_list *list,
    record_fn one, void *sample)
{
	struct cursor body;
	uint32_t i, df, len;

	for (i = 0; i < list->declared; i++) {
		const uint8_t *at = c->pos;

		df = cursor_be32(c);
		len = cursor_be32(c);
		body = cursor_xdr_sub(c, len);
		if (cursor_error(c) != CURSOR_OK) {
			sflow_note_error(d, SFLOW_INVALID, i + 1, df, at,
			    "record longer than its sample");
			return -1;
		}
		if (list->listed < SFLOW_MAX_LISTED_RECORDS)
			list->formats[list->listed++] = df;
		switch (one(d, df, &body, sample)) {
		case RECORD_DECODED:
			break;
		case RECORD_SKIPPED:
			d->st->unknown_records++;
			break;
		case RECORD_BAD:
			d->st->bad_records++;
			sflow_note_error(d, SFLOW_INVALID, i + 1, df, at,
			    "record length does not match its contents");
			break;
		}
	}
	if (cursor_left(c) != 0) {
		sflow_note_error(d, SFLOW_INVALID, 0, 0, c->pos,
		    "bytes left in the sample after its last record");
		return -1;
	}
	return 0;
}

/* Decode a known record; on a size mismatch forget what it filled. */
#define DECODE_RECORD(dec, body, s, st_counter)				\
	do {								\
		if ((s)->present & (dec)->present)			\
			return RECORD_SKIPPED;				\
		(dec)->decode((body), (s));				\
		if (cursor_error(body) != CURSOR_OK ||			\
		    cursor_left(body) != 0)				\
			return RECORD_BAD;				\
		(s)->present |= (dec)->present;				\
		(st_counter)++;						\
		return RECORD_DECODED;					\
	} while (0)

static enum record_outcome
flow_record(struct decode *d, uint32_t df, struct cursor *body, void *sample)
{
	const struct sflow_flow_record_decoder *dec;
	struct sflow_flow_sample *s = sample;

	dec = sflow_flow_record_decoder(df);
	if (dec == NULL)
		return RECORD_SKIPPED;
	DECODE_RECORD(dec, body, s, d->st->flow_records);
}

static enum record_outcome
counter_record(struct decode *d, uint32_t df, struct cursor *body, void *sample)
{
	const struct sflow_counter_record_decoder *dec;
	struct sflow_counter_sample *s = sample;

	dec = sflow_counter_record_decoder(df);
	if (dec == NULL)
		return RECORD_SKIPPED;
	DECODE_RECORD(dec, body, s, d->st->counter_records);
}

/* The key a sampled IPv4/IPv6 record gives when there is no raw header. */
static void
key_from_sampled_ip(const struct sflow_sampled_ip *ip, struct flow_key *k)
{
	k->flags |= FLOW_KEY_SUMMARY;
	k->src = ip->src;
	k->dst = ip->dst;
	k->proto = (uint8_t)ip->protocol;
	k->tos = (uint8_t)ip->tos;
	switch (ip->protocol) {
	case 6:
		k->tcp_flags = (uint16_t)(ip->tcp_flags & 0x0FFF);
		k->flags |= FLOW_KEY_TCP_FLAGS;
		/* FALLTHROUGH */
	case 17:
	case 132:
		k->sport = (uint16_t)ip->src_port;
		k->dport = (uint16_t)ip->dst_port;
		k->flags |= FLOW_KEY_PORTS;
		break;
	}
}

static void
flow_key(struct decode *d, struct sflow_flow_sample *s)
{
	enum pkt_link link;

	if (s->present & SFLOW_HAS_RAW_HEADER) {
		switch (s->header.protocol) {
		case SFLOW_HEADER_ETHERNET:
			link = PKT_LINK_ETHERNET;
			break;
		case SFLOW_HEADER_IPV4:
			link = PKT_LINK_IPV4;
			break;
		case SFLOW_HEADER_IPV6:
			link = PKT_LINK_IPV6;
			break;
		default:
			d->st->unknown_header_protocols++;
			return;
		}
		pkt_parse(s->header.bytes, s->header.length, link, &s->pkt);
		if (s->pkt.key.flags & FLOW_KEY_TRUNCATED)
			d->st->headers_truncated++;
	} else if (s->present & SFLOW_HAS_SAMPLED_IP)
		key_from_sampled_ip(&s->ip, &s->pkt.key);
	else
		return;
	s->present |= SFLOW_HAS_FLOW_KEY;
}

/* A compact interface word: format in the top 2 bits, value in the rest. */
static void
compact_interface(uint32_t word, struct sflow_interface *i)
{
	i->format = word >> 30;
	i->value = word & SFLOW_IF_LOCAL;
}

static void
flow_sample_fields(struct cursor *c, struct sflow_flow_sample *s)
{
	uint32_t word;

	s->seq = cursor_be32(c);
	switch (s->type) {
	case SFLOW_SAMPLE_FLOW:
		word = cursor_be32(c);
		s->source_class = word >> 24;
		s->source_index = word & 0x00FFFFFF;
		s->sampling_rate = cursor_be32(c);
		s->sample_pool = cursor_be32(c);
		s->drops = cursor_be32(c);
		compact_interface(cursor_be32(c), &s->input);
		compact_interface(cursor_be32(c), &s->output);
		break;
	case SFLOW_SAMPLE_FLOW_EXPANDED:
		s->source_class = cursor_be32(c);
		s->source_index = cursor_be32(c);
		s->sampling_rate = cursor_be32(c);
		s->sample_pool = cursor_be32(c);
		s->drops = cursor_be32(c);
		s->input.format = cursor_be32(c);
		s->input.value = cursor_be32(c);
		s->output.format = cursor_be32(c);
		s->output.value = cursor_be32(c);
		break;
	case SFLOW_SAMPLE_DISCARD:
		s->source_class = cursor_be32(c);
		s->source_index = cursor_be32(c);
		s->drops = cursor_be32(c);
		s->input.value = cursor_be32(c);
		s->output.value = cursor_be32(c);
		s->reason = cursor_be32(c);
		break;
	}
	s->records.declared = cursor_be32(c);
}

int
sflow_decode_flow_sample(struct decode *d, struct cursor *c, uint32_t type)
{
	struct sflow_flow_sample s;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.index = d->sample_index;
	flow_sample_fields(c, &s);
	if (cursor_error(c) != CURSOR_OK) {
		sflow_note_error(d, SFLOW_INVALID, 0, 0, c->pos,
		    "sample shorter than its fixed fields");
		return -1;
	}
	if (walk_records(d, c, &s.records, flow_record, &s) == -1)
		return -1;
	if (d->flags & SFLOW_DECODE_FLOW_KEY)
		flow_key(d, &s);
	if (type == SFLOW_SAMPLE_DISCARD)
		d->st->discard_samples++;
	else
		d->st->flow_samples++;
	if (d->v->flow != NULL)
		d->v->flow(d->ctx, &d->dg, &s);
	return 0;
}

int
sflow_decode_counter_sample(struct decode *d, struct cursor *c, uint32_t type)
{
	struct sflow_counter_sample s;
	uint32_t word;

	memset(&s, 0, sizeof(s));
	s.type = type;
	s.index = d->sample_index;
	s.seq = cursor_be32(c);
	if (type == SFLOW_SAMPLE_COUNTER) {
		word = cursor_be32(c);
		s.source_class = word >> 24;
		s.source_index = word & 0x00FFFFFF;
	} else {
		s.source_class = cursor_be32(c);
		s.source_index = cursor_be32(c);
	}
	s.records.declared = cursor_be32(c);
	if (cursor_error(c) != CURSOR_OK) {
		sflow_note_error(d, SFLOW_INVALID, 0, 0, c->pos,
		    "sample shorter than its fixed fields");
		return -1;
	}
	if (walk_records(d, c, &s.records, counter_record, &s) == -1)
		return -1;
	d->st->counter_samples++;
	if (d->v->counter != NULL)
		d->v->counter(d->ctx, &d->dg, &s);
	return 0;
}
