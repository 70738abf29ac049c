/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for IPv4 over Ethernet (RFC 826): the decoder the control thread
 * runs on every punted ARP frame, the builder of requests and replies,
 * the test an lcore makes before it punts a frame, and the rules by which
 * a neighbour entry takes a MAC (arp_learn, arp_settle): only from an
 * answer to a request of ours still outstanding, and a known MAC changes
 * only if the old one stays silent through ARP_CHANGE_WINDOWS refreshes
 * in a row that one other MAC alone answers.
 * Pure C (no DPDK) so that it can be fuzzed and unit-tested.
 */
#ifndef RUMOR_ARP_H
#define RUMOR_ARP_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rumor/parse.h"

#define ARP_OP_REQUEST 1u
#define ARP_OP_REPLY 2u
#define ARP_FRAME_LEN (ETH_HDR_LEN + 28u)
#define ARP_TPA_OFF (ETH_HDR_LEN + 24u)	/* Target protocol address. */

/*
 * ARP frames each lcore may punt to the control thread: a second, and in
 * one burst. Honest ARP for a node is a few frames a second per member;
 * a flood beyond this is dropped on the lcore (drop_arp_punt_rate) and
 * can neither fill the punt ring nor keep the control thread busy.
 */
#define ARP_PUNT_RATE 1000u
#define ARP_PUNT_BURST 64u

struct arp_ipv4 {
	uint16_t htype;		/* 1: Ethernet. */
	uint16_t ptype;		/* 0x0800: IPv4. */
	uint8_t hlen;		/* 6. */
	uint8_t plen;		/* 4. */
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
} __attribute__((packed));

_Static_assert(sizeof(struct arp_ipv4) == 28, "ARP body is 28 bytes");

enum arp_error {
	ARP_OK = 0,
	ARP_SHORT,		/* Frame too short for an Ethernet ARP. */
	ARP_FORMAT,		/* Not Ethernet/IPv4 ARP. */
	ARP_OP,			/* Neither request nor reply. */
	ARP_SENDER,		/* Sender MAC multicast or zero, or not the frame's. */
	ARP_ERROR_MAX
};

/* A decoded ARP frame; addresses in network order. */
struct arp_view {
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;		/* 0 for a probe (RFC 5227). */
	uint8_t tha[6];		/* Zero or anything in a request. */
	uint32_t tpa;
};

/* Decode a whole Ethernet frame carrying ARP. */
static inline enum arp_error
arp_decode(const uint8_t *frame, uint32_t len, struct arp_view *out)
{
	const struct eth_hdr *eth = (const void *)frame;
	const struct arp_ipv4 *a = (const void *)(frame + ETH_HDR_LEN);
	static const uint8_t zero[6];

	if (len < ARP_FRAME_LEN || eth->type != htons(ETH_TYPE_ARP))
		return ARP_SHORT;
	if (a->htype != htons(1) || a->ptype != htons(ETH_TYPE_IPV4) ||
			a->hlen != 6 || a->plen != 4)
		return ARP_FORMAT;
	if (a->op != htons(ARP_OP_REQUEST) && a->op != htons(ARP_OP_REPLY))
		return ARP_OP;
	if ((a->sha[0] & 1) != 0 || mac_equal(a->sha, zero) ||
			!mac_equal(a->sha, eth->src))
		return ARP_SENDER;
	out->op = ntohs(a->op);
	memcpy(out->sha, a->sha, 6);
	memcpy(&out->spa, &a->spa, 4);
	memcpy(out->tha, a->tha, 6);
	memcpy(&out->tpa, &a->tpa, 4);
	return ARP_OK;
}

/*
 * Whether an ARP frame (ethertype already seen) names self_ip (network
 * order) as its target: a request for this node's address or a reply to
 * it. Nothing else concerns the node (gratuitous ARP, other hosts'
 * requests), so an lcore drops the rest before punting.
 */
static inline int
arp_for_self(const uint8_t *frame, uint32_t len, uint32_t self_ip)
{
	uint32_t tpa;

	if (len < ARP_FRAME_LEN)
		return 0;
	memcpy(&tpa, frame + ARP_TPA_OFF, 4);
	return tpa == self_ip;
}

/*
 * Write a 42-byte ARP frame to buf. A request (tha NULL) is broadcast; a
 * reply goes to tha. Addresses in network order.
 */
static inline void
arp_build(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t spa,
		const uint8_t *tha, uint32_t tpa)
{
	struct eth_hdr *eth = (void *)buf;
	struct arp_ipv4 *a = (void *)(buf + ETH_HDR_LEN);
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memcpy(eth->dst, tha != NULL ? tha : bc, 6);
	memcpy(eth->src, sha, 6);
	eth->type = htons(ETH_TYPE_ARP);
	a->htype = htons(1);
	a->ptype = htons(ETH_TYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->op = htons(op);
	memcpy(a->sha, sha, 6);
	memcpy(&a->spa, &spa, 4);
	if (tha != NULL)
		memcpy(a->tha, tha, 6);
	else
		memset(a->tha, 0, 6);
	memcpy(&a->tpa, &tpa, 4);
}

/*
 * What a neighbour entry knows of its address, and of the request of
 * ours that may still be answered. Times are in any one unit (the
 * control thread uses TSC cycles), window in the same unit.
 */
struct arp_entry {
	uint32_t ip;		/* The address resolved; network order. */
	uint16_t port;		/* Where it is asked and must answer. */
	uint8_t mac[6];		/* Valid when resolved. */
	uint8_t candidate[6];	/* Another MAC answered (has_candidate). */
	bool resolved;
	bool asking;		/* A request of ours awaits answers. */
	bool confirmed;		/* This request was answered with mac. */
	bool has_candidate;
	bool contested;		/* Two MACs other than mac answered. */
	uint8_t silent;		/* Windows in a row that only pending
				 * answered, the MAC known silent. */
	uint8_t pending[6];	/* The MAC those windows proposed. */
	uint64_t asked;		/* When that request went out. */
};

/*
 * Refresh windows in a row the known MAC must leave unanswered, and one
 * other MAC alone answer, before that MAC replaces it: an attacker who
 * answers a refresh (or provokes one) must also silence the real host
 * for that long, while a host that really moved is learnt within as many
 * seconds.
 */
#define ARP_CHANGE_WINDOWS 3u

/* What one ARP frame did to an entry (arp_learn). */
enum arp_learn {
	ARP_LEARN_NONE,		/* A request with the MAC known. */
	ARP_LEARN_FIRST,	/* Resolved: the entry's first MAC. */
	ARP_LEARN_CONFIRMED,	/* Answered with the MAC known. */
	ARP_LEARN_CANDIDATE,	/* Answered with another MAC: it lands when
				 * the request's window closes, unless the
				 * MAC known answers too (arp_settle). */
	ARP_LEARN_UNSOLICITED,	/* A reply to no request of ours outstanding,
				 * on another port, or to another MAC. */
	ARP_LEARN_CONFLICT,	/* Yet another MAC for one request. */
	ARP_LEARN_HINT,		/* The address asks for us from another MAC:
				 * worth a refresh, never learnt. */
};

/* What closing a request's window did to an entry (arp_settle). */
enum arp_settle {
	ARP_SETTLE_NONE,	/* Still open, or nothing to decide. */
	ARP_SETTLE_CHANGED,	/* The MAC changed to the candidate. */
	ARP_SETTLE_PENDING,	/* Only the candidate answered, not yet for
				 * ARP_CHANGE_WINDOWS windows: ask again. */
	ARP_SETTLE_REFUSED,	/* A change refused: the MAC known answered
				 * too, several MACs did, or ARP frames
				 * were dropped meanwhile. */
};

/* A request for e's address went out at now; answers are awaited. */
static inline void
arp_asked(struct arp_entry *e, uint64_t now)
{
	e->asking = true;
	e->asked = now;
	e->confirmed = false;
	e->has_candidate = false;
	e->contested = false;
}

/*
 * Apply a decoded ARP frame a (its spa is e->ip), received on port at now,
 * to e, for a node whose address on that port is self_ip with self_mac.
 * A reply counts only while a request of ours is outstanding (less than
 * window since it went out), on the port it was asked on, addressed to
 * us; it resolves an unresolved entry at once, and for a resolved one it
 * only confirms or proposes. A request for our address teaches nothing
 * but the first MAC of an entry we are resolving right then.
 */
static inline enum arp_learn
arp_learn(struct arp_entry *e, const struct arp_view *a, uint16_t port,
		uint32_t self_ip, const uint8_t self_mac[6], uint64_t now,
		uint64_t window)
{
	bool open = e->asking && port == e->port && now - e->asked < window;

	if (a->tpa != self_ip)
		return ARP_LEARN_UNSOLICITED;
	if (a->op == ARP_OP_REQUEST) {
		if (!e->resolved)
			goto first;
		return mac_equal(a->sha, e->mac) ? ARP_LEARN_NONE :
				ARP_LEARN_HINT;
	}
	if (!open || !mac_equal(a->tha, self_mac))
		return ARP_LEARN_UNSOLICITED;
	if (!e->resolved)
		goto first;
	if (mac_equal(a->sha, e->mac)) {
		e->confirmed = true;
		return ARP_LEARN_CONFIRMED;
	}
	if (!e->has_candidate) {
		memcpy(e->candidate, a->sha, 6);
		e->has_candidate = true;
		return ARP_LEARN_CANDIDATE;
	}
	if (mac_equal(a->sha, e->candidate))
		return ARP_LEARN_CANDIDATE;
	e->contested = true;
	return ARP_LEARN_CONFLICT;
first:
	if (!open)
		return ARP_LEARN_UNSOLICITED;
	memcpy(e->mac, a->sha, 6);
	e->resolved = true;
	e->confirmed = true;	/* Another MAC in this window conflicts. */
	return ARP_LEARN_FIRST;
}

/*
 * Close e's request once window has passed since it went out: a
 * candidate MAC becomes the entry's if the MAC known never answered, no
 * third MAC did, and the node saw every ARP frame naming it meanwhile
 * (lossy: some were dropped, by rate or a full ring, and the known MAC's
 * answer may have been among them).
 */
static inline enum arp_settle
arp_settle(struct arp_entry *e, uint64_t now, uint64_t window, bool lossy)
{
	enum arp_settle r = ARP_SETTLE_NONE;

	if (!e->asking || now - e->asked < window)
		return ARP_SETTLE_NONE;
	e->asking = false;
	if (e->confirmed)
		e->silent = 0;		/* The host known is there. */
	if (e->has_candidate) {
		if (e->confirmed || e->contested || lossy) {
			e->silent = 0;
			r = ARP_SETTLE_REFUSED;
		} else if (e->silent == 0 ||
				!mac_equal(e->pending, e->candidate)) {
			memcpy(e->pending, e->candidate, 6);
			e->silent = 1;
			r = ARP_SETTLE_PENDING;
		} else if (++e->silent < ARP_CHANGE_WINDOWS) {
			r = ARP_SETTLE_PENDING;
		} else {
			memcpy(e->mac, e->candidate, 6);
			e->silent = 0;
			r = ARP_SETTLE_CHANGED;
		}
	}
	e->has_candidate = false;
	e->contested = false;
	return r;
}

#endif /* RUMOR_ARP_H */
