/*
 * test_sflow_truncation.c - every valid datagram, cut at every length.
 *
 * Inputs: the UDP payloads of the captures ../shared/testdata/sflow/NAME.pcap
 * (clipped to the UDP length), the bare datagrams of
 * ../shared/testdata/sflow/raw/, and the project's own seeds in
 * fuzz/corpus/sflow_datagram/.  A datagram is swept
 * when it decodes whole as SFLOW_OK; the NetFlow frames sent to port 6343
 * decode as SFLOW_BAD_VERSION and are counted, not swept.
 *
 * The contract asserted for a datagram whose whole decode consumed N bytes
 * (err.offset; bytes after N are trailing and ignored), with its sample
 * boundaries found by an independent walk of the sample framing:
 *  - every cut L < N, decoded from a heap buffer of exactly L bytes so that
 *    ASan sees any over-read, returns SFLOW_TRUNCATED, including L < 4: a
 *    version word that is not all there is missing, not wrong.  err.result
 *    is the return value, err.offset <= L, stats.truncated is 1 and the
 *    samples counted (delivered, skipped or bad) are exactly those that end
 *    at or before L;
 *  - every cut N <= L <= len returns SFLOW_OK with err.offset == N, the same
 *    counts of every kind as the whole decode, and trailing_bytes == (L > N).
 * Both with and without SFLOW_DECODE_FLOW_KEY.
 *
 * The sampled headers those datagrams carry go through the same sweep with
 * pkt_parse(); that contract is written above check_header_cut().
 *
 * A case skips when its inputs are missing (the header sweep then runs on
 * our own seeds alone).
 */
#include <errno.h>
#include <glob.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs_test.h"

#include "cursor.h"
#include "packet.h"
#include "sflow.h"

#define SHARED_SFLOW	FS_SHARED_DIR "/testdata/sflow"
#define OWN_SEEDS	FS_FIXTURES_DIR "/../../fuzz/corpus/sflow_datagram"
#define IPPROTO_UDP_	17
#define MAX_SAMPLES	1024

/* One input: where it came from and its bytes. */
struct input {
	char		 name[256];
	uint8_t		*bytes;
	size_t		 len;
};

struct inputs {
	struct input	*v;
	size_t		 n, cap;
};

/* What one decode saw: its result and the stats it added. */
struct outcome {
	int			rc;
	struct sflow_error	err;
	struct sflow_stats	st;
};

static void
inputs_add(struct inputs *in, const char *name, const uint8_t *bytes,
    size_t len)
{
	struct input *i;

	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 64;
		in->v = realloc(in->v, in->cap * sizeof(*in->v));
		assert_non_null(in->v);
	}
	i = &in->v[in->n++];
	snprintf(i->name, sizeof(i->name), "%s", name);
	i->len = len;
	i->bytes = malloc(len > 0 ? len : 1);
	assert_non_null(i->bytes);
	memcpy(i->bytes, bytes, len);
}

static void
inputs_free(struct inputs *in)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		free(in->v[i].bytes);
	free(in->v);
	memset(in, 0, sizeof(*in));
}

/* The UDP payloads of an Ethernet capture, each clipped to its UDP length. */
static void
load_pcap(struct inputs *in, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE], name[256];
	struct pcap_pkthdr *h;
	const u_char *frame;
	struct pkt_parsed p;
	unsigned frame_no = 0;
	pcap_t *pc;

	pc = pcap_open_offline(path, errbuf);
	if (pc == NULL)
		fail_msg("%s", errbuf);
	assert_int_equal(pcap_datalink(pc), DLT_EN10MB);
	while (pcap_next_ex(pc, &h, &frame) == 1) {
		frame_no++;
		pkt_parse(frame, h->caplen, PKT_LINK_ETHERNET, &p);
		if (p.key.proto != IPPROTO_UDP_ || p.payload_offset == 0)
			continue;
		snprintf(name, sizeof(name), "%s#%u", strrchr(path, '/') + 1,
		    frame_no);
		inputs_add(in, name, frame + p.payload_offset, p.payload_length);
	}
	pcap_close(pc);
}

static void
load_file(struct inputs *in, const char *path)
{
	uint8_t buf[65536];
	size_t n;
	FILE *fp;

	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), fp);
	assert_true(feof(fp));
	fclose(fp);
	inputs_add(in, strrchr(path, '/') + 1, buf, n);
}

static int
dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Skip the running case when an input folder is not there. */
static void
require_dir(const char *dir)
{
	if (!dir_exists(dir)) {
		print_message("%s is missing: skipped\n", dir);
		skip();
	}
}

/* Load every file of dir matching pattern, in name order. */
static void
load_glob(struct inputs *in, const char *dir, const char *pattern,
    void (*load)(struct inputs *, const char *))
{
	char pat[1024];
	glob_t g;
	size_t i;

	require_dir(dir);
	snprintf(pat, sizeof(pat), "%s/%s", dir, pattern);
	assert_int_equal(glob(pat, 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++)
		load(in, g.gl_pathv[i]);
	globfree(&g);
}

/*
 * The offsets where the header and each sample end, walked independently
 * of the decoder: only the framing (address type, sample lengths) is read.
 * Returns the number of samples, or -1 if the framing does not hold.
 */
static int
sample_ends(const uint8_t *buf, size_t len, size_t *header_end, size_t *ends)
{
	struct cursor c;
	uint32_t n, i;

	cursor_init(&c, buf, len);
	cursor_skip(&c, 4);				/* version */
	switch (cursor_be32(&c)) {
	case 1:
		cursor_skip(&c, 4);
		break;
	case 2:
		cursor_skip(&c, 16);
		break;
	default:
		return -1;
	}
	cursor_skip(&c, 12);				/* sub-agent, seq, uptime */
	n = cursor_be32(&c);
	if (cursor_error(&c) || n > MAX_SAMPLES)
		return -1;
	*header_end = len - cursor_left(&c);
	for (i = 0; i < n; i++) {
		uint32_t sample_len;

		cursor_skip(&c, 4);			/* data format */
		sample_len = cursor_be32(&c);
		/* opaque sample_data<>: XDR pads it to a multiple of 4 */
		cursor_skip(&c, sample_len + cursor_xdr_pad(sample_len));
		ends[i] = len - cursor_left(&c);
	}
	return cursor_error(&c) ? -1 : (int)n;
}

static uint64_t
samples_seen(const struct sflow_stats *st)
{
	return st->flow_samples + st->counter_samples + st->discard_samples +
	    st->unknown_samples + st->bad_samples;
}

/* Decode len bytes copied to a heap buffer of exactly that size. */
static void
decode_copy(const uint8_t *bytes, size_t len, unsigned flags,
    struct outcome *o)
{
	uint8_t *copy = malloc(len);	/* glibc: non-NULL even for 0 */

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	memset(o, 0, sizeof(*o));
	o->rc = sflow_decode(copy, len, flags, NULL, NULL, &o->st, &o->err);
	free(copy);
}

static void
assert_same_counts(const struct input *in, size_t cut,
    const struct sflow_stats *a, const struct sflow_stats *b)
{
	if (a->flow_samples != b->flow_samples ||
	    a->counter_samples != b->counter_samples ||
	    a->discard_samples != b->discard_samples ||
	    a->unknown_samples != b->unknown_samples ||
	    a->bad_samples != b->bad_samples ||
	    a->flow_records != b->flow_records ||
	    a->counter_records != b->counter_records ||
	    a->unknown_records != b->unknown_records ||
	    a->bad_records != b->bad_records)
		fail_msg("%s cut at %zu: counts differ from the whole decode",
		    in->name, cut);
}

/* The sweep of one datagram; returns 0 if it is not swept (not SFLOW_OK). */
static int
sweep_datagram(const struct input *in, unsigned flags)
{
	static size_t ends[MAX_SAMPLES];
	struct outcome whole, cut;
	size_t header_end = 0, consumed, len, done;
	int n;

	decode_copy(in->bytes, in->len, flags, &whole);
	if (whole.rc != SFLOW_OK)
		return 0;
	consumed = whole.err.offset;
	n = sample_ends(in->bytes, in->len, &header_end, ends);
	if (n < 0)
		fail_msg("%s: decodes but its sample framing does not hold",
		    in->name);
	if (consumed != (n > 0 ? ends[n - 1] : header_end))
		fail_msg("%s: err.offset %zu is not the end of the last sample",
		    in->name, consumed);
	if (samples_seen(&whole.st) != (uint64_t)n)
		fail_msg("%s: %d samples declared, %llu counted", in->name, n,
		    (unsigned long long)samples_seen(&whole.st));

	for (len = 0; len < consumed; len++) {
		decode_copy(in->bytes, len, flags, &cut);
		if (cut.rc != SFLOW_TRUNCATED || cut.err.result != cut.rc ||
		    cut.err.offset > len || cut.st.truncated != 1)
			fail_msg("%s cut at %zu of %zu: %s (err.result %d, "
			    "offset %zu, truncated %llu), expected truncated",
			    in->name, len, consumed, sflow_result_str(cut.rc),
			    cut.err.result, cut.err.offset,
			    (unsigned long long)cut.st.truncated);
		for (done = 0; done < (size_t)n && ends[done] <= len; done++)
			;
		if (samples_seen(&cut.st) != done)
			fail_msg("%s cut at %zu: %llu samples counted, %zu "
			    "complete", in->name, len,
			    (unsigned long long)samples_seen(&cut.st), done);
	}
	for (len = consumed; len <= in->len; len++) {
		decode_copy(in->bytes, len, flags, &cut);
		if (cut.rc != SFLOW_OK || cut.err.offset != consumed ||
		    cut.st.trailing_bytes != (len > consumed))
			fail_msg("%s cut at %zu of %zu: %s (offset %zu, trailing "
			    "%llu), expected ok", in->name, len, in->len,
			    sflow_result_str(cut.rc), cut.err.offset,
			    (unsigned long long)cut.st.trailing_bytes);
		assert_same_counts(in, len, &whole.st, &cut.st);
	}
	return 1;
}

/*
 * Sweep every input that decodes whole as SFLOW_OK; returns how many.  The
 * others are counted: not version 5 (bad_version) or, only allowed in our
 * own seeds, broken on purpose: invalid, or truncated like the fuzzer's
 * regression inputs (broken may be NULL: then none may be).
 */
static size_t
sweep_all(const struct inputs *in, size_t *bad_version, size_t *broken)
{
	struct outcome o;
	size_t i, swept = 0;

	*bad_version = 0;
	if (broken != NULL)
		*broken = 0;
	for (i = 0; i < in->n; i++) {
		decode_copy(in->v[i].bytes, in->v[i].len, 0, &o);
		if (o.rc == SFLOW_BAD_VERSION) {
			(*bad_version)++;
			continue;
		}
		if ((o.rc == SFLOW_INVALID || o.rc == SFLOW_TRUNCATED) &&
		    broken != NULL) {
			(*broken)++;
			continue;
		}
		if (o.rc != SFLOW_OK)
			fail_msg("%s: %s at offset %zu (%s)", in->v[i].name,
			    sflow_result_str(o.rc), o.err.offset,
			    o.err.what ? o.err.what : "?");
		assert_int_equal(sweep_datagram(&in->v[i], 0), 1);
		assert_int_equal(sweep_datagram(&in->v[i],
		    SFLOW_DECODE_FLOW_KEY), 1);
		swept++;
	}
	return swept;
}

/*
 * The oracle's view of a capture: UDP frames tshark called sFlow and those
 * it did not (the is_sflow column of NAME.datagrams.tsv).
 */
static void
oracle_counts(const char *pcap, size_t *sflow, size_t *other)
{
	char path[1024], line[4096];
	size_t n = strlen(pcap) - strlen(".pcap");
	FILE *fp;

	*sflow = *other = 0;
	snprintf(path, sizeof(path), "%.*s.datagrams.tsv", (int)n, pcap);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *col = line;
		int i;

		if (line[0] == '#')
			continue;
		for (i = 0; i < 5 && col != NULL; i++)
			if ((col = strchr(col, '\t')) != NULL)
				col++;
		assert_non_null(col);
		if (col[0] == '1')
			(*sflow)++;
		else
			(*other)++;
	}
	fclose(fp);
}

/*
 * What a case loads lives here, so that teardown() frees it even when an
 * assertion ends the case early (cmocka leaves the function by longjmp).
 */
static struct inputs loaded;
static glob_t pcaps;
static int pcaps_globbed;

static void
sweep_shared_pcaps(void **state)
{
	size_t swept, bad, total_swept = 0, total_bad = 0, sflow, other;
	char pat[1024];
	size_t i;

	(void)state;
	require_dir(SHARED_SFLOW);
	/* Capture by capture, so that each agrees with its oracle. */
	snprintf(pat, sizeof(pat), "%s/*.pcap", SHARED_SFLOW);
	assert_int_equal(glob(pat, 0, NULL, &pcaps), 0);
	pcaps_globbed = 1;
	for (i = 0; i < pcaps.gl_pathc; i++) {
		load_pcap(&loaded, pcaps.gl_pathv[i]);
		swept = sweep_all(&loaded, &bad, NULL);
		oracle_counts(pcaps.gl_pathv[i], &sflow, &other);
		if (swept != sflow || bad != other)
			fail_msg("%s: %zu datagrams swept and %zu not sFlow v5; "
			    "the oracle says %zu and %zu", pcaps.gl_pathv[i],
			    swept, bad, sflow, other);
		total_swept += swept;
		total_bad += bad;
		inputs_free(&loaded);
	}
	print_message("%zu datagrams swept, %zu not sFlow v5\n", total_swept,
	    total_bad);
	assert_true(total_swept > 0);
}

static void
sweep_shared_raw(void **state)
{
	size_t bad;

	(void)state;
	load_glob(&loaded, SHARED_SFLOW "/raw", "*", load_file);
	assert_true(loaded.n > 0);
	/* All of them are valid sFlow v5. */
	assert_int_equal(sweep_all(&loaded, &bad, NULL), loaded.n);
	assert_int_equal(bad, 0);
}

static void
sweep_fuzz_seeds(void **state)
{
	size_t bad, broken, swept;

	(void)state;
	load_glob(&loaded, OWN_SEEDS, "*", load_file);
	swept = sweep_all(&loaded, &bad, &broken);
	print_message("%zu seeds swept, %zu not sFlow v5, %zu broken on "
	    "purpose\n", swept, bad, broken);
	assert_true(swept > 0);
}

/* ---- sampled headers ------------------------------------------------ */

struct header {
	char		 name[300];
	enum pkt_link	 link;
	uint8_t		*bytes;
	size_t		 len;
	struct pkt_parsed decoded;	/* the decoder's own parse */
};

struct headers {
	struct header	*v;
	size_t		 n, cap;
	const char	*input;		/* name of the datagram being decoded */
};

static struct headers collected;	/* freed by teardown() */

static void
headers_free(struct headers *hs)
{
	size_t i;

	for (i = 0; i < hs->n; i++)
		free(hs->v[i].bytes);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}

static enum pkt_link
header_link(uint32_t protocol)
{
	switch (protocol) {
	case SFLOW_HEADER_ETHERNET:
		return PKT_LINK_ETHERNET;
	case SFLOW_HEADER_IPV4:
		return PKT_LINK_IPV4;
	case SFLOW_HEADER_IPV6:
		return PKT_LINK_IPV6;
	default:
		return 0;
	}
}

static void
collect_header(void *ctx, const struct sflow_datagram *d,
    const struct sflow_flow_sample *s)
{
	struct headers *hs = ctx;
	struct header *h;
	enum pkt_link link = header_link(s->header.protocol);

	(void)d;
	if (!(s->present & SFLOW_HAS_RAW_HEADER) || link == 0)
		return;
	if (hs->n == hs->cap) {
		hs->cap = hs->cap ? hs->cap * 2 : 64;
		hs->v = realloc(hs->v, hs->cap * sizeof(*hs->v));
		assert_non_null(hs->v);
	}
	h = &hs->v[hs->n++];
	snprintf(h->name, sizeof(h->name), "%s sample %u", hs->input, s->index);
	h->link = link;
	h->len = s->header.length;
	h->bytes = malloc(h->len > 0 ? h->len : 1);
	assert_non_null(h->bytes);
	memcpy(h->bytes, s->header.bytes, h->len);
	assert_true(s->present & SFLOW_HAS_FLOW_KEY);
	h->decoded = s->pkt;
}

#define CUT_CHECK(cond) do {						\
	if (!(cond))							\
		fail_msg("%s cut at %zu of %zu: %s", h->name, cut,	\
		    h->len, #cond);					\
} while (0)

static int
addr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return netaddr_compare(a, b) == 0;
}

static int
key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return addr_equal(&a->src, &b->src) && addr_equal(&a->dst, &b->dst) &&
	    a->mpls_label == b->mpls_label && a->eth_type == b->eth_type &&
	    a->vlan == b->vlan && a->inner_vlan == b->inner_vlan &&
	    a->sport == b->sport && a->dport == b->dport &&
	    a->tcp_flags == b->tcp_flags && a->flags == b->flags &&
	    a->vlan_count == b->vlan_count && a->mpls_count == b->mpls_count &&
	    a->proto == b->proto && a->tos == b->tos && a->ttl == b->ttl &&
	    a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
}

/*
 * A key C parsed from a cut of the bytes that gave key W says nothing W
 * does not, and says why it says less:
 *  - C has no flag W lacks, except FLOW_KEY_TRUNCATED;
 *  - if W has a flag C lacks, or W is truncated, C is truncated;
 *  - every field C claims (by its flags, address families, counts) has W's
 *    value.  TOS and TTL are not compared: they are read before the rest of
 *    the IP header is known to be there.
 */
static void
check_key_prefix(const struct header *h, size_t cut, const struct flow_key *w,
    const struct flow_key *c)
{
	uint16_t extra = c->flags & ~w->flags, missing = w->flags & ~c->flags;

	CUT_CHECK((extra & ~FLOW_KEY_TRUNCATED) == 0);
	CUT_CHECK(missing == 0 || (c->flags & FLOW_KEY_TRUNCATED));
	CUT_CHECK(!(w->flags & FLOW_KEY_TRUNCATED) ||
	    (c->flags & FLOW_KEY_TRUNCATED));
	CUT_CHECK(c->eth_type == 0 || c->eth_type == w->eth_type);
	CUT_CHECK(c->vlan_count <= w->vlan_count);
	CUT_CHECK(c->vlan_count < 1 || c->vlan == w->vlan);
	CUT_CHECK(c->vlan_count < 2 || c->inner_vlan == w->inner_vlan);
	CUT_CHECK(c->mpls_count <= w->mpls_count);
	CUT_CHECK(c->mpls_count < 1 || c->mpls_label == w->mpls_label);
	CUT_CHECK(c->src.family == NETADDR_NONE || addr_equal(&c->src, &w->src));
	CUT_CHECK(c->dst.family == NETADDR_NONE || addr_equal(&c->dst, &w->dst));
	CUT_CHECK(w->src.family == c->src.family ||
	    (c->flags & FLOW_KEY_TRUNCATED));
	CUT_CHECK(!(c->flags & FLOW_KEY_PORTS) ||
	    (c->sport == w->sport && c->dport == w->dport &&
	    c->proto == w->proto));
	CUT_CHECK(!(c->flags & FLOW_KEY_TCP_FLAGS) ||
	    c->tcp_flags == w->tcp_flags);
	CUT_CHECK(!(c->flags & FLOW_KEY_ICMP) ||
	    (c->icmp_type == w->icmp_type && c->icmp_code == w->icmp_code));
}

/*
 * The pkt_parse() contract for a header of n bytes parsed whole as W, and
 * parsed as C from a heap buffer of exactly `cut` bytes (cut < n):
 *  1. C.key is a prefix of W.key (check_key_prefix above).
 *  2. When W reached the end of a TCP, UDP or SCTP header (P =
 *     W.payload_offset > 0): a cut before P is FLOW_KEY_TRUNCATED; a cut at
 *     or after P gives exactly W's key, payload_offset P and payload_length
 *     min(W.payload_length, cut - P): bytes after the transport header never
 *     change the key.
 *  3. With VXLAN in W (has_inner): C has an inner flow exactly when the cut
 *     keeps the 8-byte VXLAN header, and that inner key is a prefix of W's.
 */
static void
check_header_cut(const struct header *h, size_t cut,
    const struct pkt_parsed *w, const struct pkt_parsed *c)
{
	size_t p = w->payload_offset;

	check_key_prefix(h, cut, &w->key, &c->key);
	if (p > 0 && cut < p)
		CUT_CHECK(c->key.flags & FLOW_KEY_TRUNCATED);
	if (p > 0 && cut >= p) {
		CUT_CHECK(key_equal(&c->key, &w->key));
		CUT_CHECK(c->payload_offset == p);
		CUT_CHECK(c->payload_length ==
		    (w->payload_length < cut - p ? w->payload_length : cut - p));
	}
	if (w->has_inner)
		CUT_CHECK(c->has_inner == (cut >= p + 8));
	else
		CUT_CHECK(!c->has_inner);
	if (c->has_inner) {
		CUT_CHECK(c->vni == w->vni);
		check_key_prefix(h, cut, &w->inner, &c->inner);
	}
}

static void
sweep_header(const struct header *h)
{
	struct pkt_parsed w, c;
	uint8_t *copy;
	size_t cut;

	pkt_parse(h->bytes, h->len, h->link, &w);
	/* The decoder parsed the same bytes with the same link type. */
	if (!key_equal(&w.key, &h->decoded.key) ||
	    w.payload_offset != h->decoded.payload_offset)
		fail_msg("%s: the decoder's flow key differs from pkt_parse()",
		    h->name);
	for (cut = 0; cut < h->len; cut++) {
		copy = malloc(cut);	/* glibc: non-NULL even for 0 */
		assert_non_null(copy);
		memcpy(copy, h->bytes, cut);
		pkt_parse(copy, cut, h->link, &c);
		free(copy);
		check_header_cut(h, cut, &w, &c);
	}
}

static void
collect_headers(struct headers *hs, const struct inputs *in)
{
	static const struct sflow_visitor v = { .flow = collect_header };
	struct sflow_stats st = { 0 };
	size_t i;

	for (i = 0; i < in->n; i++) {
		hs->input = in->v[i].name;
		(void)sflow_decode(in->v[i].bytes, in->v[i].len,
		    SFLOW_DECODE_FLOW_KEY, &v, hs, &st, NULL);
	}
}

static void
sweep_sampled_headers(void **state)
{
	struct headers *hs = &collected;
	size_t i, vxlan = 0, ports = 0;

	(void)state;
	/* Our own seeds have every encapsulation; the shared data when there. */
	if (dir_exists(SHARED_SFLOW)) {
		load_glob(&loaded, SHARED_SFLOW, "*.pcap", load_pcap);
		load_glob(&loaded, SHARED_SFLOW "/raw", "*", load_file);
	}
	load_glob(&loaded, OWN_SEEDS, "*", load_file);
	collect_headers(hs, &loaded);
	for (i = 0; i < hs->n; i++) {
		sweep_header(&hs->v[i]);
		vxlan += hs->v[i].decoded.has_inner;
		ports += hs->v[i].decoded.payload_offset > 0;
	}
	print_message("%zu sampled headers swept (%zu to a transport payload, "
	    "%zu VXLAN)\n", hs->n, ports, vxlan);
	/* The corpus must exercise the interesting rules, or this test is moot. */
	assert_true(ports > 0);
	assert_true(vxlan > 0);
}

static int
teardown(void **state)
{
	(void)state;
	inputs_free(&loaded);
	headers_free(&collected);
	if (pcaps_globbed) {
		globfree(&pcaps);
		pcaps_globbed = 0;
	}
	return 0;
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(sweep_shared_pcaps, teardown),
	cmocka_unit_test_teardown(sweep_shared_raw, teardown),
	cmocka_unit_test_teardown(sweep_fuzz_seeds, teardown),
	cmocka_unit_test_teardown(sweep_sampled_headers, teardown),
};

FS_TEST_MAIN(tests)
