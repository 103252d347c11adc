#include "fwstate.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *chain_name_at(const void *chains, size_t i)
{
	return ((const struct chain_state *)chains)[i].name;
}

static void index_chains(struct table_state *ts)
{
	name_index_rebuild(&ts->by_name, ts->n, chain_name_at, ts->chains);
}

struct chain_state *table_chain(struct table_state *ts, const char *name)
{
	long i = name_index_find(&ts->by_name, name, chain_name_at, ts->chains);
	return i < 0 ? NULL : &ts->chains[i];
}

static struct chain_state *add_chain(struct table_state *ts, struct chain_state c)
{
	VEC_PUSH(ts->chains, ts->n, ts->cap, c);
	name_index_add(&ts->by_name, ts->n, chain_name_at, ts->chains);
	return &ts->chains[ts->n - 1];
}

static struct table_state *state_table(struct fw_state *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++) {
		if (!strcmp(st->tables[i].name, name))
			return &st->tables[i];
	}
	VEC_PUSH(st->tables, st->n, st->cap, ((struct table_state){.name = xstrdup(name)}));
	struct table_state *ts = &st->tables[st->n - 1];
	for (const char *const *c = table_builtin_chains(name); c && *c; c++)
		add_chain(ts, (struct chain_state){.name = xstrdup(*c), .builtin = true, .policy = "ACCEPT",
						    .known = st->exact});
	return ts;
}

struct chain_state *state_chain(struct fw_state *st, const char *table, const char *chain)
{
	for (size_t i = 0; i < st->n; i++) {
		if (!strcmp(st->tables[i].name, table))
			return table_chain(&st->tables[i], chain);
	}
	return NULL;
}

static struct chain_state *new_chain(struct table_state *ts, const char *name, const struct rule *decl)
{
	return add_chain(ts, (struct chain_state){.name = xstrdup(name), .policy = "-", .decl = decl,
						  .known = decl != NULL});
}

/* Removes the chains marked `doomed` in one pass, then re-indexes once. */
static void drop_marked(struct table_state *ts, const bool *doomed)
{
	size_t k = 0;
	for (size_t i = 0; i < ts->n; i++) {
		if (doomed[i]) {
			free(ts->chains[i].name);
			free(ts->chains[i].rules);
		} else {
			ts->chains[k++] = ts->chains[i];
		}
	}
	ts->n = k;
	index_chains(ts);
}

static void drop_chain(struct table_state *ts, size_t i)
{
	bool *doomed = xcalloc(ts->n, sizeof(*doomed));
	doomed[i] = true;
	drop_marked(ts, doomed);
	free(doomed);
}

static void drop_user_chains(struct table_state *ts)
{
	bool *doomed = xcalloc(ts->n, sizeof(*doomed));
	for (size_t i = 0; i < ts->n; i++)
		doomed[i] = !ts->chains[i].builtin;
	drop_marked(ts, doomed);
	free(doomed);
}

/* Docker creates these chains itself; a --noflush file may rely on them. */
static bool is_docker_chain(const char *name)
{
	return str_has_prefix(name, "DOCKER");
}

static struct chain_state *chain_for(struct fw_state *st, struct table_state *ts, const struct rule *r, struct diags *d)
{
	struct chain_state *c = table_chain(ts, r->chain);
	if (c)
		return c;
	if (!st->exact && is_docker_chain(r->chain)) {
		c = new_chain(ts, r->chain, NULL);
		c->assumed = true;
		return c;
	}
	if (st->exact)
		diag_error(d, "undeclared-chain", rule_tok_loc(r, r->chain_tok), "chain %s does not exist, neither on "
			   "the host nor in this file", r->chain);
	else
		diag_error(d, "undeclared-chain", rule_tok_loc(r, r->chain_tok), "chain %s is not declared in this "
			   "file (add ':%s - [0:0]' after the *table line)", r->chain, r->chain);
	return NULL;
}

static void chain_insert(struct chain_state *c, size_t at, const struct rule *r)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->rules = xrealloc(c->rules, c->cap * sizeof(*c->rules));
	}
	memmove(&c->rules[at + 1], &c->rules[at], (c->n - at) * sizeof(*c->rules));
	c->rules[at] = r;
	c->n++;
}

static void chain_remove(struct chain_state *c, size_t at)
{
	memmove(&c->rules[at], &c->rules[at + 1], (c->n - at - 1) * sizeof(*c->rules));
	c->n--;
}

static bool position_ok(const struct rule *r, size_t limit, struct diags *d)
{
	if (r->num >= 1 && (size_t)r->num <= limit)
		return true;
	if (r->num >= 0)
		diag_error(d, "bad-position", rule_tok_loc(r, r->chain_tok + 1), "chain %s has %zu rules; position %ld "
			   "does not exist", r->chain, limit - (r->cmd == CMD_INSERT), r->num);
	return false;
}

/* ":NAME POLICY": creates the chain, sets a built-in one's policy ('-'
 * keeps it), or flushes an existing user chain. */
static void declare_chain(struct table_state *ts, const struct rule *r)
{
	struct chain_state *c = table_chain(ts, r->chain);
	if (!c) {
		new_chain(ts, r->chain, r);
	} else if (c->builtin) {
		if (r->policy && strcmp(r->policy, "-"))
			c->policy = r->policy;
	} else {
		c->n = 0;
		c->decl = r;
		c->assumed = false;
		c->known = true;
	}
}

/* -D by position or by specification. */
static void delete_rule(const struct fw_state *st, struct chain_state *c, const struct rule *r, struct diags *d)
{
	if (r->num) {
		if (position_ok(r, c->n, d))
			chain_remove(c, (size_t)r->num - 1);
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (rule_same_spec(c->rules[i], r)) {
			chain_remove(c, i);
			return;
		}
	}
	if (st->exact || c->known)
		diag_error(d, "delete-missing", r->loc, "-D of a rule that is not in %s: iptables-restore fails on "
			   "this line and applies nothing of the table", r->chain);
}

static void apply_rule(struct fw_state *st, struct table_state *ts, const struct rule *r, struct diags *d)
{
	struct chain_state *c = NULL;
	bool needs_chain = r->cmd != CMD_FLUSH && r->cmd != CMD_DELCHAIN && r->cmd != CMD_ZERO;
	if (needs_chain && !r->chain)
		return; /* the parser reported the missing chain name */
	if (r->chain && r->cmd != CMD_DECLARE && r->cmd != CMD_NEW && !(c = chain_for(st, ts, r, d)))
		return;
	switch (r->cmd) {
	case CMD_DECLARE:
		declare_chain(ts, r);
		break;
	case CMD_APPEND:
		chain_insert(c, c->n, r);
		break;
	case CMD_INSERT:
		if (!r->num || position_ok(r, c->n + 1, d))
			chain_insert(c, r->num ? (size_t)r->num - 1 : 0, r);
		break;
	case CMD_REPLACE:
		if (position_ok(r, c->n, d))
			c->rules[r->num - 1] = r;
		break;
	case CMD_DELETE:
		delete_rule(st, c, r, d);
		break;
	case CMD_NEW:
		if (table_chain(ts, r->chain))
			diag_error(d, "chain-exists", rule_tok_loc(r, r->chain_tok), "chain %s already exists; -N fails "
				   "(a :%s - [0:0] line creates or flushes it instead)", r->chain, r->chain);
		else
			new_chain(ts, r->chain, r);
		break;
	case CMD_FLUSH:
		for (size_t i = 0; i < ts->n; i++) {
			if (!c || &ts->chains[i] == c) {
				ts->chains[i].n = 0;
				ts->chains[i].known = true;
			}
		}
		break;
	case CMD_DELCHAIN:
		if (c && c->builtin)
			diag_error(d, "bad-syntax", rule_tok_loc(r, r->chain_tok), "built-in chain %s cannot be deleted", r->chain);
		else if (c)
			drop_chain(ts, (size_t)(c - ts->chains));
		else
			drop_user_chains(ts);
		break;
	case CMD_POLICY:
		if (!c->builtin)
			diag_error(d, "bad-syntax", rule_tok_loc(r, r->chain_tok), "only built-in chains have a policy; %s is a user chain", r->chain);
		else if (r->policy)
			c->policy = r->policy;
		break;
	case CMD_RENAME:
		if (r->newname) {
			free(c->name);
			c->name = xstrdup(r->newname);
			index_chains(ts);
		}
		break;
	case CMD_ZERO:
		break;
	}
}

/* A --noflush file may jump to a chain Docker makes and it does not
 * declare: the state assumes it, and keeps the first such jump for the
 * check's note (check.c: relies-on-docker). */
static void assume_jump_targets(struct fw_state *st, struct table_state *ts, const struct ruleset *rs)
{
	if (st->exact)
		return;
	for (size_t i = 0; i < ts->n; i++) {
		for (size_t k = 0; k < ts->chains[i].n; k++) {
			const struct rule *r = ts->chains[i].rules[k];
			if (r->loc.src != rs->src || !r->target || r->known_target || !is_docker_chain(r->target) ||
			    table_chain(ts, r->target))
				continue;
			struct chain_state *a = new_chain(ts, r->target, NULL); /* may move ts->chains */
			a->assumed = true;
			a->jumped_by = r;
		}
	}
}

void state_apply(struct fw_state *st, const struct ruleset *rs, bool noflush, struct diags *d)
{
	for (size_t t = 0; t < rs->n; t++) {
		const struct table *tb = &rs->tables[t];
		if (!table_known(tb->name))
			continue;
		struct table_state *ts = state_table(st, tb->name);
		if (!noflush) {
			drop_user_chains(ts);
			for (size_t i = 0; i < ts->n; i++) {
				ts->chains[i].n = 0;
				ts->chains[i].policy = "ACCEPT";
				ts->chains[i].known = true;
			}
		}
		for (size_t k = 0; k < tb->n; k++)
			apply_rule(st, ts, &tb->rules[k], d);
		assume_jump_targets(st, ts, rs);
	}
}

void state_free(struct fw_state *st)
{
	for (size_t t = 0; t < st->n; t++) {
		struct table_state *ts = &st->tables[t];
		for (size_t i = 0; i < ts->n; i++) {
			free(ts->chains[i].name);
			free(ts->chains[i].rules);
		}
		free(ts->chains);
		name_index_free(&ts->by_name);
		free(ts->name);
	}
	free(st->tables);
	memset(st, 0, sizeof(*st));
}

