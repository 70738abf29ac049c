/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What rumor-control makes of a control datagram its dataplane punted:
 * the sealed envelope is opened (seal.h), and the membership or Raft
 * message inside must name as its sender the node whose key sealed it.
 * One verdict per datagram, so that each is counted once.
 *
 * With node credentials, a message sealed with the cluster key alone (to
 * a receiver whose id the sender did not know) is taken only if it is a
 * join (punt_unbound_allowed), and its updates are dropped: it asserts
 * nothing about any node; anything else unbound is PUNT_FORGED_SENDER.
 */
#ifndef RUMOR_CONTROL_PUNT_H
#define RUMOR_CONTROL_PUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/seal.h"

enum punt_verdict {
	PUNT_SWIM = 0,		/* A membership message for swim_input. */
	PUNT_MALFORMED,		/* Not a sealed datagram. */
	PUNT_WRONG_LABEL,	/* Another cluster's. */
	PUNT_FORGED,		/* No key of the keyring opens it. */
	PUNT_FORGED_SENDER,	/* Opened, but it names another sender. */
	PUNT_REPLAYED,		/* Seen before, or too old. */
	PUNT_WRONG_PROTO,	/* Authentic, of no protocol we run. */
	PUNT_RAFT,		/* A Raft envelope (raft_env.h). */
	PUNT_VERDICT_MAX
};

/*
 * Open the datagram at in (len bytes) into body (cap bytes, at least
 * SEAL_BODY_MAX). On PUNT_SWIM the membership message is body[0 ..
 * *body_len), on PUNT_RAFT the Raft envelope; *sender is the node whose
 * key sealed it. A body too short to name a sender is passed on: the
 * membership or Raft decoder refuses it and counts it as bad.
 */
enum punt_verdict punt_open(struct seal *seal, const uint8_t *in,
		size_t len, uint8_t *body, size_t cap, size_t *body_len,
		uint32_t *sender);

/*
 * Whether a body may travel unbound (sealed with the cluster key alone)
 * when node credentials are on: a membership PING with target 0, the
 * join a node sends to a seed whose id it does not know yet.
 */
bool punt_unbound_allowed(uint8_t proto, const uint8_t *body, size_t len);

const char *punt_verdict_name(enum punt_verdict v);

#endif /* RUMOR_CONTROL_PUNT_H */
