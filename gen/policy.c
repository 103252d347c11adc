#include "policy.h"

#include "addrlist.h"
#include "util.h"

#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

typedef void (*item_fn)(struct policy *p, void *out, const struct item *it, struct diags *d);

/* Runs fn on every item of a list key: the user's values, or the schema default
 * when the key was never written (an explicit empty value means "none"). */
static void each_item(struct policy *p, const struct csection *s, const char *key, void *out, item_fn fn,
		      struct diags *d)
{
	struct cvalue dflt;
	size_t n;
	const struct cvalue *vals = config_list(s, key, &dflt, &n);
	for (size_t i = 0; i < n; i++) {
		if (text_blank(vals[i].text))
			continue; /* the marker of a reset */
		struct items it;
		items_split(&vals[i], &it, d);
		for (size_t j = 0; j < it.n; j++)
			fn(p, out, &it.v[j], d);
		items_free(&it);
	}
}

static void add_list_file(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	addrlist_read(p, out, it, d);
}

static bool parse_bool(struct cvalue v, bool *out, struct diags *d)
{
	static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v.text, yes[i]) == 0)
			return *out = true;
		if (strcmp(v.text, no[i]) == 0)
			return !(*out = false);
	}
	diag_error(d, "bad-value", v.loc, "expected yes or no, got '%s'", v.text);
	return false;
}

/* Index of v.text in a NULL-terminated list of words, or -1 with an error. */
static int parse_word(struct cvalue v, const char *const *words, struct diags *d)
{
	struct strbuf sb = {0};
	for (int i = 0; words[i]; i++) {
		if (strcmp(v.text, words[i]) == 0) {
			sb_free(&sb);
			return i;
		}
		sb_addf(&sb, "%s%s", i ? " | " : "", words[i]);
	}
	diag_error(d, "bad-value", v.loc, "expected %s, got '%s'", sb.buf, v.text);
	sb_free(&sb);
	return -1;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (const char *c = s; *c; c++) {
		if (!isdigit((unsigned char)*c))
			return false;
	}
	errno = 0;
	unsigned long v = strtoul(s, NULL, 10);
	if (errno || v > max)
		return false;
	*out = v;
	return true;
}

/* A quoted or bare string of printable characters without '"' or '\'. */
static char *parse_text(struct cvalue v, size_t max, const char *what, struct diags *d)
{
	const char *s = v.text;
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			diag_error(d, "bad-value", v.loc, "%s must not contain quotes, backslashes or "
				   "control characters", what);
			return NULL;
		}
	}
	if (n > max) {
		diag_error(d, "bad-value", v.loc, "%s is %zu characters long; at most %zu", what, n, max);
		return NULL;
	}
	return xstrndup(s, n);
}

/* A config's rate: what the limit match takes, in plain digits (no sign,
 * no blanks), as the templates print it. */
static bool config_rate(const char *s)
{
	size_t digits = strspn(s, "0123456789");
	return digits >= 1 && digits <= 9 && s[digits] == '/' && valid_rate(s);
}

/* A config's interface: what iptables takes, in the characters interface
 * names are made of, so that it stands in a template as one word. */
static bool config_iface(const char *s)
{
	size_t n = strlen(s), plain = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@");
	return valid_iface_name(s) && (plain == n || (plain == n - 1 && s[n - 1] == '+' && n > 1));
}

static void add_iface(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	(void)p;
	if (!config_iface(it->text)) {
		diag_error(d, "bad-interface", it->loc,
			   "'%s' is not an interface name (1 to 15 letters, digits, '_', '-', '.', "
			   "with an optional trailing '+' as a wildcard)", it->text);
		return;
	}
	struct iface_list *l = out;
	VEC_PUSH(l->v, l->n, l->cap, xstrdup(it->text));
	l->locs = xrealloc(l->locs, l->cap * sizeof(*l->locs));
	l->locs[l->n - 1] = it->loc;
}

bool policy_family_on(const struct policy *p, enum family f)
{
	return f == FAM_V4 ? p->v4 : p->v6;
}

static bool family_wanted(const struct policy *p, const struct addr *a, struct loc loc, struct diags *d)
{
	if (policy_family_on(p, a->family))
		return true;
	diag_warn(d, "family-ignored", loc, "this IPv%d address is ignored: [global] family "
		  "leaves IPv%d out", a->family, a->family);
	return false;
}

static bool parse_addr_item(const struct item *it, struct addr *a, struct diags *d)
{
	const char *why;
	if (addr_parse(it->text, a, &why))
		return true;
	diag_error(d, "bad-address", it->loc, "'%s': %s", it->text, why);
	return false;
}

static void add_subnet(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	(void)out;
	struct addr a;
	if (parse_addr_item(it, &a, d) && family_wanted(p, &a, it->loc, d))
		VEC_PUSH(p->subnets, p->nsubnets, p->subnets_cap, a);
}

/* A port by its /etc/services name ("ssh", "https") for proto: resolved
 * here, so the rules hold the number (iptables would resolve it at load
 * time, against whatever /etc/services says then). */
static bool service_number(const char *name, const char *proto, struct port_range *r)
{
	if (!isalpha((unsigned char)name[0]) || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(name))
		return false;
	struct servent *se = getservbyname(name, proto);
	if (!se)
		return false;
	r->lo = r->hi = ntohs((uint16_t)se->s_port);
	return true;
}

static void add_port_for(const char *proto, void *out, const struct item *it, struct diags *d)
{
	struct port_range r;
	const char *why;
	if (!port_parse(it->text, '-', false, &r, &why) && !service_number(it->text, proto, &r)) {
		if (isalpha((unsigned char)it->text[0]))
			diag_error(d, "bad-port", it->loc, "'%s' is no port number, nor a %s service of /etc/services",
				   it->text, proto);
		else
			diag_error(d, "bad-port", it->loc, "'%s': %s", it->text, why);
		return;
	}
	struct port_list *l = out;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].lo == r.lo && l->v[i].hi == r.hi)
			return; /* fragments may repeat what another opened */
	}
	VEC_PUSH(l->v, l->n, l->cap, r);
	l->locs = xrealloc(l->locs, l->cap * sizeof(*l->locs));
	l->locs[l->n - 1] = it->loc;
}

static void add_tcp_port(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	(void)p;
	add_port_for("tcp", out, it, d);
}

static void add_udp_port(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	(void)p;
	add_port_for("udp", out, it, d);
}

static long find_set(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nsets; i++) {
		if (strcmp(p->sets[i].name, name) == 0)
			return (long)i;
	}
	return -1;
}

static void add_allow(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	struct allow_list *l = out;
	struct allow_ref r = {.loc = it->loc};
	if (isalpha((unsigned char)it->text[0]) && !strchr(it->text, ':')) {
		long set = find_set(p, it->text);
		if (set < 0) {
			diag_error(d, "unknown-set", it->loc, "no [set %s] is defined (an allow list "
				   "names sets or addresses)", it->text);
			return;
		}
		r.is_set = true;
		r.set = (size_t)set;
	} else if (!parse_addr_item(it, &r.addr, d) || !family_wanted(p, &r.addr, it->loc, d)) {
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].is_set == r.is_set && (r.is_set ? l->v[i].set == r.set : addr_equal(&l->v[i].addr, &r.addr)))
			return;
	}
	VEC_PUSH(l->v, l->n, l->cap, r);
}

static void add_entry_item(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	struct ipset_def *set = out;
	struct addr a;
	if (!parse_addr_item(it, &a, d) || !family_wanted(p, &a, it->loc, d))
		return;
	if (set_entry_fits(set, &a))
		VEC_PUSH(set->entries, set->nentries, set->cap, a);
	else
		set_report_unfit(set, &a, it, d);
}

static void build_global(struct policy *p, const struct csection *s, struct diags *d)
{
	static const char *const families[] = {"ipv4", "ipv6", "both", NULL};
	static const char *const actions[] = {"drop", "reject", NULL};
	int fam = parse_word(config_scalar(s, "family"), families, d);
	p->v4 = fam != 1;
	p->v6 = fam != 0;
	int act = parse_word(config_scalar(s, "action"), actions, d);
	p->action = act == 1 ? ACTION_REJECT : ACTION_DROP;
	parse_bool(config_scalar(s, "log"), &p->log, d);
	p->log_prefix = parse_text(config_scalar(s, "log_prefix"), LOG_PREFIX_MAX, "log_prefix", d);
	struct cvalue limit = config_scalar(s, "log_limit");
	if (config_rate(limit.text))
		p->log_limit = xstrdup(limit.text);
	else
		diag_error(d, "bad-value", limit.loc, "log_limit '%s' is not a rate such as 5/minute "
			   "(units: second, minute, hour, day)", limit.text);
	struct cvalue ssh = config_scalar(s, "ssh_port");
	unsigned long port;
	p->ssh_port_loc = ssh.loc;
	if (parse_uint(ssh.text, 65535, &port))
		p->ssh_port = (unsigned)port;
	else
		diag_error(d, "bad-port", ssh.loc, "ssh_port '%s' must be 0 (no anti-lockout check) "
			   "to 65535", ssh.text);
}

/* A cluster port Docker lets the admin move (--data-path-port, --listen-addr). */
static unsigned swarm_port(struct cvalue v, const char *key, struct diags *d)
{
	unsigned long port;
	if (parse_uint(v.text, 65535, &port) && port > 0)
		return (unsigned)port;
	diag_error(d, "bad-port", v.loc, "%s '%s' must be a port, 1 to 65535", key, v.text);
	return 0;
}

static void build_docker(struct policy *p, const struct csection *s, struct diags *d)
{
	each_item(p, s, "bridges", &p->bridges, add_iface, d);
	each_item(p, s, "subnets", NULL, add_subnet, d);
	each_item(p, s, "external", &p->external, add_iface, d);
	parse_bool(config_scalar(s, "swarm"), &p->swarm, d);
	each_item(p, s, "swarm_peers", &p->swarm_peers, add_allow, d);
	/* swarm = yes without peers is a single-node swarm: no cluster port opens */
	p->swarm_data_port = swarm_port(config_scalar(s, "swarm_data_port"), "swarm_data_port", d);
	p->swarm_manager_port = swarm_port(config_scalar(s, "swarm_manager_port"), "swarm_manager_port", d);
}

static void build_set(struct policy *p, struct ipset_def *set, const struct csection *s, struct diags *d)
{
	static const char *const types[] = {"hash:net", "hash:ip", NULL};
	set->type = parse_word(config_scalar(s, "type"), types, d) == 1 ? SET_HASH_IP : SET_HASH_NET;
	each_item(p, s, "entries", set, add_entry_item, d);
	each_item(p, s, "file", set, add_list_file, d);
	each_item(p, s, "interfaces", &set->ifaces, add_iface, d);
	set_sort_unique(set);
	struct cvalue m = config_scalar(s, "maxelem");
	if (text_blank(m.text))
		return;
	if (!parse_uint(m.text, 0x7fffffffUL, &set->maxelem) || set->maxelem == 0) {
		diag_error(d, "bad-value", m.loc, "maxelem '%s' must be a number from 1 to 2147483647", m.text);
		return;
	}
	for (int f = FAM_V4; f <= FAM_V6; f += 2) {
		size_t count = policy_set_count(set, (enum family)f);
		if (count > set->maxelem)
			diag_error(d, "set-too-small", m.loc, "[set %s] has %zu IPv%d entries but maxelem "
				   "is %lu", set->name, count, f, set->maxelem);
	}
}

/* [host] / [containers] allow = 0.0.0.0/0: every address may reach every
 * port, and the scope's final DROP could never match. */
static void refuse_everyone(const struct csection *s, const struct allow_list *allow, struct diags *d)
{
	for (size_t i = 0; i < allow->n; i++) {
		const struct allow_ref *r = &allow->v[i];
		if (r->is_set || r->addr.prefix != 0)
			continue;
		char buf[ADDR_STRLEN];
		addr_format(&r->addr, buf, true);
		diag_error(d, "allow-everyone", r->loc, "'%s' is every address: [%s] allow would let anyone reach every "
			   "port, and its final DROP would never match; to open ports to everyone, list them in [%s] tcp/udp",
			   buf, s->def->kind, s->def->kind);
	}
}

static void build_scope(struct policy *p, struct scope_policy *sc, const struct csection *s, struct diags *d)
{
	each_item(p, s, "allow", &sc->allow, add_allow, d);
	refuse_everyone(s, &sc->allow, d);
	each_item(p, s, "tcp", &sc->tcp, add_tcp_port, d);
	each_item(p, s, "udp", &sc->udp, add_udp_port, d);
	if (config_has_key(s, "icmp")) {
		parse_bool(config_scalar(s, "icmp"), &sc->icmp, d);
		parse_bool(config_scalar(s, "from_containers"), &sc->from_containers, d);
	}
}

static bool required(const struct csection *s, const char *key, struct diags *d)
{
	if (config_written(s, key))
		return true;
	diag_error(d, "missing-key", s->loc, "[%s] needs '%s ='", s->name, key);
	return false;
}

static enum scope parse_scope(const struct csection *s, struct diags *d)
{
	static const char *const scopes[] = {"host", "containers", NULL};
	return parse_word(config_scalar(s, "scope"), scopes, d) == 0 ? SCOPE_HOST : SCOPE_CONTAINERS;
}

/* proto, and port (the ports of that protocol; required: a missing one is an error). */
static enum proto parse_proto_ports(struct policy *p, const struct csection *s, struct port_list *ports,
				    bool required_ports, struct diags *d)
{
	static const char *const protos[] = {"tcp", "udp", NULL};
	enum proto proto = parse_word(config_scalar(s, "proto"), protos, d) == 1 ? PROTO_UDP : PROTO_TCP;
	if (!required_ports || required(s, "port", d))
		each_item(p, s, "port", ports, proto == PROTO_UDP ? add_udp_port : add_tcp_port, d);
	return proto;
}

static void build_port(struct policy *p, struct port_allow *pa, const struct csection *s, struct diags *d)
{
	pa->scope = parse_scope(s, d);
	pa->proto = parse_proto_ports(p, s, &pa->ports, true, d);
	if (required(s, "allow", d))
		each_item(p, s, "allow", &pa->allow, add_allow, d);
}

/* "6/minute" (any unit limit takes) as iptables-save prints it, "6/min";
 * *count: the 6. NULL when it is no rate. */
static char *canonical_rate(const char *text, unsigned long *count)
{
	static const struct { const char *unit, *as; } units[] = {
		{"second", "sec"}, {"sec", "sec"}, {"s", "sec"}, {"minute", "min"}, {"min", "min"}, {"m", "min"},
		{"hour", "hour"}, {"h", "hour"}, {"day", "day"}, {"d", "day"},
	};
	size_t digits = strspn(text, "0123456789");
	if (!digits || digits > 6 || text[digits] != '/' || !valid_rate(text))
		return NULL;
	*count = strtoul(text, NULL, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (!strcmp(text + digits + 1, units[i].unit))
			return xasprintf("%lu/%s", *count, units[i].as);
	}
	return NULL;
}

static void build_limit(struct policy *p, struct rate_limit *rl, const struct csection *s, struct diags *d)
{
	rl->scope = parse_scope(s, d);
	rl->proto = parse_proto_ports(p, s, &rl->ports, true, d);
	unsigned long count = 0;
	struct cvalue rate = config_scalar(s, "rate"), burst = config_scalar(s, "burst");
	if (required(s, "rate", d) && !(rl->rate = canonical_rate(rate.text, &count)))
		diag_error(d, "bad-value", rate.loc, "rate '%s' is not a rate such as 6/minute (new connections per "
			   "source address; units: second, minute, hour, day)", rate.text);
	rl->burst = count;
	if (!text_blank(burst.text) && (!parse_uint(burst.text, 10000, &rl->burst) || !rl->burst))
		diag_error(d, "bad-value", burst.loc, "burst '%s' must be a number from 1 to 10000 (connections "
			   "allowed at once before the rate counts)", burst.text);
}

static void build_egress(struct policy *p, struct egress_rule *er, const struct csection *s, struct diags *d)
{
	each_item(p, s, "from", &er->from, add_iface, d);
	if (required(s, "to", d))
		each_item(p, s, "to", &er->to, add_allow, d);
	er->proto = parse_proto_ports(p, s, &er->ports, false, d);
}

static void build_user_policy(struct user_policy *up, const struct csection *s, struct diags *d)
{
	struct cvalue forbid = config_scalar(s, "forbid"), require = config_scalar(s, "require");
	if (text_blank(forbid.text) == text_blank(require.text)) {
		diag_error(d, "missing-key", s->loc, "[%s] needs exactly one of 'forbid =' or 'require ='", s->name);
		return;
	}
	up->forbid = text_blank(forbid.text) ? NULL : xstrdup(forbid.text);
	up->require = text_blank(require.text) ? NULL : xstrdup(require.text);
	up->forbid_loc = forbid.loc;
	up->require_loc = require.loc;
	struct cvalue chain = config_scalar(s, "chain"), message = config_scalar(s, "message");
	up->chain = text_blank(chain.text) ? NULL : xstrdup(chain.text);
	up->message = text_blank(message.text) ? NULL : parse_text(message, 200, "message", d);
}

struct policy *policy_build(struct ini_doc *doc, struct source_store *store, struct diags *d)
{
	size_t errors_before = d->errors;
	struct policy *p = xcalloc(1, sizeof(*p));
	p->doc = doc;
	p->store = store;
	struct config *m = config_merge(doc, d);
	p->config = m;
	const char *singles[] = {"global", "docker", "host", "containers"};
	struct csection dflt[4];
	const struct csection *single[4];
	for (int i = 0; i < 4; i++) {
		dflt[i] = config_defaults(singles[i]);
		single[i] = config_section(m, singles[i]);
		if (!single[i])
			single[i] = &dflt[i];
	}
	build_global(p, single[0], d);
	/* sets first: allow lists refer to them */
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].def->kind, "set") != 0)
			continue;
		struct ipset_def set = {.name = xstrdup(m->v[i].arg), .loc = m->v[i].loc};
		VEC_PUSH(p->sets, p->nsets, p->sets_cap, set);
	}
	for (size_t i = 0, k = 0; i < m->n; i++) {
		if (strcmp(m->v[i].def->kind, "set") == 0)
			build_set(p, &p->sets[k++], &m->v[i], d);
	}
	build_docker(p, single[1], d);
	build_scope(p, &p->host, single[2], d);
	build_scope(p, &p->containers, single[3], d);
	for (size_t i = 0; i < m->n; i++) {
		const struct csection *s = &m->v[i];
		if (strcmp(s->def->kind, "port") == 0) {
			struct port_allow pa = {.name = xstrdup(s->arg), .loc = s->loc};
			build_port(p, &pa, s, d);
			VEC_PUSH(p->ports, p->nports, p->ports_cap, pa);
		} else if (strcmp(s->def->kind, "policy") == 0) {
			struct user_policy up = {.name = xstrdup(s->arg), .loc = s->loc};
			build_user_policy(&up, s, d);
			VEC_PUSH(p->policies, p->npolicies, p->policies_cap, up);
		} else if (strcmp(s->def->kind, "limit") == 0) {
			struct rate_limit rl = {.name = xstrdup(s->arg), .loc = s->loc};
			build_limit(p, &rl, s, d);
			VEC_PUSH(p->limits, p->nlimits, p->limits_cap, rl);
		} else if (strcmp(s->def->kind, "egress") == 0) {
			struct egress_rule er = {.name = xstrdup(s->arg), .loc = s->loc};
			build_egress(p, &er, s, d);
			VEC_PUSH(p->egress, p->negress, p->egress_cap, er);
		}
	}
	if (d->errors > errors_before) {
		policy_free(p);
		return NULL;
	}
	return p;
}

void policy_set_name(const struct ipset_def *s, enum family f, char *buf, size_t size)
{
	snprintf(buf, size, "dfw-%s-%d", s->name, f == FAM_V4 ? 4 : 6);
}

size_t policy_set_count(const struct ipset_def *s, enum family f)
{
	return s->count[f == FAM_V6];
}

unsigned long policy_set_maxelem(const struct ipset_def *s, enum family f)
{
	if (s->maxelem)
		return s->maxelem;
	/* ipset's own default, raised in powers of two only for big lists: an existing
	 * set is re-created with -exist, which fails if maxelem changed. */
	unsigned long m = 65536;
	while (m < policy_set_count(s, f))
		m *= 2;
	return m;
}

static void free_allows(struct allow_list *l)
{
	free(l->v);
}

static void free_ifaces(struct iface_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->locs);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->log_prefix);
	free(p->log_limit);
	free_ifaces(&p->bridges);
	free_ifaces(&p->external);
	free(p->subnets);
	free_allows(&p->swarm_peers);
	for (size_t i = 0; i < p->nsets; i++) {
		free(p->sets[i].name);
		free(p->sets[i].entries);
		free_ifaces(&p->sets[i].ifaces);
	}
	free(p->sets);
	free_allows(&p->host.allow);
	free(p->host.tcp.v);
	free(p->host.tcp.locs);
	free(p->host.udp.v);
	free(p->host.udp.locs);
	free_allows(&p->containers.allow);
	free(p->containers.tcp.v);
	free(p->containers.tcp.locs);
	free(p->containers.udp.v);
	free(p->containers.udp.locs);
	for (size_t i = 0; i < p->nports; i++) {
		free(p->ports[i].name);
		free(p->ports[i].ports.v);
		free(p->ports[i].ports.locs);
		free_allows(&p->ports[i].allow);
	}
	free(p->ports);
	for (size_t i = 0; i < p->npolicies; i++) {
		struct user_policy *up = &p->policies[i];
		free(up->name);
		free(up->forbid);
		free(up->require);
		free(up->chain);
		free(up->message);
	}
	free(p->policies);
	for (size_t i = 0; i < p->nlimits; i++) {
		free(p->limits[i].name);
		free(p->limits[i].ports.v);
		free(p->limits[i].ports.locs);
		free(p->limits[i].rate);
	}
	free(p->limits);
	for (size_t i = 0; i < p->negress; i++) {
		free(p->egress[i].name);
		free_ifaces(&p->egress[i].from);
		free_allows(&p->egress[i].to);
		free(p->egress[i].ports.v);
		free(p->egress[i].ports.locs);
	}
	free(p->egress);
	config_free(p->config);
	free(p);
}

