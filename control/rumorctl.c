/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumorctl: the operator's command line for a rumor node. It asks the
 * node's rumor-control on its admin socket (admin.h) and prints the
 * reply as it comes: a member table, or "control.NAME VALUE" and
 * "dataplane.NAME VALUE" lines. "rumorctl keygen" makes a cluster key
 * and needs no node; nor do "rumorctl token", which makes the cluster's
 * token key pair and issues client tokens (docs/clients.md), and
 * "rumorctl cred ...", which issues node credentials (cred_cmd.c).
 */
#include <errno.h>
#include <fcntl.h>
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
#include "rumor/token.h"

#include <sodium.h>
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
"       rumorctl token keygen [--dir DIR]\n"
"       rumorctl token issue --key FILE --client ID --ttl SECONDS\n"
"                            --allow OPS:PATTERN [--allow ...]\n"
"       rumorctl token show [--pub FILE] TOKEN\n"
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
"  token keygen\n"
"            write the cluster's client-token key pair: DIR/token.key\n"
"            (secret, mode 0600) and DIR/token.pub (the nodes' token_pub);\n"
"            DIR is . by default; existing files are not overwritten\n"
"  token issue\n"
"            print a client token signed by the secret key FILE, for\n"
"            client ID (1 .. 2^64-1), valid from now for SECONDS, with\n"
"            up to 16 capabilities OPS:PATTERN: OPS is sub, pub or\n"
"            sub,pub; PATTERN a channel name, or a prefix ending in '*'\n"
"            ('*' alone: every channel). Example:\n"
"            --allow 'sub,pub:chat.*' --allow 'sub:@alerts'\n"
"  token show\n"
"            print what TOKEN says; with --pub, whether it verifies\n"
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

/* Write len bytes of key as hex and a newline to path, made with mode. */
static int
token_key_write(const char *path, const uint8_t *key, size_t len,
		mode_t mode)
{
	char hex[2 * TOKEN_SK_LEN + 2];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	size_t n;
	int rc = 0;

	if (fd < 0) {
		fprintf(stderr, "rumorctl: %s: %s%s\n", path, strerror(errno),
				errno == EEXIST ? " (not overwritten)" : "");
		return -1;
	}
	sodium_bin2hex(hex, sizeof(hex), key, len);
	n = strlen(hex);
	hex[n++] = '\n';
	if (write(fd, hex, n) != (ssize_t)n || fsync(fd) != 0) {
		fprintf(stderr, "rumorctl: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	sodium_memzero(hex, sizeof(hex));
	close(fd);
	return rc;
}

static const struct option token_options[] = {
	CLI_ARGS_OPT("dir", 'd'),
	CLI_ARGS_OPT("key", 'k'),
	CLI_ARGS_OPT("client", 'i'),
	CLI_ARGS_OPT("ttl", 't'),
	CLI_ARGS_OPT("allow", 'a'),
	CLI_ARGS_OPT("pub", 'p'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

/* rumorctl token keygen: the token key pair, in two files. */
static int
token_keygen(const char *dir)
{
	uint8_t pk[TOKEN_PK_LEN], sk[TOKEN_SK_LEN];
	char kpath[CONFIG_PATH_MAX], ppath[CONFIG_PATH_MAX];
	int rc = 1;

	if ((size_t)snprintf(kpath, sizeof(kpath), "%s/token.key", dir) >=
			sizeof(kpath) || (size_t)snprintf(ppath, sizeof(ppath),
			"%s/token.pub", dir) >= sizeof(ppath)) {
		fprintf(stderr, "rumorctl: %s: path too long\n", dir);
		return 2;
	}
	if (sodium_init() < 0 || crypto_sign_keypair(pk, sk) != 0) {
		fprintf(stderr, "rumorctl: cannot generate a key "
				"(libsodium)\n");
		return 1;
	}
	if (token_key_write(kpath, sk, sizeof(sk), 0600) == 0) {
		if (token_key_write(ppath, pk, sizeof(pk), 0644) == 0) {
			printf("%s\n%s\n", kpath, ppath);
			rc = 0;
		} else {
			unlink(kpath);
		}
	}
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

/* rumorctl token issue: a signed token on stdout. */
static int
token_issue(const char *key, uint64_t client, uint64_t ttl,
		const struct token *caps)
{
	uint8_t sk[TOKEN_SK_LEN], bin[TOKEN_LEN_MAX];
	char text[TOKEN_TEXT_MAX], err[256];
	struct token t = *caps;
	size_t n;

	if (token_key_read(key, sk, sizeof(sk), err, sizeof(err)) < 0) {
		fprintf(stderr, "rumorctl: %s\n", err);
		return 1;
	}
	t.client_id = client;
	t.not_before = (uint64_t)time(NULL);
	t.not_after = t.not_before + ttl;
	n = sodium_init() < 0 ? 0 : token_sign(&t, sk, bin, sizeof(bin));
	sodium_memzero(sk, sizeof(sk));
	if (n == 0) {
		fprintf(stderr, "rumorctl: the token does not fit %u bytes: "
				"fewer or shorter patterns\n", TOKEN_LEN_MAX);
		return 1;
	}
	token_to_text(bin, n, text, sizeof(text));
	printf("%s\n", text);
	return 0;
}

/* rumorctl token show: the fields of a token, verified with pub. */
static int
token_show(const char *pub, const char *text)
{
	uint8_t pk[TOKEN_PK_LEN], bin[TOKEN_LEN_MAX];
	char err[256];
	struct token t;
	enum token_error e;
	size_t n = token_from_text(text, bin, sizeof(bin));

	if (n == 0) {
		fprintf(stderr, "rumorctl: not a token (base64url of at most "
				"%u bytes)\n", TOKEN_LEN_MAX);
		return 1;
	}
	if (pub != NULL && token_key_read(pub, pk, sizeof(pk), err,
			sizeof(err)) < 0) {
		fprintf(stderr, "rumorctl: %s\n", err);
		return 1;
	}
	e = pub != NULL ? token_verify(bin, n, pk, (uint64_t)time(NULL), &t) :
			token_decode(bin, n, &t);
	if (e != TOKEN_OK && e != TOKEN_E_EXPIRED && e != TOKEN_E_NOT_YET) {
		fprintf(stderr, "rumorctl: token refused: %s\n",
				token_error_name(e));
		return 1;
	}
	printf("client %llu\nnot_before %llu\nnot_after %llu\n",
			(unsigned long long)t.client_id,
			(unsigned long long)t.not_before,
			(unsigned long long)t.not_after);
	for (uint32_t i = 0; i < t.n_caps; i++)
		printf("allow %s%s%s:%s\n",
				t.cap[i].ops & TOKEN_OP_SUB ? "sub" : "",
				t.cap[i].ops == TOKEN_OP_ALL ? "," : "",
				t.cap[i].ops & TOKEN_OP_PUB ? "pub" : "",
				t.cap[i].pattern);
	printf("signature %s\n", pub == NULL ? "not checked" :
			e == TOKEN_OK ? "valid" : token_error_name(e));
	return e == TOKEN_OK || pub == NULL ? 0 : 1;
}

/* rumorctl token SUBCOMMAND [OPTIONS]: argv[0] is SUBCOMMAND. */
static int
token_cmd(int argc, char **argv)
{
	const char *dir = ".", *key = NULL, *pub = NULL, *sub;
	uint64_t client = 0, ttl = 0;
	struct token caps;
	char err[256];
	int c;

	if (argc < 1) {
		fprintf(stderr, "rumorctl: token: keygen, issue or show\n");
		return 2;
	}
	sub = argv[0];
	memset(&caps, 0, sizeof(caps));
	optind = 0;	/* A fresh scan of the subcommand's words. */
	while ((c = cli_args_next(argc, argv, "+h", token_options,
			usage)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'p':
			pub = optarg;
			break;
		case 'i':
			client = cli_args_u64_or_die("rumorctl", "--client",
					optarg, 1, UINT64_MAX);
			break;
		case 't':
			ttl = cli_args_u64_or_die("rumorctl", "--ttl", optarg,
					1, UINT64_MAX / 4);
			break;
		case 'a':
			if (caps.n_caps == TOKEN_CAPS_MAX) {
				fprintf(stderr, "rumorctl: at most %u --allow\n",
						TOKEN_CAPS_MAX);
				return 2;
			}
			if (token_cap_parse(optarg, &caps.cap[caps.n_caps],
					err, sizeof(err)) < 0) {
				fprintf(stderr, "rumorctl: --allow %s\n", err);
				return 2;
			}
			caps.n_caps++;
			break;
		}
	}
	if (strcmp(sub, "keygen") == 0 && optind == argc && key == NULL &&
			client == 0 && ttl == 0 && caps.n_caps == 0 &&
			pub == NULL)
		return token_keygen(dir);
	if (strcmp(sub, "issue") == 0 && optind == argc) {
		if (key == NULL || client == 0 || ttl == 0 ||
				caps.n_caps == 0) {
			fprintf(stderr, "rumorctl: token issue needs --key, "
					"--client, --ttl and at least one "
					"--allow\n");
			return 2;
		}
		return token_issue(key, client, ttl, &caps);
	}
	if (strcmp(sub, "show") == 0 && optind + 1 == argc)
		return token_show(pub, argv[optind]);
	fprintf(stderr, "rumorctl: usage: rumorctl token keygen [--dir DIR] | "
			"issue --key FILE --client ID --ttl SECONDS --allow "
			"OPS:PATTERN ... | show [--pub FILE] TOKEN\n");
	return 2;
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
	if (strcmp(argv[optind], "token") == 0)
		return token_cmd(argc - optind - 1, argv + optind + 1);
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
