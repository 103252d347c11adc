/* Set members as addresses: what a generation wants compared with what the
 * kernel holds. A million of them per set. */
#ifndef DFW_MEMBERS_H
#define DFW_MEMBERS_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

/* qsort order: family, address, prefix. */
int members_cmp(const void *a, const void *b);
/* Whether two sorted lists hold the same members. */
bool members_same(const struct addr *want, size_t nw, const struct addr *have, size_t nh);
/* Sorts v (IPv4 first, then address, then prefix) and drops repeats: the
 * new count; *n4: how many are IPv4. Radix and merge sorts, linear in
 * practice (docs/benchmarks.md). */
size_t members_sort_unique(struct addr *v, size_t n, size_t *n4);
/* Each member of `want` not in `have` (add) and of `have` not in `want`
 * (delete), both sorted (members_sort_unique), called back in address
 * order. Returns how many. */
size_t members_diff(const struct addr *want, size_t nw, const struct addr *have, size_t nh,
		    void (*cb)(void *arg, bool add, const struct addr *a), void *arg);

#endif
