/*
 * test_cursor.c - the bounds-checked byte cursor (common/cursor.h).
 *
 * Every buffer is a heap copy of exactly the bytes under test, so that a
 * read one byte past the end is caught by AddressSanitizer (FS_SANITIZE=ON)
 * even when the cursor's own checks would not notice.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_test.h"
#include "exact_buf.h"

#include "cursor.h"

/* A cursor over an exact heap copy of src, which *bufp points at. */
static void
open_exact(struct cursor *c, uint8_t **bufp, const void *src, size_t n)
{
	*bufp = exact_copy(src, n);
	cursor_init(c, *bufp, n);
}

/* The cursor failed with error and is stopped at its end. */
static void
assert_failed(const struct cursor *c, int error)
{
	assert_int_equal(cursor_error(c), error);
	assert_ptr_equal(c->pos, c->end);
	assert_int_equal(cursor_left(c), 0);
}

static const uint8_t seq8[8] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
};

/* ---- init, zero-length buffers ---------------------------------------- */

static void
init_sets_view_and_no_error(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	assert_ptr_equal(c.pos, buf);
	assert_ptr_equal(c.end, buf + sizeof(seq8));
	assert_int_equal(cursor_left(&c), 8);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
zero_length_buffer_is_empty_and_ok(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, NULL, 0);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_true(cursor_need(&c, 0));
	cursor_skip(&c, 0);
	assert_ptr_equal(cursor_take(&c, 0), buf);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
zero_length_buffer_every_reader_truncates(void **state)
{
	struct cursor c;
	uint8_t *buf;
	uint8_t dst[2] = { 0xAA, 0xAA };

	(void)state;
	open_exact(&c, &buf, NULL, 0);
	assert_int_equal(cursor_u8(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);

	cursor_init(&c, buf, 0);
	assert_int_equal(cursor_be16(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);

	cursor_init(&c, buf, 0);
	assert_int_equal(cursor_be32(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);

	cursor_init(&c, buf, 0);
	assert_int_equal(cursor_be64(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);

	cursor_init(&c, buf, 0);
	cursor_skip(&c, 1);
	assert_failed(&c, CURSOR_TRUNCATED);

	cursor_init(&c, buf, 0);
	cursor_copy(&c, dst, sizeof(dst));
	assert_int_equal(dst[0], 0);
	assert_int_equal(dst[1], 0);
	assert_failed(&c, CURSOR_TRUNCATED);

	cursor_init(&c, buf, 0);
	assert_null(cursor_take(&c, 1));
	assert_failed(&c, CURSOR_TRUNCATED);
}

/* ---- fixed-size readers: exact length and one byte short -------------- */

static void
u8_exact_length_reads_byte(void **state)
{
	static const uint8_t b[] = { 0xAB };
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	assert_int_equal(cursor_u8(&c), 0xAB);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
u8_past_end_truncates(void **state)
{
	static const uint8_t b[] = { 0xAB };
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	(void)cursor_u8(&c);
	assert_int_equal(cursor_u8(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
be16_decodes_big_endian(void **state)
{
	static const uint8_t b[] = { 0x12, 0x34, 0xFF, 0xFE };
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	assert_int_equal(cursor_be16(&c), 0x1234);
	assert_int_equal(cursor_be16(&c), 0xFFFE);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
be16_one_short_truncates_zero(void **state)
{
	static const uint8_t b[] = { 0x12 };
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	assert_int_equal(cursor_be16(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
be32_decodes_big_endian(void **state)
{
	static const uint8_t b[] = {
		0x12, 0x34, 0x56, 0x78, 0xFF, 0xFE, 0xFD, 0xFC
	};
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	assert_int_equal(cursor_be32(&c), 0x12345678u);
	assert_int_equal(cursor_be32(&c), 0xFFFEFDFCu);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
be32_one_short_truncates_zero(void **state)
{
	static const uint8_t b[] = { 0x12, 0x34, 0x56 };
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	assert_int_equal(cursor_be32(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
be64_decodes_big_endian(void **state)
{
	static const uint8_t b[] = {
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99, 0x88
	};
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	assert_int_equal(cursor_be64(&c), UINT64_C(0x0102030405060708));
	assert_int_equal(cursor_be64(&c), UINT64_C(0xFFEEDDCCBBAA9988));
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

/*
 * Seven bytes: the high half could be read, the low half not.  The result
 * must still be zero, not the high half shifted up.
 */
static void
be64_one_short_truncates_zero(void **state)
{
	struct cursor c;
	uint8_t *buf;
	uint64_t v;

	(void)state;
	open_exact(&c, &buf, seq8, 7);
	v = cursor_be64(&c);
	assert_int_equal(v, 0);
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
be64_half_present_truncates_zero(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 3);
	assert_int_equal(cursor_be64(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
skip_exact_length_consumes_all(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	cursor_skip(&c, 3);
	assert_int_equal(cursor_u8(&c), 0x04);
	cursor_skip(&c, 4);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
skip_one_short_truncates(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	cursor_skip(&c, 9);
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
skip_huge_length_truncates_without_overflow(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	(void)cursor_u8(&c);
	cursor_skip(&c, SIZE_MAX);
	assert_failed(&c, CURSOR_TRUNCATED);
}

/* ---- copy, take, peek -------------------------------------------------- */

static void
copy_exact_length_copies(void **state)
{
	struct cursor c;
	uint8_t *buf;
	uint8_t dst[8];

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	cursor_copy(&c, dst, sizeof(dst));
	assert_memory_equal(dst, seq8, sizeof(seq8));
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
copy_one_short_zero_fills(void **state)
{
	static const uint8_t zero[8];
	struct cursor c;
	uint8_t *buf;
	uint8_t dst[8];

	(void)state;
	open_exact(&c, &buf, seq8, 7);
	memset(dst, 0xAA, sizeof(dst));
	cursor_copy(&c, dst, sizeof(dst));
	assert_memory_equal(dst, zero, sizeof(zero));
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
take_exact_length_borrows_in_place(void **state)
{
	struct cursor c;
	uint8_t *buf;
	const uint8_t *p;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	(void)cursor_u8(&c);
	p = cursor_take(&c, 7);
	assert_ptr_equal(p, buf + 1);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
take_one_short_returns_null(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	(void)cursor_u8(&c);
	assert_null(cursor_take(&c, 8));
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
peek_reads_without_consuming(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	(void)cursor_u8(&c);
	assert_int_equal(cursor_peek_u8(&c, 0), 0x02);
	assert_int_equal(cursor_peek_u8(&c, 6), 0x08);
	assert_int_equal(cursor_left(&c), 7);
	assert_int_equal(cursor_u8(&c), 0x02);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
peek_out_of_range_is_zero_and_no_error(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	assert_int_equal(cursor_peek_u8(&c, 8), 0);
	assert_int_equal(cursor_peek_u8(&c, SIZE_MAX), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 8);
}

static void
peek_after_error_is_zero(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	cursor_fail(&c, CURSOR_INVALID);
	assert_int_equal(cursor_peek_u8(&c, 0), 0);
}

/* ---- the sticky error ------------------------------------------------- */

static void
reads_after_error_are_noops(void **state)
{
	struct cursor c;
	uint8_t *buf;
	uint8_t dst[2] = { 0xAA, 0xAA };

	(void)state;
	open_exact(&c, &buf, seq8, 3);
	assert_int_equal(cursor_be32(&c), 0);
	assert_failed(&c, CURSOR_TRUNCATED);

	assert_int_equal(cursor_u8(&c), 0);
	assert_int_equal(cursor_be16(&c), 0);
	assert_int_equal(cursor_be32(&c), 0);
	assert_int_equal(cursor_be64(&c), 0);
	cursor_skip(&c, 0);
	cursor_copy(&c, dst, sizeof(dst));
	assert_int_equal(dst[0], 0);
	assert_int_equal(dst[1], 0);
	assert_null(cursor_take(&c, 0));
	assert_false(cursor_need(&c, 0));
	assert_failed(&c, CURSOR_TRUNCATED);
}

static void
fail_stops_a_cursor_with_bytes_left(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	(void)cursor_u8(&c);
	cursor_fail(&c, CURSOR_INVALID);
	assert_failed(&c, CURSOR_INVALID);
	assert_int_equal(cursor_u8(&c), 0);
	assert_int_equal(cursor_be16(&c), 0);
	assert_failed(&c, CURSOR_INVALID);
}

static void
fail_keeps_first_error(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 1);
	(void)cursor_be16(&c);
	cursor_fail(&c, CURSOR_INVALID);
	assert_failed(&c, CURSOR_TRUNCATED);

	cursor_init(&c, buf, 1);
	cursor_fail(&c, CURSOR_INVALID);
	cursor_fail(&c, CURSOR_TRUNCATED);
	(void)cursor_be16(&c);
	assert_failed(&c, CURSOR_INVALID);
}

static void
need_checks_without_consuming(void **state)
{
	struct cursor c;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 4);
	assert_true(cursor_need(&c, 4));
	assert_int_equal(cursor_left(&c), 4);
	assert_false(cursor_need(&c, 5));
	assert_failed(&c, CURSOR_TRUNCATED);
}

/* ---- sub-views --------------------------------------------------------- */

static void
sub_gives_exact_child_and_advances_parent(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 6);
	(void)cursor_u8(&c);
	sub = cursor_sub(&c, 3);
	assert_ptr_equal(sub.pos, buf + 1);
	assert_ptr_equal(sub.end, buf + 4);
	assert_int_equal(cursor_left(&sub), 3);
	assert_int_equal(cursor_error(&sub), CURSOR_OK);
	assert_ptr_equal(c.pos, buf + 4);
	assert_int_equal(cursor_left(&c), 2);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_u8(&sub), 0x02);
	assert_int_equal(cursor_be16(&sub), 0x0304);
	assert_int_equal(cursor_be16(&c), 0x0506);
}

static void
sub_cannot_read_into_parent_bytes(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	sub = cursor_sub(&c, 2);
	assert_int_equal(cursor_be32(&sub), 0);
	assert_failed(&sub, CURSOR_TRUNCATED);
	/* The child's failure is its own: the parent reads on. */
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 6);
	assert_int_equal(cursor_u8(&c), 0x03);
}

static void
sub_exact_remaining_length_is_ok(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	sub = cursor_sub(&c, 8);
	assert_int_equal(cursor_left(&sub), 8);
	assert_int_equal(cursor_error(&sub), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_be64(&sub), UINT64_C(0x0102030405060708));
}

static void
sub_too_short_fails_parent_and_child(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 3);
	sub = cursor_sub(&c, 4);
	assert_failed(&c, CURSOR_TRUNCATED);
	assert_failed(&sub, CURSOR_TRUNCATED);
	assert_int_equal(cursor_u8(&sub), 0);
}

static void
sub_huge_length_fails_without_overflow(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	(void)cursor_u8(&c);
	sub = cursor_sub(&c, SIZE_MAX);
	assert_failed(&c, CURSOR_TRUNCATED);
	assert_failed(&sub, CURSOR_TRUNCATED);
}

static void
sub_of_failed_parent_inherits_error(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	cursor_fail(&c, CURSOR_INVALID);
	sub = cursor_sub(&c, 0);
	assert_failed(&sub, CURSOR_INVALID);
	assert_failed(&c, CURSOR_INVALID);
}

static void
sub_zero_length_is_empty_and_ok(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 2);
	sub = cursor_sub(&c, 0);
	assert_int_equal(cursor_left(&sub), 0);
	assert_int_equal(cursor_error(&sub), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 2);
	assert_int_equal(cursor_u8(&sub), 0);
	assert_failed(&sub, CURSOR_TRUNCATED);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
nested_subs_stay_inside_their_parent(void **state)
{
	struct cursor c, outer, inner;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	outer = cursor_sub(&c, 6);
	(void)cursor_u8(&outer);
	inner = cursor_sub(&outer, 2);
	assert_int_equal(cursor_be16(&inner), 0x0203);
	assert_int_equal(cursor_u8(&inner), 0);
	assert_failed(&inner, CURSOR_TRUNCATED);
	assert_int_equal(cursor_left(&outer), 3);
	inner = cursor_sub(&outer, 4);
	assert_failed(&inner, CURSOR_TRUNCATED);
	assert_failed(&outer, CURSOR_TRUNCATED);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_be16(&c), 0x0708);
}

static void
rest_takes_remaining_bytes(void **state)
{
	struct cursor c, rest;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 4);
	(void)cursor_u8(&c);
	rest = cursor_rest(&c);
	assert_ptr_equal(rest.pos, buf + 1);
	assert_int_equal(cursor_left(&rest), 3);
	assert_int_equal(cursor_error(&rest), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
rest_of_empty_cursor_is_empty_and_ok(void **state)
{
	struct cursor c, rest;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, NULL, 0);
	rest = cursor_rest(&c);
	assert_int_equal(cursor_left(&rest), 0);
	assert_int_equal(cursor_error(&rest), CURSOR_OK);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
rest_of_failed_cursor_is_failed(void **state)
{
	struct cursor c, rest;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 1);
	(void)cursor_be16(&c);
	rest = cursor_rest(&c);
	assert_failed(&rest, CURSOR_TRUNCATED);
}

/* ---- XDR padding ------------------------------------------------------- */

static void
xdr_pad_rounds_up_to_four(void **state)
{
	static const size_t want[8] = { 0, 3, 2, 1, 0, 3, 2, 1 };
	size_t n;

	(void)state;
	for (n = 0; n < 8; n++)
		assert_int_equal(cursor_xdr_pad(n), want[n]);
	assert_int_equal(cursor_xdr_pad(SIZE_MAX), 1);
}

static void
xdr_sub_skips_padding(void **state)
{
	static const uint8_t b[] = {
		'a', 'b', 'c', 'd', 'e', 0, 0, 0,	/* 5 bytes + 3 pad */
		0xDE, 0xAD, 0xBE, 0xEF,
	};
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	sub = cursor_xdr_sub(&c, 5);
	assert_ptr_equal(sub.pos, buf);
	assert_int_equal(cursor_left(&sub), 5);
	assert_int_equal(cursor_error(&sub), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 4);
	assert_int_equal(cursor_be32(&c), 0xDEADBEEFu);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static void
xdr_sub_aligned_length_has_no_padding(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, sizeof(seq8));
	sub = cursor_xdr_sub(&c, 4);
	assert_int_equal(cursor_left(&sub), 4);
	assert_int_equal(cursor_be32(&c), 0x05060708u);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
	assert_int_equal(cursor_error(&sub), CURSOR_OK);
}

static void
xdr_sub_each_length_consumes_padded_size(void **state)
{
	uint8_t src[16] = { 0 };
	struct cursor c, sub;
	uint8_t *buf;
	size_t n, padded;

	(void)state;
	for (n = 0; n <= 8; n++) {
		padded = n + cursor_xdr_pad(n);
		open_exact(&c, &buf, src, padded);
		sub = cursor_xdr_sub(&c, n);
		assert_int_equal(cursor_left(&sub), n);
		assert_int_equal(cursor_error(&sub), CURSOR_OK);
		assert_int_equal(cursor_left(&c), 0);
		assert_int_equal(cursor_error(&c), CURSOR_OK);
	}
}

/* The data is all there but its padding is not: both views fail. */
static void
xdr_sub_missing_padding_fails(void **state)
{
	static const uint8_t b[] = { 'a', 'b', 'c', 'd', 'e', 0, 0 };
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	sub = cursor_xdr_sub(&c, 5);
	assert_failed(&c, CURSOR_TRUNCATED);
	assert_int_equal(cursor_error(&sub), CURSOR_TRUNCATED);
	assert_int_equal(cursor_u8(&sub), 0);
}

/* As above, and the failed child is stopped like any failed cursor. */
static void
xdr_sub_missing_padding_leaves_child_empty(void **state)
{
	static const uint8_t b[] = { 'a', 'b', 'c', 'd', 'e', 0, 0 };
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, b, sizeof(b));
	sub = cursor_xdr_sub(&c, 5);
	assert_failed(&sub, CURSOR_TRUNCATED);
}

static void
xdr_sub_short_data_fails_both(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 3);
	sub = cursor_xdr_sub(&c, 5);
	assert_failed(&c, CURSOR_TRUNCATED);
	assert_failed(&sub, CURSOR_TRUNCATED);
}

static void
xdr_sub_zero_length_is_empty_and_ok(void **state)
{
	struct cursor c, sub;
	uint8_t *buf;

	(void)state;
	open_exact(&c, &buf, seq8, 4);
	sub = cursor_xdr_sub(&c, 0);
	assert_int_equal(cursor_left(&sub), 0);
	assert_int_equal(cursor_error(&sub), CURSOR_OK);
	assert_int_equal(cursor_left(&c), 4);
	assert_int_equal(cursor_error(&c), CURSOR_OK);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(init_sets_view_and_no_error, exact_free_all),
	cmocka_unit_test_teardown(zero_length_buffer_is_empty_and_ok,
	    exact_free_all),
	cmocka_unit_test_teardown(zero_length_buffer_every_reader_truncates,
	    exact_free_all),
	cmocka_unit_test_teardown(u8_exact_length_reads_byte, exact_free_all),
	cmocka_unit_test_teardown(u8_past_end_truncates, exact_free_all),
	cmocka_unit_test_teardown(be16_decodes_big_endian, exact_free_all),
	cmocka_unit_test_teardown(be16_one_short_truncates_zero, exact_free_all),
	cmocka_unit_test_teardown(be32_decodes_big_endian, exact_free_all),
	cmocka_unit_test_teardown(be32_one_short_truncates_zero, exact_free_all),
	cmocka_unit_test_teardown(be64_decodes_big_endian, exact_free_all),
	cmocka_unit_test_teardown(be64_one_short_truncates_zero, exact_free_all),
	cmocka_unit_test_teardown(be64_half_present_truncates_zero, exact_free_all),
	cmocka_unit_test_teardown(skip_exact_length_consumes_all, exact_free_all),
	cmocka_unit_test_teardown(skip_one_short_truncates, exact_free_all),
	cmocka_unit_test_teardown(skip_huge_length_truncates_without_overflow,
	    exact_free_all),
	cmocka_unit_test_teardown(copy_exact_length_copies, exact_free_all),
	cmocka_unit_test_teardown(copy_one_short_zero_fills, exact_free_all),
	cmocka_unit_test_teardown(take_exact_length_borrows_in_place,
	    exact_free_all),
	cmocka_unit_test_teardown(take_one_short_returns_null, exact_free_all),
	cmocka_unit_test_teardown(peek_reads_without_consuming, exact_free_all),
	cmocka_unit_test_teardown(peek_out_of_range_is_zero_and_no_error,
	    exact_free_all),
	cmocka_unit_test_teardown(peek_after_error_is_zero, exact_free_all),
	cmocka_unit_test_teardown(reads_after_error_are_noops, exact_free_all),
	cmocka_unit_test_teardown(fail_stops_a_cursor_with_bytes_left,
	    exact_free_all),
	cmocka_unit_test_teardown(fail_keeps_first_error, exact_free_all),
	cmocka_unit_test_teardown(need_checks_without_consuming, exact_free_all),
	cmocka_unit_test_teardown(sub_gives_exact_child_and_advances_parent,
	    exact_free_all),
	cmocka_unit_test_teardown(sub_cannot_read_into_parent_bytes, exact_free_all),
	cmocka_unit_test_teardown(sub_exact_remaining_length_is_ok, exact_free_all),
	cmocka_unit_test_teardown(sub_too_short_fails_parent_and_child,
	    exact_free_all),
	cmocka_unit_test_teardown(sub_huge_length_fails_without_overflow,
	    exact_free_all),
	cmocka_unit_test_teardown(sub_of_failed_parent_inherits_error,
	    exact_free_all),
	cmocka_unit_test_teardown(sub_zero_length_is_empty_and_ok, exact_free_all),
	cmocka_unit_test_teardown(nested_subs_stay_inside_their_parent,
	    exact_free_all),
	cmocka_unit_test_teardown(rest_takes_remaining_bytes, exact_free_all),
	cmocka_unit_test_teardown(rest_of_empty_cursor_is_empty_and_ok,
	    exact_free_all),
	cmocka_unit_test_teardown(rest_of_failed_cursor_is_failed, exact_free_all),
	cmocka_unit_test_teardown(xdr_pad_rounds_up_to_four, exact_free_all),
	cmocka_unit_test_teardown(xdr_sub_skips_padding, exact_free_all),
	cmocka_unit_test_teardown(xdr_sub_aligned_length_has_no_padding,
	    exact_free_all),
	cmocka_unit_test_teardown(xdr_sub_each_length_consumes_padded_size,
	    exact_free_all),
	cmocka_unit_test_teardown(xdr_sub_missing_padding_fails, exact_free_all),
	cmocka_unit_test_teardown(xdr_sub_missing_padding_leaves_child_empty,
	    exact_free_all),
	cmocka_unit_test_teardown(xdr_sub_short_data_fails_both, exact_free_all),
	cmocka_unit_test_teardown(xdr_sub_zero_length_is_empty_and_ok,
	    exact_free_all),
};

FS_TEST_MAIN(tests)
