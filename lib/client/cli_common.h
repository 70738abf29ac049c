/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the commands of rumor share (cli_common.c): the exit statuses,
 * the options and their parsing, the client opened on them, the signals
 * that stop a command, and the messages of a failure. Calls go one way:
 * main (rumor_cli.c) calls a command (rumor_sub.c, rumor_pub.c,
 * rumor_bench.c), a command calls cli_common.c, and cli_common.c calls
 * none of them. Nothing outside the rumor command includes this header.
 */
#ifndef RUMOR_CLIENT_CLI_COMMON_H
#define RUMOR_CLIENT_CLI_COMMON_H

#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rumor/client.h"
#include "rumor/repl_wire.h"

#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/*
 * The options of the commands; each command's table says which it
 * takes, and sets the defaults of its own before they are read.
 */
struct cli_common {
	const char *node_arg;
	struct sockaddr_in node;
	struct sockaddr_in bind;
	bool have_bind;
	struct client_opts opts;	/* --lease in opts.lease_ms. */
	uint64_t count;			/* --count; 0 if not given. */
	uint64_t rate;			/* --rate. */
	uint64_t channels;		/* --channels. */
	uint64_t size;			/* --size. */
	double timeout;			/* --timeout; 0 if not given. */
	double duration;		/* --duration; 0 if not given. */
	bool quiet;			/* --quiet. */
	const char *token;		/* --token: TEXT or @FILE. */
	enum repl_level ack;		/* --ack; NONE if not given. */
	uint64_t from_stream;		/* --from STREAM:SEQ; 0 if not */
	uint64_t from_seq;		/* given. */
};

/* Set by SIGINT and SIGTERM once cli_signals() has run. */
extern volatile sig_atomic_t cli_stop;

/* cli_common.c (each described there). */
void cli_signals(void);
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_parse(const char *cmd, int argc, char **argv,
		const struct option *options, void (*usage)(FILE *f),
		struct cli_common *co);
struct client *cli_open(const char *cmd, struct cli_common *co);
int cli_node_error(const char *cmd, const struct cli_common *co, int err);
int cli_channel(const char *cmd, const char *name);
void cli_print_gap(const char *cmd, const struct client_event *ev);

/*
 * The commands, each in its own file: argv[0] is the command's name,
 * the rest its options and arguments. They return the exit status.
 */
int cmd_sub(int argc, char **argv);	/* rumor_sub.c */
int cmd_pub(int argc, char **argv);	/* rumor_pub.c */
int cmd_bench(int argc, char **argv);	/* rumor_bench.c */

/* rumor bench --ack: co parsed and checked (rumor_bench_ack.c). */
int bench_acked(struct cli_common *co);

#endif /* RUMOR_CLIENT_CLI_COMMON_H */
