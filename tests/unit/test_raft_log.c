/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raft's durable state (control/raft_log.h): a reopen gives back what was
 * written; a conflicting suffix is cut; a torn last record is cut at
 * every byte offset it can tear at; a corrupt record with valid ones
 * after it is refused, at every byte of it; corrupt hardstate and
 * snapshot files are refused; compaction survives a crash between the
 * snapshot and the log rewrite; an injected write failure, at every
 * write of a ready, fails cleanly and sticks, and leaves files that open;
 * a full tmpfs gives ENOSPC (skipped without the right to mount); and a
 * node whose disk fails stays a follower and refuses proposals. Every
 * directory is a fresh mkdtemp one, removed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "raft.h"
#include "raft_log.h"
#include "test.h"

static char dirs[16][64];
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

/* The log holds first..last, entry i at term term_of(i). */
static bool
holds(struct raft_log *l, uint64_t first, uint64_t last, uint64_t split,
		uint64_t t1, uint64_t t2)
{
	struct raft_hard_state hs;
	struct raft_snapshot snap;
	const struct raft_entry *e;
	size_t n;
	uint8_t buf[256];

	raft_log_state(l, &hs, &snap, &e, &n);
	if (n != last + 1 - first)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t idx = first + i;
		struct raft_entry want = entry(idx, idx < split ? t1 : t2, buf);

		if (e[i].index != want.index || e[i].term != want.term ||
				e[i].type != want.type ||
				e[i].len != want.len || (want.len > 0 &&
				memcmp(e[i].data, want.data, want.len) != 0))
			return false;
	}
	return true;
}

static struct raft_log *
reopen(const char *dir, int *rc, char *why)
{
	struct raft_log *l = NULL;

	*rc = raft_log_open(dir, &l, why, 256);
	return l;
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

static void
test_round_trip(void)
{
	const char *d = tmpdir();
	struct raft_hard_state hs = { .term = 7, .vote = 3, .commit = 9 }, h;
	struct raft_snapshot snap;
	const struct raft_entry *e;
	struct raft_log *l;
	char why[256];
	size_t n;
	int rc;

	/* A fresh directory holds nothing. */
	l = reopen(d, &rc, why);
	CHECK_EQ(rc, 0);
	raft_log_state(l, &h, &snap, &e, &n);
	CHECK_EQ(h.term, 0);
	CHECK_EQ(snap.index, 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(append_range(l, 1, 12, 2), 0);
	CHECK_EQ(raft_log_save_hard_state(l, &hs), 0);
	/* Not the next index: refused, nothing written. */
	CHECK_EQ(append_range(l, 14, 15, 2), -EINVAL);
	CHECK(!raft_log_failed(l));
	raft_log_close(l);

	l = reopen(d, &rc, why);
	CHECK_EQ(rc, 0);
	CHECK(holds(l, 1, 12, 0, 2, 2));
	raft_log_state(l, &h, &snap, &e, &n);
	CHECK_EQ(h.term, 7);
	CHECK_EQ(h.vote, 3);
	CHECK_EQ(h.commit, 9);
	CHECK_EQ(raft_log_stats(l)->torn_bytes, 0);

	/* A conflicting suffix from 8 is replaced by term 3. */
	CHECK_EQ(append_range(l, 8, 10, 3), 0);
	CHECK(holds(l, 1, 10, 8, 2, 3));
	CHECK_EQ(append_range(l, 11, 11, 3), 0);
	raft_log_close(l);
	l = reopen(d, &rc, why);
	CHECK_EQ(rc, 0);
	CHECK(holds(l, 1, 11, 8, 2, 3));
	raft_log_close(l);
}

/* A log of 5 entries; returns the offset of the last record. */
static size_t
five(const char *d, uint8_t **img, size_t *len)
{
	struct raft_log *l;
	char why[256];
	int rc;
	off_t before;

	l = reopen(d, &rc, why);
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
	char why[256];
	int rc;

	CHECK(len > last + RAFT_LOG_RECORD_HDR);
	/* Cut at every offset inside the last record. */
	for (size_t cut = last; cut < len; cut++) {
		write_all(d, "log", img, cut);
		l = reopen(d, &rc, why);
		if (!CHECK_EQ(rc, 0)) {
			fprintf(stderr, "  cut at %zu: %s\n", cut, why);
			continue;
		}
		CHECK(holds(l, 1, 4, 0, 1, 1));
		CHECK_EQ(raft_log_stats(l)->torn_bytes, cut - last);
		CHECK_EQ(file_size(d, "log"), last);
		/* And the log goes on from there. */
		CHECK_EQ(append_range(l, 5, 6, 2), 0);
		raft_log_close(l);
		l = reopen(d, &rc, why);
		CHECK_EQ(rc, 0);
		CHECK(holds(l, 1, 6, 5, 1, 2));
		raft_log_close(l);
	}
	/* A whole last record that fails its checksum: torn as well. */
	for (size_t at = last; at < len; at++) {
		uint8_t *bad = malloc(len);

		memcpy(bad, img, len);
		bad[at] ^= 0x40;
		write_all(d, "log", bad, len);
		free(bad);
		l = reopen(d, &rc, why);
		if (!CHECK_EQ(rc, 0))
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
	char why[256];
	int rc;

	/* The second record starts where the first ends. */
	second = RAFT_LOG_RECORD_HDR + ((size_t)img[4] << 24 |
			(size_t)img[5] << 16 | (size_t)img[6] << 8 | img[7]);
	CHECK(second < last);
	for (size_t at = second; at < last; at++) {
		uint8_t *bad = malloc(len);

		memcpy(bad, img, len);
		bad[at] ^= 0x01;
		write_all(d, "log", bad, len);
		free(bad);
		l = reopen(d, &rc, why);
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
	struct raft_log *l;
	char why[256];
	uint8_t *img;
	size_t len;
	int rc;

	l = reopen(d, &rc, why);
	CHECK_EQ(append_range(l, 1, 6, 1), 0);
	CHECK_EQ(raft_log_save_hard_state(l, &hs), 0);
	CHECK_EQ(raft_log_save_snapshot(l, &snap, false), 0);
	raft_log_close(l);

	img = read_all(d, "hardstate", &len);
	for (size_t at = 0; at < len; at++) {
		img[at] ^= 0x10;
		write_all(d, "hardstate", img, len);
		img[at] ^= 0x10;
		l = reopen(d, &rc, why);
		CHECK_EQ(rc, -EBADMSG);
	}
	write_all(d, "hardstate", img, len - 1);
	l = reopen(d, &rc, why);
	CHECK_EQ(rc, -EBADMSG);
	write_all(d, "hardstate", img, len);
	free(img);

	img = read_all(d, "snapshot", &len);
	for (size_t at = 0; at < len; at++) {
		img[at] ^= 0x10;
		write_all(d, "snapshot", img, len);
		img[at] ^= 0x10;
		l = reopen(d, &rc, why);
		if (!CHECK_EQ(rc, -EBADMSG))
			raft_log_close(l);
		else
			CHECK(strstr(why, "snapshot") != NULL);
	}
	write_all(d, "snapshot", img, len);
	free(img);
	l = reopen(d, &rc, why);
	CHECK_EQ(rc, 0);
	raft_log_close(l);
}

static void
test_compaction(void)
{
	const char *d = tmpdir();
	struct raft_snapshot snap = { .index = 12, .term = 1, .n_voters = 3,
			.voters = { 1, 2, 4 }, .len = 3,
			.data = (const uint8_t *)"abc" }, got;
	struct raft_hard_state hs;
	const struct raft_entry *e;
	struct raft_log *l;
	uint8_t *old;
	size_t len, n;
	char why[256];
	int rc;

	l = reopen(d, &rc, why);
	CHECK_EQ(append_range(l, 1, 20, 1), 0);
	raft_log_close(l);
	old = read_all(d, "log", &len);

	l = reopen(d, &rc, why);
	CHECK_EQ(raft_log_save_snapshot(l, &snap, false), 0);
	CHECK(holds(l, 13, 20, 0, 1, 1));
	CHECK(file_size(d, "log") < (off_t)len);
	/* Entries the snapshot covers cannot be appended again. */
	CHECK_EQ(append_range(l, 12, 12, 1), -EINVAL);
	CHECK_EQ(append_range(l, 21, 22, 2), 0);
	raft_log_close(l);
	l = reopen(d, &rc, why);
	CHECK_EQ(rc, 0);
	raft_log_state(l, &hs, &got, &e, &n);
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
	l = reopen(d, &rc, why);
	CHECK_EQ(rc, 0);
	CHECK(holds(l, 13, 20, 0, 1, 1));
	/* A received snapshot replaces the whole log. */
	snap.index = 15;
	CHECK_EQ(raft_log_save_snapshot(l, &snap, true), 0);
	raft_log_state(l, &hs, &got, &e, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(append_range(l, 16, 17, 2), 0);
	raft_log_close(l);
	l = reopen(d, &rc, why);
	CHECK(holds(l, 16, 17, 0, 2, 2));
	raft_log_close(l);

	/* A log that starts after the snapshot has a hole: refused. */
	write_all(d, "log", (const uint8_t *)"", 0);
	l = reopen(d, &rc, why);
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

		l = reopen(d2, &rc, why);
		CHECK_EQ(raft_log_save_snapshot(l, &snap, true), 0);
		raft_log_close(l);
		sn = read_all(d2, "snapshot", &sl);
		write_all(d, "snapshot", sn, sl);
		free(sn);
	}
	l = reopen(d, &rc, why);
	CHECK_EQ(rc, -EBADMSG);
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
		struct raft_log *l;
		char why[256];
		int rc, err = errs[k % 3];

		l = reopen(d, &rc, why);
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
		l = reopen(d, &rc, why);
		if (CHECK_EQ(rc, 0)) {
			struct raft_hard_state h;
			struct raft_snapshot s;
			const struct raft_entry *e;
			size_t n;

			raft_log_state(l, &h, &s, &e, &n);
			CHECK(s.index == 0 || s.index == 2);
			CHECK(h.term == 0 || h.term == 4);
			if (passed)
				CHECK(holds(l, 3, 6, 0, 2, 2) && h.term == 4);
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
	char why[256];
	int rc = 0;
	uint64_t i;

	if (mount("tmpfs", d, "tmpfs", 0, "size=64k") != 0) {
		printf("test_raft_log: full_disk skipped (mount: %s)\n",
				strerror(errno));
		return;
	}
	snprintf(sub, sizeof(sub), "%s/raft", d);
	l = reopen(sub, &rc, why);
	CHECK_EQ(rc, 0);
	for (i = 1; i < 10000; i += 4) {
		rc = append_range(l, i, i + 3, 1);
		if (rc != 0)
			break;
	}
	CHECK_EQ(rc, -ENOSPC);
	CHECK(raft_log_failed(l));
	raft_log_close(l);
	/* What made it to disk before the failure opens. */
	l = reopen(sub, &rc, why);
	CHECK_EQ(rc, 0);
	if (l != NULL) {
		struct raft_hard_state h;
		struct raft_snapshot s;
		const struct raft_entry *e;
		size_t n;

		raft_log_state(l, &h, &s, &e, &n);
		CHECK(n + 1 >= i);
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
	char why[256];
	uint8_t buf[256];
	struct raft_entry e;
	int rc;

	raft_config_default(&c);
	c.id = 1;
	c.voters[0] = 1;
	c.n_voters = 1;
	r = raft_new(&c);
	l = reopen(d, &rc, why);
	for (int t = 0; t < 30 && raft_role(r) != RAFT_LEADER; t++)
		raft_tick(r);
	CHECK_EQ(raft_role(r), RAFT_LEADER);
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
	CHECK_EQ(raft_role(r), RAFT_FOLLOWER);
	e = entry(2, 1, buf);
	CHECK_EQ(raft_propose(r, &e), -EIO);
	for (int t = 0; t < 100; t++)
		raft_tick(r);
	CHECK_EQ(raft_role(r), RAFT_FOLLOWER);
	CHECK(!raft_ready(r, &rd));
	raft_log_close(l);

	/* Restarted on what the disk holds: leader again, entry lost. */
	r = (raft_free(r), raft_new(&c));
	l = reopen(d, &rc, why);
	{
		struct raft_hard_state hs;
		struct raft_snapshot s;
		const struct raft_entry *ents;
		size_t n;

		raft_log_state(l, &hs, &s, &ents, &n);
		CHECK_EQ(raft_restore(r, &hs, NULL, ents, n), 0);
		CHECK_EQ(raft_last_index(r), 1);
	}
	raft_free(r);
	raft_log_close(l);
}

int
main(int argc, char **argv)
{
	if (test_want(argc, argv, "round_trip"))
		test_round_trip();
	if (test_want(argc, argv, "torn_tail"))
		test_torn_tail();
	if (test_want(argc, argv, "corrupt_middle"))
		test_corrupt_middle();
	if (test_want(argc, argv, "bad_files"))
		test_bad_files();
	if (test_want(argc, argv, "compaction"))
		test_compaction();
	if (test_want(argc, argv, "injected"))
		test_injected();
	if (test_want(argc, argv, "full_disk"))
		test_full_disk();
	if (test_want(argc, argv, "node_disk_failure"))
		test_node_disk_failure();
	for (unsigned int i = 0; i < n_dirs; i++)
		rm_tree(dirs[i]);
	return test_done("test_raft_log");
}
