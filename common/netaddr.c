/*
 * netaddr.c - IPv4/IPv6 address values: read from a cursor, format, parse.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cursor.h"
#include "netaddr.h"

void
netaddr_read(struct cursor *c, int family, struct netaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == NETADDR_IPV4)
		cursor_copy(c, a->bytes, 4);
	else
		cursor_copy(c, a->bytes, 16);
	if (cursor_error(c) == CURSOR_OK)
		a->family = (uint8_t)family;
}

const char *
netaddr_format(const struct netaddr *a, char *buf, size_t size)
{
	int af = a->family == NETADDR_IPV4 ? AF_INET : AF_INET6;

	if (a->family == NETADDR_NONE || inet_ntop(af, a->bytes, buf,
	    (socklen_t)size) == NULL) {
		if (size > 1) {
			buf[0] = '-';
			buf[1] = '\0';
		} else if (size == 1)
			buf[0] = '\0';
	}
	return buf;
}

int
netaddr_parse(const char *s, struct netaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = NETADDR_IPV4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = NETADDR_IPV6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -1;
}

int
netaddr_compare(const struct netaddr *a, const struct netaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

struct netaddr
netaddr_canonical(const struct netaddr *a)
{
	struct netaddr c;

	memset(&c, 0, sizeof(c));
	c.family = a->family;
	if (a->family == NETADDR_IPV4)
		memcpy(c.bytes, a->bytes, 4);
	else if (a->family == NETADDR_IPV6)
		memcpy(c.bytes, a->bytes, 16);
	return c;
}
