/* Allocation helpers that never return NULL, a growable string, growable arrays. */
#ifndef DFW_UTIL_H
#define DFW_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Append one element to a (ptr, count, cap) array, growing it geometrically. */
#define VEC_PUSH(ptr, count, cap, item)                                   \
	do {                                                              \
		if ((count) == (cap)) {                                   \
			(cap) = (cap) ? (cap) * 2 : 8;                    \
			(ptr) = xrealloc((ptr), (cap) * sizeof(*(ptr)));  \
		}                                                         \
		(ptr)[(count)++] = (item);                                \
	} while (0)

struct strbuf {
	char *buf;
	size_t len, cap;
};

/* Room for `extra` more bytes at once: a big text is then never copied while it grows. */
void sb_reserve(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_addc(struct strbuf *sb, char c);
char *sb_steal(struct strbuf *sb);
/* Drops what follows the first len bytes. */
void sb_truncate(struct strbuf *sb, size_t len);
void sb_free(struct strbuf *sb);

/* Maps the pages of p .. p + n in one system call, where touching them
 * would take a fault each: on this project's 2-core VM, 1.5 us a page
 * against 2.2 (docs/benchmarks.md). For memory about to be filled whole. */
void populate(void *p, size_t n);

/* A bump allocator for data that lives and dies together (a parsed ruleset):
 * no header per object, no free per object, one free for all. */
struct arena {
	struct arena_block *blocks;
	char *next, *end;
	char *last; /* the most recent allocation: the only one that can shrink */
};

void *arena_alloc(struct arena *a, size_t n);
/* Gives back the tail of p, now n bytes long, when p is the most recent allocation. */
void arena_shrink(struct arena *a, void *p, size_t n);
void *arena_copy(struct arena *a, const void *src, size_t n);
void arena_free(struct arena *a);

/* Hashes for the in-memory indexes (not stored, not for security). */
uint64_t hash_mix(uint64_t x);
uint64_t hash_bytes(const void *p, size_t n);

/* Positions of an array's elements by name (open addressing). The array is
 * the caller's; name_at reads the name at a position. */
struct name_index {
	size_t *slots; /* position + 1; 0: empty */
	size_t nslots;
};
typedef const char *(*name_at_fn)(const void *array, size_t i);

/* The position of name, or -1. */
long name_index_find(const struct name_index *ix, const char *name, name_at_fn name_at, const void *array);
/* Records the array's last element (n elements now); regrows when needed. */
void name_index_add(struct name_index *ix, size_t n, name_at_fn name_at, const void *array);
/* Indexes the whole array again (after elements were removed). */
void name_index_rebuild(struct name_index *ix, size_t n, name_at_fn name_at, const void *array);
void name_index_free(struct name_index *ix);

/* Split a comma-separated list; items are trimmed, empty items kept as "". */
size_t split_list(const char *s, char ***out);
void free_list(char **v, size_t n);
char *trim(char *s);
bool str_has_prefix(const char *s, const char *prefix);

/* qsort and bsearch order for an array of strings. */
int str_cmp_ptr(const void *a, const void *b);

/* The whole of fd, NUL-terminated (*len: its length, NULs inside count);
 * NULL with errno set when a read fails. Sized from fstat for a file. */
char *fd_read_all(int fd, size_t *len);
/* Replaces dirfd/name with text, atomically and durably: tmp is created
 * (O_EXCL, never through a symlink) with mode, written, fsync'd and renamed
 * over name, then the directory is fsync'd. false with errno set (tmp gone). */
bool file_replace_at(int dirfd, const char *name, const char *tmp, const char *text, mode_t mode);
/* The same, with the content written to the file by fill (false: failed). */
bool file_replace_with(int dirfd, const char *name, const char *tmp, mode_t mode, bool (*fill)(int fd, const void *arg),
		       const void *arg);
/* write(2) until all of s is written; false with errno set. */
bool fd_write_all(int fd, const char *s, size_t len);

#endif
