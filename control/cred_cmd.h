/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "rumorctl cred ...": the operator's commands for node credentials
 * (include/rumor/node_keys.h). They edit files only and need no node.
 */
#ifndef RUMOR_CRED_CMD_H
#define RUMOR_CRED_CMD_H

#include <stdio.h>

/* The lines of rumorctl's help that name the cred commands. */
void cred_usage(FILE *f);

/*
 * Run "cred SUBCOMMAND [OPTIONS]": argv[0] is "cred". Returns the exit
 * status: 0 done, 1 refused or failed, 2 bad command line.
 */
int cred_main(int argc, char **argv);

#endif /* RUMOR_CRED_CMD_H */
