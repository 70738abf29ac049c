/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread, run by the main lcore (which never forwards): it
 * serves punted ARP frames, resolves peers, keeps channel audiences
 * (chan_ctl.c), serves the control link to
 * rumor-control, applies configuration reloads (SIGHUP) by publishing new
 * tables, prints periodic statistics, and ends the run after --duration.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "chan.h"
#include "dp.h"
#include "link_server.h"

#define CTL_IDLE_MS 1		/* Wait when there was nothing to do. */

static volatile sig_atomic_t reload_requested;

void
ctl_request_reload(void)
{
	reload_requested = 1;
}

/*
 * Read the configuration again and publish its tables. While a member
 * table from rumor-control is in force, the file's member lines give
 * only their static MACs: the members stay those rumor-control published,
 * and every other setting of the file applies.
 */
static void
ctl_reload(void)
{
	struct rumor_config c;
	struct config_member *file = NULL;
	uint32_t n_file = 0;
	char err[CONFIG_ERR_MAX];
	bool limits_changed;

	if (config_load(dp.opt.config_path, &c, err, sizeof(err)) < 0) {
		RTE_LOG(ERR, USER1, "reload refused, tables unchanged: %s\n",
				err);
		dp.ctl_stats[CTL_RELOAD_FAIL]++;
		return;
	}
	if (c.node_id != dp.cfg.node_id || c.address != dp.cfg.address ||
			c.udp_port != dp.cfg.udp_port) {
		RTE_LOG(ERR, USER1, "reload refused, tables unchanged: %s: "
				"node_id, address and udp_port change only "
				"with a restart\n", dp.opt.config_path);
		dp.ctl_stats[CTL_RELOAD_FAIL]++;
		config_free(&c);
		return;
	}
	if (link_table_in_force()) {
		file = c.members;
		n_file = c.n_members;
		c.members = NULL;
		c.n_members = 0;
		if (link_keep_members(&c, file, n_file) < 0) {
			RTE_LOG(ERR, USER1, "reload refused, tables unchanged: "
					"out of memory\n");
			dp.ctl_stats[CTL_RELOAD_FAIL]++;
			free(file);
			return;
		}
	}
	if (tables_publish_config(&c) < 0) {
		dp.ctl_stats[CTL_RELOAD_FAIL]++;
		config_free(&c);
		free(file);
		return;
	}
	limits_changed = memcmp(&c.chan_limits, &dp.cfg.chan_limits,
			sizeof(c.chan_limits)) != 0;
	config_free(&dp.cfg);
	dp.cfg = c;
	/* Live: the book takes nothing away under a lowered limit. */
	chan_ctl_set_limits(&dp.cfg.chan_limits);
	if (file != NULL)
		link_config_changed(file, n_file);
	else
		link_config_changed(c.members, c.n_members);
	free(file);
	dp.ctl_stats[CTL_RELOAD]++;
	RTE_LOG(INFO, USER1, "reloaded %s: %u member(s)%s, ring epoch %lu\n",
			dp.opt.config_path, c.n_members,
			link_table_in_force() ? " (kept from rumor-control)" :
			"", (unsigned long)dp.ring->epoch);
	if (limits_changed)
		RTE_LOG(INFO, USER1, "channel limits now: chan_subs_per_client "
				"%u, chan_subs_per_node %u, chan_clients %u, "
				"chan_subs_per_channel %u, chan_interest_set %u, "
				"chan_owned %u\n", c.chan_limits.subs_per_client,
				c.chan_limits.subs_per_node,
				c.chan_limits.clients,
				c.chan_limits.subs_per_channel,
				c.chan_limits.interest_set,
				c.chan_limits.owned);
}

void
ctl_loop(void)
{
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t next_print = dp.start_tsc + dp.opt.stats_interval_s * hz;
	uint64_t end = dp.start_tsc + dp.opt.duration_s * hz;

	while (!dp.quit) {
		struct rte_mbuf *m[DP_BURST];
		unsigned n = rte_ring_sc_dequeue_burst(dp.arp_punt, (void **)m,
				DP_BURST, NULL);
		unsigned punts, subs;
		uint64_t now;

		for (unsigned i = 0; i < n; i++)
			arp_input(m[i]);
		punts = link_punts();
		now = rte_rdtsc();
		subs = chan_ctl_poll(now);
		/* A MAC learnt: lcores release the frames held for it. */
		if (arp_timer(now))
			tables_publish_peers();
		link_timer(now);
		if (reload_requested) {
			reload_requested = 0;
			ctl_reload();
		}
		if (dp.opt.stats_interval_s != 0 &&
				(int64_t)(now - next_print) >= 0) {
			stats_print(stdout);
			next_print += dp.opt.stats_interval_s * hz;
		}
		if (dp.opt.duration_s != 0 && (int64_t)(now - end) >= 0)
			dp.quit = true;
		/*
		 * Wait in poll() only after a pass that found nothing to do,
		 * so that a message from rumor-control ends the wait at once.
		 */
		link_poll(n == 0 && punts == 0 && subs == 0 ? CTL_IDLE_MS : 0);
	}
}
