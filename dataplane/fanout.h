/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy fan-out (docs/channels.md, "Fan-out without copies"): one
 * message goes to each destination as a small header mbuf, written for
 * that destination, chained to the one message segment they all share
 * by its reference count. The message is never copied: each PMD frees
 * its chain after sending, and the last one frees the received buffer.
 *
 * A port without multi-segment TX, or --fanout-copy (for the benchmark
 * comparison only), sends each frame as one copied segment instead.
 */
#ifndef RUMOR_FANOUT_H
#define RUMOR_FANOUT_H

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "rumor/repl_wire.h"
#include "auth.h"
#include "chan.h"
#include "rumor/chan_cksum.h"
#include "dp.h"

#define FAN_FIXED_MAX REPL_PUB_ACK_LEN	/* The largest fixed part. */

/* What every copy of one message shares. */
struct fan_msg {
	struct rte_mbuf *seg;	/* The message segment; NULL if empty. */
	uint32_t msg_len;
	uint16_t msg_sum;	/* cksum_sum() of the message. */
	uint8_t type;
	uint8_t hop_limit;
	uint32_t origin;
	uint64_t epoch;
	uint64_t seq;		/* Publish or request id. */
	uint64_t hash;
	const char *name;
	uint16_t name_len;
	uint16_t fixed_len;
	uint8_t fixed[FAN_FIXED_MAX];
};

/*
 * The header fields every copy of a message of h (a received channel
 * message) shares; no message segment and no fixed part yet.
 */
static inline void
fan_init(struct fan_msg *f, const struct rumor_hdr *h, uint8_t type,
		uint8_t hop_limit, uint32_t origin, uint64_t epoch,
		uint64_t seq)
{
	f->seg = NULL;
	f->msg_len = 0;
	f->msg_sum = 0;
	f->type = type;
	f->hop_limit = hop_limit;
	f->origin = origin;
	f->epoch = epoch;
	f->seq = seq;
	f->hash = be64toh(h->channel_hash);
	f->name = rumor_hdr_channel(h);
	f->name_len = ntohs(h->channel_len);
	f->fixed_len = 0;
}

/* The fixed part of FANOUT, RETRANSMIT and DELIVER: stream and sequence. */
static inline void
fan_ord(struct fan_msg *f, uint64_t stream, uint64_t seq, bool broadcast)
{
	struct chan_ord o = { .stream = stream, .seq = seq };

	f->fixed_len = (uint16_t)chan_ord_encode(&o, broadcast, f->fixed,
			sizeof(f->fixed));
}

/*
 * The cksum_sum() of the message that starts off bytes into m (a
 * single-segment received frame, its headers checked by frame_parse) and
 * is msg_len long: from the frame's UDP checksum when the message ends
 * the datagram and the checksum is there, so that the message is not
 * read; else from its bytes.
 */
static inline uint16_t
fan_msg_sum(const struct rte_mbuf *m, uint32_t off, uint32_t msg_len)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct ipv4_hdr *ip = (const void *)(p + FRAME_IP_OFF);
	const struct udp_hdr *udp = (const void *)(p + FRAME_UDP_OFF);
	const uint32_t pre = off - FRAME_UDP_OFF;

	if (udp->check != 0 && ntohs(udp->len) == pre + msg_len)
		return chan_msg_sum_from_udp(ip->src, ip->dst, udp->len,
				cksum_sum(udp, pre), pre);
	return cksum_sum(p + off, msg_len);
}

/*
 * Make m (a single-segment received frame) the message segment of msg:
 * its data starts off bytes in and is msg_len long (the Ethernet padding
 * goes). Its sum is found once, for every copy.
 */
static inline void
fan_msg_segment(struct fan_msg *f, struct rte_mbuf *m, uint32_t off,
		uint32_t msg_len)
{
	f->msg_sum = fan_msg_sum(m, off, msg_len);
	rte_pktmbuf_adj(m, (uint16_t)off);
	m->data_len = (uint16_t)msg_len;
	m->pkt_len = msg_len;
	f->seg = m;
	f->msg_len = msg_len;
}

#define FAN_BULK 32	/* Header mbufs taken from the pool at once. */

_Static_assert(FRAME_RUMOR_OFF + sizeof(struct rumor_hdr) + NODE_AUTH_LEN +
		RUMOR_CHANNEL_MAX + FAN_FIXED_MAX <= CHAN_HDR_ROOM,
		"a header mbuf holds the largest header part");

/*
 * The part of a frame every copy of one message shares, after the UDP
 * header: the rumor header, the channel name and the fixed part, built
 * once per message with its sum, then copied into each header mbuf.
 */
struct fan_part {
	uint32_t len;
	uint16_t sum;		/* cksum_sum() of b[0 .. len). */
	uint8_t b[sizeof(struct rumor_hdr) + RUMOR_CHANNEL_MAX +
			FAN_FIXED_MAX];
};

static inline void
fan_part_build(struct fan_part *pt, const struct fan_msg *f)
{
	struct rumor_hdr *r = (void *)pt->b;

	r->magic = htons(RUMOR_MAGIC);
	r->version = RUMOR_VERSION;
	r->type = f->type;
	r->flags = 0;
	r->hop_limit = f->hop_limit;
	r->channel_len = htons(f->name_len);
	r->origin = htonl(f->origin);
	r->payload_len = htons((uint16_t)(f->fixed_len + f->msg_len));
	r->reserved = 0;
	r->epoch = htobe64(f->epoch);
	r->seq = htobe64(f->seq);
	r->channel_hash = htobe64(f->hash);
	memcpy(r + 1, f->name, f->name_len);
	memcpy((uint8_t *)(r + 1) + f->name_len, f->fixed, f->fixed_len);
	pt->len = (uint32_t)sizeof(*r) + f->name_len + f->fixed_len;
	pt->sum = cksum_sum(pt->b, pt->len);
}

/*
 * The auth block of one copy to member a: the header part's words for
 * the UDP checksum change by the flag and the block (pt->sum covers the
 * part without them), and the tag covers the whole UDP payload: the
 * header with the flag, the block, the rest of the part and the shared
 * message segment.
 */
static inline uint16_t
fan_auth(struct dp_lcore *lc, const struct fan_msg *f,
		const struct fan_part *pt, const struct auth_peer *a,
		uint8_t *r)
{
	const uint64_t stamp = htobe64(node_auth_stamp((uint8_t)lc->queue,
			++lc->auth_ctr));
	uint16_t old_fl, new_fl;
	uint64_t tag;

	memcpy(&old_fl, r + 4, 2);
	r[4] |= RUMOR_F_AUTH;
	memcpy(&new_fl, r + 4, 2);
	memcpy(r + NODE_AUTH_OFF, &stamp, 8);
	tag = node_auth_tag_parts(a->tx, r, stamp, pt->b + NODE_AUTH_OFF,
			pt->len - NODE_AUTH_OFF, f->seg != NULL ?
			rte_pktmbuf_mtod(f->seg, const uint8_t *) : NULL,
			f->msg_len);
	memcpy(r + NODE_AUTH_TAG_OFF, &tag, 8);
	lc->stats.c[STAT_AUTH_SIGNED]++;
	return auth_fold((uint64_t)pt->sum + (uint16_t)~old_fl + new_fl +
			cksum_words64(stamp) + cksum_words64(tag));
}

/*
 * One frame of f to d in the header mbuf h (fresh from the pool), which
 * already holds its reference to the message segment: Ethernet, IPv4 and
 * UDP headers for d, the shared part, the chain; queued for TX. With
 * auth on (at) a node-to-node message gets the auth block for member a,
 * or is not sent if d has no key (a NULL).
 */
static inline void
fan_frame(struct dp_lcore *lc, const struct fan_msg *f,
		const struct fan_part *pt, const struct chan_dest *d,
		struct rte_mbuf *h, unsigned stat, const struct auth_table *at,
		const struct auth_peer *a)
{
	const struct dp_port *out = &dp.port[d->dpdk_port];
	const uint32_t extra = a != NULL ? NODE_AUTH_LEN : 0;
	const uint32_t part_len = pt->len + extra;
	const uint32_t hdr_len = FRAME_UDP_OFF + 8 + part_len;
	const uint16_t udp_len = htons((uint16_t)(8 + part_len + f->msg_len));
	const uint16_t ip_len = htons((uint16_t)(28 + part_len + f->msg_len));
	const uint16_t ip_id = htons(lc->ip_id++);
	uint8_t *p = rte_pktmbuf_mtod(h, uint8_t *);
	struct eth_hdr *eth = (void *)p;
	struct ipv4_hdr *ip = (void *)(p + FRAME_IP_OFF);
	struct udp_hdr *udp = (void *)(p + FRAME_UDP_OFF);
	uint16_t part_sum = pt->sum;

	if (f->seg != NULL) {
		h->next = f->seg;
		h->nb_segs = 2;
	}
	if (unlikely(at != NULL && (a == NULL ||
			part_len + f->msg_len > RUMOR_DATAGRAM_MAX))) {
		lc->stats.c[a == NULL ? STAT_AUTH_NO_KEY : STAT_AUTH_TOO_BIG]++;
		rte_pktmbuf_free(h);	/* With its segment reference. */
		return;
	}
	/* A fresh mbuf's room always holds the largest header part. */
	h->data_len = (uint16_t)hdr_len;
	h->pkt_len = hdr_len + f->msg_len;
	memcpy(eth->dst, d->mac, 6);
	memcpy(eth->src, out->self.mac, 6);
	eth->type = htons(ETH_TYPE_IPV4);
	ip->version_ihl = IPV4_VERSION_IHL;
	ip->tos = 0;
	ip->total_len = ip_len;
	ip->id = ip_id;
	ip->frag_off = htons(0x4000);		/* DF: never fragmented. */
	ip->ttl = 64;
	ip->proto = IPPROTO_UDP;
	ip->check = cksum_ipv4_udp_df(ip_len, ip_id, out->self.ip, d->ip);
	ip->src = out->self.ip;
	ip->dst = d->ip;
	udp->src_port = out->self.udp_port;
	udp->dst_port = d->udp_port;
	udp->len = udp_len;
	if (a == NULL) {
		memcpy(p + FRAME_RUMOR_OFF, pt->b, pt->len);
	} else {
		memcpy(p + FRAME_RUMOR_OFF, pt->b, NODE_AUTH_OFF);
		memcpy(p + FRAME_RUMOR_OFF + NODE_AUTH_END,
				pt->b + NODE_AUTH_OFF, pt->len - NODE_AUTH_OFF);
		part_sum = fan_auth(lc, f, pt, a, p + FRAME_RUMOR_OFF);
	}
	udp->check = chan_udp_cksum_sums(out->self.ip, d->ip,
			out->self.udp_port, d->udp_port, part_sum, part_len,
			f->msg_sum, f->msg_len);

	if (f->seg != NULL &&
			unlikely(dp.opt.fanout_copy || !out->multi_seg)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(h, out->pool, 0,
				UINT32_MAX);

		rte_pktmbuf_free(h);
		if (c == NULL) {
			lc->stats.c[STAT_CHAN_NOMEM]++;
			return;
		}
		h = c;
		lc->stats.c[STAT_CHAN_FANOUT_COPIED]++;
	}
	lc->stats.c[stat]++;
	lc->stats.c[STAT_TX] += rte_eth_tx_buffer(d->dpdk_port, lc->queue,
			lc->txb[d->dpdk_port], h);
}

/*
 * Send one copy of f to each of the n destinations d from lcore lc,
 * counted under stat when queued. What the copies share (the rumor part
 * and its sum) is built once; header mbufs come FAN_BULK at a time from
 * the header pool of the first destination's port (any pool serves any
 * port; only NUMA locality is at stake), and the message segment gains
 * their references in one update, before any copy can be sent and freed.
 * The caller keeps its own reference.
 */
static inline void
fan_send_n(struct dp_lcore *lc, const struct fan_msg *f,
		const struct chan_dest *d, uint32_t n, unsigned stat)
{
	/* Only node-to-node types carry a block; DELIVER and GAP do not. */
	const struct auth_table *at = node_auth_required(f->type) ?
			__atomic_load_n(&dp.auth, __ATOMIC_CONSUME) : NULL;
	struct rte_mbuf *h[FAN_BULK];
	struct fan_part pt;

	if (n == 0)
		return;
	fan_part_build(&pt, f);
	for (uint32_t i = 0; i < n; ) {
		const struct dp_port *out = &dp.port[d[i].dpdk_port];
		const uint32_t k = n - i < FAN_BULK ? n - i : FAN_BULK;
		struct rte_mempool *pool = dp.hdr_pool[out->socket < 0 ? 0 :
				out->socket];
		uint32_t got = k;

		if (unlikely(rte_pktmbuf_alloc_bulk(pool, h, k) != 0)) {
			/* Short of mbufs: as many as there are, one by one. */
			for (got = 0; got < k; got++) {
				h[got] = rte_pktmbuf_alloc(pool);
				if (h[got] == NULL)
					break;
			}
			lc->stats.c[STAT_CHAN_NOMEM] += k - got;
		}
		if (f->seg != NULL && got > 0)
			rte_mbuf_refcnt_update(f->seg, (int16_t)got);
		for (uint32_t j = 0; j < got; j++)
			fan_frame(lc, f, &pt, &d[i + j], h[j], stat, at,
					at == NULL ? NULL : auth_peer_by_addr(at,
					d[i + j].ip, d[i + j].udp_port));
		i += k;
	}
}

/* One copy of f to d. */
static inline void
fan_send(struct dp_lcore *lc, const struct fan_msg *f,
		const struct chan_dest *d, unsigned stat)
{
	fan_send_n(lc, f, d, 1, stat);
}

/* One copy of f, a DELIVER, to each local subscriber of e. */
static inline void
fan_deliver_local(struct dp_lcore *lc, const struct fan_msg *f,
		const struct aud_entry *e)
{
	fan_send_n(lc, f, e->local, e->n_local, STAT_CHAN_DELIVERED);
}

/* A member as a destination: false if unknown or its MAC is not. */
static inline bool
fan_member(const struct peer_table *peers, uint32_t id, struct chan_dest *d)
{
	const struct peer *p = peer_find(peers, id);

	if (p == NULL || p->hops == 0 || !p->resolved)
		return false;
	d->ip = p->ip;
	d->udp_port = p->udp_port;
	d->dpdk_port = p->dpdk_port;
	memcpy(d->mac, p->mac, 6);
	return true;
}

#endif /* RUMOR_FANOUT_H */
