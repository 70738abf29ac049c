/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publish acknowledgements on the lcores (pub_ack.h). The return path,
 * REPL_VIA_LEN bytes the owner echoes without reading:
 *
 *   0 u32 the client's IPv4 address   (network order)
 *   4 u16 its UDP port                (network order)
 *   6     its MAC (the frame's source: the client, or its router)
 *  12 u8  the DPDK port it came in on
 *
 * A client never chooses its id nor its return path: the entry node
 * writes both over whatever the request held, so that one client cannot
 * answer for another's numbers nor send an answer elsewhere. A PUB_ACK
 * is never larger than the PUBLISH it answers (the two fixed parts are
 * as long and the answer carries no message), so an address that did
 * not send the PUBLISH gains nothing by having it answered there.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>

#include "rumor/bytes.h"
#include "rumor/cksum.h"
#include "auth.h"
#include "chan_state.h"
#include "fanout.h"
#include "pub_ack.h"
#include "session.h"

enum {
	VIA_IP = 0,
	VIA_PORT = 4,
	VIA_MAC = 6,
	VIA_IF = 12,
};
_Static_assert(VIA_IF + 1 == REPL_VIA_LEN, "the return path fills via");

/* The ack request of an acked PUBLISH m: where it sits in the frame. */
static inline uint8_t *
req_bytes(struct rte_mbuf *m)
{
	const struct rumor_hdr *h = chan_hdr(m);

	return (uint8_t *)rumor_hdr_payload(h);
}

/*
 * Ones' complement sum of the frame's bytes [from, to), as the UDP
 * checksum sees them: from rounded down to an even offset of the frame
 * (the UDP header is at one), so that the words line up.
 */
static uint16_t
frame_sum(const uint8_t *frame, uint32_t from, uint32_t to)
{
	from &= ~1u;
	return cksum_sum(frame + from, to - from);
}

/* The client id of a client's request: its token's, or its address's. */
static uint64_t
client_id(uint32_t ip, uint16_t port)
{
	if (session_required)
		return session_client(ip, port) & ~PUB_CLIENT_ADDR;
	return PUB_CLIENT_ADDR | (uint64_t)rte_be_to_cpu_32(ip) << 16 |
			rte_be_to_cpu_16(port);
}

bool
pub_ack_entry(struct dp_lcore *lc, struct rte_mbuf *m, const struct dp_port *in)
{
	const struct ipv4_hdr *ip;
	struct udp_hdr *udp;
	const struct member_list *ml;
	struct repl_pub_req req;
	uint32_t sender, off, end;
	uint16_t old;
	uint8_t *p, *r;

	/* A member's: proven by its block (auth on), or by its address. */
	if (!auth_data_slow(lc, m, &sender))
		return false;
	p = rte_pktmbuf_mtod(m, uint8_t *);	/* After a block is stripped. */
	ip = (const void *)(p + FRAME_IP_OFF);
	udp = (void *)(p + FRAME_UDP_OFF);
	if (sender == 0 && rcu_dereference(dp.auth) == NULL) {
		ml = rcu_dereference(dp.members);
		sender = ml != NULL ? member_at(ml, ip->src, udp->src_port) :
				0;
	}
	chan_sender_set(m, sender);
	chan_kept_set(m, false);
	r = req_bytes(m);
	if (repl_pub_req_decode(r, ntohs(chan_hdr(m)->payload_len), &req) !=
			CHAN_WIRE_OK) {
		lc->stats.c[STAT_PUB_ACK_BAD]++;
		return false;
	}
	if (sender != 0)
		return true;	/* The entry node wrote it; the owner checks. */

	req.client = client_id(ip->src, udp->src_port);
	if (req.client == 0) {		/* A session gone meanwhile. */
		lc->stats.c[STAT_PUB_ACK_BAD]++;
		return false;
	}
	memcpy(req.via + VIA_IP, &ip->src, 4);
	memcpy(req.via + VIA_PORT, &udp->src_port, 2);
	memcpy(req.via + VIA_MAC, p + 6, 6);
	req.via[VIA_IF] = (uint8_t)in->id;

	/* The request's words change as one: RFC 1624 over their sums. */
	off = (uint32_t)(r - p);
	end = off + REPL_PUB_REQ_LEN;
	old = frame_sum(p, off, end);
	(void)repl_pub_req_encode(&req, r, REPL_PUB_REQ_LEN);
	if (udp->check != 0) {
		udp->check = cksum_update16(udp->check, old,
				frame_sum(p, off, end));
		if (udp->check == 0)
			udp->check = 0xffff;
	}
	lc->stats.c[STAT_PUB_ACK_ENTERED]++;
	return true;
}

/* One PUB_ACK f to d, with a block if it goes to a member with a key. */
static void
send_one(struct dp_lcore *lc, const struct fan_msg *f,
		const struct chan_dest *d, bool member, unsigned stat)
{
	const struct auth_table *at = member ?
			__atomic_load_n(&dp.auth, __ATOMIC_CONSUME) : NULL;
	const struct dp_port *out = &dp.port[d->dpdk_port];
	struct rte_mempool *pool = dp.hdr_pool[out->socket < 0 ? 0 :
			out->socket];
	struct rte_mbuf *h = rte_pktmbuf_alloc(pool);
	struct fan_part pt;

	if (h == NULL) {
		lc->stats.c[STAT_CHAN_NOMEM]++;
		return;
	}
	fan_part_build(&pt, f);
	fan_frame(lc, f, &pt, d, h, stat, at, at == NULL ? NULL :
			auth_peer_by_addr(at, d->ip, d->udp_port));
}

/* The client a return path names; false if it names no port of ours. */
static bool
via_dest(const uint8_t *via, struct chan_dest *d)
{
	memcpy(&d->ip, via + VIA_IP, 4);
	memcpy(&d->udp_port, via + VIA_PORT, 2);
	memcpy(d->mac, via + VIA_MAC, 6);
	d->dpdk_port = via[VIA_IF];
	return d->ip != 0 && d->udp_port != 0 && d->dpdk_port < dp.n_ports;
}

void
pub_ack_answer(struct dp_lcore *lc, const struct rumor_hdr *h,
		uint32_t sender, const struct repl_pub_req *req,
		struct repl_pub_ack *a, const struct ring_table *ring,
		const struct peer_table *peers)
{
	struct chan_dest d;
	struct fan_msg f;

	a->number = req->number;
	memcpy(a->via, req->via, REPL_VIA_LEN);
	if (sender != 0 ? !fan_member(peers, sender, &d) :
			!via_dest(req->via, &d)) {
		lc->stats.c[STAT_CHAN_NO_ROUTE]++;
		return;
	}
	if (sender == 0)
		memset(a->via, 0, REPL_VIA_LEN);	/* Towards the client. */
	fan_init(&f, h, RUMOR_T_PUB_ACK, RUMOR_DEFAULT_HOP_LIMIT,
			dp.cfg.node_id, ring->epoch, req->number);
	f.fixed_len = (uint16_t)repl_pub_ack_encode(a, f.fixed,
			sizeof(f.fixed));
	if (f.fixed_len == 0) {
		lc->stats.c[STAT_PUB_ACK_BAD]++;
		return;
	}
	send_one(lc, &f, &d, sender != 0, STAT_PUB_ACK_SENT);
}

void
pub_ack_relay(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t sender,
		const struct ring_table *ring)
{
	const struct rumor_hdr *h = chan_hdr(m);
	struct repl_pub_ack a;
	struct chan_dest d;
	struct fan_msg f;

	if (repl_pub_ack_decode(rumor_hdr_payload(h), ntohs(h->payload_len),
			&a) != CHAN_WIRE_OK || a.number != be64toh(h->seq) ||
			ntohl(h->origin) != sender || !via_dest(a.via, &d)) {
		chan_drop(lc, m, STAT_PUB_ACK_BAD);
		return;
	}
	memset(a.via, 0, REPL_VIA_LEN);
	fan_init(&f, h, RUMOR_T_PUB_ACK, 0, dp.cfg.node_id, ring->epoch,
			a.number);
	f.fixed_len = (uint16_t)repl_pub_ack_encode(&a, f.fixed,
			sizeof(f.fixed));
	send_one(lc, &f, &d, false, STAT_PUB_ACK_RELAYED);
	rte_pktmbuf_free(m);
}
