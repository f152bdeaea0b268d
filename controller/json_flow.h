/*
 * json_flow.h - addresses and flow keys as JSON members, the same way in
 * every command's output (docs/sflow-json.md, docs/decap-json.md).
 */
#ifndef FS_JSON_FLOW_H
#define FS_JSON_FLOW_H

#include "json_writer.h"
#include "netaddr.h"
#include "packet.h"

/* key: "ADDRESS", or nothing at all for NETADDR_NONE. */
void	jw_addr(struct json_writer *, const char *key, const struct netaddr *);

/*
 * The members of a flow key from the VLAN tags on: vlan, inner_vlan,
 * mpls_label, mpls_labels, ip_version, src, dst, proto, tos, ttl,
 * src_port, dst_port, tcp_flags, icmp_type, icmp_code and the flags
 * (fragment, later_fragment, truncated, malformed); absent when not set.
 * The caller writes the Ethernet members its format has before them.
 */
void	jw_flow_key_members(struct json_writer *, const struct flow_key *);

#endif /* FS_JSON_FLOW_H */
