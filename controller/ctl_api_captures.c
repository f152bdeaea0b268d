/*
 * ctl_api_captures.c - captures through the REST API: list, show, start
 * by hand, approve (manual mode) and stop (docs/api.md).
 *
 * The request body of POST /api/v1/captures is parsed with jansson and
 * checked strictly: unknown members, wrong types, duplicate keys and
 * strings that are not addresses are refused with 400 and a message that
 * says what was expected.  The decisions themselves (slots, budgets) are
 * the lifecycle's (ctl_lifecycle.c); this file only translates.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctl_api.h"
#include "ctl_daemon.h"

struct capture_walk {
	struct json_writer	*w;
	const struct ctl_config	*cfg;
};

static void
capture_element(void *ctx, const struct ctl_capture *cap)
{
	struct capture_walk *cw = ctx;

	jw_object(cw->w, NULL);
	ctl_capture_json(cw->w, cap, cw->cfg);
	jw_object_end(cw->w);
}

/* Reply with one capture as the whole object. */
static void
reply_capture(struct httpd_req *req, int status, const struct ctl_capture *cap,
    const struct ctl_config *cfg)
{
	struct json_writer *w;

	w = httpd_json_begin(req);
	ctl_capture_json(w, cap, cfg);
	httpd_json_send(req, status);
}

/*
 * The capture named by the route's wildcard, live; or NULL after
 * answering 404 (unknown) or 409 (finished: nothing left to change).
 */
static struct ctl_capture *
live_capture(struct httpd_req *req, struct ctl_daemon *d)
{
	const struct ctl_capture *done;
	struct ctl_capture *cap;
	const char *id = httpd_req_wildcard(req, 0);

	if (id == NULL || d->captures == NULL) {
		httpd_reply_error(req, 404, "no such capture");
		return NULL;
	}
	if ((cap = ctl_captures_live(d->captures, id)) != NULL)
		return cap;
	if ((done = ctl_captures_get(d->captures, id)) != NULL)
		httpd_reply_error(req, 409, "capture %s has already ended (%s)",
		    done->id, ctl_capture_state_name(done->state));
	else
		httpd_reply_error(req, 404, "no such capture");
	return NULL;
}

static void
capture_start(struct httpd_req *req, struct ctl_daemon *d)
{
	struct ctl_capture_request cr;
	struct ctl_capture *cap;
	struct ctl_match m;
	enum ctl_decision decision;
	const char *body, *refused = "";
	char why[256];
	size_t len;

	body = httpd_req_body(req, &len);
	why[0] = '\0';
	if (body == NULL || ctl_api_parse_capture_request(d->cfg, body, len, &cr, why,
	    sizeof(why)) == -1) {
		httpd_reply_error(req, 400, "%s", why[0] != '\0' ? why :
		    "body: expected a JSON object");
		return;
	}
	/* A capture is of the pair, either way round. */
	if ((cap = ctl_captures_find_pair(d->captures, &cr.local,
	    &cr.remote)) != NULL || (cap = ctl_captures_find_pair(d->captures,
	    &cr.remote, &cr.local)) != NULL) {
		httpd_reply_error(req, 409, "capture %s of this pair is "
		    "already %s", cap->id, ctl_capture_state_name(cap->state));
		return;
	}

	memset(&m, 0, sizeof(m));
	m.local = cr.local;
	m.remote = cr.remote;
	m.agent = cr.agent;
	m.local_is_src = 1;
	snprintf(m.label, sizeof(m.label), "manual");
	decision = d->cfg->controller.mode == CTL_MODE_MANUAL ?
	    CTL_DECIDE_PENDING : CTL_DECIDE_START;
	cap = ctl_capture_request(d, decision, &m, NULL, 1,
	    (int64_t)cr.duration_s * 1000, ctl_now_ms(), &refused);
	if (cap == NULL) {
		/* A full table or a spent budget: try again later. */
		httpd_reply_error(req, 503, "capture refused: %s", refused);
		return;
	}
	reply_capture(req, 201, cap, d->cfg);
}

/* ---- /api/v1/captures ------------------------------------------------- */

void
ctl_api_captures(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	struct capture_walk cw;

	if (httpd_req_method(req) == HTTPD_POST) {
		if (d->captures == NULL) {
			httpd_reply_error(req, 503, "no capture slot free");
			return;
		}
		capture_start(req, d);
		return;
	}
	cw.w = httpd_json_begin(req);
	cw.cfg = d->cfg;
	jw_array(cw.w, "captures");
	if (d->captures != NULL)
		ctl_captures_foreach(d->captures, capture_element, &cw);
	jw_array_end(cw.w);
	httpd_json_send(req, 200);
}

/* ---- /api/v1/captures/ID ---------------------------------------------- */

static void
capture_stop(struct httpd_req *req, struct ctl_daemon *d)
{
	struct ctl_capture *cap, copy;
	const struct ctl_capture *now;

	if ((cap = live_capture(req, d)) == NULL)
		return;
	if (cap->state == CTL_CAP_REMOVING) {
		httpd_reply_error(req, 409, "capture %s is already being "
		    "removed", cap->id);
		return;
	}
	/* Ending may free the slot: the pointer is not to be used after. */
	copy = *cap;
	ctl_capture_end(d, cap, "stopped through the API", ctl_now_ms());
	if ((now = ctl_captures_get(d->captures, copy.id)) == NULL)
		now = &copy;
	reply_capture(req, 200, now, d->cfg);
}

void
ctl_api_capture(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	const struct ctl_capture *cap;
	const char *id;

	if (httpd_req_method(req) == HTTPD_DELETE) {
		capture_stop(req, d);
		return;
	}
	id = httpd_req_wildcard(req, 0);
	if (id == NULL || d->captures == NULL ||
	    (cap = ctl_captures_get(d->captures, id)) == NULL) {
		httpd_reply_error(req, 404, "no such capture");
		return;
	}
	reply_capture(req, 200, cap, d->cfg);
}

/* ---- POST /api/v1/captures/ID/approve --------------------------------- */

void
ctl_api_capture_approve(struct httpd_req *req, void *ctx)
{
	struct ctl_daemon *d = ctx;
	struct ctl_capture *cap, copy;
	const struct ctl_capture *now;
	enum ctl_decision why;

	if ((cap = live_capture(req, d)) == NULL)
		return;
	if (cap->state != CTL_CAP_PENDING) {
		httpd_reply_error(req, 409, "capture %s is %s, not pending",
		    cap->id, ctl_capture_state_name(cap->state));
		return;
	}
	copy = *cap;
	if (ctl_capture_approve(d, cap, ctl_now_ms(), &why) != 0) {
		httpd_reply_error(req, 409, "refused: %s",
		    ctl_decision_name(why));
		return;
	}
	/* Starting may already have failed and moved it: look it up again. */
	if ((now = ctl_captures_get(d->captures, copy.id)) == NULL)
		now = &copy;
	reply_capture(req, 200, now, d->cfg);
}
