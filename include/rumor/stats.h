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

#include "rumor/parse.h"

enum lcore_stat {
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
	STAT_PUNTED,			/* CONTROL frames queued for the link. */
	STAT_PUNT_RATE,			/* Dropped: over the lcore's punt rate. */
	STAT_PUNT_FULL,			/* Dropped: punt ring to control full. */
	/* Channels (chan_fwd.c); docs/channels.md, "Limits". */
	STAT_CHAN_BAD,			/* Dropped: fixed part refused. */
	STAT_CHAN_TOO_BIG,		/* Dropped: PUBLISH over the maximum. */
	STAT_CHAN_NOT_MEMBER,		/* Dropped: node type, not a member. */
	STAT_CHAN_UNEXPECTED,		/* Dropped: SUB_ACK, DELIVER, GAP. */
	STAT_CHAN_NOT_OWNER,		/* Dropped: NACK, not the owner. */
	STAT_CHAN_NO_AUDIENCE,		/* Dropped: nobody subscribed. */
	STAT_CHAN_HANDOFF,		/* Handed to the channel's lcore. */
	STAT_CHAN_HANDOFF_FULL,		/* Dropped: handover ring full. */
	STAT_SUB_PUNTED,		/* Queued for the control thread. */
	STAT_SUB_RATE,			/* Dropped: over the punt rate. */
	STAT_SUB_PUNT_FULL,		/* Dropped: punt ring full. */
	STAT_CHAN_TABLE_FULL,		/* Dropped: lcore channel table full. */
	STAT_CHAN_NOMEM,		/* Copies dropped: no buffer. */
	STAT_CHAN_NO_ROUTE,		/* Copies dropped: no peer or MAC. */
	STAT_CHAN_FANOUT_COPIED,	/* Copies sent as one copied segment. */
	STAT_CHAN_STAMPED,		/* Publishes ordered by this owner. */
	STAT_CHAN_FANOUT,		/* FANOUT copies sent. */
	STAT_CHAN_DELIVERED,		/* DELIVER copies sent. */
	STAT_CHAN_HELD,			/* Messages held for order. */
	STAT_CHAN_DUP,			/* Dropped: below the expected one. */
	STAT_CHAN_STALE_STREAM,		/* Dropped: of the stream before. */
	STAT_CHAN_WINDOW_OVERFLOW,	/* Beyond the reorder window. */
	STAT_CHAN_NACK_SENT,
	STAT_CHAN_NACK_RX,
	STAT_CHAN_RETRANSMIT_SENT,
	STAT_CHAN_GONE_SENT,
	STAT_CHAN_GAP_SENT,		/* GAP copies sent to clients. */
	STAT_CHAN_LOST,			/* Sequences given up for lost. */
	STAT_CHAN_RX_JOINED,		/* Streams taken up mid-way, unasked. */
	STAT_CHAN_CATCHUP,		/* New owners catching up on a stream. */
	STAT_HISTORY_EVICTED,		/* History released for the budget. */
	STAT_GOSSIP_RX,			/* New broadcast messages taken. */
	STAT_GOSSIP_FORWARDED,		/* GOSSIP copies sent. */
	STAT_GOSSIP_DUP,		/* Dropped: seen already. */
	STAT_GOSSIP_OLD,		/* Dropped: behind the dedup window. */
	STAT_GOSSIP_LANES_EVICTED,	/* Dedup entries reused. */
	STAT_CHAN_INJECTED_LOSS,	/* Dropped: /rumor/chan_loss (tests). */
	/* Handoff of ordered channels between owners (chan_handoff.c). */
	STAT_CHAN_REROUTED,		/* PUBLISHes sent on: owner changed. */
	STAT_CHAN_NACK_RELAYED,		/* NACKs passed to the owner before. */
	STAT_HO_HELD,			/* PUBLISHes held for a handoff. */
	STAT_HO_HOLD_FULL,		/* Dropped: a channel's hold full. */
	STAT_HO_WAIT_FULL,		/* Dropped: too many channels waiting. */
	STAT_HO_REQ_SENT,		/* HANDOFF_REQs sent (and again). */
	STAT_HO_CONTINUED,		/* Channels continued from a HANDOFF. */
	STAT_HO_FRESH,			/* Channels started anew: no state. */
	STAT_HO_TIMEOUT,		/* ... of which: no answer in time. */
	STAT_HO_STALE,			/* HANDOFFs nobody waited for. */
	STAT_EPOCH_BEHIND,		/* Channels held: a message came from
					 * a newer ring than this node's. */
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
	/* The control link (link.c). */
	CTL_LINK_ACCEPTED,	/* Connections served. */
	CTL_LINK_REFUSED,	/* Connections closed: a client was attached. */
	CTL_LINK_HELLO_BAD,	/* Connections closed: no valid HELLO first. */
	CTL_LINK_CLOSED,	/* Clients gone: EOF, error or stuck. */
	CTL_LINK_RX,		/* Messages received and accepted. */
	CTL_LINK_TX,		/* Messages sent. */
	CTL_LINK_BAD,		/* Messages refused: malformed or unexpected. */
	CTL_PUNT_SENT,		/* CONTROL datagrams sent as PUNT. */
	CTL_PUNT_NO_CLIENT,	/* ... dropped: no client attached. */
	CTL_PUNT_BUSY,		/* ... dropped: the client's socket was full. */
	CTL_SEND_QUEUED,	/* SEND frames queued for transmission. */
	CTL_SEND_ARP_WAIT,	/* ... held until ARP resolves the destination. */
	CTL_SEND_WAIT_FULL,	/* Dropped: SEND hold queue full. */
	CTL_SEND_TIMEOUT,	/* Dropped: destination not resolved in time. */
	CTL_SEND_BAD,		/* Dropped: destination refused. */
	CTL_TABLE_APPLIED,	/* Member tables published. */
	CTL_TABLE_SAME,		/* Member tables equal to the one in force. */
	CTL_TABLE_REFUSED,	/* Member tables refused (invalid, or no self). */
	CTL_TABLE_CHUNK_BAD,	/* TABLE chunks out of sequence. */
	/* Channel audiences (chan_ctl.c). */
	CTL_CHAN_BAD,		/* Punted channel messages refused. */
	CTL_SUB_GRANTED,	/* New subscriptions. */
	CTL_SUB_REFRESHED,	/* Leases renewed. */
	CTL_SUB_REMOVED,	/* UNSUBSCRIBEs honoured. */
	CTL_SUB_EXPIRED,	/* Leases run out. */
	CTL_SUB_REFUSED_CLIENT,	/* Over subscriptions per client. */
	CTL_SUB_REFUSED_NODE,	/* Over subscriptions per node. */
	CTL_SUB_REFUSED_CLIENTS, /* Over clients per node. */
	CTL_SUB_REFUSED_CHANNEL, /* Over subscribers of a channel. */
	CTL_INTEREST_SENT,	/* INTERESTs sent to owners. */
	CTL_INTEREST_GRANTED,	/* Interests taken or renewed as owner. */
	CTL_INTEREST_EXPIRED,	/* Interests run out, as owner. */
	CTL_INTEREST_ACK_RX,	/* INTEREST_ACKs received. */
	CTL_INTEREST_REFUSED_SET, /* Over nodes interested in a channel. */
	CTL_INTEREST_REFUSED_OWNED, /* Over channels with an audience. */
	CTL_INTEREST_NOT_OWNER,	/* INTERESTs for a channel owned elsewhere. */
	CTL_AUDIENCE_PUBLISHED,	/* Audience entries published. */
	CTL_HO_REQ_RX,		/* HANDOFF_REQs received. */
	CTL_HO_REQ_EARLY,	/* ... ignored: still the owner here. */
	CTL_HO_SENT,		/* HANDOFFs sent with a state. */
	CTL_HO_SENT_EMPTY,	/* HANDOFFs sent with no state. */
	CTL_HO_PUSHED,		/* HANDOFFs sent unasked at a ring change. */
	CTL_HO_RX,		/* HANDOFFs received. */
	CTL_HO_NOT_OWNER,	/* ... dropped: not the owner here. */
	CTL_HO_INTERESTS,	/* Interests taken over from a HANDOFF. */
	CTL_STAT_MAX
};

const char *stat_name(enum lcore_stat s);
const char *ctl_stat_name(enum ctl_stat s);

#endif /* RUMOR_STATS_H */
