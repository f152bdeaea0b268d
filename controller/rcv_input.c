/*
 * rcv_input.c - where the receiver's packets come from: raw IPPROTO_GRE
 * sockets (IPv4, and IPv6 where asked), libpcap on an interface with
 * drop-all raw sockets beside it (so the kernel, which has no GRE module,
 * does not answer every mirrored packet with ICMP protocol-unreachable),
 * or a capture file (--read), replayed on the loop RCV_FILE_CHUNK frames
 * per turn so that signals and timers run in between.
 *
 * Which sockets: an IPv4 one always, bound to receiver.listen when that
 * is a specific IPv4 address; an IPv6 one when receiver.ipv6 is set or
 * listen is IPv6, bound to listen when that is a specific IPv6 address.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "packet.h"
#include "pcap_input.h"
#include "rcv_daemon.h"

const char *
rcv_input_kind_name(enum rcv_input_kind kind)
{
	switch (kind) {
	case RCV_INPUT_PCAP:
		return "pcap";
	case RCV_INPUT_FILE:
		return "file";
	case RCV_INPUT_RAW:
		break;
	}
	return "raw";
}

static int
is_wildcard(const struct netaddr *a)
{
	static const uint8_t zero[16];

	return a->family == NETADDR_NONE ||
	    memcmp(a->bytes, zero, sizeof(zero)) == 0;
}

static int
want_ipv6(const struct ctl_receiver_config *rc)
{
	return rc->ipv6 || rc->listen.family == NETADDR_IPV6;
}

/* The address the socket of family binds to, or NULL: any. */
static const struct netaddr *
bind_for(const struct ctl_receiver_config *rc, int family)
{
	if (rc->listen.family != family || is_wildcard(&rc->listen))
		return NULL;
	return &rc->listen;
}

/* Raw sockets for each family wanted: reading (cb) or drop-all. */
static int
open_sockets(struct rcv_daemon *d, const struct ctl_receiver_config *rc,
    struct rcv_input *in, int drop_all, char *err, size_t errlen)
{
	static const int families[2] = { NETADDR_IPV4, NETADDR_IPV6 };
	char e[256];
	int i;

	for (i = 0; i < 2; i++) {
		if (families[i] == NETADDR_IPV6 && !want_ipv6(rc))
			continue;
		in->raw[i] = cap_rawsock_new(d->base, families[i],
		    bind_for(rc, families[i]), drop_all ? 0 : rc->rcvbuf,
		    drop_all ? NULL : rcv_ingest_ip, d, e, sizeof(e));
		if (in->raw[i] == NULL) {
			snprintf(err, errlen, "raw %s socket: %s",
			    families[i] == NETADDR_IPV4 ? "IPv4" : "IPv6", e);
			return -1;
		}
		if (drop_all && cap_rawsock_drop_all(in->raw[i]) == -1) {
			snprintf(err, errlen, "drop-all %s socket: %s",
			    families[i] == NETADDR_IPV4 ? "IPv4" : "IPv6",
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- the file --------------------------------------------------------- */

/* Read one chunk of frames, then come back on the next loop turn. */
static void
on_file(evutil_socket_t fd, short what, void *arg)
{
	struct rcv_daemon *d = arg;
	struct rcv_input *in = &d->in;
	struct pcap_frame f;
	struct timespec ts;
	int i, rc = 1;

	(void)fd;
	(void)what;
	if (d->stopping || in->file == NULL || in->file_done)
		return;
	for (i = 0; i < RCV_FILE_CHUNK; i++) {
		if ((rc = pcap_input_next(in->file, &f)) != 1)
			break;
		in->file_frames++;
		ts.tv_sec = f.ts.tv_sec;
		ts.tv_nsec = (long)f.ts.tv_usec * 1000;
		rcv_ingest(d, f.data, f.caplen, in->file_link,
		    f.len > f.caplen ? f.len - f.caplen : 0, &ts);
		if (d->stopping)
			return;
	}
	if (rc == 1) {
		event_active(in->file_ev, EV_TIMEOUT, 0);
		return;
	}
	if (rc == -1) {
		log_warnx("%s: %s", in->file_path,
		    pcap_input_error(in->file));
		in->file_done = -1;
		d->exit_status = 1;
	} else {
		in->file_done = 1;
		log_info("%s: %llu frames read", in->file_path,
		    (unsigned long long)in->file_frames);
	}
	rcv_daemon_stop(d);
}

void
rcv_input_file_start(struct rcv_daemon *d)
{
	if (d->in.kind != RCV_INPUT_FILE || d->in.file_started)
		return;
	d->in.file_started = 1;
	event_active(d->in.file_ev, EV_TIMEOUT, 0);
}

static int
open_file(struct rcv_daemon *d, const char *path, struct rcv_input *in,
    char *err, size_t errlen)
{
	char e[512];

	if ((in->file = pcap_input_open(path, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	in->file_path = path;
	in->file_link = pcap_input_link(in->file);
	if ((in->file_ev = event_new(d->base, -1, 0, on_file, d)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- open, close ------------------------------------------------------ */

int
rcv_input_open(struct rcv_daemon *d, const struct ctl_config *cfg,
    const char *read_path, struct rcv_input *in, char *err, size_t errlen)
{
	const struct ctl_receiver_config *rc = &cfg->receiver;
	char e[512];
	int rv;

	memset(in, 0, sizeof(*in));
	in->cfg_input = rc->input;
	in->listen = rc->listen;
	in->ipv6 = rc->ipv6;
	in->rcvbuf = rc->rcvbuf;
	if ((rc->interface != NULL && (in->interface =
	    strdup(rc->interface)) == NULL) || (rc->filter != NULL &&
	    (in->filter = strdup(rc->filter)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		rcv_input_close(in);
		return -1;
	}
	if (read_path != NULL) {
		in->kind = RCV_INPUT_FILE;
		rv = open_file(d, read_path, in, err, errlen);
	} else if (rc->input == CTL_INPUT_PCAP) {
		in->kind = RCV_INPUT_PCAP;
		if (rc->interface == NULL) {
			snprintf(err, errlen, "receiver.input is pcap but "
			    "receiver.interface is not set");
			rv = -1;
		} else if ((in->pcap = cap_pcap_live_new(d->base,
		    rc->interface, rc->filter, 0, rc->rcvbuf, rcv_ingest_ip, d,
		    e, sizeof(e))) == NULL) {
			snprintf(err, errlen, "%s", e);
			rv = -1;
		} else
			rv = open_sockets(d, rc, in, 1, err, errlen);
	} else {
		in->kind = RCV_INPUT_RAW;
		rv = open_sockets(d, rc, in, 0, err, errlen);
	}
	if (rv == -1)
		rcv_input_close(in);
	return rv;
}

void
rcv_input_close(struct rcv_input *in)
{
	cap_rawsock_free(in->raw[0]);
	cap_rawsock_free(in->raw[1]);
	cap_pcap_live_free(in->pcap);
	if (in->file_ev != NULL)
		event_free(in->file_ev);
	if (in->file != NULL)
		pcap_input_close(in->file);
	free(in->interface);
	free(in->filter);
	memset(in, 0, sizeof(*in));
}

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

int
rcv_input_changed(const struct rcv_input *in, const struct ctl_config *cfg)
{
	const struct ctl_receiver_config *rc = &cfg->receiver;

	if (in->kind == RCV_INPUT_FILE)
		return 0;
	return in->cfg_input != rc->input ||
	    netaddr_compare(&in->listen, &rc->listen) != 0 ||
	    in->ipv6 != rc->ipv6 || in->rcvbuf != rc->rcvbuf ||
	    (rc->input == CTL_INPUT_PCAP &&
	    (str_differ(in->interface, rc->interface) ||
	    str_differ(in->filter, rc->filter)));
}

/* ---- counters --------------------------------------------------------- */

void
rcv_input_totals(const struct rcv_input *in, struct rcv_input_totals *t)
{
	struct cap_rawsock_stats rs;
	struct cap_pcap_live_stats ps;
	int i;

	memset(t, 0, sizeof(*t));
	if (in->kind == RCV_INPUT_FILE) {
		t->packets = in->file_frames;
		return;
	}
	if (in->kind == RCV_INPUT_PCAP && in->pcap != NULL) {
		cap_pcap_live_stats(in->pcap, &ps);
		t->packets = ps.packets;
		t->bytes = ps.bytes;
		t->kernel_drops = ps.ps_drop + ps.ps_ifdrop;
		t->errors = ps.errors;
		t->non_ip = ps.non_ip;
		return;
	}
	for (i = 0; i < 2; i++) {
		if (in->raw[i] == NULL)
			continue;
		cap_rawsock_stats(in->raw[i], &rs);
		t->packets += rs.packets;
		t->bytes += rs.bytes;
		t->kernel_drops += rs.kernel_drops;
		t->truncated += rs.truncated;
		t->errors += rs.errors;
		t->rcvbuf += rs.rcvbuf;
	}
}

static void
socket_json(struct json_writer *w, const char *family,
    const struct cap_rawsock *rs, int drop_all)
{
	struct cap_rawsock_stats st;

	cap_rawsock_stats(rs, &st);
	jw_object(w, NULL);
	jw_str(w, "family", family);
	jw_bool(w, "drop_all", drop_all);
	jw_u64(w, "packets", st.packets);
	jw_u64(w, "bytes", st.bytes);
	jw_u64(w, "batches", st.batches);
	jw_u64(w, "kernel_drops", st.kernel_drops);
	jw_u64(w, "truncated", st.truncated);
	jw_u64(w, "errors", st.errors);
	jw_u64(w, "rcvbuf", st.rcvbuf);
	jw_object_end(w);
}

void
rcv_input_json(struct json_writer *w, const struct rcv_input *in)
{
	struct rcv_input_totals t;
	struct cap_pcap_live_stats ps;
	char a[NETADDR_STRLEN];
	int i;

	rcv_input_totals(in, &t);
	jw_str(w, "kind", rcv_input_kind_name(in->kind));
	if (in->kind == RCV_INPUT_FILE) {
		jw_str(w, "file", in->file_path);
		jw_u64(w, "frames", in->file_frames);
		jw_bool(w, "done", in->file_done != 0);
		return;
	}
	jw_u64(w, "packets", t.packets);
	jw_u64(w, "bytes", t.bytes);
	jw_u64(w, "kernel_drops", t.kernel_drops);
	jw_u64(w, "truncated", t.truncated);
	jw_u64(w, "errors", t.errors);
	if (in->kind == RCV_INPUT_PCAP && in->pcap != NULL) {
		cap_pcap_live_stats(in->pcap, &ps);
		jw_str(w, "interface", in->interface);
		jw_str(w, "filter", in->filter != NULL ? in->filter :
		    CAP_PCAP_LIVE_FILTER);
		jw_u64(w, "non_ip", ps.non_ip);
		jw_u64(w, "snapped", ps.snapped);
		jw_u64(w, "pcap_received", ps.ps_recv);
		jw_u64(w, "pcap_dropped", ps.ps_drop);
		jw_u64(w, "interface_dropped", ps.ps_ifdrop);
		jw_bool(w, "stopped", ps.stopped);
		if (ps.stopped && cap_pcap_live_error(in->pcap) != NULL)
			jw_str(w, "error", cap_pcap_live_error(in->pcap));
	} else
		jw_str(w, "listen", netaddr_format(&in->listen, a, sizeof(a)));
	jw_array(w, "sockets");
	for (i = 0; i < 2; i++)
		if (in->raw[i] != NULL)
			socket_json(w, i == 0 ? "ipv4" : "ipv6", in->raw[i],
			    in->kind == RCV_INPUT_PCAP);
	jw_array_end(w);
}
