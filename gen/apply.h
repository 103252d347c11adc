/* Putting a validated ruleset in force, keeping it there, and telling whether
 * it still is: `dfwgen apply`, `dfwgen confirm` and `dfwgen status`. */
#ifndef DFW_APPLY_H
#define DFW_APPLY_H

#include "diag.h"
#include "ruleset.h"

#include <stdio.h>

/* What main generated and validated, and what the host holds now. */
struct plan {
	const char *backend;                /* "nft" | "legacy" */
	bool family[2];                     /* [0] IPv4, [1] IPv6 */
	const char *rules[2];               /* generated, validated --noflush input */
	const char *live[2];                /* *-save -t filter and -t mangle before the change */
	struct fw_state *live_state[2];     /* that, parsed */
	struct fw_state *after_state[2];    /* that with the rules applied (simulated) */
	const char *sets;                   /* ipset restore input */
	char **set_names;                   /* every dfw- set the rules use */
	size_t nset_names;
	const char *host_chain, *container_chain;
	const char *guard_chain, *guard_table; /* the container rules again, run first */
};

#define DFW_STATE_DIR "/var/lib/dfwgen"

struct apply_opts {
	const char *state_dir;
	int confirm_seconds; /* 0: no confirmation */
	bool dry_run;
	bool json;
};

/* Takes the state directory's lock (kept until exit) and, if an earlier apply
 * died half-way, first puts back what it had saved. -1 on failure. Call it
 * before reading the live rules that the plan is made from. */
int apply_begin(const char *state_dir, const char *backend, struct diags *d);
/* Returns 0 (applied), 1 (rolled back: not confirmed) or 2 (failed; the
 * previous ruleset and sets are back as they were). */
int apply_run(const struct plan *plan, const struct apply_opts *o, struct diags *d);
/* 0 in sync, 1 drift (printed to out). */
int apply_status(const struct plan *plan, const struct apply_opts *o, FILE *out);
/* Confirms a waiting `apply --confirm`. */
int apply_confirm(const char *state_dir, struct diags *d);

#endif
