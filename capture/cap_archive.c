/*
 * cap_archive.c - the pcap archive writer: opening, writing, rotating and
 * closing the files of active captures (see capture.h for the layout and
 * cap_archive_impl.h for the invariants).
 *
 * Files are written through libpcap's dumper on a FILE this code opens
 * (O_CLOEXEC, O_EXCL) with a 64 KiB buffer: a crash loses at most that
 * buffer, and what reached the disk is a valid pcap up to the last whole
 * record.  Closing flushes, fsyncs, renames .part to .pcap, fsyncs the
 * folder and rewrites index.json.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap_archive_impl.h"

#define CAP_ARCH_BUFSIZE	65536
#define PCAP_FILE_HDR		24
#define PCAP_REC_HDR		16

int
cap_archive_id_ok(const char *id)
{
	size_t	i;

	if (id == NULL)
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		char c = id[i];

		if (i >= CAP_ARCHIVE_ID_MAX)
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return i > 0;
}

int
cap_arch_parse_name(const char *name, uint32_t *seq, int *part)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(name[i] - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (i < 6)
		return -1;
	if (strcmp(name + i, ".pcap") == 0)
		*part = 0;
	else if (strcmp(name + i, ".pcap.part") == 0)
		*part = 1;
	else
		return -1;
	*seq = (uint32_t)v;
	return 0;
}

int
cap_arch_is_date(const char *n)
{
	static const char pat[] = "dddd-dd-dd";
	size_t	i;

	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd' ? !(n[i] >= '0' && n[i] <= '9') :
		    n[i] != pat[i])
			return 0;
	}
	return n[i] == '\0';
}

/* "archive WHAT: strerror(errno)" into the caller's buffer. */
static void
seterr(char *err, size_t errlen, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "archive %s: %s", what, strerror(errno));
}

static int
mkdir_one(const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* fsync a folder so a rename in it survives a crash. */
static void
sync_dir(const char *dir)
{
	int	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Rename the .part files of one capture folder (left by a crash). */
static void
recover_dir(struct cap_archive *a, const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	uint32_t	 seq;
	int		 part, any = 0;
	char		 from[CAP_ARCH_PATH_MAX], to[CAP_ARCH_PATH_MAX];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (cap_arch_parse_name(e->d_name, &seq, &part) == -1 || !part)
			continue;
		if (cap_arch_path(from, sizeof(from), "%s/%s", dir,
		    e->d_name) == -1 ||
		    cap_arch_path(to, sizeof(to), "%s/%.*s", dir,
		    (int)(strlen(e->d_name) - 5), e->d_name) == -1)
			continue;
		if (rename(from, to) == 0) {
			a->st.files_recovered++;
			any = 1;
		}
	}
	closedir(d);
	if (any)
		sync_dir(dir);
}

void
cap_arch_foreach_capture(struct cap_archive *a,
    void (*fn)(struct cap_archive *, void *, const char *, const char *),
    void *ctx)
{
	DIR		*d, *dd;
	struct dirent	*e, *ee;
	char		 date[CAP_ARCH_PATH_MAX], cap[CAP_ARCH_PATH_MAX];

	if ((d = opendir(a->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!cap_arch_is_date(e->d_name) ||
		    cap_arch_path(date, sizeof(date), "%s/%s", a->dir,
		    e->d_name) == -1 || (dd = opendir(date)) == NULL)
			continue;
		while ((ee = readdir(dd)) != NULL)
			if (cap_archive_id_ok(ee->d_name) &&
			    cap_arch_path(cap, sizeof(cap), "%s/%s", date,
			    ee->d_name) == 0)
				fn(a, ctx, cap, ee->d_name);
		closedir(dd);
	}
	closedir(d);
}

/* Every capture folder's .part files: the archive is new, so none is ours. */
static void
recover_each(struct cap_archive *a, void *ctx, const char *dir,
    const char *id)
{
	(void)ctx;
	(void)id;
	recover_dir(a, dir);
}

struct cap_archive *
cap_archive_new(const struct cap_archive_config *cfg, char *err,
    size_t errlen)
{
	struct cap_archive	*a;
	struct stat		 sb;

	if (cfg == NULL || cfg->dir == NULL || cfg->dir[0] == '\0') {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "archive: no directory");
		return NULL;
	}
	if (cfg->min_free_percent > 99) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "archive: min_free %u%% is over "
			    "99%%", cfg->min_free_percent);
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		seterr(err, errlen, "memory");
		return NULL;
	}
	a->cfg = *cfg;
	if (a->cfg.max_open == 0)
		a->cfg.max_open = CAP_ARCHIVE_MAX_OPEN;
	if (cap_arch_path(a->dir, sizeof(a->dir), "%s", cfg->dir) == -1) {
		seterr(err, errlen, cfg->dir);
		goto fail;
	}
	a->cfg.dir = a->dir;
	if (mkdir_one(a->dir) == -1 || stat(a->dir, &sb) == -1) {
		seterr(err, errlen, a->dir);
		goto fail;
	}
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		seterr(err, errlen, a->dir);
		goto fail;
	}
	a->caps = calloc(a->cfg.max_open, sizeof(*a->caps));
	a->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB,
	    CAP_ARCHIVE_SNAPLEN, cfg->nanosecond ? PCAP_TSTAMP_PRECISION_NANO :
	    PCAP_TSTAMP_PRECISION_MICRO);
	if (a->caps == NULL || a->dead == NULL) {
		seterr(err, errlen, a->dir);
		goto fail;
	}
	cap_arch_foreach_capture(a, recover_each, NULL);
	return a;
fail:
	free(a->caps);
	if (a->dead != NULL)
		pcap_close(a->dead);
	free(a);
	return NULL;
}

struct cap_arch_cap *
cap_arch_find_dir(struct cap_archive *a, const char *dir)
{
	uint32_t	i;

	for (i = 0; i < a->ncaps; i++)
		if (strcmp(a->caps[i]->dir, dir) == 0)
			return a->caps[i];
	return NULL;
}

static uint32_t
find_id(struct cap_archive *a, const char *id)
{
	uint32_t	i;

	for (i = 0; i < a->ncaps; i++)
		if (strcmp(a->caps[i]->id, id) == 0)
			return i;
	return UINT32_MAX;
}

/* The highest file number in dir (.pcap or .part), 0 when none. */
static uint32_t
max_seq_on_disk(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	uint32_t	 seq, max = 0;
	int		 part;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (cap_arch_parse_name(e->d_name, &seq, &part) == 0 &&
		    seq > max)
			max = seq;
	closedir(d);
	return max;
}

/*
 * The folder for a capture first seen by this archive object: its newest
 * existing DIR/YYYY-MM-DD/id (a restart), else the day of ts.
 */
static int
pick_dir(struct cap_archive *a, const char *id, const struct timespec *ts,
    char *out, size_t outlen)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 sb;
	char		 best[16] = "", path[CAP_ARCH_PATH_MAX];
	struct tm	 tm;
	time_t		 t = ts->tv_sec;

	if ((d = opendir(a->dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (!cap_arch_is_date(e->d_name) ||
			    strcmp(e->d_name, best) <= 0)
				continue;
			if (cap_arch_path(path, sizeof(path), "%s/%s/%s",
			    a->dir, e->d_name, id) == 0 &&
			    stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
				memcpy(best, e->d_name, 11);	/* is_date */
		}
		closedir(d);
	}
	if (best[0] == '\0') {
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(best, sizeof(best), "%Y-%m-%d", &tm) == 0)
			snprintf(best, sizeof(best), "1970-01-01");
	}
	if (cap_arch_path(path, sizeof(path), "%s/%s", a->dir, best) == -1 ||
	    mkdir_one(path) == -1 ||
	    cap_arch_path(out, outlen, "%s/%s", path, id) == -1 ||
	    mkdir_one(out) == -1)
		return -1;
	return 0;
}

/* Open capture c's next file. */
static int
open_file(struct cap_archive *a, struct cap_arch_cap *c, char *err,
    size_t errlen)
{
	char	path[CAP_ARCH_PATH_MAX];
	int	fd;

	for (;;) {
		c->seq++;
		if (cap_arch_path(path, sizeof(path), "%s/%06u.pcap.part",
		    c->dir, c->seq) == -1) {
			seterr(err, errlen, c->dir);
			return -1;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd != -1)
			break;
		if (errno != EEXIST) {
			seterr(err, errlen, path);
			return -1;
		}
		/* Someone made it meanwhile: take the next number. */
	}
	if ((c->fp = fdopen(fd, "wb")) == NULL) {
		seterr(err, errlen, path);
		close(fd);
		unlink(path);
		return -1;
	}
	(void)setvbuf(c->fp, NULL, _IOFBF, CAP_ARCH_BUFSIZE);
	if ((c->dumper = pcap_dump_fopen(a->dead, c->fp)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "archive %s: %s", path,
			    pcap_geterr(a->dead));
		fclose(c->fp);
		c->fp = NULL;
		unlink(path);
		return -1;
	}
	/* The file header goes to disk at once: a crash leaves a valid file. */
	if (pcap_dump_flush(c->dumper) == -1) {
		seterr(err, errlen, path);
		pcap_dump_close(c->dumper);
		c->dumper = NULL;
		c->fp = NULL;
		unlink(path);
		return -1;
	}
	c->f_packets = c->f_bytes = 0;
	c->f_size = PCAP_FILE_HDR;
	c->f_first_ns = c->f_last_ns = 0;
	a->st.files_opened++;
	a->st.open_files++;
	return 0;
}

/* Close c's file: flush, fsync, rename, index.  -1 on any failure. */
static int
close_file(struct cap_archive *a, struct cap_arch_cap *c)
{
	char	part[CAP_ARCH_PATH_MAX], done[CAP_ARCH_PATH_MAX], name[32];
	int	rc = 0;

	if (c->dumper == NULL)
		return 0;
	if (pcap_dump_flush(c->dumper) == -1 || ferror(c->fp) ||
	    fsync(fileno(c->fp)) == -1)
		rc = -1;
	pcap_dump_close(c->dumper);	/* fcloses c->fp */
	c->dumper = NULL;
	c->fp = NULL;
	a->st.open_files--;
	snprintf(name, sizeof(name), "%06u.pcap", c->seq);
	if (cap_arch_path(part, sizeof(part), "%s/%s.part", c->dir,
	    name) == -1 ||
	    cap_arch_path(done, sizeof(done), "%s/%s", c->dir, name) == -1 ||
	    rename(part, done) == -1) {
		a->st.write_errors++;
		return -1;
	}
	sync_dir(c->dir);
	a->st.files_closed++;
	if (cap_arch_index_add(c->index, name, c->f_packets, c->f_bytes,
	    c->f_size, c->f_first_ns, c->f_last_ns, a->cfg.nanosecond) == -1 ||
	    cap_arch_index_save(c->dir, c->index) == -1)
		rc = -1;
	if (rc == -1)
		a->st.write_errors++;
	return rc;
}

static void
cap_free(struct cap_arch_cap *c)
{
	json_decref(c->index);
	free(c);
}

/* Close slot i's file and drop it from the table. */
static int
drop(struct cap_archive *a, uint32_t i)
{
	struct cap_arch_cap	*c = a->caps[i];
	int			 rc = close_file(a, c);

	cap_free(c);
	a->caps[i] = a->caps[--a->ncaps];
	a->caps[a->ncaps] = NULL;
	return rc;
}

/* A table entry for id, making room (LRU) when full. */
static struct cap_arch_cap *
get_cap(struct cap_archive *a, const char *id, const struct timespec *ts,
    char *err, size_t errlen)
{
	struct cap_arch_cap	*c;
	uint32_t		 i, lru, seq;

	if ((i = find_id(a, id)) != UINT32_MAX)
		return a->caps[i];
	if (a->ncaps >= a->cfg.max_open) {
		for (lru = 0, i = 1; i < a->ncaps; i++)
			if (a->caps[i]->last_use < a->caps[lru]->last_use)
				lru = i;
		(void)drop(a, lru);
		a->st.lru_closes++;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		seterr(err, errlen, "memory");
		return NULL;
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	if (pick_dir(a, id, ts, c->dir, sizeof(c->dir)) == -1) {
		seterr(err, errlen, id);
		free(c);
		return NULL;
	}
	c->index = cap_arch_index_load(c->dir, id, a->cfg.nanosecond);
	if (c->index == NULL) {
		seterr(err, errlen, id);
		free(c);
		return NULL;
	}
	c->seq = max_seq_on_disk(c->dir);
	if ((seq = cap_arch_index_max_seq(c->index)) > c->seq)
		c->seq = seq;
	a->caps[a->ncaps++] = c;
	return c;
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int
cap_archive_write(struct cap_archive *a, const char *id,
    const struct timespec *ts, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, char *err, size_t errlen)
{
	struct cap_arch_cap	*c;
	struct pcap_pkthdr	 h;
	int64_t			 now = ts_ns(ts);

	if (!cap_archive_id_ok(id)) {
		a->st.ids_refused++;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "archive: refused capture id "
			    "(not [A-Za-z0-9_-]{1,64})");
		return -1;
	}
	if (caplen > CAP_ARCHIVE_SNAPLEN)
		caplen = CAP_ARCHIVE_SNAPLEN;
	if (wirelen < caplen)
		wirelen = caplen;
	if ((c = get_cap(a, id, ts, err, errlen)) == NULL) {
		a->st.write_errors++;
		return -1;
	}
	c->last_use = ++a->clock;
	/* Rotation: by size, and by packet time since the file's first. */
	if (c->dumper != NULL && c->f_packets > 0 &&
	    ((a->cfg.rotate_size != 0 &&
	    c->f_size + PCAP_REC_HDR + caplen > a->cfg.rotate_size) ||
	    (a->cfg.rotate_age_s != 0 && now - c->f_first_ns >=
	    (int64_t)a->cfg.rotate_age_s * 1000000000)))
		(void)close_file(a, c);
	if (c->dumper == NULL && open_file(a, c, err, errlen) == -1) {
		a->st.write_errors++;
		return -1;
	}
	h.ts.tv_sec = ts->tv_sec;
	/* A nanosecond dumper takes nanoseconds in tv_usec. */
	h.ts.tv_usec = a->cfg.nanosecond ? ts->tv_nsec : ts->tv_nsec / 1000;
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)c->dumper, &h, frame);
	if (ferror(c->fp)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "archive %s/%06u.pcap.part: "
			    "write error", c->dir, c->seq);
		a->st.write_errors++;
		(void)drop(a, (uint32_t)(find_id(a, id)));
		return -1;
	}
	if (c->f_packets == 0)
		c->f_first_ns = now;
	c->f_last_ns = now;
	c->f_packets++;
	c->f_bytes += caplen;
	c->f_size += PCAP_REC_HDR + caplen;
	a->st.packets++;
	a->st.bytes += caplen;
	return 0;
}

int
cap_archive_close(struct cap_archive *a, const char *id)
{
	uint32_t	i;

	if (a == NULL || !cap_archive_id_ok(id) ||
	    (i = find_id(a, id)) == UINT32_MAX)
		return 0;
	return drop(a, i);
}

int
cap_archive_flush_all(struct cap_archive *a)
{
	int	rc = 0;

	if (a == NULL)
		return 0;
	while (a->ncaps > 0)
		if (drop(a, a->ncaps - 1) == -1)
			rc = -1;
	return rc;
}

void
cap_archive_free(struct cap_archive *a)
{
	if (a == NULL)
		return;
	(void)cap_archive_flush_all(a);
	free(a->caps);
	pcap_close(a->dead);
	free(a);
}

void
cap_archive_stats(const struct cap_archive *a, struct cap_archive_stats *st)
{
	*st = a->st;
}
