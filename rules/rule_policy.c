/*
 * rule_policy.c - the switch clients' decisions that need no sockets:
 * which failures to retry and after how long, which URLs and pins to
 * accept, and making a switch's text safe to print.  Tables of cases test
 * them (tests/unit/test_rule_policy.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rule_impl.h"

int
rule_retryable(CURLcode code, long http_code)
{
	switch (code) {
	case CURLE_OK:
		return http_code >= 500 && http_code <= 599;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:	/* handshake cut short, not refused */
		return 1;
	default:
		/* Verification, pins, protocol, over-size: trying again
		 * would get the same answer. */
		return 0;
	}
}

uint64_t
rule_backoff_ms(uint32_t retry, uint32_t base_ms, uint32_t max_ms,
    uint64_t rnd)
{
	uint64_t d = base_ms, half;
	uint32_t i;

	if (retry == 0)
		return 0;
	for (i = 1; i < retry && d < max_ms; i++)
		d *= 2;		/* d <= 2 * 2^32: no overflow */
	if (d > max_ms)
		d = max_ms;
	half = d / 2;
	/* d - half < 2^32 and rnd >> 32 < 2^32: the product fits. */
	return half + (((d - half + 1) * (rnd >> 32)) >> 32);
}

uint64_t
rule_prng(uint64_t *state)
{
	uint64_t z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
rule_url_ok(const char *url, int allow_http)
{
	const char *host, *end;
	size_t i, len;

	if (url == NULL)
		return 0;
	len = strlen(url);
	if (len >= RULE_URL_MAX - RULE_NAME_MAX - 2)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)url[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#' ||
		    ch == '\\')
			return 0;
	}
	if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (allow_http && strncasecmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return 0;
	end = host + strcspn(host, "/");
	if (end == host)
		return 0;
	/* user:password@host: refused, credentials go through options. */
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return 0;
	return 1;
}

int
rule_pin_ok(const char *pin)
{
	size_t i;

	if (pin == NULL || strncmp(pin, "sha256//", 8) != 0)
		return 0;
	pin += 8;
	if (strlen(pin) != 44 || pin[43] != '=')
		return 0;
	for (i = 0; i < 43; i++) {
		unsigned char ch = (unsigned char)pin[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return 0;
	}
	return 1;
}

int
rule_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void
rule_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}
