/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside a SWIM node (private to lib/protocols): struct swim, which the
 * protocol (swim.c) and its member table (swim_members.c) share, and the
 * table's functions. The table holds the members (rec[0] is this node)
 * behind an index by id, counts them by state, keeps the probe order
 * and the news waiting to be gossiped, and digests the whole view.
 */
#ifndef RUMOR_SWIM_MEMBERS_H
#define RUMOR_SWIM_MEMBERS_H

#include <stdbool.h>
#include <stdint.h>

#include "rumor/swim.h"

#define SWIM_RELAYS 64u		/* PING_REQs being served at once. */
#define SWIM_GOSSIP_LEFT_MAX 63u	/* Retransmit limits are capped so. */
#define SWIM_CONFIRM_MAX 8u	/* Suspicion confirmers remembered. */

/* One member as this node holds it. */
struct swim_rec {
	struct swim_member m;
	uint64_t suspect_start;		/* SUSPECT: since when. */
	uint64_t suspect_deadline;	/* SUSPECT: when it becomes DEAD. */
	uint32_t confirmers[SWIM_CONFIRM_MAX];	/* Distinct reporters. */
	uint32_t n_confirm;
	uint32_t gossip_left;		/* Transmissions left for its state. */
	uint32_t g_next, g_prev;	/* Its gossip bucket list: index + 1. */
};

/* A PING_REQ this node serves: it pinged the target with seq. */
struct swim_relay {
	bool used;
	uint32_t seq;			/* Our PING's seq. */
	uint32_t req_seq;		/* The requester's probe seq. */
	uint32_t target;
	uint32_t req_ip;
	uint16_t req_port;
	uint32_t req_id;		/* The requester's node id. */
	uint64_t deadline;
};

/* One node's membership: its member table and its protocol state. */
struct swim {
	struct swim_params p;
	uint64_t rng;
	struct swim_rec *rec;		/* rec[0] is this node. */
	uint32_t n, cap;
	uint32_t n_state[SWIM_STATE_MAX];	/* Members in each state. */
	/*
	 * News to send, bucketed by transmissions left (a list per count,
	 * index + 1 of its first rec): choosing what a message carries costs
	 * what it carries, not what is pending.
	 */
	uint32_t bucket[SWIM_GOSSIP_LEFT_MAX + 1];
	uint32_t bucket_tail[SWIM_GOSSIP_LEFT_MAX + 1];
	uint32_t bucket_top;		/* No news above this count. */
	uint64_t suspect_min;		/* No suspicion ends before this. */
	uint32_t *idx;			/* Open addressing: rec index + 1. */
	uint32_t idx_mask;
	uint32_t *order;		/* Probe order: member ids. */
	uint32_t order_n;
	uint64_t order_rebuild_at;	/* End of this round of probes. */
	int64_t clock_offset_ms;	/* now_ms + this: the shared clock. */
	uint32_t seq;
	bool leaving;
	struct {
		bool active;		/* Waiting for an ACK. */
		bool indirect_sent;
		uint32_t id, seq;
		uint32_t nacks;		/* NACKs from the relays asked. */
		uint32_t relays;	/* Relays asked (PING_REQ sent). */
		uint64_t direct_deadline;
	} probe;
	uint32_t health;		/* Lifeguard local health, 0 is best. */
	uint64_t next_probe;
	uint64_t next_sync;
	uint64_t next_dead_probe;
	uint64_t dead_sync_after;	/* Rate limit of syncs with the dead. */
	uint32_t n_at_sync;		/* Members known at the last sync. */
	uint64_t digest_sync_after;	/* Rate limit of digest-led syncs. */
	uint64_t next_gossip;
	struct swim_relay relay[SWIM_RELAYS];
	struct swim_out *out;
	uint32_t out_head, out_tail;	/* Free-running indexes. */
	uint32_t out_cap;		/* A power of two. */
	struct swim_stats st;
	uint64_t view_version;		/* See swim_view_version(). */
};

/* ceil(log10(n)) for n >= 1, and at least 1. */
static inline uint32_t
swim_log10_ceil(uint32_t n)
{
	uint32_t l = 0;

	for (uint64_t p = 1; p < n; p *= 10)
		l++;
	return l > 0 ? l : 1;
}

/* Allocate an empty table (0), or -1; free it. */
int swim_table_init(struct swim *s);
void swim_table_free(struct swim *s);

/* How many times news of a member is sent: grows with log10(n). */
uint32_t swim_retransmit_limit(const struct swim *s);

/* The member with this id, or NULL. */
struct swim_rec *swim_rec_find(const struct swim *s, uint32_t id);
/* Add a member from an update heard at now; NULL when out of memory. */
struct swim_rec *swim_rec_add(struct swim *s, const struct swim_update *u,
		uint64_t now);
/* Change r's state, keeping the counts per state and the probe order. */
void swim_rec_set_state(struct swim *s, struct swim_rec *r, uint8_t state);
/* r as an update to send. */
void swim_rec_update(const struct swim_rec *r, struct swim_update *u);

/* Something changed about r: gossip its new state. */
void swim_news_queue(struct swim *s, struct swim_rec *r);
/*
 * Fill m's updates with the members whose news has the most
 * transmissions left, spending one transmission of each.
 */
void swim_news_take(struct swim *s, struct swim_msg *m);

/* The member to probe in this period, or NULL when none is alive. */
struct swim_rec *swim_order_next(struct swim *s, uint64_t now);

/* A fingerprint of the view, the same in any order of the members. */
uint64_t swim_view_digest(const struct swim *s);

#endif /* RUMOR_SWIM_MEMBERS_H */
