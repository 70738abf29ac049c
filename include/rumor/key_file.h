/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the small text files that hold keys (the cluster keyring, a
 * node's key, the roster, the token keys): the whole file into memory,
 * refused when it is not a regular file, is larger than a bound, or
 * (for a secret) grants group or others any access. What was read is
 * wiped when it is freed.
 */
#ifndef RUMOR_KEY_FILE_H
#define RUMOR_KEY_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read path (at most max bytes) into a new buffer: *buf and *len. On
 * error returns -1 and writes "PATH: what is wrong" to err; what names
 * the file's contents in that message ("the cluster keys").
 */
int key_file_read(const char *path, size_t max, bool secret,
		const char *what, char **buf, size_t *len, char *err,
		size_t errlen);

/* Wipe and free what key_file_read returned. */
void key_file_free(char *buf, size_t len);

#endif /* RUMOR_KEY_FILE_H */
