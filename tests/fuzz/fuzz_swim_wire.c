/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: swim_decode (include/rumor/swim_wire.h) on arbitrary
 * bytes taken as a whole membership message. When it accepts, every
 * field is within its range, and swim_encode of the decoded message must
 * give back the same bytes, and refuse a buffer one byte short.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/ring.h"
#include "rumor/swim_wire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size > 0 ? size : 1);
	struct swim_msg m;
	enum swim_wire_error e;

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	e = swim_decode(copy, size, &m);
	FUZZ_CHECK(e >= SWIM_WIRE_OK && e < SWIM_WIRE_ERROR_MAX);
	FUZZ_CHECK(swim_wire_error_name(e) != NULL);
	if (size < SWIM_HDR_LEN)
		FUZZ_CHECK(e == SWIM_WIRE_SHORT);
	if (e == SWIM_WIRE_OK) {
		uint8_t *again = malloc(size);

		FUZZ_CHECK(m.kind >= SWIM_PING && m.kind < SWIM_KIND_MAX);
		FUZZ_CHECK(m.n_updates <= SWIM_UPDATES_MAX);
		FUZZ_CHECK(size == SWIM_HDR_LEN +
				(size_t)m.n_updates * SWIM_UPDATE_LEN);
		FUZZ_CHECK(size <= SWIM_MSG_MAX);
		FUZZ_CHECK(m.from != 0);
		for (unsigned int i = 0; i < m.n_updates; i++) {
			const struct swim_update *u = &m.updates[i];

			FUZZ_CHECK(u->id != 0);
			FUZZ_CHECK(u->state < SWIM_STATE_MAX);
			FUZZ_CHECK(u->weight >= 1 &&
					u->weight <= RING_WEIGHT_MAX);
		}
		if (again != NULL) {
			FUZZ_CHECK(swim_encode(&m, again, size) == size);
			FUZZ_CHECK(memcmp(again, copy, size) == 0);
			FUZZ_CHECK(swim_encode(&m, again, size - 1) == 0);
			free(again);
		}
	}
	free(copy);
	return 0;
}
