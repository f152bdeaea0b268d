/*
 * pcap_input.h - read a capture file (pcap or pcapng, or "-" for standard
 * input) frame by frame with libpcap, knowing how to parse each frame.
 */
#ifndef FS_PCAP_INPUT_H
#define FS_PCAP_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "packet.h"

struct pcap_input;

struct pcap_frame {
	uint64_t	 number;	/* 1-based, as Wireshark counts */
	struct timeval	 ts;
	const uint8_t	*data;		/* valid until the next pcap_input_next() */
	uint32_t	 caplen;	/* bytes captured */
	uint32_t	 len;		/* bytes on the wire */
};

/*
 * Open path ("-": standard input).  Returns NULL with a message in errbuf
 * (at least 256 bytes) when the file cannot be read or its link type is not
 * one pkt_parse() knows (Ethernet, Linux cooked v1/v2, raw IP, loopback).
 */
struct pcap_input *pcap_input_open(const char *path, char *errbuf,
	    size_t errlen);

/* The link type of every frame, for pkt_parse(). */
enum pkt_link	pcap_input_link(const struct pcap_input *);

/* Next frame: 1, or 0 at the end of the file, or -1 on a read error. */
int	pcap_input_next(struct pcap_input *, struct pcap_frame *);

/* The read error after pcap_input_next() returned -1. */
const char *pcap_input_error(struct pcap_input *);

void	pcap_input_close(struct pcap_input *);

#define PCAP_FRAME_NOT_OURS	(-1)	/* not UDP to the port: not our business */
#define PCAP_FRAME_UNUSABLE	(-2)	/* UDP to the port, but it cannot be read */

/*
 * The UDP payload of a frame sent to dport (0: to any port), cut at the
 * UDP length (never at the frame end: bytes after the UDP length are not
 * the datagram's).
 * Returns 0 and sets *payload and *len, or PCAP_FRAME_NOT_OURS, or
 * PCAP_FRAME_UNUSABLE with *why (a static string): a UDP header that is
 * cut short or malformed, or a first IP fragment (fragments are not
 * reassembled; later fragments carry no port and are PCAP_FRAME_NOT_OURS).
 */
int	pcap_frame_udp_payload(const uint8_t *data, size_t caplen,
	    enum pkt_link link, uint16_t dport, const uint8_t **payload,
	    size_t *len, const char **why);

#endif /* FS_PCAP_INPUT_H */
