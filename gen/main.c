/* dfwgen: a Docker-aware firewall from a short INI config.
 *
 * The pipeline, one stage per file pair:
 *   ini      read the main file and rules.d fragments (file:line of every value)
 *   policy   merge and type them: addresses, ports, sets; no iptables syntax
 *   render   fill the section templates into iptables-restore input
 *   ruleset  parse any restore file or iptables-save dump into a model
 *   check    the invariants over that model
 *   apply    load it into the host, roll back on failure; status: drift
 * The generator checks its own output with the same ruleset + check code that
 * `dfwgen check` runs on files people write by hand. */
#include "apply.h"
#include "both.h"
#include "check.h"
#include "diag.h"
#include "drift.h"
#include "host.h"
#include "ini.h"
#include "live.h"
#include "options.h"
#include "policy.h"
#include "render.h"
#include "fwstate.h"
#include "sets.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- configuration ---- */

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static struct policy *load_policy(const struct options *o, struct ini_doc *doc, struct diags *d)
{
	const char *main_file = o->config ? o->config : DFW_SYSCONF_DIR "/dfwgen.ini";
	const char *dir = o->dropins ? o->dropins : DFW_SYSCONF_DIR "/rules.d";
	bool have_main = o->config || exists(main_file);
	bool have_dir = o->dropins || exists(dir);
	if (!have_main && !have_dir) {
		diag_error(d, "no-config", (struct loc){0}, "no configuration: neither %s nor %s exists "
			   "(use -c FILE or -d DIR)", main_file, dir);
		return NULL;
	}
	doc->strict = !o->lax_modes && geteuid() == 0;
	if (have_main && !ini_load_file(doc, main_file, d))
		return NULL;
	if (have_dir && !ini_load_dir(doc, dir, d))
		return NULL;
	if (o->config && !o->dropins && have_dir)
		diag_note(d, "dropins-merged", (struct loc){0}, "-c %s without -d: the drop-ins of %s are merged too "
			  "(-d DIR names another directory; an empty one merges none)", o->config, dir);
	if (diags_failed(d))
		return NULL;
	struct policy *p = policy_build(doc, doc->store, d);
	if (p && !check_policies_valid(p->policies, p->npolicies, d)) {
		policy_free(p);
		return NULL;
	}
	/* the templates make the rules: as much root's as the config */
	const char *templates = o->templates ? o->templates : DFW_TEMPLATE_DIR;
	static const char *const files[] = {"", "/host.rules", "/containers.rules"};
	for (size_t i = 0; p && doc->strict && i < sizeof(files) / sizeof(*files); i++) {
		char *path = xasprintf("%s%s", templates, files[i]), why[PATH_MAX + 128];
		if (exists(path) && !path_trusted(path, why, sizeof(why))) {
			diag_error(d, "untrusted-path", (struct loc){0}, "not reading the template %s: %s (or pass "
				   "--no-strict-modes)", path, why);
			policy_free(p);
			p = NULL;
		}
		free(path);
	}
	return p;
}

/* ---- the live ruleset ---- */

/* The save tool for a family: of the backend's flavour, or whatever
 * `iptables-save` is when backend is NULL. */
static void save_tool(char *tool, size_t size, const char *backend, enum family f)
{
	if (backend)
		host_tool(tool, size, backend, f, "save");
	else
		snprintf(tool, size, "%s", f == FAM_V4 ? "iptables-save" : "ip6tables-save");
}

/* ---- output ---- */

/* -o FILE: all or nothing, as state files are written (file_replace_at). */
static int write_output(const char *path, const char *text)
{
	if (!path) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_USAGE;
	}
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup(".");
	char *tmp = xasprintf("%s.%ld.tmp", base, (long)getpid());
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok = dirfd >= 0 && file_replace_at(dirfd, base, tmp, text, 0644);
	int err = errno;
	if (dirfd >= 0)
		close(dirfd);
	free(dir);
	free(tmp);
	if (ok)
		return EXIT_OK;
	fprintf(stderr, "dfwgen: cannot write %s: %s\n", path, strerror(err));
	return EXIT_USAGE;
}

/* Everything diagnostics may point into lives until they are printed, once, at the end. */
struct run {
	struct options o;
	struct diags d;
	struct ini_doc doc;
	struct policy *p;
	struct source_store store; /* every source a diagnostic may point into */
	struct ruleset **rulesets;
	size_t nrulesets, rulesets_cap;
	struct rendered *rendered;
	size_t nrendered, rendered_cap;
	char *host_save[2]; /* the host's ruleset per family, read once (live_save_all) */
	bool host_read[2];
};

static struct source *keep_source(struct run *run, struct source *src)
{
	return source_keep(&run->store, src);
}

static struct ruleset *keep_ruleset(struct run *run, struct ruleset *rs)
{
	VEC_PUSH(run->rulesets, run->nrulesets, run->rulesets_cap, rs);
	return rs;
}

/* Tables of the host's ruleset of family f (NULL: none, with an error when
 * the save tool failed). The host is read once per family and run: the nat
 * table for the checks against the host and the tables dfwgen writes come
 * from one call of the save tool (backend: a flavour, or NULL for whatever
 * `iptables-save` is). A run that changes the host reads it again itself. */
static char *host_tables(struct run *run, const char *backend, enum family f, const char *const *tables,
			 char *tool, size_t size)
{
	int i = f == FAM_V6;
	save_tool(tool, size, backend, f);
	if (!run->host_read[i])
		run->host_save[i] = live_save_all(tool, &run->d);
	run->host_read[i] = true;
	return run->host_save[i] ? live_tables(run->host_save[i], tables) : NULL;
}

/* The host's filter and mangle tables: from --live, or from the host. */
static struct source *read_live(struct run *run, const char *backend, enum family f)
{
	const struct options *o = &run->o;
	struct diags *d = &run->d;
	if (o->live && !strcmp(o->live, "none"))
		return NULL;
	if (o->live)
		return source_load(o->live, (struct loc){0}, d);
	if (geteuid() != 0) {
		diag_warn(d, "live-unknown", (struct loc){0}, "not root, so the live ruleset is unknown: the "
			  "output assumes no jump to " HOST_CHAIN ", " CONTAINER_CHAIN " or " GUARD_CHAIN " exists yet "
			  "(pass --live FILE or --live none)");
		return NULL;
	}
	char tool[64];
	char *text = host_tables(run, backend, f, live_dfw_tables, tool, sizeof(tool));
	if (!text)
		return NULL;
	char *name = xasprintf("<%s>", tool);
	struct source *src = source_from_text(name, text, strlen(text));
	free(name);
	return src;
}

static void run_free(struct run *run)
{
	for (size_t i = 0; i < run->nrulesets; i++)
		ruleset_free(run->rulesets[i]);
	free(run->rulesets);
	for (size_t i = 0; i < run->nrendered; i++)
		rendered_free(&run->rendered[i]);
	free(run->rendered);
	free(run->host_save[0]);
	free(run->host_save[1]);
	policy_free(run->p);
	ini_free(&run->doc);
	source_store_free(&run->store);
	diags_free(&run->d);
	free(run->o.set_files);
	free(run->o.files);
}

/* The host's filter table as iptables-restore would leave it (exact: every
 * chain known), read once into each of the `n` states. */
static bool load_live(struct run *run, const char *backend, enum family f, struct fw_state *st, int n)
{
	struct diags scratch = {0};
	struct source *src = keep_source(run, read_live(run, backend, f));
	for (int i = 0; i < n; i++)
		st[i].exact = true;
	if (!src)
		return !diags_failed(&run->d);
	struct ruleset *rs = keep_ruleset(run, ruleset_parse(src, f, &scratch));
	for (int i = 0; i < n && !diags_failed(&scratch); i++)
		state_apply(&st[i], rs, false, &scratch);
	bool ok = !diags_failed(&scratch);
	if (!ok) {
		diags_print(stderr, &scratch, DIAG_TEXT);
		diag_error(&run->d, "live-unreadable", (struct loc){0}, "cannot make sense of the live ruleset %s", src->name);
	}
	diags_free(&scratch);
	return ok;
}

/* Checks of the config against this host: interfaces that exist, ports that
 * Docker really publishes (read from the nat table). Only when dfwgen reads
 * the host itself: with --live FILE the output may be meant for another one. */
static void check_against_host(struct run *run, const char *backend)
{
	live_check_interfaces(run->p, &run->d);
	enum family f = policy_family_on(run->p, FAM_V4) ? FAM_V4 : FAM_V6;
	char tool[64];
	static const char *const nat_table[] = {"nat", NULL};
	char *text = host_tables(run, backend, f, nat_table, tool, sizeof(tool));
	if (text) {
		char *name = xasprintf("<%s -t nat>", tool);
		struct source *src = keep_source(run, source_from_text(name, text, strlen(text)));
		free(name);
		struct diags scratch = {0};
		struct ruleset *nat = keep_ruleset(run, ruleset_parse(src, f, &scratch));
		if (!diags_failed(&scratch))
			live_check_published(run->p, nat, &run->d);
		diags_free(&scratch);
	}
}

/* Points each problem found in generated rules at what made the rule: the
 * config line first (the value whose row filled it in; for a lockout, where
 * ssh_port was set), then notes with the generated rule and its template
 * line. Each finding keeps its notes right after it. */
static void locate_generated(struct diags *d, size_t first, const struct source *src, const struct rendered *r,
			     const struct policy *p)
{
	struct diags found = {.warnings_are_errors = d->warnings_are_errors};
	diags_take(&found, d, first);
	for (size_t i = 0; i < found.n; i++) {
		struct diag *g = &found.v[i];
		const struct line_origin *o = NULL;
		if (g->loc.src == src && g->loc.line >= 1 && (size_t)g->loc.line <= r->norigin)
			o = &r->origin[g->loc.line - 1];
		struct loc generated = g->loc, config = o ? o->config : (struct loc){0};
		/* a generated rule that drops SSH: what made the check is ssh_port */
		bool lockout = o && !strcmp(g->id, "lockout") && g->sev != SEV_NOTE;
		if (lockout && p->ssh_port_loc.src)
			config = p->ssh_port_loc;
		if (config.src)
			g->loc = config;
		diags_move(d, &found, i, 1);
		if (config.src)
			diag_note(d, g->id, generated, "in the generated rule");
		if (o && o->tmpl.src)
			diag_note(d, g->id, o->tmpl, "the rule comes from this template line");
		if (lockout)
			diag_note(d, "lockout", (struct loc){0}, "SSH is port %u (%s): let it in with [host] tcp = %u, or "
				  "allow your address in [host] allow; ssh_port = 0 turns this check off", p->ssh_port,
				  p->ssh_port_loc.src ? "[global] ssh_port" : "[global] ssh_port's default", p->ssh_port);
	}
	diags_free(&found);
}

/* Renders one family and checks the result like any file `dfwgen check` reads. */
static const char *generate_rules(struct run *run, enum family f, struct fw_state *live, int *code)
{
	const struct policy *p = run->p;
	struct diags *d = &run->d;
	struct rendered out;
	const char *templates = run->o.templates ? run->o.templates : DFW_TEMPLATE_DIR;
	bool rendered = render_rules(p, f, templates, live, &out, d);
	VEC_PUSH(run->rendered, run->nrendered, run->rendered_cap, out);
	if (!rendered) {
		*code = EXIT_USAGE;
		return NULL;
	}
	const char *text = out.text;
	struct source *src = keep_source(run, source_from_text(f == FAM_V4 ? "<generated IPv4 rules>" :
							       "<generated IPv6 rules>", xstrdup(text), strlen(text)));
	struct set_catalog sets = {0};
	sets_from_policy(&sets, p);
	struct check_opts co = {
		.noflush = true, .ssh_port = p->ssh_port, .sets = &sets,
		.host_chain = HOST_CHAIN, .container_chain = CONTAINER_CHAIN,
		.bridges = &p->bridges, .subnets = p->subnets, .nsubnets = p->nsubnets,
		.policies = p->policies, .npolicies = p->npolicies,
	};
	size_t first = d->n;
	struct ruleset *rs = keep_ruleset(run, ruleset_parse(src, f, d));
	check_run(rs, live, &co, d);
	sets_free(&sets);
	locate_generated(d, first, src, &run->rendered[run->nrendered - 1], p);
	if (diags_failed(d)) {
		*code = EXIT_INVARIANT;
		return NULL;
	}
	return text;
}

static int cmd_rules(struct run *run)
{
	enum family f = run->o.family ? run->o.family : FAM_V4;
	if (!policy_family_on(run->p, f)) {
		diag_error(&run->d, "family-off", (struct loc){0}, "[global] family leaves IPv%d out: nothing to generate", f);
		return EXIT_USAGE;
	}
	struct fw_state live = {0};
	int code = EXIT_OK;
	const char *text = NULL;
	if (!run->o.live && geteuid() == 0) {
		check_against_host(run, NULL);
		if (diags_failed(&run->d))
			return EXIT_USAGE;
	}
	if (load_live(run, NULL, f, &live, 1))
		text = generate_rules(run, f, &live, &code);
	else
		code = EXIT_USAGE;
	state_free(&live);
	return text ? write_output(run->o.output, text) : code;
}

/* The sets are only loaded when the rules that use them are valid too. */
static int cmd_ipsets(struct run *run)
{
	int code = EXIT_OK;
	for (int f = FAM_V4; f <= FAM_V6 && code == EXIT_OK; f += 2) {
		if (!policy_family_on(run->p, f))
			continue;
		struct fw_state none = {.exact = true};
		generate_rules(run, (enum family)f, &none, &code);
		state_free(&none);
	}
	if (code != EXIT_OK)
		return code;
	char *text = sets_render(run->p);
	code = write_output(run->o.output, text);
	free(text);
	return code;
}

static int cmd_config(struct run *run)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	config_print(mem, run->p->config);
	fclose(mem);
	int code = write_output(run->o.output, buf);
	free(buf);
	return code;
}

/* Everything apply and status need: the live tables (twice: as they are, and
 * with the generated rules applied) and the validated output. */
static int build_plan(struct run *run, const char *backend, struct plan *pl, struct fw_state st[2][2])
{
	int code = EXIT_OK;
	memset(pl, 0, sizeof(*pl));
	pl->backend = backend;
	pl->host_chain = HOST_CHAIN;
	pl->container_chain = CONTAINER_CHAIN;
	pl->guard_chain = GUARD_CHAIN;
	pl->guard_table = GUARD_TABLE;
	for (int f = 0; f < 2 && code == EXIT_OK; f++) {
		enum family fam = f ? FAM_V6 : FAM_V4;
		pl->family[f] = policy_family_on(run->p, fam);
		if (!pl->family[f])
			continue;
		if (!load_live(run, pl->backend, fam, st[f], 2)) {
			code = EXIT_USAGE;
			break;
		}
		pl->live_state[f] = &st[f][0];
		pl->after_state[f] = &st[f][1];
		pl->rules[f] = generate_rules(run, fam, &st[f][1], &code);
	}
	if (code != EXIT_OK)
		return code;
	return EXIT_OK;
}

/* Lists the dfw- sets that exist (a job for both_run: sl is its own). */
static void list_sets_early(void *arg)
{
	struct set_listings *sl = arg;
	struct set_names live;
	host_set_names(&live);
	const char **names = xcalloc(live.n + 1, sizeof(*names));
	size_t n = 0;
	for (size_t i = 0; i < live.n; i++) {
		if (set_name_is_dfw(live.v[i], NULL))
			names[n++] = live.v[i];
	}
	set_listings_read(sl, names, n);
	free(names);
	set_names_free(&live);
}

/* Reads the configuration into run->p (a job for both_run: what it writes is run's). */
static void load_config(void *arg)
{
	struct run *run = arg;
	run->doc.store = &run->store;
	run->p = load_policy(&run->o, &run->doc, &run->d);
}

/* What apply and status hold from before the configuration is read to
 * their end: the state directory (for apply, its lock) and the dfw- sets
 * as they were before anything changed. */
struct session {
	struct apply_opts ao;
	struct applying a;
	struct set_listings early;
	const char *backend;
	bool status_only, open;
};

/* Opens the session, before the configuration is read: root, the state
 * directory and, for apply, the lock and the recovery of an apply that
 * crashed; the sets are listed after that (main), and no other apply
 * changes them meanwhile. EXIT_OK, or the exit code; s->open when cmd_apply
 * must still end it (a --boot apply that cannot lock falls back). */
static int session_begin(struct run *run, bool status_only, struct session *s)
{
	*s = (struct session){.a = {.sd.fd = -1, .lock = -1}, .status_only = status_only};
	if (geteuid() != 0) {
		diag_error(&run->d, "apply-failed", (struct loc){0}, "%s reads and loads the host's firewall: run it as root",
			   status_only ? "status" : "apply");
		return EXIT_USAGE;
	}
	s->ao = (struct apply_opts){
		.state_dir = run->o.state_dir ? run->o.state_dir : DFW_STATE_DIR,
		.confirm_seconds = run->o.confirm_seconds, .dry_run = run->o.dry_run,
		.json = run->o.format == DIAG_JSON, .hook = run->o.hook || run->o.boot, .adopt = run->o.adopt,
	};
	s->backend = host_backend(run->o.backend);
	if (status_only && !strcmp(s->backend, "legacy") && !host_legacy_tables_exist())
		return status_no_legacy_tables(&s->ao, stdout);
	s->open = true;
	char err[PATH_MAX + 256];
	if (status_only || s->ao.dry_run)
		state_open(&s->a.sd, s->ao.state_dir, false, err, sizeof(err)); /* for what it says, if it exists */
	else if (apply_begin(&s->a, &s->ao, s->backend, &run->d) < 0)
		return EXIT_USAGE;
	return EXIT_OK;
}

/* What apply and status make before they touch the host: the
 * configuration, its checks against the host, the plan and the generation. */
struct prepared {
	struct run *run;
	struct session *s;
	int code;
	struct fw_state st[2][2];
	struct plan pl;
	struct set_blocks typed;
};

/* A job for both_run: what it writes is pr's and pr->run's. */
static void prepare(void *arg)
{
	struct prepared *pr = arg;
	struct run *run = pr->run;
	load_config(run);
	if (!run->p)
		pr->code = EXIT_USAGE;
	if (pr->code == EXIT_OK) {
		check_against_host(run, pr->s->backend);
		if (diags_failed(&run->d))
			pr->code = EXIT_USAGE;
	}
	if (pr->code == EXIT_OK)
		pr->code = build_plan(run, pr->s->backend, &pr->pl, pr->st);
	if (pr->code == EXIT_OK) {
		/* the sets as made: typed, their text written only to be stored */
		set_blocks_from_policy(run->p, &pr->typed);
		generation_make(&pr->pl.gen, pr->pl.family, pr->pl.rules, &pr->typed, run->p->ssh_port);
	}
}

/* apply and status, in an open session; with --boot also when the
 * configuration could not be read or the lock not taken: then only the
 * fall-back. */
static int cmd_apply(struct run *run, struct session *s, int code)
{
	struct prepared pr = {.run = run, .s = s, .code = code};
	/* the kernel lists a million set members (0.23 s) meanwhile */
	if (code == EXIT_OK)
		both_run(prepare, &pr, list_sets_early, &s->early);
	else
		prepare(&pr);
	code = pr.code;
	struct plan *pl = &pr.pl;
	pl->early = &s->early;
	if (code == EXIT_OK)
		code = s->status_only ? apply_status(pl, &s->ao, stdout) : apply_run(&s->a, pl, &s->ao, &run->d);
	/* at boot the host never stays open: the confirmed generation, else fail-closed */
	if (run->o.boot && code != EXIT_OK)
		code = apply_fall_back(&s->a, s->backend, run->p && run->p->ssh_port ? run->p->ssh_port : 22, &run->d);
	apply_end(&s->a);
	set_listings_free(&s->early);
	for (int f = 0; f < 2; f++) {
		state_free(&pr.st[f][0]);
		state_free(&pr.st[f][1]);
	}
	generation_free(&pl->gen);
	set_blocks_free(&pr.typed);
	return code;
}

static int cmd_check(struct run *run)
{
	const struct options *o = &run->o;
	struct diags *d = &run->d;
	struct set_catalog sets = {0};
	for (size_t i = 0; i < o->nset_files; i++) {
		struct source *src = keep_source(run, source_load(o->set_files[i], (struct loc){0}, d));
		if (src)
			sets_parse(&sets, src, d);
	}
	static const char *const stdin_only[] = {"-"};
	const char *const *files = o->nfiles ? o->files : stdin_only;
	size_t nfiles = o->nfiles ? o->nfiles : 1;
	bool unreadable = false;
	for (size_t i = 0; i < nfiles; i++) {
		struct source *src = keep_source(run, source_load(files[i], (struct loc){0}, d));
		if (!src) {
			unreadable = true;
			continue;
		}
		struct check_opts co = {
			.noflush = !o->full, .ssh_port = o->ssh_port_set ? o->ssh_port : 22,
			.sets = &sets, .host_chain = HOST_CHAIN, .container_chain = CONTAINER_CHAIN,
			.bridges = run->p ? &run->p->bridges : NULL,
			.subnets = run->p ? run->p->subnets : NULL, .nsubnets = run->p ? run->p->nsubnets : 0,
			.policies = run->p ? run->p->policies : NULL, .npolicies = run->p ? run->p->npolicies : 0,
		};
		struct ruleset *rs = keep_ruleset(run, ruleset_parse(src, o->family, d));
		struct fw_state st = {0};
		check_run(rs, &st, &co, d);
		state_free(&st);
	}
	sets_free(&sets);
	if (unreadable)
		return EXIT_USAGE;
	return diags_failed(d) ? EXIT_INVARIANT : EXIT_OK;
}

/* dfwgen is one short batch: memory it frees is best kept for its next
 * allocation. By default glibc maps every large block afresh and unmaps it on
 * free, so each phase (parse, state, shadow indexes) pays the kernel again to
 * fault in and zero pages the phase before gave back. */
static void keep_freed_memory(void)
{
	mallopt(M_MMAP_THRESHOLD, 256 << 20); /* large blocks from the heap too */
	mallopt(M_TRIM_THRESHOLD, 512 << 20); /* never hand the heap's top back */
	mallopt(M_TOP_PAD, 64 << 20);         /* grow the heap in few steps */
}

int main(int argc, char **argv)
{
	struct run run = {0};
	keep_freed_memory();
	int code = parse_args(argc, argv, &run.o);
	if (code != EXIT_OK) {
		run_free(&run);
		return code;
	}
	run.d.warnings_are_errors = run.o.werror;
	bool is_check = !strcmp(run.o.command, "check"), is_confirm = !strcmp(run.o.command, "confirm");
	bool is_apply = !strcmp(run.o.command, "apply"), is_status = !strcmp(run.o.command, "status");
	struct session ses = {0};
	if (is_apply || is_status)
		code = session_begin(&run, is_status, &ses);
	/* check reads [policy] sections only when a config is named */
	if (is_confirm) {
		code = apply_confirm(run.o.state_dir ? run.o.state_dir : DFW_STATE_DIR, &run.d);
	} else if (!is_apply && !is_status && (!is_check || run.o.config || run.o.dropins)) {
		load_config(&run);
		if (!run.p)
			code = EXIT_USAGE;
	}
	if (ses.open)
		code = cmd_apply(&run, &ses, code);
	else if (code == EXIT_OK && !is_confirm && !is_apply && !is_status)
		code = is_check ? cmd_check(&run) :
		       !strcmp(run.o.command, "ipsets") ? cmd_ipsets(&run) :
		       !strcmp(run.o.command, "config") ? cmd_config(&run) : cmd_rules(&run);
	if (is_check && run.o.format == DIAG_JSON)
		diags_print(stdout, &run.d, DIAG_JSON);
	else
		diags_print(stderr, &run.d, DIAG_TEXT);
	run_free(&run);
	return code;
}
