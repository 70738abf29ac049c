/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Boot numbers that only grow (boot.h). The file holds one line,
 * "boot N" (decimal). A boot number is also refused by the peers when it
 * is far ahead of their clocks (SEAL_BOOT_SKEW_US), so a node whose
 * clock once ran far ahead keeps being refused until real time catches
 * up with its file: the log says so at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumor/boot.h"

#define BOOT_FILE_MAX 64	/* Bytes: "boot " and 20 digits fit. */

static void __attribute__((format(printf, 3, 4)))
boot_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The last boot in path: 0 if there is no file; -1 if unreadable. */
static int
boot_read(const char *path, uint64_t *last, char *err, size_t errlen)
{
	char buf[BOOT_FILE_MAX + 1];
	uint64_t v = 0;
	size_t n = 0, i = 5;
	int fd;

	*last = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		boot_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (n < 6 || memcmp(buf, "boot ", 5) != 0)
		goto bad;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		unsigned d = (unsigned)(buf[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	if (i == 5 || (i < n && !(buf[i] == '\n' && i + 1 == n)))
		goto bad;
	*last = v;
	return 0;
bad:
	boot_err(err, errlen, "%s: not a boot number file (one line 'boot "
			"N'); remove it only if this node's id is new to the "
			"cluster", path);
	return -1;
}

int
boot_next(const char *path, uint64_t now_us, uint64_t *boot, char *err,
		size_t errlen)
{
	char tmp[4096], line[BOOT_FILE_MAX], *copy;
	uint64_t last, next;
	int fd, n, dfd;

	if (boot_read(path, &last, err, errlen) < 0)
		return -1;
	if (last == UINT64_MAX) {
		boot_err(err, errlen, "%s: the boot number is exhausted", path);
		return -1;
	}
	next = now_us > last ? now_us : last + 1;
	n = snprintf(line, sizeof(line), "boot %" PRIu64 "\n", next);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
			sizeof(tmp)) {
		boot_err(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		boot_err(err, errlen, "%s: cannot create a file beside it: %s",
				path, strerror(errno));
		return -1;
	}
	if (write(fd, line, (size_t)n) != n || fsync(fd) < 0) {
		boot_err(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		boot_err(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* The rename lasts only once its directory is synced. */
	copy = strdup(path);
	dfd = copy != NULL ? open(dirname(copy), O_RDONLY | O_DIRECTORY |
			O_CLOEXEC) : -1;
	free(copy);
	if (dfd < 0 || fsync(dfd) < 0) {
		boot_err(err, errlen, "%s: syncing its directory: %s", path,
				strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	close(dfd);
	*boot = next;
	return 0;
}
