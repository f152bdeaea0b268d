/*
 * fetch_driver.c - runs a bl_fetcher on a libevent loop over the sources
 * of a file and prints every result as one tab-separated line, for
 * check_fetch.py.
 *
 * usage: fetch_driver [--cache DIR] [--rounds N] [--deadline SECS]
 *            [--idle] [--backoff-ms BASE,MAX] [--seed N]
 *            [--not-before NAME=SECS]... SOURCES
 *
 * SOURCES has one source per line, "key=value" words: name= format=
 * url= file= allow_http=0|1 ca_file= refresh= connect_timeout= timeout=
 * max_bytes= ('#' lines and blank lines are skipped).
 *
 * Output lines:
 *   add	NAME	ok
 *   add	NAME	error	MESSAGE
 *   result	MS	NAME	STATUS	HTTP	BYTES	LEN	FNV1A64	NEXT_IN	ERROR
 *   end	rounds|idle|deadline	busy=N
 * MS is milliseconds since start, NEXT_IN seconds until the next attempt
 * (-1 if none), ERROR "-" if none.
 *
 * It stops when every source added has had N results other than CACHED
 * (--rounds, default 1), when nothing is busy (--idle), or at the
 * deadline (default 30 s).  --not-before NAME=SECS calls
 * bl_fetcher_not_before(NAME, now + SECS) after NAME's first UPDATED,
 * as the controller does with a feed's "Expires:".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "blacklists.h"
#include "bl_fetch.h"

#define MAX_SOURCES	32
#define MAX_NOT_BEFORE	8

struct driver {
	struct event_base	*base;
	struct bl_fetcher	*fetcher;
	struct timespec		 start;
	int			 rounds;
	int			 idle;
	const char		*reason;
	size_t			 n;
	char			 names[MAX_SOURCES][BL_NAME_MAX];
	int			 results[MAX_SOURCES];
	size_t			 n_nb;
	struct {
		const char	*name;
		long		 secs;
		int		 done;
	}			 nb[MAX_NOT_BEFORE];
};

static const char *
status_name(enum bl_fetch_status st)
{
	switch (st) {
	case BL_FETCH_UPDATED:		return "updated";
	case BL_FETCH_NOT_MODIFIED:	return "not_modified";
	case BL_FETCH_CACHED:		return "cached";
	case BL_FETCH_FAILED:		return "failed";
	}
	return "unknown";
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Done when every source has had its rounds, or nothing is busy. */
static void
maybe_stop(struct driver *d)
{
	size_t i;

	if (d->reason != NULL)
		return;
	if (d->idle) {
		if (d->fetcher != NULL && bl_fetcher_busy(d->fetcher) == 0) {
			d->reason = "idle";
			event_base_loopbreak(d->base);
		}
		return;
	}
	for (i = 0; i < d->n; i++)
		if (d->results[i] < d->rounds)
			return;
	d->reason = "rounds";
	event_base_loopbreak(d->base);
}

static void
on_result(void *ctx, const struct bl_fetch_result *r)
{
	struct driver *d = ctx;
	char error[512];
	size_t i;
	long next_in = r->next_s ? (long)(r->next_s - time(NULL)) : -1;

	snprintf(error, sizeof(error), "%s", r->error ? r->error : "-");
	for (i = 0; error[i] != '\0'; i++)
		if (error[i] == '\t' || error[i] == '\n')
			error[i] = ' ';
	printf("result\t%ld\t%s\t%s\t%ld\t%llu\t%zu\t%016llx\t%ld\t%s\n",
	    ms_since(&d->start), r->name, status_name(r->status),
	    r->http_status, (unsigned long long)r->bytes, r->len,
	    (unsigned long long)bl_fetch_fnv1a64(r->body, r->len), next_in,
	    error);
	fflush(stdout);
	if (r->status == BL_FETCH_CACHED)
		return;
	for (i = 0; i < d->n; i++)
		if (strcmp(d->names[i], r->name) == 0)
			d->results[i]++;
	for (i = 0; i < d->n_nb; i++)
		if (r->status == BL_FETCH_UPDATED && !d->nb[i].done &&
		    strcmp(d->nb[i].name, r->name) == 0) {
			d->nb[i].done = 1;
			bl_fetcher_not_before(d->fetcher, r->name,
			    time(NULL) + d->nb[i].secs);
		}
	maybe_stop(d);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct driver *d = arg;

	(void)fd;
	(void)what;
	if (d->reason == NULL)
		d->reason = "deadline";
	event_base_loopbreak(d->base);
}

static const char *
value_of(const char *word, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(word, key, n) == 0 && word[n] == '=')
		return word + n + 1;
	return NULL;
}

/* Parse one line into spec (pointing into line).  -1 on a bad word. */
static int
parse_line(char *line, struct bl_source_spec *sp)
{
	char *word, *save = NULL;
	const char *v;

	memset(sp, 0, sizeof(*sp));
	sp->format = BL_FORMAT_PLAIN;
	for (word = strtok_r(line, " \t\r\n", &save); word != NULL;
	    word = strtok_r(NULL, " \t\r\n", &save)) {
		if ((v = value_of(word, "name")) != NULL)
			sp->name = v;
		else if ((v = value_of(word, "format")) != NULL) {
			if (bl_format_from_name(v, &sp->format) == -1)
				return -1;
		} else if ((v = value_of(word, "url")) != NULL)
			sp->url = v;
		else if ((v = value_of(word, "file")) != NULL)
			sp->file = v;
		else if ((v = value_of(word, "allow_http")) != NULL)
			sp->allow_http = atoi(v);
		else if ((v = value_of(word, "ca_file")) != NULL)
			sp->ca_file = v;
		else if ((v = value_of(word, "refresh")) != NULL)
			sp->refresh_s = (uint32_t)strtoul(v, NULL, 10);
		else if ((v = value_of(word, "connect_timeout")) != NULL)
			sp->connect_timeout_s = (uint32_t)strtoul(v, NULL, 10);
		else if ((v = value_of(word, "timeout")) != NULL)
			sp->timeout_s = (uint32_t)strtoul(v, NULL, 10);
		else if ((v = value_of(word, "max_bytes")) != NULL)
			sp->max_bytes = strtoull(v, NULL, 10);
		else
			return -1;
	}
	return sp->name != NULL ? 0 : -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: fetch_driver [--cache DIR] [--rounds N] "
	    "[--deadline SECS] [--idle] [--backoff-ms BASE,MAX] [--seed N] "
	    "[--not-before NAME=SECS]... SOURCES\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct driver d;
	struct event *deadline = NULL;
	struct timeval tv;
	const char *cache = NULL, *sources = NULL;
	double deadline_s = 30;
	unsigned long long backoff_base = 0, backoff_max = 0, seed = 0;
	int have_seed = 0, i, rc = 1;
	char line[4096], err[256];
	FILE *fp;

	memset(&d, 0, sizeof(d));
	d.rounds = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--idle") == 0)
			d.idle = 1;
		else if (i + 1 >= argc)
			sources = a;
		else if (strcmp(a, "--cache") == 0)
			cache = argv[++i];
		else if (strcmp(a, "--rounds") == 0)
			d.rounds = atoi(argv[++i]);
		else if (strcmp(a, "--deadline") == 0)
			deadline_s = atof(argv[++i]);
		else if (strcmp(a, "--backoff-ms") == 0) {
			if (sscanf(argv[++i], "%llu,%llu", &backoff_base,
			    &backoff_max) != 2)
				return usage();
		} else if (strcmp(a, "--seed") == 0) {
			seed = strtoull(argv[++i], NULL, 0);
			have_seed = 1;
		} else if (strcmp(a, "--not-before") == 0) {
			char *eq = strchr(argv[++i], '=');

			if (eq == NULL || d.n_nb == MAX_NOT_BEFORE)
				return usage();
			*eq = '\0';
			d.nb[d.n_nb].name = argv[i];
			d.nb[d.n_nb].secs = atol(eq + 1);
			d.n_nb++;
		} else
			return usage();
	}
	if (sources == NULL)
		return usage();
	if ((fp = fopen(sources, "r")) == NULL) {
		perror(sources);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &d.start);
	if ((d.base = event_base_new()) == NULL)
		goto out;
	d.fetcher = bl_fetcher_new(d.base, cache, NULL, on_result, &d, err,
	    sizeof(err));
	if (d.fetcher == NULL) {
		fprintf(stderr, "fetch_driver: %s\n", err);
		goto out;
	}
	if (backoff_base != 0)
		bl_fetcher_set_backoff(d.fetcher, backoff_base, backoff_max);
	if (have_seed)
		bl_fetcher_set_seed(d.fetcher, seed);
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct bl_source_spec sp;
		char copy[sizeof(line)];

		if (line[strspn(line, " \t\r\n")] == '\0' || line[0] == '#')
			continue;
		memcpy(copy, line, sizeof(line));
		if (parse_line(copy, &sp) == -1) {
			fprintf(stderr, "fetch_driver: bad line: %s", line);
			goto out;
		}
		if (d.n == MAX_SOURCES)
			goto out;
		/* Counted first: add() may report CACHED at once. */
		snprintf(d.names[d.n], sizeof(d.names[d.n]), "%s", sp.name);
		d.n++;
		if (bl_fetcher_add(d.fetcher, &sp, err, sizeof(err)) == -1) {
			d.n--;
			printf("add\t%s\terror\t%s\n", sp.name, err);
		} else
			printf("add\t%s\tok\n", sp.name);
		fflush(stdout);
	}
	tv.tv_sec = (time_t)deadline_s;
	tv.tv_usec = (suseconds_t)((deadline_s - (double)tv.tv_sec) * 1e6);
	if ((deadline = evtimer_new(d.base, on_deadline, &d)) == NULL ||
	    evtimer_add(deadline, &tv) == -1)
		goto out;
	maybe_stop(&d);
	if (d.reason == NULL)
		event_base_dispatch(d.base);
	printf("end\t%s\tbusy=%zu\n", d.reason ? d.reason : "empty",
	    bl_fetcher_busy(d.fetcher));
	rc = 0;
out:
	fflush(stdout);
	fclose(fp);
	if (deadline != NULL)
		event_free(deadline);
	bl_fetcher_free(d.fetcher);
	if (d.base != NULL)
		event_base_free(d.base);
	return rc;
}
