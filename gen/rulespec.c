#include "parser.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

static void report_service_name(struct parser *ps, struct loc l, const char *opt, const char *text)
{
	diag_warn(ps->d, "service-name", l, "%s '%s' is a service name: iptables looks it up in /etc/services when "
		  "it loads the rule, so the port depends on that file", opt, text);
}

/* --dport and the like: a port or a range; a service name is a warning. */
static void check_port(struct parser *ps, struct loc l, const char *opt, const char *text)
{
	struct port_range pr;
	const char *why;
	if (port_parse(text, ':', true, &pr, &why))
		return;
	if (service_port(text))
		report_service_name(ps, l, opt, text);
	else
		diag_error(ps->d, "bad-port", l, "%s '%s': %s", opt, text, why);
}

/* multiport's --dports: up to 15 slots, a range taking two. */
static void check_port_list(struct parser *ps, struct loc l, const char *opt, const char *text)
{
	struct port_range pr;
	const char *why;
	char **items;
	size_t n = split_list(text, &items), slots = 0;
	for (size_t i = 0; i < n; i++) {
		bool number = port_parse(items[i], ':', true, &pr, &why);
		if (!number && service_port(items[i])) {
			report_service_name(ps, l, opt, items[i]);
			slots++;
			continue;
		}
		if (!number) {
			diag_error(ps->d, "bad-port", l, "%s '%s': %s", opt, items[i], why);
			break;
		}
		slots += pr.lo == pr.hi ? 1 : 2;
	}
	if (slots > MULTIPORT_SLOTS)
		diag_error(ps->d, "bad-port", l, "multiport takes at most %d ports (a range counts as two)", MULTIPORT_SLOTS);
	free_list(items, n);
}

/* --match-set NAME src,dst */
static void check_set_args(struct parser *ps, const struct rule *r, const struct token *args)
{
	static const char *const dirs[] = {"src", "dst", NULL};
	const char *name = word(r, &args[0]), *flags = word(r, &args[1]);
	if (strlen(name) > IPSET_NAME_MAX || !name[0])
		diag_error(ps->d, "bad-name", tok_loc(ps, &args[0]), "set name '%s' is longer than %d characters", name,
			   IPSET_NAME_MAX);
	char **items;
	size_t n = split_list(flags, &items);
	bool ok = n >= 1 && n <= 6;
	for (size_t i = 0; i < n && ok; i++)
		ok = in_words(items[i], dirs);
	free_list(items, n);
	if (!ok)
		diag_error(ps->d, "bad-value", tok_loc(ps, &args[1]), "'%s' must be src or dst (comma-separated, up to 6)",
			   flags);
}

/* The options whose value is one word of a short list. */
static void check_choice(struct parser *ps, struct loc l, enum value_kind kind, const char *text)
{
	static const char *const reject4[] = {"icmp-net-unreachable", "icmp-host-unreachable",
		"icmp-port-unreachable", "icmp-proto-unreachable", "icmp-net-prohibited",
		"icmp-host-prohibited", "icmp-admin-prohibited", "tcp-reset", NULL};
	static const char *const reject6[] = {"icmp6-no-route", "no-route", "icmp6-adm-prohibited",
		"adm-prohibited", "icmp6-addr-unreachable", "addr-unreach", "icmp6-port-unreachable",
		"port-unreach", "icmp6-policy-fail", "policy-fail", "icmp6-reject-route", "reject-route",
		"tcp-reset", NULL};
	static const char *const ctdir[] = {"ORIGINAL", "REPLY", NULL}, *const poldir[] = {"in", "out", NULL},
		*const pol[] = {"none", "ipsec", NULL};
	bool v6 = ps->family == FAM_V6;
	if (kind == V_CTDIR && !in_words(text, ctdir))
		diag_error(ps->d, "bad-value", l, "--ctdir takes ORIGINAL or REPLY, got '%s'", text);
	else if (kind == V_POLDIR && !in_words(text, poldir))
		diag_error(ps->d, "bad-value", l, "--dir takes in or out, got '%s'", text);
	else if (kind == V_POL && !in_words(text, pol))
		diag_error(ps->d, "bad-value", l, "--pol takes none or ipsec, got '%s'", text);
	else if (kind == V_REJECT && !in_words(text, v6 ? reject6 : reject4))
		diag_error(ps->d, "bad-value", l, "'%s' is not a reject type for IPv%d", text, v6 ? 6 : 4);
}

/* The value of option od, whose arguments start at args. */
static void check_value(struct parser *ps, const struct rule *r, const struct opt_def *od, const struct token *args)
{
	static const char *const states[] = {"INVALID", "ESTABLISHED", "NEW", "RELATED", "UNTRACKED", "SNAT", "DNAT", NULL};
	const char *text = word(r, &args[0]);
	struct loc l = tok_loc(ps, &args[0]);
	char *end;
	switch (od->kind) {
	case V_PORT:
		check_port(ps, l, od->name, text);
		break;
	case V_PORTLIST:
		check_port_list(ps, l, od->name, text);
		break;
	case V_STATES:
		if (!all_in_words(text, states))
			diag_error(ps->d, "bad-value", l, "'%s' is not a list of connection states "
				   "(NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, SNAT, DNAT)", text);
		break;
	case V_RATE:
		if (!valid_rate(text))
			diag_error(ps->d, "bad-value", l, "'%s' is not a rate such as 5/minute", text);
		break;
	case V_NUM:
		strtoul(text, &end, 0);
		if (!text[0] || *end)
			diag_error(ps->d, "bad-value", l, "%s expects a number, got '%s'", od->name, text);
		break;
	case V_COMMENT:
		if (strlen(text) > COMMENT_MAX)
			diag_error(ps->d, "bad-value", l, "a comment holds at most %d characters; this one has %zu",
				   COMMENT_MAX, strlen(text));
		break;
	case V_LOGPREFIX:
		if (strlen(text) > LOG_PREFIX_MAX)
			diag_error(ps->d, "bad-value", l, "a log prefix holds at most %d characters; this one has %zu",
				   LOG_PREFIX_MAX, strlen(text));
		break;
	case V_SET:
		check_set_args(ps, r, args);
		break;
	case V_ADDR: {
		struct addr addr;
		bool list;
		enum addr_form form = ADDR_EXACT;
		parse_addr_value(ps, r, &args[0], &addr, &list, &form);
		break;
	}
	case V_MAC:
		if (!valid_mac(text))
			diag_error(ps->d, "bad-value", l, "'%s' is not a MAC address (six hex pairs such as "
				   "00:11:22:aa:bb:cc): iptables-restore refuses it", text);
		break;
	case V_CTDIR: case V_POLDIR: case V_POL: case V_REJECT:
		check_choice(ps, l, od->kind, text);
		break;
	case V_ANY: case V_FLAG: case V_CTPROTO:
		break;
	}
}

/* ---- a rule specification ---- */

/* Where parse_spec stands in a rule: the option being read, whether a '!'
 * came before it, and whose options follow (the last match's, the target's). */
struct spec {
	struct parser *ps;
	struct rule *r;
	bool neg;
	struct match *cur;               /* the last -m */
	const struct ext_def *cur_def;   /* its catalogue entry; NULL: unknown */
	bool in_target;                  /* options after -j belong to the target */
	const struct ext_def *tdef;      /* the target's catalogue entry */
	const struct ext_def *imp;       /* the match -p loads implicitly */
};

static struct match *add_match(struct spec *s, const char *module, int tok, const struct ext_def *def)
{
	struct match m = {.module = module, .tok = tok, .def = def};
	VEC_PUSH(s->ps->ms, s->r->nm, s->ps->ms_cap, m);
	s->r->m = s->ps->ms;
	return &s->r->m[s->r->nm - 1];
}

/* -p PROTO */
static void spec_proto(struct spec *s, size_t at)
{
	struct rule *r = s->r;
	const char *arg = rule_word(r, (int)at);
	r->proto = proto_name(arg);
	r->proto_neg = s->neg;
	r->proto_tok = (int)at;
	s->imp = s->neg ? NULL : implicit_match(r->proto);
	if (!valid_proto(arg))
		diag_error(s->ps->d, "bad-value", tok_loc(s->ps, &r->tok[at]), "unknown protocol '%s'", arg);
}

/* -s / -d ADDRESS[,ADDRESS...] */
static void spec_address(struct spec *s, size_t at, bool src)
{
	struct rule *r = s->r;
	bool list;
	enum addr_form form = ADDR_EXACT;
	bool read = parse_addr_value(s->ps, r, &r->tok[at], src ? &r->src : &r->dst, &list, &form);
	*(src ? &r->src_tok : &r->dst_tok) = (int)at;
	/* what cannot be modelled narrows the rule, never widens it: the
	 * address is left out of the model, and the rule covers none */
	bool modelled = read && form != ADDR_ODD_MASK;
	if (!modelled)
		r->opaque = true;
	if (src) {
		r->has_src = modelled;
		r->src_neg = s->neg;
		r->src_list = list;
	} else {
		r->has_dst = modelled;
		r->dst_neg = s->neg;
		r->dst_list = list;
	}
}

/* -i / -o INTERFACE */
static void spec_iface(struct spec *s, size_t at, bool in, const char *o)
{
	struct rule *r = s->r;
	const char *arg = rule_word(r, (int)at);
	if (!strcmp(arg, "any"))
		diag_warn(s->ps->d, "iface-any", tok_loc(s->ps, &r->tok[at]), "'any' is no wildcard here: it matches "
			  "only an interface called any (for every interface leave %s out, or use '+')", o);
	if (!valid_iface_name(arg))
		diag_error(s->ps->d, "bad-interface", tok_loc(s->ps, &r->tok[at]), "'%s' is not an interface name "
			   "(at most %d characters, '+' only at the end)", arg, IFACE_NAME_MAX);
	*(in ? &r->in_if : &r->out_if) = arg;
	*(in ? &r->in_neg : &r->out_neg) = s->neg;
}

/* -m MATCH */
static void spec_match(struct spec *s, size_t at)
{
	const char *arg = rule_word(s->r, (int)at);
	s->cur_def = find_match(arg);
	if (!s->cur_def) {
		diag_warn(s->ps->d, "unknown-match", tok_loc(s->ps, &s->r->tok[at]),
			  "match '%s' is not known to dfwgen; its options are not checked", arg);
		s->r->opaque = true;
	}
	s->cur = add_match(s, arg, (int)at, s->cur_def);
	s->in_target = false;
}

/* -j / -g TARGET */
static void spec_target(struct spec *s, size_t opt, size_t at, bool is_goto)
{
	struct rule *r = s->r;
	if (r->target)
		diag_error(s->ps->d, "bad-syntax", tok_loc(s->ps, &r->tok[opt]), "a rule has one target; this is the second");
	r->target = rule_word(r, (int)at);
	r->target_tok = (int)at;
	r->is_goto = is_goto;
	s->tdef = find_target(r->target);
	if (s->tdef)
		r->target = s->tdef->name; /* the catalogue's: shared, like chain names */
	r->terminal = r->is_goto || (s->tdef && s->tdef->terminal);
	r->known_target = s->tdef != NULL;
	s->in_target = true;
}

/* How many arguments follow at `at` (want of them, or as many as there are
 * when want < 0); -1 after reporting too few. */
static int take_args(struct parser *ps, struct rule *r, size_t at, int want, const char *name)
{
	int got = 0;
	while (at + (size_t)got < r->ntok && (want < 0 || got < want) && !is_option(r, &r->tok[at + (size_t)got]) &&
	       !is_bang(r, &r->tok[at + (size_t)got]))
		got++;
	if (want >= 0 && got < want) {
		diag_error(ps->d, "missing-argument", rule_tok_loc(r, (int)at - 1), "%s needs %d argument%s", name, want,
			   want == 1 ? "" : "s");
		return -1;
	}
	return got;
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

/* One of iptables' own options at i; the index after it, or 0 to stop. */
static size_t spec_base(struct spec *s, size_t i, const struct base_def *b)
{
	struct rule *r = s->r;
	const struct token *t = &r->tok[i];
	size_t next = i + 1;
	bool has_arg = next < r->ntok && !is_option(r, &r->tok[next]) && !is_bang(r, &r->tok[next]);
	if (repeated_base_option(s->ps, r, t, b))
		return 0;
	if (b->id == BASE_COUNTERS) {
		int n = take_args(s->ps, r, next, 2, word(r, t));
		return n < 0 ? 0 : next + (size_t)n;
	}
	if (b->id == BASE_FLAG) {
		if (b->short_name == 'f')
			r->opaque = true; /* second and later fragments only: not modelled, it narrows */
		return next;
	}
	if (!has_arg) {
		diag_error(s->ps->d, "missing-argument", tok_loc(s->ps, t), "%s needs an argument", word(r, t));
		return 0;
	}
	switch (b->id) {
	case BASE_PROTO: spec_proto(s, next); break;
	case BASE_SRC: case BASE_DST: spec_address(s, next, b->id == BASE_SRC); break;
	case BASE_IN: case BASE_OUT: spec_iface(s, next, b->id == BASE_IN, word(r, t)); break;
	case BASE_MATCH: spec_match(s, next); break;
	case BASE_JUMP: case BASE_GOTO: spec_target(s, i, next, b->id == BASE_GOTO); break;
	default: break;
	}
	return next + 1;
}

/* Whose long option O is: the target's, the last match's, or the match -p
 * loads implicitly (added to the rule the first time one of its options
 * stands). An exact name first, else an abbreviation getopt_long takes. */
static const struct opt_def *long_option_owner(struct spec *s, const char *o, const char **owner, bool *known)
{
	const struct opt_def *od = NULL;
	*owner = NULL;
	*known = false;
	if (s->in_target) {
		*owner = s->r->target;
		*known = s->tdef != NULL;
		return ext_option(s->tdef, o);
	}
	if (s->cur) {
		*owner = s->cur->module;
		*known = s->cur_def != NULL;
		od = ext_option(s->cur_def, o);
	}
	if (!od && (!s->cur || s->cur_def) && ext_option(s->imp, o)) {
		s->cur = add_match(s, s->imp->name, s->r->proto_tok, s->imp);
		s->cur_def = s->imp;
		*owner = s->imp->name;
		*known = true;
		od = ext_option(s->imp, o);
	}
	if (!*owner && s->imp) {
		*owner = s->imp->name;
		*known = true;
	}
	return od;
}

/* A long option at i that is no base option by its exact name. */
static size_t spec_long(struct spec *s, size_t i)
{
	struct rule *r = s->r;
	const struct token *t = &r->tok[i];
	const char *o = word(r, t), *owner;
	bool known_owner;
	const struct opt_def *od = long_option_owner(s, o, &owner, &known_owner);
	const struct base_def *b;
	if (!od && (b = base_option_long(o, true)))
		return spec_base(s, i, b);
	bool port = !strcmp(o, "--dport") || !strcmp(o, "--sport");
	if (!owner) {
		diag_error(s->ps->d, "orphan-option", tok_loc(s->ps, t), "option %s belongs to no match or target%s", o,
			   port ? " (ports need -p tcp or -p udp first)" : "");
		return 0;
	}
	if (!od && known_owner) {
		diag_error(s->ps->d, "unknown-option", tok_loc(s->ps, t), "%s is not an option of %s%s", o, owner,
			   port ? " (ports need -p tcp or -p udp, or -m multiport)" : "");
		return 0;
	}
	size_t next = i + 1;
	int n = take_args(s->ps, r, next, od ? od->nargs : -1, o);
	if (n < 0)
		return 0;
	struct rule_opt opt = {.name = od ? od->name : o, .neg = s->neg, .tok = (int)i, .nargs = n, .arg = (int)next};
	if (od && n == od->nargs && n > 0)
		check_value(s->ps, r, od, &r->tok[next]);
	if (s->in_target) {
		VEC_PUSH(s->ps->topts, r->ntopts, s->ps->topts_cap, opt);
	} else {
		/* a match's options stand together: only the last match takes more */
		VEC_PUSH(s->ps->opts, s->ps->nopts, s->ps->opts_cap, opt);
		s->cur->nopts++;
	}
	return next + (size_t)n;
}

/* -m tcp, udp, icmp, icmp6 and multiport need the rule's -p, which iptables
 * checks once the whole rule is read: -m tcp -p tcp --dport 22 is fine. */
static void check_match_protocols(struct parser *ps, const struct rule *r, const struct ext_def *imp)
{
	const char *loaded = imp ? imp->name : NULL; /* udplite and sctp load udp's */
	for (size_t k = 0; k < r->nm; k++) {
		const struct match *m = &r->m[k];
		const char *arg = m->module;
		if (m->tok == r->proto_tok)
			continue; /* loaded by -p itself */
		const struct ext_def *def = m->def;
		bool proto_ok = r->proto && !r->proto_neg && (!strcmp(r->proto, arg) || (loaded && !strcmp(arg, loaded) &&
				(!strcmp(arg, "udp") || !strcmp(arg, "icmp6"))));
		if (def && is_protocol_match(def) && !proto_ok)
			diag_error(ps->d, "match-needs-protocol", tok_loc(ps, &r->tok[m->tok]),
				   "match '%s' needs -p %s in the rule", arg, !strcmp(arg, "icmp6") ? "ipv6-icmp" : arg);
		if (!strcmp(arg, "multiport") && (!loaded || !strcmp(loaded, "icmp") || !strcmp(loaded, "icmp6")))
			diag_error(ps->d, "match-needs-protocol", tok_loc(ps, &r->tok[m->tok]),
				   "match 'multiport' needs -p tcp, udp, udplite or sctp in the rule");
	}
}

void parse_spec(struct parser *ps, struct rule *r, size_t i)
{
	struct spec s = {.ps = ps, .r = r};
	r->spec_tok = (int)i;
	r->proto_tok = r->target_tok = -1;
	ps->nopts = 0;
	while (i < r->ntok) {
		struct token *t = &r->tok[i];
		if (is_bang(r, t)) {
			if (s.neg)
				diag_error(ps->d, "bad-syntax", tok_loc(ps, t), "'!' twice in a row");
			s.neg = true;
			i++;
			continue;
		}
		if (!is_option(r, t)) {
			diag_error(ps->d, "bad-syntax", tok_loc(ps, t), "unexpected '%s': an option (starting with '-') "
				   "was expected", word(r, t));
			return;
		}
		const char *o = word(r, t);
		const struct base_def *b = base_option(o);
		if (!b && o[1] != '-') {
			diag_error(ps->d, "unknown-option", tok_loc(ps, t), "unknown option '%s'", o);
			return;
		}
		if (!(i = b ? spec_base(&s, i, b) : spec_long(&s, i)))
			return;
		s.neg = false;
	}
	if (s.neg)
		diag_error(ps->d, "bad-syntax", rule_tok_loc(r, (int)r->ntok - 1), "'!' at the end of the line negates nothing");
	check_match_protocols(ps, r, s.imp);
	if (r->target && !s.tdef && !valid_chain_name(r->target))
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



void finish_spec(struct parser *ps, struct rule *r)
{
	r->spec = canonical_spec(ps->arena, r, ps->text, &r->spec_len); /* "" when the line holds none */
	r->spec_hash = (uint32_t)hash_bytes(r->spec, r->spec_len);
	rule_to_arena(ps, r);
}
