/*
 * rules.h - capture rules on switches: rendering them (pure, from binary
 * values only) and pushing them through a backend's client (the Cumulus
 * acl_server REST API, and Open vSwitch through ovs-ofctl, behind the
 * same ops table).
 *
 * Rendering.  A capture's rule is two iptables lines, one per direction,
 *   -A FORWARD --in-interface IF -s LOCAL -d REMOTE -j ERSPAN
 *       --src-ip SWITCH --dst-ip RECEIVER
 * and the reverse, under a "[iptables]" (IPv4 pair) or "[ip6tables]"
 * (IPv6 pair) section marker.  Every field is a number or an address
 * printed by netaddr_format(); the one string, the in-interface pattern,
 * was validated at config load and is checked again here.  As a last
 * guard the renderer refuses to emit any byte outside the small alphabet
 * rule text needs, so nothing a peer says can reach a switch's rule text.
 *
 * Names.  Our ACLs are called PREFIX + capture id ("fscope_c42"), match
 * ^[a-z0-9_]+$, are at most RULE_NAME_MAX characters and are never the
 * reserved "lasterror": we only ever touch names we built.
 *
 * Clients.  A client talks to one switch on the caller's event_base and
 * never blocks: libcurl multi on libevent sockets and timers (or, for
 * "ovs", ovs-ofctl child processes watched on the loop), a deadline
 * per request, at most `concurrency` requests in flight with the rest
 * queued (bounded), and retries with exponential backoff and jitter for
 * connection failures, timeouts and 5xx answers (never for 4xx, never
 * for a flow the bridge refused).  Each
 * operation ends in exactly one call of its callback with a struct
 * rule_result, unless the client is freed first (then none).  There is
 * deliberately no operation that deletes everything on a switch.
 */
#ifndef FS_RULES_H
#define FS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define RULE_NAME_MAX		64	/* characters of an ACL name */
#define RULE_PREFIX_MAX		16	/* characters of a name prefix */
#define RULE_ID_MAX		(RULE_NAME_MAX - 1)
#define RULE_IFNAME_MAX		15	/* characters of an interface pattern */
#define RULE_LINE_MAX		256	/* one rendered line, with the NUL */
#define RULE_BODY_MAX		1024	/* a rendered PUT body, with the NUL */
#define RULE_ERR_MAX		256	/* error text, with the NUL */
#define RULE_DEFAULT_PREFIX	"fscope_"
#define RULE_RESERVED_NAME	"lasterror"

/* ---- names (rule_name.c) --------------------------------------------- */

/*
 * 1 if s is a usable interface pattern: 1..15 of [A-Za-z0-9_.:+-], the
 * first a letter or digit.
 */
int	rule_ifname_ok(const char *s);

/* 1 if s is a usable name prefix: 1..RULE_PREFIX_MAX of [a-z0-9_]. */
int	rule_prefix_ok(const char *s);

/*
 * 1 if s may name one of our ACLs: 1..RULE_NAME_MAX of [a-z0-9_], not
 * "lasterror".
 */
int	rule_name_ok(const char *s);

/*
 * PREFIX + capture_id into buf (RULE_NAME_MAX + 1 bytes are enough).
 * 0, or -1 with the reason in err when the prefix or id holds anything
 * but [a-z0-9_], the name would be too long or reserved, or buf is too
 * small; buf is then "".
 */
int	rule_name_build(const char *prefix, const char *capture_id,
	    char *buf, size_t size, char *err, size_t errlen);

/* ---- rendering (rule_render.c) ---------------------------------------- */

/*
 * One capture as binary values.  Zero-initialise, then fill in: the
 * zero values are the defaults (host prefixes, any protocol, any port,
 * the switch's TTL).
 */
struct rule_capture {
	struct netaddr	local, remote;	/* same family, IPv4 or IPv6 */
	uint8_t		local_plen;	/* 0: host (32 or 128) */
	uint8_t		remote_plen;	/* 0: host; host bits must be 0 */
	uint8_t		proto;		/* IP protocol, 0: any */
	uint8_t		ttl;		/* ERSPAN TTL, 0: switch default */
	uint16_t	local_port;	/* 0: any; only with TCP or UDP */
	uint16_t	remote_port;
	struct netaddr	erspan_src;	/* the switch's address, IPv4 */
	struct netaddr	receiver;	/* IPv4: Cumulus cannot send ERSPAN
					   to IPv6 */
	char		in_interface[RULE_IFNAME_MAX + 1];	/* "swp+" */
};

/* The rendered rule: a section marker and one line per direction. */
struct rule_lines {
	const char	*section;	/* "[iptables]" or "[ip6tables]" */
	size_t		 n;		/* 2 */
	char		 line[2][RULE_LINE_MAX];
};

/* Render c's two lines.  0, or -1 with the reason in err. */
int	rule_render_lines(const struct rule_capture *c, struct rule_lines *out,
	    char *err, size_t errlen);

/*
 * Render c as the JSON array a Cumulus PUT takes, NUL-terminated, into
 * buf.  The length in bytes (without the NUL), or -1 with the reason in
 * err (bad values, or buf too small); buf is then "".
 */
int	rule_render_json(const struct rule_capture *c, char *buf, size_t size,
	    char *err, size_t errlen);

/* ---- clients and backends --------------------------------------------- */

struct event_base;
struct rule_client;

/* How to reach one switch.  Zero fields take the defaults given. */
struct rule_client_opts {
	const char	*base_url;	/* https://SWITCH:8080/acl/ */
	int		 allow_http;	/* accept http:// (tests, mgmt nets) */
	const char	*user;		/* basic auth, or NULL: none */
	const char	*password;	/* copied, wiped on free, never logged */
	const char	*ca_file;	/* or NULL: the system's CAs */
	const char	*pin;		/* "sha256//BASE64", or NULL.  Without
					   ca_file the pin alone is trusted
					   (a self-signed switch); with it,
					   both are checked */
	uint32_t	 timeout_ms;	/* per attempt; 0: 5000 */
	uint32_t	 retries;	/* after the first attempt; see below */
	int		 retries_set;	/* else RULE_DEFAULT_RETRIES */
	uint32_t	 concurrency;	/* in flight; 0: 2 */
	uint32_t	 backoff_base_ms;	/* first retry; 0: 250 */
	uint32_t	 backoff_max_ms;	/* cap; 0: 5000 */
	uint32_t	 verify_delay_ms;	/* install: PUT to GET; 0: 1000 */
	uint64_t	 seed;		/* jitter PRNG; 0: from getrandom() */

	/* backend "ovs": base_url is the OpenFlow target ovs-ofctl takes
	   ("unix:/run/openvswitch/br0.mgmt", "tcp:192.0.2.1:6653") */
	const char	*ovs_mirror_port;	/* required: name or number */
	uint32_t	 ovs_priority;	/* base; 0: RULE_OVS_DEFAULT_PRIORITY */
	const char	*ovs_ofctl;	/* 0: RULE_OVS_DEFAULT_OFCTL */
};

#define RULE_DEFAULT_TIMEOUT_MS		5000
#define RULE_DEFAULT_RETRIES		3
#define RULE_DEFAULT_CONCURRENCY	2
#define RULE_DEFAULT_BACKOFF_MS		250
#define RULE_DEFAULT_BACKOFF_MAX_MS	5000
#define RULE_DEFAULT_VERIFY_DELAY_MS	1000
#define RULE_MAX_QUEUE			4096	/* requests waiting per client */
#define RULE_MAX_BODY			(1u << 20)	/* response bytes kept */
#define RULE_MAX_LINES			256	/* lines kept from a response */
#define RULE_MAX_NAMES			65536	/* names kept from a list */

#define RULE_OVS_DEFAULT_PRIORITY	40000
#define RULE_OVS_PRIORITY_MIN		1	/* of the configured base */
#define RULE_OVS_PRIORITY_MAX		65000
#define RULE_OVS_DEFAULT_OFCTL		"/usr/bin/ovs-ofctl"
#define RULE_OVS_PORT_MAX		15	/* characters of a port name */
#define RULE_OVS_TARGET_MAX		112	/* "unix:" + a sun_path */

enum rule_status {
	RULE_OK = 0,
	RULE_ABSENT,		/* verify: the switch has no such ACL */
	RULE_MISMATCH,		/* verify: it holds other lines than ours */
	RULE_COMPILE_FAILED,	/* lasterror reports a failed compile */
	RULE_ERROR,		/* transport, TLS, auth, protocol, refused */
};

/*
 * How an operation ended.  The pointers are owned by the client and valid
 * only during the callback.  Text from the switch (lines, names, the
 * lasterror lines and the error text quoting them) has its control bytes
 * replaced by '?', but is otherwise the switch's: log it, do not trust it.
 */
struct rule_result {
	enum rule_status	 status;
	const char		*op;		/* "install", "verify", ... */
	const char		*name;		/* the ACL, "" for list */
	long			 http_code;	/* of the last response, 0: none */
	uint32_t		 attempts;	/* of the request that decided */
	char			 error[RULE_ERR_MAX];	/* "" when RULE_OK */

	/* verify, install: what GET BASE/NAME returned (section included);
	   ovs: the flows of the rule's cookie as dump-flows printed them */
	const char *const	*lines;
	size_t			 n_lines;
	/* verify, install: GET BASE/lasterror */
	int			 lasterror_clean;	/* 204 */
	long			 lasterror_rc;		/* "returncode" */
	const char *const	*lasterror_lines;
	size_t			 n_lasterror_lines;
	/* list: the names on the switch that rule_name_ok() accepts */
	const char *const	*names;
	size_t			 n_names;
	size_t			 n_names_skipped;	/* other names, or capped */
};

typedef void rule_done_cb(void *arg, const struct rule_result *);

/*
 * A backend.  Operations return 0 when started (the callback follows,
 * never from inside the call) or -1 with the reason in err when refused
 * at once (bad name or values, queue full, out of memory; no callback).
 * Callbacks may start new operations but must not free the client.
 *
 *  install  PUT the rendered rule, wait verify_delay_ms (202 only means
 *           "queued"), then read it back and read lasterror: OK,
 *           COMPILE_FAILED with the switch's message, or an error.
 *  verify   read the rule back (ABSENT, MISMATCH against expect when it
 *           is not NULL, or OK) and lasterror.
 *  remove   DELETE our one name (absent counts as removed).
 *  list     the names on the switch.
 * (The "ovs" backend does the same with ovs-ofctl: see rule_ovs.c.)
 */
struct rule_backend_ops {
	const char	*name;		/* the config's backend: name */
	int		(*render)(const struct rule_capture *, char *buf,
			    size_t size, char *err, size_t errlen);
	struct rule_client *(*client_new)(struct event_base *,
			    const struct rule_client_opts *, char *err,
			    size_t errlen);
	/* Abandons whatever is in flight or queued, without callbacks. */
	void		(*client_free)(struct rule_client *);
	int		(*install)(struct rule_client *, const char *name,
			    const struct rule_capture *, rule_done_cb *,
			    void *arg, char *err, size_t errlen);
	int		(*verify)(struct rule_client *, const char *name,
			    const struct rule_capture *expect, rule_done_cb *,
			    void *arg, char *err, size_t errlen);
	int		(*remove)(struct rule_client *, const char *name,
			    rule_done_cb *, void *arg, char *err,
			    size_t errlen);
	int		(*list)(struct rule_client *, rule_done_cb *,
			    void *arg, char *err, size_t errlen);
	/* Requests in flight, queued or waiting to retry. */
	size_t		(*busy)(const struct rule_client *);
};

/* The Cumulus acl_server backend ("cumulus-acl"). */
extern const struct rule_backend_ops rule_cumulus_ops;

/*
 * The Open vSwitch backend ("ovs", rule_ovs.c): a capture is two
 * OpenFlow flows, one per direction, that forward normally and also
 * output to a mirror (ERSPAN or GRE) port, marked with a cookie made
 * from the rule's name and a note action holding the name; driven
 * through ovs-ofctl.  docs/ovs.md.
 */
extern const struct rule_backend_ops rule_ovs_ops;

/*
 * 1 if s is an OpenFlow target we hand to ovs-ofctl: "unix:" and an
 * absolute path of [A-Za-z0-9_./+-] without "..", shorter than a
 * sun_path; or "tcp:" and an IPv4 address or a bracketed IPv6 address,
 * ":" and a port 1..65535.
 */
int	rule_ovs_target_ok(const char *s);

/*
 * 1 if s can be the mirror port: an OpenFlow port number 1..65279, or a
 * port name of 1..15 of [A-Za-z0-9_.-] starting with a letter that is
 * not a reserved port (LOCAL, NORMAL, IN_PORT, ...).
 */
int	rule_ovs_port_ok(const char *s);

/*
 * 1 if s can be the ovs-ofctl program: an absolute path of at most 255
 * of [A-Za-z0-9_./+-] without "..".
 */
int	rule_ovs_ofctl_ok(const char *s);

/* The backend called name ("cumulus-acl", "ovs"), or NULL. */
const struct rule_backend_ops *rule_backend_find(const char *name);

/* "ok", "absent", "mismatch", "compile_failed", "error". */
const char *rule_status_name(enum rule_status);

#endif /* FS_RULES_H */
