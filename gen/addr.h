/* Addresses and ports as values: parsed once, normalised, never re-parsed. */
#ifndef DFW_ADDR_H
#define DFW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum family { FAM_NONE = 0, FAM_V4 = 4, FAM_V6 = 6 };

struct addr {
	enum family family;
	uint8_t bytes[16]; /* network byte order; IPv4 uses the first 4 */
	int prefix;        /* 0..32 or 0..128 */
};

struct port_range {
	uint16_t lo, hi;
};

#define ADDR_STRLEN 64

/* Parses "A" or "A/N". On failure returns false and sets *why to a static
 * sentence saying what is wrong (host bits, bad prefix, mapped address...). */
bool addr_parse(const char *s, struct addr *out, const char **why);
/* How addr_parse_masked read an address. */
enum addr_form {
	ADDR_EXACT,    /* as written */
	ADDR_MASKED,   /* host bits after the prefix were set, and are dropped */
	ADDR_ATON,     /* no plain dotted quad, read as inet_aton reads it (10.0.0.010 is 10.0.0.8) */
	ADDR_ODD_MASK, /* a dotted netmask that is no prefix (255.0.255.0): *out holds the address only */
};
/* An address as iptables reads one in a rule: "A", "A/N" or "A/MASK" (a
 * dotted netmask, or an IPv6 mask), host bits masked off. */
bool addr_parse_masked(const char *s, struct addr *out, enum addr_form *form, const char **why);
/* "192.0.2.7/32" (with_prefix) or "192.0.2.7" for a single host when !with_prefix. */
size_t addr_format(const struct addr *a, char *buf, bool with_prefix);
int addr_max_prefix(enum family f);
/* a contains b (same family, a's network covers b's). */
bool addr_contains(const struct addr *a, const struct addr *b);
bool addr_equal(const struct addr *a, const struct addr *b);
/* Where no SSH client can come from: loopback, multicast, link-local, the
 * unspecified addresses, `subnets` (Docker's) and this host's own addresses.
 * Returns how many (*out: free it). */
size_t addr_no_client_ranges(struct addr **out, const struct addr *subnets, size_t nsubnets);
/* Whether one of v[0..n) contains a. */
bool addr_in_any(const struct addr *a, const struct addr *v, size_t n);

/* Parses "P" or "LO<sep>HI"; 0 is allowed only when allow_zero. */
bool port_parse(const char *s, char sep, bool allow_zero, struct port_range *out, const char **why);
/* "80" or "1000:2000" (sep ':') / "1000-2000" (sep '-'). */
void port_format(const struct port_range *p, char sep, char *buf, int size);

#endif
