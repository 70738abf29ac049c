/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: admin_req_parse (include/rumor/admin_req.h) on arbitrary
 * bytes taken as one admin request. Whatever the input, the verdict is
 * one of the defined ones and has a name; a command comes only with
 * ADMIN_REQ_OK, and then the input is that command's words, separated and
 * surrounded by blanks, followed by its node id (non-zero) if it takes
 * one; an input longer than ADMIN_REQ_MAX is refused for its length
 * alone; a refusal for arguments names a command meant.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/admin_req.h"
#include "fuzz.h"

static bool
blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
fuzz_one(const uint8_t *bytes, size_t size)
{
	const char *copy = (const char *)bytes;
	struct admin_req req = { .cmd = ADMIN_CMD_MAX };
	enum admin_verdict v;

	v = admin_req_parse(copy, size, &req);
	FUZZ_VERDICT(v, ADMIN_REQ_VERDICT_MAX, admin_verdict_name,
			size > ADMIN_REQ_MAX, ADMIN_REQ_TOO_LONG);
	if (v == ADMIN_REQ_ARGS)
		FUZZ_CHECK(req.meant > ADMIN_CMD_NONE &&
				req.meant < ADMIN_CMD_MAX);
	if (v != ADMIN_REQ_OK) {
		FUZZ_CHECK(req.cmd == ADMIN_CMD_NONE);
	} else {
		/* The input, blanks squeezed, is the usage with the id. */
		const char *usage = admin_cmd_usage(req.cmd);
		char want[ADMIN_REQ_MAX + 32], got[ADMIN_REQ_MAX + 1];
		size_t g = 0;
		bool gap = false;

		FUZZ_CHECK(req.cmd > ADMIN_CMD_NONE && req.cmd < ADMIN_CMD_MAX);
		if (strstr(usage, " ID") != NULL) {
			FUZZ_CHECK(req.id != 0);
			snprintf(want, sizeof(want), "%.*s %u",
					(int)(strlen(usage) - 3), usage,
					req.id);
		} else {
			FUZZ_CHECK(req.id == 0);
			snprintf(want, sizeof(want), "%s", usage);
		}
		for (size_t i = 0; i < size; i++) {
			if (blank(bytes[i])) {
				gap = g > 0;
				continue;
			}
			if (gap)
				got[g++] = ' ';
			gap = false;
			got[g++] = (char)bytes[i];
		}
		got[g] = '\0';
		FUZZ_CHECK(strcmp(got, want) == 0);
	}
}

FUZZ_TARGET(fuzz_one)
