/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rumor wire header: the fixed part that starts every rumor UDP
 * datagram, its constants, and a decoder that validates lengths before it
 * reads. Everything on the wire is in network byte order. The layout is
 * documented in docs/protocol.md; scripts/rumor.lua dissects it.
 *
 * This header is pure C (no DPDK) so that the dataplane, the control
 * process, the client tools, the unit tests and the fuzzers share it.
 */
#ifndef RUMOR_WIRE_H
#define RUMOR_WIRE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <endian.h>

#include "rumor/enum_names.h"

#define RUMOR_MAGIC 0x524du		/* "RM" */
#define RUMOR_VERSION 1u
#define RUMOR_DEFAULT_PORT 7946u
#define RUMOR_DEFAULT_HOP_LIMIT 8u
#define RUMOR_CHANNEL_MAX 255u		/* bytes in a channel name */

/*
 * The largest datagram rumor sends or accepts: an Ethernet payload of
 * 1500 bytes minus IPv4 and UDP headers. Messages are never fragmented.
 */
#define RUMOR_DATAGRAM_MAX (1500u - 20u - 8u)

/*
 * Message types. DATA (a channel's PUBLISH) is forwarded by the
 * dataplane; CONTROL (membership and, later, consensus between
 * rumor-control processes) is handed to rumor-control and has its own
 * sealed layout after the first 4 bytes (rumor/seal.h), so
 * rumor_hdr_check refuses it. Types 3 to 16 are the channel messages:
 * rumor/chan_wire.h gives the fixed part of each, docs/channels.md their
 * meaning. COOKIE (17) is client admission's (rumor/client_auth.h), and
 * 18 to 22 are replication's (rumor/repl_wire.h, docs/replication.md),
 * 23 to 27 channel state's (rumor/state_wire.h, docs/state.md, "Wire").
 * Each type with its name (chan_type_name()), in number order from 1:
 */
#define RUMOR_TYPES(X)							\
	/* A message for one channel, routed to its owner. */		\
	X(RUMOR_T_DATA, "PUBLISH")					\
	/* Sealed control message (rumor/seal.h). */			\
	X(RUMOR_T_CONTROL, "CONTROL")					\
	/* Client to node: take or refresh a lease on a channel. */	\
	X(RUMOR_T_SUBSCRIBE, "SUBSCRIBE")				\
	/* Client to node: give the lease back. */			\
	X(RUMOR_T_UNSUBSCRIBE, "UNSUBSCRIBE")				\
	/* Node to client: answer to either, status and lease. */	\
	X(RUMOR_T_SUB_ACK, "SUB_ACK")					\
	/* Node to client: a message of a subscribed channel. */	\
	X(RUMOR_T_DELIVER, "DELIVER")					\
	/* Node to client: sequences that will never be delivered. */	\
	X(RUMOR_T_GAP, "GAP")						\
	/* Owner to subscriber node: a stamped message. */		\
	X(RUMOR_T_FANOUT, "FANOUT")					\
	/* Owner to subscriber node: answer to a NACK. */		\
	X(RUMOR_T_RETRANSMIT, "RETRANSMIT")				\
	/* Subscriber node to owner: interest lease. */			\
	X(RUMOR_T_INTEREST, "INTEREST")					\
	/* Owner to subscriber node: its answer. */			\
	X(RUMOR_T_INTEREST_ACK, "INTEREST_ACK")				\
	/* Subscriber node to owner: resend these. */			\
	X(RUMOR_T_NACK, "NACK")						\
	/* Owner to subscriber node: beyond history. */			\
	X(RUMOR_T_GONE, "GONE")						\
	/* Node to node: a broadcast message. */			\
	X(RUMOR_T_GOSSIP, "GOSSIP")					\
	/* New owner to old owner: hand the channel over. */		\
	X(RUMOR_T_HANDOFF_REQ, "HANDOFF_REQ")				\
	/* Old owner to new owner: the channel's state. */		\
	X(RUMOR_T_HANDOFF, "HANDOFF")					\
	/* Node to client: prove the address (client_auth.h). */	\
	X(RUMOR_T_COOKIE, "COOKIE")					\
	/* Owner to entry node, and on to the client: PUBLISH acked. */	\
	X(RUMOR_T_PUB_ACK, "PUB_ACK")					\
	/* Owner to replica: a stamped message to hold. */		\
	X(RUMOR_T_REPLICATE, "REPLICATE")				\
	/* Replica to owner: how far it holds the stream. */		\
	X(RUMOR_T_REPL_ACK, "REPL_ACK")					\
	/* New owner to the replicas before: their state. */		\
	X(RUMOR_T_REPL_SYNC, "REPL_SYNC")				\
	/* Replica to new owner: its answer. */				\
	X(RUMOR_T_REPL_STATE, "REPL_STATE")				\
	/* Client to node, entry node to owner: change an object. */	\
	X(RUMOR_T_STATE_WRITE, "STATE_WRITE")				\
	/* Client to node, entry node to owner: read an object. */	\
	X(RUMOR_T_STATE_READ, "STATE_READ")				\
	/* Node to entry node, and on to the client: the answer. */	\
	X(RUMOR_T_STATE_REPLY, "STATE_REPLY")				\
	/* Replica to replica: a delta or a whole state. */		\
	X(RUMOR_T_STATE_DELTA, "STATE_DELTA")				\
	/* Replica to replica: version vector digests, anti-entropy. */	\
	X(RUMOR_T_STATE_DIGEST, "STATE_DIGEST")

enum rumor_type {
	RUMOR_T_NONE = 0,	/* No message has type 0. */
	RUMOR_TYPES(RUMOR_ENUM_VALUE)
	RUMOR_T_MAX
};

_Static_assert(RUMOR_T_DATA == 1 && RUMOR_T_CONTROL == 2 &&
		RUMOR_T_SUBSCRIBE == 3 && RUMOR_T_HANDOFF == 16 &&
		RUMOR_T_COOKIE == 17 && RUMOR_T_PUB_ACK == 18 &&
		RUMOR_T_REPL_STATE == 22 && RUMOR_T_STATE_WRITE == 23 &&
		RUMOR_T_STATE_DIGEST == 27 && RUMOR_T_MAX == 28,
		"type numbers are the wire's");

/* Offset of the type byte, the same in every rumor datagram. */
#define RUMOR_TYPE_OFF 3u

/* Flags; every bit not defined here must be zero. */
#define RUMOR_F_NONE 0x00u
/*
 * An auth block (rumor/node_auth.h) of RUMOR_AUTH_LEN bytes follows the
 * header: set on every message between nodes when they have credentials.
 */
#define RUMOR_F_AUTH 0x01u
#define RUMOR_AUTH_LEN 16u
/*
 * A client's CRED block (cookie and token, rumor/client_auth.h) follows
 * the header, or a SUB_ACK's session block; only client datagrams carry
 * it, and the node strips it before anything else reads the message.
 */
#define RUMOR_F_CRED 0x02u
/*
 * A PUBLISH that asks for a PUB_ACK (its payload starts with the 40-byte
 * ack request), or a SUBSCRIBE that resumes a stream (its fixed part
 * grows to 24 bytes): rumor/repl_wire.h. No other type carries it.
 */
#define RUMOR_F_ACK 0x04u
/*
 * Flags a message in the plain format may carry, each on the types
 * rumor_flags_ok allows it: what rumor_msg_encode writes, and what
 * rumor_hdr_check accepts besides RUMOR_F_AUTH. chan_msg_decode reads
 * the messages without a flag, repl_msg_decode those with RUMOR_F_ACK.
 */
#define RUMOR_F_KNOWN RUMOR_F_ACK

/* True if a plain message of this type may carry these flags. */
static inline bool
rumor_flags_ok(uint8_t type, uint8_t flags)
{
	if ((flags & ~RUMOR_F_KNOWN) != 0)
		return false;
	return (flags & RUMOR_F_ACK) == 0 || type == RUMOR_T_DATA ||
			type == RUMOR_T_SUBSCRIBE;
}

/*
 * The fixed header (40 bytes), followed by the auth block if RUMOR_F_AUTH
 * is set, then channel_len bytes of channel name and payload_len bytes of
 * payload, which together fill the UDP payload exactly.
 */
struct rumor_hdr {
	uint16_t magic;		/* RUMOR_MAGIC. */
	uint8_t version;	/* RUMOR_VERSION. */
	uint8_t type;		/* enum rumor_type. */
	uint8_t flags;		/* RUMOR_F_*; unknown bits are an error. */
	uint8_t hop_limit;	/* Decremented by each forwarding node. */
	uint16_t channel_len;	/* Bytes of channel name after the header. */
	uint32_t origin;	/* Node id of the origin; 0 for a client. */
	uint16_t payload_len;	/* Bytes of payload after the channel name. */
	uint16_t reserved;	/* Zero. */
	uint64_t epoch;		/* Ring epoch the message was routed under. */
	uint64_t seq;		/* Message id, unique per origin. */
	uint64_t channel_hash;	/* XXH3-64 of the channel name. */
} __attribute__((packed));

_Static_assert(sizeof(struct rumor_hdr) == 40, "rumor header is 40 bytes");

/* Why a rumor header was refused; RUMOR_HDR_OK when it was not. */
enum rumor_hdr_error {
	RUMOR_HDR_OK = 0,
	RUMOR_HDR_SHORT,	/* Fewer bytes than the fixed header. */
	RUMOR_HDR_MAGIC,	/* Wrong magic: not a rumor datagram. */
	RUMOR_HDR_VERSION,	/* A version this node does not speak. */
	RUMOR_HDR_TYPE,		/* Unknown type, or unknown flags or reserved bits. */
	RUMOR_HDR_LENGTH,	/* Lengths that do not add up, or too long. */
	RUMOR_HDR_CHANNEL,	/* Empty or over-long channel name. */
};

/* The bytes of auth block after a header: RUMOR_AUTH_LEN or 0. */
static inline size_t
rumor_hdr_auth_len(const struct rumor_hdr *h)
{
	return (h->flags & RUMOR_F_AUTH) ? RUMOR_AUTH_LEN : 0;
}

/*
 * Validate a rumor header at buf, len bytes long (the whole UDP payload).
 * It reads nothing beyond len and does not check the hop limit, which is
 * a forwarding decision, nor the channel hash, which needs XXH3.
 */
static inline enum rumor_hdr_error
rumor_hdr_check(const void *buf, size_t len)
{
	const struct rumor_hdr *h = buf;
	size_t chan, payload;

	if (len < sizeof(*h))
		return RUMOR_HDR_SHORT;
	if (len > RUMOR_DATAGRAM_MAX)
		return RUMOR_HDR_LENGTH;
	if (h->magic != htons(RUMOR_MAGIC))
		return RUMOR_HDR_MAGIC;
	if (h->version != RUMOR_VERSION)
		return RUMOR_HDR_VERSION;
	if (h->type == 0 || h->type >= RUMOR_T_MAX ||
			h->type == RUMOR_T_CONTROL ||
			!rumor_flags_ok(h->type, h->flags & ~RUMOR_F_AUTH) ||
			h->reserved != 0)
		return RUMOR_HDR_TYPE;
	chan = ntohs(h->channel_len);
	payload = ntohs(h->payload_len);
	if (chan == 0 || chan > RUMOR_CHANNEL_MAX)
		return RUMOR_HDR_CHANNEL;
	if (sizeof(*h) + rumor_hdr_auth_len(h) + chan + payload != len)
		return RUMOR_HDR_LENGTH;
	return RUMOR_HDR_OK;
}

/* Parameters of one message to encode. */
struct rumor_msg {
	uint8_t type;
	uint8_t flags;
	uint8_t hop_limit;
	uint32_t origin;
	uint64_t epoch;
	uint64_t seq;
	uint64_t channel_hash;
	const char *channel;
	size_t channel_len;
	const void *payload;
	size_t payload_len;
};

/*
 * Encode a whole message into buf (cap bytes). Returns the number of
 * bytes written, or 0 (writing nothing) if it does not fit, a length is
 * out of range, or the type or flags are unknown. It writes the plain
 * format: RUMOR_F_AUTH is refused (node_auth_insert adds the block).
 */
static inline size_t
rumor_msg_encode(void *buf, size_t cap, const struct rumor_msg *m)
{
	struct rumor_hdr h;
	size_t total;
	uint8_t *p = buf;

	/* Each length alone first, so that their sum cannot wrap. */
	if (m->channel_len == 0 || m->channel_len > RUMOR_CHANNEL_MAX ||
			m->payload_len > RUMOR_DATAGRAM_MAX ||
			m->type == 0 || m->type >= RUMOR_T_MAX ||
			m->type == RUMOR_T_CONTROL ||
			!rumor_flags_ok(m->type, m->flags))
		return 0;
	total = sizeof(h) + m->channel_len + m->payload_len;
	if (total > RUMOR_DATAGRAM_MAX || total > cap)
		return 0;
	h.magic = htons(RUMOR_MAGIC);
	h.version = RUMOR_VERSION;
	h.type = m->type;
	h.flags = m->flags;
	h.hop_limit = m->hop_limit;
	h.channel_len = htons((uint16_t)m->channel_len);
	h.origin = htonl(m->origin);
	h.payload_len = htons((uint16_t)m->payload_len);
	h.reserved = 0;
	h.epoch = htobe64(m->epoch);
	h.seq = htobe64(m->seq);
	h.channel_hash = htobe64(m->channel_hash);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), m->channel, m->channel_len);
	if (m->payload_len > 0)
		memcpy(p + sizeof(h) + m->channel_len, m->payload,
				m->payload_len);
	return total;
}

/*
 * The channel name of a checked header (not NUL-terminated), past the
 * auth block if there is one.
 */
static inline const char *
rumor_hdr_channel(const struct rumor_hdr *h)
{
	return (const char *)(h + 1) + rumor_hdr_auth_len(h);
}

/* The payload of a checked header. */
static inline const uint8_t *
rumor_hdr_payload(const struct rumor_hdr *h)
{
	return (const uint8_t *)rumor_hdr_channel(h) + ntohs(h->channel_len);
}

#endif /* RUMOR_WIRE_H */
