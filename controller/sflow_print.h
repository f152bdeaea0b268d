/*
 * sflow_print.h - decoded sFlow samples as text lines or as JSON lines
 * (docs/sflow-json.md).  Printing lives here, never in the decoder.
 */
#ifndef FS_SFLOW_PRINT_H
#define FS_SFLOW_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "sflow.h"

struct sflow_printer {
	void	(*flow)(FILE *, uint64_t frame, const struct sflow_datagram *,
		    const struct sflow_flow_sample *);
	void	(*counter)(FILE *, uint64_t frame,
		    const struct sflow_datagram *,
		    const struct sflow_counter_sample *);
	void	(*skipped)(FILE *, uint64_t frame,
		    const struct sflow_datagram *,
		    const struct sflow_skipped_sample *);
	/* payload: the datagram, for a glimpse of what it was */
	void	(*error)(FILE *, uint64_t frame, const struct sflow_error *,
		    const uint8_t *payload, size_t len);
	void	(*agent)(FILE *, const struct sflow_agent_info *);
	void	(*totals)(FILE *, uint64_t frames, uint64_t not_sflow,
		    const struct sflow_stats *);
};

extern const struct sflow_printer sflow_text_printer;
extern const struct sflow_printer sflow_json_printer;

/* "1001" for enterprise 0, else "E:F"; buf of at least 24 bytes. */
const char *sflow_format_str(uint32_t data_format, char *buf, size_t size);

/* "aa:bb:cc:dd:ee:ff"; buf of at least 18 bytes. */
const char *sflow_mac_str(const uint8_t mac[6], char *buf, size_t size);

/* The first 4 bytes of a payload as a number (the version word). */
uint32_t sflow_version_word(const uint8_t *payload, size_t len);

/* A one-line description of where a decode stopped, into buf. */
const char *sflow_error_str(const struct sflow_error *, const uint8_t *payload,
	    size_t len, char *buf, size_t size);

#endif /* FS_SFLOW_PRINT_H */
