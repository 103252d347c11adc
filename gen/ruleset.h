/* Stage 4: parse any iptables-restore file or iptables-save dump into a model,
 * with a location for every token, and simulate applying it to a known state. */
#ifndef DFW_RULESET_H
#define DFW_RULESET_H

#include "addr.h"
#include "diag.h"
#include "util.h"

/* A word of a line. Its text, unquoted, stands at its column of the rule's
 * line copy (rule_word): a big dump holds millions of tokens, 8 bytes each. */
struct token {
	int col;
	unsigned len : 31; /* in the line, quotes included */
	bool quoted : 1;
};

enum rule_cmd {
	CMD_DECLARE, /* ":NAME POLICY [p:b]" */
	CMD_APPEND, CMD_INSERT, CMD_DELETE, CMD_REPLACE, CMD_NEW, CMD_FLUSH,
	CMD_DELCHAIN, CMD_ZERO, CMD_POLICY, CMD_RENAME,
};

struct rule_opt {
	const char *name; /* canonical long name, e.g. "--dport" */
	bool neg;
	int tok;          /* index of the option token */
	int nargs;
	int arg;          /* index of the first argument token */
};

struct match {
	const char *module;    /* "tcp", "conntrack", ...; implicit ones come from -p */
	int tok;          /* the module name's token, or the -p value's */
	bool known;
	struct rule_opt *opts;
	size_t nopts;
};

/* One line of a restore file: a chain declaration or a command. Fields are
 * grouped by size: a big dump holds a hundred thousand of these. */
struct rule {
	struct loc loc;
	char *line;         /* a copy of the line, each word cut out with a NUL */
	struct token *tok;
	size_t ntok;
	const char *chain;
	const char *policy; /* CMD_DECLARE / CMD_POLICY; "-" for user chains */
	const char *newname;/* CMD_RENAME */
	long num;           /* -I/-D/-R position; 0: none */
	const char *spec;   /* canonical text of the specification, for -D and policies: spec_len
	                     * bytes, no NUL (a canonical line's is the line's own text) */
	uint32_t spec_len;

	/* the rule specification */
	const char *proto;
	const char *in_if, *out_if;
	const char *target;
	struct match *m;
	size_t nm;
	struct rule_opt *topts;
	size_t ntopts;
	struct addr src, dst; /* the first address when a list is given */

	enum rule_cmd cmd;
	int chain_tok;      /* -1 when the command names no chain (-F, -X alone) */
	int spec_tok;       /* first token of the rule specification */
	int proto_tok;
	int src_tok, dst_tok; /* the address tokens */
	int target_tok;
	bool proto_neg;
	bool has_src, src_neg, has_dst, dst_neg;
	bool src_list, dst_list;
	bool in_neg, out_neg;
	bool is_goto;
	bool terminal;       /* a goto, or a target that ends the traversal */
	bool known_target;   /* a target of the catalogue (not a chain) */
	bool opaque;         /* holds something the checker cannot model */
};

struct table {
	char *name;
	struct loc loc;
	bool committed;
	struct rule *rules; /* a slice of the ruleset's rules */
	size_t n;
};

struct ruleset {
	struct arena arenas[2]; /* every rule's texts, tokens, matches and options: one per parsing thread */
	struct rule *rules;     /* every table's rules, in file order */
	const struct source *src;
	enum family family;   /* from -6 / the addresses seen; FAM_V4 when unknown */
	int cr_line, cr_lines; /* the first command line ending in CR, and how many do */
	struct table *tables;
	size_t n, cap;
};

/* The text of token i, unquoted. */
static inline const char *rule_word(const struct rule *r, int i)
{
	return r->line + r->tok[i].col - 1;
}

/* Parses a whole file; syntax errors go to d. family: FAM_NONE to detect. */
struct ruleset *ruleset_parse(const struct source *src, enum family family, struct diags *d);
void ruleset_free(struct ruleset *rs);

/* ---- option and target lookups for the checker ---- */
const struct rule_opt *rule_option(const struct rule *r, const char *module, const char *name);
const char *rule_arg(const struct rule *r, const struct rule_opt *o, int i);
bool rule_has_module(const struct rule *r, const char *module);
bool chain_is_builtin(const char *table, const char *chain);
/* Whether a and b have the same canonical specification. */
bool rule_same_spec(const struct rule *a, const struct rule *b);
/* Whether r's canonical specification is exactly spec ("-j RETURN"). */
bool rule_spec_is(const struct rule *r, const char *spec);
/* The canonical one-line form "-A CHAIN SPEC" (for policies and messages). */
char *rule_canonical(const struct rule *r);
/* A normalised form: two rules with the same key match the same packets the
 * same way, however iptables-save orders and abbreviates them. */
char *rule_key(const struct rule *r);
/* The location of token i (the whole line when i < 0). */
struct loc rule_tok_loc(const struct rule *r, int i);

/* ---- the state a file leaves the kernel in ---- */
struct chain_state {
	char *name;
	bool builtin;
	const char *policy;
	const struct rule *decl; /* where it was declared; NULL: pre-existing */
	const struct rule **rules;
	size_t n, cap;
	bool assumed;            /* not declared anywhere: we rely on it existing (Docker's) */
	bool known;              /* every rule it holds is known (exact state, or flushed here) */
};

struct table_state {
	char *name;
	struct chain_state *chains;
	size_t n, cap;
	struct name_index by_name;
	/* the last lookup of a rule's chain or target, by the name's address:
	 * rules share those names, and a dump names the same chain on line after
	 * line (so applying a ruleset writes: one thread at a time per state) */
	const char *last_name;
	long last_at;
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
void state_free(struct fw_state *st);

#endif
