/* The rule model: one line of a restore file (a chain declaration or a
 * command) with a location for every word, its matches, options and target,
 * and the questions the checks ask of it. The parser (ruleset.c, rulespec.c)
 * makes rules; the state simulation, the checks and apply read them. */
#ifndef DFW_RULE_H
#define DFW_RULE_H

#include "addr.h"
#include "diag.h"
#include "iptcat.h"

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
	const struct ext_def *def; /* its catalogue entry; NULL: a match dfwgen does not know */
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
	uint32_t spec_hash; /* of that text, made while the line is at hand: shadowing looks duplicates up by it */

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

/* The text of token i, unquoted. */
static inline const char *rule_word(const struct rule *r, int i)
{
	return r->line + r->tok[i].col - 1;
}

/* ---- option and target lookups for the checker ---- */
const struct rule_opt *rule_option(const struct rule *r, const char *module, const char *name);
const char *rule_arg(const struct rule *r, const struct rule_opt *o, int i);
bool rule_has_module(const struct rule *r, const char *module);
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

#endif
