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

#include "chan.h"
#include "chan_cksum.h"
#include "dp.h"

#define FAN_FIXED_MAX CHAN_IACK_LEN	/* The largest fixed part. */

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
 * Make m (a single-segment received frame) the message segment of msg:
 * its data starts off bytes in and is msg_len long (the Ethernet padding
 * goes). Its sum is computed once, for every copy.
 */
static inline void
fan_msg_segment(struct fan_msg *f, struct rte_mbuf *m, uint32_t off,
		uint32_t msg_len)
{
	rte_pktmbuf_adj(m, (uint16_t)off);
	m->data_len = (uint16_t)msg_len;
	m->pkt_len = msg_len;
	f->seg = m;
	f->msg_len = msg_len;
	f->msg_sum = cksum_sum(rte_pktmbuf_mtod(m, const void *), msg_len);
}

/*
 * Send one copy of f to d from lcore lc, counted under stat when it is
 * queued. Takes a reference to the message segment for the copy; the
 * caller keeps its own.
 */
static inline void
fan_send(struct dp_lcore *lc, const struct fan_msg *f,
		const struct chan_dest *d, unsigned stat)
{
	const struct dp_port *out = &dp.port[d->dpdk_port];
	const uint32_t rlen = (uint32_t)sizeof(struct rumor_hdr) +
			f->name_len + f->fixed_len;
	const uint32_t hdr_len = FRAME_RUMOR_OFF + rlen;
	const uint32_t udp_len = 8 + rlen + f->msg_len;
	struct rte_mempool *pool = dp.hdr_pool[out->socket < 0 ? 0 :
			out->socket];
	struct rte_mbuf *h = rte_pktmbuf_alloc(pool);
	struct eth_hdr *eth;
	struct ipv4_hdr *ip;
	struct udp_hdr *udp;
	struct rumor_hdr *r;
	uint8_t *p;

	if (unlikely(h == NULL)) {
		lc->stats.c[STAT_CHAN_NOMEM]++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(h, (uint16_t)hdr_len);
	if (unlikely(p == NULL)) {
		rte_pktmbuf_free(h);
		lc->stats.c[STAT_CHAN_NOMEM]++;
		return;
	}
	eth = (void *)p;
	ip = (void *)(p + FRAME_IP_OFF);
	udp = (void *)(p + FRAME_UDP_OFF);
	r = (void *)(p + FRAME_RUMOR_OFF);
	memcpy(eth->dst, d->mac, 6);
	memcpy(eth->src, out->self.mac, 6);
	eth->type = htons(ETH_TYPE_IPV4);
	ip->version_ihl = IPV4_VERSION_IHL;
	ip->tos = 0;
	ip->total_len = htons((uint16_t)(20 + udp_len));
	ip->id = htons(lc->ip_id++);
	ip->frag_off = htons(0x4000);		/* DF: never fragmented. */
	ip->ttl = 64;
	ip->proto = IPPROTO_UDP;
	ip->check = 0;
	ip->src = out->self.ip;
	ip->dst = d->ip;
	ip->check = cksum_ipv4_hdr(ip);
	udp->src_port = out->self.udp_port;
	udp->dst_port = d->udp_port;
	udp->len = htons((uint16_t)udp_len);
	udp->check = 0;
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
	udp->check = chan_udp_cksum(ip->src, ip->dst, udp, 8 + rlen,
			f->msg_sum, f->msg_len);

	if (f->seg != NULL) {
		rte_mbuf_refcnt_update(f->seg, 1);
		h->next = f->seg;
		h->nb_segs = 2;
		h->pkt_len = hdr_len + f->msg_len;
		if (unlikely(dp.opt.fanout_copy || !out->multi_seg)) {
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
	}
	lc->stats.c[stat]++;
	lc->stats.c[STAT_TX] += rte_eth_tx_buffer(d->dpdk_port, lc->queue,
			lc->txb[d->dpdk_port], h);
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
