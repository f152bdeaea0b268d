/*
 * rules_driver.c - runs rule client operations (rules/rules.h, the
 * cumulus-acl or ovs backend) on a libevent loop against a switch, and
 * prints every result as tab-separated lines, for check_rules.py and
 * check_ovs.py.
 *
 * usage: rules_driver [--backend cumulus-acl|ovs] --url URL
 *            [--mirror-port P] [--priority N] [--ofctl PATH]
 *            [--allow-http] [--user U]
 *            [--password-env VAR] [--ca FILE] [--pin PIN]
 *            [--timeout-ms N] [--retries N] [--concurrency N]
 *            [--verify-delay-ms N] [--backoff-ms BASE,MAX] [--seed N]
 *            [--erspan-src ADDR] [--receiver ADDR] [--parallel]
 *            [--deadline SECS] OP...
 *
 * OP is one word, comma separated:
 *   install,NAME,LOCAL,REMOTE[,PROTO,LPORT,RPORT]
 *   verify,NAME[,LOCAL,REMOTE[,PROTO,LPORT,RPORT]]
 *   remove,NAME
 *   list
 * Operations run one after the other, or all at once with --parallel.
 * The password comes from an environment variable so that it is never on
 * a command line.
 *
 * Output lines (I is the operation's index):
 *   start	I	refused	ERROR          (the call refused it)
 *   result	I	MS	OP	NAME	STATUS	HTTP	ATTEMPTS	ERROR
 *   line	I	TEXT                   (verify, install)
 *   lasterror	I	clean|RC               (verify, install, when read)
 *   lasterror_line	I	TEXT
 *   name	I	NAME                   (list)
 *   end	done|deadline	busy=N
 * MS is milliseconds since the start, ERROR "-" if none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "rules.h"

#define MAX_OPS	256

struct driver;

/* What a callback needs: its driver and the operation's index. */
struct op_ctx {
	struct driver	*d;
	int		 i;
};

struct driver {
	struct event_base		*base;
	const struct rule_backend_ops	*ops;
	struct rule_client		*client;
	struct timespec			 start;
	struct netaddr			 erspan_src, receiver;
	int				 parallel;
	int				 n_ops, next_op, done_ops;
	char				**words;
	struct op_ctx			 ctx[MAX_OPS];
	const char			*reason;
};

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)((now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Tabs and newlines of s (switch text, already sanitised) as spaces. */
static const char *
flat(const char *s, char *buf, size_t size)
{
	size_t i;

	snprintf(buf, size, "%s", s != NULL && s[0] != '\0' ? s : "-");
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\t' || buf[i] == '\n')
			buf[i] = ' ';
	return buf;
}

static void	start_next(struct driver *);

static void
on_done(void *arg, const struct rule_result *r)
{
	struct op_ctx *ctx = arg;
	struct driver *d = ctx->d;
	int *index = &ctx->i;
	char text[RULE_ERR_MAX + RULE_LINE_MAX];
	size_t i;

	printf("result\t%d\t%ld\t%s\t%s\t%s\t%ld\t%u\t%s\n", *index,
	    ms_since(&d->start), r->op, r->name[0] ? r->name : "-",
	    rule_status_name(r->status), r->http_code, r->attempts,
	    flat(r->error, text, sizeof(text)));
	for (i = 0; i < r->n_lines; i++)
		printf("line\t%d\t%s\n", *index, flat(r->lines[i], text,
		    sizeof(text)));
	if (strcmp(r->op, "install") == 0 || strcmp(r->op, "verify") == 0) {
		if (r->lasterror_clean)
			printf("lasterror\t%d\tclean\n", *index);
		else if (r->lasterror_rc != 0)
			printf("lasterror\t%d\t%ld\n", *index,
			    r->lasterror_rc);
		for (i = 0; i < r->n_lasterror_lines; i++)
			printf("lasterror_line\t%d\t%s\n", *index,
			    flat(r->lasterror_lines[i], text, sizeof(text)));
	}
	for (i = 0; i < r->n_names; i++)
		printf("name\t%d\t%s\n", *index, r->names[i]);
	fflush(stdout);
	d->done_ops++;
	if (!d->parallel)
		start_next(d);
	if (d->done_ops == d->n_ops && d->reason == NULL) {
		d->reason = "done";
		event_base_loopbreak(d->base);
	}
}

/* "LOCAL,REMOTE[,PROTO,LPORT,RPORT]" fields into c.  -1 if bad. */
static int
parse_capture(struct driver *d, char **f, int nf, struct rule_capture *c)
{
	memset(c, 0, sizeof(*c));
	if (nf != 2 && nf != 5)
		return -1;
	if (netaddr_parse(f[0], &c->local) == -1 ||
	    netaddr_parse(f[1], &c->remote) == -1)
		return -1;
	if (nf == 5) {
		c->proto = (uint8_t)atoi(f[2]);
		c->local_port = (uint16_t)atoi(f[3]);
		c->remote_port = (uint16_t)atoi(f[4]);
	}
	c->erspan_src = d->erspan_src;
	c->receiver = d->receiver;
	snprintf(c->in_interface, sizeof(c->in_interface), "swp+");
	return 0;
}

static int
start_op(struct driver *d, int i)
{
	char copy[1024], *f[8], *save = NULL, *w, err[RULE_ERR_MAX];
	struct rule_capture c;
	int nf = 0, rc = -1;
	struct op_ctx *arg = &d->ctx[i];

	snprintf(copy, sizeof(copy), "%s", d->words[i]);
	for (w = strtok_r(copy, ",", &save); w != NULL && nf < 8;
	    w = strtok_r(NULL, ",", &save))
		f[nf++] = w;
	snprintf(err, sizeof(err), "bad operation");
	if (nf >= 1 && strcmp(f[0], "list") == 0 && nf == 1)
		rc = d->ops->list(d->client, on_done, arg, err, sizeof(err));
	else if (nf == 2 && strcmp(f[0], "remove") == 0)
		rc = d->ops->remove(d->client, f[1], on_done, arg, err,
		    sizeof(err));
	else if (nf >= 4 && strcmp(f[0], "install") == 0 &&
	    parse_capture(d, f + 2, nf - 2, &c) == 0)
		rc = d->ops->install(d->client, f[1], &c, on_done, arg, err,
		    sizeof(err));
	else if (nf == 2 && strcmp(f[0], "verify") == 0)
		rc = d->ops->verify(d->client, f[1], NULL, on_done, arg, err,
		    sizeof(err));
	else if (nf >= 4 && strcmp(f[0], "verify") == 0 &&
	    parse_capture(d, f + 2, nf - 2, &c) == 0)
		rc = d->ops->verify(d->client, f[1], &c, on_done, arg, err,
		    sizeof(err));
	if (rc == -1) {
		printf("start\t%d\trefused\t%s\n", i, err);
		fflush(stdout);
	}
	return rc;
}

static void
start_next(struct driver *d)
{
	while (d->next_op < d->n_ops) {
		int i = d->next_op++;

		if (start_op(d, i) == 0)
			return;
		d->done_ops++;	/* refused: no callback */
	}
	if (d->done_ops == d->n_ops && d->reason == NULL) {
		d->reason = "done";
		event_base_loopbreak(d->base);
	}
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

static int
usage(void)
{
	fprintf(stderr, "usage: rules_driver [--backend NAME] --url URL "
	    "[--mirror-port P] [--priority N] [--ofctl PATH] [--allow-http] "
	    "[--user U] [--password-env VAR] [--ca FILE] [--pin PIN] "
	    "[--timeout-ms N] [--retries N] [--concurrency N] "
	    "[--verify-delay-ms N] [--backoff-ms BASE,MAX] [--seed N] "
	    "[--erspan-src A] [--receiver A] [--parallel] [--deadline S] "
	    "OP...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct driver d;
	struct rule_client_opts o;
	struct event *deadline = NULL;
	struct timeval tv;
	const char *backend = "cumulus-acl";
	double deadline_s = 30;
	unsigned bb = 0, bm = 0;
	char err[RULE_ERR_MAX];
	int i, rc = 1;

	memset(&d, 0, sizeof(d));
	memset(&o, 0, sizeof(o));
	netaddr_parse("127.0.0.2", &d.erspan_src);
	netaddr_parse("127.0.0.3", &d.receiver);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--allow-http") == 0)
			o.allow_http = 1;
		else if (strcmp(a, "--parallel") == 0)
			d.parallel = 1;
		else if (i + 1 >= argc)
			return usage();
		else if (strcmp(a, "--url") == 0)
			o.base_url = argv[++i];
		else if (strcmp(a, "--backend") == 0)
			backend = argv[++i];
		else if (strcmp(a, "--mirror-port") == 0)
			o.ovs_mirror_port = argv[++i];
		else if (strcmp(a, "--priority") == 0)
			o.ovs_priority = (uint32_t)atoi(argv[++i]);
		else if (strcmp(a, "--ofctl") == 0)
			o.ovs_ofctl = argv[++i];
		else if (strcmp(a, "--user") == 0)
			o.user = argv[++i];
		else if (strcmp(a, "--password-env") == 0) {
			if ((o.password = getenv(argv[++i])) == NULL)
				return usage();
		} else if (strcmp(a, "--ca") == 0)
			o.ca_file = argv[++i];
		else if (strcmp(a, "--pin") == 0)
			o.pin = argv[++i];
		else if (strcmp(a, "--timeout-ms") == 0)
			o.timeout_ms = (uint32_t)atoi(argv[++i]);
		else if (strcmp(a, "--retries") == 0) {
			o.retries = (uint32_t)atoi(argv[++i]);
			o.retries_set = 1;
		} else if (strcmp(a, "--concurrency") == 0)
			o.concurrency = (uint32_t)atoi(argv[++i]);
		else if (strcmp(a, "--verify-delay-ms") == 0)
			o.verify_delay_ms = (uint32_t)atoi(argv[++i]);
		else if (strcmp(a, "--backoff-ms") == 0) {
			if (sscanf(argv[++i], "%u,%u", &bb, &bm) != 2)
				return usage();
			o.backoff_base_ms = bb;
			o.backoff_max_ms = bm;
		} else if (strcmp(a, "--seed") == 0)
			o.seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(a, "--erspan-src") == 0) {
			if (netaddr_parse(argv[++i], &d.erspan_src) == -1)
				return usage();
		} else if (strcmp(a, "--receiver") == 0) {
			if (netaddr_parse(argv[++i], &d.receiver) == -1)
				return usage();
		} else if (strcmp(a, "--deadline") == 0)
			deadline_s = atof(argv[++i]);
		else
			return usage();
	}
	d.words = argv + i;
	d.n_ops = argc - i;
	if (d.n_ops == 0 || d.n_ops > MAX_OPS || o.base_url == NULL)
		return usage();
	for (i = 0; i < d.n_ops; i++) {
		d.ctx[i].d = &d;
		d.ctx[i].i = i;
	}
	clock_gettime(CLOCK_MONOTONIC, &d.start);
	if ((d.ops = rule_backend_find(backend)) == NULL)
		return usage();
	if ((d.base = event_base_new()) == NULL)
		goto out;
	if ((d.client = d.ops->client_new(d.base, &o, err, sizeof(err))) ==
	    NULL) {
		printf("client\terror\t%s\n", err);
		rc = 0;
		goto out;
	}
	tv.tv_sec = (time_t)deadline_s;
	tv.tv_usec = (suseconds_t)((deadline_s - (double)tv.tv_sec) * 1e6);
	if ((deadline = evtimer_new(d.base, on_deadline, &d)) == NULL ||
	    evtimer_add(deadline, &tv) == -1)
		goto out;
	if (d.parallel) {
		while (d.next_op < d.n_ops)
			if (start_op(&d, d.next_op++) == -1)
				d.done_ops++;
		if (d.done_ops == d.n_ops)
			d.reason = "done";
	} else
		start_next(&d);
	if (d.reason == NULL)
		event_base_dispatch(d.base);
	printf("end\t%s\tbusy=%zu\n", d.reason ? d.reason : "empty",
	    d.ops->busy(d.client));
	rc = 0;
out:
	fflush(stdout);
	if (deadline != NULL)
		event_free(deadline);
	if (d.client != NULL)
		d.ops->client_free(d.client);
	if (d.base != NULL)
		event_base_free(d.base);
	return rc;
}
