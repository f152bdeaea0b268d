/*
 * rule_cumulus.c - the Cumulus Linux acl_server backend ("cumulus-acl"):
 * each operation is a short chain of REST requests on the HTTP engine.
 *
 *   install  PUT BASE/NAME (202: queued, compiled later in a batch)
 *            -> after verify_delay_ms: GET BASE/NAME -> GET BASE/lasterror
 *   verify   GET BASE/NAME (200 lines, or 404) -> GET BASE/lasterror
 *   remove   DELETE BASE/NAME (204; 404 counts as removed too)
 *   list     GET BASE/ (the names)
 * lasterror answers 204 when the last compile went well, or 200 with
 * {"returncode": N, "lines": [...]}.  There is no "DELETE BASE/" here:
 * that removes every ACL made through the API, not just ours.
 *
 * Operations live on the client's list, so freeing the client frees
 * them (after the engine, which drops their requests without callbacks).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_impl.h"

enum op_kind {
	OP_INSTALL = 0,
	OP_VERIFY,
	OP_REMOVE,
	OP_LIST,
};

static const char *const op_names[] = { "install", "verify", "remove",
    "list" };

struct rule_client {
	struct rule_http	*http;
	struct cum_op		*ops;
};

struct cum_op {
	struct cum_op		*prev, *next;
	struct rule_client	*c;
	enum op_kind		 kind;
	char			 name[RULE_NAME_MAX + 1];
	int			 have_expect;
	struct rule_lines	 expect;
	rule_done_cb		*cb;
	void			*arg;

	/* what the chain found so far */
	int			 found;		/* GET NAME said 200 */
	int			 matches;
	struct rule_strings	 lines, lasterror, names;
	int			 lasterror_clean;
	long			 lasterror_rc;
};

static struct cum_op *
op_new(struct rule_client *c, enum op_kind kind, const char *name,
    rule_done_cb *cb, void *arg, char *err, size_t errlen)
{
	struct cum_op *op;

	if (name != NULL && !rule_name_ok(name)) {
		snprintf(err, errlen, "bad ACL name: expected 1 to %d of "
		    "[a-z0-9_], not \"%s\"", RULE_NAME_MAX, RULE_RESERVED_NAME);
		return NULL;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	op->c = c;
	op->kind = kind;
	if (name != NULL)
		snprintf(op->name, sizeof(op->name), "%s", name);
	op->cb = cb;
	op->arg = arg;
	op->next = c->ops;
	if (c->ops != NULL)
		c->ops->prev = op;
	c->ops = op;
	return op;
}

static void
op_free(struct cum_op *op)
{
	struct rule_client *c = op->c;

	if (op->prev != NULL)
		op->prev->next = op->next;
	else
		c->ops = op->next;
	if (op->next != NULL)
		op->next->prev = op->prev;
	rule_strings_free(&op->lines);
	rule_strings_free(&op->lasterror);
	rule_strings_free(&op->names);
	free(op);
}

/* Report the operation and free it. */
static void
op_end(struct cum_op *op, enum rule_status st,
    const struct rule_http_response *resp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
op_end(struct cum_op *op, enum rule_status st,
    const struct rule_http_response *resp, const char *fmt, ...)
{
	struct rule_result r;
	va_list ap;

	memset(&r, 0, sizeof(r));
	r.status = st;
	r.op = op_names[op->kind];
	r.name = op->name;
	if (resp != NULL) {
		r.http_code = resp->code;
		r.attempts = resp->attempts;
	}
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r.error, sizeof(r.error), fmt, ap);
		va_end(ap);
		rule_sanitize(r.error);
	}
	r.lines = (const char *const *)op->lines.v;
	r.n_lines = op->lines.n;
	r.lasterror_clean = op->lasterror_clean;
	r.lasterror_rc = op->lasterror_rc;
	r.lasterror_lines = (const char *const *)op->lasterror.v;
	r.n_lasterror_lines = op->lasterror.n;
	r.names = (const char *const *)op->names.v;
	r.n_names = op->names.n;
	r.n_names_skipped = op->names.skipped;
	op->cb(op->arg, &r);
	op_free(op);
}

/*
 * End op with an error for a response that is not the one expected:
 * the transport's error, or the status and the start of the body.
 */
static void
op_fail(struct cum_op *op, const char *what,
    const struct rule_http_response *resp)
{
	char body[96];

	if (resp->curl != CURLE_OK) {
		op_end(op, RULE_ERROR, resp, "%s: %s (%u attempt%s)", what,
		    resp->error, resp->attempts, resp->attempts == 1 ? "" :
		    "s");
		return;
	}
	snprintf(body, sizeof(body), "%s", resp->body);
	rule_sanitize(body);
	op_end(op, RULE_ERROR, resp, "%s: HTTP %ld%s%s", what, resp->code,
	    body[0] != '\0' ? ": " : "", body);
}

/* Start the next request of op's chain; on refusal, end op at once. */
static void
op_next(struct cum_op *op, enum rule_method m, const char *path,
    uint32_t delay_ms, rule_http_cb *cb)
{
	char err[RULE_ERR_MAX];

	/* Inside a callback already: ending op here is not reentrant. */
	if (rule_http_request(op->c->http, m, path, NULL, delay_ms, cb, op,
	    err, sizeof(err)) == -1)
		op_end(op, RULE_ERROR, NULL, "%s", err);
}

/* ---- the steps ---------------------------------------------------------- */

static void
on_lasterror(void *arg, const struct rule_http_response *resp)
{
	struct cum_op *op = arg;
	char err[RULE_ERR_MAX];

	if (resp->curl == CURLE_OK && resp->code == 204)
		op->lasterror_clean = 1;
	else if (resp->curl == CURLE_OK && resp->code == 200) {
		if (rule_parse_lasterror(resp->body, resp->len,
		    &op->lasterror_rc, &op->lasterror, err, sizeof(err)) ==
		    -1) {
			op_end(op, RULE_ERROR, resp, "GET lasterror: %s", err);
			return;
		}
		/* Some releases answer 200 with returncode 0: no error. */
		op->lasterror_clean = op->lasterror_rc == 0;
	} else {
		op_fail(op, "GET lasterror", resp);
		return;
	}
	if (!op->lasterror_clean && (op->kind == OP_INSTALL || (op->found &&
	    op->matches))) {
		op_end(op, RULE_COMPILE_FAILED, resp, "the switch failed to "
		    "compile its ACLs (returncode %ld)%s%s", op->lasterror_rc,
		    op->lasterror.n > 0 ? ": " : "",
		    op->lasterror.n > 0 ? op->lasterror.v[0] : "");
		return;
	}
	if (!op->found)
		op_end(op, RULE_ABSENT, resp, "%s is not on the switch",
		    op->name);
	else if (!op->matches)
		op_end(op, RULE_MISMATCH, resp, "%s on the switch holds other "
		    "lines than ours", op->name);
	else
		op_end(op, RULE_OK, resp, NULL);
}

static void
on_get_rule(void *arg, const struct rule_http_response *resp)
{
	struct cum_op *op = arg;
	char err[RULE_ERR_MAX];

	if (resp->curl == CURLE_OK && resp->code == 200) {
		if (rule_parse_lines(resp->body, resp->len, &op->lines, err,
		    sizeof(err)) == -1) {
			op_end(op, RULE_ERROR, resp, "GET %s: %s", op->name,
			    err);
			return;
		}
		op->found = 1;
		op->matches = !op->have_expect ||
		    rule_lines_match(&op->lines, &op->expect);
	} else if (resp->curl == CURLE_OK && resp->code == 404)
		op->found = 0;
	else {
		op_fail(op, "GET rule", resp);
		return;
	}
	op_next(op, RULE_GET, RULE_RESERVED_NAME, 0, on_lasterror);
}

static void
on_put(void *arg, const struct rule_http_response *resp)
{
	struct cum_op *op = arg;

	if (resp->curl != CURLE_OK || resp->code < 200 || resp->code > 299) {
		op_fail(op, "PUT rule", resp);
		return;
	}
	/* Queued, compiled later: look again once it had time. */
	op_next(op, RULE_GET, op->name,
	    rule_http_verify_delay_ms(op->c->http), on_get_rule);
}

static void
on_delete(void *arg, const struct rule_http_response *resp)
{
	struct cum_op *op = arg;

	if (resp->curl == CURLE_OK && (resp->code == 204 ||
	    resp->code == 200 || resp->code == 404))
		op_end(op, RULE_OK, resp, NULL);
	else
		op_fail(op, "DELETE rule", resp);
}

static void
on_list(void *arg, const struct rule_http_response *resp)
{
	struct cum_op *op = arg;
	char err[RULE_ERR_MAX];

	if (resp->curl != CURLE_OK || resp->code != 200) {
		op_fail(op, "GET list", resp);
		return;
	}
	if (rule_parse_names(resp->body, resp->len, &op->names, err,
	    sizeof(err)) == -1)
		op_end(op, RULE_ERROR, resp, "GET list: %s", err);
	else
		op_end(op, RULE_OK, resp, NULL);
}

/* ---- the ops ------------------------------------------------------------ */

/* Start op's first request; on refusal free op, no callback. */
static int
op_start(struct cum_op *op, enum rule_method m, const char *path,
    const char *body, rule_http_cb *cb, char *err, size_t errlen)
{
	if (rule_http_request(op->c->http, m, path, body, 0, cb, op, err,
	    errlen) == -1) {
		op_free(op);
		return -1;
	}
	return 0;
}

static struct rule_client *
cumulus_new(struct event_base *base, const struct rule_client_opts *o,
    char *err, size_t errlen)
{
	struct rule_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((c->http = rule_http_new(base, o, err, errlen)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
cumulus_free(struct rule_client *c)
{
	if (c == NULL)
		return;
	rule_http_free(c->http);
	while (c->ops != NULL)
		op_free(c->ops);
	free(c);
}

static int
cumulus_install(struct rule_client *c, const char *name,
    const struct rule_capture *rc, rule_done_cb *cb, void *arg, char *err,
    size_t errlen)
{
	struct cum_op *op;
	char body[RULE_BODY_MAX];

	if (rule_render_json(rc, body, sizeof(body), err, errlen) == -1 ||
	    (op = op_new(c, OP_INSTALL, name, cb, arg, err, errlen)) == NULL)
		return -1;
	if (rule_render_lines(rc, &op->expect, err, errlen) == -1) {
		op_free(op);
		return -1;
	}
	op->have_expect = 1;
	return op_start(op, RULE_PUT, name, body, on_put, err, errlen);
}

static int
cumulus_verify(struct rule_client *c, const char *name,
    const struct rule_capture *expect, rule_done_cb *cb, void *arg,
    char *err, size_t errlen)
{
	struct cum_op *op;

	if ((op = op_new(c, OP_VERIFY, name, cb, arg, err, errlen)) == NULL)
		return -1;
	if (expect != NULL) {
		if (rule_render_lines(expect, &op->expect, err, errlen) == -1) {
			op_free(op);
			return -1;
		}
		op->have_expect = 1;
	}
	return op_start(op, RULE_GET, name, NULL, on_get_rule, err, errlen);
}

static int
cumulus_remove(struct rule_client *c, const char *name, rule_done_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct cum_op *op;

	if ((op = op_new(c, OP_REMOVE, name, cb, arg, err, errlen)) == NULL)
		return -1;
	return op_start(op, RULE_DELETE, name, NULL, on_delete, err, errlen);
}

static int
cumulus_list(struct rule_client *c, rule_done_cb *cb, void *arg, char *err,
    size_t errlen)
{
	struct cum_op *op;

	if ((op = op_new(c, OP_LIST, NULL, cb, arg, err, errlen)) == NULL)
		return -1;
	return op_start(op, RULE_GET, "", NULL, on_list, err, errlen);
}

static size_t
cumulus_busy(const struct rule_client *c)
{
	return rule_http_busy(c->http);
}

const struct rule_backend_ops rule_cumulus_ops = {
	.name = "cumulus-acl",
	.render = rule_render_json,
	.client_new = cumulus_new,
	.client_free = cumulus_free,
	.install = cumulus_install,
	.verify = cumulus_verify,
	.remove = cumulus_remove,
	.list = cumulus_list,
	.busy = cumulus_busy,
};
