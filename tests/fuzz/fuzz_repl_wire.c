/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the codec of replication's messages
 * (include/rumor/repl_wire.h) on arbitrary bytes, taken as a whole
 * datagram by repl_msg_decode and as a fixed part by each part decoder.
 * Whatever is accepted has every field within its range, points only
 * inside the input, and encodes back to the same bytes, while a buffer
 * one byte short is refused untouched. The return path (via) of an ack
 * request and a PUB_ACK is copied as it is, never judged; nor is an ack
 * request's client, whatever the origin. The channel codec never takes
 * what this one does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/repl_wire.h"
#include "rumor/wire.h"
#include "fuzz.h"

/* Offset of via in the ack request and the PUB_ACK. */
#define VIA 24u

/*
 * An ack request read from part (its first 40 bytes): via as it was, the
 * reserved bytes either side of it 0.
 */
static void
check_pub_req(const struct repl_pub_req *r, const uint8_t *part)
{
	FUZZ_CHECK(r->number >= 1 && r->number <= CHAN_SEQ_MAX);
	FUZZ_CHECK(r->level >= REPL_LEVEL_OWNER && r->level <= REPL_LEVEL_ALL);
	FUZZ_CHECK(memcmp(r->via, part + VIA, REPL_VIA_LEN) == 0);
	for (size_t i = 17; i < REPL_PUB_REQ_LEN; i++)
		FUZZ_CHECK(part[i] == 0 ||
				(i >= VIA && i < VIA + REPL_VIA_LEN));
}

static void
check_pub_ack(const struct repl_pub_ack *a, const uint8_t *part)
{
	FUZZ_CHECK(memcmp(a->via, part + VIA, REPL_VIA_LEN) == 0);
	FUZZ_CHECK(a->status == part[37] && a->level == part[38] &&
			a->held == part[39]);
	FUZZ_CHECK(a->number >= 1 && a->number <= CHAN_SEQ_MAX);
	FUZZ_CHECK(a->status < REPL_PUB_STATUS_MAX);
	if (repl_pub_ordered(a->status)) {
		FUZZ_CHECK(a->stream != 0);
		/* A DUPLICATE may say its stream alone. */
		FUZZ_CHECK(a->seq <= CHAN_SEQ_MAX && (a->seq >= 1 ||
				a->status == REPL_PUB_DUPLICATE));
		FUZZ_CHECK(a->level >= REPL_LEVEL_OWNER &&
				a->level <= REPL_LEVEL_ALL);
		FUZZ_CHECK(a->held <= REPL_HELD_MAX);
	} else {
		FUZZ_CHECK(a->stream == 0 && a->seq == 0 && a->level == 0 &&
				a->held == 0);
	}
}

static void
check_replicate(const struct repl_replicate *r)
{
	FUZZ_CHECK(r->stream != 0);
	FUZZ_CHECK(r->seq >= 1 && r->seq <= CHAN_SEQ_MAX);
	FUZZ_CHECK(r->committed < r->seq);
	FUZZ_CHECK(r->number <= CHAN_SEQ_MAX);
	FUZZ_CHECK((r->client == 0) == (r->number == 0));
}

static void
check_state(const struct repl_state *s)
{
	if (s->stream == 0) {
		FUZZ_CHECK(s->held == 0 && s->first == 0 &&
				s->committed == 0);
		return;
	}
	FUZZ_CHECK(s->held <= CHAN_SEQ_MAX);
	FUZZ_CHECK(s->committed < CHAN_SEQ_MAX);
	FUZZ_CHECK(s->first == 0 ? s->held == 0 : s->first <= s->held);
}

static void
fuzz_parts(const uint8_t *copy, size_t size)
{
	struct repl_pub_req rq;
	struct repl_pub_ack pa;
	struct repl_replicate rp;
	struct repl_ack ak;
	struct repl_state st;
	struct repl_resume rs;

	if (repl_pub_req_decode(copy, size, &rq) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size >= REPL_PUB_REQ_LEN);
		check_pub_req(&rq, copy);
		FUZZ_ENCODES_AGAIN(repl_pub_req_encode(&rq, again_, cap_),
				copy, REPL_PUB_REQ_LEN);
	}
	if (repl_pub_ack_decode(copy, size, &pa) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size == REPL_PUB_ACK_LEN);
		check_pub_ack(&pa, copy);
		FUZZ_ENCODES_AGAIN(repl_pub_ack_encode(&pa, again_, cap_),
				copy, size);
	}
	if (repl_replicate_decode(copy, size, &rp) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size >= REPL_REPLICATE_LEN);
		check_replicate(&rp);
		FUZZ_ENCODES_AGAIN(repl_replicate_encode(&rp, again_, cap_),
				copy, REPL_REPLICATE_LEN);
	}
	if (repl_ack_decode(copy, size, &ak) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size == REPL_ACK_LEN);
		FUZZ_CHECK(ak.stream != 0 && ak.held <= CHAN_SEQ_MAX &&
				ak.status < REPL_ACK_STATUS_MAX);
		FUZZ_ENCODES_AGAIN(repl_ack_encode(&ak, again_, cap_), copy,
				size);
	}
	if (repl_state_decode(copy, size, &st) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size == REPL_STATE_LEN);
		check_state(&st);
		FUZZ_ENCODES_AGAIN(repl_state_encode(&st, again_, cap_), copy,
				size);
	}
	if (repl_resume_decode(copy, size, &rs) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size == REPL_RESUME_LEN);
		FUZZ_CHECK(rs.lease_ms <= CHAN_LEASE_MAX_MS && rs.stream != 0 &&
				rs.seq >= 1 && rs.seq <= CHAN_SEQ_MAX);
		FUZZ_ENCODES_AGAIN(repl_resume_encode(&rs, again_, cap_),
				copy, size);
	}
}

/*
 * An acked PUBLISH accepted from copy is accepted as well with the
 * part's bytes at off (width of them) each XORed with x, and decodes to
 * what they then say: for the origin, the client and the return path,
 * which only the receiving node can judge.
 */
static void
check_publish_xor(const uint8_t *copy, size_t size, size_t off,
		size_t width, uint8_t x)
{
	uint8_t *other = fuzz_copy(copy, size);
	struct repl_msg d;

	if (other == NULL)
		return;
	for (size_t i = 0; i < width; i++)
		other[off + i] ^= x;
	FUZZ_CHECK(repl_msg_decode(other, size, &d) == CHAN_WIRE_OK);
	FUZZ_ENCODES_AGAIN(repl_msg_encode(&d, again_, cap_), other, size);
	free(other);
}

static void
check_publish_free(const uint8_t *copy, size_t size, const uint8_t *part)
{
	size_t at = (size_t)(part - copy);

	/* From the other kind of sender: origin 0 or not. */
	check_publish_xor(copy, size, 11, 1, 0x01);
	check_publish_xor(copy, size, 8, 1, 0x80);
	/* Client 0 or not. */
	check_publish_xor(copy, size, at + 7, 1, 0x01);
	check_publish_xor(copy, size, at, 8, 0xff);
	/* Any return path. */
	check_publish_xor(copy, size, at + VIA, REPL_VIA_LEN, 0xff);
}

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	struct repl_msg m;
	struct chan_msg c;
	enum chan_wire_error e;
	const uint8_t *part;

	fuzz_parts(copy, size);

	e = repl_msg_decode(copy, size, &m);
	FUZZ_VERDICT(e, CHAN_WIRE_ERROR_MAX, chan_wire_error_name,
			size < sizeof(struct rumor_hdr), CHAN_WIRE_SHORT);
	if (e != CHAN_WIRE_OK)
		return;
	FUZZ_CHECK(size <= RUMOR_DATAGRAM_MAX);
	FUZZ_CHECK(rumor_hdr_check(copy, size) == RUMOR_HDR_OK);
	/* What this codec takes, the channel codec does not. */
	FUZZ_CHECK(chan_msg_decode(copy, size, &c) != CHAN_WIRE_OK);
	FUZZ_CHECK(strcmp(chan_type_name(m.type), "?") != 0);
	FUZZ_CHECK(copy[4] == (m.type == RUMOR_T_DATA ||
			m.type == RUMOR_T_SUBSCRIBE ? RUMOR_F_ACK : 0));
	FUZZ_CHECK(m.channel_len >= 1 && m.channel_len <= RUMOR_CHANNEL_MAX);
	FUZZ_CHECK((const uint8_t *)m.channel ==
			copy + sizeof(struct rumor_hdr));
	FUZZ_CHECK(!chan_is_broadcast(m.channel, m.channel_len));
	part = (const uint8_t *)m.channel + m.channel_len;
	switch (m.type) {
	case RUMOR_T_DATA:
		check_pub_req(&m.u.req, part);
		check_publish_free(copy, size, part);
		break;
	case RUMOR_T_SUBSCRIBE:
		FUZZ_CHECK(m.origin == 0);
		FUZZ_CHECK(size == sizeof(struct rumor_hdr) + m.channel_len +
				REPL_RESUME_LEN);
		break;
	case RUMOR_T_PUB_ACK:
		FUZZ_CHECK(m.origin != 0 && m.u.pub_ack.number == m.seq);
		check_pub_ack(&m.u.pub_ack, part);
		break;
	case RUMOR_T_REPLICATE:
		FUZZ_CHECK(m.origin != 0);
		check_replicate(&m.u.rep);
		break;
	case RUMOR_T_REPL_ACK:
	case RUMOR_T_REPL_SYNC:
		FUZZ_CHECK(m.origin != 0);
		break;
	case RUMOR_T_REPL_STATE:
		FUZZ_CHECK(m.origin != 0);
		check_state(&m.u.state);
		break;
	default:
		FUZZ_CHECK(0);
	}
	if (m.payload != NULL) {
		FUZZ_CHECK(m.type == RUMOR_T_DATA ||
				m.type == RUMOR_T_REPLICATE);
		FUZZ_CHECK(m.payload == (const uint8_t *)m.channel +
				m.channel_len + REPL_REPLICATE_LEN);
		FUZZ_CHECK(m.payload + m.payload_len == copy + size);
		FUZZ_CHECK(m.payload_len <= chan_payload_max(m.channel_len));
	} else {
		FUZZ_CHECK(m.payload_len == 0);
	}
	FUZZ_ENCODES_AGAIN(repl_msg_encode(&m, again_, cap_), copy, size);
}

FUZZ_TARGET(fuzz_one)
