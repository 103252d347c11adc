/* Stage 2: the merged configuration as a typed model. Addresses, ports, sets and
 * interfaces are values here; nothing in this file knows iptables syntax. */
#ifndef DFW_POLICY_H
#define DFW_POLICY_H

#include "addr.h"
#include "diag.h"
#include "config.h"

#include <stdio.h>

enum action { ACTION_DROP, ACTION_REJECT };
enum scope { SCOPE_HOST, SCOPE_CONTAINERS };
enum proto { PROTO_TCP, PROTO_UDP };
enum set_type { SET_HASH_NET, SET_HASH_IP };


struct iface_list {
	char **v;
	struct loc *locs; /* where each came from (cap entries); loc.src NULL: a default */
	size_t n, cap;
};

struct ipset_def {
	char *name;
	struct loc loc;
	enum set_type type;
	struct addr *entries;  /* sorted, unique: IPv4 first */
	size_t nentries, cap;
	size_t count[2];       /* IPv4, IPv6 entries */
	unsigned long maxelem; /* 0: sized from the entries */
	struct iface_list ifaces; /* its members count only entering these (none: any) */
};

/* One entry of an allow list (a traffic source): an address/network, or every
 * address of a set. */
struct allow_ref {
	bool is_set;
	struct addr addr;
	size_t set; /* index into policy.sets */
	struct loc loc;
};

struct allow_list {
	struct allow_ref *v;
	size_t n, cap;
};

struct port_list {
	struct port_range *v;
	struct loc *locs; /* where each came from (cap entries) */
	size_t n, cap;
};

struct scope_policy {
	struct allow_list allow;
	struct port_list tcp, udp;
	bool icmp;            /* host only */
	bool from_containers; /* host only */
};

struct port_allow {
	char *name;
	struct loc loc;
	enum scope scope;
	enum proto proto;
	struct port_list ports; /* port = 80, 443, 8000-8010 */
	struct allow_list allow;
};

/* [limit NAME]: new connections to these ports, per source address, above
 * a rate get the [global] action (ufw's "limit", for brute force). */
struct rate_limit {
	char *name;
	struct loc loc;
	enum scope scope;
	enum proto proto;
	struct port_list ports;
	char *rate;         /* as iptables-save prints it: "6/min" */
	unsigned long burst;
};

/* [egress NAME]: what containers on some bridges may reach outside. Once
 * any [egress] section exists, the bridges they name (none: every [docker]
 * bridge) reach outside only what one of them allows. */
struct egress_rule {
	char *name;
	struct loc loc;
	struct iface_list from; /* none: every [docker] bridge */
	struct allow_list to;   /* destinations: addresses, networks, sets */
	enum proto proto;
	struct port_list ports; /* none: every port */
};

struct user_policy {
	char *name;
	struct loc loc;
	char *forbid, *require, *chain, *message;
	struct loc forbid_loc, require_loc;
};


struct policy {
	bool v4, v6;
	enum action action;
	bool log;
	char *log_prefix;
	char *log_limit; /* validated "N/unit" */
	unsigned ssh_port; /* 0: anti-lockout disabled */
	struct loc ssh_port_loc; /* where it was set (no file: the default) */

	struct iface_list bridges, external;
	struct addr *subnets;
	size_t nsubnets, subnets_cap;
	bool swarm;
	struct allow_list swarm_peers;
	unsigned swarm_data_port, swarm_manager_port; /* VXLAN (4789), managers (2377) */

	struct ipset_def *sets;
	size_t nsets, sets_cap;
	struct scope_policy host, containers;
	struct port_allow *ports;
	size_t nports, ports_cap;
	struct user_policy *policies;
	size_t npolicies, policies_cap;
	struct rate_limit *limits;
	size_t nlimits, limits_cap;
	struct egress_rule *egress;
	size_t negress, egress_cap;

	struct ini_doc *doc;        /* the entries it was built from (and StrictModes) */
	struct source_store *store; /* where list files are kept (the caller's) */
	struct config *config;      /* the config as merged, for `dfwgen config` */
};

/* Validates and merges the raw entries. Returns NULL if any error was recorded. */
struct policy *policy_build(struct ini_doc *doc, struct source_store *store, struct diags *d);
void policy_free(struct policy *p);

/* ipset name of a set for a family: "dfw-NAME-4". */
void policy_set_name(const struct ipset_def *s, enum family f, char *buf, size_t size);
/* Whether [global] family keeps addresses of family f. */
bool policy_family_on(const struct policy *p, enum family f);
/* The maxelem the set is created with. */
unsigned long policy_set_maxelem(const struct ipset_def *s, enum family f);
size_t policy_set_count(const struct ipset_def *s, enum family f);

#endif
