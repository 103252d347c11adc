/* Set members as addresses: what a generation wants compared with what the
 * kernel holds. A million of them per set. */
#ifndef DFW_MEMBERS_H
#define DFW_MEMBERS_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

/* qsort order: family, address, prefix. */
int members_cmp(const void *a, const void *b);
/* Whether two lists hold the same members, by count and order-free digest. */
bool members_same(const struct addr *want, size_t nw, const struct addr *have, size_t nh);
/* Each member of `want` not in `have` (add) and of `have` not in `want`
 * (delete), called back; returns how many. */
size_t members_diff(const struct addr *want, size_t nw, const struct addr *have, size_t nh,
		    void (*cb)(void *arg, bool add, const struct addr *a), void *arg);

#endif
