/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every counter of the dataplane, one row each: its enum identifier, the
 * name telemetry, the exit report and `rumorctl stats` show, and a line
 * saying what it counts. Adding a counter is adding its row here: stats.h
 * and parse.h make the enums of these tables, names.c the names and help
 * texts.
 *
 * A table is an X-macro: TABLE(X) expands X(id, name, help) once per row,
 * in order. Names are part of the interface (tests, scripts and docs
 * grep them): change one only with all of those. A help text is at most
 * 59 bytes, so that /rumor/stats/help fits one telemetry reply.
 */
#ifndef RUMOR_STATS_TABLE_H
#define RUMOR_STATS_TABLE_H

/*
 * The frame decoder's verdicts: parse.h makes enum frame_verdict of this
 * table. A verdict is the index of its counter: the first
 * FRAME_VERDICT_MAX counters of an lcore.
 */
#define FRAME_VERDICT_TABLE(X)						\
	X(FRAME_DATA, "rx_data",					\
	  "DATA on an ordered channel, for the forwarding path")	\
	X(FRAME_ARP, "rx_arp",						\
	  "ARP frames, for the control thread")				\
	X(FRAME_CONTROL, "rx_control",					\
	  "CONTROL datagrams, for rumor-control")			\
	X(FRAME_CHAN, "rx_chan",					\
	  "Channel messages (and broadcast DATA), for chan_dispatch.c")	\
	X(FRAME_ETH_SHORT, "drop_eth_short",				\
	  "Dropped: shorter than an Ethernet header")			\
	X(FRAME_ETH_DST, "drop_eth_dst",				\
	  "Dropped: not addressed to the receiving port's MAC")		\
	X(FRAME_VLAN, "drop_vlan",					\
	  "Dropped: 802.1Q or 802.1ad tagged")				\
	X(FRAME_ETHERTYPE, "drop_ethertype",				\
	  "Dropped: neither IPv4 nor ARP")				\
	X(FRAME_IP_SHORT, "drop_ip_short",				\
	  "Dropped: shorter than an IPv4 header")			\
	X(FRAME_IP_VERSION, "drop_ip_version",				\
	  "Dropped: IP version not 4, or header under 20 bytes")	\
	X(FRAME_IP_OPTIONS, "drop_ip_options",				\
	  "Dropped: IPv4 options present")				\
	X(FRAME_IP_LEN, "drop_ip_len",					\
	  "Dropped: IPv4 total length too small or beyond the frame")	\
	X(FRAME_IP_CKSUM, "drop_ip_cksum",				\
	  "Dropped: wrong IPv4 header checksum")			\
	X(FRAME_IP_FRAG, "drop_ip_frag",				\
	  "Dropped: an IPv4 fragment")					\
	X(FRAME_IP_DST, "drop_ip_dst",					\
	  "Dropped: not addressed to this node's IPv4 address")		\
	X(FRAME_IP_PROTO, "drop_ip_proto",				\
	  "Dropped: not UDP")						\
	X(FRAME_UDP_LEN, "drop_udp_len",				\
	  "Dropped: UDP length disagrees with the IPv4 length")		\
	X(FRAME_UDP_PORT, "drop_udp_port",				\
	  "Dropped: not this node's UDP port")				\
	/* These mirror enum rumor_hdr_error (wire.h). */		\
	X(FRAME_RUMOR_SHORT, "drop_rumor_short",			\
	  "Dropped: shorter than a rumor header")			\
	X(FRAME_RUMOR_MAGIC, "drop_rumor_magic",			\
	  "Dropped: not the rumor magic")				\
	X(FRAME_RUMOR_VERSION, "drop_rumor_version",			\
	  "Dropped: not rumor version 1")				\
	X(FRAME_RUMOR_TYPE, "drop_rumor_type",				\
	  "Dropped: unknown type or flag, or reserved not 0")		\
	X(FRAME_RUMOR_LENGTH, "drop_rumor_length",			\
	  "Dropped: rumor lengths disagree with the UDP length")	\
	X(FRAME_RUMOR_CHANNEL, "drop_rumor_channel",			\
	  "Dropped: channel name empty or over 255 bytes")		\
	/* Replication's types and flag (frame_is_repl, parse.h). */	\
	X(FRAME_REPL, "drop_repl_unimplemented",			\
	  "Dropped: an acked PUBLISH on a broadcast channel")

/* The counters of a forwarding lcore (enum lcore_stat), after the verdicts. */
#define LCORE_STAT_TABLE(X)						\
	X(STAT_RX, "rx",						\
	  "Frames received")						\
	X(STAT_TX, "tx",						\
	  "Frames the devices accepted, control frames included")	\
	X(STAT_TX_DROP, "drop_tx_full",					\
	  "Dropped: the device refused them on transmit")		\
	/* Adjacent: fwd.c counts at STAT_DELIVERED - hops. */		\
	X(STAT_FORWARDED, "forwarded",					\
	  "DATA sent on to the channel's owner")			\
	X(STAT_DELIVERED, "delivered",					\
	  "DATA delivered to the local sink")				\
	X(STAT_SEGMENTED, "drop_segmented",				\
	  "Dropped: frame in several mbufs")				\
	X(STAT_HOP_LIMIT, "drop_hop_limit",				\
	  "Dropped: hop limit exhausted")				\
	X(STAT_NO_PEER, "drop_no_peer",					\
	  "Dropped: owner not in the peer table")			\
	X(STAT_NO_SINK, "drop_no_sink",					\
	  "Dropped: owned here, and no sink set")			\
	X(STAT_ARP_WAIT, "arp_wait",					\
	  "Frames held until the next hop's MAC is known")		\
	X(STAT_ARP_WAIT_FULL, "drop_arp_wait_full",			\
	  "Dropped: ARP hold queue full")				\
	X(STAT_ARP_TIMEOUT, "drop_arp_timeout",				\
	  "Dropped: next hop's MAC not resolved in time")		\
	X(STAT_ARP_PUNT_FULL, "drop_arp_punt_full",			\
	  "Dropped: ARP ring to the control thread full")		\
	X(STAT_ARP_NOT_SELF, "drop_arp_not_self",			\
	  "Dropped: ARP whose target is not this node's address")	\
	X(STAT_ARP_PUNT_RATE, "drop_arp_punt_rate",			\
	  "Dropped: ARP over the lcore's ARP punt rate")		\
	X(STAT_CTL_TX, "ctl_tx",					\
	  "Frames sent for the control thread")				\
	X(STAT_PUNTED, "punted",					\
	  "CONTROL datagrams queued for the control link")		\
	X(STAT_PUNT_RATE, "drop_punt_rate",				\
	  "Dropped: CONTROL over the lcore's punt rate")		\
	X(STAT_PUNT_FULL, "drop_punt_full",				\
	  "Dropped: CONTROL punt ring full")				\
	/* Channels (chan_dispatch.c); docs/channels.md, "Limits". */	\
	X(STAT_CHAN_BAD, "drop_chan_bad",				\
	  "Dropped: channel message's fixed part refused")		\
	X(STAT_CHAN_TOO_BIG, "drop_chan_too_big",			\
	  "Dropped: PUBLISH over the maximum size")			\
	X(STAT_CHAN_NOT_MEMBER, "drop_chan_not_member",			\
	  "Dropped: node-to-node type from a non-member")		\
	X(STAT_CHAN_NOT_SENDER, "drop_chan_not_sender",			\
	  "Dropped: a member's message naming another as origin")	\
	X(STAT_CHAN_UNEXPECTED, "drop_chan_unexpected",			\
	  "Dropped: SUB_ACK, DELIVER, GAP or COOKIE sent to a node")	\
	X(STAT_CHAN_NOT_OWNER, "drop_chan_not_owner",			\
	  "Dropped: NACK to a node that is not the owner")		\
	X(STAT_CHAN_NO_AUDIENCE, "drop_chan_no_audience",		\
	  "Dropped: nobody subscribed to the channel")			\
	X(STAT_CHAN_PASSED, "chan_passed",				\
	  "Messages passed to the channel's lcore")			\
	X(STAT_CHAN_PASS_FULL, "drop_chan_pass_full",		\
	  "Dropped: ring to the channel's lcore full")			\
	X(STAT_SUB_PUNTED, "sub_punted",				\
	  "Audience messages queued for the control thread")		\
	X(STAT_SUB_RATE, "drop_sub_rate",				\
	  "Dropped: audience messages over the punt rate")		\
	X(STAT_SUB_PUNT_FULL, "drop_sub_punt_full",			\
	  "Dropped: audience punt ring full")				\
	X(STAT_MEMBER_PUNTED, "member_punted",				\
	  "Members' channel control queued for the control thread")	\
	X(STAT_MEMBER_RATE, "drop_member_rate",				\
	  "Dropped: members' channel control over its punt rate")	\
	X(STAT_MEMBER_PUNT_FULL, "drop_member_punt_full",		\
	  "Dropped: members' channel control ring full")		\
	X(STAT_CHAN_TABLE_FULL, "drop_chan_table_full",			\
	  "Dropped: lcore channel table full")				\
	X(STAT_CHAN_NOMEM, "drop_chan_nomem",				\
	  "Copies dropped: no buffer")					\
	X(STAT_CHAN_NO_ROUTE, "drop_chan_no_route",			\
	  "Copies dropped: no peer or MAC")				\
	X(STAT_CHAN_FANOUT_COPIED, "chan_fanout_copied",		\
	  "Copies sent as one copied segment")				\
	X(STAT_CHAN_STAMPED, "chan_stamped",				\
	  "Publishes ordered by this owner")				\
	X(STAT_CHAN_FANOUT, "chan_fanout",				\
	  "FANOUT copies sent")						\
	X(STAT_CHAN_DELIVERED, "chan_delivered",			\
	  "DELIVER copies sent")					\
	X(STAT_CHAN_HELD, "chan_held",					\
	  "Messages held for order")					\
	X(STAT_CHAN_DUP, "chan_dup",					\
	  "Dropped: below the next expected sequence")			\
	X(STAT_CHAN_STALE_STREAM, "chan_stale_stream",			\
	  "Dropped: of the stream before")				\
	X(STAT_CHAN_WINDOW_OVERFLOW, "chan_window_overflow",		\
	  "Messages beyond the reorder window or held budget")		\
	X(STAT_CHAN_NACK_SENT, "chan_nack_sent",			\
	  "NACKs sent to owners for missing sequences")			\
	X(STAT_CHAN_NACK_RX, "chan_nack_rx",				\
	  "NACKs received as owner")					\
	X(STAT_CHAN_RETRANSMIT_SENT, "chan_retransmit_sent",		\
	  "Messages sent again from history for a NACK")		\
	X(STAT_CHAN_GONE_SENT, "chan_gone_sent",			\
	  "GONEs sent: NACKed sequences out of history")		\
	X(STAT_CHAN_GAP_SENT, "chan_gap_sent",				\
	  "GAP copies sent to clients")					\
	X(STAT_CHAN_LOST, "chan_lost",					\
	  "Sequences given up for lost")				\
	X(STAT_CHAN_RX_JOINED, "chan_rx_joined",			\
	  "Streams taken up mid-way, unasked")				\
	X(STAT_CHAN_CATCHUP, "chan_catchup",				\
	  "New owners catching up on a stream")				\
	X(STAT_HISTORY_EVICTED, "history_evicted",			\
	  "History released for the budget")				\
	X(STAT_GOSSIP_RX, "gossip_rx",					\
	  "New broadcast messages taken")				\
	X(STAT_GOSSIP_FORWARDED, "gossip_forwarded",			\
	  "GOSSIP copies sent")						\
	X(STAT_GOSSIP_DUP, "gossip_dup",				\
	  "Dropped: broadcast message seen already")			\
	X(STAT_GOSSIP_OLD, "gossip_old",				\
	  "Dropped: behind the dedup window")				\
	X(STAT_GOSSIP_LANES_EVICTED, "gossip_lanes_evicted",		\
	  "Dedup entries (origin, lane) reused")			\
	X(STAT_CHAN_INJECTED_LOSS, "drop_chan_injected_loss",		\
	  "Dropped: /rumor/chan_loss fault injection (tests)")		\
	/* Ordered channels changing owner (chan_handoff.c). */		\
	X(STAT_CHAN_REROUTED, "chan_rerouted",				\
	  "PUBLISHes sent on: owner changed")				\
	X(STAT_CHAN_NACK_RELAYED, "chan_nack_relayed",			\
	  "NACKs passed to the owner before")				\
	X(STAT_CHAN_NACK_NOT_RELAY, "drop_chan_nack_not_relay",		\
	  "Dropped: NACK for another node, not from the owner")	\
	X(STAT_CHAN_NACK_RATE, "drop_chan_nack_rate",			\
	  "NACK answers not sent: over the asking member's rate")	\
	X(STAT_HO_HELD, "handoff_held",					\
	  "PUBLISHes held for a handoff")				\
	X(STAT_HO_HOLD_FULL, "drop_handoff_hold_full",			\
	  "Dropped: a channel's handoff hold full")			\
	X(STAT_HO_WAIT_FULL, "drop_handoff_wait_full",			\
	  "Dropped: too many channels waiting for a handoff")		\
	X(STAT_HO_REQ_SENT, "handoff_req_sent",				\
	  "HANDOFF_REQs sent (retries included)")			\
	X(STAT_HO_CONTINUED, "handoff_continued",			\
	  "Channels continued from a HANDOFF")				\
	X(STAT_HO_FRESH, "handoff_fresh",				\
	  "Channels started anew: no state")				\
	X(STAT_HO_TIMEOUT, "handoff_timeout",				\
	  "Channels started anew: no HANDOFF in time")			\
	X(STAT_HO_STALE, "handoff_stale",				\
	  "HANDOFFs nobody waited for")					\
	X(STAT_EPOCH_BEHIND, "epoch_behind",				\
	  "DATA held: routed under a newer ring")			\
	/* Publish acknowledgements (pub_ack.c, chan_owner.c). */	\
	X(STAT_PUB_ACK_ENTERED, "pub_ack_entered",			\
	  "Acked PUBLISHes taken from clients")				\
	X(STAT_PUB_ACK_BAD, "drop_pub_ack_bad",				\
	  "Dropped: ack request or PUB_ACK refused")			\
	X(STAT_PUB_ACK_SENT, "pub_ack_sent",				\
	  "PUB_ACKs sent by this node as the owner")			\
	X(STAT_PUB_ACK_RELAYED, "pub_ack_relayed",			\
	  "PUB_ACKs passed on to clients")				\
	X(STAT_PUB_DUPLICATE, "pub_duplicate",				\
	  "Acked PUBLISHes ordered before: not again")			\
	X(STAT_PUB_HELD_BACK, "pub_held_back",				\
	  "Retries left unanswered: not yet committed")		\
	X(STAT_PUB_TOO_OLD, "pub_too_old",				\
	  "Acked PUBLISHes below their client's window")		\
	X(STAT_PUB_KEPT, "pub_kept_punted",				\
	  "Acked PUBLISHes on channels without audience, to book")	\
	X(STAT_PUB_OWNED_LIMIT, "pub_owned_limit",			\
	  "Acked PUBLISHes refused: owned channel limit")		\
	X(STAT_REPL_DEDUP_EVICTED, "repl_dedup_evicted",		\
	  "Publish memory entries pushed out of a full set")		\
	/* Replication (chan_repl.c). */				\
	X(STAT_REPL_SENT, "repl_sent",					\
	  "REPLICATEs sent to replicas")				\
	X(STAT_REPL_RESENT, "repl_resent",				\
	  "REPLICATEs sent again from history")			\
	X(STAT_REPL_REFILLED, "repl_refilled",				\
	  "Quiet channels whose new replicas are filled from history")	\
	X(STAT_REPL_HANDED, "repl_handed",				\
	  "Acked messages told to a channel's new owner")	\
	X(STAT_REPL_HANDED_RX, "repl_handed_rx",			\
	  "Acked messages told by a channel's old owner")		\
	X(STAT_HO_EMPTY_SYNC, "handoff_empty_sync",			\
	  "Empty HANDOFFs answered by asking the replicas")		\
	X(STAT_REPL_FETCH_ASKED, "repl_fetch_asked",			\
	  "NACKs of a new owner for what it lacks of the old set's")	\
	X(STAT_REPL_FETCHED, "repl_fetched",				\
	  "Messages a new owner fetched before going on")		\
	X(STAT_REPL_FETCH_TIMEOUT, "repl_fetch_timeout",		\
	  "Failovers gone on before their fetch was done")		\
	X(STAT_RESUME_STARTED, "resume_started",			\
	  "Resuming clients that began catching up")			\
	X(STAT_RESUME_REFUSED, "resume_refused",			\
	  "Resuming clients sent live alone: resumers full")		\
	X(STAT_RESUME_DELIVERED, "resume_delivered",			\
	  "DELIVERs to resuming clients from history")			\
	X(STAT_RESUME_GAP, "resume_gap",				\
	  "GAPs to resuming clients: sequences no history holds")	\
	X(STAT_RESUME_NACK, "resume_nack_sent",				\
	  "NACKs for resuming clients to the channel's owner")		\
	X(STAT_RESUME_DONE, "resume_done",				\
	  "Resuming clients caught up with the live stream")		\
	X(STAT_RESUME_EXPIRED, "resume_expired",			\
	  "Resuming clients sent live, 10 s without catching up")	\
	X(STAT_REPL_WINDOW_FULL, "drop_repl_window_full",		\
	  "Dropped: PUBLISH beyond committed + 64 (replicas lag)")	\
	X(STAT_REPL_ACK_RX, "repl_ack_rx",				\
	  "REPL_ACKs taken by the owner")				\
	X(STAT_REPL_ACK_STALE, "repl_ack_stale",			\
	  "REPL_ACKs for no stream ordered here, or from no replica")	\
	X(STAT_REPL_REFUSED, "repl_refused",				\
	  "REPL_ACKs refusing: not a replica, or a stale epoch")	\
	X(STAT_REPL_WAIT_FULL, "repl_wait_full",			\
	  "Acked PUBLISHes answered early: a channel's waits full")	\
	X(STAT_REPL_ACK_SENT, "repl_ack_sent",				\
	  "REPL_ACKs sent by this node as a replica")			\
	X(STAT_REPL_TAKEN, "repl_taken",				\
	  "REPLICATEs kept as a replica")				\
	X(STAT_REPL_DUP, "repl_dup",					\
	  "REPLICATEs held already")					\
	X(STAT_REPL_FAR, "repl_far",					\
	  "REPLICATEs beyond the window, or not to take up there")	\
	X(STAT_REPL_NOT_REPLICA, "repl_not_replica",			\
	  "REPLICATEs refused: not in the channel's replica set")	\
	X(STAT_REPL_STALE, "repl_stale",				\
	  "REPLICATEs refused: from an older ring")			\
	X(STAT_REPL_NOT_OWNER, "drop_repl_not_owner",			\
	  "Dropped: REPLICATE not from the channel's owner")		\
	X(STAT_REPL_FAILOVER_ASKED, "repl_failover_asked",		\
	  "Failovers begun: the old replica set asked its state")	\
	X(STAT_REPL_FAILOVER, "repl_failover",				\
	  "Streams continued from a majority of the old set")		\
	X(STAT_REPL_SYNC_SENT, "repl_sync_sent",			\
	  "REPL_SYNCs sent (again included)")				\
	X(STAT_REPL_STATE_SENT, "repl_state_sent",			\
	  "REPL_STATEs sent in answer")					\
	X(STAT_REPL_AHEAD, "drop_repl_ahead",				\
	  "Dropped: REPLICATE from a newer ring (it comes again)")	\
	/* Client admission on the lcores (session.c). */		\
	X(STAT_CLIENT_ADMITTED, "client_admitted",			\
	  "Client requests with a valid session tag")			\
	X(STAT_CLIENT_NO_AUTH, "drop_client_no_auth",			\
	  "Dropped: client request without a session proof")		\
	X(STAT_CLIENT_BAD, "drop_client_bad",				\
	  "Dropped: client blocks malformed")				\
	X(STAT_CLIENT_NO_SESSION, "client_no_session",			\
	  "Client requests without a session, to get a COOKIE")		\
	X(STAT_CLIENT_BAD_TAG, "drop_client_bad_tag",			\
	  "Dropped: client request tag does not verify")		\
	X(STAT_CLIENT_REPLAY, "drop_client_replay",			\
	  "Dropped: client request stamp seen before")			\
	X(STAT_CLIENT_PUB_REFUSED, "drop_client_pub_refused",		\
	  "Dropped: PUBLISH the client's token does not allow")		\
	/* Node-to-node authentication (auth.c). */			\
	X(STAT_AUTH_OK, "auth_ok",					\
	  "Node-to-node messages whose auth block verified")		\
	X(STAT_AUTH_MISSING, "auth_missing",				\
	  "Dropped: node-to-node message without an auth block")	\
	X(STAT_AUTH_BAD_TAG, "auth_bad_tag",				\
	  "Dropped: auth tag wrong under the sender's key")		\
	X(STAT_AUTH_REPLAY, "auth_replay",				\
	  "Dropped: auth counter seen before or too old")		\
	X(STAT_AUTH_UNKNOWN_SENDER, "auth_unknown_sender",		\
	  "Dropped: auth block from no member with a key")		\
	X(STAT_AUTH_WINDOWS_FULL, "auth_windows_full",			\
	  "Dropped: no replay window free for (sender, lane)")		\
	X(STAT_AUTH_SIGNED, "auth_signed",				\
	  "Node-to-node messages sent with an auth block")		\
	X(STAT_AUTH_NO_KEY, "auth_no_key",				\
	  "Not sent: no key for the destination member")		\
	X(STAT_AUTH_TOO_BIG, "auth_too_big",				\
	  "Not sent: no room for the auth block")			\
	/* What the wire may ask, bounded; docs/channels.md, "Bounds". */ \
	X(STAT_CHAN_HASH_BAD, "drop_chan_hash_bad",			\
	  "Dropped: channel hash not XXH3 of the name")		\
	X(STAT_CHAN_NOT_FROM_OWNER, "drop_chan_not_from_owner",		\
	  "Dropped: new stream, jump or GONE not from the owner")	\
	X(STAT_GOSSIP_TOO_BIG, "drop_gossip_too_big",			\
	  "Dropped: GOSSIP over the maximum size")			\
	X(STAT_GOSSIP_BOOT_AHEAD, "drop_gossip_boot_ahead",		\
	  "Dropped: GOSSIP boot over 60 s ahead of the clock")		\
	X(STAT_EPOCH_TOO_FAR, "drop_epoch_too_far",			\
	  "Dropped: DATA from beyond the ring's epoch + 2")		\
	X(STAT_EPOCH_HOLD_FULL, "drop_epoch_hold_full",			\
	  "Dropped: newer-ring DATA over the lcore's hold")		\
	X(STAT_EPOCH_EXPIRED, "epoch_hold_expired",			\
	  "Newer-ring DATA routed under this ring after 1 s")

/* The counters of the dataplane's control thread (enum ctl_stat). */
#define CTL_STAT_TABLE(X)						\
	X(CTL_ARP_IN, "arp_in",						\
	  "ARP frames taken from the punt ring")			\
	X(CTL_ARP_BAD, "arp_bad",					\
	  "Punted ARP frames that failed to decode")			\
	X(CTL_ARP_REQ_SENT, "arp_request_sent",				\
	  "ARP requests sent to resolve peers")				\
	X(CTL_ARP_REPLY_SENT, "arp_reply_sent",				\
	  "ARP replies sent for this node's address")			\
	X(CTL_ARP_LEARNT, "arp_learnt",					\
	  "Peer MACs learnt: first answer to our request")		\
	X(CTL_ARP_CACHE_FULL, "arp_cache_full",				\
	  "Addresses not tracked: ARP cache full")			\
	/* ARP from anyone on the segment (arp.c): refusals. */	\
	X(CTL_ARP_MAC_CHANGED, "arp_mac_changed",			\
	  "Resolved MACs changed: old MAC silent through a refresh")	\
	X(CTL_ARP_UNSOLICITED, "arp_unsolicited",			\
	  "Replies ignored: to no request of ours outstanding")	\
	X(CTL_ARP_STATIC_IGNORED, "arp_static_ignored",			\
	  "ARP ignored: the address has a static MAC")			\
	X(CTL_ARP_CONFLICT, "arp_conflict",				\
	  "Answers ignored: another MAC already answered")		\
	X(CTL_ARP_CHANGE_REFUSED, "arp_change_refused",			\
	  "MAC changes refused: the known MAC answered too")		\
	X(CTL_ARP_HINT, "arp_hint",					\
	  "Requests for us from a known address with another MAC")	\
	X(CTL_ARP_PUBLISH_DEFERRED, "arp_publish_deferred",		\
	  "Peer table publishes delayed by their rate")		\
	X(CTL_CTL_TX_FULL, "drop_ctl_tx_full",				\
	  "Frames dropped: control TX ring full")			\
	X(CTL_NOMEM, "drop_ctl_nomem",					\
	  "Frames not built: mbuf pool empty")				\
	X(CTL_PUBLISH, "tables_published",				\
	  "Peer or ring tables published")				\
	X(CTL_RELOAD, "config_reloaded",				\
	  "Configuration reloads applied")				\
	X(CTL_RELOAD_FAIL, "config_reload_failed",			\
	  "Reloads refused (bad file or change)")			\
	/* The control link (link_server.c). */				\
	X(CTL_LINK_ACCEPTED, "link_accepted",				\
	  "Control link connections served")				\
	X(CTL_LINK_REFUSED, "link_refused",				\
	  "Connections closed: a client was attached")			\
	X(CTL_LINK_HELLO_BAD, "link_hello_bad",				\
	  "Connections closed: no valid HELLO first")			\
	X(CTL_LINK_CLOSED, "link_closed",				\
	  "Clients gone: EOF, error or stuck")				\
	X(CTL_LINK_RX, "link_rx",					\
	  "Control link messages received and accepted")		\
	X(CTL_LINK_TX, "link_tx",					\
	  "Control link messages sent")					\
	X(CTL_LINK_BAD, "link_bad",					\
	  "Messages refused: malformed or unexpected")			\
	X(CTL_PUNT_SENT, "punt_sent",					\
	  "CONTROL datagrams sent as PUNT")				\
	X(CTL_PUNT_NO_CLIENT, "drop_punt_no_client",			\
	  "CONTROL datagrams dropped: no client attached")		\
	X(CTL_PUNT_BUSY, "drop_punt_busy",				\
	  "CONTROL datagrams dropped: client's socket full")		\
	X(CTL_SEND_QUEUED, "send_queued",				\
	  "SEND frames queued for transmission")			\
	X(CTL_SEND_ARP_WAIT, "send_arp_wait",				\
	  "SEND frames held until ARP resolved the destination")	\
	X(CTL_SEND_WAIT_FULL, "drop_send_wait_full",			\
	  "SEND dropped: hold queue or ARP cache full")			\
	X(CTL_SEND_TIMEOUT, "drop_send_timeout",			\
	  "SEND dropped: destination not resolved in time")		\
	X(CTL_SEND_BAD, "drop_send_bad",				\
	  "SEND dropped: destination refused")				\
	X(CTL_TABLE_APPLIED, "table_applied",				\
	  "Member tables published")					\
	X(CTL_TABLE_SAME, "table_same",					\
	  "Member tables equal to the one in force")			\
	X(CTL_TABLE_ALIVE, "table_alive",				\
	  "Tables of the members alive taken (Raft mode)")		\
	X(CTL_TABLE_REFUSED, "table_refused",				\
	  "Member tables refused (invalid, or no self)")		\
	X(CTL_TABLE_CHUNK_BAD, "table_chunk_bad",			\
	  "TABLE chunks out of sequence")				\
	/* Channel audiences (chan_audience.c). */				\
	X(CTL_CHAN_BAD, "drop_chan_ctl_bad",				\
	  "Punted channel messages refused")				\
	X(CTL_CHAN_KEPT_IDLE, "chan_kept_idle",				\
	  "Owned channels kept when their audience left (resume)")	\
	X(CTL_RESUME_PASSED, "resume_passed",				\
	  "Resuming SUBSCRIBEs granted and passed to the lcore")	\
	X(CTL_RESUME_BAD, "drop_resume_bad",				\
	  "Resuming SUBSCRIBEs refused by the decoder")		\
	X(CTL_RESUME_FULL, "drop_resume_full",				\
	  "Resuming SUBSCRIBEs granted, the lcore's ring full")	\
	X(CTL_SUB_GRANTED, "sub_granted",				\
	  "New subscriptions")						\
	X(CTL_SUB_REFRESHED, "sub_refreshed",				\
	  "Subscription leases renewed")				\
	X(CTL_SUB_REMOVED, "sub_removed",				\
	  "UNSUBSCRIBEs honoured")					\
	X(CTL_SUB_EXPIRED, "sub_expired",				\
	  "Subscription leases run out")				\
	X(CTL_SUB_REFUSED_CLIENT, "sub_refused_client",			\
	  "Refused: over subscriptions per client")			\
	X(CTL_SUB_REFUSED_NODE, "sub_refused_node",			\
	  "Refused: over subscriptions per node")			\
	X(CTL_SUB_REFUSED_CLIENTS, "sub_refused_clients",		\
	  "Refused: over clients per node")				\
	X(CTL_SUB_REFUSED_CHANNEL, "sub_refused_channel",		\
	  "Refused: over subscribers of a channel")			\
	X(CTL_INTEREST_SENT, "interest_sent",				\
	  "INTERESTs sent to owners")					\
	X(CTL_INTEREST_GRANTED, "interest_granted",			\
	  "Interests taken or renewed as owner")			\
	X(CTL_INTEREST_EXPIRED, "interest_expired",			\
	  "Interests run out, as owner")				\
	X(CTL_INTEREST_ACK_RX, "interest_ack_rx",			\
	  "INTEREST_ACKs received")					\
	X(CTL_INTEREST_REFUSED_SET, "interest_refused_set",		\
	  "Refused: over nodes interested in a channel")		\
	X(CTL_INTEREST_REFUSED_OWNED, "interest_refused_owned",		\
	  "Refused: over channels with an audience")			\
	X(CTL_INTEREST_NOT_OWNER, "interest_not_owner",			\
	  "INTERESTs for a channel owned elsewhere")			\
	X(CTL_AUDIENCE_PUBLISHED, "audience_published",			\
	  "Audience entries published")					\
	/* Ordered channels changing owner (chan_audience.c). */		\
	X(CTL_HO_REQ_RX, "handoff_req_rx",				\
	  "HANDOFF_REQs received")					\
	X(CTL_HO_REQ_EARLY, "handoff_req_early",			\
	  "HANDOFF_REQs ignored: still the owner here")			\
	X(CTL_HO_REQ_NUMBERS, "handoff_req_numbers",			\
	  "HANDOFF_REQs for the publish numbers alone, after a push")	\
	X(CTL_HO_SENT, "handoff_sent",					\
	  "HANDOFFs sent with a state")					\
	X(CTL_HO_SENT_EMPTY, "handoff_sent_empty",			\
	  "HANDOFFs sent with no state")				\
	X(CTL_HO_PUSHED, "handoff_pushed",				\
	  "HANDOFFs sent unasked at a ring change")			\
	X(CTL_HO_RX, "handoff_rx",					\
	  "HANDOFFs received")						\
	X(CTL_HO_NOT_OWNER, "handoff_not_owner",			\
	  "HANDOFFs dropped: not the owner here")			\
	X(CTL_PUB_KEPT, "pub_kept",					\
	  "Channels booked for acked PUBLISHes alone")			\
	X(CTL_PUB_KEPT_REFUSED, "pub_kept_refused",			\
	  "Acked PUBLISHes on channels over the owned limit")		\
	X(CTL_HO_INTERESTS, "handoff_interests",			\
	  "Interests taken over from a HANDOFF")			\
	/* Client admission on the control thread (session.c). */	\
	X(CTL_COOKIE_SENT, "cookie_sent",				\
	  "COOKIEs sent to clients without a proven address")		\
	X(CTL_TOKEN_VERIFIED, "token_verified",				\
	  "Token signatures verified")					\
	X(CTL_TOKEN_CACHED, "token_cached",				\
	  "Tokens found in the cache of verified tokens")		\
	X(CTL_TOKEN_REFUSED, "token_refused",				\
	  "Refused: token invalid, expired or not yet valid")		\
	X(CTL_SESSION_OPENED, "session_opened",				\
	  "Client sessions opened")					\
	X(CTL_SESSION_CLOSED, "session_closed",				\
	  "Client sessions expired, idle or replaced")			\
	X(CTL_SESSION_LIMIT, "session_refused_node",			\
	  "Refused: over the sessions of this node")			\
	X(CTL_SESSION_CLIENT_LIMIT, "session_refused_client",		\
	  "Refused: over the sessions of one client id")		\
	X(CTL_SUB_REFUSED_TOKEN, "sub_refused_token",			\
	  "Refused: SUBSCRIBE the client's token does not allow")	\
	X(CTL_CLIENT_BAD, "drop_client_ctl_bad",			\
	  "Dropped: client request refused on the control thread")	\
	X(CTL_HO_REQ_REFUSED, "handoff_req_refused",			\
	  "HANDOFF_REQs from a node that does not own the channel")	\
	X(CTL_HO_REQ_RATE, "handoff_req_rate",				\
	  "HANDOFF_REQs not answered: over the answer rate")		\
	X(CTL_HO_REFUSED, "handoff_refused",				\
	  "HANDOFFs not from the owner before, or not awaited")	\
	X(CTL_HO_NODES_REFUSED, "handoff_nodes_refused",		\
	  "HANDOFF nodes not taken: not members, or over the limit")	\
	X(CTL_CHAN_NOT_SENDER, "drop_chan_ctl_not_sender",		\
	  "Dropped: control-thread message not from its origin")	\
	X(CTL_MEMBER_WORK, "member_work",				\
	  "Members' channel control taken by the control thread")	\
	/* Node-to-node authentication (auth.c). */			\
	X(CTL_AUTH_SIGNED, "ctl_auth_signed",				\
	  "Control thread's node messages sent with an auth block")	\
	X(CTL_AUTH_NO_KEY, "ctl_auth_no_key",				\
	  "Not sent: no key for the destination member")		\
	X(CTL_AUTH_TOO_BIG, "ctl_auth_too_big",				\
	  "Not sent: no room for the auth block")

#endif /* RUMOR_STATS_TABLE_H */
