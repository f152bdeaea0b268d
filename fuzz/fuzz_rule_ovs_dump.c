/*
 * fuzz_rule_ovs_dump.c - libFuzzer target for the OVS backend's reading
 * of "ovs-ofctl dump-flows" (rules/rule_ovs_flows.c): with a tcp: target
 * the text comes from a peer on the network.  Any bytes are parsed line
 * by line; the counts add up, every flow keeps the struct's promises (a
 * name only from a valid note, a port of our charset, lengths in range),
 * and a flow that looks like ours renders back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule_impl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	size_t	flows;
};

/* A flow of ours, rendered again from its values, is the same flow. */
static void
round_trip(const struct rule_ovs_flow *f)
{
	struct rule_ovs_flow want[2];
	struct rule_capture c;
	char err[256];

	if (!f->actions_ours || f->other || f->family == NETADDR_NONE ||
	    f->name[0] == '\0' || f->cookie != rule_ovs_cookie(f->name) ||
	    f->table != 0 || f->src_plen == 0 || f->dst_plen == 0)
		return;
	memset(&c, 0, sizeof(c));
	c.local = f->src;
	c.remote = f->dst;
	c.local_plen = f->src_plen;
	c.remote_plen = f->dst_plen;
	c.proto = f->proto;
	c.local_port = f->tp_src;
	c.remote_port = f->tp_dst;
	if (rule_ovs_expect(&c, f->name, f->priority, f->port, want, err,
	    sizeof(err)) == -1)
		return;		/* values we would never render */
	if (!rule_ovs_flow_equal(&want[0], f, 0))
		abort();
}

static void
on_flow(void *arg, const struct rule_ovs_flow *f, const char *line,
    size_t len)
{
	struct ctx *x = arg;
	struct rule_ovs_flow again;
	size_t n;

	x->flows++;
	if (len > RULE_OVS_LINE_MAX || f->note_len > RULE_OVS_NOTE_MAX ||
	    f->priority > 65535 || f->table > 255)
		abort();
	if (f->name[0] != '\0' && (!rule_name_ok(f->name) ||
	    strlen(f->name) != f->note_len ||
	    memcmp(f->name, f->note, f->note_len) != 0))
		abort();
	if (f->note_bad && (f->note_len != 0 || f->name[0] != '\0'))
		abort();
	if (f->actions_ours && (!f->has_note || f->note_bad ||
	    f->port[0] == '\0'))
		abort();
	n = strnlen(f->port, sizeof(f->port));
	if (n == sizeof(f->port))
		abort();
	/* The line alone parses the same way. */
	if (rule_ovs_parse_line(line, len, &again) != RULE_OVS_LINE_FLOW ||
	    memcmp(&again, f, sizeof(again)) != 0)
		abort();
	round_trip(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule_ovs_dump_stats st;
	struct ctx x;
	size_t lines = 1, i;

	memset(&x, 0, sizeof(x));
	rule_ovs_parse_dump((const char *)data, size, on_flow, &x, &st);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (st.flows != x.flows || st.flows + st.bad + st.other > lines)
		abort();
	return 0;
}
