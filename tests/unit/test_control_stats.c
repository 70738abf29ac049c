/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tables of the counters rumorctl stats prints for rumor-control
 * (include/rumor/control_stats.h and the tables of swim.h, seal.h,
 * admin.h and raft.h; counters.h says what a row is): every counter has
 * a help text that fits, every line of rumorctl stats has a plain name
 * that no other line has, and the names that tests, scripts and docs
 * read are there.
 */
#include <string.h>

#include "rumor/admin.h"
#include "rumor/admin_req.h"
#include "rumor/control_stats.h"
#include "rumor/raft.h"
#include "rumor/seal.h"
#include "rumor/swim.h"
#include "test.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* What a row says of its counter. */
struct row {
	const char *name;
	const char *help;
};

#define ROW(field, name, help) { name, help },
static const struct row swim_rows[] = { SWIM_STATS_TABLE(ROW) };
static const struct row node_rows[] = { NODE_STATS_TABLE(ROW) };
static const struct row seal_rows[] = { SEAL_STATS_TABLE(ROW) };
static const struct row link_rows[] = { LINK_STATS_TABLE(ROW) };
static const struct row admin_rows[] = { ADMIN_STATS_TABLE(ROW) };
static const struct row node_raft_rows[] = { NODE_RAFT_STATS_TABLE(ROW) };
static const struct row raft_rows[] = { RAFT_STATS_TABLE(ROW) };
#undef ROW

/* Each table, and what rumorctl stats puts before its names. */
static const struct {
	const char *prefix;
	const struct row *rows;
	size_t n;
} tables[] = {
	{ "", swim_rows, DIM(swim_rows) },
	{ "", node_rows, DIM(node_rows) },
	{ "", seal_rows, DIM(seal_rows) },
	{ "", link_rows, DIM(link_rows) },
	{ "", admin_rows, DIM(admin_rows) },
	{ "raft_", node_raft_rows, DIM(node_raft_rows) },
	{ "raft_", raft_rows, DIM(raft_rows) },
};

/*
 * The lines of rumorctl stats that are not counters of a table
 * (admin_cmds.c prints them as values): a row must not take their names.
 */
static const char *const values[] = {
	"uptime_ms", "node_id", "incarnation", "view_version", "members",
	"members_alive", "members_suspect", "members_dead", "members_left",
	"swim_health", "link_connected", "raft_role", "raft_disk_failed",
	"raft_voters", "raft_voter_change_pending", "raft_lost", "raft_term",
	"raft_leader", "raft_commit", "raft_last_index",
	"raft_snapshot_index", "raft_log_entries", "raft_epoch",
	"raft_epoch_members", "raft_commit_ms_p50", "raft_commit_ms_p99",
	"raft_commit_samples",
};

#define NAMES_MAX 256
#define NAME_LEN 64

/* Every name after "control." in rumorctl stats, Raft on. */
static char names[NAMES_MAX][NAME_LEN];
static unsigned n_names;

static void
add_name(const char *prefix, const char *name)
{
	if (!CHECK(n_names < NAMES_MAX))
		return;
	CHECK((size_t)snprintf(names[n_names], NAME_LEN, "%s%s", prefix,
			name) < NAME_LEN);
	n_names++;
}

static void
collect_names(void)
{
	n_names = 0;
	for (size_t t = 0; t < DIM(tables); t++)
		for (size_t i = 0; i < tables[t].n; i++)
			add_name(tables[t].prefix, tables[t].rows[i].name);
	for (int v = SEAL_OK + 1; v < SEAL_VERDICT_MAX; v++)
		add_name("seal_", seal_verdict_name((enum seal_verdict)v));
	for (int v = ADMIN_REQ_OK + 1; v < ADMIN_REQ_VERDICT_MAX; v++)
		add_name("admin_bad_",
				admin_verdict_name((enum admin_verdict)v));
	for (size_t i = 0; i < DIM(values); i++)
		add_name("", values[i]);
}

/* Lower-case letters, digits and '_': what scripts match with awk. */
static bool
plain_name(const char *s)
{
	return s[0] != '\0' &&
			s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_")] ==
			'\0';
}

/* Every row has a name and a help text of one short line. */
static void
test_rows(void)
{
	for (size_t t = 0; t < DIM(tables); t++) {
		CHECK(tables[t].n > 0);
		for (size_t i = 0; i < tables[t].n; i++) {
			const struct row *r = &tables[t].rows[i];

			CHECK(plain_name(r->name));
			CHECK(r->help[0] != '\0');
			if (!CHECK(strlen(r->help) <= COUNTERS_HELP_MAX))
				fprintf(stderr, "  %s: help too long\n",
						r->name);
			CHECK(strchr(r->help, '\n') == NULL);
		}
	}
}

/* No two lines of rumorctl stats have the same name. */
static void
test_unique(void)
{
	collect_names();
	for (unsigned i = 0; i < n_names; i++) {
		CHECK(plain_name(names[i]));
		for (unsigned j = 0; j < i; j++)
			if (!CHECK(strcmp(names[i], names[j]) != 0))
				fprintf(stderr, "  %s twice\n", names[i]);
	}
}

/*
 * Names that tests/integration, scripts/ and docs/ read from rumorctl
 * stats (without "control."), swim_digests once left out, and the Raft
 * counters docs/control.md explains.
 */
static const char *const names_read[] = {
	"rx_swim", "rx_forged", "rx_wrong_label", "rx_raft",
	"seal_sealed", "seal_opened", "seal_opened_old_key",
	"seal_malformed", "seal_wrong_label", "seal_forged", "seal_replayed",
	"swim_digests", "link_tables_sent", "admin_reply_failed",
	"raft_rx_malformed", "raft_rx_voters_differ", "raft_rx_dropped",
	"raft_epochs_not_member", "raft_epochs_partial", "raft_epochs_bad",
	"raft_persist_failed", "raft_snapshots_taken", "raft_snapshots_sent",
	"raft_snapshots_installed", "raft_snapshots_refused",
	"raft_votes_withheld", "raft_voter_changes",
	"raft_voter_changes_refused", "raft_proposals_refused",
};

static void
test_names_read(void)
{
	collect_names();
	for (size_t i = 0; i < DIM(names_read); i++) {
		bool found = false;

		for (unsigned j = 0; j < n_names && !found; j++)
			found = strcmp(names[j], names_read[i]) == 0;
		if (!CHECK(found))
			fprintf(stderr, "  want %s\n", names_read[i]);
	}
}

static const struct test_section sections[] = {
	{ "rows", test_rows },
	{ "unique", test_unique },
	{ "names_read", test_names_read },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_control_stats", sections,
			TEST_DIM(sections));
}
