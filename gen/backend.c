#include "backend.h"

#include "host.h"
#include "live.h"
#include "members.h"
#include "render.h"
#include "setload.h"
#include "sets.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void owned_add(struct owned *ow, const char *body, enum family f)
{
	if (!body || !*body)
		return;
	struct source *src = source_from_text("<generation>", xstrdup(body), strlen(body));
	struct diags scratch = {0};
	struct ruleset *rs = ruleset_parse(src, f, &scratch);
	for (size_t t = 0; t < rs->n; t++) {
		for (size_t i = 0; i < rs->tables[t].n; i++) {
			if (rs->tables[t].rules[i].cmd == CMD_APPEND)
				VEC_PUSH(ow->keys, ow->n, ow->cap, rule_key(&rs->tables[t].rules[i]));
		}
	}
	ruleset_free(rs);
	source_free(src);
	diags_free(&scratch);
	qsort(ow->keys, ow->n, sizeof(*ow->keys), str_cmp_ptr);
}

void owned_add_generation(struct owned *ow, const struct generation *g)
{
	for (int f = 0; g && f < 2; f++)
		owned_add(ow, g->body[f], f ? FAM_V6 : FAM_V4);
}

bool owned_has(const struct rule *r, void *arg)
{
	const struct owned *ow = arg;
	if (rule_has_dfwgen_comment(r))
		return true;
	char *k = rule_key(r);
	bool found = ow->n && bsearch(&k, ow->keys, ow->n, sizeof(*ow->keys), str_cmp_ptr);
	free(k);
	return found;
}

void owned_free(struct owned *ow)
{
	free_list(ow->keys, ow->n);
	memset(ow, 0, sizeof(*ow));
}

/* A rule in `chain` (NULL: a jump to one of dfwgen's chains) that dfwgen did
 * not write: an error, or a note when adopting it. */
static void report_foreign(struct diags *d, bool adopt, int fam, const char *table, const struct rule *r,
			   const char *chain)
{
	char *text = rule_canonical(r);
	if (adopt)
		diag_note(d, "adopted", (struct loc){0}, "IPv%d %s: adopting (removing) %s'%s', which dfwgen did not %s",
			  fam, table, chain ? "" : "the jump ", text, chain ? "write" : "make");
	else if (chain)
		diag_error(d, "foreign-rule", (struct loc){0}, "IPv%d %s: '%s' is in %s, but dfwgen did not write it: "
			   "loading would remove it", fam, table, text, chain);
	else
		diag_error(d, "foreign-rule", (struct loc){0}, "IPv%d %s: the jump '%s' is not dfwgen's: loading would "
			   "remove it", fam, table, text);
	free(text);
}

/* Rules in the chains dfwgen writes that it did not write, and jumps to its
 * own chains it did not make (loading would remove both): each is an error,
 * or a note when adopting. Docker's RETURN at the end of DOCKER-USER and
 * Docker's jumps to DOCKER-USER are Docker's. Returns how many. */
static size_t foreign_rules(struct fw_state *live, int fam, const struct owned *ow, bool adopt, struct diags *d)
{
	size_t n = 0;
	for (size_t k = 0; k < sizeof(dfw_chains) / sizeof(*dfw_chains); k++) {
		const char *table = dfw_chains[k].table, *chain = dfw_chains[k].chain;
		bool docker_chain = !strcmp(chain, CONTAINER_CHAIN);
		struct chain_state *c = state_chain(live, table, chain);
		for (size_t i = 0; c && i < c->n; i++) {
			const struct rule *r = c->rules[i];
			if ((docker_chain && i == c->n - 1 && rule_spec_is(r, "-j RETURN")) || owned_has(r, (void *)ow))
				continue;
			report_foreign(d, adopt, fam, table, r, chain);
			n++;
		}
		for (size_t t = 0; !docker_chain && t < live->n; t++) {
			struct table_state *ts = &live->tables[t];
			for (size_t ci = 0; strcmp(ts->name, table) == 0 && ci < ts->n; ci++) {
				struct chain_state *cs = &ts->chains[ci];
				char *plain = xasprintf("-j %s", chain);
				for (size_t i = 0; i < cs->n; i++) {
					const struct rule *r = cs->rules[i];
					if (!r->target || strcmp(r->target, chain) ||
					    (!strcmp(cs->name, dfw_chains[k].parent) && rule_spec_is(r, plain)))
						continue;
					report_foreign(d, adopt, fam, table, r, NULL);
					n++;
				}
				free(plain);
			}
		}
	}
	return n;
}

/* In place when the adds and deletes are at most this share of the set:
 * each is one netlink operation on the live set, where a rebuild adds every
 * member to a fresh twin and swaps it in. Measured at 896,930 members
 * (docs/benchmarks.md): 200,000 operations (22%) in place 1.40 s, rebuilt
 * 1.87 s; 400,000 (45%) in place 1.89 s, rebuilt 1.76 s. */
#define IN_PLACE_MAX_PERCENT 30

/* What loading a generation's sets takes: blocks rebuilt through their twin
 * (three `ipset restore` steps, see load_sets) and members changed in place. */
struct set_plan {
	struct strbuf head, members, swaps; /* rebuilt: creates and flushes; adds; swaps and destroys */
	struct strbuf adds, dels;           /* in place: "add SET MEMBER -exist" / "del ..." */
	const char *set;
	size_t rebuilt, in_place, added, deleted;
};

static void in_place_line(void *arg, bool add, const struct addr *a)
{
	struct set_plan *sp = arg;
	char text[ADDR_STRLEN];
	addr_format(a, text, true);
	sb_addf(add ? &sp->adds : &sp->dels, "%s %s %s -exist\n", add ? "add" : "del", sp->set, text);
	++*(add ? &sp->added : &sp->deleted);
}

/* What each set of a generation needs, against what the kernel holds:
 * - nothing, when the set holds exactly its members (a big list unchanged
 *   costs no reload and no kernel churn);
 * - in place, when few members change: adds first, then deletes, so that an
 *   allowlist (every dfw- set is one) never lacks a member the old and the
 *   new configuration both have;
 * - a rebuild otherwise: a twin made, filled and swapped in at once. When
 *   the set exists, its own create line is left out: `create -exist` with
 *   another maxelem or hashsize (a list that grew) would fail; the twin has
 *   the new size. */
static void plan_block(const struct set_block *b, struct set_listings *early, struct set_plan *sp)
{
	struct set_members live = {0};
	bool listed = set_listings_take(early, b->name, &live) || setload_list(b->name, &live);
	if (!listed || !live.exists || strcmp(live.type, b->type)) {
		set_block_text(b, true, &sp->head, &sp->members, &sp->swaps); /* a new set, or one ipset must judge */
		sp->rebuilt++;
	} else if (!members_same(b->members, b->n, live.v, live.n)) {
		/* the lines written as if in place, taken back if it is a rebuild */
		struct set_plan before = *sp;
		sp->set = b->name;
		size_t changes = members_diff(b->members, b->n, live.v, live.n, in_place_line, sp);
		size_t adds = sp->added - before.added, biggest = b->n > live.n ? b->n : live.n;
		/* adds come first: for a moment the set holds old and new */
		if (changes * 100 <= biggest * IN_PLACE_MAX_PERCENT && live.n + adds <= live.maxelem) {
			sp->in_place++;
		} else {
			sb_truncate(&sp->adds, before.adds.len);
			sb_truncate(&sp->dels, before.dels.len);
			sp->added = before.added;
			sp->deleted = before.deleted;
			set_block_text(b, false, &sp->head, &sp->members, &sp->swaps);
			sp->rebuilt++;
		}
	}
	set_members_free(&live);
}

static void set_plan_free(struct set_plan *sp)
{
	sb_free(&sp->head);
	sb_free(&sp->members);
	sb_free(&sp->swaps);
	sb_free(&sp->adds);
	sb_free(&sp->dels);
}

static bool run_step(const char *const *argv, const char *input, const char *what, struct diags *d)
{
	struct cmd_result r = host_run(argv, input);
	if (r.status != 0)
		diag_error(d, "apply-failed", (struct loc){0}, "%s failed (%s, exit %d): %s", what, argv[0], r.status,
			   r.err && *r.err ? r.err : "no message");
	cmd_result_free(&r);
	return r.status == 0;
}

/* The rebuilt sets in three steps: `ipset restore` makes and empties the
 * twins, the members go in over netlink (ten times faster than through
 * `ipset restore`), and `ipset restore` swaps the twins in, all after all
 * are full. Should the netlink step fail, the members go through `ipset
 * restore`, which loads them or says why not. */
static bool load_sets(const struct set_plan *sp, struct diags *d)
{
	const char *ipset[] = {"ipset", "restore", NULL};
	return run_step(ipset, sp->head.buf ? sp->head.buf : "", "loading the sets", d) &&
	       (!sp->members.len || (!fault_wanted("netlink") && setload_run(sp->members.buf)) ||
		run_step(ipset, sp->members.buf, "loading the sets", d)) &&
	       (!sp->swaps.len || run_step(ipset, sp->swaps.buf, "loading the sets", d));
}

/* One restore per family and table: iptables-restore commits a table in one
 * transaction (nft) or one replace (legacy), so a file the kernel refuses
 * changes nothing, and a separate --test run would only double the cost. */
static bool load_rules(const char *backend, int f, const char *text, bool noflush, struct diags *d)
{
	char tool[64];
	host_tool(tool, sizeof(tool), backend, f ? FAM_V6 : FAM_V4, "restore");
	const char *argv[4] = {tool, "-w", noflush ? "--noflush" : NULL, NULL};
	char *what = xasprintf("%s the IPv%d rules", noflush ? "loading" : "restoring", f ? 6 : 4);
	bool ok = run_step(argv, text, what, d);
	free(what);
	return ok;
}

/* dfw- sets nobody wants: none of `keep`'s (NULL: none) nor of `spare`
 * (NULL: none), or the .n twin of a load that failed. Destroying a set a rule
 * still uses fails; that is fine, it stays. */
static void destroy_sets_except(const struct set_blocks *keep, const struct set_names *spare, bool twins_only,
				struct load_summary *sum)
{
	struct set_names live;
	host_set_names(&live);
	for (size_t i = 0; i < live.n; i++) {
		const char *name = live.v[i];
		bool twin, ours = set_name_is_dfw(name, &twin);
		if (strncmp(name, "dfw-", 4) ||
		    (ours && (twins_only || set_blocks_has(keep, name) || set_names_has(spare, name))))
			continue;
		const char *destroy[] = {"ipset", "destroy", name, NULL};
		struct cmd_result dr = host_run(destroy, NULL);
		if (dr.status == 0 && sum && !twin)
			sb_addf(&sum->destroyed, "%s%s", sum->destroyed.len ? ", " : "", name);
		cmd_result_free(&dr);
	}
	set_names_free(&live);
}

/* Whether a --noflush text does anything (more than table and COMMIT lines). */
static bool does_something(const char *text)
{
	for (const char *line = text; *line;) {
		if (*line != '*' && strncmp(line, "COMMIT\n", 7))
			return true;
		line = strchrnul(line, '\n');
		line += *line ? 1 : 0;
	}
	return false;
}

/* One family: the body with its jumps fixed, or (body NULL) dfwgen's objects
 * removed. The live tables are read right before each try, and a failed try
 * is repeated twice: Docker may rewrite FORWARD meanwhile, and the -D of a
 * jump it has just moved then fails. *removed: something was removed. */
bool load_family(const struct plan *p, int f, const char *body, const struct owned *ow, bool *removed,
			struct diags *d)
{
	char tool[64];
	enum family fam = f ? FAM_V6 : FAM_V4;
	host_tool(tool, sizeof(tool), p->backend, fam, "save");
	bool ok = false;
	for (int attempt = 0; attempt < 3 && !ok; attempt++) {
		struct diags scratch = {0};
		struct diags *to = attempt == 2 && body ? d : &scratch;
		struct live_fw lf;
		if (live_read(&lf, tool, fam, to)) {
			char *text = body ? render_attach(body, &lf.st) : render_detach(&lf.st, owned_has, (void *)ow);
			bool act = body || does_something(text);
			if (removed)
				*removed = !body && act;
			ok = !act || load_rules(p->backend, f, text, true, body ? to : &scratch);
			free(text);
		} else if (!body) {
			ok = true; /* a family that is off and cannot be read (IPv6 disabled): nothing of ours there */
		}
		live_fw_free(&lf);
		if (!ok && !body && attempt == 2)
			diags_print(stderr, &scratch, DIAG_TEXT);
		diags_free(&scratch);
	}
	return ok;
}

/* Puts a generation in force, object by object: its sets first (the rules use
 * them), then each family's chains and jumps (a family it leaves out: dfwgen's
 * objects there are removed), then the dfw- sets it does not use go (but
 * those `spare_sets` creates: a rollback leaves the sets that were there
 * before the apply). g NULL:
 * dfwgen's objects are removed everywhere (nothing was confirmed yet). Only
 * dfwgen's objects change: what Docker, fail2ban or an admin hold elsewhere
 * stays as it is. */
bool load_generation(const struct plan *p, const struct generation *g, const struct owned *ow,
		     struct load_summary *sum, const struct set_names *spare_sets, const bool in_sync[2],
		     struct set_listings *early, struct diags *d)
{
	struct set_plan sp = {0};
	struct set_blocks read = {0};
	/* a generation read for its rules only (generation_read_rules) has no sets to load */
	if (g && !g->typed && (!g->sets || !set_blocks_read(g->sets, &read))) {
		diag_error(d, "state-damaged", (struct loc){0}, "generation %s holds sets dfwgen did not write; nothing "
			   "was loaded", g->id);
		return false;
	}
	/* the sets as this run made them, or as the stored generation says */
	const struct set_blocks *blocks = g && g->typed ? g->typed : &read;
	for (size_t i = 0; i < blocks->n; i++)
		plan_block(&blocks->v[i], early, &sp);
	const char *ipset[] = {"ipset", "restore", NULL};
	bool ok = !sp.adds.len || setload_run(sp.adds.buf) || run_step(ipset, sp.adds.buf, "adding set members", d);
	if (ok)
		fault_point("after-adds");
	ok = ok && (!sp.head.len || load_sets(&sp, d));
	if (ok)
		fault_point("after-swaps");
	ok = ok && (!sp.dels.len || setload_run(sp.dels.buf) || run_step(ipset, sp.dels.buf, "deleting set members", d));
	if (sum) {
		sum->rebuilt = sp.rebuilt;
		sum->in_place = sp.in_place;
		sum->added = sp.added;
		sum->deleted = sp.deleted;
	}
	set_plan_free(&sp);
	if (ok)
		fault_point("after-sets");
	for (int f = 0; f < 2 && ok; f++) {
		bool removed = false, load = !in_sync || !in_sync[f];
		if (load)
			ok = load_family(p, f, g && g->family[f] ? g->body[f] : NULL, ow, &removed, d);
		if (sum)
			sum->family[f] = removed ? FAMILY_REMOVED : !load ? FAMILY_UNCHANGED :
					 g && g->family[f] ? FAMILY_LOADED : FAMILY_OFF;
		if (removed && sum)
			diag_note(d, "family-removed", (struct loc){0}, "IPv%d is off: dfwgen's IPv%d chains, jumps and sets "
				  "are removed", f ? 6 : 4, f ? 6 : 4);
		fault_point(f ? "after-v6" : "after-v4");
	}
	destroy_sets_except(g ? blocks : NULL, spare_sets, !ok, sum);
	set_blocks_free(&read);
	return ok;
}

void load_summary_print(FILE *out, const char *id, const struct load_summary *sum)
{
	static const char *const what[] = {"unchanged", "reloaded", "removed", "off"};
	fprintf(out, "dfwgen: generation %s in force: IPv4 rules %s, IPv6 rules %s; sets: %zu rebuilt, %zu changed "
		"in place (%zu members added, %zu removed)", id, what[sum->family[0]], what[sum->family[1]], sum->rebuilt,
		sum->in_place, sum->added, sum->deleted);
	if (sum->destroyed.len)
		fprintf(out, ", destroyed: %s", sum->destroyed.buf);
	fputc('\n', out);
}

/* Rules in dfwgen's chains that are not dfwgen's, in both families (in one
 * that is off too: dfwgen's objects there are about to go, and what others
 * put in them with them); named, and removed with --adopt. */
size_t foreign_everywhere(const struct plan *p, const struct owned *ow, bool adopt, struct diags *d)
{
	size_t foreign = 0;
	for (int f = 0; f < 2; f++) {
		if (p->live_state[f]) {
			foreign += foreign_rules(p->live_state[f], f ? 6 : 4, ow, adopt, d);
			continue;
		}
		char tool[64];
		struct live_fw lf;
		struct diags scratch = {0};
		host_tool(tool, sizeof(tool), p->backend, f ? FAM_V6 : FAM_V4, "save");
		if (live_read(&lf, tool, f ? FAM_V6 : FAM_V4, &scratch))
			foreign += foreign_rules(&lf.st, f ? 6 : 4, ow, adopt, d);
		live_fw_free(&lf);
		diags_free(&scratch);
	}
	return foreign;
}

