/*
 * test_ctl_captures.c - the capture table (ids, slots, states, the ring of
 * finished captures, lookups, walks) and its state file (round trip,
 * every refusal of a bad file, atomic saving).  File tests work in their
 * own mkdtemp() folder under /tmp, removed after.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_captures.h"
#include "fs_test.h"

#define T0	1767225600000LL	/* 2026-01-01T00:00:00Z in ms */

/* ---- helpers ----------------------------------------------------------- */

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

static struct ctl_match
match(const char *local, const char *remote)
{
	struct ctl_match m;

	memset(&m, 0, sizeof(m));
	m.local = addr(local);
	m.remote = addr(remote);
	m.agent = addr("192.0.2.250");
	m.prefix = addr("198.51.100.0");
	m.plen = 24;
	m.line = 7;
	snprintf(m.group, sizeof(m.group), "watch");
	snprintf(m.list, sizeof(m.list), "own-list");
	snprintf(m.label, sizeof(m.label), "botnet C2");
	return m;
}

/* A capture of 10.0.0.n <-> 198.51.100.n. */
static struct ctl_capture *
make(struct ctl_captures *t, int n, enum ctl_capture_state state, int32_t sw)
{
	char l[32], r[32];
	struct ctl_match m;

	snprintf(l, sizeof(l), "10.0.0.%d", n);
	snprintf(r, sizeof(r), "198.51.100.%d", n);
	m = match(l, r);
	return ctl_captures_create(t, state, &m, NULL, sw, 0, T0 + n);
}

static struct ctl_captures *
new_table(size_t max_live, size_t keep_done)
{
	struct ctl_captures *t = ctl_captures_new(max_live, keep_done, 1);

	assert_non_null(t);
	return t;
}

/* End the live capture id. */
static void
end(struct ctl_captures *t, const char *id, enum ctl_capture_state how)
{
	struct ctl_capture *c = ctl_captures_live(t, id);

	assert_non_null(c);
	ctl_captures_set_state(t, c, how, T0 + 1000, "test");
}

struct seen {
	char	ids[16][CTL_CAPTURE_ID_MAX];
	int	n;
};

static void
see(void *ctx, const struct ctl_capture *c)
{
	struct seen *s = ctx;

	assert_true(s->n < 16);
	snprintf(s->ids[s->n++], sizeof(s->ids[0]), "%s", c->id);
}

/* The ids visited, joined by spaces. */
static const char *
joined(const struct seen *s, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < s->n; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
		    i ? " " : "", s->ids[i]);
	return buf;
}

/* ---- the table --------------------------------------------------------- */

static void
test_create_ids(void **state)
{
	struct ctl_captures *t = ctl_captures_new(4, 4, 41);
	struct ctl_captures_stats st;
	struct ctl_match m = match("10.0.0.1", "2001:db8::1");
	struct flow_key key;
	struct ctl_capture *a, *b;

	(void)state;
	assert_non_null(t);
	memset(&key, 0, sizeof(key));
	key.sport = 1234;
	a = ctl_captures_create(t, CTL_CAP_PENDING, &m, &key, 2, 1, T0);
	b = ctl_captures_create(t, CTL_CAP_INSTALLING, &m, NULL, -7, 0, T0 + 5);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->id, "c41");
	assert_string_equal(b->id, "c42");
	assert_int_equal(a->state, CTL_CAP_PENDING);
	assert_int_equal(b->state, CTL_CAP_INSTALLING);
	assert_int_equal(a->has_first_key, 1);
	assert_int_equal(a->first_key.sport, 1234);
	assert_int_equal(b->has_first_key, 0);
	assert_int_equal(a->manual, 1);
	assert_int_equal(b->manual, 0);
	assert_int_equal(a->sw, 2);
	assert_int_equal(b->sw, -1);
	assert_true(a->created_ms == T0);
	assert_true(b->created_ms == T0 + 5);
	assert_true(a->started_ms == 0);
	assert_string_equal(a->match.label, "botnet C2");
	assert_int_equal(netaddr_compare(&b->match.remote, &m.remote), 0);
	ctl_captures_stats(t, &st);
	assert_int_equal(st.live, 2);
	assert_int_equal(st.created, 2);
	assert_int_equal(st.next_seq, 43);
	assert_int_equal(st.by_state[CTL_CAP_PENDING], 1);
	assert_int_equal(st.by_state[CTL_CAP_INSTALLING], 1);
	ctl_captures_free(t);

	/* 0 is not an id number: the first is c1. */
	t = ctl_captures_new(1, 1, 0);
	assert_non_null(t);
	assert_string_equal(make(t, 1, CTL_CAP_PENDING, 0)->id, "c1");
	ctl_captures_free(t);
	ctl_captures_free(NULL);
}

static void
test_create_terminates_strings(void **state)
{
	struct ctl_captures *t = new_table(2, 2);
	struct ctl_match m = match("10.0.0.1", "192.0.2.1");
	struct ctl_capture *c;

	(void)state;
	memset(m.group, 'g', sizeof(m.group));
	memset(m.list, 'l', sizeof(m.list));
	memset(m.label, 'x', sizeof(m.label));
	c = ctl_captures_create(t, CTL_CAP_PENDING, &m, NULL, 0, 0, T0);
	assert_non_null(c);
	assert_int_equal(strlen(c->match.group), CTL_NAME_MAX - 1);
	assert_int_equal(strlen(c->match.list), CTL_NAME_MAX - 1);
	assert_int_equal(strlen(c->match.label), CTL_LABEL_MAX - 1);
	ctl_captures_free(t);
}

static void
test_slots_full(void **state)
{
	struct ctl_captures *t = new_table(2, 4);
	struct ctl_captures_stats st;
	struct ctl_capture *c;

	(void)state;
	assert_non_null(make(t, 1, CTL_CAP_PENDING, 0));
	assert_non_null(make(t, 2, CTL_CAP_INSTALLING, 0));
	assert_null(make(t, 3, CTL_CAP_PENDING, 0));
	assert_null(make(t, 4, CTL_CAP_INSTALLING, 0));
	ctl_captures_stats(t, &st);
	assert_int_equal(st.refused_full, 2);
	assert_int_equal(st.created, 2);
	assert_int_equal(st.live, 2);
	/* A refused capture used no id; a freed slot is used again, with a
	 * new id. */
	assert_int_equal(st.next_seq, 3);
	end(t, "c1", CTL_CAP_DONE);
	c = make(t, 5, CTL_CAP_PENDING, 0);
	assert_non_null(c);
	assert_string_equal(c->id, "c3");
	ctl_captures_free(t);

	/* No slots at all: every capture is refused. */
	t = new_table(0, 0);
	assert_null(make(t, 1, CTL_CAP_PENDING, 0));
	ctl_captures_stats(t, &st);
	assert_int_equal(st.refused_full, 1);
	ctl_captures_free(t);
}

static void
test_states_and_times(void **state)
{
	struct ctl_captures *t = new_table(4, 4);
	struct ctl_captures_stats st;
	struct ctl_capture *c = make(t, 1, CTL_CAP_INSTALLING, 0);

	(void)state;
	assert_non_null(c);
	c->duration_ms = 60000;
	c->expires_ms = 11;
	c->deadline_ms = 22;
	ctl_captures_set_state(t, c, CTL_CAP_ACTIVE, T0 + 100, NULL);
	assert_int_equal(c->state, CTL_CAP_ACTIVE);
	assert_true(c->started_ms == T0 + 100);
	/* expires and deadline are the caller's. */
	assert_true(c->expires_ms == 11);
	assert_true(c->deadline_ms == 22);
	assert_true(c->duration_ms == 60000);

	/* The same state again changes nothing. */
	ctl_captures_set_state(t, c, CTL_CAP_ACTIVE, T0 + 200, "again");
	assert_true(c->started_ms == T0 + 100);
	assert_string_equal(c->why, "");

	/* Active again later keeps the first start. */
	ctl_captures_set_state(t, c, CTL_CAP_INSTALLING, T0 + 300, NULL);
	ctl_captures_set_state(t, c, CTL_CAP_ACTIVE, T0 + 400, NULL);
	assert_true(c->started_ms == T0 + 100);
	ctl_captures_set_state(t, c, CTL_CAP_REMOVING, T0 + 500, NULL);
	assert_int_equal(c->state, CTL_CAP_REMOVING);
	assert_true(c->ended_ms == 0);
	ctl_captures_stats(t, &st);
	assert_int_equal(st.by_state[CTL_CAP_REMOVING], 1);
	assert_int_equal(st.by_state[CTL_CAP_ACTIVE], 0);
	ctl_captures_free(t);
}

static void
test_extend(void **state)
{
	struct ctl_captures *t = new_table(2, 2);
	struct ctl_capture *c = make(t, 1, CTL_CAP_INSTALLING, 0);

	(void)state;
	/* Not active: nothing moves. */
	c->expires_ms = T0 + 1000;
	c->deadline_ms = T0 + 5000;
	assert_int_equal(ctl_captures_extend(c, T0, 2000), 0);
	assert_true(c->expires_ms == T0 + 1000);

	ctl_captures_set_state(t, c, CTL_CAP_ACTIVE, T0, NULL);
	assert_int_equal(ctl_captures_extend(c, T0 + 500, 2000), 1);
	assert_true(c->expires_ms == T0 + 2500);
	/* Never shortened. */
	assert_int_equal(ctl_captures_extend(c, T0 + 600, 1000), 0);
	assert_true(c->expires_ms == T0 + 2500);
	/* Capped at the deadline, then stuck there. */
	assert_int_equal(ctl_captures_extend(c, T0 + 4000, 2000), 1);
	assert_true(c->expires_ms == T0 + 5000);
	assert_int_equal(ctl_captures_extend(c, T0 + 4900, 2000), 0);
	assert_true(c->expires_ms == T0 + 5000);
	/* Huge and negative durations neither overflow nor shorten. */
	c->deadline_ms = INT64_MAX;
	assert_int_equal(ctl_captures_extend(c, T0, INT64_MAX), 1);
	assert_true(c->expires_ms == INT64_MAX);
	c->expires_ms = T0 + 10;
	assert_int_equal(ctl_captures_extend(c, T0 + 20, -5000), 1);
	assert_true(c->expires_ms == T0 + 20);
	ctl_captures_free(t);
}

static void
test_done_moves_to_ring(void **state)
{
	struct ctl_captures *t = new_table(2, 4);
	struct ctl_captures_stats st;
	const struct ctl_capture *d;
	struct ctl_capture *c = make(t, 1, CTL_CAP_INSTALLING, 3);

	(void)state;
	c->samples = 9;
	ctl_captures_set_state(t, c, CTL_CAP_ACTIVE, T0 + 10, NULL);
	ctl_captures_set_state(t, c, CTL_CAP_DONE, T0 + 20, "expired");
	assert_null(ctl_captures_live(t, "c1"));
	d = ctl_captures_get(t, "c1");
	assert_non_null(d);
	assert_int_equal(d->state, CTL_CAP_DONE);
	assert_string_equal(d->why, "expired");
	assert_true(d->ended_ms == T0 + 20);
	assert_true(d->started_ms == T0 + 10);
	assert_int_equal(d->samples, 9);
	assert_int_equal(d->sw, 3);
	assert_null(ctl_captures_find_pair(t, &d->match.local,
	    &d->match.remote));
	assert_int_equal(ctl_captures_holding(t, -1), 0);

	/* Failed, without a reason. */
	c = make(t, 2, CTL_CAP_PENDING, 0);
	ctl_captures_set_state(t, c, CTL_CAP_FAILED, T0 + 30, NULL);
	d = ctl_captures_get(t, "c2");
	assert_non_null(d);
	assert_int_equal(d->state, CTL_CAP_FAILED);
	assert_string_equal(d->why, "");
	assert_null(ctl_captures_get(t, "c3"));
	assert_null(ctl_captures_live(t, "c2"));

	ctl_captures_stats(t, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.by_state[CTL_CAP_DONE], 1);
	assert_int_equal(st.by_state[CTL_CAP_FAILED], 1);
	/* Both slots are free again. */
	assert_non_null(make(t, 3, CTL_CAP_PENDING, 0));
	assert_non_null(make(t, 4, CTL_CAP_PENDING, 0));
	ctl_captures_free(t);
}

static void
test_why_truncated(void **state)
{
	struct ctl_captures *t = new_table(2, 2);
	const struct ctl_capture *d;
	char why[400];

	(void)state;
	memset(why, 'w', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	ctl_captures_set_state(t, make(t, 1, CTL_CAP_PENDING, 0),
	    CTL_CAP_FAILED, T0, why);
	d = ctl_captures_get(t, "c1");
	assert_int_equal(strlen(d->why), CTL_CAPTURE_WHY_MAX - 1);
	assert_memory_equal(d->why, why, CTL_CAPTURE_WHY_MAX - 1);

	/* A two-byte character across the cut is dropped whole. */
	memset(why, 'w', sizeof(why));
	why[CTL_CAPTURE_WHY_MAX - 2] = (char)0xC3;
	why[CTL_CAPTURE_WHY_MAX - 1] = (char)0xA9;
	why[CTL_CAPTURE_WHY_MAX] = '\0';
	ctl_captures_set_state(t, make(t, 2, CTL_CAP_PENDING, 0),
	    CTL_CAP_FAILED, T0, why);
	d = ctl_captures_get(t, "c2");
	assert_int_equal(strlen(d->why), CTL_CAPTURE_WHY_MAX - 2);
	assert_int_equal(d->why[CTL_CAPTURE_WHY_MAX - 3], 'w');
	ctl_captures_free(t);
}

static void
test_ring_keeps_newest(void **state)
{
	struct ctl_captures *t = new_table(8, 3);
	struct ctl_captures_stats st;
	struct seen s = { .n = 0 };
	char buf[128];
	int i;

	(void)state;
	for (i = 1; i <= 5; i++)
		assert_non_null(make(t, i, CTL_CAP_PENDING, 0));
	for (i = 1; i <= 5; i++) {
		snprintf(buf, sizeof(buf), "c%d", i);
		end(t, buf, i % 2 ? CTL_CAP_DONE : CTL_CAP_FAILED);
	}
	assert_null(ctl_captures_get(t, "c1"));
	assert_null(ctl_captures_get(t, "c2"));
	assert_non_null(ctl_captures_get(t, "c3"));
	assert_non_null(ctl_captures_get(t, "c5"));
	ctl_captures_foreach(t, see, &s);
	assert_string_equal(joined(&s, buf, sizeof(buf)), "c5 c4 c3");
	ctl_captures_stats(t, &st);
	assert_int_equal(st.by_state[CTL_CAP_DONE], 2);	/* c3, c5 */
	assert_int_equal(st.by_state[CTL_CAP_FAILED], 1);	/* c4 */
	ctl_captures_free(t);

	/* keep_done 0: finished captures are gone at once. */
	t = new_table(2, 0);
	assert_non_null(make(t, 1, CTL_CAP_PENDING, 0));
	end(t, "c1", CTL_CAP_DONE);
	assert_null(ctl_captures_get(t, "c1"));
	ctl_captures_stats(t, &st);
	assert_int_equal(st.by_state[CTL_CAP_DONE], 0);
	ctl_captures_free(t);
}

static void
test_find_pair_exact(void **state)
{
	struct ctl_captures *t = new_table(4, 4);
	struct ctl_match m = match("10.0.0.1", "2001:db8::66");
	struct netaddr l = addr("10.0.0.1"), r = addr("2001:db8::66");
	struct netaddr other = addr("10.0.0.2");
	struct ctl_capture *c;

	(void)state;
	assert_non_null(make(t, 9, CTL_CAP_PENDING, 0));
	c = ctl_captures_create(t, CTL_CAP_INSTALLING, &m, NULL, 0, 0, T0);
	assert_ptr_equal(ctl_captures_find_pair(t, &l, &r), c);
	/* The pair as given: the policy puts the local side first. */
	assert_null(ctl_captures_find_pair(t, &r, &l));
	assert_null(ctl_captures_find_pair(t, &other, &r));
	/* Any agent. */
	c->match.agent = addr("192.0.2.99");
	assert_ptr_equal(ctl_captures_find_pair(t, &l, &r), c);
	ctl_captures_set_state(t, c, CTL_CAP_DONE, T0, NULL);
	assert_null(ctl_captures_find_pair(t, &l, &r));
	ctl_captures_free(t);
}

static void
test_live_by_id(void **state)
{
	struct ctl_captures *t = new_table(4, 4);
	struct ctl_capture *a = make(t, 1, CTL_CAP_PENDING, 0);
	struct ctl_capture *b = make(t, 2, CTL_CAP_PENDING, 0);

	(void)state;
	assert_ptr_equal(ctl_captures_live(t, "c1"), a);
	assert_ptr_equal(ctl_captures_live(t, "c2"), b);
	assert_ptr_equal(ctl_captures_get(t, "c2"), b);
	assert_null(ctl_captures_live(t, "c3"));
	assert_null(ctl_captures_live(t, "c"));
	assert_null(ctl_captures_live(t, ""));
	assert_null(ctl_captures_live(t, "c01"));
	ctl_captures_free(t);
}

static void
test_holding(void **state)
{
	struct ctl_captures *t = new_table(8, 8);
	struct ctl_capture *c;

	(void)state;
	assert_non_null(make(t, 1, CTL_CAP_PENDING, 0));
	assert_non_null(make(t, 2, CTL_CAP_INSTALLING, 0));
	c = make(t, 3, CTL_CAP_INSTALLING, 1);
	ctl_captures_set_state(t, c, CTL_CAP_ACTIVE, T0, NULL);
	c = make(t, 4, CTL_CAP_INSTALLING, 0);
	ctl_captures_set_state(t, c, CTL_CAP_REMOVING, T0, NULL);
	c = make(t, 5, CTL_CAP_INSTALLING, -1);
	ctl_captures_set_state(t, c, CTL_CAP_ACTIVE, T0, NULL);
	c = make(t, 6, CTL_CAP_INSTALLING, 1);
	ctl_captures_set_state(t, c, CTL_CAP_DONE, T0, NULL);
	assert_int_equal(ctl_captures_holding(t, -1), 4);
	assert_int_equal(ctl_captures_holding(t, 0), 2);
	assert_int_equal(ctl_captures_holding(t, 1), 1);
	assert_int_equal(ctl_captures_holding(t, 2), 0);
	/* A pending capture holds nothing until it is approved. */
	ctl_captures_set_state(t, ctl_captures_live(t, "c1"),
	    CTL_CAP_INSTALLING, T0, NULL);
	assert_int_equal(ctl_captures_holding(t, 0), 3);
	/* A reload renumbers switches: the counts follow. */
	ctl_captures_set_switch(t, ctl_captures_live(t, "c1"), 2);
	assert_int_equal(ctl_captures_holding(t, 0), 2);
	assert_int_equal(ctl_captures_holding(t, 2), 1);
	ctl_captures_set_switch(t, ctl_captures_live(t, "c3"), -1);
	assert_int_equal(ctl_captures_holding(t, 1), 0);
	assert_int_equal(ctl_captures_holding(t, -1), 5);
	/* Ending them gives the budgets back. */
	ctl_captures_set_state(t, ctl_captures_live(t, "c1"), CTL_CAP_DONE,
	    T0, NULL);
	ctl_captures_set_state(t, ctl_captures_live(t, "c4"), CTL_CAP_FAILED,
	    T0, "x");
	assert_int_equal(ctl_captures_holding(t, 2), 0);
	assert_int_equal(ctl_captures_holding(t, 0), 1);
	assert_int_equal(ctl_captures_holding(t, -1), 3);
	ctl_captures_free(t);
}

/* The indexes through slot reuse: every lookup finds the right slot. */
static void
test_index_model(void **state)
{
	struct ctl_captures *t = new_table(64, 4);
	struct ctl_capture *c;
	char id[CTL_CAPTURE_ID_MAX];
	uint32_t held = 0;
	int i, round;

	(void)state;
	/* Churn: fill, end every other one, fill again (slots reused). */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 64; i++)
			if (make(t, round * 100 + i + 1, CTL_CAP_INSTALLING,
			    i % 3) == NULL)
				break;
		for (i = 0; i < 64 * (round + 1); i += 2) {
			snprintf(id, sizeof(id), "c%d", i + 1);
			if ((c = ctl_captures_live(t, id)) != NULL)
				ctl_captures_set_state(t, c, CTL_CAP_DONE, T0,
				    NULL);
		}
	}
	for (i = 1; i <= 64 * 3; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		if ((c = ctl_captures_live(t, id)) == NULL)
			continue;
		assert_string_equal(c->id, id);
		assert_ptr_equal(ctl_captures_find_pair(t, &c->match.local,
		    &c->match.remote), c);
		/* The other way round is another pair. */
		assert_null(ctl_captures_find_pair(t, &c->match.remote,
		    &c->match.local));
		held++;
	}
	assert_true(held > 0);
	assert_int_equal(ctl_captures_holding(t, -1), held);
	assert_int_equal(ctl_captures_holding(t, 0) +
	    ctl_captures_holding(t, 1) + ctl_captures_holding(t, 2), held);
	/* "c01" is not "c1" even though the numbers agree. */
	assert_null(ctl_captures_live(t, "c02"));
	ctl_captures_free(t);
}

static void
test_foreach_order(void **state)
{
	struct ctl_captures *t = new_table(8, 8);
	struct seen s = { .n = 0 };
	char buf[128];
	int i;

	(void)state;
	for (i = 1; i <= 5; i++)
		assert_non_null(make(t, i, CTL_CAP_PENDING, 0));
	end(t, "c2", CTL_CAP_DONE);
	end(t, "c4", CTL_CAP_FAILED);
	/* c6 reuses a freed slot, but comes last among the live ones. */
	assert_non_null(make(t, 6, CTL_CAP_PENDING, 0));
	ctl_captures_foreach(t, see, &s);
	assert_string_equal(joined(&s, buf, sizeof(buf)),
	    "c1 c3 c5 c6 c4 c2");
	ctl_captures_free(t);
}

struct walk {
	struct ctl_captures *t;
	struct seen	seen;
};

/*
 * c2 ends c3 (not visited yet), starts a capture that takes c3's slot and
 * ends itself; c4 ends itself.
 */
static void
walk_and_end(void *ctx, struct ctl_capture *c)
{
	struct walk *w = ctx;

	see(&w->seen, c);
	if (strcmp(c->id, "c2") == 0) {
		end(w->t, "c3", CTL_CAP_DONE);
		assert_non_null(make(w->t, 9, CTL_CAP_PENDING, 0));
		ctl_captures_set_state(w->t, c, CTL_CAP_DONE, T0, NULL);
	} else if (strcmp(c->id, "c4") == 0)
		ctl_captures_set_state(w->t, c, CTL_CAP_FAILED, T0, NULL);
}

static void
test_foreach_live_ending(void **state)
{
	struct walk w = { .seen.n = 0 };
	struct seen s = { .n = 0 };
	char buf[128];
	int i;

	(void)state;
	w.t = new_table(5, 8);
	for (i = 1; i <= 5; i++)
		assert_non_null(make(w.t, i, CTL_CAP_PENDING, 0));
	ctl_captures_foreach_live(w.t, walk_and_end, &w);
	assert_string_equal(joined(&w.seen, buf, sizeof(buf)), "c1 c2 c4 c5");
	ctl_captures_foreach(w.t, see, &s);
	assert_string_equal(joined(&s, buf, sizeof(buf)),
	    "c1 c5 c6 c4 c2 c3");

	/* A second walk sees the survivors, the one made meanwhile too. */
	memset(&w.seen, 0, sizeof(w.seen));
	ctl_captures_foreach_live(w.t, walk_and_end, &w);
	assert_string_equal(joined(&w.seen, buf, sizeof(buf)), "c1 c5 c6");
	ctl_captures_free(w.t);
}

static void
end_all(void *ctx, struct ctl_capture *c)
{
	struct walk *w = ctx;

	see(&w->seen, c);
	ctl_captures_set_state(w->t, c, CTL_CAP_DONE, T0, "shutdown");
}

static void
test_foreach_live_end_all(void **state)
{
	struct walk w = { .seen.n = 0 };
	struct ctl_captures_stats st;
	char buf[128];
	int i;

	(void)state;
	w.t = new_table(4, 8);
	for (i = 1; i <= 4; i++)
		assert_non_null(make(w.t, i, CTL_CAP_PENDING, 0));
	ctl_captures_foreach_live(w.t, end_all, &w);
	assert_string_equal(joined(&w.seen, buf, sizeof(buf)),
	    "c1 c2 c3 c4");
	ctl_captures_stats(w.t, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.by_state[CTL_CAP_DONE], 4);
	ctl_captures_free(w.t);
}

static void
test_state_names(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < CTL_CAP_STATES; i++) {
		assert_non_null(ctl_capture_state_name(i));
		assert_string_not_equal(ctl_capture_state_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(ctl_capture_state_name(i),
			    ctl_capture_state_name(j));
	}
	assert_string_equal(ctl_capture_state_name(CTL_CAP_ACTIVE), "active");
	assert_string_equal(ctl_capture_state_name(CTL_CAP_STATES), "unknown");
	assert_string_equal(ctl_capture_state_name(-1), "unknown");
}

static void
test_id_number(void **state)
{
	static const char *const bad[] = {
		"", "c", "x1", "C1", "c-1", "c1a", "c 1", "1",
		"c9223372036854775807",		/* INT64_MAX itself */
		"c18446744073709551616",	/* 2^64 */
		"c000000000000000000001",	/* 21 digits */
	};
	uint64_t n = 0;
	size_t i;

	(void)state;
	assert_int_equal(ctl_capture_id_number("c0", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ctl_capture_id_number("c42", &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(ctl_capture_id_number("c007", &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(ctl_capture_id_number("c9223372036854775806", &n),
	    0);
	assert_true(n == INT64_MAX - 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 5;
		assert_int_equal(ctl_capture_id_number(bad[i], &n), -1);
		assert_int_equal(n, 5);
	}
}

static void
test_restore(void **state)
{
	struct ctl_captures *t = new_table(3, 3);
	struct ctl_captures_stats st;
	struct ctl_capture c, *r;

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "c17");
	c.state = CTL_CAP_ACTIVE;
	c.match = match("10.0.0.1", "192.0.2.1");
	c.sw = -3;
	c.started_ms = T0;
	c.expires_ms = T0 + 5;
	r = ctl_captures_restore(t, &c);
	assert_non_null(r);
	assert_string_equal(r->id, "c17");
	assert_int_equal(r->state, CTL_CAP_ACTIVE);
	assert_int_equal(r->sw, -1);
	assert_true(r->expires_ms == T0 + 5);
	assert_ptr_equal(ctl_captures_live(t, "c17"), r);
	/* New ids come after it. */
	assert_string_equal(make(t, 2, CTL_CAP_PENDING, 0)->id, "c18");

	/* Refused: the same number again, a finished state, a bad id. */
	assert_null(ctl_captures_restore(t, &c));
	snprintf(c.id, sizeof(c.id), "c017");
	assert_null(ctl_captures_restore(t, &c));
	snprintf(c.id, sizeof(c.id), "c5");
	c.state = CTL_CAP_DONE;
	assert_null(ctl_captures_restore(t, &c));
	c.state = CTL_CAP_REMOVING;
	snprintf(c.id, sizeof(c.id), "k5");
	assert_null(ctl_captures_restore(t, &c));

	/* A lower number keeps next_seq; a full table counts a refusal. */
	snprintf(c.id, sizeof(c.id), "c5");
	assert_non_null(ctl_captures_restore(t, &c));
	snprintf(c.id, sizeof(c.id), "c6");
	assert_null(ctl_captures_restore(t, &c));
	ctl_captures_stats(t, &st);
	assert_int_equal(st.next_seq, 19);
	assert_int_equal(st.refused_full, 1);
	assert_int_equal(st.created, 1);
	assert_int_equal(st.live, 3);
	ctl_captures_free(t);
}

/* ---- the state file ---------------------------------------------------- */

struct fx {
	char	dir[64];
	char	path[128];
	char	err[512];
};

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb; (void)flag; (void)f;
	return remove(path);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fs_captures_XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/captures.json", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The first bytes of a file, NUL-terminated. */
static const char *
read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
test_save_load_round_trip(void **state)
{
	struct fx *fx = *state;
	struct ctl_captures *t = ctl_captures_new(8, 8, 100);
	struct ctl_capture *c[6], *back = NULL;
	struct ctl_match m = match("2001:db8::5", "10.9.8.7");
	uint64_t next = 0;
	json_error_t jerr;
	json_t *root;
	struct stat st;
	size_t n = 99, i;
	char tmp[160];

	assert_non_null(t);
	/* Every byte a list label may hold, quotes and escapes too. */
	snprintf(m.label, sizeof(m.label), "q\"b\\s/\x01\t\xc3\xa9\xff end");
	snprintf(m.group, sizeof(m.group), "gr\xe2\x82\xac");
	m.agent.family = NETADDR_NONE;
	m.prefix = addr("2001:db8::");
	m.plen = 32;
	c[0] = ctl_captures_create(t, CTL_CAP_PENDING, &m, NULL, -1, 1, T0);
	c[1] = make(t, 1, CTL_CAP_INSTALLING, 0);
	c[2] = make(t, 2, CTL_CAP_INSTALLING, 3);
	c[3] = make(t, 3, CTL_CAP_INSTALLING, 1);
	c[4] = make(t, 4, CTL_CAP_PENDING, 0);
	c[5] = make(t, 5, CTL_CAP_INSTALLING, 0);
	for (i = 0; i < 6; i++)
		assert_non_null(c[i]);
	c[2]->duration_ms = 300000;
	ctl_captures_set_state(t, c[2], CTL_CAP_ACTIVE, T0 + 10, NULL);
	c[2]->expires_ms = T0 + 300010;
	c[2]->deadline_ms = T0 + 3600010;
	c[2]->samples = UINT64_MAX;
	ctl_captures_set_state(t, c[3], CTL_CAP_ACTIVE, T0 + 20, NULL);
	ctl_captures_set_state(t, c[3], CTL_CAP_REMOVING, T0 + 30, NULL);
	c[3]->match.prefix.family = NETADDR_NONE;
	c[3]->created_ms = -5;		/* saved as 0 */
	/* Finished ones are not saved. */
	ctl_captures_set_state(t, c[4], CTL_CAP_FAILED, T0, "refused");
	ctl_captures_set_state(t, c[5], CTL_CAP_DONE, T0, "expired");

	assert_int_equal(ctl_captures_save(t, fx->path, fx->err,
	    sizeof(fx->err)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	assert_false(exists(tmp));
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Valid JSON, as jansson sees it. */
	root = json_load_file(fx->path, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "version")),
	    1);
	assert_int_equal(json_array_size(json_object_get(root, "captures")),
	    4);
	json_decref(root);

	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), 0);
	assert_int_equal(next, 106);
	assert_int_equal(n, 4);
	assert_non_null(back);
	/* In creation order, each as it was. */
	assert_string_equal(back[0].id, "c100");
	assert_int_equal(back[0].state, CTL_CAP_PENDING);
	assert_int_equal(netaddr_compare(&back[0].match.local, &m.local), 0);
	assert_int_equal(netaddr_compare(&back[0].match.remote, &m.remote), 0);
	assert_int_equal(back[0].match.agent.family, NETADDR_NONE);
	assert_int_equal(netaddr_compare(&back[0].match.prefix, &m.prefix), 0);
	assert_int_equal(back[0].match.plen, 32);
	assert_string_equal(back[0].match.label, m.label);
	assert_string_equal(back[0].match.group, m.group);
	assert_string_equal(back[0].match.list, "own-list");
	assert_int_equal(back[0].manual, 1);
	assert_int_equal(back[0].sw, -1);
	assert_true(back[0].created_ms == T0);

	assert_string_equal(back[1].id, "c101");
	assert_int_equal(back[1].state, CTL_CAP_INSTALLING);
	assert_int_equal(back[1].manual, 0);
	assert_int_equal(back[1].sw, 0);
	assert_int_equal(netaddr_compare(&back[1].match.agent,
	    &c[1]->match.agent), 0);
	assert_int_equal(back[1].match.plen, 24);

	assert_string_equal(back[2].id, "c102");
	assert_int_equal(back[2].state, CTL_CAP_ACTIVE);
	assert_int_equal(back[2].sw, 3);
	assert_true(back[2].duration_ms == 300000);
	assert_true(back[2].created_ms == T0 + 2);
	assert_true(back[2].started_ms == T0 + 10);
	assert_true(back[2].expires_ms == T0 + 300010);
	assert_true(back[2].deadline_ms == T0 + 3600010);
	/* Capped where jansson's integers end. */
	assert_true(back[2].samples == INT64_MAX);
	assert_int_equal(netaddr_compare(&back[2].match.local,
	    &c[2]->match.local), 0);

	assert_string_equal(back[3].id, "c103");
	assert_int_equal(back[3].state, CTL_CAP_REMOVING);
	assert_int_equal(back[3].match.prefix.family, NETADDR_NONE);
	assert_true(back[3].created_ms == 0);
	assert_true(back[3].started_ms == T0 + 20);

	/* They go back into a new table with their ids. */
	ctl_captures_free(t);
	t = ctl_captures_new(8, 8, next);
	assert_non_null(t);
	for (i = 0; i < n; i++)
		assert_non_null(ctl_captures_restore(t, &back[i]));
	assert_string_equal(make(t, 7, CTL_CAP_PENDING, 0)->id, "c106");
	free(back);

	/* Saving again replaces the file. */
	assert_int_equal(ctl_captures_save(t, fx->path, fx->err,
	    sizeof(fx->err)), 0);
	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), 0);
	assert_int_equal(n, 5);
	assert_int_equal(next, 107);
	free(back);
	ctl_captures_free(t);
}

static void
test_save_load_empty(void **state)
{
	struct fx *fx = *state;
	struct ctl_captures *t = ctl_captures_new(2, 2, 12);
	struct ctl_capture *back = (struct ctl_capture *)1;
	uint64_t next = 0;
	size_t n = 99;

	assert_non_null(t);
	assert_int_equal(ctl_captures_save(t, fx->path, fx->err,
	    sizeof(fx->err)), 0);
	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), 0);
	assert_int_equal(next, 12);
	assert_int_equal(n, 0);
	free(back);
	ctl_captures_free(t);
}

static void
test_save_relative_path(void **state)
{
	struct fx *fx = *state;
	struct ctl_captures *t = ctl_captures_new(2, 2, 3);
	char cwd[512];

	assert_non_null(t);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	assert_int_equal(ctl_captures_save(t, "rel.json", fx->err,
	    sizeof(fx->err)), 0);
	assert_int_equal(chdir(cwd), 0);
	snprintf(fx->path, sizeof(fx->path), "%s/rel.json", fx->dir);
	assert_true(exists(fx->path));
	ctl_captures_free(t);
}

static void
test_load_missing(void **state)
{
	struct fx *fx = *state;
	struct ctl_capture *back = (struct ctl_capture *)1;
	uint64_t next = 0;
	size_t n = 99;

	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), 1);
	assert_null(back);
	assert_int_equal(n, 0);
}

static void
test_load_not_regular(void **state)
{
	struct fx *fx = *state;
	struct ctl_capture *back = NULL;
	uint64_t next = 0;
	size_t n = 0;

	assert_int_equal(ctl_captures_load(fx->dir, &next, &back, &n,
	    fx->err, sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "not a regular file"));
	assert_null(back);
}

static void
test_load_huge(void **state)
{
	struct fx *fx = *state;
	struct ctl_capture *back = NULL;
	uint64_t next = 0;
	size_t n = 0;
	int fd;

	fd = open(fx->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)CTL_CAPTURES_STATE_MAX + 1), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "more than"));
	assert_null(back);
	/* The file is left alone. */
	assert_true(exists(fx->path));
}

static void
test_load_fixes_next_seq(void **state)
{
	struct fx *fx = *state;
	struct ctl_capture *back = NULL;
	uint64_t next = 0;
	size_t n = 0;

	write_text(fx->path, "{\"version\":1,\"next_seq\":3,\"captures\":["
	    "{\"id\":\"c9\",\"state\":\"pending\",\"group\":\"\",\"list\":\"\","
	    "\"label\":\"\",\"manual\":true,\"duration_ms\":0,"
	    "\"created_ms\":0,\"started_ms\":0,\"expires_ms\":0,"
	    "\"deadline_ms\":0,\"samples\":0}]}\n");
	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), 0);
	assert_int_equal(next, 10);
	assert_int_equal(n, 1);
	/* Addresses and switch left out: none. */
	assert_int_equal(back[0].match.local.family, NETADDR_NONE);
	assert_int_equal(back[0].match.agent.family, NETADDR_NONE);
	assert_int_equal(back[0].sw, -1);
	assert_int_equal(back[0].manual, 1);
	free(back);

	write_text(fx->path, "{\"version\":1,\"next_seq\":0,\"captures\":[]}");
	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), 0);
	assert_int_equal(next, 1);
	free(back);
}

/* The members of a good capture; a case replaces or drops one. */
static const char *const good_members[][2] = {
	{ "id", "\"c1\"" },
	{ "state", "\"active\"" },
	{ "local", "\"10.0.0.1\"" },
	{ "remote", "\"2001:db8::1\"" },
	{ "agent", "\"192.0.2.1\"" },
	{ "group", "\"watch\"" },
	{ "list", "\"own\"" },
	{ "label", "\"x\"" },
	{ "prefix", "\"2001:db8::/32\"" },
	{ "manual", "false" },
	{ "switch", "2" },
	{ "duration_ms", "1" },
	{ "created_ms", "1" },
	{ "started_ms", "1" },
	{ "expires_ms", "1" },
	{ "deadline_ms", "1" },
	{ "samples", "1" },
};

/* A capture object with key's value replaced by raw (NULL: left out). */
static void
capture_json(char *buf, size_t size, const char *key, const char *raw)
{
	size_t i, off = 0;
	const char *v;

	off += (size_t)snprintf(buf + off, size - off, "{");
	for (i = 0; i < sizeof(good_members) / sizeof(good_members[0]); i++) {
		v = good_members[i][1];
		if (key != NULL && strcmp(key, good_members[i][0]) == 0)
			v = raw;
		if (v == NULL)
			continue;
		off += (size_t)snprintf(buf + off, size - off, "%s\"%s\":%s",
		    off > 1 ? "," : "", good_members[i][0], v);
	}
	snprintf(buf + off, size - off, "}");
	assert_true(off + 2 < size);
}

static void
expect_refused(struct fx *fx, const char *text, const char *want)
{
	struct ctl_capture *back = (struct ctl_capture *)1;
	uint64_t next = 0;
	size_t n = 99;

	write_text(fx->path, text);
	fx->err[0] = '\0';
	if (ctl_captures_load(fx->path, &next, &back, &n, fx->err,
	    sizeof(fx->err)) != -1)
		fail_msg("accepted: %s", text);
	if (strstr(fx->err, want) == NULL ||
	    strncmp(fx->err, fx->path, strlen(fx->path)) != 0)
		fail_msg("%s\n  said: %s\n  want: %s", text, fx->err, want);
	assert_null(back);
	assert_int_equal(n, 0);
	assert_true(exists(fx->path));
}

static void
test_load_bad_members(void **state)
{
	static const char *const cases[][3] = {
		{ "id", NULL, "missing" },
		{ "id", "7", "not a string" },
		{ "id", "\"x1\"", "not c and" },
		{ "id", "\"c\"", "not c and" },
		{ "id", "\"c1a\"", "not c and" },
		{ "id", "\"c99999999999999999999\"", "not c" },
		{ "state", NULL, "missing" },
		{ "state", "1", "not a string" },
		{ "state", "\"done\"", "not a live state" },
		{ "state", "\"failed\"", "not a live state" },
		{ "state", "\"ACTIVE\"", "unknown state" },
		{ "local", "\"10.0.0.300\"", "not an address" },
		{ "local", "\"10.0.0.0/8\"", "not an address" },
		{ "remote", "5", "not an address" },
		{ "agent", "\"::g\"", "not an address" },
		{ "agent", "\"-\"", "not an address" },
		{ "group", "null", "not a string" },
		{ "list", NULL, "missing" },
		{ "label", "\"\\u0100\"", "a character above U+00FF" },
		{ "label", "\"\xe2\x82\xac\"", "a character above U+00FF" },
		{ "label", "\"" "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789"
		    "0123456789" "\"", "too long" },
		{ "prefix", "\"10.0.0.0\"", "not ADDRESS/" },
		{ "prefix", "8", "not a string" },
		{ "prefix", "\"zz/8\"", "not an address" },
		{ "prefix", "\"10.0.0.0/33\"", "bad prefix" },
		{ "prefix", "\"::/129\"", "bad prefix" },
		{ "prefix", "\"10.0.0.0/\"", "bad prefix" },
		{ "prefix", "\"10.0.0.0/0008\"", "bad prefix" },
		{ "prefix", "\"10.0.0.0/8x\"", "bad prefix" },
		{ "manual", NULL, "missing" },
		{ "manual", "0", "not true or false" },
		{ "switch", "-1", "negative" },
		{ "switch", "2147483648", "too large" },
		{ "switch", "\"1\"", "not an integer" },
		{ "duration_ms", "[]", "not an int" },
		{ "created_ms", "-5", "negative" },
		{ "created_ms", NULL, "missing" },
		{ "started_ms", "1.5", "not an int" },
		{ "expires_ms", "null", "not an int" },
		{ "deadline_ms", "true", "not an int" },
		{ "samples", NULL, "missing" },
		{ "samples", "-1", "negative" },
	};
	struct fx *fx = *state;
	char good[1024], bad[1024], text[4096], want[128];
	struct ctl_capture *back = NULL;
	uint64_t next = 0;
	size_t i, n = 0;

	capture_json(good, sizeof(good), "id", "\"c2\"");
	/* The good one alone loads (so each case fails for its member). */
	snprintf(text, sizeof(text), "{\"version\":1,\"next_seq\":5,"
	    "\"captures\":[%s]}", good);
	write_text(fx->path, text);
	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), 0);
	assert_int_equal(n, 1);
	free(back);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		capture_json(bad, sizeof(bad), cases[i][0], cases[i][1]);
		snprintf(text, sizeof(text), "{\"version\":1,\"next_seq\":5,"
		    "\"captures\":[%s, %s]}", good, bad);
		snprintf(want, sizeof(want), "captures[1].%s: %s", cases[i][0],
		    cases[i][2]);
		expect_refused(fx, text, want);
	}
}

static void
test_load_bad_files(void **state)
{
	static const char *const cases[][2] = {
		{ "", "line 1" },
		{ "{", "line 1" },
		{ "{\"version\":1,\"next_seq\":1,\"captures\":[]} x",
		    "end of file expected" },
		{ "[]", "not a JSON object" },
		{ "{\"next_seq\":1,\"captures\":[]}", "version: missing" },
		{ "{\"version\":\"1\",\"next_seq\":1,\"captures\":[]}",
		    "version: not an integer" },
		{ "{\"version\":2,\"next_seq\":1,\"captures\":[]}",
		    "version 2, not 1" },
		{ "{\"version\":1,\"captures\":[]}", "next_seq: missing" },
		{ "{\"version\":1,\"next_seq\":\"x\",\"captures\":[]}",
		    "next_seq: not an integer" },
		{ "{\"version\":1,\"next_seq\":-2,\"captures\":[]}",
		    "next_seq: negative" },
		{ "{\"version\":1,\"next_seq\":99999999999999999999,"
		    "\"captures\":[]}", "too big" },
		{ "{\"version\":1,\"next_seq\":1}", "captures: missing" },
		{ "{\"version\":1,\"next_seq\":1,\"captures\":{}}",
		    "captures: not an array" },
		{ "{\"version\":1,\"next_seq\":1,\"captures\":[1]}",
		    "captures[0]: not an object" },
		{ "{\"version\":1,\"version\":1,\"next_seq\":1,"
		    "\"captures\":[]}",
		    "duplicate object key" },
		{ "{\"version\":1,\"next_seq\":1,\"captures\":[{\"id\":\"c1\","
		    "\"id\":\"c2\"}]}", "duplicate object key" },
		{ "{\"version\":1,\"next_seq\":1,\"captures\":[{\"id\":"
		    "\"c1\\u0000\"}]}", "line 1" },
	};
	struct fx *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refused(fx, cases[i][0], cases[i][1]);
}

static void
test_load_duplicate_ids(void **state)
{
	struct fx *fx = *state;
	char a[1024], b[1024], text[4096];

	capture_json(a, sizeof(a), "id", "\"c1\"");
	capture_json(b, sizeof(b), "id", "\"c01\"");
	snprintf(text, sizeof(text), "{\"version\":1,\"next_seq\":5,"
	    "\"captures\":[%s,%s]}", a, b);
	expect_refused(fx, text, "captures: id number 1 twice");
}

static void
test_save_unwritable(void **state)
{
	struct fx *fx = *state;
	struct ctl_captures *t = new_table(2, 2);
	char path[256], tmp[300], inside[350], buf[16];
	uint64_t next = 0;
	struct ctl_capture *back = NULL;
	size_t n = 0;

	assert_non_null(make(t, 1, CTL_CAP_PENDING, 0));

	/* A folder that is not there. */
	snprintf(path, sizeof(path), "%s/no/such/captures.json", fx->dir);
	assert_int_equal(ctl_captures_save(t, path, fx->err, sizeof(fx->err)),
	    -1);
	assert_non_null(strstr(fx->err, "open"));
	assert_false(exists(path));

	/* A "folder" that is a file (refused even to root). */
	write_text(fx->path, "old");
	snprintf(path, sizeof(path), "%s/captures.json/x.json", fx->dir);
	assert_int_equal(ctl_captures_save(t, path, fx->err, sizeof(fx->err)),
	    -1);
	assert_non_null(strstr(fx->err, "Not a directory"));

	/* PATH.tmp cannot be opened: PATH is left as it was. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(ctl_captures_save(t, fx->path, fx->err,
	    sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, tmp));
	assert_int_equal(rmdir(tmp), 0);
	assert_string_equal(read_text(fx->path, buf, sizeof(buf)), "old");

	/* The rename fails (PATH is a folder with something in it): no
	 * temporary file is left behind. */
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(mkdir(fx->path, 0700), 0);
	snprintf(inside, sizeof(inside), "%s/keep", fx->path);
	write_text(inside, "x");
	assert_int_equal(ctl_captures_save(t, fx->path, fx->err,
	    sizeof(fx->err)), -1);
	assert_non_null(strstr(fx->err, "rename"));
	assert_false(exists(tmp));
	assert_int_equal(ctl_captures_load(fx->path, &next, &back, &n,
	    fx->err, sizeof(fx->err)), -1);
	ctl_captures_free(t);
}

static void
test_save_path_too_long(void **state)
{
	struct ctl_captures *t = new_table(1, 1);
	char err[256], *path;
	size_t len = 5000;

	(void)state;
	path = malloc(len + 1);
	assert_non_null(path);
	memset(path, 'a', len);
	path[len] = '\0';
	assert_int_equal(ctl_captures_save(t, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "path too long"));
	free(path);
	ctl_captures_free(t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_create_ids),
	cmocka_unit_test(test_create_terminates_strings),
	cmocka_unit_test(test_slots_full),
	cmocka_unit_test(test_states_and_times),
	cmocka_unit_test(test_extend),
	cmocka_unit_test(test_done_moves_to_ring),
	cmocka_unit_test(test_why_truncated),
	cmocka_unit_test(test_ring_keeps_newest),
	cmocka_unit_test(test_find_pair_exact),
	cmocka_unit_test(test_live_by_id),
	cmocka_unit_test(test_holding),
	cmocka_unit_test(test_index_model),
	cmocka_unit_test(test_foreach_order),
	cmocka_unit_test(test_foreach_live_ending),
	cmocka_unit_test(test_foreach_live_end_all),
	cmocka_unit_test(test_state_names),
	cmocka_unit_test(test_id_number),
	cmocka_unit_test(test_restore),
	cmocka_unit_test_setup_teardown(test_save_load_round_trip, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_save_load_empty, setup, teardown),
	cmocka_unit_test_setup_teardown(test_save_relative_path, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_load_missing, setup, teardown),
	cmocka_unit_test_setup_teardown(test_load_not_regular, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_load_huge, setup, teardown),
	cmocka_unit_test_setup_teardown(test_load_fixes_next_seq, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_load_bad_members, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_load_bad_files, setup, teardown),
	cmocka_unit_test_setup_teardown(test_load_duplicate_ids, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_save_unwritable, setup, teardown),
	cmocka_unit_test(test_save_path_too_long),
};

FS_TEST_MAIN(tests)
