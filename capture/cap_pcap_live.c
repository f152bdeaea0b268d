/*
 * cap_pcap_live.c - the libpcap live input: a capture on an interface,
 * read from pcap_get_selectable_fd() on the event loop (see capture.h).
 *
 * Set up as libpcap wants it: pcap_create(), options, pcap_activate(),
 * then the filter (a filter compiles against the link type, which is only
 * known once active).  Immediate mode hands every packet over as it comes
 * instead of waiting for a block of the ring to fill, and non-blocking mode
 * makes pcap_dispatch() return when the ring is empty, so a readable event
 * never blocks the loop.  Each event runs at most CAP_PCAP_LIVE_MAX_ROUNDS
 * dispatches of CAP_PCAP_LIVE_BATCH packets.
 *
 * A dispatch error (the interface went away) stops the input: the event is
 * removed, because a descriptor in error stays readable and would spin the
 * loop; the owner sees st->stopped and the message, and reopens.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "capture.h"

struct cap_pcap_live {
	pcap_t			*p;
	struct event		*ev;
	cap_packet_cb		*cb;
	void			*ctx;
	int			 datalink;
	int			 nano;		/* tv_usec holds nanoseconds */
	int			 stopped;
	char			 error[PCAP_ERRBUF_SIZE];
	struct cap_pcap_live_stats stats;
};

static void	pcap_live_read(evutil_socket_t, short, void *);

/* A libpcap activation status in words, with libpcap's own detail. */
static void
activate_error(struct cap_pcap_live *pl, const char *interface, int rc,
    char *err, size_t errlen)
{
	const char *detail = pcap_geterr(pl->p);

	if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
		snprintf(err, errlen, "pcap on %s: no such interface (%s)",
		    interface, detail);
	else if (rc == PCAP_ERROR_PERM_DENIED)
		snprintf(err, errlen, "pcap on %s: permission denied, needs "
		    "root or CAP_NET_RAW (%s)", interface, detail);
	else if (rc == PCAP_ERROR_IFACE_NOT_UP)
		snprintf(err, errlen, "pcap on %s: interface is down",
		    interface);
	else
		snprintf(err, errlen, "pcap on %s: %s (%s)", interface,
		    pcap_statustostr(rc), detail);
}

static int
pcap_live_filter(struct cap_pcap_live *pl, const char *interface,
    const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(pl->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) ==
	    PCAP_ERROR) {
		snprintf(err, errlen, "pcap on %s: filter \"%s\": %s",
		    interface, filter, pcap_geterr(pl->p));
		return -1;
	}
	if (pcap_setfilter(pl->p, &prog) == PCAP_ERROR) {
		snprintf(err, errlen, "pcap on %s: setting filter \"%s\": %s",
		    interface, filter, pcap_geterr(pl->p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

struct cap_pcap_live *
cap_pcap_live_new(struct event_base *base, const char *interface,
    const char *filter, int snaplen, uint64_t buffer_size,
    cap_packet_cb *cb, void *ctx, char *err, size_t errlen)
{
	struct cap_pcap_live	*pl;
	char			 ebuf[PCAP_ERRBUF_SIZE];
	int			 rc, fd;

	if (interface == NULL || *interface == '\0') {
		snprintf(err, errlen, "pcap: no interface given");
		return NULL;
	}
	if (snaplen < 0) {
		snprintf(err, errlen, "pcap on %s: snap length %d is negative",
		    interface, snaplen);
		return NULL;
	}
	if (filter == NULL)
		filter = CAP_PCAP_LIVE_FILTER;
	if (snaplen == 0)
		snaplen = CAP_PCAP_LIVE_SNAPLEN;
	if ((pl = calloc(1, sizeof(*pl))) == NULL) {
		snprintf(err, errlen, "pcap on %s: out of memory", interface);
		return NULL;
	}
	pl->cb = cb;
	pl->ctx = ctx;
	ebuf[0] = '\0';
	if ((pl->p = pcap_create(interface, ebuf)) == NULL) {
		snprintf(err, errlen, "pcap on %s: %s", interface, ebuf);
		goto fail;
	}
	/* Options can only fail on an active handle, which this is not. */
	(void)pcap_set_snaplen(pl->p, snaplen);
	(void)pcap_set_immediate_mode(pl->p, 1);
	if (buffer_size > 0)
		(void)pcap_set_buffer_size(pl->p, buffer_size > INT_MAX ?
		    INT_MAX : (int)buffer_size);
	/* Nanoseconds where the platform has them; microseconds are fine. */
	(void)pcap_set_tstamp_precision(pl->p, PCAP_TSTAMP_PRECISION_NANO);
	if ((rc = pcap_activate(pl->p)) < 0) {
		activate_error(pl, interface, rc, err, errlen);
		goto fail;
	}
	pl->nano = pcap_get_tstamp_precision(pl->p) ==
	    PCAP_TSTAMP_PRECISION_NANO;
	pl->datalink = pcap_datalink(pl->p);
	if (cap_link_ip_offset(pl->datalink,
	    (const uint8_t *)ebuf, 0) == -2) {
		snprintf(err, errlen, "pcap on %s: link type %s (%d) does not "
		    "carry IP as finderscope reads it", interface,
		    pcap_datalink_val_to_name(pl->datalink) != NULL ?
		    pcap_datalink_val_to_name(pl->datalink) : "?",
		    pl->datalink);
		goto fail;
	}
	if (pcap_live_filter(pl, interface, filter, err, errlen) == -1)
		goto fail;
	if (pcap_setnonblock(pl->p, 1, ebuf) == PCAP_ERROR) {
		snprintf(err, errlen, "pcap on %s: non-blocking mode: %s",
		    interface, ebuf);
		goto fail;
	}
	if ((fd = pcap_get_selectable_fd(pl->p)) == -1) {
		snprintf(err, errlen, "pcap on %s: no descriptor to wait on",
		    interface);
		goto fail;
	}
	pl->ev = event_new(base, fd, EV_READ | EV_PERSIST, pcap_live_read, pl);
	if (pl->ev == NULL || event_add(pl->ev, NULL) == -1) {
		snprintf(err, errlen, "pcap on %s: cannot add the read event",
		    interface);
		goto fail;
	}
	pl->stats.datalink = pl->datalink;
	return pl;
fail:
	cap_pcap_live_free(pl);
	return NULL;
}

void
cap_pcap_live_free(struct cap_pcap_live *pl)
{
	if (pl == NULL)
		return;
	if (pl->ev != NULL)
		event_free(pl->ev);
	if (pl->p != NULL)
		pcap_close(pl->p);
	free(pl);
}

void
cap_pcap_live_stats(const struct cap_pcap_live *pl,
    struct cap_pcap_live_stats *st)
{
	struct pcap_stat ps;

	*st = pl->stats;
	st->stopped = pl->stopped;
	/* pcap_stats() takes a mutable handle; reading them changes nothing. */
	if (pcap_stats(pl->p, &ps) == 0) {
		st->ps_recv = ps.ps_recv;
		st->ps_drop = ps.ps_drop;
		st->ps_ifdrop = ps.ps_ifdrop;
	}
}

const char *
cap_pcap_live_error(const struct cap_pcap_live *pl)
{
	return pl->stopped ? pl->error : NULL;
}

static void
pcap_live_packet(u_char *arg, const struct pcap_pkthdr *h,
    const u_char *bytes)
{
	struct cap_pcap_live	*pl = (struct cap_pcap_live *)arg;
	struct timespec		 ts;
	long			 off;

	off = cap_link_ip_offset(pl->datalink, bytes, h->caplen);
	if (off < 0) {
		pl->stats.non_ip++;
		return;
	}
	if (h->caplen < h->len)
		pl->stats.snapped++;
	ts.tv_sec = h->ts.tv_sec;
	ts.tv_nsec = pl->nano ? h->ts.tv_usec : h->ts.tv_usec * 1000L;
	pl->stats.packets++;
	pl->stats.bytes += h->caplen - (size_t)off;
	if (pl->cb != NULL)
		pl->cb(pl->ctx, bytes + off, h->caplen - (size_t)off, &ts);
}

static void
pcap_live_read(evutil_socket_t fd, short what, void *arg)
{
	struct cap_pcap_live	*pl = arg;
	int			 round, n;

	(void)fd;
	(void)what;
	for (round = 0; round < CAP_PCAP_LIVE_MAX_ROUNDS; round++) {
		n = pcap_dispatch(pl->p, CAP_PCAP_LIVE_BATCH, pcap_live_packet,
		    (u_char *)pl);
		if (n == PCAP_ERROR) {
			pl->stats.errors++;
			pl->stopped = 1;
			snprintf(pl->error, sizeof(pl->error), "%s",
			    pcap_geterr(pl->p));
			event_del(pl->ev);
			return;
		}
		if (n < CAP_PCAP_LIVE_BATCH)
			return;
	}
}
