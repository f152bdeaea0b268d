/*
 * sflow_private.h - what the decoder's files share; not part of the API.
 */
#ifndef FS_SFLOW_PRIVATE_H
#define FS_SFLOW_PRIVATE_H

#include "cursor.h"
#include "sflow.h"

/*
 * A record decoder reads exactly one record's body from a cursor that
 * spans exactly the declared length.  The caller checks afterwards that
 * the body was consumed exactly; a decoder never needs to.
 */
struct sflow_flow_record_decoder {
	uint32_t	data_format;	/* enterprise << 12 | format */
	uint32_t	present;	/* SFLOW_HAS_* bit it fills */
	void		(*decode)(struct cursor *, struct sflow_flow_sample *);
};

struct sflow_counter_record_decoder {
	uint32_t	data_format;
	uint32_t	present;	/* SFLOW_HAS_*_COUNTERS bit it fills */
	void		(*decode)(struct cursor *, struct sflow_counter_sample *);
};

/* The decoder for a data format, or NULL for a record we skip by length. */
const struct sflow_flow_record_decoder *
	sflow_flow_record_decoder(uint32_t data_format);
const struct sflow_counter_record_decoder *
	sflow_counter_record_decoder(uint32_t data_format);

/* Read an sFlow address (type word, then 4 or 16 bytes; type 0: none). */
void	sflow_read_address(struct cursor *, struct netaddr *);

#endif /* FS_SFLOW_PRIVATE_H */
