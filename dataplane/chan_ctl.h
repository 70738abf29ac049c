/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's channel state (chan_audience.c, which owns it),
 * shared with its HANDOFF work (chan_ctl_handoff.c): the book, what a
 * pass sends once its entries are in force, and the two helpers both
 * send members' messages with. Private to the control thread.
 */
#ifndef RUMOR_CHAN_CTL_H
#define RUMOR_CHAN_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "rumor/chan_book.h"
#include "rumor/chan_wire.h"
#include "chan.h"
#include "dp.h"
#include "send.h"
#include "token_bucket.h"

/* An INTEREST_ACK granted this pass, sent once its entry is in force. */
struct pending_ack {
	uint64_t hash;
	uint32_t node;
	uint64_t req;
	uint32_t lease;
	uint16_t len;
	char name[RUMOR_CHANNEL_MAX];
};

/* An entry replaced or withdrawn this pass, freed after a grace period. */
struct retired {
	struct aud_entry *old;
	struct aud_entry *new;		/* Its successor; NULL if withdrawn. */
};

struct chan_ctl {
	struct book book;
	uint64_t hz_ms;
	uint64_t next_timer_ms;
	uint64_t req;			/* Request ids of INTERESTs. */
	uint32_t n_acks;
	struct pending_ack acks[CHAN_AUDIENCE_BATCH];
	/*
	 * Frames for the lcores once this pass's entries are in force:
	 * HANDOFFs, and acked PUBLISHes whose channel was booked for them
	 * (at most one per frame drained, so a pass's batch bounds them).
	 */
	uint32_t n_back;
	struct rte_mbuf *back[CHAN_AUDIENCE_BATCH];
	uint32_t n_retired, cap_retired;
	struct retired *retired;
	uint32_t tombs;			/* Tombstones in the audience table. */
	struct token_bucket ho_answers;	/* HANDOFFs sent in answer. */
	uint32_t unacked;		/* Gauges for telemetry. */
	uint32_t audiences;
};

extern struct chan_ctl cc;

/* Encode m and send it to a member; false if it cannot be reached. */
static inline bool
send_to_member(uint32_t id, const struct chan_msg *msg)
{
	const struct peer *p = dp.peers != NULL ? peer_find(dp.peers, id) :
			NULL;
	uint8_t buf[RUMOR_DATAGRAM_MAX];
	size_t len;

	if (p == NULL || p->hops == 0 || !p->resolved)
		return false;
	len = chan_msg_encode(msg, buf, sizeof(buf));
	if (len == 0)
		return false;
	send_udp(p->dpdk_port, p->mac, p->ip, p->udp_port, buf, len);
	return true;
}

static inline void
msg_init(struct chan_msg *m, uint8_t type, uint64_t seq, uint64_t hash,
		const char *name, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->origin = dp.cfg.node_id;
	m->epoch = dp.ring != NULL ? dp.ring->epoch : 0;
	m->seq = seq;
	m->channel_hash = hash;
	m->channel = name;
	m->channel_len = len;
}

/* HANDOFF_REQ from a member (chan_ctl_handoff.c). */
void ctl_handoff_req(const struct chan_msg *req, uint64_t now_ms);

/* HANDOFF from a member; true if it kept m (to pass to its lcore). */
bool ctl_handoff(struct rte_mbuf *m, const struct chan_msg *a,
		uint64_t now_ms);

#endif /* RUMOR_CHAN_CTL_H */
