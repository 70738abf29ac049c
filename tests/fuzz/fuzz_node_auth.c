/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the auth block decoder and verify path
 * (include/rumor/node_auth.h) on arbitrary bytes taken as a whole UDP
 * payload, as an lcore's input takes them: header check, block decode,
 * tag check under a fixed key, the replay window, strip. Invariants:
 * nothing is read beyond the input; a payload that verifies stays a
 * valid rumor message once stripped; inserting the block again with the
 * same stamp gives back the same bytes; and the window takes a counter
 * at most once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/node_auth.h"
#include "fuzz.h"

static const uint8_t key[NODE_AUTH_KEY_LEN] = {
	0x52, 0x4d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
};

/* One window across inputs, as an lcore keeps one per (sender, lane). */
static struct node_auth_window win;

static void
fuzz_one(uint8_t *copy, size_t size)
{
	struct node_auth_view v;
	enum rumor_hdr_error e = rumor_hdr_check(copy, size);
	uint8_t again[RUMOR_DATAGRAM_MAX];
	size_t plain, n;
	bool ok;

	if (size >= 8) {
		/* The window alone, on a counter from the input. */
		uint64_t c;

		memcpy(&c, copy, 8);
		c &= NODE_AUTH_CTR_MASK;
		if (node_auth_window_take(&win, c))
			FUZZ_CHECK(!node_auth_window_take(&win, c));
	}
	if (node_auth_decode(copy, size, &v) < 0) {
		FUZZ_CHECK(size < NODE_AUTH_END || (copy[4] & RUMOR_F_AUTH) == 0);
		return;
	}
	FUZZ_CHECK(size >= NODE_AUTH_END);
	ok = node_auth_verify(key, copy, size);
	/*
	 * Arbitrary bytes almost never verify: give the input its right tag
	 * half the time, so that the paths after the check are reached.
	 */
	if (!ok && (copy[size - 1] & 1)) {
		uint64_t tag = node_auth_tag(key, copy, size);

		memcpy(copy + NODE_AUTH_TAG_OFF, &tag, 8);
		ok = node_auth_verify(key, copy, size);
		FUZZ_CHECK(ok);
	}
	if (!ok || e != RUMOR_HDR_OK)
		return;
	plain = node_auth_strip(copy, size);
	FUZZ_CHECK(plain == size - NODE_AUTH_LEN);
	FUZZ_CHECK(rumor_hdr_check(copy, plain) == RUMOR_HDR_OK);
	/* The same block again: the same bytes. */
	memcpy(again, copy, plain);
	n = node_auth_insert(again, plain, sizeof(again), key, v.lane, v.ctr);
	FUZZ_CHECK(n == size);
	FUZZ_CHECK(node_auth_verify(key, again, n));
}

FUZZ_TARGET(fuzz_one)
