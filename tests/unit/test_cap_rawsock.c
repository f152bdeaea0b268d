/*
 * test_cap_rawsock.c - the raw IPPROTO_GRE socket input (capture/
 * cap_rawsock.c) on real sockets: ERSPAN II packets sent over loopback
 * with a raw GRE socket arrive exactly once, whole and in order, and
 * cap_decap() finds the right outer source, session and inner frame;
 * IPv6 with the synthetic header; bind addresses; counters and time
 * stamps; the kernel's drop count with a tiny buffer; the drop-all filter
 * and the ICMP protocol-unreachable replies it exists to stop; the errors
 * of cap_rawsock_new().
 *
 * Each test runs in a network namespace of its own (support/live_net.h),
 * so parallel tests cannot see each other's GRE packets; not root: skipped.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "fs_test.h"
#include "live_net.h"

#include "capture.h"

#define MAX_GOT		512
#define WAIT_MS		2000

/* What the callback received: heap copies. */
struct fx {
	struct event_base	*base;
	struct cap_rawsock	*rs;
	int			 n;
	uint8_t			*pkt[MAX_GOT];
	size_t			 len[MAX_GOT];
	struct timespec		 ts[MAX_GOT];
	int			 want;		/* for got_enough() */
	char			 err[256];
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int i;

	cap_rawsock_free(fx->rs);
	if (fx->base != NULL)
		event_base_free(fx->base);
	for (i = 0; i < fx->n; i++)
		free(fx->pkt[i]);
	free(fx);
	return 0;
}

/* Skip unless root; then a namespace of our own and an event base. */
static void
start(struct fx *fx)
{
	if (live_net_enter() == -1)
		skip();
	fx->base = event_base_new();
	assert_non_null(fx->base);
}

static void
collect(void *ctx, const uint8_t *pkt, size_t len, const struct timespec *ts)
{
	struct fx *fx = ctx;

	assert_true(fx->n < MAX_GOT);
	fx->pkt[fx->n] = malloc(len);
	assert_non_null(fx->pkt[fx->n]);
	memcpy(fx->pkt[fx->n], pkt, len);
	fx->len[fx->n] = len;
	fx->ts[fx->n] = *ts;
	fx->n++;
}

static int
got_enough(void *arg)
{
	struct fx *fx = arg;

	return fx->n >= fx->want;
}

static void
open_rawsock(struct fx *fx, int family, const char *bind_to,
    uint64_t rcvbuf)
{
	struct netaddr a;

	if (bind_to != NULL)
		a = addr(bind_to);
	fx->rs = cap_rawsock_new(fx->base, family, bind_to ? &a : NULL,
	    rcvbuf, collect, fx, fx->err, sizeof(fx->err));
	if (fx->rs == NULL)
		fail_msg("cap_rawsock_new: %s", fx->err);
}

/* Wait for want packets, then a little longer to catch extra ones. */
static void
wait_for(struct fx *fx, int want)
{
	fx->want = want;
	live_loop(fx->base, got_enough, fx, WAIT_MS);
	live_loop(fx->base, NULL, NULL, 50);
	assert_int_equal(fx->n, want);
}

/* Received packet i is ERSPAN II with session, seq and that inner frame. */
static void
check_erspan(const struct fx *fx, int i, const char *src, const char *dst,
    uint16_t session, uint32_t seq, const struct pkt *sent,
    size_t inner_off)
{
	struct cap_decap	d;
	struct netaddr		want_src = addr(src), want_dst = addr(dst);

	assert_int_equal(cap_decap(fx->pkt[i], fx->len[i], PKT_LINK_IP, &d),
	    CAP_DECAP_OK);
	assert_memory_equal(&d.outer_src, &want_src, sizeof(want_src));
	assert_memory_equal(&d.outer_dst, &want_dst, sizeof(want_dst));
	assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_II);
	assert_int_equal(d.session, session);
	assert_int_equal(d.vlan, 7);
	assert_int_equal(d.index, 42);
	assert_true(d.has_seq);
	assert_int_equal(d.gre_seq, seq);
	assert_int_equal(d.inner_link, PKT_LINK_ETHERNET);
	assert_int_equal(d.inner_len, sent->len - inner_off);
	assert_memory_equal(d.inner, sent->b + inner_off, d.inner_len);
}

static int
ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* ---- IPv4 -------------------------------------------------------------- */

static void
ipv4_erspan_delivered(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 p[5];
	struct timespec	 before, after;
	size_t		 off[5];
	int		 fd, i;

	start(fx);
	open_rawsock(fx, NETADDR_IPV4, NULL, 0);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_now(&before);
	for (i = 0; i < 5; i++) {
		live_erspan2(&p[i], (uint16_t)(100 + i), 1000u + (uint32_t)i,
		    (size_t)(10 * i), &off[i]);
		live_send(fd, "127.0.0.1", p[i].b, p[i].len);
	}
	wait_for(fx, 5);
	live_now(&after);
	for (i = 0; i < 5; i++) {
		/* The whole IPv4 packet: 20-byte header, then what was sent. */
		assert_int_equal(fx->len[i], 20 + p[i].len);
		assert_int_equal(fx->pkt[i][0], 0x45);
		assert_int_equal(fx->pkt[i][9], 47);
		assert_memory_equal(fx->pkt[i] + 20, p[i].b, p[i].len);
		check_erspan(fx, i, "127.0.0.2", "127.0.0.1",
		    (uint16_t)(100 + i), 1000u + (uint32_t)i, &p[i], off[i]);
		assert_true(ts_le(&before, &fx->ts[i]));
		assert_true(ts_le(&fx->ts[i], &after));
	}
	close(fd);
}

static void
ipv4_counters(void **state)
{
	struct fx			*fx = *state;
	struct cap_rawsock_stats	 st;
	struct pkt			 p;
	size_t				 off, bytes = 0;
	int				 fd, i;

	start(fx);
	open_rawsock(fx, NETADDR_IPV4, "127.0.0.1", 1 << 20);
	cap_rawsock_stats(fx->rs, &st);
	/* Linux doubles what it is asked for (the overhead of buffers). */
	assert_true(st.rcvbuf >= 1 << 20);
	assert_int_equal(st.packets, 0);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	/* More than one recvmmsg batch, sent before the loop reads any. */
	for (i = 0; i < CAP_RAWSOCK_BATCH + 6; i++) {
		live_erspan2(&p, (uint16_t)i, (uint32_t)i, (size_t)i, &off);
		live_send(fd, "127.0.0.1", p.b, p.len);
		bytes += 20 + p.len;
	}
	wait_for(fx, CAP_RAWSOCK_BATCH + 6);
	cap_rawsock_stats(fx->rs, &st);
	assert_int_equal(st.packets, CAP_RAWSOCK_BATCH + 6);
	assert_int_equal(st.bytes, bytes);
	assert_true(st.batches >= 2);
	assert_true(st.batches <= st.packets);
	assert_int_equal(st.truncated, 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.kernel_drops, 0);
	for (i = 0; i < fx->n; i++)		/* in order */
		assert_int_equal(fx->pkt[i][20 + 7], (uint8_t)i);
	close(fd);
}

/* Bound to 127.0.0.1, packets to 127.0.0.3 (also lo) do not arrive. */
static void
ipv4_bind_address(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 p;
	size_t		 off;
	int		 fd;

	start(fx);
	open_rawsock(fx, NETADDR_IPV4, "127.0.0.1", 0);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_erspan2(&p, 1, 1, 0, &off);
	live_send(fd, "127.0.0.3", p.b, p.len);
	live_erspan2(&p, 2, 2, 0, &off);
	live_send(fd, "127.0.0.1", p.b, p.len);
	wait_for(fx, 1);
	check_erspan(fx, 0, "127.0.0.2", "127.0.0.1", 2, 2, &p, off);
	close(fd);
}

/* A big packet (GRE over the loopback's 64 KiB MTU) arrives whole. */
static void
ipv4_large_packet(void **state)
{
	struct fx	*fx = *state;
	uint8_t		*buf;
	size_t		 len = 65535 - 20, i;
	int		 fd;

	start(fx);
	open_rawsock(fx, NETADDR_IPV4, NULL, 1 << 20);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	buf = malloc(len);
	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7);
	buf[0] = 0x00;				/* GRE, no flags, TEB */
	buf[1] = 0x00;
	buf[2] = 0x65;
	buf[3] = 0x58;
	live_send(fd, "127.0.0.1", buf, len);
	wait_for(fx, 1);
	assert_int_equal(fx->len[0], 65535);
	assert_memory_equal(fx->pkt[0] + 20, buf, len);
	free(buf);
	close(fd);
}

/* ---- IPv6 -------------------------------------------------------------- */

static void
ipv6_synthetic_header(void **state)
{
	struct fx			*fx = *state;
	struct cap_rawsock_stats	 st;
	struct pkt			 p[3];
	struct netaddr			 lo6 = addr("::1");
	size_t				 off[3];
	int				 fd, i, tclass = 0x28;

	start(fx);
	if (!live_net_has_ipv6())
		skip();
	open_rawsock(fx, NETADDR_IPV6, NULL, 0);
	fd = live_gre_sender(NETADDR_IPV6, "::1");
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass,
	    sizeof(tclass)), 0);
	for (i = 0; i < 3; i++) {
		live_erspan2(&p[i], (uint16_t)(900 + i), 7u + (uint32_t)i,
		    (size_t)(100 + i), &off[i]);
		live_send(fd, "::1", p[i].b, p[i].len);
	}
	wait_for(fx, 3);
	for (i = 0; i < 3; i++) {
		const uint8_t *h = fx->pkt[i];

		assert_int_equal(fx->len[i], 40 + p[i].len);
		assert_int_equal(h[0], 0x60 | 0x28 >> 4); /* version, TC */
		assert_int_equal(h[1], (0x28 & 0x0F) << 4);
		assert_int_equal(h[2] | h[3], 0);		/* flow label */
		assert_int_equal(h[4] << 8 | h[5], p[i].len);
		assert_int_equal(h[6], 47);
		assert_int_equal(h[7], 64);			/* hop limit */
		assert_memory_equal(h + 8, lo6.bytes, 16);
		assert_memory_equal(h + 24, lo6.bytes, 16);
		assert_memory_equal(h + 40, p[i].b, p[i].len);
		check_erspan(fx, i, "::1", "::1", (uint16_t)(900 + i),
		    7u + (uint32_t)i, &p[i], off[i]);
	}
	cap_rawsock_stats(fx->rs, &st);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.bytes, 3 * 40 + p[0].len + p[1].len + p[2].len);
	close(fd);
}

/* Bound to ::1, the destination is right even without pktinfo. */
static void
ipv6_bound(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 p;
	size_t		 off;
	int		 fd;

	start(fx);
	if (!live_net_has_ipv6())
		skip();
	open_rawsock(fx, NETADDR_IPV6, "::1", 0);
	fd = live_gre_sender(NETADDR_IPV6, "::1");
	live_erspan2(&p, 5, 5, 5, &off);
	live_send(fd, "::1", p.b, p.len);
	wait_for(fx, 1);
	check_erspan(fx, 0, "::1", "::1", 5, 5, &p, off);
	close(fd);
}

/* ---- the kernel's drops ------------------------------------------------ */

/*
 * With the smallest buffer the kernel allows (about two skbs) a burst
 * overflows it.  Each packet carries the drop counter as it was when the
 * packet was queued, so the drops show once a packet queued after them is
 * read: hence the probe sent after the burst was drained.  In a namespace
 * of our own, on loopback, the socket buffer is the only place these
 * packets can be dropped (the per-CPU backlog holds 1000, the burst is 200
 * and the loopback runs the receive path in the sender's own softirq), so
 * the count is exact: received + dropped = sent.
 */
static void
kernel_drops_counted(void **state)
{
	struct fx			*fx = *state;
	struct cap_rawsock_stats	 st;
	struct pkt			 p;
	size_t				 off;
	int				 fd, i, burst = 200, first;

	start(fx);
	open_rawsock(fx, NETADDR_IPV4, NULL, 1);
	cap_rawsock_stats(fx->rs, &st);
	assert_true(st.rcvbuf > 0 && st.rcvbuf < 16384);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_erspan2(&p, 1, 1, 1000, &off);
	for (i = 0; i < burst; i++)
		live_send(fd, "127.0.0.1", p.b, p.len);
	usleep(20000);
	live_loop(fx->base, NULL, NULL, 100);
	first = fx->n;
	assert_true(first >= 1);
	assert_true(first < burst);
	live_erspan2(&p, 2, 2, 0, &off);	/* the probe */
	live_send(fd, "127.0.0.1", p.b, p.len);
	wait_for(fx, first + 1);
	check_erspan(fx, first, "127.0.0.2", "127.0.0.1", 2, 2, &p, off);
	cap_rawsock_stats(fx->rs, &st);
	assert_int_equal(st.packets, (uint64_t)first + 1);
	assert_int_equal(st.kernel_drops, (uint64_t)(burst - first));
	close(fd);
}

/* ---- the drop-all filter ----------------------------------------------- */

static int
count_cb_calls;

static void
count_cb(void *ctx, const uint8_t *pkt, size_t len, const struct timespec *ts)
{
	(void)ctx;
	(void)pkt;
	(void)len;
	(void)ts;
	count_cb_calls++;
}

/* With the filter, nothing; a second socket still sees every packet. */
static void
drop_all_reads_nothing(void **state)
{
	struct fx			*fx = *state;
	struct cap_rawsock		*quiet;
	struct cap_rawsock_stats	 st;
	struct pkt			 p;
	size_t				 off;
	int				 fd, i;

	start(fx);
	count_cb_calls = 0;
	quiet = cap_rawsock_new(fx->base, NETADDR_IPV4, NULL, 0, count_cb,
	    NULL, fx->err, sizeof(fx->err));
	assert_non_null(quiet);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	/* Queued before the filter: drop_all discards it. */
	live_erspan2(&p, 1, 1, 0, &off);
	live_send(fd, "127.0.0.1", p.b, p.len);
	assert_int_equal(cap_rawsock_drop_all(quiet), 0);
	open_rawsock(fx, NETADDR_IPV4, NULL, 0);
	for (i = 0; i < 4; i++)
		live_send(fd, "127.0.0.1", p.b, p.len);
	wait_for(fx, 4);
	live_loop(fx->base, NULL, NULL, 50);
	assert_int_equal(count_cb_calls, 0);
	cap_rawsock_stats(quiet, &st);
	assert_int_equal(st.packets, 0);
	assert_int_equal(st.kernel_drops, 0);
	cap_rawsock_free(quiet);
	close(fd);
}

/* A NULL callback: packets are counted and discarded. */
static void
null_callback_counts(void **state)
{
	struct fx			*fx = *state;
	struct cap_rawsock_stats	 st;
	struct pkt			 p;
	size_t				 off;
	int				 fd, i;

	start(fx);
	fx->rs = cap_rawsock_new(fx->base, NETADDR_IPV4, NULL, 0, NULL, NULL,
	    fx->err, sizeof(fx->err));
	assert_non_null(fx->rs);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_erspan2(&p, 1, 1, 0, &off);
	for (i = 0; i < 3; i++)
		live_send(fd, "127.0.0.1", p.b, p.len);
	for (i = 0; i < 100; i++) {
		live_loop(fx->base, NULL, NULL, 10);
		cap_rawsock_stats(fx->rs, &st);
		if (st.packets == 3)
			break;
	}
	assert_int_equal(st.packets, 3);
	close(fd);
}

/* The next ICMP protocol-unreachable for 127.0.0.2, or 0 within ms. */
static int
icmp_unreachable(int icmp, int ms)
{
	struct pollfd	pfd = { icmp, POLLIN, 0 };
	uint8_t		buf[2048];
	ssize_t		n;

	while (poll(&pfd, 1, ms) == 1) {
		n = recv(icmp, buf, sizeof(buf), 0);
		assert_true(n >= 20 + 8);
		/* IPv4 header (20), ICMP type 3 code 2 */
		if (buf[20] == 3 && buf[21] == 2)
			return 1;
	}
	return 0;
}

/*
 * Why cap_rawsock_drop_all() exists: with no raw GRE socket the kernel
 * answers with ICMP protocol unreachable; with a drop-all one it does not,
 * though that socket reads nothing.
 */
static void
drop_all_stops_icmp(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 p;
	size_t		 off;
	int		 fd, icmp;

	start(fx);
	icmp = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	assert_true(icmp >= 0);
	/* The sender is bound to 127.0.0.2: it does not match 127.0.0.1. */
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_erspan2(&p, 1, 1, 0, &off);
	live_send(fd, "127.0.0.1", p.b, p.len);
	assert_true(icmp_unreachable(icmp, 1000));

	fx->rs = cap_rawsock_new(fx->base, NETADDR_IPV4, NULL, 0, NULL, NULL,
	    fx->err, sizeof(fx->err));
	assert_non_null(fx->rs);
	assert_int_equal(cap_rawsock_drop_all(fx->rs), 0);
	live_send(fd, "127.0.0.1", p.b, p.len);
	assert_false(icmp_unreachable(icmp, 200));
	close(icmp);
	close(fd);
}

/* ---- errors ------------------------------------------------------------ */

static void
bad_family(void **state)
{
	struct fx	*fx = *state;

	fx->base = event_base_new();
	assert_non_null(fx->base);
	fx->rs = cap_rawsock_new(fx->base, 5, NULL, 0, collect, fx, fx->err,
	    sizeof(fx->err));
	assert_null(fx->rs);
	assert_non_null(strstr(fx->err, "neither IPv4 nor IPv6"));
}

static void
bind_family_mismatch(void **state)
{
	struct fx	*fx = *state;
	struct netaddr	 a = addr("::1");

	fx->base = event_base_new();
	assert_non_null(fx->base);
	fx->rs = cap_rawsock_new(fx->base, NETADDR_IPV4, &a, 0, collect, fx,
	    fx->err, sizeof(fx->err));
	assert_null(fx->rs);
	assert_non_null(strstr(fx->err, "another family"));
}

/* An address that is not this host's cannot be bound. */
static void
bind_not_local(void **state)
{
	struct fx	*fx = *state;
	struct netaddr	 a = addr("192.0.2.1");

	start(fx);
	fx->rs = cap_rawsock_new(fx->base, NETADDR_IPV4, &a, 0, collect, fx,
	    fx->err, sizeof(fx->err));
	assert_null(fx->rs);
	assert_non_null(strstr(fx->err, "bind to 192.0.2.1"));
	assert_non_null(strstr(fx->err, strerror(EADDRNOTAVAIL)));
}

/* Runs as nobody: 0 when the socket is refused with the right words. */
static int
open_unprivileged(void *arg)
{
	struct fx		*fx = arg;
	struct event_base	*base = event_base_new();
	struct cap_rawsock	*rs;
	int			 ok;

	if (base == NULL)
		return 2;
	rs = cap_rawsock_new(base, NETADDR_IPV4, NULL, 0, collect, fx,
	    fx->err, sizeof(fx->err));
	ok = rs == NULL && strstr(fx->err, "needs root or CAP_NET_RAW");
	cap_rawsock_free(rs);
	event_base_free(base);
	return ok ? 0 : 1;
}

/* Without CAP_NET_RAW the socket cannot be made, and the error says so. */
static void
not_permitted(void **state)
{
	assert_int_equal(live_as_nobody(open_unprivileged, *state), 0);
}

static void
free_null(void **state)
{
	(void)state;
	cap_rawsock_free(NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(ipv4_erspan_delivered, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv4_counters, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_bind_address, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_large_packet, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_synthetic_header, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv6_bound, setup, teardown),
	cmocka_unit_test_setup_teardown(kernel_drops_counted, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(drop_all_reads_nothing, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(null_callback_counts, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(drop_all_stops_icmp, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_family, setup, teardown),
	cmocka_unit_test_setup_teardown(bind_family_mismatch, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(bind_not_local, setup, teardown),
	cmocka_unit_test_setup_teardown(not_permitted, setup, teardown),
	cmocka_unit_test(free_null),
};

FS_TEST_MAIN(tests)
