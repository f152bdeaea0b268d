/*
 * sflow_datagram.c - sFlow v5 datagram framing (sflow_version_5.txt,
 * "sFlow Datagram"): the header, then num_samples samples, each a data
 * format word, a length and exactly that many bytes (XDR padded).
 *
 * Truncated and invalid are different outcomes: truncated means the UDP
 * payload ended before a structure it declares (only the outer cursor can
 * say so); invalid means the bytes are all there but contradict themselves
 * (a sample whose records do not fill it, a record of the wrong size).
 * An invalid sample is skipped by its declared length and the samples
 * around it are still delivered.
 */
#include <string.h>

#include "sflow_decode.h"

void
sflow_note_error(struct decode *d, int result, uint32_t record_index,
    uint32_t record_format, const uint8_t *at, const char *what)
{
	struct sflow_error *e = d->err;

	/*
	 * The first problem is kept, except that a truncation, which stops
	 * the decode, replaces an earlier invalid sample: err always
	 * describes the result sflow_decode() returns.
	 */
	if (e->result != SFLOW_OK &&
	    !(result == SFLOW_TRUNCATED && e->result == SFLOW_INVALID))
		return;
	e->result = result;
	e->offset = (size_t)(at - d->start);
	e->sample_index = d->sample_index;
	e->sample_type = d->sample_format;
	e->record_index = record_index;
	e->record_format = record_format;
	e->what = what;
}

/* version, agent address, sub-agent, sequence, uptime, sample count */
static int
decode_header(struct decode *d, struct cursor *c)
{
	d->dg.version = cursor_be32(c);
	if (cursor_error(c) != CURSOR_OK) {
		sflow_note_error(d, SFLOW_TRUNCATED, 0, 0, c->pos,
		    "datagram shorter than its version word");
		return SFLOW_TRUNCATED;
	}
	if (d->dg.version != SFLOW_VERSION_5) {
		sflow_note_error(d, SFLOW_BAD_VERSION, 0, 0, d->start,
		    "not sFlow version 5");
		return SFLOW_BAD_VERSION;
	}
	sflow_read_address(c, &d->dg.agent);
	d->dg.sub_agent = cursor_be32(c);
	d->dg.seq = cursor_be32(c);
	d->dg.uptime_ms = cursor_be32(c);
	d->dg.num_samples = cursor_be32(c);
	switch (cursor_error(c)) {
	case CURSOR_OK:
		return SFLOW_OK;
	case CURSOR_TRUNCATED:
		sflow_note_error(d, SFLOW_TRUNCATED, 0, 0, c->pos,
		    "datagram shorter than its header");
		return SFLOW_TRUNCATED;
	default:
		sflow_note_error(d, SFLOW_INVALID, 0, 0, c->pos,
		    "unknown agent address type");
		return SFLOW_INVALID;
	}
}

static void
skip_sample(struct decode *d, uint32_t df, uint32_t len)
{
	struct sflow_skipped_sample skipped;

	d->st->unknown_samples++;
	if (d->v->skipped == NULL)
		return;
	skipped.index = d->sample_index;
	skipped.data_format = df;
	skipped.length = len;
	d->v->skipped(d->ctx, &d->dg, &skipped);
}

/* One sample: returns SFLOW_TRUNCATED to stop, else 0 (even if invalid). */
static int
decode_sample(struct decode *d, struct cursor *c)
{
	struct cursor body;
	uint32_t df, len;

	df = cursor_be32(c);
	len = cursor_be32(c);
	body = cursor_xdr_sub(c, len);
	if (cursor_error(c) != CURSOR_OK) {
		sflow_note_error(d, SFLOW_TRUNCATED, 0, 0, c->pos,
		    "sample longer than the datagram");
		return SFLOW_TRUNCATED;
	}
	d->sample_format = df;
	if (SFLOW_ENTERPRISE(df) != 0) {
		skip_sample(d, df, len);
		return 0;
	}
	switch (SFLOW_FORMAT(df)) {
	case SFLOW_SAMPLE_FLOW:
	case SFLOW_SAMPLE_FLOW_EXPANDED:
	case SFLOW_SAMPLE_DISCARD:
		if (sflow_decode_flow_sample(d, &body, SFLOW_FORMAT(df)) == -1)
			d->st->bad_samples++;
		break;
	case SFLOW_SAMPLE_COUNTER:
	case SFLOW_SAMPLE_COUNTER_EXPANDED:
		if (sflow_decode_counter_sample(d, &body, SFLOW_FORMAT(df)) == -1)
			d->st->bad_samples++;
		break;
	default:
		skip_sample(d, df, len);
		break;
	}
	return 0;
}

int
sflow_decode(const void *buf, size_t len, unsigned flags,
    const struct sflow_visitor *v, void *ctx, struct sflow_stats *stats,
    struct sflow_error *err)
{
	static const struct sflow_visitor no_visitor;
	struct sflow_error local;
	struct decode d;
	struct cursor c;
	uint32_t i;
	int rc;

	memset(&d, 0, sizeof(d));
	d.start = buf;
	d.flags = flags;
	d.v = v != NULL ? v : &no_visitor;
	d.ctx = ctx;
	d.st = stats;
	d.err = err != NULL ? err : &local;
	memset(d.err, 0, sizeof(*d.err));
	cursor_init(&c, buf, len);
	stats->datagrams++;

	rc = decode_header(&d, &c);
	if (rc == SFLOW_OK) {
		if (d.v->datagram != NULL)
			d.v->datagram(ctx, &d.dg);
		for (i = 0; i < d.dg.num_samples; i++) {
			d.sample_index = i + 1;
			rc = decode_sample(&d, &c);
			if (rc != SFLOW_OK)
				break;
		}
	}
	if (rc == SFLOW_OK) {
		/* A sample that was invalid does not stop the datagram. */
		rc = d.err->result;
		if (rc == SFLOW_OK) {
			d.err->offset = (size_t)(c.pos - d.start);
			d.err->sample_index = 0;
		}
		if (cursor_left(&c) != 0)
			stats->trailing_bytes++;
	}
	switch (rc) {
	case SFLOW_TRUNCATED:
		stats->truncated++;
		break;
	case SFLOW_BAD_VERSION:
		stats->bad_version++;
		break;
	case SFLOW_INVALID:
		stats->invalid++;
		break;
	}
	return rc;
}

const char *
sflow_result_str(int result)
{
	switch (result) {
	case SFLOW_OK:
		return "ok";
	case SFLOW_TRUNCATED:
		return "truncated";
	case SFLOW_BAD_VERSION:
		return "bad_version";
	case SFLOW_INVALID:
		return "invalid";
	default:
		return "unknown";
	}
}

uint64_t
sflow_scaled_frames(const struct sflow_flow_sample *s)
{
	return s->sampling_rate;
}

uint32_t
sflow_frame_length(const struct sflow_flow_sample *s)
{
	if (s->present & SFLOW_HAS_RAW_HEADER)
		return s->header.frame_length;
	if (s->present & SFLOW_HAS_SAMPLED_IP)
		return s->ip.length;
	if (s->present & SFLOW_HAS_SAMPLED_ETHERNET)
		return s->ethernet.length;
	return 0;
}

uint64_t
sflow_scaled_bytes(const struct sflow_flow_sample *s)
{
	return (uint64_t)sflow_frame_length(s) * s->sampling_rate;
}
