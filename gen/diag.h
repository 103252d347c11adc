/* Diagnostics are values: each carries a stable ID, a severity and a location.
 * They are collected while a stage runs and printed once, at the end, so one
 * run reports every problem (nftables' erec model). */
#ifndef DFW_DIAG_H
#define DFW_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A file (or standard input, or a rendered buffer) held in memory. */
struct source {
	char *name;
	char *text;           /* text[len] is a NUL (the text may hold others) */
	size_t len;
	size_t *line_start;   /* offset of each line; line N is line_start[N-1] */
	size_t nlines;
	bool secret;          /* not readable by everyone: its text is never shown */
};

struct loc {
	const struct source *src; /* NULL: no file to point into */
	int line;                 /* 1-based; 0 = the whole file */
	int col;                  /* 1-based; 0 = the whole line */
	int len;                  /* caret length (>= 1 when col is set) */
};

enum severity { SEV_ERROR, SEV_WARNING, SEV_NOTE };
enum diag_format { DIAG_TEXT, DIAG_JSON };

struct diag {
	enum severity sev;
	const char *id;
	struct loc loc;
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t errors, warnings;
	bool warnings_are_errors;
};

/* Sources that diagnostics may point into, kept until they are printed:
 * the config files, list files, checked files, generated rules. */
struct source_store {
	struct source **v;
	size_t n, cap;
};

/* Keeps src (NULL passes through) and returns it. */
struct source *source_keep(struct source_store *st, struct source *src);
void source_store_free(struct source_store *st);

struct source *source_from_text(const char *name, char *text, size_t len);
/* Reads a whole file ("-" = standard input). On failure records an error
 * [unreadable] located at `from` (may be empty) and returns NULL. */
struct source *source_load(const char *path, struct loc from, struct diags *d);
void source_free(struct source *src);
/* The text of line N without its newline (and without a trailing CR). */
const char *source_line(const struct source *src, int line, size_t *len);

struct loc loc_line(const struct source *src, int line);
struct loc loc_span(const struct source *src, int line, int col, int len);

void diag_add(struct diags *d, enum severity sev, const char *id, struct loc loc,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define diag_error(d, id, loc, ...) diag_add((d), SEV_ERROR, (id), (loc), __VA_ARGS__)
#define diag_warn(d, id, loc, ...) diag_add((d), SEV_WARNING, (id), (loc), __VA_ARGS__)
#define diag_note(d, id, loc, ...) diag_add((d), SEV_NOTE, (id), (loc), __VA_ARGS__)

/* Moves n diagnostics from `from`, starting at its index `at`, to the end of
 * `to`, in order (a stage that collected them apart hands them over). */
void diags_move(struct diags *to, struct diags *from, size_t at, size_t n);
/* Moves every diagnostic of `from` from index `at` on to the end of `to`. */
void diags_take(struct diags *to, struct diags *from, size_t at);
bool diags_failed(const struct diags *d);
void diags_print(FILE *out, const struct diags *d, enum diag_format fmt);
void diags_free(struct diags *d);

#endif
