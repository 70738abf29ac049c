/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Raft message codec (include/rumor/raft_wire.h). The decoder first
 * walks the lengths (every entry header and payload must lie inside the
 * buffer, and the last must end where the buffer ends), and only then
 * reads fields; it refuses exactly what the encoder refuses to write, so
 * that a message it accepts encodes again to the same bytes. A datagram
 * may sit at any alignment: multi-byte fields are copied with memcpy.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/raft_wire.h"
#include "rumor/ring.h"
#include "rumor/seal.h"

/*
 * Terms and indexes stay below 2^62, so that index arithmetic (prev_index
 * plus a count) never wraps; a real log gets nowhere near.
 */
#define RAFT_NUM_MAX ((uint64_t)1 << 62)

/* Offsets of the header fields. */
enum raft_off {
	RAFT_OFF_TYPE = 0,
	RAFT_OFF_FLAGS = 1,
	RAFT_OFF_RESERVED = 2,
	RAFT_OFF_FROM = 4,
	RAFT_OFF_TO = 8,
	RAFT_OFF_TERM = 12,
	RAFT_OFF_BODY = 20,
};

/* Offsets in an entry header, from its first byte. */
enum raft_entry_off {
	RAFT_EOFF_TERM = 0,
	RAFT_EOFF_INDEX = 8,
	RAFT_EOFF_TYPE = 16,
	RAFT_EOFF_RESERVED = 17,
	RAFT_EOFF_LEN = 18,
	RAFT_EOFF_END = 20,
};

_Static_assert(RAFT_OFF_BODY == RAFT_HDR_LEN, "header is RAFT_HDR_LEN");
_Static_assert(RAFT_EOFF_END == RAFT_ENTRY_HDR_LEN,
		"entry header is RAFT_ENTRY_HDR_LEN");
_Static_assert(RAFT_MSG_MAX <= SEAL_BODY_MAX,
		"a Raft message fits a sealed datagram");
_Static_assert(RAFT_APPEND_FIXED + RAFT_ENTRY_HDR_LEN + RAFT_ENTRY_DATA_MAX
		== RAFT_MSG_MAX, "the largest entry fits one APPEND");
_Static_assert(RAFT_SNAPSHOT_FIXED + 4 * RAFT_VOTERS_MAX +
		RAFT_SNAP_CHUNK_MAX <= RAFT_MSG_MAX,
		"the largest snapshot chunk fits a message");
_Static_assert(RAFT_APPEND_FIXED + RAFT_APPEND_ENTRIES_MAX *
		RAFT_ENTRY_HDR_LEN <= RAFT_MSG_MAX,
		"RAFT_APPEND_ENTRIES_MAX empty entries fit a message");
_Static_assert(RAFT_ENTRY_DATA_MAX <= UINT16_MAX, "len fits a u16");

RUMOR_ENUM_NAME_FN(raft_wire_error_name, enum raft_wire_error,
		RAFT_WIRE_ERRORS, RAFT_WIRE_ERROR_MAX, "?")
RUMOR_ENUM_NAME_FN(raft_msg_type_name, uint8_t, RAFT_MSG_TYPES,
		RAFT_MSG_TYPE_MAX, "?")

/* The length of the fixed part of each type (its whole length if fixed). */
static size_t
raft_fixed_len(uint8_t type)
{
	switch (type) {
	case RAFT_PREVOTE:
	case RAFT_VOTE:
		return RAFT_HDR_LEN + 16;
	case RAFT_APPEND:
		return RAFT_APPEND_FIXED;
	case RAFT_APPEND_RESP:
		return RAFT_HDR_LEN + 24;
	case RAFT_HEARTBEAT:
		return RAFT_HDR_LEN + 8;
	case RAFT_SNAPSHOT:
		return RAFT_SNAPSHOT_FIXED;
	case RAFT_SNAPSHOT_RESP:
		return RAFT_HDR_LEN + 16;
	default:
		return RAFT_HDR_LEN;
	}
}

/* The flags each type may carry. */
static uint8_t
raft_flags_allowed(uint8_t type)
{
	switch (type) {
	case RAFT_PREVOTE:
	case RAFT_VOTE:
		return RAFT_F_TRANSFER;
	case RAFT_PREVOTE_RESP:
	case RAFT_VOTE_RESP:
		return RAFT_F_REJECT;
	case RAFT_APPEND_RESP:
		return RAFT_F_REJECT | RAFT_F_LOST;
	default:
		return 0;
	}
}

static inline bool
raft_type_valid(uint8_t type)
{
	return type != 0 && type < RAFT_MSG_TYPE_MAX;
}

/* An index and its term: both zero (empty log) or both in range. */
static inline bool
raft_pos_valid(uint64_t index, uint64_t term)
{
	if (index == 0 || term == 0)
		return index == 0 && term == 0;
	return index < RAFT_NUM_MAX && term < RAFT_NUM_MAX;
}

/* A member's 16 bytes at p into m; whether they are valid. */
static bool
raft_member_ok(const struct raft_epoch_member *m)
{
	return m->id != 0 && m->port != 0 && m->weight >= 1 &&
			m->weight <= RING_WEIGHT_MAX;
}

static bool
raft_member_get(const uint8_t *p, struct raft_epoch_member *m)
{
	m->id = rumor_get32(p);
	memcpy(&m->ip, p + 4, sizeof(m->ip));
	m->port = rumor_get16(p + 8);
	m->zone = p[10];
	m->weight = rumor_get32(p + 12);
	return p[11] == 0 && raft_member_ok(m);
}

static void
raft_member_put(uint8_t *p, const struct raft_epoch_member *m)
{
	rumor_put32(p, m->id);
	memcpy(p + 4, &m->ip, sizeof(m->ip));
	rumor_put16(p + 8, m->port);
	p[10] = m->zone;
	p[11] = 0;
	rumor_put32(p + 12, m->weight);
}

/* Validate an epoch payload without keeping it (entries in messages). */
static enum raft_wire_error
raft_epoch_check(const uint8_t *buf, size_t len)
{
	struct raft_epoch_member m;
	uint32_t prev = 0;
	unsigned int n;

	if (len < RAFT_EPOCH_HDR_LEN)
		return RAFT_WIRE_PAYLOAD;
	n = rumor_get16(buf + 8);
	if (n == 0 || n > RAFT_EPOCH_MEMBERS_MAX ||
			len != RAFT_EPOCH_HDR_LEN +
			(size_t)n * RAFT_EPOCH_MEMBER_LEN ||
			rumor_get16(buf + 10) != 0 || rumor_get32(buf + 12) != 0 ||
			rumor_get64(buf) == 0)
		return RAFT_WIRE_PAYLOAD;
	for (unsigned int i = 0; i < n; i++) {
		if (!raft_member_get(buf + RAFT_EPOCH_HDR_LEN +
				i * RAFT_EPOCH_MEMBER_LEN, &m) ||
				m.id <= prev)
			return RAFT_WIRE_PAYLOAD;
		prev = m.id;
	}
	return RAFT_WIRE_OK;
}

enum raft_wire_error
raft_epoch_decode(const uint8_t *buf, size_t len, struct raft_epoch *out)
{
	if (raft_epoch_check(buf, len) != RAFT_WIRE_OK)
		return RAFT_WIRE_PAYLOAD;
	/* Checked whole: every member reads back. */
	out->epoch = rumor_get64(buf);
	out->n_members = rumor_get16(buf + 8);
	for (unsigned int i = 0; i < out->n_members; i++)
		(void)raft_member_get(buf + RAFT_EPOCH_HDR_LEN +
				i * RAFT_EPOCH_MEMBER_LEN, &out->members[i]);
	return RAFT_WIRE_OK;
}

size_t
raft_epoch_encode(const struct raft_epoch *e, uint8_t *buf, size_t cap)
{
	size_t len;

	if (e->epoch == 0 || e->n_members == 0 ||
			e->n_members > RAFT_EPOCH_MEMBERS_MAX)
		return 0;
	for (unsigned int i = 0; i < e->n_members; i++) {
		const struct raft_epoch_member *m = &e->members[i];

		if (!raft_member_ok(m) ||
				(i > 0 && m->id <= e->members[i - 1].id))
			return 0;
	}
	len = RAFT_EPOCH_HDR_LEN + (size_t)e->n_members * RAFT_EPOCH_MEMBER_LEN;
	if (len > cap)
		return 0;
	rumor_put64(buf, e->epoch);
	rumor_put16(buf + 8, e->n_members);
	rumor_put16(buf + 10, 0);
	rumor_put32(buf + 12, 0);
	for (unsigned int i = 0; i < e->n_members; i++)
		raft_member_put(buf + RAFT_EPOCH_HDR_LEN +
				i * RAFT_EPOCH_MEMBER_LEN, &e->members[i]);
	return len;
}

/* The delta's fixed fields and counts are valid (not the lists). */
static bool
raft_delta_head_ok(uint64_t epoch, uint64_t base, unsigned int n_members,
		unsigned int n_removed, unsigned int n_upserts)
{
	if (epoch == 0 || base >= epoch || n_members == 0 ||
			n_members > RAFT_EPOCH_MEMBERS_MAX ||
			n_removed > RAFT_DELTA_REMOVED_MAX ||
			n_upserts > RAFT_DELTA_UPSERTS_MAX ||
			n_removed + n_upserts == 0)
		return false;
	/* From nothing: every member is new. */
	if (base == 0 && (n_removed != 0 || n_upserts != n_members))
		return false;
	return true;
}

enum raft_wire_error
raft_delta_decode(const uint8_t *buf, size_t len,
		struct raft_epoch_delta *out)
{
	unsigned int nr, nu;
	size_t k, j;

	if (len < RAFT_DELTA_HDR_LEN)
		return RAFT_WIRE_PAYLOAD;
	out->epoch = rumor_get64(buf);
	out->base = rumor_get64(buf + 8);
	out->hash = rumor_get64(buf + 16);
	out->n_members = rumor_get16(buf + 24);
	nr = rumor_get16(buf + 26);
	nu = rumor_get16(buf + 28);
	if (rumor_get16(buf + 30) != 0 ||
			!raft_delta_head_ok(out->epoch, out->base,
			out->n_members, nr, nu) ||
			len != RAFT_DELTA_HDR_LEN + 4 * (size_t)nr +
			RAFT_EPOCH_MEMBER_LEN * (size_t)nu)
		return RAFT_WIRE_PAYLOAD;
	out->n_removed = (uint16_t)nr;
	out->n_upserts = (uint16_t)nu;
	for (unsigned int i = 0; i < nr; i++) {
		out->removed[i] = rumor_get32(buf + RAFT_DELTA_HDR_LEN + 4 * i);
		if (out->removed[i] == 0 ||
				(i > 0 && out->removed[i] <= out->removed[i - 1]))
			return RAFT_WIRE_PAYLOAD;
	}
	for (unsigned int i = 0; i < nu; i++) {
		struct raft_epoch_member *m = &out->upserts[i];

		if (!raft_member_get(buf + RAFT_DELTA_HDR_LEN + 4 * nr +
				RAFT_EPOCH_MEMBER_LEN * i, m) ||
				(i > 0 && m->id <= out->upserts[i - 1].id))
			return RAFT_WIRE_PAYLOAD;
	}
	/* No id both removed and upserted: both lists are sorted. */
	for (k = 0, j = 0; k < nr && j < nu; ) {
		if (out->removed[k] == out->upserts[j].id)
			return RAFT_WIRE_PAYLOAD;
		if (out->removed[k] < out->upserts[j].id)
			k++;
		else
			j++;
	}
	return RAFT_WIRE_OK;
}

size_t
raft_delta_encode(const struct raft_epoch_delta *d, uint8_t *buf, size_t cap)
{
	size_t len, k, j;

	if (!raft_delta_head_ok(d->epoch, d->base, d->n_members,
			d->n_removed, d->n_upserts))
		return 0;
	for (unsigned int i = 0; i < d->n_removed; i++)
		if (d->removed[i] == 0 ||
				(i > 0 && d->removed[i] <= d->removed[i - 1]))
			return 0;
	for (unsigned int i = 0; i < d->n_upserts; i++)
		if (!raft_member_ok(&d->upserts[i]) || (i > 0 &&
				d->upserts[i].id <= d->upserts[i - 1].id))
			return 0;
	for (k = 0, j = 0; k < d->n_removed && j < d->n_upserts; ) {
		if (d->removed[k] == d->upserts[j].id)
			return 0;
		if (d->removed[k] < d->upserts[j].id)
			k++;
		else
			j++;
	}
	len = RAFT_DELTA_HDR_LEN + 4 * (size_t)d->n_removed +
			RAFT_EPOCH_MEMBER_LEN * (size_t)d->n_upserts;
	if (len > cap)
		return 0;
	rumor_put64(buf, d->epoch);
	rumor_put64(buf + 8, d->base);
	rumor_put64(buf + 16, d->hash);
	rumor_put16(buf + 24, d->n_members);
	rumor_put16(buf + 26, d->n_removed);
	rumor_put16(buf + 28, d->n_upserts);
	rumor_put16(buf + 30, 0);
	for (unsigned int i = 0; i < d->n_removed; i++)
		rumor_put32(buf + RAFT_DELTA_HDR_LEN + 4 * i, d->removed[i]);
	for (unsigned int i = 0; i < d->n_upserts; i++)
		raft_member_put(buf + RAFT_DELTA_HDR_LEN + 4 * d->n_removed +
				RAFT_EPOCH_MEMBER_LEN * i, &d->upserts[i]);
	return len;
}

uint64_t
raft_entry_epoch(const struct raft_entry *e)
{
	if ((e->type != RAFT_ENTRY_RING_EPOCH &&
			e->type != RAFT_ENTRY_RING_DELTA) || e->len < 8)
		return 0;
	return rumor_get64(e->data);
}

enum raft_wire_error
raft_voter_change_decode(const uint8_t *buf, size_t len,
		struct raft_voter_change *out)
{
	if (len != RAFT_VOTER_CHANGE_LEN)
		return RAFT_WIRE_PAYLOAD;
	out->op = buf[0];
	out->id = rumor_get32(buf + 4);
	if (out->op == 0 || out->op >= RAFT_VOTER_OP_MAX || buf[1] != 0 ||
			rumor_get16(buf + 2) != 0 || out->id == 0)
		return RAFT_WIRE_PAYLOAD;
	return RAFT_WIRE_OK;
}

size_t
raft_voter_change_encode(const struct raft_voter_change *c, uint8_t *buf,
		size_t cap)
{
	if (c->op == 0 || c->op >= RAFT_VOTER_OP_MAX || c->id == 0 ||
			cap < RAFT_VOTER_CHANGE_LEN)
		return 0;
	buf[0] = c->op;
	buf[1] = 0;
	rumor_put16(buf + 2, 0);
	rumor_put32(buf + 4, c->id);
	return RAFT_VOTER_CHANGE_LEN;
}

/* Validate a delta payload without keeping it. */
static enum raft_wire_error
raft_delta_check(const uint8_t *buf, size_t len)
{
	struct raft_epoch_delta d;

	return raft_delta_decode(buf, len, &d);
}

enum raft_wire_error
raft_entry_check(const struct raft_entry *e)
{
	struct raft_voter_change vc;

	if (e->term == 0 || e->index == 0 || e->term >= RAFT_NUM_MAX ||
			e->index >= RAFT_NUM_MAX)
		return RAFT_WIRE_TERM;
	if (e->len > RAFT_ENTRY_DATA_MAX)
		return RAFT_WIRE_LENGTH;
	if (e->len > 0 && e->data == NULL)
		return RAFT_WIRE_LENGTH;
	switch (e->type) {
	case RAFT_ENTRY_NOOP:
		return e->len == 0 ? RAFT_WIRE_OK : RAFT_WIRE_PAYLOAD;
	case RAFT_ENTRY_RING_EPOCH:
		return raft_epoch_check(e->data, e->len);
	case RAFT_ENTRY_RING_DELTA:
		return raft_delta_check(e->data, e->len);
	case RAFT_ENTRY_VOTER:
		return raft_voter_change_decode(e->data, e->len, &vc);
	default:
		return RAFT_WIRE_ENTRY;
	}
}

/* Read the entry header at p (RAFT_ENTRY_HDR_LEN bytes). */
static void
raft_entry_get(const uint8_t *p, struct raft_entry *e, bool *reserved_set)
{
	e->term = rumor_get64(p + RAFT_EOFF_TERM);
	e->index = rumor_get64(p + RAFT_EOFF_INDEX);
	e->type = p[RAFT_EOFF_TYPE];
	*reserved_set = p[RAFT_EOFF_RESERVED] != 0;
	e->len = rumor_get16(p + RAFT_EOFF_LEN);
	e->data = p + RAFT_ENTRY_HDR_LEN;
}

static void
raft_entry_put(uint8_t *p, const struct raft_entry *e)
{
	rumor_put64(p + RAFT_EOFF_TERM, e->term);
	rumor_put64(p + RAFT_EOFF_INDEX, e->index);
	p[RAFT_EOFF_TYPE] = e->type;
	p[RAFT_EOFF_RESERVED] = 0;
	rumor_put16(p + RAFT_EOFF_LEN, e->len);
	if (e->len > 0)
		memcpy(p + RAFT_ENTRY_HDR_LEN, e->data, e->len);
}

enum raft_wire_error
raft_entry_decode(const uint8_t *buf, size_t len, struct raft_entry *out)
{
	bool reserved;

	if (len < RAFT_ENTRY_HDR_LEN)
		return RAFT_WIRE_SHORT;
	raft_entry_get(buf, out, &reserved);
	if (reserved)
		return RAFT_WIRE_ENTRY;
	if (len != RAFT_ENTRY_HDR_LEN + (size_t)out->len)
		return RAFT_WIRE_LENGTH;
	return raft_entry_check(out);
}

size_t
raft_entry_encode(const struct raft_entry *e, uint8_t *buf, size_t cap)
{
	size_t len = RAFT_ENTRY_HDR_LEN + (size_t)e->len;

	if (raft_entry_check(e) != RAFT_WIRE_OK || len > cap)
		return 0;
	raft_entry_put(buf, e);
	return len;
}

/*
 * The checks of a decoded message that its numbers can fail, shared by
 * the decoder and the encoder. Lengths are checked before.
 */
static enum raft_wire_error
raft_msg_check(const struct raft_msg *m)
{
	if (m->from == 0 || m->to == 0 || m->from == m->to)
		return RAFT_WIRE_ADDRESS;
	if (m->term >= RAFT_NUM_MAX)
		return RAFT_WIRE_TERM;
	switch (m->type) {
	case RAFT_PREVOTE:
	case RAFT_VOTE:
		/* The candidate's log ends before its (proposed) term. */
		if (m->term == 0 || !raft_pos_valid(m->index, m->log_term) ||
				m->log_term >= m->term)
			return RAFT_WIRE_TERM;
		break;
	case RAFT_APPEND: {
		uint64_t prev = m->log_term;

		if (m->term == 0 || !raft_pos_valid(m->index, m->log_term) ||
				m->log_term > m->term ||
				m->commit >= RAFT_NUM_MAX)
			return RAFT_WIRE_TERM;
		for (unsigned int i = 0; i < m->n_entries; i++) {
			const struct raft_entry *e = &m->entries[i];
			enum raft_wire_error err;

			/* Consecutive, terms never falling, none ahead. */
			if (e->index != m->index + 1 + i || e->term < prev ||
					e->term > m->term)
				return RAFT_WIRE_ENTRY;
			prev = e->term;
			err = raft_entry_check(e);
			if (err != RAFT_WIRE_OK)
				return err == RAFT_WIRE_TERM ?
						RAFT_WIRE_ENTRY : err;
		}
		break;
	}
	case RAFT_APPEND_RESP:
		if ((m->flags & RAFT_F_LOST) && !(m->flags & RAFT_F_REJECT))
			return RAFT_WIRE_FLAGS;
		if (m->index >= RAFT_NUM_MAX)
			return RAFT_WIRE_TERM;
		if (m->flags & RAFT_F_REJECT) {
			if (m->hint_index > m->index ||
					m->hint_term > m->term)
				return RAFT_WIRE_TERM;
		} else if (m->hint_index != 0 || m->hint_term != 0) {
			return RAFT_WIRE_TERM;
		}
		break;
	case RAFT_HEARTBEAT:
		if (m->term == 0 || m->commit >= RAFT_NUM_MAX)
			return RAFT_WIRE_TERM;
		break;
	case RAFT_SNAPSHOT:
		if (m->term == 0 || m->index == 0 || m->log_term == 0 ||
				m->index >= RAFT_NUM_MAX ||
				m->log_term > m->term)
			return RAFT_WIRE_TERM;
		if (m->snap_total > RAFT_SNAP_MAX ||
				m->chunk_len > RAFT_SNAP_CHUNK_MAX ||
				m->snap_offset > m->snap_total ||
				m->chunk_len > m->snap_total - m->snap_offset ||
				(m->chunk_len == 0 && m->snap_total != 0) ||
				m->n_voters == 0 ||
				m->n_voters > RAFT_VOTERS_MAX ||
				(m->chunk_len > 0 && m->chunk == NULL))
			return RAFT_WIRE_SNAPSHOT;
		for (unsigned int i = 0; i < m->n_voters; i++) {
			if (m->voters[i] == 0)
				return RAFT_WIRE_SNAPSHOT;
			for (unsigned int j = 0; j < i; j++)
				if (m->voters[j] == m->voters[i])
					return RAFT_WIRE_SNAPSHOT;
		}
		break;
	case RAFT_SNAPSHOT_RESP:
		if (m->index == 0 || m->index >= RAFT_NUM_MAX)
			return RAFT_WIRE_TERM;
		if (m->snap_offset > RAFT_SNAP_MAX)
			return RAFT_WIRE_SNAPSHOT;
		break;
	case RAFT_TIMEOUT_NOW:
		if (m->term == 0)
			return RAFT_WIRE_TERM;
		break;
	default:
		break;
	}
	return RAFT_WIRE_OK;
}

/* The log position PREVOTE, VOTE, APPEND and SNAPSHOT bodies start with. */
static inline bool
raft_has_pos(uint8_t type)
{
	return type == RAFT_PREVOTE || type == RAFT_VOTE ||
			type == RAFT_APPEND || type == RAFT_SNAPSHOT;
}

static inline void
raft_pos_get(const uint8_t *b, struct raft_msg *m)
{
	m->index = rumor_get64(b);
	m->log_term = rumor_get64(b + 8);
}

static inline void
raft_pos_put(uint8_t *b, const struct raft_msg *m)
{
	rumor_put64(b, m->index);
	rumor_put64(b + 8, m->log_term);
}

enum raft_wire_error
raft_decode(const uint8_t *buf, size_t len, struct raft_msg *out)
{
	const uint8_t *b;
	size_t fixed, pos;

	if (len < RAFT_HDR_LEN)
		return RAFT_WIRE_SHORT;
	/* From here on the header may be read. */
	if (!raft_type_valid(buf[RAFT_OFF_TYPE]) ||
			rumor_get16(buf + RAFT_OFF_RESERVED) != 0)
		return RAFT_WIRE_TYPE;
	memset(out, 0, offsetof(struct raft_msg, entries));
	out->type = buf[RAFT_OFF_TYPE];
	out->flags = buf[RAFT_OFF_FLAGS];
	out->chunk_len = 0;
	out->chunk = NULL;
	out->n_voters = 0;
	out->snap_total = 0;
	out->snap_offset = 0;
	if (out->flags & ~raft_flags_allowed(out->type))
		return RAFT_WIRE_FLAGS;
	fixed = raft_fixed_len(out->type);
	if (len < fixed)
		return RAFT_WIRE_SHORT;
	out->from = rumor_get32(buf + RAFT_OFF_FROM);
	out->to = rumor_get32(buf + RAFT_OFF_TO);
	out->term = rumor_get64(buf + RAFT_OFF_TERM);
	b = buf + RAFT_OFF_BODY;
	if (raft_has_pos(out->type))
		raft_pos_get(b, out);

	/* Lengths first: the variable parts must end where buf ends. */
	switch (out->type) {
	case RAFT_APPEND: {
		unsigned int n = rumor_get16(b + 24);

		if (rumor_get16(b + 26) != 0)
			return RAFT_WIRE_TYPE;
		if (n > RAFT_APPEND_ENTRIES_MAX)
			return RAFT_WIRE_LENGTH;
		pos = fixed;
		for (unsigned int i = 0; i < n; i++) {
			struct raft_entry *e = &out->entries[i];
			bool reserved;

			if (len - pos < RAFT_ENTRY_HDR_LEN)
				return RAFT_WIRE_LENGTH;
			raft_entry_get(buf + pos, e, &reserved);
			if (reserved)
				return RAFT_WIRE_ENTRY;
			pos += RAFT_ENTRY_HDR_LEN;
			if (len - pos < e->len)
				return RAFT_WIRE_LENGTH;
			pos += e->len;
		}
		if (pos != len)
			return RAFT_WIRE_LENGTH;
		out->n_entries = (uint16_t)n;
		out->commit = rumor_get64(b + 16);
		break;
	}
	case RAFT_SNAPSHOT:
		out->n_voters = b[26];
		out->chunk_len = rumor_get16(b + 24);
		if (b[27] != 0)
			return RAFT_WIRE_TYPE;
		if (out->n_voters > RAFT_VOTERS_MAX ||
				len != fixed + 4u * out->n_voters +
				out->chunk_len)
			return RAFT_WIRE_LENGTH;
		out->snap_total = rumor_get32(b + 16);
		out->snap_offset = rumor_get32(b + 20);
		for (unsigned int i = 0; i < out->n_voters; i++)
			out->voters[i] = rumor_get32(buf + fixed + 4 * i);
		out->chunk = buf + fixed + 4u * out->n_voters;
		break;
	default:
		if (len != fixed)
			return RAFT_WIRE_LENGTH;
		switch (out->type) {
		case RAFT_APPEND_RESP:
			out->index = rumor_get64(b);
			out->hint_index = rumor_get64(b + 8);
			out->hint_term = rumor_get64(b + 16);
			break;
		case RAFT_HEARTBEAT:
			out->commit = rumor_get64(b);
			break;
		case RAFT_SNAPSHOT_RESP:
			out->index = rumor_get64(b);
			out->snap_offset = rumor_get32(b + 8);
			if (rumor_get32(b + 12) != 0)
				return RAFT_WIRE_TYPE;
			break;
		default:
			break;
		}
		break;
	}
	return raft_msg_check(out);
}

size_t
raft_encoded_len(const struct raft_msg *m)
{
	size_t len;

	if (!raft_type_valid(m->type))
		return 0;
	len = raft_fixed_len(m->type);
	if (m->type == RAFT_APPEND) {
		if (m->n_entries > RAFT_APPEND_ENTRIES_MAX)
			return 0;
		for (unsigned int i = 0; i < m->n_entries; i++)
			len += RAFT_ENTRY_HDR_LEN + m->entries[i].len;
	} else if (m->type == RAFT_SNAPSHOT) {
		if (m->n_voters > RAFT_VOTERS_MAX)
			return 0;
		len += 4u * m->n_voters + m->chunk_len;
	}
	return len;
}

size_t
raft_encode(const struct raft_msg *m, uint8_t *buf, size_t cap)
{
	size_t len = raft_encoded_len(m), pos;
	uint8_t *b = buf + RAFT_OFF_BODY;

	/* Check everything before writing anything. */
	if (len == 0 || len > cap || len > RAFT_MSG_MAX ||
			(m->flags & ~raft_flags_allowed(m->type)) ||
			raft_msg_check(m) != RAFT_WIRE_OK)
		return 0;

	buf[RAFT_OFF_TYPE] = m->type;
	buf[RAFT_OFF_FLAGS] = m->flags;
	rumor_put16(buf + RAFT_OFF_RESERVED, 0);
	rumor_put32(buf + RAFT_OFF_FROM, m->from);
	rumor_put32(buf + RAFT_OFF_TO, m->to);
	rumor_put64(buf + RAFT_OFF_TERM, m->term);
	if (raft_has_pos(m->type))
		raft_pos_put(b, m);
	switch (m->type) {
	case RAFT_APPEND:
		rumor_put64(b + 16, m->commit);
		rumor_put16(b + 24, m->n_entries);
		rumor_put16(b + 26, 0);
		pos = RAFT_APPEND_FIXED;
		for (unsigned int i = 0; i < m->n_entries; i++) {
			raft_entry_put(buf + pos, &m->entries[i]);
			pos += RAFT_ENTRY_HDR_LEN + m->entries[i].len;
		}
		break;
	case RAFT_APPEND_RESP:
		rumor_put64(b, m->index);
		rumor_put64(b + 8, m->hint_index);
		rumor_put64(b + 16, m->hint_term);
		break;
	case RAFT_HEARTBEAT:
		rumor_put64(b, m->commit);
		break;
	case RAFT_SNAPSHOT:
		rumor_put32(b + 16, m->snap_total);
		rumor_put32(b + 20, m->snap_offset);
		rumor_put16(b + 24, m->chunk_len);
		b[26] = m->n_voters;
		b[27] = 0;
		pos = RAFT_SNAPSHOT_FIXED;
		for (unsigned int i = 0; i < m->n_voters; i++, pos += 4)
			rumor_put32(buf + pos, m->voters[i]);
		if (m->chunk_len > 0)
			memcpy(buf + pos, m->chunk, m->chunk_len);
		break;
	case RAFT_SNAPSHOT_RESP:
		rumor_put64(b, m->index);
		rumor_put32(b + 8, m->snap_offset);
		rumor_put32(b + 12, 0);
		break;
	default:
		break;
	}
	return len;
}
