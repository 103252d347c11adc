#include "apply.h"

#include "host.h"
#include "setload.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- differences between what the host holds and what it should ---- */

struct drift {
	int family;       /* 4, 6, or 0 for sets */
	const char *kind; /* input-jump, forward-jump, chain, set */
	char *what;
};

struct drifts {
	struct drift *v;
	size_t n, cap;
};

static void add_drift(struct drifts *ds, int family, const char *kind, char *what)
{
	VEC_PUSH(ds->v, ds->n, ds->cap, ((struct drift){family, kind, what}));
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


static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rules (keys) of one side that the other side lacks, as drift lines. */
static void one_sided(struct drifts *ds, int fam, char sign, const char *chain, char **keys, size_t n,
		      const struct rule **rules, char **other, size_t nother)
{
	/* a sorted view of the other side: chains may hold thousands of rules */
	char **sorted = xmalloc((nother + 1) * sizeof(*sorted));
	memcpy(sorted, other, nother * sizeof(*sorted));
	qsort(sorted, nother, sizeof(*sorted), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!bsearch(&keys[i], sorted, nother, sizeof(*sorted), cmp_str))
			add_drift(ds, fam, "chain", xasprintf("%c -A %s %.*s", sign, chain, (int)rules[i]->spec_len, rules[i]->spec));
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

/* "add NAME MEMBER" lines of an ipset file, for one set. */
static char **members(const char *text, const char *set, size_t *n)
{
	char **v = NULL;
	size_t cap = 0, setlen = strlen(set);
	*n = 0;
	/* a hundred thousand lines: no sscanf, no copy of the text */
	for (const char *line = text; line && *line;) {
		const char *eol = strchrnul(line, '\n');
		if (!strncmp(line, "add ", 4) && !strncmp(line + 4, set, setlen) && line[4 + setlen] == ' ') {
			const char *m = line + 5 + setlen;
			size_t len = strcspn(m, " \n");
			if (len)
				VEC_PUSH(v, *n, cap, xstrndup(m, len));
		}
		line = *eol ? eol + 1 : eol;
	}
	return v;
}

static bool in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i], s))
			return true;
	}
	return false;
}

static bool set_exists(const char *live_sets, const char *name)
{
	char *create = xasprintf("create %s ", name);
	bool exists = live_sets && strstr(live_sets, create);
	free(create);
	return exists;
}

/* How many members differ between what dfwgen's lines in `wanted` put into
 * NAME.n and what the live NAME holds; each one is reported as drift when `ds`
 * is given. Both sides sorted, then one walk: sets hold a million members. */
static size_t member_diff(const char *wanted, const char *live_sets, const char *name, struct drifts *ds)
{
	char *tmp = xasprintf("%s.n", name);
	size_t nw, nl, diffs = 0;
	char **want = members(wanted, tmp, &nw), **have = members(live_sets, name, &nl);
	qsort(want, nw, sizeof(*want), cmp_str);
	qsort(have, nl, sizeof(*have), cmp_str);
	for (size_t w = 0, h = 0; w < nw || h < nl;) {
		int c = w == nw ? 1 : h == nl ? -1 : strcmp(want[w], have[h]);
		if (c == 0) {
			w++, h++;
			continue;
		}
		diffs++;
		if (ds && c < 0)
			add_drift(ds, 0, "set", xasprintf("set %s lacks %s", name, want[w]));
		else if (ds)
			add_drift(ds, 0, "set", xasprintf("set %s holds %s, which the config does not", name, have[h]));
		c < 0 ? w++ : h++;
	}
	free_list(want, nw);
	free_list(have, nl);
	free(tmp);
	return diffs;
}

static void set_drift(struct drifts *ds, const struct plan *p, const char *live_sets)
{
	for (size_t i = 0; i < p->nset_names; i++) {
		const char *name = p->set_names[i];
		if (!set_exists(live_sets, name))
			add_drift(ds, 0, "set", xasprintf("set %s does not exist", name));
		member_diff(p->sets, live_sets, name, ds);
	}
}

static char *ipset_save(void)
{
	const char *argv[] = {"ipset", "save", NULL};
	struct cmd_result r = host_run(argv, NULL);
	char *out = r.status == 0 ? xstrdup(r.out) : NULL;
	cmd_result_free(&r);
	return out;
}

static void collect_drift(const struct plan *p, const char *live_sets, struct drifts *ds)
{
	for (int f = 0; f < 2; f++) {
		if (!p->family[f])
			continue;
		int fam = f ? 6 : 4;
		struct fw_state *live = p->live_state[f], *want = p->after_state[f];
		jump_drift(ds, fam, live, "filter", "INPUT", p->host_chain, "input-jump", true);
		jump_drift(ds, fam, live, p->guard_table, "FORWARD", p->guard_chain, "guard-jump", true);
		/* Docker 20.10 puts its own IPv6 FORWARD rules above ours on every
		 * start; while the guard is first, published ports stay filtered */
		jump_drift(ds, fam, live, "filter", "FORWARD", p->container_chain, "forward-jump",
			   !jump_first(live, p->guard_table, "FORWARD", p->guard_chain));
		chain_drift(ds, fam, live, want, "filter", p->host_chain, false);
		chain_drift(ds, fam, live, want, "filter", p->container_chain, true);
		chain_drift(ds, fam, live, want, p->guard_table, p->guard_chain, false);
	}
	set_drift(ds, p, live_sets);
}

static void print_drifts(FILE *out, const struct drifts *ds, bool json, const char *verb)
{
	if (json) {
		fprintf(out, "{\"in_sync\": %s, \"drift\": [", ds->n ? "false" : "true");
		for (size_t i = 0; i < ds->n; i++) {
			fprintf(out, "%s\n {\"family\": %d, \"kind\": \"%s\", \"what\": \"", i ? "," : "", ds->v[i].family, ds->v[i].kind);
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

static void drifts_free(struct drifts *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		free(ds->v[i].what);
	free(ds->v);
}

int apply_status(const struct plan *p, const struct apply_opts *o, FILE *out)
{
	struct drifts ds = {0};
	char *sets = ipset_save();
	collect_drift(p, sets, &ds);
	print_drifts(out, &ds, o->json, "drift");
	int code = ds.n ? 1 : 0;
	drifts_free(&ds);
	free(sets);
	return code;
}

/* ---- the state directory ---- */

static char *state_path(const struct apply_opts *o, const char *name)
{
	return xasprintf("%s/%s", o->state_dir, name);
}

static bool write_file(const char *path, const char *text)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	bool ok = f && fputs(text ? text : "", f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (f)
		ok &= fclose(f) == 0;
	ok = ok && rename(tmp, path) == 0;
	free(tmp);
	return ok;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct strbuf sb = {0};
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_addn(&sb, buf, n);
	fclose(f);
	return sb_steal(&sb);
}

/* Test hook: DFWGEN_FAULT=STEP kills the process there, as a power cut would. */
static bool fault_wanted(const char *step)
{
	const char *f = getenv("DFWGEN_FAULT");
	return f && !strcmp(f, step);
}

static void fault_point(const char *step)
{
	if (fault_wanted(step))
		kill(getpid(), SIGKILL);
}

/* ---- loading ---- */

/* Whether the live set NAME already holds exactly the members `block` (dfwgen's
 * lines for it, which fill NAME.n) adds. */
static bool same_members(const char *live_sets, const char *name, const char *block)
{
	return set_exists(live_sets, name) && member_diff(block, live_sets, name, NULL) == 0;
}

/* The parts of dfwgen's ipset file (one block per set and family, each opened
 * by a "# [set" line) whose set does not already hold what it wants: reloading
 * 100,000 unchanged entries costs a third of a second and churns the kernel. */
static char *changed_sets(const char *sets, const char *live_sets)
{
	struct strbuf out = {0};
	const char *block = sets;
	while (block && *block) {
		const char *next = strstr(block + 1, "\n# [set ");
		next = next ? next + 1 : NULL;
		size_t len = next ? (size_t)(next - block) : strlen(block);
		char *text = xstrndup(block, len), name[64] = "";
		const char *create = strstr(text, "\ncreate ");
		if (create)
			sscanf(create + 8, "%63s", name);
		if (!name[0] || !same_members(live_sets, name, text))
			sb_add(&out, text);
		free(text);
		block = next;
	}
	return sb_steal(&out);
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

/* An ipset file in three steps: `ipset restore` makes and empties the sets,
 * the members go in over netlink (ten times faster than through `ipset
 * restore`), and `ipset restore` swaps the new sets in, all after all are
 * full. Should the netlink step fail, the members go through `ipset restore`,
 * which loads them or says why not. */
static bool load_sets(const char *text, struct diags *d)
{
	struct strbuf head = {0}, members = {0}, swaps = {0};
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		struct strbuf *to = str_has_prefix(line, "add ") ? &members :
				    str_has_prefix(line, "swap ") || str_has_prefix(line, "destroy ") ? &swaps : &head;
		sb_addn(to, line, len);
		line += len;
	}
	const char *ipset[] = {"ipset", "restore", NULL};
	bool ok = run_step(ipset, head.buf ? head.buf : "", "loading the sets", d) &&
		  (!members.len || (!fault_wanted("netlink") && setload_add(members.buf)) ||
		   run_step(ipset, members.buf, "loading the sets", d)) &&
		  (!swaps.len || run_step(ipset, swaps.buf, "loading the sets", d));
	sb_free(&head);
	sb_free(&members);
	sb_free(&swaps);
	return ok;
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

/* The dfw- sets of an `ipset save`, as a file that puts them back atomically. */
static char *sets_restore_text(const char *saved)
{
	struct strbuf sb = {0};
	char *copy = xstrdup(saved ? saved : "");
	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char verb[16], name[64];
		int used = 0;
		if (sscanf(line, "%15s %63s %n", verb, name, &used) < 2 || strncmp(name, "dfw-", 4) || strstr(name, ".n"))
			continue;
		if (!strcmp(verb, "create"))
			sb_addf(&sb, "create %s %s -exist\ncreate %s.r %s -exist\nflush %s.r\n", name, line + used, name, line + used, name);
		else if (!strcmp(verb, "add"))
			sb_addf(&sb, "add %s.r %s -exist\n", name, line + used);
	}
	/* swaps last: every set is complete before any is replaced */
	char *again = xstrdup(saved ? saved : "");
	for (char *save = NULL, *line = strtok_r(again, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		if (sscanf(line, "create %63s", name) == 1 && !strncmp(name, "dfw-", 4) && !strstr(name, ".n"))
			sb_addf(&sb, "swap %s.r %s\ndestroy %s.r\n", name, name, name);
	}
	free(copy);
	free(again);
	return sb_steal(&sb);
}

/* dfw- sets nobody wants: not among `keep`. Destroying a set a rule still
 * uses fails; that is fine, it stays. */
static void destroy_sets_except(char **keep, size_t nkeep, const char *keep_text)
{
	const char *argv[] = {"ipset", "list", "-n", NULL};
	struct cmd_result r = host_run(argv, NULL);
	char *copy = xstrdup(r.out ? r.out : "");
	for (char *save = NULL, *name = strtok_r(copy, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		if (strncmp(name, "dfw-", 4) || in_list(keep, nkeep, name) || set_exists(keep_text, name))
			continue;
		const char *destroy[] = {"ipset", "destroy", name, NULL};
		struct cmd_result dr = host_run(destroy, NULL);
		cmd_result_free(&dr);
	}
	free(copy);
	cmd_result_free(&r);
}

/* Puts back exactly what was saved: the filter tables, then dfwgen's sets. */
static bool roll_back(const char *backend, const char *state_dir, struct diags *d)
{
	bool ok = true;
	for (int f = 0; f < 2; f++) {
		char *path = xasprintf("%s/%s", state_dir, f ? "saved.v6" : "saved.v4");
		char *text = read_file(path);
		free(path);
		if (text)
			ok &= load_rules(backend, f, text, false, d);
		free(text);
	}
	char *path = xasprintf("%s/saved.sets", state_dir);
	char *saved = read_file(path);
	free(path);
	char *restore = sets_restore_text(saved);
	const char *argv[] = {"ipset", "restore", NULL};
	if (*restore)
		ok &= run_step(argv, restore, "restoring the saved sets", d);
	destroy_sets_except(NULL, 0, saved ? saved : "");
	free(restore);
	free(saved);
	return ok;
}

/* The signal that ended a wait for confirmation: a dropped SSH session
 * (SIGHUP), Ctrl-C, systemctl stop. Only the handler writes it. */
static volatile sig_atomic_t wait_signal;

static void note_signal(int sig)
{
	wait_signal = sig;
}

enum confirmation { CONFIRMED, TIMED_OUT, INTERRUPTED };

/* Waits for `dfwgen confirm` (or "yes" on a terminal). The flag file was
 * cleared before the rules were loaded, so a confirm that arrived while they
 * were loading counts. */
static enum confirmation confirmed(const struct apply_opts *o, int seconds)
{
	char *flag = state_path(o, "confirmed");
	static const int signals[] = {SIGHUP, SIGINT, SIGTERM};
	struct sigaction on = {.sa_handler = note_signal}, old[3];
	sigemptyset(&on.sa_mask);
	wait_signal = 0;
	for (int i = 0; i < 3; i++)
		sigaction(signals[i], &on, &old[i]);
	bool tty = isatty(0), defaults = !strcmp(o->state_dir, DFW_STATE_DIR);
	/* said whether or not a person watches: ssh host dfwgen apply --confirm, Ansible */
	fprintf(stderr, "dfwgen: the new rules are in force; keep them within %d seconds with: dfwgen confirm%s%s%s\n"
		"dfwgen: otherwise, or on a hangup, Ctrl-C or SIGTERM, the previous ruleset is put back\n", seconds,
		defaults ? "" : " --state-dir '", defaults ? "" : o->state_dir, defaults ? "" : "'");
	if (tty)
		fprintf(stderr, "dfwgen: (or type yes here)\n");
	bool ok = false;
	for (time_t end = time(NULL) + seconds; !ok && !wait_signal && time(NULL) < end;) {
		struct pollfd pf = {.fd = tty ? 0 : -1, .events = POLLIN};
		if (poll(&pf, 1, 100) > 0 && (pf.revents & POLLIN)) {
			char line[64] = "";
			if (fgets(line, sizeof(line), stdin) && !strncmp(line, "yes", 3))
				ok = true;
		}
		struct stat st;
		ok |= stat(flag, &st) == 0;
	}
	unlink(flag);
	free(flag);
	for (int i = 0; i < 3; i++)
		sigaction(signals[i], &old[i], NULL);
	return ok ? CONFIRMED : wait_signal ? INTERRUPTED : TIMED_OUT;
}

int apply_run(const struct plan *p, const struct apply_opts *o, struct diags *d)
{
	if (o->dry_run) {
		struct drifts ds = {0};
		char *sets = ipset_save();
		collect_drift(p, sets, &ds);
		print_drifts(stdout, &ds, o->json, "would change");
		drifts_free(&ds);
		free(sets);
		return 0;
	}
	char *pending = state_path(o, "pending"), *flag = state_path(o, "confirmed");
	unlink(flag); /* an old confirmation must not count; a new one may come while loading */
	free(flag);
	char *sets_before = ipset_save(), *sets_todo = NULL;
	char *p4 = state_path(o, "saved.v4"), *p6 = state_path(o, "saved.v6"), *ps = state_path(o, "saved.sets");
	unlink(p4);
	unlink(p6);
	bool saved = write_file(ps, sets_before) && (!p->family[0] || write_file(p4, p->live[0])) &&
		     (!p->family[1] || write_file(p6, p->live[1])) && write_file(pending, "");
	free(p4);
	free(p6);
	free(ps);
	int code = 0;
	if (!saved) {
		diag_error(d, "apply-failed", (struct loc){0}, "cannot save the current state in %s: %s", o->state_dir, strerror(errno));
		code = 2;
	} else if (!(sets_todo = changed_sets(p->sets, sets_before)) ||
		   (*sets_todo && !load_sets(sets_todo, d))) {
		code = 2;
	} else {
		fault_point("after-sets");
		for (int f = 0; f < 2 && !code; f++) {
			if (p->family[f] && !load_rules(p->backend, f, p->rules[f], true, d))
				code = 2;
			fault_point(f ? "after-v6" : "after-v4");
		}
	}
	enum confirmation c = !code && o->confirm_seconds > 0 ? confirmed(o, o->confirm_seconds) : CONFIRMED;
	if (c == TIMED_OUT)
		diag_error(d, "not-confirmed", (struct loc){0}, "not confirmed within %d seconds: the previous "
			   "ruleset is back", o->confirm_seconds);
	else if (c == INTERRUPTED)
		diag_error(d, "not-confirmed", (struct loc){0}, "interrupted by %s before the rules were confirmed: "
			   "the previous ruleset is back", strsignal(wait_signal));
	if (c != CONFIRMED)
		code = 1;
	if (code && saved && !roll_back(p->backend, o->state_dir, d))
		diag_error(d, "apply-failed", (struct loc){0}, "rolling back failed too: the saved state is in %s", o->state_dir);
	else if (!code)
		destroy_sets_except(p->set_names, p->nset_names, NULL);
	if (saved)
		unlink(pending);
	free(pending);
	free(sets_before);
	free(sets_todo);
	return code;
}

int apply_begin(const char *state_dir, const char *backend, struct diags *d)
{
	char err[512];
	int lock = host_lock(state_dir, err, sizeof(err));
	if (lock < 0) {
		diag_error(d, "apply-failed", (struct loc){0}, "%s", err);
		return -1;
	}
	char *pending = xasprintf("%s/pending", state_dir);
	struct stat st;
	if (stat(pending, &st) == 0) {
		diag_note(d, "apply-recovered", (struct loc){0}, "an earlier apply did not finish: restoring what it saved first");
		if (roll_back(backend, state_dir, d))
			unlink(pending);
	}
	free(pending);
	return lock;
}

int apply_confirm(const char *state_dir, struct diags *d)
{
	char *flag = xasprintf("%s/confirmed", state_dir), *lock = xasprintf("%s/pending", state_dir);
	struct stat st;
	int code = 0;
	if (stat(lock, &st) != 0) {
		diag_error(d, "nothing-to-confirm", (struct loc){0}, "nothing to confirm: no apply --confirm is "
			   "waiting (state directory %s)", state_dir);
		code = 1;
	} else if (!write_file(flag, "")) {
		diag_error(d, "apply-failed", (struct loc){0}, "cannot write %s: %s", flag, strerror(errno));
		code = 2;
	} else {
		fprintf(stderr, "dfwgen: confirmed: the waiting apply keeps its rules\n");
	}
	free(flag);
	free(lock);
	return code;
}
