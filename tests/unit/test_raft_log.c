/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raft's durable state (include/rumor/raft_log.h): a reopen gives back
 * what was written; a conflicting suffix is cut; a torn last record is
 * cut at every byte offset it can tear at; a corrupt record with valid
 * ones after it is refused, at every byte of it; corrupt hardstate and
 * snapshot files are refused, a corrupt or torn snapshot set aside with
 * the log behind it and the lost state recorded; compaction survives a
 * crash between the snapshot and the log rewrite; an injected write
 * failure, at every write of a ready, fails cleanly and sticks, and
 * leaves files that open; a full tmpfs gives ENOSPC (skipped without the
 * right to mount); and a node whose disk fails stays a follower and
 * refuses proposals. Every directory is a fresh mkdtemp one, removed at
 * the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "rumor/bytes.h"
#include "rumor/raft.h"
#include "rumor/raft_log.h"
#include "test.h"

static char dirs[32][64];
static unsigned int n_dirs;

static const char *
tmpdir(void)
{
	char *d = dirs[n_dirs++];

	snprintf(d, sizeof(dirs[0]), "/tmp/rumor-raft-log.XXXXXX");
	if (mkdtemp(d) == NULL)
		abort();
	return d;
}

static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[400];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
				strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Entry i of a test log: a voter change, a no-op or a ring epoch. */
static struct raft_entry
entry(uint64_t index, uint64_t term, uint8_t *buf)
{
	struct raft_entry e = { .term = term, .index = index, .data = buf };

	if (index % 5 == 0) {
		struct raft_voter_change vc = { RAFT_VOTER_ADD,
				(uint32_t)index };

		e.type = RAFT_ENTRY_VOTER;
		e.len = (uint16_t)raft_voter_change_encode(&vc, buf, 64);
	} else if (index % 7 == 0) {
		e.type = RAFT_ENTRY_NOOP;
	} else {
		struct raft_epoch ep = { .epoch = index * 10 + term,
				.n_members = (uint16_t)(1 + index % 4) };

		for (unsigned int m = 0; m < ep.n_members; m++)
			ep.members[m] = (struct raft_epoch_member){
				.id = m + 1, .ip = 0x0100000a, .port = 7946,
				.weight = (uint32_t)(1 + m),
			};
		e.type = RAFT_ENTRY_RING_EPOCH;
		e.len = (uint16_t)raft_epoch_encode(&ep, buf, 256);
	}
	return e;
}

/* Append entries from..to (inclusive) at term. */
static int
append_range(struct raft_log *l, uint64_t from, uint64_t to, uint64_t term)
{
	static uint8_t bufs[64][256];
	struct raft_entry e[64];
	size_t n = 0;

	for (uint64_t i = from; i <= to; i++, n++)
		e[n] = entry(i, term, bufs[n]);
	return raft_log_append(l, e, n);
}

/* What a log holds. */
struct held {
	struct raft_hard_state hs;
	struct raft_snapshot snap;
	const struct raft_entry *e;
	size_t n;
};

static struct held
held(const struct raft_log *l)
{
	struct held h;

	raft_log_state(l, &h.hs, &h.snap, &h.e, &h.n);
	return h;
}

/* The hard state l holds is want, field by field. */
static bool
holds_hard_state(const struct raft_log *l, struct raft_hard_state want)
{
	struct raft_hard_state hs = held(l).hs;
	bool ok = CHECK_EQ(hs.term, want.term);

	ok &= CHECK_EQ(hs.vote, want.vote);
	ok &= CHECK_EQ(hs.commit, want.commit);
	ok &= CHECK_EQ(hs.lost_index, want.lost_index);
	ok &= CHECK_EQ(hs.lost_term, want.lost_term);
	return ok;
}

/* The log holds first..last, entry i at term term_of(i). */
static bool
holds(struct raft_log *l, uint64_t first, uint64_t last, uint64_t split,
		uint64_t t1, uint64_t t2)
{
	struct held h = held(l);
	uint8_t buf[256];

	if (h.n != last + 1 - first)
		return false;
	for (size_t i = 0; i < h.n; i++) {
		uint64_t idx = first + i;
		struct raft_entry want = entry(idx, idx < split ? t1 : t2, buf);
		const struct raft_entry *e = &h.e[i];

		if (e->index != want.index || e->term != want.term ||
				e->type != want.type ||
				e->len != want.len || (want.len > 0 &&
				memcmp(e->data, want.data, want.len) != 0))
			return false;
	}
	return true;
}

/* Why the latest open failed. */
static char why[256];

static struct raft_log *
reopen(const char *dir, int *rc)
{
	struct raft_log *l = NULL;

	*rc = raft_log_open(dir, &l, why, sizeof(why));
	return l;
}

/* Open dir, which must open: the log, or NULL (the check failed). */
static struct raft_log *
open_ok(const char *dir)
{
	int rc;
	struct raft_log *l = reopen(dir, &rc);

	if (!CHECK_EQ(rc, 0))
		fprintf(stderr, "  %s\n", why);
	return l;
}

/* Open dir and close it again: what the open gave. */
static int
open_rc(const char *dir)
{
	int rc;

	raft_log_close(reopen(dir, &rc));
	return rc;
}

static off_t
file_size(const char *dir, const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

static uint8_t *
read_all(const char *dir, const char *name, size_t *len)
{
	char p[256];
	FILE *f;
	uint8_t *b;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "rb");
	if (f == NULL)
		abort();
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(*len + 1);
	if (b == NULL || fread(b, 1, *len, f) != *len)
		abort();
	fclose(f);
	return b;
}

static void
write_all(const char *dir, const char *name, const uint8_t *b, size_t len)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "wb");
	if (f == NULL || fwrite(b, 1, len, f) != len)
		abort();
	fclose(f);
}

/* Write img as dir/name with byte at flipped by mask (img as it was). */
static void
write_flipped(const char *dir, const char *name, uint8_t *img, size_t len,
		size_t at, uint8_t mask)
{
	img[at] ^= mask;
	write_all(dir, name, img, len);
	img[at] ^= mask;
}

static void
test_round_trip(void)
{
	const char *d = tmpdir();
	struct raft_hard_state hs = { .term = 7, .vote = 3, .commit = 9 };
	struct raft_log *l;
	struct held h;

	/* A fresh directory holds nothing. */
	l = open_ok(d);
	h = held(l);
	CHECK_EQ(h.hs.term, 0);
	CHECK_EQ(h.snap.index, 0);
	CHECK_EQ(h.n, 0);
	CHECK_EQ(append_range(l, 1, 12, 2), 0);
	CHECK_EQ(raft_log_save_hard_state(l, &hs), 0);
	/* Not the next index: refused, nothing written. */
	CHECK_EQ(append_range(l, 14, 15, 2), -EINVAL);
	CHECK(!raft_log_failed(l));
	raft_log_close(l);

	l = open_ok(d);
	CHECK(holds(l, 1, 12, 0, 2, 2));
	holds_hard_state(l, hs);
	CHECK_EQ(raft_log_stats(l)->torn_bytes, 0);

	/* A conflicting suffix from 8 is replaced by term 3. */
	CHECK_EQ(append_range(l, 8, 10, 3), 0);
	CHECK(holds(l, 1, 10, 8, 2, 3));
	CHECK_EQ(append_range(l, 11, 11, 3), 0);
	raft_log_close(l);
	l = open_ok(d);
	CHECK(holds(l, 1, 11, 8, 2, 3));
	raft_log_close(l);
}

/* A log of 5 entries; returns the offset of the last record. */
static size_t
five(const char *d, uint8_t **img, size_t *len)
{
	struct raft_log *l = open_ok(d);
	off_t before;

	CHECK_EQ(append_range(l, 1, 4, 1), 0);
	before = file_size(d, "log");
	CHECK_EQ(append_range(l, 5, 5, 1), 0);
	raft_log_close(l);
	*img = read_all(d, "log", len);
	return (size_t)before;
}

static void
test_torn_tail(void)
{
	const char *d = tmpdir();
	uint8_t *img;
	size_t len, last = five(d, &img, &len);
	struct raft_log *l;

	CHECK(len > last + RAFT_LOG_RECORD_HDR);
	/* Cut at every offset inside the last record. */
	for (size_t cut = last; cut < len; cut++) {
		write_all(d, "log", img, cut);
		l = open_ok(d);
		if (l == NULL) {
			fprintf(stderr, "  cut at %zu\n", cut);
			continue;
		}
		CHECK(holds(l, 1, 4, 0, 1, 1));
		CHECK_EQ(raft_log_stats(l)->torn_bytes, cut - last);
		CHECK_EQ(file_size(d, "log"), last);
		/* And the log goes on from there. */
		CHECK_EQ(append_range(l, 5, 6, 2), 0);
		raft_log_close(l);
		l = open_ok(d);
		CHECK(holds(l, 1, 6, 5, 1, 2));
		raft_log_close(l);
	}
	/* A whole last record that fails its checksum: torn as well. */
	for (size_t at = last; at < len; at++) {
		write_flipped(d, "log", img, len, at, 0x40);
		l = open_ok(d);
		if (l == NULL)
			continue;
		CHECK(holds(l, 1, 4, 0, 1, 1));
		raft_log_close(l);
	}
	free(img);
}

static void
test_corrupt_middle(void)
{
	const char *d = tmpdir();
	uint8_t *img;
	size_t len, last = five(d, &img, &len), second = 0;
	struct raft_log *l;
	int rc;

	/* The second record starts where the first ends. */
	second = RAFT_LOG_RECORD_HDR + ((size_t)img[4] << 24 |
			(size_t)img[5] << 16 | (size_t)img[6] << 8 | img[7]);
	CHECK(second < last);
	for (size_t at = second; at < last; at++) {
		write_flipped(d, "log", img, len, at, 0x01);
		l = reopen(d, &rc);
		if (!CHECK_EQ(rc, -EBADMSG)) {
			fprintf(stderr, "  byte %zu flipped: opened\n", at);
			raft_log_close(l);
			continue;
		}
		CHECK(l == NULL);
		CHECK(strstr(why, "corrupt record") != NULL);
	}
	/* The file is left as it was found: nothing skipped, nothing cut. */
	CHECK_EQ(file_size(d, "log"), (off_t)len);
	free(img);
}

static void
test_bad_files(void)
{
	const char *d = tmpdir();
	struct raft_hard_state hs = { .term = 3, .vote = 1, .commit = 2 };
	struct raft_snapshot snap = { .index = 3, .term = 1, .n_voters = 3,
			.voters = { 1, 2, 3 }, .len = 5,
			.data = (const uint8_t *)"hello" };
	struct raft_log *l = open_ok(d);
	uint8_t *img;
	size_t len;

	CHECK_EQ(append_range(l, 1, 6, 1), 0);
	CHECK_EQ(raft_log_save_hard_state(l, &hs), 0);
	CHECK_EQ(raft_log_save_snapshot(l, &snap, false), 0);
	raft_log_close(l);

	img = read_all(d, "hardstate", &len);
	for (size_t at = 0; at < len; at++) {
		write_flipped(d, "hardstate", img, len, at, 0x10);
		CHECK_EQ(open_rc(d), -EBADMSG);
	}
	write_all(d, "hardstate", img, len - 1);
	CHECK_EQ(open_rc(d), -EBADMSG);
	write_all(d, "hardstate", img, len);
	free(img);
	CHECK_EQ(open_rc(d), 0);
}

static bool
exists(const char *dir, const char *name)
{
	return file_size(dir, name) >= 0;
}

static void
rm_file(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

/*
 * A state of hard state, a snapshot at 3 and the log 4..8 (commit 6),
 * and its files' images, to put back between cases.
 */
struct snap_imgs {
	uint8_t *hs, *snap, *log;
	size_t hs_len, snap_len, log_len;
};

static void
snap_state(const char *d, struct snap_imgs *im)
{
	struct raft_hard_state hs = { .term = 3, .vote = 1, .commit = 6 };
	struct raft_snapshot snap = { .index = 3, .term = 1, .n_voters = 3,
			.voters = { 1, 2, 3 }, .len = 5,
			.data = (const uint8_t *)"hello" };
	struct raft_log *l = open_ok(d);

	CHECK_EQ(append_range(l, 1, 8, 1), 0);
	CHECK_EQ(raft_log_save_hard_state(l, &hs), 0);
	CHECK_EQ(raft_log_save_snapshot(l, &snap, false), 0);
	raft_log_close(l);
	im->hs = read_all(d, "hardstate", &im->hs_len);
	im->snap = read_all(d, "snapshot", &im->snap_len);
	im->log = read_all(d, "log", &im->log_len);
}

static void
snap_put_back(const char *d, const struct snap_imgs *im)
{
	write_all(d, "hardstate", im->hs, im->hs_len);
	write_all(d, "snapshot", im->snap, im->snap_len);
	write_all(d, "log", im->log, im->log_len);
	rm_file(d, "snapshot.corrupt");
	rm_file(d, "log.corrupt");
}

/* The snapshot was found corrupt: set aside, lost state recorded. */
static bool
set_aside_ok(const char *d, const struct snap_imgs *im, uint64_t lost)
{
	struct raft_log *l = open_ok(d);
	struct held h;
	size_t len;
	uint8_t *old;
	bool ok = true;

	if (l == NULL)
		return false;
	ok &= CHECK_EQ(raft_log_stats(l)->set_aside, 1);
	h = held(l);
	ok &= CHECK_EQ(h.snap.index, 0);
	ok &= CHECK_EQ(h.n, 0);
	ok &= holds_hard_state(l, (struct raft_hard_state){ .term = 3,
			.vote = 1, .commit = 6, .lost_index = lost,
			.lost_term = 3 });
	ok &= CHECK(!exists(d, "snapshot"));
	ok &= CHECK(exists(d, "snapshot.corrupt"));
	ok &= CHECK_EQ(file_size(d, "log"), 0);
	/* The log set aside is the one that was there, whole. */
	old = read_all(d, "log.corrupt", &len);
	ok &= CHECK(len == im->log_len && memcmp(old, im->log, len) == 0);
	free(old);
	/* The node goes on from nothing; the lost state stays. */
	ok &= CHECK_EQ(append_range(l, 1, 2, 4), 0);
	raft_log_close(l);
	l = open_ok(d);
	if (l == NULL)
		return false;
	ok &= CHECK_EQ(raft_log_stats(l)->set_aside, 0);
	ok &= CHECK_EQ(held(l).hs.lost_index, lost);
	ok &= CHECK(holds(l, 1, 2, 0, 4, 4));
	raft_log_close(l);
	return ok;
}

/*
 * The snapshot file: written and read back; a leftover temporary file
 * (a crash before the rename) ignored; a snapshot corrupt at any byte, or
 * torn at any length, set aside with the log, the lost state recorded,
 * also when a crash interrupted an earlier setting aside; a hard state
 * of the first format read; a snapshot that cannot be set aside (a
 * read-only file system) refused.
 */
static void
test_snapshot_file(void)
{
	const char *d = tmpdir();
	struct snap_imgs im;
	struct raft_log *l;
	struct held h;
	int rc;

	snap_state(d, &im);
	l = open_ok(d);
	h = held(l);
	CHECK_EQ(h.snap.index, 3);
	CHECK_EQ(h.snap.term, 1);
	CHECK_EQ(h.snap.n_voters, 3);
	CHECK_EQ(h.snap.len, 5);
	CHECK(memcmp(h.snap.data, "hello", 5) == 0);
	CHECK_EQ(h.hs.lost_index, 0);
	CHECK(holds(l, 4, 8, 0, 1, 1));
	CHECK_EQ(raft_log_stats(l)->set_aside, 0);
	raft_log_close(l);

	/* A crash before the rename leaves a temporary file: ignored. */
	write_all(d, "snapshot.tmp", im.snap, im.snap_len / 2);
	l = open_ok(d);
	CHECK_EQ(held(l).snap.index, 3);
	raft_log_close(l);
	rm_file(d, "snapshot.tmp");

	/* Corrupt at any byte: set aside; it may have acknowledged 8. */
	for (size_t at = 0; at < im.snap_len; at++) {
		write_flipped(d, "snapshot", im.snap, im.snap_len, at, 0x10);
		if (!set_aside_ok(d, &im, 8))
			fprintf(stderr, "  snapshot byte %zu flipped\n", at);
		snap_put_back(d, &im);
	}
	/* Torn at any length. */
	for (size_t cut = 0; cut < im.snap_len; cut++) {
		write_all(d, "snapshot", im.snap, cut);
		if (!set_aside_ok(d, &im, 8))
			fprintf(stderr, "  snapshot cut at %zu\n", cut);
		snap_put_back(d, &im);
	}

	/*
	 * A crash after the lost state and the log were set aside, before
	 * the snapshot: the next open finishes, and keeps the log set
	 * aside first rather than the empty one.
	 */
	write_all(d, "snapshot", im.snap, 10);
	CHECK_EQ(open_rc(d), 0);
	write_all(d, "snapshot", im.snap, 10);
	rm_file(d, "snapshot.corrupt");
	l = open_ok(d);
	if (l != NULL) {
		uint8_t *old;
		size_t len;

		CHECK_EQ(raft_log_stats(l)->set_aside, 1);
		CHECK_EQ(held(l).hs.lost_index, 8);
		CHECK(exists(d, "snapshot.corrupt"));
		old = read_all(d, "log.corrupt", &len);
		CHECK(len == im.log_len && memcmp(old, im.log, len) == 0);
		free(old);
		raft_log_close(l);
	}
	snap_put_back(d, &im);

	/* A hard state of the first format (40 bytes): no lost state. */
	{
		uint8_t h1[40] = { 0 };

		rumor_put32(h1, 0x52485331u);
		rumor_put64(h1 + 8, 5);
		rumor_put32(h1 + 16, 2);
		rumor_put64(h1 + 24, 4);
		rumor_put64(h1 + 32, XXH3_64bits(h1, 32));
		write_all(d, "hardstate", h1, sizeof(h1));
		l = open_ok(d);
		holds_hard_state(l, (struct raft_hard_state){ .term = 5,
				.vote = 2, .commit = 4 });
		raft_log_close(l);
		write_flipped(d, "hardstate", h1, sizeof(h1), 20, 1);
		CHECK_EQ(open_rc(d), -EBADMSG);
		snap_put_back(d, &im);
	}

	/* Read-only: a corrupt snapshot cannot be set aside; refused. */
	{
		const char *m = tmpdir();
		char sub[128];

		if (mount("tmpfs", m, "tmpfs", 0, "size=256k") != 0) {
			printf("test_raft_log: read-only set-aside skipped "
					"(mount: %s)\n", strerror(errno));
		} else {
			snprintf(sub, sizeof(sub), "%s/raft", m);
			mkdir(sub, 0700);
			snap_put_back(sub, &im);
			write_all(sub, "snapshot", im.snap, 7);
			if (mount(NULL, m, NULL, MS_REMOUNT | MS_RDONLY,
					NULL) != 0) {
				printf("test_raft_log: read-only set-aside "
						"skipped (remount: %s)\n",
						strerror(errno));
			} else {
				l = reopen(sub, &rc);
				CHECK(rc < 0);
				CHECK(l == NULL);
				CHECK(strstr(why, "cannot be set aside") !=
						NULL || strstr(why,
						"Read-only") != NULL);
				mount(NULL, m, NULL, MS_REMOUNT, NULL);
			}
			rm_tree(sub);
			if (umount(m) != 0)
				fprintf(stderr, "umount %s: %s\n", m,
						strerror(errno));
		}
	}
	free(im.hs);
	free(im.snap);
	free(im.log);
}

static void
test_compaction(void)
{
	const char *d = tmpdir();
	struct raft_snapshot snap = { .index = 12, .term = 1, .n_voters = 3,
			.voters = { 1, 2, 4 }, .len = 3,
			.data = (const uint8_t *)"abc" };
	struct raft_log *l = open_ok(d);
	struct raft_snapshot got;
	uint8_t *old;
	size_t len;

	CHECK_EQ(append_range(l, 1, 20, 1), 0);
	raft_log_close(l);
	old = read_all(d, "log", &len);

	l = open_ok(d);
	CHECK_EQ(raft_log_save_snapshot(l, &snap, false), 0);
	CHECK(holds(l, 13, 20, 0, 1, 1));
	CHECK(file_size(d, "log") < (off_t)len);
	/* Entries the snapshot covers cannot be appended again. */
	CHECK_EQ(append_range(l, 12, 12, 1), -EINVAL);
	CHECK_EQ(append_range(l, 21, 22, 2), 0);
	raft_log_close(l);
	l = open_ok(d);
	got = held(l).snap;
	CHECK_EQ(got.index, 12);
	CHECK_EQ(got.term, 1);
	CHECK_EQ(got.n_voters, 3);
	CHECK_EQ(got.voters[2], 4);
	CHECK_EQ(got.len, 3);
	CHECK(memcmp(got.data, "abc", 3) == 0);
	CHECK(holds(l, 13, 22, 21, 1, 2));
	raft_log_close(l);

	/* A crash after the snapshot, before the log rewrite. */
	write_all(d, "log", old, len);
	l = open_ok(d);
	CHECK(holds(l, 13, 20, 0, 1, 1));
	/* A received snapshot replaces the whole log. */
	snap.index = 15;
	CHECK_EQ(raft_log_save_snapshot(l, &snap, true), 0);
	CHECK_EQ(held(l).n, 0);
	CHECK_EQ(append_range(l, 16, 17, 2), 0);
	raft_log_close(l);
	l = open_ok(d);
	CHECK(holds(l, 16, 17, 0, 2, 2));
	raft_log_close(l);

	/* A log that starts after the snapshot has a hole: refused. */
	write_all(d, "log", (const uint8_t *)"", 0);
	l = open_ok(d);
	CHECK_EQ(append_range(l, 16, 18, 3), 0);
	raft_log_close(l);
	free(old);
	old = read_all(d, "log", &len);
	snap.index = 3;
	snap.term = 1;
	{
		/* Write an older snapshot by hand: via a fresh directory. */
		const char *d2 = tmpdir();
		uint8_t *sn;
		size_t sl;

		l = open_ok(d2);
		CHECK_EQ(raft_log_save_snapshot(l, &snap, true), 0);
		raft_log_close(l);
		sn = read_all(d2, "snapshot", &sl);
		write_all(d, "snapshot", sn, sl);
		free(sn);
	}
	CHECK_EQ(open_rc(d), -EBADMSG);
	CHECK(strstr(why, "after the snapshot") != NULL);
	free(old);
}

/* Persist a ready with a failure injected at write k; 0 if it got by. */
static void
test_injected(void)
{
	struct raft_hard_state hs = { .term = 4, .vote = 2, .commit = 3 };
	struct raft_snapshot snap = { .index = 2, .term = 1, .n_voters = 3,
			.voters = { 1, 2, 3 }, .len = 2,
			.data = (const uint8_t *)"xy" };
	uint8_t bufs[4][256];
	struct raft_entry ents[4];
	struct raft_ready rd = { .hard_state_changed = true, .hard_state = hs,
			.snapshot = &snap, .entries = ents, .n_entries = 4 };
	unsigned int k, passed = 0;

	for (unsigned int i = 0; i < 4; i++)
		ents[i] = entry(3 + i, 2, bufs[i]);
	for (k = 0; k < 64 && !passed; k++) {
		static const int errs[] = { ENOSPC, EROFS, EIO };
		const char *d = tmpdir();
		struct raft_log *l = open_ok(d);
		int rc, err = errs[k % 3];

		CHECK_EQ(append_range(l, 1, 6, 1), 0);
		raft_log_inject_failure(l, k, err);
		rc = raft_log_persist(l, &rd);
		if (rc == 0) {
			passed = 1;
		} else {
			CHECK_EQ(rc, -err);
			CHECK(raft_log_failed(l));
			CHECK_EQ(raft_log_error(l), err);
			/* It sticks, even once the disk would work. */
			raft_log_inject_failure(l, 0, 0);
			CHECK_EQ(append_range(l, 7, 7, 2), -err);
			CHECK_EQ(raft_log_save_hard_state(l, &hs), -err);
		}
		raft_log_close(l);
		/* Whatever happened, the files open again. */
		l = open_ok(d);
		if (l != NULL) {
			struct held h = held(l);

			CHECK(h.snap.index == 0 || h.snap.index == 2);
			CHECK(h.hs.term == 0 || h.hs.term == 4);
			if (passed)
				CHECK(holds(l, 3, 6, 0, 2, 2) &&
						h.hs.term == 4);
			raft_log_close(l);
		}
		rm_tree(d);
		n_dirs--;
	}
	/* Every write of the ready was hit once before one went through. */
	CHECK(passed);
	CHECK(k > 6);
}

/* A tmpfs of 64 KiB fills up: ENOSPC, cleanly. Needs CAP_SYS_ADMIN. */
static void
test_full_disk(void)
{
	const char *d = tmpdir();
	char sub[128];
	struct raft_log *l;
	int rc = 0;
	uint64_t i;

	if (mount("tmpfs", d, "tmpfs", 0, "size=64k") != 0) {
		printf("test_raft_log: full_disk skipped (mount: %s)\n",
				strerror(errno));
		return;
	}
	snprintf(sub, sizeof(sub), "%s/raft", d);
	l = open_ok(sub);
	for (i = 1; i < 10000; i += 4) {
		rc = append_range(l, i, i + 3, 1);
		if (rc != 0)
			break;
	}
	CHECK_EQ(rc, -ENOSPC);
	CHECK(raft_log_failed(l));
	raft_log_close(l);
	/* What made it to disk before the failure opens. */
	l = open_ok(sub);
	if (l != NULL) {
		CHECK(held(l).n + 1 >= i);
		raft_log_close(l);
	}
	rm_tree(sub);
	if (umount(d) != 0)
		fprintf(stderr, "umount %s: %s\n", d, strerror(errno));
}

/* A node on a real log; its disk fails: it steps down and says so. */
static void
test_node_disk_failure(void)
{
	const char *d = tmpdir();
	struct raft_config c;
	struct raft_log *l;
	struct raft *r;
	struct raft_ready rd;
	uint8_t buf[256];
	struct raft_entry e;
	struct held h;

	raft_config_default(&c);
	c.id = 1;
	c.voters[0] = 1;
	c.n_voters = 1;
	r = raft_new(&c);
	l = open_ok(d);
	for (int t = 0; t < 30 && raft_status(r).role != RAFT_LEADER; t++)
		raft_tick(r);
	CHECK_EQ(raft_status(r).role, RAFT_LEADER);
	while (raft_ready(r, &rd)) {
		CHECK_EQ(raft_log_persist(l, &rd), 0);
		raft_advance(r, &rd);
	}
	e = entry(1, 1, buf);
	CHECK_EQ(raft_propose(r, &e), 0);
	raft_log_inject_failure(l, 0, ENOSPC);
	CHECK(raft_ready(r, &rd));
	CHECK_EQ(raft_log_persist(l, &rd), -ENOSPC);
	raft_persist_failed(r);
	CHECK(raft_disk_failed(r));
	CHECK_EQ(raft_status(r).role, RAFT_FOLLOWER);
	e = entry(2, 1, buf);
	CHECK_EQ(raft_propose(r, &e), -EIO);
	for (int t = 0; t < 100; t++)
		raft_tick(r);
	CHECK_EQ(raft_status(r).role, RAFT_FOLLOWER);
	CHECK(!raft_ready(r, &rd));
	raft_log_close(l);

	/* Restarted on what the disk holds: leader again, entry lost. */
	r = (raft_free(r), raft_new(&c));
	l = open_ok(d);
	h = held(l);
	CHECK_EQ(raft_restore(r, &h.hs, NULL, h.e, h.n), 0);
	CHECK_EQ(raft_status(r).last_index, 1);
	raft_free(r);
	raft_log_close(l);
}

/* The founding voter set: recorded once, read back sorted, checked. */
static void
test_founding(void)
{
	const char *d = tmpdir();
	uint32_t ids[RAFT_VOTERS_MAX], n = 0;
	const uint32_t want[] = { 3, 1, 2 }, dup[] = { 1, 1, 2 },
			zero[] = { 0, 1, 2 };
	struct raft_log *l = open_ok(d);
	uint8_t *img;
	size_t len;
	int rc;

	CHECK_EQ(raft_log_founding(l, ids, &n), -ENOENT);
	CHECK_EQ(raft_log_save_founding(l, dup, 3), -EINVAL);
	CHECK_EQ(raft_log_save_founding(l, zero, 3), -EINVAL);
	CHECK_EQ(raft_log_save_founding(l, want, 0), -EINVAL);
	CHECK_EQ(raft_log_founding(l, ids, &n), -ENOENT);
	CHECK_EQ(raft_log_save_founding(l, want, 3), 0);
	raft_log_close(l);
	l = open_ok(d);
	CHECK_EQ(raft_log_founding(l, ids, &n), 0);
	CHECK_EQ(n, 3);
	CHECK(ids[0] == 1 && ids[1] == 2 && ids[2] == 3);
	raft_log_close(l);
	img = read_all(d, "founding", &len);
	CHECK_EQ(len, 28);
	for (size_t at = 0; at < len; at++) {
		write_flipped(d, "founding", img, len, at, 0x08);
		rc = open_rc(d);
		if (CHECK_EQ(rc, -EBADMSG))
			CHECK(strstr(why, "founding") != NULL);
	}
	write_all(d, "founding", img, len - 4);
	CHECK_EQ(open_rc(d), -EBADMSG);
	write_all(d, "founding", img, len);
	free(img);
	CHECK_EQ(open_rc(d), 0);
}

/*
 * Drain the node's readies; how many messages of type they held whose
 * flags masked by mask are want.
 */
static unsigned int
sent_flags(struct raft *r, uint8_t type, uint8_t mask, uint8_t want)
{
	struct raft_ready rd;
	unsigned int k = 0;

	while (raft_ready(r, &rd)) {
		for (size_t i = 0; i < rd.n_msgs; i++) {
			struct raft_msg m;

			if (raft_decode(rd.msgs[i].buf, rd.msgs[i].len, &m) !=
					RAFT_WIRE_OK)
				abort();
			if (m.type == type && (m.flags & mask) == want)
				k++;
		}
		raft_advance(r, &rd);
	}
	return k;
}

static unsigned int
sent(struct raft *r, uint8_t type, uint8_t flags_set)
{
	return sent_flags(r, type, flags_set, flags_set);
}

/* An append from leader 1 at term: entries from..to of entry terms t. */
static void
append_from(struct raft *r, uint64_t term, uint64_t prev, uint64_t prev_term,
		uint64_t to, uint64_t t, uint64_t commit)
{
	static struct raft_msg m;
	static uint8_t bufs[64][256];

	memset(&m, 0, sizeof(m));
	m.type = RAFT_APPEND;
	m.from = 1;
	m.to = 2;
	m.term = term;
	m.index = prev;
	m.log_term = prev_term;
	m.commit = commit;
	for (uint64_t i = prev + 1; i <= to; i++)
		m.entries[m.n_entries++] = entry(i, t, bufs[i - prev - 1]);
	CHECK_EQ(raft_step(r, &m), 0);
}

static struct raft *
lost_node(uint64_t lost_index, uint64_t lost_term)
{
	struct raft_hard_state hs = { .term = 3, .vote = 1,
			.lost_index = lost_index, .lost_term = lost_term };
	struct raft_config c;
	struct raft *r;

	raft_config_default(&c);
	c.id = 2;
	c.voters[0] = 1;
	c.voters[1] = 2;
	c.voters[2] = 3;
	c.n_voters = 3;
	r = raft_new(&c);
	CHECK_EQ(raft_restore(r, &hs, NULL, NULL, 0), 0);
	return r;
}

/*
 * A node that lost state (its snapshot set aside) neither campaigns nor
 * votes until a leader has it commit what it may have acknowledged (up
 * to lost_index), or until a leader of a later term than lost_term has
 * it commit an entry of that term; the hard state records both steps.
 */
static void
test_lost_node(void)
{
	struct raft_msg m;
	struct raft_ready rd;
	struct raft *r = lost_node(8, 3);

	CHECK(raft_status(r).lost);
	for (int t = 0; t < 100; t++)
		raft_tick(r);
	CHECK_EQ(raft_status(r).role, RAFT_FOLLOWER);
	CHECK_EQ(sent(r, RAFT_PREVOTE, 0), 0);
	/* A candidate with a longer log: refused all the same. */
	memset(&m, 0, sizeof(m));
	m.type = RAFT_PREVOTE;
	m.from = 3;
	m.to = 2;
	m.term = 4;
	m.index = 10;
	m.log_term = 3;
	CHECK_EQ(raft_step(r, &m), 0);
	CHECK_EQ(sent(r, RAFT_PREVOTE_RESP, RAFT_F_REJECT), 1);
	CHECK_EQ(raft_stats(r)->votes_withheld, 1);
	m.type = RAFT_TIMEOUT_NOW;
	m.term = 3;
	m.from = 1;
	CHECK_EQ(raft_step(r, &m), 0);
	CHECK_EQ(raft_status(r).role, RAFT_FOLLOWER);
	CHECK_EQ(raft_status(r).term, 3);

	/* The leader of its own term: whole once commit reaches 8. */
	append_from(r, 3, 0, 0, 5, 3, 5);
	CHECK_EQ(raft_status(r).commit, 5);
	CHECK(raft_status(r).lost);
	CHECK_EQ(sent_flags(r, RAFT_APPEND_RESP, RAFT_F_REJECT, 0), 1);
	append_from(r, 3, 5, 3, 8, 3, 8);
	CHECK(!raft_status(r).lost);
	CHECK(raft_ready(r, &rd));
	CHECK(rd.hard_state_changed);
	CHECK_EQ(rd.hard_state.lost_index, 0);
	CHECK_EQ(rd.hard_state.lost_term, 0);
	raft_advance(r, &rd);
	sent(r, 0, 0);
	/* And it votes again, for an up-to-date candidate. */
	for (int t = 0; t < 30; t++)
		raft_tick(r);
	sent(r, 0, 0);
	memset(&m, 0, sizeof(m));
	m.type = RAFT_VOTE;
	m.from = 3;
	m.to = 2;
	m.term = raft_status(r).term + 1;
	m.index = 8;
	m.log_term = 3;
	CHECK_EQ(raft_step(r, &m), 0);
	CHECK_EQ(sent_flags(r, RAFT_VOTE_RESP, RAFT_F_REJECT, 0), 1);
	raft_free(r);

	/*
	 * A leader of a later term: an old entry committed is not enough,
	 * an entry of its own term is.
	 */
	r = lost_node(8, 3);
	append_from(r, 4, 0, 0, 1, 1, 1);
	CHECK_EQ(raft_status(r).commit, 1);
	CHECK(raft_status(r).lost);
	append_from(r, 4, 1, 1, 2, 4, 2);
	CHECK_EQ(raft_status(r).commit, 2);
	CHECK(!raft_status(r).lost);
	raft_free(r);

	/* The lost state survives a restart until it clears. */
	r = lost_node(8, 3);
	append_from(r, 3, 0, 0, 4, 3, 4);
	CHECK(raft_ready(r, &rd));
	CHECK_EQ(rd.hard_state.lost_index, 8);
	CHECK_EQ(rd.hard_state.lost_term, 3);
	raft_advance(r, &rd);
	raft_free(r);
}

static const struct test_section sections[] = {
	{ "round_trip", test_round_trip },
	{ "torn_tail", test_torn_tail },
	{ "corrupt_middle", test_corrupt_middle },
	{ "bad_files", test_bad_files },
	{ "snapshot_file", test_snapshot_file },
	{ "compaction", test_compaction },
	{ "injected", test_injected },
	{ "founding", test_founding },
	{ "lost_node", test_lost_node },
	{ "full_disk", test_full_disk },
	{ "node_disk_failure", test_node_disk_failure },
};

int
main(int argc, char **argv)
{
	int rc = test_run(argc, argv, "test_raft_log", sections,
			TEST_DIM(sections));

	for (unsigned int i = 0; i < n_dirs; i++)
		rm_tree(dirs[i]);
	return rc;
}
