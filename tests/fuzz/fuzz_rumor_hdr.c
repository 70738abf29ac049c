/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: rumor_hdr_check (include/rumor/wire.h) on arbitrary
 * bytes taken as a whole UDP payload. When it accepts, the channel and
 * payload are read in full, and encoding the decoded fields again with
 * rumor_msg_encode must give back the same bytes (with RUMOR_F_AUTH, the
 * bytes without the auth block: the encoder writes the plain format).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/node_auth.h"
#include "rumor/ring.h"
#include "rumor/wire.h"
#include "fuzz.h"

static void
fuzz_one(uint8_t *copy, size_t size)
{
	enum rumor_hdr_error e;

	e = rumor_hdr_check(copy, size);
	FUZZ_CHECK(e >= RUMOR_HDR_OK && e <= RUMOR_HDR_CHANNEL);
	if (size < sizeof(struct rumor_hdr))
		FUZZ_CHECK(e == RUMOR_HDR_SHORT);
	if (e == RUMOR_HDR_OK) {
		const struct rumor_hdr *h = (const void *)copy;
		size_t clen = ntohs(h->channel_len);
		size_t plen = ntohs(h->payload_len);
		const char *chan = rumor_hdr_channel(h);
		const uint8_t *payload = rumor_hdr_payload(h);
		struct rumor_msg m = {
			.type = h->type,
			.flags = h->flags,
			.hop_limit = h->hop_limit,
			.origin = ntohl(h->origin),
			.epoch = be64toh(h->epoch),
			.seq = be64toh(h->seq),
			.channel_hash = be64toh(h->channel_hash),
			.channel = chan,
			.channel_len = clen,
			.payload = payload,
			.payload_len = plen,
		};
		unsigned sum = 0;

		FUZZ_CHECK(size <= RUMOR_DATAGRAM_MAX);
		FUZZ_CHECK(clen >= 1 && clen <= RUMOR_CHANNEL_MAX);
		FUZZ_CHECK(sizeof(*h) + rumor_hdr_auth_len(h) + clen + plen ==
				size);
		FUZZ_CHECK(payload + plen == copy + size);
		for (size_t i = 0; i < plen; i++)
			sum += payload[i];
		(void)sum;
		(void)ring_channel_hash(chan, clen);
		if (h->flags & RUMOR_F_AUTH) {
			/* Stripped, it is the plain message the encoder writes. */
			size = node_auth_strip(copy, size);
			FUZZ_CHECK(size > 0);
			m.flags &= (uint8_t)~RUMOR_F_AUTH;
			m.channel = rumor_hdr_channel(h);
			m.payload = rumor_hdr_payload(h);
		}
		FUZZ_ENCODES_AGAIN(rumor_msg_encode(again_, cap_, &m), copy,
				size);
	}
}

FUZZ_TARGET(fuzz_one)
