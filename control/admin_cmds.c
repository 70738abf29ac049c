/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's answers to rumorctl (admin_cmds.h), behind the admin
 * socket (admin.c): the member table, the counters of both processes,
 * Raft's state, and the Raft commands: a snapshot now, and the voter
 * changes, proposed here and answered once they commit (or cannot).
 *
 * The dataplane's counters come over the control link, so a stats reply
 * waits for them, briefly, and every client asking meanwhile shares the
 * one request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/log.h"
#include "rumor/seal.h"
#include "rumor/voter_change.h"
#include "admin_cmds.h"
#include "epoch_driver.h"
#include "raft_store.h"
#include "swim_driver.h"

/* An operator's voter change is answered within this, committed or not. */
#define ADMIN_CMDS_CHANGE_WAIT_MS 3000u

/* The widest cell of each column of the member table, header included. */
struct admin_cmds_widths {
	int id, addr, state, inc, zone, weight;
};

static int
admin_cmds_digits(uint64_t v)
{
	int w = 1;

	while (v >= 10) {
		v /= 10;
		w++;
	}
	return w;
}

static void
admin_cmds_members(struct node *n, uint64_t client)
{
	struct swim_member *mem;
	uint32_t cnt;
	uint64_t now;
	struct admin_cmds_widths w = {
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
		int a = (int)strlen(inet_ntoa(in)) + 1 +
				admin_cmds_digits(m->port);

		if (admin_cmds_digits(m->id) > w.id)
			w.id = admin_cmds_digits(m->id);
		if (a > w.addr)
			w.addr = a;
		if (admin_cmds_digits(m->incarnation) > w.inc)
			w.inc = admin_cmds_digits(m->incarnation);
		if (admin_cmds_digits(m->weight) > w.weight)
			w.weight = admin_cmds_digits(m->weight);
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

/* The structs whose counters are tables (counters.h). */
enum admin_cmds_table {
	ADMIN_CMDS_SWIM,	/* struct swim_stats */
	ADMIN_CMDS_NODE,	/* struct node_stats */
	ADMIN_CMDS_SEAL,	/* struct seal_stats */
	ADMIN_CMDS_LINK,	/* struct link_stats */
	ADMIN_CMDS_ADMIN,	/* struct admin_stats */
	ADMIN_CMDS_NODE_RAFT,	/* struct node_raft_stats */
	ADMIN_CMDS_RAFT,	/* struct raft_stats */
};

/* A row of one of those tables: where its value sits in the struct. */
struct admin_cmds_counter {
	enum admin_cmds_table table;
	const char *name;
	size_t off;		/* Of its uint64_t. */
};

#define ROW(t, type, f, name) { ADMIN_CMDS_##t, name, offsetof(type, f) },
#define SWIM_ROW(f, name, help) ROW(SWIM, struct swim_stats, f, name)
#define NODE_ROW(f, name, help) ROW(NODE, struct node_stats, f, name)
#define SEAL_ROW(f, name, help) ROW(SEAL, struct seal_stats, f, name)
#define LINK_ROW(f, name, help) ROW(LINK, struct link_stats, f, name)
#define ADMIN_ROW(f, name, help) ROW(ADMIN, struct admin_stats, f, name)
#define NODE_RAFT_ROW(f, name, help) \
	ROW(NODE_RAFT, struct node_raft_stats, f, name)
#define RAFT_ROW(f, name, help) ROW(RAFT, struct raft_stats, f, name)

/* Every row of every table: a new row is printed with no edit here. */
static const struct admin_cmds_counter admin_cmds_counters[] = {
	SWIM_STATS_TABLE(SWIM_ROW)
	NODE_STATS_TABLE(NODE_ROW)
	SEAL_STATS_TABLE(SEAL_ROW)
	LINK_STATS_TABLE(LINK_ROW)
	ADMIN_STATS_TABLE(ADMIN_ROW)
	NODE_RAFT_STATS_TABLE(NODE_RAFT_ROW)
	RAFT_STATS_TABLE(RAFT_ROW)
};

#undef ROW
#undef SWIM_ROW
#undef NODE_ROW
#undef SEAL_ROW
#undef LINK_ROW
#undef ADMIN_ROW
#undef NODE_RAFT_ROW
#undef RAFT_ROW

/* One "PRE NAME VALUE" line per row of table t, whose struct is at st. */
static void
admin_cmds_table(struct node *n, uint64_t client, const char *pre,
		enum admin_cmds_table t, const void *st)
{
	for (size_t i = 0; i < sizeof(admin_cmds_counters) /
			sizeof(admin_cmds_counters[0]); i++) {
		const struct admin_cmds_counter *c = &admin_cmds_counters[i];
		uint64_t v;

		if (c->table != t)
			continue;
		memcpy(&v, (const char *)st + c->off, sizeof(v));
		admin_reply(n->admin, client, "%s%s %" PRIu64 "\n", pre,
				c->name, v);
	}
}

#define RAFT_LINE(fmt, ...) \
	admin_reply(n->admin, client, "%s" fmt "\n", pre, __VA_ARGS__)

/* rumorctl raft, or (stats) its lines in rumorctl stats. */
static void
admin_cmds_raft_status(struct node *n, uint64_t client, bool stats)
{
	const struct node_raft *nr = n->raft;
	const struct raft_status st = raft_status(nr->raft);
	const char *pre = stats ? "control.raft_" : "";
	const char *disk = raft_disk_failed(nr->raft) ?
			strerror(raft_log_error(nr->log)) : "ok";

	if (!stats) {
		char now_str[RAFT_ENV_VOTERS_STR];

		RAFT_LINE("role %s", raft_role_name(st.role));
		RAFT_LINE("voters %s", raft_store_voters_now(nr, now_str,
				sizeof(now_str)));
		RAFT_LINE("founding_voters %s", nr->voters_str);
		if (raft_conf_pending(nr->raft) != 0)
			RAFT_LINE("voter_change index %" PRIu64 ", not "
					"committed yet",
					raft_conf_pending(nr->raft));
		else
			RAFT_LINE("voter_change %s", "none");
		RAFT_LINE("voter %s", raft_is_voter(nr->raft,
				n->cfg->node_id) ? "yes" : "no (learner)");
		RAFT_LINE("disk %s%s", disk, raft_disk_failed(nr->raft) ?
				": not voting or proposing" : "");
		RAFT_LINE("raft_dir %s", n->cfg->raft_dir);
	} else {
		RAFT_LINE("role %d", (int)st.role);
		RAFT_LINE("disk_failed %d", raft_disk_failed(nr->raft));
		RAFT_LINE("voters %u", raft_voters(nr->raft, NULL, 0));
		RAFT_LINE("voter_change_pending %" PRIu64,
				raft_conf_pending(nr->raft));
	}
	if (!stats)
		RAFT_LINE("lost %s", st.lost ? "yes: its snapshot "
				"was set aside; not voting until it has caught "
				"up" : "no");
	else
		RAFT_LINE("lost %d", st.lost);
	RAFT_LINE("term %" PRIu64, st.term);
	RAFT_LINE("leader %u", st.leader);
	RAFT_LINE("commit %" PRIu64, st.commit);
	RAFT_LINE("last_index %" PRIu64, st.last_index);
	RAFT_LINE("snapshot_index %" PRIu64, raft_snapshot(nr->raft)->index);
	RAFT_LINE("log_entries %" PRIu64, st.last_index -
			raft_snapshot(nr->raft)->index);
	RAFT_LINE("epoch %" PRIu64, epoch_driver_last(nr));
	RAFT_LINE("epoch_members %u", nr->have_applied ?
			nr->applied.n_members : 0);
	RAFT_LINE("commit_ms_p50 %u", epoch_driver_commit_ms(nr, 50));
	RAFT_LINE("commit_ms_p99 %u", epoch_driver_commit_ms(nr, 99));
	RAFT_LINE("commit_samples %u", nr->n_lat);
	admin_cmds_table(n, client, pre, ADMIN_CMDS_NODE_RAFT, &nr->st);
	admin_cmds_table(n, client, pre, ADMIN_CMDS_RAFT, raft_stats(nr->raft));
}

#define CONTROL_STAT(name, v) \
	admin_reply(n->admin, client, "control." name " %" PRIu64 "\n", \
			(uint64_t)(v))

/* Every counter of this process, one "control.NAME VALUE" line each. */
static void
admin_cmds_control_stats(struct node *n, uint64_t client)
{
	const struct node_stats *st = &n->st;
	const struct link_stats *ls = link_stats(n->link);
	const struct admin_stats *as = admin_stats(n->admin);
	const struct seal_stats *ss = seal_stats(n->seal);

	CONTROL_STAT("uptime_ms", node_mono_ms() - n->start_ms);
	CONTROL_STAT("node_id", n->cfg->node_id);
	if (n->swim != NULL) {
		const struct swim_stats *w = swim_stats(n->swim);

		CONTROL_STAT("incarnation", swim_incarnation(n->swim));
		CONTROL_STAT("view_version", swim_view_version(n->swim));
		CONTROL_STAT("members", swim_members(n->swim, NULL, 0));
		CONTROL_STAT("members_alive",
				swim_state_count(n->swim, SWIM_ALIVE));
		CONTROL_STAT("members_suspect",
				swim_state_count(n->swim, SWIM_SUSPECT));
		CONTROL_STAT("members_dead",
				swim_state_count(n->swim, SWIM_DEAD));
		CONTROL_STAT("members_left",
				swim_state_count(n->swim, SWIM_LEFT));
		admin_cmds_table(n, client, "control.", ADMIN_CMDS_SWIM, w);
		CONTROL_STAT("swim_health", w->health);
	}
	admin_cmds_table(n, client, "control.", ADMIN_CMDS_NODE, st);
	admin_cmds_table(n, client, "control.", ADMIN_CMDS_SEAL, ss);
	for (int v = SEAL_OK + 1; v < SEAL_VERDICT_MAX; v++)
		admin_reply(n->admin, client, "control.seal_%s %" PRIu64 "\n",
				seal_verdict_name((enum seal_verdict)v),
				ss->refused[v]);
	CONTROL_STAT("link_connected", link_ready(n->link));
	admin_cmds_table(n, client, "control.", ADMIN_CMDS_LINK, ls);
	admin_cmds_table(n, client, "control.", ADMIN_CMDS_ADMIN, as);
	for (int v = ADMIN_REQ_OK + 1; v < ADMIN_REQ_VERDICT_MAX; v++)
		admin_reply(n->admin, client, "control.admin_bad_%s %" PRIu64
				"\n", admin_verdict_name((enum admin_verdict)v),
				as->bad[v]);
	if (n->raft != NULL)
		admin_cmds_raft_status(n, client, true);
}

/*
 * The dataplane's "name value" lines, each as "dataplane.name value";
 * lines that are not of that shape are skipped rather than passed on.
 */
static void
admin_cmds_dataplane_stats(struct node *n, uint64_t client, const char *text,
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
admin_cmds_stats_done(struct node *n, const char *text, uint32_t len,
		const char *why)
{
	for (uint32_t i = 0; i < n->n_stats_waiting; i++) {
		uint64_t c = n->stats_waiting[i];

		admin_cmds_control_stats(n, c);
		if (text != NULL)
			admin_cmds_dataplane_stats(n, c, text, len);
		else
			admin_reply(n->admin, c, "dataplane: %s\n", why);
		admin_reply_end(n->admin, c);
	}
	n->n_stats_waiting = 0;
}

/* rumorctl raft add-voter / remove-voter: check, propose, answer later. */
static void
admin_cmds_voter_change(struct node *n, uint64_t client,
		const struct admin_req *req)
{
	struct node_raft *nr = n->raft;
	uint32_t voters[RAFT_VOTERS_MAX];
	const struct swim_member *m;
	struct voter_change_in in;
	struct raft_voter_change vc;
	uint8_t buf[RAFT_VOTER_CHANGE_LEN];
	struct raft_entry ent;
	enum voter_verdict v;
	char msg[256];
	int rc;

	if (nr->chg.active) {
		admin_reply(n->admin, client, "error: a voter change is in "
				"progress (index %" PRIu64 "): one at a time\n",
				nr->chg.index);
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.op = req->cmd == ADMIN_CMD_RAFT_ADD_VOTER ? RAFT_VOTER_ADD :
			RAFT_VOTER_REMOVE;
	in.id = req->id;
	in.self = n->cfg->node_id;
	in.leader = raft_status(nr->raft).role == RAFT_LEADER;
	in.leader_id = raft_status(nr->raft).leader;
	in.disk_failed = raft_disk_failed(nr->raft);
	in.n_voters = raft_voters(nr->raft, voters, RAFT_VOTERS_MAX);
	if (in.n_voters > RAFT_VOTERS_MAX)
		in.n_voters = RAFT_VOTERS_MAX;
	in.voters = voters;
	in.pending = raft_conf_pending(nr->raft);
	in.settled = raft_leader_settled(nr->raft);
	in.transferee = raft_transferee(nr->raft);
	m = n->swim != NULL ? swim_member_find(n->swim, req->id) : NULL;
	in.member = m != NULL && m->state == SWIM_ALIVE;
	in.known = raft_match_of(nr->raft, req->id, &in.match);
	in.commit = raft_status(nr->raft).commit;
	v = voter_change_check(&in, msg, sizeof(msg));
	if (v == VOTER_SELF) {
		uint32_t to = 0;
		uint64_t best = 0, mt;

		/* The most up-to-date other voter takes over. */
		for (uint32_t i = 0; i < in.n_voters; i++)
			if (voters[i] != in.self &&
					raft_match_of(nr->raft, voters[i],
					&mt) && (to == 0 || mt > best)) {
				to = voters[i];
				best = mt;
			}
		if (to != 0 && raft_transfer_leadership(nr->raft, to) == 0) {
			log_info("raft: asked to remove itself, this node "
					"hands leadership to node %u", to);
			admin_reply(n->admin, client, "error: %s (node %u, "
					"now)\n", msg, to);
		} else {
			admin_reply(n->admin, client, "error: %s\n", msg);
		}
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	if (v != VOTER_OK) {
		admin_reply(n->admin, client, "error: %s\n", msg);
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	vc = (struct raft_voter_change){ .op = in.op, .id = in.id };
	ent = (struct raft_entry){
		.type = RAFT_ENTRY_VOTER,
		.len = (uint16_t)raft_voter_change_encode(&vc, buf,
				sizeof(buf)),
		.data = buf,
	};
	rc = raft_propose(nr->raft, &ent);
	if (rc < 0) {
		admin_reply(n->admin, client, "error: not proposed: %s\n",
				rc == -EBUSY ? "a change or a transfer is in "
				"progress" : strerror(-rc));
		nr->st.voter_changes_refused++;
		admin_reply_end(n->admin, client);
		return;
	}
	nr->st.voter_changes++;
	nr->chg = (struct node_raft_change){
		.active = true, .client = client, .index = ent.index,
		.term = ent.term, .at = node_mono_ms(), .op = in.op,
		.id = in.id,
	};
	snprintf(nr->chg.note, sizeof(nr->chg.note), "%s", msg);
	log_info("raft: proposed %s node %u as a voter at index %" PRIu64
			" (rumorctl)", in.op == RAFT_VOTER_ADD ? "adding" :
			"removing", in.id, ent.index);
}

/* A Raft command of rumorctl (raft snapshot, add-voter, remove-voter). */
static void
admin_cmds_raft(struct node *n, uint64_t client,
		const struct admin_req *req)
{
	struct node_raft *nr = n->raft;
	int rc;

	switch (req->cmd) {
	case ADMIN_CMD_RAFT_ADD_VOTER:
	case ADMIN_CMD_RAFT_REMOVE_VOTER:
		admin_cmds_voter_change(n, client, req);
		return;
	case ADMIN_CMD_RAFT_SNAPSHOT:
		rc = raft_store_compact(n);
		if (rc == 0)
			admin_reply(n->admin, client, "snapshot at index %"
					PRIu64 " (ring epoch %" PRIu64 "); the "
					"log holds %" PRIu64 " entries after "
					"it\n",
					raft_snapshot(nr->raft)->index,
					epoch_driver_last(nr),
					raft_status(nr->raft).last_index -
					raft_snapshot(nr->raft)->index);
		else if (rc == -EALREADY)
			admin_reply(n->admin, client, "snapshot at index %"
					PRIu64 " already: nothing applied since"
					"\n", raft_snapshot(nr->raft)->index);
		else if (rc == -EIO)
			admin_reply(n->admin, client, "error: cannot write %s:"
					" %s\n", n->cfg->raft_dir,
					strerror(raft_log_error(nr->log) != 0 ?
					raft_log_error(nr->log) : EIO));
		else
			admin_reply(n->admin, client, "error: no snapshot: "
					"%s\n", strerror(-rc));
		break;
	default:
		admin_reply(n->admin, client, "error: unknown command\n");
		break;
	}
	admin_reply_end(n->admin, client);
}

void
admin_cmds_request(void *arg, uint64_t client, const struct admin_req *req)
{
	struct node *n = arg;

	switch (req->cmd) {
	case ADMIN_CMD_MEMBERS:
		admin_cmds_members(n, client);
		return;
	case ADMIN_CMD_RAFT:
		if (n->raft == NULL)
			admin_reply(n->admin, client, "raft: off (no voters "
					"configured)\n");
		else
			admin_cmds_raft_status(n, client, false);
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
		admin_cmds_raft(n, client, req);
		return;
	case ADMIN_CMD_STATS:
		if (!link_ready(n->link)) {
			admin_cmds_control_stats(n, client);
			admin_reply(n->admin, client,
					"dataplane: not connected\n");
			admin_reply_end(n->admin, client);
			return;
		}
		/* One request to the dataplane serves every client waiting. */
		if (n->n_stats_waiting == 0) {
			if (link_send_stats_req(n->link) < 0) {
				admin_cmds_control_stats(n, client);
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

/* Answer the operator whose voter change has committed, or will not. */
void
admin_cmds_voter_done(struct node *n, uint64_t now)
{
	struct node_raft *nr = n->raft;
	struct node_raft_change *c = &nr->chg;
	char now_str[RAFT_ENV_VOTERS_STR];
	uint64_t t;

	if (!c->active)
		return;
	if (raft_status(nr->raft).commit >= c->index) {
		if (!raft_term_at(nr->raft, c->index, &t) || t == c->term) {
			/* Committed (or compacted, which commits first). */
			raft_store_voters_now(nr, now_str, sizeof(now_str));
			admin_reply(n->admin, c->client, "node %u is %s: "
					"voters %s (committed at index %"
					PRIu64 " in %" PRIu64 " ms)\n", c->id,
					c->op == RAFT_VOTER_ADD ? "a voter" :
					"a learner", now_str, c->index,
					now - c->at);
			if (c->note[0] != '\0')
				admin_reply(n->admin, c->client, "note: %s\n",
						c->note);
			log_info("raft: node %u is %s: voters %s", c->id,
					c->op == RAFT_VOTER_ADD ? "a voter" :
					"a learner", now_str);
		} else {
			admin_reply(n->admin, c->client, "error: a new leader "
					"replaced the change at index %" PRIu64
					": it was not made\n", c->index);
		}
	} else if (raft_status(nr->raft).role != RAFT_LEADER) {
		admin_reply(n->admin, c->client, "error: this node lost "
				"leadership before the change at index %"
				PRIu64 " committed; it may still commit: see "
				"rumorctl raft on the new leader\n", c->index);
	} else if (now >= c->at + ADMIN_CMDS_CHANGE_WAIT_MS) {
		admin_reply(n->admin, c->client, "error: the change at index "
				"%" PRIu64 " has not committed within %u ms (a "
				"quorum of voters is not answering); it may "
				"still commit: see rumorctl raft\n", c->index,
				ADMIN_CMDS_CHANGE_WAIT_MS);
	} else {
		return;
	}
	admin_reply_end(n->admin, c->client);
	c->active = false;
}

