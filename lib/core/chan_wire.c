/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The channel message codec (include/rumor/chan_wire.h). Every decoder
 * checks a length before it reads what the length covers, and refuses
 * exactly what its encoder refuses to write, so that whatever it accepts
 * encodes again to the same bytes. Fields are copied with memcpy: a
 * channel name of any length puts the fixed part at any alignment.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/chan_wire.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "wire_part.h"

/* Offsets of the fields of the fixed parts. */
enum chan_off {
	/*
	 * A stream and a sequence in it: the start of the parts of DELIVER,
	 * FANOUT, RETRANSMIT, GAP, GONE, NACK and HANDOFF, and at 12 in
	 * INTEREST_ACK.
	 */
	CHAN_OFF_POS_STREAM = 0,
	CHAN_OFF_POS_SEQ = 8,
	CHAN_OFF_LEASE_MS = 0,		/* SUBSCRIBE, INTEREST. */
	CHAN_OFF_LEASE_RSV = 4,
	CHAN_OFF_ACK_STATUS = 0,	/* SUB_ACK, INTEREST_ACK. */
	CHAN_OFF_ACK_RSV8 = 1,
	CHAN_OFF_ACK_RSV16 = 2,
	CHAN_OFF_ACK_LEASE_MS = 4,
	CHAN_OFF_ACK_LIMIT = 8,
	CHAN_OFF_IACK_STREAM = 12,	/* INTEREST_ACK only. */
	CHAN_OFF_RANGE_LAST = 16,	/* GAP, GONE. */
	CHAN_OFF_NACK_COUNT = 16,	/* NACK. */
	CHAN_OFF_NACK_RSV = 20,
	CHAN_OFF_GOSSIP_BOOT = 0,	/* GOSSIP. */
	CHAN_OFF_HO_COUNT = 16,		/* HANDOFF. */
	CHAN_OFF_HO_RSV = 20,
	CHAN_OFF_HO_NODES = 24,
};

_Static_assert(CHAN_OFF_LEASE_RSV + 4 == CHAN_LEASE_LEN, "lease layout");
_Static_assert(CHAN_OFF_ACK_LIMIT + 4 == CHAN_ACK_LEN, "ack layout");
_Static_assert(CHAN_OFF_IACK_STREAM + CHAN_OFF_POS_SEQ + 8 == CHAN_IACK_LEN,
		"interest ack layout");
_Static_assert(CHAN_OFF_GOSSIP_BOOT + 8 == CHAN_GOSSIP_LEN, "gossip layout");
_Static_assert(CHAN_ORD_LEN <= CHAN_MSG_FIXED_MAX &&
		CHAN_GOSSIP_LEN <= CHAN_MSG_FIXED_MAX,
		"chan_payload_max leaves room for each fixed part");
_Static_assert(CHAN_OFF_POS_SEQ + 8 == CHAN_ORD_LEN, "ordered layout");
_Static_assert(CHAN_OFF_RANGE_LAST + 8 == CHAN_RANGE_LEN, "range layout");
_Static_assert(CHAN_OFF_NACK_RSV + 4 == CHAN_NACK_LEN, "nack layout");
_Static_assert(CHAN_OFF_HO_NODES == CHAN_HANDOFF_LEN, "handoff layout");
_Static_assert(CHAN_HANDOFF_LEN + CHAN_HANDOFF_NODES_MAX *
		CHAN_HANDOFF_NODE_LEN + RUMOR_CHANNEL_MAX +
		sizeof(struct rumor_hdr) <= RUMOR_DATAGRAM_MAX,
		"a whole HANDOFF fits one datagram");
_Static_assert(RUMOR_T_CHAN_FIRST == RUMOR_T_CONTROL + 1 &&
		RUMOR_T_HANDOFF + 1 == RUMOR_T_CHAN_MAX &&
		RUMOR_T_CHAN_MAX == RUMOR_T_COOKIE,
		"channel types follow DATA and CONTROL, and COOKIE them");

RUMOR_ENUM_NAME_FN(chan_wire_error_name, enum chan_wire_error,
		CHAN_WIRE_ERRORS, CHAN_WIRE_ERROR_MAX, "?")
RUMOR_ENUM_NAME_FN(chan_status_name, enum chan_status, CHAN_STATUSES,
		CHAN_ST_MAX, "?")
RUMOR_ENUM_NAME_FN(chan_type_name, uint8_t, RUMOR_TYPES, RUMOR_T_MAX, "?")

/*
 * Field checks, shared by each decoder (on what it read) and encoder (on
 * what it was given), so that the two cannot disagree.
 */

static enum chan_wire_error
chan_lease_check(const struct chan_lease *l)
{
	return l->lease_ms > CHAN_LEASE_MAX_MS ? CHAN_WIRE_LEASE :
			CHAN_WIRE_OK;
}

static enum chan_wire_error
chan_ack_check(const struct chan_ack *a, bool interest)
{
	if (a->status >= CHAN_ST_MAX)
		return CHAN_WIRE_STATUS;
	if (a->lease_ms > CHAN_LEASE_MAX_MS)
		return CHAN_WIRE_LEASE;
	/* Only a grant carries a lease; only a limit names one. */
	if (a->status != CHAN_ST_OK && a->lease_ms != 0)
		return CHAN_WIRE_STATUS;
	if (chan_status_is_limit(a->status) ? a->limit == 0 : a->limit != 0)
		return CHAN_WIRE_STATUS;
	/* Only an interest grant says where the stream stands. */
	if (interest && a->status == CHAN_ST_OK && a->lease_ms != 0)
		return chan_pos_check(a->stream, a->next_seq);
	return a->stream != 0 || a->next_seq != 0 ? CHAN_WIRE_STATUS :
			CHAN_WIRE_OK;
}

static enum chan_wire_error
chan_gossip_check(const struct chan_gossip *g)
{
	return g->boot != 0 ? CHAN_WIRE_OK : CHAN_WIRE_BOOT;
}

static enum chan_wire_error
chan_ord_check(const struct chan_ord *o, bool broadcast)
{
	if (!broadcast)
		return chan_pos_check(o->stream, o->seq);
	return o->stream != 0 ? CHAN_WIRE_STREAM :
			o->seq != 0 ? CHAN_WIRE_SEQ : CHAN_WIRE_OK;
}

static enum chan_wire_error
chan_range_check(const struct chan_range *r)
{
	enum chan_wire_error e = chan_pos_check(r->stream, r->first);

	if (e != CHAN_WIRE_OK)
		return e;
	if (r->last == 0 || r->last > CHAN_SEQ_MAX)
		return CHAN_WIRE_SEQ;
	return r->first > r->last ? CHAN_WIRE_RANGE : CHAN_WIRE_OK;
}

static enum chan_wire_error
chan_nack_check(const struct chan_nack *n)
{
	enum chan_wire_error e = chan_pos_check(n->stream, n->first);

	if (e != CHAN_WIRE_OK)
		return e;
	/* The last sequence asked for must exist; first is small enough. */
	if (n->count == 0 || n->count > CHAN_NACK_MAX ||
			n->first > CHAN_SEQ_MAX - (n->count - 1))
		return CHAN_WIRE_RANGE;
	return CHAN_WIRE_OK;
}

static enum chan_wire_error
chan_handoff_check(const struct chan_handoff *ho)
{
	if (ho->n_nodes > CHAN_HANDOFF_NODES_MAX)
		return CHAN_WIRE_LENGTH;
	if ((ho->stream == 0) != (ho->next_seq == 0) ||
			ho->next_seq > CHAN_HANDOFF_SEQ_MAX)
		return CHAN_WIRE_SEQ;
	for (uint32_t i = 0; i < ho->n_nodes; i++) {
		if (ho->node[i].id == 0)
			return CHAN_WIRE_RANGE;
		if (ho->node[i].lease_ms == 0 ||
				ho->node[i].lease_ms > CHAN_LEASE_MAX_MS)
			return CHAN_WIRE_LEASE;
	}
	return CHAN_WIRE_OK;
}

/*
 * Moving the fields of each fixed part between the wire and its struct.
 * A reader also refuses a reserved field that is not 0; a writer writes
 * it 0. Ordered, range, NACK and HANDOFF parts start alike: the stream,
 * then a sequence in it.
 */
static inline void
chan_pos_read(const uint8_t *buf, uint64_t *stream, uint64_t *seq)
{
	*stream = rumor_get64(buf + CHAN_OFF_POS_STREAM);
	*seq = rumor_get64(buf + CHAN_OFF_POS_SEQ);
}

static inline void
chan_pos_write(uint8_t *buf, uint64_t stream, uint64_t seq)
{
	rumor_put64(buf + CHAN_OFF_POS_STREAM, stream);
	rumor_put64(buf + CHAN_OFF_POS_SEQ, seq);
}

static inline enum chan_wire_error
chan_lease_read(const uint8_t *buf, struct chan_lease *l)
{
	if (rumor_get32(buf + CHAN_OFF_LEASE_RSV) != 0)
		return CHAN_WIRE_RESERVED;
	l->lease_ms = rumor_get32(buf + CHAN_OFF_LEASE_MS);
	return CHAN_WIRE_OK;
}

static inline enum chan_wire_error
chan_gossip_read(const uint8_t *buf, struct chan_gossip *g)
{
	g->boot = rumor_get64(buf + CHAN_OFF_GOSSIP_BOOT);
	return CHAN_WIRE_OK;
}

static inline enum chan_wire_error
chan_range_read(const uint8_t *buf, struct chan_range *r)
{
	chan_pos_read(buf, &r->stream, &r->first);
	r->last = rumor_get64(buf + CHAN_OFF_RANGE_LAST);
	return CHAN_WIRE_OK;
}

static inline enum chan_wire_error
chan_nack_read(const uint8_t *buf, struct chan_nack *n)
{
	if (rumor_get32(buf + CHAN_OFF_NACK_RSV) != 0)
		return CHAN_WIRE_RESERVED;
	chan_pos_read(buf, &n->stream, &n->first);
	n->count = rumor_get32(buf + CHAN_OFF_NACK_COUNT);
	return CHAN_WIRE_OK;
}

static inline void
chan_lease_write(const struct chan_lease *l, uint8_t *buf)
{
	rumor_put32(buf + CHAN_OFF_LEASE_MS, l->lease_ms);
	rumor_put32(buf + CHAN_OFF_LEASE_RSV, 0);
}

static inline void
chan_gossip_write(const struct chan_gossip *g, uint8_t *buf)
{
	rumor_put64(buf + CHAN_OFF_GOSSIP_BOOT, g->boot);
}

static inline void
chan_range_write(const struct chan_range *r, uint8_t *buf)
{
	chan_pos_write(buf, r->stream, r->first);
	rumor_put64(buf + CHAN_OFF_RANGE_LAST, r->last);
}

static inline void
chan_nack_write(const struct chan_nack *n, uint8_t *buf)
{
	chan_pos_write(buf, n->stream, n->first);
	rumor_put32(buf + CHAN_OFF_NACK_COUNT, n->count);
	rumor_put32(buf + CHAN_OFF_NACK_RSV, 0);
}

/* The codecs of the parts that have no variant (wire_part.h). */
WIRE_PART_CODEC(chan, lease, CHAN_LEASE_LEN, false)
WIRE_PART_CODEC(chan, gossip, CHAN_GOSSIP_LEN, true)
WIRE_PART_CODEC(chan, range, CHAN_RANGE_LEN, false)
WIRE_PART_CODEC(chan, nack, CHAN_NACK_LEN, false)

/* An ack's layout depends on its type: INTEREST_ACK adds the stream. */
enum chan_wire_error
chan_ack_decode(const uint8_t *buf, size_t len, bool interest,
		struct chan_ack *out)
{
	if (len != (interest ? CHAN_IACK_LEN : CHAN_ACK_LEN))
		return CHAN_WIRE_LENGTH;
	if (buf[CHAN_OFF_ACK_RSV8] != 0 ||
			rumor_get16(buf + CHAN_OFF_ACK_RSV16) != 0)
		return CHAN_WIRE_RESERVED;
	out->status = buf[CHAN_OFF_ACK_STATUS];
	out->lease_ms = rumor_get32(buf + CHAN_OFF_ACK_LEASE_MS);
	out->limit = rumor_get32(buf + CHAN_OFF_ACK_LIMIT);
	out->stream = 0;
	out->next_seq = 0;
	if (interest)
		chan_pos_read(buf + CHAN_OFF_IACK_STREAM, &out->stream,
				&out->next_seq);
	return chan_ack_check(out, interest);
}

size_t
chan_ack_encode(const struct chan_ack *a, bool interest, uint8_t *buf,
		size_t cap)
{
	size_t len = interest ? CHAN_IACK_LEN : CHAN_ACK_LEN;

	if (chan_ack_check(a, interest) != CHAN_WIRE_OK || cap < len)
		return 0;
	buf[CHAN_OFF_ACK_STATUS] = a->status;
	buf[CHAN_OFF_ACK_RSV8] = 0;
	rumor_put16(buf + CHAN_OFF_ACK_RSV16, 0);
	rumor_put32(buf + CHAN_OFF_ACK_LEASE_MS, a->lease_ms);
	rumor_put32(buf + CHAN_OFF_ACK_LIMIT, a->limit);
	if (interest)
		chan_pos_write(buf + CHAN_OFF_IACK_STREAM, a->stream,
				a->next_seq);
	return len;
}

/* An ordered part's check depends on the channel's kind. */
enum chan_wire_error
chan_ord_decode(const uint8_t *buf, size_t len, bool broadcast,
		struct chan_ord *out)
{
	if (len < CHAN_ORD_LEN)
		return CHAN_WIRE_LENGTH;
	chan_pos_read(buf, &out->stream, &out->seq);
	return chan_ord_check(out, broadcast);
}

size_t
chan_ord_encode(const struct chan_ord *o, bool broadcast, uint8_t *buf,
		size_t cap)
{
	if (chan_ord_check(o, broadcast) != CHAN_WIRE_OK || cap < CHAN_ORD_LEN)
		return 0;
	chan_pos_write(buf, o->stream, o->seq);
	return CHAN_ORD_LEN;
}

/* A HANDOFF's length depends on its count of nodes. */
static size_t
chan_handoff_len(uint32_t n_nodes)
{
	return CHAN_HANDOFF_LEN + (size_t)n_nodes * CHAN_HANDOFF_NODE_LEN;
}

enum chan_wire_error
chan_handoff_decode(const uint8_t *buf, size_t len, struct chan_handoff *out)
{
	if (len < CHAN_HANDOFF_LEN)
		return CHAN_WIRE_LENGTH;
	out->n_nodes = rumor_get32(buf + CHAN_OFF_HO_COUNT);
	if (out->n_nodes > CHAN_HANDOFF_NODES_MAX ||
			len != chan_handoff_len(out->n_nodes))
		return CHAN_WIRE_LENGTH;
	if (rumor_get32(buf + CHAN_OFF_HO_RSV) != 0)
		return CHAN_WIRE_RESERVED;
	chan_pos_read(buf, &out->stream, &out->next_seq);
	for (uint32_t i = 0; i < out->n_nodes; i++) {
		const uint8_t *p = buf + CHAN_OFF_HO_NODES +
				i * CHAN_HANDOFF_NODE_LEN;

		out->node[i].id = rumor_get32(p);
		out->node[i].lease_ms = rumor_get32(p + 4);
	}
	return chan_handoff_check(out);
}

size_t
chan_handoff_encode(const struct chan_handoff *ho, uint8_t *buf, size_t cap)
{
	size_t len;

	if (chan_handoff_check(ho) != CHAN_WIRE_OK)
		return 0;
	len = chan_handoff_len(ho->n_nodes);
	if (cap < len)
		return 0;
	chan_pos_write(buf, ho->stream, ho->next_seq);
	rumor_put32(buf + CHAN_OFF_HO_COUNT, ho->n_nodes);
	rumor_put32(buf + CHAN_OFF_HO_RSV, 0);
	for (uint32_t i = 0; i < ho->n_nodes; i++) {
		uint8_t *p = buf + CHAN_OFF_HO_NODES +
				i * CHAN_HANDOFF_NODE_LEN;

		rumor_put32(p, ho->node[i].id);
		rumor_put32(p + 4, ho->node[i].lease_ms);
	}
	return len;
}

static bool
chan_type_valid(uint8_t type)
{
	return type == RUMOR_T_DATA ||
			(type >= RUMOR_T_CHAN_FIRST && type < RUMOR_T_CHAN_MAX);
}

/* Clients send SUBSCRIBE and UNSUBSCRIBE; nodes everything but DATA. */
static enum chan_wire_error
chan_origin_check(uint8_t type, uint32_t origin)
{
	switch (type) {
	case RUMOR_T_DATA:
		return CHAN_WIRE_OK;
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_UNSUBSCRIBE:
		return origin == 0 ? CHAN_WIRE_OK : CHAN_WIRE_ORIGIN;
	default:
		return origin != 0 ? CHAN_WIRE_OK : CHAN_WIRE_ORIGIN;
	}
}

/* Which types a channel of each kind has. */
static enum chan_wire_error
chan_kind_check(uint8_t type, bool broadcast)
{
	switch (type) {
	case RUMOR_T_DATA:
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_UNSUBSCRIBE:
	case RUMOR_T_SUB_ACK:
	case RUMOR_T_DELIVER:
		return CHAN_WIRE_OK;
	case RUMOR_T_GOSSIP:
		return broadcast ? CHAN_WIRE_OK : CHAN_WIRE_KIND;
	default:
		return broadcast ? CHAN_WIRE_KIND : CHAN_WIRE_OK;
	}
}

/* The bytes of the fixed part of a type (0: none). */
static size_t
chan_fixed_len(uint8_t type)
{
	switch (type) {
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_INTEREST:
		return CHAN_LEASE_LEN;
	case RUMOR_T_SUB_ACK:
		return CHAN_ACK_LEN;
	case RUMOR_T_INTEREST_ACK:
		return CHAN_IACK_LEN;
	case RUMOR_T_GOSSIP:
		return CHAN_GOSSIP_LEN;
	case RUMOR_T_DELIVER:
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
		return CHAN_ORD_LEN;
	case RUMOR_T_GAP:
	case RUMOR_T_GONE:
		return CHAN_RANGE_LEN;
	case RUMOR_T_NACK:
		return CHAN_NACK_LEN;
	case RUMOR_T_HANDOFF:
		return CHAN_HANDOFF_LEN;	/* Then its nodes. */
	default:
		return 0;
	}
}

/* True for the types whose fixed part a message follows. */
static bool
chan_has_payload(uint8_t type)
{
	return type == RUMOR_T_DATA || type == RUMOR_T_DELIVER ||
			type == RUMOR_T_FANOUT || type == RUMOR_T_RETRANSMIT ||
			type == RUMOR_T_GOSSIP;
}

/* Decode the fixed part of a checked header's type from body[0..len). */
static enum chan_wire_error
chan_body_decode(const uint8_t *body, size_t len, bool broadcast,
		struct chan_msg *out)
{
	switch (out->type) {
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_INTEREST:
		return chan_lease_decode(body, len, &out->u.lease);
	case RUMOR_T_SUB_ACK:
	case RUMOR_T_INTEREST_ACK:
		return chan_ack_decode(body, len,
				out->type == RUMOR_T_INTEREST_ACK, &out->u.ack);
	case RUMOR_T_DELIVER:
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
		return chan_ord_decode(body, len, broadcast, &out->u.ord);
	case RUMOR_T_GAP:
	case RUMOR_T_GONE:
		return chan_range_decode(body, len, &out->u.range);
	case RUMOR_T_NACK:
		return chan_nack_decode(body, len, &out->u.nack);
	case RUMOR_T_GOSSIP:
		return chan_gossip_decode(body, len, &out->u.gossip);
	case RUMOR_T_HANDOFF:
		return chan_handoff_decode(body, len, &out->u.handoff);
	case RUMOR_T_UNSUBSCRIBE:
	case RUMOR_T_HANDOFF_REQ:
		return len == 0 ? CHAN_WIRE_OK : CHAN_WIRE_LENGTH;
	default:
		/* DATA: the message alone. */
		return CHAN_WIRE_OK;
	}
}

enum chan_wire_error
chan_hdr_decode(const uint8_t *buf, size_t len, uint8_t flags_known,
		bool (*type_ok)(uint8_t type, uint8_t flags),
		struct chan_hdr *out)
{
	const size_t hdr = sizeof(struct rumor_hdr);
	size_t chan;

	if (len < hdr)
		return CHAN_WIRE_SHORT;
	if (len > RUMOR_DATAGRAM_MAX)
		return CHAN_WIRE_LENGTH;
	/* From here on the header may be read, through memcpy only. */
	out->flags = buf[offsetof(struct rumor_hdr, flags)];
	if (rumor_get16(buf) != RUMOR_MAGIC || buf[2] != RUMOR_VERSION ||
			(out->flags & ~flags_known) != 0 ||
			rumor_get16(buf + offsetof(struct rumor_hdr,
			reserved)) != 0)
		return CHAN_WIRE_HEADER;
	out->type = buf[RUMOR_TYPE_OFF];
	if (!type_ok(out->type, out->flags))
		return CHAN_WIRE_TYPE;
	chan = rumor_get16(buf + offsetof(struct rumor_hdr, channel_len));
	out->body_len = rumor_get16(buf + offsetof(struct rumor_hdr,
			payload_len));
	if (chan == 0 || chan > RUMOR_CHANNEL_MAX)
		return CHAN_WIRE_CHANNEL;
	if (hdr + chan + out->body_len != len)
		return CHAN_WIRE_LENGTH;
	/* From here on the channel name and the body may be read. */
	out->hop_limit = buf[offsetof(struct rumor_hdr, hop_limit)];
	out->origin = rumor_get32(buf + offsetof(struct rumor_hdr, origin));
	out->epoch = rumor_get64(buf + offsetof(struct rumor_hdr, epoch));
	out->seq = rumor_get64(buf + offsetof(struct rumor_hdr, seq));
	out->channel_hash = rumor_get64(buf +
			offsetof(struct rumor_hdr, channel_hash));
	out->channel = (const char *)buf + hdr;
	out->channel_len = chan;
	out->body = buf + hdr + chan;
	return CHAN_WIRE_OK;
}

size_t
chan_hdr_write(const struct chan_hdr *h, uint8_t *buf)
{
	rumor_put16(buf, RUMOR_MAGIC);
	buf[2] = RUMOR_VERSION;
	buf[RUMOR_TYPE_OFF] = h->type;
	buf[offsetof(struct rumor_hdr, flags)] = h->flags;
	buf[offsetof(struct rumor_hdr, hop_limit)] = h->hop_limit;
	rumor_put16(buf + offsetof(struct rumor_hdr, channel_len),
			(uint16_t)h->channel_len);
	rumor_put32(buf + offsetof(struct rumor_hdr, origin), h->origin);
	rumor_put16(buf + offsetof(struct rumor_hdr, payload_len),
			(uint16_t)h->body_len);
	rumor_put16(buf + offsetof(struct rumor_hdr, reserved), 0);
	rumor_put64(buf + offsetof(struct rumor_hdr, epoch), h->epoch);
	rumor_put64(buf + offsetof(struct rumor_hdr, seq), h->seq);
	rumor_put64(buf + offsetof(struct rumor_hdr, channel_hash),
			h->channel_hash);
	memcpy(buf + sizeof(struct rumor_hdr), h->channel, h->channel_len);
	return sizeof(struct rumor_hdr) + h->channel_len;
}

/*
 * chan_msg_decode's types: DATA and the channel types, without a flag
 * (chan_hdr_decode lets none through: RUMOR_F_ACK's are repl_wire.h's).
 */
static bool
chan_type_ok(uint8_t type, uint8_t flags)
{
	return flags == 0 && chan_type_valid(type);
}

enum chan_wire_error
chan_msg_decode(const uint8_t *buf, size_t len, struct chan_msg *out)
{
	struct chan_hdr h;
	size_t fixed;
	enum chan_wire_error e;
	bool broadcast;

	e = chan_hdr_decode(buf, len, 0, chan_type_ok, &h);
	if (e != CHAN_WIRE_OK)
		return e;
	out->type = h.type;
	out->hop_limit = h.hop_limit;
	out->origin = h.origin;
	out->epoch = h.epoch;
	out->seq = h.seq;
	out->channel_hash = h.channel_hash;
	out->channel = h.channel;
	out->channel_len = h.channel_len;
	broadcast = chan_is_broadcast(out->channel, h.channel_len);

	e = chan_origin_check(out->type, out->origin);
	if (e != CHAN_WIRE_OK)
		return e;
	e = chan_kind_check(out->type, broadcast);
	if (e != CHAN_WIRE_OK)
		return e;
	e = chan_body_decode(h.body, h.body_len, broadcast, out);
	if (e != CHAN_WIRE_OK)
		return e;
	out->payload = NULL;
	out->payload_len = 0;
	if (chan_has_payload(out->type)) {
		fixed = chan_fixed_len(out->type);
		out->payload = h.body + fixed;
		out->payload_len = h.body_len - fixed;
		if (out->payload_len > chan_payload_max(h.channel_len))
			return CHAN_WIRE_LENGTH;
	}
	return CHAN_WIRE_OK;
}

/* Encode the fixed part of m's type at p (cap bytes); its length or 0. */
static size_t
chan_body_encode(const struct chan_msg *m, bool broadcast, uint8_t *p,
		size_t cap)
{
	switch (m->type) {
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_INTEREST:
		return chan_lease_encode(&m->u.lease, p, cap);
	case RUMOR_T_SUB_ACK:
	case RUMOR_T_INTEREST_ACK:
		return chan_ack_encode(&m->u.ack,
				m->type == RUMOR_T_INTEREST_ACK, p, cap);
	case RUMOR_T_DELIVER:
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
		return chan_ord_encode(&m->u.ord, broadcast, p, cap);
	case RUMOR_T_GAP:
	case RUMOR_T_GONE:
		return chan_range_encode(&m->u.range, p, cap);
	case RUMOR_T_NACK:
		return chan_nack_encode(&m->u.nack, p, cap);
	case RUMOR_T_GOSSIP:
		return chan_gossip_encode(&m->u.gossip, p, cap);
	case RUMOR_T_HANDOFF:
		return chan_handoff_encode(&m->u.handoff, p, cap);
	default:
		return 0;
	}
}

/* Would the fixed part of m decode? The encoders' own checks, first. */
static bool
chan_body_valid(const struct chan_msg *m, bool broadcast)
{
	switch (m->type) {
	case RUMOR_T_SUBSCRIBE:
	case RUMOR_T_INTEREST:
		return chan_lease_check(&m->u.lease) == CHAN_WIRE_OK;
	case RUMOR_T_SUB_ACK:
	case RUMOR_T_INTEREST_ACK:
		return chan_ack_check(&m->u.ack,
				m->type == RUMOR_T_INTEREST_ACK) == CHAN_WIRE_OK;
	case RUMOR_T_DELIVER:
	case RUMOR_T_FANOUT:
	case RUMOR_T_RETRANSMIT:
		return chan_ord_check(&m->u.ord, broadcast) == CHAN_WIRE_OK;
	case RUMOR_T_GAP:
	case RUMOR_T_GONE:
		return chan_range_check(&m->u.range) == CHAN_WIRE_OK;
	case RUMOR_T_NACK:
		return chan_nack_check(&m->u.nack) == CHAN_WIRE_OK;
	case RUMOR_T_GOSSIP:
		return chan_gossip_check(&m->u.gossip) == CHAN_WIRE_OK;
	case RUMOR_T_HANDOFF:
		return chan_handoff_check(&m->u.handoff) == CHAN_WIRE_OK;
	default:
		return true;
	}
}

size_t
chan_msg_encode(const struct chan_msg *m, uint8_t *buf, size_t cap)
{
	size_t fixed, payload, total;
	struct chan_hdr h;
	bool broadcast;
	uint8_t *p;

	/* Check everything before writing anything. */
	if (!chan_type_valid(m->type) || m->channel == NULL ||
			m->channel_len == 0 || m->channel_len > RUMOR_CHANNEL_MAX)
		return 0;
	broadcast = chan_is_broadcast(m->channel, m->channel_len);
	if (chan_origin_check(m->type, m->origin) != CHAN_WIRE_OK ||
			chan_kind_check(m->type, broadcast) != CHAN_WIRE_OK ||
			!chan_body_valid(m, broadcast))
		return 0;
	fixed = m->type == RUMOR_T_HANDOFF ?
			chan_handoff_len(m->u.handoff.n_nodes) :
			chan_fixed_len(m->type);
	payload = chan_has_payload(m->type) ? m->payload_len : 0;
	if (payload > chan_payload_max(m->channel_len) ||
			(payload > 0 && m->payload == NULL))
		return 0;
	total = sizeof(struct rumor_hdr) + m->channel_len + fixed + payload;
	if (total > RUMOR_DATAGRAM_MAX || total > cap)
		return 0;

	h = (struct chan_hdr){ .type = m->type, .hop_limit = m->hop_limit,
		.origin = m->origin, .epoch = m->epoch, .seq = m->seq,
		.channel_hash = m->channel_hash, .channel = m->channel,
		.channel_len = m->channel_len, .body_len = fixed + payload };
	p = buf + chan_hdr_write(&h, buf);
	if (fixed > 0 && chan_body_encode(m, broadcast, p, fixed) != fixed)
		return 0;	/* Not reached: checked above. */
	if (payload > 0)
		memcpy(p + fixed, m->payload, payload);
	return total;
}

void
chan_msg_init(struct chan_msg *m, uint8_t type, const char *name, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	m->channel = name;
	m->channel_len = len;
	m->channel_hash = ring_channel_hash(name, len);
}
