/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raft's durable state on disk (include/rumor/raft_log.h). The entries of the
 * log file are also held in memory, with the file offset of each record,
 * so that a conflicting suffix is cut with one ftruncate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "rumor/bytes.h"
#include "rumor/grow.h"
#include "rumor/raft_log.h"

#define RL_LOG_MAGIC 0x524c4731u	/* "RLG1" */
#define RL_HS1_MAGIC 0x52485331u	/* "RHS1": before lost_*. */
#define RL_HS_MAGIC 0x52485332u		/* "RHS2" */
#define RL_SNAP_MAGIC 0x52534e31u	/* "RSN1" */
#define RL_FOUND_MAGIC 0x52465631u	/* "RFV1" */
#define RL_HS1_LEN 40u
#define RL_HS_LEN 56u
#define RL_SNAP_HDR (24u + 4u * RAFT_VOTERS_MAX + 8u)
#define RL_BODY_MAX (RAFT_ENTRY_HDR_LEN + RAFT_ENTRY_DATA_MAX)

struct raft_log {
	int dirfd;
	int logfd;
	char *dir;
	struct raft_hard_state hs;
	uint32_t founding[RAFT_VOTERS_MAX];
	uint32_t n_founding;		/* 0: none recorded. */
	struct raft_snapshot snap;
	uint8_t *snap_data;
	struct raft_entry *ents;	/* data owned. */
	uint64_t *off;			/* File offset of each record. */
	size_t n, cap;
	uint64_t size;			/* Of the log file. */
	int error;			/* Sticky: 0 or the errno. */
	unsigned int inject_after;
	int inject_err;
	struct raft_log_stats stats;
};

/* Whether an injected failure strikes this write; sets errno if so. */
static bool
rl_injected(struct raft_log *l)
{
	if (l->inject_err == 0)
		return false;
	if (l->inject_after > 0) {
		l->inject_after--;
		return false;
	}
	errno = l->inject_err;
	return true;
}

/* Record a failure; every later write fails with it. */
static int
rl_fail(struct raft_log *l, int err)
{
	if (l->error == 0)
		l->error = err != 0 ? err : EIO;
	return -l->error;
}

static int
rl_write_all(struct raft_log *l, int fd, const uint8_t *buf, size_t len,
		off_t off)
{
	if (rl_injected(l))
		return -1;
	while (len > 0) {
		ssize_t w = pwrite(fd, buf, len, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

static int
rl_fsync(struct raft_log *l, int fd)
{
	if (rl_injected(l))
		return -1;
	l->stats.fsyncs++;
	return fsync(fd);
}

/*
 * Replace file `name` with buf: write name.tmp, fsync it, rename it over
 * name, fsync the directory. A crash leaves the old or the new file.
 */
static int
rl_replace(struct raft_log *l, const char *name, const uint8_t *buf,
		size_t len)
{
	char tmp[64];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(l->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0600);
	if (fd < 0)
		return rl_fail(l, errno);
	if (rl_write_all(l, fd, buf, len, 0) != 0 || rl_fsync(l, fd) != 0) {
		err = errno;
		close(fd);
		unlinkat(l->dirfd, tmp, 0);
		return rl_fail(l, err);
	}
	close(fd);
	if (rl_injected(l) || renameat(l->dirfd, tmp, l->dirfd, name) != 0) {
		err = errno;
		unlinkat(l->dirfd, tmp, 0);
		return rl_fail(l, err);
	}
	if (rl_fsync(l, l->dirfd) != 0)
		return rl_fail(l, errno);
	return 0;
}

/* Read a whole small file; 0, -ENOENT, or another negative errno. */
static int
rl_read_file(struct raft_log *l, const char *name, uint8_t **buf,
		size_t *len)
{
	struct stat st;
	int fd = openat(l->dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -errno;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len > 0 ? *len : 1);
	if (*buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < *len) {
		ssize_t r = pread(fd, *buf + got, *len - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int err = r < 0 ? errno : EIO;

			free(*buf);
			close(fd);
			return -err;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

/* ---- in-memory entries ---- */

static int
rl_push(struct raft_log *l, const struct raft_entry *e, uint64_t off)
{
	if (l->n == l->cap) {
		size_t cap = grow_cap(l->cap, 64);

		/* The entries and their offsets share one capacity. */
		if (grow_array(&l->ents, cap, sizeof(*l->ents)) != 0 ||
				grow_array(&l->off, cap, sizeof(*l->off)) != 0)
			return -ENOMEM;
		l->cap = cap;
	}
	if (raft_entry_copy(&l->ents[l->n], e) != 0)
		return -ENOMEM;
	l->off[l->n] = off;
	l->n++;
	return 0;
}

static void
rl_truncate_mem(struct raft_log *l, size_t keep)
{
	while (l->n > keep)
		free((void *)l->ents[--l->n].data);
}

/* Drop the first k entries, keeping the rest. */
static void
rl_drop_mem(struct raft_log *l, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free((void *)l->ents[i].data);
	if (k > 0 && k < l->n) {
		memmove(l->ents, l->ents + k, (l->n - k) * sizeof(*l->ents));
		memmove(l->off, l->off + k, (l->n - k) * sizeof(*l->off));
	}
	l->n -= k;
}

static uint64_t
rl_last(const struct raft_log *l)
{
	return l->n > 0 ? l->ents[l->n - 1].index : l->snap.index;
}

/* ---- records ---- */

/* The record at buf (avail bytes), decoded into e: its length, or 0. */
static size_t
rl_record(const uint8_t *buf, size_t avail, struct raft_entry *e)
{
	uint32_t blen;

	if (avail < RAFT_LOG_RECORD_HDR || rumor_get32(buf) != RL_LOG_MAGIC)
		return 0;
	blen = rumor_get32(buf + 4);
	if (blen < RAFT_ENTRY_HDR_LEN || blen > RL_BODY_MAX ||
			avail - RAFT_LOG_RECORD_HDR < blen)
		return 0;
	if (XXH3_64bits(buf + RAFT_LOG_RECORD_HDR, blen) !=
			rumor_get64(buf + 8))
		return 0;
	if (raft_entry_decode(buf + RAFT_LOG_RECORD_HDR, blen, e) !=
			RAFT_WIRE_OK)
		return 0;
	return RAFT_LOG_RECORD_HDR + blen;
}

static size_t
rl_record_put(uint8_t *buf, const struct raft_entry *e)
{
	size_t blen = raft_entry_encode(e, buf + RAFT_LOG_RECORD_HDR,
			RL_BODY_MAX);

	if (blen == 0)
		return 0;
	rumor_put32(buf, RL_LOG_MAGIC);
	rumor_put32(buf + 4, (uint32_t)blen);
	rumor_put64(buf + 8, XXH3_64bits(buf + RAFT_LOG_RECORD_HDR, blen));
	return RAFT_LOG_RECORD_HDR + blen;
}

/* ---- recovery ---- */

/*
 * The parsers of the files a node keeps, one each: they take the whole
 * file and return 0, -EBADMSG (bad checksum or fields: the caller says
 * so) or another negative errno.
 */
static int
rl_parse_hard_state(struct raft_log *l, const uint8_t *buf, size_t len)
{
	bool v1 = len == RL_HS1_LEN && rumor_get32(buf) == RL_HS1_MAGIC;

	if (!v1 && (len != RL_HS_LEN || rumor_get32(buf) != RL_HS_MAGIC))
		return -EBADMSG;
	if (XXH3_64bits(buf, len - 8) != rumor_get64(buf + len - 8))
		return -EBADMSG;
	l->hs.term = rumor_get64(buf + 8);
	l->hs.vote = rumor_get32(buf + 16);
	l->hs.commit = rumor_get64(buf + 24);
	if (!v1) {
		l->hs.lost_index = rumor_get64(buf + 32);
		l->hs.lost_term = rumor_get64(buf + 40);
	}
	return 0;
}

static int
rl_parse_founding(struct raft_log *l, const uint8_t *buf, size_t len)
{
	uint32_t n = len >= 8 ? rumor_get32(buf + 4) : 0;

	if (len < 16 || rumor_get32(buf) != RL_FOUND_MAGIC || n == 0 ||
			n > RAFT_VOTERS_MAX || len != 16 + 4 * (size_t)n ||
			XXH3_64bits(buf, len - 8) != rumor_get64(buf + len - 8))
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i++) {
		l->founding[i] = rumor_get32(buf + 8 + 4 * i);
		if (l->founding[i] == 0 ||
				(i > 0 && l->founding[i] <= l->founding[i - 1]))
			return -EBADMSG;
	}
	l->n_founding = n;
	return 0;
}

static int
rl_parse_snapshot(struct raft_log *l, const uint8_t *buf, size_t len)
{
	struct raft_snapshot snap = { 0 };

	if (len < RL_SNAP_HDR || rumor_get32(buf) != RL_SNAP_MAGIC)
		return -EBADMSG;
	snap.len = rumor_get32(buf + 4);
	snap.index = rumor_get64(buf + 8);
	snap.term = rumor_get64(buf + 16);
	snap.n_voters = rumor_get32(buf + 24);
	if (snap.len > RAFT_SNAP_MAX ||
			len != RL_SNAP_HDR + (size_t)snap.len ||
			XXH3_64bits(buf, len - 8) !=
			rumor_get64(buf + len - 8) ||
			snap.n_voters == 0 || snap.n_voters > RAFT_VOTERS_MAX ||
			snap.index == 0 || snap.term == 0)
		return -EBADMSG;
	for (uint32_t i = 0; i < snap.n_voters; i++)
		snap.voters[i] = rumor_get32(buf + 28 + 4 * i);
	l->snap_data = malloc(snap.len > 0 ? snap.len : 1);
	if (l->snap_data == NULL)
		return -ENOMEM;
	memcpy(l->snap_data, buf + RL_SNAP_HDR - 8, snap.len);
	snap.data = l->snap_data;
	l->snap = snap;
	return 0;
}

/*
 * Load the file name with parse; a missing file is an empty one.
 * -EBADMSG says in why that the file has a bad checksum or `bad`.
 */
static int
rl_load(struct raft_log *l, const char *name,
		int (*parse)(struct raft_log *l, const uint8_t *buf,
			size_t len),
		const char *bad, char *why, size_t why_len)
{
	uint8_t *buf;
	size_t len;
	int rc = rl_read_file(l, name, &buf, &len);

	if (rc == -ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	rc = parse(l, buf, len);
	if (rc == -EBADMSG)
		snprintf(why, why_len, "%s/%s: bad checksum or %s", l->dir,
				name, bad);
	free(buf);
	return rc;
}

/*
 * Read the log file: valid records in sequence, then either the end, a
 * torn tail (cut off), or corruption (refused).
 */
static int
rl_load_log(struct raft_log *l, char *why, size_t why_len)
{
	uint8_t *buf;
	size_t len, pos = 0;
	int rc = rl_read_file(l, "log", &buf, &len);

	if (rc == -ENOENT) {
		l->size = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	while (pos < len) {
		struct raft_entry e;
		size_t rl = rl_record(buf + pos, len - pos, &e);

		if (rl == 0) {
			/* Torn tail, unless a valid record follows. */
			for (size_t q = pos + 1; q + RAFT_LOG_RECORD_HDR <= len;
					q++) {
				struct raft_entry x;

				if (rl_record(buf + q, len - q, &x) == 0)
					continue;
				snprintf(why, why_len, "%s/log: corrupt record"
						" at offset %zu, valid records"
						" after it (offset %zu)",
						l->dir, pos, q);
				free(buf);
				return -EBADMSG;
			}
			l->stats.torn_bytes = len - pos;
			break;
		}
		if (l->n > 0 && e.index != rl_last(l) + 1) {
			snprintf(why, why_len, "%s/log: index %" PRIu64
					" at offset %zu follows %" PRIu64,
					l->dir, e.index, pos, rl_last(l));
			free(buf);
			return -EBADMSG;
		}
		rc = rl_push(l, &e, pos);
		if (rc != 0) {
			free(buf);
			return rc;
		}
		pos += rl;
	}
	free(buf);
	if (pos < len) {
		if (ftruncate(l->logfd, (off_t)pos) != 0 ||
				fsync(l->logfd) != 0)
			return -errno;
	}
	l->size = pos;
	return 0;
}

/* Entries the snapshot covers (a crash before compaction) go. */
static int
rl_check_against_snapshot(struct raft_log *l, char *why, size_t why_len)
{
	size_t k = 0;

	if (l->n > 0 && l->ents[0].index > l->snap.index + 1) {
		snprintf(why, why_len, "%s/log: starts at %" PRIu64
				", after the snapshot at %" PRIu64, l->dir,
				l->ents[0].index, l->snap.index);
		return -EBADMSG;
	}
	while (k < l->n && l->ents[k].index <= l->snap.index)
		k++;
	rl_drop_mem(l, k);
	return 0;
}

static int rl_save_hard_state(struct raft_log *l,
		const struct raft_hard_state *hs);

/*
 * The snapshot failed its checksum: it cannot be trusted, and the log
 * behind it cannot be used without it. Record in the hard state what
 * this node may have acknowledged (raft.h: lost state), then set the log
 * and the snapshot aside (log.corrupt, snapshot.corrupt) and start empty.
 * Each step survives a crash: the next open finds the corrupt snapshot
 * again and repeats what is left.
 */
static int
rl_set_aside(struct raft_log *l)
{
	struct raft_hard_state hs = l->hs;
	uint64_t lost = hs.commit;
	int fd, rc;

	if (l->n > 0 && l->ents[l->n - 1].index > lost)
		lost = l->ents[l->n - 1].index;
	if (hs.lost_index > lost)
		lost = hs.lost_index;
	hs.lost_index = lost > 0 ? lost : 1;
	hs.lost_term = hs.term;
	rc = rl_save_hard_state(l, &hs);
	if (rc != 0)
		return rc;
	if (l->size > 0) {
		if (renameat(l->dirfd, "log", l->dirfd, "log.corrupt") != 0)
			return -errno;
		fd = openat(l->dirfd, "log", O_RDWR | O_CREAT | O_CLOEXEC,
				0600);
		if (fd < 0)
			return -errno;
		close(l->logfd);
		l->logfd = fd;
	}
	if (renameat(l->dirfd, "snapshot", l->dirfd, "snapshot.corrupt") != 0)
		return -errno;
	if (fsync(l->dirfd) != 0)
		return -errno;
	rl_truncate_mem(l, 0);
	l->size = 0;
	l->stats.set_aside++;
	return 0;
}

int
raft_log_open(const char *dir, struct raft_log **out, char *why,
		size_t why_len)
{
	struct raft_log *l;
	bool bad_snap = false;
	int rc;

	*out = NULL;
	if (why_len > 0)
		why[0] = '\0';
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	l->dirfd = l->logfd = -1;
	l->dir = strdup(dir);
	if (l->dir == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		goto fail;
	}
	l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0) {
		rc = -errno;
		goto fail;
	}
	l->logfd = openat(l->dirfd, "log", O_RDWR | O_CREAT | O_CLOEXEC,
			0600);
	if (l->logfd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = rl_load(l, "hardstate", rl_parse_hard_state, "length", why,
			why_len);
	if (rc == 0)
		rc = rl_load(l, "founding", rl_parse_founding, "fields", why,
				why_len);
	if (rc == 0) {
		rc = rl_load(l, "snapshot", rl_parse_snapshot, "fields", why,
				why_len);
		bad_snap = rc == -EBADMSG;
		if (bad_snap)
			rc = 0;
	}
	if (rc == 0)
		rc = rl_load_log(l, why, why_len);
	if (rc == 0 && bad_snap) {
		rc = rl_set_aside(l);
		if (rc != 0)
			snprintf(why, why_len, "%s/snapshot: bad checksum or "
					"fields, and it cannot be set aside: "
					"%s", dir, strerror(-rc));
		else
			why[0] = '\0';
	}
	if (rc == 0)
		rc = rl_check_against_snapshot(l, why, why_len);
	if (rc != 0)
		goto fail;
	l->stats.records = l->n;
	*out = l;
	return 0;
fail:
	if (why_len > 0 && why[0] == '\0')
		snprintf(why, why_len, "%s: %s", dir, strerror(-rc));
	raft_log_close(l);
	return rc;
}

void
raft_log_close(struct raft_log *l)
{
	if (l == NULL)
		return;
	if (l->logfd >= 0)
		close(l->logfd);
	if (l->dirfd >= 0)
		close(l->dirfd);
	rl_truncate_mem(l, 0);
	free(l->ents);
	free(l->off);
	free(l->snap_data);
	free(l->dir);
	free(l);
}

void
raft_log_state(const struct raft_log *l, struct raft_hard_state *hs,
		struct raft_snapshot *snap, const struct raft_entry **ents,
		size_t *n)
{
	*hs = l->hs;
	*snap = l->snap;
	*ents = l->ents;
	*n = l->n;
}

/* ---- writes ---- */

int
raft_log_append(struct raft_log *l, const struct raft_entry *ents,
		size_t n)
{
	uint8_t *buf;
	size_t keep = 0, len = 0;
	uint64_t first, at;
	int rc;

	if (l->error != 0)
		return -l->error;
	if (n == 0)
		return 0;
	first = ents[0].index;
	if (first == 0 || first > rl_last(l) + 1 || first <= l->snap.index)
		return -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (ents[i].index != first + i)
			return -EINVAL;
	buf = malloc(n * (RAFT_LOG_RECORD_HDR + RL_BODY_MAX));
	if (buf == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t r = rl_record_put(buf + len, &ents[i]);

		if (r == 0) {
			free(buf);
			return -EINVAL;
		}
		len += r;
	}
	/* A conflicting suffix goes first. */
	while (keep < l->n && l->ents[keep].index < first)
		keep++;
	at = keep < l->n ? l->off[keep] : l->size;
	if (at < l->size) {
		if (rl_injected(l) || ftruncate(l->logfd, (off_t)at) != 0) {
			free(buf);
			return rl_fail(l, errno);
		}
		rl_truncate_mem(l, keep);
		l->size = at;
	}
	if (rl_write_all(l, l->logfd, buf, len, (off_t)at) != 0 ||
			rl_fsync(l, l->logfd) != 0) {
		free(buf);
		return rl_fail(l, errno);
	}
	l->size = at + len;
	for (size_t i = 0, off = at; i < n; i++) {
		rc = rl_push(l, &ents[i], off);
		if (rc != 0) {
			free(buf);
			return rl_fail(l, -rc);
		}
		off += RAFT_LOG_RECORD_HDR + RAFT_ENTRY_HDR_LEN + ents[i].len;
	}
	free(buf);
	l->stats.appends++;
	l->stats.records = l->n;
	return 0;
}

int
raft_log_save_hard_state(struct raft_log *l, const struct raft_hard_state *hs)
{
	if (l->error != 0)
		return -l->error;
	return rl_save_hard_state(l, hs);
}

static int
rl_save_hard_state(struct raft_log *l, const struct raft_hard_state *hs)
{
	uint8_t buf[RL_HS_LEN];
	int rc;

	memset(buf, 0, sizeof(buf));
	rumor_put32(buf, RL_HS_MAGIC);
	rumor_put64(buf + 8, hs->term);
	rumor_put32(buf + 16, hs->vote);
	rumor_put64(buf + 24, hs->commit);
	rumor_put64(buf + 32, hs->lost_index);
	rumor_put64(buf + 40, hs->lost_term);
	rumor_put64(buf + RL_HS_LEN - 8, XXH3_64bits(buf, RL_HS_LEN - 8));
	rc = rl_replace(l, "hardstate", buf, sizeof(buf));
	if (rc == 0)
		l->hs = *hs;
	return rc;
}

/* Rewrite the log file with the entries after index only. */
static int
rl_compact_log(struct raft_log *l, uint64_t index)
{
	size_t k = 0, len = 0;
	uint8_t *buf;
	int rc, fd;

	while (k < l->n && l->ents[k].index <= index)
		k++;
	buf = malloc((l->n - k + 1) * (RAFT_LOG_RECORD_HDR + RL_BODY_MAX));
	if (buf == NULL)
		return -ENOMEM;
	for (size_t i = k; i < l->n; i++) {
		l->off[i] = len;
		len += rl_record_put(buf + len, &l->ents[i]);
	}
	rc = rl_replace(l, "log", buf, len);
	free(buf);
	if (rc != 0)
		return rc;
	fd = openat(l->dirfd, "log", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return rl_fail(l, errno);
	close(l->logfd);
	l->logfd = fd;
	rl_drop_mem(l, k);
	l->size = len;
	l->stats.compactions++;
	l->stats.records = l->n;
	return 0;
}

int
raft_log_save_snapshot(struct raft_log *l, const struct raft_snapshot *snap,
		bool drop_all)
{
	size_t len = RL_SNAP_HDR + (size_t)snap->len;
	uint8_t *buf, *data;
	int rc;

	if (l->error != 0)
		return -l->error;
	if (snap->index == 0 || snap->term == 0 || snap->n_voters == 0 ||
			snap->n_voters > RAFT_VOTERS_MAX ||
			snap->len > RAFT_SNAP_MAX ||
			(snap->len > 0 && snap->data == NULL))
		return -EINVAL;
	buf = calloc(1, len);
	data = malloc(snap->len > 0 ? snap->len : 1);
	if (buf == NULL || data == NULL) {
		free(buf);
		free(data);
		return -ENOMEM;
	}
	rumor_put32(buf, RL_SNAP_MAGIC);
	rumor_put32(buf + 4, snap->len);
	rumor_put64(buf + 8, snap->index);
	rumor_put64(buf + 16, snap->term);
	rumor_put32(buf + 24, snap->n_voters);
	for (uint32_t i = 0; i < snap->n_voters; i++)
		rumor_put32(buf + 28 + 4 * i, snap->voters[i]);
	if (snap->len > 0) {
		memcpy(buf + RL_SNAP_HDR - 8, snap->data, snap->len);
		memcpy(data, snap->data, snap->len);
	}
	rumor_put64(buf + len - 8, XXH3_64bits(buf, len - 8));
	rc = rl_replace(l, "snapshot", buf, len);
	free(buf);
	if (rc != 0) {
		free(data);
		return rc;
	}
	free(l->snap_data);
	l->snap_data = data;
	l->snap = *snap;
	l->snap.data = data;
	return rl_compact_log(l, drop_all ? UINT64_MAX : snap->index);
}

int
raft_log_persist(struct raft_log *l, const struct raft_ready *rd)
{
	int rc = 0;

	if (rd->snapshot != NULL) {
		/*
		 * The hard state first: its commit then covers the snapshot,
		 * so that a node whose snapshot is later found corrupt knows
		 * how far it may have acknowledged (rl_set_aside).
		 */
		if (rd->hard_state_changed)
			rc = raft_log_save_hard_state(l, &rd->hard_state);
		if (rc == 0)
			rc = raft_log_save_snapshot(l, rd->snapshot, true);
		if (rc == 0 && rd->n_entries > 0)
			rc = raft_log_append(l, rd->entries, rd->n_entries);
		return rc;
	}
	if (rd->n_entries > 0)
		rc = raft_log_append(l, rd->entries, rd->n_entries);
	if (rc == 0 && rd->hard_state_changed)
		rc = raft_log_save_hard_state(l, &rd->hard_state);
	return rc;
}

int
raft_log_founding(const struct raft_log *l, uint32_t *ids, uint32_t *n)
{
	if (l->n_founding == 0)
		return -ENOENT;
	memcpy(ids, l->founding, l->n_founding * sizeof(*ids));
	*n = l->n_founding;
	return 0;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int
raft_log_save_founding(struct raft_log *l, const uint32_t *ids, uint32_t n)
{
	uint8_t buf[16 + 4 * RAFT_VOTERS_MAX];
	uint32_t s[RAFT_VOTERS_MAX];
	size_t len = 16 + 4 * (size_t)n;
	int rc;

	if (l->error != 0)
		return -l->error;
	if (n == 0 || n > RAFT_VOTERS_MAX)
		return -EINVAL;
	memcpy(s, ids, n * sizeof(*s));
	qsort(s, n, sizeof(*s), u32_cmp);
	for (uint32_t i = 0; i < n; i++)
		if (s[i] == 0 || (i > 0 && s[i] == s[i - 1]))
			return -EINVAL;
	rumor_put32(buf, RL_FOUND_MAGIC);
	rumor_put32(buf + 4, n);
	for (uint32_t i = 0; i < n; i++)
		rumor_put32(buf + 8 + 4 * i, s[i]);
	rumor_put64(buf + len - 8, XXH3_64bits(buf, len - 8));
	rc = rl_replace(l, "founding", buf, len);
	if (rc == 0) {
		memcpy(l->founding, s, n * sizeof(*s));
		l->n_founding = n;
	}
	return rc;
}

bool
raft_log_failed(const struct raft_log *l)
{
	return l->error != 0;
}

int
raft_log_error(const struct raft_log *l)
{
	return l->error;
}

const struct raft_log_stats *
raft_log_stats(const struct raft_log *l)
{
	return &l->stats;
}

void
raft_log_inject_failure(struct raft_log *l, unsigned int after, int err)
{
	l->inject_after = after;
	l->inject_err = err;
}
