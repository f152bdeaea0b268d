/*
 * cap_keys.c - Blueye key text into bytes (see cap_keys.h for the syntax).
 *
 * Key text comes from the config file, so a mistake must be reported as
 * what it is and where (byte positions count from 1 in the text as
 * written, ";nocase" included), and no input can make the decoder write
 * past struct cap_key: every byte goes through key_put(), which refuses
 * the 255th.  Nothing is allocated.
 *
 * A |hex| segment is checked whole before it is decoded (pass one: find
 * the closing bar, refuse non-hex characters, count digits), so the
 * messages come in the order a reader would fix them: a stray character
 * first, then a missing bar, an empty or odd segment, and only then a
 * space that splits a pair.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cap_keys.h"

#define NOCASE_SUFFIX		";nocase"
#define NOCASE_SUFFIX_LEN	(sizeof(NOCASE_SUFFIX) - 1)

static int	key_fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
key_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* c as it can be shown in a message: 'g', or \xHH when not printable. */
static void
show_byte(uint8_t c, char *buf, size_t len)
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "\\x%02x", c);
}

/* Append one decoded byte; -1 when the key would pass CAP_KEY_MAX. */
static int
key_put(struct cap_key *k, uint8_t c)
{
	if (k->len >= CAP_KEY_MAX)
		return -1;
	k->bytes[k->len++] = c;
	return 0;
}

/*
 * The |hex| segment whose opening bar is at p[open]: decoded into k, and
 * *next set past its closing bar.
 */
static int
key_hex(const uint8_t *p, size_t len, size_t open, struct cap_key *k,
    size_t *next, char *err, size_t errlen)
{
	char shown[8];
	size_t i, close, digits = 0;
	int hi, v;

	for (i = open + 1; i < len && p[i] != '|'; i++) {
		if (p[i] == ' ')
			continue;
		if (hex_value(p[i]) == -1) {
			show_byte(p[i], shown, sizeof(shown));
			return key_fail(err, errlen,
			    "not a hex digit %s at byte %zu", shown, i + 1);
		}
		digits++;
	}
	if (i == len)
		return key_fail(err, errlen, "unterminated | at byte %zu",
		    open + 1);
	close = i;
	if (digits == 0)
		return key_fail(err, errlen, "empty |...| at byte %zu",
		    open + 1);
	if (digits % 2 != 0)
		return key_fail(err, errlen,
		    "odd number of hex digits in |...| at byte %zu", open + 1);

	hi = -1;
	for (i = open + 1; i < close; i++) {
		if (p[i] == ' ') {
			if (hi != -1)
				return key_fail(err, errlen,
				    "space inside a hex pair at byte %zu",
				    i + 1);
			continue;
		}
		v = hex_value(p[i]);
		if (hi == -1) {
			hi = v;
			continue;
		}
		if (key_put(k, (uint8_t)(hi << 4 | v)) == -1)
			return key_fail(err, errlen,
			    "longer than %d bytes (at byte %zu)", CAP_KEY_MAX,
			    i + 1);
		hi = -1;
	}
	*next = close + 1;
	return 0;
}

int
cap_key_parse(const char *text, size_t len, struct cap_key *out,
    char *err, size_t errlen)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t i;

	out->len = 0;
	out->nocase = 0;
	if (p == NULL)
		len = 0;
	if (len >= NOCASE_SUFFIX_LEN && memcmp(p + len - NOCASE_SUFFIX_LEN,
	    NOCASE_SUFFIX, NOCASE_SUFFIX_LEN) == 0) {
		out->nocase = 1;
		len -= NOCASE_SUFFIX_LEN;
	}
	if (len == 0)
		return key_fail(err, errlen, "empty key");

	for (i = 0; i < len;) {
		if (p[i] == '|') {
			if (key_hex(p, len, i, out, &i, err, errlen) == -1)
				goto fail;
			continue;
		}
		if (key_put(out, p[i]) == -1) {
			key_fail(err, errlen,
			    "longer than %d bytes (at byte %zu)", CAP_KEY_MAX,
			    i + 1);
			goto fail;
		}
		i++;
	}
	if (out->len < CAP_KEY_MIN) {
		key_fail(err, errlen, "shorter than %d bytes (%u)", CAP_KEY_MIN,
		    (unsigned)out->len);
		goto fail;
	}
	return 0;
fail:
	out->len = 0;
	out->nocase = 0;
	return -1;
}
