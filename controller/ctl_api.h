/*
 * ctl_api.h - private to the controller's REST API (ctl_api*.c): the
 * handlers that ctl_api.c routes, and the helpers they share.  Every
 * handler gets the struct ctl_daemon as its context.  docs/api.md is the
 * reference for what each answers.
 */
#ifndef FS_CTL_API_H
#define FS_CTL_API_H

#include <stddef.h>
#include <stdint.h>

#include "httpd.h"
#include "json_writer.h"
#include "netaddr.h"

/* ctl_api_views.c */
void	ctl_api_status(struct httpd_req *, void *);
void	ctl_api_agents(struct httpd_req *, void *);
void	ctl_api_flows(struct httpd_req *, void *);
void	ctl_api_blacklists(struct httpd_req *, void *);
void	ctl_api_lookup(struct httpd_req *, void *);

/* ctl_metrics.c: GET /metrics */
void	ctl_api_metrics(struct httpd_req *, void *);

/* ctl_api_captures.c */
/* /api/v1/captures: GET the list, POST a new one */
void	ctl_api_captures(struct httpd_req *, void *);
/* /api/v1/captures/ID: GET one, DELETE (stop) it */
void	ctl_api_capture(struct httpd_req *, void *);
/* POST /api/v1/captures/ID/approve */
void	ctl_api_capture_approve(struct httpd_req *, void *);

/* ctl_api.c, through ctl_events_http.h */
/* GET /api/v1/events: the long poll; POST: a receiver's report */
void	ctl_api_events(struct httpd_req *, void *);
/* GET /api/v1/events/stream: Server-Sent Events */
void	ctl_api_events_stream(struct httpd_req *, void *);

/* ctl_api_body.c: the body of POST /api/v1/captures */
struct ctl_capture_request {
	struct netaddr	local;
	struct netaddr	remote;
	struct netaddr	agent;		/* NETADDR_NONE: none given */
	uint32_t	duration_s;	/* 0: the configured duration */
};

/*
 * Parse a request body: a JSON object with local and remote (addresses of
 * one family, different), optional agent (of a configured switch) and
 * duration (at least 1s, cut to max_duration); nothing else.  0, or -1
 * with what was expected in why.
 */
struct ctl_config;
int	ctl_api_parse_capture_request(const struct ctl_config *,
	    const char *body, size_t len, struct ctl_capture_request *,
	    char *why, size_t whylen);

/* ctl_api_report.c: POST /api/v1/events, a receiver's report */
struct ctl_report {
	char		capture[64];	/* "" when none */
	uint32_t	key_id;
	char		key_name[64];	/* "" when none */
	struct netaddr	src, dst;	/* the direction of the hit */
	uint16_t	sport, dport;
	uint8_t		proto;
	int		direction;	/* 0 none, 1 client->server, 2 back */
	uint64_t	offset;
	char		session[256];	/* the session folder, "" when none */
};

/*
 * Parse a report: a JSON object with "type": "key_hit", "key_id", "src",
 * "dst" and optional "capture", "key_name" ([A-Za-z0-9_.-]), "sport",
 * "dport", "proto", "direction", "offset", "session" (a path of
 * [A-Za-z0-9_.-/:] without ".."); nothing else.  0, or -1 with why.
 */
int	ctl_api_parse_report(const char *body, size_t len,
	    struct ctl_report *, char *why, size_t whylen);
struct ctl_daemon;
void	ctl_api_report(struct httpd_req *, struct ctl_daemon *);

/* ---- helpers (ctl_api.c) ---------------------------------------------- */

/* key: "2026-05-01T12:00:00.000Z" (UTC), or null for ms <= 0. */
void	ctl_api_time(struct json_writer *, const char *key, int64_t ms);
/* key: null. */
void	ctl_api_null(struct json_writer *, const char *key);

/*
 * The query parameter name as a whole number in [min, max], or def when
 * absent.  0; or -1 after answering 400 with what was expected.
 */
int	ctl_api_query_uint(struct httpd_req *, const char *name,
	    uint64_t def, uint64_t min, uint64_t max, uint64_t *out);

#endif /* FS_CTL_API_H */
