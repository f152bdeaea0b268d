/*
 * test_cap_pcap_live.c - the libpcap live input (capture/cap_pcap_live.c)
 * on real interfaces, and cap_link_ip_offset() (capture/cap_link.c) on a
 * table of frames of every link type it knows.
 *
 * Live cases run in a network namespace of their own (support/
 * live_net.h): "lo" (Ethernet), "any" (Linux cooked) and a tun device
 * (raw IP) made for the test, which also serves to make an interface
 * vanish under a running capture.  Frames that the IP stack would never
 * send (VLAN tags, non-IP EtherTypes) are written to lo with a packet
 * socket.  Not root: the live cases skip.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "fs_test.h"
#include "live_net.h"

#include "capture.h"

#define MAX_GOT		64
#define WAIT_MS		2000
#define IPPROTO_GRE_	47
#define TUN_NAME	"fstun0"

struct fx {
	struct event_base	*base;
	struct cap_pcap_live	*pl;
	struct cap_rawsock	*quiet;		/* silences ICMP replies */
	int			 n;
	uint8_t			*pkt[MAX_GOT];
	size_t			 len[MAX_GOT];
	struct timespec		 ts[MAX_GOT];
	int			 want;
	char			 err[512];
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

	cap_pcap_live_free(fx->pl);
	cap_rawsock_free(fx->quiet);
	if (fx->base != NULL)
		event_base_free(fx->base);
	for (i = 0; i < fx->n; i++)
		free(fx->pkt[i]);
	free(fx);
	return 0;
}

static void
new_base(struct fx *fx)
{
	fx->base = event_base_new();
	assert_non_null(fx->base);
}

/*
 * Skip unless root; then a namespace of our own, an event base and a
 * drop-all raw GRE socket, as the receiver runs libpcap.
 */
static void
start(struct fx *fx)
{
	if (live_net_enter() == -1)
		skip();
	new_base(fx);
	fx->quiet = cap_rawsock_new(fx->base, NETADDR_IPV4, NULL, 0, NULL,
	    NULL, fx->err, sizeof(fx->err));
	assert_non_null(fx->quiet);
	assert_int_equal(cap_rawsock_drop_all(fx->quiet), 0);
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
open_live(struct fx *fx, const char *ifname, const char *filter,
    int snaplen)
{
	fx->pl = cap_pcap_live_new(fx->base, ifname, filter, snaplen, 0,
	    collect, fx, fx->err, sizeof(fx->err));
	if (fx->pl == NULL)
		fail_msg("cap_pcap_live_new: %s", fx->err);
}

/* Wait for want packets, then a little longer to catch extra ones. */
static void
wait_for(struct fx *fx, int want)
{
	fx->want = want;
	live_loop(fx->base, got_enough, fx, WAIT_MS);
	live_loop(fx->base, NULL, NULL, 100);
	assert_int_equal(fx->n, want);
}

static void
check_erspan(const struct fx *fx, int i, const char *src, uint16_t session,
    const struct pkt *sent, size_t inner_off)
{
	struct cap_decap	d;
	struct netaddr		want_src = addr(src);

	assert_int_equal(cap_decap(fx->pkt[i], fx->len[i], PKT_LINK_IP, &d),
	    CAP_DECAP_OK);
	assert_memory_equal(&d.outer_src, &want_src, sizeof(want_src));
	assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_II);
	assert_int_equal(d.session, session);
	assert_int_equal(d.inner_len, sent->len - inner_off);
	assert_memory_equal(d.inner, sent->b + inner_off, d.inner_len);
}

/* Write a whole frame to lo with a packet socket. */
static void
send_frame(const struct pkt *p)
{
	struct sockaddr_ll	sll;
	int			fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex("lo");
	sll.sll_halen = 6;
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(sendto(fd, p->b, p->len, 0, (struct sockaddr *)&sll,
	    sizeof(sll)), (ssize_t)p->len);
	close(fd);
}

/* An IPv4 GRE packet 192.0.2.1 -> 198.51.100.2 around ERSPAN II. */
static void
put_ipv4_erspan(struct pkt *p, uint16_t session, size_t *inner_off)
{
	struct pkt	gre;
	size_t		ip, off;

	live_erspan2(&gre, session, session, 20, &off);
	ip = put_ipv4_simple(p, IPPROTO_GRE_);
	*inner_off = p->len + off;
	put_bytes(p, gre.b, gre.len);
	end_ipv4(p, ip);
}

/* A tun device (raw IP, no packet information), up. */
static int
tun_open(void)
{
	struct ifreq	ifr;
	int		fd, s;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, TUN_NAME);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	return fd;
}

/* ---- lo ---------------------------------------------------------------- */

/* The default filter: GRE only, never the UDP sent alongside. */
static void
lo_default_filter(void **state)
{
	struct fx			*fx = *state;
	struct cap_pcap_live_stats	 st;
	struct timespec			 before, after;
	struct pkt			 p[4];
	size_t				 off[4];
	int				 fd, i;

	start(fx);
	open_live(fx, "lo", NULL, 0);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_now(&before);
	for (i = 0; i < 4; i++) {
		live_send_udp("127.0.0.1", "127.0.0.1", 4789, 100);
		live_erspan2(&p[i], (uint16_t)(10 + i), (uint32_t)i,
		    (size_t)(i * 30), &off[i]);
		live_send(fd, "127.0.0.1", p[i].b, p[i].len);
	}
	wait_for(fx, 4);
	live_now(&after);
	for (i = 0; i < 4; i++) {
		/* The IP packet without the Ethernet header. */
		assert_int_equal(fx->len[i], 20 + p[i].len);
		assert_int_equal(fx->pkt[i][0], 0x45);
		assert_int_equal(fx->pkt[i][9], IPPROTO_GRE_);
		check_erspan(fx, i, "127.0.0.2", (uint16_t)(10 + i), &p[i],
		    off[i]);
		assert_true(fx->ts[i].tv_sec >= before.tv_sec);
		assert_true(fx->ts[i].tv_sec <= after.tv_sec);
		assert_true(fx->ts[i].tv_nsec >= 0 &&
		    fx->ts[i].tv_nsec < 1000000000);
	}
	cap_pcap_live_stats(fx->pl, &st);
	assert_int_equal(st.packets, 4);
	assert_int_equal(st.non_ip, 0);
	assert_int_equal(st.snapped, 0);
	assert_int_equal(st.errors, 0);
	assert_true(st.ps_recv >= 4);
	assert_int_equal(st.ps_drop, 0);
	assert_int_equal(st.datalink, DLT_EN10MB);
	assert_int_equal(st.stopped, 0);
	assert_null(cap_pcap_live_error(fx->pl));
	close(fd);
}

static void
lo_ipv6(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 p;
	size_t		 off;
	int		 fd;

	start(fx);
	if (!live_net_has_ipv6())
		skip();
	open_live(fx, "lo", NULL, 0);
	fd = live_gre_sender(NETADDR_IPV6, "::1");
	live_erspan2(&p, 77, 1, 64, &off);
	live_send(fd, "::1", p.b, p.len);
	wait_for(fx, 1);
	assert_int_equal(fx->len[0], 40 + p.len);
	assert_int_equal(fx->pkt[0][0] >> 4, 6);
	check_erspan(fx, 0, "::1", 77, &p, off);
	close(fd);
}

/* The filter given is the one used. */
static void
lo_filter_given(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 p;
	size_t		 off;
	int		 fd, i;

	start(fx);
	open_live(fx, "lo", "udp port 5555", 0);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_erspan2(&p, 1, 1, 0, &off);
	for (i = 0; i < 2; i++) {
		live_send(fd, "127.0.0.1", p.b, p.len);
		live_send_udp("127.0.0.1", "127.0.0.1", 5555, 10 + (size_t)i);
	}
	wait_for(fx, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(fx->pkt[i][9], 17);
		assert_int_equal(fx->len[i], 20 + 8 + 10 + (size_t)i);
	}
	close(fd);
}

/* A snap length cuts packets: they are still handed over, and counted. */
static void
lo_snaplen(void **state)
{
	struct fx			*fx = *state;
	struct cap_pcap_live_stats	 st;
	struct cap_decap		 d;
	struct pkt			 p;
	size_t				 off;
	int				 fd;

	start(fx);
	open_live(fx, "lo", NULL, 60);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	live_erspan2(&p, 3, 3, 200, &off);
	live_send(fd, "127.0.0.1", p.b, p.len);
	wait_for(fx, 1);
	/*
	 * Linux's packet ring may keep a few bytes less than asked (58 of
	 * 60 on lo: the ring aligns the network header), never more.
	 */
	assert_true(fx->len[0] <= 60 - 14);
	assert_true(fx->len[0] > 20 + off);
	/* Cut inside the mirrored frame: OK with the bytes that are there. */
	assert_int_equal(cap_decap(fx->pkt[0], fx->len[0], PKT_LINK_IP, &d),
	    CAP_DECAP_OK);
	assert_int_equal(d.session, 3);
	assert_int_equal(d.inner_len, fx->len[0] - 20 - off);
	assert_memory_equal(d.inner, p.b + off, d.inner_len);
	cap_pcap_live_stats(fx->pl, &st);
	assert_int_equal(st.snapped, 1);
	assert_int_equal(st.bytes, fx->len[0]);
	close(fd);
}

/* 802.1Q and 802.1ad tags are stripped with the Ethernet header. */
static void
lo_vlan_tags(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 f = { .len = 0 };
	size_t		 ip, inner_off;

	start(fx);
	open_live(fx, "lo", "", 0);
	put_eth(&f, ETH_8021AD);
	put_tag(&f, 100, ETH_8021Q);
	put_tag(&f, 200, ETH_IPV4);
	ip = f.len;
	put_ipv4_erspan(&f, 9, &inner_off);
	send_frame(&f);
	wait_for(fx, 1);
	assert_int_equal(fx->len[0], f.len - ip);
	assert_memory_equal(fx->pkt[0], f.b + ip, fx->len[0]);
}

/* Frames without IP, or with a version that contradicts the EtherType. */
static void
lo_non_ip_skipped(void **state)
{
	struct fx			*fx = *state;
	struct cap_pcap_live_stats	 st;
	struct pkt			 f = { .len = 0 };
	size_t				 off;
	int				 i;

	start(fx);
	open_live(fx, "lo", "", 0);
	put_eth(&f, 0x88B5);			/* local experimental */
	put_payload(&f, 46);
	send_frame(&f);
	f.len = 0;
	put_eth(&f, ETH_IPV4);
	put_ipv4_erspan(&f, 1, &off);
	f.b[ETH_LEN] = 0x65;			/* IPv6 in an IPv4 frame */
	send_frame(&f);
	for (i = 0; i < 200; i++) {
		live_loop(fx->base, NULL, NULL, 10);
		cap_pcap_live_stats(fx->pl, &st);
		if (st.non_ip == 2)
			break;
	}
	live_loop(fx->base, NULL, NULL, 50);
	cap_pcap_live_stats(fx->pl, &st);
	assert_int_equal(st.non_ip, 2);
	assert_int_equal(st.packets, 0);
	assert_int_equal(fx->n, 0);
}

/* ---- other link types -------------------------------------------------- */

/* "any": Linux cooked capture, each loopback packet once. */
static void
any_cooked(void **state)
{
	struct fx			*fx = *state;
	struct cap_pcap_live_stats	 st;
	struct pkt			 p;
	size_t				 off;
	int				 fd, i;

	start(fx);
	open_live(fx, "any", NULL, 0);
	fd = live_gre_sender(NETADDR_IPV4, "127.0.0.2");
	for (i = 0; i < 3; i++) {
		live_erspan2(&p, (uint16_t)(500 + i), 1, 10, &off);
		live_send(fd, "127.0.0.1", p.b, p.len);
	}
	wait_for(fx, 3);
	for (i = 0; i < 3; i++) {
		live_erspan2(&p, (uint16_t)(500 + i), 1, 10, &off);
		check_erspan(fx, i, "127.0.0.2", (uint16_t)(500 + i), &p, off);
	}
	cap_pcap_live_stats(fx->pl, &st);
	assert_true(st.datalink == DLT_LINUX_SLL ||
	    st.datalink == DLT_LINUX_SLL2);
	close(fd);
}

/* A tun device: raw IP, nothing to strip. */
static void
tun_raw_ip(void **state)
{
	struct fx			*fx = *state;
	struct cap_pcap_live_stats	 st;
	struct pkt			 f = { .len = 0 };
	size_t				 off;
	int				 tun;

	start(fx);
	tun = tun_open();
	open_live(fx, TUN_NAME, NULL, 0);
	put_ipv4_erspan(&f, 33, &off);
	assert_int_equal(write(tun, f.b, f.len), (ssize_t)f.len);
	wait_for(fx, 1);
	assert_int_equal(fx->len[0], f.len);
	assert_memory_equal(fx->pkt[0], f.b, f.len);
	cap_pcap_live_stats(fx->pl, &st);
	assert_int_equal(st.datalink, DLT_RAW);
	close(tun);
}

/*
 * The interface goes away under a running capture: the input stops, says
 * why, and no longer reads (a descriptor in error would spin the loop).
 */
static void
interface_vanishes(void **state)
{
	struct fx			*fx = *state;
	struct cap_pcap_live_stats	 st;
	int				 tun, i;

	start(fx);
	tun = tun_open();
	open_live(fx, TUN_NAME, NULL, 0);
	close(tun);				/* not persistent: deleted */
	for (i = 0; i < 200; i++) {
		live_loop(fx->base, NULL, NULL, 10);
		cap_pcap_live_stats(fx->pl, &st);
		if (st.stopped)
			break;
	}
	assert_int_equal(st.stopped, 1);
	assert_int_equal(st.errors, 1);
	assert_non_null(cap_pcap_live_error(fx->pl));
	assert_true(strlen(cap_pcap_live_error(fx->pl)) > 0);
	live_loop(fx->base, NULL, NULL, 50);
	cap_pcap_live_stats(fx->pl, &st);
	assert_int_equal(st.errors, 1);
}

/* ---- errors ------------------------------------------------------------ */

static void
bad_interface(void **state)
{
	struct fx	*fx = *state;

	start(fx);
	fx->pl = cap_pcap_live_new(fx->base, "fs-nosuch0", NULL, 0, 0,
	    collect, fx, fx->err, sizeof(fx->err));
	assert_null(fx->pl);
	assert_non_null(strstr(fx->err, "pcap on fs-nosuch0: "
	    "no such interface"));
}

static void
bad_filter(void **state)
{
	struct fx	*fx = *state;

	start(fx);
	fx->pl = cap_pcap_live_new(fx->base, "lo", "proto nonsense ((", 0, 0,
	    collect, fx, fx->err, sizeof(fx->err));
	assert_null(fx->pl);
	assert_non_null(strstr(fx->err,
	    "pcap on lo: filter \"proto nonsense ((\": "));
}

static void
bad_arguments(void **state)
{
	struct fx	*fx = *state;

	new_base(fx);
	fx->pl = cap_pcap_live_new(fx->base, NULL, NULL, 0, 0, collect, fx,
	    fx->err, sizeof(fx->err));
	assert_null(fx->pl);
	assert_string_equal(fx->err, "pcap: no interface given");
	fx->pl = cap_pcap_live_new(fx->base, "", NULL, 0, 0, collect, fx,
	    fx->err, sizeof(fx->err));
	assert_null(fx->pl);
	assert_string_equal(fx->err, "pcap: no interface given");
	fx->pl = cap_pcap_live_new(fx->base, "lo", NULL, -1, 0, collect, fx,
	    fx->err, sizeof(fx->err));
	assert_null(fx->pl);
	assert_non_null(strstr(fx->err, "snap length -1"));
}

/* Runs as nobody: 0 when the capture is refused with the right words. */
static int
open_unprivileged(void *arg)
{
	struct fx		*fx = arg;
	struct event_base	*base = event_base_new();
	struct cap_pcap_live	*pl;
	int			 ok;

	if (base == NULL)
		return 2;
	pl = cap_pcap_live_new(base, "lo", NULL, 0, 0, collect, fx, fx->err,
	    sizeof(fx->err));
	ok = pl == NULL && strstr(fx->err, "pcap on lo: permission denied");
	cap_pcap_live_free(pl);
	event_base_free(base);
	return ok ? 0 : 1;
}

/* Without CAP_NET_RAW: a clear refusal. */
static void
not_permitted(void **state)
{
	assert_int_equal(live_as_nobody(open_unprivileged, *state), 0);
}

static void
free_null(void **state)
{
	(void)state;
	cap_pcap_live_free(NULL);
}

/* ---- cap_link_ip_offset() ---------------------------------------------- */

struct link_case {
	const char	*name;
	int		 dlt;
	void		(*build)(struct pkt *);
	long		 want;		/* offset, -1 or -2 */
};

static void
b_eth4(struct pkt *p)
{
	put_eth(p, ETH_IPV4);
	put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
b_eth6(struct pkt *p)
{
	put_eth(p, ETH_IPV6);
	put_ipv6_simple(p, IPPROTO_GRE_);
}

static void
b_eth_qinq(struct pkt *p)
{
	put_eth(p, ETH_8021AD);
	put_tag(p, 1, ETH_8021Q);
	put_tag(p, 2, ETH_IPV4);
	put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
b_eth_9100(struct pkt *p)
{
	put_eth(p, 0x9100);
	put_tag(p, 1, ETH_IPV6);
	put_ipv6_simple(p, IPPROTO_GRE_);
}

/* Nine tags: one more than anyone stacks. */
static void
b_eth_too_many_tags(struct pkt *p)
{
	int i;

	put_eth(p, ETH_8021Q);
	for (i = 0; i < 8; i++)
		put_tag(p, 1, ETH_8021Q);
	put_tag(p, 1, ETH_IPV4);
	put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
b_eth_arp(struct pkt *p)
{
	put_eth(p, ETH_ARP);
	put_fill(p, 0, 28);
}

static void
b_eth_mismatch(struct pkt *p)
{
	put_eth(p, ETH_IPV6);
	put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
b_eth_no_ip(struct pkt *p)
{
	put_eth(p, ETH_IPV4);			/* and nothing after it */
}

static void
b_eth_cut_tag(struct pkt *p)
{
	put_eth(p, ETH_8021Q);
	put16(p, 5);				/* TCI, no type */
}

static void
b_eth_short(struct pkt *p)
{
	put_fill(p, 0, 13);
}

static void
b_sll4(struct pkt *p)
{
	put_sll(p, ETH_IPV4);
	put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
b_sll_arp(struct pkt *p)
{
	put_sll(p, ETH_ARP);
	put_fill(p, 0, 28);
}

static void
b_sll2_6(struct pkt *p)
{
	put_sll2(p, ETH_IPV6);
	put_ipv6_simple(p, IPPROTO_GRE_);
}

static void
b_sll2_cut(struct pkt *p)
{
	put_sll2(p, ETH_IPV4);
	p->len = 19;
}

static void
b_raw4(struct pkt *p)
{
	put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
b_raw6(struct pkt *p)
{
	put_ipv6_simple(p, IPPROTO_GRE_);
}

static void
b_raw_junk(struct pkt *p)
{
	put_fill(p, 0x20, 40);
}

static void
b_empty(struct pkt *p)
{
	(void)p;
}

static void
b_null4_host(struct pkt *p)
{
	put_null(p, 2);
	put_ipv4_simple(p, IPPROTO_GRE_);
}

/* The other byte order than this host's, as a capture from elsewhere. */
static void
b_null6_swapped(struct pkt *p)
{
	put_null(p, __builtin_bswap32(30));
	put_ipv6_simple(p, IPPROTO_GRE_);
}

static void
b_null_unknown(struct pkt *p)
{
	put_null(p, 7);
	put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
b_loop6(struct pkt *p)
{
	put_loop(p, 24);
	put_ipv6_simple(p, IPPROTO_GRE_);
}

static void
b_loop_mismatch(struct pkt *p)
{
	put_loop(p, 2);
	put_ipv6_simple(p, IPPROTO_GRE_);
}

static const struct link_case link_cases[] = {
	{ "ethernet ipv4", DLT_EN10MB, b_eth4, 14 },
	{ "ethernet ipv6", DLT_EN10MB, b_eth6, 14 },
	{ "ethernet qinq", DLT_EN10MB, b_eth_qinq, 22 },
	{ "ethernet 0x9100", DLT_EN10MB, b_eth_9100, 18 },
	{ "ethernet 9 tags", DLT_EN10MB, b_eth_too_many_tags, -1 },
	{ "ethernet arp", DLT_EN10MB, b_eth_arp, -1 },
	{ "ethernet v4 in v6", DLT_EN10MB, b_eth_mismatch, -1 },
	{ "ethernet no ip", DLT_EN10MB, b_eth_no_ip, -1 },
	{ "ethernet cut tag", DLT_EN10MB, b_eth_cut_tag, -1 },
	{ "ethernet short", DLT_EN10MB, b_eth_short, -1 },
	{ "sll ipv4", DLT_LINUX_SLL, b_sll4, 16 },
	{ "sll arp", DLT_LINUX_SLL, b_sll_arp, -1 },
	{ "sll2 ipv6", DLT_LINUX_SLL2, b_sll2_6, 20 },
	{ "sll2 cut", DLT_LINUX_SLL2, b_sll2_cut, -1 },
	{ "raw ipv4", DLT_RAW, b_raw4, 0 },
	{ "raw ipv6", DLT_RAW, b_raw6, 0 },
	{ "linktype raw", 101, b_raw4, 0 },
	{ "raw junk", DLT_RAW, b_raw_junk, -1 },
	{ "raw empty", DLT_RAW, b_empty, -1 },
	{ "dlt ipv4", DLT_IPV4, b_raw4, 0 },
	{ "dlt ipv4 with v6", DLT_IPV4, b_raw6, -1 },
	{ "dlt ipv6", DLT_IPV6, b_raw6, 0 },
	{ "dlt ipv6 with v4", DLT_IPV6, b_raw4, -1 },
	{ "null ipv4", DLT_NULL, b_null4_host, 4 },
	{ "null ipv6 swapped", DLT_NULL, b_null6_swapped, 4 },
	{ "null unknown", DLT_NULL, b_null_unknown, -1 },
	{ "null empty", DLT_NULL, b_empty, -1 },
	{ "loop ipv6", DLT_LOOP, b_loop6, 4 },
	{ "loop v6 as v4", DLT_LOOP, b_loop_mismatch, -1 },
	{ "ieee 802.11", DLT_IEEE802_11, b_raw4, -2 },
};

static void
link_offsets(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		const struct link_case	*c = &link_cases[i];
		struct pkt		 p = { .len = 0 };
		const uint8_t		*copy;
		long			 got;

		c->build(&p);
		/* An exact heap copy: ASan sees any read past the end. */
		copy = exact_copy(p.b, p.len);
		got = cap_link_ip_offset(c->dlt, copy, p.len);
		exact_release_last();
		if (got != c->want)
			fail_msg("%s: offset %ld, want %ld", c->name, got,
			    c->want);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(lo_default_filter, setup, teardown),
	cmocka_unit_test_setup_teardown(lo_ipv6, setup, teardown),
	cmocka_unit_test_setup_teardown(lo_filter_given, setup, teardown),
	cmocka_unit_test_setup_teardown(lo_snaplen, setup, teardown),
	cmocka_unit_test_setup_teardown(lo_vlan_tags, setup, teardown),
	cmocka_unit_test_setup_teardown(lo_non_ip_skipped, setup, teardown),
	cmocka_unit_test_setup_teardown(any_cooked, setup, teardown),
	cmocka_unit_test_setup_teardown(tun_raw_ip, setup, teardown),
	cmocka_unit_test_setup_teardown(interface_vanishes, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_interface, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_filter, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
	cmocka_unit_test_setup_teardown(not_permitted, setup, teardown),
	cmocka_unit_test(free_null),
	cmocka_unit_test_teardown(link_offsets, exact_free_all),
};

FS_TEST_MAIN(tests)
