/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumorctl: the operator's command line for a rumor node. It asks the
 * node's rumor-control on its admin socket (admin.h) and prints the
 * reply as it comes: a member table, or "control.NAME VALUE" and
 * "dataplane.NAME VALUE" lines. "rumorctl keygen" makes a cluster key
 * and "rumorctl cred ..." node credentials (cred_cmd.c); they need no
 * node.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rumor/cli_args.h"
#include "rumor/clock.h"
#include "rumor/config.h"
#include "rumor/seal.h"
#include "rumor/admin_req.h"
#include "cred_cmd.h"

#define RUMORCTL_TIMEOUT_MS 5000

static const struct option rumorctl_options[] = {
	CLI_ARGS_OPT("config", 'c'),
	CLI_ARGS_OPT("socket", 's'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumorctl [--config FILE | --socket PATH] COMMAND [ARGS]\n"
"       rumorctl keygen\n"
"       rumorctl cred COMMAND OPTIONS\n"
"\n"
"Asks a node's rumor-control on its admin socket: the admin_socket of\n"
"the node configuration FILE, or PATH.\n"
"\n"
"commands:\n"
"  members   the members this node knows: id, address, state (alive,\n"
"            suspect, dead, left), incarnation, zone, weight, and time\n"
"            since the last change of state; this node is marked\n"
"  stats     counters: control.NAME VALUE lines from rumor-control and\n"
"            dataplane.NAME VALUE lines from rumor-dataplane\n"
"  raft      Raft on ring epochs: role, term, leader, commit index, the\n"
"            last committed epoch and its members, the snapshot, storage\n"
"            state\n"
"  raft snapshot\n"
"            take a snapshot of the last committed epoch now and compact\n"
"            the log behind it (rumor-control also does so every 1,000\n"
"            applied entries)\n"
"  raft add-voter ID\n"
"            make learner ID (a live member that holds every committed\n"
"            entry) a voter; ask the leader\n"
"  raft remove-voter ID\n"
"            make voter ID a learner; at least 3 voters remain. One\n"
"            change at a time; the reply comes once it is committed.\n"
"            The change is Raft's durable state: the voter lines of the\n"
"            configuration keep naming the founding voters\n"
"  keygen    print a new random cluster key (64 hex digits) for a\n"
"            keyring file; keep that file mode 0600\n"
"\n"
"node credentials (files only, no node needed):\n");
	cred_usage(f);
	fprintf(f,
"\n"
"options:\n"
"  -c, --config FILE   node configuration (docs/configuration.md)\n"
"  -s, --socket PATH   admin socket of rumor-control\n"
"  -h, --help          this text\n"
"\n"
"exit status: 0 on success, 1 if the node cannot be reached or refuses,\n"
"2 for a bad command line.\n");
}

static int
keygen(void)
{
	char hex[2 * SEAL_KEY_LEN + 1];

	if (seal_key_generate(hex) < 0) {
		fprintf(stderr, "rumorctl: cannot generate a key "
				"(libsodium)\n");
		return 1;
	}
	printf("%s\n", hex);
	return 0;
}

/* Send cmd to the admin socket at path and print the reply. */
static int
ask(const char *path, const char *cmd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char buf[65536];
	uint64_t deadline = rumor_now_ms() + RUMORCTL_TIMEOUT_MS;
	bool first = true, error = false;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "rumorctl: %s: path too long for a socket\n",
				path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "rumorctl: socket: %s\n", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "rumorctl: cannot reach rumor-control at %s: "
				"%s (is the node running?)\n", path,
				strerror(errno));
		close(fd);
		return 1;
	}
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "rumorctl: %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	/* Packets of text until an empty one. */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = rumor_now_ms();
		ssize_t n;
		int r;

		r = now < deadline ? poll(&p, 1, (int)(deadline - now)) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "rumorctl: %s: %s\n", path, r == 0 ?
					"no complete reply within 5 s" :
					strerror(errno));
			close(fd);
			return 1;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "rumorctl: %s: %s\n", path,
					strerror(errno));
			close(fd);
			return 1;
		}
		if (n == 0)
			break;
		if (first && n >= 7 && memcmp(buf, "error: ", 7) == 0) {
			error = true;
			fputs("rumorctl: ", stderr);
			fwrite(buf + 7, 1, (size_t)n - 7, stderr);
		} else {
			fwrite(buf, 1, (size_t)n, error ? stderr : stdout);
		}
		first = false;
	}
	close(fd);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "rumorctl: writing the reply: %s\n",
				strerror(errno));
		return 1;
	}
	return error ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *sock = NULL;
	char path[CONFIG_PATH_MAX], cmd[ADMIN_REQ_MAX + 1];
	struct admin_req req;
	size_t off = 0;
	int c;

	while ((c = cli_args_next(argc, argv, "+c:s:h", rumorctl_options,
			usage)) != -1) {
		if (c == 'c')
			conf = optarg;
		else
			sock = optarg;
	}
	if (optind == argc) {
		fprintf(stderr, "rumorctl: a command is required\n");
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "keygen") == 0) {
		if (optind + 1 != argc) {
			fprintf(stderr, "rumorctl: keygen takes no "
					"arguments\n");
			return 2;
		}
		return keygen();
	}
	if (strcmp(argv[optind], "cred") == 0)
		return cred_main(argc - optind, argv + optind);
	/* The words, one request: checked here, sent as they are. */
	cmd[0] = '\0';
	for (int i = optind; i < argc; i++) {
		int w = snprintf(cmd + off, sizeof(cmd) - off, "%s%s",
				i > optind ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(cmd) - off) {
			fprintf(stderr, "rumorctl: command too long\n");
			return 2;
		}
		off += (size_t)w;
	}
	switch (admin_req_parse(cmd, off, &req)) {
	case ADMIN_REQ_OK:
		break;
	case ADMIN_REQ_ARGS:
		if (admin_cmd_bare(req.meant) || req.meant == ADMIN_CMD_RAFT)
			fprintf(stderr, "rumorctl: '%s': unknown or extra "
					"arguments (commands: %s, keygen, cred)\n",
					cmd, ADMIN_COMMANDS);
		else
			fprintf(stderr, "rumorctl: usage: rumorctl %s\n",
					admin_cmd_usage(req.meant));
		return 2;
	default:
		fprintf(stderr, "rumorctl: unknown command '%s' (%s, "
				"keygen, cred)\n", cmd, ADMIN_COMMANDS);
		return 2;
	}
	if ((conf == NULL) == (sock == NULL)) {
		fprintf(stderr, "rumorctl: give either --config FILE or "
				"--socket PATH\n");
		return 2;
	}
	if (conf != NULL) {
		struct rumor_config cfg;
		char err[CONFIG_ERR_MAX];

		memset(&cfg, 0, sizeof(cfg));
		if (config_load(conf, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "rumorctl: %s\n", err);
			return 1;
		}
		snprintf(path, sizeof(path), "%s", cfg.admin_socket);
		config_free(&cfg);
		sock = path;
	}
	return ask(sock, cmd);
}
