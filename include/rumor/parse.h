/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame decoder of the fast path: Ethernet, then ARP or IPv4, UDP and
 * the rumor header. It reads only the bytes it has checked it has, and
 * returns one verdict per frame. Verdicts double as statistics indexes,
 * so the caller counts every frame with one increment.
 *
 * Pure C (no DPDK): the fuzzers and unit tests call it on plain buffers.
 */
#ifndef RUMOR_PARSE_H
#define RUMOR_PARSE_H

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "rumor/chan_wire.h"
#include "rumor/cksum.h"
#include "rumor/stats_table.h"
#include "rumor/wire.h"

#define ETH_HDR_LEN 14u
#define ETH_TYPE_IPV4 0x0800u
#define ETH_TYPE_ARP 0x0806u
#define ETH_TYPE_VLAN 0x8100u
#define ETH_TYPE_QINQ 0x88a8u

/* Offsets of a frame that reached the rumor header (no options, no tag). */
#define FRAME_IP_OFF ETH_HDR_LEN
#define FRAME_UDP_OFF (FRAME_IP_OFF + 20u)
#define FRAME_RUMOR_OFF (FRAME_UDP_OFF + 8u)

/*
 * Header layouts. All are packed: received frames put the IPv4 header at
 * offset 14 of a 64-byte aligned buffer, which no 4-byte aligned struct
 * may be read at.
 */
struct eth_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type;
} __attribute__((packed));

struct ipv4_hdr {
	uint8_t version_ihl;	/* Version (high nibble), words (low). */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag_off;	/* Flags and fragment offset. */
	uint8_t ttl;
	uint8_t proto;
	uint16_t check;
	uint32_t src;
	uint32_t dst;
} __attribute__((packed));

#define IPV4_VERSION_IHL 0x45u	/* Version 4, no options. */
#define IPV4_MF 0x2000u
#define IPV4_OFFSET_MASK 0x1fffu

struct udp_hdr {
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t len;
	uint16_t check;
} __attribute__((packed));

/*
 * What a frame is, one verdict a row of FRAME_VERDICT_TABLE
 * (stats_table.h), which also names and explains each. The first four
 * are accepted: FRAME_DATA (DATA on an ordered channel), FRAME_ARP,
 * FRAME_CONTROL, and FRAME_CHAN (a channel message, types 3 to 16, or DATA
 * on a broadcast channel, whose fixed part chan_broadcast.c checks; or a
 * COOKIE, which chan_dispatch.c drops as sent to the wrong side); every
 * other one is a drop reason.
 */
#define FRAME_VERDICT_ENUM(id, name, help) id,
enum frame_verdict {
	FRAME_VERDICT_TABLE(FRAME_VERDICT_ENUM)
	FRAME_VERDICT_MAX
};
#undef FRAME_VERDICT_ENUM

/* Who is parsing: the frame must be addressed to this. */
struct frame_self {
	uint8_t mac[6];		/* The receiving port's MAC. */
	uint32_t ip;		/* Network order. */
	uint16_t udp_port;	/* Network order. */
};

const char *frame_verdict_name(enum frame_verdict v);

static inline int
mac_equal(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

static inline int
mac_is_broadcast(const uint8_t *a)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	return mac_equal(a, bc);
}

/*
 * True if the UDP payload at r (len bytes) is a rumor CONTROL datagram:
 * magic, version and type are all the dataplane reads of it, since the
 * rest is a sealed envelope that only rumor-control opens. It must fit a
 * PUNT message, so it is at most RUMOR_DATAGRAM_MAX bytes.
 */
static inline int
frame_is_control(const uint8_t *r, uint32_t len)
{
	return len >= RUMOR_TYPE_OFF + 1 && len <= RUMOR_DATAGRAM_MAX &&
			r[0] == (RUMOR_MAGIC >> 8) &&
			r[1] == (RUMOR_MAGIC & 0xff) &&
			r[2] == RUMOR_VERSION &&
			r[RUMOR_TYPE_OFF] == RUMOR_T_CONTROL;
}

/*
 * True if a checked rumor header is DATA on an ordered channel: the
 * message the forwarding path routes to its owner as it is. Everything
 * else that passed rumor_hdr_check is a channel message.
 */
static inline int
frame_is_ordered_data(const struct rumor_hdr *h)
{
	return h->type == RUMOR_T_DATA &&
			*rumor_hdr_channel(h) != CHAN_BROADCAST_PREFIX;
}

/*
 * True if a checked rumor header is replication's (docs/replication.md)
 * and has no path: an acked PUBLISH on a broadcast channel (only ordered
 * ones are acknowledged). Dropped here (FRAME_REPL). An acked PUBLISH on
 * an ordered channel is DATA (pub_ack.c); a resuming SUBSCRIBE goes to
 * the control thread as any SUBSCRIBE (chan_audience.c, chan_resume.c);
 * PUB_ACK, REPLICATE, REPL_ACK, REPL_SYNC and REPL_STATE are channel
 * messages (chan_repl.c).
 */
static inline int
frame_is_repl(const struct rumor_hdr *h)
{
	return (h->flags & RUMOR_F_ACK) != 0 && h->type == RUMOR_T_DATA &&
			*rumor_hdr_channel(h) == CHAN_BROADCAST_PREFIX;
}

/*
 * Classify the frame at p, len bytes (the first segment of a received
 * packet). On FRAME_DATA, FRAME_CHAN and FRAME_CONTROL the IPv4 header is at
 * FRAME_IP_OFF and the UDP payload at FRAME_RUMOR_OFF, and *frame_len is
 * the frame without Ethernet padding (14 + IPv4 total length). A rumor
 * header with RUMOR_F_AUTH is accepted with its 16-byte auth block; it is
 * verified and stripped later, on the channel and forwarding paths, by
 * the one who knows the sender's key (dataplane/auth.h).
 */
static inline enum frame_verdict
frame_parse(const uint8_t *p, uint32_t len, const struct frame_self *self,
		uint32_t *frame_len)
{
	const struct eth_hdr *eth = (const void *)p;
	const struct ipv4_hdr *ip;
	const struct udp_hdr *udp;
	uint32_t ip_len, udp_len;
	enum rumor_hdr_error rc;
	uint16_t type;

	if (len < ETH_HDR_LEN)
		return FRAME_ETH_SHORT;
	type = ntohs(eth->type);
	if (type == ETH_TYPE_ARP)
		return FRAME_ARP;
	if (type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ)
		return FRAME_VLAN;
	if (type != ETH_TYPE_IPV4)
		return FRAME_ETHERTYPE;
	if (!mac_equal(eth->dst, self->mac))
		return FRAME_ETH_DST;

	if (len < FRAME_UDP_OFF)
		return FRAME_IP_SHORT;
	ip = (const void *)(p + FRAME_IP_OFF);
	if ((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5)
		return FRAME_IP_VERSION;
	if ((ip->version_ihl & 0xf) > 5)
		return FRAME_IP_OPTIONS;
	ip_len = ntohs(ip->total_len);
	if (ip_len < 20 || ip_len > len - ETH_HDR_LEN)
		return FRAME_IP_LEN;
	if (!cksum_ipv4_ok(ip))
		return FRAME_IP_CKSUM;
	if ((ip->frag_off & htons(IPV4_MF | IPV4_OFFSET_MASK)) != 0)
		return FRAME_IP_FRAG;
	if (ip->dst != self->ip)
		return FRAME_IP_DST;
	if (ip->proto != IPPROTO_UDP)
		return FRAME_IP_PROTO;

	if (ip_len < 28)
		return FRAME_UDP_LEN;
	udp = (const void *)(p + FRAME_UDP_OFF);
	udp_len = ntohs(udp->len);
	if (udp_len != ip_len - 20)
		return FRAME_UDP_LEN;
	if (udp->dst_port != self->udp_port)
		return FRAME_UDP_PORT;

	/*
	 * DATA is checked first and pays nothing for CONTROL, which
	 * rumor_hdr_check refuses (as short, type or length) and which is
	 * recognised only on that slower path.
	 */
	rc = rumor_hdr_check(p + FRAME_RUMOR_OFF, udp_len - 8);
	if (rc != RUMOR_HDR_OK &&
			frame_is_control(p + FRAME_RUMOR_OFF, udp_len - 8)) {
		*frame_len = ETH_HDR_LEN + ip_len;
		return FRAME_CONTROL;
	}
	switch (rc) {
	case RUMOR_HDR_OK:
		break;
	case RUMOR_HDR_SHORT:
		return FRAME_RUMOR_SHORT;
	case RUMOR_HDR_MAGIC:
		return FRAME_RUMOR_MAGIC;
	case RUMOR_HDR_VERSION:
		return FRAME_RUMOR_VERSION;
	case RUMOR_HDR_TYPE:
		return FRAME_RUMOR_TYPE;
	case RUMOR_HDR_CHANNEL:
		return FRAME_RUMOR_CHANNEL;
	default:
		return FRAME_RUMOR_LENGTH;
	}
	if (frame_is_repl((const void *)(p + FRAME_RUMOR_OFF)))
		return FRAME_REPL;
	*frame_len = ETH_HDR_LEN + ip_len;
	return frame_is_ordered_data((const void *)(p + FRAME_RUMOR_OFF)) ?
			FRAME_DATA : FRAME_CHAN;
}

#endif /* RUMOR_PARSE_H */
