/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The body of a membership (SWIM) message: what one rumor-control sends
 * another. The envelope that carries it between nodes (rumor header type,
 * authentication) is not part of this format. All fields are in network
 * byte order; docs/protocol.md documents the layout.
 *
 *   0  u8  kind (enum swim_kind)
 *   1  u8  n_updates (0 .. SWIM_UPDATES_MAX)
 *   2  u16 reserved, zero
 *   4  u32 from: the sender's node id (non-zero)
 *   8  u32 seq: probe sequence number, echoed by ACK and NACK; for
 *      SYNC and SYNC_REPLY, the exchange it belongs to
 *  12  u32 target: PING, PING_REQ: the node to probe (0: unknown, a seed);
 *      SYNC, SYNC_REPLY: the index of this datagram in its exchange;
 *      DIGEST: the high 32 bits of the sender's view digest
 *  16  u32 target_ip: PING_REQ: its IPv4 address; DIGEST: the low 32
 *      bits of the digest (else 0)
 *  20  u16 target_port: PING_REQ: its UDP port (else 0)
 *  22  u16 reserved, zero
 *  24  n_updates x 20 bytes of member updates:
 *      u32 id, u32 ip, u16 port, u8 state, u8 zone,
 *      u32 incarnation, u32 weight
 */
#ifndef RUMOR_SWIM_WIRE_H
#define RUMOR_SWIM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"

#define SWIM_HDR_LEN 24u
#define SWIM_UPDATE_LEN 20u
#define SWIM_UPDATES_MAX 64u
#define SWIM_MSG_MAX (SWIM_HDR_LEN + SWIM_UPDATES_MAX * SWIM_UPDATE_LEN)

enum swim_kind {
	SWIM_PING = 1,		/* Are you alive? Answered by ACK. */
	SWIM_ACK,		/* Yes (to a PING, or relayed for a PING_REQ). */
	SWIM_PING_REQ,		/* Please probe target for me. */
	SWIM_NACK,		/* I relayed your PING_REQ but got no ACK. */
	SWIM_SYNC,		/* Anti-entropy: my whole state, in as many
				 * datagrams as it takes; send me yours. */
	SWIM_SYNC_REPLY,	/* My whole state, in answer to a SYNC. */
	SWIM_GOSSIP,		/* News only (the updates); no answer. */
	SWIM_DIGEST,		/* Anti-entropy, cheaply: a fingerprint of my
				 * whole state (target: its high 32 bits,
				 * target_ip: its low 32 bits); if yours
				 * differs, push-pull with me. */
	SWIM_KIND_MAX
};

/* What an update says of a member; the order is the precedence. */
enum swim_state {
	SWIM_ALIVE = 0,
	SWIM_SUSPECT,
	SWIM_DEAD,
	SWIM_LEFT,		/* Left gracefully. */
	SWIM_STATE_MAX
};

struct swim_update {
	uint32_t id;		/* Non-zero. */
	uint32_t ip;		/* Network order, as on the wire. */
	uint16_t port;		/* Host order. */
	uint8_t state;		/* enum swim_state. */
	uint8_t zone;		/* Failure zone (metadata). */
	uint32_t incarnation;
	uint32_t weight;	/* 1 .. RING_WEIGHT_MAX. */
};

/* A decoded message; numbers in host order except ip fields. */
struct swim_msg {
	uint8_t kind;
	uint8_t n_updates;
	uint32_t from;
	uint32_t seq;
	uint32_t target;
	uint32_t target_ip;	/* Network order. */
	uint16_t target_port;	/* Host order. */
	struct swim_update updates[SWIM_UPDATES_MAX];
};

#define SWIM_WIRE_ERRORS(X)						\
	X(SWIM_WIRE_OK, "ok")						\
	/* Shorter than the header. */					\
	X(SWIM_WIRE_SHORT, "short")					\
	/* Unknown kind, or reserved bits set. */			\
	X(SWIM_WIRE_KIND, "kind")					\
	/* Length is not header + n_updates updates. */			\
	X(SWIM_WIRE_LENGTH, "length")					\
	/* from is 0. */						\
	X(SWIM_WIRE_SENDER, "sender")					\
	/* An update with id 0, unknown state or weight out of	\
	 * range. */							\
	X(SWIM_WIRE_UPDATE, "update")

enum swim_wire_error {
	SWIM_WIRE_ERRORS(RUMOR_ENUM_VALUE)
	SWIM_WIRE_ERROR_MAX
};

/*
 * Decode len bytes at buf into out. Reads nothing beyond len; on error
 * out is left partly written and must not be used.
 */
enum swim_wire_error swim_decode(const uint8_t *buf, size_t len,
		struct swim_msg *out);

/*
 * Encode m into buf (cap bytes). Returns the length written, or 0 if m is
 * invalid (as swim_decode would refuse it) or does not fit.
 */
size_t swim_encode(const struct swim_msg *m, uint8_t *buf, size_t cap);

const char *swim_wire_error_name(enum swim_wire_error e);

#endif /* RUMOR_SWIM_WIRE_H */
