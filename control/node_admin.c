/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's answers to rumorctl (admin.h): the member table, and the
 * counters of both processes. The dataplane's counters come over the
 * control link, so a stats reply waits for them, briefly, and every
 * client asking meanwhile shares the one request.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/seal.h"
#include "rumor/log.h"
#include "node_int.h"
#include "swim_driver.h"

/* The widest cell of each column of the member table, header included. */
struct node_widths {
	int id, addr, state, inc, zone, weight;
};

static int
node_width_u(uint64_t v)
{
	int w = 1;

	while (v >= 10) {
		v /= 10;
		w++;
	}
	return w;
}

static void
node_members(struct node *n, uint64_t client)
{
	struct swim_member *mem;
	uint32_t cnt;
	uint64_t now;
	struct node_widths w = {
		.id = 2, .addr = 12, .state = 7, .inc = 11, .zone = 4,
		.weight = 6,
	};
	char addr[32];

	if (n->swim == NULL) {
		admin_reply(n->admin, client, "error: not attached to "
				"rumor-dataplane yet (waiting for its control "
				"socket %s)\n", n->cfg->control_socket);
		admin_reply_end(n->admin, client);
		return;
	}
	now = swim_driver_now(n, node_mono_ms());
	cnt = swim_members(n->swim, NULL, 0);
	mem = calloc(cnt ? cnt : 1, sizeof(*mem));
	if (mem == NULL) {
		admin_reply(n->admin, client, "error: out of memory\n");
		admin_reply_end(n->admin, client);
		return;
	}
	cnt = swim_members(n->swim, mem, cnt);
	for (uint32_t i = 0; i < cnt; i++) {
		const struct swim_member *m = &mem[i];
		struct in_addr in = { .s_addr = m->ip };
		int a = (int)strlen(inet_ntoa(in)) + 1 + node_width_u(m->port);

		if (node_width_u(m->id) > w.id)
			w.id = node_width_u(m->id);
		if (a > w.addr)
			w.addr = a;
		if (node_width_u(m->incarnation) > w.inc)
			w.inc = node_width_u(m->incarnation);
		if (node_width_u(m->weight) > w.weight)
			w.weight = node_width_u(m->weight);
	}
	/* Sorted by id, the way an operator looks for a node. */
	for (uint32_t i = 1; i < cnt; i++) {
		struct swim_member t = mem[i];
		uint32_t j = i;

		for (; j > 0 && mem[j - 1].id > t.id; j--)
			mem[j] = mem[j - 1];
		mem[j] = t;
	}
	admin_reply(n->admin, client, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  "
			"SINCE\n", w.id, "ID", w.addr, "ADDRESS:PORT", w.state,
			"STATE", w.inc, "INCARNATION", w.zone, "ZONE",
			w.weight, "WEIGHT");
	for (uint32_t i = 0; i < cnt; i++) {
		const struct swim_member *m = &mem[i];
		struct in_addr in = { .s_addr = m->ip };
		uint64_t since = now > m->since_ms ? now - m->since_ms : 0;

		snprintf(addr, sizeof(addr), "%s:%u", inet_ntoa(in), m->port);
		admin_reply(n->admin, client, "%-*" PRIu32 "  %-*s  %-*s  "
				"%-*" PRIu32 "  %-*u  %-*" PRIu32 "  "
				"%" PRIu64 ".%" PRIu64 "s%s\n",
				w.id, m->id, w.addr, addr, w.state,
				swim_driver_state_name(m->state), w.inc,
				m->incarnation, w.zone, m->zone, w.weight,
				m->weight, since / 1000, since % 1000 / 100,
				m->id == n->self.id ? "  (this node)" : "");
	}
	/* Not led by a number, so that it never passes for a member row. */
	admin_reply(n->admin, client, "total: %u member(s), %u alive, %u "
			"suspect, %u dead, %u left; rumor-dataplane %s\n", cnt,
			swim_state_count(n->swim, SWIM_ALIVE),
			swim_state_count(n->swim, SWIM_SUSPECT),
			swim_state_count(n->swim, SWIM_DEAD),
			swim_state_count(n->swim, SWIM_LEFT),
			link_ready(n->link) ? "connected" : "not connected");
	admin_reply_end(n->admin, client);
	free(mem);
}

#define NODE_STAT(name, v) \
	admin_reply(n->admin, client, "control." name " %" PRIu64 "\n", \
			(uint64_t)(v))

/* Every counter of this process, one "control.NAME VALUE" line each. */
static void
node_control_stats(struct node *n, uint64_t client)
{
	const struct node_stats *st = &n->st;
	const struct link_stats *ls = link_stats(n->link);
	const struct admin_stats *as = admin_stats(n->admin);
	const struct seal_stats *ss = seal_stats(n->seal);

	NODE_STAT("uptime_ms", node_mono_ms() - n->start_ms);
	NODE_STAT("node_id", n->cfg->node_id);
	if (n->swim != NULL) {
		const struct swim_stats *w = swim_stats(n->swim);

		NODE_STAT("incarnation", swim_incarnation(n->swim));
		NODE_STAT("view_version", swim_view_version(n->swim));
		NODE_STAT("members", swim_members(n->swim, NULL, 0));
		NODE_STAT("members_alive",
				swim_state_count(n->swim, SWIM_ALIVE));
		NODE_STAT("members_suspect",
				swim_state_count(n->swim, SWIM_SUSPECT));
		NODE_STAT("members_dead",
				swim_state_count(n->swim, SWIM_DEAD));
		NODE_STAT("members_left",
				swim_state_count(n->swim, SWIM_LEFT));
		NODE_STAT("swim_sent", w->sent);
		NODE_STAT("swim_received", w->received);
		NODE_STAT("swim_bytes_sent", w->bytes_sent);
		NODE_STAT("swim_bad", w->bad);
		NODE_STAT("swim_probes", w->probes);
		NODE_STAT("swim_indirect_probes", w->indirect_probes);
		NODE_STAT("swim_suspected", w->suspected);
		NODE_STAT("swim_declared_dead", w->declared_dead);
		NODE_STAT("swim_refuted", w->refuted);
		NODE_STAT("swim_out_dropped", w->out_dropped);
		NODE_STAT("swim_syncs", w->syncs);
		NODE_STAT("swim_health", w->health);
	}
	NODE_STAT("rx", st->rx);
	NODE_STAT("rx_swim", st->rx_swim);
	NODE_STAT("rx_malformed", st->rx_malformed);
	NODE_STAT("rx_wrong_label", st->rx_wrong_label);
	NODE_STAT("rx_forged", st->rx_forged);
	NODE_STAT("rx_forged_sender", st->rx_forged_sender);
	NODE_STAT("rx_replayed", st->rx_replayed);
	NODE_STAT("rx_wrong_proto", st->rx_wrong_proto);
	NODE_STAT("rx_not_ready", st->rx_not_ready);
	NODE_STAT("tx", st->tx);
	NODE_STAT("tx_seal_failed", st->tx_seal_failed);
	NODE_STAT("tx_dropped", st->tx_dropped);
	NODE_STAT("join_attempts", st->join_attempts);
	NODE_STAT("incarnations_sent", st->incarnations_sent);
	NODE_STAT("stats_requests", st->stats_requests);
	NODE_STAT("stats_timeouts", st->stats_timeouts);
	NODE_STAT("seal_sealed", ss->sealed);
	NODE_STAT("seal_opened", ss->opened);
	NODE_STAT("seal_opened_old_key", ss->opened_old_key);
	for (int v = SEAL_OK + 1; v < SEAL_VERDICT_MAX; v++)
		admin_reply(n->admin, client, "control.seal_%s %" PRIu64 "\n",
				seal_verdict_name((enum seal_verdict)v),
				ss->refused[v]);
	NODE_STAT("link_connected", link_ready(n->link));
	NODE_STAT("link_connects", ls->connects);
	NODE_STAT("link_connect_failed", ls->connect_failed);
	NODE_STAT("link_handshakes", ls->handshakes);
	NODE_STAT("link_handshake_timeouts", ls->handshake_timeouts);
	NODE_STAT("link_lost", ls->lost);
	NODE_STAT("link_rx", ls->rx);
	NODE_STAT("link_rx_bad", ls->rx_bad);
	NODE_STAT("link_rx_unexpected", ls->rx_unexpected);
	NODE_STAT("link_tx", ls->tx);
	NODE_STAT("link_tx_dropped", ls->tx_dropped);
	NODE_STAT("link_tables_sent", ls->tables_sent);
	NODE_STAT("admin_clients", as->clients);
	NODE_STAT("admin_clients_refused", as->clients_refused);
	NODE_STAT("admin_requests", as->requests);
	for (int v = ADMIN_REQ_OK + 1; v < ADMIN_REQ_VERDICT_MAX; v++)
		admin_reply(n->admin, client, "control.admin_bad_%s %" PRIu64
				"\n", admin_verdict_name((enum admin_verdict)v),
				as->bad[v]);
	NODE_STAT("admin_replies", as->replies);
	NODE_STAT("admin_reply_failed", as->reply_failed);
	NODE_STAT("rx_raft", st->rx_raft);
	if (n->raft != NULL)
		node_raft_admin(n, client, true);
}

/*
 * The dataplane's "name value" lines, each as "dataplane.name value";
 * lines that are not of that shape are skipped rather than passed on.
 */
static void
node_dataplane_stats(struct node *n, uint64_t client, const char *text,
		uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint32_t e = i, sp = 0;
		bool ok = true;

		while (e < len && text[e] != '\n')
			e++;
		for (uint32_t k = i; k < e; k++) {
			unsigned char c = (unsigned char)text[k];

			if (c == ' ' && sp == 0 && k > i)
				sp = k;
			else if (c <= ' ' || c > '~')
				ok = false;
		}
		if (ok && sp != 0 && sp + 1 < e)
			admin_reply(n->admin, client, "dataplane.%.*s\n",
					(int)(e - i), text + i);
		i = e + 1;
	}
}

void
node_admin_stats_done(struct node *n, const char *text, uint32_t len,
		const char *why)
{
	for (uint32_t i = 0; i < n->n_stats_waiting; i++) {
		uint64_t c = n->stats_waiting[i];

		node_control_stats(n, c);
		if (text != NULL)
			node_dataplane_stats(n, c, text, len);
		else
			admin_reply(n->admin, c, "dataplane: %s\n", why);
		admin_reply_end(n->admin, c);
	}
	n->n_stats_waiting = 0;
}

void
node_admin_request(void *arg, uint64_t client, const struct admin_req *req)
{
	struct node *n = arg;

	switch (req->cmd) {
	case ADMIN_CMD_MEMBERS:
		node_members(n, client);
		return;
	case ADMIN_CMD_RAFT:
		if (n->raft == NULL)
			admin_reply(n->admin, client, "raft: off (no voters "
					"configured)\n");
		else
			node_raft_admin(n, client, false);
		admin_reply_end(n->admin, client);
		return;
	case ADMIN_CMD_RAFT_SNAPSHOT:
	case ADMIN_CMD_RAFT_ADD_VOTER:
	case ADMIN_CMD_RAFT_REMOVE_VOTER:
		if (n->raft == NULL) {
			admin_reply(n->admin, client, "error: raft is off (no "
					"voters configured)\n");
			admin_reply_end(n->admin, client);
			return;
		}
		node_raft_command(n, client, req);
		return;
	case ADMIN_CMD_STATS:
		if (!link_ready(n->link)) {
			node_control_stats(n, client);
			admin_reply(n->admin, client,
					"dataplane: not connected\n");
			admin_reply_end(n->admin, client);
			return;
		}
		/* One request to the dataplane serves every client waiting. */
		if (n->n_stats_waiting == 0) {
			if (link_send_stats_req(n->link) < 0) {
				node_control_stats(n, client);
				admin_reply(n->admin, client, "dataplane: "
						"request not sent\n");
				admin_reply_end(n->admin, client);
				return;
			}
			n->st.stats_requests++;
			n->stats_deadline = node_mono_ms() +
					NODE_STATS_WAIT_MS;
		}
		n->stats_waiting[n->n_stats_waiting++] = client;
		return;
	default:
		admin_reply(n->admin, client, "error: unknown command\n");
		admin_reply_end(n->admin, client);
		return;
	}
}
