/*
 * cmd_blacklist.c - `finderscope blacklist check|fetch -c CONFIG`.
 *
 * check: answer from what the controller would match right now (local
 * files and the cached copies of downloaded lists), without the network.
 * fetch: download every list now, conditionally, on an event loop, and
 * report per list.  Exit status: 0 when all went well, 1 on usage and
 * configuration errors, 2 when an address could not be checked or a list
 * could not be fetched.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "ctl_config.h"
#include "ctl_lists.h"
#include "log.h"
#include "version.h"

#define FETCH_GRACE_S	10	/* beyond the longest list timeout */

void
cmd_blacklist_usage(void)
{
	fprintf(stderr,
	    "usage: finderscope blacklist check -c CONFIG ADDRESS...\n"
	    "       finderscope blacklist fetch -c CONFIG\n"
	    "\n"
	    "check  print, for each address, every group, list, label and\n"
	    "       prefix that matches (the most specific per group), or\n"
	    "       'not listed'; lists are read from their files and from\n"
	    "       the cache of the last download, never from the network\n"
	    "fetch  download every list now (If-None-Match/If-Modified-Since)\n"
	    "       and print per list: status, entries, rejected lines,\n"
	    "       bytes, duration; the cache is updated\n");
}

/* Load and parse every configured list; lists[i] NULL when unavailable. */
static int
load_lists(const struct ctl_config *cfg, struct bl_list **lists)
{
	struct bl_source_spec spec;
	struct bl_parse_report report;
	char dir[1024], err[512];
	size_t i, len;
	void *body;
	int rc, missing = 0;

	if (ctl_lists_cache_dir(cfg, dir, sizeof(dir)) == -1) {
		log_warnx("state_dir is too long");
		return -1;
	}
	for (i = 0; i < cfg->n_blacklists; i++) {
		ctl_blacklist_source_spec(&cfg->blacklists[i], &spec);
		rc = bl_source_load(dir, &spec, &body, &len, err, sizeof(err));
		if (rc != 0) {
			if (rc == 1)
				log_warnx("list %s: not downloaded yet (run "
				    "finderscope blacklist fetch)", spec.name);
			else
				log_warnx("list %s: %s", spec.name, err);
			missing++;
			continue;
		}
		lists[i] = ctl_lists_parse(cfg, i, body, len, &report);
		free(body);
		if (lists[i] == NULL) {
			log_warnx("list %s: out of memory", spec.name);
			return -1;
		}
		ctl_lists_log_report(spec.name, &report);
	}
	return missing;
}

/*
 * name"text" with " and \ escaped: a label is printable ASCII (the parser
 * sanitised it) but may hold quotes that would end the field early.
 */
static void
print_quoted(const char *name, const char *text)
{
	fputs(name, stdout);
	putchar('"');
	for (; *text != '\0'; text++) {
		if (*text == '"' || *text == '\\')
			putchar('\\');
		putchar(*text);
	}
	putchar('"');
}

static void
print_matches(const char *text, const struct bl_match *m, size_t n)
{
	char prefix[NETADDR_STRLEN];
	size_t i;

	if (n == 0) {
		printf("%s not listed\n", text);
		return;
	}
	for (i = 0; i < n; i++) {
		printf("%s %s group=%s list=%s prefix=%s/%u line=%u", text,
		    m[i].kind == BL_GROUP_ALLOW ? "allow" :
		    m[i].kind == BL_GROUP_LOCAL ? "local" : "watch",
		    m[i].group_name, m[i].list, netaddr_format(&m[i].prefix,
		    prefix, sizeof(prefix)), m[i].plen, m[i].line);
		/* Labels come from the internet: sanitised, and quoted. */
		if (m[i].label[0] != '\0')
			print_quoted(" label=", m[i].label);
		putchar('\n');
	}
}

static int
check(const struct ctl_config *cfg, int argc, char **argv)
{
	struct bl_match m[BL_MAX_GROUPS];
	struct bl_list **lists;
	struct bl_table *t = NULL;
	struct netaddr a;
	char err[512];
	int i, rc = 0;

	if (argc == 0) {
		cmd_blacklist_usage();
		return 1;
	}
	if ((lists = calloc(cfg->n_blacklists + 1, sizeof(*lists))) == NULL)
		fatalx("out of memory");
	if (load_lists(cfg, lists) == -1)
		rc = 2;
	else if ((t = ctl_lists_build_table(cfg, lists, err, sizeof(err))) ==
	    NULL) {
		log_warnx("%s", err);
		rc = 2;
	}
	for (i = 0; t != NULL && i < argc; i++) {
		if (netaddr_parse(argv[i], &a) == -1) {
			log_warnx("'%s' is not an IPv4 or IPv6 address",
			    argv[i]);
			rc = 2;
			continue;
		}
		print_matches(argv[i], m, bl_table_lookup(t, &a, m,
		    BL_MAX_GROUPS));
	}
	bl_table_free(t);
	for (i = 0; (size_t)i < cfg->n_blacklists; i++)
		bl_list_free(lists[i]);
	free(lists);
	return rc;
}

/* What `fetch` learned of one list. */
struct fetch_list {
	int			 done;
	time_t			 next_s;	/* when a deferred list is due */
	enum bl_fetch_status	 status;
	char			 error[256];
	long			 http_status;
	uint64_t		 bytes;
	double			 duration_s;
	int			 cached;	/* a copy was there at start */
	uint64_t		 entries;
	uint64_t		 rejected;
};

struct fetch_run {
	const struct ctl_config	*cfg;
	struct event_base	*base;
	struct bl_fetcher	*fetcher;
	struct fetch_list	*lists;
};

/* Count what a body holds; tell the fetcher of a feed's own expiry. */
static void
count_entries(struct fetch_run *r, size_t i, const void *body, size_t len)
{
	struct bl_parse_report report;
	struct bl_list *l;

	if ((l = ctl_lists_parse(r->cfg, i, body, len, &report)) == NULL)
		fatalx("out of memory");
	r->lists[i].entries = report.entries;
	r->lists[i].rejected = report.rejected;
	if (report.expires != 0)
		bl_fetcher_not_before(r->fetcher, bl_list_name(l),
		    report.expires);
	bl_list_free(l);
}

static void
fetch_result(void *ctx, const struct bl_fetch_result *res)
{
	struct fetch_run *r = ctx;
	struct fetch_list *fl;
	long i = ctl_config_find_blacklist(r->cfg, res->name);

	if (i < 0)
		return;
	fl = &r->lists[i];
	if (res->status == BL_FETCH_CACHED) {
		/* Counted now: a "not modified" or failed attempt keeps it. */
		fl->cached = 1;
		fl->next_s = res->next_s;
		count_entries(r, (size_t)i, res->body, res->len);
		return;
	}
	if (fl->done)
		return;		/* a retry after a failure: already reported */
	fl->done = 1;
	fl->status = res->status;
	fl->http_status = res->http_status;
	fl->bytes = res->bytes;
	fl->duration_s = res->duration_s;
	if (res->error != NULL)
		snprintf(fl->error, sizeof(fl->error), "%s", res->error);
	if (res->status == BL_FETCH_UPDATED)
		count_entries(r, (size_t)i, res->body, res->len);
	/* Lists whose feed said "not before" are not busy: no waiting. */
	if (bl_fetcher_busy(r->fetcher) == 0)
		event_base_loopbreak(r->base);
}

static const char *
status_name(const struct fetch_list *fl)
{
	if (!fl->done)
		return fl->next_s > time(NULL) ? "not-due" : "failed";
	switch (fl->status) {
	case BL_FETCH_UPDATED:
		return "updated";
	case BL_FETCH_NOT_MODIFIED:
		return "not-modified";
	default:
		return "failed";
	}
}

static int
report_fetch(const struct fetch_run *r)
{
	const struct fetch_list *fl;
	size_t i;
	int rc = 0;

	for (i = 0; i < r->cfg->n_blacklists; i++) {
		fl = &r->lists[i];
		printf("%-24s %-13s entries %-8llu rejected %-6llu bytes %-10llu "
		    "%.2f s", r->cfg->blacklists[i].name, status_name(fl),
		    (unsigned long long)fl->entries,
		    (unsigned long long)fl->rejected,
		    (unsigned long long)fl->bytes, fl->duration_s);
		if (!fl->done && fl->next_s > time(NULL)) {
			/* The feed's own "Expires:": the cached copy stands. */
			printf(" until %lld", (long long)fl->next_s);
		} else if (!fl->done || fl->status == BL_FETCH_FAILED) {
			rc = 2;
			printf(" error \"%s\"%s", fl->done ? fl->error :
			    "no answer in time", fl->cached ?
			    " (the previous copy is kept)" : "");
		}
		putchar('\n');
	}
	return rc;
}

static int
fetch(const struct ctl_config *cfg)
{
	struct bl_source_spec spec;
	struct fetch_run r;
	struct timeval limit = { FETCH_GRACE_S, 0 };
	char dir[1024], err[512];
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	if (ctl_lists_cache_dir(cfg, dir, sizeof(dir)) == -1)
		fatalx("state_dir is too long");
	if ((r.lists = calloc(cfg->n_blacklists + 1, sizeof(*r.lists))) ==
	    NULL || (r.base = event_base_new()) == NULL)
		fatalx("out of memory");
	r.fetcher = bl_fetcher_new(r.base, dir, "finderscope/"
	    FINDERSCOPE_VERSION, fetch_result, &r, err, sizeof(err));
	if (r.fetcher == NULL) {
		log_warnx("%s", err);
		rc = 2;
		goto out;
	}
	for (i = 0; i < cfg->n_blacklists; i++) {
		ctl_blacklist_source_spec(&cfg->blacklists[i], &spec);
		if (spec.timeout_s + FETCH_GRACE_S > (uint32_t)limit.tv_sec)
			limit.tv_sec = spec.timeout_s + FETCH_GRACE_S;
		if (bl_fetcher_add(r.fetcher, &spec, err, sizeof(err)) == -1)
			log_warnx("list %s: %s", spec.name, err);
	}
	if (bl_fetcher_busy(r.fetcher) > 0) {
		event_base_loopexit(r.base, &limit);
		event_base_dispatch(r.base);
	}
	rc = report_fetch(&r);
out:
	bl_fetcher_free(r.fetcher);
	event_base_free(r.base);
	free(r.lists);
	return rc;
}

int
cmd_blacklist(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_config *cfg;
	const char *path = NULL, *verb;
	char err[1024];
	int ch, rc;

	if (argc < 2) {
		cmd_blacklist_usage();
		return 1;
	}
	verb = argv[1];
	optind = 1;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			cmd_blacklist_usage();
			return 0;
		default:
			cmd_blacklist_usage();
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL || (strcmp(verb, "check") != 0 &&
	    strcmp(verb, "fetch") != 0) ||
	    (strcmp(verb, "fetch") == 0 && argc != 0)) {
		cmd_blacklist_usage();
		return 1;
	}
	if ((cfg = ctl_config_load(path, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	rc = strcmp(verb, "check") == 0 ? check(cfg, argc, argv) : fetch(cfg);
	if (fflush(stdout) != 0)
		rc = 2;
	ctl_config_free(cfg);
	return rc;
}
