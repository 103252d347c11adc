/* Putting a validated ruleset in force, keeping it there, and telling whether
 * it still is: `dfwgen apply`, `dfwgen confirm` and `dfwgen status`. */
#ifndef DFW_APPLY_H
#define DFW_APPLY_H

#include "diag.h"
#include "fwstate.h"
#include "setload.h"
#include "state.h"

#include <stdio.h>

/* What main generated and validated, and what the host holds now. */
struct plan {
	const char *backend;                /* "nft" | "legacy" */
	bool family[2];                     /* [0] IPv4, [1] IPv6 */
	const char *rules[2];               /* generated, validated --noflush input */
	struct fw_state *live_state[2];     /* that, parsed */
	struct fw_state *after_state[2];    /* that with the rules applied (simulated) */
	const char *host_chain, *container_chain;
	const char *guard_chain, *guard_table; /* the container rules again, run first */
	struct generation gen;              /* what apply puts in force */
	struct set_listings *early;         /* the dfw- sets, listed before anything changed */
};

#define DFW_STATE_DIR "/var/lib/dfwgen"
/* How long a hook (or boot) waits for another apply's lock. */
#define HOOK_LOCK_SECONDS 20

struct apply_opts {
	const char *state_dir;
	int confirm_seconds; /* 0: no confirmation */
	bool dry_run;
	bool json;
	bool hook;           /* run by a hook or at boot: never load a rejected generation */
	bool adopt;          /* remove foreign rules in dfwgen's chains instead of refusing */
};

struct applying {
	struct state_dir sd;
	int lock;
};

/* Opens the state directory, takes its lock (kept until apply_end; a hook
 * waits HOOK_LOCK_SECONDS at most) and, if an earlier apply died half-way,
 * puts back the confirmed generation first. -1 on failure. Call it before
 * reading the live rules that the plan is made from. */
int apply_begin(struct applying *a, const struct apply_opts *o, const char *backend, struct diags *d);
/* Returns 0 (applied), 1 (rolled back: not confirmed; or a hook found the
 * configuration's generation rejected and nothing confirmed to keep) or 2
 * (failed; the confirmed generation is back). With dry_run: what it would
 * change, on standard output; 0 nothing, 1 something. */
int apply_run(struct applying *a, const struct plan *plan, const struct apply_opts *o, struct diags *d);
/* At boot, when the configuration could not be applied: the confirmed
 * generation, else the fail-closed ruleset. 0 when the confirmed generation
 * is in force. */
int apply_fall_back(struct applying *a, const char *backend, unsigned ssh_port, struct diags *d);
void apply_end(struct applying *a);
/* 0 in sync, 1 drift (printed to out). */
int apply_status(const struct plan *plan, const struct apply_opts *o, FILE *out);
/* Confirms a waiting `apply --confirm`. */
int apply_confirm(const char *state_dir, struct diags *d);

#endif
