/* The configuration as written: the schema (every section and key, with its
 * default), the main file and its drop-ins merged in order, and the
 * file:line:column of every value. policy.c makes the typed policy from it;
 * `dfwgen config` prints it. */
#ifndef DFW_CONFIG_H
#define DFW_CONFIG_H

#include "diag.h"
#include "ini.h"
#include "iptcat.h"
#include "util.h"

#include <stdio.h>

enum key_kind { KEY_SCALAR, KEY_LIST };

struct key_def {
	const char *name;
	enum key_kind kind;
	const char *dflt; /* NULL: required when the section exists (named sections only) */
};

struct section_def {
	const char *kind;
	bool named; /* [set NAME], [port NAME], [policy NAME] */
	const struct key_def *keys;
	size_t nkeys;
};

enum { SECTION_KEYS_MAX = 8 };

/* A named section's name: "dfw-" NAME "-4" ".n" stays within ipset's limit. */
#define SET_NAME_MAX (IPSET_NAME_MAX - 8)

/* One value as written, where it was written (no file: a default). */
struct cvalue {
	char *text;
	struct loc loc;
	bool continuation; /* an indented line that continues the value before it */
	bool continued;    /* an indented line continues this one */
};

/* A key's values, in the order the files gave them. */
struct ckey {
	struct cvalue *v;
	size_t n, cap;
};

/* A section after merging. */
struct csection {
	char *name; /* as written, e.g. "set trusted" */
	char *arg;  /* "trusted", or NULL */
	const struct section_def *def;
	struct loc loc;
	struct ckey keys[SECTION_KEYS_MAX];
};

struct config {
	struct csection *v;
	size_t n, cap;
	struct name_index by_name; /* ten thousand [port] sections are not rare */
};

/* One item of a list value, located at its own column. */
struct item {
	const char *text;
	struct loc loc;
};

struct items {
	struct item *v;
	size_t n;
	char **parts;
	size_t nparts;
};

/* Merges the INI entries in order; errors (unknown sections and keys, a
 * scalar set twice in one file, indentation traps) go to d. */
struct config *config_merge(const struct ini_doc *doc, struct diags *d);
void config_free(struct config *c);
/* The merged section NAME ("global", "set trusted"), or NULL. */
const struct csection *config_section(const struct config *c, const char *name);
/* A section never written: every key at its default. */
struct csection config_defaults(const char *kind);
bool config_has_key(const struct csection *s, const char *key);
/* Whether the config gave the key any value (defaults do not count). */
bool config_written(const struct csection *s, const char *key);
/* The value of a scalar key: the last one written, or the default. */
struct cvalue config_scalar(const struct csection *s, const char *key);
/* The values of a list key: the user's, or the default (in *dflt) when the key
 * was never written. Blank values mark a reset and are to be skipped. */
const struct cvalue *config_list(const struct csection *s, const char *key, struct cvalue *dflt, size_t *n);
/* Splits a list value at its commas; empty items are errors. */
void items_split(const struct cvalue *v, struct items *out, struct diags *d);
void items_free(struct items *it);
bool text_blank(const char *s);
/* `dfwgen config`: every value with the file:line that set it. */
void config_print(FILE *out, const struct config *c);

#endif
