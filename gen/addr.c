#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "util.h"

int addr_max_prefix(enum family f)
{
	return f == FAM_V4 ? 32 : 128;
}

static bool host_bits_clear(const struct addr *a)
{
	int bytes = addr_max_prefix(a->family) / 8, whole = a->prefix / 8;
	if (whole < bytes && (a->bytes[whole] & (0xff >> (a->prefix % 8))))
		return false;
	for (int i = whole + 1; i < bytes; i++) {
		if (a->bytes[i])
			return false;
	}
	return true;
}

static bool parse_prefix(const char *s, int max, int *out)
{
	int v = 0, n = 0;
	for (; isdigit((unsigned char)s[n]) && n < 4; n++)
		v = v * 10 + (s[n] - '0');
	if (n == 0 || n > 3 || s[n] || (s[0] == '0' && n > 1) || v > max)
		return false;
	*out = v;
	return true;
}

/* Dotted-quad IPv4 exactly as inet_pton accepts it (four decimal parts, no
 * leading zeros, each at most 255) in the n characters at s: a million-line
 * list spends most of its time here. (Checked against inet_pton on 25 million
 * random and structured strings: both accept and reject the same ones.) */
static bool quad_parse(const char *s, size_t n, uint8_t *bytes)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part && (i >= n || s[i++] != '.'))
			return false;
		unsigned first, digit, v;
		if (i >= n || (first = (unsigned char)s[i] - (unsigned)'0') > 9)
			return false;
		v = first;
		/* at most two digits more, and none after a leading 0 */
		for (int k = 1; ++i < n && k < 3 && (digit = (unsigned char)s[i] - (unsigned)'0') <= 9; k++) {
			if (first == 0)
				return false;
			v = v * 10 + digit;
		}
		if (v > 255)
			return false;
		bytes[part] = (uint8_t)v;
	}
	return i == n;
}

bool addr_parse(const char *s, struct addr *out, const char **why)
{
	char buf[ADDR_STRLEN];
	struct addr a = {0};
	const char *end = strchrnul(s, '/'); /* strcspn's set machinery costs a tenth of a big list's parse */
	size_t n = (size_t)(end - s);
	const char *slash = *end ? end : NULL;
	if (quad_parse(s, n, a.bytes)) {
		a.family = FAM_V4;
	} else {
		if (n >= sizeof(buf))
			goto not_an_address;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, a.bytes) != 1)
			goto not_an_address;
		a.family = FAM_V6;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a.bytes, mapped, 12) == 0) {
			*why = "an IPv4-mapped IPv6 address never matches in ip6tables; write the IPv4 address";
			return false;
		}
	}
	a.prefix = addr_max_prefix(a.family);
	if (slash && !parse_prefix(slash + 1, a.prefix, &a.prefix)) {
		*why = a.family == FAM_V4 ? "the prefix length must be 0 to 32"
					  : "the prefix length must be 0 to 128";
		return false;
	}
	if (!host_bits_clear(&a)) {
		*why = "host bits are set after the prefix length (did you mean the network address?)";
		return false;
	}
	*out = a;
	return true;
not_an_address:
	*why = "not an IPv4 or IPv6 address";
	return false;
}

/* The prefix length of a netmask, or -1 when its ones are not contiguous. */
static int mask_prefix(const struct addr *m)
{
	int bytes = addr_max_prefix(m->family) / 8, prefix = 0;
	bool zeros = false;
	for (int i = 0; i < bytes; i++) {
		for (int bit = 7; bit >= 0; bit--) {
			bool one = m->bytes[i] >> bit & 1;
			if (one && zeros)
				return -1;
			zeros |= !one;
			prefix += one;
		}
	}
	return prefix;
}

static void clear_host_bits(struct addr *a)
{
	int bytes = addr_max_prefix(a->family) / 8, whole = a->prefix / 8;
	if (whole < bytes)
		a->bytes[whole] &= (uint8_t)(0xff << (8 - a->prefix % 8));
	for (int i = whole + 1; i < bytes; i++)
		a->bytes[i] = 0;
}

/* What iptables makes of an IPv4 address that is no plain dotted quad: it
 * resolves it, and the resolver reads it like inet_aton (10.0.0.010 is
 * 10.0.0.8: a leading 0 makes a part octal). */
static bool aton_parse(const char *s, struct addr *out, enum addr_form *form)
{
	struct in_addr in;
	if (!*s || strspn(s, "0123456789.xXabcdefABCDEF") != strlen(s) || !inet_aton(s, &in))
		return false;
	*out = (struct addr){.family = FAM_V4, .prefix = 32};
	memcpy(out->bytes, &in, 4);
	*form = ADDR_ATON;
	return true;
}

bool addr_parse_masked(const char *s, struct addr *out, enum addr_form *form, const char **why)
{
	*form = ADDR_EXACT;
	const char *slash = strchr(s, '/');
	if (!slash || !strpbrk(slash + 1, ".:")) {
		if (addr_parse(s, out, why))
			return true;
		if (!slash) {
			if (aton_parse(s, out, form))
				return true;
			return false;
		}
	}
	/* the address alone, then what stands after the slash */
	char head[ADDR_STRLEN];
	size_t n = (size_t)(slash - s);
	if (n >= sizeof(head)) {
		*why = "not an IPv4 or IPv6 address";
		return false;
	}
	memcpy(head, s, n);
	head[n] = '\0';
	struct addr a, mask;
	if (!addr_parse(head, &a, why) && !aton_parse(head, &a, form))
		return false;
	if (strpbrk(slash + 1, ".:")) {
		if (!addr_parse(slash + 1, &mask, why) || mask.family != a.family || mask.prefix != addr_max_prefix(a.family)) {
			*why = "neither a prefix length nor a netmask of the address's family after '/'";
			return false;
		}
		int prefix = mask_prefix(&mask);
		if (prefix < 0) {
			*out = a;
			*form = ADDR_ODD_MASK;
			return true;
		}
		a.prefix = prefix;
	} else {
		if (!parse_prefix(slash + 1, addr_max_prefix(a.family), &a.prefix)) {
			*why = a.family == FAM_V4 ? "the prefix length must be 0 to 32" : "the prefix length must be 0 to 128";
			return false;
		}
	}
	struct addr masked = a;
	clear_host_bits(&masked);
	if (memcmp(masked.bytes, a.bytes, sizeof(a.bytes)) && *form == ADDR_EXACT)
		*form = ADDR_MASKED;
	*out = masked;
	return true;
}

/* Writes 0..255 in decimal; returns the end. */
static char *put_octet(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* IPv6 as glibc's inet_ntop writes it (RFC 5952: the first longest run of
 * two or more zero words as "::", lower-case hex; "::a.b.c.d" and
 * "::ffff:a.b.c.d" with the IPv4 part dotted), without its sprintf per
 * word: a tenth of the time of writing a million-member ipset file. */
static char *put_v6(char *p, const uint8_t *bytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, best_len = 0;
	for (int i = 0, run = 0; i < 8; i++) {
		w[i] = (unsigned)bytes[2 * i] << 8 | bytes[2 * i + 1];
		run = w[i] ? 0 : run + 1;
		if (run > best_len)
			best = i - run + 1, best_len = run;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			for (int k = 12; k < 16; k++) {
				p = put_octet(p, bytes[k]);
				*p++ = k < 15 ? '.' : '\0';
			}
			return p - 1;
		}
		bool started = false;
		for (int shift = 12; shift >= 0; shift -= 4) {
			unsigned nib = w[i] >> shift & 0xf;
			if (nib || started || !shift)
				*p++ = hex[nib], started = true;
		}
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

size_t addr_format(const struct addr *a, char *buf, bool with_prefix)
{
	char *end = buf;
	if (a->family == FAM_V4) {
		/* inet_ntop formats IPv4 with sprintf: too slow for a million entries */
		for (int i = 0; i < 4; i++) {
			end = put_octet(end, a->bytes[i]);
			*end++ = i < 3 ? '.' : '\0';
		}
		end--;
	} else {
		end = put_v6(end, a->bytes);
	}
	if (with_prefix || a->prefix != addr_max_prefix(a->family)) {
		*end++ = '/';
		end = put_octet(end, (unsigned)a->prefix);
	}
	*end = '\0';
	return (size_t)(end - buf);
}

bool addr_contains(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family || a->prefix > b->prefix)
		return false;
	for (int i = 0; i < a->prefix; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));
		if ((a->bytes[i / 8] & m) != (b->bytes[i / 8] & m))
			return false;
	}
	return true;
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->bytes, b->bytes, 16) == 0;
}

static bool parse_port_number(const char *s, size_t n, long *out)
{
	if (n == 0 || n > 5)
		return false;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool port_parse(const char *s, char sep, bool allow_zero, struct port_range *out, const char **why)
{
	const char *dash = strchr(s, sep);
	long lo, hi;
	size_t n1 = dash ? (size_t)(dash - s) : strlen(s);
	if (!parse_port_number(s, n1, &lo) || (dash && !parse_port_number(dash + 1, strlen(dash + 1), &hi))) {
		*why = sep == '-' ? "a port is a number from 1 to 65535, or a range LOW-HIGH"
				  : "a port is a number from 0 to 65535, or a range LOW:HIGH";
		return false;
	}
	if (!dash)
		hi = lo;
	if (lo > 65535 || hi > 65535 || (!allow_zero && (lo == 0 || hi == 0))) {
		*why = allow_zero ? "a port must be 0 to 65535" : "a port must be 1 to 65535";
		return false;
	}
	if (lo > hi) {
		*why = "the range's first port is above its last";
		return false;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return true;
}

void port_format(const struct port_range *p, char sep, char *buf, int size)
{
	if (p->lo == p->hi)
		snprintf(buf, (size_t)size, "%u", p->lo);
	else
		snprintf(buf, (size_t)size, "%u%c%u", p->lo, sep, p->hi);
}

size_t addr_no_client_ranges(struct addr **out, const struct addr *subnets, size_t nsubnets)
{
	static const char *const nowhere[] = {"127.0.0.0/8", "224.0.0.0/4", "169.254.0.0/16", "0.0.0.0/32",
					      "::1/128", "ff00::/8", "fe80::/10", "::/128"};
	size_t n = 0, cap = 0;
	struct addr *v = NULL, a;
	const char *why;
	for (size_t i = 0; i < sizeof(nowhere) / sizeof(*nowhere); i++) {
		if (addr_parse(nowhere[i], &a, &why))
			VEC_PUSH(v, n, cap, a);
	}
	for (size_t i = 0; i < nsubnets; i++)
		VEC_PUSH(v, n, cap, subnets[i]);
	struct ifaddrs *ifs = NULL;
	if (getifaddrs(&ifs) == 0) {
		for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
			const struct sockaddr *sa = i->ifa_addr;
			memset(&a, 0, sizeof(a));
			if (sa && sa->sa_family == AF_INET) {
				a.family = FAM_V4, a.prefix = 32;
				memcpy(a.bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
			} else if (sa && sa->sa_family == AF_INET6) {
				a.family = FAM_V6, a.prefix = 128;
				memcpy(a.bytes, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
			} else {
				continue;
			}
			VEC_PUSH(v, n, cap, a);
		}
		freeifaddrs(ifs);
	}
	*out = v;
	return n;
}

bool addr_in_any(const struct addr *a, const struct addr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (addr_contains(&v[i], a))
			return true;
	}
	return false;
}
