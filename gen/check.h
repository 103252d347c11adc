/* Stage 5: the invariants that keep a Docker host safe, checked over a parsed
 * restore file and the state it leaves. The generator runs this on its own output. */
#ifndef DFW_CHECK_H
#define DFW_CHECK_H

#include "policy.h"
#include "fwstate.h"
#include "sets.h"

struct check_opts {
	bool noflush;             /* the file is --noflush input, not a whole-table dump */
	unsigned ssh_port;        /* 0: no anti-lockout check */
	const struct set_catalog *sets;
	const char *host_chain;      /* "FILTERS" */
	const char *container_chain; /* "DOCKER-USER" */
	/* what counts as Docker-internal besides docker*, br-* and private ranges */
	const struct iface_list *bridges;
	const struct addr *subnets;
	size_t nsubnets;
	const struct user_policy *policies;
	size_t npolicies;
};

/* Applies rs to st as iptables-restore would (state_apply; o->noflush: st
 * holds what the file keeps, else nothing), then checks the file and the
 * state it leaves. */
void check_run(const struct ruleset *rs, struct fw_state *st, const struct check_opts *o, struct diags *d);
/* Compiles [policy] regexes; errors are config errors at their file:line. */
bool check_policies_valid(const struct user_policy *v, size_t n, struct diags *d);

#endif
