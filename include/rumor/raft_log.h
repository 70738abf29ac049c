/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The durable state of a Raft node (include/rumor/raft.h), in one directory:
 *
 *   hardstate  term, vote, commit and the lost state (raft.h), with an
 *              XXH3 checksum ("RHS2", 56 bytes; "RHS1", 40 bytes
 *              without the lost state, is read too); replaced
 *              whole (written to hardstate.tmp, fsynced, renamed, and the
 *              directory fsynced), so it is never torn.
 *   snapshot   the latest snapshot (index, term, voters, the
 *              application's bytes), with a checksum; replaced the same
 *              way.
 *   founding   the voter set this state was founded with (the voter
 *              lines of its first start): u32 magic "RFV1", u32 n, n
 *              u32 ids in increasing order, u64 XXH3 of what precedes;
 *              written once, replaced the same way.
 *   log        an append-only file of records, one entry each:
 *              u32 magic "RLG1", u32 body length, u64 XXH3 of the body,
 *              then the body (the entry as raft_entry_encode writes it),
 *              all in network byte order.
 *
 * Every call that writes returns only after fsync, so that the caller may
 * send what depends on it as soon as it returns.
 *
 * Recovery (raft_log_open): a last record that is partial or fails its
 * checksum is a write the crash interrupted; it was never acknowledged,
 * so it is cut off (torn tail). A bad record followed by a valid one is
 * corruption of acknowledged data: open refuses, names the offset, and
 * never skips it. A hardstate file that fails its checksum is refused the
 * same way. A snapshot file that fails its checksum is refused too, but
 * the node need not stay down for it: open records in the hard state how
 * far this node may have acknowledged (lost_index, lost_term: raft.h),
 * renames the snapshot to snapshot.corrupt and the log behind it to
 * log.corrupt, and goes on empty (stats.set_aside says so). The node then
 * fetches the state from the leader, and does not vote until it holds
 * again what it may have acknowledged.
 *
 * A write that fails (a full disk, a read-only file system, an I/O error)
 * marks the log failed: every later write fails at once with the same
 * error, and raft_log_failed() says so. The node must then stop
 * accepting writes and stay a follower (raft_persist_failed()); what the
 * files hold is still consistent for the next open.
 */
#ifndef RUMOR_RAFT_LOG_H
#define RUMOR_RAFT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/raft.h"

#define RAFT_LOG_RECORD_HDR 16u

struct raft_log;

/* What recovery found and what was written since. */
struct raft_log_stats {
	uint64_t records;		/* In the log file now. */
	uint64_t torn_bytes;		/* Cut off a torn tail at open. */
	uint64_t appends, fsyncs;
	uint64_t compactions;
	uint64_t set_aside;		/* A corrupt snapshot, at open. */
};

/*
 * Open (creating if needed) the state in directory dir, and recover it.
 * Returns 0 and *out, or a negative errno: -EBADMSG for corruption
 * (why says what and where), others from the system.
 */
int raft_log_open(const char *dir, struct raft_log **out, char *why,
		size_t why_len);
void raft_log_close(struct raft_log *l);

/* What the disk holds, as raft_restore() takes it; valid until a write. */
void raft_log_state(const struct raft_log *l, struct raft_hard_state *hs,
		struct raft_snapshot *snap, const struct raft_entry **ents,
		size_t *n);

/*
 * Append entries (consecutive indexes), first removing every entry at or
 * after ents[0].index; fsync. 0 or a negative errno.
 */
int raft_log_append(struct raft_log *l, const struct raft_entry *ents,
		size_t n);

int raft_log_save_hard_state(struct raft_log *l,
		const struct raft_hard_state *hs);

/*
 * Save a snapshot, then drop the entries it covers from the log (all of
 * them if drop_all: a snapshot received from the leader replaces the
 * log). 0 or a negative errno.
 */
int raft_log_save_snapshot(struct raft_log *l,
		const struct raft_snapshot *snap, bool drop_all);

/* Steps a to c of the contract in raft.h, for one ready. */
int raft_log_persist(struct raft_log *l, const struct raft_ready *rd);

/*
 * The founding voter set (sorted): 0 and ids[0..*n), or -ENOENT if none
 * is recorded yet. save records one (ids in any order, no duplicates, no
 * zero): 0 or a negative errno.
 */
int raft_log_founding(const struct raft_log *l, uint32_t *ids, uint32_t *n);
int raft_log_save_founding(struct raft_log *l, const uint32_t *ids,
		uint32_t n);

/* Whether a write has failed; the error it failed with. */
bool raft_log_failed(const struct raft_log *l);
int raft_log_error(const struct raft_log *l);

const struct raft_log_stats *raft_log_stats(const struct raft_log *l);

/*
 * For tests: let `after` more writes or fsyncs succeed, then fail them
 * with err (ENOSPC, EROFS, EIO) as the system would.
 */
void raft_log_inject_failure(struct raft_log *l, unsigned int after,
		int err);

#endif /* RUMOR_RAFT_LOG_H */
