/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model of rumor-state-sim (state_sim.c says what it models and
 * why): R replicas, each a state_store, the coordinator of the clients'
 * writes and reads, anti-entropy by digests, clients that give up, and
 * the faults: loss, duplication, delay, partitions, crashes with
 * amnesia. The checks it calls are state_sim.c's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_sim.h"

#define OBJ_REGISTER 4u
#define OBJ_MAP 5u
#define FIELDS 4u		/* The map's fields, f0 .. f3. */
#define AE_MS 100u		/* Anti-entropy: each replica, each peer. */
#define FAULT_MS 500u		/* A crash or a partition may strike. */
#define TIMEOUT_MS 500u		/* A client gives an operation up. */
#define CUT_MIN_MS 100u
#define CUT_MAX_MS 1000u
#define RESTART_MAX_MS 800u
#define OBJECTS_MAX 256u	/* A store's max_objects. */
#define SCRATCH_ID 4095u	/* A read's scratch store: it never writes. */
#define WALL_BASE_MS UINT64_C(1767225600000)	/* 2026-01-01 UTC. */
#define CHANNEL "chan"
#define NONE UINT32_MAX

const struct sim_obj sim_objs[] = {
	{ STATE_KIND_COUNTER, "c0" }, { STATE_KIND_COUNTER, "c1" },
	{ STATE_KIND_COUNTER, "c2" }, { STATE_KIND_COUNTER, "c3" },
	{ STATE_KIND_REGISTER, "r" }, { STATE_KIND_MAP, "m" },
};

enum ev_type {
	EV_MSG,
	EV_CLIENT,		/* Client node - R issues its next operation. */
	EV_GIVE_UP,		/* Operation node's timeout. */
	EV_AE,			/* Replica node's anti-entropy round. */
	EV_CRASH_TICK,
	EV_RESTART,
	EV_CUT_TICK,
	EV_CUT_HEAL,
};

enum msg_type {
	M_WRITE,		/* Client -> coordinator (STATE_WRITE). */
	M_READ,			/* Client -> coordinator (STATE_READ). */
	M_REPLY,		/* Coordinator -> client (STATE_REPLY). */
	M_DELTA,		/* A write's delta (STATE_DELTA). */
	M_DELTA_ACK,		/* Merged: no such message on the wire yet. */
	M_FETCH,		/* A read asks a replica's whole state. */
	M_FETCHED,		/* Its answer. */
	M_DIGEST,		/* Anti-entropy (STATE_DIGEST). */
	M_STATE,		/* Its answer: a whole state (STATE_DELTA). */
	M_END,			/* The answer's end: how many states. */
};

/* A message; its key, then its body (an encoding or digest entries). */
struct msg {
	uint8_t type;
	uint8_t kind;
	uint8_t level;		/* REPLY: the level met. */
	uint8_t healthy;	/* FETCHED, END: the sender has caught up. */
	uint8_t idx;		/* STATE: its place among its round's. */
	uint8_t count;		/* DIGEST: entries; END: states sent. */
	uint16_t key_len;
	uint32_t op;		/* The client's operation. */
	uint32_t round;		/* DIGEST, STATE, END: the digest's round. */
	uint32_t body_len;
	int64_t value;		/* REPLY: a read's value. */
};

/* A digest's entry, as STATE_DIGEST's. */
struct dent {
	uint64_t key_hash;
	uint64_t digest;
	uint64_t kind;
};

/* ---- the model's small parts ---- */

static uint64_t
wall(const struct sim *s)
{
	return WALL_BASE_MS + s->c.now;
}

static const uint8_t *
okey(uint32_t x)
{
	return (const uint8_t *)sim_objs[x].key;
}

static size_t
okey_len(uint32_t x)
{
	return strlen(sim_objs[x].key);
}

static uint32_t
bits(uint64_t x)
{
	return (uint32_t)__builtin_popcountll(x);
}

/*
 * Peers a replica back empty catches up from before it counts again: a
 * write acknowledged at quorum is held by a majority, of which it may
 * have been one, so by a majority less one of the others; any R -
 * majority + 1 of them include one.
 */
static uint32_t
catch_need(const struct sim *s)
{
	return s->r > 1 ? s->r - majority(s) + 1 : 0;
}

static void
at(struct sim *s, uint64_t t, uint8_t type, uint32_t node)
{
	sim_push(&s->c, (struct sim_event){ .t = t, .type = type,
			.node = node, .life = type == EV_AE ?
			s->c.life[node] : 0 });
}

/* Whether a state of len bytes under key_len fits one STATE_DELTA. */
static bool
fits(struct sim *s, uint32_t node, size_t key_len, size_t len)
{
	if (len > s->max_state)
		s->max_state = len;
	if (STATE_DELTA_LEN + key_len + len <=
			state_part_max(sizeof(CHANNEL) - 1))
		return true;
	fail(s, node, "a state of %zu bytes: over one datagram", len);
	return false;
}

/*
 * Send m with its key and body. The partition cuts replicas from each
 * other, not clients from them: an owner cut off still takes writes,
 * which time out at quorum and diverge at local until the heal.
 */
static void
send_msg(struct sim *s, uint32_t from, uint32_t to, const struct msg *m,
		const void *key, const void *body)
{
	const size_t len = sizeof(*m) + m->key_len + m->body_len;
	const bool split = s->c.split;
	uint64_t t[2];
	unsigned n;

	if (from >= s->r || to >= s->r)
		s->c.split = false;
	n = sim_send(&s->c, from, to, t);
	s->c.split = split;
	s->st.msgs++;
	for (unsigned k = 0; k < n; k++) {
		uint8_t *buf = sim_realloc(NULL, len);

		memcpy(buf, m, sizeof(*m));
		if (m->key_len > 0)
			memcpy(buf + sizeof(*m), key, m->key_len);
		if (m->body_len > 0)
			memcpy(buf + sizeof(*m) + m->key_len, body,
					m->body_len);
		sim_push(&s->c, (struct sim_event){ .t = t[k],
				.type = EV_MSG, .node = to, .src = from,
				.len = (uint16_t)len, .buf = buf });
	}
}

/* ---- the coordinator ---- */

static void
reply(struct sim *s, uint32_t i, const struct op *op, uint32_t x,
		int64_t value)
{
	struct msg m = { .type = M_REPLY, .op = x, .level = op->level,
		.value = value };

	send_msg(s, i, s->r + op->client, &m, NULL, NULL);
}

/* Whether i takes op now (a duplicate in the same life it does not). */
static bool
take(struct sim *s, uint32_t i, struct op *op)
{
	if (op->state != OP_OPEN || (op->coord == i &&
			op->coord_life == s->c.life[i]))
		return false;
	op->coord = i;
	op->coord_life = s->c.life[i];
	op->holders = 1u << i;
	op->counted = 0;
	op->met = false;
	return true;
}

/* Whether op is still i's to answer, in this life. */
static bool
mine(const struct sim *s, uint32_t i, const struct op *op)
{
	return op->coord == i && op->coord_life == s->c.life[i] &&
			!op->met && op->state == OP_OPEN;
}

static void
write_progress(struct sim *s, uint32_t i, struct op *op, uint32_t x)
{
	if (op->met || bits(op->holders) < level_count(s, op->level))
		return;
	op->met = true;
	reply(s, i, op, x, 0);
}

static void
coord_write(struct sim *s, uint32_t i, uint32_t x)
{
	struct op *op = &s->ops[x];
	const uint8_t field[2] = { 'f', (uint8_t)('0' + op->field) };
	struct state_write_op w = { .kind = sim_objs[op->obj].kind,
		.key = okey(op->obj), .key_len = okey_len(op->obj) };
	struct msg m = { .type = M_DELTA, .kind = w.kind, .op = x };
	enum crdt_error e;
	size_t len;

	if (!take(s, i, op))
		return;
	if (w.kind == STATE_KIND_COUNTER) {
		w.op = STATE_OP_COUNTER_ADD;
		w.by = op->by;
	} else if (w.kind == STATE_KIND_REGISTER) {
		w.op = STATE_OP_REGISTER_SET;
		w.value = (const uint8_t *)&op->by;
		w.value_len = sizeof(op->by);
	} else {
		w.op = STATE_OP_MAP_INCR;
		w.field = field;
		w.field_len = sizeof(field);
		w.by = op->by;
	}
	e = state_store_write(&s->rep[i].st, &w, wall(s), s->enc,
			sizeof(s->enc), &len);
	if (e != CRDT_OK) {
		fail(s, i, "write of %s refused: %s", sim_objs[op->obj].key,
				crdt_error_name(e));
		return;
	}
	if (len > 0 && fits(s, i, w.key_len, len)) {
		m.key_len = (uint16_t)w.key_len;
		m.body_len = (uint32_t)len;
		for (uint32_t j = 0; j < s->r; j++)
			if (j != i)
				send_msg(s, i, j, &m, w.key, s->enc);
	}
	write_progress(s, i, op, x);
}

static void
read_answer(struct sim *s, uint32_t i, struct op *op, uint32_t x)
{
	int64_t v;
	enum crdt_error e = state_store_counter_value(op->scratch,
			okey(op->obj), okey_len(op->obj), &v);

	if (e != CRDT_OK)
		fail(s, i, "value of %s: %s", sim_objs[op->obj].key,
				crdt_error_name(e));
	op->met = true;
	reply(s, i, op, x, v);
}

/* Merge a state of op's object into its scratch store. */
static void
read_merge(struct sim *s, uint32_t i, struct op *op, const uint8_t *enc,
		size_t len)
{
	enum crdt_error e = state_store_merge(op->scratch,
			STATE_KIND_COUNTER, okey(op->obj), okey_len(op->obj),
			enc, len, wall(s), NULL);

	if (e != CRDT_OK)
		fail(s, i, "a read's merge of %s: %s", sim_objs[op->obj].key,
				crdt_error_name(e));
}

static void
scratch_free(struct op *op)
{
	if (op->scratch == NULL)
		return;
	state_store_free(op->scratch);
	free(op->scratch);
	op->scratch = NULL;
}

static void
coord_read(struct sim *s, uint32_t i, uint32_t x)
{
	struct op *op = &s->ops[x];
	struct msg m = { .type = M_FETCH, .kind = STATE_KIND_COUNTER,
		.op = x, .key_len = (uint16_t)okey_len(op->obj) };
	enum crdt_error e;
	size_t len;

	if (!take(s, i, op))
		return;
	scratch_free(op);
	op->scratch = sim_calloc(1, sizeof(*op->scratch));
	if (state_store_init(op->scratch, SCRATCH_ID, &s->limits,
			OBJECTS_MAX) != 0)
		abort();
	e = state_store_encode(&s->rep[i].st, STATE_KIND_COUNTER,
			okey(op->obj), okey_len(op->obj), s->enc,
			sizeof(s->enc), &len);
	if (e != CRDT_OK) {
		fail(s, i, "encoding %s: %s", sim_objs[op->obj].key,
				crdt_error_name(e));
		return;
	}
	read_merge(s, i, op, s->enc, len);
	op->counted = s->rep[i].healthy;
	/* The planted bug: quorum and all read the coordinator alone. */
	if (op->level == STATE_LEVEL_LOCAL || (s->o.bug_read_one &&
			op->level >= STATE_LEVEL_QUORUM) ||
			op->counted >= level_count(s, op->level)) {
		read_answer(s, i, op, x);
		return;
	}
	for (uint32_t j = 0; j < s->r; j++)
		if (j != i)
			send_msg(s, i, j, &m, okey(op->obj), NULL);
}

/* ---- replicas ---- */

static void
on_delta(struct sim *s, uint32_t i, uint32_t from, const struct msg *m,
		const uint8_t *key, const uint8_t *body)
{
	struct msg a = { .type = M_DELTA_ACK, .op = m->op };
	enum crdt_error e = state_store_merge(&s->rep[i].st, m->kind, key,
			m->key_len, body, m->body_len, wall(s), NULL);

	if (e != CRDT_OK) {
		fail(s, i, "merge of a delta from %u: %s", from + 1,
				crdt_error_name(e));
		return;
	}
	send_msg(s, i, from, &a, NULL, NULL);
}

static void
on_delta_ack(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct op *op = &s->ops[m->op];

	if (!mine(s, i, op))
		return;
	op->holders |= 1u << from;
	write_progress(s, i, op, m->op);
}

static void
on_fetch(struct sim *s, uint32_t i, uint32_t from, const struct msg *m,
		const uint8_t *key)
{
	struct msg a = { .type = M_FETCHED, .kind = m->kind, .op = m->op,
		.healthy = s->rep[i].healthy };
	size_t len;
	enum crdt_error e = state_store_encode(&s->rep[i].st, m->kind, key,
			m->key_len, s->enc, sizeof(s->enc), &len);

	if (e != CRDT_OK) {
		fail(s, i, "encoding for a read: %s", crdt_error_name(e));
		return;
	}
	if (!fits(s, i, m->key_len, len))
		return;
	a.body_len = (uint32_t)len;
	send_msg(s, i, from, &a, NULL, s->enc);
}

static void
on_fetched(struct sim *s, uint32_t i, uint32_t from, const struct msg *m,
		const uint8_t *body)
{
	struct op *op = &s->ops[m->op];

	if (!mine(s, i, op) || (op->holders & 1u << from) != 0)
		return;
	op->holders |= 1u << from;
	read_merge(s, i, op, body, m->body_len);
	op->counted += m->healthy;
	if (op->counted >= level_count(s, op->level))
		read_answer(s, i, op, m->op);
}

/* Every object i holds, by digest, to every other replica. */
static void
ae_round(struct sim *s, uint32_t i)
{
	struct replica *rp = &s->rep[i];
	struct dent d[STATE_DIGEST_ENTRIES_MAX];
	struct msg m = { .type = M_DIGEST, .round = ++rp->round };
	uint32_t n = rp->st.n;

	if (n > STATE_DIGEST_ENTRIES_MAX) {
		fail(s, i, "%u objects: more than one digest holds", n);
		n = STATE_DIGEST_ENTRIES_MAX;
	}
	memset(d, 0, sizeof(d));
	for (uint32_t k = 0; k < n; k++) {
		d[k].key_hash = rp->st.obj[k].key_hash;
		d[k].kind = rp->st.obj[k].kind;
		d[k].digest = state_store_digest(&rp->st.obj[k]);
	}
	m.count = (uint8_t)n;
	m.body_len = n * (uint32_t)sizeof(d[0]);
	for (uint32_t j = 0; j < s->r; j++)
		if (j != i)
			send_msg(s, i, j, &m, NULL, d);
}

/*
 * A digest from a peer: the whole state of every object that differs or
 * that the peer lacks, then the end. What the peer holds and i lacks,
 * i's own digest asks for the other way.
 */
static void
on_digest(struct sim *s, uint32_t i, uint32_t from, const struct msg *m,
		const uint8_t *body)
{
	const struct state_store *st = &s->rep[i].st;
	struct dent d[STATE_DIGEST_ENTRIES_MAX];
	struct msg a = { .type = M_STATE, .round = m->round };
	uint32_t n = m->count, sent = 0;

	if (n > STATE_DIGEST_ENTRIES_MAX)
		n = STATE_DIGEST_ENTRIES_MAX;
	memcpy(d, body, n * sizeof(d[0]));
	for (uint32_t k = 0; k < st->n && sent < STATE_DIGEST_ENTRIES_MAX;
			k++) {
		const struct state_obj *o = &st->obj[k];
		uint32_t e = 0;
		size_t len;

		while (e < n && (d[e].key_hash != o->key_hash ||
				d[e].kind != o->kind))
			e++;
		if (e < n && d[e].digest == state_store_digest(o))
			continue;
		if (state_store_encode(st, o->kind, o->key, o->key_len,
				s->enc, sizeof(s->enc), &len) != CRDT_OK) {
			fail(s, i, "encoding %s %.*s failed",
					state_kind_name(o->kind),
					(int)o->key_len, o->key);
			continue;
		}
		if (!fits(s, i, o->key_len, len))
			continue;
		a.kind = o->kind;
		a.idx = (uint8_t)sent++;
		a.key_len = o->key_len;
		a.body_len = (uint32_t)len;
		send_msg(s, i, from, &a, o->key, s->enc);
		s->st.repairs++;
	}
	a = (struct msg){ .type = M_END, .round = m->round,
		.count = (uint8_t)sent, .healthy = s->rep[i].healthy };
	send_msg(s, i, from, &a, NULL, NULL);
}

/*
 * A replica back empty has caught up from a peer once it merged every
 * state of one answer to a digest of its own life: it then holds all
 * the peer held when it answered.
 */
static void
track(struct sim *s, uint32_t i, uint32_t from, const struct msg *m)
{
	struct replica *rp = &s->rep[i];
	struct track *t = &rp->tr[from];

	if (rp->healthy || m->round <= rp->life_round || m->round < t->round)
		return;
	if (m->round > t->round)
		*t = (struct track){ .round = m->round, .count = -1 };
	if (m->type == M_STATE)
		t->got |= UINT64_C(1) << m->idx;
	else {
		t->count = m->count;
		t->healthy = m->healthy;
	}
	if (t->count < 0 || !t->healthy || t->got !=
			(UINT64_C(1) << t->count) - 1)
		return;
	rp->caught |= 1u << from;
	if (bits(rp->caught) < catch_need(s))
		return;
	rp->healthy = true;
	s->st.catchups++;
	if (s->o.verbose)
		fprintf(stderr, "%st=%" PRIu64 " replica %u caught up\n",
				s->c.who, s->c.now, i + 1);
}

static void
on_state(struct sim *s, uint32_t i, uint32_t from, const struct msg *m,
		const uint8_t *key, const uint8_t *body)
{
	enum crdt_error e = state_store_merge(&s->rep[i].st, m->kind, key,
			m->key_len, body, m->body_len, wall(s), NULL);

	if (e != CRDT_OK) {
		fail(s, i, "merge of a state from %u: %s", from + 1,
				crdt_error_name(e));
		return;
	}
	track(s, i, from, m);
}

/* ---- faults ---- */

static uint32_t
replica_id(const struct sim *s, uint32_t i, uint32_t life)
{
	return s->o.same_id ? i + 1 : i + 1 + s->r * life;
}

static void
crash(struct sim *s, uint32_t i)
{
	struct replica *rp = &s->rep[i];

	sim_crash(&s->c, i);
	state_store_free(&rp->st);
	rp->healthy = false;
	s->st.crashes++;
	at(s, s->c.now + sim_range(&s->c, RESTART_MIN_MS, RESTART_MAX_MS),
			EV_RESTART, i);
	if (s->o.verbose)
		fprintf(stderr, "%st=%" PRIu64 " replica %u crashed\n",
				s->c.who, s->c.now, i + 1);
}

static void
restart(struct sim *s, uint32_t i)
{
	struct replica *rp = &s->rep[i];

	if (s->c.up[i])
		return;
	sim_up(&s->c, i);
	if (state_store_init(&rp->st, replica_id(s, i, s->c.life[i]),
			&s->limits, OBJECTS_MAX) != 0)
		abort();
	rp->healthy = s->o.count_recovering || catch_need(s) == 0;
	rp->caught = 0;
	rp->life_round = rp->round;
	memset(rp->tr, 0, sizeof(rp->tr));
	at(s, s->c.now + sim_range(&s->c, 1, AE_MS), EV_AE, i);
	if (s->o.verbose)
		fprintf(stderr, "%st=%" PRIu64 " replica %u back empty as "
				"id %u\n", s->c.who, s->c.now, i + 1,
				rp->st.replica);
}

/* One replica at a time down or catching up; ids within the limits. */
static void
crash_tick(struct sim *s)
{
	uint32_t cand[REPLICAS_MAX], n = 0;

	if (!s->faulty)
		return;
	at(s, s->c.now + FAULT_MS, EV_CRASH_TICK, 0);
	if (sim_below(&s->c, 100) >= s->o.crash_pct)
		return;
	for (uint32_t i = 0; i < s->r; i++) {
		bool others_ok = true;

		for (uint32_t j = 0; j < s->r; j++)
			if (j != i && (!s->c.up[j] || !s->rep[j].healthy))
				others_ok = false;
		if (others_ok && s->c.up[i] && replica_id(s, i,
				s->c.life[i] + 1) <= s->limits.replicas)
			cand[n++] = i;
	}
	if (n > 0)
		crash(s, cand[sim_below(&s->c, n)]);
}

static void
cut_tick(struct sim *s)
{
	uint32_t v;

	if (!s->faulty)
		return;
	at(s, s->c.now + FAULT_MS, EV_CUT_TICK, 0);
	if (s->c.split || s->r < 2 ||
			sim_below(&s->c, 100) >= s->o.partition_pct)
		return;
	v = (uint32_t)sim_below(&s->c, s->r);
	memset(s->c.side, 0, s->c.n);
	s->c.side[v] = 1;
	s->c.split = true;
	s->st.partitions++;
	at(s, s->c.now + sim_range(&s->c, CUT_MIN_MS, CUT_MAX_MS),
			EV_CUT_HEAL, v);
}

static void
cut_heal(struct sim *s)
{
	s->c.split = false;
	memset(s->c.side, 0, s->c.n);
}

/* ---- clients ---- */

static struct op *
op_new(struct sim *s)
{
	struct op *op;

	if (s->n_ops == s->ops_cap) {
		s->ops_cap = s->ops_cap ? s->ops_cap * 2 : 1024;
		s->ops = sim_realloc(s->ops, s->ops_cap * sizeof(*s->ops));
	}
	op = &s->ops[s->n_ops++];
	memset(op, 0, sizeof(*op));
	op->coord = NONE;
	return op;
}

static uint8_t
pick_level(struct sim *s, int forced)
{
	if (forced >= 0)
		return (uint8_t)forced;
	return (uint8_t)sim_range(&s->c, STATE_LEVEL_LOCAL, STATE_LEVEL_ALL);
}

/* Mostly adds to counters; sets and map increments for convergence. */
static void
client_issue(struct sim *s, uint32_t k)
{
	struct op *op = op_new(s);
	const uint32_t x = (uint32_t)(op - s->ops);
	struct msg m = { .type = M_WRITE, .op = x };
	uint64_t r = sim_below(&s->c, 100);
	uint32_t to;

	op->client = k;
	op->t_issued = s->c.now;
	if (r < 30) {
		op->read = true;
		op->obj = (uint8_t)sim_below(&s->c, COUNTERS);
		op->level = pick_level(s, s->o.read_level);
		for (unsigned l = 0; l < STATE_LEVEL_MAX; l++)
			op->acked[l] = s->acked[l][op->obj];
		m.type = M_READ;
		s->st.reads++;
	} else {
		op->level = pick_level(s, s->o.write_level);
		r = sim_below(&s->c, 100);
		if (r < 70) {
			op->obj = (uint8_t)sim_below(&s->c, COUNTERS);
			op->by = (int64_t)sim_range(&s->c, 1, 100);
			s->issued[op->obj] += (uint64_t)op->by;
		} else if (r < 85) {
			op->obj = OBJ_REGISTER;
			op->by = (int64_t)sim_rand(&s->c);
		} else {
			op->obj = OBJ_MAP;
			op->field = (uint8_t)sim_below(&s->c, FIELDS);
			op->by = (int64_t)sim_range(&s->c, 1, 100);
		}
		s->st.writes++;
	}
	at(s, s->c.now + TIMEOUT_MS, EV_GIVE_UP, x);
	/* The coordinator: replica 1, or the lowest-id live one. */
	for (to = 0; to < s->r && !s->c.up[to]; to++)
		;
	if (to < s->r)
		send_msg(s, s->r + k, to, &m, NULL, NULL);
}

static void
on_reply(struct sim *s, const struct msg *m)
{
	struct op *op = &s->ops[m->op];

	if (op->state != OP_OPEN)
		return;		/* Given up, or a duplicate. */
	op->state = OP_DONE;
	scratch_free(op);
	if (op->read) {
		op->value = m->value;
		s->st.answered++;
		check_read(s, op);
		return;
	}
	s->st.acked[op->level]++;
	if (op->obj < COUNTERS)
		s->acked[op->level][op->obj] += (uint64_t)op->by;
}

/* ---- events ---- */

static void
on_msg(struct sim *s, const struct sim_event *e)
{
	struct msg m;
	const uint8_t *key = e->buf + sizeof(m);
	const uint8_t *body;
	const uint32_t i = e->node;

	memcpy(&m, e->buf, sizeof(m));
	body = key + m.key_len;
	if (i >= s->r) {
		on_reply(s, &m);
		return;
	}
	if (!s->c.up[i])
		return;
	switch (m.type) {
	case M_WRITE:
		coord_write(s, i, m.op);
		break;
	case M_READ:
		coord_read(s, i, m.op);
		break;
	case M_DELTA:
		on_delta(s, i, e->src, &m, key, body);
		break;
	case M_DELTA_ACK:
		on_delta_ack(s, i, e->src, &m);
		break;
	case M_FETCH:
		on_fetch(s, i, e->src, &m, key);
		break;
	case M_FETCHED:
		on_fetched(s, i, e->src, &m, body);
		break;
	case M_DIGEST:
		on_digest(s, i, e->src, &m, body);
		break;
	case M_STATE:
		on_state(s, i, e->src, &m, key, body);
		break;
	case M_END:
		track(s, i, e->src, &m);
		break;
	default:
		break;
	}
}

static void
handle(struct sim *s, const struct sim_event *e)
{
	switch (e->type) {
	case EV_MSG:
		on_msg(s, e);
		break;
	case EV_CLIENT:
		if (!s->faulty)
			break;
		client_issue(s, e->node - s->r);
		at(s, s->c.now + sim_range(&s->c, 1, 2 * s->o.gap_ms - 1),
				EV_CLIENT, e->node);
		break;
	case EV_GIVE_UP:
		/* The coordinator gives the operation up with its client. */
		if (s->ops[e->node].state == OP_OPEN)
			s->ops[e->node].state = OP_GAVE_UP;
		scratch_free(&s->ops[e->node]);
		break;
	case EV_AE:
		if (!s->c.up[e->node] || e->life != s->c.life[e->node])
			break;
		ae_round(s, e->node);
		at(s, s->c.now + AE_MS, EV_AE, e->node);
		break;
	case EV_CRASH_TICK:
		crash_tick(s);
		break;
	case EV_RESTART:
		restart(s, e->node);
		break;
	case EV_CUT_TICK:
		cut_tick(s);
		break;
	case EV_CUT_HEAL:
		cut_heal(s);
		break;
	}
}

void
model_start(struct sim *s)
{
	crdt_limits_default(&s->limits);
	sim_init(&s->c, s->r + s->o.clients, s->seed, SIM_SPLITMIX64,
			&s->o.net);
	for (uint32_t i = 0; i < s->r; i++) {
		sim_up(&s->c, i);
		if (state_store_init(&s->rep[i].st, i + 1, &s->limits,
				OBJECTS_MAX) != 0)
			abort();
		s->rep[i].healthy = true;
		at(s, sim_below(&s->c, AE_MS), EV_AE, i);
	}
	for (uint32_t k = 0; k < s->o.clients; k++) {
		sim_up(&s->c, s->r + k);
		at(s, sim_range(&s->c, 1, 2 * s->o.gap_ms), EV_CLIENT,
				s->r + k);
	}
	at(s, FAULT_MS, EV_CRASH_TICK, 0);
	at(s, FAULT_MS, EV_CUT_TICK, 0);
	s->faulty = true;
}

void
model_run(struct sim *s, uint64_t t)
{
	struct sim_event e;

	while (sim_next(&s->c, t, &e)) {
		s->st.events++;
		handle(s, &e);
		free(e.buf);
	}
}

/* The faults stop, the clients too; the crashed come back empty. */
void
model_heal(struct sim *s)
{
	s->faulty = false;
	s->c.faults = false;
	cut_heal(s);
	for (uint32_t i = 0; i < s->r; i++)
		restart(s, i);
}

void
model_free(struct sim *s)
{
	for (uint32_t i = 0; i < s->r; i++)
		if (s->c.up[i])
			state_store_free(&s->rep[i].st);
	for (size_t x = 0; x < s->n_ops; x++)
		scratch_free(&s->ops[x]);
	free(s->ops);
	sim_free(&s->c);
}
