/*
 * pcap_mapped.c - classic pcap files read in place through mmap().
 *
 * Why not only libpcap: its offline reader fread()s every record, so each
 * byte is copied twice (kernel to stdio buffer, stdio buffer to libpcap's
 * buffer).  On a 1.2 GB capture in the page cache that was a quarter of a
 * whole `finderscope sflow --count` run.  Classic pcap is a fixed 24-byte
 * file header and 16-byte record headers (the libpcap file format,
 * draft-ietf-opsawg-pcap), simple enough to walk with the cursor; anything
 * else (pcapng, standard input, pipes) still goes through libpcap.
 *
 * The file is untrusted like every input: record lengths are checked
 * against the mapping, and a record that runs past the end of the file is
 * a read error, as libpcap reports it ("truncated dump file").
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "pcap_mapped.h"

#define MAGIC_USEC		0xA1B2C3D4u
#define MAGIC_NSEC		0xA1B23C4Du
#define MAX_RECORD_BYTES	(256u * 1024)	/* libpcap's MAXIMUM_SNAPLEN */

/* LINKTYPE_ values (the file's, not libpcap's DLT_) to pkt_parse's links. */
static enum pkt_link
link_of_linktype(uint32_t linktype)
{
	switch (linktype & 0xFFFF) {	/* the upper bits carry FCS info */
	case 0:
		return PKT_LINK_NULL;
	case 1:
		return PKT_LINK_ETHERNET;
	case 101:
		return PKT_LINK_IP;
	case 108:
		return PKT_LINK_LOOP;
	case 113:
		return PKT_LINK_LINUX_SLL;
	case 228:
		return PKT_LINK_IPV4;
	case 229:
		return PKT_LINK_IPV6;
	case 276:
		return PKT_LINK_LINUX_SLL2;
	default:
		return 0;
	}
}

/* A 32-bit field of the file, in the file's byte order. */
static uint32_t
file_u32(struct pcap_mapped *m)
{
	uint32_t v = cursor_be32(&m->c);

	return m->swapped ? __builtin_bswap32(v) : v;
}

int
pcap_mapped_open(struct pcap_mapped *m, const char *path)
{
	struct stat st;
	uint32_t magic;
	void *map;
	int fd;

	m->map = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size < 24) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	m->map = map;
	m->size = (size_t)st.st_size;
	cursor_init(&m->c, map, m->size);
	magic = cursor_be32(&m->c);
	if (magic == MAGIC_USEC || magic == MAGIC_NSEC)
		m->swapped = 0;
	else if (magic == __builtin_bswap32(MAGIC_USEC) ||
	    magic == __builtin_bswap32(MAGIC_NSEC))
		m->swapped = 1;
	else
		goto not_ours;
	m->nsec = magic == MAGIC_NSEC || magic == __builtin_bswap32(MAGIC_NSEC);
	cursor_skip(&m->c, 16);		/* version, thiszone, sigfigs, snaplen */
	if ((m->link = link_of_linktype(file_u32(m))) == 0)
		goto not_ours;		/* let libpcap say what it is */
	madvise(map, m->size, MADV_SEQUENTIAL);
	return 0;
not_ours:
	pcap_mapped_close(m);
	return -1;
}

int
pcap_mapped_next(struct pcap_mapped *m, struct pcap_frame *f,
    char *errbuf, size_t errlen)
{
	uint32_t sec, frac, caplen, len;
	const uint8_t *data;

	if (cursor_left(&m->c) == 0)
		return 0;
	sec = file_u32(m);
	frac = file_u32(m);
	caplen = file_u32(m);
	len = file_u32(m);
	if (cursor_error(&m->c) != CURSOR_OK) {
		snprintf(errbuf, errlen, "truncated dump file; record header "
		    "cut short after frame %llu", (unsigned long long)m->frames);
		return -1;
	}
	if (caplen > MAX_RECORD_BYTES) {
		snprintf(errbuf, errlen, "invalid packet capture length %u in "
		    "frame %llu", caplen, (unsigned long long)m->frames + 1);
		return -1;
	}
	if ((data = cursor_take(&m->c, caplen)) == NULL) {
		snprintf(errbuf, errlen, "truncated dump file; frame %llu has "
		    "%u captured bytes, the file has fewer",
		    (unsigned long long)m->frames + 1, caplen);
		return -1;
	}
	f->number = ++m->frames;
	f->ts.tv_sec = (time_t)sec;
	f->ts.tv_usec = (suseconds_t)(m->nsec ? frac / 1000 : frac);
	f->data = data;
	f->caplen = caplen;
	f->len = len;
	return 1;
}

void
pcap_mapped_close(struct pcap_mapped *m)
{
	if (m->map != NULL)
		munmap(m->map, m->size);
	m->map = NULL;
}
