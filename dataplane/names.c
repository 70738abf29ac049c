/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of verdicts and counters, as telemetry and reports show them. */
#include "stats.h"

static const char *const verdict_names[FRAME_VERDICT_MAX] = {
	[FRAME_DATA] = "rx_data",
	[FRAME_ARP] = "rx_arp",
	[FRAME_CONTROL] = "rx_control",
	[FRAME_CHAN] = "rx_chan",
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
	[STAT_CHAN_BAD - FRAME_VERDICT_MAX] = "drop_chan_bad",
	[STAT_CHAN_TOO_BIG - FRAME_VERDICT_MAX] = "drop_chan_too_big",
	[STAT_CHAN_NOT_MEMBER - FRAME_VERDICT_MAX] = "drop_chan_not_member",
	[STAT_CHAN_UNEXPECTED - FRAME_VERDICT_MAX] = "drop_chan_unexpected",
	[STAT_CHAN_NOT_OWNER - FRAME_VERDICT_MAX] = "drop_chan_not_owner",
	[STAT_CHAN_NO_AUDIENCE - FRAME_VERDICT_MAX] = "drop_chan_no_audience",
	[STAT_CHAN_HANDOFF - FRAME_VERDICT_MAX] = "chan_handoff",
	[STAT_CHAN_HANDOFF_FULL - FRAME_VERDICT_MAX] = "drop_chan_handoff_full",
	[STAT_SUB_PUNTED - FRAME_VERDICT_MAX] = "sub_punted",
	[STAT_SUB_RATE - FRAME_VERDICT_MAX] = "drop_sub_rate",
	[STAT_SUB_PUNT_FULL - FRAME_VERDICT_MAX] = "drop_sub_punt_full",
	[STAT_CHAN_TABLE_FULL - FRAME_VERDICT_MAX] = "drop_chan_table_full",
	[STAT_CHAN_NOMEM - FRAME_VERDICT_MAX] = "drop_chan_nomem",
	[STAT_CHAN_NO_ROUTE - FRAME_VERDICT_MAX] = "drop_chan_no_route",
	[STAT_CHAN_FANOUT_COPIED - FRAME_VERDICT_MAX] = "chan_fanout_copied",
	[STAT_CHAN_STAMPED - FRAME_VERDICT_MAX] = "chan_stamped",
	[STAT_CHAN_FANOUT - FRAME_VERDICT_MAX] = "chan_fanout",
	[STAT_CHAN_DELIVERED - FRAME_VERDICT_MAX] = "chan_delivered",
	[STAT_CHAN_HELD - FRAME_VERDICT_MAX] = "chan_held",
	[STAT_CHAN_DUP - FRAME_VERDICT_MAX] = "chan_dup",
	[STAT_CHAN_STALE_STREAM - FRAME_VERDICT_MAX] = "chan_stale_stream",
	[STAT_CHAN_WINDOW_OVERFLOW - FRAME_VERDICT_MAX] = "chan_window_overflow",
	[STAT_CHAN_NACK_SENT - FRAME_VERDICT_MAX] = "chan_nack_sent",
	[STAT_CHAN_NACK_RX - FRAME_VERDICT_MAX] = "chan_nack_rx",
	[STAT_CHAN_RETRANSMIT_SENT - FRAME_VERDICT_MAX] = "chan_retransmit_sent",
	[STAT_CHAN_GONE_SENT - FRAME_VERDICT_MAX] = "chan_gone_sent",
	[STAT_CHAN_GAP_SENT - FRAME_VERDICT_MAX] = "chan_gap_sent",
	[STAT_CHAN_LOST - FRAME_VERDICT_MAX] = "chan_lost",
	[STAT_HISTORY_EVICTED - FRAME_VERDICT_MAX] = "history_evicted",
	[STAT_GOSSIP_RX - FRAME_VERDICT_MAX] = "gossip_rx",
	[STAT_GOSSIP_FORWARDED - FRAME_VERDICT_MAX] = "gossip_forwarded",
	[STAT_GOSSIP_DUP - FRAME_VERDICT_MAX] = "gossip_dup",
	[STAT_GOSSIP_OLD - FRAME_VERDICT_MAX] = "gossip_old",
	[STAT_GOSSIP_LANES_EVICTED - FRAME_VERDICT_MAX] = "gossip_lanes_evicted",
	[STAT_CHAN_INJECTED_LOSS - FRAME_VERDICT_MAX] = "drop_chan_injected_loss",
	[STAT_CHAN_REROUTED - FRAME_VERDICT_MAX] = "chan_rerouted",
	[STAT_HO_HELD - FRAME_VERDICT_MAX] = "handoff_held",
	[STAT_HO_HOLD_FULL - FRAME_VERDICT_MAX] = "drop_handoff_hold_full",
	[STAT_HO_WAIT_FULL - FRAME_VERDICT_MAX] = "drop_handoff_wait_full",
	[STAT_HO_REQ_SENT - FRAME_VERDICT_MAX] = "handoff_req_sent",
	[STAT_HO_CONTINUED - FRAME_VERDICT_MAX] = "handoff_continued",
	[STAT_HO_FRESH - FRAME_VERDICT_MAX] = "handoff_fresh",
	[STAT_HO_TIMEOUT - FRAME_VERDICT_MAX] = "handoff_timeout",
	[STAT_HO_STALE - FRAME_VERDICT_MAX] = "handoff_stale",
	[STAT_EPOCH_BEHIND - FRAME_VERDICT_MAX] = "epoch_behind",
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
	[CTL_CHAN_BAD] = "drop_chan_ctl_bad",
	[CTL_SUB_GRANTED] = "sub_granted",
	[CTL_SUB_REFRESHED] = "sub_refreshed",
	[CTL_SUB_REMOVED] = "sub_removed",
	[CTL_SUB_EXPIRED] = "sub_expired",
	[CTL_SUB_REFUSED_CLIENT] = "sub_refused_client",
	[CTL_SUB_REFUSED_NODE] = "sub_refused_node",
	[CTL_SUB_REFUSED_CLIENTS] = "sub_refused_clients",
	[CTL_SUB_REFUSED_CHANNEL] = "sub_refused_channel",
	[CTL_INTEREST_SENT] = "interest_sent",
	[CTL_INTEREST_GRANTED] = "interest_granted",
	[CTL_INTEREST_EXPIRED] = "interest_expired",
	[CTL_INTEREST_ACK_RX] = "interest_ack_rx",
	[CTL_INTEREST_REFUSED_SET] = "interest_refused_set",
	[CTL_INTEREST_REFUSED_OWNED] = "interest_refused_owned",
	[CTL_INTEREST_NOT_OWNER] = "interest_not_owner",
	[CTL_AUDIENCE_PUBLISHED] = "audience_published",
	[CTL_HO_REQ_RX] = "handoff_req_rx",
	[CTL_HO_REQ_EARLY] = "handoff_req_early",
	[CTL_HO_SENT] = "handoff_sent",
	[CTL_HO_SENT_EMPTY] = "handoff_sent_empty",
	[CTL_HO_RX] = "handoff_rx",
	[CTL_HO_NOT_OWNER] = "handoff_not_owner",
	[CTL_HO_INTERESTS] = "handoff_interests",
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
