/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checks of rumor-state-sim (state_sim.c says what they hold the
 * model to): a read against the adds acknowledged before it, as the
 * model answers it; at the end, the replicas equal and no acknowledged
 * add lost. What fails is counted by sim_core, the first kept.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "state_sim.h"

void
fail(struct sim *s, uint32_t node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sim_vfail(&s->c, node, fmt, ap);
	va_end(ap);
}

/* ---- the checks ---- */

/*
 * Whether a write at lw, acknowledged before a read at lr was issued,
 * must be in what the read answers: their counts overlap. With crashes,
 * a write only one replica held dies with it, and a local read at a
 * replica back empty answers from nothing. (Checked all the same, the
 * pairs left out are the ones that broke: docs/state.md, "Simulator".)
 */
static bool
pair_holds(const struct sim *s, unsigned lw, unsigned lr)
{
	if (s->o.crash_pct > 0 && (level_count(s, lw) < 2 ||
			lr == STATE_LEVEL_LOCAL))
		return false;
	return level_count(s, lw) + level_count(s, lr) > s->r;
}

/* Whether adds acknowledged at lw must survive to the end. */
static bool
level_durable(const struct sim *s, unsigned lw)
{
	return s->o.crash_pct == 0 || level_count(s, lw) >= 2;
}

/* Check 3: a read against the adds acknowledged before it. */
void
check_read(struct sim *s, const struct op *op)
{
	const char *key = sim_objs[op->obj].key;
	bool checked = false;

	for (unsigned lw = STATE_LEVEL_LOCAL; lw <= STATE_LEVEL_ALL; lw++) {
		if (!pair_holds(s, lw, op->level))
			continue;
		checked = true;
		if (op->value < (int64_t)op->acked[lw])
			fail(s, op->coord, "read of %s at %s (issued t=%"
					PRIu64 ") answered %" PRId64 ", below "
					"the %" PRIu64 " acknowledged at %s "
					"before it", key,
					state_level_name(op->level),
					op->t_issued, op->value,
					op->acked[lw], state_level_name(lw));
	}
	if (op->value < 0 || (uint64_t)op->value > s->issued[op->obj])
		fail(s, op->coord, "read of %s answered %" PRId64 ", above "
				"the %" PRIu64 " issued", key, op->value,
				s->issued[op->obj]);
	s->st.checked += checked;
}

/* ---- the end ---- */

/* Check 1: every replica caught up, holding what replica 1 holds. */
bool
check_converged(struct sim *s)
{
	static uint8_t other[1u << 16];
	const struct state_store *a = &s->rep[0].st;
	const uint64_t before = s->c.failures;

	for (uint32_t i = 0; i < s->r; i++)
		if (!s->c.up[i] || !s->rep[i].healthy)
			fail(s, i, "never caught up after the heal");
	for (uint32_t i = 1; i < s->r; i++) {
		const struct state_store *b = &s->rep[i].st;

		if (b->n != a->n)
			fail(s, i, "holds %u objects, replica 1 %u", b->n,
					a->n);
		for (uint32_t k = 0; k < a->n; k++) {
			const struct state_obj *o = &a->obj[k];
			size_t la = 0, lb = 0;

			if (state_store_digest(o) != state_store_digest_of(b,
					o->kind, o->key, o->key_len))
				fail(s, i, "digest of %s %.*s differs from "
						"replica 1's",
						state_kind_name(o->kind),
						(int)o->key_len, o->key);
			if (state_store_encode(a, o->kind, o->key, o->key_len,
					s->enc, sizeof(s->enc), &la) !=
					CRDT_OK || state_store_encode(b,
					o->kind, o->key, o->key_len, other,
					sizeof(other), &lb) != CRDT_OK ||
					la != lb || memcmp(s->enc, other,
					la) != 0)
				fail(s, i, "state of %s %.*s differs from "
						"replica 1's",
						state_kind_name(o->kind),
						(int)o->key_len, o->key);
		}
	}
	return s->c.failures == before;
}

/* Check 2: no acknowledged add lost, none counted twice. */
void
check_counters(struct sim *s)
{
	for (uint32_t x = 0; x < COUNTERS; x++) {
		uint64_t lo = 0;
		int64_t v;

		for (unsigned l = STATE_LEVEL_LOCAL; l <= STATE_LEVEL_ALL; l++)
			if (level_durable(s, l))
				lo += s->acked[l][x];
		if (state_store_counter_value(&s->rep[0].st,
				(const uint8_t *)sim_objs[x].key,
				strlen(sim_objs[x].key), &v) != CRDT_OK)
			fail(s, 0, "value of %s out of range", sim_objs[x].key);
		else if (v < (int64_t)lo || (uint64_t)v > s->issued[x])
			fail(s, 0, "%s ends at %" PRId64 ", outside %" PRIu64
					" acknowledged .. %" PRIu64 " issued",
					sim_objs[x].key, v, lo, s->issued[x]);
	}
}
