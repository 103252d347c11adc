/* What differs between the host and what the configuration makes: the
 * jumps, dfwgen's chains, the sets and their members, what the state
 * directory says, a family that is off, the other iptables flavour.
 * `status`, and `apply --dry-run`. */
#ifndef DFW_DRIFT_H
#define DFW_DRIFT_H

#include "apply.h"
#include "state.h"

#include <stdio.h>

struct drift {
	int family;         /* 4, 6, or 0 for sets */
	const char *kind;   /* input-jump, forward-jump, chain, set, ... */
	char *what;
	const char *change; /* a rule or member: "missing" (the host lacks it, "+"),
	                     * "extra" (the config does not make it, "-"); else NULL */
};

struct drifts {
	struct drift *v;
	size_t n, cap;
	/* for --format json, as fields */
	char generation[GEN_ID_LEN + 1], confirmed[GEN_ID_LEN + 1], pending[GEN_ID_LEN + 1];
	bool rejected, leftover[2];
	size_t other_flavour;
};

void drifts_free(struct drifts *ds);
/* Jumps, chains and set members, for every family the plan has on. */
void drift_collect(const struct plan *p, struct drifts *ds);
/* Pending and rejected generations, leftovers of a family that is off,
 * rules of the other flavour, dfw- sets the configuration no longer makes. */
void drift_state(const struct state_dir *sd, const struct plan *p, struct drifts *ds);
/* verb: "drift" or "would change". */
void drift_print(FILE *out, const struct drifts *ds, bool json, const char *verb);
/* status --backend legacy where the legacy tables do not exist: said as one
 * drift (exit 1) without running a legacy tool, which would create them. */
int status_no_legacy_tables(const struct apply_opts *o, FILE *out);
/* Whether a family's chains and jumps are exactly as the plan makes them. */
bool drift_family_in_sync(const struct plan *p, int f);

#endif
