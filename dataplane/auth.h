/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Node-to-node authentication in the dataplane (docs/protocol.md, "Auth
 * block"; rumor/node_auth.h for the block itself).
 *
 * The control thread builds an auth table from node_key and the roster
 * for the members in force (and those of the ring before), keyed by each
 * member's address and by its id, and publishes it under QSBR with the
 * other tables (tables.c): at start, on SIGHUP and when the member table
 * changes. Without node_key and roster there is no table (dp.auth is
 * NULL) and node-to-node messages go without a block, as in development.
 *
 * Input: the receiving lcore finds the sender by the frame's source
 * address, checks the tag under K(sender -> self) and the counter in the
 * lcore's window for (sender, lane), then strips the block (auth_input).
 * Output: every node-to-node frame an lcore or the control thread sends
 * gets a block with the next counter of its lane and the tag under
 * K(self -> destination) (auth_data_output, fanout.h, auth_ctl_sign).
 *
 * Rotation (docs/security.md), as rumor-control's seal does it: a frame
 * to a member is tagged for its oldest roster key, the one it holds
 * until its new key is in force everywhere; a member's frames verify
 * under any of its roster keys. When a reload changes this node's own
 * node_key, the previous key is kept, while the roster still lists it,
 * to verify what members still tag for it; a restart loses it.
 */
#ifndef RUMOR_DP_AUTH_H
#define RUMOR_DP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "rumor/node_auth.h"
#include "rumor/node_keys.h"
#include "dp.h"

#define AUTH_WINDOWS 4096u	/* (sender, lane) windows per lcore (pow2). */
#define AUTH_PROBE_MAX 32u	/* Slots probed for one of them. */
#define AUTH_OWN_KEYS 2u	/* This node's key, and its previous one. */

/* One member this node shares keys with. */
struct auth_peer {
	uint64_t addr;		/* IPv4 << 16 | UDP port, network order. */
	uint32_t id;
	uint32_t n_rx;		/* rx[] in use: 1, more in a rotation. */
	/* K(self -> it), for its oldest roster key. */
	uint8_t tx[NODE_AUTH_KEY_LEN];
	/* K(it -> self): each own key (this one first) x each of its keys. */
	uint8_t rx[AUTH_OWN_KEYS * NODE_ROSTER_KEYS][NODE_AUTH_KEY_LEN];
};

/* The keys of the members in force, published under QSBR. */
struct auth_table {
	uint32_t n;
	const uint32_t *by_id;	/* Indexes into peer[], sorted by id. */
	struct auth_peer peer[];	/* Sorted by addr. */
};

/* One (sender, lane) window of an lcore. */
struct auth_slot {
	uint32_t id;		/* 0: free. */
	uint8_t lane;
	struct node_auth_window w;
};

/* An lcore's replay windows: open addressing, never evicted. */
struct auth_lcore {
	struct auth_slot slot[AUTH_WINDOWS];
};

/* The member at ip:port (network order), or NULL. */
static inline const struct auth_peer *
auth_peer_by_addr(const struct auth_table *t, uint32_t ip, uint16_t port)
{
	const uint64_t key = (uint64_t)ip << 16 | port;
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (t->peer[mid].addr < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->peer[lo].addr == key ? &t->peer[lo] : NULL;
}

/* The member of node id, or NULL. */
static inline const struct auth_peer *
auth_peer_by_id(const struct auth_table *t, uint32_t id)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (t->peer[t->by_id[mid]].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->peer[t->by_id[lo]].id == id ?
			&t->peer[t->by_id[lo]] : NULL;
}

/*
 * The control thread: build the auth table for the members of cfg and
 * of also (may be NULL) from cfg's node_key and roster files, with this
 * node's previous key while it rotates (above). 0 with *out NULL if cfg
 * has no credentials; -1 (logged) if they cannot be read or do not name
 * this node.
 */
int auth_build(const struct rumor_config *cfg, const struct rumor_config *also,
		struct auth_table **out);
void auth_table_free(struct auth_table *t);

/* Says once in the log whether node-to-node messages are authenticated. */
void auth_log_mode(void);

/* An lcore's windows and its counter, which grows across restarts. */
int auth_lcore_init(struct dp_lcore *lc);
void auth_lcore_free(struct dp_lcore *lc);

/*
 * A node-to-node message m (a single-segment frame that passed
 * frame_parse) came in: verify it and strip its block. False if it is
 * refused (counted; the caller frees m). On true the frame is in the plain
 * format, its headers moved (any pointer into them must be taken again),
 * and *sender is the member that sent it (0 when auth is off).
 */
bool auth_input(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t *sender);

/*
 * A DATA message m came in on the forwarding path: from a member it must
 * be authenticated (auth_input); from a client it must not have a block.
 * False if refused (counted; the caller frees m). *sender is the member
 * the block proves, or 0 (a client's, or auth off).
 */
bool auth_data_slow(struct dp_lcore *lc, struct rte_mbuf *m,
		uint32_t *sender);

static __rte_always_inline bool
auth_data_input(struct dp_lcore *lc, struct rte_mbuf *m)
{
	const uint8_t *r = rte_pktmbuf_mtod_offset(m, const uint8_t *,
			FRAME_RUMOR_OFF);

	/* Development, and a client's PUBLISH to a node without auth. */
	uint32_t sender;

	if (likely(dp.auth == NULL && (r[4] & RUMOR_F_AUTH) == 0))
		return true;
	return auth_data_slow(lc, m, &sender);
}

/*
 * Give a forwarded DATA frame m (single segment, headers final, padding
 * trimmed) the block for member a: the headers move back 16 bytes, the
 * lengths and checksums follow. False if it does not fit (counted; the
 * caller frees m).
 */
bool auth_data_output(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct auth_peer *a);

/*
 * The control thread: if body (len bytes, to ip:port, network order) is
 * a node-to-node message and auth is on, its authenticated form in out
 * (cap bytes); returns the length to send, body's own (out unused) if it
 * needs no block, or 0 if it cannot be sent (counted).
 */
size_t auth_ctl_sign(uint32_t ip, uint16_t port, const void *body, size_t len,
		uint8_t *out, size_t cap, const void **send);

/* The first counter of a lane: realtime microseconds since 2020, << 6. */
uint64_t auth_ctr_start(void);

/* Ones' complement sum of 16-bit words, folded. */
static inline uint16_t
auth_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#endif /* RUMOR_DP_AUTH_H */
