/* A template's environment: the typed policy as the lists of rows the
 * templates name ({{list.field}}), each row with the config location of the
 * value that made it. render.c expands the templates with it. */
#ifndef DFW_TENV_H
#define DFW_TENV_H

#include "policy.h"

/* Every template variable is a list of rows; a scalar is a list of one row with
 * a single unnamed field. {{name}} is field "" of list name, {{name.field}} a
 * named field. A line repeats once per combination of the rows of the lists it
 * names, so a list with no rows drops the line: if_* lists (no fields, zero or
 * one row) make lines conditional. */
struct tvar {
	const char *name;
	const char *const *fields; /* NULL-terminated */
	char **cells;              /* nrows x nfields */
	struct loc *at;            /* where the config wrote each row (src NULL: a default) */
	size_t nrows, cap;
};

struct tenv {
	struct tvar v[32];
	size_t n;
};

size_t tvar_fields(const struct tvar *v);
/* The environment of one family. guard: the mangle copy of the container
 * rules, where REJECT is not allowed (the kernel's REJECT is filter-only). */
void tenv_build(struct tenv *e, const struct policy *p, enum family f, bool guard);
void tenv_free(struct tenv *e);

#endif
