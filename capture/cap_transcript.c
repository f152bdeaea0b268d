/*
 * cap_transcript.c - session.L7: "Follow TCP stream" as text, made from a
 * session's pcap (format in cap_session_files.h).
 *
 * The pcap is read back frame by frame rather than taken from what the
 * session table saw live, so the transcript holds exactly the bytes the
 * pcap carries: each frame is parsed (Ethernet), IP fragments go through
 * cap_defrag, TCP payload through one cap_stream per direction, and what
 * comes out in order is written escaped.  Offline there is no hurry and
 * no peer to protect against beyond the file's size, so the streams may
 * hold much more out of order than live (a whole session's worth) and a
 * gap is only skipped when the segments run out or at the end.
 *
 * Runs: bytes delivered one after the other in the same direction with no
 * gap between them are merged into one run (one header line), as
 * Wireshark shows a turn of the conversation; a run is also cut at
 * TR_RUN_MAX bytes.  How the bytes are split into runs carries no meaning:
 * readers (tests/tools/l7_unescape.py) concatenate the runs of each
 * direction.
 */
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap_defrag.h"
#include "cap_session_files.h"
#include "cap_stream.h"
#include "cursor.h"
#include "ipv6_ext.h"
#include "packet.h"
#include "pcap_input.h"

#define TR_RUN_MAX	(256 * 1024)	/* a longer run is cut into several */
#define TR_HELD_SEGS	4096		/* out of order, per direction */
#define TR_HELD_BYTES	(16u * 1024 * 1024)
/* Never skip a gap by time: the file is all there is. */
#define TR_GAP_NEVER_MS	(INT64_C(1) << 50)
#define TR_ESC_CHUNK	4096
#define TR_ENDPOINT	(NETADDR_STRLEN + 8)	/* "[addr]:port" */
#define TR_FILE_MODE	0640

#define TR_TCP		6
#define TR_UDP		17
#define TR_FIN		0x01
#define TR_SYN		0x02

struct tr;

struct tr_side {
	struct tr		*t;
	int			 dir;
	struct cap_stream	 s;
};

struct tr {
	FILE				*out;
	const struct cap_session_meta	*m;
	struct cap_transcript_stats	*st;
	struct cap_stream_limits	 lim;
	struct tr_side			 side[2];
	char				 ep[2][TR_ENDPOINT];	/* client, server */
	char				 addr[2][NETADDR_STRLEN];
	/* The run being gathered: run_len bytes of run_dir at run_off. */
	uint8_t				*run;
	size_t				 run_len;
	uint64_t			 run_off;
	int				 run_dir;
};

/* "addr:port", IPv6 in brackets ("[2001:db8::1]:443", RFC 5952 s. 6). */
static void
endpoint(const struct netaddr *a, uint16_t port, char *addr, char *ep)
{
	netaddr_format(a, addr, NETADDR_STRLEN);
	if (a->family == NETADDR_IPV6)
		snprintf(ep, TR_ENDPOINT, "[%s]:%u", addr, port);
	else
		snprintf(ep, TR_ENDPOINT, "%s:%u", addr, port);
}

/* The bytes, escaped (see cap_session_files.h), then the run's LF. */
static void
write_escaped(FILE *out, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char	buf[TR_ESC_CHUNK + 8];
	size_t	n = 0, i;

	for (i = 0; i < len; i++) {
		uint8_t	b = p[i];

		if (b == '\\') {
			buf[n++] = '\\';
			buf[n++] = '\\';
		} else if (b >= 0x20 && b <= 0x7E)
			buf[n++] = (char)b;
		else if (b == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
			buf[n++] = '\n';	/* for reading; not payload */
		} else if (b == '\r') {
			buf[n++] = '\\';
			buf[n++] = 'r';
		} else if (b == '\t') {
			buf[n++] = '\\';
			buf[n++] = 't';
		} else {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[b >> 4];
			buf[n++] = hex[b & 0x0F];
		}
		if (n >= TR_ESC_CHUNK) {
			fwrite(buf, 1, n, out);
			n = 0;
		}
	}
	buf[n++] = '\n';
	fwrite(buf, 1, n, out);
}

/* Write the run gathered so far, if any. */
static void
run_end(struct tr *t)
{
	int	d = t->run_dir;

	if (t->run_len == 0)
		return;
	fprintf(t->out, "%s %s -> %s offset %" PRIu64 " length %zu\n",
	    d == 0 ? "==>" : "<==", t->ep[d], t->ep[!d], t->run_off,
	    t->run_len);
	write_escaped(t->out, t->run, t->run_len);
	t->run_len = 0;
}

static void
gap_line(struct tr *t, int d, uint64_t bytes)
{
	run_end(t);
	fprintf(t->out, "... gap of %" PRIu64 " bytes in %s->%s\n", bytes,
	    t->addr[d], t->addr[!d]);
	t->st->gaps[d]++;
	t->st->gap_bytes[d] += bytes;
}

/* In-order bytes of direction d at its stream offset. */
static void
deliver(struct tr *t, int d, const uint8_t *p, size_t len, uint64_t offset,
    uint64_t gap)
{
	size_t	n;

	if (gap > 0)
		gap_line(t, d, gap);
	if (t->run_len > 0 && (t->run_dir != d ||
	    t->run_off + t->run_len != offset))
		run_end(t);
	t->st->bytes[d] += len;
	while (len > 0) {
		if (t->run_len == 0) {
			t->run_dir = d;
			t->run_off = offset;
		}
		n = TR_RUN_MAX - t->run_len;
		if (n > len)
			n = len;
		memcpy(t->run + t->run_len, p, n);
		t->run_len += n;
		p += n;
		len -= n;
		offset += n;
		if (t->run_len == TR_RUN_MAX)
			run_end(t);
	}
}

/* cap_stream's callback. */
static void
stream_data(void *arg, const uint8_t *data, size_t len, uint64_t offset,
    uint32_t gap)
{
	struct tr_side	*sd = arg;

	deliver(sd->t, sd->dir, data, len, offset, gap);
}

/* 0: client to server, 1: back, -1: another flow. */
static int
direction(const struct tr *t, const struct flow_key *k)
{
	const struct cap_session_meta	*m = t->m;
	struct netaddr			 src, dst;

	if (k->proto != m->proto || !(k->flags & FLOW_KEY_PORTS))
		return -1;
	src = netaddr_canonical(&k->src);
	dst = netaddr_canonical(&k->dst);
	if (netaddr_compare(&src, &m->client) == 0 &&
	    netaddr_compare(&dst, &m->server) == 0 &&
	    k->sport == m->client_port && k->dport == m->server_port)
		return 0;
	if (netaddr_compare(&src, &m->server) == 0 &&
	    netaddr_compare(&dst, &m->client) == 0 &&
	    k->sport == m->server_port && k->dport == m->client_port)
		return 1;
	return -1;
}

/* The session's two addresses, either way round (for fragments, which
 * carry no ports after the first). */
static int
same_hosts(const struct tr *t, const struct flow_key *k)
{
	struct netaddr	src = netaddr_canonical(&k->src);
	struct netaddr	dst = netaddr_canonical(&k->dst);

	return k->proto == t->m->proto &&
	    ((netaddr_compare(&src, &t->m->client) == 0 &&
	    netaddr_compare(&dst, &t->m->server) == 0) ||
	    (netaddr_compare(&src, &t->m->server) == 0 &&
	    netaddr_compare(&dst, &t->m->client) == 0));
}

/*
 * Where the transport header of the IP packet at buf + l3 starts; 0 when
 * it cannot be found.  pkt_parse() gives only where the payload starts,
 * and a TCP segment's sequence number is in its header.
 */
static size_t
transport_offset(const uint8_t *buf, size_t len, size_t l3)
{
	struct cursor	c;
	uint8_t		vhl, next;
	uint16_t	frag;
	int		i;

	if (l3 >= len)
		return 0;
	cursor_init(&c, buf + l3, len - l3);
	vhl = cursor_u8(&c);
	if (vhl >> 4 == 4)
		return l3 + (size_t)(vhl & 0x0F) * 4;
	cursor_skip(&c, 5);			/* class, label, length */
	next = cursor_u8(&c);
	cursor_skip(&c, 1 + 32);		/* hop limit, addresses */
	for (i = 0; i < IPV6_MAX_EXT_HEADERS; i++)
		if (ipv6_ext_step(&c, &next, &frag) == IPV6_EXT_TRANSPORT)
			break;
	if (cursor_error(&c) != CURSOR_OK || i == IPV6_MAX_EXT_HEADERS)
		return 0;
	return (size_t)(c.pos - buf);
}

/* One TCP segment of direction d (p parsed from buf). */
static void
tcp_segment(struct tr *t, int d, const uint8_t *buf, size_t len,
    const struct pkt_parsed *p, int64_t now_ms)
{
	struct tr_side	*sd = &t->side[d];
	struct cursor	 c;
	size_t		 l4;
	uint32_t	 seq;
	uint16_t	 flags = p->key.tcp_flags;
	int		 fin = (flags & TR_FIN) != 0;

	/* Headers cut short: nothing to place in the stream. */
	if (p->payload_offset == 0 || !(p->key.flags & FLOW_KEY_TCP_FLAGS) ||
	    (l4 = transport_offset(buf, len, p->l3_offset)) == 0 ||
	    l4 + 20 > p->payload_offset)
		return;
	cursor_init(&c, buf + l4 + 4, 4);
	seq = cursor_be32(&c);
	if (flags & TR_SYN) {
		if (!sd->s.started)
			cap_stream_syn(&sd->s, seq);
		seq++;			/* data in a SYN follows its number */
	}
	if (p->payload_length == 0 && !fin)
		return;			/* a pure ACK (or SYN) */
	/* -1 is a copy not allocated: counted, the bytes become a gap. */
	(void)cap_stream_segment(&sd->s, &t->lim, seq, buf + p->payload_offset,
	    p->payload_length, fin, now_ms, stream_data, sd);
}

/* One frame of the pcap. */
static void
frame(struct tr *t, struct cap_defrag *df, const uint8_t *data,
    size_t caplen, int64_t now_ms)
{
	struct pkt_parsed	 p;
	const uint8_t		*buf = data, *whole;
	size_t			 len = caplen, wlen;
	int			 d;

	pkt_parse(data, caplen, PKT_LINK_ETHERNET, &p);
	if (p.key.flags & FLOW_KEY_FRAGMENT) {
		if (!same_hosts(t, &p.key)) {
			t->st->frames_other++;
			return;
		}
		switch (cap_defrag_feed(df, data + p.l3_offset,
		    caplen - p.l3_offset, now_ms, &whole, &wlen)) {
		case CAP_DEFRAG_WHOLE:
			break;
		case CAP_DEFRAG_DONE:
			buf = whole;
			len = wlen;
			pkt_parse(buf, len, PKT_LINK_IP, &p);
			break;
		default:		/* held, or given up */
			return;
		}
	}
	if ((d = direction(t, &p.key)) == -1) {
		t->st->frames_other++;
		return;
	}
	if (t->m->proto == TR_TCP)
		tcp_segment(t, d, buf, len, &p, now_ms);
	else if (p.payload_offset != 0 && p.payload_length > 0) {
		/* UDP: each datagram one run. */
		deliver(t, d, buf + p.payload_offset, p.payload_length,
		    t->st->bytes[d], 0);
		run_end(t);
	}
}

/* The end of each stream: what is still held, and bytes missing before
 * a FIN that came. */
static void
flush_streams(struct tr *t)
{
	int	d;

	for (d = 0; d < 2; d++) {
		struct cap_stream *s = &t->side[d].s;

		cap_stream_flush(s, stream_data, &t->side[d]);
		if (s->started && s->fin && (int32_t)(s->fin_seq - s->next) > 0)
			gap_line(t, d, s->fin_seq - s->next);
	}
	run_end(t);
}

int
cap_transcript_write(const char *pcap_path, const char *l7_path,
    const struct cap_session_meta *m, struct cap_transcript_stats *st,
    char *err, size_t errlen)
{
	struct cap_transcript_stats	 local;
	struct cap_session_meta		 meta;
	struct cap_defrag_limits	 dl;
	struct cap_defrag		*df = NULL;
	struct pcap_input		*in;
	struct pcap_frame		 f;
	struct tr			 t;
	char				 perr[256];
	int				 r, d, fd = -1, rc = -1;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (pcap_path == NULL || l7_path == NULL || m == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript: no file or session");
		return -1;
	}
	meta = *m;
	meta.client = netaddr_canonical(&m->client);
	meta.server = netaddr_canonical(&m->server);
	memset(&t, 0, sizeof(t));
	t.m = &meta;
	t.st = st;
	t.lim.max_segments = TR_HELD_SEGS;
	t.lim.max_bytes = TR_HELD_BYTES;
	t.lim.gap_timeout_ms = TR_GAP_NEVER_MS;
	t.lim.max_stream = 0;		/* all of it: the file is the bound */
	for (d = 0; d < 2; d++) {
		t.side[d].t = &t;
		t.side[d].dir = d;
		cap_stream_init(&t.side[d].s);
	}
	endpoint(&meta.client, meta.client_port, t.addr[0], t.ep[0]);
	endpoint(&meta.server, meta.server_port, t.addr[1], t.ep[1]);

	if ((in = pcap_input_open(pcap_path, perr, sizeof(perr))) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript: %s", perr);
		return -1;
	}
	if (pcap_input_link(in) != PKT_LINK_ETHERNET) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript %s: not Ethernet",
			    pcap_path);
		goto out;
	}
	memset(&dl, 0, sizeof(dl));		/* the defaults */
	if ((t.run = malloc(TR_RUN_MAX)) == NULL ||
	    (df = cap_defrag_new(&dl)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript: out of memory");
		goto out;
	}
	if ((fd = open(l7_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    TR_FILE_MODE)) == -1 || (t.out = fdopen(fd, "w")) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript %s: %s", l7_path,
			    strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	while ((r = pcap_input_next(in, &f)) == 1) {
		st->frames++;
		frame(&t, df, f.data, f.caplen, (int64_t)f.ts.tv_sec * 1000 +
		    f.ts.tv_usec / 1000);
	}
	if (r == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript %s: %s", pcap_path,
			    pcap_input_error(in));
		goto out;
	}
	flush_streams(&t);
	errno = 0;
	if (fflush(t.out) == EOF || ferror(t.out) ||
	    fsync(fileno(t.out)) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript %s: %s", l7_path,
			    errno != 0 ? strerror(errno) : "write error");
		goto out;
	}
	rc = 0;
out:
	if (t.out != NULL && fclose(t.out) == EOF && rc == 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "transcript %s: %s", l7_path,
			    strerror(errno));
		rc = -1;
	}
	for (d = 0; d < 2; d++)
		cap_stream_free(&t.side[d].s);
	cap_defrag_free(df);
	free(t.run);
	pcap_input_close(in);
	return rc;
}
