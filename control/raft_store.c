/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's Raft state on disk (raft_store.h). raft_dir holds the
 * hard state, the snapshot (the last applied ring epoch, the whole state
 * Raft agrees on) and the log after it; raft_log.c writes each of them
 * so that a crash leaves the old version or the new one. A write that
 * fails sticks: Raft stops voting, acknowledging and proposing on this
 * node (raft.h) until it restarts with a working disk.
 *
 * The voter lines of the configuration name the voters the cluster was
 * founded with, for good; they are recorded in raft_dir at the first
 * start, and a state founded with other voters refuses to start. The
 * current voters are the state's own: the founding set and every change
 * committed since.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/log.h"
#include "epoch_driver.h"
#include "raft_store.h"

const char *
raft_store_voters_now(const struct node_raft *nr, char *buf, size_t cap)
{
	uint32_t ids[RAFT_VOTERS_MAX];
	uint32_t n = raft_voters(nr->raft, ids, RAFT_VOTERS_MAX);

	if (n > RAFT_VOTERS_MAX)
		n = RAFT_VOTERS_MAX;
	qsort(ids, n, sizeof(ids[0]), node_u32_cmp);
	return raft_env_voters_str(ids, n, buf, cap);
}

/*
 * The voter lines name the founding voters, on every node, for good: a
 * state founded with others is refused. -1 (logged) to refuse the start.
 */
static int
raft_store_founding(struct node *n)
{
	const struct rumor_config *cfg = n->cfg;
	struct node_raft *nr = n->raft;
	uint32_t found[RAFT_VOTERS_MAX], nf;
	char fs[RAFT_ENV_VOTERS_STR], now_str[RAFT_ENV_VOTERS_STR];
	int err;

	if (raft_log_founding(nr->log, found, &nf) != 0) {
		err = raft_log_save_founding(nr->log, cfg->voters,
				cfg->n_voters);
		if (err < 0) {
			log_error("%s: field 'raft_dir': %s: cannot record "
					"the founding voters: %s", n->name,
					cfg->raft_dir, strerror(-err));
			return -1;
		}
		return 0;
	}
	raft_env_voters_str(found, nf, fs, sizeof(fs));
	if (nf != cfg->n_voters || memcmp(found, cfg->voters,
			nf * sizeof(found[0])) != 0) {
		log_error("%s: field 'voter': the voter lines name %s, but %s "
				"was founded with voters %s (now %s): voter "
				"lines name the founding voters and never "
				"change; rumorctl raft add-voter and "
				"remove-voter change the current ones", n->name,
				nr->voters_str, cfg->raft_dir, fs,
				raft_store_voters_now(nr, now_str,
				sizeof(now_str)));
		return -1;
	}
	return 0;
}

int
raft_store_open(struct node *n)
{
	const struct rumor_config *cfg = n->cfg;
	struct node_raft *nr = n->raft;
	struct raft_hard_state hs;
	struct raft_snapshot snap;
	const struct raft_entry *ents;
	char why[256], nowv[RAFT_ENV_VOTERS_STR];
	size_t cnt;
	int err;

	err = raft_log_open(cfg->raft_dir, &nr->log, why, sizeof(why));
	if (err < 0) {
		log_error("%s: field 'raft_dir': %s: %s", n->name,
				cfg->raft_dir, err == -EBADMSG ? why :
				strerror(-err));
		return -1;
	}
	raft_log_state(nr->log, &hs, &snap, &ents, &cnt);
	if (raft_restore(nr->raft, &hs, snap.index > 0 ? &snap : NULL, ents,
			cnt) < 0) {
		log_error("%s: the Raft state there does not fit together: "
				"%s", cfg->raft_dir, strerror(errno));
		return -1;
	}
	if (raft_store_founding(n) < 0)
		return -1;
	epoch_driver_restore(n, &snap);
	log_info("raft: voters %s (founded with %s), this node a %s; term %"
			PRIu64 ", snapshot at index %" PRIu64 " (ring epoch %"
			PRIu64 "), %zu entr%s after it on disk in %s; tick %u "
			"ms, heartbeat %u ms, election %u ms",
			raft_store_voters_now(nr, nowv, sizeof(nowv)),
			nr->voters_str,
			raft_is_voter(nr->raft, cfg->node_id) ? "voter" :
			"learner", hs.term, snap.index, epoch_driver_last(nr),
			cnt, cnt == 1 ? "y" : "ies", cfg->raft_dir,
			nr->tick_ms, nr->tick_ms * NODE_RAFT_HEARTBEAT_TICKS,
			nr->tick_ms * NODE_RAFT_ELECTION_TICKS);
	if (raft_log_stats(nr->log)->set_aside > 0)
		log_warning("raft: %s/snapshot failed its checksum: set aside "
				"as snapshot.corrupt, with the log behind it "
				"as log.corrupt; this node fetches the state "
				"from the leader", cfg->raft_dir);
	if (raft_status(nr->raft).lost) {
		nr->lost_logged = true;
		log_warning("raft: this node may have acknowledged entries up "
				"to index %" PRIu64 " that it no longer holds: "
				"it does not vote until a leader has it hold "
				"them again", hs.lost_index);
	}
	return 0;
}

void
raft_store_close(struct node_raft *nr)
{
	raft_log_close(nr->log);
	nr->log = NULL;
}

/* A write to raft_dir failed: Raft stops here (raft.h), and says so. */
static void
raft_store_failed(struct node *n, int rc)
{
	struct node_raft *nr = n->raft;

	nr->st.persist_failed++;
	raft_persist_failed(nr->raft);
	log_error("raft: cannot write %s: %s: this node stops voting, "
			"acknowledging and proposing until it restarts with "
			"a working disk", n->cfg->raft_dir, strerror(-rc));
}

int
raft_store_persist(struct node *n, const struct raft_ready *rd)
{
	int rc = raft_log_persist(n->raft->log, rd);

	if (rc < 0) {
		raft_store_failed(n, rc);
		return -1;
	}
	return 0;
}

int
raft_store_compact(struct node *n)
{
	struct node_raft *nr = n->raft;
	uint64_t at = raft_status(nr->raft).applied;
	const struct raft_snapshot *sn;
	uint8_t *buf;
	ssize_t len;
	int rc;

	if (raft_disk_failed(nr->raft))
		return -EIO;
	if (at <= raft_snapshot(nr->raft)->index)
		return -EALREADY;
	buf = malloc(RAFT_SNAP_MAX);
	if (buf == NULL)
		return -ENOMEM;
	/* The last epoch applied is the whole state. */
	len = epoch_driver_encode(nr, buf, RAFT_SNAP_MAX);
	if (len < 0) {
		free(buf);
		return -EINVAL;
	}
	rc = raft_compact(nr->raft, at, len > 0 ? buf : NULL, (uint32_t)len);
	free(buf);
	if (rc < 0)
		return rc;
	sn = raft_snapshot(nr->raft);
	rc = raft_log_save_snapshot(nr->log, sn, false);
	if (rc < 0) {
		raft_store_failed(n, rc);
		return -EIO;
	}
	nr->st.snapshots_taken++;
	log_info("raft: snapshot at index %" PRIu64 " (term %" PRIu64 ", "
			"ring epoch %" PRIu64 ", %u bytes); the log keeps "
			"%" PRIu64 " entr%s after it", sn->index, sn->term,
			epoch_driver_last(nr), sn->len,
			raft_status(nr->raft).last_index - sn->index,
			raft_status(nr->raft).last_index - sn->index == 1 ?
			"y" : "ies");
	return 0;
}

void
raft_store_after(struct node *n)
{
	struct node_raft *nr = n->raft;

	if (raft_status(nr->raft).applied >= raft_snapshot(nr->raft)->index +
			RAFT_STORE_SNAPSHOT_ENTRIES)
		raft_store_compact(n);
	if (nr->lost_logged && !raft_status(nr->raft).lost) {
		nr->lost_logged = false;
		log_info("raft: this node holds again what it may have "
				"acknowledged before its snapshot was set "
				"aside: it votes again");
	}
}
