/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control's node: one poll() loop that wires the SWIM state machine
 * (swim.h), and Raft on ring epochs when voters are configured (raft.h),
 * to the control link (link_client.h), the sealed envelope (seal.h) and
 * the admin socket (admin.h), keeps the dataplane's member table in step
 * with the membership or the committed epoch, and leaves the cluster
 * gracefully on SIGTERM or SIGINT. main.c's whole view of the node; the
 * files that make it up share node_int.h.
 */
#ifndef RUMOR_CONTROL_NODE_H
#define RUMOR_CONTROL_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "rumor/config.h"
#include "rumor/seal.h"
#include "rumor/swim.h"

struct creds;

/*
 * The membership timing of cfg: swim_params_default() with the
 * configuration's non-zero keys in force. A probe timeout left unset
 * becomes half the probe interval when the default would not fit in it.
 * -1 with a message in err when the result is inconsistent.
 */
int node_params(const struct rumor_config *cfg, const char *name,
		struct swim_params *p, char *err, size_t errlen);

/*
 * Run the node until it is told to stop: cfg is the parsed configuration
 * (from the file name), seal the node's sealer and creds its keys (both
 * owned by the caller; SIGHUP reads the keys again into seal), p the
 * membership timing. Returns the process exit status.
 */
int node_run(const struct rumor_config *cfg, const char *name,
		struct seal *seal, struct creds *creds,
		const struct swim_params *p);

#endif /* RUMOR_CONTROL_NODE_H */
