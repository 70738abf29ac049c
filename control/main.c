/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumor-control: the membership process of a rumor node. It reads the
 * node's configuration, the cluster keys and the node's credentials
 * (creds.c), takes its boot number (boot.c), then runs the node loop
 * (node.c) against the dataplane's control socket until SIGTERM or
 * SIGINT, when it leaves the cluster gracefully; SIGHUP reads the keys
 * again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "rumor/cli_args.h"
#include "rumor/config.h"
#include "rumor/seal.h"
#include "rumor/log.h"
#include "rumor/boot.h"
#include "creds.h"
#include "node.h"

static const struct option control_options[] = {
	CLI_ARGS_OPT("config", 'c'),
	CLI_ARGS_OPT("log-level", 'l'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: rumor-control --config FILE [--log-level LEVEL]\n"
"\n"
"Runs the membership (SWIM with Lifeguard) of the rumor node that FILE\n"
"describes. It attaches to that node's rumor-dataplane through the\n"
"control socket (waiting and retrying while the dataplane is not there),\n"
"joins the cluster through the configured seeds and the dataplane's\n"
"members, keeps the dataplane's member table up to date, and answers\n"
"rumorctl on the admin socket.\n"
"\n"
"options:\n"
"  -c, --config FILE      node configuration (docs/configuration.md); it\n"
"                         must name a keyring\n"
"  -l, --log-level LEVEL  error, warning, info (default) or debug\n"
"  -h, --help             this text\n"
"\n"
"signals: SIGTERM and SIGINT leave the cluster gracefully and exit (a\n"
"second one exits at once); SIGHUP reads the keyring, node_key and\n"
"roster again. Logs go to stderr.\n");
}

/*
 * Where the last boot number is kept: raft_dir/boot, else beside the
 * node key; "" (wall clock only) for a development node with neither.
 */
static void
boot_path(const struct rumor_config *cfg, char *out, size_t len)
{
	out[0] = '\0';
	if (cfg->raft_dir[0] != '\0')
		snprintf(out, len, "%s/boot", cfg->raft_dir);
	else if (cfg->node_key[0] != '\0')
		snprintf(out, len, "%s.boot", cfg->node_key);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	struct rumor_config cfg;
	struct seal_keyring keys;
	struct swim_params params;
	struct seal *seal;
	struct creds *creds;
	struct timespec ts;
	char err[CONFIG_ERR_MAX + 256], bpath[sizeof(cfg.raft_dir) + 8];
	uint64_t boot;
	int c, lvl, status;

	while ((c = cli_args_next(argc, argv, "c:l:h", control_options,
			usage)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'l':
			lvl = log_level_parse(optarg);
			if (lvl < 0) {
				fprintf(stderr, "rumor-control: --log-level: "
						"expected error, warning, info "
						"or debug, got '%s'\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rumor-control: unexpected argument '%s'\n",
				argv[optind]);
		usage(stderr);
		return 2;
	}
	if (path == NULL) {
		fprintf(stderr, "rumor-control: --config FILE is required\n");
		usage(stderr);
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-control: %s\n", err);
		return 1;
	}
	if (cfg.keyring[0] == '\0') {
		fprintf(stderr, "rumor-control: %s: field 'keyring': required: "
				"control messages are always sealed (rumorctl "
				"keygen makes a key)\n", path);
		config_free(&cfg);
		return 1;
	}
	if (seal_keyring_load(cfg.keyring, &keys, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-control: %s: field 'keyring': %s\n",
				path, err);
		config_free(&cfg);
		return 1;
	}
	if (node_params(&cfg, path, &params, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-control: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	/*
	 * The boot number grows from one start to the next, so no (boot,
	 * counter) nonce is ever reused: wall-clock microseconds, but never
	 * less than the last boot + 1 (boot.c), so that a clock set back
	 * cannot make this node's messages look old.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	boot = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	boot_path(&cfg, bpath, sizeof(bpath));
	/* raft_dir is created if missing (raft_log.c does so too). */
	if (cfg.raft_dir[0] != '\0')
		(void)mkdir(cfg.raft_dir, 0700);
	if (bpath[0] != '\0' && boot_next(bpath, boot, &boot, err,
			sizeof(err)) < 0) {
		fprintf(stderr, "rumor-control: boot number: %s\n", err);
		sodium_memzero(&keys, sizeof(keys));
		config_free(&cfg);
		return 1;
	}
	seal = seal_new(&keys, cfg.label, cfg.node_id, boot);
	sodium_memzero(&keys, sizeof(keys));
	creds = creds_new();
	if (seal == NULL || creds == NULL) {
		fprintf(stderr, "rumor-control: cannot set up the sealed "
				"envelope (libsodium)\n");
		seal_free(seal);
		config_free(&cfg);
		return 1;
	}
	if (creds_apply(creds, &cfg, path, seal, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumor-control: %s\n", err);
		creds_free(creds);
		seal_free(seal);
		config_free(&cfg);
		return 1;
	}
	if (!creds_configured(&cfg))
		log_warning("no node credentials (node_key, roster): any "
				"holder of the cluster key can speak for any "
				"node; development only");
	log_info("rumor-control for node %u (%s), cluster label '%s', "
			"probe every %u ms", cfg.node_id, path, cfg.label,
			params.probe_interval_ms);
	status = node_run(&cfg, path, seal, creds, &params);
	creds_free(creds);
	seal_free(seal);
	config_free(&cfg);
	return status;
}
