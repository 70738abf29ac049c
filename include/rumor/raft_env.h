/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The body of a sealed SEAL_P_RAFT datagram: a 12-byte envelope that
 * names the sender's voter set, then either a Raft message (raft_wire.h)
 * or the voter set itself. Nodes whose configured voter sets differ must
 * never talk Raft to each other: two sets can hold two disjoint majorities
 * and so two leaders of one term. The hash lets every message be checked
 * at the cost of 8 bytes; the set itself is sent only to a node whose
 * hash differs, so that both ends can name the difference.
 *
 * Layout (network byte order):
 *
 *   0  u8  kind (enum raft_env_kind)
 *   1  u8  reserved (0)
 *   2  u16 reserved (0)
 *   4  u64 voters_hash: raft_env_voters_hash() of the sender's set
 *  12  MSG: a Raft message of 1 .. RAFT_MSG_MAX bytes
 *      VOTERS: u8 n (1 .. RAFT_VOTERS_MAX), 3 reserved bytes (0), then n
 *      u32 ids, non-zero, strictly increasing; the hash must match them
 *
 * Pure C, no I/O: rumor-control, the unit tests and the fuzzer use it.
 */
#ifndef RUMOR_CONTROL_RAFT_ENV_H
#define RUMOR_CONTROL_RAFT_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/raft_wire.h"
#include "rumor/seal.h"

#define RAFT_ENV_HDR_LEN 12u
#define RAFT_ENV_MAX (RAFT_ENV_HDR_LEN + RAFT_MSG_MAX)
/* "{" ids separated by "," "}": ten digits each at most. */
#define RAFT_ENV_VOTERS_STR (2u + RAFT_VOTERS_MAX * 11u + 1u)

enum raft_env_kind {
	RAFT_ENV_MSG = 1,	/* A Raft message follows. */
	RAFT_ENV_VOTERS,	/* The sender's voter set follows. */
	RAFT_ENV_KIND_MAX
};

/* A decoded envelope; body points into the decoded buffer. */
struct raft_env {
	uint8_t kind;
	uint64_t voters_hash;
	const uint8_t *body;		/* MSG: the Raft message. */
	size_t body_len;
	uint32_t n_voters;		/* VOTERS: the set, sorted. */
	uint32_t voters[RAFT_VOTERS_MAX];
};

/*
 * The hash of a voter set given sorted and without duplicates: XXH3 of
 * the ids as big-endian u32s, so that every node computes the same one.
 */
uint64_t raft_env_voters_hash(const uint32_t *ids, uint32_t n);

/*
 * Decode len bytes at buf. Returns 0, or -1 for anything malformed
 * (short, unknown kind, reserved bits, a VOTERS body that is unsorted,
 * has a zero id, a count out of range, a length that disagrees, or a
 * hash that does not match its ids). A MSG body is not decoded here.
 */
int raft_env_decode(const uint8_t *buf, size_t len, struct raft_env *out);

/* The sender id a MSG body names (bytes 4..7 of the Raft header), or 0. */
uint32_t raft_env_msg_from(const struct raft_env *e);

/* Encoders: the length written, or 0 if it does not fit or is invalid. */
size_t raft_env_encode_msg(uint64_t voters_hash, const uint8_t *msg,
		size_t len, uint8_t *out, size_t cap);
size_t raft_env_encode_voters(const uint32_t *ids, uint32_t n, uint8_t *out,
		size_t cap);

/* "{1,2,3}" into buf (at least RAFT_ENV_VOTERS_STR bytes). */
char *raft_env_voters_str(const uint32_t *ids, uint32_t n, char *buf,
		size_t cap);

#endif /* RUMOR_CONTROL_RAFT_ENV_H */
