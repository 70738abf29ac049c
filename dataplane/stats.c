/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the counters: summed over lcores only when asked, for DPDK
 * telemetry (/rumor/stats, /rumor/stats/help, /rumor/info, /rumor/peers)
 * and for the report printed at exit.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "chan.h"
#include "dp.h"

void
stats_sum(uint64_t out[STAT_MAX])
{
	memset(out, 0, STAT_MAX * sizeof(out[0]));
	for (unsigned i = 0; i < dp.n_lcores; i++)
		for (unsigned s = 0; s < STAT_MAX; s++)
			out[s] += __atomic_load_n(&dp.lcore[i]->stats.c[s],
					__ATOMIC_RELAXED);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t sum[STAT_MAX];

	(void)cmd;
	(void)params;
	stats_sum(sum);
	rte_tel_data_start_dict(d);
	for (unsigned s = 0; s < STAT_MAX; s++)
		rte_tel_data_add_dict_u64(d, stat_name(s), sum[s]);
	for (unsigned s = 0; s < CTL_STAT_MAX; s++)
		rte_tel_data_add_dict_u64(d, ctl_stat_name(s),
				__atomic_load_n(&dp.ctl_stats[s],
				__ATOMIC_RELAXED));
	return 0;
}

/* What each counter of /rumor/stats counts: name -> help text. */
static int
tel_stats_help(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned s = 0; s < STAT_MAX; s++)
		rte_tel_data_add_dict_string(d, stat_name(s), stat_help(s));
	for (unsigned s = 0; s < CTL_STAT_MAX; s++)
		rte_tel_data_add_dict_string(d, ctl_stat_name(s),
				ctl_stat_help(s));
	return 0;
}

/*
 * Telemetry serves each connection on a thread of its own that exits when
 * the client leaves, so a request registers as a QSBR reader for its own
 * duration only: a thread that exits registered would leave a dangling
 * entry in liburcu's registry.
 */
static void
tel_reader_enter(void)
{
	urcu_qsbr_register_thread();
}

static void
tel_reader_leave(void)
{
	urcu_qsbr_unregister_thread();
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct ring_table *ring;
	char ip[INET_ADDRSTRLEN];

	(void)cmd;
	(void)params;
	inet_ntop(AF_INET, &dp.port[0].self.ip, ip, sizeof(ip));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "node_id", dp.cfg.node_id);
	rte_tel_data_add_dict_string(d, "address", ip);
	rte_tel_data_add_dict_u64(d, "udp_port",
			ntohs(dp.port[0].self.udp_port));
	rte_tel_data_add_dict_u64(d, "lcores", dp.n_lcores);
	rte_tel_data_add_dict_u64(d, "ports", dp.n_ports);
	rte_tel_data_add_dict_u64(d, "control_attached",
			__atomic_load_n(&dp.link_attached, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "chan_audiences", chan_audience_audiences());
	rte_tel_data_add_dict_u64(d, "chan_interest_unanswered",
			chan_audience_unacked());
	tel_reader_enter();
	ring = rcu_dereference(dp.ring);
	if (ring != NULL) {
		rte_tel_data_add_dict_u64(d, "ring_epoch", ring->epoch);
		rte_tel_data_add_dict_u64(d, "ring_slots", ring->size);
		rte_tel_data_add_dict_u64(d, "ring_members", ring->n_members);
	}
	tel_reader_leave();
	return 0;
}

static void
peer_line(char *buf, size_t len, const struct peer *p)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &p->ip, ip, sizeof(ip));
	if (p->resolved)
		snprintf(buf, len, "%s:%u %02x:%02x:%02x:%02x:%02x:%02x port %u",
				ip, ntohs(p->udp_port), p->mac[0], p->mac[1],
				p->mac[2], p->mac[3], p->mac[4], p->mac[5],
				p->dpdk_port);
	else
		snprintf(buf, len, "%s:%u unresolved port %u", ip,
				ntohs(p->udp_port), p->dpdk_port);
}

static int
tel_peers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct peer_table *t;
	char key[16], line[96];
	unsigned shown = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	tel_reader_enter();
	t = rcu_dereference(dp.peers);
	if (t != NULL) {
		/* A telemetry reply holds at most RTE_TEL_MAX_DICT_ENTRIES. */
		for (uint32_t i = 0; i <= t->mask && shown < 200; i++) {
			if (t->slot[i].id == 0)
				continue;
			if (t->slot[i].hops == 0)
				snprintf(key, sizeof(key), "sink");
			else
				snprintf(key, sizeof(key), "%u",
						t->slot[i].id);
			peer_line(line, sizeof(line), &t->slot[i]);
			rte_tel_data_add_dict_string(d, key, line);
			shown++;
		}
	}
	tel_reader_leave();
	return 0;
}

/*
 * Fault injection for tests on hosts without tc netem: drop this share
 * (percent) of the node-to-node channel messages that arrive, as a lossy
 * link would. Parameter: 0 to 100; 0 turns it off. Replies with the value
 * in force.
 */
static int
tel_chan_loss(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char *end;
	unsigned long v;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		v = strtoul(params, &end, 10);
		if (*end != '\0' || v > 100)
			return -EINVAL;
		__atomic_store_n(&dp.chan_loss, (uint32_t)v, __ATOMIC_RELAXED);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "chan_loss_percent",
			__atomic_load_n(&dp.chan_loss, __ATOMIC_RELAXED));
	return 0;
}

int
stats_telemetry_init(void)
{
	if (rte_telemetry_register_cmd("/rumor/stats", tel_stats,
			"Counters of rumor-dataplane, summed over lcores. "
			"No parameters") != 0 ||
			rte_telemetry_register_cmd("/rumor/stats/help",
			tel_stats_help, "What each counter of /rumor/stats "
			"counts. No parameters") != 0 ||
			rte_telemetry_register_cmd("/rumor/info", tel_info,
			"Node id, address, lcores, ports, control link and "
			"ring. "
			"No parameters") != 0 ||
			rte_telemetry_register_cmd("/rumor/peers", tel_peers,
			"Peer table: node id -> address, MAC, port. "
			"No parameters") != 0 ||
			rte_telemetry_register_cmd("/rumor/chan_loss",
			tel_chan_loss, "Fault injection for tests: percent "
			"of node-to-node channel messages dropped on arrival. "
			"Parameter: 0 to 100 (none: show it)") != 0)
		return -1;
	return 0;
}

void
stats_print(FILE *f)
{
	uint64_t sum[STAT_MAX];
	uint64_t end = dp.stop_tsc != 0 ? dp.stop_tsc : rte_rdtsc();
	double secs = dp.start_tsc != 0 ?
			(double)(end - dp.start_tsc) / rte_get_tsc_hz() : 0;

	stats_sum(sum);
	fprintf(f, "rumor-dataplane statistics (node %u, %u lcore(s), "
			"%.3f s)\n", dp.cfg.node_id, dp.n_lcores, secs);
	for (unsigned s = 0; s < STAT_MAX; s++)
		fprintf(f, "  %-22s %" PRIu64 "\n", stat_name(s), sum[s]);
	for (unsigned s = 0; s < CTL_STAT_MAX; s++)
		fprintf(f, "  %-22s %" PRIu64 "\n", ctl_stat_name(s),
				dp.ctl_stats[s]);
	if (secs > 0)
		fprintf(f, "  %-22s %.0f\n", "rate_rx_pps", sum[STAT_RX] / secs);
	if (secs > 0)
		fprintf(f, "  %-22s %.0f\n", "rate_tx_pps", sum[STAT_TX] / secs);
	fflush(f);
}
