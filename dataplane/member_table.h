/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The members in force and where their MACs come from (member_table.c):
 * the member TABLE rumor-control publishes through the control link,
 * checked and applied as a new configuration, and the static MACs of the
 * configuration (by node id from the file's member lines, by address from
 * dp.cfg). Every function runs on the control thread.
 */
#ifndef RUMOR_MEMBER_TABLE_H
#define RUMOR_MEMBER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/config.h"
#include "rumor/link_proto.h"

/*
 * One TABLE chunk; a table whose last chunk this is gets checked and
 * published. True if there is something to warn about, written to warn
 * (len bytes).
 */
bool member_table_feed(const struct link_table *t, char *warn, size_t len);

/* Forget a table still arriving in chunks (its client is gone). */
void member_table_drop_partial(void);

/* True once rumor-control has published a member table. */
bool member_table_in_force(void);

/*
 * For a reload while a table from rumor-control is in force: give c (a
 * configuration without members) the members of that table, with the
 * static MACs of the file's member lines (file, n_file, sorted by id).
 * 0, or -1 without memory.
 */
int member_table_keep(struct rumor_config *c,
		const struct config_member *file, uint32_t n_file);

/*
 * After dp.cfg changed: remember the static MACs of the member lines of
 * the configuration file (file, n_file, sorted by id; NULL keeps those
 * remembered), and index the static MACs of dp.cfg by address.
 */
void member_table_config_changed(const struct config_member *file,
		uint32_t n_file);

/* The static MAC of a member or the sink of dp.cfg at ip: 1, or 0. */
int member_table_static_mac(uint32_t ip, uint8_t mac[6]);

/* Free the table and the MAC indexes. */
void member_table_free(void);

#endif /* RUMOR_MEMBER_TABLE_H */
