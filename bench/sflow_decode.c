/*
 * sflow_decode.c - how fast sflow_decode() runs on one core, next to memchr.
 *
 * usage: bench_sflow_decode [-n DATAGRAMS] [-r RUNS] [FILE]
 *
 * FILE is a capture (the first UDP payload that decodes as sFlow v5 is
 * used) or a bare datagram; the default is the shared akvorado-data-1140
 * capture (1208 bytes, 5 flow samples with raw headers and extended switch,
 * router and gateway records).  The datagram is copied DATAGRAMS times
 * (default 1,000,000) into one contiguous buffer, each copy at its own
 * 4-byte aligned offset with its own datagram sequence number, so the passes
 * stream through far more memory than the caches hold, as a collector's
 * receive buffers do.  Then, best of RUNS (default 3) each:
 *   memchr      one memchr() scan of the same bytes: the memory bandwidth
 *               ceiling, the baseline the others are compared to;
 *   decode      sflow_decode(flags 0) with a visitor that sums fields;
 *   decode+key  sflow_decode(SFLOW_DECODE_FLOW_KEY): the sampled headers are
 *               parsed into flow keys too, as the controller runs it.
 * Each prints datagrams/s, samples/s, MB/s and time relative to memchr, then
 * a "RESULT" line per pass for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "packet.h"
#include "pcap_input.h"
#include "sflow.h"

#define DEFAULT_INPUT	FS_SHARED_DIR "/testdata/sflow/akvorado-data-1140.pcap"
#define MAX_DATAGRAM	65535

/* The benchmark's project goal, printed next to the measurement. */
#define GOAL_SAMPLES_PER_S	10e6

struct datagram {
	uint8_t		bytes[MAX_DATAGRAM];
	size_t		len;
	char		origin[128];
};

struct pass_result {
	double		seconds;	/* best run */
	uint64_t	datagrams;
	uint64_t	samples;
	uint64_t	sink;		/* keeps the work observable */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Visitors: sum a few fields so the decode cannot be optimised away. */
static void
sum_flow(void *ctx, const struct sflow_datagram *d,
    const struct sflow_flow_sample *s)
{
	*(uint64_t *)ctx += d->seq + s->seq + s->sampling_rate + s->input.value;
}

static void
sum_flow_key(void *ctx, const struct sflow_datagram *d,
    const struct sflow_flow_sample *s)
{
	const struct flow_key *k = &s->pkt.key;

	*(uint64_t *)ctx += d->seq + s->seq + s->sampling_rate + k->sport +
	    k->dport + k->proto + k->src.bytes[3] + k->dst.bytes[3];
}

static void
sum_counter(void *ctx, const struct sflow_datagram *d,
    const struct sflow_counter_sample *s)
{
	*(uint64_t *)ctx += d->seq + s->seq + s->ifc.in_octets;
}

static int
load_pcap(struct datagram *dg, const char *path)
{
	char errbuf[512];
	struct pcap_input *in;
	struct pcap_frame f;
	const uint8_t *payload;
	const char *why;
	size_t len;

	if ((in = pcap_input_open(path, errbuf, sizeof(errbuf))) == NULL)
		return -1;
	while (pcap_input_next(in, &f) == 1) {
		if (pcap_frame_udp_payload(f.data, f.caplen,
		    pcap_input_link(in), 0, &payload, &len, &why) != 0 ||
		    len > sizeof(dg->bytes) ||
		    sflow_decode(payload, len, 0, NULL, NULL,
		    &(struct sflow_stats){ 0 }, NULL) != SFLOW_OK)
			continue;
		memcpy(dg->bytes, payload, len);
		dg->len = len;
		snprintf(dg->origin, sizeof(dg->origin), "frame %llu",
		    (unsigned long long)f.number);
		pcap_input_close(in);
		return 0;
	}
	fprintf(stderr, "%s: no sFlow v5 datagram found\n", path);
	exit(1);
}

static void
load_raw(struct datagram *dg, const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	dg->len = fread(dg->bytes, 1, sizeof(dg->bytes), fp);
	if (!feof(fp) || ferror(fp)) {
		fprintf(stderr, "%s: not a datagram (too long or unreadable)\n",
		    path);
		exit(1);
	}
	fclose(fp);
	snprintf(dg->origin, sizeof(dg->origin), "bare datagram");
}

/* Offset of the datagram sequence number (after the agent address). */
static size_t
seq_offset(const struct datagram *dg)
{
	return dg->bytes[7] == 2 ? 4 + 4 + 16 + 4 : 4 + 4 + 4 + 4;
}

/*
 * n copies, stride bytes apart; copy i has sequence number seq + i so the
 * bytes are not all identical.  Returns the buffer (free() it).
 */
static uint8_t *
replicate(const struct datagram *dg, size_t n, size_t stride)
{
	size_t i, so = seq_offset(dg);
	uint32_t seq;
	uint8_t *buf, *p;

	if ((buf = calloc(n, stride)) == NULL) {
		fprintf(stderr, "out of memory for %zu x %zu bytes\n", n, stride);
		exit(1);
	}
	seq = (uint32_t)dg->bytes[so] << 24 | (uint32_t)dg->bytes[so + 1] << 16 |
	    (uint32_t)dg->bytes[so + 2] << 8 | dg->bytes[so + 3];
	for (i = 0, p = buf; i < n; i++, p += stride, seq++) {
		memcpy(p, dg->bytes, dg->len);
		p[so] = (uint8_t)(seq >> 24);
		p[so + 1] = (uint8_t)(seq >> 16);
		p[so + 2] = (uint8_t)(seq >> 8);
		p[so + 3] = (uint8_t)seq;
	}
	return buf;
}

/* The byte value rarest in the datagram, so memchr scans rather than hits. */
static int
rarest_byte(const struct datagram *dg)
{
	size_t count[256] = { 0 }, i;
	int best = 0, c;

	for (i = 0; i < dg->len; i++)
		count[dg->bytes[i]]++;
	for (c = 1; c < 256; c++)
		if (count[c] < count[best])
			best = c;
	return best;
}

static void
run_memchr(const uint8_t *buf, size_t total, int c, struct pass_result *r)
{
	const uint8_t *p = buf, *end = buf + total;
	uint64_t hits = 0;

	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		hits++;
		p++;
	}
	r->sink += hits;
}

static void
run_decode(const uint8_t *buf, size_t n, size_t stride, size_t len,
    unsigned flags, struct pass_result *r)
{
	const struct sflow_visitor v = {
		.flow = flags & SFLOW_DECODE_FLOW_KEY ? sum_flow_key : sum_flow,
		.counter = sum_counter,
	};
	struct sflow_stats st = { 0 };
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		(void)sflow_decode(buf + i * stride, len, flags, &v, &sum, &st,
		    NULL);
	if (st.datagrams != n) {
		fprintf(stderr, "decode failed: %llu of %zu datagrams decoded\n",
		    (unsigned long long)st.datagrams, n);
		exit(1);
	}
	r->samples = st.flow_samples + st.counter_samples + st.discard_samples;
	r->sink += sum;
}

enum pass { PASS_MEMCHR, PASS_DECODE, PASS_DECODE_KEY };

static const char *const pass_name[] = { "memchr", "decode", "decode+key" };

static void
measure(enum pass pass, const uint8_t *buf, size_t n, size_t stride,
    const struct datagram *dg, int runs, struct pass_result *r)
{
	int c = rarest_byte(dg), i;
	double t0, t;

	memset(r, 0, sizeof(*r));
	r->datagrams = n;
	for (i = 0; i < runs; i++) {
		t0 = now();
		switch (pass) {
		case PASS_MEMCHR:
			run_memchr(buf, n * stride, c, r);
			break;
		case PASS_DECODE:
			run_decode(buf, n, stride, dg->len, 0, r);
			break;
		case PASS_DECODE_KEY:
			run_decode(buf, n, stride, dg->len,
			    SFLOW_DECODE_FLOW_KEY, r);
			break;
		}
		t = now() - t0;
		if (i == 0 || t < r->seconds)
			r->seconds = t;
	}
}

static void
report(enum pass pass, const struct pass_result *r, uint64_t samples,
    size_t bytes, double baseline)
{
	double s = r->seconds;

	printf("%-12s %9.4f %14.0f %14.0f %10.1f %10.2f\n", pass_name[pass], s,
	    (double)r->datagrams / s, (double)samples / s,
	    (double)bytes / s / 1e6, s / baseline);
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n DATAGRAMS] [-r RUNS] [FILE]\n"
	    "  FILE: a capture or a bare sFlow datagram (default %s)\n", prog,
	    DEFAULT_INPUT);
	exit(1);
}

int
main(int argc, char **argv)
{
	static struct datagram dg;
	struct pass_result r[3];
	const char *path = DEFAULT_INPUT;
	unsigned long n = 1000000;
	uint64_t samples;
	size_t stride;
	uint8_t *buf;
	char *end;
	int ch, runs = 3, p;

	while ((ch = getopt(argc, argv, "n:r:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, &end, 10);
			if (*end != '\0' || n == 0)
				usage(argv[0]);
			break;
		case 'r':
			runs = atoi(optarg);
			if (runs < 1)
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind + 1 < argc)
		usage(argv[0]);
	if (optind < argc)
		path = argv[optind];
	if (load_pcap(&dg, path) == -1)
		load_raw(&dg, path);
	if (dg.len < 28 || sflow_decode(dg.bytes, dg.len, 0, NULL, NULL,
	    &(struct sflow_stats){ 0 }, NULL) != SFLOW_OK) {
		fprintf(stderr, "%s: not a valid sFlow v5 datagram\n", path);
		return 1;
	}

	stride = (dg.len + 3) & ~(size_t)3;
	buf = replicate(&dg, n, stride);
#if !defined(__OPTIMIZE__) || defined(__SANITIZE_ADDRESS__)
	printf("warning: not an optimised build without sanitizers: "
	    "the figures below mean little\n");
#endif
	printf("input: %s (%s), %zu bytes\n", path, dg.origin, dg.len);
	printf("buffer: %lu datagrams, %zu bytes apart, %.1f MB; best of %d "
	    "runs\n\n", n, stride, (double)n * (double)stride / 1e6, runs);

	for (p = PASS_MEMCHR; p <= PASS_DECODE_KEY; p++)
		measure((enum pass)p, buf, n, stride, &dg, runs, &r[p]);
	samples = r[PASS_DECODE].samples;
	if (samples == 0 || samples % n != 0 ||
	    r[PASS_DECODE_KEY].samples != samples) {
		fprintf(stderr, "%s: %llu samples over %lu datagrams\n", path,
		    (unsigned long long)samples, n);
		return 1;
	}

	printf("%-12s %9s %14s %14s %10s %10s\n", "pass", "seconds",
	    "datagrams/s", "samples/s", "MB/s", "x memchr");
	for (p = PASS_MEMCHR; p <= PASS_DECODE_KEY; p++)
		report((enum pass)p, &r[p], samples, n * stride,
		    r[PASS_MEMCHR].seconds);
	printf("\nRESULT input bytes=%zu datagrams=%lu samples_per_datagram=%llu\n",
	    dg.len, n, (unsigned long long)(samples / n));
	for (p = PASS_MEMCHR; p <= PASS_DECODE_KEY; p++)
		printf("RESULT pass=%s seconds=%.6f datagrams_per_s=%.0f "
		    "samples_per_s=%.0f mb_per_s=%.1f x_memchr=%.3f sink=%llu\n",
		    pass_name[p], r[p].seconds, (double)n / r[p].seconds,
		    (double)samples / r[p].seconds,
		    (double)(n * stride) / r[p].seconds / 1e6,
		    r[p].seconds / r[PASS_MEMCHR].seconds,
		    (unsigned long long)r[p].sink);
	printf("goal: >= %.0fM samples/s for decode+key on one core: %s\n",
	    GOAL_SAMPLES_PER_S / 1e6, (double)samples /
	    r[PASS_DECODE_KEY].seconds >= GOAL_SAMPLES_PER_S ? "met" :
	    "NOT met");
	free(buf);
	return 0;
}
