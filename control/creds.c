/* SPDX-License-Identifier: BSD-3-Clause */
/* rumor-control's keys, at start and on SIGHUP (creds.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rumor/node_keys.h"
#include "creds.h"

struct creds {
	bool have;			/* cur holds the key in force. */
	bool have_prev;
	struct node_key cur;
	struct node_key prev;		/* The key before cur, if rotated. */
};

struct creds *
creds_new(void)
{
	return calloc(1, sizeof(struct creds));
}

void
creds_free(struct creds *c)
{
	if (c == NULL)
		return;
	sodium_memzero(c, sizeof(*c));
	free(c);
}

bool
creds_configured(const struct rumor_config *cfg)
{
	return cfg->node_key[0] != '\0' && cfg->roster[0] != '\0';
}

int
creds_apply(struct creds *c, const struct rumor_config *cfg,
		const char *name, struct seal *seal, char *err, size_t errlen)
{
	struct seal_keyring ring;
	struct node_key key, prev;
	struct roster r = { 0 };
	char e[512];
	bool prev_ok = false;
	int rc = -1;

	if ((cfg->node_key[0] == '\0') != (cfg->roster[0] == '\0')) {
		snprintf(err, errlen, "%s: fields 'node_key' and 'roster' go "
				"together: give both (node credentials) or "
				"neither (the cluster key alone)", name);
		return -1;
	}
	if (seal_keyring_load(cfg->keyring, &ring, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: field 'keyring': %s", name, e);
		return -1;
	}
	if (!creds_configured(cfg)) {
		seal_set_keys(seal, &ring);
		sodium_memzero(&ring, sizeof(ring));
		return 0;
	}
	sodium_memzero(&key, sizeof(key));
	sodium_memzero(&prev, sizeof(prev));
	if (node_key_load(cfg->node_key, &key, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: field 'node_key': %s", name, e);
		goto out;
	}
	if (key.id != cfg->node_id) {
		snprintf(err, errlen, "%s: field 'node_key': %s is node %u's "
				"key, this is node %u", name, cfg->node_key,
				key.id, cfg->node_id);
		goto out;
	}
	if (roster_load(cfg->roster, &r, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: field 'roster': %s", name, e);
		goto out;
	}
	/* A new key of this node: the old one still opens for a while. */
	if (c->have && !node_keys_equal(c->cur.pk, key.pk, NODE_PK_LEN)) {
		prev = c->cur;
		prev_ok = true;
	} else if (c->have_prev) {
		prev = c->prev;
		prev_ok = true;
	}
	if (seal_set_creds(seal, &key, prev_ok ? &prev : NULL, &r) < 0) {
		snprintf(err, errlen, "%s: node %u's public key is not in the "
				"roster %s (rumorctl cred show --roster %s)",
				name, key.id, cfg->roster, cfg->roster);
		goto out;
	}
	/* Taken: the keyring only now, so that a failure changes nothing. */
	seal_set_keys(seal, &ring);
	c->cur = key;
	c->have = true;
	c->prev = prev;
	c->have_prev = prev_ok;
	rc = 0;
out:
	roster_free(&r);
	node_key_wipe(&key);
	node_key_wipe(&prev);
	sodium_memzero(&ring, sizeof(ring));
	return rc;
}
