/*
 * test_cap_sessions.c - the L7 session table end to end: Ethernet frames
 * built here go in, session folders (session.pcap read back record by
 * record, session.json through jansson), callbacks and counters come
 * out.  Keys are real Hyperscan sets (cap_keyset_build).
 */
#include "fs_test.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cap_keys.h"
#include "cap_sessions.h"
#include "cap_sessions_impl.h"	/* sizeof(struct cap_sess) for the figure */
#include "pkt_build.h"

#define MAX_EV		64
#define KEY1		"jellyfisH"
#define T0		1700000000

struct got_hit {
	char		capture_id[80];
	char		src[NETADDR_STRLEN], dst[NETADDR_STRLEN];
	uint16_t	sport, dport;
	uint8_t		proto;
	uint32_t	key_id;
	char		key_text[300];
	uint64_t	offset;
	struct timespec	ts;
	char		path[4096];
};

struct got_done {
	char		capture_id[80];
	char		path[4096];
	uint64_t	frames;
	uint32_t	keys_hit;
	int		ok;
	char		error[256];
};

struct fx {
	char				 dir[256];
	struct cap_sessions_config	 cfg;
	struct cap_keyset		*keys;
	struct cap_sessions		*t;
	struct got_hit			 hits[MAX_EV];
	int				 nhits;
	struct got_done			 dones[MAX_EV];
	int				 ndones;
	int64_t				 now;
	struct timespec			 ts;
};

/* One TCP conversation: the next sequence number of each side. */
struct flow {
	const char	*c, *s;		/* client, server */
	uint16_t	 cport, sport;
	uint32_t	 seq[2];	/* [0] client, [1] server */
	int		 v6;
};

/* ---- callbacks ---------------------------------------------------------- */

static void
on_hit(void *arg, const struct cap_session_hit *h)
{
	struct fx	*x = arg;
	struct got_hit	*g;

	if (x->nhits >= MAX_EV) {		/* counted only */
		x->nhits++;
		return;
	}
	g = &x->hits[x->nhits++];
	snprintf(g->capture_id, sizeof(g->capture_id), "%s", h->capture_id);
	netaddr_format(&h->src, g->src, sizeof(g->src));
	netaddr_format(&h->dst, g->dst, sizeof(g->dst));
	g->sport = h->sport;
	g->dport = h->dport;
	g->proto = h->proto;
	g->key_id = h->key->id;
	snprintf(g->key_text, sizeof(g->key_text), "%s", h->key->text);
	g->offset = h->offset;
	g->ts = h->ts;
	snprintf(g->path, sizeof(g->path), "%s", h->path);
}

static void
on_done(void *arg, const struct cap_session_done *d)
{
	struct fx	*x = arg;
	struct got_done	*g;

	assert_true(x->ndones < MAX_EV);
	g = &x->dones[x->ndones++];
	snprintf(g->capture_id, sizeof(g->capture_id), "%s", d->capture_id);
	snprintf(g->path, sizeof(g->path), "%s", d->path);
	g->frames = d->frames;
	g->keys_hit = d->keys_hit;
	g->ok = d->ok;
	snprintf(g->error, sizeof(g->error), "%s",
	    d->error != NULL ? d->error : "");
}

/* ---- set-up ------------------------------------------------------------- */

static struct cap_keyset *
keys_of(const char *const *texts, size_t n)
{
	struct cap_key_spec	*specs = calloc(n, sizeof(*specs));
	struct cap_keyset	*set;
	char			 err[512];
	size_t			 i;

	assert_non_null(specs);
	for (i = 0; i < n; i++) {
		specs[i].text = texts[i];
		specs[i].id = (uint32_t)(i + 1);
		specs[i].line = (uint32_t)(i + 1);
	}
	set = cap_keyset_build(specs, n, err, sizeof(err));
	if (set == NULL)
		fail_msg("keyset: %s", err);
	free(specs);
	return set;
}

static int
setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_cap_sessions.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	x->cfg.dir = x->dir;
	x->cfg.history_bytes = 1024 * 1024;
	x->cfg.keep_pure_acks = 1;
	x->cfg.timeout_ms = 30000;
	x->now = 1000;
	x->ts.tv_sec = T0;
	*state = x;
	return 0;
}

static void
rm_rf(const char *path)
{
	DIR		*d;
	struct dirent	*e;
	char		 sub[4096];
	struct stat	 sb;

	if (lstat(path, &sb) == -1)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static int
teardown(void **state)
{
	struct fx *x = *state;

	cap_sessions_free(x->t);
	cap_keyset_unref(x->keys);
	rm_rf(x->dir);
	free(x);
	return 0;
}

/* The table on x->cfg with the keys given (x keeps its reference). */
static void
start(struct fx *x, const char *const *texts, size_t n)
{
	struct cap_sessions_callbacks	cb = { on_hit, on_done, x };
	char				err[256];

	if (n > 0)
		x->keys = keys_of(texts, n);
	x->t = cap_sessions_new(&x->cfg, x->keys, &cb, err, sizeof(err));
	if (x->t == NULL)
		fail_msg("cap_sessions_new: %s", err);
}

static void
start1(struct fx *x)
{
	static const char *const k[] = { KEY1 };

	start(x, k, 1);
}

static struct cap_sessions_stats
stats(const struct fx *x)
{
	struct cap_sessions_stats st;

	cap_sessions_stats(x->t, &st);
	return st;
}

/* ---- frames ------------------------------------------------------------- */

static void
put_tcp_seq(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t seq,
    uint16_t flags)
{
	put16(p, sport);
	put16(p, dport);
	put32(p, seq);
	put32(p, 0x10000);		/* acknowledgement */
	put8(p, 5 << 4);
	put8(p, (uint8_t)flags);
	put16(p, 65535);
	put16(p, 0);
	put16(p, 0);
}

/* A TCP frame of f; from_server picks the direction. */
static void
tcp_frame(struct pkt *p, const struct flow *f, int from_server, uint32_t seq,
    uint16_t flags, const void *data, size_t len)
{
	const char	*src = from_server ? f->s : f->c;
	const char	*dst = from_server ? f->c : f->s;
	size_t		 ip;

	p->len = 0;
	if (f->v6) {
		put_eth(p, ETH_IPV6);
		ip = put_ipv6(p, &(struct ip6){ .next = IPPROTO_TCP_,
		    .hlim = 64, .src = src, .dst = dst });
	} else {
		put_eth(p, ETH_IPV4);
		ip = put_ipv4(p, &(struct ip4){ .proto = IPPROTO_TCP_,
		    .ttl = 64, .src = src, .dst = dst });
	}
	put_tcp_seq(p, from_server ? f->sport : f->cport,
	    from_server ? f->cport : f->sport, seq, flags);
	if (len > 0)
		put_bytes(p, data, len);
	if (f->v6)
		end_ipv6(p, ip);
	else
		end_ipv4(p, ip);
}

static void
feed(struct fx *x, const struct pkt *p)
{
	x->now += 1;
	x->ts.tv_nsec += 1000;
	if (x->ts.tv_nsec >= 1000000000) {
		x->ts.tv_sec++;
		x->ts.tv_nsec -= 1000000000;
	}
	cap_sessions_frame(x->t, "cap1", &x->ts, p->b, (uint32_t)p->len,
	    (uint32_t)p->len, x->now);
}

/* A segment at the side's next sequence number, which then advances. */
static void
send_tcp(struct fx *x, struct flow *f, int from_server, uint16_t flags,
    const void *data, size_t len)
{
	struct pkt	p;

	tcp_frame(&p, f, from_server, f->seq[from_server], flags, data, len);
	feed(x, &p);
	f->seq[from_server] += (uint32_t)len +
	    ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
}

/* A segment at an explicit offset of the side's stream (seq not moved). */
static void
send_at(struct fx *x, const struct flow *f, int from_server, uint32_t off,
    const void *data, size_t len)
{
	struct pkt p;

	tcp_frame(&p, f, from_server, f->seq[from_server] + off,
	    TCP_ACK | TCP_PSH, data, len);
	feed(x, &p);
}

static void
send_str(struct fx *x, struct flow *f, int from_server, const char *s)
{
	send_tcp(x, f, from_server, TCP_ACK | TCP_PSH, s, strlen(s));
}

static struct flow
flow4(uint16_t cport)
{
	return (struct flow){ .c = "192.0.2.1", .s = "198.51.100.2",
	    .cport = cport, .sport = 80, .seq = { 1000, 50000 } };
}

static void
handshake(struct fx *x, struct flow *f)
{
	send_tcp(x, f, 0, TCP_SYN, NULL, 0);
	send_tcp(x, f, 1, TCP_SYN | TCP_ACK, NULL, 0);
	send_tcp(x, f, 0, TCP_ACK, NULL, 0);
}

/* FIN both ways: 3 frames reach the table (the last ACK finds none). */
static void
fin_close(struct fx *x, struct flow *f)
{
	send_tcp(x, f, 0, TCP_FIN | TCP_ACK, NULL, 0);
	send_tcp(x, f, 1, TCP_ACK, NULL, 0);
	send_tcp(x, f, 1, TCP_FIN | TCP_ACK, NULL, 0);
	send_tcp(x, f, 0, TCP_ACK, NULL, 0);
}

/* A UDP datagram 192.0.2.1:5353 -> 198.51.100.2:53 (or back). */
static void
udp_frame(struct pkt *p, int back, const char *data)
{
	size_t ip, udp;

	p->len = 0;
	put_eth(p, ETH_IPV4);
	ip = put_ipv4(p, &(struct ip4){ .proto = IPPROTO_UDP_, .ttl = 64,
	    .src = back ? "198.51.100.2" : "192.0.2.1",
	    .dst = back ? "192.0.2.1" : "198.51.100.2" });
	udp = put_udp(p, back ? 53 : 5353, back ? 5353 : 53);
	put_bytes(p, data, strlen(data));
	end_udp(p, udp);
	end_ipv4(p, ip);
}

/* ---- reading the files -------------------------------------------------- */

struct pframe {
	uint32_t	len;
	uint8_t		b[2048];
};

/* The records of a pcap (at most max), each frame's bytes copied. */
static int
pcap_read(const char *folder, struct pframe *out, int max)
{
	char		path[4200];
	FILE		*fp;
	uint32_t	hdr[6], rec[4];
	int		n = 0;

	snprintf(path, sizeof(path), "%s/session.pcap", folder);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fread(hdr, 4, 6, fp), 6);
	assert_true(hdr[0] == 0xA1B2C3D4u || hdr[0] == 0xA1B23C4Du);
	assert_int_equal(hdr[5], 1);		/* DLT_EN10MB */
	while (fread(rec, 4, 4, fp) == 4) {
		assert_true(rec[2] <= 2048);
		if (n < max) {
			out[n].len = rec[2];
			assert_int_equal(fread(out[n].b, 1, rec[2], fp),
			    rec[2]);
		} else
			assert_int_equal(fseek(fp, rec[2], SEEK_CUR), 0);
		n++;
	}
	fclose(fp);
	return n;
}

static int
pcap_frames(const char *folder)
{
	return pcap_read(folder, NULL, 0);
}

static json_t *
json_of(const char *folder)
{
	char		path[4200];
	json_error_t	e;
	json_t		*j;

	snprintf(path, sizeof(path), "%s/session.json", folder);
	if ((j = json_load_file(path, 0, &e)) == NULL)
		fail_msg("%s: %s", path, e.text);
	return j;
}

static const char *
jstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_string(v))
		fail_msg("member %s is not a string", k);
	return json_string_value(v);
}

static long long
jint(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("member %s is not an integer", k);
	return json_integer_value(v);
}

/* A per-direction member's value. */
static long long
jdir(const json_t *o, const char *k, int dir)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_object(v))
		fail_msg("member %s is not an object", k);
	return jint(v, dir == 0 ? "client_to_server" : "server_to_client");
}

static int
jtrue(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_boolean(v))
		fail_msg("member %s is not a boolean", k);
	return json_is_true(v);
}

/* The IPv4 source address of an Ethernet/IPv4 frame. */
static void
frame_src(const struct pframe *f, char *buf, size_t len)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	a.family = NETADDR_IPV4;
	memcpy(a.bytes, f->b + ETH_LEN + 12, 4);
	netaddr_format(&a, buf, len);
}

/* ---- tests -------------------------------------------------------------- */

/* A key in the first payload: every callback field, the whole session in
 * the pcap, session.json's members. */
static void
key_in_first_payload(void **state)
{
	struct fx			*x = *state;
	struct flow			 f = flow4(40000);
	struct cap_sessions_stats	 st;
	json_t				*j, *k;
	char				 body[100];
	struct stat			 sb;
	char				 path[4200];

	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, "GET /" KEY1 " HTTP/1.1\r\n\r\n");
	assert_int_equal(x->nhits, 1);
	assert_string_equal(x->hits[0].capture_id, "cap1");
	assert_string_equal(x->hits[0].src, "192.0.2.1");
	assert_string_equal(x->hits[0].dst, "198.51.100.2");
	assert_int_equal(x->hits[0].sport, 40000);
	assert_int_equal(x->hits[0].dport, 80);
	assert_int_equal(x->hits[0].proto, 6);
	assert_int_equal(x->hits[0].key_id, 1);
	assert_string_equal(x->hits[0].key_text, KEY1);
	assert_int_equal(x->hits[0].offset, 14);
	assert_int_equal(x->hits[0].ts.tv_sec, x->ts.tv_sec);
	assert_int_equal(x->hits[0].ts.tv_nsec, x->ts.tv_nsec);
	assert_true(strstr(x->hits[0].path, x->dir) == x->hits[0].path);
	memset(body, 'b', sizeof(body));
	send_tcp(x, &f, 1, TCP_ACK | TCP_PSH, body, sizeof(body));
	st = stats(x);
	assert_int_equal(st.open_now, 1);
	assert_int_equal(st.sessions_now, 1);
	assert_int_equal(x->ndones, 0);
	fin_close(x, &f);

	st = stats(x);
	assert_int_equal(st.sessions_now, 0);
	assert_int_equal(st.open_now, 0);
	assert_int_equal(st.sessions_total, 1);
	assert_int_equal(st.sessions_ended, 1);
	assert_int_equal(st.sessions_hit, 1);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.files_written, 1);
	assert_int_equal(st.file_errors, 0);
	assert_int_equal(st.frames, 9);
	assert_int_equal(st.not_inspected, 0);	/* the last ACK ends it */
	assert_int_equal(st.bytes_scanned, 27 + 100);
	assert_int_equal(x->ndones, 1);
	assert_true(x->dones[0].ok);
	assert_string_equal(x->dones[0].path, x->hits[0].path);
	assert_string_equal(x->dones[0].capture_id, "cap1");
	assert_int_equal(x->dones[0].frames, 9);
	assert_int_equal(x->dones[0].keys_hit, 1);
	assert_int_equal(pcap_frames(x->dones[0].path), 9);
	snprintf(path, sizeof(path), "%s/session.L7", x->dones[0].path);
	assert_int_equal(stat(path, &sb), 0);

	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "capture_id"), "cap1");
	assert_string_equal(jstr(j, "proto"), "tcp");
	assert_string_equal(jstr(j, "client"), "192.0.2.1");
	assert_int_equal(jint(j, "client_port"), 40000);
	assert_string_equal(jstr(j, "server"), "198.51.100.2");
	assert_int_equal(jint(j, "server_port"), 80);
	assert_string_equal(jstr(j, "first"), "2023-11-14T22:13:20.000001Z");
	assert_string_equal(jstr(j, "last"), "2023-11-14T22:13:20.000009Z");
	assert_true(jtrue(j, "history_complete"));
	assert_string_equal(jstr(j, "ended"), "fin");
	assert_int_equal(jint(j, "pcap_frames"), 9);
	assert_int_equal(jdir(j, "frames", 0), 5);
	assert_int_equal(jdir(j, "frames", 1), 4);
	assert_int_equal(jdir(j, "bytes", 0), 27);
	assert_int_equal(jdir(j, "bytes", 1), 100);
	assert_int_equal(jdir(j, "gaps", 0), 0);
	assert_int_equal(jdir(j, "gap_bytes", 1), 0);
	assert_int_equal(jdir(j, "duplicate", 0), 0);
	assert_int_equal(jdir(j, "overlap_diff", 0), 0);
	assert_int_equal(jdir(j, "ooo_drops", 0), 0);
	assert_int_equal(json_array_size(json_object_get(j, "keys")), 1);
	k = json_array_get(json_object_get(j, "keys"), 0);
	assert_int_equal(jint(k, "id"), 1);
	assert_string_equal(jstr(k, "name"), "");
	assert_string_equal(jstr(k, "key"), KEY1);
	assert_string_equal(jstr(k, "direction"), "client_to_server");
	assert_int_equal(jint(k, "offset"), 14);
	assert_string_equal(jstr(k, "time"), "2023-11-14T22:13:20.000004Z");
	json_decref(j);
}

/* A key in the 50th packet: the pcap still starts at the SYN. */
static void
key_in_50th_packet(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40001);
	struct pframe	*fr = calloc(64, sizeof(*fr));
	json_t		*j;
	int		 i;

	assert_non_null(fr);
	start1(x);
	handshake(x, &f);
	for (i = 0; i < 46; i++)
		send_str(x, &f, i % 2, "nothing to see here, move along ");
	assert_int_equal(x->nhits, 0);
	assert_true(stats(x).history_bytes_now > 0);
	send_str(x, &f, 1, "... " KEY1 " ...");	/* frame 50 */
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 23 * 32 + 13);
	assert_string_equal(x->hits[0].src, "198.51.100.2");
	assert_int_equal(stats(x).history_bytes_now, 0);
	fin_close(x, &f);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(pcap_read(x->dones[0].path, fr, 64), 54);
	/* The first record is the SYN. */
	assert_int_equal(fr[0].len, ETH_LEN + IPV4_LEN + TCP_LEN);
	assert_int_equal(fr[0].b[ETH_LEN + IPV4_LEN + 13], TCP_SYN);
	j = json_of(x->dones[0].path);
	assert_true(jtrue(j, "history_complete"));
	json_decref(j);
	free(fr);
}

/* A key across 2 and 3 segments matches, once, at its end. */
static void
key_split_two(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40002);

	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, "xxjelly");
	assert_int_equal(x->nhits, 0);
	send_str(x, &f, 0, "fisHyy");
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 11);
	send_str(x, &f, 0, KEY1);		/* again: reported once */
	assert_int_equal(x->nhits, 1);
	assert_int_equal(stats(x).hits, 1);
}

static void
key_split_three(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40003);

	start1(x);
	handshake(x, &f);
	send_str(x, &f, 1, "je");
	send_str(x, &f, 1, "llyf");
	assert_int_equal(x->nhits, 0);
	send_str(x, &f, 1, "isH");
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 9);
	assert_string_equal(x->hits[0].src, "198.51.100.2");
	assert_int_equal(x->hits[0].sport, 80);
}

/* Segments 3, 1, 2: held, then delivered in order; the key once. */
static void
out_of_order(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40004);

	start1(x);
	handshake(x, &f);
	send_at(x, &f, 0, 8, "isH!", 4);
	send_at(x, &f, 0, 0, "..jel", 5);
	assert_int_equal(x->nhits, 0);
	send_at(x, &f, 0, 5, "lyf", 3);
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 11);
	f.seq[0] += 12;
	send_str(x, &f, 0, "more");
	assert_int_equal(stats(x).hits, 1);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 1);
	/* Every frame is in the pcap, held ones too. */
	assert_int_equal(pcap_frames(x->dones[0].path), 7);
}

/* Retransmissions of the whole key and of parts: still once. */
static void
duplicates(void **state)
{
	struct fx			*x = *state;
	struct flow			 f = flow4(40005);
	struct cap_sessions_stats	 st;

	start1(x);
	handshake(x, &f);
	send_at(x, &f, 0, 0, "ab" KEY1, 11);
	send_at(x, &f, 0, 0, "ab" KEY1, 11);
	send_at(x, &f, 0, 2, "jelly", 5);
	f.seq[0] += 11;
	send_str(x, &f, 0, "tail");
	assert_int_equal(x->nhits, 1);
	st = stats(x);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.duplicate_bytes, 16);
	assert_int_equal(st.bytes_scanned, 15);
}

/* Overlaps: the same bytes, and different bytes over a held segment (the
 * first copy wins, so the key still matches; the difference counted). */
static void
overlaps(void **state)
{
	struct fx			*x = *state;
	struct flow			 f = flow4(40006);
	struct cap_sessions_stats	 st;

	start1(x);
	handshake(x, &f);
	send_at(x, &f, 0, 5, "fisH", 4);	/* held */
	send_at(x, &f, 0, 0, "jellyXX", 7);	/* XX over "fi" */
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 9);
	send_at(x, &f, 0, 3, "lyfisH", 6);	/* the same bytes again */
	st = stats(x);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.overlap_diff_bytes, 2);
	assert_true(st.duplicate_bytes >= 6);
}

/* A ;nocase key and a hex key. */
static void
nocase_and_hex(void **state)
{
	static const char *const k[] = { "the Blue orcinus;nocase",
	    "|54 68 61 74 73 27|" };
	struct fx	*x = *state;
	struct flow	 f = flow4(40007);

	start(x, k, 2);
	handshake(x, &f);
	send_str(x, &f, 0, "THE BLUE ORCINUS");
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].key_id, 1);
	assert_int_equal(x->hits[0].offset, 16);
	send_str(x, &f, 1, "well, Thats' it");
	assert_int_equal(x->nhits, 2);
	assert_int_equal(x->hits[1].key_id, 2);
	assert_int_equal(x->hits[1].offset, 12);
	assert_string_equal(x->hits[1].key_text, "|54 68 61 74 73 27|");
	send_str(x, &f, 0, "thats");	/* no apostrophe: no hit */
	assert_int_equal(x->nhits, 2);
}

/* One IPv4 fragment of a TCP segment: bytes [from, to) of the IP payload
 * tcp (header + data), identification id. */
static void
frag4(struct pkt *p, const struct flow *f, const uint8_t *tcp, size_t from,
    size_t to, int more, uint16_t id)
{
	size_t ip;

	p->len = 0;
	put_eth(p, ETH_IPV4);
	ip = put_ipv4(p, &(struct ip4){ .proto = IPPROTO_TCP_, .ttl = 64,
	    .src = f->c, .dst = f->s,
	    .frag = (uint16_t)((more ? IPV4_MF : 0) | from / 8) });
	set16(p, ip + 4, id);
	put_bytes(p, tcp + from, to - from);
	end_ipv4(p, ip);
}

/* The key in a segment cut in three IPv4 fragments, sent in the order
 * given: hit once, and all three frames in the pcap. */
static void
fragments_in_order(struct fx *x, const int order[3], uint16_t cport,
    int frames_only)
{
	struct flow	 f = flow4(cport);
	struct pkt	 seg, p;
	struct pframe	*fr = calloc(16, sizeof(*fr));
	const size_t	 cut[4] = { 0, 24, 48, 20 + 60 };
	uint8_t		 data[60];
	int		 i, n, nfrag = 0;

	assert_non_null(fr);
	if (frames_only)
		x->cfg.record = CAP_RECORD_FRAME;
	start1(x);
	handshake(x, &f);
	memset(data, '.', sizeof(data));
	memcpy(data + 40, KEY1, 9);
	seg.len = 0;
	put_tcp_seq(&seg, f.cport, f.sport, f.seq[0], TCP_ACK | TCP_PSH);
	put_bytes(&seg, data, sizeof(data));
	for (i = 0; i < 3; i++) {
		frag4(&p, &f, seg.b, cut[order[i]], cut[order[i] + 1],
		    order[i] < 2, 0x4242);
		feed(x, &p);
		assert_int_equal(x->nhits, i < 2 ? 0 : 1);
	}
	f.seq[0] += sizeof(data);
	assert_int_equal(x->hits[0].offset, 49);
	assert_int_equal(stats(x).defrag_reassembled, 1);
	send_str(x, &f, 0, "after");
	fin_close(x, &f);
	assert_int_equal(x->ndones, 1);
	n = pcap_read(x->dones[0].path, fr, 16);
	assert_int_equal(n, frames_only ? 3 : 3 + 3 + 1 + 4);
	for (i = 0; i < n; i++) {
		uint16_t fo = (uint16_t)(fr[i].b[ETH_LEN + 6] << 8 |
		    fr[i].b[ETH_LEN + 7]);

		if (fo & 0x3FFF)
			nfrag++;
	}
	assert_int_equal(nfrag, 3);
	free(fr);
}

static void
ipv4_fragments(void **state)
{
	static const int order[3] = { 0, 1, 2 };

	fragments_in_order(*state, order, 40008, 0);
}

static void
ipv4_fragments_first_last(void **state)
{
	static const int order[3] = { 2, 1, 0 };

	fragments_in_order(*state, order, 40009, 0);
}

/* record=frame: the frame in which the key ended is the last fragment;
 * all fragments of its datagram are recorded, nothing else. */
static void
ipv4_fragments_record_frame(void **state)
{
	static const int order[3] = { 1, 0, 2 };

	fragments_in_order(*state, order, 40034, 1);
}

/* IPv6: a segment in two fragments (Fragment header), the second first. */
static void
ipv6_fragments(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = { .c = "2001:db8::1", .s = "2001:db8::2",
	    .cport = 6000, .sport = 80, .seq = { 100, 200 }, .v6 = 1 };
	struct pkt	 seg, p;
	uint8_t		 data[40];
	size_t		 ip;
	int		 i;

	start1(x);
	handshake(x, &f);
	memset(data, '~', sizeof(data));
	memcpy(data + 30, KEY1, 9);
	seg.len = 0;
	put_tcp_seq(&seg, f.cport, f.sport, f.seq[0], TCP_ACK | TCP_PSH);
	put_bytes(&seg, data, sizeof(data));
	for (i = 1; i >= 0; i--) {
		p.len = 0;
		put_eth(&p, ETH_IPV6);
		ip = put_ipv6(&p, &(struct ip6){ .next = IPPROTO_FRAGMENT_,
		    .hlim = 64, .src = f.c, .dst = f.s });
		put_ip6_frag(&p, IPPROTO_TCP_, (uint16_t)(i * 4), i == 0);
		put_bytes(&p, seg.b + i * 32, i == 0 ? 32 : seg.len - 32);
		end_ipv6(&p, ip);
		feed(x, &p);
	}
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 39);
	assert_string_equal(x->hits[0].src, "2001:db8::1");
	cap_sessions_close_all(x->t);
	assert_int_equal(pcap_frames(x->dones[0].path), 3 + 2);
}

/* Fragments of a datagram that never completes are given up. */
static void
fragments_incomplete(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40010);
	struct pkt	 seg, p;
	uint8_t		 data[60];
	size_t		 base;

	start1(x);
	base = cap_sessions_memory(x->t);
	handshake(x, &f);
	memset(data, 'x', sizeof(data));
	seg.len = 0;
	put_tcp_seq(&seg, f.cport, f.sport, f.seq[0], TCP_ACK);
	put_bytes(&seg, data, sizeof(data));
	frag4(&p, &f, seg.b, 0, 24, 1, 7);
	feed(x, &p);
	assert_true(cap_sessions_memory(x->t) > base);
	cap_sessions_close_all(x->t);
	x->now += 31000;
	cap_sessions_tick(x->t, x->now);
	assert_int_equal(cap_sessions_memory(x->t), base);
	assert_int_equal(stats(x).defrag_dropped, 1);
}

/* IPv6: the folder's name has '_' for ':'; session.json the addresses. */
static void
ipv6_session(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = { .c = "2001:db8::1", .s = "2001:db8::2",
	    .cport = 5555, .sport = 443, .seq = { 7, 0xFFFFFFF0u }, .v6 = 1 };
	json_t		*j;

	start1(x);
	handshake(x, &f);
	send_str(x, &f, 1, "0123456789abcdef0123" KEY1);  /* wraps 2^32 */
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 29);
	assert_string_equal(x->hits[0].src, "2001:db8::2");
	assert_string_equal(x->hits[0].dst, "2001:db8::1");
	assert_non_null(strstr(x->hits[0].path, "2001_db8__1-5555"));
	fin_close(x, &f);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(pcap_frames(x->dones[0].path), 8);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "client"), "2001:db8::1");
	assert_string_equal(jstr(j, "server"), "2001:db8::2");
	assert_int_equal(jint(j, "server_port"), 443);
	json_decref(j);
}

/* A session longer than the history: the pcap misses its start. */
static void
history_too_small(void **state)
{
	struct fx			*x = *state;
	struct flow			 f = flow4(40011);
	struct pframe			*fr = calloc(64, sizeof(*fr));
	struct cap_sessions_stats	 st;
	char				 body[900];
	json_t				*j;
	int				 i, n;

	assert_non_null(fr);
	x->cfg.history_bytes = 5 * 1100;
	start1(x);
	memset(body, 'z', sizeof(body));
	handshake(x, &f);
	for (i = 0; i < 20; i++)
		send_tcp(x, &f, 0, TCP_ACK, body, sizeof(body));
	st = stats(x);
	assert_true(st.history_bytes_now <= x->cfg.history_bytes);
	assert_true(st.history_evicted > 0);
	send_str(x, &f, 0, KEY1);
	fin_close(x, &f);
	assert_int_equal(x->ndones, 1);
	n = pcap_read(x->dones[0].path, fr, 64);
	assert_true(n < 3 + 20 + 1 + 3);
	assert_true(n >= 1 + 3);
	assert_int_not_equal(fr[0].b[ETH_LEN + IPV4_LEN + 13], TCP_SYN);
	j = json_of(x->dones[0].path);
	assert_false(jtrue(j, "history_complete"));
	json_decref(j);
	free(fr);
}

/* history_bytes 0: a hit in the first frame still records a complete
 * session (UDP), a later one not. */
static void
history_zero(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40012);
	json_t		*j;

	x->cfg.history_bytes = 0;
	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(pcap_frames(x->dones[0].path), 1);
	j = json_of(x->dones[0].path);
	assert_false(jtrue(j, "history_complete"));
	assert_string_equal(jstr(j, "ended"), "shutdown");
	json_decref(j);
}

/* history_bytes 0, UDP: the hit in the first frame gives a complete
 * record. */
static void
history_zero_first_frame(void **state)
{
	struct fx	*x = *state;
	struct pkt	 p;
	json_t		*j;

	x->cfg.history_bytes = 0;
	x->cfg.inspect_udp = 1;
	start1(x);
	udp_frame(&p, 0, KEY1);
	feed(x, &p);
	udp_frame(&p, 1, "reply");
	feed(x, &p);
	cap_sessions_close_all(x->t);
	assert_int_equal(pcap_frames(x->dones[0].path), 2);
	j = json_of(x->dones[0].path);
	assert_true(jtrue(j, "history_complete"));
	json_decref(j);
}

/* A key completed by what the stream still holds when the session ends
 * (here: after a gap, at shutdown): reported, recorded, written. */
static void
hit_at_end(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40035);
	json_t		*j;

	start1(x);
	handshake(x, &f);
	send_at(x, &f, 0, 0, "abc", 3);
	send_at(x, &f, 0, 10, KEY1, 9);		/* held behind a gap */
	assert_int_equal(x->nhits, 0);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 12);
	assert_string_equal(x->hits[0].capture_id, "");
	assert_int_equal(x->hits[0].ts.tv_nsec, x->ts.tv_nsec);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(pcap_frames(x->dones[0].path), 5);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "ended"), "shutdown");
	assert_int_equal(jdir(j, "gaps", 0), 1);
	assert_int_equal(jdir(j, "gap_bytes", 0), 7);
	json_decref(j);
}

/*
 * FIN both ways ends a session with the ACK that follows (it is in the
 * pcap, as above); without that ACK the tick lets it go
 * CAP_SESSIONS_LINGER_MS after its last frame, and shutdown too: "fin".
 */
static void
fin_without_last_ack(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40036), g = flow4(40037);
	json_t		*j;

	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	send_tcp(x, &f, 0, TCP_FIN | TCP_ACK, NULL, 0);
	send_tcp(x, &f, 1, TCP_FIN | TCP_ACK, NULL, 0);
	assert_int_equal(stats(x).sessions_now, 1);	/* waits for the ACK */
	cap_sessions_tick(x->t, x->now + CAP_SESSIONS_LINGER_MS - 1);
	assert_int_equal(x->ndones, 0);
	cap_sessions_tick(x->t, x->now + CAP_SESSIONS_LINGER_MS);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(stats(x).sessions_ended, 1);
	assert_int_equal(stats(x).sessions_timed_out, 0);
	assert_int_equal(pcap_frames(x->dones[0].path), 6);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "ended"), "fin");
	json_decref(j);

	handshake(x, &g);
	send_str(x, &g, 1, KEY1);
	send_tcp(x, &g, 1, TCP_FIN | TCP_ACK, NULL, 0);
	send_tcp(x, &g, 0, TCP_FIN | TCP_ACK, NULL, 0);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 2);
	j = json_of(x->dones[1].path);
	assert_string_equal(jstr(j, "ended"), "fin");
	json_decref(j);
}

/* nanosecond: session.pcap and session.json's times in nanoseconds. */
static void
nanosecond_times(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40036);
	char		 path[4200];
	uint32_t	 magic = 0;
	FILE		*fp;
	json_t		*j;

	x->cfg.nanosecond = 1;
	x->cfg.merge_by_time = 1;
	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	fin_close(x, &f);
	snprintf(path, sizeof(path), "%s/session.pcap", x->dones[0].path);
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(&magic, 4, 1, fp), 1);
	fclose(fp);
	assert_int_equal(magic, 0xA1B23C4Du);
	assert_int_equal(pcap_frames(x->dones[0].path), 8);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "first"), "2023-11-14T22:13:20.000001000Z");
	json_decref(j);
}

/* A session without SYN: history_complete false, client = first source. */
static void
no_syn(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40013);
	json_t		*j;

	start1(x);
	send_str(x, &f, 1, "hello");		/* server first */
	send_str(x, &f, 0, KEY1);
	assert_int_equal(x->nhits, 1);
	assert_string_equal(x->hits[0].src, "192.0.2.1");
	cap_sessions_close_all(x->t);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "client"), "198.51.100.2");
	assert_int_equal(jint(j, "client_port"), 80);
	assert_false(jtrue(j, "history_complete"));
	assert_int_equal(pcap_frames(x->dones[0].path), 2);
	json_decref(j);
}

/* A SYN-ACK first: its sender is the server. */
static void
synack_first(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40014);
	json_t		*j;

	start1(x);
	send_tcp(x, &f, 1, TCP_SYN | TCP_ACK, NULL, 0);
	send_str(x, &f, 0, KEY1);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 1);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "client"), "192.0.2.1");
	assert_false(jtrue(j, "history_complete"));
	json_decref(j);
}

/* max_sessions: the idlest session without a hit is evicted; when every
 * session has a hit, a new one is not tracked. */
static void
max_sessions(void **state)
{
	struct fx			*x = *state;
	struct flow			 a = flow4(41000), b = flow4(41001);
	struct flow			 c = flow4(41002), d = flow4(41003);
	struct cap_sessions_stats	 st;

	x->cfg.max_sessions = 2;
	start1(x);
	handshake(x, &a);
	send_str(x, &a, 0, KEY1);
	handshake(x, &b);
	handshake(x, &c);			/* evicts b */
	st = stats(x);
	assert_int_equal(st.sessions_evicted, 1);
	assert_int_equal(st.sessions_now, 2);
	send_str(x, &c, 0, "xx" KEY1);
	assert_int_equal(x->nhits, 2);
	handshake(x, &d);			/* a and c hit: capped */
	send_str(x, &d, 0, KEY1);
	st = stats(x);
	assert_int_equal(st.sessions_capped, 3);	/* SYN, SYN-ACK, data */
	assert_int_equal(st.sessions_now, 2);
	assert_int_equal(st.sessions_total, 3);
	assert_int_equal(x->nhits, 2);
	send_str(x, &b, 0, KEY1);		/* b is gone: not a session */
	assert_int_equal(stats(x).sessions_capped, 4);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 2);
}

/* onedir: only the direction where the key hit is recorded. */
static void
onedir(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40015);
	struct pframe	*fr = calloc(32, sizeof(*fr));
	char		 src[NETADDR_STRLEN];
	int		 i, n;

	assert_non_null(fr);
	x->cfg.onedir = 1;
	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, "GET /");
	send_str(x, &f, 1, "200 " KEY1);
	send_str(x, &f, 0, "GET /again");
	send_str(x, &f, 1, "more");
	fin_close(x, &f);
	n = pcap_read(x->dones[0].path, fr, 32);
	assert_int_equal(n, 1 + 1 + 1 + 2);	/* SYN-ACK, 2 data, ACK, FIN */
	for (i = 0; i < n; i++) {
		frame_src(&fr[i], src, sizeof(src));
		assert_string_equal(src, "198.51.100.2");
	}
	free(fr);
}

/* keep_pure_acks off: ACKs without payload are not recorded. */
static void
pure_acks_dropped(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40016);

	x->cfg.keep_pure_acks = 0;
	start1(x);
	handshake(x, &f);			/* SYN, SYN-ACK, ACK */
	send_str(x, &f, 0, "hello");
	send_tcp(x, &f, 1, TCP_ACK, NULL, 0);
	send_str(x, &f, 1, "world");
	send_tcp(x, &f, 0, TCP_ACK, NULL, 0);
	send_str(x, &f, 0, KEY1);
	send_tcp(x, &f, 1, TCP_ACK, NULL, 0);
	fin_close(x, &f);			/* FIN, ACK, FIN */
	assert_int_equal(x->ndones, 1);
	assert_int_equal(pcap_frames(x->dones[0].path), 2 + 3 + 2);
}

/* record=frame: only the frames in which a key ended. */
static void
record_frame(void **state)
{
	static const char *const k[] = { KEY1, "octopus" };
	struct fx	*x = *state;
	struct flow	 f = flow4(40017);
	struct pframe	*fr = calloc(8, sizeof(*fr));
	json_t		*j;

	assert_non_null(fr);
	x->cfg.record = CAP_RECORD_FRAME;
	start(x, k, 2);
	handshake(x, &f);
	send_str(x, &f, 0, "hello");
	send_str(x, &f, 0, "one " KEY1);
	send_str(x, &f, 1, "reply");
	send_str(x, &f, 1, "octo");
	send_str(x, &f, 1, "pus!");
	send_str(x, &f, 0, "bye");
	fin_close(x, &f);
	assert_int_equal(x->nhits, 2);
	assert_int_equal(pcap_read(x->dones[0].path, fr, 8), 2);
	assert_int_equal(fr[0].len, ETH_LEN + IPV4_LEN + TCP_LEN + 13);
	assert_int_equal(fr[1].len, ETH_LEN + IPV4_LEN + TCP_LEN + 4);
	assert_memory_equal(fr[1].b + fr[1].len - 4, "pus!", 4);
	j = json_of(x->dones[0].path);
	assert_int_equal(json_array_size(json_object_get(j, "keys")), 2);
	assert_string_equal(jstr(json_array_get(json_object_get(j, "keys"),
	    1), "direction"), "server_to_client");
	json_decref(j);
	free(fr);
}

/* Idle for timeout_ms: tick ends the session. */
static void
idle_timeout(void **state)
{
	struct fx			*x = *state;
	struct flow			 f = flow4(40018), g = flow4(40019);
	struct cap_sessions_stats	 st;
	json_t				*j;

	x->cfg.timeout_ms = 5000;
	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	handshake(x, &g);			/* no hit */
	cap_sessions_tick(x->t, x->now + 4000);
	assert_int_equal(stats(x).sessions_now, 2);
	cap_sessions_tick(x->t, x->now + 5000);
	st = stats(x);
	assert_int_equal(st.sessions_now, 0);
	assert_int_equal(st.sessions_timed_out, 2);
	assert_int_equal(st.sessions_ended, 0);
	assert_int_equal(x->ndones, 1);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "ended"), "timeout");
	json_decref(j);
}

/* RST ends the session. */
static void
rst_ends(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40020);
	json_t		*j;

	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	send_tcp(x, &f, 1, TCP_RST, NULL, 0);
	assert_int_equal(stats(x).sessions_now, 0);
	assert_int_equal(stats(x).sessions_ended, 1);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(pcap_frames(x->dones[0].path), 5);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "ended"), "rst");
	json_decref(j);
}

/* close_all writes the files of every session with a hit; free too. */
static void
close_all_writes(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40021), g = flow4(40022);

	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	handshake(x, &g);
	send_str(x, &g, 1, KEY1);
	assert_int_equal(stats(x).open_now, 2);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 2);
	assert_int_equal(stats(x).files_written, 2);
	assert_int_equal(stats(x).sessions_now, 0);
	handshake(x, &f);
	send_str(x, &f, 0, "x" KEY1);
	cap_sessions_free(x->t);
	x->t = NULL;
	assert_int_equal(x->ndones, 3);
	assert_true(x->dones[2].ok);
	assert_int_equal(pcap_frames(x->dones[2].path), 4);
}

/* A reload: the running session keeps its keys, a new one gets the new. */
static void
set_keys_swap(void **state)
{
	static const char *const ka[] = { "alphaKEY1" };
	static const char *const kb[] = { "bravoKEY2" };
	struct fx		*x = *state;
	struct flow		 f = flow4(40023), g = flow4(40024);
	struct cap_keyset	*b = keys_of(kb, 1);

	start(x, ka, 1);
	handshake(x, &f);
	send_str(x, &f, 0, "hello");
	cap_sessions_set_keys(x->t, b);
	cap_keyset_unref(b);			/* the table holds it */
	cap_keyset_unref(x->keys);		/* the old session holds it */
	x->keys = NULL;
	handshake(x, &g);
	send_str(x, &f, 0, "bravoKEY2");
	send_str(x, &g, 0, "alphaKEY1");
	assert_int_equal(x->nhits, 0);
	send_str(x, &f, 0, "alphaKEY1");
	assert_int_equal(x->nhits, 1);
	assert_string_equal(x->hits[0].key_text, "alphaKEY1");
	assert_int_equal(x->hits[0].sport, 40023);
	send_str(x, &g, 0, "bravoKEY2");
	assert_int_equal(x->nhits, 2);
	assert_string_equal(x->hits[1].key_text, "bravoKEY2");
	assert_int_equal(x->hits[1].sport, 40024);
	cap_sessions_set_keys(x->t, NULL);	/* new sessions: none */
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 2);
}

/* UDP datagrams, inspect_udp on: a session, hits once, ends by timeout. */
static void
udp_on(void **state)
{
	struct fx			*x = *state;
	struct pkt			 p;
	struct cap_sessions_stats	 st;
	json_t				*j;

	x->cfg.inspect_udp = 1;
	x->cfg.timeout_ms = 1000;
	start1(x);
	udp_frame(&p, 0, "query");
	feed(x, &p);
	udp_frame(&p, 1, "answer " KEY1);
	feed(x, &p);
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 16);
	assert_int_equal(x->hits[0].proto, 17);
	assert_int_equal(x->hits[0].sport, 53);
	udp_frame(&p, 1, "again " KEY1);
	feed(x, &p);
	assert_int_equal(x->nhits, 1);
	cap_sessions_tick(x->t, x->now + 1000);
	st = stats(x);
	assert_int_equal(st.sessions_timed_out, 1);
	assert_int_equal(st.bytes_scanned, 5 + 16 + 15);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(pcap_frames(x->dones[0].path), 3);
	j = json_of(x->dones[0].path);
	assert_string_equal(jstr(j, "proto"), "udp");
	assert_true(jtrue(j, "history_complete"));
	assert_int_equal(jdir(j, "bytes", 1), 31);
	json_decref(j);
}

static void
udp_off(void **state)
{
	struct fx	*x = *state;
	struct pkt	 p;

	start1(x);
	udp_frame(&p, 1, "answer " KEY1);
	feed(x, &p);
	assert_int_equal(x->nhits, 0);
	assert_int_equal(stats(x).sessions_total, 0);
	assert_int_equal(stats(x).not_inspected, 1);
}

/* Memory goes up with sessions, held segments and history, and back to
 * the baseline when they end. */
static void
memory_baseline(void **state)
{
	struct fx	*x = *state;
	struct flow	 f;
	size_t		 base, with;
	int		 i;

	start1(x);
	base = cap_sessions_memory(x->t);
	assert_true(base > 0);
	for (i = 0; i < 10; i++) {
		f = flow4((uint16_t)(42000 + i));
		handshake(x, &f);
		send_str(x, &f, 0, "some bytes");
		send_at(x, &f, 0, 100, "held", 4);
		if (i == 3)
			send_str(x, &f, 1, KEY1);
	}
	with = cap_sessions_memory(x->t);
	assert_true(with > base + 10 * 200);
	cap_sessions_close_all(x->t);
	assert_int_equal(cap_sessions_memory(x->t), base);
	assert_int_equal(stats(x).history_bytes_now, 0);
}

/* No keys: sessions are tracked, nothing recorded. */
static void
no_keys(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40025);

	start(x, NULL, 0);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	assert_int_equal(stats(x).sessions_now, 1);
	assert_int_equal(stats(x).history_bytes_now, 0);
	fin_close(x, &f);
	assert_int_equal(x->nhits, 0);
	assert_int_equal(x->ndones, 0);
	assert_int_equal(stats(x).sessions_total, 1);
	assert_int_equal(stats(x).bytes_scanned, 0);
}

/* What is not a TCP/UDP packet over IP, or cannot be read. */
static void
not_inspected(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40026);
	struct pkt	 p;
	size_t		 ip;
	struct timespec	 ts = { T0, 0 };

	start1(x);
	p.len = 0;
	put_eth(&p, ETH_ARP);
	put_fill(&p, 0, 28);
	feed(x, &p);
	p.len = 0;
	put_eth(&p, ETH_IPV4);
	ip = put_ipv4_simple(&p, IPPROTO_ICMP_);
	put_icmp(&p, 8, 0);
	end_ipv4(&p, ip);
	feed(x, &p);
	tcp_frame(&p, &f, 0, 1, TCP_SYN, NULL, 0);
	p.len = ETH_LEN + IPV4_LEN + 10;	/* TCP header cut */
	feed(x, &p);
	send_tcp(x, &f, 0, TCP_ACK, NULL, 0);	/* pure ACK, no session */
	send_tcp(x, &f, 0, TCP_FIN | TCP_ACK, NULL, 0);
	cap_sessions_frame(x->t, NULL, &ts, NULL, 0, 0, x->now);
	cap_sessions_frame(x->t, NULL, &ts, p.b, 0, 0, x->now);
	assert_int_equal(stats(x).frames, 7);
	assert_int_equal(stats(x).not_inspected, 7);
	assert_int_equal(stats(x).sessions_total, 0);
}

/* max_open: a second session's hit is reported without files. */
static void
open_capped(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40027), g = flow4(40028);

	x->cfg.max_open = 1;
	start1(x);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	handshake(x, &g);
	send_str(x, &g, 0, KEY1);
	assert_int_equal(x->nhits, 2);
	assert_string_equal(x->hits[1].path, "");
	assert_int_equal(stats(x).open_capped, 1);
	assert_int_equal(stats(x).open_now, 1);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 1);
	assert_int_equal(stats(x).files_written, 1);
}

/* The sessions folder gone (a file in its place): the hit is reported,
 * the failure counted and given to the done callback. */
static void
files_fail(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40029);
	int		 fd;

	start1(x);
	rm_rf(x->dir);
	fd = open(x->dir, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	handshake(x, &f);
	send_str(x, &f, 0, KEY1);
	assert_int_equal(x->nhits, 1);
	assert_string_equal(x->hits[0].path, "");
	assert_int_equal(stats(x).file_errors, 1);
	cap_sessions_close_all(x->t);
	assert_int_equal(x->ndones, 1);
	assert_false(x->dones[0].ok);
	assert_true(strlen(x->dones[0].error) > 0);
	assert_int_equal(stats(x).files_written, 0);
	assert_int_equal(stats(x).file_errors, 1);
}

static void
new_errors(void **state)
{
	struct fx			*x = *state;
	struct cap_sessions_config	 cfg;
	char				 err[256], path[512];
	int				 fd;

	memset(&cfg, 0, sizeof(cfg));
	err[0] = '\0';
	assert_null(cap_sessions_new(NULL, NULL, NULL, err, sizeof(err)));
	assert_string_equal(err, "sessions: no folder");
	assert_null(cap_sessions_new(&cfg, NULL, NULL, err, sizeof(err)));
	cfg.dir = "";
	assert_null(cap_sessions_new(&cfg, NULL, NULL, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/file", x->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/sub", x->dir);
	cfg.dir = path;
	err[0] = '\0';
	assert_null(cap_sessions_new(&cfg, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "sessions folder"));
	/* Nested folders are made. */
	snprintf(path, sizeof(path), "%s/a/b/c", x->dir);
	x->t = cap_sessions_new(&cfg, NULL, NULL, err, sizeof(err));
	assert_non_null(x->t);
	cap_sessions_free(NULL);
}

/* More (key, direction) hits in a session than it remembers. */
static void
hits_capped(void **state)
{
	struct fx	*x = *state;
	const size_t	 nkeys = 1100;
	char		(*texts)[8] = calloc(nkeys, 8);
	const char	**ptrs = calloc(nkeys, sizeof(*ptrs));
	char		 data[1300];
	struct pkt	 p;
	size_t		 i, j;
	json_t		*js;

	assert_non_null(texts);
	assert_non_null(ptrs);
	for (i = 0; i < nkeys; i++) {
		snprintf(texts[i], 8, "K%04zu", i);
		ptrs[i] = texts[i];
	}
	x->cfg.inspect_udp = 1;
	start(x, ptrs, nkeys);
	for (i = 0; i < nkeys; i += 250) {
		data[0] = '\0';
		for (j = i; j < i + 250 && j < nkeys; j++) {
			strcat(data, texts[j]);
		}
		udp_frame(&p, 0, data);
		feed(x, &p);
	}
	assert_int_equal(stats(x).hits, 1024);
	assert_int_equal(stats(x).hits_capped, nkeys - 1024);
	assert_int_equal(x->nhits, 1024);
	cap_sessions_close_all(x->t);
	js = json_of(x->dones[0].path);
	assert_int_equal(json_array_size(json_object_get(js, "keys")), 1024);
	assert_int_equal(jint(js, "keys_dropped"), nkeys - 1024);
	json_decref(js);
	free(texts);
	free(ptrs);
}

/* max_stream_bytes: bytes past it are not inspected. */
static void
stream_capped(void **state)
{
	struct fx	*x = *state;
	struct flow	 f = flow4(40030), g = flow4(40031);
	char		 body[100];

	x->cfg.max_stream_bytes = 120;
	start1(x);
	memset(body, '-', sizeof(body));
	handshake(x, &f);
	send_tcp(x, &f, 0, TCP_ACK, body, sizeof(body));
	send_str(x, &f, 0, "1234567890" KEY1);	/* ends at 119 */
	assert_int_equal(x->nhits, 1);
	handshake(x, &g);
	send_tcp(x, &g, 0, TCP_ACK, body, sizeof(body));
	send_str(x, &g, 0, "123456789012345" KEY1);	/* would end at 124 */
	assert_int_equal(x->nhits, 1);
	assert_int_equal(stats(x).stream_capped, 1);
	send_str(x, &g, 0, KEY1);
	assert_int_equal(x->nhits, 1);
	assert_int_equal(stats(x).bytes_scanned, 119 + 120);
}

/*
 * Out-of-order bounds: a segment that does not fit makes the stream give
 * up the gap before what it holds; one that still does not fit is dropped
 * and counted.
 */
static void
ooo_bounds(void **state)
{
	struct fx			*x = *state;
	struct flow			 f = flow4(40032);
	struct cap_sessions_stats	 st;
	char				 big[20];

	x->cfg.max_ooo_bytes = 16;
	start1(x);
	handshake(x, &f);
	send_at(x, &f, 0, 10, "0123456789", 10);	/* held */
	assert_true(cap_sessions_memory(x->t) > 0);
	memset(big, 'b', sizeof(big));
	send_at(x, &f, 0, 40, big, sizeof(big));	/* can never fit */
	st = stats(x);
	assert_int_equal(st.ooo_drops, 1);
	assert_int_equal(st.gaps, 1);
	assert_int_equal(st.gap_bytes, 10);
	cap_sessions_close_all(x->t);
	st = stats(x);
	assert_int_equal(st.ooo_drops, 1);		/* kept after the end */
}

/* A key across a gap (bytes never adjacent) does not match. */
static void
gap_no_match(void **state)
{
	struct fx			*x = *state;
	struct flow			 f = flow4(40033);
	struct cap_sessions_stats	 st;

	start1(x);
	handshake(x, &f);
	send_at(x, &f, 0, 0, "jelly", 5);
	send_at(x, &f, 0, 15, "fisH", 4);	/* 10 bytes never come */
	send_at(x, &f, 0, 19, KEY1, 9);
	assert_int_equal(x->nhits, 0);
	cap_sessions_tick(x->t, x->now + 6000);	/* the gap times out */
	st = stats(x);
	assert_int_equal(st.gaps, 1);
	assert_int_equal(st.gap_bytes, 10);
	assert_int_equal(x->nhits, 1);
	assert_int_equal(x->hits[0].offset, 5 + 4 + 9);
}

/* The figure for the lead: memory per session with 1,000 keys, each
 * session with a SYN and one 200-byte payload per direction. */
static void
memory_per_session(struct fx *x, uint64_t history, uint32_t n)
{
	char		 (*texts)[24] = calloc(1000, 24);
	const char	**ptrs = calloc(1000, sizeof(*ptrs));
	char		 body[200];
	struct flow	 f;
	size_t		 base, with;
	uint32_t	 i;

	assert_non_null(texts);
	assert_non_null(ptrs);
	for (i = 0; i < 1000; i++) {
		snprintf(texts[i], 24, "secret-%04u-key", i);
		ptrs[i] = texts[i];
	}
	x->cfg.max_sessions = n;
	x->cfg.history_bytes = history;
	start(x, ptrs, 1000);
	base = cap_sessions_memory(x->t);
	memset(body, 'q', sizeof(body));
	for (i = 0; i < n; i++) {
		f = flow4((uint16_t)(1024 + i % 60000));
		f.c = i < 60000 ? "192.0.2.1" : "192.0.2.9";
		send_tcp(x, &f, 0, TCP_SYN, NULL, 0);
		send_tcp(x, &f, 0, TCP_ACK, body, sizeof(body));
		send_tcp(x, &f, 1, TCP_ACK, body, sizeof(body));
	}
	assert_int_equal(stats(x).sessions_now, n);
	assert_int_equal(stats(x).hits, 0);
	with = cap_sessions_memory(x->t);
	print_message("sizeof(struct cap_sess) %zu; history_bytes %llu: %zu "
	    "bytes per session (%zu MB per 100,000), empty table %zu bytes\n",
	    sizeof(struct cap_sess), (unsigned long long)history,
	    (with - base) / n, (with - base) / n * 100000 / 1000000, base);
	assert_true((with - base) / n < 16384);
	cap_sessions_close_all(x->t);
	assert_int_equal(cap_sessions_memory(x->t), base);
	free(texts);
	free(ptrs);
}

static void
memory_100k(void **state)
{
	memory_per_session(*state, 0, 100000);
}

static void
memory_100k_history(void **state)
{
	memory_per_session(*state, 512u * 1024 * 1024, 100000);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(key_in_first_payload, setup, teardown),
	cmocka_unit_test_setup_teardown(key_in_50th_packet, setup, teardown),
	cmocka_unit_test_setup_teardown(key_split_two, setup, teardown),
	cmocka_unit_test_setup_teardown(key_split_three, setup, teardown),
	cmocka_unit_test_setup_teardown(out_of_order, setup, teardown),
	cmocka_unit_test_setup_teardown(duplicates, setup, teardown),
	cmocka_unit_test_setup_teardown(overlaps, setup, teardown),
	cmocka_unit_test_setup_teardown(nocase_and_hex, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_fragments, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv4_fragments_first_last, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv4_fragments_record_frame, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv6_fragments, setup, teardown),
	cmocka_unit_test_setup_teardown(fragments_incomplete, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(ipv6_session, setup, teardown),
	cmocka_unit_test_setup_teardown(history_too_small, setup, teardown),
	cmocka_unit_test_setup_teardown(history_zero, setup, teardown),
	cmocka_unit_test_setup_teardown(history_zero_first_frame, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(fin_without_last_ack, setup, teardown),
	cmocka_unit_test_setup_teardown(hit_at_end, setup, teardown),
	cmocka_unit_test_setup_teardown(nanosecond_times, setup, teardown),
	cmocka_unit_test_setup_teardown(no_syn, setup, teardown),
	cmocka_unit_test_setup_teardown(synack_first, setup, teardown),
	cmocka_unit_test_setup_teardown(max_sessions, setup, teardown),
	cmocka_unit_test_setup_teardown(onedir, setup, teardown),
	cmocka_unit_test_setup_teardown(pure_acks_dropped, setup, teardown),
	cmocka_unit_test_setup_teardown(record_frame, setup, teardown),
	cmocka_unit_test_setup_teardown(idle_timeout, setup, teardown),
	cmocka_unit_test_setup_teardown(rst_ends, setup, teardown),
	cmocka_unit_test_setup_teardown(close_all_writes, setup, teardown),
	cmocka_unit_test_setup_teardown(set_keys_swap, setup, teardown),
	cmocka_unit_test_setup_teardown(udp_on, setup, teardown),
	cmocka_unit_test_setup_teardown(udp_off, setup, teardown),
	cmocka_unit_test_setup_teardown(memory_baseline, setup, teardown),
	cmocka_unit_test_setup_teardown(no_keys, setup, teardown),
	cmocka_unit_test_setup_teardown(not_inspected, setup, teardown),
	cmocka_unit_test_setup_teardown(open_capped, setup, teardown),
	cmocka_unit_test_setup_teardown(files_fail, setup, teardown),
	cmocka_unit_test_setup_teardown(new_errors, setup, teardown),
	cmocka_unit_test_setup_teardown(hits_capped, setup, teardown),
	cmocka_unit_test_setup_teardown(stream_capped, setup, teardown),
	cmocka_unit_test_setup_teardown(ooo_bounds, setup, teardown),
	cmocka_unit_test_setup_teardown(gap_no_match, setup, teardown),
	cmocka_unit_test_setup_teardown(memory_100k, setup, teardown),
	cmocka_unit_test_setup_teardown(memory_100k_history, setup,
	    teardown),
};

FS_TEST_MAIN(tests)
