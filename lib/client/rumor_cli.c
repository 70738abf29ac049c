/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor: the client command. `rumor sub` subscribes to channels and
 * prints what is delivered, `rumor pub` publishes, `rumor bench`
 * publishes while subscribed and measures delivered rate and latency.
 * Each talks to one node through the client library (rumor/client.h).
 * This file picks the command; each is in its own file (rumor_sub.c,
 * rumor_pub.c, rumor_bench.c), and what they share in cli_common.c.
 *
 * Exit status: 0 done, 1 the node failed us (no answer, refused,
 * nothing listening, an acknowledged publish refused or lost), 2 a bad
 * command line.
 */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor COMMAND [options]\n"
"Publish to and subscribe to rumor channels through a node.\n"
"  sub    subscribe to channels and print what is delivered\n"
"  pub    publish a message, or many\n"
"  bench  publish while subscribed: delivered rate and latency\n"
"rumor COMMAND --help describes each. A channel whose name starts with\n"
"@ is a broadcast channel: every node gets its messages, unordered.\n");
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
			strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "sub") == 0)
		return cmd_sub(argc - 1, argv + 1);
	if (strcmp(cmd, "pub") == 0)
		return cmd_pub(argc - 1, argv + 1);
	if (strcmp(cmd, "bench") == 0)
		return cmd_bench(argc - 1, argv + 1);
	fprintf(stderr, "rumor: unknown command '%s'\n", cmd);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
