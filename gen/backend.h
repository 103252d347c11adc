/* The backend: how a generation gets into the kernel and what of the
 * kernel's state is dfwgen's. Its one implementation today is
 * iptables-restore + ipset (set members over netlink); apply.c's
 * transaction (lock, pending, confirm, rollback, recovery, boot) calls
 * only these. An nftables backend would implement the same calls
 * (docs/design.md). */
#ifndef DFW_BACKEND_H
#define DFW_BACKEND_H

#include "apply.h"
#include "host.h"
#include "util.h"

#include <stdio.h>

/* The rules dfwgen wrote into its chains (and DOCKER-USER), by key: those of
 * the generation being loaded and of the confirmed one. A rule carrying a
 * "dfwgen:" comment is dfwgen's too (an earlier version's, or a generation
 * that is gone). */
struct owned {
	char **keys;
	size_t n, cap;
};

/* Adds g's rules (g NULL: nothing). */
void owned_add_generation(struct owned *ow, const struct generation *g);
/* Whether r is dfwgen's (arg: a struct owned). */
bool owned_has(const struct rule *r, void *arg);
void owned_free(struct owned *ow);

/* Rules in dfwgen's chains that are not dfwgen's, in both families (in one
 * that is off too): each named; with adopt they are removed by the next
 * load, without it apply refuses. How many. */
size_t foreign_everywhere(const struct plan *p, const struct owned *ow, bool adopt, struct diags *d);

/* What a load did, for the one line apply says. */
enum family_load { FAMILY_UNCHANGED, FAMILY_LOADED, FAMILY_REMOVED, FAMILY_OFF };

struct load_summary {
	enum family_load family[2];
	size_t rebuilt, in_place, added, deleted; /* sets, and members changed in place */
	struct strbuf destroyed;                   /* the dfw- sets destroyed, comma-separated */
};

void load_summary_print(FILE *out, const char *id, const struct load_summary *sum);

/* Puts generation g in force, object by object: its sets first, then each
 * family's chains and jumps (a family g leaves out loses dfwgen's objects),
 * then the dfw- sets it does not use go (but those spare_sets names: a
 * rollback keeps the sets that were there before the apply). g NULL:
 * dfwgen's objects are removed everywhere. in_sync (NULL: none): families
 * whose chains already are g's, not reloaded. early (NULL: none): the sets
 * as listed before this run changed anything, for the run's first load
 * only. sum (NULL: a quiet load, a
 * rollback's): what was done, and a note for a family removed. */
bool load_generation(const struct plan *p, const struct generation *g, const struct owned *ow,
		     struct load_summary *sum, const struct set_names *spare_sets, const bool in_sync[2],
		     struct set_listings *early, struct diags *d);
/* One family: the body with its jumps fixed against the tables as they are
 * now (Docker may move FORWARD meanwhile: three tries), or (body NULL)
 * dfwgen's objects removed. *removed (may be NULL): something was removed. */
bool load_family(const struct plan *p, int f, const char *body, const struct owned *ow, bool *removed,
		 struct diags *d);

#endif
