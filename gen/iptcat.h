/* The iptables catalogue: tables and their built-in chains, the matches and
 * targets dfwgen knows with the options each takes, iptables' own options,
 * and the checks of names and values that need no context. Table-driven,
 * like pfctl's rule field tables; nothing here holds state. */
#ifndef DFW_IPTCAT_H
#define DFW_IPTCAT_H

#include <stdbool.h>

enum value_kind {
	V_ANY, V_FLAG, V_PORT, V_PORTLIST, V_STATES, V_RATE, V_NUM, V_COMMENT, V_SET,
	V_ADDR, V_CTDIR, V_POLDIR, V_POL, V_LOGPREFIX, V_REJECT, V_CTPROTO, V_MAC,
};

struct opt_def {
	const char *name;
	const char *alias;
	int nargs;
	enum value_kind kind;
};

struct ext_def {
	const char *name;
	const struct opt_def *opts; /* NULL-terminated */
	bool terminal;              /* targets: ends the chain's traversal */
};

/* iptables' own options; BASE_NONE: a match's or a target's. */
enum base_opt {
	BASE_NONE, BASE_PROTO, BASE_SRC, BASE_DST, BASE_IN, BASE_OUT,
	BASE_MATCH, BASE_JUMP, BASE_GOTO, BASE_COUNTERS, BASE_FLAG,
};

struct base_def {
	char short_name;
	const char *long_name, *what; /* what: for "a rule takes one ..." */
	enum base_opt id;
};

/* Limits the kernel sets (xt_LOG, ipset, x_tables). */
enum {
	LOG_PREFIX_MAX = 29,   /* characters of a --log-prefix */
	IPSET_NAME_MAX = 31,   /* characters of an ipset name */
	CHAIN_NAME_MAX = 28,   /* characters of a chain name */
	IFACE_NAME_MAX = 15,   /* characters of an interface name (IFNAMSIZ - 1) */
	COMMENT_MAX = 256,     /* characters of a --comment */
	MULTIPORT_SLOTS = 15,  /* ports of one multiport match, a range counting two */
};

/* Limits of iptables-restore itself (1.8.9, nft and legacy alike). */
enum {
	RESTORE_LINE_MAX = 10239, /* characters of a line it reads at once (a 10,240-byte buffer) */
	RESTORE_WORDS_MAX = 251,  /* words of a command line (it adds three, and argv holds 254) */
};

const struct ext_def *find_match(const char *name);
const struct ext_def *find_target(const char *name);
/* A target the kernel has whose options dfwgen does not check (TEE, TPROXY...). */
bool is_other_target(const char *name);
/* The option NAME is, exactly or as the one option it abbreviates (getopt_long
 * takes any unambiguous abbreviation: -m multiport --dport is --dports). */
const struct opt_def *ext_option(const struct ext_def *ext, const char *name);
/* The match `-p PROTO` loads by itself (tcp, udp, icmp, icmp6), or NULL. */
const struct ext_def *implicit_match(const char *proto);
/* -m tcp, -m udp, -m icmp: matches that need the rule's -p. */
bool is_protocol_match(const struct ext_def *m);

/* iptables' own option O ("-p", "--source", "--src"), or NULL. */
const struct base_def *base_option(const char *o);
/* The same by an unambiguous abbreviation of any of iptables' long names. */
const struct base_def *base_option_long(const char *o, bool prefix);

bool table_known(const char *table);
bool chain_is_builtin(const char *table, const char *chain);
/* The built-in chains of a table, NULL-terminated; NULL for an unknown table. */
const char *const *table_builtin_chains(const char *table);

/* The name a protocol goes by (-p ALL is all, -p 6 is tcp); else p itself. */
const char *proto_name(const char *p);
bool valid_proto(const char *p);
bool valid_chain_name(const char *s);
bool valid_iface_name(const char *s);
/* A rate as the limit match reads it: "5/minute", "5/min", "5/m". */
bool valid_rate(const char *s);
bool valid_mac(const char *s);
/* A port (or range) written with /etc/services names iptables resolves. */
bool service_port(const char *text);
bool in_words(const char *s, const char *const *words);
bool all_in_words(const char *list, const char *const *words);

#endif
