/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane end of the control link (include/rumor/link_proto.h): a
 * Unix socket served by the control thread, through which one
 * rumor-control at a time learns this node's state and member table,
 * receives the CONTROL datagrams the lcores punt, sends datagrams, and
 * publishes new member tables. Every function runs on the control thread.
 */
#ifndef RUMOR_LINK_H
#define RUMOR_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "rumor/config.h"

/*
 * Listen at dp.cfg.control_socket, replacing a stale socket file. On
 * failure prints why to stderr and returns -1.
 */
int link_init(void);

/*
 * Wait up to timeout_ms (0: do not wait) for the sockets, then accept a
 * connection and read the client's messages if there are any.
 */
void link_poll(int timeout_ms);

/* Pass punted CONTROL frames to the client; returns how many were taken. */
unsigned link_punts(void);

/* Timers: held SEND frames, and a connection that never said HELLO. */
void link_timer(uint64_t now);

/* Close the sockets, remove the socket file, free what is held. */
void link_close(void);

/* True once rumor-control has published a member table. */
bool link_table_in_force(void);

/*
 * For a reload while a table from rumor-control is in force: give c (a
 * configuration without members) the members of that table, with the
 * static MACs of the file's member lines (file, n_file, sorted by id).
 * 0, or -1 without memory.
 */
int link_keep_members(struct rumor_config *c,
		const struct config_member *file, uint32_t n_file);

/*
 * After dp.cfg changed: remember the static MACs of the member lines of
 * the configuration file (file, n_file, sorted by id; NULL keeps those
 * remembered), and index the static MACs of dp.cfg by address for SEND.
 */
void link_config_changed(const struct config_member *file, uint32_t n_file);

#endif /* RUMOR_LINK_H */
