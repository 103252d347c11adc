#include "both.h"
#include "parser.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- words ---- */

/* What ends an unquoted stretch of a word (the NUL: the line's end). Only
 * double quotes group words: iptables-restore takes a single quote for
 * a character ("--comment 'a b'" is refused: Bad argument `b''). */
static const bool word_stop[256] = {['\0'] = true, [' '] = true, ['\t'] = true, ['"'] = true};

/* Splits a line the way iptables-restore does: blanks separate, double quotes
 * group (a backslash escapes the next character inside them). The texts are
 * cut out of one copy of the line: a blank after a word becomes its NUL, and
 * unquoting only ever moves text left within its word. */
static bool tokenize(struct parser *ps, const char *line, size_t len, struct rule *r)
{
	char *buf = arena_copy(ps->arena, line, len + 1);
	buf[len] = '\0'; /* the line held no NUL: the caller refused such lines */
	/* words are a blank apart, or end at a closing quote: two characters a word at least */
	if (ps->toks_cap < len / 2 + 2) {
		ps->toks_cap = len / 2 + 2;
		ps->toks = xrealloc(ps->toks, ps->toks_cap * sizeof(*ps->toks));
	}
	size_t i = 0, n = 0;
	while (i < len) {
		while (buf[i] == ' ' || buf[i] == '\t')
			i++;
		if (i >= len)
			break;
		size_t start = i;
		char *w = buf + i;
		bool quoted = false;
		for (;;) {
			size_t run = i;
			while (!word_stop[(unsigned char)buf[run]])
				run++;
			if (w != buf + i)
				memmove(w, buf + i, run - i);
			w += run - i;
			i = run;
			if (buf[i] != '"')
				break; /* a blank, or the end */
			char q = buf[i++];
			quoted = true;
			while (i < len && buf[i] != q) {
				if (buf[i] == '\\' && i + 1 < len && q == '"')
					i++;
				*w++ = buf[i++];
			}
			if (i >= len) {
				diag_error(ps->d, "unbalanced-quote", loc_span(ps->src, ps->line, (int)start + 1, (int)(len - start)),
					   "this quote is never closed");
				return false;
			}
			i++;
			/* the closing quote ends the word, as in iptables-restore:
			 * --comment "x"-j ACCEPT is two words */
			if (q == '"')
				break;
		}
		bool blank = i < len && (buf[i] == ' ' || buf[i] == '\t');
		*w = '\0'; /* over the blank that ended the word, or where the word was moved from */
		ps->toks[n++] = (struct token){.col = (int)start + 1,
					       .len = (unsigned)(i - start) & INT_MAX, .quoted = quoted};
		if (blank)
			i++;
	}
	r->line = buf;
	r->tok = arena_copy(ps->arena, ps->toks, n * sizeof(*ps->toks));
	r->ntok = n;
	return true;
}

/* ---- lines ---- */

static bool is_counters(const struct rule *r, const struct token *t)
{
	const char *w = word(r, t);
	return w[0] == '[' && w[strlen(w) - 1] == ']' && strchr(w, ':');
}

static bool parse_position(struct parser *ps, struct rule *r, size_t i, long *num)
{
	if (i >= r->ntok || is_option(r, &r->tok[i]) || is_bang(r, &r->tok[i]))
		return false;
	char *end;
	long v = strtol(rule_word(r, (int)i), &end, 10);
	if (*end || v < 1) {
		diag_error(ps->d, "bad-value", rule_tok_loc(r, (int)i), "rule position '%s' must be a number from 1",
			   rule_word(r, (int)i));
		*num = -1;
		return true;
	}
	*num = v;
	return true;
}

static void report_chain_name(struct parser *ps, const struct rule *r, int tok)
{
	diag_error(ps->d, "bad-name", rule_tok_loc(r, tok), "'%s' is not a valid chain name (1 to %d characters, no "
		   "blanks, not starting with '-' or '!', not a target name)", r->chain, CHAIN_NAME_MAX);
}

static bool need_chain(struct parser *ps, struct rule *r, size_t i)
{
	if (i >= r->ntok || is_option(r, &r->tok[i])) {
		diag_error(ps->d, "missing-argument", rule_tok_loc(r, 0), "%s needs a chain name", rule_word(r, 0));
		return false;
	}
	r->chain_tok = (int)i;
	r->chain = rule_word(r, (int)i);
	if (ps->last_chain && !strcmp(ps->last_chain, r->chain)) {
		r->chain = ps->last_chain;
		return true;
	}
	if (!valid_chain_name(r->chain))
		report_chain_name(ps, r, (int)i);
	ps->last_chain = r->chain;
	return true;
}

/* The command word of a line (-A, --append, ...); false after reporting an unknown one. */
static bool command_of(struct parser *ps, struct rule *r)
{
	static const struct { const char *s, *l; enum rule_cmd cmd; } cmds[] = {
		{"-A", "--append", CMD_APPEND}, {"-I", "--insert", CMD_INSERT}, {"-D", "--delete", CMD_DELETE},
		{"-R", "--replace", CMD_REPLACE}, {"-N", "--new-chain", CMD_NEW}, {"-F", "--flush", CMD_FLUSH},
		{"-X", "--delete-chain", CMD_DELCHAIN}, {"-Z", "--zero", CMD_ZERO}, {"-P", "--policy", CMD_POLICY},
		{"-E", "--rename-chain", CMD_RENAME},
	};
	const char *c = rule_word(r, 0);
	r->chain_tok = -1;
	r->spec_tok = (int)r->ntok;
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (!strcmp(c, cmds[k].s) || !strcmp(c, cmds[k].l)) {
			r->cmd = cmds[k].cmd;
			return true;
		}
	}
	bool t = !strcmp(c, "-t") || !strcmp(c, "--table");
	diag_error(ps->d, "bad-syntax", rule_tok_loc(r, 0), t ? "-t has no place in a restore file: tables are "
		   "opened with a *table line" : "unknown command '%s' (expected -A, -I, -D, -R, -N, -F, -X, "
		   "-Z, -P, -E, a :CHAIN line or COMMIT)", c);
	r->cmd = CMD_ZERO;
	return false;
}

/* -D CHAIN POSITION, or -D CHAIN RULE */
static void parse_delete(struct parser *ps, struct rule *r)
{
	if (r->ntok == 2)
		diag_error(ps->d, "missing-argument", rule_tok_loc(r, 1), "-D needs a rule position or a rule");
	else if (!parse_position(ps, r, 2, &r->num))
		parse_spec(ps, r, 2);
	else if (r->ntok > 3)
		diag_error(ps->d, "bad-syntax", rule_tok_loc(r, 3), "-D takes a position or a rule, not both");
}

/* -P CHAIN POLICY and -E CHAIN NEWNAME: the word after the chain. */
static const char *second_word(struct parser *ps, const struct rule *r, const char *missing)
{
	if (r->ntok >= 3)
		return rule_word(r, 2);
	diag_error(ps->d, "missing-argument", rule_tok_loc(r, 1), "%s", missing);
	return NULL;
}

static void parse_command(struct parser *ps, struct rule *r)
{
	if (!command_of(ps, r))
		return;
	bool all_chains = (r->cmd == CMD_FLUSH || r->cmd == CMD_DELCHAIN || r->cmd == CMD_ZERO) && r->ntok == 1;
	switch (all_chains || !need_chain(ps, r, 1) ? CMD_ZERO : r->cmd) {
	case CMD_APPEND:
		parse_spec(ps, r, 2);
		break;
	case CMD_INSERT:
		parse_spec(ps, r, parse_position(ps, r, 2, &r->num) ? 3 : 2);
		break;
	case CMD_DELETE:
		parse_delete(ps, r);
		break;
	case CMD_REPLACE:
		if (!parse_position(ps, r, 2, &r->num))
			diag_error(ps->d, "missing-argument", rule_tok_loc(r, 1), "-R needs a rule position");
		else
			parse_spec(ps, r, 3);
		break;
	case CMD_POLICY:
		r->policy = second_word(ps, r, "-P needs a policy (ACCEPT or DROP)");
		break;
	case CMD_RENAME:
		r->newname = second_word(ps, r, "-E needs the new name");
		break;
	default: /* -N, -F, -X, -Z: the chain is all */
		break;
	}
	/* a rule's canonical text, "" when the line holds none */
	if (r->cmd == CMD_APPEND || r->cmd == CMD_INSERT || r->cmd == CMD_DELETE || r->cmd == CMD_REPLACE)
		finish_spec(ps, r);
}

static void parse_declaration(struct parser *ps, const struct table *tb, struct rule *r)
{
	r->cmd = CMD_DECLARE;
	r->chain_tok = 0;
	r->chain = rule_word(r, 0) + 1;
	r->spec_tok = (int)r->ntok;
	bool builtin = chain_is_builtin(tb->name, r->chain);
	if (!valid_chain_name(r->chain))
		report_chain_name(ps, r, 0);
	if (r->ntok < 2) {
		diag_error(ps->d, "missing-argument", rule_tok_loc(r, 0), "a chain line is ':NAME POLICY [packets:bytes]'");
		return;
	}
	r->policy = rule_word(r, 1);
	/* '-' on a built-in chain keeps its policy (both flavours load it) */
	if (builtin && strcmp(r->policy, "ACCEPT") && strcmp(r->policy, "DROP") && strcmp(r->policy, "-"))
		diag_error(ps->d, "bad-value", rule_tok_loc(r, 1), "built-in chain %s takes policy ACCEPT, DROP or '-' "
			   "(keep it), not '%s'", r->chain, r->policy);
	if (!builtin && strcmp(r->policy, "-"))
		diag_error(ps->d, "bad-value", rule_tok_loc(r, 1), "user chain %s takes no policy: write '-'", r->chain);
	if (r->ntok > 2 && !is_counters(r, &r->tok[2]))
		diag_error(ps->d, "bad-syntax", rule_tok_loc(r, 2), "expected [packets:bytes] counters");
}

/* ---- the whole file ----
 * Two passes: the lines are sorted out (tables, COMMITs, rule lines, lines
 * iptables-restore refuses), then walked in order: each rule line is parsed
 * and filed into its table, every diagnostic in file order. */

enum line_kind {
	LINE_NUL, LINE_TABLE, LINE_COMMIT, LINE_RULE,
	/* lines iptables-restore refuses though they hold no command (tested
	 * with 1.8.9, nft and legacy): */
	LINE_BLANKS,         /* blanks only: "no command specified" */
	LINE_INDENTED_NOTE,  /* "  # ...": '#' only starts a comment in column 1 */
	LINE_COMMIT_TRAIL,   /* "COMMIT " : "Bad argument `COMMIT'" */
	LINE_COMMIT_NO_EOL,  /* the file ends in COMMIT without a newline: legacy refuses */
	LINE_TOO_LONG,       /* longer than iptables-restore reads at once: the rest is a line of its own */
};

struct line_event {
	enum line_kind kind;
	int ln;
	int col; /* where '*' or COMMIT stands */
};

/* A rule line, as the walk over the lines finds it: the table last opened
 * (-1: none) and whether it is still open there. */
struct rule_line {
	int ln;
	int table;
	bool open;
};

/* Parses rule line rl into r; whether r is a rule to keep (in an open
 * table, more than [packets:bytes] counters). */
static bool parse_rule_line(struct parser *ps, const struct table *tables, const struct rule_line *rl, struct rule *r)
{
	size_t len;
	const char *line = source_line(ps->src, rl->ln, &len);
	*r = (struct rule){.loc = loc_line(ps->src, rl->ln)};
	ps->line = rl->ln;
	ps->text = line;
	if (!tokenize(ps, line, len, r) || !r->ntok)
		return false;
	if (!rl->open)
		diag_error(ps->d, "outside-table", r->loc, "this line stands outside a table: open one with *filter "
			   "(or *nat, ...) and close it with COMMIT");
	if (is_counters(r, &r->tok[0])) {
		/* iptables-save -c puts [packets:bytes] first */
		r->tok++;
		r->ntok--;
	}
	if (!r->ntok)
		return false;
	if (rule_word(r, 0)[0] == ':' && !r->tok[0].quoted && rl->table >= 0) {
		parse_declaration(ps, &tables[rl->table], r);
	} else {
		if (r->ntok > RESTORE_WORDS_MAX)
			diag_error(ps->d, "bad-syntax", rule_tok_loc(r, RESTORE_WORDS_MAX), "this line has %zu words: "
				   "iptables-restore takes at most %d (\"Parser cannot handle more arguments\")", r->ntok,
				   RESTORE_WORDS_MAX);
		parse_command(ps, r);
	}
	return rl->open;
}

/* ---- two shares of a big file, on two threads (both.h) ----
 * A big file's rule lines are parsed in two shares, each with its own
 * parser, arena and findings: every line records how many findings it made
 * and whether its rule is kept, and the walk in file order afterwards takes
 * them over line by line, so the output is exactly one thread's. The second
 * share starts with the family the lines before it fixed (they nearly always
 * do on an early line). This
 * buys check --full of a 100,000-rule dump 0.10 s -> 0.08 s, the margin of
 * its target (5x iptables-restore --test, docs/benchmarks.md). */

struct share {
	struct parser ps;
	struct diags d;
	const struct rule_line *lines;
	const struct table *tables;
	struct rule *rules;     /* one slot per rule line */
	unsigned *ndiags;       /* the findings each line made */
	bool *keep;
	size_t from, to;
};

static void parse_share(void *arg)
{
	struct share *sh = arg;
	populate(sh->rules + sh->from, (sh->to - sh->from) * sizeof(*sh->rules)); /* each share its own slice */
	for (size_t j = sh->from; j < sh->to; j++) {
		size_t before = sh->d.n;
		sh->keep[j] = parse_rule_line(&sh->ps, sh->tables, &sh->lines[j], &sh->rules[j]);
		sh->ndiags[j] = (unsigned)(sh->d.n - before);
	}
}

/* The first rule line from the middle of the rules' text on (long lines
 * cost more than short ones). */
static size_t text_middle(const struct source *src, const struct rule_line *lines, size_t n)
{
	size_t first = src->line_start[lines[0].ln - 1], last = src->line_start[lines[n - 1].ln - 1];
	size_t middle = first + (last - first) / 2, lo = 1, hi = n - 1;
	while (lo < hi) {
		size_t j = lo + (hi - lo) / 2;
		if (src->line_start[lines[j].ln - 1] < middle)
			lo = j + 1;
		else
			hi = j;
	}
	return lo;
}

/* Parses every rule line into sh[0] (and sh[1], on a second thread, for a big file). */
static void parse_lines(struct share sh[2], size_t n)
{
	sh[0].from = 0;
	sh[0].to = n;
	if (!both_worthwhile(n)) {
		parse_share(&sh[0]);
		return;
	}
	size_t mid = text_middle(sh[0].ps.src, sh[0].lines, n);
	/* the lines that fix the family first: the second share starts with it */
	for (; sh[0].from < mid && !sh[0].ps.family_fixed; sh[0].from++) {
		sh[0].to = sh[0].from + 1;
		parse_share(&sh[0]);
	}
	sh[0].to = mid;
	sh[1].ps.family = sh[0].ps.family;
	sh[1].ps.family_fixed = sh[0].ps.family_fixed;
	sh[1].from = sh[0].to;
	sh[1].to = n;
	both_run(parse_share, &sh[0], parse_share, &sh[1]);
}

static void parser_free(struct parser *ps)
{
	free(ps->toks);
	free(ps->ms);
	free(ps->opts);
	free(ps->topts);
}

/* Whether the line source_line gave ends in a carriage return (it leaves it out). */
static bool ends_in_cr(const struct source *src, const char *line, size_t len)
{
	return line + len < src->text + src->len && line[len] == '\r';
}

/* The family a comment line names: the save tools' headers, dfwgen's own. */
static enum family header_family(const char *line, size_t len)
{
	static const struct { const char *text; enum family f; } headers[] = {
		{"# Generated by ip6tables-save", FAM_V6}, {"# Generated by iptables-save", FAM_V4},
		{"# dfwgen: IPv6 rules", FAM_V6}, {"# dfwgen: IPv4 rules", FAM_V4},
	};
	for (size_t i = 0; i < sizeof(headers) / sizeof(*headers); i++) {
		size_t n = strlen(headers[i].text);
		if (len >= n && !memcmp(line, headers[i].text, n))
			return headers[i].f;
	}
	return FAM_NONE;
}

/* Whether any "icmp" in the text is ICMPv6: -p ipv6-icmp, -p icmpv6,
 * --icmpv6-type, -m icmp6. One pass: "icmp" is rare in an IPv4 file. */
static bool mentions_icmp6(const struct source *src)
{
	/* strstr, one NUL-ended stretch of the text at a time (text[len] is a
	 * NUL): on a 100,000-rule dump glibc's takes 0.45 ms, its memmem 2.7 */
	const char *end = src->text + src->len;
	for (const char *seg = src->text; seg < end; seg += strlen(seg) + 1) {
		for (const char *at = seg; (at = strstr(at, "icmp")); at += 4) {
			size_t before = (size_t)(at - src->text);
			if ((before >= 8 && !memcmp(at - 8, "-p ipv6-", 8)) || str_has_prefix(at + 4, "v6") ||
			    (before >= 3 && !memcmp(at - 3, "-m ", 3) && at[4] == '6'))
				return true;
		}
	}
	return false;
}

/* Whether a line too long for iptables-restore is harmless all the same:
 * every piece it reads as a line of its own is a comment. */
static bool spills_comments(const char *line, size_t len)
{
	for (size_t at = RESTORE_LINE_MAX; at < len; at += RESTORE_LINE_MAX) {
		if (line[at] != '#')
			return false;
	}
	return true;
}

/* Sorts the lines out: no diagnostics yet (they come in the last pass).
 * *header: the family a header line names (an IPv6 one wins), else FAM_NONE. */
static struct line_event *classify_lines(struct ruleset *rs, size_t *nev, enum family *header)
{
	const struct source *src = rs->src;
	/* at most three events a line: a COMMIT line may also be two findings */
	struct line_event *ev = xmalloc((3 * src->nlines + 1) * sizeof(*ev));
	size_t n = 0;
	bool any_nul = strlen(src->text) < src->len; /* one scan, not one a line */
	for (size_t ln = 1; ln <= src->nlines; ln++) {
		size_t len;
		const char *line = source_line(src, (int)ln, &len);
		size_t i = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		bool cr = ends_in_cr(src, line, len);
		if (len > RESTORE_LINE_MAX && !spills_comments(line, len))
			ev[n++] = (struct line_event){.kind = LINE_TOO_LONG, .ln = (int)ln, .col = RESTORE_LINE_MAX + 1};
		if (i == len && (len || cr)) {
			ev[n++] = (struct line_event){.kind = LINE_BLANKS, .ln = (int)ln, .col = 1};
			continue;
		}
		if (i == len)
			continue;
		if (line[0] == '#') {
			enum family f = header_family(line, len);
			if (f != FAM_NONE && *header != FAM_V6)
				*header = f;
			continue;
		}
		if (line[i] == '#') {
			ev[n++] = (struct line_event){.kind = LINE_INDENTED_NOTE, .ln = (int)ln, .col = (int)i + 1};
			continue;
		}
		if (cr && !rs->cr_line)
			rs->cr_line = (int)ln;
		rs->cr_lines += cr;
		struct line_event e = {.kind = LINE_RULE, .ln = (int)ln, .col = (int)i + 1};
		if (any_nul && memchr(line, '\0', len)) {
			e.kind = LINE_NUL;
		} else if (line[i] == '*') {
			e.kind = LINE_TABLE;
			struct table t = {.name = xstrndup(line + i + 1, len - i - 1),
					  .loc = loc_span(src, (int)ln, (int)i + 1, (int)(len - i))};
			char *tn = trim(t.name);
			memmove(t.name, tn, strlen(tn) + 1);
			VEC_PUSH(rs->tables, rs->n, rs->cap, t);
		} else if (len - i >= 6 && !strncmp(line + i, "COMMIT", 6) &&
			   (len - i == 6 || isspace((unsigned char)line[i + 6]))) {
			e.kind = LINE_COMMIT;
			if (len - i > 6)
				ev[n++] = (struct line_event){.kind = LINE_COMMIT_TRAIL, .ln = (int)ln, .col = (int)i + 7};
			else if (ln == src->nlines && src->len && src->text[src->len - 1] != '\n')
				ev[n++] = (struct line_event){.kind = LINE_COMMIT_NO_EOL, .ln = (int)ln, .col = (int)i + 1};
		}
		ev[n++] = e;
	}
	*nev = n;
	return ev;
}

/* A line that is no rule: a table, a COMMIT, or one iptables-restore refuses. */
static void file_line(struct ruleset *rs, const struct line_event *e, struct table **tb, size_t *nt, size_t kept,
		      struct diags *d)
{
	const struct source *src = rs->src;
	struct loc l = loc_line(src, e->ln);
	switch (e->kind) {
	case LINE_NUL:
		diag_error(d, "bad-syntax", l, "line contains a NUL byte (binary data?)");
		break;
	case LINE_BLANKS:
		diag_error(d, "bad-syntax", l, "a line of blanks only (or a carriage return): iptables-restore refuses "
			   "it (\"no command specified\"); make it empty");
		break;
	case LINE_INDENTED_NOTE:
		diag_error(d, "bad-syntax", loc_span(src, e->ln, e->col, 1), "an indented comment: iptables-restore "
			   "skips only lines whose first character is '#', and refuses this one");
		break;
	case LINE_COMMIT_TRAIL:
		diag_error(d, "bad-syntax", loc_span(src, e->ln, e->col, 1), "blanks after COMMIT: iptables-restore "
			   "takes the line for a command and refuses it (\"Bad argument `COMMIT'\")");
		break;
	case LINE_TOO_LONG:
		diag_error(d, "line-too-long", loc_span(src, e->ln, e->col, 1), "this line is longer than the %d characters "
			   "iptables-restore reads of a line at once: it takes the rest for a line of its own and refuses "
			   "it", RESTORE_LINE_MAX);
		break;
	case LINE_COMMIT_NO_EOL:
		diag_error(d, "no-final-newline", l, "the file ends in COMMIT without a newline: iptables-legacy-restore "
			   "refuses it (\"Bad argument `COMMIT'\"); the nft flavour accepts it");
		break;
	case LINE_TABLE:
		if (*tb && !(*tb)->committed)
			diag_error(d, "missing-commit", (*tb)->loc, "table %s is not closed by COMMIT before the next table",
				   (*tb)->name);
		*tb = &rs->tables[(*nt)++];
		(*tb)->rules = rs->rules + kept;
		if (!table_known((*tb)->name))
			diag_error(d, "bad-table", (*tb)->loc, "unknown table '%s' (filter, nat, mangle, raw, security)",
				   (*tb)->name);
		break;
	case LINE_COMMIT:
		if (!*tb || (*tb)->committed)
			diag_error(d, "bad-syntax", loc_span(src, e->ln, e->col, 6), "COMMIT without an open *table");
		else
			(*tb)->committed = true;
		break;
	case LINE_RULE:
		break;
	}
}

/* Where each rule line stands: its table, and whether that is still open. */
static struct rule_line *rule_lines(const struct line_event *ev, size_t nev, size_t *n)
{
	struct rule_line *lines = xmalloc((nev + 1) * sizeof(*lines));
	int table = -1;
	bool open = false;
	*n = 0;
	for (size_t e = 0; e < nev; e++) {
		if (ev[e].kind == LINE_TABLE) {
			table++;
			open = true;
		} else if (ev[e].kind == LINE_COMMIT) {
			open = false;
		} else if (ev[e].kind == LINE_RULE) {
			lines[(*n)++] = (struct rule_line){.ln = ev[e].ln, .table = table, .open = open};
		}
	}
	return lines;
}

struct ruleset *ruleset_parse(const struct source *src, enum family family, struct diags *d)
{
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	rs->src = src;
	size_t nev, n;
	enum family header = FAM_NONE;
	struct line_event *ev = classify_lines(rs, &nev, &header);
	/* before any address does, the family a file says it is for: the save
	 * tool's header (or dfwgen's), then ICMPv6 in its rules */
	if (family == FAM_NONE)
		family = header != FAM_NONE ? header : mentions_icmp6(src) ? FAM_V6 : FAM_NONE;
	struct rule_line *lines = rule_lines(ev, nev, &n);
	/* every rule line's rule, in file order; the tables take slices of it */
	rs->rules = xmalloc((n ? n : 1) * sizeof(*rs->rules));
	unsigned *ndiags = xmalloc((n ? n : 1) * sizeof(*ndiags));
	bool *keep = xmalloc(n ? n : 1);
	struct share sh[2];
	for (int i = 0; i < 2; i++)
		sh[i] = (struct share){.ps = {.src = src, .d = &sh[i].d, .arena = &rs->arenas[i],
					     .family = family != FAM_NONE ? family : FAM_V4, .family_fixed = family != FAM_NONE},
				       .d.warnings_are_errors = d->warnings_are_errors, .lines = lines, .tables = rs->tables,
				       .rules = rs->rules, .ndiags = ndiags, .keep = keep};
	parse_lines(sh, n);
	rs->family = (sh[1].to ? sh[1] : sh[0]).ps.family;
	/* in file order: tables, their rules, and every finding */
	struct table *tb = NULL;
	size_t nt = 0, kept = 0, j = 0, at[2] = {0, 0};
	for (size_t e = 0; e < nev; e++) {
		if (ev[e].kind != LINE_RULE) {
			file_line(rs, &ev[e], &tb, &nt, kept, d);
			continue;
		}
		int w = j >= sh[0].to;
		diags_move(d, &sh[w].d, at[w], ndiags[j]);
		at[w] += ndiags[j];
		if (keep[j]) { /* kept <= j: a rule is moved only towards the front (usually not at all) */
			if (kept != j)
				rs->rules[kept] = rs->rules[j];
			kept++;
			tb->n++;
		}
		j++;
	}
	if (tb && !tb->committed)
		diag_error(d, "missing-commit", tb->loc, "table %s is never closed by COMMIT: iptables-restore "
			   "would apply none of it", tb->name);
	if (rs->cr_line)
		diag_error(d, "crlf", loc_line(src, rs->cr_line), "this line ends in a carriage return (DOS line ends; "
			   "%d such line%s): iptables-restore refuses it; convert the file (dos2unix)", rs->cr_lines,
			   rs->cr_lines == 1 ? "" : "s");
	for (int i = 0; i < 2; i++) {
		parser_free(&sh[i].ps);
		diags_free(&sh[i].d);
	}
	free(ev);
	free(lines);
	free(ndiags);
	free(keep);
	return rs;
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t t = 0; t < rs->n; t++)
		free(rs->tables[t].name);
	free(rs->tables);
	free(rs->rules);
	for (int i = 0; i < 2; i++)
		arena_free(&rs->arenas[i]);
	free(rs);
}

