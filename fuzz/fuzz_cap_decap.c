/*
 * fuzz_cap_decap.c - libFuzzer target: one input is one captured packet, as
 * a receiver's raw socket or a capture file hands it to cap_decap().
 *
 * Each input is decapsulated once for every enum pkt_link (and one value
 * that is none), and the promises of capture.h and capture/cap_decap.c are
 * checked (FUZZ_CHECK aborts, which libFuzzer reports like a crash):
 *  - the result is one of enum cap_decap_result, the encapsulation one of
 *    enum cap_encap, n_gre at most CAP_MAX_NESTING;
 *  - CAP_DECAP_OK gives an inner frame of at least one byte inside the
 *    input, of link Ethernet or IP; any other result gives none;
 *  - the same bytes cut at a length taken from the input give
 *    CAP_DECAP_TRUNCATED or the whole packet's result, and when OK the same
 *    inner frame start;
 * and the inner frame goes through pkt_parse(), as the receiver does next.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "packet.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

static volatile uint32_t sink;

static void
one_link(const uint8_t *data, size_t size, enum pkt_link link)
{
	struct cap_decap d, cut;
	struct pkt_parsed parsed;
	size_t l;
	int r, rc;

	r = cap_decap(data, size, link, &d);
	FUZZ_CHECK(r >= 0 && r < CAP_DECAP_RESULTS);
	FUZZ_CHECK(d.encap <= CAP_ENCAP_GRE_IP);
	FUZZ_CHECK(d.n_gre <= CAP_MAX_NESTING);
	FUZZ_CHECK(cap_decap_result_str(r) != NULL);
	FUZZ_CHECK(cap_encap_name(d.encap) != NULL);
	if (r != CAP_DECAP_OK) {
		FUZZ_CHECK(d.inner == NULL && d.inner_len == 0);
	} else {
		FUZZ_CHECK(d.inner != NULL && d.inner_len > 0);
		FUZZ_CHECK(d.inner >= data && d.inner < data + size);
		FUZZ_CHECK(d.inner_len <= (size_t)(data + size - d.inner));
		FUZZ_CHECK(d.inner_link == PKT_LINK_ETHERNET ||
		    d.inner_link == PKT_LINK_IP);
		FUZZ_CHECK(d.encap != CAP_ENCAP_NONE && d.n_gre >= 1);
		pkt_parse(d.inner, d.inner_len, d.inner_link, &parsed);
		sink += parsed.key.flags + parsed.payload_length;
	}

	/* A cut: truncated, or the whole packet's answer. */
	if (size == 0)
		return;
	l = data[size - 1] % size;
	rc = cap_decap(data, l, link, &cut);
	FUZZ_CHECK(rc == CAP_DECAP_TRUNCATED || rc == r);
	if (rc == CAP_DECAP_OK) {
		FUZZ_CHECK(cut.inner == d.inner);
		FUZZ_CHECK(cut.inner_len <= d.inner_len);
		FUZZ_CHECK(cut.inner_len == (size_t)(data + l - d.inner) ||
		    cut.inner_len == d.inner_len);
		FUZZ_CHECK(cut.session == d.session && cut.n_gre == d.n_gre);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int link;

	for (link = PKT_LINK_ETHERNET; link <= PKT_LINK_LOOP + 1; link++)
		one_link(data, size, (enum pkt_link)link);
	return 0;
}
