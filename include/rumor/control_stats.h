/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counters of rumor-control's own structs, one table each
 * (counters.h): struct node_stats and struct node_raft_stats
 * (control/node_int.h), struct link_stats (control/link_client.h). The
 * structs are private to rumor-control; their tables are here, beside
 * the other counters rumorctl stats prints (swim.h, seal.h, admin.h,
 * raft.h), so that tests check every name and help text.
 */
#ifndef RUMOR_CONTROL_STATS_H
#define RUMOR_CONTROL_STATS_H

#include "rumor/counters.h"

/*
 * What became of each datagram the dataplane handed over (PUNT), and of
 * each one the membership or Raft sent. rx = rx_swim + rx_malformed +
 * rx_wrong_label + rx_forged + rx_replayed + rx_wrong_proto + rx_raft +
 * rx_not_ready; rx_forged_sender is the part of rx_forged that a valid
 * key sealed but that claims another sender inside.
 */
#define NODE_STATS_TABLE(X)						\
	X(rx, "rx",							\
	  "Datagrams the dataplane handed over (PUNT)")			\
	X(rx_swim, "rx_swim",						\
	  "Opened and given to the membership")				\
	X(rx_malformed, "rx_malformed",					\
	  "Refused by the seal: not a sealed message")			\
	X(rx_wrong_label, "rx_wrong_label",				\
	  "Refused by the seal: another cluster's label")		\
	X(rx_forged, "rx_forged",					\
	  "Forged: no key opens it, or another sender inside")		\
	X(rx_forged_sender, "rx_forged_sender",				\
	  "Forged: opened, but another sender inside")			\
	X(rx_replayed, "rx_replayed",					\
	  "Refused by the seal: a replay")				\
	X(rx_wrong_proto, "rx_wrong_proto",				\
	  "Authentic, but of no protocol this node runs")		\
	X(rx_raft, "rx_raft",						\
	  "Opened and given to Raft")					\
	X(rx_not_ready, "rx_not_ready",					\
	  "Arrived before the membership existed")			\
	X(tx, "tx",							\
	  "Datagrams sealed and queued to the dataplane")		\
	X(tx_seal_failed, "tx_seal_failed",				\
	  "Datagrams not sealed: too big")				\
	X(tx_dropped, "tx_dropped",					\
	  "Datagrams not queued: link not ready or full")		\
	X(join_attempts, "join_attempts",				\
	  "Join attempts: seeds asked to let this node in")		\
	X(incarnations_sent, "incarnations_sent",			\
	  "INCARNATION messages sent to the dataplane")			\
	X(stats_requests, "stats_requests",				\
	  "STATS_REQs sent to the dataplane")				\
	X(stats_timeouts, "stats_timeouts",				\
	  "STATS_REQs unanswered within a second")

/*
 * What the process does around the Raft core (raft_driver.c,
 * raft_store.c, epoch_driver.c, admin_cmds.c), named as rumorctl raft
 * prints them (rumorctl stats adds "raft_"). The core's own counters are
 * RAFT_STATS_TABLE (raft.h).
 */
#define NODE_RAFT_STATS_TABLE(X)					\
	X(epochs_proposed, "epochs_proposed",				\
	  "Ring epochs proposed as leader")				\
	X(epochs_applied, "epochs_applied",				\
	  "Committed ring epochs applied")				\
	X(epochs_too_big, "epochs_too_big",				\
	  "Epochs not proposed: more members than an epoch holds")	\
	X(epochs_not_member, "epochs_not_member",			\
	  "Committed epochs without this node")				\
	X(epochs_partial, "epochs_partial",				\
	  "Epochs proposed with changes left for the next")		\
	X(epochs_bad, "epochs_bad",					\
	  "Committed deltas that did not apply (never expected)")	\
	X(rx_malformed, "rx_malformed",					\
	  "Envelopes or messages refused, or from another sender")	\
	X(rx_voters_differ, "rx_voters_differ",				\
	  "Messages from a node with another voter set")		\
	X(rx_dropped, "rx_dropped",					\
	  "Messages Raft refused (another term's leader...)")		\
	X(rx_unknown_peer, "rx_unknown_peer",				\
	  "Voter sets not told: no address for the node")		\
	X(tx, "tx",							\
	  "Messages sealed and sent")					\
	X(tx_no_address, "tx_no_address",				\
	  "Messages not sent: no address for the node")			\
	X(persist_failed, "persist_failed",				\
	  "Failed writes to raft_dir")					\
	X(snapshots_taken, "snapshots_taken",				\
	  "Snapshots this node took and saved")				\
	X(voter_changes, "voter_changes",				\
	  "Operators' voter changes proposed")				\
	X(voter_changes_refused, "voter_changes_refused",		\
	  "Operators' voter changes refused (voter_change.h)")

/* The control link to the dataplane (link_client.c). */
#define LINK_STATS_TABLE(X)						\
	X(connects, "link_connects",					\
	  "Connections to the dataplane opened")			\
	X(connect_failed, "link_connect_failed",			\
	  "Connection attempts that found no dataplane")		\
	X(handshakes, "link_handshakes",				\
	  "Handshakes completed: STATE and TABLE received")		\
	X(handshake_timeouts, "link_handshake_timeouts",		\
	  "Handshakes not done within 5 s of HELLO")			\
	X(lost, "link_lost",						\
	  "Ready connections lost")					\
	X(rx, "link_rx",						\
	  "Packets received from the dataplane")			\
	X(rx_bad, "link_rx_bad",					\
	  "Packets refused by the decoder")				\
	X(rx_unexpected, "link_rx_unexpected",				\
	  "Packets valid, but not now or not to this end")		\
	X(tx, "link_tx",						\
	  "Packets queued to the dataplane")				\
	X(tx_dropped, "link_tx_dropped",				\
	  "Packets not queued: not ready, or too much waiting")		\
	X(tables_sent, "link_tables_sent",				\
	  "Whole member tables sent")

#endif /* RUMOR_CONTROL_STATS_H */
