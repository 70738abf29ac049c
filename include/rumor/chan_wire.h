/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Channel messages: publish/subscribe between clients and nodes, and the
 * ordering, interest, recovery and broadcast messages between nodes.
 * docs/channels.md is the design; this header is its wire format.
 *
 * Every channel message is a rumor datagram (rumor/wire.h): the 40-byte
 * header, channel_len bytes of channel name, then payload_len bytes that
 * hold a fixed part of the type's own layout (below) and, for the types
 * that carry one, the message bytes after it. Everything is in network
 * byte order and may sit at any alignment.
 *
 * The type numbers (3 to 16) are in enum rumor_type of rumor/wire.h,
 * beside DATA and CONTROL; this header gives each its fixed part.
 *
 * A client's SUBSCRIBE, UNSUBSCRIBE and PUBLISH to a node with
 * client_auth = token carry blocks between the header and the channel
 * name (flags RUMOR_F_CRED and RUMOR_F_AUTH), a node answers an unproven
 * address with a COOKIE (type 17), and a SUB_ACK that opens a session
 * carries its key: rumor/client_auth.h gives those layouts, and the node
 * strips the blocks before these decoders see the message.
 *
 * Pure C (no DPDK): the dataplane, the client library, the tests and the
 * fuzzers share it.
 */
#ifndef RUMOR_CHAN_WIRE_H
#define RUMOR_CHAN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"
#include "rumor/wire.h"

/*
 * Channel message types: RUMOR_T_SUBSCRIBE to RUMOR_T_HANDOFF of enum
 * rumor_type (rumor/wire.h). PUBLISH is RUMOR_T_DATA (1): a client sends
 * it with origin 0, and a node stamps its own id. The types after them
 * (COOKIE, and replication's from PUB_ACK) have codecs of their own.
 */
#define RUMOR_T_CHAN_FIRST RUMOR_T_SUBSCRIBE
#define RUMOR_T_CHAN_MAX (RUMOR_T_HANDOFF + 1)

/*
 * A channel whose name starts with this byte is a broadcast channel: its
 * messages spread to every node by gossip, without an owner or an order.
 * Every other channel is ordered by its owner.
 */
#define CHAN_BROADCAST_PREFIX '@'

/*
 * Sequence numbers of a channel run from 1 to CHAN_SEQ_MAX and never
 * wrap: at 10^9 messages a second the end is 292 years away, and the top
 * bit left free keeps every sum and difference of two sequences in range.
 */
#define CHAN_SEQ_MAX ((UINT64_C(1) << 63) - 1)
/*
 * The largest next_seq a HANDOFF may carry: half the range. No stream
 * gets near it (2^62 messages), and a HANDOFF that claims more would
 * leave its stream no room to go on.
 */
#define CHAN_HANDOFF_SEQ_MAX (CHAN_SEQ_MAX / 2)

/* Leases, in milliseconds, as they travel. */
#define CHAN_LEASE_MAX_MS 300000u	/* Longest lease on the wire. */
#define CHAN_LEASE_MIN_MS 1000u		/* Shortest a node grants. */
#define CHAN_LEASE_DEFAULT_MS 30000u	/* Granted for a request of 0. */
#define CHAN_INTEREST_LEASE_MS 30000u	/* Asked by subscriber nodes. */
#define CHAN_INTEREST_REFRESH_MS 10000u	/* How often they refresh it. */

/* Sequences one NACK asks for, and a subscriber node's reorder window. */
#define CHAN_NACK_MAX 64u

/* Lengths of the fixed parts after the channel name. */
#define CHAN_LEASE_LEN 8u	/* SUBSCRIBE, INTEREST. */
#define CHAN_ACK_LEN 12u	/* SUB_ACK. */
#define CHAN_IACK_LEN 28u	/* INTEREST_ACK. */
#define CHAN_ORD_LEN 16u	/* DELIVER, FANOUT, RETRANSMIT (+ message). */
#define CHAN_GOSSIP_LEN 8u	/* GOSSIP (+ message). */
#define CHAN_RANGE_LEN 24u	/* GAP, GONE. */
#define CHAN_NACK_LEN 24u	/* NACK. */
#define CHAN_HANDOFF_REQ_LEN 0u	/* HANDOFF_REQ. */
#define CHAN_HANDOFF_LEN 24u	/* HANDOFF, before its nodes. */
#define CHAN_HANDOFF_NODE_LEN 8u	/* Each node of a HANDOFF. */
/* Nodes one HANDOFF carries: 24 + 8 * 128 fit beside a 255-byte name. */
#define CHAN_HANDOFF_NODES_MAX 128u

/*
 * The largest fixed part that a message follows, of any type: 40 bytes,
 * a REPLICATE's and an acked PUBLISH's ack request (rumor/repl_wire.h).
 */
#define CHAN_MSG_FIXED_MAX 40u

/*
 * The largest message a channel of name length chan_len carries: what
 * fits one datagram after the largest fixed part and a node's auth block,
 * so that every type that carries a message (DELIVER, FANOUT, a
 * REPLICATE to a replica, an acked PUBLISH), authenticated between nodes,
 * can carry it. A PUBLISH above it is refused, since it could not be
 * delivered: 1376 - chan_len bytes.
 */
static inline size_t
chan_payload_max(size_t chan_len)
{
	if (chan_len == 0 || chan_len > RUMOR_CHANNEL_MAX)
		return 0;
	return RUMOR_DATAGRAM_MAX - sizeof(struct rumor_hdr) -
			RUMOR_AUTH_LEN - chan_len - CHAN_MSG_FIXED_MAX;
}

/* True if the channel name (len bytes) names a broadcast channel. */
static inline bool
chan_is_broadcast(const char *name, size_t len)
{
	return len > 0 && name[0] == CHAN_BROADCAST_PREFIX;
}

/* SUB_ACK and INTEREST_ACK status: granted, or which limit refused. */
#define CHAN_STATUSES(X)						\
	/* Granted (or given back). */					\
	X(CHAN_ST_OK, "ok")						\
	/* UNSUBSCRIBE of no subscription. */				\
	X(CHAN_ST_NOT_SUBSCRIBED, "not subscribed")			\
	/* Subscriptions of this client. */				\
	X(CHAN_ST_CLIENT_LIMIT, "subscriptions per client")		\
	/* Subscriptions on this node. */				\
	X(CHAN_ST_NODE_LIMIT, "subscriptions per node")			\
	/* Distinct clients on this node. */				\
	X(CHAN_ST_CLIENTS_LIMIT, "clients per node")			\
	/* Local subscribers of the channel. */				\
	X(CHAN_ST_CHANNEL_LIMIT, "subscribers per channel")		\
	/* Owner: nodes interested in it. */				\
	X(CHAN_ST_INTEREST_LIMIT, "interested nodes per channel")	\
	/* Owner: channels with an audience. */				\
	X(CHAN_ST_OWNED_LIMIT, "owned channels")			\
	/* The client's token does not allow it (docs/clients.md). */	\
	X(CHAN_ST_TOKEN, "not allowed by token")			\
	/* The client's token is invalid, expired or not yet valid, or	\
	 * its sessions are over a limit of the node. */		\
	X(CHAN_ST_TOKEN_REFUSED, "token refused")

enum chan_status {
	CHAN_STATUSES(RUMOR_ENUM_VALUE)
	CHAN_ST_MAX
};

/* True for the statuses that name a limit (CLIENT_LIMIT .. OWNED_LIMIT). */
static inline bool
chan_status_is_limit(unsigned s)
{
	return s >= CHAN_ST_CLIENT_LIMIT && s <= CHAN_ST_OWNED_LIMIT;
}

/*
 * SUBSCRIBE and INTEREST (8 bytes):
 *   0 u32 lease_ms: asked for, 0 .. CHAN_LEASE_MAX_MS. SUBSCRIBE: 0
 *         asks for the node's default. INTEREST: 0 withdraws it.
 *   4 u32 reserved, zero
 */
struct chan_lease {
	uint32_t lease_ms;
};

/*
 * SUB_ACK (12 bytes) and INTEREST_ACK (28 bytes):
 *   0 u8  status (enum chan_status)
 *   1 u8  reserved, zero
 *   2 u16 reserved, zero
 *   4 u32 lease_ms: granted, 0 .. CHAN_LEASE_MAX_MS; 0 unless status
 *         is OK (an OK with 0 answers an UNSUBSCRIBE or a withdrawal)
 *   8 u32 limit: the limit that refused (1 or more) for a *_LIMIT
 *         status; 0 for every other status
 * INTEREST_ACK only; both not 0 on a grant (OK with a lease), else 0:
 *  12 u64 stream: the owner's stream of the channel
 *  20 u64 next_seq: a lower bound of the first sequence the owner fans
 *         out to the node, 1 .. CHAN_SEQ_MAX
 */
struct chan_ack {
	uint8_t status;
	uint32_t lease_ms;
	uint32_t limit;
	uint64_t stream;	/* INTEREST_ACK only; 0 in a SUB_ACK. */
	uint64_t next_seq;	/* INTEREST_ACK only; 0 in a SUB_ACK. */
};

/*
 * DELIVER, FANOUT and RETRANSMIT (16 bytes, then the message):
 *   0 u64 stream: the owner's run of sequences, not 0 (0 on a broadcast
 *         channel, which only DELIVER may name)
 *   8 u64 seq: the channel sequence, 1 .. CHAN_SEQ_MAX (0 on a
 *         broadcast channel)
 *  16     the message, up to chan_payload_max() bytes
 * Every byte that differs between the copies of one message comes
 * before the message, so that a fan-out shares one copy of it.
 */
struct chan_ord {
	uint64_t stream;
	uint64_t seq;
};

/*
 * GOSSIP (8 bytes, then the message):
 *   0 u64 boot: the origin's boot number, not 0 (wall-clock microseconds
 *         when its dataplane started), so that a restarted origin's
 *         publish ids are told from those before the restart
 *   8     the message, up to chan_payload_max() bytes
 */
struct chan_gossip {
	uint64_t boot;
};

/*
 * GAP and GONE (24 bytes): sequences first .. last (inclusive) of
 * stream are lost for good.
 *   0 u64 stream, not 0
 *   8 u64 first, 1 .. CHAN_SEQ_MAX
 *  16 u64 last, first .. CHAN_SEQ_MAX
 */
struct chan_range {
	uint64_t stream;
	uint64_t first;
	uint64_t last;
};

/*
 * NACK (24 bytes): resend sequences first .. first + count - 1.
 *   0 u64 stream, not 0
 *   8 u64 first, 1 .. CHAN_SEQ_MAX - count + 1
 *  16 u32 count, 1 .. CHAN_NACK_MAX
 *  20 u32 reserved, zero
 */
struct chan_nack {
	uint64_t stream;
	uint64_t first;
	uint32_t count;
};

/*
 * HANDOFF_REQ has no fixed part (0 bytes): the new owner of an ordered
 * channel asks the old one (the owner under the ring before) for it; the
 * header's origin is the asking node, seq a request id the answer echoes,
 * epoch the ring epoch under which it owns the channel.
 *
 * HANDOFF (24 bytes, then 8 per node): the old owner's state of the
 * channel, sent once the old owner no longer orders it.
 *   0 u64 stream: the stream the old owner ordered it under; 0 if it
 *         held no state (the new owner then starts its own)
 *   8 u64 next_seq: the next sequence of that stream, 1 ..
 *         CHAN_HANDOFF_SEQ_MAX; 0 exactly when stream is 0
 *  16 u32 count: nodes that follow, 0 .. CHAN_HANDOFF_NODES_MAX
 *  20 u32 reserved, zero
 *  24     count times: u32 node id (not 0), u32 lease_ms left
 *         (1 .. CHAN_LEASE_MAX_MS): the interest set
 * The fixed part is exactly 24 + 8 * count bytes.
 */
struct chan_handoff_node {
	uint32_t id;
	uint32_t lease_ms;
};

struct chan_handoff {
	uint64_t stream;
	uint64_t next_seq;
	uint32_t n_nodes;
	struct chan_handoff_node node[CHAN_HANDOFF_NODES_MAX];
};

/* Why a channel message was refused; CHAN_WIRE_OK when it was not. */
#define CHAN_WIRE_ERRORS(X)						\
	X(CHAN_WIRE_OK, "ok")						\
	/* Shorter than the rumor header. */				\
	X(CHAN_WIRE_SHORT, "short")					\
	/* Magic, version, flags or reserved wrong. */			\
	X(CHAN_WIRE_HEADER, "header")					\
	/* Not DATA nor a channel message type. */			\
	X(CHAN_WIRE_TYPE, "type")					\
	/* Channel name empty or over 255 bytes. */			\
	X(CHAN_WIRE_CHANNEL, "channel")					\
	/* Lengths that do not add up, a fixed part of the wrong	\
	 * size, or too long. */					\
	X(CHAN_WIRE_LENGTH, "length")					\
	/* Origin 0 from a node, or not 0 from a client. */		\
	X(CHAN_WIRE_ORIGIN, "origin")					\
	/* A type the channel's kind (broadcast or ordered) does not	\
	 * have. */							\
	X(CHAN_WIRE_KIND, "kind")					\
	/* A reserved field of the fixed part not 0. */			\
	X(CHAN_WIRE_RESERVED, "reserved")				\
	/* Unknown status, or a lease, limit, stream or next_seq that	\
	 * does not go with it. */					\
	X(CHAN_WIRE_STATUS, "status")					\
	/* Lease above CHAN_LEASE_MAX_MS. */				\
	X(CHAN_WIRE_LEASE, "lease")					\
	/* Stream 0 on an ordered channel, or not 0 on a broadcast	\
	 * one. */							\
	X(CHAN_WIRE_STREAM, "stream")					\
	/* A sequence out of its range. */				\
	X(CHAN_WIRE_SEQ, "seq")						\
	/* first above last, or a count out of range. */		\
	X(CHAN_WIRE_RANGE, "range")					\
	/* GOSSIP boot 0. */						\
	X(CHAN_WIRE_BOOT, "boot")					\
	/* rumor/repl_wire.h's: an ack level out of its range. */	\
	X(CHAN_WIRE_LEVEL, "level")					\
	/* A publisher's number out of 1 .. CHAN_SEQ_MAX, or a PUB_ACK	\
	 * whose number is not its header's seq. */			\
	X(CHAN_WIRE_NUMBER, "number")					\
	/* A client id 0 from a node or not 0 from a client; in a	\
	 * REPLICATE, 0 with a number or not 0 without one. */		\
	X(CHAN_WIRE_CLIENT, "client")

enum chan_wire_error {
	CHAN_WIRE_ERRORS(RUMOR_ENUM_VALUE)
	CHAN_WIRE_ERROR_MAX
};

/*
 * A place in an ordered stream, as every fixed part that names one checks
 * it: the stream not 0 (STREAM), seq 1 .. CHAN_SEQ_MAX (SEQ).
 */
static inline enum chan_wire_error
chan_pos_check(uint64_t stream, uint64_t seq)
{
	if (stream == 0)
		return CHAN_WIRE_STREAM;
	return seq == 0 || seq > CHAN_SEQ_MAX ? CHAN_WIRE_SEQ : CHAN_WIRE_OK;
}

const char *chan_wire_error_name(enum chan_wire_error e);
const char *chan_status_name(enum chan_status s);
const char *chan_type_name(uint8_t type);

/*
 * Codecs of the fixed parts alone. Each decoder takes the bytes after the
 * channel name (len of them) and reads nothing beyond len; the fixed-size
 * ones refuse any other length. chan_ord_decode accepts a message after
 * its 16 bytes and needs to know whether the channel is a broadcast one.
 * Each encoder writes the fixed part into buf (cap bytes) and returns its
 * length, or 0, writing nothing, if the fields would not decode or it
 * does not fit. interest selects INTEREST_ACK's layout of an ack.
 *
 * The parts that have no variant (lease, gossip, range, nack) share one
 * signature: for P of them, chan_P_decode(buf, len, struct chan_P *out)
 * and chan_P_encode(const struct chan_P *in, buf, cap).
 */
#define CHAN_PART_CODEC_DECL(P)						\
enum chan_wire_error chan_##P##_decode(const uint8_t *buf, size_t len,	\
		struct chan_##P *out);					\
size_t chan_##P##_encode(const struct chan_##P *in, uint8_t *buf,	\
		size_t cap);

CHAN_PART_CODEC_DECL(lease)
CHAN_PART_CODEC_DECL(gossip)
CHAN_PART_CODEC_DECL(range)
CHAN_PART_CODEC_DECL(nack)

enum chan_wire_error chan_ack_decode(const uint8_t *buf, size_t len,
		bool interest, struct chan_ack *out);
size_t chan_ack_encode(const struct chan_ack *a, bool interest, uint8_t *buf,
		size_t cap);
enum chan_wire_error chan_ord_decode(const uint8_t *buf, size_t len,
		bool broadcast, struct chan_ord *out);
size_t chan_ord_encode(const struct chan_ord *o, bool broadcast,
		uint8_t *buf, size_t cap);
/* HANDOFF: stream, next_seq and count as above; LENGTH, RESERVED, SEQ,
 * RANGE (a node id 0) and LEASE are its errors. */
enum chan_wire_error chan_handoff_decode(const uint8_t *buf, size_t len,
		struct chan_handoff *out);
size_t chan_handoff_encode(const struct chan_handoff *ho, uint8_t *buf,
		size_t cap);

/*
 * The header of a channel datagram and where its body lies, as the
 * decoders of whole messages share it (chan_msg_decode here, and those of
 * the types built on these messages: rumor/repl_wire.h). Numbers are in
 * host order; channel and body point into the decoded buffer.
 */
struct chan_hdr {
	uint8_t type;
	uint8_t flags;		/* RUMOR_F_KNOWN bits only. */
	uint8_t hop_limit;
	uint32_t origin;
	uint64_t epoch;
	uint64_t seq;
	uint64_t channel_hash;
	const char *channel;
	size_t channel_len;
	const uint8_t *body;	/* The payload_len bytes after the name. */
	size_t body_len;
};

/*
 * Decode the header of the datagram at buf (len bytes, the whole UDP
 * payload) and find its body. Checks, in this order, and the first
 * failure decides: SHORT, LENGTH (over a datagram), HEADER (magic,
 * version, a flag outside flags_known, the reserved word), TYPE
 * (type_ok(type, flags) false), CHANNEL, LENGTH (lengths that do not add
 * up). It reads nothing beyond len; on error out is partly written.
 */
enum chan_wire_error chan_hdr_decode(const uint8_t *buf, size_t len,
		uint8_t flags_known,
		bool (*type_ok)(uint8_t type, uint8_t flags),
		struct chan_hdr *out);

/*
 * Write h's header (payload_len h->body_len, reserved 0) and its channel
 * name at buf; the body is the caller's to write after them. It checks
 * nothing: the caller has checked every field, and that the whole
 * message fits buf and a datagram. Returns 40 + h->channel_len.
 */
size_t chan_hdr_write(const struct chan_hdr *h, uint8_t *buf);

/*
 * A whole channel message (DATA or a channel type), decoded. Numbers are
 * in host order. channel and payload point into the decoded buffer.
 */
struct chan_msg {
	uint8_t type;		/* RUMOR_T_DATA or a channel type. */
	uint8_t hop_limit;
	uint32_t origin;	/* 0 from a client; else a node id. */
	uint64_t epoch;		/* Sender's ring epoch; 0 from a client. */
	uint64_t seq;		/* Publish id, or request id (SUBSCRIBE,
				 * UNSUBSCRIBE, INTEREST, echoed by acks). */
	uint64_t channel_hash;	/* XXH3-64 of the name; not checked. */
	const char *channel;
	size_t channel_len;
	union {
		struct chan_lease lease;	/* SUBSCRIBE, INTEREST. */
		struct chan_ack ack;		/* SUB_ACK, INTEREST_ACK. */
		struct chan_ord ord;		/* DELIVER, FANOUT, RETRANSMIT. */
		struct chan_range range;	/* GAP, GONE. */
		struct chan_nack nack;		/* NACK. */
		struct chan_gossip gossip;	/* GOSSIP. */
		struct chan_handoff handoff;	/* HANDOFF. */
	} u;
	const uint8_t *payload;	/* DATA, DELIVER, FANOUT, RETRANSMIT and
				 * GOSSIP: the message; else NULL. */
	size_t payload_len;
};

/*
 * A message of type on channel name (len bytes) as a client or a tool
 * starts it: hop limit RUMOR_DEFAULT_HOP_LIMIT, the name's hash, every
 * other field 0, for the caller to fill in.
 */
void chan_msg_init(struct chan_msg *m, uint8_t type, const char *name,
		size_t len);

/*
 * Decode the datagram at buf (len bytes, the whole UDP payload). Checks,
 * in this order: the header as rumor_hdr_check does (SHORT, LENGTH over
 * a datagram, HEADER, TYPE, CHANNEL, LENGTH), then ORIGIN, then KIND,
 * then the fixed part (LENGTH, RESERVED, STATUS, LEASE, STREAM, SEQ,
 * RANGE, BOOT), then a message longer than chan_payload_max() (LENGTH). The
 * first failure decides. On error out is partly written and must not be
 * used.
 */
enum chan_wire_error chan_msg_decode(const uint8_t *buf, size_t len,
		struct chan_msg *out);

/*
 * Encode m into buf (cap bytes). Returns the length written, or 0 (and
 * writes nothing) if chan_msg_decode would refuse the result or it does
 * not fit. A message chan_msg_decode accepts encodes back to the same
 * bytes.
 */
size_t chan_msg_encode(const struct chan_msg *m, uint8_t *buf, size_t cap);

#endif /* RUMOR_CHAN_WIRE_H */
