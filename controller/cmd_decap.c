/*
 * cmd_decap.c - `finderscope decap`: take the GRE/ERSPAN encapsulation off
 * the frames of a capture file (offline), write the mirrored frames to a
 * new capture and count what was found.
 *
 * Every frame goes through cap_decap() (capture/capture.h).  The inner
 * frames are written to OUT as Ethernet (DLT_EN10MB) with the original
 * timestamps.  A mirrored frame that has no Ethernet header (GRE carrying
 * IP, ERSPAN III frame type 2) gets a made-up one so that OUT stays one
 * link type: destination and source 00:00:00:00:00:00 (no station has that
 * address, so a reader can tell the header is synthetic) and the EtherType
 * of the IP version (0x0800, 0x86DD).  OUT is written to OUT.part and
 * renamed at the end: a run that fails leaves no half file behind.
 *
 * The totals go to standard output, or with --json to standard error so
 * that standard output holds only JSON lines (docs/decap-json.md).
 *
 * Exit status: 0 when IN was read to its end, whatever it held; 1 on a
 * usage or I/O error.
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "commands.h"
#include "json_flow.h"
#include "packet.h"
#include "pcap_input.h"
#include "sflow_print.h"

#define DECAP_SNAPLEN		262144	/* of OUT; longer inner frames are cut */
#define ETH_HLEN		14
#define ETHERTYPE_MIN		0x0600	/* below: an 802.3 length */
#define MAX_SESSION		1023	/* ERSPAN session ids are 10 bits */

struct decap_run {
	int		 json;
	int		 has_session;
	uint16_t	 session;
	FILE		*out;		/* JSON lines */
	pcap_t		*dead;		/* OUT, when given */
	pcap_dumper_t	*dumper;
	uint8_t		*buf;		/* a synthesized Ethernet header + frame */

	uint64_t	 frames;
	uint64_t	 written;
	uint64_t	 filtered;	/* left out by --session */
	uint64_t	 by_encap[CAP_ENCAP_GRE_IP + 1];	/* results "ok" */
	uint64_t	 by_result[CAP_DECAP_RESULTS];
};

void
cmd_decap_usage(void)
{
	fprintf(stderr,
	    "usage: finderscope decap [--json] [--session N] IN.pcap|- "
	    "[OUT.pcap]\n"
	    "\n"
	    "Take GRE and ERSPAN (types I, II, III) encapsulation off the\n"
	    "frames of a capture file (pcap or pcapng; Ethernet, Linux cooked,\n"
	    "raw IP or loopback) and write the mirrored frames to OUT as\n"
	    "Ethernet, with their original timestamps (a frame that had no\n"
	    "Ethernet header gets one with zero MAC addresses).  Prints how\n"
	    "many frames of each type, and each reason for not decapsulating.\n"
	    "\n"
	    "  --json       one JSON line per GRE frame on standard output\n"
	    "               (docs/decap-json.md); the totals go to standard\n"
	    "               error\n"
	    "  --session N  keep only ERSPAN type II/III frames of session N\n"
	    "               (0-1023)\n");
}

/* ERSPAN II and III have a header with a session id; type I has none. */
static int
has_erspan_header(const struct cap_decap *d)
{
	return d->encap == CAP_ENCAP_ERSPAN_II ||
	    d->encap == CAP_ENCAP_ERSPAN_III;
}

/* Whether --session lets this frame through. */
static int
session_kept(const struct decap_run *r, const struct cap_decap *d)
{
	if (!r->has_session)
		return 1;
	return has_erspan_header(d) && d->session == r->session;
}

/* A carried frame's Ethernet header and flow key (pkt_parse), as key. */
static void
json_frame_key(struct json_writer *w, const char *key, const uint8_t *frame,
    uint32_t len, enum pkt_link link)
{
	struct pkt_parsed p;
	const struct flow_key *k = &p.key;
	char mac[18];
	int ethernet = link == PKT_LINK_ETHERNET;

	pkt_parse(frame, len, link, &p);
	jw_object(w, key);
	if (ethernet && len >= ETH_HLEN) {
		jw_str(w, "eth_dst", sflow_mac_str(frame, mac, sizeof(mac)));
		jw_str(w, "eth_src", sflow_mac_str(frame + 6, mac,
		    sizeof(mac)));
		if (k->eth_type >= ETHERTYPE_MIN)
			jw_u64(w, "eth_type", k->eth_type);
		else
			jw_u64(w, "eth_length", k->eth_type);
	}
	jw_flow_key_members(w, k);
	jw_object_end(w);
}

/* One line per frame that has GRE; fields as far as cap_decap() got. */
static void
json_frame(struct decap_run *r, const struct pcap_frame *f, int result,
    const struct cap_decap *d)
{
	struct json_writer w;

	jw_begin(&w, r->out);
	jw_str(&w, "kind", "decap");
	jw_u64(&w, "frame", f->number);
	jw_str(&w, "result", cap_decap_result_str(result));
	jw_u64(&w, "frame_len", f->len);
	jw_u64(&w, "cap_len", f->caplen);
	jw_addr(&w, "outer_src", &d->outer_src);
	jw_addr(&w, "outer_dst", &d->outer_dst);
	if (d->n_gre > 0) {
		jw_u64(&w, "n_gre", d->n_gre);
		jw_u64(&w, "gre_flags", d->gre_flags);
		jw_u64(&w, "gre_proto", d->gre_proto);
		if (d->has_key)
			jw_u64(&w, "gre_key", d->gre_key);
		if (d->has_seq)
			jw_u64(&w, "gre_seq", d->gre_seq);
	}
	if (d->encap != CAP_ENCAP_NONE)
		jw_str(&w, "encap", cap_encap_name(d->encap));
	if (has_erspan_header(d)) {
		jw_u64(&w, "session", d->session);
		jw_u64(&w, "vlan", d->vlan);
		jw_u64(&w, "cos", d->cos);
		jw_u64(&w, "truncated", d->truncated);
	}
	if (d->encap == CAP_ENCAP_ERSPAN_II) {
		jw_u64(&w, "encap_type", d->encap_type);
		jw_u64(&w, "index", d->index);
	}
	if (d->encap == CAP_ENCAP_ERSPAN_III) {
		jw_u64(&w, "timestamp", d->timestamp);
		jw_u64(&w, "granularity", d->granularity);
		jw_u64(&w, "direction", d->direction);
		jw_u64(&w, "frame_type", d->frame_type);
		jw_u64(&w, "hw_id", d->hw_id);
		jw_u64(&w, "sgt", d->sgt);
		if (d->has_subheader) {
			jw_array(&w, "subheader");
			jw_u64(&w, NULL, d->subheader[0]);
			jw_u64(&w, NULL, d->subheader[1]);
			jw_array_end(&w);
		}
	}
	if (result == CAP_DECAP_OK && d->inner != NULL) {
		jw_u64(&w, "inner_len", d->inner_len);
		jw_str(&w, "inner_link", d->inner_link == PKT_LINK_ETHERNET ?
		    "ethernet" : "ip");
		json_frame_key(&w, "inner", d->inner, d->inner_len,
		    d->inner_link);
	}
	/* What the first layer carries, when that is not the inner frame. */
	if (d->payload_len > 0 && (result != CAP_DECAP_OK ||
	    d->payload != d->inner))
		json_frame_key(&w, "payload", d->payload, d->payload_len,
		    d->payload_link);
	jw_end(&w);
}

/* The EtherType for a frame that starts with an IP header. */
static uint16_t
ip_ethertype(const struct cap_decap *d)
{
	if (d->inner_len > 0 && (d->inner[0] >> 4) == 6)
		return 0x86DD;
	if (d->inner_len > 0 && (d->inner[0] >> 4) == 4)
		return 0x0800;
	return d->gre_proto == 0x86DD ? 0x86DD : 0x0800;
}

static void
write_inner(struct decap_run *r, const struct pcap_frame *f,
    const struct cap_decap *d)
{
	struct pcap_pkthdr h;
	const uint8_t *data = d->inner;
	uint32_t len = d->inner_len, head = 0;
	uint16_t type;

	if (d->inner_link != PKT_LINK_ETHERNET) {
		head = ETH_HLEN;
		type = ip_ethertype(d);
		memset(r->buf, 0, 12);
		r->buf[12] = type >> 8;
		r->buf[13] = type & 0xFF;
		if (len > DECAP_SNAPLEN - ETH_HLEN)
			len = DECAP_SNAPLEN - ETH_HLEN;
		memcpy(r->buf + ETH_HLEN, d->inner, len);
		data = r->buf;
	} else if (len > DECAP_SNAPLEN)
		len = DECAP_SNAPLEN;
	memset(&h, 0, sizeof(h));
	h.ts = f->ts;
	h.caplen = head + len;
	/* On the wire: what the inner frame had, cut or not by the capture. */
	h.len = head + d->inner_len +
	    (f->len > f->caplen ? f->len - f->caplen : 0);
	pcap_dump((u_char *)r->dumper, &h, data);
	r->written++;
}

static void
decap_frame(struct decap_run *r, const struct pcap_frame *f,
    enum pkt_link link)
{
	struct cap_decap d;
	int result;

	memset(&d, 0, sizeof(d));
	result = cap_decap(f->data, f->caplen, link, &d);
	if (result < 0 || result >= CAP_DECAP_RESULTS)
		result = CAP_DECAP_BAD_LENGTH;	/* not in the API: be safe */
	r->by_result[result]++;
	if (result == CAP_DECAP_OK && d.encap <= CAP_ENCAP_GRE_IP)
		r->by_encap[d.encap]++;
	if (!session_kept(r, &d)) {
		r->filtered++;
		return;
	}
	if (r->json && result != CAP_DECAP_NOT_GRE)
		json_frame(r, f, result, &d);
	if (result == CAP_DECAP_OK && r->dumper != NULL && d.inner != NULL)
		write_inner(r, f, &d);
}

static void
print_totals(const struct decap_run *r, FILE *out)
{
	static const enum cap_encap encaps[] = {
		CAP_ENCAP_ERSPAN_I, CAP_ENCAP_ERSPAN_II, CAP_ENCAP_ERSPAN_III,
		CAP_ENCAP_GRE_TEB, CAP_ENCAP_GRE_IP,
	};
	size_t i;
	int res;

	fprintf(out, "%-20s %llu\n", "frames", (unsigned long long)r->frames);
	for (i = 0; i < sizeof(encaps) / sizeof(encaps[0]); i++)
		fprintf(out, "%-20s %llu\n", cap_encap_name(encaps[i]),
		    (unsigned long long)r->by_encap[encaps[i]]);
	for (res = 0; res < CAP_DECAP_RESULTS; res++)
		if (res != CAP_DECAP_OK)
			fprintf(out, "%-20s %llu\n", cap_decap_result_str(res),
			    (unsigned long long)r->by_result[res]);
	if (r->has_session)
		fprintf(out, "%-20s %llu\n", "filtered",
		    (unsigned long long)r->filtered);
	fprintf(out, "%-20s %llu\n", "written", (unsigned long long)r->written);
}

static int
open_out(struct decap_run *r, const char *part)
{
	if ((r->buf = malloc(DECAP_SNAPLEN)) == NULL) {
		fprintf(stderr, "finderscope decap: out of memory\n");
		return -1;
	}
	if ((r->dead = pcap_open_dead(DLT_EN10MB, DECAP_SNAPLEN)) == NULL) {
		fprintf(stderr, "finderscope decap: pcap_open_dead failed\n");
		return -1;
	}
	if ((r->dumper = pcap_dump_open(r->dead, part)) == NULL) {
		fprintf(stderr, "finderscope decap: %s\n",
		    pcap_geterr(r->dead));
		return -1;
	}
	return 0;
}

/* Close OUT.part; rename it to OUT when ok, else remove it.  0 or -1. */
static int
close_out(struct decap_run *r, const char *part, const char *path, int ok)
{
	FILE *fp;

	if (r->dumper != NULL) {
		fp = pcap_dump_file(r->dumper);
		if (pcap_dump_flush(r->dumper) != 0 || ferror(fp)) {
			fprintf(stderr, "finderscope decap: %s: write error\n",
			    part);
			ok = 0;
		}
		pcap_dump_close(r->dumper);
		r->dumper = NULL;
	}
	if (r->dead != NULL)
		pcap_close(r->dead);
	r->dead = NULL;
	free(r->buf);
	r->buf = NULL;
	if (part == NULL)
		return ok ? 0 : -1;
	if (ok && rename(part, path) == -1) {
		fprintf(stderr, "finderscope decap: rename %s: %s\n", part,
		    strerror(errno));
		ok = 0;
	}
	if (!ok)
		unlink(part);
	return ok ? 0 : -1;
}

static int
parse_session(const char *s, uint16_t *session)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s < '0' || *s > '9' || *end != '\0' ||
	    v > MAX_SESSION)
		return -1;
	*session = (uint16_t)v;
	return 0;
}

static int
run(struct decap_run *r, const char *in_path, const char *out_path)
{
	struct pcap_input *in;
	struct pcap_frame f;
	char errbuf[512], *part = NULL;
	size_t n;
	int rc;

	if ((in = pcap_input_open(in_path, errbuf, sizeof(errbuf))) == NULL) {
		fprintf(stderr, "finderscope decap: %s\n", errbuf);
		return 1;
	}
	if (out_path != NULL) {
		n = strlen(out_path) + sizeof(".part");
		if ((part = malloc(n)) == NULL) {
			fprintf(stderr, "finderscope decap: out of memory\n");
			pcap_input_close(in);
			return 1;
		}
		snprintf(part, n, "%s.part", out_path);
		if (open_out(r, part) == -1) {
			close_out(r, part, out_path, 0);
			free(part);
			pcap_input_close(in);
			return 1;
		}
	}
	while ((rc = pcap_input_next(in, &f)) == 1) {
		r->frames++;
		decap_frame(r, &f, pcap_input_link(in));
	}
	if (rc == -1)
		fprintf(stderr, "finderscope decap: %s: %s\n", in_path,
		    pcap_input_error(in));
	pcap_input_close(in);
	if (close_out(r, part, out_path, rc != -1) == -1)
		rc = -1;
	free(part);
	return rc == -1 ? 1 : 0;
}

int
cmd_decap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "session", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char outbuf[1 << 16];
	struct decap_run r;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	r.out = stdout;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "js:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			r.json = 1;
			break;
		case 's':
			if (parse_session(optarg, &r.session) == -1) {
				fprintf(stderr, "finderscope decap: bad session "
				    "'%s' (0-%d)\n", optarg, MAX_SESSION);
				return 1;
			}
			r.has_session = 1;
			break;
		case 'h':
			cmd_decap_usage();
			return 0;
		default:
			cmd_decap_usage();
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2) {
		cmd_decap_usage();
		return 1;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	rc = run(&r, argv[0], argc == 2 ? argv[1] : NULL);
	if (rc == 0 || r.frames > 0)
		print_totals(&r, r.json ? stderr : stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "finderscope decap: write error\n");
		rc = 1;
	}
	return rc;
}
