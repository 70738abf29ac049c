/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: admin_req_parse (control/admin_req.h) on arbitrary
 * bytes taken as one admin request. Whatever the input, the verdict is
 * one of the defined ones and has a name; a command comes only with
 * ADMIN_REQ_OK, and then the input is exactly that command's word with
 * blanks around it; an input longer than ADMIN_REQ_MAX is refused for its
 * length alone.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin_req.h"
#include "fuzz.h"

static bool
blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size > 0 ? size : 1);
	enum admin_cmd cmd = ADMIN_CMD_MAX;
	enum admin_verdict v;

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	v = admin_req_parse(copy, size, &cmd);
	FUZZ_CHECK(v >= ADMIN_REQ_OK && v < ADMIN_REQ_VERDICT_MAX);
	FUZZ_CHECK(strcmp(admin_verdict_name(v), "?") != 0);
	if (size > ADMIN_REQ_MAX)
		FUZZ_CHECK(v == ADMIN_REQ_TOO_LONG);
	if (v != ADMIN_REQ_OK) {
		FUZZ_CHECK(cmd == ADMIN_CMD_NONE);
	} else {
		const char *name = admin_cmd_name(cmd);
		size_t s = 0, e = size, len = strlen(name);

		FUZZ_CHECK(cmd > ADMIN_CMD_NONE && cmd < ADMIN_CMD_MAX);
		while (s < e && blank(data[s]))
			s++;
		while (e > s && blank(data[e - 1]))
			e--;
		FUZZ_CHECK(e - s == len);
		FUZZ_CHECK(memcmp(data + s, name, len) == 0);
	}
	free(copy);
	return 0;
}
