/*
 * test_cap_decap.c - cap_decap() (capture/) on packets built byte by byte:
 * every encapsulation, the GRE flag combinations, every error result, the
 * link layers, outer IPv6 with extension headers, GRE in GRE, and the
 * truncated vs bad-length contract of capture/cap_decap.c.
 *
 * Packets are decapsulated as heap copies of exactly their length
 * (support/exact_buf.h), so AddressSanitizer catches any over-read.
 */
#include <string.h>

#include "fs_test.h"
#include "pkt_build.h"

#include "capture.h"

#define IPPROTO_GRE_	47

#define GRE_C	0x8000
#define GRE_R	0x4000
#define GRE_K	0x2000
#define GRE_S	0x1000

#define INNER_LEN	54	/* build_inner_frame(): Ethernet IPv4 TCP SYN */

static int
teardown(void **state)
{
	return exact_free_all(state);
}

/* The decapsulated copy, to turn out->inner into an offset. */
static const uint8_t *copy;

static int
decap_n(const struct pkt *p, size_t n, enum pkt_link link,
    struct cap_decap *out)
{
	copy = exact_copy(p->b, n);
	memset(out, 0xA5, sizeof(*out));
	return cap_decap(copy, n, link, out);
}

static int
decap(const struct pkt *p, struct cap_decap *out)
{
	return decap_n(p, p->len, PKT_LINK_ETHERNET, out);
}

/* A GRE header with the optional fields its flags announce. */
static void
put_gre(struct pkt *p, uint16_t flags, uint16_t proto, uint32_t key,
    uint32_t seq)
{
	put16(p, flags);
	put16(p, proto);
	if (flags & (GRE_C | GRE_R))
		put32(p, 0xC5C50000);		/* checksum, offset */
	if (flags & GRE_K)
		put32(p, key);
	if (flags & GRE_S)
		put32(p, seq);
}

static void
put_erspan2(struct pkt *p, uint16_t vlan, uint8_t cos, uint8_t en,
    uint8_t t, uint16_t session, uint32_t index)
{
	put32(p, 1u << 28 | (uint32_t)vlan << 16 | (uint32_t)cos << 13 |
	    (uint32_t)en << 11 | (uint32_t)t << 10 | session);
	put32(p, index);
}

static void
put_erspan3(struct pkt *p, uint16_t session, uint32_t ts, uint8_t ft,
    int o)
{
	put32(p, 2u << 28 | 123u << 16 | 5u << 13 | 1u << 10 | session);
	put32(p, ts);
	put32(p, 0xBEEFu << 16 | 1u << 15 | (uint32_t)ft << 10 | 9u << 4 |
	    1u << 3 | 1u << 1 | (o ? 1u : 0));
	if (o) {
		put32(p, 0x11111111);
		put32(p, 0x22222222);
	}
}

static void
put_inner(struct pkt *p)
{
	struct pkt in = { .len = 0 };

	build_inner_frame(&in);
	assert_int_equal(in.len, INNER_LEN);
	put_bytes(p, in.b, in.len);
}

/* Ethernet, IPv4 192.0.2.1 -> 198.51.100.2 proto 47; returns the IP offset. */
static size_t
start_ipv4(struct pkt *p)
{
	p->len = 0;
	put_eth(p, ETH_IPV4);
	return put_ipv4_simple(p, IPPROTO_GRE_);
}

static void
assert_inner_at(const struct cap_decap *d, size_t off, size_t len,
    enum pkt_link link)
{
	assert_ptr_equal(d->inner, copy + off);
	assert_int_equal(d->inner_len, len);
	assert_int_equal(d->inner_link, link);
}

/* ---- encapsulations ---------------------------------------------------- */

static void
erspan_i(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;

	(void)state;
	at = start_ipv4(&p);
	put_gre(&p, 0, 0x88BE, 0, 0);
	put_inner(&p);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_I);
	assert_int_equal(d.n_gre, 1);
	assert_int_equal(d.gre_proto, 0x88BE);
	assert_false(d.has_key || d.has_seq);
	assert_int_equal(netaddr_compare(&d.outer_src, &(struct netaddr){
	    .family = NETADDR_IPV4, .bytes = { 192, 0, 2, 1 } }), 0);
	assert_inner_at(&d, ETH_LEN + IPV4_LEN + 4, INNER_LEN,
	    PKT_LINK_ETHERNET);
}

static void
erspan_ii_fields(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;

	(void)state;
	at = start_ipv4(&p);
	put_gre(&p, GRE_S, 0x88BE, 0, 4242);
	put_erspan2(&p, 0xABC, 6, 2, 1, 0x3FF, 0xFFFFF);
	put_inner(&p);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_II);
	assert_true(d.has_seq);
	assert_int_equal(d.gre_seq, 4242);
	assert_int_equal(d.vlan, 0xABC);
	assert_int_equal(d.cos, 6);
	assert_int_equal(d.encap_type, 2);
	assert_int_equal(d.truncated, 1);
	assert_int_equal(d.session, 0x3FF);
	assert_int_equal(d.index, 0xFFFFF);
	assert_inner_at(&d, ETH_LEN + IPV4_LEN + 8 + 8, INNER_LEN,
	    PKT_LINK_ETHERNET);
}

static void
erspan_ii_bad_version(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;

	(void)state;
	at = start_ipv4(&p);
	put_gre(&p, GRE_S, 0x88BE, 0, 1);
	put32(&p, 2u << 28 | 7);
	put32(&p, 0);
	put_inner(&p);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_VERSION);
	assert_null(d.inner);
	assert_int_equal(d.encap, CAP_ENCAP_NONE);
}

static void
erspan_iii_fields_and_subheader(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;
	int o;

	(void)state;
	for (o = 0; o <= 1; o++) {
		at = start_ipv4(&p);
		put_gre(&p, GRE_S | GRE_K, 0x22EB, 77, 8);
		put_erspan3(&p, 513, 0xDEADBEEF, 0, o);
		put_inner(&p);
		end_ipv4(&p, at);
		assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
		assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_III);
		assert_int_equal(d.gre_key, 77);
		assert_int_equal(d.session, 513);
		assert_int_equal(d.vlan, 123);
		assert_int_equal(d.cos, 5);
		assert_int_equal(d.truncated, 1);
		assert_int_equal(d.timestamp, 0xDEADBEEF);
		assert_int_equal(d.sgt, 0xBEEF);
		assert_int_equal(d.frame_type, 0);
		assert_int_equal(d.hw_id, 9);
		assert_int_equal(d.direction, 1);
		assert_int_equal(d.granularity, 1);
		assert_int_equal(d.has_subheader, o);
		assert_int_equal(d.subheader[0], o ? 0x11111111 : 0);
		assert_int_equal(d.subheader[1], o ? 0x22222222 : 0);
		assert_inner_at(&d, ETH_LEN + IPV4_LEN + 12 + 12 + 8 * o,
		    INNER_LEN, PKT_LINK_ETHERNET);
	}
}

static void
erspan_iii_frame_types(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;
	int ft;

	(void)state;
	for (ft = 0; ft < 32; ft++) {
		at = start_ipv4(&p);
		put_gre(&p, 0, 0x22EB, 0, 0);
		put_erspan3(&p, 1, 2, (uint8_t)ft, 0);
		put_inner(&p);
		end_ipv4(&p, at);
		if (ft == 0 || ft == 2) {
			assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
			assert_int_equal(d.inner_link, ft == 0 ?
			    PKT_LINK_ETHERNET : PKT_LINK_IP);
		} else {
			assert_int_equal(decap(&p, &d),
			    CAP_DECAP_UNKNOWN_FRAME_TYPE);
			assert_null(d.inner);
			assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_III);
			assert_int_equal(d.frame_type, ft);
			assert_int_equal(d.session, 1);
			assert_int_equal(d.timestamp, 2);
		}
		exact_release_last();
	}
}

static void
erspan_iii_bad_version(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;

	(void)state;
	at = start_ipv4(&p);
	put_gre(&p, 0, 0x22EB, 0, 0);
	put32(&p, 1u << 28);
	put32(&p, 0);
	put32(&p, 0);
	put_inner(&p);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_VERSION);
}

static void
gre_teb_and_ip(void **state)
{
	static const uint16_t protos[] = { 0x6558, 0x0800, 0x86DD };
	struct pkt p, ip = { .len = 0 };
	struct cap_decap d;
	size_t at, i;

	(void)state;
	build_ipv4_udp(&ip, 10);
	for (i = 0; i < 3; i++) {
		at = start_ipv4(&p);
		put_gre(&p, GRE_K, protos[i], 3, 0);
		if (i == 0)
			put_inner(&p);
		else
			put_bytes(&p, ip.b, ip.len);
		end_ipv4(&p, at);
		assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
		assert_int_equal(d.encap, i == 0 ? CAP_ENCAP_GRE_TEB :
		    CAP_ENCAP_GRE_IP);
		assert_true(d.has_key);
		assert_int_equal(d.gre_key, 3);
		assert_inner_at(&d, ETH_LEN + IPV4_LEN + 8,
		    i == 0 ? INNER_LEN : ip.len,
		    i == 0 ? PKT_LINK_ETHERNET : PKT_LINK_IP);
	}
}

/* Every combination of C, K and S moves the payload by 4 bytes each. */
static void
gre_flag_combinations(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at, hlen;
	unsigned f;
	uint16_t flags;

	(void)state;
	for (f = 0; f < 8; f++) {
		flags = (uint16_t)((f & 1 ? GRE_C : 0) | (f & 2 ? GRE_K : 0) |
		    (f & 4 ? GRE_S : 0) | 0x0F00);	/* s, Recur: ignored */
		at = start_ipv4(&p);
		put_gre(&p, flags, 0x6558, 0xCAFEF00D, 0x12345678);
		put_inner(&p);
		end_ipv4(&p, at);
		hlen = 4 + 4 * (size_t)__builtin_popcount(f);
		assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
		assert_int_equal(d.gre_flags, flags);
		assert_int_equal(d.has_key, (f & 2) != 0);
		assert_int_equal(d.has_seq, (f & 4) != 0);
		assert_int_equal(d.gre_key, f & 2 ? 0xCAFEF00D : 0);
		assert_int_equal(d.gre_seq, f & 4 ? 0x12345678 : 0);
		assert_inner_at(&d, ETH_LEN + IPV4_LEN + hlen, INNER_LEN,
		    PKT_LINK_ETHERNET);
		exact_release_last();
	}
}

/* RFC 1701 routing: the source route entries are skipped. */
static void
gre_routing_skipped(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;

	(void)state;
	at = start_ipv4(&p);
	put_gre(&p, GRE_R | GRE_K, 0x6558, 9, 0);
	put16(&p, 0x0800);		/* SRE: IPv4 addresses */
	put8(&p, 0);
	put8(&p, 8);
	put_fill(&p, 0x0A, 8);
	put32(&p, 0);			/* the NUL entry */
	put_inner(&p);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.gre_key, 9);
	assert_inner_at(&d, ETH_LEN + IPV4_LEN + 12 + 12 + 4, INNER_LEN,
	    PKT_LINK_ETHERNET);
	/* without the NUL entry the routing runs into the end */
	at = start_ipv4(&p);
	put_gre(&p, GRE_R, 0x6558, 0, 0);
	put16(&p, 0x0800);
	put8(&p, 0);
	put8(&p, 200);
	put_fill(&p, 0x0A, 20);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_LENGTH);
	assert_int_equal(decap_n(&p, p.len - 1, PKT_LINK_ETHERNET, &d),
	    CAP_DECAP_TRUNCATED);
}

/* ---- errors ------------------------------------------------------------ */

static void
gre_versions(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;
	uint16_t v;

	(void)state;
	for (v = 0; v < 8; v++) {
		at = start_ipv4(&p);
		put_gre(&p, (uint16_t)(GRE_K | GRE_S | v), 0x880B, 0x00100001,
		    7);
		put_inner(&p);
		end_ipv4(&p, at);
		assert_int_equal(decap(&p, &d), v == 0 ?
		    CAP_DECAP_UNKNOWN_PROTO : v == 1 ? CAP_DECAP_PPTP :
		    CAP_DECAP_BAD_VERSION);
		assert_int_equal(d.n_gre, 1);
		assert_int_equal(d.gre_flags, GRE_K | GRE_S | v);
		assert_int_equal(d.gre_proto, 0x880B);
		assert_null(d.inner);
		exact_release_last();
	}
}

/* Cisco MetaData (0x8909): EtherType, version, length, options, SGT. */
static void
gre_cisco_metadata(void **state)
{
	static const uint8_t cmd_ip[8] = { 0x08, 0x00, 0x01, 0x01, 0x00, 0x01,
	    0x00, 0x00 };
	static const uint8_t cmd_arp[8] = { 0x08, 0x06, 0x01, 0x01, 0x00, 0x01,
	    0x00, 0x00 };
	struct pkt p, ip = { .len = 0 };
	struct cap_decap d;
	size_t at;

	(void)state;
	build_ipv4_udp(&ip, 10);
	at = start_ipv4(&p);
	put_gre(&p, GRE_K, 0x8909, 40, 0);
	put_bytes(&p, cmd_ip, sizeof(cmd_ip));
	put_bytes(&p, ip.b, ip.len);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.encap, CAP_ENCAP_GRE_IP);
	assert_int_equal(d.gre_proto, 0x8909);
	assert_inner_at(&d, ETH_LEN + IPV4_LEN + 8 + 8, ip.len, PKT_LINK_IP);
	assert_ptr_equal(d.payload, d.inner);
	exact_release_last();

	at = start_ipv4(&p);
	put_gre(&p, GRE_K, 0x8909, 40, 0);
	put_bytes(&p, cmd_arp, sizeof(cmd_arp));
	put_bytes(&p, ip.b, ip.len);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_UNKNOWN_PROTO);
	assert_null(d.inner);
	exact_release_last();

	at = start_ipv4(&p);			/* the header cut short */
	put_gre(&p, GRE_K, 0x8909, 40, 0);
	put_bytes(&p, cmd_ip, 5);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_LENGTH);
}

/* WCCP redirect (0x883E): v1 carries IP at once, v2 after 4 bytes. */
static void
gre_wccp_redirect(void **state)
{
	static const uint8_t wccp2[4] = { 0x05, 0x59, 0x00, 0x48 };
	struct pkt p, ip = { .len = 0 };
	struct cap_decap d;
	size_t at;
	int v2;

	(void)state;
	build_ipv4_udp(&ip, 10);
	for (v2 = 0; v2 <= 1; v2++) {
		at = start_ipv4(&p);
		put_gre(&p, 0, 0x883E, 0, 0);
		if (v2)
			put_bytes(&p, wccp2, sizeof(wccp2));
		put_bytes(&p, ip.b, ip.len);
		end_ipv4(&p, at);
		assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
		assert_int_equal(d.encap, CAP_ENCAP_GRE_IP);
		assert_inner_at(&d, ETH_LEN + IPV4_LEN + 4 + (v2 ? 4 : 0),
		    ip.len, PKT_LINK_IP);
		exact_release_last();
	}
}

static void
unknown_protocols(void **state)
{
	static const uint16_t protos[] = { 0x0000, 0x2000, 0x00FE, 0xFFFF };
	struct pkt p;
	struct cap_decap d;
	size_t at, i;

	(void)state;
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		at = start_ipv4(&p);
		put_gre(&p, GRE_K, protos[i], 40, 0);
		end_ipv4(&p, at);	/* a keepalive: nothing after */
		assert_int_equal(decap(&p, &d), CAP_DECAP_UNKNOWN_PROTO);
		assert_int_equal(d.gre_proto, protos[i]);
		assert_int_equal(d.encap, CAP_ENCAP_NONE);
		exact_release_last();
	}
}

static void
not_gre(void **state)
{
	struct pkt p = { .len = 0 };
	struct cap_decap d;

	(void)state;
	build_eth_ipv4_tcp(&p, TCP_SYN, 10);
	assert_int_equal(decap(&p, &d), CAP_DECAP_NOT_GRE);
	assert_int_equal(d.outer_src.family, NETADDR_IPV4);
	p.len = 0;
	put_eth(&p, ETH_ARP);
	put_fill(&p, 0, 28);
	assert_int_equal(decap(&p, &d), CAP_DECAP_NOT_GRE);
	/* a version nibble that is not 4 */
	start_ipv4(&p);
	p.b[ETH_LEN] = 0x55;
	assert_int_equal(decap(&p, &d), CAP_DECAP_NOT_GRE);
	assert_int_equal(decap_n(&p, 3, (enum pkt_link)99, &d),
	    CAP_DECAP_NOT_GRE);
}

static void
outer_fragments(void **state)
{
	static const uint16_t frags[] = { IPV4_MF, 1, IPV4_MF | 100 };
	struct ip4 h = { .proto = IPPROTO_GRE_, .ttl = 64 };
	struct pkt p;
	struct cap_decap d;
	size_t at, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		p.len = 0;
		put_eth(&p, ETH_IPV4);
		h.frag = frags[i];
		at = put_ipv4(&p, &h);
		put_gre(&p, 0, 0x6558, 0, 0);
		put_inner(&p);
		end_ipv4(&p, at);
		assert_int_equal(decap(&p, &d), CAP_DECAP_FRAGMENT);
		assert_int_equal(d.outer_src.family, NETADDR_IPV4);
		assert_int_equal(d.n_gre, 0);
		exact_release_last();
	}
	/* DF alone is a whole packet */
	p.len = 0;
	put_eth(&p, ETH_IPV4);
	h.frag = IPV4_DF;
	at = put_ipv4(&p, &h);
	put_gre(&p, 0, 0x6558, 0, 0);
	put_inner(&p);
	end_ipv4(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
}

/* ---- lengths: capture truncation vs declared truncation ----------------- */

static void
ip_length_clips_inner(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;

	(void)state;
	at = start_ipv4(&p);
	put_gre(&p, 0, 0x6558, 0, 0);
	put_inner(&p);
	end_ipv4(&p, at);
	put_fill(&p, 0, 18);		/* Ethernet padding/trailer */
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.inner_len, INNER_LEN);
	/* the IP length declaring 10 bytes of the inner frame */
	set16(&p, at + 2, IPV4_LEN + 4 + 10);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.inner_len, 10);
	/* ... and none: nothing after the GRE header */
	set16(&p, at + 2, IPV4_LEN + 4);
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_LENGTH);
	/* ... cutting the GRE header */
	set16(&p, at + 2, IPV4_LEN + 2);
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_LENGTH);
	/* ... shorter than the IP header itself */
	set16(&p, at + 2, IPV4_LEN - 1);
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_LENGTH);
	/* header length below 20 */
	set16(&p, at + 2, IPV4_LEN + 4 + INNER_LEN);
	p.b[at] = 0x44;
	assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_LENGTH);
}

/* An IP length beyond the capture: OK with the bytes that are there. */
static void
capture_cut_inner_is_ok(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at, off, n;

	(void)state;
	at = start_ipv4(&p);
	put_gre(&p, GRE_S, 0x88BE, 0, 1);
	put_erspan2(&p, 0, 0, 0, 0, 1, 7);
	put_inner(&p);
	end_ipv4(&p, at);
	off = ETH_LEN + IPV4_LEN + 16;
	for (n = 0; n <= p.len; n++) {
		int r = decap_n(&p, n, PKT_LINK_ETHERNET, &d);

		if (n <= off) {
			assert_int_equal(r, CAP_DECAP_TRUNCATED);
		} else {
			assert_int_equal(r, CAP_DECAP_OK);
			assert_inner_at(&d, off, n - off, PKT_LINK_ETHERNET);
			assert_int_equal(d.session, 1);
		}
		exact_release_last();
	}
	/* total length 0 (TSO): up to the end of the buffer */
	set16(&p, at + 2, 0);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.inner_len, INNER_LEN);
}

/* ---- link layers and outer IPv6 ---------------------------------------- */

static void
link_layers(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at;
	int i;

	(void)state;
	for (i = 0; i < 9; i++) {
		enum pkt_link link = PKT_LINK_ETHERNET;

		p.len = 0;
		switch (i) {
		case 0:
			put_eth(&p, ETH_8021Q);
			put_tag(&p, 10, ETH_8021AD);
			put_tag(&p, 20, ETH_IPV4);
			break;
		case 1:
			link = PKT_LINK_LINUX_SLL;
			put_sll(&p, ETH_IPV4);
			break;
		case 2:
			link = PKT_LINK_LINUX_SLL2;
			put_sll2(&p, ETH_IPV4);
			break;
		case 3:
			link = PKT_LINK_NULL;
			put_null(&p, 2);
			break;
		case 4:
			link = PKT_LINK_NULL;
			put_loop(&p, 2);	/* the other byte order */
			break;
		case 5:
			link = PKT_LINK_LOOP;
			put_loop(&p, 2);
			break;
		case 6:
			link = PKT_LINK_IPV4;
			break;
		case 7:
			link = PKT_LINK_IP;
			break;
		default:
			link = PKT_LINK_IPV6;	/* an IPv4 packet: not GRE */
			break;
		}
		at = put_ipv4_simple(&p, IPPROTO_GRE_);
		put_gre(&p, 0, 0x6558, 0, 0);
		put_inner(&p);
		end_ipv4(&p, at);
		if (i == 8) {
			assert_int_equal(decap_n(&p, p.len, link, &d),
			    CAP_DECAP_NOT_GRE);
			exact_release_last();
			continue;
		}
		assert_int_equal(decap_n(&p, p.len, link, &d), CAP_DECAP_OK);
		assert_inner_at(&d, at + IPV4_LEN + 4, INNER_LEN,
		    PKT_LINK_ETHERNET);
		exact_release_last();
		assert_int_equal(decap_n(&p, at, link, &d),
		    CAP_DECAP_TRUNCATED);
		exact_release_last();
	}
	p.len = 0;
	assert_int_equal(decap_n(&p, 0, PKT_LINK_IP, &d), CAP_DECAP_TRUNCATED);
}

static void
outer_ipv6_extension_headers(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t at, off;
	int v;

	(void)state;
	for (v = 0; v < 4; v++) {
		p.len = 0;
		put_eth(&p, ETH_IPV6);
		at = put_ipv6_simple(&p, v == 0 ? IPPROTO_GRE_ :
		    IPPROTO_HOPOPTS_);
		off = at + IPV6_LEN;
		if (v >= 1) {
			put_ip6_opts(&p, IPPROTO_ROUTING_, 8);
			put_ip6_routing(&p, IPPROTO_FRAGMENT_, 24);
			put_ip6_frag(&p, IPPROTO_AH_, v == 2 ? 10 : 0, v == 3);
			put_ip6_ah(&p, IPPROTO_DSTOPTS_, 4);
			put_ip6_opts(&p, IPPROTO_GRE_, 16);
			off += 8 + 24 + 8 + 24 + 16;
		}
		put_gre(&p, GRE_S, 0x22EB, 0, 5);
		put_erspan3(&p, 7, 1, 2, 0);
		put_inner(&p);
		end_ipv6(&p, at);
		if (v >= 2) {
			/*
			 * A later fragment names only the header after the
			 * fragment header (AH here): it cannot be known for GRE.
			 */
			assert_int_equal(decap(&p, &d), v == 2 ?
			    CAP_DECAP_NOT_GRE : CAP_DECAP_FRAGMENT);
			exact_release_last();
			continue;
		}
		assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
		assert_int_equal(d.outer_src.family, NETADDR_IPV6);
		assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_III);
		assert_inner_at(&d, off + 8 + 12, INNER_LEN, PKT_LINK_IP);
		/* a payload length that ends inside the extension headers */
		if (v == 1) {
			set16(&p, at + 4, 20);
			assert_int_equal(decap(&p, &d), CAP_DECAP_BAD_LENGTH);
		}
		exact_release_last();
	}
	/* a later fragment of GRE */
	p.len = 0;
	put_eth(&p, ETH_IPV6);
	at = put_ipv6_simple(&p, IPPROTO_FRAGMENT_);
	put_ip6_frag(&p, IPPROTO_GRE_, 100, 0);
	put_fill(&p, 0, 32);
	end_ipv6(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_FRAGMENT);
	exact_release_last();
	/* ESP or no next header: not GRE */
	p.len = 0;
	put_eth(&p, ETH_IPV6);
	at = put_ipv6_simple(&p, IPPROTO_NONE_);
	end_ipv6(&p, at);
	assert_int_equal(decap(&p, &d), CAP_DECAP_NOT_GRE);
}

/* ---- GRE in GRE -------------------------------------------------------- */

/* depth GRE-IP layers, then ERSPAN I; returns the inner frame's offset. */
static size_t
build_nested(struct pkt *p, int depth, int frag_inner)
{
	size_t at[8], off;
	struct ip4 h = { .proto = IPPROTO_GRE_, .ttl = 64 };
	int i;

	at[0] = start_ipv4(p);
	for (i = 1; i <= depth; i++) {
		put_gre(p, i == 1 ? GRE_K : 0, 0x0800, 1, 0);
		h.frag = frag_inner && i == depth ? IPV4_MF : 0;
		at[i] = put_ipv4(p, &h);
	}
	put_gre(p, GRE_S, 0x88BE, 0, 0);
	put_erspan2(p, 0, 0, 0, 0, 99, 0);
	off = p->len;
	put_inner(p);
	for (i = depth; i >= 0; i--)
		end_ipv4(p, at[i]);
	return off;
}

static void
gre_in_gre(void **state)
{
	struct pkt p;
	struct cap_decap d;
	size_t off;
	int depth;

	(void)state;
	for (depth = 0; depth < CAP_MAX_NESTING; depth++) {
		off = build_nested(&p, depth, 0);
		assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
		assert_int_equal(d.n_gre, depth + 1);
		assert_int_equal(d.gre_proto, depth ? 0x0800 : 0x88BE);
		assert_int_equal(d.has_key, depth > 0);
		assert_int_equal(d.has_seq, depth == 0);
		assert_int_equal(d.encap, CAP_ENCAP_ERSPAN_II);
		assert_int_equal(d.session, 99);
		assert_inner_at(&d, off, INNER_LEN, PKT_LINK_ETHERNET);
		/* the outer addresses are the first layer's */
		assert_int_equal(d.outer_src.bytes[0], 192);
		exact_release_last();
	}
	build_nested(&p, CAP_MAX_NESTING, 0);
	assert_int_equal(decap(&p, &d), CAP_DECAP_NESTED_TOO_DEEP);
	assert_int_equal(d.n_gre, CAP_MAX_NESTING);
	/* a keepalive inside GRE */
	start_ipv4(&p);
	put_gre(&p, GRE_K, 0x0800, 40, 0);
	off = put_ipv4_simple(&p, IPPROTO_GRE_);
	put_gre(&p, 0, 0x0000, 0, 0);
	end_ipv4(&p, off);
	end_ipv4(&p, ETH_LEN);
	assert_int_equal(decap(&p, &d), CAP_DECAP_UNKNOWN_PROTO);
	assert_int_equal(d.n_gre, 2);
	assert_int_equal(d.gre_proto, 0x0800);
	assert_int_equal(d.encap, CAP_ENCAP_NONE);
}

/* An inner fragment is the carried packet, not walked. */
static void
gre_in_gre_fragment_is_inner(void **state)
{
	struct pkt p;
	struct cap_decap d;

	(void)state;
	build_nested(&p, 1, 1);
	assert_int_equal(decap(&p, &d), CAP_DECAP_OK);
	assert_int_equal(d.n_gre, 1);
	assert_int_equal(d.encap, CAP_ENCAP_GRE_IP);
	assert_inner_at(&d, ETH_LEN + IPV4_LEN + 8, p.len - ETH_LEN -
	    IPV4_LEN - 8, PKT_LINK_IP);
	/* the inner IP header cut: cannot tell, truncated */
	assert_int_equal(decap_n(&p, ETH_LEN + IPV4_LEN + 8 + 19,
	    PKT_LINK_ETHERNET, &d), CAP_DECAP_TRUNCATED);
}

static void
result_and_encap_names(void **state)
{
	int r;

	(void)state;
	assert_string_equal(cap_decap_result_str(CAP_DECAP_OK), "ok");
	assert_string_equal(cap_decap_result_str(CAP_DECAP_TRUNCATED),
	    "truncated");
	for (r = 0; r < CAP_DECAP_RESULTS; r++)
		assert_string_not_equal(cap_decap_result_str(r), "unknown");
	assert_string_equal(cap_decap_result_str(-1), "unknown");
	assert_string_equal(cap_decap_result_str(CAP_DECAP_RESULTS),
	    "unknown");
	assert_string_equal(cap_encap_name(CAP_ENCAP_ERSPAN_I), "erspan-i");
	assert_string_equal(cap_encap_name(CAP_ENCAP_ERSPAN_II), "erspan-ii");
	assert_string_equal(cap_encap_name(CAP_ENCAP_ERSPAN_III),
	    "erspan-iii");
	assert_string_equal(cap_encap_name(CAP_ENCAP_GRE_TEB), "gre-teb");
	assert_string_equal(cap_encap_name(CAP_ENCAP_GRE_IP), "gre-ip");
	assert_string_equal(cap_encap_name(CAP_ENCAP_NONE), "none");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(erspan_i, teardown),
	cmocka_unit_test_teardown(erspan_ii_fields, teardown),
	cmocka_unit_test_teardown(erspan_ii_bad_version, teardown),
	cmocka_unit_test_teardown(erspan_iii_fields_and_subheader, teardown),
	cmocka_unit_test_teardown(erspan_iii_frame_types, teardown),
	cmocka_unit_test_teardown(erspan_iii_bad_version, teardown),
	cmocka_unit_test_teardown(gre_teb_and_ip, teardown),
	cmocka_unit_test_teardown(gre_cisco_metadata, teardown),
	cmocka_unit_test_teardown(gre_wccp_redirect, teardown),
	cmocka_unit_test_teardown(gre_flag_combinations, teardown),
	cmocka_unit_test_teardown(gre_routing_skipped, teardown),
	cmocka_unit_test_teardown(gre_versions, teardown),
	cmocka_unit_test_teardown(unknown_protocols, teardown),
	cmocka_unit_test_teardown(not_gre, teardown),
	cmocka_unit_test_teardown(outer_fragments, teardown),
	cmocka_unit_test_teardown(ip_length_clips_inner, teardown),
	cmocka_unit_test_teardown(capture_cut_inner_is_ok, teardown),
	cmocka_unit_test_teardown(link_layers, teardown),
	cmocka_unit_test_teardown(outer_ipv6_extension_headers, teardown),
	cmocka_unit_test_teardown(gre_in_gre, teardown),
	cmocka_unit_test_teardown(gre_in_gre_fragment_is_inner, teardown),
	cmocka_unit_test_teardown(result_and_encap_names, teardown),
};

FS_TEST_MAIN(tests)
