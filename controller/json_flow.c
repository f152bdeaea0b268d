/*
 * json_flow.c - flow keys as JSON members.
 */
#include "json_flow.h"

void
jw_addr(struct json_writer *w, const char *key, const struct netaddr *a)
{
	char buf[NETADDR_STRLEN];

	if (a->family != NETADDR_NONE)
		jw_str(w, key, netaddr_format(a, buf, sizeof(buf)));
}

void
jw_flow_key_members(struct json_writer *w, const struct flow_key *k)
{
	if (k->flags & FLOW_KEY_VLAN) {
		jw_u64(w, "vlan", k->vlan);
		if (k->vlan_count > 1)
			jw_u64(w, "inner_vlan", k->inner_vlan);
	}
	if (k->flags & FLOW_KEY_MPLS) {
		jw_u64(w, "mpls_label", k->mpls_label);
		jw_u64(w, "mpls_labels", k->mpls_count);
	}
	if (k->src.family != NETADDR_NONE) {
		jw_u64(w, "ip_version", k->src.family);
		jw_addr(w, "src", &k->src);
		jw_addr(w, "dst", &k->dst);
		jw_u64(w, "proto", k->proto);
		jw_u64(w, "tos", k->tos);
		/* A sampler's summary record carries no TTL. */
		if (!(k->flags & FLOW_KEY_SUMMARY))
			jw_u64(w, "ttl", k->ttl);
	}
	if (k->flags & FLOW_KEY_PORTS) {
		jw_u64(w, "src_port", k->sport);
		jw_u64(w, "dst_port", k->dport);
	}
	if (k->flags & FLOW_KEY_TCP_FLAGS)
		jw_u64(w, "tcp_flags", k->tcp_flags);
	if (k->flags & FLOW_KEY_ICMP) {
		jw_u64(w, "icmp_type", k->icmp_type);
		jw_u64(w, "icmp_code", k->icmp_code);
	}
	if (k->flags & FLOW_KEY_FRAGMENT)
		jw_bool(w, "fragment", 1);
	if (k->flags & FLOW_KEY_LATER_FRAGMENT)
		jw_bool(w, "later_fragment", 1);
	if (k->flags & FLOW_KEY_TRUNCATED)
		jw_bool(w, "truncated", 1);
	if (k->flags & FLOW_KEY_MALFORMED)
		jw_bool(w, "malformed", 1);
}
