/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's Raft driver (raft_driver.h). When the configuration
 * names voters, the node runs the sans-I/O Raft core (raft.h) on ring
 * epochs; every other member is a learner. This file feeds the core its
 * ticks and the peers' messages, and carries out each Ready in the order
 * raft.h asks: persist (raft_store.c), send, apply the committed entries
 * (epoch_driver.c), advance.
 *
 * Raft messages travel sealed (SEAL_P_RAFT) in an envelope that names
 * the sender's voter set (raft_env.h). A node that has not yet heard any
 * peer with its own voter set and learns that a peer's set differs
 * refuses to go on: it logs both sets and exits with status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "rumor/log.h"
#include "epoch_driver.h"
#include "raft_driver.h"
#include "raft_store.h"

/* Raft's clock: a tick of a fifth of a probe interval, within bounds. */
#define RAFT_DRIVER_TICK_MIN_MS 20u
#define RAFT_DRIVER_TICK_MAX_MS 200u
/* A peer whose voter set differs is told ours at most this often. */
#define RAFT_DRIVER_TELL_MS 1000u

static uint32_t
raft_driver_tick_ms(const struct node *n)
{
	uint32_t t = n->params.probe_interval_ms / 5;

	if (t < RAFT_DRIVER_TICK_MIN_MS)
		t = RAFT_DRIVER_TICK_MIN_MS;
	if (t > RAFT_DRIVER_TICK_MAX_MS)
		t = RAFT_DRIVER_TICK_MAX_MS;
	return t;
}

/* Where a peer is: the membership first, then the committed epoch. */
static bool
raft_driver_addr(struct node *n, uint32_t id, uint32_t *ip, uint16_t *port)
{
	const struct swim_member *m = n->swim != NULL ?
			swim_member_find(n->swim, id) : NULL;
	const struct config_member *c;

	if (m != NULL) {
		*ip = m->ip;
		*port = m->port;
		return true;
	}
	for (uint32_t i = 0; n->raft->have_applied &&
			i < n->raft->applied.n_members; i++) {
		if (n->raft->applied.members[i].id == id) {
			*ip = n->raft->applied.members[i].ip;
			*port = n->raft->applied.members[i].port;
			return true;
		}
	}
	c = config_member_find(n->cfg, id);
	if (c != NULL) {
		*ip = c->ip;
		*port = c->udp_port;
		return true;
	}
	return false;
}

/* Tell a peer whose voter set differs what ours is, now and then. */
static void
raft_driver_tell(struct node *n, uint32_t id, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct node_raft_told *t = NULL;
	uint32_t ip;
	uint16_t port;
	size_t len;

	for (uint32_t i = 0; i < nr->n_told; i++)
		if (nr->told[i].id == id)
			t = &nr->told[i];
	if (t == NULL) {
		if (nr->n_told == RAFT_NODES_MAX)
			return;
		t = &nr->told[nr->n_told++];
		t->id = id;
		t->at = 0;
	} else if (now < t->at + RAFT_DRIVER_TELL_MS) {
		return;
	}
	t->at = now;
	if (!raft_driver_addr(n, id, &ip, &port)) {
		nr->st.rx_unknown_peer++;
		return;
	}
	/* The voter lines, sorted, as founded. */
	len = raft_env_encode_voters(n->cfg->voters, n->cfg->n_voters,
			nr->env, sizeof(nr->env));
	if (len > 0)
		node_send_sealed(n, SEAL_P_RAFT, id, nr->env, len, ip,
				port);
}

/* A peer's voter set differs from ours (it told us). */
static void
raft_driver_differs(struct node *n, uint32_t id, const struct raft_env *e,
		uint64_t now)
{
	struct node_raft *nr = n->raft;
	char theirs[RAFT_ENV_VOTERS_STR];

	raft_env_voters_str(e->voters, e->n_voters, theirs, sizeof(theirs));
	snprintf(nr->refuse_why, sizeof(nr->refuse_why),
			"voter set differs from node %u's: %s here, %s there",
			id, nr->voters_str, theirs);
	if (nr->confirmed) {
		/* This node talks with peers of its own set: node id errs. */
		log_error("%s; node %u must be configured with this "
				"cluster's voters", nr->refuse_why, id);
		raft_driver_tell(n, id, now);
		return;
	}
	/*
	 * Nobody with our set has spoken yet. Give them an election timeout
	 * (a cluster starting up): if one does, the error is node id's.
	 */
	if (nr->refuse_at == 0)
		nr->refuse_at = now + nr->tick_ms * NODE_RAFT_ELECTION_TICKS;
	raft_driver_tell(n, id, now);
}

void
raft_driver_input(struct node *n, uint32_t sender, const uint8_t *body,
		size_t len, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct raft_env e;

	if (raft_env_decode(body, len, &e) < 0) {
		nr->st.rx_malformed++;
		return;
	}
	if (e.kind == RAFT_ENV_VOTERS) {
		if (e.voters_hash != nr->voters_hash)
			raft_driver_differs(n, sender, &e, now);
		return;
	}
	if (e.voters_hash != nr->voters_hash) {
		nr->st.rx_voters_differ++;
		raft_driver_tell(n, sender, now);
		return;
	}
	if (raft_decode(e.body, e.body_len, &nr->msg) != RAFT_WIRE_OK ||
			nr->msg.from != sender) {
		nr->st.rx_malformed++;
		return;
	}
	nr->confirmed = true;
	if (nr->refuse_at != 0) {
		nr->refuse_at = 0;
		log_error("%s; peers with this node's voter set answer, so "
				"it stays", nr->refuse_why);
	}
	if (raft_step(nr->raft, &nr->msg) < 0)
		nr->st.rx_dropped++;
}

/* Send what Raft has to send, each in its envelope. */
static void
raft_driver_send(struct node *n, const struct raft_ready *rd)
{
	struct node_raft *nr = n->raft;

	for (size_t i = 0; i < rd->n_msgs; i++) {
		const struct raft_out *o = &rd->msgs[i];
		uint32_t ip;
		uint16_t port;
		size_t len;

		if (!raft_driver_addr(n, o->to, &ip, &port)) {
			nr->st.tx_no_address++;
			continue;
		}
		len = raft_env_encode_msg(nr->voters_hash, o->buf, o->len,
				nr->env, sizeof(nr->env));
		if (len == 0)
			continue;
		node_send_sealed(n, SEAL_P_RAFT, o->to, nr->env, len, ip,
				port);
		nr->st.tx++;
	}
}

/* Role and leader changes, logged once each. */
static void
raft_driver_log_role(struct node_raft *nr)
{
	const struct raft_status st = raft_status(nr->raft);
	enum raft_role role = st.role;
	uint32_t lead = st.leader;

	if (role == nr->role_seen && lead == nr->leader_seen)
		return;
	if (role == RAFT_LEADER && nr->role_seen != RAFT_LEADER)
		log_info("raft: this node leads, term %" PRIu64,
				st.term);
	else if (role != RAFT_LEADER && lead != 0 && lead != nr->leader_seen)
		log_info("raft: node %u leads, term %" PRIu64, lead,
				st.term);
	nr->role_seen = role;
	nr->leader_seen = lead;
}

/* The ready loop of raft.h's contract. */
static void
raft_driver_ready(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct raft_ready rd;

	while (raft_ready(nr->raft, &rd)) {
		if (raft_store_persist(n, &rd) < 0)
			return;
		raft_driver_send(n, &rd);
		if (rd.snapshot != NULL && rd.snapshot->len > 0)
			epoch_driver_apply(n, RAFT_ENTRY_RING_EPOCH,
					rd.snapshot->data, rd.snapshot->len,
					now);
		for (size_t i = 0; i < rd.n_committed; i++)
			epoch_driver_apply(n, rd.committed[i].type,
					rd.committed[i].data,
					rd.committed[i].len, now);
		if (rd.snapshot != NULL)
			log_info("raft: installed the leader's snapshot at "
					"index %" PRIu64 " (ring epoch %" PRIu64
					")", rd.snapshot->index,
					epoch_driver_last(nr));
		raft_advance(nr->raft, &rd);
	}
	raft_store_after(n);
}

void
raft_driver_after(struct node *n, uint64_t now)
{
	if (n->swim == NULL)
		return;
	epoch_driver_propose(n, now);
	raft_driver_ready(n, now);
	raft_driver_log_role(n->raft);
	epoch_driver_push(n);
}

void
raft_driver_timers(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;

	if (nr->refuse_at != 0 && now >= nr->refuse_at && !nr->confirmed) {
		log_error("%s: refusing to start; every node must list the "
				"same voters", nr->refuse_why);
		n->exit_status = 1;
		n->stop = NODE_EXIT;
		return;
	}
	if (n->swim == NULL) {
		nr->next_tick = now + nr->tick_ms;
		return;
	}
	/* Ticks lost to a busy loop are caught up, a few at a time. */
	for (int k = 0; k < 5 && now >= nr->next_tick; k++) {
		raft_tick(nr->raft);
		nr->next_tick += nr->tick_ms;
	}
	if (now >= nr->next_tick)
		nr->next_tick = now + nr->tick_ms;
}

uint64_t
raft_driver_next(const struct node *n)
{
	const struct node_raft *nr = n->raft;
	uint64_t t = nr->next_tick;

	/* The leader's plan wakes the loop to propose its batch. */
	if (nr->plan_wake < t)
		t = nr->plan_wake;
	if (nr->refuse_at != 0 && nr->refuse_at < t)
		t = nr->refuse_at;
	return t;
}

int
raft_driver_open(struct node *n)
{
	const struct rumor_config *cfg = n->cfg;
	struct node_raft *nr = calloc(1, sizeof(*nr));
	struct raft_config rc;

	if (nr == NULL) {
		log_error("out of memory");
		return -1;
	}
	n->raft = nr;
	if (epoch_driver_open(nr) < 0) {
		log_error("out of memory");
		goto fail;
	}
	nr->tick_ms = raft_driver_tick_ms(n);
	nr->role_seen = RAFT_FOLLOWER;
	nr->voters_hash = raft_env_voters_hash(cfg->voters, cfg->n_voters);
	raft_env_voters_str(cfg->voters, cfg->n_voters, nr->voters_str,
			sizeof(nr->voters_str));
	raft_config_default(&rc);
	rc.id = cfg->node_id;
	rc.n_voters = cfg->n_voters;
	memcpy(rc.voters, cfg->voters, cfg->n_voters * sizeof(rc.voters[0]));
	/* The file's other members are learners from the start. */
	for (uint32_t i = 0; i < cfg->n_members &&
			rc.n_learners + rc.n_voters < RAFT_NODES_MAX; i++) {
		bool voter = false;

		for (uint32_t j = 0; j < cfg->n_voters; j++)
			voter |= cfg->voters[j] == cfg->members[i].id;
		if (!voter)
			rc.learners[rc.n_learners++] = cfg->members[i].id;
	}
	rc.election_ticks = NODE_RAFT_ELECTION_TICKS;
	rc.heartbeat_ticks = NODE_RAFT_HEARTBEAT_TICKS;
	rc.snapshot_ok = epoch_driver_snapshot_ok;
	if (getrandom(&rc.seed, sizeof(rc.seed), 0) != sizeof(rc.seed))
		rc.seed = node_mono_ms() ^ ((uint64_t)getpid() << 32);
	nr->raft = raft_new(&rc);
	if (nr->raft == NULL) {
		log_error("cannot start Raft: %s", strerror(errno));
		goto fail;
	}
	/* The core starts empty; raft_dir has what it held. */
	if (raft_store_open(n) < 0)
		goto fail;
	nr->next_tick = node_mono_ms() + nr->tick_ms;
	return 0;
fail:
	raft_driver_close(n);
	return -1;
}

void
raft_driver_close(struct node *n)
{
	struct node_raft *nr = n->raft;

	if (nr == NULL)
		return;
	raft_free(nr->raft);
	raft_store_close(nr);
	epoch_driver_close(nr);
	free(nr);
	n->raft = NULL;
}
