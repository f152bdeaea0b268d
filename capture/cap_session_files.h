/*
 * cap_session_files.h - the files of one inspected session that hit a key
 * (private to capture/: the session table writes them).
 *
 *   SESSIONS/YYYY-MM-DD/HHMMSS_SRC-SPORT_DST-DPORT/
 *       session.pcap   the session's frames (DLT_EN10MB), as recorded
 *       session.L7     the reassembled payload of both directions
 *       session.json   what the session table knows about it
 *
 * The date and time are the session's first recorded frame's, in UTC;
 * SRC is the client (the side that sent the SYN, else the first packet's
 * source); IPv6 addresses have ':' written as '_'.  A second session with
 * the same name gets "-2", "-3", ... appended.  While the session runs the
 * folder is NAME.part; closing writes session.L7 and session.json and
 * renames the folder into place, so a folder without .part is complete.
 *
 * session.L7 is "Follow TCP stream" as text, made from session.pcap when
 * the session closes (reassembled again with cap_stream and cap_defrag,
 * so it holds exactly the bytes the pcap carries).  For each run of bytes
 * in one direction a header line
 *     "==> CLIENT:PORT -> SERVER:PORT offset N length M\n"
 * (or "<== SERVER:PORT -> CLIENT:PORT ..." for the server's bytes; N is
 * the byte's offset in that direction's stream) then the bytes: 0x20..0x7E
 * as they are except '\\' written "\\\\"; "\\n" for LF followed by a real
 * LF (for reading); "\\r", "\\t"; every other byte "\\xHH"; then one LF
 * ending the run.  A gap shows as "... gap of N bytes in CLIENT->SERVER\n".
 * So real LFs are never payload, and the payload comes back exactly by
 * dropping header lines and real LFs and undoing the escapes.  UDP
 * sessions write each datagram as a run.
 */
#ifndef FS_CAP_SESSION_FILES_H
#define FS_CAP_SESSION_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_writer.h"
#include "netaddr.h"

struct cap_session_meta {
	struct netaddr	client;
	struct netaddr	server;
	uint16_t	client_port;
	uint16_t	server_port;
	uint8_t		proto;		/* 6 TCP, 17 UDP */
	struct timespec	first_ts;	/* names the folder */
};

/* What the transcript held (for session.json). */
struct cap_transcript_stats {
	uint64_t	bytes[2];	/* [0] client->server, [1] back */
	uint64_t	gaps[2];
	uint64_t	gap_bytes[2];
	uint64_t	frames;		/* of session.pcap */
	uint64_t	frames_other;	/* frames not of this 5-tuple */
};

struct cap_session_files;

/*
 * Create the NAME.part folder (and the date folder) under sessions_dir and
 * session.pcap in it (microsecond or nanosecond pcap, snaplen 262144).
 * NULL with err.
 */
struct cap_session_files *csf_open(const char *sessions_dir,
	    const struct cap_session_meta *m, int nanosecond, char *err,
	    size_t errlen);

/* Append a frame.  0, or -1 with err (the file stays usable). */
int	csf_packet(struct cap_session_files *, const struct timespec *ts,
	    const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
	    char *err, size_t errlen);

/* The folder's final path (without .part), for events. */
const char *csf_path(const struct cap_session_files *);

/* session.json's members, written inside its top-level object. */
typedef void csf_json_cb(void *arg, struct json_writer *w,
	    const struct cap_transcript_stats *st);

/*
 * Finish: close session.pcap (rewriting it in timestamp order when
 * merge_by_time), write session.L7 from it, then session.json through cb,
 * fsync and rename the folder into place.  Frees f in any case.  0, or -1
 * with err (what could be written stays in NAME.part).
 */
int	csf_close(struct cap_session_files *f, int merge_by_time,
	    csf_json_cb *cb, void *arg, char *err, size_t errlen);

/* Close without finishing (shutdown with no time left): the .part folder
 * keeps what was written.  NULL is ignored. */
void	csf_abandon(struct cap_session_files *);

/*
 * The transcript on its own: read pcap_path, reassemble the session m
 * names (both directions) and write l7_path.  0, or -1 with err.
 */
int	cap_transcript_write(const char *pcap_path, const char *l7_path,
	    const struct cap_session_meta *m, struct cap_transcript_stats *st,
	    char *err, size_t errlen);

#endif /* FS_CAP_SESSION_FILES_H */
