/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration reloads (SIGHUP), and how the file and rumor-control
 * share the configuration in force. The file gives every setting; its
 * member lines give the members until rumor-control publishes a member
 * table (member_table.c), and from then on only their static MACs, which
 * the table's members take by node id. node_id, address and udp_port
 * change only with a restart. A reload that cannot be applied leaves the
 * tables as they are. The signal handler only sets a flag; the control
 * thread reloads.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "chan.h"
#include "dp.h"
#include "member_table.h"

static volatile sig_atomic_t reload_requested;

void
reload_request(void)
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
reload_run(void)
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
	if (member_table_in_force()) {
		file = c.members;
		n_file = c.n_members;
		c.members = NULL;
		c.n_members = 0;
		if (member_table_keep(&c, file, n_file) < 0) {
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
	chan_audience_set_limits(&dp.cfg.chan_limits);
	if (file != NULL)
		member_table_config_changed(file, n_file);
	else
		member_table_config_changed(c.members, c.n_members);
	free(file);
	dp.ctl_stats[CTL_RELOAD]++;
	RTE_LOG(INFO, USER1, "reloaded %s: %u member(s)%s, ring epoch %lu\n",
			dp.opt.config_path, c.n_members,
			member_table_in_force() ? " (kept from rumor-control)" :
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
reload_poll(void)
{
	if (!reload_requested)
		return;
	reload_requested = 0;
	reload_run();
}
