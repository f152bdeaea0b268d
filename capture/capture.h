/*
 * capture.h - the receiver's side of finderscope.
 *
 * This part: decapsulation of mirrored traffic.  Switches send what they
 * mirror inside GRE (RFC 2784, RFC 2890 key and sequence): ERSPAN type I
 * (protocol 0x88BE without the sequence bit: Ethernet follows the GRE
 * header), type II (0x88BE with the sequence bit: an 8-byte ERSPAN header),
 * type III (0x22EB: a 12-byte header, and an 8-byte platform subheader
 * when its O bit is set), transparent Ethernet bridging (0x6558), or IP
 * directly (0x0800, 0x86DD), possibly GRE inside GRE.  cap_decap() takes
 * one captured packet and says what is inside; like every parser in
 * finderscope it reads through the bounds-checked cursor, keeps no state
 * and never allocates.
 */
#ifndef FS_CAPTURE_H
#define FS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "packet.h"

/* What carried the inner frame. */
enum cap_encap {
	CAP_ENCAP_NONE = 0,
	CAP_ENCAP_ERSPAN_I,	/* 0x88BE, no S bit */
	CAP_ENCAP_ERSPAN_II,	/* 0x88BE with S, ERSPAN version 1 */
	CAP_ENCAP_ERSPAN_III,	/* 0x22EB, ERSPAN version 2 */
	CAP_ENCAP_GRE_TEB,	/* 0x6558 transparent Ethernet bridging */
	CAP_ENCAP_GRE_IP,	/* 0x0800 / 0x86DD: IP, no Ethernet */
};

/* Outcomes of cap_decap(); the errors are counted by reason. */
enum cap_decap_result {
	CAP_DECAP_OK = 0,
	CAP_DECAP_NOT_GRE,		/* no IPv4/IPv6 packet with protocol 47 */
	CAP_DECAP_TRUNCATED,		/* ended before a header it declares */
	CAP_DECAP_BAD_VERSION,		/* GRE version other than 0 and 1, an
					   ERSPAN version that does not fit */
	CAP_DECAP_PPTP,			/* GRE version 1 (PPTP): ignored */
	CAP_DECAP_UNKNOWN_PROTO,	/* a GRE protocol we do not carry */
	CAP_DECAP_UNKNOWN_FRAME_TYPE,	/* ERSPAN III frame type not 0 or 2 */
	CAP_DECAP_BAD_LENGTH,		/* lengths that contradict each other */
	CAP_DECAP_FRAGMENT,		/* an outer IP fragment: not reassembled */
	CAP_DECAP_NESTED_TOO_DEEP,	/* more GRE-in-GRE than CAP_MAX_NESTING */
	CAP_DECAP_RESULTS		/* the number of results, for counters */
};

#define CAP_MAX_NESTING	4

/* Everything known about one decapsulated packet.  A view into the input. */
struct cap_decap {
	struct netaddr	outer_src;	/* the switch */
	struct netaddr	outer_dst;
	uint8_t		n_gre;		/* GRE headers walked (2: GRE in GRE) */
	uint16_t	gre_flags;	/* first GRE flags and version word */
	uint16_t	gre_proto;	/* first GRE protocol type */
	uint8_t		has_key, has_seq;
	uint32_t	gre_key;	/* first GRE header's, when has_key */
	uint32_t	gre_seq;	/* first GRE header's, when has_seq */

	enum cap_encap	encap;		/* of the innermost layer */
	/* ERSPAN II and III: */
	uint16_t	session;	/* 10 bits */
	uint16_t	vlan;		/* 12 bits: the original VLAN */
	uint8_t		cos;		/* 3 bits */
	uint8_t		truncated;	/* T bit: the switch cut the frame */
	uint8_t		encap_type;	/* II: En bits (0 untagged, 1 ISL, 2 802.1Q, 3 VLAN kept) */
	uint32_t	index;		/* II: port index (20 bits) */
	/* ERSPAN III: */
	uint32_t	timestamp;	/* 32 bits, in granularity units */
	uint8_t		granularity;	/* 0 100 us, 1 100 ns, 2 IEEE 1588, 3 user */
	uint8_t		direction;	/* D bit: 0 ingress, 1 egress */
	uint8_t		frame_type;	/* 0 Ethernet, 2 IP */
	uint16_t	hw_id;		/* 6 bits */
	uint16_t	sgt;		/* security group tag */
	uint8_t		has_subheader;	/* O bit: platform subheader present */
	uint32_t	subheader[2];	/* its two words, uninterpreted */

	/*
	 * What the first GRE (or ERSPAN) layer carries, as far as the capture
	 * goes: the same as inner unless GRE is nested, and set as soon as
	 * that layer is read, even when a nested one then fails (a keepalive
	 * inside GRE).  payload_len 0: not reached.
	 */
	const uint8_t	*payload;
	uint32_t	 payload_len;
	enum pkt_link	 payload_link;

	/* The mirrored frame, inside the input buffer. */
	const uint8_t	*inner;
	uint32_t	 inner_len;
	enum pkt_link	 inner_link;	/* PKT_LINK_ETHERNET or PKT_LINK_IP */
};

/*
 * Decapsulate one packet whose first byte is of link type link (a raw
 * socket gives PKT_LINK_IP, a capture file its own).  Fills *out as far as
 * it got and returns an enum cap_decap_result.
 */
int	cap_decap(const uint8_t *pkt, size_t len, enum pkt_link link,
	    struct cap_decap *out);

/* "ok", "truncated", ... (a static string). */
const char *cap_decap_result_str(int result);
/* "erspan-i", "erspan-ii", "erspan-iii", "gre-teb", "gre-ip", "none". */
const char *cap_encap_name(enum cap_encap);

/*
 * The pcap archive (cap_archive*.c): every packet of an active capture is
 * written to
 *
 *	DIR/YYYY-MM-DD/CAPTUREID/NNNNNN.pcap
 *
 * with libpcap (Ethernet link type, microsecond or nanosecond time stamps).
 * A file is NNNNNN.pcap.part while it is written and renamed when it is
 * closed (rotation, cap_archive_close(), cap_archive_flush_all(), too many
 * open files).  The date is the UTC day of the capture's first packet; a
 * capture keeps its folder for its life, and one that resumes after a
 * restart goes back to its newest folder and continues NNNNNN after the
 * highest number there.  Each capture folder holds index.json (files with
 * packets, bytes, first and last packet times), rewritten atomically when a
 * file closes or is deleted.
 *
 * All times come from the packets: rotation by age compares a packet's time
 * stamp with the first packet of the open file, never the wall clock, so a
 * replayed capture rotates the same way as a live one.
 *
 * Capture ids arrive over the network: only ^[A-Za-z0-9_-]{1,64}$ is ever
 * made into a path; anything else is refused and counted.
 *
 * One writer per directory: cap_archive_new() renames the .part files a
 * crashed predecessor left to .pcap (they open up to the last buffer that
 * reached the disk).
 */
#include <time.h>

struct cap_archive;

/* Mirrors struct ctl_archive_config; 0 turns a limit off. */
struct cap_archive_config {
	const char	*dir;
	uint64_t	 rotate_size;	/* bytes per file */
	uint32_t	 rotate_age_s;	/* seconds of packet time per file */
	uint64_t	 quota;		/* bytes for the whole archive */
	uint64_t	 min_free_bytes; /* keep this much of the file system free */
	uint8_t		 min_free_percent; /* ... or this share of it (0..99) */
	uint32_t	 max_age_s;	/* delete files older than this */
	int		 nanosecond;	/* nanosecond pcap instead of microsecond */
	uint32_t	 max_open;	/* open files at most (0: CAP_ARCHIVE_MAX_OPEN) */
};

#define CAP_ARCHIVE_MAX_OPEN	64
#define CAP_ARCHIVE_SNAPLEN	262144
#define CAP_ARCHIVE_ID_MAX	64

struct cap_archive_stats {
	uint64_t	packets;	/* written */
	uint64_t	bytes;		/* captured bytes written */
	uint64_t	files_opened;
	uint64_t	files_closed;	/* renamed to .pcap */
	uint64_t	files_deleted;	/* by retention */
	uint64_t	bytes_deleted;
	uint64_t	files_recovered; /* .part left by a crash, renamed */
	uint64_t	lru_closes;	/* closed because max_open was reached */
	uint64_t	write_errors;	/* open, write, sync, rename, index */
	uint64_t	ids_refused;	/* capture ids that are not safe names */
	uint32_t	open_files;	/* now */
};

/*
 * Make an archive writer for cfg (copied; cfg->dir is created if missing).
 * NULL on failure, with the reason in err.
 */
struct cap_archive *cap_archive_new(const struct cap_archive_config *cfg,
	    char *err, size_t errlen);

/* Flush and close everything (as cap_archive_flush_all()), then free. */
void	cap_archive_free(struct cap_archive *);

/* 1 when id may name a capture (^[A-Za-z0-9_-]{1,64}$), else 0. */
int	cap_archive_id_ok(const char *id);

/*
 * Append one frame (caplen bytes captured of wirelen, time ts) to capture
 * id's open file, opening or rotating as needed.  caplen beyond
 * CAP_ARCHIVE_SNAPLEN is cut.  0, or -1 with the reason in err (a refused
 * id, an I/O error: both counted).
 */
int	cap_archive_write(struct cap_archive *, const char *capture_id,
	    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
	    uint32_t wirelen, char *err, size_t errlen);

/*
 * The capture ended: close its file (fsync, rename .part to .pcap) and
 * write its index.  0 (also when nothing was open), -1 on an I/O error.
 */
int	cap_archive_close(struct cap_archive *, const char *capture_id);

/* Close every open file (SIGTERM).  0, or -1 when any close failed. */
int	cap_archive_flush_all(struct cap_archive *);

/*
 * Retention: delete closed .pcap files, oldest first packet first, while
 * the archive is over quota or the file system (fs_free of fs_total bytes)
 * has less free than asked, and every file whose last packet is more than
 * max_age_s before now.  Open files are never touched.  Returns the number
 * of files deleted.
 */
int	cap_archive_enforce(struct cap_archive *, time_t now,
	    uint64_t fs_free, uint64_t fs_total);

/* The free and total bytes of the file system under the archive (statvfs). */
int	cap_archive_fs_space(const struct cap_archive *, uint64_t *fs_free,
	    uint64_t *fs_total);

void	cap_archive_stats(const struct cap_archive *,
	    struct cap_archive_stats *);

/*
 * Live inputs (cap_rawsock.c, cap_pcap_live.c): where the receiver reads
 * mirrored packets on its libevent loop.  Both hand every packet to a
 * cap_packet_cb as a whole IP packet (no link layer) ready for
 * cap_decap(..., PKT_LINK_IP, ...).
 *
 * Each readable event reads at most a bounded number of packets
 * (CAP_RAWSOCK_BATCH x CAP_RAWSOCK_MAX_ROUNDS, CAP_PCAP_LIVE_BATCH x
 * CAP_PCAP_LIVE_MAX_ROUNDS) and then yields, so that the API, timers and
 * signals keep running under a flood; the level-triggered event comes back
 * at once while more is queued.
 *
 * A callback must not free the input that called it (stop the loop and
 * free it afterwards).
 */
struct event_base;

/*
 * One received packet: pkt is a whole IPv4 or IPv6 packet of len bytes,
 * valid during the call only; ts the time it was received (the kernel's
 * time stamp where there is one, else the clock read once per batch).
 */
typedef void cap_packet_cb(void *ctx, const uint8_t *pkt, size_t len,
	    const struct timespec *ts);

/*
 * The raw socket input: socket(AF_INET or AF_INET6, SOCK_RAW, IPPROTO_GRE)
 * read with recvmmsg(2) into preallocated buffers.  No GRE module is
 * needed: every raw socket of protocol 47 gets a copy of each GRE packet
 * addressed to this host (to bind_addr when given), whatever else handles
 * it.
 *
 * IPv4 raw sockets deliver the IP header with the payload.  IPv6 raw
 * sockets deliver only the payload (after any extension headers), so for
 * IPv6 the input writes a synthetic 40-byte IPv6 header in front of it,
 * into headroom kept before every buffer: version 6, the traffic class and
 * hop limit the kernel reports (IPV6_RECVTCLASS, IPV6_RECVHOPLIMIT), flow
 * label 0, payload length = the GRE bytes, next header 47, the source from
 * msg_name and the destination from IPV6_RECVPKTINFO.  cap_decap() thus
 * sees a whole IPv6 packet and outer_src/outer_dst come out right;
 * extension headers the packet carried are not reproduced.  Fragments
 * reach the socket already reassembled (both families).
 *
 * The receive buffer is set with SO_RCVBUFFORCE (root may exceed
 * net.core.rmem_max), else SO_RCVBUF; the size granted is reported.
 * SO_RXQ_OVFL gives the kernel's count of packets dropped because that
 * buffer was full, and SO_TIMESTAMPNS the receive times.  A packet longer
 * than CAP_RAWSOCK_MAX_PACKET (an IPv6 jumbogram) is counted as truncated
 * and dropped.
 */
struct cap_rawsock;

#define CAP_RAWSOCK_BATCH	64	/* packets per recvmmsg() */
#define CAP_RAWSOCK_MAX_ROUNDS	16	/* recvmmsg() calls per event */
#define CAP_RAWSOCK_MAX_PACKET	65535	/* bytes read per packet */
#define CAP_RAWSOCK_HEADROOM	40	/* the synthetic IPv6 header */

struct cap_rawsock_stats {
	uint64_t	packets;	/* handed to the callback */
	uint64_t	bytes;		/* their lengths (IPv6: with the
					   synthetic header) */
	uint64_t	batches;	/* recvmmsg() calls that read some */
	uint64_t	truncated;	/* longer than the buffer: dropped */
	uint64_t	errors;		/* recvmmsg() failures but EAGAIN */
	uint64_t	kernel_drops;	/* SO_RXQ_OVFL: the buffer was full */
	uint64_t	rcvbuf;		/* SO_RCVBUF as the kernel reports it */
};

/*
 * Open a raw GRE socket of family (NETADDR_IPV4 or NETADDR_IPV6), bound
 * to bind_addr (NULL or NETADDR_NONE: any address; else of the same
 * family and local), and read it on base.  rcvbuf: bytes wanted (0: the
 * system default).  cb may be NULL: packets are then read, counted and
 * discarded (see cap_rawsock_drop_all()).  Needs CAP_NET_RAW.  NULL with
 * the reason in err.
 */
struct cap_rawsock *cap_rawsock_new(struct event_base *, int family,
	    const struct netaddr *bind_addr, uint64_t rcvbuf,
	    cap_packet_cb *cb, void *ctx, char *err, size_t errlen);

/* Close the socket and free the buffers; NULL is a no-op. */
void	cap_rawsock_free(struct cap_rawsock *);

/*
 * Make the socket accept nothing from now on: a classic BPF filter
 * "ret #0" (SO_ATTACH_FILTER), then discard what was already queued.
 *
 * Why a socket that reads nothing: without a GRE module, the kernel
 * answers every GRE packet that no raw socket of protocol 47 matched with
 * an ICMP protocol-unreachable (ICMPv6 parameter problem) to the switch,
 * even while libpcap captures the packet.  When libpcap is the input, one
 * such socket per family stops those replies; the filter runs before the
 * packet is queued, so it costs no buffer and no copy to user space.
 * 0, or -1 with errno set.
 */
int	cap_rawsock_drop_all(struct cap_rawsock *);

void	cap_rawsock_stats(const struct cap_rawsock *,
	    struct cap_rawsock_stats *);

/*
 * The libpcap input: a live capture on an interface with a filter, read
 * in immediate, non-blocking mode from pcap_get_selectable_fd() on the
 * loop.  The link layer is stripped (cap_link_ip_offset()); frames that do
 * not carry IPv4 or IPv6 are counted and skipped.  Time stamps are in
 * nanoseconds where libpcap offers them.  Use a cap_rawsock with
 * cap_rawsock_drop_all() next to it to silence the kernel's ICMP replies.
 */
struct cap_pcap_live;

#define CAP_PCAP_LIVE_BATCH	256	/* packets per pcap_dispatch() */
#define CAP_PCAP_LIVE_MAX_ROUNDS 4	/* pcap_dispatch() calls per event */
#define CAP_PCAP_LIVE_FILTER	"proto gre"
#define CAP_PCAP_LIVE_SNAPLEN	262144

struct cap_pcap_live_stats {
	uint64_t	packets;	/* IP packets handed to the callback */
	uint64_t	bytes;		/* their captured lengths */
	uint64_t	non_ip;		/* frames skipped: no IPv4/IPv6 inside */
	uint64_t	snapped;	/* cut by the snap length (still handed) */
	uint64_t	errors;		/* pcap_dispatch() failures */
	/* pcap_stats(): what libpcap and the kernel counted */
	uint64_t	ps_recv;	/* frames that passed the filter */
	uint64_t	ps_drop;	/* dropped: no room in the buffer */
	uint64_t	ps_ifdrop;	/* dropped by the interface */
	int		datalink;	/* the DLT_ of the capture */
	int		stopped;	/* a read failed: no more reading */
};

/*
 * Open a live capture on interface with filter (NULL: "proto gre"),
 * snaplen (0: CAP_PCAP_LIVE_SNAPLEN) and a kernel buffer of buffer_size
 * bytes (0: libpcap's default), and read it on base.  The kernel may keep
 * a few bytes less than snaplen (Linux aligns the ring's frames).  cb may
 * be NULL: packets are counted only.  Needs CAP_NET_RAW.  NULL with the
 * reason in err: no such interface, no permission, a filter that does not
 * compile, a link type without IP.
 */
struct cap_pcap_live *cap_pcap_live_new(struct event_base *,
	    const char *interface, const char *filter, int snaplen,
	    uint64_t buffer_size, cap_packet_cb *cb, void *ctx, char *err,
	    size_t errlen);

/* Close the capture; NULL is a no-op. */
void	cap_pcap_live_free(struct cap_pcap_live *);

/*
 * Fill *st (the pcap_stats() figures are read now).  After a read error
 * the input stops (st->stopped) and cap_pcap_live_error() says why; the
 * owner closes it and opens a new one.
 */
void	cap_pcap_live_stats(const struct cap_pcap_live *,
	    struct cap_pcap_live_stats *);

/* The error that stopped the input, or NULL while it reads. */
const char *cap_pcap_live_error(const struct cap_pcap_live *);

/*
 * Where the IP packet starts in a frame of libpcap link type dlt:
 * DLT_EN10MB (with any 802.1Q/802.1ad tags), DLT_LINUX_SLL,
 * DLT_LINUX_SLL2, DLT_RAW (and LINKTYPE_RAW, DLT_IPV4, DLT_IPV6),
 * DLT_NULL (the family in either byte order) and DLT_LOOP.  Returns the
 * offset, with the IP version nibble checked against the link header's
 * type; -1 when the frame carries no IPv4/IPv6 packet or is cut inside
 * the headers; -2 when dlt is none of these.
 */
long	cap_link_ip_offset(int dlt, const uint8_t *frame, size_t caplen);

/*
 * What the receiver files of a decapsulated packet (cap_inner.c): the
 * mirrored frame as an Ethernet frame for a DLT_EN10MB file, and its time.
 */
#define CAP_ETH_HLEN	14

/* One frame as a pcap record holds it. */
struct cap_frame {
	const uint8_t	*data;
	uint32_t	 caplen;	/* at most CAP_ARCHIVE_SNAPLEN */
	uint32_t	 wirelen;	/* >= caplen */
};

/*
 * The inner frame of d (a CAP_DECAP_OK result) as Ethernet.  A frame that
 * has no Ethernet header (GRE carrying IP, ERSPAN III frame type 2) gets a
 * made-up one, as `finderscope decap` writes it: both MAC addresses zero
 * and the EtherType of the IP version; it is built in buf (at least
 * CAP_ARCHIVE_SNAPLEN bytes).  An Ethernet frame is not copied.  cut: the
 * bytes the outer capture lost (its wire length minus its captured
 * length; 0 for a socket), added to the wire length.  0, or -1 when d
 * has no inner frame.
 */
int	cap_inner_ethernet(const struct cap_decap *d, uint32_t cut,
	    uint8_t *buf, size_t buflen, struct cap_frame *out);

/*
 * The packet time an ERSPAN type III header carries, made absolute with
 * the receive time rx.  The header has only the low 32 bits of a counter
 * (granularity 0: 100 us units, 1: 100 ns units, both since the Unix
 * epoch as Linux and switches count them) or, for IEEE 1588
 * (granularity 2), the nanoseconds within a second; the missing high part
 * is taken from rx, choosing the time nearest to it (so the switch's
 * clock must be within half the wrap period of ours: +-2.5 days, +-214 s,
 * +-0.5 s).  0 with *out set; -1 (*out = *rx) for other encapsulations,
 * granularity 3 (user-defined) and nanoseconds beyond a second.
 */
int	cap_erspan_time(const struct cap_decap *d, const struct timespec *rx,
	    struct timespec *out);

/*
 * The capture table (cap_assign.c): which active capture a mirrored
 * packet belongs to.  The receiver learns the captures from the
 * controller and files each packet by its inner address pair, in either
 * direction, and optionally by the switch that sent it (the outer
 * source).  Built aside from one controller answer, then swapped in whole
 * and never changed: lookups need no lock and see one consistent set.
 *
 * Two hash indexes over the entries (by unordered address pair, by id),
 * keyed with a random SipHash key; open addressing, at most half full,
 * rebuilt when the entry array grows.  A table never holds more than its
 * max entries, and never two entries with the same id or the same pair.
 */
struct cap_assign;

#define CAP_ASSIGN_MAX		65536	/* entries at most */

struct cap_assign_entry {
	char		id[CAP_ARCHIVE_ID_MAX + 1];
	struct netaddr	local;
	struct netaddr	remote;		/* same family as local */
	struct netaddr	source;		/* the switch's outer source address,
					   or NETADDR_NONE: any switch */
};

/* Why cap_assign_add() refused an entry. */
enum cap_assign_refusal {
	CAP_ASSIGN_FULL = 1,		/* max entries reached */
	CAP_ASSIGN_BAD_ID,		/* not a cap_archive_id_ok() id */
	CAP_ASSIGN_BAD_PAIR,		/* no address, mixed families, a == b */
	CAP_ASSIGN_DUP_ID,
	CAP_ASSIGN_DUP_PAIR,
	CAP_ASSIGN_NOMEM,
};

/* An empty table for at most max entries (0 or more: CAP_ASSIGN_MAX). */
struct cap_assign *cap_assign_new(uint32_t max);
void	cap_assign_free(struct cap_assign *);

/* Add a copy of e: 0, or an enum cap_assign_refusal. */
int	cap_assign_add(struct cap_assign *, const struct cap_assign_entry *e);

/* The entry of the pair a, b (either order), or NULL. */
const struct cap_assign_entry *cap_assign_lookup(const struct cap_assign *,
	    const struct netaddr *a, const struct netaddr *b);

/* Whether e takes packets from outer source src (its switch, or any). */
int	cap_assign_from_switch(const struct cap_assign_entry *e,
	    const struct netaddr *src);

/* The entry with id, or NULL. */
const struct cap_assign_entry *cap_assign_find(const struct cap_assign *,
	    const char *id);

/* Entries in the order they were added: count, then 0 .. count-1. */
uint32_t cap_assign_count(const struct cap_assign *);
const struct cap_assign_entry *cap_assign_at(const struct cap_assign *,
	    uint32_t i);

/* What cap_assign_parse() found, capture by capture. */
struct cap_assign_parse_stats {
	uint32_t	captures;	/* objects in the list */
	uint32_t	taken;		/* added to the table */
	uint32_t	inactive;	/* in a state without traffic */
	uint32_t	invalid;	/* not a capture object: skipped */
	uint32_t	refused;	/* cap_assign_add() said no */
};

/*
 * The switch a capture names: set *source to the outer source address its
 * mirrored packets come from and return 0, or return -1 (unknown switch,
 * or no address configured: then any source is taken).
 */
typedef int cap_assign_source_fn(void *ctx, const char *switch_name,
	    struct netaddr *source);

/*
 * Fill t from the controller's capture list, the JSON of GET
 * /api/v1/captures: {"captures": [{"id": ..., "state": ..., "local": ...,
 * "remote": ..., "switch": ...}, ...]} (other members are ignored).
 * Captures in the states "installing", "active" and "removing" are
 * taken; those pending, done or failed are not (nothing is mirrored for
 * them).  An item without a string id, state, local and remote
 * addresses is skipped and counted.  source_of (may be NULL) maps a
 * capture's switch name to the outer source; without one, the capture
 * takes packets from any switch.  0, or -1 with why in err when the
 * document is not such a list (t is then partly filled: discard it).
 */
int	cap_assign_parse(struct cap_assign *t, const char *json, size_t len,
	    cap_assign_source_fn *source_of, void *ctx,
	    struct cap_assign_parse_stats *st, char *err, size_t errlen);

/*
 * What the archive holds of one capture (cap_archive_info.c), for the
 * receiver's API: index.json of its newest folder plus the file being
 * written, if any.
 */
struct cap_archive_info {
	uint64_t	packets;	/* in the files listed and the open one */
	uint64_t	bytes;		/* captured bytes, the same files */
	uint32_t	files;		/* closed files listed, +1 while open */
	uint64_t	files_deleted;	/* by retention */
	int64_t		first_ns;	/* first packet time, 0: none yet */
	int64_t		last_ns;
	int		open;		/* a file is being written */
	char		day[11];	/* its folder's YYYY-MM-DD */
};

/*
 * Fill *info for capture id.  0, or -1 when the archive has no folder for
 * it (or id is not a safe name).  Reads the disk for a capture without an
 * open file: not for a packet path.
 */
int	cap_archive_info(struct cap_archive *, const char *id,
	    struct cap_archive_info *info);

#endif /* FS_CAPTURE_H */
