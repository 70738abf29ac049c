/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The membership's driver (swim_driver.h): SWIM (lib/protocols/swim.c)
 * wired to the control link. The membership starts from the dataplane's
 * STATE, with one incarnation more than the dataplane remembers; it joins
 * through the seeds and the dataplane's members, asking again with a
 * growing wait while it knows nobody; what it sends is sealed and queued
 * to the dataplane (node_send_sealed). Its clock is the monotonic clock
 * less the time spent without a dataplane.
 *
 * While Raft is off, the dataplane's member table is this node's view:
 * the live members, one per address and port, sent as a TABLE 50 ms
 * after the view last moved (the first one waits for the join's answers).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rumor/log.h"
#include "rumor/ring.h"
#include "swim_driver.h"

/*
 * Align the membership's probe schedule on the wall clock, which the
 * nodes of a cluster share (NTP), while its own clock is this process's
 * monotonic one, paused while the dataplane is away.
 */
static void
swim_driver_align_clock(struct node *n, uint64_t now_ms)
{
	struct timespec ts;
	int64_t wall;

	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	swim_align_clock(n->swim, wall - (int64_t)swim_driver_now(n, now_ms));
}

uint64_t
swim_driver_now(const struct node *n, uint64_t now_ms)
{
	return (n->paused ? n->pause_start : now_ms) - n->paused_ms;
}

const char *
swim_driver_state_name(uint8_t state)
{
	static const char *const names[SWIM_STATE_MAX] = {
		[SWIM_ALIVE] = "alive",
		[SWIM_SUSPECT] = "suspect",
		[SWIM_DEAD] = "dead",
		[SWIM_LEFT] = "left",
	};

	return state < SWIM_STATE_MAX ? names[state] : "?";
}


/* xorshift64: which seeds a join attempt asks. */
static uint64_t
swim_driver_rand(struct node *n)
{
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return n->rng;
}

static char *
swim_driver_addr(char *buf, size_t cap, uint32_t ip, uint16_t port)
{
	char a[INET_ADDRSTRLEN];
	struct in_addr in = { .s_addr = ip };

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(buf, cap, "%s:%u", a, port);
	return buf;
}

/* A join candidate, unless it is this node or already known. */
static void
swim_driver_seed_add(struct node *n, uint32_t ip, uint16_t port)
{
	if (ip == n->self.ip && port == n->self.port)
		return;
	for (uint32_t i = 0; i < n->n_seeds; i++)
		if (n->seed_ip[i] == ip && n->seed_port[i] == port)
			return;
	if (n->n_seeds == n->seeds_cap) {
		uint32_t cap = n->seeds_cap ? 2 * n->seeds_cap : 32;
		uint32_t *ips = realloc(n->seed_ip, cap * sizeof(*ips));
		uint16_t *ports;

		if (ips == NULL)
			return;
		n->seed_ip = ips;
		ports = realloc(n->seed_port, cap * sizeof(*ports));
		if (ports == NULL)
			return;
		n->seed_port = ports;
		n->seeds_cap = cap;
	}
	n->seed_ip[n->n_seeds] = ip;
	n->seed_port[n->n_seeds] = port;
	n->n_seeds++;
}

/* Ask up to NODE_JOIN_FANOUT seeds, chosen at random, to let us in. */
static void
swim_driver_join(struct node *n, uint64_t now)
{
	uint32_t ips[NODE_JOIN_FANOUT];
	uint16_t ports[NODE_JOIN_FANOUT];
	uint32_t k = 0;

	if (n->n_seeds <= NODE_JOIN_FANOUT) {
		memcpy(ips, n->seed_ip, n->n_seeds * sizeof(ips[0]));
		memcpy(ports, n->seed_port, n->n_seeds * sizeof(ports[0]));
		k = n->n_seeds;
	} else {
		/* A partial shuffle of the candidates picks k of them. */
		for (; k < NODE_JOIN_FANOUT; k++) {
			uint32_t j = k + (uint32_t)(swim_driver_rand(n) %
					(n->n_seeds - k));
			uint32_t ti = n->seed_ip[j];
			uint16_t tp = n->seed_port[j];

			n->seed_ip[j] = n->seed_ip[k];
			n->seed_port[j] = n->seed_port[k];
			n->seed_ip[k] = ti;
			n->seed_port[k] = tp;
			ips[k] = ti;
			ports[k] = tp;
		}
	}
	swim_join(n->swim, swim_driver_now(n, now), ips, ports, k);
	n->st.join_attempts++;
	n->join = NODE_JOIN_ASKED;
	n->join_at = now + NODE_JOIN_ANSWER_MS;
	log_debug("asked %u seed(s) to let this node in", k);
}

/*
 * Join through the seeds, retrying with a growing wait while this node
 * knows no other live member; a node alone again later asks again.
 */
static void
swim_driver_join_tick(struct node *n, uint64_t now)
{
	bool alone;

	if (n->swim == NULL || n->paused || n->stop != NODE_RUNNING ||
			n->n_seeds == 0)
		return;
	alone = swim_live_count(n->swim) <= 1;
	switch (n->join) {
	case NODE_JOIN_IDLE:
		if (alone) {
			n->join_wait_s = NODE_JOIN_WAIT_MIN_S;
			swim_driver_join(n, now);
		}
		break;
	case NODE_JOIN_ASKED:
		if (!alone) {
			log_info("joined: %u live member(s) known",
					swim_live_count(n->swim));
			n->join = NODE_JOIN_IDLE;
			break;
		}
		if (now < n->join_at)
			break;
		log_warning("seeds unreachable, retrying in %u s",
				n->join_wait_s);
		n->join = NODE_JOIN_WAITING;
		n->join_at = now + n->join_wait_s * 1000ull;
		n->join_wait_s *= 2;
		if (n->join_wait_s > NODE_JOIN_WAIT_MAX_S)
			n->join_wait_s = NODE_JOIN_WAIT_MAX_S;
		break;
	case NODE_JOIN_WAITING:
		if (!alone) {
			n->join = NODE_JOIN_IDLE;
			log_info("joined: %u live member(s) known",
					swim_live_count(n->swim));
		} else if (now >= n->join_at) {
			swim_driver_join(n, now);
		}
		break;
	}
}

static int
swim_driver_member_cmp(const void *a, const void *b)
{
	const struct swim_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Copy the members into n->mem, sorted by id; returns how many. */
static uint32_t
swim_driver_snapshot(struct node *n)
{
	uint32_t cnt = swim_members(n->swim, NULL, 0);

	if (cnt > n->mem_cap) {
		struct swim_member *m = realloc(n->mem, cnt * sizeof(*m));

		if (m == NULL)
			return 0;
		n->mem = m;
		n->mem_cap = cnt;
	}
	cnt = swim_members(n->swim, n->mem, cnt);
	qsort(n->mem, cnt, sizeof(*n->mem), swim_driver_member_cmp);
	return cnt;
}

/* One log line for each member whose state, incarnation or address moved. */
static void
swim_driver_log_view(struct node *n)
{
	uint64_t v = swim_view_version(n->swim);
	struct node_seen *seen;
	uint32_t cnt, j = 0;

	if (v == n->logged_version)
		return;
	n->logged_version = v;
	cnt = swim_driver_snapshot(n);
	seen = malloc((cnt ? cnt : 1) * sizeof(*seen));
	if (seen == NULL)
		return;
	for (uint32_t i = 0; i < cnt; i++) {
		const struct swim_member *m = &n->mem[i];
		const struct node_seen *old = NULL;
		char addr[32];

		while (j < n->n_seen && n->seen[j].id < m->id)
			j++;
		if (j < n->n_seen && n->seen[j].id == m->id)
			old = &n->seen[j];
		seen[i] = (struct node_seen){
			.id = m->id, .ip = m->ip, .port = m->port,
			.state = m->state, .incarnation = m->incarnation,
			.weight = m->weight,
		};
		if (old != NULL && old->state == m->state &&
				old->incarnation == m->incarnation &&
				old->ip == m->ip && old->port == m->port &&
				old->weight == m->weight)
			continue;
		swim_driver_addr(addr, sizeof(addr), m->ip, m->port);
		if (m->id == n->self.id) {
			if (m->state == SWIM_LEFT)
				log_info("this node left the cluster");
			continue;
		}
		log_info("member %u %s %s, incarnation %u, zone %u, weight %u",
				m->id, addr, swim_driver_state_name(m->state),
				m->incarnation, m->zone, m->weight);
	}
	free(n->seen);
	n->seen = seen;
	n->n_seen = cnt;
}

/*
 * Of two live members at one address and port (a node restarted under
 * another id while its old one is still suspected), the one that wins:
 * this node, then alive over suspect, then the one heard of last.
 */
static bool
swim_driver_table_wins(const struct node *n, const struct swim_member *a,
		const struct swim_member *b)
{
	if (a->id == n->self.id || b->id == n->self.id)
		return a->id == n->self.id;
	if (a->state != b->state)
		return a->state < b->state;
	return a->since_ms >= b->since_ms;
}

static int
swim_driver_addr_cmp(const void *a, const void *b)
{
	const struct swim_member *x = *(const struct swim_member *const *)a;
	const struct swim_member *y = *(const struct swim_member *const *)b;
	uint64_t kx = (uint64_t)ntohl(x->ip) << 16 | x->port;
	uint64_t ky = (uint64_t)ntohl(y->ip) << 16 | y->port;

	return (kx > ky) - (kx < ky);
}

static int
swim_driver_link_member_cmp(const void *a, const void *b)
{
	const struct link_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

uint32_t
swim_driver_live_members(struct node *n, struct link_member **out)
{
	uint32_t cnt, k = 0, u = 0;
	struct link_member *t;
	const struct swim_member **live;

	*out = NULL;
	cnt = swim_driver_snapshot(n);
	t = malloc((cnt ? cnt : 1) * sizeof(*t));
	live = malloc((cnt ? cnt : 1) * sizeof(*live));
	if (t == NULL || live == NULL) {
		free(t);
		free(live);
		return 0;
	}
	/* A suspect keeps its channels until it is declared dead. */
	for (uint32_t i = 0; i < cnt; i++)
		if (n->mem[i].state <= SWIM_SUSPECT)
			live[k++] = &n->mem[i];
	/*
	 * The dataplane refuses a table that puts two members at one
	 * address and port: keep one of each.
	 */
	qsort(live, k, sizeof(*live), swim_driver_addr_cmp);
	for (uint32_t i = 0; i < k; i++) {
		if (u > 0 && swim_driver_addr_cmp(&live[i],
				&live[u - 1]) == 0) {
			if (swim_driver_table_wins(n, live[i], live[u - 1]))
				live[u - 1] = live[i];
			continue;
		}
		live[u++] = live[i];
	}
	if (u > RING_MEMBERS_MAX)
		u = RING_MEMBERS_MAX;
	for (uint32_t i = 0; i < u; i++)
		t[i] = (struct link_member){
			.id = live[i]->id, .ip = live[i]->ip,
			.udp_port = live[i]->port, .zone = live[i]->zone,
			.weight = live[i]->weight,
		};
	qsort(t, u, sizeof(*t), swim_driver_link_member_cmp);
	free(live);
	if (u == 0) {
		free(t);
		return 0;
	}
	*out = t;
	return u;
}

/*
 * Send the dataplane the members that own channels, alive or suspect:
 * as its table, or with Raft (which gives the ring) as the members whose
 * messages it also accepts.
 */
static void
swim_driver_table_push(struct node *n)
{
	struct link_member *t;
	uint32_t u;

	if (n->stop != NODE_RUNNING) {
		n->table_pending = false;
		return;
	}
	u = swim_driver_live_members(n, &t);
	n->pushed_version = swim_view_version(n->swim);
	n->table_pending = false;
	if (u > 0 && n->raft != NULL) {
		if (link_send_alive(n->link, n->next_table_id++, t, u) == 0)
			log_debug("told rumor-dataplane %u member(s) alive", u);
	} else if (u > 0 && link_send_table(n->link, n->next_table_id++, t,
			u) == 0) {
		log_debug("sent rumor-dataplane a table of %u member(s)", u);
	}
	free(t);
}

/* Tell the dataplane our incarnation when it changes or it forgot it. */
static void
swim_driver_incarnation(struct node *n)
{
	uint32_t inc = swim_incarnation(n->swim);

	if (inc != n->inc_seen) {
		log_info("incarnation %u (was %u): refuted news of this "
				"node's suspicion or death", inc, n->inc_seen);
		n->inc_seen = inc;
	}
	if (!link_ready(n->link) || (n->inc_told_valid && n->inc_told == inc))
		return;
	if (link_send_incarnation(n->link, inc) == 0) {
		n->inc_told = inc;
		n->inc_told_valid = true;
		n->st.incarnations_sent++;
	}
}

/* Seal and send what the membership has to send. */
void
swim_driver_drain(struct node *n)
{
	struct swim_out o;

	while (swim_output(n->swim, &o))
		node_send_sealed(n, SEAL_P_SWIM, o.to, o.buf, o.len, o.ip,
				o.port);
}

/* The first handshake: the membership starts from the dataplane's STATE. */
static int
swim_driver_start(struct node *n, const struct link_state *st, uint64_t now)
{
	char addr[32];
	uint64_t seed;

	n->self = (struct swim_self){
		.id = st->node_id, .ip = st->address, .port = st->udp_port,
		.weight = st->weight, .zone = st->zone,
		.incarnation = st->incarnation + 1,
	};
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = now ^ ((uint64_t)getpid() << 32);
	n->rng = seed | 1;
	n->swim = swim_new(&n->self, &n->params, seed,
			swim_driver_now(n, now));
	if (n->swim == NULL) {
		log_error("cannot start the membership: %s", strerror(errno));
		return -1;
	}
	swim_driver_align_clock(n, now);
	n->inc_seen = swim_incarnation(n->swim);
	n->logged_version = UINT64_MAX;
	n->pushed_version = UINT64_MAX;
	n->table_hold = now + NODE_TABLE_FIRST_MS;
	log_info("node %u at %s, zone %u, weight %u, incarnation %u",
			st->node_id, swim_driver_addr(addr, sizeof(addr),
			st->address, st->udp_port), st->zone, st->weight,
			n->self.incarnation);
	return 0;
}

int
swim_driver_attached(struct node *n, const struct link_state *st,
		const struct link_member *m, uint32_t cnt, uint64_t now)
{
	if (n->swim == NULL) {
		if (swim_driver_start(n, st, now) < 0)
			return -1;
		for (uint32_t i = 0; i < n->cfg->n_seeds; i++)
			swim_driver_seed_add(n, n->cfg->seed_ip[i],
					n->cfg->seed_port[i]);
	} else {
		if (n->paused) {
			n->paused_ms += now - n->pause_start;
			n->paused = false;
			swim_driver_align_clock(n, now);
		}
		log_info("control link back: membership resumed, %u live "
				"member(s) known", swim_live_count(n->swim));
		/* It may have restarted and forgotten both. */
		n->pushed_version = UINT64_MAX;
		n->table_pending = true;
		n->table_due = now;
		n->table_hold = 0;
	}
	n->inc_told_valid = false;
	if (st->incarnation > swim_incarnation(n->swim))
		log_warning("rumor-dataplane remembers incarnation %u, above "
				"this node's %u", st->incarnation,
				swim_incarnation(n->swim));
	/* Its members are the best seeds when rumor-control restarts. */
	for (uint32_t i = 0; i < cnt; i++)
		if (m[i].id != st->node_id)
			swim_driver_seed_add(n, m[i].ip, m[i].udp_port);
	swim_driver_incarnation(n);
	if (n->n_seeds == 0 && swim_live_count(n->swim) <= 1) {
		log_info("no seeds and no other member known: starting as the "
				"first node");
	} else if (n->join == NODE_JOIN_IDLE &&
			swim_live_count(n->swim) <= 1) {
		n->join_wait_s = NODE_JOIN_WAIT_MIN_S;
		swim_driver_join(n, now);
	}
	return 0;
}

void
swim_driver_detached(struct node *n, uint64_t now)
{
	if (n->swim != NULL && !n->paused) {
		n->paused = true;
		n->pause_start = now;
		log_info("membership paused until rumor-dataplane is back");
	}
}

void
swim_driver_leave(struct node *n, uint64_t now)
{
	swim_leave(n->swim, swim_driver_now(n, now));
	n->join = NODE_JOIN_IDLE;
}

void
swim_driver_timers(struct node *n, uint64_t now)
{
	if (n->swim != NULL && !n->paused) {
		uint64_t t = swim_driver_now(n, now);

		if (t >= swim_next_timer(n->swim))
			swim_tick(n->swim, t);
	}
	if (n->table_pending && now >= n->table_due &&
			link_ready(n->link)) {
		/*
		 * The first table after a start waits for the join's
		 * answers, so that the dataplane's ring does not shrink to
		 * this node alone for a moment.
		 */
		if (now < n->table_hold && swim_live_count(n->swim) <= 1)
			n->table_due = n->table_hold;
		else
			swim_driver_table_push(n);
	}
}

void
swim_driver_after(struct node *n, uint64_t now)
{
	if (n->swim == NULL)
		return;
	swim_driver_drain(n);
	swim_driver_incarnation(n);
	swim_driver_log_view(n);
	/* After the view is logged, so that "joined" follows its members. */
	swim_driver_join_tick(n, now);
	swim_driver_drain(n);
	/*
	 * With Raft, the dataplane's ring is the committed epoch, not this
	 * node's own view (epoch_driver.c): the view goes as the members it
	 * accepts. A leaving node's table would not hold itself, which the
	 * dataplane refuses: it keeps forwarding with the last one.
	 */
	if (swim_view_version(n->swim) != n->pushed_version &&
			!n->table_pending && n->stop == NODE_RUNNING) {
		n->table_pending = true;
		n->table_due = now + NODE_TABLE_DEBOUNCE_MS;
	}
}

uint64_t
swim_driver_next(const struct node *n)
{
	uint64_t t = UINT64_MAX;

	if (n->swim != NULL && !n->paused) {
		uint64_t s = swim_next_timer(n->swim);

		if (s != UINT64_MAX && s + n->paused_ms < t)
			t = s + n->paused_ms;
	}
	if (n->swim != NULL && !n->paused && n->n_seeds > 0 &&
			n->join != NODE_JOIN_IDLE && n->join_at < t)
		t = n->join_at;
	if (n->table_pending && link_ready(n->link) && n->table_due < t)
		t = n->table_due;
	return t;
}

void
swim_driver_close(struct node *n)
{
	swim_free(n->swim);
	n->swim = NULL;
	free(n->seen);
	free(n->mem);
	free(n->seed_ip);
	free(n->seed_port);
}
