/* SPDX-License-Identifier: BSD-3-Clause */
/* The ring epoch proposal decision, and epoch deltas (epoch_plan.h). */
#include <string.h>

#define XXH_STATIC_LINKING_ONLY	/* XXH3_state_t, on the stack. */
#include <xxhash.h>

#include "rumor/bytes.h"
#include "rumor/epoch_plan.h"

bool
epoch_same_members(const struct raft_epoch *e,
		const struct raft_epoch_member *m, uint32_t n)
{
	if (e == NULL || e->n_members != n)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		const struct raft_epoch_member *a = &e->members[i];

		if (a->id != m[i].id || a->ip != m[i].ip ||
				a->port != m[i].port || a->zone != m[i].zone ||
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
		/* The rest of a cut delta was batched already. */
		b->since = in->continuing && in->now >= EPOCH_BATCH_MS ?
				in->now - EPOCH_BATCH_MS : in->now;
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

static bool
epoch_member_same(const struct raft_epoch_member *a,
		const struct raft_epoch_member *b)
{
	return a->id == b->id && a->ip == b->ip && a->port == b->port &&
			a->zone == b->zone && a->weight == b->weight;
}

void
epoch_copy(struct raft_epoch *dst, const struct raft_epoch *src)
{
	dst->epoch = src->epoch;
	dst->n_members = src->n_members;
	memcpy(dst->members, src->members,
			src->n_members * sizeof(src->members[0]));
}

uint64_t
epoch_hash(const struct raft_epoch *e)
{
	XXH3_state_t st;
	uint8_t b[RAFT_EPOCH_MEMBER_LEN];

	XXH3_64bits_reset(&st);
	memset(b, 0, sizeof(b));
	rumor_put64(b, e->epoch);
	rumor_put16(b + 8, e->n_members);
	XXH3_64bits_update(&st, b, RAFT_EPOCH_HDR_LEN);
	for (uint32_t i = 0; i < e->n_members; i++) {
		const struct raft_epoch_member *m = &e->members[i];

		rumor_put32(b, m->id);
		memcpy(b + 4, &m->ip, sizeof(m->ip));
		rumor_put16(b + 8, m->port);
		b[10] = m->zone;
		b[11] = 0;
		rumor_put32(b + 12, m->weight);
		XXH3_64bits_update(&st, b, RAFT_EPOCH_MEMBER_LEN);
	}
	return XXH3_64bits_digest(&st);
}

/*
 * Merge base (may be NULL) with removed ids and upserts (both sorted)
 * into out. Returns 0, or -1 if a removed id is not in base or out would
 * hold too many members.
 */
static int
epoch_merge(struct raft_epoch *out, const struct raft_epoch *base,
		const uint32_t *removed, uint32_t nr,
		const struct raft_epoch_member *up, uint32_t nu)
{
	uint32_t nb = base != NULL ? base->n_members : 0, i = 0, k = 0,
			j = 0, n = 0;

	while (i < nb || j < nu) {
		const struct raft_epoch_member *b = i < nb ?
				&base->members[i] : NULL;
		const struct raft_epoch_member *u = j < nu ? &up[j] : NULL;

		if (n == RAFT_EPOCH_MEMBERS_MAX)
			return -1;
		if (b != NULL && (u == NULL || b->id < u->id)) {
			i++;
			if (k < nr && removed[k] == b->id) {
				k++;
				continue;
			}
			if (k < nr && removed[k] < b->id)
				return -1;
			out->members[n++] = *b;
		} else {
			if (b != NULL && b->id == u->id)
				i++;
			out->members[n++] = *u;
			j++;
		}
	}
	if (k != nr)
		return -1;
	out->n_members = (uint16_t)n;
	return 0;
}

int
epoch_apply(struct raft_epoch *out, const struct raft_epoch *base,
		const struct raft_epoch_delta *d)
{
	if (d->base != (base != NULL ? base->epoch : 0))
		return -1;
	if (epoch_merge(out, base, d->removed, d->n_removed, d->upserts,
			d->n_upserts) < 0)
		return -1;
	out->epoch = d->epoch;
	if (out->n_members != d->n_members || out->n_members == 0 ||
			epoch_hash(out) != d->hash)
		return -1;
	return 0;
}

/* Fill d's upserts: members of m new to last or changed, up to max. */
static uint32_t
epoch_upserts(struct raft_epoch_delta *d, const struct raft_epoch *last,
		const struct raft_epoch_member *m, uint32_t n, uint32_t max,
		bool *more)
{
	uint32_t nl = last != NULL ? last->n_members : 0, i = 0, u = 0;

	for (uint32_t j = 0; j < n; j++) {
		while (i < nl && last->members[i].id < m[j].id)
			i++;
		if (i < nl && epoch_member_same(&last->members[i], &m[j]))
			continue;
		if (u == max) {
			*more = true;
			break;
		}
		d->upserts[u++] = m[j];
	}
	return u;
}

int
epoch_delta(struct raft_epoch_delta *d, struct raft_epoch *next,
		bool *partial, const struct raft_epoch *last,
		const struct raft_epoch_member *m, uint32_t n)
{
	uint32_t nl = last != NULL ? last->n_members : 0, r = 0, u, j = 0;
	bool more_r = false, more_u;

	if (n == 0 || n > RAFT_EPOCH_MEMBERS_MAX)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (m[i].id == 0 || m[i].port == 0 || m[i].weight == 0 ||
				(i > 0 && m[i].id <= m[i - 1].id))
			return -1;
	/* Who leaves. */
	for (uint32_t i = 0; i < nl; i++) {
		uint32_t id = last->members[i].id;

		while (j < n && m[j].id < id)
			j++;
		if (j < n && m[j].id == id)
			continue;
		if (r == RAFT_DELTA_REMOVED_MAX) {
			more_r = true;
			break;
		}
		d->removed[r++] = id;
	}
	for (;;) {
		more_u = false;
		u = epoch_upserts(d, last, m, n, (RAFT_ENTRY_DATA_MAX -
				RAFT_DELTA_HDR_LEN - 4 * r) /
				RAFT_EPOCH_MEMBER_LEN, &more_u);
		if (r + u == 0)
			return -1;
		if (epoch_merge(next, last, d->removed, r, d->upserts, u) < 0)
			return -1;
		if (next->n_members > 0)
			break;
		/* Everyone left and no one fits yet: keep one for now. */
		r--;
		more_r = true;
	}
	next->epoch = last != NULL ? last->epoch + 1 : 1;
	d->epoch = next->epoch;
	d->base = last != NULL ? last->epoch : 0;
	d->n_members = next->n_members;
	d->n_removed = (uint16_t)r;
	d->n_upserts = (uint16_t)u;
	d->hash = epoch_hash(next);
	*partial = more_r || more_u;
	return 0;
}
