/*
 * netaddr.h - an IPv4 or IPv6 address as a plain value.
 *
 * No pointers inside: a netaddr can be copied, hashed and compared with
 * memcmp once zero-initialised (the unused bytes of an IPv4 address are 0).
 */
#ifndef FS_NETADDR_H
#define FS_NETADDR_H

#include <stddef.h>
#include <stdint.h>

struct cursor;

#define NETADDR_NONE	0
#define NETADDR_IPV4	4
#define NETADDR_IPV6	6

/* Longest text form, with the NUL: an IPv4-mapped IPv6 address. */
#define NETADDR_STRLEN	46

struct netaddr {
	uint8_t		family;		/* NETADDR_NONE, _IPV4 or _IPV6 */
	uint8_t		bytes[16];	/* network order; IPv4 in bytes[0..3] */
};

/* Read 4 (IPv4) or 16 (IPv6) bytes from the cursor into a. */
void	netaddr_read(struct cursor *c, int family, struct netaddr *a);

/* Text form ("192.0.2.1", "2001:db8::1"; "-" for NETADDR_NONE) into buf. */
const char *netaddr_format(const struct netaddr *a, char *buf, size_t size);

/* Parse the usual text forms; 0 on success, -1 if s is not an address. */
int	netaddr_parse(const char *s, struct netaddr *a);

/*
 * a with the bytes its family does not use zeroed: a value made from
 * untrusted memory can then be hashed and compared as bytes.
 */
struct netaddr netaddr_canonical(const struct netaddr *a);

/* memcmp-style ordering: family first, then bytes. */
int	netaddr_compare(const struct netaddr *a, const struct netaddr *b);

#endif /* FS_NETADDR_H */
