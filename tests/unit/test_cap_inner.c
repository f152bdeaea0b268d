/*
 * test_cap_inner.c - what the receiver files of a decapsulated packet:
 * the inner frame as Ethernet (kept as it is, or given the made-up header
 * `finderscope decap` writes; cut at the snap length; wire lengths), and
 * ERSPAN III time stamps made absolute with the receive time (each
 * granularity, wrap-around on both sides, what is refused).
 */
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "fs_test.h"

#define NS	1000000000LL

static void
ethernet_kept(void **state)
{
	uint8_t frame[60] = { 0 };
	struct cap_decap d;
	struct cap_frame f;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.inner = frame;
	d.inner_len = sizeof(frame);
	d.inner_link = PKT_LINK_ETHERNET;
	assert_int_equal(cap_inner_ethernet(&d, 0, NULL, 0, &f), 0);
	assert_ptr_equal(f.data, frame);	/* not copied */
	assert_int_equal(f.caplen, 60);
	assert_int_equal(f.wirelen, 60);
	/* What the outer capture lost counts on the wire. */
	assert_int_equal(cap_inner_ethernet(&d, 40, NULL, 0, &f), 0);
	assert_int_equal(f.caplen, 60);
	assert_int_equal(f.wirelen, 100);
	assert_int_equal(cap_inner_ethernet(&d, UINT32_MAX, NULL, 0, &f), 0);
	assert_int_equal(f.wirelen, UINT32_MAX);
}

static void
ip_gets_a_header(void **state)
{
	uint8_t ip4[20] = { 0x45 }, ip6[40] = { 0x60 }, junk[3] = { 0 };
	uint8_t buf[CAP_ARCHIVE_SNAPLEN];
	struct cap_decap d;
	struct cap_frame f;
	static const uint8_t zero[12];

	(void)state;
	memset(&d, 0, sizeof(d));
	d.inner = ip4;
	d.inner_len = sizeof(ip4);
	d.inner_link = PKT_LINK_IP;
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, sizeof(buf), &f), 0);
	assert_ptr_equal(f.data, buf);
	assert_int_equal(f.caplen, 34);
	assert_int_equal(f.wirelen, 34);
	assert_memory_equal(buf, zero, 12);
	assert_int_equal(buf[12], 0x08);
	assert_int_equal(buf[13], 0x00);
	assert_memory_equal(buf + 14, ip4, sizeof(ip4));

	d.inner = ip6;
	d.inner_len = sizeof(ip6);
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, sizeof(buf), &f), 0);
	assert_int_equal(buf[12], 0x86);
	assert_int_equal(buf[13], 0xDD);
	assert_int_equal(f.caplen, 54);

	/* No version nibble to go by: the GRE protocol says. */
	d.inner = junk;
	d.inner_len = sizeof(junk);
	d.gre_proto = 0x86DD;
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, sizeof(buf), &f), 0);
	assert_int_equal(buf[12], 0x86);
	d.gre_proto = 0x0800;
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, sizeof(buf), &f), 0);
	assert_int_equal(buf[12], 0x08);

	/* No room for the header: refused. */
	assert_int_equal(cap_inner_ethernet(&d, 0, NULL, 0, &f), -1);
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, 10, &f), -1);
}

static void
snap_length(void **state)
{
	uint8_t *big = calloc(1, CAP_ARCHIVE_SNAPLEN + 100);
	uint8_t *buf = malloc(CAP_ARCHIVE_SNAPLEN + 100);
	struct cap_decap d;
	struct cap_frame f;

	(void)state;
	assert_non_null(big);
	assert_non_null(buf);
	memset(&d, 0, sizeof(d));
	d.inner = big;
	d.inner_len = CAP_ARCHIVE_SNAPLEN + 100;
	d.inner_link = PKT_LINK_ETHERNET;
	assert_int_equal(cap_inner_ethernet(&d, 0, NULL, 0, &f), 0);
	assert_int_equal(f.caplen, CAP_ARCHIVE_SNAPLEN);
	assert_int_equal(f.wirelen, CAP_ARCHIVE_SNAPLEN + 100);
	big[0] = 0x45;
	d.inner_link = PKT_LINK_IP;
	/* A larger buffer is used only up to the snap length. */
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, CAP_ARCHIVE_SNAPLEN +
	    100, &f), 0);
	assert_int_equal(f.caplen, CAP_ARCHIVE_SNAPLEN);
	assert_int_equal(f.wirelen, CAP_ARCHIVE_SNAPLEN + 114);
	free(big);
	free(buf);
}

static void
no_inner(void **state)
{
	uint8_t buf[64];
	struct cap_decap d;
	struct cap_frame f;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, sizeof(buf), &f), -1);
	assert_null(f.data);
	d.inner = buf;
	assert_int_equal(cap_inner_ethernet(&d, 0, buf, sizeof(buf), &f), -1);
}

/* ---- ERSPAN III time stamps ------------------------------------------- */

static long long
ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * NS + ts->tv_nsec;
}

static struct cap_decap
erspan3(uint8_t gra, uint32_t stamp)
{
	struct cap_decap d;

	memset(&d, 0, sizeof(d));
	d.encap = CAP_ENCAP_ERSPAN_III;
	d.granularity = gra;
	d.timestamp = stamp;
	return d;
}

/* The switch stamped at t_ns; we received at t_ns + skew_ns. */
static long long
roundtrip(uint8_t gra, long long t_ns, long long skew_ns)
{
	long long unit = gra == 0 ? 100000 : gra == 1 ? 100 : 1;
	long long period = gra == 2 ? NS : unit << 32;
	struct timespec rx, out;
	struct cap_decap d = erspan3(gra, (uint32_t)((t_ns / unit) %
	    (period / unit)));
	long long r = t_ns + skew_ns;

	rx.tv_sec = (time_t)(r / NS);
	rx.tv_nsec = (long)(r % NS);
	assert_int_equal(cap_erspan_time(&d, &rx, &out), 0);
	return ns_of(&out);
}

static void
erspan_time_granularities(void **state)
{
	long long t = 1767225600LL * NS + 123456789;	/* 2026-01-01 */

	(void)state;
	/* 100 us units: exact to the unit, whatever side the skew is. */
	assert_true(roundtrip(0, t, 0) == t - t % 100000);
	assert_true(roundtrip(0, t, 3600 * NS) == t - t % 100000);
	assert_true(roundtrip(0, t, -3600 * NS) == t - t % 100000);
	/* Two days of skew still resolve (the period is ~4.97 days). */
	assert_true(roundtrip(0, t, 2 * 86400 * NS) == t - t % 100000);
	/* 100 ns units: +-214 s. */
	assert_true(roundtrip(1, t, 0) == t - t % 100);
	assert_true(roundtrip(1, t, 200 * NS) == t - t % 100);
	assert_true(roundtrip(1, t, -200 * NS) == t - t % 100);
	/* IEEE 1588 nanoseconds: +-0.5 s. */
	assert_true(roundtrip(2, t, 0) == t);
	assert_true(roundtrip(2, t, 400000000) == t);
	assert_true(roundtrip(2, t, -400000000) == t);
}

/* Stamps just before a wrap, received just after it, and the reverse. */
static void
erspan_time_wraps(void **state)
{
	long long period = 100LL << 32, base = 1767225600LL * NS;
	long long wrap = base - base % period + period;	/* a wrap point */

	(void)state;
	assert_true(roundtrip(1, wrap - 500, 1000) == wrap - 500);
	assert_true(roundtrip(1, wrap + 500, -1000) == wrap + 500);
	assert_true(roundtrip(2, base + NS - 10, 20) == base + NS - 10);
	assert_true(roundtrip(2, base + 10, -20) == base + 10);
}

static void
erspan_time_refused(void **state)
{
	struct timespec rx = { 1767225600, 5 }, out;
	struct cap_decap d;

	(void)state;
	d = erspan3(3, 12345);		/* user-defined */
	out.tv_sec = 0;
	assert_int_equal(cap_erspan_time(&d, &rx, &out), -1);
	assert_int_equal(out.tv_sec, rx.tv_sec);
	assert_int_equal(out.tv_nsec, rx.tv_nsec);
	d = erspan3(2, NS);		/* not nanoseconds of a second */
	assert_int_equal(cap_erspan_time(&d, &rx, &out), -1);
	d = erspan3(0, 1);
	d.encap = CAP_ENCAP_ERSPAN_II;	/* type II has no time stamp */
	assert_int_equal(cap_erspan_time(&d, &rx, &out), -1);
	assert_int_equal(out.tv_sec, rx.tv_sec);
	d = erspan3(0, 1);
	rx.tv_sec = -1;
	assert_int_equal(cap_erspan_time(&d, &rx, &out), -1);
	/* Near the epoch, a stamp from "before" it is refused. */
	d = erspan3(0, UINT32_MAX);
	rx.tv_sec = 0;
	rx.tv_nsec = 0;
	assert_int_equal(cap_erspan_time(&d, &rx, &out), -1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(ethernet_kept),
	cmocka_unit_test(ip_gets_a_header),
	cmocka_unit_test(snap_length),
	cmocka_unit_test(no_inner),
	cmocka_unit_test(erspan_time_granularities),
	cmocka_unit_test(erspan_time_wraps),
	cmocka_unit_test(erspan_time_refused),
};

FS_TEST_MAIN(tests)
