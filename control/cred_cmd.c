/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rumorctl cred issue | revoke | retire | show (cred_cmd.h): a node's key
 * pair and the roster of public keys. The node key file is created new
 * (never overwritten) with mode 0600 and synced; the roster is replaced
 * whole, through a synced temporary file renamed over it, so a reader
 * (rumor-control on SIGHUP) sees the old roster or the new one, never
 * half of one. One operator edits a roster at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rumor/cli_args.h"
#include "rumor/key_file.h"
#include "rumor/node_keys.h"
#include "cred_cmd.h"

#define CRED_ROSTER_MAX (1u << 20)	/* Bytes, as roster_load takes. */
#define CRED_ERR_MAX 512

static const struct option cred_options[] = {
	CLI_ARGS_OPT("id", 'i'),
	CLI_ARGS_OPT("roster", 'r'),
	CLI_ARGS_OPT("out", 'o'),
	CLI_ARGS_HELP,
	CLI_ARGS_END,
};

void
cred_usage(FILE *f)
{
	fprintf(f,
"  cred issue --id N --roster FILE --out KEYFILE\n"
"            a new key pair for node N: its secret to KEYFILE (created,\n"
"            mode 0600; copy it to node N only, as its node_key) and its\n"
"            public key appended to the roster FILE (created if absent).\n"
"            Issued again for the same id, it rotates: N has two keys\n"
"            until 'cred retire'. Refused when N already has two keys\n"
"  cred retire --id N --roster FILE\n"
"            remove node N's oldest key once its new key is in use\n"
"  cred revoke --id N --roster FILE\n"
"            remove every key of node N: it is no longer a member\n"
"  cred show --roster FILE\n"
"            the nodes of the roster and their keys, oldest first\n"
"  An edited roster takes effect on a node once it is copied there and\n"
"  rumor-control is sent SIGHUP (or restarted)\n");
}

static void
cred_help(FILE *f)
{
	fprintf(f, "usage: rumorctl cred COMMAND OPTIONS\n\ncommands:\n");
	cred_usage(f);
}

/* The text of the roster at path: "" when absent and may_be_new. */
static int
cred_read_roster(const char *path, bool may_be_new, char **text,
		size_t *len, struct roster *r)
{
	char err[CRED_ERR_MAX];

	if (may_be_new && access(path, F_OK) < 0 && errno == ENOENT) {
		*text = calloc(1, 1);
		*len = 0;
		r->n = 0;
		r->node = NULL;
		return *text == NULL ? -1 : 0;
	}
	if (key_file_read(path, CRED_ROSTER_MAX, false, "a roster", text,
			len, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumorctl: %s\n", err);
		return -1;
	}
	if (roster_parse(*text, *len, path, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "rumorctl: %s (the roster is left as it "
				"is)\n", err);
		key_file_free(*text, *len);
		return -1;
	}
	return 0;
}

/* Write all of buf to fd; -1 with errno. */
static int
cred_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sync the directory holding path, so that a rename or a new name lasts. */
static int
cred_sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (copy == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

/* Replace the roster at path by text, mode 0644. */
static int
cred_write_roster(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
			sizeof(tmp)) {
		fprintf(stderr, "rumorctl: %s: path too long\n", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "rumorctl: %s: cannot create a file beside "
				"it: %s\n", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0644) < 0 || cred_write_all(fd, text, len) < 0 ||
			fsync(fd) < 0) {
		fprintf(stderr, "rumorctl: %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "rumorctl: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (cred_sync_dir(path) < 0) {
		fprintf(stderr, "rumorctl: %s: syncing its directory: %s\n",
				path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Create the node key file at path (never over an existing one). */
static int
cred_write_key(const char *path, const struct node_key *k)
{
	char text[512];
	int n, fd;

	n = node_key_format(k, text, sizeof(text));
	if (n < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			0600);
	if (fd < 0) {
		fprintf(stderr, "rumorctl: %s: %s%s\n", path, strerror(errno),
				errno == EEXIST ? " (a key file is never "
				"overwritten: remove it or choose another "
				"--out)" : "");
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	/* The umask may only have narrowed 0600; make it exactly that. */
	if (fchmod(fd, 0600) < 0 || cred_write_all(fd, text, (size_t)n) < 0 ||
			fsync(fd) < 0) {
		fprintf(stderr, "rumorctl: %s: %s\n", path, strerror(errno));
		sodium_memzero(text, sizeof(text));
		close(fd);
		unlink(path);
		return -1;
	}
	sodium_memzero(text, sizeof(text));
	close(fd);
	if (cred_sync_dir(path) < 0) {
		fprintf(stderr, "rumorctl: %s: syncing its directory: %s\n",
				path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

static int
cred_issue(uint32_t id, const char *roster, const char *out)
{
	const struct roster_node *e;
	struct node_key k;
	struct roster r;
	char *text, *next = NULL, line[160];
	size_t len, next_len;
	int n, rc = 1;

	if (cred_read_roster(roster, true, &text, &len, &r) < 0)
		return 1;
	e = roster_find(&r, id);
	if (e != NULL && e->n >= NODE_ROSTER_KEYS) {
		fprintf(stderr, "rumorctl: node %u already has %u keys in %s: "
				"'cred retire --id %u' its oldest first\n", id,
				e->n, roster, id);
		goto out;
	}
	if (node_key_generate(id, &k) < 0) {
		fprintf(stderr, "rumorctl: cannot generate a key pair "
				"(libsodium)\n");
		goto out;
	}
	n = roster_format_line(id, k.pk, line, sizeof(line));
	next = malloc(len + 1 + (size_t)(n > 0 ? n : 0) + 1);
	if (n < 0 || next == NULL) {
		fprintf(stderr, "rumorctl: out of memory\n");
		goto wipe;
	}
	memcpy(next, text, len);
	next_len = len;
	if (len > 0 && text[len - 1] != '\n')
		next[next_len++] = '\n';
	memcpy(next + next_len, line, (size_t)n);
	next_len += (size_t)n;
	/* The key first: a roster line without its secret would be useless. */
	if (cred_write_key(out, &k) < 0)
		goto wipe;
	if (cred_write_roster(roster, next, next_len) < 0) {
		unlink(out);
		goto wipe;
	}
	printf("node %u: key %u of %u issued; secret in %s, public key in "
			"%s\n", id, e != NULL ? e->n + 1 : 1, NODE_ROSTER_KEYS,
			out, roster);
	rc = 0;
wipe:
	node_key_wipe(&k);
out:
	free(next);
	roster_free(&r);
	key_file_free(text, len);
	return rc;
}

/* revoke (all keys) or retire (the oldest of two). */
static int
cred_remove(uint32_t id, const char *roster, bool oldest_only)
{
	const struct roster_node *e;
	struct roster r;
	char *text, *next = NULL;
	size_t len, next_len;
	int removed, rc = 1;

	if (cred_read_roster(roster, false, &text, &len, &r) < 0)
		return 1;
	e = roster_find(&r, id);
	if (e == NULL) {
		fprintf(stderr, "rumorctl: node %u has no key in %s\n", id,
				roster);
		goto out;
	}
	if (oldest_only && e->n < 2) {
		fprintf(stderr, "rumorctl: node %u has only one key: retire "
				"follows a rotation ('cred issue' again for the "
				"same id); 'cred revoke' removes the node\n",
				id);
		goto out;
	}
	removed = roster_text_remove(text, len, id, oldest_only, &next,
			&next_len);
	if (removed < 0) {
		fprintf(stderr, "rumorctl: out of memory\n");
		goto out;
	}
	if (cred_write_roster(roster, next, next_len) < 0)
		goto out;
	if (oldest_only)
		printf("node %u: oldest key retired; 1 key left in %s\n", id,
				roster);
	else
		printf("node %u: revoked, %d key%s removed from %s\n", id,
				removed, removed == 1 ? "" : "s", roster);
	rc = 0;
out:
	free(next);
	roster_free(&r);
	key_file_free(text, len);
	return rc;
}

static int
cred_show(const char *roster)
{
	struct roster r;
	char *text;
	size_t len;

	if (cred_read_roster(roster, false, &text, &len, &r) < 0)
		return 1;
	printf("nodes %u\n", r.n);
	for (uint32_t i = 0; i < r.n; i++) {
		const struct roster_node *e = &r.node[i];

		printf("node %u keys %u:", e->id, e->n);
		for (uint32_t j = 0; j < e->n; j++) {
			char hex[2 * NODE_PK_LEN + 1];

			sodium_bin2hex(hex, sizeof(hex), e->pk[j],
					NODE_PK_LEN);
			printf(" %s", hex);
		}
		printf("\n");
	}
	roster_free(&r);
	key_file_free(text, len);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
cred_main(int argc, char **argv)
{
	const char *sub, *roster = NULL, *out = NULL;
	uint64_t id = 0;
	bool issue, show;
	int c;

	if (argc < 2) {
		fprintf(stderr, "rumorctl: cred: a command is required\n");
		cred_help(stderr);
		return 2;
	}
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		cred_help(stdout);
		return 0;
	}
	issue = strcmp(sub, "issue") == 0;
	show = strcmp(sub, "show") == 0;
	if (!issue && !show && strcmp(sub, "revoke") != 0 &&
			strcmp(sub, "retire") != 0) {
		fprintf(stderr, "rumorctl: cred: unknown command '%s' (issue, "
				"retire, revoke, show)\n", sub);
		return 2;
	}
	optind = 0;	/* getopt again, over the words after SUBCOMMAND. */
	while ((c = cli_args_next(argc - 1, argv + 1, "i:r:o:h",
			cred_options, cred_help)) != -1) {
		if (c == 'i')
			id = cli_args_u64_or_die("rumorctl", "--id", optarg, 1,
					UINT32_MAX);
		else if (c == 'r')
			roster = optarg;
		else
			out = optarg;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "rumorctl: cred %s: unexpected '%s'\n", sub,
				argv[optind + 1]);
		return 2;
	}
	if (roster == NULL) {
		fprintf(stderr, "rumorctl: cred %s: --roster FILE is "
				"required\n", sub);
		return 2;
	}
	if (show != (id == 0) || (issue != (out != NULL))) {
		fprintf(stderr, "rumorctl: cred %s: %s\n", sub, show ?
				"takes only --roster FILE" : issue ?
				"needs --id N, --roster FILE and --out KEYFILE" :
				"needs --id N and --roster FILE only");
		return 2;
	}
	if (issue)
		return cred_issue((uint32_t)id, roster, out);
	if (show)
		return cred_show(roster);
	return cred_remove((uint32_t)id, roster,
			strcmp(sub, "retire") == 0);
}
