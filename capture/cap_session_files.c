/*
 * cap_session_files.c - the folder of one inspected session: its name and
 * creation, session.pcap written as frames come, and at the end the
 * optional rewrite in timestamp order, session.L7 (cap_transcript.c),
 * session.json and the rename of NAME.part into place (see
 * cap_session_files.h for the layout).
 *
 * session.pcap is the classic libpcap format (24-byte file header, 16-byte
 * record headers, all in host byte order as libpcap writes them), written
 * through a buffer of our own with pwrite() rather than stdio: when a
 * write fails, glibc's stdio drops what its buffer held, so after an
 * error nobody knows which records reached the file.  Here a record goes
 * into the buffer whole or not at all, the buffer keeps what could not be
 * written, and a record written past the buffer is cut off the file again
 * when it fails; so after ENOSPC (or EFBIG) the file still holds whole
 * records only, and writing resumes when there is room again.
 *
 * Durability: the file header is written at once, so a crash leaves a
 * readable pcap; closing fsyncs every file, the folder, renames NAME.part
 * to NAME and fsyncs the date folder, so a folder without .part is whole.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cap_session_files.h"

#define CSF_SNAPLEN	262144		/* libpcap's MAXIMUM_SNAPLEN */
#define CSF_MAGIC_USEC	0xA1B2C3D4u
#define CSF_MAGIC_NSEC	0xA1B23C4Du
#define CSF_DLT_EN10MB	1
#define CSF_FILE_HDR	24
#define CSF_REC_HDR	16
/*
 * The write buffer of each open session.  The session table keeps up to
 * max_open (256 by default) sessions writing, so this is 16 MiB then;
 * a frame bigger than the buffer is written past it.
 */
#define CSF_BUFSIZE	65536
#define CSF_MAX_TRIES	1000		/* NAME, NAME-2 ... NAME-1000 */
#define CSF_DIR_MODE	0750
#define CSF_FILE_MODE	0640

/* A file written through our own buffer, at explicit offsets. */
struct csf_out {
	int	 fd;
	uint8_t	*buf;
	size_t	 len;		/* bytes in buf not written yet */
	size_t	 cap;
	off_t	 disk;		/* bytes written: the file ends here */
};

struct cap_session_files {
	struct cap_session_meta	 meta;
	struct csf_out		 out;
	int			 nanosecond;
	uint64_t		 frames;
	char			 sessions[PATH_MAX];
	char			 datedir[PATH_MAX];
	char			 part[PATH_MAX];	/* NAME.part */
	char			 path[PATH_MAX];	/* NAME */
};

/* "session files WHAT: strerror(errno)" into the caller's buffer. */
static void
seterr(char *err, size_t errlen, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "session files %s: %s", what,
		    strerror(errno));
}

static void
seterrx(char *err, size_t errlen, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "session files: %s", what);
}

/* snprintf into a path buffer; -1 (ENAMETOOLONG) when it does not fit. */
static int __attribute__((format(printf, 3, 4)))
csf_pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* fsync a folder so that a rename or mkdir in it survives a crash. */
static void
sync_dir(const char *dir)
{
	int	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd != -1) {
		(void)fsync(fd);	/* some file systems refuse: best effort */
		close(fd);
	}
}

/* ---- the buffered writer --------------------------------------------- */

static int
out_open(struct csf_out *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if ((o->buf = malloc(CSF_BUFSIZE)) == NULL)
		return -1;
	o->cap = CSF_BUFSIZE;
	o->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    CSF_FILE_MODE);
	if (o->fd == -1) {
		free(o->buf);
		o->buf = NULL;
		return -1;
	}
	return 0;
}

/* Write n bytes at o->disk; the count written (short on error). */
static size_t
out_pwrite(struct csf_out *o, const uint8_t *p, size_t n)
{
	size_t	done = 0;
	ssize_t	r;

	while (done < n) {
		r = pwrite(o->fd, p + done, n - done, o->disk);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			break;
		}
		done += (size_t)r;
		o->disk += r;
	}
	return done;
}

/* Write the buffer out; what could not be written stays in it. */
static int
out_flush(struct csf_out *o)
{
	size_t	done;
	int	saved;

	if (o->len == 0)
		return 0;
	done = out_pwrite(o, o->buf, o->len);
	if (done == o->len) {
		o->len = 0;
		return 0;
	}
	saved = errno;
	memmove(o->buf, o->buf + done, o->len - done);
	o->len -= done;
	errno = saved;
	return -1;
}

/* Append a then b, both or neither.  -1 with errno. */
static int
out_put(struct csf_out *o, const void *a, size_t alen, const void *b,
    size_t blen)
{
	size_t	need = alen + blen, done;
	off_t	before;
	int	saved;

	if (o->cap - o->len < need && out_flush(o) == -1 &&
	    o->cap - o->len < need)
		return -1;
	if (o->cap - o->len >= need) {
		memcpy(o->buf + o->len, a, alen);
		if (blen > 0)
			memcpy(o->buf + o->len + alen, b, blen);
		o->len += need;
		return 0;
	}
	/* Bigger than the buffer, which is empty now: write it directly. */
	before = o->disk;
	done = out_pwrite(o, a, alen);
	if (done == alen && blen > 0)
		done += out_pwrite(o, b, blen);
	if (done == need)
		return 0;
	/* Cut the partial record off; pwrite() at o->disk overwrites it
	 * anyway, and closing truncates at o->disk again. */
	saved = errno;
	o->disk = before;
	(void)ftruncate(o->fd, before);
	errno = saved;
	return -1;
}

/* Flush, cut the file at what was written, fsync and close.  -1 with
 * errno; the descriptor is closed in any case. */
static int
out_close(struct csf_out *o)
{
	int	rc = 0, saved = 0;

	if (o->fd == -1)
		return 0;
	if (out_flush(o) == -1 || ftruncate(o->fd, o->disk) == -1 ||
	    fsync(o->fd) == -1) {
		saved = errno;
		rc = -1;
	}
	if (close(o->fd) == -1 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	o->fd = -1;
	free(o->buf);
	o->buf = NULL;
	errno = saved;
	return rc;
}

/* Close without flushing the buffer or syncing (abandon, errors). */
static void
out_drop(struct csf_out *o)
{
	if (o->fd != -1)
		close(o->fd);
	o->fd = -1;
	free(o->buf);
	o->buf = NULL;
}

/* The 24-byte pcap file header. */
static void
pcap_file_header(uint8_t h[CSF_FILE_HDR], int nanosecond)
{
	uint32_t	magic = nanosecond ? CSF_MAGIC_NSEC : CSF_MAGIC_USEC;
	uint16_t	major = 2, minor = 4;
	int32_t		thiszone = 0;
	uint32_t	sigfigs = 0, snaplen = CSF_SNAPLEN;
	uint32_t	linktype = CSF_DLT_EN10MB;

	memcpy(h, &magic, 4);
	memcpy(h + 4, &major, 2);
	memcpy(h + 6, &minor, 2);
	memcpy(h + 8, &thiszone, 4);
	memcpy(h + 12, &sigfigs, 4);
	memcpy(h + 16, &snaplen, 4);
	memcpy(h + 20, &linktype, 4);
}

/* ---- the folder ------------------------------------------------------ */

/* An address for a folder name: IPv6 ':' become '_'. */
static void
name_addr(const struct netaddr *a, char *buf, size_t size)
{
	char	*p;

	netaddr_format(a, buf, size);
	for (p = buf; *p != '\0'; p++)
		if (*p == ':')
			*p = '_';
}

static int
mkdir_one(const char *path, int *created)
{
	if (mkdir(path, CSF_DIR_MODE) == 0) {
		if (created != NULL)
			*created = 1;
		return 0;
	}
	return errno == EEXIST ? 0 : -1;
}

/*
 * Make DATE/NAME.part, NAME-2.part ...: a name is free when neither NAME
 * nor NAME.part exists (a finished session or one still running).
 */
static int
make_folder(struct cap_session_files *f, const char *base, char *err,
    size_t errlen)
{
	struct stat	sb;
	int		i;

	for (i = 1; i <= CSF_MAX_TRIES; i++) {
		if ((i == 1 ? csf_pathf(f->path, sizeof(f->path), "%s", base) :
		    csf_pathf(f->path, sizeof(f->path), "%s-%d", base, i)) ==
		    -1 || csf_pathf(f->part, sizeof(f->part), "%s.part",
		    f->path) == -1) {
			seterr(err, errlen, base);
			return -1;
		}
		if (lstat(f->path, &sb) == 0)
			continue;
		if (errno != ENOENT) {
			seterr(err, errlen, f->path);
			return -1;
		}
		if (mkdir(f->part, CSF_DIR_MODE) == 0)
			return 0;
		if (errno != EEXIST) {
			seterr(err, errlen, f->part);
			return -1;
		}
	}
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "session files %s: %d sessions of that "
		    "name already", base, CSF_MAX_TRIES);
	return -1;
}

struct cap_session_files *
csf_open(const char *sessions_dir, const struct cap_session_meta *m,
    int nanosecond, char *err, size_t errlen)
{
	struct cap_session_files	*f;
	struct tm			 tm;
	time_t				 t;
	char				 day[16], hms[16], base[PATH_MAX];
	char				 c[NETADDR_STRLEN], s[NETADDR_STRLEN];
	char				 pcap[PATH_MAX];
	uint8_t				 hdr[CSF_FILE_HDR];
	int				 created = 0;

	if (sessions_dir == NULL || sessions_dir[0] == '\0' || m == NULL) {
		seterrx(err, errlen, "no sessions folder or session");
		return NULL;
	}
	if ((m->client.family != NETADDR_IPV4 &&
	    m->client.family != NETADDR_IPV6) ||
	    m->server.family != m->client.family) {
		seterrx(err, errlen, "session addresses are not IPv4 or IPv6 "
		    "of one family");
		return NULL;
	}
	t = m->first_ts.tv_sec;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0 ||
	    strftime(hms, sizeof(hms), "%H%M%S", &tm) == 0) {
		seterrx(err, errlen, "session time out of range");
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		seterr(err, errlen, "memory");
		return NULL;
	}
	f->out.fd = -1;
	f->meta = *m;
	f->meta.client = netaddr_canonical(&m->client);
	f->meta.server = netaddr_canonical(&m->server);
	f->nanosecond = nanosecond != 0;
	name_addr(&f->meta.client, c, sizeof(c));
	name_addr(&f->meta.server, s, sizeof(s));
	if (csf_pathf(f->sessions, sizeof(f->sessions), "%s",
	    sessions_dir) == -1 ||
	    csf_pathf(f->datedir, sizeof(f->datedir), "%s/%s", sessions_dir,
	    day) == -1 ||
	    csf_pathf(base, sizeof(base), "%s/%s_%s-%u_%s-%u", f->datedir, hms,
	    c, m->client_port, s, m->server_port) == -1) {
		seterr(err, errlen, sessions_dir);
		goto fail;
	}
	if (mkdir_one(f->sessions, NULL) == -1) {
		seterr(err, errlen, f->sessions);
		goto fail;
	}
	if (mkdir_one(f->datedir, &created) == -1) {
		seterr(err, errlen, f->datedir);
		goto fail;
	}
	if (created)
		sync_dir(f->sessions);
	if (make_folder(f, base, err, errlen) == -1)
		goto fail;
	if (csf_pathf(pcap, sizeof(pcap), "%s/session.pcap", f->part) == -1 ||
	    out_open(&f->out, pcap) == -1) {
		seterr(err, errlen, f->part);
		goto fail_part;
	}
	/* The file header reaches the file at once: a crash leaves a pcap. */
	pcap_file_header(hdr, f->nanosecond);
	if (out_put(&f->out, hdr, sizeof(hdr), NULL, 0) == -1 ||
	    out_flush(&f->out) == -1) {
		seterr(err, errlen, pcap);
		out_drop(&f->out);
		unlink(pcap);
		goto fail_part;
	}
	return f;
fail_part:
	(void)rmdir(f->part);
fail:
	free(f);
	return NULL;
}

int
csf_packet(struct cap_session_files *f, const struct timespec *ts,
    const uint8_t *frame, uint32_t caplen, uint32_t wirelen, char *err,
    size_t errlen)
{
	uint32_t	h[4];
	long		frac;

	if (caplen > CSF_SNAPLEN)
		caplen = CSF_SNAPLEN;
	if (wirelen < caplen)
		wirelen = caplen;
	/* The file's seconds are 32 bits unsigned: keep out-of-range times
	 * in range rather than wrapping them. */
	h[0] = ts->tv_sec < 0 ? 0 : ts->tv_sec > (time_t)UINT32_MAX ?
	    UINT32_MAX : (uint32_t)ts->tv_sec;
	frac = ts->tv_nsec < 0 ? 0 : ts->tv_nsec > 999999999 ? 999999999 :
	    ts->tv_nsec;
	h[1] = (uint32_t)(f->nanosecond ? frac : frac / 1000);
	h[2] = caplen;
	h[3] = wirelen;
	if (out_put(&f->out, h, sizeof(h), frame, caplen) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "session files %s/session.pcap: "
			    "frame %llu not written: %s", f->part,
			    (unsigned long long)f->frames + 1,
			    strerror(errno));
		return -1;
	}
	f->frames++;
	return 0;
}

const char *
csf_path(const struct cap_session_files *f)
{
	return f->path;
}

/* ---- closing ----------------------------------------------------------- */

struct csf_rec {
	uint64_t	ts;		/* seconds and fraction, comparable */
	size_t		off;		/* of the record header in the file */
	size_t		len;		/* header and data */
};

/* By time; records of one time stay in file order (stable). */
static int
rec_cmp(const void *a, const void *b)
{
	const struct csf_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The records of the mapped pcap (our own file, checked all the same). */
static int
index_records(const uint8_t *map, size_t size, struct csf_rec **out,
    size_t *n, int *sorted, char *err, size_t errlen)
{
	struct csf_rec	*r = NULL, *nr;
	size_t		 off = CSF_FILE_HDR, cnt = 0, alloc = 0;
	uint32_t	 h[4];

	*sorted = 1;
	while (off < size) {
		if (size - off < CSF_REC_HDR)
			goto cut;
		memcpy(h, map + off, sizeof(h));
		if (h[2] > CSF_SNAPLEN || size - off - CSF_REC_HDR < h[2])
			goto cut;
		if (cnt == alloc) {
			alloc = alloc == 0 ? 1024 : alloc * 2;
			if ((nr = reallocarray(r, alloc, sizeof(*r))) == NULL) {
				seterr(err, errlen, "memory");
				free(r);
				return -1;
			}
			r = nr;
		}
		r[cnt].ts = (uint64_t)h[0] << 32 | h[1];
		r[cnt].off = off;
		r[cnt].len = CSF_REC_HDR + (size_t)h[2];
		if (cnt > 0 && r[cnt].ts < r[cnt - 1].ts)
			*sorted = 0;
		cnt++;
		off += CSF_REC_HDR + (size_t)h[2];
	}
	*out = r;
	*n = cnt;
	return 0;
cut:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "session files: session.pcap record %zu "
		    "cut short", cnt + 1);
	free(r);
	return -1;
}

/*
 * Rewrite session.pcap in timestamp order: index the records, sort them
 * (stably), write them to a temporary file and rename it over the first.
 */
static int
merge_by_time(struct cap_session_files *f, char *err, size_t errlen)
{
	char		 pcap[PATH_MAX], tmp[PATH_MAX];
	struct csf_rec	*r = NULL;
	struct csf_out	 o;
	struct stat	 sb;
	uint8_t		*map = NULL;
	size_t		 n = 0, i;
	int		 fd, sorted, rc = -1;

	if (csf_pathf(pcap, sizeof(pcap), "%s/session.pcap", f->part) == -1 ||
	    csf_pathf(tmp, sizeof(tmp), "%s/session.pcap.tmp", f->part) ==
	    -1) {
		seterr(err, errlen, f->part);
		return -1;
	}
	if ((fd = open(pcap, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		seterr(err, errlen, pcap);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (sb.st_size <= CSF_FILE_HDR) {	/* no records */
		close(fd);
		return 0;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		seterr(err, errlen, pcap);
		return -1;
	}
	if (index_records(map, (size_t)sb.st_size, &r, &n, &sorted, err,
	    errlen) == -1)
		goto out;
	if (sorted) {
		rc = 0;
		goto out;
	}
	qsort(r, n, sizeof(*r), rec_cmp);
	(void)unlink(tmp);	/* left by an earlier failure */
	if (out_open(&o, tmp) == -1) {
		seterr(err, errlen, tmp);
		goto out;
	}
	if (out_put(&o, map, CSF_FILE_HDR, NULL, 0) == -1)
		goto werr;
	for (i = 0; i < n; i++)
		if (out_put(&o, map + r[i].off, r[i].len, NULL, 0) == -1)
			goto werr;
	if (out_close(&o) == -1) {
		seterr(err, errlen, tmp);
		(void)unlink(tmp);
		goto out;
	}
	if (rename(tmp, pcap) == -1) {
		seterr(err, errlen, tmp);
		(void)unlink(tmp);
		goto out;
	}
	rc = 0;
	goto out;
werr:
	seterr(err, errlen, tmp);
	out_drop(&o);
	(void)unlink(tmp);
out:
	free(r);
	munmap(map, (size_t)sb.st_size);
	return rc;
}

/* The transcript's figures, after the caller's members. */
static void
json_transcript(struct json_writer *w, const struct cap_transcript_stats *st)
{
	static const char *const dirs[2] = {
		"client_to_server", "server_to_client"
	};
	int	d;

	jw_object(w, "transcript");
	for (d = 0; d < 2; d++) {
		jw_object(w, dirs[d]);
		jw_u64(w, "bytes", st->bytes[d]);
		jw_u64(w, "gaps", st->gaps[d]);
		jw_u64(w, "gap_bytes", st->gap_bytes[d]);
		jw_object_end(w);
	}
	jw_u64(w, "frames", st->frames);
	jw_u64(w, "frames_other", st->frames_other);
	jw_object_end(w);
}

static int
write_json(struct cap_session_files *f, csf_json_cb *cb, void *arg,
    const struct cap_transcript_stats *st, char *err, size_t errlen)
{
	char			 path[PATH_MAX];
	struct json_writer	 w;
	FILE			*fp;
	int			 fd, bad;

	if (csf_pathf(path, sizeof(path), "%s/session.json", f->part) == -1) {
		seterr(err, errlen, f->part);
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    CSF_FILE_MODE)) == -1) {
		seterr(err, errlen, path);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		seterr(err, errlen, path);
		close(fd);
		return -1;
	}
	jw_begin(&w, fp);
	if (cb != NULL)
		cb(arg, &w, st);
	json_transcript(&w, st);
	jw_end(&w);
	bad = fflush(fp) == EOF || ferror(fp) || fsync(fd) == -1;
	if (fclose(fp) == EOF)
		bad = 1;
	if (bad) {
		seterr(err, errlen, path);
		return -1;
	}
	return 0;
}

static void
csf_free(struct cap_session_files *f)
{
	out_drop(&f->out);
	free(f);
}

int
csf_close(struct cap_session_files *f, int merge, csf_json_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct cap_transcript_stats	st;
	char				pcap[PATH_MAX], l7[PATH_MAX];
	int				rc = -1;

	if (f == NULL) {
		seterrx(err, errlen, "no session");
		return -1;
	}
	memset(&st, 0, sizeof(st));
	if (csf_pathf(pcap, sizeof(pcap), "%s/session.pcap", f->part) == -1 ||
	    csf_pathf(l7, sizeof(l7), "%s/session.L7", f->part) == -1) {
		seterr(err, errlen, f->part);
		goto out;
	}
	if (out_close(&f->out) == -1) {
		seterr(err, errlen, pcap);
		goto out;
	}
	if (merge && merge_by_time(f, err, errlen) == -1)
		goto out;
	if (cap_transcript_write(pcap, l7, &f->meta, &st, err, errlen) == -1)
		goto out;
	if (write_json(f, cb, arg, &st, err, errlen) == -1)
		goto out;
	sync_dir(f->part);
	if (rename(f->part, f->path) == -1) {
		seterr(err, errlen, f->part);
		goto out;
	}
	sync_dir(f->datedir);
	rc = 0;
out:
	csf_free(f);
	return rc;
}

void
csf_abandon(struct cap_session_files *f)
{
	if (f == NULL)
		return;
	/* What the buffer holds is whole records: worth one write. */
	(void)out_flush(&f->out);
	csf_free(f);
}
