/*
 * pcap_mapped.h - classic pcap files read in place (mmap); private to
 * pcap_input.c, which falls back to libpcap for everything else.
 */
#ifndef FS_PCAP_MAPPED_H
#define FS_PCAP_MAPPED_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "pcap_input.h"

struct pcap_mapped {
	void		*map;		/* NULL: not mapped */
	size_t		 size;
	struct cursor	 c;		/* over the whole file */
	enum pkt_link	 link;
	int		 swapped;	/* file written in the other byte order */
	int		 nsec;		/* nanosecond timestamps */
	uint64_t	 frames;
};

/*
 * Map path when it is a regular file in classic pcap format with a link
 * type pkt_parse() knows; -1 otherwise (nothing is kept open then).
 */
int	pcap_mapped_open(struct pcap_mapped *, const char *path);

/* Next record: 1, 0 at the end, -1 with a message in errbuf. */
int	pcap_mapped_next(struct pcap_mapped *, struct pcap_frame *,
	    char *errbuf, size_t errlen);

void	pcap_mapped_close(struct pcap_mapped *);

#endif /* FS_PCAP_MAPPED_H */
