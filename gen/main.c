/* dfwgen: a Docker-aware firewall from a short INI config.
 *
 * The pipeline, one stage per file pair:
 *   ini      read the main file and rules.d fragments (file:line of every value)
 *   policy   merge and type them: addresses, ports, sets; no iptables syntax
 *   render   fill the section templates into iptables-restore input
 *   ruleset  parse any restore file or iptables-save dump into a model
 *   check    the invariants over that model
 * The generator checks its own output with the same ruleset + check code that
 * `dfwgen check` runs on files people write by hand. */
#include "check.h"
#include "diag.h"
#include "ini.h"
#include "policy.h"
#include "render.h"
#include "ruleset.h"
#include "sets.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DFW_VERSION
#define DFW_VERSION "0.1.0"
#endif
#ifndef DFW_TEMPLATE_DIR
#define DFW_TEMPLATE_DIR "/usr/local/share/dfwgen/templates"
#endif
#ifndef DFW_SYSCONF_DIR
#define DFW_SYSCONF_DIR "/etc/dfwgen"
#endif

enum exit_code { EXIT_OK = 0, EXIT_INVARIANT = 1, EXIT_USAGE = 2 };

struct options {
	const char *command;
	const char *config, *dropins, *templates, *live, *output;
	enum family family;
	bool full;
	enum diag_format format;
	bool werror;
	unsigned ssh_port;
	bool ssh_port_set;
	const char **set_files;
	size_t nset_files, set_cap;
	const char **files;
	size_t nfiles, files_cap;
};

static const char usage[] =
	"usage: dfwgen [options] [rules]     iptables-restore input (-6: ip6tables-restore input)\n"
	"       dfwgen [options] ipsets      ipset restore input, both families\n"
	"       dfwgen [options] config      the merged configuration, each value with its file:line\n"
	"       dfwgen check [options] [FILE...]  check restore files (no FILE or -: standard input)\n"
	"\n"
	"  -c FILE        main config (default " DFW_SYSCONF_DIR "/dfwgen.ini, if present)\n"
	"  -d DIR         drop-in fragments, *.ini in byte order (default " DFW_SYSCONF_DIR "/rules.d)\n"
	"  -t DIR         section templates (default " DFW_TEMPLATE_DIR ")\n"
	"  -4 | -6        the address family of the output or of the checked files\n"
	"  --live FILE|none  the host's current ruleset (iptables-save output); default: read\n"
	"                 it with iptables-save when root, else none (with a warning)\n"
	"  -o FILE        write FILE atomically instead of standard output\n"
	"check only:\n"
	"  -s FILE        an ipset restore file defining the sets rules may use (repeatable)\n"
	"  --full         the files are whole-table dumps (iptables-save), not --noflush input\n"
	"  --format text|json   diagnostics format (default text)\n"
	"  -W error       treat warnings as errors\n"
	"  --ssh-port N   the port the anti-lockout check protects (default 22; 0: off)\n"
	"  -h, --help     this text;  -V, --version\n"
	"\n"
	"exit status: 0 success, 1 the ruleset violates an invariant, 2 usage or config error\n";

static int usage_error(const char *fmt, const char *arg)
{
	fputs("dfwgen: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(dfwgen --help lists the commands and options)\n", stderr);
	return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"live", required_argument, NULL, 'L'}, {"full", no_argument, NULL, 'F'},
		{"format", required_argument, NULL, 'f'}, {"ssh-port", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-c:d:t:o:s:W:46hV", longopts, NULL)) != -1) {
		switch (c) {
		case 1: /* a word: the command, or a file to check */
			if (!o->command && (!strcmp(optarg, "rules") || !strcmp(optarg, "ipsets") ||
					    !strcmp(optarg, "config") || !strcmp(optarg, "check")))
				o->command = optarg;
			else if (o->command && !strcmp(o->command, "check"))
				VEC_PUSH(o->files, o->nfiles, o->files_cap, optarg);
			else
				return usage_error("unknown command '%s'", optarg);
			break;
		case 'c': o->config = optarg; break;
		case 'd': o->dropins = optarg; break;
		case 't': o->templates = optarg; break;
		case 'o': o->output = optarg; break;
		case 'L': o->live = optarg; break;
		case 'F': o->full = true; break;
		case '4': o->family = FAM_V4; break;
		case '6': o->family = FAM_V6; break;
		case 's': VEC_PUSH(o->set_files, o->nset_files, o->set_cap, optarg); break;
		case 'W':
			if (strcmp(optarg, "error"))
				return usage_error("-W takes 'error', not '%s'", optarg);
			o->werror = true;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				o->format = DIAG_JSON;
			else if (strcmp(optarg, "text"))
				return usage_error("--format takes text or json, not '%s'", optarg);
			break;
		case 'P': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 65535)
				return usage_error("--ssh-port takes 0 to 65535, not '%s'", optarg);
			o->ssh_port = (unsigned)v;
			o->ssh_port_set = true;
			break;
		}
		case 'h': fputs(usage, stdout); exit(EXIT_OK);
		case 'V': puts("dfwgen " DFW_VERSION); exit(EXIT_OK);
		default:
			return usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
		}
	}
	if (!o->command)
		o->command = "rules";
	bool is_check = !strcmp(o->command, "check");
	if (!is_check && (o->nset_files || o->full || o->format == DIAG_JSON || o->werror || o->ssh_port_set))
		return usage_error("-s, --full, --format, -W and --ssh-port belong to 'check', not '%s'", o->command);
	if (is_check && (o->live || o->output || o->templates))
		return usage_error("%s", "--live, -o and -t do not apply to 'check'");
	return EXIT_OK;
}

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
	if (have_main && !ini_load_file(doc, main_file, d))
		return NULL;
	if (have_dir && !ini_load_dir(doc, dir, d))
		return NULL;
	if (diags_failed(d))
		return NULL;
	struct policy *p = policy_build(doc, d);
	if (p && !check_policies_valid(p->policies, p->npolicies, d)) {
		policy_free(p);
		return NULL;
	}
	return p;
}

/* ---- the live ruleset ---- */

static struct source *read_live(const struct options *o, enum family f, struct diags *d)
{
	if (o->live && !strcmp(o->live, "none"))
		return NULL;
	if (o->live)
		return source_load(o->live, (struct loc){0}, d);
	if (geteuid() != 0) {
		diag_warn(d, "live-unknown", (struct loc){0}, "not root, so the live ruleset is unknown: the "
			  "output assumes no jump to " HOST_CHAIN " or " CONTAINER_CHAIN " exists yet "
			  "(pass --live FILE or --live none)");
		return NULL;
	}
	const char *cmd = f == FAM_V4 ? "iptables-save -t filter" : "ip6tables-save -t filter";
	FILE *pipe = popen(cmd, "r");
	struct strbuf sb = {0};
	char buf[65536];
	size_t n;
	while (pipe && (n = fread(buf, 1, sizeof(buf), pipe)) > 0)
		sb_addn(&sb, buf, n);
	if (!pipe || pclose(pipe) != 0) {
		sb_free(&sb);
		diag_error(d, "live-unreadable", (struct loc){0}, "'%s' failed; pass --live FILE or --live none", cmd);
		return NULL;
	}
	size_t len = sb.len;
	return source_from_text(f == FAM_V4 ? "<iptables-save>" : "<ip6tables-save>", sb_steal(&sb), len);
}

/* ---- output ---- */

static int write_output(const char *path, const char *text)
{
	if (!path) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_USAGE;
	}
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	bool ok = f && fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fd) == 0;
	if (f)
		ok &= fclose(f) == 0;
	if (ok && chmod(tmp, 0644) == 0 && rename(tmp, path) == 0) {
		free(tmp);
		return EXIT_OK;
	}
	fprintf(stderr, "dfwgen: cannot write %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		unlink(tmp);
	free(tmp);
	return EXIT_USAGE;
}

/* Everything diagnostics may point into lives until they are printed, once, at the end. */
struct run {
	struct options o;
	struct diags d;
	struct ini_doc doc;
	struct policy *p;
	struct source **sources;
	size_t nsources, sources_cap;
	struct ruleset **rulesets;
	size_t nrulesets, rulesets_cap;
	struct rendered *rendered;
	size_t nrendered, rendered_cap;
};

static struct source *keep_source(struct run *run, struct source *src)
{
	if (src)
		VEC_PUSH(run->sources, run->nsources, run->sources_cap, src);
	return src;
}

static struct ruleset *keep_ruleset(struct run *run, struct ruleset *rs)
{
	VEC_PUSH(run->rulesets, run->nrulesets, run->rulesets_cap, rs);
	return rs;
}

static void run_free(struct run *run)
{
	for (size_t i = 0; i < run->nrulesets; i++)
		ruleset_free(run->rulesets[i]);
	free(run->rulesets);
	for (size_t i = 0; i < run->nrendered; i++)
		rendered_free(&run->rendered[i]);
	free(run->rendered);
	for (size_t i = 0; i < run->nsources; i++)
		source_free(run->sources[i]);
	free(run->sources);
	policy_free(run->p);
	ini_free(&run->doc);
	diags_free(&run->d);
	free(run->o.set_files);
	free(run->o.files);
}

/* The host's filter table as iptables-restore would leave it (exact: every chain known). */
static bool load_live(struct run *run, enum family f, struct fw_state *st)
{
	struct diags scratch = {0};
	struct source *src = keep_source(run, read_live(&run->o, f, &run->d));
	st->exact = true;
	if (!src)
		return !diags_failed(&run->d);
	struct ruleset *rs = keep_ruleset(run, ruleset_parse(src, f, &scratch));
	if (!diags_failed(&scratch))
		state_apply(st, rs, false, &scratch);
	bool ok = !diags_failed(&scratch);
	if (!ok) {
		diags_print(stderr, &scratch, DIAG_TEXT);
		diag_error(&run->d, "live-unreadable", (struct loc){0}, "cannot make sense of the live ruleset %s", src->name);
	}
	diags_free(&scratch);
	return ok;
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
	state_apply(live, rs, true, d);
	check_run(rs, live, &co, d);
	sets_free(&sets);
	/* point each problem in the output back at the template line that made it */
	const struct rendered *r = &run->rendered[run->nrendered - 1];
	for (size_t i = first, n = d->n; i < n; i++) {
		const struct loc *l = &d->v[i].loc;
		if (l->src == src && l->line >= 1 && (size_t)l->line <= r->norigin && r->origin[l->line - 1].src)
			diag_note(d, d->v[i].id, r->origin[l->line - 1], "the rule above comes from this template line");
	}
	if (diags_failed(d)) {
		*code = EXIT_INVARIANT;
		return NULL;
	}
	return text;
}

static int cmd_rules(struct run *run)
{
	enum family f = run->o.family ? run->o.family : FAM_V4;
	if ((f == FAM_V4 && !run->p->v4) || (f == FAM_V6 && !run->p->v6)) {
		diag_error(&run->d, "family-off", (struct loc){0}, "[global] family leaves IPv%d out: nothing to generate", f);
		return EXIT_USAGE;
	}
	struct fw_state live = {0};
	int code = EXIT_OK;
	const char *text = NULL;
	if (load_live(run, f, &live))
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
		if ((f == FAM_V4 && !run->p->v4) || (f == FAM_V6 && !run->p->v6))
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
	policy_print_config(mem, run->p);
	fclose(mem);
	int code = write_output(run->o.output, buf);
	free(buf);
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
		state_apply(&st, rs, !o->full, d);
		check_run(rs, &st, &co, d);
		state_free(&st);
	}
	sets_free(&sets);
	if (unreadable)
		return EXIT_USAGE;
	return diags_failed(d) ? EXIT_INVARIANT : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct run run = {0};
	int code = parse_args(argc, argv, &run.o);
	if (code != EXIT_OK) {
		run_free(&run);
		return code;
	}
	run.d.warnings_are_errors = run.o.werror;
	bool is_check = !strcmp(run.o.command, "check");
	/* check reads [policy] sections only when a config is named */
	if (!is_check || run.o.config || run.o.dropins) {
		run.p = load_policy(&run.o, &run.doc, &run.d);
		if (!run.p)
			code = EXIT_USAGE;
	}
	if (code == EXIT_OK) {
		if (is_check)
			code = cmd_check(&run);
		else if (!strcmp(run.o.command, "ipsets"))
			code = cmd_ipsets(&run);
		else if (!strcmp(run.o.command, "config"))
			code = cmd_config(&run);
		else
			code = cmd_rules(&run);
	}
	if (is_check && run.o.format == DIAG_JSON)
		diags_print(stdout, &run.d, DIAG_JSON);
	else
		diags_print(stderr, &run.d, DIAG_TEXT);
	run_free(&run);
	return code;
}
