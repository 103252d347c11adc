/* Set members straight over netlink: `ipset restore` runs every member through
 * getaddrinfo (a stat of /etc/resolv.conf each), which is most of the time an
 * apply of 100,000 entries takes. */
#ifndef DFW_SETLOAD_H
#define DFW_SETLOAD_H

#include <stdbool.h>

/* Adds the members of `lines` ("add SET ADDRESS[/PREFIX] -exist", one per
 * line, as dfwgen's ipset file writes them) to sets that exist already.
 * False when a line has another shape or the kernel refuses a batch: the
 * caller then hands the lines to `ipset restore`, which says why (adding
 * again is harmless: -exist). */
bool setload_add(const char *lines);

#endif
