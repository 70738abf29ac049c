/* SPDX-License-Identifier: BSD-3-Clause */
/* Building peer tables (include/rumor/peers.h). */
#include <string.h>

#include "rumor/peers.h"

uint32_t
peer_table_slots(uint32_t n)
{
	uint32_t s = 8;

	while (s < 2 * (uint64_t)n)
		s <<= 1;
	return s;
}

size_t
peer_table_bytes(uint32_t slots)
{
	return sizeof(struct peer_table) + (size_t)slots * sizeof(struct peer);
}

void
peer_table_init(struct peer_table *t, uint32_t slots, uint64_t gen)
{
	memset(t, 0, peer_table_bytes(slots));
	t->gen = gen;
	t->mask = slots - 1;
}

int
peer_table_put(struct peer_table *t, const struct peer *p)
{
	uint32_t i = peer_hash(p->id, t->mask);

	if (p->id == 0)
		return -1;
	for (;;) {
		struct peer *s = &t->slot[i];

		if (s->id == p->id) {
			*s = *p;
			return 0;
		}
		if (s->id == 0) {
			if ((uint64_t)(t->n + 1) * 2 > (uint64_t)t->mask + 1)
				return -1;
			*s = *p;
			t->n++;
			return 0;
		}
		i = (i + 1) & t->mask;
	}
}
