/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's loop (node.h). One thread, one poll(): the control link,
 * the admin socket and its clients, and a signalfd for SIGTERM and SIGINT;
 * the timeout is the earliest of the membership's next timer and the
 * node's own (reconnection, join retry, table debounce, statistics wait,
 * leave linger), so the process sleeps whenever there is nothing to do.
 *
 * Datagrams in: PUNT -> seal_open -> (a membership message whose sender
 * is the one the seal authenticated) -> swim_input. Datagrams out:
 * swim_output -> seal_wrap -> SEND. Every verdict is counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "rumor/ring.h"
#include "rumor/log.h"
#include "node.h"
#include "node_int.h"
#include "rumor/punt.h"

uint64_t
node_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Align the membership's probe schedule on the wall clock, which the
 * nodes of a cluster share (NTP), while its own clock is this process's
 * monotonic one, paused while the dataplane is away.
 */
static void
node_align_clock(struct node *n, uint64_t now_ms)
{
	struct timespec ts;
	int64_t wall;

	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	swim_align_clock(n->swim, wall - (int64_t)node_swim_now(n, now_ms));
}

uint64_t
node_swim_now(const struct node *n, uint64_t now_ms)
{
	return (n->paused ? n->pause_start : now_ms) - n->paused_ms;
}

const char *
node_state_name(uint8_t state)
{
	static const char *const names[SWIM_STATE_MAX] = {
		[SWIM_ALIVE] = "alive",
		[SWIM_SUSPECT] = "suspect",
		[SWIM_DEAD] = "dead",
		[SWIM_LEFT] = "left",
	};

	return state < SWIM_STATE_MAX ? names[state] : "?";
}

int
node_params(const struct rumor_config *cfg, const char *name,
		struct swim_params *p, char *err, size_t errlen)
{
	swim_params_default(p);
	if (cfg->probe_interval_ms != 0)
		p->probe_interval_ms = cfg->probe_interval_ms;
	if (cfg->probe_timeout_ms != 0)
		p->probe_timeout_ms = cfg->probe_timeout_ms;
	else if (p->probe_timeout_ms >= p->probe_interval_ms)
		p->probe_timeout_ms = p->probe_interval_ms / 2;
	if (cfg->suspicion_mult != 0)
		p->suspicion_mult = cfg->suspicion_mult;
	if (cfg->gossip_interval_ms != 0)
		p->gossip_interval_ms = cfg->gossip_interval_ms;
	if (cfg->sync_interval_ms != 0)
		p->sync_interval_ms = cfg->sync_interval_ms;
	if (p->probe_timeout_ms >= p->probe_interval_ms) {
		snprintf(err, errlen, "%s: field 'probe_timeout_ms': %u ms "
				"must be shorter than the probe interval "
				"(%u ms)", name, p->probe_timeout_ms,
				p->probe_interval_ms);
		return -1;
	}
	return 0;
}

/* xorshift64: which seeds a join attempt asks. */
static uint64_t
node_rand(struct node *n)
{
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return n->rng;
}

static char *
node_addr(char *buf, size_t cap, uint32_t ip, uint16_t port)
{
	char a[INET_ADDRSTRLEN];
	struct in_addr in = { .s_addr = ip };

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(buf, cap, "%s:%u", a, port);
	return buf;
}

/* A join candidate, unless it is this node or already known. */
static void
node_seed_add(struct node *n, uint32_t ip, uint16_t port)
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
node_join_ask(struct node *n, uint64_t now)
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
			uint32_t j = k + (uint32_t)(node_rand(n) %
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
	swim_join(n->swim, node_swim_now(n, now), ips, ports, k);
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
node_join_tick(struct node *n, uint64_t now)
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
			node_join_ask(n, now);
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
			node_join_ask(n, now);
		}
		break;
	}
}

static int
node_member_cmp(const void *a, const void *b)
{
	const struct swim_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Copy the members into n->mem, sorted by id; returns how many. */
static uint32_t
node_snapshot(struct node *n)
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
	qsort(n->mem, cnt, sizeof(*n->mem), node_member_cmp);
	return cnt;
}

/* One log line for each member whose state, incarnation or address moved. */
static void
node_log_view(struct node *n)
{
	uint64_t v = swim_view_version(n->swim);
	struct node_seen *seen;
	uint32_t cnt, j = 0;

	if (v == n->logged_version)
		return;
	n->logged_version = v;
	cnt = node_snapshot(n);
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
		node_addr(addr, sizeof(addr), m->ip, m->port);
		if (m->id == n->self.id) {
			if (m->state == SWIM_LEFT)
				log_info("this node left the cluster");
			continue;
		}
		log_info("member %u %s %s, incarnation %u, zone %u, weight %u",
				m->id, addr, node_state_name(m->state),
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
node_table_wins(const struct node *n, const struct swim_member *a,
		const struct swim_member *b)
{
	if (a->id == n->self.id || b->id == n->self.id)
		return a->id == n->self.id;
	if (a->state != b->state)
		return a->state < b->state;
	return a->since_ms >= b->since_ms;
}

static int
node_addr_cmp(const void *a, const void *b)
{
	const struct swim_member *x = *(const struct swim_member *const *)a;
	const struct swim_member *y = *(const struct swim_member *const *)b;
	uint64_t kx = (uint64_t)ntohl(x->ip) << 16 | x->port;
	uint64_t ky = (uint64_t)ntohl(y->ip) << 16 | y->port;

	return (kx > ky) - (kx < ky);
}

static int
node_ctl_member_cmp(const void *a, const void *b)
{
	const struct link_member *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

uint32_t
node_live_members(struct node *n, struct link_member **out)
{
	uint32_t cnt, k = 0, u = 0;
	struct link_member *t;
	const struct swim_member **live;

	*out = NULL;
	cnt = node_snapshot(n);
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
	qsort(live, k, sizeof(*live), node_addr_cmp);
	for (uint32_t i = 0; i < k; i++) {
		if (u > 0 && node_addr_cmp(&live[i], &live[u - 1]) == 0) {
			if (node_table_wins(n, live[i], live[u - 1]))
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
	qsort(t, u, sizeof(*t), node_ctl_member_cmp);
	free(live);
	if (u == 0) {
		free(t);
		return 0;
	}
	*out = t;
	return u;
}

/* Send the dataplane the members that own channels: alive or suspect. */
static void
node_table_push(struct node *n)
{
	struct link_member *t;
	uint32_t u;

	if (n->stop != NODE_RUNNING) {
		n->table_pending = false;
		return;
	}
	u = node_live_members(n, &t);
	n->pushed_version = swim_view_version(n->swim);
	n->table_pending = false;
	if (u > 0 && link_send_table(n->link, n->next_table_id++, t, u) == 0)
		log_debug("sent rumor-dataplane a table of %u member(s)", u);
	free(t);
}

/* Tell the dataplane our incarnation when it changes or it forgot it. */
static void
node_incarnation(struct node *n)
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

void
node_send_sealed(struct node *n, uint8_t proto, const uint8_t *body,
		size_t len, uint32_t ip, uint16_t port)
{
	size_t dlen = seal_wrap(n->seal, proto, body, len, n->dgram,
			sizeof(n->dgram));

	if (dlen == 0) {
		n->st.tx_seal_failed++;
		return;
	}
	if (link_send_dgram(n->link, ip, port, n->dgram, (uint16_t)dlen) < 0)
		n->st.tx_dropped++;
	else
		n->st.tx++;
}

/* Seal and send what the membership has to send. */
static void
node_drain(struct node *n)
{
	struct swim_out o;

	while (swim_output(n->swim, &o))
		node_send_sealed(n, SEAL_P_SWIM, o.buf, o.len, o.ip, o.port);
}

/* After anything happened: send, log, and schedule what follows. */
static void
node_after(struct node *n, uint64_t now)
{
	if (n->swim == NULL)
		return;
	node_drain(n);
	node_incarnation(n);
	node_log_view(n);
	/* After the view is logged, so that "joined" follows its members. */
	node_join_tick(n, now);
	node_drain(n);
	/*
	 * With Raft, the dataplane's table is the committed epoch, not this
	 * node's own view.
	 */
	if (n->raft != NULL) {
		node_raft_after(n, now);
		return;
	}
	/*
	 * A leaving node's table would not hold itself, which the dataplane
	 * refuses: it keeps forwarding with the last one.
	 */
	if (swim_view_version(n->swim) != n->pushed_version &&
			!n->table_pending && n->stop == NODE_RUNNING) {
		n->table_pending = true;
		n->table_due = now + NODE_TABLE_DEBOUNCE_MS;
	}
}

static void
node_timers(struct node *n, uint64_t now)
{
	link_tick(n->link, now);
	if (n->swim != NULL && !n->paused) {
		uint64_t t = node_swim_now(n, now);

		if (t >= swim_next_timer(n->swim))
			swim_tick(n->swim, t);
	}
	if (n->raft != NULL)
		node_raft_timers(n, now);
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
			node_table_push(n);
	}
	if (n->n_stats_waiting > 0 && now >= n->stats_deadline) {
		n->st.stats_timeouts++;
		node_admin_stats_done(n, NULL, 0, "no answer within 1 s");
	}
	if (n->stop == NODE_LEAVING && now >= n->linger_until &&
			(node_raft_left(n) || now >= n->leave_until)) {
		if (!node_raft_left(n))
			log_warning("no epoch without this node within %u ms: "
					"its dataplane keeps the ring it has",
					NODE_LEAVE_WAIT_MS);
		log_info("left; exiting");
		n->stop = NODE_EXIT;
	}
}

static uint64_t
node_next_deadline(const struct node *n)
{
	uint64_t t = link_next_timer(n->link);

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
	if (n->raft != NULL && node_raft_next(n) < t)
		t = node_raft_next(n);
	if (n->n_stats_waiting > 0 && n->stats_deadline < t)
		t = n->stats_deadline;
	if (n->stop == NODE_LEAVING) {
		/* Linger; and, with Raft, until the epoch without it. */
		uint64_t end = node_raft_left(n) ? n->linger_until :
				n->leave_until;

		if (end < t)
			t = end;
	}
	return t;
}

/* The first handshake: the membership starts from the dataplane's STATE. */
static int
node_start(struct node *n, const struct link_state *st, uint64_t now)
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
	n->swim = swim_new(&n->self, &n->params, seed, node_swim_now(n, now));
	if (n->swim == NULL) {
		log_error("cannot start the membership: %s", strerror(errno));
		return -1;
	}
	node_align_clock(n, now);
	n->inc_seen = swim_incarnation(n->swim);
	n->logged_version = UINT64_MAX;
	n->pushed_version = UINT64_MAX;
	n->table_hold = now + NODE_TABLE_FIRST_MS;
	log_info("node %u at %s, zone %u, weight %u, incarnation %u",
			st->node_id, node_addr(addr, sizeof(addr), st->address,
			st->udp_port), st->zone, st->weight,
			n->self.incarnation);
	return 0;
}

/* Link callback: the handshake is complete. */
static void
node_ready(void *arg, const struct link_state *st, const struct link_member *m,
		uint32_t cnt)
{
	struct node *n = arg;
	uint64_t now = node_mono_ms();

	if (st->node_id != n->cfg->node_id) {
		log_error("rumor-dataplane at %s is node %u, but %s says node "
				"%u", n->cfg->control_socket, st->node_id,
				n->name, n->cfg->node_id);
		n->exit_status = 1;
		n->stop = NODE_EXIT;
		return;
	}
	if (n->swim != NULL && (st->address != n->self.ip ||
			st->udp_port != n->self.port)) {
		log_error("rumor-dataplane now serves another address or "
				"port; restart rumor-control to follow it");
		n->exit_status = 1;
		n->stop = NODE_EXIT;
		return;
	}
	if (n->swim == NULL) {
		if (node_start(n, st, now) < 0) {
			n->exit_status = 1;
			n->stop = NODE_EXIT;
			return;
		}
		for (uint32_t i = 0; i < n->cfg->n_seeds; i++)
			node_seed_add(n, n->cfg->seed_ip[i],
					n->cfg->seed_port[i]);
	} else {
		if (n->paused) {
			n->paused_ms += now - n->pause_start;
			n->paused = false;
			node_align_clock(n, now);
		}
		log_info("control link back: membership resumed, %u live "
				"member(s) known", swim_live_count(n->swim));
		/* It may have restarted and forgotten both. */
		n->pushed_version = UINT64_MAX;
		n->table_pending = n->raft == NULL;
		n->table_due = now;
		n->table_hold = 0;
	}
	if (n->raft != NULL)
		node_raft_attached(n);
	n->inc_told_valid = false;
	if (st->incarnation > swim_incarnation(n->swim))
		log_warning("rumor-dataplane remembers incarnation %u, above "
				"this node's %u", st->incarnation,
				swim_incarnation(n->swim));
	/* Its members are the best seeds when rumor-control restarts. */
	for (uint32_t i = 0; i < cnt; i++)
		if (m[i].id != st->node_id)
			node_seed_add(n, m[i].ip, m[i].udp_port);
	node_incarnation(n);
	if (n->n_seeds == 0 && swim_live_count(n->swim) <= 1) {
		log_info("no seeds and no other member known: starting as the "
				"first node");
	} else if (n->join == NODE_JOIN_IDLE &&
			swim_live_count(n->swim) <= 1) {
		n->join_wait_s = NODE_JOIN_WAIT_MIN_S;
		node_join_ask(n, now);
	}
}

/* Link callback: the dataplane went away. */
static void
node_lost(void *arg)
{
	struct node *n = arg;
	uint64_t now = node_mono_ms();

	if (n->swim != NULL && !n->paused) {
		n->paused = true;
		n->pause_start = now;
		log_info("membership paused until rumor-dataplane is back");
	}
	if (n->n_stats_waiting > 0)
		node_admin_stats_done(n, NULL, 0, "not connected");
	/* Nothing can spread a leave any more. */
	if (n->stop == NODE_LEAVING)
		n->stop = NODE_EXIT;
}

/* Link callback: a control datagram from another node. */
static void
node_punt(void *arg, const struct link_datagram *d)
{
	struct node *n = arg;
	uint32_t sender;
	size_t len;

	n->st.rx++;
	if (n->swim == NULL) {
		n->st.rx_not_ready++;
		return;
	}
	switch (punt_open(n->seal, d->data, d->len, n->body, sizeof(n->body),
			&len, &sender)) {
	case PUNT_RAFT:
		if (n->raft == NULL) {
			/* Raft is off here: not a protocol this node runs. */
			n->st.rx_wrong_proto++;
			break;
		}
		n->st.rx_raft++;
		node_raft_input(n, sender, n->body, len, node_mono_ms());
		break;
	case PUNT_SWIM:
		n->st.rx_swim++;
		swim_input(n->swim, node_swim_now(n, node_mono_ms()), d->ip,
				d->udp_port, n->body, len);
		break;
	case PUNT_WRONG_LABEL:
		n->st.rx_wrong_label++;
		break;
	case PUNT_FORGED:
		n->st.rx_forged++;
		break;
	case PUNT_FORGED_SENDER:
		n->st.rx_forged++;
		n->st.rx_forged_sender++;
		break;
	case PUNT_REPLAYED:
		n->st.rx_replayed++;
		break;
	case PUNT_WRONG_PROTO:
		n->st.rx_wrong_proto++;
		break;
	default:
		n->st.rx_malformed++;
		break;
	}
}

/* Link callback: the dataplane's counters. */
static void
node_link_stats(void *arg, const char *text, uint32_t len)
{
	struct node *n = arg;

	if (n->n_stats_waiting > 0)
		node_admin_stats_done(n, text, len, NULL);
}

static const struct link_ops node_link_ops = {
	.ready = node_ready,
	.lost = node_lost,
	.punt = node_punt,
	.stats = node_link_stats,
};

/* SIGTERM or SIGINT: leave gracefully; a second one exits at once. */
static void
node_signal(struct node *n, int fd, uint64_t now)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (n->stop != NODE_RUNNING || n->swim == NULL ||
			!link_ready(n->link)) {
		log_info("%s: exiting", strsignal((int)si.ssi_signo));
		n->stop = NODE_EXIT;
		return;
	}
	log_info("%s: leaving the cluster", strsignal((int)si.ssi_signo));
	swim_leave(n->swim, node_swim_now(n, now));
	n->join = NODE_JOIN_IDLE;
	n->stop = NODE_LEAVING;
	n->linger_until = now + NODE_LINGER_MS;
	n->leave_until = now + NODE_LEAVE_WAIT_MS;
}

static int
node_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	/* Nothing to reload; a hang-up of the terminal must not kill it. */
	signal(SIGHUP, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
node_loop(struct node *n, int sigfd)
{
	struct pollfd fds[2 + 1 + ADMIN_CLIENTS_MAX];

	while (n->stop != NODE_EXIT) {
		uint64_t now = node_mono_ms(), next;
		unsigned nf = 0, na, link_at = UINT32_MAX;
		int timeout;

		node_timers(n, now);
		node_after(n, now);
		link_flush(n->link, now);
		if (n->stop == NODE_EXIT)
			break;
		next = node_next_deadline(n);
		if (next <= now)
			timeout = 0;
		else if (next - now > 60000)
			timeout = 60000;
		else
			timeout = (int)(next - now);
		fds[nf++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		if (link_fd(n->link) >= 0) {
			link_at = nf;
			fds[nf++] = (struct pollfd){
				.fd = link_fd(n->link),
				.events = link_poll_events(n->link),
			};
		}
		na = admin_poll_fill(n->admin, fds + nf,
				(unsigned)(sizeof(fds) / sizeof(fds[0])) - nf);
		if (poll(fds, nf + na, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			n->exit_status = 1;
			break;
		}
		now = node_mono_ms();
		if (fds[0].revents & POLLIN)
			node_signal(n, sigfd, now);
		if (link_at != UINT32_MAX && fds[link_at].revents != 0)
			link_handle(n->link, fds[link_at].revents, now);
		admin_handle(n->admin, fds + nf, na);
	}
	/* What the leave produced in its last moments still goes out. */
	if (n->swim != NULL)
		node_drain(n);
	link_flush(n->link, node_mono_ms());
}

int
node_run(const struct rumor_config *cfg, const char *name, struct seal *seal,
		const struct swim_params *p)
{
	struct node *n = calloc(1, sizeof(*n));
	char err[512];
	int sigfd, status;
	struct timespec ts;

	if (n == NULL) {
		log_error("out of memory");
		return 1;
	}
	n->cfg = cfg;
	n->name = name;
	n->params = *p;
	n->seal = seal;
	n->start_ms = node_mono_ms();
	/* Table ids that no earlier run of this node has used. */
	clock_gettime(CLOCK_REALTIME, &ts);
	n->next_table_id = (uint64_t)ts.tv_sec * 1000000u +
			(uint64_t)ts.tv_nsec / 1000u;
	sigfd = node_signalfd();
	if (sigfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		free(n);
		return 1;
	}
	n->admin = admin_open(cfg->admin_socket, node_admin_request, n, err,
			sizeof(err));
	if (n->admin == NULL) {
		log_error("admin socket: %s", err);
		close(sigfd);
		free(n);
		return 1;
	}
	n->link = link_new(cfg->control_socket, &node_link_ops, n);
	if (n->link == NULL) {
		log_error("control socket %s: %s", cfg->control_socket,
				strerror(errno));
		admin_close(n->admin);
		close(sigfd);
		free(n);
		return 1;
	}
	log_info("admin socket %s; control socket %s", cfg->admin_socket,
			cfg->control_socket);
	if (cfg->n_voters > 0 && node_raft_open(n) < 0) {
		link_free(n->link);
		admin_close(n->admin);
		close(sigfd);
		free(n);
		return 1;
	}
	node_loop(n, sigfd);
	status = n->exit_status;
	node_raft_close(n);
	admin_close(n->admin);
	link_free(n->link);
	swim_free(n->swim);
	free(n->seen);
	free(n->mem);
	free(n->seed_ip);
	free(n->seed_port);
	close(sigfd);
	free(n);
	return status;
}
