/*
 * cmd_sflow.c - `finderscope sflow`: decode the sFlow datagrams of a capture
 * file (or one bare datagram) and print each sample, like sflowtool.
 *
 * Exit status: 0 when the input was read to its end (whatever it held),
 * 1 on a usage or I/O error.  Datagrams that do not decode are reported on
 * standard error with their frame number, and in --json mode also as
 * "error" lines; decoding goes on with the next frame.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "pcap_input.h"
#include "sflow.h"
#include "sflow_print.h"

#define SFLOW_PORT		6343
#define RAW_MAX_BYTES		(1u << 20)	/* far above any UDP payload */
#define MAX_AGENTS		65536
#define MAX_SOURCES		(1u << 20)

struct sflow_run {
	const struct sflow_printer *printer;
	FILE		*out;
	int		 print_samples;	/* not with --count */
	int		 json;
	uint16_t	 port;
	uint64_t	 frame;		/* frame being decoded */
	uint64_t	 frames;
	uint64_t	 not_sflow;	/* frames that are not UDP to the port */
	struct sflow_stats stats;
	struct sflow_agents *agents;
};

void
cmd_sflow_usage(void)
{
	fprintf(stderr,
	    "usage: finderscope sflow [--json] [--stats] [--count] [--port N] "
	    "FILE.pcap|-\n"
	    "       finderscope sflow [--json] [--stats] --raw DATAGRAM\n"
	    "\n"
	    "Decode the sFlow v5 datagrams sent to UDP port N (default 6343)\n"
	    "in a capture file (pcap or pcapng; Ethernet, Linux cooked or raw\n"
	    "IP; '-' reads standard input) and print one line per sample.\n"
	    "\n"
	    "  --json      one JSON object per line (docs/sflow-json.md)\n"
	    "  --stats     per-agent totals (loss, reordering) at the end\n"
	    "  --count     decode everything, print only the totals\n"
	    "  --port N    the UDP destination port of sFlow (default 6343)\n"
	    "  --raw FILE  FILE holds one bare datagram (a UDP payload)\n");
}

static void
visit_datagram(void *ctx, const struct sflow_datagram *dg)
{
	struct sflow_run *r = ctx;

	sflow_agents_datagram(r->agents, dg);
}

static void
visit_flow(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_flow_sample *s)
{
	struct sflow_run *r = ctx;

	sflow_agents_flow(r->agents, dg, s);
	if (r->print_samples)
		r->printer->flow(r->out, r->frame, dg, s);
}

static void
visit_counter(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_counter_sample *s)
{
	struct sflow_run *r = ctx;

	sflow_agents_counter(r->agents, dg, s);
	if (r->print_samples)
		r->printer->counter(r->out, r->frame, dg, s);
}

static void
visit_skipped(void *ctx, const struct sflow_datagram *dg,
    const struct sflow_skipped_sample *s)
{
	struct sflow_run *r = ctx;

	if (r->print_samples)
		r->printer->skipped(r->out, r->frame, dg, s);
}

static const struct sflow_visitor run_visitor = {
	visit_datagram, visit_flow, visit_counter, visit_skipped,
};

static void
decode_payload(struct sflow_run *r, const uint8_t *payload, size_t len)
{
	struct sflow_error err;
	char msg[256];

	if (sflow_decode(payload, len, SFLOW_DECODE_FLOW_KEY, &run_visitor, r,
	    &r->stats, &err) == SFLOW_OK)
		return;
	fprintf(stderr, "finderscope sflow: frame %llu: %s\n",
	    (unsigned long long)r->frame,
	    sflow_error_str(&err, payload, len, msg, sizeof(msg)));
	if (r->print_samples && r->json)
		r->printer->error(r->out, r->frame, &err, payload, len);
}

static int
read_pcap(struct sflow_run *r, const char *path)
{
	struct pcap_input *in;
	struct pcap_frame f;
	const uint8_t *payload;
	const char *why;
	char errbuf[512];
	size_t len;
	int rc;

	if ((in = pcap_input_open(path, errbuf, sizeof(errbuf))) == NULL) {
		fprintf(stderr, "finderscope sflow: %s\n", errbuf);
		return 1;
	}
	while ((rc = pcap_input_next(in, &f)) == 1) {
		r->frames++;
		r->frame = f.number;
		switch (pcap_frame_udp_payload(f.data, f.caplen,
		    pcap_input_link(in), r->port, &payload, &len, &why)) {
		case 0:
			decode_payload(r, payload, len);
			break;
		case PCAP_FRAME_UNUSABLE:
			fprintf(stderr, "finderscope sflow: frame %llu: %s\n",
			    (unsigned long long)f.number, why);
			/* FALLTHROUGH */
		default:
			r->not_sflow++;
			break;
		}
	}
	if (rc == -1)
		fprintf(stderr, "finderscope sflow: %s: %s\n", path,
		    pcap_input_error(in));
	pcap_input_close(in);
	return rc == -1 ? 1 : 0;
}

static int
read_raw(struct sflow_run *r, const char *path)
{
	uint8_t *buf;
	size_t len;
	FILE *f;
	int err;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "finderscope sflow: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	if ((buf = malloc(RAW_MAX_BYTES + 1)) == NULL) {
		fclose(f);
		fprintf(stderr, "finderscope sflow: out of memory\n");
		return 1;
	}
	len = fread(buf, 1, RAW_MAX_BYTES + 1, f);
	err = ferror(f);
	fclose(f);
	if (err || len > RAW_MAX_BYTES) {
		fprintf(stderr, "finderscope sflow: %s: %s\n", path, err ?
		    "read error" : "larger than any datagram");
		free(buf);
		return 1;
	}
	r->frames = r->frame = 1;
	decode_payload(r, buf, len);
	free(buf);
	return 0;
}

static void
print_agent(void *ctx, const struct sflow_agent_info *a)
{
	struct sflow_run *r = ctx;

	r->printer->agent(r->out, a);
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
cmd_sflow(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "count", no_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "raw", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sflow_agents_limits limits = { MAX_AGENTS, MAX_SOURCES };
	struct sflow_run r;
	const char *raw = NULL;
	int ch, stats = 0, rc;
	static char outbuf[1 << 16];

	memset(&r, 0, sizeof(r));
	r.out = stdout;
	r.print_samples = 1;
	r.port = SFLOW_PORT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jscp:r:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			r.json = 1;
			break;
		case 's':
			stats = 1;
			break;
		case 'c':
			r.print_samples = 0;
			break;
		case 'p':
			if (parse_port(optarg, &r.port) == -1) {
				fprintf(stderr, "finderscope sflow: bad port "
				    "'%s'\n", optarg);
				return 1;
			}
			break;
		case 'r':
			raw = optarg;
			break;
		case 'h':
			cmd_sflow_usage();
			return 0;
		default:
			cmd_sflow_usage();
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if ((raw == NULL && argc != 1) || (raw != NULL && argc != 0)) {
		cmd_sflow_usage();
		return 1;
	}
	r.printer = r.json ? &sflow_json_printer : &sflow_text_printer;
	if ((r.agents = sflow_agents_new(&limits)) == NULL) {
		fprintf(stderr, "finderscope sflow: out of memory\n");
		return 1;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	rc = raw != NULL ? read_raw(&r, raw) : read_pcap(&r, argv[0]);
	if (stats)
		sflow_agents_foreach(r.agents, print_agent, &r);
	if (stats || !r.print_samples)
		r.printer->totals(r.out, r.frames, r.not_sflow, &r.stats);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "finderscope sflow: write error\n");
		rc = 1;
	}
	sflow_agents_free(r.agents);
	return rc;
}
