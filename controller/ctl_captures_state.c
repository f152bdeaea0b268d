/*
 * ctl_captures_state.c - the captures' state file: what was live when the
 * controller last wrote it, so a restarted controller can finish those
 * captures (delete their rules) and never reuse an id.
 *
 * One JSON object, written by the json_writer:
 *
 *   {"version":1,"next_seq":N,"captures":[{"id":"c7","state":"active",
 *    "local":ADDR,"remote":ADDR,"agent":ADDR,"group":S,"list":S,
 *    "label":S,"prefix":"ADDR/LEN","manual":B,"switch":N,
 *    "duration_ms":N,"created_ms":N,"started_ms":N,"expires_ms":N,
 *    "deadline_ms":N,"samples":N}, ...]}
 *
 * Addresses that are not set, and the switch when there is none, are left
 * out.  Times are written as unsigned numbers (a negative one as 0);
 * numbers above INT64_MAX, which jansson cannot read, as INT64_MAX.  The
 * json_writer escapes every byte of a string above 0x7E as \u00XX, so a
 * string's characters read back as U+0001..U+00FF, one per byte: loading
 * maps them back to the same bytes (a label from a list may be any bytes).
 *
 * Saving is atomic (common/atomic_file.h); the daemon serialises on its
 * loop and leaves the writing to its state writer thread.
 * Loading checks everything and takes nothing from a bad file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic_file.h"
#include "ctl_captures.h"
#include "json_writer.h"
#include "log.h"

#define STATE_VERSION	1

/* ---- saving ---------------------------------------------------------- */

static uint64_t
nonneg(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

/* jansson reads integers as int64_t: a larger count is not reachable
 * anyway, and must not make the file unreadable. */
static uint64_t
capped(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : v;
}

static void
write_addr(struct json_writer *w, const char *key, const struct netaddr *a)
{
	char buf[NETADDR_STRLEN];

	if (a->family != NETADDR_NONE)
		jw_str(w, key, netaddr_format(a, buf, sizeof(buf)));
}

static void
write_capture(void *ctx, const struct ctl_capture *c)
{
	struct json_writer *w = ctx;
	char addr[NETADDR_STRLEN], prefix[NETADDR_STRLEN + 8];

	/* foreach visits the finished ones after the live ones. */
	if (c->state == CTL_CAP_DONE || c->state == CTL_CAP_FAILED)
		return;
	jw_object(w, NULL);
	jw_str(w, "id", c->id);
	jw_str(w, "state", ctl_capture_state_name(c->state));
	write_addr(w, "local", &c->match.local);
	write_addr(w, "remote", &c->match.remote);
	write_addr(w, "agent", &c->match.agent);
	jw_str(w, "group", c->match.group);
	jw_str(w, "list", c->match.list);
	jw_str(w, "label", c->match.label);
	if (c->match.prefix.family != NETADDR_NONE) {
		snprintf(prefix, sizeof(prefix), "%s/%u",
		    netaddr_format(&c->match.prefix, addr, sizeof(addr)),
		    (unsigned)c->match.plen);
		jw_str(w, "prefix", prefix);
	}
	jw_bool(w, "manual", c->manual);
	if (c->sw >= 0)
		jw_u64(w, "switch", (uint64_t)c->sw);
	jw_u64(w, "duration_ms", nonneg(c->duration_ms));
	jw_u64(w, "created_ms", nonneg(c->created_ms));
	jw_u64(w, "started_ms", nonneg(c->started_ms));
	jw_u64(w, "expires_ms", nonneg(c->expires_ms));
	jw_u64(w, "deadline_ms", nonneg(c->deadline_ms));
	jw_u64(w, "samples", capped(c->samples));
	jw_object_end(w);
}

int
ctl_captures_serialize(const struct ctl_captures *t, char **buf, size_t *len)
{
	struct ctl_captures_stats st;
	struct json_writer w;
	FILE *f;
	int bad;

	*buf = NULL;
	*len = 0;
	if ((f = open_memstream(buf, len)) == NULL)
		return -1;
	ctl_captures_stats(t, &st);
	jw_begin(&w, f);
	jw_u64(&w, "version", STATE_VERSION);
	jw_u64(&w, "next_seq", capped(st.next_seq));
	jw_array(&w, "captures");
	ctl_captures_foreach(t, write_capture, &w);
	jw_array_end(&w);
	jw_end(&w);
	/* The writer does not check each write: the stream remembers. */
	bad = ferror(f);
	if (fclose(f) == EOF || bad) {
		free(*buf);
		*buf = NULL;
		*len = 0;
		return -1;
	}
	return 0;
}

int
ctl_captures_save(const struct ctl_captures *t, const char *path, char *err,
    size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	if (ctl_captures_serialize(t, &buf, &len) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = atomic_file_write(path, buf, len, 0600, err, errlen);
	free(buf);
	return rc;
}

/* ---- loading --------------------------------------------------------- */

struct loader {
	const char	*path;
	char		*err;
	size_t		 errlen;
};

static int __attribute__((format(printf, 2, 3)))
bad(struct loader *ld, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errlen, "%s: %s", ld->path, what);
	return -1;
}

/*
 * Read a regular file of at most CTL_CAPTURES_STATE_MAX bytes, NUL after
 * the data.  0 with *out (malloc'd) and *len, 1 when it does not exist,
 * -1 with an error.
 */
static int
read_file(struct loader *ld, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, cap;
	ssize_t r;
	int fd;

	/* O_NONBLOCK: a FIFO put there must not hang the start-up. */
	fd = open(ld->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1) {
		if (errno == ENOENT)
			return 1;
		return bad(ld, "open: %s", strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bad(ld, "not a regular file");
	}
	if ((uint64_t)st.st_size > CTL_CAPTURES_STATE_MAX) {
		close(fd);
		return bad(ld, "%lld bytes, more than %u",
		    (long long)st.st_size, CTL_CAPTURES_STATE_MAX);
	}
	/* One byte more than the limit, to notice a file that grew. */
	cap = (size_t)st.st_size + 2;
	if ((buf = malloc(cap)) == NULL) {
		close(fd);
		return bad(ld, "out of memory");
	}
	for (;;) {
		if (got == cap - 1) {
			char *p;

			if (cap - 1 > CTL_CAPTURES_STATE_MAX) {
				bad(ld, "more than %u bytes",
				    CTL_CAPTURES_STATE_MAX);
				goto fail;
			}
			cap = cap * 2 > CTL_CAPTURES_STATE_MAX + 2 ?
			    CTL_CAPTURES_STATE_MAX + 2 : cap * 2;
			if ((p = realloc(buf, cap)) == NULL) {
				bad(ld, "out of memory");
				goto fail;
			}
			buf = p;
		}
		r = read(fd, buf + got, cap - 1 - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			bad(ld, "read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

/* An optional non-negative integer member at most max: NULL, or why not. */
static const char *
get_u64(json_t *o, const char *key, int required, uint64_t max,
    uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return required ? "missing" : NULL;
	if (!json_is_integer(v))
		return "not an integer";
	if (json_integer_value(v) < 0)
		return "negative";
	if ((uint64_t)json_integer_value(v) > max)
		return "too large";
	*out = (uint64_t)json_integer_value(v);
	return NULL;
}

static const char *
get_time(json_t *o, const char *key, int64_t *out)
{
	uint64_t v = 0;
	const char *why;

	if ((why = get_u64(o, key, 1, INT64_MAX, &v)) == NULL)
		*out = (int64_t)v;
	return why;
}

/*
 * A string member as the bytes the json_writer wrote (see the top of the
 * file), NUL-terminated in dst of size bytes.
 */
static const char *
get_bytes(json_t *o, const char *key, char *dst, size_t size)
{
	json_t *v = json_object_get(o, key);
	const unsigned char *s;
	size_t i, n = 0, len;

	if (v == NULL)
		return "missing";
	if (!json_is_string(v))
		return "not a string";
	s = (const unsigned char *)json_string_value(v);
	len = json_string_length(v);
	for (i = 0; i < len; i++) {
		unsigned char b = s[i];

		if (b >= 0x80) {
			/* U+0080..U+00FF: 0xC2 or 0xC3 and one more byte. */
			if ((b != 0xC2 && b != 0xC3) || i + 1 >= len)
				return "a character above U+00FF";
			b = (unsigned char)(((b & 0x03) << 6) |
			    (s[++i] & 0x3F));
		}
		if (b == '\0')
			return "contains NUL";
		if (n + 1 >= size)
			return "too long";
		dst[n++] = (char)b;
	}
	dst[n] = '\0';
	return NULL;
}

/* An optional address member; absent is NETADDR_NONE. */
static const char *
get_addr(json_t *o, const char *key, struct netaddr *a)
{
	json_t *v = json_object_get(o, key);

	memset(a, 0, sizeof(*a));
	if (v == NULL)
		return NULL;
	if (!json_is_string(v) || netaddr_parse(json_string_value(v), a) == -1)
		return "not an address";
	return NULL;
}

static const char *
get_prefix(json_t *o, const char *key, struct netaddr *a, uint8_t *plen)
{
	json_t *v = json_object_get(o, key);
	char buf[NETADDR_STRLEN];
	const char *s, *slash, *p;
	unsigned len = 0;

	memset(a, 0, sizeof(*a));
	*plen = 0;
	if (v == NULL)
		return NULL;
	if (!json_is_string(v))
		return "not a string";
	s = json_string_value(v);
	if ((slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(buf))
		return "not ADDRESS/LENGTH";
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (netaddr_parse(buf, a) == -1)
		return "not an address";
	for (p = slash + 1; *p >= '0' && *p <= '9' && p - slash <= 3; p++)
		len = len * 10 + (unsigned)(*p - '0');
	if (p == slash + 1 || *p != '\0' ||
	    len > (a->family == NETADDR_IPV4 ? 32u : 128u))
		return "bad prefix length";
	*plen = (uint8_t)len;
	return NULL;
}

static const char *
get_state(json_t *o, enum ctl_capture_state *out)
{
	json_t *v = json_object_get(o, "state");
	int s;

	if (v == NULL)
		return "missing";
	if (!json_is_string(v))
		return "not a string";
	for (s = 0; s < CTL_CAP_STATES; s++) {
		if (strcmp(json_string_value(v), ctl_capture_state_name(s)))
			continue;
		if (s == CTL_CAP_DONE || s == CTL_CAP_FAILED)
			return "not a live state";
		*out = s;
		return NULL;
	}
	return "unknown state";
}

/* One element of captures into c; its id's number into *seq. */
static int
load_capture(struct loader *ld, size_t i, json_t *o, struct ctl_capture *c,
    uint64_t *seq)
{
	struct ctl_match *m = &c->match;
	const char *why;
	uint64_t u = 0;
	json_t *v;

#define CHECK(member, expr) do {					\
	if ((why = (expr)) != NULL)					\
		return bad(ld, "captures[%zu].%s: %s", i, member, why);	\
} while (0)

	if (!json_is_object(o))
		return bad(ld, "captures[%zu]: not an object", i);
	memset(c, 0, sizeof(*c));
	v = json_object_get(o, "id");
	CHECK("id", v == NULL ? "missing" : !json_is_string(v) ?
	    "not a string" : ctl_capture_id_number(json_string_value(v),
	    seq) == -1 ? "not c and a number below 2^63-1" : NULL);
	snprintf(c->id, sizeof(c->id), "%s", json_string_value(v));
	CHECK("state", get_state(o, &c->state));
	CHECK("local", get_addr(o, "local", &m->local));
	CHECK("remote", get_addr(o, "remote", &m->remote));
	CHECK("agent", get_addr(o, "agent", &m->agent));
	CHECK("group", get_bytes(o, "group", m->group, sizeof(m->group)));
	CHECK("list", get_bytes(o, "list", m->list, sizeof(m->list)));
	CHECK("label", get_bytes(o, "label", m->label, sizeof(m->label)));
	CHECK("prefix", get_prefix(o, "prefix", &m->prefix, &m->plen));
	v = json_object_get(o, "manual");
	CHECK("manual", v == NULL ? "missing" : !json_is_boolean(v) ?
	    "not true or false" : NULL);
	c->manual = json_is_true(v) ? 1 : 0;
	u = UINT64_MAX;
	CHECK("switch", get_u64(o, "switch", 0, INT32_MAX, &u));
	c->sw = u == UINT64_MAX ? -1 : (int32_t)u;
	CHECK("duration_ms", get_time(o, "duration_ms", &c->duration_ms));
	CHECK("created_ms", get_time(o, "created_ms", &c->created_ms));
	CHECK("started_ms", get_time(o, "started_ms", &c->started_ms));
	CHECK("expires_ms", get_time(o, "expires_ms", &c->expires_ms));
	CHECK("deadline_ms", get_time(o, "deadline_ms", &c->deadline_ms));
	CHECK("samples", get_u64(o, "samples", 1, UINT64_MAX, &c->samples));
#undef CHECK
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every element, then the ids unique and next_seq above them all. */
static int
load_root(struct loader *ld, json_t *root, uint64_t *next_seq,
    struct ctl_capture **caps, size_t *ncaps)
{
	struct ctl_capture *c = NULL;
	uint64_t *seqs = NULL, u = 0, next = 0;
	const char *why;
	json_t *arr;
	size_t i, n;

	if (!json_is_object(root))
		return bad(ld, "not a JSON object");
	if ((why = get_u64(root, "version", 1, UINT64_MAX, &u)) != NULL)
		return bad(ld, "version: %s", why);
	if (u != STATE_VERSION)
		return bad(ld, "version %llu, not %d", (unsigned long long)u,
		    STATE_VERSION);
	if ((why = get_u64(root, "next_seq", 1, INT64_MAX, &next)) != NULL)
		return bad(ld, "next_seq: %s", why);
	arr = json_object_get(root, "captures");
	if (!json_is_array(arr))
		return bad(ld, "captures: %s", arr == NULL ? "missing" :
		    "not an array");
	n = json_array_size(arr);
	c = calloc(n ? n : 1, sizeof(*c));
	seqs = calloc(n ? n : 1, sizeof(*seqs));
	if (c == NULL || seqs == NULL) {
		bad(ld, "out of memory for %zu captures", n);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (load_capture(ld, i, json_array_get(arr, i), &c[i],
		    &seqs[i]) == -1)
			goto fail;
	/* By number: "c01" and "c1" would name the same capture. */
	qsort(seqs, n, sizeof(*seqs), cmp_u64);
	for (i = 1; i < n; i++)
		if (seqs[i] == seqs[i - 1]) {
			bad(ld, "captures: id number %llu twice",
			    (unsigned long long)seqs[i]);
			goto fail;
		}
	if (n > 0 && next <= seqs[n - 1]) {
		log_warnx("%s: next_seq %llu is not above c%llu; using %llu",
		    ld->path, (unsigned long long)next,
		    (unsigned long long)seqs[n - 1],
		    (unsigned long long)seqs[n - 1] + 1);
		next = seqs[n - 1] + 1;
	}
	free(seqs);
	*next_seq = next ? next : 1;
	*caps = c;
	*ncaps = n;
	return 0;
fail:
	free(c);
	free(seqs);
	return -1;
}

int
ctl_captures_load(const char *path, uint64_t *next_seq,
    struct ctl_capture **caps, size_t *n, char *err, size_t errlen)
{
	struct loader ld = { path, err, errlen };
	json_error_t jerr;
	json_t *root;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*caps = NULL;
	*n = 0;
	if ((rc = read_file(&ld, &buf, &len)) != 0)
		return rc;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (root == NULL)
		return bad(&ld, "line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
	rc = load_root(&ld, root, next_seq, caps, n);
	json_decref(root);
	return rc;
}
