/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SWIM membership (Das, Gupta, Motivala, 2002) as a sans-I/O state
 * machine: it is given the time and the datagrams that arrived, and it
 * hands back the datagrams to send. It never reads a clock, a socket or a
 * random source of its own, so the process and a simulator run the same
 * code, and a run is reproducible from its seed.
 *
 * What it does: randomized round-robin probing, indirect probes through
 * k members when a direct probe times out, suspicion with incarnation
 * numbers and refutation, death after the suspicion timeout, infection-
 * style dissemination piggybacked on every message, and sent to
 * gossip_nodes random members every gossip interval, with a retransmit
 * limit of retransmit_mult * ceil(log10(n + 1)), push-pull anti-entropy
 * (the whole state, over as many datagrams as it takes) at join and
 * every sync interval, join through seeds and graceful leave. Every other
 * periodic sync goes to a member held dead, so that the two sides of a
 * healed partition find each other without anyone re-joining.
 *
 * Lifeguard (Dadgar, Phillips, Currey, 2018): local health awareness (a
 * node whose probes fail without even a NACK from its relays, or that
 * finds itself suspected, probes more slowly: interval and timeout times
 * health + 1), dynamic suspicion timeouts (long while one member accuses,
 * shrinking with independent confirmations), and the buddy system (a
 * PING to a suspect carries the suspicion). A confirmation is the same
 * suspicion relayed by a different sender.
 */
#ifndef RUMOR_SWIM_H
#define RUMOR_SWIM_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/counters.h"
#include "rumor/swim_wire.h"

/* Timing and fan-out; swim_params_default() gives memberlist's LAN set. */
struct swim_params {
	uint32_t probe_interval_ms;	/* One probe per interval (1000). */
	uint32_t probe_timeout_ms;	/* Direct ACK wait (500). */
	uint32_t suspicion_mult;	/* Suspicion timeout factor (4). */
	uint32_t indirect_checks;	/* k members asked to probe (3). */
	uint32_t retransmit_mult;	/* Dissemination factor (4). */
	uint32_t sync_interval_ms;	/* Push-pull anti-entropy (30000). */
	uint32_t gossip_interval_ms;	/* News to a few members (200). */
	uint32_t gossip_nodes;		/* How many each time (3). */
	uint32_t suspicion_max_mult;	/* Lifeguard: longest suspicion,
					 * in shortest ones (6). */
	uint32_t health_max;		/* Lifeguard: worst local health (8). */
};

void swim_params_default(struct swim_params *p);

/* Who a node is: the metadata it announces. */
struct swim_self {
	uint32_t id;		/* Non-zero. */
	uint32_t ip;		/* Network order. */
	uint16_t port;		/* Host order. */
	uint32_t weight;	/* 1 .. RING_WEIGHT_MAX. */
	uint8_t zone;		/* Failure zone. */
	/*
	 * Incarnation to start at: a restarted rumor-control passes one
	 * above the last it used (kept by its dataplane), so that its news
	 * outranks what the cluster remembers of its previous life.
	 */
	uint32_t incarnation;
};

/* One datagram to send. */
struct swim_out {
	uint32_t to;		/* Receiver's node id; 0 if not known (a seed
				 * before the join). */
	uint32_t ip;		/* Network order. */
	uint16_t port;		/* Host order. */
	uint16_t len;
	uint8_t buf[SWIM_MSG_MAX];
};

/* A member as this node sees it. */
struct swim_member {
	uint32_t id;
	uint32_t ip;
	uint16_t port;
	uint32_t weight;
	uint8_t zone;
	uint8_t state;			/* enum swim_state. */
	uint32_t incarnation;
	uint64_t since_ms;		/* When it entered this state. */
};

/*
 * The membership's counters, for rumorctl stats and the simulator: one
 * row each (counters.h), named as rumorctl stats prints them.
 */
#define SWIM_STATS_TABLE(X)						\
	X(sent, "swim_sent",						\
	  "Membership datagrams sent")					\
	X(received, "swim_received",					\
	  "Membership datagrams received")				\
	X(bytes_sent, "swim_bytes_sent",				\
	  "Bytes of membership datagrams sent")				\
	X(bad, "swim_bad",						\
	  "Opened, but not a valid membership message")			\
	X(probes, "swim_probes",					\
	  "Probes started")						\
	X(indirect_probes, "swim_indirect_probes",			\
	  "PING_REQs sent for probes unanswered")			\
	X(suspected, "swim_suspected",					\
	  "Members this node suspected")				\
	X(declared_dead, "swim_declared_dead",				\
	  "Members this node declared dead")				\
	X(refuted, "swim_refuted",					\
	  "Suspicions or deaths of this node refuted")			\
	X(out_dropped, "swim_out_dropped",				\
	  "Datagrams not queued: outbox full")				\
	X(syncs, "swim_syncs",						\
	  "Push-pulls started")						\
	X(digests, "swim_digests",					\
	  "DIGESTs sent (a push-pull where views differ)")		\
	X(claims_refused, "swim_claims_refused",			\
	  "Relayed claims only the member itself may make")

struct swim_stats {
	SWIM_STATS_TABLE(COUNTERS_FIELD)
	uint32_t health;		/* Lifeguard score now: not a count. */
};

struct swim;

/*
 * A node that knows only itself, at time now_ms; seed drives its random
 * choices. NULL without memory or with an invalid self or params.
 */
struct swim *swim_new(const struct swim_self *self,
		const struct swim_params *p, uint64_t seed, uint64_t now_ms);
void swim_free(struct swim *s);

/*
 * The offset from now_ms to a clock the cluster shares (the wall clock,
 * in ms): nodes align their probe schedules on it, so that each member
 * is probed once a period by a different node (see swim_members.c,
 * probe_key). 0 (the default) when now_ms is that clock already, as in
 * the simulator.
 */
void swim_align_clock(struct swim *s, int64_t offset_ms);

/* Ask the nodes at these addresses to let this node in. */
void swim_join(struct swim *s, uint64_t now_ms, const uint32_t *ips,
		const uint16_t *ports, unsigned n);

/* Announce a graceful leave; the node stops probing. */
void swim_leave(struct swim *s, uint64_t now_ms);

/* Advance timers to now_ms (call at swim_next_timer() or later). */
void swim_tick(struct swim *s, uint64_t now_ms);

/* A datagram that arrived from ip:port. */
void swim_input(struct swim *s, uint64_t now_ms, uint32_t ip,
		uint16_t port, const uint8_t *buf, size_t len);

/* Take the next datagram to send: 1 and *out filled, or 0 if none. */
int swim_output(struct swim *s, struct swim_out *out);

/* The earliest time swim_tick has something to do. */
uint64_t swim_next_timer(const struct swim *s);

/* Members known, this node included; copies at most cap, returns count. */
uint32_t swim_members(const struct swim *s, struct swim_member *out,
		uint32_t cap);

/* The member with this id, or NULL; valid until the next call. */
const struct swim_member *swim_member_find(const struct swim *s,
		uint32_t id);

/* This node's incarnation now (it grows when it refutes). */
uint32_t swim_incarnation(const struct swim *s);

/*
 * Bumped whenever a member is added or changes state, address or
 * weight: a caller that mirrors the live set rebuilds it when this moves.
 */
uint64_t swim_view_version(const struct swim *s);

/* Members held ALIVE or SUSPECT, this node included. */
uint32_t swim_live_count(const struct swim *s);

/* Members held in one state, this node included. */
uint32_t swim_state_count(const struct swim *s, enum swim_state state);

const struct swim_stats *swim_stats(const struct swim *s);

#endif /* RUMOR_SWIM_H */
