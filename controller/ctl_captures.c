/*
 * ctl_captures.c - the table of captures: live ones in fixed slots,
 * finished ones in a ring of the most recent.
 *
 * Invariants:
 *  - every slot below fresh is either live (used, on the live list that
 *    links slots by index in creation order, oldest first) or free (not
 *    used, on the free list through next); slots from fresh on were never
 *    used and are on no list;
 *  - a live capture is &slots[i].cap and does not move while it is live,
 *    so callers may keep the pointer until they end the capture;
 *  - each slot remembers the number of its capture's id, and next_seq is
 *    above every number handed out or restored: ids are never reused;
 *  - the ring holds the min(finished, keep_done) most recently finished
 *    captures; done_next is where the next one goes, overwriting the
 *    oldest once the ring is full.
 *
 *  - every live slot is on exactly one chain of pair_heads (by its local
 *    and remote address) and one of id_heads (by its id's number);
 *  - holding_total and holding_sw[] count the live captures in a state
 *    that holds a budget (installing, active, removing), all and per
 *    switch; they change only in create, restore, set_state and
 *    set_switch.
 *
 * Lookups by id and by pair and the budget counts are O(1): they run for
 * every matching sample, and max_active may be tens of thousands
 * (bench/ingest measured linear scans at 22 us per 1,000 live captures).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_captures.h"
#include "log.h"
#include "siphash.h"

#define NIL	UINT32_MAX

struct slot {
	struct ctl_capture cap;	/* first: the capture is the slot */
	uint64_t	seq;		/* the number of cap.id */
	uint32_t	prev;		/* live list, or NIL */
	uint32_t	next;		/* live or free list, or NIL */
	uint32_t	pnext;		/* pair chain, or NIL */
	uint32_t	inext;		/* id chain, or NIL */
	uint8_t		used;
};

struct ctl_captures {
	struct slot	*slots;
	size_t		 max_live;
	size_t		 n_live;
	uint32_t	 head;		/* oldest live */
	uint32_t	 tail;		/* newest live */
	uint32_t	 free_head;
	uint32_t	 fresh;		/* slots [fresh, max_live) never used */

	struct ctl_capture *done;	/* the ring, keep_done entries */
	size_t		 keep_done;
	size_t		 done_next;
	size_t		 n_done;

	uint64_t	 next_seq;
	uint64_t	 created;
	uint64_t	 refused_full;

	/* The indexes: chains of slots by pair and by id number. */
	uint32_t	*pair_heads;
	uint32_t	*id_heads;
	uint32_t	 hmask;
	uint64_t	 hkey[2];
	uint32_t	 holding_total;
	uint32_t	 holding_sw[CTL_MAX_SWITCHES];

	/* foreach_live's snapshot of the live list (see there). */
	uint32_t	*walk_idx;
	uint64_t	*walk_seq;
	int		 walking;
};

static const char *const state_names[CTL_CAP_STATES] = {
	[CTL_CAP_PENDING] = "pending",
	[CTL_CAP_INSTALLING] = "installing",
	[CTL_CAP_ACTIVE] = "active",
	[CTL_CAP_REMOVING] = "removing",
	[CTL_CAP_DONE] = "done",
	[CTL_CAP_FAILED] = "failed",
};

const char *
ctl_capture_state_name(enum ctl_capture_state s)
{
	if ((unsigned)s >= CTL_CAP_STATES)
		return "unknown";
	return state_names[s];
}

int
ctl_capture_id_number(const char *id, uint64_t *n)
{
	uint64_t v = 0;
	size_t i;

	if (id[0] != 'c' || id[1] == '\0')
		return -1;
	for (i = 1; id[i] != '\0'; i++) {
		if (i > 20 || id[i] < '0' || id[i] > '9')
			return -1;
		if (v > (INT64_MAX - 1 - (uint64_t)(id[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(id[i] - '0');
	}
	*n = v;
	return 0;
}

struct ctl_captures *
ctl_captures_new(size_t max_live, size_t keep_done, uint64_t first_seq)
{
	struct ctl_captures *t;
	size_t hsize;

	/* Slot indexes are 32 bits, with NIL reserved. */
	if (max_live >= NIL)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->slots = calloc(max_live ? max_live : 1, sizeof(*t->slots));
	t->done = calloc(keep_done ? keep_done : 1, sizeof(*t->done));
	t->walk_idx = calloc(max_live ? max_live : 1, sizeof(*t->walk_idx));
	t->walk_seq = calloc(max_live ? max_live : 1, sizeof(*t->walk_seq));
	for (hsize = 16; hsize < max_live && hsize < (1u << 30); hsize <<= 1)
		;
	t->pair_heads = malloc(hsize * sizeof(*t->pair_heads));
	t->id_heads = malloc(hsize * sizeof(*t->id_heads));
	if (t->slots == NULL || t->done == NULL || t->walk_idx == NULL ||
	    t->walk_seq == NULL || t->pair_heads == NULL ||
	    t->id_heads == NULL) {
		ctl_captures_free(t);
		return NULL;
	}
	memset(t->pair_heads, 0xff, hsize * sizeof(*t->pair_heads));	/* NIL */
	memset(t->id_heads, 0xff, hsize * sizeof(*t->id_heads));
	t->hmask = (uint32_t)hsize - 1;
	siphash_random_key(t->hkey);
	t->max_live = max_live;
	t->keep_done = keep_done;
	t->head = t->tail = NIL;
	/* Slots never used are taken in order and not linked up front, so a
	 * large max_active costs address space, not memory (calloc's pages
	 * stay untouched until a capture needs them). */
	t->free_head = NIL;
	t->fresh = 0;
	t->next_seq = first_seq ? first_seq : 1;
	return t;
}

void
ctl_captures_free(struct ctl_captures *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t->done);
	free(t->walk_idx);
	free(t->walk_seq);
	free(t->pair_heads);
	free(t->id_heads);
	free(t);
}

/* ---- the indexes ------------------------------------------------------ */

static uint32_t
pair_bucket(const struct ctl_captures *t, const struct netaddr *local,
    const struct netaddr *remote)
{
	struct netaddr pair[2];

	/* Only the bytes of the family count: do not trust the rest. */
	pair[0] = netaddr_canonical(local);
	pair[1] = netaddr_canonical(remote);
	return (uint32_t)siphash13(t->hkey, pair, sizeof(pair)) & t->hmask;
}

static uint32_t
id_bucket(const struct ctl_captures *t, uint64_t seq)
{
	return (uint32_t)siphash13(t->hkey, &seq, sizeof(seq)) & t->hmask;
}

static void
index_insert(struct ctl_captures *t, uint32_t i)
{
	struct slot *s = &t->slots[i];
	uint32_t b;

	b = pair_bucket(t, &s->cap.match.local, &s->cap.match.remote);
	s->pnext = t->pair_heads[b];
	t->pair_heads[b] = i;
	b = id_bucket(t, s->seq);
	s->inext = t->id_heads[b];
	t->id_heads[b] = i;
}

static void
unchain(struct ctl_captures *t, uint32_t *head, uint32_t i, int by_pair)
{
	uint32_t *p = head;

	while (*p != NIL && *p != i)
		p = by_pair ? &t->slots[*p].pnext : &t->slots[*p].inext;
	if (*p == i)
		*p = by_pair ? t->slots[i].pnext : t->slots[i].inext;
}

static void
index_remove(struct ctl_captures *t, uint32_t i)
{
	struct slot *s = &t->slots[i];

	unchain(t, &t->pair_heads[pair_bucket(t, &s->cap.match.local,
	    &s->cap.match.remote)], i, 1);
	unchain(t, &t->id_heads[id_bucket(t, s->seq)], i, 0);
}

static int
holds(enum ctl_capture_state st)
{
	return st == CTL_CAP_INSTALLING || st == CTL_CAP_ACTIVE ||
	    st == CTL_CAP_REMOVING;
}

/* Count a capture in (add 1) or out (add -1) of the budgets. */
static void
hold(struct ctl_captures *t, const struct ctl_capture *c, int add)
{
	if (!holds(c->state))
		return;
	t->holding_total += (uint32_t)add;
	if (c->sw >= 0 && c->sw < CTL_MAX_SWITCHES)
		t->holding_sw[c->sw] += (uint32_t)add;
}

/* The slot of a live capture; anything else is a bug in the caller. */
static uint32_t
slot_index(const struct ctl_captures *t, const struct ctl_capture *c)
{
	uintptr_t base = (uintptr_t)t->slots, p = (uintptr_t)c;
	size_t i;

	if (p < base || (p - base) % sizeof(struct slot) != 0 ||
	    (i = (p - base) / sizeof(struct slot)) >= t->max_live ||
	    !t->slots[i].used)
		fatalx("ctl_captures: %p is not a live capture", (void *)c);
	return (uint32_t)i;
}

/* Take a free slot and put it last on the live list; NIL when full. */
static uint32_t
slot_take(struct ctl_captures *t)
{
	uint32_t i = t->free_head;
	struct slot *s;

	if (i == NIL && t->fresh < t->max_live)
		i = t->fresh++;
	else if (i != NIL)
		t->free_head = t->slots[i].next;
	else {
		t->refused_full++;
		return NIL;
	}
	s = &t->slots[i];
	memset(&s->cap, 0, sizeof(s->cap));
	s->used = 1;
	s->prev = t->tail;
	s->next = NIL;
	if (t->tail != NIL)
		t->slots[t->tail].next = i;
	else
		t->head = i;
	t->tail = i;
	t->n_live++;
	return i;
}

static void
slot_release(struct ctl_captures *t, uint32_t i)
{
	struct slot *s = &t->slots[i];

	index_remove(t, i);
	if (s->prev != NIL)
		t->slots[s->prev].next = s->next;
	else
		t->head = s->next;
	if (s->next != NIL)
		t->slots[s->next].prev = s->prev;
	else
		t->tail = s->prev;
	memset(&s->cap, 0, sizeof(s->cap));
	s->used = 0;
	s->seq = 0;
	s->prev = NIL;
	s->next = t->free_head;
	t->free_head = i;
	t->n_live--;
}

/* Strings in a match are fixed arrays: make sure each ends. */
static void
terminate_match(struct ctl_match *m)
{
	m->group[sizeof(m->group) - 1] = '\0';
	m->list[sizeof(m->list) - 1] = '\0';
	m->label[sizeof(m->label) - 1] = '\0';
}

struct ctl_capture *
ctl_captures_create(struct ctl_captures *t, enum ctl_capture_state state,
    const struct ctl_match *m, const struct flow_key *key, int32_t sw,
    int manual, int64_t now_ms)
{
	struct ctl_capture *c;
	uint32_t i;

	if (state != CTL_CAP_PENDING && state != CTL_CAP_INSTALLING)
		fatalx("ctl_captures_create: state %d", (int)state);
	/* Unreachable in practice, but an id must never come round again. */
	if (t->next_seq >= INT64_MAX)
		return NULL;
	if ((i = slot_take(t)) == NIL)
		return NULL;
	c = &t->slots[i].cap;
	t->slots[i].seq = t->next_seq++;
	snprintf(c->id, sizeof(c->id), "c%llu",
	    (unsigned long long)t->slots[i].seq);
	c->state = state;
	c->match = *m;
	terminate_match(&c->match);
	if (key != NULL) {
		c->first_key = *key;
		c->has_first_key = 1;
	}
	c->manual = manual ? 1 : 0;
	c->sw = sw < 0 ? -1 : sw;
	c->created_ms = now_ms;
	t->created++;
	index_insert(t, i);
	hold(t, c, 1);
	return c;
}

struct ctl_capture *
ctl_captures_restore(struct ctl_captures *t, const struct ctl_capture *from)
{
	struct ctl_capture *c;
	uint64_t seq;
	uint32_t i;
	char id[CTL_CAPTURE_ID_MAX];

	if ((unsigned)from->state >= CTL_CAP_DONE)
		return NULL;
	memcpy(id, from->id, sizeof(id));
	id[sizeof(id) - 1] = '\0';
	if (ctl_capture_id_number(id, &seq) == -1)
		return NULL;
	/* By number: "c01" and "c1" would be the same capture. */
	for (i = t->id_heads[id_bucket(t, seq)]; i != NIL;
	    i = t->slots[i].inext)
		if (t->slots[i].seq == seq)
			return NULL;
	if ((i = slot_take(t)) == NIL)
		return NULL;
	c = &t->slots[i].cap;
	*c = *from;
	memcpy(c->id, id, sizeof(c->id));
	terminate_match(&c->match);
	c->why[sizeof(c->why) - 1] = '\0';
	c->sw = c->sw < 0 ? -1 : c->sw;
	t->slots[i].seq = seq;
	if (seq >= t->next_seq)
		t->next_seq = seq + 1;
	index_insert(t, i);
	hold(t, c, 1);
	return c;
}

/* Copy why, cut to fit at a character boundary (UTF-8). */
static void
copy_why(char *dst, size_t size, const char *why)
{
	size_t n;

	if (why == NULL) {
		dst[0] = '\0';
		return;
	}
	n = strnlen(why, size - 1);
	/* Cut before why[n]: if that continues a sequence, drop it whole. */
	if (why[n] != '\0')
		while (n > 0 && ((unsigned char)why[n] & 0xC0) == 0x80)
			n--;
	memcpy(dst, why, n);
	dst[n] = '\0';
}

/* Move the capture in slot i to the ring and free the slot. */
static void
finish(struct ctl_captures *t, uint32_t i)
{
	if (t->keep_done > 0) {
		t->done[t->done_next] = t->slots[i].cap;
		t->done_next = (t->done_next + 1) % t->keep_done;
		if (t->n_done < t->keep_done)
			t->n_done++;
	}
	slot_release(t, i);
}

void
ctl_captures_set_state(struct ctl_captures *t, struct ctl_capture *c,
    enum ctl_capture_state state, int64_t now_ms, const char *why)
{
	uint32_t i = slot_index(t, c);

	if ((unsigned)state >= CTL_CAP_STATES)
		fatalx("ctl_captures_set_state: state %d", (int)state);
	if (c->state == state)
		return;
	hold(t, c, -1);
	c->state = state;
	hold(t, c, 1);
	switch (state) {
	case CTL_CAP_ACTIVE:
		if (c->started_ms == 0)
			c->started_ms = now_ms;
		break;
	case CTL_CAP_DONE:
	case CTL_CAP_FAILED:
		c->ended_ms = now_ms;
		copy_why(c->why, sizeof(c->why), why);
		finish(t, i);
		break;
	default:
		break;
	}
}

int
ctl_captures_extend(struct ctl_capture *c, int64_t now_ms,
    int64_t duration_ms)
{
	int64_t to;

	if (c->state != CTL_CAP_ACTIVE)
		return 0;
	if (duration_ms < 0)
		duration_ms = 0;
	to = now_ms > INT64_MAX - duration_ms ? INT64_MAX :
	    now_ms + duration_ms;
	if (to > c->deadline_ms)
		to = c->deadline_ms;
	if (to <= c->expires_ms)
		return 0;
	c->expires_ms = to;
	return 1;
}

struct ctl_capture *
ctl_captures_live(struct ctl_captures *t, const char *id)
{
	uint64_t seq;
	uint32_t i;

	if (ctl_capture_id_number(id, &seq) == -1)
		return NULL;
	for (i = t->id_heads[id_bucket(t, seq)]; i != NIL;
	    i = t->slots[i].inext)
		if (strcmp(t->slots[i].cap.id, id) == 0)
			return &t->slots[i].cap;
	return NULL;
}

/* The k-th newest finished capture, k < n_done. */
static const struct ctl_capture *
done_at(const struct ctl_captures *t, size_t k)
{
	return &t->done[(t->done_next + t->keep_done - 1 - k) % t->keep_done];
}

const struct ctl_capture *
ctl_captures_get(const struct ctl_captures *t, const char *id)
{
	uint32_t i;
	size_t k;

	for (i = t->head; i != NIL; i = t->slots[i].next)
		if (strcmp(t->slots[i].cap.id, id) == 0)
			return &t->slots[i].cap;
	for (k = 0; k < t->n_done; k++)
		if (strcmp(done_at(t, k)->id, id) == 0)
			return done_at(t, k);
	return NULL;
}

struct ctl_capture *
ctl_captures_find_pair(struct ctl_captures *t, const struct netaddr *local,
    const struct netaddr *remote)
{
	uint32_t i;

	/* The pair is taken as given: the policy put the local side first. */
	for (i = t->pair_heads[pair_bucket(t, local, remote)]; i != NIL;
	    i = t->slots[i].pnext) {
		const struct ctl_match *m = &t->slots[i].cap.match;

		if (netaddr_compare(&m->local, local) == 0 &&
		    netaddr_compare(&m->remote, remote) == 0)
			return &t->slots[i].cap;
	}
	return NULL;
}

uint32_t
ctl_captures_holding(const struct ctl_captures *t, int32_t sw)
{
	if (sw < 0)
		return t->holding_total;
	return sw < CTL_MAX_SWITCHES ? t->holding_sw[sw] : 0;
}

void
ctl_captures_set_switch(struct ctl_captures *t, struct ctl_capture *c,
    int32_t sw)
{
	(void)slot_index(t, c);
	hold(t, c, -1);
	c->sw = sw < 0 ? -1 : sw;
	hold(t, c, 1);
}

void
ctl_captures_foreach(const struct ctl_captures *t,
    void (*fn)(void *ctx, const struct ctl_capture *), void *ctx)
{
	uint32_t i;
	size_t k;

	for (i = t->head; i != NIL; i = t->slots[i].next)
		fn(ctx, &t->slots[i].cap);
	for (k = 0; k < t->n_done; k++)
		fn(ctx, done_at(t, k));
}

void
ctl_captures_foreach_live(struct ctl_captures *t,
    void (*fn)(void *ctx, struct ctl_capture *), void *ctx)
{
	size_t n = 0, k;
	uint32_t i;

	/*
	 * Walk a snapshot of (slot, id number) taken before the first call:
	 * fn may end any capture, which unlinks and frees its slot, and may
	 * create one, which can reuse that slot.  A slot that no longer holds
	 * the capture it held at the start is skipped, and captures created
	 * during the walk are not visited.  The snapshot lives in the table,
	 * so walks do not nest.
	 */
	if (t->walking)
		fatalx("ctl_captures_foreach_live: nested walk");
	for (i = t->head; i != NIL; i = t->slots[i].next) {
		t->walk_idx[n] = i;
		t->walk_seq[n] = t->slots[i].seq;
		n++;
	}
	t->walking = 1;
	for (k = 0; k < n; k++) {
		struct slot *s = &t->slots[t->walk_idx[k]];

		if (s->used && s->seq == t->walk_seq[k])
			fn(ctx, &s->cap);
	}
	t->walking = 0;
}

void
ctl_captures_stats(const struct ctl_captures *t, struct ctl_captures_stats *st)
{
	uint32_t i;
	size_t k;

	memset(st, 0, sizeof(*st));
	for (i = t->head; i != NIL; i = t->slots[i].next)
		st->by_state[t->slots[i].cap.state]++;
	for (k = 0; k < t->n_done; k++)
		st->by_state[done_at(t, k)->state]++;
	st->live = t->n_live;
	st->created = t->created;
	st->refused_full = t->refused_full;
	st->next_seq = t->next_seq;
}
