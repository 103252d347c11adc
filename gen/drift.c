#include "drift.h"

#include "host.h"
#include "live.h"
#include "members.h"
#include "render.h"
#include "setload.h"
#include "sets.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void drifts_free(struct drifts *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		free(ds->v[i].what);
	free(ds->v);
}

static void add_drift(struct drifts *ds, int family, const char *kind, char *what)
{
	VEC_PUSH(ds->v, ds->n, ds->cap, ((struct drift){family, kind, what, NULL}));
}

/* A rule or set member one side has and the other lacks. */
static void add_change(struct drifts *ds, int family, const char *kind, bool missing, char *what)
{
	VEC_PUSH(ds->v, ds->n, ds->cap, ((struct drift){family, kind, what, missing ? "missing" : "extra"}));
}

/* How many times FROM jumps to TO; *first: where the first jump is. */
static size_t jumps_to(struct fw_state *st, const char *table, const char *from, const char *to, size_t *first)
{
	struct chain_state *c = state_chain(st, table, from);
	size_t n = 0;
	*first = 0;
	for (size_t i = 0; c && i < c->n; i++) {
		if (c->rules[i]->target && !strcmp(c->rules[i]->target, to) && !n++)
			*first = i;
	}
	return n;
}

/* first_needed: whether a jump below other rules is drift. */
static void jump_drift(struct drifts *ds, int fam, struct fw_state *st, const char *table, const char *from,
		       const char *to, const char *kind, bool first_needed)
{
	size_t first, n = jumps_to(st, table, from, to, &first);
	char in[32] = "";
	if (strcmp(table, "filter"))
		snprintf(in, sizeof(in), " (%s)", table);
	if (!n)
		add_drift(ds, fam, kind, xasprintf("%s%s does not jump to %s", from, in, to));
	else if (n > 1)
		add_drift(ds, fam, kind, xasprintf("%s%s jumps to %s %zu times", from, in, to, n));
	else if (first && first_needed)
		add_drift(ds, fam, kind, xasprintf("%s%s's jump to %s is rule %zu, not the first", from, in, to, first + 1));
}

/* Whether FROM's first rule is the only jump to TO. */
static bool jump_first(struct fw_state *st, const char *table, const char *from, const char *to)
{
	size_t first;
	return jumps_to(st, table, from, to, &first) == 1 && first == 0;
}

/* The rules (keys) of one side that the other side lacks, as drift lines. */
static void one_sided(struct drifts *ds, int fam, char sign, const char *chain, char **keys, size_t n,
		      const struct rule **rules, char **other, size_t nother)
{
	/* a sorted view of the other side: chains may hold thousands of rules */
	char **sorted = xmalloc((nother + 1) * sizeof(*sorted));
	memcpy(sorted, other, nother * sizeof(*sorted));
	qsort(sorted, nother, sizeof(*sorted), str_cmp_ptr);
	for (size_t i = 0; i < n; i++) {
		if (!bsearch(&keys[i], sorted, nother, sizeof(*sorted), str_cmp_ptr))
			add_change(ds, fam, "chain", sign == '+', xasprintf("%c -A %s %.*s", sign, chain, (int)rules[i]->spec_len,
									  rules[i]->spec));
	}
	free(sorted);
}

/* Rules present on one side only, in chain order. */
static void chain_drift(struct drifts *ds, int fam, struct fw_state *live, struct fw_state *want, const char *table,
			const char *name, bool docker_return)
{
	struct chain_state *a = state_chain(live, table, name), *b = state_chain(want, table, name);
	size_t na = a ? a->n : 0, nb = b ? b->n : 0;
	/* Docker (up to 28.2) appends `-A DOCKER-USER -j RETURN` on every start
	 * when the chain has none: after dfwgen's final rule it is Docker's, not drift */
	if (docker_return && na && rule_spec_is(a->rules[na - 1], "-j RETURN") &&
	    (!nb || !rule_spec_is(b->rules[nb - 1], "-j RETURN")))
		na--;
	char **ka = xcalloc(na + 1, sizeof(char *)), **kb = xcalloc(nb + 1, sizeof(char *));
	for (size_t i = 0; i < na; i++)
		ka[i] = rule_key(a->rules[i]);
	for (size_t i = 0; i < nb; i++)
		kb[i] = rule_key(b->rules[i]);
	if (!a && b)
		add_drift(ds, fam, "chain", xasprintf("chain %s does not exist", name));
	bool same = na == nb;
	for (size_t i = 0; same && i < na; i++)
		same = !strcmp(ka[i], kb[i]);
	size_t before = ds->n;
	if (!same) {
		one_sided(ds, fam, '+', name, kb, nb, b ? b->rules : NULL, ka, na);
		one_sided(ds, fam, '-', name, ka, na, a ? a->rules : NULL, kb, nb);
	}
	if (!same && ds->n == before)
		add_drift(ds, fam, "chain", xasprintf("chain %s holds its rules in another order", name));
	free_list(ka, na);
	free_list(kb, nb);
}

struct change {
	bool add;
	struct addr a;
};

struct drift_sink {
	struct drifts *ds;
	const char *set;
	struct change *v;
	size_t n, cap;
};

static void member_drift(void *arg, bool add, const struct addr *a)
{
	struct drift_sink *s = arg;
	VEC_PUSH(s->v, s->n, s->cap, ((struct change){add, *a}));
}

static int cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	return x->add != y->add ? (x->add ? -1 : 1) : members_cmp(&x->a, &y->a);
}

static void report_member(struct drifts *ds, const char *set, const struct change *c)
{
	char text[ADDR_STRLEN];
	addr_format(&c->a, text, c->a.prefix != addr_max_prefix(c->a.family));
	add_change(ds, 0, "set", c->add, c->add ? xasprintf("set %s lacks %s", set, text) :
						  xasprintf("set %s holds %s, which the config does not", set, text));
}

/* The sets the plan makes: typed as this run made them, else read from its
 * ipset text into *read (free it). */
static const struct set_blocks *wanted_sets(const struct plan *p, struct set_blocks *read)
{
	memset(read, 0, sizeof(*read));
	if (p->gen.typed)
		return p->gen.typed;
	if (p->gen.sets)
		set_blocks_read(p->gen.sets, read); /* a stored generation's text */
	return read;
}

/* Members compared over netlink, as addresses: a million of them in a
 * fraction of the time `ipset save` takes to print them. */
static void set_drift(struct drifts *ds, const struct plan *p)
{
	struct set_blocks read;
	const struct set_blocks *want = wanted_sets(p, &read);
	for (size_t i = 0; i < want->n; i++) {
		const struct set_block *b = &want->v[i];
		struct set_members live;
		if (!set_listings_take(p->early, b->name, &live) && !setload_list(b->name, &live)) {
			add_drift(ds, 0, "set", xasprintf("set %s cannot be read", b->name));
			continue;
		}
		if (!live.exists)
			add_drift(ds, 0, "set", xasprintf("set %s does not exist", b->name));
		struct drift_sink sink = {ds, b->name, NULL, 0, 0};
		if (!members_same(b->members, b->n, live.v, live.n))
			members_diff(b->members, b->n, live.v, live.n, member_drift, &sink);
		/* reported in address order, adds first */
		qsort(sink.v, sink.n, sizeof(*sink.v), cmp_change);
		for (size_t k = 0; k < sink.n; k++)
			report_member(ds, b->name, &sink.v[k]);
		free(sink.v);
		set_members_free(&live);
	}
	set_blocks_free(&read);
}

/* One family's jumps and chains. strict: FORWARD's jump to DOCKER-USER must
 * be first even while the guard is (what a load would make it). */
static void family_drift(const struct plan *p, int f, bool strict, struct drifts *ds)
{
	int fam = f ? 6 : 4;
	struct fw_state *live = p->live_state[f], *want = p->after_state[f];
	jump_drift(ds, fam, live, "filter", "INPUT", p->host_chain, "input-jump", true);
	jump_drift(ds, fam, live, p->guard_table, "FORWARD", p->guard_chain, "guard-jump", true);
	/* Docker 20.10 puts its own IPv6 FORWARD rules above ours on every
	 * start; while the guard is first, published ports stay filtered */
	jump_drift(ds, fam, live, "filter", "FORWARD", p->container_chain, "forward-jump",
		   strict || !jump_first(live, p->guard_table, "FORWARD", p->guard_chain));
	chain_drift(ds, fam, live, want, "filter", p->host_chain, false);
	chain_drift(ds, fam, live, want, "filter", p->container_chain, true);
	chain_drift(ds, fam, live, want, p->guard_table, p->guard_chain, false);
}

void drift_collect(const struct plan *p, struct drifts *ds)
{
	for (int f = 0; f < 2; f++) {
		if (p->family[f])
			family_drift(p, f, false, ds);
	}
	set_drift(ds, p);
}

/* Whether the host holds a family's chains and jumps exactly as the plan
 * makes them: then they are not reloaded. */
bool drift_family_in_sync(const struct plan *p, int f)
{
	struct drifts ds = {0};
	if (!p->family[f] || !p->live_state[f])
		return false;
	family_drift(p, f, true, &ds);
	bool same = ds.n == 0;
	drifts_free(&ds);
	return same;
}

static void json_id(FILE *out, const char *key, const char *id)
{
	fprintf(out, *id ? "\"%s\": \"%s\", " : "\"%s\": null, ", key, id);
}

void drift_print(FILE *out, const struct drifts *ds, bool json, const char *verb)
{
	if (json) {
		fprintf(out, "{\"in_sync\": %s, ", ds->n ? "false" : "true");
		json_id(out, "generation", ds->generation);
		json_id(out, "confirmed", ds->confirmed);
		json_id(out, "pending", ds->pending);
		fprintf(out, "\"rejected\": %s, \"leftover\": [%s%s%s], \"other_flavour\": %zu, \"drift\": [",
			ds->rejected ? "true" : "false", ds->leftover[0] ? "4" : "", ds->leftover[0] && ds->leftover[1] ? ", " : "",
			ds->leftover[1] ? "6" : "", ds->other_flavour);
		for (size_t i = 0; i < ds->n; i++) {
			fprintf(out, "%s\n {\"family\": %d, \"kind\": \"%s\", ", i ? "," : "", ds->v[i].family, ds->v[i].kind);
			if (ds->v[i].change)
				fprintf(out, "\"change\": \"%s\", \"what\": \"", ds->v[i].change);
			else
				fputs("\"change\": null, \"what\": \"", out);
			for (const char *c = ds->v[i].what; *c; c++)
				fprintf(out, *c == '"' || *c == '\\' ? "\\%c" : (unsigned char)*c < 0x20 ? "?" : "%c", *c);
			fputs("\"}", out);
		}
		fputs(ds->n ? "\n]}\n" : "]}\n", out);
		return;
	}
	if (!ds->n)
		fprintf(out, "in sync: the host holds what the configuration generates\n");
	for (size_t i = 0; i < ds->n; i++) {
		if (ds->v[i].family)
			fprintf(out, "%s IPv%d %s: %s\n", verb, ds->v[i].family, ds->v[i].kind, ds->v[i].what);
		else
			fprintf(out, "%s %s: %s\n", verb, ds->v[i].kind, ds->v[i].what);
	}
}

/* A family that is off: dfwgen's chains, jumps or sets still there. */
static void leftover_drift(struct drifts *ds, const struct plan *p, int f, const struct set_names *live_sets)
{
	char tool[64], suffix[4];
	enum family fam = f ? FAM_V6 : FAM_V4;
	host_tool(tool, sizeof(tool), p->backend, fam, "save");
	struct diags scratch = {0};
	struct live_fw lf;
	size_t before = ds->n;
	if (live_read(&lf, tool, fam, &scratch)) {
		for (size_t k = 0; k < sizeof(dfw_chains) / sizeof(*dfw_chains); k++) {
			struct chain_state *c = state_chain(&lf.st, dfw_chains[k].table, dfw_chains[k].chain);
			bool ours = c && strcmp(dfw_chains[k].chain, CONTAINER_CHAIN);
			for (size_t i = 0; c && !ours && i < c->n; i++)
				ours = rule_has_dfwgen_comment(c->rules[i]);
			if (ours)
				add_drift(ds, fam, "leftover", xasprintf("IPv%d is off, but %s still holds dfwgen's rules", fam,
									 dfw_chains[k].chain));
		}
	}
	live_fw_free(&lf);
	diags_free(&scratch);
	snprintf(suffix, sizeof(suffix), "-%d", fam);
	for (size_t i = 0; i < live_sets->n; i++) {
		const char *name = live_sets->v[i];
		size_t len = strlen(name);
		if (!strncmp(name, "dfw-", 4) && len > 2 && !strcmp(name + len - 2, suffix))
			add_drift(ds, fam, "leftover", xasprintf("IPv%d is off, but the set %s is still there", fam, name));
	}
	if (ds->n > before)
		ds->leftover[f] = true;
}

/* Rules of the other iptables flavour in INPUT or FORWARD (or a policy that
 * is not ACCEPT): the kernel runs both, so they filter beside dfwgen's. */
static void other_flavour_drift(struct drifts *ds, const struct plan *p, int f)
{
	const char *other = strcmp(p->backend, "nft") ? "nft" : "legacy";
	if (!strcmp(other, "legacy") && !host_legacy_tables_exist())
		return;
	char tool[64];
	int fam = f ? 6 : 4;
	host_tool(tool, sizeof(tool), other, f ? FAM_V6 : FAM_V4, "save");
	const char *argv[] = {tool, "-t", "filter", NULL};
	struct cmd_result r = host_run(argv, NULL);
	for (const char *line = r.status == 0 && r.out ? r.out : ""; *line;) {
		const char *nl = strchrnul(line, '\n');
		int len = (int)(nl - line);
		if (!strncmp(line, "-A INPUT ", 9) || !strncmp(line, "-A FORWARD ", 11) ||
		    ((!strncmp(line, ":INPUT ", 7) || !strncmp(line, ":FORWARD ", 9)) && !strstr(line, " ACCEPT "))) {
			add_drift(ds, fam, "other-flavour", xasprintf("%s holds '%.*s': the kernel runs it beside dfwgen's "
								       "%s rules", tool, len, line, p->backend));
			ds->other_flavour++;
		}
		line = *nl ? nl + 1 : nl;
	}
	cmd_result_free(&r);
}

/* dfw- sets of a family that is on which the configuration no longer makes
 * (a [set] removed or renamed): the next apply destroys them. */
static void extra_set_drift(struct drifts *ds, const struct plan *p, const struct set_names *live_sets)
{
	struct set_blocks read;
	const struct set_blocks *want = wanted_sets(p, &read);
	for (size_t i = 0; i < live_sets->n; i++) {
		const char *name = live_sets->v[i];
		size_t len = strlen(name);
		if (!set_name_is_dfw(name, NULL))
			continue;
		/* a family that is off: its sets are leftovers (leftover_drift) */
		bool v4 = len > 2 && !strcmp(name + len - 2, "-4"), v6 = len > 2 && !strcmp(name + len - 2, "-6");
		if (((!v4 && !v6) || p->family[v6]) && !set_blocks_has(want, name))
			add_drift(ds, 0, "set", xasprintf("set %s is in no [set] of the configuration: apply destroys it", name));
	}
	set_blocks_free(&read);
}

/* What the state directory says (a generation pending or rejected), and what
 * lies outside dfwgen's chains but matters: a family that is off still
 * holding dfwgen's objects, rules of the other iptables flavour, sets the
 * configuration no longer makes. */
void drift_state(const struct state_dir *sd, const struct plan *p, struct drifts *ds)
{
	struct set_names live_sets;
	host_set_names(&live_sets);
	snprintf(ds->generation, sizeof(ds->generation), "%s", p->gen.id);
	if (sd && sd->fd >= 0) {
		state_get_id(sd, "current", ds->confirmed);
		if (state_get_id(sd, "pending", ds->pending))
			add_drift(ds, 0, "pending", xasprintf("generation %s is loaded but not confirmed (an apply --confirm "
							       "waits, or died: the next apply puts back the confirmed one)",
							       ds->pending));
		time_t when;
		if ((ds->rejected = state_rejected(sd, p->gen.id, &when)))
			add_drift(ds, 0, "rejected", xasprintf("the configuration makes generation %s, which was not "
								"confirmed: hooks and boot keep the confirmed one",
								p->gen.id));
	}
	for (int f = 0; f < 2; f++) {
		if (!p->family[f])
			leftover_drift(ds, p, f, &live_sets);
		else
			other_flavour_drift(ds, p, f);
	}
	extra_set_drift(ds, p, &live_sets);
	set_names_free(&live_sets);
}

int status_no_legacy_tables(const struct apply_opts *o, FILE *out)
{
	struct drifts ds = {0};
	add_drift(&ds, 0, "backend", xstrdup("--backend legacy: the legacy tables do not exist here (iptables-legacy "
					     "holds no filter table), so nothing of dfwgen's is loaded there; "
					     "the host's rules are in the nft tables (drop --backend)"));
	drift_print(out, &ds, o->json, "drift");
	drifts_free(&ds);
	return 1;
}

int apply_status(const struct plan *p, const struct apply_opts *o, FILE *out)
{
	struct drifts ds = {0};
	struct state_dir sd = {.fd = -1};
	char err[PATH_MAX + 256];
	drift_collect(p, &ds);
	if (!state_open(&sd, o->state_dir, false, err, sizeof(err)) && errno != ENOENT)
		fprintf(stderr, "dfwgen: warning: %s\n", err);
	drift_state(&sd, p, &ds);
	state_close(&sd);
	drift_print(out, &ds, o->json, "drift");
	int code = ds.n ? 1 : 0;
	drifts_free(&ds);
	return code;
}
