/*
 * test_ctl_api.c - the controller's REST API and metrics page
 * (controller/ctl_api*.c, ctl_metrics.c) over real HTTP on loopback.
 *
 * Each case builds a small daemon by hand: a configuration parsed from
 * inline YAML (its api_listen port set to 0 afterwards, which the loader
 * would refuse, so the kernel picks one), the real modules created with
 * their _new functions, a lookup table built from two list files, and the
 * API started with ctl_api_start().  A client made with evhttp's client
 * API on the same event_base asks; the loop runs until the answer is in.
 * The lifecycle (ctl_capture_request and friends) is the daemon's own.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "fs_test.h"

#include "ctl_api.h"
#include "ctl_daemon.h"
#include "ctl_events_http.h"
#include "ctl_lists.h"
#include "httpd.h"
#include "version.h"

#define TOKEN		"0123456789abcdef-test-token"
#define AGENT		"192.0.2.1"	/* of switch leaf1 */
#define WAIT_MS		5000	/* for anything that should happen */

struct fx {
	struct event_base	*base;
	struct ctl_daemon	 d;
	char			 dir[64];
	uint16_t		 port;
	const char		*token;	/* what the client sends */
	const char		*last_event_id;	/* a header to send, or NULL */
};

struct reply {
	struct evhttp_connection *con;
	int		 done;
	int		 status;
	char		*body;
	size_t		 len;
	char		 ctype[128];
	char		 allow[64];
	json_t		*json;
};

/* ---- files ------------------------------------------------------------ */

static void
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
remove_tree(const char *dir)
{
	static const char *const names[] = { "bad.txt", "good.txt", "token" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* ---- the daemon ------------------------------------------------------- */

static void
build_lists(struct ctl_daemon *d)
{
	struct bl_list **lists;
	struct bl_parse_report rep;
	char path[512], err[512];
	size_t i;

	d->n_lists = d->cfg->n_blacklists;
	d->lists = calloc(d->n_lists, sizeof(*d->lists));
	lists = calloc(d->n_lists + 1, sizeof(*lists));
	assert_non_null(d->lists);
	assert_non_null(lists);
	for (i = 0; i < d->n_lists; i++) {
		const struct ctl_blacklist *b = &d->cfg->blacklists[i];
		FILE *f;
		char body[4096];
		size_t len;

		snprintf(path, sizeof(path), "%s", b->file);
		assert_non_null(f = fopen(path, "r"));
		len = fread(body, 1, sizeof(body), f);
		fclose(f);
		lists[i] = ctl_lists_parse(d->cfg, i, body, len, &rep);
		assert_non_null(lists[i]);
		snprintf(d->lists[i].name, sizeof(d->lists[i].name), "%s",
		    b->name);
		d->lists[i].loaded = 1;
		d->lists[i].entries = rep.entries;
		d->lists[i].rejected = rep.rejected;
	}
	d->table = ctl_lists_build_table(d->cfg, lists, err, sizeof(err));
	if (d->table == NULL)
		fail_msg("table: %s", err);
	for (i = 0; i < d->n_lists; i++)
		bl_list_free(lists[i]);
	free(lists);
}

static void
fx_init(struct fx *fx, int manual, int with_token)
{
	struct ctl_daemon *d = &fx->d;
	struct ctl_agents_limits al;
	struct sflow_agents_limits sl;
	char yaml[4096], err[512];

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_ctl_api.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	/* line 3 is rejected; 198.51.100.7 is also in the allow list */
	write_file(fx->dir, "bad.txt", "203.0.113.0/24\n198.51.100.7\n"
	    "not an address\n2001:db8:bad::/48\n", 0644);
	write_file(fx->dir, "good.txt", "198.51.100.0/24\n", 0644);
	if (with_token) {
		write_file(fx->dir, "token", TOKEN "\n", 0600);
		fx->token = TOKEN;
	}
	snprintf(yaml, sizeof(yaml),
	    "controller:\n"
	    "  sflow_listen: [\"127.0.0.1:6343\"]\n"
	    "  api_listen: 127.0.0.1:8008\n"
	    "%s%s%s"
	    "  state_dir: %s\n"
	    "  mode: %s\n"
	    "local_networks: [10.0.0.0/8, \"fd00::/8\"]\n"
	    "blacklists:\n"
	    "  - name: bad\n"
	    "    format: plain\n"
	    "    file: %s/bad.txt\n"
	    "  - name: good\n"
	    "    format: plain\n"
	    "    file: %s/good.txt\n"
	    "groups:\n"
	    "  watch: [bad]\n"
	    "  allow: [good]\n"
	    "capture:\n"
	    "  receiver: 10.0.0.70\n"
	    "  duration: 5m\n"
	    "  max_duration: 1h\n"
	    "  max_active: %d\n"
	    "switches:\n"
	    "  - name: leaf1\n"
	    "    agents: [" AGENT "]\n"
	    "    url: https://192.0.2.1:8080/acl/\n",
	    with_token ? "  api_token_file: " : "",
	    with_token ? fx->dir : "", with_token ? "/token\n" : "",
	    fx->dir, manual ? "manual" : "auto", fx->dir, fx->dir,
	    /* auto: room for two by hand; manual: approvals hit the budget */
	    manual ? 1 : 2);
	d->cfg = ctl_config_parse("test.yaml", yaml, strlen(yaml), err,
	    sizeof(err));
	if (d->cfg == NULL)
		fail_msg("config: %s", err);
	d->cfg->controller.api_listen.port = 0;

	assert_non_null(fx->base = event_base_new());
	d->base = fx->base;
	d->config_path = "test.yaml";
	d->started_ms = ctl_now_ms() - 5000;
	d->loaded_ms = ctl_now_ms() - 1000;
	assert_non_null(d->events = ctl_events_new(NULL));
	memset(&al, 0, sizeof(al));
	assert_non_null(d->agents = ctl_agents_new(&al));
	sl.max_agents = 64;
	sl.max_sources = 256;
	assert_non_null(d->seq_agents = sflow_agents_new(&sl));
	assert_non_null(d->flows = ctl_flows_new(64));
	assert_non_null(d->pairs = ctl_pairs_new(64));
	assert_non_null(d->captures = ctl_captures_new(3, 8, 1));
	ctl_daemon_policy(d->cfg, &d->policy);
	build_lists(d);
	if (ctl_api_start(d, err, sizeof(err)) == -1)
		fail_msg("ctl_api_start: %s", err);
	fx->port = httpd_port(d->api);
	assert_true(fx->port > 0);
}

static void
fx_free(struct fx *fx)
{
	struct ctl_daemon *d = &fx->d;
	size_t i;

	ctl_api_stop(d);
	for (i = 0; i < d->n_listeners; i++)
		ctl_listener_free(d->listeners[i]);
	bl_table_free(d->table);
	free(d->lists);
	ctl_captures_free(d->captures);
	ctl_pairs_free(d->pairs);
	ctl_flows_free(d->flows);
	ctl_agents_free(d->agents);
	sflow_agents_free(d->seq_agents);
	ctl_events_free(d->events);
	ctl_config_free(d->cfg);
	event_base_free(fx->base);
	remove_tree(fx->dir);
}

static uint64_t
emit(struct fx *fx, const char *type)
{
	struct json_writer *w = ctl_event_begin(fx->d.events, type);

	jw_str(w, "note", "from the test");
	return ctl_event_end(fx->d.events);
}

static uint64_t
subscribers(struct fx *fx)
{
	struct ctl_events_stats es;

	ctl_events_stats(fx->d.events, &es);
	return es.subscribers;
}

/* ---- the loop --------------------------------------------------------- */

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Run the loop until *flag is set (or pred says so); 0 on time out. */
static int
run_until(struct fx *fx, int (*pred)(struct fx *, void *), void *arg,
    int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *t;
	int expired = 0, ok;

	assert_non_null(t = evtimer_new(fx->base, on_deadline, &expired));
	evtimer_add(t, &tv);
	while (!(ok = pred(fx, arg)) && !expired)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(t);
	return ok;
}

static int
reply_done(struct fx *fx, void *arg)
{
	(void)fx;
	return ((struct reply *)arg)->done;
}

static int
no_subscribers(struct fx *fx, void *arg)
{
	(void)arg;
	return subscribers(fx) == 0;
}

static int
one_subscriber(struct fx *fx, void *arg)
{
	(void)arg;
	return subscribers(fx) == 1;
}

static int
body_has(struct fx *fx, void *arg)
{
	struct reply *r = ((struct reply **)arg)[0];
	const char *want = ((const char **)arg)[1];

	(void)fx;
	return r->body != NULL && strstr(r->body, want) != NULL;
}

static int
never(struct fx *fx, void *arg)
{
	(void)fx;
	(void)arg;
	return 0;
}

static void
loop_briefly(struct fx *fx, int ms)
{
	(void)run_until(fx, never, NULL, ms);
}

/* ---- the client ------------------------------------------------------- */

static void
take_body(struct reply *r, struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);

	r->body = realloc(r->body, r->len + n + 1);
	assert_non_null(r->body);
	evbuffer_remove(b, r->body + r->len, n);
	r->len += n;
	r->body[r->len] = '\0';
}

static void
on_chunk(struct evhttp_request *req, void *arg)
{
	take_body(arg, evhttp_request_get_input_buffer(req));
}

static void
on_done(struct evhttp_request *req, void *arg)
{
	struct reply *r = arg;
	const char *v;

	r->done = 1;
	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		return;
	r->status = evhttp_request_get_response_code(req);
	if ((v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type")) != NULL)
		snprintf(r->ctype, sizeof(r->ctype), "%s", v);
	if ((v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Allow")) != NULL)
		snprintf(r->allow, sizeof(r->allow), "%s", v);
	take_body(r, evhttp_request_get_input_buffer(req));
}

/* Send a request; the answer comes in r as the loop runs. */
static void
start(struct fx *fx, struct reply *r, enum evhttp_cmd_type cmd,
    const char *path, const char *body)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;
	char auth[128];

	memset(r, 0, sizeof(*r));
	r->con = evhttp_connection_base_new(fx->base, NULL, "127.0.0.1",
	    fx->port);
	assert_non_null(r->con);
	assert_non_null(req = evhttp_request_new(on_done, r));
	evhttp_request_set_chunked_cb(req, on_chunk);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", "127.0.0.1");
	if (fx->token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", fx->token);
		evhttp_add_header(h, "Authorization", auth);
	}
	if (fx->last_event_id != NULL)
		evhttp_add_header(h, "Last-Event-ID", fx->last_event_id);
	if (body != NULL) {
		evhttp_add_header(h, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
	}
	assert_int_equal(evhttp_make_request(r->con, req, cmd, path), 0);
}

static void
reply_free(struct reply *r)
{
	if (r->con != NULL)
		evhttp_connection_free(r->con);
	json_decref(r->json);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* Ask and wait for the whole answer; returns the status.  JSON bodies
 * are parsed into r->json. */
static int
ask(struct fx *fx, struct reply *r, enum evhttp_cmd_type cmd,
    const char *path, const char *body)
{
	json_error_t jerr;

	start(fx, r, cmd, path, body);
	assert_true(run_until(fx, reply_done, r, WAIT_MS));
	if (r->body != NULL && strncmp(r->ctype, "application/json", 16) ==
	    0) {
		r->json = json_loads(r->body, 0, &jerr);
		if (r->json == NULL)
			fail_msg("%s: not JSON (%s): %s", path, jerr.text,
			    r->body);
	}
	return r->status;
}

/* GET path, expecting 200 and JSON. */
static json_t *
get_ok(struct fx *fx, struct reply *r, const char *path)
{
	if (ask(fx, r, EVHTTP_REQ_GET, path, NULL) != 200)
		fail_msg("%s: status %d: %s", path, r->status,
		    r->body != NULL ? r->body : "");
	assert_non_null(r->json);
	return r->json;
}

/* An error reply with status and message containing want. */
static void
expect_error(struct fx *fx, enum evhttp_cmd_type cmd, const char *path,
    const char *body, int status, const char *want)
{
	struct reply r;
	const char *msg;

	if (ask(fx, &r, cmd, path, body) != status)
		fail_msg("%s %s: status %d, expected %d: %s", path,
		    body != NULL ? body : "", r.status, status,
		    r.body != NULL ? r.body : "");
	assert_non_null(r.json);
	msg = json_string_value(json_object_get(r.json, "error"));
	assert_non_null(msg);
	if (strstr(msg, want) == NULL)
		fail_msg("%s %s: error \"%s\" lacks \"%s\"", path,
		    body != NULL ? body : "", msg, want);
	reply_free(&r);
}

/* A member by a dotted path ("totals.decode_errors.invalid"). */
static json_t *
jget(json_t *j, const char *path)
{
	char buf[256], *s, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = buf; j != NULL && s != NULL; s = dot) {
		if ((dot = strchr(s, '.')) != NULL)
			*dot++ = '\0';
		j = json_object_get(j, s);
	}
	if (j == NULL)
		fail_msg("no member %s", path);
	return j;
}

static uint64_t
jint(json_t *j, const char *path)
{
	json_t *v = jget(j, path);

	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

static const char *
jstr(json_t *j, const char *path)
{
	json_t *v = jget(j, path);

	if (!json_is_string(v))
		fail_msg("%s is not a string", path);
	return json_string_value(v);
}

/* ---- start, token, update --------------------------------------------- */

static void
test_healthz_and_token(void **state)
{
	struct fx fx;
	struct reply r;

	(void)state;
	fx_init(&fx, 0, 1);
	fx.token = NULL;
	/* /healthz is public */
	assert_int_equal(ask(&fx, &r, EVHTTP_REQ_GET, "/healthz", NULL), 200);
	assert_string_equal(jstr(r.json, "status"), "ok");
	reply_free(&r);
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/status", NULL, 401,
	    "token");
	expect_error(&fx, EVHTTP_REQ_GET, "/metrics", NULL, 401, "token");
	fx.token = "0123456789abcdef-wrong-token";
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/status", NULL, 401,
	    "token");
	fx.token = TOKEN;
	(void)get_ok(&fx, &r, "/api/v1/status");
	reply_free(&r);
	/* Unknown paths and methods. */
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/nothing", NULL, 404, "");
	assert_int_equal(ask(&fx, &r, EVHTTP_REQ_PUT, "/api/v1/captures",
	    "{}"), 405);
	assert_non_null(strstr(r.allow, "POST"));
	reply_free(&r);
	fx_free(&fx);
}

static void
test_start_errors(void **state)
{
	struct fx fx;
	char err[256];
	struct httpd *running;

	(void)state;
	fx_init(&fx, 0, 1);
	running = fx.d.api;
	fx.d.api = NULL;
	/* A token file others may read is refused. */
	write_file(fx.dir, "token", TOKEN "\n", 0644);
	assert_int_equal(ctl_api_start(&fx.d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "api_token_file"));
	assert_null(fx.d.api);
	/* An address this host does not have. */
	write_file(fx.dir, "token", TOKEN "\n", 0600);
	assert_int_equal(netaddr_parse("192.0.2.55",
	    &fx.d.cfg->controller.api_listen.addr), 0);
	assert_int_equal(ctl_api_start(&fx.d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "api_listen"));
	assert_null(fx.d.api);
	fx.d.api = running;
	fx_free(&fx);
}

static void
test_update(void **state)
{
	struct fx fx;
	char err[256];

	(void)state;
	fx_init(&fx, 0, 0);
	err[0] = '\0';
	assert_int_equal(ctl_api_update(&fx.d, err, sizeof(err)), 0);
	fx_free(&fx);

	fx_init(&fx, 0, 1);
	/* A rotated token takes effect on the running server. */
	write_file(fx.dir, "token", "fedcba9876543210-new-token\n", 0600);
	assert_int_equal(ctl_api_update(&fx.d, err, sizeof(err)), 0);
	{
		struct reply r;

		assert_int_equal(ask(&fx, &r, EVHTTP_REQ_GET,
		    "/api/v1/status", NULL), 401);
		reply_free(&r);
		fx.token = "fedcba9876543210-new-token";
		(void)get_ok(&fx, &r, "/api/v1/status");
		reply_free(&r);
	}
	/* A broken token file is reported and the current token stays. */
	write_file(fx.dir, "token", "short\n", 0600);
	assert_int_equal(ctl_api_update(&fx.d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "api_token_file"));
	{
		struct reply r;

		(void)get_ok(&fx, &r, "/api/v1/status");
		reply_free(&r);
	}
	fx_free(&fx);
}

/* ---- views ------------------------------------------------------------ */

static void
dummy_datagram(void *ctx, const struct netaddr *from, uint16_t from_port,
    const uint8_t *buf, size_t len, int64_t now_ms)
{
	(void)ctx;
	(void)from;
	(void)from_port;
	(void)buf;
	(void)len;
	(void)now_ms;
}

static void
test_status(void **state)
{
	struct fx fx;
	struct reply r;
	struct ctl_listen la;
	char err[256];
	json_t *j, *l;

	(void)state;
	fx_init(&fx, 0, 0);
	memset(&la, 0, sizeof(la));
	assert_int_equal(netaddr_parse("127.0.0.1", &la.addr), 0);
	fx.d.listeners[0] = ctl_listener_new(fx.base, &la, 0, dummy_datagram,
	    NULL, err, sizeof(err));
	assert_non_null(fx.d.listeners[0]);
	fx.d.n_listeners = 1;
	fx.d.counters.datagrams = 42;
	fx.d.counters.refused = 3;
	fx.d.sflow.flow_samples = 12345678901234ULL;
	fx.d.sflow.invalid = 7;
	fx.d.counters.verdicts[CTL_VERDICT_MATCH] = 5;
	emit(&fx, "test");

	j = get_ok(&fx, &r, "/api/v1/status");
	assert_string_equal(jstr(j, "version"), FINDERSCOPE_VERSION);
	assert_true(jint(j, "uptime_s") >= 4);
	assert_non_null(strstr(jstr(j, "started"), "Z"));
	assert_string_equal(jstr(j, "config.path"), "test.yaml");
	assert_string_equal(jstr(j, "mode"), "auto");
	assert_int_equal(jint(j, "totals.datagrams"), 42);
	assert_int_equal(jint(j, "totals.refused"), 3);
	/* Exactly, beyond 2^32. */
	assert_true(jint(j, "totals.flow_samples") == 12345678901234ULL);
	assert_int_equal(jint(j, "totals.decode_errors.invalid"), 7);
	assert_int_equal(jint(j, "totals.matches"), 5);
	assert_int_equal(jint(j, "captures.active"), 0);
	assert_int_equal(jint(j, "events.last_seq"), 1);
	assert_int_equal(jint(j, "lists"), 2);
	assert_true(jint(j, "table_prefixes") >= 4);
	l = json_array_get(jget(j, "listeners"), 0);
	assert_non_null(l);
	assert_string_equal(jstr(l, "address"), "127.0.0.1");
	assert_int_equal(jint(l, "port"),
	    ctl_listener_port(fx.d.listeners[0]));
	assert_int_equal(jint(l, "datagrams"), 0);
	reply_free(&r);

	/* Before the first table. */
	bl_table_free(fx.d.table);
	fx.d.table = NULL;
	j = get_ok(&fx, &r, "/api/v1/status");
	assert_int_equal(jint(j, "table_prefixes"), 0);
	reply_free(&r);
	fx_free(&fx);
}

static void
test_agents(void **state)
{
	struct fx fx;
	struct reply r;
	struct netaddr agent, source, orphan;
	struct sflow_flow_sample fs;
	struct sflow_counter_sample cs;
	struct sflow_datagram dg;
	int64_t now = ctl_now_ms();
	json_t *j, *a, *ifs, *subs;

	(void)state;
	fx_init(&fx, 0, 0);
	assert_int_equal(netaddr_parse(AGENT, &agent), 0);
	assert_int_equal(netaddr_parse("192.0.2.200", &source), 0);
	assert_int_equal(netaddr_parse("192.0.2.99", &orphan), 0);
	ctl_agents_datagram(fx.d.agents, &agent, &source, 1400, SFLOW_OK, now);
	ctl_agents_datagram(fx.d.agents, &agent, &source, 100,
	    SFLOW_TRUNCATED, now);
	memset(&fs, 0, sizeof(fs));
	fs.sampling_rate = 4096;
	ctl_agents_flow(fx.d.agents, &agent, &fs);
	memset(&cs, 0, sizeof(cs));
	cs.present = SFLOW_HAS_IF_COUNTERS;
	cs.ifc.if_index = 3;
	cs.ifc.if_speed = 10000000000ULL;
	cs.ifc.if_status = 3;
	cs.ifc.in_octets = 123456789012ULL;
	cs.ifc.out_errors = 9;
	ctl_agents_counter(fx.d.agents, &agent, &cs, now);

	memset(&dg, 0, sizeof(dg));
	dg.version = 5;
	dg.agent = agent;
	dg.sub_agent = 1;
	dg.seq = 1;
	dg.uptime_ms = 1000;
	assert_int_equal(sflow_agents_datagram(fx.d.seq_agents, &dg), 0);
	dg.seq = 3;		/* 2 is lost */
	dg.uptime_ms = 2000;
	assert_int_equal(sflow_agents_datagram(fx.d.seq_agents, &dg), 0);
	dg.sub_agent = 0;
	dg.seq = 1;
	assert_int_equal(sflow_agents_datagram(fx.d.seq_agents, &dg), 0);
	dg.agent = orphan;	/* only in the sequence table */
	assert_int_equal(sflow_agents_datagram(fx.d.seq_agents, &dg), 0);

	j = get_ok(&fx, &r, "/api/v1/agents");
	assert_int_equal(json_array_size(jget(j, "agents")), 2);
	a = json_array_get(jget(j, "agents"), 0);
	assert_string_equal(jstr(a, "address"), AGENT);
	assert_string_equal(jstr(a, "switch"), "leaf1");
	assert_string_equal(jstr(a, "source"), "192.0.2.200");
	assert_int_equal(jint(a, "datagrams"), 2);
	assert_int_equal(jint(a, "bytes"), 1500);
	assert_int_equal(jint(a, "errors.truncated"), 1);
	assert_int_equal(jint(a, "errors.invalid"), 0);
	assert_int_equal(json_array_size(jget(a, "sampling_rates")), 1);
	assert_int_equal(json_integer_value(json_array_get(
	    jget(a, "sampling_rates"), 0)), 4096);
	ifs = jget(a, "interfaces");
	assert_int_equal(json_array_size(ifs), 1);
	assert_int_equal(jint(json_array_get(ifs, 0), "if_index"), 3);
	assert_true(jint(json_array_get(ifs, 0), "speed") == 10000000000ULL);
	assert_true(json_is_true(jget(json_array_get(ifs, 0), "admin_up")));
	assert_true(json_is_true(jget(json_array_get(ifs, 0), "oper_up")));
	assert_true(jint(json_array_get(ifs, 0), "in_octets") ==
	    123456789012ULL);
	assert_int_equal(jint(json_array_get(ifs, 0), "out_errors"), 9);
	subs = jget(a, "sub_agents");
	assert_int_equal(json_array_size(subs), 2);
	assert_int_equal(jint(json_array_get(subs, 0), "sub_agent"), 0);
	assert_int_equal(jint(json_array_get(subs, 1), "sub_agent"), 1);
	assert_int_equal(jint(json_array_get(subs, 1), "datagrams"), 2);
	assert_int_equal(jint(json_array_get(subs, 1), "lost"), 1);
	a = json_array_get(jget(j, "agents"), 1);
	assert_string_equal(jstr(a, "address"), "192.0.2.99");
	assert_true(json_is_null(jget(a, "switch")));
	assert_true(json_is_true(jget(a, "untracked")));
	assert_int_equal(json_array_size(jget(a, "sub_agents")), 1);
	reply_free(&r);
	fx_free(&fx);
}

static void
add_flow(struct fx *fx, const char *src, const char *dst, uint16_t dport,
    uint64_t frames, uint64_t bytes, int64_t now)
{
	struct ctl_flow_key k;

	memset(&k, 0, sizeof(k));
	assert_int_equal(netaddr_parse(AGENT, &k.agent), 0);
	assert_int_equal(netaddr_parse(src, &k.src), 0);
	assert_int_equal(netaddr_parse(dst, &k.dst), 0);
	k.in_if = 3;
	k.out_if = 7;
	k.proto = 6;
	k.sport = 40000;
	k.dport = dport;
	ctl_flows_add(fx->d.flows, &k, frames, bytes, now);
}

static void
test_flows(void **state)
{
	struct fx fx;
	struct reply r;
	int64_t now = ctl_now_ms();
	json_t *j, *f;

	(void)state;
	fx_init(&fx, 0, 0);
	add_flow(&fx, "10.1.1.1", "203.0.113.9", 443, 10, 15000, now);
	add_flow(&fx, "10.1.1.2", "198.51.100.3", 80, 100, 6400, now);

	j = get_ok(&fx, &r, "/api/v1/flows");
	assert_string_equal(jstr(j, "by"), "bytes");
	assert_int_equal(json_array_size(jget(j, "flows")), 2);
	f = json_array_get(jget(j, "flows"), 0);
	assert_string_equal(jstr(f, "src"), "10.1.1.1");
	assert_string_equal(jstr(f, "dst"), "203.0.113.9");
	assert_string_equal(jstr(f, "agent"), AGENT);
	assert_int_equal(jint(f, "dst_port"), 443);
	assert_int_equal(jint(f, "src_port"), 40000);
	assert_int_equal(jint(f, "proto"), 6);
	assert_int_equal(jint(f, "in_if"), 3);
	assert_int_equal(jint(f, "out_if"), 7);
	assert_int_equal(jint(f, "bytes"), 15000);
	assert_int_equal(jint(f, "bytes_minute"), 15000);
	assert_int_equal(jint(f, "samples"), 1);
	assert_non_null(strstr(jstr(f, "last_seen"), "T"));
	reply_free(&r);

	j = get_ok(&fx, &r, "/api/v1/flows?by=frames&limit=1");
	assert_string_equal(jstr(j, "by"), "frames");
	assert_int_equal(json_array_size(jget(j, "flows")), 1);
	assert_string_equal(jstr(json_array_get(jget(j, "flows"), 0), "src"),
	    "10.1.1.2");
	reply_free(&r);

	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/flows?limit=0", NULL, 400,
	    "limit: expected a whole number from 1 to 1000");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/flows?limit=1001", NULL,
	    400, "limit");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/flows?limit=ten", NULL,
	    400, "limit");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/flows?by=packets", NULL,
	    400, "by: expected bytes or frames");
	fx_free(&fx);
}

static void
test_blacklists(void **state)
{
	struct fx fx;
	struct reply r;
	json_t *j, *l, *g;

	(void)state;
	fx_init(&fx, 0, 0);
	fx.d.lists[0].fetches = 2;
	fx.d.lists[0].matches = 11;
	fx.d.lists[0].updated_ms = 1700000000123LL;
	fx.d.lists[1].failures = 1;
	snprintf(fx.d.lists[1].last_error, sizeof(fx.d.lists[1].last_error),
	    "HTTP 404 \"x\"");

	j = get_ok(&fx, &r, "/api/v1/blacklists");
	assert_int_equal(json_array_size(jget(j, "lists")), 2);
	l = json_array_get(jget(j, "lists"), 0);
	assert_string_equal(jstr(l, "name"), "bad");
	assert_string_equal(jstr(l, "format"), "plain");
	assert_string_equal(jstr(l, "source"), "file");
	assert_non_null(strstr(jstr(l, "file"), "/bad.txt"));
	assert_true(json_is_true(jget(l, "loaded")));
	assert_int_equal(jint(l, "entries"), 3);
	assert_int_equal(jint(l, "rejected"), 1);
	assert_int_equal(jint(l, "fetches"), 2);
	assert_int_equal(jint(l, "matches"), 11);
	assert_string_equal(jstr(l, "last_refresh"),
	    "2023-11-14T22:13:20.123Z");
	assert_true(json_is_null(jget(l, "last_error")));
	assert_true(json_is_null(jget(l, "next_refresh")));
	l = json_array_get(jget(j, "lists"), 1);
	assert_string_equal(jstr(l, "last_error"), "HTTP 404 \"x\"");
	assert_true(json_is_null(jget(l, "last_refresh")));
	assert_int_equal(jint(l, "failures"), 1);
	g = jget(j, "groups");
	assert_int_equal(json_array_size(g), 2);
	assert_int_equal(jint(j, "local_networks"), 2);
	assert_true(json_is_true(jget(j, "table.built")));
	assert_true(jint(j, "table.prefixes") >= 4);
	reply_free(&r);

	/* A list the daemon has no state for (a reload just added it). */
	snprintf(fx.d.lists[1].name, sizeof(fx.d.lists[1].name), "other");
	j = get_ok(&fx, &r, "/api/v1/blacklists");
	l = json_array_get(jget(j, "lists"), 1);
	assert_string_equal(jstr(l, "name"), "good");
	assert_true(json_is_false(jget(l, "loaded")));
	assert_null(json_object_get(l, "entries"));
	reply_free(&r);
	fx_free(&fx);
}

static json_t *
group_named(json_t *groups, const char *name)
{
	size_t i;
	json_t *g;

	json_array_foreach(groups, i, g)
		if (strcmp(json_string_value(json_object_get(g, "name")),
		    name) == 0)
			return g;
	fail_msg("no group %s", name);
	return NULL;
}

static void
test_blacklists_groups(void **state)
{
	struct fx fx;
	struct reply r;
	json_t *j, *g;

	(void)state;
	fx_init(&fx, 0, 0);
	j = get_ok(&fx, &r, "/api/v1/blacklists");
	g = group_named(jget(j, "groups"), "watch");
	assert_string_equal(jstr(g, "kind"), "watch");
	assert_int_equal(json_array_size(jget(g, "lists")), 1);
	assert_string_equal(json_string_value(json_array_get(jget(g, "lists"),
	    0)), "bad");
	g = group_named(jget(j, "groups"), "allow");
	assert_string_equal(jstr(g, "kind"), "allow");
	reply_free(&r);
	fx_free(&fx);
}

static void
test_lookup(void **state)
{
	struct fx fx;
	struct reply r;
	json_t *j, *m;

	(void)state;
	fx_init(&fx, 0, 0);
	j = get_ok(&fx, &r, "/api/v1/lookup?addr=203.0.113.77");
	assert_string_equal(jstr(j, "addr"), "203.0.113.77");
	assert_int_equal(json_array_size(jget(j, "matches")), 1);
	m = json_array_get(jget(j, "matches"), 0);
	assert_string_equal(jstr(m, "group"), "watch");
	assert_string_equal(jstr(m, "kind"), "watch");
	assert_string_equal(jstr(m, "list"), "bad");
	assert_string_equal(jstr(m, "prefix"), "203.0.113.0/24");
	assert_string_equal(jstr(m, "label"), "");
	assert_int_equal(jint(m, "line"), 1);
	assert_true(json_is_false(jget(j, "local")));
	assert_true(json_is_true(jget(j, "watched")));
	assert_true(json_is_false(jget(j, "allowed")));
	reply_free(&r);

	/* On a watch list and an allow list. */
	j = get_ok(&fx, &r, "/api/v1/lookup?addr=198.51.100.7");
	assert_int_equal(json_array_size(jget(j, "matches")), 2);
	assert_true(json_is_true(jget(j, "allowed")));
	assert_true(json_is_true(jget(j, "watched")));
	reply_free(&r);

	/* Local, IPv6, canonical form. */
	j = get_ok(&fx, &r, "/api/v1/lookup?addr=FD00:0:0::1");
	assert_string_equal(jstr(j, "addr"), "fd00::1");
	assert_true(json_is_true(jget(j, "local")));
	m = json_array_get(jget(j, "matches"), 0);
	assert_string_equal(jstr(m, "kind"), "local");
	assert_string_equal(jstr(m, "prefix"), "fd00::/8");
	reply_free(&r);

	j = get_ok(&fx, &r, "/api/v1/lookup?addr=192.0.2.1");
	assert_int_equal(json_array_size(jget(j, "matches")), 0);
	reply_free(&r);

	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/lookup", NULL, 400,
	    "addr: expected an IPv4 or IPv6 address");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/lookup?addr=example.com",
	    NULL, 400, "addr");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/lookup?addr=10.0.0.0/8",
	    NULL, 400, "addr");
	bl_table_free(fx.d.table);
	fx.d.table = NULL;
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/lookup?addr=10.0.0.1",
	    NULL, 503, "no lookup table yet");
	fx_free(&fx);
}

/* ---- captures --------------------------------------------------------- */

#define CAPTURES	"/api/v1/captures"

/* POST a capture of local and remote, expecting 201; its id into id. */
static void
post_capture(struct fx *fx, const char *body, const char *state,
    char *id, size_t idlen)
{
	struct reply r;

	if (ask(fx, &r, EVHTTP_REQ_POST, CAPTURES, body) != 201)
		fail_msg("POST %s: status %d: %s", body, r.status,
		    r.body != NULL ? r.body : "");
	assert_string_equal(jstr(r.json, "state"), state);
	assert_true(json_is_true(jget(r.json, "manual")));
	snprintf(id, idlen, "%s", jstr(r.json, "id"));
	reply_free(&r);
}

static void
test_capture_start_auto(void **state)
{
	struct fx fx;
	struct reply r;
	char id[32], path[128];
	json_t *j;

	(void)state;
	fx_init(&fx, 0, 0);
	/* Auto mode: it starts at once; the duration is capped at 1h. */
	if (ask(&fx, &r, EVHTTP_REQ_POST, CAPTURES, "{\"local\":\"10.1.1.1\","
	    "\"remote\":\"203.0.113.9\",\"duration\":\"2h\",\"agent\":\""
	    AGENT "\"}") != 201)
		fail_msg("status %d: %s", r.status, r.body);
	assert_string_equal(jstr(r.json, "state"), "active");
	assert_string_equal(jstr(r.json, "local"), "10.1.1.1");
	assert_string_equal(jstr(r.json, "remote"), "203.0.113.9");
	assert_string_equal(jstr(r.json, "agent"), AGENT);
	assert_string_equal(jstr(r.json, "switch"), "leaf1");
	assert_int_equal(jint(r.json, "duration_s"), 3600);
	snprintf(id, sizeof(id), "%s", jstr(r.json, "id"));
	reply_free(&r);
	{
		struct ctl_capture *c = ctl_captures_live(fx.d.captures, id);

		assert_non_null(c);
		assert_true(c->duration_ms == 3600 * 1000);
		assert_true(c->expires_ms == c->started_ms + 3600 * 1000);
	}

	/* The same pair, either way round, is refused while it runs. */
	expect_error(&fx, EVHTTP_REQ_POST, CAPTURES, "{\"local\":\"10.1.1.1\","
	    "\"remote\":\"203.0.113.9\"}", 409, id);
	expect_error(&fx, EVHTTP_REQ_POST, CAPTURES, "{\"local\":"
	    "\"203.0.113.9\",\"remote\":\"10.1.1.1\"}", 409, "already active");

	/* Without a duration: the configured one. */
	post_capture(&fx, "{\"local\":\"fd00::5\",\"remote\":\"2001:db8::9\"}",
	    "active", path, sizeof(path));
	j = get_ok(&fx, &r, CAPTURES);
	assert_int_equal(json_array_size(jget(j, "captures")), 2);
	assert_string_equal(jstr(json_array_get(jget(j, "captures"), 0), "id"),
	    id);
	assert_int_equal(jint(json_array_get(jget(j, "captures"), 1),
	    "duration_s"), 300);
	reply_free(&r);

	snprintf(path, sizeof(path), CAPTURES "/%s", id);
	j = get_ok(&fx, &r, path);
	assert_string_equal(jstr(j, "id"), id);
	assert_string_equal(jstr(j, "state"), "active");
	reply_free(&r);
	expect_error(&fx, EVHTTP_REQ_GET, CAPTURES "/c999", NULL, 404,
	    "no such capture");
	fx_free(&fx);
}

static void
test_capture_bad_bodies(void **state)
{
	static const struct {
		const char	*body;
		const char	*want;
	} cases[] = {
		{ "", "body: expected a JSON object" },
		{ "not json", "body: expected a JSON object" },
		{ "[1,2]", "body: expected a JSON object" },
		{ "\"10.0.0.1\"", "body: expected a JSON object" },
		{ "{}", "local and remote: both are required" },
		{ "{\"local\":\"10.1.1.1\"}", "both are required" },
		{ "{\"remote\":\"10.1.1.1\"}", "both are required" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.2\","
		  "\"colour\":\"red\"}", "unknown member \"colour\"" },
		{ "{\"local\":\"10.1.1.1\",\"local\":\"10.1.1.3\","
		  "\"remote\":\"10.1.1.2\"}", "duplicate" },
		{ "{\"local\":167837953,\"remote\":\"10.1.1.2\"}",
		  "local: expected an IPv4 or IPv6 address as a string" },
		{ "{\"local\":\"host.example\",\"remote\":\"10.1.1.2\"}",
		  "local: expected an IPv4 or IPv6 address" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.0/24\"}",
		  "remote: expected an IPv4 or IPv6 address" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":null}",
		  "remote: expected" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"2001:db8::1\"}",
		  "same family" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.1\"}",
		  "two different addresses" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.2\","
		  "\"duration\":300}", "duration: expected a duration" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.2\","
		  "\"duration\":\"300\"}", "duration: expected a duration" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.2\","
		  "\"duration\":\"0s\"}", "at least 1s" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.2\","
		  "\"agent\":\"192.0.2.77\"}", "agent: expected the sFlow "
		  "agent of a configured switch" },
		{ "{\"local\":\"10.1.1.1\",\"remote\":\"10.1.1.2\","
		  "\"agent\":true}", "agent: expected" },
	};
	struct fx fx;
	struct ctl_captures_stats cs;
	size_t i;

	(void)state;
	fx_init(&fx, 0, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(&fx, EVHTTP_REQ_POST, CAPTURES, cases[i].body,
		    400, cases[i].want);
	ctl_captures_stats(fx.d.captures, &cs);
	assert_int_equal(cs.created, 0);
	fx_free(&fx);
}

static void
test_capture_slots_full(void **state)
{
	struct fx fx;
	char id[32], body[128];
	int i;

	(void)state;
	fx_init(&fx, 0, 0);
	/* A start by hand takes from max_active (2) like any other. */
	for (i = 0; i < 2; i++) {
		snprintf(body, sizeof(body), "{\"local\":\"10.1.1.%d\","
		    "\"remote\":\"203.0.113.9\"}", i + 1);
		post_capture(&fx, body, "active", id, sizeof(id));
	}
	expect_error(&fx, EVHTTP_REQ_POST, CAPTURES, "{\"local\":\"10.1.1.9\","
	    "\"remote\":\"203.0.113.9\"}", 503, "refused: global_budget");
	assert_int_equal(fx.d.counters.captures_refused, 1);
	fx_free(&fx);

	/* Manual mode: pending captures fill the three slots. */
	fx_init(&fx, 1, 0);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"local\":\"10.1.1.%d\","
		    "\"remote\":\"203.0.113.9\"}", i + 1);
		post_capture(&fx, body, "pending", id, sizeof(id));
	}
	expect_error(&fx, EVHTTP_REQ_POST, CAPTURES, "{\"local\":\"10.1.1.9\","
	    "\"remote\":\"203.0.113.9\"}", 503, "no free capture slot");
	assert_int_equal(fx.d.counters.captures_refused, 1);
	fx_free(&fx);
}

static void
test_capture_stop(void **state)
{
	struct fx fx;
	struct reply r;
	char id[32], path[128];

	(void)state;
	fx_init(&fx, 0, 0);
	post_capture(&fx, "{\"local\":\"10.1.1.1\",\"remote\":"
	    "\"203.0.113.9\"}", "active", id, sizeof(id));
	snprintf(path, sizeof(path), CAPTURES "/%s", id);
	assert_int_equal(ask(&fx, &r, EVHTTP_REQ_DELETE, path, NULL), 200);
	assert_string_equal(jstr(r.json, "id"), id);
	assert_string_equal(jstr(r.json, "state"), "done");
	assert_string_equal(jstr(r.json, "why"), "stopped through the API");
	assert_non_null(strstr(jstr(r.json, "ended"), "Z"));
	reply_free(&r);
	assert_null(ctl_captures_live(fx.d.captures, id));
	/* Still shown, no longer stoppable. */
	(void)get_ok(&fx, &r, path);
	assert_string_equal(jstr(r.json, "state"), "done");
	reply_free(&r);
	expect_error(&fx, EVHTTP_REQ_DELETE, path, NULL, 409,
	    "has already ended (done)");
	expect_error(&fx, EVHTTP_REQ_DELETE, CAPTURES "/c999", NULL, 404,
	    "no such capture");
	/* A start by hand is the operator's call: no wait for the pair's
	 * cooldown, which holds back automatic captures only. */
	post_capture(&fx, "{\"local\":\"10.1.1.1\",\"remote\":"
	    "\"203.0.113.9\"}", "active", id, sizeof(id));
	/* A capture being removed cannot be stopped twice. */
	{
		struct ctl_capture *c = ctl_captures_live(fx.d.captures, id);

		assert_non_null(c);
		ctl_captures_set_state(fx.d.captures, c, CTL_CAP_REMOVING,
		    ctl_now_ms(), NULL);
	}
	snprintf(path, sizeof(path), CAPTURES "/%s", id);
	expect_error(&fx, EVHTTP_REQ_DELETE, path, NULL, 409,
	    "already being removed");
	fx_free(&fx);
}

static void
test_capture_approve(void **state)
{
	struct fx fx;
	struct reply r;
	char id1[32], id2[32], path[128];

	(void)state;
	fx_init(&fx, 1, 0);
	/* Manual mode: it waits; the duration waits with it. */
	post_capture(&fx, "{\"local\":\"10.1.1.1\",\"remote\":\"203.0.113.9\","
	    "\"duration\":\"10m\"}", "pending", id1, sizeof(id1));
	post_capture(&fx, "{\"local\":\"10.1.1.2\",\"remote\":"
	    "\"203.0.113.9\"}", "pending", id2, sizeof(id2));
	expect_error(&fx, EVHTTP_REQ_POST, CAPTURES, "{\"local\":\"10.1.1.1\","
	    "\"remote\":\"203.0.113.9\"}", 409, "already pending");

	snprintf(path, sizeof(path), CAPTURES "/%s/approve", id1);
	if (ask(&fx, &r, EVHTTP_REQ_POST, path, NULL) != 200)
		fail_msg("approve: %d %s", r.status, r.body);
	assert_string_equal(jstr(r.json, "state"), "active");
	assert_int_equal(jint(r.json, "duration_s"), 600);
	reply_free(&r);
	expect_error(&fx, EVHTTP_REQ_POST, path, NULL, 409,
	    "is active, not pending");

	/* max_active is 1: the second waits. */
	snprintf(path, sizeof(path), CAPTURES "/%s/approve", id2);
	expect_error(&fx, EVHTTP_REQ_POST, path, NULL, 409,
	    "refused: global_budget");
	assert_non_null(ctl_captures_live(fx.d.captures, id2));

	/* A pending capture may be dropped, and then not approved. */
	snprintf(path, sizeof(path), CAPTURES "/%s", id2);
	assert_int_equal(ask(&fx, &r, EVHTTP_REQ_DELETE, path, NULL), 200);
	assert_string_equal(jstr(r.json, "state"), "done");
	reply_free(&r);
	snprintf(path, sizeof(path), CAPTURES "/%s/approve", id2);
	expect_error(&fx, EVHTTP_REQ_POST, path, NULL, 409, "already ended");
	expect_error(&fx, EVHTTP_REQ_POST, CAPTURES "/c999/approve", NULL, 404,
	    "no such capture");
	expect_error(&fx, EVHTTP_REQ_GET, path, NULL, 405, "method");
	fx_free(&fx);
}

/* ---- events: long poll ------------------------------------------------ */

static void
test_events_now(void **state)
{
	struct fx fx;
	struct reply r;
	json_t *j, *e;

	(void)state;
	fx_init(&fx, 0, 0);
	j = get_ok(&fx, &r, "/api/v1/events");
	assert_int_equal(json_array_size(jget(j, "events")), 0);
	assert_int_equal(jint(j, "last_seq"), 0);
	reply_free(&r);

	emit(&fx, "one");
	emit(&fx, "two");
	emit(&fx, "three");
	j = get_ok(&fx, &r, "/api/v1/events");
	assert_int_equal(json_array_size(jget(j, "events")), 3);
	e = json_array_get(jget(j, "events"), 0);
	/* The stored object, spliced in as it is. */
	assert_int_equal(jint(e, "seq"), 1);
	assert_string_equal(jstr(e, "type"), "one");
	assert_string_equal(jstr(e, "note"), "from the test");
	assert_int_equal(jint(j, "last_seq"), 3);
	assert_int_equal(jint(j, "first_seq"), 1);
	assert_int_equal(jint(j, "missed"), 0);
	assert_true(json_is_false(jget(j, "more")));
	reply_free(&r);

	j = get_ok(&fx, &r, "/api/v1/events?after=1&limit=1&wait=10");
	assert_int_equal(json_array_size(jget(j, "events")), 1);
	assert_string_equal(jstr(json_array_get(jget(j, "events"), 0),
	    "type"), "two");
	assert_int_equal(jint(j, "last_seq"), 2);
	assert_true(json_is_true(jget(j, "more")));
	reply_free(&r);

	/* A client ahead of us (from a previous run) hears at once. */
	j = get_ok(&fx, &r, "/api/v1/events?after=100&wait=30");
	assert_int_equal(json_array_size(jget(j, "events")), 0);
	assert_int_equal(jint(j, "last_seq"), 3);
	reply_free(&r);

	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events?wait=61", NULL, 400,
	    "wait: expected a whole number from 0 to 60");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events?limit=0", NULL, 400,
	    "limit: expected a whole number from 1 to 10000");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events?limit=10001", NULL,
	    400, "limit");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events?after=-1", NULL,
	    400, "after");
	expect_error(&fx, EVHTTP_REQ_GET,
	    "/api/v1/events?after=99999999999999999999", NULL, 400, "after");
	fx_free(&fx);
}

static void
test_events_missed(void **state)
{
	struct ctl_events_limits lim = { 2, 0 };
	struct fx fx;
	struct reply r;
	json_t *j;

	(void)state;
	fx_init(&fx, 0, 0);
	ctl_events_free(fx.d.events);
	assert_non_null(fx.d.events = ctl_events_new(&lim));
	emit(&fx, "one");
	emit(&fx, "two");
	emit(&fx, "three");
	emit(&fx, "four");
	j = get_ok(&fx, &r, "/api/v1/events?after=1");
	assert_int_equal(json_array_size(jget(j, "events")), 2);
	assert_int_equal(jint(j, "first_seq"), 3);
	assert_int_equal(jint(j, "missed"), 1);
	assert_int_equal(jint(j, "last_seq"), 4);
	reply_free(&r);
	fx_free(&fx);
}

static void
emit_later_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	emit(arg, "later");
}

static void
test_events_long_poll(void **state)
{
	struct fx fx;
	struct reply r;
	struct event *t;
	struct timeval tv = { 0, 50000 };
	json_error_t jerr;
	json_t *j;

	(void)state;
	fx_init(&fx, 0, 0);
	emit(&fx, "one");
	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events?after=1&wait=30", NULL);
	assert_true(run_until(&fx, one_subscriber, NULL, WAIT_MS));
	assert_false(r.done);
	assert_non_null(t = evtimer_new(fx.base, emit_later_cb, &fx));
	evtimer_add(t, &tv);
	assert_true(run_until(&fx, reply_done, &r, WAIT_MS));
	event_free(t);
	assert_int_equal(r.status, 200);
	assert_non_null(j = json_loads(r.body, 0, &jerr));
	assert_int_equal(json_array_size(jget(j, "events")), 1);
	assert_string_equal(jstr(json_array_get(jget(j, "events"), 0),
	    "type"), "later");
	assert_int_equal(jint(j, "last_seq"), 2);
	json_decref(j);
	assert_int_equal(subscribers(&fx), 0);
	reply_free(&r);
	fx_free(&fx);
}

static void
test_events_long_poll_timeout(void **state)
{
	struct fx fx;
	struct reply r;
	int64_t t0 = ctl_now_ms();

	(void)state;
	fx_init(&fx, 0, 0);
	emit(&fx, "one");
	assert_int_equal(ask(&fx, &r, EVHTTP_REQ_GET,
	    "/api/v1/events?after=1&wait=1", NULL), 200);
	assert_true(ctl_now_ms() - t0 >= 900);
	assert_int_equal(json_array_size(jget(r.json, "events")), 0);
	assert_int_equal(jint(r.json, "last_seq"), 1);
	assert_int_equal(subscribers(&fx), 0);
	reply_free(&r);
	/* Nothing left behind: a later event reaches nobody. */
	emit(&fx, "two");
	fx_free(&fx);
}

static void
test_events_client_leaves(void **state)
{
	struct fx fx;
	struct reply r;

	(void)state;
	fx_init(&fx, 0, 0);
	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events?wait=30", NULL);
	assert_true(run_until(&fx, one_subscriber, NULL, WAIT_MS));
	evhttp_connection_free(r.con);
	r.con = NULL;
	assert_true(run_until(&fx, no_subscribers, NULL, WAIT_MS));
	emit(&fx, "after");	/* must not reach the freed waiter */
	loop_briefly(&fx, 50);
	reply_free(&r);
	fx_free(&fx);
}

static void
test_events_stop_while_held(void **state)
{
	struct fx fx;
	struct reply r;

	(void)state;
	fx_init(&fx, 0, 0);
	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events?wait=30", NULL);
	assert_true(run_until(&fx, one_subscriber, NULL, WAIT_MS));
	ctl_api_stop(&fx.d);
	assert_null(fx.d.api);
	assert_int_equal(subscribers(&fx), 0);
	emit(&fx, "after");
	/* The client sees the connection go. */
	assert_true(run_until(&fx, reply_done, &r, WAIT_MS));
	assert_int_equal(r.status, 0);
	reply_free(&r);
	fx_free(&fx);
}

static void
nop_event(void *ctx, uint64_t seq, const char *json, size_t len)
{
	(void)ctx;
	(void)seq;
	(void)json;
	(void)len;
}

static void
test_events_subscriber_cap(void **state)
{
	struct ctl_event_sub *subs[CTL_EVENTS_HTTP_MAX_SUBSCRIBERS];
	struct fx fx;
	struct reply r;
	size_t i;

	(void)state;
	fx_init(&fx, 0, 0);
	for (i = 0; i < CTL_EVENTS_HTTP_MAX_SUBSCRIBERS; i++)
		assert_non_null(subs[i] = ctl_events_subscribe(fx.d.events,
		    nop_event, NULL));
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events?wait=5", NULL, 503,
	    "too many clients");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events/stream", NULL, 503,
	    "too many clients");
	/* Without waiting, no subscription is needed. */
	(void)get_ok(&fx, &r, "/api/v1/events");
	reply_free(&r);
	for (i = 0; i < CTL_EVENTS_HTTP_MAX_SUBSCRIBERS; i++)
		ctl_events_unsubscribe(fx.d.events, subs[i]);
	fx_free(&fx);
}

/* ---- events: Server-Sent Events --------------------------------------- */

static void
wait_body(struct fx *fx, struct reply *r, const char *want)
{
	const void *arg[2] = { r, want };

	if (!run_until(fx, body_has, arg, WAIT_MS))
		fail_msg("stream lacks \"%s\": %s", want,
		    r->body != NULL ? r->body : "(nothing)");
}

static void
test_sse(void **state)
{
	struct fx fx;
	struct reply r;

	(void)state;
	fx_init(&fx, 0, 0);
	emit(&fx, "one");
	emit(&fx, "two");
	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events/stream", NULL);
	wait_body(&fx, &r, "id: 1\ndata: {\"seq\":1,");
	wait_body(&fx, &r, "\"type\":\"two\",\"note\":\"from the test\"}\n\n");
	assert_int_equal(subscribers(&fx), 1);
	emit(&fx, "three");
	wait_body(&fx, &r, "id: 3\ndata: {\"seq\":3,");
	assert_false(r.done);
	/* One event per "id:" block, in order. */
	assert_true(strstr(r.body, "id: 1\n") < strstr(r.body, "id: 2\n"));
	assert_true(strstr(r.body, "id: 2\n") < strstr(r.body, "id: 3\n"));
	evhttp_connection_free(r.con);
	r.con = NULL;
	assert_true(run_until(&fx, no_subscribers, NULL, WAIT_MS));
	emit(&fx, "four");
	loop_briefly(&fx, 50);
	reply_free(&r);
	fx_free(&fx);
}

static void
test_sse_replay_bounds(void **state)
{
	struct fx fx;
	struct reply r;
	int i;

	(void)state;
	fx_init(&fx, 0, 0);
	for (i = 0; i < 5; i++)
		emit(&fx, "burst");
	/* The newest `limit` of those after `after`. */
	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events/stream?after=1&limit=2",
	    NULL);
	wait_body(&fx, &r, "id: 5\n");
	assert_non_null(strstr(r.body, "id: 4\n"));
	assert_null(strstr(r.body, "id: 3\n"));
	assert_null(strstr(r.body, "id: 2\n"));
	reply_free(&r);
	assert_true(run_until(&fx, no_subscribers, NULL, WAIT_MS));

	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events/stream?after=3", NULL);
	wait_body(&fx, &r, "id: 5\n");
	assert_non_null(strstr(r.body, "id: 4\n"));
	assert_null(strstr(r.body, "id: 3\n"));
	reply_free(&r);

	/* An EventSource reconnecting says where it was; that wins. */
	fx.last_event_id = "3";
	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events/stream?after=0", NULL);
	wait_body(&fx, &r, "id: 5\n");
	assert_non_null(strstr(r.body, "id: 4\n"));
	assert_null(strstr(r.body, "id: 3\n"));
	reply_free(&r);
	fx.last_event_id = "3x";
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events/stream", NULL, 400,
	    "Last-Event-ID");
	fx.last_event_id = NULL;

	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events/stream?limit=0",
	    NULL, 400, "limit");
	expect_error(&fx, EVHTTP_REQ_GET, "/api/v1/events/stream?after=x",
	    NULL, 400, "after");
	fx_free(&fx);
}

static void
test_sse_stop(void **state)
{
	struct fx fx;
	struct reply r;

	(void)state;
	fx_init(&fx, 0, 0);
	start(&fx, &r, EVHTTP_REQ_GET, "/api/v1/events/stream", NULL);
	assert_true(run_until(&fx, one_subscriber, NULL, WAIT_MS));
	ctl_api_stop(&fx.d);
	assert_int_equal(subscribers(&fx), 0);
	emit(&fx, "after");
	loop_briefly(&fx, 50);
	reply_free(&r);
	fx_free(&fx);
}

/*
 * A client that never reads: its socket buffers fill, then the server's
 * stream buffer (4 MiB), and the next event cuts it off.
 */
static void
test_sse_slow_client_cut(void **state)
{
	static const char get[] = "GET /api/v1/events/stream HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n\r\n";
	struct sockaddr_in sin;
	struct httpd_stats hs;
	struct fx fx;
	struct json_writer *w;
	char *big;
	int fd, small = 4096, i;

	(void)state;
	fx_init(&fx, 0, 0);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(fx.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, get, sizeof(get) - 1),
	    (ssize_t)sizeof(get) - 1);
	assert_true(run_until(&fx, one_subscriber, NULL, WAIT_MS));

	assert_non_null(big = malloc(64 * 1024));
	memset(big, 'x', 64 * 1024 - 1);
	big[64 * 1024 - 1] = '\0';
	for (i = 0; i < 400 && subscribers(&fx) > 0; i++) {
		w = ctl_event_begin(fx.d.events, "big");
		jw_str(w, "padding", big);
		ctl_event_end(fx.d.events);
		event_base_loop(fx.base, EVLOOP_NONBLOCK);
	}
	free(big);
	assert_int_equal(subscribers(&fx), 0);
	httpd_stats(fx.d.api, &hs);
	assert_int_equal(hs.streams_cut, 1);
	assert_int_equal(hs.streams_open, 0);
	close(fd);
	fx_free(&fx);
}

/* ---- metrics ---------------------------------------------------------- */

static void
expect_line(const char *text, const char *line)
{
	char want[512];
	const char *p;

	snprintf(want, sizeof(want), "\n%s\n", line);
	if ((p = strstr(text, want)) == NULL)
		fail_msg("no line \"%s\" in the metrics", line);
}

static void
test_metrics(void **state)
{
	struct fx fx;
	struct reply r;
	struct netaddr agent;
	struct sflow_datagram dg;
	char id[32];

	(void)state;
	fx_init(&fx, 0, 0);
	fx.d.counters.datagrams = 42;
	fx.d.sflow.truncated = 2;
	fx.d.counters.verdicts[CTL_VERDICT_NOT_LOCAL] = 7;
	fx.d.counters.decisions[CTL_DECIDE_COOLDOWN] = 4;
	fx.d.counters.reloads = 1;
	fx.d.lists[0].matches = 3;
	assert_int_equal(netaddr_parse(AGENT, &agent), 0);
	memset(&dg, 0, sizeof(dg));
	dg.version = 5;
	dg.agent = agent;
	dg.sub_agent = 2;
	dg.seq = 10;
	assert_int_equal(sflow_agents_datagram(fx.d.seq_agents, &dg), 0);
	dg.seq = 13;
	assert_int_equal(sflow_agents_datagram(fx.d.seq_agents, &dg), 0);
	ctl_agents_datagram(fx.d.agents, &agent, &agent, 1000, SFLOW_OK,
	    ctl_now_ms());
	post_capture(&fx, "{\"local\":\"10.1.1.1\",\"remote\":"
	    "\"203.0.113.9\"}", "active", id, sizeof(id));

	assert_int_equal(ask(&fx, &r, EVHTTP_REQ_GET, "/metrics", NULL), 200);
	assert_non_null(strstr(r.ctype, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body,
	    "# TYPE finderscope_build_info gauge\n"));
	expect_line(r.body, "finderscope_build_info{version=\""
	    FINDERSCOPE_VERSION "\"} 1");
	expect_line(r.body, "finderscope_sflow_datagrams_total 42");
	expect_line(r.body, "finderscope_sflow_decode_errors_total"
	    "{kind=\"truncated\"} 2");
	expect_line(r.body, "finderscope_verdicts_total{verdict=\"not_local\"}"
	    " 7");
	expect_line(r.body, "finderscope_decisions_total"
	    "{decision=\"cooldown\"} 4");
	expect_line(r.body, "finderscope_reloads_total 1");
	expect_line(r.body, "finderscope_agent_lost_datagrams_total{agent=\""
	    AGENT "\",sub_agent=\"2\"} 2");
	expect_line(r.body, "finderscope_agent_bytes_total{agent=\"" AGENT
	    "\"} 1000");
	expect_line(r.body, "finderscope_list_entries{list=\"bad\"} 3");
	expect_line(r.body, "finderscope_list_matches_total{list=\"bad\"} 3");
	expect_line(r.body, "finderscope_list_last_refresh_time_seconds"
	    "{list=\"good\"} 0");
	expect_line(r.body, "finderscope_captures{state=\"active\"} 1");
	expect_line(r.body, "finderscope_captures_created_total 1");
	expect_line(r.body, "finderscope_events_emitted_total 2");
	expect_line(r.body, "finderscope_flows_max 64");
	/* This request is not counted yet; the capture's POST is. */
	expect_line(r.body, "finderscope_http_requests_total{class=\"2xx\"} 1");
	/* The table is there: its size is not 0. */
	assert_null(strstr(r.body, "\nfinderscope_table_prefixes 0\n"));
	assert_non_null(strstr(r.body, "\nfinderscope_table_prefixes "));
	reply_free(&r);
	fx_free(&fx);
}

/* Every sample line belongs to the family announced just before it. */
static void
test_metrics_well_formed(void **state)
{
	struct fx fx;
	char *text = NULL, *line, *save = NULL, family[128] = "";
	size_t len = 0, n = 0;
	FILE *out;

	(void)state;
	fx_init(&fx, 0, 0);
	assert_non_null(out = open_memstream(&text, &len));
	ctl_metrics_write(&fx.d, out);
	fclose(out);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%127s", family), 1);
			continue;
		}
		if (strncmp(line, family, strlen(family)) != 0 ||
		    (line[strlen(family)] != ' ' &&
		    line[strlen(family)] != '{'))
			fail_msg("\"%s\" is not of %s", line, family);
		assert_int_equal(strncmp(line, "finderscope_", 12), 0);
		n++;
	}
	assert_true(n > 50);
	free(text);
	fx_free(&fx);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_healthz_and_token),
	cmocka_unit_test(test_start_errors),
	cmocka_unit_test(test_update),
	cmocka_unit_test(test_status),
	cmocka_unit_test(test_agents),
	cmocka_unit_test(test_flows),
	cmocka_unit_test(test_blacklists),
	cmocka_unit_test(test_blacklists_groups),
	cmocka_unit_test(test_lookup),
	cmocka_unit_test(test_capture_start_auto),
	cmocka_unit_test(test_capture_bad_bodies),
	cmocka_unit_test(test_capture_slots_full),
	cmocka_unit_test(test_capture_stop),
	cmocka_unit_test(test_capture_approve),
	cmocka_unit_test(test_events_now),
	cmocka_unit_test(test_events_missed),
	cmocka_unit_test(test_events_long_poll),
	cmocka_unit_test(test_events_long_poll_timeout),
	cmocka_unit_test(test_events_client_leaves),
	cmocka_unit_test(test_events_stop_while_held),
	cmocka_unit_test(test_events_subscriber_cap),
	cmocka_unit_test(test_sse),
	cmocka_unit_test(test_sse_replay_bounds),
	cmocka_unit_test(test_sse_stop),
	cmocka_unit_test(test_sse_slow_client_cut),
	cmocka_unit_test(test_metrics),
	cmocka_unit_test(test_metrics_well_formed),
};

FS_TEST_MAIN(tests)
