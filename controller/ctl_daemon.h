/*
 * ctl_daemon.h - the controller daemon's state, shared by the files that
 * wire it together (private to controller/: the modules it uses each have
 * their own header).
 *
 *   ctl_daemon.c     start-up, reload (SIGHUP), shutdown, signals, timers
 *   ctl_ingest.c     datagram -> decode -> flows, agents -> lookup -> policy
 *   ctl_lifecycle.c  starting, approving, extending and ending captures
 *   ctl_tables.c     list updates: parse and rebuild the lookup table in a
 *                    worker thread, swap on the loop
 *   ctl_api*.c       the REST API; ctl_metrics.c: GET /metrics
 *
 * One event_base; everything but the table builder runs on it.
 */
#ifndef FS_CTL_DAEMON_H
#define FS_CTL_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "blacklists.h"
#include "daemon_loop.h"
#include "ctl_agents.h"
#include "ctl_captures.h"
#include "ctl_config.h"
#include "ctl_events.h"
#include "ctl_state_writer.h"
#include "ctl_flows.h"
#include "ctl_listener.h"
#include "ctl_policy.h"
#include "sflow.h"

struct event;
struct event_base;
struct httpd;

#define CTL_MAX_PENDING		1024	/* captures waiting for approval */
#define CTL_REMOVE_RETRY_MS	30000	/* a rule that would not come off */
#define CTL_RELIST_MS		10000	/* a switch we could not list */
#define CTL_STATE_DELAY_MS	20	/* a change to its state file snapshot:
					   the change's own I/O (a PUT) goes
					   first, and a burst takes one */
#define CTL_KEEP_DONE		256	/* finished captures the API shows */
#define CTL_MAX_PAIRS		65536	/* pairs remembered for thresholds */
#define CTL_LOOKUP_MAX		BL_MAX_GROUPS
#define CTL_MAX_RETIRED		8	/* fetchers waiting out a transfer */

/* One configured list as the daemon keeps it. */
struct ctl_list_state {
	char		 name[CTL_NAME_MAX];
	int		 loaded;	/* a body is in the table */
	uint64_t	 entries;
	uint64_t	 rejected;	/* lines of the last body */
	uint64_t	 over_cap;
	int64_t		 updated_ms;	/* last body taken (0: never) */
	int64_t		 attempt_ms;	/* last fetch attempt */
	int64_t		 next_ms;	/* next attempt due */
	char		 last_error[256]; /* "" when the last attempt was fine */
	uint64_t	 fetches, failures;
	/* A body waiting for the table builder (malloc'd), or NULL. */
	void		*pending_body;
	size_t		 pending_len;
	uint64_t	 matches;	/* samples matched against this list */
};

struct rule_backend_ops;
struct rule_client;

/* A switch's rules client (NULL client: its captures run without rule). */
struct ctl_switch_rt {
	const struct rule_backend_ops	*ops;
	struct rule_client		*client;
	struct ctl_daemon		*d;
	size_t				 index;	/* in cfg->switches */
	int64_t				 relist_ms; /* list again at (the
						   start-up one failed) */
	int64_t				 reverify_ms; /* read active rules
						   back at; 0: not yet */
};

/* Counters of the whole pipeline (the per-module ones live in modules). */
struct ctl_counters {
	uint64_t	datagrams;		/* from the listeners */
	uint64_t	refused;		/* source not in agent_networks */
	uint64_t	flow_samples_keyed;	/* with addresses to look up */
	uint64_t	verdicts[CTL_VERDICTS];
	uint64_t	decisions[CTL_DECISIONS];
	uint64_t	unknown_agent_matches;	/* matches from agents of no switch */
	uint64_t	captures_refused;	/* no slot, pending cap, or budget
						   (by hand): capture_refused */
	uint64_t	table_builds, table_build_failures;
	uint64_t	reloads, reload_failures;
	uint64_t	reports;		/* POST /api/v1/events taken */
	uint64_t	reports_refused;	/* ... answered 400 */
	uint64_t	reports_extended;	/* ... that extended a capture */
};

struct ctl_daemon {
	struct event_base	*base;
	const char		*config_path;
	struct ctl_config	*cfg;
	int64_t			 started_ms;
	int64_t			 loaded_ms;	/* config (re)loaded */
	int			 verbose;

	struct ctl_listener	*listeners[CTL_MAX_LISTEN];
	size_t			 n_listeners;
	struct httpd		*api;
	struct ctl_switch_rt	*sw;		/* cfg->switches, in order */
	size_t			 n_sw;
	struct {			/* sets of earlier configs, freed idle */
		struct ctl_switch_rt	*sw;
		size_t			 n;
	}			 sw_retired[CTL_MAX_RETIRED];
	size_t			 n_sw_retired;
	int64_t			 stop_deadline_ms; /* SIGTERM: rules removed by */
	struct event		*stop_wait;

	/* The lookup table and the lists it was built from. */
	struct bl_table		*table;
	struct ctl_list_state	*lists;		/* cfg->n_blacklists */
	size_t			 n_lists;
	struct bl_fetcher	*fetcher;
	/* Fetchers of earlier configs, retired, freed once idle. */
	struct bl_fetcher	*retired[CTL_MAX_RETIRED];
	size_t			 n_retired;
	struct bl_table		*agent_table;	/* agent_networks, or NULL: any */
	struct ctl_table_job	*job;		/* the builder at work, or NULL */
	struct event		*job_done;	/* its completion, on the loop */
	struct event		*job_later;	/* coalesces updates */
	int			 job_pipe[2];

	/* What the operator sees. */
	struct sflow_agents	*seq_agents;	/* sequence accounting */
	struct ctl_agents	*agents;
	struct ctl_flows	*flows;
	struct sflow_stats	 sflow;
	struct ctl_counters	 counters;

	/* The trigger and its captures. */
	struct ctl_policy	 policy;
	struct ctl_pairs	*pairs;
	struct ctl_captures	*captures;
	struct ctl_events	*events;
	char			 state_path[1024];
	int			 state_dirty;
	struct ctl_state_writer	*state_writer;	/* off the loop */
	struct event		*state_ev;	/* write at the end of this pass */
	uint64_t		 state_failures_seen, state_written_seen;
	int			 state_failing;	/* logged, not yet recovered */
	int			 reload_pending; /* SIGHUP during a table build */

	struct daemon_loop	 loop;		/* signals and the 1 s tick */
	int			 stopping;
	int			 exit_status;
};

/* Wall-clock milliseconds since the epoch. */
int64_t	ctl_now_ms(void);

/* ctl_daemon.c */
int	ctl_daemon_start(struct ctl_daemon *, struct event_base *,
	    const char *config_path, struct ctl_config *cfg, int verbose);
void	ctl_daemon_stop(struct ctl_daemon *);	/* stop ingest, exit loop */
void	ctl_daemon_free(struct ctl_daemon *);
int	ctl_daemon_reload(struct ctl_daemon *);	/* 0, or -1: old kept */
/* The policy knobs from a config. */
void	ctl_daemon_policy(const struct ctl_config *, struct ctl_policy *);

/* ctl_ingest.c: one datagram from a listener (ctl_datagram_cb). */
void	ctl_ingest_datagram(void *daemon, const struct netaddr *from,
	    uint16_t from_port, const uint8_t *buf, size_t len, int64_t now_ms);

/* ctl_lifecycle.c */
/*
 * Start (CTL_DECIDE_START) or queue (CTL_DECIDE_PENDING) a capture of m:
 * a match the policy let through, or a request by hand (manual; first_key
 * NULL) whose start is checked against the budgets here.  duration_ms 0
 * means capture.duration.  NULL when refused, with the reason in *why
 * (may be NULL): "no free capture slot" or a budget's decision name.
 */
struct ctl_capture *ctl_capture_request(struct ctl_daemon *,
	    enum ctl_decision, const struct ctl_match *,
	    const struct flow_key *first_key, int manual, int64_t duration_ms,
	    int64_t when_ms, const char **why);
/* Approve a pending capture: 0 started, else the refusing decision. */
int	ctl_capture_approve(struct ctl_daemon *, struct ctl_capture *,
	    int64_t now_ms, enum ctl_decision *why);
/* End a live capture (expiry, API stop, shutdown) with a reason. */
void	ctl_capture_end(struct ctl_daemon *, struct ctl_capture *,
	    const char *why, int64_t now_ms);
/* Once a second: expire captures. */
void	ctl_lifecycle_tick(struct ctl_daemon *, int64_t now_ms);
/* Write the state file if something changed (force: even if not): the
 * snapshot is taken now, the writer thread writes it. */
void	ctl_state_write(struct ctl_daemon *, int force);
/* A capture changed: a snapshot for the state file is taken
 * CTL_STATE_DELAY_MS later, so a burst of transitions costs one. */
void	ctl_state_changed(struct ctl_daemon *);
/* Once a second: retry a snapshot, report write failures. */
void	ctl_state_tick(struct ctl_daemon *);
/* Start and stop the writer (state_path set). */
int	ctl_state_start(struct ctl_daemon *, char *err, size_t errlen);
void	ctl_state_stop(struct ctl_daemon *);
/* "ADDR/LEN" as a string member. */
void	ctl_jw_prefix(struct json_writer *, const char *key,
	    const struct netaddr *, uint8_t plen);
/* Milliseconds since the epoch as an ISO 8601 UTC string member
 * ("2026-11-22T10:15:00.123Z"); nothing for 0 (not set). */
void	ctl_jw_time(struct json_writer *, const char *key, int64_t ms);
/* A capture as members of an event or API object. */
void	ctl_capture_json(struct json_writer *, const struct ctl_capture *,
	    const struct ctl_config *);

/* ctl_switches.c: the rules on the switches */
int	ctl_switches_start(struct ctl_daemon *, char *err, size_t errlen);
void	ctl_switches_stop(struct ctl_daemon *);
/* A reload: clients for the new list built aside, then adopted (the old
 * ones retire) or discarded. */
struct ctl_switches_next {
	struct ctl_switch_rt	*sw;
	size_t			 n;
};
int	ctl_switches_prepare(struct ctl_daemon *, const struct ctl_config *,
	    struct ctl_switches_next *, char *err, size_t errlen);
void	ctl_switches_adopt(struct ctl_daemon *, struct ctl_switches_next *);
void	ctl_switches_discard(struct ctl_switches_next *);
/* Once a second: free retired clients that have become idle. */
void	ctl_switches_reap(struct ctl_daemon *);
/* Start-up and reload: list every switch, remove rules with our prefix
 * that no live capture holds, read back those of the active captures. */
void	ctl_switches_reconcile(struct ctl_daemon *);
/* Once a second: list again the switches that could not be listed. */
void	ctl_switches_tick(struct ctl_daemon *, int64_t now_ms);
/* Whether c's switch has a rules client (else it runs without a rule). */
int	ctl_capture_has_rule(struct ctl_daemon *, const struct ctl_capture *);
int	ctl_rule_install(struct ctl_daemon *, struct ctl_capture *, char *err,
	    size_t errlen);
int	ctl_rule_remove(struct ctl_daemon *, struct ctl_capture *);
/* ctl_lifecycle.c: what the switch answered. */
void	ctl_capture_installed(struct ctl_daemon *, struct ctl_capture *,
	    int ok, const char *error, int64_t now_ms);
void	ctl_capture_removed(struct ctl_daemon *, struct ctl_capture *,
	    int ok, const char *error, int64_t now_ms);
/* Live captures in state removing; in_flight: only those with a request
 * under way, not those waiting to try again (shutdown waits for these). */
uint32_t ctl_captures_removing(struct ctl_daemon *, int in_flight);

/* ctl_tables.c */
int	ctl_tables_start(struct ctl_daemon *, char *err, size_t errlen);
void	ctl_tables_stop(struct ctl_daemon *);
/* Once a second: free retired fetchers that have become idle. */
void	ctl_tables_reap(struct ctl_daemon *);
/* After a reload: carry lists over by name, new fetcher for the new set. */
int	ctl_tables_reload(struct ctl_daemon *, const struct ctl_config *old,
	    char *err, size_t errlen);

/* ctl_api.c */
int	ctl_api_start(struct ctl_daemon *, char *err, size_t errlen);
void	ctl_api_stop(struct ctl_daemon *);
/* After a reload on the same address: the new token and body cap. */
int	ctl_api_update(struct ctl_daemon *, char *err, size_t errlen);
/* ctl_metrics.c: the Prometheus page into out. */
void	ctl_metrics_write(struct ctl_daemon *, FILE *out);

#endif /* FS_CTL_DAEMON_H */
