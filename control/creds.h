/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's keys, read at start and again on SIGHUP: the cluster
 * keyring and, when configured, the node's credentials (node_key and
 * roster, include/rumor/node_keys.h), handed to the sealer (seal.h). A
 * reload that fails leaves the keys in force as they were.
 */
#ifndef RUMOR_CONTROL_CREDS_H
#define RUMOR_CONTROL_CREDS_H

#include <stdbool.h>
#include <stddef.h>

#include "rumor/config.h"
#include "rumor/seal.h"

struct creds;

struct creds *creds_new(void);

/* Wipe the secrets held and free c (NULL is fine). */
void creds_free(struct creds *c);

/*
 * Read the keys that cfg (from the file name) names into seal. Node
 * credentials are all or nothing: node_key and roster both or neither;
 * the key file must be for cfg's node_id. When the node key is another
 * one than before (this node rotates its own key), the one before is
 * kept to open what peers still seal to it while it is in the roster.
 * -1 with a message in err, and nothing changed.
 */
int creds_apply(struct creds *c, const struct rumor_config *cfg,
		const char *name, struct seal *seal, char *err, size_t errlen);

/* Whether node credentials are configured (cfg names both files). */
bool creds_configured(const struct rumor_config *cfg);

#endif /* RUMOR_CONTROL_CREDS_H */
