/*
 * live_net.h - helpers for the tests of the live inputs (capture/
 * cap_rawsock.c, cap_pcap_live.c): a private network namespace, GRE/ERSPAN
 * packets to send, raw senders, and running an event loop until a test's
 * condition holds.
 *
 * Every raw socket of protocol 47 sees every GRE packet of its namespace,
 * so tests that ran side by side (ctest -j) would see each other's
 * packets; each test therefore moves into a network namespace of its own
 * with only lo in it (unshare(CLONE_NEWNET)).  That needs root, as the
 * raw sockets do: without it the tests skip.
 */
#ifndef FS_LIVE_NET_H
#define FS_LIVE_NET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pkt_build.h"

struct event_base;

/*
 * Move this process into a new network namespace and bring lo up
 * (127.0.0.1/8 and ::1).  0, or -1 when not root or unshare() failed:
 * the caller skips.
 */
int	live_net_enter(void);

/* 1 when ::1 answers in this namespace (IPv6 not disabled). */
int	live_net_has_ipv6(void);

/*
 * The GRE payload of an ERSPAN type II packet (GRE with the sequence bit,
 * protocol 0x88BE, seq; ERSPAN version 1, session; an inner Ethernet/IPv4/
 * TCP frame with payload bytes of payload).  *inner_off: where the inner
 * frame starts in p.
 */
void	live_erspan2(struct pkt *p, uint16_t session, uint32_t seq,
	    size_t payload, size_t *inner_off);

/*
 * A raw IPPROTO_GRE socket of family (NETADDR_IPV4/6) bound to src, for
 * sending.  It never reads: it has a drop-all filter and a small buffer.
 */
int	live_gre_sender(int family, const char *src);

/* Send len bytes to dst (proto 47: the kernel adds the IP header). */
void	live_send(int fd, const char *dst, const void *buf, size_t len);

/* A UDP datagram of len bytes from src to dst:port. */
void	live_send_udp(const char *src, const char *dst, uint16_t port,
	    size_t len);

/*
 * Run base until done(arg) returns non-zero or ms milliseconds pass;
 * returns done()'s last answer.  done NULL: run for ms.
 */
int	live_loop(struct event_base *, int (*done)(void *), void *arg, int ms);

/*
 * fn(arg) without privileges: as root, in a child process that became
 * nobody (uid and gid 65534, no capabilities); else in this process.
 * Returns fn's result, or -1 when the child failed otherwise.  fn must not
 * use cmocka's assertions (in a child they would run the rest of the
 * suite there): it returns 0 for success.
 */
int	live_as_nobody(int (*fn)(void *), void *arg);

/* CLOCK_REALTIME now. */
void	live_now(struct timespec *);

#endif /* FS_LIVE_NET_H */
