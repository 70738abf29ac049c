/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control link: the messages rumor-dataplane and rumor-control
 * exchange over a local Unix socket (SOCK_SEQPACKET, one message per
 * packet). The dataplane serves the socket (its control thread); one
 * rumor-control at a time connects to it.
 *
 *   control -> dataplane            dataplane -> control
 *   HELLO     who I am (first)      STATE   node, incarnation, ring epoch
 *   SEND      a datagram to send    TABLE   current members (after STATE)
 *   TABLE     new members           PUNT    a control datagram received
 *   INCARNATION remember it         STATS   counters, as text
 *   STATS_REQ counters, please
 *
 * Both ends are on one host, so numbers are in host byte order, except
 * IPv4 addresses, which stay in network order as everywhere in rumor.
 * Every message starts with an 8-byte header; the packet length must be
 * exactly the header plus hdr.len. docs/protocol.md documents the layout.
 *
 * A member table can exceed one packet: it travels as TABLE chunks
 * (first index, count, total) of one table id; the receiver applies the
 * table when every chunk of that id has arrived, in order.
 *
 * Pure C, no DPDK: both processes, the unit tests and the fuzzer use it.
 */
#ifndef RUMOR_CTL_PROTO_H
#define RUMOR_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/enum_names.h"
#include "rumor/wire.h"

#define LINK_PROTO_VERSION 1u
#define LINK_HDR_LEN 8u
#define LINK_MEMBER_LEN 16u
#define LINK_TABLE_CHUNK_MAX 1024u	/* Members per TABLE packet. */
#define LINK_STATS_TEXT_MAX 8192u
/* The largest packet either side sends or accepts. */
#define LINK_MSG_MAX (LINK_HDR_LEN + 24u + LINK_TABLE_CHUNK_MAX * LINK_MEMBER_LEN)

/* Message types and their names, in number order from 1. */
#define LINK_TYPES(X)							\
	/* control: u32 pid, u32 reserved (0). */			\
	X(LINK_HELLO, "hello")						\
	/* dataplane: see struct link_state. */				\
	X(LINK_STATE, "state")						\
	/* dataplane: a datagram that arrived. */			\
	X(LINK_PUNT, "punt")						\
	/* control: a datagram to send. */				\
	X(LINK_SEND, "send")						\
	/* either: a chunk of a member table. */			\
	X(LINK_TABLE, "table")						\
	/* control: u32 incarnation to remember. */			\
	X(LINK_INCARNATION, "incarnation")				\
	/* control: empty. */						\
	X(LINK_STATS_REQ, "stats_req")					\
	/* dataplane: "name value\n" lines. */				\
	X(LINK_STATS, "stats")

enum link_type {
	LINK_TYPE_NONE = 0,	/* No message has type 0. */
	LINK_TYPES(RUMOR_ENUM_VALUE)
	LINK_TYPE_MAX
};

/*
 * Header: u16 type, u16 version (LINK_PROTO_VERSION), u32 len (bytes of
 * body that follow).
 *
 * STATE body (32 bytes): u32 node_id, u32 address (network order),
 * u16 udp_port, u8 zone, u8 reserved (0), u32 weight, u32 incarnation
 * (the last one rumor-control told, 0 if none), u64 ring_epoch,
 * u32 n_members (the TABLE chunks that follow, with table id 0).
 *
 * PUNT and SEND body: u32 ip (network order; the sender's or the
 * destination's), u16 udp_port, u16 len, then len bytes (1 ..
 * RUMOR_DATAGRAM_MAX) of UDP payload.
 *
 * TABLE body: u64 table_id, u32 total (members in the whole table,
 * 1 .. RING_MEMBERS_MAX), u32 first (index of this chunk's first member),
 * u32 n (members in this chunk, 1 .. LINK_TABLE_CHUNK_MAX, first + n <=
 * total), u32 flags (LINK_TABLE_F_*; the same in every chunk of
 * a table), then n members of 16 bytes: u32 id (non-
 * zero), u32 ip (network order), u16 udp_port (non-zero), u8 zone,
 * u8 reserved (0), u32 weight (1 .. RING_WEIGHT_MAX).
 *
 * STATS body: 0 .. LINK_STATS_TEXT_MAX bytes of text.
 */

/*
 * TABLE flag: the table id is a ring epoch that Raft committed (non-zero),
 * and the dataplane's ring takes it as its epoch. Without it the ring's
 * epoch is the one in force plus one. Every other bit is reserved (0).
 */
#define LINK_TABLE_F_EPOCH 0x1u
/*
 * TABLE flag, with LINK_TABLE_F_EPOCH only: this node has left the
 * cluster gracefully and the epoch leaves it out. The dataplane takes the
 * ring all the same, so that it owns no channel any more, forwards what
 * still reaches it and hands its channels over (docs/channels.md).
 */
#define LINK_TABLE_F_LEFT 0x2u
/*
 * TABLE flag, with LINK_TABLE_F_EPOCH only: the committed epoch just
 * before the one that follows. The dataplane does not publish it; it
 * keeps it as the ring before the next one when that is not the ring it
 * has (a node that joined, or missed epochs), so that it knows whom to
 * ask for the channels the next epoch gives it. It may leave this node
 * out.
 */
#define LINK_TABLE_F_PREV 0x4u
/*
 * TABLE flag, alone: the members SWIM holds alive, told when Raft gives
 * the ring. Not a ring: the dataplane also accepts these members'
 * messages (their addresses and keys) besides those of its rings, so that
 * a node takes what a member sends it under an epoch that member applied
 * first (a node that just joined, one an epoch behind). The table id only
 * counts.
 */
#define LINK_TABLE_F_ALIVE 0x8u
#define LINK_TABLE_F_KNOWN (LINK_TABLE_F_EPOCH | LINK_TABLE_F_LEFT | \
		LINK_TABLE_F_PREV | LINK_TABLE_F_ALIVE)

struct link_member {
	uint32_t id;
	uint32_t ip;		/* Network order. */
	uint16_t udp_port;	/* Host order. */
	uint8_t zone;
	uint32_t weight;
};

struct link_state {
	uint32_t node_id;
	uint32_t address;	/* Network order. */
	uint16_t udp_port;
	uint8_t zone;
	uint32_t weight;
	uint32_t incarnation;
	uint64_t ring_epoch;
	uint32_t n_members;
};

struct link_table {
	uint64_t table_id;
	uint32_t total, first, n;
	uint32_t flags;		/* LINK_TABLE_F_*. */
	const uint8_t *members;	/* n encoded members; link_table_member(). */
};

struct link_datagram {
	uint32_t ip;		/* Network order. */
	uint16_t udp_port;	/* Host order. */
	uint16_t len;
	const uint8_t *data;	/* Points into the decoded packet. */
};

/* A decoded message; pointers point into the packet it came from. */
struct link_msg {
	uint16_t type;		/* enum link_type. */
	union {
		uint32_t pid;			/* HELLO */
		struct link_state state;		/* STATE */
		struct link_datagram dgram;	/* PUNT, SEND */
		struct link_table table;		/* TABLE */
		uint32_t incarnation;		/* INCARNATION */
		struct {			/* STATS */
			const char *text;
			uint32_t len;
		} stats;
	} u;
};

#define LINK_ERRORS(X)							\
	X(LINK_OK, "ok")						\
	/* Shorter than its header or fixed body. */			\
	X(LINK_E_SHORT, "short")					\
	/* Another protocol version. */					\
	X(LINK_E_VERSION, "version")					\
	/* Unknown type. */						\
	X(LINK_E_TYPE, "type")						\
	/* hdr.len disagrees with the packet. */			\
	X(LINK_E_LENGTH, "length")					\
	/* A field out of range or reserved bits set. */		\
	X(LINK_E_FIELD, "field")

enum link_error {
	LINK_ERRORS(RUMOR_ENUM_VALUE)
	LINK_ERROR_MAX
};

/*
 * Decode the packet at buf (len bytes). Reads nothing beyond len. On
 * success the variable parts of *out point into buf.
 */
enum link_error link_decode(const uint8_t *buf, size_t len, struct link_msg *out);

/* Member i (0 .. t->n - 1) of a decoded TABLE chunk. */
void link_table_member(const struct link_table *t, uint32_t i,
		struct link_member *out);

const char *link_error_name(enum link_error e);
const char *link_type_name(uint16_t type);

/*
 * Encoders: each writes one packet into buf (cap bytes) and returns its
 * length, or 0 if an argument is out of range (as link_decode would
 * refuse it) or the packet does not fit.
 */
size_t link_encode_hello(uint8_t *buf, size_t cap, uint32_t pid);
size_t link_encode_state(uint8_t *buf, size_t cap, const struct link_state *s);
size_t link_encode_dgram(uint8_t *buf, size_t cap, uint16_t type,
		uint32_t ip, uint16_t udp_port, const uint8_t *data,
		uint16_t len);		/* type: LINK_PUNT or LINK_SEND. */
size_t link_encode_table(uint8_t *buf, size_t cap, uint64_t table_id,
		uint32_t total, uint32_t first, const struct link_member *m,
		uint32_t n);
/* The same with flags: LINK_TABLE_F_EPOCH needs a non-zero table_id. */
size_t link_encode_table_flags(uint8_t *buf, size_t cap, uint64_t table_id,
		uint32_t flags, uint32_t total, uint32_t first,
		const struct link_member *m, uint32_t n);
size_t link_encode_u32(uint8_t *buf, size_t cap, uint16_t type,
		uint32_t v);		/* type: LINK_INCARNATION. */
size_t link_encode_empty(uint8_t *buf, size_t cap,
		uint16_t type);		/* type: LINK_STATS_REQ. */
size_t link_encode_stats(uint8_t *buf, size_t cap, const char *text,
		uint32_t len);

/*
 * Reassembly of a member table from TABLE chunks. Feed every decoded
 * chunk; a chunk of a new table id starts over. Returns 1 when the table
 * is complete (members in a->m, a->total of them), 0 while it is not,
 * -1 when a chunk does not follow the previous one (the table is
 * dropped; the sender sends the next one whole) or memory ran out.
 */
struct link_table_asm {
	uint64_t table_id;
	uint32_t flags;		/* Of the first chunk; the rest must agree. */
	uint32_t total, have;
	struct link_member *m;	/* malloc'd, total entries. */
};

int link_table_feed(struct link_table_asm *a, const struct link_table *t);
void link_table_asm_free(struct link_table_asm *a);

#endif /* RUMOR_CTL_PROTO_H */
