/* The state a restore file leaves the kernel in: the chains of each table
 * with their rules and policies, built by applying rulesets one after the
 * other as iptables-restore would, and what it would refuse on the way
 * (a rule in no chain, a -D of a missing rule, a position out of range).
 * Jumps to no chain and loops are the checks' (check.c). */
#ifndef DFW_FWSTATE_H
#define DFW_FWSTATE_H

#include "ruleset.h"

struct chain_state {
	char *name;
	bool builtin;
	const char *policy;
	const struct rule *decl; /* where it was declared; NULL: pre-existing */
	const struct rule **rules;
	size_t n, cap;
	bool assumed;            /* not declared anywhere: we rely on it existing (Docker's) */
	const struct rule *jumped_by; /* assumed because of this jump (the first to it), or NULL */
	bool known;              /* every rule it holds is known (exact state, or flushed here) */
};

struct table_state {
	char *name;
	struct chain_state *chains;
	size_t n, cap;
	struct name_index by_name;
};

struct fw_state {
	struct table_state *tables;
	size_t n, cap;
	bool exact; /* the state before the file is known: a -D of a missing rule fails */
};

/* Applies rs to st as iptables-restore would (noflush: keep what is not named;
 * full: each table in the file replaces the old one). Problems iptables-restore
 * would refuse go to d. */
void state_apply(struct fw_state *st, const struct ruleset *rs, bool noflush, struct diags *d);
struct chain_state *state_chain(struct fw_state *st, const char *table, const char *chain);
struct chain_state *table_chain(struct table_state *ts, const char *name);
void state_free(struct fw_state *st);

#endif
