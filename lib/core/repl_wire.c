/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The codec of replication's messages (include/rumor/repl_wire.h). It
 * is built on the channel codec's: the header is checked by
 * chan_hdr_decode and written by chan_hdr_write, the parts' decoders and
 * encoders are made by wire_part.h from their read, write and check, and
 * a resume point is a SUBSCRIBE's lease and a DELIVER's position, each
 * coded by its own codec. As there, every decoder checks a length before
 * it reads what the length covers, and refuses exactly what its encoder
 * refuses to write.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/chan_wire.h"
#include "rumor/repl_wire.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "wire_part.h"

/* Offsets of the fields of the fixed parts. */
enum repl_off {
	REPL_OFF_REQ_CLIENT = 0,	/* Ack request. */
	REPL_OFF_REQ_NUMBER = 8,
	REPL_OFF_REQ_LEVEL = 16,
	REPL_OFF_REQ_RSV = 17,
	REPL_OFF_VIA = 24,		/* Both: the entry node's return path. */
	REPL_OFF_REQ_RSV2 = 37,
	REPL_OFF_PA_NUMBER = 0,		/* PUB_ACK. */
	REPL_OFF_PA_STREAM = 8,
	REPL_OFF_PA_SEQ = 16,
	REPL_OFF_PA_STATUS = 37,
	REPL_OFF_PA_LEVEL = 38,
	REPL_OFF_PA_HELD = 39,
	REPL_OFF_REP_STREAM = 0,	/* REPLICATE. */
	REPL_OFF_REP_SEQ = 8,
	REPL_OFF_REP_CLIENT = 16,
	REPL_OFF_REP_NUMBER = 24,
	REPL_OFF_REP_COMMITTED = 32,
	REPL_OFF_ACK_STREAM = 0,	/* REPL_ACK. */
	REPL_OFF_ACK_HELD = 8,
	REPL_OFF_ACK_STATUS = 16,
	REPL_OFF_ACK_RSV = 17,
	REPL_OFF_ST_STREAM = 0,		/* REPL_STATE. */
	REPL_OFF_ST_HELD = 8,
	REPL_OFF_ST_FIRST = 16,
	REPL_OFF_ST_COMMITTED = 24,
	REPL_OFF_RES_POS = 8,		/* Resume point, after the lease. */
};

_Static_assert(REPL_OFF_REQ_RSV + 7 == REPL_OFF_VIA &&
		REPL_OFF_VIA + REPL_VIA_LEN == REPL_OFF_REQ_RSV2 &&
		REPL_OFF_REQ_RSV2 + 3 == REPL_PUB_REQ_LEN, "request layout");
_Static_assert(REPL_OFF_PA_SEQ + 8 == REPL_OFF_VIA &&
		REPL_OFF_VIA + REPL_VIA_LEN == REPL_OFF_PA_STATUS &&
		REPL_OFF_PA_HELD + 1 == REPL_PUB_ACK_LEN, "PUB_ACK layout");
_Static_assert(REPL_PUB_ACK_LEN <= REPL_PUB_REQ_LEN,
		"a PUB_ACK is never larger than the PUBLISH it answers");
_Static_assert(REPL_OFF_REP_COMMITTED + 8 == REPL_REPLICATE_LEN,
		"REPLICATE layout");
_Static_assert(REPL_OFF_ACK_RSV + 7 == REPL_ACK_LEN, "REPL_ACK layout");
_Static_assert(REPL_OFF_ST_COMMITTED + 8 == REPL_STATE_LEN,
		"REPL_STATE layout");
_Static_assert(REPL_OFF_RES_POS == CHAN_LEASE_LEN &&
		CHAN_LEASE_LEN + CHAN_ORD_LEN == REPL_RESUME_LEN,
		"a resume point is a lease, then a stream position");
_Static_assert(REPL_PUB_REQ_LEN <= CHAN_MSG_FIXED_MAX &&
		REPL_REPLICATE_LEN <= CHAN_MSG_FIXED_MAX,
		"chan_payload_max leaves room for the parts with a message");
_Static_assert(REPL_HELD_MAX <= UINT8_MAX, "held is a u8");
_Static_assert(REPL_PUB_REQ_LEN == REPL_REPLICATE_LEN,
		"the two parts with a message are as long");

/* The largest fixed part: room to encode one before writing anything. */
#define REPL_PART_MAX 40u

_Static_assert(REPL_PUB_REQ_LEN <= REPL_PART_MAX &&
		REPL_PUB_ACK_LEN <= REPL_PART_MAX &&
		REPL_REPLICATE_LEN <= REPL_PART_MAX &&
		REPL_ACK_LEN <= REPL_PART_MAX &&
		REPL_STATE_LEN <= REPL_PART_MAX &&
		REPL_RESUME_LEN <= REPL_PART_MAX, "every part fits");

RUMOR_ENUM_NAME_FN(repl_level_name, enum repl_level, REPL_LEVELS,
		REPL_LEVEL_MAX, "?")
RUMOR_ENUM_NAME_FN(repl_pub_status_name, enum repl_pub_status,
		REPL_PUB_STATUSES, REPL_PUB_STATUS_MAX, "?")
RUMOR_ENUM_NAME_FN(repl_ack_status_name, enum repl_ack_status,
		REPL_ACK_STATUSES, REPL_ACK_STATUS_MAX, "?")

/* True if the n bytes at p are all 0. */
static bool
repl_zero(const uint8_t *p, size_t n)
{
	uint8_t any = 0;

	for (size_t i = 0; i < n; i++)
		any |= p[i];
	return any == 0;
}

/*
 * Field checks, shared by each decoder (on what it read) and encoder (on
 * what it was given), so that the two cannot disagree.
 */

/* A publisher's number: 1 .. CHAN_SEQ_MAX. */
static inline enum chan_wire_error
repl_number_check(uint64_t number)
{
	return number == 0 || number > CHAN_SEQ_MAX ? CHAN_WIRE_NUMBER :
			CHAN_WIRE_OK;
}

/* A level a publisher asks for, or one met: OWNER .. ALL. */
static inline enum chan_wire_error
repl_level_check(uint8_t level)
{
	return level == REPL_LEVEL_NONE || level >= REPL_LEVEL_MAX ?
			CHAN_WIRE_LEVEL : CHAN_WIRE_OK;
}

static enum chan_wire_error
repl_pub_req_check(const struct repl_pub_req *r)
{
	enum chan_wire_error e = repl_number_check(r->number);

	return e != CHAN_WIRE_OK ? e : repl_level_check(r->level);
}

/*
 * An ordered message says where and how far; a refusal says nothing but
 * its status (a stream, sequence, level or count with it is STATUS, as
 * a chan_ack's lease with a refusal is).
 */
static enum chan_wire_error
repl_pub_ack_check(const struct repl_pub_ack *a)
{
	enum chan_wire_error e = repl_number_check(a->number);

	if (e != CHAN_WIRE_OK)
		return e;
	if (a->status >= REPL_PUB_STATUS_MAX)
		return CHAN_WIRE_STATUS;
	if (!repl_pub_ordered(a->status))
		return a->stream != 0 || a->seq != 0 || a->level != 0 ||
				a->held != 0 ? CHAN_WIRE_STATUS : CHAN_WIRE_OK;
	/*
	 * A retry of a number that was not the client's highest: the owner
	 * no longer knows its sequence, and says the stream alone.
	 */
	if (a->status == REPL_PUB_DUPLICATE && a->seq == 0)
		e = a->stream != 0 ? CHAN_WIRE_OK : CHAN_WIRE_STREAM;
	else
		e = chan_pos_check(a->stream, a->seq);
	if (e != CHAN_WIRE_OK)
		return e;
	e = repl_level_check(a->level);
	if (e != CHAN_WIRE_OK)
		return e;
	return a->held > REPL_HELD_MAX ? CHAN_WIRE_RANGE : CHAN_WIRE_OK;
}

static enum chan_wire_error
repl_replicate_check(const struct repl_replicate *r)
{
	enum chan_wire_error e = chan_pos_check(r->stream, r->seq);

	if (e != CHAN_WIRE_OK)
		return e;
	/* Only what came before it can be committed. */
	if (r->committed >= r->seq)
		return CHAN_WIRE_SEQ;
	if (r->number > CHAN_SEQ_MAX)
		return CHAN_WIRE_NUMBER;
	return (r->client == 0) != (r->number == 0) ? CHAN_WIRE_CLIENT :
			CHAN_WIRE_OK;
}

static enum chan_wire_error
repl_ack_check(const struct repl_ack *a)
{
	if (a->stream == 0)
		return CHAN_WIRE_STREAM;
	if (a->held > CHAN_SEQ_MAX)
		return CHAN_WIRE_SEQ;
	return a->status >= REPL_ACK_STATUS_MAX ? CHAN_WIRE_STATUS :
			CHAN_WIRE_OK;
}

static enum chan_wire_error
repl_state_check(const struct repl_state *s)
{
	/* No stream: no state at all. */
	if (s->stream == 0)
		return s->held != 0 || s->first != 0 || s->committed != 0 ?
				CHAN_WIRE_STREAM : CHAN_WIRE_OK;
	if (s->held > CHAN_SEQ_MAX || s->first > CHAN_SEQ_MAX ||
			s->committed >= CHAN_SEQ_MAX)
		return CHAN_WIRE_SEQ;
	/* Held from first on: both, or neither when nothing is held. */
	if (s->first == 0 ? s->held != 0 : s->first > s->held)
		return CHAN_WIRE_RANGE;
	return CHAN_WIRE_OK;
}

/*
 * Moving the fields of each fixed part between the wire and its struct.
 * A reader also refuses a reserved field that is not 0; a writer writes
 * it 0.
 */
static inline enum chan_wire_error
repl_pub_req_read(const uint8_t *buf, struct repl_pub_req *r)
{
	if (!repl_zero(buf + REPL_OFF_REQ_RSV, REPL_OFF_VIA - REPL_OFF_REQ_RSV) ||
			!repl_zero(buf + REPL_OFF_REQ_RSV2,
			REPL_PUB_REQ_LEN - REPL_OFF_REQ_RSV2))
		return CHAN_WIRE_RESERVED;
	r->client = rumor_get64(buf + REPL_OFF_REQ_CLIENT);
	r->number = rumor_get64(buf + REPL_OFF_REQ_NUMBER);
	r->level = buf[REPL_OFF_REQ_LEVEL];
	memcpy(r->via, buf + REPL_OFF_VIA, REPL_VIA_LEN);
	return CHAN_WIRE_OK;
}

static inline void
repl_pub_req_write(const struct repl_pub_req *r, uint8_t *buf)
{
	rumor_put64(buf + REPL_OFF_REQ_CLIENT, r->client);
	rumor_put64(buf + REPL_OFF_REQ_NUMBER, r->number);
	buf[REPL_OFF_REQ_LEVEL] = r->level;
	memset(buf + REPL_OFF_REQ_RSV, 0, REPL_OFF_VIA - REPL_OFF_REQ_RSV);
	memcpy(buf + REPL_OFF_VIA, r->via, REPL_VIA_LEN);
	memset(buf + REPL_OFF_REQ_RSV2, 0,
			REPL_PUB_REQ_LEN - REPL_OFF_REQ_RSV2);
}

static inline enum chan_wire_error
repl_pub_ack_read(const uint8_t *buf, struct repl_pub_ack *a)
{
	a->number = rumor_get64(buf + REPL_OFF_PA_NUMBER);
	a->stream = rumor_get64(buf + REPL_OFF_PA_STREAM);
	a->seq = rumor_get64(buf + REPL_OFF_PA_SEQ);
	a->status = buf[REPL_OFF_PA_STATUS];
	a->level = buf[REPL_OFF_PA_LEVEL];
	a->held = buf[REPL_OFF_PA_HELD];
	memcpy(a->via, buf + REPL_OFF_VIA, REPL_VIA_LEN);
	return CHAN_WIRE_OK;
}

static inline void
repl_pub_ack_write(const struct repl_pub_ack *a, uint8_t *buf)
{
	rumor_put64(buf + REPL_OFF_PA_NUMBER, a->number);
	rumor_put64(buf + REPL_OFF_PA_STREAM, a->stream);
	rumor_put64(buf + REPL_OFF_PA_SEQ, a->seq);
	buf[REPL_OFF_PA_STATUS] = a->status;
	buf[REPL_OFF_PA_LEVEL] = a->level;
	buf[REPL_OFF_PA_HELD] = a->held;
	memcpy(buf + REPL_OFF_VIA, a->via, REPL_VIA_LEN);
}

static inline enum chan_wire_error
repl_replicate_read(const uint8_t *buf, struct repl_replicate *r)
{
	r->stream = rumor_get64(buf + REPL_OFF_REP_STREAM);
	r->seq = rumor_get64(buf + REPL_OFF_REP_SEQ);
	r->client = rumor_get64(buf + REPL_OFF_REP_CLIENT);
	r->number = rumor_get64(buf + REPL_OFF_REP_NUMBER);
	r->committed = rumor_get64(buf + REPL_OFF_REP_COMMITTED);
	return CHAN_WIRE_OK;
}

static inline void
repl_replicate_write(const struct repl_replicate *r, uint8_t *buf)
{
	rumor_put64(buf + REPL_OFF_REP_STREAM, r->stream);
	rumor_put64(buf + REPL_OFF_REP_SEQ, r->seq);
	rumor_put64(buf + REPL_OFF_REP_CLIENT, r->client);
	rumor_put64(buf + REPL_OFF_REP_NUMBER, r->number);
	rumor_put64(buf + REPL_OFF_REP_COMMITTED, r->committed);
}

static inline enum chan_wire_error
repl_ack_read(const uint8_t *buf, struct repl_ack *a)
{
	if (!repl_zero(buf + REPL_OFF_ACK_RSV, REPL_ACK_LEN - REPL_OFF_ACK_RSV))
		return CHAN_WIRE_RESERVED;
	a->stream = rumor_get64(buf + REPL_OFF_ACK_STREAM);
	a->held = rumor_get64(buf + REPL_OFF_ACK_HELD);
	a->status = buf[REPL_OFF_ACK_STATUS];
	return CHAN_WIRE_OK;
}

static inline void
repl_ack_write(const struct repl_ack *a, uint8_t *buf)
{
	rumor_put64(buf + REPL_OFF_ACK_STREAM, a->stream);
	rumor_put64(buf + REPL_OFF_ACK_HELD, a->held);
	buf[REPL_OFF_ACK_STATUS] = a->status;
	memset(buf + REPL_OFF_ACK_RSV, 0, REPL_ACK_LEN - REPL_OFF_ACK_RSV);
}

static inline enum chan_wire_error
repl_state_read(const uint8_t *buf, struct repl_state *s)
{
	s->stream = rumor_get64(buf + REPL_OFF_ST_STREAM);
	s->held = rumor_get64(buf + REPL_OFF_ST_HELD);
	s->first = rumor_get64(buf + REPL_OFF_ST_FIRST);
	s->committed = rumor_get64(buf + REPL_OFF_ST_COMMITTED);
	return CHAN_WIRE_OK;
}

static inline void
repl_state_write(const struct repl_state *s, uint8_t *buf)
{
	rumor_put64(buf + REPL_OFF_ST_STREAM, s->stream);
	rumor_put64(buf + REPL_OFF_ST_HELD, s->held);
	rumor_put64(buf + REPL_OFF_ST_FIRST, s->first);
	rumor_put64(buf + REPL_OFF_ST_COMMITTED, s->committed);
}

WIRE_PART_CODEC(repl, pub_req, REPL_PUB_REQ_LEN, true)
WIRE_PART_CODEC(repl, pub_ack, REPL_PUB_ACK_LEN, false)
WIRE_PART_CODEC(repl, replicate, REPL_REPLICATE_LEN, true)
WIRE_PART_CODEC(repl, ack, REPL_ACK_LEN, false)
WIRE_PART_CODEC(repl, state, REPL_STATE_LEN, false)

/*
 * A resume point: a SUBSCRIBE's lease part (RESERVED, LEASE), then an
 * ordered channel's position (STREAM, SEQ), each by its own codec.
 */
enum chan_wire_error
repl_resume_decode(const uint8_t *buf, size_t len, struct repl_resume *out)
{
	struct chan_lease l;
	struct chan_ord o;
	enum chan_wire_error e;

	if (len != REPL_RESUME_LEN)
		return CHAN_WIRE_LENGTH;
	e = chan_lease_decode(buf, CHAN_LEASE_LEN, &l);
	if (e != CHAN_WIRE_OK)
		return e;
	e = chan_ord_decode(buf + REPL_OFF_RES_POS, CHAN_ORD_LEN, false, &o);
	if (e != CHAN_WIRE_OK)
		return e;
	out->lease_ms = l.lease_ms;
	out->stream = o.stream;
	out->seq = o.seq;
	return CHAN_WIRE_OK;
}

size_t
repl_resume_encode(const struct repl_resume *in, uint8_t *buf, size_t cap)
{
	const struct chan_lease l = { .lease_ms = in->lease_ms };
	const struct chan_ord o = { .stream = in->stream, .seq = in->seq };
	uint8_t part[REPL_RESUME_LEN];

	/* Both halves checked before a byte of buf is written. */
	if (cap < REPL_RESUME_LEN ||
			chan_lease_encode(&l, part, CHAN_LEASE_LEN) == 0 ||
			chan_ord_encode(&o, false, part + REPL_OFF_RES_POS,
			CHAN_ORD_LEN) == 0)
		return 0;
	memcpy(buf, part, sizeof(part));
	return REPL_RESUME_LEN;
}

/* The flags of a type as repl_msg_encode writes it. */
static uint8_t
repl_flags(uint8_t type)
{
	return type == RUMOR_T_DATA || type == RUMOR_T_SUBSCRIBE ?
			RUMOR_F_ACK : 0;
}

/*
 * The types repl_msg_decode takes: PUBLISH and SUBSCRIBE with
 * RUMOR_F_ACK, replication's own without a flag.
 */
static bool
repl_type_ok(uint8_t type, uint8_t flags)
{
	if (flags == RUMOR_F_ACK)
		return type == RUMOR_T_DATA || type == RUMOR_T_SUBSCRIBE;
	return flags == 0 && type >= RUMOR_T_PUB_ACK &&
			type <= RUMOR_T_REPL_STATE;
}

/* A client sends a resume point, a node the others; a PUBLISH either. */
static enum chan_wire_error
repl_origin_check(uint8_t type, uint32_t origin)
{
	switch (type) {
	case RUMOR_T_DATA:
		return CHAN_WIRE_OK;
	case RUMOR_T_SUBSCRIBE:
		return origin == 0 ? CHAN_WIRE_OK : CHAN_WIRE_ORIGIN;
	default:
		return origin != 0 ? CHAN_WIRE_OK : CHAN_WIRE_ORIGIN;
	}
}

/*
 * What the fixed part of a message says of its header: a PUB_ACK's
 * number is its header's seq. (An ack request's client and return path
 * are the entry node's to write: only the receiver knows whether a
 * client or a member sent it.)
 */
static enum chan_wire_error
repl_hdr_match(const struct repl_msg *m)
{
	switch (m->type) {
	case RUMOR_T_PUB_ACK:
		return m->u.pub_ack.number != m->seq ? CHAN_WIRE_NUMBER :
				CHAN_WIRE_OK;
	default:
		return CHAN_WIRE_OK;
	}
}

/* True for the types whose fixed part a message follows. */
static bool
repl_has_payload(uint8_t type)
{
	return type == RUMOR_T_DATA || type == RUMOR_T_REPLICATE;
}

/* Decode the fixed part of m's type from body[0..len). */
static enum chan_wire_error
repl_body_decode(const uint8_t *body, size_t len, struct repl_msg *m)
{
	switch (m->type) {
	case RUMOR_T_DATA:
		return repl_pub_req_decode(body, len, &m->u.req);
	case RUMOR_T_SUBSCRIBE:
		return repl_resume_decode(body, len, &m->u.resume);
	case RUMOR_T_PUB_ACK:
		return repl_pub_ack_decode(body, len, &m->u.pub_ack);
	case RUMOR_T_REPLICATE:
		return repl_replicate_decode(body, len, &m->u.rep);
	case RUMOR_T_REPL_ACK:
		return repl_ack_decode(body, len, &m->u.ack);
	case RUMOR_T_REPL_STATE:
		return repl_state_decode(body, len, &m->u.state);
	default:
		/* REPL_SYNC: nothing. */
		return len == REPL_SYNC_LEN ? CHAN_WIRE_OK : CHAN_WIRE_LENGTH;
	}
}

/* Encode the fixed part of m's type at p (cap bytes); its length, or 0. */
static size_t
repl_body_encode(const struct repl_msg *m, uint8_t *p, size_t cap)
{
	switch (m->type) {
	case RUMOR_T_DATA:
		return repl_pub_req_encode(&m->u.req, p, cap);
	case RUMOR_T_SUBSCRIBE:
		return repl_resume_encode(&m->u.resume, p, cap);
	case RUMOR_T_PUB_ACK:
		return repl_pub_ack_encode(&m->u.pub_ack, p, cap);
	case RUMOR_T_REPLICATE:
		return repl_replicate_encode(&m->u.rep, p, cap);
	case RUMOR_T_REPL_ACK:
		return repl_ack_encode(&m->u.ack, p, cap);
	case RUMOR_T_REPL_STATE:
		return repl_state_encode(&m->u.state, p, cap);
	default:
		return 0;
	}
}

enum chan_wire_error
repl_msg_decode(const uint8_t *buf, size_t len, struct repl_msg *out)
{
	struct chan_hdr h;
	enum chan_wire_error e;

	e = chan_hdr_decode(buf, len, RUMOR_F_ACK, repl_type_ok, &h);
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

	e = repl_origin_check(out->type, out->origin);
	if (e != CHAN_WIRE_OK)
		return e;
	/* Replicas, acknowledgements and streams: ordered channels only. */
	if (chan_is_broadcast(h.channel, h.channel_len))
		return CHAN_WIRE_KIND;
	e = repl_body_decode(h.body, h.body_len, out);
	if (e != CHAN_WIRE_OK)
		return e;
	e = repl_hdr_match(out);
	if (e != CHAN_WIRE_OK)
		return e;
	out->payload = NULL;
	out->payload_len = 0;
	if (repl_has_payload(out->type)) {
		/* Both parts with a message are 40 bytes. */
		out->payload = h.body + REPL_REPLICATE_LEN;
		out->payload_len = h.body_len - REPL_REPLICATE_LEN;
		if (out->payload_len > chan_payload_max(h.channel_len))
			return CHAN_WIRE_LENGTH;
	}
	return CHAN_WIRE_OK;
}

size_t
repl_msg_encode(const struct repl_msg *m, uint8_t *buf, size_t cap)
{
	uint8_t part[REPL_PART_MAX];
	size_t fixed, payload, total;
	struct chan_hdr h;
	uint8_t *p;

	/* Check everything, and code the part aside, before writing. */
	if (!repl_type_ok(m->type, repl_flags(m->type)) ||
			m->channel == NULL || m->channel_len == 0 ||
			m->channel_len > RUMOR_CHANNEL_MAX ||
			chan_is_broadcast(m->channel, m->channel_len) ||
			repl_origin_check(m->type, m->origin) != CHAN_WIRE_OK ||
			repl_hdr_match(m) != CHAN_WIRE_OK)
		return 0;
	fixed = m->type == RUMOR_T_REPL_SYNC ? REPL_SYNC_LEN :
			repl_body_encode(m, part, sizeof(part));
	if (fixed == 0 && m->type != RUMOR_T_REPL_SYNC)
		return 0;
	payload = repl_has_payload(m->type) ? m->payload_len : 0;
	if (payload > chan_payload_max(m->channel_len) ||
			(payload > 0 && m->payload == NULL))
		return 0;
	total = sizeof(struct rumor_hdr) + m->channel_len + fixed + payload;
	if (total > RUMOR_DATAGRAM_MAX || total > cap)
		return 0;

	h = (struct chan_hdr){ .type = m->type,
		.flags = repl_flags(m->type),
		.hop_limit = m->hop_limit, .origin = m->origin,
		.epoch = m->epoch, .seq = m->seq,
		.channel_hash = m->channel_hash, .channel = m->channel,
		.channel_len = m->channel_len, .body_len = fixed + payload };
	p = buf + chan_hdr_write(&h, buf);
	memcpy(p, part, fixed);
	if (payload > 0)
		memcpy(p + fixed, m->payload, payload);
	return total;
}

void
repl_msg_init(struct repl_msg *m, uint8_t type, const char *name, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->hop_limit = RUMOR_DEFAULT_HOP_LIMIT;
	m->channel = name;
	m->channel_len = len;
	m->channel_hash = ring_channel_hash(name, len);
}
