/* Set members as addresses: read back from dfwgen's ipset text, compared
 * with what the kernel holds. A million of them per set. */
#ifndef DFW_MEMBERS_H
#define DFW_MEMBERS_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

/* qsort order: family, address, prefix. */
int members_cmp(const void *a, const void *b);
/* The members dfwgen's ipset text between text and end puts into SET (its
 * "add SET.n MEMBER" lines); free() the result. */
struct addr *members_from_ipset(const char *text, const char *end, const char *set, size_t *n);
/* Whether two lists hold the same members, by count and order-free digest. */
bool members_same(const struct addr *want, size_t nw, const struct addr *have, size_t nh);
/* Each member of `want` not in `have` (add) and of `have` not in `want`
 * (delete), called back; returns how many. */
size_t members_diff(const struct addr *want, size_t nw, const struct addr *have, size_t nh,
		    void (*cb)(void *arg, bool add, const struct addr *a), void *arg);

#endif
