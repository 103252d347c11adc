#include "ruleset.h"

#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the catalogue: matches and targets, the options each takes, and how
 * to check their values. Table-driven, like pfctl's rule field tables. ---- */

enum value_kind {
	V_ANY, V_FLAG, V_PORT, V_PORTLIST, V_STATES, V_RATE, V_NUM, V_COMMENT, V_SET,
	V_ADDR, V_CTDIR, V_POLDIR, V_POL, V_LOGPREFIX, V_REJECT, V_CTPROTO, V_MAC,
};

struct opt_def {
	const char *name;
	const char *alias;
	int nargs;
	enum value_kind kind;
};

struct ext_def {
	const char *name;
	const struct opt_def *opts; /* NULL-terminated */
	bool terminal;              /* targets: ends the chain's traversal */
};

#define PORT_OPTS {"--dport", "--destination-port", 1, V_PORT}, {"--sport", "--source-port", 1, V_PORT}

static const struct opt_def tcp_opts[] = {PORT_OPTS, {"--tcp-flags", NULL, 2, V_ANY},
	{"--syn", NULL, 0, V_FLAG}, {"--tcp-option", NULL, 1, V_NUM}, {0}};
static const struct opt_def udp_opts[] = {PORT_OPTS, {0}};
static const struct opt_def multiport_opts[] = {{"--dports", "--destination-ports", 1, V_PORTLIST},
	{"--sports", "--source-ports", 1, V_PORTLIST}, {"--ports", NULL, 1, V_PORTLIST}, {0}};
static const struct opt_def conntrack_opts[] = {{"--ctstate", NULL, 1, V_STATES},
	{"--ctproto", NULL, 1, V_CTPROTO}, {"--ctorigsrc", NULL, 1, V_ADDR}, {"--ctorigdst", NULL, 1, V_ADDR},
	{"--ctreplsrc", NULL, 1, V_ADDR}, {"--ctrepldst", NULL, 1, V_ADDR},
	{"--ctorigsrcport", NULL, 1, V_PORT}, {"--ctorigdstport", NULL, 1, V_PORT},
	{"--ctreplsrcport", NULL, 1, V_PORT}, {"--ctrepldstport", NULL, 1, V_PORT},
	{"--ctstatus", NULL, 1, V_ANY}, {"--ctexpire", NULL, 1, V_ANY}, {"--ctdir", NULL, 1, V_CTDIR}, {0}};
static const struct opt_def state_opts[] = {{"--state", NULL, 1, V_STATES}, {0}};
static const struct opt_def set_opts[] = {{"--match-set", NULL, 2, V_SET},
	{"--return-nomatch", NULL, 0, V_FLAG}, {"--update-counters", NULL, 0, V_FLAG},
	{"--update-subcounters", NULL, 0, V_FLAG}, {"--packets-eq", NULL, 1, V_NUM},
	{"--packets-lt", NULL, 1, V_NUM}, {"--packets-gt", NULL, 1, V_NUM},
	{"--bytes-eq", NULL, 1, V_NUM}, {"--bytes-lt", NULL, 1, V_NUM}, {"--bytes-gt", NULL, 1, V_NUM}, {0}};
static const struct opt_def comment_opts[] = {{"--comment", NULL, 1, V_COMMENT}, {0}};
static const struct opt_def limit_opts[] = {{"--limit", NULL, 1, V_RATE}, {"--limit-burst", NULL, 1, V_NUM}, {0}};
static const struct opt_def icmp_opts[] = {{"--icmp-type", NULL, 1, V_ANY}, {0}};
static const struct opt_def icmp6_opts[] = {{"--icmpv6-type", NULL, 1, V_ANY}, {0}};
static const struct opt_def policy_opts[] = {{"--dir", NULL, 1, V_POLDIR}, {"--pol", NULL, 1, V_POL},
	{"--strict", NULL, 0, V_FLAG}, {"--reqid", NULL, 1, V_NUM}, {"--spi", NULL, 1, V_ANY},
	{"--proto", NULL, 1, V_ANY}, {"--mode", NULL, 1, V_ANY}, {"--tunnel-src", NULL, 1, V_ANY},
	{"--tunnel-dst", NULL, 1, V_ANY}, {"--next", NULL, 0, V_FLAG}, {0}};
static const struct opt_def addrtype_opts[] = {{"--src-type", NULL, 1, V_ANY}, {"--dst-type", NULL, 1, V_ANY},
	{"--limit-iface-in", NULL, 0, V_FLAG}, {"--limit-iface-out", NULL, 0, V_FLAG}, {0}};
static const struct opt_def physdev_opts[] = {{"--physdev-in", NULL, 1, V_ANY}, {"--physdev-out", NULL, 1, V_ANY},
	{"--physdev-is-in", NULL, 0, V_FLAG}, {"--physdev-is-out", NULL, 0, V_FLAG},
	{"--physdev-is-bridged", NULL, 0, V_FLAG}, {0}};
static const struct opt_def mark_opts[] = {{"--mark", NULL, 1, V_ANY}, {0}};
static const struct opt_def iprange_opts[] = {{"--src-range", NULL, 1, V_ANY}, {"--dst-range", NULL, 1, V_ANY}, {0}};
static const struct opt_def mac_opts[] = {{"--mac-source", NULL, 1, V_MAC}, {0}};
static const struct opt_def pkttype_opts[] = {{"--pkt-type", NULL, 1, V_ANY}, {0}};
static const struct opt_def length_opts[] = {{"--length", NULL, 1, V_ANY}, {0}};
static const struct opt_def recent_opts[] = {{"--name", NULL, 1, V_ANY}, {"--set", NULL, 0, V_FLAG},
	{"--rcheck", NULL, 0, V_FLAG}, {"--update", NULL, 0, V_FLAG}, {"--remove", NULL, 0, V_FLAG},
	{"--seconds", NULL, 1, V_NUM}, {"--reap", NULL, 0, V_FLAG}, {"--hitcount", NULL, 1, V_NUM},
	{"--rttl", NULL, 0, V_FLAG}, {"--rsource", NULL, 0, V_FLAG}, {"--rdest", NULL, 0, V_FLAG},
	{"--mask", NULL, 1, V_ANY}, {0}};
static const struct opt_def owner_opts[] = {{"--uid-owner", NULL, 1, V_ANY}, {"--gid-owner", NULL, 1, V_ANY},
	{"--socket-exists", NULL, 0, V_FLAG}, {"--suppl-groups", NULL, 0, V_FLAG}, {0}};

static const struct ext_def matches[] = {
	{"addrtype", addrtype_opts, false}, {"comment", comment_opts, false},
	{"connmark", mark_opts, false}, {"conntrack", conntrack_opts, false},
	{"icmp", icmp_opts, false}, {"icmp6", icmp6_opts, false}, {"iprange", iprange_opts, false},
	{"length", length_opts, false}, {"limit", limit_opts, false}, {"mac", mac_opts, false},
	{"mark", mark_opts, false}, {"multiport", multiport_opts, false}, {"owner", owner_opts, false},
	{"physdev", physdev_opts, false}, {"pkttype", pkttype_opts, false}, {"policy", policy_opts, false},
	{"recent", recent_opts, false}, {"set", set_opts, false}, {"state", state_opts, false},
	{"tcp", tcp_opts, false}, {"udp", udp_opts, false},
};

static const struct opt_def no_opts[] = {{0}};
static const struct opt_def reject_opts[] = {{"--reject-with", NULL, 1, V_REJECT}, {0}};
static const struct opt_def log_opts[] = {{"--log-prefix", NULL, 1, V_LOGPREFIX}, {"--log-level", NULL, 1, V_ANY},
	{"--log-tcp-sequence", NULL, 0, V_FLAG}, {"--log-tcp-options", NULL, 0, V_FLAG},
	{"--log-ip-options", NULL, 0, V_FLAG}, {"--log-uid", NULL, 0, V_FLAG},
	{"--log-macdecode", NULL, 0, V_FLAG}, {0}};
/* each NAT target's own options: abbreviations (--to) are resolved among them */
static const struct opt_def dnat_opts[] = {{"--to-destination", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG},
	{"--persistent", NULL, 0, V_FLAG}, {0}};
static const struct opt_def snat_opts[] = {{"--to-source", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG},
	{"--random-fully", NULL, 0, V_FLAG}, {"--persistent", NULL, 0, V_FLAG}, {0}};
static const struct opt_def masq_opts[] = {{"--to-ports", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG},
	{"--random-fully", NULL, 0, V_FLAG}, {0}};
static const struct opt_def redirect_opts[] = {{"--to-ports", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG}, {0}};
static const struct opt_def mark_target_opts[] = {{"--set-mark", NULL, 1, V_ANY}, {"--set-xmark", NULL, 1, V_ANY},
	{"--and-mark", NULL, 1, V_ANY}, {"--or-mark", NULL, 1, V_ANY}, {"--xor-mark", NULL, 1, V_ANY},
	{"--save-mark", NULL, 0, V_FLAG}, {"--restore-mark", NULL, 0, V_FLAG}, {"--nfmask", NULL, 1, V_ANY},
	{"--ctmask", NULL, 1, V_ANY}, {"--mask", NULL, 1, V_ANY}, {0}};
static const struct opt_def nflog_opts[] = {{"--nflog-group", NULL, 1, V_NUM}, {"--nflog-prefix", NULL, 1, V_ANY},
	{"--nflog-range", NULL, 1, V_NUM}, {"--nflog-size", NULL, 1, V_NUM}, {"--nflog-threshold", NULL, 1, V_NUM}, {0}};
static const struct opt_def nfqueue_opts[] = {{"--queue-num", NULL, 1, V_NUM}, {"--queue-balance", NULL, 1, V_ANY},
	{"--queue-bypass", NULL, 0, V_FLAG}, {"--queue-cpu-fanout", NULL, 0, V_FLAG}, {0}};
static const struct opt_def tcpmss_opts[] = {{"--set-mss", NULL, 1, V_NUM}, {"--clamp-mss-to-pmtu", NULL, 0, V_FLAG}, {0}};
static const struct opt_def ct_opts[] = {{"--notrack", NULL, 0, V_FLAG}, {"--zone", NULL, 1, V_ANY},
	{"--helper", NULL, 1, V_ANY}, {"--ctevents", NULL, 1, V_ANY}, {"--expevents", NULL, 1, V_ANY},
	{"--timeout", NULL, 1, V_ANY}, {0}};
static const struct opt_def checksum_opts[] = {{"--checksum-fill", NULL, 0, V_FLAG}, {0}};
static const struct opt_def set_target_opts[] = {{"--add-set", NULL, 2, V_SET}, {"--del-set", NULL, 2, V_SET},
	{"--exist", NULL, 0, V_FLAG}, {"--timeout", NULL, 1, V_NUM}, {0}};

/* sorted by name for bsearch */
static const struct ext_def targets[] = {
	{"ACCEPT", no_opts, true}, {"CHECKSUM", checksum_opts, false}, {"CONNMARK", mark_target_opts, false},
	{"CT", ct_opts, false}, {"DNAT", dnat_opts, true}, {"DROP", no_opts, true},
	{"LOG", log_opts, false}, {"MARK", mark_target_opts, false}, {"MASQUERADE", masq_opts, true},
	{"NFLOG", nflog_opts, false}, {"NFQUEUE", nfqueue_opts, true}, {"NOTRACK", no_opts, false},
	{"QUEUE", no_opts, true}, {"REDIRECT", redirect_opts, true}, {"REJECT", reject_opts, true},
	{"RETURN", no_opts, true}, {"SET", set_target_opts, false}, {"SNAT", snat_opts, true},
	{"TCPMSS", tcpmss_opts, false}, {"TRACE", no_opts, false},
};

/* Targets the kernel has whose options dfwgen does not check (sorted). */
static const char *const other_targets[] = {
	"AUDIT", "CLASSIFY", "CLUSTERIP", "CONNSECMARK", "DNPT", "DSCP", "ECN", "HL", "HMARK",
	"IDLETIMER", "LED", "NETMAP", "RATEEST", "SECMARK", "SNPT", "SYNPROXY", "TCPOPTSTRIP",
	"TEE", "TOS", "TPROXY", "TTL", "ULOG",
};

static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool is_other_target(const char *name)
{
	return bsearch(name, other_targets, sizeof(other_targets) / sizeof(other_targets[0]),
		       sizeof(other_targets[0]), name_cmp) != NULL;
}

static int ext_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ext_def *)elem)->name);
}

static const struct ext_def *find_match(const char *name)
{
	return bsearch(name, matches, sizeof(matches) / sizeof(matches[0]), sizeof(matches[0]), ext_cmp);
}

static const struct ext_def *find_target(const char *name)
{
	return bsearch(name, targets, sizeof(targets) / sizeof(targets[0]), sizeof(targets[0]), ext_cmp);
}

/* A name looked up last, and what it found. */
struct cached_ext {
	const char *name;
	const struct ext_def *def;
};

static const struct ext_def *find_cached(struct cached_ext *c, const char *name,
					 const struct ext_def *(*find)(const char *))
{
	if (!c->name || strcmp(c->name, name)) {
		c->name = name;
		c->def = find(name);
	}
	return c->def;
}

static const struct opt_def *find_opt(const struct opt_def *opts, const char *name)
{
	for (; opts && opts->name; opts++) {
		if (strcmp(opts->name, name) == 0 || (opts->alias && strcmp(opts->alias, name) == 0))
			return opts;
	}
	return NULL;
}

/* iptables reads long options with getopt_long, which takes any unambiguous
 * abbreviation: -m multiport --dport 80,443 is --dports. The one option NAME
 * abbreviates, or NULL (none, or more than one). */
static const struct opt_def *find_opt_prefix(const struct opt_def *opts, const char *name)
{
	const struct opt_def *found = NULL;
	size_t n = strlen(name);
	for (; opts && opts->name; opts++) {
		bool hit = !strncmp(opts->name, name, n) || (opts->alias && !strncmp(opts->alias, name, n));
		if (hit && found)
			return NULL;
		if (hit)
			found = opts;
	}
	return found;
}

static const char *const builtin_chains[][6] = {
	{"filter", "INPUT", "FORWARD", "OUTPUT", NULL},
	{"nat", "PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", NULL},
	{"mangle", "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
	{"raw", "PREROUTING", "OUTPUT", NULL},
	{"security", "INPUT", "FORWARD", "OUTPUT", NULL},
};

static int table_index(const char *table)
{
	for (int i = 0; i < 5; i++) {
		if (strcmp(builtin_chains[i][0], table) == 0)
			return i;
	}
	return -1;
}

bool chain_is_builtin(const char *table, const char *chain)
{
	int t = table_index(table);
	for (int i = 1; t >= 0 && i < 6 && builtin_chains[t][i]; i++) {
		if (strcmp(builtin_chains[t][i], chain) == 0)
			return true;
	}
	return false;
}

/* ---- tokens ---- */

/* One per parsing thread: all it writes is its own. */
struct parser {
	const struct source *src;
	struct diags *d;
	struct arena *arena;  /* where the rules it parses keep their data */
	enum family family;   /* the file's: its first address's */
	bool family_fixed;
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
	/* the last lookups: a dump names the same few chains, matches and
	 * targets on line after line */
	const char *valid_chain, *valid_iface;
	struct cached_ext match_seen, target_seen;
};

static struct loc tok_loc(const struct parser *ps, const struct token *t)
{
	return loc_span(ps->src, ps->line, t->col, t->len);
}

struct loc rule_tok_loc(const struct rule *r, int i)
{
	if (i < 0 || (size_t)i >= r->ntok)
		return r->loc;
	return loc_span(r->loc.src, r->loc.line, r->tok[i].col, r->tok[i].len);
}

/* What ends an unquoted stretch of a word (the NUL: the line's end). */
/* Only double quotes group words: iptables-restore takes a single quote for
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

static const char *word(const struct rule *r, const struct token *t)
{
	return r->line + t->col - 1;
}

/* "-5" is a negative number, not an option */
static bool is_option(const struct rule *r, const struct token *t)
{
	const char *w = word(r, t);
	return !t->quoted && w[0] == '-' && w[1] && (w[1] < '0' || w[1] > '9');
}

static bool is_bang(const struct rule *r, const struct token *t)
{
	const char *w = word(r, t);
	return !t->quoted && w[0] == '!' && !w[1];
}

/* ---- values ---- */

/* One address of an -s/-d value; the file's family is the first address's.
 * As iptables reads it: a dotted netmask, host bits it masks off. */
static bool parse_one_addr(struct parser *ps, const struct token *t, const char *text, struct addr *out,
			   enum addr_form *form)
{
	const char *why;
	enum addr_form f;
	if (!addr_parse_masked(text, out, &f, &why)) {
		diag_error(ps->d, "bad-address", tok_loc(ps, t), "'%s': %s", text, why);
		return false;
	}
	if (f == ADDR_MASKED) {
		char buf[ADDR_STRLEN];
		addr_format(out, buf, true);
		diag_warn(ps->d, "host-bits", tok_loc(ps, t), "'%s' has host bits set after its prefix: iptables "
			  "matches %s (did you mean the host, /%d?)", text, buf, addr_max_prefix(out->family));
	}
	if (f == ADDR_ATON) {
		char buf[ADDR_STRLEN];
		addr_format(out, buf, false);
		diag_warn(ps->d, "odd-address", tok_loc(ps, t), "'%s' is no plain dotted quad: iptables resolves it as "
			  "inet_aton does (a leading 0 makes a part octal) and matches %s", text, buf);
	}
	if (f > *form)
		*form = f;
	if (!ps->family_fixed) {
		ps->family = out->family;
		ps->family_fixed = true;
	} else if (out->family != ps->family) {
		diag_error(ps->d, "wrong-family", tok_loc(ps, t), "'%s' is an IPv%d address in a file "
			   "for IPv%d", text, out->family, ps->family);
		return false;
	}
	return true;
}

static bool parse_addr_value(struct parser *ps, const struct rule *r, const struct token *t, struct addr *first, bool *list,
			     enum addr_form *form)
{
	const char *text = word(r, t);
	size_t len = strlen(text);
	*list = strchr(text, ',') != NULL;
	/* the common case, one bare address: no copies */
	if (!*list && len && !isspace((unsigned char)text[0]) && !isspace((unsigned char)text[len - 1]))
		return parse_one_addr(ps, t, text, first, form);
	char **items;
	size_t n = split_list(text, &items);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		struct addr a;
		ok = parse_one_addr(ps, t, items[i], &a, form);
		if (ok && i == 0)
			*first = a;
	}
	free_list(items, n);
	return ok;
}

static bool valid_rate_text(const char *s)
{
	static const char *units[] = {"second", "minute", "hour", "day", "sec", "min", "s", "m", "h", "d", NULL};
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || v < 1 || *end != '/')
		return false;
	for (int i = 0; units[i]; i++) {
		if (strcmp(end + 1, units[i]) == 0)
			return true;
	}
	return false;
}

static bool in_words(const char *s, const char *const *words)
{
	for (; *words; words++) {
		if (strcmp(s, *words) == 0)
			return true;
	}
	return false;
}

static bool all_in_words(const char *list, const char *const *words)
{
	char **items;
	size_t n = split_list(list, &items);
	bool ok = n > 0;
	for (size_t i = 0; i < n && ok; i++)
		ok = in_words(items[i], words);
	free_list(items, n);
	return ok;
}

/* Six hex pairs separated by colons, as iptables' mac match parses them. */
static bool valid_mac(const char *s)
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		s += 2;
		if (*s != (i < 5 ? ':' : '\0'))
			return false;
		s += i < 5;
	}
	return true;
}

/* A port (or a range's end) by its /etc/services name, which iptables
 * resolves when it loads: every part a number or a known name, one a name. */
static bool service_port(const char *text)
{
	char *copy = xstrdup(text), *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	bool named = false, all = true;
	for (char *part = copy; part && all; part = colon ? colon + 1 : NULL, colon = NULL) {
		bool number = *part && strspn(part, "0123456789") == strlen(part);
		named |= !number;
		all = number || (*part && getservbyname(part, NULL));
	}
	free(copy);
	return all && named;
}

static void check_value(struct parser *ps, const struct rule *r, const struct opt_def *od, const struct token *args)
{
	static const char *const states[] = {"INVALID", "ESTABLISHED", "NEW", "RELATED", "UNTRACKED", "SNAT", "DNAT", NULL};
	static const char *const reject4[] = {"icmp-net-unreachable", "icmp-host-unreachable",
		"icmp-port-unreachable", "icmp-proto-unreachable", "icmp-net-prohibited",
		"icmp-host-prohibited", "icmp-admin-prohibited", "tcp-reset", NULL};
	static const char *const reject6[] = {"icmp6-no-route", "no-route", "icmp6-adm-prohibited",
		"adm-prohibited", "icmp6-addr-unreachable", "addr-unreach", "icmp6-port-unreachable",
		"port-unreach", "icmp6-policy-fail", "policy-fail", "icmp6-reject-route", "reject-route",
		"tcp-reset", NULL};
	const struct token *a = &args[0];
	struct loc l = tok_loc(ps, a);
	struct port_range pr;
	const char *why;
	struct addr addr;
	bool list;
	switch (od->kind) {
	case V_ANY:
	case V_FLAG:
		return;
	case V_PORT:
		if (port_parse(word(r, a), ':', true, &pr, &why))
			return;
		if (service_port(word(r, a)))
			diag_warn(ps->d, "service-name", l, "%s '%s' is a service name: iptables looks it up in "
				  "/etc/services when it loads the rule, so the port depends on that file", od->name, word(r, a));
		else
			diag_error(ps->d, "bad-port", l, "%s '%s': %s", od->name, word(r, a), why);
		return;
	case V_PORTLIST: {
		char **items;
		size_t n = split_list(word(r, a), &items), slots = 0;
		for (size_t i = 0; i < n; i++) {
			if (!port_parse(items[i], ':', true, &pr, &why) && service_port(items[i])) {
				diag_warn(ps->d, "service-name", l, "%s '%s' is a service name: iptables looks it up in "
					  "/etc/services when it loads the rule, so the port depends on that file", od->name, items[i]);
				slots++;
				continue;
			}
			if (!port_parse(items[i], ':', true, &pr, &why)) {
				diag_error(ps->d, "bad-port", l, "%s '%s': %s", od->name, items[i], why);
				break;
			}
			slots += pr.lo == pr.hi ? 1 : 2;
		}
		if (slots > 15)
			diag_error(ps->d, "bad-port", l, "multiport takes at most 15 ports (a range counts as two)");
		free_list(items, n);
		return;
	}
	case V_STATES:
		if (!all_in_words(word(r, a), states))
			diag_error(ps->d, "bad-value", l, "'%s' is not a list of connection states "
				   "(NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, SNAT, DNAT)", word(r, a));
		return;
	case V_RATE:
		if (!valid_rate_text(word(r, a)))
			diag_error(ps->d, "bad-value", l, "'%s' is not a rate such as 5/minute", word(r, a));
		return;
	case V_NUM: {
		char *end;
		strtoul(word(r, a), &end, 0);
		if (!word(r, a)[0] || *end)
			diag_error(ps->d, "bad-value", l, "%s expects a number, got '%s'", od->name, word(r, a));
		return;
	}
	case V_COMMENT:
		if (strlen(word(r, a)) > 256)
			diag_error(ps->d, "bad-value", l, "a comment holds at most 256 characters; this one has %zu",
				   strlen(word(r, a)));
		return;
	case V_SET:
		if (strlen(word(r, a)) > 31 || !word(r, a)[0])
			diag_error(ps->d, "bad-name", l, "set name '%s' is longer than 31 characters", word(r, a));
		{
			static const char *const dirs[] = {"src", "dst", NULL};
			char **items;
			size_t n = split_list(word(r, &args[1]), &items);
			bool ok = n >= 1 && n <= 6;
			for (size_t i = 0; i < n && ok; i++)
				ok = in_words(items[i], dirs);
			free_list(items, n);
			if (!ok)
				diag_error(ps->d, "bad-value", tok_loc(ps, &args[1]),
					   "'%s' must be src or dst (comma-separated, up to 6)", word(r, &args[1]));
		}
		return;
	case V_ADDR: {
		enum addr_form form = ADDR_EXACT;
		parse_addr_value(ps, r, a, &addr, &list, &form);
		return;
	}
	case V_CTDIR:
		if (strcmp(word(r, a), "ORIGINAL") && strcmp(word(r, a), "REPLY"))
			diag_error(ps->d, "bad-value", l, "--ctdir takes ORIGINAL or REPLY, got '%s'", word(r, a));
		return;
	case V_POLDIR:
		if (strcmp(word(r, a), "in") && strcmp(word(r, a), "out"))
			diag_error(ps->d, "bad-value", l, "--dir takes in or out, got '%s'", word(r, a));
		return;
	case V_POL:
		if (strcmp(word(r, a), "none") && strcmp(word(r, a), "ipsec"))
			diag_error(ps->d, "bad-value", l, "--pol takes none or ipsec, got '%s'", word(r, a));
		return;
	case V_LOGPREFIX:
		if (strlen(word(r, a)) > 29)
			diag_error(ps->d, "bad-value", l, "a log prefix holds at most 29 characters; this one has %zu",
				   strlen(word(r, a)));
		return;
	case V_REJECT: {
		bool v6 = ps->family == FAM_V6;
		if (!in_words(word(r, a), v6 ? reject6 : reject4))
			diag_error(ps->d, "bad-value", l, "'%s' is not a reject type for IPv%d", word(r, a), v6 ? 6 : 4);
		return;
	}
	case V_CTPROTO:
		return;
	case V_MAC:
		if (!valid_mac(word(r, a)))
			diag_error(ps->d, "bad-value", l, "'%s' is not a MAC address (six hex pairs such as "
				   "00:11:22:aa:bb:cc): iptables-restore refuses it", word(r, a));
		return;
	}
}

static bool valid_chain_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 28 || s[0] == '-' || s[0] == '!')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i]))
			return false;
	}
	return !find_target(s);
}

static bool valid_iface_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 16 || (n == 16 && s[15] != '+'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c) || c == '/' || c == ':' || (c == '+' && i != n - 1))
			return false;
	}
	return true;
}

/* The protocols whose names dfwgen knows; the first ones' matches -p loads. */
static const struct { const char *num, *name; } protocols[] = {
	{"1", "icmp"}, {"6", "tcp"}, {"17", "udp"}, {"58", "ipv6-icmp"}, {"132", "sctp"}, {"136", "udplite"},
	{"0", "all"}, {"58", "icmpv6"}, {"50", "esp"}, {"51", "ah"}, {"135", "mh"}, {"47", "gre"},
	{"4", "ipip"}, {"2", "igmp"},
};

/* The name a protocol goes by: iptables lowercases names (-p ALL, -p TCP),
 * and a number names the protocols whose matches -p loads (-p 6 -m tcp is
 * what xtables-save 1.8.2 writes); else p itself. */
static const char *proto_name(const char *p)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(*protocols); i++) {
		if (!strcasecmp(p, protocols[i].name) || (i < 6 && !strcmp(p, protocols[i].num)))
			return protocols[i].name;
	}
	return p;
}

/* A number 0-255, a name dfwgen knows, or any name of /etc/protocols (ipv6,
 * ospf, ...), which iptables looks up lowercased. */
static bool valid_proto(const char *p)
{
	if (proto_name(p) != p)
		return true;
	char *end;
	long v = strtol(p, &end, 10);
	if (*p && !*end && v >= 0 && v <= 255)
		return true;
	char lower[32];
	size_t n = strlen(p);
	if (n >= sizeof(lower))
		return false;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)p[i]);
	return getprotobyname(lower) != NULL;
}

/* ---- rule specifications ---- */

static struct match *add_match(struct parser *ps, struct rule *r, const char *module, int tok, bool known)
{
	struct match m = {.module = module, .tok = tok, .known = known};
	VEC_PUSH(ps->ms, r->nm, ps->ms_cap, m);
	r->m = ps->ms;
	return &r->m[r->nm - 1];
}

static int take_args(struct parser *ps, struct rule *r, size_t at, int want, const char *name)
{
	int got = 0;
	if (want >= 0) {
		for (; got < want; got++) {
			if (at + (size_t)got >= r->ntok || is_option(r, &r->tok[at + (size_t)got]) || is_bang(r, &r->tok[at + (size_t)got])) {
				diag_error(ps->d, "missing-argument", rule_tok_loc(r, (int)at - 1),
					   "%s needs %d argument%s", name, want, want == 1 ? "" : "s");
				return -1;
			}
		}
		return got;
	}
	while (at + (size_t)got < r->ntok && !is_option(r, &r->tok[at + (size_t)got]) && !is_bang(r, &r->tok[at + (size_t)got]))
		got++;
	return got;
}

static const struct opt_def *implicit_defs(const char *proto)
{
	if (!proto)
		return NULL;
	if (!strcmp(proto, "tcp"))
		return tcp_opts;
	if (!strcmp(proto, "udp") || !strcmp(proto, "udplite") || !strcmp(proto, "sctp"))
		return udp_opts;
	if (!strcmp(proto, "icmp"))
		return icmp_opts;
	if (!strcmp(proto, "ipv6-icmp") || !strcmp(proto, "icmpv6"))
		return icmp6_opts;
	return NULL;
}

/* -m tcp, -m udp, -m icmp: the matches that -p loads by itself, and that need it */
static bool is_protocol_match(const struct ext_def *m)
{
	return m->opts == tcp_opts || m->opts == udp_opts || m->opts == icmp_opts;
}

/* iptables' own options; BASE_NONE: a match's or a target's. */
enum base_opt {
	BASE_NONE, BASE_PROTO, BASE_SRC, BASE_DST, BASE_IN, BASE_OUT,
	BASE_MATCH, BASE_JUMP, BASE_GOTO, BASE_COUNTERS, BASE_FLAG,
};

static const struct base_def {
	char short_name;
	const char *long_name, *what; /* what: for "a rule takes one ..." */
	enum base_opt id;
} base_opts[] = {
	{'p', "--protocol", "protocol", BASE_PROTO}, {'s', "--source", "source", BASE_SRC},
	{'d', "--destination", "destination", BASE_DST}, {'i', "--in-interface", "input interface", BASE_IN},
	{'o', "--out-interface", "output interface", BASE_OUT}, {'m', "--match", NULL, BASE_MATCH},
	{'j', "--jump", NULL, BASE_JUMP}, {'g', "--goto", NULL, BASE_GOTO},
	{'c', "--set-counters", NULL, BASE_COUNTERS}, {'f', "--fragment", NULL, BASE_FLAG},
	{'4', NULL, NULL, BASE_FLAG}, {'6', NULL, NULL, BASE_FLAG},
};

/* iptables' other long option names: its synonyms, and the commands an
 * abbreviation must not be mistaken for. */
static const struct {
	const char *name;
	int base; /* position in base_opts + 1; 0: a command, not a rule option */
} long_names[] = {
	{"--src", 2}, {"--dst", 3}, {"--fragments", 10}, {"--ipv4", 11}, {"--ipv6", 12},
	{"--append", 0}, {"--delete", 0}, {"--check", 0}, {"--insert", 0}, {"--replace", 0}, {"--list", 0},
	{"--list-rules", 0}, {"--flush", 0}, {"--zero", 0}, {"--new-chain", 0}, {"--delete-chain", 0},
	{"--rename-chain", 0}, {"--policy", 0}, {"--table", 0}, {"--numeric", 0}, {"--verbose", 0},
	{"--wait", 0}, {"--wait-interval", 0}, {"--exact", 0}, {"--version", 0}, {"--help", 0},
	{"--line-numbers", 0}, {"--modprobe", 0},
};

/* A long base option by a synonym (--src) or an unambiguous abbreviation of
 * any of iptables' long names (--sou is --source, --dest --destination). */
static const struct base_def *base_option_long(const char *o, bool prefix)
{
	size_t n = strlen(o);
	const struct base_def *found = NULL;
	int hits = 0;
	for (size_t i = 0; i < sizeof(base_opts) / sizeof(*base_opts); i++) {
		const char *name = base_opts[i].long_name;
		if (name && (prefix ? !strncmp(name, o, n) : !strcmp(name, o)) && found != &base_opts[i]) {
			found = &base_opts[i];
			hits++;
		}
	}
	for (size_t i = 0; i < sizeof(long_names) / sizeof(*long_names); i++) {
		const char *name = long_names[i].name;
		if (prefix ? !strncmp(name, o, n) : !strcmp(name, o)) {
			const struct base_def *b = long_names[i].base ? &base_opts[long_names[i].base - 1] : NULL;
			if (!b || b != found)
				hits++;
			found = b;
		}
	}
	return hits == 1 ? found : NULL;
}

/* Every rule has a handful of options: each is found by one letter, "-X"'s
 * or the first after "--" (then compared whole). Positions in base_opts + 1. */
static const struct base_def *base_option(const char *o)
{
	static const signed char by_letter[128] = {['p'] = 1, ['s'] = 2, ['d'] = 3, ['i'] = 4, ['o'] = 5,
		['m'] = 6, ['j'] = 7, ['g'] = 8, ['c'] = 9, ['f'] = 10, ['4'] = 11, ['6'] = 12};
	enum { SET_COUNTERS = 8 }; /* --set-counters shares its letter with --source */
	bool is_long = o[1] == '-';
	unsigned char c = (unsigned char)(is_long ? o[2] : o[1]);
	if (is_long && (c == 's' || c == 'd' || c == 'f' || c == 'i') && (!strcmp(o, "--src") || !strcmp(o, "--dst") ||
	    !strcmp(o, "--fragments") || !strcmp(o, "--ipv4") || !strcmp(o, "--ipv6")))
		return base_option_long(o, false);
	if (c >= 128 || !by_letter[c])
		return NULL;
	const struct base_def *b = &base_opts[by_letter[c] - 1];
	if (!is_long)
		return o[2] ? NULL : b;
	if (c == 's' && !strcmp(o, base_opts[SET_COUNTERS].long_name))
		return &base_opts[SET_COUNTERS];
	return b->long_name && !strcmp(b->long_name, o) ? b : NULL;
}

/* -p, -s, -d, -i, -o may each stand once in a rule. */
static bool repeated_base_option(struct parser *ps, const struct rule *r, const struct token *t, const struct base_def *b)
{
	bool seen = b->id == BASE_PROTO ? r->proto != NULL : b->id == BASE_SRC ? r->has_src :
		    b->id == BASE_DST ? r->has_dst : b->id == BASE_IN ? r->in_if != NULL :
		    b->id == BASE_OUT ? r->out_if != NULL : false;
	if (seen)
		diag_error(ps->d, "bad-syntax", tok_loc(ps, t), "a rule takes one %s; %s stands here a second time",
			   b->what, word(r, t));
	return seen;
}

/* -m tcp, udp, icmp, icmp6 and multiport need the rule's -p, which iptables
 * checks once the whole rule is read: -m tcp -p tcp --dport 22 is fine. */
static void check_match_protocols(struct parser *ps, const struct rule *r, const struct opt_def *imp)
{
	for (size_t k = 0; k < r->nm; k++) {
		const struct match *m = &r->m[k];
		const char *arg = m->module;
		if (m->tok == r->proto_tok)
			continue; /* loaded by -p itself */
		const struct ext_def *def = m->known ? find_match(arg) : NULL;
		if (def && is_protocol_match(def) && !(r->proto && !r->proto_neg &&
			(!strcmp(r->proto, arg) || (!strcmp(arg, "udp") && imp == udp_opts) ||
			 (!strcmp(arg, "icmp6") && imp == icmp6_opts))))
			diag_error(ps->d, "match-needs-protocol", tok_loc(ps, &r->tok[m->tok]),
				   "match '%s' needs -p %s in the rule", arg, !strcmp(arg, "icmp6") ? "ipv6-icmp" : arg);
		if (!strcmp(arg, "multiport") && (!imp || imp == icmp_opts || imp == icmp6_opts))
			diag_error(ps->d, "match-needs-protocol", tok_loc(ps, &r->tok[m->tok]),
				   "match 'multiport' needs -p tcp, udp, udplite or sctp in the rule");
	}
}

static void parse_spec(struct parser *ps, struct rule *r, size_t i)
{
	bool neg = false;
	struct match *cur = NULL;
	const struct ext_def *cur_def = NULL;
	bool in_target = false;
	const struct ext_def *tdef = NULL;
	r->spec_tok = (int)i;
	r->proto_tok = r->target_tok = -1;
	ps->nopts = 0;
	const struct opt_def *imp = NULL; /* the match -p loads implicitly */
	while (i < r->ntok) {
		struct token *t = &r->tok[i];
		if (is_bang(r, t)) {
			if (neg)
				diag_error(ps->d, "bad-syntax", tok_loc(ps, t), "'!' twice in a row");
			neg = true;
			i++;
			continue;
		}
		if (!is_option(r, t)) {
			diag_error(ps->d, "bad-syntax", tok_loc(ps, t), "unexpected '%s': an option (starting with '-') was expected", word(r, t));
			return;
		}
		const char *o = word(r, t);
		size_t next = i + 1;
		bool has_arg = next < r->ntok && !is_option(r, &r->tok[next]) && !is_bang(r, &r->tok[next]);
		const char *arg = has_arg ? rule_word(r, (int)next) : NULL;
#define NEED_ARG()                                                                         \
	if (!has_arg) {                                                                    \
		diag_error(ps->d, "missing-argument", tok_loc(ps, t), "%s needs an argument", o); \
		return;                                                                    \
	}
		const struct base_def *base = base_option(o);
		enum base_opt id = base ? base->id : BASE_NONE;
	dispatch:
		if (base && repeated_base_option(ps, r, t, base))
			return;
		if (id == BASE_PROTO) {
			NEED_ARG();
			r->proto = proto_name(arg);
			r->proto_neg = neg;
			r->proto_tok = (int)next;
			imp = neg ? NULL : implicit_defs(r->proto);
			if (!valid_proto(arg))
				diag_error(ps->d, "bad-value", tok_loc(ps, &r->tok[next]), "unknown protocol '%s'", arg);
			i = next + 1;
		} else if (id == BASE_SRC || id == BASE_DST) {
			NEED_ARG();
			bool src = id == BASE_SRC;
			bool list;
			enum addr_form form = ADDR_EXACT;
			bool read = parse_addr_value(ps, r, &r->tok[next], src ? &r->src : &r->dst, &list, &form);
			*(src ? &r->src_tok : &r->dst_tok) = (int)next;
			/* what cannot be modelled narrows the rule, never widens it:
			 * the address is left out of the model, and the rule covers none */
			bool modelled = read && form != ADDR_ODD_MASK;
			if (!modelled)
				r->opaque = true;
			if (src) {
				r->has_src = modelled;
				r->src_neg = neg;
				r->src_list = list;
			} else {
				r->has_dst = modelled;
				r->dst_neg = neg;
				r->dst_list = list;
			}
			i = next + 1;
		} else if (id == BASE_IN || id == BASE_OUT) {
			NEED_ARG();
			bool in = id == BASE_IN;
			if (!strcmp(arg, "any"))
				diag_warn(ps->d, "iface-any", tok_loc(ps, &r->tok[next]), "'any' is no wildcard here: it "
					  "matches only an interface called any (for every interface leave %s out, or use '+')", o);
			if (!(ps->valid_iface && !strcmp(ps->valid_iface, arg)) && !valid_iface_name(arg))
				diag_error(ps->d, "bad-interface", tok_loc(ps, &r->tok[next]),
					   "'%s' is not an interface name (at most 15 characters, '+' only at the end)", arg);
			else
				ps->valid_iface = arg;
			if (in) {
				r->in_if = arg;
				r->in_neg = neg;
			} else {
				r->out_if = arg;
				r->out_neg = neg;
			}
			i = next + 1;
		} else if (id == BASE_MATCH) {
			NEED_ARG();
			cur_def = find_cached(&ps->match_seen, arg, find_match);
			if (!cur_def) {
				diag_warn(ps->d, "unknown-match", tok_loc(ps, &r->tok[next]),
					  "match '%s' is not known to dfwgen; its options are not checked", arg);
				r->opaque = true;
			}
			cur = add_match(ps, r, arg, (int)next, cur_def != NULL);
			in_target = false;
			i = next + 1;
		} else if (id == BASE_JUMP || id == BASE_GOTO) {
			NEED_ARG();
			if (r->target)
				diag_error(ps->d, "bad-syntax", tok_loc(ps, t), "a rule has one target; this is the second");
			r->target = arg;
			r->target_tok = (int)next;
			r->is_goto = id == BASE_GOTO;
			tdef = find_cached(&ps->target_seen, arg, find_target);
			if (tdef)
				r->target = tdef->name; /* the catalogue's: shared, like chain names */
			r->terminal = r->is_goto || (tdef && tdef->terminal);
			r->known_target = tdef != NULL;
			in_target = true;
			i = next + 1;
		} else if (id == BASE_COUNTERS) {
			int n = take_args(ps, r, next, 2, o);
			if (n < 0)
				return;
			i = next + (size_t)n;
		} else if (id == BASE_FLAG) {
			/* -f (second and later fragments only) is not modelled: it narrows */
			if (base->short_name == 'f')
				r->opaque = true;
			i = next;
		} else if (o[1] == '-') {
			/* a long option of the target, of the last match, or of the match
			 * that -p tcp/udp/icmp loads implicitly */
			const struct opt_def *od = NULL;
			const char *owner = NULL;
			bool known_owner = false;
			/* an exact name, else an abbreviation getopt_long takes, as
			 * iptables does: the loaded match's before -p's implicit one */
			if (in_target) {
				owner = r->target;
				known_owner = tdef != NULL;
				od = tdef ? find_opt(tdef->opts, o) : NULL;
				if (!od && tdef)
					od = find_opt_prefix(tdef->opts, o);
			} else if (cur) {
				owner = cur->module;
				known_owner = cur_def != NULL;
				od = cur_def ? find_opt(cur_def->opts, o) : NULL;
				if (!od && cur_def)
					od = find_opt_prefix(cur_def->opts, o);
			}
			if (!od && !in_target && (!cur || cur_def) && imp && (find_opt(imp, o) || find_opt_prefix(imp, o))) {
				const char *module = imp == tcp_opts ? "tcp" : imp == udp_opts ? "udp" :
						     imp == icmp_opts ? "icmp" : "icmp6";
				cur = add_match(ps, r, module, r->proto_tok, true);
				cur_def = find_cached(&ps->match_seen, module, find_match);
				owner = module;
				known_owner = true;
				od = find_opt(imp, o);
				if (!od)
					od = find_opt_prefix(imp, o);
			}
			if (!owner && !in_target && imp) {
				owner = imp == tcp_opts ? "tcp" : imp == udp_opts ? "udp" : imp == icmp_opts ? "icmp" : "icmp6";
				known_owner = true;
			}
			if (!od && (base = base_option_long(o, true))) {
				id = base->id;
				goto dispatch;
			}
			if (!owner) {
				bool port = !strcmp(o, "--dport") || !strcmp(o, "--sport");
				diag_error(ps->d, "orphan-option", tok_loc(ps, t), "option %s belongs to no match or target%s",
					   o, port ? " (ports need -p tcp or -p udp first)" : "");
				return;
			}
			if (!od && known_owner) {
				bool port = !strcmp(o, "--dport") || !strcmp(o, "--sport");
				diag_error(ps->d, "unknown-option", tok_loc(ps, t), "%s is not an option of %s%s", o, owner,
					   port ? " (ports need -p tcp or -p udp, or -m multiport)" : "");
				return;
			}
			int n = take_args(ps, r, next, od ? od->nargs : -1, o);
			if (n < 0)
				return;
			struct rule_opt opt = {.name = od ? od->name : rule_word(r, (int)i), .neg = neg, .tok = (int)i, .nargs = n, .arg = (int)next};
			if (od && n == od->nargs && n > 0)
				check_value(ps, r, od, &r->tok[next]);
			if (in_target) {
				VEC_PUSH(ps->topts, r->ntopts, ps->topts_cap, opt);
			} else {
				/* a match's options stand together: only the last match takes more */
				VEC_PUSH(ps->opts, ps->nopts, ps->opts_cap, opt);
				cur->nopts++;
			}
			i = next + (size_t)n;
		} else {
			diag_error(ps->d, "unknown-option", tok_loc(ps, t), "unknown option '%s'", o);
			return;
		}
		neg = false;
#undef NEED_ARG
	}
	if (neg)
		diag_error(ps->d, "bad-syntax", rule_tok_loc(r, (int)r->ntok - 1), "'!' at the end of the line negates nothing");
	check_match_protocols(ps, r, imp);
	if (r->target && !tdef && !valid_chain_name(r->target))
		diag_error(ps->d, "bad-name", rule_tok_loc(r, r->target_tok), "'%s' is not a valid target or chain name", r->target);
}

/* Copies the matches and options parsed into the scratch vectors to the arena. */
static void rule_to_arena(struct parser *ps, struct rule *r)
{
	struct arena *a = ps->arena;
	struct rule_opt *opts = arena_copy(a, ps->opts, ps->nopts * sizeof(*opts));
	r->m = arena_copy(a, ps->ms, r->nm * sizeof(*r->m));
	for (size_t i = 0; i < r->nm; i++) {
		r->m[i].opts = NULL;
		if (r->m[i].nopts) { /* opts is NULL when no match has any: no arithmetic on it */
			r->m[i].opts = opts;
			opts += r->m[i].nopts;
		}
	}
	r->topts = arena_copy(a, ps->topts, r->ntopts * sizeof(*r->topts));
}

/* The specification's canonical text (its length in *len): in the line itself
 * when the line has it already, else made in the arena. */
static const char *canonical_spec(struct arena *a, const struct rule *r, const char *line, uint32_t *len)
{
	/* the usual line is canonical already: words without quotes, one blank apart */
	size_t first = (size_t)r->spec_tok, words = 0;
	bool plain = true;
	for (size_t i = first; i < r->ntok && plain; i++) {
		plain = !r->tok[i].quoted;
		words += r->tok[i].len + 1;
	}
	if (plain && first < r->ntok) {
		const struct token *a0 = &r->tok[first], *z = &r->tok[r->ntok - 1];
		size_t span = (size_t)(z->col + (int)z->len - a0->col);
		if (span + 1 == words && !memchr(line + a0->col - 1, '\t', span)) {
			*len = (uint32_t)span;
			return line + a0->col - 1;
		}
	}
	/* a word that stood unquoted has no blank or quote in it (they would
	 * have split or quoted it) and is never empty: it is copied as it is */
	size_t size = 1;
	for (size_t i = first; i < r->ntok; i++)
		size += (r->tok[i].quoted ? 2 * strlen(rule_word(r, (int)i)) + 2 : r->tok[i].len) + 1;
	char *out = arena_alloc(a, size), *w = out;
	for (size_t i = first; i < r->ntok; i++) {
		const struct token *t = &r->tok[i];
		if (w > out)
			*w++ = ' ';
		if (!t->quoted) {
			memcpy(w, word(r, t), t->len);
			w += t->len;
			continue;
		}
		*w++ = '"';
		for (const char *c = word(r, t); *c; c++) {
			if (*c == '"' || *c == '\\')
				*w++ = '\\';
			*w++ = *c;
		}
		*w++ = '"';
	}
	*len = (uint32_t)(w - out);
	arena_shrink(a, out, *len);
	return out;
}

bool rule_same_spec(const struct rule *a, const struct rule *b)
{
	return a->spec && b->spec && a->spec_len == b->spec_len && !memcmp(a->spec, b->spec, a->spec_len);
}

bool rule_spec_is(const struct rule *r, const char *spec)
{
	size_t n = strlen(spec);
	return r->spec && r->spec_len == n && !memcmp(r->spec, spec, n);
}

char *rule_canonical(const struct rule *r)
{
	return xasprintf("-A %s %.*s", r->chain ? r->chain : "?", (int)r->spec_len, r->spec ? r->spec : "");
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

static bool need_chain(struct parser *ps, struct rule *r, size_t i)
{
	if (i >= r->ntok || is_option(r, &r->tok[i])) {
		diag_error(ps->d, "missing-argument", rule_tok_loc(r, 0), "%s needs a chain name", rule_word(r, 0));
		return false;
	}
	r->chain_tok = (int)i;
	r->chain = rule_word(r, (int)i);
	if (ps->valid_chain && !strcmp(ps->valid_chain, r->chain)) {
		r->chain = ps->valid_chain; /* one shared name: the state's lookups go by pointer */
		return true;
	}
	if (valid_chain_name(r->chain))
		ps->valid_chain = r->chain;
	else
		diag_error(ps->d, "bad-name", rule_tok_loc(r, (int)i), "'%s' is not a valid chain name (1 to 28 "
			   "characters, no blanks, not starting with '-' or '!', not a target name)", r->chain);
	return true;
}

static void parse_command(struct parser *ps, struct rule *r)
{
	static const struct { const char *s, *l; enum rule_cmd cmd; } cmds[] = {
		{"-A", "--append", CMD_APPEND}, {"-I", "--insert", CMD_INSERT}, {"-D", "--delete", CMD_DELETE},
		{"-R", "--replace", CMD_REPLACE}, {"-N", "--new-chain", CMD_NEW}, {"-F", "--flush", CMD_FLUSH},
		{"-X", "--delete-chain", CMD_DELCHAIN}, {"-Z", "--zero", CMD_ZERO}, {"-P", "--policy", CMD_POLICY},
		{"-E", "--rename-chain", CMD_RENAME},
	};
	const char *c = rule_word(r, 0);
	size_t k;
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (!strcmp(c, cmds[k].s) || !strcmp(c, cmds[k].l))
			break;
	}
	if (k == sizeof(cmds) / sizeof(cmds[0])) {
		bool t = !strcmp(c, "-t") || !strcmp(c, "--table");
		diag_error(ps->d, "bad-syntax", rule_tok_loc(r, 0), t ? "-t has no place in a restore file: tables are "
			   "opened with a *table line" : "unknown command '%s' (expected -A, -I, -D, -R, -N, -F, -X, "
			   "-Z, -P, -E, a :CHAIN line or COMMIT)", c);
		r->chain_tok = -1;
		r->cmd = CMD_ZERO;
		return;
	}
	r->cmd = cmds[k].cmd;
	r->chain_tok = -1;
	r->spec_tok = (int)r->ntok;
	switch (r->cmd) {
	case CMD_APPEND:
		if (need_chain(ps, r, 1))
			parse_spec(ps, r, 2);
		break;
	case CMD_INSERT:
		if (need_chain(ps, r, 1))
			parse_spec(ps, r, parse_position(ps, r, 2, &r->num) ? 3 : 2);
		break;
	case CMD_DELETE:
		if (!need_chain(ps, r, 1))
			break;
		if (r->ntok == 2)
			diag_error(ps->d, "missing-argument", rule_tok_loc(r, 1), "-D needs a rule position or a rule");
		else if (!parse_position(ps, r, 2, &r->num))
			parse_spec(ps, r, 2);
		else if (r->ntok > 3)
			diag_error(ps->d, "bad-syntax", rule_tok_loc(r, 3), "-D takes a position or a rule, not both");
		break;
	case CMD_REPLACE:
		if (!need_chain(ps, r, 1))
			break;
		if (!parse_position(ps, r, 2, &r->num))
			diag_error(ps->d, "missing-argument", rule_tok_loc(r, 1), "-R needs a rule position");
		else
			parse_spec(ps, r, 3);
		break;
	case CMD_NEW:
		need_chain(ps, r, 1);
		break;
	case CMD_FLUSH:
	case CMD_DELCHAIN:
	case CMD_ZERO:
		if (r->ntok > 1)
			need_chain(ps, r, 1);
		break;
	case CMD_POLICY:
		if (need_chain(ps, r, 1)) {
			if (r->ntok < 3)
				diag_error(ps->d, "missing-argument", rule_tok_loc(r, 1), "-P needs a policy (ACCEPT or DROP)");
			else
				r->policy = rule_word(r, 2);
		}
		break;
	case CMD_RENAME:
		if (need_chain(ps, r, 1)) {
			if (r->ntok < 3)
				diag_error(ps->d, "missing-argument", rule_tok_loc(r, 1), "-E needs the new name");
			else
				r->newname = rule_word(r, 2);
		}
		break;
	case CMD_DECLARE:
		break;
	}
	if (r->cmd == CMD_APPEND || r->cmd == CMD_INSERT || r->cmd == CMD_DELETE || r->cmd == CMD_REPLACE) {
		r->spec = canonical_spec(ps->arena, r, ps->text, &r->spec_len); /* "" when the line holds none */
		rule_to_arena(ps, r);
	}
}

static void parse_declaration(struct parser *ps, const struct table *tb, struct rule *r)
{
	r->cmd = CMD_DECLARE;
	r->chain_tok = 0;
	r->chain = rule_word(r, 0) + 1;
	r->spec_tok = (int)r->ntok;
	bool builtin = chain_is_builtin(tb->name, r->chain);
	if (!valid_chain_name(r->chain))
		diag_error(ps->d, "bad-name", rule_tok_loc(r, 0), "'%s' is not a valid chain name (1 to 28 "
			   "characters, no blanks, not starting with '-' or '!', not a target name)", r->chain);
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
 * Three passes: the lines are sorted out (tables, COMMITs, rules); the rule
 * lines are parsed, by two threads when there are many; then the file is
 * walked in order again, to file the rules into their tables and hand over
 * every diagnostic in the order one pass would have made it. */

enum line_kind {
	LINE_NUL, LINE_TABLE, LINE_COMMIT, LINE_RULE,
	/* lines iptables-restore refuses though they hold no command (tested
	 * with 1.8.9, nft and legacy): */
	LINE_BLANKS,         /* blanks only: "no command specified" */
	LINE_INDENTED_NOTE,  /* "  # ...": '#' only starts a comment in column 1 */
	LINE_COMMIT_TRAIL,   /* "COMMIT " : "Bad argument `COMMIT'" */
	LINE_COMMIT_NO_EOL,  /* the file ends in COMMIT without a newline: legacy refuses */
};

struct line_event {
	enum line_kind kind;
	int ln;
	int col; /* where '*' or COMMIT stands */
};

/* What parsing a rule line left, besides the rule. */
struct line_result {
	unsigned ndiags; /* diagnostics it made, in its parser's list */
	bool words;      /* it held words (an unbalanced quote: none) */
	bool rule;       /* and more than the [packets:bytes] counters */
};

struct parse_job {
	struct parser ps;
	const int *rule_ln;        /* the line of each rule line */
	const int *rule_table;     /* the table open there, or -1 */
	const struct table *tables;
	struct rule *rules;        /* one per rule line */
	struct line_result *res;
	size_t from, to;
};

static void parse_rule_line(struct parse_job *job, size_t j)
{
	struct parser *ps = &job->ps;
	size_t len, before = ps->d->n;
	const char *line = source_line(ps->src, job->rule_ln[j], &len);
	struct rule *r = &job->rules[j];
	*r = (struct rule){.loc = loc_line(ps->src, job->rule_ln[j])};
	ps->line = job->rule_ln[j];
	ps->text = line;
	struct line_result *res = &job->res[j];
	res->words = tokenize(ps, line, len, r) && r->ntok;
	if (res->words && is_counters(r, &r->tok[0])) {
		/* iptables-save -c puts [packets:bytes] first */
		r->tok++;
		r->ntok--;
	}
	res->rule = res->words && r->ntok;
	if (res->rule && rule_word(r, 0)[0] == ':' && !r->tok[0].quoted && job->rule_table[j] >= 0)
		parse_declaration(ps, &job->tables[job->rule_table[j]], r);
	else if (res->rule)
		parse_command(ps, r);
	res->ndiags = (unsigned)(ps->d->n - before);
}

static void *parse_range(void *arg)
{
	struct parse_job *job = arg;
	prefault(job->rules + job->from, (job->to - job->from) * sizeof(*job->rules)); /* each thread its share */
	for (size_t j = job->from; j < job->to; j++)
		parse_rule_line(job, j);
	return NULL;
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

/* Sorts the lines out: no diagnostics yet (they come in the last pass). */
static struct line_event *sort_lines(struct ruleset *rs, size_t *nev)
{
	const struct source *src = rs->src;
	/* at most two events a line: a COMMIT line may also be a finding */
	struct line_event *ev = xmalloc((2 * src->nlines + 1) * sizeof(*ev));
	size_t n = 0;
	bool any_nul = strlen(src->text) < src->len; /* one scan, not one a line */
	for (size_t ln = 1; ln <= src->nlines; ln++) {
		size_t len;
		const char *line = source_line(src, (int)ln, &len);
		size_t i = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		bool cr = ends_in_cr(src, line, len);
		if (i == len && (len || cr)) {
			ev[n++] = (struct line_event){.kind = LINE_BLANKS, .ln = (int)ln, .col = 1};
			continue;
		}
		if (i == len || (line[i] == '#' && i == 0))
			continue;
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

/* Where the second parsing thread starts: the middle of the rules' text, not
 * of their count (long lines cost more, and a dump's chains differ). */
static size_t text_middle(const struct source *src, const int *rule_ln, size_t nrules)
{
	size_t first = src->line_start[rule_ln[0] - 1], last = src->line_start[rule_ln[nrules - 1] - 1];
	size_t middle = first + (last - first) / 2, lo = 1, hi = nrules - 1;
	while (lo < hi) { /* the first rule from the middle on */
		size_t j = lo + (hi - lo) / 2;
		if (src->line_start[rule_ln[j] - 1] < middle)
			lo = j + 1;
		else
			hi = j;
	}
	return lo;
}

/* The family a file says it is for, before any address does: the save
 * tool's header (or dfwgen's own), then ICMPv6 in its rules. FAM_NONE: no
 * sign; the first address decides. */
static enum family family_signs(const struct source *src)
{
	static const struct { const char *text; enum family f; } headers[] = {
		{"# Generated by ip6tables-save", FAM_V6}, {"# Generated by iptables-save", FAM_V4},
		{"# dfwgen: IPv6 rules", FAM_V6}, {"# dfwgen: IPv4 rules", FAM_V4},
	};
	for (size_t i = 0; i < sizeof(headers) / sizeof(*headers); i++) {
		if (str_has_prefix(src->text, headers[i].text) || memmem(src->text, src->len, headers[i].text, strlen(headers[i].text)))
			return headers[i].f;
	}
	static const char *const icmp6[] = {"-p ipv6-icmp", "-p icmpv6", "--icmpv6-type", "-m icmp6"};
	for (size_t i = 0; i < sizeof(icmp6) / sizeof(*icmp6); i++) {
		if (memmem(src->text, src->len, icmp6[i], strlen(icmp6[i])))
			return FAM_V6;
	}
	return FAM_NONE;
}

struct ruleset *ruleset_parse(const struct source *src, enum family family, struct diags *d)
{
	struct ruleset *rs = xcalloc(1, sizeof(*rs));
	if (family == FAM_NONE)
		family = family_signs(src);
	rs->src = src;
	size_t nev, nrules = 0;
	struct line_event *ev = sort_lines(rs, &nev);
	int *rule_ln = xmalloc((nev + 1) * sizeof(*rule_ln)), *rule_table = xmalloc((nev + 1) * sizeof(*rule_table));
	for (size_t e = 0, t = 0; e < nev; e++) {
		if (ev[e].kind == LINE_TABLE)
			t++;
		if (ev[e].kind == LINE_RULE) {
			rule_ln[nrules] = ev[e].ln;
			rule_table[nrules++] = (int)t - 1;
		}
	}
	/* every rule line's rule, in file order; the tables take slices of it */
	rs->rules = xmalloc((nrules ? nrules : 1) * sizeof(*rs->rules));
	struct line_result *res = xmalloc((nrules ? nrules : 1) * sizeof(*res));
	struct diags own[2] = {{.warnings_are_errors = d->warnings_are_errors}, {.warnings_are_errors = d->warnings_are_errors}};
	struct parse_job job[2];
	job[0] = (struct parse_job){
		.ps = {.src = src, .d = &own[0], .arena = &rs->arenas[0], .family = family != FAM_NONE ? family : FAM_V4,
		       .family_fixed = family != FAM_NONE},
		.rule_ln = rule_ln, .rule_table = rule_table, .tables = rs->tables, .rules = rs->rules,
		.res = res, .from = 0, .to = nrules};
	bool split = split_work(nrules);
	if (split) {
		/* the second half needs the family its first line would find: what
		 * the lines before fix it to, and they nearly always do it early */
		job[0].to = text_middle(src, rule_ln, nrules);
		size_t j = 0;
		for (; j < job[0].to && !job[0].ps.family_fixed; j++)
			parse_rule_line(&job[0], j);
		job[1] = job[0];
		job[1].ps = (struct parser){.src = src, .d = &own[1], .arena = &rs->arenas[1], .family = job[0].ps.family,
					    .family_fixed = job[0].ps.family_fixed};
		job[1].from = job[0].to;
		job[1].to = nrules;
		job[0].from = j;
		run_pair(parse_range, &job[0], &job[1]);
	} else {
		parse_range(&job[0]);
	}
	rs->family = (split ? job[1] : job[0]).ps.family;

	/* in file order again: tables, their rules and every diagnostic */
	struct table *tb = NULL;
	size_t nt = 0, j = 0, kept = 0, at[2] = {0, 0};
	for (size_t e = 0; e < nev; e++) {
		int ln = ev[e].ln;
		switch (ev[e].kind) {
		case LINE_NUL:
			diag_error(d, "bad-syntax", loc_line(src, ln), "line contains a NUL byte (binary data?)");
			break;
		case LINE_BLANKS:
			diag_error(d, "bad-syntax", loc_line(src, ln), "a line of blanks only (or a carriage return): "
				   "iptables-restore refuses it (\"no command specified\"); make it empty");
			break;
		case LINE_INDENTED_NOTE:
			diag_error(d, "bad-syntax", loc_span(src, ln, ev[e].col, 1), "an indented comment: iptables-restore "
				   "skips only lines whose first character is '#', and refuses this one");
			break;
		case LINE_COMMIT_TRAIL:
			diag_error(d, "bad-syntax", loc_span(src, ln, ev[e].col, 1), "blanks after COMMIT: iptables-restore "
				   "takes the line for a command and refuses it (\"Bad argument `COMMIT'\")");
			break;
		case LINE_COMMIT_NO_EOL:
			diag_error(d, "no-final-newline", loc_line(src, ln), "the file ends in COMMIT without a newline: "
				   "iptables-legacy-restore refuses it (\"Bad argument `COMMIT'\"); the nft flavour accepts it");
			break;
		case LINE_TABLE:
			if (tb && !tb->committed)
				diag_error(d, "missing-commit", tb->loc, "table %s is not closed by COMMIT before the next table", tb->name);
			tb = &rs->tables[nt++];
			tb->rules = rs->rules + kept;
			if (table_index(tb->name) < 0)
				diag_error(d, "bad-table", tb->loc, "unknown table '%s' (filter, nat, mangle, raw, security)", tb->name);
			break;
		case LINE_COMMIT:
			if (!tb || tb->committed)
				diag_error(d, "bad-syntax", loc_span(src, ln, ev[e].col, 6), "COMMIT without an open *table");
			else
				tb->committed = true;
			break;
		case LINE_RULE: {
			bool open = tb && !tb->committed;
			int w = split && j >= job[1].from;
			if (res[j].words && !open)
				diag_error(d, "outside-table", loc_line(src, ln), "this line stands outside a table: "
					   "open one with *filter (or *nat, ...) and close it with COMMIT");
			diags_move(d, &own[w], at[w], res[j].ndiags);
			at[w] += res[j].ndiags;
			if (res[j].rule && open) {
				if (kept != j) /* a rule outside a table was left out before */
					rs->rules[kept] = rs->rules[j];
				kept++;
				tb->n++;
			}
			j++;
			break;
		}
		}
	}
	if (tb && !tb->committed)
		diag_error(d, "missing-commit", tb->loc, "table %s is never closed by COMMIT: iptables-restore "
			   "would apply none of it", tb->name);
	if (rs->cr_line)
		diag_error(d, "crlf", loc_line(src, rs->cr_line), "this line ends in a carriage return (DOS line ends; "
			   "%d such line%s): iptables-restore refuses it; convert the file (dos2unix)", rs->cr_lines,
			   rs->cr_lines == 1 ? "" : "s");
	for (int w = 0; w < 2; w++)
		diags_free(&own[w]);
	parser_free(&job[0].ps);
	if (split)
		parser_free(&job[1].ps);
	free(ev);
	free(rule_ln);
	free(rule_table);
	free(res);
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

/* ---- lookups ---- */

const struct rule_opt *rule_option(const struct rule *r, const char *module, const char *name)
{
	for (size_t i = 0; i < r->nm; i++) {
		if (module && strcmp(r->m[i].module, module))
			continue;
		for (size_t k = 0; k < r->m[i].nopts; k++) {
			if (!strcmp(r->m[i].opts[k].name, name))
				return &r->m[i].opts[k];
		}
	}
	for (size_t k = 0; !module && k < r->ntopts; k++) {
		if (!strcmp(r->topts[k].name, name))
			return &r->topts[k];
	}
	return NULL;
}

const char *rule_arg(const struct rule *r, const struct rule_opt *o, int i)
{
	if (!o || i >= o->nargs)
		return NULL;
	return rule_word(r, o->arg + i);
}

bool rule_has_module(const struct rule *r, const char *module)
{
	for (size_t i = 0; i < r->nm; i++) {
		if (!strcmp(r->m[i].module, module))
			return true;
	}
	return false;
}

/* ---- state ---- */

static const char *chain_name_at(const void *chains, size_t i)
{
	return ((const struct chain_state *)chains)[i].name;
}

static void index_chains(struct table_state *ts)
{
	name_index_rebuild(&ts->by_name, ts->n, chain_name_at, ts->chains);
	ts->last_name = NULL;
}

static struct chain_state *lookup_chain(struct table_state *ts, const char *name)
{
	long i = name_index_find(&ts->by_name, name, chain_name_at, ts->chains);
	return i < 0 ? NULL : &ts->chains[i];
}

/* lookup_chain for the names in the ruleset being applied. They live as long
 * as it does, so the last lookup is remembered by the name's address;
 * state_apply forgets it before each ruleset (another's string could come
 * to stand at a freed one's address). */
static struct chain_state *find_chain(struct table_state *ts, const char *name)
{
	if (name != ts->last_name) {
		ts->last_at = name_index_find(&ts->by_name, name, chain_name_at, ts->chains);
		ts->last_name = name;
	}
	return ts->last_at < 0 ? NULL : &ts->chains[ts->last_at];
}

static struct chain_state *add_chain(struct table_state *ts, struct chain_state c)
{
	VEC_PUSH(ts->chains, ts->n, ts->cap, c);
	name_index_add(&ts->by_name, ts->n, chain_name_at, ts->chains);
	ts->last_name = NULL;
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
	int t = table_index(name);
	for (int i = 1; t >= 0 && i < 6 && builtin_chains[t][i]; i++)
		add_chain(ts, (struct chain_state){.name = xstrdup(builtin_chains[t][i]), .builtin = true,
						    .policy = "ACCEPT", .known = st->exact});
	return ts;
}

struct chain_state *state_chain(struct fw_state *st, const char *table, const char *chain)
{
	for (size_t i = 0; i < st->n; i++) {
		if (!strcmp(st->tables[i].name, table))
			return lookup_chain(&st->tables[i], chain);
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
	struct chain_state *c = find_chain(ts, r->chain);
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
		c = find_chain(ts, r->chain);
		if (!c)
			c = new_chain(ts, r->chain, r);
		else if (c->builtin) {
			if (r->policy && strcmp(r->policy, "-"))
				c->policy = r->policy; /* '-' keeps it */
		} else {
			c->n = 0; /* declaring an existing user chain flushes it */
			c->decl = r;
			c->assumed = false;
			c->known = true;
		}
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
		if (r->num) {
			if (position_ok(r, c->n, d))
				chain_remove(c, (size_t)r->num - 1);
			break;
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
		break;
	case CMD_NEW:
		if (find_chain(ts, r->chain))
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

static void check_jumps(struct fw_state *st, struct table_state *ts, const struct ruleset *rs, struct diags *d)
{
	for (size_t i = 0; i < ts->n; i++) {
		struct chain_state *c = &ts->chains[i];
		for (size_t k = 0; k < c->n; k++) {
			const struct rule *r = c->rules[k];
			if (r->loc.src != rs->src || !r->target || r->known_target || find_chain(ts, r->target))
				continue;
			if (!st->exact && is_docker_chain(r->target)) {
				struct chain_state *a = new_chain(ts, r->target, NULL);
				a->assumed = true;
				c = &ts->chains[i]; /* new_chain may have moved the array */
				diag_note(d, "relies-on-docker", rule_tok_loc(r, r->target_tok), "jumps to %s, which this file "
					  "does not declare: it relies on Docker having created it", r->target);
				continue;
			}
			if (is_other_target(r->target))
				diag_warn(d, "unknown-target", rule_tok_loc(r, r->target_tok), "dfwgen does not check the "
					  "options of target %s", r->target);
			else
				diag_error(d, "undeclared-chain", rule_tok_loc(r, r->target_tok), "jump to %s, a chain that "
					   "does not exist", r->target);
		}
	}
}

/* iptables-restore refuses a jump that closes a loop (ELOOP). An iterative
 * depth-first walk: deep chains of jumps cannot exhaust our stack. */
static void check_loops(struct table_state *ts, const struct ruleset *rs, struct diags *d)
{
	enum { WHITE, GREY, BLACK };
	unsigned char *colour = xcalloc(ts->n, 1);
	size_t *stack = xmalloc(ts->n * sizeof(*stack)), *next_rule = xcalloc(ts->n, sizeof(*next_rule));
	for (size_t start = 0; start < ts->n; start++) {
		if (colour[start] != WHITE)
			continue;
		size_t depth = 0;
		stack[depth++] = start;
		colour[start] = GREY;
		while (depth) {
			size_t c = stack[depth - 1];
			struct chain_state *cs = &ts->chains[c];
			if (next_rule[c] == cs->n) {
				colour[c] = BLACK;
				depth--;
				continue;
			}
			const struct rule *r = cs->rules[next_rule[c]++];
			struct chain_state *to = r->target ? find_chain(ts, r->target) : NULL;
			if (!to)
				continue;
			size_t t = (size_t)(to - ts->chains);
			if (colour[t] == GREY && r->loc.src == rs->src)
				diag_error(d, "jump-loop", rule_tok_loc(r, r->target_tok), "this jump to %s closes a loop "
					   "(%s is already on the way here): iptables-restore refuses it", r->target, r->target);
			else if (colour[t] == WHITE) {
				colour[t] = GREY;
				stack[depth++] = t;
			}
		}
	}
	free(colour);
	free(stack);
	free(next_rule);
}

void state_apply(struct fw_state *st, const struct ruleset *rs, bool noflush, struct diags *d)
{
	for (size_t t = 0; t < rs->n; t++) {
		const struct table *tb = &rs->tables[t];
		if (table_index(tb->name) < 0)
			continue;
		struct table_state *ts = state_table(st, tb->name);
		ts->last_name = NULL;
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
		check_jumps(st, ts, rs, d);
		check_loops(ts, rs, d);
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

/* ---- a normalised key: equal for rules iptables-save prints differently ---- */

static int str_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *option_key(const struct rule *r, const struct rule_opt *o)
{
	struct strbuf sb = {0};
	sb_addf(&sb, "%s%s=", o->neg ? "!" : "", o->name);
	for (int i = 0; i < o->nargs; i++) {
		const char *a = rule_arg(r, o, i);
		if (!strcmp(o->name, "--ctstate") || !strcmp(o->name, "--state")) {
			char **items; /* a set of states: order does not matter */
			size_t n = split_list(a, &items);
			qsort(items, n, sizeof(*items), str_order);
			for (size_t k = 0; k < n; k++)
				sb_addf(&sb, "%s%s", k ? "," : "", items[k]);
			free_list(items, n);
		} else if (!strcmp(o->name, "--limit") && strchr(a, '/')) {
			/* 5/minute, 5/min and 5/m are one rate */
			sb_addf(&sb, "%.*s/%c", (int)(strchr(a, '/') - a), a, strchr(a, '/')[1]);
		} else {
			sb_addf(&sb, "%s%s", i ? " " : "", a);
		}
	}
	return sb_steal(&sb);
}

char *rule_key(const struct rule *r)
{
	struct strbuf sb = {0};
	char buf[ADDR_STRLEN];
	if (r->proto)
		sb_addf(&sb, "%sp=%s;", r->proto_neg ? "!" : "", r->proto);
	if (r->has_src) {
		addr_format(&r->src, buf, true);
		sb_addf(&sb, "%ss=%s;", r->src_neg ? "!" : "", r->src_list ? rule_word(r, r->src_tok) : buf);
	}
	if (r->has_dst) {
		addr_format(&r->dst, buf, true);
		sb_addf(&sb, "%sd=%s;", r->dst_neg ? "!" : "", r->dst_list ? rule_word(r, r->dst_tok) : buf);
	}
	if (r->in_if)
		sb_addf(&sb, "%si=%s;", r->in_neg ? "!" : "", r->in_if);
	if (r->out_if)
		sb_addf(&sb, "%so=%s;", r->out_neg ? "!" : "", r->out_if);
	/* matches in any order, each with its options in any order */
	char **ms = xcalloc(r->nm + 1, sizeof(*ms));
	for (size_t i = 0; i < r->nm; i++) {
		char **os = xcalloc(r->m[i].nopts + 1, sizeof(*os));
		for (size_t k = 0; k < r->m[i].nopts; k++)
			os[k] = option_key(r, &r->m[i].opts[k]);
		qsort(os, r->m[i].nopts, sizeof(*os), str_order);
		struct strbuf m = {0};
		sb_addf(&m, "m=%s", r->m[i].module);
		for (size_t k = 0; k < r->m[i].nopts; k++)
			sb_addf(&m, " %s", os[k]);
		free_list(os, r->m[i].nopts);
		ms[i] = sb_steal(&m);
	}
	qsort(ms, r->nm, sizeof(*ms), str_order);
	for (size_t i = 0; i < r->nm; i++)
		sb_addf(&sb, "%s;", ms[i]);
	free_list(ms, r->nm);
	sb_addf(&sb, "%s=%s", r->is_goto ? "g" : "j", r->target ? r->target : "");
	for (size_t k = 0; k < r->ntopts; k++) {
		char *o = option_key(r, &r->topts[k]);
		sb_addf(&sb, " %s", o);
		free(o);
	}
	return sb_steal(&sb);
}
