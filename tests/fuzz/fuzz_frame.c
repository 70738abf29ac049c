/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: frame_parse (include/rumor/parse.h) on arbitrary bytes,
 * for a fixed receiver. When a frame is accepted as DATA or CONTROL,
 * everything the verdict promises the forwarding or punt path must hold,
 * and every byte it vouches for is read (ASan catches one beyond the
 * frame).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/parse.h"
#include "fuzz.h"

/*
 * Where the frame starts relative to a 16-byte boundary. 0 is what an
 * mbuf gives (IPv4 header at 2 mod 4), so UBSan checks that the decoder
 * reads headers at that alignment without undefined behaviour.
 */
#ifndef FUZZ_FRAME_OFFSET
#define FUZZ_FRAME_OFFSET 0
#endif

/* The receiver: 02:00:00:00:00:01, 10.0.0.2, UDP port 7946. */
static const struct frame_self self = {
	.mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
	.ip = 0x0200000a,
	.udp_port = 0x0a1f,
};

/*
 * What DATA, CHAN and CONTROL promise alike: a frame of frame_len bytes
 * (within len) to this receiver's MAC, IPv4 address and UDP port, a
 * plain IPv4 header with a good checksum and the lengths agreeing.
 * Returns the UDP length.
 */
static uint16_t
check_to_self(const uint8_t *p, uint32_t len, uint32_t frame_len)
{
	uint16_t ip_len, udp_len;

	memcpy(&ip_len, p + FRAME_IP_OFF + 2, 2);
	ip_len = ntohs(ip_len);
	memcpy(&udp_len, p + FRAME_UDP_OFF + 4, 2);
	udp_len = ntohs(udp_len);
	FUZZ_CHECK(frame_len <= len);
	FUZZ_CHECK(frame_len == ETH_HDR_LEN + ip_len);
	FUZZ_CHECK(udp_len == ip_len - 20u);
	FUZZ_CHECK(memcmp(p, self.mac, 6) == 0);
	FUZZ_CHECK(cksum_ipv4_ok(p + FRAME_IP_OFF));
	FUZZ_CHECK(p[FRAME_IP_OFF] == 0x45);
	FUZZ_CHECK(memcmp(p + FRAME_IP_OFF + 16, &self.ip, 4) == 0);
	FUZZ_CHECK(memcmp(p + FRAME_UDP_OFF + 2, &self.udp_port, 2) == 0);
	return udp_len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *raw, *p;
	uint32_t len, frame_len = 0;
	enum frame_verdict v;

	if (size > UINT16_MAX)		/* An mbuf segment's data_len. */
		return 0;
	len = (uint32_t)size;
	raw = malloc(size + FUZZ_FRAME_OFFSET > 0 ?
			size + FUZZ_FRAME_OFFSET : 1);
	if (raw == NULL)
		return 0;
	p = raw + FUZZ_FRAME_OFFSET;
	if (size > 0)
		memcpy(p, data, size);

	v = frame_parse(p, len, &self, &frame_len);
	FUZZ_CHECK((unsigned)v < FRAME_VERDICT_MAX);
	FUZZ_CHECK(frame_verdict_name(v) != NULL);
	if (v == FRAME_ARP || v == FRAME_VLAN || v == FRAME_ETHERTYPE)
		FUZZ_CHECK(len >= ETH_HDR_LEN);
	if (v == FRAME_CONTROL) {
		const uint8_t *r = p + FRAME_RUMOR_OFF;
		uint16_t udp_len = check_to_self(p, len, frame_len);
		unsigned sum = 0;

		FUZZ_CHECK(udp_len >= 8u + 4u);
		FUZZ_CHECK(udp_len - 8u <= RUMOR_DATAGRAM_MAX);
		FUZZ_CHECK(r[0] == 0x52 && r[1] == 0x4d);
		FUZZ_CHECK(r[2] == RUMOR_VERSION);
		FUZZ_CHECK(r[RUMOR_TYPE_OFF] == RUMOR_T_CONTROL);
		FUZZ_CHECK(rumor_hdr_check(r, udp_len - 8u) != RUMOR_HDR_OK);

		/* Read what the punt path copies to rumor-control. */
		for (size_t i = 0; i < udp_len - 8u; i++)
			sum += r[i];
		(void)sum;
	}
	if (v == FRAME_DATA || v == FRAME_CHAN) {
		const struct rumor_hdr *h = (const void *)(p + FRAME_RUMOR_OFF);
		const uint8_t *chan, *payload;
		size_t clen, plen;
		unsigned sum = 0;

		(void)check_to_self(p, len, frame_len);
		FUZZ_CHECK(frame_len >= FRAME_RUMOR_OFF + sizeof(*h));

		clen = ntohs(h->channel_len);
		plen = ntohs(h->payload_len);
		FUZZ_CHECK(clen >= 1 && clen <= RUMOR_CHANNEL_MAX);
		/* With RUMOR_F_AUTH, the 16-byte auth block too. */
		FUZZ_CHECK(FRAME_RUMOR_OFF + sizeof(*h) +
				rumor_hdr_auth_len(h) + clen + plen ==
				frame_len);
		FUZZ_CHECK(frame_len - FRAME_RUMOR_OFF <= RUMOR_DATAGRAM_MAX);
		FUZZ_CHECK(rumor_hdr_check(h, frame_len - FRAME_RUMOR_OFF) ==
				RUMOR_HDR_OK);
		FUZZ_CHECK((v == FRAME_DATA) == (h->type == RUMOR_T_DATA &&
				p[FRAME_RUMOR_OFF + sizeof(*h) +
				rumor_hdr_auth_len(h)] != '@'));
		/*
		 * The flag ACK gets this far on an ordered channel's PUBLISH
		 * (an acked PUBLISH, pub_ack.c) and on a SUBSCRIBE (a
		 * resuming one, for the control thread); an acked broadcast
		 * PUBLISH never does.
		 */
		FUZZ_CHECK((h->flags & RUMOR_F_ACK) == 0 || v == FRAME_DATA ||
				(v == FRAME_CHAN && h->type == RUMOR_T_SUBSCRIBE));

		/* Read what the forwarder reads. */
		chan = (const uint8_t *)rumor_hdr_channel(h);
		payload = rumor_hdr_payload(h);
		for (size_t i = 0; i < clen; i++)
			sum += chan[i];
		for (size_t i = 0; i < plen; i++)
			sum += payload[i];
		FUZZ_CHECK(payload + plen == p + frame_len);
		(void)sum;
	}
	free(raw);
	return 0;
}
