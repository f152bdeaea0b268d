/*
 * ctl_listener.h - one UDP socket receiving sFlow datagrams on the event
 * loop, read in batches with recvmmsg(2).
 *
 * Each readable event drains up to CTL_LISTENER_BATCH datagrams per
 * recvmmsg call and at most CTL_LISTENER_MAX_ROUNDS calls, then yields to
 * the loop so that the API and timers keep running under a flood.  The
 * receive buffer is set with SO_RCVBUF (SO_RCVBUFFORCE first, which root
 * may use beyond net.core.rmem_max); the size the kernel granted is
 * reported.  SO_RXQ_OVFL gives the kernel's count of datagrams dropped
 * because the buffer was full.  An IPv6 socket is IPV6_V6ONLY so that
 * "0.0.0.0:6343" and "[::]:6343" can both be bound.  Datagrams longer
 * than CTL_LISTENER_MAX_DATAGRAM are counted as truncated and dropped.
 */
#ifndef FS_CTL_LISTENER_H
#define FS_CTL_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct event_base;
struct ctl_listen;

#define CTL_LISTENER_BATCH		64
#define CTL_LISTENER_MAX_ROUNDS		16
#define CTL_LISTENER_MAX_DATAGRAM	65535

/*
 * Called for each datagram, in arrival order.  buf is valid during the
 * call only.  now_ms: wall-clock milliseconds taken once per batch.
 * The callback must not free the listener.
 */
typedef void ctl_datagram_cb(void *ctx, const struct netaddr *from,
	    uint16_t from_port, const uint8_t *buf, size_t len, int64_t now_ms);

struct ctl_listener_stats {
	uint64_t	datagrams;	/* handed to the callback */
	uint64_t	bytes;
	uint64_t	batches;	/* recvmmsg calls that returned data */
	uint64_t	truncated;	/* longer than the buffer: dropped */
	uint64_t	errors;		/* recvmmsg failures other than EAGAIN */
	uint64_t	kernel_drops;	/* SO_RXQ_OVFL: the socket buffer was full */
	uint64_t	rcvbuf;		/* SO_RCVBUF as the kernel reports it */
};

/*
 * Bind a UDP socket to addr and read it on base.  rcvbuf: bytes wanted
 * (0: leave the system default).  NULL with why in err.
 */
struct ctl_listener *ctl_listener_new(struct event_base *,
	    const struct ctl_listen *addr, uint64_t rcvbuf,
	    ctl_datagram_cb *cb, void *ctx, char *err, size_t errlen);
/* Close the socket; NULL is a no-op. */
void	ctl_listener_free(struct ctl_listener *);

/* The port bound (for port 0 in tests) and the address. */
uint16_t ctl_listener_port(const struct ctl_listener *);
const struct ctl_listen *ctl_listener_addr(const struct ctl_listener *);

void	ctl_listener_stats(const struct ctl_listener *,
	    struct ctl_listener_stats *);

#endif /* FS_CTL_LISTENER_H */
