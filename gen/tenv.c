#include "tenv.h"

#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const one_field[] = {"", NULL};
static const char *const no_fields[] = {NULL};
static const char *const port_fields[] = {"proto", "port", NULL};
static const char *const port_allow_fields[] = {"proto", "port", "match", "name", NULL};
static const char *const limit_fields[] = {"proto", "port", "rate", "burst", "table", "name", NULL};
static const char *const egress_fields[] = {"proto", "from", "match", "port", "name", NULL};
static const char *const match_fields[] = {"match", NULL};
static const char *const name_fields[] = {"name", NULL};
static const char *const net_fields[] = {"net", NULL};
static const char *const type_fields[] = {"type", NULL};

size_t tvar_fields(const struct tvar *v)
{
	size_t n = 0;
	while (v->fields[n])
		n++;
	return n;
}

static struct tvar *var(struct tenv *e, const char *name, const char *const *fields)
{
	if (e->n == sizeof(e->v) / sizeof(*e->v))
		abort(); /* build_env names more lists than tenv holds: a programming error */
	struct tvar *v = &e->v[e->n++];
	*v = (struct tvar){.name = name, .fields = fields};
	return v;
}

/* Adds a row; takes ownership of the cell strings. */
static void row(struct tvar *v, ...)
{
	size_t nf = tvar_fields(v);
	if (v->nrows == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->cells = xrealloc(v->cells, v->cap * (nf ? nf : 1) * sizeof(char *));
		v->at = xrealloc(v->at, v->cap * sizeof(*v->at));
	}
	v->at[v->nrows] = (struct loc){0};
	va_list ap;
	va_start(ap, v);
	for (size_t i = 0; i < nf; i++)
		v->cells[v->nrows * nf + i] = va_arg(ap, char *);
	va_end(ap);
	v->nrows++;
}

/* The config location of the row just added. */
static void row_at(struct tvar *v, struct loc at)
{
	v->at[v->nrows - 1] = at;
}

static void scalar(struct tenv *e, const char *name, char *value)
{
	row(var(e, name, one_field), value);
}

static void flag(struct tenv *e, const char *name, bool on)
{
	struct tvar *v = var(e, name, no_fields);
	if (on)
		row(v);
}

/* The matches an allow entry stands for in family f: "-s ADDR", or a set's
 * "-m set --match-set NAME src", once per interface its members must enter
 * on when the set names some ("-i eth1 -m set ..."). How many (0: none in f). */
static size_t allow_matches(const struct policy *p, const struct allow_ref *s, enum family f, char *out[])
{
	char buf[ADDR_STRLEN];
	if (!s->is_set) {
		if (s->addr.family != f)
			return 0;
		addr_format(&s->addr, buf, true);
		out[0] = xasprintf("-s %s", buf);
		return 1;
	}
	const struct ipset_def *set = &p->sets[s->set];
	policy_set_name(set, f, buf, sizeof(buf));
	if (!set->ifaces.n) {
		out[0] = xasprintf("-m set --match-set %s src", buf);
		return 1;
	}
	for (size_t i = 0; i < set->ifaces.n; i++)
		out[i] = xasprintf("-i %s -m set --match-set %s src", set->ifaces.v[i], buf);
	return set->ifaces.n;
}

/* room for allow_matches */
static char **match_room(const struct policy *p)
{
	size_t most = 1;
	for (size_t i = 0; i < p->nsets; i++)
		most = p->sets[i].ifaces.n > most ? p->sets[i].ifaces.n : most;
	return xcalloc(most, sizeof(char *));
}

static void allow_rows(struct tvar *v, const struct policy *p, const struct allow_list *l, enum family f)
{
	char **m = match_room(p);
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0, n = allow_matches(p, &l->v[i], f, m); k < n; k++) {
			row(v, m[k]);
			row_at(v, l->v[i].loc);
		}
	}
	free(m);
}

static char *port_text(const struct port_range *r)
{
	char buf[16];
	port_format(r, ':', buf, sizeof(buf));
	return xstrdup(buf);
}

static void public_rows(struct tvar *v, const struct scope_policy *sc)
{
	for (size_t i = 0; i < sc->tcp.n; i++) {
		row(v, xstrdup("tcp"), port_text(&sc->tcp.v[i]));
		row_at(v, sc->tcp.locs[i]);
	}
	for (size_t i = 0; i < sc->udp.n; i++) {
		row(v, xstrdup("udp"), port_text(&sc->udp.v[i]));
		row_at(v, sc->udp.locs[i]);
	}
}

static void port_allow_rows(struct tvar *v, const struct policy *p, enum scope scope, enum family f)
{
	char **m = match_room(p);
	for (size_t i = 0; i < p->nports; i++) {
		const struct port_allow *pa = &p->ports[i];
		if (pa->scope != scope)
			continue;
		for (size_t j = 0; j < pa->ports.n; j++) {
			for (size_t k = 0; k < pa->allow.n; k++) {
				for (size_t x = 0, n = allow_matches(p, &pa->allow.v[k], f, m); x < n; x++) {
					row(v, xstrdup(pa->proto == PROTO_TCP ? "tcp" : "udp"), port_text(&pa->ports.v[j]),
					    m[x], xstrdup(pa->name));
					row_at(v, pa->allow.v[k].loc);
				}
			}
		}
	}
	free(m);
}

/* [limit] rows of a scope. The guard's copy counts in a table of its own
 * (dfwg-NAME): one table for both would count each packet twice. */
static void limit_rows(struct tvar *v, const struct policy *p, enum scope scope, bool guard)
{
	for (size_t i = 0; i < p->nlimits; i++) {
		const struct rate_limit *rl = &p->limits[i];
		for (size_t j = 0; rl->scope == scope && j < rl->ports.n; j++) {
			row(v, xstrdup(rl->proto == PROTO_TCP ? "tcp" : "udp"), port_text(&rl->ports.v[j]), xstrdup(rl->rate),
			    xasprintf("%lu", rl->burst), xasprintf("%s-%s", guard ? "dfwg" : "dfw", rl->name), xstrdup(rl->name));
			row_at(v, rl->ports.locs[j]);
		}
	}
}

/* The bridges an [egress] section controls: its from, or every [docker]
 * bridge. */
static const struct iface_list *egress_from(const struct policy *p, const struct egress_rule *er)
{
	return er->from.n ? &er->from : &p->bridges;
}

static bool controlled(const struct policy *p, const char *bridge)
{
	for (size_t i = 0; i < p->negress; i++) {
		const struct iface_list *l = egress_from(p, &p->egress[i]);
		for (size_t k = 0; k < l->n; k++) {
			if (!strcmp(l->v[k], bridge))
				return true;
		}
	}
	return false;
}

/* egress_from: the controlled bridges, each once; free_bridges: the others,
 * whose containers' traffic is returned to Docker as before. */
static void bridge_rows(struct tenv *e, const struct policy *p)
{
	struct tvar *from = var(e, "egress_from", name_fields), *free_ = var(e, "free_bridges", name_fields);
	for (size_t i = 0; i < p->bridges.n; i++) {
		struct tvar *to = controlled(p, p->bridges.v[i]) ? from : free_;
		row(to, xstrdup(p->bridges.v[i]));
		row_at(to, p->bridges.locs[i]);
	}
	for (size_t i = 0; i < p->negress; i++) {
		const struct iface_list *l = &p->egress[i].from;
		for (size_t k = 0; k < l->n; k++) {
			bool seen = false;
			for (size_t j = 0; j < from->nrows && !seen; j++)
				seen = !strcmp(from->cells[j], l->v[k]);
			if (!seen) {
				row(from, xstrdup(l->v[k]));
				row_at(from, l->locs[k]);
			}
		}
	}
}

/* An [egress] destination in family f: "-d ADDR" or "-m set --match-set
 * NAME dst"; NULL when it is an address of the other family. */
static char *dest_match(const struct policy *p, const struct allow_ref *to, enum family f)
{
	char buf[ADDR_STRLEN];
	if (to->is_set) {
		policy_set_name(&p->sets[to->set], f, buf, sizeof(buf));
		return xasprintf("-m set --match-set %s dst", buf);
	}
	if (to->addr.family != f)
		return NULL;
	addr_format(&to->addr, buf, true);
	return xasprintf("-d %s", buf);
}

/* One row per [egress] bridge, destination and port (no port: every one). */
static void egress_rows(struct tvar *v, const struct policy *p, enum family f)
{
	for (size_t i = 0; i < p->negress; i++) {
		const struct egress_rule *er = &p->egress[i];
		const struct iface_list *from = egress_from(p, er);
		const char *proto = er->proto == PROTO_TCP ? "tcp" : "udp";
		for (size_t b = 0; b < from->n; b++) {
			for (size_t t = 0; t < er->to.n; t++) {
				char *match = dest_match(p, &er->to.v[t], f), port[16];
				for (size_t k = 0; match && k < (er->ports.n ? er->ports.n : 1); k++) {
					if (er->ports.n)
						port_format(&er->ports.v[k], ':', port, sizeof(port));
					row(v, xstrdup(proto), xstrdup(from->v[b]), xstrdup(match),
					    er->ports.n ? xasprintf("-m %s --dport %s", proto, port) : xstrdup(""), xstrdup(er->name));
					row_at(v, er->to.v[t].loc);
				}
				free(match);
			}
		}
	}
}

/* guard: the environment of the mangle copy of the container rules, where
 * REJECT is not allowed (the kernel's REJECT is filter-only): it drops. */
void tenv_build(struct tenv *e, const struct policy *p, enum family f, bool guard)
{
	bool v6 = f == FAM_V6;
	scalar(e, "action", xstrdup(p->action == ACTION_DROP || guard ? "DROP" : v6 ?
		"REJECT --reject-with icmp6-port-unreachable" : "REJECT --reject-with icmp-port-unreachable"));
	scalar(e, "log_prefix", xasprintf("\"%s\"", p->log_prefix));
	scalar(e, "log_limit", xstrdup(p->log_limit));
	scalar(e, "icmp_proto", xstrdup(v6 ? "ipv6-icmp" : "icmp"));
	flag(e, "if_icmp", p->host.icmp);
	flag(e, "if_log", p->log);
	flag(e, "if_external", p->external.n > 0);
	flag(e, "if_from_containers", p->host.from_containers);
	/* ICMPv6 errors and neighbour discovery: without them IPv6 stops working */
	struct tvar *ndp = var(e, "ndp", type_fields);
	static const char *const ndp_types[] = {"1", "2", "3", "4", "133", "134", "135", "136", "137", NULL};
	for (int i = 0; v6 && ndp_types[i]; i++)
		row(ndp, xstrdup(ndp_types[i]));
	struct tvar *bridges = var(e, "bridges", name_fields);
	for (size_t i = 0; i < p->bridges.n; i++) {
		row(bridges, xstrdup(p->bridges.v[i]));
		row_at(bridges, p->bridges.locs[i]);
	}
	struct tvar *subnets = var(e, "subnets", net_fields);
	for (size_t i = 0; i < p->nsubnets; i++) {
		char buf[ADDR_STRLEN];
		if (p->subnets[i].family != f)
			continue;
		addr_format(&p->subnets[i], buf, true);
		row(subnets, xstrdup(buf));
	}
	scalar(e, "swarm_data_port", xasprintf("%u", p->swarm_data_port));
	scalar(e, "swarm_manager_port", xasprintf("%u", p->swarm_manager_port));
	struct tvar *peers = var(e, "swarm_peers", match_fields);
	if (p->swarm)
		allow_rows(peers, p, &p->swarm_peers, f);
	public_rows(var(e, "host_public", port_fields), &p->host);
	public_rows(var(e, "containers_public", port_fields), &p->containers);
	bridge_rows(e, p);
	egress_rows(var(e, "egress", egress_fields), p, f);
	limit_rows(var(e, "host_limits", limit_fields), p, SCOPE_HOST, guard);
	limit_rows(var(e, "containers_limits", limit_fields), p, SCOPE_CONTAINERS, guard);
	port_allow_rows(var(e, "host_ports", port_allow_fields), p, SCOPE_HOST, f);
	port_allow_rows(var(e, "containers_ports", port_allow_fields), p, SCOPE_CONTAINERS, f);
	allow_rows(var(e, "host_allow", match_fields), p, &p->host.allow, f);
	allow_rows(var(e, "containers_allow", match_fields), p, &p->containers.allow, f);
	struct tvar *final = var(e, "final", match_fields);
	for (size_t i = 0; i < p->external.n; i++) {
		row(final, xasprintf("-i %s", p->external.v[i]));
		row_at(final, p->external.locs[i]);
	}
	if (!p->external.n)
		row(final, xstrdup(""));
}

void tenv_free(struct tenv *e)
{
	for (size_t i = 0; i < e->n; i++) {
		size_t cells = e->v[i].nrows * tvar_fields(&e->v[i]);
		for (size_t k = 0; k < cells; k++)
			free(e->v[i].cells[k]);
		free(e->v[i].cells);
		free(e->v[i].at);
	}
}

