/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters. Each forwarding lcore owns one cache-aligned block and is its
 * only writer; readers (telemetry, the exit report) sum the blocks when
 * asked. The first FRAME_VERDICT_MAX counters are indexed by the frame
 * decoder's verdict, so the fast path counts every frame with one add.
 */
#ifndef RUMOR_STATS_H
#define RUMOR_STATS_H

#include <stdint.h>

#include "parse.h"

enum stat {
	/* 0 .. FRAME_VERDICT_MAX-1: enum frame_verdict. */
	STAT_RX = FRAME_VERDICT_MAX,	/* Frames received. */
	STAT_TX,			/* Frames the device accepted. */
	STAT_TX_DROP,			/* Frames the device refused. */
	STAT_FORWARDED,			/* DATA sent on to the owner. */
	STAT_DELIVERED,			/* DATA delivered to the local sink;
					 * follows STAT_FORWARDED (fwd.c). */
	STAT_SEGMENTED,			/* Dropped: frame in several mbufs. */
	STAT_HOP_LIMIT,			/* Dropped: hop limit exhausted. */
	STAT_NO_PEER,			/* Dropped: owner not in peer table. */
	STAT_NO_SINK,			/* Dropped: owned here, no sink set. */
	STAT_ARP_WAIT,			/* Held until the next hop's MAC is known. */
	STAT_ARP_WAIT_FULL,		/* Dropped: hold queue full. */
	STAT_ARP_TIMEOUT,		/* Dropped: MAC not resolved in time. */
	STAT_ARP_PUNT_FULL,		/* Dropped: ARP ring to control full. */
	STAT_CTL_TX,			/* Control-thread frames sent for it. */
	STAT_MAX
};

/* Counters of one lcore. */
struct lcore_stats {
	uint64_t c[STAT_MAX];
} __attribute__((aligned(64)));

/* Counters of the control thread (it is their only writer). */
enum ctl_stat {
	CTL_ARP_IN,		/* ARP frames taken from the punt ring. */
	CTL_ARP_BAD,		/* ... that failed to decode. */
	CTL_ARP_REQ_SENT,	/* Requests sent to resolve peers. */
	CTL_ARP_REPLY_SENT,	/* Replies sent for this node's address. */
	CTL_ARP_LEARNT,		/* Peer MACs learnt or changed. */
	CTL_ARP_CACHE_FULL,	/* Addresses not tracked: ARP cache full. */
	CTL_CTL_TX_FULL,	/* Frames dropped: control TX ring full. */
	CTL_NOMEM,		/* Frames not built: mbuf pool empty. */
	CTL_PUBLISH,		/* Peer or ring tables published. */
	CTL_RELOAD,		/* Configuration reloads applied. */
	CTL_RELOAD_FAIL,	/* Reloads refused (bad file or change). */
	CTL_STAT_MAX
};

const char *stat_name(enum stat s);
const char *ctl_stat_name(enum ctl_stat s);

#endif /* RUMOR_STATS_H */
