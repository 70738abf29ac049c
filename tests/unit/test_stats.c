/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counter tables (include/rumor/stats_table.h) as names.c serves
 * them: every verdict and counter has a name and a help text, the names
 * are unique and fit telemetry, values out of range give "?", and the
 * names the integration tests and scripts read are the ones they read.
 */
#include <string.h>

#include "rumor/stats.h"
#include "test.h"

/* A help text fits two lines of the table (see stats_table.h). */
#define HELP_MAX 59

/*
 * DPDK 22.11 telemetry: at most 256 entries in a dict and 16 KiB in a
 * reply (MAX_OUTPUT_LEN of telemetry.c). /rumor/stats and
 * /rumor/stats/help each put every counter in one dict.
 */
#define TEL_DICT_MAX 256
#define TEL_REPLY_MAX 16384

#define N_COUNTERS (STAT_MAX + CTL_STAT_MAX)

/* Counter i of /rumor/stats: the lcore counters, then the control ones. */
static const char *
counter_name(unsigned i)
{
	return i < STAT_MAX ? stat_name(i) : ctl_stat_name(i - STAT_MAX);
}

static const char *
counter_help(unsigned i)
{
	return i < STAT_MAX ? stat_help(i) : ctl_stat_help(i - STAT_MAX);
}

/* Lower-case letters, digits and '_': a telemetry dict key as it is. */
static bool
plain_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
				*s == '_'))
			return false;
	return true;
}

/* Every row: a plain unique name and a help text that fits. */
static void
test_rows(void)
{
	for (unsigned i = 0; i < N_COUNTERS; i++) {
		const char *name = counter_name(i), *help = counter_help(i);

		CHECK(name[0] != '\0' && strcmp(name, "?") != 0);
		CHECK(plain_name(name));
		CHECK(help[0] != '\0' && strcmp(help, "?") != 0);
		CHECK(strlen(help) <= HELP_MAX);
		/* Telemetry of DPDK 22.11 does not escape JSON strings. */
		CHECK(strpbrk(help, "\"\\") == NULL);
		for (unsigned j = 0; j < i; j++)
			if (!CHECK(strcmp(name, counter_name(j)) != 0))
				fprintf(stderr, "  %s twice\n", name);
	}
	/* A verdict's counter has the verdict's name. */
	for (unsigned v = 0; v < FRAME_VERDICT_MAX; v++)
		CHECK(strcmp(stat_name(v), frame_verdict_name(v)) == 0);
}

/* Past either end: "?", never a neighbour's text. */
static void
test_out_of_range(void)
{
	CHECK(strcmp(stat_name(STAT_MAX), "?") == 0);
	CHECK(strcmp(stat_help(STAT_MAX), "?") == 0);
	CHECK(strcmp(stat_name((enum lcore_stat)-1), "?") == 0);
	CHECK(strcmp(stat_help((enum lcore_stat)-1), "?") == 0);
	CHECK(strcmp(ctl_stat_name(CTL_STAT_MAX), "?") == 0);
	CHECK(strcmp(ctl_stat_help(CTL_STAT_MAX), "?") == 0);
	CHECK(strcmp(ctl_stat_name((enum ctl_stat)-1), "?") == 0);
	CHECK(strcmp(ctl_stat_help((enum ctl_stat)-1), "?") == 0);
	/* The first lcore counter after the verdicts is not a verdict. */
	CHECK(strcmp(frame_verdict_name(FRAME_VERDICT_MAX), "?") == 0);
	CHECK(strcmp(frame_verdict_name((enum frame_verdict)-1), "?") == 0);
}

/* /rumor/stats/help, the larger reply, fits one telemetry reply. */
static void
test_telemetry_fit(void)
{
	size_t len = 64;	/* {"/rumor/stats/help": {...}} */

	for (unsigned i = 0; i < N_COUNTERS; i++)
		len += strlen(counter_name(i)) + strlen(counter_help(i)) + 6;
	CHECK(N_COUNTERS <= TEL_DICT_MAX);
	CHECK(len < TEL_REPLY_MAX);
}

/*
 * Names that tests/integration and scripts/ read from /rumor/stats, by
 * their index there (control-thread counters after STAT_MAX).
 */
static const struct {
	unsigned id;
	const char *name;
} names_read[] = {
	{ FRAME_DATA, "rx_data" },
	{ FRAME_CONTROL, "rx_control" },
	{ FRAME_VLAN, "drop_vlan" },
	{ FRAME_IP_OPTIONS, "drop_ip_options" },
	{ FRAME_IP_LEN, "drop_ip_len" },
	{ FRAME_IP_CKSUM, "drop_ip_cksum" },
	{ FRAME_IP_FRAG, "drop_ip_frag" },
	{ FRAME_UDP_LEN, "drop_udp_len" },
	{ FRAME_UDP_PORT, "drop_udp_port" },
	{ FRAME_RUMOR_SHORT, "drop_rumor_short" },
	{ FRAME_RUMOR_MAGIC, "drop_rumor_magic" },
	{ FRAME_RUMOR_VERSION, "drop_rumor_version" },
	{ FRAME_RUMOR_TYPE, "drop_rumor_type" },
	{ FRAME_RUMOR_LENGTH, "drop_rumor_length" },
	{ FRAME_RUMOR_CHANNEL, "drop_rumor_channel" },
	{ STAT_RX, "rx" },
	{ STAT_TX, "tx" },
	{ STAT_FORWARDED, "forwarded" },
	{ STAT_DELIVERED, "delivered" },
	{ STAT_HOP_LIMIT, "drop_hop_limit" },
	{ STAT_NO_PEER, "drop_no_peer" },
	{ STAT_NO_SINK, "drop_no_sink" },
	{ STAT_ARP_WAIT, "arp_wait" },
	{ STAT_ARP_TIMEOUT, "drop_arp_timeout" },
	{ STAT_PUNTED, "punted" },
	{ STAT_PUNT_RATE, "drop_punt_rate" },
	{ STAT_PUNT_FULL, "drop_punt_full" },
	{ STAT_CHAN_TOO_BIG, "drop_chan_too_big" },
	{ STAT_CHAN_NOT_MEMBER, "drop_chan_not_member" },
	{ STAT_CHAN_UNEXPECTED, "drop_chan_unexpected" },
	{ STAT_CHAN_NO_AUDIENCE, "drop_chan_no_audience" },
	{ STAT_SUB_RATE, "drop_sub_rate" },
	{ STAT_SUB_PUNT_FULL, "drop_sub_punt_full" },
	{ STAT_CHAN_NOMEM, "drop_chan_nomem" },
	{ STAT_CHAN_NO_ROUTE, "drop_chan_no_route" },
	{ STAT_CHAN_STAMPED, "chan_stamped" },
	{ STAT_CHAN_FANOUT, "chan_fanout" },
	{ STAT_CHAN_DELIVERED, "chan_delivered" },
	{ STAT_CHAN_STALE_STREAM, "chan_stale_stream" },
	{ STAT_CHAN_NACK_SENT, "chan_nack_sent" },
	{ STAT_CHAN_RETRANSMIT_SENT, "chan_retransmit_sent" },
	{ STAT_CHAN_GONE_SENT, "chan_gone_sent" },
	{ STAT_CHAN_LOST, "chan_lost" },
	{ STAT_CHAN_RX_JOINED, "chan_rx_joined" },
	{ STAT_CHAN_CATCHUP, "chan_catchup" },
	{ STAT_GOSSIP_RX, "gossip_rx" },
	{ STAT_GOSSIP_FORWARDED, "gossip_forwarded" },
	{ STAT_GOSSIP_DUP, "gossip_dup" },
	{ STAT_CHAN_INJECTED_LOSS, "drop_chan_injected_loss" },
	{ STAT_CHAN_REROUTED, "chan_rerouted" },
	{ STAT_HO_HELD, "handoff_held" },
	{ STAT_HO_REQ_SENT, "handoff_req_sent" },
	{ STAT_HO_CONTINUED, "handoff_continued" },
	{ STAT_HO_FRESH, "handoff_fresh" },
	{ STAT_HO_TIMEOUT, "handoff_timeout" },
	{ STAT_HO_STALE, "handoff_stale" },
	{ STAT_EPOCH_BEHIND, "epoch_behind" },
	{ STAT_MAX + CTL_ARP_REPLY_SENT, "arp_reply_sent" },
	{ STAT_MAX + CTL_RELOAD, "config_reloaded" },
	{ STAT_MAX + CTL_RELOAD_FAIL, "config_reload_failed" },
	{ STAT_MAX + CTL_LINK_ACCEPTED, "link_accepted" },
	{ STAT_MAX + CTL_LINK_REFUSED, "link_refused" },
	{ STAT_MAX + CTL_LINK_HELLO_BAD, "link_hello_bad" },
	{ STAT_MAX + CTL_LINK_CLOSED, "link_closed" },
	{ STAT_MAX + CTL_LINK_BAD, "link_bad" },
	{ STAT_MAX + CTL_PUNT_SENT, "punt_sent" },
	{ STAT_MAX + CTL_PUNT_NO_CLIENT, "drop_punt_no_client" },
	{ STAT_MAX + CTL_SEND_QUEUED, "send_queued" },
	{ STAT_MAX + CTL_SEND_ARP_WAIT, "send_arp_wait" },
	{ STAT_MAX + CTL_SEND_TIMEOUT, "drop_send_timeout" },
	{ STAT_MAX + CTL_TABLE_APPLIED, "table_applied" },
	{ STAT_MAX + CTL_TABLE_REFUSED, "table_refused" },
	{ STAT_MAX + CTL_TABLE_CHUNK_BAD, "table_chunk_bad" },
	{ STAT_MAX + CTL_CHAN_BAD, "drop_chan_ctl_bad" },
	{ STAT_MAX + CTL_SUB_GRANTED, "sub_granted" },
	{ STAT_MAX + CTL_SUB_REFUSED_CLIENT, "sub_refused_client" },
	{ STAT_MAX + CTL_HO_REQ_RX, "handoff_req_rx" },
	{ STAT_MAX + CTL_HO_REQ_EARLY, "handoff_req_early" },
	{ STAT_MAX + CTL_HO_SENT, "handoff_sent" },
	{ STAT_MAX + CTL_HO_SENT_EMPTY, "handoff_sent_empty" },
	{ STAT_MAX + CTL_HO_PUSHED, "handoff_pushed" },
	{ STAT_MAX + CTL_HO_RX, "handoff_rx" },
	{ STAT_MAX + CTL_HO_NOT_OWNER, "handoff_not_owner" },
};

static void
test_names_read(void)
{
	for (size_t i = 0; i < sizeof(names_read) / sizeof(names_read[0]);
			i++)
		if (!CHECK(strcmp(counter_name(names_read[i].id),
				names_read[i].name) == 0))
			fprintf(stderr, "  want %s\n", names_read[i].name);
}

static const struct test_section sections[] = {
	{ "rows", test_rows },
	{ "out_of_range", test_out_of_range },
	{ "telemetry_fit", test_telemetry_fit },
	{ "names_read", test_names_read },
};

int
main(int argc, char **argv)
{
	return test_run(argc, argv, "test_stats", sections,
			TEST_DIM(sections));
}
