/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the channel message codec (include/rumor/chan_wire.h)
 * on arbitrary bytes, taken as a whole datagram by chan_msg_decode and as
 * a fixed part by each part decoder. Whatever is accepted has every field
 * within its range, points only inside the input, and encodes back to the
 * same bytes, while a buffer one byte short is refused untouched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/wire.h"
#include "fuzz.h"

/* A HANDOFF's fixed part: 24 bytes, then 8 per node. */
static void
fuzz_handoff(const uint8_t *copy, size_t size)
{
	static struct chan_handoff h;

	if (chan_handoff_decode(copy, size, &h) != CHAN_WIRE_OK)
		return;
	FUZZ_CHECK(h.n_nodes <= CHAN_HANDOFF_NODES_MAX);
	FUZZ_CHECK(size == CHAN_HANDOFF_LEN + h.n_nodes *
			CHAN_HANDOFF_NODE_LEN);
	FUZZ_CHECK((h.stream == 0) == (h.next_seq == 0));
	FUZZ_CHECK(h.next_seq <= CHAN_HANDOFF_SEQ_MAX);
	for (uint32_t i = 0; i < h.n_nodes; i++)
		FUZZ_CHECK(h.node[i].id != 0 && h.node[i].lease_ms >= 1 &&
				h.node[i].lease_ms <= CHAN_LEASE_MAX_MS);
	FUZZ_ENCODES_AGAIN(chan_handoff_encode(&h, again_, cap_), copy, size);
}

static void
fuzz_parts(const uint8_t *copy, size_t size)
{
	struct chan_lease l;
	struct chan_ack a;
	struct chan_gossip g;
	struct chan_ord o;
	struct chan_range r;
	struct chan_nack n;

	if (chan_lease_decode(copy, size, &l) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size == CHAN_LEASE_LEN);
		FUZZ_CHECK(l.lease_ms <= CHAN_LEASE_MAX_MS);
		FUZZ_ENCODES_AGAIN(chan_lease_encode(&l, again_, cap_),
				copy, size);
	}
	for (int ia = 0; ia < 2; ia++) {
		if (chan_ack_decode(copy, size, ia, &a) != CHAN_WIRE_OK)
			continue;
		FUZZ_CHECK(size == (ia ? CHAN_IACK_LEN : CHAN_ACK_LEN));
		FUZZ_CHECK(a.status < CHAN_ST_MAX);
		FUZZ_CHECK(a.status == CHAN_ST_OK || a.lease_ms == 0);
		FUZZ_CHECK(chan_status_is_limit(a.status) == (a.limit != 0));
		FUZZ_CHECK((a.stream != 0) == (ia && a.lease_ms != 0));
		FUZZ_CHECK((a.next_seq != 0) == (a.stream != 0));
		FUZZ_CHECK(a.next_seq <= CHAN_SEQ_MAX);
		FUZZ_ENCODES_AGAIN(chan_ack_encode(&a, ia, again_, cap_),
				copy, size);
	}
	if (chan_gossip_decode(copy, size, &g) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size >= CHAN_GOSSIP_LEN && g.boot != 0);
		FUZZ_ENCODES_AGAIN(chan_gossip_encode(&g, again_, cap_),
				copy, CHAN_GOSSIP_LEN);
	}
	for (int bc = 0; bc < 2; bc++) {
		if (chan_ord_decode(copy, size, bc, &o) != CHAN_WIRE_OK)
			continue;
		FUZZ_CHECK(size >= CHAN_ORD_LEN);
		if (bc)
			FUZZ_CHECK(o.stream == 0 && o.seq == 0);
		else
			FUZZ_CHECK(o.stream != 0 && o.seq >= 1 &&
					o.seq <= CHAN_SEQ_MAX);
		FUZZ_ENCODES_AGAIN(chan_ord_encode(&o, bc, again_, cap_),
				copy, CHAN_ORD_LEN);
	}
	if (chan_range_decode(copy, size, &r) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size == CHAN_RANGE_LEN);
		FUZZ_CHECK(r.stream != 0 && r.first >= 1 &&
				r.first <= r.last && r.last <= CHAN_SEQ_MAX);
		FUZZ_ENCODES_AGAIN(chan_range_encode(&r, again_, cap_),
				copy, size);
	}
	if (chan_nack_decode(copy, size, &n) == CHAN_WIRE_OK) {
		FUZZ_CHECK(size == CHAN_NACK_LEN);
		FUZZ_CHECK(n.stream != 0 && n.first >= 1 && n.count >= 1 &&
				n.count <= CHAN_NACK_MAX &&
				n.first - 1 + n.count <= CHAN_SEQ_MAX);
		FUZZ_ENCODES_AGAIN(chan_nack_encode(&n, again_, cap_),
				copy, size);
	}
	fuzz_handoff(copy, size);
}

static void
fuzz_one(const uint8_t *copy, size_t size)
{
	struct chan_msg m;
	enum chan_wire_error e;

	fuzz_parts(copy, size);

	e = chan_msg_decode(copy, size, &m);
	FUZZ_VERDICT(e, CHAN_WIRE_ERROR_MAX, chan_wire_error_name,
			size < sizeof(struct rumor_hdr), CHAN_WIRE_SHORT);
	if (e == CHAN_WIRE_OK) {
		const uint8_t *end = copy + size;

		FUZZ_CHECK(size <= RUMOR_DATAGRAM_MAX);
		FUZZ_CHECK(m.type == RUMOR_T_DATA ||
				(m.type >= RUMOR_T_CHAN_FIRST &&
				m.type < RUMOR_T_CHAN_MAX));
		FUZZ_CHECK(strcmp(chan_type_name(m.type), "?") != 0);
		FUZZ_CHECK(m.channel_len >= 1 &&
				m.channel_len <= RUMOR_CHANNEL_MAX);
		FUZZ_CHECK((const uint8_t *)m.channel ==
				copy + sizeof(struct rumor_hdr));
		if (m.payload != NULL) {
			FUZZ_CHECK(m.payload >= (const uint8_t *)m.channel +
					m.channel_len);
			FUZZ_CHECK(m.payload + m.payload_len == end);
			FUZZ_CHECK(m.payload_len <=
					chan_payload_max(m.channel_len));
		} else {
			FUZZ_CHECK(m.payload_len == 0);
		}
		if (m.type == RUMOR_T_SUBSCRIBE ||
				m.type == RUMOR_T_UNSUBSCRIBE)
			FUZZ_CHECK(m.origin == 0);
		else if (m.type != RUMOR_T_DATA)
			FUZZ_CHECK(m.origin != 0);
		if (m.type == RUMOR_T_GOSSIP)
			FUZZ_CHECK(chan_is_broadcast(m.channel,
					m.channel_len));
		if (m.type == RUMOR_T_HANDOFF_REQ ||
				m.type == RUMOR_T_HANDOFF)
			FUZZ_CHECK(!chan_is_broadcast(m.channel,
					m.channel_len));
		if (m.type == RUMOR_T_HANDOFF_REQ)
			FUZZ_CHECK(size == sizeof(struct rumor_hdr) +
					m.channel_len);
		if (m.type == RUMOR_T_HANDOFF)
			FUZZ_CHECK(m.u.handoff.n_nodes <=
					CHAN_HANDOFF_NODES_MAX &&
					size == sizeof(struct rumor_hdr) +
					m.channel_len + CHAN_HANDOFF_LEN +
					m.u.handoff.n_nodes *
					CHAN_HANDOFF_NODE_LEN);
		FUZZ_ENCODES_AGAIN(chan_msg_encode(&m, again_, cap_), copy,
				size);
	}
}

FUZZ_TARGET(fuzz_one)
