/* Stage 1: read the main file and the drop-in fragments into an ordered list of
 * raw entries, each with the file:line:column it came from. No meaning yet. */
#ifndef DFW_INI_H
#define DFW_INI_H

#include "diag.h"

#include <stdbool.h>

struct ini_entry {
	char *section;      /* as written between the brackets */
	char *key;          /* NULL: the entry records a section header */
	char *value;        /* raw value as libinih returns it (inline comment removed) */
	struct loc loc;     /* the value's (or header's) position */
	bool continuation;  /* an indented line libinih joined to the previous key */
};

struct ini_doc {
	struct ini_entry *v;
	size_t n, cap;
	struct source_store *store; /* where the files read are kept (the caller's) */
	bool strict; /* StrictModes: every file read must be trusted (path_trusted) */
};

/* Both return false when the file or directory could not be read (an error is recorded).
 * Parse problems are recorded but do not stop reading. */
bool ini_load_file(struct ini_doc *doc, const char *path, struct diags *d);
bool ini_load_dir(struct ini_doc *doc, const char *dir, struct diags *d);
void ini_free(struct ini_doc *doc);

#endif
