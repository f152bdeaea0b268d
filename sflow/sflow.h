/*
 * sflow.h - sFlow version 5 datagram decoder (https://sflow.org/sflow_version_5.txt,
 * discard samples from https://sflow.org/sflow_drops.txt).
 *
 * sflow_decode() turns one UDP payload into values: the datagram header, then
 * each sample, handed to the caller's visitor as it is decoded.  It does no
 * I/O, keeps no state, never allocates and never prints; what happened is
 * counted in the caller's struct sflow_stats.  Every byte is read through the
 * bounds-checked cursor, and after each sample and each record the decoder
 * checks that exactly the declared length was consumed.
 *
 * The sample structs handed to the visitor are views: they are valid only
 * during the callback (header.bytes points into the datagram).  Copy what
 * must outlive it; struct flow_key and struct netaddr are plain values.
 *
 * sflow_agents tracks each agent's datagram and sample sequence numbers
 * (loss, reordering, duplicates, restarts); it is separate so that the pure
 * decoder stays pure.
 */
#ifndef FS_SFLOW_H
#define FS_SFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "packet.h"

#define SFLOW_VERSION_5		5

/* Sample types (enterprise 0). */
#define SFLOW_SAMPLE_FLOW		1
#define SFLOW_SAMPLE_COUNTER		2
#define SFLOW_SAMPLE_FLOW_EXPANDED	3
#define SFLOW_SAMPLE_COUNTER_EXPANDED	4
#define SFLOW_SAMPLE_DISCARD		5

/* Flow record formats (enterprise 0). */
#define SFLOW_FLOW_RAW_HEADER		1
#define SFLOW_FLOW_SAMPLED_ETHERNET	2
#define SFLOW_FLOW_SAMPLED_IPV4		3
#define SFLOW_FLOW_SAMPLED_IPV6		4
#define SFLOW_FLOW_EXT_SWITCH		1001
#define SFLOW_FLOW_EXT_ROUTER		1002
#define SFLOW_FLOW_EXT_GATEWAY		1003

/* Counter record formats (enterprise 0). */
#define SFLOW_COUNTER_GENERIC_IF	1
#define SFLOW_COUNTER_ETHERNET		2
#define SFLOW_COUNTER_VLAN		5
#define SFLOW_COUNTER_LAG		7
#define SFLOW_COUNTER_PROCESSOR		1001

/* Header protocols of the raw packet header record. */
#define SFLOW_HEADER_ETHERNET		1
#define SFLOW_HEADER_IPV4		11
#define SFLOW_HEADER_IPV6		12

/* Interface formats (the top 2 bits of a compact interface word). */
#define SFLOW_IF_FORMAT_INDEX		0	/* value is an ifIndex (0: unknown) */
#define SFLOW_IF_FORMAT_DISCARD		1	/* packet dropped; value is the reason */
#define SFLOW_IF_FORMAT_MULTIPLE	2	/* value is the number of outputs (0: unknown) */
#define SFLOW_IF_LOCAL			0x3FFFFFFFu /* the agent itself */

/* A data format word: 20 bits of enterprise, 12 bits of format. */
#define SFLOW_ENTERPRISE(df)	((uint32_t)(df) >> 12)
#define SFLOW_FORMAT(df)	((uint32_t)(df) & 0xFFFu)

/* How many record formats a sample remembers, in order, for reports. */
#define SFLOW_MAX_LISTED_RECORDS	16

enum sflow_result {
	SFLOW_OK = 0,
	SFLOW_TRUNCATED = -1,	/* the bytes ended before the declared structure */
	SFLOW_BAD_VERSION = -2,	/* not sFlow version 5 (e.g. NetFlow sent to 6343) */
	SFLOW_INVALID = -3,	/* lengths or values that contradict each other */
};

/* sflow_decode() flags */
#define SFLOW_DECODE_FLOW_KEY	0x1	/* parse sampled headers into pkt_parsed */

/* The datagram header. */
struct sflow_datagram {
	uint32_t	version;
	struct netaddr	agent;
	uint32_t	sub_agent;
	uint32_t	seq;
	uint32_t	uptime_ms;
	uint32_t	num_samples;	/* as declared */
};

struct sflow_interface {
	uint32_t	format;		/* SFLOW_IF_FORMAT_* */
	uint32_t	value;
};

/* The data formats of a sample's records, in order. */
struct sflow_record_list {
	uint32_t	declared;	/* record count in the sample */
	uint32_t	listed;		/* <= SFLOW_MAX_LISTED_RECORDS */
	uint32_t	formats[SFLOW_MAX_LISTED_RECORDS]; /* data format words */
};

/* Raw packet header record (1). */
struct sflow_raw_header {
	uint32_t	protocol;	/* SFLOW_HEADER_* or another IANA-ish number */
	uint32_t	frame_length;	/* original length, including stripped bytes */
	uint32_t	stripped;	/* bytes removed from the end (e.g. 4 of FCS) */
	uint32_t	length;		/* bytes of header that follow */
	const uint8_t	*bytes;		/* the header, inside the datagram */
};

/* Sampled Ethernet record (2). */
struct sflow_sampled_ethernet {
	uint32_t	length;
	uint8_t		src_mac[6];
	uint8_t		dst_mac[6];
	uint32_t	type;
};

/* Sampled IPv4 (3) or IPv6 (4) record; the family is in src.family. */
struct sflow_sampled_ip {
	uint32_t	length;
	uint32_t	protocol;
	struct netaddr	src;
	struct netaddr	dst;
	uint32_t	src_port;
	uint32_t	dst_port;
	uint32_t	tcp_flags;
	uint32_t	tos;		/* IPv4 TOS, or IPv6 priority */
};

/* Extended switch record (1001). */
struct sflow_ext_switch {
	uint32_t	src_vlan;
	uint32_t	src_priority;
	uint32_t	dst_vlan;
	uint32_t	dst_priority;
};

/* Extended router record (1002). */
struct sflow_ext_router {
	struct netaddr	next_hop;
	uint32_t	src_mask_len;
	uint32_t	dst_mask_len;
};

/* Extended gateway record (1003): the AS path is summarised. */
struct sflow_ext_gateway {
	struct netaddr	next_hop;
	uint32_t	as;
	uint32_t	src_as;
	uint32_t	src_peer_as;
	uint32_t	dst_as;		/* last AS of the destination path, 0 if empty */
	uint32_t	dst_peer_as;	/* first AS of the destination path */
	uint32_t	as_path_segments;
	uint32_t	as_path_length;	/* AS numbers over all segments */
	uint32_t	communities;
	uint32_t	local_pref;
};

/* sflow_flow_sample.present bits */
#define SFLOW_HAS_RAW_HEADER		0x01
#define SFLOW_HAS_SAMPLED_ETHERNET	0x02
#define SFLOW_HAS_SAMPLED_IP		0x04
#define SFLOW_HAS_EXT_SWITCH		0x08
#define SFLOW_HAS_EXT_ROUTER		0x10
#define SFLOW_HAS_EXT_GATEWAY		0x20
#define SFLOW_HAS_FLOW_KEY		0x40	/* pkt.key is set: parsed from the raw
						   header, or else summarised from a
						   sampled IPv4/IPv6 record
						   (FLOW_KEY_SUMMARY) */

/*
 * A flow sample (type 1 compact, 3 expanded) or a discard sample (type 5).
 * When a record type occurs twice, the first one is kept.
 */
struct sflow_flow_sample {
	uint32_t	type;		/* SFLOW_SAMPLE_FLOW, _FLOW_EXPANDED or _DISCARD */
	uint32_t	index;		/* 1-based position in the datagram */
	uint32_t	seq;
	uint32_t	source_class;	/* data source type: 0 ifIndex, 1 VLAN, 2 entity */
	uint32_t	source_index;
	uint32_t	sampling_rate;	/* 1 in N (0 for discards) */
	uint32_t	sample_pool;
	uint32_t	drops;
	uint32_t	reason;		/* discard samples: the drop reason */
	struct sflow_interface input;
	struct sflow_interface output;
	struct sflow_record_list records;
	uint32_t	present;	/* SFLOW_HAS_* */
	struct sflow_raw_header header;
	struct sflow_sampled_ethernet ethernet;
	struct sflow_sampled_ip ip;
	struct sflow_ext_switch sw;
	struct sflow_ext_router router;
	struct sflow_ext_gateway gateway;
	struct pkt_parsed pkt;		/* with SFLOW_DECODE_FLOW_KEY and a raw header */
};

/* Generic interface counters (1). */
struct sflow_if_counters {
	uint32_t	if_index;
	uint32_t	if_type;
	uint64_t	if_speed;
	uint32_t	if_direction;
	uint32_t	if_status;
	uint64_t	in_octets;
	uint32_t	in_ucast;
	uint32_t	in_multicast;
	uint32_t	in_broadcast;
	uint32_t	in_discards;
	uint32_t	in_errors;
	uint32_t	in_unknown_protos;
	uint64_t	out_octets;
	uint32_t	out_ucast;
	uint32_t	out_multicast;
	uint32_t	out_broadcast;
	uint32_t	out_discards;
	uint32_t	out_errors;
	uint32_t	promiscuous;
};

/* Ethernet interface counters (2), dot3Stats*. */
struct sflow_ethernet_counters {
	uint32_t	alignment_errors;
	uint32_t	fcs_errors;
	uint32_t	single_collisions;
	uint32_t	multiple_collisions;
	uint32_t	sqe_test_errors;
	uint32_t	deferred_transmissions;
	uint32_t	late_collisions;
	uint32_t	excessive_collisions;
	uint32_t	internal_mac_tx_errors;
	uint32_t	carrier_sense_errors;
	uint32_t	frame_too_longs;
	uint32_t	internal_mac_rx_errors;
	uint32_t	symbol_errors;
};

/* VLAN counters (5). */
struct sflow_vlan_counters {
	uint32_t	vlan_id;
	uint64_t	octets;
	uint32_t	ucast;
	uint32_t	multicast;
	uint32_t	broadcast;
	uint32_t	discards;
};

/* LAG port statistics (7, sflow_8023.txt). */
struct sflow_lag_counters {
	uint8_t		actor_system_id[6];
	uint8_t		partner_system_id[6];
	uint32_t	attached_agg_id;
	uint8_t		port_state[4];	/* actor admin/oper, partner admin/oper */
	uint32_t	lacpdus_rx;
	uint32_t	marker_pdus_rx;
	uint32_t	marker_response_pdus_rx;
	uint32_t	unknown_rx;
	uint32_t	illegal_rx;
	uint32_t	lacpdus_tx;
	uint32_t	marker_pdus_tx;
	uint32_t	marker_response_pdus_tx;
};

/* Processor counters (1001). */
struct sflow_processor_counters {
	uint32_t	cpu_5s;		/* percent x 100 */
	uint32_t	cpu_1m;
	uint32_t	cpu_5m;
	uint64_t	total_memory;
	uint64_t	free_memory;
};

/* sflow_counter_sample.present bits */
#define SFLOW_HAS_IF_COUNTERS		0x01
#define SFLOW_HAS_ETHERNET_COUNTERS	0x02
#define SFLOW_HAS_VLAN_COUNTERS		0x04
#define SFLOW_HAS_LAG_COUNTERS		0x08
#define SFLOW_HAS_PROCESSOR_COUNTERS	0x10

/* A counter sample (type 2 compact, 4 expanded). */
struct sflow_counter_sample {
	uint32_t	type;
	uint32_t	index;		/* 1-based position in the datagram */
	uint32_t	seq;
	uint32_t	source_class;
	uint32_t	source_index;
	struct sflow_record_list records;
	uint32_t	present;	/* SFLOW_HAS_*_COUNTERS */
	struct sflow_if_counters ifc;
	struct sflow_ethernet_counters ethernet;
	struct sflow_vlan_counters vlan;
	struct sflow_lag_counters lag;
	struct sflow_processor_counters processor;
};

/* A sample of a type this decoder does not know, skipped by its length. */
struct sflow_skipped_sample {
	uint32_t	index;		/* 1-based position in the datagram */
	uint32_t	data_format;	/* enterprise << 12 | format */
	uint32_t	length;		/* declared body length */
};

/* Called as the datagram is decoded; any member may be NULL. */
struct sflow_visitor {
	void	(*datagram)(void *ctx, const struct sflow_datagram *);
	void	(*flow)(void *ctx, const struct sflow_datagram *,
		    const struct sflow_flow_sample *);
	void	(*counter)(void *ctx, const struct sflow_datagram *,
		    const struct sflow_counter_sample *);
	void	(*skipped)(void *ctx, const struct sflow_datagram *,
		    const struct sflow_skipped_sample *);
};

/*
 * What the decoder saw, summed over calls.  The caller owns it (zero it
 * once); the decoder only adds.
 */
struct sflow_stats {
	uint64_t	datagrams;		/* payloads handed to sflow_decode() */
	uint64_t	bad_version;		/* rejected: not version 5 */
	uint64_t	truncated;		/* datagrams that ended early */
	uint64_t	invalid;		/* datagrams with contradictory lengths/values */
	uint64_t	trailing_bytes;		/* datagrams with bytes after the last sample */
	uint64_t	flow_samples;		/* types 1 and 3 delivered */
	uint64_t	counter_samples;	/* types 2 and 4 delivered */
	uint64_t	discard_samples;	/* type 5 delivered */
	uint64_t	unknown_samples;	/* skipped by length */
	uint64_t	bad_samples;		/* length mismatch: not delivered */
	uint64_t	flow_records;		/* known flow records decoded */
	uint64_t	counter_records;	/* known counter records decoded */
	uint64_t	unknown_records;	/* skipped by length */
	uint64_t	bad_records;		/* known records of the wrong length: ignored */
	uint64_t	headers_truncated;	/* flow keys from clipped sampled headers */
	uint64_t	unknown_header_protocols; /* raw headers we cannot parse */
};

/* Where and why a decode stopped; what is a static string. */
struct sflow_error {
	int		result;		/* enum sflow_result */
	size_t		offset;		/* bytes consumed when it stopped */
	uint32_t	sample_index;	/* 1-based sample, 0: in the datagram header */
	uint32_t	sample_type;	/* data format word of that sample */
	uint32_t	record_index;	/* 1-based record, 0: not in a record */
	uint32_t	record_format;	/* data format word of that record */
	const char	*what;
};

/*
 * Decode one sFlow datagram (a UDP payload of len bytes).  Samples are
 * handed to v as they are decoded, so those before a truncation are still
 * seen.  Returns an enum sflow_result; err (may be NULL) says where and why.
 * On SFLOW_OK err->offset is the end of the last sample: bytes after it are
 * ignored (and counted as trailing_bytes).
 */
int	sflow_decode(const void *buf, size_t len, unsigned flags,
	    const struct sflow_visitor *v, void *ctx, struct sflow_stats *stats,
	    struct sflow_error *err);

/* "truncated", "not sFlow version 5", ... */
const char *sflow_result_str(int result);

/*
 * The original frame length: from the raw header record, else the sampled
 * IPv4/IPv6 record, else the sampled Ethernet record; 0 when none is there.
 */
uint32_t sflow_frame_length(const struct sflow_flow_sample *s);

/* Estimated frames and bytes behind one flow sample (sampled x rate). */
uint64_t sflow_scaled_frames(const struct sflow_flow_sample *s);
uint64_t sflow_scaled_bytes(const struct sflow_flow_sample *s);

/*
 * Per agent and sub-agent accounting, from the sequence numbers.
 */
struct sflow_agents;

struct sflow_agent_info {
	struct netaddr	agent;
	uint32_t	sub_agent;
	uint64_t	datagrams;
	uint64_t	flow_samples;
	uint64_t	counter_samples;
	uint64_t	discard_samples;
	uint64_t	lost;		/* datagrams missing from the sequence */
	uint64_t	out_of_order;	/* arrived after a later one */
	uint64_t	duplicates;	/* the same sequence number again */
	uint64_t	resets;		/* agent restarts (uptime went backwards) */
	uint64_t	sample_gaps;	/* samples missing from data source sequences */
	uint32_t	sources;	/* data sources seen */
	uint32_t	last_seq;
	uint32_t	last_uptime_ms;
};

struct sflow_agents_limits {
	uint32_t	max_agents;	/* agent/sub-agent pairs tracked */
	uint32_t	max_sources;	/* data sources tracked, over all agents */
};

struct sflow_agents *sflow_agents_new(const struct sflow_agents_limits *);
void	sflow_agents_free(struct sflow_agents *);

/*
 * Account one datagram header.  Returns 0, or -1 when the agent table is
 * full (counted in sflow_agents_dropped()).
 */
int	sflow_agents_datagram(struct sflow_agents *, const struct sflow_datagram *);

/* Account one sample of the datagram last passed to sflow_agents_datagram(). */
void	sflow_agents_flow(struct sflow_agents *, const struct sflow_datagram *,
	    const struct sflow_flow_sample *);
void	sflow_agents_counter(struct sflow_agents *, const struct sflow_datagram *,
	    const struct sflow_counter_sample *);

/* Visit every agent, in first-seen order. */
void	sflow_agents_foreach(const struct sflow_agents *,
	    void (*fn)(void *ctx, const struct sflow_agent_info *), void *ctx);
size_t	sflow_agents_count(const struct sflow_agents *);

/* Datagrams and samples not accounted because a table was full. */
uint64_t sflow_agents_dropped(const struct sflow_agents *);

#endif /* FS_SFLOW_H */
