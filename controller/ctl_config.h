/*
 * ctl_config.h - the configuration file (YAML, read with libyaml) as one
 * immutable struct ctl_config.
 *
 * One file serves both daemons; its shape is the contract in DESIGN.md and
 * every key is documented in docs/config.md.  Loading is all or nothing:
 * the whole file is parsed and validated before a config is returned, so a
 * reload builds a new config aside and swaps one pointer only on success.
 *
 * Errors read "FILE:LINE:COL: message" (1-based line and column of the
 * offending key or value) and say what was expected; errors about the file
 * itself (cannot open, too large) read "FILE: message".  Unknown keys are
 * errors at every level.  Every value in a loaded config is filled in:
 * absent keys get their documented default, except the optional ones whose
 * absence means "not set" (a NULL string, an address of NETADDR_NONE).
 *
 * Value syntax (see docs/config.md):
 *  - durations: a whole number and a unit, s m h or d ("30s", "5m", "12h",
 *    "7d"); a bare number is an error, so "timeout: 60" is never read as
 *    milliseconds by one reader and seconds by another;
 *  - sizes: bytes, or a whole number with K, M, G or T meaning powers of
 *    1024 ("64M" is 67108864 bytes);
 *  - booleans: true or false, nothing else;
 *  - addresses in the usual IPv4/IPv6 text forms; prefixes "ADDR/LEN" with
 *    the host bits zero (a bare address is a host prefix); listen addresses
 *    "ADDR:PORT" or "[IPV6]:PORT" with a literal address, never a name.
 * YAML anchors, aliases and tags are refused (aliases allow "billion
 * laughs" expansion); file size, nesting and node count are capped.
 *
 * Strings in the config are owned by it and live until ctl_config_free().
 */
#ifndef FS_CTL_CONFIG_H
#define FS_CTL_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "blacklists.h"
#include "netaddr.h"

/* Hard caps on what a configuration file can make us build. */
#define CTL_CONFIG_MAX_BYTES	(4u << 20)	/* 4 MiB of YAML */
#define CTL_CONFIG_MAX_DEPTH	16		/* nested collections */
#define CTL_CONFIG_MAX_NODES	131072		/* scalars + collections */
#define CTL_MAX_LISTEN		16		/* addresses in a listen list */
#define CTL_MAX_LOCAL_NETWORKS	4096
#define CTL_MAX_AGENT_NETWORKS	4096
#define CTL_MAX_BLACKLISTS	256
#define CTL_MAX_GROUPS		(BL_MAX_GROUPS - 1) /* one is local_networks */
#define CTL_MAX_SWITCHES	1024
#define CTL_MAX_AGENTS		64		/* sFlow agents of one switch */
#define CTL_MAX_KEYWORDS	100000		/* receiver.keys + regex */

/* The group name local_networks goes by; no configured group may use it. */
#define CTL_LOCAL_GROUP		"local"
/* The group whose lists never trigger (BL_GROUP_ALLOW). */
#define CTL_ALLOW_GROUP		"allow"

/* A network prefix: addr has its host bits zero. */
struct ctl_prefix {
	struct netaddr	addr;
	uint8_t		plen;
};

/* Where to listen: a literal address and a port (1..65535). */
struct ctl_listen {
	struct netaddr	addr;
	uint16_t	port;
};

/* Free space to keep: a percentage of the file system, or bytes. */
struct ctl_space {
	uint64_t	bytes;		/* when !is_percent */
	uint8_t		percent;	/* 0..99, when is_percent */
	uint8_t		is_percent;
};

enum ctl_mode {
	CTL_MODE_AUTO = 0,	/* captures start on a match */
	CTL_MODE_MANUAL,	/* captures wait for approval */
};

enum ctl_backend {
	CTL_BACKEND_CUMULUS_ACL = 0,
	CTL_BACKEND_OVS,
};

enum ctl_input {
	CTL_INPUT_RAW = 0,	/* raw IPPROTO_GRE socket */
	CTL_INPUT_PCAP,		/* libpcap on an interface */
};

/* What the receiver does with packets of no active capture. */
enum ctl_unassigned {
	CTL_UNASSIGNED_ARCHIVE = 0,	/* per-switch "unassigned-..." archive */
	CTL_UNASSIGNED_DROP,		/* count and drop */
};

/* controller: */
struct ctl_controller_config {
	const struct ctl_listen *sflow_listen;
	size_t			 n_sflow_listen;	/* >= 1 */
	struct ctl_listen	 api_listen;
	const char		*api_token_file;	/* or NULL (loopback) */
	const char		*state_dir;
	const char		*events_file;		/* or NULL: none */
	enum ctl_mode		 mode;
	uint64_t		 sflow_rcvbuf;	/* bytes */
	const struct ctl_prefix	*agent_networks; /* empty: any agent */
	size_t			 n_agent_networks;
	uint32_t		 max_flows;	/* flow table entries */
	uint64_t		 api_max_body;	/* bytes */
	const char		*user;		/* or NULL: keep */
	const char		*group;		/* or NULL: user's group */
	uint32_t		 shutdown_deadline_s; /* SIGTERM: rules off by */
};

/* One item of blacklists:; exactly one of url and file is set. */
struct ctl_blacklist {
	const char	*name;		/* [A-Za-z0-9_.-]{1,63}, unique */
	enum bl_format	 format;
	const char	*file;
	const char	*url;		/* https://; http:// if allow_http */
	uint32_t	 refresh_s;
	int		 allow_http;
	const char	*ca_file;	/* or NULL */
	uint32_t	 timeout_s;
	uint32_t	 connect_timeout_s;	/* <= timeout_s */
	uint64_t	 max_size;	/* bytes */
	uint32_t	 max_entries;
};

/* One entry of groups:. */
struct ctl_group {
	const char		*name;
	enum bl_group_kind	 kind;		/* BL_GROUP_ALLOW or _WATCH */
	const size_t		*lists;		/* indexes into blacklists */
	size_t			 n_lists;	/* >= 1, no repeats */
};

/* capture: */
struct ctl_capture_config {
	struct netaddr	receiver;	/* NETADDR_NONE if unset */
	uint32_t	duration_s;
	uint32_t	max_duration_s;	/* >= duration_s */
	uint32_t	cooldown_s;
	uint32_t	max_active;
	uint32_t	min_samples;	/* matching samples in window, >= 1 */
	uint32_t	min_frames;	/* scaled frames in window, 0: none */
	uint32_t	window_s;
	const char	*rule_prefix;	/* ^[a-z0-9_]{1,16}$, names our ACLs */
	uint32_t	verify_interval_s;	/* active rules read back; 0: no */
};

/* One item of switches:. */
struct ctl_switch {
	const char		*name;		/* unique */
	const struct netaddr	*agents;	/* unique across switches */
	size_t			 n_agents;	/* >= 1 */
	enum ctl_backend	 backend;
	const char		*url;
	const char		*user;		/* or NULL */
	const char		*password_file;	/* or NULL */
	const char		*password_env;	/* or NULL; not with _file */
	struct netaddr		 erspan_source;	/* NETADDR_NONE if unset */
	const char		*in_interface;
	uint32_t		 max_active;
	const char		*ca_file;	/* or NULL: system CAs */
	const char		*pin;		/* "sha256//BASE64", or NULL */
	uint32_t		 timeout_s;	/* per request */
	uint32_t		 retries;	/* after the first attempt */
	uint32_t		 concurrency;	/* requests in flight */
	/* backend: ovs (url is then the OpenFlow target, "unix:/..." or
	   "tcp:ADDR:PORT"; user, passwords, ca_file and pin are refused) */
	const char		*mirror_port;	/* required with ovs */
	uint32_t		 priority;	/* flow priority base */
	const char		*ofctl;		/* the ovs-ofctl program */
};

/* receiver.archive: */
struct ctl_archive_config {
	const char	*dir;
	uint64_t	 rotate_size;
	uint32_t	 rotate_age_s;
	uint64_t	 quota;
	struct ctl_space min_free;
	uint32_t	 max_age_s;	/* 0: keep forever */
	int		 nanosecond;	/* nanosecond pcap time stamps */
};

/* receiver.sessions: (see capture/cap_sessions.h) */
enum ctl_record {
	CTL_RECORD_SESSION = 0,		/* the whole session, with history */
	CTL_RECORD_FRAME,		/* only the frames where a key ended */
};

struct ctl_sessions_config {
	const char	*dir;
	uint64_t	 history;	/* bytes, all sessions */
	uint32_t	 timeout_s;	/* idle */
	uint32_t	 max_sessions;
	uint64_t	 max_stream;	/* bytes inspected per direction */
	uint32_t	 max_out_of_order; /* segments held per direction */
	uint64_t	 max_out_of_order_bytes; /* per direction */
	uint32_t	 max_open;	/* sessions writing files at once */
	int		 inspect_udp;
	int		 onedir;	/* Blueye session_onedir */
	int		 keep_pure_acks; /* Blueye mindack off */
	enum ctl_record	 record;
	int		 merge_by_time;	/* session.pcap in time order */
};

/*
 * One item of receiver.keys: (Blueye key text) or receiver.regex:
 * (Hyperscan syntax).  Written either as a plain string or as a mapping
 * {key: TEXT, name: NAME, id: N} ({regex: ..., nocase: BOOL, ...}).  ids
 * are unique across both lists; when not given, a key's is its position
 * counted from 1 over keys: then regex:, skipping ids given explicitly.
 */
struct ctl_keyword {
	const char	*text;
	const char	*name;		/* or NULL */
	uint32_t	 id;
	uint32_t	 line;		/* in the config file */
	int		 regex;
	int		 nocase;	/* regex only */
};

/* receiver: */
struct ctl_receiver_config {
	enum ctl_input		 input;
	const char		*interface;	/* or NULL */
	const char		*filter;	/* or NULL */
	struct netaddr		 listen;
	int			 ipv6;		/* also an IPv6 raw socket */
	uint64_t		 rcvbuf;	/* bytes, per input socket */
	struct ctl_listen	 api_listen;
	const char		*api_token_file; /* or NULL (loopback) */
	const char		*controller_url;
	const char		*controller_token_file;	/* or NULL */
	uint32_t		 poll_interval_s;
	enum ctl_unassigned	 unassigned;
	int			 use_erspan_time;
	const char		*events_file;	/* or NULL: none */
	struct ctl_archive_config archive;
	const struct ctl_keyword *keys;		/* keys: then regex: */
	size_t			 n_keys;
	struct ctl_sessions_config sessions;
};

struct ctl_arena;

struct ctl_config {
	const char			*path;	/* the name it was loaded as */
	struct ctl_controller_config	 controller;
	const struct ctl_prefix		*local_networks;
	size_t				 n_local_networks;
	const struct ctl_blacklist	*blacklists;
	size_t				 n_blacklists;
	const struct ctl_group		*groups;	/* in file order */
	size_t				 n_groups;
	struct ctl_capture_config	 capture;
	const struct ctl_switch		*switches;
	size_t				 n_switches;
	struct ctl_receiver_config	 receiver;

	struct ctl_arena		*arena;	/* private: owns all of it */
};

/*
 * Load and validate the file at path.  Returns a new config, or NULL with
 * "PATH:LINE:COL: message" (or "PATH: message") in err, which is always
 * NUL-terminated and may be NULL when errlen is 0.  The file is read
 * whole (at most CTL_CONFIG_MAX_BYTES); a pipe or /dev/stdin works too.
 */
struct ctl_config *ctl_config_load(const char *path, char *err,
	    size_t errlen);

/*
 * The same from len bytes in memory (at most CTL_CONFIG_MAX_BYTES); name
 * stands for the file in messages and in cfg->path.
 */
struct ctl_config *ctl_config_parse(const char *name, const void *buf,
	    size_t len, char *err, size_t errlen);

/* Free a config and everything in it; NULL is a no-op. */
void	ctl_config_free(struct ctl_config *);

/*
 * Print the normalised config as YAML: every key, defaults filled in,
 * in a fixed order, values in canonical form.  What it prints loads again
 * to an equal config.  0, or -1 if writing to out failed.
 */
int	ctl_config_print(const struct ctl_config *, FILE *out);

/* 1 if s is a valid list, group, switch or key name: [A-Za-z0-9_.-],
 * 1 to 63 of them (also what the API accepts as such a name). */
int	ctl_valid_name(const char *s);

/* The switch whose agents include agent (its index), or -1. */
int32_t	ctl_config_switch_of_agent(const struct ctl_config *,
	    const struct netaddr *agent);

/* The index of the blacklist called name, or -1. */
long	ctl_config_find_blacklist(const struct ctl_config *, const char *name);

/*
 * The fetcher's view of one list.  The strings are borrowed from the
 * config (bl_fetcher_add copies them).
 */
void	ctl_blacklist_source_spec(const struct ctl_blacklist *,
	    struct bl_source_spec *out);

/* ---- value syntax, for the command line and the API as well ---------- */

/* Parsers: 0, or -1 with the reason in why (when why is not NULL). */
int	ctl_parse_duration(const char *s, uint32_t *seconds, char *why,
	    size_t whylen);
int	ctl_parse_size(const char *s, uint64_t *bytes, char *why,
	    size_t whylen);
int	ctl_parse_bool(const char *s, int *value, char *why, size_t whylen);
int	ctl_parse_uint(const char *s, uint64_t max, uint64_t *value,
	    char *why, size_t whylen);
int	ctl_parse_prefix(const char *s, struct ctl_prefix *, char *why,
	    size_t whylen);
int	ctl_parse_listen(const char *s, struct ctl_listen *, char *why,
	    size_t whylen);
int	ctl_parse_space(const char *s, struct ctl_space *, char *why,
	    size_t whylen);

/* Room for any formatted value below, with the NUL. */
#define CTL_VALUE_STRLEN	(NETADDR_STRLEN + 8)

/* Canonical text forms (what ctl_config_print writes); return buf. */
const char *ctl_format_duration(uint32_t seconds, char *buf, size_t size);
const char *ctl_format_size(uint64_t bytes, char *buf, size_t size);
const char *ctl_format_prefix(const struct ctl_prefix *, char *buf,
	    size_t size);
const char *ctl_format_listen(const struct ctl_listen *, char *buf,
	    size_t size);
const char *ctl_format_space(const struct ctl_space *, char *buf,
	    size_t size);

/* Loopback: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
int	ctl_addr_is_loopback(const struct netaddr *);

#endif /* FS_CTL_CONFIG_H */
