#include "options.h"

#include "iptcat.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: dfwgen [options] [rules]     iptables-restore input (-6: ip6tables-restore input)\n"
	"       dfwgen [options] ipsets      ipset restore input, both families\n"
	"       dfwgen [options] config      the merged configuration, each value with its file:line\n"
	"       dfwgen check [options] [FILE...]  check restore files (no FILE or -: standard input)\n"
	"       dfwgen [options] apply       generate, validate and load sets and rules; roll back on failure\n"
	"       dfwgen confirm               keep what a waiting 'apply --confirm' loaded\n"
	"       dfwgen [options] status      0 in sync, 1 drift, 2 cannot tell\n"
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
	"apply and status:\n"
	"  --state-dir DIR   saved state, lock, confirmation (default /var/lib/dfwgen)\n"
	"  --backend nft|legacy  the iptables flavour (default: the one Docker uses)\n"
	"  --confirm SECONDS roll back unless confirmed within SECONDS\n"
	"  --dry-run         print what would change, change nothing\n"
	"  --adopt           remove rules in dfwgen's chains that dfwgen did not write\n"
	"                    (without it, apply refuses and names them)\n"
	"  --hook            for hooks: wait for the lock at most 20 s; never load a\n"
	"                    generation that was not confirmed (keep the confirmed one)\n"
	"  --boot            --hook, and if the configuration cannot be applied: the\n"
	"                    confirmed generation, else a fail-closed ruleset\n"
	"  --format text|json  status and --dry-run output\n"
	"  --no-strict-modes  as root, read config, rules.d, templates and list files\n"
	"                 even when others could write them (or the directories above)\n"
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

static const char *const commands[] = {"rules", "ipsets", "config", "check", "apply", "confirm", "status", NULL};

/* A number from lo to hi, or -1. */
static long number_in(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= lo && v <= hi ? v : -1;
}

/* One option (or a word: the command, or a file to check). */
static int take_option(int c, const char *arg, struct options *o)
{
	long v;
	switch (c) {
	case 1:
		if (!o->command && in_words(arg, commands))
			o->command = arg;
		else if (o->command && !strcmp(o->command, "check"))
			VEC_PUSH(o->files, o->nfiles, o->files_cap, arg);
		else
			return usage_error("unknown command '%s'", arg);
		break;
	case 'c': o->config = arg; break;
	case 'd': o->dropins = arg; break;
	case 't': o->templates = arg; break;
	case 'o': o->output = arg; break;
	case 'L': o->live = arg; break;
	case 'S': o->state_dir = arg; break;
	case 'N': o->dry_run = true; break;
	case 'H': o->hook = true; break;
	case 'O': o->boot = true; break;
	case 'A': o->adopt = true; break;
	case 'M': o->lax_modes = true; break;
	case 'F': o->full = true; break;
	case '4': o->family = FAM_V4; break;
	case '6': o->family = FAM_V6; break;
	case 's': VEC_PUSH(o->set_files, o->nset_files, o->set_cap, arg); break;
	case 'B':
		if (strcmp(arg, "nft") && strcmp(arg, "legacy"))
			return usage_error("--backend takes nft or legacy, not '%s'", arg);
		o->backend = arg;
		break;
	case 'C':
		if ((v = number_in(arg, 1, 86400)) < 0)
			return usage_error("--confirm takes 1 to 86400 seconds, not '%s'", arg);
		o->confirm_seconds = (int)v;
		break;
	case 'W':
		if (strcmp(arg, "error"))
			return usage_error("-W takes 'error', not '%s'", arg);
		o->werror = true;
		break;
	case 'f':
		if (strcmp(arg, "json") && strcmp(arg, "text"))
			return usage_error("--format takes text or json, not '%s'", arg);
		o->format = strcmp(arg, "json") ? DIAG_TEXT : DIAG_JSON;
		break;
	case 'P':
		if ((v = number_in(arg, 0, 65535)) < 0)
			return usage_error("--ssh-port takes 0 to 65535, not '%s'", arg);
		o->ssh_port = (unsigned)v;
		o->ssh_port_set = true;
		break;
	}
	return EXIT_OK;
}

/* Each option belongs to some commands only: given to another, it is an error. */
static int check_scope(const struct options *o)
{
	bool is_check = !strcmp(o->command, "check");
	bool touches_host = !strcmp(o->command, "apply") || !strcmp(o->command, "status");
	if (!is_check && (o->nset_files || o->full || o->werror || o->ssh_port_set))
		return usage_error("-s, --full, -W and --ssh-port belong to 'check', not '%s'", o->command);
	if (!is_check && !touches_host && o->format == DIAG_JSON)
		return usage_error("--format belongs to check, status and apply, not '%s'", o->command);
	if (!touches_host && strcmp(o->command, "confirm") && (o->state_dir || o->backend || o->confirm_seconds || o->dry_run))
		return usage_error("--state-dir, --backend, --confirm and --dry-run belong to apply and status, not '%s'", o->command);
	if (strcmp(o->command, "apply") && (o->hook || o->boot || o->adopt))
		return usage_error("--hook, --boot and --adopt belong to apply, not '%s'", o->command);
	if (touches_host && (o->live || o->output || o->family))
		return usage_error("%s", "apply and status read the live rules themselves and handle both families: "
				   "--live, -o, -4 and -6 do not apply");
	if (is_check && (o->live || o->output || o->templates))
		return usage_error("%s", "--live, -o and -t do not apply to 'check'");
	return EXIT_OK;
}

int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"live", required_argument, NULL, 'L'}, {"full", no_argument, NULL, 'F'},
		{"state-dir", required_argument, NULL, 'S'}, {"backend", required_argument, NULL, 'B'},
		{"confirm", required_argument, NULL, 'C'}, {"dry-run", no_argument, NULL, 'N'},
		{"format", required_argument, NULL, 'f'}, {"ssh-port", required_argument, NULL, 'P'},
		{"hook", no_argument, NULL, 'H'}, {"boot", no_argument, NULL, 'O'}, {"adopt", no_argument, NULL, 'A'},
		{"no-strict-modes", no_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-c:d:t:o:s:W:46hV", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(EXIT_OK);
		}
		if (c == 'V') {
			puts("dfwgen " DFW_VERSION);
			exit(EXIT_OK);
		}
		if (c == '?' || c == ':')
			return usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
		if (take_option(c, optarg, o) != EXIT_OK)
			return EXIT_USAGE;
	}
	if (!o->command)
		o->command = "rules";
	return check_scope(o);
}
