/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-ringlab: measures ways of building the ring table, so that the
 * one in lib/core/ring.c is chosen from figures rather than taste.
 *
 * Every candidate fills a table of slots with owner ids, which is what the
 * fast path reads, so all of them keep the one-load lookup. For each
 * member count and weight mix the lab reports, per candidate:
 *
 *   - peak/mean: the largest share of the hash space a member owns over
 *     the share its weight entitles it to (1.0 is perfect);
 *   - leave: the fraction of the hash space that changes owner when one
 *     member leaves, over the ideal (its own share), mean and worst over
 *     several members;
 *   - join: the same when one new member joins (ideal: its new share);
 *   - build: milliseconds to build the table.
 *
 * Shares and movement are exact (counted over slots, whose hash ranges
 * are known), not sampled from channel names. The candidate "rumor" is
 * the library's own ring_table_build().
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "rumor/ring.h"
#include "rumor/sort.h"

#define TOPK 8			/* Ranked candidates kept per slot. */

struct lab_params {
	uint32_t per_member;	/* Slots per member, at least. */
	uint32_t vnodes;	/* Ring points per unit of weight. */
	double eps;		/* Load cap: (1 + eps) times the share. */
};

struct lab_table {
	uint32_t size;
	uint32_t *slot;		/* Owner id per slot. */
};

typedef void (*lab_build_fn)(struct lab_table *t,
		const struct ring_member *m, uint32_t n,
		const struct lab_params *p);

/* ---- Shared helpers. ---- */

static uint64_t
id_hash(uint32_t id, uint64_t seed)
{
	uint8_t b[4] = { id >> 24, id >> 16, id >> 8, id };

	return XXH3_64bits_withSeed(b, sizeof(b), seed);
}

/* The first prime above the power-of-two class of per_member * n. */
static uint32_t
class_size(uint32_t n, uint32_t per_member)
{
	uint64_t want = (uint64_t)n * per_member;
	uint32_t s = 1u << 16;

	while (s < want && s < (1u << 24))
		s <<= 1;
	return ring_prime_above(s);
}

/* Members sorted by id: every candidate starts from the same order. */
static struct ring_member *
sorted_copy(const struct ring_member *m, uint32_t n)
{
	struct ring_member *s = malloc(n * sizeof(*s));

	if (s == NULL)
		abort();
	memcpy(s, m, n * sizeof(*s));
	qsort(s, n, sizeof(*s), ring_member_cmp);
	return s;
}

/* Load caps: ceil((1 + eps) * size * weight / total weight). */
static uint32_t *
caps_new(const struct ring_member *m, uint32_t n, uint32_t size, double eps)
{
	uint32_t *cap = malloc(n * sizeof(*cap));
	double w = (double)ring_weight_sum(m, n);

	if (cap == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++)
		cap[i] = (uint32_t)ceil((1 + eps) * size * m[i].weight / w);
	return cap;
}

/* ---- The library's own table. ---- */

static void
build_rumor(struct lab_table *t, const struct ring_member *m, uint32_t n,
		const struct lab_params *p)
{
	uint32_t size = ring_table_slots(m, n);
	struct ring_table *r = malloc(ring_table_bytes(size));

	(void)p;
	if (r == NULL || ring_table_build(r, m, n, 1) < 0)
		abort();
	t->size = r->size;
	t->slot = malloc(size * sizeof(*t->slot));
	if (t->slot == NULL)
		abort();
	memcpy(t->slot, r->slot, size * sizeof(*t->slot));
	free(r);
}

/* ---- Maglev (today's ring.c), at any table size. ---- */

static void
build_maglev(struct lab_table *t, const struct ring_member *in, uint32_t n,
		const struct lab_params *p)
{
	struct ring_member *m = sorted_copy(in, n);
	uint64_t *off = malloc(n * sizeof(*off)), *skip = malloc(n * 8);
	uint64_t *next = calloc(n, 8), *credit = calloc(n, 8);
	uint32_t size = class_size(n, p->per_member), filled = 0, wmax = 0;

	if (off == NULL || skip == NULL || next == NULL || credit == NULL)
		abort();
	t->size = size;
	t->slot = calloc(size, sizeof(*t->slot));
	if (t->slot == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		off[i] = id_hash(m[i].id, 0x72756d6f726f6666ull) % size;
		skip[i] = id_hash(m[i].id, 0x72756d6f72736b70ull) %
				(size - 1) + 1;
		if (m[i].weight > wmax)
			wmax = m[i].weight;
	}
	while (filled < size) {
		for (uint32_t i = 0; i < n && filled < size; i++) {
			credit[i] += (uint64_t)m[i].weight * 1000 / wmax;
			while (credit[i] >= 1000 && filled < size) {
				uint64_t c;

				do {
					c = (off[i] + next[i]++ * skip[i]) %
							size;
				} while (t->slot[c] != 0);
				t->slot[c] = m[i].id;
				filled++;
				credit[i] -= 1000;
			}
		}
	}
	free(m);
	free(off);
	free(skip);
	free(next);
	free(credit);
}

/* ---- Weighted rendezvous ranking of the members, per slot. ---- */

/*
 * Weighted rendezvous: slot s ranks member i by -ln(u) / w, u uniform in
 * (0, 1) from a hash of both; the smallest key is the first choice, and a
 * member of weight w is first in a w / W share of the slots.
 */
static double
hrw_key(uint64_t member_hash, uint64_t slot_hash, uint32_t weight)
{
	uint64_t h = ring_mix64(member_hash ^ slot_hash);
	double u = ((double)(h >> 11) + 0.5) * 0x1p-53;

	return -log(u) / weight;
}

struct cand {
	double key;
	uint32_t idx;		/* Index into the sorted members. */
};

struct hrw {
	uint32_t size, n;
	const struct ring_member *m;
	uint64_t *mh;		/* Member hashes. */
	struct cand *top;	/* TOPK best candidates per slot. */
	uint32_t *ntop;
};

static uint64_t
slot_hash(uint32_t s)
{
	return ring_mix64(s + 0x9e3779b97f4a7c15ull);
}

/* Rank the members for slot s, keeping the k best in out (sorted). */
static uint32_t
hrw_rank(const struct hrw *h, uint32_t s, struct cand *out, uint32_t k)
{
	uint64_t sh = slot_hash(s);
	uint32_t got = 0;

	for (uint32_t i = 0; i < h->n; i++) {
		uint64_t x = ring_mix64(h->mh[i] ^ sh);
		double lb = 1 - ((double)(x >> 11) + 0.5) * 0x1p-53;
		double key;
		uint32_t j;

		/* -ln(u) >= 1 - u: skip the logarithm when it cannot rank. */
		if (got == k && lb / h->m[i].weight >= out[k - 1].key)
			continue;
		key = hrw_key(h->mh[i], sh, h->m[i].weight);
		if (got == k && key >= out[k - 1].key)
			continue;
		j = got < k ? got++ : k - 1;
		while (j > 0 && out[j - 1].key > key) {
			out[j] = out[j - 1];
			j--;
		}
		out[j].key = key;
		out[j].idx = i;
	}
	return got;
}

static void
hrw_init(struct hrw *h, const struct ring_member *m, uint32_t n,
		uint32_t size)
{
	h->size = size;
	h->n = n;
	h->m = m;
	h->mh = malloc(n * sizeof(*h->mh));
	h->top = malloc((size_t)size * TOPK * sizeof(*h->top));
	h->ntop = malloc(size * sizeof(*h->ntop));
	if (h->mh == NULL || h->top == NULL || h->ntop == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++)
		h->mh[i] = id_hash(m[i].id, 0x72756d6f72687277ull);
	for (uint32_t s = 0; s < size; s++)
		h->ntop[s] = hrw_rank(h, s, h->top + (size_t)s * TOPK, TOPK);
}

static void
hrw_fini(struct hrw *h)
{
	free(h->mh);
	free(h->top);
	free(h->ntop);
}

/*
 * The r-th choice of slot s. Past the kept candidates the full ranking is
 * computed again (rare: all TOPK were full).
 */
static struct cand
hrw_choice(const struct hrw *h, uint32_t s, uint32_t r)
{
	struct cand *all;
	struct cand c;

	if (r < h->ntop[s])
		return h->top[(size_t)s * TOPK + r];
	all = malloc(h->n * sizeof(*all));
	if (all == NULL)
		abort();
	hrw_rank(h, s, all, h->n);
	c = all[r];
	free(all);
	return c;
}

/* Plain weighted rendezvous: every slot to its first choice. */
static void
build_hrw(struct lab_table *t, const struct ring_member *in, uint32_t n,
		const struct lab_params *p)
{
	struct ring_member *m = sorted_copy(in, n);
	struct hrw h;

	t->size = class_size(n, p->per_member);
	t->slot = malloc(t->size * sizeof(*t->slot));
	if (t->slot == NULL)
		abort();
	hrw_init(&h, m, n, t->size);
	for (uint32_t s = 0; s < t->size; s++)
		t->slot[s] = m[h.top[(size_t)s * TOPK].idx].id;
	hrw_fini(&h);
	free(m);
}

/*
 * Rendezvous with bounded loads, greedy: slots in index order each take
 * their highest-ranked member still under its cap.
 */
static void
build_hrw_greedy(struct lab_table *t, const struct ring_member *in,
		uint32_t n, const struct lab_params *p)
{
	struct ring_member *m = sorted_copy(in, n);
	uint32_t *cap, *load = calloc(n, sizeof(*load));
	struct hrw h;

	t->size = class_size(n, p->per_member);
	t->slot = malloc(t->size * sizeof(*t->slot));
	if (t->slot == NULL || load == NULL)
		abort();
	cap = caps_new(m, n, t->size, p->eps);
	hrw_init(&h, m, n, t->size);
	for (uint32_t s = 0; s < t->size; s++) {
		struct cand c;

		for (uint32_t r = 0;; r++) {
			c = hrw_choice(&h, s, r);
			if (load[c.idx] < cap[c.idx])
				break;
		}
		load[c.idx]++;
		t->slot[s] = m[c.idx].id;
	}
	hrw_fini(&h);
	free(cap);
	free(load);
	free(m);
}

/*
 * Stable matching between slots and capped members (deferred
 * acceptance, slots proposing): the result does not depend on the order
 * proposals are made in. A member holding its cap keeps the slots it
 * prefers; with rank_first it prefers slots that rank it higher, then
 * smaller keys, otherwise smaller keys only.
 */
/*
 * The heap of held slots is the library's (struct ring_held): dist is
 * the bits of a non-negative double, which order as the double does.
 */
static uint64_t
held_dist(double bad)
{
	uint64_t d;

	memcpy(&d, &bad, sizeof(d));
	return d;
}

/* Room for the slots each member holds: its cap, and one over. */
static struct ring_held **
held_new(const uint32_t *cap, uint32_t n)
{
	struct ring_held **held = calloc(n, sizeof(*held));

	if (held == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		held[i] = malloc((cap[i] + 1) * sizeof(**held));
		if (held[i] == NULL)
			abort();
	}
	return held;
}

/* The table from what each member holds; held is freed. */
static void
held_fill(struct lab_table *t, struct ring_held **held,
		const uint32_t *load, const struct ring_member *m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < load[i]; j++)
			t->slot[held[i][j].slot] = m[i].id;
		free(held[i]);
	}
	free(held);
}

static void
build_hrw_stable(struct lab_table *t, const struct ring_member *in,
		uint32_t n, const struct lab_params *p, bool rank_first)
{
	struct ring_member *m = sorted_copy(in, n);
	uint32_t *cap, *load = calloc(n, sizeof(*load)), *next, *stack;
	struct ring_held **held;
	uint32_t sp = 0;
	struct hrw h;

	t->size = class_size(n, p->per_member);
	t->slot = malloc(t->size * sizeof(*t->slot));
	next = calloc(t->size, sizeof(*next));
	stack = malloc(t->size * sizeof(*stack));
	if (t->slot == NULL || load == NULL || next == NULL || stack == NULL)
		abort();
	cap = caps_new(m, n, t->size, p->eps);
	held = held_new(cap, n);
	hrw_init(&h, m, n, t->size);
	for (uint32_t s = t->size; s > 0; s--)
		stack[sp++] = s - 1;
	while (sp > 0) {
		uint32_t s = stack[--sp], r = next[s]++;
		struct cand c = hrw_choice(&h, s, r);
		uint32_t out = ring_held_take(held[c.idx], &load[c.idx],
				cap[c.idx], held_dist(rank_first ?
				r * 1e9 + c.key : c.key), s);

		/* Over its cap: the least preferred slot moves on. */
		if (out != UINT32_MAX)
			stack[sp++] = out;
	}
	held_fill(t, held, load, m, n);
	hrw_fini(&h);
	free(cap);
	free(load);
	free(next);
	free(stack);
	free(m);
}

static void
build_hrw_stable_key(struct lab_table *t, const struct ring_member *m,
		uint32_t n, const struct lab_params *p)
{
	build_hrw_stable(t, m, n, p, false);
}

static void
build_hrw_stable_rank(struct lab_table *t, const struct ring_member *m,
		uint32_t n, const struct lab_params *p)
{
	build_hrw_stable(t, m, n, p, true);
}

/* ---- A ring of points (vnodes), with and without bounded loads. ---- */

struct point {
	uint64_t pos;
	uint32_t idx;
};

static int
point_cmp(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->pos != y->pos)
		return (x->pos > y->pos) - (x->pos < y->pos);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* vnodes points per unit of weight of each member, sorted; *np of them. */
static struct point *
points_new(const struct ring_member *m, uint32_t n, uint32_t vnodes,
		uint64_t *np)
{
	struct point *pt;
	uint64_t k = 0;

	*np = 0;
	for (uint32_t i = 0; i < n; i++)
		*np += (uint64_t)m[i].weight * vnodes;
	pt = malloc(*np * sizeof(*pt));
	if (pt == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = id_hash(m[i].id, 0x72756d6f72766e64ull);

		for (uint32_t j = 0; j < m[i].weight * vnodes; j++) {
			pt[k].pos = ring_mix64(h + j * 0x9e3779b97f4a7c15ull);
			pt[k++].idx = i;
		}
	}
	qsort(pt, *np, sizeof(*pt), point_cmp);
	return pt;
}

/* The middle of slot s of size on the ring, where it starts to look. */
static uint64_t
slot_mid(uint32_t s, uint32_t size)
{
	return (uint64_t)((((unsigned __int128)s << 64) +
			((unsigned __int128)1 << 63)) / size);
}

/*
 * Each slot starts at the first point clockwise of its middle and, with
 * bounded loads (eps > 0), walks on past members at their cap (slots in
 * index order).
 */
static void
build_ring(struct lab_table *t, const struct ring_member *in, uint32_t n,
		const struct lab_params *p, bool bounded)
{
	struct ring_member *m = sorted_copy(in, n);
	uint64_t np;
	struct point *pt = points_new(m, n, p->vnodes, &np);
	uint32_t *cap = NULL, *load = calloc(n, sizeof(*load));

	t->size = class_size(n, p->per_member);
	t->slot = malloc(t->size * sizeof(*t->slot));
	if (t->slot == NULL || load == NULL)
		abort();
	if (bounded)
		cap = caps_new(m, n, t->size, p->eps);
	for (uint32_t s = 0, j = 0; s < t->size; s++) {
		uint64_t mid = slot_mid(s, t->size);
		uint64_t w;

		while (j < np && pt[j].pos < mid)
			j++;
		w = j % np;
		while (bounded && load[pt[w].idx] >= cap[pt[w].idx])
			w = (w + 1) % np;
		load[pt[w].idx]++;
		t->slot[s] = m[pt[w].idx].id;
	}
	free(pt);
	free(cap);
	free(load);
	free(m);
}

static void
build_vnodes(struct lab_table *t, const struct ring_member *m, uint32_t n,
		const struct lab_params *p)
{
	build_ring(t, m, n, p, false);
}

static void
build_chbl(struct lab_table *t, const struct ring_member *m, uint32_t n,
		const struct lab_params *p)
{
	build_ring(t, m, n, p, true);
}

/*
 * Bounded loads over the ring as a stable matching: each slot proposes to
 * the distinct members of the points clockwise of its middle, in order; a
 * member at its cap keeps the slots nearest (counter-clockwise) to its
 * points.
 */
static void
build_ring_stable(struct lab_table *t, const struct ring_member *in,
		uint32_t n, const struct lab_params *p)
{
	struct ring_member *m = sorted_copy(in, n);
	uint64_t np;
	struct point *pt = points_new(m, n, p->vnodes, &np);
	uint32_t *cap, *load = calloc(n, sizeof(*load)), *stack, sp = 0;
	uint32_t *first, *at;
	struct ring_held **held;

	t->size = class_size(n, p->per_member);
	t->slot = malloc(t->size * sizeof(*t->slot));
	first = malloc(t->size * sizeof(*first));
	at = malloc(t->size * sizeof(*at));
	stack = malloc(t->size * sizeof(*stack));
	if (t->slot == NULL || load == NULL || first == NULL || at == NULL ||
			stack == NULL)
		abort();
	cap = caps_new(m, n, t->size, p->eps);
	held = held_new(cap, n);
	for (uint32_t s = 0, j = 0; s < t->size; s++) {
		uint64_t mid = slot_mid(s, t->size);

		while (j < np && pt[j].pos < mid)
			j++;
		first[s] = (uint32_t)(j % np);
		at[s] = first[s];
	}
	for (uint32_t s = t->size; s > 0; s--)
		stack[sp++] = s - 1;
	while (sp > 0) {
		uint32_t s = stack[--sp], w, y, out;
		bool seen;

		/* The next point whose member this slot has not tried. */
		do {
			w = at[s];
			at[s] = (uint32_t)((at[s] + 1) % np);
			y = pt[w].idx;
			seen = false;
			for (uint32_t q = first[s]; q != w && !seen;
					q = (uint32_t)((q + 1) % np))
				seen = pt[q].idx == y;
		} while (seen);
		out = ring_held_take(held[y], &load[y], cap[y],
				held_dist((double)(pt[w].pos -
				slot_mid(s, t->size))), s);
		if (out != UINT32_MAX)
			stack[sp++] = out;
	}
	held_fill(t, held, load, m, n);
	free(pt);
	free(cap);
	free(load);
	free(first);
	free(at);
	free(stack);
	free(m);
}

/* ---- Measurement. ---- */

static uint64_t
rng(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return ring_mix64(*state);
}

/* Fraction of the hash space whose owner differs between a and b. */
static double
moved_fraction(const struct lab_table *a, const struct lab_table *b)
{
	return ring_moved_fraction(a->slot, a->size, b->slot, b->size);
}

/* Largest owned share over entitled share, over all members. */
static double
peak_over_mean(const struct lab_table *t, const struct ring_member *m,
		uint32_t n)
{
	uint32_t *ids = malloc(t->size * sizeof(*ids));
	struct ring_member *s = sorted_copy(m, n);
	double w = (double)ring_weight_sum(m, n), peak = 0;

	if (ids == NULL)
		abort();
	memcpy(ids, t->slot, t->size * sizeof(*ids));
	qsort(ids, t->size, sizeof(*ids), rumor_cmp_u32);
	for (uint32_t i = 0, k = 0; i < n; i++) {
		uint32_t c = 0;
		double r;

		while (k < t->size && ids[k] < s[i].id)
			k++;
		while (k < t->size && ids[k] == s[i].id) {
			c++;
			k++;
		}
		r = c / (t->size * s[i].weight / w);
		if (r > peak)
			peak = r;
	}
	free(ids);
	free(s);
	return peak;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct candidate {
	const char *name;
	lab_build_fn build;
};

static const struct candidate candidates[] = {
	{ "maglev", build_maglev },
	{ "hrw", build_hrw },
	{ "vnodes", build_vnodes },
	{ "chbl", build_chbl },
	{ "hrw-greedy", build_hrw_greedy },
	{ "hrw-stable", build_hrw_stable_key },
	{ "hrw-stable-rank", build_hrw_stable_rank },
	{ "ring-stable", build_ring_stable },
	{ "rumor", build_rumor },
};

/* n distinct random ids; weights 1, or 1 to 4 when mixed. */
static void
members_random(struct ring_member *m, uint32_t n, bool mixed,
		uint64_t *seed)
{
	for (uint32_t i = 0; i < n; i++) {
		bool dup;

		do {
			m[i].id = (uint32_t)rng(seed) | 1;
			dup = false;
			for (uint32_t j = 0; j < i && !dup; j++)
				dup = m[j].id == m[i].id;
		} while (dup);
		m[i].weight = mixed ? 1 + (uint32_t)(rng(seed) % 4) : 1;
	}
}

static void
measure(const struct candidate *c, uint32_t n, bool mixed, unsigned reps,
		const struct lab_params *p, uint64_t seed)
{
	struct ring_member *m = malloc((n + 1) * sizeof(*m));
	struct ring_member *r = malloc(n * sizeof(*r));
	struct lab_table base, u;
	double t0, ms, pm, sum = 0, worst = 0, join;
	double w;

	if (m == NULL || r == NULL)
		abort();
	members_random(m, n + 1, mixed, &seed);
	w = (double)ring_weight_sum(m, n);
	t0 = now_ms();
	c->build(&base, m, n, p);
	ms = now_ms() - t0;
	pm = peak_over_mean(&base, m, n);
	for (unsigned k = 0; k < reps; k++) {
		uint32_t gone = (uint32_t)(rng(&seed) % n);
		double f;

		memcpy(r, m, gone * sizeof(*r));
		memcpy(r + gone, m + gone + 1, (n - 1 - gone) * sizeof(*r));
		c->build(&u, r, n - 1, p);
		f = moved_fraction(&base, &u) / (m[gone].weight / w);
		sum += f;
		if (f > worst)
			worst = f;
		free(u.slot);
	}
	c->build(&u, m, n + 1, p);
	join = moved_fraction(&base, &u) /
			(m[n].weight / (w + m[n].weight));
	free(u.slot);
	printf("%-16s %-5s N=%-5u slots=%-8u peak/mean %.4f  leave %.3f "
			"(worst %.3f)  join %.3f  build %.1f ms\n", c->name,
			mixed ? "mixed" : "equal", n, base.size, pm,
			sum / reps, worst, join, ms);
	fflush(stdout);
	free(base.slot);
	free(m);
	free(r);
}

static void
usage(void)
{
	fprintf(stderr,
"usage: rumor-ringlab [-a name[,name...]] [-n N[,N...]] [-w equal|mixed|both]\n"
"                     [-k slots-per-member] [-v vnodes] [-e eps] [-r reps]\n"
"                     [-s seed]\n"
"Candidates: maglev hrw vnodes chbl hrw-greedy hrw-stable hrw-stable-rank\n"
"ring-stable rumor (the library's table). Defaults: -a rumor -n 10,30,100,300,1000\n"
"-w both -k 64 -v 100 -e 0.03 -r 5 -s 1.\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct lab_params p = { .per_member = 64, .vnodes = 100, .eps = 0.03 };
	char algs[256] = "rumor", *ns = "10,30,100,300,1000", *wm = "both";
	unsigned reps = 5;
	uint64_t seed = 1;
	int opt;

	while ((opt = getopt(argc, argv, "a:n:w:k:v:e:r:s:h")) != -1) {
		switch (opt) {
		case 'a':
			snprintf(algs, sizeof(algs), "%s", optarg);
			break;
		case 'n':
			ns = optarg;
			break;
		case 'w':
			wm = optarg;
			break;
		case 'k':
			p.per_member = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'v':
			p.vnodes = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'e':
			p.eps = strtod(optarg, NULL);
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (reps == 0 || p.per_member == 0 || p.vnodes == 0 || p.eps < 0)
		usage();
	for (char *a = strtok(algs, ","); a != NULL; a = strtok(NULL, ",")) {
		const struct candidate *c = NULL;
		char nbuf[256], *save;

		for (size_t i = 0; i < sizeof(candidates) /
				sizeof(candidates[0]); i++)
			if (strcmp(candidates[i].name, a) == 0)
				c = &candidates[i];
		if (c == NULL)
			usage();
		snprintf(nbuf, sizeof(nbuf), "%s", ns);
		for (char *x = strtok_r(nbuf, ",", &save); x != NULL;
				x = strtok_r(NULL, ",", &save)) {
			uint32_t n = (uint32_t)strtoul(x, NULL, 0);

			if (n < 2 || n > RING_MEMBERS_MAX)
				usage();
			if (strcmp(wm, "mixed") != 0)
				measure(c, n, false, reps, &p, seed + n);
			if (strcmp(wm, "equal") != 0)
				measure(c, n, true, reps, &p, seed + n);
		}
	}
	return 0;
}
