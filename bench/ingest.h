/*
 * ingest.h - the parts of bench_ingest (ingest.c), private to it:
 *
 *   ingest_gen.c     what it sends: a random watch list, a pool of sFlow
 *                    datagrams, the trigger datagrams
 *   ingest_net.c     sender processes (flat out or paced) and the bare
 *                    recvmmsg receiver the daemon is compared with
 *   ingest_daemon.c  the controller daemon (ctl_daemon_start) in a process
 *                    of its own, driven through a socketpair
 *   ingest_report.c  the figures as tables, RESULT and goal lines
 *
 * Processes: the bench (parent) forks the daemon processes first, while it
 * is still small, so that a daemon's resident memory is its own; they wait
 * for a START command.  Senders are forked per measurement from the parent
 * and share the datagram pool with it (copy-on-write).  What children
 * report back lives in one shared anonymous mapping (struct ing_shared).
 */
#ifndef FS_BENCH_INGEST_H
#define FS_BENCH_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl_policy.h"

/* ---- the datagrams (ingest_gen.c) --------------------------------------- */

/*
 * A pool datagram: sFlow v5 from an IPv4 agent, ING_SAMPLES flow samples
 * (format 1), each with one raw packet header record (Ethernet, IPv4, TCP
 * and payload: ING_HEADER_BYTES sampled of a 1,514-byte frame).
 */
#define ING_SAMPLES		7
#define ING_HEADER_BYTES	128
#define ING_DGRAM_HDR		28	/* version .. number of samples */
#define ING_SAMPLE_LEN		(8 + 32 + 8 + 16 + ING_HEADER_BYTES)
#define ING_DGRAM_LEN		(ING_DGRAM_HDR + ING_SAMPLES * ING_SAMPLE_LEN)
#define ING_TRIGGER_LEN		(ING_DGRAM_HDR + ING_SAMPLE_LEN)

#define ING_AGENTS		16	/* agent addresses in the pool */
#define ING_MATCH_PAIRS		64	/* listed pairs in the pool */
#define ING_AGENT_BASE		0xC0000200u	/* 192.0.2.0: agents */
#define ING_KNOWN_PREFIX	0xCB007100u	/* 203.0.113.0/24: listed */
#define ING_MATCH_LOCAL		0x0AC80000u	/* 10.200.0.0: pool pairs */
#define ING_TRIGGER_LOCAL	0x0A010000u	/* 10.1.0.0 up: triggers */

/* A deterministic generator (splitmix64): the same seed, the same run. */
struct ing_rng {
	uint64_t	s;
};

uint64_t ing_rand(struct ing_rng *);
/* Uniform in [0, n), n >= 1. */
uint32_t ing_rand_below(struct ing_rng *, uint32_t n);

/* Distinct random IPv4 prefixes (host bits zero). */
struct ing_prefixes {
	uint32_t	*addr;
	uint8_t		*len;
	size_t		 n;
};

enum ing_shape {
	ING_SHAPE_THREAT,	/* 64 % /32, 25 % /24, 10 % /20-/23, 1 % /16-/19 */
	ING_SHAPE_ROUTING,	/* bench/lpm's: a BGP table, /24 about half */
};

/*
 * n distinct prefixes of the shape, none in 0/8, 10/8, 127/8, 224/3 or
 * touching 203.0.113.0/24.  0, or -1 when out of memory.
 */
int	ing_prefixes_make(struct ing_prefixes *, size_t n, enum ing_shape,
	    struct ing_rng *);
/* The list file ("plain": one per line) with 203.0.113.0/24 added. */
int	ing_prefixes_write(const struct ing_prefixes *, const char *path);
void	ing_prefixes_free(struct ing_prefixes *);

/* n datagrams of ING_DGRAM_LEN bytes, back to back. */
struct ing_pool {
	uint8_t		*bytes;
	size_t		 n;
	uint64_t	 by_class[3];	/* samples: ING_CLASS_* */
};

enum {
	ING_CLASS_MATCH,	/* local 10.200.0.x <-> 203.0.113.x */
	ING_CLASS_LISTED,	/* one side listed, neither local */
	ING_CLASS_RANDOM,	/* random public addresses */
};

/*
 * Build n datagrams, from agents 192.0.2.1 .. ING_AGENTS in turn.  flows
 * 0: every sample is a flow of its own; else each sample is one of that
 * many flows (rounded up to a multiple of ING_AGENTS) drawn up front, each
 * with its agent and interfaces, so that the daemon's flow keys number
 * that many.  A flow (random ports) is, 1 in 16, one of ING_MATCH_PAIRS
 * listed pairs with a local side; 4 in 16, one side in a random listed
 * prefix and no local side; else random public addresses (some of them
 * listed too).  0, or -1 (out of memory).
 */
int	ing_pool_build(struct ing_pool *, size_t n, size_t flows,
	    const struct ing_prefixes *, struct ing_rng *);
void	ing_pool_free(struct ing_pool *);
/* Set the sequence numbers of a pool datagram and of its samples (one
 * data source per sample slot). */
void	ing_dgram_stamp(uint8_t *dg, uint32_t seq);
/* The agent number (0 .. ING_AGENTS - 1) of a pool datagram. */
unsigned ing_dgram_agent(const uint8_t *dg);
/* One flow sample local -> remote from agent 192.0.2.250: writes
 * ING_TRIGGER_LEN bytes to buf. */
void	ing_trigger_build(uint8_t *buf, uint32_t local, uint32_t remote,
	    uint32_t seq);

/* ---- what the children report (shared mapping) -------------------------- */

#define ING_MAX_SENDERS		4

struct ing_send_slot {
	uint64_t	sent;		/* datagrams the kernel took */
	int64_t		start_ns;	/* CLOCK_MONOTONIC */
	int64_t		end_ns;
};

struct ing_shared {
	struct ing_send_slot senders[ING_MAX_SENDERS];
	/* The agents' last sequence numbers, shared by the senders. */
	uint32_t	agent_seq[ING_AGENTS];
	/*
	 * The trigger hook in the daemon process (atomics): while armed, a
	 * capture_requested event of the expected local address stores its
	 * time; the capture_started that follows writes one byte to the
	 * notification pipe.
	 */
	uint32_t	armed;
	uint32_t	expect_local;
	int64_t		requested_ns;
	uint64_t	requested;
	uint64_t	mismatched;	/* capture_requested of another pair */
};

/* ---- senders and the bare receiver (ingest_net.c) ----------------------- */

int64_t	ing_now_ns(void);		/* CLOCK_MONOTONIC */
/* A port on 127.0.0.1 free right now (SOCK_DGRAM or SOCK_STREAM). */
uint16_t ing_free_port(int type);

struct ing_send_job {
	uint16_t		 port;	/* to 127.0.0.1 */
	uint64_t		 count;
	double			 rate;	/* datagrams/s; 0: flat out */
	int			 id;	/* 0 .. senders - 1 */
	int			 senders; /* in this measurement */
	const struct ing_pool	*pool;
};

/*
 * Fork a sender; it reports in sh->senders[job->id] and exits.  Sender i
 * of k starts at pool datagram i * n / k, so that a flow comes round
 * again only after the whole pool.  Exits on failure.
 */
pid_t	ing_sender_spawn(const struct ing_send_job *, struct ing_shared *);
/* Wait for it; exits if it failed. */
void	ing_sender_reap(pid_t);

/*
 * A UDP socket on 127.0.0.1 read like ctl_listener reads: the same
 * receive buffer request (SO_RCVBUFFORCE, else SO_RCVBUF), SO_RXQ_OVFL,
 * CTL_LISTENER_BATCH slots of CTL_LISTENER_MAX_DATAGRAM + 1 bytes with a
 * source address and a control buffer each, recvmmsg with MSG_DONTWAIT.
 */
struct ing_bare;

struct ing_bare *ing_bare_open(uint64_t rcvbuf);	/* exits on failure */
void	ing_bare_close(struct ing_bare *);
uint16_t ing_bare_port(const struct ing_bare *);
int	ing_bare_fd(const struct ing_bare *);
uint64_t ing_bare_rcvbuf(const struct ing_bare *);	/* as granted */
/* One recvmmsg: the datagrams read (0: none queued). */
int	ing_bare_batch(struct ing_bare *);
/* The kernel's drops (SO_RXQ_OVFL) as last seen. */
uint64_t ing_bare_drops(const struct ing_bare *);

/* ---- the daemon process (ingest_daemon.c) ------------------------------- */

struct ing_stats {
	uint64_t	datagrams;	/* ctl_ingest_datagram calls */
	uint64_t	kernel_drops;	/* the listener's SO_RXQ_OVFL count */
	uint64_t	rcvbuf;		/* as granted */
	uint16_t	sflow_port;
	uint64_t	flow_samples;	/* decoded */
	uint64_t	decode_errors;	/* truncated, invalid, bad samples */
	uint64_t	keyed;		/* flow samples with addresses */
	uint64_t	verdicts[CTL_VERDICTS];
	uint64_t	decisions[CTL_DECISIONS];
	uint64_t	prefixes;	/* in the lookup table (0: none yet) */
	uint64_t	table_memory;
	uint64_t	table_builds;
	int		building;	/* a table build is under way */
	uint64_t	flows, max_flows, flows_evicted, flows_memory;
	uint64_t	live_captures, captures_created;
	uint64_t	state_writes;
	uint64_t	events;
	uint64_t	vm_rss_kb, vm_hwm_kb;
	uint64_t	heap_free;	/* bytes free in malloc's arenas */
	int64_t		cpu_ns;		/* the process, all threads */
	double		drain_seconds;	/* ING_CMD_DRAIN */
	uint64_t	drained;
};

struct ing_daemon {
	pid_t		pid;
	int		ctl;		/* SOCK_SEQPACKET to the child */
	int		notify;		/* read: capture_started while armed */
};

/*
 * Fork a daemon process that waits for ing_daemon_start.  Call before
 * allocating much: the child keeps what the parent had.  Exits on failure.
 */
void	ing_daemon_fork(struct ing_daemon *, struct ing_shared *);
/*
 * Load config_path and start the daemon (its log lines go to log_path).
 * 0, or -1 with why in err (the child has exited).
 */
int	ing_daemon_start(struct ing_daemon *, const char *config_path,
	    const char *log_path, struct ing_stats *, char *err, size_t errlen);
/* The commands below exit the bench when the child does not answer. */
void	ing_daemon_stats(struct ing_daemon *, struct ing_stats *);
/* malloc_trim(0) in the daemon's process (what a trim after a table
 * swap would give back), then its stats. */
void	ing_daemon_trim(struct ing_daemon *, struct ing_stats *);
/* Stop reading (the loop stops); answers once it has stopped. */
void	ing_daemon_pause(struct ing_daemon *);
/* Paused: run the loop until n more datagrams were handled (or none
 * come), timed in the child; then the loop runs normally again. */
void	ing_daemon_drain(struct ing_daemon *, uint64_t n, struct ing_stats *);
/* ctl_daemon_stop, ctl_daemon_free, and wait for the process. */
void	ing_daemon_quit(struct ing_daemon *);

/* ---- the figures and their report (ingest_report.c) --------------------- */

#define ING_MAX_RATES		32
#define ING_LOSS_LIMIT		0.001	/* a rate step is good below 0.1 % */
#define ING_SENDER_SHORT	0.95	/* achieved / target: senders short */

/* The goals of the issue. */
#define ING_GOAL_DRAIN_RATIO	0.80
#define ING_GOAL_P99_NS		1000000
#define ING_GOAL_RSS_MIB	150.0	/* read as MiB, as ps shows it */

/* A drain: the best run. */
struct ing_drain {
	uint64_t	datagrams;
	uint64_t	drops;
	double		seconds;
};

/* One rate step. */
struct ing_step {
	double		target;
	double		achieved;	/* what the senders managed */
	uint64_t	sent;
	uint64_t	handled;
	uint64_t	drops;		/* as the socket counted them */
	double		cpu;		/* of the receiving process: cores */
	int		senders;
};

struct ing_rates {
	struct ing_step	steps[ING_MAX_RATES];
	int		n;
	int		best;		/* the highest good step, or -1 */
};

struct ing_latency {
	int64_t		*ns;		/* per trigger, -1: lost */
	uint64_t	 n;
	uint64_t	 lost;
	uint64_t	 mismatched;
	uint64_t	 live_after;
	uint64_t	 state_writes;	/* by the daemon during the run */
};

/* Sent and not handled, as a fraction of sent. */
double	ing_step_loss(const struct ing_step *);

/* drain[0] bare, [1] daemon; likewise rates. */
void	ing_report_drain(const struct ing_drain drain[2]);
void	ing_report_step(const char *pass, const struct ing_step *);
void	ing_report_rates(const struct ing_rates rates[2]);
/* Daemon B's verdicts and decisions over the rate steps. */
void	ing_report_pipeline(const struct ing_stats *);
void	ing_report_memory(const char *when, const struct ing_stats *);
void	ing_report_latency(const struct ing_latency *, uint64_t live_before);
/* The three goal lines: a and b are daemons A and B with full tables. */
void	ing_report_goals(const struct ing_drain drain[2],
	    const struct ing_latency *, const struct ing_stats *a,
	    const struct ing_stats *b, int smoke);

#endif /* FS_BENCH_INGEST_H */
