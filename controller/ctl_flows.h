/*
 * ctl_flows.h - the bounded table of recent flows the operator sees
 * (GET /api/v1/flows): per flow key, the sFlow-scaled frames and bytes
 * (sampled x sampling rate), first and last seen, and the same over the
 * last minute for the top-N.
 *
 * Bounded: at most max_flows entries; adding a new flow to a full table
 * evicts the least recently seen one (counted).  Memory is allocated once
 * at creation.  Time is the caller's (milliseconds since the epoch), so
 * tests drive it; the table keeps no clock and does no I/O.
 */
#ifndef FS_CTL_FLOWS_H
#define FS_CTL_FLOWS_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* What identifies a flow: a value, no pointers; zero it before filling. */
struct ctl_flow_key {
	struct netaddr	agent;
	uint32_t	in_if;		/* ifIndex, 0 if unknown */
	uint32_t	out_if;
	struct netaddr	src;
	struct netaddr	dst;
	uint16_t	sport;
	uint16_t	dport;
	uint8_t		proto;
};

struct ctl_flow_info {
	struct ctl_flow_key key;
	uint64_t	samples;	/* flow samples seen */
	uint64_t	frames;		/* scaled, since first seen */
	uint64_t	bytes;
	uint64_t	frames_minute;	/* scaled, over the last 60 s */
	uint64_t	bytes_minute;
	int64_t		first_ms;	/* first and last seen */
	int64_t		last_ms;
};

struct ctl_flows_stats {
	size_t		flows;		/* in the table */
	size_t		max_flows;
	uint64_t	added;		/* new flows */
	uint64_t	evicted;	/* pushed out by newer ones */
	size_t		memory;		/* bytes allocated */
};

enum ctl_flows_order {
	CTL_FLOWS_BY_BYTES,
	CTL_FLOWS_BY_FRAMES,
};

struct ctl_flows;

/* A table for max_flows flows (>= 1); NULL when out of memory. */
struct ctl_flows *ctl_flows_new(size_t max_flows);
void	ctl_flows_free(struct ctl_flows *);

/* Account one sample of key: frames and bytes already scaled. */
void	ctl_flows_add(struct ctl_flows *, const struct ctl_flow_key *,
	    uint64_t frames, uint64_t bytes, int64_t now_ms);

/*
 * The top n flows by bytes or frames over the last minute as of now_ms
 * (flows with nothing in the last minute are left out), largest first,
 * ties by the older first_ms.  Returns how many were written to out.
 */
size_t	ctl_flows_top(const struct ctl_flows *, enum ctl_flows_order,
	    int64_t now_ms, struct ctl_flow_info *out, size_t n);

/* The entry of key, or -1 when it is not in the table. */
int	ctl_flows_get(const struct ctl_flows *, const struct ctl_flow_key *,
	    int64_t now_ms, struct ctl_flow_info *out);

void	ctl_flows_stats(const struct ctl_flows *, struct ctl_flows_stats *);

#endif /* FS_CTL_FLOWS_H */
