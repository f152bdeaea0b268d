/*
 * test_ctl_config.c - the configuration loader (controller/ctl_config*.c):
 * the fixture table (tests/fixtures/config/CASE/{config.yaml,expected},
 * "ok" or the exact error; an ok case's optional file "print" is a piece
 * of text its -v print must contain), the print -> load round trip
 * compared field by field, the example files in docs/, caps, receiver
 * keywords and their ids, and the library helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_test.h"

#include "ctl_config.h"
#include "ctl_config_impl.h"

#define CONFIG_FIXTURES	FS_FIXTURES_DIR "/config"
#define DOCS_DIR	FS_FIXTURES_DIR "/../../docs"
#define DOCS_EXAMPLE	DOCS_DIR "/finderscope.yaml"
#define DOCS_REFERENCE	DOCS_DIR "/config.md"
#define MAX_CASES	1024

/* ---- helpers ---------------------------------------------------------- */

/* The whole file at path, NUL-terminated (NULL if it cannot be read). */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + len, 1, cap - len - 1, f);
		len += r;
	} while (r > 0);
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* ctl_config_print() into a new string. */
static char *
print_config(const struct ctl_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(ctl_config_print(cfg, f), 0);
	fclose(f);
	return text;
}

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
listen_differ(const struct ctl_listen *a, const struct ctl_listen *b)
{
	return netaddr_compare(&a->addr, &b->addr) != 0 || a->port != b->port;
}

#define DIFF(cond, what)	do { if (cond) return (what); } while (0)

/*
 * Every field of two configs, written out by hand rather than through the
 * key tables, so a key the tables forget to print shows up here.  Returns
 * the first field that differs, or NULL.
 */
static const char *
config_differs(const struct ctl_config *a, const struct ctl_config *b)
{
	const struct ctl_controller_config *ca = &a->controller,
	    *cb = &b->controller;
	const struct ctl_receiver_config *ra = &a->receiver, *rb = &b->receiver;
	size_t i, j;

	DIFF(ca->n_sflow_listen != cb->n_sflow_listen, "sflow_listen count");
	for (i = 0; i < ca->n_sflow_listen; i++)
		DIFF(listen_differ(&ca->sflow_listen[i], &cb->sflow_listen[i]),
		    "sflow_listen");
	DIFF(listen_differ(&ca->api_listen, &cb->api_listen), "api_listen");
	DIFF(str_differ(ca->api_token_file, cb->api_token_file),
	    "api_token_file");
	DIFF(str_differ(ca->state_dir, cb->state_dir), "state_dir");
	DIFF(str_differ(ca->events_file, cb->events_file), "events_file");
	DIFF(ca->mode != cb->mode, "mode");

	DIFF(a->n_local_networks != b->n_local_networks,
	    "local_networks count");
	for (i = 0; i < a->n_local_networks; i++)
		DIFF(netaddr_compare(&a->local_networks[i].addr,
		    &b->local_networks[i].addr) != 0 ||
		    a->local_networks[i].plen != b->local_networks[i].plen,
		    "local_networks");

	DIFF(a->n_blacklists != b->n_blacklists, "blacklists count");
	for (i = 0; i < a->n_blacklists; i++) {
		const struct ctl_blacklist *x = &a->blacklists[i],
		    *y = &b->blacklists[i];

		DIFF(str_differ(x->name, y->name), "blacklist name");
		DIFF(x->format != y->format, "blacklist format");
		DIFF(str_differ(x->file, y->file), "blacklist file");
		DIFF(str_differ(x->url, y->url), "blacklist url");
		DIFF(x->refresh_s != y->refresh_s, "blacklist refresh");
		DIFF(x->allow_http != y->allow_http, "blacklist allow_http");
		DIFF(str_differ(x->ca_file, y->ca_file), "blacklist ca_file");
		DIFF(x->timeout_s != y->timeout_s, "blacklist timeout");
		DIFF(x->connect_timeout_s != y->connect_timeout_s,
		    "blacklist connect_timeout");
		DIFF(x->max_size != y->max_size, "blacklist max_size");
		DIFF(x->max_entries != y->max_entries, "blacklist max_entries");
	}
	DIFF(a->n_groups != b->n_groups, "groups count");
	for (i = 0; i < a->n_groups; i++) {
		const struct ctl_group *x = &a->groups[i], *y = &b->groups[i];

		DIFF(str_differ(x->name, y->name), "group name");
		DIFF(x->kind != y->kind, "group kind");
		DIFF(x->n_lists != y->n_lists, "group list count");
		for (j = 0; j < x->n_lists; j++)
			DIFF(x->lists[j] != y->lists[j], "group lists");
	}

	DIFF(netaddr_compare(&a->capture.receiver, &b->capture.receiver) != 0,
	    "capture.receiver");
	DIFF(a->capture.duration_s != b->capture.duration_s, "duration");
	DIFF(a->capture.max_duration_s != b->capture.max_duration_s,
	    "max_duration");
	DIFF(a->capture.cooldown_s != b->capture.cooldown_s, "cooldown");
	DIFF(a->capture.max_active != b->capture.max_active,
	    "capture.max_active");

	DIFF(a->n_switches != b->n_switches, "switches count");
	for (i = 0; i < a->n_switches; i++) {
		const struct ctl_switch *x = &a->switches[i],
		    *y = &b->switches[i];

		DIFF(str_differ(x->name, y->name), "switch name");
		DIFF(x->n_agents != y->n_agents, "switch agent count");
		for (j = 0; j < x->n_agents; j++)
			DIFF(netaddr_compare(&x->agents[j], &y->agents[j]) != 0,
			    "switch agents");
		DIFF(x->backend != y->backend, "switch backend");
		DIFF(str_differ(x->url, y->url), "switch url");
		DIFF(str_differ(x->user, y->user), "switch user");
		DIFF(str_differ(x->password_file, y->password_file),
		    "switch password_file");
		DIFF(netaddr_compare(&x->erspan_source, &y->erspan_source) != 0,
		    "switch erspan_source");
		DIFF(str_differ(x->in_interface, y->in_interface),
		    "switch in_interface");
		DIFF(x->max_active != y->max_active, "switch max_active");
		DIFF(str_differ(x->mirror_port, y->mirror_port),
		    "switch mirror_port");
		DIFF(x->priority != y->priority, "switch priority");
		DIFF(str_differ(x->ofctl, y->ofctl), "switch ofctl");
	}

	DIFF(ra->input != rb->input, "receiver.input");
	DIFF(str_differ(ra->interface, rb->interface), "receiver.interface");
	DIFF(str_differ(ra->filter, rb->filter), "receiver.filter");
	DIFF(netaddr_compare(&ra->listen, &rb->listen) != 0, "receiver.listen");
	DIFF(listen_differ(&ra->api_listen, &rb->api_listen),
	    "receiver.api_listen");
	DIFF(str_differ(ra->api_token_file, rb->api_token_file),
	    "receiver.api_token_file");
	DIFF(str_differ(ra->controller_url, rb->controller_url),
	    "receiver.controller_url");
	DIFF(str_differ(ra->archive.dir, rb->archive.dir), "archive.dir");
	DIFF(ra->archive.rotate_size != rb->archive.rotate_size,
	    "archive.rotate_size");
	DIFF(ra->archive.rotate_age_s != rb->archive.rotate_age_s,
	    "archive.rotate_age");
	DIFF(ra->archive.quota != rb->archive.quota, "archive.quota");
	DIFF(ra->archive.min_free.is_percent !=
	    rb->archive.min_free.is_percent ||
	    ra->archive.min_free.percent != rb->archive.min_free.percent ||
	    ra->archive.min_free.bytes != rb->archive.min_free.bytes,
	    "archive.min_free");
	DIFF(ra->archive.max_age_s != rb->archive.max_age_s, "archive.max_age");
	DIFF(ra->n_keys != rb->n_keys, "receiver.keys count");
	/* Not line: the print is laid out differently. */
	for (i = 0; i < ra->n_keys; i++) {
		const struct ctl_keyword *x = &ra->keys[i], *y = &rb->keys[i];

		DIFF(str_differ(x->text, y->text), "receiver.keys text");
		DIFF(str_differ(x->name, y->name), "receiver.keys name");
		DIFF(x->id != y->id, "receiver.keys id");
		DIFF(x->regex != y->regex, "receiver.keys regex");
		DIFF(x->nocase != y->nocase, "receiver.keys nocase");
	}
	DIFF(str_differ(ra->sessions.dir, rb->sessions.dir), "sessions.dir");
	DIFF(ra->sessions.history != rb->sessions.history, "sessions.history");
	DIFF(ra->sessions.timeout_s != rb->sessions.timeout_s,
	    "sessions.timeout");
	DIFF(ra->sessions.max_sessions != rb->sessions.max_sessions,
	    "sessions.max_sessions");
	DIFF(ra->sessions.max_stream != rb->sessions.max_stream,
	    "sessions.max_stream");
	DIFF(ra->sessions.max_out_of_order != rb->sessions.max_out_of_order,
	    "sessions.max_out_of_order");
	DIFF(ra->sessions.max_out_of_order_bytes !=
	    rb->sessions.max_out_of_order_bytes,
	    "sessions.max_out_of_order_bytes");
	DIFF(ra->sessions.max_open != rb->sessions.max_open,
	    "sessions.max_open");
	DIFF(ra->sessions.inspect_udp != rb->sessions.inspect_udp,
	    "sessions.inspect_udp");
	DIFF(ra->sessions.onedir != rb->sessions.onedir, "sessions.onedir");
	DIFF(ra->sessions.keep_pure_acks != rb->sessions.keep_pure_acks,
	    "sessions.keep_pure_acks");
	DIFF(ra->sessions.record != rb->sessions.record, "sessions.record");
	DIFF(ra->sessions.merge_by_time != rb->sessions.merge_by_time,
	    "sessions.merge_by_time");
	return NULL;
}

/*
 * Print cfg, load the print, print that: the two prints must be the same
 * text and the two configs equal in every field.  NULL, or what failed
 * (in why).
 */
static const char *
round_trip(const struct ctl_config *cfg, char *why, size_t whylen)
{
	char err[512];
	char *one, *two;
	struct ctl_config *again;
	const char *diff;

	one = print_config(cfg);
	again = ctl_config_parse("printed", one, strlen(one), err, sizeof(err));
	if (again == NULL) {
		snprintf(why, whylen, "the print does not load: %s\n%s", err,
		    one);
		free(one);
		return why;
	}
	two = print_config(again);
	if ((diff = config_differs(cfg, again)) != NULL)
		snprintf(why, whylen, "loaded print differs in %s", diff);
	else if (strcmp(one, two) != 0)
		snprintf(why, whylen, "printing the print changes it:\n%s\n"
		    "---\n%s", one, two);
	else
		why = NULL;
	ctl_config_free(again);
	free(one);
	free(two);
	return why;
}

static void
assert_round_trip(const struct ctl_config *cfg)
{
	char why[8192];

	if (round_trip(cfg, why, sizeof(why)) != NULL)
		fail_msg("%s", why);
}

static int
name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case folders under dir, sorted; returns how many. */
static size_t
list_cases(const char *dir, char **names, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		assert_true(n < max);
		names[n] = strdup(e->d_name);
		assert_non_null(names[n]);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_order);
	return n;
}

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/*
 * One fixture: load config.yaml from inside the case's folder (so
 * messages read "config.yaml:L:C: ...") and compare with expected.
 * Returns 0, or -1 after printing why.
 */
static int
run_case(const char *name)
{
	char dir[1024], err[1024], why[8192];
	char *expected, *print, *printed;
	struct ctl_config *cfg;
	int cwd, rc = 0;

	snprintf(dir, sizeof(dir), "%s/%s", CONFIG_FIXTURES, name);
	cwd = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(dir), 0);
	expected = slurp("expected", NULL);
	if (expected == NULL) {
		fprintf(stderr, "[%s] no 'expected' file\n", name);
		assert_int_equal(fchdir(cwd), 0);
		close(cwd);
		return -1;
	}
	chomp(expected);
	cfg = ctl_config_load("config.yaml", err, sizeof(err));
	if (strcmp(expected, "ok") == 0) {
		if (cfg == NULL) {
			fprintf(stderr, "[%s] expected ok, got: %s\n", name,
			    err);
			rc = -1;
		} else if (round_trip(cfg, why, sizeof(why)) != NULL) {
			fprintf(stderr, "[%s] round trip: %s\n", name, why);
			rc = -1;
		} else if ((print = slurp("print", NULL)) != NULL) {
			printed = print_config(cfg);
			if (strstr(printed, print) == NULL) {
				fprintf(stderr, "[%s] the print does not "
				    "contain 'print':\n%s---\n%s", name, print,
				    printed);
				rc = -1;
			}
			free(printed);
			free(print);
		}
	} else if (cfg != NULL) {
		fprintf(stderr, "[%s] loaded, expected: %s\n", name, expected);
		rc = -1;
	} else if (strcmp(err, expected) != 0) {
		fprintf(stderr, "[%s]\n  expected: %s\n  got:      %s\n", name,
		    expected, err);
		rc = -1;
	}
	ctl_config_free(cfg);
	free(expected);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	return rc;
}

/* ---- the fixture table ------------------------------------------------ */

static void
config_fixtures(void **state)
{
	char *names[MAX_CASES];
	size_t i, n, failed = 0, ok = 0;

	(void)state;
	n = list_cases(CONFIG_FIXTURES, names, MAX_CASES);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		if (run_case(names[i]) == -1)
			failed++;
		if (strncmp(names[i], "ok-", 3) == 0)
			ok++;
		free(names[i]);
	}
	fprintf(stderr, "config fixtures: %zu cases (%zu ok), %zu failed\n", n,
	    ok, failed);
	assert_int_equal(failed, 0);
	assert_true(ok > 0 && ok < n);
}

/* Fixture folders follow the naming the runner relies on. */
static void
config_fixture_names(void **state)
{
	char *names[MAX_CASES], path[1024];
	size_t i, n;
	struct stat st;

	(void)state;
	n = list_cases(CONFIG_FIXTURES, names, MAX_CASES);
	for (i = 0; i < n; i++) {
		if (strncmp(names[i], "ok-", 3) != 0 &&
		    strncmp(names[i], "err-", 4) != 0)
			fail_msg("fixture %s: name it ok-* or err-*", names[i]);
		snprintf(path, sizeof(path), "%s/%s/config.yaml",
		    CONFIG_FIXTURES, names[i]);
		if (stat(path, &st) != 0)
			fail_msg("fixture %s has no config.yaml", names[i]);
		free(names[i]);
	}
}

/* ---- the examples ----------------------------------------------------- */

static struct ctl_config *
load_ok(const char *path)
{
	char err[1024];
	struct ctl_config *cfg = ctl_config_load(path, err, sizeof(err));

	if (cfg == NULL)
		fail_msg("%s", err);
	return cfg;
}

static void
assert_listen(const struct ctl_listen *l, const char *text)
{
	char buf[CTL_VALUE_STRLEN];

	assert_string_equal(ctl_format_listen(l, buf, sizeof(buf)), text);
}

static void
assert_addr(const struct netaddr *a, const char *text)
{
	char buf[NETADDR_STRLEN];

	assert_string_equal(netaddr_format(a, buf, sizeof(buf)), text);
}

/* DESIGN.md's example, value by value. */
static void
config_design_example(void **state)
{
	struct ctl_config *cfg;
	const struct ctl_blacklist *b;
	char buf[CTL_VALUE_STRLEN];
	size_t i;

	(void)state;
	cfg = load_ok(CONFIG_FIXTURES "/ok-design-example/config.yaml");
	assert_int_equal(cfg->controller.n_sflow_listen, 2);
	assert_listen(&cfg->controller.sflow_listen[0], "0.0.0.0:6343");
	assert_listen(&cfg->controller.sflow_listen[1], "[::]:6343");
	assert_listen(&cfg->controller.api_listen, "127.0.0.1:8008");
	assert_string_equal(cfg->controller.api_token_file,
	    "/etc/finderscope/api.token");
	assert_string_equal(cfg->controller.state_dir, "/var/lib/finderscope");
	assert_string_equal(cfg->controller.events_file,
	    "/var/log/finderscope/events.json");
	assert_int_equal(cfg->controller.mode, CTL_MODE_AUTO);

	assert_int_equal(cfg->n_local_networks, 3);
	assert_string_equal(ctl_format_prefix(&cfg->local_networks[1], buf,
	    sizeof(buf)), "192.168.0.0/16");
	assert_string_equal(ctl_format_prefix(&cfg->local_networks[2], buf,
	    sizeof(buf)), "fd00::/8");

	assert_int_equal(cfg->n_blacklists, 3);
	b = &cfg->blacklists[0];
	assert_string_equal(b->name, "et-compromised");
	assert_int_equal(b->format, BL_FORMAT_PLAIN);
	assert_null(b->file);
	assert_string_equal(b->url, "https://rules.emergingthreats.net/"
	    "blockrules/compromised-ips.txt");
	assert_int_equal(b->refresh_s, 12 * 3600);
	assert_int_equal(b->timeout_s, 60);
	assert_int_equal(b->connect_timeout_s, 10);
	assert_int_equal(b->max_size, 64 << 20);
	assert_int_equal(b->max_entries, 2000000);
	assert_int_equal(b->allow_http, 0);
	assert_null(b->ca_file);
	assert_string_equal(cfg->blacklists[1].file,
	    "/etc/finderscope/blacklist.txt");
	assert_null(cfg->blacklists[1].url);
	assert_string_equal(cfg->blacklists[2].name, "allow");

	assert_int_equal(cfg->n_groups, 2);
	assert_string_equal(cfg->groups[0].name, "watch");
	assert_int_equal(cfg->groups[0].kind, BL_GROUP_WATCH);
	assert_int_equal(cfg->groups[0].n_lists, 2);
	assert_int_equal(cfg->groups[0].lists[0], 0);
	assert_int_equal(cfg->groups[0].lists[1], 1);
	assert_string_equal(cfg->groups[1].name, "allow");
	assert_int_equal(cfg->groups[1].kind, BL_GROUP_ALLOW);
	assert_int_equal(cfg->groups[1].n_lists, 1);
	assert_int_equal(cfg->groups[1].lists[0], 2);

	assert_addr(&cfg->capture.receiver, "10.0.0.70");
	assert_int_equal(cfg->capture.duration_s, 300);
	assert_int_equal(cfg->capture.max_duration_s, 3600);
	assert_int_equal(cfg->capture.cooldown_s, 600);
	assert_int_equal(cfg->capture.max_active, 16);

	assert_int_equal(cfg->n_switches, 1);
	assert_string_equal(cfg->switches[0].name, "leaf1");
	assert_int_equal(cfg->switches[0].n_agents, 1);
	assert_addr(&cfg->switches[0].agents[0], "10.0.0.52");
	assert_int_equal(cfg->switches[0].backend, CTL_BACKEND_CUMULUS_ACL);
	assert_string_equal(cfg->switches[0].url,
	    "https://10.0.0.52:8080/acl/");
	assert_string_equal(cfg->switches[0].user, "cumulus");
	assert_string_equal(cfg->switches[0].password_file,
	    "/etc/finderscope/leaf1.pass");
	assert_addr(&cfg->switches[0].erspan_source, "10.0.0.52");
	assert_string_equal(cfg->switches[0].in_interface, "swp+");
	assert_int_equal(cfg->switches[0].max_active, 4);

	assert_int_equal(cfg->receiver.input, CTL_INPUT_RAW);
	assert_addr(&cfg->receiver.listen, "0.0.0.0");
	assert_listen(&cfg->receiver.api_listen, "127.0.0.1:8009");
	assert_string_equal(cfg->receiver.controller_url,
	    "http://127.0.0.1:8008");
	assert_string_equal(cfg->receiver.archive.dir,
	    "/var/lib/finderscope/archive");
	assert_int_equal(cfg->receiver.archive.rotate_size, 64 << 20);
	assert_int_equal(cfg->receiver.archive.rotate_age_s, 3600);
	assert_int_equal(cfg->receiver.archive.quota, (uint64_t)10 << 30);
	assert_int_equal(cfg->receiver.archive.min_free.is_percent, 1);
	assert_int_equal(cfg->receiver.archive.min_free.percent, 5);
	assert_int_equal(cfg->receiver.archive.max_age_s, 30 * 86400);
	assert_int_equal(cfg->receiver.n_keys, 3);
	assert_string_equal(cfg->receiver.keys[0].text, "jellyfisH");
	assert_string_equal(cfg->receiver.keys[1].text,
	    "|54 68 61 74 73 27 41 6D 6F 72 65|");
	assert_string_equal(cfg->receiver.keys[2].text,
	    "the Blue orcinus;nocase");
	for (i = 0; i < 3; i++) {
		assert_int_equal(cfg->receiver.keys[i].id, i + 1);
		assert_null(cfg->receiver.keys[i].name);
		assert_false(cfg->receiver.keys[i].regex);
		assert_false(cfg->receiver.keys[i].nocase);
	}
	assert_int_equal(cfg->receiver.keys[0].line, 58);
	assert_int_equal(cfg->receiver.keys[2].line, 60);
	assert_string_equal(cfg->receiver.sessions.dir,
	    "/var/lib/finderscope/sessions");
	assert_int_equal(cfg->receiver.sessions.history, 256 << 20);
	assert_int_equal(cfg->receiver.sessions.timeout_s, 30);
	assert_round_trip(cfg);
	ctl_config_free(cfg);
}

/* An empty mapping: every default, as docs/config.md states them. */
static void
config_defaults(void **state)
{
	char err[512];
	struct ctl_config *cfg;

	(void)state;
	cfg = ctl_config_parse("defaults", "{}", 2, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(cfg->path, "defaults");
	assert_int_equal(cfg->controller.n_sflow_listen, 2);
	assert_listen(&cfg->controller.sflow_listen[0], "0.0.0.0:6343");
	assert_listen(&cfg->controller.sflow_listen[1], "[::]:6343");
	assert_listen(&cfg->controller.api_listen, "127.0.0.1:8008");
	assert_null(cfg->controller.api_token_file);
	assert_string_equal(cfg->controller.state_dir, "/var/lib/finderscope");
	assert_null(cfg->controller.events_file);
	assert_int_equal(cfg->controller.mode, CTL_MODE_AUTO);
	assert_int_equal(cfg->n_local_networks, 0);
	assert_int_equal(cfg->n_blacklists, 0);
	assert_int_equal(cfg->n_groups, 0);
	assert_int_equal(cfg->capture.receiver.family, NETADDR_NONE);
	assert_int_equal(cfg->capture.duration_s, 300);
	assert_int_equal(cfg->capture.max_duration_s, 3600);
	assert_int_equal(cfg->capture.cooldown_s, 600);
	assert_int_equal(cfg->capture.max_active, 16);
	assert_int_equal(cfg->n_switches, 0);
	assert_int_equal(cfg->receiver.input, CTL_INPUT_RAW);
	assert_null(cfg->receiver.interface);
	assert_null(cfg->receiver.filter);
	assert_addr(&cfg->receiver.listen, "0.0.0.0");
	assert_listen(&cfg->receiver.api_listen, "127.0.0.1:8009");
	assert_null(cfg->receiver.api_token_file);
	assert_string_equal(cfg->receiver.controller_url,
	    "http://127.0.0.1:8008");
	assert_string_equal(cfg->receiver.archive.dir,
	    "/var/lib/finderscope/archive");
	assert_int_equal(cfg->receiver.archive.rotate_size, 64 << 20);
	assert_int_equal(cfg->receiver.archive.rotate_age_s, 3600);
	assert_int_equal(cfg->receiver.archive.quota, (uint64_t)10 << 30);
	assert_int_equal(cfg->receiver.archive.min_free.percent, 5);
	assert_int_equal(cfg->receiver.archive.max_age_s, 30 * 86400);
	assert_int_equal(cfg->receiver.n_keys, 0);
	assert_null(cfg->receiver.keys);
	assert_string_equal(cfg->receiver.sessions.dir,
	    "/var/lib/finderscope/sessions");
	assert_int_equal(cfg->receiver.sessions.history, 256 << 20);
	assert_int_equal(cfg->receiver.sessions.timeout_s, 30);
	assert_int_equal(cfg->receiver.sessions.max_sessions, 65536);
	assert_int_equal(cfg->receiver.sessions.max_stream, 16 << 20);
	assert_int_equal(cfg->receiver.sessions.max_out_of_order, 64);
	assert_int_equal(cfg->receiver.sessions.max_out_of_order_bytes,
	    256 << 10);
	assert_int_equal(cfg->receiver.sessions.max_open, 256);
	assert_false(cfg->receiver.sessions.inspect_udp);
	assert_false(cfg->receiver.sessions.onedir);
	assert_true(cfg->receiver.sessions.keep_pure_acks);
	assert_int_equal(cfg->receiver.sessions.record, CTL_RECORD_SESSION);
	assert_false(cfg->receiver.sessions.merge_by_time);
	assert_round_trip(cfg);
	ctl_config_free(cfg);
}

/* The defaults of a list item, and a file list leaving url keys unset. */
static void
config_list_defaults(void **state)
{
	static const char yaml[] =
	    "blacklists:\n"
	    "  - {name: u, format: spamhaus-drop, url: \"https://x/y\"}\n"
	    "  - {name: f, format: firehol, file: /f}\n"
	    "groups: {w: [u, f], allow: [f]}\n";
	char err[512];
	struct ctl_config *cfg;
	const struct ctl_blacklist *u, *f;

	(void)state;
	cfg = ctl_config_parse("lists", yaml, sizeof(yaml) - 1, err,
	    sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	u = &cfg->blacklists[0];
	f = &cfg->blacklists[1];
	assert_int_equal(u->format, BL_FORMAT_SPAMHAUS_DROP);
	assert_int_equal(f->format, BL_FORMAT_FIREHOL);
	assert_int_equal(u->refresh_s, 43200);
	assert_int_equal(f->refresh_s, 43200);
	assert_int_equal(u->max_size, 64 << 20);
	assert_int_equal(u->max_entries, 2000000);
	assert_int_equal(u->timeout_s, 60);
	assert_int_equal(u->connect_timeout_s, 10);
	assert_int_equal(cfg->n_groups, 2);
	assert_int_equal(cfg->groups[1].kind, BL_GROUP_ALLOW);
	assert_int_equal(ctl_config_find_blacklist(cfg, "f"), 1);
	assert_int_equal(ctl_config_find_blacklist(cfg, "u"), 0);
	assert_int_equal(ctl_config_find_blacklist(cfg, "nope"), -1);
	assert_round_trip(cfg);
	ctl_config_free(cfg);
}

/* The commented example in docs/ loads and survives the round trip. */
static void
config_docs_example(void **state)
{
	struct ctl_config *cfg;

	(void)state;
	cfg = load_ok(DOCS_EXAMPLE);
	assert_true(cfg->n_blacklists >= 6);
	assert_true(cfg->n_switches >= 1);
	assert_round_trip(cfg);
	ctl_config_free(cfg);
}

struct key_check {
	char		*reference;	/* docs/config.md */
	struct ctl_node	*example;	/* docs/finderscope.yaml */
	size_t		 keys;
	int		 failed;
};

/* Whether path ("a.b", "list[].key") names a key somewhere in tree n. */
static int
tree_has(const struct ctl_node *n, const char *path)
{
	const char *dot = strchr(path, '.'), *br = strstr(path, "[]");
	size_t len = strlen(path), i, j;

	if (dot != NULL && (size_t)(dot - path) < len)
		len = (size_t)(dot - path);
	if (br != NULL && (size_t)(br - path) < len)
		len = (size_t)(br - path);
	if (n == NULL || n->type != CTL_NODE_MAPPING)
		return 0;
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct ctl_node *k = n->items[i], *v = n->items[i + 1];

		if (k->type != CTL_NODE_SCALAR || k->len != len ||
		    strncmp(k->text, path, len) != 0)
			continue;
		if (path[len] == '\0')
			return 1;
		if (path[len] == '.')
			return tree_has(v, path + len + 1);
		/* "[]." : any item of the sequence */
		if (v->type != CTL_NODE_SEQUENCE)
			return 0;
		for (j = 0; j < v->n; j++)
			if (tree_has(v->items[j], path + len + 3))
				return 1;
		return 0;
	}
	return 0;
}

static void
check_key(const char *path, void *ctx)
{
	struct key_check *kc = ctx;
	char quoted[300];

	kc->keys++;
	snprintf(quoted, sizeof(quoted), "`%s`", path);
	if (strstr(kc->reference, quoted) == NULL) {
		fprintf(stderr, "docs/config.md does not document %s\n",
		    quoted);
		kc->failed = 1;
	}
	if (!tree_has(kc->example, path)) {
		fprintf(stderr, "docs/finderscope.yaml does not show %s\n",
		    path);
		kc->failed = 1;
	}
}

/* Every key the loader knows is in the reference and in the example. */
static void
config_docs_cover_every_key(void **state)
{
	struct ctl_parse p;
	struct key_check kc;
	size_t len;
	char *yaml, err[512];

	(void)state;
	memset(&kc, 0, sizeof(kc));
	kc.reference = slurp(DOCS_REFERENCE, NULL);
	assert_non_null(kc.reference);
	yaml = slurp(DOCS_EXAMPLE, &len);
	assert_non_null(yaml);
	memset(&p, 0, sizeof(p));
	p.file = "finderscope.yaml";
	p.err = err;
	p.errlen = sizeof(err);
	assert_int_equal(ctl_doc_parse(&p, yaml, len, &kc.example), 0);
	ctl_config_keys(check_key, &kc);
	assert_true(kc.keys > 40);
	ctl_node_free(kc.example);
	free(kc.reference);
	free(yaml);
	assert_int_equal(kc.failed, 0);
}

/* ---- receiver keywords ------------------------------------------------ */

/* A config from yaml that must load. */
static struct ctl_config *
parse_ok(const char *yaml)
{
	char err[1024];
	struct ctl_config *cfg;

	cfg = ctl_config_parse("t", yaml, strlen(yaml), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s\n%s", err, yaml);
	return cfg;
}

/* The fixture with both forms of keys and regexes, field by field. */
static void
config_keywords_mixed(void **state)
{
	static const struct {
		const char	*text, *name;
		uint32_t	 id, line;
		int		 regex, nocase;
	} want[] = {
		{ "jellyfisH", NULL, 2, 12, 0, 0 },
		{ "|54 68 61 74 73 27 41 6D 6F 72 65|", "thats-amore", 4, 13,
		  0, 0 },
		{ "the Blue orcinus;nocase", NULL, 100, 15, 0, 0 },
		{ "say \"cheese\"; |7c| pipe", NULL, 5, 17, 0, 0 },
		{ "GET |2f|admin", NULL, 3, 18, 0, 0 },
		{ "user=[a-z]+", NULL, 6, 5, 1, 0 },
		{ "pass(word)?=", "password", 7, 6, 1, 1 },
		{ "x{3}y", NULL, 1, 9, 1, 0 },
	};
	const struct ctl_sessions_config *se;
	const struct ctl_keyword *kw;
	struct ctl_config *cfg;
	size_t i;

	(void)state;
	cfg = load_ok(CONFIG_FIXTURES "/ok-receiver-keywords/config.yaml");
	assert_int_equal(cfg->receiver.n_keys, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < cfg->receiver.n_keys; i++) {
		kw = &cfg->receiver.keys[i];
		assert_string_equal(kw->text, want[i].text);
		if (want[i].name == NULL)
			assert_null(kw->name);
		else
			assert_string_equal(kw->name, want[i].name);
		assert_int_equal(kw->id, want[i].id);
		assert_int_equal(kw->line, want[i].line);
		assert_int_equal(kw->regex, want[i].regex);
		assert_int_equal(kw->nocase, want[i].nocase);
	}
	se = &cfg->receiver.sessions;
	assert_int_equal(se->max_sessions, 1000);
	assert_int_equal(se->max_stream, 1 << 20);
	assert_int_equal(se->max_out_of_order, 16);
	assert_int_equal(se->max_out_of_order_bytes, 64 << 10);
	assert_int_equal(se->max_open, 8);
	assert_true(se->inspect_udp);
	assert_true(se->onedir);
	assert_false(se->keep_pure_acks);
	assert_int_equal(se->record, CTL_RECORD_FRAME);
	assert_true(se->merge_by_time);
	assert_round_trip(cfg);
	ctl_config_free(cfg);
}

/* "1,2,3": the ids of cfg's keywords in order. */
static void
format_ids(const struct ctl_config *cfg, char *buf, size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < cfg->receiver.n_keys && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%u",
		    i > 0 ? "," : "", cfg->receiver.keys[i].id);
}

/* How many times needle occurs in s. */
static size_t
count_of(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/*
 * Implicit ids: the position (keys before regexes), or the next free id
 * above it and above the previous implicit one; the print leaves out the
 * ids that will load back the same.
 */
static void
config_keyword_ids(void **state)
{
	static const struct {
		const char	*yaml;
		const char	*ids;
		size_t		 printed;	/* "id: " lines in the print */
	} cases[] = {
		{ "receiver: {keys: [aaaa, bbbb, cccc]}", "1,2,3", 0 },
		{ "receiver: {keys: [{key: aaaa, id: 2}, bbbb, cccc]}",
		  "2,3,4", 1 },
		{ "receiver: {keys: [aaaa, {key: bbbb, id: 1}]}", "2,1", 1 },
		{ "receiver: {keys: [{key: aaaa, id: 1000}, bbbb, cccc]}",
		  "1000,2,3", 1 },
		{ "receiver: {regex: [{regex: x, id: 1}, y], "
		  "keys: [aaaa, bbbb]}", "2,3,1,4", 1 },
		{ "receiver: {keys: [{key: aaaa, id: 4294967295}, bbbb]}",
		  "4294967295,2", 1 },
		{ "receiver: {keys: [{key: aaaa, id: 3}, {key: bbbb, id: 1}, "
		  "cccc, dddd]}", "3,1,4,5", 2 },
		/* Ids the rule gives anyway are left out of the print. */
		{ "receiver: {keys: [{key: aaaa, id: 1}, {key: bbbb, id: 2}]}",
		  "1,2", 0 },
		{ "receiver: {keys: [{key: aaaa, id: 2}, {key: bbbb, id: 3}, "
		  "cccc]}", "2,3,4", 1 },
		{ "receiver: {keys: [{key: aaaa, name: n1}], "
		  "regex: [{regex: 'a|b', nocase: true}]}", "1,2", 0 },
		{ "receiver: {keys: [aaaa, {key: bbbb, id: 10}, cccc], "
		  "regex: [{regex: r, id: 2}]}", "1,10,3,2", 2 },
	};
	struct ctl_config *cfg;
	char ids[256], *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg = parse_ok(cases[i].yaml);
		format_ids(cfg, ids, sizeof(ids));
		if (strcmp(ids, cases[i].ids) != 0)
			fail_msg("%s: ids %s, expected %s", cases[i].yaml, ids,
			    cases[i].ids);
		text = print_config(cfg);
		if (count_of(text, "      id: ") != cases[i].printed)
			fail_msg("%s: expected %zu ids printed:\n%s",
			    cases[i].yaml, cases[i].printed, text);
		free(text);
		assert_round_trip(cfg);
		ctl_config_free(cfg);
	}
}

/*
 * Random layouts of explicit ids: explicit ones kept, the others by the
 * rule (position, or the next free id above it and above the previous
 * implicit one), all unique, and the print loads back to the same ids.
 */
static void
config_keyword_ids_random(void **state)
{
	char yaml[4096], taken[64];
	uint32_t seed = 12345, given[32], next;
	size_t round, i, j, n, nk, off;
	struct ctl_config *cfg;
	const struct ctl_keyword *kw;

	(void)state;
	for (round = 0; round < 500; round++) {
#define RND(m)	((seed = seed * 1103515245u + 12345u) >> 16) % (m)
		n = 1 + RND(24);
		nk = RND(n + 1);
		memset(taken, 0, sizeof(taken));
		off = (size_t)snprintf(yaml, sizeof(yaml), "receiver:\n");
		for (i = 0; i < n; i++) {
			given[i] = 0;
			if (RND(3) == 0) {
				given[i] = 1 + RND(n + 6);
				if (taken[given[i]])
					given[i] = 0;
				else
					taken[given[i]] = 1;
			}
			if (i == 0 || i == nk)
				off += (size_t)snprintf(yaml + off,
				    sizeof(yaml) - off, "  %s:\n",
				    i < nk ? "keys" : "regex");
			if (given[i] != 0)
				off += (size_t)snprintf(yaml + off,
				    sizeof(yaml) - off, "    - {%s: item%zu, "
				    "id: %u}\n", i < nk ? "key" : "regex", i,
				    given[i]);
			else
				off += (size_t)snprintf(yaml + off,
				    sizeof(yaml) - off, "    - item%zu\n", i);
		}
#undef RND
		assert_true(off < sizeof(yaml));
		cfg = parse_ok(yaml);
		assert_int_equal(cfg->receiver.n_keys, n);
		for (i = 0, next = 1; i < n; i++) {
			kw = &cfg->receiver.keys[i];
			assert_int_equal(kw->regex, i >= nk);
			if (given[i] != 0) {
				assert_int_equal(kw->id, given[i]);
				continue;
			}
			if (next < i + 1)
				next = (uint32_t)(i + 1);
			while (next < sizeof(taken) && taken[next])
				next++;
			assert_int_equal(kw->id, next);
			next++;
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < i; j++)
				assert_int_not_equal(cfg->receiver.keys[j].id,
				    cfg->receiver.keys[i].id);
		assert_round_trip(cfg);
		ctl_config_free(cfg);
	}
}

/* Every way a keyword can be wrong, with its exact message. */
static void
config_keyword_errors(void **state)
{
	static const struct {
		const char	*yaml, *err;
	} cases[] = {
		{ "receiver: {keys: jellyfish}",
		  "t:1:18: bad value for 'keys' in 'receiver': expected a "
		  "sequence of keys, found a scalar" },
		{ "receiver: {regex: {a: b}}",
		  "t:1:19: bad value for 'regex' in 'receiver': expected a "
		  "sequence of regexes, found a mapping" },
		{ "receiver: {keys: [aaaa, ~]}",
		  "t:1:25: bad value for 'keys[1]' in 'receiver': expected a "
		  "string or a mapping with 'key', found no value" },
		{ "receiver: {keys: [\"\"]}",
		  "t:1:19: bad value for 'keys[0]' in 'receiver': expected a "
		  "string or a mapping with 'key', found an empty string" },
		{ "receiver: {regex: [[x]]}",
		  "t:1:20: bad value for 'regex[0]' in 'receiver': expected a "
		  "string or a mapping with 'regex', found a sequence" },
		{ "receiver: {keys: [\"ab\\tcd\"]}",
		  "t:1:19: bad value for 'keys[0]' in 'receiver': control "
		  "characters are not allowed in values" },
		{ "receiver: {keys: [\";nocase\"]}",
		  "t:1:19: bad value for 'keys[0]' in 'receiver': empty key" },
		{ "receiver: {keys: [\"|41 42 4|\"]}",
		  "t:1:19: bad value for 'keys[0]' in 'receiver': odd number "
		  "of hex digits in |...| at byte 1" },
		{ "receiver: {keys: [\"ab|4142\"]}",
		  "t:1:19: bad value for 'keys[0]' in 'receiver': unterminated "
		  "| at byte 3" },
		{ "receiver: {keys: [{key: [a]}]}",
		  "t:1:25: bad value for 'key' in 'receiver.keys': expected a "
		  "string, found a sequence" },
		{ "receiver: {keys: [{key: aaaa, name: \"a b\"}]}",
		  "t:1:37: bad value for 'name' in 'receiver.keys': expected a "
		  "name of 1 to 63 letters, digits, '_', '.' or '-', found "
		  "'a b'" },
		{ "receiver: {keys: [{key: aaaa, id: 0}]}",
		  "t:1:35: bad value for 'id' in 'receiver.keys': expected a "
		  "whole number from 1 to 4294967295, found '0'" },
		{ "receiver: {regex: [{regex: x, id: 4294967296}]}",
		  "t:1:35: bad value for 'id' in 'receiver.regex': expected a "
		  "whole number from 1 to 4294967295, found '4294967296'" },
		{ "receiver: {regex: [{regex: x, nocase: yes}]}",
		  "t:1:39: bad value for 'nocase' in 'receiver.regex': "
		  "expected true or false, found 'yes'" },
		{ "receiver: {regex: [{name: n}]}",
		  "t:1:20: missing required key 'regex' in 'receiver.regex'" },
		{ "receiver: {regex: [{regex: x, key: y}]}",
		  "t:1:31: unknown key 'key' in 'receiver.regex' (expected one "
		  "of: regex, name, id, nocase)" },
		{ "receiver: {regex: [\"\"]}",
		  "t:1:20: bad value for 'regex[0]' in 'receiver': expected a "
		  "string or a mapping with 'regex', found an empty string" },
		/* The later of the two, wherever keys: and regex: are. */
		{ "receiver:\n  regex: [{regex: x, id: 5}]\n"
		  "  keys: [aaaa, {key: bbbb, id: 5}]\n",
		  "t:3:32: bad value for 'id' in 'receiver.keys': duplicate id "
		  "5 (first at line 2)" },
		{ "receiver:\n  keys:\n    - {key: aaaa, id: 9}\n"
		  "    - {key: bbbb, id: 9}\n",
		  "t:4:23: bad value for 'id' in 'receiver.keys': duplicate id "
		  "9 (first at line 3)" },
		{ "receiver: {keys: [aaaa], keys: [bbbb]}",
		  "t:1:26: duplicate key 'keys' in 'receiver' (first at line "
		  "1)" },
	};
	char err[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (ctl_config_parse("t", cases[i].yaml, strlen(cases[i].yaml),
		    err, sizeof(err)) != NULL)
			fail_msg("%s: loaded", cases[i].yaml);
		if (strcmp(err, cases[i].err) != 0)
			fail_msg("%s\n  expected: %s\n  got:      %s",
			    cases[i].yaml, cases[i].err, err);
	}
}

/* Key text: decoded at most 254 bytes, written at most 4096. */
static void
config_keyword_lengths(void **state)
{
	char yaml[5000], err[1024];
	struct ctl_config *cfg;
	size_t len;

	(void)state;
	for (len = 254; len <= 255; len++) {
		memcpy(yaml, "receiver: {keys: [", 18);
		memset(yaml + 18, 'a', len);
		memcpy(yaml + 18 + len, "]}", 3);
		cfg = ctl_config_parse("t", yaml, strlen(yaml), err,
		    sizeof(err));
		if (len == 254) {
			assert_non_null(cfg);
			assert_int_equal(strlen(cfg->receiver.keys[0].text),
			    254);
			ctl_config_free(cfg);
		} else {
			assert_null(cfg);
			assert_string_equal(err, "t:1:19: bad value for "
			    "'keys[0]' in 'receiver': longer than 254 bytes "
			    "(at byte 255)");
		}
	}
	/* 4096 bytes of text is read (and refused by the decoder)... */
	memcpy(yaml, "receiver: {keys: [", 18);
	memset(yaml + 18, 'a', 4096);
	memcpy(yaml + 18 + 4096, "]}", 3);
	assert_null(ctl_config_parse("t", yaml, strlen(yaml), err,
	    sizeof(err)));
	assert_string_equal(err, "t:1:19: bad value for 'keys[0]' in "
	    "'receiver': longer than 254 bytes (at byte 255)");
	/* ... 4097 is not. */
	memcpy(yaml, "receiver: {keys: [", 18);
	memset(yaml + 18, 'a', 4097);
	memcpy(yaml + 18 + 4097, "]}", 3);
	assert_null(ctl_config_parse("t", yaml, strlen(yaml), err,
	    sizeof(err)));
	assert_string_equal(err, "t:1:19: bad value for 'keys[0]' in "
	    "'receiver': longer than 4096 bytes");
	/* A regex of 4096 bytes loads; the fixture refuses 4097. */
	memcpy(yaml, "receiver: {regex: [", 19);
	memset(yaml + 19, 'a', 4096);
	memcpy(yaml + 19 + 4096, "]}", 3);
	cfg = ctl_config_parse("t", yaml, strlen(yaml), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(strlen(cfg->receiver.keys[0].text), 4096);
	assert_round_trip(cfg);
	ctl_config_free(cfg);
}

/* CTL_MAX_KEYWORDS keys and regexes together, and not one more. */
static void
config_keywords_cap(void **state)
{
	size_t n = CTL_MAX_KEYWORDS, i, off, cap = n * 6 + 64;
	char *body = malloc(cap), err[512];
	struct ctl_config *cfg;

	(void)state;
	assert_non_null(body);
	off = (size_t)snprintf(body, cap, "receiver:\n  keys: [");
	for (i = 0; i < n - 1; i++) {
		memcpy(body + off, "kkkk,", 5);
		off += 5;
	}
	off += (size_t)snprintf(body + off, cap - off, "]\n  regex: [r]\n");
	cfg = ctl_config_parse("cap", body, off, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(cfg->receiver.n_keys, n);
	assert_int_equal(cfg->receiver.keys[n - 1].id, n);
	assert_int_equal(cfg->receiver.keys[n - 1].regex, 1);
	ctl_config_free(cfg);

	/* One more regex: the second, at column 14 of line 3. */
	off -= 2;
	off += (size_t)snprintf(body + off, cap - off, ", s]\n");
	assert_null(ctl_config_parse("cap", body, off, err, sizeof(err)));
	assert_string_equal(err, "cap:3:14: bad value for 'regex' in "
	    "'receiver': more than 100000 keys and regexes together");
	free(body);
}

/* ---- caps and file errors -------------------------------------------- */

/* A temporary file holding len bytes of body; returns its path. */
static char *
temp_file(const char *body, size_t len)
{
	char *path = strdup("/tmp/test_ctl_config.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
expect_error(const char *path, const char *expected)
{
	char err[1024];
	struct ctl_config *cfg = ctl_config_load(path, err, sizeof(err));

	assert_null(cfg);
	assert_string_equal(err, expected);
}

/* 4 MiB loads; one byte more does not, with "FILE: message". */
static void
config_file_size_cap(void **state)
{
	size_t len = CTL_CONFIG_MAX_BYTES;
	char *body = malloc(len + 1), *path, expected[1100];
	struct ctl_config *cfg;
	char err[512];

	(void)state;
	assert_non_null(body);
	/* A comment line filling the file, then a valid document. */
	memset(body, ' ', len + 1);
	body[0] = '#';
	memcpy(body + len - 20, "\ncontroller: {}\n", 16);
	body[len - 4] = '#';
	body[len - 1] = '\n';
	path = temp_file(body, len);
	cfg = ctl_config_load(path, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	ctl_config_free(cfg);
	unlink(path);
	free(path);

	body[len] = '\n';
	path = temp_file(body, len + 1);
	snprintf(expected, sizeof(expected), "%s: larger than 4 MiB", path);
	expect_error(path, expected);
	unlink(path);
	free(path);
	assert_null(ctl_config_parse("mem", body, len + 1, err, sizeof(err)));
	assert_string_equal(err, "mem: larger than 4 MiB");
	free(body);
}

/* More nodes than CTL_CONFIG_MAX_NODES, in a small file. */
static void
config_node_cap(void **state)
{
	size_t n = CTL_CONFIG_MAX_NODES + 10, i, off = 0;
	char *body = malloc(n * 2 + 64), err[512];

	(void)state;
	assert_non_null(body);
	off += (size_t)sprintf(body, "receiver:\n  keys: [");
	for (i = 0; i < n; i++) {
		body[off++] = 'k';
		body[off++] = ',';
	}
	body[off++] = ']';
	body[off++] = '\n';
	assert_null(ctl_config_parse("nodes", body, off, err, sizeof(err)));
	/*
	 * Five nodes come before the items (two mappings, two keys, the
	 * sequence), so item 131068 is one too many: "  keys: [" is 9
	 * columns and each item takes 2.
	 */
	assert_string_equal(err, "nodes:2:262144: more than 131072 YAML nodes");
	free(body);
}

/*
 * Nesting at the cap parses (and fails later, on its meaning); one level
 * more is refused while parsing.
 */
static void
config_depth_cap(void **state)
{
	char body[256], err[512];
	size_t off, i, brackets;

	(void)state;
	/* The top mapping and receiver's are two levels already. */
	for (brackets = CTL_CONFIG_MAX_DEPTH - 2;
	    brackets <= CTL_CONFIG_MAX_DEPTH - 1; brackets++) {
		off = (size_t)sprintf(body, "receiver: {keys: ");
		for (i = 0; i < brackets; i++)
			body[off++] = '[';
		body[off++] = 'x';
		for (i = 0; i < brackets; i++)
			body[off++] = ']';
		body[off++] = '}';
		assert_null(ctl_config_parse("deep", body, off, err,
		    sizeof(err)));
		if (brackets == CTL_CONFIG_MAX_DEPTH - 2)
			/* keys' first item, a sequence, at column 19. */
			assert_string_equal(err, "deep:1:19: bad value for "
			    "'keys[0]' in 'receiver': expected a string or a "
			    "mapping with 'key', found a sequence");
		else
			/* The 15th '[' (the 17th level), from column 18. */
			assert_string_equal(err, "deep:1:32: YAML nested "
			    "deeper than 16 levels");
	}
}

static void
config_missing_file(void **state)
{
	(void)state;
	expect_error("/nonexistent/finderscope.yaml",
	    "/nonexistent/finderscope.yaml: No such file or directory");
	expect_error("/", "/: Is a directory");
}

/* A small or absent error buffer is never overrun. */
static void
config_small_error_buffer(void **state)
{
	static const char yaml[] = "controler: {}\n";
	char *err;
	size_t len;

	(void)state;
	assert_null(ctl_config_parse("x.yaml", yaml, sizeof(yaml) - 1, NULL,
	    0));
	assert_null(ctl_config_parse("x.yaml", NULL, 0, NULL, 0));
	for (len = 1; len < 16; len++) {
		err = malloc(len);
		assert_non_null(err);
		assert_null(ctl_config_parse("x.yaml", yaml, sizeof(yaml) - 1,
		    err, len));
		assert_int_equal(strlen(err), len - 1);
		assert_memory_equal(err, "x.yaml:1:1: unknown key", len - 1);
		free(err);
	}
	ctl_config_free(NULL);
}

/*
 * The docs example cut at every length loads or fails with a message that
 * names the file; never a crash, a leak or a read past the end (run with
 * FS_SANITIZE=ON).
 */
static void
config_truncated_every_length(void **state)
{
	char err[1024], *yaml, *cut;
	struct ctl_config *cfg;
	size_t len, n, loaded = 0;

	(void)state;
	yaml = slurp(DOCS_EXAMPLE, &len);
	assert_non_null(yaml);
	for (n = 0; n <= len; n++) {
		cut = malloc(n > 0 ? n : 1);
		assert_non_null(cut);
		memcpy(cut, yaml, n);
		err[0] = '\0';
		cfg = ctl_config_parse("cut.yaml", cut, n, err, sizeof(err));
		if (cfg != NULL) {
			loaded++;
			ctl_config_free(cfg);
		} else if (strncmp(err, "cut.yaml:", 9) != 0)
			fail_msg("cut at %zu: '%s'", n, err);
		free(cut);
	}
	assert_true(loaded > 0);
	free(yaml);
}

/* ---- helpers for the rest of the controller --------------------------- */

static void
config_source_spec(void **state)
{
	static const char yaml[] =
	    "blacklists:\n"
	    "  - name: feodo\n"
	    "    format: feodo-csv\n"
	    "    url: http://example.org/ipblocklist.csv\n"
	    "    allow_http: true\n"
	    "    ca_file: /etc/ca.pem\n"
	    "    refresh: 30m\n"
	    "    timeout: 2m\n"
	    "    connect_timeout: 3s\n"
	    "    max_size: 10M\n"
	    "  - {name: mine, format: plain, file: /etc/mine.txt}\n"
	    "groups: {watch: [feodo, mine]}\n";
	char err[512];
	struct ctl_config *cfg;
	struct bl_source_spec s;

	(void)state;
	cfg = ctl_config_parse("spec", yaml, sizeof(yaml) - 1, err,
	    sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	memset(&s, 0xA5, sizeof(s));
	ctl_blacklist_source_spec(&cfg->blacklists[0], &s);
	assert_string_equal(s.name, "feodo");
	assert_int_equal(s.format, BL_FORMAT_FEODO_CSV);
	assert_string_equal(s.url, "http://example.org/ipblocklist.csv");
	assert_null(s.file);
	assert_int_equal(s.allow_http, 1);
	assert_string_equal(s.ca_file, "/etc/ca.pem");
	assert_int_equal(s.refresh_s, 1800);
	assert_int_equal(s.timeout_s, 120);
	assert_int_equal(s.connect_timeout_s, 3);
	assert_int_equal(s.max_bytes, 10 << 20);
	ctl_blacklist_source_spec(&cfg->blacklists[1], &s);
	assert_string_equal(s.name, "mine");
	assert_null(s.url);
	assert_string_equal(s.file, "/etc/mine.txt");
	assert_int_equal(s.allow_http, 0);
	assert_null(s.ca_file);
	ctl_config_free(cfg);
}

/* Printing reports a failed write. */
static void
config_print_write_error(void **state)
{
	struct ctl_config *cfg;
	char err[512];
	FILE *full;

	(void)state;
	if ((full = fopen("/dev/full", "w")) == NULL)
		skip();
	cfg = ctl_config_parse("x", "{}", 2, err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(ctl_config_print(cfg, full), -1);
	fclose(full);
	ctl_config_free(cfg);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(config_fixtures),
	cmocka_unit_test(config_fixture_names),
	cmocka_unit_test(config_design_example),
	cmocka_unit_test(config_defaults),
	cmocka_unit_test(config_list_defaults),
	cmocka_unit_test(config_docs_example),
	cmocka_unit_test(config_docs_cover_every_key),
	cmocka_unit_test(config_keywords_mixed),
	cmocka_unit_test(config_keyword_ids),
	cmocka_unit_test(config_keyword_ids_random),
	cmocka_unit_test(config_keyword_errors),
	cmocka_unit_test(config_keyword_lengths),
	cmocka_unit_test(config_keywords_cap),
	cmocka_unit_test(config_file_size_cap),
	cmocka_unit_test(config_node_cap),
	cmocka_unit_test(config_depth_cap),
	cmocka_unit_test(config_missing_file),
	cmocka_unit_test(config_small_error_buffer),
	cmocka_unit_test(config_truncated_every_length),
	cmocka_unit_test(config_source_spec),
	cmocka_unit_test(config_print_write_error),
};

FS_TEST_MAIN(tests)
