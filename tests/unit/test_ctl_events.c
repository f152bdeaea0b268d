/*
 * test_ctl_events.c - the event ring: numbering, the object's shape,
 * bounds by count and bytes, replay with after(), subscribers that leave
 * or emit while called, and the events file (rotation, bad paths, write
 * errors).
 */
#include "fs_test.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_events.h"

#define MAX_SEEN	64

/* What a callback saw. */
struct seen {
	int		n;
	uint64_t	seq[MAX_SEEN];
	char		*json[MAX_SEEN];
};

static void
record(void *ctx, uint64_t seq, const char *json, size_t len)
{
	struct seen *s = ctx;

	assert_int_equal(strlen(json), len);
	assert_true(len > 0 && json[len - 1] == '}');
	if (s->n < MAX_SEEN) {
		s->seq[s->n] = seq;
		s->json[s->n] = strndup(json, len);
		assert_non_null(s->json[s->n]);
	}
	s->n++;
}

static void
seen_clear(struct seen *s)
{
	int i;

	for (i = 0; i < s->n && i < MAX_SEEN; i++)
		free(s->json[i]);
	s->n = 0;
}

static struct ctl_events *
new_events(size_t max_events, size_t max_bytes)
{
	struct ctl_events_limits l = { max_events, max_bytes };
	struct ctl_events *e = ctl_events_new(&l);

	assert_non_null(e);
	return e;
}

/* An event of type "test" with one member n; returns its seq. */
static uint64_t
emit(struct ctl_events *e, uint64_t n)
{
	struct json_writer *w = ctl_event_begin(e, "test");

	jw_u64(w, "n", n);
	return ctl_event_end(e);
}

static size_t
replay(const struct ctl_events *e, uint64_t after, size_t max,
    struct seen *s)
{
	seen_clear(s);
	return ctl_events_after(e, after, max, record, s);
}

static struct ctl_events_stats
stats(const struct ctl_events *e)
{
	struct ctl_events_stats st;

	ctl_events_stats(e, &st);
	return st;
}

static void
test_seq_from_one(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(ctl_events_last_seq(e), 0);
	assert_int_equal(ctl_events_first_seq(e), 0);
	assert_int_equal(replay(e, 0, 0, &s), 0);
	assert_int_equal(emit(e, 10), 1);
	assert_int_equal(emit(e, 20), 2);
	assert_int_equal(emit(e, 30), 3);
	assert_int_equal(ctl_events_first_seq(e), 1);
	assert_int_equal(ctl_events_last_seq(e), 3);
	assert_int_equal(stats(e).emitted, 3);
	assert_int_equal(stats(e).kept, 3);
	assert_int_equal(stats(e).dropped, 0);
	assert_int_equal(replay(e, 0, 0, &s), 3);
	assert_int_equal(s.seq[0], 1);
	assert_int_equal(s.seq[2], 3);
	assert_int_equal(stats(e).bytes, strlen(s.json[0]) +
	    strlen(s.json[1]) + strlen(s.json[2]));
	seen_clear(&s);
	ctl_events_free(e);
	ctl_events_free(NULL);
}

static json_t *
parse(const char *text)
{
	json_error_t jerr;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

	if (o == NULL)
		fail_msg("%s: %s at %d", text, jerr.text, jerr.column);
	assert_true(json_is_object(o));
	return o;
}

static void
test_object_format(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen s = { 0 };
	struct json_writer *w;
	const char *when;
	struct tm tm;
	regex_t re;
	json_t *o;
	time_t t0, t;

	(void)state;
	t0 = time(NULL);
	w = ctl_event_begin(e, "capture_started");
	jw_str(w, "pair", "10.0.0.1 \"x\"");
	jw_u64(w, "id", 42);
	jw_object(w, "limits");
	jw_bool(w, "auto", 1);
	jw_object_end(w);
	assert_int_equal(ctl_event_end(e), 1);
	assert_int_equal(replay(e, 0, 0, &s), 1);
	assert_null(strchr(s.json[0], '\n'));
	assert_true(strncmp(s.json[0], "{\"seq\":1,\"time\":\"", 17) == 0);
	o = parse(s.json[0]);
	assert_int_equal(json_integer_value(json_object_get(o, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "type")),
	    "capture_started");
	assert_string_equal(json_string_value(json_object_get(o, "pair")),
	    "10.0.0.1 \"x\"");
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 42);
	assert_true(json_is_true(json_object_get(json_object_get(o, "limits"),
	    "auto")));
	assert_int_equal(json_object_size(o), 6);
	when = json_string_value(json_object_get(o, "time"));
	assert_non_null(when);
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	    "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$", REG_EXTENDED | REG_NOSUB),
	    0);
	assert_int_equal(regexec(&re, when, 0, NULL, 0), 0);
	regfree(&re);
	/* UTC, and now. */
	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(when, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	t = timegm(&tm);
	assert_true(t >= t0 - 1 && t <= time(NULL) + 1);
	json_decref(o);
	seen_clear(&s);
	ctl_events_free(e);
}

static void
test_ring_overflow_by_count(void **state)
{
	struct ctl_events *e = new_events(3, 0);
	struct seen s = { 0 };
	json_t *o;
	uint64_t i;

	(void)state;
	for (i = 1; i <= 5; i++)
		assert_int_equal(emit(e, i * 100), i);
	assert_int_equal(ctl_events_first_seq(e), 3);
	assert_int_equal(ctl_events_last_seq(e), 5);
	assert_int_equal(stats(e).kept, 3);
	assert_int_equal(stats(e).dropped, 2);
	assert_int_equal(stats(e).emitted, 5);
	/* From an old seq: only what is kept. */
	assert_int_equal(replay(e, 0, 0, &s), 3);
	assert_int_equal(s.seq[0], 3);
	assert_int_equal(s.seq[1], 4);
	assert_int_equal(s.seq[2], 5);
	o = parse(s.json[0]);
	assert_int_equal(json_integer_value(json_object_get(o, "n")), 300);
	json_decref(o);
	assert_int_equal(replay(e, 2, 0, &s), 3);
	assert_int_equal(replay(e, 3, 0, &s), 2);
	assert_int_equal(s.seq[0], 4);
	assert_int_equal(replay(e, 5, 0, &s), 0);
	assert_int_equal(replay(e, 99, 0, &s), 0);
	/* Round the ring a few times. */
	for (i = 6; i <= 20; i++)
		emit(e, i);
	assert_int_equal(replay(e, 0, 0, &s), 3);
	assert_int_equal(s.seq[0], 18);
	assert_int_equal(s.seq[2], 20);
	assert_int_equal(stats(e).dropped, 17);
	seen_clear(&s);
	ctl_events_free(e);
}

static void
test_ring_overflow_by_bytes(void **state)
{
	struct ctl_events *e;
	struct seen s = { 0 };
	struct json_writer *w;
	char big[512];
	size_t one;

	(void)state;
	/* Measure one event, then allow two and a half. */
	e = new_events(100, 0);
	emit(e, 1000);
	one = stats(e).bytes;
	ctl_events_free(e);
	e = new_events(100, one * 5 / 2);
	emit(e, 1000);
	emit(e, 1001);
	assert_int_equal(stats(e).kept, 2);
	assert_int_equal(stats(e).dropped, 0);
	emit(e, 1002);
	assert_int_equal(stats(e).kept, 2);
	assert_int_equal(stats(e).dropped, 1);
	assert_int_equal(stats(e).bytes, 2 * one);
	assert_int_equal(ctl_events_first_seq(e), 2);
	assert_int_equal(replay(e, 1, 0, &s), 2);
	assert_int_equal(s.seq[0], 2);
	assert_int_equal(s.seq[1], 3);
	/* An event bigger than the whole budget empties the ring. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	w = ctl_event_begin(e, "big");
	jw_str(w, "blob", big);
	assert_int_equal(ctl_event_end(e), 4);
	assert_int_equal(stats(e).kept, 0);
	assert_int_equal(stats(e).bytes, 0);
	assert_int_equal(stats(e).dropped, 4);
	assert_int_equal(ctl_events_first_seq(e), 0);
	assert_int_equal(ctl_events_last_seq(e), 4);
	assert_int_equal(replay(e, 0, 0, &s), 0);
	/* And the ring works on. */
	assert_int_equal(emit(e, 1), 5);
	assert_int_equal(ctl_events_first_seq(e), 5);
	assert_int_equal(replay(e, 0, 0, &s), 1);
	assert_int_equal(s.seq[0], 5);
	seen_clear(&s);
	ctl_events_free(e);
}

static void
test_after_with_max(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen s = { 0 };
	uint64_t i;

	(void)state;
	for (i = 1; i <= 10; i++)
		emit(e, i);
	assert_int_equal(replay(e, 2, 3, &s), 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seq[0], 3);
	assert_int_equal(s.seq[2], 5);
	assert_int_equal(replay(e, 8, 5, &s), 2);
	assert_int_equal(s.seq[0], 9);
	assert_int_equal(replay(e, 0, 1, &s), 1);
	assert_int_equal(s.seq[0], 1);
	assert_int_equal(replay(e, 0, 0, &s), 10);
	seen_clear(&s);
	ctl_events_free(e);
}

static void
test_defaults(void **state)
{
	struct ctl_events_limits zero = { 0, 0 };
	struct ctl_events *e = ctl_events_new(&zero);
	uint64_t i;

	(void)state;
	assert_non_null(e);
	for (i = 0; i < 10001; i++)
		emit(e, i);
	assert_int_equal(stats(e).kept, 10000);
	assert_int_equal(stats(e).dropped, 1);
	assert_int_equal(ctl_events_first_seq(e), 2);
	ctl_events_free(e);
	e = ctl_events_new(NULL);
	assert_non_null(e);
	assert_int_equal(emit(e, 1), 1);
	ctl_events_free(e);
}

static void
test_subscribers_each_once(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen a = { 0 }, b = { 0 }, c = { 0 }, r = { 0 };
	struct ctl_event_sub *sa, *sb, *sc;
	int i;

	(void)state;
	emit(e, 0);			/* before anyone listens */
	sa = ctl_events_subscribe(e, record, &a);
	sb = ctl_events_subscribe(e, record, &b);
	assert_non_null(sa);
	assert_non_null(sb);
	assert_int_equal(stats(e).subscribers, 2);
	emit(e, 1);
	emit(e, 2);
	sc = ctl_events_subscribe(e, record, &c);
	assert_int_equal(stats(e).subscribers, 3);
	emit(e, 3);
	assert_int_equal(a.n, 3);
	assert_int_equal(b.n, 3);
	assert_int_equal(c.n, 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(a.seq[i], (uint64_t)i + 2);
		assert_string_equal(a.json[i], b.json[i]);
	}
	assert_int_equal(c.seq[0], 4);
	/* What subscribers get is what the ring keeps. */
	replay(e, 1, 0, &r);
	for (i = 0; i < 3; i++)
		assert_string_equal(a.json[i], r.json[i]);
	ctl_events_unsubscribe(e, sb);
	assert_int_equal(stats(e).subscribers, 2);
	emit(e, 4);
	assert_int_equal(a.n, 4);
	assert_int_equal(b.n, 3);
	assert_int_equal(c.n, 2);
	ctl_events_unsubscribe(e, sa);
	ctl_events_unsubscribe(e, sc);
	ctl_events_unsubscribe(e, NULL);
	assert_int_equal(stats(e).subscribers, 0);
	emit(e, 5);
	assert_int_equal(a.n, 4);
	assert_int_equal(c.n, 2);
	seen_clear(&a);
	seen_clear(&b);
	seen_clear(&c);
	seen_clear(&r);
	ctl_events_free(e);
}

/* A subscriber that leaves, or removes another, when told of an event. */
struct leaver {
	struct ctl_events	*e;
	struct ctl_event_sub	*self;
	struct ctl_event_sub	*other;	/* removed instead of self if set */
	uint64_t		 at;	/* on this seq */
	struct seen		 seen;
};

static void
leave(void *ctx, uint64_t seq, const char *json, size_t len)
{
	struct leaver *l = ctx;

	record(&l->seen, seq, json, len);
	if (seq != l->at)
		return;
	if (l->other != NULL) {
		ctl_events_unsubscribe(l->e, l->other);
		l->other = NULL;
	} else
		ctl_events_unsubscribe(l->e, l->self);
}

static void
test_unsubscribe_self_in_callback(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct leaver l = { .e = e, .at = 2 };
	struct seen after = { 0 };
	struct ctl_event_sub *s2;

	(void)state;
	l.self = ctl_events_subscribe(e, leave, &l);
	s2 = ctl_events_subscribe(e, record, &after);
	assert_non_null(s2);
	emit(e, 1);
	emit(e, 2);
	assert_int_equal(stats(e).subscribers, 1);
	emit(e, 3);
	assert_int_equal(l.seen.n, 2);
	assert_int_equal(l.seen.seq[1], 2);
	/* The one after it in the list is not skipped. */
	assert_int_equal(after.n, 3);
	ctl_events_unsubscribe(e, s2);
	assert_int_equal(stats(e).subscribers, 0);
	seen_clear(&l.seen);
	seen_clear(&after);
	ctl_events_free(e);
}

static void
test_unsubscribe_other_in_callback(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct leaver l = { .e = e, .at = 1 };
	struct seen before = { 0 }, victim = { 0 };
	struct ctl_event_sub *s0;

	(void)state;
	s0 = ctl_events_subscribe(e, record, &before);
	l.self = ctl_events_subscribe(e, leave, &l);
	l.other = ctl_events_subscribe(e, record, &victim);
	assert_int_equal(stats(e).subscribers, 3);
	emit(e, 1);
	/* Removed before its turn: it does not hear seq 1. */
	assert_int_equal(victim.n, 0);
	assert_int_equal(before.n, 1);
	assert_int_equal(l.seen.n, 1);
	assert_int_equal(stats(e).subscribers, 2);
	emit(e, 2);
	assert_int_equal(victim.n, 0);
	assert_int_equal(before.n, 2);
	/* Now remove one that came earlier in the list. */
	l.other = s0;
	l.at = 3;
	emit(e, 3);
	assert_int_equal(before.n, 3);	/* it had its turn already */
	emit(e, 4);
	assert_int_equal(before.n, 3);
	assert_int_equal(l.seen.n, 4);
	assert_int_equal(stats(e).subscribers, 1);
	seen_clear(&l.seen);
	seen_clear(&before);
	seen_clear(&victim);
	ctl_events_free(e);
}

/* A subscriber that emits an event of its own on the first it hears. */
struct echo {
	struct ctl_events	*e;
	int			 done;
	struct seen		 seen;
};

static void
echo(void *ctx, uint64_t seq, const char *json, size_t len)
{
	struct echo *x = ctx;

	record(&x->seen, seq, json, len);
	if (!x->done) {
		x->done = 1;
		assert_int_equal(emit(x->e, 99), seq + 1);
	}
}

static void
test_emit_from_callback(void **state)
{
	/* A ring of one: the event being delivered leaves it meanwhile. */
	struct ctl_events *e = new_events(1, 0);
	struct echo x = { .e = e };
	struct seen other = { 0 }, r = { 0 };

	(void)state;
	assert_non_null(ctl_events_subscribe(e, echo, &x));
	assert_non_null(ctl_events_subscribe(e, record, &other));
	assert_int_equal(emit(e, 1), 1);
	/* Both hear 1 then 2, in order, once. */
	assert_int_equal(x.seen.n, 2);
	assert_int_equal(other.n, 2);
	assert_int_equal(other.seq[0], 1);
	assert_int_equal(other.seq[1], 2);
	assert_string_equal(x.seen.json[0], other.json[0]);
	assert_non_null(strstr(other.json[0], "\"n\":1}"));
	assert_non_null(strstr(other.json[1], "\"n\":99}"));
	assert_int_equal(ctl_events_last_seq(e), 2);
	assert_int_equal(replay(e, 0, 0, &r), 1);
	assert_int_equal(r.seq[0], 2);
	seen_clear(&x.seen);
	seen_clear(&other);
	seen_clear(&r);
	ctl_events_free(e);
}

struct tmpdir {
	char	dir[64];
	char	path[128];
};

static void
tmpdir_make(struct tmpdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/fs_events_XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/events.json", t->dir);
}

static void
tmpdir_remove(struct tmpdir *t)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

/* The lines of a file, without their "\n". */
static int
read_lines(const char *path, struct seen *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	seen_clear(s);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) != -1) {
		assert_true(n > 0 && line[n - 1] == '\n');
		line[n - 1] = '\0';
		record(s, 0, line, (size_t)n - 1);
	}
	free(line);
	fclose(f);
	return s->n;
}

static void
test_file_lines_match_ring(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen file = { 0 }, ring = { 0 };
	struct tmpdir t;
	struct stat st;
	char err[256];
	json_t *o;
	int i;

	(void)state;
	tmpdir_make(&t);
	emit(e, 0);			/* before the file: not in it */
	assert_int_equal(ctl_events_open_file(e, t.path, err, sizeof(err)),
	    0);
	assert_int_equal(stat(t.path, &st), 0);
	assert_int_equal(st.st_mode & 0137, 0);	/* at most 0640 */
	for (i = 1; i <= 3; i++)
		emit(e, (uint64_t)i);
	/* Line-buffered: the lines are there before close. */
	assert_int_equal(read_lines(t.path, &file), 3);
	replay(e, 1, 0, &ring);
	for (i = 0; i < 3; i++) {
		assert_string_equal(file.json[i], ring.json[i]);
		o = parse(file.json[i]);
		assert_int_equal(json_integer_value(json_object_get(o, "seq")),
		    i + 2);
		json_decref(o);
	}
	/* Closed: no more lines; and a reopen without a file is a no-op. */
	assert_int_equal(ctl_events_open_file(e, NULL, err, sizeof(err)), 0);
	emit(e, 4);
	assert_int_equal(ctl_events_reopen(e, err, sizeof(err)), 0);
	emit(e, 5);
	assert_int_equal(read_lines(t.path, &file), 3);
	/* Appends to what is there. */
	assert_int_equal(ctl_events_open_file(e, t.path, err, sizeof(err)),
	    0);
	emit(e, 6);
	assert_int_equal(read_lines(t.path, &file), 4);
	o = parse(file.json[3]);
	assert_int_equal(json_integer_value(json_object_get(o, "seq")), 7);
	json_decref(o);
	assert_int_equal(stats(e).file_errors, 0);
	seen_clear(&file);
	seen_clear(&ring);
	ctl_events_free(e);
	tmpdir_remove(&t);
}

static void
test_reopen_after_rename(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen file = { 0 };
	struct tmpdir t;
	char err[256], old[160];

	(void)state;
	tmpdir_make(&t);
	snprintf(old, sizeof(old), "%s.1", t.path);
	assert_int_equal(ctl_events_open_file(e, t.path, err, sizeof(err)),
	    0);
	emit(e, 1);
	assert_int_equal(rename(t.path, old), 0);
	emit(e, 2);			/* still into the moved file */
	assert_int_equal(ctl_events_reopen(e, err, sizeof(err)), 0);
	emit(e, 3);
	emit(e, 4);
	assert_int_equal(read_lines(old, &file), 2);
	assert_non_null(strstr(file.json[0], "\"seq\":1,"));
	assert_non_null(strstr(file.json[1], "\"seq\":2,"));
	assert_int_equal(read_lines(t.path, &file), 2);
	assert_non_null(strstr(file.json[0], "\"seq\":3,"));
	assert_non_null(strstr(file.json[1], "\"seq\":4,"));
	seen_clear(&file);
	ctl_events_free(e);
	tmpdir_remove(&t);
}

static void
test_open_bad_path_keeps_file(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen file = { 0 };
	struct tmpdir t;
	char err[256], bad[160];

	(void)state;
	tmpdir_make(&t);
	snprintf(bad, sizeof(bad), "%s/missing/events.json", t.dir);
	/* Nothing open yet: fails and stays without a file. */
	err[0] = '\0';
	assert_int_equal(ctl_events_open_file(e, bad, err, sizeof(err)), -1);
	assert_non_null(strstr(err, bad));
	assert_non_null(strstr(err, strerror(ENOENT)));
	emit(e, 1);
	assert_int_equal(ctl_events_open_file(e, t.path, err, sizeof(err)),
	    0);
	emit(e, 2);
	err[0] = '\0';
	assert_int_equal(ctl_events_open_file(e, bad, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	/* A directory is no events file either. */
	assert_int_equal(ctl_events_open_file(e, t.dir, err, sizeof(err)), -1);
	emit(e, 3);
	assert_int_equal(read_lines(t.path, &file), 2);
	assert_non_null(strstr(file.json[1], "\"seq\":3,"));
	/* And reopen still means the good one. */
	assert_int_equal(ctl_events_reopen(e, err, sizeof(err)), 0);
	emit(e, 4);
	assert_int_equal(read_lines(t.path, &file), 3);
	assert_int_equal(stats(e).file_errors, 0);
	seen_clear(&file);
	ctl_events_free(e);
	tmpdir_remove(&t);
}

/* logrotate moved the file and its directory is gone: keep the old one. */
static void
test_reopen_failure_keeps_file(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct seen file = { 0 };
	struct tmpdir t;
	char err[256], moved[96], moved_path[160];

	(void)state;
	tmpdir_make(&t);
	snprintf(moved, sizeof(moved), "%s.moved", t.dir);
	snprintf(moved_path, sizeof(moved_path), "%s/events.json", moved);
	assert_int_equal(ctl_events_open_file(e, t.path, err, sizeof(err)),
	    0);
	emit(e, 1);
	assert_int_equal(rename(t.dir, moved), 0);
	err[0] = '\0';
	assert_int_equal(ctl_events_reopen(e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, t.path));
	emit(e, 2);
	assert_int_equal(read_lines(moved_path, &file), 2);
	assert_int_equal(stats(e).file_errors, 0);
	seen_clear(&file);
	ctl_events_free(e);
	assert_int_equal(rename(moved, t.dir), 0);
	tmpdir_remove(&t);
}

/* Count the lines a function writes to stderr. */
static int
stderr_lines(void (*fn)(struct ctl_events *), struct ctl_events *e)
{
	char buf[4096];
	size_t n;
	FILE *cap;
	int saved, count = 0;
	char *p;

	cap = tmpfile();
	assert_non_null(cap);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(cap), STDERR_FILENO), STDERR_FILENO);
	fn(e);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	rewind(cap);
	n = fread(buf, 1, sizeof(buf) - 1, cap);
	buf[n] = '\0';
	fclose(cap);
	for (p = buf; (p = strstr(p, "events file")) != NULL; p++)
		count++;
	return count;
}

static void
emit_three(struct ctl_events *e)
{
	emit(e, 1);
	emit(e, 2);
	emit(e, 3);
}

static void
test_file_write_errors(void **state)
{
	struct ctl_events *e = new_events(0, 0);
	struct tmpdir t;
	char err[256];

	(void)state;
	if (access("/dev/full", W_OK) != 0) {
		ctl_events_free(e);
		skip();
	}
	tmpdir_make(&t);
	assert_int_equal(ctl_events_open_file(e, "/dev/full", err,
	    sizeof(err)), 0);
	/* Three failures, one warning. */
	assert_int_equal(stderr_lines(emit_three, e), 1);
	assert_int_equal(stats(e).file_errors, 3);
	/* The events themselves are kept. */
	assert_int_equal(stats(e).kept, 3);
	assert_int_equal(ctl_events_last_seq(e), 3);
	/* A good file ends the streak; a new one warns again. */
	assert_int_equal(ctl_events_open_file(e, t.path, err, sizeof(err)),
	    0);
	emit(e, 4);
	assert_int_equal(stats(e).file_errors, 3);
	assert_int_equal(ctl_events_open_file(e, "/dev/full", err,
	    sizeof(err)), 0);
	assert_int_equal(stderr_lines(emit_three, e), 1);
	assert_int_equal(stats(e).file_errors, 6);
	ctl_events_free(e);
	tmpdir_remove(&t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_seq_from_one),
	cmocka_unit_test(test_object_format),
	cmocka_unit_test(test_ring_overflow_by_count),
	cmocka_unit_test(test_ring_overflow_by_bytes),
	cmocka_unit_test(test_after_with_max),
	cmocka_unit_test(test_defaults),
	cmocka_unit_test(test_subscribers_each_once),
	cmocka_unit_test(test_unsubscribe_self_in_callback),
	cmocka_unit_test(test_unsubscribe_other_in_callback),
	cmocka_unit_test(test_emit_from_callback),
	cmocka_unit_test(test_file_lines_match_ring),
	cmocka_unit_test(test_reopen_after_rename),
	cmocka_unit_test(test_open_bad_path_keeps_file),
	cmocka_unit_test(test_reopen_failure_keeps_file),
	cmocka_unit_test(test_file_write_errors),
};

FS_TEST_MAIN(tests)
