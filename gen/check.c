#include "check.h"

#include "both.h"
#include "shadow.h"

#include "util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

/* ---- what a rule does ---- */

static bool is_drop(const struct rule *r)
{
	return r->target && (!strcmp(r->target, "DROP") || !strcmp(r->target, "REJECT"));
}

static bool lets_through(const struct rule *r)
{
	return r->target && (!strcmp(r->target, "ACCEPT") || !strcmp(r->target, "RETURN"));
}

static bool proto_any(const struct rule *r)
{
	return !r->proto || (!r->proto_neg && !strcmp(r->proto, "all"));
}

/* No condition at all (a comment is not a condition). */
static bool unconditional(const struct rule *r)
{
	if (!proto_any(r) || r->has_src || r->has_dst || r->in_if || r->out_if || r->opaque)
		return false;
	for (size_t i = 0; i < r->nm; i++) {
		if (strcmp(r->m[i].module, "comment"))
			return false;
	}
	return true;
}

static bool list_has(const char *list, const char *word)
{
	char **items;
	size_t n = split_list(list, &items);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		found |= !strcmp(items[i], word);
	free_list(items, n);
	return found;
}

/* The connection states a rule is limited to; NULL when it is not. */
static const char *rule_states(const struct rule *r, bool *neg)
{
	const struct rule_opt *o = rule_option(r, "conntrack", "--ctstate");
	if (!o)
		o = rule_option(r, "state", "--state");
	*neg = o && o->neg;
	return o ? rule_arg(r, o, 0) : NULL;
}

static bool is_established_rule(const struct rule *r)
{
	bool neg;
	const char *states = rule_states(r, &neg);
	return lets_through(r) && states && !neg && list_has(states, "ESTABLISHED");
}

/* Does the rule match only packets that open a connection (--syn, SYN
 * without ACK, state NEW or INVALID)? Then it cannot drop replies. */
static bool only_new(const struct rule *r)
{
	bool neg;
	const char *states = rule_states(r, &neg);
	if (states && !neg) {
		char **items;
		size_t n = split_list(states, &items);
		bool all = n > 0;
		for (size_t i = 0; i < n; i++)
			all &= !strcmp(items[i], "NEW") || !strcmp(items[i], "INVALID");
		free_list(items, n);
		if (all)
			return true;
	}
	const struct rule_opt *syn = rule_option(r, "tcp", "--syn");
	if (syn && !syn->neg)
		return true;
	const struct rule_opt *flags = rule_option(r, "tcp", "--tcp-flags");
	if (flags && !flags->neg && flags->nargs == 2) {
		const char *mask = rule_arg(r, flags, 0), *set = rule_arg(r, flags, 1);
		return !strcmp(set, "SYN") && (list_has(mask, "ALL") || (list_has(mask, "SYN") && list_has(mask, "ACK")));
	}
	return false;
}

/* May the rule see a new connection (not limited to other states)? */
static bool sees_new(const struct rule *r)
{
	bool neg;
	const char *states = rule_states(r, &neg);
	return !states || (neg ? !list_has(states, "NEW") : list_has(states, "NEW"));
}

static bool port_in_list(const char *list, unsigned port)
{
	char **items;
	size_t n = split_list(list, &items);
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		struct port_range pr;
		const char *why;
		if (port_parse(items[i], ':', true, &pr, &why))
			found |= port >= pr.lo && port <= pr.hi;
	}
	free_list(items, n);
	return found;
}

/* Whether tcp/port may match the rule's protocol and destination port conditions. */
static bool may_match_tcp_port(const struct rule *r, unsigned port)
{
	if (!proto_any(r) && (r->proto_neg || strcmp(r->proto, "tcp")))
		return false;
	static const char *const opts[][2] = {{"tcp", "--dport"}, {"multiport", "--dports"}, {"multiport", "--ports"}};
	for (size_t i = 0; i < 3; i++) {
		const struct rule_opt *o = rule_option(r, opts[i][0], opts[i][1]);
		if (o && port_in_list(rule_arg(r, o, 0), port) == o->neg)
			return false;
	}
	return true;
}

/* A DROP/REJECT that would hit an SSH connection from most of the world. */
static bool catches_everyone(const struct rule *r, unsigned port)
{
	if (!is_drop(r) || (r->has_src && !r->src_neg) || r->has_dst || !sees_new(r) ||
	    (r->in_if && !strcmp(r->in_if, "lo")) || !may_match_tcp_port(r, port))
		return false;
	for (size_t i = 0; i < r->nm; i++) {
		const char *mod = r->m[i].module;
		if (!strcmp(mod, "set")) {
			const struct rule_opt *o = rule_option(r, "set", "--match-set");
			if (o && !o->neg)
				return false; /* only the members of a set */
		} else if (strcmp(mod, "comment") && strcmp(mod, "tcp") && strcmp(mod, "multiport") &&
			   strcmp(mod, "conntrack") && strcmp(mod, "state")) {
			return false; /* limit, recent, ...: not everyone */
		}
	}
	return true;
}


static bool private_net(const struct addr *a)
{
	static const char *const nets[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", NULL};
	for (int i = 0; nets[i]; i++) {
		struct addr n;
		const char *why;
		if (addr_parse(nets[i], &n, &why) && addr_contains(&n, a))
			return true;
	}
	return false;
}

static bool from_bridge(const struct rule *r, const struct check_opts *o)
{
	if (!r->in_if || r->in_neg)
		return false;
	if (str_has_prefix(r->in_if, "docker") || str_has_prefix(r->in_if, "br-"))
		return true;
	for (size_t i = 0; o->bridges && i < o->bridges->n; i++) {
		if (!strcmp(o->bridges->v[i], r->in_if))
			return true;
	}
	return false;
}

/* Lets a new SSH connection in from somewhere outside: loopback and the
 * containers' bridges do not count. */
/* A set of the config the rule takes its sources from, that holds no address
 * an SSH client can come from (empty, the other family only, loopback,
 * multicast, Docker's subnets, this host's own addresses). */
static const struct set_info *clientless_set(const struct rule *r, const struct check_opts *o)
{
	for (size_t m = 0; o->sets && m < r->nm; m++) {
		for (size_t i = 0; i < r->m[m].nopts; i++) {
			const struct rule_opt *op = &r->m[m].opts[i];
			if (strcmp(op->name, "--match-set") || op->neg || op->nargs < 2 ||
			    strncmp(rule_arg(r, op, 1), "src", 3))
				continue;
			const struct set_info *si = sets_find(o->sets, rule_arg(r, op, 0));
			if (si && si->clients_known && !si->has_client)
				return si;
		}
	}
	return NULL;
}

static bool lets_ssh_in(const struct rule *r, unsigned port, const struct check_opts *o,
			const struct addr *nowhere, size_t nnowhere, const struct set_info **useless)
{
	bool in = lets_through(r) && sees_new(r) && !(r->in_if && !r->in_neg && !strcmp(r->in_if, "lo")) &&
		  !from_bridge(r, o) && !r->has_dst && may_match_tcp_port(r, port);
	if (!in)
		return false;
	const struct set_info *si = clientless_set(r, o);
	if (si && !*useless)
		*useless = si;
	return !si && !(r->has_src && !r->src_neg && addr_in_any(&r->src, nowhere, nnowhere));
}

static bool docker_internal(const struct rule *r, const struct check_opts *o)
{
	if (!lets_through(r))
		return false;
	if (from_bridge(r, o))
		return true;
	if (r->has_src && !r->src_neg) {
		if (private_net(&r->src))
			return true;
		for (size_t i = 0; i < o->nsubnets; i++) {
			if (addr_contains(&o->subnets[i], &r->src))
				return true;
		}
	}
	return false;
}

/* ---- checks over the file as written ---- */

static bool is_dockers(const char *chain)
{
	return str_has_prefix(chain, "DOCKER") && strcmp(chain, "DOCKER-USER");
}

/* Where a finding about the rule's chain points (made only for a finding:
 * a rule's tokens are the coldest memory of a big file). */
static struct loc chain_loc(const struct rule *r)
{
	return rule_tok_loc(r, r->chain_tok >= 0 ? r->chain_tok : 0);
}

static void check_lines(const struct ruleset *rs, const struct check_opts *o, struct diags *d)
{
	for (size_t t = 0; t < rs->n; t++) {
		const struct table *tb = &rs->tables[t];
		bool filter = !strcmp(tb->name, "filter");
		for (size_t k = 0; k < tb->n; k++) {
			const struct rule *r = &tb->rules[k];
			const char *chain = r->chain;
			if (o->noflush) {
				bool builtin = chain && chain_is_builtin(tb->name, chain);
				if (r->cmd == CMD_DECLARE && builtin && strcmp(r->policy ? r->policy : "", "-"))
					diag_error(d, "policy-line", rule_tok_loc(r, 0), "':%s %s' sets the policy of built-in chain "
						   "%s under --noflush; leave built-in chains out of the file", chain, r->policy, chain);
				else if (r->cmd == CMD_POLICY)
					diag_error(d, "policy-line", rule_tok_loc(r, 0), "-P changes the policy of %s; a --noflush "
						   "file must not re-policy chains", chain ? chain : "a chain");
				else if ((r->cmd == CMD_FLUSH || r->cmd == CMD_DELCHAIN || r->cmd == CMD_ZERO || r->cmd == CMD_RENAME) && !chain)
					diag_error(d, "foreign-flush", rule_tok_loc(r, 0), "%s without a chain touches every chain of "
						   "table %s, Docker's included", rule_word(r, 0), tb->name);
				else if ((r->cmd == CMD_FLUSH || r->cmd == CMD_DELCHAIN || r->cmd == CMD_RENAME || r->cmd == CMD_ZERO) &&
					 (builtin || is_dockers(chain)))
					diag_error(d, "foreign-flush", chain_loc(r), "%s %s: dfwgen's files never flush, delete, zero or rename "
						   "a chain they do not own (%s)", rule_word(r, 0), chain,
						   builtin ? "INPUT holds Docker Swarm's rules" : "Docker owns it");
				else if (r->cmd == CMD_DECLARE && (is_dockers(chain) || (!filter && str_has_prefix(chain, "DOCKER"))))
					diag_error(d, "docker-chain", chain_loc(r), "':%s' flushes Docker's chain %s; Docker's published ports "
						   "and isolation would break until it restarts", chain, chain);
				else if ((r->cmd == CMD_APPEND || r->cmd == CMD_INSERT || r->cmd == CMD_DELETE || r->cmd == CMD_REPLACE) &&
					 chain && is_dockers(chain))
					diag_warn(d, "docker-chain", chain_loc(r), "rules in Docker's chain %s are lost whenever Docker "
						  "restarts; filter in DOCKER-USER instead", chain);
			}
			if (!filter || !chain || !r->target)
				continue;
			/* duplicates are the state's business; an append is wrong even alone */
			if (o->noflush && !strcmp(chain, "INPUT") && !strcmp(r->target, o->host_chain) &&
			    (r->cmd == CMD_APPEND || (r->cmd == CMD_INSERT && r->num > 1)))
				diag_error(d, "jump-not-first", rule_tok_loc(r, 0), "the jump to %s must be INPUT's first "
					   "rule (-I INPUT 1 -j %s); below other rules, they bypass it", o->host_chain, o->host_chain);
			/* traffic from a bridge is the containers' own, going out: no DNAT */
			if (!strcmp(chain, o->container_chain) && r->cmd != CMD_DELETE && !from_bridge(r, o)) {
				/* the trap is a match on one published container: a port (or a
				 * short list of them) or one address, not whole ranges of them,
				 * which rule sets such as ufw-docker match deliberately */
				const struct rule_opt *dport = rule_option(r, NULL, "--dport");
				if (!dport)
					dport = rule_option(r, "multiport", "--dports");
				if (dport && strchr(rule_arg(r, dport, 0) ? rule_arg(r, dport, 0) : "", ':'))
					dport = NULL;
				bool one_host = r->has_dst && !r->dst_neg && r->dst.prefix == addr_max_prefix(r->dst.family);
				if (dport || one_host)
					diag_warn(d, "dnat-trap", rule_tok_loc(r, dport ? dport->tok : r->spec_tok),
						  "in %s, %s sees the container's %s after Docker's DNAT, not what was "
						  "published; match the published port with -m conntrack --ctorigdstport "
						  "PORT --ctdir ORIGINAL", chain, dport ? dport->name : "-d",
						  dport ? "port" : "address");
			}
			const struct rule_opt *orig = rule_option(r, "conntrack", "--ctorigdstport");
			const struct rule_opt *dir = orig ? rule_option(r, "conntrack", "--ctdir") : NULL;
			if (orig && (!dir || strcmp(rule_arg(r, dir, 0) ? rule_arg(r, dir, 0) : "", "ORIGINAL")))
				diag_warn(d, "ctdir-missing", rule_tok_loc(r, orig->tok), "--ctorigdstport without --ctdir "
					  "ORIGINAL also matches the replies of connections from that port");
		}
	}
}

/* ---- checks over the state ---- */

static void check_sets(const struct ruleset *rs, const struct check_opts *o, struct diags *d)
{
	for (size_t t = 0; t < rs->n; t++) {
		for (size_t k = 0; k < rs->tables[t].n; k++) {
			const struct rule *r = &rs->tables[t].rules[k];
			for (size_t m = 0; m < r->nm; m++) {
				for (size_t i = 0; i < r->m[m].nopts; i++) {
					const struct rule_opt *op = &r->m[m].opts[i];
					if (strcmp(op->name, "--match-set") || op->nargs < 1)
						continue;
					const char *name = rule_arg(r, op, 0);
					const struct set_info *si = o->sets ? sets_find(o->sets, name) : NULL;
					struct loc at = rule_tok_loc(r, op->arg);
					if (!si && o->sets && o->sets->given)
						diag_error(d, "unknown-set", at, "set %s is not defined by any set file "
							   "(iptables-restore fails: \"Set %s doesn't exist\")", name, name);
					else if (!si)
						diag_warn(d, "unknown-set", at, "set %s is not described; pass its ipset file "
							  "with -s to check it", name);
					else if (si->family != FAM_NONE && si->family != rs->family)
						diag_error(d, "set-family", at, "set %s holds IPv%d addresses but this file is "
							   "for IPv%d", name, si->family, rs->family);
				}
			}
		}
	}
	for (size_t i = 0; o->sets && i < o->sets->n; i++) {
		const struct set_info *si = &o->sets->v[i];
		if (si->has_cidr)
			diag_warn(d, "hash-ip-cidr", si->loc, "set %s is %s but is filled with networks: each network "
				  "is added address by address; use hash:net", si->name, si->type);
		if (si->count > si->maxelem)
			diag_error(d, "set-overflow", si->loc, "set %s gets %zu entries but maxelem is %lu: ipset "
				   "restore fails once it is full", si->name, si->count, si->maxelem);
	}
}

static void check_chain_order(const struct chain_state *c, bool containers, const struct check_opts *o, struct diags *d)
{
	const struct rule *first_drop = NULL, *established = NULL, *internal = NULL, *ender = NULL;
	const struct rule *ssh_ok = NULL;
	const struct set_info *useless = NULL;
	bool ssh_reported = false, late_reported = false;
	struct addr *nowhere = NULL;
	size_t nnowhere = o->ssh_port && !containers ? addr_no_client_ranges(&nowhere, o->subnets, o->nsubnets) : 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct rule *r = c->rules[i];
		if (ender)
			break; /* what follows is unreachable: shadow_check reports it */
		if (!established && is_established_rule(r))
			established = r;
		if (!internal && docker_internal(r, o))
			internal = r;
		if (o->ssh_port && !containers && !ssh_ok && lets_ssh_in(r, o->ssh_port, o, nowhere, nnowhere, &useless))
			ssh_ok = r;
		if (o->ssh_port && !containers && !ssh_ok && !ssh_reported && catches_everyone(r, o->ssh_port)) {
			diag_error(d, "lockout", r->loc, "this rule drops SSH (tcp/%u) before any rule lets it in: "
				   "applying it would lock you out", o->ssh_port);
			if (useless)
				diag_error(d, "lockout", useless->loc, "set %s is where SSH is let in from, but it holds no "
					   "IPv%d address an SSH client can come from (%zu entr%s; loopback, multicast, "
					   "link-local, Docker's subnets and this host's own addresses do not count): add "
					   "the admins' IPv%d addresses, or make SSH public ([host] tcp = %u)", useless->name,
					   useless->family, useless->count, useless->count == 1 ? "y" : "ies",
					   useless->family, o->ssh_port);
			ssh_reported = true;
		}
		/* the first drop that may hit a reply, before replies are let through */
		if (is_drop(r) && !established && !late_reported && !only_new(r)) {
			diag_error(d, "established-late", r->loc, "%s drops here before any rule accepts "
				   "ESTABLISHED,RELATED traffic: replies to %s connections die", c->name,
				   containers ? "the containers' and their clients'" : "the host's own");
			late_reported = true;
		}
		if (is_drop(r) && !first_drop) {
			first_drop = r;
			if (containers && !internal)
				diag_error(d, "docker-internal-late", r->loc, "%s drops here before it returns "
					   "Docker-internal traffic (from the bridges and container subnets): containers "
					   "lose their own connections", c->name);
		}
		if (r->terminal && unconditional(r))
			ender = r;
	}
	if (c->n && !ender)
		diag_error(d, "falls-through", c->rules[c->n - 1]->loc, "%s does not end in an unconditional "
			   "rule (-j DROP, -j REJECT, -j RETURN or -j ACCEPT): what it does with the rest is left "
			   "to whatever follows", c->name);
	free(nowhere);
}

static void check_state(struct fw_state *st, bool exact_forward, const struct check_opts *o, struct diags *d)
{
	struct chain_state *host = state_chain(st, "filter", o->host_chain);
	struct chain_state *input = state_chain(st, "filter", "INPUT");
	bool jumped = false;
	for (size_t i = 0; input && i < input->n; i++)
		jumped |= input->rules[i]->target && !strcmp(input->rules[i]->target, o->host_chain);
	/* with INPUT's rules unknown (a --noflush file on its own), the jump may be
	 * in force already: what dfwgen itself writes once it has applied it */
	if (host && host->decl && !jumped && input && input->known)
		diag_warn(d, "no-input-jump", host->decl->loc, "%s is declared but INPUT does not jump to it here: "
			  "until something adds -I INPUT 1 -j %s, it filters nothing", o->host_chain, o->host_chain);
	else if (host && host->decl && !jumped)
		diag_note(d, "no-input-jump", host->decl->loc, "%s is declared but nothing in this file jumps to it: "
			  "unless INPUT already does (-I INPUT 1 -j %s), it filters nothing", o->host_chain, o->host_chain);
	struct chain_state *containers = state_chain(st, "filter", o->container_chain);
	if (host && !host->assumed)
		check_chain_order(host, false, o, d);
	if (containers && !containers->assumed)
		check_chain_order(containers, true, o, d);
	size_t jumps = 0;
	const struct rule *bypass = NULL; /* a rule above the jump that may let packets past it */
	for (size_t i = 0; host && input && i < input->n; i++) {
		const struct rule *r = input->rules[i];
		if (!r->target || strcmp(r->target, o->host_chain)) {
			/* Docker 25+ puts its cleartext-VXLAN DROP on top: a drop bypasses nothing */
			if (!jumps && !bypass && !is_drop(r))
				bypass = r;
			continue;
		}
		if (++jumps > 1)
			diag_error(d, "duplicate-jump", r->loc, "INPUT jumps to %s more than once", o->host_chain);
		else if (bypass)
			diag_error(d, "jump-not-first", r->loc, "INPUT's jump to %s is rule %zu, below the rule at "
				   "line %d, which packets may pass without ever reaching %s", o->host_chain, i + 1,
				   bypass->loc.line, o->host_chain);
	}
	struct chain_state *forward = state_chain(st, "filter", "FORWARD");
	/* a DOCKER-USER that only returns filters nothing another jump could bypass */
	bool filters = false;
	for (size_t i = 0; containers && i < containers->n; i++)
		filters |= !containers->rules[i]->target || strcmp(containers->rules[i]->target, "RETURN");
	if (exact_forward && containers && forward && filters) {
		const struct rule *first = forward->n ? forward->rules[0] : NULL;
		if (!first || !first->target || strcmp(first->target, o->container_chain) || !unconditional(first))
			diag_error(d, "forward-not-first", first ? first->loc : (containers->decl ? containers->decl->loc : (struct loc){0}),
				   "FORWARD's first rule does not jump to %s: traffic to published ports bypasses "
				   "the filter (Docker's fail-open case)", o->container_chain);
	}
}

/* ---- user policies ([policy NAME] with PCRE2) ---- */

static pcre2_code *compile(const char *re, struct loc loc, const char *name, struct diags *d)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof(msg));
		struct loc at = loc;
		if (at.col > 0) {
			at.col += (int)off;
			at.len = 1;
		}
		diag_error(d, "bad-regex", at, "[policy %s]: %s (at offset %zu of the pattern)", name, (char *)msg, (size_t)off);
	}
	return code;
}

bool check_policies_valid(const struct user_policy *v, size_t n, struct diags *d)
{
	size_t before = d->errors;
	for (size_t i = 0; i < n; i++) {
		const char *re = v[i].forbid ? v[i].forbid : v[i].require;
		if (!re)
			continue;
		pcre2_code *code = compile(re, v[i].forbid ? v[i].forbid_loc : v[i].require_loc, v[i].name, d);
		pcre2_code_free(code);
	}
	return d->errors == before;
}

static void check_policies(const struct ruleset *rs, const struct check_opts *o, struct diags *d)
{
	for (size_t i = 0; i < o->npolicies; i++) {
		const struct user_policy *up = &o->policies[i];
		const char *re = up->forbid ? up->forbid : up->require;
		if (!re)
			continue;
		pcre2_code *code = compile(re, up->forbid ? up->forbid_loc : up->require_loc, up->name, d);
		if (!code)
			continue;
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
		bool found = false;
		const struct rule *chain_decl = NULL;
		for (size_t t = 0; t < rs->n; t++) {
			for (size_t k = 0; k < rs->tables[t].n; k++) {
				const struct rule *r = &rs->tables[t].rules[k];
				if (up->chain && r->chain && !strcmp(r->chain, up->chain) && r->cmd == CMD_DECLARE)
					chain_decl = r;
				if ((r->cmd != CMD_APPEND && r->cmd != CMD_INSERT && r->cmd != CMD_REPLACE) ||
				    (up->chain && strcmp(r->chain, up->chain)))
					continue;
				char *line = rule_canonical(r);
				int rc = pcre2_match(code, (PCRE2_SPTR)line, strlen(line), 0, 0, md, NULL);
				free(line);
				if (rc < 0)
					continue;
				found = true;
				if (up->forbid)
					diag_error(d, "policy-forbid", r->loc, "[policy %s] forbids this rule%s%s", up->name,
						   up->message ? ": " : "", up->message ? up->message : "");
			}
		}
		if (up->require && !found)
			diag_error(d, "policy-require", chain_decl ? chain_decl->loc : loc_line(rs->src, 0),
				   "[policy %s] requires a rule%s%s matching /%s/ and none does%s%s", up->name,
				   up->chain ? " in " : "", up->chain ? up->chain : "", up->require,
				   up->message ? ": " : "", up->message ? up->message : "");
		pcre2_match_data_free(md);
		pcre2_code_free(code);
	}
}

/* A built-in chain line with counters, as only a save tool writes them: the
 * first line that shows the file is a whole-table dump. */
static const struct rule *dump_sign(const struct ruleset *rs)
{
	for (size_t t = 0; t < rs->n; t++) {
		for (size_t k = 0; k < rs->tables[t].n; k++) {
			const struct rule *r = &rs->tables[t].rules[k];
			if (r->cmd == CMD_DECLARE && r->ntok > 2 && r->chain && chain_is_builtin(rs->tables[t].name, r->chain) &&
			    strcmp(r->policy ? r->policy : "-", "-"))
				return r;
		}
	}
	return NULL;
}

/* ---- jumps ---- */

/* Jumps to no chain: iptables-restore refuses them (a target dfwgen does
 * not know is only warned about). */
static void check_jumps(struct table_state *ts, const struct ruleset *rs, struct diags *d)
{
	for (size_t i = 0; i < ts->n; i++) {
		const struct chain_state *c = &ts->chains[i];
		for (size_t k = 0; k < c->n; k++) {
			const struct rule *r = c->rules[k];
			if (r->loc.src != rs->src || !r->target || r->known_target)
				continue;
			const struct chain_state *to = table_chain(ts, r->target);
			if (to) {
				if (to->jumped_by == r)
					diag_note(d, "relies-on-docker", rule_tok_loc(r, r->target_tok), "jumps to %s, which this "
						  "file does not declare: it relies on Docker having created it", r->target);
			} else if (is_other_target(r->target))
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
			const struct chain_state *cs = &ts->chains[c];
			if (next_rule[c] == cs->n) {
				colour[c] = BLACK;
				depth--;
				continue;
			}
			const struct rule *r = cs->rules[next_rule[c]++];
			/* a target of the catalogue is never a chain's name (valid_chain_name) */
			const struct chain_state *to = r->target && !r->known_target ? table_chain(ts, r->target) : NULL;
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

/* The checks of the file's lines, which need no state: a job for both_run,
 * with findings of its own. */
struct file_checks {
	const struct ruleset *rs;
	const struct check_opts *o;
	struct diags d;
};

static void check_file(void *arg)
{
	struct file_checks *fc = arg;
	const struct rule *dump = fc->o->noflush ? dump_sign(fc->rs) : NULL;
	if (dump)
		diag_note(&fc->d, "looks-like-dump", dump->loc, "this looks like a whole-table dump (iptables-save): "
			  "it is checked as --noflush input, where built-in chain lines set policies; check a dump "
			  "with --full");
	check_lines(fc->rs, fc->o, &fc->d);
	check_sets(fc->rs, fc->o, &fc->d);
}

/* The state a file leaves, and the jumps in it: a job for both_run. */
struct state_job {
	struct fw_state *st;
	const struct ruleset *rs;
	bool noflush;
	struct diags *d;
};

static void apply_state(void *arg)
{
	struct state_job *sj = arg;
	state_apply(sj->st, sj->rs, sj->noflush, sj->d);
	for (size_t t = 0; t < sj->st->n; t++) {
		check_jumps(&sj->st->tables[t], sj->rs, sj->d);
		check_loops(&sj->st->tables[t], sj->rs, sj->d);
	}
}

void check_run(const struct ruleset *rs, struct fw_state *st, const struct check_opts *o, struct diags *d)
{
	size_t nrules = 0;
	for (size_t t = 0; t < rs->n; t++)
		nrules += rs->tables[t].n;
	/* a big file's lines are checked on the second thread while the state
	 * is made; the state's findings go first, as one thread orders them */
	struct state_job sj = {.st = st, .rs = rs, .noflush = o->noflush, .d = d};
	struct file_checks fc = {.rs = rs, .o = o, .d.warnings_are_errors = d->warnings_are_errors};
	if (both_worthwhile(nrules)) {
		both_run(apply_state, &sj, check_file, &fc);
	} else {
		apply_state(&sj);
		check_file(&fc);
	}
	diags_take(d, &fc.d, 0);
	diags_free(&fc.d);
	check_state(st, !o->noflush || st->exact, o, d);
	shadow_check(rs, st, d);
	check_policies(rs, o, d);
}
