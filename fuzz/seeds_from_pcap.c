/*
 * seeds_from_pcap.c - write the UDP payloads of capture files as seed files.
 *
 * usage: seeds_from_pcap OUTDIR CAPTURE...
 *
 * OUTDIR is created if needed.  Every UDP frame of every capture becomes
 * OUTDIR/NAME-FRAME.bin holding the UDP payload clipped to the UDP length
 * (what a collector's socket would have received).
 * The shared third-party captures are licensed as test data only, so their
 * payloads are extracted into the build directory at test time instead of
 * being committed to the seed corpus.
 *
 * Exit status: 0 when at least one seed was written, 1 otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pcap_input.h"

static int
write_seed(const char *path, const uint8_t *bytes, size_t len)
{
	FILE *fp;
	int ok;

	if ((fp = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "seeds_from_pcap: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	ok = fwrite(bytes, 1, len, fp) == len;
	if (fclose(fp) != 0 || !ok) {
		fprintf(stderr, "seeds_from_pcap: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

/* Returns the number of seeds written, or -1 on an error. */
static long
extract(const char *outdir, const char *capture)
{
	char errbuf[512], path[PATH_MAX];
	const char *base = strrchr(capture, '/'), *why;
	struct pcap_input *in;
	struct pcap_frame f;
	const uint8_t *payload;
	long written = 0;
	size_t len;
	int rc;

	base = base != NULL ? base + 1 : capture;
	if ((in = pcap_input_open(capture, errbuf, sizeof(errbuf))) == NULL) {
		fprintf(stderr, "seeds_from_pcap: %s\n", errbuf);
		return -1;
	}
	while ((rc = pcap_input_next(in, &f)) == 1) {
		if (pcap_frame_udp_payload(f.data, f.caplen,
		    pcap_input_link(in), 0, &payload, &len, &why) != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s-%llu.bin", outdir, base,
		    (unsigned long long)f.number) >= (int)sizeof(path) ||
		    write_seed(path, payload, len) == -1) {
			pcap_input_close(in);
			return -1;
		}
		written++;
	}
	if (rc == -1)
		fprintf(stderr, "seeds_from_pcap: %s: %s (the frames after "
		    "that are ignored)\n", capture, pcap_input_error(in));
	pcap_input_close(in);
	return written;
}

int
main(int argc, char **argv)
{
	long total = 0, n;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s OUTDIR CAPTURE...\n", argv[0]);
		return 1;
	}
	if (mkdir(argv[1], 0777) == -1 && errno != EEXIST) {
		fprintf(stderr, "seeds_from_pcap: %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if ((n = extract(argv[1], argv[i])) == -1)
			return 1;
		total += n;
	}
	printf("seeds_from_pcap: %ld seeds written to %s\n", total, argv[1]);
	return total > 0 ? 0 : 1;
}
