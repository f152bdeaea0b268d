/*
 * test_httpd_token.c - reading the API's bearer token from its file
 * (common/httpd_token.c): good files (newline or not, CRLF, trailing
 * blanks, only the first line, 16 and 256 characters), files others may
 * read or write, tokens too short, too long, with spaces or bytes that
 * are not printable ASCII, a symbolic link, a missing file, a directory,
 * a buffer too small.  Each refusal names the file and says why.
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_test.h"

#include "httpd.h"

#define TOKEN		"s3cret-token-0123456789abcdef"

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	char *dir = strdup("/tmp/test_httpd_token.XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	char *dir = *state;

	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return 0;
}

static const char *
token_file(const char *dir, const char *name, const char *text,
    mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
read_ok(const char *dir, const char *text, const char *want)
{
	char tok[300], err[512];
	const char *path = token_file(dir, "ok", text, 0600);

	if (httpd_read_token_file(path, tok, sizeof(tok), err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_string_equal(tok, want);
}

static void
read_bad(const char *path, const char *want)
{
	char tok[300], err[512];

	strcpy(tok, "untouched");
	assert_int_equal(httpd_read_token_file(path, tok, sizeof(tok), err,
	    sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, want);
	assert_non_null(strstr(err, path));
	assert_string_equal(tok, "untouched");
}

static void
test_token_file_good(void **state)
{
	const char *dir = *state;
	char t256[258], want[257];

	read_ok(dir, TOKEN "\n", TOKEN);
	read_ok(dir, TOKEN, TOKEN);				/* no newline */
	read_ok(dir, TOKEN " \t\r\n", TOKEN);		/* CRLF, blanks */
	read_ok(dir, TOKEN "\nsecond line\n", TOKEN);		/* first only */
	read_ok(dir, "0123456789abcdef\n", "0123456789abcdef");	/* 16 */
	memset(t256, 'T', 256);
	t256[256] = '\n';
	t256[257] = '\0';
	memcpy(want, t256, 256);
	want[256] = '\0';
	read_ok(dir, t256, want);				/* 256 */
}

static void
test_token_file_mode_refused(void **state)
{
	const char *dir = *state;

	read_bad(token_file(dir, "m644", TOKEN "\n", 0644), "chmod 600");
	read_bad(token_file(dir, "m640", TOKEN "\n", 0640),
	    "group or others");
	read_bad(token_file(dir, "m602", TOKEN "\n", 0602), "0602");
}

static void
test_token_file_bad_tokens(void **state)
{
	const char *dir = *state;
	char t257[260];

	read_bad(token_file(dir, "short", "0123456789abcde\n", 0600),
	    "15 characters");
	read_bad(token_file(dir, "empty", "\n" TOKEN "\n", 0600),
	    "0 characters");
	memset(t257, 'T', 257);
	t257[257] = '\0';
	read_bad(token_file(dir, "long", t257, 0600), "257 characters");
	read_bad(token_file(dir, "space", "0123456789 abcdefgh\n", 0600),
	    "column 11");
	read_bad(token_file(dir, "lead", " " TOKEN "\n", 0600),
	    "column 1)");
	read_bad(token_file(dir, "ctl", "0123456789abcdef\x7f\n", 0600),
	    "not printable");
	read_bad(token_file(dir, "utf8", "0123456789abcdef\xc3\xa9\n",
	    0600), "not printable");
}

static void
test_token_file_not_a_file(void **state)
{
	const char *dir = *state;
	char link[128], missing[128], tok[64], err[512];
	const char *target = token_file(dir, "target", TOKEN "\n", 0600);

	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(target, link), 0);
	read_bad(link, "symbolic link");

	snprintf(missing, sizeof(missing), "%s/missing", dir);
	read_bad(missing, strerror(ENOENT));

	read_bad(dir, "not a regular file");

	/* A buffer too small for the token. */
	target = token_file(dir, "target", TOKEN "\n", 0600);
	assert_int_equal(httpd_read_token_file(target, tok, 16, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "does not fit"));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_token_file_good, setup, teardown),
	cmocka_unit_test_setup_teardown(test_token_file_mode_refused, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_token_file_bad_tokens, setup,
	    teardown),
	cmocka_unit_test_setup_teardown(test_token_file_not_a_file, setup,
	    teardown),
};

FS_TEST_MAIN(tests)
