/* A set's entries: one checked against the set, list files (`file =`) read
 * line by line, and the entries sorted and made unique. */
#ifndef DFW_ADDRLIST_H
#define DFW_ADDRLIST_H

#include "config.h"
#include "policy.h"

/* Whether the set can hold a (no /0; only hosts in hash:ip). */
bool set_entry_fits(const struct ipset_def *set, const struct addr *a);
void set_report_unfit(const struct ipset_def *set, const struct addr *a, const struct item *it, struct diags *d);
/* Reads the list file `it` names (relative to the file that names it) into
 * set: one address or network a line, '#' comments; the first ten bad lines
 * shown, the rest counted; a file not everyone may read is never quoted. */
void addrlist_read(struct policy *p, struct ipset_def *set, const struct item *it, struct diags *d);
/* Sorts the entries (IPv4 first) and drops repeats: stable output, and the
 * count ipset will really hold (set->count). */
void set_sort_unique(struct ipset_def *set);

#endif
