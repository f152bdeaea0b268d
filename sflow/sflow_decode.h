/*
 * sflow_decode.h - the decoder state shared by the datagram and sample
 * files; not part of the API.
 */
#ifndef FS_SFLOW_DECODE_H
#define FS_SFLOW_DECODE_H

#include "sflow_private.h"

/* One call of sflow_decode(): where we are and where results go. */
struct decode {
	const uint8_t		*start;		/* the datagram, for offsets */
	unsigned		 flags;		/* SFLOW_DECODE_* */
	const struct sflow_visitor *v;
	void			*ctx;
	struct sflow_stats	*st;
	struct sflow_error	*err;		/* never NULL here */
	struct sflow_datagram	 dg;
	uint32_t		 sample_index;	/* 1-based, every sample type */
	uint32_t		 sample_format;	/* its data format word */
};

/*
 * Record the first problem of a datagram; later ones are only counted.
 * at is where decoding stopped (for the offset).
 */
void	sflow_note_error(struct decode *, int result, uint32_t record_index,
	    uint32_t record_format, const uint8_t *at, const char *what);

/*
 * Decode one sample body (the cursor spans exactly its declared length) and
 * hand it to the visitor.  Return 0, or -1 when the body contradicts its
 * length (the sample is then not delivered; the error is noted).
 */
int	sflow_decode_flow_sample(struct decode *, struct cursor *, uint32_t type);
int	sflow_decode_counter_sample(struct decode *, struct cursor *,
	    uint32_t type);

#endif /* FS_SFLOW_DECODE_H */
