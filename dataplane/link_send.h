/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SEND, the datagrams rumor-control sends through the control link
 * (link_send.c): each leaves this node as an Ethernet/IPv4/UDP frame once
 * its destination's MAC is known. Every function runs on the control
 * thread.
 */
#ifndef RUMOR_LINK_SEND_H
#define RUMOR_LINK_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/link_proto.h"

/* An empty hold queue (after the options are known). */
void link_send_init(void);

/*
 * Send d: now, or once ARP has found its destination. True if there is
 * something to warn about, written to warn (len bytes).
 */
bool link_send_dgram(const struct link_datagram *d, char *warn, size_t len);

/* Timer: release the held frames now resolved, drop those too late. */
void link_send_timer(uint64_t now);

/* Drop the held frames (at a stop). */
void link_send_free(void);

#endif /* RUMOR_LINK_SEND_H */
