/*
 * test_cap_decap_sweep.c - cap_decap() (capture/) on every GRE frame of the
 * shared third-party captures (FS_SHARED_DIR/testdata/{erspan,gre,
 * malformed,ovs}), whole and cut at every length.
 *
 * The contract of capture/cap_decap.c, checked on each frame: with the
 * whole frame giving result R, inner at offset O and inner_len N, the frame
 * cut at L bytes (an exact heap copy, so AddressSanitizer sees any read past
 * the end) gives CAP_DECAP_TRUNCATED for every L below one threshold T
 * (T <= the frame's length), and for every L >= T the result R with the same
 * fields; when R is OK, inner is at O and inner_len is min(N, L - O) > 0.
 * A whole frame's inner frame never extends past the buffer.
 *
 * The whole frames are also checked against a few columns of the tshark
 * oracle (erspan/ORACLE.md) where the two must agree: frame counts per
 * result, the outer addresses, n_gre, the first GRE header's fields and the
 * ERSPAN fields.  The full comparison is the conformance tool's job.
 * Cases skip when the shared folder is missing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exact_buf.h"
#include "fs_test.h"

#include "capture.h"
#include "pcap_input.h"

#define SHARED_TESTDATA	FS_SHARED_DIR "/testdata"

static int
teardown(void **state)
{
	return exact_free_all(state);
}

/*
 * Everything but the inner and payload views, which move with the buffer
 * and shrink with the cut (checked on their own).
 */
static void
assert_same_fields(const struct cap_decap *a, const struct cap_decap *b,
    const char *where)
{
	struct cap_decap x = *a, y = *b;

	x.inner = y.inner = NULL;
	x.inner_len = y.inner_len = 0;
	x.payload = y.payload = NULL;
	x.payload_len = y.payload_len = 0;
	if (memcmp(&x, &y, sizeof(x)) != 0)
		fail_msg("%s: fields differ from the whole frame's", where);
}

/* struct cap_decap has padding: fill it the same way for memcmp. */
static int
decap_copy(const uint8_t *buf, size_t len, enum pkt_link link,
    struct cap_decap *out)
{
	memset(out, 0xA5, sizeof(*out));
	return cap_decap(buf, len, link, out);
}

/* One frame, whole and at every cut; returns the whole frame's result. */
static int
sweep_frame(const uint8_t *data, size_t caplen, enum pkt_link link,
    const char *where, struct cap_decap *whole)
{
	struct cap_decap got, want;
	const uint8_t *buf;
	size_t off = 0, n, l, threshold = 0, poff = 0, pn;
	int r, rl, seen_final = 0;
	char msg[1600];

	buf = exact_copy(data, caplen);
	r = decap_copy(buf, caplen, link, &want);
	memset(whole, 0, sizeof(*whole));
	*whole = want;
	if (r == CAP_DECAP_OK) {
		if (want.inner == NULL || want.inner_len == 0 ||
		    want.inner < buf || want.inner + want.inner_len >
		    buf + caplen)
			fail_msg("%s: inner frame outside the buffer", where);
		off = (size_t)(want.inner - buf);
		/* memcmp-comparable copy (padding as decap_copy fills it) */
	} else if (want.inner != NULL || want.inner_len != 0) {
		fail_msg("%s: %s with an inner frame", where,
		    cap_decap_result_str(r));
	}
	n = want.inner_len;
	pn = want.payload_len;
	if (pn > 0)
		poff = (size_t)(want.payload - buf);
	exact_release_last();

	for (l = 0; l <= caplen; l++) {
		buf = exact_copy(data, l);
		rl = decap_copy(buf, l, link, &got);
		snprintf(msg, sizeof(msg), "%s cut at %zu of %zu (%s, whole %s)",
		    where, l, caplen, cap_decap_result_str(rl),
		    cap_decap_result_str(r));
		if (rl == CAP_DECAP_TRUNCATED && !seen_final) {
			exact_release_last();
			continue;
		}
		if (!seen_final) {
			seen_final = 1;
			threshold = l;
		}
		if (rl != r)
			fail_msg("%s: not monotone (threshold %zu)", msg,
			    threshold);
		if (r == CAP_DECAP_OK) {
			size_t expect = l - off < n ? l - off : n;

			if (l <= off || got.inner != buf + off ||
			    got.inner_len != expect)
				fail_msg("%s: inner at %td len %u, want %zu "
				    "len %zu", msg, got.inner - buf,
				    got.inner_len, off, expect);
		}
		/* The first layer's payload: at the same place, cut the same. */
		if (pn > 0 && l > poff && (got.payload != buf + poff ||
		    got.payload_len != (l - poff < pn ? l - poff : pn)))
			fail_msg("%s: payload at %td len %u, want %zu", msg,
			    got.payload - buf, got.payload_len, poff);
		assert_same_fields(&got, &want, msg);
		exact_release_last();
	}
	if (!seen_final && r != CAP_DECAP_TRUNCATED)
		fail_msg("%s: never reached %s", where,
		    cap_decap_result_str(r));
	return r;
}

/* ---- the oracle (a few columns) ---------------------------------------- */

#define ORACLE_COLS	28

struct oracle_row {
	unsigned long	 frame;
	char		*col[ORACLE_COLS];
};

static int
oracle_next(FILE *f, char *line, size_t size, struct oracle_row *row)
{
	char *p, *save = NULL;
	int i;

	while (fgets(line, (int)size, f) != NULL) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (i = 0, p = strtok_r(line, "\t", &save);
		    p != NULL && i < ORACLE_COLS;
		    p = strtok_r(NULL, "\t", &save))
			row->col[i++] = p;
		if (i != ORACLE_COLS)
			fail_msg("oracle row with %d columns", i);
		row->frame = strtoul(row->col[0], NULL, 10);
		return 1;
	}
	return 0;
}

static void
check_u(const char *want, unsigned long got, int present, const char *what,
    const char *where)
{
	if (strcmp(want, "-") == 0) {
		if (present)
			fail_msg("%s: %s %lu, oracle has none", where, what, got);
		return;
	}
	if (!present || strtoul(want, NULL, 0) != got)
		fail_msg("%s: %s %lu (present %d), oracle %s", where, what,
		    got, present, want);
}

/* The columns cap_decap() must agree with tshark on. */
static void
check_oracle(const struct oracle_row *row, int r, const struct cap_decap *d,
    const char *where)
{
	char a[NETADDR_STRLEN], b[NETADDR_STRLEN];
	const char *type = "-";
	int erspan = 0, e2, e3;

	netaddr_format(&d->outer_src, a, sizeof(a));
	netaddr_format(&d->outer_dst, b, sizeof(b));
	if (r == CAP_DECAP_FRAGMENT)
		return;		/* tshark reassembled; we do not */
	if (strcmp(a, row->col[3]) != 0 || strcmp(b, row->col[4]) != 0)
		fail_msg("%s: outer %s > %s, oracle %s > %s", where, a, b,
		    row->col[3], row->col[4]);
	/* tshark goes on through GRE protocols we do not carry (0x8909). */
	if (r != CAP_DECAP_UNKNOWN_PROTO)
		check_u(row->col[5], d->n_gre, 1, "n_gre", where);
	check_u(row->col[6], d->gre_flags, 1, "gre_flags", where);
	check_u(row->col[7], d->gre_proto, 1, "gre_proto", where);
	if (r != CAP_DECAP_PPTP)	/* tshark splits PPTP's key word */
		check_u(row->col[8], d->gre_key, d->has_key, "gre_key", where);
	check_u(row->col[9], d->gre_seq, d->has_seq, "gre_seq", where);
	switch (d->encap) {
	case CAP_ENCAP_ERSPAN_I:
		type = "I";
		break;
	case CAP_ENCAP_ERSPAN_II:
		type = "II";
		break;
	case CAP_ENCAP_ERSPAN_III:
		type = "III";
		break;
	default:
		break;
	}
	if (strcmp(type, row->col[10]) != 0)
		fail_msg("%s: ERSPAN type %s, oracle %s", where, type,
		    row->col[10]);
	e2 = d->encap == CAP_ENCAP_ERSPAN_II;
	e3 = d->encap == CAP_ENCAP_ERSPAN_III;
	erspan = e2 || e3;
	check_u(row->col[11], d->session, erspan, "session", where);
	check_u(row->col[12], d->vlan, erspan, "vlan", where);
	check_u(row->col[13], d->cos, erspan, "cos", where);
	check_u(row->col[14], d->index, e2, "index", where);
	check_u(row->col[15], d->frame_type, e3, "frame type", where);
	check_u(row->col[16], d->timestamp, e3, "timestamp", where);
}

/* ---- the sweep --------------------------------------------------------- */

struct tally {
	unsigned	files, frames, gre_frames;
	unsigned	results[CAP_DECAP_RESULTS];
};

static void
sweep_file(const char *dir, const char *name, struct tally *t)
{
	char path[1024], tsv[1024], err[256], where[1200], line[4096];
	struct pcap_input *in;
	struct pcap_frame f;
	struct cap_decap d;
	struct oracle_row row;
	FILE *oracle;
	int r, have_row, n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	snprintf(tsv, sizeof(tsv), "%.*s.expected.tsv",
	    (int)(strlen(path) - strlen(".pcap")), path);
	in = pcap_input_open(path, err, sizeof(err));
	if (in == NULL) {
		print_message("%s: %s: skipped\n", path, err);
		return;
	}
	oracle = fopen(tsv, "r");
	have_row = oracle != NULL && oracle_next(oracle, line, sizeof(line),
	    &row);
	t->files++;
	while ((r = pcap_input_next(in, &f)) == 1) {
		snprintf(where, sizeof(where), "%s frame %llu", name,
		    (unsigned long long)f.number);
		r = sweep_frame(f.data, f.caplen, pcap_input_link(in), where,
		    &d);
		t->frames++;
		t->results[r]++;
		if (r != CAP_DECAP_NOT_GRE)
			t->gre_frames++;
		if (have_row && row.frame == f.number) {
			if (r == CAP_DECAP_NOT_GRE)
				fail_msg("%s: not GRE, oracle has it", where);
			check_oracle(&row, r, &d, where);
			have_row = oracle_next(oracle, line, sizeof(line), &row);
		} else if (oracle != NULL && r != CAP_DECAP_NOT_GRE &&
		    r != CAP_DECAP_FRAGMENT) {
			/* tshark shows a reassembled packet at its last part */
			fail_msg("%s: %s, oracle has no GRE", where,
			    cap_decap_result_str(r));
		}
	}
	assert_int_equal(r, 0);
	if (have_row)
		fail_msg("%s: oracle frame %lu not seen", name, row.frame);
	if (oracle != NULL)
		fclose(oracle);
	pcap_input_close(in);
}

static int
sweep_dir(const char *sub, struct tally *t)
{
	char dir[512];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", SHARED_TESTDATA, sub);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 5 && strcmp(e->d_name + len - 5, ".pcap") == 0 &&
		    strstr(e->d_name, "sflow") == NULL)
			sweep_file(dir, e->d_name, t);
	}
	closedir(d);
	return 0;
}

static void
skip_if_missing(const char *sub)
{
	char dir[512];
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", SHARED_TESTDATA, sub);
	if ((d = opendir(dir)) == NULL) {
		print_message("%s is missing: skipped\n", dir);
		skip();
	}
	closedir(d);
}

/* erspan/: 395 ERSPAN frames (oracle totals) and 8 plain GRE-IP frames. */
static void
sweep_shared_erspan(void **state)
{
	struct tally t;

	(void)state;
	skip_if_missing("erspan");
	memset(&t, 0, sizeof(t));
	assert_int_equal(sweep_dir("erspan", &t), 0);
	assert_int_equal(t.files, 13);
	/* 67 ERSPAN III, 58 of them frame type 7 */
	assert_int_equal(t.results[CAP_DECAP_OK], 135 + 193 + 9 + 8);
	assert_int_equal(t.results[CAP_DECAP_UNKNOWN_FRAME_TYPE], 58);
	assert_int_equal(t.gre_frames, 135 + 193 + 67 + 8);
}

/* gre/: TEB, GRE-IP with and without key, PPTP, keepalives, GRE in GRE. */
static void
sweep_shared_gre(void **state)
{
	struct tally t;

	(void)state;
	skip_if_missing("gre");
	memset(&t, 0, sizeof(t));
	assert_int_equal(sweep_dir("gre", &t), 0);
	assert_int_equal(t.files, 10);
	assert_int_equal(t.gre_frames, 30 + 1 + 1 + 15 + 17 + 40 + 3 + 2 + 1 + 1);
	assert_int_equal(t.results[CAP_DECAP_PPTP], 1);
	/*
	 * various_gre's 30 GRE frames: 12 Cisco MetaData carrying IP and the
	 * WCCP redirect are unwrapped; still unknown: 8 keepalives, 8 Cisco
	 * MetaData carrying a GRE keepalive, 2 CDP.
	 */
	assert_int_equal(t.results[CAP_DECAP_UNKNOWN_PROTO], 8 + 8 + 2);
	assert_int_equal(t.results[CAP_DECAP_OK],
	    12 + 1 + 15 + 17 + 40 + 3 + 2 + 1 + 1);
}

/* malformed/: cut captures, fragments, GRE routing, ISIS over GRE. */
static void
sweep_shared_malformed(void **state)
{
	struct tally t;

	(void)state;
	skip_if_missing("malformed");
	memset(&t, 0, sizeof(t));
	assert_int_equal(sweep_dir("malformed", &t), 0);
	assert_int_equal(t.results[CAP_DECAP_FRAGMENT], 2);
	/* erspan-type-iii-pb-1 (platform subheader cut), heapoverflow-2 */
	assert_int_equal(t.results[CAP_DECAP_TRUNCATED], 2);
	assert_int_equal(t.results[CAP_DECAP_UNKNOWN_PROTO], 5);
	assert_int_equal(t.results[CAP_DECAP_OK], 0);
}

/* ovs/: Open vSwitch's ERSPAN v1 and v2 and GRE (TEB) mirror ports. */
static void
sweep_shared_ovs(void **state)
{
	struct tally t;

	(void)state;
	skip_if_missing("ovs");
	memset(&t, 0, sizeof(t));
	assert_int_equal(sweep_dir("ovs", &t), 0);
	assert_int_equal(t.files, 3);
	assert_int_equal(t.results[CAP_DECAP_OK], 23 + 34 + 23);
	assert_int_equal(t.gre_frames, 23 + 34 + 23);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(sweep_shared_erspan, teardown),
	cmocka_unit_test_teardown(sweep_shared_gre, teardown),
	cmocka_unit_test_teardown(sweep_shared_malformed, teardown),
	cmocka_unit_test_teardown(sweep_shared_ovs, teardown),
};

FS_TEST_MAIN(tests)
