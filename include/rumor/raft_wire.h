/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The body of a Raft message: what one rumor-control sends another about
 * the log of ring epochs. Like a membership body it travels in a sealed
 * envelope, which is not part of this format, and it fits one datagram
 * (RAFT_MSG_MAX bytes). All fields are in network byte order;
 * docs/protocol.md documents the layout.
 *
 * Every message starts with a 20-byte header:
 *
 *   0  u8  type (enum raft_msg_type)
 *   1  u8  flags (RAFT_F_REJECT on responses, RAFT_F_TRANSFER on vote
 *          requests, RAFT_F_LOST on a rejecting APPEND_RESP; every
 *          other bit zero)
 *   2  u16 reserved, zero
 *   4  u32 from: the sender's node id (non-zero)
 *   8  u32 to: the receiver's node id (non-zero, not from)
 *  12  u64 term: the sender's term (the proposed one for a pre-vote)
 *
 * and goes on by type:
 *
 *   PREVOTE, VOTE: u64 last_index, u64 last_term (the candidate's log)
 *   PREVOTE_RESP, VOTE_RESP, HEARTBEAT_RESP, TIMEOUT_NOW: nothing
 *   APPEND: u64 prev_index, u64 prev_term, u64 commit, u16 n_entries,
 *       u16 reserved, then n_entries entries, each a 20-byte entry header
 *       (u64 term, u64 index, u8 type, u8 reserved, u16 len) and len
 *       bytes of payload
 *   APPEND_RESP: u64 index (accepted: the last index the follower now
 *       matches; rejected: the prev_index it refused), u64 hint_index,
 *       u64 hint_term (rejected: where the leader should look next;
 *       accepted: zero)
 *   HEARTBEAT: u64 commit
 *   SNAPSHOT: u64 last_index, u64 last_term, u32 total, u32 offset,
 *       u16 chunk_len, u8 n_voters, u8 reserved, n_voters x u32 voter ids,
 *       chunk_len bytes of the snapshot from offset
 *   SNAPSHOT_RESP: u64 last_index, u32 offset (bytes received so far),
 *       u32 reserved
 *
 * Entry payloads: RING_EPOCH is a struct raft_epoch (16 + 16 x members
 * bytes, so at most RAFT_EPOCH_ENTRY_MEMBERS_MAX members in an entry),
 * RING_DELTA a struct raft_epoch_delta (the changes from the epoch
 * before: 32 + 4 x removed + 16 x added or changed bytes), VOTER a
 * struct raft_voter_change (8 bytes), NOOP nothing. An epoch of any size
 * up to RAFT_EPOCH_MEMBERS_MAX is a chain of deltas in the log, and whole
 * in a snapshot (sent in chunks).
 */
#ifndef RUMOR_RAFT_WIRE_H
#define RUMOR_RAFT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"

#define RAFT_MSG_MAX 1400u		/* Fits a sealed datagram. */
#define RAFT_HDR_LEN 20u
#define RAFT_ENTRY_HDR_LEN 20u
#define RAFT_APPEND_FIXED (RAFT_HDR_LEN + 28u)
#define RAFT_SNAPSHOT_FIXED (RAFT_HDR_LEN + 28u)
#define RAFT_APPEND_ENTRIES_MAX 64u
#define RAFT_VOTERS_MAX 7u		/* 5 configured, 6 during a change. */
#define RAFT_SNAP_CHUNK_MAX 1024u
#define RAFT_SNAP_MAX (1u << 20)	/* Largest snapshot, bytes. */
#define RAFT_EPOCH_HDR_LEN 16u
#define RAFT_EPOCH_MEMBER_LEN 16u
/* The largest entry payload: one entry always fits one APPEND. */
#define RAFT_ENTRY_DATA_MAX (RAFT_MSG_MAX - RAFT_APPEND_FIXED - \
		RAFT_ENTRY_HDR_LEN)
/* A whole epoch in one entry (RING_EPOCH): 82 members. */
#define RAFT_EPOCH_ENTRY_MEMBERS_MAX ((RAFT_ENTRY_DATA_MAX - \
		RAFT_EPOCH_HDR_LEN) / RAFT_EPOCH_MEMBER_LEN)
/*
 * An epoch's members at most: what a snapshot carries and deltas build.
 * A struct raft_epoch holds them inline (64 KiB).
 */
#define RAFT_EPOCH_MEMBERS_MAX 4096u
/* A ring epoch delta (RING_DELTA): header, then removed ids, upserts. */
#define RAFT_DELTA_HDR_LEN 32u
#define RAFT_DELTA_REMOVED_MAX ((RAFT_ENTRY_DATA_MAX - \
		RAFT_DELTA_HDR_LEN) / 4u)
#define RAFT_DELTA_UPSERTS_MAX ((RAFT_ENTRY_DATA_MAX - \
		RAFT_DELTA_HDR_LEN) / RAFT_EPOCH_MEMBER_LEN)
#define RAFT_VOTER_CHANGE_LEN 8u

/* Message types and their names, in number order from 1. */
#define RAFT_MSG_TYPES(X)						\
	/* Would you vote for me at term? */				\
	X(RAFT_PREVOTE, "PREVOTE")					\
	X(RAFT_PREVOTE_RESP, "PREVOTE_RESP")				\
	/* Vote for me at term. */					\
	X(RAFT_VOTE, "VOTE")						\
	X(RAFT_VOTE_RESP, "VOTE_RESP")					\
	/* Entries after prev_index, and the commit. */			\
	X(RAFT_APPEND, "APPEND")					\
	X(RAFT_APPEND_RESP, "APPEND_RESP")				\
	/* I lead; commit. */						\
	X(RAFT_HEARTBEAT, "HEARTBEAT")					\
	X(RAFT_HEARTBEAT_RESP, "HEARTBEAT_RESP")			\
	/* One chunk of a snapshot. */					\
	X(RAFT_SNAPSHOT, "SNAPSHOT")					\
	X(RAFT_SNAPSHOT_RESP, "SNAPSHOT_RESP")				\
	/* Campaign now: leadership transfer. */			\
	X(RAFT_TIMEOUT_NOW, "TIMEOUT_NOW")

enum raft_msg_type {
	RAFT_MSG_NONE = 0,	/* No message has type 0. */
	RAFT_MSG_TYPES(RUMOR_ENUM_VALUE)
	RAFT_MSG_TYPE_MAX
};

/* Flag bits. */
#define RAFT_F_REJECT 0x01u	/* Responses: refused. */
#define RAFT_F_TRANSFER 0x02u	/* (Pre)vote requests: leadership
				 * transfer, ignore the leader lease. */
#define RAFT_F_LOST 0x04u	/* APPEND_RESP, rejected: the sender lost
				 * its state (raft.h) and holds no more
				 * than hint_index: forget its match. */

enum raft_entry_type {
	RAFT_ENTRY_NOOP = 1,	/* A new leader's first entry. */
	RAFT_ENTRY_RING_EPOCH,	/* A ring epoch: struct raft_epoch. */
	RAFT_ENTRY_VOTER,	/* A voter change: struct raft_voter_change. */
	RAFT_ENTRY_RING_DELTA,	/* A ring epoch as changes from the one
				 * before: struct raft_epoch_delta. */
	RAFT_ENTRY_TYPE_MAX
};

/* One log entry. data points into the buffer it was decoded from. */
struct raft_entry {
	uint64_t term;		/* Non-zero. */
	uint64_t index;		/* Non-zero. */
	uint8_t type;		/* enum raft_entry_type. */
	uint16_t len;		/* 0 .. RAFT_ENTRY_DATA_MAX. */
	const uint8_t *data;
};

/*
 * A decoded message; numbers in host order. Fields a type does not carry
 * are zero. Pointers point into the decoded buffer.
 */
struct raft_msg {
	uint8_t type;
	uint8_t flags;
	uint32_t from;
	uint32_t to;
	uint64_t term;
	uint64_t index;		/* (Pre)vote: last_index; APPEND:
				 * prev_index; APPEND_RESP: index;
				 * SNAPSHOT(_RESP): last_index. */
	uint64_t log_term;	/* (Pre)vote: last_term; APPEND:
				 * prev_term; SNAPSHOT: last_term. */
	uint64_t commit;	/* APPEND, HEARTBEAT. */
	uint64_t hint_index;	/* APPEND_RESP, rejected. */
	uint64_t hint_term;
	uint16_t n_entries;	/* APPEND. */
	struct raft_entry entries[RAFT_APPEND_ENTRIES_MAX];
	uint32_t snap_total;	/* SNAPSHOT. */
	uint32_t snap_offset;	/* SNAPSHOT, SNAPSHOT_RESP. */
	uint16_t chunk_len;
	const uint8_t *chunk;
	uint8_t n_voters;
	uint32_t voters[RAFT_VOTERS_MAX];
};

/* A member of a ring epoch. */
struct raft_epoch_member {
	uint32_t id;		/* Non-zero; members in increasing id order. */
	uint32_t ip;		/* Network order. */
	uint16_t port;		/* Host order, non-zero. */
	uint8_t zone;		/* Failure zone; 0: none. */
	uint32_t weight;	/* 1 .. RING_WEIGHT_MAX. */
};

/*
 * A ring epoch: u64 epoch (non-zero), u16 n_members (1 ..
 * RAFT_EPOCH_MEMBERS_MAX), u16 and u32 reserved, then per member u32 id,
 * u32 ip, u16 port, u8 zone, u8 reserved (0), u32 weight. Members are
 * sorted by id, so that a member set has one encoding. The zone is in the
 * epoch, not taken from each node's SWIM view, because replica placement
 * depends on it and must be the same on every node.
 */
struct raft_epoch {
	uint64_t epoch;
	uint16_t n_members;
	struct raft_epoch_member members[RAFT_EPOCH_MEMBERS_MAX];
};

/*
 * A ring epoch as the changes from the epoch before it (RING_DELTA):
 *
 *   0  u64 epoch      the new epoch (non-zero)
 *   8  u64 base       the epoch it changes (below epoch); 0: none, every
 *                     member is in the upserts and nothing is removed
 *  16  u64 hash       XXH3 of the new epoch's encoding (raft_epoch_hash):
 *                     whoever applies it checks that it got the same set
 *  24  u16 n_members  of the new epoch (1 .. RAFT_EPOCH_MEMBERS_MAX)
 *  26  u16 n_removed  ids that leave (0 .. RAFT_DELTA_REMOVED_MAX)
 *  28  u16 n_upserts  members that join or change address, zone or
 *                     weight
 *  30  u16 reserved   (0)
 *  32  n_removed x u32 id, strictly increasing, non-zero
 *      n_upserts x 16-byte members as in an epoch, ids strictly
 *      increasing, none of them removed
 *
 * At least one change; the length is exact.
 */
struct raft_epoch_delta {
	uint64_t epoch;
	uint64_t base;
	uint64_t hash;
	uint16_t n_members;
	uint16_t n_removed;
	uint16_t n_upserts;
	uint32_t removed[RAFT_DELTA_REMOVED_MAX];
	struct raft_epoch_member upserts[RAFT_DELTA_UPSERTS_MAX];
};

enum raft_voter_op {
	RAFT_VOTER_ADD = 1,	/* A learner (or a new node) becomes a voter. */
	RAFT_VOTER_REMOVE,	/* A voter becomes a learner. */
	RAFT_VOTER_OP_MAX
};

/* A voter change: u8 op, three reserved bytes, u32 id (non-zero). */
struct raft_voter_change {
	uint8_t op;
	uint32_t id;
};

#define RAFT_WIRE_ERRORS(X)						\
	X(RAFT_WIRE_OK, "ok")						\
	/* Shorter than its fixed part. */				\
	X(RAFT_WIRE_SHORT, "short")					\
	/* Unknown type, or reserved bits set. */			\
	X(RAFT_WIRE_TYPE, "type")					\
	/* A flag this type does not take. */				\
	X(RAFT_WIRE_FLAGS, "flags")					\
	/* Length does not match the counts. */				\
	X(RAFT_WIRE_LENGTH, "length")					\
	/* from or to is 0, or they are equal. */			\
	X(RAFT_WIRE_ADDRESS, "address")					\
	/* A term or index out of its range. */				\
	X(RAFT_WIRE_TERM, "term")					\
	/* An entry out of sequence or of bad type. */			\
	X(RAFT_WIRE_ENTRY, "entry")					\
	/* An entry payload its type refuses. */			\
	X(RAFT_WIRE_PAYLOAD, "payload")					\
	/* Snapshot offsets or voters invalid. */			\
	X(RAFT_WIRE_SNAPSHOT, "snapshot")

enum raft_wire_error {
	RAFT_WIRE_ERRORS(RUMOR_ENUM_VALUE)
	RAFT_WIRE_ERROR_MAX
};

const char *raft_wire_error_name(enum raft_wire_error e);
const char *raft_msg_type_name(uint8_t type);

/*
 * Decode len bytes at buf into out. Reads nothing beyond len; on error
 * out is left partly written and must not be used. Accepted entries,
 * payloads included, are valid (raft_entry_check).
 */
enum raft_wire_error raft_decode(const uint8_t *buf, size_t len,
		struct raft_msg *out);

/*
 * Encode m into buf (cap bytes). Returns the length written, or 0 if m is
 * invalid (as raft_decode would refuse it) or does not fit.
 */
size_t raft_encode(const struct raft_msg *m, uint8_t *buf, size_t cap);

/* The wire length of m, valid or not (0 if its counts are too large). */
size_t raft_encoded_len(const struct raft_msg *m);

/* Whether an entry's type and payload are valid: RAFT_WIRE_OK if so. */
enum raft_wire_error raft_entry_check(const struct raft_entry *e);

/*
 * One entry on its own (the log file's record body): the entry header
 * then the payload. Decoding takes exactly len bytes.
 */
size_t raft_entry_encode(const struct raft_entry *e, uint8_t *buf,
		size_t cap);
enum raft_wire_error raft_entry_decode(const uint8_t *buf, size_t len,
		struct raft_entry *out);

/* Ring epoch payloads: the same contract as raft_decode/raft_encode. */
enum raft_wire_error raft_epoch_decode(const uint8_t *buf, size_t len,
		struct raft_epoch *out);
size_t raft_epoch_encode(const struct raft_epoch *e, uint8_t *buf,
		size_t cap);

/* Ring epoch delta payloads: the same contract. */
enum raft_wire_error raft_delta_decode(const uint8_t *buf, size_t len,
		struct raft_epoch_delta *out);
size_t raft_delta_encode(const struct raft_epoch_delta *d, uint8_t *buf,
		size_t cap);

/* The epoch number a RING_EPOCH or RING_DELTA payload names; 0 if none. */
uint64_t raft_entry_epoch(const struct raft_entry *e);

/* Voter change payloads. */
enum raft_wire_error raft_voter_change_decode(const uint8_t *buf,
		size_t len, struct raft_voter_change *out);
size_t raft_voter_change_encode(const struct raft_voter_change *c,
		uint8_t *buf, size_t cap);

#endif /* RUMOR_RAFT_WIRE_H */
