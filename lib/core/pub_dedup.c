/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner's memory of acknowledged publishes (rumor/pub_dedup.h).
 */
#include <string.h>

#include "rumor/pub_dedup.h"

size_t
pub_dedup_bytes(uint32_t sets_log2)
{
	if (sets_log2 > PUB_DEDUP_SETS_LOG2_MAX)
		return 0;
	return ((size_t)1 << sets_log2) * PUB_DEDUP_WAYS *
			sizeof(struct pub_dedup_entry);
}

void
pub_dedup_init(struct pub_dedup *d, struct pub_dedup_entry *e,
		uint32_t sets_log2, const struct keyed_hash_key *key)
{
	memset(d, 0, sizeof(*d));
	d->key = *key;
	d->sets_log2 = sets_log2;
	d->e = e;
}

/* The first entry of the set of (chan, client). */
static struct pub_dedup_entry *
set_of(const struct pub_dedup *d, uint64_t chan, uint64_t client)
{
	/* Both keyed: a client picks neither its set nor its neighbours. */
	uint64_t h = keyed_hash(&d->key, chan ^ keyed_hash(&d->key, client));
	uint64_t set = d->sets_log2 == 0 ? 0 : h >> (64 - d->sets_log2);

	return &d->e[set * PUB_DEDUP_WAYS];
}

static struct pub_dedup_entry *
find(const struct pub_dedup *d, uint64_t chan, uint64_t client)
{
	struct pub_dedup_entry *s = set_of(d, chan, client);

	for (unsigned w = 0; w < PUB_DEDUP_WAYS; w++)
		if (s[w].chan == chan && s[w].client == client)
			return &s[w];
	return NULL;
}

enum pub_dedup_verdict
pub_dedup_check(struct pub_dedup *d, uint64_t chan, uint64_t stream,
		uint64_t client, uint64_t number, uint64_t committed,
		uint64_t *seq)
{
	struct pub_dedup_entry *e = find(d, chan, client);
	uint64_t back;

	*seq = 0;
	if (e == NULL || e->stream != stream || number > e->hi)
		return PUB_DEDUP_NEW;
	back = e->hi - number;
	if (back >= PUB_DEDUP_WINDOW)
		return PUB_DEDUP_TOO_OLD;
	if (!(e->mask >> back & 1))
		return PUB_DEDUP_NEW;	/* Lost on its way: order it now. */
	e->used = ++d->clock;
	/*
	 * Which sequence an earlier number got is not kept; all of the
	 * client's are at most max_seq, so once that is committed so is it.
	 */
	if (e->max_seq > committed)
		return PUB_DEDUP_HOLD;
	if (back == 0)
		*seq = e->hi_seq;
	return PUB_DEDUP_ACK;
}

void
pub_dedup_record(struct pub_dedup *d, uint64_t chan, uint64_t stream,
		uint64_t client, uint64_t number, uint64_t seq)
{
	struct pub_dedup_entry *e = find(d, chan, client);

	if (e == NULL || e->stream != stream) {
		struct pub_dedup_entry *s = set_of(d, chan, client);

		if (e == NULL) {
			/* A free way, else the least recently used. */
			e = &s[0];
			for (unsigned w = 0; w < PUB_DEDUP_WAYS; w++) {
				if (s[w].chan == 0) {
					e = &s[w];
					break;
				}
				if (s[w].used < e->used)
					e = &s[w];
			}
			if (e->chan != 0)
				d->evicted++;
		}
		*e = (struct pub_dedup_entry){ .chan = chan, .client = client,
			.stream = stream, .hi = number, .mask = 1,
			.hi_seq = seq, .max_seq = seq };
	} else if (number > e->hi) {
		uint64_t ahead = number - e->hi;

		e->mask = ahead >= PUB_DEDUP_WINDOW ? 1 : e->mask << ahead | 1;
		e->hi = number;
		e->hi_seq = seq;
	} else if (e->hi - number < PUB_DEDUP_WINDOW) {
		e->mask |= UINT64_C(1) << (e->hi - number);
		/*
		 * The highest ordered again (a new owner that did not know
		 * it): its answers name the later copy, as that owner's do.
		 */
		if (number == e->hi && seq > e->hi_seq)
			e->hi_seq = seq;
	}
	if (seq > e->max_seq)
		e->max_seq = seq;
	e->used = ++d->clock;
}
