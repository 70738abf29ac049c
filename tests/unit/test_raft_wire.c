/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Raft message codec (include/rumor/raft_wire.h): round trips of
 * every type, with the layout of the header comment checked byte by
 * byte; every truncation and a one-byte extension of each; each field
 * out of its range, with the verdict it must get; encoder refusals;
 * entry, ring epoch and voter change payloads on their own; and random
 * corruption (what decodes must encode back to the same bytes). Buffers
 * are allocated at their exact length so that ASan catches any read or
 * write beyond them.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/raft_wire.h"
#include "rumor/ring.h"
#include "test.h"

static uint8_t epoch_buf[RAFT_ENTRY_DATA_MAX];
static size_t epoch_len;
static uint8_t voter_buf[RAFT_VOTER_CHANGE_LEN];
static uint8_t chunk_buf[RAFT_SNAP_CHUNK_MAX];

/* A ring epoch with n members, patterned. */
static struct raft_epoch
epoch_make(unsigned int n)
{
	struct raft_epoch e;

	memset(&e, 0, sizeof(e));
	e.epoch = 0x0102030405060708ull;
	e.n_members = (uint16_t)n;
	for (unsigned int i = 0; i < n; i++)
		e.members[i] = (struct raft_epoch_member){
			.id = 0x100 + i * 3, .ip = htonl(0x0a000001 + i),
			.port = (uint16_t)(7000 + i),
			.zone = (uint8_t)(i == 1 ? 255 : i * 7),
			.weight = i == 0 ? 1 : i == 1 ? RING_WEIGHT_MAX :
					1 + i % RING_WEIGHT_MAX,
		};
	return e;
}

/* A valid message of this type; APPEND with the three entry types. */
static struct raft_msg
msg_make(uint8_t type)
{
	struct raft_msg m;
	struct raft_epoch ep = epoch_make(3);
	struct raft_voter_change vc = { RAFT_VOTER_ADD, 0x77 };

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.from = 0x01020304;
	m.to = 0x05060708;
	m.term = 0x1122334455ull;
	switch (type) {
	case RAFT_PREVOTE:
	case RAFT_VOTE:
		m.flags = type == RAFT_VOTE ? RAFT_F_TRANSFER : 0;
		m.index = 0x998877ull;
		m.log_term = 0x1122334454ull;
		break;
	case RAFT_PREVOTE_RESP:
	case RAFT_VOTE_RESP:
		m.flags = type == RAFT_VOTE_RESP ? RAFT_F_REJECT : 0;
		break;
	case RAFT_APPEND:
		m.index = 100;
		m.log_term = 0x1122334400ull;
		m.commit = 99;
		epoch_len = raft_epoch_encode(&ep, epoch_buf,
				sizeof(epoch_buf));
		raft_voter_change_encode(&vc, voter_buf, sizeof(voter_buf));
		m.entries[0] = (struct raft_entry){ .term = m.log_term,
				.index = 101, .type = RAFT_ENTRY_RING_EPOCH,
				.len = (uint16_t)epoch_len, .data = epoch_buf };
		m.entries[1] = (struct raft_entry){ .term = m.term,
				.index = 102, .type = RAFT_ENTRY_NOOP };
		m.entries[2] = (struct raft_entry){ .term = m.term,
				.index = 103, .type = RAFT_ENTRY_VOTER,
				.len = RAFT_VOTER_CHANGE_LEN,
				.data = voter_buf };
		m.n_entries = 3;
		break;
	case RAFT_APPEND_RESP:
		m.flags = RAFT_F_REJECT;
		m.index = 500;
		m.hint_index = 400;
		m.hint_term = 0x1122334400ull;
		break;
	case RAFT_HEARTBEAT:
		m.commit = 0xabcdef;
		break;
	case RAFT_SNAPSHOT:
		m.index = 1000;
		m.log_term = 0x1122334400ull;
		m.snap_total = 3000;
		m.snap_offset = 1024;
		m.chunk_len = RAFT_SNAP_CHUNK_MAX;
		for (unsigned int i = 0; i < RAFT_SNAP_CHUNK_MAX; i++)
			chunk_buf[i] = (uint8_t)(i * 7);
		m.chunk = chunk_buf;
		m.n_voters = 5;
		for (unsigned int i = 0; i < 5; i++)
			m.voters[i] = 0x10 + i;
		break;
	case RAFT_SNAPSHOT_RESP:
		m.index = 1000;
		m.snap_offset = 2048;
		break;
	default:
		break;
	}
	return m;
}

static bool
msg_equal(const struct raft_msg *a, const struct raft_msg *b)
{
	if (a->type != b->type || a->flags != b->flags ||
			a->from != b->from || a->to != b->to)
		return false;
	/* The term, and the fields of the body the type has. */
	if (a->index != b->index || a->log_term != b->log_term ||
			a->commit != b->commit ||
			a->n_entries != b->n_entries ||
			a->hint_index != b->hint_index ||
			a->hint_term != b->hint_term ||
			a->snap_total != b->snap_total ||
			a->snap_offset != b->snap_offset ||
			a->chunk_len != b->chunk_len ||
			a->n_voters != b->n_voters || a->term != b->term)
		return false;
	for (unsigned int i = 0; i < a->n_entries; i++) {
		const struct raft_entry *x = &a->entries[i];
		const struct raft_entry *y = &b->entries[i];

		if (x->term != y->term || x->index != y->index ||
				x->type != y->type || x->len != y->len ||
				(x->len > 0 &&
				memcmp(x->data, y->data, x->len) != 0))
			return false;
	}
	for (unsigned int i = 0; i < a->n_voters; i++)
		if (a->voters[i] != b->voters[i])
			return false;
	return a->chunk_len == 0 ||
			memcmp(a->chunk, b->chunk, a->chunk_len) == 0;
}

/* Encode m exactly; decode an exact copy (test.h). */
#define msg_encode_exact(m, len) \
	TEST_ENCODE_EXACT(raft_encode, (m), raft_encoded_len(m), (len))
#define decode_exact(buf, len, out) \
	TEST_DECODE_EXACT(raft_decode, (buf), (len), (out))

static void
test_round_trip(void)
{
	uint8_t big[RAFT_MSG_MAX + 16];

	for (uint8_t t = RAFT_PREVOTE; t < RAFT_MSG_TYPE_MAX; t++) {
		struct raft_msg m = msg_make(t), d;
		size_t len, want = raft_encoded_len(&m);
		uint8_t *buf = msg_encode_exact(&m, &len), *copy, *odd;

		if (!CHECK_EQ(len, want)) {
			fprintf(stderr, "  type %s\n", raft_msg_type_name(t));
			free(buf);
			continue;
		}
		/* The header of the layout comment. */
		CHECK_EQ(buf[0], t);
		CHECK_EQ(buf[1], m.flags);
		CHECK_EQ(buf[2] | buf[3], 0);
		CHECK_EQ(test_get(buf + 12, 8), m.term);
		/* The entries point into the copy: it stays till compared. */
		copy = test_copy_exact(buf, len);
		CHECK_EQ(raft_decode(copy, len, &d), RAFT_WIRE_OK);
		CHECK(msg_equal(&m, &d));
		free(copy);

		memset(big, 0xa5, sizeof(big));
		CHECK_EQ(raft_encode(&m, big, sizeof(big)), want);
		CHECK(memcmp(big, buf, want) == 0);
		CHECK_UNTOUCHED(big + want, sizeof(big) - want, 0xa5);
		/* One byte short of room: refused, as is an odd address. */
		CHECK_EQ(raft_encode(&m, big, want - 1), 0);
		odd = test_alloc_exact(want + 1);
		memcpy(odd + 1, buf, want);
		CHECK_EQ(raft_decode(odd + 1, want, &d), RAFT_WIRE_OK);
		CHECK(msg_equal(&m, &d));
		free(odd);
		free(buf);
	}

	/* Layout of the body of an APPEND and its first entry. */
	{
		struct raft_msg m = msg_make(RAFT_APPEND);
		size_t len;
		uint8_t *b = msg_encode_exact(&m, &len);

		CHECK_EQ(test_get(b + 20, 8), 100);
		CHECK_EQ(test_get(b + 28, 8), m.log_term);
		CHECK_EQ(test_get(b + 36, 8), 99);
		CHECK_EQ(b[44] << 8 | b[45], 3);
		CHECK_EQ(test_get(b + 48, 8), m.entries[0].term);
		CHECK_EQ(test_get(b + 56, 8), 101);
		CHECK_EQ(b[64], RAFT_ENTRY_RING_EPOCH);
		CHECK_EQ(b[66] << 8 | b[67], epoch_len);
		CHECK(memcmp(b + 68, epoch_buf, epoch_len) == 0);
		free(b);
	}

	/* The largest messages: a full APPEND and a full epoch. */
	{
		struct raft_msg m = msg_make(RAFT_APPEND), d;
		static struct raft_epoch ep, de;
		static uint8_t big_epoch[RAFT_ENTRY_DATA_MAX];
		size_t el, len;
		uint8_t *b;

		ep = epoch_make(RAFT_EPOCH_ENTRY_MEMBERS_MAX);
		el = raft_epoch_encode(&ep, big_epoch, sizeof(big_epoch));
		CHECK_EQ(el, RAFT_ENTRY_DATA_MAX - (RAFT_ENTRY_DATA_MAX -
				RAFT_EPOCH_HDR_LEN) % RAFT_EPOCH_MEMBER_LEN);
		CHECK_EQ(raft_epoch_decode(big_epoch, el, &de), RAFT_WIRE_OK);
		CHECK_EQ(de.n_members, RAFT_EPOCH_ENTRY_MEMBERS_MAX);
		for (unsigned int i = 0; i < de.n_members; i++) {
			const struct raft_epoch_member *x = &ep.members[i];
			const struct raft_epoch_member *y = &de.members[i];

			if (!CHECK(x->id == y->id && x->ip == y->ip &&
					x->port == y->port &&
					x->zone == y->zone &&
					x->weight == y->weight))
				break;
		}
		m.n_entries = 1;
		m.entries[0].len = (uint16_t)el;
		m.entries[0].data = big_epoch;
		b = msg_encode_exact(&m, &len);
		CHECK(len > 0 && len <= RAFT_MSG_MAX);
		CHECK_EQ(decode_exact(b, len, &d), RAFT_WIRE_OK);
		free(b);

		m = msg_make(RAFT_APPEND);
		m.n_entries = RAFT_APPEND_ENTRIES_MAX;
		for (unsigned int i = 0; i < RAFT_APPEND_ENTRIES_MAX; i++)
			m.entries[i] = (struct raft_entry){ .term = m.term,
					.index = m.index + 1 + i,
					.type = RAFT_ENTRY_NOOP };
		b = msg_encode_exact(&m, &len);
		CHECK_EQ(len, RAFT_APPEND_FIXED +
				RAFT_APPEND_ENTRIES_MAX * RAFT_ENTRY_HDR_LEN);
		CHECK_EQ(decode_exact(b, len, &d), RAFT_WIRE_OK);
		CHECK(msg_equal(&m, &d));
		free(b);
	}
}

/* Every prefix is refused; so is one byte more. */
static void
test_truncation(void)
{
	for (uint8_t t = RAFT_PREVOTE; t < RAFT_MSG_TYPE_MAX; t++) {
		struct raft_msg m = msg_make(t), d;
		size_t len;
		uint8_t *buf = msg_encode_exact(&m, &len), *more;

		for (size_t cut = 0; cut < len; cut++) {
			enum raft_wire_error e = decode_exact(buf, cut, &d);

			if (!CHECK(e != RAFT_WIRE_OK))
				fprintf(stderr, "  %s cut at %zu accepted\n",
						raft_msg_type_name(t), cut);
			if (cut < RAFT_HDR_LEN)
				CHECK_EQ(e, RAFT_WIRE_SHORT);
		}
		more = test_alloc_exact(len + 1);
		memcpy(more, buf, len);
		more[len] = 0;
		CHECK_EQ(raft_decode(more, len + 1, &d), RAFT_WIRE_LENGTH);
		free(more);
		free(buf);
	}
	CHECK_EQ(raft_decode(NULL, 0, NULL), RAFT_WIRE_SHORT);
}

/* Random byte changes: refused, or accepted and re-encoded the same. */
static void
test_random(void)
{
	uint64_t seed = 42;
	unsigned int accepted = 0;

	for (int round = 0; round < 20000; round++) {
		uint8_t t = (uint8_t)(RAFT_PREVOTE +
				test_rand(&seed) % (RAFT_MSG_TYPE_MAX - 1));
		struct raft_msg m = msg_make(t), d;
		size_t len;
		uint8_t *buf = msg_encode_exact(&m, &len);
		int flips = 1 + (int)(test_rand(&seed) % 3);

		for (int f = 0; f < flips; f++)
			buf[test_rand(&seed) % len] ^=
					(uint8_t)(1u << (test_rand(&seed) % 8));
		accepted += TEST_ACCEPTS(raft_decode, RAFT_WIRE_OK,
				raft_encode, buf, len, &d);
		free(buf);
	}
	/* Some changes are harmless (payload bytes, ids, terms). */
	CHECK(accepted > 0);
}

/* Decode m's bytes with one change made by fix; check the verdict. */
static void
check_bad(uint8_t type, size_t off, int width, uint64_t v,
		enum raft_wire_error want, int line)
{
	struct raft_msg m = msg_make(type), d;
	size_t len;
	uint8_t *buf = msg_encode_exact(&m, &len);
	enum raft_wire_error e;

	test_put(buf + off, (unsigned int)width, v);
	e = raft_decode(buf, len, &d);
	if (!CHECK_EQ(e, want))
		fprintf(stderr, "  (line %d: %s offset %zu set to %#" PRIx64
				" gives %s, not %s)\n", line,
				raft_msg_type_name(type), off, v,
				raft_wire_error_name(e),
				raft_wire_error_name(want));
	free(buf);
}

#define BAD(type, off, width, v, want) \
	check_bad((type), (off), (width), (v), (want), __LINE__)

/* What every type's header refuses. */
static const struct {
	size_t off;
	int width;
	uint64_t v;
	enum raft_wire_error want;
} hdr_cases[] = {
	/* Type, reserved, addresses, term. */
	{ 0, 1, 0, RAFT_WIRE_TYPE }, { 0, 1, 0xff, RAFT_WIRE_TYPE },
	{ 0, 1, RAFT_MSG_TYPE_MAX, RAFT_WIRE_TYPE },
	{ 2, 2, 1, RAFT_WIRE_TYPE }, { 2, 2, 0x8000, RAFT_WIRE_TYPE },
	{ 4, 4, 0, RAFT_WIRE_ADDRESS }, { 8, 4, 0, RAFT_WIRE_ADDRESS },
	{ 8, 4, 0x01020304, RAFT_WIRE_ADDRESS },
	{ 12, 8, (uint64_t)1 << 62, RAFT_WIRE_TERM },
	{ 12, 8, UINT64_MAX, RAFT_WIRE_TERM },
	/* Unknown flag bits, and the other type's flag. */
	{ 1, 1, 0x80, RAFT_WIRE_FLAGS }, { 1, 1, 0x04, RAFT_WIRE_FLAGS },
};

static void
test_fields(void)
{
	const uint64_t term = 0x1122334455ull;
	/* Offsets in APPEND: entries at 48 (epoch), then noop, voter. */
	const size_t e0 = RAFT_APPEND_FIXED;
	size_t e1, e2, p0;

	(void)msg_make(RAFT_APPEND);
	e1 = e0 + RAFT_ENTRY_HDR_LEN + epoch_len;
	e2 = e1 + RAFT_ENTRY_HDR_LEN;
	p0 = e0 + RAFT_ENTRY_HDR_LEN;

	for (uint8_t t = RAFT_PREVOTE; t < RAFT_MSG_TYPE_MAX; t++)
		for (size_t i = 0; i < TEST_DIM(hdr_cases); i++)
			BAD(t, hdr_cases[i].off, hdr_cases[i].width,
					hdr_cases[i].v, hdr_cases[i].want);
	BAD(RAFT_PREVOTE, 1, 1, RAFT_F_REJECT, RAFT_WIRE_FLAGS);
	BAD(RAFT_VOTE_RESP, 1, 1, RAFT_F_TRANSFER, RAFT_WIRE_FLAGS);
	BAD(RAFT_APPEND, 1, 1, RAFT_F_REJECT, RAFT_WIRE_FLAGS);
	BAD(RAFT_HEARTBEAT, 1, 1, RAFT_F_REJECT, RAFT_WIRE_FLAGS);
	BAD(RAFT_PREVOTE_RESP, 1, 1, RAFT_F_REJECT, RAFT_WIRE_OK);
	BAD(RAFT_PREVOTE, 1, 1, RAFT_F_TRANSFER, RAFT_WIRE_OK);
	/* LOST: only on a rejecting APPEND_RESP. */
	BAD(RAFT_APPEND_RESP, 1, 1, RAFT_F_REJECT | RAFT_F_LOST, RAFT_WIRE_OK);
	BAD(RAFT_VOTE_RESP, 1, 1, RAFT_F_REJECT | RAFT_F_LOST,
			RAFT_WIRE_FLAGS);
	/* Responses may speak at term 0 (a node that never voted). */
	BAD(RAFT_PREVOTE_RESP, 12, 8, 0, RAFT_WIRE_OK);
	BAD(RAFT_APPEND_RESP, 12, 8, 0, RAFT_WIRE_TERM);
	/* Leaders' messages and candidates' have a term. */
	BAD(RAFT_PREVOTE, 12, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_HEARTBEAT, 12, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_TIMEOUT_NOW, 12, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_SNAPSHOT, 12, 8, 0, RAFT_WIRE_TERM);

	/* Votes: the log ends before the term; index 0 iff term 0. */
	BAD(RAFT_VOTE, 28, 8, term, RAFT_WIRE_TERM);
	BAD(RAFT_VOTE, 28, 8, term + 1, RAFT_WIRE_TERM);
	BAD(RAFT_VOTE, 28, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_VOTE, 20, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_VOTE, 20, 8, (uint64_t)1 << 62, RAFT_WIRE_TERM);

	/* APPEND: prev, reserved, count, entries. */
	BAD(RAFT_APPEND, 28, 8, term + 1, RAFT_WIRE_TERM);
	BAD(RAFT_APPEND, 28, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_APPEND, 36, 8, (uint64_t)1 << 62, RAFT_WIRE_TERM);
	BAD(RAFT_APPEND, 46, 2, 1, RAFT_WIRE_TYPE);
	BAD(RAFT_APPEND, 44, 2, 2, RAFT_WIRE_LENGTH);
	BAD(RAFT_APPEND, 44, 2, 4, RAFT_WIRE_LENGTH);
	BAD(RAFT_APPEND, 44, 2, 0, RAFT_WIRE_LENGTH);
	BAD(RAFT_APPEND, 44, 2, RAFT_APPEND_ENTRIES_MAX + 1,
			RAFT_WIRE_LENGTH);
	BAD(RAFT_APPEND, e0 + 18, 2, epoch_len + 1, RAFT_WIRE_LENGTH);
	BAD(RAFT_APPEND, e0 + 18, 2, 0xffff, RAFT_WIRE_LENGTH);
	BAD(RAFT_APPEND, e0 + 17, 1, 1, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e0 + 16, 1, 0, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e0 + 16, 1, RAFT_ENTRY_TYPE_MAX, RAFT_WIRE_ENTRY);
	/* Out of sequence, terms falling or ahead of the message. */
	BAD(RAFT_APPEND, e0 + 8, 8, 100, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e0 + 8, 8, 102, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e2 + 8, 8, 104, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e0, 8, 0x1122334400ull - 1, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e1, 8, 0x1122334400ull - 1, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e2, 8, term + 1, RAFT_WIRE_ENTRY);
	BAD(RAFT_APPEND, e0, 8, term, RAFT_WIRE_OK);
	/* Payloads: a no-op is empty, the others as their type says. */
	BAD(RAFT_APPEND, e1 + 16, 1, RAFT_ENTRY_VOTER, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, e2 + 16, 1, RAFT_ENTRY_NOOP, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, e2 + 16, 1, RAFT_ENTRY_RING_EPOCH,
			RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, e2 + 20, 1, 0, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, e2 + 20, 1, RAFT_VOTER_OP_MAX, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, e2 + 20, 1, RAFT_VOTER_REMOVE, RAFT_WIRE_OK);
	BAD(RAFT_APPEND, e2 + 21, 1, 1, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, e2 + 22, 2, 1, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, e2 + 24, 4, 0, RAFT_WIRE_PAYLOAD);
	/* Ring epoch: number, count, reserved, members. */
	BAD(RAFT_APPEND, p0, 8, 0, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, p0 + 8, 2, 0, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, p0 + 8, 2, 2, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, p0 + 8, 2, 4, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, p0 + 10, 2, 1, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, p0 + 12, 4, 1, RAFT_WIRE_PAYLOAD);
	for (size_t mb = p0 + 16; mb < p0 + epoch_len; mb += 16) {
		BAD(RAFT_APPEND, mb, 4, 0, RAFT_WIRE_PAYLOAD);
		BAD(RAFT_APPEND, mb + 8, 2, 0, RAFT_WIRE_PAYLOAD);
		BAD(RAFT_APPEND, mb + 10, 2, 1, RAFT_WIRE_PAYLOAD);
		/* Any zone; the byte after it is reserved. */
		BAD(RAFT_APPEND, mb + 11, 1, 0x80, RAFT_WIRE_PAYLOAD);
		BAD(RAFT_APPEND, mb + 10, 1, 0, RAFT_WIRE_OK);
		BAD(RAFT_APPEND, mb + 10, 1, 0xff, RAFT_WIRE_OK);
		BAD(RAFT_APPEND, mb + 12, 4, 0, RAFT_WIRE_PAYLOAD);
		BAD(RAFT_APPEND, mb + 12, 4, RING_WEIGHT_MAX + 1,
				RAFT_WIRE_PAYLOAD);
		BAD(RAFT_APPEND, mb + 12, 4, RING_WEIGHT_MAX, RAFT_WIRE_OK);
		BAD(RAFT_APPEND, mb + 4, 4, 0, RAFT_WIRE_OK);
	}
	/* Members out of order, or twice. */
	BAD(RAFT_APPEND, p0 + 16, 4, 0x103, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, p0 + 32, 4, 0x106, RAFT_WIRE_PAYLOAD);
	BAD(RAFT_APPEND, p0 + 32, 4, 0x102, RAFT_WIRE_OK);

	/* APPEND_RESP: hints below the index, none when accepted. */
	BAD(RAFT_APPEND_RESP, 28, 8, 501, RAFT_WIRE_TERM);
	BAD(RAFT_APPEND_RESP, 36, 8, term + 1, RAFT_WIRE_TERM);
	BAD(RAFT_APPEND_RESP, 20, 8, (uint64_t)1 << 62, RAFT_WIRE_TERM);
	BAD(RAFT_APPEND_RESP, 1, 1, 0, RAFT_WIRE_TERM);

	/* SNAPSHOT: positions, sizes, voters. */
	BAD(RAFT_SNAPSHOT, 20, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_SNAPSHOT, 28, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_SNAPSHOT, 28, 8, term + 1, RAFT_WIRE_TERM);
	BAD(RAFT_SNAPSHOT, 36, 4, 2047, RAFT_WIRE_SNAPSHOT);
	BAD(RAFT_SNAPSHOT, 36, 4, RAFT_SNAP_MAX + 1, RAFT_WIRE_SNAPSHOT);
	BAD(RAFT_SNAPSHOT, 40, 4, 2000, RAFT_WIRE_SNAPSHOT);
	BAD(RAFT_SNAPSHOT, 40, 4, 1976, RAFT_WIRE_OK);
	BAD(RAFT_SNAPSHOT, 40, 4, UINT32_MAX, RAFT_WIRE_SNAPSHOT);
	BAD(RAFT_SNAPSHOT, 44, 2, RAFT_SNAP_CHUNK_MAX + 1, RAFT_WIRE_LENGTH);
	BAD(RAFT_SNAPSHOT, 46, 1, 0, RAFT_WIRE_LENGTH);
	BAD(RAFT_SNAPSHOT, 46, 1, RAFT_VOTERS_MAX + 1, RAFT_WIRE_LENGTH);
	BAD(RAFT_SNAPSHOT, 47, 1, 1, RAFT_WIRE_TYPE);
	BAD(RAFT_SNAPSHOT, 48, 4, 0, RAFT_WIRE_SNAPSHOT);
	BAD(RAFT_SNAPSHOT, 64, 4, 0x10, RAFT_WIRE_SNAPSHOT);
	BAD(RAFT_SNAPSHOT_RESP, 20, 8, 0, RAFT_WIRE_TERM);
	BAD(RAFT_SNAPSHOT_RESP, 28, 4, RAFT_SNAP_MAX + 1, RAFT_WIRE_SNAPSHOT);
	BAD(RAFT_SNAPSHOT_RESP, 32, 4, 1, RAFT_WIRE_TYPE);

	/* A SNAPSHOT without voters, with its length to match. */
	{
		struct raft_msg m = msg_make(RAFT_SNAPSHOT), d;
		size_t len;
		uint8_t *b;

		m.n_voters = 0;
		CHECK_EQ(raft_encode(&m, chunk_buf, 0), 0);
		m.n_voters = 5;
		m.chunk_len = 0;
		b = msg_encode_exact(&m, &len);
		CHECK_EQ(len, 0);
		free(b);
		m.snap_total = 0;
		m.snap_offset = 0;
		b = msg_encode_exact(&m, &len);
		CHECK_EQ(decode_exact(b, len, &d), RAFT_WIRE_OK);
		b[46] = 0;
		CHECK_EQ(decode_exact(b, len - 20, &d), RAFT_WIRE_SNAPSHOT);
		free(b);
	}
}

/* The encoder refuses what the decoder would. */
static void
test_encoder(void)
{
	uint8_t buf[RAFT_MSG_MAX];
	struct raft_msg m;

	m = msg_make(RAFT_PREVOTE);
	m.from = 0;
	CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);
	m = msg_make(RAFT_PREVOTE);
	m.type = 0;
	CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);
	m = msg_make(RAFT_PREVOTE);
	m.flags = RAFT_F_REJECT;
	CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);
	m = msg_make(RAFT_APPEND);
	m.entries[1].index = 7;
	CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);
	m = msg_make(RAFT_APPEND);
	m.n_entries = RAFT_APPEND_ENTRIES_MAX + 1;
	CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);
	m = msg_make(RAFT_APPEND);
	m.entries[0].len = 3;
	CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);
	/* Entries that do not fit one message. */
	m = msg_make(RAFT_APPEND);
	m.n_entries = 2;
	m.entries[1] = m.entries[0];
	m.entries[1].index = 102;
	{
		static uint8_t big[RAFT_ENTRY_DATA_MAX];
		struct raft_epoch ep = epoch_make(RAFT_EPOCH_ENTRY_MEMBERS_MAX);
		uint16_t l = (uint16_t)raft_epoch_encode(&ep, big,
				sizeof(big));

		m.entries[0].data = m.entries[1].data = big;
		m.entries[0].len = m.entries[1].len = l;
		CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);
	}
	m = msg_make(RAFT_SNAPSHOT);
	m.voters[1] = m.voters[0];
	CHECK_EQ(raft_encode(&m, buf, sizeof(buf)), 0);

	/* Payloads. */
	{
		struct raft_epoch ep = epoch_make(3), d;
		struct raft_voter_change vc = { RAFT_VOTER_REMOVE, 9 }, dv;
		size_t len;

		ep.members[1].id = ep.members[0].id;
		CHECK_EQ(raft_epoch_encode(&ep, buf, sizeof(buf)), 0);
		ep = epoch_make(3);
		CHECK_EQ(raft_epoch_encode(&ep, buf, 16 + 47), 0);
		len = raft_epoch_encode(&ep, buf, 16 + 48);
		CHECK_EQ(len, 64);
		CHECK_EQ(raft_epoch_decode(buf, len, &d), RAFT_WIRE_OK);
		CHECK_EQ(d.members[2].port, 7002);
		/* The zone in the first byte of the u16 after the port. */
		CHECK(buf[16 + 16 + 10] == 255 && buf[16 + 16 + 11] == 0);
		CHECK(buf[16 + 32 + 10] == 14 && buf[16 + 32 + 11] == 0);
		CHECK(d.members[0].zone == 0 && d.members[1].zone == 255 &&
				d.members[2].zone == 14);
		CHECK_EQ(raft_epoch_decode(buf, len - 1, &d),
				RAFT_WIRE_PAYLOAD);
		ep.n_members = RAFT_EPOCH_MEMBERS_MAX + 1;
		CHECK_EQ(raft_epoch_encode(&ep, buf, sizeof(buf)), 0);
		CHECK_EQ(raft_voter_change_encode(&vc, buf, 7), 0);
		CHECK_EQ(raft_voter_change_encode(&vc, buf, 8), 8);
		CHECK_EQ(raft_voter_change_decode(buf, 8, &dv), RAFT_WIRE_OK);
		CHECK_EQ(dv.id, 9);
		CHECK_EQ(raft_voter_change_decode(buf, 9, &dv),
				RAFT_WIRE_PAYLOAD);
		vc.id = 0;
		CHECK_EQ(raft_voter_change_encode(&vc, buf, 8), 0);
	}

	/* An entry alone (the log record body). */
	{
		struct raft_msg a = msg_make(RAFT_APPEND);
		struct raft_entry e;
		size_t len = raft_entry_encode(&a.entries[0], buf,
				sizeof(buf));
		uint8_t *exact = test_alloc_exact(len);

		CHECK_EQ(len, RAFT_ENTRY_HDR_LEN + epoch_len);
		memcpy(exact, buf, len);
		CHECK_EQ(raft_entry_decode(exact, len, &e), RAFT_WIRE_OK);
		CHECK_EQ(e.index, 101);
		CHECK_EQ(raft_entry_decode(exact, len - 1, &e),
				RAFT_WIRE_LENGTH);
		CHECK_EQ(raft_entry_decode(exact, 19, &e), RAFT_WIRE_SHORT);
		exact[17] = 1;
		CHECK_EQ(raft_entry_decode(exact, len, &e), RAFT_WIRE_ENTRY);
		free(exact);
		CHECK_EQ(raft_entry_encode(&a.entries[0], buf, len - 1), 0);
		a.entries[0].term = 0;
		CHECK_EQ(raft_entry_encode(&a.entries[0], buf, sizeof(buf)),
				0);
	}
	CHECK(strcmp(raft_wire_error_name(RAFT_WIRE_ERROR_MAX), "?") == 0);
	CHECK(strcmp(raft_msg_type_name(0), "?") == 0);
	CHECK(strcmp(raft_msg_type_name(RAFT_TIMEOUT_NOW), "TIMEOUT_NOW") == 0);
}

static const struct test_section sections[] = {
	{ "round_trip", test_round_trip },
	{ "truncation", test_truncation },
	{ "fields", test_fields },
	{ "encoder", test_encoder },
	{ "random", test_random },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_raft_wire", sections,
			TEST_DIM(sections));
}
