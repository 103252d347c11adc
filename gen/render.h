/* Stage 3: fill the section templates from the policy and assemble the
 * iptables-restore input for one family. */
#ifndef DFW_RENDER_H
#define DFW_RENDER_H

#include "policy.h"
#include "fwstate.h"

#define HOST_CHAIN "FILTERS"
#define CONTAINER_CHAIN "DOCKER-USER"
/* The container rules again, in the mangle table's FORWARD chain, which runs
 * before filter's at the forward hook and which Docker never writes: whatever
 * order Docker gives filter FORWARD (20.10 puts its own IPv6 rules above our
 * jump on every restart), traffic to published ports meets these rules first. */
#define GUARD_CHAIN "DFWGEN-FORWARD"
#define GUARD_TABLE "mangle"

/* dfwgen's chains, and the built-in chain each is jumped to from. */
struct dfw_chain {
	const char *table, *chain, *parent;
};
#define DFW_CHAINS 3
extern const struct dfw_chain dfw_chains[DFW_CHAINS];

/* Whether a rule carries the "dfwgen: ..." comment every shipped template
 * line has. */
bool rule_has_dfwgen_comment(const struct rule *r);

/* Where an output line came from: its template line, and the config value
 * whose row filled it in (the first one the line names that was written in
 * the config; src NULL: none, a default or no template at all). */
struct line_origin {
	struct loc tmpl;
	struct loc config;
};

struct rendered {
	char *text;
	struct line_origin *origin; /* one per output line */
	size_t norigin;
	struct source **templates;
	size_t ntemplates;
};

/* live: the host's filter and mangle state (NULL when unknown), used to emit exactly the
 * -D/-I lines that leave one jump to each chain as its parent's first rule.
 * Returns false (with errors recorded) if a template is broken. */
bool render_rules(const struct policy *p, enum family f, const char *template_dir,
		  struct fw_state *live, struct rendered *out, struct diags *d);
void rendered_free(struct rendered *r);

/* A stored generation's body (dfwgen's chains, no jumps) with the -D/-I lines
 * that make each jump to them its parent's first rule, given the tables now. */
char *render_attach(const char *body, struct fw_state *live);
/* --noflush input that removes dfwgen's chains, the jumps to them, and the
 * rules of DOCKER-USER that `ours` says are dfwgen's (the chain, its RETURN
 * and FORWARD's jump to it are Docker's): a family turned off, or a rollback
 * to before dfwgen's first confirmed apply. */
char *render_detach(struct fw_state *live, bool (*ours)(const struct rule *r, void *arg), void *arg);
/* A generation body that closes the host: established, loopback, (IPv6:
 * ICMPv6,) the SSH port; nothing forwarded. What boot falls back to. */
char *render_fail_closed(enum family f, unsigned ssh_port);

#endif
