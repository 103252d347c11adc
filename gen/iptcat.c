#include "iptcat.h"

#include "util.h"

#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- matches and targets, and the options each takes ---- */

#define PORT_OPTS {"--dport", "--destination-port", 1, V_PORT}, {"--sport", "--source-port", 1, V_PORT}

static const struct opt_def tcp_opts[] = {PORT_OPTS, {"--tcp-flags", NULL, 2, V_ANY},
	{"--syn", NULL, 0, V_FLAG}, {"--tcp-option", NULL, 1, V_NUM}, {0}};
static const struct opt_def udp_opts[] = {PORT_OPTS, {0}};
static const struct opt_def multiport_opts[] = {{"--dports", "--destination-ports", 1, V_PORTLIST},
	{"--sports", "--source-ports", 1, V_PORTLIST}, {"--ports", NULL, 1, V_PORTLIST}, {0}};
static const struct opt_def conntrack_opts[] = {{"--ctstate", NULL, 1, V_STATES},
	{"--ctproto", NULL, 1, V_CTPROTO}, {"--ctorigsrc", NULL, 1, V_ADDR}, {"--ctorigdst", NULL, 1, V_ADDR},
	{"--ctreplsrc", NULL, 1, V_ADDR}, {"--ctrepldst", NULL, 1, V_ADDR},
	{"--ctorigsrcport", NULL, 1, V_PORT}, {"--ctorigdstport", NULL, 1, V_PORT},
	{"--ctreplsrcport", NULL, 1, V_PORT}, {"--ctrepldstport", NULL, 1, V_PORT},
	{"--ctstatus", NULL, 1, V_ANY}, {"--ctexpire", NULL, 1, V_ANY}, {"--ctdir", NULL, 1, V_CTDIR}, {0}};
static const struct opt_def state_opts[] = {{"--state", NULL, 1, V_STATES}, {0}};
static const struct opt_def set_opts[] = {{"--match-set", NULL, 2, V_SET},
	{"--return-nomatch", NULL, 0, V_FLAG}, {"--update-counters", NULL, 0, V_FLAG},
	{"--update-subcounters", NULL, 0, V_FLAG}, {"--packets-eq", NULL, 1, V_NUM},
	{"--packets-lt", NULL, 1, V_NUM}, {"--packets-gt", NULL, 1, V_NUM},
	{"--bytes-eq", NULL, 1, V_NUM}, {"--bytes-lt", NULL, 1, V_NUM}, {"--bytes-gt", NULL, 1, V_NUM}, {0}};
static const struct opt_def comment_opts[] = {{"--comment", NULL, 1, V_COMMENT}, {0}};
static const struct opt_def limit_opts[] = {{"--limit", NULL, 1, V_RATE}, {"--limit-burst", NULL, 1, V_NUM}, {0}};
static const struct opt_def hashlimit_opts[] = {{"--hashlimit-upto", "--hashlimit", 1, V_RATE},
	{"--hashlimit-above", NULL, 1, V_RATE}, {"--hashlimit-burst", NULL, 1, V_NUM},
	{"--hashlimit-mode", NULL, 1, V_ANY}, {"--hashlimit-srcmask", NULL, 1, V_NUM},
	{"--hashlimit-dstmask", NULL, 1, V_NUM}, {"--hashlimit-name", NULL, 1, V_ANY},
	{"--hashlimit-htable-size", NULL, 1, V_NUM}, {"--hashlimit-htable-max", NULL, 1, V_NUM},
	{"--hashlimit-htable-expire", NULL, 1, V_NUM}, {"--hashlimit-htable-gcinterval", NULL, 1, V_NUM},
	{"--hashlimit-rate-match", NULL, 0, V_FLAG}, {"--hashlimit-rate-interval", NULL, 1, V_NUM}, {0}};
static const struct opt_def icmp_opts[] = {{"--icmp-type", NULL, 1, V_ANY}, {0}};
static const struct opt_def icmp6_opts[] = {{"--icmpv6-type", NULL, 1, V_ANY}, {0}};
static const struct opt_def policy_opts[] = {{"--dir", NULL, 1, V_POLDIR}, {"--pol", NULL, 1, V_POL},
	{"--strict", NULL, 0, V_FLAG}, {"--reqid", NULL, 1, V_NUM}, {"--spi", NULL, 1, V_ANY},
	{"--proto", NULL, 1, V_ANY}, {"--mode", NULL, 1, V_ANY}, {"--tunnel-src", NULL, 1, V_ANY},
	{"--tunnel-dst", NULL, 1, V_ANY}, {"--next", NULL, 0, V_FLAG}, {0}};
static const struct opt_def addrtype_opts[] = {{"--src-type", NULL, 1, V_ANY}, {"--dst-type", NULL, 1, V_ANY},
	{"--limit-iface-in", NULL, 0, V_FLAG}, {"--limit-iface-out", NULL, 0, V_FLAG}, {0}};
static const struct opt_def physdev_opts[] = {{"--physdev-in", NULL, 1, V_ANY}, {"--physdev-out", NULL, 1, V_ANY},
	{"--physdev-is-in", NULL, 0, V_FLAG}, {"--physdev-is-out", NULL, 0, V_FLAG},
	{"--physdev-is-bridged", NULL, 0, V_FLAG}, {0}};
static const struct opt_def mark_opts[] = {{"--mark", NULL, 1, V_ANY}, {0}};
static const struct opt_def iprange_opts[] = {{"--src-range", NULL, 1, V_ANY}, {"--dst-range", NULL, 1, V_ANY}, {0}};
static const struct opt_def mac_opts[] = {{"--mac-source", NULL, 1, V_MAC}, {0}};
static const struct opt_def pkttype_opts[] = {{"--pkt-type", NULL, 1, V_ANY}, {0}};
static const struct opt_def length_opts[] = {{"--length", NULL, 1, V_ANY}, {0}};
static const struct opt_def recent_opts[] = {{"--name", NULL, 1, V_ANY}, {"--set", NULL, 0, V_FLAG},
	{"--rcheck", NULL, 0, V_FLAG}, {"--update", NULL, 0, V_FLAG}, {"--remove", NULL, 0, V_FLAG},
	{"--seconds", NULL, 1, V_NUM}, {"--reap", NULL, 0, V_FLAG}, {"--hitcount", NULL, 1, V_NUM},
	{"--rttl", NULL, 0, V_FLAG}, {"--rsource", NULL, 0, V_FLAG}, {"--rdest", NULL, 0, V_FLAG},
	{"--mask", NULL, 1, V_ANY}, {0}};
static const struct opt_def owner_opts[] = {{"--uid-owner", NULL, 1, V_ANY}, {"--gid-owner", NULL, 1, V_ANY},
	{"--socket-exists", NULL, 0, V_FLAG}, {"--suppl-groups", NULL, 0, V_FLAG}, {0}};

static const struct ext_def matches[] = {
	{"addrtype", addrtype_opts, false}, {"comment", comment_opts, false},
	{"connmark", mark_opts, false}, {"conntrack", conntrack_opts, false}, {"hashlimit", hashlimit_opts, false},
	{"icmp", icmp_opts, false}, {"icmp6", icmp6_opts, false}, {"iprange", iprange_opts, false},
	{"length", length_opts, false}, {"limit", limit_opts, false}, {"mac", mac_opts, false},
	{"mark", mark_opts, false}, {"multiport", multiport_opts, false}, {"owner", owner_opts, false},
	{"physdev", physdev_opts, false}, {"pkttype", pkttype_opts, false}, {"policy", policy_opts, false},
	{"recent", recent_opts, false}, {"set", set_opts, false}, {"state", state_opts, false},
	{"tcp", tcp_opts, false}, {"udp", udp_opts, false},
};

static const struct opt_def no_opts[] = {{0}};
static const struct opt_def reject_opts[] = {{"--reject-with", NULL, 1, V_REJECT}, {0}};
static const struct opt_def log_opts[] = {{"--log-prefix", NULL, 1, V_LOGPREFIX}, {"--log-level", NULL, 1, V_ANY},
	{"--log-tcp-sequence", NULL, 0, V_FLAG}, {"--log-tcp-options", NULL, 0, V_FLAG},
	{"--log-ip-options", NULL, 0, V_FLAG}, {"--log-uid", NULL, 0, V_FLAG},
	{"--log-macdecode", NULL, 0, V_FLAG}, {0}};
/* each NAT target's own options: abbreviations (--to) are resolved among them */
static const struct opt_def dnat_opts[] = {{"--to-destination", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG},
	{"--persistent", NULL, 0, V_FLAG}, {0}};
static const struct opt_def snat_opts[] = {{"--to-source", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG},
	{"--random-fully", NULL, 0, V_FLAG}, {"--persistent", NULL, 0, V_FLAG}, {0}};
static const struct opt_def masq_opts[] = {{"--to-ports", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG},
	{"--random-fully", NULL, 0, V_FLAG}, {0}};
static const struct opt_def redirect_opts[] = {{"--to-ports", NULL, 1, V_ANY}, {"--random", NULL, 0, V_FLAG}, {0}};
static const struct opt_def mark_target_opts[] = {{"--set-mark", NULL, 1, V_ANY}, {"--set-xmark", NULL, 1, V_ANY},
	{"--and-mark", NULL, 1, V_ANY}, {"--or-mark", NULL, 1, V_ANY}, {"--xor-mark", NULL, 1, V_ANY},
	{"--save-mark", NULL, 0, V_FLAG}, {"--restore-mark", NULL, 0, V_FLAG}, {"--nfmask", NULL, 1, V_ANY},
	{"--ctmask", NULL, 1, V_ANY}, {"--mask", NULL, 1, V_ANY}, {0}};
static const struct opt_def nflog_opts[] = {{"--nflog-group", NULL, 1, V_NUM}, {"--nflog-prefix", NULL, 1, V_ANY},
	{"--nflog-range", NULL, 1, V_NUM}, {"--nflog-size", NULL, 1, V_NUM}, {"--nflog-threshold", NULL, 1, V_NUM}, {0}};
static const struct opt_def nfqueue_opts[] = {{"--queue-num", NULL, 1, V_NUM}, {"--queue-balance", NULL, 1, V_ANY},
	{"--queue-bypass", NULL, 0, V_FLAG}, {"--queue-cpu-fanout", NULL, 0, V_FLAG}, {0}};
static const struct opt_def tcpmss_opts[] = {{"--set-mss", NULL, 1, V_NUM}, {"--clamp-mss-to-pmtu", NULL, 0, V_FLAG}, {0}};
static const struct opt_def ct_opts[] = {{"--notrack", NULL, 0, V_FLAG}, {"--zone", NULL, 1, V_ANY},
	{"--helper", NULL, 1, V_ANY}, {"--ctevents", NULL, 1, V_ANY}, {"--expevents", NULL, 1, V_ANY},
	{"--timeout", NULL, 1, V_ANY}, {0}};
static const struct opt_def checksum_opts[] = {{"--checksum-fill", NULL, 0, V_FLAG}, {0}};
static const struct opt_def set_target_opts[] = {{"--add-set", NULL, 2, V_SET}, {"--del-set", NULL, 2, V_SET},
	{"--exist", NULL, 0, V_FLAG}, {"--timeout", NULL, 1, V_NUM}, {0}};

/* sorted by name for bsearch */
static const struct ext_def targets[] = {
	{"ACCEPT", no_opts, true}, {"CHECKSUM", checksum_opts, false}, {"CONNMARK", mark_target_opts, false},
	{"CT", ct_opts, false}, {"DNAT", dnat_opts, true}, {"DROP", no_opts, true},
	{"LOG", log_opts, false}, {"MARK", mark_target_opts, false}, {"MASQUERADE", masq_opts, true},
	{"NFLOG", nflog_opts, false}, {"NFQUEUE", nfqueue_opts, true}, {"NOTRACK", no_opts, false},
	{"QUEUE", no_opts, true}, {"REDIRECT", redirect_opts, true}, {"REJECT", reject_opts, true},
	{"RETURN", no_opts, true}, {"SET", set_target_opts, false}, {"SNAT", snat_opts, true},
	{"TCPMSS", tcpmss_opts, false}, {"TRACE", no_opts, false},
};

/* Targets the kernel has whose options dfwgen does not check (sorted). */
static const char *const other_targets[] = {
	"AUDIT", "CLASSIFY", "CLUSTERIP", "CONNSECMARK", "DNPT", "DSCP", "ECN", "HL", "HMARK",
	"IDLETIMER", "LED", "NETMAP", "RATEEST", "SECMARK", "SNPT", "SYNPROXY", "TCPOPTSTRIP",
	"TEE", "TOS", "TPROXY", "TTL", "ULOG",
};

static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool is_other_target(const char *name)
{
	return bsearch(name, other_targets, sizeof(other_targets) / sizeof(other_targets[0]),
		       sizeof(other_targets[0]), name_cmp) != NULL;
}

static int ext_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ext_def *)elem)->name);
}

const struct ext_def *find_match(const char *name)
{
	return bsearch(name, matches, sizeof(matches) / sizeof(matches[0]), sizeof(matches[0]), ext_cmp);
}

const struct ext_def *find_target(const char *name)
{
	return bsearch(name, targets, sizeof(targets) / sizeof(targets[0]), sizeof(targets[0]), ext_cmp);
}


static const struct opt_def *find_opt(const struct opt_def *opts, const char *name)
{
	for (; opts && opts->name; opts++) {
		if (strcmp(opts->name, name) == 0 || (opts->alias && strcmp(opts->alias, name) == 0))
			return opts;
	}
	return NULL;
}

/* The one option NAME abbreviates, or NULL (none, or more than one). */
static const struct opt_def *find_opt_prefix(const struct opt_def *opts, const char *name)
{
	const struct opt_def *found = NULL;
	size_t n = strlen(name);
	for (; opts && opts->name; opts++) {
		bool hit = !strncmp(opts->name, name, n) || (opts->alias && !strncmp(opts->alias, name, n));
		if (hit && found)
			return NULL;
		if (hit)
			found = opts;
	}
	return found;
}

const struct opt_def *ext_option(const struct ext_def *ext, const char *name)
{
	if (!ext)
		return NULL;
	const struct opt_def *od = find_opt(ext->opts, name);
	return od ? od : find_opt_prefix(ext->opts, name);
}

/* ---- tables ---- */

static const char *const builtin_chains[][7] = {
	{"filter", "INPUT", "FORWARD", "OUTPUT", NULL},
	{"nat", "PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", NULL},
	{"mangle", "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
	{"raw", "PREROUTING", "OUTPUT", NULL},
	{"security", "INPUT", "FORWARD", "OUTPUT", NULL},
};

static int table_index(const char *table)
{
	for (int i = 0; i < 5; i++) {
		if (strcmp(builtin_chains[i][0], table) == 0)
			return i;
	}
	return -1;
}

bool table_known(const char *table)
{
	return table_index(table) >= 0;
}

const char *const *table_builtin_chains(const char *table)
{
	int t = table_index(table);
	return t < 0 ? NULL : &builtin_chains[t][1];
}

bool chain_is_builtin(const char *table, const char *chain)
{
	const char *const *c = table_builtin_chains(table);
	for (; c && *c; c++) {
		if (strcmp(*c, chain) == 0)
			return true;
	}
	return false;
}


bool valid_rate(const char *s)
{
	static const char *units[] = {"second", "minute", "hour", "day", "sec", "min", "s", "m", "h", "d", NULL};
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || v < 1 || *end != '/')
		return false;
	for (int i = 0; units[i]; i++) {
		if (strcmp(end + 1, units[i]) == 0)
			return true;
	}
	return false;
}

bool in_words(const char *s, const char *const *words)
{
	for (; *words; words++) {
		if (strcmp(s, *words) == 0)
			return true;
	}
	return false;
}

bool all_in_words(const char *list, const char *const *words)
{
	char **items;
	size_t n = split_list(list, &items);
	bool ok = n > 0;
	for (size_t i = 0; i < n && ok; i++)
		ok = in_words(items[i], words);
	free_list(items, n);
	return ok;
}

/* Six hex pairs separated by colons, as iptables' mac match parses them. */
bool valid_mac(const char *s)
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		s += 2;
		if (*s != (i < 5 ? ':' : '\0'))
			return false;
		s += i < 5;
	}
	return true;
}

/* A port (or a range's end) by its /etc/services name, which iptables
 * resolves when it loads: every part a number or a known name, one a name. */
bool service_port(const char *text)
{
	char *copy = xstrdup(text), *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	bool named = false, all = true;
	for (char *part = copy; part && all; part = colon ? colon + 1 : NULL, colon = NULL) {
		bool number = *part && strspn(part, "0123456789") == strlen(part);
		named |= !number;
		all = number || (*part && getservbyname(part, NULL));
	}
	free(copy);
	return all && named;
}

bool valid_chain_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CHAIN_NAME_MAX || s[0] == '-' || s[0] == '!')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i]))
			return false;
	}
	return !find_target(s);
}

bool valid_iface_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > IFACE_NAME_MAX + 1 || (n == IFACE_NAME_MAX + 1 && s[IFACE_NAME_MAX] != '+'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c) || c == '/' || c == ':' || (c == '+' && i != n - 1))
			return false;
	}
	return true;
}

/* The protocols whose names dfwgen knows; the first ones' matches -p loads. */
static const struct { const char *num, *name; } protocols[] = {
	{"1", "icmp"}, {"6", "tcp"}, {"17", "udp"}, {"58", "ipv6-icmp"}, {"132", "sctp"}, {"136", "udplite"},
	{"0", "all"}, {"58", "icmpv6"}, {"50", "esp"}, {"51", "ah"}, {"135", "mh"}, {"47", "gre"},
	{"4", "ipip"}, {"2", "igmp"},
};

/* The name a protocol goes by: iptables lowercases names (-p ALL, -p TCP),
 * and a number names the protocols whose matches -p loads (-p 6 -m tcp is
 * what xtables-save 1.8.2 writes); else p itself. */
const char *proto_name(const char *p)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(*protocols); i++) {
		if (!strcasecmp(p, protocols[i].name) || (i < 6 && !strcmp(p, protocols[i].num)))
			return protocols[i].name;
	}
	return p;
}

/* A number 0-255, a name dfwgen knows, or any name of /etc/protocols (ipv6,
 * ospf, ...), which iptables looks up lowercased. */
bool valid_proto(const char *p)
{
	if (proto_name(p) != p)
		return true;
	char *end;
	long v = strtol(p, &end, 10);
	if (*p && !*end && v >= 0 && v <= 255)
		return true;
	char lower[32];
	size_t n = strlen(p);
	if (n >= sizeof(lower))
		return false;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)p[i]);
	return getprotobyname(lower) != NULL;
}


const struct ext_def *implicit_match(const char *proto)
{
	if (!proto)
		return NULL;
	if (!strcmp(proto, "tcp"))
		return find_match("tcp");
	if (!strcmp(proto, "udp") || !strcmp(proto, "udplite") || !strcmp(proto, "sctp"))
		return find_match("udp");
	if (!strcmp(proto, "icmp"))
		return find_match("icmp");
	if (!strcmp(proto, "ipv6-icmp") || !strcmp(proto, "icmpv6"))
		return find_match("icmp6");
	return NULL;
}

/* -m tcp, -m udp, -m icmp: the matches that -p loads by itself, and that need it */
bool is_protocol_match(const struct ext_def *m)
{
	return m->opts == tcp_opts || m->opts == udp_opts || m->opts == icmp_opts;
}

/* ---- iptables' own options ---- */

static const struct base_def base_opts[] = {
	{'p', "--protocol", "protocol", BASE_PROTO}, {'s', "--source", "source", BASE_SRC},
	{'d', "--destination", "destination", BASE_DST}, {'i', "--in-interface", "input interface", BASE_IN},
	{'o', "--out-interface", "output interface", BASE_OUT}, {'m', "--match", NULL, BASE_MATCH},
	{'j', "--jump", NULL, BASE_JUMP}, {'g', "--goto", NULL, BASE_GOTO},
	{'c', "--set-counters", NULL, BASE_COUNTERS}, {'f', "--fragment", NULL, BASE_FLAG},
	{'4', NULL, NULL, BASE_FLAG}, {'6', NULL, NULL, BASE_FLAG},
};

/* iptables' other long option names: its synonyms, and the commands an
 * abbreviation must not be mistaken for. */
static const struct {
	const char *name;
	int base; /* position in base_opts + 1; 0: a command, not a rule option */
} long_names[] = {
	{"--src", 2}, {"--dst", 3}, {"--fragments", 10}, {"--ipv4", 11}, {"--ipv6", 12},
	{"--append", 0}, {"--delete", 0}, {"--check", 0}, {"--insert", 0}, {"--replace", 0}, {"--list", 0},
	{"--list-rules", 0}, {"--flush", 0}, {"--zero", 0}, {"--new-chain", 0}, {"--delete-chain", 0},
	{"--rename-chain", 0}, {"--policy", 0}, {"--table", 0}, {"--numeric", 0}, {"--verbose", 0},
	{"--wait", 0}, {"--wait-interval", 0}, {"--exact", 0}, {"--version", 0}, {"--help", 0},
	{"--line-numbers", 0}, {"--modprobe", 0},
};

/* A long base option by a synonym (--src) or an unambiguous abbreviation of
 * any of iptables' long names (--sou is --source, --dest --destination). */
const struct base_def *base_option_long(const char *o, bool prefix)
{
	size_t n = strlen(o);
	const struct base_def *found = NULL;
	int hits = 0;
	for (size_t i = 0; i < sizeof(base_opts) / sizeof(*base_opts); i++) {
		const char *name = base_opts[i].long_name;
		if (name && (prefix ? !strncmp(name, o, n) : !strcmp(name, o)) && found != &base_opts[i]) {
			found = &base_opts[i];
			hits++;
		}
	}
	for (size_t i = 0; i < sizeof(long_names) / sizeof(*long_names); i++) {
		const char *name = long_names[i].name;
		if (prefix ? !strncmp(name, o, n) : !strcmp(name, o)) {
			const struct base_def *b = long_names[i].base ? &base_opts[long_names[i].base - 1] : NULL;
			if (!b || b != found)
				hits++;
			found = b;
		}
	}
	return hits == 1 ? found : NULL;
}

/* Every rule has a handful of options: each is found by one letter, "-X"'s
 * or the first after "--" (then compared whole). Positions in base_opts + 1. */
const struct base_def *base_option(const char *o)
{
	static const signed char by_letter[128] = {['p'] = 1, ['s'] = 2, ['d'] = 3, ['i'] = 4, ['o'] = 5,
		['m'] = 6, ['j'] = 7, ['g'] = 8, ['c'] = 9, ['f'] = 10, ['4'] = 11, ['6'] = 12};
	enum { SET_COUNTERS = 8 }; /* --set-counters shares its letter with --source */
	bool is_long = o[1] == '-';
	unsigned char c = (unsigned char)(is_long ? o[2] : o[1]);
	if (is_long && (c == 's' || c == 'd' || c == 'f' || c == 'i') && (!strcmp(o, "--src") || !strcmp(o, "--dst") ||
	    !strcmp(o, "--fragments") || !strcmp(o, "--ipv4") || !strcmp(o, "--ipv6")))
		return base_option_long(o, false);
	if (c >= 128 || !by_letter[c])
		return NULL;
	const struct base_def *b = &base_opts[by_letter[c] - 1];
	if (!is_long)
		return o[2] ? NULL : b;
	if (c == 's' && !strcmp(o, base_opts[SET_COUNTERS].long_name))
		return &base_opts[SET_COUNTERS];
	return b->long_name && !strcmp(b->long_name, o) ? b : NULL;
}

