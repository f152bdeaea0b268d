/*
 * sflow_print_common.c - formatting shared by the text and JSON printers.
 */
#include <stdio.h>

#include "sflow_print.h"

const char *
sflow_format_str(uint32_t data_format, char *buf, size_t size)
{
	if (SFLOW_ENTERPRISE(data_format) == 0)
		snprintf(buf, size, "%u", SFLOW_FORMAT(data_format));
	else
		snprintf(buf, size, "%u:%u", SFLOW_ENTERPRISE(data_format),
		    SFLOW_FORMAT(data_format));
	return buf;
}

const char *
sflow_mac_str(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

uint32_t
sflow_version_word(const uint8_t *payload, size_t len)
{
	if (len < 4)
		return 0;
	return (uint32_t)payload[0] << 24 | (uint32_t)payload[1] << 16 |
	    (uint32_t)payload[2] << 8 | payload[3];
}

const char *
sflow_error_str(const struct sflow_error *e, const uint8_t *payload,
    size_t len, char *buf, size_t size)
{
	char sfmt[24], rfmt[24];
	int n;

	if (e->result == SFLOW_BAD_VERSION) {
		snprintf(buf, size, "%s (version word 0x%08x, %zu bytes)",
		    e->what, sflow_version_word(payload, len), len);
		return buf;
	}
	n = snprintf(buf, size, "%s: %s", sflow_result_str(e->result),
	    e->what ? e->what : "?");
	if (n < 0 || (size_t)n >= size)
		return buf;
	if (e->sample_index != 0)
		n += snprintf(buf + n, size - (size_t)n, " in sample %u (type %s)",
		    e->sample_index, sflow_format_str(e->sample_type, sfmt,
		    sizeof(sfmt)));
	if (n > 0 && (size_t)n < size && e->record_index != 0)
		n += snprintf(buf + n, size - (size_t)n, " record %u (format %s)",
		    e->record_index, sflow_format_str(e->record_format, rfmt,
		    sizeof(rfmt)));
	if (n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " at byte %zu of %zu",
		    e->offset, len);
	return buf;
}
