/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arp_decode (include/rumor/arp.h) on arbitrary bytes. An
 * accepted frame must hold what the decoder promises, and building a
 * frame from the decoded view must decode to the same view. arp_for_self
 * must agree with the decoded target, and arp_learn, fed the frame
 * against an entry whose state the input's tail chooses, may write the
 * entry's MAC only when it resolves it for the first time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/arp.h"
#include "fuzz.h"

/*
 * arp_learn on v against an entry for v.spa set up from the bytes after
 * the ARP frame (if any): resolved, asking, its MAC and the time.
 */
static void
learn_check(const struct arp_view *v, const uint8_t *p, size_t size)
{
	static const uint8_t self_mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t t[8] = { 0 };
	struct arp_entry e;
	enum arp_learn l;
	bool was;

	if (size > ARP_FRAME_LEN)
		memcpy(t, p + ARP_FRAME_LEN, size - ARP_FRAME_LEN < 8 ?
				size - ARP_FRAME_LEN : 8);
	memset(&e, 0, sizeof(e));
	e.ip = v->spa;
	e.resolved = t[0] & 1;
	if (t[0] & 2)
		arp_asked(&e, t[1]);
	e.port = t[0] >> 2 & 1;
	memcpy(e.mac, p + ETH_HDR_LEN + 18, 6);	/* tha: maybe sha. */
	was = e.resolved;
	l = arp_learn(&e, v, t[2] & 1, v->tpa ^ (t[2] & 2), self_mac,
			t[3], 100);
	if (l == ARP_LEARN_FIRST) {
		FUZZ_CHECK(!was && e.resolved);
		FUZZ_CHECK(memcmp(e.mac, v->sha, 6) == 0);
	} else {
		FUZZ_CHECK(was == e.resolved);
		FUZZ_CHECK(memcmp(e.mac, p + ETH_HDR_LEN + 18, 6) == 0);
	}
	if (arp_settle(&e, (uint64_t)t[3] + 100, 100, t[4] & 1) ==
			ARP_SETTLE_CHANGED)
		FUZZ_CHECK(l == ARP_LEARN_CANDIDATE && !(t[4] & 1));
}

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
		FUZZ_CHECK(memcmp(v.tha, copy + ETH_HDR_LEN + 18, 6) == 0);
		FUZZ_CHECK(arp_for_self(copy, (uint32_t)size, v.tpa));
		learn_check(&v, copy, size);

		/* Round trip through the builder. */
		arp_build(again, v.op, v.sha, v.spa,
				v.op == ARP_OP_REPLY ? v.tha : NULL, v.tpa);
		memset(&w, 0, sizeof(w));
		FUZZ_CHECK(arp_decode(again, sizeof(again), &w) == ARP_OK);
		/* A request is built with a zero target hardware address. */
		if (v.op == ARP_OP_REQUEST) {
			FUZZ_CHECK(memcmp(w.tha, zero, 6) == 0);
			memcpy(w.tha, v.tha, 6);
		}
		FUZZ_CHECK(memcmp(&v, &w, sizeof(v)) == 0);
	}
	free(copy);
	return 0;
}
