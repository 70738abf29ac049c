/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: ring epochs as they travel (include/rumor/raft_wire.h)
 * and as they are rebuilt (include/rumor/epoch_plan.h). The bytes are taken as
 * a RING_DELTA payload and as a whole epoch (a snapshot's state). When a
 * decoder accepts, every field is within its range and the encoder gives
 * back the same bytes (and refuses a buffer one byte short); an accepted
 * delta is applied to a fixed epoch of 3 members and to none, and
 * whatever epoch_apply accepts has the member count and the hash the
 * delta names, encodes, and is sorted (an input with a wrong hash is
 * tried again with the hash of what the merge made); an accepted epoch
 * hashes as its bytes do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "rumor/raft_wire.h"
#include "rumor/ring.h"
#include "rumor/epoch_plan.h"
#include "fuzz.h"

static uint8_t out[RAFT_EPOCH_HDR_LEN +
		RAFT_EPOCH_MEMBERS_MAX * RAFT_EPOCH_MEMBER_LEN];

/* Epoch 7 of members 1, 2 and 3, as a delta's base. */
static void
base_make(struct raft_epoch *b)
{
	b->epoch = 7;
	b->n_members = 3;
	for (uint32_t i = 0; i < 3; i++)
		b->members[i] = (struct raft_epoch_member){
			.id = i + 1, .ip = 0x0a000001 + i, .port = 7946,
			.weight = 1,
		};
}

static void
check_applied(const struct raft_epoch *e, const struct raft_epoch_delta *d)
{
	size_t len;

	FUZZ_CHECK(e->epoch == d->epoch);
	FUZZ_CHECK(e->n_members == d->n_members && e->n_members >= 1);
	FUZZ_CHECK(epoch_hash(e) == d->hash);
	for (uint32_t i = 1; i < e->n_members; i++)
		FUZZ_CHECK(e->members[i].id > e->members[i - 1].id);
	len = raft_epoch_encode(e, out, sizeof(out));
	FUZZ_CHECK(len == RAFT_EPOCH_HDR_LEN +
			(size_t)e->n_members * RAFT_EPOCH_MEMBER_LEN);
	FUZZ_CHECK(XXH3_64bits(out, len) == d->hash);
}

static void
check_delta(const uint8_t *copy, size_t size)
{
	static struct raft_epoch_delta d;
	static struct raft_epoch base, e;
	struct raft_entry en = { .term = 1, .index = 1,
			.type = RAFT_ENTRY_RING_DELTA, .data = copy };

	if (raft_delta_decode(copy, size, &d) != RAFT_WIRE_OK)
		return;
	FUZZ_CHECK(size == RAFT_DELTA_HDR_LEN + 4 * (size_t)d.n_removed +
			RAFT_EPOCH_MEMBER_LEN * (size_t)d.n_upserts);
	FUZZ_CHECK(size <= RAFT_ENTRY_DATA_MAX);
	FUZZ_CHECK(d.epoch != 0 && d.base < d.epoch);
	FUZZ_CHECK(d.n_removed + d.n_upserts >= 1);
	for (uint32_t i = 0; i < d.n_upserts; i++) {
		const struct raft_epoch_member *m = &d.upserts[i];

		FUZZ_CHECK(m->id != 0 && m->port != 0);
		FUZZ_CHECK(m->weight >= 1 && m->weight <= RING_WEIGHT_MAX);
	}
	FUZZ_CHECK(raft_delta_encode(&d, out, size) == size);
	FUZZ_CHECK(memcmp(out, copy, size) == 0);
	FUZZ_CHECK(raft_delta_encode(&d, out, size - 1) == 0);
	en.len = (uint16_t)size;
	FUZZ_CHECK(raft_entry_check(&en) == RAFT_WIRE_OK);
	FUZZ_CHECK(raft_entry_epoch(&en) == d.epoch);

	base_make(&base);
	if (epoch_apply(&e, &base, &d) == 0) {
		FUZZ_CHECK(d.base == 7);
		check_applied(&e, &d);
	} else if (d.base == 7) {
		/*
		 * Inputs rarely carry the right hash: when the merge went
		 * through (out is written), try again with the hash of what
		 * it made, to reach the checks above.
		 */
		d.hash = epoch_hash(&e);
		if (epoch_apply(&e, &base, &d) == 0)
			check_applied(&e, &d);
	}
	if (epoch_apply(&e, NULL, &d) == 0) {
		FUZZ_CHECK(d.base == 0);
		check_applied(&e, &d);
	}
}

static void
check_epoch(const uint8_t *copy, size_t size)
{
	static struct raft_epoch e;

	if (raft_epoch_decode(copy, size, &e) != RAFT_WIRE_OK)
		return;
	FUZZ_CHECK(e.epoch != 0);
	FUZZ_CHECK(e.n_members >= 1 && e.n_members <= RAFT_EPOCH_MEMBERS_MAX);
	FUZZ_CHECK(raft_epoch_encode(&e, out, size) == size);
	FUZZ_CHECK(memcmp(out, copy, size) == 0);
	FUZZ_CHECK(raft_epoch_encode(&e, out, size - 1) == 0);
	FUZZ_CHECK(epoch_hash(&e) == XXH3_64bits(copy, size));
}

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	check_delta(copy, size);
	check_epoch(copy, size);
}

FUZZ_TARGET(fuzz_one)
