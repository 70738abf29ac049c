/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node configuration file (docs/configuration.md): who this node is,
 * where it listens, where it delivers, and the static member list that
 * forms the ring until a control plane exists.
 */
#ifndef RUMOR_CONFIG_H
#define RUMOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumor/chan_limits.h"
#include "rumor/ring_replicas.h"

#define CONFIG_ERR_MAX 256
#define CONFIG_PATH_MAX 108	/* A Unix socket path (sun_path). */
#define CONFIG_SEEDS_MAX 16
#define CONFIG_LABEL_MAX 64
#define CONFIG_VOTERS_MAX 5	/* Raft voters: 3 or 5, or none. */
#define CONFIG_REPLICAS_DEFAULT 3	/* R without the key replicas. */
#define CONFIG_HISTORY_MIN 16		/* Key history: messages a channel's */
#define CONFIG_HISTORY_MAX 256		/* owner and replicas keep (the */
					/* dataplane's CHAN_HIST is the max). */
#define CONFIG_REPLICAS_FOR_MAX 16	/* replicas_for lines. */
#define CONFIG_PATTERN_MAX 255		/* Bytes of a channel pattern. */

/*
 * How a node admits clients (docs/clients.md): key client_auth. UNSET
 * when the file says nothing: a dataplane refuses to start so, since
 * the operator must choose; rumor-control and rumorctl do not care.
 */
enum config_client_auth {
	CONFIG_CLIENT_AUTH_UNSET = 0,
	CONFIG_CLIENT_AUTH_NONE,	/* "none": no tokens, no cookies. */
	CONFIG_CLIENT_AUTH_TOKEN,	/* "token": token_pub names the key. */
};

/* One member of the static member list. */
struct config_member {
	uint32_t id;		/* Node id, non-zero. */
	uint32_t ip;		/* IPv4 address, network byte order. */
	uint16_t udp_port;	/* UDP port, host byte order. */
	uint32_t weight;	/* 1..RING_WEIGHT_MAX. */
	uint8_t zone;		/* Failure zone for replica placement; 0:
				 * none. */
	bool has_zone;		/* The member line gave zone= (checked
				 * against the zone key for this node). */
	bool has_mac;		/* mac is static: never resolved by ARP. */
	uint8_t mac[6];
	unsigned line;		/* Line of the file it came from. */
};

/*
 * A replicas_for line: the channels whose names match pattern (a glob:
 * '*' any bytes, '?' one byte, every other byte itself) have R replicas.
 */
struct config_replicas_for {
	char pattern[CONFIG_PATTERN_MAX + 1];	/* NUL-terminated as well. */
	uint16_t len;
	uint8_t replicas;	/* 1..RING_REPLICAS_MAX */
	unsigned line;		/* Line of the file it came from. */
};

struct rumor_config {
	uint32_t node_id;	/* This node: one of the members. */
	uint32_t address;	/* This node's IPv4 address, network order. */
	uint16_t udp_port;	/* This node's UDP port, host order. */
	uint16_t dpdk_port;	/* DPDK port that reaches members and sink. */
	bool has_sink;		/* Locally owned messages go to the sink. */
	uint32_t sink_ip;	/* Network order. */
	uint16_t sink_port;	/* Host order. */
	bool sink_has_mac;
	uint8_t sink_mac[6];
	uint32_t n_members;
	struct config_member *members;	/* Sorted by id. */
	/*
	 * The limits of channel audiences (the chan_* keys); those not
	 * given are book_limits_default's. They apply live on reload.
	 */
	struct book_limits chan_limits;

	/*
	 * Client admission (docs/clients.md): the mode, and the file of
	 * the cluster's token public key ("" unless the mode is TOKEN).
	 */
	enum config_client_auth client_auth;
	char token_pub[256];

	/* The control plane (rumor-control); see docs/configuration.md. */
	char control_socket[CONFIG_PATH_MAX];	/* Dataplane <-> control. */
	char admin_socket[CONFIG_PATH_MAX];	/* rumorctl <-> control. */
	char keyring[256];		/* Cluster keys file; "" if none. */
	char node_key[256];		/* This node's key file; "" if none. */
	char roster[256];		/* Public keys of the nodes; "" if none. */
	char label[CONFIG_LABEL_MAX + 1];	/* Cluster label; may be "". */
	uint8_t zone;			/* Failure zone, metadata. */
	uint32_t n_seeds;
	uint32_t seed_ip[CONFIG_SEEDS_MAX];	/* Network order. */
	uint16_t seed_port[CONFIG_SEEDS_MAX];	/* Host order. */
	/* Membership timing; 0 keeps the default (swim_params_default). */
	uint32_t probe_interval_ms;
	uint32_t probe_timeout_ms;
	uint32_t suspicion_mult;
	uint32_t gossip_interval_ms;
	uint32_t sync_interval_ms;
	/*
	 * Raft on ring epochs (docs/configuration.md): the voters, sorted,
	 * 3 or 5 of them, or none (Raft off: every node publishes its own
	 * view); raft_dir holds this node's durable Raft state.
	 */
	uint32_t n_voters;
	uint32_t voters[CONFIG_VOTERS_MAX];
	unsigned voter_line;		/* The last voter line, for errors. */
	char raft_dir[256];
	/*
	 * Replication (docs/replication.md): R of the channels no
	 * replicas_for line matches, and those lines in file order, the
	 * first match winning. config_replicas_for reads them.
	 */
	uint8_t replicas;
	uint16_t history;		/* Messages kept a channel. */
	uint32_t n_replicas_for;
	struct config_replicas_for replicas_for[CONFIG_REPLICAS_FOR_MAX];
	/*
	 * The ring epoch the tables built from this configuration take;
	 * 0: the one in force plus one. Not a file key: rumor-dataplane
	 * sets it for a TABLE that carries a committed epoch.
	 */
	uint64_t ring_epoch;
};

/*
 * Parse a configuration held in text (len bytes, need not be
 * NUL-terminated); name is the file name used in messages. On error
 * returns -1 and writes "NAME:LINE: field 'F': what is wrong" to err.
 */
int config_parse(const char *text, size_t len, const char *name,
		struct rumor_config *out, char *err, size_t errlen);

/* Read and parse the file at path; errors as config_parse. */
int config_load(const char *path, struct rumor_config *out, char *err,
		size_t errlen);

/* Release what config_parse allocated; safe on a zeroed config. */
void config_free(struct rumor_config *c);

/* The member with this id, or NULL. */
const struct config_member *config_member_find(const struct rumor_config *c,
		uint32_t id);

struct ring_member;

/*
 * The ring's view of the members: a malloc'd array of c->n_members
 * entries (ids and weights) for ring_table_build, or NULL without memory.
 */
struct ring_member *config_ring_members(const struct rumor_config *c);

/*
 * The members' failure zones, in the order of config_ring_members, for
 * ring_replicas_build: a malloc'd array of c->n_members bytes, or NULL
 * with *err 0 when every zone is 0 (no zones), or NULL with *err ENOMEM.
 */
uint8_t *config_ring_zones(const struct rumor_config *c, int *err);

/*
 * R of the channel name[0..len): that of the first replicas_for line
 * whose pattern matches the whole name, else replicas (the default, 3,
 * in a configuration that was not parsed).
 */
unsigned config_replicas_for(const struct rumor_config *c, const char *name,
		size_t len);

/* Parse a unicast MAC "xx:xx:xx:xx:xx:xx"; 0 or -1. */
int config_parse_mac(const char *s, uint8_t mac[6]);

#endif /* RUMOR_CONFIG_H */
