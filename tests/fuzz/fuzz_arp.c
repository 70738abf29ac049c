/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arp_decode (include/rumor/arp.h) on arbitrary bytes. An
 * accepted frame must hold what the decoder promises, and building a
 * frame from the decoded view must decode to the same view.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/arp.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arp_view v, w;
	uint8_t *copy, again[ARP_FRAME_LEN];
	enum arp_error e;

	if (size > UINT16_MAX)
		return 0;
	copy = fuzz_copy(data, size);
	if (copy == NULL)
		return 0;
	memset(&v, 0, sizeof(v));
	e = arp_decode(copy, (uint32_t)size, &v);
	FUZZ_CHECK((unsigned)e < ARP_ERROR_MAX);
	if (e == ARP_OK) {
		static const uint8_t zero[6];

		FUZZ_CHECK(size >= ARP_FRAME_LEN);
		FUZZ_CHECK(v.op == ARP_OP_REQUEST || v.op == ARP_OP_REPLY);
		FUZZ_CHECK((v.sha[0] & 1) == 0);
		FUZZ_CHECK(memcmp(v.sha, zero, 6) != 0);
		FUZZ_CHECK(memcmp(v.sha, copy + 6, 6) == 0);
		FUZZ_CHECK(memcmp(&v.spa, copy + ETH_HDR_LEN + 14, 4) == 0);
		FUZZ_CHECK(memcmp(&v.tpa, copy + ETH_HDR_LEN + 24, 4) == 0);

		/* Round trip through the builder. */
		arp_build(again, v.op, v.sha, v.spa,
				v.op == ARP_OP_REPLY ? copy : NULL, v.tpa);
		memset(&w, 0, sizeof(w));
		FUZZ_CHECK(arp_decode(again, sizeof(again), &w) == ARP_OK);
		FUZZ_CHECK(memcmp(&v, &w, sizeof(v)) == 0);
	}
	free(copy);
	return 0;
}
