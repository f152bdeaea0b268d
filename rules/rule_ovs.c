/*
 * rule_ovs.c - the Open vSwitch backend ("ovs"): each operation is a short
 * chain of ovs-ofctl runs, child processes on the caller's event loop
 * (common/child_proc.c), with a deadline each, at most `concurrency` at
 * once per bridge, the rest in a bounded FIFO, and retries with backoff
 * for the failures that may pass (timeouts, a daemon not listening yet).
 *
 *   install  [dump-flows cookie=TAG/MASK, once per client: learn which
 *            priorities our flows hold]
 *            -> add-flows --bundle TARGET - ("delete cookie=C/-1" and the
 *               two "add" lines, atomically; without --bundle when the
 *               bridge cannot do OpenFlow 1.4)
 *            -> dump-flows cookie=C/-1: OK, MISMATCH or ABSENT
 *   verify   dump-flows cookie=C/-1 (ABSENT, MISMATCH against expect)
 *   remove   del-flows cookie=C/-1 (absent counts as removed)
 *   list     dump-flows cookie=TAG/MASK: the names in the notes
 * The rendering and the reading of dumps are rule_ovs_flows.c.
 *
 * Priorities.  OVS identifies a flow by its match and priority: a second
 * capture of the same pair at the same priority would replace the first,
 * and removing one would silently end the other's mirroring.  So every
 * live name of this client holds a priority of its own, base + the
 * smallest free offset, kept in `prios`.  Our flows all forward NORMAL and
 * output to the same mirror port, so when two overlap, whichever matches
 * mirrors the packet, and removing one leaves the other working.  The
 * table learns from the bridge (a list, a verify, or the first install's
 * dump) what it did not install itself, e.g. after a restart; a name it
 * already holds is never overwritten by what a dump says.
 *
 * An operation is in one of three places, like rule_http.c's requests:
 * WAITING (its timer runs: backoff, or a failed spawn to report from the
 * loop), QUEUED, or RUNNING (its child is alive, counted in `running`);
 * and on the list of all operations, so freeing the client finds them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/event.h>

#include "child_proc.h"
#include "rule_impl.h"

#define MAX_TRACKED	4096	/* names with a priority, per client */
#define KEEP_FLOWS	8	/* flows kept from one capture's dump */

enum op_kind {
	OP_INSTALL = 0,
	OP_VERIFY,
	OP_REMOVE,
	OP_LIST,
};

static const char *const op_names[] = { "install", "verify", "remove",
    "list" };

enum op_step {
	STEP_LEARN = 0,		/* dump all of ours */
	STEP_ADD,
	STEP_DUMP,		/* dump one cookie */
	STEP_DEL,
	STEP_LIST,
};

static const char *const step_names[] = { "dump-flows", "add-flows",
    "dump-flows", "del-flows", "dump-flows" };

enum op_place {
	PLACE_WAITING = 0,
	PLACE_QUEUED,
	PLACE_RUNNING,
};

struct prio {
	uint64_t	cookie;
	uint32_t	priority;
	char		name[RULE_NAME_MAX + 1];
};

struct ovs_op {
	struct ovs_op		*prev, *next;	/* all operations */
	struct ovs_op		*qnext;		/* the FIFO */
	struct rule_client	*c;
	enum op_kind		 kind;
	enum op_step		 step;
	enum op_place		 place;
	char			 name[RULE_NAME_MAX + 1];
	uint64_t		 cookie;
	struct rule_capture	 cap;
	int			 have_cap;
	uint32_t		 priority;	/* 0: not known */
	int			 fresh_prio;	/* this install reserved it */
	struct child_proc	*child;
	struct event		*timer;
	int			 spawn_failed;	/* report err from the loop */
	uint32_t		 attempts;	/* of this step */
	uint32_t		 retries;	/* of this step */
	char			 err[RULE_ERR_MAX];
	char			 input[RULE_OVS_INPUT_MAX];
	size_t			 input_len;
	struct rule_strings	 lines, names;
	rule_done_cb		*cb;
	void			*arg;
};

struct rule_client {
	struct event_base	*base;
	char			*target, *port, *ofctl;
	int			 port_is_name;	/* dump with --names */
	uint32_t		 prio_base, timeout_ms, retries, concurrency;
	uint32_t		 backoff_base_ms, backoff_max_ms;
	uint64_t		 prng;
	int			 no_bundle;	/* the bridge refused one */
	int			 learned;	/* read all our flows once */
	struct ovs_op		*ops, *qhead, *qtail;
	size_t			 n_ops, running;
	struct prio		*prios;
	size_t			 n_prios, cap_prios;
};

static void	pump(struct rule_client *);
static void	step_start(struct ovs_op *, enum op_step);
static void	on_timer(evutil_socket_t, short, void *);

static const char *const child_env[] = { "LC_ALL=C", NULL };

/* ---- the priority table ------------------------------------------------- */

static struct prio *
prio_find(struct rule_client *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_prios; i++)
		if (strcmp(c->prios[i].name, name) == 0)
			return &c->prios[i];
	return NULL;
}

static struct prio *
prio_add(struct rule_client *c, const char *name, uint32_t priority)
{
	struct prio *p;
	size_t cap;

	if (c->n_prios == MAX_TRACKED)
		return NULL;
	if (c->n_prios == c->cap_prios) {
		cap = c->cap_prios ? c->cap_prios * 2 : 16;
		if ((p = realloc(c->prios, cap * sizeof(*p))) == NULL)
			return NULL;
		c->prios = p;
		c->cap_prios = cap;
	}
	p = &c->prios[c->n_prios++];
	p->cookie = rule_ovs_cookie(name);
	p->priority = priority;
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

static void
prio_drop(struct rule_client *c, const char *name)
{
	struct prio *p = prio_find(c, name);

	if (p != NULL)
		*p = c->prios[--c->n_prios];
}

/* The smallest priority from the base up that no name holds, or 0. */
static uint32_t
prio_free(const struct rule_client *c)
{
	uint64_t used[65536 / 64];
	uint32_t p;
	size_t i;

	memset(used, 0, sizeof(used));
	for (i = 0; i < c->n_prios; i++)
		used[c->prios[i].priority / 64] |= 1ULL <<
		    (c->prios[i].priority % 64);
	for (p = c->prio_base; p <= 65535; p++)
		if (!(used[p / 64] & 1ULL << (p % 64)))
			return p;
	return 0;
}

/*
 * A second name with our cookie would let one capture's remove delete the
 * other's flows (48-bit hashes: rare, not impossible): refuse it.
 */
static const char *
cookie_taken(const struct rule_client *c, const char *name, uint64_t cookie)
{
	size_t i;

	for (i = 0; i < c->n_prios; i++)
		if (c->prios[i].cookie == cookie &&
		    strcmp(c->prios[i].name, name) != 0)
			return c->prios[i].name;
	return NULL;
}

/* ---- kept strings --------------------------------------------------------- */

static void
keep(struct rule_strings *s, const char *text, size_t len, size_t cap)
{
	char *copy, **v;

	if (s->n >= cap) {
		s->skipped++;
		return;
	}
	if ((copy = strndup(text, len)) == NULL ||
	    (v = realloc(s->v, (s->n + 1) * sizeof(*v))) == NULL) {
		free(copy);
		s->skipped++;
		return;
	}
	rule_sanitize(copy);
	s->v = v;
	s->v[s->n++] = copy;
}

static int
kept(const struct rule_strings *s, const char *text)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], text) == 0)
			return 1;
	return 0;
}

/* ---- operations ------------------------------------------------------------ */

static struct ovs_op *
op_new(struct rule_client *c, enum op_kind kind, const char *name,
    rule_done_cb *cb, void *arg, char *err, size_t errlen)
{
	struct ovs_op *op;

	if (name != NULL && !rule_name_ok(name)) {
		snprintf(err, errlen, "bad rule name: expected 1 to %d of "
		    "[a-z0-9_], not \"%s\"", RULE_NAME_MAX, RULE_RESERVED_NAME);
		return NULL;
	}
	if (c->n_ops >= RULE_MAX_QUEUE) {
		snprintf(err, errlen, "too many operations for this bridge "
		    "(%d)", RULE_MAX_QUEUE);
		return NULL;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL ||
	    (op->timer = evtimer_new(c->base, on_timer, op)) == NULL) {
		free(op);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	op->c = c;
	op->kind = kind;
	if (name != NULL) {
		snprintf(op->name, sizeof(op->name), "%s", name);
		op->cookie = rule_ovs_cookie(name);
	}
	op->cb = cb;
	op->arg = arg;
	op->next = c->ops;
	if (c->ops != NULL)
		c->ops->prev = op;
	c->ops = op;
	c->n_ops++;
	return op;
}

/* Unlink op from the FIFO if it is queued. */
static void
unqueue(struct ovs_op *op)
{
	struct rule_client *c = op->c;
	struct ovs_op **pp, *prev = NULL;

	if (op->place != PLACE_QUEUED)
		return;
	for (pp = &c->qhead; *pp != NULL; prev = *pp, pp = &(*pp)->qnext)
		if (*pp == op) {
			*pp = op->qnext;
			if (c->qtail == op)
				c->qtail = prev;
			break;
		}
	op->place = PLACE_WAITING;
}

static void
op_free(struct ovs_op *op)
{
	struct rule_client *c = op->c;

	unqueue(op);
	if (op->child != NULL) {
		child_proc_cancel(op->child);
		c->running--;
	}
	if (op->prev != NULL)
		op->prev->next = op->next;
	else
		c->ops = op->next;
	if (op->next != NULL)
		op->next->prev = op->prev;
	c->n_ops--;
	if (op->timer != NULL)
		event_free(op->timer);
	rule_strings_free(&op->lines);
	rule_strings_free(&op->names);
	explicit_bzero(op->input, sizeof(op->input));
	free(op);
}

static void
op_end(struct ovs_op *op, enum rule_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report op (from the loop) and free it. */
static void
op_end(struct ovs_op *op, enum rule_status st, const char *fmt, ...)
{
	struct rule_client *c = op->c;
	struct rule_result r;
	va_list ap;

	if (op->kind == OP_INSTALL && st != RULE_OK && op->fresh_prio)
		prio_drop(c, op->name);
	memset(&r, 0, sizeof(r));
	r.status = st;
	r.op = op_names[op->kind];
	r.name = op->name;
	r.attempts = op->attempts;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r.error, sizeof(r.error), fmt, ap);
		va_end(ap);
		rule_sanitize(r.error);
	}
	r.lines = (const char *const *)op->lines.v;
	r.n_lines = op->lines.n;
	r.names = (const char *const *)op->names.v;
	r.n_names = op->names.n;
	r.n_names_skipped = op->names.skipped;
	op->cb(op->arg, &r);
	op_free(op);
}

/* ---- reading dumps ----------------------------------------------------- */

/* Learn the priorities of names we do not hold yet. */
static void
learn(struct rule_client *c, const struct rule_ovs_flow *f)
{
	if (f->name[0] == '\0' || rule_ovs_cookie(f->name) != f->cookie ||
	    prio_find(c, f->name) != NULL ||
	    cookie_taken(c, f->name, f->cookie) != NULL)
		return;
	prio_add(c, f->name, f->priority);
}

static void
on_learn_flow(void *arg, const struct rule_ovs_flow *f, const char *line,
    size_t len)
{
	(void)line;
	(void)len;
	learn(arg, f);
}

/* list: the names the notes hold, once each, only with their cookie. */
static void
on_list_flow(void *arg, const struct rule_ovs_flow *f, const char *line,
    size_t len)
{
	struct ovs_op *op = arg;

	(void)line;
	(void)len;
	learn(op->c, f);
	if (f->name[0] == '\0' || rule_ovs_cookie(f->name) != f->cookie) {
		op->names.skipped++;	/* ours by prefix, not by name */
		return;
	}
	if (!kept(&op->names, f->name))
		keep(&op->names, f->name, strlen(f->name), RULE_MAX_NAMES);
}

struct capture_dump {
	struct ovs_op		*op;
	struct rule_ovs_flow	 flows[KEEP_FLOWS];
	size_t			 n;
};

static void
on_capture_flow(void *arg, const struct rule_ovs_flow *f, const char *line,
    size_t len)
{
	struct capture_dump *cd = arg;

	keep(&cd->op->lines, line, len, RULE_MAX_LINES);
	if (cd->n < KEEP_FLOWS)
		cd->flows[cd->n] = *f;
	cd->n++;
}

/* One capture's flows against what it should be. */
static void
judge_capture(struct ovs_op *op, const char *out, size_t len)
{
	struct rule_client *c = op->c;
	struct rule_ovs_dump_stats st;
	struct rule_ovs_flow want[2];
	struct capture_dump cd;
	struct prio *p;
	char err[RULE_ERR_MAX];
	uint32_t priority;
	int any, ok;

	memset(&cd, 0, sizeof(cd));
	cd.op = op;
	rule_ovs_parse_dump(out, len, on_capture_flow, &cd, &st);
	if (cd.n + st.bad == 0) {
		op_end(op, RULE_ABSENT, "%s has no flows on the bridge",
		    op->name);
		return;
	}
	if (!op->have_cap) {
		op_end(op, RULE_OK, NULL);
		return;
	}
	p = prio_find(c, op->name);
	priority = op->priority != 0 ? op->priority : p != NULL ?
	    p->priority : c->prio_base;
	any = op->priority == 0 && p == NULL;
	if (rule_ovs_expect(&op->cap, op->name, priority, c->port, want, err,
	    sizeof(err)) == -1) {
		op_end(op, RULE_ERROR, "%s", err);
		return;
	}
	/* Exactly our two, either order; one priority for both. */
	ok = cd.n == 2 && st.bad == 0 &&
	    cd.flows[0].priority == cd.flows[1].priority &&
	    ((rule_ovs_flow_equal(&want[0], &cd.flows[0], any) &&
	    rule_ovs_flow_equal(&want[1], &cd.flows[1], any)) ||
	    (rule_ovs_flow_equal(&want[0], &cd.flows[1], any) &&
	    rule_ovs_flow_equal(&want[1], &cd.flows[0], any)));
	if (!ok) {
		op_end(op, RULE_MISMATCH, "%s: the bridge holds %zu flow%s "
		    "with its cookie%s, not the 2 we make", op->name,
		    cd.n + st.bad, cd.n + st.bad == 1 ? "" : "s",
		    cd.n == 2 && st.bad == 0 ? " that differ" : "");
		return;
	}
	if (any)
		learn(c, &cd.flows[0]);
	op_end(op, RULE_OK, NULL);
}

/* ---- steps ------------------------------------------------------------------ */

/*
 * install, once the bridge's priorities are known: a priority for the
 * name, the add-flows input, and the add queued.  -1 with err if not.
 */
static int
install_add(struct ovs_op *op, char *err, size_t errlen)
{
	struct rule_client *c = op->c;
	struct prio *p;
	const char *other;
	uint32_t priority;
	int n;

	if ((other = cookie_taken(c, op->name, op->cookie)) != NULL) {
		snprintf(err, errlen, "%s has the same cookie as %s: not "
		    "installed", op->name, other);
		return -1;
	}
	if ((p = prio_find(c, op->name)) == NULL) {
		if ((priority = prio_free(c)) == 0 ||
		    (p = prio_add(c, op->name, priority)) == NULL) {
			snprintf(err, errlen, "no free flow priority from "
			    "%" PRIu32 " up on this bridge", c->prio_base);
			return -1;
		}
		op->fresh_prio = 1;
	}
	op->priority = p->priority;
	n = rule_ovs_render_input(&op->cap, op->name, op->priority, c->port,
	    op->input, sizeof(op->input), err, errlen);
	if (n < 0) {
		if (op->fresh_prio)
			prio_drop(c, op->name);
		op->fresh_prio = 0;
		return -1;
	}
	op->input_len = (size_t)n;
	step_start(op, STEP_ADD);
	return 0;
}

/* A run succeeded (exit 0): the next step, or the end. */
static void
step_done(struct ovs_op *op, const char *out, size_t len)
{
	struct rule_ovs_dump_stats st;
	struct rule_client *c = op->c;
	char err[RULE_ERR_MAX];

	switch (op->step) {
	case STEP_LEARN:
		rule_ovs_parse_dump(out, len, on_learn_flow, c, &st);
		c->learned = 1;
		if (install_add(op, err, sizeof(err)) == -1)
			op_end(op, RULE_ERROR, "%s", err);
		return;
	case STEP_ADD:
		step_start(op, STEP_DUMP);
		return;
	case STEP_DUMP:
		judge_capture(op, out, len);
		return;
	case STEP_DEL:
		prio_drop(c, op->name);
		op_end(op, RULE_OK, NULL);
		return;
	case STEP_LIST:
		rule_ovs_parse_dump(out, len, on_list_flow, op, &st);
		op->names.skipped += st.bad;
		c->learned = 1;
		op_end(op, RULE_OK, NULL);
		return;
	}
}

/* The first line of ovs-ofctl's stderr worth showing, into buf. */
static void
first_error(const char *text, char *buf, size_t size)
{
	const char *p = text, *nl, *pick = text;
	size_t n;

	/* "ovs-ofctl: ..." says what failed; vlog warnings come first. */
	for (p = text; *p != '\0'; p = nl + 1) {
		if (strncmp(p, "ovs-ofctl: ", 11) == 0) {
			pick = p;
			break;
		}
		if ((nl = strchr(p, '\n')) == NULL)
			break;
	}
	n = strcspn(pick, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(buf, pick, n);
	buf[n] = '\0';
	rule_sanitize(buf);
}

/* Wait ms, then queue again (PLACE_WAITING). */
static int
op_wait(struct ovs_op *op, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	op->place = PLACE_WAITING;
	return evtimer_add(op->timer, &tv);
}

/*
 * An attempt failed with err (already written to op->err): try again
 * after a backoff while retries last, else end with it.
 */
static void
attempt_failed(struct ovs_op *op, int retryable)
{
	struct rule_client *c = op->c;

	if (retryable && op->retries < c->retries &&
	    op_wait(op, rule_backoff_ms(op->retries + 1, c->backoff_base_ms,
	    c->backoff_max_ms, rule_prng(&c->prng))) == 0) {
		op->retries++;
		return;
	}
	op_end(op, RULE_ERROR, "%s (%" PRIu32 " attempt%s)", op->err,
	    op->attempts, op->attempts == 1 ? "" : "s");
}

static void
on_child(void *arg, const struct child_result *r)
{
	struct ovs_op *op = arg;
	struct rule_client *c = op->c;
	char why[160];

	op->child = NULL;
	op->place = PLACE_WAITING;
	c->running--;
	if (r->exited && r->exit_status == 0 && !r->overflow &&
	    !r->timed_out) {
		step_done(op, r->out, r->out_len);
		pump(c);
		return;
	}
	first_error(r->err, why, sizeof(why));
	if (op->step == STEP_ADD && !c->no_bundle && r->exited &&
	    rule_ovs_no_bundle(r->err)) {
		/* OpenFlow 1.0-1.3 only: not atomic, but it works. */
		c->no_bundle = 1;
		step_start(op, STEP_ADD);
		pump(c);
		return;
	}
	if (r->timed_out)
		snprintf(op->err, sizeof(op->err), "ovs-ofctl %s: no answer "
		    "within %" PRIu32 " ms", step_names[op->step],
		    c->timeout_ms);
	else if (r->overflow)
		snprintf(op->err, sizeof(op->err), "ovs-ofctl %s: more than "
		    "%zu bytes of output", step_names[op->step],
		    (size_t)CHILD_PROC_MAX_OUTPUT);
	else if (r->signaled)
		snprintf(op->err, sizeof(op->err), "ovs-ofctl %s: killed by "
		    "signal %d", step_names[op->step], r->term_signal);
	else
		snprintf(op->err, sizeof(op->err), "ovs-ofctl %s: exit %d%s%s",
		    step_names[op->step], r->exit_status,
		    why[0] != '\0' ? ": " : "", why);
	attempt_failed(op, !r->overflow && rule_ovs_retryable(1,
	    r->timed_out, r->signaled, r->exit_status, r->err));
	pump(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ovs_op *op = arg;

	(void)fd;
	(void)what;
	if (op->spawn_failed) {
		op->spawn_failed = 0;
		attempt_failed(op, 1);
		return;
	}
	op->place = PLACE_QUEUED;
	op->qnext = NULL;
	if (op->c->qtail != NULL)
		op->c->qtail->qnext = op;
	else
		op->c->qhead = op;
	op->c->qtail = op;
	pump(op->c);
}

/* Queue op's next step (from zero attempts). */
static void
step_start(struct ovs_op *op, enum op_step step)
{
	struct rule_client *c = op->c;

	op->step = step;
	op->attempts = 0;
	op->retries = 0;
	op->place = PLACE_QUEUED;
	op->qnext = NULL;
	if (c->qtail != NULL)
		c->qtail->qnext = op;
	else
		c->qhead = op;
	c->qtail = op;
}

/* Spawn op's step.  On failure, the error is reported from the loop. */
static void
run(struct ovs_op *op)
{
	struct rule_client *c = op->c;
	struct child_proc_opts o;
	const char *argv[8];
	char cookie[64], err[RULE_ERR_MAX - 16];
	size_t n = 0;

	argv[n++] = c->ofctl;
	switch (op->step) {
	case STEP_LEARN:
	case STEP_LIST:
		snprintf(cookie, sizeof(cookie), "cookie=0x%016" PRIx64
		    "/0x%016" PRIx64, RULE_OVS_COOKIE_TAG,
		    RULE_OVS_COOKIE_MASK);
		break;
	default:
		snprintf(cookie, sizeof(cookie), "cookie=0x%016" PRIx64 "/-1",
		    op->cookie);
		break;
	}
	switch (op->step) {
	case STEP_LEARN:
	case STEP_LIST:
	case STEP_DUMP:
		argv[n++] = "--no-stats";
		argv[n++] = c->port_is_name ? "--names" : "--no-names";
		argv[n++] = "dump-flows";
		argv[n++] = c->target;
		argv[n++] = cookie;
		break;
	case STEP_ADD:
		if (!c->no_bundle)
			argv[n++] = "--bundle";
		argv[n++] = "add-flows";
		argv[n++] = c->target;
		argv[n++] = "-";
		break;
	case STEP_DEL:
		argv[n++] = "del-flows";
		argv[n++] = c->target;
		argv[n++] = cookie;
		break;
	}
	argv[n] = NULL;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.envp = child_env;
	if (op->step == STEP_ADD) {
		o.input = op->input;
		o.input_len = op->input_len;
	}
	o.timeout_ms = c->timeout_ms;
	op->attempts++;
	op->child = child_proc_start(c->base, &o, on_child, op, NULL, err,
	    sizeof(err));
	if (op->child != NULL) {
		op->place = PLACE_RUNNING;
		c->running++;
		return;
	}
	snprintf(op->err, sizeof(op->err), "cannot run %s", err);
	op->spawn_failed = 1;
	if (op_wait(op, 0) == -1)
		op->spawn_failed = 0;	/* cannot happen; left waiting */
}

/* Start queued steps while slots are free. */
static void
pump(struct rule_client *c)
{
	struct ovs_op *op;

	while (c->running < c->concurrency && (op = c->qhead) != NULL) {
		c->qhead = op->qnext;
		if (c->qhead == NULL)
			c->qtail = NULL;
		op->qnext = NULL;
		op->place = PLACE_WAITING;
		run(op);
	}
}

/* ---- the ops ------------------------------------------------------------ */

static struct rule_client *
ovs_new(struct event_base *base, const struct rule_client_opts *o, char *err,
    size_t errlen)
{
	struct rule_client *c;
	const char *ofctl = o->ovs_ofctl != NULL ? o->ovs_ofctl :
	    RULE_OVS_DEFAULT_OFCTL;

	if (!rule_ovs_target_ok(o->base_url)) {
		snprintf(err, errlen, "bad OpenFlow target: expected "
		    "unix:/PATH or tcp:ADDRESS:PORT");
		return NULL;
	}
	if (!rule_ovs_port_ok(o->ovs_mirror_port)) {
		snprintf(err, errlen, "bad mirror port: expected a port name "
		    "(1 to %d of [A-Za-z0-9_.-], a letter first) or number",
		    RULE_OVS_PORT_MAX);
		return NULL;
	}
	if (o->ovs_priority != 0 && (o->ovs_priority < RULE_OVS_PRIORITY_MIN ||
	    o->ovs_priority > RULE_OVS_PRIORITY_MAX)) {
		snprintf(err, errlen, "flow priority base %" PRIu32 " is out "
		    "of %d..%d", o->ovs_priority, RULE_OVS_PRIORITY_MIN,
		    RULE_OVS_PRIORITY_MAX);
		return NULL;
	}
	if (!rule_ovs_ofctl_ok(ofctl)) {
		snprintf(err, errlen, "bad ovs-ofctl path: expected an "
		    "absolute path");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->target = strdup(o->base_url)) == NULL ||
	    (c->port = strdup(o->ovs_mirror_port)) == NULL ||
	    (c->ofctl = strdup(ofctl)) == NULL) {
		if (c != NULL) {
			free(c->target);
			free(c->port);
		}
		free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->base = base;
	c->port_is_name = !(c->port[0] >= '0' && c->port[0] <= '9');
	c->prio_base = o->ovs_priority ? o->ovs_priority :
	    RULE_OVS_DEFAULT_PRIORITY;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : RULE_DEFAULT_TIMEOUT_MS;
	c->retries = o->retries_set ? o->retries : RULE_DEFAULT_RETRIES;
	c->concurrency = o->concurrency ? o->concurrency :
	    RULE_DEFAULT_CONCURRENCY;
	c->backoff_base_ms = o->backoff_base_ms ? o->backoff_base_ms :
	    RULE_DEFAULT_BACKOFF_MS;
	c->backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms :
	    RULE_DEFAULT_BACKOFF_MAX_MS;
	if (c->backoff_max_ms < c->backoff_base_ms)
		c->backoff_max_ms = c->backoff_base_ms;
	c->prng = o->seed;
	if (c->prng == 0 && getrandom(&c->prng, sizeof(c->prng), 0) !=
	    (ssize_t)sizeof(c->prng))
		c->prng = (uint64_t)(uintptr_t)c;	/* jitter only */
	return c;
}

static void
ovs_free(struct rule_client *c)
{
	if (c == NULL)
		return;
	/* Running children are killed and reaped, without callbacks. */
	while (c->ops != NULL)
		op_free(c->ops);
	free(c->prios);
	free(c->target);
	free(c->port);
	free(c->ofctl);
	free(c);
}

/* Queue op's first step. */
static void
op_begin(struct ovs_op *op, enum op_step step)
{
	step_start(op, step);
	pump(op->c);
}

static int
ovs_install(struct rule_client *c, const char *name,
    const struct rule_capture *rc, rule_done_cb *cb, void *arg, char *err,
    size_t errlen)
{
	struct rule_ovs_flow want[2];
	struct ovs_op *op;

	/* Refuse bad values now, not from the loop. */
	if ((op = op_new(c, OP_INSTALL, name, cb, arg, err, errlen)) == NULL)
		return -1;
	if (rule_ovs_expect(rc, op->name, c->prio_base, c->port, want, err,
	    errlen) == -1) {
		op_free(op);
		return -1;
	}
	op->cap = *rc;
	op->have_cap = 1;
	if (!c->learned) {
		op_begin(op, STEP_LEARN);
		return 0;
	}
	if (install_add(op, err, errlen) == -1) {
		op_free(op);
		return -1;
	}
	pump(c);
	return 0;
}

static int
ovs_verify(struct rule_client *c, const char *name,
    const struct rule_capture *expect, rule_done_cb *cb, void *arg,
    char *err, size_t errlen)
{
	struct rule_ovs_flow want[2];
	struct ovs_op *op;

	if ((op = op_new(c, OP_VERIFY, name, cb, arg, err, errlen)) == NULL)
		return -1;
	if (expect != NULL && rule_ovs_expect(expect, op->name, c->prio_base,
	    c->port, want, err, errlen) == -1) {
		op_free(op);
		return -1;
	}
	if (expect != NULL) {
		op->cap = *expect;
		op->have_cap = 1;
	}
	op_begin(op, STEP_DUMP);
	return 0;
}

static int
ovs_remove(struct rule_client *c, const char *name, rule_done_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct ovs_op *op;

	if ((op = op_new(c, OP_REMOVE, name, cb, arg, err, errlen)) == NULL)
		return -1;
	op_begin(op, STEP_DEL);
	return 0;
}

static int
ovs_list(struct rule_client *c, rule_done_cb *cb, void *arg, char *err,
    size_t errlen)
{
	struct ovs_op *op;

	if ((op = op_new(c, OP_LIST, NULL, cb, arg, err, errlen)) == NULL)
		return -1;
	op_begin(op, STEP_LIST);
	return 0;
}

static size_t
ovs_busy(const struct rule_client *c)
{
	return c->n_ops;
}

const struct rule_backend_ops rule_ovs_ops = {
	.name = "ovs",
	.render = rule_ovs_render_matches,
	.client_new = ovs_new,
	.client_free = ovs_free,
	.install = ovs_install,
	.verify = ovs_verify,
	.remove = ovs_remove,
	.list = ovs_list,
	.busy = ovs_busy,
};
