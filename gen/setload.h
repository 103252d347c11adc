/* Set members straight over netlink: `ipset restore` runs every member through
 * getaddrinfo (a stat of /etc/resolv.conf each), which is most of the time an
 * apply of 100,000 entries takes. */
#ifndef DFW_SETLOAD_H
#define DFW_SETLOAD_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

/* Adds and deletes the members of `lines` ("add SET ADDRESS[/PREFIX] -exist"
 * or "del SET ...", one per line, as dfwgen's ipset file writes them) in
 * sets that exist already, in the order given. False when a line has another
 * shape or the kernel refuses a batch: the caller then hands the lines to
 * `ipset restore`, which says why (doing it again is harmless: -exist). */
bool setload_run(const char *lines);

/* What one set holds, read over netlink (not through `ipset save` text). */
struct set_members {
	bool exists;
	char type[32];          /* "hash:net" */
	enum family family;
	unsigned long maxelem;
	struct addr *v;         /* sorted (members_sort_unique) */
	size_t n;
};

/* false when the kernel could not be asked; a set that does not exist is
 * an answer (exists false). */
bool setload_list(const char *name, struct set_members *out);
void set_members_free(struct set_members *m);

/* The members of named sets, read before the host is changed: apply and
 * status read them while the configuration is read and built (main.c, on
 * the second thread of both.h), since the kernel takes 0.23 s to list a
 * million members. A listing shows the sets as they were when it was made:
 * only what runs before the first change to the host may take one. */
struct set_listings {
	char **names;
	struct set_members *got;
	bool *ok;
	size_t n;
};

/* Reads `names`; what cannot be read (or nothing, when memory runs out) is
 * not taken, and the caller reads it itself. */
void set_listings_read(struct set_listings *sl, const char *const *names, size_t n);
/* The members of `name` (moved out: each is taken once); false when it was
 * not read, and the caller reads it itself. sl NULL: false. */
bool set_listings_take(struct set_listings *sl, const char *name, struct set_members *out);
void set_listings_free(struct set_listings *sl);

#endif
