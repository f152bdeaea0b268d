/*
 * ctl_config_value.c - the text forms of configuration values: durations,
 * sizes, booleans, whole numbers, prefixes, listen addresses and free-space
 * amounts; strict parsers and the canonical formatters that
 * ctl_config_print() writes.
 *
 * Every parser takes the whole string or nothing: no signs, no spaces, no
 * trailing garbage, no octal or hex, overflow is an error.  On failure the
 * reason is a complete sentence fragment naming what was expected and
 * quoting (a sanitised, shortened copy of) what was found.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl_config.h"
#include "ctl_config_impl.h"

#define QUOTE_MAX	48	/* bytes of a found value quoted in errors */

void
ctl_quote(const char *s, char *buf, size_t size)
{
	size_t i, n, len = strlen(s);
	int cut = 0;

	if (size < 8) {
		if (size > 0)
			buf[0] = '\0';
		return;
	}
	n = len;
	if (n > QUOTE_MAX || n > size - 6) {
		n = QUOTE_MAX < size - 6 ? QUOTE_MAX : size - 6;
		/* Do not cut a UTF-8 sequence in half. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = 1;
	}
	buf[0] = '\'';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i + 1] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
	}
	if (cut) {
		memcpy(buf + n + 1, "...'", 5);
	} else {
		buf[n + 1] = '\'';
		buf[n + 2] = '\0';
	}
}

static int
why_fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the reason to why (if given); always returns -1. */
static int
why_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A quoted copy of s that lives until the end of the full expression. */
struct quoted {
	char	s[QUOTE_MAX + 8];
};

static struct quoted
quoted(const char *s)
{
	struct quoted q;

	ctl_quote(s, q.s, sizeof(q.s));
	return q;
}

#define Q(s)	(quoted(s).s)

/*
 * Leading decimal digits of s into *v; *end after them.  0, or -1 when
 * there are none or the number does not fit in uint64_t.
 */
static int
digits(const char *s, const char **end, uint64_t *v)
{
	uint64_t n = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*end = p;
	*v = n;
	return p == s ? -1 : 0;
}

static int
overflows(const char *s)
{
	const char *end;
	uint64_t v;

	return *s >= '0' && *s <= '9' && digits(s, &end, &v) == -1;
}

/* ---- durations -------------------------------------------------------- */

static const struct {
	char		unit;
	uint32_t	seconds;
} duration_units[] = {
	{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};

#define DURATION_EXPECTED \
	"expected a duration like 30s, 5m, 12h or 7d, found %s"

int
ctl_parse_duration(const char *s, uint32_t *seconds, char *why,
    size_t whylen)
{
	const char *end;
	uint64_t v;
	size_t i;

	if (overflows(s))
		return why_fail(why, whylen, "duration %s is too long", Q(s));
	if (digits(s, &end, &v) == -1)
		return why_fail(why, whylen, DURATION_EXPECTED, Q(s));
	if (*end == '\0')
		return why_fail(why, whylen, "duration %s needs a unit "
		    "(s, m, h or d), like %ss", Q(s), s);
	if (end[1] != '\0')
		return why_fail(why, whylen, DURATION_EXPECTED, Q(s));
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]);
	    i++) {
		if (*end != duration_units[i].unit)
			continue;
		if (v > UINT32_MAX / duration_units[i].seconds)
			return why_fail(why, whylen, "duration %s is too long",
			    Q(s));
		*seconds = (uint32_t)v * duration_units[i].seconds;
		return 0;
	}
	return why_fail(why, whylen, DURATION_EXPECTED, Q(s));
}

const char *
ctl_format_duration(uint32_t seconds, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]);
	    i++)
		if (seconds % duration_units[i].seconds == 0 &&
		    (seconds != 0 || duration_units[i].unit == 's')) {
			snprintf(buf, size, "%u%c",
			    seconds / duration_units[i].seconds,
			    duration_units[i].unit);
			break;
		}
	return buf;
}

/* ---- sizes ------------------------------------------------------------ */

static const struct {
	char		unit;
	unsigned	shift;
} size_units[] = {
	{ 'T', 40 }, { 'G', 30 }, { 'M', 20 }, { 'K', 10 },
};

#define SIZE_EXPECTED	"expected a size like 512K, 64M or 10G " \
	"(K, M, G and T are powers of 1024), found %s"

int
ctl_parse_size(const char *s, uint64_t *bytes, char *why, size_t whylen)
{
	const char *end;
	uint64_t v;
	size_t i;

	if (overflows(s))
		return why_fail(why, whylen, "size %s is too large", Q(s));
	if (digits(s, &end, &v) == -1)
		return why_fail(why, whylen, SIZE_EXPECTED, Q(s));
	if (*end == '\0') {
		*bytes = v;
		return 0;
	}
	if (end[1] != '\0')
		return why_fail(why, whylen, SIZE_EXPECTED, Q(s));
	for (i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
		if (*end != size_units[i].unit)
			continue;
		if (v > (UINT64_MAX >> size_units[i].shift))
			return why_fail(why, whylen, "size %s is too large",
			    Q(s));
		*bytes = v << size_units[i].shift;
		return 0;
	}
	return why_fail(why, whylen, SIZE_EXPECTED, Q(s));
}

const char *
ctl_format_size(uint64_t bytes, char *buf, size_t size)
{
	size_t i;

	if (bytes != 0)
		for (i = 0; i < sizeof(size_units) / sizeof(size_units[0]);
		    i++) {
			uint64_t unit = (uint64_t)1 << size_units[i].shift;

			if (bytes % unit == 0) {
				snprintf(buf, size, "%llu%c",
				    (unsigned long long)(bytes / unit),
				    size_units[i].unit);
				return buf;
			}
		}
	snprintf(buf, size, "%llu", (unsigned long long)bytes);
	return buf;
}

/* ---- booleans and whole numbers --------------------------------------- */

int
ctl_parse_bool(const char *s, int *value, char *why, size_t whylen)
{
	if (strcmp(s, "true") == 0)
		*value = 1;
	else if (strcmp(s, "false") == 0)
		*value = 0;
	else
		return why_fail(why, whylen, "expected true or false, found %s",
		    Q(s));
	return 0;
}

int
ctl_parse_uint(const char *s, uint64_t max, uint64_t *value, char *why,
    size_t whylen)
{
	const char *end;
	uint64_t v;

	if (overflows(s))
		return why_fail(why, whylen, "expected at most %llu, found %s",
		    (unsigned long long)max, Q(s));
	if (digits(s, &end, &v) == -1 || *end != '\0')
		return why_fail(why, whylen, "expected a whole number, "
		    "found %s", Q(s));
	if (v > max)
		return why_fail(why, whylen, "expected at most %llu, found %s",
		    (unsigned long long)max, Q(s));
	*value = v;
	return 0;
}

/* ---- addresses -------------------------------------------------------- */

int
ctl_addr_is_loopback(const struct netaddr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xFF, [11] = 0xFF };

	if (a->family == NETADDR_IPV4)
		return a->bytes[0] == 127;
	if (a->family == NETADDR_IPV6)
		return memcmp(a->bytes, v6_loopback, 16) == 0 ||
		    (memcmp(a->bytes, v4_mapped, 12) == 0 &&
		    a->bytes[12] == 127);
	return 0;
}

#define PREFIX_EXPECTED \
	"expected a prefix like 10.0.0.0/8 or fd00::/8, found %s"

int
ctl_parse_prefix(const char *s, struct ctl_prefix *out, char *why,
    size_t whylen)
{
	char host[NETADDR_STRLEN], shown[CTL_VALUE_STRLEN];
	const char *slash = strchr(s, '/'), *end;
	struct ctl_prefix p;
	uint64_t plen;
	unsigned max, i;
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);

	memset(&p, 0, sizeof(p));
	if (n == 0 || n >= sizeof(host))
		return why_fail(why, whylen, PREFIX_EXPECTED, Q(s));
	memcpy(host, s, n);
	host[n] = '\0';
	if (netaddr_parse(host, &p.addr) == -1)
		return why_fail(why, whylen, PREFIX_EXPECTED, Q(s));
	max = p.addr.family == NETADDR_IPV4 ? 32 : 128;
	if (slash == NULL)
		plen = max;
	else if (digits(slash + 1, &end, &plen) == -1 || *end != '\0' ||
	    slash[1] == '\0')
		return why_fail(why, whylen, PREFIX_EXPECTED, Q(s));
	else if (plen > max || (slash[1] == '0' && slash[2] != '\0'))
		return why_fail(why, whylen, "prefix length of %s is out of "
		    "range (0 to %u, no leading zeros)", Q(s), max);
	p.plen = (uint8_t)plen;
	for (i = p.plen; i < max; i++)
		if (p.addr.bytes[i / 8] & (0x80 >> (i % 8))) {
			struct ctl_prefix fix = p;
			unsigned j;

			for (j = p.plen; j < max; j++)
				fix.addr.bytes[j / 8] &=
				    (uint8_t)~(0x80 >> (j % 8));
			return why_fail(why, whylen, "prefix %s has host bits "
			    "set (did you mean '%s'?)", Q(s),
			    ctl_format_prefix(&fix, shown, sizeof(shown)));
		}
	*out = p;
	return 0;
}

const char *
ctl_format_prefix(const struct ctl_prefix *p, char *buf, size_t size)
{
	char a[NETADDR_STRLEN];

	snprintf(buf, size, "%s/%u", netaddr_format(&p->addr, a, sizeof(a)),
	    p->plen);
	return buf;
}

#define LISTEN_EXPECTED "expected an address and port like " \
	"127.0.0.1:8008 or [::1]:8008, found %s"

int
ctl_parse_listen(const char *s, struct ctl_listen *out, char *why,
    size_t whylen)
{
	char host[NETADDR_STRLEN];
	const char *h = s, *colon, *end;
	struct ctl_listen l;
	uint64_t port;
	size_t n;

	memset(&l, 0, sizeof(l));
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return why_fail(why, whylen, LISTEN_EXPECTED, Q(s));
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strchr(s, ':')) == NULL)
			return why_fail(why, whylen, LISTEN_EXPECTED, Q(s));
		if (strchr(colon + 1, ':') != NULL)
			return why_fail(why, whylen, "an IPv6 address with a "
			    "port needs brackets, like [::1]:8008, found %s",
			    Q(s));
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return why_fail(why, whylen, LISTEN_EXPECTED, Q(s));
	memcpy(host, h, n);
	host[n] = '\0';
	if (netaddr_parse(host, &l.addr) == -1)
		return why_fail(why, whylen, "%s does not start with an IPv4 "
		    "or IPv6 address (host names are not looked up)", Q(s));
	if ((*s == '[') != (l.addr.family == NETADDR_IPV6))
		return why_fail(why, whylen, LISTEN_EXPECTED, Q(s));
	if (digits(colon + 1, &end, &port) == -1 || *end != '\0' ||
	    colon[1] == '0' || port < 1 || port > 65535)
		return why_fail(why, whylen, "the port of %s is not a number "
		    "from 1 to 65535", Q(s));
	l.port = (uint16_t)port;
	*out = l;
	return 0;
}

const char *
ctl_format_listen(const struct ctl_listen *l, char *buf, size_t size)
{
	char a[NETADDR_STRLEN];

	netaddr_format(&l->addr, a, sizeof(a));
	if (l->addr.family == NETADDR_IPV6)
		snprintf(buf, size, "[%s]:%u", a, l->port);
	else
		snprintf(buf, size, "%s:%u", a, l->port);
	return buf;
}

/* ---- free space ------------------------------------------------------- */

int
ctl_parse_space(const char *s, struct ctl_space *out, char *why,
    size_t whylen)
{
	struct ctl_space sp;
	const char *end;
	uint64_t v;

	memset(&sp, 0, sizeof(sp));
	if (digits(s, &end, &v) == 0 && end[0] == '%' && end[1] == '\0') {
		if (v > 99)
			return why_fail(why, whylen, "percentage %s is out of "
			    "range (0%% to 99%%)", Q(s));
		sp.percent = (uint8_t)v;
		sp.is_percent = 1;
	} else if (ctl_parse_size(s, &sp.bytes, NULL, 0) == -1)
		return why_fail(why, whylen, "expected a percentage like 5%% "
		    "or a size like 10G, found %s", Q(s));
	*out = sp;
	return 0;
}

const char *
ctl_format_space(const struct ctl_space *sp, char *buf, size_t size)
{
	if (sp->is_percent)
		snprintf(buf, size, "%u%%", sp->percent);
	else
		ctl_format_size(sp->bytes, buf, size);
	return buf;
}
