/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread, run by the main lcore (which never forwards): it
 * serves punted ARP frames and resolves peers (arp.c), keeps channel
 * audiences (chan_audience.c), serves the control link to rumor-control
 * (link_server.c, link_send.c), applies configuration reloads (reload.c)
 * by publishing new tables (tables.c), prints periodic statistics, and
 * ends the run after --duration.
 */
#include <stdbool.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "chan.h"
#include "dp.h"
#include "link_send.h"
#include "link_server.h"

#define CTL_IDLE_MS 1		/* Wait when there was nothing to do. */

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
		punts = link_server_punts();
		now = rte_rdtsc();
		subs = chan_audience_poll(now);
		/* A MAC learnt: lcores release the frames held for it. */
		if (arp_timer(now))
			tables_publish_peers();
		link_send_timer(now);
		link_server_timer(now);
		reload_poll();
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
		link_server_poll(n == 0 && punts == 0 && subs == 0 ?
				CTL_IDLE_MS : 0);
	}
}
