#include "live.h"

#include "host.h"
#include "render.h"
#include "util.h"

#include <net/if.h>
#include <stdlib.h>
#include <string.h>

/* ---- interfaces ---- */

static bool iface_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);
	if (n > 1 && pattern[n - 1] == '+')
		return !strncmp(pattern, name, n - 1);
	return !strcmp(pattern, name);
}

static bool iface_present(const struct if_nameindex *ifs, const char *pattern)
{
	for (const struct if_nameindex *i = ifs; i && i->if_name; i++) {
		if (iface_matches(pattern, i->if_name))
			return true;
	}
	return false;
}

/* "lo, eth0, docker0" */
static char *iface_names(const struct if_nameindex *ifs)
{
	struct strbuf sb = {0};
	for (const struct if_nameindex *i = ifs; i && i->if_name; i++)
		sb_addf(&sb, "%s%s", sb.len ? ", " : "", i->if_name);
	return sb_steal(&sb);
}

void live_check_interfaces(const struct policy *p, struct diags *d)
{
	struct if_nameindex *ifs = if_nameindex();
	if (!ifs)
		return;
	char *names = iface_names(ifs);
	for (size_t i = 0; i < p->external.n; i++) {
		if (!iface_present(ifs, p->external.v[i]))
			diag_error(d, "no-such-interface", p->external.locs[i], "[docker] external names '%s', which "
				   "this host does not have (it has: %s): the final action would apply to no real "
				   "interface, and every published port would stay open", p->external.v[i], names);
	}
	for (size_t i = 0; i < p->bridges.n; i++) {
		const char *b = p->bridges.v[i];
		/* defaults and wildcards name bridges Docker may make later */
		if (!p->bridges.locs[i].src || b[strlen(b) - 1] == '+' || iface_present(ifs, b))
			continue;
		diag_warn(d, "no-such-bridge", p->bridges.locs[i], "[docker] bridges names '%s', which does not "
			  "exist (yet); its traffic counts as Docker-internal once Docker makes it", b);
	}
	for (size_t k = 0; k < p->nsets; k++) {
		const struct iface_list *l = &p->sets[k].ifaces;
		for (size_t i = 0; i < l->n; i++) {
			const char *n = l->v[i];
			if (n[strlen(n) - 1] == '+' || iface_present(ifs, n))
				continue;
			diag_warn(d, "no-such-set-interface", l->locs[i], "[set %s] interfaces names '%s', which this host "
				  "does not have (it has: %s): its members reach nothing through it", p->sets[k].name, n, names);
		}
	}
	free(names);
	if_freenameindex(ifs);
}

/* ---- published ports ---- */

struct published {
	enum proto proto;
	struct port_range host; /* what clients connect to */
	char *to;               /* --to-destination ADDR:PORT */
	unsigned to_port;       /* 0: not said (the same as the host port) */
};

/* The port of "ADDR:PORT", "[V6]:PORT" or "ADDR:LO-HI" (its low end); 0 if none. */
static unsigned dest_port(const char *to)
{
	const char *colon = strrchr(to, ':');
	if (!colon || (strchr(to, ':') != colon && to[0] != '['))
		return 0; /* a bare IPv6 address */
	if (to[0] == '[' && colon[-1] != ']')
		return 0;
	struct port_range r;
	const char *why;
	return port_parse(colon + 1, '-', false, &r, &why) ? r.lo : 0;
}

/* Docker's DNAT rules: -p tcp|udp --dport N -j DNAT --to-destination ADDR:PORT. */
static void collect_published(const struct ruleset *nat, struct published **v, size_t *n)
{
	size_t cap = 0;
	for (size_t t = 0; nat && t < nat->n; t++) {
		if (strcmp(nat->tables[t].name, "nat"))
			continue;
		for (size_t k = 0; k < nat->tables[t].n; k++) {
			const struct rule *r = &nat->tables[t].rules[k];
			if (!r->target || strcmp(r->target, "DNAT") || !r->proto || r->proto_neg)
				continue;
			struct published pb = {0};
			if (!strcmp(r->proto, "tcp"))
				pb.proto = PROTO_TCP;
			else if (!strcmp(r->proto, "udp"))
				pb.proto = PROTO_UDP;
			else
				continue;
			const struct rule_opt *dport = rule_option(r, NULL, "--dport");
			const struct rule_opt *to = rule_option(r, NULL, "--to-destination");
			const char *port = dport && !dport->neg ? rule_arg(r, dport, 0) : NULL;
			const char *dest = to ? rule_arg(r, to, 0) : NULL;
			const char *why;
			if (!port || !dest || !port_parse(port, ':', false, &pb.host, &why))
				continue;
			pb.to = xstrdup(dest);
			pb.to_port = dest_port(dest);
			VEC_PUSH(*v, *n, cap, pb);
		}
	}
}

static bool overlaps(const struct port_range *a, const struct port_range *b)
{
	return a->lo <= b->hi && b->lo <= a->hi;
}

/* Warns when `want` is published nowhere but is the container side of a DNAT. */
static void check_port(const struct published *v, size_t n, enum proto proto, const struct port_range *want,
		       const char *where, struct loc loc, struct diags *d)
{
	const struct published *behind = NULL;
	for (size_t i = 0; i < n; i++) {
		if (v[i].proto != proto)
			continue;
		if (overlaps(&v[i].host, want))
			return;
		if (!behind && v[i].to_port && v[i].to_port >= want->lo && v[i].to_port <= want->hi)
			behind = &v[i];
	}
	if (!behind)
		return;
	char wanted[16], host[16];
	port_format(want, '-', wanted, sizeof(wanted));
	port_format(&behind->host, '-', host, sizeof(host));
	diag_warn(d, "not-published", loc, "%s %s is a container's port, not a published one: nothing is published "
		  "on %s here; %s -> %s is (name the published port: %s)", where, wanted, wanted, host, behind->to,
		  host);
}

void live_check_published(const struct policy *p, const struct ruleset *nat, struct diags *d)
{
	struct published *v = NULL;
	size_t n = 0;
	collect_published(nat, &v, &n);
	for (size_t i = 0; n && i < p->nports; i++) {
		const struct port_allow *pa = &p->ports[i];
		if (pa->scope != SCOPE_CONTAINERS)
			continue;
		char *where = xasprintf("[port %s]", pa->name);
		for (size_t k = 0; k < pa->ports.n; k++)
			check_port(v, n, pa->proto, &pa->ports.v[k], where, pa->ports.locs[k], d);
		free(where);
	}
	for (size_t i = 0; n && i < p->containers.tcp.n; i++)
		check_port(v, n, PROTO_TCP, &p->containers.tcp.v[i], "[containers] tcp", p->containers.tcp.locs[i], d);
	for (size_t i = 0; n && i < p->containers.udp.n; i++)
		check_port(v, n, PROTO_UDP, &p->containers.udp.v[i], "[containers] udp", p->containers.udp.locs[i], d);
	for (size_t i = 0; i < n; i++)
		free(v[i].to);
	free(v);
}

/* ---- the tables dfwgen writes ---- */

const char *const live_dfw_tables[] = {"filter", GUARD_TABLE, NULL};

char *live_save_all(const char *tool, struct diags *d)
{
	const char *argv[] = {tool, NULL};
	struct cmd_result r = host_run(argv, NULL);
	char *text = NULL;
	if (r.status != 0)
		diag_error(d, "live-unreadable", (struct loc){0}, "'%s' failed (exit %d): %s", tool, r.status,
			   r.err && *r.err ? r.err : "no message");
	else
		text = r.out ? r.out : xstrdup(""), r.out = NULL;
	cmd_result_free(&r);
	return text;
}

static bool named(const char *line, size_t len, const char *const *tables)
{
	for (size_t i = 0; tables[i]; i++) {
		if (len == strlen(tables[i]) + 1 && !memcmp(line + 1, tables[i], len - 1))
			return true;
	}
	return false;
}

char *live_tables(const char *text, const char *const *tables)
{
	struct strbuf out = {0};
	bool keep = false;
	for (const char *line = text; *line;) {
		const char *nl = strchrnul(line, '\n');
		size_t len = (size_t)(nl - line);
		if (*line == '*')
			keep = named(line, len, tables);
		if (keep)
			sb_addn(&out, line, len + (*nl ? 1 : 0));
		if (keep && len == 6 && !memcmp(line, "COMMIT", 6))
			keep = false;
		line = *nl ? nl + 1 : nl;
	}
	return out.buf ? sb_steal(&out) : xstrdup("");
}

char *live_save_text(const char *tool, struct diags *d)
{
	char *all = live_save_all(tool, d);
	char *text = all ? live_tables(all, live_dfw_tables) : NULL;
	free(all);
	return text;
}

bool live_read(struct live_fw *lf, const char *tool, enum family f, struct diags *d)
{
	memset(lf, 0, sizeof(*lf));
	lf->st.exact = true;
	char *text = live_save_text(tool, d);
	if (!text)
		return false;
	char *name = xasprintf("<%s>", tool);
	lf->src = source_from_text(name, text, strlen(text));
	free(name);
	struct diags scratch = {0};
	lf->rs = ruleset_parse(lf->src, f, &scratch);
	state_apply(&lf->st, lf->rs, false, &scratch);
	bool ok = !diags_failed(&scratch);
	if (!ok)
		diag_error(d, "live-unreadable", (struct loc){0}, "cannot make sense of the live ruleset %s", lf->src->name);
	diags_free(&scratch);
	return ok;
}

void live_fw_free(struct live_fw *lf)
{
	state_free(&lf->st);
	if (lf->rs)
		ruleset_free(lf->rs);
	if (lf->src)
		source_free(lf->src);
	memset(lf, 0, sizeof(*lf));
}
