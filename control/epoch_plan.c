/* SPDX-License-Identifier: BSD-3-Clause */
/* The ring epoch proposal decision (epoch_plan.h). */
#include <string.h>

#include "epoch_plan.h"

bool
epoch_same_members(const struct raft_epoch *e,
		const struct raft_epoch_member *m, uint32_t n)
{
	if (e == NULL || e->n_members != n)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		const struct raft_epoch_member *a = &e->members[i];

		if (a->id != m[i].id || a->ip != m[i].ip ||
				a->port != m[i].port ||
				a->weight != m[i].weight)
			return false;
	}
	return true;
}

enum epoch_action
epoch_plan(struct epoch_batch *b, const struct epoch_plan_in *in,
		uint64_t *wake)
{
	*wake = UINT64_MAX;
	/* Only a leader proposes; a new one starts its own batch. */
	if (!in->leader || !in->can_propose || in->n_view == 0 ||
			epoch_same_members(in->last, in->view, in->n_view)) {
		b->pending = false;
		return EPOCH_IDLE;
	}
	if (in->n_view > RAFT_EPOCH_MEMBERS_MAX) {
		b->pending = false;
		return EPOCH_TOO_BIG;
	}
	if (!b->pending) {
		b->pending = true;
		b->since = in->now;
	}
	if (in->now < b->since + EPOCH_BATCH_MS) {
		*wake = b->since + EPOCH_BATCH_MS;
		return EPOCH_WAIT;
	}
	if (in->in_flight)
		return EPOCH_WAIT;
	b->pending = false;
	return EPOCH_PROPOSE;
}

int
epoch_next(struct raft_epoch *out, const struct raft_epoch *last,
		const struct raft_epoch_member *m, uint32_t n)
{
	if (n == 0 || n > RAFT_EPOCH_MEMBERS_MAX)
		return -1;
	for (uint32_t i = 1; i < n; i++)
		if (m[i].id <= m[i - 1].id)
			return -1;
	out->epoch = last != NULL ? last->epoch + 1 : 1;
	out->n_members = (uint16_t)n;
	memcpy(out->members, m, n * sizeof(*m));
	return 0;
}
