/*
 * pcap_input.c - capture files in, frames out: classic pcap files in place
 * (pcap_mapped.c), everything else through libpcap's offline reader.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_input.h"
#include "pcap_mapped.h"

struct pcap_input {
	struct pcap_mapped mapped;	/* used when mapped.map != NULL */
	pcap_t		*pcap;
	enum pkt_link	 link;
	uint64_t	 frames;
	char		 error[256];
};

/* libpcap's DLT_ values to what pkt_parse() understands; 0 if nothing. */
static enum pkt_link
link_of(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return PKT_LINK_ETHERNET;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		return PKT_LINK_IP;
	case DLT_LINUX_SLL:
		return PKT_LINK_LINUX_SLL;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		return PKT_LINK_LINUX_SLL2;
#endif
	case DLT_NULL:
		return PKT_LINK_NULL;
	case DLT_LOOP:
		return PKT_LINK_LOOP;
	default:
		return 0;
	}
}

struct pcap_input *
pcap_input_open(const char *path, char *errbuf, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	struct pcap_input *in;
	int dlt;

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	if (strcmp(path, "-") != 0 && pcap_mapped_open(&in->mapped, path) == 0) {
		in->link = in->mapped.link;
		return in;
	}
	pcap_err[0] = '\0';
	if ((in->pcap = pcap_open_offline(path, pcap_err)) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, pcap_err);
		free(in);
		return NULL;
	}
	dlt = pcap_datalink(in->pcap);
	if ((in->link = link_of(dlt)) == 0) {
		snprintf(errbuf, errlen, "%s: link type %s (%d) is not supported",
		    path, pcap_datalink_val_to_name(dlt) ?
		    pcap_datalink_val_to_name(dlt) : "unknown", dlt);
		pcap_input_close(in);
		return NULL;
	}
	return in;
}

enum pkt_link
pcap_input_link(const struct pcap_input *in)
{
	return in->link;
}

int
pcap_input_next(struct pcap_input *in, struct pcap_frame *f)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;

	if (in->mapped.map != NULL)
		return pcap_mapped_next(&in->mapped, f, in->error,
		    sizeof(in->error));
	switch (pcap_next_ex(in->pcap, &hdr, &data)) {
	case 1:
		f->number = ++in->frames;
		f->ts = hdr->ts;
		f->data = data;
		f->caplen = hdr->caplen;
		f->len = hdr->len;
		return 1;
	case PCAP_ERROR_BREAK:
		return 0;
	default:
		return -1;
	}
}

const char *
pcap_input_error(struct pcap_input *in)
{
	return in->mapped.map != NULL ? in->error : pcap_geterr(in->pcap);
}

void
pcap_input_close(struct pcap_input *in)
{
	if (in == NULL)
		return;
	pcap_mapped_close(&in->mapped);
	if (in->pcap != NULL)
		pcap_close(in->pcap);
	free(in);
}

int
pcap_frame_udp_payload(const uint8_t *data, size_t caplen, enum pkt_link link,
    uint16_t dport, const uint8_t **payload, size_t *len, const char **why)
{
	struct pkt_parsed p;

	pkt_parse(data, caplen, link, &p);
	*why = "not UDP to the port";
	if (p.key.proto != 17 || !(p.key.flags & FLOW_KEY_PORTS) ||
	    (dport != 0 && p.key.dport != dport))
		return PCAP_FRAME_NOT_OURS;
	if (p.key.flags & FLOW_KEY_FRAGMENT) {
		*why = "IP fragment (fragments are not reassembled)";
		return PCAP_FRAME_UNUSABLE;
	}
	if (p.payload_offset == 0) {
		*why = p.key.flags & FLOW_KEY_MALFORMED ?
		    "malformed UDP header" : "UDP header cut short";
		return PCAP_FRAME_UNUSABLE;
	}
	*payload = data + p.payload_offset;
	*len = p.payload_length;
	return 0;
}
