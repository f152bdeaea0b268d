/*
 * cap_inner.c - what the receiver files of a decapsulated packet: the
 * mirrored frame as Ethernet (the archive and the live feed are
 * DLT_EN10MB, one link type for every file) and, for ERSPAN type III, the
 * time stamp the switch put on it.
 *
 * ERSPAN III time stamps: draft-foschiano-erspan-03 section 4.3 gives the
 * header 32 bits of time stamp "in units of the granularity" (00 100 us,
 * 01 100 ns, 10 IEEE 1588, 11 user-defined).  The draft leaves the epoch
 * to the platform; Linux (erspan_get_timestamp()) and the switches we know
 * count 100 us units since the Unix epoch and keep the low 32 bits, and
 * for IEEE 1588 the field holds the nanoseconds of the PTP time (the
 * seconds would be in a platform subheader whose layout varies).  So the
 * field is the time modulo a wrap period, and the receive time supplies
 * the rest.
 */
#include <string.h>

#include "capture.h"

#define NSEC	1000000000LL

/* The EtherType for a frame that starts with an IP header. */
static uint16_t
ip_ethertype(const struct cap_decap *d)
{
	if (d->inner_len > 0 && (d->inner[0] >> 4) == 6)
		return 0x86DD;
	if (d->inner_len > 0 && (d->inner[0] >> 4) == 4)
		return 0x0800;
	return d->gre_proto == 0x86DD ? 0x86DD : 0x0800;
}

int
cap_inner_ethernet(const struct cap_decap *d, uint32_t cut, uint8_t *buf,
    size_t buflen, struct cap_frame *out)
{
	uint32_t len, head = 0;
	uint16_t type;

	memset(out, 0, sizeof(*out));
	if (d->inner == NULL || d->inner_len == 0)
		return -1;
	len = d->inner_len;
	if (d->inner_link == PKT_LINK_ETHERNET) {
		if (len > CAP_ARCHIVE_SNAPLEN)
			len = CAP_ARCHIVE_SNAPLEN;
		out->data = d->inner;
	} else {
		if (buf == NULL || buflen < CAP_ETH_HLEN)
			return -1;
		head = CAP_ETH_HLEN;
		if (buflen > CAP_ARCHIVE_SNAPLEN)
			buflen = CAP_ARCHIVE_SNAPLEN;
		if (len > buflen - CAP_ETH_HLEN)
			len = (uint32_t)(buflen - CAP_ETH_HLEN);
		type = ip_ethertype(d);
		memset(buf, 0, 12);
		buf[12] = type >> 8;
		buf[13] = type & 0xFF;
		memcpy(buf + CAP_ETH_HLEN, d->inner, len);
		out->data = buf;
	}
	out->caplen = head + len;
	/* On the wire: the whole inner frame, and what the capture cut. */
	out->wirelen = head + d->inner_len;
	if (cut > UINT32_MAX - out->wirelen)
		out->wirelen = UINT32_MAX;
	else
		out->wirelen += cut;
	return 0;
}

int
cap_erspan_time(const struct cap_decap *d, const struct timespec *rx,
    struct timespec *out)
{
	long long unit, period, rx_ns, cand;

	*out = *rx;
	if (d->encap != CAP_ENCAP_ERSPAN_III)
		return -1;
	switch (d->granularity) {
	case 0:
		unit = 100000;		/* 100 us */
		period = unit << 32;
		break;
	case 1:
		unit = 100;		/* 100 ns */
		period = unit << 32;
		break;
	case 2:
		if (d->timestamp >= NSEC)
			return -1;
		unit = 1;
		period = NSEC;
		break;
	default:
		return -1;
	}
	if (rx->tv_sec < 0)
		return -1;
	rx_ns = (long long)rx->tv_sec * NSEC + rx->tv_nsec;
	/* The time with these low bits nearest to the receive time. */
	cand = rx_ns - rx_ns % period + (long long)d->timestamp * unit;
	if (cand - rx_ns > period / 2)
		cand -= period;
	else if (rx_ns - cand > period / 2)
		cand += period;
	if (cand < 0)
		return -1;
	out->tv_sec = (time_t)(cand / NSEC);
	out->tv_nsec = (long)(cand % NSEC);
	return 0;
}
