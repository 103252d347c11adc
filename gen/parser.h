/* Private to the restore-file parser (ruleset.c: lines and the whole file;
 * rulespec.c: a rule's specification). */
#ifndef DFW_PARSER_H
#define DFW_PARSER_H

#include "ruleset.h"

struct parser {
	const struct source *src;
	struct diags *d;
	struct arena *arena;  /* where the rules it parses keep their data */
	enum family family;   /* the file's: its first address's */
	bool family_fixed;
	const char *last_chain; /* the chain the rule before named: the next one likely names it too */
	int line;
	const char *text;   /* the line's text */
	/* a rule's tokens, matches and options while it is parsed; each rule's
	 * are copied to the arena once it is done */
	struct token *toks;
	size_t toks_cap;
	struct match *ms;
	size_t ms_cap;
	struct rule_opt *opts, *topts;
	size_t nopts, opts_cap, topts_cap;
};

static inline struct loc tok_loc(const struct parser *ps, const struct token *t)
{
	return loc_span(ps->src, ps->line, t->col, t->len);
}

static inline const char *word(const struct rule *r, const struct token *t)
{
	return r->line + t->col - 1;
}

/* "-5" is a negative number, not an option */
static inline bool is_option(const struct rule *r, const struct token *t)
{
	const char *w = word(r, t);
	return !t->quoted && w[0] == '-' && w[1] && (w[1] < '0' || w[1] > '9');
}

static inline bool is_bang(const struct rule *r, const struct token *t)
{
	const char *w = word(r, t);
	return !t->quoted && w[0] == '!' && !w[1];
}

/* Parses r's words from i on as a rule specification (matches, target). */
void parse_spec(struct parser *ps, struct rule *r, size_t i);
/* Gives r its canonical specification text and moves what parse_spec
 * gathered in the parser's scratch vectors to the arena. */
void finish_spec(struct parser *ps, struct rule *r);

#endif
