/*
 * rcv_daemon.h - the receiver daemon's state, shared by the files that
 * wire it together (private to controller/: the modules it uses each have
 * their own header).
 *
 *   cmd_receiver.c   `finderscope receiver`: options, config, dispatch
 *   rcv_daemon.c     start-up, reload (SIGHUP), shutdown, signals, the tick
 *   rcv_input.c      where packets come from: raw sockets, libpcap on an
 *                    interface, or a capture file read in chunks
 *   rcv_ingest.c     one packet: decap, time, capture, archive, live feed
 *   rcv_poll.c       the controller's capture list: poll, build, swap
 *   rcv_live.c       GET /live.pcap: pcap streams to analysts
 *   rcv_api.c        the REST API; rcv_metrics.c: GET /metrics
 *
 * One event_base, one thread.  Packets are filed as they are read, on the
 * loop; every input reads a bounded batch per event, so the API, the poll
 * and signals keep running under a flood.
 */
#ifndef FS_RCV_DAEMON_H
#define FS_RCV_DAEMON_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <pcap/pcap.h>

#include "cap_sessions.h"
#include "capture.h"
#include "ctl_events.h"
#include "daemon_loop.h"
#include "ctl_config.h"
#include "json_writer.h"

struct event;
struct event_base;
struct evdns_base;
struct evhttp_connection;
struct evhttp_request;
struct httpd;
struct httpd_req;
struct pcap_input;

#define RCV_MAX_CAPTURES	CAP_ASSIGN_MAX	/* active captures we file by */
#define RCV_MAX_UNASSIGNED	256	/* switches with an unassigned id */
#define RCV_KEEP_ENDED		256	/* ended captures the API shows */
#define RCV_LIVE_MAX		32	/* live feed clients at once */
#define RCV_LIVE_BUFFER		(4u << 20) /* bytes queued per live client */
#define RCV_POLL_MAX_BODY	(32u << 20) /* the controller's answer */
#define RCV_POLL_TIMEOUT_S	10
#define RCV_FILE_CHUNK		512	/* frames of --read per loop turn */
#define RCV_RETENTION_S		60	/* between retention runs */
#define RCV_REPORT_QUEUE	256	/* reports waiting for the controller */
#define RCV_REPORT_TRIES	3	/* attempts per report */
#define RCV_UNASSIGNED_PREFIX	"unassigned-"
#define RCV_UNASSIGNED_OTHER	"unassigned-other"

/* Where packets come from. */
enum rcv_input_kind {
	RCV_INPUT_RAW = 0,	/* raw IPPROTO_GRE sockets */
	RCV_INPUT_PCAP,		/* libpcap on an interface */
	RCV_INPUT_FILE,		/* --read FILE */
};

/* The inputs and the settings they were opened with. */
struct rcv_input {
	enum rcv_input_kind	 kind;
	/* RAW: the reading sockets; PCAP: the drop-all ones (see capture.h). */
	struct cap_rawsock	*raw[2];	/* IPv4, IPv6 (or NULL) */
	struct cap_pcap_live	*pcap;
	/* FILE: */
	struct pcap_input	*file;
	struct event		*file_ev;
	const char		*file_path;
	int			 file_link;	/* enum pkt_link */
	int			 file_started;
	int			 file_done;	/* 1: at the end, -1: error */
	uint64_t		 file_frames;
	/* What a reload compares. */
	enum ctl_input		 cfg_input;
	char			*interface;	/* owned, or NULL */
	char			*filter;	/* owned, or NULL */
	struct netaddr		 listen;
	int			 ipv6;
	uint64_t		 rcvbuf;
};

/* Counters of the packet path; they add up as the API documents. */
struct rcv_counters {
	uint64_t	packets;		/* from the input */
	uint64_t	bytes;
	uint64_t	decap[CAP_DECAP_RESULTS];	/* sum == packets */
	uint64_t	encap[CAP_ENCAP_GRE_IP + 1];	/* of the "ok" ones */
	/* decap[CAP_DECAP_OK] == assigned + unassigned + dropped */
	uint64_t	assigned;		/* filed under a capture */
	uint64_t	unassigned;		/* filed under unassigned-* */
	uint64_t	dropped;		/* unassigned: drop */
	uint64_t	no_address;		/* of those: no IP pair */
	uint64_t	wrong_switch;		/* a capture's pair, another
						   switch: not filed under it */
	uint64_t	unassigned_other;	/* beyond RCV_MAX_UNASSIGNED */
	uint64_t	archive_errors;		/* writes that failed */
	uint64_t	erspan_time;		/* timed by ERSPAN III */
	uint64_t	erspan_time_unusable;	/* asked, but not usable */
	uint64_t	live_records;		/* written to live clients */
	uint64_t	live_refused;		/* 503: RCV_LIVE_MAX reached */
	uint64_t	polls, poll_failures;
	uint64_t	poll_skipped;		/* list items not taken */
	uint64_t	pushes;			/* PUT /api/v1/captures */
	uint64_t	captures_ended;		/* left the list: closed */
	uint64_t	reloads, reload_failures;
	uint64_t	retention_runs, retention_deleted;
	uint64_t	reports_queued, reports_sent;	/* to the controller */
	uint64_t	report_failures, reports_dropped;
	uint64_t	key_hits;			/* events */
	uint64_t	sessions_written, session_errors;
	uint64_t	keys_builds, keys_build_failures;
};

/* One switch's unassigned archive id, by outer source (sorted by src). */
struct rcv_unassigned {
	struct netaddr	src;
	char		id[CAP_ARCHIVE_ID_MAX + 1];
};

/* A capture that left the controller's list, for the API. */
struct rcv_ended {
	struct cap_assign_entry	e;
	int64_t			ended_ms;
};

/* The controller poll (rcv_poll.c). */
struct rcv_poll {
	struct evhttp_connection *conn;
	struct evdns_base	*dns;
	struct evhttp_request	*req;		/* in flight, or NULL */
	struct event		*timer;
	char			 host[256];	/* for the Host: header */
	char			*path;		/* "/api/v1/captures", owned */
	char			*events_path;	/* "/api/v1/events", owned */
	char			*auth;		/* "Bearer ...", or NULL */
	int64_t			 last_ok_ms;
	int64_t			 last_attempt_ms;
	char			 last_error[256]; /* "" after a good poll */
	char			 req_error[64];	/* what evhttp said of the
						   request in flight */
	int			 failing;	/* logged once until it works */
	uint32_t		 interval_s;
	struct cap_assign_parse_stats last;	/* of the last good answer */
};

/* Reports to the controller waiting to go (rcv_report.c): a ring. */
struct rcv_reports {
	char			*body[RCV_REPORT_QUEUE];	/* JSON, owned */
	uint32_t		 head, n;
	uint32_t		 tries;		/* of the head */
	struct evhttp_request	*req;		/* the head, in flight */
	int			 failing;
};

/* One client of GET /live.pcap (rcv_live.c). */
struct rcv_live_client {
	struct httpd_req	*req;		/* NULL: a free slot */
	char			 capture[CAP_ARCHIVE_ID_MAX + 1]; /* "": all */
	struct bpf_program	*prog;		/* ?filter=, or NULL */
	uint64_t		 records;
	struct rcv_daemon	*d;
};

struct rcv_daemon {
	struct event_base	*base;
	const char		*config_path;
	const char		*read_path;	/* --read, or NULL */
	struct ctl_config	*cfg;
	int64_t			 started_ms;
	int64_t			 loaded_ms;
	int			 verbose;

	struct rcv_input	 in;
	struct cap_archive	*archive;
	struct httpd		*api;
	struct rcv_poll		 poll;
	struct rcv_reports	 reports;

	/* L7 inspection (rcv_inspect.c): NULL without keys. */
	struct cap_keyset	*keys;
	struct cap_sessions	*sessions;
	struct ctl_events	*events;	/* key hits, sessions */

	/* The captures we file by, swapped whole on each poll. */
	struct cap_assign	*assign;
	struct rcv_ended	 ended[RCV_KEEP_ENDED];	/* a ring */
	uint32_t		 n_ended, ended_head;
	struct rcv_unassigned	 unassigned[RCV_MAX_UNASSIGNED];
	uint32_t		 n_unassigned;

	struct rcv_live_client	 live[RCV_LIVE_MAX];
	uint32_t		 n_live;
	pcap_t			*live_dead;	/* to compile filters on */
	uint8_t			*live_buf;	/* one record: header + frame */

	/* A frame given an Ethernet header (CAP_ARCHIVE_SNAPLEN bytes). */
	uint8_t			*scratch;
	struct rcv_counters	 counters;
	int64_t			 last_archive_log_ms;

	struct daemon_loop	 loop;		/* signals and the 1 s tick */
	int64_t			 next_retention_ms;
	int			 stopping;
	int			 exit_status;
	struct event		*stop_wait;	/* reports still going out */
	int64_t			 stop_deadline_ms;
};

/* Wall-clock milliseconds since the epoch. */
int64_t	rcv_now_ms(void);

/* rcv_daemon.c */
/*
 * Open everything cfg asks for (read_path: --read FILE instead of the
 * configured input; no API then) and start.  d owns cfg from here, also
 * on failure.  0, or -1 (logged); rcv_daemon_free() in both cases.
 */
int	rcv_daemon_start(struct rcv_daemon *, struct event_base *,
	    const char *config_path, struct ctl_config *cfg,
	    const char *read_path, int verbose);
void	rcv_daemon_stop(struct rcv_daemon *);	/* flush, exit the loop */
void	rcv_daemon_free(struct rcv_daemon *);
int	rcv_daemon_reload(struct rcv_daemon *);	/* 0, or -1: old kept */
/* The archive settings of a config. */
void	rcv_archive_config(const struct ctl_config *,
	    struct cap_archive_config *);

/* rcv_input.c */
int	rcv_input_open(struct rcv_daemon *, const struct ctl_config *,
	    const char *read_path, struct rcv_input *, char *err,
	    size_t errlen);
void	rcv_input_close(struct rcv_input *);
/* Whether cfg asks for other inputs than in has. */
int	rcv_input_changed(const struct rcv_input *, const struct ctl_config *);
/* Start reading the file (after the first poll). */
void	rcv_input_file_start(struct rcv_daemon *);
/* "raw", "pcap", "file". */
const char *rcv_input_kind_name(enum rcv_input_kind);
/* The input's counters as members of an object being written. */
void	rcv_input_json(struct json_writer *, const struct rcv_input *);
/* The input's counters, summed over its sockets. */
struct rcv_input_totals {
	uint64_t	packets, bytes, kernel_drops, truncated, errors;
	uint64_t	rcvbuf, non_ip;
};
void	rcv_input_totals(const struct rcv_input *, struct rcv_input_totals *);

/* rcv_ingest.c: one packet of link type link; cut: bytes the capture
 * lost (file input).  The cap_packet_cb of the live inputs is
 * rcv_ingest_ip. */
void	rcv_ingest(struct rcv_daemon *, const uint8_t *pkt, size_t len,
	    int link, uint32_t cut, const struct timespec *ts);
void	rcv_ingest_ip(void *daemon, const uint8_t *pkt, size_t len,
	    const struct timespec *ts);
/* The unassigned id for outer source src into id (RCV_UNASSIGNED_*). */
void	rcv_unassigned_id(const struct netaddr *src, char *id, size_t len);

/* rcv_poll.c */
/*
 * Make a poll of cfg's controller into p, its first request due at once.
 * Its callbacks use d->poll: put p there (a struct copy) before the loop
 * runs again.  0, or -1 with why in err.
 */
int	rcv_poll_open(struct rcv_daemon *, const struct ctl_config *,
	    struct rcv_poll *p, char *err, size_t errlen);
void	rcv_poll_close(struct rcv_poll *);
/* Take a new capture list (a poll's answer or a push): 0, or -1 with why
 * in err and the running table kept. */
int	rcv_captures_update(struct rcv_daemon *, const char *json, size_t len,
	    struct cap_assign_parse_stats *, char *err, size_t errlen);

/* rcv_report.c: body is a malloc'd JSON object, taken over. */
void	rcv_report_queue(struct rcv_daemon *, char *body);
void	rcv_report_tick(struct rcv_daemon *);
/* Before the poll's connection is freed (a reload, shutdown). */
void	rcv_report_detach(struct rcv_daemon *);
void	rcv_report_free(struct rcv_daemon *);

/* rcv_inspect.c: the events (ring and receiver.events_file) */
int	rcv_events_open(struct rcv_daemon *, const struct ctl_config *,
	    char *err, size_t errlen);
int	rcv_events_reopen(struct rcv_daemon *, const struct ctl_config *,
	    char *err, size_t errlen);

/* rcv_inspect.c: L7 keys and sessions */
int	rcv_inspect_start(struct rcv_daemon *, const struct ctl_config *,
	    char *err, size_t errlen);
/* A reload: a new keyset (0), or -1 with err and the running one kept. */
int	rcv_inspect_reload(struct rcv_daemon *, const struct ctl_config *,
	    char *err, size_t errlen);
void	rcv_inspect_frame(struct rcv_daemon *, const char *capture_id,
	    const struct cap_frame *, const struct timespec *ts);
void	rcv_inspect_tick(struct rcv_daemon *);
/* Shutdown: write every session with a hit. */
void	rcv_inspect_stop(struct rcv_daemon *);
void	rcv_inspect_free(struct rcv_daemon *);
/* rcv_inspect_metrics.c: its part of GET /metrics */
void	rcv_inspect_metrics(FILE *out, const struct rcv_daemon *);

/* rcv_live.c */
void	rcv_live_get(struct httpd_req *, void *daemon);
/* One filed frame to the clients that want it (capture_id "" when it
 * was dropped). */
void	rcv_live_feed(struct rcv_daemon *, const char *capture_id,
	    const struct cap_frame *, const struct timespec *ts);
/* End every stream (shutdown, API replaced). */
void	rcv_live_end_all(struct rcv_daemon *);

/* rcv_api.c */
int	rcv_api_start(struct rcv_daemon *, const struct ctl_config *,
	    struct httpd **out, char *err, size_t errlen);
void	rcv_api_stop(struct rcv_daemon *);
/* Milliseconds since the epoch as an ISO 8601 UTC member, or null. */
void	rcv_jw_time_ms(struct json_writer *, const char *key, int64_t ms);

/* rcv_metrics.c: the Prometheus page into out. */
void	rcv_metrics_write(struct rcv_daemon *, FILE *out);

#endif /* FS_RCV_DAEMON_H */
