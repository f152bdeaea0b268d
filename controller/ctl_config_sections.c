/*
 * ctl_config_sections.c - the key tables of controller:, capture:,
 * switches: and receiver: (with receiver.archive: and receiver.sessions:;
 * receiver.keys: and receiver.regex: are in ctl_config_keywords.c), and
 * their cross-key rules.  The keys, defaults and limits are the ones
 * docs/config.md documents; change both together.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_config.h"
#include "ctl_config_impl.h"
#include "rules.h"

/* The walker stores enums as int. */
_Static_assert(sizeof(enum ctl_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum ctl_backend) == sizeof(int), "enum size");
_Static_assert(sizeof(enum ctl_input) == sizeof(int), "enum size");
_Static_assert(sizeof(enum ctl_unassigned) == sizeof(int), "enum size");
_Static_assert(sizeof(enum ctl_record) == sizeof(int), "enum size");
_Static_assert(sizeof(enum bl_format) == sizeof(int), "enum size");

#define DAY		86400u
#define KIB		((uint64_t)1 << 10)
#define MIB		((uint64_t)1 << 20)
#define GIB		((uint64_t)1 << 30)
#define TIB		((uint64_t)1 << 40)
#define NKEYS(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * An API bound beyond loopback must ask for a token: the rule DESIGN.md
 * states for the controller, applied to the receiver's API as well.
 */
static int
check_api(struct ctl_parse *p, const struct ctl_section *sec,
    const struct ctl_seen *seen, const struct ctl_listen *api,
    const char *token_file, const struct ctl_node *map)
{
	char buf[CTL_VALUE_STRLEN];

	if (token_file != NULL || ctl_addr_is_loopback(&api->addr))
		return 0;
	return ctl_bad_value(p, ctl_seen_node(ctl_seen_key(sec, seen,
	    "api_listen"), map), sec->name, "api_listen", "'%s' is not a "
	    "loopback address, so 'api_token_file' is required",
	    ctl_format_listen(api, buf, sizeof(buf)));
}

/* ---- controller: ------------------------------------------------------- */

#define C(f)	offsetof(struct ctl_controller_config, f)

static const char *const mode_names[] = { "auto", "manual", NULL };

static const struct ctl_key controller_keys[] = {
	{ .name = "sflow_listen", .type = CTL_T_LISTEN_LIST,
	  .offset = C(sflow_listen), .count = C(n_sflow_listen),
	  .def = "0.0.0.0:6343,[::]:6343", .min = 1, .max = CTL_MAX_LISTEN },
	{ .name = "api_listen", .type = CTL_T_LISTEN, .offset = C(api_listen),
	  .def = "127.0.0.1:8008" },
	{ .name = "api_token_file", .type = CTL_T_PATH,
	  .offset = C(api_token_file) },
	{ .name = "state_dir", .type = CTL_T_PATH, .offset = C(state_dir),
	  .def = "/var/lib/finderscope" },
	{ .name = "events_file", .type = CTL_T_PATH, .offset = C(events_file) },
	{ .name = "mode", .type = CTL_T_ENUM, .offset = C(mode),
	  .def = "auto", .names = mode_names, .min = CTL_MODE_AUTO },
	{ .name = "sflow_rcvbuf", .type = CTL_T_SIZE, .offset = C(sflow_rcvbuf),
	  .def = "8M", .min = 64 * KIB, .max = GIB },
	{ .name = "agent_networks", .type = CTL_T_PREFIX_LIST,
	  .offset = C(agent_networks), .count = C(n_agent_networks),
	  .min = 0, .max = CTL_MAX_AGENT_NETWORKS },
	{ .name = "max_flows", .type = CTL_T_U32, .offset = C(max_flows),
	  .def = "100000", .min = 1, .max = 10000000 },
	{ .name = "api_max_body", .type = CTL_T_SIZE, .offset = C(api_max_body),
	  .def = "64K", .min = KIB, .max = 16 * MIB },
	{ .name = "user", .type = CTL_T_NAME, .offset = C(user) },
	{ .name = "group", .type = CTL_T_NAME, .offset = C(group) },
	{ .name = "shutdown_deadline", .type = CTL_T_DURATION,
	  .offset = C(shutdown_deadline_s), .def = "10s", .min = 1,
	  .max = 3600 },
};

static int
check_controller(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, void *base)
{
	const struct ctl_controller_config *c = base;

	return check_api(p, &ctl_controller_section, seen, &c->api_listen,
	    c->api_token_file, map);
}

const struct ctl_section ctl_controller_section = {
	.name = "controller", .keys = controller_keys,
	.n_keys = NKEYS(controller_keys), .check = check_controller,
};

/* ---- capture: --------------------------------------------------------- */

#define P(f)	offsetof(struct ctl_capture_config, f)

static const struct ctl_key capture_keys[] = {
	{ .name = "receiver", .type = CTL_T_ADDR, .offset = P(receiver) },
	{ .name = "duration", .type = CTL_T_DURATION, .offset = P(duration_s),
	  .def = "5m", .min = 1, .max = DAY },
	{ .name = "max_duration", .type = CTL_T_DURATION,
	  .offset = P(max_duration_s), .def = "1h", .min = 1, .max = 7 * DAY },
	{ .name = "cooldown", .type = CTL_T_DURATION, .offset = P(cooldown_s),
	  .def = "10m", .min = 0, .max = 7 * DAY },
	{ .name = "max_active", .type = CTL_T_U32, .offset = P(max_active),
	  .def = "16", .min = 1, .max = 65536 },
	{ .name = "min_samples", .type = CTL_T_U32, .offset = P(min_samples),
	  .def = "1", .min = 1, .max = 1000000 },
	{ .name = "min_frames", .type = CTL_T_U32, .offset = P(min_frames),
	  .def = "0", .min = 0, .max = 4000000000u },
	{ .name = "window", .type = CTL_T_DURATION, .offset = P(window_s),
	  .def = "1m", .min = 1, .max = DAY },
	{ .name = "rule_prefix", .type = CTL_T_STRING,
	  .offset = P(rule_prefix), .def = "fscope_" },
	{ .name = "verify_interval", .type = CTL_T_DURATION,
	  .offset = P(verify_interval_s), .def = "1m", .min = 0, .max = DAY },
};

/* 1 if s is 1 to max of [a-z0-9_] (what rules/ accepts in ACL names). */
static int
acl_name_chars(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i == max || !((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i > 0;
}

static int
check_capture(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, void *base)
{
	const struct ctl_section *sec = &ctl_capture_section;
	const struct ctl_capture_config *c = base;
	const struct ctl_node *at;
	char d[CTL_VALUE_STRLEN], m[CTL_VALUE_STRLEN];

	if (!acl_name_chars(c->rule_prefix, 16))
		return ctl_bad_value(p, ctl_seen_node(ctl_seen_key(sec, seen,
		    "rule_prefix"), map), sec->name, "rule_prefix",
		    "expected 1 to 16 of a-z, 0-9 and '_' (the start of our "
		    "ACL names), found '%s'", c->rule_prefix);
	if (c->duration_s <= c->max_duration_s)
		return 0;
	at = ctl_seen_node(ctl_seen_key(sec, seen, "duration"),
	    ctl_seen_node(ctl_seen_key(sec, seen, "max_duration"), map));
	return ctl_error(p, at, "'duration' (%s) is longer than "
	    "'max_duration' (%s) in 'capture'",
	    ctl_format_duration(c->duration_s, d, sizeof(d)),
	    ctl_format_duration(c->max_duration_s, m, sizeof(m)));
}

const struct ctl_section ctl_capture_section = {
	.name = "capture", .keys = capture_keys, .n_keys = NKEYS(capture_keys),
	.check = check_capture,
};

/* ---- switches: -------------------------------------------------------- */

#define S(f)	offsetof(struct ctl_switch, f)

static const char *const backend_names[] = { "cumulus-acl", "ovs", NULL };

static const struct ctl_key switch_keys[] = {
	{ .name = "name", .type = CTL_T_NAME, .offset = S(name),
	  .flags = CTL_REQUIRED },
	{ .name = "agents", .type = CTL_T_ADDR_LIST, .offset = S(agents),
	  .count = S(n_agents), .min = 1, .max = CTL_MAX_AGENTS,
	  .flags = CTL_REQUIRED },
	{ .name = "backend", .type = CTL_T_ENUM, .offset = S(backend),
	  .def = "cumulus-acl", .names = backend_names,
	  .min = CTL_BACKEND_CUMULUS_ACL },
	/* http(s):// or an OpenFlow target, by backend: see check_switch */
	{ .name = "url", .type = CTL_T_STRING, .offset = S(url),
	  .flags = CTL_REQUIRED },
	{ .name = "user", .type = CTL_T_STRING, .offset = S(user) },
	{ .name = "password_file", .type = CTL_T_PATH,
	  .offset = S(password_file) },
	{ .name = "erspan_source", .type = CTL_T_ADDR,
	  .offset = S(erspan_source) },
	{ .name = "in_interface", .type = CTL_T_IFNAME,
	  .offset = S(in_interface), .def = "swp+" },
	{ .name = "max_active", .type = CTL_T_U32, .offset = S(max_active),
	  .def = "4", .min = 1, .max = 65536 },
	{ .name = "password_env", .type = CTL_T_STRING,
	  .offset = S(password_env) },
	{ .name = "ca_file", .type = CTL_T_PATH, .offset = S(ca_file) },
	{ .name = "pin", .type = CTL_T_STRING, .offset = S(pin) },
	{ .name = "timeout", .type = CTL_T_DURATION, .offset = S(timeout_s),
	  .def = "5s", .min = 1, .max = 300 },
	{ .name = "retries", .type = CTL_T_U32, .offset = S(retries),
	  .def = "3", .min = 0, .max = 20 },
	{ .name = "concurrency", .type = CTL_T_U32, .offset = S(concurrency),
	  .def = "2", .min = 1, .max = 64 },
	{ .name = "mirror_port", .type = CTL_T_STRING,
	  .offset = S(mirror_port) },
	{ .name = "priority", .type = CTL_T_U32, .offset = S(priority),
	  .def = "40000", .min = RULE_OVS_PRIORITY_MIN,
	  .max = RULE_OVS_PRIORITY_MAX },
	{ .name = "ofctl", .type = CTL_T_PATH, .offset = S(ofctl),
	  .def = RULE_OVS_DEFAULT_OFCTL },
};

/* The keys of one backend only: the other refuses them. */
static const char *const cumulus_only[] = { "user", "password_file",
    "password_env", "ca_file", "pin", NULL };
static const char *const ovs_only[] = { "mirror_port", "priority", "ofctl",
    NULL };

static int
in_list(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/* The print leaves out the keys of the other backend (defaults too). */
static int
skip_switch_key(const struct ctl_key *k, const void *base)
{
	const struct ctl_switch *sw = base;

	return in_list(sw->backend == CTL_BACKEND_OVS ? cumulus_only :
	    ovs_only, k->name);
}

/* The http:// or https:// URL of a REST switch (as CTL_T_URL checks). */
static int
http_url_ok(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return 0;
	return *host != '\0' && *host != '/' && strchr(s, ' ') == NULL;
}

/* The rules of the keys that depend on the switch's backend. */
static int
check_backend_keys(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, const struct ctl_switch *sw)
{
	const struct ctl_section *sec = &ctl_switch_section;
	const struct ctl_node *at;
	char q[64];
	int ovs = sw->backend == CTL_BACKEND_OVS;
	size_t i;

	for (i = 0; i < sec->n_keys; i++) {
		const char *name = sec->keys[i].name;

		if (seen[i].key == NULL || !in_list(ovs ? cumulus_only :
		    ovs_only, name))
			continue;
		return ctl_error(p, seen[i].key, "'%s' in 'switches' applies "
		    "only to 'backend: %s' (switch '%s' is %s)", name,
		    ovs ? "cumulus-acl" : "ovs", sw->name,
		    ovs ? "ovs" : "cumulus-acl");
	}
	at = ctl_seen_node(ctl_seen_key(sec, seen, "url"), map);
	ctl_quote(sw->url, q, sizeof(q));
	if (!ovs)
		return http_url_ok(sw->url) ? 0 : ctl_bad_value(p, at,
		    sec->name, "url", "expected an http:// or https:// URL, "
		    "found %s", q);
	if (!rule_ovs_target_ok(sw->url))
		return ctl_bad_value(p, at, sec->name, "url", "with 'backend: "
		    "ovs', expected the bridge's OpenFlow target: unix:/PATH "
		    "(an absolute path of letters, digits and '_./+-', at most "
		    "107 bytes) or tcp:ADDRESS:PORT, found %s", q);
	if (sw->mirror_port == NULL)
		return ctl_error(p, map, "missing required key 'mirror_port' "
		    "in 'switches' (switch '%s' has 'backend: ovs')",
		    sw->name);
	if (!rule_ovs_port_ok(sw->mirror_port)) {
		ctl_quote(sw->mirror_port, q, sizeof(q));
		return ctl_bad_value(p, ctl_seen_node(ctl_seen_key(sec, seen,
		    "mirror_port"), map), sec->name, "mirror_port", "expected "
		    "an OpenFlow port name (1 to %d letters, digits, '_', '.' "
		    "or '-', a letter first, not a reserved port like LOCAL) or "
		    "number (1 to 65279), found %s", RULE_OVS_PORT_MAX, q);
	}
	if (!rule_ovs_ofctl_ok(sw->ofctl)) {
		ctl_quote(sw->ofctl, q, sizeof(q));
		return ctl_bad_value(p, ctl_seen_node(ctl_seen_key(sec, seen,
		    "ofctl"), map), sec->name, "ofctl", "expected the absolute "
		    "path of ovs-ofctl (letters, digits and '_./+-'), found %s",
		    q);
	}
	return 0;
}

/* An environment variable's name: [A-Za-z_][A-Za-z0-9_]{0,127}. */
static int
env_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i == 128 || !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		    (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return 0;
	return i > 0;
}

/* "sha256//" and the base64 of 32 bytes (libcurl's pinned key form). */
static int
pin_ok(const char *s)
{
	size_t i;

	if (strncmp(s, "sha256//", 8) != 0 || strlen(s + 8) != 44 ||
	    s[8 + 43] != '=')
		return 0;
	for (i = 8; i < 8 + 43; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '+' || s[i] == '/'))
			return 0;
	return 1;
}

static int
check_switch(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, void *base)
{
	const struct ctl_section *sec = &ctl_switch_section;
	const struct ctl_switch *sw = base;

	if (check_backend_keys(p, map, seen, sw) == -1)
		return -1;
	if (sw->password_env != NULL && !env_name_ok(sw->password_env))
		return ctl_bad_value(p, ctl_seen_node(ctl_seen_key(sec, seen,
		    "password_env"), map), sec->name, "password_env",
		    "expected the name of an environment variable "
		    "([A-Za-z_][A-Za-z0-9_]*), found '%s'", sw->password_env);
	if (sw->password_env != NULL && sw->password_file != NULL)
		return ctl_bad_value(p, ctl_seen_node(ctl_seen_key(sec, seen,
		    "password_env"), map), sec->name, "password_env",
		    "give 'password_file' or 'password_env', not both");
	if (sw->pin != NULL && !pin_ok(sw->pin))
		return ctl_bad_value(p, ctl_seen_node(ctl_seen_key(sec, seen,
		    "pin"), map), sec->name, "pin", "expected sha256// and "
		    "the base64 of a public key's SHA-256 (44 characters), "
		    "found '%s'", sw->pin);
	return 0;
}

const struct ctl_section ctl_switch_section = {
	.name = "switches", .keys = switch_keys, .n_keys = NKEYS(switch_keys),
	.check = check_switch, .skip = skip_switch_key,
};

int32_t
ctl_config_switch_of_agent(const struct ctl_config *cfg,
    const struct netaddr *agent)
{
	size_t s, a;

	/* A handful of switches with a few agents each: a scan is cheap,
	 * and it only runs for matching samples. */
	for (s = 0; s < cfg->n_switches; s++)
		for (a = 0; a < cfg->switches[s].n_agents; a++)
			if (netaddr_compare(&cfg->switches[s].agents[a],
			    agent) == 0)
				return (int32_t)s;
	return -1;
}

/* An sFlow agent and where it was configured, to find repeats. */
struct agent_ref {
	struct netaddr	addr;
	size_t		sw, i;		/* switch, agent within it */
};

static int
agent_order(const void *a, const void *b)
{
	const struct agent_ref *x = a, *y = b;
	int c = netaddr_compare(&x->addr, &y->addr);

	if (c != 0)
		return c;
	if (x->sw != y->sw)
		return x->sw < y->sw ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Each agent maps to one switch: the trigger needs to know which. */
static int
check_agents(struct ctl_parse *p, const struct ctl_node *seq,
    const struct ctl_switch *sw, size_t n)
{
	const struct ctl_section *sec = &ctl_switch_section;
	struct agent_ref *refs;
	size_t i, j, total = 0;
	char a[NETADDR_STRLEN];
	int rc = 0;

	for (i = 0; i < n; i++)
		total += sw[i].n_agents;
	if (total == 0)
		return 0;
	if ((refs = calloc(total, sizeof(*refs))) == NULL)
		return ctl_error(p, NULL, "out of memory");
	for (i = 0, total = 0; i < n; i++)
		for (j = 0; j < sw[i].n_agents; j++, total++) {
			refs[total].addr = sw[i].agents[j];
			refs[total].sw = i;
			refs[total].i = j;
		}
	qsort(refs, total, sizeof(*refs), agent_order);
	for (i = 1; i < total; i++) {
		const struct agent_ref *first = &refs[i - 1], *again = &refs[i];
		const struct ctl_node *item, *agents = NULL;

		if (netaddr_compare(&first->addr, &again->addr) != 0)
			continue;
		/* Find the repeated agent's node: switches[sw].agents[i]. */
		item = seq->items[again->sw];
		for (j = 0; j + 1 < item->n; j += 2)
			if (strcmp(item->items[j]->text, "agents") == 0)
				agents = item->items[j + 1];
		rc = ctl_bad_value(p, agents != NULL && again->i < agents->n ?
		    agents->items[again->i] : item, sec->name, "agents",
		    "agent %s is already an agent of switch '%s'",
		    netaddr_format(&again->addr, a, sizeof(a)),
		    sw[first->sw].name);
		break;
	}
	free(refs);
	return rc;
}

int
ctl_parse_switches(struct ctl_parse *p, const struct ctl_key *k,
    const struct ctl_seen *where, void *base)
{
	struct ctl_seen seen[CTL_SECTION_MAX_KEYS];
	const struct ctl_node *seq = where->value, *item;
	struct ctl_config *cfg = base;
	struct ctl_switch *sw;
	size_t i, j, n;

	if (seq->type == CTL_NODE_SCALAR && seq->is_null)
		return 0;
	if (seq->type != CTL_NODE_SEQUENCE)
		return ctl_bad_value(p, seq, NULL, k->name, "expected a "
		    "sequence of switches, found %s", ctl_node_kind(seq));
	if ((n = seq->n) == 0)
		return 0;
	if (n > CTL_MAX_SWITCHES)
		return ctl_bad_value(p, seq->items[CTL_MAX_SWITCHES], NULL,
		    k->name, "more than %u switches", CTL_MAX_SWITCHES);
	if ((sw = ctl_arena_alloc(p->arena, n * sizeof(*sw))) == NULL)
		return ctl_error(p, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		item = seq->items[i];
		if (item->type != CTL_NODE_MAPPING)
			return ctl_bad_value(p, item, NULL, k->name, "expected "
			    "a mapping for each switch, found %s",
			    ctl_node_kind(item));
		if (ctl_walk_section(p, item, &ctl_switch_section, &sw[i],
		    seen) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(sw[j].name, sw[i].name) == 0)
				return ctl_bad_value(p, ctl_seen_key(
				    &ctl_switch_section, seen, "name")->value,
				    "switches", "name", "duplicate switch name "
				    "'%s' (first at line %u)", sw[i].name,
				    seq->items[j]->line);
	}
	if (check_agents(p, seq, sw, n) == -1)
		return -1;
	cfg->switches = sw;
	cfg->n_switches = n;
	p->switches_key = where->key;
	return 0;
}

int
ctl_print_switches(FILE *out, const struct ctl_key *k, const void *base,
    int indent)
{
	const struct ctl_config *cfg = base;
	size_t i;

	fprintf(out, "%*s%s:%s\n", indent, "", k->name,
	    cfg->n_switches == 0 ? " []" : "");
	for (i = 0; i < cfg->n_switches; i++)
		if (ctl_print_section(out, &ctl_switch_section,
		    &cfg->switches[i], indent + 4, 1) == -1)
			return -1;
	return 0;
}

/* Switches need somewhere to send the mirrored traffic. */
int
ctl_check_switches(struct ctl_parse *p, struct ctl_config *cfg)
{
	if (cfg->n_switches == 0 ||
	    cfg->capture.receiver.family != NETADDR_NONE)
		return 0;
	return ctl_error(p, p->switches_key, "switches are configured but "
	    "'receiver' in 'capture' is not (where should they send "
	    "ERSPAN?)");
}

/* ---- receiver: -------------------------------------------------------- */

#define A(f)	offsetof(struct ctl_archive_config, f)

static const struct ctl_key archive_keys[] = {
	{ .name = "dir", .type = CTL_T_PATH, .offset = A(dir),
	  .def = "/var/lib/finderscope/archive" },
	{ .name = "rotate_size", .type = CTL_T_SIZE, .offset = A(rotate_size),
	  .def = "64M", .min = KIB, .max = TIB },
	{ .name = "rotate_age", .type = CTL_T_DURATION,
	  .offset = A(rotate_age_s), .def = "1h", .min = 1, .max = 30 * DAY },
	{ .name = "quota", .type = CTL_T_SIZE, .offset = A(quota),
	  .def = "10G", .min = MIB, .max = (uint64_t)1 << 60 },
	{ .name = "min_free", .type = CTL_T_SPACE, .offset = A(min_free),
	  .def = "5%" },
	{ .name = "max_age", .type = CTL_T_DURATION, .offset = A(max_age_s),
	  .def = "30d", .min = 0, .max = 3650 * DAY },
	{ .name = "nanosecond", .type = CTL_T_BOOL, .offset = A(nanosecond),
	  .def = "false" },
};

static int
check_archive(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, void *base)
{
	const struct ctl_section *sec = &ctl_archive_section;
	const struct ctl_archive_config *a = base;
	char q[CTL_VALUE_STRLEN], r[CTL_VALUE_STRLEN];

	if (a->quota >= a->rotate_size)
		return 0;
	return ctl_error(p, ctl_seen_node(ctl_seen_key(sec, seen, "quota"),
	    ctl_seen_node(ctl_seen_key(sec, seen, "rotate_size"), map)),
	    "'quota' (%s) is smaller than 'rotate_size' (%s) in "
	    "'receiver.archive'", ctl_format_size(a->quota, q, sizeof(q)),
	    ctl_format_size(a->rotate_size, r, sizeof(r)));
}

const struct ctl_section ctl_archive_section = {
	.name = "receiver.archive", .keys = archive_keys,
	.n_keys = NKEYS(archive_keys), .check = check_archive,
};

#define E(f)	offsetof(struct ctl_sessions_config, f)

static const char *const record_names[] = { "session", "frame", NULL };

static const struct ctl_key sessions_keys[] = {
	{ .name = "dir", .type = CTL_T_PATH, .offset = E(dir),
	  .def = "/var/lib/finderscope/sessions" },
	{ .name = "history", .type = CTL_T_SIZE, .offset = E(history),
	  .def = "256M", .min = MIB, .max = 64 * GIB },
	{ .name = "timeout", .type = CTL_T_DURATION, .offset = E(timeout_s),
	  .def = "30s", .min = 1, .max = DAY },
	{ .name = "max_sessions", .type = CTL_T_U32,
	  .offset = E(max_sessions), .def = "65536", .min = 1,
	  .max = 10000000 },
	{ .name = "max_stream", .type = CTL_T_SIZE, .offset = E(max_stream),
	  .def = "16M", .min = 4 * KIB, .max = GIB },
	{ .name = "max_out_of_order", .type = CTL_T_U32,
	  .offset = E(max_out_of_order), .def = "64", .min = 1,
	  .max = 65536 },
	{ .name = "max_out_of_order_bytes", .type = CTL_T_SIZE,
	  .offset = E(max_out_of_order_bytes), .def = "256K", .min = 4 * KIB,
	  .max = 64 * MIB },
	{ .name = "max_open", .type = CTL_T_U32, .offset = E(max_open),
	  .def = "256", .min = 1, .max = 65536 },
	{ .name = "inspect_udp", .type = CTL_T_BOOL, .offset = E(inspect_udp),
	  .def = "false" },
	{ .name = "onedir", .type = CTL_T_BOOL, .offset = E(onedir),
	  .def = "false" },
	{ .name = "keep_pure_acks", .type = CTL_T_BOOL,
	  .offset = E(keep_pure_acks), .def = "true" },
	{ .name = "record", .type = CTL_T_ENUM, .offset = E(record),
	  .def = "session", .names = record_names, .min = CTL_RECORD_SESSION },
	{ .name = "merge_by_time", .type = CTL_T_BOOL,
	  .offset = E(merge_by_time), .def = "false" },
};

const struct ctl_section ctl_sessions_section = {
	.name = "receiver.sessions", .keys = sessions_keys,
	.n_keys = NKEYS(sessions_keys),
};

#define R(f)	offsetof(struct ctl_receiver_config, f)

static const char *const input_names[] = { "raw", "pcap", NULL };
static const char *const unassigned_names[] = { "archive", "drop", NULL };

static const struct ctl_key receiver_keys[] = {
	{ .name = "input", .type = CTL_T_ENUM, .offset = R(input),
	  .def = "raw", .names = input_names, .min = CTL_INPUT_RAW },
	{ .name = "interface", .type = CTL_T_IFNAME, .offset = R(interface) },
	{ .name = "filter", .type = CTL_T_STRING, .offset = R(filter) },
	{ .name = "listen", .type = CTL_T_ADDR, .offset = R(listen),
	  .def = "0.0.0.0" },
	{ .name = "ipv6", .type = CTL_T_BOOL, .offset = R(ipv6),
	  .def = "false" },
	{ .name = "rcvbuf", .type = CTL_T_SIZE, .offset = R(rcvbuf),
	  .def = "64M", .min = 64 * KIB, .max = 2 * GIB },
	{ .name = "api_listen", .type = CTL_T_LISTEN, .offset = R(api_listen),
	  .def = "127.0.0.1:8009" },
	{ .name = "api_token_file", .type = CTL_T_PATH,
	  .offset = R(api_token_file) },
	{ .name = "controller_url", .type = CTL_T_URL,
	  .offset = R(controller_url), .def = "http://127.0.0.1:8008" },
	{ .name = "controller_token_file", .type = CTL_T_PATH,
	  .offset = R(controller_token_file) },
	{ .name = "poll_interval", .type = CTL_T_DURATION,
	  .offset = R(poll_interval_s), .def = "5s", .min = 1, .max = 3600 },
	{ .name = "unassigned", .type = CTL_T_ENUM, .offset = R(unassigned),
	  .def = "archive", .names = unassigned_names,
	  .min = CTL_UNASSIGNED_ARCHIVE },
	{ .name = "use_erspan_time", .type = CTL_T_BOOL,
	  .offset = R(use_erspan_time), .def = "false" },
	{ .name = "events_file", .type = CTL_T_PATH, .offset = R(events_file) },
	{ .name = "archive", .type = CTL_T_SECTION, .offset = R(archive),
	  .sub = &ctl_archive_section },
	{ .name = "keys", .type = CTL_T_CUSTOM, .parse = ctl_parse_keys,
	  .print = ctl_print_keys, .sub = &ctl_keys_item_section },
	{ .name = "regex", .type = CTL_T_CUSTOM, .parse = ctl_parse_regex,
	  .print = ctl_print_regex, .sub = &ctl_regex_item_section },
	{ .name = "sessions", .type = CTL_T_SECTION, .offset = R(sessions),
	  .sub = &ctl_sessions_section },
};

/* The walker's seen[] arrays hold CTL_SECTION_MAX_KEYS entries. */
_Static_assert(NKEYS(receiver_keys) <= CTL_SECTION_MAX_KEYS,
    "receiver: too many keys for CTL_SECTION_MAX_KEYS");
_Static_assert(NKEYS(archive_keys) <= CTL_SECTION_MAX_KEYS,
    "receiver.archive: too many keys for CTL_SECTION_MAX_KEYS");
_Static_assert(NKEYS(sessions_keys) <= CTL_SECTION_MAX_KEYS,
    "receiver.sessions: too many keys for CTL_SECTION_MAX_KEYS");

static int
check_receiver(struct ctl_parse *p, const struct ctl_node *map,
    const struct ctl_seen *seen, void *base)
{
	const struct ctl_section *sec = &ctl_receiver_section;
	struct ctl_receiver_config *r = base;

	if (check_api(p, sec, seen, &r->api_listen, r->api_token_file,
	    map) == -1)
		return -1;
	return ctl_check_keywords(p, ctl_seen_key(sec, seen, "keys")->value,
	    ctl_seen_key(sec, seen, "regex")->value, r);
}

const struct ctl_section ctl_receiver_section = {
	.name = "receiver", .keys = receiver_keys,
	.n_keys = NKEYS(receiver_keys), .check = check_receiver,
};
