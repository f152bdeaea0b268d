/*
 * test_cap_session_files.c - the files of one inspected session: the
 * folder's name and collisions, session.pcap byte for byte (and through
 * libpcap and tshark), merge by time, session.L7 exactly (escapes,
 * merging of runs, out of order and duplicated segments, gaps, UDP,
 * IPv6, IP fragments), session.json, and every error path: a file where a
 * folder should be, existing files in the way, a cut pcap, write errors
 * (a file size limit) from which writing resumes.
 *
 * Frames are built byte by byte (support/pkt_build.h).  Every test works
 * in its own mkdtemp() folder under /tmp, removed after.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "cap_session_files.h"
#include "pkt_build.h"

#define T0	(1767225600 + 3723)	/* 2026-01-01T01:02:03Z */
#define DAY	"2026-01-01"
#define NAME4	"010203_192.0.2.1-40000_198.51.100.2-443"
#define NAME6	"010203_2001_db8__1-40000_2001_db8__2-443"
#define CPORT	40000
#define SPORT	443
#define CISN	1000u
#define SISN	5000u

#define HDR_C4	"==> 192.0.2.1:40000 -> 198.51.100.2:443 "
#define HDR_S4	"<== 198.51.100.2:443 -> 192.0.2.1:40000 "

struct fx {
	char			 dir[64];
	char			 sessions[96];
	char			 err[256];
	struct cap_session_meta	 m;
	int			 v6;
	long			 usec;		/* of the next frame */
	struct cap_session_files *f;
};

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb; (void)flag; (void)f;
	return remove(path);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fs_sfiles_XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->sessions, sizeof(fx->sessions), "%s/sessions", fx->dir);
	fx->m.client = addr("192.0.2.1");
	fx->m.server = addr("198.51.100.2");
	fx->m.client_port = CPORT;
	fx->m.server_port = SPORT;
	fx->m.proto = IPPROTO_TCP_;
	fx->m.first_ts.tv_sec = T0;
	fx->m.first_ts.tv_nsec = 500000000;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	csf_abandon(fx->f);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return exact_free_all(state);
}

static void
use_v6(struct fx *fx)
{
	fx->v6 = 1;
	fx->m.client = addr("2001:db8::1");
	fx->m.server = addr("2001:db8::2");
}

/* fx->dir/rel (four buffers in turn: one call may use several) */
static const char *
p(const struct fx *fx, const char *rel)
{
	static char	path[4][512];
	static int	next;

	next = (next + 1) % 4;
	snprintf(path[next], sizeof(path[next]), "%s/%s", fx->dir, rel);
	return path[next];
}

static int
exists(const struct fx *fx, const char *rel)
{
	struct stat	sb;

	return lstat(p(fx, rel), &sb) == 0;
}

static size_t
count(const struct fx *fx, const char *pat)
{
	glob_t	g;
	size_t	n;

	if (glob(p(fx, pat), 0, NULL, &g) != 0)
		return 0;
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

/* The whole file, NUL-terminated, in an exact_buf (freed by teardown). */
static char *
slurp(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	FILE		*fp;

	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fstat(fileno(fp), &sb), 0);
	buf = exact_copy(NULL, (size_t)sb.st_size + 1);
	assert_int_equal(fread(buf, 1, (size_t)sb.st_size, fp),
	    (size_t)sb.st_size);
	buf[sb.st_size] = '\0';
	fclose(fp);
	if (len != NULL)
		*len = (size_t)sb.st_size;
	return buf;
}

static void
open_session(struct fx *fx)
{
	fx->f = csf_open(fx->sessions, &fx->m, 0, fx->err, sizeof(fx->err));
	if (fx->f == NULL)
		fail_msg("csf_open: %s", fx->err);
	fx->usec = 0;
}

static void
close_session(struct fx *fx, int merge)
{
	int	rc = csf_close(fx->f, merge, NULL, NULL, fx->err,
	    sizeof(fx->err));

	fx->f = NULL;
	if (rc != 0)
		fail_msg("csf_close: %s", fx->err);
}

static void
write_frame(struct fx *fx, const struct pkt *pk)
{
	struct timespec	ts = { T0, 500000000 + fx->usec * 1000 };

	fx->usec += 1000;
	if (csf_packet(fx->f, &ts, pk->b, (uint32_t)pk->len,
	    (uint32_t)pk->len, fx->err, sizeof(fx->err)) != 0)
		fail_msg("csf_packet: %s", fx->err);
}

/* An IP header of direction dir (0: client to server); its offset. */
static size_t
put_ip(struct fx *fx, struct pkt *pk, int dir, uint8_t proto, uint16_t frag)
{
	const char *c = fx->v6 ? "2001:db8::1" : "192.0.2.1";
	const char *s = fx->v6 ? "2001:db8::2" : "198.51.100.2";

	put_eth(pk, fx->v6 ? ETH_IPV6 : ETH_IPV4);
	if (fx->v6)
		return put_ipv6(pk, &(struct ip6){ .next = proto, .hlim = 64,
		    .src = dir ? s : c, .dst = dir ? c : s });
	return put_ipv4(pk, &(struct ip4){ .proto = proto, .ttl = 64,
	    .frag = frag, .src = dir ? s : c, .dst = dir ? c : s });
}

static void
end_ip(struct fx *fx, struct pkt *pk, size_t at)
{
	if (fx->v6)
		end_ipv6(pk, at);
	else
		end_ipv4(pk, at);
}

/* A TCP header with sequence number seq, ports of direction dir. */
static void
put_tcp_seq(struct pkt *pk, int dir, uint16_t flags, uint32_t seq,
    uint16_t cport)
{
	size_t	at = pk->len;

	put_tcp(pk, dir ? SPORT : cport, dir ? cport : SPORT, flags, 0);
	set16(pk, at + 4, (uint16_t)(seq >> 16));
	set16(pk, at + 6, (uint16_t)seq);
}

/* One TCP segment of direction dir, written to the session. */
static void
tcp(struct fx *fx, int dir, uint16_t flags, uint32_t seq, const void *data,
    size_t len)
{
	struct pkt	pk = { .len = 0 };
	size_t		at = put_ip(fx, &pk, dir, IPPROTO_TCP_, 0);

	put_tcp_seq(&pk, dir, flags, seq, CPORT);
	put_bytes(&pk, data, len);
	end_ip(fx, &pk, at);
	write_frame(fx, &pk);
}

static void
udp(struct fx *fx, int dir, const void *data, size_t len)
{
	struct pkt	pk = { .len = 0 };
	size_t		at = put_ip(fx, &pk, dir, IPPROTO_UDP_, 0), u;

	u = put_udp(&pk, dir ? SPORT : CPORT, dir ? CPORT : SPORT);
	put_bytes(&pk, data, len);
	end_udp(&pk, u);
	end_ip(fx, &pk, at);
	write_frame(fx, &pk);
}

static void
handshake(struct fx *fx)
{
	tcp(fx, 0, TCP_SYN, CISN, "", 0);
	tcp(fx, 1, TCP_SYN | TCP_ACK, SISN, "", 0);
	tcp(fx, 0, TCP_ACK, CISN + 1, "", 0);
}

/* ---- the reference session ------------------------------------------- */

/* LF, CR, tab, backslash, NUL and 0xff among the bytes. */
static const char REQ[] = "GET /a\\b HTTP/1.1\r\n\tX: \0\xff\n";
#define REQ_LEN		(sizeof(REQ) - 1)		/* 26 */
static const char RESP1[] = "HTTP/1.1 200 OK\r\n\r\n";
static const char RESP2[] = "hi\\there\n";
#define RESP_LEN	(sizeof(RESP1) - 1 + sizeof(RESP2) - 1)	/* 28 */

static const char BASIC_L7[] =
    HDR_C4 "offset 0 length 26\n"
    "GET /a\\\\b HTTP/1.1\\r\\n\n"
    "\\tX: \\x00\\xff\\n\n"
    "\n"
    HDR_S4 "offset 0 length 28\n"
    "HTTP/1.1 200 OK\\r\\n\n"
    "\\r\\n\n"
    "hi\\\\there\\n\n"
    "\n"
    HDR_C4 "offset 26 length 3\n"
    "bye\n";

/* The server's answer, the client's "bye" and both FINs. */
static void
basic_rest(struct fx *fx)
{
	tcp(fx, 1, TCP_ACK, SISN + 1, RESP1, sizeof(RESP1) - 1);
	tcp(fx, 1, TCP_PSH | TCP_ACK, SISN + 1 + sizeof(RESP1) - 1, RESP2,
	    sizeof(RESP2) - 1);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1 + REQ_LEN, "bye", 3);
	tcp(fx, 0, TCP_FIN | TCP_ACK, CISN + 1 + REQ_LEN + 3, "", 0);
	tcp(fx, 1, TCP_FIN | TCP_ACK, SISN + 1 + RESP_LEN, "", 0);
	tcp(fx, 0, TCP_ACK, CISN + 2 + REQ_LEN + 3, "", 0);
}

static void
basic_session(struct fx *fx)
{
	handshake(fx);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1, REQ, REQ_LEN);
	basic_rest(fx);
}

static void
assert_l7(const struct fx *fx, const char *rel, const char *want)
{
	char	*got = slurp(p(fx, rel), NULL);

	if (strcmp(got, want) != 0)
		fail_msg("%s differs; got:\n%s\nwanted:\n%s", rel, got, want);
}

/* ---- reading session.pcap back --------------------------------------- */

/* With libpcap (and tshark when installed, which must say nothing). */
static int
pcap_count(const char *path, int nano)
{
	char			 perr[PCAP_ERRBUF_SIZE], cmd[600], line[512];
	pcap_t			*pc;
	struct pcap_pkthdr	*h;
	const u_char		*d;
	FILE			*out;
	int			 n = 0, rc;

	pc = pcap_open_offline_with_tstamp_precision(path, nano ?
	    PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (pc == NULL)
		fail_msg("%s: %s", path, perr);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	assert_int_equal(pcap_snapshot(pc), 262144);
	assert_int_equal(pcap_get_tstamp_precision(pc), nano ?
	    PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	while ((rc = pcap_next_ex(pc, &h, &d)) == 1)
		n++;
	assert_int_equal(rc, PCAP_ERROR_BREAK);
	pcap_close(pc);
	if (access("/usr/bin/tshark", X_OK) == 0) {
		snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -r '%s' -q 2>&1; "
		    "echo rc=$?", path);
		assert_non_null(out = popen(cmd, "r"));
		while (fgets(line, sizeof(line), out) != NULL) {
			if (strstr(line, "Running as user") != NULL)
				continue;	/* tshark run as root */
			if (strcmp(line, "rc=0\n") != 0)
				fail_msg("tshark -r %s: %s", path, line);
		}
		assert_int_equal(pclose(out), 0);
	}
	return n;
}

/* The offset of record i (0-based) in a pcap image, and its caplen. */
static size_t
record_at(const char *img, size_t len, int i, uint32_t *caplen)
{
	size_t		off = 24;
	uint32_t	cl;

	for (;;) {
		assert_true(off + 16 <= len);
		memcpy(&cl, img + off + 8, 4);
		if (i-- == 0)
			break;
		off += 16 + cl;
	}
	*caplen = cl;
	return off;
}

/* ---- tests: the folder and session.pcap ------------------------------ */

static void
folder_and_pcap(void **state)
{
	struct fx	*fx = *state;
	struct pkt	 pk = { .len = 0 };
	char		*img;
	size_t		 len, off, at;
	uint32_t	 h[4], caplen;
	static const uint8_t want_hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x04, 0x00, 1, 0, 0, 0,
	};

	open_session(fx);
	assert_string_equal(csf_path(fx->f), p(fx, "sessions/" DAY "/"
	    NAME4));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 ".part"));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4
	    ".part/session.pcap"));
	assert_false(exists(fx, "sessions/" DAY "/" NAME4));
	/* The file header is on disk at once. */
	slurp(p(fx, "sessions/" DAY "/" NAME4 ".part/session.pcap"), &len);
	assert_int_equal(len, 24);
	basic_session(fx);
	close_session(fx, 0);

	assert_true(exists(fx, "sessions/" DAY "/" NAME4 "/session.pcap"));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 "/session.L7"));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 "/session.json"));
	assert_int_equal(count(fx, "sessions/" DAY "/*.part"), 0);
	assert_int_equal(count(fx, "sessions/" DAY "/*"), 1);

	img = slurp(p(fx, "sessions/" DAY "/" NAME4 "/session.pcap"), &len);
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
		assert_memory_equal(img, want_hdr, 24);
	/* Record 4 (the request) byte for byte. */
	at = put_ip(fx, &pk, 0, IPPROTO_TCP_, 0);
	put_tcp_seq(&pk, 0, TCP_PSH | TCP_ACK, CISN + 1, CPORT);
	put_bytes(&pk, REQ, REQ_LEN);
	end_ip(fx, &pk, at);
	off = record_at(img, len, 3, &caplen);
	memcpy(h, img + off, 16);
	assert_int_equal(h[0], T0);
	assert_int_equal(h[1], 500000 + 3000);		/* microseconds */
	assert_int_equal(h[2], pk.len);
	assert_int_equal(h[3], pk.len);
	assert_memory_equal(img + off + 16, pk.b, pk.len);
	assert_int_equal(pcap_count(p(fx, "sessions/" DAY "/" NAME4
	    "/session.pcap"), 0), 10);
}

static void
nanosecond_pcap(void **state)
{
	struct fx	*fx = *state;
	char		*img;
	size_t		 len, off;
	uint32_t	 magic, frac, caplen;

	fx->f = csf_open(fx->sessions, &fx->m, 1, fx->err, sizeof(fx->err));
	assert_non_null(fx->f);
	fx->usec = 0;
	basic_session(fx);
	close_session(fx, 0);
	img = slurp(p(fx, "sessions/" DAY "/" NAME4 "/session.pcap"), &len);
	memcpy(&magic, img, 4);
	assert_int_equal(magic, 0xa1b23c4d);
	off = record_at(img, len, 2, &caplen);
	memcpy(&frac, img + off + 4, 4);
	assert_int_equal(frac, 500000000 + 2000000);	/* nanoseconds */
	assert_int_equal(pcap_count(p(fx, "sessions/" DAY "/" NAME4
	    "/session.pcap"), 1), 10);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7", BASIC_L7);
}

/* A frame over the snap length is cut to it (and written past the
 * buffer); the wire length stays. */
static void
snaplen_cut(void **state)
{
	struct fx	*fx = *state;
	struct timespec	 ts = { T0, 0 };
	uint8_t		*big;
	char		*img;
	size_t		 len, off;
	uint32_t	 h[4], caplen;

	big = exact_copy(NULL, 300000);
	memset(big, 0x5a, 300000);
	memcpy(big + 12, "\x88\xb5", 2);	/* local experimental type */
	open_session(fx);
	assert_int_equal(csf_packet(fx->f, &ts, big, 300000, 300000, fx->err,
	    sizeof(fx->err)), 0);
	/* wirelen below caplen is raised to it */
	assert_int_equal(csf_packet(fx->f, &ts, big, 100, 50, fx->err,
	    sizeof(fx->err)), 0);
	close_session(fx, 0);
	img = slurp(p(fx, "sessions/" DAY "/" NAME4 "/session.pcap"), &len);
	assert_int_equal(len, 24 + 16 + 262144 + 16 + 100);
	off = record_at(img, len, 0, &caplen);
	memcpy(h, img + off, 16);
	assert_int_equal(h[2], 262144);
	assert_int_equal(h[3], 300000);
	assert_memory_equal(img + off + 16, big, 262144);
	off = record_at(img, len, 1, &caplen);
	memcpy(h, img + off, 16);
	assert_int_equal(h[2], 100);
	assert_int_equal(h[3], 100);
	assert_int_equal(pcap_count(p(fx, "sessions/" DAY "/" NAME4
	    "/session.pcap"), 0), 2);
}

static void
ipv6_names(void **state)
{
	struct fx *fx = *state;

	use_v6(fx);
	open_session(fx);
	assert_string_equal(csf_path(fx->f), p(fx, "sessions/" DAY "/"
	    NAME6));
	handshake(fx);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1, "hello", 5);
	tcp(fx, 1, TCP_PSH | TCP_ACK, SISN + 1, "hi", 2);
	close_session(fx, 0);
	assert_true(exists(fx, "sessions/" DAY "/" NAME6 "/session.json"));
	assert_l7(fx, "sessions/" DAY "/" NAME6 "/session.L7",
	    "==> [2001:db8::1]:40000 -> [2001:db8::2]:443 offset 0 length 5\n"
	    "hello\n"
	    "<== [2001:db8::2]:443 -> [2001:db8::1]:40000 offset 0 length 2\n"
	    "hi\n");
	assert_int_equal(pcap_count(p(fx, "sessions/" DAY "/" NAME6
	    "/session.pcap"), 0), 5);
}

static void
name_collision(void **state)
{
	struct fx			*fx = *state;
	struct cap_session_files	*g, *h;

	open_session(fx);
	g = csf_open(fx->sessions, &fx->m, 0, fx->err, sizeof(fx->err));
	assert_non_null(g);
	assert_string_equal(csf_path(g), p(fx, "sessions/" DAY "/" NAME4
	    "-2"));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 "-2.part"));
	basic_session(fx);
	close_session(fx, 0);
	/* NAME is done, NAME-2 still running: the next is NAME-3. */
	h = csf_open(fx->sessions, &fx->m, 0, fx->err, sizeof(fx->err));
	assert_non_null(h);
	assert_string_equal(csf_path(h), p(fx, "sessions/" DAY "/" NAME4
	    "-3"));
	assert_int_equal(csf_close(g, 0, NULL, NULL, fx->err,
	    sizeof(fx->err)), 0);
	assert_int_equal(csf_close(h, 0, NULL, NULL, fx->err,
	    sizeof(fx->err)), 0);
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 "-2/session.L7"));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 "-3/session.L7"));
	assert_int_equal(count(fx, "sessions/" DAY "/*"), 3);
	/* An empty session: an empty transcript. */
	assert_l7(fx, "sessions/" DAY "/" NAME4 "-2/session.L7", "");
}

/* Every name taken: an error, not an endless search. */
static void
name_exhausted(void **state)
{
	struct fx	*fx = *state;
	char		 rel[256];
	int		 i;

	assert_int_equal(mkdir(p(fx, "sessions"), 0700), 0);
	assert_int_equal(mkdir(p(fx, "sessions/" DAY), 0700), 0);
	for (i = 1; i <= 1000; i++) {
		if (i == 1)
			snprintf(rel, sizeof(rel), "sessions/" DAY "/" NAME4);
		else
			snprintf(rel, sizeof(rel), "sessions/" DAY "/" NAME4
			    "-%d%s", i, i % 2 ? ".part" : "");
		assert_int_equal(mkdir(p(fx, rel), 0700), 0);
	}
	assert_null(csf_open(fx->sessions, &fx->m, 0, fx->err,
	    sizeof(fx->err)));
	assert_non_null(strstr(fx->err, "1000 sessions of that name"));
	assert_int_equal(count(fx, "sessions/" DAY "/*"), 1000);
}

static void
merge_by_time(void **state)
{
	struct fx	*fx = *state;
	static const struct {
		long		 sec;
		const char	*data;
	} order[] = { { 3, "c" }, { 1, "a1" }, { 2, "b" }, { 1, "a2" } };
	struct timespec	 ts;
	struct pkt	 pk;
	char		*img;
	size_t		 len, off, i, at, u;
	uint32_t	 caplen, sec;
	int		 merge;

	fx->m.proto = IPPROTO_UDP_;
	for (merge = 0; merge <= 1; merge++) {
		open_session(fx);
		for (i = 0; i < 4; i++) {
			pk.len = 0;
			at = put_ip(fx, &pk, 0, IPPROTO_UDP_, 0);
			u = put_udp(&pk, CPORT, SPORT);
			put_bytes(&pk, order[i].data, strlen(order[i].data));
			end_udp(&pk, u);
			end_ip(fx, &pk, at);
			ts.tv_sec = T0 + order[i].sec;
			ts.tv_nsec = 0;
			assert_int_equal(csf_packet(fx->f, &ts, pk.b,
			    (uint32_t)pk.len, (uint32_t)pk.len, fx->err,
			    sizeof(fx->err)), 0);
		}
		close_session(fx, merge);
	}
	/* Without merging the file order stays; with it, time order and
	 * frames of one time in file order. */
	img = slurp(p(fx, "sessions/" DAY "/" NAME4 "/session.pcap"), &len);
	for (i = 0; i < 4; i++) {
		off = record_at(img, len, (int)i, &caplen);
		memcpy(&sec, img + off, 4);
		assert_int_equal(sec, T0 + order[i].sec);
	}
	img = slurp(p(fx, "sessions/" DAY "/" NAME4 "-2/session.pcap"),
	    &len);
	assert_int_equal(len, 24 + 4 * 16 + 4 * (14 + 20 + 8) + 6);
	for (i = 0; i < 4; i++) {
		static const uint32_t want[4] = { 1, 1, 2, 3 };

		off = record_at(img, len, (int)i, &caplen);
		memcpy(&sec, img + off, 4);
		assert_int_equal(sec, T0 + want[i]);
	}
	assert_int_equal(count(fx, "sessions/" DAY "/" NAME4
	    "-2/session.pcap.tmp"), 0);
	assert_int_equal(pcap_count(p(fx, "sessions/" DAY "/" NAME4
	    "-2/session.pcap"), 0), 4);
	/* The transcript is made from the merged file. */
	assert_l7(fx, "sessions/" DAY "/" NAME4 "-2/session.L7",
	    "==> 192.0.2.1:40000 -> 198.51.100.2:443 offset 0 length 2\n"
	    "a1\n"
	    "==> 192.0.2.1:40000 -> 198.51.100.2:443 offset 2 length 2\n"
	    "a2\n"
	    "==> 192.0.2.1:40000 -> 198.51.100.2:443 offset 4 length 1\n"
	    "b\n"
	    "==> 192.0.2.1:40000 -> 198.51.100.2:443 offset 5 length 1\n"
	    "c\n");
}

/* ---- tests: session.L7 ------------------------------------------------ */

static void
l7_exact(void **state)
{
	struct fx *fx = *state;

	open_session(fx);
	basic_session(fx);
	close_session(fx, 0);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7", BASIC_L7);
}

/* Out of order, duplicated and overlapping segments: the same text. */
static void
l7_out_of_order(void **state)
{
	struct fx *fx = *state;

	open_session(fx);
	handshake(fx);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1 + 18, REQ + 18, 8);
	tcp(fx, 0, TCP_ACK, CISN + 1, REQ, 8);
	tcp(fx, 0, TCP_ACK, CISN + 1, REQ, 8);		/* again */
	tcp(fx, 0, TCP_ACK, CISN + 1 + 18, REQ + 18, 8);	/* again */
	tcp(fx, 0, TCP_ACK, CISN + 1 + 5, REQ + 5, 13);	/* overlaps */
	tcp(fx, 0, TCP_ACK, CISN + 1 + 2, REQ + 2, 4);	/* old */
	basic_rest(fx);
	close_session(fx, 0);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7", BASIC_L7);
}

/* Sequence numbers that wrap past 2^32 are ordinary. */
static void
l7_seq_wrap(void **state)
{
	struct fx	*fx = *state;
	uint32_t	 isn = 0xFFFFFFF0u;

	open_session(fx);
	tcp(fx, 0, TCP_SYN, isn, "", 0);
	tcp(fx, 1, TCP_SYN | TCP_ACK, SISN, "", 0);
	tcp(fx, 0, TCP_ACK, isn + 1 + 10, "0123456789", 10);	/* wraps */
	tcp(fx, 0, TCP_ACK, isn + 1, "abcdefghij", 10);
	close_session(fx, 0);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7",
	    HDR_C4 "offset 0 length 20\n"
	    "abcdefghij0123456789\n");
}

/* A hole that never fills: skipped at the end, reported, counted. */
static void
l7_gap(void **state)
{
	struct fx	*fx = *state;
	json_t		*j, *t;
	json_error_t	 e;

	open_session(fx);
	handshake(fx);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1, "hello ", 6);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1 + 16, "world", 5);
	tcp(fx, 1, TCP_PSH | TCP_ACK, SISN + 1, "ok", 2);
	close_session(fx, 0);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7",
	    HDR_C4 "offset 0 length 6\n"
	    "hello \n"
	    HDR_S4 "offset 0 length 2\n"
	    "ok\n"
	    "... gap of 10 bytes in 192.0.2.1->198.51.100.2\n"
	    HDR_C4 "offset 6 length 5\n"
	    "world\n");
	j = json_load_file(p(fx, "sessions/" DAY "/" NAME4 "/session.json"),
	    0, &e);
	assert_non_null(j);
	t = json_object_get(json_object_get(j, "transcript"),
	    "client_to_server");
	assert_int_equal(json_integer_value(json_object_get(t, "bytes")), 11);
	assert_int_equal(json_integer_value(json_object_get(t, "gaps")), 1);
	assert_int_equal(json_integer_value(json_object_get(t, "gap_bytes")),
	    10);
	json_decref(j);
}

/* Bytes missing before a FIN that came: a gap at the end. */
static void
l7_gap_before_fin(void **state)
{
	struct fx *fx = *state;

	open_session(fx);
	handshake(fx);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1, "abc", 3);
	tcp(fx, 0, TCP_FIN | TCP_ACK, CISN + 1 + 7, "", 0);
	close_session(fx, 0);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7",
	    HDR_C4 "offset 0 length 3\n"
	    "abc\n"
	    "... gap of 4 bytes in 192.0.2.1->198.51.100.2\n");
}

/* No SYN recorded (a session joined late): each side starts with its
 * first payload; frames of other flows are counted and skipped. */
static void
l7_no_syn_and_others(void **state)
{
	struct fx			*fx = *state;
	struct cap_transcript_stats	 st;
	struct pkt			 pk = { .len = 0 };
	size_t				 at;
	char				 l7[512];

	open_session(fx);
	tcp(fx, 1, TCP_ACK, 77777, "late", 4);
	/* another client port */
	at = put_ip(fx, &pk, 0, IPPROTO_TCP_, 0);
	put_tcp_seq(&pk, 0, TCP_ACK, 1, CPORT + 1);
	put_bytes(&pk, "other", 5);
	end_ip(fx, &pk, at);
	write_frame(fx, &pk);
	/* ARP: not IP at all */
	pk.len = 0;
	put_eth(&pk, ETH_ARP);
	put_fill(&pk, 0, 28);
	write_frame(fx, &pk);
	/* UDP between the same hosts and ports */
	udp(fx, 0, "udp", 3);
	tcp(fx, 0, TCP_ACK, 123, "early", 5);
	close_session(fx, 0);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7",
	    HDR_S4 "offset 0 length 4\n"
	    "late\n"
	    HDR_C4 "offset 0 length 5\n"
	    "early\n");
	/* The transcript on its own, with its figures. */
	snprintf(l7, sizeof(l7), "%s", p(fx, "again.L7"));
	assert_int_equal(cap_transcript_write(p(fx, "sessions/" DAY "/" NAME4
	    "/session.pcap"), l7, &fx->m, &st, fx->err, sizeof(fx->err)), 0);
	assert_int_equal(st.frames, 5);
	assert_int_equal(st.frames_other, 3);
	assert_int_equal(st.bytes[0], 5);
	assert_int_equal(st.bytes[1], 4);
	assert_int_equal(st.gaps[0] + st.gaps[1], 0);
	assert_l7(fx, "again.L7", HDR_S4 "offset 0 length 4\n"
	    "late\n" HDR_C4 "offset 0 length 5\n" "early\n");
}

static void
l7_udp(void **state)
{
	struct fx			*fx = *state;
	struct cap_transcript_stats	 st;

	fx->m.proto = IPPROTO_UDP_;
	fx->m.client_port = 5353;
	fx->m.server_port = 53;
	open_session(fx);
	fx->m.client_port = CPORT;	/* the frames' ports, for once */
	fx->m.server_port = SPORT;
	udp(fx, 0, "q1\n", 3);
	udp(fx, 1, "answer", 6);
	udp(fx, 0, "q2", 2);
	udp(fx, 0, "", 0);		/* empty: nothing to show */
	close_session(fx, 0);
	/* The session named other ports: every frame is another flow. */
	assert_l7(fx, "sessions/" DAY "/010203_192.0.2.1-5353_198.51.100.2-53"
	    "/session.L7", "");
	fx->m.proto = IPPROTO_UDP_;
	open_session(fx);
	udp(fx, 0, "q1\n", 3);
	udp(fx, 1, "answer", 6);
	udp(fx, 0, "q2", 2);
	udp(fx, 0, "", 0);
	close_session(fx, 0);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7",
	    HDR_C4 "offset 0 length 3\n"
	    "q1\\n\n"
	    "\n"
	    HDR_S4 "offset 0 length 6\n"
	    "answer\n"
	    HDR_C4 "offset 3 length 2\n"
	    "q2\n");
	assert_int_equal(cap_transcript_write(p(fx, "sessions/" DAY "/" NAME4
	    "/session.pcap"), p(fx, "u.L7"), &fx->m, &st, fx->err,
	    sizeof(fx->err)), 0);
	assert_int_equal(st.frames, 4);
	assert_int_equal(st.frames_other, 0);
	assert_int_equal(st.bytes[0], 5);
	assert_int_equal(st.bytes[1], 6);
}

/* One segment in two IPv4 fragments (and, v6, two IPv6 fragments). */
static void
fragmented(struct fx *fx)
{
	struct pkt	pk = { .len = 0 };
	size_t		at;
	static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyz";

	open_session(fx);
	handshake(fx);
	/* First fragment: TCP header and 12 bytes (32, a multiple of 8). */
	if (fx->v6) {
		at = put_ip(fx, &pk, 0, IPPROTO_FRAGMENT_, 0);
		put_ip6_frag(&pk, IPPROTO_TCP_, 0, 1);
	} else
		at = put_ip(fx, &pk, 0, IPPROTO_TCP_, IPV4_MF);
	put_tcp_seq(&pk, 0, TCP_PSH | TCP_ACK, CISN + 1, CPORT);
	put_bytes(&pk, data, 12);
	end_ip(fx, &pk, at);
	write_frame(fx, &pk);
	/* A frame in between, then the last fragment: 24 bytes at 32. */
	tcp(fx, 1, TCP_PSH | TCP_ACK, SISN + 1, "x", 1);
	pk.len = 0;
	if (fx->v6) {
		at = put_ip(fx, &pk, 0, IPPROTO_FRAGMENT_, 0);
		put_ip6_frag(&pk, IPPROTO_TCP_, 4, 0);
	} else
		at = put_ip(fx, &pk, 0, IPPROTO_TCP_, 4);
	put_bytes(&pk, data + 12, 24);
	end_ip(fx, &pk, at);
	write_frame(fx, &pk);
	tcp(fx, 0, TCP_PSH | TCP_ACK, CISN + 1 + 36, "!", 1);
	close_session(fx, 0);
}

static void
l7_fragments_v4(void **state)
{
	struct fx *fx = *state;

	fragmented(fx);
	assert_l7(fx, "sessions/" DAY "/" NAME4 "/session.L7",
	    HDR_S4 "offset 0 length 1\n"
	    "x\n"
	    HDR_C4 "offset 0 length 37\n"
	    "0123456789abcdefghijklmnopqrstuvwxyz!\n");
}

static void
l7_fragments_v6(void **state)
{
	struct fx *fx = *state;

	use_v6(fx);
	fragmented(fx);
	assert_l7(fx, "sessions/" DAY "/" NAME6 "/session.L7",
	    "<== [2001:db8::2]:443 -> [2001:db8::1]:40000 offset 0 length 1\n"
	    "x\n"
	    "==> [2001:db8::1]:40000 -> [2001:db8::2]:443 offset 0 length 37\n"
	    "0123456789abcdefghijklmnopqrstuvwxyz!\n");
}

/* A run is cut at 256 KiB; the offsets go on. */
static void
l7_long_run(void **state)
{
	struct fx	*fx = *state;
	char		 seg[1400], *l7, *q;
	uint32_t	 seq = CISN + 1;
	size_t		 total = 0, len;
	int		 i;

	memset(seg, 'z', sizeof(seg));
	open_session(fx);
	handshake(fx);
	for (i = 0; i < 200; i++) {
		tcp(fx, 0, TCP_ACK, seq, seg, sizeof(seg));
		seq += sizeof(seg);
		total += sizeof(seg);
	}
	close_session(fx, 0);
	l7 = slurp(p(fx, "sessions/" DAY "/" NAME4 "/session.L7"), &len);
	assert_int_equal(strncmp(l7, HDR_C4 "offset 0 length 262144\n",
	    strlen(HDR_C4 "offset 0 length 262144\n")), 0);
	q = strstr(l7 + 1, HDR_C4 "offset 262144 length 17856\n");
	assert_non_null(q);
	assert_int_equal(total, 262144 + 17856);
	assert_int_equal(len, strlen(HDR_C4 "offset 0 length 262144\n") +
	    strlen(HDR_C4 "offset 262144 length 17856\n") + total + 2);
}

/* ---- tests: session.json ---------------------------------------------- */

static void
json_cb(void *arg, struct json_writer *w, const struct cap_transcript_stats *st)
{
	int	*called = arg;

	(*called)++;
	assert_int_equal(st->bytes[0], REQ_LEN + 3);
	jw_str(w, "capture_id", "cap-1");
	jw_u64(w, "keys_hit", 2);
}

static void
json_members(void **state)
{
	struct fx	*fx = *state;
	json_t		*j, *t, *d;
	json_error_t	 e;
	char		*txt;
	int		 called = 0;

	open_session(fx);
	basic_session(fx);
	assert_int_equal(csf_close(fx->f, 1, json_cb, &called, fx->err,
	    sizeof(fx->err)), 0);
	fx->f = NULL;
	assert_int_equal(called, 1);
	txt = slurp(p(fx, "sessions/" DAY "/" NAME4 "/session.json"), NULL);
	/* The caller's members first, one line. */
	assert_int_equal(strncmp(txt, "{\"capture_id\":\"cap-1\",", 22), 0);
	assert_non_null(strchr(txt, '\n'));
	assert_int_equal(strchr(txt, '\n')[1], '\0');
	j = json_loads(txt, 0, &e);
	if (j == NULL)
		fail_msg("session.json: %s", e.text);
	assert_int_equal(json_object_size(j), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "keys_hit")),
	    2);
	t = json_object_get(j, "transcript");
	assert_int_equal(json_integer_value(json_object_get(t, "frames")), 10);
	assert_int_equal(json_integer_value(json_object_get(t,
	    "frames_other")), 0);
	d = json_object_get(t, "client_to_server");
	assert_int_equal(json_integer_value(json_object_get(d, "bytes")),
	    REQ_LEN + 3);
	assert_int_equal(json_integer_value(json_object_get(d, "gaps")), 0);
	d = json_object_get(t, "server_to_client");
	assert_int_equal(json_integer_value(json_object_get(d, "bytes")),
	    RESP_LEN);
	assert_int_equal(json_integer_value(json_object_get(d, "gap_bytes")),
	    0);
	json_decref(j);
}

/* ---- tests: errors ----------------------------------------------------- */

static void
err_sessions_is_file(void **state)
{
	struct fx	*fx = *state;
	int		 fd;

	assert_true((fd = open(fx->sessions, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	assert_null(csf_open(fx->sessions, &fx->m, 0, fx->err,
	    sizeof(fx->err)));
	assert_non_null(strstr(fx->err, fx->sessions));
	assert_non_null(strstr(fx->err, "Not a directory"));
}

static void
err_date_is_file(void **state)
{
	struct fx	*fx = *state;
	int		 fd;

	assert_int_equal(mkdir(fx->sessions, 0700), 0);
	assert_true((fd = open(p(fx, "sessions/" DAY), O_CREAT | O_WRONLY,
	    0600)) >= 0);
	close(fd);
	assert_null(csf_open(fx->sessions, &fx->m, 0, fx->err,
	    sizeof(fx->err)));
	assert_non_null(strstr(fx->err, DAY));
	assert_non_null(strstr(fx->err, "Not a directory"));
}

static void
err_bad_arguments(void **state)
{
	struct fx *fx = *state;

	assert_null(csf_open(NULL, &fx->m, 0, fx->err, sizeof(fx->err)));
	assert_non_null(strstr(fx->err, "no sessions folder"));
	assert_null(csf_open("", &fx->m, 0, fx->err, sizeof(fx->err)));
	assert_null(csf_open(fx->sessions, NULL, 0, fx->err,
	    sizeof(fx->err)));
	fx->m.server = addr("2001:db8::2");
	assert_null(csf_open(fx->sessions, &fx->m, 0, fx->err,
	    sizeof(fx->err)));
	assert_non_null(strstr(fx->err, "one family"));
	memset(&fx->m.client, 0, sizeof(fx->m.client));
	memset(&fx->m.server, 0, sizeof(fx->m.server));
	assert_null(csf_open(fx->sessions, &fx->m, 0, fx->err,
	    sizeof(fx->err)));
	assert_false(exists(fx, "sessions"));
	assert_int_equal(csf_close(NULL, 0, NULL, NULL, fx->err,
	    sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "no session"));
	csf_abandon(NULL);
}

/* Shutdown with no time left: the .part folder keeps the frames. */
static void
abandon_keeps_part(void **state)
{
	struct fx	*fx = *state;
	size_t		 len;

	open_session(fx);
	basic_session(fx);
	csf_abandon(fx->f);
	fx->f = NULL;
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 ".part"));
	assert_false(exists(fx, "sessions/" DAY "/" NAME4));
	assert_false(exists(fx, "sessions/" DAY "/" NAME4 ".part/session.L7"));
	slurp(p(fx, "sessions/" DAY "/" NAME4 ".part/session.pcap"), &len);
	assert_true(len > 24 + 10 * 16);
	assert_int_equal(pcap_count(p(fx, "sessions/" DAY "/" NAME4
	    ".part/session.pcap"), 0), 10);
	/* The name stays taken. */
	open_session(fx);
	assert_string_equal(csf_path(fx->f), p(fx, "sessions/" DAY "/" NAME4
	    "-2"));
}

/* Something in the way of a file csf_close() writes: -1, NAME.part. */
static void
close_blocked(struct fx *fx, const char *file, const char *want)
{
	char	rel[256];

	open_session(fx);
	basic_session(fx);
	snprintf(rel, sizeof(rel), "sessions/" DAY "/" NAME4 ".part/%s", file);
	assert_int_equal(mkdir(p(fx, rel), 0700), 0);
	snprintf(rel, sizeof(rel), "sessions/" DAY "/" NAME4 ".part/%s/x",
	    file);
	assert_int_equal(mkdir(p(fx, rel), 0700), 0);	/* not empty */
	assert_int_equal(csf_close(fx->f, 1, NULL, NULL, fx->err,
	    sizeof(fx->err)), -1);
	fx->f = NULL;
	assert_non_null(strstr(fx->err, want));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 ".part"));
	assert_false(exists(fx, "sessions/" DAY "/" NAME4));
}

static void
err_close_l7(void **state)
{
	struct fx *fx = *state;

	close_blocked(fx, "session.L7", "session.L7: File exists");
	assert_false(exists(fx, "sessions/" DAY "/" NAME4
	    ".part/session.json"));
}

static void
err_close_json(void **state)
{
	struct fx *fx = *state;

	close_blocked(fx, "session.json", "session.json");
	assert_non_null(strstr(fx->err, "File exists"));
	/* The transcript was written before. */
	assert_l7(fx, "sessions/" DAY "/" NAME4 ".part/session.L7", BASIC_L7);
}

static void
err_close_merge(void **state)
{
	struct fx *fx = *state;
	struct timespec	ts = { T0, 0 };

	open_session(fx);
	basic_session(fx);
	ts.tv_sec = T0 - 1;		/* out of order: merging rewrites */
	assert_int_equal(csf_packet(fx->f, &ts, (const uint8_t *)"abc", 3, 3,
	    fx->err, sizeof(fx->err)), 0);
	assert_int_equal(mkdir(p(fx, "sessions/" DAY "/" NAME4
	    ".part/session.pcap.tmp"), 0700), 0);
	assert_int_equal(mkdir(p(fx, "sessions/" DAY "/" NAME4
	    ".part/session.pcap.tmp/x"), 0700), 0);
	assert_int_equal(csf_close(fx->f, 1, NULL, NULL, fx->err,
	    sizeof(fx->err)), -1);
	fx->f = NULL;
	assert_non_null(strstr(fx->err, "session.pcap.tmp"));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 ".part"));
	assert_false(exists(fx, "sessions/" DAY "/" NAME4 ".part/session.L7"));
}

/* session.pcap replaced by a file whose last record is cut short. */
static void
err_cut_pcap(void **state)
{
	struct fx	*fx = *state;
	char		 pcap[512], bad[512];
	uint8_t		 img[24 + 16 + 10];
	uint32_t	 v;
	int		 fd, merge;

	for (merge = 0; merge <= 1; merge++) {
		open_session(fx);
		basic_session(fx);
		snprintf(pcap, sizeof(pcap), "%s.part/session.pcap",
		    csf_path(fx->f));
		/* The header of the real file, a record promising 100 bytes. */
		fd = open(pcap, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(read(fd, img, 24), 24);
		close(fd);
		memset(img + 24, 0, sizeof(img) - 24);
		v = 100;
		memcpy(img + 24 + 8, &v, 4);
		memcpy(img + 24 + 12, &v, 4);
		snprintf(bad, sizeof(bad), "%s/bad.pcap", fx->dir);
		fd = open(bad, O_CREAT | O_WRONLY | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, img, sizeof(img)), sizeof(img));
		close(fd);
		assert_int_equal(rename(bad, pcap), 0);
		assert_int_equal(csf_close(fx->f, merge, NULL, NULL, fx->err,
		    sizeof(fx->err)), -1);
		fx->f = NULL;
		if (merge)
			assert_non_null(strstr(fx->err, "record 1 cut short"));
		else
			assert_non_null(strstr(fx->err, "truncated"));
		assert_non_null(strstr(fx->err, merge ? "session.pcap" :
		    pcap));
	}
	assert_int_equal(count(fx, "sessions/" DAY "/*.part"), 2);
}

static void
err_transcript(void **state)
{
	struct fx	*fx = *state;
	uint8_t		 hdr[24];
	uint32_t	 v;
	int		 fd;

	/* No file. */
	assert_int_equal(cap_transcript_write(p(fx, "none.pcap"),
	    p(fx, "a.L7"), &fx->m, NULL, fx->err, sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "none.pcap"));
	assert_false(exists(fx, "a.L7"));
	/* Raw IP, not Ethernet. */
	memset(hdr, 0, sizeof(hdr));
	v = 0xa1b2c3d4;
	memcpy(hdr, &v, 4);
	hdr[4] = 2;
	hdr[6] = 4;
	v = 65535;
	memcpy(hdr + 16, &v, 4);
	v = 101;			/* LINKTYPE_RAW */
	memcpy(hdr + 20, &v, 4);
	fd = open(p(fx, "raw.pcap"), O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	close(fd);
	assert_int_equal(cap_transcript_write(p(fx, "raw.pcap"),
	    p(fx, "a.L7"), &fx->m, NULL, fx->err, sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "not Ethernet"));
	/* The transcript file cannot be made. */
	open_session(fx);
	basic_session(fx);
	close_session(fx, 0);
	assert_int_equal(cap_transcript_write(p(fx, "sessions/" DAY "/" NAME4
	    "/session.pcap"), p(fx, "no/such/dir.L7"), &fx->m, NULL, fx->err,
	    sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "dir.L7: No such file"));
	assert_int_equal(cap_transcript_write(NULL, p(fx, "a.L7"), &fx->m,
	    NULL, fx->err, sizeof(fx->err)), -1);
}

/* Frames of increasing number, to tell them apart when read back. */
static int
numbered(struct fx *fx, uint32_t i)
{
	struct timespec	ts = { T0, (long)i * 1000 };
	uint8_t		frame[1000];

	memset(frame, (int)(i & 0xff), sizeof(frame));
	memcpy(frame, &i, sizeof(i));
	return csf_packet(fx->f, &ts, frame, sizeof(frame), sizeof(frame),
	    fx->err, sizeof(fx->err));
}

static void
set_fsize(rlim_t soft)
{
	struct rlimit	rl;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = soft == RLIM_INFINITY ? rl.rlim_max : soft;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/*
 * A write error (the file size limit, as a full disk) refuses frames but
 * keeps the file whole; when there is room again writing goes on, and
 * the file holds every frame accepted, in order.
 */
static void
write_error_resumes(void **state)
{
	struct fx	*fx = *state;
	uint32_t	 i, accepted = 0, refused = 0, n, caplen;
	char		*img;
	size_t		 len, off;

	signal(SIGXFSZ, SIG_IGN);
	open_session(fx);
	set_fsize(100000);
	for (i = 0; i < 400 && refused < 3; i++) {
		if (numbered(fx, i) == 0)
			accepted++;
		else {
			refused++;
			assert_non_null(strstr(fx->err, "not written"));
			assert_non_null(strstr(fx->err, "too large"));
		}
	}
	assert_int_equal(refused, 3);
	set_fsize(RLIM_INFINITY);
	for (n = 0; n < 5; n++, i++)
		if (numbered(fx, i) == 0)
			accepted++;
	close_session(fx, 0);
	img = slurp(p(fx, "sessions/" DAY "/" NAME4 "/session.pcap"), &len);
	assert_int_equal(len, 24 + (size_t)accepted * (16 + 1000));
	assert_int_equal(pcap_count(p(fx, "sessions/" DAY "/" NAME4
	    "/session.pcap"), 0), (int)accepted);
	/* In order, the refused ones missing. */
	for (n = 0, i = 0; n < accepted; n++) {
		uint32_t got;

		off = record_at(img, len, (int)n, &caplen);
		memcpy(&got, img + off + 16, 4);
		assert_true(got >= i);
		i = got + 1;
	}
}

/* The same at the end: closing cannot flush, so the .part stays. */
static void
err_close_flush(void **state)
{
	struct fx	*fx = *state;
	uint32_t	 i;

	signal(SIGXFSZ, SIG_IGN);
	open_session(fx);
	for (i = 0; i < 20; i++)
		assert_int_equal(numbered(fx, i), 0);
	set_fsize(1000);
	assert_int_equal(csf_close(fx->f, 0, NULL, NULL, fx->err,
	    sizeof(fx->err)), -1);
	fx->f = NULL;
	set_fsize(RLIM_INFINITY);
	assert_non_null(strstr(fx->err, "session.pcap: File too large"));
	assert_true(exists(fx, "sessions/" DAY "/" NAME4 ".part"));
	assert_false(exists(fx, "sessions/" DAY "/" NAME4));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(folder_and_pcap, setup, teardown),
	cmocka_unit_test_setup_teardown(nanosecond_pcap, setup, teardown),
	cmocka_unit_test_setup_teardown(snaplen_cut, setup, teardown),
	cmocka_unit_test_setup_teardown(ipv6_names, setup, teardown),
	cmocka_unit_test_setup_teardown(name_collision, setup, teardown),
	cmocka_unit_test_setup_teardown(name_exhausted, setup, teardown),
	cmocka_unit_test_setup_teardown(merge_by_time, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_exact, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_out_of_order, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_seq_wrap, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_gap, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_gap_before_fin, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_no_syn_and_others, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(l7_udp, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_fragments_v4, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_fragments_v6, setup, teardown),
	cmocka_unit_test_setup_teardown(l7_long_run, setup, teardown),
	cmocka_unit_test_setup_teardown(json_members, setup, teardown),
	cmocka_unit_test_setup_teardown(err_sessions_is_file, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(err_date_is_file, setup, teardown),
	cmocka_unit_test_setup_teardown(err_bad_arguments, setup, teardown),
	cmocka_unit_test_setup_teardown(abandon_keeps_part, setup, teardown),
	cmocka_unit_test_setup_teardown(err_close_l7, setup, teardown),
	cmocka_unit_test_setup_teardown(err_close_json, setup, teardown),
	cmocka_unit_test_setup_teardown(err_close_merge, setup, teardown),
	cmocka_unit_test_setup_teardown(err_cut_pcap, setup, teardown),
	cmocka_unit_test_setup_teardown(err_transcript, setup, teardown),
	cmocka_unit_test_setup_teardown(write_error_resumes, setup, teardown),
	cmocka_unit_test_setup_teardown(err_close_flush, setup, teardown),
};

FS_TEST_MAIN(tests)
