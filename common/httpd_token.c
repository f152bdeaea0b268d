/*
 * httpd_token.c - read the API's bearer token from its file.
 *
 * The token is a password: the file must be a regular file (not a
 * symbolic link, which could point anywhere, nor a FIFO, which would
 * block) that no group or other user may read or write.  Its first line,
 * without trailing white space, is the token: 16 to 256 printable ASCII
 * characters without spaces, so it travels in a header unchanged.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"

#define TOKEN_FILE_READ	4096	/* bytes read at most */
#define TOKEN_MIN	16
#define TOKEN_MAX	256

int
httpd_read_token_file(const char *path, char *token, size_t size,
    char *err, size_t errlen)
{
	char buf[TOKEN_FILE_READ + 1];
	struct stat st;
	size_t len = 0, i;
	ssize_t n;
	char *nl;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(err, errlen, "%s: a symbolic link; give the "
			    "file itself", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: group or others have access (mode "
		    "%04o); the token must be private: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (len < TOKEN_FILE_READ) {
		if ((n = read(fd, buf + len, TOKEN_FILE_READ - len)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if ((nl = memchr(buf, '\n', len)) != NULL)
		len = (size_t)(nl - buf);
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
	    buf[len - 1] == '\r' || buf[len - 1] == '\v' ||
	    buf[len - 1] == '\f'))
		len--;
	if (len < TOKEN_MIN || len > TOKEN_MAX) {
		snprintf(err, errlen, "%s: the token has %s%zu characters on "
		    "its first line; it needs %d to %d", path,
		    len == TOKEN_FILE_READ ? "at least " : "", len, TOKEN_MIN,
		    TOKEN_MAX);
		goto out;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] <= ' ' ||
		    (unsigned char)buf[i] > '~') {
			snprintf(err, errlen, "%s: the token has a space or a "
			    "character that is not printable ASCII (at "
			    "column %zu)", path, i + 1);
			goto out;
		}
	if (len >= size) {
		snprintf(err, errlen, "%s: the token does not fit in %zu "
		    "bytes", path, size);
		goto out;
	}
	memcpy(token, buf, len);
	token[len] = '\0';
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}
