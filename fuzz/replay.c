/*
 * replay.c - run a libFuzzer target's inputs without libFuzzer.
 *
 * usage: replay_TARGET [-q] PATH...
 *
 * Every PATH is a file (one input) or a directory whose files, and the files
 * of its subdirectories, are inputs (in name order, dot files skipped).  Each
 * input is read into a heap buffer of exactly its size, so that with
 * -DFS_SANITIZE=ON an over-read is caught just as under the fuzzer, and handed
 * to LLVMFuzzerTestOneInput().  This is how the seed corpus (and any crash
 * file a fuzzer found) runs as an ordinary ctest with gcc.
 *
 * Exit status: 0 when at least one input ran; 1 when a path does not exist
 * or cannot be read, or when the paths held no input at all (an empty corpus
 * would otherwise pass silently).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's own default -max_len is far lower; inputs are UDP payloads. */
#define REPLAY_MAX_INPUT	(1024 * 1024)
/* Deep enough for corpus/TARGET/subdir; a symlink loop cannot run away. */
#define REPLAY_MAX_DEPTH	4

struct replay {
	unsigned long	inputs;
	int		quiet;
	int		failed;
};

static void
replay_file(struct replay *r, const char *path, const struct stat *st)
{
	uint8_t *buf;
	size_t size = (size_t)st->st_size;
	FILE *fp;

	if (st->st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: larger than %d bytes, skipped\n",
		    path, REPLAY_MAX_INPUT);
		return;
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		r->failed = 1;
		return;
	}
	/* malloc(0) may return NULL; an empty input still needs a pointer. */
	if ((buf = malloc(size > 0 ? size : 1)) == NULL) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		fclose(fp);
		r->failed = 1;
		return;
	}
	if (size > 0 && fread(buf, 1, size, fp) != size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		r->failed = 1;
	} else {
		if (!r->quiet)
			printf("Running: %s (%zu bytes)\n", path, size);
		fflush(stdout);		/* name the input before a crash */
		LLVMFuzzerTestOneInput(buf, size);
		r->inputs++;
	}
	free(buf);
	fclose(fp);
}

static int
skip_entry(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static void
replay_path(struct replay *r, const char *path, int depth)
{
	struct dirent **names;
	struct stat st;
	char child[PATH_MAX];
	int i, n;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		r->failed = 1;
		return;
	}
	if (S_ISREG(st.st_mode)) {
		replay_file(r, path, &st);
		return;
	}
	if (!S_ISDIR(st.st_mode) || depth >= REPLAY_MAX_DEPTH)
		return;
	if ((n = scandir(path, &names, skip_entry, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		r->failed = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		if (snprintf(child, sizeof(child), "%s/%s", path,
		    names[i]->d_name) >= (int)sizeof(child)) {
			fprintf(stderr, "replay: %s/%s: name too long\n", path,
			    names[i]->d_name);
			r->failed = 1;
		} else
			replay_path(r, child, depth + 1);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct replay r = { 0 };
	int i = 1;

	if (i < argc && strcmp(argv[i], "-q") == 0) {
		r.quiet = 1;
		i++;
	}
	if (i >= argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: %s [-q] FILE|DIR...\n", argv[0]);
		return 1;
	}
	for (; i < argc; i++)
		replay_path(&r, argv[i], 0);

	printf("replay: %lu inputs ran\n", r.inputs);
	if (r.failed)
		return 1;
	if (r.inputs == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	return 0;
}
