/*
 * ctl_agents.h - what the controller knows about each sFlow agent beyond
 * the sequence accounting of sflow_agents (sflow/sflow.h): when it was
 * last heard, the sampling rates it uses, the datagrams of it that failed
 * to decode (by kind), and the latest interface counters it reported.
 *
 * Bounded: at most max_agents agents (more are counted, not tracked), at
 * most CTL_AGENT_MAX_RATES distinct sampling rates and max_ifs interfaces
 * per agent (the latest counter sample per ifIndex; more are counted).
 * Time is the caller's, in milliseconds since the epoch.
 */
#ifndef FS_CTL_AGENTS_H
#define FS_CTL_AGENTS_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "sflow.h"

#define CTL_AGENT_MAX_RATES	8

/* Datagrams from an agent that did not decode, by sflow_result. */
struct ctl_agent_errors {
	uint64_t	truncated;
	uint64_t	bad_version;
	uint64_t	invalid;
};

struct ctl_agent_view {
	struct netaddr	agent;
	struct netaddr	source;		/* UDP source of the last datagram */
	int64_t		first_ms;
	int64_t		last_ms;
	uint64_t	datagrams;	/* decoded or not */
	uint64_t	bytes;
	struct ctl_agent_errors errors;
	uint32_t	rates[CTL_AGENT_MAX_RATES]; /* distinct, in first-seen order */
	uint32_t	n_rates;
	uint64_t	rates_dropped;	/* flow samples with a rate not listed
					   (the list was full): a rate seen
					   again counts again */
	size_t		n_ifs;		/* interfaces with counters */
	uint64_t	ifs_dropped;	/* counter samples for interfaces beyond max_ifs */
};

/* The latest generic interface counters of one ifIndex. */
struct ctl_agent_if {
	int64_t		updated_ms;
	struct sflow_if_counters c;
};

struct ctl_agents_limits {
	size_t		max_agents;	/* 0: 4096 */
	size_t		max_ifs;	/* per agent; 0: 1024 */
};

struct ctl_agents;

/* NULL without memory or when a limit is above 2^24. */
struct ctl_agents *ctl_agents_new(const struct ctl_agents_limits *);
void	ctl_agents_free(struct ctl_agents *);

/*
 * A datagram from source whose header decoded with agent address agent
 * (or NETADDR_NONE when even the header did not decode: then it is
 * accounted to the source address).  result: enum sflow_result.
 */
void	ctl_agents_datagram(struct ctl_agents *, const struct netaddr *agent,
	    const struct netaddr *source, size_t len, int result, int64_t now_ms);
/*
 * A flow sample of agent: remembers its sampling rate (0, as in discard
 * samples, is not a rate).  This and ctl_agents_counter() create an agent
 * not seen yet if there is room; its times come with its first datagram.
 */
void	ctl_agents_flow(struct ctl_agents *, const struct netaddr *agent,
	    const struct sflow_flow_sample *);
/* A counter sample: keeps the generic interface counters, if present. */
void	ctl_agents_counter(struct ctl_agents *, const struct netaddr *agent,
	    const struct sflow_counter_sample *, int64_t now_ms);

/* Visit every agent in first-seen order. */
void	ctl_agents_foreach(const struct ctl_agents *,
	    void (*fn)(void *ctx, const struct ctl_agent_view *), void *ctx);
/* Visit the interfaces of agent in ifIndex order; -1 if unknown agent. */
int	ctl_agents_foreach_if(const struct ctl_agents *,
	    const struct netaddr *agent,
	    void (*fn)(void *ctx, const struct ctl_agent_if *), void *ctx);
/* The view of one agent; -1 if unknown. */
int	ctl_agents_get(const struct ctl_agents *, const struct netaddr *agent,
	    struct ctl_agent_view *out);

size_t	ctl_agents_count(const struct ctl_agents *);
uint64_t ctl_agents_dropped(const struct ctl_agents *); /* untracked agents' datagrams */

#endif /* FS_CTL_AGENTS_H */
