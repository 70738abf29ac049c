/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publish acknowledgements in the dataplane (docs/replication.md,
 * "Publish acknowledgements"): the entry node's part (a client's acked
 * PUBLISH gets its client id and return path; the owner's PUB_ACK goes
 * on to the client) and the owner's (the PUB_ACK it sends).
 *
 * The entry node keeps no state: the return path it writes into the
 * request ("via": the client's address, UDP port, MAC and the node's
 * port it came in on) comes back in the owner's PUB_ACK.
 */
#ifndef RUMOR_PUB_ACK_H
#define RUMOR_PUB_ACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "rumor/repl_wire.h"

struct dp_lcore;
struct dp_port;
struct peer_table;
struct rumor_hdr;
struct ring_table;

/* The top bit of a client id made from an address (not a token's). */
#define PUB_CLIENT_ADDR (UINT64_C(1) << 63)

/*
 * A DATA frame with RUMOR_F_ACK on the forwarding path, in through in,
 * before anything else looks at it: verified and stripped if a member
 * sent it (auth_input), refused if a member's address sends it plain
 * with node credentials on. chan_sender(m) is then the member that sent
 * it, or 0 for a client; a client's request (which must decode) gets the
 * client's id and the return path written, the UDP checksum following.
 * False if m is refused (counted; the caller frees it).
 */
bool pub_ack_entry(struct dp_lcore *lc, struct rte_mbuf *m,
		const struct dp_port *in);

/*
 * The owner answers the acked PUBLISH of header h (req its decoded
 * request) with a: to sender, the member that sent it, with an auth
 * block under node credentials, or (sender 0) to the client the
 * request's return path names, which sent it to this node straight.
 * a's number and via are taken from req.
 */
void pub_ack_answer(struct dp_lcore *lc, const struct rumor_hdr *h,
		uint32_t sender, const struct repl_pub_req *req,
		struct repl_pub_ack *a, const struct ring_table *ring,
		const struct peer_table *peers);

/*
 * A PUB_ACK from member sender (proven, its block stripped): sent on to
 * the client its return path names, plain and without it. Takes m.
 */
void pub_ack_relay(struct dp_lcore *lc, struct rte_mbuf *m, uint32_t sender,
		const struct ring_table *ring);

#endif /* RUMOR_PUB_ACK_H */
