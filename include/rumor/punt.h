/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What rumor-control makes of a control datagram its dataplane punted:
 * the sealed envelope is opened (seal.h), and the membership or Raft
 * message inside must name as its sender the node whose key sealed it.
 * One verdict per datagram, so that each is counted once.
 */
#ifndef RUMOR_CONTROL_PUNT_H
#define RUMOR_CONTROL_PUNT_H

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

const char *punt_verdict_name(enum punt_verdict v);

#endif /* RUMOR_CONTROL_PUNT_H */
