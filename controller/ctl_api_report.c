/*
 * ctl_api_report.c - POST /api/v1/events: what the receiver reports back.
 *
 * Today one kind, "key_hit": an L7 key was found in a session of a
 * capture.  The controller records it as an event and extends the
 * capture that produced the session (as matching samples do: by its
 * duration, never past max_duration), so a session that carries what the
 * analyst looks for keeps its capture alive.
 *
 * The body is parsed by ctl_api_parse_report (ctl_api_report_body.c); the
 * event is written from the parsed values, never by copying the body.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_api.h"
#include "ctl_daemon.h"
#include "json_flow.h"

static void
report_event(struct ctl_daemon *d, const struct ctl_report *r, int extended)
{
	struct json_writer *w = ctl_event_begin(d->events, "key_hit");

	if (r->capture[0] != '\0')
		jw_str(w, "capture", r->capture);
	jw_u64(w, "key_id", r->key_id);
	if (r->key_name[0] != '\0')
		jw_str(w, "key_name", r->key_name);
	jw_addr(w, "src", &r->src);
	jw_addr(w, "dst", &r->dst);
	jw_u64(w, "sport", r->sport);
	jw_u64(w, "dport", r->dport);
	jw_u64(w, "proto", r->proto);
	if (r->direction != 0)
		jw_str(w, "direction", r->direction == 1 ?
		    "client_to_server" : "server_to_client");
	jw_u64(w, "offset", r->offset);
	if (r->session[0] != '\0')
		jw_str(w, "session", r->session);
	jw_bool(w, "extended", extended);
	ctl_event_end(d->events);
}

void
ctl_api_report(struct httpd_req *req, struct ctl_daemon *d)
{
	struct ctl_report r;
	struct ctl_capture *c = NULL;
	struct json_writer *w;
	const char *body;
	char why[256];
	size_t len;
	int extended = 0;

	body = httpd_req_body(req, &len);
	if (body == NULL || ctl_api_parse_report(body, len, &r, why,
	    sizeof(why)) == -1) {
		d->counters.reports_refused++;
		httpd_reply_error(req, 400, "%s", body == NULL ?
		    "body: expected a JSON object" : why);
		return;
	}
	d->counters.reports++;
	if (r.capture[0] != '\0' && d->captures != NULL)
		c = ctl_captures_live(d->captures, r.capture);
	if (c != NULL && c->state == CTL_CAP_ACTIVE &&
	    ctl_captures_extend(c, ctl_now_ms(), c->duration_ms) == 1) {
		extended = 1;
		d->counters.reports_extended++;
		ctl_state_changed(d);
	}
	report_event(d, &r, extended);
	w = httpd_json_begin(req);
	if (r.capture[0] != '\0')
		jw_str(w, "capture", r.capture);
	jw_bool(w, "known", c != NULL);
	jw_bool(w, "extended", extended);
	httpd_json_send(req, 202);
}
