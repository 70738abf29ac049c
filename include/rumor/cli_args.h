/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command-line arguments as every rumor command and tool reads them:
 * options with --help, an unsigned number in a range, seconds with a
 * fraction, an IPv4 address with a port. Each parser takes the whole
 * string or refuses it (-1); the _or_die forms print "PROG: OPTION: ..."
 * on stderr and exit 2, the status of a bad command line.
 */
#ifndef RUMOR_CLI_ARGS_H
#define RUMOR_CLI_ARGS_H

#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

/* Entries of a getopt_long table. */
#define CLI_ARGS_OPT(name, c) { name, required_argument, NULL, c }
#define CLI_ARGS_FLAG(name, c) { name, no_argument, NULL, c }
#define CLI_ARGS_HELP { "help", no_argument, NULL, 'h' }
#define CLI_ARGS_END { NULL, 0, NULL, 0 }

/*
 * getopt_long for a program whose usage(f) prints its help: -h and
 * --help print it on stdout and exit 0; an unknown option or a missing
 * argument prints it on stderr and exits 2. Returns the next other
 * option, or -1 at the end of the options.
 */
int cli_args_next(int argc, char **argv, const char *shortopts,
		const struct option *longopts, void (*usage)(FILE *f));

/* Decimal digits only, lo <= value <= hi. */
int cli_args_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* Seconds, "2" or "0.5": above 0, at most max. */
int cli_args_seconds(const char *s, double max, double *out);

/* "A.B.C.D:PORT", PORT 1 to 65535; out in network byte order. */
int cli_args_addr(const char *s, struct sockaddr_in *out);

uint64_t cli_args_u64_or_die(const char *prog, const char *opt,
		const char *s, uint64_t lo, uint64_t hi);
double cli_args_seconds_or_die(const char *prog, const char *opt,
		const char *s, double max);
void cli_args_addr_or_die(const char *prog, const char *opt, const char *s,
		struct sockaddr_in *out);

#endif /* RUMOR_CLI_ARGS_H */
