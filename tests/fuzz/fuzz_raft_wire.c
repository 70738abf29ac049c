/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: raft_decode (include/rumor/raft_wire.h) on arbitrary
 * bytes taken as a whole Raft message, and raft_entry_decode,
 * raft_epoch_decode and raft_voter_change_decode on the same bytes, and
 * raft_env_decode (include/rumor/raft_env.h), the envelope a Raft message
 * travels in. When a decoder accepts, every field is within its range,
 * and the encoder gives back the same bytes and refuses a buffer one
 * byte short.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/raft_wire.h"
#include "rumor/ring.h"
#include "fuzz.h"
#include "rumor/raft_env.h"

static void
check_msg(const uint8_t *copy, size_t size)
{
	static struct raft_msg m;
	enum raft_wire_error e = raft_decode(copy, size, &m);

	FUZZ_VERDICT(e, RAFT_WIRE_ERROR_MAX, raft_wire_error_name,
			size < RAFT_HDR_LEN, RAFT_WIRE_SHORT);
	if (e != RAFT_WIRE_OK)
		return;
	FUZZ_CHECK(m.type >= RAFT_PREVOTE && m.type < RAFT_MSG_TYPE_MAX);
	FUZZ_CHECK(m.from != 0 && m.to != 0 && m.from != m.to);
	FUZZ_CHECK(size <= RAFT_MSG_MAX);
	FUZZ_CHECK(raft_encoded_len(&m) == size);
	FUZZ_CHECK(m.n_entries <= RAFT_APPEND_ENTRIES_MAX);
	for (unsigned int i = 0; i < m.n_entries; i++) {
		const struct raft_entry *en = &m.entries[i];

		FUZZ_CHECK(raft_entry_check(en) == RAFT_WIRE_OK);
		FUZZ_CHECK(en->index == m.index + 1 + i);
		FUZZ_CHECK(en->term <= m.term);
		/* Payloads lie inside the message. */
		FUZZ_CHECK(en->len == 0 || (en->data >= copy &&
				en->data + en->len <= copy + size));
	}
	if (m.type == RAFT_SNAPSHOT) {
		FUZZ_CHECK(m.n_voters >= 1 && m.n_voters <= RAFT_VOTERS_MAX);
		FUZZ_CHECK((uint64_t)m.snap_offset + m.chunk_len <=
				m.snap_total);
		FUZZ_CHECK(m.snap_total <= RAFT_SNAP_MAX);
		FUZZ_CHECK(m.chunk_len == 0 || (m.chunk >= copy &&
				m.chunk + m.chunk_len <= copy + size));
	}
	FUZZ_ENCODES_AGAIN(raft_encode(&m, again_, cap_), copy, size);
}

static void
check_payloads(const uint8_t *copy, size_t size)
{
	static struct raft_epoch ep;
	struct raft_voter_change vc;
	struct raft_entry en;

	if (raft_entry_decode(copy, size, &en) == RAFT_WIRE_OK) {
		FUZZ_CHECK(size == RAFT_ENTRY_HDR_LEN + (size_t)en.len);
		FUZZ_ENCODES_AGAIN(raft_entry_encode(&en, again_, cap_), copy,
				size);
	}
	if (raft_epoch_decode(copy, size, &ep) == RAFT_WIRE_OK) {
		FUZZ_CHECK(ep.epoch != 0);
		FUZZ_CHECK(ep.n_members >= 1 &&
				ep.n_members <= RAFT_EPOCH_MEMBERS_MAX);
		for (unsigned int i = 0; i < ep.n_members; i++) {
			const struct raft_epoch_member *mb = &ep.members[i];

			FUZZ_CHECK(mb->id != 0);
			FUZZ_CHECK(mb->weight >= 1 &&
					mb->weight <= RING_WEIGHT_MAX);
			FUZZ_CHECK(i == 0 || mb->id > mb[-1].id);
		}
		FUZZ_ENCODES_AGAIN(raft_epoch_encode(&ep, again_, cap_), copy,
				size);
	}
	if (raft_voter_change_decode(copy, size, &vc) == RAFT_WIRE_OK) {
		uint8_t b[RAFT_VOTER_CHANGE_LEN];

		FUZZ_CHECK(size == RAFT_VOTER_CHANGE_LEN && vc.id != 0);
		FUZZ_CHECK(raft_voter_change_encode(&vc, b, sizeof(b)) ==
				sizeof(b));
		FUZZ_CHECK(memcmp(b, copy, sizeof(b)) == 0);
	}
}

static void
check_env(const uint8_t *copy, size_t size)
{
	static struct raft_env e;
	static uint8_t again[RAFT_ENV_MAX];
	size_t n;

	if (raft_env_decode(copy, size, &e) < 0)
		return;
	FUZZ_CHECK(size >= RAFT_ENV_HDR_LEN && size <= RAFT_ENV_MAX);
	if (e.kind == RAFT_ENV_MSG) {
		n = raft_env_encode_msg(e.voters_hash, e.body, e.body_len,
				again, sizeof(again));
		FUZZ_CHECK(n == size && memcmp(again, copy, size) == 0);
		check_msg(e.body, e.body_len);
		return;
	}
	FUZZ_CHECK(e.kind == RAFT_ENV_VOTERS);
	FUZZ_CHECK(e.n_voters >= 1 && e.n_voters <= RAFT_VOTERS_MAX);
	FUZZ_CHECK(raft_env_voters_hash(e.voters, e.n_voters) ==
			e.voters_hash);
	n = raft_env_encode_voters(e.voters, e.n_voters, again,
			sizeof(again));
	FUZZ_CHECK(n == size && memcmp(again, copy, size) == 0);
	FUZZ_CHECK(raft_env_encode_voters(e.voters, e.n_voters, again,
			size - 1) == 0);
}

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	check_msg(copy, size);
	check_payloads(copy, size);
	check_env(copy, size);
}

FUZZ_TARGET(fuzz_one)
