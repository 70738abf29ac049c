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

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	struct swim_msg m;
	enum swim_wire_error e;

	e = swim_decode(copy, size, &m);
	FUZZ_VERDICT(e, SWIM_WIRE_ERROR_MAX, swim_wire_error_name,
			size < SWIM_HDR_LEN, SWIM_WIRE_SHORT);
	if (e == SWIM_WIRE_OK) {
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
		FUZZ_ENCODES_AGAIN(swim_encode(&m, again_, cap_), copy, size);
	}
}

FUZZ_TARGET(fuzz_one)
