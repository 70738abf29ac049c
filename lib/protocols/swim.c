/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SWIM membership, sans I/O (see swim.h). One probe per interval to the
 * next member of a shuffled order; no ACK within the probe timeout sends
 * PING_REQ to k others; no ACK by the end of the interval makes the target
 * suspect; a suspect not refuted within the suspicion timeout is dead.
 * Every message piggybacks the member updates with the most transmissions
 * left; an update about this node that says suspect or dead is refuted by
 * a higher incarnation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/prng.h"
#include "rumor/ring.h"
#include "rumor/swim.h"

#define SWIM_OUTBOX 256u	/* Datagrams awaiting swim_output, at most. */
#define SWIM_OUTBOX_MIN 8u	/* The outbox starts this small and grows. */
#define SWIM_RELAYS 64u		/* PING_REQs being served at once. */
#define SWIM_NO_TIMER UINT64_MAX
#define SWIM_GOSSIP_LEFT_MAX 63u	/* Retransmit limits are capped so. */

#define SWIM_CONFIRM_MAX 8u	/* Suspicion confirmers remembered. */
#define SWIM_DEAD_PROBE_MULT 2u	/* A member held dead is pinged every so
				 * many probe intervals. */

struct rec {
	struct swim_member m;
	uint64_t suspect_start;		/* SUSPECT: since when. */
	uint64_t suspect_deadline;	/* SUSPECT: when it becomes DEAD. */
	uint32_t confirmers[SWIM_CONFIRM_MAX];	/* Distinct reporters. */
	uint32_t n_confirm;
	uint32_t gossip_left;		/* Transmissions left for its state. */
	uint32_t g_next, g_prev;	/* Its gossip bucket list: index + 1. */
};

/* A PING_REQ this node serves: it pinged the target with seq. */
struct relay {
	bool used;
	uint32_t seq;			/* Our PING's seq. */
	uint32_t req_seq;		/* The requester's probe seq. */
	uint32_t target;
	uint32_t req_ip;
	uint16_t req_port;
	uint64_t deadline;
};

struct swim {
	struct swim_params p;
	uint64_t rng;
	struct rec *rec;		/* rec[0] is this node. */
	uint32_t n, cap;
	uint32_t n_state[SWIM_STATE_MAX];	/* Members in each state. */
	/*
	 * News to send, bucketed by transmissions left (a list per count,
	 * index + 1 of its first rec): choosing what a message carries costs
	 * what it carries, not what is pending.
	 */
	uint32_t bucket[SWIM_GOSSIP_LEFT_MAX + 1];
	uint32_t bucket_tail[SWIM_GOSSIP_LEFT_MAX + 1];
	uint32_t bucket_top;		/* No news above this count. */
	uint64_t suspect_min;		/* No suspicion ends before this. */
	uint32_t *idx;			/* Open addressing: rec index + 1. */
	uint32_t idx_mask;
	uint32_t *order;		/* Probe order: member ids. */
	uint32_t order_n;
	uint64_t order_rebuild_at;	/* End of this round of probes. */
	int64_t clock_offset_ms;	/* now_ms + this: the shared clock. */
	uint32_t seq;
	bool leaving;
	struct {
		bool active;		/* Waiting for an ACK. */
		bool indirect_sent;
		uint32_t id, seq;
		uint32_t nacks;		/* NACKs from the relays asked. */
		uint32_t relays;	/* Relays asked (PING_REQ sent). */
		uint64_t direct_deadline;
	} probe;
	uint32_t health;		/* Lifeguard local health, 0 is best. */
	uint64_t next_probe;
	uint64_t next_sync;
	uint64_t next_dead_probe;
	uint64_t dead_sync_after;	/* Rate limit of syncs with the dead. */
	uint32_t n_at_sync;		/* Members known at the last sync. */
	uint64_t digest_sync_after;	/* Rate limit of digest-led syncs. */
	uint64_t next_gossip;
	uint32_t syncs_started;
	struct relay relay[SWIM_RELAYS];
	struct swim_out *out;
	uint32_t out_head, out_tail;	/* Free-running indexes. */
	uint32_t out_cap;		/* A power of two. */
	struct swim_stats st;
	uint64_t view_version;		/* See swim_view_version(). */
};

void
swim_params_default(struct swim_params *p)
{
	p->probe_interval_ms = 1000;
	p->probe_timeout_ms = 500;
	p->suspicion_mult = 4;
	p->indirect_checks = 3;
	p->retransmit_mult = 4;
	p->sync_interval_ms = 30000;
	p->gossip_interval_ms = 200;
	p->gossip_nodes = 3;
	p->suspicion_max_mult = 6;
	p->health_max = 8;
}

/* A random number below n, from this node's xorshift64* generator. */
static uint32_t
rnd_below(struct swim *s, uint32_t n)
{
	return prng_scale(prng_xorshift64s(&s->rng), n);
}

/* ceil(log10(n)) for n >= 1, and at least 1. */
static uint32_t
log10_ceil(uint32_t n)
{
	uint32_t l = 0;

	for (uint64_t p = 1; p < n; p *= 10)
		l++;
	return l > 0 ? l : 1;
}

static uint32_t
alive_count(const struct swim *s)
{
	return s->n_state[SWIM_ALIVE] + s->n_state[SWIM_SUSPECT];
}

/*
 * The probe order. Every node sorts the live members, itself included,
 * by the same key, a hash of their ids: one random permutation that the
 * whole cluster shares. In probe period k of a clock the cluster shares
 * (the wall clock), the node at rank p probes rank p + 1 + k. With equal
 * views every member is thus probed exactly once a period, by a
 * different node each period: a crash meets its first probe within one
 * period, where with independent random orders the wait is exponential
 * (one period on average, 4.6 periods at the 99th percentile, since some
 * periods no one picks it). Each node still probes every member once per
 * round of n periods, and views that differ a little only add a few
 * probes. A dead member stays in the order until the next rebuild; the
 * node whose turn lands on it probes the next live member instead, so
 * the member after a dead one keeps its prober.
 */
static uint64_t
probe_key(uint32_t id)
{
	return prng_mix64((uint64_t)id * PRNG_GOLDEN + 0x70726f6265ull);
}

/* Index in s->order of the first entry whose key is not below key's. */
static uint32_t
order_lower_bound(const struct swim *s, uint64_t key)
{
	uint32_t lo = 0, hi = s->order_n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (probe_key(s->order[mid]) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Put id in the probe order at its place, unless it is there already. */
static void
order_insert(struct swim *s, uint32_t id)
{
	uint64_t key = probe_key(id);
	uint32_t i = order_lower_bound(s, key);

	for (uint32_t j = i; j < s->order_n &&
			probe_key(s->order[j]) == key; j++)
		if (s->order[j] == id)
			return;
	memmove(&s->order[i + 1], &s->order[i],
			(size_t)(s->order_n - i) * sizeof(*s->order));
	s->order[i] = id;
	s->order_n++;
}

/* Change r's state, keeping the counts per state. */
static void
state_set(struct swim *s, struct rec *r, uint8_t state)
{
	s->n_state[r->m.state]--;
	s->n_state[state]++;
	/* Back from the dead: in the probe order again at once. */
	if (state <= SWIM_SUSPECT && r->m.state > SWIM_SUSPECT)
		order_insert(s, r->m.id);
	r->m.state = state;
	s->view_version++;
}

/* r's suspicion ends at deadline. */
static void
suspect_until(struct swim *s, struct rec *r, uint64_t deadline)
{
	r->suspect_deadline = deadline;
	if (deadline < s->suspect_min)
		s->suspect_min = deadline;
}

static uint32_t
retransmit_limit(const struct swim *s)
{
	return s->p.retransmit_mult * log10_ceil(alive_count(s) + 1);
}

/* The shortest suspicion: suspicion_mult x ceil(log10(n)) intervals. */
static uint64_t
suspicion_min(const struct swim *s)
{
	return (uint64_t)s->p.suspicion_mult * log10_ceil(alive_count(s)) *
			s->p.probe_interval_ms;
}

/*
 * Lifeguard's dynamic suspicion: a suspicion starts at
 * suspicion_max_mult times the minimum and shrinks, logarithmically, to
 * the minimum as k = suspicion_mult - 2 independent confirmations arrive.
 * A lone, possibly slow, accuser thus waits longer before a death.
 */
static uint64_t
suspicion_timeout(const struct swim *s, uint32_t confirmations)
{
	uint64_t lo = suspicion_min(s);
	uint64_t hi = lo * s->p.suspicion_max_mult;
	uint32_t k = s->p.suspicion_mult > 2 ? s->p.suspicion_mult - 2 : 1;
	double frac;

	if (confirmations >= k || hi <= lo)
		return lo;
	frac = log((double)confirmations + 1) / log((double)k + 1);
	return hi - (uint64_t)((double)(hi - lo) * frac);
}

/* Start suspecting r at now; accuser is who said so (0: this node). */
static void
suspect_start(struct swim *s, struct rec *r, uint64_t now, uint32_t accuser)
{
	r->suspect_start = now;
	r->n_confirm = 0;
	if (accuser != 0)
		r->confirmers[r->n_confirm++] = accuser;
	suspect_until(s, r, now + suspicion_timeout(s, 0));
}

/* Another node says r is suspect too: shorten its suspicion. */
static void
suspect_confirm(struct swim *s, struct rec *r, uint32_t accuser)
{
	for (uint32_t i = 0; i < r->n_confirm; i++)
		if (r->confirmers[i] == accuser)
			return;
	if (r->n_confirm == SWIM_CONFIRM_MAX)
		return;
	r->confirmers[r->n_confirm++] = accuser;
	/* The first accuser started it; the others confirm. */
	suspect_until(s, r, r->suspect_start +
			suspicion_timeout(s, r->n_confirm - 1));
}

/* Lifeguard local health: a node that misses deadlines slows down. */
static void
health_add(struct swim *s, int delta)
{
	int64_t h = (int64_t)s->health + delta;

	if (h < 0)
		h = 0;
	if (h > (int64_t)s->p.health_max)
		h = s->p.health_max;
	s->health = (uint32_t)h;
	s->st.health = s->health;
}

static uint64_t
probe_interval(const struct swim *s)
{
	return (uint64_t)s->p.probe_interval_ms * (s->health + 1);
}

static uint64_t
probe_timeout(const struct swim *s)
{
	return (uint64_t)s->p.probe_timeout_ms * (s->health + 1);
}

static uint32_t
id_slot(uint32_t id, uint32_t mask)
{
	return (uint32_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

static struct rec *
find(const struct swim *s, uint32_t id)
{
	for (uint32_t i = id_slot(id, s->idx_mask);; i = (i + 1) & s->idx_mask) {
		uint32_t v = s->idx[i];

		if (v == 0)
			return NULL;
		if (s->rec[v - 1].m.id == id)
			return &s->rec[v - 1];
	}
}

static void
index_put(struct swim *s, uint32_t id, uint32_t pos)
{
	uint32_t i = id_slot(id, s->idx_mask);

	while (s->idx[i] != 0)
		i = (i + 1) & s->idx_mask;
	s->idx[i] = pos + 1;
}

/* Grow the member array and its index when full. */
static int
grow(struct swim *s)
{
	uint32_t ncap = s->cap * 2, nmask = ncap * 2 - 1;
	struct rec *nr = realloc(s->rec, ncap * sizeof(*nr));
	uint32_t *ni, *no;

	if (nr == NULL)
		return -1;
	s->rec = nr;
	no = realloc(s->order, ncap * sizeof(*no));
	if (no == NULL)
		return -1;
	s->order = no;
	ni = calloc((size_t)nmask + 1, sizeof(*ni));
	if (ni == NULL)
		return -1;
	free(s->idx);
	s->idx = ni;
	s->idx_mask = nmask;
	for (uint32_t i = 0; i < s->n; i++)
		index_put(s, s->rec[i].m.id, i);
	s->cap = ncap;
	return 0;
}

static void
bucket_unlink(struct swim *s, struct rec *r)
{
	uint32_t self = (uint32_t)(r - s->rec) + 1;

	if (r->g_prev != 0)
		s->rec[r->g_prev - 1].g_next = r->g_next;
	else if (s->bucket[r->gossip_left] == self)
		s->bucket[r->gossip_left] = r->g_next;
	if (r->g_next != 0)
		s->rec[r->g_next - 1].g_prev = r->g_prev;
	else if (s->bucket_tail[r->gossip_left] == self)
		s->bucket_tail[r->gossip_left] = r->g_prev;
	r->g_next = r->g_prev = 0;
}

/*
 * Put r at the tail of the bucket of its transmissions left, if any:
 * within a bucket, news goes out oldest first.
 */
static void
bucket_link(struct swim *s, struct rec *r)
{
	uint32_t self = (uint32_t)(r - s->rec) + 1, tail;

	if (r->gossip_left == 0)
		return;
	tail = s->bucket_tail[r->gossip_left];
	r->g_next = 0;
	r->g_prev = tail;
	if (tail != 0)
		s->rec[tail - 1].g_next = self;
	else
		s->bucket[r->gossip_left] = self;
	s->bucket_tail[r->gossip_left] = self;
	if (r->gossip_left > s->bucket_top)
		s->bucket_top = r->gossip_left;
}

/* Something changed about r: gossip its new state. */
static void
queue_gossip(struct swim *s, struct rec *r)
{
	uint32_t limit = retransmit_limit(s);

	if (r->gossip_left != 0)
		bucket_unlink(s, r);
	r->gossip_left = limit < SWIM_GOSSIP_LEFT_MAX ? limit :
			SWIM_GOSSIP_LEFT_MAX;
	bucket_link(s, r);
}

static struct rec *
add(struct swim *s, const struct swim_update *u, uint64_t now)
{
	struct rec *r;

	if (s->n == s->cap && grow(s) < 0)
		return NULL;
	r = &s->rec[s->n];
	memset(r, 0, sizeof(*r));
	r->m.id = u->id;
	r->m.ip = u->ip;
	r->m.port = u->port;
	r->m.weight = u->weight;
	r->m.zone = u->zone;
	r->m.state = u->state;
	s->n_state[u->state]++;
	r->m.incarnation = u->incarnation;
	r->m.since_ms = now;
	index_put(s, u->id, s->n);
	s->view_version++;
	/*
	 * A newcomer (or this node, first of all) takes its place in the
	 * probe order at once: a member no one probes is a crash no one
	 * detects.
	 */
	if (u->state <= SWIM_SUSPECT)
		order_insert(s, u->id);
	s->n++;
	return r;
}

static void
update_of(const struct rec *r, struct swim_update *u)
{
	u->id = r->m.id;
	u->ip = r->m.ip;
	u->port = r->m.port;
	u->state = r->m.state;
	u->zone = r->m.zone;
	u->incarnation = r->m.incarnation;
	u->weight = r->m.weight;
}

/*
 * Fill m's updates with the members whose news has the most
 * transmissions left, spending one transmission of each.
 */
static void
piggyback(struct swim *s, struct swim_msg *m)
{
	uint32_t taken[SWIM_UPDATES_MAX], n = 0;

	/*
	 * Most transmissions left first; what is taken moves down one
	 * bucket only after the choice, so no update goes twice in one
	 * message.
	 */
	for (uint32_t b = s->bucket_top; b > 0 &&
			m->n_updates < SWIM_UPDATES_MAX; b--) {
		for (uint32_t i = s->bucket[b]; i != 0 &&
				m->n_updates < SWIM_UPDATES_MAX;) {
			struct rec *r = &s->rec[i - 1];

			i = r->g_next;
			update_of(r, &m->updates[m->n_updates++]);
			bucket_unlink(s, r);
			taken[n++] = (uint32_t)(r - s->rec);
		}
	}
	for (uint32_t k = 0; k < n; k++) {
		struct rec *r = &s->rec[taken[k]];

		r->gossip_left--;
		bucket_link(s, r);
	}
	while (s->bucket_top > 0 && s->bucket[s->bucket_top] == 0)
		s->bucket_top--;
}

/*
 * Double the outbox, up to SWIM_OUTBOX: most of the time a node has a few
 * datagrams waiting, and a large simulation holds many nodes.
 */
static int
outbox_grow(struct swim *s)
{
	uint32_t ncap = s->out_cap * 2, used = s->out_tail - s->out_head;
	struct swim_out *no;

	if (ncap > SWIM_OUTBOX)
		return -1;
	no = malloc(ncap * sizeof(*no));
	if (no == NULL)
		return -1;
	for (uint32_t i = 0; i < used; i++)
		no[i] = s->out[(s->out_head + i) & (s->out_cap - 1)];
	free(s->out);
	s->out = no;
	s->out_cap = ncap;
	s->out_head = 0;
	s->out_tail = used;
	return 0;
}

static void
send_raw(struct swim *s, uint32_t ip, uint16_t port, struct swim_msg *m)
{
	struct swim_out *o;

	m->from = s->rec[0].m.id;
	if (s->out_tail - s->out_head == s->out_cap && outbox_grow(s) < 0) {
		s->st.out_dropped++;
		return;
	}
	o = &s->out[s->out_tail & (s->out_cap - 1)];
	o->ip = ip;
	o->port = port;
	o->len = (uint16_t)swim_encode(m, o->buf, sizeof(o->buf));
	if (o->len == 0)
		return;		/* Cannot happen: m is built valid. */
	s->out_tail++;
	s->st.sent++;
	s->st.bytes_sent += o->len;
}

/* Send m with as much pending news as it can carry. */
static void
send_msg(struct swim *s, uint32_t ip, uint16_t port, struct swim_msg *m)
{
	piggyback(s, m);
	send_raw(s, ip, port, m);
}

static void
msg_init(struct swim_msg *m, uint8_t kind, uint32_t seq, uint32_t target)
{
	memset(m, 0, offsetof(struct swim_msg, updates));
	m->kind = kind;
	m->seq = seq;
	m->target = target;
}

/*
 * Lifeguard's buddy system: a PING to a member held suspect carries that
 * suspicion first, so the member learns it at once and can refute.
 */
static void
send_ping(struct swim *s, const struct rec *to, uint32_t seq)
{
	struct swim_msg m;

	msg_init(&m, SWIM_PING, seq, to->m.id);
	if (to->m.state == SWIM_SUSPECT)
		update_of(to, &m.updates[m.n_updates++]);
	send_msg(s, to->m.ip, to->m.port, &m);
}

/* Apply one update heard from the network, from node `from`. */
static void
apply(struct swim *s, const struct swim_update *u, uint64_t now,
		uint32_t from)
{
	struct rec *self = &s->rec[0], *r;

	if (u->id == self->m.id) {
		/* Refute suspicion or death, or a higher incarnation. */
		if (s->leaving || (u->state == SWIM_ALIVE &&
				u->incarnation <= self->m.incarnation) ||
				u->incarnation < self->m.incarnation)
			return;
		self->m.incarnation = u->incarnation + 1;
		queue_gossip(s, self);
		s->st.refuted++;
		/* Being suspected hints that this node is the slow one. */
		if (u->state == SWIM_SUSPECT)
			health_add(s, 1);
		return;
	}
	r = find(s, u->id);
	if (r == NULL) {
		/* News of a stranger's death teaches nothing useful. */
		if (u->state > SWIM_SUSPECT)
			return;
		r = add(s, u, now);
		if (r == NULL)
			return;
		if (r->m.state == SWIM_SUSPECT)
			suspect_start(s, r, now, from);
		queue_gossip(s, r);
		return;
	}
	switch (u->state) {
	case SWIM_ALIVE:
		/* Only a newer incarnation refutes or revives. */
		if (u->incarnation <= r->m.incarnation)
			return;
		break;
	case SWIM_SUSPECT:
		if (u->incarnation < r->m.incarnation ||
				r->m.state > SWIM_SUSPECT)
			return;
		if (r->m.state == SWIM_SUSPECT &&
				u->incarnation == r->m.incarnation) {
			suspect_confirm(s, r, from);
			return;
		}
		if (r->m.state != SWIM_SUSPECT)
			suspect_start(s, r, now, from);
		break;
	default:	/* DEAD, LEFT */
		if (u->incarnation < r->m.incarnation ||
				r->m.state >= SWIM_DEAD)
			return;
		break;
	}
	if (r->m.state != u->state)
		r->m.since_ms = now;
	state_set(s, r, u->state);
	r->m.incarnation = u->incarnation;
	r->m.ip = u->ip;
	r->m.port = u->port;
	r->m.weight = u->weight;
	r->m.zone = u->zone;
	s->view_version++;
	queue_gossip(s, r);
}

/* This node's own verdict on a member it probed or watched. */
static void
set_state(struct swim *s, struct rec *r, uint8_t state, uint64_t now)
{
	state_set(s, r, state);
	r->m.since_ms = now;
	if (state == SWIM_SUSPECT) {
		suspect_start(s, r, now, s->rec[0].m.id);
		s->st.suspected++;
	} else if (state == SWIM_DEAD) {
		s->st.declared_dead++;
	}
	queue_gossip(s, r);
}

/*
 * Send this node's whole state to ip:port, SWIM_UPDATES_MAX members a
 * datagram, from a random place so that a state larger than the outbox
 * allows is covered over successive exchanges.
 */
static void
send_state(struct swim *s, uint32_t ip, uint16_t port, uint8_t kind,
		uint32_t xid)
{
	uint32_t start = s->n > 1 ? 1 + rnd_below(s, s->n - 1) : 0;
	uint32_t max_dgrams = SWIM_OUTBOX / 4, chunk = 0, k = 0;
	struct swim_msg m;

	/* This node first, in the first datagram. */
	msg_init(&m, kind, xid, 0);
	update_of(&s->rec[0], &m.updates[m.n_updates++]);
	for (; k + 1 < s->n && chunk < max_dgrams; k++) {
		const struct rec *r = &s->rec[1 + (start - 1 + k) % (s->n - 1)];

		update_of(r, &m.updates[m.n_updates++]);
		if (m.n_updates == SWIM_UPDATES_MAX) {
			send_raw(s, ip, port, &m);
			msg_init(&m, kind, xid, ++chunk);
		}
	}
	if (m.n_updates > 0 && chunk < max_dgrams)
		send_raw(s, ip, port, &m);
}

/* Start a push-pull with ip:port. */
static void
sync_with(struct swim *s, uint32_t ip, uint16_t port)
{
	s->st.syncs++;
	send_state(s, ip, port, SWIM_SYNC, ++s->seq);
}

/* Send pending news to gossip_nodes random live members. */
static void
gossip(struct swim *s)
{
	for (uint32_t k = 0; k < s->p.gossip_nodes && s->n > 1; k++) {
		struct rec *r = &s->rec[1 + rnd_below(s, s->n - 1)];
		struct swim_msg m;

		if (r->m.state > SWIM_SUSPECT)
			continue;
		msg_init(&m, SWIM_GOSSIP, 0, 0);
		piggyback(s, &m);
		if (m.n_updates == 0)
			return;		/* Nothing left to tell. */
		send_raw(s, r->m.ip, r->m.port, &m);
	}
}

/*
 * A fingerprint of the membership as this node holds it: the sum of one
 * hash per member of its id, incarnation and fate (alive and suspect
 * alike, since a suspicion resolves itself; dead; left). Two nodes that
 * hold the same view compute the same digest in any order, so a DIGEST
 * of 8 bytes replaces a push-pull of the whole state whenever the views
 * already agree: anti-entropy that costs the same at 10,000 members as
 * at 10. O(n), once per sync interval.
 */
static uint64_t
view_digest(const struct swim *s)
{
	uint64_t d = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct rec *r = &s->rec[i];
		uint64_t fate = r->m.state <= SWIM_SUSPECT ? 0 : r->m.state;

		d += prng_mix64(((uint64_t)r->m.id << 32 | r->m.incarnation) ^
				fate << 62);
	}
	return d;
}

/*
 * The periodic anti-entropy with a random live member: a whole push-pull
 * while members keep arriving (a join storm, where gossip alone leaves
 * stragglers and a push-pull fills a view at once), else only a DIGEST,
 * which starts a push-pull where the views differ.
 */
static void
periodic_sync(struct swim *s)
{
	uint32_t cand = 0, pick = 0;
	bool whole = s->n != s->n_at_sync;

	/* Reservoir choice among the live members. */
	for (uint32_t i = 1; i < s->n; i++) {
		if (s->rec[i].m.state > SWIM_SUSPECT)
			continue;
		if (rnd_below(s, ++cand) == 0)
			pick = i;
	}
	s->n_at_sync = s->n;
	if (cand == 0)
		return;
	if (whole) {
		sync_with(s, s->rec[pick].m.ip, s->rec[pick].m.port);
	} else {
		uint64_t d = view_digest(s);
		struct swim_msg m;

		msg_init(&m, SWIM_DIGEST, ++s->seq, (uint32_t)(d >> 32));
		m.target_ip = htonl((uint32_t)d);
		s->st.digests++;
		send_msg(s, s->rec[pick].m.ip, s->rec[pick].m.port, &m);
	}
}

/*
 * Ping a member held dead, telling it so. A crashed node never answers;
 * one cut off by a partition that has healed refutes its death at once
 * and answers, and both sides then push-pull their whole state (see
 * swim_input): the two halves of a healed partition merge by themselves,
 * for the price of a small datagram every few seconds.
 */
static void
dead_probe(struct swim *s)
{
	uint32_t cand = 0, pick = 0;
	struct swim_msg m;

	for (uint32_t i = 1; i < s->n; i++) {
		if (s->rec[i].m.state != SWIM_DEAD)
			continue;
		if (rnd_below(s, ++cand) == 0)
			pick = i;
	}
	if (cand == 0)
		return;
	msg_init(&m, SWIM_PING, ++s->seq, s->rec[pick].m.id);
	update_of(&s->rec[pick], &m.updates[m.n_updates++]);
	send_msg(s, s->rec[pick].m.ip, s->rec[pick].m.port, &m);
}

struct swim *
swim_new(const struct swim_self *self, const struct swim_params *p,
		uint64_t seed, uint64_t now_ms)
{
	struct swim *s;
	struct swim_update u = {
		.id = self->id, .ip = self->ip, .port = self->port,
		.state = SWIM_ALIVE, .weight = self->weight,
		.zone = self->zone, .incarnation = self->incarnation,
	};

	if (self->id == 0 || self->weight == 0 ||
			self->weight > RING_WEIGHT_MAX ||
			p->probe_interval_ms == 0 || p->probe_timeout_ms == 0 ||
			p->probe_timeout_ms >= p->probe_interval_ms ||
			p->retransmit_mult == 0 || p->suspicion_mult == 0) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->p = *p;
	s->rng = seed * PRNG_GOLDEN + 0x72756d6f72ull;
	if (s->rng == 0)
		s->rng = 1;
	s->cap = 16;
	s->idx_mask = 31;
	s->rec = calloc(s->cap, sizeof(*s->rec));
	s->order = calloc(s->cap, sizeof(*s->order));
	s->suspect_min = SWIM_NO_TIMER;
	s->idx = calloc(s->idx_mask + 1, sizeof(*s->idx));
	s->out_cap = SWIM_OUTBOX_MIN;
	s->out = calloc(s->out_cap, sizeof(*s->out));
	if (s->rec == NULL || s->order == NULL || s->idx == NULL ||
			s->out == NULL) {
		swim_free(s);
		return NULL;
	}
	add(s, &u, now_ms);
	s->next_probe = now_ms + p->probe_interval_ms;
	s->next_gossip = p->gossip_interval_ms != 0 ?
			now_ms + rnd_below(s, p->gossip_interval_ms) :
			SWIM_NO_TIMER;
	s->next_sync = p->sync_interval_ms != 0 ?
			now_ms + p->sync_interval_ms / 2 +
			rnd_below(s, p->sync_interval_ms) : SWIM_NO_TIMER;
	s->next_dead_probe = now_ms + (uint64_t)p->probe_interval_ms *
			SWIM_DEAD_PROBE_MULT;
	return s;
}

void
swim_free(struct swim *s)
{
	if (s == NULL)
		return;
	free(s->rec);
	free(s->order);
	free(s->idx);
	free(s->out);
	free(s);
}

void
swim_join(struct swim *s, uint64_t now_ms, const uint32_t *ips,
		const uint16_t *ports, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct swim_msg m;

		/* A join: target 0, and this node's own state. */
		msg_init(&m, SWIM_PING, ++s->seq, 0);
		update_of(&s->rec[0], &m.updates[0]);
		m.n_updates = 1;
		send_msg(s, ips[i], ports[i], &m);
		sync_with(s, ips[i], ports[i]);
	}
	/*
	 * A second push-pull a few seconds later, with whoever is known by
	 * then: the seeds answered with what they knew when this node asked,
	 * before the rest of a join storm reached them.
	 */
	if (n > 0 && s->p.sync_interval_ms != 0) {
		uint64_t soon = now_ms + 2000 + rnd_below(s, 3000);

		if (soon < s->next_sync)
			s->next_sync = soon;
	}
}

void
swim_leave(struct swim *s, uint64_t now_ms)
{
	struct rec *self = &s->rec[0];
	uint32_t told = 0, want;

	if (s->leaving)
		return;
	s->leaving = true;
	state_set(s, self, SWIM_LEFT);
	self->m.since_ms = now_ms;
	queue_gossip(s, self);
	/* Tell a few members at once; they spread it. */
	want = retransmit_limit(s);
	for (uint32_t i = 1; i < s->n && told < want; i++) {
		uint32_t j = 1 + rnd_below(s, s->n - 1);

		if (s->rec[j].m.state <= SWIM_SUSPECT) {
			send_ping(s, &s->rec[j], ++s->seq);
			told++;
		}
	}
}

/* Rebuild the probe order from the live members, this node included. */
static void
order_rebuild(struct swim *s, uint64_t now)
{
	s->order_n = 0;
	for (uint32_t i = 0; i < s->n; i++)
		if (i == 0 || s->rec[i].m.state <= SWIM_SUSPECT)
			order_insert(s, s->rec[i].m.id);
	s->order_rebuild_at = now + (uint64_t)s->order_n *
			s->p.probe_interval_ms;
}

/*
 * The member to probe in this period (see probe_key), or NULL when there
 * is none alive: rank(self) + 1 + k, or the next live member after it.
 */
static struct rec *
next_target(struct swim *s, uint64_t now)
{
	uint64_t k = (now + s->clock_offset_ms) / s->p.probe_interval_ms;
	uint32_t self, start;

	if (now >= s->order_rebuild_at)
		order_rebuild(s, now);
	self = order_lower_bound(s, probe_key(s->rec[0].m.id));
	while (self < s->order_n && s->order[self] != s->rec[0].m.id)
		self++;
	start = (uint32_t)((self + 1 + k % s->order_n) % s->order_n);
	for (uint32_t i = 0; i < s->order_n; i++) {
		uint32_t id = s->order[(start + i) % s->order_n];
		struct rec *r;

		if (id == s->rec[0].m.id)
			continue;
		r = find(s, id);
		if (r != NULL && r->m.state <= SWIM_SUSPECT)
			return r;
	}
	return NULL;
}

/* Ask k random live members (not the target) to probe it for us. */
static void
send_ping_reqs(struct swim *s, const struct rec *target)
{
	uint32_t asked = 0, tries = 0;
	uint32_t picked[16];

	while (asked < s->p.indirect_checks && asked < 16 &&
			tries++ < 4 * s->n) {
		uint32_t j = 1 + rnd_below(s, s->n - 1);
		struct rec *r = &s->rec[j];
		struct swim_msg m;
		bool dup = false;

		if (r == target || r->m.state != SWIM_ALIVE)
			continue;
		for (uint32_t k = 0; k < asked; k++)
			dup |= picked[k] == j;
		if (dup)
			continue;
		picked[asked++] = j;
		msg_init(&m, SWIM_PING_REQ, s->probe.seq, target->m.id);
		m.target_ip = target->m.ip;
		m.target_port = target->m.port;
		send_msg(s, r->m.ip, r->m.port, &m);
	}
	s->st.indirect_probes += asked;
	s->probe.relays = asked;
}

void
swim_tick(struct swim *s, uint64_t now)
{
	/* Relays that got no ACK in time: tell the requester. */
	for (uint32_t i = 0; i < SWIM_RELAYS; i++) {
		struct relay *l = &s->relay[i];
		struct swim_msg m;

		if (!l->used || now < l->deadline)
			continue;
		msg_init(&m, SWIM_NACK, l->req_seq, l->target);
		send_msg(s, l->req_ip, l->req_port, &m);
		l->used = false;
	}
	/* Suspects whose time is up are dead; the rest set the next end. */
	if (now >= s->suspect_min) {
		s->suspect_min = SWIM_NO_TIMER;
		for (uint32_t i = 1; i < s->n; i++) {
			struct rec *r = &s->rec[i];

			if (r->m.state != SWIM_SUSPECT)
				continue;
			if (now >= r->suspect_deadline)
				set_state(s, r, SWIM_DEAD, now);
			else if (r->suspect_deadline < s->suspect_min)
				s->suspect_min = r->suspect_deadline;
		}
	}
	if (s->leaving)
		return;
	if (now >= s->next_sync) {
		s->next_sync = now + s->p.sync_interval_ms;
		periodic_sync(s);
	}
	if (now >= s->next_dead_probe) {
		s->next_dead_probe = now + (uint64_t)s->p.probe_interval_ms *
				SWIM_DEAD_PROBE_MULT;
		dead_probe(s);
	}
	if (now >= s->next_gossip) {
		s->next_gossip = now + s->p.gossip_interval_ms;
		gossip(s);
	}
	/* The direct probe timed out: go indirect. */
	if (s->probe.active && !s->probe.indirect_sent &&
			now >= s->probe.direct_deadline) {
		struct rec *t = find(s, s->probe.id);

		s->probe.indirect_sent = true;
		if (t != NULL)
			send_ping_reqs(s, t);
	}
	if (now < s->next_probe)
		return;
	/*
	 * End of a probe period: an unanswered target is suspect. Relays
	 * that did not even NACK suggest this node's own network or timing
	 * is at fault: its health worsens (Lifeguard).
	 */
	if (s->probe.active) {
		struct rec *t = find(s, s->probe.id);

		s->probe.active = false;
		health_add(s, 1 + (s->probe.nacks < s->probe.relays));
		if (t != NULL && t->m.state == SWIM_ALIVE)
			set_state(s, t, SWIM_SUSPECT, now);
	}
	s->next_probe = now + probe_interval(s);
	{
		struct rec *t = next_target(s, now);

		if (t == NULL)
			return;
		s->probe.active = true;
		s->probe.indirect_sent = false;
		s->probe.nacks = 0;
		s->probe.relays = 0;
		s->probe.id = t->m.id;
		s->probe.seq = ++s->seq;
		s->probe.direct_deadline = now + probe_timeout(s);
		s->st.probes++;
		send_ping(s, t, s->probe.seq);
	}
}

/* An ACK: for our probe, or for a PING we sent as a relay. */
static void
on_ack(struct swim *s, const struct swim_msg *m)
{
	if (s->probe.active && m->seq == s->probe.seq) {
		s->probe.active = false;
		health_add(s, -1);
		return;
	}
	for (uint32_t i = 0; i < SWIM_RELAYS; i++) {
		struct relay *l = &s->relay[i];
		struct swim_msg a;

		if (!l->used || l->seq != m->seq)
			continue;
		msg_init(&a, SWIM_ACK, l->req_seq, l->target);
		send_msg(s, l->req_ip, l->req_port, &a);
		l->used = false;
		return;
	}
}

static void
on_ping_req(struct swim *s, uint64_t now, uint32_t ip, uint16_t port,
		const struct swim_msg *m)
{
	struct rec t = { .m = { .id = m->target, .ip = m->target_ip,
			.port = m->target_port } };

	for (uint32_t i = 0; i < SWIM_RELAYS; i++) {
		struct relay *l = &s->relay[i];

		if (l->used)
			continue;
		l->used = true;
		l->seq = ++s->seq;
		l->req_seq = m->seq;
		l->target = m->target;
		l->req_ip = ip;
		l->req_port = port;
		/*
		 * Give up at 80% of the probe timeout, so that the NACK
		 * reaches the requester before its probe period ends and
		 * counts as a sign that the requester itself is healthy.
		 */
		l->deadline = now + s->p.probe_timeout_ms * 4 / 5;
		send_ping(s, &t, l->seq);
		return;
	}
}

/*
 * Answer a join with as much of the membership as one ACK holds. A
 * joiner this node holds dead (a restarted process, back at incarnation
 * 0) is told so first, so that it refutes with a higher incarnation
 * instead of being ignored.
 */
static void
ack_join(struct swim *s, uint32_t ip, uint16_t port, uint32_t seq,
		uint32_t joiner)
{
	struct swim_msg m;
	uint32_t start = s->n > 1 ? rnd_below(s, s->n) : 0;
	const struct rec *j = find(s, joiner);

	/* This node first, then live members from a random place. */
	msg_init(&m, SWIM_ACK, seq, 0);
	update_of(&s->rec[0], &m.updates[m.n_updates++]);
	if (j != NULL && j->m.state > SWIM_SUSPECT)
		update_of(j, &m.updates[m.n_updates++]);
	for (uint32_t k = 0; k < s->n && m.n_updates < SWIM_UPDATES_MAX / 2;
			k++) {
		const struct rec *r = &s->rec[(start + k) % s->n];

		if (r != &s->rec[0] && r->m.state <= SWIM_SUSPECT)
			update_of(r, &m.updates[m.n_updates++]);
	}
	send_msg(s, ip, port, &m);
}

void
swim_input(struct swim *s, uint64_t now_ms, uint32_t ip, uint16_t port,
		const uint8_t *buf, size_t len)
{
	const struct rec *sender;
	bool from_dead;
	struct swim_msg m;

	if (swim_decode(buf, len, &m) != SWIM_WIRE_OK) {
		s->st.bad++;
		return;
	}
	s->st.received++;
	sender = find(s, m.from);
	from_dead = sender != NULL && sender != &s->rec[0] &&
			sender->m.state == SWIM_DEAD;
	for (uint32_t i = 0; i < m.n_updates; i++)
		apply(s, &m.updates[i], now_ms, m.from);
	/*
	 * A member held dead is talking to this node: a partition has
	 * healed (or a node restarted). Exchange whole states with it, so
	 * that each side learns what the other decided while apart.
	 */
	if (from_dead && m.kind != SWIM_SYNC && m.kind != SWIM_SYNC_REPLY &&
			!s->leaving && now_ms >= s->dead_sync_after) {
		s->dead_sync_after = now_ms + s->p.probe_interval_ms;
		sync_with(s, ip, port);
	}
	if (s->leaving && m.kind != SWIM_PING)
		return;
	if (m.kind == SWIM_NACK && s->probe.active && m.seq == s->probe.seq)
		s->probe.nacks++;
	/* SWIM_GOSSIP, NACK, SYNC_REPLY: the updates were the message. */
	switch (m.kind) {
	case SWIM_PING:
		if (m.target == 0) {
			ack_join(s, ip, port, m.seq, m.from);
		} else if (m.target == s->rec[0].m.id) {
			struct swim_msg a;

			msg_init(&a, SWIM_ACK, m.seq, m.target);
			send_msg(s, ip, port, &a);
		}
		break;
	case SWIM_ACK:
		on_ack(s, &m);
		break;
	case SWIM_PING_REQ:
		on_ping_req(s, now_ms, ip, port, &m);
		break;
	case SWIM_SYNC:
		/* Answer once per exchange, on its first datagram. */
		if (m.target == 0)
			send_state(s, ip, port, SWIM_SYNC_REPLY, m.seq);
		break;
	case SWIM_DIGEST:
		/* Views differ: exchange them whole (at most one a period). */
		if (((uint64_t)m.target << 32 | ntohl(m.target_ip)) !=
				view_digest(s) && !s->leaving &&
				now_ms >= s->digest_sync_after) {
			s->digest_sync_after = now_ms + s->p.probe_interval_ms;
			sync_with(s, ip, port);
		}
		break;
	default:
		break;
	}
}

int
swim_output(struct swim *s, struct swim_out *out)
{
	if (s->out_head == s->out_tail)
		return 0;
	*out = s->out[s->out_head & (s->out_cap - 1)];
	s->out_head++;
	return 1;
}

uint64_t
swim_next_timer(const struct swim *s)
{
	uint64_t t = s->leaving ? SWIM_NO_TIMER : s->next_probe;

	if (!s->leaving && s->next_sync < t)
		t = s->next_sync;
	if (!s->leaving && s->next_gossip < t)
		t = s->next_gossip;
	if (!s->leaving && s->next_dead_probe < t)
		t = s->next_dead_probe;

	if (!s->leaving && s->probe.active && !s->probe.indirect_sent &&
			s->probe.direct_deadline < t)
		t = s->probe.direct_deadline;
	for (uint32_t i = 0; i < SWIM_RELAYS; i++)
		if (s->relay[i].used && s->relay[i].deadline < t)
			t = s->relay[i].deadline;
	if (s->suspect_min < t)
		t = s->suspect_min;
	return t;
}

uint32_t
swim_members(const struct swim *s, struct swim_member *out, uint32_t cap)
{
	for (uint32_t i = 0; i < s->n && i < cap; i++)
		out[i] = s->rec[i].m;
	return s->n;
}

const struct swim_member *
swim_member_find(const struct swim *s, uint32_t id)
{
	const struct rec *r = find(s, id);

	return r != NULL ? &r->m : NULL;
}

void
swim_align_clock(struct swim *s, int64_t offset_ms)
{
	s->clock_offset_ms = offset_ms;
}

uint32_t
swim_incarnation(const struct swim *s)
{
	return s->rec[0].m.incarnation;
}

uint64_t
swim_view_version(const struct swim *s)
{
	return s->view_version;
}

uint32_t
swim_live_count(const struct swim *s)
{
	return alive_count(s);
}

uint32_t
swim_state_count(const struct swim *s, enum swim_state state)
{
	return (unsigned)state < SWIM_STATE_MAX ? s->n_state[state] : 0;
}

const struct swim_stats *
swim_stats(const struct swim *s)
{
	return &s->st;
}
