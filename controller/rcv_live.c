/*
 * rcv_live.c - GET /live.pcap: decapsulated packets streamed to an
 * analyst as they arrive, as a pcap file that never ends
 * (application/vnd.tcpdump.pcap), so that
 *
 *	curl -sN http://HOST:8009/live.pcap?capture=c12 | wireshark -k -i -
 *
 * shows a capture live.  The stream is a pcap global header (Ethernet,
 * microsecond time stamps, snap length CAP_ARCHIVE_SNAPLEN, written in
 * host byte order as libpcap does) and then one record per packet.
 *
 * Which packets: ?capture=ID keeps those filed under that capture id
 * (an "unassigned-..." id works too); ?filter=EXPR keeps those the BPF
 * expression accepts (compiled with pcap_compile() for Ethernet and run
 * on the frame with pcap_offline_filter(), as tcpdump would); both
 * together keep what both accept; neither keeps everything.
 *
 * Each client has RCV_LIVE_BUFFER bytes of room queued at most (httpd's
 * stream_buffer); one that does not keep up is cut off and counted by
 * httpd, never waited for.  At most RCV_LIVE_MAX clients (then 503).
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "log.h"
#include "rcv_daemon.h"

#define PCAP_MAGIC_USEC		0xa1b2c3d4u
#define PCAP_HDR_LEN		24
#define PCAP_REC_LEN		16
#define FILTER_MAX		4096	/* bytes of a BPF expression */

struct pcap_file_hdr {
	uint32_t	magic;
	uint16_t	version_major, version_minor;
	int32_t		thiszone;
	uint32_t	sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t	ts_sec, ts_usec, caplen, len;
};

static void
client_free(struct rcv_live_client *c)
{
	struct rcv_daemon *d = c->d;

	if (c->prog != NULL) {
		pcap_freecode(c->prog);
		free(c->prog);
	}
	memset(c, 0, sizeof(*c));
	if (d != NULL && d->n_live > 0)
		d->n_live--;
}

/* httpd: the client left, or was cut off for being slow. */
static void
on_closed(struct httpd_req *req, void *arg)
{
	struct rcv_live_client *c = arg;

	(void)req;
	client_free(c);
}

static pcap_t *
dead_handle(struct rcv_daemon *d)
{
	if (d->live_dead == NULL)
		d->live_dead = pcap_open_dead(DLT_EN10MB, CAP_ARCHIVE_SNAPLEN);
	return d->live_dead;
}

void
rcv_live_get(struct httpd_req *req, void *arg)
{
	struct rcv_daemon *d = arg;
	struct rcv_live_client *c = NULL;
	struct pcap_file_hdr h;
	const char *capture, *filter;
	struct bpf_program *prog = NULL;
	pcap_t *dead;
	uint32_t i;

	capture = httpd_req_query(req, "capture");
	filter = httpd_req_query(req, "filter");
	if (capture != NULL && !cap_archive_id_ok(capture)) {
		httpd_reply_error(req, 400, "capture: expected a capture id "
		    "([A-Za-z0-9_-], 1 to %d characters)", CAP_ARCHIVE_ID_MAX);
		return;
	}
	if (filter != NULL && strlen(filter) > FILTER_MAX) {
		httpd_reply_error(req, 400, "filter: longer than %d bytes",
		    FILTER_MAX);
		return;
	}
	for (i = 0; i < RCV_LIVE_MAX && c == NULL; i++)
		if (d->live[i].req == NULL)
			c = &d->live[i];
	if (c == NULL || d->live_buf == NULL) {
		d->counters.live_refused++;
		httpd_reply_error(req, 503, "too many live clients (%d)",
		    RCV_LIVE_MAX);
		return;
	}
	if (filter != NULL && *filter != '\0') {
		if ((dead = dead_handle(d)) == NULL ||
		    (prog = calloc(1, sizeof(*prog))) == NULL) {
			httpd_reply_error(req, 500, "out of memory");
			return;
		}
		if (pcap_compile(dead, prog, filter, 1,
		    PCAP_NETMASK_UNKNOWN) == PCAP_ERROR) {
			httpd_reply_error(req, 400, "filter: %s",
			    pcap_geterr(dead));
			free(prog);
			return;
		}
	}
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->req = req;
	c->prog = prog;
	if (capture != NULL)
		snprintf(c->capture, sizeof(c->capture), "%s", capture);
	d->n_live++;
	httpd_stream_start(req, "application/vnd.tcpdump.pcap", on_closed, c);

	memset(&h, 0, sizeof(h));
	h.magic = PCAP_MAGIC_USEC;
	h.version_major = 2;
	h.version_minor = 4;
	h.snaplen = CAP_ARCHIVE_SNAPLEN;
	h.linktype = DLT_EN10MB;
	/* A failure cuts the client off: on_closed() has freed c. */
	(void)httpd_stream_write(req, &h, PCAP_HDR_LEN);
}

static int
wanted(const struct rcv_live_client *c, const char *capture_id,
    const struct cap_frame *f, const struct pcap_rec_hdr *r)
{
	struct pcap_pkthdr ph;

	if (c->capture[0] != '\0' && strcmp(c->capture, capture_id) != 0)
		return 0;
	if (c->prog == NULL)
		return 1;
	memset(&ph, 0, sizeof(ph));
	ph.ts.tv_sec = r->ts_sec;
	ph.ts.tv_usec = r->ts_usec;
	ph.caplen = f->caplen;
	ph.len = f->wirelen;
	return pcap_offline_filter(c->prog, &ph, f->data) != 0;
}

void
rcv_live_feed(struct rcv_daemon *d, const char *capture_id,
    const struct cap_frame *f, const struct timespec *ts)
{
	struct pcap_rec_hdr r;
	size_t len;
	uint32_t i;
	int built = 0;

	r.ts_sec = (uint32_t)ts->tv_sec;
	r.ts_usec = (uint32_t)(ts->tv_nsec / 1000);
	r.caplen = f->caplen;
	r.len = f->wirelen;
	len = PCAP_REC_LEN + f->caplen;
	/* Slots do not move when a client is cut off mid-loop. */
	for (i = 0; i < RCV_LIVE_MAX; i++) {
		struct rcv_live_client *c = &d->live[i];

		if (c->req == NULL || !wanted(c, capture_id, f, &r))
			continue;
		if (!built) {
			memcpy(d->live_buf, &r, PCAP_REC_LEN);
			memcpy(d->live_buf + PCAP_REC_LEN, f->data, f->caplen);
			built = 1;
		}
		if (httpd_stream_write(c->req, d->live_buf, len) == 0) {
			c->records++;
			d->counters.live_records++;
		}
	}
}

void
rcv_live_end_all(struct rcv_daemon *d)
{
	struct httpd_req *req;
	uint32_t i;

	for (i = 0; i < RCV_LIVE_MAX; i++) {
		if ((req = d->live[i].req) == NULL)
			continue;
		/* Ending settles the request: no close callback follows. */
		client_free(&d->live[i]);
		httpd_stream_end(req);
	}
}
