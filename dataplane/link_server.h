/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane end of the control link (include/rumor/link_proto.h): a
 * Unix socket served by the control thread (link_server.c), through which
 * one rumor-control at a time learns this node's state and member table,
 * receives the CONTROL datagrams the lcores punt, sends datagrams
 * (link_send.c), and publishes new member tables (member_table.c). Every
 * function runs on the control thread.
 */
#ifndef RUMOR_LINK_SERVER_H
#define RUMOR_LINK_SERVER_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Listen at dp.cfg.control_socket, replacing a stale socket file. On
 * failure prints why to stderr and returns -1.
 */
int link_server_init(void);

/*
 * Wait up to timeout_ms (0: do not wait) for the sockets, then accept a
 * connection and read the client's messages if there are any.
 */
void link_server_poll(int timeout_ms);

/* Pass punted CONTROL frames to the client; returns how many were taken. */
unsigned link_server_punts(void);

/* Timer: a connection that never said HELLO. */
void link_server_timer(uint64_t now);

/* Close the sockets and remove the socket file. */
void link_server_close(void);

/*
 * Whether an address can be a member's or a SEND destination: not
 * 0.0.0.0, broadcast, multicast or loopback.
 */
static inline bool
link_ip_usable(uint32_t ip)
{
	const uint32_t h = ntohl(ip);

	return h != 0 && h != 0xffffffffu && (h >> 28) != 0xe &&
			(h >> 24) != 127;
}

/* An address (network order) as text, for a warning. */
static inline const char *
link_ip_str(uint32_t ip, char *buf, size_t len)
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

#endif /* RUMOR_LINK_SERVER_H */
