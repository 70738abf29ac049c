/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-dataplane: EAL arguments, "--", then rumor's own options. The
 * main lcore runs the control thread; every worker lcore forwards on its
 * own queue pair of every port.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_pdump.h>

#include "auth.h"
#include "bench_probe.h"
#include "chan.h"
#include "dp.h"
#include "link_send.h"
#include "link_server.h"
#include "member_table.h"
#include "session.h"

struct dp dp;

/* --bench-chained-tx: fan-out chains on every port (benchmarks only). */
static bool bench_chained_tx;
/* --bench-probe SPEC: the latency probe (benchmarks only). */
static const char *bench_probe_spec;

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s [EAL options] -- --config FILE [options]\n"
"\n"
"Forwards rumor DATA messages to the owner of their channel on the ring.\n"
"The main lcore runs the control thread; each other lcore forwards on its\n"
"own RX/TX queue pair of every port (give at least two lcores: -l 0-1).\n"
"\n"
"options:\n"
"  -c, --config FILE        node configuration (docs/configuration.md)\n"
"      --idle-sleep US      sleep US microseconds after an empty poll so\n"
"                           that several nodes can share cores (default 0:\n"
"                           poll without sleeping)\n"
"      --stats-interval S   print statistics every S seconds (default 0:\n"
"                           only at exit)\n"
"      --duration S         stop by itself after S seconds (default 0: run\n"
"                           until SIGINT or SIGTERM)\n"
"      --mbufs N            mbufs per pool (default: enough for every\n"
"                           queue's descriptors, at least 8191)\n"
"      --arp-timeout MS     how long a message may wait for its next hop's\n"
"                           MAC before it is dropped (default 1000)\n"
"      --punt-rate N        CONTROL datagrams per second each lcore hands\n"
"                           to rumor-control, in bursts of up to 256; the\n"
"                           rest are dropped (default 10000; 0: none)\n"
"      --fanout-k K         members each node sends a broadcast channel's\n"
"                           message on to (default 3, at most 16)\n"
"      --fanout-copy        copy each fan-out frame into one buffer\n"
"                           (rte_pktmbuf_copy) instead of chaining a header\n"
"                           to the shared message: for the benchmark's\n"
"                           comparison only\n"
"      --bench-chained-tx   send fan-out as chained mbufs on every port, also\n"
"                           on one that does not advertise multi-segment TX\n"
"                           (net_null frees chains but does not say so): for\n"
"                           scripts/bench-fanout.sh only\n"
"      --bench-probe SPEC   a publisher and a subscriber on ports of this\n"
"                           process that time messages through the nodes:\n"
"                           for scripts/bench-e2e.sh only (SPEC: see\n"
"                           dataplane/bench_probe.c)\n"
"      --list-ports         print the ports DPDK offers and exit\n"
"  -h, --help               this text\n"
"\n"
"signals: SIGHUP reloads the configuration; SIGINT and SIGTERM stop and\n"
"print statistics. Telemetry: /rumor/stats, /rumor/info, /rumor/peers.\n"
"rumor-control attaches at the configuration's control_socket.\n",
		prog);
}

static int
parse_uint_opt(const char *name, const char *s, unsigned lo, unsigned hi,
		unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "rumor-dataplane: --%s: expected a number "
				"from %u to %u, got '%s'\n", name, lo, hi, s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	enum { O_IDLE = 256, O_STATS, O_DURATION, O_MBUFS, O_ARP, O_PUNT,
		O_LIST, O_FANOUT_K, O_FANOUT_COPY, O_BENCH_CHAINED,
		O_BENCH_PROBE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "idle-sleep", required_argument, NULL, O_IDLE },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "mbufs", required_argument, NULL, O_MBUFS },
		{ "arp-timeout", required_argument, NULL, O_ARP },
		{ "punt-rate", required_argument, NULL, O_PUNT },
		{ "list-ports", no_argument, NULL, O_LIST },
		{ "fanout-k", required_argument, NULL, O_FANOUT_K },
		{ "fanout-copy", no_argument, NULL, O_FANOUT_COPY },
		{ "bench-chained-tx", no_argument, NULL, O_BENCH_CHAINED },
		{ "bench-probe", required_argument, NULL, O_BENCH_PROBE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* The numeric options: the range each takes and where it goes. */
	static const struct {
		int id;
		unsigned lo, hi;
		unsigned *out;
	} nums[] = {
		{ O_IDLE, 0, 1000000, &dp.opt.idle_sleep_us },
		{ O_STATS, 0, 86400, &dp.opt.stats_interval_s },
		{ O_DURATION, 0, 86400 * 365, &dp.opt.duration_s },
		{ O_MBUFS, 1023, 1u << 24, &dp.opt.mbufs },
		{ O_ARP, 1, 60000, &dp.opt.arp_timeout_ms },
		{ O_PUNT, 0, 10000000, &dp.opt.punt_rate },
		{ O_FANOUT_K, 1, CHAN_FANOUT_K_MAX, &dp.opt.fanout_k },
	};
	int c, i, li;

	dp.opt.arp_timeout_ms = 1000;
	dp.opt.punt_rate = DP_PUNT_RATE;
	dp.opt.fanout_k = CHAN_FANOUT_K;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, &li)) != -1) {
		for (i = 0; i < (int)RTE_DIM(nums) && nums[i].id != c; i++)
			;
		if (i < (int)RTE_DIM(nums)) {
			if (parse_uint_opt(longopts[li].name, optarg,
					nums[i].lo, nums[i].hi,
					nums[i].out) < 0)
				return -1;
			continue;
		}
		switch (c) {
		case 'c':
			dp.opt.config_path = optarg;
			break;
		case O_LIST:
			dp.opt.list_ports = true;
			break;
		case O_FANOUT_COPY:
			dp.opt.fanout_copy = true;
			break;
		case O_BENCH_CHAINED:
			bench_chained_tx = true;
			break;
		case O_BENCH_PROBE:
			bench_probe_spec = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rumor-dataplane: unexpected argument '%s'\n",
				argv[optind]);
		return -1;
	}
	if (dp.opt.config_path == NULL && !dp.opt.list_ports) {
		fprintf(stderr, "rumor-dataplane: --config FILE is required "
				"(see --help)\n");
		return -1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_request();
	else
		dp.quit = true;
}

static int
install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal,
			.sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 ||
			sigaction(SIGTERM, &sa, NULL) != 0 ||
			sigaction(SIGHUP, &sa, NULL) != 0) {
		perror("rumor-dataplane: sigaction");
		return -1;
	}
	return 0;
}

/* One forwarding context per worker lcore, on the lcore's socket. */
static int
lcores_init(void)
{
	unsigned id;

	RTE_LCORE_FOREACH_WORKER(id) {
		struct dp_lcore *lc = rte_zmalloc_socket("rumor_lcore",
				sizeof(*lc), RTE_CACHE_LINE_SIZE,
				(int)rte_lcore_to_socket_id(id));

		if (lc == NULL)
			return -1;
		lc->lcore_id = id;
		lc->queue = (uint16_t)dp.n_lcores;
		dp.lcore[dp.n_lcores++] = lc;
		if (auth_lcore_init(lc) < 0)
			return -1;
	}
	if (dp.n_lcores == 0) {
		fprintf(stderr, "rumor-dataplane: no forwarding lcore: the "
				"main lcore only controls; give at least two "
				"lcores (for example -l 0-1)\n");
		return -1;
	}
	return 0;
}

/* TX buffers of every lcore for every port; refusals are counted. */
static int
txbufs_init(void)
{
	for (unsigned i = 0; i < dp.n_lcores; i++) {
		struct dp_lcore *lc = dp.lcore[i];

		for (uint16_t p = 0; p < dp.n_ports; p++) {
			struct rte_eth_dev_tx_buffer *b = rte_zmalloc_socket(
					"rumor_txb",
					RTE_ETH_TX_BUFFER_SIZE(DP_BURST), 0,
					(int)rte_lcore_to_socket_id(
					lc->lcore_id));

			if (b == NULL)
				return -1;
			rte_eth_tx_buffer_init(b, DP_BURST);
			rte_eth_tx_buffer_set_err_callback(b,
					rte_eth_tx_buffer_count_callback,
					&lc->stats.c[STAT_TX_DROP]);
			lc->txb[p] = b;
		}
	}
	return 0;
}

/*
 * Channels: the audience table and its punt ring, each lcore's channel
 * state and handover ring, and the boot number that tells this run's
 * broadcast publish ids from those of a run before.
 */
static int
chan_init(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	dp.boot = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	dp.sub_punt = rte_ring_create("rumor_sub_punt", CHAN_SUB_RING_SIZE,
			(int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp.sub_punt == NULL || chan_audience_init() < 0) {
		fprintf(stderr, "rumor-dataplane: cannot create the channel "
				"tables\n");
		return -1;
	}
	for (unsigned i = 0; i < dp.n_lcores; i++)
		if (chan_lcore_init(dp.lcore[i]) < 0) {
			fprintf(stderr, "rumor-dataplane: cannot create the "
					"channel state of lcore %u\n",
					dp.lcore[i]->lcore_id);
			return -1;
		}
	return 0;
}

static void
cleanup(void)
{
	struct rte_mbuf *cm = NULL;

	bench_probe_free();
	for (unsigned i = 0; i < dp.n_lcores; i++)
		chan_lcore_free(dp.lcore[i]);
	while (dp.sub_punt != NULL &&
			rte_ring_dequeue(dp.sub_punt, (void **)&cm) == 0)
		rte_pktmbuf_free(cm);
	rte_ring_free(dp.sub_punt);
	chan_audience_free();
	port_close_all();
	for (unsigned i = 0; i < dp.n_lcores; i++) {
		for (uint16_t p = 0; p < dp.n_ports; p++)
			rte_free(dp.lcore[i]->txb[p]);
		auth_lcore_free(dp.lcore[i]);
		rte_free(dp.lcore[i]);
	}
	link_server_close();
	link_send_free();
	member_table_free();
	tables_free();
	arp_reset();
	for (int i = 0; i < 2; i++) {
		struct rte_ring *r = i == 0 ? dp.arp_punt : dp.ctl_punt;
		struct rte_mbuf *m = NULL;

		if (r == NULL)
			continue;
		while (rte_ring_dequeue(r, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(r);
	}
	rte_pdump_uninit();
	config_free(&dp.cfg);
	rte_eal_cleanup();
}

int
main(int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];
	unsigned id;
	int n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "rumor-dataplane: EAL initialisation failed: "
				"%s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	argv[n] = argv[0];
	if (parse_args(argc - n, argv + n) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	if (dp.opt.list_ports) {
		port_list(stdout);
		rte_eal_cleanup();
		return EXIT_SUCCESS;
	}
	if (config_load(dp.opt.config_path, &dp.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-dataplane: %s\n", err);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	if (session_init(&dp.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-dataplane: %s: %s\n",
				dp.opt.config_path, err);
		config_free(&dp.cfg);
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	if (lcores_init() < 0 || port_init_all() < 0 || txbufs_init() < 0)
		goto fail;
	for (uint16_t p = 0; bench_chained_tx && p < dp.n_ports; p++)
		dp.port[p].multi_seg = true;
	if (bench_probe_spec != NULL && bench_probe_init(bench_probe_spec) < 0)
		goto fail;
	dp.arp_punt = rte_ring_create("rumor_arp_punt", DP_ARP_RING_SIZE,
			(int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp.arp_punt == NULL) {
		fprintf(stderr, "rumor-dataplane: cannot create ARP ring\n");
		goto fail;
	}
	/* Many lcores punt CONTROL frames; the control thread takes them. */
	dp.ctl_punt = rte_ring_create("rumor_ctl_punt", DP_PUNT_RING_SIZE,
			(int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp.ctl_punt == NULL) {
		fprintf(stderr, "rumor-dataplane: cannot create punt ring\n");
		goto fail;
	}
	/* The static MACs of the file dp.cfg came from; none held for SEND. */
	member_table_config_changed(dp.cfg.members, dp.cfg.n_members);
	link_send_init();
	if (chan_init() < 0 || tables_publish_config(&dp.cfg) < 0 ||
			link_server_init() < 0)
		goto fail;
	if (stats_telemetry_init() < 0)
		RTE_LOG(WARNING, USER1, "telemetry commands not registered\n");
	if (rte_pdump_init() < 0)
		RTE_LOG(WARNING, USER1, "packet capture (dpdk-dumpcap) not "
				"available: %s; it needs DPDK multi-process "
				"(hugepages, no --no-shconf)\n",
				rte_strerror(rte_errno));

	if (install_signals() < 0)
		goto fail;

	dp.start_tsc = rte_rdtsc();
	for (unsigned i = 0; i < dp.n_lcores; i++)
		rte_eal_remote_launch(fwd_main, dp.lcore[i],
				dp.lcore[i]->lcore_id);
	printf("rumor-dataplane: node %u forwarding on %u lcore(s), %u "
			"port(s)\n", dp.cfg.node_id, dp.n_lcores, dp.n_ports);
	fflush(stdout);

	ctl_loop();

	RTE_LCORE_FOREACH_WORKER(id)
		rte_eal_wait_lcore(id);
	dp.stop_tsc = rte_rdtsc();
	stats_print(stdout);
	bench_probe_report(stdout);
	cleanup();
	return EXIT_SUCCESS;
fail:
	fprintf(stderr, "rumor-dataplane: start-up failed\n");
	cleanup();
	return EXIT_FAILURE;
}
