/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading key files (include/rumor/key_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/key_file.h"

static void __attribute__((format(printf, 3, 4)))
kf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
key_file_read(const char *path, size_t max, bool secret, const char *what,
		char **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *b = NULL;
	size_t got = 0, size;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		kf_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* The descriptor, not the path, so that the file checked is read. */
	if (fstat(fd, &st) < 0) {
		kf_err(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		kf_err(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (secret && (st.st_mode & 077) != 0) {
		kf_err(err, errlen, "%s: mode %04o gives group or others "
				"access to %s; chmod 600 %s", path,
				(unsigned int)(st.st_mode & 07777), what, path);
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		kf_err(err, errlen, "%s: %lld bytes, more than %s take (at "
				"most %zu)", path, (long long)st.st_size, what,
				max);
		goto fail;
	}
	size = (size_t)st.st_size;
	b = malloc(size > 0 ? size : 1);
	if (b == NULL) {
		kf_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto fail;
	}
	while (got < size) {
		ssize_t n = read(fd, b + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kf_err(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
fail:
	key_file_free(b, got);
	close(fd);
	return -1;
}

void
key_file_free(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	sodium_memzero(buf, len);
	free(buf);
}
