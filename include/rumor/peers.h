/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The peer table: how to reach each member the ring can name (IPv4
 * address, UDP port, DPDK port, and the MAC once ARP has resolved it).
 * The entry under this node's own id is the sink, where the channels it
 * owns are delivered: owned here or elsewhere, a message takes the same
 * path. It is keyed by node id, so it stays valid across ring tables
 * built from the same members, and is replaced whole whenever a MAC is
 * learnt or the members change.
 */
#ifndef RUMOR_PEERS_H
#define RUMOR_PEERS_H

#include <stddef.h>
#include <stdint.h>

struct peer {
	uint32_t id;		/* Node id; 0 marks an empty slot. */
	uint32_t ip;		/* IPv4 address, network order. */
	uint16_t udp_port;	/* Network order. */
	uint16_t dpdk_port;	/* The port that reaches it. */
	uint8_t mac[6];		/* Valid when resolved. */
	uint8_t resolved;	/* MAC known: static or learnt by ARP. */
	uint8_t hops;		/* Hops a message spends to get there: 1 to a
				 * member, 0 to the sink (this node's id). */
	/*
	 * Ones' complement sums of the header words a frame sent to this
	 * peer gets (addresses, ports, TTL): the constant half of each
	 * incremental checksum update, computed once per table.
	 */
	uint32_t csum_ip;	/* Source, destination, TTL/protocol word. */
	uint32_t csum_udp;	/* Source, destination, both ports. */
};

struct peer_table {
	uint64_t gen;		/* Bumped on every publication. */
	uint32_t mask;		/* Slots - 1; slots is a power of two. */
	uint32_t n;		/* Peers held. */
	struct peer slot[];	/* Open addressing on id, linear probing. */
};

/* Home slot of an id (Fibonacci hashing). */
static inline uint32_t
peer_hash(uint32_t id, uint32_t mask)
{
	return (uint32_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

/* The peer with this node id, or NULL. */
static inline const struct peer *
peer_find(const struct peer_table *t, uint32_t id)
{
	uint32_t i = peer_hash(id, t->mask);

	for (;;) {
		const struct peer *p = &t->slot[i];

		if (p->id == 0)		/* Empty: not here (nor is id 0). */
			return NULL;
		if (p->id == id)
			return p;
		i = (i + 1) & t->mask;
	}
}

/* Slots for n peers: a power of two at least 2n (never full). */
uint32_t peer_table_slots(uint32_t n);

/* Bytes to allocate for a table of `slots` slots. */
size_t peer_table_bytes(uint32_t slots);

/* Empty a table of `slots` slots (allocated by the caller). */
void peer_table_init(struct peer_table *t, uint32_t slots, uint64_t gen);

/*
 * Insert or replace p (p->id non-zero). Returns 0, or -1 when the table
 * is full (more than half its slots: a caller error).
 */
int peer_table_put(struct peer_table *t, const struct peer *p);

#endif /* RUMOR_PEERS_H */
