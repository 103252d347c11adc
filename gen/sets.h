/* ipsets: the restore file dfwgen writes, and what any ipset restore file defines. */
#ifndef DFW_SETS_H
#define DFW_SETS_H

#include "diag.h"
#include "policy.h"

struct set_info {
	char *name;
	enum family family;
	char *type;          /* "hash:net", ... */
	size_t count;
	unsigned long maxelem;
	bool has_cidr;       /* an entry with a prefix shorter than a host */
	bool clients_known;  /* from a config: `has_client` is known */
	bool has_client;     /* an entry an SSH client can come from (addr_no_client_ranges) */
	struct loc loc;
};

struct set_catalog {
	struct set_info *v;
	size_t n, cap;
	bool given; /* sets were described: a set not in the catalogue is an error */
};

/* One dfw- set as dfwgen's ipset file describes it: its create arguments and
 * its members. The file is the persisted form (a generation stores it); this
 * is what apply works on. */
struct set_block {
	char *name;           /* "dfw-NAME-4"; its twin while loading is NAME.n */
	char *spec;           /* the create line after the name: "hash:net family inet ... -exist" */
	char *type;           /* "hash:net" */
	struct addr *members;
	size_t n, cap;
	bool borrowed;        /* members point into a policy's entries */
	const char *set;      /* from a policy: its [set] NAME and family, for the file's comment */
	enum family family;
};

struct set_blocks {
	struct set_block *v;
	size_t n, cap;
};

/* The ipset restore text for the policy's sets, both families, replaced atomically. */
char *sets_render(const struct policy *p);
/* The blocks of the policy's sets as sets_render writes them, without the
 * text: members borrowed from the policy, which must outlive them. */
void set_blocks_from_policy(const struct policy *p, struct set_blocks *out);
/* Reads dfwgen's own ipset file (sets_render's, as a generation stores it)
 * into blocks; false when a line is not one it writes. */
bool set_blocks_read(const char *text, struct set_blocks *out);
void set_blocks_free(struct set_blocks *b);
/* Whether one of the blocks is set NAME (b NULL: none). */
bool set_blocks_has(const struct set_blocks *b, const char *name);
/* Appends what loads block b through its twin: to head its create lines
 * (the set's own one only when with_create: an existing set keeps its
 * size) and the twin's flush, to members an add line per member, to swaps
 * the swap into place and the twin's destroy. */
void set_block_text(const struct set_block *b, bool with_create, struct strbuf *head, struct strbuf *members,
		    struct strbuf *swaps);
/* sets_render's text of blocks bs, handed to out in pieces of about 64 KiB:
 * a million members are 25 MB, held whole only where they must be. */
void sets_text_each(const struct set_blocks *bs, void (*out)(void *arg, const char *s, size_t n), void *arg);
/* The same text, whole. */
char *sets_text(const struct set_blocks *bs);
void sets_from_policy(struct set_catalog *c, const struct policy *p);
/* Reads an ipset restore file (create/add/swap/destroy/flush lines). */
void sets_parse(struct set_catalog *c, const struct source *src, struct diags *d);
const struct set_info *sets_find(const struct set_catalog *c, const char *name);
void sets_free(struct set_catalog *c);

#endif
