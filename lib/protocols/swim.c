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
#include "swim_members.h"

#define SWIM_OUTBOX 256u	/* Datagrams awaiting swim_output, at most. */
#define SWIM_OUTBOX_MIN 8u	/* The outbox starts this small and grows. */
#define SWIM_NO_TIMER UINT64_MAX
#define SWIM_DEAD_PROBE_MULT 2u	/* A member held dead is pinged every so
				 * many probe intervals. */

void
swim_params_default(struct swim_params *p)
{
	*p = (struct swim_params){
		.probe_interval_ms = 1000, .probe_timeout_ms = 500,
		.suspicion_mult = 4, .indirect_checks = 3,
		.retransmit_mult = 4, .sync_interval_ms = 30000,
		.gossip_interval_ms = 200, .gossip_nodes = 3,
		.suspicion_max_mult = 6, .health_max = 8,
	};
}

/* A random number below n, from this node's xorshift64* generator. */
static uint32_t
rnd_below(struct swim *s, uint32_t n)
{
	return prng_scale(prng_xorshift64s(&s->rng), n);
}

/* r's suspicion ends at deadline. */
static void
suspect_until(struct swim *s, struct swim_rec *r, uint64_t deadline)
{
	r->suspect_deadline = deadline;
	if (deadline < s->suspect_min)
		s->suspect_min = deadline;
}

/* The shortest suspicion: suspicion_mult x ceil(log10(n)) intervals. */
static uint64_t
suspicion_min(const struct swim *s)
{
	return (uint64_t)s->p.suspicion_mult *
			swim_log10_ceil(swim_live_count(s)) *
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
suspect_start(struct swim *s, struct swim_rec *r, uint64_t now,
		uint32_t accuser)
{
	r->suspect_start = now;
	r->n_confirm = 0;
	if (accuser != 0)
		r->confirmers[r->n_confirm++] = accuser;
	suspect_until(s, r, now + suspicion_timeout(s, 0));
}

/* Another node says r is suspect too: shorten its suspicion. */
static void
suspect_confirm(struct swim *s, struct swim_rec *r, uint32_t accuser)
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

/*
 * Queue m to ip:port, the address of node to (0: not known, as a seed's
 * before the join); the node seals it for that receiver.
 */
static void
send_raw(struct swim *s, uint32_t to, uint32_t ip, uint16_t port,
		struct swim_msg *m)
{
	struct swim_out *o;

	m->from = s->rec[0].m.id;
	if (s->out_tail - s->out_head == s->out_cap && outbox_grow(s) < 0) {
		s->st.out_dropped++;
		return;
	}
	o = &s->out[s->out_tail & (s->out_cap - 1)];
	o->to = to;
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
send_msg(struct swim *s, uint32_t to, uint32_t ip, uint16_t port,
		struct swim_msg *m)
{
	swim_news_take(s, m);
	send_raw(s, to, ip, port, m);
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
send_ping(struct swim *s, const struct swim_rec *to, uint32_t seq)
{
	struct swim_msg m;

	msg_init(&m, SWIM_PING, seq, to->m.id);
	if (to->m.state == SWIM_SUSPECT)
		swim_rec_update(to, &m.updates[m.n_updates++]);
	send_msg(s, to->m.id, to->m.ip, to->m.port, &m);
}

/*
 * Apply one update heard from the network, from node `from` (the sender
 * the seal proved, with node credentials). Claims only member W may make
 * of itself are believed from W alone (docs/control.md, "Claims only a
 * member makes"): a relayed ALIVE raises W's incarnation by one at most,
 * so that no other node can push it to the top in one message and leave W
 * unable to refute, and W's address, weight and zone change only by W's
 * own word once W is known.
 */
static void
apply(struct swim *s, const struct swim_update *u, uint64_t now,
		uint32_t from)
{
	struct swim_rec *self = &s->rec[0], *r;
	bool direct = from == u->id;

	if (u->id == self->m.id) {
		/* Refute suspicion or death, or a higher incarnation. */
		if (s->leaving || (u->state == SWIM_ALIVE &&
				u->incarnation <= self->m.incarnation) ||
				u->incarnation < self->m.incarnation)
			return;
		self->m.incarnation = u->incarnation + 1;
		swim_news_queue(s, self);
		s->st.refuted++;
		/* Being suspected hints that this node is the slow one. */
		if (u->state == SWIM_SUSPECT)
			health_add(s, 1);
		return;
	}
	r = swim_rec_find(s, u->id);
	if (r == NULL) {
		/* News of a stranger's death teaches nothing useful. */
		if (u->state > SWIM_SUSPECT)
			return;
		r = swim_rec_add(s, u, now);
		if (r == NULL)
			return;
		if (r->m.state == SWIM_SUSPECT)
			suspect_start(s, r, now, from);
		swim_news_queue(s, r);
		return;
	}
	switch (u->state) {
	case SWIM_ALIVE:
		/* Only a newer incarnation refutes or revives. */
		if (u->incarnation <= r->m.incarnation)
			return;
		if (!direct && u->incarnation - r->m.incarnation > 1) {
			s->st.claims_refused++;
			return;
		}
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
	swim_rec_set_state(s, r, u->state);
	r->m.incarnation = u->incarnation;
	if (direct) {
		r->m.ip = u->ip;
		r->m.port = u->port;
		r->m.weight = u->weight;
		r->m.zone = u->zone;
	} else if (r->m.ip != u->ip || r->m.port != u->port ||
			r->m.weight != u->weight || r->m.zone != u->zone) {
		s->st.claims_refused++;
	}
	s->view_version++;
	swim_news_queue(s, r);
}

/* This node's own verdict on a member it probed or watched. */
static void
set_verdict(struct swim *s, struct swim_rec *r, uint8_t state, uint64_t now)
{
	swim_rec_set_state(s, r, state);
	r->m.since_ms = now;
	if (state == SWIM_SUSPECT) {
		suspect_start(s, r, now, s->rec[0].m.id);
		s->st.suspected++;
	} else if (state == SWIM_DEAD) {
		s->st.declared_dead++;
	}
	swim_news_queue(s, r);
}

/*
 * Send this node's whole state to ip:port, SWIM_UPDATES_MAX members a
 * datagram, from a random place so that a state larger than the outbox
 * allows is covered over successive exchanges.
 */
static void
send_state(struct swim *s, uint32_t to, uint32_t ip, uint16_t port,
		uint8_t kind, uint32_t xid)
{
	uint32_t start = s->n > 1 ? 1 + rnd_below(s, s->n - 1) : 0;
	uint32_t max_dgrams = SWIM_OUTBOX / 4, chunk = 0, k = 0;
	struct swim_msg m;

	/* This node first, in the first datagram. */
	msg_init(&m, kind, xid, 0);
	swim_rec_update(&s->rec[0], &m.updates[m.n_updates++]);
	for (; k + 1 < s->n && chunk < max_dgrams; k++) {
		const struct swim_rec *r =
				&s->rec[1 + (start - 1 + k) % (s->n - 1)];

		swim_rec_update(r, &m.updates[m.n_updates++]);
		if (m.n_updates == SWIM_UPDATES_MAX) {
			send_raw(s, to, ip, port, &m);
			msg_init(&m, kind, xid, ++chunk);
		}
	}
	if (m.n_updates > 0 && chunk < max_dgrams)
		send_raw(s, to, ip, port, &m);
}

/* Start a push-pull with ip:port. */
static void
sync_with(struct swim *s, uint32_t to, uint32_t ip, uint16_t port)
{
	s->st.syncs++;
	send_state(s, to, ip, port, SWIM_SYNC, ++s->seq);
}

/* Send pending news to gossip_nodes random live members. */
static void
gossip(struct swim *s)
{
	for (uint32_t k = 0; k < s->p.gossip_nodes && s->n > 1; k++) {
		struct swim_rec *r = &s->rec[1 + rnd_below(s, s->n - 1)];
		struct swim_msg m;

		if (r->m.state > SWIM_SUSPECT)
			continue;
		msg_init(&m, SWIM_GOSSIP, 0, 0);
		swim_news_take(s, &m);
		if (m.n_updates == 0)
			return;		/* Nothing left to tell. */
		send_raw(s, r->m.id, r->m.ip, r->m.port, &m);
	}
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
		sync_with(s, s->rec[pick].m.id, s->rec[pick].m.ip,
				s->rec[pick].m.port);
	} else {
		uint64_t d = swim_view_digest(s);
		struct swim_msg m;

		msg_init(&m, SWIM_DIGEST, ++s->seq, (uint32_t)(d >> 32));
		m.target_ip = htonl((uint32_t)d);
		s->st.digests++;
		send_msg(s, s->rec[pick].m.id, s->rec[pick].m.ip,
				s->rec[pick].m.port, &m);
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
	swim_rec_update(&s->rec[pick], &m.updates[m.n_updates++]);
	send_msg(s, s->rec[pick].m.id, s->rec[pick].m.ip, s->rec[pick].m.port,
			&m);
}

/*
 * Whether a node can run as self with p: it has an id and a weight the
 * ring takes, and a probe's timeout ends before the next probe. If not,
 * errno is EINVAL.
 */
static bool
swim_config_valid(const struct swim_self *self, const struct swim_params *p)
{
	if (self->id != 0 && self->weight != 0 &&
			self->weight <= RING_WEIGHT_MAX &&
			p->probe_interval_ms != 0 && p->probe_timeout_ms != 0 &&
			p->probe_timeout_ms < p->probe_interval_ms &&
			p->retransmit_mult != 0 && p->suspicion_mult != 0)
		return true;
	errno = EINVAL;
	return false;
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

	if (!swim_config_valid(self, p))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->p = *p;
	s->rng = seed * PRNG_GOLDEN + 0x72756d6f72ull;
	if (s->rng == 0)
		s->rng = 1;
	s->suspect_min = SWIM_NO_TIMER;
	s->out_cap = SWIM_OUTBOX_MIN;
	s->out = calloc(s->out_cap, sizeof(*s->out));
	if (swim_table_init(s) < 0 || s->out == NULL) {
		swim_free(s);
		return NULL;
	}
	swim_rec_add(s, &u, now_ms);
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
	swim_table_free(s);
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
		swim_rec_update(&s->rec[0], &m.updates[0]);
		m.n_updates = 1;
		send_msg(s, 0, ips[i], ports[i], &m);
		sync_with(s, 0, ips[i], ports[i]);
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
	struct swim_rec *self = &s->rec[0];
	uint32_t told = 0, want;

	if (s->leaving)
		return;
	s->leaving = true;
	swim_rec_set_state(s, self, SWIM_LEFT);
	self->m.since_ms = now_ms;
	swim_news_queue(s, self);
	/* Tell a few members at once; they spread it. */
	want = swim_retransmit_limit(s);
	for (uint32_t i = 1; i < s->n && told < want; i++) {
		uint32_t j = 1 + rnd_below(s, s->n - 1);

		if (s->rec[j].m.state <= SWIM_SUSPECT) {
			send_ping(s, &s->rec[j], ++s->seq);
			told++;
		}
	}
}

/* Ask k random live members (not the target) to probe it for us. */
static void
send_ping_reqs(struct swim *s, const struct swim_rec *target)
{
	uint32_t asked = 0, tries = 0;
	uint32_t picked[16];

	while (asked < s->p.indirect_checks && asked < 16 &&
			tries++ < 4 * s->n) {
		uint32_t j = 1 + rnd_below(s, s->n - 1);
		struct swim_rec *r = &s->rec[j];
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
		send_msg(s, r->m.id, r->m.ip, r->m.port, &m);
	}
	s->st.indirect_probes += asked;
	s->probe.relays = asked;
}

void
swim_tick(struct swim *s, uint64_t now)
{
	/* Relays that got no ACK in time: tell the requester. */
	for (uint32_t i = 0; i < SWIM_RELAYS; i++) {
		struct swim_relay *l = &s->relay[i];
		struct swim_msg m;

		if (!l->used || now < l->deadline)
			continue;
		msg_init(&m, SWIM_NACK, l->req_seq, l->target);
		send_msg(s, l->req_id, l->req_ip, l->req_port, &m);
		l->used = false;
	}
	/* Suspects whose time is up are dead; the rest set the next end. */
	if (now >= s->suspect_min) {
		s->suspect_min = SWIM_NO_TIMER;
		for (uint32_t i = 1; i < s->n; i++) {
			struct swim_rec *r = &s->rec[i];

			if (r->m.state != SWIM_SUSPECT)
				continue;
			if (now >= r->suspect_deadline)
				set_verdict(s, r, SWIM_DEAD, now);
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
		struct swim_rec *t = swim_rec_find(s, s->probe.id);

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
		struct swim_rec *t = swim_rec_find(s, s->probe.id);

		s->probe.active = false;
		health_add(s, 1 + (s->probe.nacks < s->probe.relays));
		if (t != NULL && t->m.state == SWIM_ALIVE)
			set_verdict(s, t, SWIM_SUSPECT, now);
	}
	s->next_probe = now + probe_interval(s);
	{
		struct swim_rec *t = swim_order_next(s, now);

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
		struct swim_relay *l = &s->relay[i];
		struct swim_msg a;

		if (!l->used || l->seq != m->seq)
			continue;
		msg_init(&a, SWIM_ACK, l->req_seq, l->target);
		send_msg(s, l->req_id, l->req_ip, l->req_port, &a);
		l->used = false;
		return;
	}
}

static void
on_ping_req(struct swim *s, uint64_t now, uint32_t ip, uint16_t port,
		const struct swim_msg *m)
{
	struct swim_rec t = { .m = { .id = m->target, .ip = m->target_ip,
			.port = m->target_port } };

	for (uint32_t i = 0; i < SWIM_RELAYS; i++) {
		struct swim_relay *l = &s->relay[i];

		if (l->used)
			continue;
		l->used = true;
		l->seq = ++s->seq;
		l->req_seq = m->seq;
		l->target = m->target;
		l->req_id = m->from;
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
	const struct swim_rec *j = swim_rec_find(s, joiner);

	/* This node first, then live members from a random place. */
	msg_init(&m, SWIM_ACK, seq, 0);
	swim_rec_update(&s->rec[0], &m.updates[m.n_updates++]);
	if (j != NULL && j->m.state > SWIM_SUSPECT)
		swim_rec_update(j, &m.updates[m.n_updates++]);
	for (uint32_t k = 0; k < s->n && m.n_updates < SWIM_UPDATES_MAX / 2;
			k++) {
		const struct swim_rec *r = &s->rec[(start + k) % s->n];

		if (r != &s->rec[0] && r->m.state <= SWIM_SUSPECT)
			swim_rec_update(r, &m.updates[m.n_updates++]);
	}
	send_msg(s, joiner, ip, port, &m);
}

void
swim_input(struct swim *s, uint64_t now_ms, uint32_t ip, uint16_t port,
		const uint8_t *buf, size_t len)
{
	const struct swim_rec *sender;
	bool from_dead;
	struct swim_msg m;

	if (swim_decode(buf, len, &m) != SWIM_WIRE_OK) {
		s->st.bad++;
		return;
	}
	s->st.received++;
	sender = swim_rec_find(s, m.from);
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
		sync_with(s, m.from, ip, port);
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
			send_msg(s, m.from, ip, port, &a);
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
			send_state(s, m.from, ip, port, SWIM_SYNC_REPLY,
					m.seq);
		break;
	case SWIM_DIGEST:
		/* Views differ: exchange them whole (at most one a period). */
		if (((uint64_t)m.target << 32 | ntohl(m.target_ip)) !=
				swim_view_digest(s) && !s->leaving &&
				now_ms >= s->digest_sync_after) {
			s->digest_sync_after = now_ms + s->p.probe_interval_ms;
			sync_with(s, m.from, ip, port);
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

void
swim_align_clock(struct swim *s, int64_t offset_ms)
{
	s->clock_offset_ms = offset_ms;
}

const struct swim_stats *
swim_stats(const struct swim *s)
{
	return &s->st;
}
