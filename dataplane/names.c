/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of verdicts and counters, as telemetry and reports show them. */
#include "stats.h"

static const char *const verdict_names[FRAME_VERDICT_MAX] = {
	[FRAME_DATA] = "rx_data",
	[FRAME_ARP] = "rx_arp",
	[FRAME_CONTROL] = "rx_control",
	[FRAME_ETH_SHORT] = "drop_eth_short",
	[FRAME_ETH_DST] = "drop_eth_dst",
	[FRAME_VLAN] = "drop_vlan",
	[FRAME_ETHERTYPE] = "drop_ethertype",
	[FRAME_IP_SHORT] = "drop_ip_short",
	[FRAME_IP_VERSION] = "drop_ip_version",
	[FRAME_IP_OPTIONS] = "drop_ip_options",
	[FRAME_IP_LEN] = "drop_ip_len",
	[FRAME_IP_CKSUM] = "drop_ip_cksum",
	[FRAME_IP_FRAG] = "drop_ip_frag",
	[FRAME_IP_DST] = "drop_ip_dst",
	[FRAME_IP_PROTO] = "drop_ip_proto",
	[FRAME_UDP_LEN] = "drop_udp_len",
	[FRAME_UDP_PORT] = "drop_udp_port",
	[FRAME_RUMOR_SHORT] = "drop_rumor_short",
	[FRAME_RUMOR_MAGIC] = "drop_rumor_magic",
	[FRAME_RUMOR_VERSION] = "drop_rumor_version",
	[FRAME_RUMOR_TYPE] = "drop_rumor_type",
	[FRAME_RUMOR_LENGTH] = "drop_rumor_length",
	[FRAME_RUMOR_CHANNEL] = "drop_rumor_channel",
};

static const char *const stat_names[STAT_MAX - FRAME_VERDICT_MAX] = {
	[STAT_RX - FRAME_VERDICT_MAX] = "rx",
	[STAT_TX - FRAME_VERDICT_MAX] = "tx",
	[STAT_TX_DROP - FRAME_VERDICT_MAX] = "drop_tx_full",
	[STAT_FORWARDED - FRAME_VERDICT_MAX] = "forwarded",
	[STAT_DELIVERED - FRAME_VERDICT_MAX] = "delivered",
	[STAT_SEGMENTED - FRAME_VERDICT_MAX] = "drop_segmented",
	[STAT_HOP_LIMIT - FRAME_VERDICT_MAX] = "drop_hop_limit",
	[STAT_NO_PEER - FRAME_VERDICT_MAX] = "drop_no_peer",
	[STAT_NO_SINK - FRAME_VERDICT_MAX] = "drop_no_sink",
	[STAT_ARP_WAIT - FRAME_VERDICT_MAX] = "arp_wait",
	[STAT_ARP_WAIT_FULL - FRAME_VERDICT_MAX] = "drop_arp_wait_full",
	[STAT_ARP_TIMEOUT - FRAME_VERDICT_MAX] = "drop_arp_timeout",
	[STAT_ARP_PUNT_FULL - FRAME_VERDICT_MAX] = "drop_arp_punt_full",
	[STAT_CTL_TX - FRAME_VERDICT_MAX] = "ctl_tx",
	[STAT_PUNTED - FRAME_VERDICT_MAX] = "punted",
	[STAT_PUNT_RATE - FRAME_VERDICT_MAX] = "drop_punt_rate",
	[STAT_PUNT_FULL - FRAME_VERDICT_MAX] = "drop_punt_full",
};

static const char *const ctl_names[CTL_STAT_MAX] = {
	[CTL_ARP_IN] = "arp_in",
	[CTL_ARP_BAD] = "arp_bad",
	[CTL_ARP_REQ_SENT] = "arp_request_sent",
	[CTL_ARP_REPLY_SENT] = "arp_reply_sent",
	[CTL_ARP_LEARNT] = "arp_learnt",
	[CTL_ARP_CACHE_FULL] = "arp_cache_full",
	[CTL_CTL_TX_FULL] = "drop_ctl_tx_full",
	[CTL_NOMEM] = "drop_ctl_nomem",
	[CTL_PUBLISH] = "tables_published",
	[CTL_RELOAD] = "config_reloaded",
	[CTL_RELOAD_FAIL] = "config_reload_failed",
	[CTL_LINK_ACCEPTED] = "link_accepted",
	[CTL_LINK_REFUSED] = "link_refused",
	[CTL_LINK_HELLO_BAD] = "link_hello_bad",
	[CTL_LINK_CLOSED] = "link_closed",
	[CTL_LINK_RX] = "link_rx",
	[CTL_LINK_TX] = "link_tx",
	[CTL_LINK_BAD] = "link_bad",
	[CTL_PUNT_SENT] = "punt_sent",
	[CTL_PUNT_NO_CLIENT] = "drop_punt_no_client",
	[CTL_PUNT_BUSY] = "drop_punt_busy",
	[CTL_SEND_QUEUED] = "send_queued",
	[CTL_SEND_ARP_WAIT] = "send_arp_wait",
	[CTL_SEND_WAIT_FULL] = "drop_send_wait_full",
	[CTL_SEND_TIMEOUT] = "drop_send_timeout",
	[CTL_SEND_BAD] = "drop_send_bad",
	[CTL_TABLE_APPLIED] = "table_applied",
	[CTL_TABLE_SAME] = "table_same",
	[CTL_TABLE_REFUSED] = "table_refused",
	[CTL_TABLE_CHUNK_BAD] = "table_chunk_bad",
};

const char *
frame_verdict_name(enum frame_verdict v)
{
	return (unsigned)v < FRAME_VERDICT_MAX ? verdict_names[v] : "?";
}

const char *
stat_name(enum lcore_stat s)
{
	if ((unsigned)s < FRAME_VERDICT_MAX)
		return verdict_names[s];
	if ((unsigned)s < STAT_MAX)
		return stat_names[s - FRAME_VERDICT_MAX];
	return "?";
}

const char *
ctl_stat_name(enum ctl_stat s)
{
	return (unsigned)s < CTL_STAT_MAX ? ctl_names[s] : "?";
}
