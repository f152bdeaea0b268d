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

#endif /* FS_CAPTURE_H */
