/* A whole restore file or save dump parsed into tables of rules (rule.h),
 * with every syntax error iptables-restore would report, located. */
#ifndef DFW_RULESET_H
#define DFW_RULESET_H

#include "iptcat.h"
#include "rule.h"
#include "util.h"

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

/* Parses a whole file; syntax errors go to d. family: FAM_NONE to detect. */
struct ruleset *ruleset_parse(const struct source *src, enum family family, struct diags *d);
void ruleset_free(struct ruleset *rs);

#endif
