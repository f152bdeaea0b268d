/*
 * decap.c - how fast cap_decap() runs on one core, next to the cost of
 * writing the mirrored frames to a capture file.
 *
 * usage: bench_decap [-n PACKETS] [-r RUNS] [-d DIR]
 *
 * For ERSPAN type II and type III (no subheader), each with inner Ethernet
 * frames of 64, 512 and 1500 bytes: a pool of 8192 distinct packets (outer
 * Ethernet, IPv4, GRE with sequence numbers, ERSPAN header, inner frame;
 * sequence and session differ per packet) is built in memory and walked
 * PACKETS times (default 1,000,000).  Then, best of RUNS (default 3):
 *   baseline      memcpy of the inner bytes (at their known offset) into a
 *                 scratch buffer + pcap_dump() of it: what any receiver pays;
 *   decap         cap_decap() alone;
 *   decap+dump    cap_decap() + pcap_dump() of the inner frame it found.
 * The dump goes to DIR (default /dev/shm: tmpfs, so disk speed does not
 * count) and is rewound every 64 MB so that it stays small; it is removed
 * at the end.  Each pass prints Mpps, Gbit/s of the packets as received
 * (outer bytes) and its throughput as a ratio of the baseline.
 */
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"

#define POOL		8192
#define MAX_FRAME	1600
#define OUTER_HDR	(14 + 20 + 8)	/* Ethernet, IPv4, GRE with S */
#define REWIND_BYTES	(64L << 20)

struct pool {
	uint8_t		*bytes;		/* POOL frames of stride MAX_FRAME */
	size_t		 len;		/* every frame's length */
	size_t		 inner_off;
	size_t		 inner_len;
};

struct pass {
	double		 seconds;
	uint64_t	 sink;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

/* type 2 or 3; inner: the mirrored Ethernet frame's length. */
static void
pool_build(struct pool *pl, int type, size_t inner)
{
	size_t ehdr = type == 2 ? 8 : 12, i, j;

	pl->inner_off = OUTER_HDR + ehdr;
	pl->inner_len = inner;
	pl->len = pl->inner_off + inner;
	pl->bytes = calloc(POOL, MAX_FRAME);
	if (pl->bytes == NULL) {
		perror("calloc");
		exit(1);
	}
	for (i = 0; i < POOL; i++) {
		uint8_t *f = pl->bytes + i * MAX_FRAME, *p = f;

		memcpy(p, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
		p += 14;
		*p++ = 0x45;
		*p++ = 0;
		p = put16(p, (uint16_t)(pl->len - 14));
		p = put32(p, 0x4000);		/* id 0, DF */
		*p++ = 64;
		*p++ = 47;
		p = put16(p, 0);
		p = put32(p, 0x0AC90001);
		p = put32(p, 0x0AC90002);
		p = put16(p, 0x1000);
		p = put16(p, type == 2 ? 0x88BE : 0x22EB);
		p = put32(p, (uint32_t)i);
		if (type == 2) {
			p = put32(p, 1u << 28 | (uint32_t)(i & 0x3FF));
			p = put32(p, 7);
		} else {
			p = put32(p, 2u << 28 | (uint32_t)(i & 0x3FF));
			p = put32(p, (uint32_t)i * 1000);
			p = put32(p, 0x40);
		}
		memcpy(p, "\x02\0\0\0\0\x04\x02\0\0\0\0\x03\x08\x00", 14);
		for (j = 14; j < inner; j++)
			p[j] = (uint8_t)(i + j);
	}
}

static void
dump_one(pcap_dumper_t *d, const uint8_t *bytes, size_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)d, &h, bytes);
	if (pcap_dump_ftell(d) > REWIND_BYTES) {
		pcap_dump_flush(d);
		fseek(pcap_dump_file(d), 24, SEEK_SET);	/* after the header */
	}
}

enum { BASELINE, DECAP, DECAP_DUMP, PASSES };
static const char *const pass_names[PASSES] = {
	"baseline", "decap", "decap+dump" };

static struct pass
run(int which, const struct pool *pl, uint64_t n, pcap_dumper_t *d)
{
	static uint8_t scratch[MAX_FRAME];
	struct pass r = { 0, 0 };
	struct cap_decap out;
	double t0 = now();
	uint64_t i;

	for (i = 0; i < n; i++) {
		const uint8_t *f = pl->bytes + (i % POOL) * MAX_FRAME;

		switch (which) {
		case BASELINE:
			memcpy(scratch, f + pl->inner_off, pl->inner_len);
			dump_one(d, scratch, pl->inner_len);
			r.sink += scratch[pl->inner_len - 1];
			break;
		case DECAP:
			if (cap_decap(f, pl->len, PKT_LINK_ETHERNET, &out) !=
			    CAP_DECAP_OK)
				abort();
			r.sink += out.inner_len + out.session;
			break;
		default:
			if (cap_decap(f, pl->len, PKT_LINK_ETHERNET, &out) !=
			    CAP_DECAP_OK)
				abort();
			dump_one(d, out.inner, out.inner_len);
			r.sink += out.session;
			break;
		}
	}
	r.seconds = now() - t0;
	return r;
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 512, 1500 };
	const char *dir = "/dev/shm";
	uint64_t n = 1000000, sink = 0;
	int runs = 3, ch, type, w, k;
	size_t s;
	char path[512];
	pcap_t *dead;
	pcap_dumper_t *d;

	while ((ch = getopt(argc, argv, "n:r:d:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n PACKETS] [-r RUNS] "
			    "[-d DIR]\n", argv[0]);
			return 2;
		}
	}
	if (n == 0 || runs < 1)
		return 2;
	snprintf(path, sizeof(path), "%s/bench_decap.%ld.pcap", dir,
	    (long)getpid());
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (dead == NULL || (d = pcap_dump_open(dead, path)) == NULL) {
		fprintf(stderr, "%s: cannot write %s\n", argv[0], path);
		return 1;
	}
	printf("%-10s %6s %-11s %10s %10s %9s\n", "encap", "inner", "pass",
	    "Mpps", "Gbit/s", "x base");
	for (type = 2; type <= 3; type++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct pool pl;
			double best[PASSES];

			pool_build(&pl, type, sizes[s]);
			for (w = 0; w < PASSES; w++) {
				best[w] = 1e30;
				for (k = 0; k < runs; k++) {
					struct pass r = run(w, &pl, n, d);

					sink += r.sink;
					if (r.seconds < best[w])
						best[w] = r.seconds;
				}
				printf("%-10s %6zu %-11s %10.2f %10.2f %9.2f\n",
				    type == 2 ? "erspan-ii" : "erspan-iii",
				    sizes[s], pass_names[w], n / best[w] / 1e6,
				    n * pl.len * 8.0 / best[w] / 1e9,
				    best[BASELINE] / best[w]);
				printf("RESULT encap=%s inner=%zu pass=%s "
				    "mpps=%.3f gbps=%.3f ratio=%.3f\n",
				    type == 2 ? "erspan-ii" : "erspan-iii",
				    sizes[s], pass_names[w], n / best[w] / 1e6,
				    n * pl.len * 8.0 / best[w] / 1e9,
				    best[BASELINE] / best[w]);
			}
			free(pl.bytes);
		}
	}
	pcap_dump_close(d);
	pcap_close(dead);
	unlink(path);
	fprintf(stderr, "(sink %llu)\n", (unsigned long long)sink);
	return 0;
}
