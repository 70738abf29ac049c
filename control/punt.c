/* SPDX-License-Identifier: BSD-3-Clause */
/* Opening punted control datagrams (punt.h). */
#include <string.h>

#include "rumor/bytes.h"
#include "rumor/raft_wire.h"
#include "rumor/swim_wire.h"
#include "rumor/punt.h"
#include "rumor/raft_env.h"

static const char *const punt_verdict_names[PUNT_VERDICT_MAX] = {
	[PUNT_SWIM] = "swim",
	[PUNT_MALFORMED] = "malformed",
	[PUNT_WRONG_LABEL] = "wrong_label",
	[PUNT_FORGED] = "forged",
	[PUNT_FORGED_SENDER] = "forged_sender",
	[PUNT_REPLAYED] = "replayed",
	[PUNT_WRONG_PROTO] = "wrong_proto",
	[PUNT_RAFT] = "raft",
};

enum punt_verdict
punt_open(struct seal *seal, const uint8_t *in, size_t len, uint8_t *body,
		size_t cap, size_t *body_len, uint32_t *sender)
{
	uint8_t proto;

	*body_len = 0;
	*sender = 0;
	switch (seal_open(seal, in, len, &proto, sender, body, cap,
			body_len)) {
	case SEAL_OK:
		break;
	case SEAL_WRONG_LABEL:
		return PUNT_WRONG_LABEL;
	case SEAL_FORGED:
	case SEAL_UNKNOWN_SENDER:
	case SEAL_WRONG_RECEIVER:
		return PUNT_FORGED;
	case SEAL_REPLAYED:
	case SEAL_FUTURE_BOOT:
		return PUNT_REPLAYED;
	default:
		return PUNT_MALFORMED;
	}
	/*
	 * With node credentials, a message sealed with the cluster key
	 * alone proves only that a member sent it, not which: it may be a
	 * join and nothing else, and what it says of any node (the joiner
	 * included) is dropped.
	 */
	if (seal_has_creds(seal) && !seal_opened_bound(seal)) {
		if (!punt_unbound_allowed(proto, body, *body_len))
			return PUNT_FORGED_SENDER;
		if (rumor_get32(body + 4) != *sender)
			return PUNT_FORGED_SENDER;
		body[1] = 0;
		*body_len = SWIM_HDR_LEN;
		return PUNT_SWIM;
	}
	if (proto == SEAL_P_RAFT) {
		/* A Raft message names its sender at bytes 4..7 as well. */
		if (*body_len >= RAFT_ENV_HDR_LEN + RAFT_HDR_LEN &&
				body[0] == RAFT_ENV_MSG &&
				rumor_get32(body + RAFT_ENV_HDR_LEN + 4) !=
				*sender)
			return PUNT_FORGED_SENDER;
		return PUNT_RAFT;
	}
	if (proto != SEAL_P_SWIM)
		return PUNT_WRONG_PROTO;
	/*
	 * The membership believes the sender named inside (bytes 4..7,
	 * network order); it must be the one in the seal's header. That
	 * header sender is proven only with node credentials (the pair key
	 * opens for it alone); without them any holder of the cluster key
	 * can write any id there (docs/control.md, "Sender-bound sealing").
	 */
	if (*body_len >= SWIM_HDR_LEN && rumor_get32(body + 4) != *sender)
		return PUNT_FORGED_SENDER;
	return PUNT_SWIM;
}

bool
punt_unbound_allowed(uint8_t proto, const uint8_t *body, size_t len)
{
	return proto == SEAL_P_SWIM && len >= SWIM_HDR_LEN &&
			body[0] == SWIM_PING && rumor_get32(body + 12) == 0;
}

const char *
punt_verdict_name(enum punt_verdict v)
{
	return (unsigned)v < PUNT_VERDICT_MAX ? punt_verdict_names[v] : "?";
}
