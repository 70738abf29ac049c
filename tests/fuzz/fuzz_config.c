/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: config_parse (include/rumor/config.h) on arbitrary
 * bytes, not NUL-terminated. A configuration it accepts must satisfy
 * every whole-file rule (the replicas_for patterns' bounds among them)
 * and give a member set the ring accepts; an error must name the file;
 * config_free must release everything.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumor/config.h"
#include "rumor/ring.h"
#include "fuzz.h"

#define FUZZ_NAME "fuzz.conf"

/* The checks of an accepted configuration. */
static void
check_config(const struct rumor_config *c)
{
	const struct config_member *self;
	struct ring_member *rm;
	struct ring_table *t;

	FUZZ_CHECK(c->node_id != 0);
	FUZZ_CHECK(c->address != 0 && c->address != 0xffffffffu);
	FUZZ_CHECK(c->udp_port != 0);
	FUZZ_CHECK(c->dpdk_port <= 1023);
	FUZZ_CHECK(c->n_members >= 1 && c->n_members <= RING_MEMBERS_MAX);
	FUZZ_CHECK(c->members != NULL);
	FUZZ_CHECK(!c->sink_has_mac || c->has_sink);
	FUZZ_CHECK(!c->sink_has_mac || (c->sink_mac[0] & 1) == 0);
	FUZZ_CHECK(!c->has_sink || c->sink_ip != c->address);
	/* The limits of channel audiences: 1 to their maximum. */
	FUZZ_CHECK(c->chan_limits.subs_per_client >= 1 &&
			c->chan_limits.subs_per_client <= CHAN_LIMIT_SUBS_MAX);
	FUZZ_CHECK(c->chan_limits.subs_per_node >= 1 &&
			c->chan_limits.subs_per_node <= CHAN_LIMIT_SUBS_MAX);
	FUZZ_CHECK(c->chan_limits.clients >= 1 &&
			c->chan_limits.clients <= CHAN_LIMIT_SUBS_MAX);
	FUZZ_CHECK(c->chan_limits.subs_per_channel >= 1 &&
			c->chan_limits.subs_per_channel <=
			CHAN_LIMIT_SUBS_MAX);
	FUZZ_CHECK(c->chan_limits.interest_set >= 1 &&
			c->chan_limits.interest_set <=
			CHAN_LIMIT_INTEREST_SET_MAX);
	FUZZ_CHECK(c->chan_limits.owned >= 1 &&
			c->chan_limits.owned <= CHAN_LIMIT_OWNED_MAX);
	/*
	 * Replication: R in range; each pattern within bounds, without
	 * control bytes, matches itself (its '*' and '?' as bytes) unless
	 * an earlier line takes it first.
	 */
	FUZZ_CHECK(c->replicas >= 1 && c->replicas <= RING_REPLICAS_MAX);
	FUZZ_CHECK(c->n_replicas_for <= CONFIG_REPLICAS_FOR_MAX);
	for (uint32_t i = 0; i < c->n_replicas_for; i++) {
		const struct config_replicas_for *r = &c->replicas_for[i];
		unsigned got = config_replicas_for(c, r->pattern, r->len);

		FUZZ_CHECK(r->len >= 1 && r->len <= CONFIG_PATTERN_MAX);
		FUZZ_CHECK(r->pattern[r->len] == '\0');
		FUZZ_CHECK(memchr(r->pattern, '\0', r->len) == NULL);
		FUZZ_CHECK(r->replicas >= 1 &&
				r->replicas <= RING_REPLICAS_MAX);
		for (uint16_t k = 0; k < r->len; k++)
			FUZZ_CHECK(!iscntrl((unsigned char)r->pattern[k]) &&
					!isspace((unsigned char)r->pattern[k]));
		FUZZ_CHECK(got == r->replicas || i > 0);
		FUZZ_CHECK(got >= 1 && got <= RING_REPLICAS_MAX);
	}
	for (uint32_t i = 0; i < c->n_members; i++) {
		const struct config_member *m = &c->members[i];

		FUZZ_CHECK(m->id != 0);
		FUZZ_CHECK(i == 0 || m->id > c->members[i - 1].id);
		FUZZ_CHECK(m->weight >= 1 && m->weight <= RING_WEIGHT_MAX);
		FUZZ_CHECK(m->udp_port != 0);
		FUZZ_CHECK(!m->has_mac || (m->mac[0] & 1) == 0);
		FUZZ_CHECK(config_member_find(c, m->id) == m);
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(c->members[j].ip != m->ip ||
					c->members[j].udp_port !=
					m->udp_port);
	}
	self = config_member_find(c, c->node_id);
	FUZZ_CHECK(self != NULL);
	FUZZ_CHECK(self->ip == c->address);
	FUZZ_CHECK(self->udp_port == c->udp_port);

	/* What the parser accepts, the ring accepts. */
	rm = calloc(c->n_members, sizeof(*rm));
	if (rm == NULL)
		return;
	for (uint32_t i = 0; i < c->n_members; i++) {
		rm[i].id = c->members[i].id;
		rm[i].weight = c->members[i].weight;
	}
	t = malloc(ring_table_bytes(ring_table_slots(rm, c->n_members)));
	if (t != NULL) {
		FUZZ_CHECK(ring_table_build(t, rm, c->n_members, 1) == 0);
		free(t);
	}
	free(rm);
}

static void
fuzz_one(const uint8_t *bytes, size_t size)
{
	const char *text = (const char *)bytes;
	struct rumor_config c;
	char err[CONFIG_ERR_MAX];
	int rc;

	memset(err, 0, sizeof(err));
	rc = config_parse(text, size, FUZZ_NAME, &c, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		unsigned r = config_replicas_for(&c, text, size);

		/* The input itself as a channel name, for the patterns. */
		FUZZ_CHECK(r >= 1 && r <= RING_REPLICAS_MAX);
		check_config(&c);
	} else {
		FUZZ_CHECK(strncmp(err, FUZZ_NAME ":",
				strlen(FUZZ_NAME ":")) == 0);
		FUZZ_CHECK(strstr(err, " field '") != NULL);
		FUZZ_CHECK(c.members == NULL && c.n_members == 0);
	}
	config_free(&c);
	FUZZ_CHECK(c.members == NULL && c.n_members == 0);
}

FUZZ_TARGET(fuzz_one)
