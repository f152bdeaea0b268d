/*
 * rcv_ingest.c - one mirrored packet through the receiver: decapsulate,
 * give it an Ethernet header if it has none, time it (the ERSPAN III time
 * stamp when configured), find its capture by inner address pair and
 * switch, write it to that capture's archive (or the switch's
 * "unassigned-..." one, or drop it), and hand it to the live feed.
 *
 * Nothing a packet holds can stop this: every outcome is a counter, and
 * the counters add up (rcv_daemon.h): packets == the sum of the decap
 * results, and "ok" == assigned + unassigned + dropped.
 */
#include <string.h>

#include "log.h"
#include "packet.h"
#include "rcv_daemon.h"

#define ARCHIVE_LOG_MS	10000	/* at most one archive error per 10 s */

void
rcv_unassigned_id(const struct netaddr *src, char *id, size_t len)
{
	char a[NETADDR_STRLEN], *p;

	if (src->family == NETADDR_NONE) {
		snprintf(id, len, "%s", RCV_UNASSIGNED_OTHER);
		return;
	}
	netaddr_format(src, a, sizeof(a));
	for (p = a; *p != '\0'; p++)
		if (*p == '.' || *p == ':')
			*p = '_';
	snprintf(id, len, "%s%s", RCV_UNASSIGNED_PREFIX, a);
}

/*
 * The unassigned id of a switch: one per outer source address, at most
 * RCV_MAX_UNASSIGNED of them (a sorted array: a spoofer cannot make us
 * open a folder per address it invents); beyond that, one shared id.
 */
static const char *
unassigned_for(struct rcv_daemon *d, const struct netaddr *src)
{
	uint32_t lo = 0, hi = d->n_unassigned, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = netaddr_compare(&d->unassigned[mid].src, src);
		if (c == 0)
			return d->unassigned[mid].id;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (d->n_unassigned >= RCV_MAX_UNASSIGNED ||
	    src->family == NETADDR_NONE) {
		d->counters.unassigned_other++;
		return RCV_UNASSIGNED_OTHER;
	}
	memmove(&d->unassigned[lo + 1], &d->unassigned[lo],
	    (d->n_unassigned - lo) * sizeof(d->unassigned[0]));
	d->unassigned[lo].src = *src;
	rcv_unassigned_id(src, d->unassigned[lo].id,
	    sizeof(d->unassigned[lo].id));
	d->n_unassigned++;
	return d->unassigned[lo].id;
}

/* The capture a frame belongs to, or NULL (counted). */
static const char *
capture_of(struct rcv_daemon *d, const struct cap_decap *dc,
    const struct cap_frame *f)
{
	const struct cap_assign_entry *e;
	struct pkt_parsed p;

	pkt_parse(f->data, f->caplen, PKT_LINK_ETHERNET, &p);
	if (p.key.src.family == NETADDR_NONE) {
		d->counters.no_address++;
		return NULL;
	}
	if ((e = cap_assign_lookup(d->assign, &p.key.src, &p.key.dst)) ==
	    NULL)
		return NULL;
	if (!cap_assign_from_switch(e, &dc->outer_src)) {
		d->counters.wrong_switch++;
		return NULL;
	}
	return e->id;
}

static void
archive(struct rcv_daemon *d, const char *id, const struct cap_frame *f,
    const struct timespec *ts)
{
	char err[512];
	int64_t now;

	if (d->archive == NULL)
		return;
	if (cap_archive_write(d->archive, id, ts, f->data, f->caplen,
	    f->wirelen, err, sizeof(err)) == 0)
		return;
	d->counters.archive_errors++;
	now = rcv_now_ms();
	if (now - d->last_archive_log_ms >= ARCHIVE_LOG_MS) {
		d->last_archive_log_ms = now;
		log_warnx("%s (%llu archive errors so far)", err,
		    (unsigned long long)d->counters.archive_errors);
	}
}

void
rcv_ingest(struct rcv_daemon *d, const uint8_t *pkt, size_t len, int link,
    uint32_t cut, const struct timespec *rx)
{
	struct rcv_counters *c = &d->counters;
	struct cap_decap dc;
	struct cap_frame f;
	struct timespec ts = *rx;
	const char *id;
	int result;

	c->packets++;
	c->bytes += len;
	memset(&dc, 0, sizeof(dc));
	result = cap_decap(pkt, len, (enum pkt_link)link, &dc);
	if (result < 0 || result >= CAP_DECAP_RESULTS)
		result = CAP_DECAP_BAD_LENGTH;	/* not in the API: be safe */
	if (result == CAP_DECAP_OK &&
	    cap_inner_ethernet(&dc, cut, d->scratch, CAP_ARCHIVE_SNAPLEN,
	    &f) == -1)
		result = CAP_DECAP_BAD_LENGTH;
	c->decap[result]++;
	if (result != CAP_DECAP_OK)
		return;
	if (dc.encap <= CAP_ENCAP_GRE_IP)
		c->encap[dc.encap]++;

	if (d->cfg->receiver.use_erspan_time &&
	    dc.encap == CAP_ENCAP_ERSPAN_III) {
		if (cap_erspan_time(&dc, rx, &ts) == 0)
			c->erspan_time++;
		else
			c->erspan_time_unusable++;
	}

	if ((id = capture_of(d, &dc, &f)) != NULL)
		c->assigned++;
	else if (d->cfg->receiver.unassigned == CTL_UNASSIGNED_ARCHIVE) {
		id = unassigned_for(d, &dc.outer_src);
		c->unassigned++;
	} else
		c->dropped++;
	if (id != NULL)
		archive(d, id, &f, &ts);
	rcv_inspect_frame(d, id != NULL ? id : "", &f, &ts);
	if (d->n_live > 0)
		rcv_live_feed(d, id != NULL ? id : "", &f, &ts);
}

void
rcv_ingest_ip(void *arg, const uint8_t *pkt, size_t len,
    const struct timespec *ts)
{
	rcv_ingest(arg, pkt, len, PKT_LINK_IP, 0, ts);
}
