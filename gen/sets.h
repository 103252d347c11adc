/* ipsets: the restore file dfwgen writes, and what any ipset restore file defines. */
#ifndef DFW_SETS_H
#define DFW_SETS_H

#include "diag.h"
#include "policy.h"

struct set_info {
	char *name;
	enum family family;
	char *type;          /* "hash:net", ... */
	size_t count;
	unsigned long maxelem;
	bool has_cidr;       /* an entry with a prefix shorter than a host */
	bool clients_known;  /* from a config: `has_client` is known */
	bool has_client;     /* an entry an SSH client can come from (addr_no_client_ranges) */
	struct loc loc;
};

struct set_catalog {
	struct set_info *v;
	size_t n, cap;
	bool given; /* sets were described: a set not in the catalogue is an error */
};

/* The ipset restore text for the policy's sets, both families, replaced atomically. */
char *sets_render(const struct policy *p);
void sets_from_policy(struct set_catalog *c, const struct policy *p);
/* Reads an ipset restore file (create/add/swap/destroy/flush lines). */
void sets_parse(struct set_catalog *c, const struct source *src, struct diags *d);
const struct set_info *sets_find(const struct set_catalog *c, const char *name);
void sets_free(struct set_catalog *c);

#endif
