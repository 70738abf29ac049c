/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replicated channels on the wire: publish acknowledgements, replication
 * to the replicas of a channel, failover and resume. docs/replication.md
 * is the design; this header is its wire format.
 *
 * Every one is a rumor datagram (rumor/wire.h) of an ordered channel,
 * laid out like the channel messages (rumor/chan_wire.h): the 40-byte
 * header, channel_len bytes of channel name, then a fixed part of the
 * type's own layout and, for two of them, the message after it.
 * Everything is in network byte order and may sit at any alignment.
 *
 *   type         flags  sender -> receiver        fixed part
 *   PUBLISH (1)  ACK    client -> entry node,     ack request (40), then
 *                       entry node -> owner       the message
 *   SUBSCRIBE(3) ACK    client -> node            resume point (24)
 *   PUB_ACK (18)        owner -> entry node,      PUB_ACK (40)
 *                       entry node -> client
 *   REPLICATE (19)      owner -> replica          REPLICATE (40), then
 *                                                 the message
 *   REPL_ACK (20)       replica -> owner          REPL_ACK (24)
 *   REPL_SYNC (21)      new owner -> replica      none
 *   REPL_STATE (22)     replica -> new owner      REPL_STATE (32)
 *
 * REPLICATE to REPL_STATE go between nodes only and carry the auth block
 * with node credentials (node_auth_required); PUB_ACK carries it from
 * the owner to the entry node, and goes on to the client plain, like a
 * PUBLISH the other way (node_auth_if_member). The header's origin is
 * 0 on what a client sends (a resuming SUBSCRIBE always; a PUBLISH from
 * a client) and a node's id on everything a node sends.
 *
 * Pure C (no DPDK): the dataplane, the client library, the tests and the
 * fuzzers share it.
 */
#ifndef RUMOR_REPL_WIRE_H
#define RUMOR_REPL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/chan_wire.h"
#include "rumor/enum_names.h"
#include "rumor/ring.h"
#include "rumor/ring_replicas.h"
#include "rumor/wire.h"

/* Lengths of the fixed parts after the channel name. */
#define REPL_PUB_REQ_LEN 40u	/* Ack request of a PUBLISH (+ message). */
#define REPL_PUB_ACK_LEN 40u	/* PUB_ACK: never more than the request. */
#define REPL_REPLICATE_LEN 40u	/* REPLICATE (+ message). */
#define REPL_ACK_LEN 24u	/* REPL_ACK. */
#define REPL_SYNC_LEN 0u	/* REPL_SYNC. */
#define REPL_STATE_LEN 32u	/* REPL_STATE. */
#define REPL_RESUME_LEN 24u	/* SUBSCRIBE with RUMOR_F_ACK. */

/* Replicas a PUB_ACK may count: the largest replica set. */
#define REPL_HELD_MAX RING_REPLICAS_MAX

/*
 * The return path an entry node writes into an ack request and the owner
 * echoes in its PUB_ACK, so that the entry node keeps no state for the
 * answers it passes on: opaque to the owner, zero from and towards a
 * client (dataplane/pub_ack.c gives its layout).
 */
#define REPL_VIA_LEN 13u

/*
 * Acknowledgement levels: what a publisher asks for and a PUB_ACK says
 * was met. NONE is a PUBLISH without RUMOR_F_ACK, and a PUB_ACK's level
 * when it refuses; a request asks for one of the others.
 */
#define REPL_LEVELS(X)							\
	/* No acknowledgement; nothing met. */				\
	X(REPL_LEVEL_NONE, "none")					\
	/* The owner stamped it. */					\
	X(REPL_LEVEL_OWNER, "owner")					\
	/* A majority of the replica set holds it: committed. */	\
	X(REPL_LEVEL_QUORUM, "quorum")					\
	/* Every replica of the set holds it. */			\
	X(REPL_LEVEL_ALL, "all")

enum repl_level {
	REPL_LEVELS(RUMOR_ENUM_VALUE)
	REPL_LEVEL_MAX
};

/* PUB_ACK status: ordered, or why not. */
#define REPL_PUB_STATUSES(X)						\
	/* Ordered as stream/seq. */					\
	X(REPL_PUB_OK, "ok")						\
	/* A retry: ordered before, as stream/seq. */			\
	X(REPL_PUB_DUPLICATE, "duplicate")				\
	/* Not the owner under the epoch the PUBLISH carries. */	\
	X(REPL_PUB_NOT_OWNER, "not owner")				\
	/* The message is over chan_payload_max(). */			\
	X(REPL_PUB_TOO_BIG, "too big")					\
	/* The client's token does not allow it. */			\
	X(REPL_PUB_TOKEN, "token")					\
	/* Below the client's window of numbers (rumor/pub_dedup.h). */	\
	X(REPL_PUB_TOO_OLD, "too old")					\
	/* The owner holds as many channels as it may. */		\
	X(REPL_PUB_OWNED_LIMIT, "owned limit")

enum repl_pub_status {
	REPL_PUB_STATUSES(RUMOR_ENUM_VALUE)
	REPL_PUB_STATUS_MAX
};

/* True for the statuses of a message ordered (now or before). */
static inline bool
repl_pub_ordered(unsigned status)
{
	return status == REPL_PUB_OK || status == REPL_PUB_DUPLICATE;
}

/* REPL_ACK status: held, or why the replica does not take it. */
#define REPL_ACK_STATUSES(X)						\
	/* Taken: held says how far it holds the stream. */		\
	X(REPL_ACK_OK, "ok")						\
	/* Not in the channel's replica set under its epoch. */		\
	X(REPL_ACK_NOT_REPLICA, "not replica")				\
	/* The REPLICATE's epoch is older than the replica's. */	\
	X(REPL_ACK_STALE, "stale")

enum repl_ack_status {
	REPL_ACK_STATUSES(RUMOR_ENUM_VALUE)
	REPL_ACK_STATUS_MAX
};

/*
 * Ack request (40 bytes), the start of the payload of a PUBLISH with
 * RUMOR_F_ACK; the message follows it.
 *   0 u64 client: 0 from a client; the entry node writes the client's
 *         id (not 0) before it forwards the PUBLISH
 *   8 u64 number: the publisher's own number of the message, 1 ..
 *         CHAN_SEQ_MAX; a retry carries the same
 *  16 u8  level: REPL_LEVEL_OWNER .. REPL_LEVEL_ALL
 *  17     7 bytes reserved, zero
 *  24     via, REPL_VIA_LEN (13) bytes: zero from a client; the entry
 *         node writes its return path
 *  37     3 bytes reserved, zero
 *  40     the message, up to chan_payload_max() bytes
 */
struct repl_pub_req {
	uint64_t client;
	uint64_t number;
	uint8_t level;
	uint8_t via[REPL_VIA_LEN];
};

/*
 * PUB_ACK (40 bytes), the owner's answer; the header's seq is the
 * request's number, its origin the node that sends it. Its return path
 * sits where the request's does.
 *   0 u64 number: the request's, 1 .. CHAN_SEQ_MAX
 *   8 u64 stream: the stream the message was ordered in; 0 if refused
 *  16 u64 seq: its sequence, 1 .. CHAN_SEQ_MAX; 0 if refused, and 0
 *         for a DUPLICATE of a number below the client's highest (the
 *         owner keeps the sequence of the highest alone)
 *  24     via, REPL_VIA_LEN (13) bytes: the request's; zero towards the
 *         client
 *  37 u8  status (enum repl_pub_status)
 *  38 u8  level: the level met, OWNER .. ALL; NONE if refused
 *  39 u8  held: replicas known to hold it when answered, 0 ..
 *         REPL_HELD_MAX; 0 if refused
 */
struct repl_pub_ack {
	uint64_t number;
	uint64_t stream;
	uint64_t seq;
	uint8_t via[REPL_VIA_LEN];
	uint8_t status;
	uint8_t level;
	uint8_t held;
};

/*
 * REPLICATE (40 bytes, then the message): a stamped message the owner
 * sends each other replica, sharing the fan-out's copy of the message.
 *   0 u64 stream, not 0
 *   8 u64 seq, 1 .. CHAN_SEQ_MAX
 *  16 u64 client: the ack request's, or 0
 *  24 u64 number: the ack request's, 1 .. CHAN_SEQ_MAX, or 0; 0
 *         exactly when client is 0
 *  32 u64 committed: the owner's committed sequence of the stream,
 *         0 .. seq - 1
 *  40     the message, up to chan_payload_max() bytes
 */
struct repl_replicate {
	uint64_t stream;
	uint64_t seq;
	uint64_t client;
	uint64_t number;
	uint64_t committed;
};

/*
 * REPL_ACK (24 bytes), cumulative: a later one says all an earlier one
 * did.
 *   0 u64 stream, not 0
 *   8 u64 held: the replica's held of the stream, 0 .. CHAN_SEQ_MAX
 *  16 u8  status (enum repl_ack_status)
 *  17     7 bytes reserved, zero
 */
struct repl_ack {
	uint64_t stream;
	uint64_t held;
	uint8_t status;
};

/*
 * REPL_SYNC has no fixed part (0 bytes): a new owner asks a replica of
 * the epoch before for its state of the channel; the header's seq is a
 * request id that the REPL_STATE echoes.
 *
 * REPL_STATE (32 bytes), a replica's state of the channel:
 *   0 u64 stream: the stream it holds; 0 if it holds no state of the
 *         channel, and then every other field is 0 too
 *   8 u64 held: the highest sequence up to which it holds every one from
 *         first, first .. CHAN_SEQ_MAX; 0 exactly when first is 0
 *  16 u64 first: the oldest sequence it holds, 1 .. held; 0 if none
 *  24 u64 committed: the owner's committed sequence as the replica last
 *         learnt it, 0 .. CHAN_SEQ_MAX - 1 (REPLICATE's committed is
 *         below a sequence)
 */
struct repl_state {
	uint64_t stream;
	uint64_t held;
	uint64_t first;
	uint64_t committed;
};

/*
 * Resume point (24 bytes), the fixed part of a SUBSCRIBE with
 * RUMOR_F_ACK: a SUBSCRIBE's 8 bytes, then a position in the stream as a
 * DELIVER gives it (every message of stream after seq is asked for).
 *   0 u32 lease_ms, 0 .. CHAN_LEASE_MAX_MS, as a SUBSCRIBE's
 *   4 u32 reserved, zero
 *   8 u64 stream, not 0
 *  16 u64 seq: the last sequence the client has, 1 .. CHAN_SEQ_MAX
 */
struct repl_resume {
	uint32_t lease_ms;
	uint64_t stream;
	uint64_t seq;
};

const char *repl_level_name(enum repl_level l);
const char *repl_pub_status_name(enum repl_pub_status s);
const char *repl_ack_status_name(enum repl_ack_status s);

/*
 * Codecs of the fixed parts alone, as rumor/chan_wire.h's: each decoder
 * takes the bytes after the channel name (len of them) and reads nothing
 * beyond len; the ack request and REPLICATE accept a message after their
 * 40 bytes, the others refuse any other length (LENGTH). Then a reserved
 * field not 0 (RESERVED), then each field in its order above. Each
 * encoder writes the part into buf (cap bytes) and returns its length,
 * or 0, writing nothing, if the fields would not decode or it does not
 * fit. For P of them, repl_P_decode(buf, len, struct repl_P *out) and
 * repl_P_encode(const struct repl_P *in, buf, cap). Neither the ack
 * request's client nor its via is checked: who may write them depends on
 * who sent it, which only the receiving node knows.
 */
#define REPL_PART_CODEC_DECL(P)						\
enum chan_wire_error repl_##P##_decode(const uint8_t *buf, size_t len,	\
		struct repl_##P *out);					\
size_t repl_##P##_encode(const struct repl_##P *in, uint8_t *buf,	\
		size_t cap);

REPL_PART_CODEC_DECL(pub_req)
REPL_PART_CODEC_DECL(pub_ack)
REPL_PART_CODEC_DECL(replicate)
REPL_PART_CODEC_DECL(ack)
REPL_PART_CODEC_DECL(state)
REPL_PART_CODEC_DECL(resume)

/*
 * A whole replication message, decoded: type RUMOR_T_DATA is an acked
 * PUBLISH and RUMOR_T_SUBSCRIBE a resuming one (both with RUMOR_F_ACK on
 * the wire, which the type implies here), else PUB_ACK .. REPL_STATE.
 * Numbers are in host order; channel and payload point into the decoded
 * buffer.
 */
struct repl_msg {
	uint8_t type;
	uint8_t hop_limit;
	uint32_t origin;	/* 0 from a client; else a node id. */
	uint64_t epoch;		/* Sender's ring epoch; 0 from a client. */
	uint64_t seq;		/* PUBLISH: publish id; SUBSCRIBE: request
				 * id; PUB_ACK: the request's number;
				 * REPL_SYNC: request id, REPL_STATE's echo. */
	uint64_t channel_hash;	/* XXH3-64 of the name; not checked. */
	const char *channel;
	size_t channel_len;
	union {
		struct repl_pub_req req;	/* PUBLISH. */
		struct repl_resume resume;	/* SUBSCRIBE. */
		struct repl_pub_ack pub_ack;	/* PUB_ACK. */
		struct repl_replicate rep;	/* REPLICATE. */
		struct repl_ack ack;		/* REPL_ACK. */
		struct repl_state state;	/* REPL_STATE. */
	} u;
	const uint8_t *payload;	/* PUBLISH and REPLICATE: the message;
				 * else NULL. */
	size_t payload_len;
};

/*
 * A message of type (RUMOR_T_DATA or RUMOR_T_SUBSCRIBE for the acked and
 * resuming ones) on channel name (len bytes): hop limit
 * RUMOR_DEFAULT_HOP_LIMIT, the name's hash, every other field 0, for the
 * caller to fill in.
 */
void repl_msg_init(struct repl_msg *m, uint8_t type, const char *name,
		size_t len);

/*
 * Decode the plain datagram at buf (len bytes, the whole UDP payload,
 * without an auth block). Checks, in this order, and the first failure
 * decides:
 *   - the header as chan_hdr_decode does: SHORT, LENGTH over a datagram,
 *     HEADER (a flag but RUMOR_F_ACK), TYPE (not PUB_ACK .. REPL_STATE
 *     without a flag, nor PUBLISH or SUBSCRIBE with RUMOR_F_ACK),
 *     CHANNEL, LENGTH;
 *   - ORIGIN: a SUBSCRIBE's not 0, or another type's (but PUBLISH) 0;
 *   - KIND: a broadcast channel;
 *   - the fixed part, as its decoder above (LENGTH, RESERVED, then its
 *     fields in the order docs/replication.md, "Validation", gives);
 *   - NUMBER: a PUB_ACK's number not its header's seq;
 *   - LENGTH: a message above chan_payload_max().
 * On error out is partly written and must not be used.
 */
enum chan_wire_error repl_msg_decode(const uint8_t *buf, size_t len,
		struct repl_msg *out);

/*
 * Encode m into buf (cap bytes), RUMOR_F_ACK set on a PUBLISH and a
 * SUBSCRIBE. Returns the length written, or 0 (and writes nothing) if
 * repl_msg_decode would refuse the result or it does not fit. A message
 * repl_msg_decode accepts encodes back to the same bytes.
 */
size_t repl_msg_encode(const struct repl_msg *m, uint8_t *buf, size_t cap);

#endif /* RUMOR_REPL_WIRE_H */
