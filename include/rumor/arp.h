/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for IPv4 over Ethernet (RFC 826): the decoder the control thread
 * runs on every punted ARP frame, and the builder of requests and replies.
 * Pure C (no DPDK) so that it can be fuzzed and unit-tested.
 */
#ifndef RUMOR_ARP_H
#define RUMOR_ARP_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "rumor/parse.h"

#define ARP_OP_REQUEST 1u
#define ARP_OP_REPLY 2u
#define ARP_FRAME_LEN (ETH_HDR_LEN + 28u)

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
	memcpy(&out->tpa, &a->tpa, 4);
	return ARP_OK;
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

#endif /* RUMOR_ARP_H */
