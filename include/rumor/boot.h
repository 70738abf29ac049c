/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The boot number of rumor-control (control/boot.c): the first part of every sealed
 * message's nonce and of its replay state at the receivers (seal.h). It
 * must grow from one start to the next, whatever the wall clock does:
 * boot = max(wall-clock microseconds, last boot + 1), with the last boot
 * kept in a file and the new one synced there before it is used.
 */
#ifndef RUMOR_BOOT_H
#define RUMOR_BOOT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The boot number after the one in the file at path (none if the file
 * does not exist) and now_us, written back to path (through a synced
 * temporary file, renamed) before it is returned in *boot. -1 with
 * "PATH: what is wrong" in err if the file cannot be read, holds
 * something else than a boot number, or cannot be written.
 */
int boot_next(const char *path, uint64_t now_us, uint64_t *boot, char *err,
		size_t errlen);

#endif /* RUMOR_BOOT_H */
