/*
 * inspect_mem.c - what many concurrent sessions cost (see inspect.h).
 *
 * Each session is opened the cheapest way that still inspects both
 * directions: a SYN, the SYN-ACK and one data segment each way (a request
 * and the start of a response), no FIN, so both of its Hyperscan streams
 * are open when the table is measured.  Two figures: what
 * cap_sessions_memory() says (the table's own account, with estimates for
 * malloc's overhead), and how much the heap grew meanwhile (mallinfo2:
 * in use, small and mmapped blocks), which also counts what the account
 * leaves out.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cap_sessions.h"
#include "inspect.h"

#define REQ_LEN		300
#define RESP_LEN	600
#define TH_SYN		0x02
#define TH_PSH		0x08
#define TH_ACK		0x10

static size_t
heap_now(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

int
ib_memory(struct cap_keyset *set, uint32_t n, uint64_t history_bytes,
    const char *dir, struct ib_mem *out)
{
	struct cap_sessions_config	cfg;
	struct cap_sessions_stats	st;
	struct cap_sessions		*t;
	struct ib_rng			r = { 42 };
	struct timespec			ts = { 1795000000, 0 };
	uint8_t				frame[1600], req[REQ_LEN],
					resp[RESP_LEN];
	char				err[256];
	size_t				heap0, len;
	uint16_t			off;
	uint32_t			s, isn = 1000;

	ib_request(&r, req, sizeof(req));
	ib_response(&r, resp, sizeof(resp));
	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = dir;
	cfg.max_sessions = n;
	cfg.history_bytes = history_bytes;
	heap0 = heap_now();
	if ((t = cap_sessions_new(&cfg, set, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_inspect: %s\n", err);
		return -1;
	}
	for (s = 0; s < n; s++) {
		ts.tv_nsec = (long)(s % 1000000) * 1000;
		len = ib_frame_build(frame, s, 0, 0, TH_SYN, isn, 0, NULL, 0,
		    &off);
		cap_sessions_frame(t, "", &ts, frame, (uint32_t)len,
		    (uint32_t)len, 0);
		len = ib_frame_build(frame, s, 0, 1, TH_SYN | TH_ACK, isn * 3,
		    isn + 1, NULL, 0, &off);
		cap_sessions_frame(t, "", &ts, frame, (uint32_t)len,
		    (uint32_t)len, 0);
		len = ib_frame_build(frame, s, 0, 0, TH_ACK | TH_PSH, isn + 1,
		    isn * 3 + 1, req, sizeof(req), &off);
		cap_sessions_frame(t, "", &ts, frame, (uint32_t)len,
		    (uint32_t)len, 0);
		len = ib_frame_build(frame, s, 0, 1, TH_ACK | TH_PSH,
		    isn * 3 + 1, isn + 1 + sizeof(req), resp, sizeof(resp),
		    &off);
		cap_sessions_frame(t, "", &ts, frame, (uint32_t)len,
		    (uint32_t)len, 0);
	}
	out->table = cap_sessions_memory(t);
	out->heap = heap_now() - heap0;
	out->stream_state = cap_keyset_stream_size(set);
	cap_sessions_stats(t, &st);
	out->sessions = st.sessions_now;
	cap_sessions_free(t);
	if (st.sessions_now != n || st.bytes_scanned !=
	    (uint64_t)n * (REQ_LEN + RESP_LEN)) {
		fprintf(stderr, "bench_inspect: memory: %u of %u sessions "
		    "open, %llu bytes scanned\n", st.sessions_now, n,
		    (unsigned long long)st.bytes_scanned);
		return -1;
	}
	return 0;
}
