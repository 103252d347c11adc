#include "members.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

int members_cmp(const void *a, const void *b)
{
	const struct addr *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	int c = memcmp(x->bytes, y->bytes, sizeof(x->bytes));
	return c ? c : x->prefix - y->prefix;
}

static uint64_t addr_hash(const struct addr *a)
{
	return hash_bytes(a->bytes, sizeof(a->bytes)) ^ (uint64_t)a->prefix << 8 ^ (uint64_t)a->family;
}

/* An order-free digest of a member list (each member hashed, summed): two
 * lists of the same length and digest hold the same members, and the
 * common case, nothing changed, then needs no hash table (at a million
 * members that table cost 0.15 s of random memory access). */
static uint64_t members_digest(const struct addr *v, size_t n)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += hash_mix(addr_hash(&v[i]));
	return sum;
}

bool members_same(const struct addr *want, size_t nw, const struct addr *have, size_t nh)
{
	return nw == nh && members_digest(want, nw) == members_digest(have, nh);
}

/* The difference between what a set should hold and what it holds: `want`
 * not in `have` (adds, in want's order) and `have` not in `want` (dels, in
 * have's order), each called back. One hash table over `want`, one walk
 * over `have`: the kernel lists a set in its hash order, and sorting a
 * million members cost a quarter of a second. Returns how many. */
size_t members_diff(const struct addr *want, size_t nw, const struct addr *have, size_t nh,
			   void (*cb)(void *arg, bool add, const struct addr *a), void *arg)
{
	size_t nslots = 16, diffs = 0;
	while (nslots < nw * 2)
		nslots *= 2;
	size_t *slots = xcalloc(nslots, sizeof(*slots)); /* position in want + 1 */
	bool *seen = xcalloc(nw + 1, sizeof(*seen));
	for (size_t i = 0; i < nw; i++) {
		size_t k = addr_hash(&want[i]) & (nslots - 1);
		while (slots[k] && members_cmp(&want[slots[k] - 1], &want[i]))
			k = (k + 1) & (nslots - 1);
		if (!slots[k])
			slots[k] = i + 1;
		else
			seen[i] = true; /* a duplicate: counted once */
	}
	for (size_t h = 0; h < nh; h++) {
		size_t k = addr_hash(&have[h]) & (nslots - 1);
		while (slots[k] && members_cmp(&want[slots[k] - 1], &have[h]))
			k = (k + 1) & (nslots - 1);
		if (slots[k]) {
			seen[slots[k] - 1] = true;
		} else {
			diffs++;
			if (cb)
				cb(arg, false, &have[h]);
		}
	}
	for (size_t i = 0; i < nw; i++) {
		if (!seen[i]) {
			diffs++;
			if (cb)
				cb(arg, true, &want[i]);
		}
	}
	free(slots);
	free(seen);
	return diffs;
}
