/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The limits of channel audiences (docs/channels.md, "Limits"): what the
 * control thread's book (include/rumor/chan_book.h) grants at most, set by the
 * chan_* keys of the configuration file (docs/configuration.md).
 */
#ifndef RUMOR_CHAN_LIMITS_H
#define RUMOR_CHAN_LIMITS_H

#include <stdint.h>

struct book_limits {
	uint32_t subs_per_client;	/* 1,024 */
	uint32_t subs_per_node;		/* 65,536 */
	uint32_t clients;		/* 16,384 */
	uint32_t subs_per_channel;	/* 4,096 */
	uint32_t interest_set;		/* 1,024 nodes per channel */
	uint32_t owned;			/* 65,536 channels with nodes */
};

/*
 * The largest value of each limit. Every channel in the book has a local
 * subscription or an interested node, so subscriptions per node plus
 * owned channels bound the audience table, which must stay at most half
 * full (CHAN_AUD_SLOTS, dataplane/chan.h): both stay at most 2^16, also
 * across reloads. A client, or a channel, never holds more subscriptions
 * than the node; an interest set never holds more nodes than the ring.
 */
#define CHAN_LIMIT_SUBS_MAX 65536u	/* subs_per_node, subs_per_client,
					 * clients, subs_per_channel */
#define CHAN_LIMIT_OWNED_MAX 65536u
#define CHAN_LIMIT_INTEREST_SET_MAX 65535u	/* RING_MEMBERS_MAX */

/* The defaults above (defined in chan_book.c). */
void book_limits_default(struct book_limits *l);

#endif /* RUMOR_CHAN_LIMITS_H */
