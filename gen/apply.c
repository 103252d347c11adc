#include "apply.h"

#include "backend.h"
#include "drift.h"
#include "host.h"
#include "render.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A hangup (a dropped SSH session), Ctrl-C or systemctl stop from the moment
 * a generation is pending until apply is done: noted, never fatal half-way;
 * the apply then rolls back. Only the handler writes it. */
static volatile sig_atomic_t got_signal;

static void note_signal(int sig)
{
	got_signal = sig;
}

static const int stop_signals[] = {SIGHUP, SIGINT, SIGTERM};

static void catch_signals(struct sigaction old[3])
{
	struct sigaction on = {.sa_handler = note_signal};
	sigemptyset(&on.sa_mask);
	got_signal = 0;
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &on, &old[i]);
}

static void release_signals(const struct sigaction old[3])
{
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &old[i], NULL);
}

enum confirmation { CONFIRMED, TIMED_OUT, INTERRUPTED };

/* Waits for `dfwgen confirm` (or "yes" on a terminal). The flag file was
 * removed before the rules were loaded, so a confirm that arrived while they
 * were loading counts. */
static enum confirmation confirmed(const struct applying *a, const struct apply_opts *o, int seconds)
{
	bool tty = isatty(0), defaults = !strcmp(o->state_dir, DFW_STATE_DIR);
	/* said whether or not a person watches: ssh host dfwgen apply --confirm, Ansible */
	fprintf(stderr, "dfwgen: the new rules are in force; keep them within %d seconds with: dfwgen confirm%s%s%s\n"
		"dfwgen: otherwise, or on a hangup, Ctrl-C or SIGTERM, the previous ruleset is put back\n", seconds,
		defaults ? "" : " --state-dir '", defaults ? "" : o->state_dir, defaults ? "" : "'");
	if (tty)
		fprintf(stderr, "dfwgen: (or type yes here)\n");
	bool ok = false;
	for (time_t end = time(NULL) + seconds; !ok && !got_signal && time(NULL) < end;) {
		struct pollfd pf = {.fd = tty ? 0 : -1, .events = POLLIN};
		if (poll(&pf, 1, 100) > 0 && (pf.revents & POLLIN)) {
			char line[64] = "";
			if (fgets(line, sizeof(line), stdin) && !strncmp(line, "yes", 3))
				ok = true;
		}
		ok |= state_exists(&a->sd, "confirmed");
	}
	state_remove(&a->sd, "confirmed");
	return ok ? CONFIRMED : got_signal ? INTERRUPTED : TIMED_OUT;
}

/* The confirmed generation, if any (a damaged one is said and not used). */
static bool current_generation(const struct applying *a, struct generation *g, struct diags *d)
{
	char id[GEN_ID_LEN + 1], err[512];
	if (!state_get_id(&a->sd, "current", id))
		return false;
	if (state_load_generation(&a->sd, id, g, err, sizeof(err)))
		return true;
	diag_warn(d, "state-damaged", (struct loc){0}, "%s: the confirmed generation cannot be used", err);
	return false;
}

/* --dry-run: what apply would change; 0 nothing, 1 something. */
static int say_dry_run(const struct applying *a, const struct plan *p, const struct apply_opts *o)
{
	struct drifts ds = {0};
	drift_collect(p, &ds);
	drift_state(a ? &a->sd : NULL, p, &ds);
	drift_print(stdout, &ds, o->json, "would change");
	int code = ds.n ? 1 : 0;
	drifts_free(&ds);
	return code;
}

/* One apply: the generation to load, the confirmed one, what is dfwgen's. */
struct apply_ctx {
	struct applying *a;
	const struct plan *p;
	const struct apply_opts *o;
	const struct generation *g;
	const struct generation *cur; /* the confirmed one: NULL (none), g itself, or &stored */
	struct generation stored;
	int cur_fd;                   /* stored's file, kept open */
	struct owned ow;
};

/* The confirmed generation: g itself when it is g and its stored copy is
 * whole (an unchanged apply reads no 40 MB back), else only its rules, from
 * its file kept open; the rest is read (and checked) when it is loaded
 * again (whole_cur). NULL: none, or a damaged one (a warning). */
static const struct generation *confirmed_generation(struct apply_ctx *x, struct diags *d)
{
	char id[GEN_ID_LEN + 1];
	if (!state_get_id(&x->a->sd, "current", id))
		return NULL;
	if (!strcmp(id, x->g->id) && state_holds_generation(&x->a->sd, x->g))
		return x->g;
	x->cur_fd = state_open_generation(&x->a->sd, id);
	if (x->cur_fd >= 0 && generation_read_rules(x->cur_fd, id, &x->stored))
		return &x->stored;
	/* rules past the first 4 MB, or damage: read whole, which says what is wrong */
	return current_generation(x->a, &x->stored, d) ? &x->stored : NULL;
}

/* The confirmed generation whole, before it is loaded again: x->cur may
 * hold only its rules. Its file was kept open: a state directory deleted
 * meanwhile does not take it away. NULL when it is damaged (a warning: the
 * rollback then removes dfwgen's objects, as with none). */
static const struct generation *whole_cur(struct apply_ctx *x, struct diags *d)
{
	const char *why;
	if (x->cur == &x->stored && !x->stored.sets) {
		char id[GEN_ID_LEN + 1];
		snprintf(id, sizeof(id), "%s", x->stored.id);
		generation_free(&x->stored);
		x->cur = generation_read(x->cur_fd, id, &x->stored, &why) ? &x->stored : NULL;
		if (!x->cur)
			diag_warn(d, "state-damaged", (struct loc){0}, "%s/gen-%s is damaged (%s): the confirmed generation "
				  "cannot be used", x->o->state_dir, id, why);
	}
	return x->cur;
}

/* --hook and --boot never load a rejected generation: the confirmed one
 * goes back in instead. */
static int keep_confirmed(struct apply_ctx *x, time_t when, struct diags *d)
{
	char stamp[64];
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime(&when));
	diag_warn(d, "rejected-generation", (struct loc){0}, "the configuration makes generation %s, which was not "
		  "confirmed (rejected %s): hooks and boot never load it; a person's 'dfwgen apply' does", x->g->id, stamp);
	if (!whole_cur(x, d)) {
		diag_error(d, "nothing-confirmed", (struct loc){0}, "and no generation was ever confirmed: nothing to "
			   "keep in force");
		return 1;
	}
	struct load_summary sum = {0};
	bool ok = load_generation(x->p, x->cur, &x->ow, &sum, NULL, NULL, NULL, d);
	sb_free(&sum.destroyed);
	if (!ok)
		return 2;
	fprintf(stderr, "dfwgen: the confirmed generation %s is in force\n", x->cur->id);
	return 0;
}

/* What the load and the confirmation came to: 0 in force, 1 not confirmed
 * (rolled back, marked rejected), 2 failed. */
static int verdict(const struct apply_ctx *x, bool loaded, enum confirmation c, struct diags *d)
{
	const char *back = x->cur ? "the previous ruleset is back (the confirmed generation)" :
					 "the previous ruleset is back (none was confirmed: dfwgen's rules are removed)";
	if (!loaded && c != INTERRUPTED)
		return 2;
	if (c == TIMED_OUT)
		diag_error(d, "not-confirmed", (struct loc){0}, "not confirmed within %d seconds: %s; generation %s is "
			   "marked rejected", x->o->confirm_seconds, back, x->g->id);
	else if (c == INTERRUPTED)
		diag_error(d, "not-confirmed", (struct loc){0}, "interrupted by %s before the rules were confirmed: %s; "
			   "generation %s is marked rejected", strsignal(got_signal), back, x->g->id);
	return c == TIMED_OUT || c == INTERRUPTED ? 1 : 0;
}

/* Loads the generation, waits for its confirmation, then makes it current
 * or puts the confirmed one back. pending is written first and removed
 * last: a crash in between is recovered by the next apply. */
static int load_and_confirm(struct apply_ctx *x, struct diags *d)
{
	const struct generation *g = x->g;
	struct sigaction old_actions[3];
	catch_signals(old_actions);
	char *pending = xasprintf("%s\n", g->id);
	/* the confirmed generation again (nothing changed): stored already */
	bool saved = ((x->cur && !strcmp(x->cur->id, g->id)) || state_save_generation(&x->a->sd, g)) &&
		     state_write(&x->a->sd, "pending", pending);
	free(pending);
	if (!saved) {
		release_signals(old_actions);
		diag_error(d, "apply-failed", (struct loc){0}, "cannot record generation %s in %s: %s; nothing changed",
			   g->id, x->o->state_dir, strerror(errno));
		return 2;
	}
	/* an old confirmation must not count; a new one may come while loading */
	state_remove(&x->a->sd, "confirmed");
	struct set_names sets_before;
	host_set_names(&sets_before);
	/* chains already as the generation makes them are not reloaded */
	bool in_sync[2] = {drift_family_in_sync(x->p, 0), drift_family_in_sync(x->p, 1)};
	struct load_summary sum = {0};
	bool loaded = load_generation(x->p, g, &x->ow, &sum, NULL, in_sync, x->p->early, d);
	enum confirmation c = !loaded || got_signal ? (got_signal ? INTERRUPTED : CONFIRMED) :
			      x->o->confirm_seconds > 0 ? confirmed(x->a, x->o, x->o->confirm_seconds) : CONFIRMED;
	if (!loaded || c != CONFIRMED)
		whole_cur(x, d); /* to roll back to */
	int code = verdict(x, loaded, c, d);
	if (code == 1)
		state_reject(&x->a->sd, g->id);
	fault_point("before-commit");
	bool rolled_back = !code || load_generation(x->p, x->cur, &x->ow, NULL, &sets_before,
						    NULL, NULL, d);
	set_names_free(&sets_before);
	if (!rolled_back) {
		diag_error(d, "apply-failed", (struct loc){0}, "rolling back failed too: run 'dfwgen apply' again (the "
			   "next apply first puts back the confirmed generation)");
		release_signals(old_actions);
		sb_free(&sum.destroyed);
		return code; /* pending stays: the next apply recovers */
	}
	if (!code)
		state_unreject(&x->a->sd, g->id);
	if (!code && !state_write(&x->a->sd, "current", g->id)) {
		diag_error(d, "apply-failed", (struct loc){0}, "the rules are loaded but %s/current cannot be written: %s",
			   x->o->state_dir, strerror(errno));
		code = 2;
	}
	state_remove(&x->a->sd, "pending");
	/* kept: the generation in force now */
	state_prune(&x->a->sd, code ? (x->cur ? x->cur->id : "") : g->id, NULL);
	release_signals(old_actions);
	if (got_signal && !code)
		fprintf(stderr, "dfwgen: %s came after the rules were in force: they stay\n", strsignal(got_signal));
	if (!code)
		load_summary_print(stderr, g->id, &sum);
	sb_free(&sum.destroyed);
	return code;
}

int apply_run(struct applying *a, const struct plan *p, const struct apply_opts *o, struct diags *d)
{
	if (o->dry_run)
		return say_dry_run(a, p, o);
	struct apply_ctx x = {.a = a, .p = p, .o = o, .g = &p->gen, .cur_fd = -1};
	x.cur = confirmed_generation(&x, d);
	owned_add_generation(&x.ow, x.g);
	owned_add_generation(&x.ow, x.cur != x.g ? x.cur : NULL);
	int code;
	time_t when;
	size_t foreign;
	if (o->hook && state_rejected(&a->sd, x.g->id, &when)) {
		code = keep_confirmed(&x, when, d);
	} else if ((foreign = foreign_everywhere(x.p, &x.ow, x.o->adopt, d)) && !o->adopt) {
		diag_error(d, "foreign-rule", (struct loc){0}, "nothing changed: %zu rule%s in dfwgen's chains %s not "
			   "dfwgen's; move %s out of %s, %s, %s (or let apply remove %s: --adopt)", foreign,
			   foreign == 1 ? "" : "s", foreign == 1 ? "is" : "are", foreign == 1 ? "it" : "them", HOST_CHAIN,
			   CONTAINER_CHAIN, GUARD_CHAIN, foreign == 1 ? "it" : "them");
		code = 2;
	} else {
		code = load_and_confirm(&x, d);
	}
	owned_free(&x.ow);
	generation_free(&x.stored);
	if (x.cur_fd >= 0)
		close(x.cur_fd);
	return code;
}

/* After a crash: the generation that was being applied never got confirmed
 * (it is marked rejected); the confirmed one goes back in, sets first. */
static bool recover(struct applying *a, const struct plan *p, struct diags *d)
{
	char pending[GEN_ID_LEN + 1], err[512];
	if (!state_exists(&a->sd, "pending"))
		return true;
	struct generation cur = {0}, pen = {0};
	bool have_cur = current_generation(a, &cur, d), have_pen = state_get_id(&a->sd, "pending", pending);
	if (have_pen && !state_load_generation(&a->sd, pending, &pen, err, sizeof(err)))
		have_pen = false;
	if (have_pen && (!have_cur || strcmp(pen.id, cur.id)))
		state_reject(&a->sd, pen.id);
	diag_note(d, "apply-recovered", (struct loc){0}, "an earlier apply did not finish: restoring %s first",
		  have_cur ? "the confirmed generation" : "the state before dfwgen (no generation was confirmed)");
	struct owned ow = {0};
	owned_add_generation(&ow, have_cur ? &cur : NULL);
	owned_add_generation(&ow, have_pen ? &pen : NULL);
	bool ok = load_generation(p, have_cur ? &cur : NULL, &ow, NULL, NULL, NULL, NULL, d);
	if (ok)
		state_remove(&a->sd, "pending");
	owned_free(&ow);
	generation_free(&cur);
	generation_free(&pen);
	return ok;
}

int apply_begin(struct applying *a, const struct apply_opts *o, const char *backend, struct diags *d)
{
	char err[PATH_MAX + 256];
	a->lock = -1;
	if (!state_open(&a->sd, o->state_dir, true, err, sizeof(err))) {
		diag_error(d, "unsafe-state", (struct loc){0}, "%s", err);
		return -1;
	}
	/* hooks never hold apt or Docker for long behind an apply --confirm */
	a->lock = host_lock(a->sd.fd, o->state_dir, o->hook ? HOOK_LOCK_SECONDS : 0, err, sizeof(err));
	if (a->lock < 0) {
		diag_error(d, "apply-failed", (struct loc){0}, "%s", err);
		return -1;
	}
	struct plan p = {.backend = backend};
	return recover(a, &p, d) ? 0 : -1;
}

int apply_fall_back(struct applying *a, const char *backend, unsigned ssh_port, struct diags *d)
{
	struct plan p = {.backend = backend};
	struct generation cur = {0}, closed = {0};
	struct owned ow = {0};
	if (a->sd.fd >= 0 && a->lock < 0) {
		/* another apply holds the lock (a person's --confirm): it owns the
		 * firewall now; loading anything beside it would race it */
		diag_error(d, "boot-fallback", (struct loc){0}, "at boot: another dfwgen apply holds the lock; it is "
			   "left to finish, nothing loaded");
		return 1;
	}
	bool have_cur = a->lock >= 0 && current_generation(a, &cur, d);
	owned_add_generation(&ow, have_cur ? &cur : NULL);
	if (have_cur && load_generation(&p, &cur, &ow, NULL, NULL, NULL, NULL, d)) {
		diag_error(d, "boot-fallback", (struct loc){0}, "at boot: the configuration could not be applied; the last "
			   "confirmed generation %s is in force instead", cur.id);
		generation_free(&cur);
		owned_free(&ow);
		return 0;
	}
	closed.family[0] = closed.family[1] = true;
	closed.body[0] = render_fail_closed(FAM_V4, ssh_port);
	closed.body[1] = render_fail_closed(FAM_V6, ssh_port);
	closed.sets = xstrdup("");
	bool ok = load_family(&p, 0, closed.body[0], &ow, NULL, d);
	bool ok6 = load_family(&p, 1, closed.body[1], &ow, NULL, d);
	diag_error(d, "boot-fallback", (struct loc){0}, "at boot: %s; the fail-closed ruleset is in force%s: only "
		   "established traffic, loopback and SSH (port %u) reach the host, nothing is forwarded. Fix the "
		   "configuration, then: dfwgen apply && systemctl start docker",
		   have_cur ? "neither the configuration nor the confirmed generation could be loaded" :
			      "the configuration could not be applied and no generation was ever confirmed",
		   ok && ok6 ? "" : ok ? " (IPv4 only: the IPv6 rules could not be loaded)" : " (FAILED to load)", ssh_port);
	generation_free(&cur);
	generation_free(&closed);
	owned_free(&ow);
	return 1;
}

void apply_end(struct applying *a)
{
	if (a->lock >= 0)
		close(a->lock);
	a->lock = -1;
	state_close(&a->sd);
}

int apply_confirm(const char *state_dir, struct diags *d)
{
	struct state_dir sd;
	char err[PATH_MAX + 256];
	int code = 0;
	if (!state_open(&sd, state_dir, false, err, sizeof(err)) || !state_exists(&sd, "pending")) {
		diag_error(d, "nothing-to-confirm", (struct loc){0}, "nothing to confirm: no apply --confirm is "
			   "waiting (state directory %s)", state_dir);
		code = 1;
	} else if (!state_write(&sd, "confirmed", "")) {
		diag_error(d, "apply-failed", (struct loc){0}, "cannot write %s/confirmed: %s", state_dir, strerror(errno));
		code = 2;
	} else {
		fprintf(stderr, "dfwgen: confirmed: the waiting apply keeps its rules\n");
	}
	state_close(&sd);
	return code;
}
