/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Channel state on the wire: a client's writes and reads of the objects
 * of a channel (counters, registers, maps, presence), their answers, and
 * the deltas, whole states and digests the channel's replicas exchange.
 * docs/state.md is the design ("Wire" gives these layouts in tables);
 * this header is its wire format. The objects' own encodings (the
 * bodies of reads and deltas) are rumor/crdt.h's; this codec carries
 * them as opaque bytes and reads none of them.
 *
 * Every one is a rumor datagram (rumor/wire.h) of an ordered channel,
 * laid out like the channel messages (rumor/chan_wire.h): the 40-byte
 * header, channel_len bytes of channel name, then a part of the type's
 * own layout: a fixed part, then the variable bytes its lengths say.
 * Everything is in network byte order and may sit at any alignment. No
 * flag is set on any of them.
 *
 *   type               sender -> receiver          fixed part, then
 *   STATE_WRITE (23)   client -> entry node,       48: key, field, value
 *                      entry node -> owner
 *   STATE_READ (24)    client -> entry node,       40: key, field
 *                      entry node -> owner
 *   STATE_REPLY (25)   owner -> entry node,        40: the state read
 *                      entry node -> client
 *   STATE_DELTA (26)   replica -> replica          16: key, the state
 *   STATE_DIGEST (27)  replica -> replica          24: entries of 20
 *
 * An object is named by its channel, its kind and its key (0 to
 * STATE_KEY_MAX bytes): a channel holds any number of objects of each
 * kind, the empty key being its default one. A map's entries are named
 * by a second key, the field (crdt_limits' key_bytes).
 *
 * As an acked PUBLISH does (rumor/repl_wire.h), a request carries the
 * client's id and the entry node's return path (via), which the owner
 * echoes in its reply, so that the entry node keeps no state for the
 * answers it passes on; a client sends both 0, the entry node writes
 * them, and the codec judges neither. The header's origin is 0 on what
 * a client sends, the entry node's id on a request it forwards, and the
 * sender's id on every other message; seq is the sender's message id,
 * epoch its ring epoch (0 from a client).
 *
 * Between nodes every one carries the auth block (RUMOR_F_AUTH,
 * rumor/node_auth.h), which the receiver checks and strips before this
 * decoder reads the plain format. So that every message still fits a
 * datagram with that block, a part is at most state_part_max(channel
 * length) bytes: a whole state too big for one datagram travels as
 * several deltas.
 *
 * Pure C (no DPDK): the dataplane, the client library, the tests and the
 * fuzzers share it.
 */
#ifndef RUMOR_STATE_WIRE_H
#define RUMOR_STATE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/crdt.h"
#include "rumor/enum_names.h"
#include "rumor/ring_replicas.h"
#include "rumor/wire.h"

/* Lengths of the fixed parts after the channel name. */
#define STATE_WRITE_LEN 48u	/* STATE_WRITE (+ key, field, value). */
#define STATE_READ_LEN 40u	/* STATE_READ (+ key, field). */
#define STATE_REPLY_LEN 40u	/* STATE_REPLY (+ state). */
#define STATE_DELTA_LEN 16u	/* STATE_DELTA (+ key, state). */
#define STATE_DIGEST_LEN 24u	/* STATE_DIGEST (+ entries). */
#define STATE_DIGEST_ENTRY_LEN 20u	/* Each entry of a STATE_DIGEST. */

/* Bytes of a key or a field: crdt.h's ceiling of a map's key. */
#define STATE_KEY_MAX CRDT_KEY_MAX
/* Bytes of a value or presence data: crdt.h's ceiling of data. */
#define STATE_VALUE_MAX CRDT_DATA_MAX
/* Replicas a reply may count: the largest replica set. */
#define STATE_REPLICAS_MAX RING_REPLICAS_MAX
/* The return path, as an acked PUBLISH's (REPL_VIA_LEN). */
#define STATE_VIA_LEN 13u
/*
 * Entries of one STATE_DIGEST: as many as fit a datagram with the auth
 * block beside a 255-byte channel name (40 + 16 + 255 + 24 + 20 x 56 =
 * 1455 bytes).
 */
#define STATE_DIGEST_ENTRIES_MAX 56u

/*
 * The largest part (the bytes after the channel name) of a state message
 * on a channel of name length chan_len: what a datagram holds beside the
 * header, a node's auth block and the name, so that every message may
 * travel between nodes authenticated. 0 for a name out of 1 .. 255.
 */
static inline size_t
state_part_max(size_t chan_len)
{
	if (chan_len == 0 || chan_len > RUMOR_CHANNEL_MAX)
		return 0;
	return RUMOR_DATAGRAM_MAX - sizeof(struct rumor_hdr) -
			RUMOR_AUTH_LEN - chan_len;
}

/* The largest part of any state message: beside a 1-byte name. */
#define STATE_PART_MAX (RUMOR_DATAGRAM_MAX - 40u - RUMOR_AUTH_LEN - 1u)

/*
 * Consistency levels, per operation: what a request asks for and a reply
 * says was met. NONE is only a reply's, when nothing was met.
 */
#define STATE_LEVELS(X)							\
	/* Nothing met (a reply's only). */				\
	X(STATE_LEVEL_NONE, "none")					\
	/* The node that answers, from what it holds, waiting for no	\
	 * other. */							\
	X(STATE_LEVEL_LOCAL, "local")					\
	/* One replica of the channel (the owner first). */		\
	X(STATE_LEVEL_ONE, "one")					\
	/* A majority of the channel's replica set. */			\
	X(STATE_LEVEL_QUORUM, "quorum")					\
	/* Every replica of the set. */					\
	X(STATE_LEVEL_ALL, "all")

enum state_level {
	STATE_LEVELS(RUMOR_ENUM_VALUE)
	STATE_LEVEL_MAX
};

/*
 * Object kinds, numbered as enum crdt_type numbers their encodings (the
 * map, to build, takes 4), so that a body's type byte is its kind.
 */
#define STATE_KINDS(X)							\
	/* No object: a reply without a state. */			\
	X(STATE_KIND_NONE, "none")					\
	/* PN-counter (rumor/crdt_counter.h). */			\
	X(STATE_KIND_COUNTER, "counter")				\
	/* Last-writer-wins register (rumor/crdt_register.h). */	\
	X(STATE_KIND_REGISTER, "register")				\
	/* Add-wins set of present clients (rumor/crdt_presence.h). */	\
	X(STATE_KIND_PRESENCE, "presence")				\
	/* Add-wins map of fields to registers or counters. */		\
	X(STATE_KIND_MAP, "map")

enum state_kind {
	STATE_KINDS(RUMOR_ENUM_VALUE)
	STATE_KIND_MAX
};

/*
 * Operations of a STATE_WRITE, each of one kind, and what follows the
 * fixed part: the key, then (map) the field, then the value or data, or
 * nothing. by is the fixed part's, 0 for the operations without it.
 */
#define STATE_OPS(X)							\
	/* Not an operation. */						\
	X(STATE_OP_NONE, "none")					\
	/* Counter: add by (i64, any). */				\
	X(STATE_OP_COUNTER_ADD, "add")					\
	/* Register: set to the value (0 .. STATE_VALUE_MAX bytes). */	\
	X(STATE_OP_REGISTER_SET, "set")					\
	/* Map: set the field's register to the value. */		\
	X(STATE_OP_MAP_SET, "map set")					\
	/* Map: add by to the field's counter. */			\
	X(STATE_OP_MAP_INCR, "map incr")				\
	/* Map: remove the field. */					\
	X(STATE_OP_MAP_DEL, "map del")					\
	/* Presence: the client enters, with its data. */		\
	X(STATE_OP_PRESENCE_ENTER, "enter")				\
	/* Presence: the client's data changes. */			\
	X(STATE_OP_PRESENCE_UPDATE, "update")				\
	/* Presence: the client leaves. */				\
	X(STATE_OP_PRESENCE_LEAVE, "leave")

enum state_op {
	STATE_OPS(RUMOR_ENUM_VALUE)
	STATE_OP_MAX
};

/* The kind an operation changes; STATE_KIND_NONE for none. */
enum state_kind state_op_kind(unsigned op);
/* True for the operations that carry by (add, map incr). */
bool state_op_has_by(unsigned op);
/* True for the operations that carry a value (set, map set, enter,
 * update). */
bool state_op_has_value(unsigned op);

/* STATE_REPLY status: done, or why not. */
#define STATE_STATUSES(X)						\
	/* Done: a write met level; a read's state follows. */		\
	X(STATE_ST_OK, "ok")						\
	/* Not the channel's owner under the request's epoch. */	\
	X(STATE_ST_NOT_OWNER, "not owner")				\
	/* The client's token does not allow it (docs/clients.md). */	\
	X(STATE_ST_TOKEN, "not allowed by token")			\
	/* A key, field or value over the channel's crdt_limits, or a	\
	 * state that does not fit the reply's bound. */		\
	X(STATE_ST_TOO_BIG, "too big")					\
	/* The object, or the node, is full (CRDT_FULL, objects per	\
	 * channel or per node). */					\
	X(STATE_ST_LIMIT, "limit")					\
	/* The level asked was not met in time; level and replicas say	\
	 * what was, and a write may still spread. */			\
	X(STATE_ST_TIMEOUT, "timeout")					\
	/* The request cannot be done as it stands (a level above the	\
	 * channel's replicas, a presence write from no client). */	\
	X(STATE_ST_BAD_REQUEST, "bad request")				\
	/* The key names an object of another kind. */			\
	X(STATE_ST_KIND, "other kind")					\
	/* A counter would leave its range (CRDT_OVERFLOW). */		\
	X(STATE_ST_OVERFLOW, "overflow")

enum state_status {
	STATE_STATUSES(RUMOR_ENUM_VALUE)
	STATE_ST_MAX
};

/* STATE_DELTA: what its body is. */
#define STATE_FORMS(X)							\
	/* Not a form. */						\
	X(STATE_FORM_NONE, "none")					\
	/* A delta: one or a few changes, merged like a state. */	\
	X(STATE_FORM_DELTA, "delta")					\
	/* The sender's whole state of the object. */			\
	X(STATE_FORM_STATE, "state")

enum state_form {
	STATE_FORMS(RUMOR_ENUM_VALUE)
	STATE_FORM_MAX
};

/*
 * STATE_WRITE (48 bytes, then key_len + field_len bytes, then the
 * value):
 *   0 u64 request: the client's id of the request, not 0; its retry
 *         carries the same
 *   8 u64 client: 0 from a client; the entry node writes the client's
 *         id before it forwards the request (not checked)
 *  16 u8  level: LOCAL .. ALL
 *  17 u8  kind: COUNTER .. MAP
 *  18 u8  op: an operation of kind (enum state_op)
 *  19 u8  reserved, zero
 *  20 u16 key_len: 0 .. STATE_KEY_MAX
 *  22 u16 field_len: 0 .. STATE_KEY_MAX for a map's operations, else 0
 *  24     via, STATE_VIA_LEN (13) bytes: zero from a client; the entry
 *         node writes its return path (not checked)
 *  37     3 bytes reserved, zero
 *  40 i64 by: the add's or the map incr's, any; 0 for other operations
 *  48     key, key_len bytes
 *         field, field_len bytes
 *         value: for set, map set, enter and update, the rest of the
 *         part, 0 .. STATE_VALUE_MAX bytes; nothing for the others
 * key, field and value point into the decoded buffer.
 */
struct state_write {
	uint64_t request;
	uint64_t client;
	uint8_t level;
	uint8_t kind;
	uint8_t op;
	uint8_t via[STATE_VIA_LEN];
	int64_t by;
	const uint8_t *key;
	size_t key_len;
	const uint8_t *field;
	size_t field_len;
	const uint8_t *value;
	size_t value_len;
};

/*
 * STATE_READ (40 bytes, then key_len + field_len bytes); the first 40
 * are a STATE_WRITE's, without an op:
 *   0 u64 request, not 0
 *   8 u64 client: as a STATE_WRITE's
 *  16 u8  level: LOCAL .. ALL (the replies of that many replicas
 *         merged)
 *  17 u8  kind: COUNTER .. MAP
 *  18 u16 reserved, zero
 *  20 u16 key_len: 0 .. STATE_KEY_MAX
 *  22 u16 field_len: a map's, 0 .. STATE_KEY_MAX, 0 for the whole map
 *         and for the other kinds
 *  24     via, STATE_VIA_LEN (13) bytes: as a STATE_WRITE's
 *  37     3 bytes reserved, zero
 *  40     key, then field; nothing after them
 */
struct state_read {
	uint64_t request;
	uint64_t client;
	uint8_t level;
	uint8_t kind;
	uint8_t via[STATE_VIA_LEN];
	const uint8_t *key;
	size_t key_len;
	const uint8_t *field;
	size_t field_len;
};

/*
 * STATE_REPLY (40 bytes, then the state read), the owner's answer; its
 * via sits where the request's does:
 *   0 u64 request: the request's, not 0
 *   8 u8  status (enum state_status)
 *   9 u8  level: the level met. OK: LOCAL .. ALL; TIMEOUT: NONE ..
 *         QUORUM; any other status: NONE
 *  10 u8  replicas: replicas of the channel that answered, the sender
 *         included if it is one. OK and TIMEOUT: 0 ..
 *         STATE_REPLICAS_MAX; any other status: 0
 *  11 u8  kind: the state's, COUNTER .. MAP, on an OK with a state;
 *         else NONE
 *  12     12 bytes reserved, zero
 *  24     via, STATE_VIA_LEN (13) bytes: the request's; zero towards
 *         the client
 *  37     3 bytes reserved, zero
 *  40     the state (a crdt encoding, at least CRDT_HDR_LEN bytes)
 *         exactly when kind is not NONE; else nothing
 * A refusal (no state) is 80 + channel_len bytes, never more than its
 * request; a state goes only to a client whose address is proven, and
 * state_reply_room() says how much of it fits a bound.
 */
struct state_reply {
	uint64_t request;
	uint8_t status;
	uint8_t level;
	uint8_t replicas;
	uint8_t kind;
	uint8_t via[STATE_VIA_LEN];
	const uint8_t *body;
	size_t body_len;
};

/*
 * STATE_DELTA (16 bytes, then key_len bytes, then the state):
 *   0 u64 digest: the sender's digest of the object once it holds
 *         what it sends (rumor/state_store.h; any)
 *   8 u8  kind: COUNTER .. MAP
 *   9 u8  form: DELTA or STATE
 *  10 u16 key_len: 0 .. STATE_KEY_MAX
 *  12 u32 reserved, zero
 *  16     key, key_len bytes
 *         the delta or state: a crdt encoding, the rest of the part, at
 *         least CRDT_HDR_LEN bytes
 */
struct state_delta {
	uint64_t digest;
	uint8_t kind;
	uint8_t form;
	const uint8_t *key;
	size_t key_len;
	const uint8_t *body;
	size_t body_len;
};

/*
 * STATE_DIGEST (24 bytes, then 20 per entry): every object of the
 * channel the sender holds whose key hash lies in lo .. hi, so that the
 * receiver learns what the sender lacks as well as what differs.
 *   0 u64 lo: the lowest key hash covered
 *   8 u64 hi: the highest, lo .. 2^64 - 1
 *  16 u32 count: entries, 0 .. STATE_DIGEST_ENTRIES_MAX
 *  20 u32 reserved, zero
 *  24     count times (20 bytes each), strictly ascending by
 *         (key_hash, kind):
 *           0 u64 key_hash: XXH3-64 of the key, lo .. hi
 *           8 u8  kind: COUNTER .. MAP
 *           9     3 bytes reserved, zero
 *          12 u64 digest: the sender's digest of the object
 * The part is exactly 24 + 20 x count bytes.
 */
struct state_digest_entry {
	uint64_t key_hash;
	uint8_t kind;
	uint64_t digest;
};

struct state_digest {
	uint64_t lo;
	uint64_t hi;
	uint32_t count;
	struct state_digest_entry entry[STATE_DIGEST_ENTRIES_MAX];
};

/* Why a state message was refused; STATE_WIRE_OK when it was not. */
#define STATE_WIRE_ERRORS(X)						\
	X(STATE_WIRE_OK, "ok")						\
	/* Shorter than the rumor header. */				\
	X(STATE_WIRE_SHORT, "short")					\
	/* Magic, version, a flag or the header's reserved word. */	\
	X(STATE_WIRE_HEADER, "header")					\
	/* Not one of the state types. */				\
	X(STATE_WIRE_TYPE, "type")					\
	/* Channel name empty or over 255 bytes. */			\
	X(STATE_WIRE_CHANNEL, "channel")				\
	/* Lengths that do not add up, a part shorter than its fixed	\
	 * part, or a part over state_part_max(). */			\
	X(STATE_WIRE_LENGTH, "length")					\
	/* Origin 0 on what only a node sends. */			\
	X(STATE_WIRE_ORIGIN, "origin")					\
	/* A broadcast channel: it has no replicas to hold state. */	\
	X(STATE_WIRE_CHANNEL_KIND, "channel kind")			\
	/* A reserved field of the part not 0. */			\
	X(STATE_WIRE_RESERVED, "reserved")				\
	/* A request id 0. */						\
	X(STATE_WIRE_REQUEST, "request")				\
	/* A level out of its range. */					\
	X(STATE_WIRE_LEVEL, "level")					\
	/* An object kind unknown, or NONE where one is needed. */	\
	X(STATE_WIRE_KIND, "kind")					\
	/* An operation unknown, or not of the object's kind. */	\
	X(STATE_WIRE_OP, "op")						\
	/* A key or field over STATE_KEY_MAX, or a field where the	\
	 * kind or the operation has none. */				\
	X(STATE_WIRE_KEY, "key")					\
	/* by not 0 on an operation that has none. */			\
	X(STATE_WIRE_BY, "by")						\
	/* A value where the operation has none, or over		\
	 * STATE_VALUE_MAX. */						\
	X(STATE_WIRE_VALUE, "value")					\
	/* Unknown status, or a level, count or kind that does not go	\
	 * with it. */							\
	X(STATE_WIRE_STATUS, "status")					\
	/* Replicas over STATE_REPLICAS_MAX. */				\
	X(STATE_WIRE_REPLICAS, "replicas")				\
	/* A state shorter than a crdt header, or one where there may	\
	 * be none. */							\
	X(STATE_WIRE_BODY, "body")					\
	/* A delta's form unknown. */					\
	X(STATE_WIRE_FORM, "form")					\
	/* A digest's count over STATE_DIGEST_ENTRIES_MAX. */		\
	X(STATE_WIRE_COUNT, "count")					\
	/* lo above hi, or an entry's key hash outside them. */		\
	X(STATE_WIRE_RANGE, "range")					\
	/* Digest entries not strictly ascending. */			\
	X(STATE_WIRE_ORDER, "order")

enum state_wire_error {
	STATE_WIRE_ERRORS(RUMOR_ENUM_VALUE)
	STATE_WIRE_ERROR_MAX
};

const char *state_wire_error_name(enum state_wire_error e);
const char *state_level_name(enum state_level l);
const char *state_kind_name(enum state_kind k);
const char *state_op_name(enum state_op o);
const char *state_status_name(enum state_status s);
const char *state_form_name(enum state_form f);

/*
 * Codecs of the parts alone: each decoder takes the bytes after the
 * channel name (len of them) and reads nothing beyond len. It refuses a
 * part over STATE_PART_MAX or shorter than its fixed part (LENGTH), then
 * a reserved field not 0 (RESERVED), then each field in its order above,
 * then lengths that do not match the part's (LENGTH). Pointers in out
 * point into buf. Each encoder writes the whole part into buf (cap
 * bytes) and returns its length, or 0, writing nothing, if the fields
 * would not decode or it does not fit; the pointers of a length 0 may be
 * NULL. For P of them, state_P_decode(buf, len, struct state_P *out)
 * and state_P_encode(const struct state_P *in, buf, cap).
 */
#define STATE_PART_CODEC_DECL(P)					\
enum state_wire_error state_##P##_decode(const uint8_t *buf, size_t len,\
		struct state_##P *out);					\
size_t state_##P##_encode(const struct state_##P *in, uint8_t *buf,	\
		size_t cap);

STATE_PART_CODEC_DECL(write)
STATE_PART_CODEC_DECL(read)
STATE_PART_CODEC_DECL(reply)
STATE_PART_CODEC_DECL(delta)
STATE_PART_CODEC_DECL(digest)

/* The length of each part as its encoder would write it. */
size_t state_write_len(const struct state_write *w);
size_t state_read_len(const struct state_read *r);

/*
 * The most state bytes a STATE_REPLY on a channel of name length
 * chan_len may carry in a datagram of at most bound bytes (the request's
 * length towards an address not proven, else RUMOR_DATAGRAM_MAX), and
 * within state_part_max(): 0 if not even a refusal fits the bound.
 */
size_t state_reply_room(size_t chan_len, size_t bound);

/*
 * A whole state message, decoded: type STATE_WRITE .. STATE_DIGEST.
 * Numbers are in host order; channel and the parts' pointers point into
 * the decoded buffer.
 */
struct state_msg {
	uint8_t type;
	uint8_t hop_limit;
	uint32_t origin;	/* 0 from a client; else a node id. */
	uint64_t epoch;		/* Sender's ring epoch; 0 from a client. */
	uint64_t seq;		/* Sender's message id. */
	uint64_t channel_hash;	/* XXH3-64 of the name; not checked. */
	const char *channel;
	size_t channel_len;
	union {
		struct state_write write;	/* STATE_WRITE. */
		struct state_read read;		/* STATE_READ. */
		struct state_reply reply;	/* STATE_REPLY. */
		struct state_delta delta;	/* STATE_DELTA. */
		struct state_digest digest;	/* STATE_DIGEST. */
	} u;
};

/*
 * A message of type on channel name (len bytes): hop limit
 * RUMOR_DEFAULT_HOP_LIMIT, the name's hash, every other field 0, for the
 * caller to fill in.
 */
void state_msg_init(struct state_msg *m, uint8_t type, const char *name,
		size_t len);

/*
 * Decode the plain datagram at buf (len bytes, the whole UDP payload,
 * without an auth block). Checks, in this order, and the first failure
 * decides:
 *   - the header as chan_hdr_decode does: SHORT, LENGTH over a datagram,
 *     HEADER (any flag), TYPE (not STATE_WRITE .. STATE_DIGEST), CHANNEL,
 *     LENGTH (lengths that do not add up);
 *   - ORIGIN: a STATE_REPLY's, STATE_DELTA's or STATE_DIGEST's 0;
 *   - CHANNEL_KIND: a broadcast channel;
 *   - LENGTH: a part over state_part_max() of its channel;
 *   - the part, as its decoder above.
 * On error out is partly written and must not be used.
 */
enum state_wire_error state_msg_decode(const uint8_t *buf, size_t len,
		struct state_msg *out);

/*
 * Encode m into buf (cap bytes). Returns the length written, or 0 (and
 * writes nothing) if state_msg_decode would refuse the result or it does
 * not fit. A message state_msg_decode accepts encodes back to the same
 * bytes. A reply to an address not proven is encoded with cap no more
 * than its request's length.
 */
size_t state_msg_encode(const struct state_msg *m, uint8_t *buf, size_t cap);

#endif /* RUMOR_STATE_WIRE_H */
